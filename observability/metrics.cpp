// Registry and Prometheus text exposition (format 0.0.4) of metrics.hpp.
#include "observability/metrics.hpp"

#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace sc::obs {

const uint64_t latency_bounds_us[16] = {250,    500,    1000,    2500,    5000,    10000,
                                        25000,  50000,  100000,  250000,  500000,  1000000,
                                        2500000, 5000000, 10000000, 60000000};
const uint64_t batch_bounds[12] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096};

namespace {

struct registry {
  std::mutex mu;
  /// By machine ARN; entries are never removed (pointers stay valid).
  std::map<std::string, std::unique_ptr<machine_metrics>, std::less<>> machines;
  std::deque<api_op_metrics> ops;
};

registry& reg() {
  static registry* r = new registry;  // never destroyed: threads may count at exit
  return *r;
}

struct sv_hash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

std::string_view name_of(std::string_view arn) {
  // arn:aws:states:region:account:stateMachine:NAME[:version|/label]
  size_t at = arn.find(":stateMachine:");
  if (at == std::string_view::npos) return arn;
  std::string_view n = arn.substr(at + 14);
  size_t end = n.find_first_of(":/");
  return end == std::string_view::npos ? n : n.substr(0, end);
}

void escape_label(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, const char* name, std::string_view labels, uint64_t v) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += std::to_string(v);
  out += '\n';
}

void sample_i(std::string& out, const char* name, int64_t v) {
  out += name;
  out += ' ';
  out += std::to_string(v);
  out += '\n';
}

std::string fmt_double(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", d);
  return buf;
}

/// Histogram lines; `scale` converts the observed unit to the exposed one
/// (1e-6: microseconds to seconds).
void render_histogram(std::string& out, const char* name, std::string_view labels,
                      const histogram& h, double scale) {
  uint64_t cum = 0;
  std::string lb(labels);
  if (!lb.empty()) lb += ',';
  for (size_t i = 0; i <= h.n; ++i) {
    cum += h.buckets[i].load(std::memory_order_relaxed);
    out += name;
    out += "_bucket{";
    out += lb;
    out += "le=\"";
    out += i < h.n ? fmt_double(static_cast<double>(h.bounds[i]) * scale) : std::string("+Inf");
    out += "\"} ";
    out += std::to_string(cum);
    out += '\n';
  }
  out += name;
  out += "_sum";
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += fmt_double(static_cast<double>(h.sum.load(std::memory_order_relaxed)) * scale);
  out += '\n';
  // _count equals the +Inf bucket (read above) so the two always agree.
  sample(out, (std::string(name) + "_count").c_str(), labels, cum);
}

const char* const status_names[] = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"};

}  // namespace

node_metrics& metrics() {
  static node_metrics* m = [] {
    auto* x = new node_metrics;
    x->cluster_members.set(1);
    return x;
  }();
  return *m;
}

machine_metrics& machine(std::string_view machine_arn, bool express) {
  thread_local std::unordered_map<std::string, machine_metrics*, sv_hash, std::equal_to<>> cache;
  auto it = cache.find(machine_arn);
  if (it != cache.end()) return *it->second;
  auto& r = reg();
  machine_metrics* m;
  {
    std::lock_guard lock(r.mu);
    auto g = r.machines.find(machine_arn);
    if (g == r.machines.end()) {
      auto fresh = std::make_unique<machine_metrics>();
      fresh->name = std::string(name_of(machine_arn));
      fresh->express = express;
      g = r.machines.emplace(std::string(machine_arn), std::move(fresh)).first;
    }
    m = g->second.get();
  }
  cache.emplace(std::string(machine_arn), m);
  return *m;
}

api_op_metrics* api_op(std::string_view name) {
  auto& r = reg();
  std::lock_guard lock(r.mu);
  for (auto& o : r.ops)
    if (o.name == name) return &o;
  r.ops.emplace_back();
  r.ops.back().name = std::string(name);
  return &r.ops.back();
}

