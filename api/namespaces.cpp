// See namespaces.hpp.
#include "api/namespaces.hpp"

#include <array>

namespace sc::api {

namespace {

/// True when `arn` is a states ARN of another namespace than (region,
/// account); false for the caller's own ARNs and for malformed text.
bool foreign(std::string_view arn, const std::string& region, const std::string& account) {
  std::array<std::string_view, 5> p;
  for (size_t i = 0; i < 5; ++i) {
    auto colon = arn.find(':');
    if (colon == std::string_view::npos) return false;
    p[i] = arn.substr(0, colon);
    arn.remove_prefix(colon + 1);
  }
  if (p[0] != "arn" || p[2] != "states" || p[3].empty() || p[4].size() != 12) return false;
  return p[3] != region || p[4] != account;
}

response not_found(std::string_view operation, std::string_view member, const std::string& arn) {
  auto err = [](std::string type, std::string msg) {
    std::string body = "{\"__type\":\"com.amazonaws.swf.service.v2.model#" + type +
                       "\",\"message\":" + json::quote(msg) + "}";
    return response{400, std::move(body), std::move(type)};
  };
  if (operation.substr(0, 6) == "Delete" && operation != "DeleteStateMachineAlias" &&
      operation != "DeleteStateMachineVersion")
    return response{200, "{}", {}};
  if (member == "stateMachineArn")
    return err("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + "'");
  if (member == "executionArn")
    return err("ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'");
  if (member == "activityArn")
    return err("ActivityDoesNotExist", "Activity Does Not Exist: '" + arn + "'");
  return err("ResourceNotFound", "Resource not found: '" + arn + "'");
}

bool ends_with_arn(std::string_view name) {
  return name.size() > 3 && name.substr(name.size() - 3) == "Arn";
}

}  // namespace

std::optional<response> foreign_arn_response(std::string_view operation, const json::value& body,
                                             const std::string& region,
                                             const std::string& account) {
  if (!body.IsObject()) return std::nullopt;
  for (auto m = body.MemberBegin(); m != body.MemberEnd(); ++m) {
    std::string_view name(m->name.GetString(), m->name.GetStringLength());
    if (m->value.IsString() && ends_with_arn(name)) {
      std::string_view arn(m->value.GetString(), m->value.GetStringLength());
      if (foreign(arn, region, account)) return not_found(operation, name, std::string(arn));
    } else if (name == "routingConfiguration" && m->value.IsArray()) {
      for (const auto& route : m->value.GetArray()) {
        if (!route.IsObject()) continue;
        auto v = route.FindMember("stateMachineVersionArn");
        if (v == route.MemberEnd() || !v->value.IsString()) continue;
        std::string_view arn(v->value.GetString(), v->value.GetStringLength());
        if (foreign(arn, region, account))
          return not_found(operation, "stateMachineVersionArn", std::string(arn));
      }
    }
  }
  return std::nullopt;
}

}  // namespace sc::api
