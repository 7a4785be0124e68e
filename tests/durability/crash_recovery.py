#!/usr/bin/env python3
"""Node crash recovery: kill -9 statecraftd with thousands of executions in
flight, restart it, and require that every execution ends exactly as if
nothing had happened.

    python3 tests/durability/crash_recovery.py \\
        --statecraftd build/tools/statecraftd/statecraftd \\
        --statecraft build/tools/statecraft/statecraft

1. Starts redis-server (appendonly yes, appendfsync everysec, no RDB) on a
   free loopback port in a temporary directory and statecraftd on it
   (--task-token-secret, --activity-poll-timeout 1, --time-scale 10,
   --idle-actor-seconds 0.5).
2. Creates five state machines (a Wait chain, two activity Tasks in a row, a
   Map of Wait+Pass with MaxConcurrency 2, a Parallel of three Waits of
   different lengths, a Map of activity Tasks) and three activities.
3. Reference batch, no crash: one execution per (machine, input variant),
   workers at full speed; each must match `statecraft run` (this proves the
   comparison itself works).
4. Crash batch: starts --executions executions (default 2000) from two
   threads while throttled workers answer tasks and a holder keeps some
   tokens unanswered. With most started (the rest still being started),
   many in Waits, many waiting for workers and many inside Map/Parallel:
   kill -9 the node, keep it down --downtime seconds (timers fall due
   meanwhile), restart it on the same port with the same flags. Workers
   then run at full speed, the holder answers its tokens, the starter
   retries the starts the crash interrupted (same name and input).
5. Checks, for every execution: SUCCEEDED with the golden output; history
   ids 1..N, every previousEventId an earlier id (or 0); the history equal,
   event by event (type, id, previousEventId and every detail except the
   timestamp), to the `statecraft run` history for the same definition,
   input and task answers (so nothing lost, duplicated or reordered).
   Also: every token fetched before the crash and answered after it got
   200; tasks scheduled before the crash that no worker had taken were
   handed out after the restart; and the crash really caught executions
   in each interesting situation (coverage, so a too-fast or too-slow run
   cannot pass vacuously).

Exit status 0 when every check passed, 1 otherwise (2: could not run).
"""

import argparse
import collections
import os
import random
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
from common import log  # noqa: E402

MIX = (("wait_chain", 30), ("activity_seq", 25), ("map_wait", 15), ("parallel_wait", 20),
       ("map_activity", 10), ("jsonata_vars", 10))


class Abort(Exception):
    """The run cannot go on; the reason is already in `failures`."""


def make_plan(prefix, total, seed):
    plan = []
    weights = sum(w for _, w in MIX)
    for machine, w in MIX:
        n = total * w // weights
        plan += [(machine, i % common.VARIANTS, "%s-%s-%05d" % (prefix, machine, i)) for i in range(n)]
    random.Random(seed).shuffle(plan)
    return plan


def ts(event):
    t = event.get("timestamp")
    return float(t) if isinstance(t, (int, float)) else None


