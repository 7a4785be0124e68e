// The `outbound:` section and the `connections:` list of the config file
// (config/outbound.hpp, config/outbound_load.cpp): values, ${VAR} secrets,
// every problem reported with its location and never with a secret.
//
//   ./build/tests/node_tests "[outbound-config]"
#include "config/load.hpp"

#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using namespace sc::config;

namespace {

std::string write_temp(const std::string& text) {
  std::string tmpl = (fs::temp_directory_path() / "sc-outbound-config-XXXXXX").string();
  int fd = mkstemp(tmpl.data());
  REQUIRE(fd >= 0);
  ::close(fd);
  std::ofstream(tmpl) << text;
  return tmpl;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

}  // namespace

TEST_CASE("outbound settings and connections load", "[outbound-config]") {
  ::setenv("SC_TEST_OAUTH_SECRET", "from-env-secret", 1);
  auto path = write_temp(R"(
outbound:
  allow: [api.example.com, "*.internal.test", 10.0.0.0/8, "fd00::/8", 127.0.0.1]
  max_concurrent_calls: 5
connections:
  - arn: arn:aws:events:us-east-1:123456789012:connection/k/1
    authorization_type: api_key
    api_key: {name: x-api-key, value: s3cret}
    invocation_parameters:
      header_parameters: {X-Tenant: acme}
      query_parameters: {v: "2"}
  - arn: arn:aws:events:us-east-1:123456789012:connection/b/2
    authorization_type: BASIC
    basic: {username: u, password: p}
  - arn: arn:aws:events:us-east-1:123456789012:connection/o/3
    authorization_type: OAUTH_CLIENT_CREDENTIALS
    oauth:
      token_endpoint: https://idp.example/token
      http_method: get
      client_id: id
      client_secret: "${SC_TEST_OAUTH_SECRET}"
      scopes: [a, b]
      body_parameters: {audience: x}
)");
  settings s;
  auto p = load_file(path, s);
  INFO(joined(p));
  REQUIRE(p.empty());
  CHECK(validate(s).empty());
  CHECK(s.outbound.allow.size() == 5);
  CHECK(s.outbound.max_concurrent_calls == 5);
  REQUIRE(s.connections.size() == 3);
  CHECK(s.connections[0].authorization_type == "API_KEY");
  CHECK(s.connections[0].api_key_value == "s3cret");
  CHECK(s.connections[0].invocation_parameters.headers == param_list{{"X-Tenant", "acme"}});
  CHECK(s.connections[0].invocation_parameters.query == param_list{{"v", "2"}});
  CHECK(s.connections[1].password == "p");
  CHECK(s.connections[2].client_secret == "from-env-secret");
  CHECK(s.connections[2].http_method == "GET");
  CHECK(s.connections[2].scopes == std::vector<std::string>{"a", "b"});
  CHECK(s.connections[2].oauth_parameters.body == param_list{{"audience", "x"}});
  fs::remove(path);
}

TEST_CASE("outbound config problems are all reported, without secrets", "[outbound-config]") {
  ::unsetenv("SC_TEST_MISSING_VAR");
  auto path = write_temp(R"(
outbound:
  allow: [ok.example, "not a host", 10.0.0.0/40]
  max_concurrent_calls: 0
  colour: blue
connections:
  - arn: not-an-arn
    authorization_type: API_KEY
    api_key: {name: k, value: topsecret-value}
  - arn: arn:aws:events:us-east-1:1:connection/x/1
    authorization_type: DIGEST
  - arn: arn:aws:events:us-east-1:1:connection/y/1
    authorization_type: BASIC
    basic: {username: u, password: "${SC_TEST_MISSING_VAR}"}
  - arn: arn:aws:events:us-east-1:1:connection/z/1
    authorization_type: OAUTH_CLIENT_CREDENTIALS
    oauth: {token_endpoint: ftp://x, client_id: c, client_secret: hush-hush}
)");
  settings s;
  auto p = load_file(path, s);
  const std::string all = joined(p);
  INFO(all);
  CHECK(all.find("outbound.allow: 'not a host'") != std::string::npos);
  CHECK(all.find("'10.0.0.0/40'") != std::string::npos);
  CHECK(all.find("outbound.max_concurrent_calls") != std::string::npos);
  CHECK(all.find("outbound.colour: unknown key") != std::string::npos);
  CHECK(all.find("connections[0]: arn must be") != std::string::npos);
  CHECK(all.find("connections[1]: authorization_type must be") != std::string::npos);
  CHECK(all.find("SC_TEST_MISSING_VAR is not set") != std::string::npos);
  CHECK(all.find("connections[3]: oauth.token_endpoint") != std::string::npos);
  CHECK(all.find(":3:") != std::string::npos);  // locations
  CHECK(all.find("topsecret-value") == std::string::npos);
  CHECK(all.find("hush-hush") == std::string::npos);
  CHECK(s.connections.empty());
  CHECK(s.outbound.allow.empty());
  fs::remove(path);
}
