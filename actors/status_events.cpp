// Execution status change events: building them, and the sender thread that
// moves them from the outbox to the sinks (status_events.hpp).
#include "actors/status_events.hpp"

#include "actors/outbound_http.hpp"
#include "cluster/hiredis_util.hpp"
#include "cluster/keys.hpp"
#include "cluster/redis_endpoint.hpp"
#include "observability/metrics.hpp"
#include "runtime/json/json.hpp"
#include "runtime/model/arn.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

namespace sc::actors {

namespace {

std::string event_uuid() {
  thread_local std::mt19937_64 rng{std::random_device{}() ^
                                   static_cast<uint64_t>(std::chrono::steady_clock::now()
                                                             .time_since_epoch()
                                                             .count())};
  uint64_t a = rng(), b = rng();
  a = (a & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;  // version 4
  b = (b & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // variant 1
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(a >> 32), static_cast<unsigned>((a >> 16) & 0xFFFF),
                static_cast<unsigned>(a & 0xFFFF), static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFull));
  return buf;
}

/// EventBridge's `time`: whole seconds, UTC.
std::string event_time(int64_t ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.tm_year + 1900, t.tm_mon + 1,
                t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec);
  return buf;
}

/// The status a history event moves the execution to ("" = none).
const char* status_of(const std::string& type) {
  if (type == "ExecutionStarted" || type == "ExecutionRedriven") return "RUNNING";
  if (type == "ExecutionSucceeded") return "SUCCEEDED";
  if (type == "ExecutionFailed") return "FAILED";
  if (type == "ExecutionTimedOut") return "TIMED_OUT";
  if (type == "ExecutionAborted") return "ABORTED";
  return "";
}

std::string str_or_null(bool has, const std::string& v) { return has ? json::quote(v) : "null"; }

std::string one_event(const cluster::execution_record& r, const model::history_event& e,
                      const std::string& status) {
  std::string region, account;
  if (auto a = model::parse_arn(r.arn)) {
    region = a->region;
    account = a->account;
  }
  const bool running = status == "RUNNING";
  const bool succeeded = status == "SUCCEEDED";
  std::string o;
  o.reserve(512 + r.input.size() + (succeeded ? r.output.size() : 0));
  o += "{\"version\":\"0\",\"id\":\"" + event_uuid() + "\"";
  o += ",\"detail-type\":\"Step Functions Execution Status Change\",\"source\":\"aws.states\"";
  o += ",\"account\":" + json::quote(account);
  o += ",\"time\":\"" + event_time(e.timestamp_ms) + "\"";
  o += ",\"region\":" + json::quote(region);
  o += ",\"resources\":[" + json::quote(r.arn) + "]";
  o += ",\"detail\":{\"executionArn\":" + json::quote(r.arn);
  o += ",\"stateMachineArn\":" + json::quote(r.machine_arn);
  if (!r.version_arn.empty()) o += ",\"stateMachineVersionArn\":" + json::quote(r.version_arn);
  if (!r.alias_arn.empty()) o += ",\"stateMachineAliasArn\":" + json::quote(r.alias_arn);
  o += ",\"name\":" + json::quote(r.name);
  o += ",\"status\":\"" + status + "\"";
  o += ",\"startDate\":" + std::to_string(r.start_ms);
  o += ",\"stopDate\":" + (running ? std::string("null") : std::to_string(e.timestamp_ms));
  o += ",\"input\":" + json::quote(r.input);
  o += ",\"output\":" + str_or_null(succeeded && r.has_output, r.output);
  o += ",\"inputDetails\":{\"included\":true}";
  o += ",\"outputDetails\":" +
       std::string(succeeded && r.has_output ? "{\"included\":true}" : "null");
  const bool failed = !running && !succeeded;
  o += ",\"error\":" + str_or_null(failed && r.has_error, r.error);
  o += ",\"cause\":" + str_or_null(failed && r.has_cause, r.cause);
  o += ",\"redriveCount\":" + std::to_string(r.redrive_count);
  o += ",\"redriveDate\":" +
       (r.redrive_count > 0 ? std::to_string(r.redrive_ms) : std::string("null"));
  o += ",\"redriveStatus\":\"";
  o += failed && r.redrivable ? "REDRIVABLE" : "NOT_REDRIVABLE";
  o += "\"}}";
  return o;
}

}  // namespace

