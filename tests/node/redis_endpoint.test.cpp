// Redis URLs with Sentinel (cluster/redis_endpoint.hpp), the store's
// wait-for-replicas option and idempotent re-sent saves. The failover itself
// (sentinels, kill -9 of the master) is tests/durability/sentinel_failover.py.
#include "cluster/keys.hpp"
#include "cluster/redis_endpoint.hpp"
#include "cluster/redis_store.hpp"
#include "cluster/store.hpp"
#include "tests/node/redis_fixture.hpp"

#include <catch2/catch.hpp>
#include <hiredis/hiredis.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

using namespace sc;
using namespace sc::cluster;

namespace {

const std::string region = "arn:aws:states:us-east-1:123456789012:";

execution_record exec(const std::string& name) {
  execution_record e;
  e.machine_arn = region + "stateMachine:m";
  e.arn = region + "execution:m:" + name;
  e.name = name;
  e.start_ms = 1700000000000;
  e.input = "{}";
  e.definition = "{\"v\":1}";
  e.role_arn = region + "role/r";
  e.revision_id = "rev-1";
  e.state = std::make_shared<interp::execution_state>();
  return e;
}

std::vector<model::history_event> events(int64_t first, int64_t n) {
  std::vector<model::history_event> v;
  for (int64_t i = first; i < first + n; ++i) {
    model::history_event e;
    e.id = i;
    e.previous_id = i - 1;
    e.timestamp_ms = 1700000000000 + i;
    e.type = i == 1 ? "ExecutionStarted" : "PassStateEntered";
    v.push_back(std::move(e));
  }
  return v;
}

std::vector<int64_t> ids(const std::vector<model::history_event>& v) {
  std::vector<int64_t> out;
  for (const auto& e : v) out.push_back(e.id);
  return out;
}

std::unique_ptr<store> redis(const redis_store_options& o = {}) {
  auto& srv = test::shared_redis();
  INFO(srv.error());
  REQUIRE(srv.ok());
  REQUIRE(srv.flushall());
  std::string err;
  auto s = make_redis_store(srv.url(), o, &err);
  INFO(err);
  REQUIRE(s);
  return s;
}

bool save_async(store& s, const execution_record& r, std::vector<model::history_event> ev) {
  std::promise<bool> p;
  auto f = p.get_future();
  s.save_execution_async(r, std::move(ev), [&p](bool ok) { p.set_value(ok); });
  return f.get();
}

}  // namespace

TEST_CASE("redis endpoint: URL parsing", "[redis][sentinel]") {
  std::string why;
  auto e = parse_redis_endpoint("redis://cache.local:6380/2", &why);
  REQUIRE(e);
  CHECK_FALSE(e->uses_sentinel());
  CHECK(e->server.host == "cache.local");
  CHECK(e->server.port == 6380);
  CHECK(e->db == 2);

  e = parse_redis_endpoint("redis+sentinel://10.0.0.1:26379,s2,[::1]:26380/mymaster/3", &why);
  REQUIRE(e);
  CHECK(e->uses_sentinel());
  REQUIRE(e->sentinels.size() == 3);
  CHECK(e->sentinels[0] == redis_host{"10.0.0.1", 26379});
  CHECK(e->sentinels[1] == redis_host{"s2", 26379});  // default sentinel port
  CHECK(e->sentinels[2] == redis_host{"::1", 26380});
  CHECK(e->master == "mymaster");
  CHECK(e->db == 3);
  CHECK(e->describe() == "master 'mymaster' via sentinels 10.0.0.1:26379,s2:26379,[::1]:26380");

  struct bad_case {
    const char* url;
    const char* says;
  };
  for (auto [url, says] : std::initializer_list<bad_case>{
           {"redis+sentinel://h:26379", "MASTER"},
           {"redis+sentinel://h:26379/", "empty master"},
           {"redis+sentinel:///m", "no sentinel"},
           {"redis+sentinel://h:0/m", "bad port"},
           {"redis+sentinel://h:1,,h:2/m", "empty host"},
           {"redis+sentinel://u:p@h:1/m", "password"},
           {"redis+sentinel://h:1/m/x", "database"},
           {"sentinel://h:1/m", "scheme"},
           {"redis://h", "PORT"},
           {"redis://h:1/x", "database"}}) {
    INFO(url);
    why.clear();
    CHECK_FALSE(parse_redis_endpoint(url, &why));
    CHECK(why.find(says) != std::string::npos);
  }
  std::string err;
  CHECK_FALSE(make_redis_store("redis+sentinel://h:1", &err));
  CHECK(err.find("malformed Redis URL") != std::string::npos);
}

