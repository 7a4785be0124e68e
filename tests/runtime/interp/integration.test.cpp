// Task states that call a service integration (state_task_integration.cpp,
// integration.hpp): the command the core emits, the events it takes back,
// the history it records, $$.Task.Token and the callback pattern.
#include "interp_test_util.hpp"

#include "runtime/interp/integration.hpp"
#include "runtime/interp/simulate.hpp"
#include "runtime/json/json.hpp"

using namespace sc::interp;
using interp_test::compile;
using interp_test::execution;

namespace {

std::vector<std::string> types(const std::vector<sc::model::history_event>& ev) {
  std::vector<std::string> out;
  for (const auto& e : ev) out.push_back(e.type);
  return out;
}

template <class T>
const T* find_cmd(const step_result& r) {
  for (const auto& c : r.commands)
    if (auto* p = std::get_if<T>(&c)) return p;
  return nullptr;
}

std::string task_def(const std::string& resource, const std::string& extra = "") {
  return R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":")" + resource +
         R"(","Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:c",)"
         R"("Input":{"v.$":"$.v","token.$":"$$.Task.Token"}})" +
         extra + R"(,"End":true}}})";
}

ev_integration outcome(int64_t task, ev_integration::kind k, std::string output = "",
                       std::string error = "", std::string cause = "") {
  ev_integration e;
  e.task = task;
  e.k = k;
  e.output = std::move(output);
  e.error = std::move(error);
  e.cause = std::move(cause);
  return e;
}

}  // namespace

TEST_CASE("Resources parse into resource type, resource and pattern", "[interp][integration]") {
  auto a = parse_integration("arn:aws:states:::states:startExecution.sync:2");
  REQUIRE(a);
  CHECK(a->resource_type == "states");
  CHECK(a->resource == "startExecution.sync:2");
  CHECK(a->action == "startExecution");
  CHECK(a->pattern == integration_pattern::sync2);
  auto b = parse_integration("arn:aws:states:::aws-sdk:sfn:sendTaskFailure");
  REQUIRE(b);
  CHECK(b->resource_type == "aws-sdk:sfn");
  CHECK(b->resource == "sendTaskFailure");
  CHECK(integration_supported(*b));
  // Every Step Functions action as an aws-sdk integration; no `.sync` there.
  CHECK(integration_supported(*parse_integration("arn:aws:states:::aws-sdk:sfn:startExecution")));
  CHECK(integration_supported(
      *parse_integration("arn:aws:states:::aws-sdk:sfn:describeExecution.waitForTaskToken")));
  CHECK_FALSE(integration_supported(*parse_integration("arn:aws:states:::aws-sdk:sfn:nope")));
  CHECK_FALSE(
      integration_supported(*parse_integration("arn:aws:states:::aws-sdk:sfn:listExecutions.sync")));
  CHECK(resource_problem("arn:aws:states:::aws-sdk:sfn:nope") ==
        "The resource provided arn:aws:states:::aws-sdk:sfn:nope is not recognized. The value is "
        "not a valid resource ARN, or the resource is not available in this region.");
  CHECK_FALSE(resource_problem("arn:aws:states:::states:stopExecution").empty());
  CHECK(resource_problem("arn:aws:states:::lambda:invoke").empty());
  CHECK(resource_problem("arn:aws:states:::aws-sdk:s3:getObject").empty());
  CHECK(resource_problem("arn:aws:states:us-east-1:123456789012:activity:a").empty());
  CHECK(resource_problem("arn:aws:lambda:us-east-1:123456789012:function:f").empty());
  CHECK_FALSE(integration_supported(*parse_integration("arn:aws:states:::lambda:invoke")));
  auto c = parse_integration("arn:aws:states:::sqs:sendMessage.waitForTaskToken");
  REQUIRE(c);
  CHECK(c->pattern == integration_pattern::wait_for_task_token);
  CHECK(c->resource == "sendMessage.waitForTaskToken");
  CHECK_FALSE(parse_integration("arn:aws:states:us-east-1:123456789012:activity:a"));
  CHECK_FALSE(parse_integration("arn:aws:lambda:us-east-1:123456789012:function:f"));
  CHECK(integration_supported(*parse_integration("arn:aws:states:::states:startExecution")));
}

