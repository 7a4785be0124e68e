"""Shared pieces of the durability tests (crash_recovery.py, redis_restart.py).

Processes: a redis-server on a free loopback port with an append-only file in
a temporary directory, and statecraftd nodes on that Redis. Clients: boto3
for the workers and for StartExecution, a raw AWS-JSON client (http.client)
for reading histories, so that every field the node sends is compared (boto3
would drop fields its model does not know).

Expected histories come from `statecraft run` (the same interpreter, run
in-process on a virtual clock with scripted activity answers); see
`Golden`. Activity outputs are a pure function of (activity, task input), so
the scripted answers equal what the workers send.
"""

import collections
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import boto3
import botocore.config
import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Redis, free_port, port_open, tail  # noqa: E402,F401

REGION = "us-east-1"
ACCOUNT = "123456789012"
# `statecraft run` uses this role ARN; the machines on the node use the same
# so ExecutionStarted details match.
ROLE_ARN = "arn:aws:iam::123456789012:role/statecraft"
WORKER_NAME = "golden-worker"
# The worker name `statecraft run` records in ActivityStarted.
CLI_WORKER_NAME = "statecraft-run"
SECRET = "durability-test-secret-0123456789"
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


def log(msg):
    print("[%7.2f] %s" % (time.monotonic() - _T0, msg), flush=True)


_T0 = time.monotonic()


def compact(value):
    """JSON text as the node and the CLI write it (no spaces, keys in order)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# ---------------------------------------------------------------------------
# Processes


class Node:
    """statecraftd on Redis. Every incarnation gets the same port and flags
    (above all the same --task-token-secret)."""

    def __init__(self, binary, workdir, redis_port, port=None, extra=()):
        self.binary = binary
        self.dir = workdir
        self.port = port or free_port()
        self.redis_port = redis_port
        self.extra = list(extra)
        self.proc = None
        self.incarnation = 0
        self.log_path = None

    def args(self):
        return [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--redis", "redis://127.0.0.1:%d" % self.redis_port,
                "--task-token-secret", SECRET, "--log-level", "warn"] + self.extra

    def start(self, timeout=30):
        self.incarnation += 1
        self.log_path = os.path.join(self.dir, "statecraftd-%d.log" % self.incarnation)
        logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.args(), stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir)
        logf.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("statecraftd exited with %s:\n%s" % (
                    self.proc.returncode, tail(self.log_path)))
            if port_open(self.port):
                return
            time.sleep(0.05)
        raise RuntimeError("statecraftd did not listen on %d within %ss" % (self.port, timeout))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        # The port must be free before the next incarnation binds it.
        deadline = time.monotonic() + 10
        while port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.02)

    def terminate(self, timeout=20):
        """SIGTERM; returns the exit status (None if it had to be killed)."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None


# ---------------------------------------------------------------------------
# Clients


def boto(port, read_timeout=15, connect_timeout=3):
    cfg = botocore.config.Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        inject_host_prefix=False, connect_timeout=connect_timeout,
        read_timeout=read_timeout, max_pool_connections=4)
    return boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:%d" % port,
                        region_name=REGION, aws_access_key_id="test",
                        aws_secret_access_key="test", config=cfg)


# Errors that mean "the node (or its store) could not answer": the call may
# or may not have taken effect.
TRANSPORT_ERRORS = (botocore.exceptions.EndpointConnectionError,
                    botocore.exceptions.ConnectionClosedError,
                    botocore.exceptions.ReadTimeoutError,
                    botocore.exceptions.ConnectTimeoutError,
                    ConnectionError, OSError)


