// Distributed Map as Map Runs: what `step` outputs for the stores (Map Run
// records, child executions with their own histories), UpdateMapRun, and
// stopping the parent (runtime/interp/map_run.hpp, state_map_run.cpp).
#include "runtime/asl/parse.hpp"
#include "runtime/interp/map_run.hpp"
#include "runtime/interp/step.hpp"

#include <catch2/catch.hpp>

using namespace sc;

namespace {

std::shared_ptr<const asl::definition> compile(const std::string& text) {
  auto r = asl::parse(text);
  if (!r.def) FAIL(asl::format_diagnostics(r.diagnostics));
  return r.def;
}

const char* parent_arn = "arn:aws:states:us-east-1:123456789012:execution:m:e";

interp::execution_state fresh(const std::string& input) {
  return interp::make_execution(parent_arn, "arn:aws:states:us-east-1:123456789012:stateMachine:m",
                                "m", "e", "arn:aws:iam::123456789012:role/r", input, 1000, 7);
}

std::string dmap(const std::string& processor_states, const std::string& start,
                 const std::string& extra = "", const char* type = "STANDARD") {
  return std::string(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",)") +
         extra + R"("Label":"L","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED",)" +
         R"("ExecutionType":")" + type + R"("},"StartAt":")" + start + R"(","States":)" +
         processor_states + R"(},"End":true}}})";
}

std::vector<std::string> types(const std::vector<model::history_event>& events) {
  std::vector<std::string> out;
  for (auto& e : events) out.push_back(e.type);
  return out;
}

}  // namespace

