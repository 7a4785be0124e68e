// Reading the AWS environment (aws_env.hpp).
#include "actors/aws_env.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

extern char** environ;

namespace sc::actors {

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string expand_home(const std::string& p) {
  if (p.rfind("~/", 0) == 0)
    if (const char* h = std::getenv("HOME")) return std::string(h) + p.substr(1);
  return p;
}

}  // namespace

aws::environment read_aws_environment() {
  aws::environment e;
  for (char** v = environ; v && *v; ++v) {
    std::string_view kv(*v);
    if (kv.rfind("AWS_", 0) != 0) continue;
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    e.vars[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  std::string home = std::getenv("HOME") ? std::getenv("HOME") : "";
  auto file = [&](const char* var, const char* def) {
    if (auto v = e.var(var)) return expand_home(*v);
    return home.empty() ? std::string() : home + def;
  };
  std::string config = file("AWS_CONFIG_FILE", "/.aws/config");
  std::string creds = file("AWS_SHARED_CREDENTIALS_FILE", "/.aws/credentials");
  if (!config.empty()) e.config_file = aws::parse_ini(slurp(config));
  if (!creds.empty()) e.credentials_file = aws::parse_ini(slurp(creds));
  return e;
}

aws::statecraft_aws statecraft_aws_of(const config::aws_settings& s) {
  aws::statecraft_aws a;
  a.endpoint_url = s.endpoint_url;
  std::string err;
  aws::parse_service_endpoints(s.service_endpoints, a.service_endpoints, err);
  a.region = s.region;
  a.profile = s.profile;
  a.creds = aws::credentials{s.access_key_id, s.secret_access_key, s.session_token};
  return a;
}

}  // namespace sc::actors
