// The HTTP Task's I/O (http_invoke.hpp).
#include "actors/http_invoke.hpp"

#include "actors/node.hpp"
#include "actors/outbound_http.hpp"
#include "runtime/interp/http_task.hpp"
#include "runtime/interp/integration.hpp"
#include "runtime/json/json.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace sc::actors {

namespace ht = interp::http_task;
using ev = interp::ev_integration;

namespace {

constexpr int64_t kRequestLimitMs = 60'000;  ///< AWS: 60 s per HTTP Task request
constexpr std::size_t kBodyCap = 2 * 1024 * 1024;

ev outcome(int64_t task, ev::kind k, std::string output = {}) {
  ev e;
  e.task = task;
  e.k = k;
  e.output = std::move(output);
  return e;
}

ev failure(int64_t task, std::string error, std::string cause) {
  ev e = outcome(task, ev::kind::failed);
  e.error = std::move(error);
  e.cause = std::move(cause);
  return e;
}

/// The token endpoint's answer: access_token and expires_in (seconds).
std::optional<std::pair<std::string, int64_t>> read_token(const std::string& body) {
  json::document d;
  if (!json::parse(body, d) || !d.IsObject()) return std::nullopt;
  auto t = d.FindMember("access_token");
  if (t == d.MemberEnd() || !t->value.IsString() || t->value.GetStringLength() == 0)
    return std::nullopt;
  int64_t expires = 3600;
  if (auto e = d.FindMember("expires_in"); e != d.MemberEnd()) {
    if (e->value.IsNumber()) expires = static_cast<int64_t>(e->value.GetDouble());
    else if (e->value.IsString()) expires = std::atoll(e->value.GetString());
  }
  return std::make_pair(std::string(t->value.GetString(), t->value.GetStringLength()), expires);
}

std::string join_query(const std::string& url, const std::string& query) {
  if (query.empty()) return url;
  return url + (url.find('?') == std::string::npos ? "?" : "&") + query;
}

}  // namespace

struct http_invoker::impl {
  std::map<std::string, config::connection_settings> connections;
  outbound::client client;

  /// OAuth tokens per connection ARN.
  struct token_state {
    std::string token;
    int64_t refresh_at_ms = 0;  ///< fetch a new one from then on
    bool fetching = false;
    std::vector<std::function<void(std::optional<std::string>, ht::task_error)>> waiting;
  };
  std::mutex mu;
  std::map<std::string, token_state> tokens;

  explicit impl(const config::settings& s) : client(client_options(s)) {
    for (const auto& c : s.connections) connections.emplace(c.arn, c);
  }

  static outbound::client_options client_options(const config::settings& s) {
    outbound::client_options o;
    o.allow = s.outbound.allow;
    o.max_concurrent = s.outbound.max_concurrent_calls;
    o.ca_file = s.outbound.ca_file;
    o.max_body_bytes = kBodyCap;
    o.user_agent.clear();  // the HTTP Task sets AWS's
    return o;
  }

  using token_cb = std::function<void(std::optional<std::string>, ht::task_error)>;

  /// Hands `cb` a valid token of the OAuth connection `c` (cached, or
  /// fetched once for everyone waiting). `fresh`: the cached one was
  /// refused (401), fetch another.
  void with_token(const config::connection_settings& c, bool fresh, token_cb cb) {
    std::optional<std::string> ready;
    bool start = false;
    {
      std::lock_guard lk(mu);
      auto& st = tokens[c.arn];
      if (fresh && !st.fetching) st.token.clear();
      if (!st.token.empty() && now_ms() < st.refresh_at_ms) {
        ready = st.token;
      } else {
        st.waiting.push_back(std::move(cb));
        if (!st.fetching) st.fetching = start = true;
      }
    }
    if (ready) return cb(std::move(ready), {});
    if (start) fetch_token(c);
  }

