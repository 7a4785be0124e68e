// Execution status change events (docs/observability.md).
//
// Every status change of a Standard execution (RUNNING at its start and at
// each redrive, then SUCCEEDED, FAILED, TIMED_OUT or ABORTED) becomes one
// event in EventBridge's "Step Functions Execution Status Change" shape
// (source aws.states; Express executions send none, as on AWS).
//
// Durability. The events of a step are written by the same store write as
// the step (cluster::map_writes::status_events): on Redis, RPUSHed to the
// shard's outbox list (keys::status_outbox) inside the save's transaction,
// so a crash right after the save loses none. A sender thread on the
// shard's owner reads each outbox, appends the events to the stream
// keys::status_stream() (XADD) and POSTs each to every configured webhook
// (events.webhooks); an event leaves the outbox only once every sink has
// it, so delivery is at-least-once (after a crash or a lost answer an event
// can come twice: same `id`). A failing webhook is retried with back-off
// (0.2 s doubling to 30 s) for as long as it fails. On the memory store
// the outbox is in memory: best effort, lost with the process.
#pragma once

#include "cluster/store.hpp"
#include "config/settings.hpp"
#include "runtime/model/history_event.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sc::actors {

/// The status change events of one step of a Standard execution, as JSON:
/// one per ExecutionStarted / Redriven / Succeeded / Failed / TimedOut /
/// Aborted history event. `r` is the execution's record after the step.
std::vector<std::string> status_change_events(const cluster::execution_record& r,
                                              const std::vector<model::history_event>& events);

class status_events {
 public:
  /// Inactive (attach does nothing) unless webhooks are configured or, on
  /// Redis, the stream is on.
  status_events(const config::settings& s, cluster::store& store);
  ~status_events();
  status_events(const status_events&) = delete;
  status_events& operator=(const status_events&) = delete;

  bool active() const;

  /// Adds the step's status change events to the store write that carries
  /// it (r.map_changes). Call just before save/create.
  void attach(cluster::execution_record& r, const std::vector<model::history_event>& events);

  /// Starts the sender. Redis: `owned()` names the shards this node
  /// delivers (its leases); `shards` is the keyspace's shard count.
  void start(std::function<std::vector<int>()> owned, uint32_t shards);
  /// Wakes the sender (a local save wrote events).
  void poke();
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sc::actors
