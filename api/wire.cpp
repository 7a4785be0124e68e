#include "api/wire.hpp"

#include "runtime/model/task_token.hpp"

#include <cstdio>

namespace sc::api {

void validation_error(const std::string& value_shown, const std::string& member,
                      const std::string& constraint) {
  throw aws_error("ValidationException", "1 validation error detected: Value " + value_shown +
                                             " at '" + member +
                                             "' failed to satisfy constraint: " + constraint);
}

void missing_member(const std::string& member) {
  validation_error("null", member, "Member must not be null");
}

const json::value* members::find(const char* name) const {
  auto it = obj_.FindMember(name);
  if (it == obj_.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

static std::string shown(std::string_view v) {
  std::string s = "'";
  s += v.size() > 100 ? std::string(v.substr(0, 100)) + "..." : std::string(v);
  return s + "'";
}

std::optional<std::string> members::str(const char* name, size_t min_len, size_t max_len) const {
  const json::value* v = find(name);
  if (!v) return std::nullopt;
  if (!v->IsString())
    throw aws_error("SerializationException",
                    std::string("Expected a string for member '") + name + "' but found " +
                        json::type_name(*v));
  std::string s(v->GetString(), v->GetStringLength());
  if (s.size() < min_len)
    validation_error(shown(s), name,
                     "Member must have length greater than or equal to " + std::to_string(min_len));
  if (s.size() > max_len)
    validation_error(shown(s), name,
                     "Member must have length less than or equal to " + std::to_string(max_len));
  return s;
}

std::string members::required_str(const char* name, size_t min_len, size_t max_len) const {
  auto s = str(name, min_len, max_len);
  if (!s) missing_member(name);
  return *s;
}

std::optional<int64_t> members::integer(const char* name) const {
  const json::value* v = find(name);
  if (!v) return std::nullopt;
  if (!v->IsInt64())
    throw aws_error("SerializationException", std::string("Expected an integer for member '") +
                                                  name + "' but found " + json::type_name(*v));
  return v->GetInt64();
}

std::optional<bool> members::boolean(const char* name) const {
  const json::value* v = find(name);
  if (!v) return std::nullopt;
  if (!v->IsBool())
    throw aws_error("SerializationException", std::string("Expected a boolean for member '") +
                                                  name + "' but found " + json::type_name(*v));
  return v->GetBool();
}

const json::value* members::object(const char* name) const {
  const json::value* v = find(name);
  if (v && !v->IsObject())
    throw aws_error("SerializationException", std::string("Expected an object for member '") +
                                                  name + "' but found " + json::type_name(*v));
  return v;
}

const json::value* members::array(const char* name) const {
  const json::value* v = find(name);
  if (v && !v->IsArray())
    throw aws_error("SerializationException", std::string("Expected a list for member '") + name +
                                                  "' but found " + json::type_name(*v));
  return v;
}

std::string out::epoch_text(int64_t ms) {
  char buf[32];
  int64_t s = ms / 1000;
  int frac = static_cast<int>(ms % 1000);
  if (frac == 0)
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(s));
  else
    std::snprintf(buf, sizeof buf, "%lld.%03d", static_cast<long long>(s), frac);
  return buf;
}

// Page tokens are signed with a key derived from the node's task-token
// secret: a node (or cluster) with another secret refuses them, and nodes
// sharing a secret accept each other's.
std::string encode_page_token(const model::token_codec& tokens, std::string_view kind,
                              std::string_view key) {
  return tokens.derived("page-token").encode(model::task_token{std::string(key), 0}) + "." +
         model::base64url_encode(kind);
}

std::string decode_page_token(const model::token_codec& tokens, std::string_view kind,
                              std::string_view token) {
  auto bad = [] { return aws_error("InvalidToken", "Invalid Token: 'Invalid pagination token'"); };
  auto dot = token.rfind('.');
  if (dot == std::string_view::npos) throw bad();
  auto k = model::base64url_decode(token.substr(dot + 1));
  if (!k || *k != kind) throw bad();
  auto t = tokens.derived("page-token").decode(token.substr(0, dot));
  if (!t) throw bad();
  return t->execution_arn;
}

}  // namespace sc::api
