#!/usr/bin/env python3
"""Turns a bench/run.sh results directory into a Markdown table.

usage: report.py [--mode quick|full] RESULTS_DIR
       report.py --one RESULTS_DIR/TARGET.SCENARIO   (one-line summary)

Each run left TARGET.SCENARIO.json (statecraft-traffic --json) and
TARGET.SCENARIO.meta.json (server CPU, RSS, commands, exit status).
"""
import json
import os
import sys

TARGETS = ["memory", "redis", "moto"]
SCENARIOS = ["pass-chain", "express-sync", "express-sync-rate", "activity", "resident", "history", "mix", "polls",
             "pass-chain-jsonata", "express-sync-jsonata"]


def load(base):
    rep, meta = None, None
    if os.path.exists(base + ".json"):
        try:
            with open(base + ".json") as f:
                rep = json.load(f)
        except ValueError:
            rep = None
    if os.path.exists(base + ".meta.json"):
        with open(base + ".meta.json") as f:
            meta = json.load(f)
    return rep, meta


def total_ops(rep):
    return rep.get("ops", 0) + rep.get("other_phases", {}).get("ops", 0)


def cpu_us_per_op(rep, meta):
    ops = total_ops(rep)
    if not ops or meta.get("server_cpu_s") is None:
        return None
    return meta["server_cpu_s"] * 1e6 / ops


def rss_per(meta, count):
    if not count or meta.get("rss_parked_kb") is None:
        return None
    return (meta["rss_parked_kb"] - meta["rss_before_kb"]) * 1024.0 / count


def lat(rep, q):
    l = rep.get("latency_ms", {})
    return l.get(q) if l.get("count") else None


def val(rep, k):
    return rep.get("values", {}).get(k)


# (scenario, figure, extractor(rep, meta), higher_is_better, target text,
#  target check(value) or None, "full" when the check needs the --full sizes)
ROWS = [
    ("pass-chain", "executions/s", lambda r, m: r["executions_per_s"], True,
     "10k/s memory, 5k/s Redis", None, None),
    ("pass-chain", "execution latency p50 ms", lambda r, m: lat(r, "p50"), False, "", None, None),
    ("pass-chain", "execution latency p99 ms", lambda r, m: lat(r, "p99"), False, "", None, None),
    ("pass-chain", "node CPU µs/op", cpu_us_per_op, False, "", None, None),
    ("express-sync", "executions/s", lambda r, m: r["executions_per_s"], True, "20k/s", lambda v: v >= 20000, None),
    ("express-sync", "StartSyncExecution p50 ms", lambda r, m: lat(r, "p50"), False, "", None, None),
    ("express-sync", "StartSyncExecution p99 ms", lambda r, m: lat(r, "p99"), False, "< 5 ms", lambda v: v < 5, None),
    ("express-sync", "node CPU µs/op", cpu_us_per_op, False, "", None, None),
    ("pass-chain-jsonata", "executions/s", lambda r, m: r["executions_per_s"], True, "", None, None),
    ("pass-chain-jsonata", "node CPU µs/op", cpu_us_per_op, False, "", None, None),
    ("express-sync-jsonata", "executions/s", lambda r, m: r["executions_per_s"], True, "", None, None),
    ("express-sync-jsonata", "node CPU µs/op", cpu_us_per_op, False, "≤ 1.5× express-sync", None, None),
    ("express-sync-rate", "offered rate /s (open loop)", lambda r, m: r["settings"]["rate"], True, "20k/s",
     None, None),
    ("express-sync-rate", "achieved executions/s", lambda r, m: r["executions_per_s"], True, "20k/s",
     lambda v: v >= 19800, "full"),
    ("express-sync-rate", "StartSyncExecution p50 ms", lambda r, m: lat(r, "p50"), False, "", None, None),
    ("express-sync-rate", "StartSyncExecution p99 ms", lambda r, m: lat(r, "p99"), False, "< 5 ms at 20k/s",
     lambda v: v < 5, "full"),
    ("express-sync-rate", "skipped (client saturated)", lambda r, m: r["executions"]["skipped"], False, "0",
     None, None),
    ("activity", "tasks/s (64 workers)", lambda r, m: val(r, "tasks_per_s"), True, "10k/s",
     lambda v: v >= 10000, None),
    ("activity", "schedule-to-worker p50 ms", lambda r, m: lat(r, "p50"), False, "< 1 ms", lambda v: v < 1, None),
    ("activity", "schedule-to-worker p99 ms", lambda r, m: lat(r, "p99"), False, "< 10 ms", lambda v: v < 10, None),
    ("activity", "node CPU µs/op", cpu_us_per_op, False, "", None, None),
    ("resident", "executions parked", lambda r, m: r["executions"]["verified"], True, "100k", lambda v: v >= 100000,
     "full"),
    ("resident", "starts/s", lambda r, m: r["executions_per_s"], True, "", None, None),
    ("resident", "time to park all s", lambda r, m: r["elapsed_s"], False, "<= 30 s", lambda v: v <= 30, None),
    ("resident", "RSS per parked execution B", lambda r, m: rss_per(m, r["executions"]["verified"]), False,
     "<= 2 KiB", lambda v: v <= 2048, None),
    ("resident", "stops/s (stop + verify ABORTED)", lambda r, m: val(r, "stops_per_s"), True, "", None, None),
    ("resident", "node CPU µs/op", cpu_us_per_op, False, "", None, None),
    ("history", "events in the execution", lambda r, m: val(r, "history_events"), True, "~1,000", None, None),
    ("history", "pages/s (1 client)", lambda r, m: r["executions_per_s"], True, "", None, None),
    ("history", "GetExecutionHistory p50 ms", lambda r, m: lat(r, "p50"), False, "< 5 ms", lambda v: v < 5, None),
    ("history", "GetExecutionHistory p99 ms", lambda r, m: lat(r, "p99"), False, "", None, None),
    ("mix", "executions/s", lambda r, m: r["executions_per_s"], True, "", None, None),
    ("mix", "iteration p50 ms", lambda r, m: lat(r, "p50"), False, "", None, None),
    ("mix", "iteration p99 ms", lambda r, m: lat(r, "p99"), False, "", None, None),
    ("polls", "polls parked", lambda r, m: val(r, "polls_parked_at_end"), True, "19,000",
     lambda v: v >= 19000, "full"),
    ("polls", "RSS per parked poll B", lambda r, m: rss_per(m, val(r, "polls_parked_at_end")), False, "<= 4 KiB",
     lambda v: v <= 4096, None),
]

