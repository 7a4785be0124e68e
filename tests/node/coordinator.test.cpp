// The cluster coordinator (cluster/coordinator.hpp) against a real
// redis-server (tests/node/redis_fixture): shard assignment, leases and
// handover, crash takeover, fenced store writes, inboxes, activity task
// queues, pub/sub hints, Redis outages, the status table. Several
// coordinators in one process stand for several nodes. Short heartbeat and
// lease ttl (100 / 500 ms) keep it quick.
//
//   ./build/tests/node_tests "[cluster]"
#include "cluster/coordinator.hpp"
#include "cluster/keys.hpp"
#include "cluster/redis_store.hpp"
#include "cluster/store.hpp"
#include "tests/node/redis_fixture.hpp"

#include <catch2/catch.hpp>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace sc;
using namespace sc::cluster;
using namespace std::chrono_literals;

namespace {

using steady = std::chrono::steady_clock;

constexpr auto heartbeat = 100ms;
constexpr auto ttl = 500ms;

/// Polls `pred` every 5 ms until it holds or `limit` passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5000ms) {
  const auto end = steady::now() + limit;
  while (steady::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

long long elapsed_ms(steady::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - since).count();
}

/// Who owns which shard according to the gained/lost callbacks of every
/// node of a test; records any shard gained while another node had it.
struct ledger {
  std::mutex mu;
  std::map<int, std::string> owner;
  std::vector<std::string> violations;

  void gained(const std::string& id, int s) {
    std::lock_guard lock(mu);
    auto it = owner.find(s);
    if (it != owner.end() && it->second != id)
      violations.push_back("shard " + std::to_string(s) + " gained by " + id + " while " +
                           it->second + " had it");
    owner[s] = id;
  }
  void lost(const std::string& id, int s) {
    std::lock_guard lock(mu);
    auto it = owner.find(s);
    if (it != owner.end() && it->second == id) owner.erase(it);
  }
  /// A crashed node's process is gone: it holds nothing any more.
  void forget(const std::string& id) {
    std::lock_guard lock(mu);
    for (auto it = owner.begin(); it != owner.end();)
      it = it->second == id ? owner.erase(it) : std::next(it);
  }
  std::vector<std::string> problems() {
    std::lock_guard lock(mu);
    return violations;
  }
};

/// One "node": a coordinator plus what its callbacks reported.
struct node {
  std::string id;
  ledger& book;
  std::unique_ptr<coordinator> c;

  std::mutex mu;
  std::map<int, uint64_t> mine;  ///< by the callbacks
  std::vector<int> inbox_hints;
  std::vector<std::string> activity_hints;
  std::function<void(int, uint64_t)> on_gained;  ///< runs inside gained
  std::function<void(int)> on_lost;              ///< runs inside lost

  node(std::string node_id, ledger& l, const std::string& url,
       std::chrono::milliseconds lease_ttl = ttl)
      : id(std::move(node_id)), book(l) {
    coordinator_options o;
    o.url = url;
    o.node_id = id;
    o.address = "10.0.0.1:" + std::to_string(8000 + id.size());
    o.heartbeat = heartbeat;
    o.lease_ttl = lease_ttl;
    coordinator_callbacks cb;
    cb.gained = [this](int s, uint64_t e) {
      CHECK(c->owns(s));
      book.gained(id, s);
      if (on_gained) on_gained(s, e);
      std::lock_guard lock(mu);
      mine[s] = e;
    };
    cb.lost = [this](int s) {
      CHECK_FALSE(c->owns(s));
      if (on_lost) on_lost(s);
      book.lost(id, s);
      std::lock_guard lock(mu);
      mine.erase(s);
    };
    cb.inbox_ready = [this](int s) {
      std::lock_guard lock(mu);
      inbox_hints.push_back(s);
    };
    cb.activity_ready = [this](const std::string& arn) {
      std::lock_guard lock(mu);
      activity_hints.push_back(arn);
    };
    c = std::make_unique<coordinator>(o, cb);
  }
  ~node() { c->stop(true); }

