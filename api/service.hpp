// The Step Functions service: X-Amz-Target → action (actions.def), request
// body → members, aws_error → wire error. Knows nothing of Beast or CAF.
#pragma once

#include "actors/node.hpp"
#include "api/http_server.hpp"
#include "api/wire.hpp"
#include "runtime/model/arn.hpp"

namespace sc::api {

/// Everything an action needs for one request.
struct context {
  const json::value& body;
  members m;
  actors::node& node;
  cluster::store& store;
  const config::settings& cfg;
  responder done;
  liveness alive;

  void ok(std::string json_body) { done(response{200, std::move(json_body), {}}); }
};

/// Sends an api_error from the node as an AWS error response.
void send_error(const responder& done, const actors::api_error& e);

#define ACTION(op, fn) void fn(context& c);
#include "api/actions.def"
#undef ACTION

class service final : public handler {
 public:
  explicit service(actors::node& n) : node_(n) {}
  void handle(request req, responder done, liveness alive) override;

 private:
  actors::node& node_;
};

/// Runs one operation of this API in-process, as handle() runs a POST with
/// X-Amz-Target "AWSStepFunctions.<operation>" (aws-sdk:sfn Tasks,
/// TestState's calls). `done` may be called from any thread.
void call_operation(actors::node& n, const std::string& operation, std::string body,
                    responder done);

// Shared helpers for actions -------------------------------------------------

/// Parses a Step Functions ARN of the expected kind or throws InvalidArn.
model::arn require_arn(const std::string& text, model::arn_kind kind);
/// Checks a resource name or throws InvalidName.
void require_name(const std::string& name);
/// Tags from a request's `tags` member (throws on bad shapes / too many).
std::vector<cluster::tag> read_tags(const json::value* arr, const std::string& resource);
/// Page size from maxResults (0 or absent → 100; AWS allows up to 1000).
size_t page_size(const members& m);

}  // namespace sc::api