def error_code(exc):
    """(code, http status) of a botocore ClientError."""
    r = getattr(exc, "response", {}) or {}
    return (r.get("Error", {}).get("Code", ""),
            r.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


class Raw:
    """AWS JSON 1.0 over http.client, one connection per thread. call()
    returns (status, parsed body); raises OSError/HTTPException on transport
    failures."""

    def __init__(self, port, timeout=30):
        self.port = port
        self.timeout = timeout
        self.local = threading.local()

    def _conn(self):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.local.conn = c
        return c

    def call(self, action, body):
        data = json.dumps(body).encode()
        for attempt in (1, 2):
            c = self._conn()
            try:
                c.request("POST", "/", body=data, headers={
                    "Content-Type": "application/x-amz-json-1.0",
                    "X-Amz-Target": "AWSStepFunctions." + action})
                r = c.getresponse()
                payload = r.read()
                return r.status, json.loads(payload or b"{}")
            except (http.client.HTTPException, OSError):
                c.close()
                self.local.conn = None
                if attempt == 2:
                    raise

    def history(self, arn):
        events, token = [], None
        while True:
            body = {"executionArn": arn, "maxResults": 1000}
            if token:
                body["nextToken"] = token
            st, r = self.call("GetExecutionHistory", body)
            if st != 200:
                raise RuntimeError("GetExecutionHistory %s: %s %s" % (arn, st, r))
            events += r.get("events", [])
            token = r.get("nextToken")
            if not token:
                return events

    def running(self, machine_arn):
        """ARNs of the machine's RUNNING executions."""
        out, token = [], None
        while True:
            body = {"stateMachineArn": machine_arn, "statusFilter": "RUNNING", "maxResults": 1000}
            if token:
                body["nextToken"] = token
            st, r = self.call("ListExecutions", body)
            if st != 200:
                raise RuntimeError("ListExecutions: %s %s" % (st, r))
            out += [e["executionArn"] for e in r.get("executions", [])]
            token = r.get("nextToken")
            if not token:
                return out


def machine_arn(name):
    return "arn:aws:states:%s:%s:stateMachine:%s" % (REGION, ACCOUNT, name)


def execution_arn(machine, name):
    return "arn:aws:states:%s:%s:execution:%s:%s" % (REGION, ACCOUNT, machine, name)


def activity_arn(name):
    return "arn:aws:states:%s:%s:activity:%s" % (REGION, ACCOUNT, name)


# ---------------------------------------------------------------------------
# The workflows. Every Wait is in whole seconds (no timestamps: the CLI's
# clock starts in 2023), nothing reads $$.Execution / $$.State.EnteredTime
# or States.UUID, and Map/Parallel orders are decided by Wait lengths only,
# so the history is a pure function of the definition and the input.

ACTIVITIES = ("dur-a", "dur-b", "dur-c")


def definitions():
    a, b, c = (activity_arn(n) for n in ACTIVITIES)
    return {
        # (a) Waits of different lengths, Pass states between.
        "wait_chain": {
            "StartAt": "Init",
            "States": {
                "Init": {"Type": "Pass", "Parameters": {"k.$": "$.k", "w.$": "$.w"}, "Next": "W1"},
                "W1": {"Type": "Wait", "Seconds": 15, "Next": "P1"},
                "P1": {"Type": "Pass", "Result": "after-15", "ResultPath": "$.p1", "Next": "W2"},
                "W2": {"Type": "Wait", "SecondsPath": "$.w", "Next": "P2"},
                "P2": {"Type": "Pass",
                       "Parameters": {"k.$": "$.k", "p1.$": "$.p1",
                                      "p2.$": "States.Format('after-{}', $.w)"},
                       "Next": "W3"},
                "W3": {"Type": "Wait", "Seconds": 3, "Next": "Done"},
                "Done": {"Type": "Pass", "Result": True, "ResultPath": "$.done", "End": True},
            },
        },
        # (b) Two activity tasks in sequence.
        "activity_seq": {
            "StartAt": "Prep",
            "States": {
                "Prep": {"Type": "Pass",
                         "Parameters": {"k.$": "$.k", "order.$": "States.Format('order-{}', $.k)"},
                         "Next": "First"},
                "First": {"Type": "Task", "Resource": a, "ResultPath": "$.first", "Next": "Second"},
                "Second": {"Type": "Task", "Resource": b,
                           "Parameters": {"order.$": "$.order", "prev.$": "$.first.n"},
                           "ResultPath": "$.second", "Next": "Done"},
                "Done": {"Type": "Pass", "End": True},
            },
        },
        # (c) Map, MaxConcurrency 2, each iteration a Wait then a Pass.
        "map_wait": {
            "StartAt": "Fan",
            "States": {
                "Fan": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
                        "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
                        "ItemProcessor": {
                            "StartAt": "Nap",
                            "States": {
                                "Nap": {"Type": "Wait", "Seconds": 10, "Next": "Sum"},
                                "Sum": {"Type": "Pass",
                                        "Parameters": {"i.$": "$.i",
                                                       "s.$": "States.MathAdd($.v, $.i)"},
                                        "End": True},
                            }},
                        "ResultPath": "$.results", "Next": "Done"},
                "Done": {"Type": "Pass", "End": True},
            },
        },
        # (d) Parallel: three branches whose Waits end in an order that is
        # NOT the order the branches (and their timers) were started in.
        "parallel_wait": {
            "StartAt": "Fork",
            "States": {
                "Fork": {"Type": "Parallel", "ResultPath": "$.branches", "Next": "After",
                         "Branches": [
                             {"StartAt": "Slow", "States": {
                                 "Slow": {"Type": "Wait", "Seconds": 30, "Next": "SlowDone"},
                                 "SlowDone": {"Type": "Pass", "Result": "slow", "End": True}}},
                             {"StartAt": "Fast", "States": {
                                 "Fast": {"Type": "Wait", "Seconds": 10, "Next": "FastDone"},
                                 "FastDone": {"Type": "Pass", "Result": "fast", "End": True}}},
                             {"StartAt": "Mid", "States": {
                                 "Mid": {"Type": "Wait", "Seconds": 20, "Next": "MidDone"},
                                 "MidDone": {"Type": "Pass", "Result": "mid", "End": True}}},
                         ]},
                "After": {"Type": "Wait", "Seconds": 5, "Next": "Done"},
                "Done": {"Type": "Pass", "End": True},
            },
        },
        # (f) As (d) with Waits short enough (6/2/4 s, 0.6/0.2/0.4 s of wall
        # time at --time-scale 10) to fall due, unscaled, while the node is
        # down: started in a burst just before the kill, they test that
        # overdue timers fire in due order after the restart.
        "parallel_short": {
            "StartAt": "Fork",
            "States": {
                "Fork": {"Type": "Parallel", "ResultPath": "$.branches", "Next": "Done",
                         "Branches": [
                             {"StartAt": "Slow", "States": {
                                 "Slow": {"Type": "Wait", "Seconds": 6, "Next": "SlowDone"},
                                 "SlowDone": {"Type": "Pass", "Result": "slow", "End": True}}},
                             {"StartAt": "Fast", "States": {
                                 "Fast": {"Type": "Wait", "Seconds": 2, "Next": "FastDone"},
                                 "FastDone": {"Type": "Pass", "Result": "fast", "End": True}}},
                             {"StartAt": "Mid", "States": {
                                 "Mid": {"Type": "Wait", "Seconds": 4, "Next": "MidDone"},
                                 "MidDone": {"Type": "Pass", "Result": "mid", "End": True}}},
                         ]},
                "Done": {"Type": "Pass", "End": True},
            },
        },
        # (g) JSONata with workflow variables: assigned before a Wait and a
        # task, read after them (Arguments, Wait Seconds, a Map's Items and
        # ItemSelector, an iteration's Output, the final Output). A crash
        # in between must not lose or change a variable.
        "jsonata_vars": {
            "QueryLanguage": "JSONata",
            "StartAt": "Init",
            "States": {
                "Init": {"Type": "Pass", "Next": "Nap",
                         "Assign": {"k": "{% $states.input.k %}",
                                    "tag": "{% 'order-' & $string($states.input.k) %}"}},
                "Nap": {"Type": "Wait", "Seconds": "{% 5 + $k %}", "Next": "Work"},
                "Work": {"Type": "Task", "Resource": a, "Next": "Fan",
                         "Arguments": {"tag": "{% $tag %}", "k": "{% $k %}"},
                         "Assign": {"n": "{% $states.result.n %}"}},
                "Fan": {"Type": "Map", "Items": "{% [1..($k % 3 + 2)] %}", "MaxConcurrency": 2,
                        "ItemSelector": {"v": "{% $states.context.Map.Item.Value %}",
                                         "tag": "{% $tag %}"},
                        "ItemProcessor": {"StartAt": "Sleep", "States": {
                            "Sleep": {"Type": "Wait", "Seconds": 4, "Next": "Out"},
                            "Out": {"Type": "Pass", "End": True,
                                    "Output": "{% $states.input.v * ($k + 1) %}"}}},
                        "Assign": {"total": "{% $sum($states.result) %}"}, "Next": "Done"},
                "Done": {"Type": "Pass", "End": True,
                         "Output": {"k": "{% $k %}", "tag": "{% $tag %}", "n": "{% $n %}",
                                    "total": "{% $total %}"}},
            },
        },
        # (e) Map with an activity task per item (MaxConcurrency 1: the
        # order of the answers then cannot change the history).
        "map_activity": {
            "StartAt": "Each",
            "States": {
                "Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
                         "ItemProcessor": {"StartAt": "Work", "States": {
                             "Work": {"Type": "Task", "Resource": c, "End": True}}},
                         "ResultPath": "$.out", "End": True},
            },
        },
    }


