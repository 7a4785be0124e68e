#!/usr/bin/env python3
"""Operator signals of a real node (docs/observability.md):

    python3 tests/observability/observability.py \\
        --statecraftd build/tools/statecraftd/statecraftd [--executions 150] [-k NAME]

metrics   A node on the memory store with --log-format json, a webhook and
          an execution log file. GET /metrics is scraped with http.client
          before and after running Standard executions (Pass chain, a Fail,
          an activity task answered by a worker, a parked poll) and Express
          ones; every scrape must pass a strict parser of the Prometheus text
          format 0.0.4, and the counters must move by exactly what was run.
          The webhook receiver (python http.server) gets RUNNING and the end
          status of every Standard execution in EventBridge's shape; the
          Express execution log has CloudWatch Logs' record shape, per level
          (ALL with data, ERROR); every stderr line of the node is JSON.
traffic   A node under statecraft-traffic (pass-chain, then express-sync, 2 s
          each; skipped when the generator is not built next to the node):
          executions started/finished, StartExecution requests and state
          transitions in /metrics equal the generator's report exactly.
durable   Redis (appendonly) and a node on it whose webhook answers 503 at
          first: the events pile up in the shards' outboxes. Executions
          start (some finish at once, some wait 2 s); kill -9 of the node;
          the webhook recovers; the node restarts. The receiver must get
          RUNNING and SUCCEEDED of every execution (none missing; duplicates
          allowed: at-least-once, same id), and `redis-cli XRANGE` of the
          stream sc:{g}:status-events must hold them too.
cluster   Two nodes on one Redis, the webhook failing; kill -9 of the node
          that started the executions: the other takes its shards over and
          delivers every event left in their outboxes.
Exit status 0 when every check passed, 1 otherwise.
"""

import argparse
import http.client
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "durability"))
import common  # noqa: E402
from common import log  # noqa: E402

ROLE = common.ROLE_ARN
FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        log("FAIL: " + what)
    return cond


# ---------------------------------------------------------------------------
# A strict parser of the Prometheus text exposition format 0.0.4.

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
VALUE = r"(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+)|[+-]?Inf|NaN)"


def parse_labels(text, where):
    labels, i = {}, 0
    while i < len(text):
        m = re.match(LABEL + "=\"", text[i:])
        if not m:
            raise ValueError("%s: bad label at %r" % (where, text[i:]))
        key = m.group(0)[:-2]
        i += len(m.group(0))
        val = ""
        while True:
            if i >= len(text):
                raise ValueError("%s: unterminated label value" % where)
            c = text[i]
            if c == "\\":
                nxt = text[i + 1:i + 2]
                if nxt not in ("\\", "\"", "n"):
                    raise ValueError("%s: bad escape \\%s" % (where, nxt))
                val += {"\\": "\\", "\"": "\"", "n": "\n"}[nxt]
                i += 2
            elif c == "\"":
                i += 1
                break
            elif c == "\n":
                raise ValueError("%s: newline in label value" % where)
            else:
                val += c
                i += 1
        if key in labels:
            raise ValueError("%s: label %s twice" % (where, key))
        labels[key] = val
        if i < len(text):
            if text[i] != ",":
                raise ValueError("%s: expected ',' at %r" % (where, text[i:]))
            i += 1
    return labels