void note_finished(machine_metrics& m, std::string_view status) {
  size_t i = status == "SUCCEEDED" ? 0 : status == "FAILED" ? 1 : status == "TIMED_OUT" ? 2 : 3;
  m.finished[i].inc();
}

void note_express_started(machine_metrics& m) { m.started.inc(); }

void note_event(machine_metrics& m, std::string_view t) {
  auto ends = [&](std::string_view suffix) {
    return t.size() >= suffix.size() && t.compare(t.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (t.empty()) return;
  auto& g = metrics();
  switch (t.front()) {
    case 'A':
      if (t == "ActivityScheduled") g.activity.scheduled.inc();
      else if (t == "ActivityStarted") g.activity.started.inc();
      else if (t == "ActivitySucceeded") g.activity.succeeded.inc();
      else if (t == "ActivityFailed") g.activity.failed.inc();
      else if (t == "ActivityTimedOut") g.activity.timed_out.inc();
      return;
    case 'T':
      if (t == "TaskScheduled") g.integration.scheduled.inc();
      else if (t == "TaskStarted") g.integration.started.inc();
      else if (t == "TaskSucceeded") g.integration.succeeded.inc();
      else if (t == "TaskFailed") g.integration.failed.inc();
      else if (t == "TaskTimedOut") g.integration.timed_out.inc();
      else if (ends("StateEntered")) m.transitions.inc();  // TaskStateEntered
      return;
    case 'E':
      if (m.express) return;  // counted by note_express_started / note_finished
      if (t == "ExecutionStarted") m.started.inc();
      else if (t == "ExecutionSucceeded") m.finished[0].inc();
      else if (t == "ExecutionFailed") m.finished[1].inc();
      else if (t == "ExecutionTimedOut") m.finished[2].inc();
      else if (t == "ExecutionAborted") m.finished[3].inc();
      else if (t == "ExecutionRedriven") m.redriven.inc();
      return;
    default:
      if (ends("StateEntered")) m.transitions.inc();
  }
}

std::string render() {
  auto& g = metrics();
  auto& r = reg();
  std::string out;
  out.reserve(16384);
  std::lock_guard lock(r.mu);

  auto per_machine = [&](const char* name, const char* help, auto fn) {
    header(out, name, "counter", help);
    for (auto& [arn, m] : r.machines) fn(*m);
  };
  auto machine_labels = [](const machine_metrics& m) {
    std::string l = "state_machine=\"";
    escape_label(l, m.name);
    l += "\",type=\"";
    l += m.express ? "EXPRESS" : "STANDARD";
    l += '"';
    return l;
  };
  per_machine("statecraft_executions_started_total", "Executions started, by state machine and type.",
              [&](const machine_metrics& m) {
                sample(out, "statecraft_executions_started_total", machine_labels(m), m.started.get());
              });
  per_machine("statecraft_executions_finished_total",
              "Executions that ended, by state machine, type and status.",
              [&](const machine_metrics& m) {
                for (size_t i = 0; i < m.finished.size(); ++i)
                  sample(out, "statecraft_executions_finished_total",
                         machine_labels(m) + ",status=\"" + status_names[i] + "\"",
                         m.finished[i].get());
              });
  per_machine("statecraft_executions_redriven_total", "Executions redriven, by state machine.",
              [&](const machine_metrics& m) {
                sample(out, "statecraft_executions_redriven_total", machine_labels(m), m.redriven.get());
              });
  per_machine("statecraft_state_transitions_total",
              "States entered (history-recording executions), by state machine.",
              [&](const machine_metrics& m) {
                sample(out, "statecraft_state_transitions_total", machine_labels(m), m.transitions.get());
              });

  struct task_row {
    const char* name;
    const char* help;
    counter task_metrics::*c;
  };
  const task_row rows[] = {
      {"statecraft_tasks_scheduled_total", "Tasks scheduled, by kind (activity, integration).",
       &task_metrics::scheduled},
      {"statecraft_tasks_started_total", "Tasks started (handed to a worker / call made), by kind.",
       &task_metrics::started},
      {"statecraft_tasks_succeeded_total", "Tasks that succeeded, by kind.", &task_metrics::succeeded},
      {"statecraft_tasks_failed_total", "Tasks that failed, by kind.", &task_metrics::failed},
      {"statecraft_tasks_timed_out_total", "Tasks that timed out, by kind.", &task_metrics::timed_out},
  };
  for (const auto& row : rows) {
    header(out, row.name, "counter", row.help);
    sample(out, row.name, "kind=\"activity\"", (g.activity.*row.c).get());
    sample(out, row.name, "kind=\"integration\"", (g.integration.*row.c).get());
  }

  header(out, "statecraft_api_requests_total", "counter", "API requests answered, by operation.");
  for (auto& o : r.ops)
    sample(out, "statecraft_api_requests_total", "operation=\"" + o.name + "\"", o.requests.get());
  header(out, "statecraft_api_errors_total", "counter",
         "API requests answered with an error, by operation and kind (client = 4xx, server = 5xx).");
  for (auto& o : r.ops) {
    sample(out, "statecraft_api_errors_total", "operation=\"" + o.name + "\",kind=\"client\"",
           o.client_errors.get());
    sample(out, "statecraft_api_errors_total", "operation=\"" + o.name + "\",kind=\"server\"",
           o.server_errors.get());
  }
  header(out, "statecraft_api_request_duration_seconds", "histogram",
         "Time from a request's dispatch to its answer, by operation (GetActivityTask includes its long poll).");
  for (auto& o : r.ops)
    render_histogram(out, "statecraft_api_request_duration_seconds",
                     "operation=\"" + o.name + "\"", o.latency, 1e-6);

  header(out, "statecraft_store_save_duration_seconds", "histogram",
         "Execution saves: from hand-over to the store until durable.");
  render_histogram(out, "statecraft_store_save_duration_seconds", "", g.save_latency, 1e-6);
  header(out, "statecraft_store_save_batch_size", "histogram",
         "Saves written per Redis group commit (pipeline).");
  render_histogram(out, "statecraft_store_save_batch_size", "", g.save_batch, 1);
  header(out, "statecraft_store_save_failures_total", "counter",
         "Execution saves not acknowledged (retried with back-off).");
  sample(out, "statecraft_store_save_failures_total", "", g.save_failures.get());

  header(out, "statecraft_activity_polls_parked", "gauge", "GetActivityTask polls waiting on this node.");
  sample_i(out, "statecraft_activity_polls_parked", g.parked_polls.get());
  header(out, "statecraft_timers_armed", "gauge", "Timers armed in this node's timer service.");
  sample_i(out, "statecraft_timers_armed", g.timers_armed.get());
  header(out, "statecraft_shards_owned", "gauge", "Execution shards whose lease this node holds.");
  sample_i(out, "statecraft_shards_owned", g.shards_owned.get());
  header(out, "statecraft_cluster_members", "gauge",
         "Live nodes in the cluster as this node sees them (1 without a cluster).");
  sample_i(out, "statecraft_cluster_members", g.cluster_members.get());

  header(out, "statecraft_status_events_queued_total", "counter",
         "Execution status change events written to the outbox.");
  sample(out, "statecraft_status_events_queued_total", "", g.status_events_queued.get());
  header(out, "statecraft_status_events_delivered_total", "counter",
         "Execution status change events delivered to every sink.");
  sample(out, "statecraft_status_events_delivered_total", "", g.status_events_delivered.get());
  header(out, "statecraft_status_events_failed_attempts_total", "counter",
         "Webhook deliveries that failed (retried with back-off).");
  sample(out, "statecraft_status_events_failed_attempts_total", "",
         g.status_events_failed_attempts.get());
  header(out, "statecraft_status_events_pending", "gauge",
         "Status change events taken from the outbox and not yet delivered.");
  sample_i(out, "statecraft_status_events_pending", g.status_events_pending.get());
  header(out, "statecraft_express_log_records_total", "counter",
         "Express execution log records written (LoggingConfiguration).");
  sample(out, "statecraft_express_log_records_total", "", g.express_log_records.get());
  return out;
}

}  // namespace sc::obs
