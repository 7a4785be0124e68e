// Validation of JSONata states and workflow variables (CreateStateMachine,
// ValidateStateMachineDefinition): AWS's messages and locations.
#include "tests/runtime/asl/asl_test_util.hpp"

using namespace asl_test;

namespace {
std::string jsonata_machine(std::string_view state_body) {
  return std::string(R"({"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{)") +
         std::string(state_body) + "}}}";
}
}  // namespace

TEST_CASE("A JSONata machine with expressions in every JSONata field compiles", "[asl][jsonata]") {
  auto def = parse_ok(R"({"QueryLanguage":"JSONata","StartAt":"P","States":{
    "P":{"Type":"Pass","Output":{"a":"{% $states.input.x %}","l":["{% 1 + 1 %}",2]},
         "Assign":{"v":"{% $states.input %}"},"Next":"W"},
    "W":{"Type":"Wait","Seconds":"{% 0 %}","Next":"C"},
    "C":{"Type":"Choice","Choices":[{"Condition":"{% $v.x = 1 %}","Next":"M",
         "Assign":{"w":1},"Output":"{% $states.input %}"}],"Default":"F"},
    "M":{"Type":"Map","Items":"{% [1,2,3] %}","MaxConcurrency":"{% 2 %}",
         "ItemSelector":{"i":"{% $states.context.Map.Item.Value %}"},
         "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},
         "Output":"{% $states.result %}","Next":"OK"},
    "OK":{"Type":"Succeed","Output":"{% $states.input %}"},
    "F":{"Type":"Fail","Error":"{% 'E' %}","Cause":"because"}}})");
  CHECK(def->uses_jsonata);
  CHECK(def->uses_variables);
  CHECK(def->root->states[0].jsonata);
}

TEST_CASE("JSONPath fields on a JSONata state are refused at the state", "[asl][jsonata]") {
  auto ds = problems(jsonata_machine(R"("Type":"Pass","InputPath":"$.a","ResultPath":"$.b","End":true)"));
  INFO(format_diagnostics(ds));
  CHECK(has(ds, kSchema,
            "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for "
            "the 'JSONPath' QueryLanguage",
            "/States/S"));
  CHECK(has(ds, kSchema,
            "The QueryLanguage is set to 'JSONata', but field 'ResultPath' is only supported for "
            "the 'JSONPath' QueryLanguage",
            "/States/S"));
}

TEST_CASE("A JSONata machine cannot hold a JSONPath state; a JSONPath machine can hold JSONata",
          "[asl][jsonata]") {
  REQUIRE_PROBLEM(jsonata_machine(R"("Type":"Pass","QueryLanguage":"JSONPath","End":true)"),
                  kSchema,
                  "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
                  "/States/S");
  auto def = parse_ok(one_state(R"("Type":"Pass","QueryLanguage":"JSONata","Output":"{% 1 %}","End":true)"));
  CHECK(def->root->states[0].jsonata);
}

TEST_CASE("An expression that does not compile is reported with JSONata's message",
          "[asl][jsonata]") {
  auto ds = problems(jsonata_machine(R"("Type":"Pass","Output":{"a":"{% 1 + %}"},"End":true)"));
  INFO(format_diagnostics(ds));
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].code == "INVALID_JSONATA_EXPRESSION");
  CHECK(ds[0].location == "/States/S/Output/a");
  CHECK(ds[0].message == "Unexpected end of expression");
}

TEST_CASE("$states.result and $states.errorOutput only where they exist", "[asl][jsonata]") {
  REQUIRE_PROBLEM(jsonata_machine(R"("Type":"Pass","Output":"{% $states.result %}","End":true)"),
                  "UNSUPPORTED_JSONATA_EXPRESSION", "Field '$states.result' does not exist.",
                  "/States/S/Output");
  REQUIRE_PROBLEM(
      jsonata_machine(R"("Type":"Pass","Output":"{% $states.errorOutput %}","End":true)"),
      "UNSUPPORTED_JSONATA_EXPRESSION", "Field '$states.errorOutput' does not exist.",
      "/States/S/Output");
  parse_ok(jsonata_machine(R"("Type":"Task","Resource":"arn:aws:states:us-east-1:1:activity:a",
      "Output":"{% $states.result %}","Catch":[{"ErrorEquals":["States.ALL"],"Next":"S",
      "Output":"{% $states.errorOutput %}","Assign":{"e":"{% $states.errorOutput.Error %}"}}],"End":true)"));
}

TEST_CASE("Strings that are not whole {% %} expressions are literals", "[asl][jsonata]") {
  parse_ok(jsonata_machine(R"("Type":"Pass","Output":{"a":"x {% 1 + %}","b":"{% 1 %} y"},"End":true)"));
}

TEST_CASE("Catch ResultPath and Choice comparisons are JSONPath-only", "[asl][jsonata]") {
  auto ds = problems(R"({"QueryLanguage":"JSONata","StartAt":"C","States":{
    "C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"Next":"E"}],"Default":"E"},
    "E":{"Type":"Succeed"}}})");
  INFO(format_diagnostics(ds));
  CHECK(has(ds, kSchema,
            "The QueryLanguage is set to 'JSONata', but field 'Variable' is only supported for the "
            "'JSONPath' QueryLanguage",
            "/States/C/Choices[0]"));
}

TEST_CASE("Variable names follow AWS's rules", "[asl][variables]") {
  auto ds = problems(one_state(R"("Type":"Pass","Assign":{"states":1,"a-b":2},"End":true)"));
  INFO(format_diagnostics(ds));
  CHECK(ds.size() == 2);
}

TEST_CASE("An inner scope cannot assign a name its outer scope assigns", "[asl][variables]") {
  auto ds = problems(R"({"StartAt":"A","States":{
    "A":{"Type":"Pass","Assign":{"x":1},"Next":"P"},
    "P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"B","States":{
      "B":{"Type":"Pass","Assign":{"x.$":"$","y":2},"End":true}}}]}}})");
  INFO(format_diagnostics(ds));
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].location == "/States/P/Branches[0]/States/B/Assign/x.$");
  // Siblings and the same scope may reuse a name.
  parse_ok(R"({"StartAt":"A","States":{
    "A":{"Type":"Pass","Assign":{"x":1},"Next":"B"},
    "B":{"Type":"Pass","Assign":{"x":2},"Next":"P"},
    "P":{"Type":"Parallel","End":true,"Branches":[
      {"StartAt":"B1","States":{"B1":{"Type":"Pass","Assign":{"y":1},"End":true}}},
      {"StartAt":"B2","States":{"B2":{"Type":"Pass","Assign":{"y":2},"End":true}}}]}}})");
}
