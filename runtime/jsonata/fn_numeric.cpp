// Numeric built-ins: $number, $abs, $floor, $ceil, $round, $power, $sqrt,
// $random, $sum, $max, $min, $average.
//
// $round is jsonata-js's: round half to even at `precision` decimal
// places, shifting the decimal point in the number's *text* (scientific
// notation exponent arithmetic) rather than multiplying by a power of ten,
// which would introduce binary noise (1.005 * 100 is 100.49999999999999).
// -0 comes out as 0 (JSON has no negative zero).
//
// $random: with no argument it draws from the environment's generator
// ((bits >> 11) * 2^-53, uniform in [0, 1)). Step Functions extends it with
// an optional seed; that variant is java.util.Random and lives in
// fn_sfn.cpp, which registers the one `random` entry.
#include <cmath>
#include <cstdlib>

#include "runtime/jsonata/fn_util.hpp"

namespace sc::jsonata {
namespace fn {
namespace {

value f_number(call_context& ctx, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  return value::number(to_number(v, ctx));
}

template <double (*F)(double)>
value unary(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  return value::number(F(v.as_number()));
}

double js_abs(double d) { return std::fabs(d); }
double js_floor(double d) { return std::floor(d); }
double js_ceil(double d) { return std::ceil(d); }

/// Math.round: half rounds toward +∞, exactly (no x + 0.5 rounding error).
double js_math_round(double x) {
  if (!std::isfinite(x)) return x;
  double f = std::floor(x);
  return x - f >= 0.5 ? f + 1 : f;
}

/// +(mantissa + "e" + (exponent + shift)) on the number's JS text.
double shift_decimal(double d, double shift) {
  std::string text = format_number_js(d);
  size_t e = text.find('e');
  double exp = 0;
  std::string mant = text;
  if (e != std::string::npos) {
    mant = text.substr(0, e);
    exp = std::strtod(text.c_str() + e + 1, nullptr);
  }
  std::string s = mant + "e" + format_number_js(exp + shift);
  char* end = nullptr;
  double r = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nan("");
  return r;
}

value f_round(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  double x = v.as_number();
  const value& p = arg(args, 1);
  double precision = p.is_number() ? p.as_number() : 0;
  bool shift = precision != 0 && !std::isnan(precision);
  if (shift) x = shift_decimal(x, precision);
  double r = js_math_round(x);
  double diff = r - x;
  if (std::fabs(diff) == 0.5 && std::fabs(std::fmod(r, 2)) == 1) r -= 1;
  if (shift) r = shift_decimal(r, -precision);
  if (r == 0) r = 0;  // no -0
  return value::number(r);
}

value f_sqrt(call_context& ctx, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  if (v.as_number() < 0) raise_at("D3060", ctx, v, 1);
  return value::number(std::sqrt(v.as_number()));
}

value f_power(call_context& ctx, std::vector<value>& args) {
  const value& base = arg(args, 0);
  if (base.is_undefined()) return value();
  const value& exp = arg(args, 1);
  double e = exp.as_number();
  double b = base.as_number();
  // Math.pow differs from C's pow: (±1) ** ±∞ and 1 ** NaN are NaN.
  double r = (std::fabs(b) == 1 && !std::isfinite(e)) ? std::nan("") : std::pow(b, e);
  if (!std::isfinite(r)) {
    // {{exp}} is filled from val2 (error.cpp's mapping).
    raise("D3061", ctx.position(), std::nullopt, base, exp, 1);
  }
  return value::number(r);
}

value f_sum(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  double total = 0;
  for (auto& it : v.as_array().items) total += it.as_number();
  return value::number(total);
}

value f_max(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined() || v.as_array().size() == 0) return value();
  double m = -INFINITY;
  for (auto& it : v.as_array().items) {
    double d = it.as_number();
    if (std::isnan(d)) return value::number(d);
    if (d > m || (d == 0 && m == 0 && !std::signbit(d))) m = d;
  }
  return value::number(m);
}

value f_min(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined() || v.as_array().size() == 0) return value();
  double m = INFINITY;
  for (auto& it : v.as_array().items) {
    double d = it.as_number();
    if (std::isnan(d)) return value::number(d);
    if (d < m || (d == 0 && m == 0 && std::signbit(d))) m = d;
  }
  return value::number(m);
}

value f_average(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined() || v.as_array().size() == 0) return value();
  double total = 0;
  for (auto& it : v.as_array().items) total += it.as_number();
  return value::number(total / double(v.as_array().size()));
}

const builtin table[] = {
    {"number", "<(nsb)-:n>", f_number},
    {"abs", "<n-:n>", unary<js_abs>},
    {"floor", "<n-:n>", unary<js_floor>},
    {"ceil", "<n-:n>", unary<js_ceil>},
    {"round", "<n-n?:n>", f_round},
    {"power", "<n-n:n>", f_power},
    {"sqrt", "<n-:n>", f_sqrt},
    {"sum", "<a<n>:n>", f_sum},
    {"max", "<a<n>:n>", f_max},
    {"min", "<a<n>:n>", f_min},
    {"average", "<a<n>:n>", f_average},
};

}  // namespace
}  // namespace fn

std::span<const builtin> tables::numeric_functions() { return fn::table; }

}  // namespace sc::jsonata
