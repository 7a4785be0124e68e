// The store interface: everything a node keeps about state machines,
// activities, tags and executions.
//
// Two implementations share it: the memory store (the embedded default, no
// other service) and, later, the Redis store. The contract every
// implementation keeps, and the store test suite checks:
//  * create_* calls are idempotent in AWS's sense (same attributes → the
//    existing record, different ones → conflict);
//  * save_execution appends history and replaces the execution's record
//    and state in one atomic step: a reader sees both or neither;
//  * listing is stable under concurrent inserts and pages by an opaque key.
// All methods are thread-safe.
//
// Errors. The memory store never fails. A store backed by a service (the
// Redis store) throws `store_unavailable` from ANY method when it cannot
// complete the call: the service is unreachable or restarting, a command
// timed out, or the server refused it (OOM, LOADING, READONLY...). Nothing
// was necessarily written in that case; a write is never reported as done
// unless the service acknowledged it. The store reconnects on its own (the
// next call after a back-off period tries again). Stored data that cannot
// be decoded raises `store_error` (the base class). The asynchronous save
// reports failure through its callback instead of throwing.
#pragma once

#include "runtime/interp/map_run.hpp"
#include "runtime/interp/state.hpp"
#include "runtime/model/history_event.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sc::cluster {

/// Wall-clock time in epoch milliseconds (the stores' and the node's clock).
inline int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// A store failure other than unavailability (e.g. undecodable stored data).
class store_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The backing service cannot be reached or refused the call; retry later.
class store_unavailable : public store_error {
 public:
  using store_error::store_error;
};

/// A write of a fenced shard's execution data was refused because this node
/// no longer holds the shard's lease at the epoch the fence names (see
/// store::set_fence). Nothing was written; retrying cannot succeed.
class store_fenced : public store_error {
 public:
  using store_error::store_error;
};

struct tag {
  std::string key, value;
};

struct state_machine_record {
  std::string arn, name, definition, role_arn;
  std::string type = "STANDARD";       ///< STANDARD | EXPRESS
  int64_t creation_ms = 0;
  int64_t update_ms = 0;               ///< last UpdateStateMachine (0 = never)
  std::string logging_json;            ///< loggingConfiguration JSON text ("" = default)
  bool tracing_enabled = false;
  std::string revision_id;
  std::string description;
  std::string status = "ACTIVE";       ///< ACTIVE | DELETING (executions still running)
  std::string encryption_json;         ///< encryptionConfiguration JSON text ("" = AWS_OWNED_KEY)
};

/// One entry of an alias's routing configuration.
struct route {
  std::string version_arn;
  int64_t weight = 0;
};

/// Distributed Map changes a step made (runtime/interp/map_run.hpp), written
/// by the store in the same atomic write as the parent execution's save or
/// create: Map Run records (replaced whole; each is small) and child
/// executions (record replaced, `events` appended to the child's history).
/// Only what changed in the step is here, so a parent with 10,000 children
/// writes each child when it starts and when it ends, not on every save.
struct map_writes {
  std::vector<interp::map_run_record> runs;
  std::vector<interp::child_execution> children;
  /// Execution status change events (JSON, actors/status_events.hpp) for
  /// the shard's outbox, written in the same atomic write: a crash after
  /// the save loses none (keys::status_outbox; the memory store keeps them
  /// for take_status_events).
  std::vector<std::string> status_events;
  bool empty() const { return runs.empty() && children.empty() && status_events.empty(); }
};

/// A state machine alias (arn = machine ARN + ":" + name).
struct alias_record {
  std::string arn, name, description;
  std::vector<route> routes;
  int64_t creation_ms = 0, update_ms = 0;
};

struct activity_record {
  std::string arn, name;
  int64_t creation_ms = 0;
  std::string encryption_json;         ///< encryptionConfiguration JSON text ("" = AWS_OWNED_KEY)
};

