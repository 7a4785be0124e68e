// `statecraft secrets list|rotate|retire --redis URL`: the cluster's task
// token secrets (cluster/secrets.hpp). Values are never printed: secrets
// are named by their key ids.
#include "cluster/secrets.hpp"
#include "tools/statecraft/cli.hpp"

#include <cstdlib>
#include <ctime>
#include <iostream>

namespace statecraft {

namespace {

const subcommand& self(std::string_view name) {
  for (const auto& c : subcommands())
    if (c.name == name) return c;
  std::abort();
}

std::string utc(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void print_ring(const std::vector<sc::cluster::cluster_secret>& ring) {
  std::cout << "KEY ID    CREATED               USE\n";
  for (size_t i = 0; i < ring.size(); ++i)
    std::cout << ring[i].key_id << "  " << utc(ring[i].created_ms) << "  "
              << (i == 0 ? "signs and verifies" : "verifies") << "\n";
}

/// Common parsing: --redis URL plus `extra` options; nullopt = return `code`.
std::optional<parsed_args> parse(const subcommand& cmd, const std::vector<std::string>& args,
                                 std::vector<option_spec> extra, int& code) {
  extra.push_back({"--redis", true});
  auto a = parse_args(args, extra);
  if (a.help) {
    print_help(cmd);
    code = exit_ok;
    return std::nullopt;
  }
  if (a.error.empty() && !a.positional.empty())
    a.error = "unexpected argument '" + a.positional.front() + "'";
  if (a.error.empty() && !a.has("--redis")) a.error = "--redis URL is required";
  if (!a.error.empty()) {
    code = usage_error(cmd, a.error);
    return std::nullopt;
  }
  return a;
}

int fail(const subcommand& cmd, const std::string& error) {
  std::cerr << "statecraft " << cmd.name << ": " << error << "\n";
  return exit_failed;
}

}  // namespace

int cmd_secrets_list(const std::vector<std::string>& args) {
  const auto& cmd = self("secrets list");
  int code = 0;
  auto a = parse(cmd, args, {}, code);
  if (!a) return code;
  std::string error;
  auto ring = sc::cluster::read_secrets(*a->get("--redis"), &error);
  if (!ring) return fail(cmd, error);
  if (ring->empty()) {
    std::cout << "no secrets yet: the first node to start on this Redis creates one\n";
    return exit_ok;
  }
  print_ring(*ring);
  return exit_ok;
}

int cmd_secrets_rotate(const std::vector<std::string>& args) {
  const auto& cmd = self("secrets rotate");
  int code = 0;
  auto a = parse(cmd, args, {{"--secret-file", true}}, code);
  if (!a) return code;
  std::string value;
  if (auto file = a->get("--secret-file")) {
    std::string error;
    if (!read_source(*file, value, error)) return usage_error(cmd, error);
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    if (value.size() < 16)
      return usage_error(cmd, "the secret in " + display_name(*file) +
                                  " must be at least 16 characters (got " +
                                  std::to_string(value.size()) + ")");
  }
  std::string error;
  auto ring = sc::cluster::rotate_secrets(*a->get("--redis"), value, &error);
  if (!ring) return fail(cmd, error);
  std::cout << "new secret " << ring->front().key_id
            << ": the nodes sign with it from their next heartbeat; tokens of the older "
               "secrets stay valid until they are retired\n";
  print_ring(*ring);
  return exit_ok;
}

int cmd_secrets_retire(const std::vector<std::string>& args) {
  const auto& cmd = self("secrets retire");
  int code = 0;
  auto a = parse(cmd, args, {{"--key-id", true}}, code);
  if (!a) return code;
  std::string error;
  const std::string url = *a->get("--redis");
  auto retired = sc::cluster::retire_secrets(url, a->get("--key-id").value_or(""), &error);
  if (!retired) return fail(cmd, error);
  if (retired->empty())
    std::cout << "nothing to retire: the cluster has only its newest secret\n";
  for (const auto& s : *retired)
    std::cout << "retired " << s.key_id << ": tokens signed with it are now InvalidToken\n";
  if (auto ring = sc::cluster::read_secrets(url, &error); ring && !ring->empty()) print_ring(*ring);
  return exit_ok;
}

}  // namespace statecraft
