// SigV4 against AWS's published Signature Version 4 test suite (the vectors
// are data under tests/runtime/sigv4/: <name>.req the request,
// .creq the canonical request, .sts the string to sign, .authz the
// Authorization header), plus S3's single encoding and the header parser.
#include "runtime/aws/sigv4.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace sc::aws;
namespace fs = std::filesystem;

namespace {

const credentials suite_creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Parses a suite .req file: "METHOD URI HTTP/1.1", header lines (a line
/// starting with whitespace continues the previous header: one more value
/// of it), a blank line, the body.
request_parts parse_req(const std::string& text, std::string* body) {
  request_parts r;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  size_t sp = line.find(' ');
  size_t http = line.rfind(" HTTP/");
  r.method = line.substr(0, sp);
  std::string uri = line.substr(sp + 1, http - sp - 1);
  size_t q = uri.find('?');
  r.path = uri.substr(0, q);
  if (q != std::string::npos) r.query = uri.substr(q + 1);
  while (std::getline(in, line)) {
    if (line.empty()) break;
    if (line[0] == ' ' || line[0] == '\t') {
      r.headers.push_back({r.headers.back().name, line});
      continue;
    }
    size_t colon = line.find(':');
    r.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  *body = rest;
  r.payload_hash = payload_hash(rest);
  return r;
}

std::vector<fs::path> vectors() {
  std::vector<fs::path> out;
  fs::path dir = fs::path(STATECRAFT_SOURCE_DIR) / "tests/runtime/sigv4";
  for (auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().extension() == ".req") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("SigV4 test suite: canonical request, string to sign, signature and signing", "[aws][sigv4]") {
  auto files = vectors();
  REQUIRE(files.size() >= 25);
  for (const auto& req_file : files) {
    fs::path stem = req_file;
    stem.replace_extension();
    std::string name = stem.filename().string();
    INFO("vector " << name);
    std::string body;
    request_parts req = parse_req(slurp(req_file), &body);
    std::string creq = slurp(stem.string() + ".creq");
    std::string sts = slurp(stem.string() + ".sts");
    std::string authz = slurp(stem.string() + ".authz");

    std::string error;
    auto auth = parse_authorization(authz, &error);
    REQUIRE(auth);
    CHECK(auth->access_key_id == "AKIDEXAMPLE");
    CHECK(auth->scope.str() == "20150830/us-east-1/service/aws4_request");

    auto got_creq = canonical_request(req, auth->signed_headers, uri_rules{});
    REQUIRE(got_creq);
    CHECK(*got_creq == creq);
    std::string date = *find_header(req.headers, "x-amz-date");
    CHECK(string_to_sign(date, auth->scope, *got_creq) == sts);

    // Verifying: the request as received and the key's secret.
    CHECK(compute_signature(req, *auth, suite_creds.secret_access_key, date, uri_rules{}) ==
          auth->signature);
    CHECK(verify(req, *auth, suite_creds.secret_access_key, date, uri_rules{}));
    CHECK_FALSE(verify(req, *auth, "another secret", date, uri_rules{}));
    auto tampered = req;
    tampered.method = req.method == "GET" ? "PUT" : "GET";
    CHECK_FALSE(verify(tampered, *auth, suite_creds.secret_access_key, date, uri_rules{}));

    // Signing: the same Authorization header comes out (in the
    // "header-after" vector the token is added after signing: not signed).
    if (name == "post-sts-header-after") continue;
    request_parts out = req;
    credentials creds = suite_creds;
    if (auto tok = find_header(req.headers, "x-amz-security-token")) {
      creds.session_token = *tok;
      // sign() adds the token header itself.
      out.headers.erase(std::remove_if(out.headers.begin(), out.headers.end(),
                                       [](const http_header& h) {
                                         return h.name == "X-Amz-Security-Token";
                                       }),
                        out.headers.end());
    }
    auto res = sign(out, creds, sign_options{"us-east-1", "service", date, false});
    CHECK(res.canonical_request == creq);
    CHECK(res.authorization == authz);
    CHECK(find_header(out.headers, "authorization") == authz);
  }
}

TEST_CASE("S3's canonical URI is encoded once, other services' twice and normalised", "[aws][sigv4]") {
  CHECK(canonical_uri("/bucket/a%20b/c", uri_rules::s3()) == "/bucket/a%20b/c");
  CHECK(canonical_uri("/bucket/a b/c", uri_rules::s3()) == "/bucket/a%20b/c");
  CHECK(canonical_uri("/bucket//x/../y", uri_rules::s3()) == "/bucket//x/../y");
  CHECK(canonical_uri("/a%20b/c", uri_rules{}) == "/a%2520b/c");
  CHECK(canonical_uri("/a/./b//c/../", uri_rules{}) == "/a/b/");
  CHECK(canonical_uri("", uri_rules{}) == "/");
  CHECK(uri_rules::for_service("s3").double_encode == false);
  CHECK(uri_rules::for_service("sqs").double_encode == true);
}

TEST_CASE("query parameters are decoded, strictly re-encoded and sorted", "[aws][sigv4]") {
  CHECK(canonical_query("b=2&a=1&a=0") == "a=0&a=1&b=2");
  CHECK(canonical_query("Param1") == "Param1=");
  CHECK(canonical_query("k=a%20b&x=a+b&y=%2f") == "k=a%20b&x=a%2Bb&y=%2F");
  CHECK(canonical_query("list-type=2&prefix=dir%2Ffile") == "list-type=2&prefix=dir%2Ffile");
  CHECK(canonical_query("") == "");
}

TEST_CASE("S3 GET Object example of AWS's documentation signs to its published signature", "[aws][sigv4]") {
  request_parts req;
  req.method = "GET";
  req.path = "/test.txt";
  req.headers = {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}};
  req.payload_hash = std::string(empty_payload_hash);
  credentials creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  auto res = sign(req, creds, sign_options{"us-east-1", "s3", "20130524T000000Z", true});
  CHECK(res.authorization ==
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  CHECK(find_header(req.headers, "x-amz-content-sha256") == std::string(empty_payload_hash));
}

TEST_CASE("x-amz-date is formatted from epoch milliseconds in UTC", "[aws][sigv4]") {
  CHECK(amz_date(0) == "19700101T000000Z");
  CHECK(amz_date(1440938160000) == "20150830T123600Z");
  CHECK(amz_date(1709210096999) == "20240229T123456Z");
  CHECK(amz_date(4102444800000) == "21000101T000000Z");
}

TEST_CASE("the Authorization parser names what is wrong", "[aws][sigv4]") {
  std::string err;
  auto a = parse_authorization(
      "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/states/aws4_request,SignedHeaders=host;x-amz-date,"
      "Signature=" + std::string(64, 'a'),
      &err);
  REQUIRE(a);
  CHECK(a->access_key_id == "AKID");
  CHECK(a->scope.region == "eu-west-1");
  CHECK(a->scope.service == "states");
  CHECK(a->signed_headers == std::vector<std::string>{"host", "x-amz-date"});

  CHECK_FALSE(parse_authorization("Basic dXNlcjpwYXNz", &err));
  CHECK(err == "Unsupported Authorization Type");
  CHECK_FALSE(parse_authorization("AWS4-HMAC-SHA256 SignedHeaders=host", &err));
  CHECK(err.find("'Credential'") != std::string::npos);
  CHECK(err.find("'Signature'") != std::string::npos);
  CHECK_FALSE(parse_authorization("AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/states/aws5_request, "
                                  "SignedHeaders=host, Signature=" + std::string(64, 'a'),
                                  &err));
  CHECK(err.find("aws4_request") != std::string::npos);
  CHECK_FALSE(parse_authorization("AWS4-HMAC-SHA256 Credential=AKID/2024/eu-west-1/states/aws4_request, "
                                  "SignedHeaders=host, Signature=" + std::string(64, 'a'),
                                  &err));
  CHECK_FALSE(parse_authorization("AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/states/aws4_request, "
                                  "SignedHeaders=host, Signature=xyz",
                                  &err));
}

TEST_CASE("a missing signed header makes verification fail, not crash", "[aws][sigv4]") {
  request_parts req;
  req.method = "POST";
  req.headers = {{"Host", "localhost:8083"}, {"X-Amz-Date", "20240101T000000Z"}};
  req.payload_hash = payload_hash("{}");
  credentials creds{"AKID", "secret", "token"};
  sign(req, creds, sign_options{"us-east-1", "states", "20240101T000000Z", false});
  auto auth = parse_authorization(*find_header(req.headers, "authorization"));
  REQUIRE(auth);
  CHECK(auth->signed_headers ==
        std::vector<std::string>{"host", "x-amz-date", "x-amz-security-token"});
  CHECK(verify(req, *auth, "secret", "20240101T000000Z", uri_rules{}));
  request_parts stripped = req;
  stripped.headers.erase(stripped.headers.begin());  // Host
  CHECK_FALSE(compute_signature(stripped, *auth, "secret", "20240101T000000Z", uri_rules{}));
  CHECK_FALSE(verify(stripped, *auth, "secret", "20240101T000000Z", uri_rules{}));
}
