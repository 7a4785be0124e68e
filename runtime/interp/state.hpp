// The whole state of one execution, as one plain value.
//
// Everything the interpreter needs to continue an execution lives here:
// which state each "thread" is in (the top level, every running Parallel
// branch and Map iteration), its input, its retry counters, the tasks and
// timers it waits for. Persisting an execution is persisting this value;
// resuming it anywhere is loading it. Payloads are kept as JSON text.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sc::interp {

enum class exec_status { running, succeeded, failed, timed_out, aborted };
const char* to_string(exec_status s);  ///< "RUNNING", "SUCCEEDED", ...

/// What a thread is doing right now.
enum class phase : uint8_t {
  idle,         ///< between states (transient inside step)
  task,         ///< waiting for an activity task's outcome
  wait,         ///< Wait state: waiting for its timer
  retry,        ///< waiting for a retry back-off timer
  children,     ///< Parallel/Map: waiting for branches/iterations
  done,         ///< finished (succeeded or failed), kept until the parent collects it
};

/// A Distributed Map's S3 side (map_io.hpp). On the Map's thread: the
/// ItemReader's window of items and cursor, the I/O call in flight, the
/// ResultWriter's records not yet written and the files written. On an
/// iteration's thread: only `item`.
struct map_stream {
  /// The ItemReader, evaluated when the Map started: {"Resource",
  /// "Parameters","ReaderConfig"} ("" = the items are all in `items`).
  std::string reader;
  std::string cursor;          ///< where the next read starts (opaque JSON; "" = the start)
  bool end = false;            ///< the source has no more items
  int64_t base = 0;            ///< index of the first item in `items` (the window)
  std::string carry;           ///< ItemBatcher: selected items of the batch still open (JSON array)
  int64_t read = 0;            ///< items read so far (before batching)
  /// The S3 call in flight (a task id in execution_state::tasks; 0 =
  /// none) and its request (map_io.hpp), made again after a restart.
  int64_t io_task = 0;
  std::string io_request;
  /// ResultWriter: one JSON record per finished iteration not yet written,
  /// succeeded and failed apart, and the bytes they hold.
  std::vector<std::string> ok_records, failed_records;
  int64_t buffered_bytes = 0;
  int64_t ok_files = 0, failed_files = 0;  ///< SUCCEEDED_n / FAILED_n written so far
  int64_t io_records = 0;      ///< records in the write in flight
  bool io_failed_file = false; ///< the write in flight is a FAILED_n file
  std::string ok_entries, failed_entries;  ///< manifest entries {"Key","Size"},... written
  int64_t written = 0;         ///< results written (itemCounts.resultsWritten)
  bool closing = false;        ///< all iterations ended: writing the rest, then the manifest
  /// Redrive of a streamed Map: the items of tolerated failures (parallel
  /// to failed_items) and of the re-runs still to launch (parallel to redo).
  std::vector<std::string> failed_inputs, redo_inputs;
  /// On an iteration's thread: its item (or batch), for its ResultWriter
  /// record and a redrive.
  std::string item;
};

/// A line of control: the top level, a Parallel branch or a Map iteration.
struct thread {
  int id = 0;
  int parent = -1;              ///< parent thread (the Parallel/Map state's thread)
  int machine = 0;              ///< asl::machine id
  int state = -1;               ///< current state index in that machine
  int64_t child_index = 0;      ///< branch index or Map item index
  phase ph = phase::idle;
  bool silent = false;          ///< a Distributed Map iteration: its events are not recorded

  std::string input;            ///< raw input of the current state (JSON text)
  std::string effective;        ///< effective input (after InputPath/Parameters)
  int64_t entered_event = 0;    ///< id of the current state's …StateEntered event
  /// Id of the history event whose stored payload is `input`'s text (the
  /// Entered event or the one it refers to); 0 = none.
  int64_t input_event = 0;
  int64_t entered_ms = 0;       ///< when the current state was entered
  int64_t last_event = 0;       ///< previousEventId for the next event of this thread
  std::vector<int64_t> retries; ///< attempts so far, per retrier of the current state
  /// Workflow variables assigned in this thread's scope (a JSON object's
  /// text; "" = none). A thread reads its own and its ancestors' scopes.
  std::string variables;

  // Task
  int64_t task_id = 0;          ///< current activity task (0 = none)
  int64_t timeout_timer = 0;
  int64_t heartbeat_timer = 0;
  int64_t heartbeat_seconds = 0;
  bool task_started = false;

  // Wait / retry back-off
  int64_t timer = 0;