struct execution_record {
  std::string arn, machine_arn, name;
  std::string status = "RUNNING";      ///< RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED
  int64_t start_ms = 0, stop_ms = 0;
  std::string input;
  std::string output, error, cause;
  bool has_output = false, has_error = false, has_cause = false;
  // The state machine as the execution saw it (DescribeStateMachineForExecution).
  std::string definition, role_arn;
  int64_t machine_update_ms = 0;
  std::string revision_id;
  bool express = false;
  std::string trace_header;
  /// Started through a version ARN (or an alias, which picked this version).
  std::string version_arn;
  /// Started through an alias ARN.
  std::string alias_arn;
  /// RedriveExecution: how often, and the last time (0 = never); whether
  /// the state keeps what a redrive needs (a Standard execution that ended
  /// without succeeding).
  int64_t redrive_count = 0, redrive_ms = 0;
  bool redrivable = false;
  /// The interpreter state after the last step (absent once finished and
  /// compacted). Shared and immutable.
  std::shared_ptr<const interp::execution_state> state;
  /// A child execution of a Distributed Map: its Map Run ("" otherwise).
  /// machine_arn is then the labelled machine ARN (…:stateMachine:M/label).
  std::string map_run_arn;
  /// Started on `<stateMachineArn>#<test case>`: the mock file's test case
  /// it runs ("" = none; actors/mock_config.hpp).
  std::string test_case;
  /// Not part of the record: Map Run and child changes to write with this
  /// save or create (null = none).
  std::shared_ptr<const map_writes> map_changes;
};

/// A child execution's record as the stores keep it.
inline execution_record child_record(const interp::child_execution& c) {
  execution_record r;
  r.arn = c.arn;
  r.machine_arn = c.machine_arn;
  r.name = c.name;
  r.status = c.status;
  r.start_ms = c.start_ms;
  r.stop_ms = c.stop_ms;
  r.input = c.input;
  r.output = c.output;
  r.error = c.error;
  r.cause = c.cause;
  r.has_output = c.has_output;
  r.has_error = c.has_error;
  r.has_cause = c.has_cause;
  r.express = c.express;
  r.map_run_arn = c.map_run_arn;
  r.redrive_count = c.redrive_count;
  r.redrive_ms = c.redrive_ms;
  return r;
}

enum class create_outcome { created, existing, conflict, deleting };

/// CreateStateMachineAlias's idempotency: same description and routes.
inline bool same_alias(const alias_record& a, const alias_record& b) {
  if (a.description != b.description || a.routes.size() != b.routes.size()) return false;
  for (size_t i = 0; i < a.routes.size(); ++i)
    if (a.routes[i].version_arn != b.routes[i].version_arn || a.routes[i].weight != b.routes[i].weight)
      return false;
  return true;
}

enum class publish_outcome { created, existing, quota };

/// The state machine ARN a version or alias ARN qualifies ("" when `arn`
/// has no qualifier: fewer than eight ':'-separated parts).
inline std::string unqualified_arn(const std::string& arn) {
  size_t colons = 0;
  for (char c : arn) colons += c == ':';
  if (colons != 7) return {};
  return arn.substr(0, arn.rfind(':'));
}

template <class T>
struct page {
  std::vector<T> items;
  std::string next;  ///< "" = last page; else the key to resume after
};

class store {
 public:
  virtual ~store() = default;

  // State machines -----------------------------------------------------
  /// Creates `r` unless a machine with that ARN exists; then `existing`
  /// gets it and the outcome tells whether the attributes are the same.
  virtual create_outcome create_state_machine(const state_machine_record& r,
                                              state_machine_record& existing) = 0;
  virtual std::optional<state_machine_record> get_state_machine(const std::string& arn) = 0;
  /// Replaces the record; false when it does not exist.
  virtual bool put_state_machine(const state_machine_record& r) = 0;
  /// Deletes the machine; while executions of it still run it is only
  /// marked DELETING and goes when the last one finishes (AWS's rule).
  virtual bool delete_state_machine(const std::string& arn) = 0;
  /// Ordered by ARN; `after` is the last ARN of the previous page.
  virtual page<state_machine_record> list_state_machines(const std::string& after,
                                                         size_t limit) = 0;
  /// How many state machines exist (DELETING ones included), for the
  /// StateMachineLimitExceeded quota. Cheap in the real stores.
  virtual size_t count_state_machines() = 0;

