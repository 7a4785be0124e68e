#!/usr/bin/env python3
"""Cluster failover: three statecraftd nodes on one Redis, one killed with -9
in the middle of a load, a fourth joining later; every execution must end
exactly as if nothing had happened.

    python3 tests/cluster/failover.py \\
        --statecraftd build/tools/statecraftd/statecraftd \\
        --statecraft build/tools/statecraft/statecraft \\
        [--executions N] [--fault kill|pause] [--keep]

1. Starts redis-server on a free loopback port (temporary directory, no RDB,
   appendonly yes) and nodes n1, n2, n3 on it with default settings but
   for the timings (no --task-token-secret: the nodes share the secret the
   first one stores in Redis; --heartbeat-seconds 0.5, --lease-ttl-seconds
   2, --activity-poll-timeout 2, --idle-actor-seconds 0.5, --time-scale 5).
2. Creates four state machines (a chain of Waits and Passes, two activity
   Tasks with a Wait between them, a Map of Wait+Pass with MaxConcurrency 2,
   a Parallel of three branches with Waits of different lengths), a
   long-Wait machine for the StopExecution checks, and two activities. The
   reference history of every (machine, input variant) comes from
   `statecraft run --json`, with task answers computed from the task input
   by the same function the workers use.
3. Activity workers (threads, boto3, workerName "golden-worker") long-poll
   every node; each holds a task up to --think seconds, then answers with
   SendTaskSuccess sent to a random live node. A worker whose node dies
   polls another one. Every task token handed out is recorded: a token
   given to two workers is a failure. For PAUSE seconds before the kill
   until the takeover the workers stop polling, so that tasks pile up in
   the shared queues when the shards change hands.
4. Wave 1 of executions is started on n1, n2 and n3 (one starter thread per
   node). Wave 2 starts while n2 is killed with -9 (starts that hit the
   dying node are retried on another node with the same name and input).
   The takeover of n2's shards is timed by polling `statecraft cluster
   status` and must finish within lease TTL + 5 s. Then n4 starts, must
   own shards (with the counts of the live nodes within one of each other),
   and wave 3 is started on n1, n3 and n4.
5. StopExecution sent to a node that does not own the execution must abort
   it: before the kill, to an execution of the dead node's shard while that
   shard has no owner, and after n4 joined.
6. When nothing runs any more, for every execution: listed exactly once,
   SUCCEEDED with the reference output, history ids 1..N with every
   previousEventId an earlier id (or 0), and the events (type, ids and
   details, everything but timestamps) equal to the reference; for Map and
   Parallel, whose branch events may interleave differently, the events
   compared as a multiset. Tampered copies (an event duplicated, one
   dropped, one changed) of one good history per machine must fail that
   comparison, so it can fail. Executions of the dead node's shards that
   were in flight at the kill are counted (the kill must catch at least 10).
7. Finally n3 is stopped with SIGTERM (its shards must move within about a
   heartbeat, well before a lease could expire) and every node must exit 0.

With --fault pause, n2 is stopped with SIGSTOP instead of killed, woken
with SIGCONT once the others took its shards, and must rejoin (all four
nodes then share the shards): a stalled or partitioned node whose saves
the fencing epochs must keep out of the histories.

Exit status: 0 when every check passed, 1 otherwise (2: could not run). On a
failure the tails of the node logs are printed.
"""

import argparse
import base64
import collections
import json
import os
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import START, Redis, free_port, log, shard_of, tail, wait_for_port  # noqa: E402
from harness import sfn_client as client  # noqa: E402

try:
    import boto3
    import botocore.config
    import botocore.exceptions
except ImportError:  # pragma: no cover
    print("failover.py: boto3 is required", file=sys.stderr)
    sys.exit(2)

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = "arn:aws:iam::%s:role/statecraft" % ACCOUNT
WORKER = "golden-worker"
SHARDS = 64

HEARTBEAT = 0.5
LEASE_TTL = 2.0
TIME_SCALE = 5
POLL_TIMEOUT = 2
PAUSE = 2.0  # seconds workers stop polling before the kill (until the takeover)


def activity_arn(name):
    return "arn:aws:states:%s:%s:activity:%s" % (REGION, ACCOUNT, name)


def machine_arn(name):
    return "arn:aws:states:%s:%s:stateMachine:%s" % (REGION, ACCOUNT, name)


def execution_arn(machine, name):
    return "arn:aws:states:%s:%s:execution:%s:%s" % (REGION, ACCOUNT, machine, name)


def token_task(token):
    """(execution ARN, task id) named by a task token, for messages only."""
    try:
        payload = token.split(".", 1)[0]
        text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
        _, task, arn = text.split("|", 2)
        return arn, int(task)
    except Exception:  # noqa: BLE001 - diagnostics only
        return token[:40], -1


# -- state machines --------------------------------------------------------

ACT_ONE = "cluster-one"
ACT_TWO = "cluster-two"

