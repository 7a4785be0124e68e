// The input side of a Distributed Map (runtime/interp/map_items.cpp):
// ItemBatcher batches, ItemReader/ResultWriter failing at run time, and
// failure thresholds counted in items.
#include "runtime/asl/parse.hpp"
#include "runtime/interp/simulate.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace sc;

namespace {

interp::simulation run(const std::string& definition, const std::string& input) {
  auto r = asl::parse(definition);
  INFO(asl::format_diagnostics(r.diagnostics));
  REQUIRE(r.def);
  auto sim = interp::simulate(*r.def, input, {});
  INFO(sim.problem);
  REQUIRE(sim.problem.empty());
  return sim;
}

// A Distributed Map named M whose iterations run `processor_states`
// (starting at P), with `fields` added to the Map state.
std::string distributed(const std::string& fields, const std::string& processor_states,
                        const std::string& query_language = "") {
  return R"({)" + query_language + R"("StartAt":"M","States":{"M":{"Type":"Map","End":true,)" +
         fields + R"("ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
      "StartAt":"P","States":{)" + processor_states + "}}}}}";
}

const std::string kEcho = R"("P":{"Type":"Pass","End":true})";

}  // namespace

TEST_CASE("ItemBatcher gives each iteration {BatchInput, Items} with MaxItemsPerBatch items",
          "[interp][map][batch]") {
  auto sim = run(distributed(R"("ItemsPath":"$.items",
      "ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"k":"v","n.$":"$.n"}},)",
                             kEcho),
                 R"({"n":7,"items":[1,2,3,4,5]})");
  REQUIRE(sim.state.status == interp::exec_status::succeeded);
  CHECK(sim.state.output ==
        R"([{"BatchInput":{"k":"v","n":7},"Items":[1,2]},)"
        R"({"BatchInput":{"k":"v","n":7},"Items":[3,4]},)"
        R"({"BatchInput":{"k":"v","n":7},"Items":[5]}])");
}

TEST_CASE("Without BatchInput a batch is only {Items}", "[interp][map][batch]") {
  auto sim = run(distributed(R"("ItemBatcher":{"MaxItemsPerBatch":3},)", kEcho), "[1,2,3,4]");
  REQUIRE(sim.state.status == interp::exec_status::succeeded);
  CHECK(sim.state.output == R"([{"Items":[1,2,3]},{"Items":[4]}])");
}

TEST_CASE("ItemSelector applies to each item before batching, with the item's own index",
          "[interp][map][batch]") {
  auto sim = run(distributed(R"("ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},
      "ItemBatcher":{"MaxItemsPerBatch":2},)",
                             kEcho),
                 R"(["a","b","c"])");
  REQUIRE(sim.state.status == interp::exec_status::succeeded);
  CHECK(sim.state.output == R"([{"Items":[{"v":"a","i":0},{"v":"b","i":1}]},)"
                            R"({"Items":[{"v":"c","i":2}]}])");
}

TEST_CASE("MaxInputBytesPerBatch closes a batch before the item that would not fit",
          "[interp][map][batch]") {
  // {"Items":["aaaa","bbbb"]} is 25 bytes; a third item would make it 32.
  auto sim = run(distributed(R"("ItemBatcher":{"MaxInputBytesPerBatch":25},)", kEcho),
                 R"(["aaaa","bbbb","cccc","dddddddddddddddddddddddddddddd"])");
  REQUIRE(sim.state.status == interp::exec_status::succeeded);
  CHECK(sim.state.output ==
        R"([{"Items":["aaaa","bbbb"]},{"Items":["cccc"]},{"Items":["dddddddddddddddddddddddddddddd"]}])");
  // Both limits: whichever closes the batch first.
  auto both = run(distributed(R"("ItemBatcher":{"MaxInputBytesPerBatch":1000,"MaxItemsPerBatch":1},)",
                              kEcho),
                  "[1,2]");
  CHECK(both.state.output == R"([{"Items":[1]},{"Items":[2]}])");
}

