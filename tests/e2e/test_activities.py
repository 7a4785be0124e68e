"""Activities: CRUD, GetActivityTask long polling, SendTaskSuccess /
SendTaskFailure / SendTaskHeartbeat, task tokens and timeouts."""

import json
import threading
import time
import unittest

from common import (E2ETestCase, activity_arn, activity_task_def, client, event_types,
                    full_history, poll_task, run_threads, uname, wait_for_status)


class ActivityCrud(E2ETestCase):

    def test_create_and_describe(self):
        name = uname("act")
        r = self.sfn.create_activity(name=name)
        self.addCleanup(self._quiet, self.sfn.delete_activity, activityArn=r["activityArn"])
        self.assertEqual(r["activityArn"], "arn:aws:states:us-east-1:123456789012:activity:" + name)
        self.assertRecent(r["creationDate"])
        d = self.sfn.describe_activity(activityArn=r["activityArn"])
        self.assertEqual({k: v for k, v in d.items() if k != "ResponseMetadata"},
                         {"activityArn": r["activityArn"], "name": name, "creationDate": r["creationDate"],
                          "encryptionConfiguration": {"type": "AWS_OWNED_KEY"}})

    def test_create_is_idempotent(self):
        name = uname("act")
        a = self.sfn.create_activity(name=name)
        self.addCleanup(self._quiet, self.sfn.delete_activity, activityArn=a["activityArn"])
        b = self.sfn.create_activity(name=name)
        self.assertEqual(b["activityArn"], a["activityArn"])
        self.assertEqual(b["creationDate"], a["creationDate"])

    def test_list_contains_activity(self):
        arn, name = self.create_activity()
        created = self.sfn.describe_activity(activityArn=arn)["creationDate"]
        found, token = [], None
        while True:
            kw = {"maxResults": 1000}
            if token:
                kw["nextToken"] = token
            r = self.sfn.list_activities(**kw)
            found.extend(a for a in r["activities"] if a["activityArn"] == arn)
            token = r.get("nextToken")
            if not token:
                break
        self.assertEqual(found, [{"activityArn": arn, "name": name, "creationDate": created}])

    def test_list_pagination(self):
        mine = {self.create_activity()[0] for _ in range(3)}
        seen, token, pages = [], None, 0
        while True:
            kw = {"maxResults": 1}
            if token:
                kw["nextToken"] = token
            r = self.sfn.list_activities(**kw)
            pages += 1
            self.assertLessEqual(len(r["activities"]), 1)
            seen.extend(a["activityArn"] for a in r["activities"])
            token = r.get("nextToken")
            if not token:
                break
            self.assertLess(pages, 5000)
        self.assertEqual(len(seen), len(set(seen)))
        self.assertTrue(mine.issubset(seen))

    def test_list_invalid_token(self):
        self.assertClientError(self.sfn.exceptions.InvalidToken, self.sfn.list_activities,
                               nextToken="not-a-real-token")

    def test_describe_unknown(self):
        self.assertClientError(self.sfn.exceptions.ActivityDoesNotExist, self.sfn.describe_activity,
                               activityArn=activity_arn(uname("missing")))

    def test_describe_malformed_arn(self):
        self.assertClientError(self.sfn.exceptions.InvalidArn, self.sfn.describe_activity,
                               activityArn="not:an:arn")

    def test_delete(self):
        arn, _ = self.create_activity()
        r = self.sfn.delete_activity(activityArn=arn)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertClientError(self.sfn.exceptions.ActivityDoesNotExist, self.sfn.describe_activity,
                               activityArn=arn)

    def test_delete_unknown_succeeds(self):
        r = self.sfn.delete_activity(activityArn=activity_arn(uname("never")))
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)

    def test_invalid_name(self):
        for bad in ["a b", "a*b", "a?b", "a<b"]:
            with self.subTest(name=bad):
                self.assertClientError(self.sfn.exceptions.InvalidName, self.sfn.create_activity, name=bad)

    def test_get_activity_task_unknown_activity(self):
        self.assertClientError(self.sfn.exceptions.ActivityDoesNotExist, self.sfn.get_activity_task,
                               activityArn=activity_arn(uname("missing")), workerName="w1")

    def test_get_activity_task_malformed_arn(self):
        self.assertClientError(self.sfn.exceptions.InvalidArn, self.sfn.get_activity_task,
                               activityArn="bogus")


