// The Redis store's connections: connecting with back-off (directly or
// through Sentinel), the pool of synchronous connections, leased
// connections, and running Lua scripts.
#include "cluster/redis_store_impl.hpp"

namespace sc::cluster::redis_impl {

std::string connector::await_replicas(redisContext* c) const {
  if (opts_.wait_replicas <= 0) return {};
  std::string err;
  long long n = wait_for_replicas(c, opts_.wait_replicas, opts_.wait_timeout, &err);
  if (n < 0) return "Redis at " + where() + ": " + err;
  if (n < opts_.wait_replicas)
    return "Redis at " + where() + ": the write reached " + std::to_string(n) + " of " +
           std::to_string(opts_.wait_replicas) + " replicas within " +
           std::to_string(opts_.wait_timeout.count()) + " ms (store.redis_wait_replicas)";
  return {};
}

redisContext* connector::connect() {
  {
    std::lock_guard lock(mu_);
    auto now = steady::now();
    if (now < retry_at_) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - now).count();
      throw store_unavailable("Redis at " + (where_.empty() ? ep_.describe() : where_) +
                              " unavailable (" + last_error_ + "); next attempt in " +
                              std::to_string(ms) + " ms");
    }
  }
  // Directly, or the master the sentinels name (redis_endpoint.hpp).
  std::string err, at;
  redisContext* c =
      connect_redis_master(ep_, opts_.connect_timeout, opts_.command_timeout, &err, &at);
  {
    std::lock_guard lock(mu_);
    where_ = at;
  }
  if (!c) {
    std::lock_guard lock(mu_);
    last_error_ = err;
    retry_at_ = steady::now() + backoff_;
    backoff_ = std::min(backoff_ * 2, opts_.backoff_max);
    throw store_unavailable("cannot connect to Redis at " + at + ": " + err);
  }
  std::lock_guard lock(mu_);
  backoff_ = opts_.backoff_min;
  retry_at_ = {};
  return c;
}

bool roundtrip(redisContext* c, const resp& q, std::vector<reply>& out, std::string* why) {
  sigpipe_guard g;
  out.clear();
  out.reserve(q.count());
  if (redisAppendFormattedCommand(c, q.data().data(), q.data().size()) != REDIS_OK) {
    if (why) *why = c->errstr[0] ? c->errstr : "out of memory";
    return false;
  }
  for (size_t i = 0; i < q.count(); ++i) {
    void* r = nullptr;
    if (redisGetReply(c, &r) != REDIS_OK || !r) {
      if (why) *why = c->errstr[0] ? c->errstr : "connection lost";
      return false;
    }
    out.emplace_back(static_cast<redisReply*>(r));
  }
  return true;
}

redisContext* pool::take() {
  if (router_) return nullptr;  // the router has its own pools
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !idle_.empty() || leased_ < max_; });
  ++leased_;
  if (uint64_t g = conn_.generation(); g != gen_) {  // the master switched
    for (auto* c : idle_) redisFree(c);
    idle_.clear();
    gen_ = g;
  }
  if (!idle_.empty()) {
    auto* c = idle_.back();
    idle_.pop_back();
    return c;
  }
  lock.unlock();
  try {
    return conn_.connect();
  } catch (...) {
    lock.lock();
    --leased_;
    cv_.notify_one();
    throw;
  }
}

void pool::give_back(redisContext* c, bool broken) {
  if (router_) return;
  if (broken && c) {
    redisFree(c);
    c = nullptr;
  }
  std::lock_guard lock(mu_);
  --leased_;
  if (c) idle_.push_back(c);
  cv_.notify_one();
}

std::vector<reply> lease::run_raw(const resp& q) {
  std::vector<reply> out;
  std::string why;
  if (auto* router = p_.router()) {
    if (!router->run({q.data()}, out, &why, q.writes())) throw store_unavailable("Redis Cluster: " + why);
    return out;
  }
  if (!roundtrip(c_, q, out, &why)) {
    broken_ = true;
    throw store_unavailable("Redis at " + p_.conn().where() + ": " + why);
  }
  // Not (or no longer) the master: drop it, the next one asks again.
  for (auto& r : out)
    if (is_failover_error(r.get())) broken_ = true;
  if (q.writes() && !broken_) {
    if (std::string short_of = p_.conn().await_replicas(c_); !short_of.empty()) {
      broken_ = true;
      throw store_unavailable(short_of);
    }
  }
  return out;
}

void lease::check(const redisReply* r) {
  if (is_error(r)) throw store_unavailable("Redis error: " + std::string(str(r)));
  if (r && r->type == REDIS_REPLY_ARRAY)
    for (size_t i = 0; i < r->elements; ++i)
      if (is_error(r->element[i]))
        throw store_unavailable("Redis error: " + std::string(str(r->element[i])));
}

/// Runs a script: EVALSHA with the digest Redis gave at SCRIPT LOAD, or
/// EVAL when Redis has forgotten it (restart, SCRIPT FLUSH).
reply redis_store::eval(lease& c, const script& sc, std::initializer_list<std::string> keys_,
                        const std::vector<std::string>& args) {
  return eval(c, sc, std::vector<std::string>(keys_), args);
}

reply redis_store::eval(lease& c, const script& sc, const std::vector<std::string>& keys_,
                        const std::vector<std::string>& args) {
  std::string sha;
  {
    std::lock_guard lock(sha_mu_);
    sha = shas_[sc.text];
  }
  auto build = [&](bool by_sha) {
    resp q;
    q.begin(3 + keys_.size() + args.size());
    q.arg(by_sha ? "EVALSHA" : "EVAL");
    q.arg(by_sha ? std::string_view(sha) : std::string_view(sc.text));
    std::string n = std::to_string(keys_.size());
    q.arg(n);
    for (const auto& k : keys_) q.arg(k);
    for (const auto& a : args) q.arg(a);
    return q;
  };
  if (sha.empty()) {
    auto r = c.one({"SCRIPT", "LOAD", sc.text});
    sha = std::string(str(r.get()));
    std::lock_guard lock(sha_mu_);
    shas_[sc.text] = sha;
  }
  auto rep = c.run_raw(build(true));
  if (is_error(rep[0].get()) && str(rep[0].get()).substr(0, 8) == "NOSCRIPT")
    rep = c.run_raw(build(false));
  lease::check(rep[0].get());
  return std::move(rep[0]);
}

reply redis_store::eval(lease& c, const script& sc, std::initializer_list<std::string> keys_,
                        std::initializer_list<std::string> args) {
  return eval(c, sc, keys_, std::vector<std::string>(args));
}

}  // namespace sc::cluster::redis_impl
