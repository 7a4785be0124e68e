// What each input event does to the execution: start, a timer falling due,
// an activity task's start/answer/heartbeat, a stop request.
#include "runtime/interp/runner.hpp"

#include "runtime/interp/integration.hpp"

#include <algorithm>
#include <utility>

namespace sc::interp::detail {

void runner::start() {
  int64_t id = emit_exec("ExecutionStarted", "executionStartedEventDetails",
                         details()
                             .payload("input", s_.input)
                             .str("roleArn", s_.role_arn)
                             .done(),
                         0);
  (void)id;
  thread& root = new_thread(-1, 0, 0);
  root.last_event = 0;
  // The machine's TimeoutSeconds, capped by the longest an execution may
  // run at all (an Express execution: 5 minutes).
  std::optional<int64_t> timeout_ms;
  if (def_.root->timeout_seconds)
    timeout_ms = due_after(double(*def_.root->timeout_seconds)) - now_;
  if (lim_.max_duration_ms > 0 && (!timeout_ms || *timeout_ms > lim_.max_duration_ms))
    timeout_ms = lim_.max_duration_ms;
  if (timeout_ms) {
    int64_t t = s_.next_timer++;
    int64_t due = now_ + *timeout_ms;
    s_.timers[t] = timer_ref{root.id, timer_kind::execution_timeout, due};
    r_.commands.push_back(cmd_start_timer{t, due});
  }
  drive(root, flow::go(def_.root->start_index, s_.input));
}

void runner::on_timer(int64_t timer) {
  auto it = s_.timers.find(timer);
  if (it == s_.timers.end()) return;  // cancelled or already fired
  const std::pair<int64_t, int64_t> key{it->second.due_ms, timer};
  std::vector<std::pair<int64_t, int64_t>> earlier;
  for (const auto& [id, ref] : s_.timers)
    if (std::make_pair(ref.due_ms, id) < key) earlier.emplace_back(ref.due_ms, id);
  std::sort(earlier.begin(), earlier.end());
  for (const auto& [due, id] : earlier) {
    fire(id);  // (no-op if an earlier one cancelled it)
    if (s_.status != exec_status::running) return;
  }
  fire(timer);
}

void runner::fire(int64_t timer) {
  auto it = s_.timers.find(timer);
  if (it == s_.timers.end()) return;  // cancelled or already fired
  timer_ref ref = it->second;
  s_.timers.erase(it);
  auto th = s_.threads.find(ref.thread);
  if (th == s_.threads.end()) return;
  thread& t = th->second;
  switch (ref.kind) {
    case timer_kind::execution_timeout:
      abort_children_of_all();
      close_execution(exec_status::timed_out, "ExecutionTimedOut",
                      "executionTimedOutEventDetails", "States.Timeout", "", true, false);
      return;
    case timer_kind::wait: {
      if (t.ph != phase::wait || t.timer != timer) return;
      t.timer = 0;
      t.ph = phase::idle;
      drive(t, wait_done(t, state_of(t)));
      return;
    }
    case timer_kind::retry: {
      if (t.ph != phase::retry || t.timer != timer) return;
      t.timer = 0;
      t.ph = phase::idle;
      drive(t, flow::again());
      return;
    }
    case timer_kind::task_timeout:
    case timer_kind::heartbeat: {
      if (t.ph != phase::task || t.task_id == 0) return;
      const char* err =
          ref.kind == timer_kind::task_timeout ? "States.Timeout" : "States.HeartbeatTimeout";
      if (integration_task(t)) {
        const std::string resource = state_of(t).resource;
        close_task(t, task_end::timed_out);
        auto ir = parse_integration(resource);
        if (ir->resource_type == "lambda" && ir->resource.rfind("arn:", 0) == 0)  // legacy Resource
          emit(t, "LambdaFunctionTimedOut", "lambdaFunctionTimedOutEventDetails",
               details().str("error", err).done());
        else
          emit(t, "TaskTimedOut", "taskTimedOutEventDetails",
               details()
                   .str("resourceType", ir->resource_type)
                   .str("resource", ir->resource)
                   .str("error", err)
                   .done());
        drive(t, flow::fail(failure{err, ""}, true, false));
        return;
      }
      close_task(t, task_end::timed_out);
      emit(t, "ActivityTimedOut", "activityTimedOutEventDetails",
           details().str("error", err).done());
      drive(t, flow::fail(failure{err, ""}, true, false));
      return;
    }
  }
}

flow runner::wait_done(thread& t, const asl::state& st) {
  if (st.jsonata) return wait_done_jsonata(t, st);
  if (st.assign) {
    json::document eff;
    json::parse(t.effective, eff);
    if (auto f = assign(t, *st.assign, eff)) return flow::fail(*f);
  }
  std::string out;
  if (auto f = apply_output_path(t, st, t.effective, out)) return flow::fail(*f);
  return exit_state(t, st, out);
}

void runner::on_activity_started(const ev_activity_started& e) {
  thread* t = task_thread(e.task);
  if (!t || integration_task(*t)) return;
  if (t->task_started) return;
  t->task_started = true;
  emit(*t, "ActivityStarted", "activityStartedEventDetails",
       details().str("workerName", e.worker_name).done());
  if (t->heartbeat_seconds > 0) arm_heartbeat(*t);
}

void runner::ensure_started(thread& t) {
  if (t.task_started) return;
  t.task_started = true;
  emit(t, "ActivityStarted", "activityStartedEventDetails", details());
}

void runner::on_task_succeeded(const ev_task_succeeded& e) {
  thread* t = task_thread(e.task);
  if (!t) return reject(e.task);
  if (integration_task(*t))  // SendTaskSuccess of a .waitForTaskToken task
    return on_integration(ev_integration{e.task, ev_integration::kind::succeeded, e.output, "", "",
                                         false, false});
  ensure_started(*t);
  const asl::state& st = state_of(*t);
  close_task(*t, task_end::done);
  emit(*t, "ActivitySucceeded", "activitySucceededEventDetails",
       details().payload("output", e.output).done());
  drive(*t, task_result(*t, st, e.output));
}

void runner::on_task_failed(const ev_task_failed& e) {
  thread* t = task_thread(e.task);
  if (!t) return reject(e.task);
  if (integration_task(*t))
    return on_integration(ev_integration{e.task, ev_integration::kind::failed, "", e.error,
                                         e.cause, e.has_error, e.has_cause});
  ensure_started(*t);
  close_task(*t, task_end::done);
  details d;
  if (e.has_error) d.str("error", e.error);
  if (e.has_cause) d.str("cause", e.cause);
  emit(*t, "ActivityFailed", "activityFailedEventDetails", d.done());
  drive(*t, flow::fail(failure{e.error, e.cause}, e.has_error, e.has_cause));
}

void runner::on_task_heartbeat(const ev_task_heartbeat& e) {
  thread* t = task_thread(e.task);
  if (!t) return reject(e.task);
  if (t->heartbeat_seconds > 0) arm_heartbeat(*t);
}

void runner::on_stop(const ev_stop& e) {
  abort_children_of_all();
  close_execution(exec_status::aborted, "ExecutionAborted", "executionAbortedEventDetails",
                  e.error, e.cause, e.has_error, e.has_cause);
}

}  // namespace sc::interp::detail
