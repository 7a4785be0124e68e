// The Redis store: activities and tags.
#include "cluster/redis_store_impl.hpp"

namespace sc::cluster::redis_impl {

create_outcome redis_store::create_activity(const activity_record& r, activity_record& existing) {
  auto cur = create_indexed(keys::activities(), keys::activity_index(), r.arn, codec::encode(r), "activity");
  if (!cur) return create_outcome::created;
  decode_or_throw(*cur, existing);
  return create_outcome::existing;
}

std::optional<activity_record> redis_store::get_activity(const std::string& arn) {
  lease c(pool_);
  auto r = c.one({"HGET", keys::activities(), arn});
  if (is_nil(r.get())) return std::nullopt;
  activity_record a;
  decode_or_throw(str(r.get()), a);
  return a;
}

bool redis_store::delete_activity(const std::string& arn) {
  lease c(pool_);
  resp q;
  q.cmd({"MULTI"});
  q.cmd({"HDEL", keys::activities(), arn});
  q.cmd({"ZREM", keys::activity_index(), arn});
  q.cmd({"HDEL", keys::tags(), arn});
  q.cmd({"EXEC"});
  auto rep = c.run(q);
  const redisReply* ex = rep.back().get();
  return ex && ex->type == REDIS_REPLY_ARRAY && ex->elements >= 1 && ex->element[0]->integer > 0;
}

size_t redis_store::count_activities() {
  lease c(pool_);
  return static_cast<size_t>(c.one({"ZCARD", keys::activity_index()})->integer);
}

std::vector<tag> redis_store::get_tags(const std::string& arn) {
  lease c(pool_);
  auto r = c.one({"HGET", keys::tags(), arn});
  std::vector<tag> out;
  if (!is_nil(r.get())) decode_or_throw(str(r.get()), out);
  return out;
}

void redis_store::set_tags(const std::string& arn, const std::vector<tag>& tags) {
  lease c(pool_);
  if (tags.empty())
    c.one({"HDEL", keys::tags(), arn});
  else
    c.one({"HSET", keys::tags(), arn, codec::encode(tags)});
}

}  // namespace sc::cluster::redis_impl
