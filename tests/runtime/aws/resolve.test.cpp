// Endpoint / credential / region resolution as the AWS SDKs do it, and the
// wire-protocol helpers of the integrations.
#include "runtime/aws/protocol.hpp"
#include "runtime/aws/resolve.hpp"

#include <catch2/catch.hpp>

using namespace sc::aws;

namespace {

const char* config_text = R"([default]
region = eu-west-3
services = local

[profile dev]
region = ap-south-1
endpoint_url = http://dev-endpoint:4566
aws_access_key_id = DEVFROMCONFIG
aws_secret_access_key = devsecret

[services local]
dynamodb =
  endpoint_url = http://localhost:8000
s3 =
  endpoint_url = http://localhost:9000/
)";

const char* credentials_text = R"(# comment
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = secretdefault
[other]
aws_access_key_id=AKIDOTHER
aws_secret_access_key=secretother
aws_session_token=tok
)";

environment env_with(std::map<std::string, std::string> vars) {
  environment e;
  e.vars = std::move(vars);
  e.config_file = parse_ini(config_text);
  e.credentials_file = parse_ini(credentials_text);
  return e;
}

}  // namespace

TEST_CASE("the service table knows Step Functions' names and the wire's", "[aws][resolve]") {
  auto* ddb = find_service("dynamodb");
  REQUIRE(ddb);
  CHECK(ddb->error_prefix == "DynamoDb");
  CHECK(ddb->protocol == "json");
  CHECK(ddb->target_prefix == "DynamoDB_20120810");
  auto* eb = find_service("eventbridge");
  REQUIRE(eb);
  CHECK(eb->endpoint_prefix == "events");
  CHECK(find_service("events") == eb);
  CHECK(find_service("sfn")->member_case == "camel");
  CHECK(find_service("sqs")->json_version == "1.0");
  CHECK(find_service("nosuchservice") == nullptr);
}

TEST_CASE("shared config files: profiles, sub-sections, comments", "[aws][resolve]") {
  auto ini = parse_ini(config_text);
  CHECK(*ini.get("profile dev", "endpoint_url") == "http://dev-endpoint:4566");
  CHECK(*ini.get("services local", "dynamodb.endpoint_url") == "http://localhost:8000");
  CHECK(*ini.get("default", "services") == "local");
  CHECK(ini.get("default", "nothing") == nullptr);
}

TEST_CASE("endpoints resolve in the SDKs' order, Statecraft's settings first", "[aws][resolve]") {
  const auto& sqs = *find_service("sqs");
  const auto& ddb = *find_service("dynamodb");
  statecraft_aws cfg;
  auto env = env_with({});
  // The default profile's services section names DynamoDB only.
  CHECK(resolve_endpoint(ddb, "us-east-1", cfg, env).url == "http://localhost:8000");
  auto def = resolve_endpoint(sqs, "us-east-1", cfg, env);
  CHECK(def.url == "https://sqs.us-east-1.amazonaws.com");
  CHECK_FALSE(def.custom);
  CHECK(resolve_endpoint(sqs, "cn-north-1", cfg, env).url == "https://sqs.cn-north-1.amazonaws.com.cn");

  env = env_with({{"AWS_ENDPOINT_URL", "http://127.0.0.1:5000/"}});
  auto global = resolve_endpoint(sqs, "us-east-1", cfg, env);
  CHECK(global.url == "http://127.0.0.1:5000");
  CHECK(global.source == "AWS_ENDPOINT_URL");
  CHECK(global.custom);

  env = env_with({{"AWS_ENDPOINT_URL", "http://127.0.0.1:5000"},
                  {"AWS_ENDPOINT_URL_SQS", "http://sqs-only:9324"}});
  CHECK(resolve_endpoint(sqs, "us-east-1", cfg, env).url == "http://sqs-only:9324");
  CHECK(resolve_endpoint(ddb, "us-east-1", cfg, env).url == "http://127.0.0.1:5000");

  env = env_with({{"AWS_ENDPOINT_URL", "http://127.0.0.1:5000"},
                  {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}});
  CHECK(resolve_endpoint(sqs, "us-east-1", cfg, env).source == "default");

  env = env_with({{"AWS_PROFILE", "dev"}});
  CHECK(resolve_endpoint(sqs, "us-east-1", cfg, env).url == "http://dev-endpoint:4566");

  cfg.endpoint_url = "http://statecraft-wide:1";
  std::string err;
  REQUIRE(parse_service_endpoints("sqs=http://q:2, eventbridge = http://e:3/", cfg.service_endpoints, err));
  CHECK(resolve_endpoint(sqs, "us-east-1", cfg, env).url == "http://q:2");
  CHECK(resolve_endpoint(*find_service("eventbridge"), "us-east-1", cfg, env).url == "http://e:3");
  CHECK(resolve_endpoint(ddb, "us-east-1", cfg, env).url == "http://statecraft-wide:1");
  std::map<std::string, std::string> bad;
  CHECK_FALSE(parse_service_endpoints("sqs", bad, err));
  CHECK_FALSE(parse_service_endpoints("sqs=ftp://x", bad, err));
}

