// Private to cluster/redis_store*.cpp: the Redis store's pieces shared by
// its files. The store is split by responsibility:
//  * redis_store.cpp            URL, init, execution create/read/save (the
//                               save commands and the fenced scripts)
//  * redis_store_writer.cpp     the group-commit writer thread
//  * redis_store_conn.cpp       connecting, the pool, leased connections, eval
//  * redis_store_machines.cpp   state machines, versions, aliases, deletion
//  * redis_store_activities.cpp activities and tags
//  * redis_store_list.cpp       listings and paging, history, recovery scan
//  * redis_store_map_runs.cpp   Map Runs and their child executions
// See redis_store.hpp for threads and failure handling, keys.hpp for keys.
#pragma once

#include "cluster/codec.hpp"
#include "cluster/hiredis_util.hpp"
#include "cluster/keys.hpp"
#include "cluster/redis_cluster.hpp"
#include "cluster/redis_endpoint.hpp"
#include "cluster/redis_store.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sc::cluster::redis_impl {

using steady = std::chrono::steady_clock;

// ---------------------------------------------------------------------------
// hiredis plumbing (shared helpers in hiredis_util.hpp).

using hiredis::is_error;
using hiredis::is_nil;
using hiredis::reply;
using hiredis::sigpipe_guard;
using hiredis::str;

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

inline std::string to_str(int64_t v) { return std::to_string(v); }

// ---------------------------------------------------------------------------
// Connecting, with a shared back-off (redis_store_conn.cpp).

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
  std::string await_replicas(redisContext* c) const;

  /// A new connection, or store_unavailable. During the back-off after a
  /// failed attempt, fails at once.
  redisContext* connect();

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
bool roundtrip(redisContext* c, const resp& q, std::vector<reply>& out, std::string* why);

// ---------------------------------------------------------------------------
// The connection pool for synchronous calls.

class pool {
 public:
  /// With `router` (redis+cluster://), leases hold no connection: their
  /// pipelines go through the router's per-master pools.
  pool(connector& c, size_t max, redis_cluster_client* router = nullptr)
      : conn_(c), max_(std::max<size_t>(max, 1)), router_(router) {}
  ~pool() {
    for (auto* c : idle_) redisFree(c);
  }

  redisContext* take();
  void give_back(redisContext* c, bool broken);
  connector& conn() { return conn_; }
  redis_cluster_client* router() const { return router_; }

 private:
  connector& conn_;
  size_t max_;
  redis_cluster_client* router_;
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
  std::vector<reply> run_raw(const resp& q);

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

  static void check(const redisReply* r);

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

/// The fenced save (redis_store.cpp); the writer SCRIPT LOADs it per
/// connection.
extern const script save_execution_fenced_lua;

/// Most bytes of commands in one writer flush.
inline constexpr size_t max_group_bytes = 16u << 20;

// ---------------------------------------------------------------------------
// The writer's unit of work.

/// How a save ended.
enum class save_result { ok, failed, fenced };

struct pending_save {
  resp cmds;  ///< MULTI … EXEC [SISMEMBER deleting machine]
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
    if (retention_s > 0 && wall_ms() - it->second.cached_ms > retention_s * 1000)
      return std::nullopt;
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

/// The router for a redis+cluster:// endpoint, with the store's timeouts.
inline std::unique_ptr<redis_cluster_client> make_router(const redis_endpoint& e,
                                                         const redis_store_options& o) {
  redis_cluster_options c;
  c.connect_timeout = o.connect_timeout;
  c.command_timeout = o.command_timeout;
  c.retry_budget = o.command_timeout;
  c.wait_replicas = o.wait_replicas;
  c.wait_timeout = o.wait_timeout;
  return std::make_unique<redis_cluster_client>(e.cluster_nodes, c);
}

class redis_store final : public store {
 public:
  redis_store(redis_endpoint a, const redis_store_options& o)
      : opts_(o),
        shards_(o.shards ? o.shards : 1),
        connector_(a, o),
        cluster_(a.uses_cluster() ? make_router(a, o) : nullptr),
        pool_(connector_, static_cast<size_t>(std::max(o.pool_size, 1)), cluster_.get()),
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
  bool init(std::string* error);

  // State machines -------------------------------------------------------

  create_outcome create_state_machine(const state_machine_record& r,
                                      state_machine_record& existing) override;

  std::optional<state_machine_record> get_state_machine(const std::string& arn) override;

  bool put_state_machine(const state_machine_record& r) override;

  bool delete_state_machine(const std::string& arn) override;

  page<state_machine_record> list_state_machines(const std::string& after, size_t limit) override;

  size_t count_state_machines() override;