  // Versions and aliases (kept per state machine; a version is a frozen
  // copy of the machine record whose arn is the version ARN and whose
  // creation_ms is the publication time) ---------------------------------
  /// Publishes `v` (arn ignored) as the next version of `machine_arn`,
  /// numbered after every version ever published, unless the newest
  /// existing version has v.revision_id: then that one is `out` and the
  /// outcome `existing`. `quota` when `max_versions` exist already.
  virtual publish_outcome publish_version(const std::string& machine_arn,
                                          const state_machine_record& v, size_t max_versions,
                                          state_machine_record& out) = 0;
  virtual std::optional<state_machine_record> get_version(const std::string& version_arn) = 0;
  /// Newest first; `after` is the last version ARN of the previous page.
  virtual page<state_machine_record> list_versions(const std::string& machine_arn,
                                                   const std::string& after, size_t limit) = 0;
  virtual bool delete_version(const std::string& version_arn) = 0;
  /// Creates `a` unless an alias with that ARN exists (then `existing` gets
  /// it; outcome existing or conflict as for state machines: same
  /// description and routes = existing). `deleting` stands for "quota".
  virtual create_outcome create_alias(const alias_record& a, size_t max_aliases,
                                      alias_record& existing) = 0;
  virtual std::optional<alias_record> get_alias(const std::string& alias_arn) = 0;
  /// Replaces the alias; false when it does not exist.
  virtual bool put_alias(const alias_record& a) = 0;
  virtual bool delete_alias(const std::string& alias_arn) = 0;
  /// Every alias of the machine, ordered by ARN.
  virtual std::vector<alias_record> list_aliases(const std::string& machine_arn) = 0;
  /// Forgets every version and alias of the machine (and its version count).
  virtual void delete_versions_and_aliases(const std::string& machine_arn) = 0;

  // Activities ---------------------------------------------------------
  virtual create_outcome create_activity(const activity_record& r, activity_record& existing) = 0;
  virtual std::optional<activity_record> get_activity(const std::string& arn) = 0;
  virtual bool delete_activity(const std::string& arn) = 0;
  virtual page<activity_record> list_activities(const std::string& after, size_t limit) = 0;
  /// How many activities exist, for the ActivityLimitExceeded quota.
  virtual size_t count_activities() = 0;
  /// How many Standard executions are RUNNING whose ARN starts with
  /// `namespace_prefix` ("arn:aws:states:REGION:ACCOUNT:"), for AWS's open
  /// executions quota (ExecutionLimitExceeded); nullopt = this store does
  /// not count them (the quota is then not enforced).
  virtual std::optional<size_t> count_open_executions(const std::string& namespace_prefix) {
    return std::nullopt;
  }
  /// Whether fewer than `limit` such executions are open: the check behind
  /// ExecutionLimitExceeded. A store may answer from a recent count when
  /// the limit is far away (the Redis store: redis_store_quotas.cpp).
  virtual bool open_executions_below(const std::string& namespace_prefix, size_t limit) {
    auto n = count_open_executions(namespace_prefix);
    return !n || *n < limit;
  }

  // Tags (state machines and activities) -------------------------------
  virtual std::vector<tag> get_tags(const std::string& arn) = 0;
  virtual void set_tags(const std::string& arn, const std::vector<tag>& tags) = 0;

  // Executions ---------------------------------------------------------
  /// Inserts a new execution; when one with that ARN exists, `existing`
  /// gets it and the outcome is `existing` (the caller decides whether the
  /// request was an idempotent retry).
  virtual create_outcome create_execution(const execution_record& r,
                                          const std::vector<model::history_event>& events,
                                          execution_record& existing) = 0;
  virtual std::optional<execution_record> get_execution(const std::string& arn) = 0;
  /// The record without its interpreter state (`state` stays null; a
  /// finished execution's `definition` may be empty too): what
  /// DescribeExecution and existence checks need, without reading and
  /// decoding the state.
  virtual std::optional<execution_record> get_execution_record(const std::string& arn) {
    return get_execution(arn);
  }
  /// Atomically appends `events` and replaces the record (and its state).
  virtual void save_execution(const execution_record& r,
                              const std::vector<model::history_event>& events) = 0;
  /// Newest first. `status` empty = all. `after` is the previous page's key.
  virtual page<execution_record> list_executions(const std::string& machine_arn,
                                                 const std::string& status,
                                                 const std::string& after, size_t limit) = 0;
  /// Events with id in [from, from+limit) going forward, or (from-limit, from]
  /// going backward when `reverse` (from = 0 means "the end").
  virtual std::vector<model::history_event> get_history(const std::string& arn, int64_t from,
                                                        size_t limit, bool reverse) = 0;
  virtual int64_t history_length(const std::string& arn) = 0;
  /// Executions not yet finished (for restart/recovery).
  virtual std::vector<execution_record> running_executions() = 0;

