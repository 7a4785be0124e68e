// JSONata field values of the States Language (`"QueryLanguage": "JSONata"`).
//
// A JSONata state's fields (Output, Arguments, Assign, ItemSelector, Items,
// Condition, Seconds, …) hold JSON in which every string of the form
// `{% expression %}` is a JSONata expression, at any depth of objects and
// arrays; object keys are never evaluated and other values are literals.
// `jsonata_template` is such a value compiled once per state machine
// revision: each expression is parsed once and shared by every execution.
// Subtrees without expressions are kept as ready literals.
//
// Evaluation binds `$states` (input, result, errorOutput, context: built by
// the caller with only what the state offers) and the workflow variables
// the expressions read, and passes the execution's time and generator in
// through the environment. Failures are States.QueryEvaluationError with
// AWS's wording and the field path where they happened (`Output/result`,
// `Arguments/list[2]`), without the "An error occurred while executing the
// state …" prefix the interpreter adds.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/eval/failure.hpp"
#include "runtime/json/json.hpp"
#include "runtime/jsonata/jsonata.hpp"

namespace sc::eval {

/// What the expressions of one state evaluation see.
struct jsonata_scope {
  /// `states` (the `$states` object) and the workflow variables read.
  jsonata::bindings bindings;
  const jsonata::environment* env = nullptr;
};

/// A compile problem: where and what (AWS's message without its code).
struct jsonata_problem {
  std::string code;      ///< INVALID_JSONATA_EXPRESSION / UNSUPPORTED_JSONATA_EXPRESSION
  std::string message;
  std::string location;  ///< e.g. /States/S/Output/a
};

/// True for a string that is a whole `{% … %}` expression.
bool is_jsonata_expression(std::string_view s);

class jsonata_template {
 public:
  /// Which `$states` fields the state offers where the value is used.
  struct offers {
    bool result = false;
    bool error_output = false;
  };

  /// Compiles `v` located at `location` (for problems) whose field path
  /// in runtime messages is `field` (e.g. "Output"). Returns nullptr when
  /// there was a problem (all appended to `problems`).
  static std::shared_ptr<const jsonata_template> compile(const json::value& v,
                                                         const std::string& location,
                                                         const std::string& field, offers o,
                                                         std::vector<jsonata_problem>& problems);

  /// Evaluates into `out`. A failure is States.QueryEvaluationError; when
  /// given, `*where` is the field path of the failing expression ("" when
  /// the whole value failed in a way with no location).
  maybe_failure evaluate(const jsonata_scope& scope, json::value& out, json::allocator& a,
                         std::string* where = nullptr) const;

  /// As `evaluate`, as a JSONata value (for fields with a type to check).
  maybe_failure evaluate_value(const jsonata_scope& scope, jsonata::value& out,
                               std::string* where = nullptr) const;

  /// True when the whole value is one expression.
  bool is_expression() const;
  /// The whole value's expression text (trimmed), when `is_expression()`.
  const std::string& expression_text() const;
  /// Workflow variables the expressions read (no `states`), each once.
  const std::vector<std::string>& variables() const;
  /// Whether an expression reads `$states.context` (the caller builds it only then).
  bool reads_context() const;

  ~jsonata_template();
  struct node;

 private:
  jsonata_template();
  std::unique_ptr<node> root_;
  std::vector<std::string> variables_;
  bool reads_context_ = false;
};

/// "The JSONata expression '<expr>' specified for the field '<field>' …"
/// failure texts, shared with the typed-field checks of the interpreter.
failure jsonata_unexpected_type(std::string_view expr, std::string_view field,
                                std::string_view expected, const jsonata::value& got);

}  // namespace sc::eval
