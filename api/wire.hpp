// Reading AWS JSON 1.0 request members and writing responses.
//
// `members` reads one request object: a member of the wrong JSON type is a
// SerializationException (as AWS's deserializer reports it), a missing
// required member or a violated length/range constraint a
// ValidationException in Coral's wording.
#pragma once

#include "runtime/model/task_token.hpp"

#include "api/errors.hpp"
#include "runtime/json/json.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace sc::api {

class members {
 public:
  /// `path` prefixes member names in messages, as Coral names nested
  /// members: "loggingConfiguration." or "tags.1.member.".
  explicit members(const json::value& obj, std::string path = {})
      : obj_(obj), path_(std::move(path)) {}

  /// String member; absent (or JSON null) → nullopt. Length checked when
  /// min/max given (bytes, like AWS's UTF-8 length for ASCII).
  std::optional<std::string> str(const char* name, size_t min_len = 0, size_t max_len = SIZE_MAX) const;
  std::string required_str(const char* name, size_t min_len = 0, size_t max_len = SIZE_MAX) const;
  std::optional<int64_t> integer(const char* name) const;
  /// Integer member checked against [min, max] in Coral's wording.
  std::optional<int64_t> integer(const char* name, int64_t min, int64_t max) const;
  /// String member that must be one of `values` ("Member must satisfy enum
  /// value set: [A, B]", listed in the given order).
  std::optional<std::string> enumeration(const char* name,
                                         std::initializer_list<const char*> values) const;
  /// String member matched against a pattern by `ok`; `pattern` is the
  /// model's text for the message.
  std::optional<std::string> patterned(const char* name, size_t min_len, size_t max_len,
                                       bool (*ok)(std::string_view), const char* pattern) const;
  /// List of strings whose items have length [min_len, max_len] (Coral:
  /// "Member must satisfy constraint: [...]" at the list).
  const json::value* string_list(const char* name, size_t min_len, size_t max_len) const;
  /// The name as Coral shows it ("encryptionConfiguration.type").
  std::string at(const char* name) const { return path_ + name; }
  std::optional<bool> boolean(const char* name) const;
  /// Object / array members (type-checked); nullptr when absent.
  const json::value* object(const char* name) const;
  const json::value* array(const char* name) const;

 private:
  const json::value* find(const char* name) const;
  const json::value& obj_;
  std::string path_;
};

/// Compact JSON writer for response bodies.
class out {
 public:
  out() : w_(buf_) { w_.StartObject(); }
  out& str(const char* k, std::string_view v) {
    w_.Key(k);
    w_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    return *this;
  }
  out& num(const char* k, int64_t v) {
    w_.Key(k);
    w_.Int64(v);
    return *this;
  }
  out& boolean(const char* k, bool v) {
    w_.Key(k);
    w_.Bool(v);
    return *this;
  }
  /// Epoch seconds with millisecond fraction, as AWS sends timestamps.
  out& time(const char* k, int64_t epoch_ms) {
    w_.Key(k);
    w_.RawValue(epoch_text(epoch_ms).c_str(), epoch_text(epoch_ms).size(), rapidjson::kNumberType);
    return *this;
  }
  /// Already-serialised JSON value.
  out& raw(const char* k, std::string_view json_text) {
    w_.Key(k);
    w_.RawValue(json_text.data(), json_text.size(), rapidjson::kObjectType);
    return *this;
  }
  out& key(const char* k) {
    w_.Key(k);
    return *this;
  }
  rapidjson::Writer<rapidjson::StringBuffer>& writer() { return w_; }
  std::string done() {
    w_.EndObject();
    return std::string(buf_.GetString(), buf_.GetSize());
  }
  static std::string epoch_text(int64_t ms);

 private:
  rapidjson::StringBuffer buf_;
  rapidjson::Writer<rapidjson::StringBuffer> w_;
};

/// Opaque pagination tokens: "<kind>|<resume key>" base64url-encoded with an
/// HMAC so a token cannot be forged into another listing. `decode` throws
/// InvalidToken for anything it did not issue.
std::string encode_page_token(const model::token_codec& tokens, std::string_view kind,
                              std::string_view key);
std::string decode_page_token(const model::token_codec& tokens, std::string_view kind,
                              std::string_view token);

}  // namespace sc::api
