#!/usr/bin/env python3
"""Map Runs across a node crash and in a cluster (Redis): a Distributed Map whose STANDARD
children wait for activity tasks; kill -9 the node mid-run, start it again,
and check that the Map Run and its children carry on from what was stored.

    python3 tests/durability/map_run_restart.py \\
        --statecraftd build/tools/statecraftd/statecraftd

Checks: DescribeMapRun counts are exact before the crash, after the restart
and at the end; UpdateMapRun after the restart takes effect at once (more
children start); each child's history is whole (ids 1..n, ExecutionStarted
to ExecutionSucceeded, no duplicate); the parent SUCCEEDED with every item's
output. Then a second node joins (a cluster of two): UpdateMapRun sent to
either node reaches the parent on its owner (through the shard inbox when
the other node owns it) and takes effect; StopExecution aborts the Map Runs
(children ABORTED, pending items stay pending). Last, Redis is killed and
restarted while a Map Run runs and a worker answers tasks throughout: the
parent succeeds with exact counts and no child history gains a duplicate
event. Exit status 0 when every check passed, 1 otherwise."""

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time

import botocore.exceptions

import common

ITEMS = 5


def wait(pred, what, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def counts(sfn, run):
    # Right after a Redis outage the node's readers may still be in their
    # reconnect back-off: ServiceUnavailable, which a client retries.
    deadline = time.time() + 15
    while True:
        try:
            c = sfn.describe_map_run(mapRunArn=run)["itemCounts"]
            break
        except botocore.exceptions.ClientError as e:
            if e.response["Error"]["Code"] != "ServiceUnavailable" or time.time() > deadline:
                raise
            time.sleep(0.2)
    return (c["pending"], c["running"], c["succeeded"], c["total"])


def answer_one(sfn, act):
    t = sfn.get_activity_task(activityArn=act, workerName="w")
    if not t.get("taskToken"):
        return False
    sfn.send_task_success(taskToken=t["taskToken"], output=json.dumps({"done": json.loads(t["input"])}))
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--statecraftd", required=True)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="statecraft-maprun-")
    redis = common.Redis(tmp)
    redis.start()
    node = common.Node(os.path.abspath(args.statecraftd), tmp, redis.port,
                       extra=["--activity-poll-timeout", "1", "--idle-actor-seconds", "0.3"])
    ok = False
    try:
        node.start()
        sfn = common.boto(node.port)
        act = sfn.create_activity(name="maprun-act")["activityArn"]
        definition = {"StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "Label": "crash",
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                              "StartAt": "T",
                              "States": {"T": {"Type": "Task", "Resource": act, "End": True}}},
            "End": True}}}
        sm = sfn.create_state_machine(name="maprun-crash", definition=json.dumps(definition),
                                      roleArn=common.ROLE_ARN)["stateMachineArn"]
        arn = sfn.start_execution(stateMachineArn=sm,
                                  input=json.dumps({"items": list(range(ITEMS))}))["executionArn"]
        run = wait(lambda: (sfn.list_map_runs(executionArn=arn)["mapRuns"] or [None])[0],
                   "the Map Run")["mapRunArn"]
        wait(lambda: counts(sfn, run) == (3, 2, 0, ITEMS), "2 running")
        assert answer_one(sfn, act), "no task"
        wait(lambda: counts(sfn, run) == (2, 2, 1, ITEMS), "1 succeeded, 2 running")
        common.log("kill -9 with %s" % (counts(sfn, run),))
        node.kill9()
        node.start()
        sfn = common.boto(node.port)
        got = counts(sfn, run)
        assert got == (2, 2, 1, ITEMS), "after the restart: %s" % (got,)
        assert sfn.describe_map_run(mapRunArn=run)["status"] == "RUNNING"
        sfn.update_map_run(mapRunArn=run, maxConcurrency=4)
        wait(lambda: counts(sfn, run) == (0, 4, 1, ITEMS), "4 running after UpdateMapRun")
        while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            answer_one(sfn, act)
        d = sfn.describe_execution(executionArn=arn)
        assert d["status"] == "SUCCEEDED", d
        assert json.loads(d["output"]) == [{"done": i} for i in range(ITEMS)], d["output"]
        m = sfn.describe_map_run(mapRunArn=run)
        assert m["status"] == "SUCCEEDED" and counts(sfn, run) == (0, 0, ITEMS, ITEMS), m
        assert m["maxConcurrency"] == 4, m
        kids = sfn.list_executions(mapRunArn=run)["executions"]
        assert len(kids) == ITEMS, kids
        for k in kids:
            assert k["status"] == "SUCCEEDED", k
            h = sfn.get_execution_history(executionArn=k["executionArn"])["events"]
            types = [e["type"] for e in h]
            assert [e["id"] for e in h] == list(range(1, len(h) + 1)), types
            assert types == ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled",
                             "ActivityStarted", "ActivitySucceeded", "TaskStateExited",
                             "ExecutionSucceeded"], types
        common.log("map run restart: OK")

        # A second node on the same Redis (a cluster of two): UpdateMapRun
        # sent to either node reaches the parent where it runs (through the
        # shard inbox when the other node owns it), and takes effect.
        node2 = common.Node(os.path.abspath(args.statecraftd), tmp, redis.port,
                            extra=["--activity-poll-timeout", "1", "--idle-actor-seconds", "0.3",
                                   "--node-id", "second", "--heartbeat-seconds", "0.5"])
        node2.start()
        try:
            sfn2 = common.boto(node2.port)
            time.sleep(3)  # shards rebalance
            parents = [sfn.start_execution(stateMachineArn=sm, input=json.dumps(
                {"items": list(range(ITEMS))}))["executionArn"] for _ in range(4)]
            runs = [wait(lambda a=a: (sfn.list_map_runs(executionArn=a)["mapRuns"] or [None])[0],
                         "a Map Run")["mapRunArn"] for a in parents]
            for run in runs:
                wait(lambda run=run: counts(sfn, run) == (3, 2, 0, ITEMS), "2 running")
            for i, run in enumerate(runs):
                via = sfn if i % 2 == 0 else sfn2
                via.update_map_run(mapRunArn=run, maxConcurrency=3)
                wait(lambda run=run: counts(sfn2, run) == (2, 3, 0, ITEMS),
                     "3 running after UpdateMapRun through node %d" % (1 + i % 2))
            for a in parents:
                sfn2.stop_execution(executionArn=a)
            for run in runs:
                m = wait(lambda run=run: (lambda d: d if d["status"] != "RUNNING" else None)(
                    sfn.describe_map_run(mapRunArn=run)), "ABORTED")
                assert m["status"] == "ABORTED", m
                assert counts(sfn, run) == (2, 0, 0, ITEMS), counts(sfn, run)
                assert m["itemCounts"]["aborted"] == 3, m
            common.log("cluster UpdateMapRun and StopExecution: OK")
        finally:
            node2.terminate()

        # Redis killed and restarted while the Map Run runs: a worker keeps
        # answering tasks throughout (retrying what fails); saves that failed
        # are retried, so no child history may gain a duplicate event.
        arn = sfn.start_execution(stateMachineArn=sm, input=json.dumps(
            {"items": list(range(ITEMS))}))["executionArn"]
        run = wait(lambda: (sfn.list_map_runs(executionArn=arn)["mapRuns"] or [None])[0],
                   "the Map Run")["mapRunArn"]
        stop = threading.Event()

        def worker():
            w = common.boto(node.port, read_timeout=5)
            while not stop.is_set():
                try:
                    answer_one(w, act)
                except Exception:
                    time.sleep(0.1)

        th = threading.Thread(target=worker, daemon=True)
        th.start()
        wait(lambda: counts(sfn, run)[2] >= 1, "a child succeeded")
        redis.kill()
        time.sleep(2)
        redis.start()

        def finished():
            try:
                return sfn.describe_execution(executionArn=arn)["status"] != "RUNNING"
            except Exception:
                return False

        wait(finished, "the parent to finish after the outage", timeout=60)
        stop.set()
        th.join()
        d = sfn.describe_execution(executionArn=arn)
        assert d["status"] == "SUCCEEDED", d
        assert counts(sfn, run) == (0, 0, ITEMS, ITEMS), counts(sfn, run)
        for k in sfn.list_executions(mapRunArn=run)["executions"]:
            h = sfn.get_execution_history(executionArn=k["executionArn"])["events"]
            assert [e["id"] for e in h] == list(range(1, len(h) + 1)), h
            assert [e["type"] for e in h][0] == "ExecutionStarted", h
            assert [e["type"] for e in h].count("ExecutionSucceeded") == 1, h
            assert [e["type"] for e in h][-1] == "ExecutionSucceeded", h
        common.log("Redis outage during a Map Run: OK")
        ok = True
    except AssertionError as e:
        common.log("FAILED: %s" % e)
    finally:
        node.terminate()
        redis.stop()
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            common.log("kept %s" % tmp)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
