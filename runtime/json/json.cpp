#include "runtime/json/json.hpp"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sc::json {

/// RapidJSON parses and writes recursively, so hostile input (a quarter
/// megabyte of '[') must be refused before it reaches the parser.
size_t nesting_depth(std::string_view text) {
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') deepest = std::max(deepest, ++depth);
    else if ((c == ']' || c == '}') && depth) --depth;
  }
  return deepest;
}

bool parse(std::string_view text, document& out, std::string* error) {
  if (nesting_depth(text) > max_depth) {
    if (error) *error = "JSON nested deeper than " + std::to_string(max_depth) + " levels";
    out.SetNull();
    return false;
  }
  // Without kParseStopWhenDoneFlag RapidJSON rejects anything but whitespace
  // after the root value.
  out.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
  if (out.HasParseError()) {
    if (error)
      *error = std::string(rapidjson::GetParseError_En(out.GetParseError())) + " at offset " +
               std::to_string(out.GetErrorOffset());
    return false;
  }
  return true;
}

bool valid_utf8(std::string_view s, size_t* bad_offset) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  auto fail = [&] {
    if (bad_offset) *bad_offset = i;
    return false;
  };
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) len = 3, lo = 0xA0;
    else if (c == 0xED) len = 3, hi = 0x9F;  // no surrogates
    else if (c >= 0xE1 && c <= 0xEF) len = 3;
    else if (c == 0xF0) len = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else if (c == 0xF4) len = 4, hi = 0x8F;
    else return fail();
    if (i + len > n || p[i + 1] < lo || p[i + 1] > hi) return fail();
    for (size_t k = 2; k < len; ++k)
      if ((p[i + k] & 0xC0) != 0x80) return fail();
    i += len;
  }
  return true;
}

namespace {
/// False when a string (or member name) under `v` is not valid UTF-8.
bool strings_valid(const value& v) {
  if (v.IsString()) return valid_utf8(std::string_view(v.GetString(), v.GetStringLength()));
  if (v.IsArray()) {
    for (auto& e : v.GetArray())
      if (!strings_valid(e)) return false;
  } else if (v.IsObject()) {
    for (auto& m : v.GetObject())
      if (!strings_valid(m.name) || !strings_valid(m.value)) return false;
  }
  return true;
}
}  // namespace

bool parse_untrusted(std::string_view text, document& out, std::string* error) {
  size_t at = 0;
  if (!valid_utf8(text, &at)) {
    if (error) {
      char b[8];
      std::snprintf(b, sizeof b, "0x%02x", static_cast<unsigned char>(text[at]));
      *error = std::string("Invalid UTF-8 byte ") + b + " at offset " + std::to_string(at);
    }
    out.SetNull();
    return false;
  }
  if (!parse(text, out, error)) return false;
  // Raw bytes are valid; a \u escape can still decode to a lone surrogate.
  if (text.find("\\u") != std::string_view::npos && !strings_valid(out)) {
    if (error) *error = "Invalid UTF-8: a \\u escape encodes a lone surrogate";
    out.SetNull();
    return false;
  }
  return true;
}

bool valid(std::string_view text) {
  document d;
  return parse(text, d);
}

std::string dump(const value& v) {
  // One buffer per thread, kept between calls: it grows to the largest
  // document once instead of reallocating its way up on every call.
  thread_local rapidjson::StringBuffer buf;
  buf.Clear();
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  std::string out(buf.GetString(), buf.GetSize());
  if (buf.GetSize() > 1 << 20) {  // do not keep a huge one
    buf.Clear();
    buf.ShrinkToFit();
  }
  return out;
}

const char* type_name(const value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "boolean";
    case rapidjson::kObjectType: return "object";
    case rapidjson::kArrayType: return "array";
    case rapidjson::kStringType: return "string";
    case rapidjson::kNumberType: return "number";
  }
  return "unknown";
}

namespace {
/// For each byte: 0 = copy as is, else the escape letter ('u' = \u00XX).
struct escape_table {
  char code[256] = {};
  constexpr escape_table() {
    for (int c = 0; c < 0x20; ++c) code[c] = 'u';
    code[static_cast<unsigned char>('"')] = '"';
    code[static_cast<unsigned char>('\\')] = '\\';
    code[static_cast<unsigned char>('\n')] = 'n';
    code[static_cast<unsigned char>('\r')] = 'r';
    code[static_cast<unsigned char>('\t')] = 't';
    code[static_cast<unsigned char>('\b')] = 'b';
    code[static_cast<unsigned char>('\f')] = 'f';
  }
};
constexpr escape_table escapes;
}  // namespace

std::string escape(std::string_view s) {
  // Two passes over a lookup table: measure, then write into a string of
  // the exact size. Inputs are mostly JSON text, full of quotes.
  size_t extra = 0;
  for (unsigned char c : s) {
    char e = escapes.code[c];
    extra += e == 0 ? 0 : (e == 'u' ? 5 : 1);
  }
  if (extra == 0) return std::string(s);
  static const char hex[] = "0123456789abcdef";
  std::string out(s.size() + extra, '\0');
  char* o = out.data();
  for (unsigned char c : s) {
    char e = escapes.code[c];
    if (e == 0) {
      *o++ = static_cast<char>(c);
    } else if (e != 'u') {
      *o++ = '\\';
      *o++ = e;
    } else {
      *o++ = '\\';
      *o++ = 'u';
      *o++ = '0';
      *o++ = '0';
      *o++ = hex[c >> 4];
      *o++ = hex[c & 15];
    }
  }
  return out;
}

}  // namespace sc::json
