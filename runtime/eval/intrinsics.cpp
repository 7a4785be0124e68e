// The 18 intrinsic functions of the States Language (JSONPath query
// language), with AWS Step Functions' observable behaviour.
//
// Design: `parse` turns the text into a tree once (see intrinsics.hpp);
// `evaluate` walks it, evaluating arguments into a scratch allocator and
// copying only the final value into the caller's document. Failures are
// values (no exceptions): a path that selects nothing gives States.Runtime
// "The JSONPath '...' specified for the field '...' could not be found in the
// input '...'"; a bad argument count or type gives States.Runtime
// "Invalid arguments in States.X" (what AWS reports for these, rather than
// the States.IntrinsicFailure the ASL specification names).
//
// AWS behaviours reproduced (each has a test in intrinsics.test.cpp):
//  * States.Format renders non-string arguments like Java's String.valueOf
//    on the decoded value: null -> "null", 1.1 -> "1.1", 1e7 -> "1.0E7",
//    objects {a=1, b=[]}, arrays [1, 2]; strings are inserted raw.
//  * States.MathAdd rounds each argument half-up (Java Math.round) before
//    adding; States.ArrayRange/ArrayPartition/ArrayGetItem/MathRandom
//    truncate fractional arguments (Java intValue).
//  * States.StringSplit splits on any of the delimiter's characters and
//    drops empty tokens (java.util.StringTokenizer).
//  * States.StringToJson of a blank string is null.
//  * States.ArrayContains compares the String.valueOf forms (so {a,b} with
//    reordered keys does not match, and true matches "true").
//  * States.Base64Decode is lenient: characters outside the alphabet are
//    skipped and decoding stops at the first '='.
//  * States.MathRandom(start, end, seed) draws java.util.Random(seed)
//    .nextInt(end - start) + start; without a seed it draws from `rng`.
//  * Base64Encode/Base64Decode/Hash accept at most 10,000 characters.
#include "runtime/eval/intrinsics.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <limits>

namespace sc::eval::intrinsic {

namespace {

struct function_info {
  std::string_view name;
  function fn;
  int min_args;
  int max_args;  // -1: unbounded
};

constexpr function_info functions[] = {
    {"States.Format", function::format, 1, -1},
    {"States.StringToJson", function::string_to_json, 1, 1},
    {"States.JsonToString", function::json_to_string, 1, 1},
    {"States.Array", function::array, 0, -1},
    {"States.ArrayPartition", function::array_partition, 2, 2},
    {"States.ArrayContains", function::array_contains, 2, 2},
    {"States.ArrayRange", function::array_range, 3, 3},
    {"States.ArrayGetItem", function::array_get_item, 2, 2},
    {"States.ArrayLength", function::array_length, 1, 1},
    {"States.ArrayUnique", function::array_unique, 1, 1},
    {"States.Base64Encode", function::base64_encode, 1, 1},
    {"States.Base64Decode", function::base64_decode, 1, 1},
    {"States.Hash", function::hash, 2, 2},
    {"States.JsonMerge", function::json_merge, 3, 3},
    {"States.MathRandom", function::math_random, 2, 3},
    {"States.MathAdd", function::math_add, 2, 2},
    {"States.StringSplit", function::string_split, 2, 2},
    {"States.UUID", function::uuid, 0, 0},
};

const function_info& info(function fn) {
  for (const auto& f : functions)
    if (f.fn == fn) return f;
  return functions[0];
}

constexpr size_t max_string_chars = 10000;  // Base64Encode/Base64Decode/Hash input limit

// ------------------------------------------------------------------ parser

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class parser {
 public:
  explicit parser(std::string_view s) : s_(s) {}
  std::string error;

  node_ptr whole() {
    node_ptr n = call();
    if (!n) return nullptr;
    skip_space();
    if (pos_ != s_.size()) return fail("unexpected text after the closing parenthesis");
    return n;
  }

 private:
  static constexpr int max_depth = 64;  // bounds recursion on hostile input
  std::string_view s_;
  size_t pos_ = 0;
  int depth_ = 0;

  char peek(size_t k = 0) const { return pos_ + k < s_.size() ? s_[pos_ + k] : '\0'; }
  void skip_space() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }
  std::nullptr_t fail(std::string msg) {
    if (error.empty()) error = std::move(msg) + " at position " + std::to_string(pos_);
    return nullptr;
  }

