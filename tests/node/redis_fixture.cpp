#include "tests/node/redis_fixture.hpp"

#include "cluster/redis_cluster.hpp"

#include <hiredis/hiredis.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <string_view>
#include <thread>
#include <vector>

namespace sc::test {

namespace {

namespace fs = std::filesystem;

/// A port the kernel just handed out on 127.0.0.1 (free a moment ago).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  int port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

std::string find_binary() {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "";
  p += ":/usr/bin:/usr/sbin:/usr/local/bin";
  size_t at = 0;
  while (at <= p.size()) {
    size_t end = p.find(':', at);
    if (end == std::string::npos) end = p.size();
    std::string dir = p.substr(at, end - at);
    if (!dir.empty()) {
      std::string f = dir + "/redis-server";
      if (::access(f.c_str(), X_OK) == 0) return f;
    }
    at = end + 1;
  }
  return {};
}

/// True when a server on `port` answers PING with PONG.
bool pings(int port) {
  timeval tv{0, 200 * 1000};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port, tv);
  if (!c) return false;
  bool ok = false;
  if (!c->err) {
    redisSetTimeout(c, tv);
    auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
    ok = r && r->type == REDIS_REPLY_STATUS && std::string_view(r->str, r->len) == "PONG";
    if (r) freeReplyObject(r);
  }
  redisFree(c);
  return ok;
}

}  // namespace

redis_server::redis_server() {
  binary_ = find_binary();
  if (binary_.empty()) {
    error_ = "redis-server is not installed (not found on PATH): the Redis store tests need it";
    return;
  }
  std::string tmpl = (fs::temp_directory_path() / "sc-redis-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    if (port_ && start()) return;
  }
  if (error_.empty()) error_ = "redis-server did not start";
}

redis_server::redis_server(std::string cluster_masters) : cluster_(std::move(cluster_masters)) {
  // port(): the master of the global keys.
  std::vector<cluster::redis_host> seeds;
  std::string_view list = cluster_;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto hp = list.substr(0, comma);
    auto colon = hp.rfind(':');
    seeds.push_back({std::string(hp.substr(0, colon)), std::stoi(std::string(hp.substr(colon + 1)))});
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  std::string err;
  redisContext* c = cluster::connect_slot_master(seeds, cluster::key_slot("sc:{g}:meta"),
                                                 std::chrono::seconds(2), std::chrono::seconds(2),
                                                 &err);
  if (!c) {
    error_ = err;
    cluster_.clear();
    return;
  }
  port_ = c->tcp.port;
  redisFree(c);
}

redis_server::~redis_server() {
  kill_hard();
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::string redis_server::url(int db) const {
  if (!cluster_.empty()) return "redis+cluster://" + cluster_;
  return "redis://127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
}

void redis_server::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

void redis_server::pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void redis_server::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

bool redis_server::spawn() {
  const std::string port = std::to_string(port_);
  const std::string log = dir_ + "/redis.log";
  std::vector<std::string> args = {binary_,      "--port",       port,   "--bind", "127.0.0.1",
                                   "--save",     "",             "--appendonly", "no",
                                   "--daemonize", "no",          "--dir",  dir_,   "--logfile",
                                   log};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // fork + exec rather than posix_spawn, to set PR_SET_PDEATHSIG: the
  // server dies with the test process even if that crashes. Only
  // async-signal-safe calls between fork and exec.
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    error_ = "fork failed";
    return false;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
    }
    ::execv(binary_.c_str(), argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  return true;
}

bool redis_server::wait_ready() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "redis-server exited at startup (port " + std::to_string(port_) + "; see " + dir_ +
               "/redis.log)";
      return false;
    }
    if (pings(port_)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  error_ = "redis-server did not answer PING within 10 s";
  kill_hard();
  return false;
}

bool redis_server::start() {
  if (pid_ > 0 || !cluster_.empty()) return true;
  if (!spawn()) return false;
  return wait_ready();
}

bool redis_server::flushall() {
  if (!cluster_.empty()) {
    std::string_view list = cluster_;
    while (!list.empty()) {
      auto comma = list.find(',');
      auto hp = list.substr(0, comma);
      auto colon = hp.rfind(':');
      timeval tv{2, 0};
      redisContext* c = redisConnectWithTimeout(std::string(hp.substr(0, colon)).c_str(),
                                                std::stoi(std::string(hp.substr(colon + 1))), tv);
      if (!c) return false;
      bool ok = false;
      if (!c->err) {
        auto* r = static_cast<redisReply*>(redisCommand(c, "FLUSHALL"));
        ok = r && r->type == REDIS_REPLY_STATUS;
        if (r) freeReplyObject(r);
      }
      redisFree(c);
      if (!ok) return false;
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
    return true;
  }
  timeval tv{2, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
  if (!c) return false;
  bool ok = false;
  if (!c->err) {
    auto* r = static_cast<redisReply*>(redisCommand(c, "FLUSHALL"));
    ok = r && r->type == REDIS_REPLY_STATUS;
    if (r) freeReplyObject(r);
  }
  redisFree(c);
  return ok;
}

void* command_argv(redisContext*& c, int argc, const char** argv, const size_t* lens) {
  for (int hop = 0;; ++hop) {
    auto* r = static_cast<redisReply*>(redisCommandArgv(c, argc, argv, lens));
    if (!r || r->type != REDIS_REPLY_ERROR || hop > 3) return r;
    std::string_view e(r->str, r->len);
    if (e.substr(0, 6) != "MOVED ") return r;
    auto hp = e.substr(e.rfind(' ') + 1);
    auto colon = hp.rfind(':');
    std::string host(hp.substr(0, colon));
    int port = std::stoi(std::string(hp.substr(colon + 1)));
    freeReplyObject(r);
    timeval tv{2, 0};
    redisContext* moved = redisConnectWithTimeout(host.c_str(), port, tv);
    if (!moved || moved->err) {
      if (moved) redisFree(moved);
      return nullptr;
    }
    redisFree(c);
    c = moved;
  }
}

redis_server& shared_redis() {
  static redis_server s = [] {
    const char* cluster = std::getenv("STATECRAFT_TEST_REDIS_CLUSTER");
    return cluster && *cluster ? redis_server(std::string(cluster)) : redis_server();
  }();
  return s;
}

}  // namespace sc::test