DEFINITIONS = {
    # Several Waits and Passes in a row.
    "wait_chain": {
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass",
                     "Parameters": {"n.$": "$.n", "w.$": "$.w",
                                    "tag.$": "States.Format('chain-{}', $.n)"},
                     "Next": "W1"},
            "W1": {"Type": "Wait", "Seconds": 20, "Next": "P1"},
            "P1": {"Type": "Pass", "Result": {"stage": 1}, "ResultPath": "$.p1", "Next": "W2"},
            "W2": {"Type": "Wait", "SecondsPath": "$.w", "Next": "P2"},
            "P2": {"Type": "Pass",
                   "Parameters": {"n.$": "$.n", "tag.$": "$.tag", "p1.$": "$.p1",
                                  "next.$": "States.MathAdd($.n, 1)"},
                   "Next": "W3"},
            "W3": {"Type": "Wait", "Seconds": 10, "Next": "Done"},
            "Done": {"Type": "Pass", "Result": "chain done", "ResultPath": "$.done",
                     "End": True},
        },
    },
    # Two activity Tasks with a Wait between them.
    "activity_seq": {
        "StartAt": "Prep",
        "States": {
            "Prep": {"Type": "Pass", "Parameters": {"n.$": "$.n", "k.$": "$.k"}, "Next": "One"},
            "One": {"Type": "Task", "Resource": activity_arn(ACT_ONE),
                    "Parameters": {"step": "one", "n.$": "$.n"},
                    "ResultPath": "$.one", "Next": "Gap"},
            "Gap": {"Type": "Wait", "Seconds": 10, "Next": "Two"},
            "Two": {"Type": "Task", "Resource": activity_arn(ACT_TWO),
                    "Parameters": {"step": "two", "n.$": "$.n", "prev.$": "$.one.value"},
                    "ResultSelector": {"v.$": "$.value", "by.$": "$.by"},
                    "ResultPath": "$.two", "Next": "Done"},
            "Done": {"Type": "Pass", "End": True},
        },
    },
    # A Map of Wait+Pass iterations with different waits, two at a time.
    "map_wait": {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 2,
                "ItemProcessor": {
                    "StartAt": "Pre",
                    "States": {
                        "Pre": {"Type": "Pass",
                                "Parameters": {"v.$": "$.v", "w.$": "$.w",
                                               "double.$": "States.MathAdd($.v, $.v)"},
                                "Next": "Sleep"},
                        "Sleep": {"Type": "Wait", "SecondsPath": "$.w", "Next": "Post"},
                        "Post": {"Type": "Pass", "Result": "slept", "ResultPath": "$.status",
                                 "End": True},
                    },
                },
                "ResultPath": "$.results",
                "Next": "Tail",
            },
            "Tail": {"Type": "Wait", "Seconds": 5, "Next": "Done"},
            "Done": {"Type": "Pass", "Parameters": {"count.$": "States.ArrayLength($.results)",
                                                    "results.$": "$.results"},
                     "End": True},
        },
    },
    # Three branches with Waits of different lengths.
    "parallel_wait": {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "ShortWait", "States": {
                        "ShortWait": {"Type": "Wait", "Seconds": 10, "Next": "A"},
                        "A": {"Type": "Pass", "Result": "a", "End": True}}},
                    {"StartAt": "LongWait", "States": {
                        "LongWait": {"Type": "Wait", "Seconds": 35, "Next": "B"},
                        "B": {"Type": "Pass", "Parameters": {"b.$": "$.n"}, "End": True}}},
                    {"StartAt": "C0", "States": {
                        "C0": {"Type": "Pass", "Parameters": {"w.$": "$.w"}, "Next": "VarWait"},
                        "VarWait": {"Type": "Wait", "SecondsPath": "$.w", "Next": "Settle"},
                        "Settle": {"Type": "Wait", "Seconds": 5, "Next": "C"},
                        "C": {"Type": "Pass", "Result": {"c": True}, "End": True}}},
                ],
                "ResultPath": "$.branches",
                "Next": "After",
            },
            "After": {"Type": "Pass",
                      "Parameters": {"n.$": "$.n", "a.$": "$.branches[0]",
                                     "b.$": "$.branches[1].b", "c.$": "$.branches[2].c"},
                      "End": True},
        },
    },
    # Only for the StopExecution checks: waits far longer than the test.
    "long_wait": {
        "StartAt": "Forever",
        "States": {"Forever": {"Type": "Wait", "Seconds": 1000000, "Next": "Done"},
                   "Done": {"Type": "Pass", "End": True}},
    },
}

LOAD_MACHINES = ("wait_chain", "activity_seq", "map_wait", "parallel_wait")
MIX = {"wait_chain": 30, "activity_seq": 30, "map_wait": 20, "parallel_wait": 20}
# Branch events of these may interleave differently from run to run.
UNORDERED = {"map_wait", "parallel_wait"}
VARIANTS = 6


def make_input(machine, variant):
    v = variant
    if machine == "wait_chain":
        obj = {"n": v, "w": 10 + 5 * v}
    elif machine == "activity_seq":
        obj = {"n": v, "k": "key-%d" % v}
    elif machine == "map_wait":
        obj = {"items": [{"v": i, "w": 5 + 5 * ((i + v) % 4)} for i in range(2 + v % 3)]}
    elif machine == "parallel_wait":
        obj = {"n": v, "w": 5 + 10 * (v % 4)}
    else:
        obj = {"n": v}
    # A space after ':' on purpose: the input string must be kept verbatim.
    return json.dumps(obj, separators=(",", ": "))


def task_answer(task_input):
    """What a worker answers for a task: a pure function of its input."""
    inp = json.loads(task_input)
    n = inp.get("n", 0)
    if inp.get("step") == "one":
        return {"value": n * 7 + 1, "by": WORKER, "step": "one"}
    return {"value": inp.get("prev", 0) + n * 100, "by": WORKER, "step": inp.get("step")}


def encode_answer(task_input):
    return json.dumps(task_answer(task_input), separators=(",", ":"))


# -- reference histories from `statecraft run` -----------------------------

