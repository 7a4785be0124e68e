// The AWS service integrations of the Task state, as pure functions: which
// Resources they are, the request each one sends, the result or error each
// answer becomes. The edge (actors/aws_call.cpp) resolves the endpoint and
// credentials, signs, sends, retries and delivers.
//
// Optimized integrations (AWS's request and response shapes):
//   arn:aws:states:::lambda:invoke[.waitForTaskToken]     Lambda Invoke (REST-JSON)
//   arn:aws:lambda:<region>:<account>:function:<name>     the legacy Resource: the
//                                                         input is the payload, the
//                                                         function's answer the result
//   arn:aws:states:::sqs:sendMessage[.waitForTaskToken]   SQS (JSON protocol)
//   arn:aws:states:::sns:publish[.waitForTaskToken]       SNS (query protocol)
//   arn:aws:states:::dynamodb:getItem|putItem|updateItem|deleteItem
//   arn:aws:states:::events:putEvents[.waitForTaskToken]  EventBridge (JSON 1.1)
// AWS SDK integrations of JSON-protocol services:
//   arn:aws:states:::aws-sdk:<service>:<action>[.waitForTaskToken]
// (aws-sdk:sfn stays with actors/integrations.cpp.)
#pragma once

#include "runtime/aws/protocol.hpp"
#include "runtime/aws/resolve.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sc::aws {

enum class call_kind : uint8_t {
  lambda_invoke,  ///< lambda:invoke
  lambda_legacy,  ///< arn:aws:lambda:...:function:name
  sqs_send,
  sns_publish,
  dynamodb,
  events_put,
  sdk_json,  ///< aws-sdk:<JSON-protocol service>:<action>
  sdk_query,  ///< aws-sdk:<query-protocol service>:<action> (query_sdk.hpp)
  sdk_rest_json,  ///< aws-sdk:<rest-json service>:<action> (rest_json_sdk.hpp)
};

struct call_plan {
  call_kind kind = call_kind::sdk_json;
  const service_info* svc = nullptr;
  std::string operation;     ///< PascalCase operation name ("PutItem")
  std::string error_prefix;  ///< optimized: "DynamoDB", "SQS", "SNS", "Lambda", "EventBridge"
  std::string sdk_service;   ///< optimized: "AmazonDynamoDBv2", "AmazonSQS", ...
  std::string function;      ///< lambda_legacy: the function ARN
  bool wait_for_token = false;
};

/// Whether `resource` is one of the integrations above (pure syntax: the
/// service exists and the action/pattern is supported). `why` explains a
/// refusal of an aws-sdk / optimized resource this module recognises.
std::optional<call_plan> plan_call(std::string_view resource, std::string* why = nullptr);

/// True for a legacy Lambda function ARN used as a Task Resource.
bool is_lambda_function_arn(std::string_view resource);

/// The request for `parameters` (the Task's effective input, JSON text)
/// against `endpoint` (no trailing slash). On a parameter error, returns
/// nothing and sets `error`/`cause` (a States.Runtime-style failure).
std::optional<wire_request> build_request(const call_plan& plan, const std::string& endpoint,
                                          std::string_view parameters, std::string& error,
                                          std::string& cause);

/// What an answer becomes.
struct call_outcome {
  bool ok = false;
  std::string output;        ///< ok: the Task's result (JSON text)
  std::string error, cause;  ///< !ok
  bool retry = false;        ///< !ok: throttling or 5xx, worth another attempt
};

/// Reads an HTTP answer (any status).
call_outcome read_response(const call_plan& plan, int status, const std::vector<http_header>& headers,
                           std::string_view body);

/// The failure of a call that got no answer (connection refused, timeout,
/// no credentials...): `<Prefix>.SdkClientException` with `message`.
call_outcome client_failure(const call_plan& plan, const std::string& message);

}  // namespace sc::aws
