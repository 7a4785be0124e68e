// The HTTP Task, `arn:aws:states:::http:invoke`, without the I/O: reading
// and checking the Task's arguments, building the request (with what its
// connection adds), shaping AWS's answer and its errors. The call itself
// is made by actors/http_invoke.cpp through actors/outbound_http.
//
// Arguments (AWS's): ApiEndpoint and Method (required), Authentication
// {ConnectionArn} or InvocationConfig {ConnectionArn} (one of them), Headers,
// QueryParameters, RequestBody, Transform {RequestBodyEncoding NONE |
// URL_ENCODED, RequestEncodingOptions {ArrayFormat INDICES | REPEAT |
// COMMAS | BRACKETS}}. Invalid arguments and forbidden headers fail the
// task with States.Runtime before anything is sent.
//
// Output: {"Headers": {name: [values...]}, "ResponseBody": JSON when the
// response's Content-Type is JSON (and it parses), else the text,
// "StatusCode": n, "StatusText": reason}. A status outside 200-299 fails
// the task with States.Http.StatusCode.<n>, the output as the cause.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sc::interp::http_task {

using pairs = std::vector<std::pair<std::string, std::string>>;

/// A failure of the task: TaskFailed's error and cause.
struct task_error {
  std::string error;
  std::string cause;
};

/// What a connection adds to every call (EventBridge's
/// InvocationHttpParameters plus the authorization header). Values may be
/// secrets: nothing here is ever put in an error or in history.
struct connection_additions {
  pairs headers;
  pairs query;
  pairs body;  ///< merged into a JSON object body / a URL-encoded body
};

enum class array_format { indices, repeat, commas, brackets };

/// The Task's arguments, read and checked.
struct arguments {
  std::string method;          ///< upper case
  std::string api_endpoint;    ///< as given (http:// or https://)
  std::string connection_arn;  ///< Authentication or InvocationConfig
  pairs headers;               ///< Headers, values as text
  pairs query;                 ///< QueryParameters, flattened (arrays repeat the key)
  bool has_body = false;
  std::string body_json;       ///< RequestBody as JSON text
  bool url_encoded = false;    ///< Transform.RequestBodyEncoding URL_ENCODED
  array_format arrays = array_format::indices;
};

/// Reads the effective parameters (JSON text). nullopt with `err` set
/// (States.Runtime) when they are not a valid HTTP Task's.
std::optional<arguments> read_arguments(std::string_view parameters, task_error& err);

/// The request to send.
struct request {
  std::string method;
  std::string url;
  pairs headers;
  std::string body;
};

/// Builds the request: ApiEndpoint + QueryParameters (+ the connection's),
/// headers (the Task's, then the connection's, which win on the same name;
/// plus Content-Type when the body needs one, User-Agent and Range as AWS
/// adds them), the body (JSON, text, or URL-encoded per Transform).
/// `region` goes into the User-Agent.
request build_request(const arguments& a, const connection_additions& c, std::string_view region);

/// The task's output for a response.
std::string shape_output(int status, std::string_view reason, const pairs& headers,
                         const std::string& body);

/// States.Http.StatusCode.<n> for a status outside 2xx (cause: the output).
std::optional<task_error> status_error(int status, const std::string& output);

/// "application/x-www-form-urlencoded" encoding of a JSON object's members
/// (nested objects as a[b]=c, arrays per `f`); "" for a non-object.
std::string url_encode_json(std::string_view json_object, array_format f);

/// RFC 3986 percent-encoding (unreserved characters kept).
std::string percent_encode(std::string_view s);

/// Standard base64 (for Basic authorization).
std::string base64(std::string_view bytes);

/// A header the HTTP Task may not set (AWS's list: Host, Connection,
/// x-amz-*, ...); the name is matched case-insensitively.
bool forbidden_header(std::string_view name);

/// The reason phrase of a status code ("" when unknown).
std::string_view standard_reason(int status);

}  // namespace sc::interp::http_task
