// See quotas.hpp.
#include "api/actions/quotas.hpp"

namespace sc::api {

void check_state_machine_quota(context& c, const std::string& arn) {
  const size_t limit = c.cfg.limits.state_machines;
  if (c.store.count_state_machines() < limit) return;
  if (c.store.get_state_machine(arn)) return;  // idempotent re-create: the store decides
  throw aws_error("StateMachineLimitExceeded",
                  "State machine limit exceeded: the account already has " +
                      std::to_string(limit) +
                      " state machines; delete one before creating another");
}

void check_activity_quota(context& c, const std::string& arn) {
  const size_t limit = c.cfg.limits.activities;
  if (c.store.count_activities() < limit) return;
  if (c.store.get_activity(arn)) return;
  throw aws_error("ActivityLimitExceeded",
                  "Activity limit exceeded: the account already has " + std::to_string(limit) +
                      " activities; delete one before creating another");
}

}  // namespace sc::api
