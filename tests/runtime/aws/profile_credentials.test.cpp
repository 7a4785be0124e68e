// Credentials of shared-config profiles as the AWS SDKs resolve them: role_arn
// with source_profile (chained) or credential_source, role_session_name,
// external_id, duration_seconds, credential_process; loops and conflicts.
#include "runtime/aws/resolve.hpp"

#include <catch2/catch.hpp>

using namespace sc::aws;

namespace {

const char* config_text = R"([default]
region = us-east-1

[profile base]
aws_access_key_id = AKIDBASECONFIG
aws_secret_access_key = basesecret

[profile ops]
role_arn = arn:aws:iam::111111111111:role/ops
source_profile = base
role_session_name = ops-session
external_id = ext-1
duration_seconds = 1800

[profile deploy]
role_arn = arn:aws:iam::222222222222:role/deploy
source_profile = ops

[profile self]
role_arn = arn:aws:iam::333333333333:role/self
source_profile = self
aws_access_key_id = AKIDSELF
aws_secret_access_key = selfsecret

[profile loop-a]
role_arn = arn:aws:iam::1:role/a
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::1:role/b
source_profile = loop-a

[profile env-role]
role_arn = arn:aws:iam::444444444444:role/env
credential_source = Environment

[profile imds-role]
role_arn = arn:aws:iam::444444444444:role/imds
credential_source = Ec2InstanceMetadata

[profile ecs-role]
role_arn = arn:aws:iam::444444444444:role/ecs
credential_source = EcsContainer

[profile both]
role_arn = arn:aws:iam::1:role/x
source_profile = base
credential_source = Environment

[profile neither]
role_arn = arn:aws:iam::1:role/x

[profile bad-source]
role_arn = arn:aws:iam::1:role/x
credential_source = Somewhere

[profile bad-duration]
role_arn = arn:aws:iam::1:role/x
source_profile = base
duration_seconds = 60

[profile mfa]
role_arn = arn:aws:iam::1:role/x
source_profile = base
mfa_serial = arn:aws:iam::1:mfa/me

[profile empty-source]
role_arn = arn:aws:iam::1:role/x
source_profile = nobody

[profile proc]
credential_process = /usr/bin/get-creds --profile "my profile" 'a b' c\ d

[profile proc-role]
role_arn = arn:aws:iam::555555555555:role/p
source_profile = proc
)";

const char* credentials_text = R"([base]
aws_access_key_id = AKIDBASECREDS
aws_secret_access_key = basecredsecret
[from-creds-file]
role_arn = arn:aws:iam::666666666666:role/cf
source_profile = base
)";

environment env_with(std::map<std::string, std::string> vars) {
  environment e;
  e.vars = std::move(vars);
  e.config_file = parse_ini(config_text);
  e.credentials_file = parse_ini(credentials_text);
  return e;
}

credential_source of(const std::string& profile, std::map<std::string, std::string> more = {}) {
  more["AWS_PROFILE"] = profile;
  more["AWS_EC2_METADATA_DISABLED"] = "true";
  return resolve_credentials(statecraft_aws{}, env_with(more));
}

}  // namespace

TEST_CASE("profile role_arn with source_profile, chained, with its options", "[aws][resolve][profiles]") {
  auto c = of("ops");
  REQUIRE(c.k == credential_source::kind::static_keys);
  CHECK(c.creds.access_key_id == "AKIDBASECREDS");  // the credentials file first, as the SDKs
  REQUIRE(c.roles.size() == 1);
  CHECK(c.roles[0].role_arn == "arn:aws:iam::111111111111:role/ops");
  CHECK(c.roles[0].profile == "ops");
  CHECK(c.roles[0].session_name == "ops-session");
  CHECK(c.roles[0].external_id == "ext-1");
  CHECK(c.roles[0].duration_seconds == 1800);

  c = of("deploy");  // deploy -> ops -> base: ops's role first, then deploy's
  REQUIRE(c.k == credential_source::kind::static_keys);
  REQUIRE(c.roles.size() == 2);
  CHECK(c.roles[0].role_arn == "arn:aws:iam::111111111111:role/ops");
  CHECK(c.roles[1].role_arn == "arn:aws:iam::222222222222:role/deploy");
  CHECK(c.roles[1].session_name.empty());
  CHECK(c.roles[1].duration_seconds == 0);

  c = of("self");  // a profile that is its own source uses its own keys
  REQUIRE(c.k == credential_source::kind::static_keys);
  CHECK(c.creds.access_key_id == "AKIDSELF");
  REQUIRE(c.roles.size() == 1);
  CHECK(c.roles[0].role_arn == "arn:aws:iam::333333333333:role/self");

  c = of("from-creds-file");  // role_arn in the credentials file
  REQUIRE(c.roles.size() == 1);
  CHECK(c.roles[0].role_arn == "arn:aws:iam::666666666666:role/cf");

  // Static keys in the environment come before AWS_PROFILE's profile, as in the SDKs.
  c = of("ops", {{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "s"}});
  CHECK(c.creds.access_key_id == "AKIDENV");
  CHECK(c.roles.empty());
}

