// The cluster's task-token secrets in Redis. See secrets.hpp.
#include "cluster/secrets.hpp"

#include "cluster/hiredis_util.hpp"
#include "cluster/keys.hpp"
#include "cluster/redis_store.hpp"
#include "runtime/model/task_token.hpp"

#include <hiredis/hiredis.h>
#include <openssl/rand.h>

#include <charconv>
#include <chrono>
#include <memory>
#include <stdexcept>

namespace sc::cluster {

namespace {

using hiredis::reply;
using hiredis::str;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct ctx_free {
  void operator()(redisContext* c) const {
    if (c) redisFree(c);
  }
};
using context = std::unique_ptr<redisContext, ctx_free>;

/// A connection to `url` (DB selected), or null with *error set.
context connect(const std::string& url, std::string* error) {
  auto fail = [&](const std::string& e) {
    if (error) *error = e;
    return context();
  };
  auto addr = parse_redis_address(url);
  if (!addr) return fail("malformed Redis URL '" + url + "' (expected redis://HOST:PORT[/DB])");
  hiredis::sigpipe_guard guard;
  timeval tv{2, 0};
  context c(redisConnectWithTimeout(addr->host.c_str(), addr->port, tv));
  const std::string where = "Redis at " + url;
  if (!c) return fail("cannot connect to " + where + ": out of memory");
  if (c->err) return fail("cannot connect to " + where + ": " + c->errstr);
  redisSetTimeout(c.get(), tv);
  if (addr->db != 0) {
    std::string db = std::to_string(addr->db);
    reply r(static_cast<redisReply*>(redisCommand(c.get(), "SELECT %s", db.c_str())));
    if (!r) return fail(where + ": " + c->errstr);
    if (hiredis::is_error(r.get())) return fail(where + ": SELECT " + db + ": " + std::string(str(r.get())));
  }
  return c;
}

/// One command; null with *error set on a transport failure or an error
/// reply.
reply run(redisContext* c, const std::vector<std::string>& args, std::string* error) {
  hiredis::sigpipe_guard guard;
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  reply r(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data())));
  if (!r) {
    if (error) *error = std::string("Redis: ") + (c->errstr[0] ? c->errstr : "connection lost");
    return nullptr;
  }
  if (hiredis::is_error(r.get())) {
    if (error) *error = "Redis: " + std::string(str(r.get()));
    return nullptr;
  }
  return r;
}

/// The stored text ("" when the key does not exist); nullopt on failure.
std::optional<std::string> get_raw(redisContext* c, std::string* error) {
  auto r = run(c, {"GET", keys::token_secrets()}, error);
  if (!r) return std::nullopt;
  if (hiredis::is_nil(r.get())) return std::string();
  if (r->type != REDIS_REPLY_STRING) {
    if (error) *error = "Redis: " + keys::token_secrets() + " is not a string";
    return std::nullopt;
  }
  return std::string(str(r.get()));
}

std::optional<std::vector<cluster_secret>> parse_or_fail(const std::string& raw,
                                                         std::string* error) {
  if (raw.empty()) return std::vector<cluster_secret>{};
  auto ring = parse_secrets(raw);
  if (!ring && error)
    *error = "the secrets stored in Redis (" + keys::token_secrets() +
             ") are malformed; fix or delete that key";
  return ring;
}

/// Replaces `expected` (the text read before; "" = no key) by `next` and
/// tells the nodes, atomically. 1 = done, 0 = the value changed meanwhile,
/// -1 = failure (*error set).
int compare_and_set(redisContext* c, const std::string& expected, const std::string& next,
                    std::string* error) {
  static const char* script =
      "local cur = redis.call('GET', KEYS[1]) "
      "if (cur or '') ~= ARGV[1] then return 0 end "
      "redis.call('SET', KEYS[1], ARGV[2]) "
      "redis.call('PUBLISH', ARGV[3], ARGV[4]) "
      "return 1";
  auto r = run(c,
               {"EVAL", script, "1", keys::token_secrets(), expected, next,
                keys::members_channel(), keys::secrets_changed_message()},
               error);
  if (!r) return -1;
  return r->type == REDIS_REPLY_INTEGER && r->integer == 1 ? 1 : 0;
}

