// Private to actors/: the CAF types, atoms and message payloads, and the
// node's shared innards. Included only by actors/*.cpp.
//
// Message catalogue (untyped actors, matched on atoms):
//   execution actor
//     (act_start_atom, int64 task, string worker)   a worker took task `task`
//     (task_atom, task_outcome)                      SendTaskSuccess/Failure/Heartbeat
//     (timer_atom, int64 timer)                      a timer of the execution fell due
//     (stop_atom, stop_request)                      StopExecution
//   activity queue actor (one per activity ARN)
//     (schedule_atom, queued_task)                   a task to hand to a worker
//     (cancel_atom, string token)                    withdraw a queued task
//     (poll_atom, poll_request)                      a parked GetActivityTask
//     (expire_atom, uint64 poll id)                  a parked poll's deadline
//   supervisor
//     (spawn_atom, spawn_request)                    start or resume an execution actor
// Replies travel in `reply<T>` holders: if a message carrying one is
// dropped (its actor already quit), the holder's destructor answers with a
// fallback, so no HTTP request ever waits forever.
#pragma once

#include "actors/node.hpp"
#include "runtime/interp/step.hpp"

#include <caf/all.hpp>

#include "runtime/model/arn.hpp"

#include <deque>
#include <mutex>
#include <unordered_map>

namespace sc::actors {

using act_start_atom = caf::atom_constant<caf::atom("actstart")>;
using task_atom = caf::atom_constant<caf::atom("task")>;
using timer_atom = caf::atom_constant<caf::atom("timer")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using schedule_atom = caf::atom_constant<caf::atom("schedule")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using poll_atom = caf::atom_constant<caf::atom("poll")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using spawn_atom = caf::atom_constant<caf::atom("spawn")>;

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

struct task_outcome {
  enum class kind { success, failure, heartbeat } k = kind::success;
  int64_t task = 0;
  std::string output, error, cause;
  bool has_error = false, has_cause = false;
  reply<std::optional<api_error>> done;
};

struct stop_request {
  std::string error, cause;
  bool has_error = false, has_cause = false;
  reply<std::pair<std::optional<api_error>, int64_t>> done;
};

struct queued_task {
  std::string token;
  std::string input;
  int64_t task = 0;
  caf::actor execution;
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
  bool fresh = true;        ///< feed ev_start (else: resume from `state`)
  bool express = false;
  reply<start_reply> finished;  ///< sync executions: fires when done
};

struct node::impl {
  impl(const config::settings& s, cluster::store& st);

  config::settings cfg;
  cluster::store& store;
  model::token_codec codec;
  interp::limits limits;

  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor supervisor;

  std::mutex mu;
  std::unordered_map<std::string, caf::actor> executions;  ///< running, by ARN
  std::unordered_map<std::string, caf::actor> queues;      ///< by activity ARN
  bool stopping = false;

  std::mutex defs_mu;
  std::unordered_map<std::string, std::shared_ptr<const asl::definition>> defs;

  caf::actor queue_for(const std::string& activity_arn);
  caf::actor execution(const std::string& arn);
  void unregister(const std::string& arn);
  /// Wall-clock delay for a timer due at `due_ms`, with time_scale applied.
  std::chrono::milliseconds delay_until(int64_t due_ms) const;
};

/// State of an execution actor (actors/execution.cpp).
struct execution_actor_state {
  node::impl* owner = nullptr;
  std::shared_ptr<const asl::definition> def;
  interp::execution_state st;
  cluster::execution_record rec;
  bool express = false;
  reply<start_reply> finished;
  static inline const char* name = "execution";
};

/// State of an activity queue actor (actors/activity_queue.cpp).
struct activity_queue_state {
  std::deque<queued_task> tasks;
  struct parked {
    uint64_t id;
    poll_request req;
  };
  std::deque<parked> polls;
  uint64_t next_poll = 1;
  static inline const char* name = "activity_queue";
};

/// State of the supervisor (actors/node.cpp).
struct supervisor_state {
  std::unordered_map<caf::actor_addr, std::string> watched;  ///< actor → execution ARN
  static inline const char* name = "supervisor";
};

caf::behavior execution_actor(caf::stateful_actor<struct execution_actor_state>* self,
                              node::impl* n, spawn_request req);
caf::behavior activity_queue(caf::stateful_actor<struct activity_queue_state>* self,
                             node::impl* n, std::string arn);
caf::behavior supervisor(caf::stateful_actor<struct supervisor_state>* self, node::impl* n);

}  // namespace sc::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sc::actors::task_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sc::actors::stop_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sc::actors::queued_task)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sc::actors::poll_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sc::actors::spawn_request)
