// The Redis store: the store interface over Redis 7 (hiredis, synchronous
// connections). Key layout: cluster/keys.hpp. Encoding: cluster/codec.hpp.
//
// Threads and connections:
//  * Reads and admin writes use a small pool of synchronous connections
//    (`pool_size`), one per call in flight; callers block on it.
//  * Execution saves (save_execution and save_execution_async) go through
//    ONE writer thread with its own connection. It takes everything queued
//    (up to `max_batch` saves), writes it as one pipeline — each save is its
//    own MULTI … EXEC — then reads the replies: group commit. A save's
//    callback runs on the writer thread after its EXEC reply arrived.
//    save_execution is save_execution_async + wait, so sync and async
//    saves of one execution are applied in call order.
//    The queue is not bounded: a caller that must bound memory keeps a
//    fixed number of saves in flight (the execution actors keep one each).
//    A flush is also capped at ~16 MiB of commands.
//  * create_execution is one Lua script (idempotency check + every write).
//
// Fencing (cluster mode, store::set_fence): a save of a fenced shard is one
// EVALSHA of a script that compares the shard's lease (keys::lease) with
// the fence's "<node>:<epoch>" and makes the same writes as the MULTI only
// when they are equal; it is pipelined with the other saves of the group
// like a MULTI … EXEC (the writer SCRIPT LOADs it once per connection).
// Refused saves write nothing: save_execution throws store_fenced, the async
// save reports done(false). Unfenced shards keep the MULTI … EXEC path
// unchanged. create_execution is never fenced (see store::set_fence).
//
// Sentinel (redis+sentinel:// URLs): every connection is opened to the
// master the sentinels name (cluster/redis_endpoint.hpp); broken
// connections, READONLY/MASTERDOWN replies and +switch-master drop
// connections, so the next call follows a failover. With wait_replicas,
// each write is followed by WAIT and acknowledged only when enough replicas
// have it. History appends are idempotent (LTRIM to the events before the
// save's first, then RPUSH), so a save re-sent after a lost
// acknowledgement repeats no event.
//
// Redis Cluster (redis+cluster:// URLs): the pool and the writer send
// their pipelines through cluster/redis_cluster.hpp's router instead of
// one connection: each save (its MULTI … EXEC or fenced script, all keys
// with the shard's hash tag) goes to its shard's master, a flush becomes
// one pipeline per master, and a master that fails fails only its saves.
// With wait_replicas each master's part of a flush ends with WAIT.
//
// Failure: see store.hpp. Any call throws store_unavailable when Redis is
// unreachable, times out (`command_timeout`) or refuses a command; a failed
// connection is dropped and the next call reconnects, with an exponential
// back-off (`backoff_min` … `backoff_max`) during which calls fail at once
// without touching the network. Async saves report done(false) instead.
// SIGPIPE from a dead socket is blocked around every Redis call (and in the
// writer thread), never delivered to the process.
//
// Consistency caveats (documented, not hidden):
//  * A machine whose last execution finishes while DELETING is erased right
//    after that save; if Redis fails in between, it stays DELETING until the
//    next DeleteStateMachine call re-checks.
//  * With a retention set, finished executions' record/state/history keys
//    expire; their index entries are removed lazily by list_executions.
#pragma once

#include "cluster/keys.hpp"
#include "cluster/store.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sc::cluster {

struct redis_store_options {
  uint32_t shards = keys::default_shards;  ///< execution shards (fixed per keyspace)
  int pool_size = 8;                       ///< synchronous connections (io threads + workers)
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{5000};
  std::chrono::milliseconds backoff_min{50};    ///< first wait after a failed connect
  std::chrono::milliseconds backoff_max{1000};  ///< longest wait between attempts
  size_t max_batch = 1024;                      ///< saves per pipeline flush
  /// store.redis_wait_replicas: > 0 = a write is acknowledged only after
  /// WAIT reports this many replicas have it (else the write counts as
  /// failed: saves are retried, API calls answer an error).
  int wait_replicas = 0;
  std::chrono::milliseconds wait_timeout{1000};  ///< store.redis_wait_timeout_ms
};

/// The parts of redis://HOST:PORT[/DB] (IPv6 hosts in brackets).
struct redis_address {
  std::string host;
  int port = 6379;
  int db = 0;
};

/// Parses redis://HOST:PORT[/DB]; nullopt when malformed (no user/password,
/// port 1..65535, DB a non-negative integer).
std::optional<redis_address> parse_redis_address(std::string_view url);

/// Connects to Redis at `url` (redis://HOST:PORT[/DB], or
/// redis+sentinel://HOST:PORT[,HOST:PORT...]/MASTER[/DB]: see
/// redis_endpoint.hpp) and returns the store,
/// or nullptr with *error set when the URL is malformed, Redis cannot be
/// reached now, or the keyspace was created with another shard count.
std::unique_ptr<store> make_redis_store(const std::string& url, std::string* error);
std::unique_ptr<store> make_redis_store(const std::string& url, const redis_store_options& opts,
                                        std::string* error);

/// Counters of the writer thread (for tests and benchmarks).
struct redis_store_stats {
  uint64_t saves = 0;       ///< saves acknowledged (done(true))
  uint64_t failed = 0;      ///< saves reported failed (done(false))
  uint64_t fenced = 0;      ///< of those, refused by a fence (store::set_fence)
  uint64_t flushes = 0;     ///< pipeline flushes (groups committed)
  uint64_t max_group = 0;   ///< most saves in one flush
};

/// The counters of `s` if it is a Redis store; all zero otherwise.
redis_store_stats redis_stats(const store& s);

}  // namespace sc::cluster
