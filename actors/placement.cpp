// Server-chosen execution names that land on a shard this node owns
// (docs/cluster.md, "Placement of unnamed starts").
//
// Most StartExecution calls carry no name: the service picks a UUID. Any
// UUID is as good as another, so a node picks one whose execution ARN hashes
// to a shard it owns (rejection sampling: with k of S shards owned a draw
// succeeds with probability k/S, three draws on average with three nodes).
// The start then runs the owner's path: the first step right here and one
// Redis write, instead of an unstarted record plus the owner's inbox.
#include "actors/detail.hpp"
#include "cluster/coordinator.hpp"
#include "cluster/keys.hpp"
#include "runtime/model/arn.hpp"

namespace sc::actors {

std::string node::impl::local_execution_name(const std::string& machine_name,
                                             const std::string& region,
                                             const std::string& account) {
  // Without a cluster every shard is ours; a node that owns no shard (just
  // joined, or cut off from Redis) keeps today's path through the inbox.
  if (!coord) return random_uuid();
  auto owned = coord->owned();
  if (owned.empty()) return random_uuid();
  std::vector<bool> mine(shard_count, false);
  for (int s : owned)
    if (s >= 0 && static_cast<uint32_t>(s) < shard_count) mine[static_cast<size_t>(s)] = true;
  // The ARN's FNV-1a state after its fixed prefix, continued per candidate.
  std::string prefix = model::execution_arn(region, account, machine_name, "");
  uint64_t h0 = 14695981039346656037ull;
  for (unsigned char ch : prefix) {
    h0 ^= ch;
    h0 *= 1099511628211ull;
  }
  // 1 - (1 - k/S)^max_draws: with one shard of 64 owned, 64 draws miss one
  // time in 2.7; with 21 of 64, about never. A miss is only slower.
  constexpr int max_draws = 64;
  std::string name;
  for (int i = 0; i < max_draws; ++i) {
    name = random_uuid();
    uint64_t h = h0;
    for (unsigned char ch : name) {
      h ^= ch;
      h *= 1099511628211ull;
    }
    if (mine[static_cast<size_t>(h % shard_count)]) return name;
  }
  return name;
}

}  // namespace sc::actors
