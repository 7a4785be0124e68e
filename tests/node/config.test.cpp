// Tests of config/: YAML loading (all problems at once, with key paths),
// validate(), statecraftd's flags and the example file shipped in config/.
#include "config/load.hpp"

#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace sc::config;

namespace {

/// A fresh mkdtemp directory, removed with everything in it at scope exit.
struct temp_dir {
  fs::path dir;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "sc-config-test-XXXXXX").string();
    if (mkdtemp(tmpl.data())) dir = tmpl;
    REQUIRE(!dir.empty());
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  /// Writes `text` to `name` inside the directory and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = dir / name;
    std::ofstream(p) << text;
    return p.string();
  }
};

/// argv-style call of apply_args (argv[0] = "statecraftd").
cli_result run(std::vector<std::string> args, settings& s) {
  args.insert(args.begin(), "statecraftd");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return apply_args(static_cast<int>(args.size()), argv.data(), s);
}

std::string example_path() {
#ifdef STATECRAFT_SOURCE_DIR
  return std::string(STATECRAFT_SOURCE_DIR) + "/config/statecraft.example.yaml";
#else
  return (fs::path(__FILE__).parent_path().parent_path().parent_path() / "config" /
          "statecraft.example.yaml")
      .string();
#endif
}

/// Settings where every key differs from its default.
settings all_changed() {
  settings s;
  s.node.node_id = "n9";
  s.node.bind = "0.0.0.0";
  s.node.port = 9999;
  s.node.region = "eu-west-3";
  s.node.account_id = "000000000000";
  s.node.log_level = "trace";
  s.node.io_threads = 7;
  s.node.worker_threads = 9;
  s.api.max_request_bytes = 4096;
  s.api.max_connections = 5;
  s.api.console_dir = "/tmp/console";
  s.activities.poll_timeout_seconds = 0.5;
  s.activities.task_token_secret = "0123456789abcdef";
  s.executions.time_scale = 100;
  s.executions.history_event_limit = 10;
  s.executions.idle_actor_seconds = 0.25;
  s.executions.mock_config = "/tmp/MockConfigFile.json";
  s.limits.state_machines = 3;
  s.limits.activities = 2;
  s.limits.pollers_per_activity = 1;
  s.executions.clock = "manual";
  s.executions.clock_start = "2030-01-01T00:00:00Z";
  s.cluster.heartbeat_seconds = 0.5;
  s.cluster.lease_ttl_seconds = 3;
  s.store.backend = "redis";
  s.store.redis_url = "redis://db:6379/2";
  s.store.retention_hours = 24;
  s.store.redis_wait_replicas = 2;
  s.store.redis_wait_timeout_ms = 250;
  s.node.log_format = "json";
  s.events.webhooks = "http://hooks.example/a";
  s.events.redis_stream = "on";
  s.events.stream_max_len = 7;
  s.events.execution_log = "/tmp/express.log";
  return s;
}

bool any_contains(const std::vector<std::string>& v, const std::string& needle) {
  for (const auto& x : v)
    if (x.find(needle) != std::string::npos) return true;
  return false;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += x + "\n";
  return out;
}

}  // namespace

TEST_CASE("defaults are valid", "[config]") {
  const settings s;
  CHECK(validate(s).empty());
  CHECK(s.node.port == 8083);
  CHECK(s.node.bind == "127.0.0.1");
  CHECK(s.api.max_request_bytes == 1048576);
  CHECK(s.store.backend == "memory");
}

TEST_CASE("the example file loads cleanly and sets every key to its default", "[config]") {
  settings s = all_changed();
  REQUIRE(validate(s).empty());
  REQUIRE(!(s.node == settings{}.node));
  const auto problems = load_file(example_path(), s);
  INFO(joined(problems));
  CHECK(problems.empty());
  // Every section's every key was present, since all were reset.
  CHECK(s.node == settings{}.node);
  CHECK(s.api == settings{}.api);
  CHECK(s.activities == settings{}.activities);
  CHECK(s.executions == settings{}.executions);
  CHECK(s.limits == settings{}.limits);
  CHECK(s.store == settings{}.store);
  CHECK(validate(s).empty());
}

