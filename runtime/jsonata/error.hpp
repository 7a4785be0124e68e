// JSONata errors as the reference implementation raises them.
//
// An error has the reference implementation's code (S0201, T1006, D3001,
// U1001, …), the character position and the token where it applies, and the
// message text of jsonata-js 2.0.6 with its {{token}} and {{value}}
// placeholders filled in. AWS writes "<code>: <message>" into the cause of
// States.QueryEvaluationError, so the text must match jsonata-js exactly.
// Compile errors are values (compile returns them); evaluation errors travel
// as `exception` and are caught at the evaluation boundary.
#pragma once

#include <exception>
#include <optional>
#include <string>

#include "runtime/jsonata/value.hpp"

namespace sc::jsonata {

struct error {
  std::string code;                 ///< "T2002"
  std::optional<size_t> position;   ///< character offset (jsonata-js counts UTF-16 units)
  std::optional<std::string> token; ///< the token the error names, when it names one
  std::string message;              ///< filled-in message text
  value val;                        ///< the offending value ({{value}}), when there is one
  value val2;                       ///< a second value (some codes name two)
  std::optional<size_t> index;      ///< argument index (signature errors, {{index}})

  /// "<code>: <message>", the form AWS puts into a cause.
  std::string describe() const { return code + ": " + message; }
};

/// The message template of `code` (e.g. T2002 → "The {{token}} operator can
/// only be applied to numbers"); empty for an unknown code.
const char* message_template(std::string_view code);

/// Builds an error: looks up the template and fills in {{token}}, {{value}},
/// {{value2}} and {{index}} as jsonata-js does.
error make_error(std::string code, std::optional<size_t> position = {},
                 std::optional<std::string> token = {}, value val = {}, value val2 = {},
                 std::optional<size_t> index = {});

class exception : public std::exception {
 public:
  explicit exception(error e) : e_(std::move(e)) {}
  const char* what() const noexcept override { return e_.message.c_str(); }
  const error& err() const { return e_; }
  error& err() { return e_; }

 private:
  error e_;
};

/// Throws make_error(...).
[[noreturn]] void raise(std::string code, std::optional<size_t> position = {},
                        std::optional<std::string> token = {}, value val = {}, value val2 = {},
                        std::optional<size_t> index = {});

}  // namespace sc::jsonata
