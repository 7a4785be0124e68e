// statecraft-traffic: the driver and the report.
#include "tools/traffic/runner.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>

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

runner::runner(options opts, endpoint ep) : opts_(std::move(opts)), ep_(std::move(ep)) {
  std::random_device rd;
  rng_.seed((static_cast<uint64_t>(rd()) << 32) ^ rd() ^
            static_cast<uint64_t>(clock::now().time_since_epoch().count()));
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 6; ++i) run_id_ += hex[rng_() % 16];
}

runner::~runner() = default;

std::string runner::next_name() { return opts_.prefix + "-" + run_id_ + "-" + std::to_string(seq_++); }

std::string runner::resource_name(std::string_view what) const {
  return opts_.prefix + "-" + run_id_ + "-" + std::string(what);
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
  pool& pl = p ? *p : *main_;
  pl.call(op, std::move(body), sync_host, [this, opname = std::string(op), cb = std::move(cb)](http_result& h) {
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
    }
    cb(r);
  });
}

struct poll_state {
  std::string body;
  aws_callback cb;
  clock::duration delay = 1ms;
};

void runner::await_final(std::string arn, aws_callback cb) {
  auto s = std::make_shared<poll_state>();
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
    });
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

  pool::options po;
  po.connections = static_cast<size_t>(opts_.connections);
  po.timeout = std::chrono::milliseconds(static_cast<int64_t>(opts_.timeout * 1000));
  po.region = opts_.region;
  main_ = std::make_unique<pool>(io_, ep_, po);
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
  main_->call_raw("POST", "/moto-api/config", R"({"stepfunctions":{"execute_state_machine":true}})",
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
    users_ = static_cast<size_t>(opts_.concurrency);
    for (size_t i = 0; i < users_; ++i) asio::post(io_, [this] { user_next(); });
  }
}

bool runner::may_start() const {
  return !bound_reached_ && !stop_requested_ && st_.started < opts_.executions;
}

