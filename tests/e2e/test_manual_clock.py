"""The manual clock (`--clock manual`): execution time moves only through the
admin route POST /_statecraft/clock (or `statecraft clock advance`), so a
24-hour Wait, a retry back-off, a task TimeoutSeconds and an execution
TimeoutSeconds end at once and deterministically, with history timestamps
at the manual time. Starts its own nodes (memory store; and 2 nodes on one
redis-server for the cluster case). A node without the manual clock has no
such route (404)."""

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import boto3
import botocore.config

from common import ROLE_ARN, dumps, uname

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import Redis, free_port, tail, wait_for_port  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("STATECRAFT_CLI") or os.path.join(REPO, "build", "tools", "statecraft", "statecraft")
START = "2030-01-01T00:00:00Z"
START_MS = 1893456000000
DAY_MS = 86400 * 1000


def sfn(port):
    return boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=botocore.config.Config(retries={"total_max_attempts": 1}))


def clock_call(port, body=None, method=None):
    """(status, parsed JSON) of GET or POST /_statecraft/clock."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request("http://127.0.0.1:%d/_statecraft/clock" % port, data=data,
                                 method=method or ("GET" if body is None else "POST"))
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, (json.loads(raw) if raw else {})


def ms(dt):
    return int(round(dt.timestamp() * 1000))


def wait_status(client, arn, statuses, timeout):
    end = time.time() + timeout
    while True:
        d = client.describe_execution(executionArn=arn)
        if d["status"] in statuses or time.time() > end:
            return d
        time.sleep(0.02)


def history(client, arn):
    return client.get_execution_history(executionArn=arn, maxResults=1000)["events"]


class NodeMixin:
    def start_node(self, extra, node_id="n1"):
        port = free_port()
        log = os.path.join(self.tmp, node_id + ".log")
        p = subprocess.Popen([os.environ["STATECRAFT_BIN"], "--port", str(port), "--bind", "127.0.0.1",
                              "--log-level", "warn", "--idle-actor-seconds", "0.3"] + extra,
                             stdout=open(log, "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             cwd=self.tmp)
        self.procs.append(p)
        problem = wait_for_port(p, port, 20)
        if problem:
            raise AssertionError("node %s %s\n%s" % (node_id, problem, tail(log)))
        return port

    def stop_nodes(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()


@unittest.skipUnless(os.environ.get("STATECRAFT_BIN"), "needs STATECRAFT_BIN (run.py)")
class ManualClock(unittest.TestCase, NodeMixin):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="clock-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.procs = []
        self.addCleanup(self.stop_nodes)
        self.port = self.start_node(["--clock", "manual", "--clock-start", START])
        self.sfn = sfn(self.port)

    def machine(self, definition):
        return self.sfn.create_state_machine(name=uname("clk"), definition=dumps(definition),
                                             roleArn=ROLE_ARN)["stateMachineArn"]

    def advance(self, body):
        status, out = clock_call(self.port, body)
        self.assertEqual(status, 200, out)
        return out

    def test_clock_starts_at_clock_start_and_stands_still(self):
        status, out = clock_call(self.port)
        self.assertEqual(status, 200)
        self.assertEqual(out, {"clock": "manual", "now": "2030-01-01T00:00:00.000Z", "nowEpochMillis": START_MS})
        time.sleep(0.3)
        self.assertEqual(clock_call(self.port)[1]["nowEpochMillis"], START_MS)

    def test_24_hour_wait_ends_after_one_advance(self):
        sm = self.machine({"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 86400, "Next": "P"},
            "P": {"Type": "Pass", "End": True}}})
        arn = self.sfn.start_execution(stateMachineArn=sm, input="{}")["executionArn"]
        self.assertEqual(ms(self.sfn.describe_execution(executionArn=arn)["startDate"]), START_MS)
        time.sleep(0.5)
        self.assertEqual(self.sfn.describe_execution(executionArn=arn)["status"], "RUNNING")
        # One second short: still waiting.
        self.advance({"advanceSeconds": 86399})
        time.sleep(0.3)
        self.assertEqual(self.sfn.describe_execution(executionArn=arn)["status"], "RUNNING")
        t0 = time.time()
        out = self.advance({"advance": "1s"})
        self.assertEqual(out["nowEpochMillis"], START_MS + DAY_MS)
        d = wait_status(self.sfn, arn, ("SUCCEEDED", "FAILED"), 5)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertLess(time.time() - t0, 1.0)
        self.assertEqual(ms(d["stopDate"]), START_MS + DAY_MS)
        ev = history(self.sfn, arn)
        stamps = {e["type"]: ms(e["timestamp"]) for e in ev}
        self.assertEqual(stamps["ExecutionStarted"], START_MS)
        self.assertEqual(stamps["WaitStateEntered"], START_MS)
        self.assertEqual(stamps["WaitStateExited"], START_MS + DAY_MS)
        self.assertEqual(stamps["ExecutionSucceeded"], START_MS + DAY_MS)

    def test_advance_to_an_instant_and_errors(self):
        sm = self.machine({"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Timestamp": "2030-06-01T12:00:00Z", "End": True}}})
        arn = self.sfn.start_execution(stateMachineArn=sm)["executionArn"]
        self.assertEqual(clock_call(self.port, {"to": "2020-01-01T00:00:00Z"})[0], 400)  # never back
        self.assertEqual(clock_call(self.port, {"advance": "soon"})[0], 400)
        self.assertEqual(clock_call(self.port, {"advance": "1h", "advanceSeconds": 1})[0], 400)
        self.assertEqual(clock_call(self.port, {})[0], 400)
        self.assertEqual(clock_call(self.port, method="DELETE")[0], 405)
        self.assertEqual(clock_call(self.port)[1]["nowEpochMillis"], START_MS)
        out = self.advance({"to": "2030-06-01T12:00:00Z"})
        self.assertEqual(out["now"], "2030-06-01T12:00:00.000Z")
        d = wait_status(self.sfn, arn, ("SUCCEEDED", "FAILED"), 5)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(d["stopDate"], datetime.datetime(2030, 6, 1, 12, tzinfo=datetime.timezone.utc))

    def test_retry_back_off_and_task_timeout(self):
        act = self.sfn.create_activity(name=uname("clkact"))["activityArn"]
        sm = self.machine({"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": act, "TimeoutSeconds": 300, "End": True,
            "Retry": [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 3600, "MaxAttempts": 1}]}}})
        arn = self.sfn.start_execution(stateMachineArn=sm)["executionArn"]

        def scheduled():
            return [e for e in history(self.sfn, arn) if e["type"] == "ActivityScheduled"]

        self.advance({"advanceSeconds": 299})
        time.sleep(0.3)
        self.assertEqual([e["type"] for e in history(self.sfn, arn)].count("ActivityTimedOut"), 0)
        self.advance({"advance": "1s"})  # TimeoutSeconds 300 reached
        end = time.time() + 3
        while time.time() < end and not any(e["type"] == "ActivityTimedOut" for e in history(self.sfn, arn)):
            time.sleep(0.02)
        ev = history(self.sfn, arn)
        timed_out = [e for e in ev if e["type"] == "ActivityTimedOut"]
        self.assertEqual(len(timed_out), 1)
        self.assertEqual(ms(timed_out[0]["timestamp"]), START_MS + 300_000)
        self.assertEqual(len(scheduled()), 1)
        # The back-off: 3600 s, not a moment less.
        self.advance({"advance": "59m59s"})
        time.sleep(0.3)
        self.assertEqual(len(scheduled()), 1)
        self.advance({"advance": "1s"})
        end = time.time() + 3
        while time.time() < end and len(scheduled()) < 2:
            time.sleep(0.02)
        again = scheduled()
        self.assertEqual(len(again), 2)
        self.assertEqual(ms(again[1]["timestamp"]), START_MS + 300_000 + 3_600_000)
        # The second attempt times out too: States.Timeout, no more retries.
        self.advance({"advance": "5m"})
        d = wait_status(self.sfn, arn, ("SUCCEEDED", "FAILED"), 5)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.Timeout")
        self.assertEqual(ms(d["stopDate"]), START_MS + 600_000 + 3_600_000)

    def test_execution_timeout_and_cli(self):
        sm = self.machine({"TimeoutSeconds": 7200, "StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 86400, "End": True}}})
        arn = self.sfn.start_execution(stateMachineArn=sm)["executionArn"]
        if not os.path.exists(CLI):
            self.advance({"advance": "2h"})
        else:
            out = subprocess.run([CLI, "clock", "advance", "--endpoint", "http://127.0.0.1:%d" % self.port, "2h"],
                                 capture_output=True, text=True, timeout=20)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(json.loads(out.stdout)["nowEpochMillis"], START_MS + 7_200_000)
            shown = subprocess.run([CLI, "clock", "show", "--endpoint", "http://127.0.0.1:%d" % self.port],
                                   capture_output=True, text=True, timeout=20)
            self.assertEqual(json.loads(shown.stdout)["now"], "2030-01-01T02:00:00.000Z")
            bad = subprocess.run([CLI, "clock", "set", "--endpoint", "http://127.0.0.1:%d" % self.port,
                                  "2029-01-01T00:00:00Z"], capture_output=True, text=True, timeout=20)
            self.assertEqual(bad.returncode, 1)
            self.assertIn("400", bad.stderr)
        d = wait_status(self.sfn, arn, ("TIMED_OUT", "SUCCEEDED"), 5)
        self.assertEqual(d["status"], "TIMED_OUT")
        self.assertEqual(ms(d["stopDate"]), START_MS + 7_200_000)


@unittest.skipUnless(os.environ.get("STATECRAFT_BIN"), "needs STATECRAFT_BIN (run.py)")
class NoManualClock(unittest.TestCase, NodeMixin):

    def test_admin_route_is_404_without_manual_clock(self):
        self.tmp = tempfile.mkdtemp(prefix="clock-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.procs = []
        self.addCleanup(self.stop_nodes)
        port = self.start_node([])
        self.assertEqual(clock_call(port)[0], 404)
        self.assertEqual(clock_call(port, {"advance": "24h"})[0], 404)
        # The AWS API is unaffected.
        self.assertIn("stateMachines", sfn(port).list_state_machines())


def fnv_shard(arn, shards=64):
    h = 14695981039346656037
    for c in arn.encode():
        h ^= c
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h % shards


@unittest.skipUnless(os.environ.get("STATECRAFT_BIN") and shutil.which("redis-server"),
                     "needs STATECRAFT_BIN (run.py) and redis-server")
class ManualClockCluster(unittest.TestCase, NodeMixin):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="clock-cluster-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.redis = Redis(self.tmp)
        self.redis.start(10)
        self.addCleanup(self.redis.stop)
        self.procs = []
        self.addCleanup(self.stop_nodes)

    def get(self, key):
        raw = self.redis.command("GET", key).decode()
        if not raw.startswith("$") or raw.startswith("$-1"):
            return ""
        return raw.split("\r\n")[1]

    def owner(self, arn):
        return self.get("sc:{%d}:lease" % fnv_shard(arn)).rsplit(":", 1)[0]

    def test_advance_through_one_node_fires_waits_owned_by_others(self):
        common = ["--clock", "manual", "--clock-start", START, "--redis", self.redis.url,
                  "--task-token-secret", "clock-cluster-test-secret-0123456789"]
        pa = self.start_node(common + ["--node-id", "a"], "a")
        # A later --clock-start on a later node does not move the cluster's clock.
        pb = self.start_node(common[:3] + ["2031-01-01T00:00:00Z"] + common[4:] + ["--node-id", "b"], "b")
        a, b = sfn(pa), sfn(pb)
        self.assertEqual(clock_call(pb)[1]["nowEpochMillis"], START_MS)
        # Wait until both nodes hold shards.
        end = time.time() + 15
        while time.time() < end:
            owners = {self.owner("x%d" % i) for i in range(200)}
            if {"a", "b"} <= owners:
                break
            time.sleep(0.2)
        sm = a.create_state_machine(name=uname("clkc"), roleArn=ROLE_ARN, definition=dumps(
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 86400, "End": True}}}))["stateMachineArn"]
        # Named: an unnamed start is placed on a shard of the node it came
        # through (actors/placement.cpp), a named one wherever its name hashes.
        arns = [a.start_execution(stateMachineArn=sm, name=uname("w"))["executionArn"] for _ in range(12)]
        owners = {arn: self.owner(arn) for arn in arns}
        self.assertIn("b", owners.values(), owners)  # some Waits sleep on node b
        time.sleep(0.5)
        self.assertEqual({a.describe_execution(executionArn=x)["status"] for x in arns}, {"RUNNING"})
        status, out = clock_call(pa, {"advance": "24h"})
        self.assertEqual(status, 200, out)
        t0 = time.time()
        for x in arns:
            d = wait_status(a, x, ("SUCCEEDED", "FAILED"), 5)
            self.assertEqual(d["status"], "SUCCEEDED", (x, owners[x]))
            self.assertEqual(ms(d["stopDate"]), START_MS + DAY_MS)
        self.assertLess(time.time() - t0, 3.0)
        # Both nodes (and Redis) agree on the time.
        self.assertEqual(clock_call(pb)[1]["nowEpochMillis"], START_MS + DAY_MS)
        self.assertEqual(int(self.get("sc:{g}:clock")), START_MS + DAY_MS)


if __name__ == "__main__":
    unittest.main()
