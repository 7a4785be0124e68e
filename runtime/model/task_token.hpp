// Task tokens: opaque to clients, self-describing to us.
//
// A token carries the execution ARN and the task's sequence number inside
// that execution, and an HMAC-SHA256 over both with the node's (in a cluster:
// the cluster's) secret. A forged or altered token fails verification before
// any lookup, so InvalidToken is answered without touching the store.
//
// Format: base64url(payload) "." base64url(key id[4] mac[0..16]) where
// payload is "v1|<task id>|<execution arn>" and the key id names the secret
// that signed it (key_id() of the secret), so that verifying against a ring
// of several secrets (rotation: the newest signs, the others are still
// accepted) costs one HMAC. The payload does not depend on the secret: the
// same task has the same first segment whichever secret signed it.
// Tokens of the earlier format (a 16-byte signature, no key id) are still
// accepted: each secret of the ring is tried.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sc::model {

struct task_token {
  std::string execution_arn;
  int64_t task_id = 0;
};

/// The 4-byte id of a secret: the first bytes of HMAC-SHA256(secret,
/// "statecraft key id"). Names a secret in tokens and messages without
/// revealing it.
std::string key_id(std::string_view secret);
/// key_id() as 8 lowercase hex digits (for people).
std::string key_id_hex(std::string_view secret);

/// Signs and verifies tokens with a ring of secrets, newest first: the
/// newest signs, every one verifies. The ring can be replaced at any time
/// (set_secrets) while other threads encode and decode.
class token_codec {
 public:
  explicit token_codec(std::string secret);
  /// `secrets` newest first; must not be empty.
  explicit token_codec(std::vector<std::string> secrets);
  token_codec(const token_codec& o);
  token_codec& operator=(const token_codec& o);

  /// Replaces the ring (newest first, not empty); thread-safe.
  void set_secrets(std::vector<std::string> secrets);
  /// The key id (hex) of each secret of the ring, newest first.
  std::vector<std::string> key_ids() const;

  /// A codec for another kind of token (page tokens), keyed by this one's
  /// secrets and `label`: tokens of one kind never verify as the other. Its
  /// key ids are this ring's, so a rotation rotates both kinds.
  token_codec derived(std::string_view label) const;
  std::string encode(const task_token& t) const;
  /// nullopt when the token is malformed or its signature does not verify
  /// with any secret of the ring.
  std::optional<task_token> decode(std::string_view token) const;

  struct key {
    std::string secret;  ///< the HMAC key
    std::string id;      ///< 4 bytes: key_id() of the secret it derives from
  };

 private:
  using ring = std::vector<key>;
  explicit token_codec(std::shared_ptr<const ring> r) : ring_(std::move(r)) {}
  std::shared_ptr<const ring> keys() const { return ring_.load(std::memory_order_acquire); }
  std::atomic<std::shared_ptr<const ring>> ring_;
};

std::string base64url_encode(std::string_view bytes);
/// Only the canonical encoding decodes (no padding, unused low bits zero):
/// a token has exactly one spelling.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace sc::model