TEST_CASE("MaxItemsPerBatchPath and MaxInputBytesPerBatchPath read the state input",
          "[interp][map][batch]") {
  auto def = distributed(R"("ItemsPath":"$.items","ItemBatcher":{"MaxItemsPerBatchPath":"$.size",
      "MaxInputBytesPerBatchPath":"$.bytes"},)",
                         kEcho);
  auto ok = run(def, R"({"size":2,"bytes":1000,"items":[1,2,3]})");
  REQUIRE(ok.state.status == interp::exec_status::succeeded);
  CHECK(ok.state.output == R"([{"Items":[1,2]},{"Items":[3]}])");

  auto not_int = run(def, R"({"size":"two","bytes":1000,"items":[1]})");
  CHECK(not_int.state.status == interp::exec_status::failed);
  CHECK(not_int.state.error == "States.Runtime");
  CHECK(not_int.state.cause.find("The MaxItemsPerBatchPath field refers to value \"two\" which is "
                                 "not a valid integer: $.size") != std::string::npos);

  auto zero = run(def, R"({"size":0,"bytes":1000,"items":[1]})");
  CHECK(zero.state.error == "States.Runtime");
  CHECK(zero.state.cause.find("MaxItemsPerBatchPath") != std::string::npos);

  auto too_big = run(def, R"({"size":1,"bytes":262145,"items":[1]})");
  CHECK(too_big.state.error == "States.Runtime");
  CHECK(too_big.state.cause.find("MaxInputBytesPerBatchPath") != std::string::npos);

  auto missing = run(def, R"({"bytes":1000,"items":[1]})");
  CHECK(missing.state.error == "States.Runtime");
}

TEST_CASE("JSONata ItemBatcher: expressions for the limits and BatchInput",
          "[interp][map][batch][jsonata]") {
  auto def = distributed(R"("Items":"{% $states.input.items %}",
      "ItemSelector":{"x":"{% $states.context.Map.Item.Value * 10 %}"},
      "ItemBatcher":{"MaxItemsPerBatch":"{% $states.input.size %}",
                     "BatchInput":{"total":"{% $count($states.input.items) %}"}},)",
                         kEcho, R"("QueryLanguage":"JSONata",)");
  auto sim = run(def, R"({"size":2,"items":[1,2,3]})");
  REQUIRE(sim.state.status == interp::exec_status::succeeded);
  CHECK(sim.state.output == R"([{"BatchInput":{"total":3},"Items":[{"x":10},{"x":20}]},)"
                            R"({"BatchInput":{"total":3},"Items":[{"x":30}]}])");

  auto bad = run(def, R"({"size":0,"items":[1]})");
  CHECK(bad.state.status == interp::exec_status::failed);
  CHECK(bad.state.error == "States.QueryEvaluationError");
}

TEST_CASE("An ItemReader fails at run time with States.ItemReaderFailed",
          "[interp][map][reader]") {
  const std::string reader = R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"b","Key":"k.json"}},)";
  auto sim = run(distributed(reader, kEcho), "{}");
  CHECK(sim.state.status == interp::exec_status::failed);
  CHECK(sim.state.error == "States.ItemReaderFailed");
  CHECK(sim.state.cause.find("arn:aws:states:::s3:getObject") != std::string::npos);
  std::vector<std::string> types;
  for (const auto& e : sim.history) types.push_back(e.type);
  CHECK(types == std::vector<std::string>{"ExecutionStarted", "MapStateEntered", "MapStateFailed",
                                          "ExecutionFailed"});

}

TEST_CASE("ItemReader and ResultWriter errors go through Retry and Catch",
          "[interp][map][reader]") {
  auto def = R"({"StartAt":"M","States":{
    "M":{"Type":"Map","Next":"After",
      "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b","Prefix":"p"}},
      "Catch":[{"ErrorEquals":["States.ResultWriterFailed"],"ResultPath":"$.err","Next":"Caught"}],
      "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},
        "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}},
    "After":{"Type":"Succeed"},
    "Caught":{"Type":"Pass","OutputPath":"$.err.Error","End":true}}})";
  auto sim = run(def, "{}");
  REQUIRE(sim.state.status == interp::exec_status::succeeded);
  CHECK(sim.state.output == R"("States.ResultWriterFailed")");
}

