// Private to cluster/: the small hiredis helpers the Redis store and the
// coordinator share — owned replies, reply accessors, and the SIGPIPE guard
// around writes to a socket the peer may have closed.
#pragma once

#include <hiredis/hiredis.h>

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <memory>
#include <string_view>

namespace sc::cluster::hiredis {

struct reply_free {
  void operator()(redisReply* r) const {
    if (r) freeReplyObject(r);
  }
};
/// An owned hiredis reply.
using reply = std::unique_ptr<redisReply, reply_free>;

inline std::string_view str(const redisReply* r) {
  return r && r->str ? std::string_view(r->str, r->len) : std::string_view{};
}
inline bool is_nil(const redisReply* r) { return !r || r->type == REDIS_REPLY_NIL; }
inline bool is_error(const redisReply* r) { return r && r->type == REDIS_REPLY_ERROR; }

/// Blocks SIGPIPE in this thread while hiredis writes, and swallows a
/// SIGPIPE such a write raised before the old mask comes back.
class sigpipe_guard {
 public:
  sigpipe_guard() {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s, &old_);
    was_blocked_ = sigismember(&old_, SIGPIPE) == 1;
  }
  ~sigpipe_guard() {
    if (!was_blocked_) {
      sigset_t pending;
      sigemptyset(&pending);
      if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGPIPE);
        timespec zero{0, 0};
        sigtimedwait(&s, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;

 private:
  sigset_t old_;
  bool was_blocked_ = false;
};

}  // namespace sc::cluster::hiredis
