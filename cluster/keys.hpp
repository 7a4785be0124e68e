// EVERY Redis key the Redis store and the cluster coordinator use, and
// nothing else. One function per key pattern; the doc comment says the Redis
// type, what it holds and who writes it.
//
// Two families:
//  * Global keys (state machines, activities, tags, metadata) carry the hash
//    tag `{g}`, so all of them live in ONE Redis Cluster slot and the Lua
//    scripts / MULTI blocks that touch several of them stay single-slot.
//  * Execution keys carry the tag `{S}`, S = shard_of(execution ARN, shards):
//    everything written by one save_execution/create_execution (record,
//    state, history, the per-shard indexes and running sets) is in the same
//    slot, so the transaction never crosses slots and the keyspace can move
//    to Redis Cluster unchanged. Indexes that span executions (per machine,
//    running) are therefore kept PER SHARD and merged by the reader.
//
// Values are codec blobs (cluster/codec.hpp) unless noted. ARNs are used
// verbatim: state machine / execution names cannot contain '{' or '}', and
// the tag is the first braces in the key anyway.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace sc::cluster::keys {

/// The default number of execution shards. Fixed for the life of a keyspace
/// (recorded in meta() at first use; a store opened with another count is
/// refused).
inline constexpr uint32_t default_shards = 64;

/// Stable shard of an execution: 64-bit FNV-1a of the ARN's bytes, mod
/// `shards`. Never change this function: it places existing data.
inline uint32_t shard_of(std::string_view execution_arn, uint32_t shards) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : execution_arn) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<uint32_t>(h % (shards ? shards : 1));
}

/// `sc:{S}:` — the prefix of shard S's keys (with its hash tag).
inline std::string shard_prefix(uint32_t shard) {
  return "sc:{" + std::to_string(shard) + "}:";
}

// ---------------------------------------------------------------------------
// Global keys (hash tag {g}).

/// HASH `sc:{g}:meta`: keyspace facts. Field `shards` = the shard count
/// (decimal); field `format` = codec format version. Written once (HSETNX).
inline std::string meta() { return "sc:{g}:meta"; }

/// HASH `sc:{g}:sm`: state machine ARN → state_machine_record blob.
inline std::string state_machines() { return "sc:{g}:sm"; }

/// ZSET `sc:{g}:sm:idx`: every state machine ARN, score 0, so
/// ZRANGEBYLEX pages ListStateMachines in ARN order. Updated in the same
/// MULTI/script as state_machines().
inline std::string state_machine_index() { return "sc:{g}:sm:idx"; }

/// SET `sc:{g}:sm:deleting`: ARNs of machines whose record says DELETING
/// (DeleteStateMachine while executions run). Lets a finishing execution
/// check "is my machine being deleted?" with one SISMEMBER.
inline std::string deleting_machines() { return "sc:{g}:sm:deleting"; }

/// HASH `sc:{g}:smv:<machine arn>`: that machine's published versions,
/// version ARN → state_machine_record blob written with an empty `arn`
/// (the field is the ARN). Written with the three keys below by one script
/// (PublishStateMachineVersion); all four deleted with the machine.
inline std::string versions(std::string_view machine_arn) {
  return "sc:{g}:smv:" + std::string(machine_arn);
}

/// ZSET `sc:{g}:smv:idx:<machine arn>`: version ARN, score = its number
/// (ListStateMachineVersions newest first with ZREVRANGEBYSCORE).
inline std::string version_index(std::string_view machine_arn) {
  return "sc:{g}:smv:idx:" + std::string(machine_arn);
}

/// STRING `sc:{g}:smv:n:<machine arn>`: the highest version number ever
/// published (INCR; numbers of deleted versions are not reused).
inline std::string version_counter(std::string_view machine_arn) {
  return "sc:{g}:smv:n:" + std::string(machine_arn);
}

/// HASH `sc:{g}:smv:rev:<machine arn>`: version ARN → the revision id it
/// froze (the publish script's "nothing changed since the newest version"
/// check).
inline std::string version_revisions(std::string_view machine_arn) {
  return "sc:{g}:smv:rev:" + std::string(machine_arn);
}

/// HASH `sc:{g}:sma:<machine arn>`: that machine's aliases, alias ARN →
/// alias_record blob. Deleted with the machine.
inline std::string aliases(std::string_view machine_arn) {
  return "sc:{g}:sma:" + std::string(machine_arn);
}

