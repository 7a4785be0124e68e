// Distributed Map as AWS runs it: each run of a DISTRIBUTED Map state is a
// Map Run, and each of its iterations a child execution.
//
// The iterations stay threads of the parent's interpreter state (so a
// parent's save, stop, recovery and failover carry them); what `step`
// outputs in addition is the records the stores keep for the API: the Map
// Run's record whenever it changed in the step, and each child execution's
// record (with the child's new history events) whenever that child changed.
// The execution actor writes them with the parent's own save.
#pragma once

#include "runtime/model/history_event.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sc::interp {

/// Item or execution counts of a Map Run (AWS's MapRunItemCounts /
/// MapRunExecutionCounts).
struct map_run_counts {
  int64_t pending = 0, running = 0, succeeded = 0, failed = 0, timed_out = 0, aborted = 0,
          total = 0, results_written = 0;
  /// Redrive (RedriveExecution): failed/aborted/timed out children that a
  /// redrive would run again, and those it cannot.
  int64_t pending_redrive = 0, failures_not_redrivable = 0;
};

/// What DescribeMapRun and ListMapRuns show.
struct map_run_record {
  std::string arn;             ///< arn:…:mapRun:<machine>/<label>:<id>
  std::string execution_arn;   ///< the parent execution
  std::string machine_arn;     ///< the labelled machine: arn:…:stateMachine:<machine>/<label>
  std::string label;
  std::string status = "RUNNING";  ///< RUNNING | SUCCEEDED | FAILED | ABORTED
  int64_t start_ms = 0, stop_ms = 0;
  int64_t max_concurrency = 0;
  int64_t tolerated_count = 0;
  double tolerated_percentage = 0;
  bool express = false;        ///< ProcessorConfig.ExecutionType EXPRESS
  int processor = 0;           ///< asl::machine id of the ItemProcessor
  map_run_counts items, executions;
  int64_t redrive_count = 0, redrive_ms = 0;
};

/// A child execution's record (and, in a step's output, its new events).
struct child_execution {
  std::string arn, name, map_run_arn;
  std::string machine_arn;     ///< the labelled machine ARN
  std::string status = "RUNNING";
  int64_t start_ms = 0, stop_ms = 0;
  std::string input, output, error, cause;
  bool has_output = false, has_error = false, has_cause = false;
  bool express = false;
  /// Its own redrives (by its Map Run's) and when the last one was.
  int64_t redrive_count = 0, redrive_ms = 0;
  /// History events added in this step (STANDARD children only).
  std::vector<model::history_event> events;
};

/// 64-bit FNV-1a: the hash cluster::keys::shard_of places executions by.
inline uint64_t placement_hash(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

/// Map Run ids and child execution names are version-4 UUIDs that carry the
/// placement hash of the parent execution's ARN in 16 of their random hex
/// digits (the first 12 and the first 4 of the last group), so a store can
/// find the parent's shard from a Map Run or child ARN alone. This returns
/// that hash for a Map Run or child execution ARN (`…/<label>:<uuid>…`),
/// nullopt for any other text.
std::optional<uint64_t> embedded_placement(std::string_view arn);

/// A UUID text (36 characters) from two random words, carrying `placement`.
std::string placed_uuid(uint64_t a, uint64_t b, uint64_t placement);

/// The labelled machine ARN of a Map Run ARN (":mapRun:" → ":stateMachine:",
/// without the trailing ":<id>").
std::string labelled_machine_arn(std::string_view map_run_arn);

}  // namespace sc::interp