std::vector<std::string> status_change_events(const cluster::execution_record& r,
                                              const std::vector<model::history_event>& events) {
  std::vector<std::string> out;
  if (r.express) return out;
  for (const auto& e : events) {
    if (e.type.size() < 9 || e.type.compare(0, 9, "Execution") != 0) continue;
    const char* st = status_of(e.type);
    if (*st) out.push_back(one_event(r, e, st));
  }
  return out;
}

struct status_events::impl {
  cluster::store& store;
  std::vector<std::string> webhooks;
  bool stream = false;
  bool on_redis = false;
  std::string redis_url;
  size_t stream_max_len = 100000;
  std::unique_ptr<outbound::client> http;

  std::function<std::vector<int>()> owned;
  uint32_t shards = 1;
  std::thread sender;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  bool poked = false;

  /// Per event text: which sinks have it (bit i = webhook i; bit 63 = the
  /// stream). Entries leave when the event leaves the outbox.
  std::unordered_map<std::string, uint64_t> done_by;
  /// Redis: per shard, no attempt before this time (back-off), and the
  /// failures in a row. Index shards; memory: index 0.
  std::map<int, std::pair<std::chrono::steady_clock::time_point, int>> backoff;
  /// Memory store: events taken from the store, not yet delivered.
  std::vector<std::string> mem_pending;
  redisContext* ctx = nullptr;

  impl(const config::settings& s, cluster::store& st) : store(st) {
    std::string_view v = s.events.webhooks;
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view u = v.substr(0, comma);
      while (!u.empty() && u.front() == ' ') u.remove_prefix(1);
      if (!u.empty()) webhooks.emplace_back(u);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
    if (webhooks.size() > 62) webhooks.resize(62);
    on_redis = s.store.backend == "redis";
    redis_url = s.store.redis_url;
    stream = on_redis && s.events.redis_stream == "on";
    stream_max_len = s.events.stream_max_len;
    if (!webhooks.empty()) {
      outbound::client_options o;
      o.max_concurrent = 64;
      o.user_agent = "statecraft-events";
      http = std::make_unique<outbound::client>(o);
    }
  }
  ~impl() {
    if (ctx) redisFree(ctx);
  }

  bool active() const { return !webhooks.empty() || stream; }

  bool redis_ok(std::string* err) {
    if (ctx && !ctx->err) return true;
    if (ctx) {
      redisFree(ctx);
      ctx = nullptr;
    }
    auto ep = cluster::parse_redis_endpoint(redis_url, err);
    if (!ep) return false;
    ctx = cluster::connect_redis_master(*ep, std::chrono::milliseconds(2000),
                                        std::chrono::milliseconds(5000), err);
    return ctx != nullptr;
  }