  node_ptr call() {
    if (s_.substr(pos_, 7) != "States.") return fail("expected an intrinsic function call 'States.<name>(...)'");
    if (++depth_ > max_depth) return fail("intrinsic functions nested too deeply");
    struct leave {
      int& d;
      ~leave() { --d; }
    } guard{depth_};
    size_t b = pos_;
    pos_ += 7;
    while (std::isalnum(static_cast<unsigned char>(peek()))) ++pos_;
    std::string name(s_.substr(b, pos_ - b));
    const function_info* fi = nullptr;
    for (const auto& f : functions)
      if (f.name == name) fi = &f;
    if (!fi) {
      pos_ = b;
      return fail("unknown intrinsic function '" + name + "'");
    }
    if (peek() != '(') return fail("expected '(' after " + name);
    ++pos_;
    auto n = std::make_shared<node>();
    n->k = node::kind::call;
    n->fn = fi->fn;
    n->name = std::move(name);
    skip_space();
    if (peek() == ')') {
      ++pos_;
      return n;
    }
    for (;;) {
      node_ptr a = arg();
      if (!a) return nullptr;
      n->args.push_back(std::move(a));
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ')') {
        ++pos_;
        return n;
      }
      return fail("expected ',' or ')' in the arguments of " + n->name);
    }
  }

  // An argument ends at ',' or ')' (after optional blanks).
  bool at_arg_end() {
    size_t p = pos_;
    while (p < s_.size() && is_space(s_[p])) ++p;
    return p < s_.size() && (s_[p] == ',' || s_[p] == ')');
  }

  node_ptr arg() {
    skip_space();
    char c = peek();
    if (c == '\'') return string_literal();
    if (c == '$') return path_arg();
    if (c == 'S') return call();
    if (c == '-' || is_digit(c)) return number_literal();
    for (std::string_view word : {"true", "false", "null"}) {
      if (s_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        if (!at_arg_end()) return fail("invalid argument");
        auto n = std::make_shared<node>();
        n->value = std::make_shared<json::document>();
        json::parse(word, *n->value);
        return n;
      }
    }
    return fail("invalid argument");
  }

  node_ptr string_literal() {
    ++pos_;  // opening quote
    size_t b = pos_;
    std::string text;
    for (;;) {
      if (pos_ >= s_.size()) return fail("unterminated string literal");
      char c = s_[pos_++];
      if (c == '\'') break;
      if (c == '\\') {
        char e = peek();
        if (e != '\'' && e != '{' && e != '}' && e != '\\')
          return fail("invalid escape sequence in string literal (only \\' \\{ \\} \\\\ are allowed)");
        text.push_back(e);
        ++pos_;
        continue;
      }
      text.push_back(c);
    }
    auto n = std::make_shared<node>();
    n->raw = std::string(s_.substr(b, pos_ - 1 - b));
    n->is_string_literal = true;
    n->value = std::make_shared<json::document>();
    n->value->SetString(text.data(), static_cast<rapidjson::SizeType>(text.size()),
                        n->value->GetAllocator());
    if (!at_arg_end()) return fail("invalid text after string literal");
    return n;
  }

