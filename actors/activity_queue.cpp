// The activity queue actor: one per activity ARN on each node. It holds
// tasks no worker has taken yet and GetActivityTask polls no task has
// answered yet. A poll is a parked reply (no thread waits); it is answered
// the moment a task arrives, or with an empty token when its deadline
// passes. Handing a task to a worker tells the execution (ActivityStarted
// with the worker's name), waking it if it sleeps.
//
// Single node: tasks wait in `tasks` (a task queued twice — re-armed after a
// restart — is kept once). Cluster: a task no local worker is waiting for
// goes to the activity's shared Redis queue instead, and polls parked on
// any node take from it (each task goes to exactly one of them); they look
// when the coordinator hints that tasks arrived, and every `tick` while any
// poll is parked. Those Redis calls run on this actor's thread. When local
// workers polled within the last second, a new task first waits
// `local_grace` for one of them to come back (busy workers poll again
// within milliseconds) and only then goes to the shared queue: most tasks
// never touch Redis. Polls skip the shared queue while it is known empty
// (the last look found nothing and no hint came since).
#include "actors/detail.hpp"

#include "cluster/coordinator.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sc::actors {

namespace {

constexpr auto tick = std::chrono::milliseconds(500);
constexpr int64_t local_grace_ms = 50;
constexpr int64_t workers_here_ms = 1000;

using self_ptr = caf::stateful_actor<activity_queue_state>*;

/// Gives task `t` to poll `p`. False (single node, durable store only) when
/// the execution could not be reached because the store is unavailable:
/// the poll is answered empty and the caller keeps the task.
bool hand_over(node::impl* n, queued_task& t, poll_request& p, bool shared = false) {
  if (!n->coord && !n->store.in_process()) {
    // Single node, durable store: the worker gets its token once the
    // execution has stored ActivityStarted, so a crash in between leaves a
    // task no worker holds (queued again by recovery), never a token whose
    // start is lost. (Memory store: nothing outlives a crash; answered now.)
    // Not delivered (the execution is over, or unreadable): the poll is
    // answered empty by its reply's fallback.
    auto h = std::make_shared<handout>(handout{std::move(p.done), activity_task{t.token, t.input}});
    auto routed = n->route(t.execution_arn, [task = t.task, worker = p.worker, h](const caf::actor& a) {
      caf::anon_send(a, act_start_atom::value, task, worker, false, std::move(*h));
    });
    return routed != route_result::unavailable;
  }
  // Cluster: a task with no "taken" marker in Redis goes in the node's
  // ledger until its ActivityStarted is stored (see pending_starts).
  if (n->coord && !shared && !t.popped) n->note_start(t.execution_arn, t.task, p.worker);
  // Tell the execution first: its mailbox then holds ActivityStarted before
  // anything the worker can send back with the token.
  // A re-armed task may have a marker from before a restart: release it too.
  n->activity_started(t.execution_arn, t.task, p.worker, shared || t.requeued || t.popped);
  p.done(activity_task{t.token, t.input});
  return true;
}

std::string encode(const queued_task& t) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("token");
  w.String(t.token.c_str());
  w.Key("input");
  w.String(t.input.c_str(), static_cast<rapidjson::SizeType>(t.input.size()));
  w.Key("arn");
  w.String(t.execution_arn.c_str());
  w.Key("task");
  w.Int64(t.task);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::optional<queued_task> decode(const std::string& text) {
  json::document d;
  if (!json::parse(text, d) || !d.IsObject() || !d.HasMember("token") || !d["token"].IsString() ||
      !d.HasMember("input") || !d["input"].IsString() || !d.HasMember("arn") ||
      !d["arn"].IsString() || !d.HasMember("task") || !d["task"].IsInt64())
    return std::nullopt;
  return queued_task{d["token"].GetString(), d["input"].GetString(), d["arn"].GetString(),
                     d["task"].GetInt64()};
}

/// Cluster: a task held here whose execution's shard has moved to another
/// node since it was queued. Its ActivityStarted was never stored, so the new
/// owner re-queues it from its recovery scan; handing this copy out (or
/// sharing it) as well would give the task to two workers.
bool orphaned(node::impl* n, const queued_task& t) {
  return n->coord && !t.popped && !n->owns(t.execution_arn);
}

/// The first parked poll whose worker is still connected, removed.
template <class Q>
std::optional<poll_request> next_live_poll(Q& s) {
  while (!s.polls.empty()) {
    auto p = std::move(s.polls.front());
    s.polls.pop_front();
    if (p.req.alive && !p.req.alive()) continue;  // the worker hung up
    return std::move(p.req);
  }
  return std::nullopt;
}

std::optional<queued_task> pop_shared(activity_queue_state& s, node::impl* n,
                                      const std::string& arn) {
  if (!n->coord || !s.shared_maybe) return std::nullopt;
  try {
    while (auto text = n->coord->pop_task(arn)) {
      if (auto t = decode(*text)) return t;
    }
    s.shared_maybe = false;
  } catch (const cluster::store_error&) {
  }
  return std::nullopt;
}

/// Puts `t` in the shared queue; false when Redis is unavailable.
bool share(node::impl* n, const std::string& arn, const queued_task& t) {
  try {
    // A re-armed task may still be in the shared queue (it was queued
    // before a crash): never queue it twice.
    if (t.requeued)
      n->coord->push_task_once(arn, encode(t), t.token);
    else
      n->coord->push_task(arn, encode(t));
    return true;
  } catch (const cluster::store_error&) {
    return false;
  }
}

/// Answers parked polls from the shared queue while both last.
void serve_shared(activity_queue_state& s, node::impl* n, const std::string& arn) {
  while (!s.polls.empty()) {
    auto t = pop_shared(s, n, arn);
    if (!t) return;
    if (auto p = next_live_poll(s)) {
      hand_over(n, *t, *p, true);
      continue;
    }
    // Every parked worker had hung up: put the task back.
    try {
      n->coord->push_task(arn, encode(*t));
    } catch (const cluster::store_error&) {
      t->popped = true;
      s.tasks.push_back(std::move(*t));
    }
    return;
  }
}

int64_t poll_timeout_ms(node::impl* n) {
  return static_cast<int64_t>(n->cfg.activities.poll_timeout_seconds * 1000);
}

/// Parks poll `p` at the back of `s.polls`, or refuses it (false) when the
/// poller quota is reached.
template <class Q>
bool park(Q& s, node::impl* n, poll_request& p) {
  // AWS's quota of pollers per activity ARN (per node here). Polls
  // whose worker hung up do not count: sweep them before refusing.
  if (s.polls.size() >= n->cfg.limits.pollers_per_activity) {
    std::erase_if(s.polls, [](activity_queue_state::parked& q) {
      if (!q.req.alive || q.req.alive()) return false;
      q.req.done(activity_task{});
      return true;
    });
    s.polls_after_sweep = s.polls.size();
    if (s.polls.size() >= n->cfg.limits.pollers_per_activity) {
      activity_task refused;
      refused.worker_limit = true;
      p.done(std::move(refused));
      return false;
    }
  }
  // Every poll waits the same time, so the queue is in deadline
  // order and one delayed message (at the front's deadline) serves
  // all of them: a delayed message per poll would wake CAF's clock
  // thread for each.
  s.polls.push_back({now_ms() + poll_timeout_ms(n), std::move(p)});
  // Polls whose worker hung up (their socket is already closed) are
  // swept out once the queue has doubled since the last sweep, so
  // connect-poll-close churn holds no more than that until the polls'
  // deadlines, whatever the poll timeout.
  if (s.polls.size() >= 2 * s.polls_after_sweep + 64) {
    std::deque<activity_queue_state::parked> kept;
    for (auto& q : s.polls) {
      if (q.req.alive && !q.req.alive()) q.req.done(activity_task{});
      else kept.push_back(std::move(q));
    }
    s.polls = std::move(kept);
    s.polls_after_sweep = s.polls.size();
  }
  return true;
}

/// Answers (empty) the polls of `polls` whose deadline has passed; returns
/// the next deadline (0: none parked).
template <class Q>
int64_t expire_polls(Q& s, std::vector<poll_request>& due) {
  int64_t now = now_ms();
  while (!s.polls.empty() && s.polls.front().deadline_ms <= now) {
    due.push_back(std::move(s.polls.front().req));
    s.polls.pop_front();
  }
  return s.polls.empty() ? 0 : s.polls.front().deadline_ms;
}

void schedule_flush(self_ptr self, int64_t at) {
  auto& s = self->state;
  if (s.flush_armed) return;
  s.flush_armed = true;
  auto delay = std::chrono::milliseconds(std::max<int64_t>(0, at - now_ms()));
  self->delayed_send(self, delay, flush_atom::value);
}

void schedule_tick(self_ptr self, node::impl* n) {
  if (!n->coord || self->state.ticking || self->state.polls.empty()) return;
  self->state.ticking = true;
  self->delayed_send(self, tick, ready_atom::value);
}

void schedule_expiry(self_ptr self, int64_t deadline_ms) {
  auto& s = self->state;
  if (s.expiry_armed) return;
  s.expiry_armed = true;
  auto delay = std::chrono::milliseconds(std::max<int64_t>(0, deadline_ms - now_ms()));
  self->delayed_send(self, delay, expire_atom::value, uint64_t{0});
}

}  // namespace