/// HASH `sc:{g}:act`: activity ARN → activity_record blob.
inline std::string activities() { return "sc:{g}:act"; }

/// ZSET `sc:{g}:act:idx`: every activity ARN, score 0 (ListActivities by
/// ARN with ZRANGEBYLEX).
inline std::string activity_index() { return "sc:{g}:act:idx"; }

/// HASH `sc:{g}:tags`: resource ARN (state machine or activity) → tags blob
/// (ordered list of key/value). Absent field = no tags.
inline std::string tags() { return "sc:{g}:tags"; }

// ---------------------------------------------------------------------------
// Execution keys (hash tag {S}, S = shard_of(execution ARN)).

/// STRING `sc:{S}:exec:<arn>`: the execution_record blob (without state).
/// Gets EXPIRE <retention> when the execution finishes (if retention set).
inline std::string execution(uint32_t shard, std::string_view arn) {
  return shard_prefix(shard) + "exec:" + std::string(arn);
}

/// STRING `sc:{S}:state:<arn>`: the interp::execution_state blob after the
/// last saved step (absent when the record had no state). Expires with the
/// record.
inline std::string state(uint32_t shard, std::string_view arn) {
  return shard_prefix(shard) + "state:" + std::string(arn);
}

/// LIST `sc:{S}:hist:<arn>`: history event blobs, RPUSHed in order; element
/// i (0-based) is the event with id i+1, so history paging is LRANGE and
/// the history length is LLEN. Expires with the record.
inline std::string history(uint32_t shard, std::string_view arn) {
  return shard_prefix(shard) + "hist:" + std::string(arn);
}

/// ZSET `sc:{S}:mexec:<machine arn>`: shard S's executions of that machine,
/// all statuses, score 0, member execution_index_member(start, arn); lexical
/// order = (start time, ARN), so ZREVRANGEBYLEX walks newest first. The
/// reader merges the shards. Entries of expired executions are removed
/// lazily by the reader.
inline std::string machine_executions(uint32_t shard, std::string_view machine_arn) {
  return shard_prefix(shard) + "mexec:" + std::string(machine_arn);
}

/// ZSET `sc:{S}:mexec:<STATUS>:<machine arn>`: as machine_executions() but
/// only executions whose status is STATUS (RUNNING, SUCCEEDED, ...), for
/// ListExecutions' statusFilter. A save adds to its status's set and, when
/// not RUNNING, removes from the RUNNING set. (Machine ARNs start with
/// "arn:", so these never collide with machine_executions().)
inline std::string machine_executions_by_status(uint32_t shard, std::string_view status,
                                                std::string_view machine_arn) {
  return shard_prefix(shard) + "mexec:" + std::string(status) + ":" + std::string(machine_arn);
}

/// SET `sc:{S}:running`: ARNs of shard S's RUNNING standard executions
/// (express ones are never recovered). running_executions() reads these;
/// a node taking over shard S resumes exactly this set.
inline std::string running(uint32_t shard) { return shard_prefix(shard) + "running"; }

/// LIST `sc:{S}:events`: shard S's outbox of execution status change events
/// (JSON, EventBridge's shape; actors/status_events.hpp), oldest first.
/// RPUSHed by the save or create that changes the status (map_run_ops), in
/// the same transaction; read and LTRIMmed by the shard owner's event
/// sender once every sink has the event. Only written when events are on.
inline std::string status_outbox(uint32_t shard) { return shard_prefix(shard) + "events"; }

/// SET `sc:{S}:mrun:<machine arn>`: ARNs of shard S's RUNNING executions of
/// that machine (added by create_execution, removed when a save finishes
/// the execution). The sum of SCARD over the shards is the "executions
/// still running" count behind the DELETING rule.
inline std::string machine_running(uint32_t shard, std::string_view machine_arn) {
  return shard_prefix(shard) + "mrun:" + std::string(machine_arn);
}

/// "arn:aws:states:REGION:ACCOUNT:" of an ARN (its first five fields; ""
/// when it has fewer): the account-and-Region namespace it belongs to.
inline std::string_view namespace_of(std::string_view arn) {
  size_t at = 0;
  for (int i = 0; i < 5; ++i) {
    at = arn.find(':', at);
    if (at == std::string_view::npos) return {};
    ++at;
  }
  return arn.substr(0, at);
}

