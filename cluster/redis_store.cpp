// The Redis store. See redis_store.hpp for threads and failure handling,
// keys.hpp for what lives where.
#include "cluster/redis_store.hpp"
#include "observability/metrics.hpp"

#include "cluster/codec.hpp"
#include "cluster/hiredis_util.hpp"
#include "cluster/keys.hpp"
#include "cluster/map_run_ops.hpp"
#include "cluster/redis_endpoint.hpp"

#include <hiredis/hiredis.h>

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <future>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

namespace sc::cluster {

// ---------------------------------------------------------------------------
// URL.

std::optional<redis_address> parse_redis_address(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  if (url.substr(0, scheme.size()) != scheme) return std::nullopt;
  std::string_view rest = url.substr(scheme.size());
  redis_address a;
  std::string_view port_path;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos || close < 2) return std::nullopt;
    a.host = std::string(rest.substr(1, close - 1));
    for (char ch : a.host)
      if (!(std::isxdigit(static_cast<unsigned char>(ch)) || ch == ':' || ch == '.'))
        return std::nullopt;
    rest.remove_prefix(close + 1);
    if (rest.empty() || rest.front() != ':') return std::nullopt;
    port_path = rest.substr(1);
  } else {
    auto colon = rest.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    a.host = std::string(rest.substr(0, colon));
    for (char ch : a.host)
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.' || ch == '_'))
        return std::nullopt;
    port_path = rest.substr(colon + 1);
  }
  auto number = [](std::string_view s, long long max) -> std::optional<long long> {
    if (s.empty()) return std::nullopt;
    long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < 0 || v > max) return std::nullopt;
    return v;
  };
  auto slash = port_path.find('/');
  auto port = number(port_path.substr(0, slash), 65535);
  if (!port || *port < 1) return std::nullopt;
  a.port = static_cast<int>(*port);
  if (slash != std::string_view::npos && slash + 1 < port_path.size()) {
    auto db = number(port_path.substr(slash + 1), std::numeric_limits<int>::max());
    if (!db) return std::nullopt;
    a.db = static_cast<int>(*db);
  }
  return a;
}

namespace {

using steady = std::chrono::steady_clock;

// ---------------------------------------------------------------------------
// hiredis plumbing (shared helpers in hiredis_util.hpp).

using hiredis::reply;
using hiredis::str;
using hiredis::is_nil;
using hiredis::is_error;
using hiredis::sigpipe_guard;

/// Redis commands in wire format (RESP), built without hiredis so callers
/// can prepare them on their own threads.
class resp {
 public:
  void begin(size_t nargs) {
    buf_ += '*';
    number(nargs);
    ++count_;
    first_ = true;
  }
  void arg(std::string_view a) {
    if (first_) writes_ = writes_ || redis_command_writes(a);
    first_ = false;
    buf_ += '$';
    number(a.size());
    buf_.append(a);
    buf_ += "\r\n";
  }
  void cmd(std::initializer_list<std::string_view> args) {
    begin(args.size());
    for (auto a : args) arg(a);
  }
  const std::string& data() const { return buf_; }
  size_t count() const { return count_; }
  /// Some command changes data (callers wait for replicas after it).
  bool writes() const { return writes_; }
  /// Acknowledged without waiting for replicas (idempotent setup writes).
  void no_replica_wait() { writes_ = false; }

 private:
  void number(size_t n) {
    char tmp[24];
    auto [p, ec] = std::to_chars(tmp, tmp + sizeof tmp, n);
    buf_.append(tmp, p);
    buf_ += "\r\n";
  }
  std::string buf_;
  size_t count_ = 0;
  bool first_ = false, writes_ = false;
};

std::string to_str(int64_t v) { return std::to_string(v); }

// ---------------------------------------------------------------------------
// Connecting, with a shared back-off.

class connector {
 public:
  connector(redis_endpoint e, const redis_store_options& o)
      : ep_(std::move(e)), opts_(o), backoff_(o.backoff_min), watch_(ep_) {}

  std::string where() const {
    std::lock_guard lock(mu_);
    return where_.empty() ? ep_.describe() : where_;
  }
  /// Master switches announced by the sentinels (redis_endpoint.hpp):
  /// connections opened at an older generation are dropped.
  uint64_t generation() const { return watch_.generation(); }

  /// With store.redis_wait_replicas: waits until the replicas acknowledged
  /// every write made on `c`. "" when they did (or nothing to wait for),
  /// otherwise why not; the caller then treats its writes as failed and
  /// drops `c` (the master may be gone: the next connection asks again).
  std::string await_replicas(redisContext* c) const {
    if (opts_.wait_replicas <= 0) return {};
    std::string err;
    long long n = wait_for_replicas(c, opts_.wait_replicas, opts_.wait_timeout, &err);
    if (n < 0) return "Redis at " + where() + ": " + err;
    if (n < opts_.wait_replicas)
      return "Redis at " + where() + ": the write reached " + std::to_string(n) + " of " +
             std::to_string(opts_.wait_replicas) + " replicas within " +
             std::to_string(opts_.wait_timeout.count()) + " ms (store.redis_wait_replicas)";
    return {};
  }

  /// A new connection, or store_unavailable. During the back-off after a
  /// failed attempt, fails at once.
  redisContext* connect() {
    {
      std::lock_guard lock(mu_);
      auto now = steady::now();
      if (now < retry_at_) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - now).count();
        throw store_unavailable("Redis at " + (where_.empty() ? ep_.describe() : where_) +
                                " unavailable (" + last_error_ +
                                "); next attempt in " + std::to_string(ms) + " ms");
      }
    }
    // Directly, or the master the sentinels name (redis_endpoint.hpp).
    std::string err, at;
    redisContext* c =
        connect_redis_master(ep_, opts_.connect_timeout, opts_.command_timeout, &err, &at);
    {
      std::lock_guard lock(mu_);
      where_ = at;
    }
    if (!c) {
      std::lock_guard lock(mu_);
      last_error_ = err;
      retry_at_ = steady::now() + backoff_;
      backoff_ = std::min(backoff_ * 2, opts_.backoff_max);
      throw store_unavailable("cannot connect to Redis at " + at + ": " + err);
    }
    std::lock_guard lock(mu_);
    backoff_ = opts_.backoff_min;
    retry_at_ = {};
    return c;
  }

 private:
  redis_endpoint ep_;
  redis_store_options opts_;
  mutable std::mutex mu_;
  std::string where_;  ///< the server last dialled
  steady::time_point retry_at_{};
  std::chrono::milliseconds backoff_;
  std::string last_error_;
  sentinel_watch watch_;
};

/// Sends `q` on `c` and reads exactly q.count() replies. Returns false when
/// the connection failed (then `c` is unusable and *why says why).
bool roundtrip(redisContext* c, const resp& q, std::vector<reply>& out, std::string* why) {
  sigpipe_guard g;
  out.clear();
  out.reserve(q.count());
  if (redisAppendFormattedCommand(c, q.data().data(), q.data().size()) != REDIS_OK) {
    if (why) *why = c->errstr[0] ? c->errstr : "out of memory";
    return false;
  }
  for (size_t i = 0; i < q.count(); ++i) {
    void* r = nullptr;
    if (redisGetReply(c, &r) != REDIS_OK || !r) {
      if (why) *why = c->errstr[0] ? c->errstr : "connection lost";
      return false;
    }
    out.emplace_back(static_cast<redisReply*>(r));
  }
  return true;
}

// ---------------------------------------------------------------------------
// The connection pool for synchronous calls.

class pool {
 public:
  pool(connector& c, size_t max) : conn_(c), max_(std::max<size_t>(max, 1)) {}
  ~pool() {
    for (auto* c : idle_) redisFree(c);
  }

  redisContext* take() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || leased_ < max_; });
    ++leased_;
    if (uint64_t g = conn_.generation(); g != gen_) {  // the master switched
      for (auto* c : idle_) redisFree(c);
      idle_.clear();
      gen_ = g;
    }
    if (!idle_.empty()) {
      auto* c = idle_.back();
      idle_.pop_back();
      return c;
    }
    lock.unlock();
    try {
      return conn_.connect();
    } catch (...) {
      lock.lock();
      --leased_;
      cv_.notify_one();
      throw;
    }
  }

  void give_back(redisContext* c, bool broken) {
    if (broken && c) {
      redisFree(c);
      c = nullptr;
    }
    std::lock_guard lock(mu_);
    --leased_;
    if (c) idle_.push_back(c);
    cv_.notify_one();
  }

  connector& conn() { return conn_; }

 private:
  connector& conn_;
  size_t max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<redisContext*> idle_;
  size_t leased_ = 0;
  uint64_t gen_ = 0;
};

/// One leased connection. run() pipelines commands; transport failures and
/// error replies throw store_unavailable (after reading every reply, so the
/// connection stays usable for error replies).
class lease {
 public:
  explicit lease(pool& p) : p_(p), c_(p.take()) {}
  ~lease() { p_.give_back(c_, broken_); }
  lease(const lease&) = delete;
  lease& operator=(const lease&) = delete;