caf::behavior activity_queue(caf::stateful_actor<activity_queue_state>* self, node::impl* n,
                             std::string arn) {
  return {
      [=](schedule_atom, queued_task& t) {
        auto& s = self->state;
        if (t.requeued)  // (a step queues each task once: only re-queues can repeat one)
          for (auto& q : s.tasks)
            if (q.token == t.token) return;  // still held here
        if (t.requeued && n->coord && share(n, arn, t)) {
          // Re-armed by recovery: a copy may still wait in the shared queue
          // from before the restart, or a worker may hold it (taken marker).
          // Only the shared queue's atomic pop may hand it out, or a parked
          // poll here and a later pop of the old copy would both get it.
          s.shared_maybe = true;
          return serve_shared(s, n, arn);
        }
        if (orphaned(n, t)) return;
        if (auto p = next_live_poll(s)) {
          hand_over(n, t, *p);
          return;
        }
        if (n->coord) {
          int64_t now = now_ms();
          if (!t.requeued && now - s.last_poll_ms < workers_here_ms) {
            // Local workers are busy: hold it a moment for them.
            t.share_at = now + local_grace_ms;
            s.tasks.push_back(std::move(t));
            return schedule_flush(self, now + local_grace_ms);
          }
          if (share(n, arn, t)) return;
          // Redis unavailable: keep it here for local workers.
        }
        t.share_at = 0;
        s.tasks.push_back(std::move(t));
      },
      [=](cancel_atom, const std::string& token) {
        auto& q = self->state.tasks;
        for (auto it = q.begin(); it != q.end(); ++it)
          if (it->token == token) {
            q.erase(it);
            return;
          }
        // Not held here: it may wait in the shared queue, where no worker
        // may get it now (a poll would be handed a task that timed out).
        if (n->coord) try {
            n->coord->withdraw_task(token);
          } catch (const cluster::store_error&) {
          }
      },
      [=](flush_atom) {
        auto& s = self->state;
        s.flush_armed = false;
        int64_t now = now_ms();
        int64_t next = 0;
        for (auto it = s.tasks.begin(); it != s.tasks.end();) {
          if (orphaned(n, *it)) {
            it = s.tasks.erase(it);
            continue;
          }
          if (it->share_at == 0 || it->share_at > now) {
            if (it->share_at && !next) next = it->share_at;
            ++it;
            continue;
          }
          if (!share(n, arn, *it)) {
            it->share_at = 0;  // Redis unavailable: keep it for local workers
            ++it;
            continue;
          }
          it = s.tasks.erase(it);
        }
        if (next) schedule_flush(self, next);
      },
      [=](poll_atom, poll_request& p) {
        auto& s = self->state;
        s.last_poll_ms = now_ms();
        while (!s.tasks.empty()) {
          auto t = std::move(s.tasks.front());
          s.tasks.pop_front();
          if (!orphaned(n, t)) {
            hand_over(n, t, p);
            return;
          }
        }
        if (auto t = pop_shared(s, n, arn)) {
          hand_over(n, *t, p, true);
          return;
        }
        if (!park(s, n, p)) return;
        schedule_expiry(self, s.polls.front().deadline_ms);
        schedule_tick(self, n);
      },
      [=](ready_atom) {
        auto& s = self->state;
        s.ticking = false;
        s.shared_maybe = true;  // a hint, or the periodic look
        serve_shared(s, n, arn);
        schedule_tick(self, n);
      },
      [=](expire_atom, uint64_t) {
        std::vector<poll_request> due;
        if (!n->coord) {
          // Single node: the polls wait in the locked queue.
          auto q = n->local_queue_for(arn);
          if (!q) return;
          std::lock_guard lock(q->mu);
          q->expiry_armed = false;
          if (int64_t next = expire_polls(*q, due)) {
            q->expiry_armed = true;
            auto delay = std::chrono::milliseconds(std::max<int64_t>(0, next - now_ms()));
            self->delayed_send(self, delay, expire_atom::value, uint64_t{0});
          }
        } else {
          auto& s = self->state;
          s.expiry_armed = false;
          if (int64_t next = expire_polls(s, due)) schedule_expiry(self, next);
        }
        for (auto& p : due) p.done(activity_task{});
      },
  };
}