/// SET `sc:{S}:open:<namespace>`: ARNs of shard S's RUNNING Standard
/// executions whose ARN starts with <namespace> ("arn:aws:states:REGION:
/// ACCOUNT:"). Added by create_execution and a redrive's saves, removed by
/// the save that finishes the execution, in the same script/MULTI as the
/// record (so SADD/SREM make re-sent writes harmless). The sum of SCARD
/// over the shards is AWS's open executions count (ExecutionLimitExceeded).
inline std::string open_executions(uint32_t shard, std::string_view execution_arn) {
  return shard_prefix(shard) + "open:" + std::string(namespace_of(execution_arn));
}

/// The same set named by its namespace (for counting).
inline std::string open_executions_of(uint32_t shard, std::string_view namespace_prefix) {
  return shard_prefix(shard) + "open:" + std::string(namespace_prefix);
}

// Map Runs (Distributed Map). Every key of a Map Run and of its child
// executions is in the PARENT execution's shard S: Map Run ids and child
// names carry the placement hash of the parent's ARN
// (interp::embedded_placement), so placement_shard() finds S from a Map Run
// or child ARN alone, and the parent's save writes them in its own
// transaction. A child's record and history use execution() and history()
// with the child's ARN (so DescribeExecution and GetExecutionHistory read
// them like any execution); children are in no machine_executions() index.

/// STRING `sc:{S}:mr:<map run arn>`: the interp::map_run_record blob,
/// replaced by each save that changed the Map Run.
inline std::string map_run(uint32_t shard, std::string_view map_run_arn) {
  return shard_prefix(shard) + "mr:" + std::string(map_run_arn);
}

/// ZSET `sc:{S}:mrs:<execution arn>`: the execution's Map Runs, score 0,
/// member execution_index_member(start, map run arn) (ListMapRuns).
inline std::string execution_map_runs(uint32_t shard, std::string_view execution_arn) {
  return shard_prefix(shard) + "mrs:" + std::string(execution_arn);
}

/// ZSET `sc:{S}:mrx:<map run arn>`: the Map Run's child executions, score
/// 0, member execution_index_member(start, child arn) (ListExecutions with
/// mapRunArn). `sc:{S}:mrx:<STATUS>:<map run arn>` holds those with that
/// status (a child leaving RUNNING is removed from the RUNNING set).
inline std::string map_run_children(uint32_t shard, std::string_view map_run_arn) {
  return shard_prefix(shard) + "mrx:" + std::string(map_run_arn);
}
inline std::string map_run_children_by_status(uint32_t shard, std::string_view status,
                                              std::string_view map_run_arn) {
  return shard_prefix(shard) + "mrx:" + std::string(status) + ":" + std::string(map_run_arn);
}

/// The member for an execution in the machine_executions*() indexes: the
/// start time as 16 hex digits (sign bit flipped, so negative times sort
/// first) followed by the ARN. Byte order = (start, arn) order.
inline std::string execution_index_member(int64_t start_ms, std::string_view arn) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(static_cast<uint64_t>(start_ms) ^ (1ull << 63)));
  std::string m(hex, 16);
  m.append(arn);
  return m;
}

/// The execution ARN inside an execution_index_member() value.
inline std::string_view execution_index_arn(std::string_view member) {
  return member.size() >= 16 ? member.substr(16) : std::string_view{};
}

// ---------------------------------------------------------------------------
// Cluster coordination (cluster/coordinator.hpp). Written by the nodes'
// coordinators, never by the store.

/// HASH `sc:{g}:nodes`: node id → membership record, the text
/// "<heartbeat_ms> <started_ms> <lease_ttl_ms> <instance> <address>"
/// (times are Redis server time, TIME, in ms; `instance` is random per
/// process). Each node rewrites its own field every heartbeat; a graceful
/// stop deletes it; records stale for long are pruned by the other nodes.
inline std::string nodes() { return "sc:{g}:nodes"; }

/// LIST `sc:{g}:actq:<activity arn>`: the activity's scheduled tasks
/// (opaque payloads), RPUSHed by the node that scheduled them, LPOPed by
/// the node a worker polls (each task to exactly one popper).
inline std::string activity_queue(std::string_view activity_arn) {
  return "sc:{g}:actq:" + std::string(activity_arn);
}