  node_ptr number_literal() {
    size_t b = pos_;
    if (peek() == '-') ++pos_;
    if (!is_digit(peek())) return fail("invalid number");
    if (peek() == '0') {
      ++pos_;
    } else {
      while (is_digit(peek())) ++pos_;
    }
    if (peek() == '.') {
      ++pos_;
      if (!is_digit(peek())) return fail("invalid number");
      while (is_digit(peek())) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!is_digit(peek())) return fail("invalid number");
      while (is_digit(peek())) ++pos_;
    }
    if (!at_arg_end()) return fail("invalid number");
    auto n = std::make_shared<node>();
    n->value = std::make_shared<json::document>();
    if (!json::parse(s_.substr(b, pos_ - b), *n->value)) return fail("invalid number");
    return n;
  }

  // A path runs to the first ',' or ')' outside brackets, parentheses and
  // quotes (so filters and quoted names may contain them).
  node_ptr path_arg() {
    size_t b = pos_;
    int depth = 0;
    char quote = 0;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (quote) {
        // An escape skips the next character, if there is one (a trailing
        // backslash must not carry pos_ past the end of the text).
        if (c == '\\' && pos_ + 1 < s_.size()) ++pos_;
        else if (c == quote) quote = 0;
      } else if (depth > 0 && (c == '\'' || c == '"')) {
        quote = c;
      } else if (c == '[' || c == '(') {
        ++depth;
      } else if (c == ']' || c == ')') {
        if (depth == 0) break;
        --depth;
      } else if (c == ',' && depth == 0) {
        break;
      }
      ++pos_;
    }
    size_t e = pos_;
    while (e > b && is_space(s_[e - 1])) --e;
    std::string perr;
    auto p = sc::eval::path::compile(s_.substr(b, e - b), &perr);
    if (!p) {
      pos_ = b;
      return fail("invalid path '" + std::string(s_.substr(b, e - b)) + "': " + perr);
    }
    auto n = std::make_shared<node>();
    n->k = node::kind::path;
    n->p = std::move(p);
    return n;
  }
};

// ---------------------------------------------------------------- helpers

using values = std::vector<json::value>;

struct env {
  const json::value& input;
  const json::value& context;
  const json::value* variables;
  std::string_view field;
  rng& random;
  json::allocator& a;  // scratch
};

failure invalid(const node& call) { return failure{"States.Runtime", "Invalid arguments in " + call.name}; }

std::string_view str(const json::value& v) { return {v.GetString(), v.GetStringLength()}; }

void set_string(json::value& out, std::string_view s, json::allocator& a) {
  out.SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

// Length in UTF-16 code units, as Java's String.length() counts.
size_t java_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) == 0x80) continue;
    n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}

// Java's Double.toString (shortest digits): plain notation for
// 1e-3 <= |d| < 1e7 ("100.0", "0.001"), otherwise "1.0E7", "9.999E-4".
std::string java_double(double d) {
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));  // "-1.2345e+07"
  std::string out;
  if (sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  const size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e))
    if (c != '.') digits += c;
  const int exp = std::atoi(std::string(sci.substr(e + 1)).c_str());
  const double mag = std::fabs(d);
  if (mag >= 1e-3 && mag < 1e7) {
    if (exp >= 0) {
      const size_t int_len = static_cast<size_t>(exp) + 1;
      std::string ip = digits.substr(0, std::min(digits.size(), int_len));
      ip.resize(int_len, '0');
      out += ip + "." + (digits.size() > int_len ? digits.substr(int_len) : "0");
    } else {
      out += "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
    }
  } else {
    out += digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0") + "E" + std::to_string(exp);
  }
  return out;
}

// Java's String.valueOf of the decoded JSON value (Jackson -> Map/List).
void java_render(const json::value& v, std::string& out) {
  switch (v.GetType()) {
    case rapidjson::kNullType: out += "null"; break;
    case rapidjson::kFalseType: out += "false"; break;
    case rapidjson::kTrueType: out += "true"; break;
    case rapidjson::kStringType: out += str(v); break;
    case rapidjson::kNumberType: out += v.IsDouble() ? java_double(v.GetDouble()) : json::dump(v); break;
    case rapidjson::kArrayType: {
      out += '[';
      bool first = true;
      for (auto& e : v.GetArray()) {
        if (!first) out += ", ";
        first = false;
        java_render(e, out);
      }
      out += ']';
      break;
    }
    case rapidjson::kObjectType: {
      out += '{';
      bool first = true;
      for (auto& m : v.GetObject()) {
        if (!first) out += ", ";
        first = false;
        out += str(m.name);
        out += '=';
        java_render(m.value, out);
      }
      out += '}';
      break;
    }
  }
}

