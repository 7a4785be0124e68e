// Cluster coordination over Redis: membership, shard leases with fencing
// epochs, per-shard durable inboxes, shared activity task queues, and the
// cluster status the CLI shows. Keys: cluster/keys.hpp ("Cluster
// coordination"). No CAF here: actors/ builds on it.
//
// Membership. Each node writes its record into keys::nodes() every
// `heartbeat` (Redis server time, so node clocks may differ). A node is live
// while its last heartbeat is younger than its lease ttl.
//
// Shards. Every shard is owned by at most one node through the lease
// `sc:{S}:lease` = "<node>:<epoch>" (PX lease_ttl). A fresh acquisition
// INCRs `sc:{S}:epoch`, so epochs only grow; renewing keeps the epoch. The
// target owner of each shard is computed by every node alike from the live
// nodes: rendezvous (highest random weight) hashing with bounded load, so
// shards spread evenly (the counts differ by at most one) and a join or a
// leave moves little more than the necessary share. Every tick (each
// `heartbeat`, and at once when another node joins, leaves or releases)
// a node renews the leases it holds and should hold, releases those it
// should not hold (lost() first), and tries to acquire its unowned targets
// (gained() after). A lease that cannot be renewed before it expires is
// reported lost. A graceful stop() hands everything over at once; a crashed
// node's leases expire after lease_ttl and the others take them.
//
// Fencing. gained(shard, epoch) gives the epoch to pass to
// store::set_fence(shard, epoch, node_id): the store then refuses writes of
// that shard once the lease is held by anyone else (or at another epoch).
//
// Inboxes. post() appends a message to the shard's inbox and wakes its
// owner (pub/sub; only a hint). The owner take()s messages (they move to a
// processing list atomically) and ack()s each once handled. A fresh
// acquisition of a lease moves the shard's unacknowledged messages back to
// the head of the inbox in the same script, so on gained() the new owner
// simply take()s until empty: messages left by a crashed or departed owner
// come first. Delivery is at least once.
//
// Activity task queues are global lists: push_task() on the node that
// scheduled the task, pop_task() on the node a worker polls; each task is
// popped exactly once. activity_ready(arn) is a hint after a push.
//
// Threads. The coordinator runs two threads with their own connections:
// the ticker (heartbeats, leases; runs gained and lost, and inbox_ready as a
// periodic backstop for non-empty inboxes of owned shards) and the
// subscriber (SUBSCRIBE; runs inbox_ready and activity_ready). Callbacks
// must be quick: lost() blocks the ticker, and with it the renewal of every
// other lease, so it must return well within lease_ttl; no callback may
// call start() or stop(). post/take/ack/push_task/pop_task are thread-safe
// and use a small pool of synchronous connections.
//
// Redis Cluster (redis+cluster:// URLs): the commands go through
// cluster/redis_cluster.hpp's router (every script's keys share one hash
// tag: {S} for a shard's lease, epoch and inbox; {g} for membership and the
// task queues). The subscriber uses plain SUBSCRIBE on any one node: Redis
// Cluster forwards every PUBLISH to all nodes. On a Redis Cluster the
// inbox posts are not WAITed for (wait_replicas is the store's there).
//
// Failures. Redis outages never stop the threads: they retry every tick
// (and reconnect); leases that expire meanwhile are reported lost. The
// synchronous calls throw store_unavailable (cluster/store.hpp) when Redis
// cannot be reached or refuses the call.
#pragma once

#include "cluster/keys.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sc::cluster {

