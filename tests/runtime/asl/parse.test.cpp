// Valid definitions of every state type parse, and fill the compiled AST:
// indices, transitions, paths, templates, retriers/catchers, nested
// machines and their depth-first ids.
#include "runtime/json/json.hpp"
#include "tests/runtime/asl/asl_test_util.hpp"

using namespace sc::asl;
using asl_test::one_state;
using asl_test::parse_ok;

TEST_CASE("A minimal Pass machine fills the root machine and its state", "[asl][parse]") {
  const char* text = R"({"Comment":"hi","StartAt":"S","States":{"S":{"Type":"Pass","End":true}}})";
  auto def = parse_ok(text);
  REQUIRE(def->root);
  const machine& m = *def->root;
  CHECK(m.id == 0);
  CHECK(m.comment == "hi");
  CHECK(m.start_at == "S");
  CHECK(m.start_index == 0);
  REQUIRE(m.states.size() == 1);
  CHECK(m.find("S") == &m.states[0]);
  CHECK(m.find("T") == nullptr);
  const state& s = m.states[0];
  CHECK(s.name == "S");
  CHECK(s.index == 0);
  CHECK(s.type == state_type::pass);
  CHECK(s.end);
  CHECK(s.next_index == -1);
  CHECK_FALSE(s.input_path.is_null);
  REQUIRE(s.input_path.path);
  CHECK(s.input_path.path->text() == "$");
  REQUIRE(s.result_path.path);
  CHECK(s.result_path.path->is_root());
  REQUIRE(def->machines.size() == 1);
  CHECK(def->machines[0] == def->root.get());
  CHECK(def->text == text);
}

TEST_CASE("State type names print as the States Language spells them", "[asl][parse]") {
  CHECK(std::string(to_string(state_type::pass)) == "Pass");
  CHECK(std::string(to_string(state_type::task)) == "Task");
  CHECK(std::string(to_string(state_type::choice)) == "Choice");
  CHECK(std::string(to_string(state_type::wait)) == "Wait");
  CHECK(std::string(to_string(state_type::succeed)) == "Succeed");
  CHECK(std::string(to_string(state_type::fail)) == "Fail");
  CHECK(std::string(to_string(state_type::parallel)) == "Parallel");
  CHECK(std::string(to_string(state_type::map)) == "Map");
}

TEST_CASE("Next transitions resolve to state indices in definition order", "[asl][parse]") {
  auto def = parse_ok(R"({"StartAt":"B","States":{
    "A":{"Type":"Pass","End":true},
    "B":{"Type":"Pass","Next":"C"},
    "C":{"Type":"Pass","Next":"A"}}})");
  const machine& m = *def->root;
  CHECK(m.start_index == 1);
  CHECK(m.states[1].next == "C");
  CHECK(m.states[1].next_index == 2);
  CHECK(m.states[2].next_index == 0);
  CHECK(m.by_name.at("C") == 2);
}

