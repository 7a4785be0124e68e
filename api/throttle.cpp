// See throttle.hpp. The figures are AWS's documented defaults ("Quotas
// related to API action throttling" in the Step Functions developer guide):
// bucket size and refill per second, for the large Regions and the others.
#include "api/throttle.hpp"

#include "observability/metrics.hpp"

#include <algorithm>

namespace sc::api {

namespace {

struct row {
  std::string_view op;
  rate_quota large;  ///< us-east-1, us-west-2, eu-west-1
  rate_quota other;
};

constexpr row kRates[] = {
    {"StartExecution", {1300, 300}, {800, 150}},
    // StartExecution of an EXPRESS machine: AWS's Express column.
    {"StartExecution.Express", {6000, 6000}, {6000, 6000}},
    {"CreateActivity", {100, 1}, {100, 1}},
    {"CreateStateMachine", {100, 1}, {100, 1}},
    {"DeleteActivity", {100, 1}, {100, 1}},
    {"DeleteStateMachine", {100, 1}, {100, 1}},
    {"DescribeActivity", {200, 1}, {200, 1}},
    {"DescribeExecution", {300, 15}, {250, 10}},
    {"DescribeStateMachine", {200, 20}, {200, 20}},
    {"DescribeStateMachineForExecution", {200, 1}, {200, 1}},
    {"GetActivityTask", {3000, 500}, {1500, 300}},
    {"GetExecutionHistory", {400, 20}, {400, 20}},
    {"ListActivities", {100, 10}, {100, 5}},
    {"ListExecutions", {200, 5}, {100, 2}},
    {"ListStateMachines", {100, 5}, {100, 5}},
    {"ListTagsForResource", {100, 1}, {100, 1}},
    {"SendTaskFailure", {3000, 500}, {1500, 300}},
    {"SendTaskHeartbeat", {3000, 500}, {1500, 300}},
    {"SendTaskSuccess", {3000, 500}, {1500, 300}},
    {"StopExecution", {1000, 200}, {500, 25}},
    {"TagResource", {200, 1}, {200, 1}},
    {"UntagResource", {200, 1}, {200, 1}},
    {"UpdateStateMachine", {100, 1}, {100, 1}},
};

bool large_region(std::string_view r) {
  return r == "us-east-1" || r == "us-west-2" || r == "eu-west-1";
}

}  // namespace

rate_quota aws_default_rate(std::string_view operation, std::string_view region) {
  for (const auto& r : kRates)
    if (r.op == operation) return large_region(region) ? r.large : r.other;
  return {};
}

throttle::throttle(const config::throttling_settings& s) : enabled_(s.enabled) {
  for (const auto& r : s.rates) overrides_[r.api] = rate_quota{r.bucket, r.refill_per_second};
}

rate_quota throttle::quota(std::string_view operation, std::string_view region) const {
  auto it = overrides_.find(std::string(operation));
  if (it != overrides_.end()) return it->second;
  return aws_default_rate(operation, region);
}

bool throttle::admit(const std::string& account, const std::string& region,
                     std::string_view operation, std::chrono::steady_clock::time_point now,
                     size_t nodes) {
  if (!enabled_) return true;
  rate_quota q = quota(operation, region);
  if (q.bucket <= 0) return true;
  if (nodes == 0) nodes = static_cast<size_t>(std::max<int64_t>(obs::metrics().cluster_members.get(), 1));
  if (nodes > 1) {
    // This node's share of the cluster-wide rate (see throttle.hpp).
    q.bucket = std::max(q.bucket / static_cast<double>(nodes), 1.0);
    q.refill_per_second /= static_cast<double>(nodes);
  }
  std::string key;
  key.reserve(account.size() + region.size() + operation.size() + 2);
  key.append(account).append("/").append(region).append("/").append(operation);
  std::lock_guard lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(std::move(key), bucket{q.bucket, now});
  bucket& b = it->second;
  if (!fresh) {
    // (io threads read the clock before taking the lock: a `now` slightly
    // older than `last` refills nothing and does not move `last` back.)
    double elapsed = std::chrono::duration<double>(now - b.last).count();
    if (elapsed > 0) {
      b.tokens = std::min(q.bucket, b.tokens + elapsed * q.refill_per_second);
      b.last = now;
    }
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

}  // namespace sc::api
