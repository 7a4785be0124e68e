// Error handling: Retry (back-off timers, jitter) and Catch.
#include "runtime/interp/runner.hpp"

#include <algorithm>
#include <cmath>

namespace sc::interp::detail {

bool runner::matches(const std::vector<std::string>& names, const std::string& error) {
  for (const auto& n : names) {
    if (n == error) return true;
    if (n == "States.ALL" && error != "States.Runtime" && error != "States.DataLimitExceeded")
      return true;
    if (n == "States.TaskFailed" && error != "States.Timeout" && error != "States.Runtime" &&
        error != "States.DataLimitExceeded" && error.rfind("States.", 0) != 0)
      return true;
  }
  return false;
}

bool runner::will_retry(const thread& t, const std::string& error) const {
  if (t.state < 0 || error == "States.Runtime") return false;
  const asl::state& st = state_of(t);
  for (size_t i = 0; i < st.retry.size(); ++i) {
    if (!matches(st.retry[i].error_equals, error)) continue;
    int64_t done = i < t.retries.size() ? t.retries[i] : 0;
    return done < st.retry[i].max_attempts;
  }
  return false;
}

flow runner::handle_error(thread& t, const flow& f) {
  if (t.state < 0) return f;
  const asl::state& st = state_of(t);
  const std::string& err = f.f.error;
  if (err != "States.Runtime") {
    for (size_t i = 0; i < st.retry.size(); ++i) {
      const auto& r = st.retry[i];
      if (!matches(r.error_equals, err)) continue;
      if (t.retries.size() < st.retry.size()) t.retries.resize(st.retry.size(), 0);
      if (t.retries[i] >= r.max_attempts) break;
      double delay = r.interval_seconds * std::pow(r.backoff_rate, double(t.retries[i]));
      if (r.max_delay_seconds) delay = std::min(delay, double(*r.max_delay_seconds));
      // Unbounded, IntervalSeconds * BackoffRate^attempt overflows the due
      // time (MaxAttempts 70 at rate 2). No back-off exceeds the largest
      // MaxDelaySeconds AWS accepts (366 days; a Standard execution runs a
      // year at most).
      constexpr double longest_backoff = 31622400;
      if (!(delay <= longest_backoff)) delay = longest_backoff;
      if (r.jitter_full) delay = delay * double(random_.next() % 1000001) / 1000000.0;
      t.retries[i]++;
      t.ph = phase::retry;
      t.timer = arm_timer(t, timer_kind::retry, due_after(delay));
      return flow::blocked();
    }
    for (const auto& c : st.catchers) {
      if (!matches(c.error_equals, err)) continue;
      json::document raw;
      json::parse(t.input, raw);
      json::value eo(rapidjson::kObjectType);
      auto& a = raw.GetAllocator();
      if (f.has_error) eo.AddMember("Error", json::value(err.c_str(), a), a);
      if (f.has_cause) eo.AddMember("Cause", json::value(f.f.cause.c_str(), a), a);
      // The catcher's Assign replaces the state's (whose values, if it
      // was evaluated, are dropped).
      pending_thread_ = -1;
      if (st.jsonata) return catch_jsonata(t, st, c, eo);
      if (c.assign)
        if (auto af = assign(t, *c.assign, eo)) return flow::fail(*af);
      if (auto rf = apply_result_path(t, c.result_path, raw, std::move(eo))) return flow::fail(*rf);
      std::string out = json::dump(raw);
      if (too_deep(out)) return flow::fail(too_deep(t, "The state's output"));
      details d;
      d.str("name", st.name).payload("output", out);
      emit(t, exited_type(st.type), "stateExitedEventDetails", commit_assigned(t, d).done());
      return flow::go(c.next_index, out);
    }
  }
  return f;
}

}  // namespace sc::interp::detail
