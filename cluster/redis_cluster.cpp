// Redis Cluster routing. See redis_cluster.hpp.
#include "cluster/redis_cluster.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <thread>

namespace sc::cluster {

namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;
using hiredis::reply;
using hiredis::str;

/// CRC16-CCITT (XMODEM: polynomial 0x1021, initial 0), as Redis Cluster uses.
uint16_t crc16(std::string_view s) {
  uint16_t crc = 0;
  for (unsigned char ch : s) {
    crc ^= static_cast<uint16_t>(ch) << 8;
    for (int i = 0; i < 8; ++i)
      crc = static_cast<uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
  }
  return crc;
}

std::string where_of(const redis_host& h) {
  return (h.host.find(':') != std::string::npos ? "[" + h.host + "]" : h.host) + ":" +
         std::to_string(h.port);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return true;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

/// "MOVED 3999 127.0.0.1:6381" / "ASK ..." → slot and host.
std::optional<std::pair<int, redis_host>> parse_redirect(std::string_view e) {
  auto sp1 = e.find(' ');
  if (sp1 == std::string_view::npos) return std::nullopt;
  auto sp2 = e.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return std::nullopt;
  int slot = 0;
  auto s = e.substr(sp1 + 1, sp2 - sp1 - 1);
  if (std::from_chars(s.data(), s.data() + s.size(), slot).ec != std::errc()) return std::nullopt;
  auto hp = e.substr(sp2 + 1);
  auto colon = hp.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  redis_host h;
  h.host = std::string(hp.substr(0, colon));
  if (!h.host.empty() && h.host.front() == '[' && h.host.back() == ']')
    h.host = h.host.substr(1, h.host.size() - 2);
  auto p = hp.substr(colon + 1);
  if (std::from_chars(p.data(), p.data() + p.size(), h.port).ec != std::errc())
    return std::nullopt;
  return std::pair<int, redis_host>{slot, std::move(h)};
}

/// One command of a wire-format pipeline: its bytes and the arguments the
/// router looks at.
struct parsed_cmd {
  std::string_view wire;
  std::string_view name, a1, a2, a3;
  size_t argc = 0;
};

/// Splits RESP commands ("*N\r\n" then N bulk strings); false if malformed.
bool parse_wire(std::string_view w, std::vector<parsed_cmd>& out) {
  size_t at = 0;
  auto line_number = [&](char lead, size_t& n) {
    if (at >= w.size() || w[at] != lead) return false;
    auto end = w.find("\r\n", at);
    if (end == std::string_view::npos) return false;
    auto r = std::from_chars(w.data() + at + 1, w.data() + end, n);
    if (r.ec != std::errc()) return false;
    at = end + 2;
    return true;
  };
  while (at < w.size()) {
    parsed_cmd c;
    const size_t begin = at;
    size_t n = 0;
    if (!line_number('*', n)) return false;
    c.argc = n;
    for (size_t i = 0; i < n; ++i) {
      size_t len = 0;
      if (!line_number('$', len) || at + len + 2 > w.size()) return false;
      std::string_view a(w.data() + at, len);
      if (i == 0) c.name = a;
      else if (i == 1) c.a1 = a;
      else if (i == 2) c.a2 = a;
      else if (i == 3) c.a3 = a;
      at += len + 2;
    }
    c.wire = w.substr(begin, at - begin);
    out.push_back(c);
  }
  return true;
}

/// The slot a command must go to, or -1 when it names no key.
int slot_of(const parsed_cmd& c) {
  static constexpr std::string_view keyless[] = {
      "MULTI", "EXEC",  "DISCARD", "SCRIPT", "PING",   "TIME",   "PUBLISH", "WAIT",
      "INFO",  "ROLE",  "CLUSTER", "ASKING", "SELECT", "ECHO",   "DBSIZE",  "FLUSHALL",
      "FLUSHDB", "CLIENT", "COMMAND", "CONFIG", "READONLY", "SUBSCRIBE"};
  for (auto k : keyless)
    if (iequals(c.name, k)) return -1;
  if (iequals(c.name, "EVAL") || iequals(c.name, "EVALSHA") || iequals(c.name, "EVAL_RO") ||
      iequals(c.name, "EVALSHA_RO")) {
    if (c.argc < 4 || c.a2 == "0") return -1;
    return key_slot(c.a3);
  }
  if (c.argc < 2) return -1;
  return key_slot(c.a1);
}

timeval to_timeval(milliseconds d) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

redisContext* dial(const redis_host& h, milliseconds connect_timeout, milliseconds command_timeout,
                   std::string* error) {
  hiredis::sigpipe_guard guard;
  redisContext* c = redisConnectWithTimeout(h.host.c_str(), h.port, to_timeval(connect_timeout));
  if (!c || c->err) {
    if (error) *error = where_of(h) + ": " + (c ? c->errstr : "out of memory");
    if (c) redisFree(c);
    return nullptr;
  }
  redisSetTimeout(c, to_timeval(command_timeout));
  redisEnableKeepAlive(c);
  return c;
}

}  // namespace

uint16_t key_slot(std::string_view key) {
  auto open = key.find('{');
  if (open != std::string_view::npos) {
    auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1)
      key = key.substr(open + 1, close - open - 1);
  }
  return static_cast<uint16_t>(crc16(key) & (cluster_slots - 1));
}

