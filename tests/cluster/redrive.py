#!/usr/bin/env python3
"""RedriveExecution in a cluster: a redrive sent to any node reaches the
execution's owner (through the shard's inbox when another node owns it).

    python3 tests/cluster/redrive.py --statecraftd build/tools/statecraftd/statecraftd

Two nodes on one Redis. --executions executions that fail until redriven
(a Pass reading $$.Execution.RedriveTime), started alternately on both nodes
and redriven alternately through both (so about half of the redrives go
through the node that does not own the execution). Checks: every redrive
answers 200 with a redriveDate; every execution then SUCCEEDS with
redriveCount 1, the redriveDate it was answered with, and exactly one
ExecutionRedriven in its history; a repeated redrive with the same
clientToken through the other node answers the same date; DescribeExecution
through either node agrees. Exit status 0 when every check passed.
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

DEFINITION = {"StartAt": "A", "States": {
    "A": {"Type": "Pass", "Result": 1, "ResultPath": "$.a", "Next": "B"},
    "B": {"Type": "Pass", "Parameters": {"t.$": "$$.Execution.RedriveTime",
                                         "n.$": "$$.Execution.RedriveCount"}, "End": True}}}


def wait_end(sfn, arn, timeout=30, until=("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")):
    deadline = time.monotonic() + timeout
    while True:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] in until or time.monotonic() > deadline:
            return d
        time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statecraftd", required=True)
    ap.add_argument("--executions", type=int, default=40)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="statecraft-cluster-redrive-")
    redis = common.Redis(work)
    nodes = []
    failures = []
    try:
        redis.start()
        for i in range(2):
            n = common.Node(os.path.abspath(args.statecraftd), work, redis.port,
                            extra=["--node-id", "n%d" % (i + 1), "--heartbeat-seconds", "0.5",
                                   "--lease-ttl-seconds", "2", "--idle-actor-seconds", "0.5"])
            n.start()
            nodes.append(n)
        time.sleep(3)  # both hold shards
        clients = [common.boto(n.port) for n in nodes]
        sm = clients[0].create_state_machine(name="cr", definition=json.dumps(DEFINITION),
                                             roleArn=common.ROLE_ARN)["stateMachineArn"]
        arns = []
        for k in range(args.executions):
            arns.append(clients[k % 2].start_execution(stateMachineArn=sm, name="e%03d" % k,
                                                       input='{"k": %d}' % k)["executionArn"])
        for arn in arns:
            d = wait_end(clients[0], arn)
            if d["status"] != "FAILED" or d["redriveStatus"] != "REDRIVABLE":
                failures.append("%s: %s %s" % (arn, d["status"], d.get("redriveStatus")))
        if failures:
            return 1
        dates = {}
        remote = 0
        for k, arn in enumerate(arns):
            via = (k + 1) % 2
            remote += owner(redis, arn) != "n%d" % (via + 1)
            r = clients[via].redrive_execution(executionArn=arn, clientToken="t%d" % k)
            dates[arn] = r["redriveDate"]
        log("%d of %d redrives sent to the node that does not own the execution"
            % (remote, len(arns)))
        if remote < 5 or remote > len(arns) - 5:
            failures.append("coverage: %d remote redrives of %d" % (remote, len(arns)))
        for k, arn in enumerate(arns):
            # (Through a non-owner the redrive is queued: the old FAILED
            # shows until the owner applied it.)
            d = wait_end(clients[k % 2], arn, until=("SUCCEEDED",))
            other = clients[(k + 1) % 2].describe_execution(executionArn=arn)
            if d["status"] != "SUCCEEDED" or d.get("redriveCount") != 1:
                failures.append("%s: %s redriveCount=%s" % (arn, d["status"], d.get("redriveCount")))
                continue
            if d.get("redriveDate") != dates[arn]:
                failures.append("%s: redriveDate %s, answered %s" % (arn, d.get("redriveDate"),
                                                                    dates[arn]))
            if (other["status"], other.get("redriveCount")) != ("SUCCEEDED", 1):
                failures.append("%s: the other node says %s" % (arn, other["status"]))
            out = json.loads(d["output"])
            if out.get("n") != 1:
                failures.append("%s: output %s" % (arn, out))
            events = common.Raw(nodes[0].port).history(arn)
            types = [e["type"] for e in events]
            if types.count("ExecutionRedriven") != 1 or types[-1] != "ExecutionSucceeded":
                failures.append("%s: history %s" % (arn, types))
            if [e["id"] for e in events] != list(range(1, len(events) + 1)):
                failures.append("%s: ids" % arn)
            again = clients[k % 2].redrive_execution(executionArn=arn, clientToken="t%d" % k)
            if again["redriveDate"] != dates[arn]:
                failures.append("%s: same token, another date" % arn)
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
            log("OK: %d redrives through both nodes of a cluster" % args.executions)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