/// STRING `sc:{g}:taken:<task>` (TTL 1 h), <task> = the task token up to
/// its first '.' (the signed payload, the same under every secret of the
/// ring): a task popped from a shared activity queue whose ActivityStarted
/// is not stored yet. Recovery does not queue a task again while its marker
/// exists, and a pop skips a queued copy whose marker exists; the owner
/// deletes it once ActivityStarted is stored. Makes hand-out exactly-once
/// across crashes and secret rotations. A task closed before any worker
/// took it (timed out, aborted) is marked for 30 days (withdraw_task), so
/// its copy in a shared queue is dropped, never handed out.
inline std::string task_taken(std::string_view task) {
  return "sc:{g}:taken:" + std::string(task);
}

/// STRING `sc:{S}:wait-probe`: a counter INCRed (never read) by the Redis
/// store with store.redis_wait_replicas, to WAIT for everything before it in
/// the replication stream (redis_store.cpp, history_length).
inline std::string wait_probe(uint32_t shard) { return shard_prefix(shard) + "wait-probe"; }

/// STRING `sc:{S}:lease`: shard S's owner, lease_value(node, epoch), with a
/// PX expiry of the owner's lease ttl. Set / renewed / deleted only by the
/// coordinator's scripts; the Redis store's fenced writes compare it.
inline std::string lease(uint32_t shard) { return shard_prefix(shard) + "lease"; }

/// STRING `sc:{S}:epoch`: shard S's fencing epoch, an integer INCRed on
/// every fresh acquisition of lease(S) (never decreases, never expires).
inline std::string epoch(uint32_t shard) { return shard_prefix(shard) + "epoch"; }

/// The value of lease(S) held by `node_id` at `epoch`: "<node_id>:<epoch>".
inline std::string lease_value(std::string_view node_id, uint64_t epoch) {
  return std::string(node_id) + ":" + std::to_string(epoch);
}

/// LIST `sc:{S}:inbox`: opaque messages for shard S's owner, RPUSHed by any
/// node (coordinator::post), moved by the owner into inbox_processing(S).
inline std::string inbox(uint32_t shard) { return shard_prefix(shard) + "inbox"; }

/// LIST `sc:{S}:inbox:processing`: messages the owner took and has not
/// acknowledged yet (LREM on ack). A fresh acquisition of lease(S) moves
/// them back to the head of inbox(S) (in order), in the same script.
inline std::string inbox_processing(uint32_t shard) {
  return shard_prefix(shard) + "inbox:processing";
}

/// STRING `sc:{g}:secrets`: the cluster's task-token (and page-token)
/// secrets, newest first, one line each: "<created_ms> <base64url(secret)>"
/// (cluster/secrets.hpp). Created once with SET NX by the first node to
/// start; changed only by `statecraft secrets rotate|retire` (a
/// compare-and-set script). The coordinators read it every heartbeat.
inline std::string token_secrets() { return "sc:{g}:secrets"; }

/// STRING `sc:{g}:clock`: the cluster's manual clock (`executions.clock:
/// manual`), epoch milliseconds in decimal. Created with SET NX by the first
/// manual-clock node to start (its start time); moved only forward by
/// `POST /_statecraft/clock` on any node (a script that also publishes the
/// new value on clock_channel()).
inline std::string manual_clock() { return "sc:{g}:clock"; }

/// STREAM `sc:{g}:status-events`: every execution status change event,
/// field `event` = the JSON (EventBridge's shape), appended by the event
/// sender (XADD, MAXLEN ~ events.stream_max_len) when events.redis_stream
/// is on. At-least-once: after a crash an event may appear twice (same
/// `id`). Consumers read it with XRANGE / XREAD / XREADGROUP.
inline std::string status_stream() { return "sc:{g}:status-events"; }

// Pub/sub channels (not keys; nothing depends on a message arriving).

/// Channel `sc:wake`: message "<S>" after a post to inbox(S).
inline std::string wake_channel() { return "sc:wake"; }
/// Channel `sc:act`: message "<activity arn>" after a push to its queue.
inline std::string activity_channel() { return "sc:act"; }
/// Channel `sc:members`: a node joined, left or released shards; the others
/// rebalance now instead of at their next heartbeat. Message "*secrets"
/// (never a node id): token_secrets() changed; the nodes read it now.
inline std::string members_channel() { return "sc:members"; }
/// Channel `sc:clock`: message "<epoch ms>", the manual clock's new time;
/// every node sets its clock to it and fires the timers now due.
inline std::string clock_channel() { return "sc:clock"; }
/// The members_channel() message after a change of token_secrets().
inline std::string secrets_changed_message() { return "*secrets"; }

}  // namespace sc::cluster::keys