VARIANTS = 8  # distinct inputs per machine (each needs its own golden run)


def make_input(machine, k):
    if machine == "wait_chain":
        return compact({"k": k, "w": 5 + 5 * k})
    if machine == "map_wait":
        return compact({"k": k, "items": list(range(k, k + 3 + k % 3))})
    if machine == "map_activity":
        return compact({"k": k, "items": ["item-%d-%d" % (k, i) for i in range(2 + k % 3)]})
    return compact({"k": k})


def worker_output(activity, task_input):
    """What a worker answers for a task: a pure function of the activity and
    the task input, as compact JSON text."""
    return compact({"act": activity, "n": len(task_input), "in": json.loads(task_input)})


def token_target(token):
    """(execution ARN, task id) inside a task token, for diagnostics only
    (tokens are opaque to clients; see runtime/model/task_token.hpp)."""
    import base64
    try:
        payload = token.split(".", 1)[0]
        text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
        _, task, arn = text.split("|", 2)
        return arn, int(task)
    except (ValueError, UnicodeDecodeError):
        return None, None


def activity_name(arn):
    return arn.rsplit(":", 1)[-1]


# ---------------------------------------------------------------------------
# Expected histories


class Golden:
    """Expected outcome of (machine, input) from `statecraft run --json`.
    Tasks are answered from a script built one task at a time: run, read the
    next ActivityScheduled input, append worker_output() for it, run again,
    until the run ends."""

    def __init__(self, cli, workdir, defs):
        self.cli = cli
        self.dir = os.path.join(workdir, "golden")
        os.makedirs(self.dir, exist_ok=True)
        self.defs = defs
        self.cache = {}
        self.runs = 0

    def get(self, machine, input_text):
        key = (machine, input_text)
        if key not in self.cache:
            self.cache[key] = self._compute(machine, input_text)
        return self.cache[key]

    def _compute(self, machine, input_text):
        path = os.path.join(self.dir, machine + ".asl.json")
        if not os.path.exists(path):
            with open(path, "w") as f:
                json.dump(self.defs[machine], f)
        script = []
        script_path = os.path.join(self.dir, "tasks-%s-%d.json" % (machine, len(self.cache)))
        for _ in range(100):
            with open(script_path, "w") as f:
                f.write("[" + ",".join('{"output":%s}' % o for o in script) + "]")
            self.runs += 1
            p = subprocess.run([self.cli, "run", path, "--input", input_text, "--tasks",
                                script_path, "--json"], capture_output=True, text=True, timeout=60)
            if p.returncode not in (0, 1):
                raise RuntimeError("statecraft run %s failed (%d): %s" % (machine, p.returncode, p.stderr))
            r = json.loads(p.stdout)
            if r["status"] != "RUNNING":
                if r["status"] != "SUCCEEDED":
                    raise RuntimeError("golden run of %s %s ended %s: %s" % (
                        machine, input_text, r["status"], r.get("cause")))
                sched = [e for e in r["events"] if e["type"] == "ActivityScheduled"]
                if len(sched) != len(script):
                    raise RuntimeError("golden %s: %d tasks scheduled, %d answered" % (
                        machine, len(sched), len(script)))
                return r
            sched = [e for e in r["events"] if e["type"] == "ActivityScheduled"]
            if len(sched) != len(script) + 1:
                raise RuntimeError("golden %s stuck without a new task: %s" % (machine, r.get("problem")))
            d = sched[-1]["activityScheduledEventDetails"]
            script.append(worker_output(activity_name(d["resource"]), d["input"]))
        raise RuntimeError("golden %s: too many tasks" % machine)


