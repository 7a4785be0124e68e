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
  std::string endpoint = "http://127.0.0.1:8083";
  std::string region = "us-east-1";
  std::string prefix = "sctraffic";
  int concurrency = 0;     ///< closed loop users (0 = not set)
  double rate = 0;         ///< open loop starts per second (0 = closed loop)
  uint64_t executions = 1000000;
  double duration = 10;
  int connections = 0;     ///< 0 = concurrency (closed loop) or 64 (open loop)
  int workers = 64;        ///< activity workers; parked polls for `polls`
  bool workers_set = false;
  std::map<std::string, int> mix;  ///< scenario -> weight
  double hold = 0;         ///< resident/polls: seconds to stay parked
  bool no_stop = false;    ///< resident: leave the executions parked
  int wait_seconds = 3600; ///< resident: Wait state length
  int history_items = 249; ///< history: Map items (4 events each, +6)
  int max_inflight = 10000;
  double drain = 10;       ///< seconds allowed for in-flight work after the end
  double timeout = 75;     ///< per request, seconds
  int payload = 0;         ///< extra bytes of padding in each execution input
  bool moto = false;
  bool json = false;
  int progress = -1;       ///< -1 auto (stderr is a tty), 0 off, 1 on
  bool cleanup = true;
  bool help = false;
};

/// The scenarios `--scenario` accepts.
const std::vector<std::string>& scenario_names();

/// Parses argv[1..]; on error returns the problems (non-empty).
std::vector<std::string> parse_options(int argc, char** argv, options& o);

/// The help text; `prog` is how the tool was invoked (e.g. "statecraft traffic").
std::string usage(const std::string& prog = "statecraft-traffic");

}  // namespace sc::traffic
