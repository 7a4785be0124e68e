// The Redis store's writer thread: group commit of execution saves
// (redis_store.hpp, "Threads and connections").
#include "cluster/redis_store_impl.hpp"
#include "observability/metrics.hpp"

#include <pthread.h>
#include <signal.h>

namespace sc::cluster::redis_impl {

void redis_store::submit(pending_save p) {
  if (std::this_thread::get_id() == writer_id_) {
    // Called from a save callback on the writer thread: run it inline
    // (the writer's pipeline is drained when callbacks run).
    std::vector<pending_save> one;
    one.push_back(std::move(p));
    process(one);
    return;
  }
  bool wake;
  {
    std::lock_guard lock(wmu_);
    wake = queue_.empty();
    queue_.push_back(std::move(p));
  }
  if (wake) wcv_.notify_one();
}

void redis_store::writer_loop() {
  writer_id_ = std::this_thread::get_id();
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &s, nullptr);
  std::vector<pending_save> batch;
  for (;;) {
    {
      std::unique_lock lock(wmu_);
      wcv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      // Group: everything queued, up to max_batch saves or ~16 MiB of
      // commands (always at least one save).
      const size_t n = std::min(queue_.size(), std::max<size_t>(opts_.max_batch, 1));
      size_t bytes = 0;
      for (size_t i = 0; i < n && (i == 0 || bytes < max_group_bytes); ++i) {
        bytes += queue_.front().cmds.data().size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    obs::metrics().save_batch.observe(batch.size());
    process(batch);
    batch.clear();
  }
}

/// Writes `batch` as one pipeline, reads every reply, erases machines
/// whose last execution just finished, then calls the callbacks.
void redis_store::process(std::vector<pending_save>& batch) {
  std::vector<char> ok(batch.size(), 0);
  std::vector<char> fenced_out(batch.size(), 0);
  std::string why;
  std::vector<std::string> deleting;
  bool have = false, broken = false, stale = false;
  // Redis Cluster: the router sends each save to its shard's master (the
  // SISMEMBER after a finishing save to the global keys' master) and gives
  // the replies back in order.
  std::vector<reply> routed;
  size_t routed_at = 0;
  if (cluster_) {
    std::vector<std::string_view> pieces;
    pieces.reserve(batch.size());
    for (const auto& p : batch) pieces.push_back(p.cmds.data());
    std::string err;
    if (!cluster_->run(pieces, routed, &err)) why = "Redis Cluster: " + err;
    // Saves whose master failed have no replies (they fail below); the
    // others' masters answered.
    size_t total = 0;
    for (const auto& p : batch) total += p.cmds.count();
    have = routed.size() == total;
  } else {
    if (wctx_ && wgen_ != connector_.generation()) {  // the master switched
      redisFree(wctx_);
      wctx_ = nullptr;
    }
    if (!wctx_) {
      try {
        wgen_ = connector_.generation();
        wctx_ = connector_.connect();
        wctx_has_fenced_ = false;
      } catch (const store_error& e) {
        why = e.what();
      }
    }
    if (wctx_) {
      have = true;
      // Fenced saves run a script by digest: load it first on a connection
      // that has not (the reply is read before the saves').
      bool loading = false;
      if (!wctx_has_fenced_ &&
          std::any_of(batch.begin(), batch.end(), [](const pending_save& p) { return p.fenced; })) {
        resp l;
        l.cmd({"SCRIPT", "LOAD", save_execution_fenced_lua.text});
        loading = true;
        if (redisAppendFormattedCommand(wctx_, l.data().data(), l.data().size()) != REDIS_OK)
          broken = true;
      }
      for (auto& p : batch)
        if (redisAppendFormattedCommand(wctx_, p.cmds.data().data(), p.cmds.data().size()) !=
            REDIS_OK) {
          broken = true;
          break;
        }
      if (loading && !broken) {
        void* raw = nullptr;
        if (redisGetReply(wctx_, &raw) != REDIS_OK || !raw)
          broken = true;
        else
          wctx_has_fenced_ = !is_error(reply(static_cast<redisReply*>(raw)).get());
      }
    }
  }
  // The next reply, or null when the connection failed.
  auto next = [&]() -> reply {
    if (cluster_) return routed_at < routed.size() ? std::move(routed[routed_at++]) : reply();
    void* raw = nullptr;
    if (redisGetReply(wctx_, &raw) != REDIS_OK || !raw) return reply();
    return reply(static_cast<redisReply*>(raw));
  };
  if (have) {
    for (size_t i = 0; i < batch.size() && !broken; ++i) {
      const auto& p = batch[i];
      const size_t n = p.cmds.count();
      const size_t exec_at = n - 1 - (p.check_deleting ? 1 : 0);
      bool good = false;
      if (cluster_ && !std::all_of(routed.begin() + static_cast<std::ptrdiff_t>(routed_at),
                                   routed.begin() + static_cast<std::ptrdiff_t>(routed_at + n),
                                   [](const reply& r) { return r != nullptr; })) {
        routed_at += n;  // its master failed: this save fails (retried by its caller)
        continue;
      }
      for (size_t k = 0; k < n; ++k) {
        reply r = next();
        if (!r) {
          broken = true;
          break;
        }
        if (is_failover_error(r.get())) stale = true;
        if (k == exec_at && p.fenced) {
          // The script's 1 = saved, 0 = fenced out (nothing written).
          good = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
          fenced_out[i] = r->type == REDIS_REPLY_INTEGER && r->integer == 0;
          if (is_error(r.get())) {
            why = "Redis error: " + std::string(str(r.get()));
            if (str(r.get()).substr(0, 8) == "NOSCRIPT") wctx_has_fenced_ = false;
          } else if (!good && !fenced_out[i]) {
            why = "Redis: unexpected reply from the fenced save script";
          }
        } else if (k == exec_at) {
          good = r->type == REDIS_REPLY_ARRAY;
          for (size_t j = 0; good && j < r->elements; ++j)
            if (is_error(r->element[j])) good = false;
          if (!good)
            why = is_error(r.get()) ? "Redis error: " + std::string(str(r.get()))
                                    : "Redis: transaction not applied";
        } else if (k > exec_at && good && r->type == REDIS_REPLY_INTEGER && r->integer == 1) {
          deleting.push_back(p.machine_arn);
        }
      }
      if (!broken) ok[i] = good;
      if (broken) fenced_out[i] = 0;
    }
  }
  if (have && !cluster_) {
    // store.redis_wait_replicas: acknowledged only once replicated; a
    // failed save is retried by its caller (saves are idempotent).
    if (!broken && std::find(ok.begin(), ok.end(), 1) != ok.end()) {
      if (std::string short_of = connector_.await_replicas(wctx_); !short_of.empty()) {
        why = short_of;
        std::fill(ok.begin(), ok.end(), 0);
        deleting.clear();
        stale = true;
      }
    }
    if (stale && !broken) {  // not the master any more, or not replicated
      redisFree(wctx_);
      wctx_ = nullptr;
    }
    if (broken) {
      why = std::string("Redis at ") + connector_.where() + ": " +
            (wctx_->errstr[0] ? wctx_->errstr : "connection lost");
      redisFree(wctx_);
      wctx_ = nullptr;
    }
  } else if (broken) {
    why = "Redis Cluster: too few replies";
  }
  std::sort(deleting.begin(), deleting.end());
  deleting.erase(std::unique(deleting.begin(), deleting.end()), deleting.end());
  for (const auto& m : deleting) {
    try {
      erase_if_idle(m);
    } catch (const store_error&) {
      // Stays DELETING; the next DeleteStateMachine re-checks.
    }
  }
  uint64_t good = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    good += ok[i] ? 1 : 0;
    if (!batch[i].done) continue;
    if (ok[i])
      batch[i].done(save_result::ok, std::string());
    else if (fenced_out[i])
      batch[i].done(save_result::fenced, batch[i].fence_message);
    else
      batch[i].done(save_result::failed, why);
  }
  st_saves_ += good;
  st_failed_ += batch.size() - good;
  st_fenced_ += static_cast<uint64_t>(std::count(fenced_out.begin(), fenced_out.end(), 1));
  ++st_flushes_;
  uint64_t prev = st_max_group_.load();
  while (batch.size() > prev && !st_max_group_.compare_exchange_weak(prev, batch.size())) {
  }
}

}  // namespace sc::cluster::redis_impl