TEST_CASE("profile credential_source", "[aws][resolve][profiles]") {
  auto c = of("env-role");
  CHECK(c.k == credential_source::kind::invalid);  // no keys in the environment
  CHECK(c.error.find("environment") != std::string::npos);

  // An explicit profile (aws.profile, like the CLI's --profile) skips the
  // environment's keys, which are then the role's source.
  environment e = env_with({{"AWS_EC2_METADATA_DISABLED", "true"}, {"AWS_ACCESS_KEY_ID", "AKIDENV"},
                            {"AWS_SECRET_ACCESS_KEY", "s"}, {"AWS_SESSION_TOKEN", "t"}});
  statecraft_aws cfg;
  cfg.profile = "env-role";
  c = resolve_credentials(cfg, e);
  REQUIRE(c.k == credential_source::kind::static_keys);
  CHECK(c.creds.access_key_id == "AKIDENV");
  CHECK(c.creds.session_token == "t");
  REQUIRE(c.roles.size() == 1);
  CHECK(c.roles[0].role_arn == "arn:aws:iam::444444444444:role/env");
  cfg.profile = "base";
  CHECK(resolve_credentials(cfg, e).creds.access_key_id == "AKIDBASECREDS");

  c = of("imds-role", {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9/"}});
  REQUIRE(c.k == credential_source::kind::instance_metadata);
  CHECK(c.url == "http://127.0.0.1:9");
  REQUIRE(c.roles.size() == 1);
  CHECK(c.roles[0].role_arn == "arn:aws:iam::444444444444:role/imds");

  CHECK(of("ecs-role").k == credential_source::kind::invalid);
  c = of("ecs-role", {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/x"}});
  REQUIRE(c.k == credential_source::kind::container);
  CHECK(c.url == "http://169.254.170.2/v2/x");
  CHECK(c.roles.size() == 1);
}

TEST_CASE("profile misconfigurations are reported, loops included", "[aws][resolve][profiles]") {
  auto c = of("loop-a");
  REQUIRE(c.k == credential_source::kind::invalid);
  CHECK(c.error == "Infinite loop in credential configuration detected: loop-a -> loop-b -> loop-a");
  CHECK(of("both").error.find("both source_profile and credential_source") != std::string::npos);
  CHECK(of("neither").error.find("neither source_profile nor credential_source") != std::string::npos);
  CHECK(of("bad-source").error.find("unknown credential_source 'Somewhere'") != std::string::npos);
  CHECK(of("bad-duration").error.find("duration_seconds") != std::string::npos);
  CHECK(of("mfa").error.find("MFA") != std::string::npos);
  CHECK(of("empty-source").error.find("source profile nobody") != std::string::npos);
}

TEST_CASE("credential_process: the command, its output, as a role's source", "[aws][resolve][profiles]") {
  auto c = of("proc");
  REQUIRE(c.k == credential_source::kind::process);
  CHECK(split_command(c.command) ==
        std::vector<std::string>{"/usr/bin/get-creds", "--profile", "my profile", "a b", "c d"});
  CHECK(split_command("x 'unterminated").empty());
  CHECK(split_command("  a\t\"b \\\" c\"  ") == std::vector<std::string>{"a", "b \" c"});

  c = of("proc-role");
  REQUIRE(c.k == credential_source::kind::process);
  REQUIRE(c.roles.size() == 1);
  CHECK(c.roles[0].role_arn == "arn:aws:iam::555555555555:role/p");

  int64_t exp = -1;
  std::string err;
  auto k = parse_process_credentials(
      R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","SessionToken":"T","Expiration":"2030-01-01T00:00:00Z"})",
      exp, err);
  REQUIRE(k);
  CHECK(k->session_token == "T");
  CHECK(exp == 1893456000000);
  k = parse_process_credentials(R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"S"})", exp, err);
  REQUIRE(k);
  CHECK(exp == 0);
  CHECK_FALSE(parse_process_credentials(R"({"Version":2,"AccessKeyId":"A","SecretAccessKey":"S"})", exp, err));
  CHECK(err.find("Version") != std::string::npos);
  CHECK_FALSE(parse_process_credentials(R"({"Version":1,"AccessKeyId":"A"})", exp, err));
  CHECK_FALSE(parse_process_credentials("not json", exp, err));
}
