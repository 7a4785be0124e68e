// Running a definition in-process, with no node: the outside world is
// played by a script. Used by `statecraft run` and the golden tests.
//
// Every activity task scheduled is taken by a worker and answered with the
// next scripted outcome; timers fire in due order on a virtual clock, so a
// Wait of a day takes no time. A task with no scripted outcome left is left
// unanswered, so only its timeouts (if any) can end it.
#pragma once

#include "runtime/asl/ast.hpp"
#include "runtime/interp/state.hpp"
#include "runtime/model/history_event.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sc::interp {

/// One scripted answer to an activity task.
struct scripted_outcome {
  enum class kind { success, failure, never } k = kind::success;
  std::string output = "{}";          ///< success: JSON text
  std::string error, cause;           ///< failure
  bool has_error = false, has_cause = false;
  int heartbeats = 0;                 ///< heartbeats sent before answering
};

struct simulation {
  execution_state state;
  std::vector<model::history_event> history;
  std::string problem;  ///< non-empty when the run got stuck
};

struct simulation_options {
  std::string execution_arn = "arn:aws:states:us-east-1:123456789012:execution:golden:run";
  std::string state_machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:golden";
  std::string state_machine_name = "golden";
  std::string name = "run";
  std::string role_arn = "arn:aws:iam::123456789012:role/golden";
  int64_t start_ms = 1700000000000;
  uint64_t seed = 42;
  std::string worker_name = "golden-worker";
  size_t max_steps = 1000000;
  /// A mock file's test case (`statecraft run --mock-config`): the outcome
  /// of the next invocation of the Task state named by the argument, or
  /// nullopt when the test case does not mock it. Mocked tasks (activities
  /// and integrations) take it instead of a scripted outcome, and any
  /// integration Resource may be mocked (step's limits.mocked).
  std::function<std::optional<scripted_outcome>(const std::string& state)> mock;
};

/// Parses `script` (a JSON array of {"output": v} | {"error": "E", "cause":
/// "C"} | {"never": true}, each optionally with "heartbeats": n). Returns
/// false and a message on a malformed script.
bool parse_script(const std::string& script, std::vector<scripted_outcome>& out,
                  std::string& error);

simulation simulate(const asl::definition& def, const std::string& input,
                    const std::vector<scripted_outcome>& script,
                    const simulation_options& opts = {});

/// GetExecutionHistory-shaped JSON for `events` ({"events": [...]} members
/// without timestamps when `with_timestamps` is false).
std::string history_json(const std::vector<model::history_event>& events,
                         bool with_timestamps = true);

}  // namespace sc::interp
