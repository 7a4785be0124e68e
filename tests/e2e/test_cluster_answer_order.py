"""An activity task answered through its owner before the owner heard that
another node handed it out: two nodes on one Redis; executions started
(unnamed) through node A, which owns them; the worker takes each task
through node B (B posts the ActivityStarted notice to the shard's inbox)
and answers at once through node A. Every history must still record
ActivityStarted with the worker's name, then ActivitySucceeded: the owner
drains the shard's inbox before applying an answer to a task not started
yet. Starts its own redis-server and nodes.

A regression check: on an idle machine the owner usually drains the notice
before the answer arrives even without that (the race shows under load), so
this passing does not by itself prove the drain; a missing workerName fails
it."""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

import boto3
import botocore.config

from common import ROLE_ARN, activity_task_def, dumps, full_history, uname, wait_for_status

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import Redis, free_port, tail, wait_for_port  # noqa: E402

SECRET = "answer-order-test-secret-0123456789abcdef"


def sfn(port):
    return boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:%d" % port,
                        region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test",
                        config=botocore.config.Config(retries={"total_max_attempts": 1},
                                                      read_timeout=30))


@unittest.skipUnless(os.environ.get("STATECRAFT_BIN") and shutil.which("redis-server"),
                     "needs STATECRAFT_BIN (run.py) and redis-server")
class AnswerBeforeStartedNotice(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="answer-order-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.redis = Redis(self.tmp)
        self.redis.start(10)
        self.addCleanup(self.redis.stop)

    def node(self, node_id):
        port = free_port()
        log = os.path.join(self.tmp, node_id + ".log")
        p = subprocess.Popen([os.environ["STATECRAFT_BIN"], "--port", str(port), "--bind",
                              "127.0.0.1", "--redis", self.redis.url, "--node-id", node_id,
                              "--task-token-secret", SECRET, "--log-level", "warn",
                              "--activity-poll-timeout", "2"],
                             stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, cwd=self.tmp)
        self.addCleanup(self.stop, p)
        problem = wait_for_port(p, port, 20)
        if problem:
            self.fail("node %s %s\n%s" % (node_id, problem, tail(log)))
        return sfn(port)

    @staticmethod
    def node_client(c):
        return sfn(int(c.meta.endpoint_url.rsplit(":", 1)[1]))

    @staticmethod
    def stop(p):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def test_worker_name_kept_when_the_answer_overtakes_the_notice(self):
        a, b = self.node("na"), self.node("nb")
        self.ports = {}
        act = a.create_activity(name=uname("act"))["activityArn"]
        sm = a.create_state_machine(name=uname("sm"), roleArn=ROLE_ARN,
                                    definition=dumps(activity_task_def(act)))["stateMachineArn"]
        # Many at once, so that the notices queue up in the inbox while the
        # answers arrive.
        arns = [a.start_execution(stateMachineArn=sm, input=dumps({"i": i}))["executionArn"]
                for i in range(40)]
        clients = [self.node_client(b) for _ in range(8)], [self.node_client(a) for _ in range(8)]

        def work(k):
            while True:
                task = clients[0][k].get_activity_task(activityArn=act,
                                                       workerName="worker-b-%d" % k)
                if not task.get("taskToken"):
                    return
                clients[1][k].send_task_success(taskToken=task["taskToken"], output=task["input"])

        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for i, arn in enumerate(arns):
            d = wait_for_status(a, arn, timeout=20)
            self.assertEqual(d["status"], "SUCCEEDED", d)
            events = full_history(a, arn)
            types = [e["type"] for e in events]
            self.assertEqual(types.count("ActivityStarted"), 1, types)
            started = [e for e in events if e["type"] == "ActivityStarted"][0]
            # Which node handed the task out is up to the shared queue; the
            # name is the one the worker gave.
            self.assertTrue(started["activityStartedEventDetails"].get("workerName", "")
                            .startswith("worker-b-"), started)
            self.assertLess(types.index("ActivityStarted"), types.index("ActivitySucceeded"))


if __name__ == "__main__":
    unittest.main()