std::string java_render(const json::value& v) {
  std::string s;
  java_render(v, s);
  return s;
}

// Type-aware structural equality (1 and 1.0 differ, key order does not matter).
bool json_equal(const json::value& x, const json::value& y) {
  if (x.IsNumber() && y.IsNumber()) {
    if (x.IsDouble() != y.IsDouble()) return false;
    if (x.IsDouble()) return x.GetDouble() == y.GetDouble();
    if (x.IsInt64() && y.IsInt64()) return x.GetInt64() == y.GetInt64();
    if (x.IsUint64() && y.IsUint64()) return x.GetUint64() == y.GetUint64();
    return false;
  }
  if (x.GetType() != y.GetType()) return false;
  switch (x.GetType()) {
    case rapidjson::kStringType: return str(x) == str(y);
    case rapidjson::kArrayType: {
      if (x.Size() != y.Size()) return false;
      for (rapidjson::SizeType i = 0; i < x.Size(); ++i)
        if (!json_equal(x[i], y[i])) return false;
      return true;
    }
    case rapidjson::kObjectType: {
      if (x.MemberCount() != y.MemberCount()) return false;
      for (auto& m : x.GetObject()) {
        auto it = y.FindMember(m.name);
        if (it == y.MemberEnd() || !json_equal(m.value, it->value)) return false;
      }
      return true;
    }
    default: return true;  // null, true, false
  }
}

// Java's intValue() of a JSON number: truncation toward zero, saturating.
int64_t java_int(const json::value& v) {
  constexpr double lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  double d;
  if (v.IsInt64()) d = static_cast<double>(v.GetInt64());
  else if (v.IsUint64()) d = static_cast<double>(v.GetUint64());
  else d = std::trunc(v.GetDouble());
  return static_cast<int64_t>(std::clamp(d, lo, hi));
}

// Java's Math.round: half up (toward positive infinity).
int64_t java_round(const json::value& v) {
  if (v.IsInt64()) return v.GetInt64();
  if (v.IsUint64()) return static_cast<int64_t>(std::min<uint64_t>(v.GetUint64(), INT64_MAX));
  double x = v.GetDouble();
  double r = std::floor(x);
  if (x - r >= 0.5) r += 1;
  if (r >= 9.2e18) return INT64_MAX;
  if (r <= -9.2e18) return INT64_MIN;
  return static_cast<int64_t>(r);
}

// Code points of a UTF-8 string with the byte span of each.
struct cp_span {
  uint32_t cp;
  size_t begin, end;
};

std::vector<cp_span> code_points(std::string_view s) {
  std::vector<cp_span> out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + len > s.size()) len = 1;
    uint32_t cp = len == 1 ? c : c & (0x3F >> (len - 1));
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back({cp, i, i + len});
    i += len;
  }
  return out;
}

// Bytes to a valid UTF-8 string; malformed sequences become U+FFFD (as
// Java's new String(bytes, UTF_8) does).
std::string sanitize_utf8(const std::string& bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t i = 0;
  const size_t n = bytes.size();
  auto cont = [&](size_t k) { return k < n && (static_cast<unsigned char>(bytes[k]) & 0xC0) == 0x80; };
  while (i < n) {
    unsigned char c = bytes[i];
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      len = 1, cp = c;
    } else if (c >= 0xC2 && c <= 0xDF && cont(i + 1)) {
      len = 2, cp = ((c & 0x1F) << 6) | (bytes[i + 1] & 0x3F);
    } else if ((c & 0xF0) == 0xE0 && cont(i + 1) && cont(i + 2)) {
      len = 3, cp = ((c & 0x0F) << 12) | ((bytes[i + 1] & 0x3F) << 6) | (bytes[i + 2] & 0x3F);
      if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) len = 0;
    } else if (c >= 0xF0 && c <= 0xF4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
      len = 4;
      cp = ((c & 0x07) << 18) | ((bytes[i + 1] & 0x3F) << 12) | ((bytes[i + 2] & 0x3F) << 6) |
           (bytes[i + 3] & 0x3F);
      if (cp < 0x10000 || cp > 0x10FFFF) len = 0;
    }
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(bytes, i, len);
    i += len;
  }
  return out;
}