  void start() {
    std::string err;
    INFO(err);
    REQUIRE(c->start(&err));
  }
  /// As if the process were killed -9.
  void crash() {
    c->stop(false);
    book.forget(id);
    std::lock_guard lock(mu);
    mine.clear();
  }
  size_t count() { return c->owned().size(); }
  std::set<int> owned_set() {
    auto v = c->owned();
    return {v.begin(), v.end()};
  }
  bool hinted_inbox(int s) {
    std::lock_guard lock(mu);
    return std::find(inbox_hints.begin(), inbox_hints.end(), s) != inbox_hints.end();
  }
  void clear_hints() {
    std::lock_guard lock(mu);
    inbox_hints.clear();
    activity_hints.clear();
  }
  /// The callbacks' view equals owned() / epoch().
  bool consistent() {
    std::lock_guard lock(mu);
    auto v = c->owned();
    if (v.size() != mine.size()) return false;
    for (int s : v) {
      auto it = mine.find(s);
      if (it == mine.end() || c->epoch(s) != it->second) return false;
    }
    return true;
  }
};

std::string fresh_url() {
  auto& srv = test::shared_redis();
  INFO(srv.error());
  REQUIRE(srv.ok());
  REQUIRE(srv.flushall());
  return srv.url();
}

/// Every shard owned by exactly one of `nodes`, counts within ±1 of even.
bool balanced(const std::vector<node*>& nodes, int shards = 64) {
  std::set<int> all;
  size_t lo = SIZE_MAX, hi = 0, total = 0;
  for (auto* n : nodes) {
    auto s = n->owned_set();
    lo = std::min(lo, s.size());
    hi = std::max(hi, s.size());
    total += s.size();
    all.insert(s.begin(), s.end());
  }
  return total == static_cast<size_t>(shards) && all.size() == static_cast<size_t>(shards) &&
         hi - lo <= 1;
}

/// A plain connection to the shared server for looking at keys.
struct peek {
  redisContext* c;
  peek() {
    timeval tv{2, 0};
    c = redisConnectWithTimeout("127.0.0.1", test::shared_redis().port(), tv);
    REQUIRE(c);
    REQUIRE(c->err == 0);
  }
  ~peek() { redisFree(c); }
  redisReply* cmd(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
        test::command_argv(c, static_cast<int>(args.size()), argv.data(), lens.data()));
    REQUIRE(r);
    return r;
  }
  long long integer(const std::vector<std::string>& args) {
    auto* r = cmd(args);
    long long v = r->type == REDIS_REPLY_INTEGER ? r->integer : -999;
    freeReplyObject(r);
    return v;
  }
  std::string string(const std::vector<std::string>& args) {
    auto* r = cmd(args);
    std::string v = r->type == REDIS_REPLY_STRING ? std::string(r->str, r->len) : "(nil)";
    freeReplyObject(r);
    return v;
  }
};

// Store records for the fencing test.
const std::string region = "arn:aws:states:us-east-1:123456789012:";

/// An execution whose ARN lands in `shard` (of 64).
execution_record execution_in(int shard, const std::string& tag) {
  for (int i = 0;; ++i) {
    execution_record e;
    e.machine_arn = region + "stateMachine:fence";
    e.name = tag + "-" + std::to_string(i);
    e.arn = region + "execution:fence:" + e.name;
    if (keys::shard_of(e.arn, 64) != static_cast<uint32_t>(shard)) continue;
    e.start_ms = 1700000000000 + i;
    e.input = "{}";
    e.definition = "{}";
    auto st = std::make_shared<interp::execution_state>();
    st->execution_arn = e.arn;
    st->state_machine_arn = e.machine_arn;
    st->name = e.name;
    st->next_event_id = 2;
    e.state = st;
    return e;
  }
}

