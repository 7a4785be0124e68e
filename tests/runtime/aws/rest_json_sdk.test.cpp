// aws-sdk for rest-json services from botocore's models (rest_json_sdk.hpp):
// URI labels, query strings, headers, payloads, and the answer's JSON.
#include "runtime/aws/calls.hpp"
#include "runtime/aws/rest_json_sdk.hpp"

#include <catch2/catch.hpp>

using namespace sc::aws;

namespace {

wire_request request(std::string_view svc, std::string_view op, const char* params, bool camel = false) {
  sc::json::document d;
  REQUIRE(sc::json::parse(params, d));
  wire_request r;
  std::string err;
  REQUIRE(rest_json_request(svc, op, d, "http://h:1", camel, r, err));
  return r;
}

const std::string* header(const wire_request& r, const std::string& name) {
  for (const auto& h : r.headers)
    if (h.name == name) return &h.value;
  return nullptr;
}

}  // namespace

TEST_CASE("rest-json requests: labels, query strings, headers, bodies", "[aws][rest_json]") {
  auto p = plan_call("arn:aws:states:::aws-sdk:lambda:listFunctions");
  REQUIRE(p);
  CHECK(p->kind == call_kind::sdk_rest_json);
  CHECK(rest_json_has_operation("lambda", "GetFunction"));
  CHECK_FALSE(rest_json_has_operation("lambda", "NoSuch"));

  auto r = request("lambda", "ListFunctions", R"({"MaxItems":5,"Marker":"a b"})");
  CHECK(r.method == "GET");
  CHECK((r.url == "http://h:1/2015-03-31/functions?Marker=a%20b&MaxItems=5" ||
         r.url == "http://h:1/2015-03-31/functions?MaxItems=5&Marker=a%20b"));
  CHECK(r.body.empty());

  r = request("lambda", "GetFunction", R"({"FunctionName":"my:fn","Qualifier":"3"})");
  CHECK(r.url == "http://h:1/2015-03-31/functions/my%3Afn?Qualifier=3");

  r = request("lambda", "Invoke", R"({"FunctionName":"f","InvocationType":"Event","Payload":{"a":1}})");
  CHECK(r.method == "POST");
  CHECK(r.url == "http://h:1/2015-03-31/functions/f/invocations");
  REQUIRE(header(r, "X-Amz-Invocation-Type"));
  CHECK(*header(r, "X-Amz-Invocation-Type") == "Event");
  CHECK(r.body == R"({"a":1})");

  r = request("lambda", "TagResource", R"({"Resource":"arn:x","Tags":{"k":"v"}})");
  CHECK(r.url == "http://h:1/2017-03-31/tags/arn%3Ax");
  CHECK(r.body == R"({"Tags":{"k":"v"}})");

  // camelCase services: PascalCase parameters find their camelCase members.
  r = request("apigateway", "GetRestApi", R"({"RestApiId":"abc"})", true);
  CHECK(r.url == "http://h:1/restapis/abc");

  sc::json::document d;
  sc::json::parse("{}", d);
  wire_request w;
  std::string err;
  CHECK_FALSE(rest_json_request("lambda", "GetFunction", d, "http://h:1", false, w, err));
  CHECK(err == "The field 'FunctionName' is required by GetFunction.");
}

TEST_CASE("rest-json answers: body, payload, headers, status code", "[aws][rest_json]") {
  CHECK(rest_json_result("lambda", "ListFunctions", 200, {}, R"({"Functions":[{"FunctionName":"f"}]})", false) ==
        R"({"Functions":[{"FunctionName":"f"}]})");
  auto out = rest_json_result("lambda", "Invoke", 200,
                              {{"X-Amz-Executed-Version", "$LATEST"}, {"Content-Type", "application/json"}},
                              R"({"r":2})", false);
  sc::json::document d;
  REQUIRE(sc::json::parse(out, d));
  CHECK(std::string(d["Payload"].GetString()) == R"({"r":2})");  // text, not parsed (AWS's aws-sdk form)
  CHECK(d["StatusCode"].GetInt() == 200);
  CHECK(std::string(d["ExecutedVersion"].GetString()) == "$LATEST");
  CHECK(rest_json_result("apigateway", "GetRestApis", 200, {}, R"({"items":[{"id":"x"}]})", true) ==
        R"({"Items":[{"Id":"x"}]})");
  CHECK(rest_json_result("lambda", "DeleteFunction", 204, {}, "", false) == R"({"StatusCode":204})");
}

