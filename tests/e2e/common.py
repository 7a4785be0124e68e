"""Shared helpers for the statecraftd end-to-end suite.

The suite talks to a running node whose endpoint is given by the
STATECRAFT_ENDPOINT environment variable (run.py starts the node and sets it).
Every assertion encodes the documented behaviour of AWS Step Functions, so a
failure means the node differs from AWS (or the test's reading of AWS is
wrong -- see the notes next to the less certain assertions).
"""

import datetime
import http.client
import json
import os
import socket
import threading
import time
import unittest
import urllib.parse
import uuid

import boto3
import botocore.config
import botocore.exceptions
import botocore.session

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE_ARN = "arn:aws:iam::123456789012:role/StatecraftE2ERole"
OTHER_ROLE_ARN = "arn:aws:iam::123456789012:role/StatecraftE2EOtherRole"
TARGET_PREFIX = "AWSStepFunctions"
CONTENT_TYPE = "application/x-amz-json-1.0"
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


def endpoint():
    ep = os.environ.get("STATECRAFT_ENDPOINT")
    if not ep:
        raise unittest.SkipTest("STATECRAFT_ENDPOINT is not set; run via tests/e2e/run.py")
    return ep


def host_port():
    u = urllib.parse.urlparse(endpoint())
    return u.hostname, u.port


# --------------------------------------------------------------------------
# boto3 client
# --------------------------------------------------------------------------

def client(read_timeout=30):
    """A Step Functions client for the node: us-east-1, creds test/test, no
    retries, and no host prefix injection (StartSyncExecution has the host
    prefix "sync-", and sync-127.0.0.1 does not resolve)."""
    cfg = botocore.config.Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        inject_host_prefix=False,
        connect_timeout=5,
        read_timeout=read_timeout,
    )
    return boto3.client(
        "stepfunctions",
        endpoint_url=endpoint(),
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=cfg,
    )


_MODEL = None


def service_model():
    global _MODEL
    if _MODEL is None:
        _MODEL = botocore.session.get_session().get_service_model("stepfunctions")
    return _MODEL


# --------------------------------------------------------------------------
# names and ARNs
# --------------------------------------------------------------------------

def uname(prefix="t"):
    """A unique resource name (letters, digits, '-' only; <= 80 chars)."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:16])


def sm_arn(name):
    return "arn:aws:states:%s:%s:stateMachine:%s" % (REGION, ACCOUNT, name)


def exec_arn(sm_name, exec_name):
    return "arn:aws:states:%s:%s:execution:%s:%s" % (REGION, ACCOUNT, sm_name, exec_name)


def express_exec_prefix(sm_name):
    return "arn:aws:states:%s:%s:express:%s:" % (REGION, ACCOUNT, sm_name)


def activity_arn(name):
    return "arn:aws:states:%s:%s:activity:%s" % (REGION, ACCOUNT, name)


# --------------------------------------------------------------------------
# definitions
# --------------------------------------------------------------------------

def dumps(obj):
    return obj if isinstance(obj, str) else json.dumps(obj)


PASS_DEF = {
    "Comment": "single pass",
    "StartAt": "P",
    "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "End": True}},
}

WAIT_DEF = {
    "StartAt": "W",
    "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}},
}


def activity_task_def(act_arn, **task_fields):
    task = {"Type": "Task", "Resource": act_arn, "End": True}
    task.update(task_fields)
    return {"StartAt": "T", "States": {"T": task}}


# --------------------------------------------------------------------------
# waiting / history
# --------------------------------------------------------------------------

def wait_for_status(sfn, execution_arn, timeout=10.0, statuses=TERMINAL):
    """Poll DescribeExecution until the status is one of `statuses`; return the
    DescribeExecution response. Raises AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = sfn.describe_execution(executionArn=execution_arn)
        if last["status"] in statuses:
            return last
        if time.monotonic() > deadline:
            raise AssertionError("execution %s still %s after %.1fs (wanted %s)"
                                 % (execution_arn, last["status"], timeout, statuses))
        time.sleep(0.05)


def full_history(sfn, execution_arn, **kw):
    events = []
    token = None
    while True:
        args = dict(executionArn=execution_arn, **kw)
        if token:
            args["nextToken"] = token
        r = sfn.get_execution_history(**args)
        events.extend(r["events"])
        token = r.get("nextToken")
        if not token:
            return events


