// Fetching the credentials of AWS calls (aws_credentials.hpp).
#include "actors/aws_credentials.hpp"

#include "runtime/aws/protocol.hpp"
#include "runtime/aws/sigv4.hpp"
#include "runtime/model/time.hpp"

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace sc::actors {

namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr int64_t early_ms = 5 * 60 * 1000;  // refresh five minutes before expiry

std::vector<aws::http_header> from_outbound(const outbound::header_list& h) {
  std::vector<aws::http_header> out;
  out.reserve(h.size());
  for (const auto& [n, v] : h) out.push_back({n, v});
  return out;
}

/// What a credential_process printed and how it ended.
struct process_result {
  bool started = false;
  bool timed_out = false;
  int status = -1;  ///< exit status (-1: killed by a signal)
  std::string out, err;
};

/// Runs argv (no shell) with stdin from /dev/null; stdout and stderr read
/// up to `cap` bytes each; killed after `limit`.
process_result run_process(const std::vector<std::string>& args, std::chrono::milliseconds limit,
                           size_t cap) {
  process_result r;
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return r;
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]), close(out_pipe[1]);
    return r;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]), close(err_pipe[0]);
    r.err = std::string("cannot start it: ") + strerror(rc);
    return r;
  }
  r.started = true;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    int n = poll(fds, 2, int(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      if (sinks[i]->size() < cap) sinks[i]->append(buf, std::min(size_t(got), cap - sinks[i]->size()));
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace

aws_credentials::aws_credentials(const config::aws_settings& s, std::string node_region,
                                 aws::statecraft_aws cfg, aws::environment env, outbound::client& http)
    : settings_(s), node_region_(std::move(node_region)), cfg_(std::move(cfg)), env_(std::move(env)),
      http_(http) {}

bool aws_credentials::begin(const std::string& key, callback& cb) {
  std::optional<aws::credentials> hit;
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(key); it != cache_.end() && wall_ms() < it->second.until_ms) {
      hit = it->second.creds;
    } else {
      auto& waiters = pending_[key];
      waiters.push_back(std::move(cb));
      if (waiters.size() > 1) return false;
      cb = nullptr;
      return true;
    }
  }
  cb(hit, "");
  return false;
}

void aws_credentials::stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  pending_.clear();
}

void aws_credentials::finish(const std::string& key, std::optional<aws::credentials> c,
                             const std::string& why, int64_t until_ms) {
  std::vector<callback> waiters;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    if (c) cache_[key] = cached{*c, until_ms};
    auto it = pending_.find(key);
    if (it != pending_.end()) {
      waiters = std::move(it->second);
      pending_.erase(it);
    }
  }
  for (auto& w : waiters) w(c, why);
}

void aws_credentials::get(const std::string& role, callback cb) {
  if (role.empty() || settings_.assume_role == "never") return node(std::move(cb));
  auto self = shared_from_this();
  node([self, role, cb](std::optional<aws::credentials> base, std::string why) {
    if (!base) return cb(std::nullopt, why);
    aws::role_hop hop;
    hop.role_arn = role;
    hop.session_name = "statecraft";
    hop.duration_seconds = 3600;
    self->assume(*base, hop, [self, role, cb, base, hop](std::optional<aws::credentials> c, std::string why) {
      if (c) return cb(c, "");
      if (self->settings_.assume_role == "auto") {
        // The node's own credentials, and STS is not asked again for this
        // role for a minute.
        {
          std::lock_guard lock(self->mu_);
          self->cache_["role|" + role + "|statecraft||" + base->access_key_id] = cached{*base, wall_ms() + 60 * 1000};
        }
        return cb(base, "");
      }
      cb(std::nullopt, "Unable to assume the role " + role + ": " + why);
    });
  });
}

