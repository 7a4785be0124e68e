// statecraftd: one Statecraft node. Parses flags and the config file,
// builds the store, the node (actors) and the HTTP server, serves until
// SIGINT/SIGTERM, then shuts down cleanly (parked polls are answered,
// connections closed) and exits 0.
#include "actors/mock_config.hpp"
#include "actors/node.hpp"
#include "api/http_server.hpp"
#include "api/service.hpp"
#include "cluster/redis_store.hpp"
#include "cluster/secrets.hpp"
#include "cluster/store.hpp"
#include "config/load.hpp"
#include "observability/log.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>
#include <thread>
#include <vector>

namespace {

bool quiet_log(const sc::config::settings& s) {
  const auto& l = s.node.log_level;
  return l == "warn" || l == "error" || l == "off";
}

/// How many client connections the node accepts: the configured number, or
/// (0) as many as the descriptor limit allows, always keeping headroom for
/// the node's own descriptors (Redis, logs, epoll) so that running out of
/// them never stops the node. The soft limit is raised to the hard one.
size_t connection_budget(size_t configured, bool quiet) {
  rlimit rl{};
  size_t nofile = 1024;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < rl.rlim_max) {
      rlimit raised = rl;
      raised.rlim_cur = rl.rlim_max == RLIM_INFINITY ? (1u << 20) : std::min<rlim_t>(rl.rlim_max, 1u << 20);
      if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
    }
    nofile = rl.rlim_cur == RLIM_INFINITY ? (1u << 20) : static_cast<size_t>(rl.rlim_cur);
  }
  size_t reserve = nofile >= 2048 ? 256 : nofile / 8;
  size_t cap = std::max<size_t>(1, nofile - reserve);
  if (configured == 0) return cap;
  if (configured > cap && !quiet)
    std::cerr << "statecraftd: api.max_connections " << configured << " lowered to " << cap
              << " (descriptor limit " << nofile << ", " << reserve << " kept for the node)\n";
  return std::min(configured, cap);
}

}  // namespace

