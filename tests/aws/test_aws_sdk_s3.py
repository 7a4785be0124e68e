"""aws-sdk:s3:<action> (S3's rest-xml protocol from botocore's model) against
moto: putObject, getObject, listObjectsV2, putBucketTagging, errors."""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_aws_integrations as base  # noqa: E402  (a module: its TestCases are not collected twice)

aws, task, uname = base.aws, base.task, base.uname
S3 = "arn:aws:states:::aws-sdk:s3:"


class SdkS3Test(base.AwsTestCase):
    def test_put_get_list_and_tag(self):
        bucket = uname("bkt").lower().replace("_", "-")
        aws("s3").create_bucket(Bucket=bucket)
        _, d = self.run_machine({
            "Put": {"Type": "Task", "Resource": S3 + "putObject",
                    "Parameters": {"Bucket": bucket, "Key": "dir/a b.json", "Body.$": "States.JsonToString($.doc)",
                                   "ContentType": "application/json", "Metadata": {"owner": "me"}},
                    "ResultPath": "$.put", "Next": "Get"},
            "Get": {"Type": "Task", "Resource": S3 + "getObject",
                    "Parameters": {"Bucket": bucket, "Key": "dir/a b.json"}, "ResultPath": "$.get", "Next": "List"},
            "List": {"Type": "Task", "Resource": S3 + "listObjectsV2",
                     "Parameters": {"Bucket": bucket, "Prefix": "dir/"}, "ResultPath": "$.list", "Next": "Tag"},
            "Tag": {"Type": "Task", "Resource": S3 + "putBucketTagging",
                    "Parameters": {"Bucket": bucket, "Tagging": {"TagSet": [{"Key": "team", "Value": "core"}]}},
                    "ResultPath": "$.tag", "End": True}}, "Put", {"doc": {"n": 1}})
        out = self.succeeded(d)
        self.assertIn("ETag", out["put"])
        self.assertEqual(json.loads(out["get"]["Body"]), {"n": 1})
        self.assertEqual(out["get"]["Metadata"], {"owner": "me"})
        self.assertEqual(out["get"]["ContentType"], "application/json")
        self.assertEqual([c["Key"] for c in out["list"]["Contents"]], ["dir/a b.json"])
        self.assertEqual(out["list"]["KeyCount"], 1)
        body = aws("s3").get_object(Bucket=bucket, Key="dir/a b.json")["Body"].read()
        self.assertEqual(json.loads(body), {"n": 1})
        self.assertEqual(aws("s3").get_bucket_tagging(Bucket=bucket)["TagSet"], [{"Key": "team", "Value": "core"}])

    def test_missing_key_is_named_as_aws_names_it(self):
        bucket = uname("bkt").lower().replace("_", "-")
        aws("s3").create_bucket(Bucket=bucket)
        _, d = self.run_machine({"G": task(S3 + "getObject", {"Bucket": bucket, "Key": "nope"})}, "G")
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "S3.NoSuchKeyException")
