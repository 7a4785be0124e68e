// Private to actors/: the CAF types, atoms and message payloads, and the
// node's shared innards. Included only by actors/*.cpp.
//
// Message catalogue (untyped actors, matched on atoms):
//   execution actor (one per execution that has something to do)
//     (act_start_atom, int64 task, string worker, bool shared)
//                                                    a worker took task `task` (from the
//                                                    cluster's shared queue when `shared`)
//     (act_start_atom, int64 task, string worker, bool shared, handout)
//                                                    the same, the worker's poll answered
//                                                    once the start is stored
//     (task_atom, task_outcome)                      SendTaskSuccess/Failure/Heartbeat
//     (timer_atom, int64 timer)                      a timer of the execution fell due
//     (stop_atom, stop_request)                      StopExecution
//     (redrive_atom, redrive_request)                RedriveExecution (also wakes one that is over)
//     (map_update_atom, map_update_request)          UpdateMapRun, StopExecution of a child
//     (persisted_atom, uint64 seq, bool ok)          the store acknowledged save `seq`
//     (resave_atom, uint64 seq)                      retry save `seq` after a failure
//     (passivate_atom, uint64 epoch)                 idle check: go to sleep if still idle
//     (integ_atom, ev_integration)                   an integration call's outcome
//                                                    (actors/integrations.cpp)
//   activity queue actor (one per activity ARN)
//     (schedule_atom, queued_task)                   a task to hand to a worker
//     (cancel_atom, string token)                    withdraw a queued task
//     (poll_atom, poll_request)                      a parked GetActivityTask
//     (expire_atom, uint64 poll id)                  a parked poll's deadline
//     (ready_atom)                                   cluster: the shared queue may have tasks
//     (flush_atom)                                   cluster: share tasks held too long
//   timer service (one per node)
//     (arm_atom, string arn, int64 timer, int64 due) remember a timer
//     (cancel_atom, string arn, int64 timer)         forget a cancelled timer
//     (forget_atom, string arn)                      forget every timer of a finished execution
//     (tick_atom)                                    fire what is due
//     (sweep_atom)                                   send passivate_atom to actors idle
//                                                    long enough (node::impl::idle_soon)
//   supervisor
//     (crashed_atom, actor_addr, string arn)         an execution actor died abnormally
//                                                    (sent by the functor watch() attaches)
//
// Routing. Everything addressed to an execution goes through
// node::impl::route(arn, …), which finds the execution's actor or wakes it
// from the store. Idle executions (waiting for a timer or a worker) do not
// keep an actor: they sleep in the store, their timers live in the timer
// service, and the next message wakes them.
//
// Replies travel in `reply<T>` holders: if a message carrying one is
// dropped (its actor already quit), the holder's destructor answers with a
// fallback, so no HTTP request ever waits forever.
#pragma once

#include "actors/node.hpp"
#include "runtime/interp/step.hpp"
#include "runtime/model/arn.hpp"

#include <caf/all.hpp>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace sc::cluster {
class coordinator;
}

namespace sc::actors {
class integrations;
class mock_config;
class status_events;
class execution_log;
struct log_config;
}

