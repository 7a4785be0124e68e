// Task states that call a service integration (integration.hpp).
//
// History as AWS records it: TaskScheduled (resourceType, resource, region,
// parameters, timeoutInSeconds/heartbeatInSeconds when set), TaskStarted
// once the call is made, TaskSubmitted for a `.sync` job or a
// `.waitForTaskToken` call that was accepted (with the call's answer), then
// TaskSucceeded / TaskFailed / TaskTimedOut (or TaskStartFailed when the
// call could not be made, TaskSubmitFailed when the call that submits a
// `.sync` job or a `.waitForTaskToken` task failed). The Task's data flow (Parameters/Arguments,
// ResultSelector/ResultPath/OutputPath or Output/Assign, Retry/Catch) is the
// activity task's, in state_task.cpp and runner_data.cpp.
#include "runtime/interp/runner.hpp"

#include "runtime/interp/integration.hpp"
#include "runtime/eval/intrinsics.hpp"
#include "runtime/model/task_token.hpp"

namespace sc::interp::detail {

namespace {

details& resource_of(details& d, const integration_resource& ir) {
  return d.str("resourceType", ir.resource_type).str("resource", ir.resource);
}

/// A Lambda function's ARN as the Resource (the legacy form): AWS records
/// LambdaFunction* events for it (details: resource and input, output, or
/// error and cause), not Task* events.
bool legacy_lambda(const integration_resource& ir) {
  return ir.resource_type == "lambda" && ir.resource.rfind("arn:", 0) == 0;
}

}  // namespace

std::string runner::task_token(int64_t task) const {
  model::task_token tok{s_.execution_arn, task};
  if (lim_.tokens) return lim_.tokens->encode(tok);
  // No signing key (unit tests, `statecraft run`): a readable stand-in.
  return model::base64url_encode("v1|" + std::to_string(task) + "|" + s_.execution_arn) +
         ".unsigned";
}

bool runner::integration_task(const thread& t) const {
  if (t.state < 0) return false;
  auto ir = parse_integration(state_of(t).resource);
  return ir && (integration_supported(*ir) || lim_.mocked);
}

void runner::push_cancel(const thread& t) {
  const asl::state& st = state_of(t);
  if (integration_task(t))
    r_.commands.push_back(cmd_cancel_integration{t.task_id, st.resource, t.effective});
  else
    r_.commands.push_back(cmd_cancel_activity{t.task_id, st.resource});
}

std::optional<failure> runner::credentials_role(thread& t, const asl::state& st, std::string& role) {
  if (st.credentials_role_path) {
    json::document in, tmp;
    json::value v;
    json::parse(t.input, in);
    if (!select(t, *st.credentials_role_path, in, v, tmp.GetAllocator()))
      return runtime(t, eval::intrinsic::path_not_found(st.credentials_role_path->text(), "RoleArn.$", in));
    if (!v.IsString() || v.GetStringLength() == 0)
      return runtime(t, "The value of the field 'RoleArn.$' must be a non-empty string, got " + json::dump(v));
    role = v.GetString();
    return std::nullopt;
  }
  if (!st.credentials_expr) return std::nullopt;
  auto scope = jsonata_scope_for(t, {&st.credentials_expr});
  json::document c;
  if (auto f = eval_field(t, st, st.credentials_expr, scope, c, c.GetAllocator(), true)) return f;
  const json::value* r = nullptr;
  if (c.IsObject())
    if (auto m = c.FindMember("RoleArn"); m != c.MemberEnd()) r = &m->value;
  if (!r || !r->IsString() || r->GetStringLength() == 0)
    return query_failed(t, st,
                        failure{"States.QueryEvaluationError",
                                "The field 'RoleArn' of 'Credentials' must evaluate to a non-empty "
                                "string, got " + (r ? json::dump(*r) : std::string("nothing"))},
                        "Credentials", true);
  role = r->GetString();
  return std::nullopt;
}

flow runner::exec_integration(thread& t, const asl::state& st) {
  const integration_resource ir = *parse_integration(st.resource);
  const int64_t task = s_.next_task;
  // $$.Task.Token exists while a callback task builds its parameters.
  if (ir.pattern == integration_pattern::wait_for_task_token) context_token_ = task_token(task);
  std::string eff;
  auto f = effective_input(t, st, eff);
  context_token_.clear();
  if (f) return flow::fail(*f);
  int64_t timeout = 0, heartbeat = 0;
  if (auto tf = task_timeouts(t, st, timeout, heartbeat)) return flow::fail(*tf);
  if (eff.size() > lim_.payload_bytes)
    return flow::fail(failure{"States.DataLimitExceeded",
                              "The state/task '" + st.name +
                                  "' has an input with a size exceeding the maximum number of "
                                  "bytes service limit."});
  // Credentials.RoleArn: the role an AWS call assumes (actors/aws_call.hpp).
  std::string role = st.credentials_role;
  if (auto f = credentials_role(t, st, role)) return flow::fail(*f);
  details d;
  const bool legacy = legacy_lambda(ir);
  if (legacy)
    d.str("resource", ir.resource).payload("input", eff);
  else
    resource_of(d, ir).str("region", arn_region(s_.execution_arn)).str("parameters", eff);
  if (st.timeout_seconds || st.timeout_seconds_path || st.timeout_expr)
    d.num("timeoutInSeconds", timeout);
  if (!legacy && (st.heartbeat_seconds || st.heartbeat_seconds_path || st.heartbeat_expr))
    d.num("heartbeatInSeconds", heartbeat);
  if (!legacy && !role.empty()) {
    details c;
    d.raw("taskCredentials", c.str("roleArn", role).done().text());
  }
  if (legacy)
    emit(t, "LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", d.done());
  else
    emit(t, "TaskScheduled", "taskScheduledEventDetails", d.done());
  s_.next_task++;
  t.effective = eff;
  t.task_id = task;
  t.task_started = false;
  t.ph = phase::task;
  t.heartbeat_seconds = heartbeat;
  s_.tasks[task] = t.id;
  cmd_call_integration call{task, st.resource, eff, static_cast<uint8_t>(ir.pattern), timeout, heartbeat};
  call.role_arn = role;
  r_.commands.push_back(std::move(call));
  if (timeout > 0)
    t.timeout_timer = arm_timer(t, timer_kind::task_timeout, due_after(double(timeout)));
  return flow::blocked();
}

void runner::integration_started(thread& t) {
  if (t.task_started) return;
  t.task_started = true;
  auto ir = parse_integration(state_of(t).resource);
  details d;
  if (legacy_lambda(*ir))
    emit(t, "LambdaFunctionStarted", "", "");
  else
    emit(t, "TaskStarted", "taskStartedEventDetails", resource_of(d, *ir).done());
  if (t.heartbeat_seconds > 0) arm_heartbeat(t);
}

void runner::on_integration(const ev_integration& e) {
  thread* tp = task_thread(e.task);
  if (!tp || !integration_task(*tp)) return;  // over (answered, timed out, stopped)
  thread& t = *tp;
  const asl::state& st = state_of(t);
  const integration_resource ir = *parse_integration(st.resource);
  using k = ev_integration::kind;
  details d;
  const bool legacy = legacy_lambda(ir);
  if (!legacy) resource_of(d, ir);
  switch (e.k) {
    case k::started:
      integration_started(t);
      return;
    case k::submitted:
      // A call made again after a crash (at-least-once) submits again:
      // the history keeps the first.
      if (t.task_started) return;
      integration_started(t);
      emit(t, "TaskSubmitted", "taskSubmittedEventDetails", d.payload("output", e.output).done());
      return;
    case k::succeeded:
      integration_started(t);
      close_task(t, task_end::done);
      if (legacy)
        emit(t, "LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails",
             d.payload("output", e.output).done());
      else
        emit(t, "TaskSucceeded", "taskSucceededEventDetails", d.payload("output", e.output).done());
      drive(t, task_result(t, st, e.output));
      return;
    case k::failed:
    case k::start_failed:
    case k::submit_failed: {
      const bool start = e.k == k::start_failed, submit = e.k == k::submit_failed;
      if (!start) integration_started(t);
      close_task(t, task_end::done);
      if (e.has_error) d.str("error", e.error);
      if (e.has_cause) d.str("cause", e.cause);
      if (legacy)
        emit(t, start ? "LambdaFunctionStartFailed" : "LambdaFunctionFailed",
             start ? "lambdaFunctionStartFailedEventDetails" : "lambdaFunctionFailedEventDetails",
             d.done());
      else if (start)
        emit(t, "TaskStartFailed", "taskStartFailedEventDetails", d.done());
      else if (submit)
        emit(t, "TaskSubmitFailed", "taskSubmitFailedEventDetails", d.done());
      else
        emit(t, "TaskFailed", "taskFailedEventDetails", d.done());
      drive(t, flow::fail(failure{e.error, e.cause}, e.has_error, e.has_cause));
      return;
    }
  }
}

}  // namespace sc::interp::detail
