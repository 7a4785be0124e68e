// The timer service: every armed timer of every execution on this node, in
// one ordered map, so sleeping executions need no actor to be woken on
// time. Wait states, task timeouts, heartbeats, retry back-off and execution
// timeouts all come here. Due times from the interpreter are unscaled epoch
// milliseconds; with time_scale X a timer armed at `now` for `due` fires
// (due - now) / X later on the wall clock. A timer that is already due (for
// instance re-armed after a restart) fires at once.
//
// The service never asks CAF's clock for a delay longer than
// `max_tick_delay`: a Wait until the year 9999 is a tick an hour that finds
// nothing due, not a duration that overflows the clock (which then fired at
// once, forever). Cancelled timers and the timers of finished executions
// are forgotten (`cancel_atom`, `forget_atom`), so a far-future timer of a
// stopped execution costs nothing until its date.
#include "actors/detail.hpp"
#include "observability/metrics.hpp"

namespace sc::actors {

namespace {
constexpr int64_t max_tick_delay = 3600 * 1000;

void erase_timer(timer_service_state& s, const std::string& arn, int64_t timer) {
  auto it = s.by_id.find(std::make_pair(arn, timer));
  if (it == s.by_id.end()) return;
  s.due.erase(it->second);
  s.by_id.erase(it);
}
}  // namespace

caf::behavior timer_service(caf::stateful_actor<timer_service_state>* self, node::impl* n) {
  auto schedule_tick = [self](int64_t wall_due) {
    auto& s = self->state;
    if (manual_clock()) {
      // Only what is due now ticks; the rest waits for the clock to move.
      if (wall_due > exec_now_ms() || s.next_tick != INT64_MAX) return;
      s.next_tick = 0;
      self->send(self, tick_atom::value);
      return;
    }
    int64_t now = now_ms();
    int64_t at = std::min(wall_due, now + max_tick_delay);
    if (at >= s.next_tick) return;
    s.next_tick = at;
    auto delay = std::chrono::milliseconds(std::max<int64_t>(0, at - now));
    self->delayed_send(self, delay, tick_atom::value);
  };
  return {
      [=](arm_atom, std::string& arn, int64_t timer, int64_t due) {
        auto& s = self->state;
        int64_t wall = manual_clock() ? due : now_ms() + n->delay_until(due).count();
        erase_timer(s, arn, timer);  // armed twice (re-armed by a recovery): keep one
        auto key = std::make_pair(arn, timer);
        auto it = s.due.emplace(std::make_pair(wall, due), std::make_pair(std::move(arn), timer));
        s.by_id.emplace(std::move(key), it);
        obs::metrics().timers_armed.set(static_cast<int64_t>(s.due.size()));
        schedule_tick(wall);
      },
      [=](cancel_atom, const std::string& arn, int64_t timer) {
        erase_timer(self->state, arn, timer);
        obs::metrics().timers_armed.set(static_cast<int64_t>(self->state.due.size()));
      },
      [=](forget_atom, const std::string& arn) {
        auto& s = self->state;
        auto it = s.by_id.lower_bound(std::make_pair(arn, INT64_MIN));
        while (it != s.by_id.end() && it->first.first == arn) {
          s.due.erase(it->second);
          it = s.by_id.erase(it);
        }
        obs::metrics().timers_armed.set(static_cast<int64_t>(s.due.size()));
      },
      [=](tick_atom) {
        auto& s = self->state;
        const bool manual = manual_clock();
        int64_t now = manual ? exec_now_ms() : now_ms();
        s.next_tick = INT64_MAX;
        while (!s.due.empty() && s.due.begin()->first.first <= now) {
          auto it = s.due.begin();
          const std::string& arn = it->second.first;
          int64_t timer = it->second.second;
          auto r = n->route(arn, [timer](const caf::actor& a) {
            caf::anon_send(a, timer_atom::value, timer);
          });
          if (r == route_result::unavailable) {
            // The store is away and this execution sleeps there. Keep this
            // and every later timer where they are (so they still fire in
            // due order) and look again in a second.
            s.next_tick = INT64_MAX;
            if (manual) {
              s.next_tick = 0;
              self->delayed_send(self, std::chrono::milliseconds(1000), tick_atom::value);
            } else {
              schedule_tick(now + 1000);
            }
            return;
          }
          s.by_id.erase(std::make_pair(arn, timer));
          s.due.erase(it);
        }
        obs::metrics().timers_armed.set(static_cast<int64_t>(s.due.size()));
        if (!s.due.empty()) schedule_tick(s.due.begin()->first.first);
      },
      [=](sweep_atom) {
        std::vector<caf::actor_addr> due;
        bool more = n->take_idle(now_ms(), due);
        for (auto& a : due)
          if (auto act = caf::actor_cast<caf::actor>(a))
            caf::anon_send(act, passivate_atom::value, uint64_t{0});
        if (more) self->delayed_send(self, std::chrono::milliseconds(250), sweep_atom::value);
      },
  };
}

}  // namespace sc::actors
