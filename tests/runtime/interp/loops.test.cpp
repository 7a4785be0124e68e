// Loops that pass through a Parallel or Map state inside one step (a Catch or
// a Choice leading back to it, every branch finishing synchronously) must run
// in bounded stack: the interpreter may nest only as deep as the definition
// does. Each case runs `step` on a thread with a deliberately small stack, so
// an interpreter that recursed once per loop turn would crash here, long
// before reaching the history limit where these executions must end.
#include "tests/runtime/interp/interp_test_util.hpp"

#include <string>

using namespace sc;

namespace {

constexpr size_t small_stack = 256 * 1024;

interp::step_result start_on_small_stack(const std::string& definition, const std::string& input,
                                         const interp::limits& lim = {}) {
  return interp_test::start_on_stack(small_stack, definition, input, lim);
}

/// The execution failed exactly as AWS fails one at its history limit.
void check_failed_at_history_limit(const interp::step_result& r, int64_t limit = 25000) {
  CHECK(r.next.status == interp::exec_status::failed);
  CHECK(r.next.error == "States.Runtime");
  CHECK(r.next.cause == "The execution reached the maximum number of history events (" +
                            std::to_string(limit) + ").");
  REQUIRE(r.events.size() == static_cast<size_t>(limit));
  CHECK(r.events.back().type == "ExecutionFailed");
  CHECK(r.events.back().id == limit);
  CHECK(r.events.back().previous_id == limit - 1);
  size_t dense = 0;  // ids are 1..limit with no gap
  while (dense < r.events.size() && r.events[dense].id == int64_t(dense) + 1) ++dense;
  CHECK(dense == r.events.size());
  CHECK(r.commands.size() == 1);  // only cmd_finished: no task, no timer
}

}  // namespace

TEST_CASE("A Parallel whose Catch leads back to it loops to the history limit in bounded stack",
          "[interp][limits][loops]") {
  auto r = start_on_small_stack(R"J({"StartAt":"I","States":{"I":{"Type":"Parallel",
    "Branches":[{"StartAt":"f","States":{"f":{"Type":"Fail","Error":"E"}}}],
    "Catch":[{"ErrorEquals":["E"],"Next":"I"}],"End":true}}})J",
                                "{}");
  check_failed_at_history_limit(r);
  // The loop itself, as recorded: entered, started, the branch's Fail state,
  // failed, exited through the catcher, entered again.
  REQUIRE(r.events.size() > 8);
  CHECK(r.events[1].type == "ParallelStateEntered");
  CHECK(r.events[2].type == "ParallelStateStarted");
  CHECK(r.events[3].type == "FailStateEntered");
  CHECK(r.events[4].type == "ParallelStateFailed");
  CHECK(r.events[5].type == "ParallelStateExited");
  CHECK(r.events[6].type == "ParallelStateEntered");
  CHECK(r.events[6].previous_id == 6);
}

TEST_CASE("A Parallel followed by a Choice leading back to it loops in bounded stack",
          "[interp][limits][loops]") {
  auto r = start_on_small_stack(R"J({"StartAt":"P","States":{
    "P":{"Type":"Parallel","ResultPath":null,"Next":"C",
         "Branches":[{"StartAt":"a","States":{"a":{"Type":"Pass","End":true}}},
                     {"StartAt":"b","States":{"b":{"Type":"Pass","End":true}}}]},
    "C":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"S"}],
         "Default":"P"},
    "S":{"Type":"Succeed"}}})J",
                                "{}");
  check_failed_at_history_limit(r);
}

TEST_CASE("A Map whose Catch leads back to it loops to the history limit in bounded stack",
          "[interp][limits][loops]") {
  auto r = start_on_small_stack(R"J({"StartAt":"M","States":{"M":{"Type":"Map",
    "ItemsPath":"$.items",
    "ItemProcessor":{"StartAt":"f","States":{"f":{"Type":"Fail","Error":"E"}}},
    "Catch":[{"ErrorEquals":["E"],"ResultPath":"$.err","Next":"M"}],"End":true}}})J",
                                R"({"items":[1,2]})");
  check_failed_at_history_limit(r);
}

