// Golden cases: the pure core against data, no network, no actors.
//
// Each directory tests/golden/<feature>/<case>/ holds
//   definition.asl.json   the state machine
//   input.json            execution input (optional, default {})
//   tasks.json            scripted activity outcomes, in scheduling order
//                         (optional): {"output": <json>} | {"error": "E",
//                         "cause": "C"} | {"never": true} (no answer: timers
//                         decide) | {"heartbeats": n, "output": ...}
//   expected.json         {"status", "output"?, "error"?, "cause"?,
//                          "history"?: [events as GetExecutionHistory
//                          returns them, input/output parsed when JSON]}
// The driver plays the outside world: a worker takes each scheduled task
// and answers it from the script; timers fire in due order on a virtual
// clock. Event timestamps are not compared.
#include "runtime/asl/parse.hpp"
#include "runtime/interp/step.hpp"
#include "runtime/json/json.hpp"

#include <catch2/catch.hpp>

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;
using namespace sc;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct run_result {
  interp::execution_state state;
  std::vector<model::history_event> history;
  std::string problem;
};

run_result run_case(const asl::definition& def, const std::string& input,
                    const json::value* tasks) {
  run_result out;
  int64_t now = 1700000000000;
  auto st = interp::make_execution("arn:aws:states:us-east-1:123456789012:execution:golden:run",
                                   "arn:aws:states:us-east-1:123456789012:stateMachine:golden",
                                   "golden", "run", "arn:aws:iam::123456789012:role/golden", input,
                                   now, 42);
  std::multimap<int64_t, int64_t> timers;  // due → id
  std::deque<interp::cmd_schedule_activity> queue;
  size_t next_script = 0;
  auto apply = [&](const interp::event& ev) {
    auto r = interp::step(def, st, ev, now);
    st = std::move(r.next);
    for (auto& e : r.events) out.history.push_back(std::move(e));
    for (auto& c : r.commands) {
      if (auto* s = std::get_if<interp::cmd_schedule_activity>(&c)) queue.push_back(*s);
      if (auto* t = std::get_if<interp::cmd_start_timer>(&c)) timers.emplace(t->due_ms, t->timer);
      if (auto* t = std::get_if<interp::cmd_cancel_timer>(&c)) {
        for (auto it = timers.begin(); it != timers.end(); ++it)
          if (it->second == t->timer) {
            timers.erase(it);
            break;
          }
      }
      if (auto* t = std::get_if<interp::cmd_cancel_activity>(&c)) {
        for (auto it = queue.begin(); it != queue.end(); ++it)
          if (it->task == t->task) {
            queue.erase(it);
            break;
          }
      }
    }
  };
  apply(interp::ev_start{});
  for (int guard = 0; guard < 100000 && st.status == interp::exec_status::running; ++guard) {
    if (!queue.empty()) {
      auto task = queue.front();
      queue.pop_front();
      const json::value* script = nullptr;
      if (tasks && tasks->IsArray() && next_script < tasks->Size())
        script = &(*tasks)[static_cast<rapidjson::SizeType>(next_script)];
      ++next_script;
      if (!script) {
        out.problem = "activity task scheduled with no scripted outcome left";
        return out;
      }
      apply(interp::ev_activity_started{task.task, "golden-worker"});
      if (script->HasMember("never")) continue;
      if (script->HasMember("heartbeats"))
        for (int i = 0; i < (*script)["heartbeats"].GetInt(); ++i)
          apply(interp::ev_task_heartbeat{task.task});
      if (script->HasMember("output")) {
        apply(interp::ev_task_succeeded{task.task, json::dump((*script)["output"])});
      } else {
        interp::ev_task_failed f{task.task, "", "", false, false};
        if (script->HasMember("error")) {
          f.error = (*script)["error"].GetString();
          f.has_error = true;
        }
        if (script->HasMember("cause")) {
          f.cause = (*script)["cause"].GetString();
          f.has_cause = true;
        }
        apply(f);
      }
      continue;
    }
    if (!timers.empty()) {
      auto it = timers.begin();
      now = std::max(now, it->first);
      int64_t id = it->second;
      timers.erase(it);
      apply(interp::ev_timer{id});
      continue;
    }
    out.problem = "execution is stuck: nothing scheduled and not finished";
    return out;
  }
  out.state = st;
  return out;
}

