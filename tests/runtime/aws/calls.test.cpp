// The AWS integrations' requests and results (runtime/aws/calls.hpp).
#include "runtime/aws/calls.hpp"

#include <catch2/catch.hpp>

using namespace sc::aws;

TEST_CASE("Resources: optimized integrations, aws-sdk JSON services, the legacy Lambda ARN", "[aws][calls]") {
  auto p = plan_call("arn:aws:states:::lambda:invoke.waitForTaskToken");
  REQUIRE(p);
  CHECK(p->kind == call_kind::lambda_invoke);
  CHECK(p->wait_for_token);
  CHECK(plan_call("arn:aws:states:::dynamodb:getItem")->operation == "GetItem");
  CHECK(plan_call("arn:aws:states:::aws-sdk:dynamodb:transactWriteItems")->operation == "TransactWriteItems");
  CHECK(plan_call("arn:aws:lambda:us-east-1:123456789012:function:f:prod")->kind == call_kind::lambda_legacy);
  std::string why;
  CHECK(plan_call("arn:aws:states:::aws-sdk:s3:getObject")->kind == call_kind::sdk_rest_json);  // rest-xml
  CHECK_FALSE(plan_call("arn:aws:states:::aws-sdk:s3:noSuchAction", &why));
  CHECK(why.find("has no action") != std::string::npos);
  CHECK_FALSE(plan_call("arn:aws:states:::sqs:sendMessage.sync", &why));
  CHECK_FALSE(plan_call("arn:aws:states:::aws-sdk:sfn:startExecution"));
}

TEST_CASE("Lambda invoke: Payload as JSON, FunctionName in the path, results and function errors", "[aws][calls]") {
  auto p = *plan_call("arn:aws:states:::lambda:invoke");
  std::string err, cause;
  auto r = build_request(p, "http://127.0.0.1:9001",
                         R"({"FunctionName":"arn:aws:lambda:us-east-1:1:function:f","Payload":{"a":1},"Qualifier":"live"})",
                         err, cause);
  REQUIRE(r);
  CHECK(r->url == "http://127.0.0.1:9001/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af/invocations?Qualifier=live");
  CHECK(r->body == R"({"a":1})");
  CHECK_FALSE(build_request(p, "http://x", R"({"Payload":{}})", err, cause));
  CHECK(err == "States.Runtime");

  auto ok = read_response(p, 200, {{"X-Amz-Executed-Version", "$LATEST"}, {"x-amzn-RequestId", "r1"}}, R"({"b":2})");
  REQUIRE(ok.ok);
  CHECK(ok.output.find(R"("ExecutedVersion":"$LATEST","Payload":{"b":2})") != std::string::npos);
  CHECK(ok.output.find(R"("StatusCode":200})") != std::string::npos);
  CHECK(ok.output.find(R"("SdkResponseMetadata":{"RequestId":"r1"})") != std::string::npos);

  auto fe = read_response(p, 200, {{"X-Amz-Function-Error", "Unhandled"}},
                          R"({"errorType":"ValueError","errorMessage":"bad"})");
  CHECK_FALSE(fe.ok);
  CHECK(fe.error == "ValueError");
  CHECK(fe.cause == R"({"errorType":"ValueError","errorMessage":"bad"})");
  CHECK(read_response(p, 200, {{"X-Amz-Function-Error", "Unhandled"}}, "oops").error == "Lambda.Unknown");
  auto svc = read_response(p, 500, {{"x-amzn-ErrorType", "ServiceException"}}, R"({"message":"down"})");
  CHECK(svc.error == "Lambda.ServiceException");
  CHECK(svc.retry);

  auto legacy = *plan_call("arn:aws:lambda:us-east-1:1:function:f");
  CHECK(read_response(legacy, 200, {}, R"({"b":2})").output == R"({"b":2})");
}

TEST_CASE("SQS, SNS, EventBridge: JSON values become text where AWS wants text", "[aws][calls]") {
  std::string err, cause;
  auto sqs = *plan_call("arn:aws:states:::sqs:sendMessage");
  auto r = build_request(sqs, "http://h", R"({"QueueUrl":"q","MessageBody":{"x":1}})", err, cause);
  REQUIRE(r);
  CHECK(r->body == R"({"QueueUrl":"q","MessageBody":"{\"x\":1}"})");
  auto out = read_response(sqs, 200, {}, R"({"MessageId":"m","MD5OfMessageBody":"d"})");
  CHECK(out.output.rfind(R"({"MessageId":"m","MD5OfMessageBody":"d","SdkHttpMetadata":)", 0) == 0);

  auto sns = *plan_call("arn:aws:states:::sns:publish");
  r = build_request(sns, "http://h",
                    R"({"TopicArn":"t","Message":{"k":"v"},"MessageAttributes":{"a":{"DataType":"String","StringValue":"s"}}})",
                    err, cause);
  REQUIRE(r);
  CHECK(r->body ==
        "Action=Publish&Version=2010-03-31&TopicArn=t&Message=%7B%22k%22%3A%22v%22%7D"
        "&MessageAttributes.entry.1.Name=a&MessageAttributes.entry.1.Value.DataType=String"
        "&MessageAttributes.entry.1.Value.StringValue=s");
  out = read_response(sns, 200, {}, "<PublishResponse><PublishResult><MessageId>id-1</MessageId></PublishResult></PublishResponse>");
  CHECK(out.output.rfind(R"({"MessageId":"id-1","SdkHttpMetadata":)", 0) == 0);

  auto ev = *plan_call("arn:aws:states:::events:putEvents");
  r = build_request(ev, "http://h", R"({"Entries":[{"Detail":{"a":1},"Source":"s"}]})", err, cause);
  REQUIRE(r);
  CHECK(r->body == R"({"Entries":[{"Detail":"{\"a\":1}","Source":"s"}]})");
  CHECK(read_response(ev, 200, {}, R"({"FailedEntryCount":1,"Entries":[{"ErrorCode":"x"}]})").error ==
        "EventBridge.FailedEntry");
}

TEST_CASE("aws-sdk: camelCase services are re-cased both ways; client failures are named", "[aws][calls]") {
  std::string err, cause;
  auto ecs = *plan_call("arn:aws:states:::aws-sdk:ecs:listClusters");
  auto r = build_request(ecs, "http://h", R"({"MaxResults":5})", err, cause);
  REQUIRE(r);
  CHECK(r->body == R"({"maxResults":5})");
  CHECK(read_response(ecs, 200, {}, R"({"clusterArns":["a"]})").output == R"({"ClusterArns":["a"]})");
  auto f = client_failure(*plan_call("arn:aws:states:::aws-sdk:dynamodb:getItem"), "connection refused");
  CHECK(f.error == "DynamoDb.SdkClientException");
  CHECK(client_failure(*plan_call("arn:aws:states:::sqs:sendMessage"), "x").error == "SQS.SdkClientException");
}