// -- single node: the locked queue, on the caller's thread ---------------

namespace {
/// A task whose execution could not be reached (store unavailable) goes
/// back to the front of the queue for the next poll.
void keep_task(local_activity_queue& q, queued_task t) {
  std::lock_guard lock(q.mu);
  q.tasks.push_front(std::move(t));
}
}  // namespace

std::shared_ptr<local_activity_queue> node::impl::local_queue_for(const std::string& arn) {
  std::lock_guard lock(mu);
  auto it = local_queues.find(arn);
  if (it != local_queues.end()) return it->second;
  if (stopping) return nullptr;
  auto q = std::make_shared<local_activity_queue>();
  auto a = queues.find(arn);
  if (a == queues.end()) a = queues.emplace(arn, sys->spawn(activity_queue, this, arn)).first;
  q->actor = a->second;
  local_queues.emplace(arn, q);
  return q;
}

void node::impl::schedule_activity(const std::string& activity_arn, queued_task t) {
  if (coord) {
    caf::anon_send(queue_for(activity_arn), schedule_atom::value, std::move(t));
    return;
  }
  auto q = local_queue_for(activity_arn);
  if (!q) return;  // shutting down: recovery queues it again
  std::optional<poll_request> p;
  {
    std::lock_guard lock(q->mu);
    if (t.requeued)  // (a step queues each task once: only re-queues can repeat one)
      for (auto& held : q->tasks)
        if (held.token == t.token) return;  // still held here
    p = next_live_poll(*q);
    if (!p) {
      q->tasks.push_back(std::move(t));
      return;
    }
  }
  // Taken from the queue under its lock: this task and this poll are
  // nobody else's now. Handed over outside the lock (routing to the
  // execution takes the registry's).
  if (!hand_over(this, t, *p)) keep_task(*q, std::move(t));
}

