// Outbound HTTP settings: the `outbound:` section (where the node may
// connect, how many calls at once, an extra trusted CA) and the
// `connections:` list (EventBridge-style connections the HTTP Task names by
// ARN in Authentication.ConnectionArn). Loaded by config/outbound.cpp
// (called from load_yaml.cpp); used by actors/http_invoke.cpp.
//
// Connection secrets (API key values, passwords, client secrets) live only
// here and in the requests the node sends: never in history, logs or errors.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace sc::config {

/// `outbound:` — calls the node makes to the outside (HTTP Task, OAuth).
struct outbound_settings {
  /// Where the node may connect: host names ("api.example.com"),
  /// sub-domains ("*.example.com"), IP addresses and CIDR networks
  /// ("10.0.0.0/8", "fd00::/8"); resolved addresses are checked too.
  /// Empty = anywhere.
  std::vector<std::string> allow;
  /// Most outbound calls in flight per node (more wait in a queue), >= 1.
  std::size_t max_concurrent_calls = 64;
  /// An extra PEM bundle of trusted CAs for https (besides the system's).
  std::string ca_file;

  bool operator==(const outbound_settings&) const = default;
};

using param_list = std::vector<std::pair<std::string, std::string>>;

/// EventBridge's InvocationHttpParameters / OAuthHttpParameters.
struct http_parameters {
  param_list headers, query, body;
  bool operator==(const http_parameters&) const = default;
};

/// One connection of the `connections:` list.
struct connection_settings {
  std::string arn;  ///< arn:aws:events:REGION:ACCOUNT:connection/NAME/ID
  /// "API_KEY", "BASIC" or "OAUTH_CLIENT_CREDENTIALS".
  std::string authorization_type;
  // API_KEY
  std::string api_key_name, api_key_value;
  // BASIC
  std::string username, password;
  // OAUTH_CLIENT_CREDENTIALS
  std::string token_endpoint;       ///< AuthorizationEndpoint
  std::string http_method = "POST"; ///< GET, POST or PUT
  std::string client_id, client_secret;
  std::vector<std::string> scopes;  ///< sent as `scope` (space-separated)
  http_parameters oauth_parameters; ///< extra headers/query/body of the token request
  /// Added to every call made with this connection.
  http_parameters invocation_parameters;

  bool operator==(const connection_settings&) const = default;
};

}  // namespace sc::config
