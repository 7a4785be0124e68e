// aws-sdk for query-protocol services from botocore's models (query_sdk.hpp):
// parameters to the form body, the XML answer to Step Functions' JSON.
#include "runtime/aws/calls.hpp"
#include "runtime/aws/query_sdk.hpp"

#include <catch2/catch.hpp>

using namespace sc::aws;

namespace {

std::vector<std::pair<std::string, std::string>> form(std::string_view svc, std::string_view op,
                                                      const char* params) {
  sc::json::document d;
  REQUIRE(sc::json::parse(params, d));
  std::vector<std::pair<std::string, std::string>> out;
  std::string err;
  REQUIRE(query_params(svc, op, d, out, err));
  return out;
}

}  // namespace

TEST_CASE("query services and operations come from the models", "[aws][query]") {
  CHECK(query_api_version("sns") == "2010-03-31");
  CHECK(query_api_version("sts") == "2011-06-15");
  CHECK(query_api_version("dynamodb").empty());  // JSON protocol
  CHECK(query_has_operation("sns", "ListTopics"));
  CHECK_FALSE(query_has_operation("sns", "ListBuckets"));

  auto p = plan_call("arn:aws:states:::aws-sdk:sts:getCallerIdentity");
  REQUIRE(p);
  CHECK(p->kind == call_kind::sdk_query);
  CHECK(p->operation == "GetCallerIdentity");
  std::string why;
  CHECK_FALSE(plan_call("arn:aws:states:::aws-sdk:sns:noSuchThing", &why));
  CHECK(why.find("no action") != std::string::npos);
  CHECK_FALSE(plan_call("arn:aws:states:::aws-sdk:s3:listEverything", &why));
  CHECK(why.find("has no action") != std::string::npos);
}

TEST_CASE("parameters become the query form: lists, maps, nested structures", "[aws][query]") {
  using kv = std::pair<std::string, std::string>;
  auto f = form("sns", "CreateTopic",
                R"({"Name":"t","Attributes":{"DisplayName":"d"},"Tags":[{"Key":"k","Value":"v"}]})");
  CHECK(f == std::vector<kv>{{"Name", "t"},
                             {"Attributes.entry.1.key", "DisplayName"},
                             {"Attributes.entry.1.value", "d"},
                             {"Tags.member.1.Key", "k"},
                             {"Tags.member.1.Value", "v"}});
  f = form("sts", "AssumeRole", R"({"RoleArn":"arn:r","RoleSessionName":"s","DurationSeconds":900})");
  CHECK(f == std::vector<kv>{{"RoleArn", "arn:r"}, {"RoleSessionName", "s"}, {"DurationSeconds", "900"}});
  f = form("sns", "Subscribe", R"({"TopicArn":"a","Protocol":"sqs","ReturnSubscriptionArn":true})");
  CHECK(f.back() == kv{"ReturnSubscriptionArn", "true"});
  sc::json::document d;
  sc::json::parse("[1]", d);
  std::vector<kv> out;
  std::string err;
  CHECK_FALSE(query_params("sns", "ListTopics", d, out, err));
}

TEST_CASE("the XML answer becomes JSON shaped by the output model", "[aws][query]") {
  CHECK(query_result_json("sts", "GetCallerIdentity", R"(<?xml version="1.0"?>
<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <UserId>AKIA</UserId><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:user/x&amp;y</Arn>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>)") ==
        R"({"Account":"123456789012","Arn":"arn:aws:iam::123456789012:user/x&y","UserId":"AKIA"})");
  CHECK(query_result_json("sns", "ListTopics", R"(<ListTopicsResponse><ListTopicsResult><Topics>
      <member><TopicArn>arn:a</TopicArn></member><member><TopicArn>arn:b</TopicArn></member>
    </Topics></ListTopicsResult></ListTopicsResponse>)") ==
        R"({"Topics":[{"TopicArn":"arn:a"},{"TopicArn":"arn:b"}]})");
  CHECK(query_result_json("sns", "ListTopics", R"(<ListTopicsResponse><ListTopicsResult><Topics/>
    </ListTopicsResult></ListTopicsResponse>)") == R"({"Topics":[]})");
  CHECK(query_result_json("sns", "GetTopicAttributes", R"(<GetTopicAttributesResponse><GetTopicAttributesResult>
      <Attributes><entry><key>Owner</key><value>1</value></entry><entry><key>Policy</key><value>{&quot;a&quot;:1}</value></entry></Attributes>
    </GetTopicAttributesResult></GetTopicAttributesResponse>)") ==
        R"({"Attributes":{"Owner":"1","Policy":"{\"a\":1}"}})");
  // Numbers and booleans typed by the model (STS: PackedPolicySize is an integer).
  CHECK(query_result_json("sts", "AssumeRole", R"(<AssumeRoleResponse><AssumeRoleResult>
      <PackedPolicySize>6</PackedPolicySize><SourceIdentity>s</SourceIdentity>
    </AssumeRoleResult></AssumeRoleResponse>)") == R"({"PackedPolicySize":6,"SourceIdentity":"s"})");
  CHECK(query_result_json("sns", "ListTopics", "not xml") == "{}");
  xml_element root;
  CHECK_FALSE(parse_xml("<a><b></a", root));
  CHECK(parse_xml("<a x='1>'><![CDATA[<z>]]>&#x41;&#66;</a>", root));
  CHECK(root.text == "<z>AB");
}

TEST_CASE("EC2's dialect: queryName or capitalized locationName, flattened lists, no result wrapper",
          "[aws][query]") {
  using kv = std::pair<std::string, std::string>;
  CHECK(query_api_version("ec2") == "2016-11-15");
  auto p = plan_call("arn:aws:states:::aws-sdk:ec2:describeVpcs");
  REQUIRE(p);
  CHECK(p->kind == call_kind::sdk_query);
  auto f = form("ec2", "DescribeVpcs",
                R"({"VpcIds":["vpc-1"],"Filters":[{"Name":"cidr","Values":["10.0.0.0/16"]}],"DryRun":false})");
  CHECK(f == std::vector<kv>{{"VpcId.1", "vpc-1"},
                             {"Filter.1.Name", "cidr"},
                             {"Filter.1.Value.1", "10.0.0.0/16"},
                             {"DryRun", "false"}});
  CHECK(query_result_json("ec2", "DescribeVpcs", R"(<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
      <requestId>r</requestId>
      <vpcSet><item><vpcId>vpc-1</vpcId><cidrBlock>10.0.0.0/16</cidrBlock><isDefault>true</isDefault></item></vpcSet>
    </DescribeVpcsResponse>)") == R"({"Vpcs":[{"CidrBlock":"10.0.0.0/16","IsDefault":true,"VpcId":"vpc-1"}]})");
}