void node::impl::cancel_activity(const std::string& activity_arn, std::string token) {
  if (coord) {
    caf::anon_send(queue_for(activity_arn), cancel_atom::value, std::move(token));
    return;
  }
  auto q = local_queue_for(activity_arn);
  if (!q) return;
  std::optional<queued_task> gone;  // freed outside the lock
  std::lock_guard lock(q->mu);
  for (auto it = q->tasks.begin(); it != q->tasks.end(); ++it)
    if (it->token == token) {
      gone = std::move(*it);
      q->tasks.erase(it);
      return;
    }
}

std::vector<std::pair<std::string, queued_task>> node::impl::take_first_tasks(
    const std::string& execution_arn, std::vector<interp::command>& commands) {
  std::vector<std::pair<std::string, queued_task>> out;
  std::erase_if(commands, [&](interp::command& cmd) {
    auto* c = std::get_if<interp::cmd_schedule_activity>(&cmd);
    if (!c) return false;
    queued_task q;
    q.token = codec.encode(model::task_token{execution_arn, c->task});
    q.input = std::move(c->input);
    q.execution_arn = execution_arn;
    q.task = c->task;
    out.emplace_back(std::move(c->activity_arn), std::move(q));
    return true;
  });
  return out;
}

void node::impl::poll_activity(const std::string& activity_arn, poll_request p) {
  if (coord) {
    caf::anon_send(queue_for(activity_arn), poll_atom::value, std::move(p));
    return;
  }
  auto q = local_queue_for(activity_arn);
  if (!q) return;  // shutting down: the reply answers empty
  std::optional<queued_task> t;
  int64_t arm_at = 0;
  {
    std::lock_guard lock(q->mu);
    if (!q->tasks.empty()) {
      t = std::move(q->tasks.front());
      q->tasks.pop_front();
    } else {
      if (!park(*q, this, p)) return;
      if (!q->expiry_armed) {
        q->expiry_armed = true;
        arm_at = q->polls.front().deadline_ms;
      }
    }
  }
  if (t) {
    if (!hand_over(this, *t, p)) keep_task(*q, std::move(*t));
    return;
  }
  if (arm_at) {
    auto delay = std::chrono::milliseconds(std::max<int64_t>(0, arm_at - now_ms()));
    caf::delayed_anon_send(q->actor, delay, expire_atom::value, uint64_t{0});
  }
}

}  // namespace sc::actors