TEST_CASE("events.webhooks takes a YAML list or a comma-separated flag", "[config]") {
  temp_dir t;
  settings s;
  auto p = load_file(t.write("w.yaml", "events:\n  webhooks:\n    - http://a:1/x\n"
                                       "    - https://b/y\n"), s);
  INFO(joined(p));
  CHECK(p.empty());
  CHECK(s.events.webhooks == "http://a:1/x,https://b/y");
  p = load_file(t.write("bad.yaml", "events:\n  webhooks: [ftp://a/x]\n"), s);
  CHECK(any_contains(p, "events.webhooks: must be http:// or https:// URLs"));
  settings f;
  auto r = run({"--event-webhook", "http://c/z", "--log-format", "json"}, f);
  CHECK(r.problems.empty());
  CHECK(f.events.webhooks == "http://c/z");
  CHECK(f.node.log_format == "json");
}

TEST_CASE("a file with three different mistakes reports all three", "[config]") {
  temp_dir t;
  const auto path = t.write("bad.yaml",
                            "node:\n"
                            "  port: abc\n"
                            "  log_level: loud\n"
                            "  region: eu-west-1\n"
                            "activities:\n"
                            "  polltimeout: 5\n");
  settings s;
  const auto p = load_file(path, s);
  INFO(joined(p));
  REQUIRE(p.size() == 3);
  CHECK(any_contains(p, "node.port: must be an integer between 1 and 65535 (got 'abc')"));
  CHECK(any_contains(p, "node.log_level: must be one of trace, debug, info, warn, error, off (got 'loud')"));
  CHECK(any_contains(p, "activities.polltimeout: unknown key"));
  // Each problem names the file and the 1-based line/column.
  CHECK(any_contains(p, path + ":2:9: node.port"));
  // Good values in the same file are still applied; bad ones are not.
  CHECK(s.node.region == "eu-west-1");
  CHECK(s.node.port == 8083);
  CHECK(s.node.log_level == "info");
}

TEST_CASE("unknown keys are reported with suggestions", "[config]") {
  temp_dir t;
  settings s;
  SECTION("misspelt section") {
    const auto p = load_file(t.write("a.yaml", "nod:\n  port: 1\n"), s);
    REQUIRE(p.size() == 1);
    CHECK(any_contains(p, "unknown key 'nod' at top level (did you mean 'node'?)"));
  }
  SECTION("misspelt key in a section") {
    const auto p = load_file(t.write("a.yaml", "activities:\n  polltimeout: 5\n  pollTimeoutSeconds: 1\n"), s);
    REQUIRE(p.size() == 2);
    CHECK(any_contains(p, "activities.polltimeout: unknown key (did you mean 'poll_timeout_seconds'?)"));
    CHECK(any_contains(p, "activities.pollTimeoutSeconds: unknown key (did you mean 'poll_timeout_seconds'?)"));
  }
  SECTION("key in the wrong section") {
    const auto p = load_file(t.write("a.yaml", "node:\n  max_connections: 5\nport: 1\n"), s);
    REQUIRE(p.size() == 2);
    CHECK(any_contains(p, "node.max_connections: unknown key (did you mean 'api.max_connections'?)"));
    CHECK(any_contains(p, "unknown key 'port' at top level (did you mean 'node.port'?)"));
  }
  SECTION("nothing close") {
    const auto p = load_file(t.write("a.yaml", "store:\n  zzzzzz: 1\n"), s);
    REQUIRE(p.size() == 1);
    CHECK(p[0].find("store.zzzzzz: unknown key") != std::string::npos);
    CHECK(p[0].find("did you mean") == std::string::npos);
  }
  CHECK(s == settings{});
}

