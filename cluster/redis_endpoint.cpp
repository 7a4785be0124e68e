// Redis URLs and finding the master (directly or through Redis Sentinel).
// See redis_endpoint.hpp.
#include "cluster/redis_endpoint.hpp"

#include "cluster/hiredis_util.hpp"
#include "cluster/redis_cluster.hpp"

#include <sys/socket.h>
#include <time.h>

#include <cctype>
#include <charconv>
#include <limits>
#include <map>

namespace sc::cluster {

namespace {

using std::chrono::milliseconds;

using hiredis::reply;
using hiredis::str;

timeval to_timeval(milliseconds d) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

std::optional<long long> number(std::string_view s, long long max) {
  if (s.empty()) return std::nullopt;
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0 || v > max) return std::nullopt;
  return v;
}

/// HOST:PORT or [IPv6]:PORT (PORT optional when default_port > 0).
std::optional<redis_host> parse_host(std::string_view s, int default_port, std::string* why) {
  auto fail = [&](std::string w) -> std::optional<redis_host> {
    if (why) *why = std::move(w);
    return std::nullopt;
  };
  redis_host h;
  std::string_view port;
  bool has_port = false;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close < 2) return fail("bad IPv6 host in '" + std::string(s) + "'");
    h.host = std::string(s.substr(1, close - 1));
    for (char ch : h.host)
      if (!(std::isxdigit(static_cast<unsigned char>(ch)) || ch == ':' || ch == '.'))
        return fail("bad IPv6 host in '" + std::string(s) + "'");
    s.remove_prefix(close + 1);
    if (!s.empty()) {
      if (s.front() != ':') return fail("expected ':PORT' after ']'");
      port = s.substr(1);
      has_port = true;
    }
  } else {
    auto colon = s.find(':');
    h.host = std::string(s.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = s.substr(colon + 1);
      has_port = true;
    }
    if (h.host.empty()) return fail("empty host in '" + std::string(s) + "'");
    for (char ch : h.host)
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.' || ch == '_'))
        return fail("bad host name '" + h.host + "'");
  }
  if (!has_port) {
    if (default_port <= 0) return fail("missing ':PORT' after '" + h.host + "'");
    h.port = default_port;
    return h;
  }
  auto p = number(port, 65535);
  if (!p || *p < 1) return fail("bad port '" + std::string(port) + "' (1..65535)");
  h.port = static_cast<int>(*p);
  return h;
}

std::optional<int> parse_db(std::string_view s, std::string* why) {
  auto db = number(s, std::numeric_limits<int>::max());
  if (!db) {
    if (why) *why = "bad database number '" + std::string(s) + "'";
    return std::nullopt;
  }
  return static_cast<int>(*db);
}

/// A key with the global keys' hash tag (keys.hpp: "sc:{g}:...").
constexpr std::string_view keys_global_tag_key = "sc:{g}:meta";

std::string where_of(const redis_host& h) {
  return (h.host.find(':') != std::string::npos ? "[" + h.host + "]" : h.host) + ":" +
         std::to_string(h.port);
}

/// The sentinel that answered last, per endpoint (tried first next time).
std::mutex preferred_mu;
std::map<std::string, size_t> preferred;

redisContext* dial(const redis_host& h, milliseconds connect_timeout, milliseconds command_timeout,
                   std::string* error) {
  redisContext* c = redisConnectWithTimeout(h.host.c_str(), h.port, to_timeval(connect_timeout));
  if (!c || c->err) {
    if (error) *error = c ? c->errstr : "out of memory";
    if (c) redisFree(c);
    return nullptr;
  }
  redisSetTimeout(c, to_timeval(command_timeout));
  redisEnableKeepAlive(c);
  return c;
}

reply command(redisContext* c, std::initializer_list<std::string_view> args, std::string* error) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  reply r(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data())));
  if (!r && error) *error = c->errstr[0] ? c->errstr : "connection lost";
  return r;
}

}  // namespace

