// The Task state: activity tasks, their timeouts and heartbeats. Tasks that
// call a service integration continue in state_task_integration.cpp; the
// data flow (effective input, timeouts, result) is shared by both.
#include "runtime/interp/runner.hpp"

#include "runtime/aws/calls.hpp"
#include "runtime/interp/integration.hpp"

namespace sc::interp::detail {

namespace {

bool is_activity(const std::string& resource) {
  return resource.rfind("arn:aws:states:", 0) == 0 &&
         resource.find(":activity:") != std::string::npos;
}

}  // namespace

std::optional<failure> runner::task_timeouts(thread& t, const asl::state& st, int64_t& timeout,
                                             int64_t& heartbeat) {
  json::document in;
  json::parse(t.input, in);
  auto resolve = [&](const std::optional<int64_t>& lit, const std::optional<eval::path>& p,
                     const char* field, int64_t& out) -> std::optional<failure> {
    out = 0;
    if (lit) out = *lit;
    if (p) {
      json::value v;
      json::document tmp;
      if (!select(t, *p, in, v, tmp.GetAllocator()) || !v.IsInt64() || v.GetInt64() <= 0)
        return runtime(t, std::string("The ") + field + " field references an invalid value: " +
                              p->text());
      out = v.GetInt64();
    }
    return std::nullopt;
  };
  if (auto f = resolve(st.timeout_seconds, st.timeout_seconds_path, "TimeoutSecondsPath", timeout))
    return f;
  if (auto f = resolve(st.heartbeat_seconds, st.heartbeat_seconds_path, "HeartbeatSecondsPath",
                       heartbeat))
    return f;
  if (st.jsonata)
    if (auto f = jsonata_task_timeouts(t, st, timeout, heartbeat)) return f;
  return std::nullopt;
}

flow runner::exec_task(thread& t, const asl::state& st) {
  if (auto ir = parse_integration(st.resource); ir && (integration_supported(*ir) || lim_.mocked))
    return exec_integration(t, st);
  std::string eff;
  if (auto f = effective_input(t, st, eff)) return flow::fail(*f);
  if (!is_activity(st.resource)) {
    // Why an AWS resource is refused (unknown service, pattern, protocol).
    std::string why;
    aws::plan_call(st.resource, &why);
    if (why == "not an integration" || why == "not an AWS integration") why.clear();
    return flow::fail(failure{
        "States.Runtime", runtime_prefix(t) + "Statecraft does not support the resource '" +
                              st.resource + "' yet" + (why.empty() ? "" : " (" + why + ")") +
                              "; activity tasks, states:startExecution, aws-sdk:sfn:sendTask* "
                              "and the AWS services of docs/aws-integrations.md run."});
  }
  int64_t timeout = 0, heartbeat = 0;
  if (auto f = task_timeouts(t, st, timeout, heartbeat)) return flow::fail(*f);
  if (eff.size() > lim_.payload_bytes)
    return flow::fail(failure{"States.DataLimitExceeded",
                              "The state/task '" + st.name +
                                  "' has an input with a size exceeding the maximum number of "
                                  "bytes service limit."});
  details d;
  d.str("resource", st.resource).payload("input", eff);
  if (st.timeout_seconds || st.timeout_seconds_path || st.timeout_expr)
    d.num("timeoutInSeconds", timeout);
  if (st.heartbeat_seconds || st.heartbeat_seconds_path || st.heartbeat_expr)
    d.num("heartbeatInSeconds", heartbeat);
  emit(t, "ActivityScheduled", "activityScheduledEventDetails", d.done());
  int64_t task = s_.next_task++;
  t.effective = eff;
  t.task_id = task;
  t.task_started = false;
  t.ph = phase::task;
  t.heartbeat_seconds = heartbeat;
  s_.tasks[task] = t.id;
  r_.commands.push_back(cmd_schedule_activity{task, st.resource, eff});
  // AWS's default activity timeout is 99999999 s; only arm a timer when set.
  if (timeout > 0)
    t.timeout_timer = arm_timer(t, timer_kind::task_timeout, due_after(double(timeout)));
  return flow::blocked();
}

flow runner::task_result(thread& t, const asl::state& st, const std::string& output) {
  json::document res;
  if (!json::parse(output, res)) res.SetNull();
  return finish_with_result(t, st, std::move(res), res.GetAllocator());
}

}  // namespace sc::interp::detail
