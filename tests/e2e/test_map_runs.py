"""Distributed Map as Map Runs: child executions (their records, histories and
ARNs), DescribeMapRun, ListMapRuns, UpdateMapRun, ListExecutions with
mapRunArn, DescribeStateMachineForExecution of a child, StopExecution of the
parent aborting the Map Run. boto3 for each operation and error, the AWS CLI
for describe-map-run / list-map-runs / update-map-run."""

import json
import re
import shutil
import subprocess
import time
import unittest

from common import (ACCOUNT, REGION, E2ETestCase, ROLE_ARN, dumps, endpoint, full_history,
                    poll_task, post_json, uname, wait_for_status)

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
AWS = shutil.which("aws")


def dmap(processor_states, start, execution_type="STANDARD", label=None, **fields):
    m = {"Type": "Map", "ItemsPath": "$.items",
         "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED",
                                               "ExecutionType": execution_type},
                           "StartAt": start, "States": processor_states},
         "End": True}
    if label:
        m["Label"] = label
    m.update(fields)
    return {"StartAt": "M", "States": {"M": m}}


PASS_CHILD = {"P": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": True}}


def counts(total, pending=0, running=0, succeeded=0, failed=0, aborted=0, pending_redrive=0,
           not_redrivable=0):
    return {"pending": pending, "running": running, "succeeded": succeeded, "failed": failed,
            "timedOut": 0, "aborted": aborted, "total": total, "resultsWritten": 0,
            "failuresNotRedrivable": not_redrivable, "pendingRedrive": pending_redrive}


class MapRunBase(E2ETestCase):

    def map_run_of(self, execution_arn):
        runs = self.sfn.list_map_runs(executionArn=execution_arn)["mapRuns"]
        self.assertEqual(len(runs), 1)
        return runs[0]

    def children(self, map_run_arn, **kw):
        out, token = [], None
        while True:
            args = dict(mapRunArn=map_run_arn, **kw)
            if token:
                args["nextToken"] = token
            page = self.sfn.list_executions(**args)
            out += page["executions"]
            token = page.get("nextToken")
            if not token:
                return out

    def wait_map_run(self, map_run_arn, pred, timeout=10.0):
        end = time.time() + timeout
        while True:
            d = self.sfn.describe_map_run(mapRunArn=map_run_arn)
            if pred(d) or time.time() > end:
                return d
            time.sleep(0.05)


class StandardChildren(MapRunBase):

    def test_map_run_children_histories_and_listing(self):
        sm, name = self.create_sm(dmap(PASS_CHILD, "P", label="MyLabel"))
        arn, d = self.run_to_end(sm, {"items": [1, 2, 3, 4, 5]})
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), [{"v": i} for i in range(1, 6)])
        run = self.map_run_of(arn)
        prefix = "arn:aws:states:%s:%s:" % (REGION, ACCOUNT)
        self.assertRegex(run["mapRunArn"], "^" + re.escape(prefix + "mapRun:" + name + "/MyLabel:") + UUID + "$")
        self.assertEqual(run["executionArn"], arn)
        self.assertEqual(run["stateMachineArn"], prefix + "stateMachine:" + name + "/MyLabel")
        self.assertIsDatetime(run["startDate"])
        self.assertIsDatetime(run["stopDate"])
        # The parent's history names the same Map Run.
        events = full_history(self.sfn, arn)
        started = [e for e in events if e["type"] == "MapRunStarted"]
        self.assertEqual(started[0]["mapRunStartedEventDetails"]["mapRunArn"], run["mapRunArn"])

        m = self.sfn.describe_map_run(mapRunArn=run["mapRunArn"])
        m.pop("ResponseMetadata")
        self.assertRecent(m.pop("startDate"))
        self.assertRecent(m.pop("stopDate"))
        self.assertEqual(m, {
            "mapRunArn": run["mapRunArn"], "executionArn": arn, "status": "SUCCEEDED",
            "maxConcurrency": 0, "toleratedFailurePercentage": 0.0, "toleratedFailureCount": 0,
            "itemCounts": counts(5, succeeded=5), "executionCounts": counts(5, succeeded=5),
            "redriveCount": 0})

        kids = self.children(run["mapRunArn"])
        self.assertEqual(len(kids), 5)
        for k in kids:
            self.assertRegex(k["executionArn"],
                             "^" + re.escape(prefix + "execution:" + name + "/MyLabel:") + UUID + "$")
            self.assertEqual(k["stateMachineArn"], prefix + "stateMachine:" + name + "/MyLabel")
            self.assertEqual(k["mapRunArn"], run["mapRunArn"])
            self.assertEqual(k["status"], "SUCCEEDED")
            self.assertEqual(k["executionArn"].rsplit(":", 1)[1], k["name"])
        # Paging, and the status filter.
        self.assertEqual(len(self.children(run["mapRunArn"], maxResults=2)), 5)
        self.assertEqual(len(self.children(run["mapRunArn"], statusFilter="SUCCEEDED")), 5)
        self.assertEqual(self.children(run["mapRunArn"], statusFilter="RUNNING"), [])
        self.assertEqual(self.children(run["mapRunArn"], statusFilter="PENDING_REDRIVE"), [])

        # A child: DescribeExecution, GetExecutionHistory, its state machine.
        child = kids[0]["executionArn"]
        c = self.sfn.describe_execution(executionArn=child)
        self.assertEqual(c["mapRunArn"], run["mapRunArn"])
        self.assertEqual(c["status"], "SUCCEEDED")
        self.assertEqual(c["stateMachineArn"], prefix + "stateMachine:" + name + "/MyLabel")
        v = json.loads(c["input"])
        self.assertEqual(json.loads(c["output"]), {"v": v})
        h = self.sfn.get_execution_history(executionArn=child)["events"]
        self.assertEqual([e["type"] for e in h],
                         ["ExecutionStarted", "PassStateEntered", "PassStateExited",
                          "ExecutionSucceeded"])
        self.assertEqual([e["id"] for e in h], [1, 2, 3, 4])
        self.assertEqual([e["previousEventId"] for e in h], [0, 1, 2, 3])
        self.assertEqual(json.loads(h[0]["executionStartedEventDetails"]["input"]), v)
        self.assertEqual(h[0]["executionStartedEventDetails"]["roleArn"], ROLE_ARN)
        self.assertEqual(json.loads(h[3]["executionSucceededEventDetails"]["output"]), {"v": v})
        rev = self.sfn.get_execution_history(executionArn=child, reverseOrder=True, maxResults=1)
        self.assertEqual(rev["events"][0]["type"], "ExecutionSucceeded")
        sd = self.sfn.describe_state_machine_for_execution(executionArn=child)
        self.assertEqual(sd["mapRunArn"], run["mapRunArn"])
        self.assertEqual(sd["label"], "MyLabel")
        self.assertEqual(sd["stateMachineArn"], prefix + "stateMachine:" + name + "/MyLabel")
        self.assertEqual(json.loads(sd["definition"])["States"], PASS_CHILD)

        # ListExecutions of the machine lists the parent only.
        listed = self.sfn.list_executions(stateMachineArn=sm)["executions"]
        self.assertEqual([e["executionArn"] for e in listed], [arn])
        self.assertNotIn("mapRunArn", listed[0])

    def test_context_object_of_a_child(self):
        child = {"P": {"Type": "Pass", "End": True, "Parameters": {
            "id.$": "$$.Execution.Id", "name.$": "$$.Execution.Name",
            "input.$": "$$.Execution.Input", "sm.$": "$$.StateMachine.Id"}}}
        sm, name = self.create_sm(dmap(child, "P", label="ctx"))
        arn, d = self.run_to_end(sm, {"items": [{"k": 1}]})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        kid = self.children(self.map_run_of(arn)["mapRunArn"])[0]
        self.assertEqual(json.loads(d["output"]), [{
            "id": kid["executionArn"], "name": kid["name"], "input": {"k": 1},
            "sm": kid["stateMachineArn"]}])

    def test_generated_label_and_two_map_runs(self):
        a = dmap(PASS_CHILD, "P")["States"]["M"]
        del a["End"]
        a.update(Next="B", ResultPath=None)
        definition = {"StartAt": "A", "States": {
            "A": a, "B": dmap({"Q": {"Type": "Pass", "End": True}}, "Q")["States"]["M"]}}
        sm, name = self.create_sm(definition)
        arn, d = self.run_to_end(sm, {"items": [1]})
        self.assertEqual(d["status"], "SUCCEEDED")
        runs = self.sfn.list_map_runs(executionArn=arn)["mapRuns"]
        self.assertEqual(len(runs), 2)
        for r in runs:
            self.assertRegex(r["mapRunArn"], ":mapRun:" + name + "/" + UUID + ":" + UUID + "$")
        page = self.sfn.list_map_runs(executionArn=arn, maxResults=1)
        self.assertEqual(len(page["mapRuns"]), 1)
        rest = self.sfn.list_map_runs(executionArn=arn, maxResults=1, nextToken=page["nextToken"])
        self.assertEqual(len(rest["mapRuns"]), 1)
        self.assertNotIn("nextToken", rest)
        self.assertEqual({page["mapRuns"][0]["mapRunArn"], rest["mapRuns"][0]["mapRunArn"]},
                         {r["mapRunArn"] for r in runs})
        self.assertEqual(self.sfn.list_map_runs(executionArn=self.start(self.create_sm()[0]))["mapRuns"], [])

    def test_tolerated_failures_and_failed_map_run(self):
        child = {"C": {"Type": "Choice", "Choices": [
                     {"Variable": "$.fail", "BooleanEquals": True, "Next": "F"}],
                       "Default": "OK"},
                 "F": {"Type": "Fail", "Error": "Boom", "Cause": "bad item"},
                 "OK": {"Type": "Pass", "End": True}}
        items = {"items": [{"fail": False}, {"fail": True}, {"fail": False}, {"fail": True}]}
        sm, _ = self.create_sm(dmap(child, "C", ToleratedFailureCount=2, MaxConcurrency=1))
        arn, d = self.run_to_end(sm, items)
        self.assertEqual(d["status"], "SUCCEEDED")
        m = self.sfn.describe_map_run(mapRunArn=self.map_run_of(arn)["mapRunArn"])
        self.assertEqual(m["status"], "SUCCEEDED")
        self.assertEqual(m["toleratedFailureCount"], 2)
        self.assertEqual(m["maxConcurrency"], 1)
        # Its tolerated failures are never run again (the Map Run succeeded).
        self.assertEqual(m["itemCounts"], counts(4, succeeded=2, failed=2, not_redrivable=2))
        failed = self.children(m["mapRunArn"], statusFilter="FAILED")
        self.assertEqual(len(failed), 2)
        f = self.sfn.describe_execution(executionArn=failed[0]["executionArn"])
        self.assertEqual((f["error"], f["cause"]), ("Boom", "bad item"))
        h = self.sfn.get_execution_history(executionArn=failed[0]["executionArn"])["events"]
        self.assertEqual(h[-1]["type"], "ExecutionFailed")
        self.assertEqual(h[-1]["executionFailedEventDetails"], {"error": "Boom", "cause": "bad item"})

        # No tolerance: the first failure fails the Map Run; later items stay pending.
        sm2, _ = self.create_sm(dmap(child, "C", MaxConcurrency=1))
        arn2, d2 = self.run_to_end(sm2, items)
        self.assertEqual(d2["status"], "FAILED")
        self.assertEqual(d2["error"], "States.ExceedToleratedFailureThreshold")
        m2 = self.sfn.describe_map_run(mapRunArn=self.map_run_of(arn2)["mapRunArn"])
        self.assertEqual(m2["status"], "FAILED")
        # The failed child waits for a redrive of the parent.
        self.assertEqual(m2["itemCounts"], counts(4, pending=2, succeeded=1, failed=1,
                                                  pending_redrive=1))


    def test_item_batcher_item_counts(self):
        # itemCounts count items, executionCounts child executions (batches).
        child = {"C": {"Type": "Choice", "Choices": [
                     {"Variable": "$.Items[0].fail", "BooleanEquals": True, "Next": "F"}],
                       "Default": "OK"},
                 "F": {"Type": "Fail", "Error": "Boom"},
                 "OK": {"Type": "Pass", "End": True}}
        batcher = {"MaxItemsPerBatch": 2}
        ok = [{"fail": False}] * 5
        sm, _ = self.create_sm(dmap(child, "C", ItemBatcher=batcher, MaxConcurrency=1))
        arn, d = self.run_to_end(sm, {"items": ok})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        m = self.sfn.describe_map_run(mapRunArn=self.map_run_of(arn)["mapRunArn"])
        self.assertEqual(m["itemCounts"], counts(5, succeeded=5))
        self.assertEqual(m["executionCounts"], counts(3, succeeded=3))
        self.assertEqual(len(self.children(m["mapRunArn"])), 3)
        # Batches [ok, ok], [fail, ok], [ok]: the second fails the Map Run, the
        # third never starts.
        items = [{"fail": False}, {"fail": False}, {"fail": True}, {"fail": False}, {"fail": False}]
        arn2, d2 = self.run_to_end(sm, {"items": items})
        self.assertEqual(d2["status"], "FAILED", d2)
        m2 = self.sfn.describe_map_run(mapRunArn=self.map_run_of(arn2)["mapRunArn"])
        self.assertEqual(m2["status"], "FAILED")
        self.assertEqual(m2["itemCounts"], counts(5, pending=1, succeeded=2, failed=2,
                                                  pending_redrive=2))
        self.assertEqual(m2["executionCounts"], counts(3, pending=1, succeeded=1, failed=1,
                                                       pending_redrive=1))


