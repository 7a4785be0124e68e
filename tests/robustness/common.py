"""Shared pieces of the robustness tests (test_findings.py) and the semantic
fuzzer (semantic_fuzz.py): a statecraftd process per test (on the memory
store, or on its own redis-server), readings of its RSS / CPU / descriptors
from /proc, a boto3 client, a raw AWS-JSON client and a liveness check.

Environment (set by tests/robustness/run.py):
  STATECRAFTD     path of the statecraftd binary
  ROBUST_STORE    "memory" (default) or "redis"
  ROBUST_TMP      a scratch directory for logs, configs and Redis files
Standard library plus boto3/botocore only.
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

import boto3
import botocore.config
import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Redis, free_port, tail, wait_for_port  # noqa: E402,F401

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE_ARN = "arn:aws:iam::123456789012:role/StatecraftRobustness"
CONTENT_TYPE = "application/x-amz-json-1.0"
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLK_TCK = os.sysconf("SC_CLK_TCK")

PASS_DEF = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}


def uname(prefix="r"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:16])


def store():
    return os.environ.get("ROBUST_STORE", "memory")


def scratch_dir():
    d = os.environ.get("ROBUST_TMP")
    if not d:
        d = tempfile.mkdtemp(prefix="statecraft-robust-")
        os.environ["ROBUST_TMP"] = d
    return d


def binary():
    b = os.environ.get("STATECRAFTD")
    if not b:
        raise unittest.SkipTest("STATECRAFTD is not set; run via tests/robustness/run.py")
    return b


def yaml_text(config):
    """A nested dict of scalars as YAML (enough for statecraftd's config)."""
    lines = []

    def emit(d, indent):
        for k, v in d.items():
            if isinstance(v, dict):
                lines.append("%s%s:" % (" " * indent, k))
                emit(v, indent + 2)
            else:
                if isinstance(v, bool):
                    v = "true" if v else "false"
                elif isinstance(v, str):
                    v = json.dumps(v)
                lines.append("%s%s: %s" % (" " * indent, k, v))

    emit(config, 0)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# /proc readings


def rss_mb(pid):
    """Resident set size of `pid` in MiB (VmRSS), or None when it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def cpu_seconds(pid):
    """utime + stime of `pid` in seconds, or None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / float(CLK_TCK)


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


class RssWatch:
    """Samples a process's RSS every 50 ms in a thread; records the peak and,
    when the RSS passes `kill_above_mb`, kills the process with SIGKILL (a
    runaway node must not take the machine down) and records that it did."""

    def __init__(self, pid, kill_above_mb=None, interval=0.05):
        self.pid = pid
        self.kill_above = kill_above_mb
        self.interval = interval
        self.peak = rss_mb(pid) or 0.0
        self.killed_at = None
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join(5)

    def _run(self):
        while not self._stop.is_set():
            r = rss_mb(self.pid)
            if r is None:
                return
            self.peak = max(self.peak, r)
            if self.kill_above is not None and r > self.kill_above and self.killed_at is None:
                self.killed_at = r
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except OSError:
                    pass
                return
            self._stop.wait(self.interval)


# ---------------------------------------------------------------------------
# clients


def client(port, read_timeout=30):
    cfg = botocore.config.Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        inject_host_prefix=False, connect_timeout=5, read_timeout=read_timeout)
    return boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:%d" % port,
                        region_name=REGION, aws_access_key_id="test",
                        aws_secret_access_key="test", config=cfg)


