// The interpreter's engine, private to runtime/interp.
//
// `step` (step.cpp) builds a `runner` over the next state and hands it one
// event. The runner's methods live in files named after their concern:
//
//   runner_inputs.cpp    what each input event does (start, timers, task answers, stop)
//   runner_events.cpp    history events, the history limit, closing the execution
//   runner_threads.cpp   threads, tasks and timers bookkeeping; aborting children
//   runner_data.cpp      InputPath/Parameters/ResultSelector/ResultPath/OutputPath, $$
//   runner_flow.cpp      drive/enter/execute/exit_state, thread completions
//   runner_errors.cpp    Retry and Catch
//   state_*.cpp          the work of each state type
//
// Each state's work returns a `flow` (blocked / go to state n / end / fail)
// and `drive` loops over flows, so a chain of a thousand Pass states is a
// loop, not recursion. A Parallel/Map drives its children from inside its
// own step (nesting as deep as the definition does), but a child that
// completes its parent only defers the parent's continuation
// (`drive_later`): the parent's own `drive` picks it up once the child's
// calls have returned, so a Catch or Choice looping back to a Parallel or
// Map is a loop too, in the same event order as if it had been nested.
#pragma once

#include "runtime/interp/step.hpp"

#include "runtime/eval/failure.hpp"
#include "runtime/eval/jsonata_template.hpp"
#include "runtime/eval/payload.hpp"
#include "runtime/json/json.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sc::interp::detail {

using eval::failure;

/// Whether event details are built (off for Express executions).
extern thread_local constinit bool record_details;

/// Small builder for the JSON object text of event details.
class details {
 public:
  details& str(const char* k, std::string_view v) {
    if (!record_details) return *this;
    key(k);
    out_ += json::quote(v);
    return *this;
  }
  details& num(const char* k, int64_t v) {
    if (!record_details) return *this;
    key(k);
    out_ += std::to_string(v);
    return *this;
  }
  /// `k` holds a JSON payload (input/output): kept raw, escaped into a
  /// JSON string plus `<k>Details` only when the history is read.
  /// The text is viewed, not copied: it must outlive the emit() call the
  /// details are built for (they always are built in its argument list or
  /// just before it).
  /// `k` holds JSON text written as is (an object, not a payload).
  details& raw(const char* k, std::string_view json_text) {
    if (!record_details) return *this;
    key(k);
    out_ += json_text;
    return *this;
  }
  details& payload(const char* k, std::string_view json_text) {
    if (!record_details) return *this;
    payload_key_ = k;
    payload_ = json_text;
    return *this;
  }
  details done() {
    out_ = out_.empty() ? "{}" : out_ + "}";
    return std::move(*this);
  }
  std::string text() const { return out_; }
  std::string payload_key_;
  std::string_view payload_;

 private:
  void key(const char* k) {
    out_ += out_.empty() ? "{" : ",";
    out_ += '"';
    out_ += k;
    out_ += "\":";
  }
  std::string out_;
};

enum class flow_kind { blocked, next, end, fail, again };

struct flow {
  flow_kind kind = flow_kind::blocked;
  int next = -1;
  std::string data;  ///< output (next/end)
  failure f;         ///< fail
  bool has_cause = true;
  bool has_error = true;

  static flow blocked() { return {}; }
  /// Do the work of the thread's current state again (a retry).
  static flow again() { return {flow_kind::again, -1, {}, {}}; }
  static flow go(int n, std::string out) { return {flow_kind::next, n, std::move(out), {}}; }
  static flow end(std::string out) { return {flow_kind::end, -1, std::move(out), {}}; }
  static flow fail(failure f, bool has_error = true, bool has_cause = true) {
    flow fl{flow_kind::fail, -1, {}, std::move(f)};
    fl.has_error = has_error;
    fl.has_cause = has_cause;
    return fl;
  }
};

const char* entered_type(asl::state_type t);  ///< "PassStateEntered", …
const char* exited_type(asl::state_type t);   ///< "PassStateExited", …