TEST_CASE("Pass state fields are compiled", "[asl][parse]") {
  auto def = parse_ok(one_state(R"("Type":"Pass","Comment":"c","InputPath":"$.in",
    "OutputPath":null,"ResultPath":null,"Parameters":{"a":1,"b.$":"$.x"},
    "Result":{"k":[1,2,3]},"End":true)"));
  const state& s = def->root->states[0];
  CHECK(s.comment == "c");
  REQUIRE(s.input_path.path);
  CHECK(s.input_path.path->text() == "$.in");
  CHECK(s.output_path.is_null);
  CHECK_FALSE(s.output_path.path);
  CHECK(s.result_path.is_null);
  CHECK(s.parameters);
  REQUIRE(s.result);
  CHECK(sc::json::dump(*s.result) == R"({"k":[1,2,3]})");
}

TEST_CASE("Pass Result may be any JSON value", "[asl][parse]") {
  auto def = parse_ok(one_state(R"("Type":"Pass","Result":"text","ResultPath":"$.r","End":true)"));
  const state& s = def->root->states[0];
  CHECK(sc::json::dump(*s.result) == R"("text")");
  REQUIRE(s.result_path.path);
  CHECK(s.result_path.path->text() == "$.r");
}

TEST_CASE("Task state fields, retriers and catchers are compiled", "[asl][parse]") {
  auto def = parse_ok(R"({"StartAt":"T","States":{
    "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
         "Parameters":{"FunctionName":"f","Payload.$":"$"},
         "ResultSelector":{"out.$":"$.Payload"},
         "ResultPath":"$.result",
         "TimeoutSeconds":30,"HeartbeatSeconds":10,
         "Retry":[{"ErrorEquals":["States.Timeout","Custom"],"IntervalSeconds":2,"MaxAttempts":5,
                   "BackoffRate":1.5,"MaxDelaySeconds":60,"JitterStrategy":"FULL"},
                  {"ErrorEquals":["States.ALL"]}],
         "Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"Handle","ResultPath":"$.error"},
                  {"ErrorEquals":["States.ALL"],"Next":"Done"}],
         "Next":"Done"},
    "Handle":{"Type":"Pass","Next":"Done"},
    "Done":{"Type":"Succeed"}}})");
  const state& t = def->root->states[0];
  CHECK(t.type == state_type::task);
  CHECK(t.resource == "arn:aws:states:::lambda:invoke");
  CHECK(t.parameters);
  CHECK(t.result_selector);
  CHECK(t.result_path.path->text() == "$.result");
  CHECK(t.timeout_seconds == 30);
  CHECK(t.heartbeat_seconds == 10);
  CHECK_FALSE(t.timeout_seconds_path);
  CHECK(t.next_index == 2);

  REQUIRE(t.retry.size() == 2);
  const retrier& r0 = t.retry[0];
  CHECK(r0.error_equals == std::vector<std::string>{"States.Timeout", "Custom"});
  CHECK(r0.interval_seconds == 2);
  CHECK(r0.max_attempts == 5);
  CHECK(r0.backoff_rate == 1.5);
  CHECK(r0.max_delay_seconds == 60);
  CHECK(r0.jitter_full);
  const retrier& r1 = t.retry[1];  // defaults
  CHECK(r1.interval_seconds == 1);
  CHECK(r1.max_attempts == 3);
  CHECK(r1.backoff_rate == 2.0);
  CHECK_FALSE(r1.max_delay_seconds);
  CHECK_FALSE(r1.jitter_full);

  REQUIRE(t.catchers.size() == 2);
  CHECK(t.catchers[0].next == "Handle");
  CHECK(t.catchers[0].next_index == 1);
  CHECK(t.catchers[0].result_path.path->text() == "$.error");
  CHECK(t.catchers[1].next_index == 2);
  CHECK(t.catchers[1].result_path.path->is_root());
}