  // Parallel / Map bookkeeping
  std::vector<int> children;            ///< running child threads
  std::vector<std::string> results;     ///< per branch/item output JSON ("" = not yet)
  /// Map: JSON array of items (with an ItemReader, the window from
  /// ms.base on: the items not launched yet; map_s3.cpp).
  std::string items;
  int64_t item_count = 0;
  int64_t next_item = 0;
  int64_t finished = 0;
  int64_t failures = 0;
  int64_t max_concurrency = 0;          ///< 0 = unlimited
  int64_t tolerated_count = -1;         ///< -1 = not set
  double tolerated_percentage = -1;     ///< -1 = not set
  std::string map_run_arn;              ///< Distributed Map: the Map Run
  /// Map: indices of iterations whose failure was tolerated (a redrive runs
  /// them again), and indices a redrive launches before `next_item`.
  std::vector<int64_t> failed_items;
  std::vector<int64_t> redo;
  /// Redrives of this thread's Map Run (Map thread) / of the child
  /// execution this iteration thread is (runner_redrive.cpp).
  int64_t map_run_redrives = 0;
  int64_t child_redrives = 0;
  // Distributed Map (runtime/interp/map_run.hpp). On the Map's thread: the
  // Map Run's start and its children's outcomes so far.
  int64_t map_run_start_ms = 0;
  int64_t map_run_succeeded = 0, map_run_failed = 0, map_run_aborted = 0;
  // On an iteration's thread: the child execution it is (its ARN, input,
  // start and the id of its next history event).
  std::string child_arn;
  std::string child_input;
  int64_t child_start_ms = 0;
  int64_t child_next_event = 1;
  /// Items this iteration processes: the size of its batch with an
  /// ItemBatcher, else 1 (0: unknown, a thread saved before it was kept).
  int64_t child_items = 0;
  /// On a Map's thread: all its items (read so far, with an ItemReader;
  /// batched items, not batches; 0 =
  /// unknown) and the item counts of its Map Run (DescribeMapRun's
  /// itemCounts, kept as children start and end; state_map_run.cpp).
  int64_t map_items_total = 0;
  int64_t map_items_started = 0, map_items_succeeded = 0, map_items_failed = 0,
          map_items_aborted = 0;
  /// Distributed Map streaming from an ItemReader and to a ResultWriter
  /// (interp/map_io.hpp, map_s3.cpp): bounded whatever the item count.
  map_stream ms;

  // Outcome (ph == done)
  bool failed = false;
  std::string output, error, cause;
};

enum class timer_kind : uint8_t { wait, retry, task_timeout, heartbeat, execution_timeout };

struct timer_ref {
  int thread = 0;
  timer_kind kind = timer_kind::wait;
  int64_t due_ms = 0;  ///< when it fires (epoch ms, unscaled), to re-arm after a restart
};

/// How a task ended, remembered so late SendTask* calls get the right error.
enum class task_end : uint8_t { done, timed_out };

struct execution_state {
  // Identity and context
  std::string execution_arn;
  std::string state_machine_arn;
  std::string state_machine_name;
  std::string name;
  std::string role_arn;
  std::string input;            ///< execution input (JSON text)
  int64_t start_ms = 0;
  int64_t stop_ms = 0;

  exec_status status = exec_status::running;
  std::string output;           ///< when succeeded
  std::string error, cause;     ///< when failed/timed out/aborted
  bool has_error = false, has_cause = false;

  int64_t next_event_id = 1;    ///< id of the next history event
  int next_thread = 1;
  int64_t next_task = 1;
  int64_t next_timer = 1;
  uint64_t rng = 0;             ///< seed/state of the deterministic PRNG

  std::map<int, thread> threads;
  std::map<int64_t, timer_ref> timers;       ///< armed timers
  std::map<int64_t, int> tasks;              ///< open task id → thread
  std::map<int64_t, task_end> closed_tasks;  ///< finished task ids
  /// Bytes of history recorded so far (a shared payload counts once).
  int64_t history_bytes = 0;

  // Redrive (runner_redrive.cpp)
  int64_t redrive_count = 0;    ///< RedriveExecution calls that took effect
  int64_t redrive_ms = 0;       ///< the last one's time (0 = never)
  /// A Standard execution that failed, timed out or was aborted: its threads
  /// as they stood then (the failed state of each, with the branch and
  /// iteration results a Parallel or Map had collected). Empty otherwise.
  std::map<int, thread> redrive;
  /// The client tokens of the last redrives (token, redrive_ms), newest last.
  std::vector<std::pair<std::string, int64_t>> redrive_tokens;
};

}  // namespace sc::interp
