// What can happen to an execution: the inputs of `step`.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace sc::interp {

struct ev_start {};                                     ///< the execution begins
struct ev_activity_started { int64_t task; std::string worker_name; };
struct ev_task_succeeded { int64_t task; std::string output; };
struct ev_task_failed { int64_t task; std::string error, cause; bool has_error = false, has_cause = false; };
struct ev_task_heartbeat { int64_t task; };
struct ev_timer { int64_t timer; };
struct ev_stop { std::string error, cause; bool has_error = false, has_cause = false; };
/// RedriveExecution: `at_ms` is the redriveDate the caller answers with
/// (0 = the step's time); a `client_token` of one of the last 10 redrives,
/// less than 15 minutes old, answers with that redrive's date and changes
/// nothing.
struct ev_redrive { std::string client_token; int64_t at_ms = 0; };

/// UpdateMapRun: new settings for a running Map Run (-1 = unchanged).
struct ev_update_map_run {
  std::string map_run_arn;
  int64_t max_concurrency = -1;
  int64_t tolerated_count = -1;
  double tolerated_percentage = -1;
};

/// StopExecution of a Map Run's child execution: that child ends ABORTED
/// (its iteration counts as failed for the Map's tolerated failures).
struct ev_stop_child {
  std::string child_arn, error, cause;
  bool has_error = false, has_cause = false;
};

/// What the integration layer reports about a cmd_call_integration:
/// `started` (the call is being made: TaskStarted), `submitted` (a `.sync`
/// job or a `.waitForTaskToken` call was accepted: TaskSubmitted with the
/// call's answer in `output`), `succeeded` (output), `failed` (error,
/// cause: TaskFailed), `start_failed` (TaskStartFailed), `submit_failed`
/// (the call that submits a `.sync` job or a `.waitForTaskToken` call
/// failed: TaskSubmitFailed).
struct ev_integration {
  enum class kind : uint8_t { started, submitted, succeeded, failed, start_failed, submit_failed };
  int64_t task = 0;
  kind k = kind::started;
  std::string output, error, cause;
  bool has_error = true, has_cause = true;
};

using event = std::variant<ev_start, ev_activity_started, ev_task_succeeded, ev_task_failed,
                           ev_task_heartbeat, ev_timer, ev_stop, ev_update_map_run, ev_stop_child,
                           ev_redrive, ev_integration>;

}  // namespace sc::interp