std::string to_wire(const std::vector<std::vector<std::string>>& cmds) {
  std::string w;
  for (const auto& c : cmds) {
    w += '*' + std::to_string(c.size()) + "\r\n";
    for (const auto& a : c) {
      w += '$' + std::to_string(a.size()) + "\r\n";
      w += a;
      w += "\r\n";
    }
  }
  return w;
}

std::optional<std::vector<slot_range>> read_slot_map(redisContext* c, std::string* error) {
  hiredis::sigpipe_guard guard;
  reply r(static_cast<redisReply*>(redisCommand(c, "CLUSTER SLOTS")));
  if (!r) {
    if (error) *error = c->errstr[0] ? c->errstr : "connection lost";
    return std::nullopt;
  }
  if (r->type != REDIS_REPLY_ARRAY) {
    if (error)
      *error = r->type == REDIS_REPLY_ERROR ? "CLUSTER SLOTS: " + std::string(str(r.get()))
                                            : "unexpected reply to CLUSTER SLOTS";
    return std::nullopt;
  }
  std::vector<slot_range> out;
  for (size_t i = 0; i < r->elements; ++i) {
    const redisReply* e = r->element[i];
    if (e->type != REDIS_REPLY_ARRAY || e->elements < 3) continue;
    const redisReply* m = e->element[2];
    if (m->type != REDIS_REPLY_ARRAY || m->elements < 2) continue;
    slot_range s;
    s.first = static_cast<int>(e->element[0]->integer);
    s.last = static_cast<int>(e->element[1]->integer);
    s.master.host = std::string(str(m->element[0]));
    s.master.port = static_cast<int>(m->element[1]->integer);
    if (s.master.host.empty() || s.master.host == "?") {
      // "unknown": the node we asked.
      s.master.host = c->tcp.host ? c->tcp.host : "127.0.0.1";
    }
    if (s.first < 0 || s.last >= cluster_slots || s.first > s.last) continue;
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(),
            [](const slot_range& a, const slot_range& b) { return a.first < b.first; });
  return out;
}

redisContext* connect_slot_master(const std::vector<redis_host>& seeds, int slot,
                                  milliseconds connect_timeout, milliseconds command_timeout,
                                  std::string* error, std::string* where) {
  std::string errors;
  for (const auto& s : seeds) {
    std::string err;
    redisContext* c = dial(s, connect_timeout, command_timeout, &err);
    if (!c) {
      errors += (errors.empty() ? "" : "; ") + err;
      continue;
    }
    auto map = read_slot_map(c, &err);
    redisFree(c);
    if (!map) {
      errors += (errors.empty() ? "" : "; ") + where_of(s) + ": " + err;
      continue;
    }
    for (const auto& r : *map)
      if (r.first <= slot && slot <= r.last) {
        if (where) *where = where_of(r.master);
        redisContext* m = dial(r.master, connect_timeout, command_timeout, &err);
        if (m) return m;
        errors += (errors.empty() ? "" : "; ") + err;
        break;
      }
    if (errors.empty()) errors = where_of(s) + ": no master serves slot " + std::to_string(slot);
  }
  if (error) *error = "Redis Cluster: " + errors;
  return nullptr;
}

// ---------------------------------------------------------------------------
// The router.

struct redis_cluster_client::node {
  redis_host host;
  std::string name;  ///< "host:port"
  std::mutex mu;
  std::vector<redisContext*> idle;
  steady::time_point retry_at{};
  milliseconds backoff{0};
  std::string last_error;

