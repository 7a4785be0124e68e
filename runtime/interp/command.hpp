// What `step` asks the outside world to do. The actor carries these out
// only after the step's history and state are durably stored.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace sc::interp {

/// Put an activity task on the activity's queue.
struct cmd_schedule_activity {
  int64_t task = 0;
  std::string activity_arn;
  std::string input;
};
/// The task is closed (finished, timed out, aborted): withdraw it if it is
/// still queued.
struct cmd_cancel_activity { int64_t task = 0; std::string activity_arn; };
/// Fire `ev_timer{timer}` at `due_ms` (epoch ms, unscaled).
struct cmd_start_timer { int64_t timer = 0; int64_t due_ms = 0; };
struct cmd_cancel_timer { int64_t timer = 0; };
/// The execution reached a terminal status (see the state).
struct cmd_finished {};
/// Call a service integration (integration.hpp): `resource` is the Task's
/// full Resource ARN, `parameters` its effective input (JSON text),
/// `pattern` an integration_pattern, `token` the task token
/// (`.waitForTaskToken`; it is also in the parameters where they used
/// `$$.Task.Token`). The outcome comes back as ev_integration events.
struct cmd_call_integration {
  int64_t task = 0;
  std::string resource;
  std::string parameters;
  uint8_t pattern = 0;
  int64_t timeout_seconds = 0;    ///< 0 = none
  int64_t heartbeat_seconds = 0;  ///< 0 = none
  /// Made again by recovery (the first call's outcome was not stored).
  bool again = false;
  /// The Task's Credentials.RoleArn, resolved ("" = none): AWS calls assume it.
  std::string role_arn;
};
/// The integration task is closed (answered, timed out, aborted): forget
/// the call, and stop what it started for a `.sync` task still running.
struct cmd_cancel_integration {
  int64_t task = 0;
  std::string resource;
  std::string parameters;
};

/// A Distributed Map's S3 call (map_io.hpp): read the next window of
/// items, or put one results file or the manifest. `request` is JSON
/// (map_io.hpp); the answer comes back as ev_integration{task} succeeded
/// (output: the answer's JSON) or failed (error, cause).
struct cmd_map_io {
  int64_t task = 0;
  std::string request;
};

using command = std::variant<cmd_schedule_activity, cmd_cancel_activity, cmd_start_timer,
                             cmd_cancel_timer, cmd_finished, cmd_call_integration,
                             cmd_cancel_integration, cmd_map_io>;

}  // namespace sc::interp