  /// Replies may be error replies; only transport failures throw.
  std::vector<reply> run_raw(const resp& q) {
    std::vector<reply> out;
    std::string why;
    if (!roundtrip(c_, q, out, &why)) {
      broken_ = true;
      throw store_unavailable("Redis at " + p_.conn().where() + ": " + why);
    }
    // Not (or no longer) the master: drop it, the next one asks again.
    for (auto& r : out)
      if (is_failover_error(r.get())) broken_ = true;
    if (q.writes() && !broken_) {
      if (std::string short_of = p_.conn().await_replicas(c_); !short_of.empty()) {
        broken_ = true;
        throw store_unavailable(short_of);
      }
    }
    return out;
  }

  std::vector<reply> run(const resp& q) {
    auto out = run_raw(q);
    for (auto& r : out) check(r.get());
    return out;
  }

  reply one(std::initializer_list<std::string_view> args) {
    resp q;
    q.cmd(args);
    return std::move(run(q).front());
  }

  static void check(const redisReply* r) {
    if (is_error(r)) throw store_unavailable("Redis error: " + std::string(str(r)));
    if (r && r->type == REDIS_REPLY_ARRAY)
      for (size_t i = 0; i < r->elements; ++i)
        if (is_error(r->element[i]))
          throw store_unavailable("Redis error: " + std::string(str(r->element[i])));
  }

 private:
  pool& p_;
  redisContext* c_;
  bool broken_ = false;
};

// ---------------------------------------------------------------------------
// Lua scripts (run with EVALSHA; EVAL when Redis lost its script cache).

struct script {
  const char* text;
};

// KEYS: 1 record, 2 state, 3 history, 4 machine index, 5 machine+status index,
//       6 running set, 7 machine running set
// ARGV: 1 arn, 2 record blob, 3 state blob ('' = none), 4 index member,
//       5 status, 6 express ('1'/'0'), 7 retention seconds, 8..last event blobs
// → {1} created, or {0, record blob, state blob or ''} when it existed.
// Unfenced (an unstarted execution: any node may create one); the owner's
// create with its first step uses the fenced variant below.
const char create_execution_body[] = R"lua(
local old = redis.call('GET', KEYS[1])
if old then
  local st = redis.call('GET', KEYS[2])
  if not st then st = '' end
  return {0, old, st}
end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3]) else redis.call('DEL', KEYS[2]) end
redis.call('DEL', KEYS[3])
for i = 8, last, 1000 do
  redis.call('RPUSH', KEYS[3], unpack(ARGV, i, math.min(i + 999, last)))
end
redis.call('ZADD', KEYS[4], 0, ARGV[4])
redis.call('ZADD', KEYS[5], 0, ARGV[4])
if ARGV[5] == 'RUNNING' then
  if ARGV[6] ~= '1' then redis.call('SADD', KEYS[6], ARGV[1]) end
  redis.call('SADD', KEYS[7], ARGV[1])
else
  local ttl = tonumber(ARGV[7])
  if ttl > 0 then
    for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ttl) end
  end
end
return {1}
)lua";
const std::string create_execution_text =
    std::string("local last = #ARGV\n") + create_execution_body;
const script create_execution_lua{create_execution_text.c_str()};

// A save (what build_save's MULTI … EXEC does) guarded by the shard lease:
// used instead of the MULTI when the shard is fenced (store::set_fence).
// KEYS: 1 lease, 2 record, 3 state, 4 history, 5 machine index,
//       6 machine+status index, 7 machine+RUNNING index, 8 running set,
//       9 machine running set, 10-12 machine+FAILED/TIMED_OUT/ABORTED indexes
// ARGV: 1 expected lease value, 2 arn, 3 record blob, 4 state blob,
//       5 '1' when there is a state, 6 index member, 7 status,
//       8 express ('1'/'0'), 9 retention seconds, 10 '1' when redriven,
//       11 LTRIM stop of the history before appending (-1 = keep all; see
//       build_save), 12.. event blobs
// → 1 saved, 0 fenced out (nothing written).
const script save_execution_fenced_lua{R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[11]))
for i = 12, #ARGV, 1000 do
  redis.call('RPUSH', KEYS[4], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
if ARGV[5] == '1' then
  redis.call('MSET', KEYS[2], ARGV[3], KEYS[3], ARGV[4])
else
  redis.call('SET', KEYS[2], ARGV[3])
  redis.call('DEL', KEYS[3])
end
redis.call('ZADD', KEYS[5], 0, ARGV[6])
redis.call('ZADD', KEYS[6], 0, ARGV[6])
if ARGV[7] == 'RUNNING' then
  if ARGV[8] ~= '1' then redis.call('SADD', KEYS[8], ARGV[2]) end
  if ARGV[10] == '1' then
    for i = 10, 12 do redis.call('ZREM', KEYS[i], ARGV[6]) end
    redis.call('SADD', KEYS[9], ARGV[2])
    for i = 2, 4 do redis.call('PERSIST', KEYS[i]) end
  end
else
  redis.call('ZREM', KEYS[7], ARGV[6])
  redis.call('SREM', KEYS[8], ARGV[2])
  redis.call('SREM', KEYS[9], ARGV[2])
  local ttl = tonumber(ARGV[9])
  if ttl > 0 then
    for i = 2, 4 do redis.call('EXPIRE', KEYS[i], ttl) end
  end
end
return 1
)lua"};

// The create and fenced save scripts with a save's Map Run operations
// (map_run_ops.hpp) after everything else: extra KEYS (one per operation)
// after the script's own, extra ARGV (the operations') after the events,
// and ARGV[#ARGV] = the index of the last event.
std::string with_ops(std::string text, const char* returns, int k0) {
  const std::string loop_end = "#ARGV";
  // The event loops read up to `last` instead of #ARGV.
  size_t at = 0;
  while ((at = text.find(loop_end, at)) != std::string::npos) text.replace(at, loop_end.size(), "last");
  size_t ret = text.rfind(returns);
  text.insert(ret, "apply_ops(" + std::to_string(k0) + ", last + 1, #ARGV - 1)\n");
  return std::string(map_run_ops_lua()) + "local last = tonumber(ARGV[#ARGV])\n" + text;
}
const std::string create_execution_ops_text = with_ops(create_execution_body, "return {1}", 8);
const script create_execution_ops_lua{create_execution_ops_text.c_str()};

