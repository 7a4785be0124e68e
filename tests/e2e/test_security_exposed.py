"""An exposed node's own routes and tools (issue 18, session 8).

* Admin routes: with `auth: {mode: sigv4}` the node's routes under
  /_statecraft/ (the manual clock) need a SigV4 signature like the API:
  none → MissingAuthenticationTokenException, a wrong secret →
  InvalidSignatureException; reading (GET) needs a `full` or `read-only`
  key, moving the clock (POST) a `full` key, else AccessDeniedException.
  `statecraft clock` signs with --access-key/--secret-key or the AWS_*
  variables, over http:// or https:// (--ca-bundle). /metrics stays open (read-only counters for scrapers).
* Session tokens: the node issues none, so a request carrying
  X-Amz-Security-Token is refused as AWS refuses an unknown token
  (UnrecognizedClientException "The security token included in the request
  is invalid."), even with a valid signature.
* `statecraft traffic` drives a node with TLS and auth: https:// with
  --ca-bundle (or --insecure), real signatures with --access-key/
  --secret-key (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); a wrong secret
  is reported as InvalidSignatureException, an untrusted certificate as a
  transport failure."""

import datetime
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import boto3
import botocore.config
import botocore.exceptions

from secnode import Node, sigv4_authorization
from test_security_tls import OPENSSL, make_certificate

ADMIN = ("AKIDADMINEXPOSED0001", "admin-secret-exposed-0123456789abcdef")
READER = ("AKIDREADEREXPOSED002", "reader-secret-exposed-0123456789abcde")
WORKER = ("AKIDWORKEREXPOSED003", "worker-secret-exposed-0123456789abcde")

CONFIG = """
auth:
  mode: sigv4
  keys:
    - {access_key_id: %s, secret_access_key: %s, permissions: full}
    - {access_key_id: %s, secret_access_key: %s, permissions: read-only}
    - {access_key_id: %s, secret_access_key: %s, permissions: worker}
""" % (ADMIN + READER + WORKER)


def cli_path(node):
    built = os.path.join(os.path.dirname(os.path.dirname(node.binary)), "statecraft", "statecraft")
    path = os.environ.get("STATECRAFT_CLI") or built
    if not os.path.exists(path):
        raise unittest.SkipTest("statecraft CLI not built at " + path)
    return path


def signed_request(port, method, path, body, key, secret, target=None, token=None,
                   content_type="application/json", region="us-east-1"):
    """One request signed by hand (SigV4, service states) to 127.0.0.1:port:
    (status, parsed JSON body)."""
    amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    host = "127.0.0.1:%d" % port
    payload = body.encode()
    headers = {"content-type": content_type, "host": host, "x-amz-date": amz_date}
    if target:
        headers["x-amz-target"] = "AWSStepFunctions." + target
    if token:
        headers["x-amz-security-token"] = token
    send = {name.title(): value for name, value in headers.items()}
    send["Authorization"] = sigv4_authorization(method, path, headers, payload, key, secret, amz_date, region)
    return raw(port, method, path, payload, send)