TEST_CASE("wrong types and out-of-range values", "[config]") {
  temp_dir t;
  settings s;
  const auto p = load_file(t.write("types.yaml",
                                   "node:\n"
                                   "  port: [1, 2]\n"
                                   "  io_threads: 1.5\n"
                                   "  worker_threads: 257\n"
                                   "  account_id: 12345\n"
                                   "  region: US_EAST\n"
                                   "  bind: 'not an address'\n"
                                   "api:\n"
                                   "  max_request_bytes: 100\n"
                                   "  max_connections: {a: 1}\n"
                                   "activities:\n"
                                   "  poll_timeout_seconds: 61\n"
                                   "  task_token_secret: short-secret\n"
                                   "executions:\n"
                                   "  time_scale: fast\n"
                                   "  history_event_limit: -1\n"
                                   "store:\n"
                                   "  backend: postgres\n"
                                   "  redis_url: http://x:1\n"
                                   "  retention_hours: 99999999999999999999\n"),
                           s);
  INFO(joined(p));
  CHECK(p.size() == 15);
  CHECK(any_contains(p, "node.port: must be an integer between 1 and 65535 (got a list)"));
  CHECK(any_contains(p, "node.io_threads: must be an integer between 0 and 64 (got '1.5')"));
  CHECK(any_contains(p, "node.worker_threads: must be an integer between 0 and 256 (got '257')"));
  CHECK(any_contains(p, "node.account_id: must be exactly 12 digits (got '12345')"));
  CHECK(any_contains(p, "node.region: must look like an AWS region"));
  CHECK(any_contains(p, "node.bind: must be an IPv4 address, IPv6 address or host name"));
  CHECK(any_contains(p, "api.max_request_bytes: must be an integer >= 1024 (got '100')"));
  CHECK(any_contains(p, "api.max_connections: must be an integer >= 0 (got a mapping)"));
  CHECK(any_contains(p, "activities.poll_timeout_seconds: must be a number > 0 and <= 60 (got '61')"));
  // The secret is never echoed, only its length.
  CHECK(any_contains(p, "activities.task_token_secret: must be at least 16 characters, or empty for a random secret (got 12 characters)"));
  CHECK(!any_contains(p, "short-secret"));
  CHECK(any_contains(p, "executions.time_scale: must be a number > 0 (got 'fast')"));
  CHECK(any_contains(p, "executions.history_event_limit: must be an integer >= 1 (got '-1')"));
  CHECK(any_contains(p, "store.backend: must be one of memory, redis (got 'postgres')"));
  CHECK(any_contains(p, "store.redis_url: must be a URL of the form redis://HOST:PORT[/DB], redis+sentinel://HOST:PORT[,HOST:PORT...]/MASTER[/DB] or redis+cluster://HOST:PORT[,HOST:PORT...] (got 'http://x:1')"));
  CHECK(any_contains(p, "store.retention_hours: must be an integer between 0 and 2147483647"));
  CHECK(any_contains(p, "types.yaml:2:9: node.port"));
  CHECK(s == settings{});  // nothing bad was stored
}

TEST_CASE("good values of every kind are applied", "[config]") {
  temp_dir t;
  settings s;
  const auto p = load_file(t.write("good.yaml",
                                   "node:\n"
                                   "  node_id: n-1.a:b\n"
                                   "  bind: '::1'\n"
                                   "  port: \"9001\"\n"
                                   "  account_id: 012345678901\n"
                                   "  log_level: DEBUG\n"
                                   "api:\n"
                                   "activities:\n"
                                   "  poll_timeout_seconds: 0.25\n"
                                   "  task_token_secret: 0123456789abcdef0123\n"
                                   "executions:\n"
                                   "  time_scale: 1e2\n"
                                   "store:\n"
                                   "  backend: redis\n"
                                   "  redis_url: redis://[::1]:6380/3\n"
                                   "  retention_hours: 48\n"),
                           s);
  INFO(joined(p));
  CHECK(p.empty());
  CHECK(s.node.node_id == "n-1.a:b");
  CHECK(s.node.bind == "::1");
  CHECK(s.node.port == 9001);
  CHECK(s.node.account_id == "012345678901");
  CHECK(s.node.log_level == "debug");
  CHECK(s.activities.poll_timeout_seconds == 0.25);
  CHECK(s.activities.task_token_secret == "0123456789abcdef0123");
  CHECK(s.executions.time_scale == 100.0);
  CHECK(s.store.backend == "redis");
  CHECK(s.store.redis_url == "redis://[::1]:6380/3");
  CHECK(s.store.retention_hours == 48);
  CHECK(validate(s).empty());
}