  // Versions and aliases -------------------------------------------------

  publish_outcome publish_version(const std::string& machine_arn, const state_machine_record& v,
                                  size_t max_versions, state_machine_record& out) override;

  std::optional<state_machine_record> get_version(const std::string& arn) override;

  page<state_machine_record> list_versions(const std::string& machine_arn, const std::string& after,
                                           size_t limit) override;

  bool delete_version(const std::string& arn) override;

  create_outcome create_alias(const alias_record& a, size_t max_aliases,
                              alias_record& existing) override;

  std::optional<alias_record> get_alias(const std::string& arn) override;

  bool put_alias(const alias_record& a) override;

  bool delete_alias(const std::string& arn) override;

  std::vector<alias_record> list_aliases(const std::string& machine_arn) override;

  void delete_versions_and_aliases(const std::string& machine_arn) override;

  std::optional<state_machine_record> read_version(lease& c, const std::string& machine,
                                                   const std::string& arn);

  // Activities -----------------------------------------------------------

  create_outcome create_activity(const activity_record& r, activity_record& existing) override;

  std::optional<activity_record> get_activity(const std::string& arn) override;

  bool delete_activity(const std::string& arn) override;

  page<activity_record> list_activities(const std::string& after, size_t limit) override;

  size_t count_activities() override;

  // Tags -----------------------------------------------------------------

  std::vector<tag> get_tags(const std::string& arn) override;

  void set_tags(const std::string& arn, const std::vector<tag>& tags) override;

  // Executions -----------------------------------------------------------

  create_outcome create_execution(const execution_record& r,
                                  const std::vector<model::history_event>& events,
                                  execution_record& existing) override;

  std::optional<execution_record> get_execution(const std::string& arn) override;

  std::optional<execution_record> get_execution_record(const std::string& arn) override;

  void save_execution(const execution_record& r,
                      const std::vector<model::history_event>& events) override;

  void save_execution_async(const execution_record& r, std::vector<model::history_event> events,
                            std::function<void(bool ok)> done) override;

  void set_retention(std::chrono::seconds keep) override;

  void set_fence(int shard, uint64_t epoch, const std::string& node_id) override;

  void clear_fence(int shard) override;

  page<execution_record> list_executions(const std::string& machine_arn, const std::string& status,
                                         const std::string& after, size_t limit) override;

  std::vector<model::history_event> get_history(const std::string& arn, int64_t from, size_t limit,
                                                bool reverse) override;

  int64_t history_length(const std::string& arn) override;

  std::vector<execution_record> running_executions() override;

  // Map Runs ---------------------------------------------------------------

  std::optional<interp::map_run_record> get_map_run(const std::string& arn) override;

  page<interp::map_run_record> list_map_runs(const std::string& execution_arn,
                                             const std::string& after, size_t limit) override;

  page<execution_record> list_map_run_executions(const std::string& map_run_arn,
                                                 const std::string& status,
                                                 const std::string& after, size_t limit) override;

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

  /// Stores `blob` under `arn` in hash `hash` and indexes it in `index`
  /// unless a record is there: nullopt when created, else the stored
  /// record's blob (`what` names the record in errors).
  std::optional<std::string> create_indexed(const std::string& hash, const std::string& index,
                                            const std::string& arn, const std::string& blob,
                                            const char* what);

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
             const std::vector<std::string>& args);

  reply eval(lease& c, const script& sc, const std::vector<std::string>& keys_,
             const std::vector<std::string>& args);

  reply eval(lease& c, const script& sc, std::initializer_list<std::string> keys_,
             std::initializer_list<std::string> args);

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
  void erase_if_idle(const std::string& arn);

  // The write path -------------------------------------------------------

  /// One save as one MULTI … EXEC (plus, when the execution is finished, a
  /// SISMEMBER on the deleting set after the EXEC).
  pending_save build_save(const execution_record& r,
                          const std::vector<model::history_event>& events);

  /// One save as one EVALSHA of save_execution_fenced_lua (plus the same
  /// SISMEMBER as build_save when the execution is finished).
  pending_save build_fenced_save(const execution_record& r,
                                 const std::vector<model::history_event>& events, uint32_t s,
                                 const std::string& fence);

  void submit(pending_save p);

  void writer_loop();

  /// Writes `batch` as one pipeline, reads every reply, erases machines
  /// whose last execution just finished, then calls the callbacks.
  void process(std::vector<pending_save>& batch);

  redis_store_options opts_;
  uint32_t shards_;
  connector connector_;
  /// redis+cluster://: the router every command goes through (else null).
  std::unique_ptr<redis_cluster_client> cluster_;
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

}  // namespace sc::cluster::redis_impl
