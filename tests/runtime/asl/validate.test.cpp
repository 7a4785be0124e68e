// Static validation: each rule produces AWS's code, message and location,
// every problem is collected, and the InvalidDefinition message renders as
// AWS renders it.
#include "tests/runtime/asl/asl_test_util.hpp"

using namespace sc::asl;
using asl_test::has;
using asl_test::kSchema;
using asl_test::kTarget;
using asl_test::one_state;
using asl_test::problems;

// ---- the document -----------------------------------------------------------

TEST_CASE("Invalid JSON is reported as INVALID_JSON_DESCRIPTION with a line and column",
          "[asl][validate]") {
  auto ds = problems("{\n  \"StartAt\": \"A\",\n  oops }");
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].code == "INVALID_JSON_DESCRIPTION");
  CHECK_FALSE(ds[0].message.empty());
  CHECK(ds[0].location.starts_with("[Source: (String)\"{"));
  CHECK(ds[0].location.ends_with("; line: 3, column: 3]"));
}

TEST_CASE("Trailing garbage after the definition is invalid JSON", "[asl][validate]") {
  auto ds = problems(R"({"StartAt":"S","States":{"S":{"Type":"Succeed"}}} x)");
  CHECK(ds[0].code == "INVALID_JSON_DESCRIPTION");
}

TEST_CASE("The echoed source of a JSON error is truncated like AWS's parser does",
          "[asl][validate]") {
  std::string text = "[" + std::string(600, ' ') + "x";
  auto ds = problems(text);
  CHECK(ds[0].location.find("[truncated 102 chars]") != std::string::npos);
}

TEST_CASE("An empty or non-object definition must be a JSON object", "[asl][validate]") {
  for (const char* text : {"", "   \n", "[]", "42", "\"x\"", "null"}) {
    INFO(text);
    auto ds = problems(text);
    REQUIRE(ds.size() == 1);
    CHECK(ds[0].code == kSchema);
    CHECK(ds[0].message == "Definition must be a valid JSON object");
    CHECK(ds[0].location.empty());
  }
}

TEST_CASE("Extremely deep nesting is refused without recursing", "[asl][validate]") {
  std::string deep = R"({"StartAt":"S","States":{"S":{"Type":"Pass","Result":)" +
                     std::string(100000, '[') + std::string(100000, ']') + R"(,"End":true}}})";
  auto ds = problems(deep);
  CHECK(ds[0].code == "INVALID_JSON_DESCRIPTION");
}

// ---- top level ----------------------------------------------------------------

TEST_CASE("StartAt and States are required at the top level", "[asl][validate]") {
  REQUIRE_PROBLEM("{}", kSchema, "These fields are required: [States, StartAt]", "/");
  REQUIRE_PROBLEM(R"({"States":{"S":{"Type":"Succeed"}}})", kSchema,
                  "These fields are required: [StartAt]", "/");
}

TEST_CASE("Unknown top-level fields are not supported", "[asl][validate]") {
  REQUIRE_PROBLEM(R"({"Coment":"x","StartAt":"S","States":{"S":{"Type":"Succeed"}}})", kSchema,
                  "Field 'Coment' is not supported", "/");
}

TEST_CASE("Top-level fields have types and ranges", "[asl][validate]") {
  REQUIRE_PROBLEM(R"({"StartAt":5,"States":{"S":{"Type":"Succeed"}}})", kSchema,
                  "Expected value of type [STRING]", "/StartAt");
  REQUIRE_PROBLEM(R"({"StartAt":"S","States":[]})", kSchema, "Expected value of type [OBJECT]",
                  "/States");
  REQUIRE_PROBLEM(R"({"StartAt":"S","States":{}})", kSchema, "Value cannot be empty", "/States");
  REQUIRE_PROBLEM(R"({"Comment":1,"StartAt":"S","States":{"S":{"Type":"Succeed"}}})", kSchema,
                  "Expected value of type [STRING]", "/Comment");
  REQUIRE_PROBLEM(R"({"TimeoutSeconds":0,"StartAt":"S","States":{"S":{"Type":"Succeed"}}})",
                  kSchema, "Minimum value is 1", "/TimeoutSeconds");
  REQUIRE_PROBLEM(R"({"TimeoutSeconds":1.5,"StartAt":"S","States":{"S":{"Type":"Succeed"}}})",
                  kSchema, "Expected value of type [INTEGER]", "/TimeoutSeconds");
  REQUIRE_PROBLEM(R"({"Version":"2.0","StartAt":"S","States":{"S":{"Type":"Succeed"}}})", kSchema,
                  "Value should be one of the following: [1.0]", "/Version");
}

TEST_CASE("QueryLanguage must name a known language", "[asl][validate]") {
  REQUIRE_PROBLEM(R"({"QueryLanguage":"jsonpath","StartAt":"S","States":{"S":{"Type":"Succeed"}}})",
                  kSchema, "Value should be one of the following: [JSONPath, JSONata]",
                  "/QueryLanguage");
  REQUIRE_PROBLEM(one_state(R"("Type":"Succeed","QueryLanguage":5)"), kSchema,
                  "Expected value of type [STRING]", "/States/S/QueryLanguage");
}

// ---- states -------------------------------------------------------------------

TEST_CASE("A state needs a known Type", "[asl][validate]") {
  REQUIRE_PROBLEM(one_state(R"("End":true)"), kSchema, "These fields are required: [Type]",
                  "/States/S");
  REQUIRE_PROBLEM(one_state(R"("Type":"Sleep","End":true)"), kSchema,
                  "The field 'Type' should have one of these values: "
                  "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]",
                  "/States/S/Type");
  REQUIRE_PROBLEM(R"({"StartAt":"S","States":{"S":[]}})", kSchema,
                  "Expected value of type [OBJECT]", "/States/S");
}

TEST_CASE("A state with a bad Type still contributes its transitions", "[asl][validate]") {
  auto ds = problems(R"({"StartAt":"A","States":{"A":{"Type":"Nope","Next":"B"},
                                                 "B":{"Type":"Succeed"}}})");
  REQUIRE(ds.size() == 1);  // no "B is not reachable"
}

