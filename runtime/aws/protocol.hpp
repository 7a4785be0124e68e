// AWS wire protocols as the integrations need them: building a signed
// request for the JSON protocol (X-Amz-Target), the query protocol (SNS,
// STS: form-encoded Action=...), Lambda's Invoke (REST-JSON) and S3 (REST);
// reading error answers (JSON __type / x-amzn-ErrorType, query and S3 XML
// <Code>) into the error names Step Functions reports.
//
// Error names. AWS SDK integrations (aws-sdk:<service>:<action>): the
// service's PascalCase name, a dot, the error code with "Exception"
// appended when it does not end so (DynamoDb.ConditionalCheckFailedException,
// S3.NoSuchKeyException); the cause is the service's message followed by
// "(Service: <Name>, Status Code: <n>, Request ID: <id>)". Optimized
// integrations use the older SDK's names: DynamoDB.<Code>, SQS.<Code>,
// SNS.<Code>, Lambda.<Code>, EventBridge.<Code>, and for an answer without a
// code `<Prefix>.Amazon<Service>Exception` (SQS.AmazonSQSException); their
// cause reads "<message> (Service: AmazonSQS; Status Code: 400; Error Code:
// <Code>; Request ID: <id>; Proxy: null)".
//
// Pure: builds and reads bytes; the edge (actors/aws_call.cpp) sends them.
#pragma once

#include "runtime/aws/resolve.hpp"
#include "runtime/aws/sigv4.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sc::aws {

/// A request ready to send (the outbound client's shape, without its types).
struct wire_request {
  std::string method = "POST";
  std::string url;  ///< full URL: endpoint + path + query
  std::vector<http_header> headers;
  std::string body;
};

/// Splits "scheme://host[:port][/base]" into the Host header value and the
/// base path ("" or "/base"); false when it is not an http(s) URL.
bool split_endpoint(std::string_view endpoint, std::string& host_header, std::string& base_path,
                    bool& tls);

/// Signs `r` (adds Host, X-Amz-Date, Authorization...). `amz_date` from amz_date(now).
void sign_request(wire_request& r, const credentials& creds, const std::string& region,
                  std::string_view signing_name, const std::string& amz_date,
                  bool content_sha256 = false);

/// JSON protocol: POST / with X-Amz-Target <prefix>.<Operation>.
wire_request json_request(const service_info& svc, const std::string& endpoint,
                          std::string_view operation, std::string body);

/// Query protocol: POST / with a form body Action=<op>&Version=<v>&params...
wire_request query_request(const std::string& endpoint, std::string_view operation,
                           std::string_view version,
                           const std::vector<std::pair<std::string, std::string>>& params);

/// "form-encoded" value encoding of the query protocol.
std::string form_encode(std::string_view s);

/// XML text with its entities (&amp; &lt; &#x41; ...) decoded.
std::string xml_unescape(std::string_view s);

/// The first <tag>text</tag> of an XML document, entities decoded.
std::optional<std::string> xml_text(std::string_view xml, std::string_view tag);

/// An error answer read: code and message, empty when unknown.
struct service_error {
  std::string code;
  std::string message;
  std::string request_id;
  int status = 0;
};
/// Reads a non-2xx answer of any protocol (JSON body or XML body, the
/// x-amzn-ErrorType / x-amzn-query-error headers).
service_error read_error(int status, const std::vector<http_header>& headers, std::string_view body);

/// Whether an answer is worth retrying as the SDKs do: throttling codes
/// (Throttling, ThrottlingException, TooManyRequestsException,
/// ProvisionedThroughputExceededException, RequestLimitExceeded, SlowDown...)
/// and 5xx statuses (500, 502, 503, 504).
bool retryable(const service_error& e);

/// The error name and cause of an AWS SDK integration (see above).
std::pair<std::string, std::string> sdk_error(const service_info& svc, const service_error& e);

/// The error name and cause of an optimized integration; `prefix` is
/// "DynamoDB", "SQS", "SNS", "Lambda" or "EventBridge", `service` the
/// SDK's service name ("AmazonDynamoDBv2", "AmazonSQS", "AmazonSNS",
/// "AWSLambda", "AmazonEventBridge").
std::pair<std::string, std::string> optimized_error(std::string_view prefix,
                                                    std::string_view service,
                                                    const service_error& e);

/// "putItem" → "PutItem".
std::string operation_name(std::string_view action);

/// Re-cases every object key of a JSON text's first letter: to lower case
/// (`to_camel`) for a camelCase wire, or upper case for results. Texts that
/// are not JSON are returned unchanged.
std::string recase_keys(std::string_view json_text, bool to_camel);

/// The SdkHttpMetadata / SdkResponseMetadata members optimized
/// integrations add to a result ({"HttpStatusCode":200,...}), as JSON
/// members (without braces, starting with a comma).
std::string sdk_metadata_members(int status, const std::vector<http_header>& headers);

}  // namespace sc::aws
