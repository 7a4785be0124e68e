// TestState's one step (runtime/interp/test_state*.cpp): statuses, the
// inspection data of each state type, mocks, Retry/Catch reporting,
// variables, the Context object and the refused requests.
#include "runtime/interp/test_state.hpp"
#include "runtime/json/json.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace sc;
using interp::inspection_level;

namespace {

interp::test_request request(std::string definition, std::string input = "{}") {
  interp::test_request r;
  r.definition = std::move(definition);
  r.input = std::move(input);
  r.role_arn = "arn:aws:iam::123456789012:role/r";
  r.level = inspection_level::debug;
  r.now_ms = 1700000000000;
  r.seed = 7;
  return r;
}

interp::test_result ok(const interp::test_request& req) {
  auto r = interp::test_state(req);
  INFO((r.refusal ? r.refusal->type + ": " + r.refusal->message : std::string()));
  REQUIRE_FALSE(r.refusal);
  return r;
}

interp::test_mock mock_result(std::string json) {
  interp::test_mock m;
  m.result = std::move(json);
  return m;
}

interp::test_mock mock_error(std::string error, std::optional<std::string> cause = {}) {
  interp::test_mock m;
  m.error_output = true;
  m.error = std::move(error);
  m.cause = std::move(cause);
  return m;
}

/// The inspectionData members present, by their wire names.
std::set<std::string> fields(const interp::test_result& r) {
  std::set<std::string> out;
  if (!r.inspection) return out;
  json::document d;
  REQUIRE(json::parse(interp::to_json(r), d));
  for (auto& m : d["inspectionData"].GetObject()) out.insert(m.name.GetString());
  return out;
}

const char* kRetryTask = R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Next":"N",
  "Retry":[{"ErrorEquals":["Other"]},
           {"ErrorEquals":["E"],"IntervalSeconds":3,"BackoffRate":2,"MaxAttempts":2,"MaxDelaySeconds":5}],
  "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"H"}]})";

}  // namespace

TEST_CASE("TestState Pass reports each stage of the data flow", "[interp][test_state]") {
  auto req = request(R"({"Type":"Pass","InputPath":"$.a","Parameters":{"x.$":"$.b"},
                         "ResultPath":"$.r","OutputPath":"$.r","Next":"Later"})",
                     R"({"a":{"b":1}})");
  auto r = ok(req);
  CHECK(r.status == "SUCCEEDED");
  CHECK(*r.output == R"({"x":1})");
  CHECK(*r.next_state == "Later");
  REQUIRE(r.inspection);
  CHECK(*r.inspection->input == R"({"a":{"b":1}})");
  CHECK(*r.inspection->after_input_path == R"({"b":1})");
  CHECK(*r.inspection->after_parameters == R"({"x":1})");
  CHECK(*r.inspection->after_result_selector == R"({"x":1})");
  CHECK(*r.inspection->after_result_path == R"({"a":{"b":1},"r":{"x":1}})");
  CHECK(fields(r) == std::set<std::string>{"input", "afterInputPath", "afterParameters",
                                           "afterResultSelector", "afterResultPath"});
  req.level = inspection_level::info;
  auto info = ok(req);
  CHECK_FALSE(info.inspection);
  CHECK(*info.output == R"({"x":1})");
}

TEST_CASE("TestState Pass with Result reports the result, not the input path",
          "[interp][test_state]") {
  auto r = ok(request(R"({"Type":"Pass","Result":{"k":"v"},"End":true})", R"({"in":1})"));
  CHECK(*r.output == R"({"k":"v"})");
  CHECK_FALSE(r.next_state);
  CHECK(fields(r) == std::set<std::string>{"input", "result", "afterResultSelector",
                                           "afterResultPath"});
}

