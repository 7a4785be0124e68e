// The Redis store's count of open executions (AWS's open executions quota,
// ExecutionLimitExceeded). See redis_store_impl.hpp for the store's files.
//
// The count is kept by the writes themselves: each shard has a SET per
// namespace (keys::open_executions) that the create script and the saves
// change in the same script or MULTI as the execution's record: SADD when
// a Standard execution starts RUNNING (create, redrive), SREM when a save
// finishes it (SUCCEEDED, FAILED, TIMED_OUT, ABORTED: stop and timeout
// included). Sets, not counters, so a create retried after a lost reply, a
// save sent again after a failover or a recovering node's re-save cannot
// count an execution twice or leave one counted; the count lives in Redis,
// so a node that crashes leaves nothing behind. The open count of a
// namespace is the sum of SCARD over the shards (one pipeline; in Redis
// Cluster one per master).
//
// The check (open_executions_below) is count-then-start, not part of the
// start's script (the count spans shards, the start writes one): starts
// racing at the limit may overshoot it by the number racing. Reading 64
// SCARDs on every StartExecution would add a round trip to the start, so a
// node reuses its last exact count for up to one second while that count
// plus what it admitted since stays at most half of a limit of 10,000 or
// more (AWS's is 1,000,000): other nodes would need limit/2 starts in that
// second to reach the limit unseen. Nearer the limit, or with a smaller
// limit, every check reads the exact count.
#include "cluster/redis_store_impl.hpp"

namespace sc::cluster::redis_impl {

namespace {
constexpr auto reuse_for = std::chrono::seconds(1);
constexpr size_t reuse_from_limit = 10000;
}  // namespace

std::optional<size_t> redis_store::count_open_executions(const std::string& namespace_prefix) {
  lease c(pool_);
  resp q;
  for (uint32_t s = 0; s < shards_; ++s)
    q.cmd({"SCARD", keys::open_executions_of(s, namespace_prefix)});
  long long n = 0;
  for (auto& r : c.run(q)) n += r->integer;
  return static_cast<size_t>(std::max<long long>(n, 0));
}

bool redis_store::open_executions_below(const std::string& namespace_prefix, size_t limit) {
  const auto now = steady::now();
  if (limit >= reuse_from_limit) {
    std::lock_guard lock(open_mu_);
    auto it = open_counts_.find(namespace_prefix);
    if (it != open_counts_.end() && now - it->second.read_at < reuse_for &&
        it->second.count + it->second.admitted < limit / 2) {
      ++it->second.admitted;
      return true;
    }
  }
  const size_t n = *count_open_executions(namespace_prefix);
  const bool below = n < limit;
  if (limit >= reuse_from_limit) {
    std::lock_guard lock(open_mu_);
    if (open_counts_.size() > 4096) open_counts_.clear();  // bounded: namespaces are few
    open_counts_[namespace_prefix] = open_count{n, below ? 1u : 0u, now};
  }
  return below;
}

}  // namespace sc::cluster::redis_impl