TEST_CASE("Request-response: TaskScheduled, a call command, then TaskStarted and TaskSucceeded",
          "[interp][integration]") {
  auto def = compile(R"({"StartAt":"T","States":{"T":{"Type":"Task",
    "Resource":"arn:aws:states:::states:startExecution",
    "Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:c","Input.$":"$"},
    "ResultSelector":{"arn.$":"$.ExecutionArn"},"ResultPath":"$.r","TimeoutSeconds":30,"End":true}}})");
  auto r = step(*def, execution(R"({"v":1})"), ev_start{}, 1000);
  REQUIRE(types(r.events) ==
          std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "TaskScheduled"});
  CHECK(r.events[2].details_key == "taskScheduledEventDetails");
  CHECK(r.events[2].details ==
        R"({"resourceType":"states","resource":"startExecution","region":"us-east-1",)"
        R"("parameters":"{\"StateMachineArn\":\"arn:aws:states:us-east-1:123456789012:stateMachine:c\",\"Input\":{\"v\":1}}","timeoutInSeconds":30})");
  auto* call = find_cmd<cmd_call_integration>(r);
  REQUIRE(call);
  CHECK(call->resource == "arn:aws:states:::states:startExecution");
  CHECK(call->pattern == uint8_t(integration_pattern::request_response));
  CHECK(call->timeout_seconds == 30);
  CHECK_FALSE(find_cmd<cmd_schedule_activity>(r));
  // The timeout timer is armed.
  CHECK(find_cmd<cmd_start_timer>(r));

  auto d = step(*def, r.next,
                outcome(call->task, ev_integration::kind::succeeded,
                        R"({"ExecutionArn":"x","StartDate":5})"),
                2000);
  REQUIRE(types(d.events) == std::vector<std::string>{"TaskStarted", "TaskSucceeded",
                                                      "TaskStateExited", "ExecutionSucceeded"});
  CHECK(d.events[0].details == R"({"resourceType":"states","resource":"startExecution"})");
  CHECK(d.next.output == R"({"v":1,"r":{"arn":"x"}})");
  auto* cancel = find_cmd<cmd_cancel_integration>(d);
  REQUIRE(cancel);
  CHECK(cancel->task == call->task);

  // A late or repeated outcome changes nothing.
  auto again = step(*def, d.next, outcome(call->task, ev_integration::kind::succeeded, "{}"), 3000);
  CHECK(again.events.empty());
}

TEST_CASE("A failed call is TaskFailed and goes through Retry", "[interp][integration]") {
  auto def = compile(R"({"StartAt":"T","States":{"T":{"Type":"Task",
    "Resource":"arn:aws:states:::states:startExecution",
    "Parameters":{"StateMachineArn":"m"},
    "Retry":[{"ErrorEquals":["StepFunctions.StateMachineDoesNotExistException"],"MaxAttempts":1,"IntervalSeconds":1}],
    "End":true}}})");
  auto r = step(*def, execution("{}"), ev_start{}, 1000);
  auto task = find_cmd<cmd_call_integration>(r)->task;
  auto f = step(*def, r.next,
                outcome(task, ev_integration::kind::failed, "",
                        "StepFunctions.StateMachineDoesNotExistException", "nope"),
                2000);
  REQUIRE(types(f.events) == std::vector<std::string>{"TaskStarted", "TaskFailed"});
  CHECK(f.events[1].details ==
        R"({"resourceType":"states","resource":"startExecution",)"
        R"("error":"StepFunctions.StateMachineDoesNotExistException","cause":"nope"})");
  CHECK(f.next.status == exec_status::running);  // waiting for the retry
}