  /// Delivers `evs` to every sink that does not have them yet; returns how
  /// many leading events every sink now has.
  size_t deliver(const std::vector<std::string>& evs) {
    constexpr uint64_t stream_bit = 1ull << 63;
    const uint64_t all = (webhooks.empty() ? 0 : ((1ull << webhooks.size()) - 1)) |
                         (stream ? stream_bit : 0);
    // The stream first (one pipeline).
    if (stream && ctx) {
      std::vector<size_t> sent;
      const std::string maxlen = std::to_string(stream_max_len);
      const std::string key = cluster::keys::status_stream();
      for (size_t i = 0; i < evs.size(); ++i) {
        if (done_by[evs[i]] & stream_bit) continue;
        const char* argv[] = {"XADD", key.c_str(), "MAXLEN", "~", maxlen.c_str(), "*", "event",
                              evs[i].data()};
        size_t lens[] = {4, key.size(), 6, 1, maxlen.size(), 1, 5, evs[i].size()};
        redisAppendCommandArgv(ctx, 8, argv, lens);
        sent.push_back(i);
      }
      for (size_t i : sent) {
        void* raw = nullptr;
        if (redisGetReply(ctx, &raw) != REDIS_OK) break;
        cluster::hiredis::reply rep(static_cast<redisReply*>(raw));
        if (rep && rep->type == REDIS_REPLY_STRING) done_by[evs[i]] |= stream_bit;
      }
    }
    // The webhooks: every missing (event, webhook) at once, then wait.
    if (http) {
      struct call_state {
        std::mutex mu;
        std::condition_variable cv;
        size_t left = 0;
      };
      auto st = std::make_shared<call_state>();
      std::vector<std::pair<size_t, size_t>> calls;  // (event, webhook)
      for (size_t i = 0; i < evs.size(); ++i)
        for (size_t w = 0; w < webhooks.size(); ++w)
          if (!(done_by[evs[i]] & (1ull << w))) calls.emplace_back(i, w);
      auto results = std::make_shared<std::vector<char>>(calls.size(), 0);
      st->left = calls.size();
      for (size_t c = 0; c < calls.size(); ++c) {
        outbound::request rq;
        rq.method = "POST";
        rq.url = webhooks[calls[c].second];
        rq.headers = {{"Content-Type", "application/json"}};
        rq.body = evs[calls[c].first];
        outbound::call_options co;
        co.connect_timeout = std::chrono::milliseconds(5000);
        co.total_timeout = std::chrono::milliseconds(15000);
        http->call(std::move(rq), co, [st, results, c](outbound::result res) {
          (*results)[c] = res.ok() && res.response.status >= 200 && res.response.status < 300;
          std::lock_guard lock(st->mu);
          if (--st->left == 0) st->cv.notify_all();
        });
      }
      std::unique_lock lock(st->mu);
      st->cv.wait(lock, [&] { return st->left == 0; });
      for (size_t c = 0; c < calls.size(); ++c) {
        if ((*results)[c]) done_by[evs[calls[c].first]] |= 1ull << calls[c].second;
        else obs::metrics().status_events_failed_attempts.inc();
      }
    }
    size_t k = 0;
    while (k < evs.size() && (done_by[evs[k]] & all) == all) ++k;
    for (size_t i = 0; i < k; ++i) done_by.erase(evs[i]);
    obs::metrics().status_events_delivered.inc(k);
    return k;
  }

  bool may_try(int shard) {
    auto it = backoff.find(shard);
    return it == backoff.end() || std::chrono::steady_clock::now() >= it->second.first;
  }
  void failed(int shard) {
    auto& b = backoff[shard];
    b.second = std::min(b.second + 1, 8);
    b.first = std::chrono::steady_clock::now() + std::chrono::milliseconds(100 << b.second);
  }

