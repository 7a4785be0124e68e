// Function signatures (`<s-nn?:s>`), for built-ins and for lambdas that
// declare one (`function($x)<n:n>{…}`).
//
// Parsing follows jsonata-js's signature grammar: simple types b n s l a o f
// j x (boolean, number, string, null, array, object, function, any JSON,
// anything), unions `(ns)`, typed arrays `a<n>`, function signatures
// `f<n:n>`, and the modifiers `?` (optional), `+` (one or more) and `-`
// (use the context value when the argument is missing). Validation checks a
// call's arguments, inserts the context value where `-` applies, wraps a
// single value in an array where an array is expected, and raises
// T0410/T0411/T0412 exactly as jsonata-js does.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/jsonata/error.hpp"

namespace sc::jsonata {

class signature {
 public:
  /// Parses `text` (throws `exception` with S0401/S0402 on a bad signature).
  static signature parse(std::string_view text);

  /// Validates `args` for a call of the function named `name` at
  /// `position`; `context` is the context value for `-`. Returns the
  /// argument list to pass on (context inserted, singletons wrapped).
  std::vector<value> validate(const std::vector<value>& args, const value& context,
                              std::string_view name, size_t position) const;

  /// As `validate`, rewriting `args` in place: when the arguments pass as
  /// they are (one argument per parameter, nothing inserted or wrapped, the
  /// common case) no new list is built.
  void validate_in_place(std::vector<value>& args, const value& context, std::string_view name,
                         size_t position) const;

  /// Number of declared parameters (for $map/$filter arity decisions).
  size_t parameter_count() const;
  const std::string& text() const;

  signature();
  ~signature();
  signature(const signature&);
  signature& operator=(const signature&);

 private:
  struct impl;
  std::shared_ptr<const impl> p_;
};

}  // namespace sc::jsonata
