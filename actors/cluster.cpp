// Cluster mode: several nodes on one Redis.
//
// Executions live in shards; the coordinator (cluster/coordinator.*) gives
// each shard to exactly one live node through a lease with a fencing epoch,
// and the Redis store refuses any write of a shard's data that does not
// carry the current epoch. This file connects the coordinator to the node:
//
//  * gained(shard) → fence the store with the new epoch, then (on the
//    housekeeping thread) recover the shard's running executions — re-arm
//    timers, re-queue untaken activity tasks, start never-started ones —
//    and drain its inbox;
//  * lost(shard) → stop every actor of the shard before the lease goes.
//    Their in-flight saves still carry the old epoch, so they cannot land;
//  * anything addressed to an execution this node does not own (SendTask*,
//    StopExecution, StartExecution, ActivityStarted) is appended durably to
//    the shard's inbox and the owner is woken; the owner drains inboxes on
//    wake-up, every `drain_interval`, and on takeover, and acknowledges a
//    message only after its effect is stored (a crashed owner's messages
//    are taken again by the next one);
//  * activity tasks no local worker is waiting for go to the activity's
//    shared Redis queue, from which any node's parked polls take them
//    (each task to exactly one).
//
// Inbox messages are small JSON objects: {"t": kind, "arn": execution,
// ...}; kinds: start, success, failure, heartbeat, stop, act, mapupdate
// (UpdateMapRun) and mapstop (StopExecution of a Map Run's child), both
// addressed to the parent execution.
#include "actors/detail.hpp"
#include "actors/status_events.hpp"
#include "observability/metrics.hpp"

#include "cluster/coordinator.hpp"
#include "cluster/keys.hpp"
#include "cluster/secrets.hpp"
#include "runtime/json/json.hpp"

#include <atomic>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sc::actors {