TEST_CASE("redis endpoint: no sentinel answers", "[redis][sentinel]") {
  std::string err;
  // Nothing listens on port 1.
  CHECK_FALSE(make_redis_store("redis+sentinel://127.0.0.1:1/m", &err));
  CHECK(err.find("no sentinel named the master 'm'") != std::string::npos);
  // A Redis that is no sentinel.
  auto& srv = test::shared_redis();
  REQUIRE(srv.ok());
  CHECK_FALSE(make_redis_store(
      "redis+sentinel://127.0.0.1:" + std::to_string(srv.port()) + "/m", &err));
  CHECK(err.find("sentinel 127.0.0.1:" + std::to_string(srv.port())) != std::string::npos);
}

TEST_CASE("redis store: a save sent again repeats no event", "[store][redis][redis-single]") {
  auto s = redis();
  for (bool fenced : {false, true}) {
    INFO("fenced " << fenced);
    auto e = exec(fenced ? "fenced" : "plain");
    if (fenced) {
      // The fenced save script compares the shard's lease with the fence.
      const uint32_t shard = keys::shard_of(e.arn, keys::default_shards);
      auto& srv = test::shared_redis();
      timeval tv{2, 0};
      redisContext* c = redisConnectWithTimeout("127.0.0.1", srv.port(), tv);
      REQUIRE(c);
      const std::string k = keys::lease(shard), v = keys::lease_value("n1", 7);
      auto* r = static_cast<redisReply*>(redisCommand(c, "SET %s %s", k.c_str(), v.c_str()));
      REQUIRE(r);
      freeReplyObject(r);
      redisFree(c);
      s->set_fence(static_cast<int>(shard), 7, "n1");
    }
    execution_record existing;
    REQUIRE(s->create_execution(e, events(1, 2), existing) == create_outcome::created);
    s->save_execution(e, events(3, 3));
    s->save_execution(e, events(3, 3));  // the acknowledgement was lost: sent again
    CHECK(save_async(*s, e, events(3, 3)));
    CHECK(ids(s->get_history(e.arn, 1, 100, false)) == std::vector<int64_t>{1, 2, 3, 4, 5});
    s->save_execution(e, events(6, 1));
    s->save_execution(e, events(6, 1));
    CHECK(ids(s->get_history(e.arn, 1, 100, false)) == std::vector<int64_t>{1, 2, 3, 4, 5, 6});
    CHECK(s->history_length(e.arn) == 6);
  }
}

TEST_CASE("redis store: wait for replicas", "[store][redis][sentinel]") {
  // The shared server has no replica: WAIT 1 reaches 0 of 1.
  redis_store_options o;
  o.wait_replicas = 1;
  o.wait_timeout = std::chrono::milliseconds(50);
  auto s = redis(o);
  auto e = exec("w");
  execution_record existing;
  try {
    s->create_execution(e, events(1, 1), existing);
    FAIL("create_execution acknowledged a write no replica has");
  } catch (const store_unavailable& x) {
    CHECK(std::string(x.what()).find("reached 0 of 1 replicas") != std::string::npos);
  }
  // Not acknowledged, though written on the master: a retry is not
  // acknowledged either (its answer rests on a write no replica has), and
  // reads (which never wait) find it.
  CHECK_THROWS_AS(s->create_execution(e, events(1, 1), existing), store_unavailable);
  CHECK_FALSE(save_async(*s, e, events(2, 2)));
  CHECK_THROWS_AS(s->save_execution(e, events(2, 2)), store_unavailable);
  // Reads do not wait...
  CHECK(s->get_execution(e.arn));
  // ... except the one the execution actor makes before re-sending a save
  // (did it land?): it must not count events no replica has.
  CHECK_THROWS_AS(s->history_length(e.arn), store_unavailable);
  std::string err;
  auto reader = make_redis_store(test::shared_redis().url(), &err);
  REQUIRE(reader);
  CHECK(reader->history_length(e.arn) == 3);  // re-sent saves repeated nothing

  o.wait_replicas = 0;
  auto plain = redis(o);
  CHECK(plain->create_execution(exec("x"), events(1, 1), existing) == create_outcome::created);
}