namespace sc::actors {

/// AWS ends an Express execution that runs longer than this (TIMED_OUT).
inline constexpr int64_t express_max_duration_ms = 5 * 60 * 1000;

using act_start_atom = caf::atom_constant<caf::atom("actstart")>;
using task_atom = caf::atom_constant<caf::atom("task")>;
using timer_atom = caf::atom_constant<caf::atom("timer")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using map_update_atom = caf::atom_constant<caf::atom("mapupd")>;
using persisted_atom = caf::atom_constant<caf::atom("persisted")>;
using passivate_atom = caf::atom_constant<caf::atom("passivate")>;
using resave_atom = caf::atom_constant<caf::atom("resave")>;
using schedule_atom = caf::atom_constant<caf::atom("schedule")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using poll_atom = caf::atom_constant<caf::atom("poll")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using arm_atom = caf::atom_constant<caf::atom("arm")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
using crashed_atom = caf::atom_constant<caf::atom("crashed")>;
using ready_atom = caf::atom_constant<caf::atom("ready")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using requeue_atom = caf::atom_constant<caf::atom("requeue")>;
using forget_atom = caf::atom_constant<caf::atom("forget")>;
using redrive_atom = caf::atom_constant<caf::atom("redrive")>;
using integ_atom = caf::atom_constant<caf::atom("integ")>;

/// A callback that is called exactly once: with a real answer, or with the
/// fallback when the last holder goes away unanswered.
template <class T>
class reply {
 public:
  reply() = default;
  reply(std::function<void(T)> fn, T fallback)
      : box_(std::make_shared<box>(std::move(fn), std::move(fallback))) {}
  void operator()(T v) const {
    if (box_ && box_->fn) {
      auto fn = std::move(box_->fn);
      box_->fn = nullptr;
      fn(std::move(v));
    }
  }
  explicit operator bool() const { return box_ && box_->fn; }
  /// Disarms the reply without answering (the caller answers elsewhere).
  void release() const {
    if (box_) box_->fn = nullptr;
  }