cluster_secret make_secret(std::string value) {
  cluster_secret s;
  s.key_id = model::key_id_hex(value);
  s.value = std::move(value);
  s.created_ms = now_ms();
  return s;
}

std::string id_list(const std::vector<cluster_secret>& ring) {
  std::string out;
  for (size_t i = 0; i < ring.size(); ++i) {
    if (i) out += ", ";
    out += ring[i].key_id;
    if (i == 0) out += " (newest, signing)";
  }
  return out;
}

/// Read-modify-write of the ring with `change` (returns the new ring, or
/// nullopt with *error set to refuse); retried when another writer raced.
template <class F>
std::optional<std::vector<cluster_secret>> update(const std::string& url, std::string* error,
                                                  F change) {
  auto c = connect(url, error);
  if (!c) return std::nullopt;
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto raw = get_raw(c.get(), error);
    if (!raw) return std::nullopt;
    auto ring = parse_or_fail(*raw, error);
    if (!ring) return std::nullopt;
    auto next = change(*ring);
    if (!next) return std::nullopt;
    int done = compare_and_set(c.get(), *raw, format_secrets(*next), error);
    if (done < 0) return std::nullopt;
    if (done == 1) return next;
  }
  if (error) *error = "the secrets kept changing while this command ran; try again";
  return std::nullopt;
}

}  // namespace

std::string format_secrets(const std::vector<cluster_secret>& ring) {
  std::string out;
  for (const auto& s : ring) {
    if (!out.empty()) out += '\n';
    out += std::to_string(s.created_ms) + " " + model::base64url_encode(s.value);
  }
  return out;
}

std::optional<std::vector<cluster_secret>> parse_secrets(std::string_view stored) {
  std::vector<cluster_secret> ring;
  while (!stored.empty()) {
    auto nl = stored.find('\n');
    std::string_view line = stored.substr(0, nl);
    stored = nl == std::string_view::npos ? std::string_view{} : stored.substr(nl + 1);
    auto sp = line.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    cluster_secret s;
    auto [p, ec] = std::from_chars(line.data(), line.data() + sp, s.created_ms);
    if (ec != std::errc() || p != line.data() + sp) return std::nullopt;
    auto value = model::base64url_decode(line.substr(sp + 1));
    if (!value || value->size() < 16) return std::nullopt;
    s.value = std::move(*value);
    s.key_id = model::key_id_hex(s.value);
    ring.push_back(std::move(s));
  }
  if (ring.empty()) return std::nullopt;
  return ring;
}

std::vector<std::string> secret_values(const std::vector<cluster_secret>& ring) {
  std::vector<std::string> out;
  out.reserve(ring.size());
  for (const auto& s : ring) out.push_back(s.value);
  return out;
}

std::string generate_secret() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1)
    throw std::runtime_error("RAND_bytes failed: no secure random bytes");
  return model::base64url_encode(std::string_view(reinterpret_cast<char*>(bytes), sizeof bytes));
}

std::optional<std::vector<cluster_secret>> read_secrets(const std::string& url,
                                                        std::string* error) {
  auto c = connect(url, error);
  if (!c) return std::nullopt;
  auto raw = get_raw(c.get(), error);
  if (!raw) return std::nullopt;
  return parse_or_fail(*raw, error);
}

