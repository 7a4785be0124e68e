#!/usr/bin/env python3
"""Redis high availability: kill -9 of the Redis master under load, with one
replica and three sentinels, loses nothing Statecraft acknowledged.

    python3 tests/durability/sentinel_failover.py \\
        --statecraftd build/tools/statecraftd/statecraftd \\
        --statecraft build/tools/statecraft/statecraft

Processes, all on free loopback ports in a temporary directory: a Redis
master (appendonly), one replica of it, three sentinels watching it
(quorum 2, down-after 1000 ms), and one statecraftd on
redis+sentinel://S1,S2,S3/sc-master with --redis-wait-replicas 1 (every write
acknowledged only once the replica has it), --time-scale 10,
--activity-poll-timeout 1. Workers (boto3) answer activity tasks all along.

Load: StartExecution of Wait chains, activity Task sequences, a Map of Waits
and a Parallel of Waits at --rate starts/s, workers answering with
SendTaskSuccess. Half-way through, the replica is cut off for --lag seconds
(SIGSTOP, and the master closes its replication link: replication lag at
the crash), then the master is killed with SIGKILL and the replica resumes;
the sentinels promote it; the node must follow (it never restarts).
With --wait-replicas 0 this test fails: the master acknowledged steps and
starts during the lag that the promoted replica never got.
With one replica and --redis-wait-replicas 1 the new master has no replica
left, so the node must refuse writes (503 naming the replicas) until the old
master is restarted (as systemd would) and the sentinels make it a replica
of the new one; then the load completes. Starts failing meanwhile (5xx or
transport errors) are retried with the same name by the starter, as a
client would. About 40 s on two cores.

Checks:
  * the sentinels promoted the replica (ROLE master) and statecraftd stayed up;
  * every execution whose StartExecution answered 200 (before, during or
    after the failover) exists afterwards, SUCCEEDED, with exactly the
    history `statecraft run` gives (no event lost or repeated), so each
    ran exactly once;
  * every SendTaskSuccess a worker got 200 for counts (the histories above);
  * a start was refused or delayed during the failover (it was real), and
    a StartExecution while the new master had no replica answered 503;
  * every planned start was acknowledged in the end (the node followed).
Exit 0 when every check passed, 1 otherwise, 2 when it cannot run
(no redis-server / redis-sentinel).
"""

import argparse
import collections
import os
import random
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
from common import log  # noqa: E402
from harness import wait_for_port  # noqa: E402

MASTER_NAME = "sc-master"
MACHINES = (("wait_chain", 30), ("activity_seq", 40), ("map_wait", 15), ("parallel_wait", 15))


