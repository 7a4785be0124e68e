// Where a node's Redis is: one server (redis://HOST:PORT[/DB]), the
// master of a set of servers watched by Redis Sentinel
// (redis+sentinel://HOST:PORT[,HOST:PORT...]/MASTER[/DB]), or a Redis
// Cluster (redis+cluster://HOST:PORT[,HOST:PORT...], any of its nodes as
// seeds; routing in cluster/redis_cluster.hpp).
//
// Every connection the store and the coordinator open goes through
// connect_redis_master(): with Sentinel it asks the sentinels (in turn,
// starting with the one that answered last) which server is the master of
// MASTER (SENTINEL get-master-addr-by-name), connects there and checks with
// ROLE that the server really is a master before using it. A connection
// that breaks, or a write refused with READONLY (is_failover_error), is
// dropped by its owner; the next connection asks the sentinels again, so
// the node follows a failover. A sentinel_watch (optional) listens for
// +switch-master on the sentinels and bumps a generation number, so owners
// of pooled connections can drop the ones opened before the switch.
//
// No CAF, no store types here: config/ links it to validate URLs.
#pragma once

#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace sc::cluster {

struct redis_host {
  std::string host;  ///< name or address (IPv6 without brackets)
  int port = 6379;
  bool operator==(const redis_host&) const = default;
};

/// A parsed Redis URL.
struct redis_endpoint {
  redis_host server;                 ///< redis://: the server
  std::vector<redis_host> sentinels;  ///< redis+sentinel://: the sentinels (non-empty)
  std::string master;                 ///< redis+sentinel://: the master's name
  std::vector<redis_host> cluster_nodes;  ///< redis+cluster://: seed nodes (non-empty)
  int db = 0;

  bool uses_sentinel() const { return !sentinels.empty(); }
  bool uses_cluster() const { return !cluster_nodes.empty(); }
  /// "HOST:PORT", "master NAME via sentinels H:P,H:P" or
  /// "Redis Cluster H:P,H:P".
  std::string describe() const;
};

/// Parses redis://HOST:PORT[/DB],
/// redis+sentinel://HOST:PORT[,HOST:PORT...]/MASTER[/DB] or
/// redis+cluster://HOST:PORT[,HOST:PORT...] (IPv6 hosts in brackets; no
/// user or password; the sentinels' port defaults to 26379 and the cluster
/// nodes' to 6379 when omitted; a cluster has database 0 only). nullopt
/// with *why set when malformed.
std::optional<redis_endpoint> parse_redis_endpoint(std::string_view url, std::string* why = nullptr);

/// The URL forms parse_redis_endpoint accepts, for error messages.
inline constexpr const char* redis_url_forms =
    "redis://HOST:PORT[/DB], redis+sentinel://HOST:PORT[,HOST:PORT...]/MASTER[/DB] or "
    "redis+cluster://HOST:PORT[,HOST:PORT...]";

/// Where the sentinels say the master is, and the sentinel that said so.
struct master_lookup {
  redis_host master;
  redis_host sentinel;
};

/// Connects to the master of `ep`: the server itself for redis://, the
/// sentinels' current master (checked with ROLE) for redis+sentinel://,
/// the master serving the global keys' slot (hash tag {g}, keys.hpp) for
/// redis+cluster:// (commands on other slots get -MOVED: use
/// redis_cluster_client to route them).
/// The connection has `command_timeout` set, keep-alive on and the URL's DB
/// selected. nullptr with *error set when it fails; *where (optional) is the
/// server tried ("HOST:PORT"). Thread-safe; SIGPIPE is blocked meanwhile.
redisContext* connect_redis_master(const redis_endpoint& ep,
                                   std::chrono::milliseconds connect_timeout,
                                   std::chrono::milliseconds command_timeout, std::string* error,
                                   std::string* where = nullptr);

/// Asks the sentinels of `ep` for its master (no connection to the master).
std::optional<master_lookup> ask_sentinels(const redis_endpoint& ep,
                                           std::chrono::milliseconds timeout, std::string* error);

/// True for the error replies a server gives while it is not (or no longer)
/// a writable master: READONLY, MASTERDOWN, LOADING. The connection that got
/// one should be dropped so the next one finds the current master.
bool is_failover_error(const redisReply* r);

/// True when the command `name` (upper case) changes data, so its caller
/// waits for replicas (store.redis_wait_replicas) before acknowledging.
bool redis_command_writes(std::string_view name);

/// WAIT numreplicas timeout on `c`: the replicas that acknowledged every
/// write made on `c` so far, or -1 with *error set when the connection
/// failed or Redis refused WAIT.
long long wait_for_replicas(redisContext* c, int replicas, std::chrono::milliseconds timeout,
                            std::string* error);

/// Listens on the sentinels of `ep` for +switch-master of its master (one
/// thread, reconnecting to the next sentinel when one goes away) and counts
/// the switches seen. For redis:// endpoints it does nothing.
class sentinel_watch {
 public:
  explicit sentinel_watch(redis_endpoint ep);
  ~sentinel_watch();
  sentinel_watch(const sentinel_watch&) = delete;
  sentinel_watch& operator=(const sentinel_watch&) = delete;

  /// Switches seen so far (connections opened before a switch are stale).
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  void run();

  redis_endpoint ep_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  redisContext* ctx_ = nullptr;  ///< the subscription (guarded by mu_ for stop)
  std::thread thread_;
};

}  // namespace sc::cluster