TEST_CASE("Non-terminal states need exactly one of Next and End", "[asl][validate]") {
  REQUIRE_PROBLEM(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B","End":true},
                                             "B":{"Type":"Succeed"}}})",
                  kSchema, "There should only be one of the following fields: [Next, End]",
                  "/States/A");
  REQUIRE_PROBLEM(one_state(R"("Type":"Pass")"), kSchema,
                  "This object should have only one of the following fields: [Next, End]",
                  "/States/S");
  REQUIRE_PROBLEM(one_state(R"("Type":"Pass","End":false)"), kSchema,
                  "This object should have only one of the following fields: [Next, End]",
                  "/States/S");
  REQUIRE_PROBLEM(one_state(R"("Type":"Pass","End":"yes")"), kSchema,
                  "Expected value of type [BOOLEAN]", "/States/S/End");
  REQUIRE_PROBLEM(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":5},
                                             "B":{"Type":"Succeed"}}})",
                  kSchema, "Expected value of type [STRING]", "/States/A/Next");
}

TEST_CASE("Fields a state type does not take are not supported", "[asl][validate]") {
  REQUIRE_PROBLEM(one_state(R"("Type":"Pass","TimeoutSeconds":5,"End":true)"), kSchema,
                  "Field 'TimeoutSeconds' is not supported", "/States/S");
  REQUIRE_PROBLEM(one_state(R"("Type":"Succeed","End":true)"), kSchema,
                  "Field 'End' is not supported", "/States/S");
  REQUIRE_PROBLEM(one_state(R"("Type":"Fail","InputPath":"$")"), kSchema,
                  "Field 'InputPath' is not supported", "/States/S");
  REQUIRE_PROBLEM(one_state(R"("Type":"Wait","Seconds":1,"Retry":[],"End":true)"), kSchema,
                  "Field 'Retry' is not supported", "/States/S");
  REQUIRE_PROBLEM(one_state(R"("Type":"Pass","Catch":[],"End":true)"), kSchema,
                  "Field 'Catch' is not supported", "/States/S");
  REQUIRE_PROBLEM(one_state(R"("Type":"Pass","Foo":1,"End":true)"), kSchema,
                  "Field 'Foo' is not supported", "/States/S");
}

TEST_CASE("JSONata-only fields are refused on JSONPath states with AWS's wording",
          "[asl][validate]") {
  REQUIRE_PROBLEM(one_state(R"("Type":"Pass","Output":{"a":1},"End":true)"), kSchema,
                  "The QueryLanguage is set to 'JSONPath', but field 'Output' is only "
                  "supported for the 'JSONata' QueryLanguage",
                  "/States/S");
  REQUIRE_PROBLEM(one_state(R"("Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                               "Arguments":{},"End":true)"),
                  kSchema,
                  "The QueryLanguage is set to 'JSONPath', but field 'Arguments' is only "
                  "supported for the 'JSONata' QueryLanguage",
                  "/States/S");
}

TEST_CASE("Workflow variables (Assign) are accepted where AWS accepts them", "[asl][validate]") {
  CHECK(asl_test::parse_ok(one_state(R"("Type":"Pass","Assign":{"x":1,"y.$":"$.a"},"End":true)"))->uses_variables);
  CHECK(asl_test::parse_ok(one_state(R"("Type":"Wait","Seconds":1,"Assign":{"x":1},"End":true)"))->uses_variables);
  CHECK_FALSE(asl_test::parse_ok(one_state(R"("Type":"Pass","End":true)"))->uses_variables);
  auto ds = problems(one_state(R"("Type":"Succeed","Assign":{"x":1})"));
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "Field 'Assign' is not supported");
  auto bad = problems(one_state(R"("Type":"Pass","Assign":{"1x":1},"End":true)"));
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].location == "/States/S/Assign/1x");
}

TEST_CASE("State names are unique in the whole definition and at most 80 characters",
          "[asl][validate]") {
  REQUIRE_PROBLEM(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
      {"StartAt":"X","States":{"X":{"Type":"Succeed"}}},
      {"StartAt":"X","States":{"X":{"Type":"Succeed"}}}],"End":true}}})",
                  "DUPLICATE_STATE_NAME", "Duplicate State name: X",
                  "/States/P/Branches[1]/States/X");
  REQUIRE_PROBLEM(R"({"StartAt":"A","States":{"A":{"Type":"Succeed"},"A":{"Type":"Succeed"}}})",
                  "DUPLICATE_STATE_NAME", "Duplicate State name: A", "/States/A");
  std::string longname(81, 'n');
  REQUIRE_PROBLEM(
      R"({"StartAt":")" + longname + R"(","States":{")" + longname + R"(":{"Type":"Succeed"}}})",
      "INVALID_STATE_NAME", "State name must be between 1 and 80 characters long",
      "/States/" + longname);
  // 80 multi-byte characters are fine.
  std::string accents;
  for (int i = 0; i < 80; ++i) accents += "\xC3\xA9";
  asl_test::parse_ok(R"({"StartAt":")" + accents + R"(","States":{")" + accents +
                     R"(":{"Type":"Succeed"}}})");
}

// ---- transitions ----------------------------------------------------------------

TEST_CASE("A Next naming no state is a MISSING_TRANSITION_TARGET", "[asl][validate]") {
  auto ds = problems(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},
                                                 "C":{"Type":"Succeed"}}})");
  INFO(format_diagnostics(ds));
  CHECK(has(ds, kTarget, "Missing 'Next' target: B", "/States/A/Next"));
  CHECK(has(ds, kTarget, "State \"C\" is not reachable.", "/States/C"));
  CHECK(format_diagnostics(ds) ==
        "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: B "
        "at /States/A/Next, MISSING_TRANSITION_TARGET: State \"C\" is not reachable. at "
        "/States/C'");
}