def event_types(events):
    return [e["type"] for e in events]


def poll_task(sfn, act_arn, worker="w1", timeout=10.0):
    """Long-poll GetActivityTask until a task arrives; return the response."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = sfn.get_activity_task(activityArn=act_arn, workerName=worker)
        if r.get("taskToken"):
            return r
    raise AssertionError("no activity task for %s within %.1fs" % (act_arn, timeout))


# --------------------------------------------------------------------------
# raw HTTP
# --------------------------------------------------------------------------

class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # dict, lower-cased names
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def error_type(self):
        """The error code: the part of __type after any '#' namespace."""
        t = self.json().get("__type", "")
        return t.split("#")[-1]

    def __repr__(self):
        return "RawResponse(%d, %r)" % (self.status, self.body[:300])


def post(target, body_bytes, headers=None, host=None, timeout=30):
    """POST / with an X-Amz-Target header (None = omit it). `target` may be a
    bare operation name ("ListStateMachines") or a full target string."""
    h, p = host_port()
    conn = http.client.HTTPConnection(h, p, timeout=timeout)
    try:
        # A SigV4-shaped Authorization header like the SDKs send (the node is
        # not expected to verify signatures).
        hdrs = {"Content-Type": CONTENT_TYPE,
                "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
                "Authorization": ("AWS4-HMAC-SHA256 Credential=test/%s/us-east-1/states/aws4_request, "
                                  "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                                  "Signature=%s" % (time.strftime("%Y%m%d", time.gmtime()), "0" * 64))}
        if target is not None:
            hdrs["X-Amz-Target"] = target if "." in target else "%s.%s" % (TARGET_PREFIX, target)
        if host is not None:
            hdrs["Host"] = host
        if headers:
            hdrs.update(headers)
        if isinstance(body_bytes, str):
            body_bytes = body_bytes.encode("utf-8")
        skip_host = "Host" in hdrs
        conn.putrequest("POST", "/", skip_host=skip_host, skip_accept_encoding=True)
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.putheader("Content-Length", str(len(body_bytes)))
        conn.endheaders(body_bytes)
        resp = conn.getresponse()
        body = resp.read()
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
    finally:
        conn.close()


def post_json(op, obj, **kw):
    return post(op, json.dumps(obj).encode("utf-8"), **kw)


# --------------------------------------------------------------------------
# model-driven checks of raw JSON
# --------------------------------------------------------------------------

def shape_errors(value, shape, path="$"):
    """Check a raw (un-parsed by botocore) JSON value against a botocore shape:
    unknown members, missing required members and wrong wire types are
    reported. Timestamps must be epoch seconds (numbers), as AWS sends them in
    the JSON 1.0 protocol."""
    errs = []
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            return ["%s: expected object, got %r" % (path, type(value).__name__)]
        for k in value:
            if k not in shape.members:
                errs.append("%s: unknown member %r" % (path, k))
        for k in shape.required_members:
            if k not in value:
                errs.append("%s: missing required member %r" % (path, k))
        for k, v in value.items():
            if k in shape.members and v is not None:
                errs.extend(shape_errors(v, shape.members[k], "%s.%s" % (path, k)))
    elif t == "list":
        if not isinstance(value, list):
            return ["%s: expected array" % path]
        for i, v in enumerate(value):
            errs.extend(shape_errors(v, shape.member, "%s[%d]" % (path, i)))
    elif t == "map":
        if not isinstance(value, dict):
            return ["%s: expected object (map)" % path]
        for k, v in value.items():
            errs.extend(shape_errors(v, shape.value, "%s[%r]" % (path, k)))
    elif t == "string":
        if not isinstance(value, str):
            errs.append("%s: expected string, got %r" % (path, value))
        elif getattr(shape, "enum", None) and value not in shape.enum:
            errs.append("%s: %r not in enum %s" % (path, value, shape.enum))
    elif t in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            errs.append("%s: expected integer, got %r" % (path, value))
    elif t == "boolean":
        if not isinstance(value, bool):
            errs.append("%s: expected boolean, got %r" % (path, value))
    elif t == "timestamp":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            errs.append("%s: expected epoch-seconds number, got %r" % (path, value))
    elif t in ("float", "double"):
        if not isinstance(value, (int, float)):
            errs.append("%s: expected number" % path)
    return errs


# --------------------------------------------------------------------------
# base test case
# --------------------------------------------------------------------------

class E2ETestCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.sfn = client()

    # -- resource helpers with cleanup ------------------------------------
    def create_sm(self, definition=PASS_DEF, name=None, sm_type="STANDARD", **kw):
        name = name or uname("sm")
        r = self.sfn.create_state_machine(
            name=name, definition=dumps(definition), roleArn=kw.pop("roleArn", ROLE_ARN),
            type=sm_type, **kw)
        self.addCleanup(self._quiet, self.sfn.delete_state_machine, stateMachineArn=r["stateMachineArn"])
        return r["stateMachineArn"], name

    def create_activity(self, name=None, **kw):
        name = name or uname("act")
        r = self.sfn.create_activity(name=name, **kw)
        self.addCleanup(self._quiet, self.sfn.delete_activity, activityArn=r["activityArn"])
        return r["activityArn"], name

    def start(self, sm, input_obj=None, name=None):
        args = {"stateMachineArn": sm}
        if input_obj is not None:
            args["input"] = dumps(input_obj)
        if name is not None:
            args["name"] = name
        return self.sfn.start_execution(**args)["executionArn"]

    def run_to_end(self, sm, input_obj=None, timeout=10.0):
        arn = self.start(sm, input_obj)
        return arn, wait_for_status(self.sfn, arn, timeout=timeout)

    @staticmethod
    def _quiet(fn, **kw):
        try:
            fn(**kw)
        except Exception:
            pass

    # -- assertion helpers ----------------------------------------------------
    def assertClientError(self, exc_class, fn, *args, **kw):
        """Call fn and assert it raises the modelled exception `exc_class`.
        Returns the exception."""
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(*args, **kw)
        err = cm.exception
        self.assertIsInstance(
            err, exc_class,
            "expected %s, got %s: %s" % (exc_class.__name__, err.response["Error"].get("Code"), err))
        return err

    def assertErrorCode(self, code, fn, *args, **kw):
        """Like assertClientError but by error code (for codes not modelled as
        exception classes, e.g. ValidationException on some operations)."""
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(*args, **kw)
        got = cm.exception.response["Error"]["Code"]
        self.assertEqual(got, code, "expected %s, got %s: %s" % (code, got, cm.exception))
        return cm.exception

    def assertIsDatetime(self, value):
        self.assertIsInstance(value, datetime.datetime)
        self.assertIsNotNone(value.tzinfo)

    def assertRecent(self, value, slack=120):
        self.assertIsDatetime(value)
        now = datetime.datetime.now(datetime.timezone.utc)
        delta = abs((now - value).total_seconds())
        self.assertLess(delta, slack, "timestamp %s is not close to now (%s)" % (value, now))

    def assertJsonEqual(self, text, expected):
        self.assertIsInstance(text, str)
        self.assertEqual(json.loads(text), expected)

    def assertShape(self, raw_value, shape_name):
        shape = service_model().shape_for(shape_name)
        errs = shape_errors(raw_value, shape)
        self.assertEqual(errs, [], "response does not match %s: %s" % (shape_name, errs))

    def assertRawError(self, resp, code, status=400):
        self.assertEqual(resp.status, status, resp)
        try:
            body = resp.json()
        except ValueError:
            self.fail("error body is not JSON: %r" % resp.body[:300])
        self.assertIn("__type", body, body)
        self.assertEqual(resp.error_type(), code, body)
        return body


def run_threads(fns, timeout=30):
    """Run callables concurrently; return their results (re-raises the first
    exception)."""
    results = [None] * len(fns)
    errors = [None] * len(fns)

    def wrap(i, f):
        try:
            results[i] = f()
        except BaseException as e:  # noqa
            errors[i] = e

    ts = [threading.Thread(target=wrap, args=(i, f), daemon=True) for i, f in enumerate(fns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout)
        if t.is_alive():
            raise AssertionError("thread did not finish within %ss" % timeout)
    for e in errors:
        if e is not None:
            raise e
    return results


def raw_socket():
    h, p = host_port()
    return socket.create_connection((h, p), timeout=10)