TEST_CASE("Task timeouts may come from paths", "[asl][parse]") {
  auto def = parse_ok(one_state(R"("Type":"Task",
    "Resource":"arn:aws:states:us-east-1:123456789012:activity:worker",
    "TimeoutSecondsPath":"$.timeout","HeartbeatSecondsPath":"$.hb","End":true)"));
  const state& t = def->root->states[0];
  CHECK_FALSE(t.timeout_seconds);
  REQUIRE(t.timeout_seconds_path);
  CHECK(t.timeout_seconds_path->text() == "$.timeout");
  REQUIRE(t.heartbeat_seconds_path);
  CHECK(t.heartbeat_seconds_path->text() == "$.hb");
}

TEST_CASE("Task resources of every integration shape are accepted", "[asl][parse]") {
  for (const char* resource : {
           "arn:aws:states:::lambda:invoke",
           "arn:aws:states:::lambda:invoke.waitForTaskToken",
           "arn:aws:states:::states:startExecution.sync:2",
           "arn:aws:states:::ecs:runTask.sync",
           "arn:aws:states:::aws-sdk:s3:getObject",
           "arn:aws:states:eu-west-1:123456789012:activity:my-activity",
           "arn:aws:lambda:us-east-1:123456789012:function:fn",
           "arn:aws:states:::some-future-service:doThing",
       }) {
    INFO(resource);
    parse_ok(
        one_state(std::string(R"("Type":"Task","Resource":")") + resource + R"(","End":true)"));
  }
}

TEST_CASE("Task Credentials are accepted for compatibility", "[asl][parse]") {
  parse_ok(one_state(R"("Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
    "Credentials":{"RoleArn":"arn:aws:iam::123456789012:role/r"},"End":true)"));
}

TEST_CASE("Choice rules compile into a tree with resolved targets", "[asl][parse]") {
  auto def = parse_ok(R"({"StartAt":"C","States":{
    "C":{"Type":"Choice","Choices":[
        {"Variable":"$.n","NumericGreaterThan":10,"Next":"Big"},
        {"And":[{"Variable":"$.s","StringEquals":"x"},
                {"Not":{"Variable":"$.b","BooleanEquals":true}}],"Next":"Small"},
        {"Or":[{"Variable":"$.a","NumericLessThanPath":"$.b"},
               {"Variable":"$$.Execution.Name","IsPresent":true}],"Next":"Small"}],
      "Default":"Small"},
    "Big":{"Type":"Succeed"},
    "Small":{"Type":"Fail","Error":"E","Cause":"c"}}})");
  const state& c = def->root->states[0];
  CHECK(c.type == state_type::choice);
  CHECK(c.default_next == "Small");
  CHECK(c.default_index == 2);
  REQUIRE(c.choices.size() == 3);

  const choice_rule& r0 = c.choices[0];
  CHECK(r0.k == choice_rule::kind::compare);
  CHECK(r0.op == "NumericGreaterThan");
  CHECK(r0.variable->text() == "$.n");
  REQUIRE(r0.literal);
  CHECK(sc::json::dump(*r0.literal) == "10");
  CHECK(r0.next_index == 1);

  const choice_rule& r1 = c.choices[1];
  CHECK(r1.k == choice_rule::kind::and_);
  REQUIRE(r1.children.size() == 2);
  CHECK(r1.children[0].op == "StringEquals");
  CHECK(r1.children[1].k == choice_rule::kind::not_);
  REQUIRE(r1.children[1].children.size() == 1);
  CHECK(r1.children[1].children[0].op == "BooleanEquals");
  CHECK(r1.children[0].next.empty());
  CHECK(r1.next_index == 2);

  const choice_rule& r2 = c.choices[2];
  CHECK(r2.k == choice_rule::kind::or_);
  CHECK(r2.children[0].op == "NumericLessThanPath");
  REQUIRE(r2.children[0].value_path);
  CHECK(r2.children[0].value_path->text() == "$.b");
  CHECK_FALSE(r2.children[0].literal);
  CHECK(r2.children[1].variable->is_context());
}

TEST_CASE("Every comparison operator is accepted with an operand of its type", "[asl][parse]") {
  const char* rules[] = {
      R"("BooleanEquals":true)",
      R"("BooleanEqualsPath":"$.v")",
      R"("IsBoolean":true)",
      R"("IsNull":false)",
      R"("IsNumeric":true)",
      R"("IsPresent":true)",
      R"("IsString":true)",
      R"("IsTimestamp":true)",
      R"("NumericEquals":1)",
      R"("NumericEqualsPath":"$.v")",
      R"("NumericGreaterThan":1.5)",
      R"("NumericGreaterThanPath":"$.v")",
      R"("NumericGreaterThanEquals":-1)",
      R"("NumericGreaterThanEqualsPath":"$.v")",
      R"("NumericLessThan":0)",
      R"("NumericLessThanPath":"$.v")",
      R"("NumericLessThanEquals":1e3)",
      R"("NumericLessThanEqualsPath":"$.v")",
      R"("StringEquals":"a")",
      R"("StringEqualsPath":"$.v")",
      R"("StringGreaterThan":"a")",
      R"("StringGreaterThanPath":"$.v")",
      R"("StringGreaterThanEquals":"a")",
      R"("StringGreaterThanEqualsPath":"$.v")",
      R"("StringLessThan":"a")",
      R"("StringLessThanPath":"$.v")",
      R"("StringLessThanEquals":"a")",
      R"("StringLessThanEqualsPath":"$.v")",
      R"("StringMatches":"log-*.txt")",
      R"("TimestampEquals":"2016-03-14T01:59:00Z")",
      R"("TimestampEqualsPath":"$.v")",
      R"("TimestampGreaterThan":"2016-03-14T01:59:00.123+02:00")",
      R"("TimestampGreaterThanPath":"$.v")",
      R"("TimestampGreaterThanEquals":"2016-03-14T01:59:00Z")",
      R"("TimestampGreaterThanEqualsPath":"$.v")",
      R"("TimestampLessThan":"2016-03-14T01:59:00Z")",
      R"("TimestampLessThanPath":"$.v")",
      R"("TimestampLessThanEquals":"2016-03-14T01:59:00Z")",
      R"("TimestampLessThanEqualsPath":"$.v")",
  };
  for (const char* rule : rules) {
    INFO(rule);
    parse_ok(std::string(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
      {"Variable":"$.x",)") +
             rule + R"(,"Next":"D"}]},"D":{"Type":"Succeed"}}})");
  }
}

TEST_CASE("Wait states take one of four ways to wait", "[asl][parse]") {
  auto seconds = parse_ok(one_state(R"("Type":"Wait","Seconds":10,"End":true)"));
  CHECK(seconds->root->states[0].seconds == 10.0);

  auto ts = parse_ok(one_state(R"("Type":"Wait","Timestamp":"2016-03-14T01:59:00Z","End":true)"));
  CHECK(ts->root->states[0].timestamp == "2016-03-14T01:59:00Z");

  auto sp = parse_ok(one_state(R"("Type":"Wait","SecondsPath":"$.s","End":true)"));
  REQUIRE(sp->root->states[0].seconds_path);
  CHECK(sp->root->states[0].seconds_path->text() == "$.s");

  auto tp = parse_ok(one_state(R"("Type":"Wait","TimestampPath":"$.t","End":true)"));
  REQUIRE(tp->root->states[0].timestamp_path);
  CHECK(tp->root->states[0].timestamp_path->text() == "$.t");
}

TEST_CASE("Succeed and Fail states are terminal and carry their error fields", "[asl][parse]") {
  auto def = parse_ok(R"({"StartAt":"C","States":{
    "C":{"Type":"Choice","Choices":[{"Variable":"$.ok","BooleanEquals":true,"Next":"Yes"}],
         "Default":"No"},
    "Yes":{"Type":"Succeed","InputPath":"$.a","OutputPath":"$.b"},
    "No":{"Type":"Fail","Error":"Oops","Cause":"bad input"}}})");
  const state& yes = def->root->states[1];
  CHECK(yes.type == state_type::succeed);
  CHECK(yes.output_path.path->text() == "$.b");
  const state& no = def->root->states[2];
  CHECK(no.type == state_type::fail);
  CHECK(no.error == "Oops");
  CHECK(no.cause == "bad input");
  CHECK_FALSE(no.error_path);
}

