// statecraft-traffic: the driver (one connection pool per endpoint, users
// and open-loop starts spread over them). The report is in report.cpp.
#include "tools/traffic/runner.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <csignal>
#include <stdexcept>
#include <cstdio>

namespace sc::traffic {

using namespace std::chrono_literals;

latency_summary latency::summary() const {
  latency_summary s;
  s.count = us_.size();
  if (us_.empty()) return s;
  std::vector<uint32_t> v = us_;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    // Nearest-rank percentile.
    size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
    if (rank < 1) rank = 1;
    if (rank > v.size()) rank = v.size();
    return v[rank - 1] / 1000.0;
  };
  s.p50 = at(0.50);
  s.p90 = at(0.90);
  s.p99 = at(0.99);
  s.max = v.back() / 1000.0;
  double sum = 0;
  for (auto x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size()) / 1000.0;
  return s;
}

std::string aws_reply::str(const char* member) const {
  if (!doc.IsObject()) return {};
  auto it = doc.FindMember(member);
  if (it == doc.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

std::string json_object(std::initializer_list<kv> fields) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  for (auto& f : fields) {
    w.Key(f.key);
    if (auto s = std::get_if<std::string_view>(&f.value))
      w.String(s->data(), static_cast<rapidjson::SizeType>(s->size()));
    else if (auto i = std::get_if<int64_t>(&f.value))
      w.Int64(*i);
    else
      w.Bool(std::get<bool>(f.value));
  }
  w.EndObject();
  return {sb.GetString(), sb.GetSize()};
}

bool json_equal(std::string_view a, std::string_view b) {
  rapidjson::Document da, db;
  da.Parse(a.data(), a.size());
  db.Parse(b.data(), b.size());
  if (da.HasParseError() || db.HasParseError()) return false;
  return da == db;
}

runner::runner(options opts, std::vector<endpoint> eps) : opts_(std::move(opts)), eps_(std::move(eps)) {
  if (std::any_of(eps_.begin(), eps_.end(), [](const endpoint& e) { return e.tls; }))
    tls_ = make_tls_context(opts_.ca_bundle, opts_.insecure);  // throws on an unreadable bundle
  std::string key_error;
  auto keys = keys_from(opts_.access_key, opts_.secret_key, key_error);
  if (!key_error.empty()) throw std::runtime_error(key_error);
  if (!keys.empty()) signer_ = std::make_shared<signer>(std::move(keys), opts_.region);
  std::random_device rd;
  rng_.seed((static_cast<uint64_t>(rd()) << 32) ^ rd() ^
            static_cast<uint64_t>(clock::now().time_since_epoch().count()));
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 6; ++i) run_id_ += hex[rng_() % 16];
}

runner::~runner() = default;

pool::options runner::pool_defaults() const {
  pool::options po;
  po.timeout = std::chrono::milliseconds(static_cast<int64_t>(opts_.timeout * 1000));
  po.region = opts_.region;
  po.tls = tls_;
  po.sign = signer_;
  return po;
}

std::string runner::next_name() { return opts_.prefix + "-" + run_id_ + "-" + std::to_string(seq_++); }

std::string runner::resource_name(std::string_view what) const {
  return opts_.prefix + "-" + run_id_ + "-" + std::string(what);
}

void runner::add_metric(const std::string& name, size_t node, int64_t us) {
  st_.metrics[name].add_us(us);
  if (node < st_.nodes.size()) st_.nodes[node].metrics[name].add_us(us);
}

void runner::after(clock::duration d, std::function<void()> fn) {
  auto t = std::make_shared<asio::steady_timer>(io_, d);
  t->async_wait([t, fn = std::move(fn)](const boost::system::error_code&) { fn(); });
}

double runner::since_load_start() const {
  return std::chrono::duration<double>(clock::now() - t0_).count();
}

void runner::note(const std::string& msg) {
  if (progress_shown_) {
    std::fputs("\r\033[K", stderr);
    progress_shown_ = false;
  }
  std::fprintf(stderr, "statecraft-traffic: %s\n", msg.c_str());
  std::fflush(stderr);
}

