// The Redis writes of a save's Map Run changes (store.hpp map_writes), as a
// list of single-key operations the Redis store issues inside the save's
// MULTI, or applies in its Lua scripts (fenced save, create). Every key is
// in the parent execution's shard (keys.hpp, "Map Runs").
#pragma once

#include "cluster/codec.hpp"
#include "cluster/keys.hpp"
#include "cluster/store.hpp"

#include <string>
#include <vector>

namespace sc::cluster {

struct redis_op {
  char code;                      ///< 'S' SET, 'Z' ZADD 0, 'R' ZREM, 'P' RPUSH, 'X' EXPIRE
  std::string key;
  std::vector<std::string> values;
};

/// `ttl_seconds` > 0 (the store's retention): what finished expires then,
/// like a finished execution's own keys.
inline std::vector<redis_op> map_run_ops(const map_writes& w, uint32_t shard,
                                         int64_t ttl_seconds = 0) {
  const std::string ttl = std::to_string(ttl_seconds);
  std::vector<redis_op> ops;
  ops.reserve(w.runs.size() * 2 + w.children.size() * 4);
  for (const auto& r : w.runs) {
    ops.push_back({'S', keys::map_run(shard, r.arn), {codec::encode(r)}});
    ops.push_back({'Z', keys::execution_map_runs(shard, r.execution_arn),
                   {keys::execution_index_member(r.start_ms, r.arn)}});
    if (ttl_seconds > 0 && r.status != "RUNNING") {
      ops.push_back({'X', keys::map_run(shard, r.arn), {ttl}});
      ops.push_back({'X', keys::execution_map_runs(shard, r.execution_arn), {ttl}});
      ops.push_back({'X', keys::map_run_children(shard, r.arn), {ttl}});
      for (const char* st : {"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
        ops.push_back({'X', keys::map_run_children_by_status(shard, st, r.arn), {ttl}});
    }
  }
  for (const auto& c : w.children) {
    std::string member = keys::execution_index_member(c.start_ms, c.arn);
    if (!c.events.empty()) {
      redis_op push{'P', keys::history(shard, c.arn), {}};
      push.values.reserve(c.events.size());
      for (const auto& e : c.events) push.values.push_back(codec::encode(e));
      ops.push_back(std::move(push));
    }
    ops.push_back({'S', keys::execution(shard, c.arn), {codec::encode(child_record(c))}});
    ops.push_back({'Z', keys::map_run_children(shard, c.map_run_arn), {member}});
    ops.push_back({'Z', keys::map_run_children_by_status(shard, c.status, c.map_run_arn), {member}});
    if (c.status != "RUNNING") {
      ops.push_back(
          {'R', keys::map_run_children_by_status(shard, "RUNNING", c.map_run_arn), {member}});
      if (ttl_seconds > 0) {
        ops.push_back({'X', keys::execution(shard, c.arn), {ttl}});
        ops.push_back({'X', keys::history(shard, c.arn), {ttl}});
      }
    }
  }
  if (!w.status_events.empty())
    ops.push_back({'P', keys::status_outbox(shard), w.status_events});
  return ops;
}

/// Lua: applies the operations whose keys are KEYS[k0..] and whose
/// arguments are ARGV[a0..a1] (per operation: code, value count, values).
/// Defines `apply_ops(k0, a0, a1)`.
inline const char* map_run_ops_lua() {
  return R"lua(
local function apply_ops(k0, a0, a1)
  local a = a0
  local k = k0
  while a <= a1 do
    local op = ARGV[a]
    local n = tonumber(ARGV[a + 1])
    local key = KEYS[k]
    if op == 'S' then redis.call('SET', key, ARGV[a + 2])
    elseif op == 'Z' then redis.call('ZADD', key, 0, ARGV[a + 2])
    elseif op == 'R' then redis.call('ZREM', key, ARGV[a + 2])
    elseif op == 'X' then redis.call('EXPIRE', key, ARGV[a + 2])
    elseif op == 'P' then
      for i = a + 2, a + 1 + n, 1000 do
        redis.call('RPUSH', key, unpack(ARGV, i, math.min(i + 999, a + 1 + n)))
      end
    end
    a = a + 2 + n
    k = k + 1
  end
end
)lua";
}

/// Appends the operations' keys to `keys_out` and their arguments to
/// `args_out` (the layout apply_ops reads).
inline void map_run_ops_args(const std::vector<redis_op>& ops, std::vector<std::string>& keys_out,
                             std::vector<std::string>& args_out) {
  for (const auto& o : ops) {
    keys_out.push_back(o.key);
    args_out.push_back(std::string(1, o.code));
    args_out.push_back(std::to_string(o.values.size()));
    for (const auto& v : o.values) args_out.push_back(v);
  }
}

}  // namespace sc::cluster
