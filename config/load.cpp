// Loading and checking `settings` (see load.hpp for the contract).
//
// All knowledge about keys lives in one table, `fields()`: for each key its
// section, name, optional command-line flag, the rule it must satisfy (as an
// English "must ..." phrase) and three functions — parse text into settings,
// check the current value, show the current value. The YAML walker, the flag
// parser, validate(), describe()'s defaults and usage() all iterate over it.
//
// The readers of that table: load_yaml.cpp (the config file) and
// load_args.cpp (the command line).
#include "config/load.hpp"
#include "config/fields.hpp"
#include "config/load_security.hpp"

#include "cluster/redis_endpoint.hpp"
#include "runtime/aws/resolve.hpp"
#include "config/outbound_load.hpp"
#include "runtime/model/time.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <thread>
#include <utility>

namespace sc::config {
namespace detail {

// ---------------------------------------------------------------------------
// Small text helpers.

bool is_lower_alpha(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) {
  return is_lower_alpha(c) || is_digit(c) || (c >= 'A' && c <= 'Z');
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// Lowercase without '_' and '-': "pollTimeout", "poll-timeout" and
/// "poll_timeout" all become "polltimeout".
std::string normalize(std::string_view s) {
  std::string out;
  for (char c : lower(s))
    if (c != '_' && c != '-') out += c;
  return out;
}

/// A value quoted for a one-line message: control characters escaped and long
/// values shortened.
std::string quoted(std::string_view v) {
  std::string out = "'";
  std::size_t n = 0;
  for (char c : v) {
    if (++n > 80) {
      out += "...";
      break;
    }
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (static_cast<unsigned char>(c) < 0x20) out += '?';
    else out += c;
  }
  return out + "'";
}

std::optional<std::int64_t> parse_int(std::string_view t) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(std::string_view t) {
  double v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

/// Shortest text that reads back as `v` ("60", "0.25").
std::string show_double(double v) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, p) : std::string("?");
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions
/// and swaps of adjacent characters ("prot" -> "port") cost 1.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

/// The candidate closest to `word` when it is plausibly a typo of it: same
/// name modulo case/'_'/'-', a small edit distance, or one a prefix of the
/// other. nullopt when nothing is close.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string w = normalize(word);
  std::optional<std::string> best;
  std::size_t best_score = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    const std::string n = normalize(c);
    std::size_t d = edit_distance(w, n);
    const std::size_t allowed = std::max<std::size_t>(1, std::min<std::size_t>(3, w.size() / 3));
    const bool prefix = w.size() >= 4 && (n.rfind(w, 0) == 0 || w.rfind(n, 0) == 0);
    if (d > allowed && !prefix) continue;
    if (d < best_score) {
      best_score = d;
      best = c;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------
// Value rules.
}  // namespace detail

namespace {
using namespace detail;

/// Comma-separated http:// or https:// URLs (or nothing).
bool valid_webhooks(std::string_view v) {
  while (!v.empty()) {
    size_t comma = v.find(',');
    std::string_view u = v.substr(0, comma);
    while (!u.empty() && u.front() == ' ') u.remove_prefix(1);
    if (!(u.starts_with("http://") || u.starts_with("https://")) || u.size() < 9) return false;
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return true;
}

bool valid_region(std::string_view v) {
  if (v.empty() || v.size() > 64 || !is_lower_alpha(v.front()) || v.back() == '-') return false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (!(is_lower_alpha(c) || is_digit(c) || c == '-')) return false;
    if (c == '-' && v[i - 1] == '-') return false;
  }
  return true;
}

bool valid_account(std::string_view v) {
  return v.size() == 12 && std::all_of(v.begin(), v.end(), is_digit);
}

bool valid_hostname(std::string_view v) {
  if (v.empty() || v.size() > 253) return false;
  std::size_t label = 0;
  for (char c : v) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (is_alnum(c) || c == '-' || c == '_') {
      if (++label > 63) return false;
    } else {
      return false;
    }
  }
  return label > 0 || v.size() > 1;  // allow a trailing dot ("host.")
}

bool valid_ip(std::string_view v, bool v6) {
  std::string s(v);
  unsigned char buf[16];
  return inet_pton(v6 ? AF_INET6 : AF_INET, s.c_str(), buf) == 1;
}

bool valid_bind(std::string_view v) {
  return valid_ip(v, false) || valid_ip(v, true) || valid_hostname(v);
}

bool valid_node_id(std::string_view v) {
  if (v.size() > 128) return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    return is_alnum(c) || c == '.' || c == '_' || c == '-' || c == ':';
  });
}
// ---------------------------------------------------------------------------
// The key table.

template <class Sec, class T>
field int_field(std::string_view section, std::string_view key, Sec settings::*sec, T Sec::*mem,
                std::int64_t lo, std::int64_t hi) {
  field f;
  f.section = section;
  f.key = key;
  f.rule = hi == std::numeric_limits<std::int64_t>::max()
               ? "must be an integer >= " + std::to_string(lo)
               : "must be an integer between " + std::to_string(lo) + " and " + std::to_string(hi);
  f.parse = [=](std::string_view t, settings& s) {
    auto v = parse_int(t);
    if (!v || *v < lo || *v > hi) return false;
    (s.*sec).*mem = static_cast<T>(*v);
    return true;
  };
  f.check = [=](const settings& s) {
    T v = (s.*sec).*mem;
    return std::cmp_greater_equal(v, lo) && std::cmp_less_equal(v, hi);
  };
  f.show = [=](const settings& s) { return std::to_string((s.*sec).*mem); };
  return f;
}

template <class Sec>
field double_field(std::string_view section, std::string_view key, Sec settings::*sec,
                   double Sec::*mem, std::optional<double> max) {
  field f;
  f.section = section;
  f.key = key;
  f.rule = max ? "must be a number > 0 and <= " + show_double(*max) : "must be a number > 0";
  auto ok = [=](double v) { return v > 0 && std::isfinite(v) && (!max || v <= *max); };
  f.parse = [=](std::string_view t, settings& s) {
    auto v = parse_double(t);
    if (!v || !ok(*v)) return false;
    (s.*sec).*mem = *v;
    return true;
  };
  f.check = [=](const settings& s) { return ok((s.*sec).*mem); };
  f.show = [=](const settings& s) { return show_double((s.*sec).*mem); };
  return f;
}

template <class Sec>
field string_field(std::string_view section, std::string_view key, Sec settings::*sec,
                   std::string Sec::*mem, std::function<bool(std::string_view)> ok,
                   std::string rule) {
  field f;
  f.section = section;
  f.key = key;
  f.rule = std::move(rule);
  f.parse = [=](std::string_view t, settings& s) {
    if (!ok(t)) return false;
    (s.*sec).*mem = std::string(t);
    return true;
  };
  f.check = [=](const settings& s) { return ok((s.*sec).*mem); };
  f.show = [=](const settings& s) { return (s.*sec).*mem; };
  return f;
}

/// A string from a fixed list; matched case-insensitively, stored lowercase.
template <class Sec>
field enum_field(std::string_view section, std::string_view key, Sec settings::*sec,
                 std::string Sec::*mem, std::vector<std::string> allowed) {
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  field f = string_field(section, key, sec, mem,
                         [allowed](std::string_view v) {
                           return std::find(allowed.begin(), allowed.end(), std::string(v)) !=
                                  allowed.end();
                         },
                         "must be one of " + list);
  auto check = f.parse;
  f.parse = [check](std::string_view t, settings& s) { return check(lower(t), s); };
  return f;
}
}  // namespace

