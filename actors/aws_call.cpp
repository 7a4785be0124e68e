// AWS service calls (aws_call.hpp).
#include "actors/aws_call.hpp"

#include "actors/aws_credentials.hpp"
#include "actors/aws_env.hpp"
#include "actors/outbound_http.hpp"
#include "runtime/aws/calls.hpp"
#include "runtime/aws/resolve.hpp"
#include "runtime/aws/rest_json_sdk.hpp"
#include "runtime/json/json.hpp"
#include "runtime/interp/integration.hpp"
#include "runtime/model/time.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace sc::actors {

namespace {

using ev = interp::ev_integration;
using clock_type = std::chrono::steady_clock;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ev answer(int64_t task, ev::kind k, std::string output) {
  ev e;
  e.task = task;
  e.k = k;
  e.output = std::move(output);
  return e;
}

ev failure(int64_t task, std::string error, std::string cause, bool start = false) {
  ev e = answer(task, start ? ev::kind::start_failed : ev::kind::failed, "");
  e.error = std::move(error);
  e.cause = std::move(cause);
  return e;
}

outbound::header_list to_outbound(const std::vector<aws::http_header>& h) {
  outbound::header_list out;
  out.reserve(h.size());
  for (const auto& x : h) out.emplace_back(x.name, x.value);
  return out;
}

std::vector<aws::http_header> from_outbound(const outbound::header_list& h) {
  std::vector<aws::http_header> out;
  out.reserve(h.size());
  for (const auto& [n, v] : h) out.push_back({n, v});
  return out;
}

/// Connection-level errors the SDKs retry.
bool transient(outbound::error_kind k) {
  using e = outbound::error_kind;
  return k == e::connection_refused || k == e::connect_failed || k == e::timeout ||
         k == e::protocol_error;
}

}  // namespace

struct aws_calls::impl : std::enable_shared_from_this<aws_calls::impl> {
  config::aws_settings cfg_settings;
  std::string node_region;
  aws::statecraft_aws cfg;
  aws::environment env;
  deliver_fn deliver;
  outbound::client http;

  std::shared_ptr<aws_credentials> creds;

  std::mutex mu;
  // per-service concurrency
  std::map<std::string, int> inflight;
  std::map<std::string, std::deque<std::function<void()>>> waiting;
  // retry timer
  std::multimap<clock_type::time_point, std::function<void()>> timers;
  std::condition_variable cv;
  bool stopping = false;
  std::thread timer_thread;
  std::mt19937_64 rng{std::random_device{}()};

  impl(const config::settings& s, deliver_fn d)
      : cfg_settings(s.aws),
        node_region(s.node.region),
        cfg(statecraft_aws_of(s.aws)),
        env(read_aws_environment()),
        deliver(std::move(d)),
        http(client_options_of(s.aws)),
        creds(std::make_shared<aws_credentials>(s.aws, s.node.region, cfg, env, http)) {}

  static outbound::client_options client_options_of(const config::aws_settings& a) {
    outbound::client_options o;
    o.max_concurrent = 1024;  // per-service bounds are ours
    o.user_agent = "statecraft aws-integrations";
    (void)a;
    return o;
  }

  void start() {
    timer_thread = std::thread([self = shared_from_this()] { self->timer_loop(); });
  }

  void stop() {
    {
      std::lock_guard lock(mu);
      if (stopping) return;
      stopping = true;
    }
    cv.notify_all();
    if (timer_thread.joinable()) timer_thread.join();
    {
      std::lock_guard lock(mu);
      timers.clear();  // their jobs hold this impl
      waiting.clear();
    }
    creds->stop();  // a credential_process still running answers no one
    http.stop();  // calls still running answer `shutdown` now, on the client's threads
  }

  void timer_loop() {
    std::unique_lock lock(mu);
    while (!stopping) {
      if (timers.empty()) {
        cv.wait(lock);
        continue;
      }
      auto due = timers.begin()->first;
      if (clock_type::now() < due) {
        cv.wait_until(lock, due);
        continue;
      }
      auto job = std::move(timers.begin()->second);
      timers.erase(timers.begin());
      lock.unlock();
      job();
      lock.lock();
    }
  }

  void after(std::chrono::milliseconds d, std::function<void()> job) {
    {
      std::lock_guard lock(mu);
      if (stopping) return;
      timers.emplace(clock_type::now() + d, std::move(job));
    }
    cv.notify_all();
  }

