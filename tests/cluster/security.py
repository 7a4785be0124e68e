#!/usr/bin/env python3
"""Security quotas across a cluster (issue 18): the open executions quota
counted in Redis for every node and kept across a node's crash, and an API
rate that holds for the cluster as a whole.

    python3 tests/cluster/security.py \\
        --statecraftd build/tools/statecraftd/statecraftd \\
        [--redis-cluster 3] [--keep]

1. Starts redis-server (or, with --redis-cluster N, a Redis Cluster of N
   masters) and nodes n1, n2 on it with --open-execution-limit 3 and a
   config whose throttling gives DescribeStateMachine a bucket of 10 that
   refills 0.01 per second; waits until both report 2 live members
   (statecraft_cluster_members in /metrics) and own all shards.
2. Rates: 40 DescribeStateMachine calls, alternating between the nodes:
   exactly 10 may pass (5 on each node: each node's share of the bucket is
   half), the rest ThrottlingException. Per-node buckets of the full size
   would let 20 pass.
3. Open executions: 3 Standard executions of a 10-minute Wait started
   alternately through n1 and n2; a 4th through either node answers
   ExecutionLimitExceeded; an Express start still works; the per-shard sets
   (sc:{S}:open:<namespace>) hold exactly the 3 ARNs.
4. Crash: n1 is killed with SIGKILL and started again under the same node
   id; once it owns shards again, the three executions are still RUNNING,
   the sets still hold exactly them (recovery re-saved them: nothing
   counted twice), and a 4th start is still refused through both nodes.
5. Stopping one through n2 frees a place (once it is ABORTED: a stop
   through a node that does not own the execution goes through the owner's
   inbox): a start through n1 works and the next is refused; stopping
   everything leaves the sets empty.
6. Under load (with --statecraft): a third node n3 (no throttling, the
   default limit) joins; `statecraft traffic --scenario resident` through
   n3 parks 300 named executions in a Wait (their shards spread over the
   three nodes: starts, saves and stops cross nodes through the inboxes)
   and stops them: while parked the open sets hold exactly 300 ARNs; every
   execution verified ABORTED and the open sets empty afterwards (nothing
   leaked by group commits or fenced saves).

Exit status: 0 passed, 1 a check failed (node log tails printed), 2 could
not run.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Failed, Redis, RedisCluster, check, free_port, log, tail, wait_for_port  # noqa: E402
from harness import sfn_client  # noqa: E402

try:
    import boto3
    import botocore.config
    import botocore.exceptions
except ImportError:  # pragma: no cover
    print("security: boto3 is required", file=sys.stderr)
    sys.exit(2)

REGION = "us-east-1"
NAMESPACE = "arn:aws:states:us-east-1:123456789012:"
ROLE = "arn:aws:iam::123456789012:role/statecraft"
SHARDS = 64
WAIT = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}})
PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
CONFIG = """throttling:
  enabled: true
  rates:
    DescribeStateMachine: {bucket: 10, refill_per_second: 0.01}
