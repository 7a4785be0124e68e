// $formatNumber, $formatBase, $formatInteger and $parseInteger.
//
// $formatNumber follows XPath 3.1's fn:format-number the way jsonata-js
// 2.0.6 implements it, which is not always the specification: the
// exponent's position is looked up in the whole sub-picture but applied to
// its active part, a picture without a decimal separator takes its suffix
// as the fractional part, later grouping positions are searched in the
// integer part even for the fractional part, and the last failing rule
// decides the error code when several fail. Those details change output
// and error codes, so they are kept; the code below is organised as the
// specification's steps (split, validate, analyse, format) with jsonata-js's
// readings of them.
//
// Everything is done in UTF-16 units, as JavaScript indexes strings: the
// options may name any character (a zero digit "⑟" makes "①②" digits) and
// the picture's prefix and suffix are copied as they are.
//
// Where jsonata-js never returns (scaling a zero or negative mantissa for an
// exponent picture loops forever) we scale the absolute value and take zero
// as having exponent 0. Where it throws a TypeError (a sub-picture without
// any digit or separator), we raise D3085, the rule that sub-picture breaks.
#include <cmath>
#include <unordered_set>

#include "runtime/jsonata/error.hpp"
#include "runtime/jsonata/format_integer.hpp"
#include "runtime/jsonata/functions.hpp"

namespace sc::jsonata {
namespace {

using fmt::u16;
using fmt::u8;
using str = std::u16string;
constexpr size_t npos = str::npos;

// --- JavaScript string operations on UTF-16 text ---------------------------

// indexOf(sub, from): an empty `sub` is found at min(from, size).
double index_of(const str& s, const str& sub, size_t from = 0) {
  if (from > s.size()) from = s.size();
  size_t at = s.find(sub, from);
  return at == npos ? -1 : double(at);
}
double last_index_of(const str& s, const str& sub) {
  size_t at = s.rfind(sub);
  return at == npos ? -1 : double(at);
}
bool contains(const str& s, const str& sub) { return s.find(sub) != npos; }

// substring(start, end): clamped to [0, size], swapped when reversed.
str substring(const str& s, double start, double end = INFINITY) {
  auto clamp = [&](double v) {
    if (std::isnan(v) || v < 0) return size_t(0);
    return v > double(s.size()) ? s.size() : size_t(v);
  };
  size_t a = clamp(start), b = clamp(end);
  if (a > b) std::swap(a, b);
  return s.substr(a, b - a);
}

// slice(start, end): negative positions count from the end.
str slice(const str& s, double start, double end = INFINITY) {
  double n = double(s.size());
  auto norm = [&](double v) {
    if (v < 0) v = std::max(n + v, 0.0);
    return std::min(v, n);
  };
  double a = norm(start), b = norm(end);
  return b > a ? s.substr(size_t(a), size_t(b - a)) : str();
}

// charAt(i) === prop: a single unit compared with a property string ("" out of range).
bool char_is(const str& s, double i, const str& prop) {
  if (i < 0 || i >= double(s.size())) return prop.empty();
  return prop.size() == 1 && s[size_t(i)] == prop[0];
}

std::vector<str> split(const str& s, const str& sep) {
  std::vector<str> out;
  if (sep.empty()) {
    for (char16_t c : s) out.emplace_back(1, c);
    return out;
  }
  size_t from = 0, at;
  while ((at = s.find(sep, from)) != npos) {
    out.push_back(s.substr(from, at - from));
    from = at + sep.size();
  }
  out.push_back(s.substr(from));
  return out;
}

str repeat(const str& unit, double n) {
  str out;
  for (double i = 0; i < n; ++i) out += unit;
  return out;
}

// String(v) for an option value.
str js_string(const value& v) {
  switch (v.type()) {
    case kind::string: return u16(v.as_string());
    case kind::number: return fmt::js_number_u16(v.as_number());
    case kind::boolean: return v.as_bool() ? u"true" : u"false";
    case kind::null: return u"null";
    case kind::array: {
      str out;
      for (size_t i = 0; i < v.as_array().size(); ++i) {
        if (i) out += u",";
        const value& item = v.as_array()[i];
        if (!item.is_null() && !item.is_undefined()) out += js_string(item);
      }
      return out;
    }
    case kind::undefined: return u"undefined";
    default: return u"[object Object]";
  }
}

// --- $formatNumber -----------------------------------------------------------

struct properties {
  str decimal = u".", grouping = u",", exponent = u"e", minus = u"-", percent = u"%",
      per_mille = u"\u2030", zero = u"0", digit = u"#", pattern = u";";
  std::vector<str> family;  // the ten digits starting at the zero digit
  std::vector<str> active;  // family + separators + digit + pattern separator

