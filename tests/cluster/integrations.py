#!/usr/bin/env python3
"""Service integrations in a cluster and across kill -9.

    python3 tests/cluster/integrations.py --statecraftd build/tools/statecraftd/statecraftd

Three nodes on one Redis, started without --task-token-secret (the cluster's
secret ring lives in Redis).

1. Callbacks through any node: --executions parents, started alternately on
   the three nodes, each a `.waitForTaskToken` Task calling
   states:startExecution with `$$.Task.Token` in the child's input. Each
   token is read from the child's input and completed with SendTaskSuccess
   through a node chosen round-robin (so most go through a node that does
   not own the parent). Every parent SUCCEEDS with the output sent; a second
   SendTaskSuccess on the token answers TaskDoesNotExist through any node.
2. kill -9: more such parents are started and their children started, then
   the node that owns most of them is killed with -9 and started again.
   Each token (read before the kill) then completes its parent through the
   restarted node, and the parents SUCCEED with one TaskScheduled and one
   TaskSubmitted each (the call was not made twice).
3. A `.sync` child survives kill -9 of its parent's node: parents whose
   `.sync` child waits 4 s are started, the parents' owner is killed and
   restarted; every parent SUCCEEDS with the child's output and each child
   ran once.
Exit status 0 when every check passed.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "durability"))

import common  # noqa: E402
from common import log  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import lease_owner as owner, shard_of  # noqa: E402

SE = "arn:aws:states:::states:startExecution"
CHILD_WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
CHILD_SHORT = {"StartAt": "W", "States": {
    "W": {"Type": "Wait", "Seconds": 4, "Next": "P"},
    "P": {"Type": "Pass", "Parameters": {"child.$": "$.k"}, "End": True}}}


def parent_def(resource, child, extra):
    inp = {"k.$": "$.k"}
    inp.update(extra)
    return {"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": resource,
        "Parameters": {"StateMachineArn": child, "Input": inp}, "End": True}}}


class Node(common.Node):
    """A node without --task-token-secret: the secret is the cluster's."""

    def args(self):
        a = super().args()
        i = a.index("--task-token-secret")
        return a[:i] + a[i + 2:]


def wait_end(sfn, arn, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            d = sfn.describe_execution(executionArn=arn)
            if d["status"] != "RUNNING" or time.monotonic() > deadline:
                return d
        except Exception:  # noqa: BLE001  (a node restarting)
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)


def history(sfn, arn):
    events, token = [], None
    while True:
        kw = {"executionArn": arn}
        if token:
            kw["nextToken"] = token
        r = sfn.get_execution_history(**kw)
        events += r["events"]
        token = r.get("nextToken")
        if not token:
            return events


