#include "runtime/interp/simulate.hpp"
#include "runtime/interp/integration.hpp"

#include "runtime/interp/step.hpp"
#include "runtime/json/json.hpp"

#include <deque>
#include <map>

namespace sc::interp {

bool parse_script(const std::string& text, std::vector<scripted_outcome>& out,
                  std::string& error) {
  json::document d;
  if (!json::parse(text, d, &error)) return false;
  if (!d.IsArray()) {
    error = "the task script must be a JSON array";
    return false;
  }
  for (auto& v : d.GetArray()) {
    if (!v.IsObject()) {
      error = "each scripted outcome must be an object";
      return false;
    }
    scripted_outcome o;
    if (v.HasMember("heartbeats") && v["heartbeats"].IsInt()) o.heartbeats = v["heartbeats"].GetInt();
    if (v.HasMember("never")) {
      o.k = scripted_outcome::kind::never;
    } else if (v.HasMember("output")) {
      o.output = json::dump(v["output"]);
    } else if (v.HasMember("error") || v.HasMember("cause")) {
      o.k = scripted_outcome::kind::failure;
      if (v.HasMember("error") && v["error"].IsString()) {
        o.error = v["error"].GetString();
        o.has_error = true;
      }
      if (v.HasMember("cause") && v["cause"].IsString()) {
        o.cause = v["cause"].GetString();
        o.has_cause = true;
      }
    } else {
      error = "a scripted outcome needs \"output\", \"error\"/\"cause\" or \"never\"";
      return false;
    }
    out.push_back(std::move(o));
  }
  return true;
}

simulation simulate(const asl::definition& def, const std::string& input,
                    const std::vector<scripted_outcome>& script, const simulation_options& opts) {
  simulation out;
  int64_t now = opts.start_ms;
  auto st = make_execution(opts.execution_arn, opts.state_machine_arn, opts.state_machine_name,
                           opts.name, opts.role_arn, input, now, opts.seed);
  std::multimap<int64_t, int64_t> timers;  // due → id
  std::deque<cmd_schedule_activity> queue;
  std::deque<cmd_call_integration> calls;  // integration tasks, answered by the script too
  size_t next_script = 0;
  limits lim;
  lim.mocked = static_cast<bool>(opts.mock);
  // The mock's outcome for a task, when its state is mocked.
  auto mocked = [&](int64_t task) -> std::optional<scripted_outcome> {
    if (!opts.mock) return std::nullopt;
    auto it = st.tasks.find(task);
    if (it == st.tasks.end()) return std::nullopt;
    auto th = st.threads.find(it->second);
    if (th == st.threads.end() || th->second.state < 0 || th->second.machine < 0)
      return std::nullopt;
    return opts.mock(def.machines[static_cast<size_t>(th->second.machine)]
                         ->states[static_cast<size_t>(th->second.state)]
                         .name);
  };
  auto apply = [&](const event& ev) {
    auto r = step(def, st, ev, now, lim);
    st = std::move(r.next);
    for (auto& e : r.events) out.history.push_back(std::move(e));
    for (auto& c : r.commands) {
      if (auto* s = std::get_if<cmd_schedule_activity>(&c)) queue.push_back(*s);
      if (auto* s = std::get_if<cmd_call_integration>(&c)) calls.push_back(*s);
      if (auto* t = std::get_if<cmd_start_timer>(&c)) timers.emplace(t->due_ms, t->timer);
      if (auto* t = std::get_if<cmd_cancel_timer>(&c)) {
        for (auto it = timers.begin(); it != timers.end(); ++it)
          if (it->second == t->timer) {
            timers.erase(it);
            break;
          }
      }
      if (auto* t = std::get_if<cmd_cancel_activity>(&c)) {
        for (auto it = queue.begin(); it != queue.end(); ++it)
          if (it->task == t->task) {
            queue.erase(it);
            break;
          }
      }
    }
  };
  apply(ev_start{});
  for (size_t guard = 0; guard < opts.max_steps && st.status == exec_status::running; ++guard) {
    if (!queue.empty()) {
      auto task = queue.front();
      queue.pop_front();
      auto mock = mocked(task.task);
      apply(ev_activity_started{task.task, mock ? std::string("statecraft-mock") : opts.worker_name});
      if (!mock && next_script >= script.size()) continue;  // unanswered: timeouts decide
      const auto& o = mock ? *mock : script[next_script++];
      for (int i = 0; i < o.heartbeats; ++i) apply(ev_task_heartbeat{task.task});
      switch (o.k) {
        case scripted_outcome::kind::never: break;
        case scripted_outcome::kind::success:
          apply(ev_task_succeeded{task.task, o.output});
          break;
        case scripted_outcome::kind::failure:
          apply(ev_task_failed{task.task, o.error, o.cause, o.has_error, o.has_cause});
          break;
      }
      continue;
    }
    if (!calls.empty()) {
      // An integration call: the next scripted outcome is its answer (a
      // `.sync` or callback task is submitted first).
      auto call = calls.front();
      calls.pop_front();
      const auto pattern = static_cast<integration_pattern>(call.pattern);
      auto answer = [&](ev_integration::kind k) {
        ev_integration e;
        e.task = call.task;
        e.k = k;
        return e;
      };
      auto mock = mocked(call.task);
      if (pattern != integration_pattern::request_response && !mock) {
        ev_integration sub = answer(ev_integration::kind::submitted);
        sub.output = "{}";
        apply(sub);
      }
      auto ir = parse_integration(call.resource);
      // Only Step Functions' own resources and the HTTP Task are answered
      // here without a mock (from the script); AWS services have no one to
      // call in a simulation.
      const bool callable = ir && integration_supported(*ir) &&
                            (ir->resource_type == "states" || ir->resource_type == "aws-sdk:sfn" ||
                             ir->resource_type == "http");
      if (!mock && !callable) {
        // Not mocked and nothing to call in-process: as the node fails it.
        ev_integration e = answer(ev_integration::kind::start_failed);
        e.error = "States.Runtime";
        e.cause = "Statecraft cannot call the resource '" + call.resource + "'.";
        apply(e);
        continue;
      }
      if (!mock && next_script >= script.size()) continue;
      const auto& o = mock ? *mock : script[next_script++];
      for (int i = 0; i < o.heartbeats; ++i) apply(ev_task_heartbeat{call.task});
      ev_integration e = answer(ev_integration::kind::succeeded);
      switch (o.k) {
        case scripted_outcome::kind::never: break;
        case scripted_outcome::kind::success:
          e.output = o.output;
          apply(e);
          break;
        case scripted_outcome::kind::failure:
          e.k = ev_integration::kind::failed;
          e.error = o.error;
          e.cause = o.cause;
          e.has_error = o.has_error;
          e.has_cause = o.has_cause;
          apply(e);
          break;
      }
      continue;
    }
    if (!timers.empty()) {
      auto it = timers.begin();
      now = std::max(now, it->first);
      int64_t id = it->second;
      timers.erase(it);
      apply(ev_timer{id});
      continue;
    }
    out.problem = "the execution is stuck: it waits for something that never comes "
                  "(an activity task with no scripted answer and no timeout?)";
    break;
  }
  out.state = std::move(st);
  // Shared payloads (history_event::payload_ref) are filled in, as a
  // store does when the history is read.
  model::resolve_payloads(out.history);
  return out;
}

std::string history_json(const std::vector<model::history_event>& events, bool with_timestamps) {
  std::string s = "[";
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    if (i) s += ",";
    s += "{";
    if (with_timestamps) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(e.timestamp_ms / 1000),
                    static_cast<long long>(e.timestamp_ms % 1000));
      s += "\"timestamp\":";
      s += buf;
      s += ",";
    }
    s += "\"type\":" + json::quote(e.type) + ",\"id\":" + std::to_string(e.id) +
         ",\"previousEventId\":" + std::to_string(e.previous_id);
    if (!e.details_key.empty())
      s += "," + json::quote(e.details_key) + ":" + model::render_details(e);
    s += "}";
  }
  return s + "]";
}

}  // namespace sc::interp