TEST_CASE("waitForTaskToken: $$.Task.Token in the parameters; SendTaskSuccess ends the task",
          "[interp][integration]") {
  auto def = compile(task_def("arn:aws:states:::states:startExecution.waitForTaskToken",
                              R"(,"HeartbeatSeconds":5)"));
  limits lim;
  sc::model::token_codec codec("secret");
  lim.tokens = &codec;
  auto r = step(*def, execution(R"({"v":2})"), ev_start{}, 1000, lim);
  auto* call = find_cmd<cmd_call_integration>(r);
  REQUIRE(call);
  sc::json::document p;
  REQUIRE(sc::json::parse(call->parameters, p));
  std::string token = p["Input"]["token"].GetString();
  auto decoded = codec.decode(token);
  REQUIRE(decoded);
  CHECK(decoded->task_id == call->task);
  CHECK(decoded->execution_arn == r.next.execution_arn);
  CHECK(r.events.back().details.find("\"heartbeatInSeconds\":5") != std::string::npos);

  auto s = step(*def, r.next,
                outcome(call->task, ev_integration::kind::submitted, R"({"ExecutionArn":"c"})"),
                1500, lim);
  REQUIRE(types(s.events) == std::vector<std::string>{"TaskStarted", "TaskSubmitted"});
  CHECK(s.events[1].payload == R"({"ExecutionArn":"c"})");
  CHECK(find_cmd<cmd_start_timer>(s));  // the heartbeat timer, armed at TaskStarted
  // Submitted again (a call repeated after a crash): recorded once.
  auto s2 = step(*def, s.next, outcome(call->task, ev_integration::kind::submitted, "{}"), 1600, lim);
  CHECK(s2.events.empty());

  auto hb = step(*def, s2.next, ev_task_heartbeat{call->task}, 1700, lim);
  CHECK_FALSE(hb.rejected);
  auto ok = step(*def, hb.next, ev_task_succeeded{call->task, R"({"x":1})"}, 2000, lim);
  REQUIRE(types(ok.events) ==
          std::vector<std::string>{"TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"});
  CHECK(ok.events[0].details == R"({"resourceType":"states","resource":"startExecution.waitForTaskToken"})");
  CHECK(ok.next.output == R"({"x":1})");
  auto late = step(*def, ok.next, ev_task_succeeded{call->task, "{}"}, 3000, lim);
  CHECK(late.rejected);
  CHECK_FALSE(late.rejected_timed_out);
}

TEST_CASE("waitForTaskToken: a timeout is TaskTimedOut, and late answers are TaskTimedOut",
          "[interp][integration]") {
  auto def = compile(task_def("arn:aws:states:::states:startExecution.waitForTaskToken",
                              R"(,"TimeoutSeconds":2)"));
  auto r = step(*def, execution(R"({"v":2})"), ev_start{}, 1000);
  auto task = find_cmd<cmd_call_integration>(r)->task;
  auto timer = find_cmd<cmd_start_timer>(r)->timer;
  auto t = step(*def, r.next, ev_timer{timer}, 3000);
  REQUIRE(types(t.events) == std::vector<std::string>{"TaskTimedOut", "ExecutionFailed"});
  CHECK(t.events[0].details ==
        R"({"resourceType":"states","resource":"startExecution.waitForTaskToken","error":"States.Timeout"})");
  CHECK(find_cmd<cmd_cancel_integration>(t));
  auto late = step(*def, t.next, ev_task_failed{task, "E", "c", true, true}, 4000);
  CHECK(late.rejected);
  CHECK(late.rejected_timed_out);
}

TEST_CASE("JSONata: $states.context.Task.Token in Arguments, Output over the result",
          "[interp][integration]") {
  auto def = compile(R"({"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task",
    "Resource":"arn:aws:states:::states:startExecution.waitForTaskToken",
    "Arguments":{"StateMachineArn":"m","Input":{"t":"{% $states.context.Task.Token %}"}},
    "Output":"{% $states.result.a + 1 %}","End":true}}})");
  auto r = step(*def, execution("{}"), ev_start{}, 1000);
  auto* call = find_cmd<cmd_call_integration>(r);
  REQUIRE(call);
  CHECK(call->parameters.find("\"t\":\"") != std::string::npos);
  CHECK(call->parameters.find(".unsigned") != std::string::npos);
  auto ok = step(*def, r.next, ev_task_succeeded{call->task, R"({"a":41})"}, 2000);
  CHECK(ok.next.output == "42");
}

