#include "runtime/json/json.hpp"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <charconv>
#include <rapidjson/memorystream.h>
#include <rapidjson/encodedstream.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sc::json {

namespace {

struct scan_result {
  size_t deepest = 0;         ///< deepest nesting of arrays/objects
  bool hard_numbers = false;  ///< a number RapidJSON may convert wrongly
};

/// One pass over `text`, strings skipped:
///  * the deepest nesting of arrays/objects. RapidJSON parses and writes
///    recursively, so hostile input (a quarter megabyte of '[') must be
///    refused before it reaches the parser;
///  * whether a number needs `number_reader`: RapidJSON converts exactly
///    integers of at most 19 digits (its 64-bit path) and decimals of at
///    most 15 digits without an exponent (its fast path: a significand
///    below 2^53 divided by at most 10^15), which is what payloads are
///    made of. Anything else goes through the full-precision conversion
///    that number_reader replaces.
scan_result scan(std::string_view text) {
  scan_result r;
  size_t depth = 0;
  bool in_string = false;
  const size_t n = text.size();
  for (size_t i = 0; i < n; ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      r.deepest = std::max(r.deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth) {
      --depth;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      size_t j = i + 1, digits = c != '-';
      bool fraction = false, exponent = false;
      for (; j < n; ++j) {
        char d = text[j];
        if (d >= '0' && d <= '9') ++digits;
        else if (d == '.') fraction = true;
        else if (d == 'e' || d == 'E') exponent = true;
        else if (d != '+' && d != '-') break;
      }
      if (exponent || digits > 19 || (fraction && digits > 15)) r.hard_numbers = true;
      i = j - 1;
    }
  }
  return r;
}

using input = rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream>;

/// A SAX handler building the document from RapidJSON's reader with
/// numbers handed over as text (kParseNumbersAsStringsFlag) and converted
/// here. RapidJSON 1.1.0's own full-precision conversion is wrong for some
/// valid numbers and reads out of bounds for others: "0e68" and
/// "0.000000000000000000000000" came out as garbage (it normalises a zero
/// significand with clz(0)), 40 digits then "e290" as -3.4e-288 instead of
/// "too big", and "0." followed by 400 zeros and a 1 indexed past its table
/// of powers of ten (a crash). std::from_chars rounds correctly. Integers
/// keep RapidJSON's types: int64/uint64 when they fit, else double.
struct number_reader {
  document& doc;
  const input& in;  ///< for the offset of a number too big
  size_t too_big_at = std::string::npos;

  bool Null() { return doc.Null(); }
  bool Bool(bool b) { return doc.Bool(b); }
  bool Int(int i) { return doc.Int(i); }
  bool Uint(unsigned u) { return doc.Uint(u); }
  bool Int64(int64_t i) { return doc.Int64(i); }
  bool Uint64(uint64_t u) { return doc.Uint64(u); }
  bool Double(double d) { return doc.Double(d); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc.String(s, n, copy); }
  bool StartObject() { return doc.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc.Key(s, n, copy); }
  bool EndObject(rapidjson::SizeType n) { return doc.EndObject(n); }
  bool StartArray() { return doc.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return doc.EndArray(n); }

  /// `s` is one number RapidJSON's grammar accepted: -?int(.frac)?(e[+-]?exp)?
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    const char* end = s + n;
    const bool minus = *s == '-';
    if (std::find_if(s, end, [](char c) { return c == '.' || c == 'e' || c == 'E'; }) == end) {
      uint64_t mag = 0;
      bool overflow = false;
      for (const char* p = s + minus; p < end && !overflow; ++p)
        overflow = __builtin_mul_overflow(mag, 10u, &mag) ||
                   __builtin_add_overflow(mag, static_cast<unsigned>(*p - '0'), &mag);
      constexpr uint64_t int64_min_mag = uint64_t{1} << 63;
      if (!overflow && !minus) return doc.Uint64(mag);
      if (!overflow && mag < int64_min_mag) return doc.Int64(-static_cast<int64_t>(mag));
      if (!overflow && mag == int64_min_mag) return doc.Int64(INT64_MIN);
      // Larger integers are doubles, as RapidJSON reads them.
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(s, end, d);
    if (ec == std::errc::result_out_of_range) {
      if (!underflows(s, end)) {
        too_big_at = in.Tell() - n;
        return false;
      }
      d = minus ? -0.0 : 0.0;  // as RapidJSON and Java read 1e-400
    } else if (ec != std::errc() || ptr != end) {
      too_big_at = in.Tell() - n;  // cannot happen: RapidJSON checked the grammar
      return false;
    }
    return doc.Double(d);
  }

  /// For a number out of double's range: true when it is too small (its
  /// first significant digit is below the units), false when too big.
  static bool underflows(const char* s, const char* end) {
    int64_t magnitude = 0;  // decimal exponent of the first significant digit
    bool seen = false, in_fraction = false;
    const char* p = s + (*s == '-');
    for (; p < end && *p != 'e' && *p != 'E'; ++p) {
      if (*p == '.') {
        in_fraction = true;
      } else if (!seen && *p != '0') {
        seen = true;
        if (in_fraction) --magnitude;
      } else if (seen && !in_fraction) {
        ++magnitude;
      } else if (!seen && in_fraction) {
        --magnitude;
      }
    }
    int64_t exp = 0;
    bool exp_minus = false;
    if (p < end) {
      ++p;  // e
      if (*p == '+' || *p == '-') exp_minus = *p++ == '-';
      for (; p < end && exp < 100000; ++p) exp = exp * 10 + (*p - '0');
    }
    return magnitude + (exp_minus ? -exp : exp) < 0;
  }
};

/// RapidJSON's parse of `text` into `out` (as Document::Parse(str, length)
/// reads it), hard numbers converted by number_reader; on failure `out` is
/// null.
rapidjson::ParseResult read(std::string_view text, const scan_result& scanned, document& out) {
  if (!scanned.hard_numbers) {
    // Without kParseStopWhenDoneFlag RapidJSON rejects anything but
    // whitespace after the root value.
    out.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
    return rapidjson::ParseResult(out.GetParseError(), out.GetErrorOffset());
  }
  rapidjson::MemoryStream bytes(text.data(), text.size());
  input in(bytes);
  number_reader numbers{out, in};
  rapidjson::ParseResult result;
  auto generate = [&](rapidjson::Document&) {
    rapidjson::Reader reader;
    result = reader.Parse<rapidjson::kParseNumbersAsStringsFlag>(in, numbers);
    if (!result && numbers.too_big_at != std::string::npos)
      result.Set(rapidjson::kParseErrorNumberTooBig, numbers.too_big_at);
    return !result.IsError();
  };
  out.SetNull();
  out.Populate(generate);
  return result;
}

}  // namespace

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
  const scan_result scanned = scan(text);
  if (scanned.deepest > max_depth) {
    if (error) *error = "JSON nested deeper than " + std::to_string(max_depth) + " levels";
    out.SetNull();
    return false;
  }
  const rapidjson::ParseResult r = read(text, scanned, out);
  if (!r) {
    if (error)
      *error = std::string(rapidjson::GetParseError_En(r.Code())) + " at offset " +
               std::to_string(r.Offset());
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

rapidjson::ParseResult parse_unchecked(std::string_view text, document& out) {
  return read(text, scan(text), out);
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