TEST_CASE("TestState Choice, Wait, Succeed and Fail", "[interp][test_state]") {
  auto c = ok(request(R"({"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"One"}],
                          "Default":"Other"})",
                      R"({"n":1})"));
  CHECK(*c.next_state == "One");
  CHECK(fields(c) == std::set<std::string>{"input", "afterInputPath"});
  auto w = ok(request(R"({"Type":"Wait","Seconds":99999,"OutputPath":"$.k","Next":"W2"})",
                      R"({"k":[1]})"));
  CHECK(w.status == "SUCCEEDED");
  CHECK(*w.output == "[1]");
  CHECK(*w.next_state == "W2");
  auto s = ok(request(R"({"Type":"Succeed"})", "3"));
  CHECK(*s.output == "3");
  auto f = ok(request(R"({"Type":"Fail","Error":"E","Cause":"C"})"));
  CHECK(f.status == "FAILED");
  CHECK(*f.error == "E");
  CHECK(*f.cause == "C");
  CHECK_FALSE(f.output);
  CHECK(fields(f) == std::set<std::string>{"input"});
}

TEST_CASE("TestState Task takes its result or error from the mock", "[interp][test_state]") {
  auto req = request(R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                         "ResultSelector":{"p.$":"$.Payload"},"ResultPath":"$.out","End":true})",
                     R"({"in":true})");
  req.mock = mock_result(R"({"Payload":5})");
  auto r = ok(req);
  CHECK(*r.output == R"({"in":true,"out":{"p":5}})");
  CHECK(*r.inspection->result == R"({"Payload":5})");
  CHECK(*r.inspection->after_result_selector == R"({"p":5})");
  req.mock = mock_error("Boom");
  auto e = ok(req);
  CHECK(e.status == "FAILED");
  CHECK(*e.error == "Boom");
  CHECK_FALSE(e.cause);
}

TEST_CASE("TestState reports a retry as RETRIABLE with the retrier's back-off",
          "[interp][test_state][retry]") {
  auto req = request(kRetryTask);
  req.mock = mock_error("E", "c");
  auto r = ok(req);
  CHECK(r.status == "RETRIABLE");
  CHECK(*r.inspection->retry_index == 1);
  CHECK(*r.inspection->retry_backoff_seconds == 3);
  req.retrier_retry_count = 1;
  r = ok(req);
  CHECK(r.status == "RETRIABLE");
  CHECK(*r.inspection->retry_backoff_seconds == 5);  // 6, capped by MaxDelaySeconds
  req.retrier_retry_count = 2;  // MaxAttempts reached: the catcher
  r = ok(req);
  CHECK(r.status == "CAUGHT_ERROR");
  CHECK(*r.next_state == "H");
  CHECK(*r.output == R"({"error":{"Error":"E","Cause":"c"}})");
  CHECK(*r.inspection->catch_index == 0);
  CHECK(*r.inspection->retry_index == 1);  // the retrier that matched, used up
  CHECK_FALSE(r.inspection->retry_backoff_seconds);
  CHECK(*r.error == "E");
}

TEST_CASE("TestState JSONata states: Arguments, Output, Assign and variables",
          "[interp][test_state][jsonata]") {
  auto req = request(R"({"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::lambda:invoke",
                         "Arguments":{"v":"{% $states.input.v + $add %}"},
                         "Output":"{% $states.result %}","Assign":{"got":"{% $states.result %}"},
                         "End":true})",
                     R"({"v":1})");
  req.variables = R"({"add":10})";
  req.mock = mock_result("[7]");
  auto r = ok(req);
  CHECK(*r.output == "[7]");
  CHECK(*r.inspection->after_arguments == R"({"v":11})");
  json::document vars;
  REQUIRE(json::parse(*r.inspection->variables, vars));
  CHECK(vars["add"].GetInt() == 10);
  CHECK(vars["got"][0].GetInt() == 7);
}