def parse_prometheus(text):
    """{(name, frozenset(labels.items())): value}; raises ValueError."""
    if not text.endswith("\n"):
        raise ValueError("the exposition must end with a newline")
    types, helps, samples, family_done = {}, {}, {}, set()
    current = None
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d" % n
        if line == "":
            raise ValueError("%s: empty line" % where)
        if line.startswith("#"):
            m = re.fullmatch(r"# (HELP|TYPE) (" + NAME + r") (.*)", line)
            if not m:
                if line.startswith("# HELP") or line.startswith("# TYPE"):
                    raise ValueError("%s: malformed %r" % (where, line))
                continue
            kind, name, rest = m.groups()
            if kind == "TYPE":
                if rest not in ("counter", "gauge", "histogram", "summary", "untyped"):
                    raise ValueError("%s: bad type %s" % (where, rest))
                if name in types:
                    raise ValueError("%s: TYPE of %s twice" % (where, name))
                if name in family_done or any(k[0].startswith(name) and k[0] in
                                              (name, name + "_bucket", name + "_sum",
                                               name + "_count") for k in samples):
                    raise ValueError("%s: TYPE of %s after its samples" % (where, name))
                types[name] = rest
            else:
                if name in helps:
                    raise ValueError("%s: HELP of %s twice" % (where, name))
                helps[name] = rest
            if current and current != name:
                family_done.add(current)
            current = name
            continue
        m = re.fullmatch("(" + NAME + r")(?:\{(.*)\})? (" + VALUE + r")(?: (-?[0-9]+))?", line)
        if not m:
            raise ValueError("%s: malformed sample %r" % (where, line))
        name, lbl, value = m.group(1), m.group(2), m.group(3)
        labels = parse_labels(lbl or "", where)
        family = name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and types.get(name[:-len(suffix)]) == "histogram":
                family = name[:-len(suffix)]
        if family not in types:
            raise ValueError("%s: sample of %s without a TYPE line before it" % (where, name))
        if family in family_done:
            raise ValueError("%s: samples of %s are not together" % (where, family))
        if types[family] == "histogram" and name == family:
            raise ValueError("%s: a histogram sample needs a suffix" % where)
        if name.endswith("_bucket") and types[family] == "histogram" and "le" not in labels:
            raise ValueError("%s: bucket without le" % where)
        key = (name, frozenset(labels.items()))
        if key in samples:
            raise ValueError("%s: series %s%s twice" % (where, name, labels))
        v = float(value)
        if types[family] == "counter" and not v >= 0:
            raise ValueError("%s: negative counter" % where)
        samples[key] = v
    # Histograms: ascending le, cumulative, +Inf == _count, _sum present.
    for fam, t in types.items():
        if t != "histogram":
            continue
        series = {}
        for (name, labels), v in samples.items():
            if name == fam + "_bucket":
                rest = frozenset((k, x) for k, x in labels if k != "le")
                le = dict(labels)["le"]
                series.setdefault(rest, []).append((float(le), v))
        for rest, buckets in series.items():
            buckets.sort()
            if buckets[-1][0] != float("inf"):
                raise ValueError("%s%s: no +Inf bucket" % (fam, dict(rest)))
            for a, b in zip(buckets, buckets[1:]):
                if b[1] < a[1]:
                    raise ValueError("%s%s: buckets not cumulative" % (fam, dict(rest)))
            count = samples.get((fam + "_count", rest))
            if count != buckets[-1][1]:
                raise ValueError("%s%s: _count %s != +Inf bucket %s" % (
                    fam, dict(rest), count, buckets[-1][1]))
            if (fam + "_sum", rest) not in samples:
                raise ValueError("%s%s: no _sum" % (fam, dict(rest)))
    return samples