def situation_at(events, t):
    """What an execution was doing at wall time t (from its history)."""
    before = [e for e in events if ts(e) is not None and ts(e) <= t]
    if not before:
        return {"not started"}
    if any(e["type"] == "ExecutionSucceeded" for e in before):
        return {"finished"}
    out = {"running"}
    waits = collections.Counter()
    scheduled = started = 0
    blocks = 0
    for e in before:
        ty = e["type"]
        if ty == "WaitStateEntered":
            waits["open"] += 1
        elif ty == "WaitStateExited":
            waits["open"] -= 1
        elif ty == "ActivityScheduled":
            scheduled += 1
        elif ty == "ActivityStarted":
            started += 1
        elif ty in ("ActivitySucceeded", "ActivityFailed", "ActivityTimedOut"):
            scheduled -= 1
            started -= 1
        elif ty in ("MapStateStarted", "ParallelStateStarted"):
            blocks += 1
        elif ty in ("MapStateSucceeded", "ParallelStateSucceeded", "MapStateFailed",
                    "ParallelStateFailed", "MapStateAborted", "ParallelStateAborted"):
            blocks -= 1
    if waits["open"] > 0:
        out.add("in a Wait")
    if waits["open"] > 1:
        out.add("2+ Waits pending at once")
    if scheduled > started:
        out.add("task queued, not taken")
    if started > 0:
        out.add("task taken by a worker")
    if blocks > 0:
        out.add("inside Map/Parallel")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statecraftd", required=True)
    ap.add_argument("--statecraft", required=True)
    ap.add_argument("--executions", type=int, default=2000)
    ap.add_argument("--kill-at", type=float, default=0.85,
                    help="kill when this fraction of the starts is done (default 0.85)")
    ap.add_argument("--rate", type=float, default=200,
                    help="StartExecution calls per second (default 200)")
    ap.add_argument("--downtime", type=float, default=8.0,
                    help="seconds the node stays down (default 8: the burst's Waits, "
                         "6 s at most, fall due meanwhile)")
    ap.add_argument("--burst", type=int, default=150,
                    help="parallel_short executions started in a burst just before the kill")
    ap.add_argument("--hold", type=int, default=15,
                    help="tokens per activity fetched before the crash and answered after it")
    ap.add_argument("--quiesce-polls", action="store_true",
                    help="stop starting GetActivityTask polls (and let parked ones end) "
                         "before the kill, so no task is handed out at the instant of the crash")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    problem = common.cannot_run(args.statecraftd, args.statecraft)
    if problem:
        print("crash_recovery.py: %s" % problem, file=sys.stderr)
        return 2

    tmp = common.make_tempdir("statecraft-durability-crash-")
    log("work directory %s" % tmp)
    redis = common.Redis(tmp)
    node = common.Node(os.path.abspath(args.statecraftd), tmp, redis.port, extra=[
        "--activity-poll-timeout", "1", "--time-scale", "10", "--idle-actor-seconds", "0.5"])
    failures = []
    workers = None
    try:
        redis.start()
        node.start()
        log("redis on %d, statecraftd on %d: %s" % (redis.port, node.port, " ".join(node.args())))
        client = common.boto(node.port)
        raw = common.Raw(node.port)
        defs = common.definitions()
        common.create_resources(client, defs)
        golden = common.Golden(os.path.abspath(args.statecraft), tmp, defs)
        for m in defs:
            for k in range(common.VARIANTS):
                golden.get(m, common.make_input(m, k))
        log("golden histories: %d inputs, %d statecraft runs" % (len(golden.cache), golden.runs))

        # -- Reference batch, no crash -----------------------------------
        ref_plan = [(m, k, "ref-%s-%d" % (m, k)) for m in defs for k in range(common.VARIANTS)]
        workers = common.Workers(node.port, node, threads_per_activity=1)
        workers.start()
        starter = common.Starter(node.port, ref_plan, threads=2)
        t0 = time.monotonic()
        starter.start()
        starter.join()
        left = common.wait_all_finished(raw, defs, time.monotonic() + 60)
        workers.stop()
        workers = None
        problems, _ = common.verify_executions(raw, golden, ref_plan)
        if starter.failed:
            failures.append("reference batch: starts failed: %s" % starter.failed)
        if left:
            failures.append("reference batch: %d executions still RUNNING after 60 s" % len(left))
        if problems:
            common.print_problems("reference batch (no crash) differs from statecraft run", problems)
            failures.append("reference batch: %d of %d executions differ from the golden run "
                            "without any crash" % (len(problems), len(ref_plan)))
        log("reference batch: %d executions, all matching: %s (%.1f s)" % (
            len(ref_plan), not problems and not left, time.monotonic() - t0))

        # -- Crash batch --------------------------------------------------
        plan = make_plan("c", args.executions, args.seed)
        workers = common.Workers(node.port, node, threads_per_activity=2, interval=0.1,
                                 work_time=0.1, hold=args.hold)
        starter = common.Starter(node.port, plan, threads=2, rate=args.rate)
        t_batch = time.monotonic()
        workers.start()
        starter.start()
        kill_after = int(len(plan) * args.kill_at)
        deadline = time.monotonic() + 150
        while (starter.done_count() < kill_after or workers.held_count() < args.hold * 3):
            if time.monotonic() > deadline:
                failures.append("the crash batch did not reach the kill point in time "
                                "(%d starts, %d tokens held)" % (starter.done_count(),
                                                                 workers.held_count()))
                raise Abort()
            time.sleep(0.02)
        burst_plan = [("parallel_short", i % common.VARIANTS, "b-parallel_short-%05d" % i)
                      for i in range(args.burst)]
        burst = common.Starter(node.port, burst_plan, threads=3)
        t_burst = time.monotonic()
        burst.start()
        burst.join()
        burst_time = time.monotonic() - t_burst
        if args.quiesce_polls:
            workers.polling.clear()
            workers.wait_polls_idle(5)
        kill_time = time.time()
        node.kill9()
        started_before = starter.done_count()
        log("kill -9 after %.1f s: %d/%d starts acknowledged, a burst of %d in %.2f s, "
            "%d tokens held, %d tasks answered" % (
            time.monotonic() - t_batch, started_before, len(plan), len(burst.acked),
            burst_time, workers.held_count(),
            sum(1 for r in workers.records if r.result)))
        time.sleep(args.downtime)
        restart_at = time.monotonic()
        node.start()
        restart_time = time.time()
        log("restarted (incarnation %d) after %.1f s down" % (node.incarnation, time.time() - kill_time))
        workers.interval = 0
        workers.work_time = 0
        workers.polling.set()
        workers.release.set()
        starter.join(120, node=node)
        log("all %d starts acknowledged %.1f s after the restart (%d start errors: %s)" % (
            len(starter.acked), time.monotonic() - restart_at,
            sum(starter.errors.values()), dict(starter.errors)))
        left = common.wait_all_finished(raw, defs, time.monotonic() + 120, node=node)
        log("executions finished %.1f s after the restart; %d still RUNNING" % (
            time.monotonic() - restart_at, len(left)))
        workers.stop()
        if left:
            failures.append("%d executions still RUNNING %.0f s after the restart" % (
                len(left), time.monotonic() - restart_at))
            by_exec = collections.defaultdict(list)
            for r in workers.records:
                by_exec[common.token_target(r.token)[0]].append(r)
            for arn in left[:10]:
                try:
                    ev = raw.history(arn)
                except Exception as e:  # diagnostics only
                    ev = [{"type": "history unreadable: %r" % e}]
                log("  stuck %s: %d events, last %s; worker tokens for it: %s" % (
                    arn.rsplit(":", 1)[-1], len(ev), [e["type"] for e in ev[-3:]],
                    [(r.fetched_inc, r.answered_inc, r.result) for r in by_exec.get(arn, [])]))
        if not node.alive():
            failures.append("statecraftd died after the restart:\n" + common.tail(node.log_path))
        if starter.failed:
            failures.append("%d starts failed: %s" % (len(starter.failed),
                                                      list(starter.failed.items())[:5]))

        # -- Checks -------------------------------------------------------
        t_check = time.monotonic()
        plan += burst_plan
        problems, histories = common.verify_executions(raw, golden, plan)
        log("checked %d executions (%d events) in %.1f s" % (
            len(plan), sum(len(h) for h in histories.values()), time.monotonic() - t_check))
        if problems:
            common.print_problems("executions differing from the run without a crash", problems)
            kinds = collections.Counter(common.problem_kind(p)
                                        for ps in problems.values() for p in ps)
            failures.append("%d of %d executions differ from the golden history: %s" % (
                len(problems), len(plan), dict(kinds)))

        # Where the crash caught them.
        at_kill = collections.Counter()
        for name, ev in histories.items():
            for s in situation_at(ev, kill_time):
                at_kill[s] += 1
        log("at the kill: %s" % dict(at_kill))

        # Tasks queued before the crash, handed out after the restart.
        redelivered = 0
        for name, ev in histories.items():
            sched = {}
            for e in ev:
                if e["type"] == "ActivityScheduled":
                    sched[e["id"]] = ts(e)
                elif e["type"] == "ActivityStarted":
                    s = sched.get(e["previousEventId"])
                    if s is not None and s < kill_time and ts(e) >= restart_time:
                        redelivered += 1
        log("tasks scheduled before the crash and handed out after the restart: %d" % redelivered)

        # Tokens.
        recs = list(workers.records)
        held = [r for r in recs if r.held]
        across = [r for r in recs if r.fetched_inc == 1 and r.answered_inc == 2]
        bad_tokens = [r for r in recs if r.result not in ("ok", "ok-retried")]
        held_ok = sum(1 for r in held if r.result == "ok" and r.answered_inc == 2)
        log("tokens: %d fetched, %d held across the crash (%d answered 200 after it), "
            "%d fetched before and answered after the crash in all, %d answers retried "
            "after an ambiguous failure; worker errors %s" % (
                len(recs), len(held), held_ok, len(across),
                sum(1 for r in recs if r.result == "ok-retried"), dict(workers.errors)))
        if held_ok != len(held) or len(held) != args.hold * len(common.ACTIVITIES):
            failures.append("held tokens: %d held, %d answered with 200 after the restart: %s" % (
                len(held), held_ok, [(r.activity, r.result, r.answered_inc) for r in held
                                     if r.result != "ok"][:10]))
        if bad_tokens:
            failures.append("%d SendTaskSuccess calls failed: %s" % (
                len(bad_tokens), collections.Counter(r.result for r in bad_tokens)))
            for r in bad_tokens[:10]:
                log("  token fetched in incarnation %d, answered in %s: %s; input %s" % (
                    r.fetched_inc, r.answered_inc, r.result, r.input[:120]))

        # A task handed out twice (re-queued by the recovery although a
        # worker had it) shows up as the same token fetched twice.
        fetched = collections.Counter(r.token for r in recs)
        twice = [t for t, n in fetched.items() if n > 1]
        log("tokens handed out more than once: %d" % len(twice))
        for t in twice[:5]:
            for r in recs:
                if r.token == t:
                    answered = ("%+.2f s" % (r.answered_at - restart_time)
                                if r.answered_at else "never")
                    log("  %s: fetched in incarnation %d at %+.2f s from the restart, "
                        "answered in %s at %s: %s" % (
                            r.activity.rsplit(":", 1)[-1], r.fetched_inc,
                            r.fetched_at - restart_time, r.answered_inc, answered, r.result))
        if twice:
            failures.append("%d task tokens were handed out to workers more than once" % len(twice))

        # Coverage: the crash must have caught executions in every situation.
        par = collections.Counter()
        for name, ev in histories.items():
            if "parallel_wait" in name:
                for s in situation_at(ev, kill_time):
                    par[s] += 1
        log("parallel_wait at the kill: %s" % dict(par))
        if par["2+ Waits pending at once"] < 10:
            failures.append("coverage: only %d Parallel executions had 2+ branch Waits pending at "
                            "the kill (want >= 10)" % par["2+ Waits pending at once"])
        # The burst: Waits pending at the kill whose (unscaled) due time had
        # passed at the restart, two or more in one execution.
        secs = {"Slow": 6, "Fast": 2, "Mid": 4}
        overdue_execs = 0
        for name, ev in histories.items():
            if not name.startswith("b-"):
                continue
            pending = {}
            for e in ev:
                if ts(e) is None or ts(e) > kill_time:
                    break
                if e["type"] == "WaitStateEntered":
                    pending[e["stateEnteredEventDetails"]["name"]] = ts(e)
                elif e["type"] == "WaitStateExited":
                    pending.pop(e["stateExitedEventDetails"]["name"], None)
            if sum(1 for n, t in pending.items() if t + secs[n] < restart_time) >= 2:
                overdue_execs += 1
        log("burst executions with 2+ Waits pending at the kill and overdue at the restart: %d"
            % overdue_execs)
        if overdue_execs < 20:
            failures.append("coverage: only %d burst executions had 2+ overdue Waits at the "
                            "restart (want >= 20)" % overdue_execs)
        # JSONata executions holding workflow variables when the node died.
        holding = 0
        for name, ev in histories.items():
            if "jsonata_vars" not in name:
                continue
            seen = [e for e in ev if ts(e) is not None and ts(e) <= kill_time]
            assigned = any("assignedVariables" in e.get("stateExitedEventDetails", {})
                           for e in seen)
            ended = any(e["type"].startswith("Execution") and e["type"] != "ExecutionStarted"
                        for e in seen)
            if assigned and not ended:
                holding += 1
        log("jsonata_vars executions holding variables at the kill: %d" % holding)
        if holding < 20:
            failures.append("coverage: only %d JSONata executions held variables at the kill "
                            "(want >= 20)" % holding)
        need = {"in a Wait": 100, "task queued, not taken": 50, "task taken by a worker": 20,
                "inside Map/Parallel": 50}
        for what, n in need.items():
            if at_kill[what] < n:
                failures.append("coverage: only %d executions were '%s' at the kill (want >= %d); "
                                "the timing needs tuning" % (at_kill[what], what, n))
        if redelivered < 20:
            failures.append("coverage: only %d tasks were queued before the crash and handed out "
                            "after it (want >= 20)" % redelivered)
        if len(starter.acked) - started_before < 1:
            failures.append("coverage: no start was left for after the restart")

        status = node.terminate()
        if status != 0:
            failures.append("statecraftd did not exit 0 on SIGTERM (status %s)" % status)
        log("%d executions, %d events checked in %.1f s" % (
            len(plan) + len(ref_plan), sum(len(h) for h in histories.values()),
            time.monotonic() - common._T0))
    except Abort:
        pass
    except Exception:
        import traceback
        traceback.print_exc()
        failures.append("the test itself failed (traceback above)")
    finally:
        if workers is not None:
            workers.stopping.set()
            workers.release.set()
        if node.alive():
            node.proc.kill()
            node.proc.wait()
        redis.stop()
    return common.conclude(failures, tmp, args.keep)


if __name__ == "__main__":
    sys.exit(main())