void runner::aws(std::string_view op, std::string body, aws_callback cb, pool* p, bool sync_host) {
  pool& pl = p ? *p : *mains_[0];
  pl.call(op, std::move(body), sync_host,
          [this, node = pl.node(), opname = std::string(op), cb = std::move(cb)](http_result& h) {
    aws_reply r;
    r.http = std::move(h);
    if (r.http.status == 0) {
      if (r.http.transport_error == "cancelled") {
        r.cancelled = true;
        r.error = "cancelled";
      } else {
        r.error = "transport:" + r.http.transport_error;
      }
    } else {
      // In place: the body is ours and is not read again as text.
      r.http.body.push_back('\0');
      r.doc.ParseInsitu(r.http.body.data());
      bool json_ok = !r.doc.HasParseError() && r.doc.IsObject();
      if (r.http.status >= 200 && r.http.status < 300) {
        if (json_ok)
          r.ok = true;
        else
          r.error = "bad-json-response";
      } else {
        std::string type;
        if (json_ok) type = r.str("__type");
        if (type.empty()) type = r.http.error_type_header;
        if (!type.empty()) {
          if (auto c = type.find(':'); c != std::string::npos) type.resize(c);
          if (auto h = type.rfind('#'); h != std::string::npos) type = type.substr(h + 1);
        } else {
          type = "http:" + std::to_string(r.http.status);
        }
        r.error = type;
        if (json_ok) {
          r.message = r.str("message");
          if (r.message.empty()) r.message = r.str("Message");
        }
      }
    }
    if (st_.recording && !r.cancelled) {
      auto& ph = st_.phase();
      ++ph.ops;
      if (r.ok)
        ph.op_latency[opname].add(r.http.done - r.http.queued);
      else
        ++ph.errors[r.error];
      if (st_.in_load && node < st_.nodes.size()) {
        auto& np = st_.nodes[node].load;
        ++np.ops;
        if (r.ok)
          np.op_latency[opname].add(r.http.done - r.http.queued);
        else
          ++np.errors[r.error];
      }
    }
    cb(r);
  });
}

struct poll_state {
  std::string body;
  aws_callback cb;
  clock::duration delay = 1ms;
  size_t node = 0;
};

void runner::await_final(std::string arn, aws_callback cb, size_t node) {
  auto s = std::make_shared<poll_state>();
  s->node = node;
  s->body = json_object({{"executionArn", arn}});
  s->cb = std::move(cb);
  poll_final(std::move(s));
}

void runner::poll_final(std::shared_ptr<poll_state> s) {
  after(s->delay, [this, s] {
    if (abandoning_) {
      aws_reply r;
      r.cancelled = true;
      r.error = "cancelled";
      return s->cb(r);
    }
    aws("DescribeExecution", s->body, [this, s](aws_reply& r) {
      if (r.ok && r.str("status") == "RUNNING") {
        s->delay = std::min<clock::duration>(s->delay * 2, 50ms);
        return poll_final(s);
      }
      s->cb(r);
    }, mains_[s->node].get());
  });
}

int runner::run() {
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  std::function<void(const boost::system::error_code&, int)> on_signal;
  on_signal = [this, &on_signal](const boost::system::error_code& ec, int) {
    if (ec) return;
    if (!stop_requested_) {
      stop_requested_ = true;
      note("interrupted: finishing (interrupt again to abandon in-flight work)");
      if (load_started_ && !load_done_) load_bound_reached();
    } else if (load_started_ && !load_done_ && !abandoning_) {
      abandon();
    }
    signals_.async_wait(on_signal);
  };
  signals_.async_wait(on_signal);

  pool::options po = pool_defaults();
  po.connections = static_cast<size_t>(opts_.connections);
  st_.nodes.resize(eps_.size());
  for (size_t i = 0; i < eps_.size(); ++i) {
    auto& ns = st_.nodes[i];
    ns.connections = share(opts_.connections, eps_.size(), i);
    ns.users = opts_.rate > 0 ? 0 : share(opts_.concurrency, eps_.size(), i);
    if (opts_.scenario == "activity" || opts_.scenario == "polls" ||
        (opts_.scenario == "mix" && opts_.mix.count("activity")))
      ns.workers = share(opts_.workers, eps_.size(), i);
    po.connections = static_cast<size_t>(ns.connections);
    po.node = i;
    mains_.push_back(std::make_unique<pool>(io_, eps_[i], po));
  }
  scenario_ = make_scenario(opts_.scenario, *this, false);

  progress_on_ = opts_.progress == 1 || (opts_.progress == -1 && isatty(STDERR_FILENO));
  if (progress_on_) {
    progress_timer_.expires_after(1s);
    progress_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) progress();
    });
  }
  asio::post(io_, [this] { begin(); });
  io_.run();
  if (progress_shown_) std::fputs("\r\033[K", stderr);
  return report();
}