def child_token(sfn, parent_arn, timeout=30):
    """The child's ARN and the token in its input, once TaskSubmitted is stored."""
    deadline = time.monotonic() + timeout
    while True:
        for e in history(sfn, parent_arn):
            if e["type"] == "TaskSubmitted":
                child = json.loads(e["taskSubmittedEventDetails"]["output"])["ExecutionArn"]
                inp = json.loads(sfn.describe_execution(executionArn=child)["input"])
                return child, inp.get("token")
        if time.monotonic() > deadline:
            raise AssertionError("no TaskSubmitted for %s" % parent_arn)
        time.sleep(0.1)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statecraftd", required=True)
    ap.add_argument("--executions", type=int, default=12)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="statecraft-cluster-integrations-")
    redis = common.Redis(work)
    nodes = []
    failures = []
    try:
        redis.start()
        for i in range(3):
            n = Node(os.path.abspath(args.statecraftd), work, redis.port,
                     extra=["--node-id", "n%d" % (i + 1), "--heartbeat-seconds", "0.5",
                            "--lease-ttl-seconds", "2", "--idle-actor-seconds", "0.5"])
            n.start()
            nodes.append(n)
        time.sleep(3)
        clients = [common.boto(n.port) for n in nodes]
        c0 = clients[0]
        child = c0.create_state_machine(name="child", definition=json.dumps(CHILD_WAIT),
                                        roleArn=common.ROLE_ARN)["stateMachineArn"]
        short = c0.create_state_machine(name="short", definition=json.dumps(CHILD_SHORT),
                                        roleArn=common.ROLE_ARN)["stateMachineArn"]
        cb = c0.create_state_machine(
            name="cb", roleArn=common.ROLE_ARN,
            definition=json.dumps(parent_def(SE + ".waitForTaskToken", child,
                                             {"token.$": "$$.Task.Token"})))["stateMachineArn"]
        sync = c0.create_state_machine(
            name="sync", roleArn=common.ROLE_ARN,
            definition=json.dumps(parent_def(SE + ".sync:2", short, {})))["stateMachineArn"]

        # 1. callbacks through any node
        parents = [clients[k % 3].start_execution(stateMachineArn=cb, name="p%03d" % k,
                                                  input='{"k": %d}' % k)["executionArn"]
                   for k in range(args.executions)]
        remote = 0
        for k, arn in enumerate(parents):
            ch, token = child_token(c0, arn)
            via = (k + 1) % 3
            remote += owner(redis, arn) != "n%d" % (via + 1)
            clients[via].send_task_success(taskToken=token, output=json.dumps({"k": k}))
            d = wait_end(clients[k % 3], arn)
            if d["status"] != "SUCCEEDED" or json.loads(d["output"]) != {"k": k}:
                failures.append("%s: %s %s" % (arn, d["status"], d.get("output")))
            try:
                clients[(k + 2) % 3].send_task_success(taskToken=token, output="{}")
                failures.append("%s: a second SendTaskSuccess was accepted" % arn)
            except Exception as e:  # noqa: BLE001
                if common.error_code(e)[0] != "TaskDoesNotExist":
                    failures.append("%s: second answer %r" % (arn, e))
            c0.stop_execution(executionArn=ch)
        log("callbacks: %d of %d completed through a node that does not own the parent"
            % (remote, len(parents)))
        if remote < len(parents) // 3:
            failures.append("coverage: only %d remote callbacks" % remote)

        # 2. kill -9 with callbacks in flight
        crash = [clients[k % 3].start_execution(stateMachineArn=cb, name="q%03d" % k,
                                                input='{"k": %d}' % k)["executionArn"]
                 for k in range(args.executions)]
        tokens = {arn: child_token(c0, arn)[1] for arn in crash}
        counts = {}
        for arn in crash:
            counts[owner(redis, arn)] = counts.get(owner(redis, arn), 0) + 1
        victim_id = max(counts, key=counts.get)
        vi = int(victim_id[1:]) - 1
        log("kill -9 %s (owns %d of %d callback parents)" % (victim_id, counts[victim_id],
                                                             len(crash)))
        nodes[vi].kill9()
        nodes[vi].start()
        clients[vi] = common.boto(nodes[vi].port)
        time.sleep(4)
        for k, arn in enumerate(crash):
            try:
                clients[vi].send_task_success(taskToken=tokens[arn], output=json.dumps({"q": k}))
            except Exception as e:  # noqa: BLE001
                failures.append("%s: SendTaskSuccess after restart: %r" % (arn, e))
                continue
            d = wait_end(clients[vi], arn)
            types = [e["type"] for e in history(clients[vi], arn)]
            if d["status"] != "SUCCEEDED" or json.loads(d["output"]) != {"q": k}:
                failures.append("%s: %s after restart" % (arn, d["status"]))
            if types.count("TaskScheduled") != 1 or types.count("TaskSubmitted") != 1:
                failures.append("%s: history %s" % (arn, types))

        # 3. a .sync child survives kill -9 of the parent's node
        sp = [clients[k % 3].start_execution(stateMachineArn=sync, name="s%03d" % k,
                                             input='{"k": %d}' % k)["executionArn"]
              for k in range(args.executions)]
        for arn in sp:
            child_token(clients[0], arn)
        counts = {}
        for arn in sp:
            counts[owner(redis, arn)] = counts.get(owner(redis, arn), 0) + 1
        victim_id = max(counts, key=counts.get)
        vi = int(victim_id[1:]) - 1
        log("kill -9 %s (owns %d of %d .sync parents)" % (victim_id, counts[victim_id], len(sp)))
        nodes[vi].kill9()
        nodes[vi].start()
        clients[vi] = common.boto(nodes[vi].port)
        for k, arn in enumerate(sp):
            d = wait_end(clients[vi], arn, timeout=60)
            if d["status"] != "SUCCEEDED":
                failures.append("%s: .sync parent %s" % (arn, d["status"]))
                continue
            out = json.loads(d["output"])
            if out.get("Output") != {"child": k} or out.get("Status") != "SUCCEEDED":
                failures.append("%s: .sync output %s" % (arn, out))
            types = [e["type"] for e in history(clients[vi], arn)]
            if [types.count(t) for t in ("TaskScheduled", "TaskSubmitted", "TaskSucceeded")] != \
                    [1, 1, 1]:
                failures.append("%s: .sync history %s" % (arn, types))
        children = c0.list_executions(stateMachineArn=short)["executions"]
        if len(children) != len(sp):
            failures.append("%d children for %d .sync parents" % (len(children), len(sp)))
        for n in nodes:
            if n.terminate() != 0:
                failures.append("a node did not exit 0")
    except Exception as e:  # noqa: BLE001
        failures.append("error: %r" % e)
    finally:
        for n in nodes:
            if n.alive():
                n.terminate()
        redis.stop()
        for f in failures[:40]:
            log("FAIL: " + f)
        if failures:
            log("work directory kept: %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
            log("OK: callbacks through any node, across kill -9; .sync across kill -9")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
