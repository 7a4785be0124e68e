// The node's Prometheus metrics (GET /metrics, docs/observability.md).
//
// Hot-path rules: every metric is a relaxed atomic; nothing takes a lock
// while counting. Labels are resolved once: per API operation when the
// service builds its table (api_op), per state machine on a thread's first
// event for it (machine(): a thread-local cache in front of the registry,
// whose lock is taken only on a thread's first sight of a machine). The
// exposition (render) walks the registry under its lock, off the hot path.
//
// This header is small on purpose (no CAF, no Beast): hooks elsewhere are
// one-liners such as `obs::metrics().timers_armed.set(n)`.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace sc::obs {

struct counter {
  std::atomic<uint64_t> v{0};
  void inc(uint64_t n = 1) { v.fetch_add(n, std::memory_order_relaxed); }
  uint64_t get() const { return v.load(std::memory_order_relaxed); }
};

struct gauge {
  std::atomic<int64_t> v{0};
  void set(int64_t x) { v.store(x, std::memory_order_relaxed); }
  void add(int64_t d) { v.fetch_add(d, std::memory_order_relaxed); }
  int64_t get() const { return v.load(std::memory_order_relaxed); }
};

/// A histogram over fixed upper bounds (in the unit the caller observes:
/// microseconds for latencies, items for batch sizes).
struct histogram {
  static constexpr size_t max_bounds = 20;
  const uint64_t* bounds;  ///< ascending, `n` of them; +Inf is implicit
  size_t n;
  std::array<std::atomic<uint64_t>, max_bounds + 1> buckets{};  ///< not cumulative
  std::atomic<uint64_t> sum{0};
  std::atomic<uint64_t> count{0};
  histogram(const uint64_t* b, size_t count_) : bounds(b), n(count_) {}
  void observe(uint64_t v) {
    size_t i = 0;
    while (i < n && v > bounds[i]) ++i;
    buckets[i].fetch_add(1, std::memory_order_relaxed);
    sum.fetch_add(v, std::memory_order_relaxed);
    count.fetch_add(1, std::memory_order_relaxed);
  }
};

/// Latency buckets in microseconds (rendered in seconds).
extern const uint64_t latency_bounds_us[16];
/// Batch size buckets (items).
extern const uint64_t batch_bounds[12];

inline uint64_t now_us() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

/// Execution statuses in the order of machine_metrics::finished.
enum class status_index { succeeded, failed, timed_out, aborted, count };

/// Per state machine (and its type, which never changes).
struct machine_metrics {
  std::string name;   ///< the machine's name (label state_machine)
  bool express = false;
  counter started;
  counter redriven;
  std::array<counter, static_cast<size_t>(status_index::count)> finished;
  counter transitions;  ///< states entered
};

/// Per API operation.
struct api_op_metrics {
  std::string name;
  counter requests;
  counter client_errors;  ///< 4xx answers
  counter server_errors;  ///< 5xx answers
  histogram latency{latency_bounds_us, 16};
  /// Called when the answer is sent.
  void done(uint64_t started_us, int status) {
    requests.inc();
    if (status >= 500) server_errors.inc();
    else if (status >= 400) client_errors.inc();
    latency.observe(now_us() - started_us);
  }
};

/// Task counts per kind (activity, integration).
struct task_metrics {
  counter scheduled, started, succeeded, failed, timed_out;
};

/// The node-wide metrics.
struct node_metrics {
  task_metrics activity, integration;
  gauge parked_polls;            ///< GetActivityTask requests waiting
  gauge timers_armed;            ///< timers in the timer service
  gauge shards_owned;            ///< shard leases this node holds
  gauge cluster_members;         ///< live nodes the coordinator sees (1 without a cluster)
  histogram save_latency{latency_bounds_us, 16};   ///< execution save → durable
  histogram save_batch{batch_bounds, 12};          ///< saves per Redis group commit
  counter save_failures;
  counter status_events_queued, status_events_delivered, status_events_failed_attempts;
  gauge status_events_pending;
  counter express_log_records;
};

node_metrics& metrics();

/// The metrics of the state machine named by `machine_arn` (its name is the
/// label; created on first use). Thread-local cache: no lock once a thread
/// has seen the machine.
machine_metrics& machine(std::string_view machine_arn, bool express);

/// Registers an API operation (once, at start): the pointer is stable.
api_op_metrics* api_op(std::string_view name);

/// Counts a step's history events: states entered, activity and
/// integration task events, and (for Standard executions) starts, ends and
/// redrives. `type` is the history event type.
void note_event(machine_metrics& m, std::string_view type);

template <class Events>
void note_events(machine_metrics& m, const Events& events) {
  for (const auto& e : events) note_event(m, e.type);
}

/// Counts an Express execution's start / end (they record no history).
void note_express_started(machine_metrics& m);
void note_finished(machine_metrics& m, std::string_view status);

/// The exposition, text format 0.0.4.
std::string render();

/// Content-Type of render()'s text.
inline constexpr const char* content_type = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace sc::obs