def raw(port, method, path, payload=b"", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, body=payload, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    try:
        return r.status, json.loads(data or b"{}")
    except ValueError:
        return r.status, data.decode("utf-8", "replace")


def error_type(body):
    return body.get("__type", "").split("#")[-1] if isinstance(body, dict) else ""


class AdminRoutes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(["--clock", "manual"], config=CONFIG, name="admin")
        cls.cli = cli_path(cls.node)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def clock(self, method, key=None, body=""):
        if key is None:
            return raw(self.node.port, method, "/_statecraft/clock", body.encode(),
                       {"Content-Type": "application/json"})
        return signed_request(self.node.port, method, "/_statecraft/clock", body, *key)

    def test_no_signature(self):
        for method, body in (("GET", ""), ("POST", '{"advance":"1h"}')):
            status, b = self.clock(method, body=body)
            self.assertEqual(status, 400, b)
            self.assertEqual(error_type(b), "MissingAuthenticationTokenException")
        # Any other admin path too (nothing is served there).
        status, b = raw(self.node.port, "POST", "/_statecraft/anything", b"{}")
        self.assertEqual(error_type(b), "MissingAuthenticationTokenException")

    def test_wrong_secret(self):
        status, b = self.clock("POST", (ADMIN[0], "not-the-secret"), '{"advance":"1h"}')
        self.assertEqual(status, 400)
        self.assertEqual(error_type(b), "InvalidSignatureException")

    def test_permissions(self):
        status, before = self.clock("GET", ADMIN)
        self.assertEqual(status, 200, before)
        status, b = self.clock("GET", READER)
        self.assertEqual(status, 200, b)
        self.assertEqual(b["clock"], "manual")
        status, b = self.clock("GET", WORKER)
        self.assertEqual(error_type(b), "AccessDeniedException")
        self.assertIn("statecraft:GetAdmin", b["message"])
        status, b = self.clock("POST", READER, '{"advance":"1h"}')
        self.assertEqual(status, 400)
        self.assertEqual(error_type(b), "AccessDeniedException")
        self.assertIn("is not authorized to perform: statecraft:WriteAdmin", b["message"])
        status, after = self.clock("GET", ADMIN)
        self.assertEqual(after["nowEpochMillis"], before["nowEpochMillis"])  # not moved
        status, b = self.clock("POST", ADMIN, '{"advance":"1h"}')
        self.assertEqual(status, 200, b)
        self.assertEqual(b["nowEpochMillis"], before["nowEpochMillis"] + 3600 * 1000)

    def test_statecraft_clock_signs(self):
        url = "http://127.0.0.1:%d" % self.node.port
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        p = subprocess.run([self.cli, "clock", "show", "--endpoint", url], env=env,
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("MissingAuthenticationTokenException", p.stderr)
        p = subprocess.run([self.cli, "clock", "advance", "30m", "--endpoint", url,
                            "--access-key", READER[0], "--secret-key", READER[1]], env=env,
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("AccessDeniedException", p.stderr)
        p = subprocess.run([self.cli, "clock", "advance", "30m", "--endpoint", url],
                           env=dict(env, AWS_ACCESS_KEY_ID=ADMIN[0], AWS_SECRET_ACCESS_KEY=ADMIN[1]),
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["clock"], "manual")

    def test_metrics_stay_open(self):
        status, text = raw(self.node.port, "GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertIn("statecraft_", text)

    def test_session_token_is_unknown(self):
        # A valid signature that also signs a token: we issue no tokens, so
        # the token is unknown, as AWS answers for one it does not know.
        status, b = signed_request(self.node.port, "POST", "/", "{}", *ADMIN,
                                   target="ListStateMachines", token="FwoGZXIvYXdzEXAMPLE",
                                   content_type="application/x-amz-json-1.0")
        self.assertEqual(status, 400)
        self.assertEqual(error_type(b), "UnrecognizedClientException")
        self.assertEqual(b["message"], "The security token included in the request is invalid.")
        # boto3 with a session token: the same.
        sfn = boto3.client("stepfunctions", endpoint_url=self.node.url, region_name="us-east-1",
                           aws_access_key_id=ADMIN[0], aws_secret_access_key=ADMIN[1],
                           aws_session_token="FwoGZXIvYXdzEXAMPLE",
                           config=botocore.config.Config(retries={"total_max_attempts": 1}))
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            sfn.list_state_machines()
        self.assertEqual(cm.exception.response["Error"]["Code"], "UnrecognizedClientException")
        # Without the token the same key works.
        self.node.client(key=ADMIN[0], secret=ADMIN[1]).list_state_machines()


class TrafficOverTlsAndAuth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if OPENSSL is None:
            raise unittest.SkipTest("the openssl CLI is not installed")
        cls.certdir = tempfile.mkdtemp(prefix="statecraft-e2e-exposed-")
        cls.cert, cls.key = make_certificate(cls.certdir)
        cls.node = Node(["--tls-cert", cls.cert, "--tls-key", cls.key, "--clock", "manual"],
                        config=CONFIG, tls=True, name="exposed")
        cls.cli = cli_path(cls.node)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        shutil.rmtree(cls.certdir, ignore_errors=True)

    def traffic(self, *extra, env=None):
        e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        e.update(env or {})
        p = subprocess.run([self.cli, "traffic", "--scenario", "pass-chain", "--endpoint",
                            self.node.url, "--concurrency", "2", "--duration", "1.5", "--json",
                            "--no-progress", "--timeout", "10", "--drain", "5", *extra],
                           capture_output=True, text=True, timeout=120, env=e)
        try:
            report = json.loads(p.stdout[p.stdout.index("{"):])
        except ValueError:
            report = None
        return p, report

    def test_signed_over_https(self):
        p, report = self.traffic("--ca-bundle", self.cert, "--access-key", ADMIN[0],
                                 "--secret-key", ADMIN[1])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(report["errors"], {}, p.stdout)
        self.assertGreater(report["executions"]["verified"], 0, p.stdout)
        self.assertEqual(report["executions"]["mismatches"], 0, p.stdout)

    def test_keys_from_the_environment_and_insecure(self):
        p, report = self.traffic("--insecure", env={"AWS_ACCESS_KEY_ID": ADMIN[0],
                                                    "AWS_SECRET_ACCESS_KEY": ADMIN[1]})
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertGreater(report["executions"]["verified"], 0, p.stdout)

    def test_statecraft_clock_over_https(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        base = [self.cli, "clock", "advance", "1h", "--endpoint", self.node.url]
        p = subprocess.run(base + ["--ca-bundle", self.cert, "--access-key", ADMIN[0],
                                   "--secret-key", ADMIN[1]],
                           env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["clock"], "manual")
        p = subprocess.run(base + ["--ca-bundle", self.cert], env=env, capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("MissingAuthenticationTokenException", p.stderr)
        p = subprocess.run(base + ["--access-key", ADMIN[0], "--secret-key", ADMIN[1]], env=env,
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("certificate verify failed", p.stderr.lower())

    def test_wrong_secret_and_untrusted_certificate(self):
        p, report = self.traffic("--ca-bundle", self.cert, "--access-key", ADMIN[0],
                                 "--secret-key", "wrong")
        self.assertEqual(p.returncode, 1)
        self.assertIn("InvalidSignatureException", p.stdout + p.stderr)
        # No CA bundle: the self-signed certificate is not trusted.
        p, report = self.traffic("--access-key", ADMIN[0], "--secret-key", ADMIN[1])
        self.assertEqual(p.returncode, 1)
        self.assertIn("certificate verify failed", (p.stdout + p.stderr).lower())


if __name__ == "__main__":
    unittest.main()