TEST_CASE("empty values, empty files, duplicates, bad structure", "[config]") {
  temp_dir t;
  settings s = all_changed();
  SECTION("empty value means \"\" for strings that allow it, an error otherwise") {
    const auto p = load_file(t.write("e.yaml", "node:\n  node_id:\n  port:\nstore:\n  redis_url: ~\n"), s);
    INFO(joined(p));
    REQUIRE(p.size() == 1);
    CHECK(any_contains(p, "node.port: must be an integer between 1 and 65535 (got nothing)"));
    CHECK(s.node.node_id.empty());
    CHECK(s.store.redis_url.empty());
  }
  SECTION("empty file and comment-only sections change nothing") {
    CHECK(load_file(t.write("e.yaml", ""), s).empty());
    CHECK(load_file(t.write("c.yaml", "# nothing\nnode:\n  # port: 1\n"), s).empty());
    CHECK(s == all_changed());
  }
  SECTION("duplicate key") {
    const auto p = load_file(t.write("d.yaml", "node:\n  port: 1000\n  port: 2000\n"), s);
    REQUIRE(p.size() == 1);
    CHECK(any_contains(p, "d.yaml:3:3: node.port: duplicate key (first set at line 2)"));
    CHECK(s.node.port == 1000);
  }
  SECTION("section that is not a mapping, top level that is not a mapping") {
    auto p = load_file(t.write("m.yaml", "node: 5\napi: [1]\n"), s);
    CHECK(p.size() == 2);
    CHECK(any_contains(p, "node: must be a mapping of keys (got a value)"));
    CHECK(any_contains(p, "api: must be a mapping of keys (got a list)"));
    p = load_file(t.write("l.yaml", "- a\n- b\n"), s);
    REQUIRE(p.size() == 1);
    CHECK(any_contains(p, "top level: must be a mapping of sections"));
  }
  SECTION("two documents") {
    const auto p = load_file(t.write("two.yaml", "node: {port: 1}\n---\napi: {}\n"), s);
    REQUIRE(p.size() == 1);
    CHECK(any_contains(p, "only one YAML document is allowed"));
  }
}

TEST_CASE("missing file and YAML syntax errors are one problem each", "[config]") {
  temp_dir t;
  settings s;
  auto p = load_file((t.dir / "nope.yaml").string(), s);
  REQUIRE(p.size() == 1);
  CHECK(any_contains(p, "nope.yaml: cannot read config file: No such file or directory"));

  const auto path = t.write("syntax.yaml", "node:\n  port: 1\n  bind: [1,\n");
  p = load_file(path, s);
  REQUIRE(p.size() == 1);
  CHECK(p[0].rfind(path + ":", 0) == 0);
  CHECK(any_contains(p, "YAML syntax error"));
  CHECK(s == settings{});

  p = load_file(t.write("indent.yaml", "node:\n  port: 1\n bind: x\n"), s);
  REQUIRE(p.size() == 1);
  CHECK(any_contains(p, "indent.yaml:3:"));
}

TEST_CASE("validate checks cross-key rules and every key", "[config]") {
  settings s;
  s.store.backend = "redis";
  auto p = validate(s);
  REQUIRE(p.size() == 1);
  CHECK(p[0].find("store.redis_url: required when store.backend is 'redis'") == 0);
  s.store.redis_url = "redis://localhost:6379";
  CHECK(validate(s).empty());

  s = settings{};
  s.node.port = 0;
  s.executions.time_scale = 0;
  s.store.redis_url = "redis://nohost";
  p = validate(s);
  INFO(joined(p));
  REQUIRE(p.size() == 3);
  CHECK(any_contains(p, "node.port: must be an integer between 1 and 65535 (got '0')"));
  CHECK(any_contains(p, "executions.time_scale: must be a number > 0 (got '0')"));
  CHECK(any_contains(p, "store.redis_url: must be a URL"));
}

TEST_CASE("parse_redis_url", "[config]") {
  auto e = parse_redis_url("redis://cache.local:6380/2");
  REQUIRE(e);
  CHECK(e->host == "cache.local");
  CHECK(e->port == 6380);
  CHECK(e->db == 2);
  e = parse_redis_url("redis://10.0.0.1:6379");
  REQUIRE(e);
  CHECK(e->db == 0);
  e = parse_redis_url("redis://[::1]:7000/0");
  REQUIRE(e);
  CHECK(e->host == "::1");
  for (const char* bad : {"redis://", "redis://host", "redis://host:0", "redis://host:70000",
                          "redis://:6379", "http://host:6379", "redis://host:6379/x",
                          "redis://user:pw@host:6379", "redis://[::1/0", "redis://host:12ab"})
    CHECK_FALSE(parse_redis_url(bad));
}

TEST_CASE("flags override the config file whatever their order", "[config][cli]") {
  temp_dir t;
  const auto path = t.write("c.yaml", "node:\n  port: 8000\n  region: eu-west-1\n  log_level: warn\n");
  settings s;
  const auto r = run({"--port", "9000", "--config", path, "--log-level", "debug"}, s);
  INFO(joined(r.problems));
  CHECK_FALSE(r.exit);
  CHECK(r.problems.empty());
  CHECK(s.node.port == 9000);           // flag beats file, though given before --config
  CHECK(s.node.region == "eu-west-1");  // file beats default
  CHECK(s.node.log_level == "debug");
}

