// Definition text → compiled `definition`, with the full static validation
// AWS performs on CreateStateMachine/UpdateStateMachine.
#pragma once

#include "runtime/asl/ast.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sc::asl {

struct diagnostic {
  std::string code;      ///< AWS's code, e.g. "SCHEMA_VALIDATION_FAILED", "MISSING_TRANSITION_TARGET"
  std::string message;   ///< e.g. "The field 'Type' should have one of these values: [...]"
  std::string location;  ///< e.g. "/States/Foo/Next"
};

struct parse_result {
  std::shared_ptr<const definition> def;  ///< null when diagnostics is non-empty
  std::vector<diagnostic> diagnostics;
  /// WARNING diagnostics (analysis.hpp): never make a definition invalid.
  std::vector<diagnostic> warnings;
};

parse_result parse(std::string_view text);

/// AWS's InvalidDefinition message for a list of diagnostics:
/// "Invalid State Machine Definition: 'CODE: message at /loc, CODE: ...'".
std::string format_diagnostics(const std::vector<diagnostic>& diags);

}  // namespace sc::asl
