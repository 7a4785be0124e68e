// Distributed Map's ItemReader / ResultWriter on S3 (interp/map_io.hpp):
// carries out cmd_map_io through the node's signed AWS calls, without
// blocking any thread, and answers with ev_integration. Private to actors/.
#pragma once

#include "actors/aws_call.hpp"
#include "runtime/interp/command.hpp"
#include "runtime/interp/event.hpp"
#include "runtime/interp/map_io.hpp"

#include <functional>
#include <string>

namespace sc::actors {

class s3_map_io {
 public:
  using deliver_fn = std::function<void(const std::string&, interp::ev_integration)>;
  s3_map_io(aws_calls& calls, deliver_fn deliver, int64_t max_read_bytes)
      : calls_(calls), deliver_(std::move(deliver)), max_read_bytes_(max_read_bytes) {}
  /// Makes the call of `c` for `execution_arn`; the answer goes to deliver.
  void run(const std::string& execution_arn, const interp::cmd_map_io& c);

 private:
  aws_calls& calls_;
  deliver_fn deliver_;
  int64_t max_read_bytes_;  ///< largest ranged GET of one window
};

}  // namespace sc::actors
