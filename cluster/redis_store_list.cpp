// The Redis store: listings and paging (state machines, activities,
// versions, executions), history pages and the recovery scan.
#include "cluster/redis_store_impl.hpp"

#include <limits>

namespace sc::cluster::redis_impl {

namespace {

const char* const all_statuses[] = {"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"};

}  // namespace

page<state_machine_record> redis_store::list_state_machines(const std::string& after,
                                                            size_t limit) {
  return lex_page<state_machine_record>(keys::state_machines(), keys::state_machine_index(), after,
                                        limit);
}

page<state_machine_record> redis_store::list_versions(const std::string& machine_arn,
                                                      const std::string& after, size_t limit) {
  page<state_machine_record> out;
  if (limit == 0) return out;
  lease c(pool_);
  std::string max = "+inf";
  if (!after.empty()) {
    auto colon = after.rfind(':');
    max = "(" + after.substr(colon + 1);
  }
  auto ids = c.one({"ZREVRANGEBYSCORE", keys::version_index(machine_arn), max, "-inf", "LIMIT", "0",
                    std::to_string(limit + 1)});
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

page<activity_record> redis_store::list_activities(const std::string& after, size_t limit) {
  return lex_page<activity_record>(keys::activities(), keys::activity_index(), after, limit);
}

page<execution_record> redis_store::list_executions(const std::string& machine_arn,
                                                    const std::string& status,
                                                    const std::string& after, size_t limit) {
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

std::vector<model::history_event> redis_store::get_history(const std::string& arn, int64_t from,
                                                           size_t limit, bool reverse) {
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

std::vector<execution_record> redis_store::running_executions() {
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

}  // namespace sc::cluster::redis_impl
