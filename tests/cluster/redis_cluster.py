#!/usr/bin/env python3
"""Redis Cluster as Statecraft's store (redis+cluster:// URLs): the store,
coordinator and secrets suites, a representative e2e subset, a master killed
with -9 under load, and a slot migrated under a running node (ASK, TRYAGAIN,
MOVED).

    python3 tests/cluster/redis_cluster.py \\
        --statecraftd build/tools/statecraftd/statecraftd \\
        --node-tests build/tests/node_tests --statecraft build/tools/statecraft/statecraft \\
        [--parts urls,suites,e2e,nodes,failover,migrate] [--keep]

1. Starts a Redis Cluster on free loopback ports: 3 masters with one
   replica each, cluster-node-timeout 1000 ms (harness.RedisCluster:
   redis-server --cluster-enabled yes, then redis-cli --cluster create).
2. urls: a malformed redis+cluster:// URL stops statecraftd (exit 2); a
   plain Redis (no cluster support) behind one stops it at once (exit 1).
3. suites: node_tests with STATECRAFT_TEST_REDIS_CLUSTER set to the masters
   (tests/node/redis_fixture.hpp): the Redis store conformance suite, the
   coordinator suite and the secrets suite, on the cluster (tests tagged
   [redis-single] or [sentinel] are left out: they need one server).
4. e2e: tests/e2e/run.py --redis-url redis+cluster://... with a subset of
   the e2e suite (executions, state machines, activities, versions,
   aliases, tags; Map Runs and redrive pass too but take a minute more:
   run.py --with-redis-cluster 3 -k test_map_runs -k test_redrive).
5. nodes: three nodes on the cluster share the 64 shards; `statecraft
   traffic --scenario activity` through the three (named starts, so some
   cross nodes through the owners' inboxes: inbox acknowledgements counted
   on the masters) must verify every execution; the nodes stop cleanly.
6. failover: one node (--redis-wait-replicas 1) under a load of named
   starts (a Pass, a 1 s Wait, a Pass); the master serving the most of the
   node's execution shards that does not hold the global keys is killed
   with -9; its replica takes over, and the old master is started again
   (it comes back as the new master's replica: with --redis-wait-replicas 1
   the promoted master's writes wait for one). Starts that fail are retried
   with the same name and input. Every acknowledged start must end SUCCEEDED with a
   complete history (ids 1..N once each), and at least one acknowledged
   execution must live on the killed master's slots.
7. migrate: the slot of one execution shard (hash tag {S}) is migrated to
   another master by hand (CLUSTER SETSLOT IMPORTING / MIGRATING, MIGRATE of
   some executions' keys): those executions must still be described and
   their histories read (the node follows -ASK: the target's ASKING count
   grows); a named start on that shard during the migration must succeed
   once the slot is handed over (it waits through -TRYAGAIN, then follows
   -MOVED: the source counts MOVED errors) and end SUCCEEDED.

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
import threading
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from harness import Failed, Redis, RedisCluster, check, free_port, log, shard_of, tail, wait_for_port  # noqa: E402
from harness import sfn_client as client  # noqa: E402

try:
    import boto3
    import botocore.config
except ImportError:  # pragma: no cover
    print("redis_cluster.py: boto3 is required", file=sys.stderr)
    sys.exit(2)

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/statecraft"
SHARDS = 64
START = time.monotonic()
CHAIN = json.dumps({"StartAt": "A", "States": {
    "A": {"Type": "Pass", "Result": {"a": 1}, "ResultPath": "$.a", "Next": "W"},
    "W": {"Type": "Wait", "Seconds": 1, "Next": "B"},
    "B": {"Type": "Pass", "Result": {"b": 2}, "ResultPath": "$.b", "End": True}}})
CHAIN_EVENTS = ["ExecutionStarted", "PassStateEntered", "PassStateExited", "WaitStateEntered",
                "WaitStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]


def info_field(cluster, port, section, name):
    """A numeric field of INFO <section> ('calls=' of a commandstat, or an
    errorstat's 'count='), 0 when absent."""
    for line in cluster.cli(port, "INFO", section).decode().splitlines():
        if line.startswith(name + ":"):
            for part in line.split(":", 1)[1].split(","):
                k, _, v = part.partition("=")
                if k in ("calls", "count"):
                    return int(v)
    return 0


class Test:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="sc-rcluster-")
        self.cluster = RedisCluster(self.dir, masters=3, replicas=1, node_timeout=1000)
        self.node = None

    # --- the node -----------------------------------------------------------------

    def start_node(self):
        port = free_port()
        logp = os.path.join(self.dir, "n1.log")
        proc = subprocess.Popen(
            [self.args.statecraftd, "--node-id", "n1", "--bind", "127.0.0.1", "--port", str(port),
             "--redis", self.cluster.url, "--redis-wait-replicas", "1",
             "--heartbeat-seconds", "0.5", "--lease-ttl-seconds", "3", "--log-level", "info"],
            stdout=open(logp, "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.node = (proc, port, logp)
        problem = wait_for_port(proc, port, 30)
        if problem:
            raise RuntimeError("the node did not start: %s\n%s" % (problem, tail(logp)))
        self.sfn = client("http://127.0.0.1:%d" % port)

    def stop_node(self):
        if self.node and self.node[0].poll() is None:
            self.node[0].send_signal(signal.SIGTERM)
            try:
                rc = self.node[0].wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.node[0].kill()
                self.node[0].wait()
                raise Failed("the node did not exit within 15 s of SIGTERM")
            check(rc == 0, "the node exited with status %s" % rc)

    def start_retrying(self, machine, name, deadline):
        """StartExecution, the same name and input again after an error; the
        ARN once acknowledged, or None at the deadline."""
        while time.monotonic() < deadline:
            try:
                return self.sfn.start_execution(stateMachineArn=machine, name=name,
                                                input='{"n":"%s"}' % name)["executionArn"]
            except Exception:  # noqa: BLE001 - any failure: try again
                time.sleep(0.2)
        return None

    def wait_succeeded(self, arns, seconds):
        pending = set(arns)
        end = time.monotonic() + seconds
        while pending and time.monotonic() < end:
            for arn in list(pending):
                try:
                    st = self.sfn.describe_execution(executionArn=arn)["status"]
                except Exception:  # noqa: BLE001 - transient during a failover
                    continue
                check(st in ("RUNNING", "SUCCEEDED"), "%s ended %s" % (arn, st))
                if st == "SUCCEEDED":
                    pending.discard(arn)
            if pending:
                time.sleep(0.3)
        if pending:
            for arn in sorted(pending)[:3]:
                try:
                    d = self.sfn.describe_execution(executionArn=arn)
                    ev = self.sfn.get_execution_history(executionArn=arn)["events"]
                    log("stuck: %s shard %d %s %s" % (arn, shard_of(arn), d["status"],
                                                       [e["type"] for e in ev]))
                except Exception as e:  # noqa: BLE001
                    log("stuck: %s: %r" % (arn, e))
        check(not pending, "%d executions not SUCCEEDED within %ss, e.g. %s"
              % (len(pending), seconds, sorted(pending)[:3]))

    def check_history(self, arn):
        events = self.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        check([e["id"] for e in events] == list(range(1, len(events) + 1)),
              "%s: history ids %s" % (arn, [e["id"] for e in events]))
        check([e["type"] for e in events] == CHAIN_EVENTS,
              "%s: history %s" % (arn, [e["type"] for e in events]))

    # --- parts --------------------------------------------------------------------

    def masters_text(self):
        return ",".join("127.0.0.1:%d" % p for p in self.cluster.master_ports())

    def flush(self):
        for p in self.cluster.master_ports():
            self.cluster.cli(p, "FLUSHALL")

    def part_suites(self):
        env = dict(os.environ, STATECRAFT_TEST_REDIS_CLUSTER=self.masters_text())
        spec = "[store][redis]~[redis-single]~[sentinel],[cluster][redis],[secrets][redis]"
        log("node_tests %s on the cluster (%s)" % (spec, env["STATECRAFT_TEST_REDIS_CLUSTER"]))
        r = subprocess.run([self.args.node_tests, spec], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=600)
        out = r.stdout.decode("utf-8", "replace")
        print("\n".join(out.splitlines()[-15:]))
        check(r.returncode == 0, "node_tests failed on the cluster:\n" + out[-6000:])
        self.flush()

    def part_e2e(self):
        ks = ["test_executions", "test_state_machines", "test_activities", "test_versions",
              "test_aliases", "test_tags"]
        cmd = [sys.executable, os.path.join(os.path.dirname(HERE), "e2e", "run.py"),
               "--statecraftd", self.args.statecraftd, "--redis-url", self.cluster.url]
        for k in ks:
            cmd += ["-k", k]
        log("e2e subset on the cluster: %s" % " ".join(ks))
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
        out = r.stdout.decode("utf-8", "replace")
        print("\n".join(out.splitlines()[-5:]))
        check(r.returncode == 0, "e2e subset failed on the cluster:\n" + out[-6000:])
        self.flush()

    def part_failover(self):
        self.start_node()
        machine = self.sfn.create_state_machine(name="chain", definition=CHAIN,
                                                roleArn=ROLE)["stateMachineArn"]
        exec_prefix = machine.replace(":stateMachine:", ":execution:") + ":"
        g_port = self.cluster.port_of_slot(self.cluster.slot_of("{g}"))
        # The victim: the master (not the global keys') serving most shards.
        counts = {}
        for s in range(SHARDS):
            p = self.cluster.port_of_slot(self.cluster.slot_of("{%d}" % s))
            counts[p] = counts.get(p, 0) + 1
        victim = max((p for p in counts if p != g_port), key=lambda p: counts[p])
        victim_slots = {s for s in range(SHARDS)
                        if self.cluster.port_of_slot(self.cluster.slot_of("{%d}" % s)) == victim}
        log("failover: victim master %d (%d of 64 shards); global keys on %d"
            % (victim, len(victim_slots), g_port))
        acked, lock, stop = {}, threading.Lock(), threading.Event()

        def starter(k):
            i = 0
            while not stop.is_set():
                name = "f%d-%d" % (k, i)
                i += 1
                arn = self.start_retrying(machine, name, time.monotonic() + 30)
                if arn:
                    with lock:
                        acked[name] = arn

        threads = [threading.Thread(target=starter, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        time.sleep(2.0)
        before = len(acked)
        log("failover: %d starts acknowledged; kill -9 master %d" % (before, victim))
        self.cluster.kill(victim)
        t0 = time.monotonic()
        live = [n["port"] for n in self.cluster.nodes if self.cluster.alive(n)]
        end = time.monotonic() + 30
        while time.monotonic() < end:
            try:
                self.cluster.wait_ok(timeout=1, ports=live)
                if victim not in self.cluster.master_ports() and len(self.cluster.master_ports()) == 3:
                    break
            except RuntimeError:
                pass
        log("failover: cluster ok again after %.1fs (masters %s)"
            % (time.monotonic() - t0, self.cluster.master_ports()))
        # With --redis-wait-replicas 1 the promoted master's writes wait for
        # a replica: the old master comes back as one.
        self.cluster.restart(victim)
        log("failover: %d back as a replica after %.1fs; %d acknowledged so far"
            % (victim, time.monotonic() - t0, len(acked)))
        time.sleep(3.0)
        stop.set()
        for t in threads:
            t.join()
        arns = list(acked.values())
        on_victim = [a for a in arns if shard_of(a) in victim_slots]
        log("failover: %d acknowledged (%d after the kill), %d on the killed master's shards"
            % (len(arns), len(arns) - before, len(on_victim)))
        check(len(arns) - before > 0, "no start acknowledged after the failover")
        check(on_victim, "no acknowledged execution on the killed master's shards")
        self.wait_succeeded(arns, 60)
        for arn in on_victim[:20] + arns[:5]:
            self.check_history(arn)
        listed = set()
        token = None
        while True:
            kw = {"stateMachineArn": machine, "maxResults": 1000}
            if token:
                kw["nextToken"] = token
            page = self.sfn.list_executions(**kw)
            listed.update(e["executionArn"] for e in page["executions"])
            token = page.get("nextToken")
            if not token:
                break
        check(set(arns) <= listed, "%d acknowledged executions not listed" % len(set(arns) - listed))
        log("failover: every acknowledged execution SUCCEEDED with its whole history")
        self.machine, self.exec_prefix, self.acked = machine, exec_prefix, arns

    def part_migrate(self):
        if self.node is None:
            self.start_node()
            self.machine = self.sfn.create_state_machine(name="chain", definition=CHAIN,
                                                         roleArn=ROLE)["stateMachineArn"]
            self.exec_prefix = self.machine.replace(":stateMachine:", ":execution:") + ":"
            self.acked = [self.start_retrying(self.machine, "m%d" % i, time.monotonic() + 30)
                          for i in range(40)]
            self.wait_succeeded(self.acked, 30)
        g_slot = self.cluster.slot_of("{g}")
        by_shard = {}
        for a in self.acked:
            by_shard.setdefault(shard_of(a), []).append(a)
        shard = max((s for s in by_shard if self.cluster.slot_of("{%d}" % s) != g_slot),
                    key=lambda s: len(by_shard[s]))
        slot = self.cluster.slot_of("{%d}" % shard)
        src = self.cluster.port_of_slot(slot)
        dst = next(p for p in self.cluster.master_ports() if p != src)
        src_id = self.cluster.cli(src, "CLUSTER", "MYID").decode().strip()
        dst_id = self.cluster.cli(dst, "CLUSTER", "MYID").decode().strip()
        moving = by_shard[shard][: max(1, len(by_shard[shard]) // 2)]
        log("migrate: shard %d (slot %d, %d executions) from %d to %d; moving %d executions' keys first"
            % (shard, slot, len(by_shard[shard]), src, dst, len(moving)))
        asking0 = info_field(self.cluster, dst, "commandstats", "cmdstat_asking")
        moved0 = info_field(self.cluster, src, "errorstats", "errorstat_MOVED")
        self.cluster.cli(dst, "CLUSTER", "SETSLOT", slot, "IMPORTING", src_id)
        self.cluster.cli(src, "CLUSTER", "SETSLOT", slot, "MIGRATING", dst_id)
        keys = []
        for a in moving:
            keys += ["sc:{%d}:exec:%s" % (shard, a), "sc:{%d}:hist:%s" % (shard, a)]
        out = self.cluster.cli(src, "MIGRATE", "127.0.0.1", dst, "", 0, 5000, "KEYS", *keys)
        check(b"OK" in out, "MIGRATE: %r" % out)
        # Reads of moved keys: the source answers -ASK, the node follows it.
        for a in moving:
            d = self.sfn.describe_execution(executionArn=a)
            check(d["status"] == "SUCCEEDED", "%s during the migration: %s" % (a, d["status"]))
            self.check_history(a)
        asking = info_field(self.cluster, dst, "commandstats", "cmdstat_asking") - asking0
        log("migrate: %d moved executions read through -ASK (ASKING on the target: %d)"
            % (len(moving), asking))
        check(asking > 0, "the target never got ASKING")
        # A start on that shard while the slot is half moved (its script's
        # keys are on both sides: -TRYAGAIN until the slot is handed over).
        name = next("mig-%d" % i for i in range(100000)
                    if shard_of(self.exec_prefix + "mig-%d" % i) == shard)
        result = {}

        def start():
            result["arn"] = self.start_retrying(self.machine, name, time.monotonic() + 30)

        t = threading.Thread(target=start)
        t.start()
        time.sleep(1.0)
        # Move the rest and hand the slot over.
        while True:
            rest = self.cluster.cli(src, "CLUSTER", "GETKEYSINSLOT", slot, 1000).decode().split()
            if not rest:
                break
            out = self.cluster.cli(src, "MIGRATE", "127.0.0.1", dst, "", 0, 5000, "KEYS", *rest)
            check(b"OK" in out or b"NOKEY" in out, "MIGRATE: %r" % out)
        for p in self.cluster.master_ports():
            self.cluster.cli(p, "CLUSTER", "SETSLOT", slot, "NODE", dst_id)
        log("migrate: slot %d handed over to %d" % (slot, dst))
        t.join()
        check(result.get("arn") == self.exec_prefix + name, "the start during the migration: %r" % result)
        self.wait_succeeded([result["arn"]], 30)
        self.check_history(result["arn"])
        for a in by_shard[shard]:
            check(self.sfn.describe_execution(executionArn=a)["status"] == "SUCCEEDED", a)
        moved = info_field(self.cluster, src, "errorstats", "errorstat_MOVED") - moved0
        log("migrate: the start SUCCEEDED; MOVED errors from the source: %d" % moved)
        check(moved > 0, "the source never answered MOVED")

    def part_urls(self):
        """Start-up errors: a malformed redis+cluster:// URL (exit 2), a
        plain Redis behind one (exit 1 at once, saying so)."""
        def start(url):
            return subprocess.run([self.args.statecraftd, "--redis", url, "--port", str(free_port()),
                                   "--bind", "127.0.0.1"], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=60)
        r = start("redis+cluster://127.0.0.1:7001/2")
        out = r.stdout.decode()
        check(r.returncode == 2 and "redis+cluster://HOST:PORT" in out,
              "malformed URL: exit %d: %s" % (r.returncode, out))
        plain = Redis(self.dir)
        plain.start()
        try:
            t0 = time.monotonic()
            r = start("redis+cluster://127.0.0.1:%d" % plain.port)
            out = r.stdout.decode()
            check(r.returncode == 1 and "cluster support disabled" in out and
                  time.monotonic() - t0 < 20, "plain Redis: exit %d: %s" % (r.returncode, out))
        finally:
            plain.stop()
        log("urls: a malformed redis+cluster:// URL and a plain Redis behind one are refused at start")

    def part_nodes(self):
        """Three nodes on the cluster: they share the 64 shards (leases on
        every master), and activity load through all three, with named
        starts that cross nodes through the owners' inboxes (wake-ups by
        plain pub/sub, which Redis Cluster forwards to every node) and
        activity tasks on the shared queues, verifies every execution."""
        self.flush()
        nodes = []
        try:
            for nid in ("c1", "c2", "c3"):
                port = free_port()
                logp = os.path.join(self.dir, nid + ".log")
                proc = subprocess.Popen(
                    [self.args.statecraftd, "--node-id", nid, "--bind", "127.0.0.1", "--port", str(port),
                     "--redis", self.cluster.url, "--heartbeat-seconds", "0.5",
                     "--lease-ttl-seconds", "3", "--activity-poll-timeout", "2", "--log-level", "warn"],
                    stdout=open(logp, "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                nodes.append((nid, proc, port, logp))
                problem = wait_for_port(proc, port, 30)
                if problem:
                    raise RuntimeError("%s did not start: %s\n%s" % (nid, problem, tail(logp)))
            end = time.monotonic() + 30
            while True:
                st = subprocess.run([self.args.statecraft, "cluster", "status", "--redis", self.cluster.url],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30).stdout.decode()
                if "3 live" in st and "64 shards owned" in st:
                    break
                check(time.monotonic() < end, "three nodes never shared the shards:\n" + st)
                time.sleep(0.3)
            lrem0 = sum(info_field(self.cluster, p, "commandstats", "cmdstat_lrem")
                        for p in self.cluster.master_ports())
            cmd = [self.args.statecraft, "traffic", "--json", "--no-progress", "--scenario", "activity",
                   "--concurrency", "6", "--duration", "3", "--workers-per-node", "2",
                   "--prefix", "rcnodes"]
            for n in nodes:
                cmd += ["--endpoint", "http://127.0.0.1:%d" % n[2]]
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
            rep = json.loads(p.stdout or b"{}")
            ex = rep.get("executions", {})
            lrem = sum(info_field(self.cluster, q, "commandstats", "cmdstat_lrem")
                       for q in self.cluster.master_ports()) - lrem0
            log("nodes: 3 nodes, activity through 3 endpoints: exit %d, correct %s, %s started, %s "
                "verified, %.0f tasks/s; %d inbox messages acknowledged (cross-node starts)"
                % (p.returncode, rep.get("correct"), ex.get("started"), ex.get("verified"),
                   (rep.get("values") or {}).get("tasks_per_s") or 0, lrem))
            check(p.returncode == 0 and rep.get("correct") is True,
                  "traffic on three nodes: exit %d %s" % (p.returncode, p.stderr.decode()[-2000:]))
            check(ex.get("started", 0) >= 20 and ex.get("verified") == ex.get("started"),
                  "traffic on three nodes: %s" % ex)
            check(lrem > 0, "no start crossed nodes through an inbox")
            for nid, proc, port, logp in nodes:
                proc.send_signal(signal.SIGTERM)
            for nid, proc, port, logp in nodes:
                check(proc.wait(timeout=20) == 0, "%s did not exit cleanly:\n%s" % (nid, tail(logp)))
        finally:
            for nid, proc, port, logp in nodes:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()

    def run(self):
        self.cluster.start()
        log("Redis Cluster up: masters %s" % self.cluster.master_ports())
        parts = self.args.parts.split(",")
        if "urls" in parts:
            self.part_urls()
        if "suites" in parts:
            self.part_suites()
        if "e2e" in parts:
            self.part_e2e()
        if "nodes" in parts and self.args.statecraft:
            self.part_nodes()
        if "failover" in parts:
            self.part_failover()
        if "migrate" in parts:
            self.part_migrate()
        self.stop_node()

    def stop(self):
        if self.node and self.node[0].poll() is None:
            self.node[0].kill()
            self.node[0].wait()
        self.cluster.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statecraftd", required=True)
    ap.add_argument("--node-tests", required=True)
    ap.add_argument("--statecraft", help="the CLI (traffic, cluster status) for the nodes part")
    ap.add_argument("--parts", default="urls,suites,e2e,nodes,failover,migrate")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    for tool in ("redis-server", "redis-cli"):
        if not shutil.which(tool):
            print("redis_cluster.py: %s not found (scripts/setup.sh installs it)" % tool, file=sys.stderr)
            return 2
    t = Test(args)
    ok = False
    try:
        t.run()
        ok = True
    except Failed as e:
        print("FAIL: %s" % e)
    except Exception as e:  # noqa: BLE001
        print("ERROR: %r" % e)
        import traceback
        traceback.print_exc()
    finally:
        t.stop()
    if not ok and t.node:
        print("--- node log tail ---\n%s" % tail(t.node[2], 60))
    if ok and not args.keep:
        shutil.rmtree(t.dir, ignore_errors=True)
    else:
        print("redis_cluster.py: files kept in %s" % t.dir)
    print("redis_cluster.py: %s in %.1fs" % ("PASS" if ok else "FAIL", time.monotonic() - START))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
