// Each Region and account is its own namespace, as on AWS: a request
// signed for eu-central-1 sees only ARNs of eu-central-1 (and of its
// account). Resources are kept in one store under their full ARN, so the
// namespaces cannot collide; what this adds is that an ARN of another
// namespace names nothing: the request is answered as for a resource that
// does not exist (Delete* succeed without effect, as for a missing one).
// List operations keep to the caller's ARN prefix (namespace_prefix()).
#pragma once

#include "api/http_server.hpp"
#include "runtime/json/json.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace sc::api {

/// The answer to a request that names a Step Functions ARN (a top-level
/// `...Arn` member, or routingConfiguration's stateMachineVersionArn) of
/// another Region or account than (region, account); nullopt when every
/// ARN is the caller's (or malformed: the action reports InvalidArn).
std::optional<response> foreign_arn_response(std::string_view operation, const json::value& body,
                                             const std::string& region,
                                             const std::string& account);

}  // namespace sc::api
