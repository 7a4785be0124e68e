// Request dispatch and the one place where errors become responses.
#include "api/service.hpp"

#include "api/admin_clock.hpp"
#include "api/auth.hpp"
#include "api/namespaces.hpp"
#include "api/static_assets.hpp"
#include "api/static_assets_info.hpp"

#include "observability/metrics.hpp"
#include "runtime/model/arn.hpp"

#include <chrono>
#include <unordered_map>

namespace sc::api {

namespace {

using action_fn = void (*)(context&);

/// An operation's handler and its metrics (labels resolved here, once).
struct action_entry {
  action_fn fn;
  obs::api_op_metrics* metrics;
};

const std::unordered_map<std::string, action_entry>& action_table() {
  static const std::unordered_map<std::string, action_entry> table = {
#define ACTION(op, fn) {"AWSStepFunctions." #op, {&fn, obs::api_op(#op)}},
#include "api/actions.def"
#undef ACTION
  };
  return table;
}

std::string error_json(const std::string& type, const std::string& message,
                       const std::string& extra = {}) {
  std::string body = "{\"__type\":\"com.amazonaws.swf.service.v2.model#" + type +
                     "\",\"message\":" + json::quote(message);
  if (!extra.empty()) body += "," + extra;
  return body + "}";
}

response error_response(const std::string& type, const std::string& message, int status = 400,
                        const std::string& extra = {}) {
  return response{status, error_json(type, message, extra), type};
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void send_error(const responder& done, const actors::api_error& e) {
  int status = e.type == "ServiceException" || e.type == "ServiceUnavailable" ? 500 : 400;
  done(error_response(e.type, e.message, status));
}

service::service(actors::node& n) : node_(n), gate_(std::make_unique<gate>(n.settings())) {}

service::~service() = default;

void service::handle(request req, responder done, liveness alive) {
  if (req.method == "GET" && req.path == "/metrics")
    return done(response{200, obs::render(), {}, obs::content_type});
  if (req.path.size() > 1 && handle_admin_clock(req, done, node_)) return;
  if (req.method == "GET" && handle_static_asset(req, done, node_.settings().api.console_dir)) return;
  if (req.method == "GET" && handle_console_info(req, done, node_.settings().api.console_dir,
                                                 node_.settings().auth.mode, node_.settings().node.region))
    return;
  if (req.method != "POST") {
    return done(error_response("UnknownOperationException",
                               "Only POST requests are served (AWS JSON 1.0 protocol)"));
  }
  auto& table = action_table();
  auto it = table.find(req.target);
  if (it == table.end()) {
    if (req.target.empty())
      return done(error_response("MissingAuthenticationTokenException",
                                 "Missing X-Amz-Target header"));
    return done(error_response(
        "UnknownOperationException",
        "Unknown operation: '" + (json::valid_utf8(req.target) ? req.target : "?") + "'"));
  }
  done = [d = std::move(done), m = it->second.metrics, t0 = obs::now_us()](response r) {
    m->done(t0, r.status);
    d(std::move(r));
  };
  // Authentication, the caller's Region and account, rate quotas.
  caller who;
  const std::string_view operation = std::string_view(req.target).substr(17);  // "AWSStepFunctions."
  if (auto refused = gate_->admit(req, operation, who, gate_->auth_on() ? wall_ms() : 0))
    return done(std::move(*refused));
  json::document body;
  std::string perr;
  std::string_view text = req.body;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) text = "{}";
  if (!json::parse_untrusted(text, body, &perr))
    return done(error_response("SerializationException", "Malformed JSON request body: " + perr));
  if (!body.IsObject())
    return done(error_response("SerializationException",
                               "The request body must be a JSON object"));
  try {
    // ARNs of another Region or account name nothing here (api/namespaces.hpp).
    if (auto hidden = foreign_arn_response(operation, body, who.region, who.account))
      return done(std::move(*hidden));
    context c{body,  members(body), node_,         node_.store(), node_.settings(),
              done,  std::move(alive), who.region, who.account,   gate_.get()};
    it->second.fn(c);
  } catch (const aws_error& e) {
    done(error_response(e.type, e.message, e.status, e.extra_json));
  } catch (const cluster::store_unavailable& e) {
    // The store (Redis) is down or restarting: a retryable server fault.
    done(error_response("ServiceUnavailable",
                        std::string("The execution store is unavailable, retry later: ") + e.what(),
                        503));
  } catch (const std::exception& e) {
    done(error_response("InternalFailure", std::string("Internal error: ") + e.what(), 500));
  }
}

void call_operation(actors::node& n, const std::string& operation, std::string body,
                    responder done) {
  // A service holds only the node: actions keep nothing of it once they
  // return (their request body is handle()'s local too).
  service s(n);
  request req;
  req.method = "POST";
  req.path = "/";
  req.target = "AWSStepFunctions." + operation;
  req.body = std::move(body);
  s.handle(std::move(req), std::move(done), [] { return true; });
}

model::arn require_arn(const std::string& text, model::arn_kind kind) {
  auto a = model::parse_arn(text);
  if (!a || a->kind != kind) throw aws_error("InvalidArn", "Invalid Arn: '" + text + "'");
  return *a;
}

void require_name(const std::string& name) {
  auto msg = model::check_name(name);
  if (!msg.empty()) throw aws_error("InvalidName", msg);
}

std::vector<cluster::tag> read_tags(const json::value* arr, const std::string& resource) {
  std::vector<cluster::tag> tags;
  if (!arr) return tags;
  size_t i = 0;
  for (auto& t : arr->GetArray()) {
    if (!t.IsObject()) throw aws_error("SerializationException", "Expected a tag object");
    members tm(t, "tags." + std::to_string(++i) + ".member.");
    cluster::tag tag;
    tag.key = tm.required_str("key", 1, 128);
    tag.value = tm.str("value", 0, 256).value_or("");
    tags.push_back(std::move(tag));
  }
  return tags;
}

std::string namespace_prefix(const context& c) {
  return "arn:aws:states:" + c.region + ":" + c.account + ":";
}

size_t page_size(const members& m) {
  auto n = m.integer("maxResults", 0, 1000).value_or(0);
  return n == 0 ? 100 : static_cast<size_t>(n);
}

}  // namespace sc::api
