// Execution logs per a state machine's LoggingConfiguration, in the record
// shape CloudWatch Logs receives from Step Functions (docs/observability.md):
// one JSON object per history event, one per line:
//   {"id":"3","type":"PassStateEntered","details":{...},"previous_event_id":"2",
//    "event_timestamp":"1700000000123","execution_arn":"arn:…","redrive_count":"0"}
// Level ALL logs every event, ERROR the failure events (…Failed, …TimedOut,
// ExecutionAborted, …), FATAL only ExecutionFailed / ExecutionAborted /
// ExecutionTimedOut; includeExecutionData adds input/output to `details`.
// Used for Express executions (which keep no history otherwise); the sink is
// events.execution_log: stdout, stderr or a file path.
#pragma once

#include "runtime/model/history_event.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace sc::actors {

struct log_config {
  enum level_t { fatal = 1, error = 2, all = 3 } level = all;
  bool include_data = false;
};

/// Whether an event of `type` is logged at `level`.
bool logged_at(log_config::level_t level, const std::string& type);

/// One log record (no newline).
std::string log_record(const model::history_event& e, const std::string& execution_arn,
                       int64_t redrive_count, bool include_data);

class execution_log {
 public:
  /// `sink`: "stdout", "stderr", a file path, or "" (nothing is logged).
  explicit execution_log(const std::string& sink);
  ~execution_log();
  bool enabled() const { return fd_ >= 0; }
  /// The configuration for a machine's loggingConfiguration JSON text
  /// (null = level OFF, no configuration, or logging disabled).
  std::shared_ptr<const log_config> config_for(const std::string& logging_json);
  void write(const log_config& c, const std::string& execution_arn, int64_t redrive_count,
             const std::vector<model::history_event>& events);

 private:
  int fd_ = -1;
  bool own_fd_ = false;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const log_config>> configs_;
};

}  // namespace sc::actors
