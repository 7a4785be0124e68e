// Who calls, in which account and Region: the request gate in front of
// every action (service.cpp calls it once per request).
//
// * Region: the Region of the request's SigV4 credential scope
//   (Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/states/
//   aws4_request, ...), read whether or not signatures are checked; the
//   node's `node.region` when the request is not signed.
// * Account: with `auth.mode: sigv4`, the account configured for the access
//   key (else node.account_id); without auth, node.account_id.
// * Authentication (auth.mode: sigv4): the signature must verify with the
//   key's secret (runtime/aws/sigv4), the request time must be within 5
//   minutes of the node's; AWS's errors otherwise.
// * Permissions: "read-only" keys may call only Describe*, List* and Get*
//   operations (not GetActivityTask, which hands out work), "worker" keys
//   only GetActivityTask and SendTask*; AccessDeniedException otherwise.
// * Rate quotas (api/throttle.hpp) per account and Region.
#pragma once

#include "api/http_server.hpp"
#include "api/throttle.hpp"
#include "config/settings.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sc::api {

enum class permission { full, read_only, worker };

/// The resolved caller of one request.
struct caller {
  std::string region;
  std::string account;
  std::string access_key;  ///< "" when the request is not signed
  permission perm = permission::full;
};

/// The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header.
struct authorization_header {
  std::string algorithm;
  std::string credential;  ///< "AKID/DATE/REGION/SERVICE/aws4_request"
  std::string signed_headers;
  std::string signature;
  // The credential's parts ("" when the credential has fewer parts).
  std::string access_key, date, region, service, terminator;
  /// The first pair without '=' (AWS refuses the header); "" when none.
  std::string bad_pair;
};

/// Splits an Authorization header; nullopt when it is not SigV4-shaped at
/// all (another scheme, or empty).
std::optional<authorization_header> parse_authorization(std::string_view header);

/// The Region of a request's credential scope, "" when the request carries
/// none (or one that is not a plausible Region name).
std::string credential_region(std::string_view authorization);

/// True when the SigV4 signature of `req` (all of whose headers are in
/// req.headers) made with `secret` is `a.signature` (api/auth_sigv4.cpp,
/// computed by runtime/aws/sigv4).
bool signature_matches(const request& req, const authorization_header& a,
                       const std::string& secret);

/// May a key with permission `p` call `operation` ("StartExecution")?
bool permitted(permission p, std::string_view operation);

class gate {
 public:
  explicit gate(const config::settings& s);
  /// Resolves the caller of `req` (operation = "StartExecution") into
  /// `who`; returns the error response when the request must be refused.
  /// `now_ms` = the node's wall time (epoch milliseconds).
  std::optional<response> admit(const request& req, std::string_view operation, caller& who,
                                int64_t now_ms);

  bool auth_on() const { return sigv4_; }

  /// The node's own routes under /_statecraft/ (the manual clock): with
  /// auth on, they need a valid SigV4 signature (service `states`, as for
  /// the API); GET (reading) a `full` or `read-only` key, any other method
  /// (changing state) a `full` key; refusals are AWS's errors as for the
  /// API, AccessDeniedException naming `statecraft:GetAdmin` or
  /// `statecraft:WriteAdmin`.
  /// nullopt = allowed (always when auth is off). /metrics is not an admin
  /// route: it stays open (read-only counters, for scrapers that cannot
  /// sign; docs/security.md).
  std::optional<response> admit_admin(const request& req, int64_t now_ms) const;

  /// Is `path` one of the admin routes admit_admin() guards?
  static bool admin_path(std::string_view path) {
    return path.substr(0, 12) == "/_statecraft" && (path.size() == 12 || path[12] == '/' ||
                                                    path[12] == '?');
  }

  /// StartExecution's rate is checked by the action once the machine's type
  /// is known (admit() leaves it): "StartExecution" (Standard) or
  /// "StartExecution.Express". False = throttled.
  bool admit_start(const std::string& account, const std::string& region, bool express) {
    return !throttle_.enabled() ||
           throttle_.admit(account, region, express ? "StartExecution.Express" : "StartExecution");
  }

 private:
  struct key {
    std::string secret;
    std::string account;
    permission perm;
  };
  /// `action_ns` prefixes the operation in AccessDeniedException ("states:").
  std::optional<response> authenticate(const request& req, std::string_view operation,
                                       caller& who, int64_t now_ms,
                                       std::string_view action_ns = "states:") const;
  std::string default_region_;
  std::string default_account_;
  bool sigv4_;
  std::unordered_map<std::string, key> keys_;
  throttle throttle_;
};

/// An AWS error response whose __type carries AWS's namespace for errors
/// raised before the service (authentication, throttling).
response front_error(std::string_view type, std::string_view message, int status = 400);

}  // namespace sc::api