// A create that carries the first step's events of a still RUNNING
// execution is the shard owner's (actors/node.cpp, start_execution): like a
// save, it must not land once another node holds the lease, or that node's
// recovery scan could have missed it. These variants take the lease key as the last KEY and the
// expected lease value as the last ARGV, check them, drop them and run the
// create. → {-1} fenced out (nothing written).
const char fence_guard[] = R"lua(
local fence_key, fence_value = KEYS[#KEYS], ARGV[#ARGV]
if redis.call('GET', fence_key) ~= fence_value then return {-1} end
KEYS[#KEYS] = nil
ARGV[#ARGV] = nil
)lua";
const std::string create_execution_fenced_text = fence_guard + create_execution_text;
const script create_execution_fenced_lua{create_execution_fenced_text.c_str()};
const std::string create_execution_ops_fenced_text = fence_guard + create_execution_ops_text;
const script create_execution_ops_fenced_lua{create_execution_ops_fenced_text.c_str()};
const std::string fenced_save_ops_text =
    with_ops(save_execution_fenced_lua.text, "return 1", 13);

// PublishStateMachineVersion. KEYS: 1 versions hash, 2 version index,
// 3 counter, 4 revisions hash. ARGV: 1 machine arn, 2 revision id, 3 blob
// (empty arn), 4 most versions. → {1, arn} published, {0, arn} the newest
// version has that revision, {-1, ''} quota reached.
const script publish_version_lua{R"lua(
local top = redis.call('ZREVRANGE', KEYS[2], 0, 0)
if top[1] and redis.call('HGET', KEYS[4], top[1]) == ARGV[2] then return {0, top[1]} end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return {-1, ''} end
local n = redis.call('INCR', KEYS[3])
local arn = ARGV[1] .. ':' .. n
redis.call('HSET', KEYS[1], arn, ARGV[3])
redis.call('HSET', KEYS[4], arn, ARGV[2])
redis.call('ZADD', KEYS[2], n, arn)
return {1, arn}
)lua"};

// CreateStateMachineAlias. KEYS: 1 aliases hash. ARGV: 1 alias arn, 2 blob,
// 3 most aliases. → {1} created, {0, blob} exists, {-1} quota reached.
const script create_alias_lua{R"lua(
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then return {0, cur} end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return {-1} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {1}
)lua"};

// KEYS: 1 aliases hash. ARGV: 1 alias arn, 2 blob. → 1 replaced, 0 absent.
const script put_alias_lua{R"lua(
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
)lua"};

// KEYS: 1 machines hash, 2 deleting set. ARGV: 1 arn, 2 blob, 3 '1' if DELETING.
const script put_machine_lua{R"lua(
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] == '1' then redis.call('SADD', KEYS[2], ARGV[1]) else redis.call('SREM', KEYS[2], ARGV[1]) end
return 1
)lua"};

// Compare-and-set to DELETING. KEYS: 1 machines hash, 2 deleting set.
// ARGV: 1 arn, 2 blob read, 3 new blob. → 1 done, 0 the record changed.
const script mark_deleting_lua{R"lua(
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
return 1
)lua"};

// Erase a DELETING machine. KEYS: 1 machines hash, 2 index, 3 tags, 4 deleting.
// ARGV: 1 arn. → 1 erased, 0 not (no longer DELETING: recreated or gone).
const script erase_machine_lua{R"lua(
if redis.call('SISMEMBER', KEYS[4], ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[1])
return 1
)lua"};

constexpr size_t max_group_bytes = 16u << 20;

const char* const all_statuses[] = {"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"};

// ---------------------------------------------------------------------------
// The writer's unit of work.

/// How a save ended.
enum class save_result { ok, failed, fenced };

struct pending_save {
  resp cmds;                 ///< MULTI … EXEC [SISMEMBER deleting machine]
  bool check_deleting = false;
  /// cmds is EVALSHA save_execution_fenced_lua … instead of MULTI … EXEC.
  bool fenced = false;
  std::string fence_message;  ///< the failure text when fenced out
  std::string machine_arn;
  std::function<void(save_result result, const std::string& why)> done;
};

/// Finished executions this node wrote, by ARN. A finished execution's
/// record never changes again, so DescribeExecution of one (what a client
/// polling for the end sends) can be answered without a Redis round trip.
/// Bounded: the newest `capacity` records, none older than the retention,
/// none with more than 8 KiB of payload. Records are kept without their
/// definition and state, which DescribeExecution does not show.
class finished_cache {
 public:
  explicit finished_cache(size_t capacity) : capacity_(capacity) {}

  bool wants(const execution_record& r) const {
    return capacity_ > 0 && r.status != "RUNNING" &&
           r.input.size() + r.output.size() + r.error.size() + r.cause.size() <= 8192;
  }

  void put(execution_record r) {
    if (!wants(r)) return;
    r.definition.clear();
    r.state.reset();
    std::string arn = r.arn;
    std::lock_guard lock(mu_);
    auto [it, fresh] = map_.insert_or_assign(std::move(arn), entry{std::move(r), wall_ms()});
    if (!fresh) return;
    order_.push_back(&it->first);
    while (map_.size() > capacity_) {
      map_.erase(*order_.front());
      order_.pop_front();
    }
  }

  /// A redrive: the record changes after all. The entry stays (order_
  /// points at its key) but misses until a later put replaces it.
  void forget(const std::string& arn) {
    std::lock_guard lock(mu_);
    auto it = map_.find(arn);
    if (it != map_.end()) it->second.stale = true;
  }

  std::optional<execution_record> get(const std::string& arn, int64_t retention_s) {
    std::lock_guard lock(mu_);
    auto it = map_.find(arn);
    if (it == map_.end() || it->second.stale) return std::nullopt;
    // Past the retention Redis has dropped it: so must we (it stays in
    // order_ and goes when its turn comes).
    if (retention_s > 0 && wall_ms() - it->second.cached_ms > retention_s * 1000) return std::nullopt;
    return it->second.rec;
  }

 private:
  struct entry {
    execution_record rec;
    int64_t cached_ms;
    bool stale = false;  ///< redriven since (forget)
  };
  size_t capacity_;
  std::mutex mu_;
  std::unordered_map<std::string, entry> map_;
  std::deque<const std::string*> order_;  ///< keys of map_, oldest first
};

class redis_store final : public store {
 public:
  redis_store(redis_endpoint a, const redis_store_options& o)
      : opts_(o),
        shards_(o.shards ? o.shards : 1),
        connector_(std::move(a), o),
        pool_(connector_, static_cast<size_t>(std::max(o.pool_size, 1))),
        fences_(shards_) {}

  ~redis_store() override {
    {
      std::lock_guard lock(wmu_);
      stop_ = true;
    }
    wcv_.notify_one();
    if (writer_.joinable()) writer_.join();
    if (wctx_) redisFree(wctx_);
  }

  /// Checks Redis answers and the keyspace's shard count; starts the writer.
  bool init(std::string* error) {
    try {
      lease c(pool_);
      resp q;
      q.cmd({"HSETNX", keys::meta(), "shards", std::to_string(shards_)});
      q.cmd({"HSETNX", keys::meta(), "format", std::to_string(codec::format_version)});
      q.cmd({"HGET", keys::meta(), "shards"});
      q.cmd({"SCRIPT", "LOAD", save_execution_fenced_lua.text});
      q.no_replica_wait();  // a node may start while the replicas are away
      auto r = c.run(q);
      // The digest of a script is a function of its text: valid for any
      // Redis, also after a restart (the writer loads it again per connection).
      fenced_save_sha_ = std::string(str(r[3].get()));
      if (str(r[2].get()) != std::to_string(shards_)) {
        if (error)
          *error = "the Redis keyspace was created with " + std::string(str(r[2].get())) +
                   " shards, this store was configured with " + std::to_string(shards_);
        return false;
      }
    } catch (const store_error& e) {
      if (error) *error = e.what();
      return false;
    }
    writer_ = std::thread([this] { writer_loop(); });
    return true;
  }

  // State machines -------------------------------------------------------

  create_outcome create_state_machine(const state_machine_record& r,
                                      state_machine_record& existing) override {
    const std::string blob = codec::encode(r);
    for (int attempt = 0;; ++attempt) {
      lease c(pool_);
      resp q;
      q.cmd({"MULTI"});
      q.cmd({"HSETNX", keys::state_machines(), r.arn, blob});
      q.cmd({"ZADD", keys::state_machine_index(), "0", r.arn});
      q.cmd({"EXEC"});
      auto rep = c.run(q);
      const redisReply* ex = rep.back().get();
      if (!ex || ex->type != REDIS_REPLY_ARRAY || ex->elements < 1)
        throw store_unavailable("Redis: unexpected EXEC reply");
      if (ex->element[0]->integer == 1) return create_outcome::created;
      auto cur = c.one({"HGET", keys::state_machines(), r.arn});
      if (is_nil(cur.get())) {
        if (attempt < 10) continue;  // erased in between: try to create again
        throw store_unavailable("Redis: state machine record keeps changing");
      }
      decode_or_throw(str(cur.get()), existing);
      if (existing.status == "DELETING") return create_outcome::deleting;
      bool same = existing.definition == r.definition && existing.type == r.type &&
                  existing.logging_json == r.logging_json &&
                  existing.tracing_enabled == r.tracing_enabled;
      return same ? create_outcome::existing : create_outcome::conflict;
    }
  }

  std::optional<state_machine_record> get_state_machine(const std::string& arn) override {
    lease c(pool_);
    auto r = c.one({"HGET", keys::state_machines(), arn});
    if (is_nil(r.get())) return std::nullopt;
    state_machine_record m;
    decode_or_throw(str(r.get()), m);
    return m;
  }

  bool put_state_machine(const state_machine_record& r) override {
    lease c(pool_);
    auto rep = eval(c, put_machine_lua, {keys::state_machines(), keys::deleting_machines()},
                    {r.arn, codec::encode(r), r.status == "DELETING" ? "1" : "0"});
    return rep->integer == 1;
  }

  bool delete_state_machine(const std::string& arn) override {
    for (int attempt = 0;; ++attempt) {
      {
        lease c(pool_);
        auto cur = c.one({"HGET", keys::state_machines(), arn});
        if (is_nil(cur.get())) return false;
        state_machine_record m;
        std::string old(str(cur.get()));
        decode_or_throw(old, m);
        if (m.status != "DELETING") {
          m.status = "DELETING";
          auto rep = eval(c, mark_deleting_lua,
                          {keys::state_machines(), keys::deleting_machines()},
                          {arn, old, codec::encode(m)});
          if (rep->integer != 1) {
            if (attempt < 10) continue;  // changed under us: read again
            throw store_unavailable("Redis: state machine record keeps changing");
          }
        }
      }
      // Marked first, counted second; a finishing execution removes itself
      // from the running set first and checks the mark second: one of the
      // two always sees the other and erases the machine.
      erase_if_idle(arn);
      return true;
    }
  }

  page<state_machine_record> list_state_machines(const std::string& after,
                                                 size_t limit) override {
    return lex_page<state_machine_record>(keys::state_machines(), keys::state_machine_index(),
                                          after, limit);
  }

  size_t count_state_machines() override {
    lease c(pool_);
    return static_cast<size_t>(c.one({"ZCARD", keys::state_machine_index()})->integer);
  }

  // Versions and aliases -------------------------------------------------

  publish_outcome publish_version(const std::string& machine_arn, const state_machine_record& v,
                                  size_t max_versions, state_machine_record& out) override {
    state_machine_record blob_rec = v;
    blob_rec.arn.clear();
    lease c(pool_);
    auto rep = eval(c, publish_version_lua,
                    {keys::versions(machine_arn), keys::version_index(machine_arn),
                     keys::version_counter(machine_arn), keys::version_revisions(machine_arn)},
                    {machine_arn, v.revision_id, codec::encode(blob_rec),
                     std::to_string(max_versions)});
    const redisReply* r = rep.get();
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 2)
      throw store_unavailable("Redis: unexpected publish reply");
    long long code = r->element[0]->integer;
    if (code < 0) return publish_outcome::quota;
    std::string arn(str(r->element[1]));
    if (code == 1) {
      out = v;
      out.arn = arn;
      return publish_outcome::created;
    }
    auto got = read_version(c, machine_arn, arn);
    if (!got) throw store_unavailable("Redis: version vanished");
    out = *got;
    return publish_outcome::existing;
  }

  std::optional<state_machine_record> get_version(const std::string& arn) override {
    std::string machine = unqualified_arn(arn);
    if (machine.empty()) return std::nullopt;
    lease c(pool_);
    return read_version(c, machine, arn);
  }

  page<state_machine_record> list_versions(const std::string& machine_arn,
                                           const std::string& after, size_t limit) override {
    page<state_machine_record> out;
    if (limit == 0) return out;
    lease c(pool_);
    std::string max = "+inf";
    if (!after.empty()) {
      auto colon = after.rfind(':');
      max = "(" + after.substr(colon + 1);
    }
    auto ids = c.one({"ZREVRANGEBYSCORE", keys::version_index(machine_arn), max, "-inf", "LIMIT",
                      "0", std::to_string(limit + 1)});
    if (ids->type != REDIS_REPLY_ARRAY) throw store_unavailable("Redis: unexpected ZRANGE reply");
    size_t n = std::min<size_t>(ids->elements, limit);
    if (n == 0) return out;
    resp q;
    q.begin(2 + n);
    q.arg("HMGET");
    q.arg(keys::versions(machine_arn));
    for (size_t i = 0; i < n; ++i) q.arg(str(ids->element[i]));
    auto rep = c.run(q);
    const redisReply* blobs = rep.front().get();
    for (size_t i = 0; i < n && i < blobs->elements; ++i) {
      if (is_nil(blobs->element[i])) continue;
      state_machine_record m;
      decode_or_throw(str(blobs->element[i]), m);
      m.arn = std::string(str(ids->element[i]));
      out.items.push_back(std::move(m));
    }
    if (ids->elements > limit && !out.items.empty()) out.next = out.items.back().arn;
    return out;
  }

  bool delete_version(const std::string& arn) override {
    std::string machine = unqualified_arn(arn);
    if (machine.empty()) return false;
    lease c(pool_);
    resp q;
    q.cmd({"MULTI"});
    q.cmd({"HDEL", keys::versions(machine), arn});
    q.cmd({"ZREM", keys::version_index(machine), arn});
    q.cmd({"HDEL", keys::version_revisions(machine), arn});
    q.cmd({"EXEC"});
    auto rep = c.run(q);
    const redisReply* ex = rep.back().get();
    return ex && ex->type == REDIS_REPLY_ARRAY && ex->elements > 0 && ex->element[0]->integer == 1;
  }

  create_outcome create_alias(const alias_record& a, size_t max_aliases,
                              alias_record& existing) override {
    lease c(pool_);
    auto rep = eval(c, create_alias_lua, {keys::aliases(unqualified_arn(a.arn))},
                    {a.arn, codec::encode(a), std::to_string(max_aliases)});
    const redisReply* r = rep.get();
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 1)
      throw store_unavailable("Redis: unexpected alias reply");
    long long code = r->element[0]->integer;
    if (code == 1) return create_outcome::created;
    if (code < 0) return create_outcome::deleting;
    decode_or_throw(str(r->element[1]), existing);
    return same_alias(existing, a) ? create_outcome::existing : create_outcome::conflict;
  }

  std::optional<alias_record> get_alias(const std::string& arn) override {
    std::string machine = unqualified_arn(arn);
    if (machine.empty()) return std::nullopt;
    lease c(pool_);
    auto r = c.one({"HGET", keys::aliases(machine), arn});
    if (is_nil(r.get())) return std::nullopt;
    alias_record a;
    decode_or_throw(str(r.get()), a);
    return a;
  }

  bool put_alias(const alias_record& a) override {
    lease c(pool_);
    auto rep = eval(c, put_alias_lua, {keys::aliases(unqualified_arn(a.arn))},
                    {a.arn, codec::encode(a)});
    return rep->integer == 1;
  }

  bool delete_alias(const std::string& arn) override {
    std::string machine = unqualified_arn(arn);
    if (machine.empty()) return false;
    lease c(pool_);
    auto r = c.one({"HDEL", keys::aliases(machine), arn});
    return r->integer == 1;
  }

  std::vector<alias_record> list_aliases(const std::string& machine_arn) override {
    std::vector<alias_record> out;
    lease c(pool_);
    auto r = c.one({"HVALS", keys::aliases(machine_arn)});
    if (r->type != REDIS_REPLY_ARRAY) throw store_unavailable("Redis: unexpected HVALS reply");
    for (size_t i = 0; i < r->elements; ++i) {
      alias_record a;
      decode_or_throw(str(r->element[i]), a);
      out.push_back(std::move(a));
    }
    std::sort(out.begin(), out.end(),
              [](const alias_record& x, const alias_record& y) { return x.arn < y.arn; });
    return out;
  }

  void delete_versions_and_aliases(const std::string& machine_arn) override {
    lease c(pool_);
    c.one({"DEL", keys::versions(machine_arn), keys::version_index(machine_arn),
           keys::version_counter(machine_arn), keys::version_revisions(machine_arn),
           keys::aliases(machine_arn)});
  }

  std::optional<state_machine_record> read_version(lease& c, const std::string& machine,
                                                   const std::string& arn) {
    auto r = c.one({"HGET", keys::versions(machine), arn});
    if (is_nil(r.get())) return std::nullopt;
    state_machine_record m;
    decode_or_throw(str(r.get()), m);
    m.arn = arn;
    return m;
  }

  // Activities -----------------------------------------------------------

  create_outcome create_activity(const activity_record& r, activity_record& existing) override {
    const std::string blob = codec::encode(r);
    for (int attempt = 0;; ++attempt) {
      lease c(pool_);
      resp q;
      q.cmd({"MULTI"});
      q.cmd({"HSETNX", keys::activities(), r.arn, blob});
      q.cmd({"ZADD", keys::activity_index(), "0", r.arn});
      q.cmd({"EXEC"});
      auto rep = c.run(q);
      const redisReply* ex = rep.back().get();
      if (!ex || ex->type != REDIS_REPLY_ARRAY || ex->elements < 1)
        throw store_unavailable("Redis: unexpected EXEC reply");
      if (ex->element[0]->integer == 1) return create_outcome::created;
      auto cur = c.one({"HGET", keys::activities(), r.arn});
      if (is_nil(cur.get())) {
        if (attempt < 10) continue;
        throw store_unavailable("Redis: activity record keeps changing");
      }
      decode_or_throw(str(cur.get()), existing);
      return create_outcome::existing;
    }
  }

  std::optional<activity_record> get_activity(const std::string& arn) override {
    lease c(pool_);
    auto r = c.one({"HGET", keys::activities(), arn});
    if (is_nil(r.get())) return std::nullopt;
    activity_record a;
    decode_or_throw(str(r.get()), a);
    return a;
  }

  bool delete_activity(const std::string& arn) override {
    lease c(pool_);
    resp q;
    q.cmd({"MULTI"});
    q.cmd({"HDEL", keys::activities(), arn});
    q.cmd({"ZREM", keys::activity_index(), arn});
    q.cmd({"HDEL", keys::tags(), arn});
    q.cmd({"EXEC"});
    auto rep = c.run(q);
    const redisReply* ex = rep.back().get();
    return ex && ex->type == REDIS_REPLY_ARRAY && ex->elements >= 1 &&
           ex->element[0]->integer > 0;
  }

  page<activity_record> list_activities(const std::string& after, size_t limit) override {
    return lex_page<activity_record>(keys::activities(), keys::activity_index(), after, limit);
  }

  size_t count_activities() override {
    lease c(pool_);
    return static_cast<size_t>(c.one({"ZCARD", keys::activity_index()})->integer);
  }

  // Tags -----------------------------------------------------------------

  std::vector<tag> get_tags(const std::string& arn) override {
    lease c(pool_);
    auto r = c.one({"HGET", keys::tags(), arn});
    std::vector<tag> out;
    if (!is_nil(r.get())) decode_or_throw(str(r.get()), out);
    return out;
  }

  void set_tags(const std::string& arn, const std::vector<tag>& tags) override {
    lease c(pool_);
    if (tags.empty())
      c.one({"HDEL", keys::tags(), arn});
    else
      c.one({"HSET", keys::tags(), arn, codec::encode(tags)});
  }

  // Executions -----------------------------------------------------------

  create_outcome create_execution(const execution_record& r,
                                  const std::vector<model::history_event>& events,
                                  execution_record& existing) override {
    const uint32_t s = shard(r.arn);
    std::vector<std::string> args;
    args.reserve(7 + events.size());
    args.push_back(r.arn);
    args.push_back(codec::encode(r));
    args.push_back(r.state ? codec::encode(*r.state) : std::string());
    args.push_back(keys::execution_index_member(r.start_ms, r.arn));
    args.push_back(r.status);
    args.push_back(r.express ? "1" : "0");
    args.push_back(to_str(retention_.load()));
    for (const auto& e : events) args.push_back(codec::encode(e));
    // Creating an unstarted execution is never fenced: in a cluster any node
    // creates one (an atomic create-if-absent) and then tells the shard's
    // owner through its inbox; the owner's own create (with the first step)
    // and its later saves carry the lease epoch.
    lease c(pool_);
    std::vector<std::string> ks{keys::execution(s, r.arn), keys::state(s, r.arn),
                                keys::history(s, r.arn),
                                keys::machine_executions(s, r.machine_arn),
                                keys::machine_executions_by_status(s, r.status, r.machine_arn),
                                keys::running(s), keys::machine_running(s, r.machine_arn)};
    const bool ops = r.map_changes && !r.map_changes->empty();
    if (ops) {
      // The first step started a Distributed Map: its Map Run and children
      // are created in the same script.
      const std::string last = std::to_string(args.size());
      map_run_ops_args(map_run_ops(*r.map_changes, s, retention_.load()), ks, args);
      args.push_back(last);
    }
    // The owner's create that leaves work for it (started, still RUNNING)
    // is fenced like a save. One that finished in its first step is not:
    // nobody has anything left to do for it, so it is safe from any node.
    const std::string fence =
        events.empty() || r.status != "RUNNING" ? std::string() : fence_of(s);
    if (!fence.empty()) {
      ks.push_back(keys::lease(s));
      args.push_back(fence);
    }
    const script& sc = fence.empty()
                           ? (ops ? create_execution_ops_lua : create_execution_lua)
                           : (ops ? create_execution_ops_fenced_lua : create_execution_fenced_lua);
    reply rep = eval(c, sc, ks, args);
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1)
      throw store_unavailable("Redis: unexpected reply from the create script");
    if (rep->element[0]->integer == -1) {
      ++st_fenced_;
      throw store_fenced(fenced_message(s, fence));
    }
    if (rep->element[0]->integer == 1) {
      finished_.put(r);
      return create_outcome::created;
    }
    if (rep->elements < 3) throw store_unavailable("Redis: unexpected reply from the create script");
    existing = load_execution(str(rep->element[1]), str(rep->element[2]));
    return create_outcome::existing;
  }

  std::optional<execution_record> get_execution(const std::string& arn) override {
    const uint32_t s = shard(arn);
    lease c(pool_);
    auto r = c.one({"MGET", keys::execution(s, arn), keys::state(s, arn)});
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) throw store_unavailable("Redis: bad MGET");
    if (is_nil(r->element[0])) return std::nullopt;
    return load_execution(str(r->element[0]),
                          is_nil(r->element[1]) ? std::string_view{} : str(r->element[1]));
  }

  std::optional<execution_record> get_execution_record(const std::string& arn) override {
    if (auto hit = finished_.get(arn, retention_.load())) return hit;
    lease c(pool_);
    auto r = c.one({"GET", keys::execution(shard(arn), arn)});
    if (is_nil(r.get())) return std::nullopt;
    return load_execution(str(r.get()), std::string_view{});
  }

  void save_execution(const execution_record& r,
                      const std::vector<model::history_event>& events) override {
    auto p = build_save(r, events);
    std::promise<std::pair<save_result, std::string>> pr;
    auto f = pr.get_future();
    p.done = [&pr](save_result res, const std::string& why) { pr.set_value({res, why}); };
    submit(std::move(p));
    auto [res, why] = f.get();
    if (res == save_result::fenced) throw store_fenced(why);
    if (res != save_result::ok) throw store_unavailable(why);
    finished_.put(r);
  }

  void save_execution_async(const execution_record& r, std::vector<model::history_event> events,
                            std::function<void(bool ok)> done) override {
    pending_save p;
    try {
      p = build_save(r, events);
    } catch (...) {
      if (done) done(false);
      return;
    }
    std::shared_ptr<execution_record> fin;
    if (finished_.wants(r)) fin = std::make_shared<execution_record>(r);
    p.done = [this, fin, d = std::move(done)](save_result res, const std::string&) {
      if (fin && res == save_result::ok) finished_.put(std::move(*fin));
      if (d) d(res == save_result::ok);
    };
    submit(std::move(p));
  }

  void set_retention(std::chrono::seconds keep) override {
    retention_.store(std::max<int64_t>(keep.count(), 0));
  }

  void set_fence(int shard, uint64_t epoch, const std::string& node_id) override {
    if (shard < 0 || static_cast<uint32_t>(shard) >= shards_) return;
    std::lock_guard lock(fence_mu_);
    auto& f = fences_[static_cast<size_t>(shard)];
    if (f.empty()) ++fence_count_;
    f = keys::lease_value(node_id, epoch);
  }

  void clear_fence(int shard) override {
    if (shard < 0 || static_cast<uint32_t>(shard) >= shards_) return;
    std::lock_guard lock(fence_mu_);
    auto& f = fences_[static_cast<size_t>(shard)];
    if (!f.empty()) --fence_count_;
    f.clear();
  }

  page<execution_record> list_executions(const std::string& machine_arn, const std::string& status,
                                         const std::string& after, size_t limit) override {
    page<execution_record> out;
    if (limit == 0) return out;
    lease c(pool_);
    std::string bound = "+";
    if (!after.empty()) {
      auto r = c.one({"GET", keys::execution(shard(after), after)});
      if (is_nil(r.get())) return out;
      execution_record a;
      decode_or_throw(str(r.get()), a);
      if (a.machine_arn != machine_arn) return out;
      bound = "(" + keys::execution_index_member(a.start_ms, after);
    }
    std::vector<std::string> stale;
    for (;;) {
      const size_t want = limit + 1 - out.items.size();
      const std::string want_s = std::to_string(want);
      resp q;
      for (uint32_t s = 0; s < shards_; ++s)
        q.cmd({"ZREVRANGEBYLEX",
               status.empty() ? keys::machine_executions(s, machine_arn)
                              : keys::machine_executions_by_status(s, status, machine_arn),
               bound, "-", "LIMIT", "0", want_s});
      auto rep = c.run(q);
      std::vector<std::string> cands;
      bool exhausted = true;
      for (auto& r : rep) {
        if (r->type != REDIS_REPLY_ARRAY) continue;
        if (r->elements >= want) exhausted = false;
        for (size_t i = 0; i < r->elements; ++i) cands.emplace_back(str(r->element[i]));
      }
      if (cands.empty()) break;
      std::sort(cands.begin(), cands.end(), std::greater<>());
      if (cands.size() > want) cands.resize(want);
      resp g;
      for (const auto& m : cands) {
        auto arn = keys::execution_index_arn(m);
        g.cmd({"GET", keys::execution(shard(arn), arn)});
      }
      auto recs = c.run(g);
      for (size_t i = 0; i < cands.size(); ++i) {
        if (is_nil(recs[i].get())) {
          stale.push_back(cands[i]);
          continue;
        }
        execution_record e;
        decode_or_throw(str(recs[i].get()), e);
        if (!status.empty() && e.status != status) continue;
        out.items.push_back(std::move(e));
        if (out.items.size() == limit + 1) {
          out.items.pop_back();
          out.next = out.items.back().arn;
          break;
        }
      }
      if (!out.next.empty() || exhausted) break;
      bound = "(" + cands.back();
    }
    if (!stale.empty()) {
      // Expired executions: drop their index entries (best effort).
      resp z;
      for (const auto& m : stale) {
        auto s = shard(keys::execution_index_arn(m));
        z.cmd({"ZREM", keys::machine_executions(s, machine_arn), m});
        for (const char* st : all_statuses)
          z.cmd({"ZREM", keys::machine_executions_by_status(s, st, machine_arn), m});
      }
      c.run_raw(z);
    }
    return out;
  }

  std::vector<model::history_event> get_history(const std::string& arn, int64_t from,
                                                size_t limit, bool reverse) override {
    std::vector<model::history_event> out;
    if (limit == 0) return out;
    const int64_t lim = static_cast<int64_t>(
        std::min<size_t>(limit, static_cast<size_t>(std::numeric_limits<int64_t>::max() / 2)));
    const std::string key = keys::history(shard(arn), arn);
    lease c(pool_);
    int64_t start, stop;
    if (!reverse) {
      start = std::max<int64_t>(from, 1) - 1;
      stop = start + lim - 1;
    } else if (from == 0) {
      start = -lim;
      stop = -1;
    } else {
      int64_t n = c.one({"LLEN", key})->integer;
      int64_t top = std::min(from, n);
      if (top < 1) return out;
      start = std::max<int64_t>(top - lim, 0);
      stop = top - 1;
    }
    auto r = c.one({"LRANGE", key, to_str(start), to_str(stop)});
    if (r->type != REDIS_REPLY_ARRAY) return out;
    out.resize(r->elements);
    for (size_t i = 0; i < r->elements; ++i) decode_or_throw(str(r->element[i]), out[i]);
    if (reverse) std::reverse(out.begin(), out.end());
    // Shared payloads referred to from outside the page: one LINDEX each
    // (a page refers to few: the interpreter shares only recent payloads).
    auto missing = model::resolve_payloads(out);
    if (!missing.empty()) {
      std::unordered_map<int64_t, std::string> found;
      for (int64_t id : missing) {
        auto one = c.one({"LINDEX", key, to_str(id - 1)});
        model::history_event ev;
        if (!one || one->type != REDIS_REPLY_STRING)
          throw store_error("history refers to a missing event");
        decode_or_throw(str(one.get()), ev);
        found.emplace(id, std::move(ev.payload));
      }
      for (auto& ev : out)
        if (ev.payload_ref) {
          ev.payload = found[ev.payload_ref];
          ev.payload_ref = 0;
        }
    }
    return out;
  }

  int64_t history_length(const std::string& arn) override {
    lease c(pool_);
    if (opts_.wait_replicas <= 0) return c.one({"LLEN", keys::history(shard(arn), arn)})->integer;
    // The execution actor asks this before re-sending a failed save (did it
    // land?): with wait_replicas the answer must only count replicated
    // events. A write after the read, then WAIT (lease::run_raw), covers
    // everything before it in the replication stream.
    resp q;
    q.cmd({"LLEN", keys::history(shard(arn), arn)});
    q.cmd({"INCR", keys::wait_probe(shard(arn))});
    return c.run(q)[0]->integer;
  }

  std::vector<execution_record> running_executions() override {
    std::vector<execution_record> out;
    lease c(pool_);
    resp q;
    for (uint32_t s = 0; s < shards_; ++s) q.cmd({"SMEMBERS", keys::running(s)});
    std::vector<std::string> arns;
    for (auto& r : c.run(q))
      if (r->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i < r->elements; ++i) arns.emplace_back(str(r->element[i]));
    constexpr size_t chunk = 256;
    for (size_t at = 0; at < arns.size(); at += chunk) {
      resp g;
      size_t end = std::min(arns.size(), at + chunk);
      for (size_t i = at; i < end; ++i) {
        auto s = shard(arns[i]);
        g.cmd({"MGET", keys::execution(s, arns[i]), keys::state(s, arns[i])});
      }
      for (auto& r : c.run(g)) {
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || is_nil(r->element[0])) continue;
        auto e = load_execution(str(r->element[0]),
                                is_nil(r->element[1]) ? std::string_view{} : str(r->element[1]));
        if (e.status == "RUNNING" && !e.express) out.push_back(std::move(e));
      }
    }
    return out;
  }

  // Map Runs ---------------------------------------------------------------

  std::optional<interp::map_run_record> get_map_run(const std::string& arn) override {
    if (!interp::embedded_placement(arn)) return std::nullopt;
    lease c(pool_);
    auto r = c.one({"GET", keys::map_run(shard(arn), arn)});
    if (is_nil(r.get())) return std::nullopt;
    interp::map_run_record m;
    if (!codec::decode(str(r.get()), m)) throw store_error("Redis: undecodable map run");
    return m;
  }

  page<interp::map_run_record> list_map_runs(const std::string& execution_arn,
                                             const std::string& after, size_t limit) override {
    page<interp::map_run_record> out;
    const uint32_t s = shard(execution_arn);
    lease c(pool_);
    auto ids = c.one({"ZREVRANGEBYLEX", keys::execution_map_runs(s, execution_arn),
                      after.empty() ? std::string("+") : "(" + after, "-", "LIMIT", "0",
                      std::to_string(limit + 1)});
    if (ids->type != REDIS_REPLY_ARRAY || ids->elements == 0) return out;
    resp g;
    const size_t n = std::min<size_t>(ids->elements, limit);
    for (size_t i = 0; i < n; ++i)
      g.cmd({"GET", keys::map_run(s, keys::execution_index_arn(str(ids->element[i])))});
    auto recs = c.run(g);
    for (size_t i = 0; i < n; ++i) {
      if (is_nil(recs[i].get())) continue;
      interp::map_run_record m;
      if (!codec::decode(str(recs[i].get()), m)) throw store_error("Redis: undecodable map run");
      out.items.push_back(std::move(m));
    }
    if (ids->elements > limit) out.next = std::string(str(ids->element[limit - 1]));
    return out;
  }

  page<execution_record> list_map_run_executions(const std::string& map_run_arn,
                                                 const std::string& status,
                                                 const std::string& after, size_t limit) override {
    page<execution_record> out;
    if (!interp::embedded_placement(map_run_arn) || limit == 0) return out;
    const uint32_t s = shard(map_run_arn);
    lease c(pool_);
    auto ids = c.one({"ZREVRANGEBYLEX",
                      status.empty() ? keys::map_run_children(s, map_run_arn)
                                     : keys::map_run_children_by_status(s, status, map_run_arn),
                      after.empty() ? std::string("+") : "(" + after, "-", "LIMIT", "0",
                      std::to_string(limit + 1)});
    if (ids->type != REDIS_REPLY_ARRAY || ids->elements == 0) return out;
    resp g;
    const size_t n = std::min<size_t>(ids->elements, limit);
    for (size_t i = 0; i < n; ++i)
      g.cmd({"GET", keys::execution(s, keys::execution_index_arn(str(ids->element[i])))});
    auto recs = c.run(g);
    for (size_t i = 0; i < n; ++i) {
      if (is_nil(recs[i].get())) continue;
      execution_record e;
      decode_or_throw(str(recs[i].get()), e);
      out.items.push_back(std::move(e));
    }
    if (ids->elements > limit) out.next = std::string(str(ids->element[limit - 1]));
    return out;
  }

  redis_store_stats stats() const {
    redis_store_stats s;
    s.saves = st_saves_.load();
    s.failed = st_failed_.load();
    s.fenced = st_fenced_.load();
    s.flushes = st_flushes_.load();
    s.max_group = st_max_group_.load();
    return s;
  }

 private:
  /// The shard of an execution, or of a Map Run or child execution (the
  /// parent's: keys.hpp, "Map Runs").
  uint32_t shard(std::string_view arn) const {
    if (auto h = interp::embedded_placement(arn)) return static_cast<uint32_t>(*h % shards_);
    return keys::shard_of(arn, shards_);
  }

  /// The lease value shard `s`'s writes must see ("" = not fenced).
  std::string fence_of(uint32_t s) {
    if (fence_count_.load(std::memory_order_relaxed) == 0) return {};
    std::lock_guard lock(fence_mu_);
    return fences_[s];
  }

  static std::string fenced_message(uint32_t s, const std::string& fence) {
    return "shard " + std::to_string(s) + " is fenced: its lease is no longer held as " + fence;
  }

  template <class T>
  static void decode_or_throw(std::string_view blob, T& out) {
    std::string err;
    if (!codec::decode(blob, out, &err)) throw store_error("corrupt stored data: " + err);
  }

  static execution_record load_execution(std::string_view rec, std::string_view state) {
    execution_record e;
    decode_or_throw(rec, e);
    if (!state.empty()) {
      auto st = std::make_shared<interp::execution_state>();
      decode_or_throw(state, *st);
      e.state = std::move(st);
    }
    return e;
  }

  /// Runs a script: EVALSHA with the digest Redis gave at SCRIPT LOAD, or
  /// EVAL when Redis has forgotten it (restart, SCRIPT FLUSH).
  reply eval(lease& c, const script& sc, std::initializer_list<std::string> keys_,
             const std::vector<std::string>& args) {
    return eval(c, sc, std::vector<std::string>(keys_), args);
  }

  reply eval(lease& c, const script& sc, const std::vector<std::string>& keys_,
             const std::vector<std::string>& args) {
    std::string sha;
    {
      std::lock_guard lock(sha_mu_);
      sha = shas_[sc.text];
    }
    auto build = [&](bool by_sha) {
      resp q;
      q.begin(3 + keys_.size() + args.size());
      q.arg(by_sha ? "EVALSHA" : "EVAL");
      q.arg(by_sha ? std::string_view(sha) : std::string_view(sc.text));
      std::string n = std::to_string(keys_.size());
      q.arg(n);
      for (const auto& k : keys_) q.arg(k);
      for (const auto& a : args) q.arg(a);
      return q;
    };
    if (sha.empty()) {
      auto r = c.one({"SCRIPT", "LOAD", sc.text});
      sha = std::string(str(r.get()));
      std::lock_guard lock(sha_mu_);
      shas_[sc.text] = sha;
    }
    auto rep = c.run_raw(build(true));
    if (is_error(rep[0].get()) && str(rep[0].get()).substr(0, 8) == "NOSCRIPT")
      rep = c.run_raw(build(false));
    lease::check(rep[0].get());
    return std::move(rep[0]);
  }

  reply eval(lease& c, const script& sc, std::initializer_list<std::string> keys_,
             std::initializer_list<std::string> args) {
    return eval(c, sc, keys_, std::vector<std::string>(args));
  }

  /// Pages a global hash through its lexical ARN index (ARN order).
  template <class Rec>
  page<Rec> lex_page(const std::string& hash, const std::string& index, const std::string& after,
                     size_t limit) {
    page<Rec> out;
    if (limit == 0) return out;
    lease c(pool_);
    std::string bound = after.empty() ? "-" : "(" + after;
    for (;;) {
      const size_t want = limit + 1 - out.items.size();
      auto ids = c.one({"ZRANGEBYLEX", index, bound, "+", "LIMIT", "0", std::to_string(want)});
      if (ids->type != REDIS_REPLY_ARRAY || ids->elements == 0) break;
      resp q;
      q.begin(2 + ids->elements);
      q.arg("HMGET");
      q.arg(hash);
      for (size_t i = 0; i < ids->elements; ++i) q.arg(str(ids->element[i]));
      auto vals = c.run(q);
      const redisReply* v = vals[0].get();
      for (size_t i = 0; i < v->elements && i < ids->elements; ++i) {
        if (is_nil(v->element[i])) continue;  // deleted between the two reads
        Rec rec;
        decode_or_throw(str(v->element[i]), rec);
        out.items.push_back(std::move(rec));
        if (out.items.size() == limit + 1) {
          out.items.pop_back();
          out.next = out.items.back().arn;
          return out;
        }
      }
      if (ids->elements < want) break;
      bound = "(" + std::string(str(ids->element[ids->elements - 1]));
    }
    return out;
  }

  /// Erases the DELETING machine `arn` when none of its executions runs.
  void erase_if_idle(const std::string& arn) {
    lease c(pool_);
    resp q;
    for (uint32_t s = 0; s < shards_; ++s) q.cmd({"SCARD", keys::machine_running(s, arn)});
    long long running = 0;
    for (auto& r : c.run(q)) running += r->integer;
    if (running > 0) return;
    eval(c, erase_machine_lua,
         {keys::state_machines(), keys::state_machine_index(), keys::tags(),
          keys::deleting_machines()},
         {arn});
  }

  // The write path -------------------------------------------------------

  /// One save as one MULTI … EXEC (plus, when the execution is finished, a
  /// SISMEMBER on the deleting set after the EXEC).
  pending_save build_save(const execution_record& r,
                          const std::vector<model::history_event>& events) {
    if (r.status == "RUNNING" && r.redrive_count > 0) finished_.forget(r.arn);  // redriven
    const uint32_t s = shard(r.arn);
    if (std::string fence = fence_of(s); !fence.empty()) return build_fenced_save(r, events, s, fence);
    pending_save p;
    const std::string member = keys::execution_index_member(r.start_ms, r.arn);
    const std::string rec_key = keys::execution(s, r.arn);
    const std::string state_key = keys::state(s, r.arn);
    const std::string hist_key = keys::history(s, r.arn);
    auto& q = p.cmds;
    q.cmd({"MULTI"});
    // A save may be sent again after its acknowledgement was lost (a broken
    // connection, a failover, too few replicas): cut the history back to the
    // events before this save's first, so appending again repeats nothing.
    if (!events.empty() && events.front().id > 1)
      q.cmd({"LTRIM", hist_key, "0", to_str(events.front().id - 2)});
    if (!events.empty()) {
      q.begin(2 + events.size());
      q.arg("RPUSH");
      q.arg(hist_key);
      for (const auto& e : events) q.arg(codec::encode(e));
    }
    if (r.state)
      q.cmd({"MSET", rec_key, codec::encode(r), state_key, codec::encode(*r.state)});
    else {
      q.cmd({"SET", rec_key, codec::encode(r)});
      q.cmd({"DEL", state_key});
    }
    q.cmd({"ZADD", keys::machine_executions(s, r.machine_arn), "0", member});
    q.cmd({"ZADD", keys::machine_executions_by_status(s, r.status, r.machine_arn), "0", member});
    if (r.status == "RUNNING") {
      if (!r.express) q.cmd({"SADD", keys::running(s), r.arn});
      if (r.redrive_count > 0) {
        // Redriven: out of the status it ended with, running again, kept.
        for (const char* old : {"FAILED", "TIMED_OUT", "ABORTED"})
          q.cmd({"ZREM", keys::machine_executions_by_status(s, old, r.machine_arn), member});
        q.cmd({"SADD", keys::machine_running(s, r.machine_arn), r.arn});
        q.cmd({"PERSIST", rec_key});
        q.cmd({"PERSIST", state_key});
        q.cmd({"PERSIST", hist_key});
      }
    } else {
      q.cmd({"ZREM", keys::machine_executions_by_status(s, "RUNNING", r.machine_arn), member});
      q.cmd({"SREM", keys::running(s), r.arn});
      q.cmd({"SREM", keys::machine_running(s, r.machine_arn), r.arn});
      if (int64_t ttl = retention_.load(); ttl > 0) {
        const std::string t = to_str(ttl);
        q.cmd({"EXPIRE", rec_key, t});
        q.cmd({"EXPIRE", state_key, t});
        q.cmd({"EXPIRE", hist_key, t});
      }
    }
    if (r.map_changes && !r.map_changes->empty()) {
      static const char* const names[] = {"SET", "ZADD", "ZREM", "RPUSH", "EXPIRE"};
      for (const auto& o : map_run_ops(*r.map_changes, s, retention_.load())) {
        const char* name = o.code == 'S' ? names[0] : o.code == 'Z' ? names[1]
                           : o.code == 'R' ? names[2] : o.code == 'P' ? names[3] : names[4];
        q.begin(2 + o.values.size() + (o.code == 'Z' ? 1 : 0));
        q.arg(name);
        q.arg(o.key);
        if (o.code == 'Z') q.arg("0");
        for (const auto& v : o.values) q.arg(v);
      }
    }
    q.cmd({"EXEC"});
    if (r.status != "RUNNING") {
      q.cmd({"SISMEMBER", keys::deleting_machines(), r.machine_arn});
      p.check_deleting = true;
      p.machine_arn = r.machine_arn;
    }
    return p;
  }

  /// One save as one EVALSHA of save_execution_fenced_lua (plus the same
  /// SISMEMBER as build_save when the execution is finished).
  pending_save build_fenced_save(const execution_record& r,
                                 const std::vector<model::history_event>& events, uint32_t s,
                                 const std::string& fence) {
    pending_save p;
    p.fenced = true;
    const std::string member = keys::execution_index_member(r.start_ms, r.arn);
    auto& q = p.cmds;
    // With Map Run changes: the same script with their operations
    // (sent as EVAL: such saves are a minority).
    std::vector<std::string> op_keys, op_args;
    const bool ops = r.map_changes && !r.map_changes->empty();
    if (ops) map_run_ops_args(map_run_ops(*r.map_changes, s, retention_.load()), op_keys, op_args);
    q.begin(3 + 12 + 11 + events.size() + op_keys.size() + op_args.size() + (ops ? 1 : 0));
    q.arg(ops ? "EVAL" : "EVALSHA");
    q.arg(ops ? std::string_view(fenced_save_ops_text) : std::string_view(fenced_save_sha_));
    q.arg(std::to_string(12 + op_keys.size()));
    q.arg(keys::lease(s));
    q.arg(keys::execution(s, r.arn));
    q.arg(keys::state(s, r.arn));
    q.arg(keys::history(s, r.arn));
    q.arg(keys::machine_executions(s, r.machine_arn));
    q.arg(keys::machine_executions_by_status(s, r.status, r.machine_arn));
    q.arg(keys::machine_executions_by_status(s, "RUNNING", r.machine_arn));
    q.arg(keys::running(s));
    q.arg(keys::machine_running(s, r.machine_arn));
    for (const char* old : {"FAILED", "TIMED_OUT", "ABORTED"})
      q.arg(keys::machine_executions_by_status(s, old, r.machine_arn));
    for (const auto& k : op_keys) q.arg(k);
    q.arg(fence);
    q.arg(r.arn);
    q.arg(codec::encode(r));
    q.arg(r.state ? codec::encode(*r.state) : std::string());
    q.arg(r.state ? "1" : "0");
    q.arg(member);
    q.arg(r.status);
    q.arg(r.express ? "1" : "0");
    q.arg(r.status == "RUNNING" ? std::string("0") : to_str(retention_.load()));
    q.arg(r.status == "RUNNING" && r.redrive_count > 0 ? "1" : "0");
    q.arg(!events.empty() && events.front().id > 1 ? to_str(events.front().id - 2) : "-1");
    for (const auto& e : events) q.arg(codec::encode(e));
    if (ops) {
      for (const auto& a : op_args) q.arg(a);
      q.arg(std::to_string(11 + events.size()));  // the last event (11 = LTRIM stop)
    }
    if (r.status != "RUNNING") {
      q.cmd({"SISMEMBER", keys::deleting_machines(), r.machine_arn});
      p.check_deleting = true;
      p.machine_arn = r.machine_arn;
    }
    p.fence_message = fenced_message(s, fence);
    return p;
  }

  void submit(pending_save p) {
    if (std::this_thread::get_id() == writer_id_) {
      // Called from a save callback on the writer thread: run it inline
      // (the writer's pipeline is drained when callbacks run).
      std::vector<pending_save> one;
      one.push_back(std::move(p));
      process(one);
      return;
    }
    bool wake;
    {
      std::lock_guard lock(wmu_);
      wake = queue_.empty();
      queue_.push_back(std::move(p));
    }
    if (wake) wcv_.notify_one();
  }

  void writer_loop() {
    writer_id_ = std::this_thread::get_id();
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s, nullptr);
    std::vector<pending_save> batch;
    for (;;) {
      {
        std::unique_lock lock(wmu_);
        wcv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping and drained
        // Group: everything queued, up to max_batch saves or ~16 MiB of
        // commands (always at least one save).
        const size_t n = std::min(queue_.size(), std::max<size_t>(opts_.max_batch, 1));
        size_t bytes = 0;
        for (size_t i = 0; i < n && (i == 0 || bytes < max_group_bytes); ++i) {
          bytes += queue_.front().cmds.data().size();
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      obs::metrics().save_batch.observe(batch.size());
      process(batch);
      batch.clear();
    }
  }

  /// Writes `batch` as one pipeline, reads every reply, erases machines
  /// whose last execution just finished, then calls the callbacks.
  void process(std::vector<pending_save>& batch) {
    std::vector<char> ok(batch.size(), 0);
    std::vector<char> fenced_out(batch.size(), 0);
    std::string why;
    std::vector<std::string> deleting;
    if (wctx_ && wgen_ != connector_.generation()) {  // the master switched
      redisFree(wctx_);
      wctx_ = nullptr;
    }
    if (!wctx_) {
      try {
        wgen_ = connector_.generation();
        wctx_ = connector_.connect();
        wctx_has_fenced_ = false;
      } catch (const store_error& e) {
        why = e.what();
      }
    }
    if (wctx_) {
      bool broken = false, stale = false;
      // Fenced saves run a script by digest: load it first on a connection
      // that has not (the reply is read before the saves').
      bool loading = false;
      if (!wctx_has_fenced_ &&
          std::any_of(batch.begin(), batch.end(), [](const pending_save& p) { return p.fenced; })) {
        resp l;
        l.cmd({"SCRIPT", "LOAD", save_execution_fenced_lua.text});
        loading = true;
        if (redisAppendFormattedCommand(wctx_, l.data().data(), l.data().size()) != REDIS_OK)
          broken = true;
      }
      for (auto& p : batch)
        if (redisAppendFormattedCommand(wctx_, p.cmds.data().data(), p.cmds.data().size()) !=
            REDIS_OK) {
          broken = true;
          break;
        }
      if (loading && !broken) {
        void* raw = nullptr;
        if (redisGetReply(wctx_, &raw) != REDIS_OK || !raw)
          broken = true;
        else
          wctx_has_fenced_ = !is_error(reply(static_cast<redisReply*>(raw)).get());
      }
      for (size_t i = 0; i < batch.size() && !broken; ++i) {
        const auto& p = batch[i];
        const size_t n = p.cmds.count();
        const size_t exec_at = n - 1 - (p.check_deleting ? 1 : 0);
        bool good = false;
        for (size_t k = 0; k < n; ++k) {
          void* raw = nullptr;
          if (redisGetReply(wctx_, &raw) != REDIS_OK || !raw) {
            broken = true;
            break;
          }
          reply r(static_cast<redisReply*>(raw));
          if (is_failover_error(r.get())) stale = true;
          if (k == exec_at && p.fenced) {
            // The script's 1 = saved, 0 = fenced out (nothing written).
            good = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
            fenced_out[i] = r->type == REDIS_REPLY_INTEGER && r->integer == 0;
            if (is_error(r.get())) {
              why = "Redis error: " + std::string(str(r.get()));
              if (str(r.get()).substr(0, 8) == "NOSCRIPT") wctx_has_fenced_ = false;
            } else if (!good && !fenced_out[i]) {
              why = "Redis: unexpected reply from the fenced save script";
            }
          } else if (k == exec_at) {
            good = r->type == REDIS_REPLY_ARRAY;
            for (size_t j = 0; good && j < r->elements; ++j)
              if (is_error(r->element[j])) good = false;
            if (!good)
              why = is_error(r.get()) ? "Redis error: " + std::string(str(r.get()))
                                      : "Redis: transaction not applied";
          } else if (k > exec_at && good && r->type == REDIS_REPLY_INTEGER && r->integer == 1) {
            deleting.push_back(p.machine_arn);
          }
        }
        if (!broken) ok[i] = good;
        if (broken) fenced_out[i] = 0;
      }
      // store.redis_wait_replicas: acknowledged only once replicated; a
      // failed save is retried by its caller (saves are idempotent).
      if (!broken && std::find(ok.begin(), ok.end(), 1) != ok.end()) {
        if (std::string short_of = connector_.await_replicas(wctx_); !short_of.empty()) {
          why = short_of;
          std::fill(ok.begin(), ok.end(), 0);
          deleting.clear();
          stale = true;
        }
      }
      if (stale && !broken) {  // not the master any more, or not replicated
        redisFree(wctx_);
        wctx_ = nullptr;
      }
      if (broken) {
        why = std::string("Redis at ") + connector_.where() + ": " +
              (wctx_->errstr[0] ? wctx_->errstr : "connection lost");
        redisFree(wctx_);
        wctx_ = nullptr;
      }
    }
    std::sort(deleting.begin(), deleting.end());
    deleting.erase(std::unique(deleting.begin(), deleting.end()), deleting.end());
    for (const auto& m : deleting) {
      try {
        erase_if_idle(m);
      } catch (const store_error&) {
        // Stays DELETING; the next DeleteStateMachine re-checks.
      }
    }
    uint64_t good = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      good += ok[i] ? 1 : 0;
      if (!batch[i].done) continue;
      if (ok[i])
        batch[i].done(save_result::ok, std::string());
      else if (fenced_out[i])
        batch[i].done(save_result::fenced, batch[i].fence_message);
      else
        batch[i].done(save_result::failed, why);
    }
    st_saves_ += good;
    st_failed_ += batch.size() - good;
    st_fenced_ += static_cast<uint64_t>(std::count(fenced_out.begin(), fenced_out.end(), 1));
    ++st_flushes_;
    uint64_t prev = st_max_group_.load();
    while (batch.size() > prev && !st_max_group_.compare_exchange_weak(prev, batch.size())) {
    }
  }

  redis_store_options opts_;
  uint32_t shards_;
  connector connector_;
  pool pool_;
  // Fences (set_fence): shard → expected lease value ("" = none).
  std::mutex fence_mu_;
  std::vector<std::string> fences_;
  std::atomic<int> fence_count_{0};  ///< non-empty entries of fences_
  std::string fenced_save_sha_;      ///< SCRIPT LOAD digest (set by init)
  std::atomic<int64_t> retention_{0};
  finished_cache finished_{32768};

  std::mutex sha_mu_;
  std::unordered_map<const char*, std::string> shas_;

  // Writer thread state.
  std::mutex wmu_;
  std::condition_variable wcv_;
  std::deque<pending_save> queue_;
  bool stop_ = false;
  std::thread writer_;
  std::atomic<std::thread::id> writer_id_{};
  redisContext* wctx_ = nullptr;  ///< writer thread only
  bool wctx_has_fenced_ = false;  ///< writer thread only: wctx_ loaded the fenced save script
  uint64_t wgen_ = 0;             ///< writer thread only: connector generation of wctx_

  std::atomic<uint64_t> st_saves_{0}, st_failed_{0}, st_flushes_{0}, st_max_group_{0};
  std::atomic<uint64_t> st_fenced_{0};
};

}  // namespace

std::unique_ptr<store> make_redis_store(const std::string& url, const redis_store_options& opts,
                                        std::string* error) {
  std::string why;
  auto addr = parse_redis_endpoint(url, &why);
  if (!addr) {
    if (error)
      *error = "malformed Redis URL '" + url + "': " + why + " (expected " + redis_url_forms + ")";
    return nullptr;
  }
  auto s = std::make_unique<redis_store>(std::move(*addr), opts);
  if (!s->init(error)) return nullptr;
  return s;
}

std::unique_ptr<store> make_redis_store(const std::string& url, std::string* error) {
  return make_redis_store(url, redis_store_options{}, error);
}

redis_store_stats redis_stats(const store& s) {
  if (auto* r = dynamic_cast<const redis_store*>(&s)) return r->stats();
  return {};
}

}  // namespace sc::cluster