int main(int argc, char** argv) {
  sc::config::settings s;
  auto cli = sc::config::apply_args(argc, argv, s);
  if (s.node.log_format == "json") sc::obs::install_json_log();
  if (cli.exit) {
    if (!cli.output.empty()) std::cout << cli.output;
    for (auto& p : cli.problems) std::cerr << "statecraftd: " << p << "\n";
    return cli.exit_code;
  }

  // Block the stop signals in every thread; one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<sc::cluster::store> store;
  if (s.store.backend == "redis") {
    // Redis may still be starting (refusing connections, or LOADING its
    // AOF after a restart): keep trying for a while before giving up.
    std::string err;
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (int attempt = 0;; ++attempt) {
      sc::cluster::redis_store_options ro;
      ro.wait_replicas = s.store.redis_wait_replicas;
      ro.wait_timeout = std::chrono::milliseconds(s.store.redis_wait_timeout_ms);
      // WAIT blocks its connection: commands may take that long on top.
      ro.command_timeout += ro.wait_timeout;
      store = sc::cluster::make_redis_store(s.store.redis_url, ro, &err);
      if (store || std::chrono::steady_clock::now() > give_up ||
          err.find("shard") != std::string::npos || err.find("malformed") != std::string::npos ||
          err.find("does not monitor") != std::string::npos ||
          err.find("cluster support disabled") != std::string::npos)
        break;
      if (attempt == 0)
        std::cerr << "statecraftd: waiting for Redis at " << s.store.redis_url << ": " << err
                  << "\n";
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    if (!store) {
      std::cerr << "statecraftd: cannot use Redis at " << s.store.redis_url << ": " << err << "\n";
      return 1;
    }
  } else {
    store = sc::cluster::make_memory_store();
  }
  // Task and page tokens: on Redis, the cluster's secrets (shared by every
  // node and restart; the first node stores them); in memory, the
  // configured secret or a random one per process.
  std::vector<std::string> token_secrets;
  if (s.store.backend == "redis") {
    std::string err;
    auto joined = sc::cluster::join_secrets(s.store.redis_url, s.activities.task_token_secret, &err);
    if (!joined) {
      std::cerr << "statecraftd: refusing to start: " << err << "\n";
      return 1;
    }
    token_secrets = sc::cluster::secret_values(joined->ring);
    if (!quiet_log(s)) {
      std::cerr << "statecraftd: task token secret: the cluster's, key id "
                << joined->ring.front().key_id
                << (joined->created ? " (stored in Redis by this node)" : "");
      if (joined->ring.size() > 1)
        std::cerr << ", " << joined->ring.size() - 1 << " older accepted";
      std::cerr << "\n";
      if (joined->configured_is_older)
        std::cerr << "statecraftd: the configured task token secret is an older secret of the "
                     "cluster's; this node signs with the newest, key id "
                  << joined->ring.front().key_id << "\n";
    }
  }
  if (s.store.retention_hours > 0)
    store->set_retention(std::chrono::hours(s.store.retention_hours));
  {
    size_t mb = s.store.memory_budget_mb;
    if (mb == 0) {
      long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
      mb = pages > 0 && page > 0 ? static_cast<size_t>(pages) / 4 * static_cast<size_t>(page) >> 20
                                 : 1024;
    }
    store->set_memory_budget(mb << 20);
  }
  sc::actors::node node(s, *store);
  // Step Functions Local's mock file: --mock-config, else SFN_MOCK_CONFIG.
  std::shared_ptr<sc::actors::mock_config> mocks;
  {
    std::string path = s.executions.mock_config;
    if (path.empty())
      if (const char* env = std::getenv("SFN_MOCK_CONFIG")) path = env;
    if (!path.empty()) {
      std::vector<std::string> problems;
      mocks = std::make_shared<sc::actors::mock_config>(path, problems);
      if (!problems.empty()) {
        std::cerr << "statecraftd: refusing to start: the mock config " << path
                  << " is broken:\n";
        for (auto& p : problems) std::cerr << "statecraftd:   " << path << ": " << p << "\n";
        return 2;
      }
      mocks->watch();
      node.set_mock_config(mocks);
      if (!quiet_log(s)) std::cerr << "statecraftd: mock config " << path << "\n";
    }
  }
  if (!token_secrets.empty()) node.set_token_secrets(std::move(token_secrets));
  sc::api::service service(node);
  // aws-sdk:sfn:<action> Tasks call this node's own API in-process.
  node.set_local_api([&node](const std::string& operation, std::string body,
                             std::function<void(int, std::string)> done) {
    sc::api::call_operation(node, operation, std::move(body),
                            [done = std::move(done)](sc::api::response r) {
                              done(r.status, std::move(r.body));
                            });
  });
  sc::api::server_options opts;
  opts.bind = s.node.bind;
  opts.port = s.node.port;
  opts.io_threads = s.node.io_threads > 0 ? s.node.io_threads
                                          : (s.store.backend == "redis" ? 4 : 1);
  opts.max_request_bytes = s.api.max_request_bytes;
  opts.max_connections = connection_budget(s.api.max_connections, quiet_log(s));
  opts.max_connections_per_client = s.api.max_connections_per_client
                                        ? s.api.max_connections_per_client
                                        : std::max<size_t>(1, opts.max_connections / 8 * 7);
  opts.idle_timeout_seconds = s.api.idle_timeout_seconds;
  opts.header_timeout_seconds = s.api.header_timeout_seconds;
  opts.tls_cert_file = s.api.tls_cert_file;
  opts.tls_key_file = s.api.tls_key_file;
  opts.keep_headers = s.auth.mode != "none";  // SigV4 signs headers (api/auth.cpp)
  sc::api::http_server server(opts, service);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "statecraftd: " << e.what() << "\n";
    return 1;
  }
  if (s.store.backend == "redis") {
    std::string err;
    if (!node.enable_cluster(s.store.redis_url, &err)) {
      std::cerr << "statecraftd: cannot join the cluster: " << err << "\n";
      return 1;
    }
  }
  try {
    node.recover();
  } catch (const sc::cluster::store_error& e) {
    std::cerr << "statecraftd: recovery failed: " << e.what() << "\n";
    return 1;
  }
  bool quiet = quiet_log(s);
  if (!quiet)
    std::cerr << "statecraftd: serving on " << (s.api.tls_cert_file.empty() ? "http" : "https") << "://" << s.node.bind << ":" << server.port() << " ("
              << sc::config::describe(s) << ")\n";

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (!quiet) std::cerr << "statecraftd: signal " << sig << ", shutting down\n";
    server.stop();
  });
  server.run();
  // run() also returns if the io context stops for another reason: make
  // sure the waiter thread ends.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  node.shutdown();
  if (!quiet) std::cerr << "statecraftd: stopped\n";
  return 0;
}
