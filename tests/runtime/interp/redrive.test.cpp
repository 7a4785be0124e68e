// ev_redrive: what a redrive keeps, re-runs and records (runner_redrive.cpp).
#include "interp_test_util.hpp"

#include <algorithm>
#include <set>

using namespace sc::interp;
using interp_test::compile;
using interp_test::execution;

namespace {

/// A Pass state that fails (States.Runtime) until the execution is
/// redriven: $$.Execution.RedriveTime exists only then.
std::string needs_redrive(const std::string& name, const std::string& tail) {
  return "\"" + name +
         "\":{\"Type\":\"Pass\",\"Parameters\":{\"t.$\":\"$$.Execution.RedriveTime\","
         "\"n.$\":\"$$.Execution.RedriveCount\",\"in.$\":\"$\"}," +
         tail + "}";
}

std::vector<std::string> types(const std::vector<sc::model::history_event>& ev) {
  std::vector<std::string> out;
  for (const auto& e : ev) out.push_back(e.type);
  return out;
}

size_t count(const std::vector<sc::model::history_event>& ev, const std::string& type) {
  return static_cast<size_t>(std::count_if(ev.begin(), ev.end(),
                                           [&](const auto& e) { return e.type == type; }));
}

}  // namespace

TEST_CASE("A redrive re-enters the failed state with its input; the history continues",
          "[interp][redrive]") {
  auto def = compile(R"({"StartAt":"A","States":{
    "A":{"Type":"Pass","Result":1,"ResultPath":"$.a","Next":"B"},)" +
                     needs_redrive("B", "\"End\":true") + "}}");
  auto r = step(*def, execution(R"({"x":1})"), ev_start{}, 1000);
  REQUIRE(r.next.status == exec_status::failed);
  REQUIRE_FALSE(r.next.redrive.empty());
  REQUIRE(redrive_refusal(r.next).empty());
  const int64_t last = r.events.back().id;

  auto d = step(*def, r.next, ev_redrive{"tok", 5000}, 6000);
  REQUIRE_FALSE(d.rejected);
  CHECK(d.redrive_ms == 5000);
  CHECK(d.next.status == exec_status::succeeded);
  CHECK(d.next.redrive_count == 1);
  CHECK(d.next.redrive.empty());
  REQUIRE(types(d.events) == std::vector<std::string>{"ExecutionRedriven", "PassStateEntered",
                                                      "PassStateExited", "ExecutionSucceeded"});
  CHECK(d.events[0].id == last + 1);
  CHECK(d.events[0].previous_id == last);
  CHECK(d.events[0].details == R"({"redriveCount":1})");
  CHECK(d.events[1].previous_id == d.events[0].id);
  CHECK(d.next.output ==
        R"({"t":"1970-01-01T00:00:05.000Z","n":1,"in":{"x":1,"a":1}})");

  SECTION("the same client token again: the same date, nothing changes") {
    auto again = step(*def, d.next, ev_redrive{"tok", 9000}, 9000);
    CHECK_FALSE(again.rejected);
    CHECK(again.redrive_ms == 5000);
    CHECK(again.events.empty());
  }
  SECTION("a new request: refused, SUCCEEDED") {
    auto again = step(*def, d.next, ev_redrive{"other", 9000}, 9000);
    CHECK(again.rejected);
    CHECK(again.not_redrivable == "Execution is SUCCEEDED and cannot be redriven");
  }
}

TEST_CASE("Redrive refusals", "[interp][redrive]") {
  auto def = compile(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"End":true}}})");
  auto r = step(*def, execution("{}"), ev_start{}, 0);
  auto d = step(*def, r.next, ev_redrive{}, 10);
  CHECK(d.rejected);
  CHECK(d.not_redrivable == "Execution is RUNNING and cannot be redriven");

  SECTION("Express executions (no history) keep nothing") {
    auto f = compile(R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}})");
    limits lim;
    lim.record_history = false;
    auto x = step(*f, execution("{}"), ev_start{}, 0, lim);
    CHECK(x.next.status == exec_status::failed);
    CHECK(x.next.redrive.empty());
    CHECK(redrive_refusal(x.next) == "Execution was started before the launch of RedriveExecution");
  }
  SECTION("history at the limit") {
    auto f = compile(R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}})");
    limits lim;
    lim.history_events = 4;  // ExecutionStarted, FailStateEntered, ExecutionFailed = 3
    auto x = step(*f, execution("{}"), ev_start{}, 0, lim);
    CHECK(redrive_refusal(x.next, lim) == "Execution history event limit exceeded");
  }
}

