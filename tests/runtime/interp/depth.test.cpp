// How deep JSON may nest, and what the stack pays for nesting.
//
// JSON inputs are capped at json::max_depth (1,000) levels, but a state can
// build deeper values: a Pass loop wrapping its data (the document is carried
// from Pass to Pass without being parsed again), a long ResultPath, a
// template around a deep input. RapidJSON writes and copies recursively, so
// such values crashed the node (SIGSEGV in json::dump), and any that did not
// came back as `null` when the next state parsed them. Every value a state
// passes on is now held to json::max_depth: beyond it the state fails with
// States.Runtime.
//
// Definitions themselves are capped at 512 levels of JSON; the deepest
// nesting of Parallel, Map, Choice rules and templates that fits must
// validate and run on a modest stack.
#include "tests/runtime/interp/interp_test_util.hpp"

#include "runtime/json/json.hpp"

#include <algorithm>
#include <string>
#include <vector>

using namespace sc;

namespace {

constexpr size_t one_mib = 1024 * 1024;

std::string too_deep_cause(const std::string& state, int64_t entered, const std::string& what) {
  return "An error occurred while executing the state '" + state + "' (entered at the event id #" +
         std::to_string(entered) + "). " + what +
         " nests JSON arrays and objects deeper than the maximum of 1000 levels.";
}

std::string nested_arrays(int levels, const std::string& core = "1") {
  return std::string(levels, '[') + core + std::string(levels, ']');
}

std::string result_path(int steps) {
  std::string p = "$";
  for (int i = 0; i < steps; ++i) p += ".a";
  return p;
}

int64_t entered_id(const interp::step_result& r, const std::string& state) {
  int64_t id = 0;  // the last time it was entered
  for (const auto& e : r.events)
    if (e.type.ends_with("StateEntered") && e.details.find("\"" + state + "\"") != std::string::npos)
      id = e.id;
  return id;
}

}  // namespace

TEST_CASE("A Pass loop that deepens its data fails at 1,000 levels instead of crashing",
          "[interp][depth]") {
  // Each Pass wraps the data in 30 arrays; Pass to Pass the document is
  // reused, never parsed, so nothing else stops the growth (it crashed at
  // about 130,000 levels, before the 256 KiB payload limit).
  std::string wrap = "$.x";
  for (int i = 0; i < 30; ++i) wrap = "States.Array(" + wrap + ")";
  std::string pass = R"({"Type":"Pass","Parameters":{"x.$":")" + wrap + R"("},"Next":")";
  auto r = interp_test::start_on_stack(one_mib, R"({"StartAt":"C","States":{
    "C":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"S"}],
         "Default":"A"},
    "A":)" + pass + R"(B"},"B":)" + pass + R"(A"},"S":{"Type":"Succeed"}}})",
                                       R"({"x":1})");
  CHECK(r.next.status == interp::exec_status::failed);
  CHECK(r.next.error == "States.Runtime");
  // {"x": ...} around 30 more arrays per Pass: 33 Pass states make 991
  // levels, the 34th (a B) would make 1,021.
  CHECK(r.next.cause == too_deep_cause("B", entered_id(r, "B"), "The state's output"));
  CHECK(r.events.size() < 100);
}

TEST_CASE("A loop through a Choice no longer sees data deeper than 1,000 levels as null",
          "[interp][depth]") {
  // The Choice parses its input again: at 1,001 levels that failed and the
  // data silently became null. Now the Pass that built it fails.
  std::string wrap = R"("x.$":"$")";
  for (int i = 0; i < 9; ++i) wrap = R"("a":{)" + wrap + "}";
  auto r = interp_test::start_on_stack(one_mib, R"({"StartAt":"A","States":{
    "A":{"Type":"Pass","Parameters":{)" + wrap + R"(},"Next":"C"},
    "C":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"S"}],
         "Default":"A"},
    "S":{"Type":"Succeed"}}})",
                                       "{}");
  CHECK(r.next.status == interp::exec_status::failed);
  CHECK(r.next.error == "States.Runtime");
  CHECK(r.next.cause == too_deep_cause("A", entered_id(r, "A"), "The state's output"));
  for (const auto& e : r.events) CHECK(e.payload != "null");
}

