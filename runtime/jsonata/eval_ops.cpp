// Binary operators: arithmetic, comparison, equality, string concatenation,
// boolean and/or, ranges and `in`, with jsonata-js's type errors (T2001,
// T2002 for arithmetic, T2009/T2010 for comparisons, T2003/T2004/D2014 for
// ranges). Errors name the operator as their token and carry the operator's
// position. `and`/`or` evaluate their right side only when needed.
#include <cmath>

#include "runtime/jsonata/eval.hpp"
#include "runtime/jsonata/fn_array.hpp"

namespace sc::jsonata::detail {

namespace {

bool is_integer(const value& v) {
  if (!v.is_number()) return false;
  double d = v.as_number();
  return std::isfinite(d) && std::floor(d) == d;
}

value arithmetic(bop op, const value& l, const value& r) {
  if (!l.is_undefined() && !is_numeric(l)) raise("T2001", std::nullopt, std::nullopt, l);
  if (!r.is_undefined() && !is_numeric(r)) raise("T2002", std::nullopt, std::nullopt, r);
  if (l.is_undefined() || r.is_undefined()) return value();
  double a = l.as_number(), b = r.as_number();
  switch (op) {
    case bop::add: return value::number(a + b);
    case bop::sub: return value::number(a - b);
    case bop::mul: return value::number(a * b);
    case bop::div: return value::number(a / b);
    default: return value::number(std::fmod(a, b));
  }
}

value comparison(bop op, const value& l, const value& r) {
  bool lc = l.is_undefined() || l.is_string() || l.is_number();
  bool rc = r.is_undefined() || r.is_string() || r.is_number();
  if (!lc || !rc) {
    bool l_ok = l.is_string() || l.is_number();
    raise("T2010", std::nullopt, std::nullopt, !l_ok ? l : r);
  }
  if (l.is_undefined() || r.is_undefined()) return value();
  if (l.type() != r.type()) raise("T2009", std::nullopt, std::nullopt, l, r);
  int c;
  if (l.is_number()) {
    double a = l.as_number(), b = r.as_number();
    if (std::isnan(a) || std::isnan(b)) return value::boolean(false);
    c = a < b ? -1 : a > b ? 1 : 0;
  } else {
    const std::string& a = l.as_string();
    const std::string& b = r.as_string();
    c = a == b ? 0 : js_string_less(a, b) ? -1 : 1;
  }
  switch (op) {
    case bop::lt: return value::boolean(c < 0);
    case bop::le: return value::boolean(c <= 0);
    case bop::gt: return value::boolean(c > 0);
    default: return value::boolean(c >= 0);
  }
}

}  // namespace

value evaluator::eval_binary(const node* n, const value& input, const frame_ptr& env) {
  // Kept small: every nesting level of an arithmetic chain passes through it.
  value l = eval(n->lhs, input, env);
  if (n->op == bop::and_ || n->op == bop::or_) return eval_boolean(n, l, input, env);
  value r = eval(n->rhs, input, env);
  return binary_operator(n, l, r);
}

value evaluator::eval_boolean(const node* n, const value& l, const value& input,
                              const frame_ptr& env) {
  try {
    if (n->op == bop::and_) {
      if (!boolize(l)) return value::boolean(false);
      return value::boolean(boolize(eval(n->rhs, input, env)));
    }
    if (boolize(l)) return value::boolean(true);
    return value::boolean(boolize(eval(n->rhs, input, env)));
  } catch (exception& e) {
    // jsonata-js re-labels errors raised while evaluating the right side
    e.err().position = n->position;
    replace_token(e.err(), n->str);
    throw;
  }
}

value evaluator::binary_operator(const node* n, const value& l, const value& r) {
  try {
    switch (n->op) {
      case bop::add: case bop::sub: case bop::mul: case bop::div: case bop::mod:
        return arithmetic(n->op, l, r);
      case bop::eq:
        if (l.is_undefined() || r.is_undefined()) return value::boolean(false);
        return value::boolean(deep_equal(l, r));
      case bop::ne:
        if (l.is_undefined() || r.is_undefined()) return value::boolean(false);
        return value::boolean(!deep_equal(l, r));
      case bop::lt: case bop::le: case bop::gt: case bop::ge:
        return comparison(n->op, l, r);
      case bop::concat: {
        std::string s;
        if (!l.is_undefined()) s = stringify(l);
        if (!r.is_undefined()) s += stringify(r);
        if (s.size() > env_.lim.max_string_bytes)
          raise("D2014", n->position, std::nullopt, value::number(double(s.size())));
        // Copying counts as work: a loop that grows a string by appending
        // to it is quadratic, and must meet the step budget, not run for
        // minutes (`$reduce([1..9000000], function($a){$a & "x"}, "")`).
        tick(s.size() / 16);
        return value::string(std::move(s));
      }
      case bop::range: {
        if (!l.is_undefined() && !is_integer(l)) raise("T2003", std::nullopt, std::nullopt, l);
        if (!r.is_undefined() && !is_integer(r)) raise("T2004", std::nullopt, std::nullopt, r);
        if (l.is_undefined() || r.is_undefined()) return value();
        double a = l.as_number(), b = r.as_number();
        if (a > b) return value();
        double size = b - a + 1;
        if (size > 1e7 || size > double(env_.lim.max_sequence))
          raise("D2014", std::nullopt, std::nullopt, value::number(size));
        tick(size_t(size));
        std::vector<value> items;
        items.reserve(size_t(size));
        for (double x = a; x <= b; x += 1) items.push_back(value::number(x));
        return make_seq(std::move(items));
      }
      case bop::in: {
        if (l.is_undefined() || r.is_undefined()) return value::boolean(false);
        if (r.is_array()) {
          for (const value& x : r.as_array().items)
            if (strict_equal(x, l)) return value::boolean(true);
          return value::boolean(false);
        }
        return value::boolean(strict_equal(r, l));
      }
      default:
        return value();
    }
  } catch (exception& e) {
    error& err = e.err();
    err.position = n->position;
    set_token(err, n->str);
    throw;
  }
}

}  // namespace sc::jsonata::detail
