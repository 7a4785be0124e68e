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

import threading
import time
import unittest

import botocore.exceptions

import secnode
from common import PASS_DEF, REGION, ROLE_ARN, dumps, uname

DEF = dumps(PASS_DEF)
SM_LIMIT = 3
ACTIVITY_LIMIT = 2
POLLER_LIMIT = 2
POLL_SECONDS = 10


class Quotas(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = secnode.Node(args=["--state-machine-limit", str(SM_LIMIT),
                                      "--activity-limit", str(ACTIVITY_LIMIT),
                                      "--activity-poller-limit", str(POLLER_LIMIT),
                                      "--activity-poll-timeout", str(POLL_SECONDS)], name="quotas")
        cls.url = cls.node.url
        cls.sfn = cls.node.client(region=REGION, read_timeout=POLL_SECONDS + 30)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def error_code(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]

    def cli_error(self, code, *args):
        if secnode.AWS is None:
            return
        rc, _, err = self.node.cli(*args, region=REGION)
        self.assertIn(rc, (254, 255), err)  # CLI v2 / v1 service error
        self.assertIn("(%s)" % code, err)

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
            got[i] = (self.node.client(region=REGION, read_timeout=POLL_SECONDS + 30).get_activity_task(activityArn=arn, workerName="w%d" % i),
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