TEST_CASE("A dangling StartAt is reported, and only the states nothing points to",
          "[asl][validate]") {
  auto ds = problems(R"({"StartAt":"Not sure","States":{
    "Pass One":{"Type":"Pass","Next":"Success"},"Success":{"Type":"Succeed"}}})");
  INFO(format_diagnostics(ds));
  REQUIRE(ds.size() == 2);
  CHECK(has(ds, kTarget, "Missing 'Next' target: Not sure", "/StartAt"));
  CHECK(has(ds, kTarget, "State \"Pass One\" is not reachable.", "/States/Pass One"));
}

TEST_CASE("Default, Choices and Catch targets must exist", "[asl][validate]") {
  auto ds = problems(R"({"StartAt":"C","States":{
    "C":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"Ghost1"}],
         "Default":"Ghost2"},
    "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
         "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Ghost3"}],"End":true}}})");
  INFO(format_diagnostics(ds));
  CHECK(has(ds, kTarget, "Missing 'Next' target: Ghost1", "/States/C/Choices[0]/Next"));
  CHECK(has(ds, kTarget, "Missing 'Next' target: Ghost2", "/States/C/Default"));
  CHECK(has(ds, kTarget, "Missing 'Next' target: Ghost3", "/States/T/Catch[0]/Next"));
  CHECK(has(ds, kTarget, "State \"T\" is not reachable.", "/States/T"));
}

// Found by fuzz/asl_parse: an empty target was taken for an absent one, so
// "StartAt": "" (also in a Parallel branch or a Map processor), "Next": "",
// "Default": "" and an empty Choices/Catch Next passed validation and left
// the interpreter a state index of -1. No state can be named "".
TEST_CASE("An empty transition target is a missing one", "[asl][validate]") {
  const std::string activity = "arn:aws:states:us-east-1:123456789012:activity:a";
  struct bad {
    std::string text, location;
  };
  for (const bad& b : std::vector<bad>{
           {R"({"StartAt":"","States":{"S":{"Type":"Pass","End":true}}})", "/StartAt"},
           {R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
              {"StartAt":"","States":{"X":{"Type":"Pass","End":true}}}]}}})",
            "/States/P/Branches[0]/StartAt"},
           {R"({"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":
              {"StartAt":"","States":{"X":{"Type":"Pass","End":true}}}}}})",
            "/States/M/ItemProcessor/StartAt"},
           {R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
              {"StartAt":"A","States":{"A":{"Type":"Pass","Next":""}}}]}}})",
            "/States/P/Branches[0]/States/A/Next"},
           {R"({"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[
              {"Variable":"$.a","IsNull":true,"Next":""}],"Default":"B"},"B":{"Type":"Succeed"}}})",
            "/States/A/Choices[0]/Next"},
           {R"({"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[
              {"Variable":"$.a","IsNull":true,"Next":"B"}],"Default":""},"B":{"Type":"Succeed"}}})",
            "/States/A/Default"},
           {R"({"StartAt":"A","States":{"A":{"Type":"Task","Resource":")" + activity +
                R"(","End":true,"Catch":[{"ErrorEquals":["States.ALL"],"Next":""}]}}})",
            "/States/A/Catch[0]/Next"},
       }) {
    INFO(b.text);
    REQUIRE_PROBLEM(b.text, kTarget, "Missing 'Next' target: ", b.location);
  }
}

TEST_CASE("A top-level machine without a terminal state has MISSING_END_STATE", "[asl][validate]") {
  auto ds = problems(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},
    "B":{"Type":"Pass","Next":"A"},"Unused":{"Type":"Pass","Next":"A"}}})");
  REQUIRE(ds.size() == 1);  // suppresses the unreachable check
  CHECK(ds[0].code == "MISSING_END_STATE");
  CHECK(ds[0].message == "Workflow has no terminal state");
  CHECK(ds[0].location.empty());
  CHECK(format_diagnostics(ds) ==
        "Invalid State Machine Definition: 'MISSING_END_STATE: Workflow has no terminal state "
        "at null'");
}

TEST_CASE("A Parallel branch without a terminal state has MISSING_END_STATE at the branch",
          "[asl][validate]") {
  // The branch loops A -> B -> A; "Ghost" is unreachable but, as at the top
  // level, the missing end suppresses that check for the branch.
  auto ds = problems(one_state(R"("Type":"Parallel","End":true,"Branches":[
      {"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}},
      {"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"},
                               "Ghost":{"Type":"Pass","Next":"A"}}}])"));
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].code == "MISSING_END_STATE");
  CHECK(ds[0].message == "Workflow has no terminal state");
  CHECK(ds[0].location == "/States/S/Branches[1]");
  CHECK(format_diagnostics(ds) ==
        "Invalid State Machine Definition: 'MISSING_END_STATE: Workflow has no terminal state "
        "at /States/S/Branches[1]'");
}

TEST_CASE("A Map processor without a terminal state has MISSING_END_STATE at the processor",
          "[asl][validate]") {
  const char* loop = R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},
      "B":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"A"}],
           "Default":"B2"},
      "B2":{"Type":"Wait","Seconds":1,"Next":"A"}}})";
  for (const char* field : {"ItemProcessor", "Iterator"}) {
    INFO(field);
    auto ds = problems(one_state(std::string(R"("Type":"Map","End":true,")") + field +
                                 "\":" + loop));
    REQUIRE(ds.size() == 1);
    CHECK(ds[0].code == "MISSING_END_STATE");
    CHECK(ds[0].message == "Workflow has no terminal state");
    CHECK(ds[0].location == std::string("/States/S/") + field);
  }
}

TEST_CASE("Machines nested deeper are checked for a terminal state too", "[asl][validate]") {
  // A Parallel inside a Map iteration whose only branch loops; the top level
  // also has no terminal state: both are reported.
  auto ds = problems(R"({"StartAt":"M","States":{"M":{"Type":"Map","Next":"M",
    "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,
      "Branches":[{"StartAt":"L","States":{"L":{"Type":"Pass","Next":"L"}}}]}}}}}})");
  INFO(format_diagnostics(ds));
  CHECK(ds.size() == 2);
  CHECK(has(ds, "MISSING_END_STATE", "Workflow has no terminal state",
            "/States/M/ItemProcessor/States/P/Branches[0]"));
  CHECK(has(ds, "MISSING_END_STATE", "Workflow has no terminal state", ""));
}

