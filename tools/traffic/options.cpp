// statecraft-traffic: command-line parsing and usage text.
#include "tools/traffic/options.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <string_view>

namespace sc::traffic {

const std::vector<std::string>& scenario_names() {
  static const std::vector<std::string> names = {
      "pass-chain", "express-sync", "pass-chain-jsonata", "express-sync-jsonata", "activity",
      "resident",   "history",      "mix",                "polls"};
  return names;
}

std::string usage(const std::string& prog) {
  return "Usage: " + prog + R"( --scenario NAME [options]

Load generator for the AWS Step Functions API (Statecraft or moto). Speaks
only the public AWS JSON 1.0 API over keep-alive HTTP connections, verifies
every execution's final status and output, and reports throughput, latency
percentiles, errors by type and the correctness check.

Scenarios:
  pass-chain     STANDARD machine of 10 Pass states (Parameters + ResultPath):
                 StartExecution, poll DescribeExecution (back-off from 1 ms)
                 until final, verify the output exactly
  express-sync   EXPRESS machine with the same 10 states: StartSyncExecution
                 (Host: sync-<host>), verify status and output
  pass-chain-jsonata, express-sync-jsonata
                 the same two with the machine written in JSONata (each
                 state's Output merges the same object into its input), for
                 the JSONata-vs-JSONPath cost comparison
  activity       one activity Task; --workers built-in workers long-poll
                 GetActivityTask and answer SendTaskSuccess; measures
                 schedule-to-worker latency and tasks/s
  resident       start executions parked in a long Wait, measure how fast they
                 start, then StopExecution them all (verified ABORTED)
  history        one execution of ~1,000 events (a Map over --history-items
                 items), then GetExecutionHistory pages of 1,000, repeatedly
  mix            weighted mix of the above (--mix)
  polls          park --workers GetActivityTask long polls on as many
                 connections, hold them --hold seconds, then close (memory
                 measurement aid)

Load shape (bounded by --executions and --duration, whichever comes first):
  --concurrency C        closed loop: C users, each one iteration at a time
                         (default 16 when --rate is not given)
  --rate R               open loop: R iterations started per second
  --executions N         at most N iterations (default 1000000)
  --duration S           at most S seconds of load (default 10)
  --connections N        HTTP connections in all, split evenly over the
                         endpoints (default: C, or 64 per endpoint with --rate)
  --max-inflight N       open loop: iterations in flight before new ones are
                         skipped and counted as such (default 10000)
  --drain S              seconds in-flight iterations may take after the end
                         before they are abandoned (default 10)

Scenario settings:
  --workers N            activity workers in all (default 64), spread
                         round-robin over the endpoints; parked polls for polls
  --workers-per-node K   K workers on every endpoint (K x endpoints in all);
                         wins over --workers
  --mix SPEC             weights, e.g. pass-chain=40,express-sync=30,activity=20,
                         resident=5,history=5 (the default)
  --hold S               resident/polls: seconds to stay parked before stopping
                         (a line 'statecraft-traffic: parked ...' on stderr
                         marks the start of the hold)
  --no-stop              resident: leave the executions parked (no stop phase)
  --wait-seconds N       resident: length of the Wait state (default 3600)
  --history-items N      history: Map items, 4 events each + 6 (default 249,
                         1,002 events)
  --payload BYTES        extra padding in each execution input (default 0)

Target:
  --endpoint URL         http[s]://HOST[:PORT] (default http://127.0.0.1:8083);
                         repeat it to drive a cluster: users (closed loop) or
                         starts (open loop) go round-robin to the endpoints,
                         each iteration's calls go to its user's endpoint,
                         each worker polls and answers on its own endpoint,
                         setup and cleanup go to the first; the report adds
                         figures per endpoint (node)
  --region R             region for the Authorization scope (default us-east-1)
  --ca-bundle FILE       https://: trust the CA certificates in FILE too
  --insecure             https://: do not check the node's certificate
  --access-key ID        sign every call with SigV4 (a node with auth:), with
  --secret-key SECRET    these keys; without the flags AWS_ACCESS_KEY_ID,
                         AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) when
                         set; otherwise a dummy signature naming --region
  --prefix P             prefix of resource and execution names (default
                         sctraffic; letters, digits, '-' and '_')
  --unnamed              StartExecution without a name (pass-chain, activity,
                         resident): the server picks it, as for most real
                         starts; the input still carries the generator's id
  --moto                 first POST {"stepfunctions":{"execute_state_machine":
                         true}} to /moto-api/config (moto's server)
  --timeout S            per-request timeout in seconds (default 75)
  --no-cleanup           keep the state machines and activities created

Output:
  --json                 print the report as JSON on stdout
  --progress / --no-progress
                         live progress line on stderr (default: when stderr
                         is a terminal)
  -h, --help             show this help

Exit status: 0 all verified, 1 a correctness failure (a mismatched or
unverifiable execution, an error, or a failed setup), 2 bad usage.
)";
}

namespace {

bool parse_double(std::string_view s, double& out) {
  std::string str(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(str.c_str(), &end);
  if (str.empty() || *end != '\0' || errno != 0 || !std::isfinite(v)) return false;
  out = v;
  return true;
}

bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::vector<std::string> parse_options(int argc, char** argv, options& o) {
  std::vector<std::string> problems;
  auto int_in = [&](std::string_view flag, std::string_view v, int lo, int hi, int& dst) {
    uint64_t n = 0;
    if (!parse_u64(v, n) || n < static_cast<uint64_t>(lo) || n > static_cast<uint64_t>(hi))
      problems.push_back(std::string(flag) + ": expected an integer in " + std::to_string(lo) + ".." +
                         std::to_string(hi) + ", got '" + std::string(v) + "'");
    else
      dst = static_cast<int>(n);
  };
  auto pos_double = [&](std::string_view flag, std::string_view v, double lo, double& dst) {
    double d = 0;
    if (!parse_double(v, d) || d < lo)
      problems.push_back(std::string(flag) + ": expected a number >= " + std::to_string(lo) + ", got '" +
                         std::string(v) + "'");
    else
      dst = d;
  };

  using setter = std::function<void(std::string_view flag, std::string_view value)>;
  const std::map<std::string, setter, std::less<>> valued = {
      {"--scenario", [&](auto f, auto v) { o.scenario = std::string(v); }},
      {"--endpoint", [&](auto f, auto v) { o.endpoints.push_back(std::string(v)); }},
      {"--ca-bundle", [&](auto f, auto v) { o.ca_bundle = std::string(v); }},
      {"--access-key", [&](auto f, auto v) { o.access_key = std::string(v); }},
      {"--secret-key", [&](auto f, auto v) { o.secret_key = std::string(v); }},
      {"--region",
       [&](auto f, auto v) {
         if (v.empty()) problems.push_back("--region: empty");
         o.region = std::string(v);
       }},
      {"--prefix",
       [&](auto f, auto v) {
         bool ok = !v.empty() && v.size() <= 40;
         for (char c : v)
           ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '_');
         if (!ok) problems.push_back("--prefix: 1..40 letters, digits, '-' or '_'");
         o.prefix = std::string(v);
       }},
      {"--concurrency", [&](auto f, auto v) { int_in(f, v, 1, 100000, o.concurrency); }},
      {"--rate",
       [&](auto f, auto v) {
         pos_double(f, v, 0.001, o.rate);
       }},
      {"--executions",
       [&](auto f, auto v) {
         uint64_t n = 0;
         if (!parse_u64(v, n) || n == 0)
           problems.push_back("--executions: expected a positive integer, got '" + std::string(v) + "'");
         else
           o.executions = n;
       }},
      {"--duration", [&](auto f, auto v) { pos_double(f, v, 0.001, o.duration); }},
      {"--connections", [&](auto f, auto v) { int_in(f, v, 1, 100000, o.connections); }},
      {"--workers",
       [&](auto f, auto v) {
         int_in(f, v, 1, 100000, o.workers);
         o.workers_set = true;
       }},
      {"--workers-per-node", [&](auto f, auto v) { int_in(f, v, 1, 100000, o.workers_per_node); }},
      {"--mix",
       [&](auto f, auto v) {
         o.mix.clear();
         std::string_view rest = v;
         while (!rest.empty()) {
           auto comma = rest.find(',');
           auto item = rest.substr(0, comma);
           rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
           auto eq = item.find('=');
           std::string name(item.substr(0, eq));
           uint64_t w = 1;
           if (eq != std::string_view::npos && !parse_u64(item.substr(eq + 1), w)) {
             problems.push_back("--mix: bad weight in '" + std::string(item) + "'");
             continue;
           }
           bool known = name == "pass-chain" || name == "express-sync" || name == "activity" ||
                        name == "resident" || name == "history" || name == "pass-chain-jsonata" ||
                        name == "express-sync-jsonata";
           if (!known) {
             problems.push_back("--mix: unknown scenario '" + name +
                                "' (pass-chain, express-sync, activity, resident, history)");
             continue;
           }
           if (w > 1000000) w = 1000000;
           if (w > 0) o.mix[name] = static_cast<int>(w);
         }
         if (o.mix.empty()) problems.push_back("--mix: no scenario with a positive weight");
       }},
      {"--hold", [&](auto f, auto v) { pos_double(f, v, 0, o.hold); }},
      {"--wait-seconds", [&](auto f, auto v) { int_in(f, v, 1, 31536000, o.wait_seconds); }},
      {"--history-items", [&](auto f, auto v) { int_in(f, v, 1, 10000, o.history_items); }},
      {"--max-inflight", [&](auto f, auto v) { int_in(f, v, 1, 10000000, o.max_inflight); }},
      {"--drain", [&](auto f, auto v) { pos_double(f, v, 0, o.drain); }},
      {"--timeout", [&](auto f, auto v) { pos_double(f, v, 0.01, o.timeout); }},
      {"--payload", [&](auto f, auto v) { int_in(f, v, 0, 200000, o.payload); }},
  };
  const std::map<std::string, std::function<void()>, std::less<>> flags = {
      {"--moto", [&] { o.moto = true; }},
      {"--insecure", [&] { o.insecure = true; }},
      {"--json", [&] { o.json = true; }},
      {"--progress", [&] { o.progress = 1; }},
      {"--no-progress", [&] { o.progress = 0; }},
      {"--no-stop", [&] { o.no_stop = true; }},
      {"--unnamed", [&] { o.unnamed = true; }},
      {"--no-cleanup", [&] { o.cleanup = false; }},
      {"--help", [&] { o.help = true; }},
      {"-h", [&] { o.help = true; }},
  };

  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    std::string_view name = a, value;
    bool inline_value = false;
    if (auto eq = a.find('='); a.substr(0, 2) == "--" && eq != std::string_view::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      inline_value = true;
    }
    if (auto it = flags.find(name); it != flags.end()) {
      if (inline_value)
        problems.push_back(std::string(name) + " takes no value");
      else
        it->second();
      continue;
    }
    auto it = valued.find(name);
    if (it == valued.end()) {
      problems.push_back("unknown option '" + std::string(a) + "'");
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= argc) {
        problems.push_back(std::string(name) + ": missing value");
        continue;
      }
      value = argv[++i];
    }
    it->second(name, value);
  }
  if (o.help) return {};