class Raw:
    """One raw AWS-JSON response: status, lower-cased headers, body bytes."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def error_type(self):
        try:
            return str(self.json().get("__type", "")).split("#")[-1]
        except ValueError:
            return ""

    def __repr__(self):
        return "Raw(%d, %r)" % (self.status, self.body[:400])


def raw_post(port, op, body, timeout=30, source=None, headers=None):
    """POST / with X-Amz-Target AWSStepFunctions.<op>; `body` is bytes, str or
    a JSON-able object. `source` = a local address to connect from."""
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    try:
        conn.putrequest("POST", "/", skip_accept_encoding=True)
        hdrs = {"Content-Type": CONTENT_TYPE, "X-Amz-Target": "AWSStepFunctions." + op,
                "Content-Length": str(len(body))}
        hdrs.update(headers or {})
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        return Raw(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        conn.close()


def raw_request_bytes(op, body, host="127.0.0.1", headers=None):
    """The bytes of one HTTP/1.1 AWS-JSON request (for raw sockets)."""
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    head = ("POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nX-Amz-Target: AWSStepFunctions.%s\r\n"
            "Content-Length: %d\r\n" % (host, CONTENT_TYPE, op, len(body)))
    for k, v in (headers or {}).items():
        head += "%s: %s\r\n" % (k, v)
    return (head + "\r\n").encode("ascii") + body


# ---------------------------------------------------------------------------
# the node


class Node:
    """One statecraftd on a free port. On the Redis store it gets a
    redis-server of its own unless `redis` (a harness.Redis) is given, so a
    test that poisons its store (finding 1) cannot disturb the next one."""

    def __init__(self, name="node", args=(), config=None, redis=None, use_redis=None,
                 secret=None, poll_timeout=2, port=None, nofile=None):
        self.bin = binary()
        self.dir = tempfile.mkdtemp(prefix=name + "-", dir=scratch_dir())
        self.port = port or free_port()
        self.args = list(args)
        self.config = config
        self.use_redis = (store() == "redis") if use_redis is None else use_redis
        self.redis = redis
        self.own_redis = False
        self.secret = secret
        self.poll_timeout = poll_timeout
        self.nofile = nofile  # RLIMIT_NOFILE (soft and hard) for the node, or None
        self.proc = None
        self.starts = 0
        self.log_path = None
        self._client = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def cmd(self):
        c = [self.bin, "--port", str(self.port), "--bind", "127.0.0.1", "--log-level", "warn",
             "--idle-actor-seconds", "0.5"]
        if self.poll_timeout is not None:
            c += ["--activity-poll-timeout", str(self.poll_timeout)]
        if self.secret:
            c += ["--task-token-secret", self.secret]
        if self.config:
            path = os.path.join(self.dir, "config.yaml")
            with open(path, "w") as f:
                f.write(yaml_text(self.config))
            c += ["--config", path]
        if self.use_redis:
            c += ["--redis", self.redis.url]
        return c + self.args

    def start(self, timeout=20):
        if self.use_redis and self.redis is None:
            self.redis = Redis(self.dir)
            self.redis.start(10)
            self.own_redis = True
        self.starts += 1
        self.log_path = os.path.join(self.dir, "statecraftd-%d.log" % self.starts)
        logf = open(self.log_path, "wb")
        limit = None
        if self.nofile:
            import resource
            n = self.nofile
            limit = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))  # noqa: E731
        self.proc = subprocess.Popen(self.cmd(), stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir, preexec_fn=limit)
        logf.close()
        problem = wait_for_port(self.proc, self.port, timeout)
        if problem:
            raise AssertionError("statecraftd %s: %s\n--- log ---\n%s"
                                 % (" ".join(self.cmd()), problem, tail(self.log_path)))
        return self

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def exit_description(self):
        if self.proc is None:
            return "never started"
        rc = self.proc.poll()
        if rc is None:
            return "running"
        if rc < 0:
            try:
                return "killed by %s" % signal.Signals(-rc).name
            except ValueError:
                return "killed by signal %d" % -rc
        return "exited with status %d" % rc

    def rss(self):
        return rss_mb(self.pid)

    def cpu(self):
        return cpu_seconds(self.pid)

    def fds(self):
        return fd_count(self.pid)

    def client(self, read_timeout=30):
        if self._client is None or read_timeout != 30:
            c = client(self.port, read_timeout)
            if read_timeout != 30:
                return c
            self._client = c
        return self._client

    def post(self, op, body, **kw):
        return raw_post(self.port, op, body, **kw)

    def log_tail(self, n=40):
        return tail(self.log_path, n) if self.log_path else ""

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.alive():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def close(self):
        self.stop()
        if self.own_redis and self.redis is not None:
            self.redis.stop()


# ---------------------------------------------------------------------------
# waiting


def wait_status(sfn, arn, timeout=10.0, statuses=TERMINAL, node=None):
    deadline = time.monotonic() + timeout
    while True:
        if node is not None and not node.alive():
            raise AssertionError("node %s while waiting for %s" % (node.exit_description(), arn))
        r = sfn.describe_execution(executionArn=arn)
        if r["status"] in statuses:
            return r
        if time.monotonic() > deadline:
            raise AssertionError("execution %s still %s after %.1fs" % (arn, r["status"], timeout))
        time.sleep(0.05)


def full_history(sfn, arn, page=1000, **kw):
    events, token = [], None
    while True:
        args = dict(executionArn=arn, maxResults=page, **kw)
        if token:
            args["nextToken"] = token
        r = sfn.get_execution_history(**args)
        events.extend(r["events"])
        token = r.get("nextToken")
        if not token:
            return events


# ---------------------------------------------------------------------------
# base test case


class NodeTestCase(unittest.TestCase):
    """Starts nodes on demand (closed at cleanup) and checks, as every
    robustness test must, that the node is still alive and serving."""

    maxDiff = None

    def start_node(self, **kw):
        node = Node(name=self.id().split(".")[-1][:40], **kw)
        self.addCleanup(node.close)
        node.start()
        return node

    def assertAlive(self, node, context=""):
        if not node.alive():
            self.fail("node %s%s\n--- node log tail ---\n%s"
                      % (node.exit_description(), (" " + context) if context else "",
                         node.log_tail()))

    def assertServing(self, node, context=""):
        """Process running, and a fresh CreateStateMachine / StartExecution /
        DescribeExecution round trip completes with SUCCEEDED."""
        self.assertAlive(node, context)
        sfn = client(node.port, read_timeout=10)
        try:
            sm = sfn.create_state_machine(name=uname("alive"), definition=json.dumps(PASS_DEF),
                                          roleArn=ROLE_ARN)["stateMachineArn"]
            arn = sfn.start_execution(stateMachineArn=sm, input='{"probe":1}')["executionArn"]
            r = wait_status(sfn, arn, timeout=10, node=node)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, OSError) as e:
            self.fail("node does not serve%s: %s (%s)\n--- node log tail ---\n%s"
                      % ((" " + context) if context else "", e, node.exit_description(),
                         node.log_tail()))
        self.assertEqual(r["status"], "SUCCEEDED", r)
        self.assertEqual(json.loads(r["output"]), {"ok": True})
        self.assertAlive(node, context)

    def call(self, node, what, fn, *args, **kw):
        """fn(*args, **kw); a missing answer (connection closed, timeout)
        fails the test with the node's fate and log tail, without the
        urllib3/botocore exception chain."""
        try:
            return fn(*args, **kw)
        except (botocore.exceptions.BotoCoreError, OSError) as e:
            problem = e
        time.sleep(0.3)  # let a crashing node finish dying
        self.fail("%s got no answer (%s); node %s\n--- node log tail ---\n%s"
                  % (what, problem, node.exit_description(), node.log_tail()))

    def assertAwsError(self, resp, codes, status=400):
        """`resp` (Raw) is an AWS-shaped error: HTTP `status`, a JSON body
        with __type (one of `codes`) and a string message."""
        self.assertEqual(resp.status, status, resp)
        try:
            body = resp.json()
        except ValueError:
            self.fail("error body is not JSON: %r" % resp)
        self.assertIsInstance(body, dict, resp)
        self.assertIn("__type", body, resp)
        self.assertIn(resp.error_type(), codes, resp)
        msg = body.get("message", body.get("Message"))
        self.assertIsInstance(msg, str, resp)
        return body

    def create_sm(self, node, definition, sm_type="STANDARD", name=None):
        sfn = node.client()
        return sfn.create_state_machine(name=name or uname("sm"), definition=json.dumps(definition),
                                        roleArn=ROLE_ARN, type=sm_type)["stateMachineArn"]