TEST_CASE("A nested machine ending only in Succeed or Fail has a terminal state",
          "[asl][validate]") {
  asl_test::parse_ok(one_state(R"("Type":"Parallel","End":true,"Branches":[
      {"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Succeed"}}},
      {"StartAt":"A2","States":{"A2":{"Type":"Pass","Next":"B2"},
                                "B2":{"Type":"Fail","Error":"E"}}}])"));
}

TEST_CASE("Transition problems follow schema problems in the message", "[asl][validate]") {
  auto ds = problems(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B","Foo":1}}})");
  INFO(format_diagnostics(ds));
  REQUIRE(ds.size() == 3);
  CHECK(ds[0].code == kSchema);
  CHECK(ds[1].code == kTarget);
  CHECK(ds[2].code == "MISSING_END_STATE");
}

TEST_CASE("Unreachable states inside nested machines are located structurally", "[asl][validate]") {
  REQUIRE_PROBLEM(one_state(R"("Type":"Map","ItemProcessor":{"StartAt":"W","States":{
      "W":{"Type":"Pass","End":true},"Ghost":{"Type":"Pass","End":true}}},"End":true)"),
                  kTarget, "State \"Ghost\" is not reachable.",
                  "/States/S/ItemProcessor/States/Ghost");
  REQUIRE_PROBLEM(one_state(R"("Type":"Parallel","Branches":[{"StartAt":"W","States":{
      "W":{"Type":"Pass","End":true},"Ghost":{"Type":"Pass","End":true}}}],"End":true)"),
                  kTarget, "State \"Ghost\" is not reachable.",
                  "/States/S/Branches[0]/States/Ghost");
  REQUIRE_PROBLEM(one_state(R"("Type":"Map","Iterator":{"StartAt":"Nope","States":{
      "A":{"Type":"Pass","End":true}}},"End":true)"),
                  kTarget, "Missing 'Next' target: Nope", "/States/S/Iterator/StartAt");
}

TEST_CASE("Targets are scoped to their own machine", "[asl][validate]") {
  REQUIRE_PROBLEM(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
      {"StartAt":"X","States":{"X":{"Type":"Pass","Next":"Done"}}}],"Next":"Done"},
      "Done":{"Type":"Succeed"}}})",
                  kTarget, "Missing 'Next' target: Done", "/States/P/Branches[0]/States/X/Next");
}

TEST_CASE("Every problem is collected, not just the first", "[asl][validate]") {
  auto ds = problems(R"({"StartAt":"A","States":{
    "A":{"Type":"Task","Resource":"nope","TimeoutSeconds":0,"Next":"B"},
    "B":{"Type":"Wait","End":true},
    "C":{"Type":"Pass","InputPath":"nope","End":true}}})");
  INFO(format_diagnostics(ds));
  CHECK(has(ds, kSchema, "Value is not a valid resource ARN", "/States/A/Resource"));
  CHECK(has(ds, kSchema, "Minimum value is 1", "/States/A/TimeoutSeconds"));
  CHECK(has(ds, kSchema,
            "This object should have only one of the following fields: "
            "[SecondsPath, Seconds, TimestampPath, Timestamp]",
            "/States/B"));
  CHECK(has(ds, kSchema, "The value for the field 'InputPath' must be a valid JSONPath",
            "/States/C/InputPath"));
  CHECK(has(ds, kTarget, "State \"C\" is not reachable.", "/States/C"));
  CHECK(ds.size() == 5);
}

TEST_CASE("Diagnostics render as AWS's InvalidDefinition message", "[asl][validate]") {
  std::vector<diagnostic> ds = {
      {"SCHEMA_VALIDATION_FAILED", "Expected value of type [STRING]", "/States/A/Next"},
      {"MISSING_TRANSITION_TARGET", "Missing 'Next' target: B", "/States/A/Next"},
  };
  CHECK(format_diagnostics(ds) ==
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Expected value of type "
        "[STRING] at /States/A/Next, MISSING_TRANSITION_TARGET: Missing 'Next' target: B at "
        "/States/A/Next'");
}

// ---- paths and templates -----------------------------------------------------------