std::string redis_endpoint::describe() const {
  if (uses_cluster()) {
    std::string s = "Redis Cluster ";
    for (size_t i = 0; i < cluster_nodes.size(); ++i) s += (i ? "," : "") + where_of(cluster_nodes[i]);
    return s;
  }
  if (!uses_sentinel()) return where_of(server);
  std::string s = "master '" + master + "' via sentinels ";
  for (size_t i = 0; i < sentinels.size(); ++i) s += (i ? "," : "") + where_of(sentinels[i]);
  return s;
}

std::optional<redis_endpoint> parse_redis_endpoint(std::string_view url, std::string* why) {
  auto fail = [&](std::string w) -> std::optional<redis_endpoint> {
    if (why) *why = std::move(w);
    return std::nullopt;
  };
  constexpr std::string_view plain = "redis://", sentinel = "redis+sentinel://",
                             cluster = "redis+cluster://";
  redis_endpoint ep;
  if (url.substr(0, cluster.size()) == cluster) {
    std::string_view rest = url.substr(cluster.size());
    if (rest.find('@') != std::string_view::npos) return fail("user and password are not supported");
    // The last host may be [IPv6] with colons: the path starts after it.
    size_t from = rest.rfind(']');
    auto slash = rest.find('/', from == std::string_view::npos ? 0 : from);
    std::string_view hosts = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
      std::string_view path = rest.substr(slash + 1);
      if (!path.empty() && path != "0")
        return fail("Redis Cluster has database 0 only (no '/" + std::string(path) + "')");
    }
    if (hosts.empty()) return fail("no cluster node address");
    while (true) {
      auto comma = hosts.find(',');
      auto h = parse_host(hosts.substr(0, comma), 6379, why);
      if (!h) return std::nullopt;
      ep.cluster_nodes.push_back(std::move(*h));
      if (comma == std::string_view::npos) break;
      hosts.remove_prefix(comma + 1);
    }
    ep.server = ep.cluster_nodes.front();
    return ep;
  }
  if (url.substr(0, plain.size()) == plain) {
    std::string_view rest = url.substr(plain.size());
    if (rest.find('@') != std::string_view::npos) return fail("user and password are not supported");
    // The host may be [IPv6] with colons: the path starts after it.
    size_t from = rest.empty() || rest.front() != '[' ? 0 : rest.find(']');
    if (from == std::string_view::npos) return fail("bad IPv6 host");
    auto slash = rest.find('/', from);
    auto h = parse_host(rest.substr(0, slash), 0, why);
    if (!h) return std::nullopt;
    ep.server = std::move(*h);
    if (slash != std::string_view::npos && slash + 1 < rest.size()) {
      auto db = parse_db(rest.substr(slash + 1), why);
      if (!db) return std::nullopt;
      ep.db = *db;
    }
    return ep;
  }
  if (url.substr(0, sentinel.size()) != sentinel)
    return fail("unknown scheme (expected redis://, redis+sentinel:// or redis+cluster://)");
  std::string_view rest = url.substr(sentinel.size());
  if (rest.find('@') != std::string_view::npos) return fail("user and password are not supported");
  auto slash = rest.find('/');
  if (slash == std::string_view::npos)
    return fail("missing '/MASTER' (the name the sentinels monitor) after the sentinel list");
  std::string_view hosts = rest.substr(0, slash), path = rest.substr(slash + 1);
  if (hosts.empty()) return fail("no sentinel address before '/'");
  while (true) {
    auto comma = hosts.find(',');
    auto h = parse_host(hosts.substr(0, comma), 26379, why);
    if (!h) return std::nullopt;
    ep.sentinels.push_back(std::move(*h));
    if (comma == std::string_view::npos) break;
    hosts.remove_prefix(comma + 1);
  }
  auto slash2 = path.find('/');
  ep.master = std::string(path.substr(0, slash2));
  if (ep.master.empty()) return fail("empty master name after the sentinel list");
  for (char ch : ep.master)
    if (std::isspace(static_cast<unsigned char>(ch)) || std::iscntrl(static_cast<unsigned char>(ch)))
      return fail("bad master name '" + ep.master + "' (no spaces)");
  if (slash2 != std::string_view::npos && slash2 + 1 < path.size()) {
    auto db = parse_db(path.substr(slash2 + 1), why);
    if (!db) return std::nullopt;
    ep.db = *db;
  }
  return ep;
}

