// Parsing a Task's Resource into an integration (integration.hpp).
#include "runtime/interp/integration.hpp"

#include "runtime/asl/ast.hpp"
#include "runtime/aws/calls.hpp"
#include "runtime/json/json.hpp"

#include <vector>

namespace sc::interp {

namespace {

std::vector<std::string_view> split_colons(std::string_view s, size_t max_parts) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < max_parts) {
    auto c = s.find(':');
    if (c == std::string_view::npos) break;
    out.push_back(s.substr(0, c));
    s.remove_prefix(c + 1);
  }
  out.push_back(s);
  return out;
}

}  // namespace

std::string arn_region(std::string_view arn) {
  auto p = split_colons(arn, 5);
  return p.size() >= 4 ? std::string(p[3]) : std::string();
}

std::optional<integration_resource> parse_integration(std::string_view resource) {
  // A Lambda function's ARN as the Resource (the legacy form): lambda:invoke
  // whose resource is the ARN (runtime/aws/calls.hpp).
  if (aws::is_lambda_function_arn(resource))
    return integration_resource{"lambda", std::string(resource), "invoke",
                                integration_pattern::request_response};
  // arn:partition:states:region:account:rest
  auto p = split_colons(resource, 6);
  if (p.size() != 6 || p[0] != "arn" || p[2] != "states") return std::nullopt;
  std::string_view rest = p[5];
  if (rest.rfind("activity:", 0) == 0 || rest.rfind("stateMachine:", 0) == 0) return std::nullopt;
  integration_resource r;
  static constexpr std::string_view suffixes[] = {".waitForTaskToken", ".sync:2", ".sync"};
  static constexpr integration_pattern patterns[] = {integration_pattern::wait_for_task_token,
                                                     integration_pattern::sync2,
                                                     integration_pattern::sync};
  std::string_view body = rest;
  for (size_t i = 0; i < 3; ++i) {
    auto s = suffixes[i];
    if (body.size() > s.size() && body.substr(body.size() - s.size()) == s) {
      body.remove_suffix(s.size());
      r.pattern = patterns[i];
      break;
    }
  }
  // <service>:<action> or aws-sdk:<service>:<action>
  auto last = body.rfind(':');
  if (last == std::string_view::npos || last == 0 || last + 1 == body.size()) return std::nullopt;
  r.resource_type = std::string(body.substr(0, last));
  r.action = std::string(body.substr(last + 1));
  r.resource = std::string(rest.substr(last + 1));
  return r;
}

bool sfn_sdk_action(std::string_view action) {
  // The operations of the Step Functions API (api/actions.def), as the
  // aws-sdk integration spells them.
  static constexpr std::string_view actions[] = {
      "createActivity", "createStateMachine", "createStateMachineAlias", "deleteActivity",
      "deleteStateMachine", "deleteStateMachineAlias", "deleteStateMachineVersion",
      "describeActivity", "describeExecution", "describeMapRun", "describeStateMachine",
      "describeStateMachineAlias", "describeStateMachineForExecution", "getActivityTask",
      "getExecutionHistory", "listActivities", "listExecutions", "listMapRuns",
      "listStateMachineAliases", "listStateMachineVersions", "listStateMachines",
      "listTagsForResource", "publishStateMachineVersion", "redriveExecution", "sendTaskFailure",
      "sendTaskHeartbeat", "sendTaskSuccess", "startExecution", "startSyncExecution",
      "stopExecution", "tagResource", "testState", "untagResource", "updateMapRun",
      "updateStateMachine", "updateStateMachineAlias", "validateStateMachineDefinition"};
  for (auto a : actions)
    if (a == action) return true;
  return false;
}

bool integration_supported(const integration_resource& r) {
  if (r.resource_type == "states") return r.action == "startExecution";
  // The HTTP Task (http_task.hpp): request-response only, as on AWS.
  if (r.resource_type == "http")
    return r.action == "invoke" && r.pattern == integration_pattern::request_response;
  if (r.resource_type == "aws-sdk:sfn")
    return r.pattern != integration_pattern::sync && r.pattern != integration_pattern::sync2 &&
           sfn_sdk_action(r.action);
  // AWS services (lambda, sqs, sns, dynamodb, events, aws-sdk:*): runtime/aws/calls.hpp.
  if (r.resource.rfind("arn:", 0) == 0) return aws::plan_call(r.resource).has_value();
  return aws::plan_call("arn:aws:states:::" + r.resource_type + ":" + r.resource).has_value();
}

std::string resource_problem(std::string_view resource) {
  auto ir = parse_integration(resource);
  if (!ir) return "";
  const bool known_service = ir->resource_type == "states" || ir->resource_type == "aws-sdk:sfn";
  if (!known_service || integration_supported(*ir)) return "";
  return "The resource provided " + std::string(resource) +
         " is not recognized. The value is not a valid resource ARN, or the resource is not "
         "available in this region.";
}

std::string recovery_role(const asl::state& st, const std::string& state_input) {
  if (!st.credentials_role_path) return st.credentials_role;
  const auto& p = *st.credentials_role_path;
  if (p.is_context() || p.is_variable()) return "";
  json::document in, tmp;
  json::value v;
  if (!json::parse(state_input, in) || !p.select(in, v, tmp.GetAllocator()) || !v.IsString()) return "";
  return v.GetString();
}

}  // namespace sc::interp