TEST_CASE("A Map with MaxConcurrency runs the failed iteration and the ones never started",
          "[interp][redrive][map]") {
  auto def = compile(R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,
    "ItemSelector":{"v.$":"$$.Map.Item.Value"},
    "ItemProcessor":{"StartAt":"C","States":{
      "C":{"Type":"Choice","Choices":[{"Variable":"$.v","NumericEquals":2,"Next":"Bad"}],
           "Default":"Good"},
      "Good":{"Type":"Pass","End":true},)" +
                     needs_redrive("Bad", "\"End\":true") + R"(}},"End":true}}})");
  auto r = step(*def, execution("[0,1,2,3,4]"), ev_start{}, 0);
  REQUIRE(r.next.status == exec_status::failed);
  auto d = step(*def, r.next, ev_redrive{}, 100);
  REQUIRE(d.next.status == exec_status::succeeded);
  std::vector<int64_t> started;
  for (const auto& e : d.events)
    if (e.type == "MapIterationStarted") {
      auto at = e.details.find("\"index\":");
      started.push_back(std::stoll(e.details.substr(at + 8)));
    }
  CHECK(started == std::vector<int64_t>{2, 3, 4});
  CHECK(d.next.output.find(R"({"v":0},{"v":1},{"t":)") != std::string::npos);
  CHECK(d.next.output.find(R"({"v":3},{"v":4}])") != std::string::npos);
  CHECK(count(d.events, "MapStateEntered") == 0);
  CHECK(count(d.events, "MapStateSucceeded") == 1);
}

TEST_CASE("A Map inside a Parallel: only the failed iteration of the failed branch runs again",
          "[interp][redrive][parallel]") {
  auto def = compile(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
    {"StartAt":"One","States":{"One":{"Type":"Pass","Result":"one","End":true}}},
    {"StartAt":"M","States":{"M":{"Type":"Map","ItemSelector":{"v.$":"$$.Map.Item.Value"},
      "ItemProcessor":{"StartAt":"C","States":{
        "C":{"Type":"Choice","Choices":[{"Variable":"$.v","NumericEquals":1,"Next":"Bad"}],
             "Default":"Good"},
        "Good":{"Type":"Pass","End":true},)" +
                     needs_redrive("Bad", "\"End\":true") + R"(}},"End":true}}}]}}})");
  auto r = step(*def, execution("[0,1,2]"), ev_start{}, 0);
  REQUIRE(r.next.status == exec_status::failed);
  auto d = step(*def, r.next, ev_redrive{}, 100);
  REQUIRE(d.next.status == exec_status::succeeded);
  CHECK(count(d.events, "PassStateEntered") == 2);  // Bad, then Good of item 2 (never started)
  CHECK(count(d.events, "ChoiceStateEntered") == 1);
  CHECK(count(d.events, "ParallelStateSucceeded") == 1);
  CHECK(count(d.events, "MapStateSucceeded") == 1);
  CHECK(d.next.output.substr(0, 14) == R"(["one",[{"v":0)");
}

TEST_CASE("A stopped execution: the running task is scheduled again with its input",
          "[interp][redrive]") {
  auto def = compile(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
    {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:a","End":true}}},
    {"StartAt":"Q","States":{"Q":{"Type":"Pass","Result":2,"End":true}}}]}}})");
  auto r = step(*def, execution(R"({"k":7})"), ev_start{}, 0);
  REQUIRE(r.next.status == exec_status::running);
  auto s = step(*def, r.next, ev_stop{}, 10);
  REQUIRE(s.next.status == exec_status::aborted);
  auto d = step(*def, s.next, ev_redrive{}, 20);
  REQUIRE(d.next.status == exec_status::running);
  const cmd_schedule_activity* sched = nullptr;
  for (const auto& c : d.commands)
    if (auto* p = std::get_if<cmd_schedule_activity>(&c)) sched = p;
  REQUIRE(sched);
  CHECK(sched->input == R"({"k":7})");
  CHECK(count(d.events, "TaskStateEntered") == 1);
  CHECK(count(d.events, "PassStateEntered") == 0);  // branch Q had succeeded
  auto done = step(*def, d.next, ev_task_succeeded{sched->task, "1"}, 30);
  CHECK(done.next.status == exec_status::succeeded);
  CHECK(done.next.output == "[1,2]");
}

TEST_CASE("A Parallel caught earlier does not come back: the later failed state runs",
          "[interp][redrive]") {
  auto def = compile(R"({"StartAt":"P","States":{
    "P":{"Type":"Parallel","Next":"After","Catch":[{"ErrorEquals":["States.ALL"],"Next":"After",
         "ResultPath":"$.err"}],"Branches":[
      {"StartAt":"F","States":{"F":{"Type":"Fail","Error":"X"}}}]},)" +
                     needs_redrive("After", "\"End\":true") + "}}");
  auto r = step(*def, execution("{}"), ev_start{}, 0);
  REQUIRE(r.next.status == exec_status::failed);
  auto d = step(*def, r.next, ev_redrive{}, 100);
  CHECK(d.next.status == exec_status::succeeded);
  CHECK(count(d.events, "FailStateEntered") == 0);
  CHECK(count(d.events, "PassStateEntered") == 1);
}

TEST_CASE("A Distributed Map: MapRunRedriven, the failed child execution continues",
          "[interp][redrive][map]") {
  auto def = compile(R"({"StartAt":"M","States":{"M":{"Type":"Map",
    "ItemSelector":{"v.$":"$$.Map.Item.Value"},
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
      "StartAt":"C","States":{
      "C":{"Type":"Choice","Choices":[{"Variable":"$.v","NumericEquals":1,"Next":"Bad"}],
           "Default":"Good"},
      "Good":{"Type":"Pass","End":true},)" +
                     needs_redrive("Bad", "\"End\":true") + R"(}},"End":true}}})");
  auto r = step(*def, execution("[0,1,2]"), ev_start{}, 0);
  REQUIRE(r.next.status == exec_status::failed);
  std::string failed_child;
  for (const auto& c : r.children)
    if (c.status == "FAILED") failed_child = c.arn;
  REQUIRE_FALSE(failed_child.empty());
  auto d = step(*def, r.next, ev_redrive{"", 100}, 100);
  REQUIRE(d.next.status == exec_status::succeeded);
  REQUIRE(d.events.size() >= 2);
  CHECK(d.events[1].type == "MapRunRedriven");
  CHECK(d.events[1].details.find("\"redriveCount\":1") != std::string::npos);
  CHECK(count(d.events, "MapIterationStarted") == 0);
  CHECK(count(d.events, "PassStateEntered") == 0);  // children's events are their own
  CHECK(count(d.events, "MapRunSucceeded") == 1);
  REQUIRE_FALSE(d.map_runs.empty());
  CHECK(d.map_runs.back().status == "SUCCEEDED");
  CHECK(d.map_runs.back().redrive_count == 1);
  CHECK(d.map_runs.back().executions.failed == 0);
  CHECK(d.map_runs.back().executions.succeeded == 3);
  const child_execution* again = nullptr;
  for (const auto& c : d.children)
    if (c.arn == failed_child) again = &c;
  REQUIRE(again);  // the same child execution, not a new one
  CHECK(again->status == "SUCCEEDED");
  REQUIRE_FALSE(again->events.empty());
  CHECK(again->events.front().type == "ExecutionRedriven");
  CHECK(again->events.front().details == R"({"redriveCount":1})");
  CHECK(again->events.back().type == "ExecutionSucceeded");
  CHECK(again->output.find("\"n\":1") != std::string::npos);  // the child's RedriveCount
}

TEST_CASE("A client token older than 15 minutes is a new request", "[interp][redrive]") {
  auto def = compile(R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}})");
  auto r = step(*def, execution("{}"), ev_start{}, 0);
  auto d1 = step(*def, r.next, ev_redrive{"t", 1000}, 1000);
  REQUIRE(d1.next.status == exec_status::failed);
  auto same = step(*def, d1.next, ev_redrive{"t", 1000 + 15 * 60 * 1000}, 0);
  CHECK(same.events.empty());
  CHECK(same.redrive_ms == 1000);
  auto later = step(*def, d1.next, ev_redrive{"t", 1001 + 15 * 60 * 1000}, 0);
  CHECK_FALSE(later.events.empty());
  CHECK(later.next.redrive_count == 2);
}

