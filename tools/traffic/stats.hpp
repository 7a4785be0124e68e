// statecraft-traffic: counters and latency samples (io thread only).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sc::traffic {

struct latency_summary {
  size_t count = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;  ///< milliseconds
};

/// Every sample is kept (microseconds, 4 bytes each) so the percentiles are
/// exact; a 10-minute run at 20k samples/s is ~50 MB.
class latency {
 public:
  void add(std::chrono::steady_clock::duration d) {
    add_us(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
  }
  void add_us(int64_t us) {
    if (us < 0) us = 0;
    if (us > 0xFFFFFFFFll) us = 0xFFFFFFFFll;
    us_.push_back(static_cast<uint32_t>(us));
  }
  size_t count() const { return us_.size(); }
  void clear() { us_.clear(); }
  latency_summary summary() const;

 private:
  std::vector<uint32_t> us_;
};

struct phase_stats {
  uint64_t ops = 0;
  std::map<std::string, latency> op_latency;      ///< by AWS operation
  std::map<std::string, uint64_t> errors;         ///< by AWS __type or transport:...
  /// Calls refused with ThrottlingException (AWS's rate quotas).
  uint64_t throttled() const {
    auto it = errors.find("ThrottlingException");
    return it == errors.end() ? 0 : it->second;
  }
  uint64_t errors_total() const {
    uint64_t n = 0;
    for (auto& [k, v] : errors) n += v;
    return n;
  }
};

/// The load phase seen from one endpoint (node): the calls sent to it and
/// the iterations whose user it serves.
struct node_stats {
  phase_stats load;                        ///< calls sent to this node
  uint64_t started = 0, verified = 0, mismatches = 0, failed = 0;
  latency iteration;                       ///< iterations of this node's users
  std::map<std::string, latency> metrics;  ///< scenario metrics attributed here
  uint64_t tasks = 0;                      ///< activity tasks answered through it
  int users = 0, workers = 0, connections = 0;
};

struct stats {
  phase_stats load;                 ///< the measured load phase
  phase_stats other;                ///< setup, stop phase, cleanup
  bool in_load = false;             ///< where ops are recorded
  bool recording = true;            ///< false while abandoned work drains
  uint64_t started = 0, verified = 0, mismatches = 0, failed = 0, skipped = 0;
  latency iteration;                ///< start -> verified end of an iteration
  std::map<std::string, latency> metrics;  ///< scenario latency metrics (ms)
  std::map<std::string, double> values;    ///< scenario figures
  std::vector<std::string> samples;        ///< first mismatch/failure descriptions
  std::vector<node_stats> nodes;           ///< one per --endpoint
  void sample(std::string s) {
    if (samples.size() < 10) samples.push_back(std::move(s));
  }
  phase_stats& phase() { return in_load ? load : other; }
};

}  // namespace sc::traffic
