// TestState's internals: test_state.cpp checks the request and builds the
// definition; test_state_exec.cpp runs the one state through the runner.
#pragma once

#include "runtime/asl/ast.hpp"
#include "runtime/interp/test_state.hpp"
#include "runtime/json/json.hpp"

namespace sc::interp::detail {

/// Runs state `index` of machine `machine` once. `context` (may be null)
/// is merged over the generated Context object. A request the state
/// cannot take (a mock it does not accept) comes back as `refusal`.
void run_test_state(const asl::definition& def, int machine, int index, const test_request& req,
                    const json::value* context, test_result& out);

/// fieldValidationMode (test_state_mock_shapes.cpp): a mocked Task result
/// against the output shape of the API `resource` calls, when Statecraft
/// knows it (Step Functions' own). "" when it passes (or is not checked),
/// else AWS's ValidationException message.
std::string check_mock_shape(const std::string& resource, const json::value& result,
                             const std::string& mode);

}  // namespace sc::interp::detail
