// String built-ins: $string, $length, $substring…, $pad, $join, case
// mapping, URL and base64 encodings (the matcher-driven ones — $contains,
// $split, $match, $replace — are in fn_match.cpp).
//
// Units. jsonata-js 2.0.6 measures $length, $substring and $pad in code
// points (it iterates strings with `for…of`), so an emoji counts once;
// $split with "" separates UTF-16 units; $substringBefore/After work on
// the raw text, where a UTF-8 search gives the same cut.
//
// Case mapping is JavaScript's toUpperCase/toLowerCase for the scripts a
// state machine plausibly carries (ASCII, Latin-1, Latin Extended-A and
// Additional, Greek, Cyrillic, Armenian, full-width Latin, and ß → SS);
// other characters are left as they are. There is no locale: JavaScript's
// mapping is locale-independent too.
//
// base64 follows Node's Buffer with 'binary' (Latin-1) text: encoding keeps
// the low byte of each UTF-16 unit, decoding turns each byte into U+00XX,
// and the decoder skips characters outside the alphabet, as jsonata-js does.
#include <cmath>

#include "runtime/jsonata/fn_string.hpp"
#include "runtime/jsonata/fn_util.hpp"
#include "runtime/jsonata/utf16.hpp"

namespace sc::jsonata {
namespace fn {

value contains(call_context&, std::vector<value>&);
value split(call_context&, std::vector<value>&);
value match(call_context&, std::vector<value>&);
value replace(call_context&, std::vector<value>&);

namespace {

/// The code points of `s` as UTF-8 pieces (a surrogate pair is one piece,
/// a lone surrogate another).
std::vector<std::string_view> code_points(std::string_view s) {
  std::vector<std::string_view> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = utf16::byte_offset(s.substr(i), 1);
    if (n == 0) n = 1;
    // A WTF-8 high surrogate followed by a WTF-8 low one is one character.
    if (n == 3 && static_cast<unsigned char>(s[i]) == 0xED &&
        (static_cast<unsigned char>(s[i + 1]) & 0xF0) == 0xA0 && i + 6 <= s.size() &&
        static_cast<unsigned char>(s[i + 3]) == 0xED &&
        (static_cast<unsigned char>(s[i + 4]) & 0xF0) == 0xB0)
      n = 6;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

size_t code_point_count(std::string_view s) { return code_points(s).size(); }

/// Array.prototype.slice's index resolution.
size_t slice_index(double rel, size_t len) {
  if (std::isnan(rel)) return 0;
  rel = std::trunc(rel);
  if (rel < 0) return rel + double(len) < 0 ? 0 : size_t(rel + double(len));
  return rel > double(len) ? len : size_t(rel);
}

std::string js_substring(std::string_view s, double start, const value& length) {
  auto cps = code_points(s);
  double len = double(cps.size());
  if (len + start < 0) start = 0;
  size_t b = slice_index(start, cps.size());
  size_t e = cps.size();
  if (!length.is_undefined()) {
    double l = length.as_number();
    if (l <= 0) return std::string();
    e = slice_index(start >= 0 ? start + l : len + start + l, cps.size());
  }
  std::string out;
  for (size_t i = b; i < e; ++i) out.append(cps[i]);
  return out;
}

// --- case mapping ------------------------------------------------------------

char32_t decode_at(std::string_view s, size_t& i) {
  size_t n = utf16::byte_offset(s.substr(i), 1);
  if (n == 0) n = 1;
  std::u16string u = utf16::to_u16(s.substr(i, n));
  i += n;
  if (u.size() == 2) return 0x10000 + ((char32_t(u[0]) - 0xD800) << 10) + (char32_t(u[1]) - 0xDC00);
  return u.empty() ? 0xFFFD : char32_t(u[0]);
}

void append_cp(std::string& out, char32_t c) {
  std::u16string u;
  if (c >= 0x10000) {
    c -= 0x10000;
    u += char16_t(0xD800 + (c >> 10));
    u += char16_t(0xDC00 + (c & 0x3FF));
  } else {
    u += char16_t(c);
  }
  out += utf16::from_u16(u);
}

/// Pairs where upper = even, lower = odd (or the reverse when `odd_upper`).
bool in_pair_block(char32_t c, char32_t lo, char32_t hi) { return c >= lo && c <= hi; }

char32_t to_lower_cp(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
  if (c == 0x178) return 0xFF;
  if ((in_pair_block(c, 0x100, 0x137) || in_pair_block(c, 0x14A, 0x177)) && c % 2 == 0) return c + 1;
  if ((in_pair_block(c, 0x139, 0x148) || in_pair_block(c, 0x179, 0x17E)) && c % 2 == 1) return c + 1;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  if ((in_pair_block(c, 0x460, 0x481) || in_pair_block(c, 0x48A, 0x4BF) ||
       in_pair_block(c, 0x4D0, 0x52F)) && c % 2 == 0)
    return c + 1;
  if (c >= 0x531 && c <= 0x556) return c + 48;
  if ((in_pair_block(c, 0x1E00, 0x1E95) || in_pair_block(c, 0x1EA0, 0x1EFF)) && c % 2 == 0) return c + 1;
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;
  return c;
}

char32_t to_upper_cp(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c == 0xB5) return 0x39C;
  if (c == 0x131) return 'I';
  if (c == 0x17F) return 'S';
  if ((in_pair_block(c, 0x100, 0x137) || in_pair_block(c, 0x14A, 0x177)) && c % 2 == 1) return c - 1;
  if ((in_pair_block(c, 0x139, 0x148) || in_pair_block(c, 0x179, 0x17E)) && c % 2 == 0) return c - 1;
  if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
  if (c == 0x3C2) return 0x3A3;
  if (c == 0x3AC) return 0x386;
  if (c >= 0x3AD && c <= 0x3AF) return c - 37;
  if (c == 0x3CC) return 0x38C;
  if (c == 0x3CD || c == 0x3CE) return c - 63;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  if ((in_pair_block(c, 0x460, 0x481) || in_pair_block(c, 0x48A, 0x4BF) ||
       in_pair_block(c, 0x4D0, 0x52F)) && c % 2 == 1)
    return c - 1;
  if (c >= 0x561 && c <= 0x586) return c - 48;
  if ((in_pair_block(c, 0x1E00, 0x1E95) || in_pair_block(c, 0x1EA0, 0x1EFF)) && c % 2 == 1) return c - 1;
  if (c >= 0xFF41 && c <= 0xFF5A) return c - 32;
  return c;
}

bool cased(char32_t c) { return to_lower_cp(c) != c || to_upper_cp(c) != c || c == 0xDF; }

/// Unicode's Final_Sigma condition, simplified: a cased letter before the Σ
/// at [at, end) and none right after it.
bool final_sigma(const std::string& s, size_t at, size_t end) {
  if (at == 0) return false;
  size_t p = at - 1;
  while (p > 0 && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) --p;
  size_t q = p;
  if (!cased(decode_at(s, q))) return false;
  if (end >= s.size()) return true;
  size_t r = end;
  return !cased(decode_at(s, r));
}

std::string map_case(const std::string& s, bool upper) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      out += char(upper ? (b >= 'a' && b <= 'z' ? b - 32 : b) : (b >= 'A' && b <= 'Z' ? b + 32 : b));
      ++i;
      continue;
    }
    size_t at = i;
    char32_t c = decode_at(s, i);
    if (upper && c == 0xDF) {
      out += "SS";
    } else if (!upper && c == 0x130) {
      out += "i\xCC\x87";  // İ → i + combining dot above
    } else if (!upper && c == 0x3A3 && final_sigma(s, at, i)) {
      out += "\xCF\x82";  // ς: Σ ending a word
    } else if (upper && (c == 0x1C5 || c == 0x1C6)) {
      out += "\xC7\x84";  // ǅ, ǆ → Ǆ
    } else if (upper && c == 0x149) {
      out += "\xCA\xBCN";  // ŉ → ʼN
    } else if (upper && c >= 0xFB00 && c <= 0xFB04) {
      static const char* lig[] = {"FF", "FI", "FL", "FFI", "FFL"};
      out += lig[c - 0xFB00];
    } else {
      char32_t m = upper ? to_upper_cp(c) : to_lower_cp(c);
      if (m == c) out.append(s, at, i - at);  // unchanged (also keeps lone surrogates intact)
      else append_cp(out, m);
    }
  }
  return out;
}

