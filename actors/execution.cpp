// The execution actor: one per execution that currently has something to do.
//
// It does four things only: turn a message into an interpreter event, call
// `step`, hand the new history and state to the store, and — once the store
// has acknowledged that write — carry out the commands (queue activity
// tasks, arm timers) and answer whoever is waiting (SendTask*, StopExecution,
// StartSyncExecution). Nothing leaves the actor before its write is durable.
//
// Events that arrive while a save is in flight wait in `inbox`, so steps are
// strictly sequential and saves of one execution are issued in order. The
// memory store acknowledges at once; the Redis store acknowledges from its
// writer thread after EXEC, batching many executions' saves (group commit).
// A failed save is retried with back-off; waiting callers keep waiting (an
// HTTP client gives up on its own). Saves must be idempotent for this
// (see cluster/store.hpp).
//
// An execution with nothing to do (parked in a Wait, or waiting for a worker)
// goes to sleep after `passivate_after`: the actor quits, its state stays in
// the store and its timers in the timer service; the next message addressed
// to it wakes it (node::impl::route). Express executions are never stored,
// so they never sleep.
#include "actors/detail.hpp"

#include "actors/execution_log.hpp"
#include "actors/integrations.hpp"
#include "actors/mock_config.hpp"
#include "actors/status_events.hpp"
#include "observability/metrics.hpp"
#include "runtime/interp/integration.hpp"
#include "cluster/coordinator.hpp"