def scrape(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/metrics")
    r = c.getresponse()
    body = r.read().decode()
    ctype = r.getheader("Content-Type", "")
    c.close()
    if r.status != 200:
        raise RuntimeError("GET /metrics: %s %s" % (r.status, body[:200]))
    if not ctype.startswith("text/plain") or "version=0.0.4" not in ctype:
        raise RuntimeError("GET /metrics: Content-Type %r" % ctype)
    return parse_prometheus(body)


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


# ---------------------------------------------------------------------------
# A webhook receiver.


class Receiver:
    def __init__(self):
        self.events = []
        self.failing = False
        self.lock = threading.Lock()
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                if outer.failing:
                    self.send_response(503)
                    self.end_headers()
                    return
                try:
                    ev = json.loads(body)
                except ValueError:
                    ev = {"unparsable": body.decode("utf-8", "replace")}
                with outer.lock:
                    outer.events.append(ev)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 256  # the node sends up to 64 at once
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%d/hook" % self.port

    def statuses(self):
        with self.lock:
            got = {}
            for e in self.events:
                d = e.get("detail", {})
                got.setdefault(d.get("executionArn"), set()).add(d.get("status"))
            return got

    def stop(self):
        self.server.shutdown()


def wait_until(fn, timeout, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return True
        time.sleep(step)
    return fn()


def wait_done(sfn, arns, timeout=60):
    left = set(arns)
    deadline = time.monotonic() + timeout
    out = {}
    while left and time.monotonic() < deadline:
        for a in list(left):
            try:
                d = sfn.describe_execution(executionArn=a)
            except common.TRANSPORT_ERRORS:
                continue
            if d["status"] != "RUNNING":
                out[a] = d["status"]
                left.discard(a)
        if left:
            time.sleep(0.2)
    return out, left


PASS_CHAIN = {"StartAt": "A", "States": {
    "A": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.a", "Next": "B"},
    "B": {"Type": "Pass", "Next": "C"},
    "C": {"Type": "Pass", "End": True}}}
FAILING = {"StartAt": "P", "States": {
    "P": {"Type": "Pass", "Next": "F"},
    "F": {"Type": "Fail", "Error": "Boom", "Cause": "on purpose"}}}


def check_event_shape(ev, status):
    d = ev.get("detail", {})
    ok = (ev.get("source") == "aws.states" and
          ev.get("detail-type") == "Step Functions Execution Status Change" and
          ev.get("version") == "0" and re.fullmatch(r"[0-9a-f-]{36}", ev.get("id", "")) and
          ev.get("account") == common.ACCOUNT and ev.get("region") == common.REGION and
          ev.get("resources") == [d.get("executionArn")] and
          re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ev.get("time", "")) and
          isinstance(d.get("startDate"), int) and d.get("inputDetails") == {"included": True} and
          "redriveCount" in d)
    if status == "RUNNING":
        ok = ok and d.get("stopDate") is None and d.get("output") is None
    elif status == "SUCCEEDED":
        ok = ok and isinstance(d.get("stopDate"), int) and isinstance(d.get("output"), str) \
            and d.get("outputDetails") == {"included": True} and d.get("error") is None
    elif status == "FAILED":
        ok = ok and d.get("error") == "Boom" and d.get("cause") == "on purpose" \
            and d.get("output") is None
    return check(ok, "event shape for %s: %s" % (status, json.dumps(ev)[:400]))


# ---------------------------------------------------------------------------


def test_metrics(args, work):
    recv = Receiver()
    port = common.free_port()
    xlog = os.path.join(work, "express.log")
    errlog = os.path.join(work, "node-stderr.log")
    errf = open(errlog, "wb")
    proc = subprocess.Popen(
        [args.statecraftd, "--port", str(port), "--log-format", "json",
         "--activity-poll-timeout", "3", "--event-webhook", recv.url, "--execution-log", xlog],
        stdout=subprocess.DEVNULL, stderr=errf, stdin=subprocess.DEVNULL)
    errf.close()
    try:
        deadline = time.monotonic() + 20
        while not common.port_open(port) and time.monotonic() < deadline:
            time.sleep(0.05)
        sfn = common.boto(port)
        before = scrape(port)
        sm = sfn.create_state_machine(name="obs-pass", definition=json.dumps(PASS_CHAIN),
                                      roleArn=ROLE)["stateMachineArn"]
        fm = sfn.create_state_machine(name="obs-fail", definition=json.dumps(FAILING),
                                      roleArn=ROLE)["stateMachineArn"]
        act = sfn.create_activity(name="obs-act")["activityArn"]
        am = sfn.create_state_machine(name="obs-act-sm", roleArn=ROLE, definition=json.dumps({
            "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": act, "End": True}}}))[
            "stateMachineArn"]
        xall = sfn.create_state_machine(
            name="obs-express-all", type="EXPRESS", roleArn=ROLE,
            definition=json.dumps(PASS_CHAIN),
            loggingConfiguration={"level": "ALL", "includeExecutionData": True, "destinations": [
                {"cloudWatchLogsLogGroup": {"logGroupArn":
                 "arn:aws:logs:us-east-1:123456789012:log-group:x:*"}}]})["stateMachineArn"]
        xerr = sfn.create_state_machine(
            name="obs-express-err", type="EXPRESS", roleArn=ROLE,
            definition=json.dumps(FAILING),
            loggingConfiguration={"level": "ERROR", "includeExecutionData": False, "destinations": [
                {"cloudWatchLogsLogGroup": {"logGroupArn":
                 "arn:aws:logs:us-east-1:123456789012:log-group:x:*"}}]})["stateMachineArn"]

        mm = sfn.create_state_machine(name="obs-map", roleArn=ROLE, definition=json.dumps({
            "StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}}))[
            "stateMachineArn"]
        arns = [sfn.start_execution(stateMachineArn=sm, input='{"n":%d}' % i)["executionArn"]
                for i in range(5)]
        arns.append(sfn.start_execution(stateMachineArn=mm, input="[1,2,3]")["executionArn"])
        arns.append(sfn.start_execution(stateMachineArn=fm)["executionArn"])
        # A parked poll shows in the gauge, then takes the activity task.
        got = {}
        poller = threading.Thread(target=lambda: got.update(sfn.get_activity_task(
            activityArn=act, workerName="w1")))
        poller.start()
        parked = wait_until(lambda: value(scrape(port), "statecraft_activity_polls_parked") >= 1, 5)
        check(parked, "statecraft_activity_polls_parked >= 1 while a poll waits")
        act_arn = sfn.start_execution(stateMachineArn=am, input='{"t":1}')["executionArn"]
        poller.join(10)
        check(got.get("taskToken"), "the parked poll got the task")
        sfn.send_task_success(taskToken=got["taskToken"], output='{"ok":true}')
        arns.append(act_arn)
        sfn.start_sync_execution(stateMachineArn=xall, input='{"express":1}')
        sfn.start_sync_execution(stateMachineArn=xerr, input='{}')
        done, left = wait_done(sfn, arns)
        check(not left, "every Standard execution ended")
        check(wait_until(lambda: value(scrape(port), "statecraft_activity_polls_parked") == 0, 5),
              "the parked poll gauge is back to 0")
        after = scrape(port)

        def delta(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        def delta2(name, **labels):
            return value(scrape(port), name, **labels) - value(before, name, **labels)

        std = {"type": "STANDARD"}
        check(delta("statecraft_executions_started_total", state_machine="obs-pass", **std) == 5,
              "5 obs-pass started")
        check(delta("statecraft_executions_finished_total", state_machine="obs-pass",
                    status="SUCCEEDED", **std) == 5, "5 obs-pass SUCCEEDED")
        check(delta("statecraft_executions_finished_total", state_machine="obs-fail",
                    status="FAILED", **std) == 1, "1 obs-fail FAILED")
        check(delta("statecraft_executions_finished_total", state_machine="obs-act-sm",
                    status="SUCCEEDED", **std) == 1, "1 obs-act-sm SUCCEEDED")
        check(delta("statecraft_state_transitions_total", state_machine="obs-pass", **std) == 15,
              "15 states entered by obs-pass (5 x 3)")
        ex = {"type": "EXPRESS"}
        check(delta("statecraft_executions_started_total", state_machine="obs-express-all", **ex)
              == 1, "1 Express started")
        check(delta("statecraft_executions_finished_total", state_machine="obs-express-err",
                    status="FAILED", **ex) == 1, "1 Express FAILED")
        for n in ("scheduled", "started", "succeeded"):
            check(delta("statecraft_tasks_%s_total" % n, kind="activity") == 1,
                  "1 activity task %s" % n)
        check(delta("statecraft_api_requests_total", operation="StartExecution") == 8,
              "8 StartExecution requests counted")
        check(delta("statecraft_api_request_duration_seconds_count", operation="StartExecution")
              == 8, "8 StartExecution latencies observed")
        check(delta("statecraft_api_requests_total", operation="SendTaskSuccess") == 1,
              "1 SendTaskSuccess counted")
        check(delta("statecraft_store_save_duration_seconds_count") >= 1, "saves observed")
        check(value(after, "statecraft_cluster_members") == 1, "1 cluster member (no cluster)")
        # An error is counted by operation.
        try:
            sfn.describe_execution(executionArn=sm.replace(":stateMachine:", ":execution:") + ":nope")
        except Exception:
            pass
        err = scrape(port)
        check(value(err, "statecraft_api_errors_total", operation="DescribeExecution",
                    kind="client") - value(after, "statecraft_api_errors_total",
                                           operation="DescribeExecution", kind="client") == 1,
              "a DescribeExecution error counted")

        # Webhook: RUNNING + end status of each Standard execution.
        want = {a: {"RUNNING", done.get(a)} for a in arns}
        check(wait_until(lambda: all(recv.statuses().get(a, set()) >= s for a, s in want.items()),
                         10), "the webhook got every status change: %s" % {
            a: sorted(recv.statuses().get(a, set())) for a in arns})
        children = lambda: {a: st for a, st in recv.statuses().items()
                            if a and ":execution:obs-map/" in a}
        check(wait_until(lambda: len(children()) == 3 and all(
            st >= {"RUNNING", "SUCCEEDED"} for st in children().values()), 10),
            "the webhook got RUNNING and SUCCEEDED of the 3 Map Run children: %s" % children())
        with recv.lock:
            events = list(recv.events)
        for ev in events:
            st = ev.get("detail", {}).get("status")
            if ev["detail"]["executionArn"] in arns:
                check_event_shape(ev, st)
        check(not any(":express:" in json.dumps(e) for e in events), "no event for Express")

        # A redrive: RUNNING again, then FAILED, both with redriveCount 1.
        failed_arn = arns[6]
        sfn.redrive_execution(executionArn=failed_arn)

        def redriven():
            with recv.lock:
                return sorted(e["detail"]["status"] for e in recv.events
                              if e["detail"]["executionArn"] == failed_arn
                              and e["detail"]["redriveCount"] == 1)
        check(wait_until(lambda: redriven() == ["FAILED", "RUNNING"], 10),
              "redrive events RUNNING + FAILED with redriveCount 1: %s" % redriven())
        check(wait_until(lambda: delta2("statecraft_executions_redriven_total",
                                        state_machine="obs-fail", type="STANDARD") == 1, 5),
              "1 redrive counted")

        # Express execution log: CloudWatch Logs' record shape.
        check(wait_until(lambda: os.path.exists(xlog) and os.path.getsize(xlog) > 0, 5),
              "the execution log was written")
        recs = [json.loads(l) for l in open(xlog).read().splitlines()]
        all_recs = [r for r in recs if ":obs-express-all:" in r["execution_arn"]]
        err_recs = [r for r in recs if ":obs-express-err:" in r["execution_arn"]]
        types = [r["type"] for r in all_recs]
        check(types[:2] == ["ExecutionStarted", "PassStateEntered"] and
              types[-1] == "ExecutionSucceeded" and len(types) == 8,
              "level ALL logs every event: %s" % types)
        for r in all_recs:
            check(set(r) == {"id", "type", "details", "previous_event_id", "event_timestamp",
                             "execution_arn", "redrive_count"} and r["id"].isdigit() and
                  r["event_timestamp"].isdigit() and r["redrive_count"] == "0" and
                  isinstance(r["details"], dict), "record shape %s" % r)
        check(all_recs and all_recs[0]["details"].get("input") == '{"express":1}',
              "includeExecutionData: the input is logged")
        check([r["type"] for r in err_recs] == ["ExecutionFailed"] and
              "input" not in err_recs[0]["details"] and err_recs[0]["details"].get("error") == "Boom",
              "level ERROR logs only the failure: %s" % err_recs)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        recv.stop()
    lines = [l for l in open(errlog).read().splitlines() if l.strip()]
    check(lines, "the node logged something on stderr")
    for l in lines:
        try:
            j = json.loads(l)
            check(set(j) >= {"time", "level", "msg"} and j["level"] in ("info", "warn", "error"),
                  "JSON log line fields: %s" % l)
        except ValueError:
            check(False, "stderr line is not JSON: %r" % l)
    check(any("serving on" in json.loads(l)["msg"] for l in lines), "the start line is logged")


def test_durable(args, work):
    if not shutil.which("redis-server"):
        log("SKIP durable: no redis-server")
        return
    redis = common.Redis(work)
    redis.start()
    recv = Receiver()
    recv.failing = True
    stream_cfg = os.path.join(work, "events.yaml")
    with open(stream_cfg, "w") as f:
        f.write("events:\n  redis_stream: \"on\"\n  webhooks:\n    - %s\n" % recv.url)
    node = common.Node(args.statecraftd, work, redis.port,
                       extra=["--config", stream_cfg])
    try:
        node.start()
        sfn = common.boto(node.port)
        quick = sfn.create_state_machine(name="dur-pass", definition=json.dumps(PASS_CHAIN),
                                         roleArn=ROLE)["stateMachineArn"]
        slow = sfn.create_state_machine(name="dur-wait", roleArn=ROLE, definition=json.dumps({
            "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 2, "End": True}}}))[
            "stateMachineArn"]
        n = args.executions
        arns = []
        for i in range(n):
            m = slow if i % 3 == 0 else quick
            arns.append(sfn.start_execution(stateMachineArn=m, name="e%d" % i)["executionArn"])
        log("started %d executions; the webhook fails meanwhile" % n)
        time.sleep(0.5)
        before = recv.statuses()
        check(not before, "nothing delivered while the webhook fails")
        node.kill9()
        log("kill -9 of the node; the webhook recovers; restart")
        recv.failing = False
        node.start()
        sfn = common.boto(node.port)
        done, left = wait_done(sfn, arns, timeout=60)
        check(not left, "every execution ended after the restart (%d left)" % len(left))
        ok = wait_until(lambda: all(recv.statuses().get(a, set()) >= {"RUNNING", "SUCCEEDED"}
                                    for a in arns), 30, 0.25)
        got = recv.statuses()
        missing = [a for a in arns if not got.get(a, set()) >= {"RUNNING", "SUCCEEDED"}]
        check(ok, "the webhook got RUNNING and SUCCEEDED of all %d executions (%d missing: %s)"
              % (n, len(missing), missing[:5]))
        with recv.lock:
            total = len(recv.events)
            ids = len({e.get("id") for e in recv.events})
        log("webhook: %d events, %d distinct ids, for %d executions" % (total, ids, n))
        # The stream, read with redis-cli.
        out = subprocess.run(["redis-cli", "-p", str(redis.port), "--raw", "XRANGE",
                              "sc:{g}:status-events", "-", "+"],
                             capture_output=True, text=True, timeout=30).stdout
        seen = {}
        for line in out.splitlines():
            if line.startswith("{"):
                d = json.loads(line)["detail"]
                seen.setdefault(d["executionArn"], set()).add(d["status"])
        check(all(seen.get(a, set()) >= {"RUNNING", "SUCCEEDED"} for a in arns),
              "XRANGE sc:{g}:status-events holds every status change (%d executions seen)"
              % len(seen))
        outbox = sum(int(subprocess.run(["redis-cli", "-p", str(redis.port), "LLEN",
                                         "sc:{%d}:events" % s], capture_output=True,
                                        text=True).stdout.strip() or 0) for s in range(64))
        check(outbox == 0, "the outboxes are empty (%d left)" % outbox)
    finally:
        if node.alive():
            node.terminate()
        redis.stop()
        recv.stop()


def test_traffic(args, work):
    """The counters match a traffic run's report exactly."""
    gen = os.path.join(os.path.dirname(os.path.dirname(args.statecraftd)), "traffic",
                       "statecraft-traffic")
    if not os.path.exists(gen):
        log("SKIP traffic: no %s" % gen)
        return
    port = common.free_port()
    proc = subprocess.Popen([args.statecraftd, "--port", str(port), "--log-level", "warn"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: common.port_open(port), 20, 0.05)
        before = scrape(port)
        reports = {}
        for scenario in ("pass-chain", "express-sync"):
            out = subprocess.run([gen, "--scenario", scenario, "--concurrency", "8",
                                  "--duration", "2", "--endpoint", "http://127.0.0.1:%d" % port,
                                  "--no-progress", "--json"], capture_output=True, text=True,
                                 timeout=120)
            reports[scenario] = json.loads(out.stdout)["executions"]
        time.sleep(0.5)
        after = scrape(port)

        def total(name, **want):
            n = 0.0
            for (nm, labels), v in after.items():
                if nm == name and all(dict(labels).get(k) == x for k, x in want.items()):
                    n += v - before.get((nm, labels), 0.0)
            return int(n)
        std, exp = reports["pass-chain"], reports["express-sync"]
        log("traffic: pass-chain started %d verified %d; express-sync started %d verified %d" % (
            std["started"], std["verified"], exp["started"], exp["verified"]))
        check(std["started"] > 0 and exp["started"] > 0, "the traffic ran")
        check(total("statecraft_executions_started_total", type="STANDARD") == std["started"],
              "STANDARD started %d == traffic %d" % (
                  total("statecraft_executions_started_total", type="STANDARD"), std["started"]))
        check(total("statecraft_executions_finished_total", type="STANDARD", status="SUCCEEDED")
              == std["started"], "STANDARD SUCCEEDED == traffic started")
        check(total("statecraft_executions_started_total", type="EXPRESS") == exp["started"],
              "EXPRESS started %d == traffic %d" % (
                  total("statecraft_executions_started_total", type="EXPRESS"), exp["started"]))
        check(total("statecraft_executions_finished_total", type="EXPRESS", status="SUCCEEDED")
              == exp["verified"], "EXPRESS SUCCEEDED == traffic verified")
        check(total("statecraft_api_requests_total", operation="StartExecution") == std["started"],
              "StartExecution requests == traffic started")
        check(total("statecraft_state_transitions_total", type="STANDARD") == 10 * std["started"],
              "10 transitions per pass-chain execution")
        check(total("statecraft_state_transitions_total", type="EXPRESS") == 10 * exp["started"],
              "10 transitions per express-sync execution (no history recorded)")
    finally:
        proc.terminate()
        proc.wait(15)


def test_cluster(args, work):
    """Two nodes: the outboxes of a node killed with -9 are drained by the
    node that takes its shards over."""
    if not shutil.which("redis-server"):
        log("SKIP cluster: no redis-server")
        return
    redis = common.Redis(work)
    redis.start()
    recv = Receiver()
    recv.failing = True
    flags = ["--event-webhook", recv.url, "--heartbeat-seconds", "0.5", "--lease-ttl-seconds", "2"]
    a = common.Node(args.statecraftd, work, redis.port, extra=flags + ["--node-id", "na"])
    b = common.Node(args.statecraftd, work, redis.port, extra=flags + ["--node-id", "nb"])
    try:
        a.start()
        b.start()
        time.sleep(1.5)  # both own shards
        sfn = common.boto(a.port)
        m = sfn.create_state_machine(name="cl-pass", definition=json.dumps(PASS_CHAIN),
                                     roleArn=ROLE)["stateMachineArn"]
        arns = [sfn.start_execution(stateMachineArn=m, name="c%d" % i)["executionArn"]
                for i in range(60)]
        time.sleep(0.5)
        check(not recv.statuses(), "nothing delivered while the webhook fails")
        a.kill9()
        recv.failing = False
        log("kill -9 of node na; the webhook recovers; nb takes its shards over")
        ok = wait_until(lambda: all(recv.statuses().get(x, set()) >= {"RUNNING", "SUCCEEDED"}
                                    for x in arns), 30, 0.25)
        missing = [x for x in arns if not recv.statuses().get(x, set()) >= {"RUNNING", "SUCCEEDED"}]
        check(ok, "every status change delivered by the surviving node (%d missing)" % len(missing))
    finally:
        for n in (a, b):
            if n.alive():
                n.terminate()
        redis.stop()
        recv.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--statecraftd", required=True)
    ap.add_argument("--executions", type=int, default=150)
    ap.add_argument("-k", default="")
    args = ap.parse_args()
    args.statecraftd = os.path.abspath(args.statecraftd)
    tests = [("metrics", test_metrics), ("traffic", test_traffic), ("durable", test_durable),
             ("cluster", test_cluster)]
    for name, fn in tests:
        if args.k and args.k not in name:
            continue
        work = tempfile.mkdtemp(prefix="sc-obs-%s-" % name)
        log("== %s" % name)
        try:
            fn(args, work)
        except Exception as e:  # noqa: BLE001
            import traceback
            traceback.print_exc()
            check(False, "%s raised %r" % (name, e))
        if not FAILURES:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log("kept %s" % work)
    if FAILURES:
        log("%d check(s) failed" % len(FAILURES))
        return 1
    log("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