/// What a node's coordinator needs to know.
struct coordinator_options {
  /// Redis, redis://HOST:PORT[/DB] (the Redis store's URL).
  std::string url;
  /// This node's id: unique among the live nodes, non-empty, no whitespace.
  std::string node_id;
  /// Advertised address (host:port) of this node, for the status and for
  /// routing; no whitespace. May be empty.
  std::string address;
  /// Tick interval: heartbeat, lease renewal, rebalancing.
  std::chrono::milliseconds heartbeat{1000};
  /// Lease lifetime and node liveness window; must exceed `heartbeat`.
  std::chrono::milliseconds lease_ttl{5000};
  /// Shard count; a keyspace created with another count is refused.
  uint32_t shards = keys::default_shards;
  /// Records of nodes whose last heartbeat is older than this are deleted.
  std::chrono::milliseconds forget_after{std::chrono::minutes(10)};
  /// Connections for the synchronous calls (post, take, ...).
  int pool_size = 4;
  /// store.redis_wait_replicas / redis_wait_timeout_ms: post() (an inbox
  /// message some API caller is answered on) returns only once this many
  /// replicas have it (WAIT), else throws store_unavailable. 0 = no wait.
  int wait_replicas = 0;
  std::chrono::milliseconds wait_timeout{1000};
  /// Manual clock (actors/clock.hpp): when set, start() creates
  /// keys::manual_clock() at this time unless it exists, and reports the
  /// cluster's time through clock_changed before any shard is gained.
  std::optional<int64_t> manual_clock_start;
};

/// Notifications from the coordinator. Each may be empty.
struct coordinator_callbacks {
  /// This node now owns `shard` at fencing epoch `epoch` (ticker thread).
  /// Before it returns, owns(shard) is already true.
  std::function<void(int shard, uint64_t epoch)> gained;
  /// This node no longer owns `shard` (ticker thread): the lease is about to
  /// be released (rebalance, stop) or it expired / was taken. When the call
  /// returns, the node must have stopped working on the shard: a release
  /// happens only after it returns. owns(shard) is already false.
  std::function<void(int shard)> lost;
  /// `shard`, owned by this node, may have inbox messages (subscriber or
  /// ticker thread). A hint: take() may return nothing.
  std::function<void(int shard)> inbox_ready;
  /// `activity_arn`'s queue may have tasks (subscriber thread). A hint.
  std::function<void(const std::string& activity_arn)> activity_ready;
  /// The cluster's token secrets (keys::token_secrets(), the stored text;
  /// cluster/secrets.hpp parses it) as read by the first heartbeat, and
  /// again whenever they change (ticker thread; read every heartbeat and at
  /// once after `statecraft secrets rotate|retire`). When set and the key
  /// is found missing (Redis lost its data), the coordinator stores the
  /// last text it read again (SET NX), so the nodes keep their secrets.
  std::function<void(const std::string& stored)> secrets_changed;
  /// The cluster's manual clock is now `ms` (start(), then the subscriber
  /// thread on each keys::clock_channel() message).
  std::function<void(int64_t ms)> clock_changed;
};

/// One node's membership, leases, inboxes and task queues (see the top of
/// this file).
class coordinator {
 public:
  /// Does not connect (start() does).
  coordinator(coordinator_options options, coordinator_callbacks callbacks);
  /// stop() (graceful) if still running.
  ~coordinator();
  coordinator(const coordinator&) = delete;
  coordinator& operator=(const coordinator&) = delete;

  /// Connects, checks the keyspace's shard count, registers the node and
  /// runs the first rebalance (its gained() calls happen before start
  /// returns). When a live record with this node id exists (another process
  /// or a crashed predecessor), waits until it goes stale, up to lease_ttl
  /// plus two heartbeats; a record that keeps beating is an error. False
  /// with *error set when the options are invalid, Redis cannot be reached
  /// now, the shard count differs, or the node id is in use. Call once.
  bool start(std::string* error);

  /// Stops the threads. With `handover` (the default): removes the node
  /// from the membership, then for each owned shard calls lost() and
  /// releases the lease, so other nodes take over within about one
  /// heartbeat. Without: touches nothing in Redis and calls no callback, as
  /// if the process died (its leases expire after lease_ttl) — for tests
  /// and for shutting down when Redis is gone. Idempotent; not from a
  /// callback.
  void stop(bool handover = true);

  /// The shard count of the keyspace.
  int shards() const;
  /// This node's id.
  const std::string& node_id() const;
  /// Whether this node holds `shard`'s lease (as far as it knows).
  bool owns(int shard) const;
  /// The fencing epoch of `shard` when this node holds it.
  std::optional<uint64_t> epoch(int shard) const;
  /// The shards this node holds, ascending.
  std::vector<int> owned() const;

