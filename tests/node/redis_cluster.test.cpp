// Redis Cluster plumbing without a cluster: hash slots, the URL, the wire
// format the router parses. The router against a real cluster:
// tests/cluster/redis_cluster.py (ctest redis-cluster).
#include "cluster/keys.hpp"
#include "cluster/redis_cluster.hpp"
#include "cluster/redis_endpoint.hpp"

#include <catch2/catch.hpp>

using namespace sc::cluster;

TEST_CASE("redis cluster: key slots follow Redis Cluster's CRC16 and hash tags", "[redis-cluster]") {
  // The reference value of the CRC16 variant Redis Cluster uses (XMODEM).
  CHECK(key_slot("123456789") == 12739 % cluster_slots);
  // Only the first {...} counts, and only when not empty.
  CHECK(key_slot("{user1000}.following") == key_slot("{user1000}.followers"));
  CHECK(key_slot("{user1000}.following") == key_slot("user1000"));
  CHECK(key_slot("foo{}{bar}") != key_slot("bar"));
  CHECK(key_slot("foo{{bar}}zap") == key_slot("{bar"));
  CHECK(key_slot("foo{bar}{zap}") == key_slot("bar"));
  // Every key of a shard is in the shard's slot; every global key in {g}'s.
  const auto arn = std::string("arn:aws:states:us-east-1:1:execution:m:e");
  const uint32_t s = keys::shard_of(arn, keys::default_shards);
  const auto slot = key_slot(keys::execution(s, arn));
  for (const auto& k : {keys::state(s, arn), keys::history(s, arn), keys::running(s),
                        keys::lease(s), keys::epoch(s), keys::inbox(s), keys::inbox_processing(s),
                        keys::machine_executions(s, "arn:m"), keys::wait_probe(s)})
    CHECK(key_slot(k) == slot);
  const auto g = key_slot(keys::meta());
  for (const auto& k : {keys::state_machines(), keys::activities(), keys::nodes(),
                        keys::token_secrets(), keys::activity_queue("arn:a"),
                        keys::task_taken("t"), keys::manual_clock(), keys::tags()})
    CHECK(key_slot(k) == g);
}

TEST_CASE("redis cluster: redis+cluster:// URLs", "[redis-cluster]") {
  std::string why;
  auto e = parse_redis_endpoint("redis+cluster://10.0.0.1:7001,node-b,[::1]:7003", &why);
  INFO(why);
  REQUIRE(e);
  CHECK(e->uses_cluster());
  CHECK_FALSE(e->uses_sentinel());
  REQUIRE(e->cluster_nodes.size() == 3);
  CHECK(e->cluster_nodes[0] == redis_host{"10.0.0.1", 7001});
  CHECK(e->cluster_nodes[1] == redis_host{"node-b", 6379});
  CHECK(e->cluster_nodes[2] == redis_host{"::1", 7003});
  CHECK(e->db == 0);
  CHECK(e->describe() == "Redis Cluster 10.0.0.1:7001,node-b:6379,[::1]:7003");
  CHECK(parse_redis_endpoint("redis+cluster://h:7001/0", &why));
  for (const char* bad : {"redis+cluster://", "redis+cluster://h:7001/1", "redis+cluster://h:0",
                          "redis+cluster://u:p@h:7001", "redis+cluster://h:7001,,h2:7002"}) {
    INFO(bad);
    CHECK_FALSE(parse_redis_endpoint(bad, &why));
  }
}

TEST_CASE("redis cluster: commands in wire format", "[redis-cluster]") {
  CHECK(to_wire({{"GET", "k"}, {"SET", "a", ""}}) ==
        "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$0\r\n\r\n");
}

TEST_CASE("redis cluster: no node answers", "[redis-cluster]") {
  redis_cluster_options o;
  o.connect_timeout = std::chrono::milliseconds(200);
  redis_cluster_client c({{"127.0.0.1", 1}}, o);
  std::string err;
  CHECK_FALSE(c.init(&err));
  CHECK(err.find("127.0.0.1:1") != std::string::npos);
}