  ~node() {
    for (auto* c : idle) redisFree(c);
  }

  /// A pooled or new connection; nullptr with *error during a back-off or
  /// when the connect fails.
  redisContext* take(const redis_cluster_options& o, std::string* error) {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        auto* c = idle.back();
        idle.pop_back();
        return c;
      }
      if (steady::now() < retry_at) {
        if (error) *error = name + " unavailable (" + last_error + ")";
        return nullptr;
      }
    }
    std::string err;
    redisContext* c = dial(host, o.connect_timeout, o.command_timeout, &err);
    std::lock_guard lock(mu);
    if (!c) {
      last_error = err;
      backoff = std::clamp(backoff * 2, o.backoff_min, o.backoff_max);
      retry_at = steady::now() + backoff;
      if (error) *error = err;
      return nullptr;
    }
    backoff = milliseconds(0);
    retry_at = {};
    return c;
  }

  void give(redisContext* c, bool broken) {
    if (!c) return;
    if (broken) {
      redisFree(c);
      // The others were opened to the same, now suspect, server.
      std::vector<redisContext*> old;
      {
        std::lock_guard lock(mu);
        old.swap(idle);
      }
      for (auto* o : old) redisFree(o);
      return;
    }
    std::lock_guard lock(mu);
    idle.push_back(c);
  }
};

/// A unit of a pipeline: one command, or MULTI … EXEC.
struct redis_cluster_client::unit {
  size_t first = 0, count = 0;  ///< commands [first, first + count)
  int slot = -1;
  bool script_load = false;  ///< SCRIPT LOAD: every master
  std::optional<redis_host> ask;  ///< send once to this node, after ASKING
  bool done = false;
  bool failed = false;  ///< done without a reply: may or may not have run
};

redis_cluster_client::redis_cluster_client(std::vector<redis_host> seeds, redis_cluster_options o)
    : opts_(o), seeds_(std::move(seeds)) {}

redis_cluster_client::~redis_cluster_client() = default;

redis_cluster_client::node& redis_cluster_client::node_at(const redis_host& h) {
  std::string name = where_of(h);
  auto& n = nodes_[name];
  if (!n) {
    n = std::make_unique<node>();
    n->host = h;
    n->name = name;
  }
  return *n;
}

bool redis_cluster_client::init(std::string* error) {
  if (!refresh(error)) return false;
  std::lock_guard lock(mu_);
  for (int s = 0; s < cluster_slots; ++s)
    if (!slots_[s]) {
      if (error)
        *error = "Redis Cluster at " + describe_locked() + ": slot " + std::to_string(s) +
                 " is served by no master (is the cluster fully set up?)";
      return false;
    }
  return true;
}

std::string redis_cluster_client::describe_locked() const {
  std::string s;
  for (const auto& h : seeds_) s += (s.empty() ? "" : ",") + where_of(h);
  return s;
}

std::string redis_cluster_client::describe() const {
  std::lock_guard lock(mu_);
  std::vector<node*> m;
  for (auto* n : slots_)
    if (n && std::find(m.begin(), m.end(), n) == m.end()) m.push_back(n);
  return "Redis Cluster " + describe_locked() + " (" + std::to_string(m.size()) + " masters)";
}

std::vector<std::string> redis_cluster_client::masters() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (auto* n : slots_)
    if (n && std::find(out.begin(), out.end(), n->name) == out.end()) out.push_back(n->name);
  return out;
}

redis_cluster_stats redis_cluster_client::stats() const {
  return {moved_.load(), ask_.load(), tryagain_.load(), refreshes_.load(), noscript_.load(),
          failovers_.load()};
}

