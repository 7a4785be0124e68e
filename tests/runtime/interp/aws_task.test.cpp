// Task states on AWS resources in the pure core: the legacy Lambda ARN's
// history and a Task's Credentials.RoleArn carried by the call command.
#include "interp_test_util.hpp"

#include "runtime/interp/integration.hpp"

using namespace sc::interp;
using interp_test::compile;
using interp_test::execution;

namespace {

const cmd_call_integration* call_of(const step_result& r) {
  for (const auto& c : r.commands)
    if (auto* p = std::get_if<cmd_call_integration>(&c)) return p;
  return nullptr;
}

}  // namespace

TEST_CASE("A legacy Lambda ARN Resource records LambdaFunction* events", "[interp][aws]") {
  auto def = compile(R"({"StartAt":"L","States":{"L":{"Type":"Task",
    "Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","TimeoutSeconds":9,"End":true}}})");
  auto r = step(*def, execution(R"({"n":1})"), ev_start{}, 1000);
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[2].type == "LambdaFunctionScheduled");
  CHECK(r.events[2].details_key == "lambdaFunctionScheduledEventDetails");
  auto* call = call_of(r);
  REQUIRE(call);
  ev_integration ok;
  ok.task = call->task;
  ok.k = ev_integration::kind::succeeded;
  ok.output = R"({"r":2})";
  auto d = step(*def, r.next, ok, 2000);
  REQUIRE(d.events.size() >= 2);
  CHECK(d.events[0].type == "LambdaFunctionStarted");
  CHECK(d.events[1].type == "LambdaFunctionSucceeded");
  CHECK(d.events[1].details_key == "lambdaFunctionSucceededEventDetails");
}

TEST_CASE("A Task's Credentials.RoleArn, literal or path, rides on the call", "[interp][aws]") {
  auto lit = compile(R"({"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage",
    "Parameters":{"QueueUrl":"q","MessageBody":"m"},"Credentials":{"RoleArn":"arn:aws:iam::1:role/a"},"End":true}}})");
  auto r = step(*lit, execution("{}"), ev_start{}, 1000);
  REQUIRE(call_of(r));
  CHECK(call_of(r)->role_arn == "arn:aws:iam::1:role/a");
  auto path = compile(R"({"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage",
    "Parameters":{"QueueUrl":"q","MessageBody":"m"},"Credentials":{"RoleArn.$":"$.role"},"End":true}}})");
  r = step(*path, execution(R"({"role":"arn:aws:iam::2:role/b"})"), ev_start{}, 1000);
  REQUIRE(call_of(r));
  CHECK(call_of(r)->role_arn == "arn:aws:iam::2:role/b");
}

namespace {

const sc::model::history_event* event_of(const step_result& r, const std::string& type) {
  for (const auto& e : r.events)
    if (e.type == type) return &e;
  return nullptr;
}

}  // namespace

TEST_CASE("A JSONata Credentials.RoleArn expression is evaluated; TaskScheduled records taskCredentials",
          "[interp][aws]") {
  auto def = compile(R"({"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Task",
    "Resource":"arn:aws:states:::sqs:sendMessage","Arguments":{"QueueUrl":"q","MessageBody":"m"},
    "Credentials":{"RoleArn":"{% 'arn:aws:iam::' & $states.input.account & ':role/x' %}"},"End":true}}})");
  auto r = step(*def, execution(R"({"account":"210987654321"})"), ev_start{}, 1000);
  REQUIRE(call_of(r));
  CHECK(call_of(r)->role_arn == "arn:aws:iam::210987654321:role/x");
  auto* sched = event_of(r, "TaskScheduled");
  REQUIRE(sched);
  CHECK(sched->details.find(R"("taskCredentials":{"roleArn":"arn:aws:iam::210987654321:role/x"})") !=
        std::string::npos);

  // A literal in JSONata mode, too.
  auto lit = compile(R"({"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Task",
    "Resource":"arn:aws:states:::sqs:sendMessage","Arguments":{"QueueUrl":"q","MessageBody":"m"},
    "Credentials":{"RoleArn":"arn:aws:iam::1:role/lit"},"End":true}}})");
  r = step(*lit, execution("{}"), ev_start{}, 1000);
  REQUIRE(call_of(r));
  CHECK(call_of(r)->role_arn == "arn:aws:iam::1:role/lit");

  // No Credentials: no taskCredentials.
  auto none = compile(R"({"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage",
    "Parameters":{"QueueUrl":"q","MessageBody":"m"},"End":true}}})");
  r = step(*none, execution("{}"), ev_start{}, 1000);
  REQUIRE(event_of(r, "TaskScheduled"));
  CHECK(event_of(r, "TaskScheduled")->details.find("taskCredentials") == std::string::npos);
}

TEST_CASE("A Credentials.RoleArn that does not resolve fails the state", "[interp][aws]") {
  auto def = compile(R"({"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Task",
    "Resource":"arn:aws:states:::sqs:sendMessage","Arguments":{"QueueUrl":"q","MessageBody":"m"},
    "Credentials":{"RoleArn":"{% $states.input.n %}"},"End":true}}})");
  auto r = step(*def, execution(R"({"n":5})"), ev_start{}, 1000);
  CHECK_FALSE(call_of(r));
  auto* failed = event_of(r, "ExecutionFailed");
  REQUIRE(failed);
  CHECK(failed->details.find("States.QueryEvaluationError") != std::string::npos);

  auto path = compile(R"({"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage",
    "Parameters":{"QueueUrl":"q","MessageBody":"m"},"Credentials":{"RoleArn.$":"$.role"},"End":true}}})");
  r = step(*path, execution("{}"), ev_start{}, 1000);
  CHECK_FALSE(call_of(r));
  failed = event_of(r, "ExecutionFailed");
  REQUIRE(failed);
  CHECK(failed->details.find("States.Runtime") != std::string::npos);
  CHECK(failed->details.find("specified for the field 'RoleArn.$' could not be found") != std::string::npos);
}

TEST_CASE("recovery_role re-selects a RoleArn.$ path from the state input", "[interp][aws]") {
  auto path = compile(R"({"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage",
    "Parameters":{"QueueUrl":"q","MessageBody":"m"},"Credentials":{"RoleArn.$":"$.role"},"End":true}}})");
  const auto& st = path->machines[0]->states[0];
  CHECK(recovery_role(st, R"({"role":"arn:aws:iam::2:role/b"})") == "arn:aws:iam::2:role/b");
  CHECK(recovery_role(st, "{}").empty());
  auto lit = compile(R"({"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage",
    "Parameters":{"QueueUrl":"q","MessageBody":"m"},"Credentials":{"RoleArn":"arn:aws:iam::1:role/a"},"End":true}}})");
  CHECK(recovery_role(lit->machines[0]->states[0], "{}") == "arn:aws:iam::1:role/a");
}
