#!/usr/bin/env python3
"""Cluster traffic: `statecraft traffic` drives a real three-node cluster on
one real Redis through three `--endpoint`s, and its figures per node must be
real and add up.

    python3 tests/cluster/traffic.py \\
        --statecraftd build/tools/statecraftd/statecraftd \\
        --statecraft build/tools/statecraft/statecraft [--seconds 3] [--keep]

1. Starts redis-server (temporary directory) and nodes n1, n2, n3 on it
   (the same --task-token-secret, --heartbeat-seconds 0.5,
   --lease-ttl-seconds 2), and waits until `statecraft cluster status`
   shows the three live, each owning shards.
2. pass-chain (STANDARD, closed loop, 6 users) for --seconds through the
   three endpoints, then activity with --workers-per-node 2 (workers poll
   and answer on their own node, so task tokens cross nodes). For each run:
   exit 0 and every execution verified; three nodes in the report, each
   with 2 users (and 2 workers), each given at least a fifth of the
   requests, of the starts and (activity) of the tasks; the per-node
   requests, starts, verified executions, errors and tasks summing exactly
   to the totals, which come from the generator's own counters; the
   executions the cluster lists (ListExecutions on each node) equal to the
   starts the report counts; and every node's CPU time (/proc/PID/stat)
   grown by at least a tenth of the three nodes' total during the run.
   The activity run also gives --workers 5, which --workers-per-node must
   override (6 workers in all, a note on stderr).
3. Attribution check: pass-chain through n1, n2 and a port nobody listens
   on. The run must fail (exit 1) with transport errors counted on the
   third endpoint only, and none on the two live ones.
4. One --endpoint: no per-node part in the report; 2 users for 3
   endpoints: a usage error (exit 2).

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

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Redis, free_port, log, tail, wait_for_port  # noqa: E402

SECRET = "cluster-traffic-test-secret"
START = time.monotonic()


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Test:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="sc-cluster-traffic-")
        self.failures = []
        self.redis = None
        self.nodes = []  # (id, url, proc, log path)

    def fail(self, msg):
        self.failures.append(msg)
        log("FAIL: " + msg)

    def check(self, cond, msg):
        if not cond:
            self.fail(msg)
        return cond

    # -- processes

    def start(self):
        self.redis = Redis(self.tmp)
        self.redis.start(10)
        log("redis-server on %s" % self.redis.url)
        for i in (1, 2, 3):
            nid, port = "n%d" % i, free_port()
            path = os.path.join(self.tmp, nid + ".log")
            with open(path, "wb") as logf:
                proc = subprocess.Popen(
                    [self.args.statecraftd, "--node-id", nid, "--bind", "127.0.0.1", "--port", str(port),
                     "--redis", self.redis.url, "--task-token-secret", SECRET, "--heartbeat-seconds", "0.5",
                     "--lease-ttl-seconds", "2", "--log-level", "warn"],
                    stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.tmp)
            self.nodes.append((nid, "http://127.0.0.1:%d" % port, proc, path))
            problem = wait_for_port(proc, port, 30)
            if problem:
                raise RuntimeError("node %s %s" % (nid, problem))
        self.wait_shards()

    def wait_shards(self, timeout=20):
        """Until the three nodes are live and each owns shards."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            p = subprocess.run([self.args.statecraft, "cluster", "status", "--redis", self.redis.url],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20)
            text = p.stdout.decode(errors="replace")
            owning = set()
            section = False
            for line in text.splitlines():
                if line.startswith("NODE"):
                    section = True
                    continue
                if section and not line.strip() or line.startswith("shards by owner"):
                    section = False
                if section:
                    cols = line.split()
                    if len(cols) >= 2 and "live" in cols and cols[-1].isdigit() and int(cols[-1]) > 0:
                        owning.add(cols[0])
            if owning == {"n1", "n2", "n3"}:
                log("the three nodes are live and own shards")
                return
            time.sleep(0.25)
        raise RuntimeError("the nodes did not all own shards within %ds:\n%s" % (timeout, text))

    def shutdown(self):
        for nid, _, proc, _ in self.nodes:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for nid, _, proc, _ in self.nodes:
            try:
                rc = proc.wait(timeout=15)
                if rc != 0:
                    self.fail("%s exited with status %s after SIGTERM" % (nid, rc))
            except subprocess.TimeoutExpired:
                self.fail("%s did not exit within 15 s of SIGTERM" % nid)
                proc.kill()
                proc.wait()
        if self.redis is not None:
            self.redis.stop()

    # -- the generator

    def traffic(self, endpoints, *extra):
        cmd = [self.args.statecraft, "traffic", "--json", "--no-progress", "--no-cleanup",
               "--prefix", "cltraffic"]
        for url in endpoints:
            cmd += ["--endpoint", url]
        cmd += list(extra)
        log("$ " + " ".join(cmd))
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=self.args.seconds + 60)
        err = p.stderr.decode(errors="replace").strip()
        self.last_stderr = err
        if err:
            log("generator stderr: " + err)
        try:
            report = json.loads(p.stdout)
        except ValueError:
            raise RuntimeError("no JSON report (exit %d):\n%s\n%s" %
                               (p.returncode, p.stdout.decode(errors="replace"), err))
        return p.returncode, report

    def list_executions(self, url, machine_arn):
        """Every execution of the machine, listed through the node at `url`."""
        import boto3
        import botocore.config
        cfg = botocore.config.Config(region_name="us-east-1", retries={"max_attempts": 1})
        sfn = boto3.session.Session().client("stepfunctions", endpoint_url=url, config=cfg)
        names, token = [], None
        while True:
            kw = {"stateMachineArn": machine_arn, "maxResults": 1000}
            if token:
                kw["nextToken"] = token
            page = sfn.list_executions(**kw)
            names += [e["name"] for e in page["executions"]]
            token = page.get("nextToken")
            if not token:
                return names

    # -- checks

    def run_scenario(self, scenario, machine, extra):
        urls = [n[1] for n in self.nodes]
        cpu0 = [cpu_seconds(n[2].pid) for n in self.nodes]
        rc, rep = self.traffic(urls, "--scenario", scenario, "--concurrency", "6", "--duration",
                               str(self.args.seconds), *extra)
        cpu = [cpu_seconds(n[2].pid) - c for n, c in zip(self.nodes, cpu0)]
        label = scenario
        total = rep.get("total", {})
        log("%s: exit %d, %d executions/s in all, per node %s; node CPU %s s" % (
            label, rc, rep.get("executions_per_s", 0),
            [round(n.get("executions_per_s", 0)) for n in rep.get("nodes", [])],
            [round(c, 2) for c in cpu]))
        self.check(rc == 0 and rep.get("correct") is True,
                   "%s: exit %d, correct=%s, samples %s" % (label, rc, rep.get("correct"), rep.get("samples")))
        nodes = rep.get("nodes", [])
        if not self.check(len(nodes) == 3, "%s: %d nodes in the report, expected 3" % (label, len(nodes))):
            return
        self.check(rep.get("endpoints") == urls, "%s: endpoints %s != %s" % (label, rep.get("endpoints"), urls))
        ex = rep["executions"]
        self.check(ex["started"] >= 30, "%s: only %d executions started" % (label, ex["started"]))
        self.check(ex["verified"] == ex["started"], "%s: %d started, %d verified" % (label, ex["started"],
                                                                                    ex["verified"]))
        for i, n in enumerate(nodes):
            self.check(n["endpoint"] == urls[i], "%s: node %d endpoint %s" % (label, i, n["endpoint"]))
            self.check(n["users"] == 2, "%s: node %d has %d users, expected 2" % (label, i, n["users"]))
            for key in ("ops", "tasks"):
                if key == "tasks" and scenario != "activity":
                    continue
                self.check(n[key] * 5 >= total.get(key, 0) > 0,
                           "%s: node %d got %d of %d %s (less than a fifth)" % (label, i, n[key], total.get(key),
                                                                                key))
            self.check(n["executions"]["started"] * 5 >= ex["started"],
                       "%s: node %d started %d of %d executions" % (label, i, n["executions"]["started"],
                                                                     ex["started"]))
            self.check(n["errors_total"] == 0, "%s: node %d errors %s" % (label, i, n["errors"]))
            self.check(cpu[i] * 10 >= sum(cpu) > 0,
                       "%s: node %d used %.2f s of the nodes' %.2f s CPU" % (label, i, cpu[i], sum(cpu)))
            if scenario == "activity":
                self.check(n["workers"] == 2, "%s: node %d has %d workers" % (label, i, n["workers"]))
                self.check(n["metrics_ms"].get("schedule_to_worker", {}).get("count") == n["tasks"],
                           "%s: node %d: %s schedule_to_worker samples for %d tasks" % (
                               label, i, n["metrics_ms"].get("schedule_to_worker", {}).get("count"), n["tasks"]))
        # The totals come from the run's own counters; the nodes must add up to them.
        sums = {
            "ops": (sum(n["ops"] for n in nodes), rep["ops"]),
            "started": (sum(n["executions"]["started"] for n in nodes), ex["started"]),
            "verified": (sum(n["executions"]["verified"] for n in nodes), ex["verified"]),
            "errors": (sum(n["errors_total"] for n in nodes), rep["errors_total"]),
            "op counts": (sum(sum(l["count"] for l in n["op_latency_ms"].values()) for n in nodes),
                          sum(l["count"] for l in rep["load"]["op_latency_ms"].values())),
            "iterations": (sum(n["iteration_latency_ms"]["count"] for n in nodes),
                           rep["iteration_latency_ms"]["count"]),
        }
        if scenario == "activity":
            # --workers-per-node 2 wins over the --workers 5 also given.
            self.check(rep["settings"]["workers"] == 6 and rep["settings"].get("workers_per_node") == 2,
                       "%s: settings %s" % (label, rep["settings"]))
            self.check("--workers 5 ignored" in self.last_stderr,
                       "%s: no note that --workers was ignored: %r" % (label, self.last_stderr))
            sums["tasks"] = (sum(n["tasks"] for n in nodes), int(rep["values"]["tasks"]))
            sums["workers"] = (sum(n["workers"] for n in nodes), rep["settings"]["workers"])
        for key, (got, want) in sums.items():
            self.check(got == want, "%s: the nodes' %s add up to %d, the total is %d" % (label, key, got, want))
        self.check(total.get("ops") == rep["ops"] and total.get("executions") == {
            k: ex[k] for k in ("started", "completed", "verified", "mismatches", "failed")},
            "%s: the 'total' object differs from the top-level figures" % label)
        # What the cluster holds: every start the report counts, no more.
        arn = "arn:aws:states:us-east-1:123456789012:stateMachine:cltraffic-%s-%s" % (
            rep["settings"]["run_id"], machine)
        for nid, url, _, _ in self.nodes:
            listed = self.list_executions(url, arn)
            self.check(len(listed) == len(set(listed)) == ex["started"],
                       "%s: %s lists %d executions (%d distinct), the report started %d" % (
                           label, nid, len(listed), len(set(listed)), ex["started"]))

    def run_attribution(self):
        dead = "http://127.0.0.1:%d" % free_port()
        urls = [self.nodes[0][1], self.nodes[1][1], dead]
        rc, rep = self.traffic(urls, "--scenario", "pass-chain", "--concurrency", "3", "--duration", "1")
        nodes = rep.get("nodes", [])
        log("attribution: exit %d, errors per node %s" % (rc, [n.get("errors") for n in nodes]))
        self.check(rc == 1 and rep.get("correct") is False,
                   "attribution: exit %d correct=%s with a dead endpoint" % (rc, rep.get("correct")))
        if not self.check(len(nodes) == 3, "attribution: %d nodes in the report" % len(nodes)):
            return
        self.check(nodes[0]["errors_total"] == 0 and nodes[1]["errors_total"] == 0,
                   "attribution: errors on live nodes: %s, %s" % (nodes[0]["errors"], nodes[1]["errors"]))
        self.check(nodes[0]["executions"]["verified"] > 0 and nodes[1]["executions"]["verified"] > 0,
                   "attribution: the live nodes verified nothing")
        errs = nodes[2]["errors"]
        self.check(nodes[2]["errors_total"] > 0 and all(k.startswith("transport:") for k in errs),
                   "attribution: the dead endpoint's errors are %s" % errs)
        self.check(nodes[2]["executions"]["verified"] == 0 and nodes[2]["executions"]["failed"] > 0,
                   "attribution: dead endpoint executions %s" % nodes[2]["executions"])
        self.check(rep["errors_total"] == nodes[2]["errors_total"],
                   "attribution: %d errors in all, %d on the dead endpoint" % (rep["errors_total"],
                                                                                nodes[2]["errors_total"]))

    def run_single_and_usage(self):
        """One --endpoint: the report has no per-node part. Fewer users than
        endpoints: a usage error."""
        rc, rep = self.traffic([self.nodes[2][1]], "--scenario", "pass-chain", "--concurrency", "2",
                               "--duration", "0.5")
        self.check(rc == 0 and rep.get("endpoint") == self.nodes[2][1] and "nodes" not in rep and
                   "endpoints" not in rep and "total" not in rep,
                   "single endpoint: exit %d, keys %s" % (rc, sorted(rep)))
        p = subprocess.run([self.args.statecraft, "traffic", "--scenario", "pass-chain", "--concurrency", "2"] +
                           sum((["--endpoint", n[1]] for n in self.nodes), []),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.check(p.returncode == 2 and b"without a user" in p.stderr,
                   "2 users for 3 endpoints: exit %d, %r" % (p.returncode, p.stderr[:200]))

    def run(self):
        self.start()
        self.run_scenario("pass-chain", "chain", [])
        self.run_scenario("activity", "activity-sm", ["--workers", "5", "--workers-per-node", "2"])
        self.run_attribution()
        self.run_single_and_usage()

    def print_logs(self):
        for nid, _, _, path in self.nodes:
            print("--- %s log tail (%s) ---\n%s" % (nid, path, tail(path, 30)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statecraftd", required=True)
    ap.add_argument("--statecraft", required=True)
    ap.add_argument("--seconds", type=float, default=3.0, help="load seconds per scenario (default 3)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    for b in (args.statecraftd, args.statecraft):
        if not os.access(b, os.X_OK):
            print("traffic.py: %s is not an executable file" % b, file=sys.stderr)
            return 2
    if shutil.which("redis-server") is None:
        print("traffic.py: redis-server is not on the PATH", file=sys.stderr)
        return 2
    try:
        import boto3  # noqa: F401
    except ImportError:
        print("traffic.py: boto3 is required", file=sys.stderr)
        return 2
    args.statecraftd = os.path.abspath(args.statecraftd)
    args.statecraft = os.path.abspath(args.statecraft)
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(k, None)
    os.environ.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"})

    t = Test(args)
    os.environ["AWS_CONFIG_FILE"] = os.path.join(t.tmp, "aws-config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(t.tmp, "aws-credentials")
    try:
        t.run()
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        t.fail("the test itself stopped: %s" % e)
    finally:
        t.shutdown()
    if t.failures:
        t.print_logs()
        print("FAILED: %d problem(s):" % len(t.failures))
        for f in t.failures:
            print("  - " + f)
        print("(files kept in %s)" % t.tmp)
        return 1
    print("PASSED: the generator drove three nodes through three endpoints; per-node figures add up "
          "(%.0f s)" % (time.monotonic() - START))
    if args.keep:
        print("(files kept in %s)" % t.tmp)
    else:
        shutil.rmtree(t.tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