TEST_CASE("Stopping an execution cancels its integration task; start failures are recorded",
          "[interp][integration]") {
  auto def = compile(task_def("arn:aws:states:::states:startExecution.sync"));
  auto r = step(*def, execution("{}"), ev_start{}, 1000);
  // $$.Task.Token exists only for callback tasks: the path fails.
  CHECK(r.next.status == exec_status::failed);

  auto def2 = compile(R"({"StartAt":"T","States":{"T":{"Type":"Task",
    "Resource":"arn:aws:states:::states:startExecution.sync","Parameters":{"StateMachineArn":"m"},"End":true}}})");
  auto r2 = step(*def2, execution("{}"), ev_start{}, 1000);
  auto task = find_cmd<cmd_call_integration>(r2)->task;
  auto stop = step(*def2, r2.next, ev_stop{}, 2000);
  auto* cancel = find_cmd<cmd_cancel_integration>(stop);
  REQUIRE(cancel);
  CHECK(cancel->task == task);
  CHECK(cancel->parameters == R"({"StateMachineArn":"m"})");

  auto r3 = step(*def2, execution("{}"), ev_start{}, 1000);
  auto sf = step(*def2, r3.next,
                 outcome(task, ev_integration::kind::start_failed, "", "States.Runtime", "no"),
                 1500);
  REQUIRE(types(sf.events) == std::vector<std::string>{"TaskStartFailed", "ExecutionFailed"});

  // A `.sync` submission that fails: TaskStarted, then TaskSubmitFailed.
  auto r4 = step(*def2, execution("{}"), ev_start{}, 1000);
  auto sub = step(*def2, r4.next,
                  outcome(task, ev_integration::kind::submit_failed, "",
                          "StepFunctions.StateMachineDoesNotExistException", "gone"),
                  1500);
  REQUIRE(types(sub.events) ==
          std::vector<std::string>{"TaskStarted", "TaskSubmitFailed", "ExecutionFailed"});
  CHECK(sub.next.error == "StepFunctions.StateMachineDoesNotExistException");
}

TEST_CASE("simulate answers mocked tasks from the mock, any integration included",
          "[interp][integration]") {
  auto def = compile(R"({"StartAt":"L","States":{"L":{"Type":"Task",
    "Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},
    "Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":1}],"Next":"A"},
    "A":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:a","End":true}}})");
  int lambda_calls = 0;
  simulation_options opts;
  opts.mock = [&](const std::string& state) -> std::optional<scripted_outcome> {
    scripted_outcome o;
    if (state == "L" && lambda_calls++ == 0) {
      o.k = scripted_outcome::kind::failure;
      o.error = "Lambda.TooManyRequestsException";
      o.has_error = true;
      return o;
    }
    o.output = state == "L" ? R"({"Payload":1})" : R"({"act":2})";
    return o;
  };
  auto sim = simulate(*def, "{}", {}, opts);
  CHECK(sim.state.status == exec_status::succeeded);
  CHECK(sim.state.output == R"({"act":2})");
  CHECK(lambda_calls == 2);
  // Without a mock, a resource nothing in-process can call fails to start.
  auto plain = simulate(*def, "{}", {});
  CHECK(plain.state.status == exec_status::failed);
  CHECK(plain.state.error == "States.Runtime");
}

TEST_CASE("simulate answers integration calls from the script", "[interp][integration]") {
  auto def = compile(R"({"StartAt":"T","States":{"T":{"Type":"Task",
    "Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"m"},
    "Next":"U"},"U":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution",
    "Parameters":{"StateMachineArn":"m"},"Catch":[{"ErrorEquals":["States.ALL"],"Next":"V"}],"End":true},
    "V":{"Type":"Pass","End":true}}})");
  std::vector<scripted_outcome> script(2);
  script[0].k = scripted_outcome::kind::success;
  script[0].output = R"({"Output":{"a":1}})";
  script[1].k = scripted_outcome::kind::failure;
  script[1].error = "StepFunctions.ExecutionLimitExceeded";
  script[1].has_error = true;
  auto sim = simulate(*def, "{}", script, simulation_options{});
  REQUIRE(sim.problem.empty());
  CHECK(sim.state.status == exec_status::succeeded);
  CHECK(types(sim.history) ==
        std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "TaskScheduled",
                                 "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited",
                                 "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed",
                                 "TaskStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"});
}