# Figures whose ratio to moto means nothing (different sizes on purpose).
NO_RATIO = {"offered rate /s (open loop)", "skipped (client saturated)", "executions parked", "events in the execution", "polls parked", "time to park all s"}


def fmt(v):
    if v is None:
        return "—"
    if isinstance(v, (int,)) or (isinstance(v, float) and v.is_integer() and abs(v) >= 100):
        return f"{int(v):,}"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def one(base):
    rep, meta = load(base)
    if rep is None:
        return "no report"
    s = (f"{rep['executions']['verified']} {rep.get('unit', 'execution')}s verified, "
         f"{rep['executions_per_s']:.1f}/s, {rep['ops_per_s']:.0f} ops/s, "
         f"{rep.get('latency_metric')} p50 {fmt(lat(rep, 'p50'))} p99 {fmt(lat(rep, 'p99'))} ms, "
         f"errors {rep.get('errors_total', 0)}, mismatches {rep['executions']['mismatches']}")
    if meta and meta.get("server_cpu_s") is not None:
        c = cpu_us_per_op(rep, meta) if total_ops(rep) >= 100 else None
        if c:
            s += f", node CPU {c:.0f} µs/op"
    return s


def main(argv):
    if len(argv) >= 2 and argv[0] == "--one":
        print(one(argv[1]))
        return 0
    mode = "quick"
    if len(argv) >= 2 and argv[0] == "--mode":
        mode = argv[1]
        argv = argv[2:]
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = argv[0]
    runs = {}
    for t in TARGETS:
        for s in SCENARIOS:
            rep, meta = load(os.path.join(out, f"{t}.{s}"))
            runs[(t, s)] = (rep, meta)

    def cell(t, s, fn):
        rep, meta = runs[(t, s)]
        if meta and "skipped" in meta:
            return None, "n/a"
        if rep is None:
            return None, "—"
        try:
            v = fn(rep, meta or {})
        except (KeyError, TypeError, ZeroDivisionError):
            v = None
        text = fmt(v)
        if not rep.get("correct", False):
            text += " ✗"
        return v, text

    lines = []
    lines.append(f"| scenario | figure | memory | redis | moto | memory vs moto | redis vs moto | target | met (memory / redis) |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---|---|")
    for scen, figure, fn, hib, target, check, sized in ROWS:
        vals, texts = {}, {}
        for t in TARGETS:
            vals[t], texts[t] = cell(t, scen, fn)
        if all(texts[t] == "—" for t in TARGETS):
            continue
        ratios = []
        for t in ("memory", "redis"):
            if figure in NO_RATIO:
                ratios.append("")
                continue
            a, b = vals[t], vals["moto"]
            if a is None or b is None or a == 0 or b == 0:
                ratios.append("—")
            else:
                r = a / b if hib else b / a
                ratios.append(f"{r:,.1f}×")
        met = ""
        if check and sized == "full" and mode != "full":
            met = "(needs --full)"
        elif check:
            m = []
            for t in ("memory", "redis"):
                v = vals[t]
                m.append("—" if v is None else ("yes" if check(v) else "**no**"))
            met = " / ".join(m)
        elif scen == "pass-chain" and figure == "executions/s":
            m = []
            for t, goal in (("memory", 10000), ("redis", 5000)):
                v = vals[t]
                m.append("—" if v is None else ("yes" if v >= goal else "**no**"))
            met = " / ".join(m)
        lines.append(f"| {scen} | {figure} | {texts['memory']} | {texts['redis']} | {texts['moto']} | "
                     f"{ratios[0]} | {ratios[1]} | {target} | {met} |")
    lines.append("")
    lines.append("'vs moto' = how many times better than moto (higher rate or lower latency/CPU). "
                 "✗ = that run's correctness check failed (see notes). n/a = not run (see notes). "
                 f"Mode: {mode}; targets are for --full sizes.")
    notes = []
    for (t, s), (rep, meta) in runs.items():
        if meta and "skipped" in meta:
            if t == "redis" and "not available" in meta["skipped"]:
                continue
            notes.append(f"- {t}/{s}: not run: {meta['skipped']}")
        elif rep is not None and not rep.get("correct", False):
            errs = ", ".join(f"{k} ×{v}" for k, v in rep.get("errors", {}).items()) or "no errors"
            ex = rep["executions"]
            samples = "; ".join(rep.get("samples", [])[:2])
            notes.append(f"- {t}/{s}: correctness FAILED: {ex['mismatches']} mismatches, {ex['failed']} failed, "
                         f"{errs}" + (f"; e.g. {samples}" if samples else "") +
                         (f"; setup: {rep['setup_error']}" if rep.get("setup_error") else ""))
    if any(m and "not available" in m.get("skipped", "") for (t, s), (r, m) in runs.items() if t == "redis"):
        notes.append("- redis: not available in this build (statecraftd has no working --redis store yet)")
    if notes:
        lines.append("")
        lines.append("Notes:")
        lines.extend(sorted(set(notes)))
    cpu_notes = []
    for (t, s), (rep, meta) in sorted(runs.items()):
        if rep is not None and meta and meta.get("server_cpu_s") is not None:
            gen = rep.get("client_cpu_s")
            cpu_notes.append(f"| {t} | {s} | {meta['server_cpu_s']:.2f} | "
                             f"{(meta.get('redis_cpu_s') or 0):.2f} | "
                             f"{'' if gen is None else f'{gen:.2f}'} | {rep.get('elapsed_s', 0):.1f} | "
                             f"{total_ops(rep):,} | {' '.join(meta.get('loadavg', []))} |")
    if cpu_notes:
        lines.append("")
        lines.append("| target | scenario | server CPU s | redis CPU s | generator CPU s | load s | ops | loadavg after |")
        lines.append("|---|---|---:|---:|---:|---:|---:|---|")
        lines.extend(cpu_notes)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