TEST_CASE("Path fields must be valid JSONPath", "[asl][validate]") {
  REQUIRE_PROBLEM(one_state(R"("Type":"Pass","OutputPath":"$.a[","End":true)"), kSchema,
                  "The value for the field 'OutputPath' must be a valid JSONPath",
                  "/States/S/OutputPath");
  REQUIRE_PROBLEM(one_state(R"("Type":"Pass","InputPath":5,"End":true)"), kSchema,
                  "Expected value of type [STRING]", "/States/S/InputPath");
}

TEST_CASE("InputPath and OutputPath may select several nodes", "[asl][validate]") {
  asl_test::parse_ok(one_state(R"("Type":"Pass","InputPath":"$.items[*].id",
    "OutputPath":"$..name","End":true)"));
}

TEST_CASE("ResultPath must be a Reference Path", "[asl][validate]") {
  REQUIRE_PROBLEM(one_state(R"("Type":"Pass","ResultPath":"result","End":true)"), kSchema,
                  "Value is not a Reference Path: Reference path didn't start with '$'",
                  "/States/S/ResultPath");
  auto ds = problems(one_state(R"("Type":"Pass","ResultPath":"$.a[*]","End":true)"));
  CHECK(ds[0].location == "/States/S/ResultPath");
  CHECK(ds[0].message.starts_with("Value is not a Reference Path"));
  auto ctx = problems(one_state(R"("Type":"Pass","ResultPath":"$$.Execution","End":true)"));
  CHECK(ctx[0].location == "/States/S/ResultPath");
}

TEST_CASE("Payload template problems are located at the offending field", "[asl][validate]") {
  auto ds = problems(one_state(R"j("Type":"Pass","End":true,
    "Parameters":{"ok.$":"$.a","bad.$":"nope","nested":{"worse.$":"States.Bogus(1)"}})j"));
  INFO(format_diagnostics(ds));
  REQUIRE(ds.size() == 2);
  CHECK(ds[0].code == kSchema);
  CHECK(ds[0].location == "/States/S/Parameters/bad.$");
  CHECK(ds[0].message.starts_with("The value for the field 'bad.$'"));
  CHECK(ds[1].location == "/States/S/Parameters/nested/worse.$");
  auto selector = problems(one_state(R"("Type":"Map","End":true,"ItemSelector":{"v.$":"x"},
    "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}})"));
  CHECK(selector[0].location == "/States/S/ItemSelector/v.$");
}

TEST_CASE("Payload templates must be objects", "[asl][validate]") {
  REQUIRE_PROBLEM(one_state(R"("Type":"Pass","Parameters":[1],"End":true)"), kSchema,
                  "Expected value of type [OBJECT]", "/States/S/Parameters");
  REQUIRE_PROBLEM(one_state(R"("Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                               "ResultSelector":"x","End":true)"),
                  kSchema, "Expected value of type [OBJECT]", "/States/S/ResultSelector");
}

// ---- Task ------------------------------------------------------------------------

TEST_CASE("Task needs an ARN Resource", "[asl][validate]") {
  REQUIRE_PROBLEM(one_state(R"("Type":"Task","End":true)"), kSchema,
                  "These fields are required: [Resource]", "/States/S");
  REQUIRE_PROBLEM(one_state(R"("Type":"Task","Resource":"myFunction","End":true)"), kSchema,
                  "Value is not a valid resource ARN", "/States/S/Resource");
}

TEST_CASE("Task timeouts are positive, exclusive with their paths, heartbeat below timeout",
          "[asl][validate]") {
  const std::string r = R"("Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,)";
  REQUIRE_PROBLEM(one_state(r + R"("TimeoutSeconds":0)"), kSchema, "Minimum value is 1",
                  "/States/S/TimeoutSeconds");
  REQUIRE_PROBLEM(one_state(r + R"("HeartbeatSeconds":100000000)"), kSchema,
                  "Maximum value is 99999999", "/States/S/HeartbeatSeconds");
  REQUIRE_PROBLEM(one_state(r + R"("TimeoutSeconds":5,"TimeoutSecondsPath":"$.t")"), kSchema,
                  "There should only be one of the following fields: "
                  "[TimeoutSeconds, TimeoutSecondsPath]",
                  "/States/S");
  REQUIRE_PROBLEM(one_state(r + R"("HeartbeatSeconds":5,"HeartbeatSecondsPath":"$.t")"), kSchema,
                  "There should only be one of the following fields: "
                  "[HeartbeatSeconds, HeartbeatSecondsPath]",
                  "/States/S");
  REQUIRE_PROBLEM(one_state(r + R"("TimeoutSeconds":10,"HeartbeatSeconds":10)"), kSchema,
                  "The value for the field 'HeartbeatSeconds' must be smaller than the value "
                  "for the field 'TimeoutSeconds'",
                  "/States/S/HeartbeatSeconds");
  REQUIRE_PROBLEM(one_state(r + R"("TimeoutSecondsPath":"$.a[*]")"), kSchema,
                  "Value is not a Reference Path: only a single node may be selected (no "
                  "wildcards, filters, slices, unions or recursive descent)",
                  "/States/S/TimeoutSecondsPath");
  REQUIRE_PROBLEM(one_state(r + R"("Credentials":{})"), kSchema,
                  "The field 'RoleArn' is required but was missing", "/States/S/Credentials");
  REQUIRE_PROBLEM(one_state(r + R"("QueryLanguage":"JSONata","Credentials":{})"), kSchema,
                  "The field 'RoleArn' is required but was missing", "/States/S/Credentials");
  REQUIRE_PROBLEM(one_state(r + R"("Credentials":{"RoleArn":5})"), kSchema,
                  "Expected value of type [STRING]", "/States/S/Credentials/RoleArn");
  REQUIRE_PROBLEM(one_state(r + R"("QueryLanguage":"JSONata","Credentials":{"RoleArn":[]})"), kSchema,
                  "Expected value of type [STRING]", "/States/S/Credentials/RoleArn");
}

// ---- Retry / Catch ------------------------------------------------------------------

TEST_CASE("Retriers are validated field by field", "[asl][validate]") {
  auto with_retry = [](const std::string& retry) {
    return one_state(R"("Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
                        "Retry":)" +
                     retry);
  };
  REQUIRE_PROBLEM(with_retry(R"({})"), kSchema, "Expected value of type [ARRAY]",
                  "/States/S/Retry");
  REQUIRE_PROBLEM(with_retry(R"([{}])"), kSchema, "These fields are required: [ErrorEquals]",
                  "/States/S/Retry[0]");
  REQUIRE_PROBLEM(with_retry(R"([{"ErrorEquals":[]}])"), kSchema, "Value cannot be empty",
                  "/States/S/Retry[0]/ErrorEquals");
  REQUIRE_PROBLEM(with_retry(R"([{"ErrorEquals":[1]}])"), kSchema,
                  "Expected value of type [STRING]", "/States/S/Retry[0]/ErrorEquals[0]");
  REQUIRE_PROBLEM(with_retry(R"([{"ErrorEquals":["E"],"MaxAttempts":-1}])"), kSchema,
                  "Minimum value is 0", "/States/S/Retry[0]/MaxAttempts");
  REQUIRE_PROBLEM(with_retry(R"([{"ErrorEquals":["E"],"IntervalSeconds":0}])"), kSchema,
                  "Minimum value is 1", "/States/S/Retry[0]/IntervalSeconds");
  REQUIRE_PROBLEM(with_retry(R"([{"ErrorEquals":["E"],"BackoffRate":0.5}])"), kSchema,
                  "Minimum value is 1.0", "/States/S/Retry[0]/BackoffRate");
  REQUIRE_PROBLEM(with_retry(R"([{"ErrorEquals":["E"],"MaxDelaySeconds":0}])"), kSchema,
                  "Minimum value is 1", "/States/S/Retry[0]/MaxDelaySeconds");
  REQUIRE_PROBLEM(with_retry(R"([{"ErrorEquals":["E"],"JitterStrategy":"SOME"}])"), kSchema,
                  "Value should be one of the following: [NONE, FULL]",
                  "/States/S/Retry[0]/JitterStrategy");
  REQUIRE_PROBLEM(with_retry(R"([{"ErrorEquals":["E"],"Next":"X"}])"), kSchema,
                  "Field 'Next' is not supported", "/States/S/Retry[0]");
}

TEST_CASE("States.ALL must appear alone and in the last retrier or catcher", "[asl][validate]") {
  const std::string r = R"("Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,)";
  REQUIRE_PROBLEM(one_state(r + R"("Retry":[{"ErrorEquals":["States.ALL","E"]}])"), kSchema,
                  "States.ALL must appear alone and at end of list",
                  "/States/S/Retry[0]/ErrorEquals");
  REQUIRE_PROBLEM(one_state(r + R"("Retry":[{"ErrorEquals":["States.ALL"]},
                                           {"ErrorEquals":["E"]}])"),
                  kSchema, "States.ALL must appear alone and at end of list",
                  "/States/S/Retry[0]/ErrorEquals");
  REQUIRE_PROBLEM(one_state(r + R"("Catch":[{"ErrorEquals":["States.ALL"],"Next":"S"},
                                           {"ErrorEquals":["E"],"Next":"S"}])"),
                  kSchema, "States.ALL must appear alone and at end of list",
                  "/States/S/Catch[0]/ErrorEquals");
}