class state_tester;  // test_state_exec.cpp: TestState's single step

class runner {
  friend class state_tester;

 public:
  runner(const asl::definition& def, step_result& r, int64_t now, const limits& lim)
      : def_(def), s_(r.next), r_(r), now_(now), lim_(lim) {
    random_.state = s_.rng;
    record_details = lim.record_history;
  }
  ~runner() {
    s_.rng = random_.state;
    record_details = true;
  }

  // runner_inputs.cpp: the input events
  void start();
  /// A timer fell due. Any armed timer due before it fires first, in (due,
  /// id) order: deliveries can arrive out of due order (a timer dropped
  /// while the node did not own the shard is re-armed by the recovery scan
  /// after a later one already fired), and the history must not show it.
  void on_timer(int64_t timer);
  void fire(int64_t timer);
  /// A Wait state's timer fell due: Assign, OutputPath (or Output), exit.
  flow wait_done(thread& t, const asl::state& st);
  void on_activity_started(const ev_activity_started& e);
  /// A worker answered before its ActivityStarted arrived (the notice and
  /// the answer took different paths): record the start first, as AWS's
  /// history always has it, without a worker name.
  void ensure_started(thread& t);
  void on_task_succeeded(const ev_task_succeeded& e);
  void on_task_failed(const ev_task_failed& e);
  void on_task_heartbeat(const ev_task_heartbeat& e);
  /// state_task_integration.cpp: an integration call's outcome.
  void on_integration(const ev_integration& e);
  /// An answer to a Distributed Map's cmd_map_io (map_s3.cpp); false:
  /// `e.task` is not one.
  bool on_map_io(const ev_integration& e);
  void on_stop(const ev_stop& e);
  /// runner_redrive.cpp: RedriveExecution.
  void on_redrive(const ev_redrive& e);
  /// UpdateMapRun (state_map_run.cpp): new limits for a running Map Run,
  /// in force at once (more iterations start when the concurrency grew).
  void on_update_map_run(const ev_update_map_run& e);
  /// StopExecution of a child execution (state_map_run.cpp).
  void on_stop_child(const ev_stop_child& e);
  /// Called after every event: enforces the history limit for events
  /// recorded outside `drive` (ActivityStarted, …).
  void finish_step();

 private:
  // runner_redrive.cpp
  /// A failing Parallel/Map (or a stop/timeout, for the root) is about to
  /// drop its children: copies `p` and its subtree for a later redrive.
  void stash_children(const thread& p);
  /// At the end of a Standard execution that did not succeed: keeps the
  /// threads a redrive resumes (execution_state::redrive).
  void keep_for_redrive();
  const thread* kept(int id) const;
  void copy_tree(int id, std::map<int, thread>& out);
  /// Continues a kept thread: its state again, or its Parallel's/Map's
  /// unfinished children.
  flow resume(thread& t);
  flow resume_children(thread& p, const asl::state& st);
  std::map<int, thread> stash_;  ///< this step's stashed subtrees

  // runner_events.cpp
  int64_t emit(thread& t, const char* type, const char* key, details det,
               bool advance = true);
  int64_t emit_exec(const char* type, const char* key, details det, int64_t prev);
  /// Appends an event. Once the history is one event short of its limit,
  /// other events are dropped and the execution fails (the failure event
  /// takes the last slot), as AWS fails executions at 25,000 events.
  /// A large payload equal to one of the step's recent events, or to the
  /// emitting thread's state input (`t`), is stored as a reference to it;
  /// the bytes the history holds are counted against
  /// limits::history_bytes.
  int64_t push_event(const char* type, const char* key, details det, int64_t prev,
                     bool execution_level = false, const thread* t = nullptr);
  /// The event whose stored payload text is `text`, if a recent one has it.
  int64_t shared_payload(std::string_view text, const thread* t) const;
  void close_execution(exec_status status, const char* type, const char* key,
                       const std::string& error, const std::string& cause, bool has_error,
                       bool has_cause);
  void finish(exec_status status);

