// TestState's fieldValidationMode: a mocked Task result checked against the
// output shape of the API the Task calls, where Statecraft knows that API:
// Step Functions' own (the optimized states:startExecution integration in
// its three patterns, and the aws-sdk:sfn actions Statecraft serves).
//
// STRICT: required members present, and present members of the right type;
// PRESENT: present members of the right type; NONE: no check. Members the
// API does not have are accepted, as AWS does. Messages are AWS's: "Mock
// result schema validation error: Field 'X' must be a string", "Required
// field 'X' is missing", "Field 'X' is not an expected value".
#include "runtime/interp/test_state_detail.hpp"

#include <string_view>
#include <vector>

namespace sc::interp::detail {

namespace {

enum class kind { string, number, boolean, object, any };

struct member {
  std::string_view name;
  kind k = kind::string;
  bool required = false;
  std::vector<std::string_view> values = {};  ///< enum values (strings)
  const std::vector<member>* members = nullptr;  ///< kind::object
};

const std::vector<member> kDetails = {{"Included", kind::boolean}};
const std::vector<member> kBilling = {{"BilledMemoryUsedInMB", kind::number},
                                      {"BilledDurationInMilliseconds", kind::number}};

const std::vector<member> kStartExecution = {{"ExecutionArn", kind::string, true},
                                             {"StartDate", kind::string, true}};

std::vector<member> describe_execution(kind output) {
  return {{"ExecutionArn", kind::string, true},
          {"StateMachineArn", kind::string, true},
          {"Name", kind::string},
          {"Status", kind::string, true,
           {"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"}},
          {"StartDate", kind::string, true},
          {"StopDate", kind::string},
          {"Input", kind::string},
          {"InputDetails", kind::object, false, {}, &kDetails},
          {"Output", output},
          {"OutputDetails", kind::object, false, {}, &kDetails},
          {"TraceHeader", kind::string},
          {"MapRunArn", kind::string},
          {"Error", kind::string},
          {"Cause", kind::string},
          {"StateMachineVersionArn", kind::string},
          {"StateMachineAliasArn", kind::string},
          {"RedriveCount", kind::number},
          {"RedriveDate", kind::string},
          {"RedriveStatus", kind::string, false,
           {"REDRIVABLE", "NOT_REDRIVABLE", "REDRIVABLE_BY_MAP_RUN"}},
          {"RedriveStatusReason", kind::string}};
}

const std::vector<member> kDescribeExecution = describe_execution(kind::string);
const std::vector<member> kDescribeExecutionJson = describe_execution(kind::any);

const std::vector<member> kStartSyncExecution = {
    {"ExecutionArn", kind::string, true},
    {"StateMachineArn", kind::string},
    {"Name", kind::string},
    {"StartDate", kind::string, true},
    {"StopDate", kind::string, true},
    {"Status", kind::string, true, {"SUCCEEDED", "FAILED", "TIMED_OUT"}},
    {"Error", kind::string},
    {"Cause", kind::string},
    {"Input", kind::string},
    {"InputDetails", kind::object, false, {}, &kDetails},
    {"Output", kind::string},
    {"OutputDetails", kind::object, false, {}, &kDetails},
    {"TraceHeader", kind::string},
    {"BillingDetails", kind::object, false, {}, &kBilling}};

const std::vector<member> kStopExecution = {{"StopDate", kind::string, true}};
const std::vector<member> kNothing = {};

/// The output shape of the API `resource` calls; nullptr when unknown.
const std::vector<member>* shape_of(std::string_view resource) {
  constexpr std::string_view states = "arn:aws:states:::states:";
  constexpr std::string_view sdk = "arn:aws:states:::aws-sdk:sfn:";
  if (resource.starts_with(states)) {
    auto action = resource.substr(states.size());
    if (action == "startExecution") return &kStartExecution;
    if (action == "startExecution.sync") return &kDescribeExecution;
    if (action == "startExecution.sync:2") return &kDescribeExecutionJson;
    return nullptr;  // .waitForTaskToken: whatever the callback sends
  }
  if (resource.starts_with(sdk)) {
    auto action = resource.substr(sdk.size());
    if (action == "startExecution") return &kStartExecution;
    if (action == "startSyncExecution") return &kStartSyncExecution;
    if (action == "describeExecution") return &kDescribeExecution;
    if (action == "stopExecution") return &kStopExecution;
    if (action == "sendTaskSuccess" || action == "sendTaskFailure" ||
        action == "sendTaskHeartbeat")
      return &kNothing;
  }
  return nullptr;
}

std::string check(const std::vector<member>& shape, const json::value& v, bool strict) {
  for (const member& m : shape) {
    auto it = v.FindMember(json::value(rapidjson::StringRef(m.name.data(), m.name.size())));
    std::string name(m.name);
    if (it == v.MemberEnd() || it->value.IsNull()) {
      if (strict && m.required) return "Required field '" + name + "' is missing";
      continue;
    }
    const json::value& f = it->value;
    switch (m.k) {
      case kind::string:
        if (!f.IsString()) return "Field '" + name + "' must be a string";
        if (!m.values.empty()) {
          std::string_view s(f.GetString(), f.GetStringLength());
          bool known = false;
          for (auto e : m.values) known = known || e == s;
          if (!known) return "Field '" + name + "' is not an expected value";
        }
        break;
      case kind::number:
        if (!f.IsNumber()) return "Field '" + name + "' must be a number";
        break;
      case kind::boolean:
        if (!f.IsBool()) return "Field '" + name + "' must be a boolean";
        break;
      case kind::object:
        if (!f.IsObject()) return "Field '" + name + "' must be an object";
        if (m.members) {
          auto inner = check(*m.members, f, strict);
          if (!inner.empty()) return inner;
        }
        break;
      case kind::any: break;
    }
  }
  return {};
}

}  // namespace

std::string check_mock_shape(const std::string& resource, const json::value& result,
                             const std::string& mode) {
  if (mode == "NONE") return {};
  const std::vector<member>* shape = shape_of(resource);
  if (!shape) return {};
  std::string problem = result.IsObject() ? check(*shape, result, mode == "STRICT")
                                          : "The mocked result must be a JSON object";
  return problem.empty() ? problem : "Mock result schema validation error: " + problem;
}

}  // namespace sc::interp::detail