// --- URL encoding -----------------------------------------------------------

bool unreserved_component(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("-_.!~*'()").find(char(c)) != std::string_view::npos;
}
bool reserved_uri(unsigned char c) { return std::string_view(";/?:@&=+$,#").find(char(c)) != std::string_view::npos; }

[[noreturn]] void malformed(call_context& ctx, const char* fname, const value& v) {
  // {{{functionName}}} is filled from the token (error.cpp's mapping).
  raise("D3140", ctx.position(), std::string(fname), v);
}

value encode_uri(call_context& ctx, const value& v, bool component, const char* fname) {
  const std::string& s = v.as_string();
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (unreserved_component(c) || (!component && reserved_uri(c))) {
        out += char(c);
        continue;
      }
    } else if (c == 0xED && i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xE0) == 0xA0) {
      malformed(ctx, fname, v);  // a lone surrogate: URIError in JavaScript
    }
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return value::string(std::move(out));
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

value decode_uri(call_context& ctx, const value& v, bool component, const char* fname) {
  const std::string& s = v.as_string();
  std::string out;
  auto byte_at = [&](size_t k) -> int {
    if (k + 2 >= s.size() || s[k] != '%') return -1;
    int h = hexval(s[k + 1]), l = hexval(s[k + 2]);
    return h < 0 || l < 0 ? -1 : h * 16 + l;
  };
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '%') {
      out += s[i++];
      continue;
    }
    int b = byte_at(i);
    if (b < 0) malformed(ctx, fname, v);
    if (b < 0x80) {
      if (!component && reserved_uri(static_cast<unsigned char>(b)))
        out.append(s, i, 3);
      else
        out += char(b);
      i += 3;
      continue;
    }
    size_t n = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0) malformed(ctx, fname, v);
    std::string bytes(1, char(b));
    for (size_t k = 1; k < n; ++k) {
      int c = byte_at(i + 3 * k);
      if (c < 0 || (c & 0xC0) != 0x80) malformed(ctx, fname, v);
      bytes += char(c);
    }
    // Overlong forms, surrogates and values past U+10FFFF are malformed.
    size_t j = 0;
    char32_t cp = decode_at(bytes, j);
    bool bad = j != n || cp == 0xFFFD || (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
               (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF);
    if (bad && !(cp == 0xFFFD && bytes == "\xEF\xBF\xBD")) malformed(ctx, fname, v);
    out += bytes;
    i += 3 * n;
  }
  return value::string(std::move(out));
}