  bool in_family(char16_t c) const {
    for (const auto& d : family)
      if (d[0] == c) return true;
    return false;
  }
  bool is_active(char16_t c) const {
    for (const auto& a : active)
      if (a.size() == 1 && a[0] == c) return true;
    return false;
  }
  bool is_exponent(char16_t c) const { return exponent.size() == 1 && exponent[0] == c; }
  bool is_digit_char(char16_t c) const { return digit.size() == 1 && digit[0] == c; }
  size_t count_family(const str& s) const {
    size_t n = 0;
    for (char16_t c : s) n += in_family(c);
    return n;
  }
  size_t count_digits(const str& s) const {  // family members and optional-digit characters
    size_t n = 0;
    for (char16_t c : s) n += in_family(c) || is_digit_char(c);
    return n;
  }
};

properties read_properties(const value& options) {
  properties p;
  if (options.is_object()) {
    for (const auto& [key, v] : options.as_object().entries) {
      str s = js_string(v);
      if (key == "decimal-separator") p.decimal = s;
      else if (key == "grouping-separator") p.grouping = s;
      else if (key == "exponent-separator") p.exponent = s;
      else if (key == "minus-sign") p.minus = s;
      else if (key == "percent") p.percent = s;
      else if (key == "per-mille") p.per_mille = s;
      else if (key == "zero-digit") p.zero = s;
      else if (key == "digit") p.digit = s;
      else if (key == "pattern-separator") p.pattern = s;
      // "infinity" and "NaN" are accepted and, as in jsonata-js, never used.
    }
  }
  if (!p.zero.empty())
    for (int i = 0; i < 10; ++i) p.family.emplace_back(1, char16_t(p.zero[0] + i));
  p.active = p.family;
  for (const str* s : {&p.decimal, &p.exponent, &p.grouping, &p.digit, &p.pattern})
    p.active.push_back(*s);
  return p;
}

struct parts {
  str prefix, suffix, active, mantissa, integer, fractional, picture;
  bool has_exponent = false;
  str exponent;
};

parts split_parts(const str& sub, const properties& p, call_context& ctx) {
  parts r;
  r.picture = sub;
  auto significant = [&](char16_t c) { return p.is_active(c) && !p.is_exponent(c); };
  size_t first = npos, last = npos;
  for (size_t i = 0; i < sub.size(); ++i)
    if (significant(sub[i])) {
      if (first == npos) first = i;
      last = i;
    }
  if (first == npos) fmt::fail(ctx, "D3085");  // jsonata-js: TypeError
  r.prefix = sub.substr(0, first);
  r.suffix = sub.substr(last + 1);
  r.active = substring(sub, double(r.prefix.size()), double(sub.size() - r.suffix.size()));
  double exp_at = index_of(sub, p.exponent, r.prefix.size());
  if (exp_at == -1 || exp_at > double(sub.size() - r.suffix.size())) {
    r.mantissa = r.active;
  } else {
    // jsonata-js applies the sub-picture's position to the active part.
    r.mantissa = substring(r.active, 0, exp_at);
    r.has_exponent = true;
    r.exponent = substring(r.active, exp_at + 1);
  }
  double dec = index_of(r.mantissa, p.decimal);
  if (dec == -1) {
    r.integer = r.mantissa;
    r.fractional = r.suffix;
  } else {
    r.integer = substring(r.mantissa, 0, dec);
    r.fractional = substring(r.mantissa, dec + 1);
  }
  return r;
}

// F&O 4.7.3; the last rule broken decides the code, as in jsonata-js.
void validate(const parts& r, const properties& p, call_context& ctx) {
  const char* error = nullptr;
  const str& sub = r.picture;
  double dec = index_of(sub, p.decimal);
  if (dec != last_index_of(sub, p.decimal)) error = "D3081";
  if (index_of(sub, p.percent) != last_index_of(sub, p.percent)) error = "D3082";
  if (index_of(sub, p.per_mille) != last_index_of(sub, p.per_mille)) error = "D3083";
  if (contains(sub, p.percent) && contains(sub, p.per_mille)) error = "D3084";
  if (p.count_digits(r.mantissa) == 0) error = "D3085";
  for (char16_t c : r.active)
    if (!p.is_active(c)) error = "D3086";
  if (dec != -1) {
    if (char_is(sub, dec - 1, p.grouping) || char_is(sub, dec + 1, p.grouping)) error = "D3087";
  } else if (char_is(r.integer, double(r.integer.size()) - 1, p.grouping)) {
    error = "D3088";
  }
  if (contains(sub, p.grouping + p.grouping)) error = "D3089";
  double opt = index_of(r.integer, p.digit);
  if (opt != -1 && p.count_family(substring(r.integer, 0, opt)) > 0) error = "D3090";
  opt = last_index_of(r.fractional, p.digit);
  if (opt != -1 && p.count_family(substring(r.fractional, opt)) > 0) error = "D3091";
  if (r.has_exponent && !r.exponent.empty() &&
      (contains(sub, p.percent) || contains(sub, p.per_mille)))
    error = "D3092";
  if (r.has_exponent && (r.exponent.empty() || p.count_family(r.exponent) != r.exponent.size()))
    error = "D3093";
  if (error) fmt::fail(ctx, error);
}

struct analysis {
  std::vector<double> integer_groups, fraction_groups;
  double regular = 0;
  double min_integer = 0, scaling = 0, min_fraction = 0, max_fraction = 0, min_exponent = 0;
  str prefix, suffix, picture;
};

// Positions of the grouping separators in `part`, counted in digits to the
// right (or, for the fractional part, to the left). After the first one,
// jsonata-js looks for the next separator in the integer part.
std::vector<double> grouping_positions(const str& part, const parts& r, const properties& p,
                                       bool to_left) {
  std::vector<size_t> before(part.size() + 1, 0);  // digit count of part[0, i)
  for (size_t i = 0; i < part.size(); ++i)
    before[i + 1] = before[i] + (p.in_family(part[i]) || p.is_digit_char(part[i]));
  std::vector<double> out;
  if (p.grouping.empty()) return out;  // unreachable: validation raised D3089
  double at = index_of(part, p.grouping);
  while (at != -1) {
    size_t i = std::min(size_t(at), part.size());
    out.push_back(double(to_left ? before[i] : before[part.size()] - before[i]));
    at = index_of(r.integer, p.grouping, size_t(at) + 1);
  }
  return out;
}

double regular_interval(const std::vector<double>& positions) {
  if (positions.empty()) return 0;
  auto gcd = [](double a, double b) {
    while (b != 0) {
      double t = std::fmod(a, b);
      a = b;
      b = t;
    }
    return a;
  };
  double factor = positions[0];
  for (size_t i = 1; i < positions.size(); ++i) factor = gcd(factor, positions[i]);
  std::unordered_set<double> present(positions.begin(), positions.end());
  for (size_t i = 1; i <= positions.size(); ++i)
    if (!present.count(double(i) * factor)) return 0;
  return factor;
}

analysis analyse(const parts& r, const properties& p) {
  analysis a;
  a.integer_groups = grouping_positions(r.integer, r, p, false);
  a.regular = regular_interval(a.integer_groups);
  a.fraction_groups = grouping_positions(r.fractional, r, p, true);
  a.min_integer = double(p.count_family(r.integer));
  a.scaling = a.min_integer;
  a.min_fraction = double(p.count_family(r.fractional));
  a.max_fraction = double(p.count_digits(r.fractional));
  if (a.min_integer == 0 && a.max_fraction == 0) {
    if (r.has_exponent) {
      a.min_fraction = 1;
      a.max_fraction = 1;
    } else {
      a.min_integer = 1;
    }
  }
  if (r.has_exponent && a.min_integer == 0 && contains(r.integer, p.digit)) a.min_integer = 1;
  if (a.min_integer == 0 && a.min_fraction == 0) a.min_fraction = 1;
  if (r.has_exponent) a.min_exponent = double(p.count_family(r.exponent));
  a.prefix = r.prefix;
  a.suffix = r.suffix;
  a.picture = r.picture;
  return a;
}

// toFixed in the picture's digit family.
str make_string(double v, double dp, const properties& p) {
  std::string fixed = fmt::js_to_fixed(std::fabs(v), int(std::min(dp, 100000.0)));
  str out;
  for (char c : fixed) {
    if (c >= '0' && c <= '9' && p.zero != u"0") {
      if (!p.family.empty()) out += p.family[size_t(c - '0')];
    } else {
      out += char16_t(c);
    }
  }
  return out;
}

str format_number(double number, const str& picture, const properties& p, call_context& ctx) {
  ctx.tick(picture.size());
  std::vector<str> subs = split(picture, p.pattern);
  if (subs.size() > 2) fmt::fail(ctx, "D3080");
  std::vector<parts> ps;
  for (const auto& s : subs) ps.push_back(split_parts(s, p, ctx));
  for (const auto& r : ps) validate(r, p, ctx);
  std::vector<analysis> vars;
  for (const auto& r : ps) vars.push_back(analyse(r, p));
  if (vars.size() == 1) {
    vars.push_back(vars[0]);
    vars[1].prefix = p.minus + vars[1].prefix;
  }
  const analysis& pic = number >= 0 ? vars[0] : vars[1];

  double adjusted = number;
  if (contains(pic.picture, p.percent)) {
    adjusted = number * 100;
  } else if (contains(pic.picture, p.per_mille)) {
    adjusted = number * 1000;
  }

  double mantissa = adjusted;
  bool has_exponent = pic.min_exponent != 0;
  double exponent = 0;
  if (has_exponent && std::isfinite(adjusted) && adjusted != 0) {
    // Scaled on the magnitude (jsonata-js never returns for a negative one).
    double max_m = std::pow(10, pic.scaling), min_m = std::pow(10, pic.scaling - 1);
    double m = std::fabs(adjusted);
    for (int guard = 0; m < min_m && guard < 2200; ++guard) {
      m *= 10;
      exponent -= 1;
    }
    for (int guard = 0; m > max_m && guard < 2200; ++guard) {
      m /= 10;
      exponent += 1;
    }
    mantissa = adjusted < 0 ? -m : m;
  }

  double rounded = fmt::js_round(mantissa, int(std::min(pic.max_fraction, 100000.0)));
  str s = make_string(rounded, pic.max_fraction, p);
  size_t dot = s.find(u'.');
  if (dot == npos) {
    s += p.decimal;
  } else {
    s = s.substr(0, dot) + p.decimal + s.substr(dot + 1);
  }
  while (!s.empty() && char_is(s, 0, p.zero)) s.erase(0, 1);
  while (!s.empty() && char_is(s, double(s.size()) - 1, p.zero)) s.pop_back();

  double dec = index_of(s, p.decimal);
  double pad_left = pic.min_integer - dec;
  double pad_right = pic.min_fraction - (double(s.size()) - dec - 1);
  fmt::check_length(std::max(pad_left, 0.0) + std::max(pad_right, 0.0) + double(s.size()), ctx);
  s = (pad_left > 0 ? repeat(p.zero, pad_left) : str()) + s;
  s = s + (pad_right > 0 ? repeat(p.zero, pad_right) : str());

  dec = index_of(s, p.decimal);
  if (pic.regular > 0) {
    double groups = std::floor((dec - 1) / pic.regular);
    for (double g = 1; g <= groups; ++g) {
      ctx.tick(s.size());
      s = slice(s, 0, dec - g * pic.regular) + p.grouping + slice(s, dec - g * pic.regular);
    }
  } else {
    for (double pos : pic.integer_groups) {
      ctx.tick(s.size());
      s = slice(s, 0, dec - pos) + p.grouping + slice(s, dec - pos);
      dec++;
    }
  }
  dec = index_of(s, p.decimal);
  for (double pos : pic.fraction_groups) {
    ctx.tick(s.size());
    s = slice(s, 0, pos + dec + 1) + p.grouping + slice(s, pos + dec + 1);
  }
  dec = index_of(s, p.decimal);
  if (!contains(pic.picture, p.decimal) || dec == double(s.size()) - 1)
    s = substring(s, 0, double(s.size()) - 1);
  if (has_exponent) {
    str e = make_string(exponent, 0, p);
    double pad = pic.min_exponent - double(e.size());
    if (pad > 0) e = repeat(p.zero, pad) + e;
    s += p.exponent + (exponent < 0 ? p.minus : str()) + e;
  }
  return pic.prefix + s + pic.suffix;
}

// The picture argument: jsonata-js lets an undefined one through its
// signature and then fails with a JavaScript TypeError; here it is the
// signature error that names it (argument 2), so the caller gets a code.
const std::string& picture_arg(call_context& ctx, std::vector<value>& args) {
  if (args.size() < 2 || !args[1].is_string())
    raise("T0410", ctx.position(), {}, args.size() > 1 ? args[1] : value(), {}, 2);
  return args[1].as_string();
}

value fn_format_number(call_context& ctx, std::vector<value>& args) {
  if (args[0].is_undefined()) return {};
  picture_arg(ctx, args);
  properties p = read_properties(args.size() > 2 ? args[2] : value());
  return value::string(u8(format_number(args[0].as_number(), u16(args[1].as_string()), p, ctx)));
}

// --- $formatBase -------------------------------------------------------------

value fn_format_base(call_context& ctx, std::vector<value>& args) {
  if (args[0].is_undefined()) return {};
  double v = fmt::js_round(args[0].as_number());
  double radix = 10;
  if (args.size() > 1 && !args[1].is_undefined()) radix = fmt::js_round(args[1].as_number());
  if (!(radix >= 2 && radix <= 36)) fmt::fail(ctx, "D3100", value::number(radix));
  return value::string(fmt::js_to_string_radix(v, int(radix)));
}

// --- $formatInteger / $parseInteger -----------------------------------------

value fn_format_integer(call_context& ctx, std::vector<value>& args) {
  if (args[0].is_undefined()) return {};
  double v = std::floor(args[0].as_number());
  fmt::integer_format f = fmt::analyse_integer_picture(u16(picture_arg(ctx, args)), ctx);
  return value::string(u8(fmt::format_integer(v, f, ctx)));
}

value fn_parse_integer(call_context& ctx, std::vector<value>& args) {
  if (args[0].is_undefined()) return {};
  fmt::integer_format f = fmt::analyse_integer_picture(u16(picture_arg(ctx, args)), ctx);
  return value::number(fmt::parse_integer(u16(args[0].as_string()), f, ctx));
}

const builtin table[] = {
    {"formatNumber", "<n-so?:s>", fn_format_number},
    {"formatBase", "<n-n?:s>", fn_format_base},
    {"formatInteger", "<n-s:s>", fn_format_integer},
    {"parseInteger", "<s-s:n>", fn_parse_integer},
};

}  // namespace

std::span<const builtin> tables::format_functions() { return table; }

}  // namespace sc::jsonata
