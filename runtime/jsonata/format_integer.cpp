// JavaScript number helpers and XPath integer pictures (see the header).
//
// jsonata-js implements fn:format-integer loosely, and its looseness is
// what users see: grouping separators are inserted with String.substr
// arithmetic that misplaces them when the number is shorter than the
// picture (`$formatInteger(12, '#:###,##0')` is ",:12"), a decimal parse
// strips only commas from a regularly grouped picture, a word that is not
// a number word makes the whole result NaN, and parseInt reads as far as it
// can. This file reproduces those results rather than the specification's,
// because AWS runs jsonata-js.
//
// Where jsonata-js would loop without end or overflow its stack (words for
// NaN or Infinity, Roman numerals of ten million and more) we stop with
// U1001, the code JSONata gives a stack overflow, instead.
#include "runtime/jsonata/format_integer.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "runtime/jsonata/error.hpp"
#include "runtime/jsonata/fn_util.hpp"
#include "runtime/jsonata/utf16.hpp"

namespace sc::jsonata::fmt {

// --- errors, budgets, strings ----------------------------------------------

void fail(call_context& ctx, const char* code, value val) {
  raise(code, ctx.position(), std::nullopt, std::move(val));
}

void check_length(double units, call_context& ctx) {
  // A UTF-16 unit takes at least one UTF-8 byte.
  if (units > double(ctx.env().lim.max_string_bytes))
    fn::check_string_size(ctx.env().lim.max_string_bytes + 1, ctx);
}

std::u16string u16(std::string_view s) { return utf16::to_u16(s); }
std::string u8(std::u16string_view s) { return utf16::from_u16(s); }

namespace {

std::u16string ascii16(std::string_view s) { return std::u16string(s.begin(), s.end()); }

// JavaScript's String.prototype.substr(start[, length]) on UTF-16 units.
std::u16string js_substr(const std::u16string& s, double start, double length = INFINITY) {
  double size = double(s.size());
  if (start < 0) start = std::max(size + start, 0.0);
  start = std::min(start, size);
  double end = std::min(start + std::max(length, 0.0), size);
  if (end <= start) return {};
  return s.substr(size_t(start), size_t(end - start));
}

bool js_space(char16_t c) {
  return c == 9 || c == 10 || c == 11 || c == 12 || c == 13 || c == 32 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

std::u16string lower_ascii(std::u16string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = char16_t(c + 32);
  return s;
}
std::u16string upper_ascii(std::u16string s) {
  for (auto& c : s)
    if (c >= 'a' && c <= 'z') c = char16_t(c - 32);
  return s;
}

// The code points of `s` as String.prototype[Symbol.iterator] yields them
// (a lone surrogate is its own code point).
std::vector<char32_t> code_points(std::u16string_view s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size(); ++i) {
    char16_t c = s[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 &&
        s[i + 1] <= 0xDFFF) {
      out.push_back(0x10000 + ((char32_t(c) - 0xD800) << 10) + (s[i + 1] - 0xDC00));
      ++i;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void append_code_point(std::u16string& out, char32_t cp) {
  if (cp >= 0x10000) {
    cp -= 0x10000;
    out += char16_t(0xD800 + (cp >> 10));
    out += char16_t(0xDC00 + (cp & 0x3FF));
  } else {
    out += char16_t(cp);
  }
}

}  // namespace

// --- JavaScript numbers ----------------------------------------------------

double js_math_round(double x) {
  if (!std::isfinite(x) || x == std::floor(x)) return x;
  double r = std::floor(x);
  if (x - r >= 0.5) r += 1;
  if (r == 0 && x < 0) return -0.0;
  return r;
}

namespace {

// Splits JavaScript's toString of `x` at 'e' and re-reads it with the
// exponent moved by `shift` (jsonata-js's decimal shift in round()).
double shift_decimal(double x, int shift) {
  std::string s = format_number_js(x);
  size_t e = s.find('e');
  long exp = 0;
  std::string mant = s;
  if (e != std::string::npos) {
    mant = s.substr(0, e);
    exp = std::strtol(s.c_str() + e + 1, nullptr, 10);
  }
  std::string text = mant + "e" + std::to_string(exp + shift);
  // Unary plus on "Infinitye-2" and the like is NaN in JavaScript.
  if (mant == "Infinity" || mant == "-Infinity" || mant == "NaN") return NAN;
  return std::strtod(text.c_str(), nullptr);
}

}  // namespace

double js_round(double x, int precision) {
  if (precision != 0) x = shift_decimal(x, precision);
  double result = js_math_round(x);
  double diff = result - x;
  if (std::fabs(diff) == 0.5 && std::fabs(std::fmod(result, 2)) == 1) result -= 1;
  if (precision != 0) result = shift_decimal(result, -precision);
  if (result == 0) result = 0;  // no -0
  return result;
}

std::string js_to_fixed(double x, int digits) {
  if (std::isnan(x)) return "NaN";
  if (std::fabs(x) >= 1e21 || std::isinf(x)) return format_number_js(x);
  bool negative = x < 0;
  x = std::fabs(x);
  size_t keep = size_t(std::max(digits, 0));
  // glibc prints a double's correctly rounded decimal expansion, and 1,080
  // places hold all of it. Thirty places past the kept digits decide the
  // rounding unless the value sits within a hair of a half (then exactly).
  auto print = [&](int places) {
    std::string buf(size_t(places) + 40, '\0');
    int n = std::snprintf(buf.data(), buf.size(), "%.*f", places, x);
    buf.resize(size_t(n));
    return buf;
  };
  std::string buf;
  if (keep + 30 < 1080) {
    buf = print(int(keep) + 30);
    std::string_view tail = std::string_view(buf).substr(buf.find('.') + 1 + keep);
    bool near_half = (tail[0] == '4' && tail.find_first_not_of('9', 1) == std::string_view::npos) ||
                     (tail[0] == '5' && tail.find_first_not_of('0', 1) == std::string_view::npos);
    if (near_half) buf.clear();
  }
  if (buf.empty()) buf = print(1080);
  size_t dot = buf.find('.');
  std::string int_part = buf.substr(0, dot), frac = buf.substr(dot + 1);
  bool up = keep < frac.size() && frac[keep] >= '5';
  if (keep > frac.size()) frac.append(keep - frac.size(), '0');
  std::string kept = int_part + frac.substr(0, keep);
  if (up) {
    size_t i = kept.size();
    while (i > 0) {
      --i;
      if (kept[i] == '9') {
        kept[i] = '0';
      } else {
        ++kept[i];
        break;
      }
      if (i == 0) kept.insert(kept.begin(), '1');
    }
  }
  std::string out = keep == 0 ? kept : kept.substr(0, kept.size() - keep) + "." +
                                           kept.substr(kept.size() - keep);
  return (negative ? "-" : "") + out;
}

std::string js_to_string_radix(double x, int radix) {
  if (radix == 10) return format_number_js(x);
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x < 0 ? "-Infinity" : "Infinity";
  static const char* chars = "0123456789abcdefghijklmnopqrstuvwxyz";
  bool negative = x < 0;
  double integer = std::floor(std::fabs(x));
  std::string digits;  // least significant first
  // Past 2^53 the low digits are not represented: V8 writes them as zeros.
  while (integer / radix >= 9007199254740992.0) {
    integer /= radix;
    digits += '0';
  }
  do {
    double remainder = std::fmod(integer, radix);
    digits += chars[int(remainder)];
    integer = (integer - remainder) / radix;
  } while (integer > 0);
  if (negative) digits += '-';
  return std::string(digits.rbegin(), digits.rend());
}

double js_parse_int(std::u16string_view s) {
  size_t i = 0;
  while (i < s.size() && js_space(s[i])) ++i;
  double sign = 1;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    if (s[i] == '-') sign = -1;
    ++i;
  }
  int radix = 10;
  if (i + 1 < s.size() && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
    radix = 16;
    i += 2;
  }
  std::string digits;
  for (; i < s.size(); ++i) {
    char16_t c = s[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'z' ? c - 'a' + 10
            : c >= 'A' && c <= 'Z' ? c - 'A' + 10
                                   : 99;
    if (d >= radix) break;
    digits += char(c);
  }
  if (digits.empty()) return NAN;
  if (radix == 10) return sign * std::strtod(digits.c_str(), nullptr);
  double v = 0;
  for (char c : digits) v = v * 16 + (c <= '9' ? c - '0' : (c | 32) - 'a' + 10);
  return sign * v;
}

std::u16string js_number_u16(double x) { return ascii16(format_number_js(x)); }

// --- words -----------------------------------------------------------------

namespace {

const char* const few[] = {"Zero",    "One",     "Two",       "Three",    "Four",
                           "Five",    "Six",     "Seven",     "Eight",    "Nine",
                           "Ten",     "Eleven",  "Twelve",    "Thirteen", "Fourteen",
                           "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"};
const char* const ordinals[] = {
    "Zeroth",     "First",      "Second",      "Third",      "Fourth",
    "Fifth",      "Sixth",      "Seventh",     "Eighth",     "Ninth",
    "Tenth",      "Eleventh",   "Twelfth",     "Thirteenth", "Fourteenth",
    "Fifteenth",  "Sixteenth",  "Seventeenth", "Eighteenth", "Nineteenth"};
const char* const decades[] = {"Twenty", "Thirty",  "Forty",  "Fifty",  "Sixty",
                               "Seventy", "Eighty", "Ninety", "Hundred"};
const char* const magnitudes[] = {"Thousand", "Million", "Billion", "Trillion"};

std::string words_of(double num, bool prev, bool ord) {
  std::string words;
  if (num <= 19) {
    int i = int(num);
    words = std::string(prev ? " and " : "") + (ord ? ordinals[i] : few[i]);
  } else if (num < 100) {
    int tens = int(std::floor(num / 10));
    double remainder = std::fmod(num, 10);
    words = std::string(prev ? " and " : "") + decades[tens - 2];
    if (remainder > 0) {
      words += "-" + words_of(remainder, false, ord);
    } else if (ord) {
      words.pop_back();
      words += "ieth";
    }
  } else if (num < 1000) {
    int hundreds = int(std::floor(num / 100));
    double remainder = std::fmod(num, 100);
    words = std::string(prev ? ", " : "") + few[hundreds] + " Hundred";
    if (remainder > 0) {
      words += words_of(remainder, true, ord);
    } else if (ord) {
      words += "th";
    }
  } else {
    double mag = std::floor(std::log10(num) / 3);
    if (mag > 4) mag = 4;
    double factor = std::pow(10, mag * 3);
    double mant = std::floor(num / factor);
    double remainder = num - mant * factor;
    words = std::string(prev ? ", " : "") + words_of(mant, false, false) + " " +
            magnitudes[int(mag) - 1];
    if (remainder > 0) {
      words += words_of(remainder, true, ord);
    } else if (ord) {
      words += "th";
    }
  }
  return words;
}

}  // namespace

std::u16string number_to_words(double value, bool ordinal) {
  return ascii16(words_of(value, false, ordinal));
}

// --- integer pictures -----------------------------------------------------

namespace {

// The first digit of every Unicode decimal digit group jsonata-js knows.
constexpr char32_t decimal_groups[] = {
    0x30,   0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6,
    0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0,
    0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620,
    0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10};

double gcd(double a, double b) {
  while (b != 0) {
    double t = std::fmod(a, b);
    a = b;
    b = t;
  }
  return a;
}

// The common interval of the separators when they are all the same
// character and sit at every multiple of it; 0 otherwise.
double regular_interval(const std::vector<grouping>& seps) {
  if (seps.empty()) return 0;
  for (const auto& s : seps)
    if (s.character != seps[0].character) return 0;
  double factor = seps[0].position;
  for (size_t i = 1; i < seps.size(); ++i) factor = gcd(factor, seps[i].position);
  for (size_t i = 1; i <= seps.size(); ++i) {
    bool found = false;
    for (const auto& s : seps) found = found || s.position == double(i) * factor;
    if (!found) return 0;
  }
  return factor;
}

}  // namespace

integer_format analyse_integer_picture(std::u16string_view picture, call_context& ctx) {
  integer_format f;
  // Only decimal patterns have digit counts; JavaScript's undefined reads
  // as NaN in the width arithmetic of date pictures.
  f.mandatory_digits = NAN;
  f.optional_digits = NAN;
  std::u16string_view primary = picture;
  size_t semicolon = picture.rfind(u';');
  if (semicolon != std::u16string_view::npos) {
    primary = picture.substr(0, semicolon);
    std::u16string_view modifier = picture.substr(semicolon + 1);
    if (!modifier.empty() && modifier[0] == 'o') f.ordinal = true;
  }
  if (primary == u"A" || primary == u"a") {
    f.letter_case = primary == u"A" ? int_case::upper : int_case::lower;
    f.primary = int_primary::letters;
  } else if (primary == u"I" || primary == u"i") {
    f.letter_case = primary == u"I" ? int_case::upper : int_case::lower;
    f.primary = int_primary::roman;
  } else if (primary == u"W" || primary == u"Ww" || primary == u"w") {
    f.letter_case = primary == u"W" ? int_case::upper
                    : primary == u"Ww" ? int_case::title
                                       : int_case::lower;
    f.primary = int_primary::words;
  } else {
    // A decimal digit pattern when it holds a digit of some decimal group;
    // read right to left so that separator positions count digits.
    ctx.tick(primary.size());
    std::optional<char32_t> zero;
    double mandatory = 0, optional = 0, position = 0;
    std::vector<grouping> seps;
    auto cps = code_points(primary);
    for (auto it = cps.rbegin(); it != cps.rend(); ++it) {
      char32_t cp = *it;
      bool digit = false;
      for (char32_t group : decimal_groups) {
        if (cp >= group && cp <= group + 9) {
          digit = true;
          ++mandatory;
          ++position;
          if (!zero) {
            zero = group;
          } else if (*zero != group) {
            fail(ctx, "D3131");
          }
          break;
        }
      }
      if (digit) continue;
      if (cp == '#') {
        ++position;
        ++optional;
      } else {
        grouping g;
        g.position = position;
        append_code_point(g.character, cp);
        seps.push_back(std::move(g));
      }
    }
    if (mandatory > 0) {
      f.primary = int_primary::decimal;
      f.zero_code = *zero;
      f.mandatory_digits = mandatory;
      f.optional_digits = optional;
      double interval = regular_interval(seps);
      if (interval > 0) {
        f.regular = true;
        grouping g;
        g.position = interval;
        g.character = seps[0].character;
        f.separators = {std::move(g)};
      } else {
        f.separators = std::move(seps);
      }
    } else {
      f.primary = int_primary::sequence;
      f.token = std::u16string(primary);
    }
  }
  return f;
}

std::u16string format_integer(double value, const integer_format& f, call_context& ctx) {
  std::u16string out;
  bool negative = value < 0;
  value = std::fabs(value);
  switch (f.primary) {
    case int_primary::letters: {
      char16_t a = f.letter_case == int_case::upper ? u'A' : u'a';
      while (value > 0) {
        ctx.tick();
        out += char16_t(uint16_t(int64_t(std::fmod(value - 1, 26)) + a));
        value = std::floor((value - 1) / 26);
      }
      out = std::u16string(out.rbegin(), out.rend());
      break;
    }
    case int_primary::roman: {
      // jsonata-js recurses once per numeral; its stack ends near 10,000 Ms.
      if (value >= 1e7) raise("U1001", ctx.position());
      static const std::pair<int, const char*> numerals[] = {
          {1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"}, {90, "xc"}, {50, "l"},
          {40, "xl"},  {10, "x"},   {9, "ix"},  {5, "v"},    {4, "iv"},  {1, "i"}};
      std::string roman;
      for (const auto& [n, text] : numerals)
        while (value >= n) {
          roman += text;
          value -= n;
        }
      out = ascii16(roman);
      if (f.letter_case == int_case::upper) out = upper_ascii(out);
      break;
    }
    case int_primary::words: {
      if (!std::isfinite(value)) raise("U1001", ctx.position());  // JS: stack overflow
      out = number_to_words(value, f.ordinal);
      if (f.letter_case == int_case::upper) {
        out = upper_ascii(out);
      } else if (f.letter_case == int_case::lower) {
        out = lower_ascii(out);
      }
      break;
    }
    case int_primary::decimal: {
      out = js_number_u16(value);
      double pad = f.mandatory_digits - double(out.size());
      if (pad > 0) {
        check_length(pad, ctx);
        out = std::u16string(size_t(pad), u'0') + out;
      }
      if (f.zero_code != U'0') {
        std::u16string mapped;
        for (char32_t cp : code_points(out)) append_code_point(mapped, cp + f.zero_code - U'0');
        out = std::move(mapped);
      }
      if (f.regular) {
        // Every `position` digits from the right, leftmost first.
        double step = f.separators[0].position;
        double groups = std::max(std::floor((double(out.size()) - 1) / step), 0.0);
        check_length(double(out.size()) + groups * double(f.separators[0].character.size()), ctx);
        std::u16string grouped;
        size_t first = out.size() - size_t(groups * step);
        grouped = out.substr(0, first);
        for (size_t at = first; at < out.size(); at += size_t(step)) {
          grouped += f.separators[0].character;
          grouped += out.substr(at, size_t(step));
        }
        out = std::move(grouped);
      } else {
        for (auto it = f.separators.rbegin(); it != f.separators.rend(); ++it) {
          ctx.tick(out.size());
          double at = double(out.size()) - it->position;
          out = js_substr(out, 0, at) + it->character + js_substr(out, at);
        }
      }
      if (f.ordinal) {
        const char16_t* suffix = u"th";
        char16_t last = out.empty() ? 0 : out.back();
        if (last == '1') suffix = u"st";
        if (last == '2') suffix = u"nd";
        if (last == '3') suffix = u"rd";
        if (out.size() > 1 && out[out.size() - 2] == '1') suffix = u"th";
        out += suffix;
      }
      break;
    }
    case int_primary::sequence:
      fail(ctx, "D3130", value::string(u8(f.token)));
  }
  if (negative) out = u"-" + out;
  return out;
}

// --- parsing ---------------------------------------------------------------

namespace {

// Number words in jsonata-js's key order (its lookup object's insertion
// order, which is also the alternation order of its date/time regex).
const std::vector<std::pair<std::string, double>>& word_values() {
  static const std::vector<std::pair<std::string, double>> table = [] {
    std::vector<std::pair<std::string, double>> t;
    auto lower = [](std::string s) {
      for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
      return s;
    };
    for (int i = 0; i < 20; ++i) t.emplace_back(lower(few[i]), i);
    for (int i = 0; i < 20; ++i) t.emplace_back(lower(ordinals[i]), i);
    for (int i = 0; i < 9; ++i) {
      std::string w = lower(decades[i]);
      t.emplace_back(w, (i + 2) * 10);
      t.emplace_back(w.substr(0, w.size() - 1) + "ieth", (i + 2) * 10);
    }
    t.emplace_back("hundredth", 100);
    for (int i = 0; i < 4; ++i) {
      std::string w = lower(magnitudes[i]);
      t.emplace_back(w, std::pow(10, (i + 1) * 3));
      t.emplace_back(w + "th", std::pow(10, (i + 1) * 3));
    }
    return t;
  }();
  return table;
}

// jsonata-js splits the lower-cased text at /,\s|\sand\s|[\s\\-]/ and adds
// up the words' values, multiplying by hundred/thousand/… as they come.
double words_to_number(std::u16string_view text) {
  std::vector<std::u16string> parts(1);
  for (size_t i = 0; i < text.size();) {
    char16_t c = text[i];
    if (c == ',' && i + 1 < text.size() && js_space(text[i + 1])) {
      parts.emplace_back();
      i += 2;
    } else if (js_space(c) && text.substr(i + 1, 3) == u"and" && i + 4 < text.size() &&
               js_space(text[i + 4])) {
      parts.emplace_back();
      i += 5;
    } else if (js_space(c) || c == '\\' || c == '-') {
      parts.emplace_back();
      i += 1;
    } else {
      parts.back() += c;
      i += 1;
    }
  }
  std::vector<double> segs{0};
  for (const auto& part : parts) {
    double v = NAN;  // unknown words make the result NaN, as undefined does in JS
    std::string key = u8(part);
    for (const auto& [word, n] : word_values())
      if (word == key) v = n;
    if (v < 100) {
      double top = segs.back();
      segs.pop_back();
      if (top >= 1000) {
        segs.push_back(top);
        top = 0;
      }
      segs.push_back(top + v);
    } else {
      double top = segs.back();
      segs.back() = top * v;
    }
  }
  double sum = 0;
  for (double s : segs) sum += s;
  return sum;
}

double roman_to_decimal(std::u16string_view roman) {
  double decimal = 0, max = 1;
  for (size_t i = roman.size(); i-- > 0;) {
    double v;
    switch (roman[i]) {
      case 'M': v = 1000; break;
      case 'D': v = 500; break;
      case 'C': v = 100; break;
      case 'L': v = 50; break;
      case 'X': v = 10; break;
      case 'V': v = 5; break;
      case 'I': v = 1; break;
      default: v = NAN;
    }
    if (v < max) {
      decimal -= v;
    } else {
      max = v;
      decimal += v;
    }
  }
  return decimal;
}

double letters_to_decimal(std::u16string_view letters, char16_t a) {
  double decimal = 0;
  for (size_t i = 0; i < letters.size(); ++i)
    decimal += (double(letters[letters.size() - i - 1]) - a + 1) * std::pow(26, double(i));
  return decimal;
}

std::u16string remove_all(std::u16string s, const std::u16string& what) {
  if (what.empty()) return s;
  std::u16string out;
  size_t from = 0, at;
  while ((at = s.find(what, from)) != std::u16string::npos) {
    out += s.substr(from, at - from);
    from = at + what.size();
  }
  return out + s.substr(from);
}

}  // namespace

double parse_integer(std::u16string_view text, const integer_format& f, call_context& ctx) {
  ctx.tick(text.size());
  bool upper = f.letter_case == int_case::upper;
  switch (f.primary) {
    case int_primary::letters:
      return letters_to_decimal(text, upper ? u'A' : u'a');
    case int_primary::roman:
      return roman_to_decimal(upper ? std::u16string(text) : upper_ascii(std::u16string(text)));
    case int_primary::words:
      return words_to_number(lower_ascii(std::u16string(text)));
    case int_primary::decimal: {
      std::u16string digits(text);
      if (f.ordinal) digits = digits.substr(0, digits.size() >= 2 ? digits.size() - 2 : 0);
      if (f.regular) {
        digits = remove_all(digits, u",");  // jsonata-js strips commas, whatever the separator
      } else {
        for (const auto& sep : f.separators) digits = remove_all(digits, sep.character);
      }
      if (f.zero_code != U'0') {
        std::u16string mapped;
        for (char16_t c : digits) {
          int32_t cp = int32_t(c) - int32_t(f.zero_code) + 0x30;
          if (cp < 0) return NAN;  // JS: String.fromCodePoint throws
          append_code_point(mapped, char32_t(cp));
        }
        digits = std::move(mapped);
      }
      return js_parse_int(digits);
    }
    case int_primary::sequence:
      fail(ctx, "D3130", value::string(u8(f.token)));
  }
  return NAN;
}

std::string integer_regex(const integer_format& f, call_context& ctx) {
  bool upper = f.letter_case == int_case::upper;
  switch (f.primary) {
    case int_primary::letters:
      return upper ? "[A-Z]+" : "[a-z]+";
    case int_primary::roman:
      return upper ? "[MDCLXVI]+" : "[mdclxvi]+";
    case int_primary::words: {
      std::string re = "(?:";
      for (const auto& [word, n] : word_values()) re += word + "|";
      return re + "and|[\\-, ])+";
    }
    case int_primary::decimal: {
      std::string occurrences = "+";
      if (f.n != 0 && f.n > 0) {
        occurrences = f.optional_digits == 0
                          ? "{" + format_number_js(f.n) + "}"
                          : "{" + format_number_js(f.n - f.optional_digits) + "," +
                                format_number_js(f.n) + "}";
      }
      std::string re = "[0-9]" + occurrences;
      if (f.ordinal) re += "(?:th|st|nd|rd)";
      return re;
    }
    case int_primary::sequence:
      fail(ctx, "D3130", value::string(u8(f.token)));
  }
  return {};
}

}  // namespace sc::jsonata::fmt
