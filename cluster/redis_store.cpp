// The Redis store: URL, init, creating, reading and saving executions (the
// MULTI … EXEC of a save and the fenced scripts). Layout of the store's
// files: redis_store_impl.hpp. Threads and failures: redis_store.hpp.
#include "cluster/redis_store_impl.hpp"

#include "cluster/map_run_ops.hpp"

#include <cctype>
#include <future>
#include <limits>

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

namespace redis_impl {

// The create script.
// KEYS: 1 record, 2 state, 3 history, 4 machine index, 5 machine+status index,
//       6 running set, 7 machine running set, 8 namespace's open set
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
  if ARGV[6] ~= '1' then
    redis.call('SADD', KEYS[6], ARGV[1])
    redis.call('SADD', KEYS[8], ARGV[1])
  end
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
//       9 machine running set, 10-12 machine+FAILED/TIMED_OUT/ABORTED indexes,
//       13 namespace's open set
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
    if ARGV[8] ~= '1' then redis.call('SADD', KEYS[13], ARGV[2]) end
    for i = 2, 4 do redis.call('PERSIST', KEYS[i]) end
  end
else
  redis.call('ZREM', KEYS[7], ARGV[6])
  redis.call('SREM', KEYS[8], ARGV[2])
  redis.call('SREM', KEYS[9], ARGV[2])
  redis.call('SREM', KEYS[13], ARGV[2])
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
  while ((at = text.find(loop_end, at)) != std::string::npos)
    text.replace(at, loop_end.size(), "last");
  size_t ret = text.rfind(returns);
  text.insert(ret, "apply_ops(" + std::to_string(k0) + ", last + 1, #ARGV - 1)\n");
  return std::string(map_run_ops_lua()) + "local last = tonumber(ARGV[#ARGV])\n" + text;
}
const std::string create_execution_ops_text = with_ops(create_execution_body, "return {1}", 9);
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
const std::string fenced_save_ops_text = with_ops(save_execution_fenced_lua.text, "return 1", 14);

// PublishStateMachineVersion. KEYS: 1 versions hash, 2 version index,

/// Checks Redis answers and the keyspace's shard count; starts the writer.
bool redis_store::init(std::string* error) {
  if (cluster_ && !cluster_->init(error)) return false;
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

create_outcome redis_store::create_execution(const execution_record& r,
                                             const std::vector<model::history_event>& events,
                                             execution_record& existing) {
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
  std::vector<std::string> ks{keys::execution(s, r.arn),
                              keys::state(s, r.arn),
                              keys::history(s, r.arn),
                              keys::machine_executions(s, r.machine_arn),
                              keys::machine_executions_by_status(s, r.status, r.machine_arn),
                              keys::running(s),
                              keys::machine_running(s, r.machine_arn),
                              keys::open_executions(s, r.arn)};
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
  const std::string fence = events.empty() || r.status != "RUNNING" ? std::string() : fence_of(s);
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

std::optional<execution_record> redis_store::get_execution(const std::string& arn) {
  const uint32_t s = shard(arn);
  lease c(pool_);
  auto r = c.one({"MGET", keys::execution(s, arn), keys::state(s, arn)});
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) throw store_unavailable("Redis: bad MGET");
  if (is_nil(r->element[0])) return std::nullopt;
  return load_execution(str(r->element[0]),
                        is_nil(r->element[1]) ? std::string_view{} : str(r->element[1]));
}

std::optional<execution_record> redis_store::get_execution_record(const std::string& arn) {
  if (auto hit = finished_.get(arn, retention_.load())) return hit;
  lease c(pool_);
  auto r = c.one({"GET", keys::execution(shard(arn), arn)});
  if (is_nil(r.get())) return std::nullopt;
  return load_execution(str(r.get()), std::string_view{});
}

void redis_store::save_execution(const execution_record& r,
                                 const std::vector<model::history_event>& events) {
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

void redis_store::save_execution_async(const execution_record& r,
                                       std::vector<model::history_event> events,
                                       std::function<void(bool ok)> done) {
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

void redis_store::set_retention(std::chrono::seconds keep) {
  retention_.store(std::max<int64_t>(keep.count(), 0));
}

void redis_store::set_fence(int shard, uint64_t epoch, const std::string& node_id) {
  if (shard < 0 || static_cast<uint32_t>(shard) >= shards_) return;
  std::lock_guard lock(fence_mu_);
  auto& f = fences_[static_cast<size_t>(shard)];
  if (f.empty()) ++fence_count_;
  f = keys::lease_value(node_id, epoch);
}

void redis_store::clear_fence(int shard) {
  if (shard < 0 || static_cast<uint32_t>(shard) >= shards_) return;
  std::lock_guard lock(fence_mu_);
  auto& f = fences_[static_cast<size_t>(shard)];
  if (!f.empty()) --fence_count_;
  f.clear();
}

int64_t redis_store::history_length(const std::string& arn) {
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

/// One save as one MULTI … EXEC (plus, when the execution is finished, a
/// SISMEMBER on the deleting set after the EXEC).
pending_save redis_store::build_save(const execution_record& r,
                                     const std::vector<model::history_event>& events) {
  if (r.status == "RUNNING" && r.redrive_count > 0) finished_.forget(r.arn);  // redriven
  const uint32_t s = shard(r.arn);
  if (std::string fence = fence_of(s); !fence.empty())
    return build_fenced_save(r, events, s, fence);
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
      if (!r.express) q.cmd({"SADD", keys::open_executions(s, r.arn), r.arn});
      q.cmd({"PERSIST", rec_key});
      q.cmd({"PERSIST", state_key});
      q.cmd({"PERSIST", hist_key});
    }
  } else {
    q.cmd({"ZREM", keys::machine_executions_by_status(s, "RUNNING", r.machine_arn), member});
    q.cmd({"SREM", keys::running(s), r.arn});
    q.cmd({"SREM", keys::machine_running(s, r.machine_arn), r.arn});
    if (!r.express) q.cmd({"SREM", keys::open_executions(s, r.arn), r.arn});
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
      const char* name = o.code == 'S'   ? names[0]
                         : o.code == 'Z' ? names[1]
                         : o.code == 'R' ? names[2]
                         : o.code == 'P' ? names[3]
                                         : names[4];
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
pending_save redis_store::build_fenced_save(const execution_record& r,
                                            const std::vector<model::history_event>& events,
                                            uint32_t s, const std::string& fence) {
  pending_save p;
  p.fenced = true;
  const std::string member = keys::execution_index_member(r.start_ms, r.arn);
  auto& q = p.cmds;
  // With Map Run changes: the same script with their operations
  // (sent as EVAL: such saves are a minority).
  std::vector<std::string> op_keys, op_args;
  const bool ops = r.map_changes && !r.map_changes->empty();
  if (ops) map_run_ops_args(map_run_ops(*r.map_changes, s, retention_.load()), op_keys, op_args);
  q.begin(3 + 13 + 11 + events.size() + op_keys.size() + op_args.size() + (ops ? 1 : 0));
  q.arg(ops ? "EVAL" : "EVALSHA");
  q.arg(ops ? std::string_view(fenced_save_ops_text) : std::string_view(fenced_save_sha_));
  q.arg(std::to_string(13 + op_keys.size()));
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
  q.arg(keys::open_executions(s, r.arn));
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

}  // namespace redis_impl

using redis_impl::redis_store;

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