"""


def code_of(fn, **kw):
    try:
        fn(**kw)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    return None


def client(url):
    return sfn_client(url, total_attempts=1)  # a throttled call must not be retried


class Test:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="sc-security-")
        if args.redis_cluster:
            self.redis = RedisCluster(self.dir, masters=args.redis_cluster)
        else:
            self.redis = Redis(self.dir)
        self.nodes = {}  # id -> [proc, port, log]
        self.config = os.path.join(self.dir, "statecraft.yaml")
        with open(self.config, "w") as f:
            f.write(CONFIG)

    def redis_cli(self, *cmd, stdin=None):
        if self.args.redis_cluster:
            base = ["redis-cli", "-c", "-p", str(self.redis.ports[0])]
        else:
            base = ["redis-cli", "-p", str(self.redis.port)]
        return subprocess.run(base + list(cmd), input=stdin, capture_output=True, text=True,
                              timeout=20).stdout

    def open_members(self):
        """Every ARN in the namespace's per-shard open sets."""
        out = []
        for s in range(SHARDS):
            out += [l for l in self.redis_cli("SMEMBERS", "sc:{%d}:open:%s" % (s, NAMESPACE)).split()]
        return sorted(out)

    def start_node(self, nid, port=None, quotas=True):
        """A node on the cluster's Redis; with `quotas` the open executions
        limit 3 and the throttling config."""
        port = port or free_port()
        extra = ["--open-execution-limit", "3", "--config", self.config] if quotas else []
        logp = os.path.join(self.dir, nid + ".log")
        proc = subprocess.Popen(
            [self.args.statecraftd, "--node-id", nid, "--bind", "127.0.0.1", "--port", str(port),
             "--redis", self.redis.url, "--heartbeat-seconds", "0.5", "--lease-ttl-seconds", "2",
             *extra, "--log-level", "info"],
            stdout=open(logp, "ab"), stderr=subprocess.STDOUT)
        self.nodes[nid] = [proc, port, logp]
        problem = wait_for_port(proc, port, 30)
        if problem:
            raise Failed("%s did not start: %s" % (nid, problem))
        return client("http://127.0.0.1:%d" % port)

    def members(self, nid):
        url = "http://127.0.0.1:%d/metrics" % self.nodes[nid][1]
        with urllib.request.urlopen(url, timeout=5) as r:
            for line in r.read().decode().splitlines():
                if line.startswith("statecraft_cluster_members "):
                    return int(float(line.split()[1]))
        return None

    def owners(self):
        out = []
        for s in range(SHARDS):
            v = self.redis_cli("GET", "sc:{%d}:lease" % s).strip()
            out.append(v.split(":")[0] if v else None)
        return out

    def wait_cluster(self, seconds=40):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            o = self.owners()
            if all(x in ("n1", "n2") for x in o) and o.count("n1") >= 16 and o.count("n2") >= 16 \
                    and self.members("n1") == 2 and self.members("n2") == 2:
                time.sleep(1.0)
                if self.owners() == o:
                    return
            time.sleep(0.3)
        raise Failed("the two nodes did not come to share the shards: %s" % self.owners())

    def run(self):
        self.redis.start()
        c1 = self.start_node("n1")
        c2 = self.start_node("n2")
        self.wait_cluster()
        log("two nodes live, sharing the shards")

        # 2. One rate for the cluster.
        machine = c1.create_state_machine(name="sec-wait", definition=WAIT,
                                          roleArn=ROLE)["stateMachineArn"]
        passed = {"n1": 0, "n2": 0}
        throttled = 0
        for i in range(40):
            nid, c = ("n1", c1) if i % 2 == 0 else ("n2", c2)
            code = code_of(c.describe_state_machine, stateMachineArn=machine)
            if code is None:
                passed[nid] += 1
            else:
                check(code == "ThrottlingException", "unexpected error %s" % code)
                throttled += 1
        log("rates: DescribeStateMachine bucket 10 for the cluster: passed %s, throttled %d"
            % (passed, throttled))
        check(passed == {"n1": 5, "n2": 5}, "expected 5 calls through each node, got %s" % passed)

        # 3. Open executions counted in Redis for both nodes.
        arns = [(c1 if i % 2 == 0 else c2).start_execution(stateMachineArn=machine)["executionArn"]
                for i in range(3)]
        for c in (c1, c2):
            check(code_of(c.start_execution, stateMachineArn=machine) == "ExecutionLimitExceeded",
                  "a 4th open execution was accepted")
        express = c2.create_state_machine(name="sec-x", definition=PASS, roleArn=ROLE,
                                          type="EXPRESS")["stateMachineArn"]
        c1.start_execution(stateMachineArn=express)
        check(self.open_members() == sorted(arns),
              "open sets %s, expected %s" % (self.open_members(), sorted(arns)))
        log("open executions: 3 through two nodes, the 4th refused on both")

        # 4. kill -9 n1 and start it again.
        proc, port, _ = self.nodes["n1"]
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        time.sleep(1)
        c1 = self.start_node("n1", port)
        self.wait_cluster()
        for a in arns:
            st = c2.describe_execution(executionArn=a)["status"]
            check(st == "RUNNING", "%s is %s after the crash" % (a, st))
        check(self.open_members() == sorted(arns),
              "after the crash the open sets hold %s" % self.open_members())
        for c in (c1, c2):
            check(code_of(c.start_execution, stateMachineArn=machine) == "ExecutionLimitExceeded",
                  "a 4th open execution was accepted after the crash")
        log("n1 killed and restarted: still exactly 3 open, the 4th refused")

        # 5. Stopping frees a place, on any node.
        c2.stop_execution(executionArn=arns[0])
        self.wait_ended(c1, arns[0])
        arns = arns[1:] + [c1.start_execution(stateMachineArn=machine)["executionArn"]]
        check(code_of(c1.start_execution, stateMachineArn=machine) == "ExecutionLimitExceeded",
              "a 4th open execution was accepted after a stop")
        for i, a in enumerate(arns):
            (c1 if i % 2 else c2).stop_execution(executionArn=a)
        for a in arns:
            self.wait_ended(c1, a)
        check(self.open_members() == [], "open sets not empty at the end: %s" % self.open_members())
        log("stops free places; nothing left counted")

        # 6. Under load through a third node.
        if not self.args.statecraft:
            return
        self.start_node("n3", quotas=False)
        url3 = "http://127.0.0.1:%d" % self.nodes["n3"][1]
        p = subprocess.Popen([self.args.statecraft, "traffic", "--scenario", "resident", "--endpoint",
                              url3, "--concurrency", "16", "--executions", "300", "--hold", "3",
                              "--json", "--no-progress", "--timeout", "20", "--drain", "20"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        err = []
        for line in p.stderr:  # 'statecraft-traffic: parked ...' starts the hold
            err.append(line)
            if "parked" in line:
                break
        parked = len(self.open_members())
        out, rest = p.communicate(timeout=180)
        err.append(rest)
        try:
            report = json.loads(out[out.index("{"):])
        except ValueError:
            raise Failed("traffic printed no report: %s %s" % (out[-2000:], "".join(err)[-2000:]))
        ex = report["executions"]
        check(p.returncode == 0 and ex["verified"] == 300 and not report["errors"],
              "resident run: exit %d, %s, errors %s" % (p.returncode, ex, report["errors"]))
        check(parked == 300, "%d executions counted open while 300 were parked" % parked)
        check(self.open_members() == [], "open sets after the load: %d ARNs left"
              % len(self.open_members()))
        log("resident: 300 executions parked and stopped through n3 across three nodes; "
            "open sets empty")

    def wait_ended(self, c, arn, seconds=15):
        """A stop through a node that does not own the execution goes through
        the owner's inbox: wait until the execution is ABORTED."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if c.describe_execution(executionArn=arn)["status"] != "RUNNING":
                return
            time.sleep(0.05)
        raise Failed("%s still RUNNING %d s after StopExecution" % (arn, seconds))

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
    ap.add_argument("--redis-cluster", type=int, default=0, metavar="MASTERS")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    args.statecraftd = os.path.abspath(args.statecraftd)
    if not shutil.which("redis-server") or not shutil.which("redis-cli"):
        print("security: redis-server and redis-cli are required", file=sys.stderr)
        return 2
    t = Test(args)
    rc = 0
    try:
        t.run()
        log("PASS")
    except Failed as e:
        log("FAIL: %s" % e)
        for nid, (_, _, logp) in t.nodes.items():
            print("--- %s log tail ---\n%s" % (nid, tail(logp, 30)))
        rc = 1
    except Exception as e:  # noqa: BLE001
        log("ERROR: %r" % e)
        for nid, (_, _, logp) in t.nodes.items():
            print("--- %s log tail ---\n%s" % (nid, tail(logp, 30)))
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