TEST_CASE("Fail ErrorPath and CausePath accept reference paths and intrinsics", "[asl][parse]") {
  auto def = parse_ok(one_state(
      R"j("Type":"Fail","ErrorPath":"$.error","CausePath":"States.Format('bad {}', $.x)")j"));
  const state& s = def->root->states[0];
  CHECK(s.error_path == "$.error");
  CHECK(s.cause_path == "States.Format('bad {}', $.x)");
  CHECK_FALSE(s.error);
}

TEST_CASE("Nested machines get depth-first ids and are indexed by the definition", "[asl][parse]") {
  auto def = parse_ok(R"({"StartAt":"P","States":{
    "P":{"Type":"Parallel","Branches":[
        {"StartAt":"X","States":{"X":{"Type":"Map","ItemProcessor":{"StartAt":"XI",
            "States":{"XI":{"Type":"Pass","End":true}}},"End":true}}},
        {"StartAt":"Y","States":{"Y":{"Type":"Pass","End":true}}}],
      "Next":"M"},
    "M":{"Type":"Map","Iterator":{"StartAt":"MI","States":{"MI":{"Type":"Pass","End":true}}},
      "End":true}}})");
  REQUIRE(def->machines.size() == 5);
  for (size_t i = 0; i < def->machines.size(); ++i) CHECK(def->machines[i]->id == int(i));
  const state& p = def->root->states[0];
  REQUIRE(p.branches.size() == 2);
  CHECK(p.branches[0]->id == 1);
  CHECK(p.branches[0].get() == def->machines[1]);
  CHECK(p.branches[0]->states[0].processor->id == 2);
  CHECK(p.branches[0]->states[0].processor->states[0].name == "XI");
  CHECK(p.branches[1]->id == 3);
  CHECK(p.branches[1]->start_index == 0);
  const state& m = def->root->states[1];
  REQUIRE(m.processor);
  CHECK(m.processor->id == 4);
  CHECK(m.processor.get() == def->machines[4]);
  CHECK(p.next_index == 1);
}

