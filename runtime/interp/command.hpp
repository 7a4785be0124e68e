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

using command = std::variant<cmd_schedule_activity, cmd_cancel_activity, cmd_start_timer,
                             cmd_cancel_timer, cmd_finished>;

}  // namespace sc::interp