  /// An event without details (…Started, …Succeeded of Parallel/Map).
  int64_t emit(thread& t, const char* type, const char*, const char*, bool advance = true) {
    return emit(t, type, "", details(), advance);
  }

  // runner_threads.cpp
  thread& new_thread(int parent, int machine, int64_t child_index);
  thread* task_thread(int64_t task);
  void reject(int64_t task);
  void cancel_timer(int64_t& timer);
  void close_task(thread& t, task_end how);
  void arm_heartbeat(thread& t);
  int64_t arm_timer(thread& t, timer_kind kind, int64_t due);
  /// `now + seconds`, in ms, saturating: a timeout or Wait given as any
  /// number up to INT64_MAX (the validator and the *Path fields allow it)
  /// is due in ~35,000 years instead of overflowing.
  int64_t due_after(double seconds) const {
    constexpr double longest = double(int64_t(1) << 40);
    if (!(seconds >= 0)) seconds = 0;
    if (seconds > longest) seconds = longest;
    return now_ + static_cast<int64_t>(seconds * 1000);
  }
  std::pair<bool, bool> fail_flag(int id);
  void remove_child(thread& p, int cid);
  /// Aborts every running child of `p` (and their descendants) except `keep`.
  void abort_children(thread& p, int keep);
  void abort_thread(thread& t);
  /// Stop/timeout: records the …Aborted events of every running Parallel
  /// and Map (innermost first), then releases tasks and timers.
  void abort_children_of_all();
  void record_aborts(thread& t);

  const asl::machine& machine_of(const thread& t) const { return *def_.machines[t.machine]; }
  const asl::state& state_of(const thread& t) const { return machine_of(t).states[t.state]; }

  // runner_data.cpp
  /// The context object ($$) for thread `t` in its current state.
  void build_context(const thread& t, json::document& ctx, const json::value* map_item = nullptr,
                     int64_t map_index = 0);
  /// A version-4 UUID from the execution's deterministic PRNG.
  std::string uuid();
  std::string runtime_prefix(const thread& t) const;
  failure runtime(const thread& t, std::string msg) const;
  /// States.Runtime for a value `what` nesting deeper than json::max_depth:
  /// nothing could parse it again. Every value a state passes on (output,
  /// effective input, iteration input) is held to that bound, so no value
  /// the interpreter walks recursively is ever much deeper.
  failure too_deep(const thread& t, const char* what) const;
  static bool too_deep(const std::string& json_text) {
    return json::nesting_depth(json_text) > json::max_depth;
  }
  /// Eval failures of type States.Runtime get the state prefix.
  failure decorate(const thread& t, failure f) const;
  /// InputPath: absent → whole input, null → {}, else the selected node.
  std::optional<failure> apply_input_path(const thread& t, const asl::path_field& pf,
                                          const json::value& in, json::document& out);
  std::optional<failure> apply_template(const thread& t, const eval::payload_template& tpl,
                                        const json::value& in, json::document& out,
                                        const json::value* map_item = nullptr,
                                        int64_t map_index = 0);
  /// ResultPath: merge `result` into `raw` (the state's raw input).
  std::optional<failure> apply_result_path(const thread& t, const asl::path_field& pf,
                                           json::document& raw, json::value&& result);
  /// OutputPath over an already parsed value.
  std::optional<failure> apply_output_path(const thread& t, const asl::state& st,
                                           const json::value& in, std::string& out);
  std::optional<failure> apply_output_path(const thread& t, const asl::state& st,
                                           const std::string& in, std::string& out);
  /// InputPath then Parameters: the effective input of Task/Parallel/Map.
  std::optional<failure> effective_input(thread& t, const asl::state& st, std::string& out);
  /// ResultSelector → ResultPath → OutputPath for a state's result.
  flow finish_with_result(thread& t, const asl::state& st, json::value&& result,
                          json::allocator& ra);