class ExpressChildren(MapRunBase):

    def test_express_children_describe_but_no_history(self):
        sm, name = self.create_sm(dmap(PASS_CHILD, "P", execution_type="EXPRESS", label="X"))
        arn, d = self.run_to_end(sm, {"items": ["a", "b"]})
        self.assertEqual(d["status"], "SUCCEEDED")
        run = self.map_run_of(arn)
        kids = self.children(run["mapRunArn"])
        self.assertEqual(len(kids), 2)
        prefix = "arn:aws:states:%s:%s:express:%s/X:" % (REGION, ACCOUNT, name)
        for k in kids:
            self.assertRegex(k["executionArn"], "^" + re.escape(prefix) + UUID + ":" + UUID + "$")
            c = self.sfn.describe_execution(executionArn=k["executionArn"])
            self.assertEqual(c["mapRunArn"], run["mapRunArn"])
            self.assertEqual(c["status"], "SUCCEEDED")
            self.assertEqual(json.loads(c["output"]), {"v": json.loads(c["input"])})
        # AWS: GetExecutionHistory is not supported for Express executions.
        self.assertErrorCode("InvalidArn", self.sfn.get_execution_history,
                             executionArn=kids[0]["executionArn"])

    def test_ten_thousand_express_children(self):
        sm, _ = self.create_sm(dmap({"P": {"Type": "Pass", "End": True}}, "P",
                                    execution_type="EXPRESS", ResultSelector={"n.$": "States.ArrayLength($)"}))
        t0 = time.time()
        arn, d = self.run_to_end(sm, {"items": list(range(10000))}, timeout=30)
        elapsed = time.time() - t0
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), {"n": 10000})
        m = self.sfn.describe_map_run(mapRunArn=self.map_run_of(arn)["mapRunArn"])
        self.assertEqual(m["status"], "SUCCEEDED")
        self.assertEqual(m["itemCounts"], counts(10000, succeeded=10000))
        self.assertEqual(m["executionCounts"], counts(10000, succeeded=10000))
        page = self.sfn.list_executions(mapRunArn=m["mapRunArn"], maxResults=1000)
        self.assertEqual(len(page["executions"]), 1000)
        self.assertIn("nextToken", page)
        self.assertLess(elapsed, 30)
        print("\n10,000 EXPRESS children: %.2f s" % elapsed)


