// Redis Cluster as Statecraft's Redis (redis+cluster://HOST:PORT[,HOST:PORT...]).
//
// A Redis Cluster splits the keyspace into 16384 hash slots, each served by
// one master (CRC16 of the key's hash tag, the text inside the first {…},
// mod 16384). Statecraft's keys were laid out for it (keys.hpp): every key of
// one execution shard carries the tag {S}, every global key the tag {g}, so
// each MULTI … EXEC and each Lua script touches one slot, and a shard lives
// in one slot, on one master.
//
// redis_cluster_client is the router the Redis store and the coordinator
// send their pipelines through when the URL is redis+cluster://:
//  * The slot map comes from CLUSTER SLOTS, asked of any known node (the
//    seeds of the URL first, then every node seen in a map), at start and
//    whenever a reply says it is stale.
//  * One pool of connections per master. A pipeline (RESP commands in wire
//    format, as the callers build them) is cut into units — one command, or
//    MULTI … EXEC with what is between — each routed by the slot of its
//    first key; the units of each master go out as one pipeline, all
//    masters' pipelines are written before any reply is read, and the
//    replies come back in the caller's order.
//  * -MOVED: the slot moved for good; the map is refreshed and the unit sent
//    again to the new master. -ASK: the slot is being migrated and the key
//    is not on the old master any more; the unit is sent once to the
//    importing node preceded by ASKING. -TRYAGAIN (a multi-key command during
//    a migration), -CLUSTERDOWN, READONLY/MASTERDOWN/LOADING (a failover
//    under way) and connections that cannot be opened: back off, refresh the
//    map, send again. None of these replies means the unit ran (a
//    transaction with a redirected command is aborted with EXECABORT), so
//    sending again is safe. A connection that breaks after the unit was
//    written is different — the unit may have run — so the call fails
//    (store_unavailable for the callers) and the caller decides, exactly as
//    with one Redis; the map is refreshed for the next call.
//  * -NOSCRIPT on EVALSHA: the client remembers every script that went
//    through it with SCRIPT LOAD (a SCRIPT LOAD goes to every master), loads
//    it on that master and sends the unit again — a promoted replica or a
//    master added later may not have it.
//  * Keyless commands (PUBLISH, TIME, SCRIPT LOAD, ...) go to any master.
//    PUBLISH on any node reaches subscribers on every node (Redis Cluster
//    forwards plain pub/sub over its bus), so the coordinator's SUBSCRIBE
//    connection may sit on any node (see coordinator.hpp).
//
//  * store.redis_wait_replicas: each master's pipeline that wrote ends with
//    WAIT on the same connection; too few replicas fail the call.
//
// Not supported with Redis Cluster: a database other than 0 (Redis Cluster
// has only one).
#pragma once

#include "cluster/hiredis_util.hpp"
#include "cluster/redis_endpoint.hpp"

#include <hiredis/hiredis.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sc::cluster {

inline constexpr int cluster_slots = 16384;

/// The Redis Cluster hash slot of `key`: CRC16 (XMODEM) of its hash tag (the
/// bytes between the first '{' and the next '}', when not empty) or of the
/// whole key, mod 16384.
uint16_t key_slot(std::string_view key);

/// Commands as argument lists in RESP wire format (for callers that build
/// argv vectors).
std::string to_wire(const std::vector<std::vector<std::string>>& cmds);

/// One master's slot ranges, from CLUSTER SLOTS.
struct slot_range {
  int first = 0, last = 0;
  redis_host master;
};

/// CLUSTER SLOTS on `c`: the masters' slot ranges, or nullopt with *error.
std::optional<std::vector<slot_range>> read_slot_map(redisContext* c, std::string* error);

/// Connects to the master serving `slot`, asking the nodes in `seeds` in turn
/// for the slot map. nullptr with *error when none answers or none serves it.
redisContext* connect_slot_master(const std::vector<redis_host>& seeds, int slot,
                                  std::chrono::milliseconds connect_timeout,
                                  std::chrono::milliseconds command_timeout, std::string* error,
                                  std::string* where = nullptr);

struct redis_cluster_options {
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{5000};
  /// How long one call keeps retrying redirects, TRYAGAIN, CLUSTERDOWN and
  /// unreachable masters (a failover) before it fails.
  std::chrono::milliseconds retry_budget{5000};
  std::chrono::milliseconds backoff_min{10}, backoff_max{250};
  /// > 0: after the units a master's pipeline carries, if any of them
  /// writes, WAIT for this many of its replicas; fewer in `wait_timeout` =
  /// the call fails (the writes happened but are not acknowledged; callers
  /// retry, as with store.redis_wait_replicas on one Redis).
  int wait_replicas = 0;
  std::chrono::milliseconds wait_timeout{1000};
};

/// Counters (tests and benchmarks).
struct redis_cluster_stats {
  uint64_t moved = 0, ask = 0, tryagain = 0, refreshes = 0, noscript = 0, failovers = 0;
};

/// The router (see the top of this file). Thread-safe.
class redis_cluster_client {
 public:
  redis_cluster_client(std::vector<redis_host> seeds, redis_cluster_options o);
  ~redis_cluster_client();
  redis_cluster_client(const redis_cluster_client&) = delete;
  redis_cluster_client& operator=(const redis_cluster_client&) = delete;

  /// Loads the slot map. False with *error when no node answers or the
  /// cluster does not serve every slot.
  bool init(std::string* error);

  /// Runs the commands in `wire` (RESP; the pieces are one pipeline) and
  /// fills `out` with one reply per command, in order (error replies
  /// included). False with *why when some unit failed: its connection broke
  /// after it was written, its master's replicas fell short, or the retry
  /// budget ran out; the replies of failed units are null (the others are
  /// there: units on other masters may have succeeded). With `replicate`
  /// false, no WAIT (options::wait_replicas) follows.
  bool run(const std::vector<std::string_view>& wire, std::vector<hiredis::reply>& out,
           std::string* why, bool replicate = true);

  /// A new connection to any reachable master (for SUBSCRIBE). nullptr with
  /// *error when none answers.
  redisContext* connect_any(std::string* error);

  /// "cluster HOST:PORT,HOST:PORT (N masters)".
  std::string describe() const;
  /// The masters as "HOST:PORT", in slot order.
  std::vector<std::string> masters() const;
  redis_cluster_stats stats() const;

 private:
  struct node;
  struct unit;
  node& node_at(const redis_host& h);  ///< mu_ held
  bool refresh(std::string* error);
  std::string describe_locked() const;  ///< the seeds

  redis_cluster_options opts_;
  std::vector<redis_host> seeds_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<node>> nodes_;  ///< by "host:port"
  std::array<node*, cluster_slots> slots_{};                      ///< slot → master
  std::unordered_map<std::string, std::string> scripts_;          ///< sha → text
  std::chrono::steady_clock::time_point last_refresh_{};
  std::atomic<uint64_t> moved_{0}, ask_{0}, tryagain_{0}, refreshes_{0}, noscript_{0},
      failovers_{0};
};

}  // namespace sc::cluster