void runner::begin() {
  st_.in_load = false;
  auto do_setup = [this] {
    scenario_->setup([this](std::string err) {
      if (!err.empty()) {
        setup_error_ = err;
        note("setup failed: " + err);
        return finish();
      }
      setup_ok_ = true;
      if (stop_requested_) return finish();
      start_load();
    });
  };
  if (!opts_.moto) return do_setup();
  mains_[0]->call_raw("POST", "/moto-api/config", R"({"stepfunctions":{"execute_state_machine":true}})",
                  [this, do_setup](http_result& h) {
                    if (h.status < 200 || h.status > 299) {
                      setup_error_ = "POST /moto-api/config failed: " +
                                     (h.status ? "HTTP " + std::to_string(h.status) : h.transport_error);
                      note(setup_error_);
                      return finish();
                    }
                    do_setup();
                  });
}

void runner::start_load() {
  st_.in_load = true;
  t0_ = clock::now();
  t_end_ = t0_;
  load_started_ = true;
  last_progress_ = t0_;
  drain_timer_.expires_at(t0_ + std::chrono::duration_cast<clock::duration>(
                                    std::chrono::duration<double>(opts_.duration)));
  drain_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) load_bound_reached();
  });
  if (scenario_->custom_load([this] { load_finished(); })) return;
  if (opts_.rate > 0) {
    tick();
  } else {
    // User u serves endpoint u % N: the users are spread round-robin.
    users_ = static_cast<size_t>(opts_.concurrency);
    for (size_t i = 0; i < users_; ++i) asio::post(io_, [this, node = i % eps_.size()] { user_next(node); });
  }
}

bool runner::may_start() const {
  return !bound_reached_ && !stop_requested_ && st_.started < opts_.executions;
}

void runner::launch(size_t node, std::function<void()> after_done) {
  ++st_.started;
  ++st_.nodes[node].started;
  ++inflight_;
  auto t = clock::now();
  scenario_->iterate(node, [this, node, t, after_done = std::move(after_done)](outcome o) {
    --inflight_;
    if (st_.recording) {
      auto& ns = st_.nodes[node];
      switch (o) {
        case outcome::verified:
          ++st_.verified;
          ++ns.verified;
          st_.iteration.add(clock::now() - t);
          ns.iteration.add(clock::now() - t);
          break;
        case outcome::mismatch:
          ++st_.mismatches;
          ++ns.mismatches;
          break;
        case outcome::failed:
          ++st_.failed;
          ++ns.failed;
          break;
        case outcome::abandoned: break;
      }
    }
    // A failed iteration (server down, refused, throttled) waits 10 ms so a
    // broken target is not hammered in a tight loop.
    if (o == outcome::failed && !abandoning_)
      after(10ms, after_done);
    else
      after_done();
  });
}

void runner::user_next(size_t node) {
  if (!may_start()) {
    load_bound_reached();
    if (--users_ == 0) load_finished();
    return;
  }
  launch(node, [this, node] { asio::post(io_, [this, node] { user_next(node); }); });
}