def reference_run(cli, tmp, machine, variant):
    path = os.path.join(tmp, "%s.asl.json" % machine)
    if not os.path.exists(path):
        with open(path, "w") as f:
            json.dump(DEFINITIONS[machine], f)
    inp = make_input(machine, variant)
    script = []
    for _ in range(10):
        tasks = os.path.join(tmp, "tasks-%s-%d.json" % (machine, variant))
        with open(tasks, "w") as f:
            json.dump(script, f)
        p = subprocess.run([cli, "run", path, "--input", inp, "--tasks", tasks, "--json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        try:
            r = json.loads(p.stdout)
        except ValueError:
            raise RuntimeError("statecraft run %s: %s %s" % (machine, p.stdout[:300], p.stderr[:300]))
        scheduled = [e for e in r["events"] if e["type"] == "ActivityScheduled"]
        if r["status"] == "SUCCEEDED":
            return r
        if r["status"] == "RUNNING" and len(scheduled) > len(script):
            script = [{"output": json.loads(encode_answer(e["activityScheduledEventDetails"]["input"]))}
                      for e in scheduled]
            continue
        raise RuntimeError("statecraft run %s variant %d ended %s: %s" %
                           (machine, variant, r["status"], p.stderr.decode(errors="replace")))
    raise RuntimeError("statecraft run %s variant %d: too many task rounds" % (machine, variant))


def normalize(event):
    """An event without its timestamp; the CLI's worker name mapped to ours."""
    e = {k: v for k, v in event.items() if k != "timestamp"}
    d = e.get("activityStartedEventDetails")
    if d is not None and d.get("workerName") == "statecraft-run":
        e["activityStartedEventDetails"] = dict(d, workerName=WORKER)
    return e


def token_execution(token):
    """The execution ARN a task token names (its first segment is the
    base64url of "v1|<task>|<execution ARN>")."""
    head = token.split(".", 1)[0]
    raw = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).decode()
    return raw.split("|", 2)[2]


def worker_name_lost(events):
    """A task handed out by a node killed before it stored ActivityStarted
    and answered on a survivor: the start is recorded with the answer,
    without the worker's name, which died with the node (docs/durability.md).
    Such events get the name back for the comparison."""
    out = []
    for e in events:
        if e.get("type") == "ActivityStarted" and not e.get("activityStartedEventDetails"):
            e = dict(e, activityStartedEventDetails={"workerName": WORKER})
        out.append(e)
    return out


def unordered_key(event):
    e = {k: v for k, v in event.items() if k not in ("id", "previousEventId")}
    return json.dumps(e, sort_keys=True)


def history_problems(machine, events, want):
    """What is wrong with an execution's history (boto3 events) compared
    with the reference (normalized `statecraft run` events): [] if nothing."""
    bad = []
    ids = [e["id"] for e in events]
    if ids != list(range(1, len(events) + 1)):
        bad.append("event ids not 1..N: %s" % ids[:60])
    for e in events:
        p = e.get("previousEventId", 0)
        if not (0 <= p < e["id"]):
            bad.append("event %d has previousEventId %s" % (e["id"], p))
            break
    got = [normalize(e) for e in events]
    if machine in UNORDERED:
        if len(got) != len(want):
            bad.append("%d events, expected %d" % (len(got), len(want)))
        gc = collections.Counter(unordered_key(e) for e in got)
        wc = collections.Counter(unordered_key(e) for e in want)
        if gc != wc:
            more = list((gc - wc).elements())[:3]
            less = list((wc - gc).elements())[:3]
            bad.append("events differ: unexpected %s; missing %s" % (more, less))
        if got and (got[0]["type"] != "ExecutionStarted" or got[-1]["type"] != "ExecutionSucceeded"):
            bad.append("first/last events %s/%s" % (got[0]["type"], got[-1]["type"]))
    elif got != want:
        for i in range(max(len(got), len(want))):
            g = got[i] if i < len(got) else None
            w = want[i] if i < len(want) else None
            if g != w:
                bad.append("event #%d is %s, expected %s" % (i + 1, json.dumps(g, default=str),
                                                             json.dumps(w)))
                break
    return bad


def tampered(events):
    """Broken copies of a good history, which history_problems must reject:
    an event duplicated, an event missing (ids renumbered either way), an
    event's details changed."""
    out = []
    mid = len(events) // 2
    dup = [dict(e) for e in events[:mid + 1]] + [dict(e) for e in events[mid:]]
    gone = [dict(e) for e in events[:mid]] + [dict(e) for e in events[mid + 1:]]
    for h in (dup, gone):
        for i, e in enumerate(h):
            e["id"] = i + 1
            e["previousEventId"] = min(e.get("previousEventId", 0), i)
        out.append(h)
    changed = [dict(e) for e in events]
    for e in changed[1:]:
        k = next((k for k in e if k.endswith("EventDetails") and "name" in e[k]), None)
        if k:
            e[k] = dict(e[k], name=e[k]["name"] + "X")
            break
    out.append(changed)
    return out


# -- processes ---------------------------------------------------------------

class Node:
    def __init__(self, node_id, binary, redis_url, tmp):
        self.id = node_id
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(tmp, "%s.log" % node_id)
        self.cmd = [binary, "--node-id", node_id, "--bind", "127.0.0.1", "--port", str(self.port),
                    "--redis", redis_url,
                    "--heartbeat-seconds", str(HEARTBEAT), "--lease-ttl-seconds", str(LEASE_TTL),
                    "--activity-poll-timeout", str(POLL_TIMEOUT), "--idle-actor-seconds", "0.5",
                    "--time-scale", str(TIME_SCALE), "--log-level", "info"]
        self.proc = None
        self.tmp = tmp

    def start(self):
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.cmd, stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.tmp)
        problem = wait_for_port(self.proc, self.port, 30)
        if problem:
            raise RuntimeError("node %s %s" % (self.id, problem))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


TRANSPORT_ERRORS = (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)


