// See quotas.hpp.
#include "api/actions/quotas.hpp"

namespace sc::api {

namespace {

/// How many records of the caller's namespace (ARN prefix) a store lists,
/// counting at most `limit`: used only when the store as a whole is at the
/// limit (rare), so the common case stays one cheap count.
template <class ListFn>
size_t count_in_namespace(ListFn list, const std::string& prefix, size_t limit) {
  size_t n = 0;
  std::string after = prefix;
  while (n < limit) {
    auto page = list(after, 1000);
    keep_prefix(page, prefix);
    n += page.items.size();
    if (page.next.empty()) break;
    after = page.next;
  }
  return n;
}

}  // namespace

void check_state_machine_quota(context& c, const std::string& arn) {
  const size_t limit = c.cfg.limits.state_machines;
  if (c.store.count_state_machines() < limit) return;
  const std::string prefix = namespace_prefix(c) + "stateMachine:";
  auto list = [&](const std::string& after, size_t n) {
    return c.store.list_state_machines(after, n);
  };
  if (count_in_namespace(list, prefix, limit) < limit) return;
  if (c.store.get_state_machine(arn)) return;  // idempotent re-create: the store decides
  throw aws_error("StateMachineLimitExceeded",
                  "State machine limit exceeded: the account already has " +
                      std::to_string(limit) +
                      " state machines; delete one before creating another");
}

void check_activity_quota(context& c, const std::string& arn) {
  const size_t limit = c.cfg.limits.activities;
  if (c.store.count_activities() < limit) return;
  const std::string prefix = namespace_prefix(c) + "activity:";
  auto list = [&](const std::string& after, size_t n) { return c.store.list_activities(after, n); };
  if (count_in_namespace(list, prefix, limit) < limit) return;
  if (c.store.get_activity(arn)) return;
  throw aws_error("ActivityLimitExceeded",
                  "Activity limit exceeded: the account already has " + std::to_string(limit) +
                      " activities; delete one before creating another");
}

void check_open_execution_quota(context& c, const std::string& retry_of) {
  const size_t limit = c.cfg.limits.open_executions;
  if (c.store.open_executions_below(namespace_prefix(c), limit)) return;
  if (!retry_of.empty()) {
    auto running = c.store.get_execution_record(retry_of);
    if (running && running->status == "RUNNING") return;
  }
  throw aws_error("ExecutionLimitExceeded",
                  "The maximum number of running executions has been reached. Running "
                  "executions must end or be stopped before a new execution can be started.");
}

}  // namespace sc::api
