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
