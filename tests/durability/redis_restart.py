#!/usr/bin/env python3
"""Redis outages under a running node: the node stays up, answers every call
within a bound (a 5xx AWS error, or success after waiting), loses nothing it
acknowledged, and finishes every execution correctly once Redis is back.

    python3 tests/durability/redis_restart.py \\
        --statecraftd build/tools/statecraftd/statecraftd \\
        --statecraft build/tools/statecraft/statecraft

One redis-server (appendonly yes, appendfsync everysec, no RDB) in a
temporary directory and one statecraftd on it (--time-scale 10,
--idle-actor-seconds 0.5, --activity-poll-timeout 1). Workers (boto3,
workerName golden-worker) answer activity tasks throughout. Two rounds, each
with its own executions (Wait chains, activity Tasks, a Map of Waits, a
Parallel of Waits):

  kill:  half-way through the starts, SIGKILL redis-server; --outage seconds
         later start it again on the same port and directory (it reloads
         its AOF).
  stop:  SIGSTOP redis-server for --stop-seconds (longer than the node's
         5 s Redis command timeout), then SIGCONT.

While Redis is away a prober calls DescribeExecution, GetExecutionHistory,
ListExecutions, DescribeStateMachine, StartExecution, GetActivityTask and
SendTaskSuccess (with a token already used) over raw HTTP, each bounded by a
--call-timeout client timeout. Checks:
  * statecraftd never exits;
  * every probe call answered before its timeout, with 200 or a 5xx whose
    body is an AWS JSON error (`__type`), and at least one 5xx was seen
    (the outage was real);
  * every execution whose StartExecution returned 200 before the outage
    still exists afterwards, and every started execution (the starter
    retries 5xx/transport failures with the same name and input) SUCCEEDED
    with exactly the history `statecraft run` gives (same comparison as
    crash_recovery.py);
  * after the last round the node exits 0 on SIGTERM.
Exit status 0 when every check passed, 1 otherwise (2: could not run).
"""

import argparse
import collections
import http.client
import os
import random
import signal
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
from common import log  # noqa: E402

MACHINES = (("wait_chain", 35), ("activity_seq", 30), ("map_wait", 15), ("parallel_wait", 20))


def make_plan(prefix, total, seed):
    plan = []
    weights = sum(w for _, w in MACHINES)
    for machine, w in MACHINES:
        n = total * w // weights
        plan += [(machine, i % common.VARIANTS, "%s-%s-%04d" % (prefix, machine, i))
                 for i in range(n)]
    random.Random(seed).shuffle(plan)
    return plan


class Prober:
    """Calls a rotation of API actions while Redis is away and records, per
    call, (action, outcome, seconds). Outcome: "200", "<status> <__type>",
    "timeout", "connection: <error>" or "bad body"."""

    def __init__(self, port, timeout, sample_exec, used_token, prefix):
        self.raw = common.Raw(port, timeout=timeout)
        self.timeout = timeout
        self.sample = sample_exec
        self.token = used_token
        self.prefix = prefix
        self.calls = []
        self.started = []  # probe executions whose StartExecution answered 200
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="prober")
        self.n = 0

    def _actions(self):
        self.n += 1
        m = "wait_chain"
        yield "DescribeExecution", {"executionArn": self.sample}
        yield "GetExecutionHistory", {"executionArn": self.sample, "maxResults": 5}
        yield "ListExecutions", {"stateMachineArn": common.machine_arn(m), "maxResults": 5}
        yield "DescribeStateMachine", {"stateMachineArn": common.machine_arn(m)}
        yield "StartExecution", {"stateMachineArn": common.machine_arn(m),
                                 "name": "%s-probe-%03d" % (self.prefix, self.n),
                                 "input": common.make_input(m, self.n % common.VARIANTS)}
        yield "GetActivityTask", {"activityArn": common.activity_arn(common.ACTIVITIES[2]),
                                  "workerName": "prober"}
        if self.token:
            yield "SendTaskSuccess", {"taskToken": self.token, "output": "{}"}

    def _run(self):
        while not self.stop.is_set():
            for action, body in self._actions():
                t0 = time.monotonic()
                try:
                    status, r = self.raw.call(action, body)
                    if status == 200:
                        outcome = "200"
                        if action == "StartExecution":
                            self.started.append((body["name"], self.n % common.VARIANTS))
                        if action == "GetActivityTask" and r.get("taskToken"):
                            # Not ours to keep: hand it back by answering it.
                            self.raw.call("SendTaskSuccess", {
                                "taskToken": r["taskToken"],
                                "output": common.worker_output(common.ACTIVITIES[2], r["input"])})
                            outcome = "200 (task answered)"
                    elif "__type" in r:
                        outcome = "%d %s" % (status, r["__type"].rsplit("#", 1)[-1])
                    else:
                        outcome = "%d bad body %r" % (status, r)
                except socket.timeout:
                    outcome = "timeout"
                except (OSError, http.client.HTTPException) as e:
                    outcome = "connection: %s" % type(e).__name__
                self.calls.append((action, outcome, time.monotonic() - t0))
                if self.stop.is_set():
                    return
            time.sleep(0.05)


