#include "runtime/model/task_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include <stdexcept>
#include <unordered_map>

namespace sc::model {

namespace {
constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr size_t mac_bytes = 16;
}  // namespace

std::string base64url_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = val(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xFF);
    }
  }
  // The 2 or 4 bits left over by a partial group must be zero, or a second
  // spelling of the same bytes would be accepted.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

namespace {

std::string hmac_once(std::string_view key, std::string_view payload, size_t bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), bytes);
}

/// HMAC-SHA256 contexts keyed once per (thread, secret) and reset for each
/// message: the one-shot HMAC() fetches the algorithm and hashes the key's
/// pads again on every call, which measured ~15 % of a node's instructions
/// per activity task (a token is signed when queued and checked on
/// SendTask*; docs/benchmarks.md, session 7). A ring holds a few secrets;
/// the cache is dropped whole if rotations ever leave it large.
struct mac_cache {
  EVP_MAC* mac = nullptr;
  std::unordered_map<std::string, EVP_MAC_CTX*> by_key;
  ~mac_cache() {
    clear();
    EVP_MAC_free(mac);
  }
  void clear() {
    for (auto& [k, c] : by_key) EVP_MAC_CTX_free(c);
    by_key.clear();
  }
  /// A context ready for EVP_MAC_update with `key`, or null.
  EVP_MAC_CTX* ready(std::string_view key) {
    if (!mac) mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (!mac || key.empty()) return nullptr;
    std::string k(key);
    auto it = by_key.find(k);
    if (it != by_key.end())  // a null key resets to the keyed state
      return EVP_MAC_init(it->second, nullptr, 0, nullptr) ? it->second : nullptr;
    if (by_key.size() >= 64) clear();
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                           OSSL_PARAM_construct_end()};
    if (!ctx || !EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                              params)) {
      EVP_MAC_CTX_free(ctx);
      return nullptr;
    }
    by_key.emplace(std::move(k), ctx);
    return ctx;
  }
};

std::string hmac(std::string_view key, std::string_view payload, size_t bytes) {
  thread_local mac_cache cache;
  EVP_MAC_CTX* ctx = cache.ready(key);
  unsigned char md[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (!ctx ||
      !EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(payload.data()), payload.size()) ||
      !EVP_MAC_final(ctx, md, &len, sizeof md) || len < bytes)
    return hmac_once(key, payload, bytes);
  return std::string(reinterpret_cast<char*>(md), bytes);
}

constexpr size_t id_bytes = 4;

std::shared_ptr<const std::vector<token_codec::key>> make_ring(std::vector<std::string> secrets) {
  if (secrets.empty()) throw std::invalid_argument("token_codec: no secret");
  auto r = std::make_shared<std::vector<token_codec::key>>();
  r->reserve(secrets.size());
  for (auto& s : secrets) {
    std::string id = key_id(s);
    r->push_back(token_codec::key{std::move(s), std::move(id)});
  }
  return r;
}

}  // namespace

std::string key_id(std::string_view secret) {
  return hmac(secret, "statecraft key id", id_bytes);
}

std::string key_id_hex(std::string_view secret) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key_id(secret)) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

token_codec::token_codec(std::string secret)
    : ring_(make_ring(std::vector<std::string>{std::move(secret)})) {}

token_codec::token_codec(std::vector<std::string> secrets) : ring_(make_ring(std::move(secrets))) {}

token_codec::token_codec(const token_codec& o) : ring_(o.keys()) {}

token_codec& token_codec::operator=(const token_codec& o) {
  ring_.store(o.keys(), std::memory_order_release);
  return *this;
}

void token_codec::set_secrets(std::vector<std::string> secrets) {
  ring_.store(make_ring(std::move(secrets)), std::memory_order_release);
}

std::vector<std::string> token_codec::key_ids() const {
  std::vector<std::string> out;
  for (const auto& k : *keys()) out.push_back(key_id_hex(k.secret));
  return out;
}

token_codec token_codec::derived(std::string_view label) const {
  auto base = keys();
  auto r = std::make_shared<ring>();
  r->reserve(base->size());
  const std::string what = std::string("derive|") + std::string(label);
  for (const auto& k : *base) r->push_back(key{hmac(k.secret, what, mac_bytes) + k.secret, k.id});
  return token_codec(std::shared_ptr<const ring>(std::move(r)));
}

std::string token_codec::encode(const task_token& t) const {
  auto r = keys();
  const key& k = r->front();
  std::string payload = "v1|" + std::to_string(t.task_id) + "|" + t.execution_arn;
  return base64url_encode(payload) + "." + base64url_encode(k.id + hmac(k.secret, payload, mac_bytes));
}

std::optional<task_token> token_codec::decode(std::string_view token) const {
  if (token.size() > 4096) return std::nullopt;
  auto dot = token.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto payload = base64url_decode(token.substr(0, dot));
  auto sig = base64url_decode(token.substr(dot + 1));
  if (!payload || !sig) return std::nullopt;
  auto verifies = [&](const key& k, std::string_view mac) {
    auto expect = hmac(k.secret, *payload, mac_bytes);
    return CRYPTO_memcmp(expect.data(), mac.data(), mac_bytes) == 0;
  };
  bool ok = false;
  auto r = keys();
  if (sig->size() == id_bytes + mac_bytes) {
    std::string_view id = std::string_view(*sig).substr(0, id_bytes);
    std::string_view mac = std::string_view(*sig).substr(id_bytes);
    for (const auto& k : *r)
      if (k.id == id && verifies(k, mac)) {
        ok = true;
        break;
      }
  } else if (sig->size() == mac_bytes) {
    // The format before key ids: any secret of the ring.
    for (const auto& k : *r)
      if (verifies(k, *sig)) {
        ok = true;
        break;
      }
  }
  if (!ok) return std::nullopt;
  // v1|<id>|<arn>
  if (payload->rfind("v1|", 0) != 0) return std::nullopt;
  auto bar = payload->find('|', 3);
  if (bar == std::string::npos) return std::nullopt;
  task_token t;
  try {
    t.task_id = std::stoll(payload->substr(3, bar - 3));
  } catch (...) {
    return std::nullopt;
  }
  t.execution_arn = payload->substr(bar + 1);
  return t;
}

}  // namespace sc::model
