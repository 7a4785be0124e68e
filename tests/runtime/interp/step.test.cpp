// Interpreter rules that golden data cannot express compactly.
#include "runtime/asl/parse.hpp"
#include "runtime/interp/simulate.hpp"
#include "runtime/interp/step.hpp"

#include <catch2/catch.hpp>

using namespace sc;

namespace {
std::shared_ptr<const asl::definition> compile(const std::string& text) {
  auto r = asl::parse(text);
  if (!r.def) FAIL(asl::format_diagnostics(r.diagnostics));
  return r.def;
}
}  // namespace

TEST_CASE("An endless loop fails exactly at the history event limit", "[interp][limits]") {
  auto def = compile(R"J({"StartAt":"A","States":{
    "A":{"Type":"Pass","Next":"B"},
    "B":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"S"}],"Default":"A"},
    "S":{"Type":"Succeed"}}})J");
  interp::limits lim;
  lim.history_events = 50;
  auto st = interp::make_execution("arn:aws:states:us-east-1:123456789012:execution:m:e",
                                   "arn:aws:states:us-east-1:123456789012:stateMachine:m", "m",
                                   "e", "arn:aws:iam::123456789012:role/r", "{}", 0, 1);
  auto r = interp::step(*def, st, interp::ev_start{}, 0, lim);
  REQUIRE(r.events.size() == 50);
  CHECK(r.events.back().type == "ExecutionFailed");
  CHECK(r.events.back().id == 50);
  CHECK(r.next.status == interp::exec_status::failed);
  CHECK(r.next.error == "States.Runtime");
}

TEST_CASE("Steps are pure: the same event on the same state gives the same result",
          "[interp][purity]") {
  auto def = compile(R"J({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
    "ItemSelector":{"u.$":"States.UUID()","r.$":"States.MathRandom(1, 1000)"},
    "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})J");
  auto st = interp::make_execution("arn:aws:states:us-east-1:123456789012:execution:m:e",
                                   "arn:aws:states:us-east-1:123456789012:stateMachine:m", "m",
                                   "e", "arn:aws:iam::123456789012:role/r",
                                   R"({"items":[1,2,3]})", 1000, 7);
  auto a = interp::step(*def, st, interp::ev_start{}, 5000);
  auto b = interp::step(*def, st, interp::ev_start{}, 5000);
  REQUIRE(a.next.status == interp::exec_status::succeeded);
  CHECK(a.next.output == b.next.output);
  REQUIRE(a.events.size() == b.events.size());
  for (size_t i = 0; i < a.events.size(); ++i) CHECK(model::render_details(a.events[i]) == model::render_details(b.events[i]));
}

TEST_CASE("A task result for an unknown or closed task is rejected without changes",
          "[interp][tasks]") {
  auto def = compile(R"J({"StartAt":"T","States":{"T":{"Type":"Task",
    "Resource":"arn:aws:states:us-east-1:123456789012:activity:a","TimeoutSeconds":5,"End":true}}})J");
  auto st = interp::make_execution("arn:aws:states:us-east-1:123456789012:execution:m:e",
                                   "arn:aws:states:us-east-1:123456789012:stateMachine:m", "m",
                                   "e", "arn:aws:iam::123456789012:role/r", "{}", 0, 1);
  auto r = interp::step(*def, st, interp::ev_start{}, 0);
  REQUIRE(r.next.tasks.size() == 1);
  int64_t task = r.next.tasks.begin()->first;
  auto bogus = interp::step(*def, r.next, interp::ev_task_succeeded{task + 100, "{}"}, 10);
  CHECK(bogus.rejected);
  CHECK_FALSE(bogus.rejected_timed_out);
  CHECK(bogus.events.empty());
  // Let the task time out, then answer it: TaskTimedOut.
  int64_t timer = r.next.timers.begin()->first;
  auto timed_out = interp::step(*def, r.next, interp::ev_timer{timer}, 5000);
  CHECK(timed_out.next.status == interp::exec_status::failed);
  auto late = interp::step(*def, timed_out.next, interp::ev_task_succeeded{task, "{}"}, 6000);
  CHECK(late.rejected);
  CHECK(late.rejected_timed_out);
}