TEST_CASE("TestState context is merged over the generated Context object",
          "[interp][test_state][context]") {
  auto req = request(R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                         "Parameters":{"n.$":"$$.Execution.Name","s.$":"$$.State.Name","x.$":"$$.Extra"},
                         "End":true})");
  req.mock = mock_result("{}");
  req.context = R"({"Execution":{"Name":"mine"},"Extra":1})";
  auto r = ok(req);
  CHECK(*r.inspection->after_parameters == R"({"n":"mine","s":"StateName","x":1})");
}

TEST_CASE("TestState whole definition with stateName", "[interp][test_state]") {
  const char* machine = R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},
    "B":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"C","States":{"C":{"Type":"Succeed"}}}]}}})";
  auto req = request(machine);
  req.state_name = "A";
  CHECK(*ok(req).next_state == "B");
  req.state_name = "C";
  CHECK(ok(req).status == "SUCCEEDED");
  req.state_name = "B";
  req.mock = mock_result("[1]");
  CHECK(*ok(req).output == "[1]");
  req.state_name = "Z";
  auto z = interp::test_state(req);
  REQUIRE(z.refusal);
  CHECK(z.refusal->message == "State not found in definition");
}

TEST_CASE("TestState Map: items, limits, failure threshold", "[interp][test_state][map]") {
  auto req = request(R"({"Type":"Map","ItemsPath":"$.xs","ToleratedFailurePercentage":50,
    "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true})",
                     R"({"xs":[1,2,3,4]})");
  req.mock = mock_result("[1,2,3,4]");
  auto r = ok(req);
  CHECK(r.status == "SUCCEEDED");
  CHECK(*r.inspection->after_items_path == "[1,2,3,4]");
  CHECK(*r.inspection->max_concurrency == 0);
  CHECK(*r.inspection->tolerated_failure_percentage == 50);
  req.map_iteration_failure_count = 2;
  CHECK(ok(req).status == "SUCCEEDED");
  req.map_iteration_failure_count = 3;
  r = ok(req);
  CHECK(r.status == "FAILED");
  CHECK(*r.error == "States.ExceedToleratedFailureThreshold");
}

TEST_CASE("TestState refuses what AWS refuses", "[interp][test_state]") {
  auto refused = [](interp::test_request req) {
    auto r = interp::test_state(req);
    REQUIRE(r.refusal);
    return *r.refusal;
  };
  auto bad = request(R"({"Type":"Pass","Next":"N"})");
  bad.mock = mock_result("{}");
  CHECK(refused(bad).message == "State type 'Pass' is not supported when a mock is specified");
  auto input = request(R"({"Type":"Pass","End":true})", "{");
  CHECK(refused(input).type == "InvalidExecutionInput");
  auto def = request(R"({"Type":"Pass"})");
  CHECK(refused(def).type == "InvalidDefinition");
  auto map = request(R"({"Type":"Map","End":true,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Succeed"}}}})");
  CHECK(refused(map).type == "InvalidDefinition");
  auto both = request(R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true})");
  both.mock = mock_result("{}");
  both.mock->error_output = true;
  CHECK(refused(both).message ==
        "A test mock should have only one of the following fields: [result, errorOutput].");
  auto task = request(R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true})");
  CHECK(refused(task).type == "ValidationException");
  task.role_arn.clear();
  CHECK(refused(task).message == "RoleArn must be specified when testing a Task state");
  auto pass = request(R"({"Type":"Pass","Parameters":{"r.$":"$$.Execution.RoleArn"},"End":true})");
  pass.role_arn.clear();  // no role needed: $$.Execution.RoleArn is null
  CHECK(*ok(pass).output == R"({"r":null})");
}

TEST_CASE("TestState answer JSON", "[interp][test_state]") {
  auto req = request(kRetryTask);
  req.mock = mock_error("E", "c");
  auto r = ok(req);
  CHECK(interp::to_json(r) ==
        R"({"error":"E","cause":"c","inspectionData":{"input":"{}","afterInputPath":"{}",)"
        R"("afterParameters":"{}","errorDetails":{"retryIndex":1,"retryBackoffIntervalSeconds":3}},)"
        R"("status":"RETRIABLE"})");
}