std::optional<master_lookup> ask_sentinels(const redis_endpoint& ep, milliseconds timeout,
                                           std::string* error) {
  hiredis::sigpipe_guard guard;
  const std::string key = ep.describe();
  size_t first = 0;
  {
    std::lock_guard lock(preferred_mu);
    if (auto it = preferred.find(key); it != preferred.end()) first = it->second;
  }
  std::string errors;
  const size_t n = ep.sentinels.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (first + k) % n;
    const redis_host& s = ep.sentinels[i];
    std::string err;
    redisContext* c = dial(s, timeout, timeout, &err);
    if (c) {
      reply r = command(c, {"SENTINEL", "get-master-addr-by-name", ep.master}, &err);
      redisFree(c);
      if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
          r->element[0]->type == REDIS_REPLY_STRING) {
        auto port = number(str(r->element[1]), 65535);
        if (port && *port > 0) {
          std::lock_guard lock(preferred_mu);
          preferred[key] = i;
          return master_lookup{{std::string(str(r->element[0])), static_cast<int>(*port)}, s};
        }
        err = "bad reply to SENTINEL get-master-addr-by-name";
      } else if (r && r->type == REDIS_REPLY_NIL) {
        err = "does not monitor a master named '" + ep.master + "'";
      } else if (r && r->type == REDIS_REPLY_ERROR) {
        err = std::string(str(r.get()));
      } else if (r) {
        err = "unexpected reply to SENTINEL get-master-addr-by-name (not a sentinel?)";
      }
    }
    errors += (errors.empty() ? "" : "; ") + std::string("sentinel ") + where_of(s) + ": " + err;
  }
  if (error) *error = "no sentinel named the master '" + ep.master + "' (" + errors + ")";
  return std::nullopt;
}

redisContext* connect_redis_master(const redis_endpoint& ep, milliseconds connect_timeout,
                                   milliseconds command_timeout, std::string* error,
                                   std::string* where) {
  hiredis::sigpipe_guard guard;
  if (ep.uses_cluster()) {
    // The master of the global keys (every key with the tag {g}).
    return connect_slot_master(ep.cluster_nodes, key_slot(keys_global_tag_key), connect_timeout,
                               command_timeout, error, where);
  }
  redis_host target = ep.server;
  if (ep.uses_sentinel()) {
    auto found = ask_sentinels(ep, connect_timeout, error);
    if (!found) {
      if (where) *where = ep.describe();
      return nullptr;
    }
    target = found->master;
  }
  if (where) *where = where_of(target);
  std::string err;
  redisContext* c = dial(target, connect_timeout, command_timeout, &err);
  if (c && ep.uses_sentinel()) {
    // The sentinels' view may lag a failover: use the server only when it
    // says itself that it is a master.
    reply r = command(c, {"ROLE"}, &err);
    if (!r) {
    } else if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
               r->element[0]->type != REDIS_REPLY_STRING) {
      err = "unexpected reply to ROLE";
    } else if (str(r->element[0]) != "master") {
      err = "the sentinels named it the master of '" + ep.master + "' but it is a " +
            std::string(str(r->element[0])) + " (failover in progress?)";
    }
    if (!err.empty()) {
      redisFree(c);
      c = nullptr;
    }
  }
  if (c && ep.db != 0) {
    std::string db = std::to_string(ep.db);
    reply r = command(c, {"SELECT", db}, &err);
    if (r && r->type == REDIS_REPLY_ERROR) err = "SELECT " + db + ": " + std::string(str(r.get()));
    if (!err.empty()) {
      redisFree(c);
      c = nullptr;
    }
  }
  if (!c && error) *error = err;
  return c;
}