bool redis_cluster_client::refresh(std::string* error) {
  // Candidates: the masters in the map, every other node seen, the seeds.
  std::vector<redis_host> ask;
  {
    std::lock_guard lock(mu_);
    for (auto* n : slots_)
      if (n && std::find(ask.begin(), ask.end(), n->host) == ask.end()) ask.push_back(n->host);
    for (const auto& [name, n] : nodes_)
      if (std::find(ask.begin(), ask.end(), n->host) == ask.end()) ask.push_back(n->host);
  }
  for (const auto& s : seeds_)
    if (std::find(ask.begin(), ask.end(), s) == ask.end()) ask.push_back(s);
  std::string errors;
  for (const auto& h : ask) {
    std::string err;
    redisContext* c = dial(h, opts_.connect_timeout, opts_.command_timeout, &err);
    if (!c) {
      errors += (errors.empty() ? "" : "; ") + err;
      continue;
    }
    auto map = read_slot_map(c, &err);
    redisFree(c);
    if (!map || map->empty()) {
      errors += (errors.empty() ? "" : "; ") + where_of(h) + ": " +
                (map ? std::string("no slots served (not a cluster yet?)") : err);
      continue;
    }
    {
      std::lock_guard lock(mu_);
      slots_.fill(nullptr);
      for (const auto& r : *map) {
        node* n = &node_at(r.master);
        for (int s = r.first; s <= r.last; ++s) slots_[s] = n;
      }
      last_refresh_ = steady::now();
    }
    ++refreshes_;
    return true;
  }
  if (error) *error = "no Redis Cluster node gave its slot map (" + errors + ")";
  return false;
}

redisContext* redis_cluster_client::connect_any(std::string* error) {
  std::vector<redis_host> hosts;
  {
    std::lock_guard lock(mu_);
    for (auto* n : slots_)
      if (n && std::find(hosts.begin(), hosts.end(), n->host) == hosts.end())
        hosts.push_back(n->host);
  }
  for (const auto& s : seeds_)
    if (std::find(hosts.begin(), hosts.end(), s) == hosts.end()) hosts.push_back(s);
  std::string errors;
  for (const auto& h : hosts) {
    std::string err;
    if (redisContext* c = dial(h, opts_.connect_timeout, opts_.command_timeout, &err)) return c;
    errors += (errors.empty() ? "" : "; ") + err;
  }
  if (error) *error = "no Redis Cluster node answers (" + errors + ")";
  return nullptr;
}