def normalise(event):
    """An event without its timestamp, the worker name mapped to the CLI's."""
    e = dict(event)
    e.pop("timestamp", None)
    d = e.get("activityStartedEventDetails")
    if d is not None and d.get("workerName") == WORKER_NAME:
        e["activityStartedEventDetails"] = dict(d, workerName=CLI_WORKER_NAME)
    return e


def short(event, limit=300):
    s = compact(event)
    return s if len(s) <= limit else s[:limit] + "..."


def label(event):
    """'Type(state name)' of an event, for summaries."""
    for k, v in event.items():
        if k.endswith("EventDetails") and isinstance(v, dict) and "name" in v:
            return "%s(%s)" % (event.get("type"), v["name"])
    return str(event.get("type"))


def problem_kind(problem):
    """A problem's first line without execution-specific numbers or lists."""
    line = problem.split(" at event #")[0].split("\n")[0]
    line = line.split(" (got types")[0].split("; ")[0]
    return re.sub(r"\d+", "N", line)[:120]


def check_history(events, expected):
    """Problems (strings) with `events` (GetExecutionHistory, oldest first)
    against the golden run's events."""
    problems = []
    ids = [e.get("id") for e in events]
    if ids != list(range(1, len(events) + 1)):
        problems.append("event ids are not 1..%d: %s" % (len(events), ids[:60]))
    seen = set()
    for e in events:
        p = e.get("previousEventId")
        if not isinstance(p, int) or p < 0 or p >= e.get("id", 0) or (p and p not in seen):
            problems.append("event %s has invalid previousEventId %r" % (e.get("id"), p))
        seen.add(e.get("id"))
    for i, (got, want) in enumerate(zip(events, expected)):
        if normalise(got) != normalise(want):
            problems.append("history differs (got %s where %s was expected) at event #%d:"
                            "\n      got      %s\n      expected %s" % (
                                label(got), label(want), i + 1, short(normalise(got)),
                                short(normalise(want))))
            break
    if len(events) != len(expected):
        problems.append("%d events, expected %d (got types %s)" % (
            len(events), len(expected), [e["type"] for e in events[len(expected):][:8]]
            if len(events) > len(expected) else [e["type"] for e in events[-4:]]))
    return problems


