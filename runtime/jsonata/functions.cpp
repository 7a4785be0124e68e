// The built-in table, the built-ins as values, and the conversions the
// evaluator shares with them ($string, $boolean, $number semantics).
//
// The table is the concatenation of the per-family tables (fn_string.cpp,
// fn_numeric.cpp, …, and jn-fmt's fn_format.cpp/fn_datetime.cpp), built
// once. Each entry becomes one shared `native_function` value whose
// signature is parsed once; `arity` is what jsonata-js's getFunctionArity
// reports for the implementation (its declared JavaScript parameter count),
// which decides how many arguments $map, $filter, $each, $sift, $single and
// $reduce pass to it.
//
// stringify is $string: JSON.stringify with a replacer that writes every
// number at 15 significant digits (toPrecision(15), then back to a number,
// so 0.1 + 0.2 is written 0.3) and every function as "". A non-finite
// number at the top is D3001, one inside a structure D1001 (jsonata-js's
// isNumeric raises it while the replacer runs).
#include "runtime/jsonata/functions.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <unordered_map>

#include "runtime/jsonata/fn_util.hpp"

namespace sc::jsonata {

// --- helpers for the fn_*.cpp files -------------------------------------------

namespace fn {

void raise_message(const std::string& code, std::string message, std::string token,
                   call_context& ctx, value val, std::optional<size_t> index) {
  error e = make_error(code, ctx.position(), std::move(token), std::move(val), value(), index);
  e.message = std::move(message);
  throw exception(std::move(e));
}

void raise_at(const std::string& code, call_context& ctx, value val, std::optional<size_t> index) {
  raise(code, ctx.position(), std::nullopt, std::move(val), value(), index);
}

std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  static const char* hex = "0123456789abcdef";
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else if (c == 0xED && i + 2 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xE0) == 0xA0) {
          // A lone surrogate (WTF-8): JSON.stringify writes it as \udxxx.
          unsigned u = ((c & 0x0F) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3F) << 6) |
                       (static_cast<unsigned char>(s[i + 2]) & 0x3F);
          out += "\\u";
          out += hex[(u >> 12) & 15];
          out += hex[(u >> 8) & 15];
          out += hex[(u >> 4) & 15];
          out += hex[u & 15];
          i += 2;
        } else {
          out += char(c);
        }
    }
  }
  out += '"';
  return out;
}

bool all_numbers(const value& v) {
  if (!v.is_array()) return false;
  for (auto& it : v.as_array().items) {
    if (!it.is_number() || std::isnan(it.as_number())) return false;
  }
  return true;
}

bool all_strings(const value& v) {
  if (!v.is_array()) return false;
  for (auto& it : v.as_array().items)
    if (!it.is_string()) return false;
  return true;
}

void check_string_size(size_t bytes, call_context& ctx) {
  if (bytes > ctx.env().lim.max_string_bytes)
    raise_message("U1001",
                  "The string produced exceeds the maximum size of " +
                      std::to_string(ctx.env().lim.max_string_bytes) + " bytes",
                  "", ctx);
}

void check_sequence_size(size_t items, call_context& ctx) {
  if (items > ctx.env().lim.max_sequence)
    raise_message("U1001",
                  "The array produced exceeds the maximum size of " +
                      std::to_string(ctx.env().lim.max_sequence) + " items",
                  "", ctx);
}

}  // namespace fn

// --- the table ---------------------------------------------------------------

std::span<const builtin> builtins() {
  static const std::vector<builtin> all = [] {
    std::vector<builtin> v;
    for (auto t : {tables::string_functions(), tables::numeric_functions(),
                   tables::array_functions(), tables::object_functions(), tables::hof_functions(),
                   tables::format_functions(), tables::datetime_functions(),
                   tables::sfn_functions()})
      v.insert(v.end(), t.begin(), t.end());
    return v;
  }();
  return all;
}

