// TestState: one step of one state, as AWS's TestState API runs it.
//
// No execution, no history, nothing stored: the state is entered with the
// given input, variables and Context object, does its work (a Task, Map or
// Parallel answers with the request's mock instead of calling anything; a
// Wait answers at once), and the answer is what the state decided: status
// SUCCEEDED, FAILED, RETRIABLE (a retrier would run it again) or
// CAUGHT_ERROR (a catcher took the error), the output, the error and cause,
// the next state, and the inspection data of the data flow at DEBUG/TRACE.
//
// Both the API (api/actions/test_state.cpp) and `statecraft test-state`
// call `test_state`; a refused request comes back as `refusal` with AWS's
// error type and message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sc::interp {

enum class inspection_level { info, debug, trace };

struct test_mock {
  std::optional<std::string> result;   ///< JSON text
  bool error_output = false;           ///< errorOutput given
  std::optional<std::string> error, cause;
  std::string field_validation = "STRICT";  ///< STRICT, PRESENT or NONE
};

struct test_request {
  std::string definition;               ///< one state, or a whole machine with state_name
  std::optional<std::string> state_name;
  std::string role_arn;                 ///< "" when not given
  std::string input = "{}";
  inspection_level level = inspection_level::info;
  bool reveal_secrets = false;
  std::optional<std::string> variables;  ///< JSON object text
  std::optional<std::string> context;    ///< JSON object text, merged over the generated $$
  std::optional<test_mock> mock;
  /// The caller (the API) can call what an unmocked Task names when it is
  /// a request-response states:startExecution or aws-sdk:sfn:<action>: such
  /// a Task is not refused; the result says what to call (call_resource)
  /// and the caller runs the state again with the call's outcome as mock.
  bool can_call = false;
  /// Evaluate a Task's Credentials (RoleArn, RoleArn.$, JSONata) into
  /// test_result::call_role, failing the state as an execution would when
  /// it does not resolve (the API sets it when it makes the Task's call).
  bool resolve_credentials = false;
  // stateConfiguration
  std::optional<int64_t> retrier_retry_count;
  std::optional<std::string> error_caused_by_state;
  std::optional<int64_t> map_iteration_failure_count;
  std::optional<std::string> map_item_reader_data;
  // What the Context object is built from.
  std::string region = "us-east-1";
  std::string account = "123456789012";
  int64_t now_ms = 0;
  uint64_t seed = 0;
};

/// The request was refused: AWS's error type (InvalidDefinition,
/// InvalidExecutionInput, ValidationException) and message.
struct test_refusal {
  std::string type, message;
};

/// inspectionData: each member present only when AWS reports it. String
/// members hold JSON text.
struct test_inspection {
  std::optional<std::string> input, after_input_path, after_parameters, after_arguments, result,
      after_result_selector, after_result_path, variables;
  std::optional<std::string> after_items_path, after_item_selector, after_item_batcher,
      after_items_pointer;
  std::optional<int64_t> tolerated_failure_count;
  std::optional<double> tolerated_failure_percentage;
  std::optional<int64_t> max_concurrency;
  std::optional<int64_t> catch_index, retry_index, retry_backoff_seconds;
};

struct test_result {
  std::optional<test_refusal> refusal;  ///< set: nothing else is
  std::string status;                   ///< SUCCEEDED, FAILED, RETRIABLE, CAUGHT_ERROR
  std::optional<std::string> output, error, cause, next_state;
  std::optional<test_inspection> inspection;  ///< DEBUG and TRACE only
  /// can_call: the Task's Resource to call (nothing else is set).
  std::optional<std::string> call_resource;
  /// resolve_credentials: the Task's Credentials role ("" = none).
  std::optional<std::string> call_role;
};

[[nodiscard]] test_result test_state(const test_request& req);

/// The TestStateOutput body (AWS JSON 1.0) for a result that was not refused.
std::string to_json(const test_result& r);

}  // namespace sc::interp