namespace sc::actors {

void note_started_through(std::vector<model::history_event>& events,
                          const cluster::execution_record& r) {
  if (r.version_arn.empty() && r.alias_arn.empty()) return;
  for (auto& e : events) {
    if (e.type != "ExecutionStarted" || e.details.size() < 2) continue;
    // ARNs hold no character JSON would escape (names exclude '"' and '\').
    std::string extra;
    if (!r.alias_arn.empty()) extra += "\"stateMachineAliasArn\":\"" + r.alias_arn + "\"";
    if (!r.version_arn.empty())
      extra += (extra.empty() ? "" : ",") + ("\"stateMachineVersionArn\":\"" + r.version_arn + "\"");
    e.details.insert(e.details.size() - 1, (e.details.size() > 2 ? "," : "") + extra);
  }
}

std::shared_ptr<const cluster::map_writes> take_map_changes(interp::step_result& r) {
  if (r.map_runs.empty() && r.children.empty()) return nullptr;
  auto w = std::make_shared<cluster::map_writes>();
  w->runs = std::move(r.map_runs);
  w->children = std::move(r.children);
  return w;
}

void fill_record(cluster::execution_record& r, const interp::execution_state& st) {
  r.status = interp::to_string(st.status);
  r.stop_ms = st.stop_ms;
  r.redrive_count = st.redrive_count;
  r.redrive_ms = st.redrive_ms;
  r.redrivable = !st.redrive.empty();
  if (st.redrive_count > 0) {
    // Redriven: an earlier attempt's outcome is history now.
    r.output.clear();
    r.error.clear();
    r.cause.clear();
    r.has_output = r.has_error = r.has_cause = false;
  }
  if (st.status == interp::exec_status::succeeded) {
    r.output = st.output;
    r.has_output = true;
  }
  if (st.status != interp::exec_status::running && st.status != interp::exec_status::succeeded) {
    r.error = st.error;
    r.cause = st.cause;
    r.has_error = st.has_error;
    r.has_cause = st.has_cause;
  }
}

namespace {

using self_ptr = caf::stateful_actor<execution_actor_state>*;

void sync_record(execution_actor_state& s) { fill_record(s.rec, s.st); }

const api_error unavailable{"ServiceUnavailable",
                            "The execution store is unavailable; retry the request"};

void process(self_ptr self);

/// A task of an execution that runs a mock file's test case, when the test
/// case mocks its state: the mocked outcome comes back to this actor as the
/// call's (or the activity worker's) answer, and nothing is called or
/// queued. The answer is a message like any other, so it is stepped after
/// the step that scheduled the task is stored.
bool answer_from_mock(self_ptr self, int64_t task, bool activity) {
  auto& s = self->state;
  auto* n = s.owner;
  if (s.rec.test_case.empty() || !n->mocks) return false;
  auto it = s.st.tasks.find(task);
  if (it == s.st.tasks.end()) return false;
  auto th = s.st.threads.find(it->second);
  if (th == s.st.threads.end() || th->second.state < 0) return false;
  const std::string& state =
      s.def->machines[th->second.machine]->states[th->second.state].name;
  auto a = n->mocks->answer(machine_name_of(s.rec.machine_arn), s.rec.test_case, state,
                            s.st.execution_arn);
  if (!a) return false;
  if (activity) {
    self->send(self, act_start_atom::value, task, std::string("statecraft-mock"), false);
    task_outcome o;
    o.k = a->failed ? task_outcome::kind::failure : task_outcome::kind::success;
    o.task = task;
    o.output = a->output;
    o.error = a->error;
    o.cause = a->cause;
    o.has_error = a->has_error;
    o.has_cause = a->has_cause;
    self->send(self, task_atom::value, std::move(o));
  } else {
    interp::ev_integration e;
    e.task = task;
    e.k = a->failed ? interp::ev_integration::kind::failed : interp::ev_integration::kind::succeeded;
    e.output = a->output;
    e.error = a->error;
    e.cause = a->cause;
    e.has_error = a->has_error;
    e.has_cause = a->has_cause;
    self->send(self, integ_atom::value, std::move(e));
  }
  return true;
}

/// An activity task (not an integration) of this execution that is open,
/// has no ActivityStarted (stepped or waiting in this actor's queue) and
/// was not handed out by this node: its notice, if any, is in the inbox.
bool activity_unstarted(execution_actor_state& s, int64_t task) {
  auto it = s.st.tasks.find(task);
  if (it == s.st.tasks.end()) return false;
  auto th = s.st.threads.find(it->second);
  if (th == s.st.threads.end() || th->second.task_started || th->second.state < 0) return false;
  if (interp::parse_integration(
          s.def->machines[th->second.machine]->states[th->second.state].resource))
    return false;
  auto started = [task](const work_item& w) {
    auto* e = std::get_if<interp::ev_activity_started>(&w.ev);
    return e && e->task == task;
  };
  if (started(s.pending_item)) return false;
  for (const auto& w : s.inbox)
    if (started(w)) return false;
  return !s.owner->pending_start(s.st.execution_arn, task);
}

/// The last step is durable: let the world see it.
void take_effect(self_ptr self) {
  auto& s = self->state;
  auto* n = s.owner;
  for (auto& cmd : s.pending_commands) {
    std::visit(
        [&](auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, interp::cmd_schedule_activity>) {
            if (answer_from_mock(self, c.task, true)) return;
            queued_task q;
            q.token = n->codec.encode(model::task_token{s.st.execution_arn, c.task});
            q.input = std::move(c.input);
            q.execution_arn = s.st.execution_arn;
            q.task = c.task;
            n->schedule_activity(c.activity_arn, std::move(q));
          } else if constexpr (std::is_same_v<T, interp::cmd_cancel_activity>) {
            n->cancel_activity(c.activity_arn,
                               n->codec.encode(model::task_token{s.st.execution_arn, c.task}));
          } else if constexpr (std::is_same_v<T, interp::cmd_start_timer>) {
            self->send(n->timers, arm_atom::value, s.st.execution_arn, c.timer, c.due_ms);
          } else if constexpr (std::is_same_v<T, interp::cmd_cancel_timer>) {
            // The timer service may still deliver it (`step` ignores timers
            // that are no longer armed); this frees its entry.
            self->send(n->timers, cancel_atom::value, s.st.execution_arn, c.timer);
          } else if constexpr (std::is_same_v<T, interp::cmd_call_integration>) {
            if (answer_from_mock(self, c.task, false)) return;
            if (n->integ) n->integ->call(s.st.execution_arn, c);
          } else if constexpr (std::is_same_v<T, interp::cmd_cancel_integration>) {
            if (n->integ) n->integ->cancel(s.st.execution_arn, c);
          } else if constexpr (std::is_same_v<T, interp::cmd_map_io>) {
            if (n->integ) n->integ->map_io(s.st.execution_arn, c);  // S3, asynchronously
          } else if constexpr (std::is_same_v<T, interp::cmd_finished>) {
            self->send(n->timers, forget_atom::value, s.st.execution_arn);
            if (n->mocks && !s.rec.test_case.empty()) n->mocks->forget(s.st.execution_arn);
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
  s.pending_commands.clear();
  s.pending_events.clear();
  s.rec.map_changes.reset();
  auto& item = s.pending_item;
  // Cluster: the task's ActivityStarted is stored, so its "taken" marker in
  // the shared queue (which kept recovery from queueing it again) can go,
  // and so can its entry in the node's ledger of unsaved starts.
  if (n->coord) {
    if (auto* st = std::get_if<interp::ev_activity_started>(&item.ev)) {
      if (item.release_taken) {
        std::string token = n->codec.encode(model::task_token{s.st.execution_arn, st->task});
        n->cluster_job([n, token] { n->coord->release_taken(token); });
      }
      n->forget_start(s.st.execution_arn, st->task);
    }
  }
  if (item.task_reply) item.task_reply(std::nullopt);
  if (item.stop_reply) item.stop_reply({std::nullopt, s.st.stop_ms});
  if (item.redrive_reply) item.redrive_reply({std::nullopt, s.st.redrive_ms});
  // The start is stored: the worker may have its token now.
  if (item.handout) item.handout(std::move(item.handout_task));
  s.pending_item = work_item{};
}

void save(self_ptr self) {
  auto& s = self->state;
  s.saving = true;
  uint64_t seq = ++s.save_seq;
  s.save_started_us = obs::now_us();
  auto me = caf::actor_cast<caf::actor>(self);
  s.owner->store.save_execution_async(s.rec, s.pending_events, [me, seq](bool ok) {
    caf::anon_send(me, persisted_atom::value, seq, ok);
  });
}

/// Runs one work item through `step`. Returns true when a save is now in
/// flight (the caller must stop processing until it is acknowledged).
bool run_item(self_ptr self, work_item item) {
  auto& s = self->state;
  interp::limits lim = s.owner->limits;
  lim.record_history = !s.express || s.xlog;
  lim.mocked = !s.rec.test_case.empty();
  if (s.express) lim.max_duration_ms = express_max_duration_ms;
  const bool was_running = s.st.status == interp::exec_status::running;
  auto r = interp::step(*s.def, std::move(s.st), item.ev, exec_now_ms(), lim);
  s.st = std::move(r.next);
  auto& om = obs::machine(s.rec.machine_arn, s.express);
  obs::note_events(om, r.events);
  if (r.states_entered) om.transitions.inc(static_cast<uint64_t>(r.states_entered));
  if (s.express && was_running && s.st.status != interp::exec_status::running)
    obs::note_finished(om, interp::to_string(s.st.status));
  if (s.xlog) s.owner->xlog->write(*s.xlog, s.st.execution_arn, 0, r.events);
  if (r.rejected && item.redrive_reply) {
    item.redrive_reply({api_error{"ExecutionNotRedrivable", r.not_redrivable}, 0});
    return false;
  }
  if (r.rejected) {
    api_error e{r.rejected_timed_out ? "TaskTimedOut" : "TaskDoesNotExist",
                r.rejected_timed_out ? "Task Timed Out: 'Provided task has timed out'"
                                     : "Task does not exist anymore"};
    if (item.task_reply) item.task_reply(e);
    if (item.stop_reply) item.stop_reply({std::nullopt, s.st.stop_ms});
    return false;
  }
  if (r.events.empty() && r.commands.empty() && r.map_runs.empty() &&
      r.children.empty()) {  // nothing changed
    // (An ActivityStarted for a task already started or over: nothing for
    // the ledger of unsaved starts to remember either.)
    if (auto* st = std::get_if<interp::ev_activity_started>(&item.ev); st && s.owner->coord)
      s.owner->forget_start(s.st.execution_arn, st->task);
    if (item.task_reply) item.task_reply(std::nullopt);
    // The task was started already (or is over): this poll does not get it.
    if (item.handout) item.handout(activity_task{});
    if (item.stop_reply) item.stop_reply({std::nullopt, s.st.stop_ms ? s.st.stop_ms : exec_now_ms()});
    if (item.redrive_reply) item.redrive_reply({std::nullopt, r.redrive_ms});  // same token again
    return false;
  }
  sync_record(s);
  // Distributed Map: the Map Runs and child executions this step changed
  // go into the store with this save (cleared once it is durable).
  s.rec.map_changes = take_map_changes(r);
  s.pending_commands = std::move(r.commands);
  s.pending_events = std::move(r.events);
  note_started_through(s.pending_events, s.rec);
  s.owner->events->attach(s.rec, s.pending_events);
  s.pending_item = std::move(item);
  if (s.express) {
    take_effect(self);
    return false;
  }
  s.rec.state = std::make_shared<const interp::execution_state>(s.st);
  if (s.owner->store.in_process()) {
    // The memory store writes in the call: durable now, no acknowledgement
    // message to wait for.
    try {
      const uint64_t t0 = obs::now_us();
      s.owner->store.save_execution(s.rec, s.pending_events);
      obs::metrics().save_latency.observe(obs::now_us() - t0);
      take_effect(self);
      return false;
    } catch (const cluster::store_error&) {
      // Fall through to the asynchronous path and its retries.
    }
  }
  save(self);
  return true;
}

void finish_if_done(self_ptr self) {
  auto& s = self->state;
  if (s.st.status == interp::exec_status::running) return;
  // Answer whatever is still queued against the final state, then go.
  while (!s.inbox.empty()) {
    auto item = std::move(s.inbox.front());
    s.inbox.pop_front();
    run_item(self, std::move(item));
  }
  s.owner->unregister(s.st.execution_arn, self->address());
  self->quit();
}

void process(self_ptr self) {
  auto& s = self->state;
  while (!s.saving && !s.inbox.empty()) {
    auto item = std::move(s.inbox.front());
    s.inbox.pop_front();
    if (run_item(self, std::move(item))) return;
    if (s.st.status != interp::exec_status::running) break;
  }
  if (s.saving) return;
  if (s.st.status != interp::exec_status::running) return finish_if_done(self);
  if (s.inbox.empty() && !s.express && !s.finished) {
    // Idle from now on. One idle check at a time, through the node's idle
    // list (a delayed message per actor would wake CAF's clock thread);
    // the check re-arms itself for the rest of the idle period.
    s.idle_since = now_ms();
    if (!s.idle_check_armed) {
      s.idle_check_armed = true;
      s.owner->idle_soon(self->address());
    }
  }
}

void enqueue(self_ptr self, work_item item) {
  auto& s = self->state;
  s.inbox.push_back(std::move(item));
  process(self);
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
  s.xlog = std::move(req.xlog);
  s.finished = std::move(req.finished);
  s.own_tasks_from = s.st.next_task;
  if (req.fresh) {
    enqueue(self, work_item{interp::ev_start{}, {}, {}});
  } else if (!req.initial_commands.empty()) {
    s.pending_commands = std::move(req.initial_commands);
    take_effect(self);
    process(self);
  } else if (s.st.status != interp::exec_status::running) {
    // Woken for a redrive (node::impl::route, wake_finished): wait for it.
  } else {
    process(self);  // arms the idle check
  }
  return {
      [=](act_start_atom, int64_t task, std::string& worker, bool shared) {
        work_item item{interp::ev_activity_started{task, std::move(worker)}, {}, {}};
        item.release_taken = shared;
        enqueue(self, std::move(item));
      },
      [=](act_start_atom, int64_t task, std::string& worker, bool shared, handout& h) {
        work_item item{interp::ev_activity_started{task, std::move(worker)}, {}, {}};
        item.release_taken = shared;
        item.handout = std::move(h.done);
        item.handout_task = std::move(h.task);
        enqueue(self, std::move(item));
      },
      [=](task_atom, task_outcome& o) {
        // Cluster: an answer to an activity task this actor has not seen
        // start may have overtaken the ActivityStarted notice another node
        // posted to the shard's inbox (the worker took the task there and
        // answered here). Drain the inbox first, then take the answer, so
        // that ActivityStarted keeps its workerName.
        auto& s = self->state;
        if (s.owner->coord && !o.inbox_drained && activity_unstarted(s, o.task)) {
          o.inbox_drained = true;
          auto holder = std::make_shared<task_outcome>(std::move(o));
          auto me = caf::actor_cast<caf::actor>(self);
          auto* n = s.owner;
          const int shard = n->shard_of(s.st.execution_arn);
          n->cluster_job([n, shard, me, holder] {
            try {
              n->drain(shard);  // ActivityStarted notices go to `me` first
            } catch (const cluster::store_error&) {
            }
            caf::anon_send(me, task_atom::value, std::move(*holder));
          });
          return;
        }
        work_item item;
        switch (o.k) {
          case task_outcome::kind::success:
            item.ev = interp::ev_task_succeeded{o.task, std::move(o.output)};
            break;
          case task_outcome::kind::failure:
            item.ev = interp::ev_task_failed{o.task, std::move(o.error), std::move(o.cause),
                                             o.has_error, o.has_cause};
            break;
          case task_outcome::kind::heartbeat:
            item.ev = interp::ev_task_heartbeat{o.task};
            break;
        }
        item.task_reply = std::move(o.done);
        enqueue(self, std::move(item));
      },
      [=](requeue_atom, int64_t task) {
        // After a restart or a crash: queue the task again unless this
        // actor's state, which includes every ActivityStarted stored so far
        // (or pending in a save), says a worker has it or it is over — or
        // the node handed it to a worker whose ActivityStarted died with
        // the previous actor (the ledger of unsaved starts).
        auto& s = self->state;
        if (task >= s.own_tasks_from) return;
        // A mocked task is answered again from the mock (nothing was called).
        if (auto tt = s.st.tasks.find(task); tt != s.st.tasks.end() && !s.rec.test_case.empty()) {
          auto th = s.st.threads.find(tt->second);
          if (th != s.st.threads.end() && th->second.state >= 0 &&
              answer_from_mock(self, task,
                               !interp::parse_integration(
                                   s.def->machines[th->second.machine]
                                       ->states[th->second.state].resource)))
            return;
        }
        if (s.owner->coord) {
          if (auto worker = s.owner->pending_start(s.st.execution_arn, task)) {
            enqueue(self, work_item{interp::ev_activity_started{task, std::move(*worker)}, {}, {}});
            return;
          }
        }
        s.owner->requeue_task(s.st, *s.def, task);
      },
      [=](integ_atom, interp::ev_integration& e) {
        enqueue(self, work_item{std::move(e), {}, {}});
      },
      [=](timer_atom, int64_t timer) {
        enqueue(self, work_item{interp::ev_timer{timer}, {}, {}});
      },
      [=](map_update_atom, map_update_request& r) {
        work_item item{std::move(r.ev), {}, {}};
        item.stop_reply = std::move(r.done);
        enqueue(self, std::move(item));
      },
      [=](stop_atom, stop_request& r) {
        work_item item{interp::ev_stop{r.error, r.cause, r.has_error, r.has_cause}, {}, {}};
        item.stop_reply = std::move(r.done);
        enqueue(self, std::move(item));
      },
      [=](redrive_atom, redrive_request& r) {
        work_item item{interp::ev_redrive{r.token, r.at_ms}, {}, {}};
        item.redrive_reply = std::move(r.done);
        enqueue(self, std::move(item));
      },
      [=](persisted_atom, uint64_t seq, bool ok) {
        auto& s = self->state;
        if (seq != s.save_seq || !s.saving) return;
        if (!ok) {
          // Not acknowledged: issue the same (idempotent) save again after
          // a back-off; callers keep waiting.
          obs::metrics().save_failures.inc();
          ++s.save_failures;
          auto backoff =
              std::chrono::milliseconds(std::min(2000, 50 << std::min(s.save_failures, 5)));
          self->delayed_send(self, backoff, resave_atom::value, seq);
          return;
        }
        s.saving = false;
        s.save_failures = 0;
        obs::metrics().save_latency.observe(obs::now_us() - s.save_started_us);
        take_effect(self);
        process(self);
      },
      [=](resave_atom, uint64_t seq) {
        auto& s = self->state;
        if (seq != s.save_seq || !s.saving) return;
        // A failed save may still have been applied (the reply was lost):
        // if the store already holds the last event, it is durable. With no
        // event of its own, a save that appended to a Map Run child's history
        // is checked by that child (its other writes are idempotent).
        std::string check_arn = s.st.execution_arn;
        int64_t check_id = s.pending_events.empty() ? 0 : s.pending_events.back().id;
        if (!check_id && s.rec.map_changes)
          for (const auto& ch : s.rec.map_changes->children)
            if (!ch.events.empty()) {
              check_arn = ch.arn;
              check_id = ch.events.back().id;
              break;
            }
        if (check_id) {
          try {
            if (s.owner->store.history_length(check_arn) >= check_id) {
              s.saving = false;
              s.save_failures = 0;
              take_effect(self);
              process(self);
              return;
            }
          } catch (const cluster::store_error&) {
            auto backoff = std::chrono::milliseconds(
                std::min(2000, 50 << std::min(++s.save_failures, 5)));
            self->delayed_send(self, backoff, resave_atom::value, seq);
            return;
          }
        }
        save(self);
      },
      [=](passivate_atom, uint64_t) {
        auto& s = self->state;
        s.idle_check_armed = false;
        // Busy: process() arms a new check when it is idle again.
        if (s.saving || !s.inbox.empty() || s.express || s.finished ||
            s.st.status != interp::exec_status::running)
          return;
        auto idle = std::chrono::milliseconds(now_ms() - s.idle_since);
        if (idle < s.owner->passivate_after) {
          s.idle_check_armed = true;
          s.owner->idle_soon(self->address());
          return;
        }
        if (s.owner->try_unregister(s.st.execution_arn, self->address(),
                                    [self] { return self->mailbox().empty(); }))
          self->quit();
      },
  };
}

}  // namespace sc::actors