bool redis_cluster_client::run(const std::vector<std::string_view>& wire,
                               std::vector<reply>& out, std::string* why, bool replicate) {
  std::vector<parsed_cmd> cmds;
  for (auto w : wire)
    if (!parse_wire(w, cmds)) {
      if (why) *why = "malformed command";
      return false;
    }
  out.clear();
  out.resize(cmds.size());
  // Units: MULTI … EXEC together, everything else alone.
  std::vector<unit> units;
  for (size_t i = 0; i < cmds.size();) {
    unit u;
    u.first = i;
    if (iequals(cmds[i].name, "MULTI")) {
      size_t j = i + 1;
      while (j < cmds.size() && !iequals(cmds[j].name, "EXEC")) ++j;
      u.count = std::min(j + 1, cmds.size()) - i;
      for (size_t k = i; k < i + u.count && u.slot < 0; ++k) u.slot = slot_of(cmds[k]);
    } else {
      u.count = 1;
      u.slot = slot_of(cmds[i]);
      u.script_load = iequals(cmds[i].name, "SCRIPT") && iequals(cmds[i].a1, "LOAD");
    }
    i += u.count;
    units.push_back(std::move(u));
  }

  const auto deadline = steady::now() + opts_.retry_budget;
  milliseconds backoff = opts_.backoff_min;
  std::string last_problem, failure;
  bool failed = false;  // some unit failed after it was written
  // A unit written whose outcome is unknown (connection broken, replicas
  // short): no reply, not sent again.
  auto fail_unit = [&](unit& u) {
    u.done = u.failed = failed = true;
    u.ask.reset();
    for (size_t k = 0; k < u.count; ++k) out[u.first + k].reset();
  };
  for (;;) {
    bool refresh_map = false, pause = false;
    struct batch {
      node* n = nullptr;
      redisContext* c = nullptr;
      std::vector<size_t> units;
      bool broken = false;
      bool wait = false;  ///< WAIT after the units (opts_.wait_replicas)
    };
    std::vector<batch> batches;
    // SCRIPT LOAD: to every master; the first reply is the caller's.
    for (auto& u : units) {
      if (u.done || !u.script_load) continue;
      std::vector<node*> masters;
      {
        std::lock_guard lock(mu_);
        for (auto* n : slots_)
          if (n && std::find(masters.begin(), masters.end(), n) == masters.end())
            masters.push_back(n);
      }
      const auto& c = cmds[u.first];
      for (node* n : masters) {
        std::string err;
        redisContext* ctx = n->take(opts_, &err);
        if (!ctx) continue;  // loaded there on NOSCRIPT later
        hiredis::sigpipe_guard guard;
        void* raw = nullptr;
        bool ok = redisAppendFormattedCommand(ctx, c.wire.data(), c.wire.size()) == REDIS_OK &&
                  redisGetReply(ctx, &raw) == REDIS_OK && raw;
        reply r(static_cast<redisReply*>(raw));
        n->give(ctx, !ok);
        if (ok && r->type == REDIS_REPLY_STRING) {
          std::lock_guard lock(mu_);
          scripts_[std::string(str(r.get()))] = std::string(c.a2);
        }
        if (ok && !out[u.first]) out[u.first] = std::move(r);
      }
      if (out[u.first]) {
        u.done = true;
      } else {
        refresh_map = pause = true;
        last_problem = "no master took SCRIPT LOAD";
      }
    }
    {
      std::lock_guard lock(mu_);
      node* any = nullptr;
      for (auto* n : slots_)
        if (n) {
          any = n;
          break;
        }
      for (size_t i = 0; i < units.size(); ++i) {
        auto& u = units[i];
        if (u.done || u.script_load) continue;
        node* n = u.ask ? &node_at(*u.ask) : u.slot >= 0 ? slots_[u.slot] : any;
        if (!n) {
          refresh_map = pause = true;
          last_problem = "slot " + std::to_string(u.slot) + " is served by no known master";
          continue;
        }
        auto it = std::find_if(batches.begin(), batches.end(),
                               [n](const batch& b) { return b.n == n; });
        if (it == batches.end()) {
          batches.push_back(batch{n, nullptr, {}, false, false});
          it = batches.end() - 1;
        }
        it->units.push_back(i);
      }
    }
    // Write every master's pipeline, then read them all.
    hiredis::sigpipe_guard guard;
    static constexpr char asking[] = "*1\r\n$6\r\nASKING\r\n";
    for (auto& b : batches) {
      std::string err;
      b.c = b.n->take(opts_, &err);
      if (!b.c) {  // nothing sent: try again after the map is refreshed
        refresh_map = pause = true;
        last_problem = err;
        ++failovers_;
        continue;
      }
      for (size_t i : b.units) {
        const auto& u = units[i];
        if (u.ask) redisAppendFormattedCommand(b.c, asking, sizeof asking - 1);
        for (size_t k = u.first; k < u.first + u.count; ++k) {
          redisAppendFormattedCommand(b.c, cmds[k].wire.data(), cmds[k].wire.size());
          if (replicate && opts_.wait_replicas > 0 && redis_command_writes(cmds[k].name))
            b.wait = true;
        }
      }
      if (b.wait) {
        const std::string n = std::to_string(opts_.wait_replicas),
                          t = std::to_string(opts_.wait_timeout.count());
        const std::string w = "*3\r\n$4\r\nWAIT\r\n$" + std::to_string(n.size()) + "\r\n" + n +
                              "\r\n$" + std::to_string(t.size()) + "\r\n" + t + "\r\n";
        redisAppendFormattedCommand(b.c, w.data(), w.size());
      }
      int done = 0;
      while (!done)
        if (redisBufferWrite(b.c, &done) != REDIS_OK) {
          b.broken = true;
          break;
        }
    }
    for (auto& b : batches) {
      if (!b.c) continue;
      std::vector<size_t> finished;  // units answered in this batch
      for (size_t idx = 0; idx < b.units.size(); ++idx) {
        const size_t i = b.units[idx];
        auto& u = units[i];
        std::vector<reply> got;
        const size_t n = u.count + (u.ask ? 1 : 0);
        for (size_t k = 0; k < n && !b.broken; ++k) {
          void* raw = nullptr;
          if (redisGetReply(b.c, &raw) != REDIS_OK || !raw) {
            b.broken = true;
            break;
          }
          got.emplace_back(static_cast<redisReply*>(raw));
        }
        if (b.broken) {
          failure = b.n->name + ": " + (b.c->errstr[0] ? b.c->errstr : "connection lost");
          for (size_t j = idx; j < b.units.size(); ++j) fail_unit(units[b.units[j]]);
          refresh_map = true;
          break;
        }
        if (u.ask) got.erase(got.begin());
        // The first redirect or retryable refusal decides.
        std::string_view e;
        for (const auto& r : got)
          if (hiredis::is_error(r.get())) {
            auto s = str(r.get());
            if (starts_with(s, "MOVED ") || starts_with(s, "ASK ") || starts_with(s, "TRYAGAIN") ||
                starts_with(s, "CLUSTERDOWN") || is_failover_error(r.get()) ||
                starts_with(s, "NOSCRIPT")) {
              e = s;
              break;
            }
          }
        u.ask.reset();
        if (e.empty()) {
          for (size_t k = 0; k < u.count; ++k) out[u.first + k] = std::move(got[k]);
          u.done = true;
          finished.push_back(i);
          continue;
        }
        last_problem = b.n->name + ": " + std::string(e);
        if (starts_with(e, "MOVED ")) {
          ++moved_;
          if (auto r = parse_redirect(e)) {
            std::lock_guard lock(mu_);
            if (r->first >= 0 && r->first < cluster_slots) slots_[r->first] = &node_at(r->second);
          }
          refresh_map = true;
        } else if (starts_with(e, "ASK ")) {
          ++ask_;
          if (auto r = parse_redirect(e)) u.ask = r->second;
        } else if (starts_with(e, "TRYAGAIN")) {
          ++tryagain_;
          pause = true;
        } else if (starts_with(e, "NOSCRIPT")) {
          ++noscript_;
          // Load the script there (if it went through us) and send again.
          const auto& c = cmds[u.first];
          std::string text;
          {
            std::lock_guard lock(mu_);
            auto it = iequals(c.name, "EVALSHA") ? scripts_.find(std::string(c.a1)) : scripts_.end();
            if (it != scripts_.end()) text = it->second;
          }
          if (text.empty()) {  // unknown: the caller sees NOSCRIPT
            for (size_t k = 0; k < u.count; ++k) out[u.first + k] = std::move(got[k]);
            u.done = true;
            finished.push_back(i);
            continue;
          }
          reply r(static_cast<redisReply*>(
              redisCommand(b.c, "SCRIPT LOAD %b", text.data(), text.size())));
          if (!r) {
            b.broken = true;
            failure = b.n->name + ": connection lost loading a script";
            for (size_t j = idx + 1; j < b.units.size(); ++j) fail_unit(units[b.units[j]]);
            break;
          }
        } else {  // CLUSTERDOWN, READONLY, MASTERDOWN, LOADING: a failover
          ++failovers_;
          refresh_map = pause = true;
          if (is_failover_error(got.front().get()) || is_failover_error(got.back().get()))
            b.broken = true;  // drop connections to a demoted master
        }
      }
      if (b.wait && !b.broken) {
        void* raw = nullptr;
        if (redisGetReply(b.c, &raw) != REDIS_OK || !raw) {
          b.broken = true;
          failure = b.n->name + ": " + (b.c->errstr[0] ? b.c->errstr : "connection lost");
        } else {
          reply r(static_cast<redisReply*>(raw));
          if (r->type != REDIS_REPLY_INTEGER || r->integer < opts_.wait_replicas) {
            // Written but not replicated enough: not acknowledged.
            b.broken = true;
            failure = b.n->name + ": the write reached " +
                           (r->type == REDIS_REPLY_INTEGER ? std::to_string(r->integer)
                                                           : std::string(str(r.get()))) +
                           " of " + std::to_string(opts_.wait_replicas) + " replicas within " +
                           std::to_string(opts_.wait_timeout.count()) +
                           " ms (store.redis_wait_replicas)";
          }
        }
        if (b.broken) {
          for (size_t i : finished) fail_unit(units[i]);
          refresh_map = true;
        }
      }
      b.n->give(b.c, b.broken);
    }
    if (std::all_of(units.begin(), units.end(), [](const unit& u) { return u.done; })) {
      if (failed) {
        if (refresh_map) refresh(nullptr);
        if (why) *why = failure;
      }
      return !failed;
    }
    if (steady::now() >= deadline) {
      // The units still waiting for a redirect or a failover never ran.
      for (auto& u : units)
        if (!u.done) fail_unit(u);
      if (why)
        *why = "gave up after " + std::to_string(opts_.retry_budget.count()) + " ms: " +
               (failure.empty() ? last_problem : failure);
      return false;
    }
    if (pause) {
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, opts_.backoff_max);
    }
    if (refresh_map) {
      std::string err;
      if (!refresh(&err)) last_problem = err;
    }
  }
}

}  // namespace sc::cluster