def sleep_watching(node, seconds):
    """Sleeps, logging the moment the node dies if it does."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not node.alive():
            log("statecraftd exited (status %s) during the outage" % node.proc.returncode)
            return
        time.sleep(0.05)


def run_round(kind, args, node, redis, raw, golden, workers, seed, failures):
    """One outage round. Returns the executions to check."""
    plan = make_plan(kind, args.executions, seed)
    starter = common.Starter(node.port, plan, threads=2, rate=args.rate,
                             read_timeout=args.call_timeout)
    t0 = time.monotonic()
    starter.start()
    while starter.done_count() < len(plan) // 2:
        if not node.alive():
            starter.abort.set()
            failures.append("[%s] statecraftd exited before the outage:\n%s" % (
                kind, common.tail(node.log_path)))
            return []
        time.sleep(0.01)
    with starter.lock:
        acked_before = dict(starter.acked)
    used = [r.token for r in list(workers.records) if r.result == "ok"]
    sample = next(common.execution_arn(m, n) for m, _, n in plan if n in acked_before)
    prober = Prober(node.port, args.call_timeout, sample, used[0] if used else None, kind)
    outage_t0 = time.monotonic()
    if kind == "kill":
        redis.kill(signal.SIGKILL)
        log("[kill] SIGKILL redis-server after %.1f s (%d starts acknowledged)" % (
            outage_t0 - t0, len(acked_before)))
        prober.thread.start()
        sleep_watching(node, args.outage)
        redis.start()
        log("[kill] redis-server restarted after %.1f s" % (time.monotonic() - outage_t0))
    else:
        redis.kill(signal.SIGSTOP)
        log("[stop] SIGSTOP redis-server after %.1f s (%d starts acknowledged)" % (
            outage_t0 - t0, len(acked_before)))
        prober.thread.start()
        sleep_watching(node, args.stop_seconds)
        redis.kill(signal.SIGCONT)
        log("[stop] SIGCONT after %.1f s" % (time.monotonic() - outage_t0))
    back = time.monotonic()
    prober.stop.set()
    prober.thread.join(args.call_timeout + 5)
    if prober.thread.is_alive():
        failures.append("[%s] a probe call did not return within %ss" % (kind, args.call_timeout + 5))
    starter.join(120, node=node)
    if node.alive():
        log("[%s] %d/%d starts acknowledged %.1f s after Redis came back (start errors %s)" % (
            kind, len(starter.acked), len(plan), time.monotonic() - back, dict(starter.errors)))
        mine = {common.execution_arn(m, n) for m, _, n in plan}
        mine |= {common.execution_arn("wait_chain", n) for n, _ in prober.started}
        left = common.wait_all_finished(raw, [m for m, _ in MACHINES], time.monotonic() + 120,
                                        node=node, only=mine)
        log("[%s] %s %.1f s after Redis came back" % (
            kind, "all finished" if not left else "%d still RUNNING" % len(left),
            time.monotonic() - back))

    # Node alive, probes bounded and AWS-shaped.
    if not node.alive():
        failures.append("[%s] statecraftd exited (status %s):\n%s" % (
            kind, node.proc.returncode, common.tail(node.log_path)))
        return []
    by = collections.Counter((a, o) for a, o, _ in prober.calls)
    slowest = max((s for _, _, s in prober.calls), default=0)
    log("[%s] probe calls during the outage: %d, slowest %.1f s" % (kind, len(prober.calls), slowest))
    for (a, o), n in sorted(by.items()):
        log("    %-22s %-40s x%d" % (a, o, n))
    bad = [(a, o, round(s, 1)) for a, o, s in prober.calls
           if not (o.startswith("200") or (o[:1] == "5" and "bad body" not in o))]
    if bad:
        failures.append("[%s] %d probe calls neither succeeded nor answered a 5xx AWS error: %s" % (
            kind, len(bad), collections.Counter((a, o) for a, o, _ in bad)))
    # With Redis gone, calls fail fast with 5xx; with Redis hanging they may
    # also wait and succeed once it is back (each call is bounded above).
    if kind == "kill" and not any(o[:1] == "5" for _, o, _ in prober.calls):
        failures.append("[kill] no call answered 5xx during the outage: was Redis really away?")
    if not prober.calls:
        failures.append("[%s] no probe call was made during the outage" % kind)
    if starter.failed:
        failures.append("[%s] %d starts failed: %s" % (kind, len(starter.failed),
                                                      list(starter.failed.items())[:5]))
    if left:
        failures.append("[%s] %d executions still RUNNING %.0f s after Redis came back" % (
            kind, len(left), time.monotonic() - back))
        for arn in left[:8]:
            try:
                ev = raw.history(arn)
                log("    stuck %s: %d events, last %s" % (arn.rsplit(":", 1)[-1], len(ev),
                                                         [e["type"] for e in ev[-3:]]))
            except Exception as e:  # diagnostics only
                log("    stuck %s: %r" % (arn, e))

    # Nothing acknowledged before the outage is lost.
    missing = []
    for m, _, name in plan:
        if name in acked_before:
            st, r = raw.call("DescribeExecution", {"executionArn": common.execution_arn(m, name)})
            if st != 200:
                missing.append((name, st, r.get("__type")))
    if missing:
        failures.append("[%s] %d executions acknowledged before the outage are gone: %s" % (
            kind, len(missing), missing[:5]))
    log("[%s] %d executions acknowledged before the outage, %d missing afterwards" % (
        kind, len(acked_before), len(missing)))
    return plan + [("wait_chain", k, n) for n, k in prober.started]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statecraftd", required=True)
    ap.add_argument("--statecraft", required=True)
    ap.add_argument("--executions", type=int, default=400, help="per round (default 400)")
    ap.add_argument("--rate", type=float, default=100, help="starts per second (default 100)")
    ap.add_argument("--outage", type=float, default=3.0,
                    help="seconds between SIGKILL and the restart of redis-server (default 3: "
                         "shorter than the 5 s shard lease, so the node keeps its shards)")
    ap.add_argument("--stop-seconds", type=float, default=7.0,
                    help="seconds between SIGSTOP and SIGCONT (default 7)")
    ap.add_argument("--call-timeout", type=float, default=30.0,
                    help="client timeout of every call (default 30 s)")
    ap.add_argument("--rounds", default="kill,stop", help="kill, stop or kill,stop")
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    problem = common.cannot_run(args.statecraftd, args.statecraft)
    if problem:
        print("redis_restart.py: %s" % problem, file=sys.stderr)
        return 2

    tmp = common.make_tempdir("statecraft-durability-redis-")
    log("work directory %s" % tmp)
    redis = common.Redis(tmp)
    node = common.Node(os.path.abspath(args.statecraftd), tmp, redis.port, extra=[
        "--activity-poll-timeout", "1", "--time-scale", "10", "--idle-actor-seconds", "0.5"])
    failures = []
    workers = None
    try:
        redis.start()
        node.start()
        log("redis on %d, statecraftd on %d" % (redis.port, node.port))
        client = common.boto(node.port)
        raw = common.Raw(node.port)
        defs = common.definitions()
        common.create_resources(client, defs)
        golden = common.Golden(os.path.abspath(args.statecraft), tmp, defs)
        for m, _ in MACHINES:
            for k in range(common.VARIANTS):
                golden.get(m, common.make_input(m, k))
        workers = common.Workers(node.port, node, threads_per_activity=2)
        workers.start()
        checked = 0
        for i, kind in enumerate(k for k in args.rounds.split(",") if k):
            items = run_round(kind, args, node, redis, raw, golden, workers, args.seed + i, failures)
            if not node.alive():
                break
            problems, hist = common.verify_executions(raw, golden, items)
            checked += len(items)
            if problems:
                common.print_problems("[%s] executions differing from the run without an outage"
                                      % kind, problems)
                kinds = collections.Counter(common.problem_kind(p)
                                            for ps in problems.values() for p in ps)
                failures.append("[%s] %d of %d executions differ from the golden history: %s" % (
                    kind, len(problems), len(items), dict(kinds)))
            log("[%s] checked %d executions, %d events" % (
                kind, len(items), sum(len(h) for h in hist.values())))
        workers.stop()
        bad = [r for r in workers.records if r.result not in ("ok", "ok-retried")]
        log("workers: %d tasks, %d answers retried after an ambiguous failure, errors %s" % (
            len(workers.records), sum(1 for r in workers.records if r.result == "ok-retried"),
            dict(workers.errors)))
        if bad:
            failures.append("%d SendTaskSuccess calls failed: %s" % (
                len(bad), collections.Counter(r.result for r in bad)))
        if node.alive():
            status = node.terminate()
            if status != 0:
                failures.append("statecraftd did not exit 0 on SIGTERM (status %s)" % status)
        log("%d executions checked in %.1f s" % (checked, time.monotonic() - common._T0))
    except Exception:
        import traceback
        traceback.print_exc()
        failures.append("the test itself failed (traceback above)")
    finally:
        if workers is not None:
            workers.stopping.set()
        if node.alive():
            node.proc.kill()
            node.proc.wait()
        redis.stop()
    return common.conclude(failures, tmp, args.keep)


if __name__ == "__main__":
    sys.exit(main())