def is_retryable(exc):
    if isinstance(exc, TRANSPORT_ERRORS):
        return True
    if isinstance(exc, botocore.exceptions.ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return status >= 500
    return False


def err_text(exc):
    if isinstance(exc, botocore.exceptions.ClientError):
        e = exc.response.get("Error", {})
        return "%s: %s" % (e.get("Code"), e.get("Message"))
    return "%s: %s" % (type(exc).__name__, exc)


# -- cluster status -----------------------------------------------------------

OWNER_LINE = re.compile(r"^\s+(\S+): ([0-9,\-]+) \((\d+) shards?")


def parse_ranges(text):
    out = set()
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            out.update(range(int(a), int(b) + 1))
        else:
            out.add(int(part))
    return out


def cluster_status(cli, redis_url):
    """(text, {owner: set(shards)} with 'unowned', {node: 'live'|'dead'})."""
    p = subprocess.run([cli, "cluster", "status", "--redis", redis_url], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=20)
    text = p.stdout.decode(errors="replace")
    if p.returncode != 0:
        raise RuntimeError("statecraft cluster status: exit %d: %s" %
                           (p.returncode, p.stderr.decode(errors="replace")))
    owners, states = {}, {}
    section = None
    for line in text.splitlines():
        if line.startswith("NODE"):
            section = "nodes"
            continue
        if line.startswith("shards by owner"):
            section = "owners"
            continue
        if section == "nodes" and line.strip():
            cols = line.split()
            if "live" in cols:
                states[cols[0]] = "live"
            elif "dead" in cols:
                states[cols[0]] = "dead"
        elif section == "owners":
            m = OWNER_LINE.match(line)
            if m:
                owners[m.group(1)] = parse_ranges(m.group(2))
    total = sum(len(s) for s in owners.values())
    if total != SHARDS:
        raise RuntimeError("cannot parse cluster status (%d shards found):\n%s" % (total, text))
    return text, owners, states


# -- the test -------------------------------------------------------------------

class Test:
    def __init__(self, args):
        self.args = args
        self.failures = []
        self.held_arns = set()  # executions whose task was held across the kill
        self.fail_lock = threading.Lock()
        self.tmp = tempfile.mkdtemp(prefix="statecraft-cluster-")
        self.redis = None
        self.nodes = {}
        self.live = []  # node ids clients may use (a load balancer's view)
        self.live_lock = threading.Lock()
        self.stop_workers = threading.Event()
        self.workers_paused = threading.Event()
        self.killed = set()
        self.tokens = collections.Counter()
        self.token_via = {}
        self.token_lock = threading.Lock()
        self.task_stats = collections.Counter()
        self.started = {}  # name -> (machine, variant, node that answered)
        self.started_lock = threading.Lock()
        self.references = {}
        self.rng = random.Random(args.seed)
        self.local = threading.local()
        self.summary = None
        self.takeover = None

    # -- bookkeeping

    def fail(self, msg):
        with self.fail_lock:
            self.failures.append(msg)
        log("FAIL: " + msg)

    def stat(self, name):
        with self.token_lock:
            self.task_stats[name] += 1

    def c(self, node):
        """This thread's client for `node` (boto3 clients are slow to make)."""
        cache = getattr(self.local, "clients", None)
        if cache is None:
            cache = self.local.clients = {}
        if node not in cache:
            cache[node] = client(self.nodes[node].url)
        return cache[node]

    def live_nodes(self):
        with self.live_lock:
            return list(self.live)

    def any_live(self, exclude=None):
        nodes = [n for n in self.live_nodes() if n != exclude] or self.live_nodes()
        return random.choice(nodes)

    # -- setup

    def start_redis(self):
        self.redis = Redis(self.tmp)
        self.redis.start(10)
        self.redis_url = self.redis.url
        log("redis-server on %s" % self.redis_url)

    def start_node(self, node_id):
        n = Node(node_id, self.args.statecraftd, self.redis_url, self.tmp)
        self.nodes[node_id] = n
        n.start()
        with self.live_lock:
            self.live.append(node_id)
        log("%s serving on %s (pid %d)" % (node_id, n.url, n.proc.pid))
        return n

    def create_resources(self):
        c = client(self.nodes["n1"].url)
        for a in (ACT_ONE, ACT_TWO):
            c.create_activity(name=a)
        for name, d in DEFINITIONS.items():
            c.create_state_machine(name=name, definition=json.dumps(d), roleArn=ROLE)
        # Every node sees them (they live in Redis).
        for n in self.nodes.values():
            names = {m["name"] for m in client(n.url).list_state_machines()["stateMachines"]}
            if not set(DEFINITIONS) <= names:
                raise RuntimeError("%s does not list the state machines: %s" % (n.id, names))

    def compute_references(self):
        ref_dir = os.path.join(self.tmp, "reference")
        os.makedirs(ref_dir)
        for m in LOAD_MACHINES:
            for v in range(VARIANTS):
                r = reference_run(self.args.statecraft, ref_dir, m, v)
                self.references[(m, v)] = {"output": r["output"],
                                           "events": [normalize(e) for e in r["events"]]}
        log("reference histories: %d (machine, input) pairs from statecraft run" %
            len(self.references))

    # -- activity workers

    def worker(self, home, activity):
        node = home
        c = self.c(node)
        arn = activity_arn(activity)
        rnd = random.Random()
        while not self.stop_workers.is_set():
            if self.workers_paused.is_set():
                time.sleep(0.05)
                continue
            try:
                r = c.get_activity_task(activityArn=arn, workerName=WORKER)
            except Exception as e:  # noqa: BLE001
                if not is_retryable(e):
                    self.fail("GetActivityTask on %s: %s" % (node, err_text(e)))
                    time.sleep(0.5)
                    continue
                # The node went away (or is overloaded): poll another one.
                self.stat("poll errors")
                node = self.any_live(exclude=node)
                c = self.c(node)
                time.sleep(0.1)
                continue
            token = r.get("taskToken")
            if not token:
                continue
            with self.token_lock:
                self.tokens[token] += 1
                dup = self.tokens[token] > 1
                first_via = self.token_via.setdefault(token, node)
            self.stat("tasks received")
            if dup:
                arn_, task = token_task(token)
                self.fail("task delivered twice: %s (shard %d) task %d, via %s and again via %s" %
                          (arn_, shard_of(arn_), task, first_via, node))
            # Think a little, so that tasks are in workers' hands at any time.
            time.sleep(rnd.uniform(0, self.args.think))
            self.answer(token, encode_answer(r["input"]), via=node)

    def answer(self, token, output, via=None):
        """SendTaskSuccess to a random live node; `via` is the node that
        handed the task out (answers elsewhere are counted: the nodes share
        the cluster's token secret)."""
        tried = []
        for attempt in range(8):
            target = self.any_live()
            try:
                self.c(target).send_task_success(taskToken=token, output=output)
                self.stat("answers accepted")
                if via is not None and target != via:
                    self.stat("answers accepted by another node than the one that handed out")
                if attempt:
                    self.stat("answers accepted after a retry")
                return True
            except Exception as e:  # noqa: BLE001
                tried.append("%s: %s" % (target, err_text(e)))
                if is_retryable(e):
                    time.sleep(0.2)
                    continue
                code = e.response["Error"]["Code"] if isinstance(e, botocore.exceptions.ClientError) else ""
                if code == "TaskDoesNotExist" and attempt > 0:
                    # An earlier attempt whose answer was lost in transit landed.
                    self.stat("answer retries already applied")
                    return
                with self.token_lock:
                    duplicated = self.tokens[token] > 1
                if code == "TaskDoesNotExist" and duplicated:
                    # The other copy of a task handed out twice was answered
                    # first (the duplicate itself is the failure reported).
                    self.stat("answers to duplicated tasks refused")
                    return
                arn_, task = token_task(token)
                self.fail("SendTaskSuccess for %s task %d refused: %s" % (arn_, task, "; ".join(tried)))
                return
        arn_, task = token_task(token)
        self.fail("SendTaskSuccess for %s task %d never accepted: %s" % (arn_, task, "; ".join(tried)))

    def hold_tasks(self, node, want=2, timeout=PAUSE):
        """Tasks handed out by `node` and held (not answered): [(token,
        input)], answered after `node` is gone (hold_answer)."""
        held = []
        deadline = time.monotonic() + timeout
        while len(held) < want and time.monotonic() < deadline:
            for a in (ACT_ONE, ACT_TWO):
                try:
                    r = self.c(node).get_activity_task(activityArn=activity_arn(a),
                                                       workerName=WORKER)
                except Exception as e:  # noqa: BLE001
                    self.fail("GetActivityTask on %s (held task): %s" % (node, err_text(e)))
                    return held
                token = r.get("taskToken")
                if token:
                    with self.token_lock:
                        self.tokens[token] += 1
                        self.token_via.setdefault(token, node)
                    held.append((token, r["input"]))
        return held

    def start_workers(self, per_node):
        self.worker_threads = []
        for node in self.live_nodes():
            for a in (ACT_ONE, ACT_TWO):
                for _ in range(per_node):
                    t = threading.Thread(target=self.worker, args=(node, a), daemon=True)
                    t.start()
                    self.worker_threads.append(t)

    def add_workers(self, node, per_node):
        for a in (ACT_ONE, ACT_TWO):
            for _ in range(per_node):
                t = threading.Thread(target=self.worker, args=(node, a), daemon=True)
                t.start()
                self.worker_threads.append(t)

    # -- starting executions

    def start_one(self, machine, variant, name, node):
        inp = make_input(machine, variant)
        tried = []
        for attempt in range(12):
            target = node if attempt == 0 else self.any_live(exclude=node)
            try:
                r = self.c(target).start_execution(
                    stateMachineArn=machine_arn(machine), name=name, input=inp)
                if r["executionArn"] != execution_arn(machine, name):
                    self.fail("StartExecution %s returned %s" % (name, r["executionArn"]))
                with self.started_lock:
                    self.started[name] = (machine, variant, target)
                return target
            except Exception as e:  # noqa: BLE001
                tried.append("%s: %s" % (target, err_text(e)))
                code = e.response["Error"]["Code"] if isinstance(e, botocore.exceptions.ClientError) else ""
                if code == "ExecutionAlreadyExists" and attempt > 0:
                    # The first attempt did start it (the answer was lost); it
                    # already finished, so it is not RUNNING any more.
                    d = self.c(self.any_live()).describe_execution(
                        executionArn=execution_arn(machine, name))
                    if d["input"] != inp:
                        self.fail("execution %s exists with another input" % name)
                    with self.started_lock:
                        self.started[name] = (machine, variant, target)
                    return target
                if not is_retryable(e):
                    break
                time.sleep(0.2)
        self.fail("StartExecution %s never accepted: %s" % (name, "; ".join(tried)))
        return None

    def plan(self, wave, count):
        items = []
        weights = sum(MIX.values())
        for m in LOAD_MACHINES:
            k = count * MIX[m] // weights
            items += [(m, i % VARIANTS, "%s-w%d-%05d" % (m, wave, i)) for i in range(k)]
        self.rng.shuffle(items)
        return items

    def run_wave(self, wave, items, nodes, duration):
        """Starts `items` spread over `nodes` (one thread per node), paced to
        take about `duration` seconds; returns the threads."""
        per = collections.defaultdict(list)
        for i, it in enumerate(items):
            per[nodes[i % len(nodes)]].append(it)
        threads = []
        for node, its in per.items():
            gap = duration / max(1, len(its))

            def run(node=node, its=its, gap=gap):
                t0 = time.monotonic()
                for i, (m, v, name) in enumerate(its):
                    took = self.start_one(m, v, name, node)
                    if took and took != node and node not in self.live_nodes():
                        node = took  # like a client whose node went away
                    delay = t0 + (i + 1) * gap - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
            t = threading.Thread(target=run, daemon=True)
            t.start()
            threads.append(t)
        return threads

    # -- StopExecution through a node that does not own the execution

    def owner_of(self, arn):
        _, owners, _ = cluster_status(self.args.statecraft, self.redis_url)
        s = shard_of(arn)
        for o, shards in owners.items():
            if s in shards:
                return o
        return None

    def start_long(self, name, node):
        arn = execution_arn("long_wait", name)
        self.c(node).start_execution(stateMachineArn=machine_arn("long_wait"),
                                                     name=name, input='{"long": true}')
        return arn

    def wait_until_waiting(self, arn, timeout=15):
        """Until the execution's history shows it entered its Wait."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ev = self.c(self.any_live()).get_execution_history(executionArn=arn)["events"]
            if any(e["type"] == "WaitStateEntered" for e in ev):
                return True
            time.sleep(0.1)
        return False

    def check_aborted(self, arn, via, error, timeout=20):
        deadline = time.monotonic() + timeout
        d = None
        while time.monotonic() < deadline:
            d = self.c(self.any_live()).describe_execution(executionArn=arn)
            if d["status"] != "RUNNING":
                break
            time.sleep(0.1)
        if d is None or d["status"] != "ABORTED":
            self.fail("StopExecution via non-owner %s: %s is %s, not ABORTED" %
                      (via, arn, d and d["status"]))
            return False
        ev = self.c(self.any_live()).get_execution_history(executionArn=arn)["events"]
        types = [e["type"] for e in ev]
        want = ["ExecutionStarted", "WaitStateEntered", "ExecutionAborted"]
        if types != want:
            self.fail("StopExecution via non-owner %s: history of %s is %s, expected %s" %
                      (via, arn, types, want))
            return False
        det = ev[-1].get("executionAbortedEventDetails", {})
        if det.get("error") != error or det.get("cause") != "stopped through " + via:
            self.fail("StopExecution via %s: aborted details of %s are %s" % (via, arn, det))
            return False
        if [e["id"] for e in ev] != [1, 2, 3]:
            self.fail("StopExecution via %s: ids of %s are %s" % (via, arn, [e["id"] for e in ev]))
            return False
        return True

    def stop_via_non_owner(self, label, name, node_for_start):
        arn = self.start_long(name, node_for_start)
        if not self.wait_until_waiting(arn):
            self.fail("%s: %s never entered its Wait" % (label, arn))
            return
        owner = self.owner_of(arn)
        via = self.any_live(exclude=owner)
        if via == owner:
            self.fail("%s: no node other than the owner %s to send StopExecution to" % (label, owner))
            return
        self.c(via).stop_execution(executionArn=arn, error="Test.Stop",
                                                   cause="stopped through " + via)
        if self.check_aborted(arn, via, "Test.Stop"):
            log("%s: StopExecution via %s aborted %s (owned by %s)" % (label, via, arn.split(":")[-1], owner))

    # -- takeover timing

    def watch_takeover(self, victim, victim_shards, t_kill, timeout):
        """Polls the cluster status until no shard of the victim is unowned or
        held by the victim. Returns (seconds after the kill, status text,
        {new owner: count})."""
        deadline = t_kill + timeout
        last = None
        while time.monotonic() < deadline:
            text, owners, states = cluster_status(self.args.statecraft, self.redis_url)
            now = time.monotonic()
            last = text
            held = {}
            for o, shards in owners.items():
                for s in shards & victim_shards:
                    held[s] = o
            if all(held.get(s) not in (None, victim, "unowned") for s in victim_shards):
                moved = collections.Counter(held[s] for s in victim_shards)
                return now - t_kill, text, dict(moved)
            time.sleep(0.1)
        return None, last, {}

    # -- waiting and verification

    def wait_all_finished(self, names, timeout):
        """Polls ListExecutions(RUNNING) until none of `names` runs."""
        deadline = time.monotonic() + timeout
        running = None
        while time.monotonic() < deadline:
            c = self.c(self.any_live())
            running = set()
            for m in LOAD_MACHINES:
                for page in c.get_paginator("list_executions").paginate(
                        stateMachineArn=machine_arn(m), statusFilter="RUNNING"):
                    running.update(e["name"] for e in page["executions"])
            running &= names
            if not running:
                return set()
            time.sleep(1)
        return running

    def fetch(self, items):
        """DescribeExecution + full history of each (name, machine), from
        every live node in turn."""
        results = {}
        q = queue.Queue()
        for it in items:
            q.put(it)
        lock = threading.Lock()
        nodes = self.live_nodes()

        def run(node):
            c = self.c(node)
            while True:
                try:
                    name, machine = q.get_nowait()
                except queue.Empty:
                    return
                arn = execution_arn(machine, name)
                try:
                    d = c.describe_execution(executionArn=arn)
                    events = []
                    for page in c.get_paginator("get_execution_history").paginate(
                            executionArn=arn, PaginationConfig={"PageSize": 1000}):
                        events += page["events"]
                except Exception as e:  # noqa: BLE001
                    with lock:
                        results[name] = e
                    continue
                with lock:
                    results[name] = (d, events)

        threads = [threading.Thread(target=run, args=(nodes[i % len(nodes)],), daemon=True)
                   for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return results

    def verify(self, kill_wall, victim_shards):
        by_machine = collections.defaultdict(list)
        with self.started_lock:
            started = dict(self.started)
        for name, (m, v, _) in started.items():
            by_machine[m].append(name)

        # Listed exactly once, nothing unexpected.
        c = self.c(self.any_live())
        listed_total = 0
        for m in LOAD_MACHINES:
            names = collections.Counter()
            for page in c.get_paginator("list_executions").paginate(stateMachineArn=machine_arn(m)):
                names.update(e["name"] for e in page["executions"])
            listed_total += sum(names.values())
            dups = [n for n, k in names.items() if k > 1]
            missing = set(by_machine[m]) - set(names)
            extra = set(names) - set(by_machine[m])
            if dups:
                self.fail("%s: listed more than once: %s" % (m, sorted(dups)[:10]))
            if missing:
                self.fail("%s: started but not listed: %s" % (m, sorted(missing)[:10]))
            if extra:
                self.fail("%s: listed but never started: %s" % (m, sorted(extra)[:10]))

        results = self.fetch([(n, m) for n, (m, _, _) in started.items()])
        ok = 0
        in_flight_victim = 0
        first_resume = None
        problems = collections.Counter()
        self_checked = set()
        for name, (m, v, _) in sorted(started.items()):
            r = results.get(name)
            arn = execution_arn(m, name)
            if not isinstance(r, tuple):
                self.fail("%s: cannot read it: %s" % (name, err_text(r) if r else "no result"))
                continue
            d, events = r
            ref = self.references[(m, v)]
            bad = []
            if d["status"] != "SUCCEEDED":
                bad.append("status %s" % d["status"])
            elif json.loads(d.get("output", "null")) != ref["output"]:
                bad.append("output %s, expected %s" % (d.get("output"), json.dumps(ref["output"])))
            bad += history_problems(m, worker_name_lost(events) if arn in self.held_arns else events,
                                    ref["events"])
            if not bad and m not in self_checked:
                # The comparison must be able to fail.
                self_checked.add(m)
                for h in tampered(events):
                    if not history_problems(m, h, ref["events"]):
                        self.fail("self-check: a tampered history of %s passed the comparison" % m)
            if bad:
                problems[m] += 1
                if problems[m] <= 5:
                    self.fail("%s (%s variant %d): %s" % (arn, m, v, "; ".join(bad)))
            else:
                ok += 1
            # Was it running on the dead node when it was killed?
            if shard_of(arn) in victim_shards and events:
                t0 = events[0]["timestamp"].timestamp()
                t1 = events[-1]["timestamp"].timestamp()
                if t0 < kill_wall < t1:
                    in_flight_victim += 1
                    after = [e["timestamp"].timestamp() for e in events
                             if e["timestamp"].timestamp() > kill_wall]
                    if after and (first_resume is None or min(after) < first_resume):
                        first_resume = min(after)
        for m, k in problems.items():
            if k > 5:
                self.fail("%s: %d executions wrong in all (first 5 shown)" % (m, k))
        return ok, len(started), listed_total, in_flight_victim, first_resume

    # -- the scenario

    def run(self):
        a = self.args
        self.start_redis()
        for nid in ("n1", "n2", "n3"):
            self.start_node(nid)
        self.create_resources()
        self.compute_references()

        # The last node to start gets its share within about a heartbeat.
        deadline = time.monotonic() + LEASE_TTL + 5
        while True:
            text, owners, _ = cluster_status(a.statecraft, self.redis_url)
            counts = [len(owners.get(nid, ())) for nid in ("n1", "n2", "n3")]
            if (min(counts) > 0 and max(counts) - min(counts) <= 1) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        print(text, end="", flush=True)
        if min(counts) == 0 or max(counts) - min(counts) > 1:
            self.fail("the shards are not spread over n1, n2, n3 (status above)")

        self.start_workers(a.workers)

        # StopExecution through a non-owner, on a quiet cluster.
        for i, node in enumerate(("n1", "n2", "n3")):
            self.stop_via_non_owner("stop check 1.%d" % i, "stop-before-%d" % i, node)

        total = a.executions
        w1 = self.plan(1, total * 55 // 100)
        w2 = self.plan(2, total * 20 // 100)
        w3 = self.plan(3, total - len(w1) - len(w2))

        log("wave 1: starting %d executions on n1, n2, n3" % len(w1))
        for t in self.run_wave(1, w1, ["n1", "n2", "n3"], duration=a.wave_seconds):
            t.join()
        log("wave 1 started (%d)" % len(self.started))

        # An execution of a shard n2 owns, to stop while that shard has no owner.
        victim = "n2"
        text, owners, _ = cluster_status(a.statecraft, self.redis_url)
        victim_shards = set(owners.get(victim, set()))
        if not victim_shards:
            self.fail("%s owns no shard before the kill" % victim)
            return
        i = 0
        while shard_of(execution_arn("long_wait", "stop-orphan-%d" % i)) not in victim_shards:
            i += 1
        orphan = self.start_long("stop-orphan-%d" % i, "n1")
        if not self.wait_until_waiting(orphan):
            self.fail("%s never entered its Wait" % orphan)

        # Wave 2 starts now and goes on while n2 dies.
        log("wave 2: starting %d executions on n1, n2, n3 around the kill" % len(w2))
        w2_threads = self.run_wave(2, w2, ["n1", "n2", "n3"], duration=a.wave_seconds * 0.6)
        time.sleep(max(0.0, a.wave_seconds * 0.2 - PAUSE))
        # Workers stop polling for a while, so tasks pile up in the shared
        # queues (among them tasks of the shards about to lose their owner).
        self.workers_paused.set()
        log("workers paused")
        # Tasks handed out by the victim just before it dies, answered on
        # the survivors after the takeover: the nodes share the cluster's
        # token secret (no --task-token-secret given).
        t0 = time.monotonic()
        held = self.hold_tasks(victim)
        self.held_arns = {token_execution(token) for token, _ in held}
        log("%d tasks handed out by %s held until after the kill" % (len(held), victim))
        if not held:
            self.fail("%s handed out no task to hold across the kill" % victim)
        time.sleep(max(0.0, PAUSE - (time.monotonic() - t0)))

        print("--- cluster status before the kill ---\n" + text, end="", flush=True)
        running_before = len(self.wait_all_finished_snapshot())
        t_kill = time.monotonic()
        kill_wall = time.time()
        pause = a.fault == "pause"
        if pause:
            # A process that stops answering (a long GC-like stall, a network
            # partition): its leases run out while it still thinks it has them.
            self.nodes[victim].proc.send_signal(signal.SIGSTOP)
        else:
            self.nodes[victim].proc.send_signal(signal.SIGKILL)
            self.nodes[victim].proc.wait()
            self.killed.add(victim)
        with self.live_lock:
            self.live.remove(victim)
        log("%s %s (it owned %d shards: %s); %d load executions were running" %
            (victim, "stopped with SIGSTOP" if pause else "killed with -9", len(victim_shards),
             sorted(victim_shards), running_before))

        # Its shard has no owner now: the stop goes to the durable inbox.
        via = "n1"
        try:
            self.c(via).stop_execution(executionArn=orphan, error="Test.Orphan",
                                                       cause="stopped through " + via)
            stop_sent = time.monotonic() - t_kill
        except Exception as e:  # noqa: BLE001
            self.fail("StopExecution of %s during the takeover: %s" % (orphan, err_text(e)))
            stop_sent = None

        took, text, moved = self.watch_takeover(victim, victim_shards, t_kill, timeout=LEASE_TTL + 20)
        if took is None:
            self.fail("the survivors did not take %s's shards within %.0fs:\n%s" %
                      (victim, LEASE_TTL + 20, text))
        else:
            log("takeover: %s's %d shards owned by %s %.2fs after the kill (lease TTL %.1fs)" %
                (victim, len(victim_shards), moved, took, LEASE_TTL))
            print("--- cluster status after the takeover ---\n" + text, end="", flush=True)
            if took >= LEASE_TTL + 5:
                self.fail("takeover took %.2fs, limit lease TTL + 5 = %.1fs" % (took, LEASE_TTL + 5))
        self.takeover = took
        time.sleep(0.5)
        self.workers_paused.clear()
        log("workers resumed")
        accepted = sum(1 for token, inp in held
                       if self.answer(token, encode_answer(inp), via=victim))
        log("%d of the %d tasks %s handed out before the kill answered on the survivors" %
            (accepted, len(held), victim))
        if pause:
            # It wakes up holding actors of shards it no longer owns: fencing
            # must keep their saves out, and it must then rejoin.
            time.sleep(1.0)
            self.nodes[victim].proc.send_signal(signal.SIGCONT)
            with self.live_lock:
                self.live.append(victim)
            log("SIGCONT %s, %.1fs after SIGSTOP" % (victim, time.monotonic() - t_kill))
        if stop_sent is not None and self.check_aborted(orphan, via, "Test.Orphan"):
            log("StopExecution via %s %.2fs after the kill (shard unowned) aborted %s once "
                "the shard was taken" % (via, stop_sent, orphan.split(":")[-1]))

        for t in w2_threads:
            t.join()
        log("wave 2 started (%d in all)" % len(self.started))

        # A fourth node joins.
        time.sleep(1.0)
        self.start_node("n4")
        self.add_workers("n4", a.workers)
        log("wave 3: starting %d executions on n1, n3, n4" % len(w3))
        w3_threads = self.run_wave(3, w3, ["n1", "n3", "n4"], duration=a.wave_seconds * 0.8)
        members = ["n1", "n2", "n3", "n4"] if pause else ["n1", "n3", "n4"]
        deadline = time.monotonic() + LEASE_TTL + 10
        joined = None
        while time.monotonic() < deadline:
            text, owners, states = cluster_status(a.statecraft, self.redis_url)
            counts = [len(owners.get(x, ())) for x in members]
            if owners.get("n4") and not owners.get("unowned") and min(counts) > 0 \
                    and max(counts) - min(counts) <= 1 and sum(counts) == SHARDS:
                joined = True
                break
            time.sleep(0.2)
        print("--- cluster status after n4 joined ---\n" + text, end="", flush=True)
        if joined is None:
            self.fail("n4 did not get its share of the shards (status above)")
        else:
            log("n4 owns %d shards; live nodes own %s" %
                (len(owners["n4"]), {x: len(owners.get(x, ())) for x in members}))
            if states.get(victim) != ("live" if pause else "dead"):
                self.fail("%s is not shown %s: %s" % (victim, "live" if pause else "dead", states))
        for t in w3_threads:
            t.join()
        log("wave 3 started (%d in all)" % len(self.started))

        # StopExecution through a non-owner with n4 in the cluster.
        self.stop_via_non_owner("stop check 3.0", "stop-after-0", "n4")
        self.stop_via_non_owner("stop check 3.1", "stop-after-1", "n1")

        # Everything must finish.
        names = set(self.started)
        running = self.wait_all_finished(names, timeout=a.finish_timeout)
        self.stop_workers.set()
        if running:
            self.fail("%d executions still RUNNING %ds after the last start, e.g. %s" %
                      (len(running), a.finish_timeout, sorted(running)[:10]))
            self.describe_stuck(sorted(running)[:5])
        log("all load executions finished; verifying %d" % len(names))

        ok, started, listed, in_flight, first_resume = self.verify(kill_wall, victim_shards)
        per_node = collections.Counter(node for (_, _, node) in self.started.values())
        log("started %d executions (accepted by %s); listed %d; %d SUCCEEDED with the reference "
            "output and history" % (started, dict(sorted(per_node.items())), listed, ok))
        with self.token_lock:
            dups = sum(1 for k in self.tokens.values() if k > 1)
            log("activity tasks: %d tokens handed out, %d to more than one worker; %s" %
                (len(self.tokens), dups, dict(self.task_stats)))
            elsewhere = self.task_stats["answers accepted by another node than the one that handed out"]
        if elsewhere == 0:
            self.fail("no task token was answered on another node than the one that handed it out")
        if in_flight < 10:
            self.fail("only %d executions of %s's shards were in flight at the kill" % (in_flight, victim))
        msg = "%d executions of %s's shards were in flight at the kill and were resumed" % (in_flight, victim)
        if first_resume is not None:
            msg += "; the first of their events after the kill came %.2fs after it" % (first_resume - kill_wall)
        log(msg)
        for nid in members:
            if not self.nodes[nid].alive():
                self.fail("%s died (status %s)" % (nid, self.nodes[nid].proc.returncode))
        self.summary = (started, ok, took)

        # Graceful stop: n3's shards move at once, not after a lease expiry.
        _, owners, _ = cluster_status(a.statecraft, self.redis_url)
        n3_shards = set(owners.get("n3", set()))
        t_term = time.monotonic()
        self.nodes["n3"].proc.send_signal(signal.SIGTERM)
        with self.live_lock:
            self.live.remove("n3")
        moved_after = None
        while time.monotonic() < t_term + LEASE_TTL + 10:
            _, owners, _ = cluster_status(a.statecraft, self.redis_url)
            held = {s: o for o, ss in owners.items() for s in ss}
            if all(held.get(s) in self.live_nodes() for s in n3_shards):
                moved_after = time.monotonic() - t_term
                break
            time.sleep(0.05)
        try:
            rc = self.nodes["n3"].proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rc = None
        if moved_after is None:
            self.fail("n3's shards did not move after SIGTERM")
        else:
            log("SIGTERM n3: its %d shards owned by %s %.3fs later (lease TTL %.1fs); exit status %s" %
                (len(n3_shards), "/".join(self.live_nodes()), moved_after, LEASE_TTL, rc))
            if moved_after >= LEASE_TTL:
                self.fail("after SIGTERM n3's shards moved only after %.2fs (>= lease TTL: no handover?)"
                          % moved_after)
        if rc != 0:
            self.fail("n3 exited with status %s after SIGTERM" % rc)

    def wait_all_finished_snapshot(self):
        c = self.c(self.any_live())
        running = set()
        for m in LOAD_MACHINES:
            for page in c.get_paginator("list_executions").paginate(
                    stateMachineArn=machine_arn(m), statusFilter="RUNNING"):
                running.update(e["name"] for e in page["executions"])
        return running

    def describe_stuck(self, names):
        c = self.c(self.any_live())
        for name in names:
            m = self.started[name][0]
            arn = execution_arn(m, name)
            try:
                ev = c.get_execution_history(executionArn=arn, reverseOrder=True, maxResults=4)["events"]
                log("  stuck %s (shard %d): last events %s" %
                    (arn, shard_of(arn), [(e["id"], e["type"]) for e in reversed(ev)]))
            except Exception as e:  # noqa: BLE001
                log("  stuck %s: %s" % (arn, err_text(e)))

    def shutdown(self):
        self.stop_workers.set()
        for nid, n in self.nodes.items():
            if n.alive():
                n.proc.send_signal(signal.SIGCONT)  # in case it is stopped
                n.proc.send_signal(signal.SIGTERM)
        for nid, n in self.nodes.items():
            if n.proc is None or nid in self.killed:
                continue
            try:
                rc = n.proc.wait(timeout=10)
                if rc != 0:
                    self.fail("%s exited with status %s after SIGTERM" % (nid, rc))
            except subprocess.TimeoutExpired:
                self.fail("%s did not exit within 10s of SIGTERM" % nid)
                n.proc.kill()
                n.proc.wait()
        if self.redis is not None:
            self.redis.stop()

    def print_logs(self):
        for nid, n in sorted(self.nodes.items()):
            print("--- %s log tail (%s) ---\n%s" % (nid, n.log_path, tail(n.log_path)))
        if self.redis is not None:
            print("--- redis log tail ---\n%s" % tail(self.redis.log_path(), 20))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statecraftd", required=True)
    ap.add_argument("--statecraft", required=True)
    ap.add_argument("--executions", type=int, default=1500, help="load executions in all (default 1500)")
    ap.add_argument("--workers", type=int, default=2, help="worker threads per node and activity")
    ap.add_argument("--think", type=float, default=0.3,
                    help="most seconds a worker holds a task before answering (default 0.3)")
    ap.add_argument("--wave-seconds", type=float, default=15.0,
                    help="how long wave 1 takes to start (waves 2 and 3 are shorter)")
    ap.add_argument("--finish-timeout", type=int, default=120,
                    help="seconds executions may take to finish after the last start")
    ap.add_argument("--fault", choices=("kill", "pause"), default="kill",
                    help="kill: kill -9 n2 (default); pause: SIGSTOP n2 until the others took its "
                         "shards, then SIGCONT (a stalled or partitioned node: fencing)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    for b in (args.statecraftd, args.statecraft):
        if not os.access(b, os.X_OK):
            print("failover.py: %s is not an executable file" % b, file=sys.stderr)
            return 2
    if shutil.which("redis-server") is None:
        print("failover.py: redis-server is not on the PATH", file=sys.stderr)
        return 2
    args.statecraftd = os.path.abspath(args.statecraftd)
    args.statecraft = os.path.abspath(args.statecraft)

    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(k, None)
    os.environ.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                       "AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true"})

    t = Test(args)
    os.environ["AWS_CONFIG_FILE"] = os.path.join(t.tmp, "aws-config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(t.tmp, "aws-credentials")
    crashed = None
    try:
        t.run()
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        crashed = e
        t.fail("the test itself stopped: %s" % err_text(e))
    finally:
        t.shutdown()
    if t.failures:
        t.print_logs()
        print("FAILED: %d problem(s):" % len(t.failures))
        for f in t.failures[:60]:
            print("  - " + f)
        print("(files kept in %s)" % t.tmp)
        return 1
    started, ok, took = t.summary
    print("PASSED: %d executions SUCCEEDED with their reference histories; takeover after %s: "
          "%.2fs (lease TTL %.1fs); %.0fs in all" %
          (ok, "SIGSTOP" if args.fault == "pause" else "kill -9", took, LEASE_TTL,
           time.monotonic() - START))
    if args.keep:
        print("(files kept in %s)" % t.tmp)
    else:
        shutil.rmtree(t.tmp, ignore_errors=True)
    return 0 if crashed is None else 1


if __name__ == "__main__":
    sys.exit(main())
