// The Redis store: state machines, their versions and aliases, and erasing
// a DELETING machine once its last execution finished.
#include "cluster/redis_store_impl.hpp"

namespace sc::cluster::redis_impl {

namespace {

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

}  // namespace

std::optional<std::string> redis_store::create_indexed(const std::string& hash, const std::string& index,
                                                      const std::string& arn, const std::string& blob,
                                                      const char* what) {
  for (int attempt = 0;; ++attempt) {
    lease c(pool_);
    resp q;
    q.cmd({"MULTI"});
    q.cmd({"HSETNX", hash, arn, blob});
    q.cmd({"ZADD", index, "0", arn});
    q.cmd({"EXEC"});
    auto rep = c.run(q);
    const redisReply* ex = rep.back().get();
    if (!ex || ex->type != REDIS_REPLY_ARRAY || ex->elements < 1)
      throw store_unavailable("Redis: unexpected EXEC reply");
    if (ex->element[0]->integer == 1) return std::nullopt;
    auto cur = c.one({"HGET", hash, arn});
    if (!is_nil(cur.get())) return std::string(str(cur.get()));
    // Erased in between: try to create it again.
    if (attempt >= 10) throw store_unavailable(std::string("Redis: ") + what + " record keeps changing");
  }
}

create_outcome redis_store::create_state_machine(const state_machine_record& r,
                                                 state_machine_record& existing) {
  auto cur = create_indexed(keys::state_machines(), keys::state_machine_index(), r.arn, codec::encode(r),
                            "state machine");
  if (!cur) return create_outcome::created;
  decode_or_throw(*cur, existing);
  if (existing.status == "DELETING") return create_outcome::deleting;
  bool same = existing.definition == r.definition && existing.type == r.type &&
              existing.logging_json == r.logging_json && existing.tracing_enabled == r.tracing_enabled;
  return same ? create_outcome::existing : create_outcome::conflict;
}

std::optional<state_machine_record> redis_store::get_state_machine(const std::string& arn) {
  lease c(pool_);
  auto r = c.one({"HGET", keys::state_machines(), arn});
  if (is_nil(r.get())) return std::nullopt;
  state_machine_record m;
  decode_or_throw(str(r.get()), m);
  return m;
}

bool redis_store::put_state_machine(const state_machine_record& r) {
  lease c(pool_);
  auto rep = eval(c, put_machine_lua, {keys::state_machines(), keys::deleting_machines()},
                  {r.arn, codec::encode(r), r.status == "DELETING" ? "1" : "0"});
  return rep->integer == 1;
}

bool redis_store::delete_state_machine(const std::string& arn) {
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
        auto rep = eval(c, mark_deleting_lua, {keys::state_machines(), keys::deleting_machines()},
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

size_t redis_store::count_state_machines() {
  lease c(pool_);
  return static_cast<size_t>(c.one({"ZCARD", keys::state_machine_index()})->integer);
}

publish_outcome redis_store::publish_version(const std::string& machine_arn,
                                             const state_machine_record& v, size_t max_versions,
                                             state_machine_record& out) {
  state_machine_record blob_rec = v;
  blob_rec.arn.clear();
  lease c(pool_);
  auto rep =
      eval(c, publish_version_lua,
           {keys::versions(machine_arn), keys::version_index(machine_arn),
            keys::version_counter(machine_arn), keys::version_revisions(machine_arn)},
           {machine_arn, v.revision_id, codec::encode(blob_rec), std::to_string(max_versions)});
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

std::optional<state_machine_record> redis_store::get_version(const std::string& arn) {
  std::string machine = unqualified_arn(arn);
  if (machine.empty()) return std::nullopt;
  lease c(pool_);
  return read_version(c, machine, arn);
}

bool redis_store::delete_version(const std::string& arn) {
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

create_outcome redis_store::create_alias(const alias_record& a, size_t max_aliases,
                                         alias_record& existing) {
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

std::optional<alias_record> redis_store::get_alias(const std::string& arn) {
  std::string machine = unqualified_arn(arn);
  if (machine.empty()) return std::nullopt;
  lease c(pool_);
  auto r = c.one({"HGET", keys::aliases(machine), arn});
  if (is_nil(r.get())) return std::nullopt;
  alias_record a;
  decode_or_throw(str(r.get()), a);
  return a;
}

bool redis_store::put_alias(const alias_record& a) {
  lease c(pool_);
  auto rep =
      eval(c, put_alias_lua, {keys::aliases(unqualified_arn(a.arn))}, {a.arn, codec::encode(a)});
  return rep->integer == 1;
}

bool redis_store::delete_alias(const std::string& arn) {
  std::string machine = unqualified_arn(arn);
  if (machine.empty()) return false;
  lease c(pool_);
  auto r = c.one({"HDEL", keys::aliases(machine), arn});
  return r->integer == 1;
}

std::vector<alias_record> redis_store::list_aliases(const std::string& machine_arn) {
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

void redis_store::delete_versions_and_aliases(const std::string& machine_arn) {
  lease c(pool_);
  c.one({"DEL", keys::versions(machine_arn), keys::version_index(machine_arn),
         keys::version_counter(machine_arn), keys::version_revisions(machine_arn),
         keys::aliases(machine_arn)});
}

std::optional<state_machine_record> redis_store::read_version(lease& c, const std::string& machine,
                                                              const std::string& arn) {
  auto r = c.one({"HGET", keys::versions(machine), arn});
  if (is_nil(r.get())) return std::nullopt;
  state_machine_record m;
  decode_or_throw(str(r.get()), m);
  m.arn = arn;
  return m;
}

/// Erases the DELETING machine `arn` when none of its executions runs.
void redis_store::erase_if_idle(const std::string& arn) {
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

}  // namespace sc::cluster::redis_impl