TEST_CASE("credentials: settings, environment, shared files, containers, instance metadata", "[aws][resolve]") {
  statecraft_aws cfg;
  auto env = env_with({{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "s"},
                       {"AWS_SESSION_TOKEN", "t"}});
  auto c = resolve_credentials(cfg, env);
  CHECK(c.k == credential_source::kind::static_keys);
  CHECK(c.creds.access_key_id == "AKIDENV");
  CHECK(c.creds.session_token == "t");

  env = env_with({});
  CHECK(resolve_credentials(cfg, env).creds.access_key_id == "AKIDDEFAULT");
  env = env_with({{"AWS_PROFILE", "other"}});
  c = resolve_credentials(cfg, env);
  CHECK(c.creds.access_key_id == "AKIDOTHER");
  CHECK(c.creds.session_token == "tok");
  env = env_with({{"AWS_PROFILE", "dev"}});
  CHECK(resolve_credentials(cfg, env).creds.access_key_id == "DEVFROMCONFIG");

  env = env_with({{"AWS_PROFILE", "nobody"}, {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds"}});
  c = resolve_credentials(cfg, env);
  CHECK(c.k == credential_source::kind::container);
  CHECK(c.url == "http://169.254.170.2/v2/creds");
  env = env_with({{"AWS_PROFILE", "nobody"}});
  CHECK(resolve_credentials(cfg, env).k == credential_source::kind::instance_metadata);
  env = env_with({{"AWS_PROFILE", "nobody"}, {"AWS_EC2_METADATA_DISABLED", "true"}});
  CHECK(resolve_credentials(cfg, env).k == credential_source::kind::none);

  cfg.creds = credentials{"AKIDCFG", "cfgsecret", ""};
  CHECK(resolve_credentials(cfg, env).creds.access_key_id == "AKIDCFG");

  int64_t exp = 0;
  auto m = parse_metadata_credentials(
      R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"2030-01-01T00:00:00Z"})", exp);
  REQUIRE(m);
  CHECK(m->session_token == "T");
  CHECK(exp == 1893456000000);
  CHECK_FALSE(parse_metadata_credentials("{}", exp));
}

TEST_CASE("region: settings, AWS_REGION, AWS_DEFAULT_REGION, the profile, the node", "[aws][resolve]") {
  statecraft_aws cfg;
  CHECK(resolve_region(cfg, env_with({}), "us-east-1") == "eu-west-3");
  CHECK(resolve_region(cfg, env_with({{"AWS_DEFAULT_REGION", "us-west-1"}}), "x") == "us-west-1");
  CHECK(resolve_region(cfg, env_with({{"AWS_REGION", "us-west-2"}, {"AWS_DEFAULT_REGION", "us-west-1"}}), "x") ==
        "us-west-2");
  environment bare;
  CHECK(resolve_region(cfg, bare, "ca-central-1") == "ca-central-1");
  cfg.region = "sa-east-1";
  CHECK(resolve_region(cfg, bare, "x") == "sa-east-1");
}

TEST_CASE("error answers of every protocol become Step Functions' error names", "[aws][protocol]") {
  auto e = read_error(400, {{"x-amzn-RequestId", "rid"}},
                      R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"})");
  CHECK(e.code == "ConditionalCheckFailedException");
  auto [name, cause] = sdk_error(*find_service("dynamodb"), e);
  CHECK(name == "DynamoDb.ConditionalCheckFailedException");
  CHECK(cause == "The conditional request failed (Service: DynamoDb, Status Code: 400, Request ID: rid)");
  auto [oname, ocause] = optimized_error("DynamoDB", "AmazonDynamoDBv2", e);
  CHECK(oname == "DynamoDB.ConditionalCheckFailedException");
  CHECK(ocause.find("Error Code: ConditionalCheckFailedException") != std::string::npos);

  auto x = read_error(404, {},
                      "<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>r2</RequestId></ErrorResponse>");
  CHECK(x.code == "NotFound");
  CHECK(x.message == "Topic does not exist");
  CHECK(x.request_id == "r2");
  CHECK(sdk_error(*find_service("sns"), x).first == "Sns.NotFoundException");
  auto s3 = read_error(404, {}, "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>");
  CHECK(sdk_error(*find_service("s3"), s3).first == "S3.NoSuchKeyException");

  CHECK(retryable(read_error(400, {}, R"({"__type":"ThrottlingException"})")));
  CHECK(retryable(read_error(503, {}, "")));
  CHECK_FALSE(retryable(e));
  auto lam = read_error(500, {{"x-amzn-ErrorType", "ServiceException:http://internal"}}, R"({"Type":"Service","message":"boom"})");
  CHECK(optimized_error("Lambda", "AWSLambda", lam).first == "Lambda.ServiceException");
  CHECK(optimized_error("SQS", "AmazonSQS", service_error{"", "", "", 500}).first == "SQS.AmazonSQSException");
}

TEST_CASE("requests: JSON target, query form, signing adds Host and Authorization", "[aws][protocol]") {
  auto r = json_request(*find_service("sqs"), "http://127.0.0.1:5000", operation_name("sendMessage"), "");
  CHECK(r.url == "http://127.0.0.1:5000/");
  CHECK(find_header(r.headers, "x-amz-target") == std::string("AmazonSQS.SendMessage"));
  CHECK(find_header(r.headers, "content-type") == std::string("application/x-amz-json-1.0"));
  sign_request(r, credentials{"AKID", "secret", ""}, "us-east-1", "sqs", "20240101T000000Z");
  CHECK(find_header(r.headers, "host") == std::string("127.0.0.1:5000"));
  auto auth = parse_authorization(*find_header(r.headers, "authorization"));
  REQUIRE(auth);
  CHECK(auth->scope.service == "sqs");
  CHECK(auth->signed_headers == std::vector<std::string>{"content-type", "host", "x-amz-date", "x-amz-target"});

  auto q = query_request("https://sns.us-east-1.amazonaws.com:443", "Publish", "2010-03-31",
                         {{"TopicArn", "arn:aws:sns:us-east-1:1:t"}, {"Message", "a b&c"}});
  CHECK(q.body == "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3At&Message=a%20b%26c");
  sign_request(q, credentials{"AKID", "secret", ""}, "us-east-1", "sns", "20240101T000000Z");
  CHECK(find_header(q.headers, "host") == std::string("sns.us-east-1.amazonaws.com"));

  CHECK(xml_text("<a><MessageId>m&amp;1</MessageId></a>", "MessageId") == std::string("m&1"));
  CHECK(recase_keys(R"({"stateMachineArn":"x","nested":[{"a":1}]})", false) ==
        R"({"StateMachineArn":"x","Nested":[{"A":1}]})");
  CHECK(recase_keys(R"({"StateMachineArn":"x"})", true) == R"({"stateMachineArn":"x"})");
}