TEST_CASE("Tolerated failures of an earlier Map do not leak into a later Map's redrive",
          "[interp][redrive][map]") {
  const std::string proc = R"({"StartAt":"C","States":{
      "C":{"Type":"Choice","Choices":[{"Variable":"$.v","NumericEquals":1,"Next":"Bad"}],
           "Default":"Good"},
      "Good":{"Type":"Pass","End":true},
      "Bad":{"Type":"Fail","Error":"E"}}})";
  const std::string proc2 = R"({"StartAt":"C2","States":{
      "C2":{"Type":"Choice","Choices":[{"Variable":"$.v","NumericEquals":2,"Next":"Bad2"}],
           "Default":"Good2"},
      "Good2":{"Type":"Pass","End":true},)" +
                            needs_redrive("Bad2", "\"End\":true") + "}}";
  auto def = compile(R"({"StartAt":"M1","States":{
    "M1":{"Type":"Map","ToleratedFailureCount":1,"ItemSelector":{"v.$":"$$.Map.Item.Value"},
          "ItemProcessor":)" + proc + R"(,"ResultPath":null,"Next":"M2"},
    "M2":{"Type":"Map","ItemSelector":{"v.$":"$$.Map.Item.Value"},"ItemProcessor":)" +
                     proc2 + R"(,"End":true}}})");
  auto r = step(*def, execution("[0,1,2,3]"), ev_start{}, 0);
  REQUIRE(r.next.status == exec_status::failed);
  auto d = step(*def, r.next, ev_redrive{}, 100);
  REQUIRE(d.next.status == exec_status::succeeded);
  std::vector<std::string> started;
  for (const auto& e : d.events)
    if (e.type == "MapIterationStarted") started.push_back(e.details);
  REQUIRE(started.size() == 2);  // item 2 (failed) and item 3 (never started)
  CHECK(started[0].find("\"index\":2") != std::string::npos);
  CHECK(started[1].find("\"index\":3") != std::string::npos);
}

