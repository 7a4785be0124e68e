// aws-sdk:sfn:<action>: the shapes of a Step Functions API call made as an
// AWS SDK integration, around the node's own API (api/service.cpp).
//
// AWS's SDK integrations take the request members in the SDK's casing
// (PascalCase: "StateMachineArn", "LoggingConfiguration": {"Level": …}) and
// answer with the response members in the same casing, timestamps as the
// SDK renders them (ISO-8601, "2024-05-01T12:00:00.123Z"). The API speaks
// camelCase with epoch-second timestamps. An error of the API becomes the
// SDK's exception: "Sfn.<Name>Exception", cause "<message> (Service: Sfn,
// Status Code: 400, Request ID: <uuid>) (SDK Attempt Count: 1)".
// Used by actors/integrations.cpp and TestState (api/actions/test_state.cpp).
#pragma once

#include <string>

namespace sc::actors {

/// "describeExecution" → "DescribeExecution" (the API's operation name).
std::string sdk_operation(const std::string& action);

/// The API request body for a Task's Parameters/Arguments (JSON text):
/// every member name with its first letter lowered. `Input`, `Output`,
/// `Definition`, `Variables` and `Context` given as JSON (not as text) are
/// sent as their JSON text, as the SDK's string members take them.
std::string sdk_request_body(const std::string& parameters);

/// The Task's result for the API's response body: member names with their
/// first letter raised (except the keys of map members: variableReferences,
/// assignedVariables), timestamps as ISO-8601 text.
std::string sdk_result(const std::string& response_body);

struct sdk_error {
  std::string error;  ///< Sfn.<Name>Exception
  std::string cause;
};

/// The Task's error for an API error response (status, body with __type and
/// message).
sdk_error sdk_failure(int status, const std::string& response_body);

/// The same from an error's type ("InvalidToken") and message.
sdk_error sdk_failure(int status, const std::string& type, const std::string& message);

/// An error of the API called as the optimized integration
/// (states:startExecution): "StepFunctions.<Name>Exception", cause
/// "<message> (Service: AWSStepFunctions; Status Code: 400; Error Code:
/// <Name>; Request ID: <uuid>; Proxy: null)".
sdk_error optimized_failure(const std::string& type, const std::string& message);

/// The error type and message of an API error response body.
void error_of(const std::string& response_body, std::string& type, std::string& message);

}  // namespace sc::actors