 private:
  struct box {
    box(std::function<void(T)> f, T fb) : fn(std::move(f)), fallback(std::move(fb)) {}
    ~box() {
      if (fn) fn(std::move(fallback));
    }
    std::function<void(T)> fn;
    T fallback;
  };
  std::shared_ptr<box> box_;
};

using error_reply = reply<std::optional<api_error>>;

struct task_outcome {
  enum class kind { success, failure, heartbeat } k = kind::success;
  int64_t task = 0;
  std::string output, error, cause;
  bool has_error = false, has_cause = false;
  error_reply done;
  /// Cluster: the owner drained the shard's inbox before taking this answer
  /// to a task not started yet (see execution.cpp, task_atom).
  bool inbox_drained = false;
};

struct stop_request {
  std::string error, cause;
  bool has_error = false, has_cause = false;
  reply<std::pair<std::optional<api_error>, int64_t>> done;
};

/// UpdateMapRun, or StopExecution of a child execution: routed to the
/// parent execution like a stop (ev is ev_update_map_run or ev_stop_child).
struct map_update_request {
  interp::event ev;
  reply<std::pair<std::optional<api_error>, int64_t>> done;
};

struct queued_task {
  std::string token;
  std::string input;
  std::string execution_arn;
  int64_t task = 0;
  bool requeued = false;  ///< re-armed by recovery: may already be queued
  bool popped = false;    ///< taken from the shared queue (marked taken there)
  int64_t share_at = 0;   ///< cluster: held for local workers until then (0 = keep here)
};

struct poll_request {
  std::string worker;
  std::function<bool()> alive;  ///< false once the client has gone away
  reply<activity_task> done;
};

struct spawn_request {
  std::shared_ptr<const asl::definition> def;
  cluster::execution_record record;
  interp::execution_state state;
  bool fresh = true;        ///< feed ev_start (else: continue from `state`)
  bool express = false;
  /// Commands of a step already taken by the spawner (Express executions
  /// take their first step on the API thread), carried out at start.
  std::vector<interp::command> initial_commands;
  reply<start_reply> finished;  ///< sync executions: fires when done
  /// Express executions logged per their LoggingConfiguration (null = not).
  std::shared_ptr<const log_config> xlog;
};

/// One unit of work for an execution actor: an event and who to answer.
struct work_item {
  interp::event ev;
  error_reply task_reply;                                          ///< SendTask*
  reply<std::pair<std::optional<api_error>, int64_t>> stop_reply;  ///< StopExecution
  bool release_taken = false;  ///< ActivityStarted of a task from the shared queue
  /// RedriveExecution: answered with the redrive date (or ExecutionNotRedrivable).
  reply<std::pair<std::optional<api_error>, int64_t>> redrive_reply{};
  /// ActivityStarted on a single node with a durable store: the poll that
  /// took the task, answered with `handout_task` once the start is stored
  /// (empty when the step did not start the task).
  reply<activity_task> handout{};
  activity_task handout_task{};
};

/// (act_start_atom, int64 task, string worker, bool shared, handout) — the
/// GetActivityTask that took the task, answered by the execution once its
/// ActivityStarted is stored (actors/activity_queue.cpp hand_over).
struct handout {
  reply<activity_task> done;
  activity_task task;
};

/// RedriveExecution for the execution actor (redrive_atom).
struct redrive_request {
  std::string token;
  int64_t at_ms = 0;
  reply<std::pair<std::optional<api_error>, int64_t>> done;
};

/// State of an execution actor (actors/execution.cpp).
struct execution_actor_state {
  node::impl* owner = nullptr;
  std::shared_ptr<const asl::definition> def;
  interp::execution_state st;
  cluster::execution_record rec;
  bool express = false;
  reply<start_reply> finished;
  std::deque<work_item> inbox;     ///< events waiting for the save in flight
  bool saving = false;             ///< a save is in flight
  uint64_t save_seq = 0;
  /// What the step whose save is in flight wants done once it is durable.
  std::vector<interp::command> pending_commands;
  work_item pending_item;
  std::vector<model::history_event> pending_events;  ///< for a retry
  int save_failures = 0;
  int64_t idle_since = 0;         ///< when the inbox last ran dry (ms)
  bool idle_check_armed = false;  ///< a passivate_atom is on its way
  /// Tasks with this id or higher were queued by this actor's own steps, so
  /// a re-queue request for them (from a snapshot read meanwhile) is stale.
  int64_t own_tasks_from = 0;
  /// Express executions logged per their LoggingConfiguration (null = not).
  std::shared_ptr<const log_config> xlog;
  uint64_t save_started_us = 0;  ///< when the save in flight was handed over (metrics)
  static inline const char* name = "execution";
};

/// State of an activity queue actor (actors/activity_queue.cpp).
struct activity_queue_state {
  std::deque<queued_task> tasks;
  struct parked {
    int64_t deadline_ms;  ///< answered empty at this time; polls are in deadline order
    poll_request req;
  };
  std::deque<parked> polls;
  size_t polls_after_sweep = 0;  ///< polls left by the last sweep of hung-up ones
  bool expiry_armed = false;  ///< an expire_atom is on its way
  // Cluster only.
  int64_t last_poll_ms = 0;    ///< when a local worker last polled
  bool flush_armed = false;    ///< a flush_atom is on its way
  bool shared_maybe = true;    ///< the shared queue may hold tasks (false after an empty pop)
  bool ticking = false;  ///< cluster: a periodic look at the shared queue is scheduled
  static inline const char* name = "activity_queue";
};

/// Single node (no cluster): an activity's tasks and parked polls behind a
/// lock instead of the queue actor's mailbox, so a poll is answered, and a
/// new task handed to a parked poll, on the thread that has it (the io
/// thread of the GetActivityTask, the execution actor's worker) with no
/// hop through the queue actor (actors/activity_queue.cpp). The actor then
/// only answers polls whose deadline passed.
struct local_activity_queue {
  std::mutex mu;
  std::deque<queued_task> tasks;
  std::deque<activity_queue_state::parked> polls;
  size_t polls_after_sweep = 0;
  bool expiry_armed = false;  ///< an expire_atom is on its way to `actor`
  caf::actor actor;           ///< the activity's queue actor (poll deadlines)
};

/// State of the timer service (actors/timer_service.cpp).
struct timer_service_state {
  /// (wall-clock firing time, the timer's own due time) → (arn, timer). The
  /// second key orders timers that are all overdue (after a restart) by
  /// when they were due, so they fire in the order they would have.
  using due_map = std::multimap<std::pair<int64_t, int64_t>, std::pair<std::string, int64_t>>;
  due_map due;
  /// (arn, timer) → its entry in `due`, for cancelling and forgetting.
  std::map<std::pair<std::string, int64_t>, due_map::iterator> by_id;
  int64_t next_tick = INT64_MAX;  ///< due time of the earliest tick scheduled
  static inline const char* name = "timer_service";
};

/// State of the supervisor (actors/node.cpp).
struct supervisor_state {
  static inline const char* name = "supervisor";
};

enum class route_result { delivered, not_running, unavailable };

struct node::impl {
  impl(const config::settings& s, cluster::store& st);