TEST_CASE("Reserved States. error names must be predefined ones", "[asl][validate]") {
  const std::string r = R"("Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,)";
  auto ds = problems(one_state(r + R"("Retry":[{"ErrorEquals":["States.Bogus"]}])"));
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].location == "/States/S/Retry[0]/ErrorEquals[0]");
  CHECK(ds[0].message.find("States.Bogus") != std::string::npos);
  asl_test::parse_ok(one_state(
      r + R"("Retry":[{"ErrorEquals":["States.Timeout","States.TaskFailed","States.Permissions",
        "States.HeartbeatTimeout","States.Http.StatusCode.503","My.Custom"]}])"));
}

TEST_CASE("Catchers need ErrorEquals and Next and a Reference ResultPath", "[asl][validate]") {
  const std::string r = R"("Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,)";
  REQUIRE_PROBLEM(one_state(r + R"("Catch":[{}])"), kSchema,
                  "These fields are required: [ErrorEquals, Next]", "/States/S/Catch[0]");
  auto ds = problems(one_state(r + R"("Catch":[{"ErrorEquals":["E"],"Next":"S",
                                                "ResultPath":"$.e[*]"}])"));
  CHECK(ds[0].location == "/States/S/Catch[0]/ResultPath");
}

// ---- Wait / Fail ---------------------------------------------------------------------

TEST_CASE("Wait takes exactly one valid way of waiting", "[asl][validate]") {
  REQUIRE_PROBLEM(one_state(R"("Type":"Wait","Seconds":1,"SecondsPath":"$.s","End":true)"), kSchema,
                  "There should only be one of the following fields: "
                  "[SecondsPath, Seconds, TimestampPath, Timestamp]",
                  "/States/S");
  REQUIRE_PROBLEM(one_state(R"("Type":"Wait","Seconds":-1,"End":true)"), kSchema,
                  "Minimum value is 0", "/States/S/Seconds");
  REQUIRE_PROBLEM(one_state(R"("Type":"Wait","Seconds":"5","End":true)"), kSchema,
                  "Expected value of type [INTEGER]", "/States/S/Seconds");
  for (const char* bad : {"2016-03-14 01:59:00Z", "2016-03-14T01:59:00", "2016-02-30T00:00:00Z",
                          "2016-03-14t01:59:00z", "yesterday"}) {
    INFO(bad);
    REQUIRE_PROBLEM(
        one_state(std::string(R"("Type":"Wait","Timestamp":")") + bad + R"(","End":true)"), kSchema,
        "String does not match RFC3339 timestamp", "/States/S/Timestamp");
  }
}

TEST_CASE("Fail Error and Cause are exclusive with their paths", "[asl][validate]") {
  REQUIRE_PROBLEM(one_state(R"("Type":"Fail","Error":"E","ErrorPath":"$.e")"), kSchema,
                  "There should only be one of the following fields: [Error, ErrorPath]",
                  "/States/S");
  REQUIRE_PROBLEM(one_state(R"("Type":"Fail","Cause":"E","CausePath":"$.e")"), kSchema,
                  "There should only be one of the following fields: [Cause, CausePath]",
                  "/States/S");
  REQUIRE_PROBLEM(one_state(R"("Type":"Fail","Error":5)"), kSchema,
                  "Expected value of type [STRING]", "/States/S/Error");
  REQUIRE_PROBLEM(one_state(R"("Type":"Fail","CausePath":"cause")"), kSchema,
                  "Value is not a Reference Path: Reference path didn't start with '$'",
                  "/States/S/CausePath");
}

TEST_CASE("Fail paths accept only the string-returning intrinsics", "[asl][validate]") {
  auto ds = problems(one_state(R"j("Type":"Fail","ErrorPath":"States.MathRandom(1, 9)")j"));
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].location == "/States/S/ErrorPath");
  auto syntax = problems(one_state(R"j("Type":"Fail","CausePath":"States.Format('x'")j"));
  CHECK(syntax[0].location == "/States/S/CausePath");
}

// ---- Choice ---------------------------------------------------------------------

namespace {
std::string choice(const std::string& rules) {
  return R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":)" + rules +
         R"(,"Default":"D"},"D":{"Type":"Succeed"}}})";
}
}  // namespace

