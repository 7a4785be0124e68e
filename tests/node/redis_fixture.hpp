// A real redis-server for the store tests: started on a free loopback port
// in a temporary directory (no persistence), waited for until it answers
// PING, killed and cleaned up at the end (and killed by the kernel if the
// thread that started it dies first: PR_SET_PDEATHSIG). If redis-server is not installed
// ok() is false and error() says so — the Redis tests then FAIL (CI
// installs it).
//
// Redis Cluster runs (tests/cluster/redis_cluster.py): with the environment
// variable STATECRAFT_TEST_REDIS_CLUSTER=HOST:PORT,HOST:PORT,... (the
// masters of a running cluster), shared_redis() starts nothing: url() is
// redis+cluster://..., flushall() flushes every master, port() is the
// master of the global keys (hash tag {g}). Tests that look at shard keys
// on one connection or use database numbers are tagged [redis-single] and
// left out of those runs.
#pragma once

#include <hiredis/hiredis.h>

#include <sys/types.h>

#include <string>

namespace sc::test {

class redis_server {
 public:
  /// Starts a server (see ok()).
  redis_server();
  /// A running Redis Cluster with these masters ("HOST:PORT,..."); starts
  /// nothing, kill/pause/start do nothing.
  explicit redis_server(std::string cluster_masters);
  ~redis_server();
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  bool ok() const { return pid_ > 0 || !cluster_.empty(); }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  /// redis://127.0.0.1:PORT/DB (redis+cluster://MASTERS for a cluster)
  std::string url(int db = 0) const;

  /// SIGKILLs the server (nothing is saved) and reaps it.
  void kill_hard();
  /// SIGSTOP / SIGCONT: a server that accepts connections but never answers.
  void pause();
  void resume();
  /// Starts it again on the same port; true once it answers PING.
  bool start();
  /// FLUSHALL; false when the server does not answer.
  bool flushall();

 private:
  bool spawn();
  bool wait_ready();

  std::string cluster_;  ///< the masters, for a Redis Cluster
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
  std::string binary_;
  std::string error_;
};

/// redisCommandArgv on `c`; after a -MOVED reply (Redis Cluster: the key's
/// slot is on another master) `c` is replaced by a connection to that master
/// and the command sent again there. Lets tests peek at keys on a cluster.
void* command_argv(redisContext*& c, int argc, const char** argv, const size_t* lens);

/// One server shared by the whole test run (started on first use).
redis_server& shared_redis();

}  // namespace sc::test
