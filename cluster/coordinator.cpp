// The cluster coordinator. See coordinator.hpp for the model, keys.hpp for
// the keys.
#include "cluster/coordinator.hpp"
#include "observability/metrics.hpp"

#include "cluster/hiredis_util.hpp"
#include "cluster/redis_cluster.hpp"
#include "cluster/redis_endpoint.hpp"

#include "cluster/redis_store.hpp"
#include "cluster/store.hpp"

#include <hiredis/hiredis.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <utility>

namespace sc::cluster {

namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

// ---------------------------------------------------------------------------
// hiredis plumbing (shared helpers in hiredis_util.hpp).

using hiredis::reply;
using hiredis::str;
using hiredis::is_nil;
using hiredis::is_error;
using command = std::vector<std::string>;

/// Throws store_unavailable when `r` is an error reply.
void check(const redisReply* r) {
  if (is_error(r)) throw store_unavailable("Redis error: " + std::string(str(r)));
}

std::optional<int64_t> to_int(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

/// The integer in an integer reply or a decimal string reply.
std::optional<int64_t> int_of(const redisReply* r) {
  if (!r) return std::nullopt;
  if (r->type == REDIS_REPLY_INTEGER) return static_cast<int64_t>(r->integer);
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) return to_int(str(r));
  return std::nullopt;
}

/// Blocks SIGPIPE for the current thread for good (the coordinator's own
/// threads write to sockets the peer may have closed).
void block_sigpipe() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &s, nullptr);
}

using no_sigpipe = hiredis::sigpipe_guard;

timeval to_timeval(milliseconds d) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

/// Opens connections to one Redis, with an exponential back-off shared by
/// every connection: after a failure, dial() fails at once until it ends.
class dialer {
 public:
  dialer(redis_endpoint a, milliseconds connect_timeout, milliseconds command_timeout)
      : addr_(std::move(a)), connect_timeout_(connect_timeout),
        command_timeout_(command_timeout) {
    if (addr_.uses_cluster()) {
      redis_cluster_options o;
      o.connect_timeout = connect_timeout;
      o.command_timeout = command_timeout;
      o.retry_budget = command_timeout;
      router_ = std::make_unique<redis_cluster_client>(addr_.cluster_nodes, o);
    }
  }

  std::string where() const { return addr_.describe(); }

  /// redis+cluster://: the router every keyed command goes through (null
  /// otherwise). Its slot map is loaded by the first open().
  redis_cluster_client* router() const { return router_.get(); }

  /// A connected context (DB selected), or store_unavailable. With Redis
  /// Cluster: a connection to any reachable node (for SUBSCRIBE: Redis
  /// Cluster forwards PUBLISH to every node).
  redisContext* dial() {
    if (router_) {
      std::string err;
      if (!ensure_map(&err)) throw store_unavailable("Redis Cluster: " + err);
      redisContext* c = router_->connect_any(&err);
      if (!c) throw store_unavailable("Redis Cluster: " + err);
      return c;
    }
    {
      std::lock_guard lock(mu_);
      if (steady::now() < retry_at_)
        throw store_unavailable("Redis at " + where() + " unavailable (" + last_error_ + ")");
    }
    no_sigpipe guard;
    // Directly, or the master the sentinels name (redis_endpoint.hpp).
    std::string err;
    redisContext* c = connect_redis_master(addr_, connect_timeout_, command_timeout_, &err);
    std::lock_guard lock(mu_);
    if (!c) {
      last_error_ = err;
      retry_at_ = steady::now() + backoff_;
      backoff_ = std::min(backoff_ * 2, milliseconds(1000));
      throw store_unavailable("cannot connect to Redis at " + where() + ": " + err);
    }
    backoff_ = milliseconds(50);
    retry_at_ = {};
    return c;
  }

  /// Loads the router's slot map once (later refreshes are the router's).
  bool ensure_map(std::string* error) {
    std::lock_guard lock(mu_);
    if (map_loaded_) return true;
    if (steady::now() < retry_at_) {
      if (error) *error = "unavailable (" + last_error_ + ")";
      return false;
    }
    std::string err;
    map_loaded_ = router_->init(&err);
    if (!map_loaded_) {
      last_error_ = err;
      retry_at_ = steady::now() + backoff_;
      backoff_ = std::min(backoff_ * 2, milliseconds(1000));
      if (error) *error = err;
    }
    return map_loaded_;
  }

 private:
  std::unique_ptr<redis_cluster_client> router_;
  bool map_loaded_ = false;
  redis_endpoint addr_;
  milliseconds connect_timeout_, command_timeout_;
  std::mutex mu_;
  steady::time_point retry_at_{};
  milliseconds backoff_{50};
  std::string last_error_;
};

/// One owned connection (or none).
/// One owned connection (or none); with Redis Cluster, a handle on the
/// router instead (get() is then null).
class conn {
 public:
  conn() = default;
  explicit conn(redisContext* c) : c_(c) {}
  explicit conn(redis_cluster_client* r) : router_(r) {}
  ~conn() { close(); }
  conn(conn&& o) noexcept
      : c_(std::exchange(o.c_, nullptr)), router_(std::exchange(o.router_, nullptr)) {}
  conn& operator=(conn&& o) noexcept {
    if (this != &o) {
      close();
      c_ = std::exchange(o.c_, nullptr);
      router_ = std::exchange(o.router_, nullptr);
    }
    return *this;
  }

  bool open() const { return c_ != nullptr || router_ != nullptr; }
  /// The read/write timeout of the next commands (the router keeps its own).
  void set_timeout(milliseconds d) {
    if (c_) redisSetTimeout(c_, to_timeval(d));
  }
  redisContext* get() const { return c_; }
  void close() {
    if (c_) redisFree(c_);
    c_ = nullptr;
    router_ = nullptr;
  }