TEST_CASE("Choice needs a non-empty Choices array and no Next or End", "[asl][validate]") {
  REQUIRE_PROBLEM(one_state(R"("Type":"Choice","Default":"S")"), kSchema,
                  "These fields are required: [Choices]", "/States/S");
  REQUIRE_PROBLEM(choice("[]"), kSchema, "Value cannot be empty", "/States/C/Choices");
  REQUIRE_PROBLEM(choice("{}"), kSchema, "Expected value of type [ARRAY]", "/States/C/Choices");
  REQUIRE_PROBLEM(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Next":"D","Choices":[
      {"Variable":"$.x","IsNull":true,"Next":"D"}]},"D":{"Type":"Succeed"}}})",
                  kSchema, "Field 'Next' is not supported", "/States/C");
}

TEST_CASE("Top-level Choice rules need Next; nested rules must not have it", "[asl][validate]") {
  REQUIRE_PROBLEM(choice(R"([{"Variable":"$.x","IsNull":true}])"), kSchema,
                  "These fields are required: [Next]", "/States/C/Choices[0]");
  REQUIRE_PROBLEM(choice(R"([{"Not":{"Variable":"$.x","IsNull":true,"Next":"D"},"Next":"D"}])"),
                  kSchema, "Field 'Next' is not supported", "/States/C/Choices[0]/Not");
  REQUIRE_PROBLEM(
      choice(R"([{"And":[{"Variable":"$.x","IsNull":true},{"Variable":"$.y","IsNull":true,
                          "Next":"D"}],"Next":"D"}])"),
      kSchema, "Field 'Next' is not supported", "/States/C/Choices[0]/And[1]");
}

TEST_CASE("A comparison takes exactly one operator", "[asl][validate]") {
  auto two = problems(choice(R"([{"Variable":"$.x","IsNull":true,"IsString":true,"Next":"D"}])"));
  CHECK(two[0].location == "/States/C/Choices[0]");
  CHECK(two[0].message.starts_with(
      "There should only be one of the following fields: [BooleanEquals, BooleanEqualsPath, "));
  auto none = problems(choice(R"([{"Variable":"$.x","Next":"D"}])"));
  CHECK(none[0].location == "/States/C/Choices[0]");
  CHECK(
      none[0].message.starts_with("This object should have only one of the following fields: "
                                  "[BooleanEquals, "));
  CHECK(none[0].message.ends_with("TimestampLessThanEqualsPath]"));
  REQUIRE_PROBLEM(choice(R"([{"StringEquals":"a","Next":"D"}])"), kSchema,
                  "These fields are required: [Variable]", "/States/C/Choices[0]");
  REQUIRE_PROBLEM(choice(R"([{"Variable":"$.x","StringEqual":"a","Next":"D"}])"), kSchema,
                  "Field 'StringEqual' is not supported", "/States/C/Choices[0]");
}

TEST_CASE("A rule is exactly one of And, Or, Not or a comparison", "[asl][validate]") {
  REQUIRE_PROBLEM(choice(R"([{"Next":"D"}])"), kSchema,
                  "The object must have only one of the following fields, "
                  "[And, Or, Not, Variable, Condition]",
                  "/States/C/Choices[0]");
  REQUIRE_PROBLEM(choice(R"([{"Variable":"$.x","IsNull":true,
                              "Not":{"Variable":"$.x","IsNull":true},"Next":"D"}])"),
                  kSchema,
                  "The object must have only one of the following fields, "
                  "[And, Or, Not, Variable, Condition]",
                  "/States/C/Choices[0]");
  REQUIRE_PROBLEM(choice(R"([{"And":[{"Variable":"$.x","IsNull":true}],"StringEquals":"a",
                              "Next":"D"}])"),
                  kSchema, "Field 'StringEquals' is not supported", "/States/C/Choices[0]");
  REQUIRE_PROBLEM(choice(R"([{"Condition":"{% true %}","Next":"D"}])"), kSchema,
                  "The QueryLanguage is set to 'JSONPath', but field 'Condition' is only "
                  "supported for the 'JSONata' QueryLanguage",
                  "/States/C/Choices[0]");
}

TEST_CASE("And and Or take non-empty arrays; Not takes an object", "[asl][validate]") {
  REQUIRE_PROBLEM(choice(R"([{"And":[],"Next":"D"}])"), kSchema, "Value cannot be empty",
                  "/States/C/Choices[0]/And");
  REQUIRE_PROBLEM(choice(R"([{"Or":{},"Next":"D"}])"), kSchema, "Expected value of type [ARRAY]",
                  "/States/C/Choices[0]/Or");
  REQUIRE_PROBLEM(choice(R"([{"Not":[],"Next":"D"}])"), kSchema, "Expected value of type [OBJECT]",
                  "/States/C/Choices[0]/Not");
  REQUIRE_PROBLEM(choice(R"([{"Or":[{"Variable":"$.x","NumericEquals":"1"}],"Next":"D"}])"),
                  kSchema, "Expected value of type [NUMBER]",
                  "/States/C/Choices[0]/Or[0]/NumericEquals");
}

TEST_CASE("Each operator's operand has the operator's type", "[asl][validate]") {
  struct bad {
    const char* rule;
    const char* op;
    const char* message;
  };
  const bad cases[] = {
      {R"("StringEquals":5)", "StringEquals", "Expected value of type [STRING]"},
      {R"("StringMatches":true)", "StringMatches", "Expected value of type [STRING]"},
      {R"("NumericEquals":"5")", "NumericEquals", "Expected value of type [NUMBER]"},
      {R"("NumericLessThan":null)", "NumericLessThan", "Expected value of type [NUMBER]"},
      {R"("BooleanEquals":"true")", "BooleanEquals", "Expected value of type [BOOLEAN]"},
      {R"("IsNull":"yes")", "IsNull", "Expected value of type [BOOLEAN]"},
      {R"("IsPresent":1)", "IsPresent", "Expected value of type [BOOLEAN]"},
      {R"("TimestampEquals":5)", "TimestampEquals", "Expected value of type [STRING]"},
      {R"("TimestampLessThan":"yesterday")", "TimestampLessThan",
       "String does not match RFC3339 timestamp"},
      {R"("StringEqualsPath":"other")", "StringEqualsPath",
       "Value is not a Reference Path: Reference path didn't start with '$'"},
      {R"("NumericEqualsPath":7)", "NumericEqualsPath", "Expected value of type [STRING]"},
  };
  for (const bad& b : cases) {
    INFO(b.rule);
    REQUIRE_PROBLEM(choice(std::string(R"([{"Variable":"$.x",)") + b.rule + R"(,"Next":"D"}])"),
                    kSchema, b.message, std::string("/States/C/Choices[0]/") + b.op);
  }
}

