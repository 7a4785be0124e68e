// History events: ids, previousEventId chaining, the 25,000-event limit,
// and the terminal execution events.
#include "runtime/interp/runner.hpp"

namespace sc::interp::detail {

thread_local constinit bool record_details = true;

const char* entered_type(asl::state_type t) {
  switch (t) {
    case asl::state_type::pass: return "PassStateEntered";
    case asl::state_type::task: return "TaskStateEntered";
    case asl::state_type::choice: return "ChoiceStateEntered";
    case asl::state_type::wait: return "WaitStateEntered";
    case asl::state_type::succeed: return "SucceedStateEntered";
    case asl::state_type::fail: return "FailStateEntered";
    case asl::state_type::parallel: return "ParallelStateEntered";
    case asl::state_type::map: return "MapStateEntered";
  }
  return "";
}

const char* exited_type(asl::state_type t) {
  switch (t) {
    case asl::state_type::pass: return "PassStateExited";
    case asl::state_type::task: return "TaskStateExited";
    case asl::state_type::choice: return "ChoiceStateExited";
    case asl::state_type::wait: return "WaitStateExited";
    case asl::state_type::succeed: return "SucceedStateExited";
    case asl::state_type::fail: return "FailStateExited";
    case asl::state_type::parallel: return "ParallelStateExited";
    case asl::state_type::map: return "MapStateExited";
  }
  return "";
}

int64_t runner::emit(thread& t, const char* type, const char* key, details det,
                     bool advance) {
  if (t.silent) return t.last_event;
  int64_t id = push_event(type, key, std::move(det), t.last_event);
  if (advance) t.last_event = id;
  return id;
}

int64_t runner::emit_exec(const char* type, const char* key, details det, int64_t prev) {
  return push_event(type, key, std::move(det), prev, true);
}

int64_t runner::push_event(const char* type, const char* key, details det, int64_t prev,
                           bool execution_level) {
  if (!execution_level && s_.next_event_id >= lim_.history_events) {
    over_limit_ = true;
    return s_.next_event_id - 1;
  }
  if (!lim_.record_history) return s_.next_event_id++;
  model::history_event e;
  e.id = s_.next_event_id++;
  e.previous_id = prev;
  e.timestamp_ms = now_;
  e.type = type;
  if (key && *key) {
    e.details_key = key;
    e.details = det.text();
    e.payload_key = std::move(det.payload_key_);
    e.payload = std::move(det.payload_);
  }
  r_.events.push_back(std::move(e));
  return r_.events.back().id;
}

void runner::finish_step() {
  if (over_limit_) fail_at_history_limit();
}

void runner::fail_at_history_limit() {
  close_execution(exec_status::failed, "ExecutionFailed", "executionFailedEventDetails",
                  "States.Runtime",
                  "The execution reached the maximum number of history events (" +
                      std::to_string(lim_.history_events) + ").",
                  true, true);
}

void runner::close_execution(exec_status status, const char* type, const char* key,
                             const std::string& error, const std::string& cause, bool has_error,
                             bool has_cause) {
  if (s_.status != exec_status::running) return;
  int64_t prev = 0;
  auto root = s_.threads.find(1);
  if (root != s_.threads.end()) prev = root->second.last_event;
  if (!r_.events.empty() || s_.next_event_id > 1) prev = s_.next_event_id - 1;
  s_.error = error;
  s_.cause = cause;
  s_.has_error = has_error;
  s_.has_cause = has_cause;
  details d;
  if (has_error) d.str("error", error);
  if (has_cause) d.str("cause", cause);
  emit_exec(type, key, d.done(), prev);
  finish(status);
}

void runner::finish(exec_status status) {
  s_.status = status;
  s_.stop_ms = now_;
  for (auto& [id, t] : s_.threads) {
    if (t.ph == phase::task && t.task_id) {
      s_.closed_tasks[t.task_id] = task_end::done;
      r_.commands.push_back(cmd_cancel_activity{t.task_id, state_of(t).resource});
    }
  }
  for (auto& [id, ref] : s_.timers) r_.commands.push_back(cmd_cancel_timer{id});
  s_.timers.clear();
  s_.tasks.clear();
  s_.threads.clear();
  r_.commands.push_back(cmd_finished{});
}

}  // namespace sc::interp::detail