namespace detail {

const std::vector<field>& fields() {
  static const std::vector<field> table = [] {
    constexpr auto unbounded = std::numeric_limits<std::int64_t>::max();
    std::vector<field> t;
    // node
    t.push_back(string_field("node", "node_id", &settings::node, &node_settings::node_id,
                             valid_node_id,
                             "must be letters, digits, '.', '_', '-' or ':' (at most 128), "
                             "or empty for <hostname>-<pid>")
                    .cli("--node-id", "ID", "Cluster-unique node name (default: <hostname>-<pid>)"));
    t.push_back(string_field("node", "bind", &settings::node, &node_settings::bind, valid_bind,
                             "must be an IPv4 address, IPv6 address or host name")
                    .cli("--bind", "ADDR", "Address the API listens on"));
    t.push_back(int_field("node", "port", &settings::node, &node_settings::port, 1, 65535)
                    .cli("--port", "N", "TCP port of the AWS-JSON API"));
    t.push_back(string_field("node", "region", &settings::node, &node_settings::region,
                             valid_region,
                             "must look like an AWS region such as 'us-east-1' "
                             "(lowercase letters, digits and dashes)")
                    .cli("--region", "R", "Region used in ARNs"));
    t.push_back(string_field("node", "account_id", &settings::node, &node_settings::account_id,
                             valid_account, "must be exactly 12 digits")
                    .cli("--account-id", "N", "12-digit account id used in ARNs"));
    t.push_back(enum_field("node", "log_level", &settings::node, &node_settings::log_level,
                           {"trace", "debug", "info", "warn", "error", "off"})
                    .cli("--log-level", "L", "Log level: trace, debug, info, warn, error or off"));
    t.push_back(enum_field("node", "log_format", &settings::node, &node_settings::log_format,
                           {"text", "json"})
                    .cli("--log-format", "F", "Log lines on stderr: text or json"));
    t.push_back(int_field("node", "io_threads", &settings::node, &node_settings::io_threads, 0, 64)
                    .cli("--io-threads", "N",
                         "Network I/O threads, 0..64; 0 = 1 (memory store) or 4 (Redis)"));
    t.push_back(int_field("node", "worker_threads", &settings::node,
                          &node_settings::worker_threads, 0, 256)
                    .cli("--worker-threads", "N", "Execution threads, 0..256; 0 = one per core"));
    // api
    t.push_back(int_field("api", "max_request_bytes", &settings::api,
                          &api_settings::max_request_bytes, 1024, unbounded));
    t.push_back(int_field("api", "max_connections", &settings::api,
                          &api_settings::max_connections, 0, unbounded));
    t.push_back(int_field("api", "max_connections_per_client", &settings::api,
                          &api_settings::max_connections_per_client, 0, unbounded));
    t.push_back(double_field("api", "idle_timeout_seconds", &settings::api,
                             &api_settings::idle_timeout_seconds, 3600.0));
    t.push_back(double_field("api", "header_timeout_seconds", &settings::api,
                             &api_settings::header_timeout_seconds, 3600.0));
    t.push_back(string_field("api", "tls_cert_file", &settings::api,
                             &api_settings::tls_cert_file, [](std::string_view) { return true; },
                             "a file path")
                    .cli("--tls-cert", "FILE",
                         "PEM certificate (chain): serve HTTPS only, with --tls-key"));
    t.push_back(string_field("api", "tls_key_file", &settings::api, &api_settings::tls_key_file,
                             [](std::string_view) { return true; }, "a file path")
                    .cli("--tls-key", "FILE", "PEM private key of --tls-cert"));
    t.push_back(string_field("api", "console_dir", &settings::api, &api_settings::console_dir,
                             [](std::string_view) { return true; }, "a folder path")
                    .cli("--console-dir", "DIR",
                         "Web console assets served at GET / (default: the build's console/dist; off = none)"));
    // activities
    t.push_back(double_field("activities", "poll_timeout_seconds", &settings::activities,
                             &activities_settings::poll_timeout_seconds, 60.0)
                    .cli("--activity-poll-timeout", "SECONDS",
                         "GetActivityTask long-poll wait, > 0 and <= 60"));
    t.push_back(string_field("activities", "task_token_secret", &settings::activities,
                             &activities_settings::task_token_secret,
                             [](std::string_view v) { return v.empty() || v.size() >= 16; },
                             "must be at least 16 characters, or empty for a random secret")
                    .with_secret()
                    .cli("--task-token-secret", "S",
                         "Task token HMAC key, >= 16 chars (default: the cluster's on Redis, else random)"));
    // executions
    t.push_back(double_field("executions", "time_scale", &settings::executions,
                             &executions_settings::time_scale, std::nullopt)
                    .cli("--time-scale", "X", "Divide waits and timeouts by X (> 0)"));
    t.push_back(enum_field("executions", "clock", &settings::executions,
                           &executions_settings::clock, {"wall", "manual"})
                    .cli("--clock", "C",
                         "Execution time: wall, or manual (moved by POST /_statecraft/clock)"));
    t.push_back(string_field("executions", "clock_start", &settings::executions,
                             &executions_settings::clock_start,
                             [](std::string_view v) {
                               return v.empty() || model::parse_iso8601(v).has_value();
                             },
                             "must be an ISO-8601 instant such as 2027-01-01T00:00:00Z")
                    .cli("--clock-start", "T", "The manual clock's first time (ISO-8601)"));
    t.push_back(int_field("executions", "history_event_limit", &settings::executions,
                          &executions_settings::history_event_limit, 1, unbounded));
    t.push_back(int_field("executions", "history_bytes_limit_mb", &settings::executions,
                          &executions_settings::history_bytes_limit_mb, 1, unbounded));
    t.push_back(double_field("executions", "idle_actor_seconds", &settings::executions,
                             &executions_settings::idle_actor_seconds, std::nullopt)
                    .cli("--idle-actor-seconds", "S",
                         "Idle executions sleep in the store after S seconds (> 0)"));
    t.push_back(string_field("executions", "mock_config", &settings::executions,
                             &executions_settings::mock_config,
                             [](std::string_view) { return true; }, "a file path")
                    .cli("--mock-config", "FILE",
                         "Step Functions Local mock file (default: $SFN_MOCK_CONFIG)"));
    // limits
    t.push_back(int_field("limits", "state_machines", &settings::limits,
                          &limits_settings::state_machines, 1, unbounded)
                    .cli("--state-machine-limit", "N",
                         "Most state machines (StateMachineLimitExceeded past it)"));
    t.push_back(int_field("limits", "activities", &settings::limits,
                          &limits_settings::activities, 1, unbounded)
                    .cli("--activity-limit", "N", "Most activities (ActivityLimitExceeded past it)"));
    t.push_back(int_field("limits", "open_executions", &settings::limits,
                          &limits_settings::open_executions, 1, unbounded)
                    .cli("--open-execution-limit", "N",
                         "Most running Standard executions per account and Region "
                         "(ExecutionLimitExceeded past it; memory store)"));
    t.push_back(int_field("limits", "pollers_per_activity", &settings::limits,
                          &limits_settings::pollers_per_activity, 1, unbounded)
                    .cli("--activity-poller-limit", "N",
                         "Most GetActivityTask polls waiting per activity and node"));
    // store
    t.push_back(enum_field("store", "backend", &settings::store, &store_settings::backend,
                           {"memory", "redis"}));
    t.push_back(string_field("store", "redis_url", &settings::store, &store_settings::redis_url,
                             [](std::string_view v) {
                               return v.empty() || cluster::parse_redis_endpoint(v).has_value();
                             },
                             std::string("must be a URL of the form ") + cluster::redis_url_forms)
                    .cli("--redis", "URL",
                         "Store in Redis at redis://HOST:PORT[/DB], at the master Redis "
                         "Sentinel names: redis+sentinel://HOST:PORT[,HOST:PORT...]/MASTER[/DB], "
                         "or in a Redis Cluster: redis+cluster://HOST:PORT[,HOST:PORT...]")
                    .then([](settings& s) { s.store.backend = "redis"; }));
    t.push_back(int_field("store", "redis_wait_replicas", &settings::store,
                          &store_settings::redis_wait_replicas, 0, 64)
                    .cli("--redis-wait-replicas", "N",
                         "Acknowledge work only once N Redis replicas have it (WAIT); 0 = off"));
    t.push_back(int_field("store", "redis_wait_timeout_ms", &settings::store,
                          &store_settings::redis_wait_timeout_ms, 1, 60000)
                    .cli("--redis-wait-timeout-ms", "MS",
                         "Longest WAIT for the replicas; fewer in time = the write failed"));
    t.push_back(int_field("store", "retention_hours", &settings::store,
                          &store_settings::retention_hours, 0,
                          std::numeric_limits<int>::max()));
    t.push_back(int_field("store", "memory_budget_mb", &settings::store,
                          &store_settings::memory_budget_mb, 0, unbounded));
    // cluster
    t.push_back(double_field("cluster", "heartbeat_seconds", &settings::cluster,
                             &cluster_settings::heartbeat_seconds, std::nullopt)
                    .cli("--heartbeat-seconds", "S",
                         "Cluster heartbeat / lease renewal interval (> 0)"));
    t.push_back(double_field("cluster", "lease_ttl_seconds", &settings::cluster,
                             &cluster_settings::lease_ttl_seconds, std::nullopt)
                    .cli("--lease-ttl-seconds", "S",
                         "Shard lease lifetime; a dead node's shards move after it"));
    // aws (docs/aws-integrations.md)
    auto any = [](std::string_view) { return true; };
    auto url_or_empty = [](std::string_view v) {
      return v.empty() || v.rfind("http://", 0) == 0 || v.rfind("https://", 0) == 0;
    };
    t.push_back(string_field("aws", "endpoint_url", &settings::aws, &aws_settings::endpoint_url,
                             url_or_empty, "must be an http:// or https:// URL, or empty")
                    .cli("--aws-endpoint-url", "URL",
                         "Endpoint of every AWS service called (default: AWS_ENDPOINT_URL...)"));
    t.push_back(string_field("aws", "service_endpoints", &settings::aws,
                             &aws_settings::service_endpoints,
                             [](std::string_view v) {
                               std::map<std::string, std::string> m;
                               std::string err;
                               return aws::parse_service_endpoints(v, m, err);
                             },
                             "must be service=URL pairs separated by commas"));
    t.push_back(string_field("aws", "region", &settings::aws, &aws_settings::region,
                             [](std::string_view v) { return v.empty() || valid_region(v); },
                             "must look like an AWS region, or be empty")
                    .cli("--aws-region", "R", "Region of AWS calls (default: AWS_REGION...)"));
    t.push_back(string_field("aws", "profile", &settings::aws, &aws_settings::profile, any, "a profile name"));
    t.push_back(string_field("aws", "access_key_id", &settings::aws, &aws_settings::access_key_id,
                             any, "an access key id"));
    t.push_back(string_field("aws", "secret_access_key", &settings::aws,
                             &aws_settings::secret_access_key, any, "a secret key")
                    .with_secret());
    t.push_back(string_field("aws", "session_token", &settings::aws, &aws_settings::session_token,
                             any, "a session token")
                    .with_secret());
    t.push_back(enum_field("aws", "s3_addressing", &settings::aws, &aws_settings::s3_addressing,
                           {"auto", "path", "virtual"}));
    t.push_back(int_field("aws", "max_attempts", &settings::aws, &aws_settings::max_attempts, 1, 20));
    t.push_back(double_field("aws", "timeout_seconds", &settings::aws,
                             &aws_settings::timeout_seconds, std::nullopt));
    t.push_back(int_field("aws", "max_concurrent_per_service", &settings::aws,
                          &aws_settings::max_concurrent_per_service, 1, 100000));
    t.push_back(enum_field("aws", "assume_role", &settings::aws, &aws_settings::assume_role,
                           {"auto", "always", "never"}));
    // events
    t.push_back(string_field("events", "webhooks", &settings::events, &events_settings::webhooks,
                             valid_webhooks, "must be http:// or https:// URLs (a list)")
                    .as_list()
                    .cli("--event-webhook", "URL[,URL]",
                         "POST every execution status change event to these URLs"));
    t.push_back(enum_field("events", "redis_stream", &settings::events,
                           &events_settings::redis_stream, {"on", "off"}));
    t.push_back(int_field("events", "stream_max_len", &settings::events,
                          &events_settings::stream_max_len, 1, unbounded));
    t.push_back(string_field("events", "execution_log", &settings::events,
                             &events_settings::execution_log,
                             [](std::string_view) { return true; },
                             "stdout, stderr, a file path, or empty")
                    .cli("--execution-log", "SINK",
                         "Express execution logs (LoggingConfiguration): stdout, stderr or a file"));
    return t;
  }();
  return table;
}

const std::vector<std::string>& section_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& f : fields())
      if (std::find(out.begin(), out.end(), f.section) == out.end()) out.emplace_back(f.section);
    return out;
  }();
  return names;
}

