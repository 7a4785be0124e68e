#!/usr/bin/env python3
"""RedriveExecution survives kill -9: a redrive is stored like any other
transition, and a node that restarts with redriven executions in flight
finishes each exactly once with a correct history.

    python3 tests/durability/redrive_recovery.py \\
        --statecraftd build/tools/statecraftd/statecraftd

1. redis-server (appendonly, everysec) and statecraftd on it
   (--task-token-secret, so tokens outlive the process).
2. --executions executions of an inline Map over 10 items, each iteration
   an activity Task. A worker succeeds items 0-2, 4, 5, 7 and 9, keeps the
   tasks of items 6 and 8 unanswered, then fails item 3: every execution
   FAILS with item 3 failed and items 6 and 8 aborted.
3. RedriveExecution of each. The worker then takes redriven tasks and
   answers some of them; with redrives stored, some tasks answered, some
   taken and unanswered, some still queued: kill -9, restart on the same
   port. The worker answers the tokens it held and takes the rest.
4. Checks, for every execution: SUCCEEDED; redriveCount 1; history ids
   1..N with every previousEventId earlier; exactly one ExecutionRedriven,
   right after the ExecutionFailed; after it, MapIterationStarted and
   MapIterationSucceeded exactly for items 3, 6 and 8, once each; the output
   has the 10 items in order, items 3, 6, 8 from the second run and the
   others from the first. And the crash caught redriven executions both
   before and after some of their tasks were answered (coverage).
Exit status 0 when every check passed, 1 otherwise (2: could not run).
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
from common import log  # noqa: E402

ITEMS = 10
FAILS = 3
HELD = (6, 8)
RERUN = sorted((FAILS,) + HELD)


def definition(act):
    return {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items",
        "ItemSelector": {"i.$": "$$.Map.Item.Value", "e.$": "$$.Execution.Name"},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Work",
                          "States": {"Work": {"Type": "Task", "Resource": act, "End": True}}},
        "End": True}}}


def poll(sfn, act, deadline):
    while time.monotonic() < deadline:
        try:
            t = sfn.get_activity_task(activityArn=act, workerName=common.WORKER_NAME)
        except common.TRANSPORT_ERRORS:
            time.sleep(0.1)
            continue
        if t.get("taskToken"):
            return t
    return None


def answer(sfn, token, output):
    for _ in range(50):
        try:
            sfn.send_task_success(taskToken=token, output=json.dumps(output))
            return True
        except common.TRANSPORT_ERRORS:
            time.sleep(0.1)
        except Exception as e:  # TaskDoesNotExist: answered before the crash
            code, _ = common.error_code(e)
            return code
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statecraftd", required=True)
    ap.add_argument("--executions", type=int, default=40)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="statecraft-redrive-")
    redis = common.Redis(work)
    node = None
    failures = []
    try:
        redis.start()
        node = common.Node(os.path.abspath(args.statecraftd), work, redis.port,
                           extra=["--activity-poll-timeout", "1", "--idle-actor-seconds", "0.5"])
        node.start()
        sfn = common.boto(node.port)
        act = sfn.create_activity(name="redrive-act")["activityArn"]
        sm = sfn.create_state_machine(name="redrive-map", definition=json.dumps(definition(act)),
                                      roleArn=common.ROLE_ARN)["stateMachineArn"]
        names = ["x%04d" % k for k in range(args.executions)]
        arns = {}
        for n in names:
            arns[n] = sfn.start_execution(stateMachineArn=sm, name=n,
                                          input=json.dumps({"items": list(range(ITEMS))}))["executionArn"]

        # Phase 1: every execution fails at item 3, with 6 and 8 aborted.
        tasks = {}
        deadline = time.monotonic() + 120
        while len(tasks) < ITEMS * len(names):
            t = poll(sfn, act, deadline)
            if t is None:
                failures.append("phase 1: only %d of %d tasks handed out"
                                % (len(tasks), ITEMS * len(names)))
                return 1
            inp = json.loads(t["input"])
            tasks[(inp["e"], inp["i"])] = t["taskToken"]
        for (e, i), tok in tasks.items():
            if i != FAILS and i not in HELD:
                sfn.send_task_success(taskToken=tok, output=json.dumps({"i": i, "run": 1}))
        for n in names:
            sfn.send_task_failure(taskToken=tasks[(n, FAILS)], error="Flaky", cause="first run")
        for n in names:
            while True:
                d = sfn.describe_execution(executionArn=arns[n])
                if d["status"] != "RUNNING":
                    break
                time.sleep(0.05)
            if d["status"] != "FAILED" or d.get("redriveStatus") != "REDRIVABLE":
                failures.append("%s: after phase 1 %s / %s" % (n, d["status"], d.get("redriveStatus")))
        if failures:
            return 1
        log("phase 1: %d executions FAILED (item %d failed, items %s aborted)"
            % (len(names), FAILS, HELD))

        # Phase 2: redrive all, answer some, kill -9 mid-way.
        for n in names:
            sfn.redrive_execution(executionArn=arns[n], clientToken="redrive-" + n)
        held, answered = [], set()
        deadline = time.monotonic() + 30
        want = len(names) * len(RERUN) // 2
        while len(held) + len(answered) < want:
            t = poll(sfn, act, deadline)
            if t is None:
                break
            inp = json.loads(t["input"])
            key = (inp["e"], inp["i"])
            if (len(answered) + len(held)) % 2 == 0:
                sfn.send_task_success(taskToken=t["taskToken"],
                                      output=json.dumps({"i": inp["i"], "run": 2}))
                answered.add(key)
            else:
                held.append((key, t["taskToken"]))
        touched = {e for (e, _) in answered} | {e for (e, _), _ in held}
        untouched = [n for n in names if n not in touched]
        done_before = sum(1 for n in names
                          if sfn.describe_execution(executionArn=arns[n])["status"] == "SUCCEEDED")
        log("phase 2: redriven %d; %d tasks answered, %d held, %d executions untouched, "
            "%d already SUCCEEDED; kill -9" % (len(names), len(answered), len(held),
                                               len(untouched), done_before))
        if not answered or not held or not untouched:
            failures.append("coverage: answered=%d held=%d untouched=%d"
                            % (len(answered), len(held), len(untouched)))
        node.kill9()
        node.start()
        sfn = common.boto(node.port)
        # Idempotent after the restart too: the same token, the same answer.
        r = sfn.redrive_execution(executionArn=arns[names[0]], clientToken="redrive-" + names[0])
        if "redriveDate" not in r:
            failures.append("repeated redrive after restart: %r" % r)
        for (key, tok) in held:
            res = answer(sfn, tok, {"i": key[1], "run": 2})
            if res is not True:
                failures.append("held token %s after restart: %r" % (key, res))
        deadline = time.monotonic() + 120
        while True:
            pending = [n for n in names
                       if sfn.describe_execution(executionArn=arns[n])["status"] == "RUNNING"]
            if not pending:
                break
            t = poll(sfn, act, min(deadline, time.monotonic() + 2))
            if t is not None:
                inp = json.loads(t["input"])
                answer(sfn, t["taskToken"], {"i": inp["i"], "run": 2})
            if time.monotonic() > deadline:
                failures.append("still RUNNING after the restart: %s" % pending[:5])
                break

        # Checks.
        raw = common.Raw(node.port)
        for n in names:
            d = sfn.describe_execution(executionArn=arns[n])
            if d["status"] != "SUCCEEDED" or d.get("redriveCount") != 1:
                failures.append("%s: %s redriveCount=%s" % (n, d["status"], d.get("redriveCount")))
                continue
            out = json.loads(d["output"])
            runs = [o["run"] for o in out]
            expect = [2 if i in RERUN else 1 for i in range(ITEMS)]
            if [o["i"] for o in out] != list(range(ITEMS)) or runs != expect:
                failures.append("%s: output %s" % (n, out))
            events = raw.history(arns[n])
            ids = [e["id"] for e in events]
            if ids != list(range(1, len(events) + 1)):
                failures.append("%s: event ids %s" % (n, ids))
            if any(not (0 <= e["previousEventId"] < e["id"]) for e in events):
                failures.append("%s: a previousEventId not earlier" % n)
            types = [e["type"] for e in events]
            if types.count("ExecutionRedriven") != 1:
                failures.append("%s: %d ExecutionRedriven" % (n, types.count("ExecutionRedriven")))
                continue
            at = types.index("ExecutionRedriven")
            if types[at - 1] != "ExecutionFailed" or types[-1] != "ExecutionSucceeded":
                failures.append("%s: %s" % (n, types[at - 1:at + 1] + types[-1:]))
            rest = events[at + 1:]
            started = sorted(e["mapIterationStartedEventDetails"]["index"] for e in rest
                             if e["type"] == "MapIterationStarted")
            succeeded = sorted(e["mapIterationSucceededEventDetails"]["index"] for e in rest
                               if e["type"] == "MapIterationSucceeded")
            if started != RERUN or succeeded != RERUN:
                failures.append("%s: after the redrive started %s succeeded %s"
                                % (n, started, succeeded))
            if types.count("ExecutionSucceeded") != 1:
                failures.append("%s: %d ExecutionSucceeded" % (n, types.count("ExecutionSucceeded")))
        if node.terminate() != 0:
            failures.append("node did not exit 0 on SIGTERM")
    except Exception as e:  # noqa: BLE001
        failures.append("error: %r" % e)
    finally:
        if node is not None and node.alive():
            node.terminate()
        redis.stop()
        if failures:
            for f in failures[:40]:
                log("FAIL: " + f)
            log("work directory kept: %s" % work)
        elif not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if not failures:
        log("OK: %d executions redriven across kill -9, each finished once with the right history"
            % args.executions)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