namespace {

/// A Distributed Map over batches of two: the batch starting with 0 fails
/// until the execution is redriven.
std::shared_ptr<const sc::asl::definition> batched_dmap() {
  return compile(R"({"StartAt":"M","States":{"M":{"Type":"Map",
    "ItemBatcher":{"MaxItemsPerBatch":2},
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
      "StartAt":"C","States":{
      "C":{"Type":"Choice","Choices":[{"Variable":"$.Items[0]","NumericEquals":0,"Next":"Bad"}],
           "Default":"Good"},
      "Good":{"Type":"Pass","End":true},)" +
                 needs_redrive("Bad", "\"End\":true") + R"(}},"End":true}}})");
}

}  // namespace

TEST_CASE("A redriven Map Run with an ItemBatcher: item counts stay exact; the child's redrives",
          "[interp][redrive][maprun]") {
  auto def = batched_dmap();
  auto r = step(*def, execution("[2,3,0,1,4]"), ev_start{}, 0);
  REQUIRE(r.next.status == exec_status::failed);
  REQUIRE_FALSE(r.map_runs.empty());
  const auto& f = r.map_runs.back();
  CHECK(f.status == "FAILED");
  CHECK(f.executions.total == 3);
  CHECK(f.executions.failed == 1);
  CHECK(f.items.total == 5);
  CHECK(f.items.failed == 2);
  CHECK(f.items.succeeded + f.items.aborted + f.items.pending == 3);
  std::string failed_child;
  for (const auto& c : r.children)
    if (c.status == "FAILED") {
      failed_child = c.arn;
      CHECK(c.redrive_count == 0);
      CHECK(c.redrive_ms == 0);
    }
  REQUIRE_FALSE(failed_child.empty());

  auto d = step(*def, r.next, ev_redrive{"", 100}, 100);
  REQUIRE(d.next.status == exec_status::succeeded);
  REQUIRE_FALSE(d.map_runs.empty());
  const auto& m = d.map_runs.back();
  CHECK(m.redrive_count == 1);
  CHECK(m.items.total == 5);
  CHECK(m.items.succeeded == 5);
  CHECK(m.items.failed == 0);
  CHECK(m.items.aborted == 0);
  CHECK(m.items.running == 0);
  CHECK(m.items.pending == 0);
  CHECK(m.executions.succeeded == 3);
  const child_execution* again = nullptr;
  for (const auto& c : d.children)
    if (c.arn == failed_child) again = &c;
  REQUIRE(again);
  CHECK(again->redrive_count == 1);
  CHECK(again->redrive_ms == 100);
}

TEST_CASE("A Map Run redriven 1,000 times fails its Map with States.Runtime",
          "[interp][redrive][maprun]") {
  auto def = batched_dmap();
  auto r = step(*def, execution("[0,1,2]"), ev_start{}, 0);
  REQUIRE(r.next.status == exec_status::failed);
  auto at_limit = r.next;
  bool found = false;
  for (auto& [id, t] : at_limit.redrive)
    if (!t.map_run_arn.empty()) {
      t.map_run_redrives = 1000;
      found = true;
    }
  REQUIRE(found);
  auto d = step(*def, at_limit, ev_redrive{"", 100}, 100);
  REQUIRE_FALSE(d.rejected);  // the parent is redriven; its Map fails again
  CHECK(d.next.status == exec_status::failed);
  CHECK(d.next.error == "States.Runtime");
  CHECK(d.next.cause.find("limit of 1000 redrives") != std::string::npos);
  CHECK(count(d.events, "MapRunRedriven") == 0);
  // One redrive short of the limit: redriven as usual.
  auto below = r.next;
  for (auto& [id, t] : below.redrive)
    if (!t.map_run_arn.empty()) t.map_run_redrives = 999;
  auto ok = step(*def, below, ev_redrive{"", 100}, 100);
  CHECK(ok.next.status == exec_status::succeeded);
  REQUIRE_FALSE(ok.map_runs.empty());
  CHECK(ok.map_runs.back().redrive_count == 1000);
}