  /// Selects path `p` for thread `t`: from `in`, the context object
  /// (`$$…`) or a workflow variable (`$name…`). False when nothing matched.
  bool select(const thread& t, const eval::path& p, const json::value& in, json::value& out,
              json::allocator& a);

  // runner_variables.cpp
  /// The workflow variables `t` can read: its own scope's and its
  /// ancestors' (a Distributed Map iteration starts a new chain), merged
  /// into one object; nullptr when the definition assigns none. Valid until
  /// the next `assign`.
  const json::value* variables(const thread& t);
  /// Assign: evaluates `tpl` against `from` with the variables from before
  /// (every expression of the state has been evaluated already), stores the
  /// values as `t`'s pending scope and keeps the assignedVariables for the
  /// Exited event.
  std::optional<failure> assign(thread& t, const eval::payload_template& tpl,
                                const json::value& from);
  /// Stores the members of `values` as `t`'s pending assignments, within
  /// AWS's limits (256 KiB per variable and per Assign, 10 MiB for all of
  /// an execution's variables): past them, States.DataLimitExceeded.
  std::optional<failure> store_assigned(thread& t, const json::value& values);
  /// At the Exited event: stores `t`'s pending scope (if any) and adds the
  /// assignedVariables to the event's details.
  details& commit_assigned(thread& t, details& d);

  // runner_jsonata.cpp: JSONata states
  const jsonata::environment& jsonata_env();
  /// The bindings for the expressions of `fields`: `$states` (input, and
  /// result / errorOutput / context when given or read) and the variables
  /// the fields read.
  eval::jsonata_scope jsonata_scope_for(thread& t,
                                        std::initializer_list<const asl::jsonata_field*> fields,
                                        const json::value* result = nullptr,
                                        const json::value* error_output = nullptr,
                                        const json::value* map_item = nullptr,
                                        int64_t map_index = 0);
  /// Records EvaluationFailed (and a Map's/Parallel's …StateFailed) for a
  /// failed expression and returns the failure with the state prefix.
  /// `at_entry`: the state failed as it started (AWS chains the event to
  /// the one before …StateEntered).
  failure query_failed(thread& t, const asl::state& st, failure f, const std::string& location,
                       bool at_entry);
  std::optional<failure> eval_field(thread& t, const asl::state& st,
                                    const asl::jsonata_field& field,
                                    const eval::jsonata_scope& scope, json::value& out,
                                    json::allocator& a, bool at_entry);
  std::optional<failure> jsonata_assign(thread& t, const asl::state& st,
                                        const asl::jsonata_field& field,
                                        const eval::jsonata_scope& scope, bool at_entry);
  /// A numeric field given as an expression (MaxConcurrency, Seconds, …).
  std::optional<failure> jsonata_number(thread& t, const asl::state& st,
                                        const asl::jsonata_field& field,
                                        const eval::jsonata_scope& scope, const char* name,
                                        bool integer, double& out);
  /// Output (or the default), then Assign, then the Exited event.
  flow jsonata_exit(thread& t, const asl::state& st, const asl::jsonata_field& output,
                    const asl::jsonata_field& assign, const json::value* result,
                    const std::string* default_output, bool at_entry);
  flow exec_pass_jsonata(thread& t, const asl::state& st);
  flow exec_succeed_jsonata(thread& t, const asl::state& st);
  flow exec_fail_jsonata(thread& t, const asl::state& st);
  flow exec_choice_jsonata(thread& t, const asl::state& st);
  flow exec_wait_jsonata(thread& t, const asl::state& st);
  flow wait_done_jsonata(thread& t, const asl::state& st);
  /// Arguments (the input of a Task or of each Parallel branch).
  std::optional<failure> jsonata_arguments(thread& t, const asl::state& st, std::string& out);
  /// A Task's Credentials.RoleArn into `role`: a literal (already there),
  /// a JSONPath `RoleArn.$` into the state input (States.Runtime when it
  /// selects nothing or not a string), or a JSONata expression
  /// (States.QueryEvaluationError when it is not a non-empty string).
  std::optional<failure> credentials_role(thread& t, const asl::state& st, std::string& role);
  std::optional<failure> jsonata_task_timeouts(thread& t, const asl::state& st, int64_t& timeout,
                                               int64_t& heartbeat);
  /// Output and Assign over a Task's/Parallel's/Map's result.
  flow finish_jsonata(thread& t, const asl::state& st, const json::value& result);
  std::optional<failure> jsonata_map_items(thread& t, const asl::state& st, json::document& items);
  std::optional<failure> jsonata_map_limits(thread& t, const asl::state& st, int64_t& maxc,
                                            int64_t& tol_count, double& tol_pct);
  std::optional<failure> jsonata_item_selector(thread& m, const asl::state& st,
                                               const json::value& item, int64_t index,
                                               std::string& out);
  flow catch_jsonata(thread& t, const asl::state& st, const asl::catcher& c,
                     const json::value& error_output);

