"""AWS's open executions quota (issue 18): at most `limits.open_executions`
(AWS: 1,000,000) Standard executions RUNNING per account and Region;
StartExecution and RedriveExecution past it answer ExecutionLimitExceeded.
Express executions do not count, and each Region counts its own. The node
here runs with --open-execution-limit 2. The memory store counts open
executions; on Redis the quota is not enforced yet (skipped there). The other
resource quotas (state machines, activities, pollers, versions, aliases) are
tested in test_quotas.py, test_versions.py and test_aliases.py."""

import os
import unittest

import botocore.exceptions

from common import ROLE_ARN, dumps, uname
from secnode import Node

WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
FAIL = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "c"}}}
EXPRESS = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 30, "End": True}}}


class OpenExecutions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.environ.get("E2E_WITH_REDIS"):
            raise unittest.SkipTest("open executions are counted by the memory store only")
        cls.node = Node(["--open-execution-limit", "2"], name="openexec")

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def code(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        return cm.exception.response["Error"]["Code"]

    def test_start_and_redrive_past_the_limit(self):
        sfn = self.node.client(region="eu-north-1")
        wait = sfn.create_state_machine(name=uname("w"), definition=dumps(WAIT),
                                        roleArn=ROLE_ARN)["stateMachineArn"]
        fail = sfn.create_state_machine(name=uname("f"), definition=dumps(FAIL),
                                        roleArn=ROLE_ARN)["stateMachineArn"]
        failed = sfn.start_execution(stateMachineArn=fail)["executionArn"]
        running = [sfn.start_execution(stateMachineArn=wait)["executionArn"] for _ in range(2)]
        self.assertEqual(self.code(sfn.start_execution, stateMachineArn=wait),
                         "ExecutionLimitExceeded")
        code, _, err = self.node.cli("start-execution", "--state-machine-arn", wait,
                                     region="eu-north-1")
        self.assertNotEqual(code, 0)
        self.assertIn("(ExecutionLimitExceeded)", err)
        for _ in range(100):
            if sfn.describe_execution(executionArn=failed)["status"] == "FAILED":
                break
        self.assertEqual(self.code(sfn.redrive_execution, executionArn=failed),
                         "ExecutionLimitExceeded")
        # Express executions do not count.
        express = sfn.create_state_machine(name=uname("x"), definition=dumps(EXPRESS),
                                           roleArn=ROLE_ARN, type="EXPRESS")["stateMachineArn"]
        sfn.start_execution(stateMachineArn=express)
        # Another Region has its own count.
        other = self.node.client(region="eu-south-1")
        o = other.create_state_machine(name=uname("w"), definition=dumps(WAIT),
                                       roleArn=ROLE_ARN)["stateMachineArn"]
        stop_later = other.start_execution(stateMachineArn=o)["executionArn"]
        other.stop_execution(executionArn=stop_later)
        # A stopped execution frees its place.
        sfn.stop_execution(executionArn=running[0])
        sfn.start_execution(stateMachineArn=wait)


if __name__ == "__main__":
    unittest.main()