// An iteration fails when its (first) item is negative.
const std::string kFailNegative =
    R"("P":{"Type":"Choice","Choices":[{"Variable":"$","NumericLessThan":0,"Next":"F"}],"Default":"S"},
       "F":{"Type":"Fail","Error":"Neg"},"S":{"Type":"Succeed"})";
const std::string kFailNegativeBatch =
    R"("P":{"Type":"Choice","Choices":[{"Variable":"$.Items[0]","NumericLessThan":0,"Next":"F"}],"Default":"S"},
       "F":{"Type":"Fail","Error":"Neg"},"S":{"Type":"Succeed"})";

TEST_CASE("Failure thresholds: exceeded when failures pass either the count or the percentage",
          "[interp][map][tolerated]") {
  // 1 failure of 10 items: 10 % — within a 50 % tolerance, past a count of 0.
  const std::string input = "[-1,1,2,3,4,5,6,7,8,9]";
  auto count_only = run(distributed(R"("ToleratedFailureCount":1,)", kFailNegative), input);
  CHECK(count_only.state.status == interp::exec_status::succeeded);
  auto pct_only = run(distributed(R"("ToleratedFailurePercentage":10,)", kFailNegative), input);
  CHECK(pct_only.state.status == interp::exec_status::succeeded);
  auto pct_below = run(distributed(R"("ToleratedFailurePercentage":9.9,)", kFailNegative), input);
  CHECK(pct_below.state.status == interp::exec_status::failed);
  CHECK(pct_below.state.error == "States.ExceedToleratedFailureThreshold");
  // Both set: the count is exceeded though the percentage is not.
  auto both = run(distributed(R"("ToleratedFailureCount":0,"ToleratedFailurePercentage":50,)",
                              kFailNegative),
                  input);
  CHECK(both.state.status == interp::exec_status::failed);
  CHECK(both.state.error == "States.ExceedToleratedFailureThreshold");
  auto both_ok = run(distributed(R"("ToleratedFailureCount":1,"ToleratedFailurePercentage":50,)",
                                 kFailNegative),
                     input);
  CHECK(both_ok.state.status == interp::exec_status::succeeded);
}

TEST_CASE("A failed batch counts every item in it against the thresholds",
          "[interp][map][tolerated][batch]") {
  // Batches [-1,1] and [2,3]: the first fails, so 2 of 4 items failed.
  const std::string input = "[-1,1,2,3]";
  auto count1 = run(distributed(R"("ItemBatcher":{"MaxItemsPerBatch":2},"ToleratedFailureCount":1,)",
                                kFailNegativeBatch),
                    input);
  CHECK(count1.state.status == interp::exec_status::failed);
  CHECK(count1.state.error == "States.ExceedToleratedFailureThreshold");
  auto count2 = run(distributed(R"("ItemBatcher":{"MaxItemsPerBatch":2},"ToleratedFailureCount":2,)",
                                kFailNegativeBatch),
                    input);
  CHECK(count2.state.status == interp::exec_status::succeeded);
  // Batches [-1,1,2] and [3]: 3 of 4 items (75 %) failed, though only 1 of
  // the 2 iterations (50 %) did.
  auto pct = run(distributed(R"("ItemBatcher":{"MaxItemsPerBatch":3},"ToleratedFailurePercentage":50,)",
                             kFailNegativeBatch),
                 input);
  CHECK(pct.state.status == interp::exec_status::failed);
  auto pct75 = run(distributed(R"("ItemBatcher":{"MaxItemsPerBatch":3},"ToleratedFailurePercentage":75,)",
                               kFailNegativeBatch),
                   input);
  CHECK(pct75.state.status == interp::exec_status::succeeded);
}