TEST_CASE("Stopping an execution inside a Map records the aborted iterations",
          "[interp][stop]") {
  auto def = compile(R"J({"StartAt":"M","States":{"M":{"Type":"Map",
    "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}},"End":true}}})J");
  auto st = interp::make_execution("arn:aws:states:us-east-1:123456789012:execution:m:e",
                                   "arn:aws:states:us-east-1:123456789012:stateMachine:m", "m",
                                   "e", "arn:aws:iam::123456789012:role/r", "[1,2]", 0, 1);
  auto r = interp::step(*def, st, interp::ev_start{}, 0);
  auto stop = interp::step(*def, r.next, interp::ev_stop{"E", "C", true, true}, 10);
  std::vector<std::string> types;
  for (auto& e : stop.events) types.push_back(e.type);
  CHECK(types == std::vector<std::string>{"MapIterationAborted", "MapIterationAborted",
                                          "MapStateAborted", "ExecutionAborted"});
  CHECK(stop.next.status == interp::exec_status::aborted);
  CHECK(stop.next.timers.empty());
}

TEST_CASE("A timer delivered before an earlier-due one fires them in due order",
          "[interp][timers]") {
  // After an outage the recovery scan can re-arm a dropped timer after a
  // later-due one of the same execution was already delivered.
  auto def = compile(R"J({"StartAt":"F","States":{"F":{"Type":"Parallel","End":true,"Branches":[
    {"StartAt":"Fast","States":{"Fast":{"Type":"Wait","Seconds":10,"End":true}}},
    {"StartAt":"Mid","States":{"Mid":{"Type":"Wait","Seconds":20,"End":true}}}]}}})J");
  auto st = interp::make_execution("arn:aws:states:us-east-1:123456789012:execution:m:e",
                                   "arn:aws:states:us-east-1:123456789012:stateMachine:m", "m",
                                   "e", "arn:aws:iam::123456789012:role/r", "{}", 0, 1);
  auto r = interp::step(*def, st, interp::ev_start{}, 0);
  REQUIRE(r.next.timers.size() == 2);
  int64_t fast = 0, mid = 0;
  for (auto& [id, t] : r.next.timers) (t.due_ms == 10000 ? fast : mid) = id;
  REQUIRE(fast != 0);
  REQUIRE(mid != 0);
  auto late = interp::step(*def, r.next, interp::ev_timer{mid}, 30000);
  std::vector<std::string> exits;
  for (auto& e : late.events)
    if (e.type == "WaitStateExited") exits.push_back(e.details);
  REQUIRE(exits.size() == 2);
  CHECK(exits[0].find("\"Fast\"") != std::string::npos);
  CHECK(exits[1].find("\"Mid\"") != std::string::npos);
  CHECK(late.next.status == interp::exec_status::succeeded);
  // The earlier timer's own delivery, when it comes, changes nothing.
  auto again = interp::step(*def, late.next, interp::ev_timer{fast}, 30001);
  CHECK(again.events.empty());
}

TEST_CASE("Inline Maps nested inside a Distributed Map iteration all run", "[interp][map]") {
  // Iterations of a Distributed Map record no events, so their states share
  // event ids; the inner Maps' launch loops must still be told apart.
  auto def = compile(R"J({"StartAt":"D","States":{"D":{"Type":"Map","End":true,
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
      "StartAt":"I","States":{"I":{"Type":"Map","End":true,
        "ItemProcessor":{"StartAt":"J","States":{"J":{"Type":"Map","End":true,
          "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}}}}}}}})J");
  auto st = interp::make_execution("arn:aws:states:us-east-1:123456789012:execution:m:e",
                                   "arn:aws:states:us-east-1:123456789012:stateMachine:m", "m",
                                   "e", "arn:aws:iam::123456789012:role/r",
                                   "[[[1,2],[3]],[[4]]]", 0, 1);
  auto r = interp::step(*def, st, interp::ev_start{}, 0);
  CHECK(r.next.status == interp::exec_status::succeeded);
  CHECK(r.next.output == "[[[1,2],[3]],[[4]]]");
}