  std::chrono::milliseconds backoff(int attempt) {
    // Full jitter: uniform in [0, min(20 s, 100 ms * 2^attempt)].
    int64_t cap = std::min<int64_t>(20000, int64_t(100) << std::min(attempt, 10));
    std::lock_guard lock(mu);
    return std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(cap / 4, cap)(rng));
  }

  // ---- per-service concurrency --------------------------------------------

  void acquire(const std::string& service, std::function<void()> job) {
    {
      std::lock_guard lock(mu);
      int& n = inflight[service];
      if (n >= cfg_settings.max_concurrent_per_service) {
        waiting[service].push_back(std::move(job));
        return;
      }
      ++n;
    }
    job();
  }

  void release(const std::string& service) {
    std::function<void()> next;
    {
      std::lock_guard lock(mu);
      auto& q = waiting[service];
      if (q.empty()) {
        --inflight[service];
        return;
      }
      next = std::move(q.front());
      q.pop_front();
    }
    next();
  }

  // ---- one signed exchange with retries --------------------------------------

  struct exchange {
    std::string service;       ///< concurrency key
    std::string role;          ///< role ARN to assume ("" = the node's credentials)
    std::string signing_name;
    std::string region;
    aws::resolved_endpoint endpoint;
    aws::wire_request request;  ///< unsigned
    bool s3 = false;
    int attempt = 0;
    /// The answer (or the client error message); `retry_hint`: set by the
    /// caller's reader to ask for another attempt.
    std::function<bool(const outbound::result&)> wants_retry;
    std::function<void(const outbound::result&)> done;
    std::function<void(const std::string&)> no_credentials;
  };

  void run(std::shared_ptr<exchange> x) {
    auto self = shared_from_this();
    acquire(x->service, [self, x] { self->attempt(x); });
  }

  void attempt(std::shared_ptr<exchange> x) {
    auto self = shared_from_this();
    creds->get(x->role, [self, x](std::optional<aws::credentials> c, std::string why) {
      if (!c) {
        self->release(x->service);
        return x->no_credentials(why + " (needed to call " + x->endpoint.url + ")");
      }
      aws::wire_request w = x->request;
      aws::sign_request(w, *c, x->region, x->signing_name, aws::amz_date(wall_ms()), x->s3);
      outbound::request r;
      r.method = w.method;
      r.url = w.url;
      r.headers = to_outbound(w.headers);
      r.body = std::move(w.body);
      outbound::call_options o;
      o.total_timeout = std::chrono::milliseconds(
          static_cast<int64_t>(self->cfg_settings.timeout_seconds * 1000));
      o.connect_timeout = std::min(o.connect_timeout, o.total_timeout);
      self->http.call(std::move(r), o, [self, x](outbound::result res) {
        ++x->attempt;
        if (x->attempt < self->cfg_settings.max_attempts && x->wants_retry(res)) {
          self->after(self->backoff(x->attempt), [self, x] { self->attempt(x); });
          return;
        }
        self->release(x->service);
        x->done(res);
      });
    });
  }

  std::string where(const aws::resolved_endpoint& e) const {
    return "endpoint " + e.url + " from " + e.source;
  }

  // ---- Task integrations ------------------------------------------------------

  void call(const std::string& arn, const interp::cmd_call_integration& c, const std::string& role) {
    auto self = shared_from_this();
    call_with(c, role, [self, arn](ev e) { self->deliver(arn, std::move(e)); });
  }

  void call_with(const interp::cmd_call_integration& c, const std::string& role,
                 std::function<void(ev)> deliver) {
    std::string why;
    auto plan = aws::plan_call(c.resource, &why);
    if (!plan || !plan->svc)
      return deliver(failure(c.task, "States.Runtime",
                                  "Statecraft cannot call the resource '" + c.resource + "': " + why,
                                  true));
    std::string region = aws::resolve_region(cfg, env, node_region);
    if (plan->kind == aws::call_kind::lambda_legacy) {
      // The function's own region.
      std::string r = interp::arn_region(plan->function);
      if (!r.empty()) region = r;
    }
    auto endpoint = aws::resolve_endpoint(*plan->svc, region, cfg, env);
    std::string error, cause;
    auto req = aws::build_request(*plan, endpoint.url, c.parameters, error, cause);
    if (!req) return deliver(failure(c.task, error, cause));
    auto x = std::make_shared<exchange>();
    x->service = std::string(plan->svc->name);
    x->role = role;
    x->signing_name = std::string(plan->svc->signing_name);
    x->region = region;
    x->endpoint = endpoint;
    x->s3 = x->signing_name == "s3";  // S3's signing rules (aws-sdk:s3:*)
    if (x->s3 && plan->kind == aws::call_kind::sdk_rest_json) {
      // aws.s3_addressing as for Distributed Map's S3 calls: virtual-hosted
      // on AWS's endpoints for DNS-safe bucket names, path-style otherwise.
      json::document p;
      if (json::parse(c.parameters, p) && p.IsObject())
        if (auto b = p.FindMember("Bucket"); b != p.MemberEnd() && b->value.IsString()) {
          const std::string bucket = b->value.GetString();
          const std::string& mode = cfg_settings.s3_addressing;
          const bool path = mode == "path" || (mode == "auto" && (endpoint.custom || bucket.find('.') != std::string::npos));
          if (!path) req->url = aws::s3_virtual_hosted(req->url, endpoint.url, bucket);
        }
    }
    x->request = std::move(*req);
    const int64_t task = c.task;
    auto self = shared_from_this();
    auto p = std::make_shared<aws::call_plan>(*plan);
    x->wants_retry = [p](const outbound::result& r) {
      if (!r.ok()) return transient(r.error);
      return aws::read_response(*p, r.response.status, from_outbound(r.response.headers),
                                r.response.body)
          .retry;
    };
    x->done = [self, p, deliver, task, endpoint](const outbound::result& r) {
      if (!r.ok()) {
        auto o = aws::client_failure(*p, r.message + " (" + self->where(endpoint) + ")");
        return deliver(failure(task, o.error, o.cause));
      }
      auto o = aws::read_response(*p, r.response.status, from_outbound(r.response.headers),
                                  r.response.body);
      if (!o.ok) return deliver(failure(task, o.error, o.cause));
      deliver(answer(task, p->wait_for_token ? ev::kind::submitted : ev::kind::succeeded,
                                o.output));
    };
    x->no_credentials = [p, deliver, task](const std::string& msg) {
      auto o = aws::client_failure(*p, msg);
      o.cause = msg;
      deliver(failure(task, o.error, o.cause));
    };
    run(x);
  }

  // ---- raw S3 ---------------------------------------------------------------

  std::string s3_base(const std::string& bucket, bool& path_style) {
    const aws::service_info* s3 = aws::find_service("s3");
    std::string region = aws::resolve_region(cfg, env, node_region);
    auto ep = aws::resolve_endpoint(*s3, region, cfg, env);
    const std::string& mode = cfg_settings.s3_addressing;
    path_style = mode == "path" || (mode == "auto" && (ep.custom || bucket.find('.') != std::string::npos));
    if (path_style) return ep.url + "/" + aws::uri_encode(bucket);
    // virtual-hosted: https://bucket.s3.region.amazonaws.com
    auto scheme = ep.url.find("://");
    return ep.url.substr(0, scheme + 3) + bucket + "." + ep.url.substr(scheme + 3);
  }

  void send(const std::string& service, aws::wire_request r, std::function<void(raw_answer)> then) {
    const aws::service_info* svc = aws::find_service(service);
    if (!svc) {
      raw_answer out;
      out.error = "unknown service " + service;
      return then(std::move(out));
    }
    auto x = std::make_shared<exchange>();
    x->service = service;
    x->signing_name = std::string(svc->signing_name);
    x->region = aws::resolve_region(cfg, env, node_region);
    x->endpoint = aws::resolve_endpoint(*svc, x->region, cfg, env);
    x->s3 = service == "s3";
    x->request = std::move(r);
    auto cb = std::make_shared<std::function<void(raw_answer)>>(std::move(then));
    x->wants_retry = [](const outbound::result& res) {
      if (!res.ok()) return transient(res.error);
      auto e = aws::read_error(res.response.status, from_outbound(res.response.headers), res.response.body);
      return res.response.status >= 300 && aws::retryable(e);
    };
    auto self = shared_from_this();
    x->done = [self, cb, ep = x->endpoint](const outbound::result& res) {
      raw_answer a;
      if (!res.ok()) {
        a.error = res.message + " (" + self->where(ep) + ")";
      } else {
        a.ok = true;
        a.status = res.response.status;
        a.headers = from_outbound(res.response.headers);
        a.body = res.response.body;
      }
      (*cb)(std::move(a));
    };
    x->no_credentials = [cb](const std::string& msg) {
      raw_answer a;
      a.error = msg;
      (*cb)(std::move(a));
    };
    run(x);
  }

  raw_answer send_blocking(const std::string& service, aws::wire_request r) {
    auto promise = std::make_shared<std::promise<raw_answer>>();
    auto fut = promise->get_future();
    send(service, std::move(r), [promise](raw_answer a) { promise->set_value(std::move(a)); });
    return fut.get();
  }
};