TEST_CASE("TestState fieldValidationMode checks a Step Functions integration's result",
          "[interp][test_state][mock]") {
  auto req = request(R"({"Type":"Task","Resource":"arn:aws:states:::states:startExecution",
                         "Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:x"},
                         "End":true})");
  auto message = [&](std::string result, std::string mode) {
    req.mock = mock_result(std::move(result));
    req.mock->field_validation = std::move(mode);
    auto r = interp::test_state(req);
    return r.refusal ? r.refusal->message : std::string("ok");
  };
  const std::string ok_result = R"({"ExecutionArn":"arn:e","StartDate":"2025-01-01T00:00:00Z","Extra":1})";
  CHECK(message(ok_result, "STRICT") == "ok");
  CHECK(message(R"({"executionArn":"arn:e"})", "STRICT") ==
        "Mock result schema validation error: Required field 'ExecutionArn' is missing");
  CHECK(message(R"({"executionArn":"arn:e"})", "PRESENT") == "ok");
  CHECK(message(R"({"ExecutionArn":"arn:e","StartDate":true})", "PRESENT") ==
        "Mock result schema validation error: Field 'StartDate' must be a string");
  CHECK(message(R"({"ExecutionArn":"arn:e","StartDate":true})", "NONE") == "ok");
  req.definition = R"({"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
                       "Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:x"},
                       "End":true})";
  CHECK(message(R"({"ExecutionArn":"a","StateMachineArn":"b","Status":"DONE","StartDate":"d","Output":{"x":1}})",
                "STRICT") == "Mock result schema validation error: Field 'Status' is not an expected value");
  CHECK(message(R"({"ExecutionArn":"a","StateMachineArn":"b","Status":"SUCCEEDED","StartDate":"d","Output":{"x":1}})",
                "STRICT") == "ok");
  // An API Statecraft does not know: taken as it is.
  req.definition = R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true})";
  CHECK(message(R"({"StatusCode":"two hundred"})", "STRICT") == "ok");
}

TEST_CASE("TestState single state: its own problems only, loops allowed", "[interp][test_state]") {
  auto loop = ok(request(R"({"Type":"Wait","Seconds":5,"Next":"StateName"})"));
  CHECK(*loop.next_state == "StateName");
  auto named = request(R"({"Type":"Pass","Next":"Again"})");
  named.state_name = "Again";
  CHECK(*ok(named).next_state == "Again");
  auto r = interp::test_state(request(R"({"Type":"Pass"})"));
  REQUIRE(r.refusal);
  CHECK(r.refusal->message ==
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: This object should have only "
        "one of the following fields: [Next, End] at /States/StateName'");
}

TEST_CASE("TestState gives a callback Task a task token in $$.Task.Token",
          "[interp][test_state][context]") {
  auto req = request(R"({"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                         "Parameters":{"QueueUrl":"q","MessageBody":{"token.$":"$$.Task.Token"}},"End":true})");
  req.mock = mock_result(R"({"done":true})");
  auto r = ok(req);
  json::document params;
  REQUIRE(json::parse(*r.inspection->after_parameters, params));
  CHECK(std::string(params["MessageBody"]["token"].GetString()).size() == 32);
  req.context = R"({"Task":{"Token":"mine"}})";
  CHECK(*ok(req).inspection->after_parameters == R"({"QueueUrl":"q","MessageBody":{"token":"mine"}})");
}

TEST_CASE("TestState retrierRetryCount is the state's $$.State.RetryCount",
          "[interp][test_state][context]") {
  auto req = request(R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                         "Parameters":{"attempt.$":"$$.State.RetryCount"},"End":true})");
  req.mock = mock_result("{}");
  CHECK(*ok(req).inspection->after_parameters == R"({"attempt":0})");
  req.retrier_retry_count = 2;
  CHECK(*ok(req).inspection->after_parameters == R"({"attempt":2})");
}
