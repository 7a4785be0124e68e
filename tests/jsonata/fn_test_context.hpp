// A call_context for unit-testing built-ins without the evaluator: it
// applies built-ins (validating their signatures) and regexes, counts
// nothing, and draws "random" bits from a fixed sequence.
#pragma once

#include <catch2/catch.hpp>

#include "runtime/jsonata/fn_string.hpp"
#include "runtime/jsonata/functions.hpp"

namespace sc::jsonata::test {

class fn_context : public call_context {
 public:
  environment e;
  uint64_t state = 0x9E3779B97F4A7C15ull;

  value apply(const value& fn, std::vector<value> args) override {
    const function_node& f = fn.as_function();
    if (f.kind == function_node::variety::regex)
      return apply_regex(*this, static_cast<const regex_function&>(f), args);
    const auto& n = static_cast<const native_function&>(f);
    std::vector<value> v = n.sig ? n.sig->validate(args, value::null(), n.name, 0) : args;
    return n.fn(*this, v);
  }
  size_t arity(const value& fn) const override {
    const function_node& f = fn.as_function();
    if (f.kind == function_node::variety::native) return static_cast<const native_function&>(f).arity;
    return 1;
  }
  const environment& env() const override { return e; }
  void tick(size_t) override {}
  size_t position() const override { return 0; }
  uint64_t random_bits() override {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }

  /// Calls built-in `name` as the evaluator would (signature first).
  value call(std::string_view name, std::vector<value> args, value context = {}) {
    const value* f = builtin_value(name);
    REQUIRE(f != nullptr);
    const auto& n = static_cast<const native_function&>(f->as_function());
    std::vector<value> v = n.sig->validate(args, context, name, 0);
    return n.fn(*this, v);
  }
};

inline value S(const char* s) { return value::string(s); }
inline value N(double d) { return value::number(d); }
inline value A(std::vector<value> v) { return value::array(std::move(v)); }
inline value J(const char* json) {
  value v;
  REQUIRE(from_json_text(json, v));
  return v;
}
inline value re(const char* pattern, const char* flags = "") {
  error err;
  auto r = regex::compile(pattern, flags, &err);
  REQUIRE(r);
  return value::function(std::make_shared<regex_function>(r));
}

/// The code of the error `f` throws, or "" when it does not throw.
template <class F>
std::string code_of(F&& f) {
  try {
    f();
  } catch (const exception& e) {
    return e.err().code;
  }
  return "";
}

}  // namespace sc::jsonata::test