class Polling(E2ETestCase):

    def test_empty_poll_returns_after_poll_timeout(self):
        # The node runs with --activity-poll-timeout 2 (AWS: 60 s). With no
        # task the call returns 200 with no (or an empty) taskToken.
        arn, _ = self.create_activity()
        t0 = time.monotonic()
        r = self.sfn.get_activity_task(activityArn=arn, workerName="w1")
        elapsed = time.monotonic() - t0
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertFalse(r.get("taskToken"), r)
        self.assertFalse(r.get("input"), r)
        self.assertGreaterEqual(elapsed, 1.0)
        self.assertLessEqual(elapsed, 6.0)

    def test_waiting_poller_is_woken_by_new_task(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm(activity_task_def(act))
        got = {}

        def worker():
            t0 = time.monotonic()
            got["r"] = self.sfn.get_activity_task(activityArn=act, workerName="w1")
            got["t"] = time.monotonic() - t0

        th = threading.Thread(target=worker, daemon=True)
        th.start()
        time.sleep(0.3)  # the poller is now waiting
        ex = self.start(sm, {"woken": True})
        th.join(10)
        self.assertFalse(th.is_alive())
        if not got["r"].get("taskToken"):
            # Allowed only if the poll expired just before the task arrived.
            r = poll_task(self.sfn, act)
        else:
            r = got["r"]
            self.assertLess(got["t"], 2.5)
        self.assertJsonEqual(r["input"], {"woken": True})
        self.sfn.send_task_success(taskToken=r["taskToken"], output="{}")
        self.assertEqual(wait_for_status(self.sfn, ex)["status"], "SUCCEEDED")

    def test_concurrent_pollers_get_distinct_tasks(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm(activity_task_def(act))
        execs = [self.start(sm, {"i": i}) for i in range(4)]
        clients = [client() for _ in range(4)]
        results = run_threads([lambda c=c: poll_task(c, act, worker="w%d" % i)
                               for i, c in enumerate(clients)], timeout=30)
        tokens = [r["taskToken"] for r in results]
        self.assertEqual(len(set(tokens)), 4, "pollers received the same task")
        self.assertEqual(sorted(json.loads(r["input"])["i"] for r in results), [0, 1, 2, 3])
        for r in results:
            i = json.loads(r["input"])["i"]
            self.sfn.send_task_success(taskToken=r["taskToken"], output=json.dumps({"done": i}))
        for i, ex in enumerate(execs):
            d = wait_for_status(self.sfn, ex)
            self.assertEqual(d["status"], "SUCCEEDED")
            self.assertJsonEqual(d["output"], {"done": i})


class TaskLifecycle(E2ETestCase):

    def test_success_and_history(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm(activity_task_def(act))
        inp = json.dumps({"job": 7})
        ex = self.start(sm, inp)
        result = {}

        def worker():
            c = client()
            t = poll_task(c, act, worker="w1")
            result["task"] = t
            c.send_task_success(taskToken=t["taskToken"], output=json.dumps({"result": "done", "job": 7}))

        th = threading.Thread(target=worker, daemon=True)
        th.start()
        th.join(15)
        self.assertIn("task", result, "worker got no task")
        # The effective task input is the state input after InputPath /
        # Parameters processing: compare as JSON (serialisation may differ).
        self.assertJsonEqual(result["task"]["input"], {"job": 7})
        self.assertTrue(result["task"]["taskToken"])

        d = wait_for_status(self.sfn, ex)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertJsonEqual(d["output"], {"result": "done", "job": 7})

        ev = full_history(self.sfn, ex)
        self.assertEqual(event_types(ev), ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled",
                                           "ActivityStarted", "ActivitySucceeded", "TaskStateExited",
                                           "ExecutionSucceeded"])
        self.assertEqual([(e["id"], e["previousEventId"]) for e in ev],
                         [(1, 0), (2, 0), (3, 2), (4, 3), (5, 4), (6, 5), (7, 6)])
        entered = dict(ev[1]["stateEnteredEventDetails"])
        self.assertJsonEqual(entered.pop("input"), {"job": 7})
        self.assertEqual(entered, {"name": "T", "inputDetails": {"truncated": False}})
        sched = dict(ev[2]["activityScheduledEventDetails"])
        self.assertJsonEqual(sched.pop("input"), {"job": 7})
        self.assertEqual(sched, {"resource": act, "inputDetails": {"truncated": False}})
        self.assertEqual(ev[3]["activityStartedEventDetails"], {"workerName": "w1"})
        succ = ev[4]["activitySucceededEventDetails"]
        self.assertJsonEqual(succ["output"], {"result": "done", "job": 7})
        self.assertEqual(succ["outputDetails"], {"truncated": False})
        self.assertEqual(ev[5]["stateExitedEventDetails"]["name"], "T")
        self.assertJsonEqual(ev[5]["stateExitedEventDetails"]["output"], {"result": "done", "job": 7})

    def test_scheduled_event_has_timeouts_when_set(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm(activity_task_def(act, TimeoutSeconds=30, HeartbeatSeconds=10))
        ex = self.start(sm, {})
        t = poll_task(self.sfn, act)
        self.sfn.send_task_success(taskToken=t["taskToken"], output='"ok"')
        self.assertEqual(wait_for_status(self.sfn, ex)["status"], "SUCCEEDED")
        ev = full_history(self.sfn, ex)
        sched = [e for e in ev if e["type"] == "ActivityScheduled"][0]["activityScheduledEventDetails"]
        self.assertEqual(sched["timeoutInSeconds"], 30)
        self.assertEqual(sched["heartbeatInSeconds"], 10)
        self.assertEqual(sched["resource"], act)

    def test_task_input_is_after_parameters(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm(activity_task_def(act, Parameters={"x.$": "$.a", "const": 1},
                                                 ResultPath="$.res"))
        ex = self.start(sm, {"a": "A", "keep": True})
        t = poll_task(self.sfn, act)
        self.assertJsonEqual(t["input"], {"x": "A", "const": 1})
        self.sfn.send_task_success(taskToken=t["taskToken"], output='{"r": 2}')
        d = wait_for_status(self.sfn, ex)
        self.assertJsonEqual(d["output"], {"a": "A", "keep": True, "res": {"r": 2}})

    def test_failure(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm(activity_task_def(act))
        ex = self.start(sm, {})
        t = poll_task(self.sfn, act)
        r = self.sfn.send_task_failure(taskToken=t["taskToken"], error="Worker.Broke", cause="disk on fire")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        d = wait_for_status(self.sfn, ex)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "Worker.Broke")
        self.assertEqual(d["cause"], "disk on fire")
        ev = full_history(self.sfn, ex)
        self.assertEqual(event_types(ev), ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled",
                                           "ActivityStarted", "ActivityFailed", "ExecutionFailed"])
        self.assertEqual(ev[4]["activityFailedEventDetails"], {"error": "Worker.Broke",
                                                               "cause": "disk on fire"})
        self.assertEqual(ev[5]["executionFailedEventDetails"], {"error": "Worker.Broke",
                                                                "cause": "disk on fire"})
        self.assertEqual(ev[5]["previousEventId"], ev[4]["id"])

    def test_failure_caught(self):
        act, _ = self.create_activity()
        d = {"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": act, "End": True,
                  "Catch": [{"ErrorEquals": ["Worker.Broke"], "ResultPath": "$.err", "Next": "Handled"}]},
            "Handled": {"Type": "Pass", "End": True}}}
        sm, _ = self.create_sm(d)
        ex = self.start(sm, {"in": 1})
        t = poll_task(self.sfn, act)
        self.sfn.send_task_failure(taskToken=t["taskToken"], error="Worker.Broke", cause="c")
        desc = wait_for_status(self.sfn, ex)
        self.assertEqual(desc["status"], "SUCCEEDED")
        self.assertJsonEqual(desc["output"], {"in": 1, "err": {"Error": "Worker.Broke", "Cause": "c"}})

    def test_heartbeat(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm(activity_task_def(act, HeartbeatSeconds=30))
        ex = self.start(sm, {})
        t = poll_task(self.sfn, act)
        r = self.sfn.send_task_heartbeat(taskToken=t["taskToken"])
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual({k: v for k, v in r.items() if k != "ResponseMetadata"}, {})
        self.sfn.send_task_success(taskToken=t["taskToken"], output="{}")
        self.assertEqual(wait_for_status(self.sfn, ex)["status"], "SUCCEEDED")

    def test_invalid_output(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm(activity_task_def(act))
        ex = self.start(sm, {})
        t = poll_task(self.sfn, act)
        self.assertClientError(self.sfn.exceptions.InvalidOutput, self.sfn.send_task_success,
                               taskToken=t["taskToken"], output="not json {")
        # The task is still open and can be completed.
        self.assertEqual(self.sfn.describe_execution(executionArn=ex)["status"], "RUNNING")
        self.sfn.send_task_success(taskToken=t["taskToken"], output='{"fine": 1}')
        d = wait_for_status(self.sfn, ex)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertJsonEqual(d["output"], {"fine": 1})

    def test_forged_and_altered_tokens(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm(activity_task_def(act))
        ex = self.start(sm, {})
        self.addCleanup(self._quiet, self.sfn.stop_execution, executionArn=ex)
        t = poll_task(self.sfn, act)
        token = t["taskToken"]
        mid = len(token) // 2
        altered = token[:mid] + ("A" if token[mid] != "A" else "B") + token[mid + 1:]
        for bad in ["forged-token", "x" * 200, altered]:
            with self.subTest(token=bad[:40]):
                self.assertClientError(self.sfn.exceptions.InvalidToken, self.sfn.send_task_success,
                                       taskToken=bad, output="{}")
                self.assertClientError(self.sfn.exceptions.InvalidToken, self.sfn.send_task_failure,
                                       taskToken=bad)
                self.assertClientError(self.sfn.exceptions.InvalidToken, self.sfn.send_task_heartbeat,
                                       taskToken=bad)
        self.assertEqual(self.sfn.describe_execution(executionArn=ex)["status"], "RUNNING")

    def test_token_of_finished_task(self):
        # AWS documents TaskDoesNotExist for this; in practice AWS has also been
        # seen answering TaskTimedOut ("Provided task does not exist anymore").
        act, _ = self.create_activity()
        sm, _ = self.create_sm(activity_task_def(act))
        ex = self.start(sm, {})
        t = poll_task(self.sfn, act)
        self.sfn.send_task_success(taskToken=t["taskToken"], output="{}")
        self.assertEqual(wait_for_status(self.sfn, ex)["status"], "SUCCEEDED")
        for fn, kw in [(self.sfn.send_task_success, {"output": "{}"}),
                       (self.sfn.send_task_failure, {}),
                       (self.sfn.send_task_heartbeat, {})]:
            with self.subTest(op=fn.__name__):
                with self.assertRaises(self.sfn.exceptions.ClientError) as cm:
                    fn(taskToken=t["taskToken"], **kw)
                self.assertIn(cm.exception.response["Error"]["Code"], ("TaskDoesNotExist", "TaskTimedOut"))

    def test_task_timeout(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm(activity_task_def(act, TimeoutSeconds=1))
        ex = self.start(sm, {})
        t = poll_task(self.sfn, act)
        d = wait_for_status(self.sfn, ex, timeout=8)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.Timeout")
        ev = full_history(self.sfn, ex)
        self.assertEqual(event_types(ev), ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled",
                                           "ActivityStarted", "ActivityTimedOut", "ExecutionFailed"])
        self.assertEqual(ev[2]["activityScheduledEventDetails"]["timeoutInSeconds"], 1)
        self.assertNotIn("heartbeatInSeconds", ev[2]["activityScheduledEventDetails"])
        self.assertEqual(ev[4]["activityTimedOutEventDetails"]["error"], "States.Timeout")
        self.assertEqual(ev[5]["executionFailedEventDetails"]["error"], "States.Timeout")
        span = (ev[4]["timestamp"] - ev[2]["timestamp"]).total_seconds()
        self.assertGreaterEqual(span, 0.9)
        self.assertLess(span, 5)
        self.assertClientError(self.sfn.exceptions.TaskTimedOut, self.sfn.send_task_success,
                               taskToken=t["taskToken"], output="{}")
        self.assertClientError(self.sfn.exceptions.TaskTimedOut, self.sfn.send_task_heartbeat,
                               taskToken=t["taskToken"])

    def test_task_closed_before_any_poll_is_never_handed_out(self):
        # Nobody polls until the task has timed out (on Redis it waits in the
        # shared queue meanwhile); later polls must not get the dead task.
        act, _ = self.create_activity()
        sm, _ = self.create_sm(activity_task_def(act, TimeoutSeconds=1))
        ex = self.start(sm, {})
        d = wait_for_status(self.sfn, ex, timeout=8)
        self.assertEqual(d["error"], "States.Timeout")
        ex2 = self.start(sm, {})
        t = poll_task(self.sfn, act)
        self.sfn.send_task_success(taskToken=t["taskToken"], output="{}")
        self.assertEqual(wait_for_status(self.sfn, ex2, timeout=8)["status"], "SUCCEEDED")
        self.assertNotIn("taskToken", self.sfn.get_activity_task(activityArn=act))

    def test_heartbeat_timeout(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm(activity_task_def(act, TimeoutSeconds=30, HeartbeatSeconds=1))
        ex = self.start(sm, {})
        t = poll_task(self.sfn, act)
        d = wait_for_status(self.sfn, ex, timeout=8)
        self.assertEqual(d["status"], "FAILED")
        # Since 2021 AWS distinguishes States.HeartbeatTimeout (catchable on its
        # own); before that a missed heartbeat was States.Timeout.
        self.assertIn(d["error"], ("States.HeartbeatTimeout", "States.Timeout"))
        ev = full_history(self.sfn, ex)
        self.assertEqual(ev[-2]["type"], "ActivityTimedOut")
        self.assertEqual(ev[-2]["activityTimedOutEventDetails"]["error"], d["error"])
        self.assertEqual(ev[-1]["executionFailedEventDetails"]["error"], d["error"])
        self.assertClientError(self.sfn.exceptions.TaskTimedOut, self.sfn.send_task_success,
                               taskToken=t["taskToken"], output="{}")

    def test_stopped_execution_token(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm(activity_task_def(act))
        ex = self.start(sm, {})
        t = poll_task(self.sfn, act)
        self.sfn.stop_execution(executionArn=ex)
        self.assertEqual(wait_for_status(self.sfn, ex)["status"], "ABORTED")
        with self.assertRaises(self.sfn.exceptions.ClientError) as cm:
            self.sfn.send_task_success(taskToken=t["taskToken"], output="{}")
        self.assertIn(cm.exception.response["Error"]["Code"], ("TaskDoesNotExist", "TaskTimedOut"))


if __name__ == "__main__":
    unittest.main()


class ClosedCopiesInTheSharedQueue(E2ETestCase):
    """On Redis, a task no worker here is waiting for goes to the shared
    queue at once, and one that times out there is only marked closed: its
    copy stays queued until a pop drops it. A live task behind more closed
    copies than one run of the pop script drops (64) must still reach the
    waiting poll. (Before the pop went on past 64, the parked poll's next
    re-check found it: this guards the property, not that latency.) On the
    memory store the queue is the node's own and this is an ordinary
    hand-out."""

    CLOSED = 70  # more than the 64 copies one run of the pop script drops

    def test_task_behind_many_closed_copies(self):
        act, _ = self.create_activity()
        short, _ = self.create_sm(activity_task_def(act, TimeoutSeconds=1))
        arns = [self.start(short) for _ in range(self.CLOSED)]
        for arn in arns:
            self.assertEqual(wait_for_status(self.sfn, arn, timeout=30)["status"], "FAILED")
        longer, _ = self.create_sm(activity_task_def(act, TimeoutSeconds=60))
        live = self.start(longer, {"live": True})
        self.addCleanup(self._quiet, self.sfn.stop_execution, executionArn=live)
        r = self.sfn.get_activity_task(activityArn=act, workerName="behind")
        self.assertTrue(r.get("taskToken"), "the poll found no task behind %d closed copies" % self.CLOSED)
        self.assertEqual(json.loads(r["input"]), {"live": True})