class RunningMapRuns(MapRunBase):

    def task_map(self, act, **fields):
        return dmap({"T": {"Type": "Task", "Resource": act, "End": True}}, "T", **fields)

    def test_update_map_run_takes_effect_and_stop_aborts(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm(self.task_map(act, MaxConcurrency=1))
        arn = self.start(sm, {"items": [1, 2, 3, 4]})
        run = self.wait_for_map_run(arn)
        m = self.wait_map_run(run, lambda d: d["itemCounts"]["running"] == 1)
        self.assertEqual(m["status"], "RUNNING")
        self.assertNotIn("stopDate", m)
        self.assertEqual(m["itemCounts"], counts(4, pending=3, running=1))
        self.assertEqual(len(self.children(run, statusFilter="RUNNING")), 1)

        self.sfn.update_map_run(mapRunArn=run, maxConcurrency=3, toleratedFailureCount=1,
                                toleratedFailurePercentage=50.5)
        m = self.wait_map_run(run, lambda d: d["itemCounts"]["running"] == 3)
        self.assertEqual(m["itemCounts"], counts(4, pending=1, running=3))
        self.assertEqual((m["maxConcurrency"], m["toleratedFailureCount"],
                          m["toleratedFailurePercentage"]), (3, 1, 50.5))
        # Finish one child: the last item starts.
        token = poll_task(self.sfn, act)["taskToken"]
        self.sfn.send_task_success(taskToken=token, output="{}")
        m = self.wait_map_run(run, lambda d: d["itemCounts"]["succeeded"] == 1 and d["itemCounts"]["running"] == 3)
        self.assertEqual(m["itemCounts"], counts(4, running=3, succeeded=1))

        self.sfn.stop_execution(executionArn=arn)
        wait_for_status(self.sfn, arn)
        m = self.wait_map_run(run, lambda d: d["status"] != "RUNNING")
        self.assertEqual(m["status"], "ABORTED")
        self.assertEqual(m["itemCounts"], counts(4, succeeded=1, aborted=3, pending_redrive=3))
        aborted = self.children(run, statusFilter="ABORTED")
        self.assertEqual(len(aborted), 3)
        h = self.sfn.get_execution_history(executionArn=aborted[0]["executionArn"])["events"]
        self.assertEqual([h[0]["type"], h[1]["type"], h[2]["type"], h[-1]["type"]],
                         ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled",
                          "ExecutionAborted"])
        self.assertEqual(self.sfn.describe_execution(executionArn=aborted[0]["executionArn"])["status"], "ABORTED")
        # Once ended, UpdateMapRun refuses.
        self.assertErrorCode("ValidationException", self.sfn.update_map_run, mapRunArn=run,
                             maxConcurrency=5)

    def test_stop_a_child_execution(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm(self.task_map(act, MaxConcurrency=2, ToleratedFailureCount=1))
        arn = self.start(sm, {"items": [1, 2, 3]})
        run = self.wait_for_map_run(arn)
        self.wait_map_run(run, lambda d: d["itemCounts"]["running"] == 2)
        child = self.children(run, statusFilter="RUNNING")[0]["executionArn"]
        r = self.sfn.stop_execution(executionArn=child, error="MyErr", cause="stopped by me")
        self.assertRecent(r["stopDate"])
        # The child ends ABORTED; within the tolerated failures the Map goes on.
        m = self.wait_map_run(run, lambda d: d["itemCounts"]["aborted"] == 1 and d["itemCounts"]["running"] == 2)
        self.assertEqual(m["itemCounts"], counts(3, running=2, aborted=1))
        c = self.sfn.describe_execution(executionArn=child)
        self.assertEqual((c["status"], c["error"], c["cause"]), ("ABORTED", "MyErr", "stopped by me"))
        h = self.sfn.get_execution_history(executionArn=child)["events"]
        self.assertEqual(h[-1]["type"], "ExecutionAborted")
        self.assertEqual(h[-1]["executionAbortedEventDetails"], {"error": "MyErr", "cause": "stopped by me"})
        # Stopping it again answers with its stop date.
        again = self.sfn.stop_execution(executionArn=child)
        self.assertEqual(again["stopDate"], c["stopDate"])
        # (In a cluster the stopped child's task may already sit in the
        # shared queue: a worker can still get it, and its answer is refused.)
        answered = 0
        while answered < 2:
            token = poll_task(self.sfn, act)["taskToken"]
            try:
                self.sfn.send_task_success(taskToken=token, output="{}")
                answered += 1
            except self.sfn.exceptions.TaskDoesNotExist:
                pass
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        m = self.sfn.describe_map_run(mapRunArn=run)
        self.assertEqual(m["status"], "SUCCEEDED")
        self.assertEqual(m["itemCounts"], counts(3, succeeded=2, aborted=1, not_redrivable=1))

    def wait_for_map_run(self, arn, timeout=10.0):
        end = time.time() + timeout
        while time.time() < end:
            runs = self.sfn.list_map_runs(executionArn=arn)["mapRuns"]
            if runs:
                return runs[0]["mapRunArn"]
            time.sleep(0.05)
        self.fail("no Map Run")


class Errors(MapRunBase):

    def finished_map_run(self):
        sm, _ = self.create_sm(dmap(PASS_CHILD, "P"))
        arn, _ = self.run_to_end(sm, {"items": [1]})
        return sm, arn, self.map_run_of(arn)["mapRunArn"]

    def test_describe_map_run_errors(self):
        _, _, run = self.finished_map_run()
        self.assertErrorCode("InvalidArn", self.sfn.describe_map_run, mapRunArn="nope")
        self.assertErrorCode("InvalidArn", self.sfn.describe_map_run,
                             mapRunArn=run.replace(":mapRun:", ":stateMachine:"))
        missing = run[:-36] + "00000000-0000-4000-8000-000000000000"
        e = self.assertErrorCode("ResourceNotFound", self.sfn.describe_map_run, mapRunArn=missing)
        self.assertIn(missing, e.response["Error"]["Message"])
        r = post_json("DescribeMapRun", {"mapRunArn": ""})
        self.assertEqual((r.status, r.error_type()), (400, "ValidationException"))
        r = post_json("DescribeMapRun", {})
        self.assertEqual((r.status, r.error_type()), (400, "ValidationException"))

    def test_list_map_runs_errors(self):
        sm, arn, _ = self.finished_map_run()
        self.assertErrorCode("InvalidArn", self.sfn.list_map_runs, executionArn="nope")
        self.assertErrorCode("ExecutionDoesNotExist", self.sfn.list_map_runs,
                             executionArn=arn + "x")
        self.assertErrorCode("InvalidToken", self.sfn.list_map_runs, executionArn=arn,
                             nextToken="garbage")
        self.assertErrorCode("ValidationException", self.sfn.list_map_runs, executionArn=arn,
                             maxResults=1001)

    def test_list_executions_rules(self):
        sm, _, run = self.finished_map_run()
        e = self.assertErrorCode("ValidationException", self.sfn.list_executions,
                                 stateMachineArn=sm, mapRunArn=run)
        self.assertErrorCode("ValidationException", self.sfn.list_executions)
        self.assertErrorCode("ValidationException", self.sfn.list_executions, stateMachineArn=sm,
                             statusFilter="PENDING_REDRIVE")
        self.assertErrorCode("ResourceNotFound", self.sfn.list_executions,
                             mapRunArn=run[:-36] + "00000000-0000-4000-8000-000000000000")
        self.assertErrorCode("InvalidArn", self.sfn.list_executions, mapRunArn="nope")
        self.assertErrorCode("ValidationException", self.sfn.list_executions, mapRunArn=run,
                             statusFilter="NOPE")
        self.assertErrorCode("InvalidToken", self.sfn.list_executions, mapRunArn=run,
                             nextToken="garbage")

    def test_unknown_child_executions(self):
        _, _, run = self.finished_map_run()
        kid = self.children(run)[0]["executionArn"]
        missing = kid[:-36] + "00000000-0000-4000-8000-000000000000"
        for fn in (self.sfn.describe_execution, self.sfn.get_execution_history,
                   self.sfn.describe_state_machine_for_execution, self.sfn.stop_execution):
            self.assertErrorCode("ExecutionDoesNotExist", fn, executionArn=missing)

    def test_update_map_run_errors(self):
        _, _, run = self.finished_map_run()
        # (boto3 checks these ranges itself: raw requests.)
        for kw in ({"maxConcurrency": -1}, {"toleratedFailureCount": -1},
                   {"toleratedFailurePercentage": 100.5}, {"toleratedFailurePercentage": -1.0}):
            r = post_json("UpdateMapRun", dict(mapRunArn=run, **kw))
            self.assertEqual((r.status, r.error_type()), (400, "ValidationException"), kw)
        r = post_json("UpdateMapRun", {"mapRunArn": run, "maxConcurrency": "x"})
        self.assertEqual(r.error_type(), "SerializationException")
        self.assertErrorCode("InvalidArn", self.sfn.update_map_run, mapRunArn="nope",
                             maxConcurrency=1)
        self.assertErrorCode("ResourceNotFound", self.sfn.update_map_run,
                             mapRunArn=run[:-36] + "00000000-0000-4000-8000-000000000000",
                             maxConcurrency=1)
        self.assertErrorCode("ValidationException", self.sfn.update_map_run, mapRunArn=run,
                             maxConcurrency=1)


@unittest.skipIf(AWS is None, "aws CLI not installed")
class Cli(MapRunBase):

    def aws(self, *args, check=True):
        from test_cli import cli_env
        cmd = [AWS, "stepfunctions", *args, "--endpoint-url", endpoint(), "--region", REGION,
               "--output", "json"]
        p = subprocess.run(cmd, env=cli_env(), capture_output=True, text=True, timeout=60)
        if check:
            self.assertEqual(p.returncode, 0, p.stderr)
            return json.loads(p.stdout) if p.stdout.strip() else {}
        return p

    def test_cli_map_run_commands(self):
        sm, _ = self.create_sm(dmap(PASS_CHILD, "P", label="cli"))
        arn, _ = self.run_to_end(sm, {"items": [1, 2]})
        runs = self.aws("list-map-runs", "--execution-arn", arn)["mapRuns"]
        self.assertEqual(len(runs), 1)
        run = runs[0]["mapRunArn"]
        d = self.aws("describe-map-run", "--map-run-arn", run)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(d["itemCounts"]["succeeded"], 2)
        kids = self.aws("list-executions", "--map-run-arn", run)["executions"]
        self.assertEqual(len(kids), 2)
        p = self.aws("update-map-run", "--map-run-arn", run, "--max-concurrency", "2", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ValidationException", p.stderr)
        p = self.aws("describe-map-run", "--map-run-arn", run[:-36] + "00000000-0000-4000-8000-000000000000",
                     check=False)
        self.assertIn("ResourceNotFound", p.stderr)

    def test_cli_update_map_run_on_a_running_map_run(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm(dmap({"T": {"Type": "Task", "Resource": act, "End": True}}, "T",
                                    MaxConcurrency=1))
        arn = self.start(sm, {"items": [1, 2, 3]})
        run = None
        end = time.time() + 10
        while run is None and time.time() < end:
            runs = self.aws("list-map-runs", "--execution-arn", arn)["mapRuns"]
            run = runs[0]["mapRunArn"] if runs else None
        self.assertIsNotNone(run)
        self.wait_map_run(run, lambda d: d["itemCounts"]["running"] == 1)
        self.aws("update-map-run", "--map-run-arn", run, "--max-concurrency", "3",
                 "--tolerated-failure-percentage", "10", "--tolerated-failure-count", "1")
        d = self.wait_map_run(run, lambda d: d["itemCounts"]["running"] == 3)
        self.assertEqual(d["itemCounts"]["running"], 3)
        shown = self.aws("describe-map-run", "--map-run-arn", run)
        self.assertEqual((shown["maxConcurrency"], shown["toleratedFailurePercentage"],
                          shown["toleratedFailureCount"]), (3, 10.0, 1))
        self.sfn.stop_execution(executionArn=arn)


if __name__ == "__main__":
    unittest.main()
