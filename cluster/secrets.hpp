// The cluster's task-token secrets, kept in Redis (keys::token_secrets()):
// nodes on one Redis share them, so a task token or a page token handed out
// by any node verifies on every other one, and after restarts.
//
// The secrets form a ring, newest first: the newest signs new tokens, every
// one verifies (see runtime/model/task_token.hpp for the key ids in
// tokens). `statecraft secrets rotate` puts a new secret in front;
// `statecraft secrets retire` drops old ones (their tokens become
// InvalidToken). Every change is one compare-and-set script that also
// publishes on keys::members_channel(), so the nodes' coordinators read the
// ring again at once (and at every heartbeat anyway).
//
// A node starting on Redis calls join_secrets(): the first node stores the
// first secret (its configured one, or a random one) with SET NX, so two
// nodes starting together agree; later nodes take the stored ring, and a
// node configured with a secret the ring does not hold is refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sc::cluster {

/// One secret of the ring.
struct cluster_secret {
  std::string value;       ///< the HMAC key (text)
  int64_t created_ms = 0;  ///< when it was added (ms since the epoch)
  std::string key_id;      ///< model::key_id_hex(value): names it in messages
};

/// Most secrets a ring holds (rotate refuses more: retire some first).
inline constexpr size_t max_secrets = 16;

/// The stored form: one line per secret, newest first,
/// "<created_ms> <base64url(value)>", joined by '\n'.
std::string format_secrets(const std::vector<cluster_secret>& ring);
/// Parses format_secrets()'s text; nullopt when malformed or empty.
std::optional<std::vector<cluster_secret>> parse_secrets(std::string_view stored);
/// The values of `ring`, in order (for model::token_codec).
std::vector<std::string> secret_values(const std::vector<cluster_secret>& ring);

/// A new random secret: 32 bytes from OpenSSL's RAND_bytes, base64url
/// (43 characters). Throws std::runtime_error when RAND_bytes fails.
std::string generate_secret();

/// The ring a starting node uses, read from (or first stored in) the Redis
/// at `url`.
struct joined_secrets {
  std::vector<cluster_secret> ring;  ///< newest first, never empty
  bool created = false;              ///< this call stored the first secret
  bool configured_is_older = false;  ///< `configured` is in the ring but not the newest
};

/// With `configured` empty: the stored ring, or a new random secret stored
/// with SET NX when there is none. With `configured` set: the same, but the
/// first secret stored is `configured`, and a ring that does not hold it is
/// an error (the message says what was found and what to do). nullopt with
/// *error set when Redis cannot be used or the ring is refused.
std::optional<joined_secrets> join_secrets(const std::string& url, const std::string& configured,
                                           std::string* error);

/// The stored ring (empty when there is none yet). nullopt with *error set
/// when Redis cannot be read or the stored value is malformed.
std::optional<std::vector<cluster_secret>> read_secrets(const std::string& url,
                                                        std::string* error);

/// Puts a new secret in front of the ring (`value`, or a random one when
/// empty; at least 16 characters, not already in the ring). Returns the new
/// ring; nullopt with *error set when refused or Redis cannot be used.
std::optional<std::vector<cluster_secret>> rotate_secrets(const std::string& url,
                                                          const std::string& value,
                                                          std::string* error);

/// Removes the secret with key id `key_id` (hex), or every secret but the
/// newest when `key_id` is empty; the newest cannot be retired (rotate
/// first). Returns the retired secrets (empty when there was nothing to
/// retire); nullopt with *error set when refused or Redis cannot be used.
std::optional<std::vector<cluster_secret>> retire_secrets(const std::string& url,
                                                          const std::string& key_id,
                                                          std::string* error);

}  // namespace sc::cluster
