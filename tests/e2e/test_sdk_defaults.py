"""boto3 and the AWS CLI with their default settings, and with the settings
the README gives (section Clients):

* StartSyncExecution: the SDKs prefix the host with "sync-" (the operation's
  endpoint hostPrefix); sync-127.0.0.1 does not resolve. Fixed by
  AWS_DISABLE_HOST_PREFIX_INJECTION=true (boto3 and the CLI),
  disable_host_prefix_injection = true in the AWS config file, or
  botocore.config.Config(inject_host_prefix=False); or by keeping the prefix
  and making sync-<host> resolve (the node accepts any Host).
* GetActivityTask: botocore's (and so the CLI's) default read timeout is 60 s,
  as long as AWS may hold a poll. The node answers an empty poll after 59 s
  by default, so a default client gets the empty answer, not a timeout. That
  check needs a node with the default poll timeout (the suite's node uses 2 s)
  and takes 59 s: it starts when the suite is loaded (load_tests below) and
  runs beside the other tests; its test method only collects the outcome.
"""

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

import boto3
import botocore.config
import botocore.exceptions

from common import E2ETestCase, dumps, endpoint, uname

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import free_port, tail, wait_for_port  # noqa: E402

AWS = shutil.which("aws")
EXPRESS_DEF = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": 1}, "End": True}}}
LONG_POLL_TEST = "test_default_clients_get_the_empty_poll_before_their_read_timeout"


def cli_env(**extra):
    env = dict(os.environ)
    env.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": "",
                "AWS_EC2_METADATA_DISABLED": "true"})
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_DISABLE_HOST_PREFIX_INJECTION", None)
    env.update(extra)
    return env


def default_boto3(endpoint_url, **config):
    """A client with botocore's defaults except retries (one attempt, so a
    failure shows at once instead of after the default retries)."""
    return boto3.session.Session().client(
        "stepfunctions", endpoint_url=endpoint_url, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(retries={"total_max_attempts": 1}, **config))


class HostPrefix(E2ETestCase):

    def express(self):
        return self.create_sm(EXPRESS_DEF, sm_type="EXPRESS")[0]

    def assertSucceeded(self, r):
        self.assertEqual(r["status"], "SUCCEEDED", r)
        self.assertEqual(r["output"], '{"ok":1}')

    def test_boto3_default_prefixes_the_host(self):
        sm = self.express()
        c = default_boto3(endpoint())
        self.assertTrue(c.meta.config.inject_host_prefix)
        with self.assertRaises(botocore.exceptions.EndpointConnectionError) as cm:
            c.start_sync_execution(stateMachineArn=sm)
        self.assertIn("http://sync-%s/" % urllib.parse.urlparse(endpoint()).netloc, str(cm.exception))
        # StartExecution has no host prefix: the defaults work.
        self.assertTrue(c.start_execution(stateMachineArn=sm)["executionArn"])

    def test_boto3_environment_variable(self):
        sm = self.express()
        old = os.environ.get("AWS_DISABLE_HOST_PREFIX_INJECTION")
        os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"] = "true"
        try:
            c = default_boto3(endpoint())  # read when the client is created
        finally:
            if old is None:
                del os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"]
            else:
                os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"] = old
        self.assertFalse(c.meta.config.inject_host_prefix)
        self.assertSucceeded(c.start_sync_execution(stateMachineArn=sm))

    def test_boto3_config(self):
        sm = self.express()
        c = default_boto3(endpoint(), inject_host_prefix=False)
        self.assertSucceeded(c.start_sync_execution(stateMachineArn=sm))

    def test_boto3_default_with_the_sync_name_resolved(self):
        # The other way: keep the prefix and make sync-localhost resolve (a
        # hosts-file line; here a stand-in for the resolver). The node gets
        # "Host: sync-localhost:PORT" and must answer as usual.
        sm = self.express()
        port = urllib.parse.urlparse(endpoint()).port
        real = socket.getaddrinfo

        def getaddrinfo(host, *args, **kw):
            return real("127.0.0.1" if host in ("sync-localhost", "localhost") else host, *args, **kw)

        c = default_boto3("http://localhost:%d" % port)
        sent = []
        c.meta.events.register("before-send.states.StartSyncExecution",
                               lambda request, **kw: sent.append(request.url))
        socket.getaddrinfo = getaddrinfo
        try:
            r = c.start_sync_execution(stateMachineArn=sm)
        finally:
            socket.getaddrinfo = real
        self.assertEqual(sent, ["http://sync-localhost:%d/" % port])
        self.assertSucceeded(r)

    # -- the AWS CLI --------------------------------------------------------
    def aws(self, *args, **env):
        if AWS is None:
            self.skipTest("aws CLI not installed")
        cmd = [AWS, "stepfunctions", *args, "--endpoint-url", endpoint(), "--output", "json"]
        return subprocess.run(cmd, env=cli_env(**env), capture_output=True, text=True, timeout=60)

    def test_cli_default_prefixes_the_host(self):
        sm = self.express()
        p = self.aws("start-sync-execution", "--state-machine-arn", sm, AWS_MAX_ATTEMPTS="1")
        self.assertEqual(p.returncode, 255, p)
        self.assertIn('Could not connect to the endpoint URL: "http://sync-%s/"'
                      % urllib.parse.urlparse(endpoint()).netloc, p.stderr)

    def test_cli_environment_variable(self):
        sm = self.express()
        p = self.aws("start-sync-execution", "--state-machine-arn", sm,
                     "--input", dumps({"x": 1}), AWS_DISABLE_HOST_PREFIX_INJECTION="true")
        self.assertEqual(p.returncode, 0, p)
        self.assertSucceeded(json.loads(p.stdout))

    def test_cli_config_file(self):
        sm = self.express()
        d = tempfile.mkdtemp(prefix="statecraft-aws-config-")
        self.addCleanup(shutil.rmtree, d, True)
        path = os.path.join(d, "config")
        with open(path, "w") as f:
            f.write("[default]\ndisable_host_prefix_injection = true\n")
        p = self.aws("start-sync-execution", "--state-machine-arn", sm, AWS_CONFIG_FILE=path)
        self.assertEqual(p.returncode, 0, p)
        self.assertSucceeded(json.loads(p.stdout))


