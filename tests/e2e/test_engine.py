"""Execution semantics seen through the API: timeouts, runtime errors,
Parallel / Map, Retry / Catch, intrinsic functions and payload limits."""

import json
import threading
import time
import unittest

from common import (E2ETestCase, activity_task_def, event_types, full_history, poll_task,
                    wait_for_status)


class ExecutionOutcomes(E2ETestCase):

    def test_execution_timeout(self):
        sm, _ = self.create_sm({"TimeoutSeconds": 1, "StartAt": "W",
                                "States": {"W": {"Type": "Wait", "Seconds": 30, "End": True}}})
        arn = self.start(sm, {})
        d = wait_for_status(self.sfn, arn, timeout=8)
        self.assertEqual(d["status"], "TIMED_OUT")
        self.assertIsDatetime(d["stopDate"])
        span = (d["stopDate"] - d["startDate"]).total_seconds()
        self.assertGreaterEqual(span, 0.9)
        self.assertLess(span, 5)
        ev = full_history(self.sfn, arn)
        self.assertEqual(ev[-1]["type"], "ExecutionTimedOut")
        self.assertEqual(ev[-1]["executionTimedOutEventDetails"]["error"], "States.Timeout")
        self.assertEqual([e["name"] for e in
                          self.sfn.list_executions(stateMachineArn=sm, statusFilter="TIMED_OUT")["executions"]],
                         [d["name"]])

    def test_no_choice_matched(self):
        sm, _ = self.create_sm({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "S"}]},
            "S": {"Type": "Succeed"}}})
        arn, d = self.run_to_end(sm, {"x": 2})
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.NoChoiceMatched")
        ev = full_history(self.sfn, arn)
        self.assertEqual(event_types(ev), ["ExecutionStarted", "ChoiceStateEntered", "ExecutionFailed"])
        self.assertEqual(ev[-1]["executionFailedEventDetails"]["error"], "States.NoChoiceMatched")

    def test_input_path_not_found_is_runtime_error(self):
        sm, _ = self.create_sm({"StartAt": "P", "States": {
            "P": {"Type": "Pass", "InputPath": "$.missing.deeper", "End": True}}})
        arn, d = self.run_to_end(sm, {"present": 1})
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.Runtime")
        self.assertTrue(d.get("cause"))

    def test_fail_state_with_paths(self):
        sm, _ = self.create_sm({"StartAt": "F", "States": {
            "F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}}})
        arn, d = self.run_to_end(sm, {"e": "Dyn.Error", "c": "dynamic cause"})
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual((d["error"], d["cause"]), ("Dyn.Error", "dynamic cause"))

    def test_wait_seconds_path_and_past_timestamp(self):
        sm, _ = self.create_sm({"StartAt": "W1", "States": {
            "W1": {"Type": "Wait", "SecondsPath": "$.s", "Next": "W2"},
            "W2": {"Type": "Wait", "Timestamp": "2001-01-01T00:00:00Z", "End": True}}})
        t0 = time.monotonic()
        arn, d = self.run_to_end(sm, {"s": 1})
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)
        self.assertJsonEqual(d["output"], {"s": 1})

    def test_output_over_256_kib_fails_with_data_limit_exceeded(self):
        big = "b" * (150 * 1024)
        sm, _ = self.create_sm({"StartAt": "Dup", "States": {
            "Dup": {"Type": "Pass", "Parameters": {"a.$": "$.v", "b.$": "$.v"}, "End": True}}})
        arn, d = self.run_to_end(sm, {"v": big})
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.DataLimitExceeded")


class ParallelAndMap(E2ETestCase):

    def test_parallel(self):
        sm, _ = self.create_sm({"StartAt": "Par", "States": {
            "Par": {"Type": "Parallel", "End": True,
                    "Branches": [
                        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "a", "End": True}}},
                        {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 0, "Next": "B2"},
                                                    "B2": {"Type": "Pass", "InputPath": "$.x",
                                                           "End": True}}}]}}})
        arn, d = self.run_to_end(sm, {"x": 5})
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertJsonEqual(d["output"], ["a", 5])
        types = event_types(full_history(self.sfn, arn))
        self.assertEqual(types[:3], ["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted"])
        self.assertEqual(types[-3:], ["ParallelStateSucceeded", "ParallelStateExited", "ExecutionSucceeded"])
        self.assertEqual(types.count("PassStateEntered"), 2)

    def test_parallel_branch_failure(self):
        sm, _ = self.create_sm({"StartAt": "Par", "States": {
            "Par": {"Type": "Parallel", "End": True,
                    "Branches": [
                        {"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 5, "End": True}}},
                        {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Branch.Err",
                                                          "Cause": "b"}}}]}}})
        t0 = time.monotonic()
        arn, d = self.run_to_end(sm, {})
        self.assertLess(time.monotonic() - t0, 4, "a failed branch must stop the Parallel state")
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual((d["error"], d["cause"]), ("Branch.Err", "b"))
        self.assertIn("ParallelStateFailed", event_types(full_history(self.sfn, arn)))

    def test_map(self):
        sm, _ = self.create_sm({"StartAt": "M", "States": {
            "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
                  "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
                  "ItemProcessor": {"StartAt": "P", "States": {
                      "P": {"Type": "Pass", "End": True}}},
                  "ResultPath": "$.out", "End": True}}})
        arn, d = self.run_to_end(sm, {"items": ["x", "y", "z"]})
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertJsonEqual(d["output"], {"items": ["x", "y", "z"],
                                           "out": [{"v": "x", "i": 0}, {"v": "y", "i": 1}, {"v": "z", "i": 2}]})
        ev = full_history(self.sfn, arn)
        types = event_types(ev)
        started = [e for e in ev if e["type"] == "MapStateStarted"]
        self.assertEqual(len(started), 1)
        self.assertEqual(started[0]["mapStateStartedEventDetails"], {"length": 3})
        iters = sorted(e["mapIterationStartedEventDetails"]["index"] for e in ev
                       if e["type"] == "MapIterationStarted")
        self.assertEqual(iters, [0, 1, 2])
        self.assertEqual(types.count("MapIterationSucceeded"), 3)
        for e in ev:
            if e["type"] == "MapIterationStarted":
                self.assertEqual(e["mapIterationStartedEventDetails"]["name"], "M")
        self.assertEqual(types[-3:], ["MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"])

    def test_large_history_paginates(self):
        sm, _ = self.create_sm({"StartAt": "M", "States": {
            "M": {"Type": "Map", "MaxConcurrency": 10,
                  "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                  "End": True}}})
        arn, d = self.run_to_end(sm, list(range(150)), timeout=30)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertJsonEqual(d["output"], list(range(150)))
        first = self.sfn.get_execution_history(executionArn=arn)
        self.assertEqual(len(first["events"]), 100)  # default page size
        self.assertIn("nextToken", first)
        ev = full_history(self.sfn, arn, maxResults=1000)
        self.assertGreater(len(ev), 600)
        self.assertEqual([e["id"] for e in ev], list(range(1, len(ev) + 1)))
        for e in ev[1:]:
            self.assertLess(e["previousEventId"], e["id"])
        paged = full_history(self.sfn, arn, maxResults=77)
        self.assertEqual([e["id"] for e in paged], [e["id"] for e in ev])
        self.assertEqual(event_types(ev).count("MapIterationSucceeded"), 150)

    def test_map_empty(self):
        sm, _ = self.create_sm({"StartAt": "M", "States": {
            "M": {"Type": "Map", "Iterator": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                  "End": True}}})
        arn, d = self.run_to_end(sm, [])
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertJsonEqual(d["output"], [])


class RetryCatch(E2ETestCase):

    def test_retry_activity_then_success(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm(activity_task_def(act, Retry=[{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1,
                                                              "MaxAttempts": 2, "BackoffRate": 1.0}]))
        ex = self.start(sm, {"n": 1})
        t1 = poll_task(self.sfn, act)
        self.sfn.send_task_failure(taskToken=t1["taskToken"], error="Flaky", cause="first try")
        t0 = time.monotonic()
        t2 = poll_task(self.sfn, act)
        waited = time.monotonic() - t0
        self.assertNotEqual(t1["taskToken"], t2["taskToken"])
        self.assertGreaterEqual(waited, 0.8, "retry did not wait IntervalSeconds")
        self.sfn.send_task_success(taskToken=t2["taskToken"], output='{"second": true}')
        d = wait_for_status(self.sfn, ex)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertJsonEqual(d["output"], {"second": True})
        self.assertEqual(event_types(full_history(self.sfn, ex)),
                         ["ExecutionStarted", "TaskStateEntered",
                          "ActivityScheduled", "ActivityStarted", "ActivityFailed",
                          "ActivityScheduled", "ActivityStarted", "ActivitySucceeded",
                          "TaskStateExited", "ExecutionSucceeded"])

    def test_retries_exhausted_then_caught_by_states_all(self):
        act, _ = self.create_activity()
        d = activity_task_def(act, Retry=[{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1,
                                           "MaxAttempts": 1}],
                              Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}])
        d["States"]["Caught"] = {"Type": "Pass", "End": True}
        sm, _ = self.create_sm(d)
        ex = self.start(sm, {})
        for i in range(2):
            t = poll_task(self.sfn, act)
            self.sfn.send_task_failure(taskToken=t["taskToken"], error="E%d" % i, cause="c%d" % i)
        desc = wait_for_status(self.sfn, ex)
        self.assertEqual(desc["status"], "SUCCEEDED")
        self.assertJsonEqual(desc["output"], {"Error": "E1", "Cause": "c1"})

    def test_catch_on_timeout(self):
        act, _ = self.create_activity()
        d = activity_task_def(act, TimeoutSeconds=1,
                              Catch=[{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.why", "Next": "Late"}])
        d["States"]["Late"] = {"Type": "Pass", "End": True}
        sm, _ = self.create_sm(d)
        ex = self.start(sm, {"k": 1})
        desc = wait_for_status(self.sfn, ex, timeout=8)
        self.assertEqual(desc["status"], "SUCCEEDED")
        out = json.loads(desc["output"])
        self.assertEqual(out["k"], 1)
        self.assertEqual(out["why"]["Error"], "States.Timeout")


class Intrinsics(E2ETestCase):

    def test_intrinsic_functions(self):
        sm, _ = self.create_sm({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True, "Parameters": {
            "greeting.$": "States.Format('Hello, {}! You are {}.', $.name, $.age)",
            "arr.$": "States.Array(1, 'two', $.age)",
            "parsed.$": "States.StringToJson($.js)",
            "str.$": "States.JsonToString($.obj)",
            "sum.$": "States.MathAdd($.age, 8)",
            "len.$": "States.ArrayLength($.list)",
            "has.$": "States.ArrayContains($.list, 2)",
            "part.$": "States.ArrayPartition($.list, 2)",
            "b64.$": "States.Base64Encode('hi')",
            "split.$": "States.StringSplit('a,b,c', ',')",
            "range.$": "States.ArrayRange(1, 9, 4)"}}}})
        arn, d = self.run_to_end(sm, {"name": "Ada", "age": 34, "js": "{\"k\":[1,2]}", "obj": {"z": 1},
                                      "list": [1, 2, 3]})
        self.assertEqual(d["status"], "SUCCEEDED", d.get("cause"))
        self.assertJsonEqual(d["output"], {
            "greeting": "Hello, Ada! You are 34.",
            "arr": [1, "two", 34],
            "parsed": {"k": [1, 2]},
            "str": "{\"z\":1}",
            "sum": 42,
            "len": 3,
            "has": True,
            "part": [[1, 2], [3]],
            "b64": "aGk=",
            "split": ["a", "b", "c"],
            "range": [1, 5, 9],
        })

    def test_context_object(self):
        sm, name = self.create_sm({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True, "Parameters": {
            "exec.$": "$$.Execution.Id", "ename.$": "$$.Execution.Name", "sm.$": "$$.StateMachine.Id",
            "state.$": "$$.State.Name", "input.$": "$$.Execution.Input"}}}})
        arn = self.start(sm, {"q": 1}, name="ctx")
        d = wait_for_status(self.sfn, arn)
        self.assertJsonEqual(d["output"], {"exec": arn, "ename": "ctx", "sm": sm, "state": "P",
                                           "input": {"q": 1}})


if __name__ == "__main__":
    unittest.main()
