// Golden cases: the pure core against data, no network, no actors.
//
// Each directory tests/golden/<feature>/<case>/ holds
//   definition.asl.json   the state machine
//   input.json            execution input (optional, default {})
//   tasks.json            scripted activity outcomes, in scheduling order
//                         (optional; see runtime/interp/simulate.hpp):
//                         {"output": <json>} | {"error": "E", "cause": "C"}
//                         | {"never": true} (no answer: timers decide), each
//                         optionally with "heartbeats": n
//   expected.json         {"status", "output"?, "error"?, "cause"?,
//                          "history"?: [events as GetExecutionHistory
//                          returns them, input/output parsed when JSON]}
// interp::simulate plays the outside world: a worker takes each scheduled
// task and answers it from the script; timers fire in due order on a
// virtual clock. Event timestamps are not compared.
#include "runtime/asl/parse.hpp"
#include "runtime/interp/simulate.hpp"
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
      std::vector<interp::scripted_outcome> script;
      if (fs::exists(dir / "tasks.json")) {
        std::string err;
        INFO("tasks.json");
        REQUIRE(interp::parse_script(slurp(dir / "tasks.json"), script, err));
      }
      json::document expected;
      REQUIRE(json::parse(slurp(dir / "expected.json"), expected));

      auto r = interp::simulate(*parsed.def, input, script);
      INFO("history: " << interp::history_json(r.history, false));
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
        REQUIRE(json::parse(interp::history_json(r.history, false), got));
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