  /// One pass over the outboxes; true when events were seen.
  bool pass() {
    if (!on_redis) {
      auto more = store.take_status_events(256);
      for (auto& e : more) mem_pending.push_back(std::move(e));
      // Best effort in memory: a webhook down for long does not grow the
      // node without bound (the oldest events go first).
      constexpr size_t mem_cap = 100000;
      if (mem_pending.size() > mem_cap) {
        std::cerr << "statecraftd: status events: " << mem_pending.size() - mem_cap
                  << " undelivered event(s) dropped (memory store, webhook failing)\n";
        mem_pending.erase(mem_pending.begin(),
                          mem_pending.begin() + static_cast<long>(mem_pending.size() - mem_cap));
      }
      obs::metrics().status_events_pending.set(static_cast<int64_t>(mem_pending.size()));
      if (mem_pending.empty() || !may_try(0)) return false;
      size_t k = deliver(mem_pending);
      mem_pending.erase(mem_pending.begin(), mem_pending.begin() + static_cast<long>(k));
      if (!mem_pending.empty()) failed(0);
      else backoff.erase(0);
      return k > 0;
    }
    std::string err;
    if (!redis_ok(&err)) return false;
    std::vector<int> mine = owned ? owned() : std::vector<int>{};
    std::vector<int> asked;
    for (int s : mine) {
      if (!may_try(s)) continue;
      std::string key = cluster::keys::status_outbox(static_cast<uint32_t>(s));
      redisAppendCommand(ctx, "LRANGE %b 0 99", key.data(), key.size());
      asked.push_back(s);
    }
    std::vector<std::pair<int, std::vector<std::string>>> found;
    for (int s : asked) {
      void* raw = nullptr;
      if (redisGetReply(ctx, &raw) != REDIS_OK) return false;
      cluster::hiredis::reply rep(static_cast<redisReply*>(raw));
      if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements == 0) continue;
      std::vector<std::string> evs;
      for (size_t i = 0; i < rep->elements; ++i)
        evs.emplace_back(cluster::hiredis::str(rep->element[i]));
      found.emplace_back(s, std::move(evs));
    }
    int64_t pending = 0;
    for (auto& [s, evs] : found) pending += static_cast<int64_t>(evs.size());
    obs::metrics().status_events_pending.set(pending);
    bool any = false;
    for (auto& [s, evs] : found) {
      size_t k = deliver(evs);
      if (k > 0) {
        any = true;
        std::string key = cluster::keys::status_outbox(static_cast<uint32_t>(s));
        cluster::hiredis::reply rep(static_cast<redisReply*>(
            redisCommand(ctx, "LTRIM %b %lld -1", key.data(), key.size(),
                         static_cast<long long>(k))));
        if (!rep) return false;
      }
      if (k < evs.size()) failed(s);
      else backoff.erase(s);
    }
    return any;
  }

  void run() {
    while (true) {
      bool busy = false;
      try {
        busy = pass();
      } catch (const std::exception& e) {
        std::cerr << "statecraftd: status events: " << e.what() << "\n";
      }
      std::unique_lock lock(mu);
      if (stopping) return;
      if (!busy)
        cv.wait_for(lock, std::chrono::milliseconds(on_redis ? 200 : 50),
                    [&] { return stopping || poked; });
      poked = false;
      if (stopping) return;
    }
  }
};

status_events::status_events(const config::settings& s, cluster::store& store)
    : impl_(std::make_unique<impl>(s, store)) {}

status_events::~status_events() { stop(); }

bool status_events::active() const { return impl_->active(); }

void status_events::attach(cluster::execution_record& r,
                           const std::vector<model::history_event>& events) {
  if (!impl_->active() || r.express) return;
  auto evs = status_change_events(r, events);
  // Standard child executions of a Distributed Map started or ended in
  // this step: their events ride in the same write (same shard).
  if (r.map_changes)
    for (const auto& c : r.map_changes->children)
      if (!c.express && !c.events.empty())
        for (auto& e : status_change_events(cluster::child_record(c), c.events))
          evs.push_back(std::move(e));
  if (evs.empty()) return;
  auto w = r.map_changes ? std::make_shared<cluster::map_writes>(*r.map_changes)
                         : std::make_shared<cluster::map_writes>();
  obs::metrics().status_events_queued.inc(evs.size());
  for (auto& e : evs) w->status_events.push_back(std::move(e));
  r.map_changes = std::move(w);
}

void status_events::start(std::function<std::vector<int>()> owned, uint32_t shards) {
  if (!impl_->active() || impl_->sender.joinable()) return;
  impl_->owned = std::move(owned);
  impl_->shards = shards;
  impl_->sender = std::thread([this] { impl_->run(); });
}

void status_events::poke() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->poked = true;
  }
  impl_->cv.notify_one();
}

void status_events::stop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->http) impl_->http->stop();  // calls in flight fail now
  if (impl_->sender.joinable()) impl_->sender.join();
}

}  // namespace sc::actors