TEST_CASE("A ResultPath of more than 1,000 steps fails instead of building its value",
          "[interp][depth]") {
  // 100,000 steps: the value it built crashed json::dump on an 8 MiB stack.
  auto r = interp_test::start_on_stack(
      one_mib,
      R"({"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":")" + result_path(100000) +
          R"(","End":true}}})",
      "{}");
  CHECK(r.next.status == interp::exec_status::failed);
  CHECK(r.next.error == "States.Runtime");
  CHECK(r.next.cause == too_deep_cause("A", 2, "The ResultPath"));
}

TEST_CASE("A state output may nest exactly 1,000 levels", "[interp][depth]") {
  // 999 steps around {} is 1,000 levels: passed on. 1,000 steps: one too many.
  auto ok = interp_test::start_on_stack(
      one_mib,
      R"({"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":")" + result_path(999) +
          R"(","Next":"B"},"B":{"Type":"Pass","End":true}}})",
      "{}");
  REQUIRE(ok.next.status == interp::exec_status::succeeded);
  CHECK(json::nesting_depth(ok.next.output) == 1000);
  auto over = interp_test::start_on_stack(
      one_mib,
      R"({"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":")" + result_path(1000) +
          R"(","End":true}}})",
      "{}");
  CHECK(over.next.status == interp::exec_status::failed);
  CHECK(over.next.cause == too_deep_cause("A", 2, "The state's output"));
}

TEST_CASE("A Catch whose ResultPath nests the error too deep fails the state", "[interp][depth]") {
  auto r = interp_test::start_on_stack(
      one_mib,
      R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Next":"S",
        "Branches":[{"StartAt":"f","States":{"f":{"Type":"Fail","Error":"E"}}}],
        "Catch":[{"ErrorEquals":["E"],"ResultPath":")" +
          result_path(1000) + R"(","Next":"S"}]},"S":{"Type":"Succeed"}}})",
      "{}");
  CHECK(r.next.status == interp::exec_status::failed);
  CHECK(r.next.cause == too_deep_cause("P", 2, "The state's output"));
}

TEST_CASE("Parameters nesting a deep input too deep fail the state, not its branches",
          "[interp][depth]") {
  // Input: 999 levels. Parameters add 5 more around it.
  const std::string input = R"({"d":)" + nested_arrays(998) + "}";
  REQUIRE(json::nesting_depth(input) == 999);
  auto r = interp_test::start_on_stack(one_mib, R"({"StartAt":"P","States":{"P":{"Type":"Parallel",
      "Parameters":{"a":{"b":{"c":{"d":{"x.$":"$"}}}}},"End":true,
      "Branches":[{"StartAt":"p","States":{"p":{"Type":"Pass","End":true}}}]}}})",
                                       input);
  CHECK(r.next.status == interp::exec_status::failed);
  CHECK(r.next.cause == too_deep_cause("P", 2, "The state's effective input"));
  for (const auto& e : r.events) CHECK(e.type != "PassStateEntered");  // no branch ran
}

