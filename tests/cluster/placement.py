#!/usr/bin/env python3
"""Placement of starts in a cluster: an unnamed StartExecution lands on a
shard the receiving node owns; named starts still work through any node; an
owner's start whose shard changed hands meanwhile is fenced and still runs
exactly once.

    python3 tests/cluster/placement.py \\
        --statecraftd build/tools/statecraftd/statecraftd \\
        --statecraft build/tools/statecraft/statecraft [--keep]

1. Starts redis-server and nodes n1, n2, n3 on it (--heartbeat-seconds 1.5,
   --lease-ttl-seconds 5: step 4 needs n1 not to notice its loss at once) and waits until the three are live and own all 64
   shards between them.
2. Unnamed: through each node, 25 StartExecution calls without a name on a
   Pass machine and 5 on a machine with a 1 s Wait (those continue after the
   first step). Each ExecutionArn's shard (FNV-1a of the ARN, mod 64) must be
   one whose lease (`sc:{S}:lease` in Redis) that node holds, its name a
   UUID, and every execution must SUCCEED with the reference history.
3. Named: through each node, 15 named starts (names chosen by the test, so
   most land on other nodes' shards; at least one per node must) on both
   machines: the 36 Pass ones must cause no inbox message (no LREM or
   PUBLISH in Redis's commandstats: a first step that ends the execution
   successfully is taken where the call arrived); all SUCCEED with the reference history; the same name and input
   again through another node returns the same ARN; another input answers
   ExecutionAlreadyExists.
4. Fencing: n1's leases are taken over in Redis behind its back (set to a
   node that does not exist), an unnamed start through n1 is made at once,
   (n1 still believes it owns them, so it picks a name on one of them and
   takes the first step; its create must be refused: before the leases are
   deleted the record has no history and the shard's inbox a message), then
   the leases are deleted so the cluster takes the shards again: the
   execution must SUCCEED with the reference history (no event twice), and
   there must be exactly one execution record for it.

Exit status: 0 passed, 1 a check failed (node log tails printed), 2 could
not run.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Failed, Redis, check, free_port, log, shard_of, tail, wait_for_port  # noqa: E402
from harness import sfn_client as client  # noqa: E402

try:
    import boto3
    import botocore.config
    import botocore.exceptions
except ImportError:  # pragma: no cover
    print("placement: boto3 is required", file=sys.stderr)
    sys.exit(2)

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/statecraft"
SHARDS = 64
START = time.monotonic()
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
PASS_DEF = '{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"ok":1},"ResultPath":"$.r","End":true}}}'
WAIT_DEF = ('{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"A"},'
            '"A":{"Type":"Pass","Result":{"ok":1},"ResultPath":"$.r","End":true}}}')
PASS_EVENTS = ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
WAIT_EVENTS = ["ExecutionStarted", "WaitStateEntered", "WaitStateExited", "PassStateEntered",
               "PassStateExited", "ExecutionSucceeded"]


class Test:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="sc-placement-")
        self.redis = Redis(self.dir)
        self.nodes = {}  # id -> (proc, port, log)
        self.clients = {}

    def redis_cli(self, *a):
        return subprocess.run(["redis-cli", "-p", str(self.redis.port)] + list(a), capture_output=True,
                              text=True, timeout=10).stdout.strip()

    def start(self):
        self.redis.start()
        if os.environ.get("PLACEMENT_MONITOR"):
            self.mon = subprocess.Popen(["redis-cli", "-p", str(self.redis.port), "MONITOR"],
                                        stdout=open(os.environ["PLACEMENT_MONITOR"], "w"))
        for nid in ("n1", "n2", "n3"):
            port = free_port()
            logp = os.path.join(self.dir, nid + ".log")
            proc = subprocess.Popen(
                [self.args.statecraftd, "--node-id", nid, "--bind", "127.0.0.1", "--port", str(port),
                 "--redis", self.redis.url, "--heartbeat-seconds", "1.5", "--lease-ttl-seconds", "5",
                 "--log-level", "info"],
                stdout=open(logp, "wb"), stderr=subprocess.STDOUT)
            self.nodes[nid] = (proc, port, logp)
            problem = wait_for_port(proc, port, 30)
            if problem:
                raise RuntimeError("%s did not start: %s" % (nid, problem))
            self.clients[nid] = client("http://127.0.0.1:%d" % port)
        self.wait_owned(("n1", "n2", "n3"))

    def owners(self):
        vals = self.redis_cli(*(["MGET"] + ["sc:{%d}:lease" % s for s in range(SHARDS)])).splitlines()
        return [v.split(":")[0] if v else None for v in vals]

    def wait_owned(self, ids, seconds=30):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            o = self.owners()
            if len(o) == SHARDS and all(x in ids for x in o) and all(o.count(i) >= SHARDS // len(ids) for i in ids):
                time.sleep(1.0)  # let every node's view catch up with Redis
                if self.owners() == o:
                    return o
            time.sleep(0.2)
        raise Failed("the nodes did not come to own all shards: %s" % self.owners())

    def history(self, c, arn, events):
        end = time.monotonic() + 20
        while True:
            d = c.describe_execution(executionArn=arn)
            if d["status"] != "RUNNING" or time.monotonic() > end:
                break
            time.sleep(0.1)
        check(d["status"] == "SUCCEEDED", "%s: %s" % (arn, d["status"]))
        h = c.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        types = [e["type"] for e in h]
        check(types == events, "%s: history %s, expected %s" % (arn, types, events))
        ids = [e["id"] for e in h]
        check(ids == list(range(1, len(ids) + 1)), "%s: event ids %s" % (arn, ids))

    def run(self):
        c0 = self.clients["n1"]
        pass_arn = c0.create_state_machine(name="place-pass", definition=PASS_DEF, roleArn=ROLE)["stateMachineArn"]
        wait_arn = c0.create_state_machine(name="place-wait", definition=WAIT_DEF, roleArn=ROLE)["stateMachineArn"]
        owners = self.wait_owned(("n1", "n2", "n3"))

        # 2. Unnamed starts land on the receiving node's shards.
        started = []
        for nid, c in self.clients.items():
            for i in range(30):
                machine, events = (pass_arn, PASS_EVENTS) if i < 25 else (wait_arn, WAIT_EVENTS)
                arn = c.start_execution(stateMachineArn=machine, input='{"i":%d}' % i)["executionArn"]
                name = arn.rsplit(":", 1)[1]
                check(UUID.match(name), "unnamed start got name %r" % name)
                s = shard_of(arn)
                check(owners[s] == nid, "unnamed start through %s landed on shard %d owned by %s (%s)"
                      % (nid, s, owners[s], arn))
                started.append((c, arn, events))
        check(self.owners() == owners, "shards moved during the test: cannot judge placement")
        for c, arn, events in started:
            self.history(c, arn, events)
        log("unnamed: 90 starts, each on a shard of the node it came through, all SUCCEEDED")

        # 3. Named starts through any node. The Pass ones succeed in their
        # first step, which the receiving node takes even when it does not
        # own the shard: no inbox message at all (one LREM acknowledges each).
        named, foreign = [], {n: 0 for n in self.clients}
        self.redis_cli("CONFIG", "RESETSTAT")
        for i in range(15):
            for nid, c in self.clients.items():
                if i == 12 and nid == "n1":
                    stats = self.redis_cli("INFO", "commandstats")
                    check("cmdstat_rpush" in stats, "no RPUSH counted: %s" % stats)
                    inbox = [l for l in stats.splitlines() if l.startswith(("cmdstat_lrem", "cmdstat_publish"))]
                    check(not inbox, "named Pass starts went through an inbox: %s" % inbox)
                machine, events = (pass_arn, PASS_EVENTS) if i < 12 else (wait_arn, WAIT_EVENTS)
                name = "named-%s-%d" % (nid, i)
                arn = c.start_execution(stateMachineArn=machine, name=name, input='{"i":%d}' % i)["executionArn"]
                check(arn.endswith(":" + name), "named start: %s" % arn)
                if owners[shard_of(arn)] != nid:
                    foreign[nid] += 1
                named.append((c, arn, events, machine, name, i))
        check(all(v > 0 for v in foreign.values()), "no named start crossed nodes: %s" % foreign)
        ids = list(self.clients)
        for k, (c, arn, events, machine, name, i) in enumerate(named):
            self.history(c, arn, events)
            other = self.clients[ids[(k + 1) % 3]]
            if events is WAIT_EVENTS:
                continue
            try:
                other.start_execution(stateMachineArn=machine, name=name, input='{"i":-1}')
                raise Failed("%s: a second start with another input was accepted" % name)
            except botocore.exceptions.ClientError as e:
                check(e.response["Error"]["Code"] == "ExecutionAlreadyExists", "%s: %s" % (name, e))
        # Same name and input while RUNNING returns the same execution.
        c = self.clients["n2"]
        arn = c.start_execution(stateMachineArn=wait_arn, name="idem", input='{"x":1}')["executionArn"]
        for other in self.clients.values():
            again = other.start_execution(stateMachineArn=wait_arn, name="idem", input='{"x":1}')["executionArn"]
            check(again == arn, "idempotent start: %s vs %s" % (again, arn))
        self.history(c, arn, WAIT_EVENTS)
        log("named: 45 starts through every node (crossing nodes: %s), all SUCCEEDED; repeats behave" % foreign)

        # 4. The owner's create is fenced when its shards changed hands.
        mine = [s for s in range(SHARDS) if owners[s] == "n1"]
        self.redis_cli(*(["MSET"] + sum([["sc:{%d}:lease" % s, "ghost:999999"] for s in mine], [])))
        fenced = []
        for i in range(3):
            try:
                a = self.clients["n1"].start_execution(stateMachineArn=wait_arn, input='{"f":%d}' % i)
                fenced.append(a["executionArn"])
            except botocore.exceptions.ClientError as e:
                # A 503 while n1 notices the loss is acceptable; a retry must work.
                log("start during the takeover answered %s" % e.response["Error"]["Code"])
        check(fenced, "no start went through during the takeover")
        # n1 still believed it owned those shards (its next tick is up to a
        # heartbeat away), so it chose names on them and took the first step;
        # the fenced create was refused and the execution stored unstarted
        # (no history yet) with a message in the shard's inbox instead.
        for arn in fenced:
            s = shard_of(arn)
            check(s in mine, "%s: shard %d is not one n1 held (did n1 notice the loss first?)" % (arn, s))
            check(self.redis_cli("LLEN", "sc:{%d}:hist:%s" % (s, arn)) == "0",
                  "%s: history written while the shard's lease was another's" % arn)
            check(int(self.redis_cli("LLEN", "sc:{%d}:inbox" % s) or 0) > 0, "%s: nothing in shard %d's inbox" % (arn, s))
        self.redis_cli(*(["DEL"] + ["sc:{%d}:lease" % s for s in mine]))
        self.wait_owned(("n1", "n2", "n3"))
        for arn in fenced:
            self.history(self.clients["n3"], arn, WAIT_EVENTS)
            s = shard_of(arn)
            check(self.redis_cli("EXISTS", "sc:{%d}:exec:%s" % (s, arn)) == "1", "%s: no record in shard %d" % (arn, s))
        log("fencing: %d start(s) through n1 while its leases were taken over: fenced, stored unstarted, "
            "then run once by the shards' next owners" % len(fenced))

    def stop(self):
        for proc, _, _ in self.nodes.values():
            if proc.poll() is None:
                proc.terminate()
        for proc, _, _ in self.nodes.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.redis.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--statecraftd", required=True)
    ap.add_argument("--statecraft", required=False)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    args.statecraftd = os.path.abspath(args.statecraftd)
    if not shutil.which("redis-server") or not shutil.which("redis-cli"):
        print("placement: redis-server and redis-cli are required", file=sys.stderr)
        return 2
    t = Test(args)
    rc = 0
    try:
        t.start()
        t.run()
        log("PASS")
    except Failed as e:
        log("FAIL: %s" % e)
        for nid, (_, _, logp) in t.nodes.items():
            print("--- %s log tail ---\n%s" % (nid, tail(logp, 30)))
        rc = 1
    except Exception as e:  # noqa: BLE001
        log("ERROR: %r" % e)
        rc = 2
    finally:
        t.stop()
        if args.keep:
            log("kept %s" % t.dir)
        else:
            shutil.rmtree(t.dir, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
