// Where an AWS call goes and with which credentials, resolved the way the
// AWS SDKs resolve them, so that a user's existing setup just works.
//
// Pure: the caller (actors/aws_env.cpp) reads the environment variables and
// the shared config/credentials files once and passes their text here.
//
// Endpoint of a service, first match wins:
//   1. Statecraft's `aws.service_endpoints` ("sqs=http://...,s3=...") and
//      `aws.endpoint_url` (the config file on top of everything);
//   2. AWS_ENDPOINT_URL_<KEY> (KEY: the service id, spaces as '_', upper
//      case: SQS, DYNAMODB, EVENTBRIDGE, CLOUDWATCH_LOGS...), then
//      AWS_ENDPOINT_URL;
//   3. the profile's `services = <name>` section of the shared config file,
//      `<key> =` sub-section `endpoint_url`, then the profile's own
//      `endpoint_url`;
//   4. AWS's default https://<endpoint prefix>.<region>.amazonaws.com
//      (amazonaws.com.cn in cn-* regions).
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (or the profile's
// ignore_configure_endpoint_urls) skips 2 and 3.
//
// Credentials, first match wins: Statecraft's `aws.access_key_id` /
// `secret_access_key` / `session_token`; AWS_ACCESS_KEY_ID +
// AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN; skipped when `aws.profile`
// is set, like the CLI's --profile); the profile (`aws.profile`,
// AWS_PROFILE, else "default"): its `role_arn` chain (resolve_credentials
// below), its keys in the shared credentials file (~/.aws/credentials,
// AWS_SHARED_CREDENTIALS_FILE), its `credential_process`, its keys in the
// shared config file (~/.aws/config, AWS_CONFIG_FILE; `[profile name]`); the
// container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI under
// http://169.254.170.2, or AWS_CONTAINER_CREDENTIALS_FULL_URI with
// AWS_CONTAINER_AUTHORIZATION_TOKEN); the instance metadata service (IMDSv2;
// AWS_EC2_METADATA_DISABLED=true turns it off). The last two are fetched at
// the edge (actors/aws_env.cpp) and parsed by parse_metadata_credentials().
//
// Region: `aws.region`, AWS_REGION, AWS_DEFAULT_REGION, the profile's
// `region`, else the node's region.
#pragma once

#include "runtime/aws/sigv4.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sc::aws {

/// One row of the generated service table (services.inc, from botocore's
/// models): what the runtime needs to call a service.
struct service_info {
  std::string_view name;             ///< Step Functions' name: aws-sdk:<name>:<action>
  std::string_view error_prefix;     ///< "DynamoDb" in DynamoDb.ConditionalCheckFailedException
  std::string_view config_key;       ///< "dynamodb", "cloudwatch_logs"
  std::string_view endpoint_prefix;  ///< "dynamodb", "events", "logs"
  std::string_view signing_name;
  std::string_view protocol;         ///< "json", "rest-json", "query", "rest-xml", "ec2"
  std::string_view json_version;     ///< "1.0" / "1.1" (json protocol)
  std::string_view target_prefix;    ///< X-Amz-Target prefix (json protocol)
  std::string_view member_case;      ///< "pascal" or "camel": the wire's member names
};

/// By Step Functions' name ("dynamodb", "eventbridge", "sfn"...); also
/// accepts the endpoint prefix ("events", "states", "logs").
const service_info* find_service(std::string_view name);

/// The shared config / credentials files: sections of key = value, with
/// indented sub-sections (`s3 =` followed by indented `endpoint_url = ...`)
/// flattened to "s3.endpoint_url".
struct ini_file {
  std::map<std::string, std::map<std::string, std::string>> sections;
  const std::string* get(const std::string& section, const std::string& key) const;
};
ini_file parse_ini(std::string_view text);

/// Statecraft's own `aws:` settings (config/settings.hpp aws_settings), as
/// the resolution needs them.
struct statecraft_aws {
  std::string endpoint_url;
  std::map<std::string, std::string> service_endpoints;  ///< key: config key or aws-sdk name
  std::string region;
  std::string profile;
  credentials creds;  ///< empty access key = not configured
};

/// "sqs=http://a:1, s3=http://b:2" → map; false with `err` when malformed.
bool parse_service_endpoints(std::string_view text, std::map<std::string, std::string>& out,
                             std::string& err);

/// What the edge read: the AWS_* environment and the shared files' text.
struct environment {
  std::map<std::string, std::string> vars;  ///< AWS_* variables that are set
  ini_file config_file;                     ///< ~/.aws/config (or AWS_CONFIG_FILE)
  ini_file credentials_file;                ///< ~/.aws/credentials (or AWS_SHARED_CREDENTIALS_FILE)
  const std::string* var(const std::string& name) const;
};

struct resolved_endpoint {
  std::string url;     ///< scheme://host[:port][/base path], no trailing slash
  std::string source;  ///< where it came from, for errors: "AWS_ENDPOINT_URL_SQS", "default"...
  bool custom = false; ///< not AWS's default (S3 then uses path-style addressing)
};

/// The profile in use: aws.profile, AWS_PROFILE, else "default".
std::string profile_name(const statecraft_aws& cfg, const environment& env);
std::string resolve_region(const statecraft_aws& cfg, const environment& env,
                           const std::string& node_region);
resolved_endpoint resolve_endpoint(const service_info& svc, const std::string& region,
                                   const statecraft_aws& cfg, const environment& env);

/// One role of a profile's chain (`role_arn` in a shared config profile),
/// assumed through STS AssumeRole with the credentials below it.
struct role_hop {
  std::string profile;       ///< the profile that names the role
  std::string role_arn;
  std::string session_name;  ///< role_session_name; "" = the caller picks one
  std::string external_id;   ///< external_id; "" = none
  int duration_seconds = 0;  ///< duration_seconds; 0 = STS's default (one hour)
};

/// Where credentials come from: a base (`k`) and the roles of a profile
/// chain assumed on top of it, in order (`roles`, empty for plain keys).
struct credential_source {
  enum class kind { static_keys, container, instance_metadata, process, none, invalid } k = kind::none;
  credentials creds;        ///< static_keys
  std::string url;          ///< container: the full URL; instance_metadata: the IMDS base URL
  std::string auth_token;   ///< container: the Authorization header value, if any
  std::string command;      ///< process: the profile's credential_process command line
  std::string source;       ///< "environment", "shared credentials file (profile dev)"...
  std::vector<role_hop> roles;  ///< assumed in this order on top of the base
  std::string error;        ///< invalid: what is wrong with the profiles
};
/// Credentials as the SDKs resolve them, first match wins: Statecraft's
/// settings; AWS_ACCESS_KEY_ID/SECRET (+ SESSION_TOKEN); the profile: its
/// `role_arn` (with `source_profile`, which may itself name a role, or
/// `credential_source` Environment / Ec2InstanceMetadata / EcsContainer;
/// `role_session_name`, `external_id`, `duration_seconds`; a source profile
/// naming itself gives its own static keys; a loop of source profiles is
/// `invalid`), else its static keys in the credentials file, its
/// `credential_process`, its static keys in the config file; the container
/// endpoint; the instance metadata service.
credential_source resolve_credentials(const statecraft_aws& cfg, const environment& env);

/// Credentials in the JSON of the container and instance metadata
/// endpoints ({"AccessKeyId","SecretAccessKey","Token","Expiration"}).
/// `expiration_ms` is 0 when absent.
std::optional<credentials> parse_metadata_credentials(std::string_view json, int64_t& expiration_ms);

/// A credential_process command line split into arguments the way the
/// SDKs split it on POSIX (no shell: whitespace separates, '...' and "..."
/// quote, backslash escapes). Empty on an unterminated quote.
std::vector<std::string> split_command(std::string_view line);

/// The output of a credential_process ({"Version": 1, "AccessKeyId",
/// "SecretAccessKey", "SessionToken", "Expiration"}); `expiration_ms` 0
/// when absent (the credentials do not expire); nullopt with `err`.
std::optional<credentials> parse_process_credentials(std::string_view json, int64_t& expiration_ms,
                                                     std::string& err);

}  // namespace sc::aws
