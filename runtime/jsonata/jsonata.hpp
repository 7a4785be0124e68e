// JSONata 2.0.6, natively: compile once, evaluate many times.
//
// `expression::compile` parses an expression into an immutable program
// (shared by every execution of a state machine revision; evaluating it is
// thread-safe). `evaluate` runs it against an input document with variable
// bindings and an environment (time, randomness, limits). Compile errors
// come back as values with a position for CreateStateMachine to report;
// evaluation errors are thrown as `exception` carrying the jsonata-js code
// and message.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "runtime/jsonata/environment.hpp"
#include "runtime/jsonata/error.hpp"
#include "runtime/jsonata/value.hpp"

namespace sc::jsonata {

namespace detail {
struct program;
}

/// Variables bound before evaluation, by name without the `$`.
using bindings = std::unordered_map<std::string, value>;

class expression {
 public:
  /// Parses `text`; an error value when it does not compile.
  static std::variant<expression, error> compile(std::string_view text);

  /// Evaluates against `input` (undefined for no input). Returns undefined
  /// when the expression yields nothing. Throws `exception`.
  value evaluate(const value& input, const bindings& vars, const environment& env) const;

  /// Names of the variables the expression reads from outside (free
  /// variables, without `$`; "" for the bare `$` context is not listed).
  /// Issue 12 uses it to reject `$states.result` where it cannot exist.
  const std::vector<std::string>& free_variables() const;

  /// The field names read right after `$states` (`$states.result.x` →
  /// "result"), once each; for the same check.
  const std::vector<std::string>& states_fields() const;

  const std::string& text() const;

 private:
  std::shared_ptr<const detail::program> p_;
};

}  // namespace sc::jsonata
