// aws-sdk:sfn:<action> shapes (actors/sfn_sdk.*): the SDK's PascalCase
// members to the API's camelCase and back, timestamps as the SDK renders
// them, errors as the SDK's exceptions.
#include "actors/sfn_sdk.hpp"

#include "runtime/json/json.hpp"

#include <catch2/catch.hpp>

#include <regex>

using namespace sc::actors;

TEST_CASE("aws-sdk:sfn requests take PascalCase members, JSON text members as JSON",
          "[sfn_sdk]") {
  CHECK(sdk_operation("describeExecution") == "DescribeExecution");
  CHECK(sdk_request_body(
            R"({"Name":"n","Definition":{"StartAt":"P"},"Input":"{\"a\":1}",)"
            R"("LoggingConfiguration":{"Level":"ALL","Destinations":[{"CloudWatchLogsLogGroup":)"
            R"({"LogGroupArn":"g"}}]},"Tags":[{"Key":"k","Value":"v"}]})") ==
        R"({"name":"n","definition":"{\"StartAt\":\"P\"}","input":"{\"a\":1}",)"
        R"("loggingConfiguration":{"level":"ALL","destinations":[{"cloudWatchLogsLogGroup":)"
        R"({"logGroupArn":"g"}}]},"tags":[{"key":"k","value":"v"}]})");
  // Only top-level text members are turned into text.
  CHECK(sdk_request_body(R"({"X":{"Input":{"a":1}}})") == R"({"x":{"input":{"a":1}}})");
  CHECK(sdk_request_body("not json") == "{}");
}

TEST_CASE("aws-sdk:sfn results: PascalCase, map keys kept, ISO-8601 dates", "[sfn_sdk]") {
  CHECK(sdk_result(R"({"executionArn":"e","startDate":1700000000.5,"stopDate":1700000001,)"
                   R"("variableReferences":{"stateA":["v"]},"events":[{"timestamp":1.7e9,)"
                   R"("passStateEnteredEventDetails":{"name":"x"}}]})") ==
        R"({"ExecutionArn":"e","StartDate":"2023-11-14T22:13:20.500Z",)"
        R"("StopDate":"2023-11-14T22:13:21Z","VariableReferences":{"stateA":["v"]},)"
        R"("Events":[{"Timestamp":"2023-11-14T22:13:20Z",)"
        R"("PassStateEnteredEventDetails":{"Name":"x"}}]})");
}

TEST_CASE("aws-sdk:sfn errors are the SDK's exceptions", "[sfn_sdk]") {
  auto e = sdk_failure(400, R"({"__type":"com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist",)"
                            R"("message":"Execution Does Not Exist: 'x'"})");
  CHECK(e.error == "Sfn.ExecutionDoesNotExistException");
  CHECK(std::regex_match(e.cause, std::regex(R"(Execution Does Not Exist: 'x' \(Service: Sfn, )"
                                             R"(Status Code: 400, Request ID: [0-9a-f-]{36}\) )"
                                             R"(\(SDK Attempt Count: 1\))")));
  CHECK(sdk_failure(400, "ValidationException", "m").error == "Sfn.ValidationException");
  CHECK(sdk_failure(400, "InvalidToken", "Invalid token").cause.rfind(
            "Invalid Token: 'Invalid token' (Service: Sfn", 0) == 0);
  auto o = optimized_failure("StateMachineDoesNotExist", "State Machine Does Not Exist: 's'");
  CHECK(o.error == "StepFunctions.StateMachineDoesNotExistException");
  CHECK(o.cause.rfind("State Machine Does Not Exist: 's' (Service: AWSStepFunctions; Status "
                      "Code: 400; Error Code: StateMachineDoesNotExist; Request ID: ",
                      0) == 0);
}