bool is_failover_error(const redisReply* r) {
  if (!r || r->type != REDIS_REPLY_ERROR) return false;
  auto s = str(r);
  return s.substr(0, 8) == "READONLY" || s.substr(0, 10) == "MASTERDOWN" ||
         s.substr(0, 7) == "LOADING";
}

bool redis_command_writes(std::string_view n) {
  static constexpr std::string_view writes[] = {
      "MULTI", "EXEC",   "EVAL",  "EVALSHA", "SET",   "SETNX", "MSET",   "DEL",   "UNLINK",
      "EXPIRE", "PEXPIRE", "HSET", "HSETNX", "HDEL", "HINCRBY", "RPUSH", "LPUSH", "LTRIM",
      "LREM",  "SADD",   "SREM",  "ZADD",    "ZREM",  "INCR",  "INCRBY", "GETDEL", "SMOVE"};
  for (auto w : writes)
    if (n == w) return true;
  return false;
}

long long wait_for_replicas(redisContext* c, int replicas, milliseconds timeout,
                            std::string* error) {
  hiredis::sigpipe_guard guard;
  std::string n = std::to_string(replicas), t = std::to_string(timeout.count());
  std::string err;
  reply r = command(c, {"WAIT", n, t}, &err);
  if (!r) {
    if (error) *error = err;
    return -1;
  }
  if (r->type != REDIS_REPLY_INTEGER) {
    if (error)
      *error = r->type == REDIS_REPLY_ERROR ? "WAIT: " + std::string(str(r.get()))
                                            : "unexpected reply to WAIT";
    return -1;
  }
  return r->integer;
}

// ---------------------------------------------------------------------------
// sentinel_watch

sentinel_watch::sentinel_watch(redis_endpoint ep) : ep_(std::move(ep)) {
  if (ep_.uses_sentinel()) thread_ = std::thread([this] { run(); });
}

sentinel_watch::~sentinel_watch() {
  stop_ = true;
  {
    std::lock_guard lock(mu_);
    if (ctx_) shutdown(ctx_->fd, SHUT_RDWR);  // wakes the blocked read
  }
  if (thread_.joinable()) thread_.join();
}

void sentinel_watch::run() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &s, nullptr);
  size_t i = 0;
  bool watched_before = false;
  while (!stop_) {
    std::string err;
    redisContext* c = dial(ep_.sentinels[i % ep_.sentinels.size()], milliseconds(1000),
                           milliseconds(1000), &err);
    ++i;
    if (c) {
      reply r = command(c, {"SUBSCRIBE", "+switch-master"}, &err);
      if (r) {
        redisSetTimeout(c, timeval{0, 0});  // block until a message or shutdown()
        {
          std::lock_guard lock(mu_);
          if (stop_) {
            redisFree(c);
            return;
          }
          ctx_ = c;
        }
        // A switch may have happened while no sentinel was watched: count
        // one, so connections opened before are dropped.
        if (watched_before) generation_.fetch_add(1, std::memory_order_acq_rel);
        watched_before = true;
        while (!stop_) {
          void* raw = nullptr;
          if (redisGetReply(c, &raw) != REDIS_OK || !raw) break;
          reply m(static_cast<redisReply*>(raw));
          // ["message", "+switch-master", "<name> <old ip> <old port> <new ip> <new port>"]
          if (m->type == REDIS_REPLY_ARRAY && m->elements == 3) {
            auto text = str(m->element[2]);
            if (text.substr(0, ep_.master.size() + 1) == ep_.master + " ")
              generation_.fetch_add(1, std::memory_order_acq_rel);
          }
        }
        std::lock_guard lock(mu_);
        ctx_ = nullptr;
      }
      redisFree(c);
    }
    for (int k = 0; k < 10 && !stop_; ++k) std::this_thread::sleep_for(milliseconds(50));
  }
}

}  // namespace sc::cluster
