// Static analyses of a definition beyond what makes it valid or invalid:
// the WARNING diagnostics of ValidateStateMachineDefinition and the
// variableReferences of DescribeStateMachine. Both walk the definition's
// JSON (every machine: the top level, Parallel branches, Map processors),
// state by state, in the state's query language. Neither changes what
// counts as an error: `parse` still decides that alone.
#pragma once

#include "runtime/asl/parse.hpp"
#include "runtime/json/json.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sc::asl {

// Warning codes, as AWS documents them.
inline constexpr const char* kNoDollar = "NO_DOLLAR";
inline constexpr const char* kNoPath = "NO_PATH";
inline constexpr const char* kPassResultIsStatic = "PASS_RESULT_IS_STATIC";

/// WARNING diagnostics of a definition whose top level is an object, in
/// document order (JSONPath states only: JSONata states have no paths):
///  * NO_DOLLAR: a payload-template field (Parameters, ResultSelector,
///    ItemSelector, Assign, BatchInput, ItemReader/ResultWriter Parameters)
///    without `.$` whose value looks like a path or an intrinsic call, so
///    it is passed on as a literal string;
///  * NO_PATH: a field with a `…Path` twin (Fail Error/Cause, Wait
///    Timestamp, Choice String*/Timestamp* comparisons) whose value looks
///    like a path, so it is compared or used literally;
///  * PASS_RESULT_IS_STATIC: a Pass state's Result that looks like a path
///    or an intrinsic, or holds a `.$` key: Result is never evaluated.
std::vector<diagnostic> warnings(const json::value& root);

/// State name → the workflow variables the state reads, each once in
/// order of first appearance; states reading none are left out.
/// JSONata states: the free variables of every `{% %}` expression (not
/// `$states`, not built-in functions). JSONPath states: the `$name` paths
/// of path fields (…Path, Variable), of `.$` template fields and of the
/// arguments of intrinsic calls. Empty for a definition that is not JSON.
using variable_references_map = std::vector<std::pair<std::string, std::vector<std::string>>>;
variable_references_map variable_references(std::string_view definition_text);

}  // namespace sc::asl