# ---------------------------------------------------------------------------
# Workers


class TaskRecord:
    __slots__ = ("activity", "token", "input", "fetched_at", "fetched_inc", "answered_at",
                 "answered_inc", "result", "attempts", "held")

    def __init__(self, activity, token, task_input, inc, held=False):
        self.activity = activity
        self.token = token
        self.input = task_input
        self.fetched_at = time.time()
        self.fetched_inc = inc
        self.answered_at = None
        self.answered_inc = None
        self.result = None   # "ok", "ok-retried" (an earlier attempt may have landed), or an error
        self.attempts = 0
        self.held = held


class Workers:
    """Threads polling the activities with boto3 (workerName golden-worker)
    and answering each task with worker_output().

    Knobs: `work_time` (seconds between taking a task and answering it),
    `interval` (seconds each thread sleeps after a task; 0 = full speed), `polling` (an Event; cleared = threads do not start new polls),
    `hold` (the holder thread keeps this many tokens per activity without
    answering them until release_held())."""

    def __init__(self, port, node, threads_per_activity=2, interval=0.0, hold=0, work_time=0.0):
        self.port = port
        self.node = node  # for the incarnation number
        self.interval = interval
        self.work_time = work_time
        self.hold_quota = hold
        self.polling = threading.Event()
        self.polling.set()
        self.stopping = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.records = []
        self.held = []
        self.errors = collections.Counter()
        self.in_flight_polls = 0
        self.threads = []
        for act in ACTIVITIES:
            for i in range(threads_per_activity):
                self.threads.append(threading.Thread(target=self._run, args=(act,), daemon=True,
                                                     name="worker-%s-%d" % (act, i)))
        if hold:
            self.threads.append(threading.Thread(target=self._hold, daemon=True, name="holder"))

    def start(self):
        for t in self.threads:
            t.start()

    def stop(self):
        self.stopping.set()
        self.release.set()
        self.polling.set()
        for t in self.threads:
            t.join(30)

    def _poll(self, client, act):
        with self.lock:
            self.in_flight_polls += 1
        try:
            r = client.get_activity_task(activityArn=activity_arn(act), workerName=WORKER_NAME)
        except TRANSPORT_ERRORS as e:
            self.errors["poll:" + type(e).__name__] += 1
            time.sleep(0.1)
            return None
        except botocore.exceptions.ClientError as e:
            self.errors["poll:%s" % (error_code(e),)] += 1
            time.sleep(0.1)
            return None
        finally:
            with self.lock:
                self.in_flight_polls -= 1
        token = r.get("taskToken")
        if not token:
            return None
        return TaskRecord(act, token, r.get("input", ""), self.node.incarnation)

    def answer(self, client, rec):
        """SendTaskSuccess until it is answered. A transport error or a 5xx
        is ambiguous (the answer may have been recorded), so a later
        TaskDoesNotExist is accepted as "ok-retried"."""
        out = worker_output(rec.activity, rec.input)
        ambiguous = False
        while True:
            rec.attempts += 1
            try:
                client.send_task_success(taskToken=rec.token, output=out)
                rec.result = "ok-retried" if ambiguous else "ok"
                break
            except TRANSPORT_ERRORS as e:
                self.errors["answer:" + type(e).__name__] += 1
                ambiguous = True
            except botocore.exceptions.ClientError as e:
                code, status = error_code(e)
                if status >= 500:
                    self.errors["answer:%s/%s" % (code, status)] += 1
                    ambiguous = True
                elif code == "TaskDoesNotExist" and ambiguous:
                    rec.result = "ok-retried"
                    break
                else:
                    rec.result = "%s (HTTP %s)" % (code, status)
                    break
            if self.stopping.is_set() and rec.attempts > 50:
                rec.result = "gave up"
                break
            time.sleep(0.1)
        rec.answered_at = time.time()
        rec.answered_inc = self.node.incarnation

    def _run(self, act):
        client = boto(self.port, read_timeout=10)
        while not self.stopping.is_set():
            if not self.polling.is_set():
                self.polling.wait(0.1)
                continue
            rec = self._poll(client, act)
            if rec is None:
                continue
            with self.lock:
                self.records.append(rec)
            if self.work_time:
                time.sleep(self.work_time)
            self.answer(client, rec)
            if self.interval:
                time.sleep(self.interval)

    def _hold(self):
        client = boto(self.port, read_timeout=10)
        want = {a: self.hold_quota for a in ACTIVITIES}
        while not self.stopping.is_set() and any(want.values()):
            if not self.polling.is_set():
                self.polling.wait(0.1)
                continue
            for act in ACTIVITIES:
                if want[act] and self.polling.is_set():
                    rec = self._poll(client, act)
                    if rec is not None:
                        rec.held = True
                        want[act] -= 1
                        with self.lock:
                            self.records.append(rec)
                            self.held.append(rec)
        self.release.wait()
        for rec in list(self.held):
            self.answer(client, rec)

    def held_count(self):
        with self.lock:
            return len(self.held)

    def wait_polls_idle(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.in_flight_polls == 0:
                    return True
            time.sleep(0.02)
        return False


# ---------------------------------------------------------------------------
# Starting executions and checking them


class Starter:
    """Starts planned executions (machine, k, name) from a few threads with
    boto3. A start that fails with a transport error or a 5xx is retried
    with the same name and input (StartExecution is idempotent for a
    RUNNING execution with the same input); ExecutionAlreadyExists after
    such a retry means the first attempt did start it and it has finished."""

    def __init__(self, port, plan, threads=2, read_timeout=15, rate=0):
        self.port = port
        self.plan = plan
        self.rate = rate      # starts per second in all (0 = as fast as possible)
        self.t0 = None
        self.next = 0
        self.lock = threading.Lock()
        self.acked = {}       # name -> (time of the 200, retried?)
        self.failed = {}      # name -> error
        self.errors = collections.Counter()
        self.paused = threading.Event()
        self.abort = threading.Event()  # set: give up (e.g. the node died)
        self.read_timeout = read_timeout
        self.threads = [threading.Thread(target=self._run, daemon=True, name="starter-%d" % i)
                        for i in range(threads)]

    def start(self):
        self.t0 = time.monotonic()
        for t in self.threads:
            t.start()

    def done_count(self):
        with self.lock:
            return len(self.acked) + len(self.failed)

    def finished(self):
        return all(not t.is_alive() for t in self.threads)

    def join(self, timeout=None, node=None):
        """Waits for the threads; with `node`, gives up when it dies."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for t in self.threads:
            while t.is_alive():
                if node is not None and not node.alive():
                    self.abort.set()
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return
                t.join(0.2 if left is None else min(0.2, left))

    def _run(self):
        client = boto(self.port, read_timeout=self.read_timeout)
        while True:
            with self.lock:
                if self.next >= len(self.plan):
                    return
                machine, k, name = self.plan[self.next]
                self.next += 1
                at = self.t0 + self.next / self.rate if self.rate else 0
            if at:
                time.sleep(max(0.0, at - time.monotonic()))
            retried = False
            while not self.abort.is_set():
                while self.paused.is_set():
                    time.sleep(0.05)
                try:
                    client.start_execution(stateMachineArn=machine_arn(machine), name=name,
                                           input=make_input(machine, k))
                    with self.lock:
                        self.acked[name] = (time.time(), retried)
                    break
                except TRANSPORT_ERRORS as e:
                    self.errors[type(e).__name__] += 1
                except botocore.exceptions.ClientError as e:
                    code, status = error_code(e)
                    if status >= 500:
                        self.errors["%s/%s" % (code, status)] += 1
                    elif code == "ExecutionAlreadyExists" and retried:
                        with self.lock:
                            self.acked[name] = (time.time(), True)
                        break
                    else:
                        with self.lock:
                            self.failed[name] = "%s (HTTP %s)" % (code, status)
                        break
                retried = True
                time.sleep(0.1)


def create_resources(client, defs):
    for act in ACTIVITIES:
        client.create_activity(name=act)
    for name, d in defs.items():
        client.create_state_machine(name=name, definition=json.dumps(d), roleArn=ROLE_ARN)


def wait_all_finished(raw, machines, deadline, node=None, poll=0.5, stall=45, only=None):
    """Waits until no execution of `machines` is RUNNING; returns the ARNs
    still running at the deadline, or once the set of running executions
    has not changed for `stall` seconds, or when `node` died ([] when all
    finished). With `only` (a set of ARNs), other executions are ignored."""
    running, last, since = [], None, time.monotonic()
    while True:
        try:
            running = [a for m in machines for a in raw.running(machine_arn(m))
                       if only is None or a in only]
        except (OSError, http.client.HTTPException, RuntimeError) as e:
            running = ["(ListExecutions failed: %s)" % e]
        if not running or time.monotonic() >= deadline:
            return running
        if node is not None and not node.alive():
            return running
        if running != last:
            last, since = running, time.monotonic()
        elif time.monotonic() - since > stall:
            log("no execution finished for %d s; %d still RUNNING" % (stall, len(running)))
            return running
        time.sleep(poll)


def verify_executions(raw, golden, items, threads=4):
    """items: (machine, k, name). Returns (problems by execution name,
    histories by name). Each execution must have SUCCEEDED with the golden
    output and exactly the golden history."""
    problems = {}
    histories = {}
    lock = threading.Lock()
    queue = list(items)

    def one(machine, k, name):
        arn = execution_arn(machine, name)
        want = golden.get(machine, make_input(machine, k))
        st, d = raw.call("DescribeExecution", {"executionArn": arn})
        if st != 200:
            return ["DescribeExecution answered %s %s" % (st, d)], []
        out = []
        events = raw.history(arn)
        if d.get("status") != "SUCCEEDED":
            out.append("status %s, last event %s (expected SUCCEEDED); %d events, last: %s" % (
                d.get("status"), events[-1]["type"] if events else None, len(events),
                [e["type"] for e in events[-3:]]))
        elif d.get("output") is None or json.loads(d["output"]) != want["output"]:
            out.append("output %s, expected %s" % (d.get("output"), compact(want["output"])))
        out += check_history(events, want["events"])
        return out, events

    def run():
        while True:
            with lock:
                if not queue:
                    return
                item = queue.pop()
            try:
                p, ev = one(*item)
            except Exception as e:  # report, do not hide
                p, ev = ["could not be checked: %r" % e], []
            with lock:
                histories[item[2]] = ev
                if p:
                    problems[item[2]] = p

    ts = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return problems, histories


def print_problems(title, problems, limit=15):
    log("%s: %d execution(s)" % (title, len(problems)))
    for i, (name, ps) in enumerate(sorted(problems.items())):
        if i >= limit:
            log("  ... and %d more" % (len(problems) - limit))
            break
        for p in ps:
            log("  %s: %s" % (name, p))


def make_tempdir(prefix):
    return tempfile.mkdtemp(prefix=prefix)


def cannot_run(*binaries):
    """Why the test cannot run here (a binary missing, no redis-server on
    the PATH), or None."""
    for b in binaries:
        if not os.access(b, os.X_OK):
            return "%s is not executable" % b
    if not shutil.which("redis-server"):
        return "redis-server not found"
    return None


def conclude(failures, tmp, keep):
    """Prints the verdict; removes the work directory after a pass unless
    `keep`. Returns the exit status (0 passed, 1 failed)."""
    if failures:
        log("FAILED (logs in %s):" % tmp)
        for f in failures:
            log("  - " + f)
        return 1
    log("PASSED")
    if not keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0
