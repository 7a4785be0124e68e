"""The configuration fields on Redis, across nodes and restarts: a state
machine (and its version) and an activity created with a customer-managed
key, logging and tracing through one node read back the same through a
second node at once, and after both nodes were killed with -9 and a new one
started on the same Redis. Starts its own redis-server and nodes."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

import boto3
import botocore.config

from common import ROLE_ARN, dumps, uname

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import Redis, free_port, tail, wait_for_port  # noqa: E402

SECRET = "apifields-cluster-test-secret-0123456789abcdef"
ENC = {"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": "alias/cluster", "kmsDataKeyReusePeriodSeconds": 600}
LOGGING = {"level": "FATAL", "includeExecutionData": False,
           "destinations": [{"cloudWatchLogsLogGroup": {
               "logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:c:*"}}]}
DEF = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"v": 1}, "Next": "B"},
                                  "B": {"Type": "Pass", "Parameters": {"x.$": "$v"}, "End": True}}}


def sfn(port):
    return boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=botocore.config.Config(retries={"total_max_attempts": 1}))


@unittest.skipUnless(os.environ.get("STATECRAFT_BIN") and shutil.which("redis-server"),
                     "needs STATECRAFT_BIN (run.py) and redis-server")
class ConfigurationOnRedis(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="apifields-cluster-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.redis = Redis(self.tmp)
        self.redis.start(10)
        self.addCleanup(self.redis.stop)
        self.procs = []

    def node(self, node_id):
        port = free_port()
        log = os.path.join(self.tmp, node_id + ".log")
        p = subprocess.Popen([os.environ["STATECRAFT_BIN"], "--port", str(port), "--bind", "127.0.0.1",
                              "--redis", self.redis.url, "--node-id", node_id, "--task-token-secret", SECRET,
                              "--log-level", "warn"],
                             stdout=open(log, "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             cwd=self.tmp)
        self.procs.append(p)
        self.addCleanup(self.stop, p)
        problem = wait_for_port(p, port, 20)
        if problem:
            self.fail("node %s %s\n%s" % (node_id, problem, tail(log)))
        return p, sfn(port)

    @staticmethod
    def stop(p):
        if p.poll() is None:
            p.kill()
            p.wait()

    def check(self, client, arn, act):
        d = client.describe_state_machine(stateMachineArn=arn)
        self.assertEqual(d["encryptionConfiguration"], ENC)
        self.assertEqual(d["loggingConfiguration"], LOGGING)
        self.assertEqual(d["tracingConfiguration"], {"enabled": True})
        self.assertEqual(d["variableReferences"], {"B": ["v"]})
        v = client.describe_state_machine(stateMachineArn=arn + ":1")
        self.assertEqual(v["encryptionConfiguration"], ENC)
        self.assertEqual(client.describe_activity(activityArn=act)["encryptionConfiguration"], ENC)

    def test_across_nodes_and_restarts(self):
        p1, a = self.node("n1")
        p2, b = self.node("n2")
        arn = a.create_state_machine(name=uname("enc"), definition=dumps(DEF), roleArn=ROLE_ARN,
                                     encryptionConfiguration=ENC, loggingConfiguration=LOGGING,
                                     tracingConfiguration={"enabled": True}, publish=True)["stateMachineArn"]
        act = a.create_activity(name=uname("enc"), encryptionConfiguration=ENC)["activityArn"]
        self.check(b, arn, act)
        p1.send_signal(signal.SIGKILL)
        p2.send_signal(signal.SIGKILL)
        p1.wait()
        p2.wait()
        _, c = self.node("n3")
        self.check(c, arn, act)


if __name__ == "__main__":
    unittest.main()