void aws_credentials::node(callback cb) {
  auto src = aws::resolve_credentials(cfg_, env_);
  using k = aws::credential_source::kind;
  if (src.k == k::invalid) return cb(std::nullopt, "Unable to load AWS credentials: " + src.error);
  if (src.k == k::none)
    return cb(std::nullopt,
              "Unable to load AWS credentials from any provider in the chain: aws settings, "
              "environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), the shared "
              "credentials and config files (profile " +
                  aws::profile_name(cfg_, env_) + "), container credentials; instance metadata is disabled");
  if (src.roles.empty()) return base(src, std::move(cb));
  auto hops = std::make_shared<std::vector<aws::role_hop>>(std::move(src.roles));
  auto self = shared_from_this();
  base(src, [self, hops, cb](std::optional<aws::credentials> c, std::string why) {
    if (!c) return cb(std::nullopt, why);
    self->chain(hops, 0, *c, cb);
  });
}

void aws_credentials::chain(std::shared_ptr<std::vector<aws::role_hop>> hops, size_t i,
                            aws::credentials with, callback cb) {
  if (i == hops->size()) return cb(with, "");
  auto self = shared_from_this();
  assume(with, (*hops)[i], [self, hops, i, cb](std::optional<aws::credentials> c, std::string why) {
    if (!c)
      return cb(std::nullopt, "Unable to assume the role " + (*hops)[i].role_arn + " of the profile " +
                                  (*hops)[i].profile + ": " + why);
    self->chain(hops, i + 1, *c, cb);
  });
}

void aws_credentials::base(const aws::credential_source& src, callback cb) {
  using k = aws::credential_source::kind;
  if (src.k == k::static_keys) return cb(src.creds, "");
  if (src.k == k::process) return process(src, std::move(cb));
  metadata(src, std::move(cb));
}

void aws_credentials::assume(const aws::credentials& with, const aws::role_hop& hop, callback cb) {
  const std::string key =
      "role|" + hop.role_arn + "|" + hop.session_name + "|" + hop.external_id + "|" + with.access_key_id;
  if (!begin(key, cb)) return;
  const std::string region = aws::resolve_region(cfg_, env_, node_region_);
  auto ep = aws::resolve_endpoint(*aws::find_service("sts"), region, cfg_, env_);
  std::vector<std::pair<std::string, std::string>> params = {
      {"RoleArn", hop.role_arn},
      {"RoleSessionName", hop.session_name.empty() ? "statecraft-" + std::to_string(wall_ms() / 1000)
                                                   : hop.session_name}};
  if (hop.duration_seconds > 0) params.emplace_back("DurationSeconds", std::to_string(hop.duration_seconds));
  if (!hop.external_id.empty()) params.emplace_back("ExternalId", hop.external_id);
  auto w = aws::query_request(ep.url, "AssumeRole", "2011-06-15", params);
  aws::sign_request(w, with, region, "sts", aws::amz_date(wall_ms()));
  outbound::request r;
  r.method = w.method;
  r.url = w.url;
  for (const auto& h : w.headers) r.headers.emplace_back(h.name, h.value);
  r.body = std::move(w.body);
  outbound::call_options o;
  o.total_timeout = std::chrono::milliseconds(10000);
  o.connect_timeout = std::chrono::milliseconds(3000);
  auto self = shared_from_this();
  http_.call(std::move(r), o, [self, key, ep](outbound::result res) {
    std::string problem;
    if (!res.ok()) {
      problem = res.message + " (endpoint " + ep.url + " from " + ep.source + ")";
    } else if (res.response.status != 200) {
      auto e = aws::read_error(res.response.status, from_outbound(res.response.headers), res.response.body);
      problem = "STS answered " + std::to_string(res.response.status) + " " + e.code + ": " + e.message;
    } else {
      auto id = aws::xml_text(res.response.body, "AccessKeyId");
      auto secret = aws::xml_text(res.response.body, "SecretAccessKey");
      auto token = aws::xml_text(res.response.body, "SessionToken");
      if (id && secret && token) {
        int64_t until = wall_ms() + 50 * 60 * 1000;
        if (auto exp = aws::xml_text(res.response.body, "Expiration"))
          if (auto ms = model::parse_iso8601(*exp)) until = *ms - early_ms;
        return self->finish(key, aws::credentials{*id, *secret, *token}, "", until);
      }
      problem = "STS's answer has no credentials";
    }
    self->finish(key, std::nullopt, problem, 0);
  });
}