TEST_CASE("the quota limits: AWS's defaults, flags, file keys, at least 1", "[config][cli]") {
  settings s;
  CHECK(s.limits.state_machines == 10000);
  CHECK(s.limits.activities == 10000);
  CHECK(s.limits.pollers_per_activity == 1000);
  temp_dir t;
  const auto path = t.write("l.yaml", "limits:\n  activities: 7\n");
  auto r = run({"--state-machine-limit", "3", "--config", path, "--activity-poller-limit=2"}, s);
  INFO(joined(r.problems));
  CHECK(r.problems.empty());
  CHECK(s.limits.state_machines == 3);
  CHECK(s.limits.activities == 7);
  CHECK(s.limits.pollers_per_activity == 2);
  settings bad;
  r = run({"--state-machine-limit", "0", "--activity-limit", "-1"}, bad);
  CHECK(r.problems.size() == 2);
}

TEST_CASE("--flag=value and --flag value forms", "[config][cli]") {
  settings s;
  const auto r = run({"--port=9100", "--bind", "0.0.0.0", "--node-id=n7", "--region=ap-south-1",
                      "--account-id", "111122223333", "--time-scale=50",
                      "--activity-poll-timeout=0.5", "--task-token-secret=abcdefghijklmnop",
                      "--io-threads=2", "--worker-threads", "3", "--redis=redis://r:6379/1"},
                     s);
  INFO(joined(r.problems));
  CHECK(r.problems.empty());
  CHECK_FALSE(r.exit);
  CHECK(s.node.port == 9100);
  CHECK(s.node.bind == "0.0.0.0");
  CHECK(s.node.node_id == "n7");
  CHECK(s.node.region == "ap-south-1");
  CHECK(s.node.account_id == "111122223333");
  CHECK(s.executions.time_scale == 50.0);
  CHECK(s.activities.poll_timeout_seconds == 0.5);
  CHECK(s.activities.task_token_secret == "abcdefghijklmnop");
  CHECK(s.node.io_threads == 2);
  CHECK(s.node.worker_threads == 3);
  CHECK(s.store.backend == "redis");  // --redis selects the backend
  CHECK(s.store.redis_url == "redis://r:6379/1");
}

TEST_CASE("--clock and --clock-start", "[config][cli]") {
  settings s;
  auto p = run({"--clock", "manual", "--clock-start", "2030-01-01T00:00:00Z"}, s).problems;
  INFO(joined(p));
  CHECK(p.empty());
  CHECK(s.executions.clock == "manual");
  CHECK(s.executions.clock_start == "2030-01-01T00:00:00Z");
  settings bad;
  auto q = run({"--clock", "fast", "--clock-start", "tomorrow"}, bad).problems;
  CHECK(q.size() == 2);
  INFO(joined(q));
  CHECK(any_contains(q, "fast"));
  CHECK(any_contains(q, "must be an ISO-8601 instant"));
}

TEST_CASE("bad flags are all reported at once", "[config][cli]") {
  temp_dir t;
  settings s;
  const auto r = run({"--port", "abc", "--prot", "1", "--log-level=loud", "stray",
                      "--max-connections", "5", "--config", (t.dir / "missing.yaml").string(),
                      "--task-token-secret", "tiny", "--io-threads"},
                     s);
  INFO(joined(r.problems));
  CHECK(r.exit);
  CHECK(r.exit_code == 2);
  CHECK(r.problems.size() == 8);
  CHECK(any_contains(r.problems, "--port: must be an integer between 1 and 65535 (got 'abc')"));
  CHECK(any_contains(r.problems, "unknown flag '--prot' (did you mean '--port'?)"));
  CHECK(any_contains(r.problems, "--log-level: must be one of trace, debug, info, warn, error, off (got 'loud')"));
  CHECK(any_contains(r.problems, "unexpected argument 'stray'"));
  CHECK(any_contains(r.problems, "unknown flag '--max-connections' (set api.max_connections in the --config file instead)"));
  CHECK(any_contains(r.problems, "missing.yaml: cannot read config file"));
  CHECK(any_contains(r.problems, "--task-token-secret: must be at least 16 characters, or empty for a random secret (got 4 characters)"));
  CHECK(any_contains(r.problems, "--io-threads: missing value (--io-threads N)"));
  CHECK(s == settings{});
}

