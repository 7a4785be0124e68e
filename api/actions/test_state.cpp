// TestState: one state run once on the pure core (runtime/interp/test_state),
// nothing stored. AWS serves it on the `sync-` host like StartSyncExecution;
// the node answers on any Host.
#include "api/service.hpp"

#include "actors/sfn_sdk.hpp"
#include "runtime/interp/integration.hpp"
#include "runtime/interp/test_state.hpp"

#include <chrono>
#include <cmath>
#include <random>

namespace sc::api {

namespace {

constexpr size_t max_payload = 262144;

/// TestState of an unmocked Task the node can call (request-response
/// states:startExecution, aws-sdk:sfn:<action>, AWS service integrations):
/// as on AWS, the call is made (to this node's own API, or to the AWS
/// service's endpoint as an execution's Task would call it). The state runs once to find the
/// call's parameters (its Parameters/Arguments over the input), the call
/// is made, and the state runs again with the call's outcome as its
/// result or error (through ResultSelector, ResultPath, Retry, Catch, …).
void call_and_test(context& c, interp::test_request req, const std::string& resource) {
  req.resolve_credentials = true;  // the Task's Credentials role, as an execution assumes it
  interp::test_request probe = req;
  probe.can_call = false;
  probe.level = interp::inspection_level::debug;
  probe.mock = interp::test_mock{std::string("{}"), false, std::nullopt, std::nullopt, "NONE"};
  auto pr = interp::test_state(probe);
  if (pr.refusal) throw aws_error(pr.refusal->type, pr.refusal->message);
  std::optional<std::string> params;
  if (pr.inspection)
    params = pr.inspection->after_parameters ? pr.inspection->after_parameters
                                             : pr.inspection->after_arguments;
  if (!params) {  // the state failed before its call would be made
    req.can_call = false;
    req.mock = probe.mock;
    c.ok(interp::to_json(interp::test_state(req)));
    return;
  }
  auto ir = interp::parse_integration(resource);
  if (ir->resource_type != "states" && ir->resource_type != "aws-sdk:sfn") {
    // An AWS service: called as an execution's Task calls it, with the
    // request's roleArn assumed as aws.assume_role says.
    auto done = c.done;
    // The Task's Credentials role, else the request's roleArn (copied before
    // req moves into the callback).
    const std::string role = pr.call_role && !pr.call_role->empty() ? *pr.call_role : req.role_arn;
    c.node.call_aws(resource, *params, role,
                    [req = std::move(req), done](bool ok, std::string output, std::string error,
                                                 std::string cause) mutable {
                      interp::test_mock m;
                      m.field_validation = "NONE";
                      if (ok) {
                        m.result = std::move(output);
                      } else {
                        m.error_output = true;
                        m.error = std::move(error);
                        m.cause = std::move(cause);
                      }
                      req.can_call = false;
                      req.mock = std::move(m);
                      auto r = interp::test_state(req);
                      if (r.refusal)
                        return send_error(done, actors::api_error{r.refusal->type, r.refusal->message});
                      done(response{200, interp::to_json(r), {}});
                    });
    return;
  }
  const bool optimized = ir->resource_type == "states";
  const std::string op = optimized ? "StartExecution" : actors::sdk_operation(ir->action);
  auto done = c.done;
  call_operation(c.node, op, actors::sdk_request_body(*params),
                 [req = std::move(req), optimized, done](response resp) mutable {
                   interp::test_mock m;
                   m.field_validation = "NONE";
                   if (resp.status == 200) {
                     std::string out = actors::sdk_result(resp.body);
                     if (optimized) {  // as states:startExecution answers
                       json::document d;
                       json::parse(resp.body, d);
                       auto ms = [&](const char* k) -> std::string {
                         auto it = d.FindMember(k);
                         return it != d.MemberEnd() && it->value.IsNumber()
                                    ? std::to_string(static_cast<int64_t>(
                                          std::llround(it->value.GetDouble() * 1000)))
                                    : "0";
                       };
                       auto arn = d.FindMember("executionArn");
                       out = "{\"ExecutionArn\":" +
                             json::quote(arn != d.MemberEnd() && arn->value.IsString()
                                             ? arn->value.GetString()
                                             : "") +
                             ",\"StartDate\":" + ms("startDate") + "}";
                     }
                     m.result = std::move(out);
                   } else {
                     actors::sdk_error f;
                     if (optimized) {
                       std::string type, message;
                       actors::error_of(resp.body, type, message);
                       f = actors::optimized_failure(type, message);
                     } else {
                       f = actors::sdk_failure(resp.status, resp.body);
                     }
                     m.error_output = true;
                     m.error = f.error;
                     m.cause = f.cause;
                   }
                   req.can_call = false;
                   req.mock = std::move(m);
                   auto r = interp::test_state(req);
                   if (r.refusal)
                     return send_error(done, actors::api_error{r.refusal->type,
                                                               r.refusal->message});
                   done(response{200, interp::to_json(r), {}});
                 });
}

}  // namespace

void test_state(context& c) {
  interp::test_request req;
  req.definition = c.m.required_str("definition", 1, 1048576);
  req.role_arn = c.m.str("roleArn", 1, 256).value_or("");
  req.input = c.m.str("input", 0, max_payload).value_or("{}");
  auto level = c.m.enumeration("inspectionLevel", {"INFO", "DEBUG", "TRACE"}).value_or("INFO");
  req.level = level == "TRACE"   ? interp::inspection_level::trace
              : level == "DEBUG" ? interp::inspection_level::debug
                                 : interp::inspection_level::info;
  req.reveal_secrets = c.m.boolean("revealSecrets").value_or(false);
  req.variables = c.m.str("variables", 0, max_payload);
  req.state_name = c.m.str("stateName", 1, 80);
  if (const json::value* mock = c.m.object("mock")) {
    members mm(*mock, "mock.");
    interp::test_mock m;
    m.result = mm.str("result", 0, max_payload);
    if (const json::value* eo = mm.object("errorOutput")) {
      members em(*eo, "mock.errorOutput.");
      m.error_output = true;
      m.error = em.str("error", 0, 256);
      m.cause = em.str("cause", 0, 32768);
    }
    m.field_validation = mm.enumeration("fieldValidationMode", {"STRICT", "PRESENT", "NONE"})
                             .value_or("STRICT");
    req.mock = std::move(m);
  }
  req.context = c.m.str("context", 0, max_payload);
  if (const json::value* sc = c.m.object("stateConfiguration")) {
    members sm(*sc, "stateConfiguration.");
    req.retrier_retry_count = sm.integer("retrierRetryCount", 0, INT32_MAX);
    req.error_caused_by_state = sm.str("errorCausedByState", 1, 80);
    req.map_iteration_failure_count = sm.integer("mapIterationFailureCount", 0, INT32_MAX);
    req.map_item_reader_data = sm.str("mapItemReaderData", 0, max_payload);
  }
  req.region = c.region;
  req.account = c.account;
  req.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  req.seed = std::random_device{}() ^ (uint64_t(std::random_device{}()) << 32);
  req.can_call = true;
  auto r = interp::test_state(req);
  if (r.refusal) throw aws_error(r.refusal->type, r.refusal->message);
  if (r.call_resource) return call_and_test(c, std::move(req), *r.call_resource);
  c.ok(interp::to_json(r));
}

}  // namespace sc::api