  /// Sends `cmds` as one pipeline and reads every reply (error replies
  /// included). A transport failure closes the connection and throws
  /// store_unavailable.
  std::vector<reply> run(const std::vector<command>& cmds) {
    if (router_) {
      std::vector<reply> out;
      std::string why;
      if (!router_->run({to_wire(cmds)}, out, &why)) {
        router_ = nullptr;  // the next open() starts afresh
        throw store_unavailable("Redis Cluster: " + why);
      }
      return out;
    }
    if (!c_) throw store_unavailable("Redis: not connected");
    no_sigpipe guard;
    std::vector<reply> out;
    out.reserve(cmds.size());
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& cmd : cmds) {
      argv.clear();
      lens.clear();
      for (const auto& a : cmd) {
        argv.push_back(a.data());
        lens.push_back(a.size());
      }
      if (redisAppendCommandArgv(c_, static_cast<int>(cmd.size()), argv.data(), lens.data()) !=
          REDIS_OK)
        fail();
    }
    for (size_t i = 0; i < cmds.size(); ++i) {
      void* r = nullptr;
      if (redisGetReply(c_, &r) != REDIS_OK || !r) fail();
      out.emplace_back(static_cast<redisReply*>(r));
    }
    // Not (or no longer) the master: drop it; the next dial asks again.
    for (auto& r : out)
      if (is_failover_error(r.get())) close();
    return out;
  }

 private:
  [[noreturn]] void fail() {
    std::string why = c_->errstr[0] ? c_->errstr : "connection lost";
    close();
    throw store_unavailable("Redis: " + why);
  }

  redisContext* c_ = nullptr;
  redis_cluster_client* router_ = nullptr;
};

/// A connection for keyed commands: the router's handle with Redis Cluster,
/// else a new connection.
conn open_conn(dialer& d) {
  if (auto* r = d.router()) {
    std::string err;
    if (!d.ensure_map(&err)) throw store_unavailable("Redis Cluster: " + err);
    return conn(r);
  }
  return conn(d.dial());
}

// ---------------------------------------------------------------------------
// Lua scripts (EVALSHA; loaded at start and again after NOSCRIPT).

enum script_id { heartbeat_lua, leave_lua, acquire_lua, release_lua, take_lua, script_count };

const char* const script_text[script_count] = {
    // heartbeat. KEYS: 1 nodes. ARGV: 1 node id, 2 instance, 3 started ms
    // ('0' = now), 4 lease ttl ms, 5 address, 6 forget after ms.
    // Writes this node's record with Redis time, deletes records stale for
    // longer than ARGV[6] (or unreadable), → {now ms, {id, record, ...}}.
    R"lua(
local t = redis.call('TIME')
local now = string.format('%.0f', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
local started = ARGV[3]
if started == '0' then started = now end
redis.call('HSET', KEYS[1], ARGV[1],
  now .. ' ' .. started .. ' ' .. ARGV[4] .. ' ' .. ARGV[2] .. ' ' .. ARGV[5])
local all = redis.call('HGETALL', KEYS[1])
local forget = tonumber(ARGV[6])
local out = {}
for i = 1, #all, 2 do
  local hb = tonumber(string.match(all[i + 1], '^(%d+) '))
  if hb == nil or tonumber(now) - hb > forget then
    redis.call('HDEL', KEYS[1], all[i])
  else
    out[#out + 1] = all[i]
    out[#out + 1] = all[i + 1]
  end
end
return {now, out}
)lua",
    // leave. KEYS: 1 nodes. ARGV: 1 node id, 2 instance. Deletes the record
    // only when it is this instance's. → 1 deleted, 0 not.
    R"lua(
local r = redis.call('HGET', KEYS[1], ARGV[1])
if r and string.match(r, '^%S+ %S+ %S+ (%S+)') == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 1
end
return 0
)lua",
    // acquire / renew. KEYS: 1 lease, 2 epoch, 3 inbox, 4 inbox processing.
    // ARGV: 1 node id, 2 epoch held ('0' = none), 3 ttl ms.
    // Absent lease → INCR epoch, take it, move the unacknowledged inbox
    // messages back to the head of the inbox: {epoch, 1}. Held by us at
    // ARGV[2] → PEXPIRE: {epoch, 0}. Else {0, 0}.
    R"lua(
local cur = redis.call('GET', KEYS[1])
if not cur then
  local e = redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], ARGV[1] .. ':' .. e, 'PX', ARGV[3])
  while redis.call('LMOVE', KEYS[4], KEYS[3], 'RIGHT', 'LEFT') do end
  return {e, 1}
end
if ARGV[2] ~= '0' and cur == ARGV[1] .. ':' .. ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {tonumber(ARGV[2]), 0}
end
return {0, 0}
)lua",
    // release. KEYS: 1 lease. ARGV: 1 lease value. DEL when it is ours.
    R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua",
    // take. KEYS: 1 lease, 2 inbox, 3 processing. ARGV: 1 lease value, 2 max.
    // → up to max messages moved from the inbox to processing; {} when the
    // lease is not ARGV[1].
    R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {} end
local out = {}
for i = 1, tonumber(ARGV[2]) do
  local m = redis.call('LMOVE', KEYS[2], KEYS[3], 'LEFT', 'RIGHT')
  if not m then break end
  out[#out + 1] = m
end
return out
)lua",
};

// ---------------------------------------------------------------------------
// Membership records: "<heartbeat_ms> <started_ms> <ttl_ms> <instance> <address>".

struct node_record {
  int64_t heartbeat_ms = 0, started_ms = 0, ttl_ms = 0;
  std::string instance, address;
};

std::optional<node_record> parse_record(std::string_view v) {
  node_record r;
  std::string_view field[4];
  for (auto& f : field) {
    auto sp = v.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    f = v.substr(0, sp);
    v.remove_prefix(sp + 1);
  }
  auto hb = to_int(field[0]), st = to_int(field[1]), ttl = to_int(field[2]);
  if (!hb || !st || !ttl) return std::nullopt;
  r.heartbeat_ms = *hb;
  r.started_ms = *st;
  r.ttl_ms = *ttl;
  r.instance = std::string(field[3]);
  r.address = std::string(v);
  return r;
}

bool has_space(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isspace(c) || std::iscntrl(c); });
}