const value* builtin_value(std::string_view name) {
  static const std::unordered_map<std::string, value> values = [] {
    std::unordered_map<std::string, value> m;
    for (const builtin& b : builtins()) {
      auto f = std::make_shared<native_function>();
      f->name = b.name;
      f->sig = signature::parse(b.signature);
      f->fn = b.fn;
      f->arity = b.arity >= 0 ? size_t(b.arity) : f->sig->parameter_count();
      m.emplace(b.name, value::function(std::move(f)));
    }
    return m;
  }();
  auto it = values.find(std::string(name));
  return it == values.end() ? nullptr : &it->second;
}

// --- $string -----------------------------------------------------------------

namespace {

/// Number(d.toPrecision(15)): d rounded to 15 significant digits, ties
/// away from zero as ECMAScript's toPrecision specifies.
double precision15(double d) {
  if (d == 0 || !std::isfinite(d)) return d;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.30e", std::fabs(d));
  // buf: "D.DDDD…e±XX" with 31 significant digits.
  std::string digits;
  const char* p = buf;
  for (; *p && *p != 'e'; ++p)
    if (*p != '.') digits += *p;
  int exp10 = std::atoi(p + 1);
  bool up = digits[15] > '5';
  if (digits[15] == '5') {
    up = true;  // exactly half (the rest zeros) or more than half: away from zero
  }
  std::string kept = digits.substr(0, 15);
  if (up) {
    int i = 14;
    while (i >= 0 && kept[size_t(i)] == '9') kept[size_t(i--)] = '0';
    if (i < 0) {
      kept.insert(kept.begin(), '1');
      kept.pop_back();
      ++exp10;
    } else {
      ++kept[size_t(i)];
    }
  }
  std::string text = kept.substr(0, 1) + "." + kept.substr(1) + "e" + std::to_string(exp10);
  double r = std::strtod(text.c_str(), nullptr);
  return d < 0 ? -r : r;
}

struct stringifier {
  bool pretty;
  std::string out;

  void newline(int depth) {
    out += '\n';
    out.append(size_t(depth) * 2, ' ');
  }

  /// Writes `v` as a member value; false when JSON.stringify would omit it
  /// (undefined).
  bool write(const value& v, int depth) {
    // Values can nest deeper than the evaluator's frames (a $reduce can
    // wrap an array a million times without recursing); JavaScript would
    // overflow its stack here too.
    if (depth > 10000)
      raise("U1001", std::nullopt, std::nullopt);
    switch (v.type()) {
      case kind::undefined: return false;
      case kind::null: out += "null"; return true;
      case kind::boolean: out += v.as_bool() ? "true" : "false"; return true;
      case kind::number: {
        double d = v.as_number();
        if (std::isnan(d)) {
          out += "null";
        } else if (!std::isfinite(d)) {
          raise("D1001", std::nullopt, std::nullopt, v);
        } else {
          out += format_number_js(precision15(d));
        }
        return true;
      }
      case kind::string: out += fn::json_quote(v.as_string()); return true;
      case kind::function: out += "\"\""; return true;
      case kind::array: {
        const auto& items = v.as_array().items;
        if (items.empty()) {
          out += "[]";
          return true;
        }
        out += '[';
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) out += ',';
          if (pretty) newline(depth + 1);
          if (!write(items[i], depth + 1)) out += "null";
        }
        if (pretty) newline(depth);
        out += ']';
        return true;
      }
      case kind::object: {
        out += '{';
        bool any = false;
        for (auto& [k, member] : v.as_object().entries) {
          if (member.is_undefined()) continue;
          if (any) out += ',';
          if (pretty) newline(depth + 1);
          out += fn::json_quote(k);
          out += pretty ? ": " : ":";
          write(member, depth + 1);
          any = true;
        }
        if (any && pretty) newline(depth);
        out += '}';
        return true;
      }
    }
    return false;
  }
};

}  // namespace

