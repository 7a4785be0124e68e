"""aws-sdk:<service>:<action> for query-protocol services (SNS, STS, ...),
driven by botocore's models, against moto: parameters to the form body,
the XML answer to JSON with the model's PascalCase members, errors named
<Service>.<Code>Exception."""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_aws_integrations as base  # noqa: E402  (a module: its TestCases are not collected twice)

aws, task, uname, ACCOUNT = base.aws, base.task, base.uname, base.ACCOUNT


class SdkQueryTest(base.AwsTestCase):
    def test_sts_get_caller_identity(self):
        _, d = self.run_machine({"S": task("arn:aws:states:::aws-sdk:sts:getCallerIdentity", {})}, "S")
        out = self.succeeded(d)
        self.assertEqual(out["Account"], ACCOUNT)
        self.assertIn("Arn", out)
        self.assertIn("UserId", out)

    def test_sns_create_list_and_attributes(self):
        name = uname("topic")
        _, d = self.run_machine({
            "Create": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sns:createTopic",
                       "Parameters": {"Name": name, "Attributes": {"DisplayName": "Shown"},
                                      "Tags": [{"Key": "team", "Value": "core"}]},
                       "ResultPath": "$.created", "Next": "List"},
            "List": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sns:listTopics", "Parameters": {},
                     "ResultPath": "$.listed", "Next": "Attrs"},
            "Attrs": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sns:getTopicAttributes",
                      "Parameters": {"TopicArn.$": "$.created.TopicArn"}, "ResultPath": "$.attrs", "End": True},
        }, "Create")
        out = self.succeeded(d)
        arn = out["created"]["TopicArn"]
        self.assertTrue(arn.endswith(":" + name))
        self.assertIn({"TopicArn": arn}, out["listed"]["Topics"])
        self.assertEqual(out["attrs"]["Attributes"]["DisplayName"], "Shown")
        tags = aws("sns").list_tags_for_resource(ResourceArn=arn)["Tags"]
        self.assertEqual(tags, [{"Key": "team", "Value": "core"}])

    def test_sns_error_is_named_as_aws_names_it(self):
        _, d = self.run_machine({"S": task("arn:aws:states:::aws-sdk:sns:getTopicAttributes",
                                           {"TopicArn": "arn:aws:sns:us-east-1:%s:%s" % (ACCOUNT, uname("none"))})},
                                "S")
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "Sns.NotFoundException")
        self.assertIn("Service: Sns", d["cause"])


class SdkEc2Test(base.AwsTestCase):
    def test_ec2_create_and_describe_vpcs(self):
        _, d = self.run_machine({
            "Create": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ec2:createVpc",
                       "Parameters": {"CidrBlock": "10.42.0.0/16"}, "ResultPath": "$.created", "Next": "Describe"},
            "Describe": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ec2:describeVpcs",
                         "Parameters": {"VpcIds.$": "States.Array($.created.Vpc.VpcId)",
                                        "Filters": [{"Name": "cidr", "Values": ["10.42.0.0/16"]}]},
                         "ResultPath": "$.described", "End": True}}, "Create")
        out = self.succeeded(d)
        vpc_id = out["created"]["Vpc"]["VpcId"]
        self.assertTrue(vpc_id.startswith("vpc-"))
        vpcs = out["described"]["Vpcs"]
        self.assertEqual([v["VpcId"] for v in vpcs], [vpc_id])
        self.assertEqual(vpcs[0]["CidrBlock"], "10.42.0.0/16")
        self.assertIs(vpcs[0]["IsDefault"], False)
        got = aws("ec2").describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
        self.assertEqual(got[0]["CidrBlock"], "10.42.0.0/16")

    def test_ec2_error_fails_the_task(self):
        _, d = self.run_machine({"S": task("arn:aws:states:::aws-sdk:ec2:describeVpcs",
                                           {"VpcIds": ["vpc-0000000000000dead"]})}, "S")
        self.assertEqual(d["status"], "FAILED")
        self.assertTrue(d["error"].startswith("Ec2."), d["error"])
        self.assertIn("vpc-0000000000000dead", d["cause"])
