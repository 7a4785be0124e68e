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