void runner::tick() {
  if (!may_start()) {
    load_bound_reached();
    return;
  }
  double el = std::chrono::duration<double>(clock::now() - t0_).count();
  auto due = static_cast<uint64_t>(el * opts_.rate) + 1;
  while (st_.started + st_.skipped < due && may_start()) {
    if (inflight_ >= static_cast<size_t>(opts_.max_inflight)) {
      ++st_.skipped;
      continue;
    }
    size_t node = next_node_;
    next_node_ = (next_node_ + 1) % eps_.size();
    launch(node, [this] { check_open_loop_done(); });
  }
  if (!may_start()) {
    load_bound_reached();
    return;
  }
  tick_timer_.expires_after(1ms);
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void runner::check_open_loop_done() {
  if (opts_.rate > 0 && bound_reached_ && inflight_ == 0 && !load_done_) load_finished();
}

void runner::load_bound_reached() {
  if (bound_reached_ || load_done_) return;
  bound_reached_ = true;
  tick_timer_.cancel();
  drain_timer_.expires_after(std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(opts_.drain)));
  drain_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !load_done_) abandon();
  });
  check_open_loop_done();
}

void runner::abandon() {
  if (abandoning_ || load_done_) return;
  abandoning_ = true;
  t_end_ = clock::now();
  st_.recording = false;
  note("abandoning " + std::to_string(inflight_) + " iteration(s) still in flight after the drain time");
  for (auto& m : mains_) m->close_all();
  scenario_->on_abandon();
  // Whatever has not ended within 5 s more is left behind.
  after(5s, [this] {
    if (!load_done_) load_finished();
  });
}

void runner::load_finished() {
  if (load_done_) return;
  load_done_ = true;
  tick_timer_.cancel();
  drain_timer_.cancel();
  if (!abandoning_) t_end_ = clock::now();
  load_elapsed_ = std::chrono::duration<double>(t_end_ - t0_).count();
  load_ops_ = st_.load.ops;
  st_.values["abandoned"] = static_cast<double>(st_.started - st_.verified - st_.mismatches - st_.failed);
  st_.in_load = false;
  st_.recording = true;
  abandoning_ = false;
  for (auto& m : mains_) m->reopen();
  scenario_->finalize(load_elapsed_);
  if (stop_requested_ && opts_.scenario != "resident") return finish();
  scenario_->after_load([this] {
    after_load_done_ = true;
    finish();
  });
}

void runner::finish() {
  scenario_->shutdown();
  auto end = [this] {
    progress_timer_.cancel();
    signals_.cancel();
    for (auto& m : mains_) m->close_all();
    io_.stop();
  };
  if (opts_.cleanup && setup_ok_) {
    scenario_->cleanup(end);
  } else {
    end();
  }
}

void runner::progress() {
  auto now = clock::now();
  double dt = std::chrono::duration<double>(now - last_progress_).count();
  if (dt <= 0) dt = 1;
  last_progress_ = now;
  char line[256];
  auto& ph = st_.phase();
  uint64_t done = st_.verified + st_.mismatches + st_.failed;
  size_t queued = 0;
  for (auto& m : mains_) queued += m->queued();
  if (load_started_ && !load_done_) {
    std::snprintf(line, sizeof line,
                  "\r[%6.1fs] %ss %" PRIu64 " (%.0f/s)  ops %" PRIu64 " (%.0f/s)  in flight %zu  errors %" PRIu64
                  "  mismatches %" PRIu64 "\033[K",
                  since_load_start(), scenario_->unit().c_str(), done, (done - last_done_) / dt, ph.ops,
                  (ph.ops - last_ops_) / dt, inflight_ + queued, ph.errors_total(), st_.mismatches);
  } else {
    std::snprintf(line, sizeof line, "\r[%s] ops %" PRIu64 " (%.0f/s)  errors %" PRIu64 "\033[K",
                  load_done_ ? "after load" : "setup", ph.ops, (ph.ops - last_ops_) / dt, ph.errors_total());
  }
  last_done_ = done;
  last_ops_ = ph.ops;
  std::fputs(line, stderr);
  std::fflush(stderr);
  progress_shown_ = true;
  progress_timer_.expires_after(1s);
  progress_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) progress();
  });
}

}  // namespace sc::traffic