constexpr char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += b64_alphabet[(v >> 18) & 63];
    out += b64_alphabet[(v >> 12) & 63];
    out += b64_alphabet[(v >> 6) & 63];
    out += b64_alphabet[v & 63];
  }
  if (i < in.size()) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += b64_alphabet[(v >> 18) & 63];
    out += b64_alphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? b64_alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Lenient decoding: skip characters outside the alphabet (both the standard
// and the URL-safe one), stop at the first '=', decode a trailing partial
// group of 2 or 3 characters and ignore a lone trailing character.
std::string base64_decode(std::string_view in) {
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char ch : in) {
    int v;
    if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
    else if (ch == '+' || ch == '-') v = 62;
    else if (ch == '/' || ch == '_') v = 63;
    else if (ch == '=') break;
    else continue;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    if (++count == 4) {
      out += static_cast<char>((bits >> 16) & 0xFF);
      out += static_cast<char>((bits >> 8) & 0xFF);
      out += static_cast<char>(bits & 0xFF);
      bits = 0;
      count = 0;
    }
  }
  if (count == 2) {
    out += static_cast<char>((bits >> 4) & 0xFF);
  } else if (count == 3) {
    out += static_cast<char>((bits >> 10) & 0xFF);
    out += static_cast<char>((bits >> 2) & 0xFF);
  }
  return out;
}

// ---------------------------------------------------------- the functions

maybe_failure fn_format(const node& call, values& args, env& e, json::value& out) {
  if (!args[0].IsString()) return invalid(call);
  // A literal template keeps its escapes so that \{ and \} stay literal.
  const node& t = *call.args[0];
  std::string_view tmpl = t.k == node::kind::literal && t.is_string_literal ? std::string_view(t.raw) : str(args[0]);
  std::string result;
  size_t next_arg = 1;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (c == '\\' && i + 1 < tmpl.size()) {
      char n = tmpl[i + 1];
      if (n == '{' || n == '}' || n == '\\' || n == '\'') {
        result += n;
        ++i;
        continue;
      }
      result += c;
    } else if (c == '{') {
      if (i + 1 >= tmpl.size() || tmpl[i + 1] != '}') return invalid(call);
      if (next_arg >= args.size()) return invalid(call);
      java_render(args[next_arg++], result);
      ++i;
    } else if (c == '}') {
      return invalid(call);
    } else {
      result += c;
    }
  }
  if (next_arg != args.size()) return invalid(call);
  set_string(out, result, e.a);
  return std::nullopt;
}

maybe_failure fn_string_to_json(const node& call, values& args, env& e, json::value& out) {
  if (!args[0].IsString()) return invalid(call);
  std::string_view s = str(args[0]);
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  if (s.empty()) {
    out.SetNull();
    return std::nullopt;
  }
  json::document d;
  if (!json::parse(s, d)) return invalid(call);
  out.CopyFrom(d, e.a);
  if (out.IsInt64() && out.GetInt64() == 0) out.SetInt(0);  // "-0" reads as 0
  return std::nullopt;
}

maybe_failure fn_array_partition(const node& call, values& args, env& e, json::value& out) {
  if (!args[0].IsArray() || !args[1].IsNumber()) return invalid(call);
  const int64_t size = java_int(args[1]);
  if (size <= 0) return invalid(call);
  out.SetArray();
  json::value chunk(rapidjson::kArrayType);
  for (auto& item : args[0].GetArray()) {
    chunk.PushBack(item, e.a);  // moves
    if (static_cast<int64_t>(chunk.Size()) == size) {
      out.PushBack(chunk, e.a);
      chunk.SetArray();
    }
  }
  if (!chunk.Empty()) out.PushBack(chunk, e.a);
  return std::nullopt;
}

