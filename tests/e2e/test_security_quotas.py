"""AWS's open executions quota (issue 18): at most `limits.open_executions`
(AWS: 1,000,000) Standard executions RUNNING per account and Region;
StartExecution and RedriveExecution past it answer ExecutionLimitExceeded.
Express executions do not count, and each Region counts its own. The node
here runs with --open-execution-limit 2, on the memory store or (with
--with-redis) on Redis, whose per-shard open sets are checked directly too
(tests/cluster/security.py covers two nodes and a node's crash). The other
resource quotas (state machines, activities, pollers, versions, aliases) are
tested in test_quotas.py, test_versions.py and test_aliases.py."""

import subprocess
import time
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
        third = sfn.start_execution(stateMachineArn=wait)["executionArn"]
        self.assertEqual(self.code(sfn.start_execution, stateMachineArn=wait),
                         "ExecutionLimitExceeded")
        # An idempotent retry of a start (same name and input) is not a new
        # execution and counts nothing more.
        name = uname("same")
        sfn.stop_execution(executionArn=third)
        sfn.stop_execution(executionArn=running[1])
        again = [sfn.start_execution(stateMachineArn=wait, name=name, input="{}")["executionArn"]
                 for _ in range(3)]
        self.assertEqual(len(set(again)), 1)
        # At the limit, that retry still answers the running execution.
        other_one = sfn.start_execution(stateMachineArn=wait)["executionArn"]
        self.assertEqual(sfn.start_execution(stateMachineArn=wait, name=name,
                                             input="{}")["executionArn"], again[0])
        self.assertEqual(self.code(sfn.start_execution, stateMachineArn=wait, name=name,
                                   input='{"other": 1}'), "ExecutionAlreadyExists")
        self.assertEqual(self.code(sfn.start_execution, stateMachineArn=wait, name=uname("new")),
                         "ExecutionLimitExceeded")
        sfn.stop_execution(executionArn=other_one)
        if self.node.redis is not None:
            self.assertEqual(self.open_in_redis("eu-north-1"), 1)
            self.assertEqual(self.open_in_redis("eu-south-1"), 0)
        # A timed-out execution frees its place too.
        short = sfn.create_state_machine(
            name=uname("t"), roleArn=ROLE_ARN,
            definition=dumps({"TimeoutSeconds": 1, **WAIT}))["stateMachineArn"]
        timed = sfn.start_execution(stateMachineArn=short)["executionArn"]
        for _ in range(100):
            if sfn.describe_execution(executionArn=timed)["status"] != "RUNNING":
                break
            time.sleep(0.1)
        self.assertEqual(sfn.describe_execution(executionArn=timed)["status"], "TIMED_OUT")
        sfn.start_execution(stateMachineArn=wait)
        if self.node.redis is not None:
            self.assertEqual(self.open_in_redis("eu-north-1"), 2)

    def open_in_redis(self, region):
        """The open count as the Redis store keeps it: SCARD of each shard's set."""
        ns = "arn:aws:states:%s:123456789012:" % region
        cmds = "".join("SCARD sc:{%d}:open:%s\n" % (s, ns) for s in range(64))
        out = subprocess.run(["redis-cli", "-p", str(self.node.redis.port)], input=cmds,
                             capture_output=True, text=True, timeout=10, check=True).stdout
        return sum(int(x) for x in out.split())


if __name__ == "__main__":
    unittest.main()
