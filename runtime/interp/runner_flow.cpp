// Moving a thread through its machine: drive/enter/execute/exit_state, and
// what happens when a thread ends (its parent Parallel/Map collects it).
#include "runtime/interp/runner.hpp"

namespace sc::interp::detail {

flow runner::exit_state(thread& t, const asl::state& st, const std::string& out,
                        bool depth_checked) {
  if (out.size() > lim_.payload_bytes)
    return flow::fail(failure{"States.DataLimitExceeded",
                              "The state/task '" + st.name +
                                  "' returned a result with a size exceeding the maximum "
                                  "number of bytes service limit."});
  if (!depth_checked && too_deep(out)) {
    carried_.reset();  // exec_pass's document: never the next input
    return flow::fail(too_deep(t, "The state's output"));
  }
  details d;
  d.str("name", st.name).payload("output", out);
  emit(t, exited_type(st.type), "stateExitedEventDetails", commit_assigned(t, d).done());
  if (st.type == asl::state_type::succeed || st.end) return flow::end(out);
  return flow::go(st.next_index, out);
}

void runner::drive(thread& t, flow f) {
  ++drive_depth_;
  run(t, std::move(f));
  if (--drive_depth_ > 0) return;
  // Outermost: continue the threads whose own drive was not on the stack
  // (a child completed from a task answer or a timer), newest first.
  while (!deferred_.empty()) {
    auto [id, next] = std::move(deferred_.back());
    deferred_.pop_back();
    auto it = s_.threads.find(id);
    if (it == s_.threads.end()) continue;
    ++drive_depth_;
    run(it->second, std::move(next));
    --drive_depth_;
  }
}

void runner::drive_later(thread& t, flow f) {
  if (drive_depth_ == 0) return drive(t, std::move(f));
  deferred_.emplace_back(t.id, std::move(f));
}

bool runner::take_deferred(int thread_id, flow& f) {
  for (auto it = deferred_.rbegin(); it != deferred_.rend(); ++it) {
    if (it->first != thread_id) continue;
    f = std::move(it->second);
    deferred_.erase(std::next(it).base());
    return true;
  }
  return false;
}

void runner::run(thread& t, flow f) {
  for (;;) {
    if (s_.status != exec_status::running) return;
    if (over_limit_) return fail_at_history_limit();
    switch (f.kind) {
      case flow_kind::blocked:
        // Blocked on children that may have completed already: the
        // continuation they deferred is this thread's next step, taken
        // here where a nested drive of this thread would have returned.
        if (!take_deferred(t.id, f)) return;
        break;
      case flow_kind::next: f = enter(t, f.next, std::move(f.data)); break;
      case flow_kind::again: f = execute(t, state_of(t)); break;
      case flow_kind::end: return thread_succeeded(t, std::move(f.data));
      case flow_kind::fail: {
        flow g = handle_error(t, f);
        if (g.kind == flow_kind::fail) return thread_failed(t, g);
        f = std::move(g);
        break;
      }
    }
  }
}

flow runner::enter(thread& t, int index, std::string input) {
  const asl::state& st = machine_of(t).states[index];
  t.state = index;
  t.ph = phase::idle;
  t.retries.assign(st.retry.size(), 0);
  t.entered_ms = now_;
  if (input.size() > lim_.payload_bytes) {
    t.input = "{}";
    return flow::fail(failure{"States.DataLimitExceeded",
                              "The state/task '" + st.name +
                                  "' returned a result with a size exceeding the maximum "
                                  "number of bytes service limit."});
  }
  t.input = std::move(input);
  const size_t before = r_.events.size();
  const int64_t prev = t.last_event;
  t.entered_event = emit(t, entered_type(st.type), "stateEnteredEventDetails",
                         details().str("name", st.name).payload("input", t.input).done());
  if (st.jsonata) entered_prev_[t.id] = {t.entered_event, prev};
  // The event that holds this input's text, for later events to refer to.
  t.input_event = 0;
  if (r_.events.size() > before) {
    const auto& e = r_.events.back();
    t.input_event = e.payload_ref ? e.payload_ref : e.id;
  }
  return execute(t, st);
}

flow runner::execute(thread& t, const asl::state& st) {
  if (!stash_.empty()) stash_.erase(t.id);  // runs again: an earlier failure is moot
  if (st.jsonata) {
    switch (st.type) {
      case asl::state_type::pass: return exec_pass_jsonata(t, st);
      case asl::state_type::succeed: return exec_succeed_jsonata(t, st);
      case asl::state_type::fail: return exec_fail_jsonata(t, st);
      case asl::state_type::choice: return exec_choice_jsonata(t, st);
      case asl::state_type::wait: return exec_wait_jsonata(t, st);
      default: break;  // Task, Parallel, Map: their own files ask `st.jsonata`
    }
  }
  switch (st.type) {
    case asl::state_type::pass: return exec_pass(t, st);
    case asl::state_type::succeed: return exec_succeed(t, st);
    case asl::state_type::fail: return exec_fail(t, st);
    case asl::state_type::choice: return exec_choice(t, st);
    case asl::state_type::wait: return exec_wait(t, st);
    case asl::state_type::task: return exec_task(t, st);
    case asl::state_type::parallel: return exec_parallel(t, st);
    case asl::state_type::map: return exec_map(t, st);
  }
  return flow::fail(runtime(t, "unknown state type"));
}

void runner::thread_succeeded(thread& t, std::string output) {
  if (t.parent < 0) {
    s_.output = output;
    int64_t prev = t.last_event;
    emit_exec("ExecutionSucceeded", "executionSucceededEventDetails",
              details().payload("output", output).done(), prev);
    finish(exec_status::succeeded);
    return;
  }
  t.ph = phase::done;
  t.failed = false;
  t.output = std::move(output);
  child_done(t);
}

void runner::thread_failed(thread& t, const flow& f) {
  if (t.parent < 0) {
    s_.error = f.f.error;
    s_.cause = f.f.cause;
    s_.has_error = f.has_error;
    s_.has_cause = f.has_cause && !(f.f.cause.empty() && !f.has_cause);
    details d;
    if (f.has_error) d.str("error", f.f.error);
    if (f.has_cause) d.str("cause", f.f.cause);
    emit_exec("ExecutionFailed", "executionFailedEventDetails", d.done(), t.last_event);
    finish(exec_status::failed);
    return;
  }
  t.ph = phase::done;
  t.failed = true;
  t.error = f.f.error;
  t.cause = f.f.cause;
  fail_flags_[t.id] = {f.has_error, f.has_cause};
  child_done(t);
}

void runner::child_done(thread& c) {
  auto pit = s_.threads.find(c.parent);
  if (pit == s_.threads.end()) return;
  thread& p = pit->second;
  const asl::state& st = state_of(p);
  if (st.type == asl::state_type::parallel) return parallel_child_done(p, c, st);
  if (st.type == asl::state_type::map) map_child_done(p, c, st);
}

}  // namespace sc::interp::detail
