"""AWS's API rate quotas (issue 18): with `throttling: {enabled: true}` the node
keeps a token bucket per account, Region and operation (AWS's documented
bucket sizes and refill rates, overridable per operation in the config file)
and refuses a call that finds its bucket empty with ThrottlingException
"Rate exceeded", HTTP 400, as AWS does. The node here runs with
StartExecution at 5 tokens refilled 2 per second, DescribeActivity at 2
refilled one per 20 s (and DescribeExecution
raised so the traffic generator's polls pass). The traffic generator reports
the refused calls (`throttled`)."""

import json
import os
import subprocess
import time
import unittest

import botocore.exceptions

from common import PASS_DEF, ROLE_ARN, dumps, uname
from secnode import Node

CONFIG = """
throttling:
  enabled: true
  rates:
    StartExecution: {bucket: 5, refill_per_second: 2}
    DescribeExecution: {bucket: 100000, refill_per_second: 100000}
    DescribeActivity: {bucket: 2, refill_per_second: 0.05}
"""


class Throttling(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(config=CONFIG, name="throttle")

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def machine(self, sfn):
        return sfn.create_state_machine(name=uname("thr"), definition=dumps(PASS_DEF),
                                        roleArn=ROLE_ARN)["stateMachineArn"]

    def drain(self, sfn, arn):
        """Starts until throttled; returns (started, the ClientError)."""
        started = 0
        for _ in range(50):
            try:
                sfn.start_execution(stateMachineArn=arn)
                started += 1
            except botocore.exceptions.ClientError as e:
                return started, e
        self.fail("never throttled")

    def test_start_execution_past_the_bucket(self):
        sfn = self.node.client(region="ap-northeast-1")
        arn = self.machine(sfn)
        started, e = self.drain(sfn, arn)
        self.assertGreaterEqual(started, 4)   # a 5-token bucket (plus any refill meanwhile)
        self.assertLessEqual(started, 8)
        self.assertEqual(e.response["Error"]["Code"], "ThrottlingException")
        self.assertEqual(e.response["Error"]["Message"], "Rate exceeded")
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        # Refilled at 2 per second.
        time.sleep(1.2)
        sfn.start_execution(stateMachineArn=arn)
        # Other operations have their own buckets.
        sfn.describe_state_machine(stateMachineArn=arn)

    def test_express_machines_have_their_own_start_bucket(self):
        sfn = self.node.client(region="ap-south-1")
        standard = self.machine(sfn)
        express = sfn.create_state_machine(name=uname("thrx"), definition=dumps(PASS_DEF),
                                           roleArn=ROLE_ARN, type="EXPRESS")["stateMachineArn"]
        self.drain(sfn, standard)
        for _ in range(20):  # AWS's Express bucket: 6,000
            sfn.start_execution(stateMachineArn=express)

    def test_each_region_has_its_own_buckets(self):
        a = self.node.client(region="eu-west-3")
        b = self.node.client(region="sa-east-1")
        arn_a, arn_b = self.machine(a), self.machine(b)
        self.drain(a, arn_a)
        b.start_execution(stateMachineArn=arn_b)

    def test_aws_cli_sees_throttling(self):
        # DescribeActivity: 2 tokens, one more every 20 s (slower than the CLI starts).
        sfn = self.node.client(region="ca-central-1")
        arn = sfn.create_activity(name=uname("thr"))["activityArn"]
        for _ in range(2):
            sfn.describe_activity(activityArn=arn)
        code, out, err = self.node.cli("describe-activity", "--activity-arn", arn,
                                       region="ca-central-1")
        self.assertNotEqual(code, 0)
        self.assertIn("(ThrottlingException)", err)
        self.assertIn("Rate exceeded", err)

    def test_traffic_generator_reports_throttled_calls(self):
        statecraft = os.path.join(os.path.dirname(os.path.dirname(self.node.binary)),
                                  "statecraft", "statecraft")
        if not os.path.exists(statecraft):
            raise unittest.SkipTest("statecraft CLI not built at " + statecraft)
        p = subprocess.run([statecraft, "traffic", "--scenario", "pass-chain", "--endpoint",
                            self.node.url, "--region", "us-west-1", "--concurrency", "4",
                            "--duration", "2", "--json", "--no-progress"],
                           capture_output=True, text=True, timeout=120)
        report = json.loads(p.stdout[p.stdout.index("{"):])
        # 2 s at 2 tokens/s after a 5-token burst: about 9 executions pass,
        # every other start is refused and counted.
        self.assertGreater(report["throttled"], 0, p.stdout)
        self.assertEqual(report["errors"].get("ThrottlingException"), report["throttled"])
        ex = report["executions"]
        self.assertEqual(ex["mismatches"], 0, p.stdout)
        self.assertGreaterEqual(ex["verified"], 5, p.stdout)
        self.assertLessEqual(ex["verified"], 15, p.stdout)


if __name__ == "__main__":
    unittest.main()
