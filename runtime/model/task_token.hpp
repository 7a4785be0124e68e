// Task tokens: opaque to clients, self-describing to us.
//
// A token carries the execution ARN and the task's sequence number inside
// that execution, and an HMAC-SHA256 over both with the node's (in a cluster:
// the cluster's) secret. A forged or altered token fails verification before
// any lookup, so InvalidToken is answered without touching the store.
// Format: base64url(payload) "." base64url(mac[0..16]) where payload is
// "v1|<task id>|<execution arn>".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sc::model {

struct task_token {
  std::string execution_arn;
  int64_t task_id = 0;
};

class token_codec {
 public:
  explicit token_codec(std::string secret) : secret_(std::move(secret)) {}
  /// A codec for another kind of token (page tokens), keyed by this one's
  /// secret and `label`: tokens of one kind never verify as the other.
  token_codec derived(std::string_view label) const {
    return token_codec(mac(std::string("derive|") + std::string(label)) + secret_);
  }
  std::string encode(const task_token& t) const;
  /// nullopt when the token is malformed or its signature does not verify.
  std::optional<task_token> decode(std::string_view token) const;

 private:
  std::string mac(std::string_view payload) const;
  std::string secret_;
};

std::string base64url_encode(std::string_view bytes);
/// Only the canonical encoding decodes (no padding, unused low bits zero):
/// a token has exactly one spelling.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace sc::model