aws_calls::aws_calls(const config::settings& s, deliver_fn deliver)
    : impl_(std::make_shared<impl>(s, std::move(deliver))) {
  impl_->start();
}

aws_calls::~aws_calls() { stop(); }

void aws_calls::stop() {
  if (impl_) impl_->stop();
}

bool aws_calls::handles(std::string_view resource) {
  return aws::plan_call(resource).has_value();
}

void aws_calls::call(const std::string& execution_arn, const interp::cmd_call_integration& c,
                     const std::string& role_arn) {
  impl_->call(execution_arn, c, role_arn);
}

void aws_calls::call(const interp::cmd_call_integration& c, const std::string& role_arn,
                     std::function<void(interp::ev_integration)> answer) {
  impl_->call_with(c, role_arn, std::move(answer));
}

bool aws_calls::assumes_roles() const { return impl_->cfg_settings.assume_role != "never"; }

aws_calls::raw_answer aws_calls::send_blocking(const std::string& service, aws::wire_request r) {
  return impl_->send_blocking(service, std::move(r));
}

void aws_calls::send(const std::string& service, aws::wire_request r, std::function<void(raw_answer)> then) {
  impl_->send(service, std::move(r), std::move(then));
}

std::string aws_calls::s3_base(const std::string& bucket, bool& path_style) {
  return impl_->s3_base(bucket, path_style);
}

}  // namespace sc::actors