const field* find_field(std::string_view section, std::string_view key) {
  for (const auto& f : fields())
    if (f.section == section && f.key == key) return &f;
  return nullptr;
}

/// Suggestion for an unknown key `key` in `section` ("" = top level): a close
/// key of the same section, else the same key in another section.
std::optional<std::string> suggest_key(std::string_view section, std::string_view key) {
  std::vector<std::string> same;
  if (section.empty()) {
    same = section_names();
  } else {
    for (const auto& f : fields())
      if (f.section == section) same.emplace_back(f.key);
  }
  if (auto c = closest(key, same)) return c;
  for (const auto& f : fields())
    if (f.section != section && normalize(f.key) == normalize(key)) return f.path();
  return std::nullopt;
}
}  // namespace detail

// ---------------------------------------------------------------------------
// Public API.

std::optional<redis_endpoint> parse_redis_url(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  if (url.substr(0, scheme.size()) != scheme) return std::nullopt;
  std::string_view rest = url.substr(scheme.size());
  redis_endpoint ep;
  std::string_view port_and_path;
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:PORT
    auto close = rest.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    ep.host = std::string(rest.substr(1, close - 1));
    if (!valid_ip(ep.host, true)) return std::nullopt;
    rest.remove_prefix(close + 1);
    if (rest.empty() || rest.front() != ':') return std::nullopt;
    port_and_path = rest.substr(1);
  } else {
    auto colon = rest.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    ep.host = std::string(rest.substr(0, colon));
    if (!valid_hostname(ep.host) && !valid_ip(ep.host, false)) return std::nullopt;
    port_and_path = rest.substr(colon + 1);
  }
  auto slash = port_and_path.find('/');
  auto port = parse_int(port_and_path.substr(0, slash));
  if (!port || *port < 1 || *port > 65535) return std::nullopt;
  ep.port = static_cast<int>(*port);
  if (slash != std::string_view::npos) {
    std::string_view db = port_and_path.substr(slash + 1);
    if (!db.empty()) {
      auto d = parse_int(db);
      if (!d || *d < 0 || *d > std::numeric_limits<int>::max()) return std::nullopt;
      ep.db = static_cast<int>(*d);
    }
  }
  return ep;
}
std::vector<std::string> validate(const settings& s) {
  std::vector<std::string> out;
  for (const auto& f : fields())
    if (!f.check(s)) out.push_back(f.path() + ": " + f.complaint(f.show(s)));
  if (s.store.backend == "redis" && s.store.redis_url.empty())
    out.push_back(
        "store.redis_url: required when store.backend is 'redis' "
        "(set it in the config file or pass --redis URL)");
  if (s.cluster.lease_ttl_seconds <= s.cluster.heartbeat_seconds)
    out.push_back("cluster.lease_ttl_seconds: must be greater than cluster.heartbeat_seconds");
  if (s.api.tls_cert_file.empty() != s.api.tls_key_file.empty())
    out.push_back("api.tls_cert_file, api.tls_key_file: HTTPS needs both (--tls-cert and --tls-key)");
  detail::validate_security(s, out);
  for (auto& p : detail::validate_outbound(s)) out.push_back(std::move(p));
  return out;
}
std::string describe(const settings& s) {
  const auto& n = s.node;
  std::string host = n.bind.find(':') != std::string::npos ? "[" + n.bind + "]" : n.bind;
  std::string out;
  out += "node_id=" + (n.node_id.empty() ? std::string("auto") : n.node_id);
  out += " listen=" + host + ":" + std::to_string(n.port);
  out += " region=" + n.region + " account_id=" + n.account_id;
  out += " log_level=" + n.log_level;
  out += " io_threads=" + std::to_string(n.io_threads);
  out += " worker_threads=" + std::to_string(effective_worker_threads(s)) +
         (n.worker_threads == 0 ? "(auto)" : "");
  out += " max_request_bytes=" + std::to_string(s.api.max_request_bytes);
  out += " max_connections=" +
         (s.api.max_connections ? std::to_string(s.api.max_connections) : std::string("auto"));
  out += " idle_timeout=" + show_double(s.api.idle_timeout_seconds) + "s";
  out += " header_timeout=" + show_double(s.api.header_timeout_seconds) + "s";
  out += " activity_poll_timeout=" + show_double(s.activities.poll_timeout_seconds) + "s";
  out += std::string(" task_token_secret=") +
         (s.activities.task_token_secret.empty()
              ? (s.store.backend == "redis" ? "cluster" : "random")
              : "configured");
  out += " time_scale=" + show_double(s.executions.time_scale);
  if (s.executions.clock != "wall") out += " clock=" + s.executions.clock;
  out += " history_event_limit=" + std::to_string(s.executions.history_event_limit);
  out += " state_machine_limit=" + std::to_string(s.limits.state_machines);
  out += " activity_limit=" + std::to_string(s.limits.activities);
  out += " pollers_per_activity=" + std::to_string(s.limits.pollers_per_activity);
  out += " store=" + s.store.backend;
  if (!s.store.redis_url.empty() && s.store.backend == "redis") out += "(" + s.store.redis_url + ")";
  if (!s.api.tls_cert_file.empty()) out += " tls=on";
  if (s.auth.mode != "none")
    out += " auth=" + s.auth.mode + "(" + std::to_string(s.auth.keys.size()) + " keys)";
  if (s.throttling.enabled) out += " throttling=on";
  out += " retention=" + (s.store.retention_hours == 0
                              ? std::string("forever")
                              : std::to_string(s.store.retention_hours) + "h");
  out += " outbound_allow=" + (s.outbound.allow.empty() ? std::string("anywhere")
                                                        : std::to_string(s.outbound.allow.size()) + "_entries");
  out += " outbound_max_calls=" + std::to_string(s.outbound.max_concurrent_calls);
  out += " connections=" + std::to_string(s.connections.size());  // a count: never secrets
  return out;
}

std::string effective_node_id(const settings& s) {
  if (!s.node.node_id.empty()) return s.node.node_id;
  char buf[256] = {};
  std::string host;
  if (gethostname(buf, sizeof buf - 1) == 0) host = buf;
  std::string clean;
  for (char c : host)
    if (is_alnum(c) || c == '.' || c == '_' || c == '-') clean += c;
  if (clean.empty()) clean = "statecraft";
  if (clean.size() > 100) clean.resize(100);
  return clean + "-" + std::to_string(static_cast<long>(getpid()));
}

int effective_worker_threads(const settings& s) {
  if (s.node.worker_threads > 0) return s.node.worker_threads;
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(std::min(n, 256u));
}

}  // namespace sc::config