namespace {

constexpr auto drain_interval = std::chrono::milliseconds(250);
constexpr size_t drain_batch = 256;

std::string message(std::initializer_list<std::pair<const char*, std::string>> strings,
                    std::initializer_list<std::pair<const char*, int64_t>> numbers = {},
                    std::initializer_list<std::pair<const char*, bool>> flags = {}) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  for (auto& [k, v] : strings) {
    w.Key(k);
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  }
  for (auto& [k, v] : numbers) {
    w.Key(k);
    w.Int64(v);
  }
  for (auto& [k, v] : flags) {
    w.Key(k);
    w.Bool(v);
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string str(const json::value& o, const char* k) {
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsString() ? it->value.GetString() : std::string();
}
int64_t num(const json::value& o, const char* k) {
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}
bool flag(const json::value& o, const char* k) {
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

}  // namespace

bool node::impl::owns(const std::string& arn) const {
  // Express executions are not stored: they always run where they started.
  if (!coord || arn.find(":express:") != std::string::npos) return true;
  return coord->owns(shard_of(arn));
}

int node::impl::shard_of(const std::string& arn) const {
  return static_cast<int>(cluster::keys::shard_of(arn, shard_count));
}

void node::impl::cluster_job(std::function<void()> job) {
  {
    std::lock_guard lock(cw_mu);
    cw_jobs.push_back(std::move(job));
  }
  cw_cv.notify_one();
}

bool node::impl::start_cluster(const std::string& url, std::string* error) {
  cluster::coordinator_options opts;
  opts.url = url;
  opts.node_id = node_id;
  opts.address = address;
  opts.heartbeat = std::chrono::milliseconds(
      static_cast<int64_t>(cfg.cluster.heartbeat_seconds * 1000));
  opts.lease_ttl = std::chrono::milliseconds(
      static_cast<int64_t>(cfg.cluster.lease_ttl_seconds * 1000));
  opts.wait_replicas = cfg.store.redis_wait_replicas;
  opts.wait_timeout = std::chrono::milliseconds(cfg.store.redis_wait_timeout_ms);
  cluster::coordinator_callbacks cb;
  cb.gained = [this](int shard, uint64_t epoch) { on_gained(shard, epoch); };
  cb.lost = [this](int shard) { on_lost(shard); };
  cb.inbox_ready = [this](int shard) { cluster_job([this, shard] { drain(shard); }); };
  cb.activity_ready = [this](const std::string& arn) {
    caf::actor q;
    {
      std::lock_guard lock(mu);
      auto it = queues.find(arn);
      if (it == queues.end()) return;  // nobody polls it here
      q = it->second;
    }
    caf::anon_send(q, ready_atom::value);
  };
  cb.secrets_changed = [this](const std::string& stored) {
    // A rotation or retirement (cluster/secrets.hpp): sign and verify with
    // the cluster's ring from now on.
    if (auto ring = cluster::parse_secrets(stored)) codec.set_secrets(cluster::secret_values(*ring));
  };
  if (manual_clock()) {
    // The cluster's manual clock (keys::manual_clock()): the first node's
    // start time, adopted exactly at start (before any shard is recovered),
    // then followed forward on every advance made through any node.
    opts.manual_clock_start = exec_now_ms();
    auto joined = std::make_shared<std::atomic<bool>>(false);
    cb.clock_changed = [this, joined](int64_t ms) {
      if (!joined->exchange(true)) return enable_manual_clock(ms);
      if (ms <= exec_now_ms()) return;  // (each heartbeat reads it too)
      set_manual_clock(ms);
      caf::anon_send(timers, tick_atom::value);
    };
  }
  // The housekeeping thread: jobs, plus a periodic inbox sweep.
  cw_thread = std::thread([this] {
    std::unique_lock lock(cw_mu);
    while (!cw_stop) {
      if (cw_jobs.empty() && cw_recover.empty()) {
        cw_cv.wait_for(lock, drain_interval);
        if (cw_stop) break;
        if (cw_jobs.empty() && cw_recover.empty()) {
          lock.unlock();
          sweep_starts(now_ms());
          try {
            std::deque<std::pair<int, std::string>> retry;
            {
              std::lock_guard again(cw_mu);
              retry.swap(cw_retry);
            }
            for (auto& [shard, msg] : retry)
              if (coord && coord->owns(shard)) dispatch(shard, msg);
            if (coord)
              for (int shard : coord->owned()) drain(shard);
          } catch (const cluster::store_error&) {
            // Redis away: the next sweep tries again.
          }
          lock.lock();
          continue;
        }
      }
      if (!cw_recover.empty()) {
        std::set<int> shards;
        shards.swap(cw_recover);
        lock.unlock();
        try {
          // One scan for every shard gained since the last one.
          for (auto& rec : store.running_executions()) {
            int s = shard_of(rec.arn);
            if (!shards.count(s) || !rec.state || !owns(rec.arn)) continue;
            if (rec.state->next_event_id == 1) {
              route(rec.arn, [](const caf::actor&) {});
              continue;
            }
            auto def = definition(rec.machine_arn + "#" + rec.revision_id, rec.definition);
            if (def) rearm(*rec.state, *def);
          }
          for (int s : shards) drain(s);
        } catch (const cluster::store_error&) {
          std::lock_guard again(cw_mu);
          cw_recover.insert(shards.begin(), shards.end());  // retry later
        }
        lock.lock();
        continue;
      }
      auto job = std::move(cw_jobs.front());
      cw_jobs.pop_front();
      lock.unlock();
      try {
        job();
      } catch (const cluster::store_error&) {
      }
      lock.lock();
    }
  });
  coord = std::make_unique<cluster::coordinator>(opts, cb);
  shard_count = 64;
  if (!coord->start(error)) {
    stop_cluster();
    return false;
  }
  shard_count = static_cast<uint32_t>(coord->shards());
  if (events) events->start([this] { return coord->owned(); }, shard_count);
  return true;
}

void node::impl::stop_cluster() {
  if (coord) coord->stop(true);  // hands shards over: lost() stops their actors
  {
    std::lock_guard lock(cw_mu);
    cw_stop = true;
  }
  cw_cv.notify_all();
  if (cw_thread.joinable()) cw_thread.join();
}

void node::impl::on_gained(int shard, uint64_t epoch) {
  obs::metrics().shards_owned.add(1);
  store.set_fence(shard, epoch, node_id);
  {
    std::lock_guard lock(cw_mu);
    cw_recover.insert(shard);
  }
  cw_cv.notify_one();
}

void node::impl::on_lost(int shard) {
  obs::metrics().shards_owned.add(-1);
  // Stop every actor of the shard; keep the store's fence at the old epoch so
  // a save still in flight cannot land once another node holds the lease.
  std::vector<caf::actor> victims;
  {
    std::lock_guard lock(mu);
    for (auto it = executions.begin(); it != executions.end();) {
      bool express = it->first.find(":express:") != std::string::npos;
      if (!express && shard_of(it->first) == shard) {
        if (it->second.actor) victims.push_back(it->second.actor);
        it = executions.erase(it);  // waiting messages: their replies fall back
      } else {
        ++it;
      }
    }
    // What this node knew finished may change while another node holds the
    // shard (a redrive there): forget it, so it is read again if the shard
    // comes back. (Its order entries just age out.)
    for (auto it = finished.begin(); it != finished.end();)
      it = shard_of(*it) == shard ? finished.erase(it) : std::next(it);
  }
  for (auto& a : victims) caf::anon_send_exit(a, caf::exit_reason::kill);
}

namespace {
std::string start_key(const std::string& arn, int64_t task) {
  return std::to_string(task) + "|" + arn;
}
}  // namespace

void node::impl::note_start(const std::string& arn, int64_t task, const std::string& worker) {
  auto key = start_key(arn, task);
  std::lock_guard lock(starts_mu);
  pending_starts[std::move(key)] = {worker, now_ms()};
}

void node::impl::forget_start(const std::string& arn, int64_t task) {
  auto key = start_key(arn, task);
  std::lock_guard lock(starts_mu);
  pending_starts.erase(key);
}

std::optional<std::string> node::impl::pending_start(const std::string& arn, int64_t task) {
  auto key = start_key(arn, task);
  std::lock_guard lock(starts_mu);
  auto it = pending_starts.find(key);
  if (it == pending_starts.end()) return std::nullopt;
  return it->second.first;  // kept until the ActivityStarted is stored
}

void node::impl::sweep_starts(int64_t now) {
  constexpr int64_t keep_ms = 3600 * 1000;
  std::lock_guard lock(starts_mu);
  if (now - starts_swept_ms < 60 * 1000) return;
  starts_swept_ms = now;
  for (auto it = pending_starts.begin(); it != pending_starts.end();)
    it = now - it->second.second > keep_ms ? pending_starts.erase(it) : std::next(it);
}

void node::impl::post_remote(const std::string& arn, const std::string& msg) {
  coord->post(shard_of(arn), msg);
}

void node::impl::activity_started(const std::string& arn, int64_t task,
                                  const std::string& worker, bool shared) {
  if (owns(arn)) {
    route(arn, [task, worker, shared](const caf::actor& a) {
      caf::anon_send(a, act_start_atom::value, task, worker, shared);
    });
    return;
  }
  try {
    post_remote(arn, message({{"t", "act"}, {"arn", arn}, {"worker", worker}}, {{"task", task}}));
  } catch (const cluster::store_error&) {
    // Lost: the task is then re-queued when its owner recovers it.
  }
}

void node::impl::drain(int shard) {
  if (!coord || !coord->owns(shard)) return;
  for (;;) {
    auto msgs = coord->take(shard, drain_batch);
    for (auto& m : msgs) dispatch(shard, m);
    if (msgs.size() < drain_batch) break;
  }
}

void node::impl::dispatch(int shard, const std::string& msg) {
  auto* c = coord.get();
  auto later = [this, shard, msg] {
    std::lock_guard lock(cw_mu);
    cw_retry.emplace_back(shard, msg);
  };
  auto ack = [c, shard, msg] {
    try {
      c->ack(shard, msg);
    } catch (const cluster::store_error&) {
    }
  };
  json::document d;
  if (!json::parse(msg, d) || !d.IsObject()) return ack();  // garbage: drop it
  std::string kind = str(d, "t");
  std::string arn = str(d, "arn");
  // The shard moved away since take(): leave the message unacknowledged in
  // the processing list, which the next owner takes again on acquisition.
  if (!owns(arn)) return;
  if (kind == "start" || kind == "act") {
    int64_t task = num(d, "task");
    std::string worker = str(d, "worker");
    auto r = route(arn, [kind, task, worker](const caf::actor& a) {
      // Another node handed it out: it came from the shared queue.
      if (kind == "act") caf::anon_send(a, act_start_atom::value, task, worker, true);
    });
    if (r == route_result::unavailable) return later();
    return ack();  // a start is durable already (record + state exist)
  }
  // Acknowledged once the execution stored the outcome — or rejected it.
  // A reply that falls back (the actor went away) leaves the message for
  // the shard's next owner.
  auto acked = std::make_shared<std::function<void()>>(ack);
  if (kind == "redrive") {
    redrive_request r;
    r.token = str(d, "token");
    r.at_ms = num(d, "at");
    r.done = reply<std::pair<std::optional<api_error>, int64_t>>(
        [acked](std::pair<std::optional<api_error>, int64_t> res) {
          if (!res.first || res.first->type != "Dropped") (*acked)();
        },
        {api_error{"Dropped", ""}, 0});
    auto holder = std::make_shared<redrive_request>(std::move(r));
    auto routed = route(
        arn, [holder](const caf::actor& a) { caf::anon_send(a, redrive_atom::value, std::move(*holder)); },
        true);
    if (routed != route_result::delivered) {
      holder->done.release();
      if (routed == route_result::not_running) { if (owns(arn)) ack(); }
      else later();
    }
    return;
  }
  if (kind == "stop") {
    stop_request r;
    r.error = str(d, "error");
    r.cause = str(d, "cause");
    r.has_error = flag(d, "he");
    r.has_cause = flag(d, "hc");
    r.done = reply<std::pair<std::optional<api_error>, int64_t>>(
        [acked](std::pair<std::optional<api_error>, int64_t> res) {
          if (!res.first || res.first->type != "Dropped") (*acked)();
        },
        {api_error{"Dropped", ""}, 0});
    auto holder = std::make_shared<stop_request>(std::move(r));
    auto routed = route(arn, [holder](const caf::actor& a) {
      caf::anon_send(a, stop_atom::value, std::move(*holder));
    });
    if (routed != route_result::delivered) {
      holder->done.release();
      if (routed == route_result::not_running) { if (owns(arn)) ack(); }
      else later();
    }
    return;
  }
  if (kind == "mapupdate" || kind == "mapstop") {
    map_update_request r;
    if (kind == "mapupdate") {
      interp::ev_update_map_run ev;
      ev.map_run_arn = str(d, "mr");
      ev.max_concurrency = num(d, "mc");
      ev.tolerated_count = num(d, "tc");
      ev.tolerated_percentage = num(d, "tp") >= 0 ? double(num(d, "tp")) / 1e6 : -1;
      r.ev = std::move(ev);
    } else {
      r.ev = interp::ev_stop_child{str(d, "child"), str(d, "error"), str(d, "cause"),
                                   flag(d, "he"), flag(d, "hc")};
    }
    r.done = reply<std::pair<std::optional<api_error>, int64_t>>(
        [acked](std::pair<std::optional<api_error>, int64_t> res) {
          if (!res.first || res.first->type != "Dropped") (*acked)();
        },
        {api_error{"Dropped", ""}, 0});
    auto holder = std::make_shared<map_update_request>(std::move(r));
    auto routed = route(arn, [holder](const caf::actor& a) {
      caf::anon_send(a, map_update_atom::value, std::move(*holder));
    });
    if (routed != route_result::delivered) {
      holder->done.release();
      if (routed == route_result::not_running) { if (owns(arn)) ack(); }
      else later();
    }
    return;
  }
  task_outcome o;
  if (kind == "success") {
    o.k = task_outcome::kind::success;
    o.output = str(d, "output");
  } else if (kind == "failure") {
    o.k = task_outcome::kind::failure;
    o.error = str(d, "error");
    o.cause = str(d, "cause");
    o.has_error = flag(d, "he");
    o.has_cause = flag(d, "hc");
  } else if (kind == "heartbeat") {
    o.k = task_outcome::kind::heartbeat;
  } else {
    return ack();  // unknown kind
  }
  o.task = num(d, "task");
  o.done = error_reply(
      [acked](std::optional<api_error> e) {
        if (!e || e->type != "Dropped") (*acked)();
      },
      api_error{"Dropped", ""});
  auto holder = std::make_shared<task_outcome>(std::move(o));
  auto r = route(arn, [holder](const caf::actor& a) {
    caf::anon_send(a, task_atom::value, std::move(*holder));
  });
  if (r != route_result::delivered) {
    holder->done.release();
    if (r == route_result::not_running) { if (owns(arn)) ack(); }
    else later();
  }
}

// -- node API paths for executions owned elsewhere ----------------------------

std::string remote_task_message(const std::string& kind, const std::string& arn, int64_t task,
                                const std::string& output, const std::string& error,
                                const std::string& cause, bool he, bool hc) {
  return message({{"t", kind}, {"arn", arn}, {"output", output}, {"error", error}, {"cause", cause}},
                 {{"task", task}}, {{"he", he}, {"hc", hc}});
}

std::string remote_stop_message(const std::string& arn, const std::string& error,
                                const std::string& cause, bool he, bool hc) {
  return message({{"t", "stop"}, {"arn", arn}, {"error", error}, {"cause", cause}}, {},
                 {{"he", he}, {"hc", hc}});
}

std::string remote_redrive_message(const std::string& arn, const std::string& token,
                                   int64_t at_ms) {
  return message({{"t", "redrive"}, {"arn", arn}, {"token", token}}, {{"at", at_ms}});
}

std::string remote_map_update_message(const std::string& execution_arn,
                                      const interp::ev_update_map_run& ev) {
  // The percentage travels in millionths (the message's numbers are integers).
  int64_t tp = ev.tolerated_percentage < 0 ? -1 : int64_t(ev.tolerated_percentage * 1e6 + 0.5);
  return message({{"t", "mapupdate"}, {"arn", execution_arn}, {"mr", ev.map_run_arn}},
                 {{"mc", ev.max_concurrency}, {"tc", ev.tolerated_count}, {"tp", tp}});
}

std::string remote_stop_child_message(const std::string& execution_arn,
                                      const interp::ev_stop_child& ev) {
  return message({{"t", "mapstop"}, {"arn", execution_arn}, {"child", ev.child_arn},
                  {"error", ev.error}, {"cause", ev.cause}},
                 {}, {{"he", ev.has_error}, {"hc", ev.has_cause}});
}

std::string remote_start_message(const std::string& arn) {
  return message({{"t", "start"}, {"arn", arn}});
}

}  // namespace sc::actors
