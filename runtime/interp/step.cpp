// The interpreter: one event in, the consequences out.
//
// A step copies the execution state, feeds the event to the thread it
// concerns, and lets that thread (and any parent it completes) run forward
// until every thread is blocked on something outside: an activity task, a
// timer, or its children. The engine is `detail::runner` (runner.hpp); its
// methods live in runner_*.cpp and state_*.cpp, one concern per file.
//
// History event ids follow AWS: every event's previousEventId is the last
// event of the same thread, the first state's Entered event points at 0, and
// branch/iteration events chain from the Parallel/Map events that opened
// them. Runtime failures (States.Runtime) carry AWS's prefix "An error
// occurred while executing the state 'X' (entered at the event id #N)."
#include "runtime/interp/step.hpp"

#include "runtime/interp/runner.hpp"

namespace sc::interp {

const char* to_string(exec_status s) {
  switch (s) {
    case exec_status::running: return "RUNNING";
    case exec_status::succeeded: return "SUCCEEDED";
    case exec_status::failed: return "FAILED";
    case exec_status::timed_out: return "TIMED_OUT";
    case exec_status::aborted: return "ABORTED";
  }
  return "RUNNING";
}

execution_state make_execution(std::string execution_arn, std::string state_machine_arn,
                               std::string state_machine_name, std::string name,
                               std::string role_arn, std::string input, int64_t start_ms,
                               uint64_t seed) {
  execution_state s;
  s.execution_arn = std::move(execution_arn);
  s.state_machine_arn = std::move(state_machine_arn);
  s.state_machine_name = std::move(state_machine_name);
  s.name = std::move(name);
  s.role_arn = std::move(role_arn);
  s.input = std::move(input);
  s.start_ms = start_ms;
  s.rng = seed;
  return s;
}

step_result step(const asl::definition& def, const execution_state& state, const event& ev,
                 int64_t now_ms, const limits& lim) {
  return step(def, execution_state(state), ev, now_ms, lim);
}

step_result step(const asl::definition& def, execution_state&& state, const event& ev,
                 int64_t now_ms, const limits& lim) {
  step_result r;
  r.next = std::move(state);
  if (const auto* rd = std::get_if<ev_redrive>(&ev)) {
    detail::runner run(def, r, now_ms, lim);
    run.on_redrive(*rd);
    run.finish_step();
    return r;
  }
  if (r.next.status != exec_status::running) {
    if (std::holds_alternative<ev_task_succeeded>(ev) || std::holds_alternative<ev_task_failed>(ev) ||
        std::holds_alternative<ev_task_heartbeat>(ev)) {
      int64_t task = std::visit(
          [](const auto& e) -> int64_t {
            if constexpr (requires { e.task; }) return e.task;
            return 0;
          },
          ev);
      r.rejected = true;
      auto it = r.next.closed_tasks.find(task);
      r.rejected_timed_out = it != r.next.closed_tasks.end() && it->second == task_end::timed_out;
    }
    return r;
  }
  {
    detail::runner run(def, r, now_ms, lim);
    std::visit(
        [&](const auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, ev_start>) run.start();
          else if constexpr (std::is_same_v<T, ev_activity_started>) run.on_activity_started(e);
          else if constexpr (std::is_same_v<T, ev_task_succeeded>) run.on_task_succeeded(e);
          else if constexpr (std::is_same_v<T, ev_task_failed>) run.on_task_failed(e);
          else if constexpr (std::is_same_v<T, ev_task_heartbeat>) run.on_task_heartbeat(e);
          else if constexpr (std::is_same_v<T, ev_timer>) run.on_timer(e.timer);
          else if constexpr (std::is_same_v<T, ev_stop>) run.on_stop(e);
          else if constexpr (std::is_same_v<T, ev_update_map_run>) run.on_update_map_run(e);
          else if constexpr (std::is_same_v<T, ev_stop_child>) run.on_stop_child(e);
          else if constexpr (std::is_same_v<T, ev_integration>) {
            if (!run.on_map_io(e)) run.on_integration(e);  // map_s3.cpp
          }
        },
        ev);
    run.finish_step();
  }
  return r;
}

}  // namespace sc::interp