std::string stringify(const value& v, bool prettify) {
  switch (v.type()) {
    case kind::undefined: return "";
    case kind::string: return v.as_string();
    case kind::function: return "";
    case kind::number:
      if (!std::isfinite(v.as_number())) raise("D3001", std::nullopt, std::nullopt, v);
      break;
    default: break;
  }
  const value& target =
      v.is_array() && v.as_array().has(array_node::outer_wrapper) && v.as_array().size() > 0
          ? v.as_array()[0]
          : v;
  stringifier s{prettify, {}};
  s.write(target, 0);
  return std::move(s.out);
}

// --- $boolean ----------------------------------------------------------------

bool truthy(const value& v) {
  switch (v.type()) {
    case kind::boolean: return v.as_bool();
    case kind::string: return !v.as_string().empty();
    case kind::number: return !std::isnan(v.as_number()) && v.as_number() != 0;
    case kind::object: return v.as_object().size() > 0;
    case kind::array: {
      const auto& items = v.as_array().items;
      if (items.size() == 1) return truthy(items[0]);
      for (auto& it : items)
        if (truthy(it)) return true;
      return false;
    }
    default: return false;  // null, undefined, functions
  }
}

// --- $number -----------------------------------------------------------------

namespace {

/// /^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$/
bool decimal_literal(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (!digits()) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

/// A prefixed literal 0x…/0o…/0b… occupying all of `s`, as Number(s) reads
/// it; nullopt otherwise.
std::optional<double> prefixed_literal(std::string_view s) {
  if (s.size() < 3 || s[0] != '0') return std::nullopt;
  int base = (s[1] == 'x' || s[1] == 'X') ? 16 : (s[1] == 'o' || s[1] == 'O') ? 8
             : (s[1] == 'b' || s[1] == 'B') ? 2 : 0;
  if (!base) return std::nullopt;
  double r = 0;
  for (size_t i = 2; i < s.size(); ++i) {
    int d = digit_value(s[i]);
    if (d >= base) return std::nullopt;
    r = r * base + d;
  }
  return r;
}

/// jsonata-js tests /^(0[xX][0-9A-Fa-f]+)|(0[oO][0-7]+)|(0[bB][0-1]+)$/: the
/// alternation binds looser than the anchors, so the hex literal need only
/// start the string, the octal one appear anywhere, the binary one end it.
bool looks_prefixed(std::string_view s) {
  auto run = [&](size_t at, int base) {
    size_t i = at + 2, n = 0;
    while (i < s.size() && digit_value(s[i]) < base) ++i, ++n;
    return std::make_pair(n > 0, i);
  };
  if (s.size() >= 3 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && run(0, 16).first) return true;
  for (size_t i = 0; i + 2 < s.size(); ++i)
    if (s[i] == '0' && (s[i + 1] == 'o' || s[i + 1] == 'O') && run(i, 8).first) return true;
  for (size_t i = 0; i + 2 < s.size(); ++i)
    if (s[i] == '0' && (s[i + 1] == 'b' || s[i + 1] == 'B')) {
      auto [ok, end] = run(i, 2);
      if (ok && end == s.size()) return true;
    }
  return false;
}

}  // namespace

double to_number(const value& v, call_context& ctx) {
  if (v.is_number()) return v.as_number();
  if (v.is_boolean()) return v.as_bool() ? 1 : 0;
  if (v.is_string()) {
    const std::string& s = v.as_string();
    if (decimal_literal(s)) {
      double d = std::strtod(s.c_str(), nullptr);
      if (std::isfinite(d)) return d;
    }
    if (looks_prefixed(s)) {
      // Number(s): surrounding white space is ignored; anything else that
      // is not exactly one literal gives NaN.
      size_t b = s.find_first_not_of(" \t\n\r\v\f");
      size_t e = s.find_last_not_of(" \t\n\r\v\f");
      std::string_view t = b == std::string::npos ? std::string_view()
                                                  : std::string_view(s).substr(b, e - b + 1);
      if (auto d = prefixed_literal(t)) return *d;
      return std::nan("");
    }
  }
  raise("D3030", ctx.position(), std::nullopt, v, value(), 1);
}

}  // namespace sc::jsonata
