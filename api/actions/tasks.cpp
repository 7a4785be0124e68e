// GetActivityTask (a long poll parked in the activity's queue actor),
// SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat.
#include "api/service.hpp"
#include "runtime/model/arn.hpp"

namespace sc::api {

void get_activity_task(context& c) {
  auto arn = c.m.required_str("activityArn", 1, 256);
  auto worker = c.m.str("workerName", 1, 80);
  require_arn(arn, model::arn_kind::activity);
  if (!c.store.get_activity(arn))
    throw aws_error("ActivityDoesNotExist", "Activity Does Not Exist: '" + arn + "'");
  auto done = c.done;
  c.node.get_activity_task(arn, worker.value_or(""), c.alive, [done](actors::activity_task t) {
    if (t.worker_limit)
      return send_error(done, {"ActivityWorkerLimitExceeded",
                               "Too many workers are polling this activity at once; "
                               "retry once fewer GetActivityTask calls are waiting"});
    if (t.token.empty()) return done(response{200, "{}", {}});
    done(response{200, out().str("taskToken", t.token).str("input", t.input).done(), {}});
  });
}

namespace {
actors::error_cb reply_empty(const responder& done) {
  return [done](std::optional<actors::api_error> err) {
    if (err) return send_error(done, *err);
    done(response{200, "{}", {}});
  };
}
}  // namespace

void send_task_success(context& c) {
  auto token = c.m.required_str("taskToken", 1, 2048);
  auto output = c.m.required_str("output", 0, 262144);
  std::string err;
  json::document d;
  if (!json::parse(output, d, &err))
    throw aws_error("InvalidOutput", "Invalid Output: '" + err + "'");
  c.node.send_task_success(token, std::move(output), reply_empty(c.done));
}

void send_task_failure(context& c) {
  auto token = c.m.required_str("taskToken", 1, 2048);
  auto error = c.m.str("error", 0, 256);
  auto cause = c.m.str("cause", 0, 32768);
  c.node.send_task_failure(token, error.value_or(""), cause.value_or(""), error.has_value(),
                           cause.has_value(), reply_empty(c.done));
}

void send_task_heartbeat(context& c) {
  auto token = c.m.required_str("taskToken", 1, 2048);
  c.node.send_task_heartbeat(token, reply_empty(c.done));
}

}  // namespace sc::api