std::vector<model::history_event> events(int64_t first, int n) {
  std::vector<model::history_event> out;
  for (int i = 0; i < n; ++i) {
    model::history_event ev;
    ev.id = first + i;
    ev.previous_id = first + i - 1;
    ev.timestamp_ms = 1700000000000 + first + i;
    ev.type = "PassStateEntered";
    out.push_back(ev);
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------

TEST_CASE("cluster: rendezvous assignment is balanced, stable and order-free", "[cluster]") {
  for (uint32_t shards : {1u, 7u, 64u, 100u}) {
    for (size_t n = 1; n <= 10; ++n) {
      std::vector<std::string> nodes;
      for (size_t i = 0; i < n; ++i) nodes.push_back("node-" + std::to_string(i));
      auto a = assign_shards(shards, nodes);
      REQUIRE(a.size() == shards);
      std::map<std::string, size_t> count;
      for (const auto& o : a) {
        REQUIRE(std::find(nodes.begin(), nodes.end(), o) != nodes.end());
        ++count[o];
      }
      size_t lo = SIZE_MAX, hi = 0;
      for (const auto& id : nodes) {
        lo = std::min(lo, count[id]);
        hi = std::max(hi, count[id]);
      }
      CHECK(hi - lo <= 1);
      // Input order and duplicates do not matter.
      auto shuffled = nodes;
      std::reverse(shuffled.begin(), shuffled.end());
      shuffled.push_back(nodes.front());
      CHECK(assign_shards(shards, shuffled) == a);
    }
  }
  CHECK(assign_shards(4, {}) == std::vector<std::string>(4));
  // Joins and leaves move little more than the necessary share.
  size_t joined = 0, left = 0;
  for (int t = 0; t < 20; ++t) {
    std::vector<std::string> three;
    for (int i = 0; i < 3; ++i) three.push_back("n" + std::to_string(t) + "-" + std::to_string(i));
    auto before = assign_shards(64, three);
    auto four = three;
    four.push_back("joiner-" + std::to_string(t));
    auto after = assign_shards(64, four);
    auto two = std::vector<std::string>(three.begin(), three.begin() + 2);
    auto gone = assign_shards(64, two);
    for (size_t s = 0; s < 64; ++s) {
      joined += before[s] != after[s];
      left += before[s] != gone[s];
    }
  }
  INFO("mean moves on join " << joined / 20.0 << " (ideal 16), on leave " << left / 20.0
                             << " (ideal ~21.3)");
  CHECK(joined <= 20 * 22);
  CHECK(left <= 20 * 26);
}

TEST_CASE("cluster: nodes share the shards, join, hand over and take over", "[cluster][redis]") {
  const auto url = fresh_url();
  ledger book;
  // A longer ttl here, so "handed over before any lease could expire" has
  // a wide margin on a loaded machine.
  constexpr auto long_ttl = 1500ms;
  node a("node-a", book, url, long_ttl), b("node-b", book, url, long_ttl),
      c("node-c", book, url, long_ttl);
  a.start();
  b.start();
  c.start();
  CHECK(a.c->shards() == 64);
  std::vector<node*> three{&a, &b, &c};
  REQUIRE(eventually([&] { return balanced(three); }));
  for (auto* n : three) {
    CHECK((n->count() == 21 || n->count() == 22));
    CHECK(n->consistent());
  }

  // The leases in Redis say the same.
  peek p;
  for (auto* n : three)
    for (int s : n->c->owned())
      CHECK(p.string({"GET", keys::lease(s)}) == keys::lease_value(n->id, *n->c->epoch(s)));

  SECTION("a fourth node joins and takes its share") {
    node d("node-d", book, url, long_ttl);
    const auto t0 = steady::now();
    d.start();
    std::vector<node*> four{&a, &b, &c, &d};
    REQUIRE(eventually([&] { return balanced(four); }));
    INFO("rebalanced in " << elapsed_ms(t0) << " ms");
    CHECK(elapsed_ms(t0) < 2000);
    for (auto* n : four) CHECK(n->count() == 16);
    for (auto* n : four) CHECK(n->consistent());
  }

  SECTION("a graceful stop hands over at once") {
    auto had = a.owned_set();
    const auto t0 = steady::now();
    a.c->stop(true);
    CHECK(a.count() == 0);
    std::vector<node*> two{&b, &c};
    REQUIRE(eventually([&] { return balanced(two); }));
    const auto took = elapsed_ms(t0);
    INFO("handover took " << took << " ms");
    CHECK(took < 1000);  // before any lease could have expired (ttl 1500)
    CHECK(p.integer({"HEXISTS", keys::nodes(), "node-a"}) == 0);
    // Fresh epochs for what moved.
    for (int s : had) {
      auto* owner = b.c->owns(s) ? &b : &c;
      CHECK(p.string({"GET", keys::lease(s)}) == keys::lease_value(owner->id, *owner->c->epoch(s)));
    }
  }

  SECTION("a crashed node's shards move after the lease ttl") {
    auto had = a.owned_set();
    std::map<int, uint64_t> old_epochs;
    for (int s : had) old_epochs[s] = *a.c->epoch(s);
    const auto t0 = steady::now();
    a.crash();
    std::vector<node*> two{&b, &c};
    REQUIRE(eventually([&] { return balanced(two); }, 8000ms));
    const auto took = elapsed_ms(t0);
    INFO("takeover took " << took << " ms");
    CHECK(took >= 1300);  // the leases had to expire first
    CHECK(took < 5000);
    for (int s : had) {
      auto* owner = b.c->owns(s) ? &b : &c;
      CHECK(*owner->c->epoch(s) > old_epochs[s]);
    }
    // The dead node's record stays (not live) until forgotten.
    std::string err;
    auto st = read_cluster_status(url, &err);
    REQUIRE(st);
    auto it = std::find_if(st->nodes.begin(), st->nodes.end(),
                           [](const cluster_node& n) { return n.id == "node-a"; });
    REQUIRE(it != st->nodes.end());
    CHECK_FALSE(it->live);
  }

  for (auto* n : three) n->c->stop(true);
  auto v = book.problems();
  INFO((v.empty() ? std::string() : v.front()));
  CHECK(v.empty());
}

TEST_CASE("cluster: a node id in use is refused; a crashed one's is reused", "[cluster][redis]") {
  const auto url = fresh_url();
  ledger book, other;
  node a("same", book, url);
  a.start();
  {
    node twin("same", other, url);
    std::string err;
    CHECK_FALSE(twin.c->start(&err));
    CHECK(err.find("in use") != std::string::npos);
  }
  a.crash();
  node again("same", other, url);
  const auto t0 = steady::now();
  again.start();  // waits for the crashed record to go stale
  CHECK(elapsed_ms(t0) < 1500);
  REQUIRE(eventually([&] { return again.count() == 64; }));

  // Bad options.
  for (auto bad : {std::string(""), std::string("has space")}) {
    coordinator_options o;
    o.url = url;
    o.node_id = bad;
    coordinator x(o, {});
    std::string err;
    CHECK_FALSE(x.start(&err));
  }
  coordinator_options o;
  o.url = url;
  o.node_id = "x";
  o.heartbeat = 1000ms;
  o.lease_ttl = 1000ms;
  coordinator x(o, {});
  std::string err;
  CHECK_FALSE(x.start(&err));
  o.lease_ttl = 5000ms;
  o.shards = 8;
  coordinator y(o, {});
  CHECK_FALSE(y.start(&err));
  CHECK(err.find("64 shards") != std::string::npos);
  o.shards = 64;
  o.url = "redis://127.0.0.1:1";
  coordinator z(o, {});
  CHECK_FALSE(z.start(&err));
}

TEST_CASE("cluster: a node that lost its lease cannot write the shard", "[cluster][redis]") {
  const auto url = fresh_url();
  ledger book;
  std::string err;
  auto store_a = make_redis_store(url, &err);
  INFO(err);
  REQUIRE(store_a);
  auto store_b = make_redis_store(url, &err);
  REQUIRE(store_b);

  node a("node-a", book, url);
  // The integration the node will do: fence every shard gained.
  a.on_gained = [&](int s, uint64_t e) { store_a->set_fence(s, e, "node-a"); };
  a.start();
  REQUIRE(a.count() == 64);
  const int shard = 17;
  const uint64_t epoch_a = *a.c->epoch(shard);

  // While the lease is held, fenced saves go through (sync, async).
  auto e = execution_in(shard, "x");
  execution_record existing;
  REQUIRE(store_a->create_execution(e, events(1, 2), existing) == create_outcome::created);
  CHECK(store_a->create_execution(e, events(1, 2), existing) == create_outcome::existing);
  store_a->save_execution(e, events(3, 2));
  std::promise<bool> ok1;
  store_a->save_execution_async(e, events(5, 1), [&](bool ok) { ok1.set_value(ok); });
  CHECK(ok1.get_future().get());
  CHECK(store_a->history_length(e.arn) == 5);
  // Many fenced saves in one group commit, finishing the execution.
  {
    std::atomic<int> good{0}, done{0};
    for (int i = 0; i < 200; ++i)
      store_a->save_execution_async(e, events(6 + i, 1), [&](bool ok) {
        good += ok ? 1 : 0;
        ++done;
      });
    REQUIRE(eventually([&] { return done.load() == 200; }));
    CHECK(good.load() == 200);
  }
  auto fin = e;
  fin.status = "SUCCEEDED";
  fin.stop_ms = fin.start_ms + 10;
  fin.output = "{\"ok\":1}";
  fin.has_output = true;
  fin.state.reset();
  store_a->save_execution(fin, events(206, 1));
  CHECK(store_a->history_length(e.arn) == 206);
  CHECK(store_b->running_executions().empty());
  {
    auto l = store_b->list_executions(e.machine_arn, "SUCCEEDED", "", 10);
    REQUIRE(l.items.size() == 1);
    CHECK(l.items[0].arn == e.arn);
    CHECK(store_b->list_executions(e.machine_arn, "RUNNING", "", 10).items.empty());
    auto got = store_b->get_execution(e.arn);
    REQUIRE(got);
    CHECK(got->status == "SUCCEEDED");
    CHECK_FALSE(got->state);
  }

  // node-a "dies" without knowing it (its store keeps the fence); node-b
  // takes every shard after the ttl, at a higher epoch.
  a.crash();
  node b("node-b", book, url);
  b.on_gained = [&](int s, uint64_t ep) { store_b->set_fence(s, ep, "node-b"); };
  b.start();
  REQUIRE(eventually([&] { return b.c->owns(shard); }, 3000ms));
  CHECK(*b.c->epoch(shard) > epoch_a);

  // The old owner's writes of that shard are all refused, nothing written.
  auto e2 = execution_in(shard, "y");
  auto before = store_b->get_execution(e.arn);
  REQUIRE(before);
  auto running = e;
  running.status = "RUNNING";
  CHECK_THROWS_AS(store_a->save_execution(running, events(207, 3)), store_fenced);
  std::promise<bool> ok2;
  store_a->save_execution_async(running, events(207, 3), [&](bool ok) { ok2.set_value(ok); });
  CHECK_FALSE(ok2.get_future().get());
  CHECK(store_b->history_length(e.arn) == 206);
  CHECK(store_b->get_execution(e.arn)->status == "SUCCEEDED");
  CHECK(redis_stats(*store_a).fenced == 2);
  // The owner's create of a started, still RUNNING execution is fenced like
  // a save; an unstarted one (no events: any node stores it, then tells the
  // owner through the shard's inbox) is an atomic create-if-absent.
  auto started = e2;
  started.status = "RUNNING";
  CHECK_THROWS_AS(store_a->create_execution(started, events(1, 1), existing), store_fenced);
  CHECK(store_a->create_execution(e2, {}, existing) == create_outcome::created);
  CHECK(store_b->create_execution(e2, {}, existing) == create_outcome::existing);
  // store_fenced is a store_error but not store_unavailable (no retry).
  try {
    store_a->save_execution(running, events(207, 1));
    FAIL("not fenced");
  } catch (const store_unavailable&) {
    FAIL("fenced reported as unavailable");
  } catch (const store_error& ex) {
    CHECK(std::string(ex.what()).find("fenced") != std::string::npos);
  }

  // The new owner writes; the old one cannot.
  store_b->save_execution(e2, events(1, 1));
  CHECK_THROWS_AS(store_a->save_execution(e2, events(2, 1)), store_fenced);
  CHECK(store_b->history_length(e2.arn) == 1);
  // Other shards' fences of node-a are just as dead; unfenced writes are
  // not checked (fencing is opt-in per shard).
  store_a->clear_fence(shard);
  store_a->save_execution(e2, events(2, 1));
  CHECK(store_b->history_length(e2.arn) == 2);

  // The memory store ignores fences.
  auto mem = make_memory_store();
  mem->set_fence(shard, 1, "nobody");
  CHECK(mem->create_execution(e2, events(1, 1), existing) == create_outcome::created);
  mem->save_execution(e2, events(2, 1));
  mem->clear_fence(shard);
}

TEST_CASE("cluster: inboxes survive an owner change; hints arrive", "[cluster][redis]") {
  const auto url = fresh_url();
  ledger book;
  node a("node-a", book, url), b("node-b", book, url);
  a.start();
  b.start();
  std::vector<node*> two{&a, &b};
  REQUIRE(eventually([&] { return balanced(two); }));
  const int s = a.c->owned().front();
  a.clear_hints();

  for (int i = 1; i <= 5; ++i) b.c->post(s, "m" + std::to_string(i));
  CHECK(eventually([&] { return a.hinted_inbox(s); }, 2000ms));
  CHECK_FALSE(b.hinted_inbox(s));
  CHECK(b.c->take(s, 10).empty());  // not the owner
  CHECK(a.c->take(s, 0).empty());
  auto got = a.c->take(s, 3);
  CHECK(got == std::vector<std::string>{"m1", "m2", "m3"});
  a.c->ack(s, "m1");
  peek p;
  CHECK(p.integer({"LLEN", keys::inbox_processing(s)}) == 2);
  CHECK(p.integer({"LLEN", keys::inbox(s)}) == 2);

  // The owner crashes with m2, m3 unacknowledged; the new owner gets them
  // first, then the rest, in order.
  a.crash();
  REQUIRE(eventually([&] { return b.c->owns(s); }, 3000ms));
  got = b.c->take(s, 100);
  CHECK(got == std::vector<std::string>{"m2", "m3", "m4", "m5"});
  for (const auto& m : got) b.c->ack(s, m);
  CHECK(p.integer({"LLEN", keys::inbox_processing(s)}) == 0);
  CHECK(p.integer({"LLEN", keys::inbox(s)}) == 0);
  CHECK(b.c->take(s, 100).empty());

  // A message written without a wake-up is still noticed (the ticker's
  // backstop), within about a heartbeat.
  b.clear_hints();
  CHECK(p.integer({"RPUSH", keys::inbox(s), "quiet"}) == 1);
  CHECK(eventually([&] { return b.hinted_inbox(s); }, 2000ms));
  CHECK(b.c->take(s, 10) == std::vector<std::string>{"quiet"});
  CHECK_THROWS_AS(b.c->post(64, "x"), std::out_of_range);
}

TEST_CASE("cluster: each activity task goes to exactly one poller", "[cluster][redis]") {
  const auto url = fresh_url();
  ledger book;
  node a("node-a", book, url), b("node-b", book, url);
  a.start();
  b.start();
  const std::string arn = region + "activity:work";
  constexpr int tasks = 2000;
  std::atomic<bool> go{false};
  std::mutex mu;
  std::vector<std::string> popped;
  std::atomic<int> count{0};
  std::vector<std::thread> pollers;
  for (int i = 0; i < 4; ++i)
    pollers.emplace_back([&, i] {
      auto& c = *(i % 2 ? b.c : a.c);
      while (!go) std::this_thread::yield();
      std::vector<std::string> mine;
      while (count.load() < tasks) {
        if (auto t = c.pop_task(arn)) {
          mine.push_back(*t);
          ++count;
        }
      }
      std::lock_guard lock(mu);
      popped.insert(popped.end(), mine.begin(), mine.end());
    });
  go = true;
  for (int i = 0; i < tasks; ++i) a.c->push_task(arn, "task-" + std::to_string(i));
  for (auto& t : pollers) t.join();
  REQUIRE(popped.size() == static_cast<size_t>(tasks));
  std::set<std::string> unique(popped.begin(), popped.end());
  CHECK(unique.size() == static_cast<size_t>(tasks));
  CHECK(unique.count("task-0") == 1);
  CHECK(unique.count("task-1999") == 1);
  CHECK_FALSE(a.c->pop_task(arn));
  // Hints reach every node.
  CHECK(eventually(
      [&] {
        std::lock_guard lock(b.mu);
        return std::count(b.activity_hints.begin(), b.activity_hints.end(), arn) > 0;
      },
      2000ms));
}

TEST_CASE("cluster: Redis outages lose leases, never the node", "[cluster][redis]") {
  test::redis_server srv;  // its own server: this test kills it
  INFO(srv.error());
  REQUIRE(srv.ok());
  ledger book;
  // ttl 1000 ms: commands time out after 500 ms.
  node a("node-a", book, srv.url(), 1000ms);
  a.start();
  REQUIRE(a.count() == 64);
  const uint64_t before = *a.c->epoch(0);
  srv.kill_hard();
  // Every lease is reported lost once it can no longer be valid.
  const auto t0 = steady::now();
  REQUIRE(eventually([&] { return a.count() == 0; }, 3000ms));
  CHECK(elapsed_ms(t0) <= 1400);
  CHECK_THROWS_AS(a.c->post(0, "x"), store_unavailable);
  CHECK(a.consistent());
  REQUIRE(srv.start());  // empty: nothing was saved
  REQUIRE(eventually([&] { return a.count() == 64; }, 5000ms));
  CHECK(a.consistent());
  CHECK(a.c->epoch(0).has_value());
  (void)before;
  // The pool's connections died with the server: one call may fail.
  try {
    a.c->post(0, "after");
  } catch (const store_unavailable&) {
    a.c->post(0, "after");
  }
  CHECK(a.c->take(0, 1) == std::vector<std::string>{"after"});

  // A hung Redis (accepts connections, never answers): the leases are
  // reported lost about when they expire, not a command timeout later.
  srv.pause();
  const auto t1 = steady::now();
  REQUIRE(eventually([&] { return a.count() == 0; }, 3000ms));
  const auto lost_after = elapsed_ms(t1);
  INFO("lost " << lost_after << " ms after the pause");
  CHECK(lost_after <= 1400);  // not ttl + a 500 ms command timeout
  srv.resume();
  REQUIRE(eventually([&] { return a.count() == 64; }, 5000ms));
  CHECK(a.consistent());
}

TEST_CASE("cluster: status table", "[cluster][redis]") {
  cluster_status st;
  st.shards = 8;
  st.nodes.push_back({"node-a", "10.0.0.1:8080", 120, 1700000000000, 5000, true});
  st.nodes.push_back({"node-b", "", 61'000, 1700000000000, 5000, false});
  st.leases.resize(8);
  for (int s : {0, 1, 2, 3, 6}) st.leases[s] = {"node-a", 3, 4200};
  st.leases[5] = {"ghost", 1, 100};
  auto text = format_cluster_status(st);
  INFO(text);
  CHECK(text.find("8 shards, 2 nodes (1 live), 6 shards owned") != std::string::npos);
  CHECK(text.find("node-a: 0-3,6 (5 shards") != std::string::npos);
  CHECK(text.find("ghost: 5 (1 shard") != std::string::npos);
  CHECK(text.find("node not registered") != std::string::npos);
  CHECK(text.find("unowned: 4,7 (2 shards)") != std::string::npos);
  CHECK(text.find("120 ms ago") != std::string::npos);
  CHECK(text.find("1 min ago") != std::string::npos);
  CHECK(text.find("dead") != std::string::npos);

  const auto url = fresh_url();
  ledger book;
  node a("node-a", book, url), b("node-b", book, url);
  a.start();
  b.start();
  std::vector<node*> two{&a, &b};
  REQUIRE(eventually([&] { return balanced(two); }));
  std::string err;
  auto live = read_cluster_status(url, &err);
  INFO(err);
  REQUIRE(live);
  CHECK(live->shards == 64);
  REQUIRE(live->nodes.size() == 2);
  for (const auto& n : live->nodes) {
    CHECK(n.live);
    CHECK(n.heartbeat_age_ms < 500);
    CHECK(n.lease_ttl_ms == 500);
    CHECK(n.address.rfind("10.0.0.1:", 0) == 0);
  }
  REQUIRE(live->leases.size() == 64);
  for (int s = 0; s < 64; ++s) {
    auto& l = live->leases[s];
    auto* owner = a.c->owns(s) ? &a : &b;
    CHECK(l.owner == owner->id);
    CHECK(l.epoch == *owner->c->epoch(s));
    CHECK(l.ms_left > 0);
    CHECK(l.ms_left <= 500);
  }
  text = format_cluster_status(*live);
  INFO(text);
  CHECK(text.find("64 shards, 2 nodes (2 live), 64 shards owned") != std::string::npos);
  CHECK(text.find("node-a: ") != std::string::npos);
  CHECK(text.find("(32 shards") != std::string::npos);
  CHECK_FALSE(read_cluster_status("redis://127.0.0.1:1", &err));
  CHECK_FALSE(err.empty());
}