TEST_CASE("A Map followed by a Choice leading back to it loops in bounded stack",
          "[interp][limits][loops]") {
  auto r = start_on_small_stack(R"J({"StartAt":"M","States":{
    "M":{"Type":"Map","ItemsPath":"$.items","ResultPath":"$.out","Next":"C",
         "ItemProcessor":{"StartAt":"p","States":{"p":{"Type":"Pass","End":true}}}},
    "C":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"S"}],
         "Default":"M"},
    "S":{"Type":"Succeed"}}})J",
                                R"({"items":[1,2,3]})");
  check_failed_at_history_limit(r);
}

TEST_CASE("A Parallel looping inside a Parallel branch runs in bounded stack",
          "[interp][limits][loops]") {
  auto r = start_on_small_stack(R"J({"StartAt":"O","States":{"O":{"Type":"Parallel","End":true,
    "Branches":[{"StartAt":"I","States":{"I":{"Type":"Parallel","End":true,
      "Branches":[{"StartAt":"f","States":{"f":{"Type":"Fail","Error":"E"}}}],
      "Catch":[{"ErrorEquals":["E"],"Next":"I"}]}}}]}}})J",
                                "{}");
  check_failed_at_history_limit(r);
}

TEST_CASE("A Parallel re-entered through its Catch when a nested Map fails runs in bounded stack",
          "[interp][limits][loops]") {
  // The failure travels up two levels (Map iteration → Map → branch →
  // Parallel) before the Catch loops back to the outer Parallel.
  auto r = start_on_small_stack(R"J({"StartAt":"O","States":{"O":{"Type":"Parallel","End":true,
    "Catch":[{"ErrorEquals":["E"],"ResultPath":null,"Next":"O"}],
    "Branches":[{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemsPath":"$.items",
      "ItemProcessor":{"StartAt":"f","States":{"f":{"Type":"Fail","Error":"E"}}}}}}]}}})J",
                                R"({"items":[1]})");
  check_failed_at_history_limit(r);
}

TEST_CASE("A Map looping inside a Map iteration runs in bounded stack", "[interp][limits][loops]") {
  auto r = start_on_small_stack(R"J({"StartAt":"O","States":{"O":{"Type":"Map","End":true,
    "ItemsPath":"$.items",
    "ItemSelector":{"items.$":"$$.Map.Item.Value"},
    "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Map","End":true,"ItemsPath":"$.items",
      "ItemProcessor":{"StartAt":"f","States":{"f":{"Type":"Fail","Error":"E"}}},
      "Catch":[{"ErrorEquals":["E"],"ResultPath":"$.err","Next":"I"}]}}}}}})J",
                                R"({"items":[[1]]})");
  check_failed_at_history_limit(r);
}

TEST_CASE("Loops through Parallel and Map still fail at a small history limit",
          "[interp][limits][loops]") {
  // The same loops with a limit of 40: the failure takes the last slot
  // wherever in the loop the limit falls.
  for (int64_t limit : {40, 41, 42, 43, 44, 45}) {
    interp::limits lim;
    lim.history_events = limit;
    auto r = start_on_small_stack(R"J({"StartAt":"I","States":{"I":{"Type":"Parallel",
      "Branches":[{"StartAt":"f","States":{"f":{"Type":"Fail","Error":"E"}}}],
      "Catch":[{"ErrorEquals":["E"],"Next":"I"}],"End":true}}})J",
                                  "{}", lim);
    check_failed_at_history_limit(r, limit);
    auto m = start_on_small_stack(R"J({"StartAt":"M","States":{"M":{"Type":"Map",
      "ItemsPath":"$.items",
      "ItemProcessor":{"StartAt":"f","States":{"f":{"Type":"Fail","Error":"E"}}},
      "Catch":[{"ErrorEquals":["E"],"ResultPath":"$.err","Next":"M"}],"End":true}}})J",
                                  R"({"items":[1,2]})", lim);
    check_failed_at_history_limit(m, limit);
  }
}
