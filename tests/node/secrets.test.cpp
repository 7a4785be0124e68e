// The cluster's token secrets in Redis (cluster/secrets.hpp) and the
// coordinator's part: following a rotation, restoring a lost key, and the
// shared activity queue never handing out a task twice when its copies
// carry tokens signed with two secrets.
#include "cluster/coordinator.hpp"
#include "cluster/keys.hpp"
#include "cluster/secrets.hpp"
#include "runtime/model/task_token.hpp"
#include "tests/node/redis_fixture.hpp"

#include <catch2/catch.hpp>
#include <hiredis/hiredis.h>

#include <chrono>
#include <mutex>
#include <set>
#include <thread>

using namespace sc;
using namespace sc::cluster;
using namespace std::chrono_literals;

namespace {

std::string fresh_url() {
  auto& srv = test::shared_redis();
  INFO(srv.error());
  REQUIRE(srv.ok());
  REQUIRE(srv.flushall());
  return srv.url();
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5000ms) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

/// One command on a fresh connection to the shared server; the reply as a
/// string ("(nil)" for nil).
std::string redis(std::initializer_list<std::string> args) {
  auto& srv = test::shared_redis();
  redisContext* c = redisConnect("127.0.0.1", srv.port());
  REQUIRE(c);
  REQUIRE(c->err == 0);
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data()));
  REQUIRE(r);
  std::string out = r->type == REDIS_REPLY_NIL       ? "(nil)"
                    : r->type == REDIS_REPLY_INTEGER ? std::to_string(r->integer)
                                                     : std::string(r->str ? r->str : "", r->len);
  freeReplyObject(r);
  redisFree(c);
  return out;
}

}  // namespace

TEST_CASE("secrets: stored form round trip, malformed refused") {
  std::vector<cluster_secret> ring{{"second-secret-value-1", 2000, ""},
                                   {"first secret\nwith odd bytes", 1000, ""}};
  auto text = format_secrets(ring);
  auto back = parse_secrets(text);
  REQUIRE(back);
  REQUIRE(back->size() == 2);
  CHECK((*back)[0].value == ring[0].value);
  CHECK((*back)[1].value == ring[1].value);
  CHECK((*back)[1].created_ms == 1000);
  CHECK((*back)[0].key_id == model::key_id_hex(ring[0].value));
  CHECK_FALSE(parse_secrets(""));
  CHECK_FALSE(parse_secrets("12 short"));
  CHECK_FALSE(parse_secrets("x " + model::base64url_encode("long-enough-secret-000")));
  CHECK(generate_secret().size() == 43);
  CHECK(generate_secret() != generate_secret());
}

TEST_CASE("secrets: the first node stores one, every other and every restart reads it",
          "[secrets][redis]") {
  const auto url = fresh_url();
  std::string err;
  CHECK(read_secrets(url, &err)->empty());
  // Several nodes starting at once: exactly one stores, all agree.
  constexpr int n = 6;
  std::vector<std::optional<joined_secrets>> got(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      std::string e;
      got[i] = join_secrets(url, "", &e);
    });
  for (auto& t : threads) t.join();
  int created = 0;
  for (auto& g : got) {
    REQUIRE(g);
    REQUIRE(g->ring.size() == 1);
    CHECK(g->ring[0].value == got[0]->ring[0].value);
    created += g->created;
  }
  CHECK(created == 1);
  auto again = join_secrets(url, "", &err);
  REQUIRE(again);
  CHECK_FALSE(again->created);
  CHECK(again->ring[0].value == got[0]->ring[0].value);

  // Configured: the cluster's starts, another is refused with the key ids.
  auto same = join_secrets(url, got[0]->ring[0].value, &err);
  REQUIRE(same);
  CHECK_FALSE(same->configured_is_older);
  CHECK_FALSE(join_secrets(url, "some-other-secret-000", &err));
  CHECK(err.find("is not one of the cluster's") != std::string::npos);
  CHECK(err.find(got[0]->ring[0].key_id) != std::string::npos);
  CHECK(err.find(model::key_id_hex("some-other-secret-000")) != std::string::npos);
  CHECK(err.find(got[0]->ring[0].value) == std::string::npos);  // never the value
}

TEST_CASE("secrets: a configured secret on an empty keyspace becomes the cluster's",
          "[secrets][redis]") {
  const auto url = fresh_url();
  std::string err;
  auto first = join_secrets(url, "configured-secret-0001", &err);
  REQUIRE(first);
  CHECK(first->created);
  auto plain = join_secrets(url, "", &err);
  REQUIRE(plain);
  CHECK(plain->ring[0].value == "configured-secret-0001");
}

