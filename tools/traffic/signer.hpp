// statecraft-traffic: what a client needs to talk to an exposed node (issue
// 18): TLS (https:// endpoints, --ca-bundle or --insecure) and real SigV4
// signatures (--access-key/--secret-key, or AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN), signed with the one SigV4
// implementation (runtime/aws/sigv4.hpp).
//
// Cheap per request: the signing key (four HMACs) is derived once per day,
// Region and service and cached; a request costs the SHA-256 of its body,
// the SHA-256 of its canonical request and one HMAC. The X-Amz-Date string
// is formatted once per second.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace sc::traffic {

/// Access keys for signing; empty access_key_id = do not sign (the request
/// then carries a dummy Authorization whose scope names the Region, which a
/// node without `auth:` reads and does not check).
struct signing_keys {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  bool empty() const { return access_key_id.empty(); }
};

/// The keys from the flags, else from AWS_ACCESS_KEY_ID /
/// AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN. A flag given for only one of
/// the pair is an error (`error` set).
signing_keys keys_from(const std::string& flag_access, const std::string& flag_secret,
                       std::string& error);

/// The headers a signed AWS JSON 1.0 call adds.
struct signed_headers {
  std::string amz_date;        ///< X-Amz-Date
  std::string authorization;   ///< Authorization
  std::string security_token;  ///< X-Amz-Security-Token ("" = none)
};

/// Signs requests for one Region and service ("states"). Thread-safe.
class signer {
 public:
  signer(signing_keys keys, std::string region, std::string service = "states");

  /// The headers for a request with these parts. The signed headers are
  /// content-type, host, x-amz-date, x-amz-target (when not empty) and
  /// x-amz-security-token (with a session token). `now_ms` = epoch ms.
  signed_headers sign(std::string_view method, std::string_view path, std::string_view host,
                      std::string_view content_type, std::string_view target,
                      std::string_view body, int64_t now_ms) const;

  /// sign() at the wall clock's time.
  signed_headers sign_now(std::string_view method, std::string_view path, std::string_view host,
                          std::string_view content_type, std::string_view target,
                          std::string_view body) const;

  /// Signing keys derived so far (one per day used): for tests.
  uint64_t keys_derived() const;

 private:
  signing_keys keys_;
  std::string region_, service_;
  mutable std::mutex mu_;
  mutable std::string day_;      ///< yyyymmdd of key_
  mutable std::string key_;      ///< the raw signing key of day_
  mutable int64_t second_ = -1;  ///< epoch second of date_
  mutable std::string date_;     ///< X-Amz-Date of second_
  mutable uint64_t derived_ = 0;
};

}  // namespace sc::traffic
