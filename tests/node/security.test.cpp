// Tests of the request gate's pure parts (api/auth.hpp, api/throttle.hpp)
// and of the config file's auth: and throttling: sections; the traffic
// generator's signer (tools/traffic/signer.hpp) against the gate.
#include "api/auth.hpp"
#include "api/throttle.hpp"
#include "config/load.hpp"
#include "tools/traffic/signer.hpp"

#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

using namespace sc;
using namespace std::chrono_literals;

namespace {

std::string write_temp(const std::string& text) {
  char path[] = "/tmp/sc-security-test-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  std::ofstream(path) << text;
  return path;
}

bool mentions(const std::vector<std::string>& v, const std::string& needle) {
  for (const auto& x : v)
    if (x.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("AWS's documented API rates", "[security]") {
  auto big = api::aws_default_rate("StartExecution", "us-east-1");
  CHECK(big.bucket == 1300);
  CHECK(big.refill_per_second == 300);
  auto other = api::aws_default_rate("StartExecution", "eu-central-1");
  CHECK(other.bucket == 800);
  CHECK(other.refill_per_second == 150);
  CHECK(api::aws_default_rate("DescribeExecution", "eu-west-1").refill_per_second == 15);
  CHECK(api::aws_default_rate("StartSyncExecution", "us-east-1").bucket == 0);
  CHECK(api::aws_default_rate("StartExecution.Express", "eu-central-1").bucket == 6000);
}

TEST_CASE("token buckets: burst, refill, one per account, Region and operation", "[security]") {
  config::throttling_settings s;
  s.enabled = true;
  s.rates.push_back({"StartExecution", 3, 2});
  api::throttle t(s);
  const auto t0 = std::chrono::steady_clock::time_point{} + 100s;
  for (int i = 0; i < 3; ++i) CHECK(t.admit("123456789012", "us-east-1", "StartExecution", t0, 1));
  CHECK_FALSE(t.admit("123456789012", "us-east-1", "StartExecution", t0, 1));
  // Other buckets are untouched.
  CHECK(t.admit("123456789012", "eu-central-1", "StartExecution", t0, 1));
  CHECK(t.admit("111122223333", "us-east-1", "StartExecution", t0, 1));
  CHECK(t.admit("123456789012", "us-east-1", "DescribeExecution", t0, 1));
  // 2 per second: half a second gives one token, and the bucket never holds more than 3.
  CHECK(t.admit("123456789012", "us-east-1", "StartExecution", t0 + 500ms, 1));
  CHECK_FALSE(t.admit("123456789012", "us-east-1", "StartExecution", t0 + 500ms, 1));
  const auto later = t0 + 1h;
  for (int i = 0; i < 3; ++i) CHECK(t.admit("123456789012", "us-east-1", "StartExecution", later, 1));
  CHECK_FALSE(t.admit("123456789012", "us-east-1", "StartExecution", later, 1));
  // Unthrottled operations and a disabled throttle always pass.
  for (int i = 0; i < 10000; ++i) REQUIRE(t.admit("1", "us-east-1", "StartSyncExecution", t0, 1));
  api::throttle off(config::throttling_settings{});
  for (int i = 0; i < 10000; ++i) REQUIRE(off.admit("1", "us-east-1", "StartExecution", t0, 1));
}

TEST_CASE("token buckets: a cluster of N nodes shares the rate", "[security]") {
  config::throttling_settings s;
  s.enabled = true;
  s.rates.push_back({"StartExecution", 10, 4});
  api::throttle t(s);
  const auto t0 = std::chrono::steady_clock::time_point{} + 100s;
  // Two live nodes: this node's bucket holds 5 and refills 2 per second.
  for (int i = 0; i < 5; ++i) CHECK(t.admit("1", "us-east-1", "StartExecution", t0, 2));
  CHECK_FALSE(t.admit("1", "us-east-1", "StartExecution", t0, 2));
  CHECK(t.admit("1", "us-east-1", "StartExecution", t0 + 500ms, 2));
  CHECK_FALSE(t.admit("1", "us-east-1", "StartExecution", t0 + 500ms, 2));
  // Many nodes: never less than one token per bucket.
  CHECK(t.admit("2", "us-east-1", "StartExecution", t0, 100));
  CHECK_FALSE(t.admit("2", "us-east-1", "StartExecution", t0, 100));
  // Back to one node: the full size again once refilled.
  const auto later = t0 + 1h;
  for (int i = 0; i < 10; ++i) CHECK(t.admit("1", "us-east-1", "StartExecution", later, 1));
  CHECK_FALSE(t.admit("1", "us-east-1", "StartExecution", later, 1));
}

TEST_CASE("the Region of a credential scope", "[security]") {
  CHECK(api::credential_region("AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-central-1/states/"
                               "aws4_request, SignedHeaders=host;x-amz-date, Signature=ab") ==
        "eu-central-1");
  CHECK(api::credential_region("") == "");
  CHECK(api::credential_region("Bearer xyz") == "");
  CHECK(api::credential_region("AWS4-HMAC-SHA256 Credential=AKID/20260101") == "");
  CHECK(api::credential_region("AWS4-HMAC-SHA256 Credential=AKID/20260101/EU CENTRAL/states/x") ==
        "");
}

TEST_CASE("Authorization header parts", "[security]") {
  auto a = api::parse_authorization(
      "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/states/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=abc");
  REQUIRE(a);
  CHECK(a->access_key == "AKID");
  CHECK(a->date == "20260101");
  CHECK(a->region == "us-east-1");
  CHECK(a->service == "states");
  CHECK(a->signed_headers == "host;x-amz-date");
  CHECK(a->signature == "abc");
  CHECK(a->bad_pair.empty());
  auto b = api::parse_authorization("AWS4-HMAC-SHA256 AKID/20260101/us-east-1/states/aws4_request");
  REQUIRE(b);
  CHECK(b->bad_pair == "AKID/20260101/us-east-1/states/aws4_request");
  CHECK_FALSE(api::parse_authorization("Basic dXNlcjpwYXNz"));
}

TEST_CASE("permissions", "[security]") {
  using api::permission;
  for (const char* op : {"StartExecution", "CreateStateMachine", "GetActivityTask", "TagResource"})
    CHECK(api::permitted(permission::full, op));
  for (const char* op : {"DescribeExecution", "ListStateMachines", "GetExecutionHistory",
                         "DescribeStateMachineForExecution", "ListTagsForResource"})
    CHECK(api::permitted(permission::read_only, op));
  for (const char* op : {"StartExecution", "GetActivityTask", "SendTaskSuccess",
                         "DeleteStateMachine", "TestState", "ValidateStateMachineDefinition"})
    CHECK_FALSE(api::permitted(permission::read_only, op));
  for (const char* op : {"GetActivityTask", "SendTaskSuccess", "SendTaskFailure",
                         "SendTaskHeartbeat"})
    CHECK(api::permitted(permission::worker, op));
  for (const char* op : {"DescribeExecution", "ListActivities", "StartExecution"})
    CHECK_FALSE(api::permitted(permission::worker, op));
}

TEST_CASE("config: auth and throttling sections", "[security][config]") {
  config::settings s;
  auto path = write_temp(
      "auth:\n  mode: sigv4\n  keys:\n"
      "    - {access_key_id: A1, secret_access_key: s1, permissions: read-only}\n"
      "    - {access_key_id: A2, secret_access_key: s2, account: \"111122223333\"}\n"
      "throttling:\n  enabled: true\n  rates:\n"
      "    StartExecution: {bucket: 10, refill_per_second: 2.5}\n");
  auto problems = config::load_file(path, s);
  ::unlink(path.c_str());
  REQUIRE(problems.empty());
  CHECK(config::validate(s).empty());
  CHECK(s.auth.mode == "sigv4");
  REQUIRE(s.auth.keys.size() == 2);
  CHECK(s.auth.keys[0].permissions == "read-only");
  CHECK(s.auth.keys[1].permissions == "full");
  CHECK(s.auth.keys[1].account == "111122223333");
  CHECK(s.throttling.enabled);
  REQUIRE(s.throttling.rates.size() == 1);
  CHECK(s.throttling.rates[0].refill_per_second == 2.5);

  config::settings bad;
  path = write_temp(
      "auth:\n  mode: sigv5\n  keys:\n    - {access_key_id: A1, permissions: admin, account: 12}\n"
      "throttling:\n  enabled: maybe\n  rates:\n    StartSync: {bucket: 1, refill_per_second: 1}\n"
      "    StartExecution: {bucket: 0}\n");
  problems = config::load_file(path, bad);
  ::unlink(path.c_str());
  CHECK(mentions(problems, "auth.mode: must be one of none, sigv4"));
  CHECK(mentions(problems, "auth.keys[1].permissions: must be one of full, read-only, worker"));
  CHECK(mentions(problems, "auth.keys[1].account: must be exactly 12 digits"));
  CHECK(mentions(problems, "auth.keys[1].secret_access_key: required"));
  CHECK(mentions(problems, "throttling.enabled: must be true or false"));
  CHECK(mentions(problems, "throttling.rates.StartSync: not an operation with a rate quota"));
  CHECK(mentions(problems, "throttling.rates.StartExecution.bucket: must be a number > 0"));

  config::settings nokeys;
  nokeys.auth.mode = "sigv4";
  CHECK(mentions(config::validate(nokeys), "auth.keys: at least one key is required"));
  config::settings half;
  half.api.tls_cert_file = "cert.pem";
  CHECK(mentions(config::validate(half), "HTTPS needs both"));
}

namespace {

/// A request as the node's server hands it to the gate, with the headers a
/// `statecraft traffic` call carries.
api::request traffic_request(const traffic::signed_headers& h, const std::string& body,
                             const std::string& path = "/", const std::string& method = "POST") {
  api::request r;
  r.method = method;
  r.path = path;
  r.body = body;
  r.host = "node.example:8443";
  r.target = "AWSStepFunctions.ListStateMachines";
  r.content_type = "application/x-amz-json-1.0";
  r.authorization = h.authorization;
  r.headers = {{"host", r.host}, {"content-type", r.content_type}, {"x-amz-target", r.target},
               {"x-amz-date", h.amz_date}, {"authorization", h.authorization}};
  if (!h.security_token.empty()) r.headers.push_back({"x-amz-security-token", h.security_token});
  return r;
}

}  // namespace

TEST_CASE("statecraft traffic's signatures verify at the node; one signing key a day",
          "[security]") {
  config::settings s;
  s.auth.mode = "sigv4";
  s.auth.keys.push_back({"AKIDTRAFFIC", "traffic-secret", "full", ""});
  api::gate g(s);
  traffic::signer sign({"AKIDTRAFFIC", "traffic-secret", ""}, "eu-central-1");
  const int64_t t0 = 1893456000000;  // 2030-01-01T00:00:00Z
  const std::string body = "{\"maxResults\":3}";
  for (int64_t dt : {0, 1500, 3600000}) {
    auto h = sign.sign("POST", "/", "node.example:8443", "application/x-amz-json-1.0",
                       "AWSStepFunctions.ListStateMachines", body, t0 + dt);
    api::caller who;
    auto refused = g.admit(traffic_request(h, body), "ListStateMachines", who, t0 + dt);
    INFO((refused ? refused->body : std::string()));
    CHECK_FALSE(refused);
    CHECK(who.region == "eu-central-1");
    CHECK(who.access_key == "AKIDTRAFFIC");
  }
  CHECK(sign.keys_derived() == 1);
  // The next day: a new key, still valid.
  auto h = sign.sign("POST", "/", "node.example:8443", "application/x-amz-json-1.0",
                     "AWSStepFunctions.ListStateMachines", body, t0 + 86400000);
  api::caller who;
  CHECK_FALSE(g.admit(traffic_request(h, body), "ListStateMachines", who, t0 + 86400000));
  CHECK(sign.keys_derived() == 2);
  // A changed body, or another secret, does not verify.
  auto bad = g.admit(traffic_request(h, "{}"), "ListStateMachines", who, t0 + 86400000);
  REQUIRE(bad);
  CHECK(bad->body.find("InvalidSignatureException") != std::string::npos);
  traffic::signer wrong({"AKIDTRAFFIC", "not-it", ""}, "eu-central-1");
  auto w = wrong.sign("POST", "/", "node.example:8443", "application/x-amz-json-1.0",
                      "AWSStepFunctions.ListStateMachines", body, t0);
  CHECK(g.admit(traffic_request(w, body), "ListStateMachines", who, t0));
  // A session token is signed along, and refused: the node issues none.
  traffic::signer temp({"AKIDTRAFFIC", "traffic-secret", "FwoGZXIvYXdzEXAMPLE"}, "eu-central-1");
  auto t = temp.sign("POST", "/", "node.example:8443", "application/x-amz-json-1.0",
                     "AWSStepFunctions.ListStateMachines", body, t0);
  CHECK(t.security_token == "FwoGZXIvYXdzEXAMPLE");
  auto tr = g.admit(traffic_request(t, body), "ListStateMachines", who, t0);
  REQUIRE(tr);
  CHECK(tr->body.find("UnrecognizedClientException") != std::string::npos);
}

TEST_CASE("admin routes: signature and permissions with auth on", "[security]") {
  CHECK(api::gate::admin_path("/_statecraft/clock"));
  CHECK(api::gate::admin_path("/_statecraft"));
  CHECK(api::gate::admin_path("/_statecraft?x=1"));
  CHECK_FALSE(api::gate::admin_path("/_statecraftx"));
  CHECK_FALSE(api::gate::admin_path("/metrics"));
  CHECK_FALSE(api::gate::admin_path("/"));
  config::settings s;
  const int64_t t0 = 1893456000000;
  api::request unsigned_get;
  unsigned_get.method = "GET";
  unsigned_get.path = "/_statecraft/clock";
  CHECK_FALSE(api::gate(s).admit_admin(unsigned_get, t0));  // auth off: open
  s.auth.mode = "sigv4";
  s.auth.keys.push_back({"AKIDFULL", "full-secret", "full", ""});
  s.auth.keys.push_back({"AKIDREAD", "read-secret", "read-only", ""});
  api::gate g(s);
  auto refused = g.admit_admin(unsigned_get, t0);
  REQUIRE(refused);
  CHECK(refused->body.find("MissingAuthenticationTokenException") != std::string::npos);
  auto admin = [&](const char* key, const char* secret, const std::string& method) {
    traffic::signer sign({key, secret, ""}, "us-east-1");
    const std::string body = method == "POST" ? "{\"advance\":\"1h\"}" : "";
    auto h = sign.sign(method, "/_statecraft/clock", "node.example:8443", "application/json", "",
                       body, t0);
    api::request r;
    r.method = method;
    r.path = "/_statecraft/clock";
    r.body = body;
    r.authorization = h.authorization;
    r.headers = {{"host", "node.example:8443"}, {"content-type", "application/json"},
                 {"x-amz-date", h.amz_date}, {"authorization", h.authorization}};
    return g.admit_admin(r, t0);
  };
  CHECK_FALSE(admin("AKIDFULL", "full-secret", "GET"));
  CHECK_FALSE(admin("AKIDFULL", "full-secret", "POST"));
  CHECK_FALSE(admin("AKIDREAD", "read-secret", "GET"));
  auto denied = admin("AKIDREAD", "read-secret", "POST");
  REQUIRE(denied);
  CHECK(denied->body.find("statecraft:WriteAdmin") != std::string::npos);
  auto wrong = admin("AKIDFULL", "nope", "GET");
  REQUIRE(wrong);
  CHECK(wrong->body.find("InvalidSignatureException") != std::string::npos);
}