  config::settings cfg;
  cluster::store& store;
  std::string node_id;   ///< this node's id (config::effective_node_id)
  std::string address;   ///< advertised host:port
  model::token_codec codec;
  interp::limits limits;
  /// Service integration calls (actors/integrations.hpp).
  std::unique_ptr<integrations> integ;
  /// The mock file (actors/mock_config.hpp); null = none.
  std::shared_ptr<mock_config> mocks;
  /// Status change events (actors/status_events.hpp) and Express execution
  /// logs (actors/execution_log.hpp).
  std::unique_ptr<status_events> events;
  std::unique_ptr<execution_log> xlog;
  std::chrono::milliseconds passivate_after{2000};

  /// Idle execution actors, oldest first: (when to look, actor). An actor
  /// whose inbox ran dry puts itself here instead of sending itself a
  /// delayed message (each of those wakes CAF's clock thread); the timer
  /// service sweeps the list every quarter second and sends passivate_atom
  /// to those due. Every entry waits the same time, so the list is in order.
  std::mutex idle_mu;
  std::deque<std::pair<int64_t, caf::actor_addr>> idle_list;
  bool idle_sweeping = false;  ///< a sweep_atom is on its way (guarded by idle_mu)
  void idle_soon(const caf::actor_addr& a);
  /// Removes and returns the entries due at `now`; false when the list is
  /// empty afterwards (the sweeping stops until the next idle_soon).
  bool take_idle(int64_t now, std::vector<caf::actor_addr>& due);

  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor supervisor;
  caf::actor timers;

  /// A registry entry: the live actor, or a wake-up in progress with the
  /// messages that arrived meanwhile (delivered in order once it is up).
  struct entry {
    caf::actor actor;
    std::vector<std::function<void(const caf::actor&)>> waiting;
  };
  std::mutex mu;
  std::unordered_map<std::string, entry> executions;  ///< live or waking, by ARN
  /// Executions a wake-up found finished, newest last (at most
  /// `finished_memory`): messages for them are answered at once instead of
  /// each waking them again (20 SendTask* on one token after it succeeded
  /// woke it in turn, each wake dropping the others' messages).
  std::deque<std::string> finished_order;
  std::unordered_set<std::string> finished;
  static constexpr size_t finished_memory = 4096;
  std::unordered_map<std::string, caf::actor> queues;  ///< by activity ARN
  bool stopping = false;

  std::mutex defs_mu;
  std::unordered_map<std::string, std::shared_ptr<const asl::definition>> defs;
  /// machine_for_start's cache: ARN → (expiry ms, record).
  std::unordered_map<std::string, std::pair<int64_t, cluster::state_machine_record>> machines;

  caf::actor queue_for(const std::string& activity_arn);
  /// Single node: the activity's locked queue (created with its actor).
  std::unordered_map<std::string, std::shared_ptr<local_activity_queue>> local_queues;
  std::shared_ptr<local_activity_queue> local_queue_for(const std::string& activity_arn);
  /// Queue a task, withdraw one, park or answer a GetActivityTask
  /// (actors/activity_queue.cpp): on a single node on the calling thread
  /// (local_activity_queue), in a cluster through the queue actor.
  void schedule_activity(const std::string& activity_arn, queued_task t);
  void cancel_activity(const std::string& activity_arn, std::string token);
  void poll_activity(const std::string& activity_arn, poll_request p);
  /// Moves the activity tasks out of a new execution's first commands, as
  /// (activity ARN, task) to schedule_activity once its actor is registered.
  std::vector<std::pair<std::string, queued_task>> take_first_tasks(
      const std::string& execution_arn, std::vector<interp::command>& commands);

