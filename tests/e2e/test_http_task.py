"""HTTP Task (arn:aws:states:::http:invoke) against real local HTTP servers.

The test starts its own node (with a config file defining connections, an
outbound allow-list and a trusted CA file) and two servers in threads: plain
HTTP and HTTPS (a self-signed certificate made here with the openssl CLI).
Covered: AWS's response shape for JSON and text, Standard and Express
(StartSyncExecution), the per-node bound on concurrent calls, 4xx/5xx mapped
to States.Http.StatusCode.<n> (Retry and Catch on them), TimeoutSeconds,
API key / basic / OAuth client-credentials connections (one token request
for several calls, a new token after a 401), QueryParameters and the
URL_ENCODED body transform, forbidden headers, unknown connections, the
allow-list, connection secrets absent from GetExecutionHistory and the
node's log, and (e2e-redis only) a call in flight across kill -9 of its node.

    python3 tests/e2e/run.py --statecraftd build/tools/statecraftd/statecraftd -k test_http_task
"""

import base64
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import botocore.config

from common import REGION, ROLE_ARN, dumps, full_history, uname, wait_for_status

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Redis, free_port, tail, wait_for_port  # noqa: E402

API_KEY = "k3y-" + "SECRET-apikey-7f3a9"
BASIC_USER, BASIC_PASSWORD = "alice", "SECRET-pw-41b2"
CLIENT_ID, CLIENT_SECRET = "client-1", "SECRET-client-9c8d"
SECRETS = [API_KEY, BASIC_PASSWORD, CLIENT_SECRET,
           base64.b64encode(("%s:%s" % (BASIC_USER, BASIC_PASSWORD)).encode()).decode(),
           base64.b64encode(("%s:%s" % (CLIENT_ID, CLIENT_SECRET)).encode()).decode()]

CONN = "arn:aws:events:us-east-1:123456789012:connection/%s/0b6f3c1e-aaaa-bbbb-cccc-000000000001"
OPEN_CONN = CONN % "open"
KEY_CONN = CONN % "apikey"
BASIC_CONN = CONN % "basic"
OAUTH_CONN = CONN % "oauth"
MAX_CALLS = 3  # outbound.max_concurrent_calls of the test node