maybe_failure fn_array_contains(const node& call, values& args, env& e, json::value& out) {
  if (!args[0].IsArray()) return invalid(call);
  const std::string needle = java_render(args[1]);
  bool found = false;
  for (auto& item : args[0].GetArray())
    if (java_render(item) == needle) {
      found = true;
      break;
    }
  out.SetBool(found);
  return std::nullopt;
}

maybe_failure fn_array_range(const node& call, values& args, env& e, json::value& out) {
  for (auto& a : args)
    if (!a.IsNumber()) return invalid(call);
  const int64_t start = java_int(args[0]), end = java_int(args[1]), step = java_int(args[2]);
  if (step == 0) return invalid(call);
  int64_t count = 0;
  if ((step > 0 && start <= end) || (step < 0 && start >= end)) count = (end - start) / step + 1;
  if (count > 1000) return invalid(call);
  out.SetArray();
  out.Reserve(static_cast<rapidjson::SizeType>(count), e.a);
  for (int64_t i = 0; i < count; ++i) out.PushBack(json::value(static_cast<int64_t>(start + i * step)), e.a);
  return std::nullopt;
}

maybe_failure fn_array_get_item(const node& call, values& args, env& e, json::value& out) {
  if (!args[0].IsArray() || !args[1].IsNumber()) return invalid(call);
  auto& arr = args[0];
  if (arr.Empty()) {  // AWS answers null for any index into an empty array
    out.SetNull();
    return std::nullopt;
  }
  const int64_t i = java_int(args[1]);
  if (i < 0 || i >= static_cast<int64_t>(arr.Size())) return invalid(call);
  out = arr[static_cast<rapidjson::SizeType>(i)];  // moves
  return std::nullopt;
}

maybe_failure fn_array_unique(const node& call, values& args, env& e, json::value& out) {
  if (!args[0].IsArray()) return invalid(call);
  out.SetArray();
  for (auto& item : args[0].GetArray()) {
    bool seen = false;
    for (auto& kept : out.GetArray())
      if (json_equal(kept, item)) {
        seen = true;
        break;
      }
    if (!seen) out.PushBack(item, e.a);
  }
  return std::nullopt;
}

maybe_failure fn_hash(const node& call, values& args, env& e, json::value& out) {
  if (!args[1].IsString()) return invalid(call);
  const std::string data = args[0].IsString() ? std::string(str(args[0])) : java_render(args[0]);
  if (java_length(data) > max_string_chars) return invalid(call);
  const std::string_view algo = str(args[1]);
  const EVP_MD* md = algo == "MD5"       ? EVP_md5()
                     : algo == "SHA-1"   ? EVP_sha1()
                     : algo == "SHA-256" ? EVP_sha256()
                     : algo == "SHA-384" ? EVP_sha384()
                     : algo == "SHA-512" ? EVP_sha512()
                                         : nullptr;
  if (!md) return invalid(call);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, md, nullptr) != 1) return invalid(call);
  static constexpr char hex[] = "0123456789abcdef";
  std::string text;
  for (unsigned int i = 0; i < len; ++i) {
    text += hex[digest[i] >> 4];
    text += hex[digest[i] & 15];
  }
  set_string(out, text, e.a);
  return std::nullopt;
}

maybe_failure fn_json_merge(const node& call, values& args, env& e, json::value& out) {
  if (!args[0].IsObject() || !args[1].IsObject() || !args[2].IsBool()) return invalid(call);
  if (args[2].GetBool()) return invalid(call);  // only the shallow mode exists
  out = args[0];  // moves
  for (auto& m : args[1].GetObject()) {
    auto it = out.FindMember(m.name);
    if (it != out.MemberEnd())
      it->value = m.value;
    else
      out.AddMember(m.name, m.value, e.a);
  }
  return std::nullopt;
}