  // -- cluster mode (Redis store + coordinator; see actors/cluster.cpp) ----
  std::unique_ptr<cluster::coordinator> coord;  ///< null on a single memory node
  uint32_t shard_count = 1;
  /// Whether this node owns the execution's shard (always, without a cluster).
  bool owns(const std::string& execution_arn) const;
  int shard_of(const std::string& execution_arn) const;
  /// A server-chosen execution name (a UUID) whose Standard execution ARN
  /// falls on a shard this node owns, when it owns any (actors/placement.cpp).
  /// (region, account: the machine's ARN's, the execution's namespace.)
  std::string local_execution_name(const std::string& machine_name, const std::string& region,
                                   const std::string& account);
  /// Starts the coordinator; false with a message when it cannot.
  bool start_cluster(const std::string& url, std::string* error);
  void stop_cluster();
  /// Sends a message to the inbox of the execution's (remote) owner.
  void post_remote(const std::string& execution_arn, const std::string& msg);
  /// A worker took `task`: tell the execution, wherever it runs.
  /// `shared`: the task came from the cluster's shared queue (it has a
  /// "taken" marker to release once ActivityStarted is stored).
  void activity_started(const std::string& execution_arn, int64_t task, const std::string& worker,
                        bool shared);
  /// Cluster: tasks handed to a local poll (not from the shared queue, so
  /// with no "taken" marker) whose ActivityStarted is not stored yet, by
  /// token → worker name. If the execution's actor dies before that save
  /// (its shard lost, e.g. while Redis is away), the worker still holds the
  /// task: when the shard is recovered here, the re-queue request records
  /// the start from this ledger instead of queueing the task again. Keyed
  /// by "<task>|<execution ARN>" (the token's payload, without its HMAC).
  std::mutex starts_mu;
  std::unordered_map<std::string, std::pair<std::string, int64_t>> pending_starts;
  int64_t starts_swept_ms = 0;
  void note_start(const std::string& arn, int64_t task, const std::string& worker);
  void forget_start(const std::string& arn, int64_t task);
  std::optional<std::string> pending_start(const std::string& arn, int64_t task);
  /// Drops ledger entries older than an hour (shards that went elsewhere).
  void sweep_starts(int64_t now);
  void on_gained(int shard, uint64_t epoch);
  void on_lost(int shard);
  void drain(int shard);
  void dispatch(int shard, const std::string& msg);
  /// Housekeeping thread for cluster work that does store I/O (recovery,
  /// inbox draining), off the coordinator's and CAF's threads.
  void cluster_job(std::function<void()> job);
  std::thread cw_thread;
  std::mutex cw_mu;
  std::condition_variable cw_cv;
  std::deque<std::function<void()>> cw_jobs;
  std::set<int> cw_recover;  ///< shards gained and not yet recovered
  /// Inbox messages taken but not deliverable yet (store away): dispatched
  /// again by the periodic sweep; they stay unacknowledged meanwhile.
  std::deque<std::pair<int, std::string>> cw_retry;
  bool cw_stop = false;

  /// Delivers `send(actor)` to the execution's actor, waking it from the
  /// store when it sleeps. `send` is not called when the execution is not
  /// running here (unknown, finished, or owned by another node) or when the
  /// store cannot be read to wake it (`unavailable`: try again later).
  /// `wake_finished`: also wake an execution that is over (a redrive).
  route_result route(const std::string& arn, std::function<void(const caf::actor&)> send,
                     bool wake_finished = false);