  // runner_flow.cpp
  /// Emits the Exited event and moves to the next state (or ends).
  /// `depth_checked`: the caller knows `out` nests at most json::max_depth.
  flow exit_state(thread& t, const asl::state& st, const std::string& out,
                  bool depth_checked = false);
  /// Runs `t` forward from `f` until it blocks or finishes. The outermost
  /// call also runs the continuations deferred by `drive_later`.
  void drive(thread& t, flow f);
  /// What a parent does when a child completes it (a Parallel/Map state
  /// ends): `f` continues thread `t` once the calls between here and `t`'s
  /// own `drive` (if any) have returned. A loop through a Parallel or Map
  /// is therefore iteration, not recursion; the stack grows only with the
  /// nesting of the definition.
  void drive_later(thread& t, flow f);
  /// The loop of `drive`: one flow after another for `t`.
  void run(thread& t, flow f);
  /// Moves the newest continuation deferred for `thread_id` into `f`.
  bool take_deferred(int thread_id, flow& f);
  /// Closes the execution: ExecutionFailed, States.Runtime, history limit.
  void fail_at_history_limit();
  flow enter(thread& t, int index, std::string input);
  /// Does the work of the current state (also re-run by a retry).
  flow execute(thread& t, const asl::state& st);
  void thread_succeeded(thread& t, std::string output);
  void thread_failed(thread& t, const flow& f);
  void child_done(thread& c);

  // runner_errors.cpp
  static bool matches(const std::vector<std::string>& names, const std::string& error);
  /// True when a retrier of `t`'s state matches `error` and has attempts left.
  bool will_retry(const thread& t, const std::string& error) const;
  flow handle_error(thread& t, const flow& f);

  // state_pass.cpp, state_choice.cpp, state_succeed_fail.cpp, state_wait.cpp
  /// Pass: InputPath → Parameters → Result → ResultPath → OutputPath. The
  /// hot path of the pass-chain benchmark, so it works inside one document:
  /// no copy of the input for `$` paths, templates allocate in place.
  flow exec_pass(thread& t, const asl::state& st);
  flow exec_choice(thread& t, const asl::state& st);
  flow exec_succeed(thread& t, const asl::state& st);
  flow exec_fail(thread& t, const asl::state& st);
  flow exec_wait(thread& t, const asl::state& st);

  // state_task.cpp
  flow exec_task(thread& t, const asl::state& st);
  flow task_result(thread& t, const asl::state& st, const std::string& output);
  /// TimeoutSeconds/HeartbeatSeconds (literal, *Path or JSONata) of a Task.
  std::optional<failure> task_timeouts(thread& t, const asl::state& st, int64_t& timeout,
                                       int64_t& heartbeat);

