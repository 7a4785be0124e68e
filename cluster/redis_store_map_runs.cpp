// The Redis store: Map Runs and their child executions.
#include "cluster/redis_store_impl.hpp"

#include "cluster/map_run_ops.hpp"

namespace sc::cluster::redis_impl {

std::optional<interp::map_run_record> redis_store::get_map_run(const std::string& arn) {
  if (!interp::embedded_placement(arn)) return std::nullopt;
  lease c(pool_);
  auto r = c.one({"GET", keys::map_run(shard(arn), arn)});
  if (is_nil(r.get())) return std::nullopt;
  interp::map_run_record m;
  if (!codec::decode(str(r.get()), m)) throw store_error("Redis: undecodable map run");
  return m;
}

namespace {

/// One page of a shard's index ZSET (members execution_index_member(start,
/// ARN), newest first): the ARNs after `after` (a member; "" = from the
/// newest), each record read with GET key_of(ARN) and decoded with
/// decode(blob, rec); records gone meanwhile are skipped. `next` is the
/// page's last member when more follow.
template <class Rec, class KeyOf, class Decode>
page<Rec> index_page(lease& c, const std::string& index, const std::string& after, size_t limit,
                     KeyOf key_of, Decode decode) {
  page<Rec> out;
  if (limit == 0) return out;
  auto ids = c.one({"ZREVRANGEBYLEX", index, after.empty() ? std::string("+") : "(" + after, "-",
                    "LIMIT", "0", std::to_string(limit + 1)});
  if (ids->type != REDIS_REPLY_ARRAY || ids->elements == 0) return out;
  resp g;
  const size_t n = std::min<size_t>(ids->elements, limit);
  for (size_t i = 0; i < n; ++i)
    g.cmd({"GET", key_of(keys::execution_index_arn(str(ids->element[i])))});
  auto recs = c.run(g);
  for (size_t i = 0; i < n; ++i) {
    if (is_nil(recs[i].get())) continue;
    Rec rec;
    decode(str(recs[i].get()), rec);
    out.items.push_back(std::move(rec));
  }
  if (ids->elements > limit) out.next = std::string(str(ids->element[limit - 1]));
  return out;
}

}  // namespace

page<interp::map_run_record> redis_store::list_map_runs(const std::string& execution_arn,
                                                        const std::string& after, size_t limit) {
  const uint32_t s = shard(execution_arn);
  lease c(pool_);
  return index_page<interp::map_run_record>(
      c, keys::execution_map_runs(s, execution_arn), after, limit,
      [s](std::string_view arn) { return keys::map_run(s, arn); },
      [](std::string_view blob, interp::map_run_record& m) {
        if (!codec::decode(blob, m)) throw store_error("Redis: undecodable map run");
      });
}

page<execution_record> redis_store::list_map_run_executions(const std::string& map_run_arn,
                                                            const std::string& status,
                                                            const std::string& after,
                                                            size_t limit) {
  if (!interp::embedded_placement(map_run_arn)) return {};
  const uint32_t s = shard(map_run_arn);
  lease c(pool_);
  return index_page<execution_record>(
      c,
      status.empty() ? keys::map_run_children(s, map_run_arn)
                     : keys::map_run_children_by_status(s, status, map_run_arn),
      after, limit, [s](std::string_view arn) { return keys::execution(s, arn); },
      [](std::string_view blob, execution_record& e) { decode_or_throw(blob, e); });
}

}  // namespace sc::cluster::redis_impl