TEST_CASE("rest-xml (S3): labels, XML bodies both ways, raw payloads", "[aws][rest_json][rest_xml]") {
  auto p = plan_call("arn:aws:states:::aws-sdk:s3:listObjectsV2");
  REQUIRE(p);
  CHECK(p->kind == call_kind::sdk_rest_json);

  auto r = request("s3", "GetObject", R"({"Bucket":"b","Key":"dir/a b.txt"})");
  CHECK(r.method == "GET");
  CHECK(r.url == "http://h:1/b/dir/a%20b.txt");
  r = request("s3", "ListObjectsV2", R"({"Bucket":"b","Prefix":"p/","MaxKeys":2})");
  CHECK((r.url == "http://h:1/b?list-type=2&max-keys=2&prefix=p%2F" ||
         r.url == "http://h:1/b?list-type=2&prefix=p%2F&max-keys=2"));
  r = request("s3", "PutObject", R"({"Bucket":"b","Key":"k","Body":"hello","ContentType":"text/plain"})");
  CHECK(r.method == "PUT");
  CHECK(r.body == "hello");
  REQUIRE(header(r, "Content-Type"));
  r = request("s3", "PutBucketTagging", R"({"Bucket":"b","Tagging":{"TagSet":[{"Key":"k","Value":"v&w"}]}})");
  CHECK(r.url == "http://h:1/b?tagging");
  CHECK(r.body ==
        R"(<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>k</Key><Value>v&amp;w</Value></Tag></TagSet></Tagging>)");

  auto out = rest_json_result("s3", "ListObjectsV2", 200, {}, R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix><KeyCount>2</KeyCount>
<IsTruncated>false</IsTruncated><Contents><Key>a</Key><Size>3</Size></Contents><Contents><Key>b</Key><Size>4</Size></Contents>
</ListBucketResult>)", false);
  sc::json::document d;
  REQUIRE(sc::json::parse(out, d));
  REQUIRE(d["Contents"].IsArray());
  CHECK(d["Contents"].Size() == 2);
  CHECK(std::string(d["Contents"][1]["Key"].GetString()) == "b");
  CHECK(d["Contents"][1]["Size"].GetInt64() == 4);
  CHECK(d["KeyCount"].GetInt() == 2);
  CHECK(d["IsTruncated"].IsFalse());

  out = rest_json_result("s3", "GetObject", 200, {{"Content-Length", "5"}, {"ETag", "\"e\""}, {"x-amz-meta-owner", "me"}},
                         "hello", false);
  REQUIRE(sc::json::parse(out, d));
  CHECK(std::string(d["Body"].GetString()) == "hello");
  CHECK(d["ContentLength"].GetInt64() == 5);
  CHECK(std::string(d["ETag"].GetString()) == "\"e\"");
  CHECK(std::string(d["Metadata"]["owner"].GetString()) == "me");
}

TEST_CASE("aws-sdk:s3 URLs in virtual-hosted style", "[aws][rest_xml]") {
  const std::string ep = "https://s3.eu-west-1.amazonaws.com";
  CHECK(s3_virtual_hosted(ep + "/my-bucket/dir/a%20b", ep, "my-bucket") ==
        "https://my-bucket.s3.eu-west-1.amazonaws.com/dir/a%20b");
  CHECK(s3_virtual_hosted(ep + "/my-bucket?list-type=2", ep, "my-bucket") ==
        "https://my-bucket.s3.eu-west-1.amazonaws.com/?list-type=2");
  CHECK(s3_virtual_hosted(ep + "/my-bucket", ep, "my-bucket") == "https://my-bucket.s3.eu-west-1.amazonaws.com/");
  CHECK(s3_virtual_hosted(ep + "/my-bucket-2/k", ep, "my-bucket") == ep + "/my-bucket-2/k");
  CHECK(s3_virtual_hosted(ep + "/", ep, "b") == ep + "/");  // ListBuckets
}
