// statecraft-traffic: the report (text and --json), in total and, with
// several endpoints, per node.
#include "tools/traffic/runner.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <sys/resource.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <iostream>

namespace sc::traffic {

namespace {

template <class W>
void write_summary(W& w, const latency_summary& s);

/// A JSON object of map `m`: each entry's value written by `value(w, v)`.
template <class W, class M, class F>
void write_map(W& w, const M& m, F value) {
  w.StartObject();
  for (auto& kv : m) {
    w.Key(kv.first.c_str());
    value(w, kv.second);
  }
  w.EndObject();
}

/// Latency histograms by name: their summaries.
template <class W, class M>
void write_latencies(W& w, const M& m) {
  write_map(w, m, [](W& w, const auto& l) { write_summary(w, l.summary()); });
}

/// Counts by name.
template <class W, class M>
void write_counts(W& w, const M& m) {
  write_map(w, m, [](W& w, auto n) { w.Uint64(n); });
}

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
  write_latencies(w, p.op_latency);
  w.Key("errors");
  write_counts(w, p.errors);
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

/// The headline latency of a scenario from one set of figures (the totals
/// or one node's).
latency_summary headline_summary(const std::string& headline, const latency& iteration,
                                 const std::map<std::string, latency>& metrics, const phase_stats& load) {
  if (headline == "iteration") return iteration.summary();
  if (auto it = metrics.find(headline); it != metrics.end()) return it->second.summary();
  if (auto it = load.op_latency.find(headline); it != load.op_latency.end()) return it->second.summary();
  return {};
}

/// One node's figures, or the totals, for the per-node report.
struct node_view {
  std::string label;     ///< "0".."N-1" or "total"
  std::string endpoint;  ///< the URL ("" for the total)
  int users = 0, workers = 0, connections = 0;
  const phase_stats* load = nullptr;
  uint64_t ops = 0, started = 0, verified = 0, mismatches = 0, failed = 0, tasks = 0;
  const latency* iteration = nullptr;
  const std::map<std::string, latency>* metrics = nullptr;
  latency_summary head;
};

template <class W>
void write_node(W& w, const node_view& n, double el, const char* unit_key) {
  w.StartObject();
  if (!n.endpoint.empty()) {
    w.Key("node");
    w.Int(std::stoi(n.label));
    w.Key("endpoint");
    w.String(n.endpoint.c_str());
  }
  w.Key("users");
  w.Int(n.users);
  w.Key("workers");
  w.Int(n.workers);
  w.Key("connections");
  w.Int(n.connections);
  w.Key("ops");
  w.Uint64(n.ops);
  w.Key("ops_per_s");
  w.Double(n.ops / el);
  w.Key(unit_key);
  w.StartObject();
  w.Key("started");
  w.Uint64(n.started);
  w.Key("completed");
  w.Uint64(n.verified + n.mismatches);
  w.Key("verified");
  w.Uint64(n.verified);
  w.Key("mismatches");
  w.Uint64(n.mismatches);
  w.Key("failed");
  w.Uint64(n.failed);
  w.EndObject();
  w.Key((std::string(unit_key) + "_started_per_s").c_str());
  w.Double(n.started / el);
  w.Key((std::string(unit_key) + "_per_s").c_str());
  w.Double((n.verified + n.mismatches) / el);
  w.Key("tasks");
  w.Uint64(n.tasks);
  w.Key("tasks_per_s");
  w.Double(n.tasks / el);
  w.Key("latency_ms");
  write_summary(w, n.head);
  w.Key("iteration_latency_ms");
  write_summary(w, n.iteration->summary());
  w.Key("op_latency_ms");
  write_latencies(w, n.load->op_latency);
  w.Key("metrics_ms");
  write_latencies(w, *n.metrics);
  w.Key("errors");
  write_counts(w, n.load->errors);
  w.Key("errors_total");
  w.Uint64(n.load->errors_total());
  w.EndObject();
}

/// The per-node block of the text report: a table of rates and the
/// headline latency, then each node's latency by operation and its errors.
std::string nodes_text(const std::vector<node_view>& nodes, const node_view& total, double el,
                       const std::string& unit, const std::string& headline) {
  std::string out;
  char b[512];
  // Tasks and workers only where the scenario has workers (activity, mix).
  const bool tasks = total.workers > 0;
  size_t width = 5;
  for (auto& n : nodes) width = std::max(width, n.endpoint.size() + n.label.size() + 1);
  std::string done_col = unit + "s/s";
  std::snprintf(b, sizeof b, "  %-13s %-*s %9s %10s %*s%s %9s %9s %9s %7s\n", "by node", static_cast<int>(width),
                "endpoint", "ops/s", "started/s", static_cast<int>(std::max<size_t>(10, done_col.size())),
                done_col.c_str(), tasks ? "   tasks/s" : "", "p50 ms", "p90 ms", "p99 ms", "errors");
  out += b;
  auto row = [&](const node_view& n) {
    std::string name = n.endpoint.empty() ? n.label : n.label + " " + n.endpoint;
    char t[32] = "";
    if (tasks) std::snprintf(t, sizeof t, " %9.1f", n.tasks / el);
    std::snprintf(b, sizeof b, "  %-13s %-*s %9.1f %10.1f %*.1f%s %9.3f %9.3f %9.3f %7" PRIu64 "\n", "",
                  static_cast<int>(width), name.c_str(), n.ops / el, n.started / el,
                  static_cast<int>(std::max<size_t>(10, done_col.size())), (n.verified + n.mismatches) / el, t,
                  n.head.p50, n.head.p90, n.head.p99, n.load->errors_total());
    out += b;
  };
  for (auto& n : nodes) row(n);
  row(total);
  std::snprintf(b, sizeof b, "  %-13s (latency columns: %s)\n", "", headline.c_str());
  out += b;
  for (auto& n : nodes) {
    std::string workers = tasks ? ", " + std::to_string(n.workers) + " worker(s)" : "";
    std::snprintf(b, sizeof b,
                  "  node %-8s %s: %d user(s)%s, %d connection(s); %ss started %" PRIu64 ", verified %" PRIu64
                  ", mismatched %" PRIu64 ", failed %" PRIu64 "\n",
                  n.label.c_str(), n.endpoint.c_str(), n.users, workers.c_str(), n.connections, unit.c_str(),
                  n.started, n.verified, n.mismatches, n.failed);
    out += b;
    if (tasks) {
      std::snprintf(b, sizeof b, "                tasks %" PRIu64 " (%.1f/s)\n", n.tasks, n.tasks / el);
      out += b;
    }
    if (headline != "iteration" || n.iteration->count() == 0)
      out += "                " + headline + ": " + fmt_summary(n.head) + "\n";
    if (n.iteration->count()) out += "                " + unit + " (whole): " + fmt_summary(n.iteration->summary()) + "\n";
    for (auto& [op, l] : n.load->op_latency) {
      std::snprintf(b, sizeof b, "                %-22s %s\n", op.c_str(), fmt_summary(l.summary()).c_str());
      out += b;
    }
    for (auto& [k, l] : *n.metrics) {
      if (k == headline) continue;
      out += "                metric " + k + ": " + fmt_summary(l.summary()) + "\n";
    }
    if (n.load->errors.empty()) {
      out += "                errors none\n";
    } else {
      for (auto& [type, c] : n.load->errors) {
        std::snprintf(b, sizeof b, "                error %s: %" PRIu64 "\n", type.c_str(), c);
        out += b;
      }
    }
  }
  return out;
}

}  // namespace

std::string runner::endpoints_text() const {
  std::string s;
  for (auto& u : opts_.endpoints) s += (s.empty() ? "" : ", ") + u;
  return s;
}

int runner::report() {
  double el = load_elapsed_ > 0 ? load_elapsed_ : 1e-9;
  uint64_t completed = st_.verified + st_.mismatches;
  uint64_t errors = st_.load.errors_total();
  bool correct = setup_ok_ && st_.mismatches == 0 && st_.failed == 0 && errors == 0 && load_started_;
  std::string headline = scenario_->headline();
  latency_summary head = headline_summary(headline, st_.iteration, st_.metrics, st_.load);
  std::string unit = scenario_->unit();
  std::string mode = opts_.rate > 0 ? "open" : "closed";

  // With several endpoints: the figures of each node, and the totals in the
  // same shape. The totals come from the run's own counters, not from the
  // sum of the nodes, so that they can be checked against each other.
  const bool multi = eps_.size() > 1;
  std::vector<node_view> nodes;
  node_view total;
  if (multi) {
    for (size_t i = 0; i < st_.nodes.size(); ++i) {
      auto& ns = st_.nodes[i];
      node_view v;
      v.label = std::to_string(i);
      v.endpoint = opts_.endpoints[i];
      v.users = ns.users;
      v.workers = ns.workers;
      v.connections = ns.connections;
      v.load = &ns.load;
      v.ops = ns.load.ops;
      v.started = ns.started;
      v.verified = ns.verified;
      v.mismatches = ns.mismatches;
      v.failed = ns.failed;
      v.tasks = ns.tasks;
      v.iteration = &ns.iteration;
      v.metrics = &ns.metrics;
      v.head = headline_summary(headline, ns.iteration, ns.metrics, ns.load);
      nodes.push_back(std::move(v));
    }
    total.label = "total";
    total.users = opts_.rate > 0 ? 0 : opts_.concurrency;
    for (auto& n : nodes) total.workers += n.workers;
    total.connections = opts_.connections;
    total.load = &st_.load;
    total.ops = load_ops_;
    total.started = st_.started;
    total.verified = st_.verified;
    total.mismatches = st_.mismatches;
    total.failed = st_.failed;
    total.tasks = static_cast<uint64_t>(st_.values.count("tasks") ? st_.values["tasks"] : 0.0);
    total.iteration = &st_.iteration;
    total.metrics = &st_.metrics;
    total.head = head;
  }

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
    w.String(opts_.endpoints[0].c_str());
    if (multi) {
      w.Key("endpoints");
      w.StartArray();
      for (auto& u : opts_.endpoints) w.String(u.c_str());
      w.EndArray();
    }
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
    if (opts_.workers_per_node > 0) {
      w.Key("workers_per_node");
      w.Int(opts_.workers_per_node);
    }
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
    write_latencies(w, st_.metrics);
    w.Key("values");
    write_map(w, st_.values, [](auto& w, double v) { w.Double(v); });
    w.Key("errors");
    write_counts(w, st_.load.errors);
    w.Key("errors_total");
    w.Uint64(errors);
    w.Key("throttled");
    w.Uint64(st_.load.throttled());
    w.Key("throttled_per_s");
    w.Double(static_cast<double>(st_.load.throttled()) / el);
    w.Key("samples");
    w.StartArray();
    for (auto& s : st_.samples) w.String(s.c_str());
    w.EndArray();
    if (multi) {
      w.Key("nodes");
      w.StartArray();
      for (auto& n : nodes) write_node(w, n, el, "executions");
      w.EndArray();
      w.Key("total");
      write_node(w, total, el, "executions");
    }
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
  out += "statecraft-traffic " + opts_.scenario + " -> " + endpoints_text() + " (run " + run_id_ + ")\n";
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
  if (uint64_t t = st_.load.throttled()) {
    std::snprintf(b, sizeof b,
                  "  throttled     %" PRIu64 " calls (%.0f/s) refused with ThrottlingException\n", t,
                  static_cast<double>(t) / el);
    out += b;
  }
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
  if (multi) out += nodes_text(nodes, total, el, unit, headline);
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
