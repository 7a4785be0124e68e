// UTF-16 code-unit arithmetic over UTF-8 (WTF-8) strings.
//
// Values hold UTF-8, but JavaScript's strings are sequences of UTF-16 code
// units, and JSONata exposes that in places: regex match indexes, $split
// with an empty separator, string comparisons. Every character of one to
// three UTF-8 bytes is one unit, every four-byte character is two (a
// surrogate pair). A lone surrogate lives in the text as its three-byte
// WTF-8 form (ED A0..BF xx), one unit like any other three-byte sequence,
// so a string cut in the middle of a pair and glued back together again
// survives the round trip through to_u16/from_u16 (which re-pairs adjacent
// halves).
//
// Malformed bytes never reach here from JSON input (the parser validates),
// but the decoder must not read past the end or loop on them: a byte that
// does not start a well-formed sequence counts as one unit of one byte.
#include "runtime/jsonata/utf16.hpp"

namespace sc::jsonata::utf16 {
namespace {

/// Length in bytes of the sequence starting at s[i] (1 for a stray byte).
size_t seq_len(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
  if (i + n > s.size()) return 1;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 1;
  return n;
}

/// The code point (or surrogate) of the sequence at s[i] of length n.
char32_t decode(std::string_view s, size_t i, size_t n) {
  auto b = [&](size_t k) { return char32_t(static_cast<unsigned char>(s[i + k])); };
  switch (n) {
    case 2: return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3: return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    case 4:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    default: {
      char32_t c = b(0);
      return c < 0x80 ? c : 0xFFFD;
    }
  }
}

void encode(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += char(c);
  } else if (c < 0x800) {
    out += char(0xC0 | (c >> 6));
    out += char(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += char(0xE0 | (c >> 12));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  } else {
    out += char(0xF0 | (c >> 18));
    out += char(0x80 | ((c >> 12) & 0x3F));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  }
}

}  // namespace

size_t length(std::string_view s) {
  size_t units = 0;
  for (size_t i = 0; i < s.size();) {
    size_t n = seq_len(s, i);
    units += n == 4 ? 2 : 1;
    i += n;
  }
  return units;
}

size_t byte_offset(std::string_view s, size_t unit) {
  size_t units = 0, i = 0;
  while (i < s.size() && units < unit) {
    size_t n = seq_len(s, i);
    units += n == 4 ? 2 : 1;
    i += n;
  }
  return i;
}

size_t unit_offset(std::string_view s, size_t byte) {
  size_t units = 0;
  for (size_t i = 0; i < s.size() && i < byte;) {
    size_t n = seq_len(s, i);
    units += n == 4 ? 2 : 1;
    i += n;
  }
  return units;
}

std::string slice(std::string_view s, size_t begin, size_t end) {
  std::string out;
  if (begin >= end) return out;
  size_t unit = 0;
  for (size_t i = 0; i < s.size() && unit < end;) {
    size_t n = seq_len(s, i);
    if (n == 4) {
      // Two units: either, both or neither may fall inside [begin, end).
      bool hi = unit >= begin && unit < end;
      bool lo = unit + 1 >= begin && unit + 1 < end;
      if (hi && lo) {
        out.append(s.substr(i, 4));
      } else if (hi || lo) {
        char32_t c = decode(s, i, 4) - 0x10000;
        encode(out, hi ? char32_t(0xD800 + (c >> 10)) : char32_t(0xDC00 + (c & 0x3FF)));
      }
      unit += 2;
    } else {
      if (unit >= begin) out.append(s.substr(i, n));
      unit += 1;
    }
    i += n;
  }
  return out;
}

std::u16string to_u16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = seq_len(s, i);
    char32_t c = decode(s, i, n);
    if (c >= 0x10000) {
      c -= 0x10000;
      out += char16_t(0xD800 + (c >> 10));
      out += char16_t(0xDC00 + (c & 0x3FF));
    } else {
      out += char16_t(c);
    }
    i += n;
  }
  return out;
}

std::string from_u16(std::u16string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char32_t c = s[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
      ++i;
    }
    encode(out, c);
  }
  return out;
}

}  // namespace sc::jsonata::utf16