TEST_CASE("secrets: rotate and retire", "[secrets][redis]") {
  const auto url = fresh_url();
  std::string err;
  auto first = join_secrets(url, "", &err);
  REQUIRE(first);
  auto ring = rotate_secrets(url, "", &err);
  REQUIRE(ring);
  REQUIRE(ring->size() == 2);
  CHECK((*ring)[1].value == first->ring[0].value);
  auto chosen = rotate_secrets(url, "operator-chosen-0001", &err);
  REQUIRE(chosen);
  CHECK(chosen->size() == 3);
  CHECK((*chosen)[0].value == "operator-chosen-0001");
  // Already there, too short.
  CHECK_FALSE(rotate_secrets(url, "operator-chosen-0001", &err));
  CHECK(err.find("already one of the cluster's") != std::string::npos);
  CHECK_FALSE(rotate_secrets(url, "short", &err));
  // A node given an older secret of the ring starts, signing with the newest.
  auto older = join_secrets(url, first->ring[0].value, &err);
  REQUIRE(older);
  CHECK(older->configured_is_older);
  CHECK(older->ring[0].value == "operator-chosen-0001");
  // Retire: not the newest; one by id; then every other.
  CHECK_FALSE(retire_secrets(url, (*chosen)[0].key_id, &err));
  CHECK(err.find("newest") != std::string::npos);
  CHECK_FALSE(retire_secrets(url, "00000000", &err));
  auto one = retire_secrets(url, (*chosen)[2].key_id, &err);
  REQUIRE(one);
  REQUIRE(one->size() == 1);
  CHECK((*one)[0].value == first->ring[0].value);
  CHECK(read_secrets(url, &err)->size() == 2);
  auto rest = retire_secrets(url, "", &err);
  REQUIRE(rest);
  CHECK(rest->size() == 1);
  auto left = read_secrets(url, &err);
  REQUIRE(left);
  REQUIRE(left->size() == 1);
  CHECK((*left)[0].value == "operator-chosen-0001");
  CHECK(retire_secrets(url, "", &err)->empty());
  // The retired one is refused as a configured secret now.
  CHECK_FALSE(join_secrets(url, first->ring[0].value, &err));
  // At most max_secrets.
  for (size_t i = 1; i < max_secrets; ++i) REQUIRE(rotate_secrets(url, "", &err));
  CHECK_FALSE(rotate_secrets(url, "", &err));
  CHECK(err.find("retire old ones first") != std::string::npos);
}

TEST_CASE("secrets: the coordinator follows a rotation and restores a lost key",
          "[secrets][redis]") {
  const auto url = fresh_url();
  std::string err;
  auto first = join_secrets(url, "", &err);
  REQUIRE(first);
  std::mutex mu;
  std::vector<std::string> seen;
  coordinator_options o;
  o.url = url;
  o.node_id = "node-s";
  o.heartbeat = 30000ms;  // far longer than the wait below: the rotation must come through pub/sub
  o.lease_ttl = 90000ms;
  coordinator_callbacks cb;
  cb.secrets_changed = [&](const std::string& stored) {
    std::lock_guard lock(mu);
    seen.push_back(stored);
  };
  coordinator c(o, cb);
  REQUIRE(c.start(&err));
  auto last = [&] {
    std::lock_guard lock(mu);
    return seen.empty() ? std::string() : seen.back();
  };
  CHECK(last() == format_secrets(first->ring));
  auto rotated = rotate_secrets(url, "", &err);
  REQUIRE(rotated);
  // (A bound for a loaded machine, not a speed target: pub/sub takes ms.)
  CHECK(eventually([&] { return last() == format_secrets(*rotated); }, 10000ms));
  c.stop(true);
  // The key vanishes (a flush): a coordinator stores what it had at its
  // next heartbeat.
  o.heartbeat = 300ms;
  o.lease_ttl = 1000ms;
  coordinator c2(o, cb);
  REQUIRE(c2.start(&err));
  REQUIRE(redis({"DEL", keys::token_secrets()}) == "1");
  CHECK(eventually([&] { return redis({"GET", keys::token_secrets()}) == format_secrets(*rotated); },
                   15000ms));
  c2.stop(true);
}

TEST_CASE("secrets: a task queued twice under two secrets is handed out once",
          "[secrets][redis]") {
  const auto url = fresh_url();
  coordinator_options o;
  o.url = url;
  o.node_id = "node-q";
  o.heartbeat = 200ms;
  o.lease_ttl = 1000ms;
  coordinator c(o, {});
  std::string err;
  REQUIRE(c.start(&err));
  const std::string arn = "arn:aws:states:us-east-1:123456789012:activity:a";
  const std::string arn_exec = "arn:aws:states:us-east-1:123456789012:execution:m:e";
  model::token_codec old_key("old-secret-0000000"), new_key("new-secret-1111111");
  const std::string t_old = old_key.encode({arn_exec, 4});
  const std::string t_new = new_key.encode({arn_exec, 4});
  REQUIRE(t_old != t_new);
  auto payload = [](const std::string& t) { return "{\"token\":\"" + t + "\",\"input\":\"{}\"}"; };
  c.push_task(arn, payload(t_old));
  // Handed out under the old secret, then re-queued (recovery) under the new.
  auto got = c.pop_task(arn);
  REQUIRE(got);
  CHECK(*got == payload(t_old));
  CHECK_FALSE(c.push_task_once(arn, payload(t_new), t_new));  // the marker holds
  // A copy that got in anyway (queued before the pop) is skipped by the pop.
  c.push_task(arn, payload(t_new));
  c.push_task(arn, payload(new_key.encode({arn_exec, 5})));
  auto next = c.pop_task(arn);
  REQUIRE(next);
  CHECK(next->find(new_key.encode({arn_exec, 5})) != std::string::npos);
  CHECK_FALSE(c.pop_task(arn));
  // Released (ActivityStarted stored) with the other spelling.
  c.release_taken(t_new);
  CHECK(c.push_task_once(arn, payload(t_new), t_new));
  c.stop(true);
}