  if (o.scenario.empty())
    problems.push_back("--scenario is required");
  else if (std::find(scenario_names().begin(), scenario_names().end(), o.scenario) == scenario_names().end())
    problems.push_back("--scenario: unknown '" + o.scenario +
                       "' (pass-chain, express-sync, pass-chain-jsonata, express-sync-jsonata, "
                       "activity, resident, history, mix, polls)");
  if (o.concurrency > 0 && o.rate > 0) problems.push_back("--concurrency and --rate exclude each other");
  if (o.endpoints.empty()) o.endpoints.push_back("http://127.0.0.1:8083");
  const int nodes = static_cast<int>(o.endpoints.size());
  if (o.workers_per_node > 0) {
    if (o.workers_set) o.workers_given = o.workers;
    if (static_cast<int64_t>(o.workers_per_node) * nodes > 1000000)
      problems.push_back("--workers-per-node: more than 1000000 workers in all");
    else
      o.workers = o.workers_per_node * nodes;
  }
  if (o.rate == 0 && o.concurrency == 0) o.concurrency = 16;
  if (o.connections == 0) o.connections = o.rate > 0 ? 64 * nodes : o.concurrency;
  if (o.rate == 0 && o.concurrency < nodes)
    problems.push_back("--concurrency " + std::to_string(o.concurrency) + " leaves some of the " +
                       std::to_string(nodes) + " endpoints without a user");
  if (o.connections < nodes)
    problems.push_back("--connections " + std::to_string(o.connections) + ": at least one per endpoint (" +
                       std::to_string(nodes) + ")");
  if (o.access_key.empty() != o.secret_key.empty())
    problems.push_back("--access-key and --secret-key go together");
  if (o.insecure && !o.ca_bundle.empty())
    problems.push_back("--insecure and --ca-bundle exclude each other");
  if (o.mix.empty()) o.mix = {{"pass-chain", 40}, {"express-sync", 30}, {"activity", 20}, {"resident", 5},
                              {"history", 5}};
  return problems;
}

}  // namespace sc::traffic
