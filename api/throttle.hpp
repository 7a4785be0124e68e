// AWS's API request rate quotas: one token bucket per account, Region and
// operation (AWS's documented bucket size and refill rate per second, or
// the config's `throttling.rates` overrides). A request that finds its
// bucket empty is refused with ThrottlingException "Rate exceeded" (HTTP
// 400), as AWS answers. Off by default (`throttling.enabled`).
//
// In a cluster the configured rate holds for the cluster as a whole, as an
// approximation: each node keeps its own buckets and gives each 1/N of the
// configured size and refill rate, N = the live nodes its coordinator saw
// at its last heartbeat (obs::metrics().cluster_members; 1 without a
// cluster; a bucket is never smaller than one token). Exact when callers
// spread their calls evenly over the nodes (a load balancer); a caller that
// sends everything to one node gets 1/N of the rate. No Redis round trip:
// the check stays local.
#pragma once

#include "config/settings.hpp"

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sc::api {

/// A bucket's size and refill rate; size 0 = the operation is not throttled.
struct rate_quota {
  double bucket = 0;
  double refill_per_second = 0;
};

/// AWS's default quota for `operation` in `region` (the large Regions,
/// us-east-1, us-west-2 and eu-west-1, have larger buckets for some).
/// Operations AWS documents no rate for answer {0, 0}.
rate_quota aws_default_rate(std::string_view operation, std::string_view region);

class throttle {
 public:
  explicit throttle(const config::throttling_settings& s);
  bool enabled() const { return enabled_; }
  /// Takes one token from the bucket of (account, region, operation);
  /// false = throttled. `now` is injectable for tests; `nodes` = the live
  /// nodes sharing the rate (0 = the coordinator's count).
  bool admit(const std::string& account, const std::string& region, std::string_view operation,
             std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now(),
             size_t nodes = 0);
  /// The quota in force for `operation` in `region`.
  rate_quota quota(std::string_view operation, std::string_view region) const;

 private:
  struct bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  bool enabled_;
  std::unordered_map<std::string, rate_quota> overrides_;
  std::mutex mu_;
  std::unordered_map<std::string, bucket> buckets_;
};

}  // namespace sc::api
