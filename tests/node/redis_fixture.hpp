// A real redis-server for the store tests: started on a free loopback port
// in a temporary directory (no persistence), waited for until it answers
// PING, killed and cleaned up at the end (and killed by the kernel if the
// thread that started it dies first: PR_SET_PDEATHSIG). If redis-server is not installed
// ok() is false and error() says so — the Redis tests then FAIL (CI
// installs it).
#pragma once

#include <sys/types.h>

#include <string>

namespace sc::test {

class redis_server {
 public:
  /// Starts a server (see ok()).
  redis_server();
  ~redis_server();
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  bool ok() const { return pid_ > 0; }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  /// redis://127.0.0.1:PORT/DB
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

  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
  std::string binary_;
  std::string error_;
};

/// One server shared by the whole test run (started on first use).
redis_server& shared_redis();

}  // namespace sc::test