// --- base64 ------------------------------------------------------------------

std::string base64_encode(const std::string& bytes) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned n = (unsigned(uint8_t(bytes[i])) << 16) | (unsigned(uint8_t(bytes[i + 1])) << 8) |
                 uint8_t(bytes[i + 2]);
    out += tbl[(n >> 18) & 63];
    out += tbl[(n >> 12) & 63];
    out += tbl[(n >> 6) & 63];
    out += tbl[n & 63];
  }
  if (i + 1 == bytes.size()) {
    unsigned n = unsigned(uint8_t(bytes[i])) << 16;
    out += tbl[(n >> 18) & 63];
    out += tbl[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    unsigned n = (unsigned(uint8_t(bytes[i])) << 16) | (unsigned(uint8_t(bytes[i + 1])) << 8);
    out += tbl[(n >> 18) & 63];
    out += tbl[(n >> 12) & 63];
    out += tbl[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

int b64val(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

std::string base64_decode(const std::string& s) {
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    int v = b64val(c);
    if (v < 0) continue;
    acc = (acc << 6) | unsigned(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xFF);
    }
  }
  return out;
}

// --- the functions -------------------------------------------------------------

value f_string(call_context& ctx, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  const value& pretty = arg(args, 1);
  std::string s = stringify(v, pretty.is_boolean() && pretty.as_bool());
  ctx.tick(s.size() / 16);  // writing a large value is work (see eval_ops.cpp's `&`)
  return value::string(std::move(s));
}

value f_length(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  return value::number(double(code_point_count(v.as_string())));
}

value f_substring(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  return value::string(js_substring(v.as_string(), arg(args, 1).as_number(), arg(args, 2)));
}

value f_substring_before(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  const value& chars = arg(args, 1);
  if (!chars.is_string()) return v;
  size_t pos = v.as_string().find(chars.as_string());
  return pos == std::string::npos ? v : value::string(v.as_string().substr(0, pos));
}

value f_substring_after(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  const value& chars = arg(args, 1);
  if (!chars.is_string()) return v;
  size_t pos = v.as_string().find(chars.as_string());
  return pos == std::string::npos ? v : value::string(v.as_string().substr(pos + chars.as_string().size()));
}

value f_lowercase(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  return value::string(map_case(v.as_string(), false));
}

value f_uppercase(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  return value::string(map_case(v.as_string(), true));
}

value f_trim(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  const std::string& s = v.as_string();
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
      out += ' ';
    } else {
      out += c;
      ++i;
    }
  }
  if (!out.empty() && out.front() == ' ') out.erase(0, 1);
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return value::string(std::move(out));
}