void aws_credentials::process(const aws::credential_source& src, callback cb) {
  const std::string key = "process|" + src.command;
  if (!begin(key, cb)) return;
  auto self = shared_from_this();
  std::thread([self, key, command = src.command, source = src.source] {
    auto args = aws::split_command(command);
    std::string problem;
    if (args.empty()) {
      problem = "its command line is empty or has an unterminated quote";
    } else {
      auto r = run_process(args, std::chrono::seconds(30), 64 * 1024);
      if (!r.started) {
        problem = r.err.empty() ? "cannot start it" : r.err;
      } else if (r.timed_out) {
        problem = "it did not finish within 30 seconds";
      } else if (r.status != 0) {
        while (!r.err.empty() && (r.err.back() == '\n' || r.err.back() == '\r')) r.err.pop_back();
        problem = "it exited with status " + std::to_string(r.status) + (r.err.empty() ? "" : ": " + r.err);
      } else {
        int64_t exp = 0;
        if (auto c = aws::parse_process_credentials(r.out, exp, problem))
          return self->finish(key, *c, "", exp ? exp - early_ms : INT64_MAX);
      }
    }
    self->finish(key, std::nullopt, "Unable to load AWS credentials from " + source + ": " + problem, 0);
  }).detach();
}

void aws_credentials::metadata(const aws::credential_source& src, callback cb) {
  const std::string key = "metadata|" + src.url;
  if (!begin(key, cb)) return;
  auto self = shared_from_this();
  auto store = [self, key, source = src.source](const outbound::result& r) {
    if (!r.ok() || r.response.status != 200)
      return self->finish(key, std::nullopt,
                          "Unable to load AWS credentials from " + source + ": " +
                              (r.ok() ? "HTTP " + std::to_string(r.response.status) : r.message),
                          0);
    int64_t exp = 0;
    auto c = aws::parse_metadata_credentials(r.response.body, exp);
    if (!c) return self->finish(key, std::nullopt, "Unable to read the credentials " + source + " answered", 0);
    self->finish(key, c, "", exp ? exp - early_ms : wall_ms() + 10 * 60 * 1000);
  };
  outbound::call_options quick;
  quick.connect_timeout = std::chrono::milliseconds(1000);
  quick.total_timeout = std::chrono::milliseconds(3000);
  if (src.k == aws::credential_source::kind::container) {
    outbound::request r;
    r.url = src.url;
    if (!src.auth_token.empty()) r.headers.emplace_back("Authorization", src.auth_token);
    http_.call(std::move(r), quick, store);
    return;
  }
  // IMDSv2: a session token, the role's name, then its credentials.
  const std::string base = src.url;
  outbound::request tok;
  tok.method = "PUT";
  tok.url = base + "/latest/api/token";
  tok.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", "21600");
  http_.call(std::move(tok), quick, [self, key, base, quick, store](outbound::result t) {
    if (!t.ok() || t.response.status != 200)
      return self->finish(key, std::nullopt,
                          "Unable to load AWS credentials from any provider in the chain (the instance "
                          "metadata service at " + base + " did not answer: " +
                              (t.ok() ? "HTTP " + std::to_string(t.response.status) : t.message) + ")",
                          0);
    std::string token = t.response.body;
    outbound::request role;
    role.url = base + "/latest/meta-data/iam/security-credentials/";
    role.headers.emplace_back("X-aws-ec2-metadata-token", token);
    self->http_.call(std::move(role), quick, [self, key, base, token, quick, store](outbound::result n) {
      if (!n.ok() || n.response.status != 200 || n.response.body.empty())
        return self->finish(key, std::nullopt, "The instance metadata service at " + base + " has no role", 0);
      std::string name = n.response.body.substr(0, n.response.body.find('\n'));
      outbound::request c;
      c.url = base + "/latest/meta-data/iam/security-credentials/" + name;
      c.headers.emplace_back("X-aws-ec2-metadata-token", token);
      self->http_.call(std::move(c), quick, store);
    });
  });
}

}  // namespace sc::actors