  // Map Runs (written only through execution_record::map_changes) --------
  /// get_execution_record, get_history and history_length also answer for
  /// child executions (their records carry map_run_arn); list_executions
  /// never lists them.
  virtual std::optional<interp::map_run_record> get_map_run(const std::string& arn) = 0;
  /// The Map Runs of an execution, newest first; `after` is the previous
  /// page's key.
  virtual page<interp::map_run_record> list_map_runs(const std::string& execution_arn,
                                                     const std::string& after, size_t limit) = 0;
  /// A Map Run's child executions, newest first; `status` empty = all.
  virtual page<execution_record> list_map_run_executions(const std::string& map_run_arn,
                                                         const std::string& status,
                                                         const std::string& after,
                                                         size_t limit) = 0;

  // Additions with defaults (the memory store keeps them) ----------------
  /// save_execution without waiting: `done(true)` once the save is durable
  /// in the store's sense (acknowledged by the service), `done(false)` when
  /// it failed (it may or may not have been applied). Saves of one
  /// execution are applied in call order (also relative to save_execution).
  /// `done` may run on a store thread (the Redis store's writer) and must be
  /// quick. The default saves synchronously, then calls done(true) — or
  /// done(false) if save_execution threw — on the caller's thread.
  virtual void save_execution_async(const execution_record& r,
                                    std::vector<model::history_event> events,
                                    std::function<void(bool ok)> done) {
    bool ok = true;
    try {
      save_execution(r, events);
    } catch (const store_error&) {
      ok = false;
    }
    if (done) done(ok);
  }
  /// Keep finished executions (record, state, history) this long after they
  /// finish, then let them expire; 0 = forever (the default). Applies to
  /// executions finishing after the call.
  virtual void set_retention(std::chrono::seconds keep) {}
  /// Memory store: keep executions within about `bytes`, forgetting the
  /// oldest finished ones beyond it (running ones are never forgotten);
  /// 0 = no budget. Other stores ignore it.
  virtual void set_memory_budget(size_t bytes) {}
  /// True when a synchronous save costs no I/O (the memory store), so a
  /// caller on a network thread may save directly.
  virtual bool in_process() const { return false; }
  /// Memory store: up to `max` status change events saved with executions
  /// (map_writes::status_events), oldest first, removed. The Redis store
  /// keeps them in each shard's outbox list instead (read by
  /// actors/status_events.cpp); this default returns none.
  virtual std::vector<std::string> take_status_events(size_t max) { return {}; }

  // Fencing (cluster mode; the memory store ignores it) -----------------
  /// From now on, every save of shard `shard`'s executions by this store
  /// (save_execution, save_execution_async) first checks, atomically with
  /// the write, that the shard's lease is still held by `node_id` at
  /// `epoch` (keys::lease_value); when it is not, nothing is written and
  /// the call fails: store_fenced from save_execution, done(false) from the
  /// asynchronous save. A save is checked against the fence in force when
  /// it was submitted. create_execution is fenced only for a started,
  /// still RUNNING execution (the owner's create after its first step);
  /// otherwise it is an atomic create-if-absent that any node may do
  /// (an unstarted one before telling the shard's owner, or one that
  /// finished in its first step). Replaces any earlier fence of the shard; out-of-range shards
  /// are ignored.
  virtual void set_fence(int shard, uint64_t epoch, const std::string& node_id) {}
  /// Removes the shard's fence: its writes are no longer checked.
  virtual void clear_fence(int shard) {}
};

/// The in-memory store (single node, nothing survives the process).
std::unique_ptr<store> make_memory_store();

}  // namespace sc::cluster