  void fetch_token(const config::connection_settings& c) {
    std::string form = "grant_type=client_credentials";
    if (!c.scopes.empty()) {
      std::string scope;
      for (const auto& s : c.scopes) scope += (scope.empty() ? "" : " ") + s;
      form += "&scope=" + ht::percent_encode(scope);
    }
    for (const auto& [k, v] : c.oauth_parameters.body)
      form += "&" + ht::percent_encode(k) + "=" + ht::percent_encode(v);
    std::string query;
    for (const auto& [k, v] : c.oauth_parameters.query)
      query += (query.empty() ? "" : "&") + ht::percent_encode(k) + "=" + ht::percent_encode(v);
    outbound::request r;
    r.method = c.http_method;
    if (c.http_method == "GET") {
      query = query.empty() ? form : form + "&" + query;
    } else {
      r.body = form;
      r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    }
    r.url = join_query(c.token_endpoint, query);
    r.headers.emplace_back("Authorization", "Basic " + ht::base64(c.client_id + ":" + c.client_secret));
    r.headers.emplace_back("Accept", "application/json");
    for (const auto& h : c.oauth_parameters.headers) r.headers.push_back(h);
    outbound::call_options o;
    o.total_timeout = std::chrono::milliseconds(kRequestLimitMs);
    const std::string arn = c.arn;
    client.call(std::move(r), o, [this, arn](outbound::result res) {
      std::optional<std::string> token;
      ht::task_error err;
      if (res.error == outbound::error_kind::shutdown) return;  // nobody hears
      std::vector<token_cb> waiting;
      {
        std::lock_guard lk(mu);
        auto& st = tokens[arn];
        st.fetching = false;
        if (!res.ok()) {
          err = {"Events.ConnectionResource.AuthInvalidResponse",
                 "The OAuth token endpoint of connection '" + arn + "' could not be reached: " +
                     res.message};
        } else if (res.response.status < 200 || res.response.status >= 300) {
          err = {"Events.ConnectionResource.AuthInvalidResponse",
                 "The OAuth token endpoint of connection '" + arn + "' answered HTTP " +
                     std::to_string(res.response.status) + "."};
        } else if (auto t = read_token(res.response.body)) {
          const int64_t life_ms = std::max<int64_t>(t->second, 1) * 1000;
          st.token = t->first;
          // refresh a little before it expires (a tenth of its life, at most a minute)
          st.refresh_at_ms = now_ms() + life_ms - std::min<int64_t>(life_ms / 10, 60'000);
          token = t->first;
        } else {
          err = {"Events.ConnectionResource.AuthInvalidResponse",
                 "The OAuth token endpoint of connection '" + arn +
                     "' did not answer with an access_token."};
        }
        waiting.swap(st.waiting);
      }
      for (auto& w : waiting) w(token, err);
    });
  }

  /// Sends the request with the connection's authorization; retries once
  /// with a new OAuth token on 401.
  void send(const ht::arguments& a, const config::connection_settings& c, std::string region,
            int64_t timeout_ms, int64_t task, deliver_fn deliver, bool retried) {
    ht::connection_additions add;
    add.headers = c.invocation_parameters.headers;
    add.query = c.invocation_parameters.query;
    add.body = c.invocation_parameters.body;
    auto go = [this, a, c, region, timeout_ms, task, deliver, retried](ht::connection_additions add) {
      ht::request req = ht::build_request(a, add, region);
      outbound::request r{req.method, req.url, std::move(req.headers), std::move(req.body)};
      outbound::call_options o;
      o.total_timeout = std::chrono::milliseconds(timeout_ms);
      o.connect_timeout = std::chrono::milliseconds(std::min<int64_t>(timeout_ms, 10'000));
      client.call(std::move(r), o, [this, a, c, region, timeout_ms, task, deliver, retried](outbound::result res) {
        if (res.error == outbound::error_kind::shutdown) return;
        if (!res.ok()) {
          if (res.error == outbound::error_kind::body_too_large)
            return deliver(failure(task, "States.DataLimitExceeded", res.message));
          return deliver(failure(task, "States.Http.Socket", res.message));
        }
        if (res.response.status == 401 && c.authorization_type == "OAUTH_CLIENT_CREDENTIALS" && !retried)
          return send(a, c, region, timeout_ms, task, deliver, true);
        std::string out = ht::shape_output(res.response.status, res.response.reason,
                                           res.response.headers, res.response.body);
        if (auto e = ht::status_error(res.response.status, out))
          return deliver(failure(task, e->error, e->cause));
        deliver(outcome(task, ev::kind::succeeded, std::move(out)));
      });
    };
    const std::string& t = c.authorization_type;
    if (t == "API_KEY") {
      add.headers.emplace_back(c.api_key_name, c.api_key_value);
    } else if (t == "BASIC") {
      add.headers.emplace_back("Authorization", "Basic " + ht::base64(c.username + ":" + c.password));
    } else if (t == "OAUTH_CLIENT_CREDENTIALS") {
      with_token(c, retried, [go, add, task, deliver](std::optional<std::string> token,
                                                      ht::task_error err) mutable {
        if (!token) return deliver(failure(task, err.error, err.cause));
        add.headers.emplace_back("Authorization", "Bearer " + *token);
        go(std::move(add));
      });
      return;
    }
    go(std::move(add));
  }
};

http_invoker::http_invoker(const config::settings& s) : impl_(std::make_shared<impl>(s)) {}

http_invoker::~http_invoker() { stop(); }

void http_invoker::stop() { impl_->client.stop(); }

void http_invoker::call(const std::string& execution_arn, const interp::cmd_call_integration& c,
                        deliver_fn deliver) {
  const int64_t task = c.task;
  ht::task_error err;
  auto args = ht::read_arguments(c.parameters, err);
  if (!args) return deliver(failure(task, err.error, err.cause));
  auto conn = impl_->connections.find(args->connection_arn);
  if (conn == impl_->connections.end())
    return deliver(failure(task, "Events.ConnectionResource.ResourceNotFound",
                           "Connection '" + args->connection_arn +
                               "' does not exist (define it under connections: in the node's "
                               "config file)."));
  int64_t timeout_ms = kRequestLimitMs;
  if (c.timeout_seconds > 0) timeout_ms = std::min<int64_t>(timeout_ms, c.timeout_seconds * 1000);
  deliver(outcome(task, ev::kind::started));
  impl_->send(*args, conn->second, interp::arn_region(execution_arn), timeout_ms, task,
              std::move(deliver), false);
}

}  // namespace sc::actors
