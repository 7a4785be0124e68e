// The Step Functions service: X-Amz-Target → action (actions.def), request
// body → members, aws_error → wire error. Knows nothing of Beast or CAF.
#pragma once

#include "actors/node.hpp"
#include "api/http_server.hpp"
#include "api/wire.hpp"
#include "runtime/model/arn.hpp"

namespace sc::api {

class gate;

/// Everything an action needs for one request.
struct context {
  const json::value& body;
  members m;
  actors::node& node;
  cluster::store& store;
  const config::settings& cfg;
  responder done;
  liveness alive;
  /// The caller's Region and account (api/auth.hpp): the namespace the
  /// request works in; new ARNs carry them.
  const std::string& region;
  const std::string& account;
  /// The request gate (api/auth.hpp), for checks an action makes itself.
  gate* gatekeeper = nullptr;

  void ok(std::string json_body) { done(response{200, std::move(json_body), {}}); }
};

/// Sends an api_error from the node as an AWS error response.
void send_error(const responder& done, const actors::api_error& e);

#define ACTION(op, fn) void fn(context& c);
#include "api/actions.def"
#undef ACTION

class service final : public handler {
 public:
  explicit service(actors::node& n);
  ~service() override;
  void handle(request req, responder done, liveness alive) override;

 private:
  actors::node& node_;
  std::unique_ptr<gate> gate_;  ///< auth, Region/account, rate quotas
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
/// "arn:aws:states:REGION:ACCOUNT:" of the caller's namespace.
std::string namespace_prefix(const context& c);

/// Drops the items of `p` past the first whose ARN lacks `prefix` (and the
/// next-page key with them): a page of one namespace's sorted range.
template <class Page>
void keep_prefix(Page& p, const std::string& prefix) {
  for (size_t i = 0; i < p.items.size(); ++i) {
    if (p.items[i].arn.compare(0, prefix.size(), prefix) != 0) {
      p.items.resize(i);
      p.next.clear();
      return;
    }
  }
}

/// Page size from maxResults (0 or absent → 100; AWS allows up to 1000).
size_t page_size(const members& m);

}  // namespace sc::api
