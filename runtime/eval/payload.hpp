// Payload templates: Parameters, ResultSelector, ItemSelector (and legacy
// Map Parameters). A template is a JSON object whose fields ending in `.$`
// take their value from a path into the input, a `$$` path into the context
// object, a `$name` path into a workflow variable, or an intrinsic function
// call (States.Format(...), ...). Nested objects and arrays are templates
// too; other values are copied.
#pragma once

#include "runtime/eval/failure.hpp"
#include "runtime/json/json.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sc::eval {

class payload_template {
 public:
  /// Compiles `tmpl`. Every problem is appended to `diagnostics` as one
  /// line: "<location>/<field>: <message>" — e.g. an invalid path or a bad
  /// intrinsic call. Returns nullptr when there was any problem.
  static std::shared_ptr<const payload_template> compile(const json::value& tmpl,
                                                         std::string_view location,
                                                         std::vector<std::string>& diagnostics);

  /// Builds the payload. `input` is the state's effective input at this
  /// point, `context` the context object. Fails (States.Runtime /
  /// States.IntrinsicFailure with AWS's message) when a path has no match or
  /// an intrinsic fails.
  maybe_failure evaluate(const json::value& input, const json::value& context,
                         json::value& out, json::allocator& a, rng& random) const;

  /// As above, with workflow variables: `$name` paths (in fields and in
  /// intrinsic arguments) read member `name` of the object `variables`.
  maybe_failure evaluate(const json::value& input, const json::value& context,
                         const json::value& variables, json::value& out, json::allocator& a,
                         rng& random) const;

  ~payload_template();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  payload_template();
};

/// Evaluates a single intrinsic-function expression such as
/// `States.Format('x {}', $.a)` (used for Fail ErrorPath/CausePath and by
/// payload templates). Syntax errors are reported by `check_intrinsic`.
maybe_failure evaluate_intrinsic(std::string_view expression, const json::value& input,
                                 const json::value& context, json::value& out,
                                 json::allocator& a, rng& random);

/// As above, with workflow variables (`$name` arguments read member `name`
/// of the object `variables`).
maybe_failure evaluate_intrinsic(std::string_view expression, const json::value& input,
                                 const json::value& context, const json::value& variables,
                                 json::value& out, json::allocator& a, rng& random);

/// Empty string when `expression` is a syntactically valid intrinsic call
/// with a known function; otherwise a message describing the problem.
std::string check_intrinsic(std::string_view expression);

}  // namespace sc::eval
