// The credentials AWS calls are signed with (actors/aws_call.cpp), found the
// way the AWS SDKs find them (runtime/aws/resolve.hpp decides where they come
// from; this module fetches them):
//
// * static keys (Statecraft's settings, the environment, the shared files);
// * the container endpoint and the instance metadata service (IMDSv2);
// * a profile's `credential_process`: the command is run (no shell; its
//   arguments split as the SDKs split them) with a 30 s limit and 64 KiB of
//   output, and its credentials kept until five minutes before their
//   Expiration (for good when they have none), so it runs once per expiry;
// * a profile's `role_arn` chain: each role assumed through STS AssumeRole
//   signed with the credentials below it (`role_session_name`,
//   `external_id`, `duration_seconds`), kept until five minutes before
//   they expire.
//
// On top of those, get(role) assumes a state machine's roleArn or a Task's
// Credentials.RoleArn when aws.assume_role is auto or always (auto: the
// node's own credentials when STS cannot be used, and STS not asked again
// for that role for a minute; always: a failure).
//
// Every fetch is made once for all the calls that wait for it (single
// flight). Callbacks run on the HTTP client's threads (or the process
// runner's thread) and must not block. Private to actors/.
#pragma once

#include "actors/outbound_http.hpp"
#include "config/settings.hpp"
#include "runtime/aws/resolve.hpp"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sc::actors {

class aws_credentials : public std::enable_shared_from_this<aws_credentials> {
 public:
  /// Credentials, or nullopt and why not.
  using callback = std::function<void(std::optional<aws::credentials>, std::string)>;

  aws_credentials(const config::aws_settings& s, std::string node_region, aws::statecraft_aws cfg,
                  aws::environment env, outbound::client& http);

  /// The node's credentials, or those of `role` assumed on top of them
  /// (aws.assume_role auto/always; "" = the node's).
  void get(const std::string& role, callback cb);
  /// The node's credentials (the SDK chain, profile roles included).
  void node(callback cb);
  /// The node stops: fetches still running (a credential_process) answer
  /// no one.
  void stop();

 private:
  struct cached {
    aws::credentials creds;
    int64_t until_ms = 0;  ///< wall clock; INT64_MAX = for good
  };
  /// Single flight: true when the caller must fetch `key` (and then call
  /// finish); false when `cb` joined a fetch under way or was answered
  /// from the cache.
  bool begin(const std::string& key, callback& cb);
  void finish(const std::string& key, std::optional<aws::credentials> c, const std::string& why,
              int64_t until_ms);

  void base(const aws::credential_source& src, callback cb);
  void metadata(const aws::credential_source& src, callback cb);
  void process(const aws::credential_source& src, callback cb);
  /// STS AssumeRole of `hop` signed with `with`.
  void assume(const aws::credentials& with, const aws::role_hop& hop, callback cb);
  void chain(std::shared_ptr<std::vector<aws::role_hop>> hops, size_t i, aws::credentials with,
             callback cb);

  config::aws_settings settings_;
  std::string node_region_;
  aws::statecraft_aws cfg_;
  aws::environment env_;
  outbound::client& http_;

  std::mutex mu_;
  bool stopped_ = false;
  std::map<std::string, cached> cache_;
  std::map<std::string, std::vector<callback>> pending_;
};

}  // namespace sc::actors