TEST_CASE("Map ItemProcessor fields are compiled", "[asl][parse]") {
  auto def = parse_ok(one_state(R"("Type":"Map","ItemsPath":"$.items",
    "ItemSelector":{"item.$":"$$.Map.Item.Value"},
    "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"I",
                     "States":{"I":{"Type":"Pass","End":true}}},
    "MaxConcurrency":5,"ToleratedFailureCount":2,"ToleratedFailurePercentage":12.5,
    "ResultPath":"$.out","ResultSelector":{"n.$":"$"},"End":true)"));
  const state& s = def->root->states[0];
  CHECK(s.type == state_type::map);
  CHECK(s.items_path.path->text() == "$.items");
  CHECK(s.parameters);
  CHECK_FALSE(s.item_selector_legacy);
  CHECK(s.max_concurrency == 5);
  CHECK(s.tolerated_failure_count == 2);
  CHECK(s.tolerated_failure_percentage == 12.5);
  CHECK(s.result_selector);
  REQUIRE(s.processor);
  CHECK(s.processor->start_at == "I");
}

TEST_CASE("A legacy Map with Iterator and Parameters selects items the legacy way",
          "[asl][parse]") {
  auto def = parse_ok(one_state(R"("Type":"Map","Parameters":{"x.$":"$$.Map.Item.Value"},
    "Iterator":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},
    "MaxConcurrencyPath":"$.limit","End":true)"));
  const state& s = def->root->states[0];
  CHECK(s.parameters);
  CHECK(s.item_selector_legacy);
  CHECK(s.items_path.path->is_root());
  REQUIRE(s.max_concurrency_path);
  CHECK(s.max_concurrency_path->text() == "$.limit");
}

TEST_CASE("A DISTRIBUTED Map is accepted and runs inline", "[asl][parse]") {
  parse_ok(one_state(R"("Type":"Map","Label":"run",
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},
      "StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},
    "ToleratedFailurePercentagePath":"$.p","ToleratedFailureCountPath":"$.c","End":true)"));
}

TEST_CASE("Top-level Version, TimeoutSeconds and QueryLanguage JSONPath are accepted",
          "[asl][parse]") {
  auto def = parse_ok(R"({"Version":"1.0","TimeoutSeconds":3600,"QueryLanguage":"JSONPath",
    "StartAt":"S","States":{"S":{"Type":"Pass","QueryLanguage":"JSONPath","End":true}}})");
  CHECK(def->root->timeout_seconds == 3600);
}

TEST_CASE("A Choice loop with a terminal exit is valid", "[asl][parse]") {
  parse_ok(R"({"StartAt":"Wait","States":{
    "Wait":{"Type":"Wait","Seconds":1,"Next":"Check"},
    "Check":{"Type":"Choice","Choices":[{"Variable":"$.done","BooleanEquals":true,"Next":"Done"}],
             "Default":"Wait"},
    "Done":{"Type":"Succeed"}}})");
}

TEST_CASE("A loop with a terminal exit is accepted inside a Map", "[asl][parse]") {
  parse_ok(one_state(R"("Type":"Map","ItemProcessor":{"StartAt":"A","States":{
      "A":{"Type":"Pass","Next":"B"},
      "B":{"Type":"Choice","Choices":[{"Variable":"$.done","IsPresent":true,"Next":"E"}],
           "Default":"A"},
      "E":{"Type":"Pass","End":true}}},"End":true)"));
}

TEST_CASE("A definition with many states parses quickly", "[asl][parse]") {
  std::string text = R"({"StartAt":"S0","States":{)";
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    text += "\"S" + std::to_string(i) + R"(":{"Type":"Pass","ResultPath":"$.r)" +
            std::to_string(i) + "\",";
    text += i + 1 < n ? "\"Next\":\"S" + std::to_string(i + 1) + "\"}," : "\"End\":true}";
  }
  text += "}}";
  auto def = parse_ok(text);
  CHECK(def->root->states.size() == n);
  CHECK(def->root->states[n - 2].next_index == n - 1);
}
