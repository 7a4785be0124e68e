"""RedriveExecution: continuing a FAILED / ABORTED / TIMED_OUT Standard
execution from where it stopped, with boto3 and the AWS CLI.

The states that fail "until redriven" read `$$.Execution.RedriveTime`, which
the Context object has only once the execution was redriven: before that the
path does not exist and the Pass state fails (States.Runtime); on the redrive
the same state, entered again with the same input, succeeds.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import botocore.exceptions

from common import (E2ETestCase, client, event_types, full_history, poll_task, uname,
                    wait_for_status)
import common

# Fails until the execution is redriven (see the module comment).
def needs_redrive(next_state=None):
    st = {"Type": "Pass", "Parameters": {"redriven.$": "$$.Execution.RedriveTime",
                                         "count.$": "$$.Execution.RedriveCount",
                                         "in.$": "$"}}
    if next_state:
        st["Next"] = next_state
    else:
        st["End"] = True
    return st


def fail_def():
    return {"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Result": {"a": 1}, "ResultPath": "$.a", "Next": "B"},
        "B": needs_redrive("C"),
        "C": {"Type": "Pass", "End": True}}}


def map_activity_def(act):
    """50 iterations, each an activity task."""
    return {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": act, "End": True}}},
        "End": True}}}


class Redrive(E2ETestCase):

    def failed_execution(self, definition=None, input_obj=None):
        sm, _ = self.create_sm(definition or fail_def())
        arn, d = self.run_to_end(sm, input_obj or {"x": 1})
        self.assertEqual(d["status"], "FAILED", d)
        return sm, arn

    # -- the basic case -------------------------------------------------------
    def test_redrive_top_level_state_continues_history(self):
        sm, arn = self.failed_execution()
        before = full_history(self.sfn, arn)
        self.assertEqual(event_types(before)[-1], "ExecutionFailed")
        d = self.sfn.describe_execution(executionArn=arn)
        self.assertEqual(d["redriveCount"], 0)
        self.assertEqual(d["redriveStatus"], "REDRIVABLE")
        self.assertNotIn("redriveStatusReason", d)
        self.assertNotIn("redriveDate", d)

        r = self.sfn.redrive_execution(executionArn=arn)
        self.assertRecent(r["redriveDate"])
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(d["redriveCount"], 1)
        self.assertEqual(d["redriveDate"], r["redriveDate"])
        self.assertNotIn("error", d)
        out = json.loads(d["output"])
        self.assertEqual(out["count"], 1)
        self.assertEqual(out["in"], {"x": 1, "a": {"a": 1}})  # B's original input
        self.assertEqual(d["redriveStatus"], "NOT_REDRIVABLE")
        self.assertEqual(d["redriveStatusReason"], "Execution is SUCCEEDED and cannot be redriven")

        after = full_history(self.sfn, arn)
        self.assertEqual(after[:len(before)], before)  # same execution, history continues
        rest = after[len(before):]
        self.assertEqual(event_types(rest), ["ExecutionRedriven", "PassStateEntered",
                                             "PassStateExited", "PassStateEntered",
                                             "PassStateExited", "ExecutionSucceeded"])
        ids = [e["id"] for e in after]
        self.assertEqual(ids, list(range(1, len(after) + 1)))
        red = rest[0]
        self.assertEqual(red["previousEventId"], before[-1]["id"])
        self.assertEqual(red["executionRedrivenEventDetails"], {"redriveCount": 1})
        self.assertEqual(rest[1]["previousEventId"], red["id"])
        self.assertEqual(rest[1]["stateEnteredEventDetails"]["name"], "B")
        # A (succeeded before) was not run again.
        names = [e.get("stateEnteredEventDetails", {}).get("name") for e in rest]
        self.assertNotIn("A", names)

        # ListExecutions: redriveCount/redriveDate and redriveFilter.
        items = self.sfn.list_executions(stateMachineArn=sm)["executions"]
        self.assertEqual(items[0]["redriveCount"], 1)
        self.assertEqual(items[0]["redriveDate"], r["redriveDate"])
        self.assertEqual(len(self.sfn.list_executions(stateMachineArn=sm, redriveFilter="REDRIVEN")
                             ["executions"]), 1)
        self.assertEqual(self.sfn.list_executions(stateMachineArn=sm, redriveFilter="NOT_REDRIVEN")
                         ["executions"], [])
        self.assertEqual(self.sfn.list_executions(stateMachineArn=sm, statusFilter="FAILED")
                         ["executions"], [])
        self.assertEqual(len(self.sfn.list_executions(stateMachineArn=sm, statusFilter="SUCCEEDED")
                             ["executions"]), 1)
        self.assertErrorCode("ValidationException", self.sfn.list_executions,
                             stateMachineArn=sm, redriveFilter="SOMETIMES")

    def test_redrive_again_after_failing_again(self):
        # Fail state: entered again on redrive and fails again (AWS's rule).
        sm, _ = self.create_sm({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}})
        arn, d = self.run_to_end(sm)
        for n in (1, 2):
            self.sfn.redrive_execution(executionArn=arn)
            d = wait_for_status(self.sfn, arn)
            self.assertEqual(d["status"], "FAILED")
            self.assertEqual(d["redriveCount"], n)
            self.assertEqual(d["redriveStatus"], "REDRIVABLE")
        types = event_types(full_history(self.sfn, arn))
        self.assertEqual(types, ["ExecutionStarted", "FailStateEntered", "ExecutionFailed",
                                 "ExecutionRedriven", "FailStateEntered", "ExecutionFailed",
                                 "ExecutionRedriven", "FailStateEntered", "ExecutionFailed"])
        reds = [e for e in full_history(self.sfn, arn) if e["type"] == "ExecutionRedriven"]
        self.assertEqual([e["executionRedrivenEventDetails"]["redriveCount"] for e in reds], [1, 2])

    def test_redrive_uses_the_definition_the_execution_ran(self):
        sm, arn = self.failed_execution()
        self.sfn.update_state_machine(stateMachineArn=sm, definition=json.dumps(
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "new", "End": True}}}))
        self.sfn.redrive_execution(executionArn=arn)
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"])["count"], 1)  # the old B ran, not the new A

    # -- clientToken ---------------------------------------------------------------
    def test_client_token_idempotent(self):
        sm, arn = self.failed_execution(
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 0, "Next": "B"},
                                        "B": needs_redrive()}})
        r1 = self.sfn.redrive_execution(executionArn=arn, clientToken="tok-1")
        wait_for_status(self.sfn, arn)
        r2 = self.sfn.redrive_execution(executionArn=arn, clientToken="tok-1")
        self.assertEqual(r1["redriveDate"], r2["redriveDate"])
        self.assertEqual(self.sfn.describe_execution(executionArn=arn)["redriveCount"], 1)
        # Another token: a new redrive request, refused now (SUCCEEDED).
        e = self.assertClientError(self.sfn.exceptions.ExecutionNotRedrivable,
                                   self.sfn.redrive_execution, executionArn=arn,
                                   clientToken="tok-2")
        self.assertEqual(e.response["Error"]["Message"],
                         "Execution is SUCCEEDED and cannot be redriven")
        self.assertErrorCode("ValidationException", self.sfn.redrive_execution,
                             executionArn=arn, clientToken="x" * 65)
        self.assertErrorCode("ValidationException", self.sfn.redrive_execution,
                             executionArn=arn, clientToken="has space")

    # -- Parallel -------------------------------------------------------------------
    def test_parallel_reruns_only_failed_branch(self):
        definition = {"StartAt": "P", "States": {"P": {
            "Type": "Parallel", "End": True, "Branches": [
                {"StartAt": "Ok", "States": {"Ok": {"Type": "Pass", "Result": "first",
                                                     "End": True}}},
                {"StartAt": "Pre", "States": {
                    "Pre": {"Type": "Pass", "Result": "pre", "ResultPath": "$.pre",
                            "Next": "Bad"},
                    "Bad": needs_redrive()}},
                {"StartAt": "Ok2", "States": {"Ok2": {"Type": "Pass", "Result": "third",
                                                       "End": True}}}]}}}
        sm, arn = self.failed_execution(definition)
        before = full_history(self.sfn, arn)
        self.assertIn("ParallelStateFailed", event_types(before))
        self.sfn.redrive_execution(executionArn=arn)
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertEqual(out[0], "first")
        self.assertEqual(out[2], "third")
        self.assertEqual(out[1]["count"], 1)
        self.assertEqual(out[1]["in"], {"x": 1, "pre": "pre"})
        rest = full_history(self.sfn, arn)[len(before):]
        types = event_types(rest)
        self.assertEqual(types[0], "ExecutionRedriven")
        self.assertEqual(types[-3:], ["ParallelStateSucceeded", "ParallelStateExited",
                                      "ExecutionSucceeded"])
        self.assertNotIn("ParallelStateEntered", types)
        self.assertNotIn("ParallelStateStarted", types)
        entered = {e["stateEnteredEventDetails"]["name"]: e for e in rest
                   if e["type"] == "PassStateEntered"}
        # "Bad" failed and runs again from where it failed (not "Pre"); "Ok"
        # succeeded and keeps its output. (The third branch, aborted before it
        # entered a state when the second failed, runs if it had not finished.)
        self.assertIn("Bad", entered)
        self.assertNotIn("Pre", entered)
        self.assertNotIn("Ok", entered)
        self.assertEqual(entered["Bad"]["previousEventId"], rest[0]["id"])

    # -- inline Map: 3 of 50 -----------------------------------------------------------
    def test_map_reruns_only_the_three_failed_iterations(self):
        """50 iterations on an activity: the worker succeeds 47, fails one, and
        two are still running (aborted) when the Map fails. The redrive runs
        exactly those 3 again; the other 47 keep their outputs."""
        act, _ = self.create_activity()
        sm, _ = self.create_sm(map_activity_def(act))
        items = list(range(50))
        arn = self.start(sm, {"items": items})
        sfn = client()
        tasks = {}
        deadline = time.monotonic() + 30
        while len(tasks) < 50 and time.monotonic() < deadline:
            t = sfn.get_activity_task(activityArn=act, workerName="w")
            if t.get("taskToken"):
                tasks[json.loads(t["input"])] = t["taskToken"]
        self.assertEqual(len(tasks), 50)
        unlucky = [7, 23, 41]
        for i in items:
            if i not in unlucky:
                sfn.send_task_success(taskToken=tasks[i], output=json.dumps({"done": i, "run": 1}))
        sfn.send_task_failure(taskToken=tasks[23], error="Flaky", cause="try again")
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "Flaky")
        before = full_history(self.sfn, arn)
        aborted = sorted(e["mapIterationAbortedEventDetails"]["index"] for e in before
                         if e["type"] == "MapIterationAborted")
        self.assertEqual(aborted, [7, 41])

        self.sfn.redrive_execution(executionArn=arn)
        again = {}
        deadline = time.monotonic() + 20
        while len(again) < 3 and time.monotonic() < deadline:
            t = sfn.get_activity_task(activityArn=act, workerName="w")
            if t.get("taskToken"):
                again[json.loads(t["input"])] = t["taskToken"]
        self.assertEqual(sorted(again), unlucky)
        # No 4th task: nothing else runs again.
        extra = sfn.get_activity_task(activityArn=act, workerName="w")
        self.assertFalse(extra.get("taskToken"), extra)
        for i, tok in again.items():
            sfn.send_task_success(taskToken=tok, output=json.dumps({"done": i, "run": 2}))
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertEqual([o["done"] for o in out], items)
        self.assertEqual([i for i, o in enumerate(out) if o["run"] == 2], unlucky)

        rest = full_history(self.sfn, arn)[len(before):]
        self.assertEqual(rest[0]["type"], "ExecutionRedriven")
        started = sorted(e["mapIterationStartedEventDetails"]["index"] for e in rest
                         if e["type"] == "MapIterationStarted")
        self.assertEqual(started, unlucky)
        self.assertEqual(event_types(rest).count("TaskStateEntered"), 3)
        self.assertEqual(event_types(rest).count("MapIterationSucceeded"), 3)
        self.assertEqual(event_types(rest)[-3:], ["MapStateSucceeded", "MapStateExited",
                                                  "ExecutionSucceeded"])
        self.assertNotIn("MapStateEntered", event_types(rest))

    def test_map_tolerated_failures_run_again(self):
        """All 50 iterations run; the last three fail (two tolerated): the
        redrive runs exactly those three."""
        definition = {"StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemsPath": "$.items", "ToleratedFailureCount": 2,
            "ItemSelector": {"i.$": "$$.Map.Item.Value"},
            "ItemProcessor": {"StartAt": "C", "States": {
                "C": {"Type": "Choice", "Choices": [
                    {"Variable": "$.i", "NumericGreaterThanEquals": 47, "Next": "Bad"}],
                      "Default": "Good"},
                "Good": {"Type": "Pass", "End": True},
                "Bad": needs_redrive()}},
            "End": True}}}
        sm, arn = self.failed_execution(definition, {"items": list(range(50))})
        before = full_history(self.sfn, arn)
        self.assertEqual(event_types(before).count("MapIterationSucceeded"), 47)
        self.sfn.redrive_execution(executionArn=arn)
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertEqual(len(out), 50)
        self.assertEqual(out[:47], [{"i": i} for i in range(47)])
        self.assertEqual([o["in"]["i"] for o in out[47:]], [47, 48, 49])
        rest = full_history(self.sfn, arn)[len(before):]
        started = sorted(e["mapIterationStartedEventDetails"]["index"] for e in rest
                         if e["type"] == "MapIterationStarted")
        self.assertEqual(started, [47, 48, 49])

    # -- Distributed Map: the Map Run is redriven ---------------------------------------
    def test_distributed_map_redrive_continues_the_failed_children(self):
        definition = {"StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemsPath": "$.items", "ToleratedFailureCount": 0,
            "ItemSelector": {"v.$": "$$.Map.Item.Value"},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                              "StartAt": "C", "States": {
                                  "C": {"Type": "Choice", "Choices": [
                                      {"Variable": "$.v", "NumericEquals": 3, "Next": "Bad"}],
                                        "Default": "Good"},
                                  "Good": {"Type": "Pass", "End": True},
                                  "Bad": needs_redrive()}},
            "End": True}}}
        sm, arn = self.failed_execution(definition, {"items": list(range(6))})
        run = self.sfn.list_map_runs(executionArn=arn)["mapRuns"][0]["mapRunArn"]
        children = self.sfn.list_executions(mapRunArn=run)["executions"]
        failed = [c["executionArn"] for c in children if c["status"] == "FAILED"]
        self.assertEqual(len(failed), 1, children)
        d = self.sfn.describe_execution(executionArn=failed[0])
        self.assertEqual(d["redriveStatus"], "REDRIVABLE_BY_MAP_RUN")
        self.assertEqual(d["redriveCount"], 0)
        self.assertNotIn("redriveDate", d)
        self.assertClientError(self.sfn.exceptions.ExecutionNotRedrivable,
                               self.sfn.redrive_execution, executionArn=failed[0])
        mr = self.sfn.describe_map_run(mapRunArn=run)
        # The failed child (and the children it aborted) wait for the parent's redrive.
        waiting = mr["executionCounts"]["failed"] + mr["executionCounts"]["aborted"]
        self.assertEqual(mr["executionCounts"]["pendingRedrive"], waiting)
        self.assertEqual(mr["itemCounts"]["pendingRedrive"], waiting)
        self.assertEqual(mr["executionCounts"]["failuresNotRedrivable"], 0)
        redrive_date = self.sfn.redrive_execution(executionArn=arn)["redriveDate"]
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        mr = self.sfn.describe_map_run(mapRunArn=run)
        self.assertEqual(mr["status"], "SUCCEEDED")
        self.assertEqual(mr["redriveCount"], 1)
        self.assertIn("redriveDate", mr)
        self.assertEqual(mr["executionCounts"]["failed"], 0)
        self.assertEqual(mr["executionCounts"]["succeeded"], len(self.sfn.list_executions(
            mapRunArn=run, statusFilter="SUCCEEDED")["executions"]))
        self.assertEqual(mr["executionCounts"]["pendingRedrive"], 0)
        child = self.sfn.describe_execution(executionArn=failed[0])
        self.assertEqual(child["status"], "SUCCEEDED")  # the same child execution
        # Its own redrive: redriveCount and redriveDate (the parent's redrive).
        self.assertEqual(child["redriveCount"], 1)
        self.assertEqual(child["redriveDate"], redrive_date)
        types = event_types(full_history(self.sfn, failed[0]))
        self.assertEqual(types.count("ExecutionRedriven"), 1)
        self.assertEqual(types[-1], "ExecutionSucceeded")
        parent = event_types(full_history(self.sfn, arn))
        self.assertEqual(parent.count("MapRunRedriven"), 1)
        self.assertEqual(parent[-4:], ["MapRunSucceeded", "MapStateSucceeded", "MapStateExited",
                                       "ExecutionSucceeded"])

    def test_distributed_map_with_item_batcher_redrive_counts_items(self):
        definition = {"StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
            "ItemBatcher": {"MaxItemsPerBatch": 2},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                              "StartAt": "C", "States": {
                                  "C": {"Type": "Choice", "Choices": [
                                      {"Variable": "$.Items[0]", "NumericEquals": 2, "Next": "Bad"}],
                                        "Default": "Good"},
                                  "Good": {"Type": "Pass", "End": True},
                                  "Bad": needs_redrive()}},
            "End": True}}}
        # Batches [0, 1], [2, 3] (fails until redriven), [4].
        sm, arn = self.failed_execution(definition, {"items": list(range(5))})
        run = self.sfn.list_map_runs(executionArn=arn)["mapRuns"][0]["mapRunArn"]
        mr = self.sfn.describe_map_run(mapRunArn=run)
        self.assertEqual({k: mr["itemCounts"][k] for k in ("total", "succeeded", "failed", "pending",
                                                            "pendingRedrive")},
                         {"total": 5, "succeeded": 2, "failed": 2, "pending": 1, "pendingRedrive": 2})
        self.assertEqual({k: mr["executionCounts"][k] for k in ("total", "succeeded", "failed",
                                                                 "pending", "pendingRedrive")},
                         {"total": 3, "succeeded": 1, "failed": 1, "pending": 1, "pendingRedrive": 1})
        self.sfn.redrive_execution(executionArn=arn)
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        mr = self.sfn.describe_map_run(mapRunArn=run)
        self.assertEqual(mr["itemCounts"]["succeeded"], 5)
        self.assertEqual(mr["itemCounts"]["failed"], 0)
        self.assertEqual(mr["itemCounts"]["total"], 5)
        self.assertEqual(mr["itemCounts"]["pendingRedrive"], 0)
        self.assertEqual(mr["executionCounts"]["succeeded"], 3)
        self.assertEqual(mr["executionCounts"]["total"], 3)

    # -- Retry counters reset ------------------------------------------------------------
    def test_retry_attempts_reset_on_redrive(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm({"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": act, "End": True,
            "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 1, "IntervalSeconds": 1}]}}})
        arn = self.start(sm, {})
        for _ in range(2):
            t = poll_task(self.sfn, act)
            self.sfn.send_task_failure(taskToken=t["taskToken"], error="E")
        self.assertEqual(wait_for_status(self.sfn, arn)["status"], "FAILED")
        self.sfn.redrive_execution(executionArn=arn)
        # One failure is retried again (the counter started over) ...
        t = poll_task(self.sfn, act)
        self.sfn.send_task_failure(taskToken=t["taskToken"], error="E")
        t = poll_task(self.sfn, act)
        self.sfn.send_task_success(taskToken=t["taskToken"], output='"ok"')
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(d["status"], "SUCCEEDED", d)

    # -- ABORTED and TIMED_OUT ----------------------------------------------------------
    def test_redrive_aborted_execution(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": act, "Next": "After"},
            "After": {"Type": "Pass", "End": True}}})
        arn = self.start(sm, {"v": 1})
        poll_task(self.sfn, act)  # taken, never answered
        self.sfn.stop_execution(executionArn=arn, error="Stop", cause="by test")
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(d["status"], "ABORTED")
        self.assertEqual(d["redriveStatus"], "REDRIVABLE")
        self.sfn.redrive_execution(executionArn=arn)
        t = poll_task(self.sfn, act)
        self.assertEqual(json.loads(t["input"]), {"v": 1})
        self.sfn.send_task_success(taskToken=t["taskToken"], output='{"r": 2}')
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), {"r": 2})

    def test_redrive_timed_out_execution(self):
        sm, _ = self.create_sm({"TimeoutSeconds": 1, "StartAt": "W", "States": {
            "W": {"Type": "Wait", "SecondsPath": "$.wait", "Next": "Done"},
            "Done": {"Type": "Pass", "Parameters": {"count.$": "$$.Execution.RedriveCount"},
                     "End": True}}})
        arn = self.start(sm, {"wait": 3})
        d = wait_for_status(self.sfn, arn, timeout=10)
        self.assertEqual(d["status"], "TIMED_OUT")
        # A redriven Wait waits again, and the timeout counts again: it times out again.
        self.sfn.redrive_execution(executionArn=arn)
        d = wait_for_status(self.sfn, arn, timeout=10)
        self.assertEqual(d["status"], "TIMED_OUT", full_history(self.sfn, arn))
        self.assertEqual(d["redriveCount"], 1, full_history(self.sfn, arn))
        types = event_types(full_history(self.sfn, arn))
        self.assertEqual(types.count("ExecutionTimedOut"), 2)
        self.assertEqual(types.count("WaitStateEntered"), 2)

    # -- ExecutionNotRedrivable and other errors -----------------------------------------
    def test_not_redrivable_succeeded_and_running(self):
        sm, _ = self.create_sm()
        arn, d = self.run_to_end(sm)
        e = self.assertClientError(self.sfn.exceptions.ExecutionNotRedrivable,
                                   self.sfn.redrive_execution, executionArn=arn)
        self.assertEqual(e.response["Error"]["Message"],
                         "Execution is SUCCEEDED and cannot be redriven")
        sm2, _ = self.create_sm(common.WAIT_DEF)
        run = self.start(sm2)
        d = self.sfn.describe_execution(executionArn=run)
        self.assertEqual(d["redriveStatus"], "NOT_REDRIVABLE")
        self.assertEqual(d["redriveStatusReason"], "Execution is RUNNING and cannot be redriven")
        e = self.assertClientError(self.sfn.exceptions.ExecutionNotRedrivable,
                                   self.sfn.redrive_execution, executionArn=run)
        self.assertEqual(e.response["Error"]["Message"],
                         "Execution is RUNNING and cannot be redriven")
        self.sfn.stop_execution(executionArn=run)

    def test_not_redrivable_express_and_missing(self):
        sm, name = self.create_sm(sm_type="EXPRESS")
        arn = self.start(sm)
        self.assertClientError(self.sfn.exceptions.ExecutionNotRedrivable,
                               self.sfn.redrive_execution, executionArn=arn)
        missing = common.exec_arn(name, "nope")
        self.assertClientError(self.sfn.exceptions.ExecutionDoesNotExist,
                               self.sfn.redrive_execution, executionArn=missing)
        self.assertClientError(self.sfn.exceptions.InvalidArn,
                               self.sfn.redrive_execution, executionArn="arn:aws:nope")

    def test_not_redrivable_state_machine_deleting(self):
        sm, _ = self.create_sm({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.wait", "BooleanEquals": True,
                                                 "Next": "W"}], "Default": "B"},
            "W": {"Type": "Wait", "Seconds": 60, "End": True},
            "B": needs_redrive()}})
        arn, d = self.run_to_end(sm, {"wait": False})
        self.assertEqual(d["status"], "FAILED")
        running = self.start(sm, {"wait": True})
        self.sfn.delete_state_machine(stateMachineArn=sm)
        d = self.sfn.describe_execution(executionArn=arn)
        self.assertEqual(d["redriveStatus"], "NOT_REDRIVABLE")
        self.assertEqual(d["redriveStatusReason"], "State machine is in DELETING status")
        e = self.assertClientError(self.sfn.exceptions.ExecutionNotRedrivable,
                                   self.sfn.redrive_execution, executionArn=arn)
        self.assertEqual(e.response["Error"]["Message"], "State machine is in DELETING status")
        self.sfn.stop_execution(executionArn=running)


# -- a second node: a short redrivable period and a small history limit ------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class RedriveLimits(unittest.TestCase):
    """Its own node: STATECRAFT_REDRIVE_PERIOD_SECONDS=2 and
    executions.history_event_limit 12."""

    @classmethod
    def setUpClass(cls):
        binary = os.environ.get("STATECRAFT_BIN")
        if not binary:
            raise unittest.SkipTest("STATECRAFT_BIN not set; run via tests/e2e/run.py")
        cls.tmp = tempfile.mkdtemp(prefix="statecraft-redrive-")
        cfg = os.path.join(cls.tmp, "c.yaml")
        with open(cfg, "w") as f:
            f.write("executions:\n  history_event_limit: 12\n")
        cls.port = free_port()
        env = dict(os.environ, STATECRAFT_REDRIVE_PERIOD_SECONDS="2")
        cls.log = open(os.path.join(cls.tmp, "node.log"), "wb")
        cls.proc = subprocess.Popen([binary, "--port", str(cls.port), "--config", cfg,
                                     "--log-level", "warn"], env=env, stdout=cls.log,
                                    stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", cls.port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        old = os.environ["STATECRAFT_ENDPOINT"]
        os.environ["STATECRAFT_ENDPOINT"] = "http://127.0.0.1:%d" % cls.port
        try:
            cls.sfn = client()
        finally:
            os.environ["STATECRAFT_ENDPOINT"] = old

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(10)
        cls.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def make(self, definition):
        r = self.sfn.create_state_machine(name=uname("lim"), definition=json.dumps(definition),
                                          roleArn=common.ROLE_ARN)
        return r["stateMachineArn"]

    def test_history_limit_and_period(self):
        # 1 + 2*5 Pass events + 1 = 12 events: at the limit, not redrivable.
        states = {}
        for i in range(5):
            states["P%d" % i] = {"Type": "Pass", "Next": "P%d" % (i + 1)}
        states["P5"] = {"Type": "Fail", "Error": "E"}
        sm = self.make({"StartAt": "P0", "States": states})
        arn = self.sfn.start_execution(stateMachineArn=sm)["executionArn"]
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["redriveStatusReason"], "Execution history event limit exceeded")
        with self.assertRaises(self.sfn.exceptions.ExecutionNotRedrivable) as cm:
            self.sfn.redrive_execution(executionArn=arn)
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Execution history event limit exceeded")

        sm2 = self.make({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}})
        arn2 = self.sfn.start_execution(stateMachineArn=sm2)["executionArn"]
        d = wait_for_status(self.sfn, arn2)
        self.assertEqual(d["redriveStatus"], "REDRIVABLE")
        time.sleep(2.5)
        d = self.sfn.describe_execution(executionArn=arn2)
        self.assertEqual(d["redriveStatus"], "NOT_REDRIVABLE")
        self.assertEqual(d["redriveStatusReason"], "Execution redrivable period exceeded")
        with self.assertRaises(self.sfn.exceptions.ExecutionNotRedrivable) as cm:
            self.sfn.redrive_execution(executionArn=arn2)
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Execution redrivable period exceeded")


AWS = shutil.which("aws")


@unittest.skipIf(AWS is None, "aws CLI not installed")
class RedriveCli(E2ETestCase):

    def test_cli_redrive_execution(self):
        from test_cli import cli_env
        sm, _ = self.create_sm(fail_def())
        arn, d = self.run_to_end(sm, {"x": 1})
        self.assertEqual(d["status"], "FAILED")
        cmd = [AWS, "stepfunctions", "redrive-execution", "--execution-arn", arn,
               "--endpoint-url", common.endpoint(), "--region", "us-east-1", "--output", "json"]
        p = subprocess.run(cmd, env=cli_env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("redriveDate", json.loads(p.stdout))
        self.assertEqual(wait_for_status(self.sfn, arn)["status"], "SUCCEEDED")
        p = subprocess.run(cmd, env=cli_env(), capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ExecutionNotRedrivable", p.stderr)
        self.assertIn("Execution is SUCCEEDED and cannot be redriven", p.stderr)


if __name__ == "__main__":
    unittest.main()