class Server:
    """A redis-server (or sentinel) process with a config file."""

    def __init__(self, workdir, name, lines, sentinel=False):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.name = name
        self.port = common.free_port()
        self.sentinel = sentinel
        self.conf = os.path.join(self.dir, "redis.conf")
        with open(self.conf, "w") as f:
            f.write("port %d\nbind 127.0.0.1\nprotected-mode no\ndir %s\n" % (self.port, self.dir))
            for line in lines:
                f.write(line + "\n")
        self.proc = None

    def start(self, timeout=20):
        log_path = os.path.join(self.dir, "server.log")
        logf = open(log_path, "ab")
        if self.sentinel:
            cmd = ["redis-sentinel", self.conf] if shutil.which("redis-sentinel") else \
                ["redis-server", self.conf, "--sentinel"]
        else:
            cmd = ["redis-server", self.conf]
        self.proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir)
        logf.close()
        err = wait_for_port(self.proc, self.port, timeout)
        if err:
            raise RuntimeError("%s %s:\n%s" % (self.name, err, common.tail(log_path)))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def command(self, *args):
        r = common.Redis(self.dir, port=self.port)
        return r.command(*args)

    def stop(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait()


def make_plan(total, seed):
    plan = []
    weights = sum(w for _, w in MACHINES)
    for machine, w in MACHINES:
        n = total * w // weights
        plan += [(machine, i % common.VARIANTS, "ha-%s-%04d" % (machine, i)) for i in range(n)]
    random.Random(seed).shuffle(plan)
    return plan


class SentinelNode(common.Node):
    def __init__(self, binary, workdir, url, extra=()):
        super().__init__(binary, workdir, 0, extra=extra)
        self.url = url

    def args(self):
        a = super().args()
        a[a.index("--redis") + 1] = self.url
        return a


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statecraftd", required=True)
    ap.add_argument("--statecraft", required=True)
    ap.add_argument("--executions", type=int, default=300)
    ap.add_argument("--rate", type=float, default=40, help="starts per second (default 40)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--mode", choices=("kill", "stop"), default="kill",
                    help="kill: SIGKILL the master, restart it after the promotion; stop: "
                         "SIGSTOP it (a hung or cut-off master), SIGCONT after the promotion")
    ap.add_argument("--wait-replicas", type=int, default=1,
                    help="--redis-wait-replicas of the nodes (default 1; 0 shows what a "
                         "failover without WAIT may lose)")
    ap.add_argument("--lag", type=float, default=0.5,
                    help="seconds the replica is stopped (SIGSTOP) just before the master "
                         "fails: replication lag at the crash (default 0.5; below the "
                         "sentinels' 1 s down-after, so it stays promotable)")
    ap.add_argument("--nodes", type=int, default=1,
                    help="statecraftd nodes on the sentinel URL (default 1); with more, the "
                         "workers poll the last one, starts go to the first")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    problem = common.cannot_run(args.statecraftd, args.statecraft)
    if problem:
        print("sentinel_failover.py: %s" % problem, file=sys.stderr)
        return 2

    tmp = common.make_tempdir("statecraft-sentinel-")
    log("work directory %s" % tmp)
    master = Server(tmp, "master", ["appendonly yes", "appendfsync everysec", 'save ""'])
    replica = Server(tmp, "replica", ["appendonly yes", "appendfsync everysec", 'save ""',
                                      "replicaof 127.0.0.1 %d" % master.port])
    sentinels = [Server(tmp, "sentinel-%d" % i, [
        "sentinel monitor %s 127.0.0.1 %d 2" % (MASTER_NAME, master.port),
        "sentinel down-after-milliseconds %s 1000" % MASTER_NAME,
        "sentinel failover-timeout %s 10000" % MASTER_NAME,
        "sentinel parallel-syncs %s 1" % MASTER_NAME], sentinel=True) for i in range(3)]
    url = "redis+sentinel://%s/%s" % (",".join("127.0.0.1:%d" % s.port for s in sentinels),
                                      MASTER_NAME)
    nodes = [SentinelNode(os.path.abspath(args.statecraftd), tmp, url, extra=[
        "--node-id", "n%d" % (i + 1),
        "--redis-wait-replicas", str(args.wait_replicas), "--redis-wait-timeout-ms", "1000",
        "--activity-poll-timeout", "1", "--time-scale", "10", "--idle-actor-seconds", "0.5"])
        for i in range(args.nodes)]
    node = nodes[0]
    # With several nodes, the workers poll the last one: task answers and
    # most starts cross nodes (shard inboxes, the shared task queue).
    worker_node = nodes[-1]
    failures = []
    workers = None
    procs = [master, replica] + sentinels
    try:
        for p in procs:
            p.start()
        # The replica must be in sync and known to the sentinels before the kill.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            info = replica.command("INFO", "replication")
            # Each sentinel lists the replica, and knows the two others.
            known = all(s.command("SENTINEL", "replicas", MASTER_NAME).startswith(b"*1") and
                        s.command("SENTINEL", "sentinels", MASTER_NAME).startswith(b"*2")
                        for s in sentinels)
            if b"master_link_status:up" in info and known:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("the replica or the sentinels were not ready within 20 s")
        for n in nodes:
            n.start()
        log("master %d, replica %d, sentinels %s, statecraftd %s on %s" % (
            master.port, replica.port, [s.port for s in sentinels], [n.port for n in nodes], url))
        client = common.boto(node.port)
        raw = common.Raw(node.port)
        defs = common.definitions()
        common.create_resources(client, defs)
        golden = common.Golden(os.path.abspath(args.statecraft), tmp, defs)
        for m, _ in MACHINES:
            for k in range(common.VARIANTS):
                golden.get(m, common.make_input(m, k))
        workers = common.Workers(worker_node.port, worker_node, threads_per_activity=2)
        workers.start()

        plan = make_plan(args.executions, args.seed)
        starter = common.Starter(node.port, plan, threads=3, rate=args.rate, read_timeout=30)
        t0 = time.monotonic()
        starter.start()
        while starter.done_count() < len(plan) // 2 and node.alive():
            time.sleep(0.01)
        with starter.lock:
            acked_before = dict(starter.acked)
        tasks_before = len(workers.records)
        # Replication lag at the moment of the crash: the replica is cut off
        # (stopped, and its replication link closed by the master) for --lag
        # seconds before the master dies, then goes on. Without WAIT, what
        # the master acknowledged meanwhile is not on the replica the
        # sentinels promote. (Killing the master alone loses nothing on one
        # machine: the kernel still delivers what Redis had written to the
        # replica's socket.)
        if args.lag > 0:
            replica.proc.send_signal(signal.SIGSTOP)
            master.command("CLIENT", "KILL", "TYPE", "replica")
            time.sleep(args.lag)
        if args.mode == "kill":
            master.proc.send_signal(signal.SIGKILL)
            master.proc.wait()
        else:  # a master that hangs (or is cut off): connections to it time out
            master.proc.send_signal(signal.SIGSTOP)
        kill_t = time.monotonic()
        if args.lag > 0:
            replica.proc.send_signal(signal.SIGCONT)
        log("%s the master after %.1f s (%d starts acknowledged, %d tasks taken)" % (
            "SIGKILL" if args.mode == "kill" else "SIGSTOP", kill_t - t0, len(acked_before),
            tasks_before))
        promoted = None
        while time.monotonic() < kill_t + 30:
            if b"master" in replica.command("ROLE")[:20]:
                promoted = time.monotonic() - kill_t
                break
            time.sleep(0.1)
        if promoted is None:
            failures.append("the sentinels did not promote the replica within 30 s")
        else:
            log("the sentinels promoted the replica %.1f s after the master failed" % promoted)
        # With one replica and --redis-wait-replicas 1, nothing can be
        # acknowledged until the new master has a replica again: the old
        # master comes back (as an operator or systemd would restart it) and
        # the sentinels turn it into a replica of the new one. Meanwhile the
        # node must answer 503, not acknowledge writes only one server has.
        time.sleep(2)
        st, body = raw.call("StartExecution", {
            "stateMachineArn": common.machine_arn("wait_chain"), "name": "ha-probe-alone",
            "input": common.make_input("wait_chain", 0)})
        log("StartExecution with no replica left: %s %s" % (st, body.get("message", "")))
        if args.wait_replicas and (st == 200 or (args.mode == "kill" and
                                                 "replicas" not in body.get("message", ""))):
            failures.append("a StartExecution was not refused while the new master had no "
                            "replica: %s %s" % (st, body))
        if args.mode == "kill":
            master.start()
        else:
            master.proc.send_signal(signal.SIGCONT)
        restarted = time.monotonic()
        while time.monotonic() < restarted + 30:
            if b"slave" in master.command("ROLE")[:20]:
                log("the old master is back as a replica %.1f s after its restart (or SIGCONT)" % (
                    time.monotonic() - restarted))
                break
            time.sleep(0.1)
        else:
            failures.append("the old master did not become a replica within 30 s")
        # What the node answers now (diagnostics for a node that does not
        # follow).
        for _ in range(2):
            time.sleep(1.0)
            st, body = raw.call("DescribeStateMachine",
                                {"stateMachineArn": common.machine_arn("wait_chain")})
            st2, body2 = raw.call("StartExecution", {
                "stateMachineArn": common.machine_arn("wait_chain"), "name": "probe-%d" % _,
                "input": common.make_input("wait_chain", 0)})
            log("%.1f s after the master failed: DescribeStateMachine %s %s, StartExecution %s %s" % (
                time.monotonic() - kill_t, st, "" if st == 200 else body, st2,
                "" if st2 == 200 else body2))
        starter.join(60, node=node)
        if len(starter.acked) < len(plan):
            failures.append("only %d of %d starts were acknowledged: the node did not follow "
                            "the failover" % (len(starter.acked), len(plan)))
        log("%d/%d starts acknowledged (errors during the failover: %s)" % (
            len(starter.acked), len(plan), dict(starter.errors)))
        if not starter.errors:
            failures.append("no start failed or timed out during the failover: was it real?")
        if starter.failed:
            failures.append("%d starts failed: %s" % (len(starter.failed),
                                                      list(starter.failed.items())[:5]))
        mine = {common.execution_arn(m, n) for m, _, n in plan}
        left = common.wait_all_finished(raw, [m for m, _ in MACHINES], time.monotonic() + 90,
                                        node=node, only=mine)
        if left:
            failures.append("%d executions still RUNNING: %s" % (len(left), left[:3]))
        dead = [n for n in nodes if not n.alive()]
        for n in dead:
            failures.append("statecraftd %d exited (status %s):\n%s" % (
                n.port, n.proc.returncode, common.tail(n.log_path)))
        if not dead:
            acked = [(m, k, n) for m, k, n in plan if n in starter.acked]
            missing = [n for m, _, n in acked if raw.call(
                "DescribeExecution", {"executionArn": common.execution_arn(m, n)})[0] != 200]
            if missing:
                failures.append("%d acknowledged executions are gone (%d acknowledged before the "
                                "kill): %s" % (len(missing), sum(1 for n in missing
                                                                 if n in acked_before),
                                               missing[:5]))
            problems, hist = common.verify_executions(raw, golden, acked)
            if problems:
                common.print_problems("executions differing from the run without a failover",
                                      problems)
                kinds = collections.Counter(common.problem_kind(p)
                                            for ps in problems.values() for p in ps)
                failures.append("%d of %d acknowledged executions differ from the golden "
                                "history: %s" % (len(problems), len(acked), dict(kinds)))
            log("checked %d acknowledged executions (%d before the kill), %d events" % (
                len(acked), len(acked_before), sum(len(h) for h in hist.values())))
        workers.stop()
        bad = [r for r in workers.records if r.result not in ("ok", "ok-retried")]
        log("workers: %d tasks, %d answers retried, errors %s" % (
            len(workers.records), sum(1 for r in workers.records if r.result == "ok-retried"),
            dict(workers.errors)))
        if bad:
            failures.append("%d SendTaskSuccess calls failed: %s" % (
                len(bad), collections.Counter(r.result for r in bad)))
        for n in nodes:
            if n.alive():
                status = n.terminate()
                if status != 0:
                    failures.append("statecraftd %d did not exit 0 on SIGTERM (status %s)" % (
                        n.port, status))
        log("done in %.1f s" % (time.monotonic() - common._T0))
    except Exception:
        import traceback
        traceback.print_exc()
        failures.append("the test itself failed (traceback above)")
    finally:
        if workers is not None:
            workers.stopping.set()
        for n in nodes:
            if n.alive():
                n.proc.kill()
                n.proc.wait()
        for p in procs:
            p.stop()
    return common.conclude(failures, tmp, args.keep)


if __name__ == "__main__":
    sys.exit(main())