  /// Appends `msg` to `shard`'s inbox and publishes a wake-up for its owner.
  /// Throws store_unavailable; std::out_of_range for a bad shard.
  void post(int shard, const std::string& msg);
  /// Moves up to `max` messages, oldest first, from `shard`'s inbox to its
  /// processing list and returns them — only while this node holds the
  /// lease (checked atomically in Redis); otherwise returns nothing.
  /// Throws store_unavailable.
  std::vector<std::string> take(int shard, size_t max);
  /// Removes one occurrence of `msg` from `shard`'s processing list (the
  /// message was handled). Throws store_unavailable.
  void ack(int shard, const std::string& msg);

  /// Appends `payload` to `activity_arn`'s task queue and publishes a hint.
  /// Throws store_unavailable.
  void push_task(const std::string& activity_arn, const std::string& payload);
  /// As push_task, unless an identical payload is already queued or the
  /// task `token` is marked taken (tasks re-queued by recovery must not be
  /// handed out twice). True if pushed.
  bool push_task_once(const std::string& activity_arn, const std::string& payload,
                      const std::string& token);
  /// Removes the taken marker of `token` (its ActivityStarted is stored).
  void release_taken(const std::string& token);
  /// The task of `token` was closed (timed out, aborted) before a worker
  /// took it: marks it taken for good, so a copy still in the shared queue
  /// is dropped by pop_task instead of handed out. Throws store_unavailable.
  void withdraw_task(const std::string& token);
  /// The oldest task of `activity_arn`'s queue, removed and marked taken
  /// (keys::task_taken; payloads are JSON with a "token" member); each task goes to
  /// exactly one caller cluster-wide. nullopt when empty. Throws
  /// store_unavailable.
  std::optional<std::string> pop_task(const std::string& activity_arn);

  /// Moves the cluster's manual clock forward to `to_ms` (never back) and
  /// publishes its time to every node. Returns the time it is now. Throws
  /// store_unavailable.
  int64_t advance_clock(int64_t to_ms);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The target owner of each shard given the live node ids (the order and
/// duplicates of `nodes` do not matter): rendezvous hashing with bounded
/// load. Element s is shard s's node id ("" when `nodes` is empty). Every
/// node computes the same answer from the same set; never change it while
/// nodes of two versions may run together.
std::vector<std::string> assign_shards(uint32_t shards, std::vector<std::string> nodes);

/// One node's membership record as the status reader sees it.
struct cluster_node {
  std::string id;               ///< node id
  std::string address;          ///< advertised host:port ("" = none)
  int64_t heartbeat_age_ms = 0; ///< Redis time since its last heartbeat
  int64_t started_ms = 0;       ///< when it registered (Redis time, ms since epoch)
  int64_t lease_ttl_ms = 0;     ///< its lease ttl (its liveness window)
  bool live = false;            ///< heartbeat_age_ms < lease_ttl_ms
};

/// One shard's lease as the status reader sees it.
struct cluster_shard {
  std::string owner;       ///< node id holding the lease ("" = unowned)
  uint64_t epoch = 0;      ///< the lease's fencing epoch (0 = unowned)
  int64_t ms_left = 0;     ///< time until the lease expires unless renewed
};

/// A snapshot of the cluster (read_cluster_status).
struct cluster_status {
  uint32_t shards = 0;                 ///< the keyspace's shard count
  std::vector<cluster_node> nodes;     ///< every known node, by id
  std::vector<cluster_shard> leases;   ///< element s = shard s
};

/// Reads the membership and every shard lease from the Redis at `url`
/// (read-only). nullopt with *error set when Redis cannot be read.
std::optional<cluster_status> read_cluster_status(const std::string& url, std::string* error);

/// A readable table: the nodes with heartbeat ages and shard counts, then
/// the shards per owner as ranges, e.g. "node-a: 0-20,44 (22 shards)".
std::string format_cluster_status(const cluster_status& status);

}  // namespace sc::cluster