class State:
    """What the test servers saw (shared by both)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.token_requests = []  # (method, content-type, body, authorization)
        self.tokens = set()
        self.flaky = {}
        self.requests = []
        self.in_flight = 0
        self.max_in_flight = 0


STATE = State()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, ctype="application/json", extra=()):
        data = body if isinstance(body, bytes) else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        u = urllib.parse.urlsplit(self.path)
        parts = u.path.strip("/").split("/")
        auth = self.headers.get("Authorization", "")
        with STATE.lock:
            STATE.requests.append((self.command, self.path))
        head = parts[0]
        if head == "json":
            return self.reply(200, {
                "method": self.command, "path": u.path,
                "query": urllib.parse.parse_qs(u.query),
                "body": raw,
                "content_type": self.headers.get("Content-Type"),
                "user_agent": self.headers.get("User-Agent"),
                "custom": self.headers.get("X-Custom"),
                "range": self.headers.get("Range"),
            }, extra=[("X-Multi", "a"), ("X-Multi", "b")])
        if head == "text":
            return self.reply(200, "hello, plain text", "text/plain; charset=utf-8")
        if head == "status":
            code = int(parts[1])
            return self.reply(code, {"message": "status %d from the test server" % code})
        if head == "flaky":  # /flaky/KEY/N: 503 for the first N calls
            key, fails = parts[1], int(parts[2])
            with STATE.lock:
                seen = STATE.flaky.get(key, 0)
                STATE.flaky[key] = seen + 1
            if seen < fails:
                return self.reply(503, {"attempt": seen + 1})
            return self.reply(200, {"attempt": seen + 1})
        if head == "sleep":
            with STATE.lock:
                STATE.in_flight += 1
                STATE.max_in_flight = max(STATE.max_in_flight, STATE.in_flight)
            time.sleep(int(parts[1]) / 1000.0)
            with STATE.lock:
                STATE.in_flight -= 1
            return self.reply(200, {"slept": True})
        if head == "apikey":
            ok = self.headers.get("x-api-key") == API_KEY
            return self.reply(200 if ok else 401, {"auth": "ok" if ok else "denied"})
        if head == "basic":
            want = "Basic " + base64.b64encode(("%s:%s" % (BASIC_USER, BASIC_PASSWORD)).encode()).decode()
            ok = auth == want
            return self.reply(200 if ok else 401, {"auth": "ok" if ok else "denied"})
        if head == "token":  # the OAuth token endpoint
            want = "Basic " + base64.b64encode(("%s:%s" % (CLIENT_ID, CLIENT_SECRET)).encode()).decode()
            form = urllib.parse.parse_qs(raw)
            with STATE.lock:
                STATE.token_requests.append((self.command, self.headers.get("Content-Type"), form, auth == want))
                if auth != want or form.get("grant_type") != ["client_credentials"]:
                    return self.reply(401, {"error": "invalid_client"})
                tok = "tok-%d" % len(STATE.token_requests)
                STATE.tokens.add(tok)
            return self.reply(200, {"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
        if head == "oauth":
            tok = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
            with STATE.lock:
                ok = tok in STATE.tokens
            return self.reply(200 if ok else 401, {"auth": "ok" if ok else "denied"})
        self.reply(404, {"message": "no such path"})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_any


def serve(tls_ctx=None):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    if tls_ctx:
        srv.socket = tls_ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def http_task(endpoint, conn=OPEN_CONN, method="GET", **extra):
    params = {"ApiEndpoint": endpoint, "Method": method, "Authentication": {"ConnectionArn": conn}}
    params.update(extra)
    return {"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "Parameters": params}


class HttpTaskTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        binary = os.environ.get("STATECRAFT_BIN")
        if not binary:
            raise unittest.SkipTest("STATECRAFT_BIN is not set; run via tests/e2e/run.py")
        cls.tmp = tempfile.mkdtemp(prefix="statecraft-e2e-http-")
        cls.cert = os.path.join(cls.tmp, "cert.pem")
        key = os.path.join(cls.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", key, "-out", cls.cert], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cls.cert, key)
        cls.srv = serve()
        cls.tls_srv = serve(ctx)
        cls.base = "http://127.0.0.1:%d" % cls.srv.server_address[1]
        cls.tls_base = "https://127.0.0.1:%d" % cls.tls_srv.server_address[1]
        config = {
            "outbound": {"allow": ["127.0.0.1"], "max_concurrent_calls": MAX_CALLS, "ca_file": cls.cert},
            "connections": [
                {"arn": OPEN_CONN, "authorization_type": "API_KEY",
                 "api_key": {"name": "X-Open", "value": "1"}},
                {"arn": KEY_CONN, "authorization_type": "API_KEY",
                 "api_key": {"name": "x-api-key", "value": "${E2E_HTTP_API_KEY}"}},
                {"arn": BASIC_CONN, "authorization_type": "BASIC",
                 "basic": {"username": BASIC_USER, "password": BASIC_PASSWORD},
                 "invocation_parameters": {"header_parameters": {"X-Custom": "from-connection"},
                                           "query_parameters": {"tenant": "acme"},
                                           "body_parameters": {"added": "by-connection"}}},
                {"arn": OAUTH_CONN, "authorization_type": "OAUTH_CLIENT_CREDENTIALS",
                 "oauth": {"token_endpoint": cls.base + "/token", "http_method": "POST",
                           "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                           "scopes": ["read", "write"],
                           "body_parameters": {"audience": "e2e"}}},
            ],
        }
        cfg_path = os.path.join(cls.tmp, "statecraft.yaml")
        with open(cfg_path, "w") as f:
            json.dump(config, f)  # JSON is YAML
        cls.port = free_port()
        cmd = [binary, "--config", cfg_path, "--port", str(cls.port), "--bind", "127.0.0.1",
               "--log-level", "debug", "--time-scale", "10"]
        cls.redis = None
        if os.environ.get("E2E_WITH_REDIS"):
            cls.redis = Redis(cls.tmp)
            cls.redis.start(10)
            cmd += ["--redis", cls.redis.url]
        cls.log = os.path.join(cls.tmp, "statecraftd.log")
        env = dict(os.environ, E2E_HTTP_API_KEY=API_KEY)
        with open(cls.log, "wb") as log:
            cls.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, cwd=cls.tmp, env=env)
        problem = wait_for_port(cls.proc, cls.port, 20)
        if problem:
            cls._stop()
            raise RuntimeError("http-task node %s\n%s" % (problem, tail(cls.log)))
        cls.sfn = boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:%d" % cls.port,
                               region_name=REGION, aws_access_key_id="test",
                               aws_secret_access_key="test",
                               config=botocore.config.Config(retries={"max_attempts": 1}))

    @classmethod
    def _stop(cls):
        if cls.proc.poll() is None:
            cls.proc.send_signal(signal.SIGTERM)
            try:
                cls.proc.wait(10)
            except subprocess.TimeoutExpired:
                cls.proc.kill()
                cls.proc.wait()
        if cls.redis is not None:
            cls.redis.stop()

    @classmethod
    def tearDownClass(cls):
        cls._stop()
        cls.srv.shutdown()
        cls.tls_srv.shutdown()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # helpers ---------------------------------------------------------------

    def run_states(self, states, start_at=None, input_obj=None, timeout=30):
        start_at = start_at or next(iter(states))
        name = uname("http")
        arn = self.sfn.create_state_machine(
            name=name, roleArn=ROLE_ARN,
            definition=dumps({"StartAt": start_at, "States": states}))["stateMachineArn"]
        ex = self.sfn.start_execution(stateMachineArn=arn, input=dumps(input_obj or {}))["executionArn"]
        d = wait_for_status(self.sfn, ex, timeout=timeout)
        return ex, d

    def run_task(self, task, **kw):
        task = dict(task)
        task["End"] = True
        return self.run_states({"Call": task}, **kw)

    def succeeded(self, task):
        ex, d = self.run_task(task)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        return ex, json.loads(d["output"])

    # tests -----------------------------------------------------------------

    def test_json_response_shape_and_history(self):
        ex, out = self.succeeded(http_task(self.base + "/json/a", method="POST",
                                           Headers={"X-Custom": "v1"},
                                           RequestBody={"hello": "world", "n": 1}))
        self.assertEqual(out["StatusCode"], 200)
        self.assertEqual(out["StatusText"], "OK")
        self.assertEqual(out["Headers"]["Content-Type"], ["application/json"])
        self.assertEqual(out["Headers"]["X-Multi"], ["a", "b"])
        body = out["ResponseBody"]  # parsed: the response is JSON
        self.assertEqual(body["method"], "POST")
        self.assertEqual(json.loads(body["body"]), {"hello": "world", "n": 1})
        self.assertTrue(body["content_type"].startswith("application/json"))
        self.assertEqual(body["user_agent"], "Amazon|StepFunctions|HttpInvoke|us-east-1")
        self.assertEqual(body["custom"], "v1")
        self.assertEqual(body["range"], "bytes=0-262144")
        events = full_history(self.sfn, ex)
        types = [e["type"] for e in events]
        for t in ("TaskScheduled", "TaskStarted", "TaskSucceeded"):
            self.assertIn(t, types)
        sched = next(e for e in events if e["type"] == "TaskScheduled")["taskScheduledEventDetails"]
        self.assertEqual(sched["resourceType"], "http")
        self.assertEqual(sched["resource"], "invoke")
        self.assertEqual(json.loads(sched["parameters"])["ApiEndpoint"], self.base + "/json/a")

    def test_text_response(self):
        _, out = self.succeeded(http_task(self.base + "/text"))
        self.assertEqual(out["ResponseBody"], "hello, plain text")
        self.assertEqual(out["Headers"]["Content-Type"], ["text/plain; charset=utf-8"])

    def test_https_with_the_configured_ca_file(self):
        _, out = self.succeeded(http_task(self.tls_base + "/json/tls"))
        self.assertEqual(out["ResponseBody"]["path"], "/json/tls")

    def test_4xx_and_5xx_fail_with_status_code_errors(self):
        for code in (404, 418, 500, 503):
            _, d = self.run_task(http_task(self.base + "/status/%d" % code))
            self.assertEqual(d["status"], "FAILED", d)
            self.assertEqual(d["error"], "States.Http.StatusCode.%d" % code)
            cause = json.loads(d["cause"])
            self.assertEqual(cause["StatusCode"], code)
            self.assertEqual(cause["ResponseBody"], {"message": "status %d from the test server" % code})

    def test_retry_on_a_status_code(self):
        key = uname("flaky")
        task = http_task(self.base + "/flaky/%s/2" % key)
        task["Retry"] = [{"ErrorEquals": ["States.Http.StatusCode.503"], "IntervalSeconds": 1,
                          "BackoffRate": 1.0, "MaxAttempts": 3}]
        ex, out = self.succeeded(task)
        self.assertEqual(out["ResponseBody"], {"attempt": 3})
        failed = [e for e in full_history(self.sfn, ex) if e["type"] == "TaskFailed"]
        self.assertEqual(len(failed), 2)
        self.assertEqual(failed[0]["taskFailedEventDetails"]["error"], "States.Http.StatusCode.503")

    def test_catch_on_a_status_code(self):
        task = http_task(self.base + "/status/404")
        task["Catch"] = [{"ErrorEquals": ["States.Http.StatusCode.404"], "ResultPath": "$.err",
                          "Next": "Handled"}]
        task["Next"] = "Handled"
        ex, d = self.run_states({"Call": task, "Handled": {"Type": "Pass", "End": True}},
                                input_obj={"x": 1})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertEqual(out["x"], 1)
        self.assertEqual(out["err"]["Error"], "States.Http.StatusCode.404")
        self.assertEqual(json.loads(out["err"]["Cause"])["StatusText"], "Not Found")

    def test_timeout_seconds(self):
        task = http_task(self.base + "/sleep/3000")
        task["TimeoutSeconds"] = 1  # 0.1 s at --time-scale 10
        ex, d = self.run_task(task)
        self.assertEqual(d["status"], "FAILED", d)
        self.assertEqual(d["error"], "States.Timeout")
        self.assertIn("TaskTimedOut", [e["type"] for e in full_history(self.sfn, ex)])

    def test_query_parameters_and_url_encoded_body(self):
        _, out = self.succeeded(http_task(
            self.base + "/json/form?fixed=1", method="POST",
            QueryParameters={"q": "a b&c", "n": 3, "many": ["x", "y"]},
            RequestBody={"name": "n 1", "list": ["a", "b"], "obj": {"k": "v"}},
            Transform={"RequestBodyEncoding": "URL_ENCODED",
                       "RequestEncodingOptions": {"ArrayFormat": "INDICES"}}))
        body = out["ResponseBody"]
        self.assertEqual(body["query"], {"fixed": ["1"], "q": ["a b&c"], "n": ["3"], "many": ["x", "y"]})
        self.assertEqual(body["content_type"], "application/x-www-form-urlencoded")
        self.assertEqual(urllib.parse.parse_qs(body["body"]),
                         {"name": ["n 1"], "list[0]": ["a"], "list[1]": ["b"], "obj[k]": ["v"]})
        for fmt, want in (("BRACKETS", {"list[]": ["a", "b"]}), ("REPEAT", {"list": ["a", "b"]}),
                          ("COMMAS", {"list": ["a,b"]})):
            _, out = self.succeeded(http_task(
                self.base + "/json/form", method="PUT", RequestBody={"list": ["a", "b"]},
                Transform={"RequestBodyEncoding": "URL_ENCODED",
                           "RequestEncodingOptions": {"ArrayFormat": fmt}}))
            self.assertEqual(urllib.parse.parse_qs(out["ResponseBody"]["body"]), want, fmt)

    def test_api_key_and_basic_connections(self):
        _, out = self.succeeded(http_task(self.base + "/apikey", KEY_CONN))
        self.assertEqual(out["ResponseBody"], {"auth": "ok"})
        _, out = self.succeeded(http_task(self.base + "/basic", BASIC_CONN))
        self.assertEqual(out["ResponseBody"], {"auth": "ok"})
        # the wrong connection is refused by the server
        _, d = self.run_task(http_task(self.base + "/basic", KEY_CONN))
        self.assertEqual(d["error"], "States.Http.StatusCode.401")

    def test_connection_invocation_parameters(self):
        _, out = self.succeeded(http_task(self.base + "/json/conn", BASIC_CONN, method="POST",
                                          Headers={"X-Custom": "from-task"},
                                          QueryParameters={"q": "1"}, RequestBody={"own": 1}))
        body = out["ResponseBody"]
        self.assertEqual(body["custom"], "from-connection")  # the connection's value wins
        self.assertEqual(body["query"], {"q": ["1"], "tenant": ["acme"]})
        self.assertEqual(json.loads(body["body"]), {"own": 1, "added": "by-connection"})

    def test_oauth_client_credentials_token_cached_and_refreshed(self):
        with STATE.lock:
            before = len(STATE.token_requests)
        for _ in range(3):
            _, out = self.succeeded(http_task(self.base + "/oauth/x", OAUTH_CONN))
            self.assertEqual(out["ResponseBody"], {"auth": "ok"})
        with STATE.lock:
            reqs = STATE.token_requests[before:]
        self.assertEqual(len(reqs), 1, reqs)  # one token for the three calls
        method, ctype, form, basic_ok = reqs[0]
        self.assertEqual(method, "POST")
        self.assertEqual(ctype, "application/x-www-form-urlencoded")
        self.assertTrue(basic_ok)
        self.assertEqual(form["grant_type"], ["client_credentials"])
        self.assertEqual(form["scope"], ["read write"])
        self.assertEqual(form["audience"], ["e2e"])
        # the API stops accepting the token: one 401, a new token, success
        with STATE.lock:
            STATE.tokens.clear()
        _, out = self.succeeded(http_task(self.base + "/oauth/y", OAUTH_CONN))
        self.assertEqual(out["ResponseBody"], {"auth": "ok"})
        with STATE.lock:
            self.assertEqual(len(STATE.token_requests) - before, 2)

    def test_secrets_absent_from_history_and_log(self):
        arns = []
        for path, conn in (("/apikey", KEY_CONN), ("/basic", BASIC_CONN), ("/oauth/z", OAUTH_CONN),
                           ("/status/500", KEY_CONN)):
            ex, _ = self.run_task(http_task(self.base + path, conn))
            arns.append(ex)
        for ex in arns:
            text = json.dumps(full_history(self.sfn, ex), default=str)
            for s in SECRETS:
                self.assertNotIn(s, text)
        with open(self.log, "rb") as f:
            log = f.read().decode("utf-8", "replace")
        for s in SECRETS:
            self.assertNotIn(s, log)

    def test_unknown_connection(self):
        _, d = self.run_task(http_task(self.base + "/json", CONN % "nope"))
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "Events.ConnectionResource.ResourceNotFound")
        self.assertIn(CONN % "nope", d["cause"])

    def test_invalid_arguments_and_forbidden_headers(self):
        _, d = self.run_task(http_task(self.base + "/json", Headers={"Host": "example.com"}))
        self.assertEqual(d["error"], "States.Runtime")
        self.assertIn("Host", d["cause"])
        _, d = self.run_task(http_task(self.base + "/json", Headers={"X-Amz-Date": "x"}))
        self.assertEqual(d["error"], "States.Runtime")
        _, d = self.run_task(http_task(self.base + "/json", method="FETCH"))
        self.assertEqual(d["error"], "States.Runtime")
        task = http_task(self.base + "/json")
        del task["Parameters"]["Authentication"]
        _, d = self.run_task(task)
        self.assertEqual(d["error"], "States.Runtime")

    def test_allow_list_refuses_other_hosts(self):
        port = self.srv.server_address[1]
        with STATE.lock:
            n = len(STATE.requests)
        _, d = self.run_task(http_task("http://127.0.0.2:%d/json" % port))
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.Http.Socket")
        self.assertIn("allow-list", d["cause"])
        with STATE.lock:
            self.assertEqual(len(STATE.requests), n)  # nothing reached a server

    def test_connection_refused(self):
        _, d = self.run_task(http_task("http://127.0.0.1:%d/json" % free_port()))
        self.assertEqual(d["error"], "States.Http.Socket")
        self.assertIn("refused", d["cause"])

    def test_concurrent_calls_bounded_per_node(self):
        with STATE.lock:
            STATE.max_in_flight = 0
        task = http_task(self.base + "/sleep/300")
        task["ResultSelector"] = {"s.$": "$.StatusCode"}
        task["End"] = True
        m = {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0,
             "ItemProcessor": {"StartAt": "Call", "States": {"Call": task}}, "End": True}
        _, d = self.run_states({"Fan": m}, input_obj={"items": list(range(8))})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), [{"s": 200}] * 8)
        with STATE.lock:
            seen = STATE.max_in_flight
        self.assertGreaterEqual(seen, 2)  # they did run side by side
        self.assertLessEqual(seen, MAX_CALLS)

    def test_express_sync_execution(self):
        task = http_task(self.base + "/json/express")
        task["End"] = True
        arn = self.sfn.create_state_machine(
            name=uname("httpx"), roleArn=ROLE_ARN, type="EXPRESS",
            definition=dumps({"StartAt": "Call", "States": {"Call": task}}))["stateMachineArn"]
        sync = boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:%d" % self.port,
                            region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test",
                            config=botocore.config.Config(retries={"max_attempts": 1},
                                                          inject_host_prefix=False))
        r = sync.start_sync_execution(stateMachineArn=arn, input="{}")
        self.assertEqual(r["status"], "SUCCEEDED", r)
        self.assertEqual(json.loads(r["output"])["ResponseBody"]["path"], "/json/express")

    def test_jsonata_http_task(self):
        task = {"Type": "Task", "QueryLanguage": "JSONata", "Resource": "arn:aws:states:::http:invoke",
                "Arguments": {"ApiEndpoint": "{% '" + self.base + "/json/' & $states.input.id %}",
                              "Method": "GET", "Authentication": {"ConnectionArn": OPEN_CONN}},
                "Output": "{% $states.result.ResponseBody.path %}", "End": True}
        _, d = self.run_states({"Call": task}, input_obj={"id": "j1"})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), "/json/j1")


class HttpTaskRestartTest(unittest.TestCase):
    """A call in flight when its node is killed (-9) is made again by the
    restarted node's recovery (at-least-once), on Redis (e2e-redis only)."""

    def test_call_in_flight_survives_kill_9(self):
        binary = os.environ.get("STATECRAFT_BIN")
        if not binary or not os.environ.get("E2E_WITH_REDIS"):
            raise unittest.SkipTest("needs STATECRAFT_BIN and E2E_WITH_REDIS (run.py --with-redis)")
        tmp = tempfile.mkdtemp(prefix="statecraft-e2e-http-restart-")
        srv = serve()
        redis = Redis(tmp)
        redis.start(10)
        procs = []
        try:
            base = "http://127.0.0.1:%d" % srv.server_address[1]
            cfg = os.path.join(tmp, "statecraft.yaml")
            with open(cfg, "w") as f:
                json.dump({"connections": [{"arn": OPEN_CONN, "authorization_type": "API_KEY",
                                            "api_key": {"name": "X-Open", "value": "1"}}]}, f)
            port = free_port()
            cmd = [binary, "--config", cfg, "--port", str(port), "--bind", "127.0.0.1",
                   "--log-level", "warn", "--redis", redis.url]

            def start_node(n):
                log = open(os.path.join(tmp, "node%d.log" % n), "wb")
                p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                procs.append(p)
                problem = wait_for_port(p, port, 20)
                self.assertIsNone(problem, problem)
                return p

            first = start_node(1)
            sfn = boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:%d" % port,
                               region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test",
                               config=botocore.config.Config(retries={"max_attempts": 1}))
            key = uname("slow")
            task = http_task(base + "/sleep/1500?k=" + key)
            task["End"] = True
            arn = sfn.create_state_machine(name=uname("httpr"), roleArn=ROLE_ARN,
                                           definition=dumps({"StartAt": "Call", "States": {"Call": task}}))["stateMachineArn"]
            ex = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]

            def calls():
                with STATE.lock:
                    return sum(1 for _, path in STATE.requests if key in path)

            deadline = time.time() + 10
            while calls() < 1 and time.time() < deadline:
                time.sleep(0.02)
            self.assertEqual(calls(), 1)  # the request is at the server
            first.kill()  # -9 while the call is in flight
            first.wait()
            start_node(2)
            d = wait_for_status(sfn, ex, timeout=30)
            self.assertEqual(d["status"], "SUCCEEDED", d)
            self.assertEqual(json.loads(d["output"])["ResponseBody"], {"slept": True})
            self.assertEqual(calls(), 2)  # made again by recovery: at-least-once
            types = [e["type"] for e in full_history(sfn, ex)]
            self.assertEqual(types.count("TaskScheduled"), 1)
            self.assertEqual(types.count("TaskSucceeded"), 1)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
                    try:
                        p.wait(10)
                    except subprocess.TimeoutExpired:
                        p.kill()
                        p.wait()
            redis.stop()
            srv.shutdown()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