  // state_task_integration.cpp: service integrations (integration.hpp)
  /// The Task's work when its Resource is an integration: TaskScheduled and
  /// cmd_call_integration.
  flow exec_integration(thread& t, const asl::state& st);
  /// Whether `t`'s current Task calls an integration (not an activity).
  bool integration_task(const thread& t) const;
  /// Records TaskStarted for an integration task once (before its outcome).
  void integration_started(thread& t);
  /// The withdraw command for `t`'s open task (activity or integration).
  void push_cancel(const thread& t);
  /// The task token of `task` ($$.Task.Token).
  std::string task_token(int64_t task) const;

  // state_parallel.cpp
  flow exec_parallel(thread& t, const asl::state& st);
  flow parallel_done(thread& t, const asl::state& st);
  /// A Parallel's or Map's children are all done: their results, in order,
  /// as one array through ResultSelector/ResultPath/OutputPath.
  flow finish_children(thread& t, const asl::state& st);
  void parallel_child_done(thread& p, thread& c, const asl::state& st);

  // state_map.cpp
  /// Resolves an integer-valued field given literally or by a path.
  std::optional<failure> int_field(const thread& t, const json::value& in,
                                   const std::optional<eval::path>& p, const char* field,
                                   int64_t& out);
  flow exec_map(thread& t, const asl::state& st);
  /// Starts Map iterations while the concurrency limit allows. Iterations
  /// that finish synchronously are collected by the loop itself (see
  /// `launching_`), so a long Map is a loop, not a recursion.
  void launch_iterations(thread& p);
  flow map_done(thread& t, const asl::state& st);
  void map_child_done(thread& p, thread& c, const asl::state& st);
  void abort_map_children(thread& p, int failed_child, const asl::state& st);

  // map_items.cpp
  /// ItemReader / ResultWriter: the S3 calls Statecraft cannot make yet.
  std::optional<failure> map_sources_unavailable(thread& t, const asl::state& st);
  // map_s3.cpp: ItemReader / ResultWriter through cmd_map_io (map_io.hpp).
  /// The ItemReader evaluated into t.ms.reader (nothing read yet).
  std::optional<failure> map_reader_begin(thread& t, const asl::state& st, const json::value& eff);
  /// WriterConfig alone: the Map's results, transformed.
  std::optional<failure> write_map_results(thread& t, const asl::state& st, json::document& out);
  /// A ResultWriter with a Resource (results streamed to S3).
  bool map_writes(const asl::state& st) const;
  int64_t map_window(const thread& m) const;
  /// Asks for the next window of items when the Map's runs low.
  void map_refill(thread& m);
  void map_io_issue(thread& m, std::string request);
  void map_io_forget(thread& m);
  void map_stream_end(thread& m);
  /// A read or write failed: the Map fails (its running children stop).
  void map_io_failed(thread& m, const asl::state& st, failure f);
  /// ResultWriter: keeps a finished iteration's record (writes a file when full).
  void map_keep_result(thread& p, const thread& c, const asl::state& st, bool failed);
  /// ResultWriter: the next results file due, or (closing) the manifest.
  std::optional<flow> map_write_next(thread& m, const asl::state& st);
  /// ItemSelector on each item, then ItemBatcher: `items` becomes the
  /// iterations' inputs, {"BatchInput": …, "Items": [...]}. No-op unbatched.
  /// `carry`: a streamed window that is not the last: the batch still open
  /// is kept in t.ms.carry for the next window (which starts with it).
  std::optional<failure> batch_map_items(thread& t, const asl::state& st, const json::value& eff,
                                         json::document& items, bool carry = false);
  std::optional<failure> batch_limit(thread& t, const asl::state& st, const json::value& eff,
                                     const char* name, const std::optional<int64_t>& lit,
                                     const std::optional<eval::path>& path,
                                     const asl::jsonata_field& expr, int64_t max, int64_t& out);
  /// Items one iteration's input holds (a batch's "Items", else 1) and
  /// all the Map's items (map_items.cpp); no parsing.
  static int64_t batch_size(const asl::state& st, const json::value& item);
  static int64_t map_items_in(const asl::state& st, const json::value& items);
  /// How many items iteration `index` carries (1 unless batched), and all
  /// (parse the items: for threads saved before child_items was kept).
  int64_t map_iteration_items(const thread& p, const asl::state& st, int64_t index) const;
  int64_t map_total_items(const thread& p, const asl::state& st) const;
  /// Failed items past ToleratedFailureCount or ToleratedFailurePercentage.
  bool map_threshold_exceeded(const thread& p, const asl::state& st) const;

