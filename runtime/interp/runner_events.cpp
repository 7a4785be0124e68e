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
  if (t.silent) return child_emit(t, type, key, std::move(det), advance);
  int64_t id = push_event(type, key, std::move(det), t.last_event, false, &t);
  if (advance) t.last_event = id;
  return id;
}

namespace {
/// Payloads shorter than this are stored as they are (a reference saves
/// little and costs a comparison).
constexpr size_t shared_payload_min = 128;
/// How many of the step's latest payload events are compared.
constexpr size_t shared_payload_window = 8;
}  // namespace

int64_t runner::shared_payload(std::string_view text, const thread* t) const {
  if (text.size() < shared_payload_min) return 0;
  size_t seen = 0;
  for (auto it = r_.events.rbegin(); it != r_.events.rend() && seen < shared_payload_window;
       ++it) {
    if (it->payload_key.empty()) continue;
    ++seen;
    if (it->payload_ref) {
      // Its text is that of its target: this step's events are numbered
      // consecutively, so a target among them is found by its id.
      const int64_t first = r_.events.front().id;
      const int64_t i = it->payload_ref - first;
      if (i >= 0 && i < static_cast<int64_t>(r_.events.size())) {
        const auto& target = r_.events[static_cast<size_t>(i)];
        if (target.payload.size() == text.size() && target.payload == text) return target.id;
      } else if (it->payload_ref == earlier_ref_ && earlier_text_ == text) {
        return it->payload_ref;
      } else if (t && t->input_event == it->payload_ref && t->input == text) {
        return it->payload_ref;
      }
      continue;
    }
    if (it->payload.size() == text.size() && it->payload == text) return it->id;
  }
  if (t && t->input_event && t->input == text) return t->input_event;
  return 0;
}

int64_t runner::emit_exec(const char* type, const char* key, details det, int64_t prev) {
  return push_event(type, key, std::move(det), prev, true);
}

int64_t runner::push_event(const char* type, const char* key, details det, int64_t prev,
                           bool execution_level, const thread* t) {
  if (!execution_level && s_.next_event_id >= lim_.history_events) {
    over_limit_ = true;
    return s_.next_event_id - 1;
  }
  if (!lim_.record_history) {
    const size_t n = std::char_traits<char>::length(type);
    if (n > 12 && std::char_traits<char>::compare(type + n - 12, "StateEntered", 12) == 0)
      ++r_.states_entered;
    return s_.next_event_id++;
  }
  model::history_event e;
  e.type = type;
  if (key && *key) {
    e.details_key = key;
    e.details = det.text();
    e.payload_key = std::move(det.payload_key_);
    if (!e.payload_key.empty()) {
      e.payload_ref = shared_payload(det.payload_, t);
      if (!e.payload_ref) {
        e.payload = det.payload_;
      } else if ((r_.events.empty() || e.payload_ref < r_.events.front().id) &&
                 e.payload_ref != earlier_ref_) {
        // A payload of an earlier step: keep its text for this step's later
        // events (the execution's end has no thread input to compare with).
        earlier_ref_ = e.payload_ref;
        earlier_text_ = det.payload_;
      }
    }
  }
  // The bytes this event adds to the execution's history; past the limit
  // the event is dropped and the execution fails, as at the event limit.
  const int64_t bytes = static_cast<int64_t>(48 + e.type.size() + e.details.size() +
                                             e.payload_key.size() + e.payload.size());
  if (!execution_level && s_.history_bytes + bytes > lim_.history_bytes) {
    over_limit_ = true;
    over_bytes_ = true;
    return s_.next_event_id - 1;
  }
  s_.history_bytes += bytes;
  e.id = s_.next_event_id++;
  e.previous_id = prev;
  e.timestamp_ms = now_;
  r_.events.push_back(std::move(e));
  return r_.events.back().id;
}

void runner::finish_step() {
  if (over_limit_) fail_at_history_limit();
}

void runner::fail_at_history_limit() {
  std::string cause =
      over_bytes_ ? "The execution reached the maximum size of its history (" +
                        std::to_string(lim_.history_bytes) + " bytes)."
                  : "The execution reached the maximum number of history events (" +
                        std::to_string(lim_.history_events) + ").";
  close_execution(exec_status::failed, "ExecutionFailed", "executionFailedEventDetails",
                  "States.Runtime", cause, true, true);
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
  // Child executions and Map Runs still open (the execution ended while a
  // Distributed Map ran, e.g. at the history limit) end ABORTED with it.
  for (auto& [id, t] : s_.threads) child_end(t, "ABORTED");
  for (auto& [id, t] : s_.threads)
    if (!t.map_run_arn.empty() && t.ph == phase::children) note_map_run(t, "ABORTED");
  s_.status = status;
  s_.stop_ms = now_;
  for (auto& [id, t] : s_.threads) {
    if (t.ph == phase::task && t.task_id) {
      s_.closed_tasks[t.task_id] = task_end::done;
      push_cancel(t);
    }
  }
  for (auto& [id, ref] : s_.timers) r_.commands.push_back(cmd_cancel_timer{id});
  s_.timers.clear();
  s_.tasks.clear();
  // Standard executions that did not succeed keep what a redrive resumes.
  if (status != exec_status::succeeded && lim_.record_history) keep_for_redrive();
  s_.threads.clear();
  r_.commands.push_back(cmd_finished{});
}

}  // namespace sc::interp::detail
