// The activity queue actor: one per activity ARN. It holds tasks no worker
// has taken yet and GetActivityTask polls no task has answered yet; at most
// one of the two lists is non-empty at any time. A poll is a parked reply
// (no thread waits); it is answered the moment a task arrives, or with an
// empty token when its deadline passes. Handing a task to a worker tells
// the execution (ActivityStarted with the worker's name), waking it if it
// sleeps. A task queued twice (re-armed after a restart) is kept once.
#include "actors/detail.hpp"

namespace sc::actors {

namespace {

void hand_over(node::impl* n, queued_task& t, poll_request& p) {
  int64_t task = t.task;
  std::string worker = p.worker;
  p.done(activity_task{t.token, t.input});
  n->route(t.execution_arn, [task, worker](const caf::actor& a) {
    caf::anon_send(a, act_start_atom::value, task, worker);
  });
}

}  // namespace

caf::behavior activity_queue(caf::stateful_actor<activity_queue_state>* self, node::impl* n,
                             std::string arn) {
  return {
      [=](schedule_atom, queued_task& t) {
        auto& s = self->state;
        while (!s.polls.empty()) {
          auto p = std::move(s.polls.front());
          s.polls.pop_front();
          if (p.req.alive && !p.req.alive()) continue;  // the worker hung up
          hand_over(n, t, p.req);
          return;
        }
        for (auto& q : s.tasks)
          if (q.token == t.token) return;
        s.tasks.push_back(std::move(t));
      },
      [=](cancel_atom, const std::string& token) {
        auto& q = self->state.tasks;
        for (auto it = q.begin(); it != q.end(); ++it)
          if (it->token == token) {
            q.erase(it);
            break;
          }
      },
      [=](poll_atom, poll_request& p) {
        auto& s = self->state;
        if (!s.tasks.empty()) {
          auto t = std::move(s.tasks.front());
          s.tasks.pop_front();
          hand_over(n, t, p);
          return;
        }
        uint64_t id = s.next_poll++;
        s.polls.push_back({id, std::move(p)});
        auto timeout = std::chrono::milliseconds(
            static_cast<int64_t>(n->cfg.activities.poll_timeout_seconds * 1000));
        self->delayed_send(self, timeout, expire_atom::value, id);
      },
      [=](expire_atom, uint64_t id) {
        auto& polls = self->state.polls;
        for (auto it = polls.begin(); it != polls.end(); ++it)
          if (it->id == id) {
            auto p = std::move(*it);
            polls.erase(it);
            p.req.done(activity_task{});
            break;
          }
      },
  };
}

}  // namespace sc::actors