maybe_failure fn_math_random(const node& call, values& args, env& e, json::value& out) {
  for (auto& a : args)
    if (!a.IsNumber()) return invalid(call);
  const int64_t start = java_int(args[0]), end = java_int(args[1]);
  if (end <= start) return invalid(call);
  const int64_t bound = end - start;
  if (bound > std::numeric_limits<int32_t>::max()) return invalid(call);
  int64_t r;
  if (args.size() == 3) {
    const json::value& s = args[2];
    int64_t seed = s.IsInt64()    ? s.GetInt64()
                   : s.IsUint64() ? static_cast<int64_t>(s.GetUint64())
                                  : static_cast<int64_t>(std::trunc(std::clamp(s.GetDouble(), -9.2e18, 9.2e18)));
    r = java_random_next_int(seed, static_cast<int32_t>(bound));
  } else {
    r = static_cast<int64_t>(e.random.next() % static_cast<uint64_t>(bound));
  }
  out.SetInt64(start + r);
  return std::nullopt;
}

maybe_failure fn_math_add(const node& call, values& args, env& e, json::value& out) {
  if (!args[0].IsNumber() || !args[1].IsNumber()) return invalid(call);
  int64_t sum;
  if (__builtin_add_overflow(java_round(args[0]), java_round(args[1]), &sum)) return invalid(call);
  out.SetInt64(sum);
  return std::nullopt;
}

maybe_failure fn_string_split(const node& call, values& args, env& e, json::value& out) {
  if (!args[0].IsString() || !args[1].IsString()) return invalid(call);
  const std::string_view s = str(args[0]);
  std::vector<uint32_t> delims;
  for (const auto& c : code_points(str(args[1]))) delims.push_back(c.cp);
  out.SetArray();
  size_t token_begin = 0;
  bool in_token = false;
  auto emit = [&](size_t b, size_t end) {
    json::value t;
    set_string(t, s.substr(b, end - b), e.a);
    out.PushBack(t, e.a);
  };
  for (const auto& c : code_points(s)) {
    const bool is_delim = std::find(delims.begin(), delims.end(), c.cp) != delims.end();
    if (is_delim) {
      if (in_token) emit(token_begin, c.begin);
      in_token = false;
    } else if (!in_token) {
      in_token = true;
      token_begin = c.begin;
    }
  }
  if (in_token) emit(token_begin, s.size());
  return std::nullopt;
}

maybe_failure fn_uuid(const node&, values&, env& e, json::value& out) {
  unsigned char b[16];
  for (int half = 0; half < 2; ++half) {
    uint64_t r = e.random.next();
    for (int k = 0; k < 8; ++k) b[half * 8 + k] = static_cast<unsigned char>(r >> (8 * k));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char hex[] = "0123456789abcdef";
  std::string text;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += hex[b[i] >> 4];
    text += hex[b[i] & 15];
  }
  set_string(out, text, e.a);
  return std::nullopt;
}

maybe_failure dispatch(const node& call, values& args, env& e, json::value& out) {
  const function_info& fi = info(call.fn);
  if (static_cast<int>(args.size()) < fi.min_args ||
      (fi.max_args >= 0 && static_cast<int>(args.size()) > fi.max_args))
    return invalid(call);
  switch (call.fn) {
    case function::format: return fn_format(call, args, e, out);
    case function::string_to_json: return fn_string_to_json(call, args, e, out);
    case function::json_to_string: set_string(out, json::dump(args[0]), e.a); return std::nullopt;
    case function::array:
      out.SetArray();
      for (auto& a : args) out.PushBack(a, e.a);
      return std::nullopt;
    case function::array_partition: return fn_array_partition(call, args, e, out);
    case function::array_contains: return fn_array_contains(call, args, e, out);
    case function::array_range: return fn_array_range(call, args, e, out);
    case function::array_get_item: return fn_array_get_item(call, args, e, out);
    case function::array_length:
      if (!args[0].IsArray()) return invalid(call);
      out.SetInt64(args[0].Size());
      return std::nullopt;
    case function::array_unique: return fn_array_unique(call, args, e, out);
    case function::base64_encode:
      if (!args[0].IsString() || java_length(str(args[0])) > max_string_chars) return invalid(call);
      set_string(out, base64_encode(str(args[0])), e.a);
      return std::nullopt;
    case function::base64_decode:
      if (!args[0].IsString() || java_length(str(args[0])) > max_string_chars) return invalid(call);
      set_string(out, sanitize_utf8(base64_decode(str(args[0]))), e.a);
      return std::nullopt;
    case function::hash: return fn_hash(call, args, e, out);
    case function::json_merge: return fn_json_merge(call, args, e, out);
    case function::math_random: return fn_math_random(call, args, e, out);
    case function::math_add: return fn_math_add(call, args, e, out);
    case function::string_split: return fn_string_split(call, args, e, out);
    case function::uuid: return fn_uuid(call, args, e, out);
  }
  return invalid(call);
}