void runner::launch(std::function<void()> after_done) {
  ++st_.started;
  ++inflight_;
  auto t = clock::now();
  scenario_->iterate([this, t, after_done = std::move(after_done)](outcome o) {
    --inflight_;
    if (st_.recording) {
      switch (o) {
        case outcome::verified:
          ++st_.verified;
          st_.iteration.add(clock::now() - t);
          break;
        case outcome::mismatch: ++st_.mismatches; break;
        case outcome::failed: ++st_.failed; break;
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

void runner::user_next() {
  if (!may_start()) {
    load_bound_reached();
    if (--users_ == 0) load_finished();
    return;
  }
  launch([this] { asio::post(io_, [this] { user_next(); }); });
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
    launch([this] { check_open_loop_done(); });
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
  main_->close_all();
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
  main_->reopen();
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
    main_->close_all();
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
  if (load_started_ && !load_done_) {
    std::snprintf(line, sizeof line,
                  "\r[%6.1fs] %ss %" PRIu64 " (%.0f/s)  ops %" PRIu64 " (%.0f/s)  in flight %zu  errors %" PRIu64
                  "  mismatches %" PRIu64 "\033[K",
                  since_load_start(), scenario_->unit().c_str(), done, (done - last_done_) / dt, ph.ops,
                  (ph.ops - last_ops_) / dt, inflight_ + main_->queued(), ph.errors_total(), st_.mismatches);
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

namespace {

template <class W>
void write_summary(W& w, const latency_summary& s) {
  w.StartObject();
  w.Key("count");
  w.Uint64(s.count);
  w.Key("p50");
  w.Double(s.p50);
  w.Key("p90");
  w.Double(s.p90);
  w.Key("p99");
  w.Double(s.p99);
  w.Key("max");
  w.Double(s.max);
  w.Key("mean");
  w.Double(s.mean);
  w.EndObject();
}

template <class W>
void write_phase(W& w, const phase_stats& p) {
  w.StartObject();
  w.Key("ops");
  w.Uint64(p.ops);
  w.Key("op_latency_ms");
  w.StartObject();
  for (auto& [op, l] : p.op_latency) {
    w.Key(op.c_str());
    write_summary(w, l.summary());
  }
  w.EndObject();
  w.Key("errors");
  w.StartObject();
  for (auto& [type, n] : p.errors) {
    w.Key(type.c_str());
    w.Uint64(n);
  }
  w.EndObject();
  w.EndObject();
}

double client_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::string fmt_summary(const latency_summary& s) {
  if (s.count == 0) return "n/a (no sample)";
  char b[160];
  std::snprintf(b, sizeof b, "p50 %.3f  p90 %.3f  p99 %.3f  max %.3f  (n=%zu)", s.p50, s.p90, s.p99, s.max, s.count);
  return b;
}

}  // namespace

int runner::report() {
  double el = load_elapsed_ > 0 ? load_elapsed_ : 1e-9;
  uint64_t completed = st_.verified + st_.mismatches;
  uint64_t errors = st_.load.errors_total();
  bool correct = setup_ok_ && st_.mismatches == 0 && st_.failed == 0 && errors == 0 && load_started_;
  std::string headline = scenario_->headline();
  latency_summary head;
  if (headline == "iteration")
    head = st_.iteration.summary();
  else if (auto it = st_.metrics.find(headline); it != st_.metrics.end())
    head = it->second.summary();
  else if (auto it2 = st_.load.op_latency.find(headline); it2 != st_.load.op_latency.end())
    head = it2->second.summary();
  std::string unit = scenario_->unit();
  std::string mode = opts_.rate > 0 ? "open" : "closed";

  if (opts_.json) {
    rapidjson::StringBuffer sb;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(sb);
    w.SetIndent(' ', 2);
    w.StartObject();
    w.Key("tool");
    w.String("statecraft-traffic");
    w.Key("scenario");
    w.String(opts_.scenario.c_str());
    w.Key("endpoint");
    w.String(opts_.endpoint.c_str());
    w.Key("settings");
    w.StartObject();
    w.Key("mode");
    w.String(mode.c_str());
    w.Key("concurrency");
    w.Int(opts_.concurrency);
    w.Key("rate");
    w.Double(opts_.rate);
    w.Key("connections");
    w.Int(opts_.connections);
    w.Key("workers");
    w.Int(opts_.workers);
    w.Key("executions_limit");
    w.Uint64(opts_.executions);
    w.Key("duration_limit_s");
    w.Double(opts_.duration);
    w.Key("run_id");
    w.String(run_id_.c_str());
    w.EndObject();
    if (!setup_error_.empty()) {
      w.Key("setup_error");
      w.String(setup_error_.c_str());
    }
    w.Key("unit");
    w.String(unit.c_str());
    w.Key("elapsed_s");
    w.Double(load_elapsed_);
    w.Key("ops");
    w.Uint64(load_ops_);
    w.Key("ops_per_s");
    w.Double(load_ops_ / el);
    w.Key("executions");
    w.StartObject();
    w.Key("started");
    w.Uint64(st_.started);
    w.Key("completed");
    w.Uint64(completed);
    w.Key("verified");
    w.Uint64(st_.verified);
    w.Key("mismatches");
    w.Uint64(st_.mismatches);
    w.Key("failed");
    w.Uint64(st_.failed);
    w.Key("abandoned");
    w.Uint64(static_cast<uint64_t>(st_.values.count("abandoned") ? st_.values["abandoned"] : 0));
    w.Key("skipped");
    w.Uint64(st_.skipped);
    w.EndObject();
    w.Key("executions_per_s");
    w.Double(completed / el);
    w.Key("latency_metric");
    w.String(headline.c_str());
    w.Key("latency_ms");
    write_summary(w, head);
    w.Key("iteration_latency_ms");
    write_summary(w, st_.iteration.summary());
    w.Key("load");
    write_phase(w, st_.load);
    w.Key("other_phases");
    write_phase(w, st_.other);
    w.Key("metrics_ms");
    w.StartObject();
    for (auto& [k, l] : st_.metrics) {
      w.Key(k.c_str());
      write_summary(w, l.summary());
    }
    w.EndObject();
    w.Key("values");
    w.StartObject();
    for (auto& [k, v] : st_.values) {
      w.Key(k.c_str());
      w.Double(v);
    }
    w.EndObject();
    w.Key("errors");
    w.StartObject();
    for (auto& [type, n] : st_.load.errors) {
      w.Key(type.c_str());
      w.Uint64(n);
    }
    w.EndObject();
    w.Key("errors_total");
    w.Uint64(errors);
    w.Key("samples");
    w.StartArray();
    for (auto& s : st_.samples) w.String(s.c_str());
    w.EndArray();
    w.Key("client_cpu_s");
    w.Double(client_cpu_s());
    w.Key("correct");
    w.Bool(correct);
    w.EndObject();
    std::cout << sb.GetString() << "\n";
    std::cout.flush();
    return correct ? 0 : 1;
  }

  std::string out;
  char b[512];
  out += "statecraft-traffic " + opts_.scenario + " -> " + opts_.endpoint + " (run " + run_id_ + ")\n";
  if (opts_.rate > 0)
    std::snprintf(b, sizeof b, "  load          open loop, %.1f/s, %d connections; bound %" PRIu64 " %ss / %.1f s\n",
                  opts_.rate, opts_.connections, opts_.executions, unit.c_str(), opts_.duration);
  else
    std::snprintf(b, sizeof b, "  load          closed loop, concurrency %d, %d connections; bound %" PRIu64 " %ss / %.1f s\n",
                  opts_.concurrency, opts_.connections, opts_.executions, unit.c_str(), opts_.duration);
  out += b;
  if (!setup_error_.empty()) out += "  setup         FAILED: " + setup_error_ + "\n";
  std::snprintf(b, sizeof b, "  elapsed       %.3f s\n", load_elapsed_);
  out += b;
  std::snprintf(b, sizeof b,
                "  %-13s started %" PRIu64 ", verified %" PRIu64 ", mismatched %" PRIu64 ", failed %" PRIu64
                ", abandoned %.0f, skipped %" PRIu64 "\n",
                (unit + "s").c_str(), st_.started, st_.verified, st_.mismatches, st_.failed,
                st_.values.count("abandoned") ? st_.values["abandoned"] : 0.0, st_.skipped);
  out += b;
  std::snprintf(b, sizeof b, "  throughput    %.1f ops/s, %.1f %ss/s\n", load_ops_ / el, completed / el, unit.c_str());
  out += b;
  out += "  latency (ms)  " + headline + ": " + fmt_summary(head) + "\n";
  if (headline != "iteration") out += "                " + unit + " (whole): " + fmt_summary(st_.iteration.summary()) + "\n";
  auto ops_table = [&](const phase_stats& p, const char* title) {
    bool first = true;
    for (auto& [op, l] : p.op_latency) {
      std::snprintf(b, sizeof b, "  %-13s %-22s %s\n", first ? title : "", op.c_str(), fmt_summary(l.summary()).c_str());
      out += b;
      first = false;
    }
  };
  ops_table(st_.load, "by op (ms)");
  for (auto& [k, l] : st_.metrics) {
    out += "  metric (ms)   " + k + ": " + fmt_summary(l.summary()) + "\n";
  }
  for (auto& [k, v] : st_.values) {
    if (k == "abandoned") continue;
    std::snprintf(b, sizeof b, "  value         %s: %.6g\n", k.c_str(), v);
    out += b;
  }
  if (st_.other.ops) {
    std::snprintf(b, sizeof b, "  other phases  %" PRIu64 " ops (setup, stop phase, cleanup)\n", st_.other.ops);
    out += b;
    ops_table(st_.other, "");
    for (auto& [type, n] : st_.other.errors) {
      std::snprintf(b, sizeof b, "                error %s: %" PRIu64 "\n", type.c_str(), n);
      out += b;
    }
  }
  std::snprintf(b, sizeof b, "  client CPU    %.2f s (this process, whole run)\n", client_cpu_s());
  out += b;
  if (st_.load.errors.empty()) {
    out += "  errors        none\n";
  } else {
    bool first = true;
    for (auto& [type, n] : st_.load.errors) {
      std::snprintf(b, sizeof b, "  %-13s %s: %" PRIu64 "\n", first ? "errors" : "", type.c_str(), n);
      out += b;
      first = false;
    }
  }
  for (auto& s : st_.samples) out += "  sample        " + s + "\n";
  if (correct) {
    std::snprintf(b, sizeof b, "  correctness   OK: %" PRIu64 " %s(s) verified, no mismatch, no error\n", st_.verified,
                  unit.c_str());
  } else {
    std::snprintf(b, sizeof b,
                  "  correctness   FAILED: %" PRIu64 " mismatch(es), %" PRIu64 " failed %s(s), %" PRIu64 " error(s)%s\n",
                  st_.mismatches, st_.failed, unit.c_str(), errors, setup_ok_ ? "" : ", setup failed");
  }
  out += b;
  std::cout << out;
  std::cout.flush();
  return correct ? 0 : 1;
}

}  // namespace sc::traffic
