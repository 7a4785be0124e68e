// AWS service calls of the node: the Task integrations of runtime/aws/calls.hpp
// (lambda:invoke, the legacy Lambda ARN, sqs, sns, dynamodb, events,
// aws-sdk:<JSON service>) and signed S3 requests for Distributed Map.
//
// A call: resolve the region, the endpoint and the credentials the way the
// AWS SDKs do (runtime/aws/resolve.hpp; the environment and the shared files
// are read once, at start), build the request, sign it (SigV4) with the wall
// clock, send it with the node's generic HTTP client (actors/outbound_http),
// and turn the answer into an ev_integration (succeeded; submitted for
// `.waitForTaskToken`; failed with AWS's error name). Throttling, 5xx and
// connection errors are retried inside the call, as the SDKs do: up to
// aws.max_attempts attempts with exponential back-off and jitter (100 ms
// base, 20 s cap). At most aws.max_concurrent_per_service calls run per
// service; more wait their turn in a FIFO. Every failure that is not the
// service's answer names the endpoint and where it came from
// ("...connection refused (endpoint http://127.0.0.1:1 from AWS_ENDPOINT_URL)").
//
// Credentials: actors/aws_credentials.hpp (the SDK chain, profile role
// chains, credential_process; with aws.assume_role auto/always, the Task's
// Credentials.RoleArn or the state machine's roleArn assumed through STS).
//
// Threads: call() never blocks; answers are handled on the HTTP client's
// thread, retries wait on this module's timer thread. Private to actors/.
#pragma once

#include "config/settings.hpp"
#include "runtime/aws/protocol.hpp"
#include "runtime/interp/command.hpp"
#include "runtime/interp/event.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace sc::actors {

class aws_calls {
 public:
  using deliver_fn = std::function<void(const std::string&, interp::ev_integration)>;
  aws_calls(const config::settings& s, deliver_fn deliver);
  ~aws_calls();
  aws_calls(const aws_calls&) = delete;
  aws_calls& operator=(const aws_calls&) = delete;

  /// Whether `resource` is an AWS integration this module calls.
  static bool handles(std::string_view resource);
  /// Makes the call of `c` for the execution `execution_arn`, with the
  /// credentials of `role_arn` (the state machine's role) assumed through
  /// STS when aws.assume_role is auto or always ("" = the node's own).
  void call(const std::string& execution_arn, const interp::cmd_call_integration& c,
            const std::string& role_arn = "");
  /// The same call answered to `answer` (TestState): on an HTTP client
  /// thread, exactly once; it must not block.
  void call(const interp::cmd_call_integration& c, const std::string& role_arn,
            std::function<void(interp::ev_integration)> answer);
  /// Whether aws.assume_role asks for roles to be assumed at all.
  bool assumes_roles() const;

  /// The answer of a raw signed call (S3 for Distributed Map).
  struct raw_answer {
    bool ok = false;           ///< an HTTP answer arrived (any status)
    std::string error;         ///< !ok: why not (names the endpoint)
    int status = 0;
    std::vector<aws::http_header> headers;
    std::string body;
  };
  /// Sends `r` (url relative to the service's endpoint: "/bucket/key?x=y")
  /// to `service` ("s3"), signed, with retries of 5xx/throttling/connection
  /// errors. Blocking variant for worker threads (never a CAF or io thread);
  /// Distributed Map's S3 calls use `send` (actors/aws_map_io.cpp).
  raw_answer send_blocking(const std::string& service, aws::wire_request r);
  /// The same without blocking: `then` runs on the HTTP client's (or the
  /// retry timer's) thread with the answer; it must not block.
  void send(const std::string& service, aws::wire_request r, std::function<void(raw_answer)> then);
  /// The base URL S3 calls use and whether path-style addressing applies.
  std::string s3_base(const std::string& bucket, bool& path_style);

  void stop();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace sc::actors