  // state_map_run.cpp: Map Runs and child executions (map_run.hpp)
  /// The iteration thread whose child execution `t` runs in (itself or an
  /// ancestor); nullptr when `t` is not inside a Distributed Map iteration.
  thread* child_root(thread& t);
  /// emit() for a thread inside a child execution: the event goes to the
  /// child's own history (STANDARD children), numbered from 1.
  int64_t child_emit(thread& t, const char* type, const char* key, details det, bool advance);
  /// A Distributed Map starts its Map Run (ARN, start, record).
  void map_run_begin(thread& m, const asl::state& st);
  /// The Map Run's record as it is now, with `status`, into the step's output.
  void note_map_run(thread& m, const char* status);
  /// Iteration `c` of Map thread `m` starts as a child execution.
  void child_begin(thread& m, thread& c, const std::string& input);
  /// The child execution of `c` ends: SUCCEEDED, FAILED or ABORTED (with
  /// `stop`'s error and cause when stopped by StopExecution).
  void child_end(thread& c, const char* status, const ev_stop_child* stop = nullptr);
  /// The step's output record of `c`'s child execution (created once per step).
  child_execution& child_write(thread& c);

  const asl::definition& def_;
  execution_state& s_;
  step_result& r_;
  int64_t now_;
  const limits& lim_;
  eval::rng random_;
  json::document exec_input_;
  /// TestState's `context`: merged over the Context object build_context makes.
  const json::value* context_override_ = nullptr;
  std::optional<json::document> carried_;  ///< exec_pass: last Pass output, parsed
  std::string carried_text_;               ///< … and as text
  bool exec_input_parsed_ = false;
  std::map<int, std::pair<bool, bool>> fail_flags_;
  /// Map entries (thread, entered_event) whose launch loop is running.
  std::set<std::pair<int, int64_t>> launching_;
  /// Continuations from `drive_later`: (thread id, flow), newest last.
  std::vector<std::pair<int, flow>> deferred_;
  /// $$.Task.Token while a `.waitForTaskToken` Task builds its parameters.
  std::string context_token_;
  std::optional<jsonata::environment> jenv_;  ///< JSONata's time and generator for this step
  jsonata::value carried_value_;     ///< the last JSONata Output, as a value …
  std::string carried_value_text_;   ///< … and as the text the next state gets
  /// Per thread: (its …StateEntered id, that event's previousEventId).
  std::map<int, std::pair<int64_t, int64_t>> entered_prev_;
  json::document vars_;          ///< `variables()`'s merged view …
  int vars_thread_ = -1;         ///< … for this thread (-1 = none built)
  std::string assigned_;         ///< assignedVariables of the state about to exit
  int pending_thread_ = -1;      ///< the thread whose Assign awaits its Exited event
  std::string pending_scope_;    ///< … and its scope's text with the new values
  int drive_depth_ = 0;          ///< nested `drive` calls on the stack
  std::map<std::string, size_t> map_run_slot_;  ///< r_.map_runs index by ARN
  std::map<std::string, size_t> child_slot_;    ///< r_.children index by ARN
  bool over_limit_ = false;      ///< the history limit was reached in this step
  bool over_bytes_ = false;      ///< ... and it was the limit on its bytes
  int64_t earlier_ref_ = 0;      ///< an earlier step's payload event referred to in this one
  std::string earlier_text_;     ///< ... and its text
};

}  // namespace sc::interp::detail