TEST_CASE("An ItemSelector nesting an item too deep fails its iteration", "[interp][depth]") {
  const std::string input = R"({"items":[)" + nested_arrays(997) + "]}";
  REQUIRE(json::nesting_depth(input) == 999);
  auto r = interp_test::start_on_stack(one_mib, R"({"StartAt":"M","States":{"M":{"Type":"Map",
      "ItemsPath":"$.items","End":true,
      "ItemSelector":{"a":{"b":{"c":{"d":{"v.$":"$$.Map.Item.Value"}}}}},
      "ItemProcessor":{"StartAt":"p","States":{"p":{"Type":"Pass","End":true}}}}}})",
                                       input);
  CHECK(r.next.status == interp::exec_status::failed);
  CHECK(r.next.error == "States.Runtime");
  CHECK(r.next.cause == too_deep_cause("M", 2, "The ItemSelector result"));
  std::vector<std::string> types;
  for (const auto& e : r.events) types.push_back(e.type);
  CHECK(std::find(types.begin(), types.end(), "MapIterationFailed") != types.end());
}

TEST_CASE("Definitions nested to the 512-level JSON cap validate and run on a 1 MiB stack",
          "[interp][depth]") {
  // The deepest nesting each construct can reach: the interpreter's and the
  // compiler's recursion is bounded by the definition's nesting.
  auto deepest = [](auto build) {
    int n = 1;
    while (json::nesting_depth(build(n + 1)) <= 512) ++n;
    return n;
  };
  SECTION("Parallel in Parallel") {
    auto build = [](int n) {
      std::string m = R"({"StartAt":"L","States":{"L":{"Type":"Pass","End":true}}})";
      for (int i = 0; i < n; ++i) {
        std::string s = "P" + std::to_string(i);
        m = R"({"StartAt":")" + s + R"(","States":{")" + s +
            R"(":{"Type":"Parallel","End":true,"Branches":[)" + m + "]}}}";
      }
      return m;
    };
    int n = deepest(build);
    CHECK(n >= 120);
    auto r = interp_test::start_on_stack(one_mib, build(n), "7");
    CHECK(r.next.status == interp::exec_status::succeeded);
    CHECK(r.next.output == nested_arrays(n, "7"));
  }
  SECTION("Map in Map") {
    auto build = [](int n) {
      std::string m = R"({"StartAt":"L","States":{"L":{"Type":"Pass","End":true}}})";
      for (int i = 0; i < n; ++i) {
        std::string s = "M" + std::to_string(i);
        m = R"({"StartAt":")" + s + R"(","States":{")" + s +
            R"(":{"Type":"Map","End":true,"ItemProcessor":)" + m + "}}}";
      }
      return m;
    };
    int n = deepest(build);
    CHECK(n >= 160);
    auto r = interp_test::start_on_stack(one_mib, build(n), nested_arrays(n));
    CHECK(r.next.status == interp::exec_status::succeeded);
    CHECK(r.next.output == nested_arrays(n));
  }
  SECTION("Choice rules: And and Not") {
    auto build = [](int n) {
      std::string rule = R"({"Variable":"$.x","IsPresent":true})";
      for (int i = 0; i < n; ++i)
        rule = i % 2 ? R"({"Not":)" + rule + "}" : R"({"And":[)" + rule + "]}";
      rule.insert(rule.size() - 1, R"(,"Next":"S")");
      return R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[)" + rule +
             R"(],"Default":"F"},"S":{"Type":"Succeed"},"F":{"Type":"Fail"}}})";
    };
    int n = deepest(build);
    CHECK(n >= 250);
    // An even number of Nots around IsPresent: true when x is present.
    auto r = interp_test::start_on_stack(one_mib, build(n - n % 4), R"({"x":1})");
    CHECK(r.next.status == interp::exec_status::succeeded);
  }
  SECTION("Parameters template") {
    auto build = [](int n) {
      std::string t = R"({"v.$":"$.x"})";
      for (int i = 0; i < n; ++i) t = R"({"a":)" + t + "}";
      return R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"Parameters":)" + t +
             "}}}";
    };
    int n = deepest(build);
    CHECK(n >= 500);
    auto r = interp_test::start_on_stack(one_mib, build(n), R"({"x":1})");
    CHECK(r.next.status == interp::exec_status::succeeded);
    CHECK(json::nesting_depth(r.next.output) == size_t(n) + 1);
  }
}
