"""AWS's account quotas on state machines and activities (config `limits:`).

AWS refuses CreateStateMachine past its quota of state machines per account
and Region (StateMachineLimitExceeded) and CreateActivity past its quota of
activities (ActivityLimitExceeded). The node under test here is a node of its
own, started with `--state-machine-limit 3 --activity-limit 2
--activity-poller-limit 2` (on a Redis of its own when the suite runs with
--with-redis), so the limits are reached with a handful of calls. AWS also
refuses GetActivityTask when too many workers poll one activity at once
(ActivityWorkerLimitExceeded); Statecraft counts the polls waiting on the
node that received them. Each refusal is checked with boto3 and with the AWS
CLI (its service-error exit status and the error code on stderr).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import boto3
import botocore.config
import botocore.exceptions

from common import PASS_DEF, REGION, ROLE_ARN, dumps, uname

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Redis, free_port, tail, wait_for_port  # noqa: E402

AWS = shutil.which("aws")
DEF = dumps(PASS_DEF)
SM_LIMIT = 3
ACTIVITY_LIMIT = 2
POLLER_LIMIT = 2
POLL_SECONDS = 10


def cli_env():
    env = dict(os.environ)
    env.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_DEFAULT_REGION": REGION, "AWS_MAX_ATTEMPTS": "1", "AWS_PAGER": "",
                "AWS_EC2_METADATA_DISABLED": "true"})
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        env.pop(k, None)
    return env


class Quotas(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        binary = os.environ.get("STATECRAFT_BIN")
        if not binary:
            raise unittest.SkipTest("STATECRAFT_BIN is not set; run via tests/e2e/run.py")
        cls.tmp = tempfile.mkdtemp(prefix="statecraft-e2e-quotas-")
        cls.redis = None
        cls.port = free_port()
        cmd = [binary, "--port", str(cls.port), "--bind", "127.0.0.1", "--log-level", "warn",
               "--state-machine-limit", str(SM_LIMIT), "--activity-limit", str(ACTIVITY_LIMIT),
               "--activity-poller-limit", str(POLLER_LIMIT),
               "--activity-poll-timeout", str(POLL_SECONDS)]
        if os.environ.get("E2E_WITH_REDIS"):
            cls.redis = Redis(cls.tmp)
            cls.redis.start(10)
            cmd += ["--redis", cls.redis.url]
        cls.log = os.path.join(cls.tmp, "statecraftd.log")
        with open(cls.log, "wb") as log:
            cls.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, cwd=cls.tmp)
        problem = wait_for_port(cls.proc, cls.port, 20)
        if problem:
            cls._stop()
            raise RuntimeError("quota node %s\n%s" % (problem, tail(cls.log)))
        cls.url = "http://127.0.0.1:%d" % cls.port
        cls.sfn = cls.new_client()

    @classmethod
    def new_client(cls):
        return boto3.client("stepfunctions", endpoint_url=cls.url, region_name=REGION,
                               aws_access_key_id="test", aws_secret_access_key="test",
                               config=botocore.config.Config(retries={"max_attempts": 1},
                                                             read_timeout=POLL_SECONDS + 30))

    @classmethod
    def _stop(cls):
        p = cls.proc
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if cls.redis is not None:
            cls.redis.stop()

    @classmethod
    def tearDownClass(cls):
        cls._stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def error_code(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]

    def cli_error(self, code, *args):
        if AWS is None:
            return
        p = subprocess.run([AWS, "stepfunctions", *args, "--endpoint-url", self.url,
                            "--output", "json"], env=cli_env(), capture_output=True, text=True,
                           timeout=60)
        self.assertIn(p.returncode, (254, 255), p.stderr)  # CLI v2 / v1 service error
        self.assertIn("(%s)" % code, p.stderr)

    def test_create_state_machine_past_the_limit(self):
        names = [uname("q") for _ in range(SM_LIMIT)]
        arns = [self.sfn.create_state_machine(name=n, definition=DEF, roleArn=ROLE_ARN)
                ["stateMachineArn"] for n in names]
        self.assertEqual(len(self.sfn.list_state_machines()["stateMachines"]), SM_LIMIT)
        # One more: refused, and nothing is created.
        extra = uname("q")
        code, msg = self.error_code(self.sfn.create_state_machine, name=extra,
                                    definition=DEF, roleArn=ROLE_ARN)
        self.assertEqual(code, "StateMachineLimitExceeded")
        self.assertIn(str(SM_LIMIT), msg)
        self.cli_error("StateMachineLimitExceeded", "create-state-machine", "--name", extra,
                       "--definition", DEF, "--role-arn", ROLE_ARN)
        self.assertEqual(len(self.sfn.list_state_machines()["stateMachines"]), SM_LIMIT)
        # Repeating the create of an existing machine is idempotent at the limit.
        again = self.sfn.create_state_machine(name=names[0], definition=DEF, roleArn=ROLE_ARN)
        self.assertEqual(again["stateMachineArn"], arns[0])
        # A deleted machine frees its place.
        self.sfn.delete_state_machine(stateMachineArn=arns[0])
        new = self.sfn.create_state_machine(name=extra, definition=DEF, roleArn=ROLE_ARN)
        self.assertTrue(new["stateMachineArn"].endswith(":" + extra))
        code, _ = self.error_code(self.sfn.create_state_machine, name=uname("q"),
                                  definition=DEF, roleArn=ROLE_ARN)
        self.assertEqual(code, "StateMachineLimitExceeded")

    def test_create_activity_past_the_limit(self):
        names = [uname("qa") for _ in range(ACTIVITY_LIMIT)]
        arns = [self.sfn.create_activity(name=n)["activityArn"] for n in names]
        extra = uname("qa")
        code, msg = self.error_code(self.sfn.create_activity, name=extra)
        self.assertEqual(code, "ActivityLimitExceeded")
        self.assertIn(str(ACTIVITY_LIMIT), msg)
        self.cli_error("ActivityLimitExceeded", "create-activity", "--name", extra)
        self.assertEqual(len(self.sfn.list_activities()["activities"]), ACTIVITY_LIMIT)
        self.assertEqual(self.sfn.create_activity(name=names[1])["activityArn"], arns[1])
        self.sfn.delete_activity(activityArn=arns[0])
        self.assertTrue(self.sfn.create_activity(name=extra)["activityArn"].endswith(":" + extra))
        code, _ = self.error_code(self.sfn.create_activity, name=uname("qa"))
        self.assertEqual(code, "ActivityLimitExceeded")

    def test_get_activity_task_past_the_poller_limit(self):
        # Any activity (the activity test may have filled the quota already).
        have = self.sfn.list_activities()["activities"]
        arn = have[0]["activityArn"] if have else self.sfn.create_activity(name=uname("qp"))["activityArn"]
        got = {}

        def park(i):
            t0 = time.monotonic()
            got[i] = (self.new_client().get_activity_task(activityArn=arn, workerName="w%d" % i),
                      time.monotonic() - t0)

        threads = [threading.Thread(target=park, args=(i,)) for i in range(POLLER_LIMIT)]
        for t in threads:
            t.start()
        time.sleep(1.0)  # both polls are parked (no task: nothing runs on the activity)
        t0 = time.monotonic()
        code, msg = self.error_code(self.sfn.get_activity_task, activityArn=arn, workerName="x")
        self.assertEqual(code, "ActivityWorkerLimitExceeded")
        self.assertLess(time.monotonic() - t0, POLL_SECONDS - 2)  # refused, not parked
        self.cli_error("ActivityWorkerLimitExceeded", "get-activity-task", "--activity-arn", arn)
        for t in threads:
            t.join(POLL_SECONDS + 30)
        # The parked polls ended empty after the poll timeout, not refused.
        self.assertEqual(sorted(got), list(range(POLLER_LIMIT)))
        for r, took in got.values():
            self.assertNotIn("taskToken", r)
            self.assertGreater(took, POLL_SECONDS - 1)
        # With them gone a poll parks again (and ends empty).
        r = self.sfn.get_activity_task(activityArn=arn, workerName="again")
        self.assertNotIn("taskToken", r)


if __name__ == "__main__":
    unittest.main()