TEST_CASE("Map Run and child ids carry the parent's placement", "[interp][maprun]") {
  uint64_t h = interp::placement_hash(parent_arn);
  std::string id = interp::placed_uuid(0x123456789abcdefull, 0xfedcba9876543210ull, h);
  REQUIRE(id.size() == 36);
  CHECK(id[14] == '4');
  CHECK((id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b'));
  auto arn = "arn:aws:states:us-east-1:123456789012:mapRun:m/L:" + id;
  CHECK(interp::embedded_placement(arn) == h);
  CHECK(interp::embedded_placement("arn:aws:states:us-east-1:123456789012:execution:m/L:" + id +
                                   ":" + id) == h);
  CHECK_FALSE(interp::embedded_placement(parent_arn));
  CHECK_FALSE(interp::embedded_placement("arn:aws:states:us-east-1:123456789012:mapRun:m/L:x"));
  CHECK(interp::labelled_machine_arn(arn) ==
        "arn:aws:states:us-east-1:123456789012:stateMachine:m/L");
}

TEST_CASE("A Distributed Map's step outputs its Map Run and each child with its history",
          "[interp][maprun]") {
  auto def = compile(dmap(R"({"P":{"Type":"Pass","End":true}})", "P"));
  auto r = interp::step(*def, fresh(R"({"items":[1,2,3]})"), interp::ev_start{}, 2000);
  REQUIRE(r.next.status == interp::exec_status::succeeded);
  REQUIRE(r.map_runs.size() == 1);
  const auto& run = r.map_runs[0];
  CHECK(run.status == "SUCCEEDED");
  CHECK(run.execution_arn == parent_arn);
  CHECK(run.label == "L");
  CHECK(run.machine_arn == "arn:aws:states:us-east-1:123456789012:stateMachine:m/L");
  CHECK(run.items.total == 3);
  CHECK(run.items.succeeded == 3);
  CHECK(run.items.pending == 0);
  CHECK(run.items.running == 0);
  CHECK((run.start_ms == 2000 && run.stop_ms == 2000));
  REQUIRE(r.children.size() == 3);
  for (const auto& c : r.children) {
    CHECK(c.status == "SUCCEEDED");
    CHECK(c.map_run_arn == run.arn);
    CHECK(c.arn.rfind("arn:aws:states:us-east-1:123456789012:execution:m/L:", 0) == 0);
    CHECK(interp::embedded_placement(c.arn) == interp::placement_hash(parent_arn));
    CHECK(c.output == c.input);
    CHECK(types(c.events) == std::vector<std::string>{"ExecutionStarted", "PassStateEntered",
                                                      "PassStateExited", "ExecutionSucceeded"});
    for (size_t i = 0; i < c.events.size(); ++i) {
      CHECK(c.events[i].id == int64_t(i + 1));
      CHECK(c.events[i].previous_id == int64_t(i));
    }
  }
  // The parent's own history has the Map Run events only.
  CHECK(types(r.events) == std::vector<std::string>{
                               "ExecutionStarted", "MapStateEntered", "MapStateStarted",
                               "MapRunStarted", "MapRunSucceeded", "MapStateSucceeded",
                               "MapStateExited", "ExecutionSucceeded"});
}

TEST_CASE("Express children have records but no history events", "[interp][maprun]") {
  auto def = compile(dmap(R"({"P":{"Type":"Pass","End":true}})", "P", "", "EXPRESS"));
  auto r = interp::step(*def, fresh(R"({"items":[1,2]})"), interp::ev_start{}, 0);
  REQUIRE(r.children.size() == 2);
  for (const auto& c : r.children) {
    CHECK(c.express);
    CHECK(c.arn.find(":express:m/L:") != std::string::npos);
    CHECK(c.events.empty());
    CHECK(c.status == "SUCCEEDED");
  }
  CHECK(r.map_runs.at(0).express);
}

TEST_CASE("UpdateMapRun raises the concurrency at once; stop aborts the Map Run",
          "[interp][maprun]") {
  auto def = compile(dmap(R"({"W":{"Type":"Wait","Seconds":100,"End":true}})", "W",
                          R"("MaxConcurrency":1,)"));
  auto r = interp::step(*def, fresh(R"({"items":[1,2,3,4]})"), interp::ev_start{}, 0);
  REQUIRE(r.map_runs.size() == 1);
  const std::string run = r.map_runs[0].arn;
  CHECK(r.map_runs[0].items.running == 1);
  CHECK(r.map_runs[0].items.pending == 3);
  CHECK(r.children.size() == 1);
  CHECK(types(r.children[0].events) ==
        std::vector<std::string>{"ExecutionStarted", "WaitStateEntered"});
  auto u = interp::step(*def, r.next, interp::ev_update_map_run{run, 3, 2, 25.5}, 10);
  REQUIRE(u.map_runs.size() == 1);
  CHECK(u.map_runs[0].max_concurrency == 3);
  CHECK(u.map_runs[0].tolerated_count == 2);
  CHECK(u.map_runs[0].tolerated_percentage == 25.5);
  CHECK(u.map_runs[0].items.running == 3);
  CHECK(u.map_runs[0].items.pending == 1);
  CHECK(u.children.size() == 2);  // the two started now
  CHECK(u.events.empty());        // nothing in the parent's history
  // An unknown Map Run changes nothing.
  auto none = interp::step(*def, u.next, interp::ev_update_map_run{run + "x", 9, -1, -1}, 20);
  CHECK(none.map_runs.empty());
  auto s = interp::step(*def, u.next, interp::ev_stop{}, 30);
  REQUIRE(s.map_runs.size() == 1);
  CHECK(s.map_runs[0].status == "ABORTED");
  CHECK(s.map_runs[0].items.aborted == 3);
  CHECK(s.map_runs[0].items.pending == 1);
  CHECK(s.map_runs[0].items.running == 0);
  REQUIRE(s.children.size() == 3);
  for (const auto& c : s.children) {
    CHECK(c.status == "ABORTED");
    CHECK(c.events.back().type == "ExecutionAborted");
  }
  CHECK(types(s.events) == std::vector<std::string>{"MapRunAborted", "MapStateAborted",
                                                    "ExecutionAborted"});
}

TEST_CASE("An inline Map after a Distributed Map in the same thread writes no Map Run",
          "[interp][maprun]") {
  auto def = compile(R"J({"StartAt":"D","States":{
    "D":{"Type":"Map","ItemsPath":"$.items","ResultPath":null,"Next":"I","ItemProcessor":{
      "ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
      "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}},
    "I":{"Type":"Map","ItemsPath":"$.items","End":true,"ItemProcessor":{
      "StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"End":true}}}}}})J");
  auto r = interp::step(*def, fresh(R"({"items":[1,2]})"), interp::ev_start{}, 0);
  REQUIRE(r.map_runs.size() == 1);
  CHECK(r.map_runs[0].status == "SUCCEEDED");
  CHECK(r.map_runs[0].items.succeeded == 2);
  int64_t timer = r.next.timers.begin()->first;
  auto t = interp::step(*def, r.next, interp::ev_timer{timer}, 5000);
  CHECK(t.map_runs.empty());
  CHECK(t.children.empty());
}

TEST_CASE("Stopping a child aborts it; beyond the tolerance the Map Run fails",
          "[interp][maprun]") {
  auto def = compile(dmap(R"({"W":{"Type":"Wait","Seconds":100,"End":true}})", "W",
                          R"("MaxConcurrency":2,"ToleratedFailureCount":1,)"));
  auto r = interp::step(*def, fresh(R"({"items":[1,2,3,4]})"), interp::ev_start{}, 0);
  REQUIRE(r.children.size() == 2);
  std::string first = r.children[0].arn, second = r.children[1].arn;
  auto s1 = interp::step(*def, r.next, interp::ev_stop_child{first, "E", "C", true, true}, 10);
  REQUIRE(s1.map_runs.size() == 1);
  CHECK(s1.map_runs[0].status == "RUNNING");
  CHECK(s1.map_runs[0].items.aborted == 1);
  CHECK(s1.map_runs[0].items.running == 2);  // the third item started
  REQUIRE(s1.children.size() == 2);
  CHECK(s1.children[0].status == "ABORTED");
  CHECK(s1.children[0].error == "E");
  CHECK(s1.children[0].events.back().type == "ExecutionAborted");
  CHECK(s1.children[0].events.back().details == R"({"error":"E","cause":"C"})");
  auto s2 = interp::step(*def, s1.next, interp::ev_stop_child{second, "", "", false, false}, 20);
  REQUIRE(s2.map_runs.size() == 1);
  CHECK(s2.map_runs[0].status == "FAILED");
  CHECK(s2.map_runs[0].items.aborted == 3);  // the stopped one and the one still running
  CHECK(s2.map_runs[0].items.pending == 1);
  CHECK(s2.next.status == interp::exec_status::failed);
  CHECK(s2.next.error == "States.ExceedToleratedFailureThreshold");
  // A stopped or unknown child changes nothing.
  auto none = interp::step(*def, s1.next, interp::ev_stop_child{first, "", "", false, false}, 30);
  CHECK(none.map_runs.empty());
  CHECK(none.children.empty());
}

TEST_CASE("A Distributed Map inside a child execution is that child's Map Run",
          "[interp][maprun]") {
  auto def = compile(R"J({"StartAt":"D","States":{
    "D":{"Type":"Map","ItemsPath":"$.items","End":true,"ItemProcessor":{
      "ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
      "StartAt":"N","States":{"N":{"Type":"Map","ItemsPath":"$.inner","End":true,"Label":"In",
        "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
          "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}}}}})J");
  auto r = interp::step(*def, fresh(R"({"items":[{"inner":[1,2]}]})"), interp::ev_start{}, 0);
  REQUIRE(r.next.status == interp::exec_status::succeeded);
  REQUIRE(r.map_runs.size() == 2);
  const interp::map_run_record* outer = nullptr;
  const interp::map_run_record* inner = nullptr;
  for (auto& m : r.map_runs) (m.label == "In" ? inner : outer) = &m;
  REQUIRE((outer && inner));
  CHECK(outer->execution_arn == parent_arn);
  REQUIRE(r.children.size() == 3);
  const interp::child_execution* outer_child = nullptr;
  for (auto& c : r.children)
    if (c.map_run_arn == outer->arn) outer_child = &c;
  REQUIRE(outer_child);
  CHECK(inner->execution_arn == outer_child->arn);
  CHECK(inner->items.succeeded == 2);
  // The outer child's history shows the inner Map Run's events.
  std::vector<std::string> t = types(outer_child->events);
  CHECK(std::find(t.begin(), t.end(), "MapRunStarted") != t.end());
  CHECK(t.back() == "ExecutionSucceeded");
}

TEST_CASE("With an ItemBatcher itemCounts count items, executionCounts child executions",
          "[interp][maprun]") {
  auto def = compile(dmap(R"({"W":{"Type":"Wait","Seconds":10,"End":true}})", "W",
                          R"("MaxConcurrency":1,"ItemBatcher":{"MaxItemsPerBatch":2},)"));
  auto r = interp::step(*def, fresh(R"({"items":[1,2,3,4,5]})"), interp::ev_start{}, 0);
  REQUIRE(r.map_runs.size() == 1);
  const auto& e0 = r.map_runs[0].executions;
  const auto& i0 = r.map_runs[0].items;
  CHECK(e0.total == 3);
  CHECK(e0.running == 1);
  CHECK(e0.pending == 2);
  CHECK(i0.total == 5);
  CHECK(i0.running == 2);
  CHECK(i0.pending == 3);
  auto s1 = interp::step(*def, r.next, interp::ev_timer{r.next.timers.begin()->first}, 10000);
  REQUIRE(s1.map_runs.size() == 1);
  CHECK(s1.map_runs[0].executions.succeeded == 1);
  CHECK(s1.map_runs[0].executions.running == 1);
  CHECK(s1.map_runs[0].items.succeeded == 2);
  CHECK(s1.map_runs[0].items.running == 2);
  CHECK(s1.map_runs[0].items.pending == 1);
  auto s2 = interp::step(*def, s1.next, interp::ev_timer{s1.next.timers.begin()->first}, 20000);
  CHECK(s2.map_runs[0].items.succeeded == 4);
  CHECK(s2.map_runs[0].items.running == 1);  // the last batch holds one item
  CHECK(s2.map_runs[0].items.pending == 0);
  auto s3 = interp::step(*def, s2.next, interp::ev_timer{s2.next.timers.begin()->first}, 30000);
  REQUIRE(s3.next.status == interp::exec_status::succeeded);
  CHECK(s3.map_runs[0].status == "SUCCEEDED");
  CHECK(s3.map_runs[0].items.succeeded == 5);
  CHECK(s3.map_runs[0].items.running == 0);
  CHECK(s3.map_runs[0].executions.succeeded == 3);
  CHECK(s3.map_runs[0].items.total == 5);
}

TEST_CASE("With an ItemBatcher a failed batch fails every item in it", "[interp][maprun]") {
  // Batch 0 is [1,2] and fails, batches 1 and 2 ([3,4], [5]) succeed: one
  // failed batch of two items is within ToleratedFailureCount 2.
  auto def = compile(dmap(R"({"C":{"Type":"Choice","Choices":[
      {"Variable":"$.Items[0]","NumericEquals":1,"Next":"Bad"}],"Default":"Good"},
      "Good":{"Type":"Pass","End":true},"Bad":{"Type":"Fail","Error":"E"}})",
                          "C", R"("ToleratedFailureCount":2,"ItemBatcher":{"MaxItemsPerBatch":2},)"));
  auto r = interp::step(*def, fresh(R"({"items":[1,2,3,4,5]})"), interp::ev_start{}, 0);
  REQUIRE(r.next.status == interp::exec_status::succeeded);
  REQUIRE(r.map_runs.size() == 1);
  CHECK(r.map_runs[0].items.failed == 2);
  CHECK(r.map_runs[0].items.succeeded == 3);
  CHECK(r.map_runs[0].executions.failed == 1);
  CHECK(r.map_runs[0].executions.succeeded == 2);
}