value f_pad(call_context& ctx, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  double width = arg(args, 1).as_number();
  std::string ch = arg(args, 2).is_string() ? arg(args, 2).as_string() : std::string();
  if (ch.empty()) ch = " ";
  const std::string& s = v.as_string();
  double pad_length = std::fabs(width) - double(code_point_count(s));
  if (!(pad_length > 0)) return v;
  if (pad_length > double(ctx.env().lim.max_string_bytes)) check_string_size(SIZE_MAX, ctx);
  size_t n = size_t(std::floor(pad_length));
  auto cps = code_points(ch);
  size_t bytes = (n / cps.size()) * ch.size();
  for (size_t i = 0; i < n % cps.size(); ++i) bytes += cps[i].size();
  check_string_size(bytes + s.size(), ctx);
  std::string padding;
  padding.reserve(bytes);
  for (size_t i = 0; i < n; ++i) padding.append(cps[i % cps.size()]);
  return value::string(width > 0 ? s + padding : padding + s);
}

value f_join(call_context& ctx, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  const value& sep = arg(args, 1);
  std::string d = sep.is_string() ? sep.as_string() : std::string();
  std::string out;
  bool first = true;
  for (auto& item : v.as_array().items) {
    if (!first) out += d;
    first = false;
    if (item.is_string()) out += item.as_string();
    check_string_size(out.size(), ctx);
  }
  ctx.tick(out.size() / 16);
  return value::string(std::move(out));
}

value f_encode_url_component(call_context& ctx, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  return encode_uri(ctx, v, true, "encodeUrlComponent");
}
value f_encode_url(call_context& ctx, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  return encode_uri(ctx, v, false, "encodeUrl");
}
value f_decode_url_component(call_context& ctx, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  return decode_uri(ctx, v, true, "decodeUrlComponent");
}
value f_decode_url(call_context& ctx, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  return decode_uri(ctx, v, false, "decodeUrl");
}

value f_base64encode(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  std::u16string u = utf16::to_u16(v.as_string());
  std::string bytes;
  bytes.reserve(u.size());
  for (char16_t c : u) bytes += char(c & 0xFF);
  return value::string(base64_encode(bytes));
}

value f_base64decode(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  std::string bytes = base64_decode(v.as_string());
  std::u16string u;
  u.reserve(bytes.size());
  for (char c : bytes) u += char16_t(static_cast<unsigned char>(c));
  return value::string(utf16::from_u16(u));
}

const builtin table[] = {
    {"string", "<x-b?:s>", f_string, 1},
    {"length", "<s-:n>", f_length},
    {"substring", "<s-nn?:s>", f_substring},
    {"substringBefore", "<s-s:s>", f_substring_before},
    {"substringAfter", "<s-s:s>", f_substring_after},
    {"uppercase", "<s-:s>", f_uppercase},
    {"lowercase", "<s-:s>", f_lowercase},
    {"trim", "<s-:s>", f_trim},
    {"pad", "<s-ns?:s>", f_pad},
    {"contains", "<s-(sf):b>", contains},
    {"split", "<s-(sf)n?:a<s>>", split},
    {"join", "<a<s>s?:s>", f_join},
    {"match", "<s-f<s:o>n?:a<o>>", match},
    {"replace", "<s-(sf)(sf)n?:s>", replace},
    {"encodeUrlComponent", "<s-:s>", f_encode_url_component},
    {"encodeUrl", "<s-:s>", f_encode_url},
    {"decodeUrlComponent", "<s-:s>", f_decode_url_component},
    {"decodeUrl", "<s-:s>", f_decode_url},
    {"base64encode", "<s-:s>", f_base64encode},
    {"base64decode", "<s-:s>", f_base64decode},
};

}  // namespace
}  // namespace fn

std::span<const builtin> tables::string_functions() { return fn::table; }

}  // namespace sc::jsonata
