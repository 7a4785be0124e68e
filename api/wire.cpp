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
    validation_error(shown(s), at(name),
                     "Member must have length greater than or equal to " + std::to_string(min_len));
  if (s.size() > max_len)
    validation_error(shown(s), at(name),
                     "Member must have length less than or equal to " + std::to_string(max_len));
  return s;
}

std::string members::required_str(const char* name, size_t min_len, size_t max_len) const {
  auto s = str(name, min_len, max_len);
  if (!s) missing_member(at(name));
  return *s;
}

std::optional<int64_t> members::integer(const char* name, int64_t min, int64_t max) const {
  auto n = integer(name);
  if (n && *n < min)
    validation_error("'" + std::to_string(*n) + "'", at(name),
                     "Member must have value greater than or equal to " + std::to_string(min));
  if (n && *n > max)
    validation_error("'" + std::to_string(*n) + "'", at(name),
                     "Member must have value less than or equal to " + std::to_string(max));
  return n;
}

std::optional<std::string> members::enumeration(const char* name,
                                                std::initializer_list<const char*> values) const {
  auto s = str(name);
  if (!s) return s;
  std::string set;
  for (const char* v : values) {
    if (*s == v) return s;
    set += (set.empty() ? "" : ", ") + std::string(v);
  }
  validation_error(shown(*s), at(name), "Member must satisfy enum value set: [" + set + "]");
}

std::optional<std::string> members::patterned(const char* name, size_t min_len, size_t max_len,
                                              bool (*ok)(std::string_view),
                                              const char* pattern) const {
  auto s = str(name, min_len, max_len);
  if (s && !ok(*s))
    validation_error(shown(*s), at(name),
                     std::string("Member must satisfy regular expression pattern: ") + pattern);
  return s;
}

const json::value* members::string_list(const char* name, size_t min_len, size_t max_len) const {
  const json::value* v = array(name);
  if (!v) return v;
  std::string all = "[";
  bool too_short = false, too_long = false;
  for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
    const json::value& e = (*v)[i];
    if (!e.IsString())
      throw aws_error("SerializationException", std::string("Expected a list of strings for member '") +
                                                    name + "' but found " + json::type_name(e));
    all += (i ? ", " : "") + std::string(e.GetString(), e.GetStringLength());
    too_short |= e.GetStringLength() < min_len;
    too_long |= e.GetStringLength() > max_len;
  }
  all += "]";
  if (too_short || too_long)
    validation_error(shown(all), at(name),
                     "Member must satisfy constraint: [Member must have length less than or equal "
                     "to " + std::to_string(max_len) +
                         ", Member must have length greater than or equal to " +
                         std::to_string(min_len) + "]");
  return v;
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