std::optional<joined_secrets> join_secrets(const std::string& url, const std::string& configured,
                                           std::string* error) {
  auto c = connect(url, error);
  if (!c) return std::nullopt;
  joined_secrets out;
  auto raw = get_raw(c.get(), error);
  if (!raw) return std::nullopt;
  if (raw->empty()) {
    // The first node: store ours, unless another node is quicker.
    std::string first;
    try {
      first = format_secrets({make_secret(configured.empty() ? generate_secret() : configured)});
    } catch (const std::exception& e) {
      if (error) *error = e.what();
      return std::nullopt;
    }
    auto r = run(c.get(), {"SET", keys::token_secrets(), first, "NX"}, error);
    if (!r) return std::nullopt;
    if (!hiredis::is_nil(r.get())) {
      out.created = true;
      *raw = first;
    } else {
      raw = get_raw(c.get(), error);
      if (!raw) return std::nullopt;
    }
  }
  auto ring = parse_or_fail(*raw, error);
  if (!ring) return std::nullopt;
  if (ring->empty()) {
    if (error) *error = "the secrets key " + keys::token_secrets() + " vanished while starting";
    return std::nullopt;
  }
  if (!configured.empty()) {
    size_t at = 0;
    while (at < ring->size() && (*ring)[at].value != configured) ++at;
    if (at == ring->size()) {
      if (error)
        *error = "the task token secret this node was given (--task-token-secret or "
                 "activities.task_token_secret, key id " +
                 model::key_id_hex(configured) + ") is not one of the cluster's: Redis at " +
                 url + " holds " + std::to_string(ring->size()) + " secret" +
                 (ring->size() == 1 ? "" : "s") + " in " + keys::token_secrets() + ", key id" +
                 (ring->size() == 1 ? " " : "s ") + id_list(*ring) +
                 ". Tokens signed by this node would be InvalidToken on the others. Start it "
                 "without a task token secret to use the cluster's (nodes on Redis share one "
                 "by default), give it the cluster's secret, or make the configured one the "
                 "cluster's with 'statecraft secrets rotate --redis " +
                 url + " --secret-file FILE'.";
      return std::nullopt;
    }
    out.configured_is_older = at != 0;
  }
  out.ring = std::move(*ring);
  return out;
}

std::optional<std::vector<cluster_secret>> rotate_secrets(const std::string& url,
                                                          const std::string& value,
                                                          std::string* error) {
  std::string v;
  try {
    v = value.empty() ? generate_secret() : value;
  } catch (const std::exception& e) {
    if (error) *error = e.what();
    return std::nullopt;
  }
  if (v.size() < 16) {
    if (error)
      *error = "a secret must be at least 16 characters (got " + std::to_string(v.size()) + ")";
    return std::nullopt;
  }
  auto fresh = make_secret(v);
  return update(url, error,
                [&](const std::vector<cluster_secret>& ring)
                    -> std::optional<std::vector<cluster_secret>> {
                  for (const auto& s : ring)
                    if (s.value == v) {
                      if (error)
                        *error = "that secret (key id " + s.key_id +
                                 ") is already one of the cluster's";
                      return std::nullopt;
                    }
                  if (ring.size() >= max_secrets) {
                    if (error)
                      *error = "the cluster already has " + std::to_string(ring.size()) +
                               " secrets (at most " + std::to_string(max_secrets) +
                               "); retire old ones first ('statecraft secrets retire')";
                    return std::nullopt;
                  }
                  std::vector<cluster_secret> next;
                  next.push_back(fresh);
                  next.insert(next.end(), ring.begin(), ring.end());
                  return next;
                });
}

std::optional<std::vector<cluster_secret>> retire_secrets(const std::string& url,
                                                          const std::string& key_id,
                                                          std::string* error) {
  std::vector<cluster_secret> retired;
  auto next = update(url, error,
                     [&](const std::vector<cluster_secret>& ring)
                         -> std::optional<std::vector<cluster_secret>> {
                       retired.clear();
                       if (ring.empty()) {
                         if (error)
                           *error = "the cluster has no secrets yet (" + keys::token_secrets() +
                                    " is absent): nothing to retire";
                         return std::nullopt;
                       }
                       std::vector<cluster_secret> keep{ring.front()};
                       if (!key_id.empty() && ring.front().key_id == key_id) {
                         if (error)
                           *error = "secret " + key_id +
                                    " is the newest, the one that signs: rotate first "
                                    "('statecraft secrets rotate'), then retire it";
                         return std::nullopt;
                       }
                       bool found = key_id.empty();
                       for (size_t i = 1; i < ring.size(); ++i) {
                         if (key_id.empty() || ring[i].key_id == key_id) {
                           retired.push_back(ring[i]);
                           found = true;
                         } else {
                           keep.push_back(ring[i]);
                         }
                       }
                       if (!found) {
                         if (error)
                           *error = "no secret with key id " + key_id + " (the cluster's: " +
                                    id_list(ring) + ")";
                         return std::nullopt;
                       }
                       return keep;
                     });
  if (!next) return std::nullopt;
  return retired;
}

}  // namespace sc::cluster
