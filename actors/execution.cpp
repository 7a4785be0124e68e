// The execution actor: one per running execution. It does four things only:
// turn a message into an interpreter event, call `step`, hand the new
// history and state to the store (the memory store acknowledges at once;
// nothing outside sees a change before that call returns), and carry out the
// commands — queue activity tasks, arm timers, answer waiters, quit.
#include "actors/detail.hpp"

namespace sc::actors {


namespace {

using self_ptr = caf::stateful_actor<execution_actor_state>*;

void sync_record(execution_actor_state& s) {
  auto& r = s.rec;
  r.status = interp::to_string(s.st.status);
  r.stop_ms = s.st.stop_ms;
  if (s.st.status == interp::exec_status::succeeded) {
    r.output = s.st.output;
    r.has_output = true;
  }
  if (s.st.status == interp::exec_status::failed || s.st.status == interp::exec_status::timed_out ||
      s.st.status == interp::exec_status::aborted) {
    r.error = s.st.error;
    r.cause = s.st.cause;
    r.has_error = s.st.has_error;
    r.has_cause = s.st.has_cause;
  }
}

/// Queues task `task` of this execution on its activity's queue actor.
void schedule(self_ptr self, const interp::cmd_schedule_activity& c) {
  auto& s = self->state;
  queued_task q;
  q.token = s.owner->codec.encode(model::task_token{s.st.execution_arn, c.task});
  q.input = c.input;
  q.task = c.task;
  q.execution = caf::actor_cast<caf::actor>(self);
  self->send(s.owner->queue_for(c.activity_arn), schedule_atom::value, std::move(q));
}

/// Steps the interpreter with `ev`; returns the step's rejection flags.
interp::step_result apply(self_ptr self, const interp::event& ev) {
  auto& s = self->state;
  auto r = interp::step(*s.def, s.st, ev, now_ms(), s.owner->limits);
  if (r.rejected && r.events.empty() && r.commands.empty()) return r;
  s.st = std::move(r.next);
  sync_record(s);
  if (!s.express) {
    s.rec.state = std::make_shared<const interp::execution_state>(s.st);
    s.owner->store.save_execution(s.rec, r.events);
  }
  for (auto& cmd : r.commands) {
    std::visit(
        [&](auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, interp::cmd_schedule_activity>) {
            schedule(self, c);
          } else if constexpr (std::is_same_v<T, interp::cmd_cancel_activity>) {
            self->send(s.owner->queue_for(c.activity_arn), cancel_atom::value,
                       s.owner->codec.encode(model::task_token{s.st.execution_arn, c.task}));
          } else if constexpr (std::is_same_v<T, interp::cmd_start_timer>) {
            self->delayed_send(self, s.owner->delay_until(c.due_ms), timer_atom::value, c.timer);
          } else if constexpr (std::is_same_v<T, interp::cmd_cancel_timer>) {
            // Delayed messages cannot be withdrawn; `step` ignores timers
            // that are no longer armed.
          } else if constexpr (std::is_same_v<T, interp::cmd_finished>) {
            if (s.finished) {
              start_reply rep;
              rep.execution_arn = s.st.execution_arn;
              rep.start_ms = s.st.start_ms;
              rep.result = s.rec;
              s.finished(std::move(rep));
            }
          }
        },
        cmd);
  }
  if (s.st.status != interp::exec_status::running) {
    s.owner->unregister(s.st.execution_arn);
    self->quit();
  }
  r.next = {};
  return r;
}

/// After a restart: re-arm timers and re-queue tasks no worker had taken.
void resume(self_ptr self) {
  auto& s = self->state;
  for (auto& [id, t] : s.st.timers)
    self->delayed_send(self, s.owner->delay_until(t.due_ms), timer_atom::value, id);
  for (auto& [task, tid] : s.st.tasks) {
    auto it = s.st.threads.find(tid);
    if (it == s.st.threads.end() || it->second.task_started) continue;
    const auto& th = it->second;
    const auto& st = s.def->machines[th.machine]->states[th.state];
    schedule(self, interp::cmd_schedule_activity{task, st.resource, th.effective});
  }
}

}  // namespace

caf::behavior execution_actor(caf::stateful_actor<execution_actor_state>* self, node::impl* n,
                              spawn_request req) {
  auto& s = self->state;
  s.owner = n;
  s.def = std::move(req.def);
  s.st = std::move(req.state);
  s.rec = std::move(req.record);
  s.express = req.express;
  s.finished = std::move(req.finished);
  if (req.fresh)
    apply(self, interp::ev_start{});
  else
    resume(self);
  return {
      [=](act_start_atom, int64_t task, const std::string& worker) {
        apply(self, interp::ev_activity_started{task, worker});
      },
      [=](task_atom, task_outcome& o) {
        interp::step_result r;
        switch (o.k) {
          case task_outcome::kind::success:
            r = apply(self, interp::ev_task_succeeded{o.task, std::move(o.output)});
            break;
          case task_outcome::kind::failure:
            r = apply(self, interp::ev_task_failed{o.task, o.error, o.cause, o.has_error,
                                                    o.has_cause});
            break;
          case task_outcome::kind::heartbeat:
            r = apply(self, interp::ev_task_heartbeat{o.task});
            break;
        }
        if (r.rejected)
          o.done(api_error{r.rejected_timed_out ? "TaskTimedOut" : "TaskDoesNotExist",
                           r.rejected_timed_out ? "Task Timed Out: 'Provided task has timed out'"
                                                : "Task does not exist anymore"});
        else
          o.done(std::nullopt);
      },
      [=](timer_atom, int64_t timer) { apply(self, interp::ev_timer{timer}); },
      [=](stop_atom, stop_request& req) {
        apply(self, interp::ev_stop{req.error, req.cause, req.has_error, req.has_cause});
        req.done({std::nullopt, self->state.st.stop_ms});
      },
  };
}

}  // namespace sc::actors