maybe_failure eval(const node& n, env& e, json::value& out) {
  switch (n.k) {
    case node::kind::literal: out.CopyFrom(*n.value, e.a); return std::nullopt;
    case node::kind::path: {
      const json::value* root = root_of(*n.p, e.input, e.context, e.variables);
      maybe_failure too_large;
      if (!root || !n.p->select(*root, out, e.a, &too_large)) {
        if (too_large) return too_large;
        return failure{"States.Runtime", path_not_found(n.p->text(), e.field, e.input)};
      }
      return std::nullopt;
    }
    case node::kind::call: break;
  }
  values args;
  args.reserve(n.args.size());
  for (const auto& a : n.args) {
    args.emplace_back();
    if (auto f = eval(*a, e, args.back())) return f;
  }
  return dispatch(n, args, e, out);
}

}  // namespace

node_ptr parse(std::string_view expression, std::string& error) {
  parser p(expression);
  node_ptr n = p.whole();
  if (!n) error = p.error;
  return n;
}

maybe_failure evaluate(const node& call, const json::value& input, const json::value& context,
                       const json::value* variables, std::string_view field, json::value& out,
                       json::allocator& a, rng& random) {
  json::allocator scratch;
  env e{input, context, variables, field, random, scratch};
  json::value result;
  if (auto f = eval(call, e, result)) return f;
  out.CopyFrom(result, a);
  return std::nullopt;
}

const json::value* root_of(const sc::eval::path& p, const json::value& input,
                           const json::value& context, const json::value* variables) {
  if (p.is_context()) return &context;
  if (!p.is_variable()) return &input;
  if (!variables || !variables->IsObject()) return nullptr;
  const std::string& name = p.variable();
  auto it = variables->FindMember(json::value(rapidjson::StringRef(name.data(), name.size())));
  return it == variables->MemberEnd() ? nullptr : &it->value;
}

std::string path_not_found(std::string_view path_text, std::string_view field, const json::value& input) {
  std::string s = "The JSONPath '";
  s += path_text;
  s += "' ";
  if (!field.empty()) {
    s += "specified for the field '";
    s += field;
    s += "' ";
  }
  s += "could not be found in the input '";
  s += json::dump(input);
  s += "'";
  return s;
}

int32_t java_random_next_int(int64_t seed, int32_t bound) {
  constexpr uint64_t multiplier = 0x5DEECE66DULL, addend = 0xBULL, mask = (1ULL << 48) - 1;
  uint64_t state = (static_cast<uint64_t>(seed) ^ multiplier) & mask;
  auto next31 = [&]() {
    state = (state * multiplier + addend) & mask;
    return static_cast<int32_t>(state >> 17);
  };
  int32_t r = next31();
  const int32_t m = bound - 1;
  if ((bound & m) == 0) return static_cast<int32_t>((static_cast<int64_t>(bound) * r) >> 31);
  // Java relies on int overflow to reject the top partial range.
  for (int32_t u = r;
       static_cast<int32_t>(static_cast<uint32_t>(u) - static_cast<uint32_t>(r = u % bound) +
                            static_cast<uint32_t>(m)) < 0;
       u = next31()) {
  }
  return r;
}

}  // namespace sc::eval::intrinsic
