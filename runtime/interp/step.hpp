// The heart of Statecraft: one pure function.
//
//   step(definition, state, event, now) -> { next state, history, commands }
//
// No clock (now is an argument), no RNG (the seed is in the state), no I/O.
// Everything it decides is in its result, so every rule of the States
// Language is a deterministic unit test, and an execution can be persisted
// and resumed anywhere between two steps.
#pragma once

#include "runtime/asl/ast.hpp"
#include "runtime/interp/command.hpp"
#include "runtime/interp/event.hpp"
#include "runtime/interp/map_run.hpp"
#include "runtime/interp/state.hpp"
#include "runtime/model/history_event.hpp"
#include "runtime/model/task_token.hpp"

#include <vector>

namespace sc::interp {

struct map_io;  // interp/map_io.hpp

struct limits {
  int64_t history_events = 25000;   ///< AWS's hard limit per execution
  size_t payload_bytes = 262144;    ///< 256 KiB
  /// Longest an execution may run before it times out (States.Timeout), on
  /// top of the machine's TimeoutSeconds; 0 = no limit. AWS runs Express
  /// executions for at most 5 minutes.
  int64_t max_duration_ms = 0;
  /// Bytes of history one execution may hold (see push_event).
  int64_t history_bytes = int64_t(256) << 20;
  /// Build history events. Express executions have no history API, so the
  /// node turns this off for them: same semantics, less work.
  bool record_history = true;
  /// Signs `.waitForTaskToken` tokens ($$.Task.Token); the node's codec.
  /// Null (unit tests, `statecraft run`): an unsigned stand-in token.
  const model::token_codec* tokens = nullptr;
  /// The execution runs a mock file's test case (actors/mock_config.hpp):
  /// a Task with any integration Resource is scheduled as an integration
  /// call (the node answers it from the mock, or fails what it cannot call).
  bool mocked = false;
  /// Distributed Map's ItemReader / ResultWriter on S3 (interp/map_io.hpp);
  /// null: a Map using them fails as it starts.
  const map_io* map_sources = nullptr;
};

struct step_result {
  execution_state next;
  std::vector<model::history_event> events;
  std::vector<command> commands;
  /// For ev_task_* events: the task was unknown/closed. `rejected_timed_out`
  /// tells the API to answer TaskTimedOut rather than TaskDoesNotExist.
  bool rejected = false;
  bool rejected_timed_out = false;
  /// ev_redrive: the redrive's date (also for a repeated client token), or,
  /// when `rejected`, AWS's reason (redriveStatusReason) in `not_redrivable`.
  int64_t redrive_ms = 0;
  std::string not_redrivable;
  /// Distributed Map: Map Runs and child executions that changed in this
  /// step (each once, as it is now; a child with its new history events).
  /// Stored with the parent's save.
  std::vector<map_run_record> map_runs;
  std::vector<child_execution> children;
  /// States entered in this step when history is not recorded
  /// (limits::record_history false: Express), for the node's metrics.
  int64_t states_entered = 0;
};

/// Why `state` cannot be redriven now ("" = it can), as far as the state
/// tells: status, kept threads, history length (see runner_redrive.cpp).
std::string redrive_refusal(const execution_state& state, const limits& lim = {});

/// A fresh execution state (not yet started: feed it ev_start).
execution_state make_execution(std::string execution_arn, std::string state_machine_arn,
                               std::string state_machine_name, std::string name,
                               std::string role_arn, std::string input, int64_t start_ms,
                               uint64_t seed);

[[nodiscard]] step_result step(const asl::definition& def, const execution_state& state,
                               const event& ev, int64_t now_ms, const limits& lim = {});

/// The same, consuming `state` (no copy); the result's `next` is the state
/// after the event (unchanged when the event was rejected).
[[nodiscard]] step_result step(const asl::definition& def, execution_state&& state,
                               const event& ev, int64_t now_ms, const limits& lim = {});

}  // namespace sc::interp