TEST_CASE("Choice Variable must be a Reference Path", "[asl][validate]") {
  REQUIRE_PROBLEM(choice(R"([{"Variable":"x","IsNull":true,"Next":"D"}])"), kSchema,
                  "Value is not a Reference Path: Reference path didn't start with '$'",
                  "/States/C/Choices[0]/Variable");
  auto ds = problems(choice(R"([{"Variable":"$.x[*]","IsNull":true,"Next":"D"}])"));
  CHECK(ds[0].location == "/States/C/Choices[0]/Variable");
}

// ---- Parallel / Map -----------------------------------------------------------------

TEST_CASE("Parallel needs non-empty Branches of machines", "[asl][validate]") {
  REQUIRE_PROBLEM(one_state(R"("Type":"Parallel","End":true)"), kSchema,
                  "These fields are required: [Branches]", "/States/S");
  REQUIRE_PROBLEM(one_state(R"("Type":"Parallel","Branches":[],"End":true)"), kSchema,
                  "Value cannot be empty", "/States/S/Branches");
  REQUIRE_PROBLEM(one_state(R"("Type":"Parallel","Branches":[{}],"End":true)"), kSchema,
                  "These fields are required: [States, StartAt]", "/States/S/Branches[0]");
  REQUIRE_PROBLEM(one_state(R"("Type":"Parallel","Branches":[5],"End":true)"), kSchema,
                  "Expected value of type [OBJECT]", "/States/S/Branches[0]");
  REQUIRE_PROBLEM(one_state(R"("Type":"Parallel","Branches":[{"QueryLanguage":"JSONPath",
      "StartAt":"A","States":{"A":{"Type":"Succeed"}}}],"End":true)"),
                  kSchema, "Field 'QueryLanguage' is not supported", "/States/S/Branches[0]");
}

TEST_CASE("Map needs exactly one of ItemProcessor and Iterator", "[asl][validate]") {
  REQUIRE_PROBLEM(one_state(R"("Type":"Map","End":true)"), kSchema,
                  "This object should have only one of the following fields: "
                  "[ItemProcessor, Iterator]",
                  "/States/S");
  const char* proc = R"({"StartAt":"I","States":{"I":{"Type":"Succeed"}}})";
  REQUIRE_PROBLEM(one_state(std::string(R"("Type":"Map","End":true,"ItemProcessor":)") + proc +
                            R"(,"Iterator":)" + proc),
                  kSchema,
                  "There should only be one of the following fields: [ItemProcessor, Iterator]",
                  "/States/S");
  REQUIRE_PROBLEM(one_state(R"("Type":"Map","End":true,"ItemProcessor":{"States":{}})"), kSchema,
                  "These fields are required: [StartAt]", "/States/S/ItemProcessor");
}

TEST_CASE("Map numeric fields have ranges and exclusive paths", "[asl][validate]") {
  const std::string m =
      R"("Type":"Map","End":true,"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}},)";
  REQUIRE_PROBLEM(one_state(m + R"("MaxConcurrency":-1)"), kSchema, "Minimum value is 0",
                  "/States/S/MaxConcurrency");
  REQUIRE_PROBLEM(one_state(m + R"("MaxConcurrency":2,"MaxConcurrencyPath":"$.m")"), kSchema,
                  "There should only be one of the following fields: "
                  "[MaxConcurrency, MaxConcurrencyPath]",
                  "/States/S");
  REQUIRE_PROBLEM(one_state(m + R"("ToleratedFailurePercentage":101)"), kSchema,
                  "Maximum value is 100", "/States/S/ToleratedFailurePercentage");
  REQUIRE_PROBLEM(one_state(m + R"("ToleratedFailureCount":-2)"), kSchema, "Minimum value is 0",
                  "/States/S/ToleratedFailureCount");
  REQUIRE_PROBLEM(one_state(m + R"("ItemSelector":{},"Parameters":{})"), kSchema,
                  "There should only be one of the following fields: [ItemSelector, Parameters]",
                  "/States/S");
  auto ds = problems(one_state(m + R"("ItemsPath":"$.items[*]")"));
  CHECK(ds[0].location == "/States/S/ItemsPath");
}

TEST_CASE("Map ProcessorConfig is validated", "[asl][validate]") {
  auto with = [](const std::string& config) {
    return one_state(R"("Type":"Map","End":true,"ItemProcessor":{"ProcessorConfig":)" + config +
                     R"(,"StartAt":"I","States":{"I":{"Type":"Succeed"}}})");
  };
  REQUIRE_PROBLEM(with(R"({"Mode":"FAST"})"), kSchema,
                  "Value should be one of the following: [INLINE, DISTRIBUTED]",
                  "/States/S/ItemProcessor/ProcessorConfig/Mode");
  REQUIRE_PROBLEM(with(R"({"Mode":"DISTRIBUTED"})"), kSchema,
                  "These fields are required: [ExecutionType]",
                  "/States/S/ItemProcessor/ProcessorConfig");
  REQUIRE_PROBLEM(with(R"({"Mode":"INLINE","ExecutionType":"STANDARD"})"), kSchema,
                  "Field 'ExecutionType' is not supported",
                  "/States/S/ItemProcessor/ProcessorConfig");
  REQUIRE_PROBLEM(with(R"({"Mode":"DISTRIBUTED","ExecutionType":"FAST"})"), kSchema,
                  "Value should be one of the following: [STANDARD, EXPRESS]",
                  "/States/S/ItemProcessor/ProcessorConfig/ExecutionType");
}