std::string random_instance() {
  std::random_device rd;
  uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  v ^= static_cast<uint64_t>(steady::now().time_since_epoch().count());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

// ---------------------------------------------------------------------------
// Assignment.

std::vector<std::string> assign_shards(uint32_t shards, std::vector<std::string> nodes) {
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  std::vector<std::string> out(shards);
  if (nodes.empty()) return out;
  const size_t n = nodes.size();
  // Bounded load: exactly `rem` nodes end with q+1 shards, the others with
  // q. Shards are placed in order, each on its highest-weight node that
  // still has room.
  const uint32_t q = static_cast<uint32_t>(shards / n);
  const size_t rem = shards % n;
  std::vector<uint64_t> node_hash(n);
  for (size_t i = 0; i < n; ++i) node_hash[i] = fnv1a(nodes[i]);
  std::vector<uint32_t> count(n, 0);
  size_t at_ceiling = 0;
  std::vector<std::pair<uint64_t, size_t>> order(n);
  for (uint32_t s = 0; s < shards; ++s) {
    const uint64_t sh = mix64(s);
    for (size_t i = 0; i < n; ++i) order[i] = {mix64(node_hash[i] ^ sh), i};
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    for (const auto& [weight, i] : order) {
      const uint32_t cap = at_ceiling < rem ? q + 1 : q;
      if (count[i] < cap) {
        out[s] = nodes[i];
        if (++count[i] == q + 1) ++at_ceiling;
        break;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// The coordinator.

struct coordinator::impl {
  impl(coordinator_options o, coordinator_callbacks c) : opts(std::move(o)), cb(std::move(c)) {}

  coordinator_options opts;
  coordinator_callbacks cb;
  std::string instance = random_instance();
  uint32_t shard_count = 0;
  std::unique_ptr<dialer> dial;
  std::array<std::string, script_count> sha;  ///< written by start() only

  // Lifecycle (start / stop).
  std::mutex life_mu;
  enum class phase { idle, running, stopped } state = phase::idle;

  // Held leases; guarded by mu.
  struct held_lease {
    uint64_t epoch = 0;
    steady::time_point valid_until;  ///< by our clock; Redis keeps it longer
  };
  mutable std::mutex mu;
  std::map<int, held_lease> held;

  // Ticker.
  std::thread ticker;
  std::mutex tick_mu;
  std::condition_variable tick_cv;
  bool stopping = false, handover = false, wake = false;
  uint64_t ticks = 0;  ///< completed ticks (start() waits for the first)
  conn tick_conn;      ///< ticker thread only
  std::string started_ms = "0";  ///< ticker thread only; set by the first heartbeat
  std::string secrets_seen;      ///< ticker thread only: keys::token_secrets() last read

  // Subscriber.
  std::thread subscriber;
  int stop_pipe[2] = {-1, -1};

  // Pool for the synchronous calls.
  std::mutex pool_mu;
  std::condition_variable pool_cv;
  std::vector<conn> idle;
  int leased = 0;

  milliseconds io_timeout{1000};  ///< command timeout (lease_ttl / 2)

  milliseconds ttl() const { return opts.lease_ttl; }
  std::string ttl_ms() const { return std::to_string(opts.lease_ttl.count()); }

  command evalsha(script_id id, std::initializer_list<std::string> keys_,
                  std::initializer_list<std::string> args) const {
    command c;
    c.reserve(3 + keys_.size() + args.size());
    c.push_back("EVALSHA");
    c.push_back(sha[id]);
    c.push_back(std::to_string(keys_.size()));
    c.insert(c.end(), keys_);
    c.insert(c.end(), args);
    return c;
  }

  /// SCRIPT LOAD of every script (the digests never change).
  void load_scripts(conn& c) {
    std::vector<command> cmds;
    for (const char* t : script_text) cmds.push_back({"SCRIPT", "LOAD", t});
    auto r = c.run(cmds);
    for (size_t i = 0; i < r.size(); ++i) {
      check(r[i].get());
      if (sha[i].empty()) sha[i] = std::string(str(r[i].get()));
    }
  }

  /// c.run(cmds), but commands refused with NOSCRIPT (Redis restarted or
  /// flushed its scripts; such a command did nothing) are run again after
  /// loading the scripts.
  std::vector<reply> run(conn& c, const std::vector<command>& cmds) {
    auto out = c.run(cmds);
    std::vector<command> again;
    std::vector<size_t> at;
    for (size_t i = 0; i < out.size(); ++i)
      if (is_error(out[i].get()) && str(out[i].get()).substr(0, 8) == "NOSCRIPT") {
        again.push_back(cmds[i]);
        at.push_back(i);
      }
    if (again.empty()) return out;
    load_scripts(c);
    auto more = c.run(again);
    for (size_t k = 0; k < at.size(); ++k) out[at[k]] = std::move(more[k]);
    return out;
  }

  // --- pool -----------------------------------------------------------------

  conn pool_take() {
    std::unique_lock lock(pool_mu);
    const int max = std::max(opts.pool_size, 1);
    pool_cv.wait(lock, [&] { return !idle.empty() || leased < max; });
    ++leased;
    if (!idle.empty()) {
      conn c = std::move(idle.back());
      idle.pop_back();
      return c;
    }
    lock.unlock();
    try {
      return open_conn(*dial);
    } catch (...) {
      lock.lock();
      --leased;
      pool_cv.notify_one();
      throw;
    }
  }

  void pool_give(conn c) {
    std::lock_guard lock(pool_mu);
    --leased;
    if (c.open()) idle.push_back(std::move(c));
    pool_cv.notify_one();
  }

  /// Runs `cmds` on a pooled connection.
  /// With `replicated` and opts.wait_replicas, also WAITs for the replicas
  /// (redis_endpoint.hpp); too few = store_unavailable, connection dropped.
  std::vector<reply> call(const std::vector<command>& cmds, bool replicated = false) {
    if (!dial) throw store_unavailable("cluster coordinator not started");
    conn c = pool_take();
    try {
      auto r = run(c, cmds);
      if (replicated && opts.wait_replicas > 0 && c.get()) {
        std::string err;
        long long n = wait_for_replicas(c.get(), opts.wait_replicas, opts.wait_timeout, &err);
        if (n < opts.wait_replicas) {
          c.close();
          throw store_unavailable(
              n < 0 ? "Redis: " + err
                    : "Redis: the write reached " + std::to_string(n) + " of " +
                          std::to_string(opts.wait_replicas) + " replicas within " +
                          std::to_string(opts.wait_timeout.count()) +
                          " ms (store.redis_wait_replicas)");
        }
      }
      pool_give(std::move(c));
      return r;
    } catch (...) {
      pool_give(std::move(c));
      throw;
    }
  }

  // --- leases ---------------------------------------------------------------

  std::optional<uint64_t> epoch_of(int s) const {
    std::lock_guard lock(mu);
    auto it = held.find(s);
    if (it == held.end()) return std::nullopt;
    return it->second.epoch;
  }

  void gain(int s, uint64_t epoch, steady::time_point sent) {
    {
      std::lock_guard lock(mu);
      held[s] = held_lease{epoch, sent + ttl()};
    }
    if (cb.gained) cb.gained(s, epoch);
  }

  void lose(int s) {
    {
      std::lock_guard lock(mu);
      if (held.erase(s) == 0) return;
    }
    if (cb.lost) cb.lost(s);
  }

  /// Reports lost every lease whose validity ran out by our clock.
  void expire_overdue() {
    std::vector<int> gone;
    {
      std::lock_guard lock(mu);
      const auto now = steady::now();
      for (const auto& [s, h] : held)
        if (h.valid_until <= now) gone.push_back(s);
    }
    for (int s : gone) lose(s);
  }

  steady::time_point earliest_expiry() const {
    std::lock_guard lock(mu);
    auto t = steady::time_point::max();
    for (const auto& [s, h] : held) t = std::min(t, h.valid_until);
    return t;
  }

  /// run() on the ticker's connection, with the timeout cut to the time
  /// left on our earliest lease (at least 20 ms): a hung Redis cannot
  /// delay lost() by more than that.
  std::vector<reply> tick_run(const std::vector<command>& cmds) {
    const auto left = std::chrono::duration_cast<milliseconds>(earliest_expiry() - steady::now());
    tick_conn.set_timeout(std::clamp(left, milliseconds(20), io_timeout));
    return run(tick_conn, cmds);
  }

  bool ensure_tick_conn() {
    if (tick_conn.open()) return true;
    try {
      tick_conn = open_conn(*dial);
      return true;
    } catch (const store_error&) {
      return false;
    }
  }

  /// The token secrets as read by this heartbeat (see
  /// coordinator_callbacks::secrets_changed).
  void watch_secrets(const redisReply* r) {
    if (r && r->type == REDIS_REPLY_STRING) {
      std::string now(str(r));
      if (now != secrets_seen) {
        secrets_seen = std::move(now);
        cb.secrets_changed(secrets_seen);
      }
    } else if (is_nil(r) && !secrets_seen.empty()) {
      try {
        tick_run({{"SET", keys::token_secrets(), secrets_seen, "NX"}});
      } catch (const store_error&) {
      }
    }
  }

  /// Heartbeat, rebalance, renew / release / acquire, inbox backstop.
  void tick() {
    expire_overdue();
    if (!ensure_tick_conn()) return;
    const std::string& me = opts.node_id;

    // Heartbeat and membership (Redis time).
    std::vector<std::string> live;
    try {
      std::vector<command> cmds{evalsha(heartbeat_lua, {keys::nodes()},
                                        {me, instance, started_ms, ttl_ms(), opts.address,
                                         std::to_string(opts.forget_after.count())})};
      if (cb.secrets_changed) cmds.push_back({"GET", keys::token_secrets()});
      // The manual clock, in case a keys::clock_channel() message was missed.
      const size_t clock_at = cmds.size();
      const bool clock = opts.manual_clock_start && cb.clock_changed;
      if (clock) cmds.push_back({"GET", keys::manual_clock()});
      auto r = tick_run(cmds);
      if (cb.secrets_changed) watch_secrets(r[1].get());
      if (clock && r[clock_at] && r[clock_at]->type == REDIS_REPLY_STRING)
        if (auto ms = to_int(str(r[clock_at].get()))) cb.clock_changed(*ms);
      const redisReply* hb = r[0].get();
      if (hb->type != REDIS_REPLY_ARRAY || hb->elements != 2 ||
          hb->element[1]->type != REDIS_REPLY_ARRAY)
        return;
      const auto now = int_of(hb->element[0]);
      if (!now) return;
      const redisReply* all = hb->element[1];
      for (size_t i = 0; i + 1 < all->elements; i += 2) {
        std::string id(str(all->element[i]));
        auto rec = parse_record(str(all->element[i + 1]));
        if (!rec) continue;
        if (id == me) {
          if (rec->instance == instance && started_ms == "0")
            started_ms = std::to_string(rec->started_ms);
          continue;
        }
        const int64_t window = rec->ttl_ms > 0 ? rec->ttl_ms : opts.lease_ttl.count();
        if (*now - rec->heartbeat_ms < window) live.push_back(std::move(id));
      }
      live.push_back(me);
    } catch (const store_error&) {
      return;  // outage: try again next tick; overdue leases are reported lost
    }

    obs::metrics().cluster_members.set(static_cast<int64_t>(live.size()));
    const auto target = assign_shards(shard_count, live);
    std::vector<int> renew, release, acquire;
    std::map<int, uint64_t> epochs;
    {
      std::lock_guard lock(mu);
      for (uint32_t s = 0; s < shard_count; ++s) {
        const int sh = static_cast<int>(s);
        auto it = held.find(sh);
        const bool mine = target[s] == me;
        if (it != held.end()) {
          epochs[sh] = it->second.epoch;
          (mine ? renew : release).push_back(sh);
        } else if (mine) {
          acquire.push_back(sh);
        }
      }
    }
    auto lease_cmd = [&](int s, uint64_t epoch) {
      const uint32_t u = static_cast<uint32_t>(s);
      return evalsha(acquire_lua,
                     {keys::lease(u), keys::epoch(u), keys::inbox(u), keys::inbox_processing(u)},
                     {me, std::to_string(epoch), ttl_ms()});
    };
    // {epoch, fresh} from the acquire script, or nullopt.
    auto lease_result = [](const redisReply* r) -> std::optional<std::pair<uint64_t, bool>> {
      if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) return std::nullopt;
      auto e = int_of(r->element[0]);
      auto f = int_of(r->element[1]);
      if (!e || !f || *e < 0) return std::nullopt;
      return std::pair<uint64_t, bool>{static_cast<uint64_t>(*e), *f == 1};
    };

    // 1. Renew what we hold and should hold.
    if (!renew.empty()) {
      std::vector<command> cmds;
      for (int s : renew) cmds.push_back(lease_cmd(s, epochs[s]));
      const auto sent = steady::now();
      std::vector<reply> r;
      try {
        r = tick_run(cmds);
      } catch (const store_error&) {
      }
      for (size_t i = 0; i < r.size(); ++i) {
        const int s = renew[i];
        auto res = lease_result(r[i].get());
        if (!res) continue;  // error: retried next tick until it expires
        auto [epoch, fresh] = *res;
        if (epoch == 0) {
          lose(s);  // taken by another node
        } else if (fresh || epoch != epochs[s]) {
          // It had expired and we got it again: not the same ownership.
          lose(s);
          gain(s, epoch, sent);
        } else {
          std::lock_guard lock(mu);
          auto it = held.find(s);
          if (it != held.end() && it->second.epoch == epoch) it->second.valid_until = sent + ttl();
        }
      }
    }

    // 2. Hand over what we should not hold: lost() first, then release.
    for (int s : release) {
      lose(s);
      const uint32_t u = static_cast<uint32_t>(s);
      if (!ensure_tick_conn()) continue;  // the lease expires by itself
      try {
        tick_run({evalsha(release_lua, {keys::lease(u)}, {keys::lease_value(me, epochs[s])}),
                        {"PUBLISH", keys::members_channel(), me}});
      } catch (const store_error&) {
      }
    }

    // 3. Acquire our unowned targets.
    if (!acquire.empty() && ensure_tick_conn()) {
      std::vector<command> cmds;
      for (int s : acquire) cmds.push_back(lease_cmd(s, 0));
      const auto sent = steady::now();
      std::vector<reply> r;
      try {
        r = tick_run(cmds);
      } catch (const store_error&) {
      }
      for (size_t i = 0; i < r.size(); ++i) {
        auto res = lease_result(r[i].get());
        if (res && res->first > 0) gain(acquire[i], res->first, sent);
      }
    }

    // 4. Backstop for lost wake-ups: owned shards with a non-empty inbox.
    if (cb.inbox_ready && ensure_tick_conn()) {
      std::vector<int> mine;
      {
        std::lock_guard lock(mu);
        for (const auto& [s, h] : held) mine.push_back(s);
      }
      if (!mine.empty()) {
        std::vector<command> cmds;
        for (int s : mine) cmds.push_back({"LLEN", keys::inbox(static_cast<uint32_t>(s))});
        try {
          auto r = tick_run(cmds);
          for (size_t i = 0; i < r.size(); ++i)
            if (int_of(r[i].get()).value_or(0) > 0 && epoch_of(mine[i])) cb.inbox_ready(mine[i]);
        } catch (const store_error&) {
        }
      }
    }
  }

  /// Graceful exit: leave the membership, then hand over every shard.
  void leave() {
    const std::string& me = opts.node_id;
    if (ensure_tick_conn()) {
      try {
        tick_run({evalsha(leave_lua, {keys::nodes()}, {me, instance}),
                        {"PUBLISH", keys::members_channel(), me}});
      } catch (const store_error&) {
      }
    }
    std::map<int, uint64_t> mine;
    {
      std::lock_guard lock(mu);
      for (const auto& [s, h] : held) mine[s] = h.epoch;
    }
    for (const auto& [s, epoch] : mine) {
      lose(s);
      if (!ensure_tick_conn()) continue;
      const uint32_t u = static_cast<uint32_t>(s);
      try {
        tick_run({evalsha(release_lua, {keys::lease(u)}, {keys::lease_value(me, epoch)}),
                        {"PUBLISH", keys::members_channel(), me}});
      } catch (const store_error&) {
      }
    }
  }

  void ticker_main() {
    block_sigpipe();
    auto next = steady::now();
    for (;;) {
      bool woken = false;
      {
        std::unique_lock lock(tick_mu);
        const auto deadline = std::min(next, earliest_expiry());
        tick_cv.wait_until(lock, deadline, [&] { return stopping || wake; });
        if (stopping) break;
        woken = std::exchange(wake, false);
      }
      const auto now = steady::now();
      if (!woken && now < next) {
        expire_overdue();
        continue;
      }
      tick();
      next = now + opts.heartbeat;
      {
        std::lock_guard lock(tick_mu);
        ++ticks;
      }
      tick_cv.notify_all();
    }
    bool graceful;
    {
      std::lock_guard lock(tick_mu);
      graceful = handover;
    }
    if (graceful) leave();
    tick_conn.close();
  }

  void wake_ticker() {
    {
      std::lock_guard lock(tick_mu);
      wake = true;
    }
    tick_cv.notify_all();
  }

  // --- subscriber -------------------------------------------------------------

  /// Waits up to `d` for the stop pipe; true when stopping.
  bool sleep_or_stop(milliseconds d) {
    pollfd p{stop_pipe[0], POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(d.count())) > 0;
  }

  void dispatch(const redisReply* r) {
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3 || str(r->element[0]) != "message")
      return;
    const auto channel = str(r->element[1]);
    const auto payload = str(r->element[2]);
    if (channel == keys::wake_channel()) {
      auto s = to_int(payload);
      if (s && *s >= 0 && *s < static_cast<int64_t>(shard_count) && cb.inbox_ready &&
          epoch_of(static_cast<int>(*s)))
        cb.inbox_ready(static_cast<int>(*s));
    } else if (channel == keys::activity_channel()) {
      if (cb.activity_ready) cb.activity_ready(std::string(payload));
    } else if (channel == keys::members_channel()) {
      if (payload != opts.node_id) wake_ticker();
    } else if (channel == keys::clock_channel()) {
      if (auto ms = to_int(payload); ms && cb.clock_changed) cb.clock_changed(*ms);
    }
  }

  void subscriber_main() {
    block_sigpipe();
    conn sub;
    const milliseconds retry = std::min(opts.heartbeat, milliseconds(1000));
    for (;;) {
      if (!sub.open()) {
        try {
          sub = conn(dial->dial());
          const std::string a = keys::wake_channel(), b = keys::activity_channel(),
                            c = keys::members_channel(), d = keys::clock_channel();
          const char* argv[] = {"SUBSCRIBE", a.c_str(), b.c_str(), c.c_str(), d.c_str()};
          size_t lens[] = {9, a.size(), b.size(), c.size(), d.size()};
          int done = 0;
          if (redisAppendCommandArgv(sub.get(), 5, argv, lens) != REDIS_OK) sub.close();
          while (sub.open() && !done)
            if (redisBufferWrite(sub.get(), &done) != REDIS_OK) sub.close();
        } catch (const store_error&) {
        }
        if (!sub.open()) {
          if (sleep_or_stop(retry)) return;
          continue;
        }
      }
      pollfd p[2] = {{sub.get()->fd, POLLIN, 0}, {stop_pipe[0], POLLIN, 0}};
      if (::poll(p, 2, -1) < 0) continue;  // EINTR
      if (p[1].revents) return;
      if (!p[0].revents) continue;
      if (redisBufferRead(sub.get()) != REDIS_OK) {
        sub.close();
        continue;
      }
      for (;;) {
        void* raw = nullptr;
        if (redisGetReplyFromReader(sub.get(), &raw) != REDIS_OK) {
          sub.close();
          break;
        }
        if (!raw) break;
        reply r(static_cast<redisReply*>(raw));
        dispatch(r.get());
      }
    }
  }

  // --- start / stop -----------------------------------------------------------

  /// Waits while a live record with our node id beats (see start()).
  bool wait_for_node_id(std::string* error) {
    const std::string& me = opts.node_id;
    std::optional<int64_t> first_beat;
    const auto give_up = steady::now() + 2 * opts.lease_ttl + 2 * opts.heartbeat;
    for (;;) {
      auto r = tick_conn.run({{"TIME"}, {"HGET", keys::nodes(), me}});
      check(r[0].get());
      check(r[1].get());
      if (is_nil(r[1].get())) return true;
      const redisReply* t = r[0].get();
      if (t->type != REDIS_REPLY_ARRAY || t->elements != 2) return true;
      const int64_t now = int_of(t->element[0]).value_or(0) * 1000 +
                          int_of(t->element[1]).value_or(0) / 1000;
      auto rec = parse_record(str(r[1].get()));
      if (!rec) return true;
      const int64_t age = now - rec->heartbeat_ms;
      if (age >= rec->ttl_ms) return true;  // stale: its process is gone
      if ((first_beat && *first_beat != rec->heartbeat_ms) || steady::now() > give_up) {
        if (error)
          *error = "node id '" + me + "' is in use by a live node" +
                   (rec->address.empty() ? "" : " at " + rec->address) + " (heartbeat " +
                   std::to_string(age) + " ms ago)";
        return false;
      }
      first_beat = rec->heartbeat_ms;
      std::this_thread::sleep_for(
          std::min<milliseconds>(opts.heartbeat, milliseconds(rec->ttl_ms - age + 1)));
    }
  }

  bool start(std::string* error) {
    auto fail = [&](const std::string& e) {
      if (error) *error = e;
      return false;
    };
    std::lock_guard life(life_mu);
    if (state != phase::idle) return fail("the coordinator was already started");
    if (opts.node_id.empty() || has_space(opts.node_id))
      return fail("invalid node id '" + opts.node_id + "' (non-empty, no whitespace)");
    if (has_space(opts.address))
      return fail("invalid advertised address '" + opts.address + "' (no whitespace)");
    if (opts.heartbeat.count() <= 0 || opts.lease_ttl <= opts.heartbeat)
      return fail("the lease ttl must be longer than the heartbeat (both > 0)");
    if (opts.shards == 0) return fail("the shard count must be positive");
    std::string why;
    auto addr = parse_redis_endpoint(opts.url, &why);
    if (!addr)
      return fail("malformed Redis URL '" + opts.url + "': " + why + " (expected " +
                  redis_url_forms + ")");
    // Commands must fail well before a lease runs out.
    const milliseconds io = std::max(opts.lease_ttl / 2, milliseconds(1));
    io_timeout = io;
    dial = std::make_unique<dialer>(std::move(*addr), std::min(io, milliseconds(1000)), io);
    try {
      tick_conn = open_conn(*dial);
      const std::string n = std::to_string(opts.shards);
      auto r = tick_conn.run(
          {{"HSETNX", keys::meta(), "shards", n}, {"HGET", keys::meta(), "shards"}});
      check(r[0].get());
      check(r[1].get());
      if (str(r[1].get()) != n)
        return fail("the Redis keyspace was created with " + std::string(str(r[1].get())) +
                    " shards, this node was configured with " + n);
      shard_count = opts.shards;
      load_scripts(tick_conn);
      if (opts.manual_clock_start) {
        auto c = tick_conn.run({{"SET", keys::manual_clock(),
                                 std::to_string(*opts.manual_clock_start), "NX"},
                                {"GET", keys::manual_clock()}});
        check(c[1].get());
        if (auto ms = to_int(str(c[1].get())); ms && cb.clock_changed) cb.clock_changed(*ms);
      }
      if (!wait_for_node_id(error)) {
        tick_conn.close();
        return false;
      }
    } catch (const store_error& e) {
      tick_conn.close();
      return fail(e.what());
    }
    if (::pipe2(stop_pipe, O_CLOEXEC) != 0) return fail("pipe2 failed");
    state = phase::running;
    subscriber = std::thread([this] { subscriber_main(); });
    ticker = std::thread([this] { ticker_main(); });
    {
      std::unique_lock lock(tick_mu);
      tick_cv.wait(lock, [&] { return ticks > 0 || stopping; });
    }
    // Tell the others (they rebalance now rather than at their next tick).
    try {
      call({{"PUBLISH", keys::members_channel(), "+" + opts.node_id}});
    } catch (const store_error&) {
    }
    return true;
  }

  void stop(bool graceful) {
    std::lock_guard life(life_mu);
    if (state != phase::running) return;
    {
      std::lock_guard lock(tick_mu);
      stopping = true;
      handover = graceful;
    }
    tick_cv.notify_all();
    ticker.join();
    const char byte = 1;
    [[maybe_unused]] auto w = ::write(stop_pipe[1], &byte, 1);
    subscriber.join();
    ::close(stop_pipe[0]);
    ::close(stop_pipe[1]);
    stop_pipe[0] = stop_pipe[1] = -1;
    {
      std::lock_guard lock(mu);
      held.clear();
    }
    {
      std::unique_lock lock(pool_mu);
      pool_cv.wait(lock, [&] { return leased == 0; });
      idle.clear();
    }
    state = phase::stopped;
  }
};

coordinator::coordinator(coordinator_options options, coordinator_callbacks callbacks)
    : impl_(std::make_unique<impl>(std::move(options), std::move(callbacks))) {}

coordinator::~coordinator() { stop(true); }

bool coordinator::start(std::string* error) { return impl_->start(error); }

void coordinator::stop(bool handover) { impl_->stop(handover); }

int coordinator::shards() const { return static_cast<int>(impl_->shard_count); }

const std::string& coordinator::node_id() const { return impl_->opts.node_id; }

bool coordinator::owns(int shard) const { return impl_->epoch_of(shard).has_value(); }

std::optional<uint64_t> coordinator::epoch(int shard) const { return impl_->epoch_of(shard); }

std::vector<int> coordinator::owned() const {
  std::lock_guard lock(impl_->mu);
  std::vector<int> out;
  for (const auto& [s, h] : impl_->held) out.push_back(s);
  return out;
}

namespace {
uint32_t checked_shard(int shard, uint32_t count) {
  if (shard < 0 || static_cast<uint32_t>(shard) >= count)
    throw std::out_of_range("shard " + std::to_string(shard) + " out of range");
  return static_cast<uint32_t>(shard);
}
}  // namespace

void coordinator::post(int shard, const std::string& msg) {
  const uint32_t s = checked_shard(shard, impl_->shard_count);
  auto r = impl_->call({{"RPUSH", keys::inbox(s), msg},
                        {"PUBLISH", keys::wake_channel(), std::to_string(s)}},
                       /*replicated=*/true);
  check(r[0].get());
}

std::vector<std::string> coordinator::take(int shard, size_t max) {
  const uint32_t s = checked_shard(shard, impl_->shard_count);
  std::vector<std::string> out;
  auto epoch = impl_->epoch_of(shard);
  if (!epoch || max == 0) return out;
  auto r = impl_->call({impl_->evalsha(take_lua,
                                       {keys::lease(s), keys::inbox(s), keys::inbox_processing(s)},
                                       {keys::lease_value(impl_->opts.node_id, *epoch),
                                        std::to_string(max)})});
  check(r[0].get());
  const redisReply* a = r[0].get();
  if (a->type == REDIS_REPLY_ARRAY)
    for (size_t i = 0; i < a->elements; ++i) out.emplace_back(str(a->element[i]));
  return out;
}

void coordinator::ack(int shard, const std::string& msg) {
  const uint32_t s = checked_shard(shard, impl_->shard_count);
  auto r = impl_->call({{"LREM", keys::inbox_processing(s), "1", msg}});
  check(r[0].get());
}

void coordinator::push_task(const std::string& activity_arn, const std::string& payload) {
  auto r = impl_->call({{"RPUSH", keys::activity_queue(activity_arn), payload},
                        {"PUBLISH", keys::activity_channel(), activity_arn}});
  check(r[0].get());
}

namespace {
/// What a "taken" marker is keyed by: the token's first segment (its
/// payload, task and execution), the same whichever of the cluster's
/// secrets signed it, so a rotation between a hand-out and a re-queue does
/// not hand the task out twice.
std::string taken_key(const std::string& token) { return token.substr(0, token.find('.')); }
}  // namespace

int64_t coordinator::advance_clock(int64_t to_ms) {
  static const char* script =
      "local cur = tonumber(redis.call('GET', KEYS[1]) or '0') "
      "local to = tonumber(ARGV[1]) "
      "if to > cur then redis.call('SET', KEYS[1], ARGV[1]) cur = to end "
      "redis.call('PUBLISH', ARGV[2], string.format('%d', cur)) "
      "return string.format('%d', cur)";
  auto r = impl_->call({{"EVAL", script, "1", keys::manual_clock(), std::to_string(to_ms),
                         keys::clock_channel()}});
  check(r[0].get());
  auto ms = to_int(str(r[0].get()));
  if (!ms) throw store_unavailable("Redis: unexpected clock reply");
  return *ms;
}

bool coordinator::push_task_once(const std::string& activity_arn, const std::string& payload,
                                 const std::string& token) {
  // Atomic "append unless already queued or taken by a worker" (LPOS needs
  // Redis >= 6.0.6).
  static const char* script =
      "if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end "
      "if redis.call('LPOS', KEYS[1], ARGV[1]) then return 0 end "
      "redis.call('RPUSH', KEYS[1], ARGV[1]) "
      "redis.call('PUBLISH', ARGV[2], ARGV[3]) return 1";
  auto r = impl_->call({{"EVAL", script, "2", keys::activity_queue(activity_arn),
                         keys::task_taken(taken_key(token)), payload, keys::activity_channel(),
                         activity_arn}});
  check(r[0].get());
  return r[0]->type == REDIS_REPLY_INTEGER && r[0]->integer == 1;
}

std::optional<std::string> coordinator::pop_task(const std::string& activity_arn) {
  // Pop and mark as taken in one step (the marker holds until the owner has
  // stored ActivityStarted; see keys::task_taken).
  // A task whose marker exists already was handed out: a copy queued
  // again under a token signed with another secret (a rotation between the
  // hand-out and a re-queue) is dropped, not handed out twice.
  // One script run skips at most 64 dropped copies (Redis runs a script
  // alone: keep each short) and answers 1 when it stopped there with more
  // queued; then run it again, so a long run of dropped copies (closed tasks
  // of a big stopped Map) never hides the tasks behind it.
  static const char* script =
      "for i = 1, 64 do "
      "  local v = redis.call('LPOP', KEYS[1]) "
      "  if not v then return false end "
      "  local ok, t = pcall(cjson.decode, v) "
      "  if not (ok and type(t) == 'table' and type(t.token) == 'string') then return v end "
      "  if redis.call('SET', ARGV[1] .. string.match(t.token, '^[^.]*'), '1', 'EX', 3600, "
      "                'NX') then return v end "
      "end "
      "return 1";
  for (;;) {
    auto r = impl_->call({{"EVAL", script, "1", keys::activity_queue(activity_arn), keys::task_taken("")}});
    check(r[0].get());
    if (is_nil(r[0].get())) return std::nullopt;
    if (r[0]->type == REDIS_REPLY_INTEGER) continue;  // 64 dropped copies: more may follow
    return std::string(str(r[0].get()));
  }
}

void coordinator::release_taken(const std::string& token) {
  auto r = impl_->call({{"DEL", keys::task_taken(taken_key(token))}});
  check(r[0].get());
}

void coordinator::withdraw_task(const std::string& token) {
  // Longer than any task waits in a queue in practice (AWS keeps a task
  // schedulable for at most a year; a marker per closed task is small).
  auto r = impl_->call({{"SET", keys::task_taken(taken_key(token)), "closed", "EX", "2592000"}});
  check(r[0].get());
}

// ---------------------------------------------------------------------------
// Status.

std::optional<cluster_status> read_cluster_status(const std::string& url, std::string* error) {
  std::string why;
  auto addr = parse_redis_endpoint(url, &why);
  if (!addr) {
    if (error)
      *error = "malformed Redis URL '" + url + "': " + why + " (expected " + redis_url_forms + ")";
    return std::nullopt;
  }
  try {
    dialer d(std::move(*addr), milliseconds(2000), milliseconds(5000));
    conn c = open_conn(d);
    auto r = c.run({{"TIME"}, {"HGET", keys::meta(), "shards"}, {"HGETALL", keys::nodes()}});
    for (auto& x : r) check(x.get());
    cluster_status st;
    const redisReply* t = r[0].get();
    if (t->type != REDIS_REPLY_ARRAY || t->elements != 2)
      throw store_unavailable("Redis: unexpected TIME reply");
    const int64_t now =
        int_of(t->element[0]).value_or(0) * 1000 + int_of(t->element[1]).value_or(0) / 1000;
    st.shards = is_nil(r[1].get())
                    ? keys::default_shards
                    : static_cast<uint32_t>(std::max<int64_t>(int_of(r[1].get()).value_or(0), 0));
    const redisReply* all = r[2].get();
    for (size_t i = 0; all->type == REDIS_REPLY_ARRAY && i + 1 < all->elements; i += 2) {
      cluster_node n;
      n.id = std::string(str(all->element[i]));
      if (auto rec = parse_record(str(all->element[i + 1]))) {
        n.address = rec->address;
        n.heartbeat_age_ms = now - rec->heartbeat_ms;
        n.started_ms = rec->started_ms;
        n.lease_ttl_ms = rec->ttl_ms;
        n.live = n.heartbeat_age_ms < rec->ttl_ms;
      }
      st.nodes.push_back(std::move(n));
    }
    std::sort(st.nodes.begin(), st.nodes.end(),
              [](const cluster_node& a, const cluster_node& b) { return a.id < b.id; });
    std::vector<command> q;
    for (uint32_t s = 0; s < st.shards; ++s) {
      q.push_back({"GET", keys::lease(s)});
      q.push_back({"PTTL", keys::lease(s)});
    }
    auto l = c.run(q);
    st.leases.resize(st.shards);
    for (uint32_t s = 0; s < st.shards; ++s) {
      const redisReply* v = l[2 * s].get();
      check(v);
      if (is_nil(v)) continue;
      std::string_view val = str(v);
      auto colon = val.rfind(':');
      auto& sh = st.leases[s];
      sh.owner = std::string(val.substr(0, colon));
      if (colon != std::string_view::npos)
        sh.epoch = static_cast<uint64_t>(std::max<int64_t>(to_int(val.substr(colon + 1)).value_or(0), 0));
      sh.ms_left = std::max<int64_t>(int_of(l[2 * s + 1].get()).value_or(0), 0);
    }
    return st;
  } catch (const store_error& e) {
    if (error) *error = e.what();
    return std::nullopt;
  }
}

namespace {

std::string age_text(int64_t ms) {
  char buf[32];
  if (ms < 0) ms = 0;
  if (ms < 1000)
    std::snprintf(buf, sizeof buf, "%lld ms", static_cast<long long>(ms));
  else if (ms < 60'000)
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  else if (ms < 3'600'000)
    std::snprintf(buf, sizeof buf, "%lld min", static_cast<long long>(ms / 60'000));
  else
    std::snprintf(buf, sizeof buf, "%lld h", static_cast<long long>(ms / 3'600'000));
  return buf;
}

/// "0-20,44" for {0..20, 44} (ascending input).
std::string ranges(const std::vector<uint32_t>& v) {
  std::string out;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(v[i]);
    if (j > i) out += '-' + std::to_string(v[j]);
    i = j + 1;
  }
  return out;
}

std::string pad(std::string s, size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

}  // namespace

std::string format_cluster_status(const cluster_status& st) {
  std::map<std::string, std::vector<uint32_t>> by_owner;
  std::vector<uint32_t> unowned;
  for (uint32_t s = 0; s < st.leases.size(); ++s) {
    if (st.leases[s].owner.empty())
      unowned.push_back(s);
    else
      by_owner[st.leases[s].owner].push_back(s);
  }
  size_t live = 0;
  for (const auto& n : st.nodes) live += n.live ? 1 : 0;
  std::string out = "cluster: " + std::to_string(st.shards) + " shards, " +
                    std::to_string(st.nodes.size()) + " node" +
                    (st.nodes.size() == 1 ? "" : "s") + " (" + std::to_string(live) + " live), " +
                    std::to_string(st.leases.size() - unowned.size()) + " shards owned\n";

  // The nodes table.
  std::vector<std::array<std::string, 5>> rows;
  rows.push_back({"NODE", "ADDRESS", "HEARTBEAT", "STATE", "SHARDS"});
  for (const auto& n : st.nodes) {
    auto it = by_owner.find(n.id);
    rows.push_back({n.id, n.address.empty() ? "-" : n.address, age_text(n.heartbeat_age_ms) + " ago",
                    n.live ? "live" : "dead",
                    std::to_string(it == by_owner.end() ? 0 : it->second.size())});
  }
  std::array<size_t, 5> w{};
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i)
      line += i + 1 < r.size() ? pad(r[i], w[i] + 2) : r[i];
    out += line + "\n";
  }

  // Shards per owner.
  out += "shards by owner:\n";
  for (const auto& [owner, list] : by_owner) {
    int64_t lo = INT64_MAX, hi = 0;
    for (uint32_t s : list) {
      lo = std::min(lo, st.leases[s].ms_left);
      hi = std::max(hi, st.leases[s].ms_left);
    }
    const bool known = std::any_of(st.nodes.begin(), st.nodes.end(),
                                   [&](const cluster_node& n) { return n.id == owner; });
    out += "  " + owner + ": " + ranges(list) + " (" + std::to_string(list.size()) + " shard" +
           (list.size() == 1 ? "" : "s") + ", leases expire in " + age_text(lo) +
           (hi != lo ? " to " + age_text(hi) : "") + (known ? "" : ", node not registered") +
           ")\n";
  }
  if (!unowned.empty())
    out += "  unowned: " + ranges(unowned) + " (" + std::to_string(unowned.size()) + " shard" +
           (unowned.size() == 1 ? "" : "s") + ")\n";
  return out;
}

}  // namespace sc::cluster