# ---------------------------------------------------------------------------
# The 59 s poll, started at load time on a node of its own.
# ---------------------------------------------------------------------------

class _LongPoll:
    """A node with the default activities.poll_timeout_seconds and, on it,
    one GetActivityTask from boto3 and one from the AWS CLI, both with their
    default read timeout, polling an activity no execution uses."""

    def __init__(self):
        self.outcome = {}
        self.proc = None
        self.thread = threading.Thread(target=self._run, name="long-poll", daemon=True)

    def start(self):
        self.thread.start()
        atexit.register(self.stop_node)

    def _run(self):
        try:
            self._poll()
        except Exception as e:  # reported by the test
            self.outcome.setdefault("error", "%s: %s" % (type(e).__name__, e))
        finally:
            self.stop_node()

    def _poll(self):
        binary = os.environ.get("STATECRAFT_BIN")
        if not binary:
            self.outcome["skip"] = "STATECRAFT_BIN is not set; run via tests/e2e/run.py"
            return
        tmp = tempfile.mkdtemp(prefix="statecraft-e2e-longpoll-")
        self.log = os.path.join(tmp, "statecraftd.log")
        port = free_port()
        with open(self.log, "wb") as log:
            # No --activity-poll-timeout: the default is what is tested.
            self.proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                                          "--log-level", "warn"],
                                         stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=tmp)
        problem = wait_for_port(self.proc, port, 20)
        if problem:
            raise RuntimeError("second node %s\n%s" % (problem, tail(self.log)))
        url = "http://127.0.0.1:%d" % port
        c = default_boto3(url)
        self.outcome["read_timeout"] = c.meta.config.read_timeout
        arn = c.create_activity(name=uname("longpoll"))["activityArn"]

        def cli():
            if AWS is None:
                return
            t0 = time.monotonic()
            # The CLI's defaults (its retries too: a read timeout would be
            # retried and show as a longer call).
            p = subprocess.run([AWS, "stepfunctions", "get-activity-task", "--activity-arn", arn,
                                "--endpoint-url", url, "--output", "json"],
                               env=cli_env(), capture_output=True, text=True, timeout=300)
            self.outcome["cli"] = (time.monotonic() - t0, p.returncode, p.stdout, p.stderr)

        th = threading.Thread(target=cli, daemon=True)
        th.start()
        t0 = time.monotonic()
        try:
            r = c.get_activity_task(activityArn=arn, workerName="default-client")
            self.outcome["boto3"] = (time.monotonic() - t0, r)
        except botocore.exceptions.ReadTimeoutError as e:
            self.outcome["boto3"] = (time.monotonic() - t0, e)
        th.join(300)

    def stop_node(self):
        p = self.proc
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


_LONG_POLL = None


def _test_ids(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _test_ids(t)
        else:
            yield t.id()


def load_tests(loader, tests, pattern):
    # Called while the suite is being loaded (before any test runs), with the
    # tests -k selected: start the 59 s poll now if its test is among them.
    global _LONG_POLL
    if _LONG_POLL is None and any(i.endswith("." + LONG_POLL_TEST) for i in _test_ids(tests)):
        _LONG_POLL = _LongPoll()
        _LONG_POLL.start()
    return tests


class LongPoll(unittest.TestCase):

    def test_default_clients_get_the_empty_poll_before_their_read_timeout(self):
        lp = _LONG_POLL
        if lp is None:  # loaded without load_tests (another runner)
            lp = _LongPoll()
            lp.start()
        lp.thread.join(150)
        self.assertFalse(lp.thread.is_alive(), "the long poll did not end within 150 s")
        o = lp.outcome
        if "skip" in o:
            self.skipTest(o["skip"])
        self.assertNotIn("error", o, o)
        self.assertEqual(o["read_timeout"], 60, "botocore's default read timeout changed")
        elapsed, r = o["boto3"]
        self.assertIsInstance(r, dict, "boto3 timed out after %.1f s: %r" % (elapsed, r))
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertFalse(r.get("taskToken"), r)
        self.assertGreater(elapsed, 58.0)
        self.assertLess(elapsed, 60.0)
        if AWS is not None:
            elapsed, rc, out, err = o["cli"]
            self.assertEqual(rc, 0, "aws get-activity-task: status %d after %.1f s\n%s%s"
                             % (rc, elapsed, out, err))
            self.assertGreater(elapsed, 58.0)
            # A read timeout would have been retried (the CLI's default
            # retries): a second 59 s poll, 118 s or more in all. Below 90 s
            # the first answer arrived, whatever the CLI's start-up took.
            self.assertLess(elapsed, 90.0)
