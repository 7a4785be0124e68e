// statecraft-traffic: command-line options.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sc::traffic {

struct options {
  std::string scenario;
  /// --endpoint, repeatable: one URL per node (default http://127.0.0.1:8083).
  std::vector<std::string> endpoints;
  std::string region = "us-east-1";
  std::string prefix = "sctraffic";
  int concurrency = 0;     ///< closed loop users (0 = not set)
  double rate = 0;         ///< open loop starts per second (0 = closed loop)
  uint64_t executions = 1000000;
  double duration = 10;
  int connections = 0;     ///< 0 = concurrency (closed loop) or 64 (open loop)
  int workers = 64;        ///< activity workers in all; parked polls for `polls`
  bool workers_set = false;
  int workers_per_node = 0;  ///< --workers-per-node (0 = not set); wins over --workers
  int workers_given = 0;     ///< the --workers value when --workers-per-node overrode it
  std::map<std::string, int> mix;  ///< scenario -> weight
  double hold = 0;         ///< resident/polls: seconds to stay parked
  bool no_stop = false;    ///< resident: leave the executions parked
  bool unnamed = false;    ///< StartExecution without a name (the server picks one)
  int wait_seconds = 3600; ///< resident: Wait state length
  int history_items = 249; ///< history: Map items (4 events each, +6)
  int max_inflight = 10000;
  double drain = 10;       ///< seconds allowed for in-flight work after the end
  double timeout = 75;     ///< per request, seconds
  int payload = 0;         ///< extra bytes of padding in each execution input
  // Exposed nodes (docs/security.md): TLS and SigV4.
  std::string ca_bundle;   ///< --ca-bundle FILE: trusted CAs for https://
  bool insecure = false;   ///< --insecure: no certificate check
  std::string access_key;  ///< --access-key (else AWS_ACCESS_KEY_ID)
  std::string secret_key;  ///< --secret-key (else AWS_SECRET_ACCESS_KEY)
  bool moto = false;
  bool json = false;
  int progress = -1;       ///< -1 auto (stderr is a tty), 0 off, 1 on
  bool cleanup = true;
  bool help = false;
};

/// `total` spread over `n` nodes: node `i` gets total / n, the first
/// total % n nodes one more (round-robin: item k goes to node k % n).
inline int share(int total, size_t n, size_t i) {
  if (n == 0) return total;
  int base = total / static_cast<int>(n);
  return base + (static_cast<int>(i) < total % static_cast<int>(n) ? 1 : 0);
}

/// The scenarios `--scenario` accepts.
const std::vector<std::string>& scenario_names();

/// Parses argv[1..]; on error returns the problems (non-empty).
std::vector<std::string> parse_options(int argc, char** argv, options& o);

/// The help text; `prog` is how the tool was invoked (e.g. "statecraft traffic").
std::string usage(const std::string& prog = "statecraft-traffic");

}  // namespace sc::traffic