  /// Has the supervisor told when execution actor `a` dies abnormally. A
  /// functor attached to the actor runs as it terminates, so an execution
  /// that ends normally costs the supervisor no message at all.
  void watch(const caf::actor& a, const std::string& arn);
  /// Registers a freshly spawned actor (new execution).
  void register_actor(const std::string& arn, const caf::actor& a);
  /// Removes `a` from the registry if it is still the registered actor and
  /// nothing waits for it; true when removed (the actor may then quit).
  bool try_unregister(const std::string& arn, const caf::actor_addr& a,
                      const std::function<bool()>& idle);
  /// Unconditional removal (finished executions).
  void unregister(const std::string& arn, const caf::actor_addr& a);

  /// Parses (and caches) a definition by its text.
  std::shared_ptr<const asl::definition> definition(const std::string& key,
                                                    const std::string& text);
  /// Wall-clock delay for a timer due at `due_ms`, with time_scale applied.
  std::chrono::milliseconds delay_until(int64_t due_ms) const;
  /// Re-arms timers and re-queues untaken activity tasks of a sleeping
  /// execution (after a restart or a crashed actor). `st` is a snapshot
  /// read from the store: timers are armed from it (a stale timer is
  /// ignored by `step`), but tasks are re-queued by the execution's actor
  /// from its own current state (requeue_task), in order with the
  /// ActivityStarted of a worker that took the task meanwhile.
  void rearm(const interp::execution_state& st, const asl::definition& def);
  /// Queues activity task `task` of `st` again if it is still open and no
  /// worker has taken it, marked re-queued (it may still wait in a shared
  /// queue from before a restart). Only tasks a snapshot showed untaken are
  /// re-queued: a task scheduled since then was queued by its own step.
  void requeue_task(const interp::execution_state& st, const asl::definition& def, int64_t task);
};

caf::behavior execution_actor(caf::stateful_actor<execution_actor_state>* self, node::impl* n,
                              spawn_request req);

/// Copies status, output, error and cause from an execution state into its
/// record (actors/execution.cpp).
void fill_record(cluster::execution_record& r, const interp::execution_state& st);
/// Moves a step's Map Run and child changes into a store write (null: none).
std::shared_ptr<const cluster::map_writes> take_map_changes(interp::step_result& r);
/// Adds stateMachineAliasArn / stateMachineVersionArn to the ExecutionStarted
/// event among `events` when `r` was started through an alias or version.
void note_started_through(std::vector<model::history_event>& events,
                          const cluster::execution_record& r);

/// Inbox messages for an execution owned by another node (actors/cluster.cpp).
std::string remote_task_message(const std::string& kind, const std::string& arn, int64_t task,
                                const std::string& output, const std::string& error,
                                const std::string& cause, bool he, bool hc);
std::string remote_redrive_message(const std::string& arn, const std::string& token,
                                   int64_t at_ms);
std::string remote_stop_message(const std::string& arn, const std::string& error,
                                const std::string& cause, bool he, bool hc);
std::string remote_start_message(const std::string& arn);
std::string remote_map_update_message(const std::string& execution_arn,
                                      const interp::ev_update_map_run& ev);
std::string remote_stop_child_message(const std::string& execution_arn,
                                      const interp::ev_stop_child& ev);
caf::behavior activity_queue(caf::stateful_actor<activity_queue_state>* self, node::impl* n,
                             std::string arn);
caf::behavior timer_service(caf::stateful_actor<timer_service_state>* self, node::impl* n);
caf::behavior supervisor(caf::stateful_actor<supervisor_state>* self, node::impl* n);

}  // namespace sc::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sc::actors::task_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sc::interp::ev_integration)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sc::actors::stop_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sc::actors::redrive_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sc::actors::map_update_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sc::actors::queued_task)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sc::actors::poll_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sc::actors::handout)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sc::actors::spawn_request)