TEST_CASE("an unknown flag's presumed value is not reported again", "[config][cli]") {
  settings s;
  const auto r = run({"-p", "4", "--nope", "x", "--port", "5"}, s);
  INFO(joined(r.problems));
  REQUIRE(r.problems.size() == 2);
  CHECK(r.problems[0] == "unknown flag '-p' (see --help)");
  CHECK(r.problems[1] == "unknown flag '--nope' (see --help)");
  CHECK(s.node.port == 5);  // good flags are still applied
}

TEST_CASE("--redis without a valid URL, and redis backend from file without URL", "[config][cli]") {
  temp_dir t;
  settings s;
  auto r = run({"--redis", "localhost"}, s);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0] == "--redis: must be a URL of the form redis://HOST:PORT[/DB], redis+sentinel://HOST:PORT[,HOST:PORT...]/MASTER[/DB] or redis+cluster://HOST:PORT[,HOST:PORT...] (got 'localhost')");
  CHECK(s.store.backend == "memory");

  s = settings{};
  r = run({"--config", t.write("r.yaml", "store:\n  backend: redis\n")}, s);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].find("store.redis_url: required") == 0);
  CHECK(r.exit_code == 2);

  s = settings{};
  r = run({"--config", t.write("r.yaml", "store:\n  backend: redis\n"), "--redis", "redis://h:1"}, s);
  CHECK(r.problems.empty());
}

TEST_CASE("--help and --version", "[config][cli]") {
  settings s;
  auto r = run({"--help"}, s);
  CHECK(r.exit);
  CHECK(r.exit_code == 0);
  CHECK(r.problems.empty());
  for (const char* flag : {"--config FILE", "--port N", "--bind ADDR", "--node-id ID", "--log-level L",
                           "--region R", "--account-id N", "--redis URL", "--time-scale X",
                           "--activity-poll-timeout SECONDS", "--task-token-secret S",
                           "--io-threads N", "--worker-threads N", "--state-machine-limit N",
                           "--activity-limit N", "--activity-poller-limit N", "--help", "--version"})
    CHECK(r.output.find(flag) != std::string::npos);
  CHECK(r.output.find("(default 8083)") != std::string::npos);
  CHECK(r.output.find("(default 10000)") != std::string::npos);
  CHECK(r.output == usage());

  // --help wins over other flags, even bad ones, and loads nothing.
  r = run({"--bogus", "--port", "abc", "-h"}, s);
  CHECK(r.exit);
  CHECK(r.exit_code == 0);
  CHECK(r.problems.empty());
  CHECK(s == settings{});

  r = run({"--version"}, s);
  CHECK(r.exit);
  CHECK(r.exit_code == 0);
  CHECK(r.output == "statecraftd " + version() + "\n");

  r = run({}, s);
  CHECK_FALSE(r.exit);
  CHECK(r.problems.empty());
}

TEST_CASE("describe is one line and hides the secret", "[config]") {
  settings s;
  s.activities.task_token_secret = "super-secret-value-123";
  s.store.backend = "redis";
  s.store.redis_url = "redis://h:6379";
  const auto d = describe(s);
  CHECK(d.find('\n') == std::string::npos);
  CHECK(d.find("listen=127.0.0.1:8083") != std::string::npos);
  CHECK(d.find("node_id=auto") != std::string::npos);
  CHECK(d.find("store=redis(redis://h:6379)") != std::string::npos);
  CHECK(d.find("task_token_secret=configured") != std::string::npos);
  CHECK(d.find("super-secret") == std::string::npos);
  s.node.bind = "::";
  CHECK(describe(s).find("listen=[::]:8083") != std::string::npos);
}

TEST_CASE("effective node id and worker threads", "[config]") {
  settings s;
  const auto id = effective_node_id(s);
  CHECK(!id.empty());
  s.node.node_id = id;
  CHECK(validate(s).empty());  // the generated id is itself a valid node_id
  CHECK(effective_node_id(s) == id);
  s.node.worker_threads = 0;
  CHECK(effective_worker_threads(s) >= 1);
  s.node.worker_threads = 5;
  CHECK(effective_worker_threads(s) == 5);
}
