// Evaluation of Choice rules against a state's effective input.
#pragma once

#include "runtime/asl/ast.hpp"
#include "runtime/eval/failure.hpp"

namespace sc::asl {

/// Sets `matched` to the rule's verdict. Fails with States.Runtime (AWS's
/// wording) when a comparison's Variable or …Path operand is missing from the
/// input (except for IsPresent, which is how one tests for that).
/// `variables` (may be null) holds the workflow variables `$name` paths read.
eval::maybe_failure evaluate(const choice_rule& rule, const json::value& input,
                             const json::value& context, bool& matched,
                             const json::value* variables = nullptr);

}  // namespace sc::asl
