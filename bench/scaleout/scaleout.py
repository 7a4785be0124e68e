#!/usr/bin/env python3
"""Scale-out benchmark driver (bench/scaleout/run.sh is the entry point).

For each statecraftd binary (--binary LABEL=PATH, repeatable; A/B runs
alternate binaries round by round) and each cluster size N (--nodes):

* a fresh redis-server (appendonly yes, appendfsync everysec) in its own
  cgroup (--redis-quota cores, 0 = its own cgroup without a quota); with
  --redis-masters M (a comma list, e.g. 1,3), a Redis Cluster of M masters
  instead (no replicas; each master in its own cgroup with --redis-quota
  cores, the nodes on a redis+cluster:// URL), for every M;
* N statecraftd nodes, each in its own cgroup with the same CPU quota
  (--node-quota cores, default 0.3), on that Redis;
* `statecraft traffic` (its own cgroup, --gen-quota) with one --endpoint per
  node: pass-chain (closed loop, --users-per-node users on each node) and
  activity (the same users, --workers-per-node workers on each node).

Around each scenario Redis's INFO commandstats / stats are read, so the
report gives Redis commands, inbox messages (cross-node hops: one LREM
acknowledges each) and network bytes per execution. Efficiency is
rate(N) / (N x rate(1)) of the same binary in the same round.

Writes results.json and a table into --out, and prints the table.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SECRET = "scaleout-benchmark-secret"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def log(msg):
    print("[scaleout %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_cluster_port():
    """P and P + 10000 (its cluster bus port) free, P <= 55535."""
    import random
    for _ in range(200):
        p = random.randint(20000, 55000)
        ok = True
        for q in (p, p + 10000):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", q))
                except OSError:
                    ok = False
        if ok:
            return p
    raise RuntimeError("no free port pair for a Redis Cluster node")


def wait_port(port, proc, seconds=30):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


# -- cgroups ---------------------------------------------------------------

class Cgroups:
    """One cpu cgroup per process (v1 cpu controller or v2 cpu.max)."""

    def __init__(self, name):
        self.v1 = None
        self.v2 = None
        mounts = open("/proc/mounts").read().splitlines()
        for line in mounts:
            parts = line.split()
            if len(parts) < 4:
                continue
            if parts[2] == "cgroup" and "cpu" in parts[3].split(","):
                self.v1 = parts[1]
                break
        if not self.v1:
            for line in mounts:
                parts = line.split()
                if len(parts) >= 3 and parts[2] == "cgroup2":
                    ctl = os.path.join(parts[1], "cgroup.controllers")
                    if os.path.exists(ctl) and "cpu" in open(ctl).read().split():
                        self.v2 = parts[1]
                        break
        if not self.v1 and not self.v2:
            raise SystemExit("scaleout: no cgroup cpu controller found (mount | grep cgroup)")
        self.base = os.path.join(self.v1 or self.v2, name)
        self.acct = None
        if self.v1:
            for line in mounts:
                parts = line.split()
                if len(parts) >= 4 and parts[2] == "cgroup" and "cpuacct" in parts[3].split(","):
                    self.acct = parts[1]
            if self.acct == self.v1:
                self.acct = None  # cpu,cpuacct mounted together: cpuacct.usage is in the cpu group
            if self.acct:
                self.acct_base = os.path.join(self.acct, name)
                os.makedirs(self.acct_base, exist_ok=True)
        os.makedirs(self.base, exist_ok=True)
        if self.v2:
            # Children need the cpu controller enabled in the parent.
            try:
                with open(os.path.join(self.base, "cgroup.subtree_control"), "w") as f:
                    f.write("+cpu")
            except OSError:
                pass
        self.made = []

    def describe(self):
        return "cgroup v1 cpu controller at %s" % self.v1 if self.v1 else "cgroup v2 at %s" % self.v2

    def make(self, name, cores, weight=0):
        """A cgroup `name` limited to `cores` CPUs (0: no limit), with CPU
        weight `weight` (v1 cpu.shares; 0 = the default); its path."""
        path = os.path.join(self.base, name)
        os.makedirs(path, exist_ok=True)
        period = 100000
        if weight:
            if self.v1:
                with open(os.path.join(path, "cpu.shares"), "w") as f:
                    f.write(str(weight))
            else:
                with open(os.path.join(path, "cpu.weight"), "w") as f:
                    f.write(str(max(1, min(10000, weight * 100 // 1024))))
        if self.v1:
            with open(os.path.join(path, "cpu.cfs_period_us"), "w") as f:
                f.write(str(period))
            with open(os.path.join(path, "cpu.cfs_quota_us"), "w") as f:
                f.write(str(int(cores * period)) if cores > 0 else "-1")
        else:
            with open(os.path.join(path, "cpu.max"), "w") as f:
                f.write(("%d %d" % (int(cores * period), period)) if cores > 0 else "max %d" % period)
        self.made.append(path)
        if self.v1 and self.acct:
            # CPU time accounting lives in the cpuacct hierarchy on v1.
            apath = os.path.join(self.acct_base, name)
            os.makedirs(apath, exist_ok=True)
            self.made.append(apath)
        return path

    def usage_s(self, path):
        """CPU seconds used by the cgroup so far."""
        try:
            if self.v1:
                acct = path.replace(self.base, self.acct_base, 1) if self.acct else path
                for p in (os.path.join(path, "cpuacct.usage"), os.path.join(acct, "cpuacct.usage")):
                    if os.path.exists(p):
                        return int(open(p).read()) / 1e9
                return None
            for line in open(os.path.join(path, "cpu.stat")):
                k, v = line.split()
                if k == "usage_usec":
                    return int(v) / 1e6
        except OSError:
            return None
        return None

    def throttled(self, path):
        try:
            for line in open(os.path.join(path, "cpu.stat")):
                k, v = line.split()
                if k in ("nr_throttled",):
                    return int(v)
        except OSError:
            pass
        return None

    def enter(self, path):
        paths = [path]
        if self.v1 and self.acct:
            paths.append(path.replace(self.base, self.acct_base, 1))

        def fn():
            for p in paths:
                with open(os.path.join(p, "cgroup.procs"), "w") as f:
                    f.write(str(os.getpid()))
        return fn

    def cleanup(self):
        seen = set()
        for path in reversed(self.made):
            if path in seen:
                continue
            seen.add(path)
            for _ in range(50):
                try:
                    os.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)
        for base in (self.base, self.acct_base if self.acct else None):
            try:
                if base:
                    os.rmdir(base)
            except OSError:
                pass


# -- Redis ------------------------------------------------------------------

def redis_cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port)] + list(args), capture_output=True, text=True,
                          timeout=30).stdout


def redis_stats(ports):
    """{command: calls} from INFO commandstats, plus the byte counters,
    summed over `ports` (one Redis, or a Redis Cluster's masters)."""
    out = {"commands": {}, "net_in": 0, "net_out": 0}
    for port in ([ports] if isinstance(ports, int) else ports):
        for line in redis_cli(port, "INFO", "commandstats").splitlines():
            if line.startswith("cmdstat_"):
                name, rest = line[len("cmdstat_"):].split(":", 1)
                fields = dict(kv.split("=") for kv in rest.split(","))
                out["commands"][name] = out["commands"].get(name, 0) + int(fields["calls"])
        for line in redis_cli(port, "INFO", "stats").splitlines():
            if line.startswith("total_net_input_bytes:"):
                out["net_in"] += int(line.split(":")[1])
            elif line.startswith("total_net_output_bytes:"):
                out["net_out"] += int(line.split(":")[1])
    return out


def stats_delta(a, b):
    cmds = {k: b["commands"].get(k, 0) - a["commands"].get(k, 0) for k in b["commands"]}
    cmds = {k: v for k, v in cmds.items() if v > 0}
    return {"commands": cmds, "net_in": b["net_in"] - a["net_in"], "net_out": b["net_out"] - a["net_out"]}


# -- one cluster --------------------------------------------------------------

class Cluster:
    def __init__(self, args, cg, binary, label, n, tmp, masters=0):
        self.args, self.cg, self.binary, self.n = args, cg, binary, n
        self.masters = masters  # 0: one plain Redis; M: a Redis Cluster of M masters
        self.dir = tempfile.mkdtemp(prefix="%s-n%d-m%d-" % (label, n, masters), dir=tmp)
        self.procs = []
        self.redis_port = free_port()
        if masters:  # a cluster bus port (port + 10000) must be free and below 65536
            self.redis_ports = [free_cluster_port() for _ in range(masters)]
            self.redis_port = self.redis_ports[0]
        else:
            self.redis_ports = [self.redis_port]
        self.redis_cgroups = []
        self.ports = []
        self.node_cgroups = []

    def start_redis(self):
        for i, port in enumerate(self.redis_ports):
            rcg = self.cg.make("redis%d" % (i + 1), self.args.redis_quota, self.args.shares)
            self.redis_cgroups.append(rcg)
            d = os.path.join(self.dir, "redis%d" % (i + 1))
            os.makedirs(d, exist_ok=True)
            cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
                   "--save", "", "--appendonly", "yes", "--appendfsync", "everysec"]
            if self.masters:
                cmd += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]
            red = subprocess.Popen(cmd, stdout=open(os.path.join(d, "redis.log"), "w"),
                                   stderr=subprocess.STDOUT, preexec_fn=self.cg.enter(rcg))
            self.procs.append(red)
            if not wait_port(port, red):
                raise RuntimeError("redis-server did not start")
        if not self.masters:
            return "redis://127.0.0.1:%d" % self.redis_port
        hosts = ["127.0.0.1:%d" % p for p in self.redis_ports]
        if self.masters == 1:
            # redis-cli --cluster create wants 3 masters: assign every slot by hand.
            redis_cli(self.redis_port, "CLUSTER", "ADDSLOTSRANGE", "0", "16383")
        else:
            r = subprocess.run(["redis-cli", "--cluster", "create"] + hosts + ["--cluster-yes"],
                               capture_output=True, text=True, timeout=60)
            if r.returncode != 0:
                raise RuntimeError("redis-cli --cluster create: %s" % r.stdout[-2000:])
        end = time.monotonic() + 30
        while time.monotonic() < end:
            if all("cluster_state:ok" in redis_cli(p, "CLUSTER", "INFO") for p in self.redis_ports):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("Redis Cluster of %d masters not ok" % self.masters)
        return "redis+cluster://" + ",".join(hosts)

    def start(self):
        url = self.start_redis()
        self.redis_cgroup = self.redis_cgroups[0]
        for i in range(self.n):
            port = free_port()
            ncg = self.cg.make("node%d" % (i + 1), self.args.node_quota, self.args.shares)
            cmd = [self.binary, "--node-id", "n%d" % (i + 1), "--bind", "127.0.0.1", "--port", str(port),
                   "--redis", url, "--task-token-secret", SECRET, "--heartbeat-seconds", "0.5",
                   "--lease-ttl-seconds", "2", "--log-level", "warn"] + self.args.node_args.split()
            p = subprocess.Popen(cmd, stdout=open(os.path.join(self.dir, "n%d.log" % (i + 1)), "w"),
                                 stderr=subprocess.STDOUT, preexec_fn=self.cg.enter(ncg))
            self.procs.append(p)
            if not wait_port(port, p):
                raise RuntimeError("node n%d did not start (see %s)" % (i + 1, self.dir))
            self.ports.append(port)
            self.node_cgroups.append(ncg)
        self.wait_balanced(url)

    def wait_balanced(self, url, seconds=30):
        """Until N nodes are live and every shard is owned, evenly."""
        end = time.monotonic() + seconds
        want = 64 // self.n
        while time.monotonic() < end:
            out = subprocess.run([self.args.statecraft, "cluster", "status", "--redis", url],
                                 capture_output=True, text=True).stdout
            counts = []
            for line in out.splitlines():
                cols = line.split()
                if len(cols) >= 2 and cols[0].startswith("n") and "live" in cols and cols[-1].isdigit():
                    counts.append(int(cols[-1]))
            if len(counts) == self.n and sum(counts) == 64 and min(counts) >= want:
                time.sleep(0.5)
                return
            time.sleep(0.25)
        raise RuntimeError("cluster of %d did not balance: %s" % (self.n, out))

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in reversed(self.procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if not self.args.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def run_traffic(args, cg, cluster, scenario, gen_cgroup, out_dir, tag):
    users = args.users_per_node * cluster.n
    # "pass-chain": unnamed starts (the server picks the name, as for most
    # real starts); "pass-chain:named": the generator names every execution.
    base_scenario, _, variant = scenario.partition(":")
    cmd = [args.statecraft, "traffic", "--scenario", base_scenario, "--duration", str(args.duration),
           "--concurrency", str(users), "--json", "--no-progress", "--prefix", "so" + tag.replace(".", "")]
    for port in cluster.ports:
        cmd += ["--endpoint", "http://127.0.0.1:%d" % port]
    if variant != "named":
        cmd += ["--unnamed"]
    if base_scenario == "activity":
        cmd += ["--workers-per-node", str(args.workers_per_node)]
    before = redis_stats(cluster.redis_ports)
    cpu0 = [cg.usage_s(p) for p in cluster.node_cgroups]
    rcpu0 = cg.usage_s(cluster.redis_cgroup)
    mcpu0 = [cg.usage_s(p) for p in cluster.redis_cgroups]
    gcpu0 = cg.usage_s(gen_cgroup)
    thr0 = [cg.throttled(p) for p in cluster.node_cgroups]
    p = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=cg.enter(gen_cgroup))
    after = redis_stats(cluster.redis_ports)
    cpu1 = [cg.usage_s(p_) for p_ in cluster.node_cgroups]
    rcpu1 = cg.usage_s(cluster.redis_cgroup)
    mcpu1 = [cg.usage_s(p_) for p_ in cluster.redis_cgroups]
    gcpu1 = cg.usage_s(gen_cgroup)
    thr1 = [cg.throttled(p_) for p_ in cluster.node_cgroups]
    with open(os.path.join(out_dir, "%s.json" % tag), "w") as f:
        f.write(p.stdout)
    with open(os.path.join(out_dir, "%s.cmd" % tag), "w") as f:
        f.write(" ".join(cmd) + "\n")
    try:
        rep = json.loads(p.stdout)
    except ValueError:
        raise RuntimeError("traffic gave no report (exit %d): %s" % (p.returncode, p.stderr[-2000:]))
    delta = stats_delta(before, after)
    execs = max(1, rep.get("executions", {}).get("completed", 0) if isinstance(rep.get("executions"), dict)
                else 0)
    started = execs
    if isinstance(rep.get("executions"), dict):
        started = max(1, rep["executions"].get("started", execs))
    total_cmds = sum(delta["commands"].values())
    res = {
        "scenario": scenario, "nodes": cluster.n, "redis_masters": cluster.masters,
        "exit": p.returncode, "correct": rep.get("correct"),
        "executions_per_s": rep.get("executions_per_s", 0.0),
        "tasks_per_s": (rep.get("values") or {}).get("tasks_per_s"),
        "errors_total": rep.get("errors_total"),
        "executions_started": started,
        "redis_commands": total_cmds,
        "redis_commands_per_execution": total_cmds / started,
        "inbox_messages_per_execution": delta["commands"].get("lrem", 0) / started,
        "redis_bytes_per_execution": (delta["net_in"] + delta["net_out"]) / started,
        "redis_commands_by_name": delta["commands"],
        "node_cpu_s": [round(b - a, 3) if a is not None and b is not None else None for a, b in zip(cpu0, cpu1)],
        "node_throttled_periods": [b - a if a is not None and b is not None else None for a, b in zip(thr0, thr1)],
        "redis_cpu_s": round(rcpu1 - rcpu0, 3) if rcpu0 is not None and rcpu1 is not None else None,
        "redis_master_cpu_s": [round(b - a, 3) if a is not None and b is not None else None
                               for a, b in zip(mcpu0, mcpu1)],
        "generator_cpu_s": round(gcpu1 - gcpu0, 3) if gcpu0 is not None and gcpu1 is not None else None,
        "per_node_executions_per_s": [round(nd.get("executions_per_s", 0.0), 1) for nd in rep.get("nodes") or []],
        "elapsed_s": rep.get("elapsed_s"),
    }
    if p.returncode != 0:
        log("traffic exit %d for %s: %s" % (p.returncode, tag, p.stderr.strip()[-500:]))
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", action="append", default=[], help="LABEL=PATH of a statecraftd (repeatable)")
    ap.add_argument("--statecraft", default=os.path.join(ROOT, "build/tools/statecraft/statecraft"))
    ap.add_argument("--nodes", default="1,2,3")
    ap.add_argument("--scenarios", default="pass-chain,activity",
                    help="comma list; NAME = unnamed starts, NAME:named = named starts")
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--node-quota", type=float, default=0.3)
    ap.add_argument("--redis-quota", type=float, default=0.0,
                    help="cores per Redis (per master with --redis-masters); 0 = no quota")
    ap.add_argument("--redis-masters", default="0",
                    help="comma list of Redis Cluster sizes to run (0 = one plain Redis), e.g. 1,3")
    ap.add_argument("--gen-quota", type=float, default=0.0)
    ap.add_argument("--users-per-node", type=int, default=16)
    ap.add_argument("--workers-per-node", type=int, default=8)
    ap.add_argument("--shares", type=int, default=4096,
                    help="cpu.shares of every benchmark cgroup (v1; v2: the equivalent cpu.weight), so that "
                         "other work on the machine disturbs the quotas less; 0 = default 1024")
    ap.add_argument("--node-args", default="")
    ap.add_argument("--out", default="")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("scaleout: needs root (cgroups)")
    binaries = []
    for b in args.binary or ["branch=" + os.path.join(ROOT, "build/tools/statecraftd/statecraftd")]:
        label, _, path = b.partition("=")
        if not path:
            label, path = os.path.basename(b), b
        if not os.access(path, os.X_OK):
            raise SystemExit("scaleout: not executable: %s" % path)
        binaries.append((label, os.path.abspath(path)))
    nodes = [int(x) for x in args.nodes.split(",")]
    scenarios = args.scenarios.split(",")
    out = args.out or os.path.join(ROOT, "bench/results/scaleout-" + time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    cg = Cgroups("statecraft-scaleout-%d" % os.getpid())
    tmp = tempfile.mkdtemp(prefix="scaleout-")
    results = []
    machine = {
        "cpus": os.cpu_count(), "kernel": platform.release(),
        "cpu_model": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), ""),
        "cgroups": cg.describe(),
        "redis": subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.strip(),
        "loadavg_start": open("/proc/loadavg").read().split()[:3],
    }
    settings = vars(args).copy()
    settings["binaries"] = binaries
    try:
        gen = cg.make("generator", args.gen_quota, args.shares)
        for rnd in range(args.rounds):
            # Alternate the binaries' order round by round (A B, B A, ...).
            order = binaries if rnd % 2 == 0 else list(reversed(binaries))
            for label, path in order:
              for masters in [int(x) for x in args.redis_masters.split(",")]:
                for n in nodes:
                    cl = Cluster(args, cg, path, label, n, tmp, masters)
                    try:
                        cl.start()
                        for sc in scenarios:
                            tag = "%s.r%d.m%d.n%d.%s" % (label, rnd, masters, n, sc.replace(":", "-"))
                            load = open("/proc/loadavg").read().split()[0]
                            r = run_traffic(args, cg, cl, sc, gen, out, tag)
                            r.update({"binary": label, "round": rnd, "loadavg_1m": load})
                            results.append(r)
                            log("%-8s round %d  %d master(s)  %d node(s)  %-16s %8.0f exec/s  %6.1f Redis cmds/exec  "
                                "%4.2f inbox msgs/exec  load %s%s" % (
                                    label, rnd, masters, n, sc, r["executions_per_s"], r["redis_commands_per_execution"],
                                    r["inbox_messages_per_execution"], load,
                                    "" if r["exit"] == 0 else "  (traffic exit %d)" % r["exit"]))
                    finally:
                        cl.stop()
    finally:
        cg.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    machine["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    # Efficiency per binary, round and scenario against the same round's 1 node.
    for r in results:
        base = next((x for x in results if x["binary"] == r["binary"] and x["round"] == r["round"]
                     and x["scenario"] == r["scenario"] and x["nodes"] == 1
                     and x["redis_masters"] == r["redis_masters"]), None)
        r["efficiency"] = (r["executions_per_s"] / (r["nodes"] * base["executions_per_s"])
                           if base and base["executions_per_s"] else None)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"machine": machine, "settings": settings, "results": results}, f, indent=1)
    lines = []
    lines.append("machine: %d CPUs (%s), %s; %s; load average %s at start, %s at end" % (
        machine["cpus"], machine["cpu_model"], machine["kernel"], machine["cgroups"],
        " ".join(machine["loadavg_start"]), " ".join(machine["loadavg_end"])))
    lines.append("each node %.2f core (own cgroup); Redis %s; generator %s; cpu.shares %d; %s users and %d workers per node; %gs per run" % (
        args.node_quota, "%.2f core (each master)" % args.redis_quota if args.redis_quota else "own cgroup, no quota",
        "%.2f core" % args.gen_quota if args.gen_quota else "own cgroup, no quota", args.shares or 1024,
        args.users_per_node, args.workers_per_node, args.duration))
    lines.append("node-cpu: the busiest node's CPU in cores (quota %.2f); redis, gen: Redis's (all "
                 "masters') and the generator's cores; masters: Redis Cluster masters (- = one plain "
                 "Redis); load: 1-minute load average before the run" % args.node_quota)
    lines.append("")
    hdr = "%-10s %-5s %-16s %7s %5s %10s %10s %6s %11s %10s %11s %9s %6s %5s %6s" % (
        "binary", "round", "scenario", "masters", "nodes", "exec/s", "tasks/s", "eff.", "Redis/exec", "inbox/exec",
        "bytes/exec", "node-cpu", "redis", "gen", "load")
    lines.append(hdr)
    for r in results:
        el = r["elapsed_s"] or 1
        ncpu = [c for c in r["node_cpu_s"] if c is not None]
        cores = lambda v: "%.2f" % (v / el) if v is not None else "-"
        lines.append("%-10s %-5d %-16s %7s %5d %10.0f %10s %6s %11.1f %10.2f %11.0f %9s %6s %5s %6s%s" % (
            r["binary"], r["round"], r["scenario"], r["redis_masters"] or "-", r["nodes"],
            r["executions_per_s"],
            "%.0f" % r["tasks_per_s"] if r["tasks_per_s"] is not None else "-",
            "%.2f" % r["efficiency"] if r["efficiency"] is not None else "-",
            r["redis_commands_per_execution"], r["inbox_messages_per_execution"],
            r["redis_bytes_per_execution"], cores(max(ncpu)) if ncpu else "-",
            cores(sum(c for c in r["redis_master_cpu_s"] if c is not None)),
            cores(r["generator_cpu_s"]), r["loadavg_1m"],
            "" if r["exit"] == 0 and r["correct"] else "  NOT VERIFIED (exit %d)" % r["exit"]))
    table = "\n".join(lines)
    with open(os.path.join(out, "table.txt"), "w") as f:
        f.write(table + "\n")
    print(table)
    print("\nresults: %s" % out)
    bad = [r for r in results if r["exit"] != 0 or not r["correct"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