/// Replaces every string member that holds JSON text of an object/array by
/// its parsed value (input/output fields), so expectations stay readable.
void normalise(json::value& v, json::allocator& a) {
  if (v.IsObject()) {
    for (auto& m : v.GetObject()) {
      std::string k = m.name.GetString();
      if (m.value.IsString() && (k == "input" || k == "output")) {
        json::document d;
        if (json::parse(m.value.GetString(), d)) m.value.CopyFrom(d, a);
      } else {
        normalise(m.value, a);
      }
    }
  } else if (v.IsArray()) {
    for (auto& e : v.GetArray()) normalise(e, a);
  }
}

/// JSON text with object keys sorted, for order-insensitive comparison.
std::string canonical(const json::value& v) {
  if (v.IsObject()) {
    std::vector<std::pair<std::string, const json::value*>> m;
    for (auto& e : v.GetObject()) m.emplace_back(e.name.GetString(), &e.value);
    std::sort(m.begin(), m.end(), [](auto& a, auto& b) { return a.first < b.first; });
    std::string s = "{";
    for (size_t i = 0; i < m.size(); ++i)
      s += (i ? "," : "") + json::quote(m[i].first) + ":" + canonical(*m[i].second);
    return s + "}";
  }
  if (v.IsArray()) {
    std::string s = "[";
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) s += (i ? "," : "") + canonical(v[i]);
    return s + "]";
  }
  return json::dump(v);
}

std::string history_json(const std::vector<model::history_event>& events) {
  std::string s = "[";
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    if (i) s += ",";
    s += "{\"id\":" + std::to_string(e.id) + ",\"previousEventId\":" +
         std::to_string(e.previous_id) + ",\"type\":" + json::quote(e.type);
    if (!e.details_key.empty()) s += "," + json::quote(e.details_key) + ":" + e.details;
    s += "}";
  }
  return s + "]";
}

}  // namespace

TEST_CASE("Golden cases produce AWS's status, output and history", "[interp][golden]") {
  fs::path root = fs::path(STATECRAFT_SOURCE_DIR) / "tests" / "golden";
  std::vector<fs::path> cases;
  for (auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().filename() == "definition.asl.json")
      cases.push_back(e.path().parent_path());
  std::sort(cases.begin(), cases.end());
  REQUIRE(!cases.empty());
  for (const auto& dir : cases) {
    std::string name = fs::relative(dir, root).string();
    SECTION(name) {
      INFO("case " << name);
      auto parsed = asl::parse(slurp(dir / "definition.asl.json"));
      if (!parsed.def) FAIL(asl::format_diagnostics(parsed.diagnostics));
      std::string input = fs::exists(dir / "input.json") ? slurp(dir / "input.json") : "{}";
      json::document in;
      REQUIRE(json::parse(input, in));
      input = json::dump(in);
      json::document tasks;
      bool has_tasks = fs::exists(dir / "tasks.json");
      if (has_tasks) REQUIRE(json::parse(slurp(dir / "tasks.json"), tasks));
      json::document expected;
      REQUIRE(json::parse(slurp(dir / "expected.json"), expected));

      auto r = run_case(*parsed.def, input, has_tasks ? &tasks : nullptr);
      INFO("history: " << history_json(r.history));
      REQUIRE(r.problem == "");
      CHECK(std::string(interp::to_string(r.state.status)) == expected["status"].GetString());
      if (expected.HasMember("output")) {
        json::document got;
        REQUIRE(json::parse(r.state.output, got));
        CHECK(canonical(got) == canonical(expected["output"]));
      }
      if (expected.HasMember("error")) CHECK(r.state.error == expected["error"].GetString());
      if (expected.HasMember("cause")) CHECK(r.state.cause == expected["cause"].GetString());
      if (expected.HasMember("history")) {
        json::document got;
        REQUIRE(json::parse(history_json(r.history), got));
        normalise(got, got.GetAllocator());
        json::value& want = expected["history"];
        normalise(want, expected.GetAllocator());
        CHECK(got.Size() == want.Size());
        for (rapidjson::SizeType i = 0; i < std::min(got.Size(), want.Size()); ++i) {
          INFO("event #" << (i + 1));
          CHECK(canonical(got[i]) == canonical(want[i]));
        }
      }
    }
  }
}
