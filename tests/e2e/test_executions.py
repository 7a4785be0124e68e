"""Executions: StartExecution, DescribeExecution, ListExecutions,
StopExecution, GetExecutionHistory, StartSyncExecution."""

import json
import time
import unittest

import botocore.exceptions

from common import (ACCOUNT, E2ETestCase, PASS_DEF, REGION, ROLE_ARN, WAIT_DEF, dumps,
                    event_types, exec_arn, express_exec_prefix, full_history, post_json,
                    sm_arn, uname, wait_for_status)

# Pass -> Choice -> Pass(Parameters) -> Wait(0) -> Succeed, or Fail.
FLOW_DEF = {
    "Comment": "pass/choice/wait/succeed/fail",
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Result": {"tag": "x", "k": [1, 2]}, "ResultPath": "$.data",
                 "Next": "Check"},
        "Check": {"Type": "Choice",
                  "Choices": [{"Variable": "$.count", "NumericGreaterThan": 2, "Next": "Big"}],
                  "Default": "Small"},
        "Big": {"Type": "Pass",
                "Parameters": {"size": "big", "n.$": "$.count", "orig.$": "$.orig",
                               "tag.$": "$.data.tag", "second.$": "$.data.k[1]"},
                "Next": "Pause"},
        "Small": {"Type": "Fail", "Error": "TooSmall", "Cause": "count too small"},
        "Pause": {"Type": "Wait", "Seconds": 0, "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}

# Pass -> Wait(1) -> Choice -> Succeed (the history test).
HISTORY_DEF = {
    "StartAt": "P",
    "States": {
        "P": {"Type": "Pass", "Result": {"v": 1}, "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 1, "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.v", "NumericEquals": 1, "Next": "S"}],
              "Default": "F"},
        "S": {"Type": "Succeed"},
        "F": {"Type": "Fail"},
    },
}

# Input {"mode": "wait"|"fail"|anything} -> running / FAILED / SUCCEEDED.
MIXED_DEF = {
    "StartAt": "C",
    "States": {
        "C": {"Type": "Choice",
              "Choices": [{"Variable": "$.mode", "StringEquals": "wait", "Next": "W"},
                          {"Variable": "$.mode", "StringEquals": "fail", "Next": "F"}],
              "Default": "S"},
        "W": {"Type": "Wait", "Seconds": 60, "Next": "S"},
        "F": {"Type": "Fail", "Error": "Boom", "Cause": "mode was fail"},
        "S": {"Type": "Succeed"},
    },
}

FAIL_DEF = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Custom.Err", "Cause": "it broke"}}}


def strip_meta(r):
    return {k: v for k, v in r.items() if k != "ResponseMetadata"}


class StartAndDescribe(E2ETestCase):

    def test_flow_succeeds_with_exact_output(self):
        sm, sm_name = self.create_sm(FLOW_DEF)
        r = self.sfn.start_execution(stateMachineArn=sm, name="run1",
                                     input=json.dumps({"count": 3, "orig": "hello"}))
        self.assertEqual(r["executionArn"],
                         "arn:aws:states:us-east-1:123456789012:execution:%s:run1" % sm_name)
        self.assertRecent(r["startDate"])
        d = wait_for_status(self.sfn, r["executionArn"])
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertJsonEqual(d["output"], {"size": "big", "n": 3, "orig": "hello", "tag": "x",
                                           "second": 2})

    def test_flow_fails_with_error_and_cause(self):
        sm, _ = self.create_sm(FLOW_DEF)
        arn = self.start(sm, {"count": 1})
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "TooSmall")
        self.assertEqual(d["cause"], "count too small")
        self.assertNotIn("output", d)
        self.assertIsDatetime(d["stopDate"])
        ev = full_history(self.sfn, arn)
        self.assertEqual(event_types(ev)[-2:], ["FailStateEntered", "ExecutionFailed"])
        self.assertEqual(ev[-1]["executionFailedEventDetails"], {"error": "TooSmall",
                                                                 "cause": "count too small"})

    def test_describe_succeeded_fields(self):
        sm, sm_name = self.create_sm(PASS_DEF)
        inp = json.dumps({"hello": "world"})
        r = self.sfn.start_execution(stateMachineArn=sm, name="d1", input=inp)
        d = wait_for_status(self.sfn, r["executionArn"])
        got = strip_meta(d)
        for optional in ("redriveCount", "redriveStatus", "redriveStatusReason"):
            got.pop(optional, None)
        self.assertLessEqual(got["startDate"], got["stopDate"])
        self.assertEqual(got["startDate"], r["startDate"])
        got.pop("startDate")
        got.pop("stopDate")
        self.assertEqual(got, {
            "executionArn": exec_arn(sm_name, "d1"),
            "stateMachineArn": sm,
            "name": "d1",
            "status": "SUCCEEDED",
            "input": inp,
            "inputDetails": {"included": True},
            "output": got["output"],
            "outputDetails": {"included": True},
        })
        self.assertJsonEqual(got["output"], {"ok": True})

    def test_describe_running_has_no_stop_date_or_output(self):
        sm, _ = self.create_sm(WAIT_DEF)
        arn = self.start(sm, {"a": 1})
        self.addCleanup(self._quiet, self.sfn.stop_execution, executionArn=arn)
        d = self.sfn.describe_execution(executionArn=arn)
        self.assertEqual(d["status"], "RUNNING")
        self.assertNotIn("stopDate", d)
        self.assertNotIn("output", d)
        self.assertJsonEqual(d["input"], {"a": 1})

    def test_generated_name_and_default_input(self):
        sm, sm_name = self.create_sm(PASS_DEF)
        arn = self.sfn.start_execution(stateMachineArn=sm)["executionArn"]
        prefix = "arn:aws:states:us-east-1:123456789012:execution:%s:" % sm_name
        self.assertTrue(arn.startswith(prefix), arn)
        gen = arn[len(prefix):]
        self.assertTrue(0 < len(gen) <= 80 and ":" not in gen, gen)
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(d["name"], gen)
        self.assertEqual(d["input"], "{}")  # omitted input is "{}"

    def test_two_generated_names_differ(self):
        sm, _ = self.create_sm(PASS_DEF)
        a = self.sfn.start_execution(stateMachineArn=sm)["executionArn"]
        b = self.sfn.start_execution(stateMachineArn=sm)["executionArn"]
        self.assertNotEqual(a, b)

    def test_same_execution_name_on_two_state_machines(self):
        sm1, n1 = self.create_sm(PASS_DEF)
        sm2, n2 = self.create_sm(PASS_DEF)
        a = self.start(sm1, {}, name="shared")
        b = self.start(sm2, {}, name="shared")
        self.assertEqual(a, exec_arn(n1, "shared"))
        self.assertEqual(b, exec_arn(n2, "shared"))

    def test_unicode_input_round_trips(self):
        sm, _ = self.create_sm({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
        payload = {"s": "zażółć gęślą jaźń ✓ \U0001F600", "n": [1.5, -2, True, None]}
        arn, d = self.run_to_end(sm, payload)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertJsonEqual(d["output"], payload)
        self.assertJsonEqual(d["input"], payload)


class Concurrency(E2ETestCase):

    def test_many_concurrent_executions(self):
        from common import client, run_threads
        sm, _ = self.create_sm({"StartAt": "P", "States": {
            "P": {"Type": "Pass", "Parameters": {"i.$": "$.i", "done": True}, "Next": "W"},
            "W": {"Type": "Wait", "Seconds": 0, "End": True}}})

        def starter(t):
            c = client()
            return [c.start_execution(stateMachineArn=sm, name="c%d-%d" % (t, k),
                                      input=json.dumps({"i": t * 100 + k}))["executionArn"]
                    for k in range(6)]

        arns = [a for batch in run_threads([lambda t=t: starter(t) for t in range(8)], timeout=60) for a in batch]
        self.assertEqual(len(set(arns)), 48)
        for a in arns:
            d = wait_for_status(self.sfn, a, timeout=20)
            self.assertEqual(d["status"], "SUCCEEDED")
            t, k = d["name"][1:].split("-")
            self.assertJsonEqual(d["output"], {"i": int(t) * 100 + int(k), "done": True})
        listed, token = [], None
        while True:
            kw = {"stateMachineArn": sm, "maxResults": 20}
            if token:
                kw["nextToken"] = token
            r = self.sfn.list_executions(**kw)
            listed.extend(e["executionArn"] for e in r["executions"])
            token = r.get("nextToken")
            if not token:
                break
        self.assertEqual(sorted(listed), sorted(arns))

    def test_trace_header_echoed(self):
        # DescribeExecution documents traceHeader as "the X-Ray trace header
        # that was passed to the execution" (StartExecution's traceHeader
        # member, or the X-Amzn-Trace-Id HTTP header, which takes precedence).
        sm, _ = self.create_sm(PASS_DEF)
        th = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
        arn = self.sfn.start_execution(stateMachineArn=sm, traceHeader=th)["executionArn"]
        self.assertEqual(wait_for_status(self.sfn, arn).get("traceHeader"), th)


class StartIdempotencyAndErrors(E2ETestCase):

    def test_same_name_same_input_while_running_is_idempotent(self):
        sm, _ = self.create_sm(WAIT_DEF)
        inp = json.dumps({"x": 1})
        a = self.sfn.start_execution(stateMachineArn=sm, name="idem", input=inp)
        self.addCleanup(self._quiet, self.sfn.stop_execution, executionArn=a["executionArn"])
        b = self.sfn.start_execution(stateMachineArn=sm, name="idem", input=inp)
        self.assertEqual(b["executionArn"], a["executionArn"])
        self.assertEqual(b["startDate"], a["startDate"])
        running = self.sfn.list_executions(stateMachineArn=sm)["executions"]
        self.assertEqual(len(running), 1)

    def test_same_name_different_input_while_running(self):
        sm, _ = self.create_sm(WAIT_DEF)
        a = self.sfn.start_execution(stateMachineArn=sm, name="idem", input='{"x": 1}')
        self.addCleanup(self._quiet, self.sfn.stop_execution, executionArn=a["executionArn"])
        self.assertClientError(self.sfn.exceptions.ExecutionAlreadyExists, self.sfn.start_execution,
                               stateMachineArn=sm, name="idem", input='{"x": 2}')

    def test_same_name_after_close(self):
        sm, _ = self.create_sm(PASS_DEF)
        a = self.sfn.start_execution(stateMachineArn=sm, name="once", input="{}")
        self.assertEqual(wait_for_status(self.sfn, a["executionArn"])["status"], "SUCCEEDED")
        self.assertClientError(self.sfn.exceptions.ExecutionAlreadyExists, self.sfn.start_execution,
                               stateMachineArn=sm, name="once", input="{}")

    def test_invalid_input(self):
        sm, _ = self.create_sm(PASS_DEF)
        for bad in ["not json", "{", "{'single': 1}", '{"a": 1} trailing']:
            with self.subTest(input=bad):
                self.assertClientError(self.sfn.exceptions.InvalidExecutionInput,
                                       self.sfn.start_execution, stateMachineArn=sm, input=bad)

    def test_non_object_json_input_is_accepted(self):
        # Any JSON text is valid execution input (e.g. an array or a number).
        sm, _ = self.create_sm({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
        for inp in ["[1,2,3]", "42", '"str"']:
            with self.subTest(input=inp):
                arn, d = self.run_to_end(sm, inp)
                self.assertEqual(d["status"], "SUCCEEDED")
                self.assertJsonEqual(d["output"], json.loads(inp))

    def test_unknown_state_machine(self):
        self.assertClientError(self.sfn.exceptions.StateMachineDoesNotExist, self.sfn.start_execution,
                               stateMachineArn=sm_arn(uname("missing")))

    def test_malformed_state_machine_arn(self):
        self.assertClientError(self.sfn.exceptions.InvalidArn, self.sfn.start_execution,
                               stateMachineArn="arn:nope")

    def test_invalid_execution_name(self):
        sm, _ = self.create_sm(PASS_DEF)
        for bad in ["has space", "a*b", "a?b", "a<b", "a/b", "a:b"]:
            with self.subTest(name=bad):
                self.assertClientError(self.sfn.exceptions.InvalidName, self.sfn.start_execution,
                                       stateMachineArn=sm, name=bad)

    def test_execution_name_81_chars(self):
        # Documented by real AWS responses: "ValidationException: 1 validation
        # error detected: Value '...' at 'name' failed to satisfy constraint:
        # Member must have length less than or equal to 80".
        sm, _ = self.create_sm(PASS_DEF)
        self.assertErrorCode("ValidationException", self.sfn.start_execution,
                             stateMachineArn=sm, name="e" * 81)
        arn = self.start(sm, name="e" * 80)
        self.assertTrue(arn.endswith(":" + "e" * 80))

    def test_input_of_exactly_256_kib_is_accepted(self):
        sm, _ = self.create_sm({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "small",
                                                                  "End": True}}})
        inp = json.dumps("a" * (262144 - 2))
        self.assertEqual(len(inp.encode()), 262144)
        arn, d = self.run_to_end(sm, inp)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(d["output"], '"small"')

    def test_input_over_256_kib_is_rejected_by_the_server(self):
        # botocore does not enforce the SensitiveData max length (262144)
        # client-side, so this is the server's check; sent raw to be certain.
        # AWS rejects a request member over its length constraint with HTTP 400
        # ValidationException.
        sm, _ = self.create_sm(PASS_DEF)
        inp = json.dumps("a" * (262145 - 2))
        self.assertEqual(len(inp), 262145)
        resp = post_json("StartExecution", {"stateMachineArn": sm, "input": inp})
        self.assertRawError(resp, "ValidationException")
        self.assertEqual(self.sfn.list_executions(stateMachineArn=sm)["executions"], [])


class Describe(E2ETestCase):

    def test_unknown_execution(self):
        sm, sm_name = self.create_sm(PASS_DEF)
        self.assertClientError(self.sfn.exceptions.ExecutionDoesNotExist, self.sfn.describe_execution,
                               executionArn=exec_arn(sm_name, "never-ran"))

    def test_malformed_execution_arn(self):
        for bad in ["nope", sm_arn("x"), "arn:aws:states:us-east-1:123456789012:execution:onlysm"]:
            with self.subTest(arn=bad):
                self.assertClientError(self.sfn.exceptions.InvalidArn, self.sfn.describe_execution,
                                       executionArn=bad)


class Stop(E2ETestCase):

    def test_stop_running_execution(self):
        sm, _ = self.create_sm(WAIT_DEF)
        arn = self.start(sm, {})
        r = self.sfn.stop_execution(executionArn=arn, error="Halt.Now", cause="test asked")
        self.assertRecent(r["stopDate"])
        d = wait_for_status(self.sfn, arn, timeout=5)
        self.assertEqual(d["status"], "ABORTED")
        self.assertIsDatetime(d["stopDate"])
        self.assertNotIn("output", d)
        ev = full_history(self.sfn, arn)
        types = event_types(ev)
        self.assertEqual(types[:2], ["ExecutionStarted", "WaitStateEntered"])
        self.assertEqual(types[-1], "ExecutionAborted")
        self.assertEqual(types.count("ExecutionAborted"), 1)
        self.assertNotIn("WaitStateExited", types)
        self.assertEqual(ev[-1]["executionAbortedEventDetails"], {"error": "Halt.Now", "cause": "test asked"})
        self.assertEqual(ev[-1]["previousEventId"], ev[-2]["id"])
        self.assertIn("WaitStateEntered", event_types(ev))

    def test_stop_unknown_execution(self):
        self.assertClientError(self.sfn.exceptions.ExecutionDoesNotExist, self.sfn.stop_execution,
                               executionArn=exec_arn(uname("sm"), "nope"))

    def test_stop_malformed_arn(self):
        self.assertClientError(self.sfn.exceptions.InvalidArn, self.sfn.stop_execution,
                               executionArn="garbage")


class ListExecutions(E2ETestCase):

    def setUp(self):
        self.sm, self.sm_name = self.create_sm(MIXED_DEF)
        self.arns = {}
        for name, mode in [("r1", "wait"), ("s1", "ok"), ("f1", "fail"), ("a1", "wait"), ("s2", "ok")]:
            self.arns[name] = self.start(self.sm, {"mode": mode}, name=name)
            self.addCleanup(self._quiet, self.sfn.stop_execution, executionArn=self.arns[name])
            time.sleep(0.01)  # distinct start times
        self.sfn.stop_execution(executionArn=self.arns["a1"])
        for n in ("s1", "f1", "a1", "s2"):
            wait_for_status(self.sfn, self.arns[n])

    def _names(self, **kw):
        return sorted(e["name"] for e in self.sfn.list_executions(stateMachineArn=self.sm, **kw)["executions"])

    def test_status_filter(self):
        self.assertEqual(self._names(), ["a1", "f1", "r1", "s1", "s2"])
        self.assertEqual(self._names(statusFilter="RUNNING"), ["r1"])
        self.assertEqual(self._names(statusFilter="SUCCEEDED"), ["s1", "s2"])
        self.assertEqual(self._names(statusFilter="FAILED"), ["f1"])
        self.assertEqual(self._names(statusFilter="ABORTED"), ["a1"])
        self.assertEqual(self._names(statusFilter="TIMED_OUT"), [])

    def test_items(self):
        items = {e["name"]: e for e in self.sfn.list_executions(stateMachineArn=self.sm)["executions"]}
        r1 = items["r1"]
        self.assertEqual(r1["executionArn"], exec_arn(self.sm_name, "r1"))
        self.assertEqual(r1["stateMachineArn"], self.sm)
        self.assertEqual(r1["status"], "RUNNING")
        self.assertIsDatetime(r1["startDate"])
        self.assertNotIn("stopDate", r1)
        s1 = items["s1"]
        self.assertEqual(s1["status"], "SUCCEEDED")
        self.assertIsDatetime(s1["stopDate"])
        self.assertEqual(items["f1"]["status"], "FAILED")
        self.assertEqual(items["a1"]["status"], "ABORTED")

    def test_most_recent_first(self):
        ex = self.sfn.list_executions(stateMachineArn=self.sm)["executions"]
        starts = [e["startDate"] for e in ex]
        self.assertEqual(starts, sorted(starts, reverse=True))
        self.assertEqual([e["name"] for e in ex], ["s2", "a1", "f1", "s1", "r1"])

    def test_pagination(self):
        pages, token = [], None
        while True:
            kw = {"stateMachineArn": self.sm, "maxResults": 2}
            if token:
                kw["nextToken"] = token
            r = self.sfn.list_executions(**kw)
            pages.append([e["name"] for e in r["executions"]])
            token = r.get("nextToken")
            if not token:
                break
            self.assertLess(len(pages), 10)
        self.assertEqual(pages, [["s2", "a1"], ["f1", "s1"], ["r1"]])

    def test_pagination_with_filter(self):
        r = self.sfn.list_executions(stateMachineArn=self.sm, statusFilter="SUCCEEDED", maxResults=1)
        self.assertEqual([e["name"] for e in r["executions"]], ["s2"])
        r2 = self.sfn.list_executions(stateMachineArn=self.sm, statusFilter="SUCCEEDED", maxResults=1,
                                      nextToken=r["nextToken"])
        self.assertEqual([e["name"] for e in r2["executions"]], ["s1"])
        self.assertNotIn("nextToken", r2)

    def test_invalid_token(self):
        self.assertClientError(self.sfn.exceptions.InvalidToken, self.sfn.list_executions,
                               stateMachineArn=self.sm, nextToken="bogus-token")


class ListExecutionsErrors(E2ETestCase):

    def test_unknown_state_machine(self):
        self.assertClientError(self.sfn.exceptions.StateMachineDoesNotExist, self.sfn.list_executions,
                               stateMachineArn=sm_arn(uname("missing")))

    def test_express_not_supported(self):
        sm, _ = self.create_sm(PASS_DEF, sm_type="EXPRESS")
        self.assertClientError(self.sfn.exceptions.StateMachineTypeNotSupported, self.sfn.list_executions,
                               stateMachineArn=sm)

    def test_malformed_arn(self):
        self.assertClientError(self.sfn.exceptions.InvalidArn, self.sfn.list_executions,
                               stateMachineArn="bad-arn")


class History(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        name = uname("hist")
        cls.sm = cls.sfn.create_state_machine(name=name, definition=json.dumps(HISTORY_DEF),
                                              roleArn=ROLE_ARN)["stateMachineArn"]
        cls.input = json.dumps({"a": 1})
        cls.arn = cls.sfn.start_execution(stateMachineArn=cls.sm, input=cls.input)["executionArn"]
        cls.desc = wait_for_status(cls.sfn, cls.arn, timeout=10)
        cls.events = full_history(cls.sfn, cls.arn)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.sfn.delete_state_machine(stateMachineArn=cls.sm)
        except Exception:
            pass

    EXPECTED = [
        (1, 0, "ExecutionStarted"),
        (2, 0, "PassStateEntered"),
        (3, 2, "PassStateExited"),
        (4, 3, "WaitStateEntered"),
        (5, 4, "WaitStateExited"),
        (6, 5, "ChoiceStateEntered"),
        (7, 6, "ChoiceStateExited"),
        (8, 7, "SucceedStateEntered"),
        (9, 8, "SucceedStateExited"),
        (10, 9, "ExecutionSucceeded"),
    ]

    def test_status(self):
        self.assertEqual(self.desc["status"], "SUCCEEDED")
        self.assertJsonEqual(self.desc["output"], {"v": 1})

    def test_event_sequence_and_ids(self):
        got = [(e["id"], e.get("previousEventId"), e["type"]) for e in self.events]
        self.assertEqual(got, self.EXPECTED)

    def test_timestamps(self):
        ts = [e["timestamp"] for e in self.events]
        for t in ts:
            self.assertIsDatetime(t)
        self.assertEqual(ts, sorted(ts))
        wait = (self.events[4]["timestamp"] - self.events[3]["timestamp"]).total_seconds()
        self.assertGreaterEqual(wait, 0.9, "Wait Seconds=1 lasted %.3fs" % wait)
        self.assertLess(wait, 5)
        self.assertGreaterEqual(self.events[0]["timestamp"], self.desc["startDate"].replace(microsecond=0))

    def test_event_details(self):
        ev = self.events
        truncated = {"truncated": False}
        self.assertEqual(ev[0]["executionStartedEventDetails"],
                         {"input": self.input, "inputDetails": truncated, "roleArn": ROLE_ARN})
        self.assertEqual(ev[1]["stateEnteredEventDetails"],
                         {"name": "P", "input": self.input, "inputDetails": truncated})
        self.assertEqual(ev[2]["stateExitedEventDetails"]["name"], "P")
        self.assertJsonEqual(ev[2]["stateExitedEventDetails"]["output"], {"v": 1})
        self.assertEqual(ev[2]["stateExitedEventDetails"]["outputDetails"], truncated)
        self.assertEqual(ev[3]["stateEnteredEventDetails"]["name"], "W")
        self.assertJsonEqual(ev[3]["stateEnteredEventDetails"]["input"], {"v": 1})
        self.assertEqual(ev[4]["stateExitedEventDetails"]["name"], "W")
        self.assertEqual(ev[5]["stateEnteredEventDetails"]["name"], "C")
        self.assertEqual(ev[6]["stateExitedEventDetails"]["name"], "C")
        self.assertEqual(ev[7]["stateEnteredEventDetails"]["name"], "S")
        self.assertEqual(ev[8]["stateExitedEventDetails"]["name"], "S")
        self.assertJsonEqual(ev[9]["executionSucceededEventDetails"]["output"], {"v": 1})
        self.assertEqual(ev[9]["executionSucceededEventDetails"]["outputDetails"], truncated)
        # Each event carries only its own details member.
        for e in ev:
            details = [k for k in e if k.endswith("EventDetails")]
            self.assertEqual(len(details), 1, e)

    def test_reverse_order(self):
        r = self.sfn.get_execution_history(executionArn=self.arn, reverseOrder=True)
        self.assertEqual([e["id"] for e in r["events"]], list(range(10, 0, -1)))
        self.assertEqual(r["events"], list(reversed(self.events)))

    def test_pagination(self):
        pages, token = [], None
        while True:
            kw = {"executionArn": self.arn, "maxResults": 3}
            if token:
                kw["nextToken"] = token
            r = self.sfn.get_execution_history(**kw)
            pages.append([e["id"] for e in r["events"]])
            token = r.get("nextToken")
            if not token:
                break
            self.assertLess(len(pages), 10)
        self.assertEqual(pages, [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]])

    def test_pagination_reverse(self):
        r = self.sfn.get_execution_history(executionArn=self.arn, maxResults=4, reverseOrder=True)
        self.assertEqual([e["id"] for e in r["events"]], [10, 9, 8, 7])
        r2 = self.sfn.get_execution_history(executionArn=self.arn, maxResults=4, reverseOrder=True,
                                            nextToken=r["nextToken"])
        self.assertEqual([e["id"] for e in r2["events"]], [6, 5, 4, 3])

    def test_exclude_execution_data(self):
        ev = self.sfn.get_execution_history(executionArn=self.arn, includeExecutionData=False)["events"]
        self.assertEqual([e["type"] for e in ev], [t for _, _, t in self.EXPECTED])
        self.assertNotIn("input", ev[0].get("executionStartedEventDetails", {}))
        for e in ev:
            for key in ("stateEnteredEventDetails",):
                if key in e:
                    self.assertNotIn("input", e[key], e)
                    self.assertIn("name", e[key])
            for key in ("stateExitedEventDetails", "executionSucceededEventDetails"):
                if key in e:
                    self.assertNotIn("output", e[key], e)

    def test_invalid_token(self):
        self.assertClientError(self.sfn.exceptions.InvalidToken, self.sfn.get_execution_history,
                               executionArn=self.arn, nextToken="garbage-token")

    def test_unknown_execution(self):
        self.assertClientError(self.sfn.exceptions.ExecutionDoesNotExist, self.sfn.get_execution_history,
                               executionArn=exec_arn(uname("sm"), "nope"))


class Express(E2ETestCase):

    def test_sync_success(self):
        sm, sm_name = self.create_sm(FLOW_DEF, sm_type="EXPRESS")
        inp = json.dumps({"count": 5, "orig": "o"})
        r = self.sfn.start_sync_execution(stateMachineArn=sm, name="sync1", input=inp)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(r["status"], "SUCCEEDED")
        self.assertJsonEqual(r["output"], {"size": "big", "n": 5, "orig": "o", "tag": "x", "second": 2})
        self.assertTrue(r["executionArn"].startswith(express_exec_prefix(sm_name) + "sync1:"),
                        r["executionArn"])
        self.assertEqual(r["stateMachineArn"], sm)
        self.assertEqual(r["name"], "sync1")
        self.assertEqual(r["input"], inp)
        self.assertIsDatetime(r["startDate"])
        self.assertIsDatetime(r["stopDate"])
        self.assertLessEqual(r["startDate"], r["stopDate"])
        self.assertNotIn("error", r)

    def test_sync_failure_is_http_200(self):
        sm, _ = self.create_sm(FAIL_DEF, sm_type="EXPRESS")
        r = self.sfn.start_sync_execution(stateMachineArn=sm, input="{}")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(r["status"], "FAILED")
        self.assertEqual(r["error"], "Custom.Err")
        self.assertEqual(r["cause"], "it broke")
        self.assertNotIn("output", r)
        self.assertIsDatetime(r["stopDate"])

    def test_sync_with_generated_name(self):
        sm, sm_name = self.create_sm(PASS_DEF, sm_type="EXPRESS")
        r = self.sfn.start_sync_execution(stateMachineArn=sm)
        self.assertEqual(r["status"], "SUCCEEDED")
        self.assertJsonEqual(r["output"], {"ok": True})
        self.assertTrue(r["executionArn"].startswith(express_exec_prefix(sm_name)), r["executionArn"])

    def test_sync_on_standard_not_supported(self):
        sm, _ = self.create_sm(PASS_DEF)
        self.assertClientError(self.sfn.exceptions.StateMachineTypeNotSupported,
                               self.sfn.start_sync_execution, stateMachineArn=sm)

    def test_sync_unknown_state_machine(self):
        self.assertClientError(self.sfn.exceptions.StateMachineDoesNotExist,
                               self.sfn.start_sync_execution, stateMachineArn=sm_arn(uname("missing")))

    def test_sync_invalid_input(self):
        sm, _ = self.create_sm(PASS_DEF, sm_type="EXPRESS")
        self.assertClientError(self.sfn.exceptions.InvalidExecutionInput,
                               self.sfn.start_sync_execution, stateMachineArn=sm, input="{nope")

    def test_async_start_on_express(self):
        sm, sm_name = self.create_sm(PASS_DEF, sm_type="EXPRESS")
        t0 = time.monotonic()
        r = self.sfn.start_execution(stateMachineArn=sm, name="async1", input="{}")
        self.assertLess(time.monotonic() - t0, 5)
        self.assertTrue(r["executionArn"].startswith(express_exec_prefix(sm_name) + "async1:"),
                        r["executionArn"])
        self.assertRecent(r["startDate"])

    def test_history_not_supported_for_express(self):
        sm, sm_name = self.create_sm(PASS_DEF, sm_type="EXPRESS")
        r = self.sfn.start_sync_execution(stateMachineArn=sm)
        # Express executions have no stored history: AWS documents
        # GetExecutionHistory as "not supported by EXPRESS state machines".
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sfn.get_execution_history(executionArn=r["executionArn"])
        self.assertIn(cm.exception.response["Error"]["Code"],
                      ("InvalidArn", "ExecutionDoesNotExist", "StateMachineTypeNotSupported"))


if __name__ == "__main__":
    unittest.main()
