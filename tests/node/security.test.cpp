// Tests of the request gate's pure parts (api/auth.hpp, api/throttle.hpp)
// and of the config file's auth: and throttling: sections.
#include "api/auth.hpp"
#include "api/throttle.hpp"
#include "config/load.hpp"

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
