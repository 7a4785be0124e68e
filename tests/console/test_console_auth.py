"""The web console against a node that checks SigV4 signatures (`auth:` in
its config file), in Debian's headless chromium (tests/console/webdriver.py):

  * GET /console/info.json says auth is on and the node's Region, nothing else;
  * the page asks for keys; a full key signs in (the keys in sessionStorage
    only, never in localStorage, never in a request), lists the machines,
    starts an execution from the page and describes it, lists it; a reload
    keeps the sign-in;
  * a wrong secret shows InvalidSignatureException's message, an unknown key
    UnrecognizedClientException's; neither signs in;
  * a read-only key browses, and Start fails with AccessDeniedException
    shown in the page (which keeps working);
  * signing for another Region shows that Region's (empty) namespace;
  * Sign out returns to the sign-in and forgets the keys; keys the node no
    longer accepts bring the sign-in back with the node's refusal;
  * outside a secure context the form says WebCrypto is missing;
  * over HTTPS (a node with --tls-cert/--tls-key, the browser trusting that
    certificate's key) the console signs in and lists;
  * Firefox (tests/console/bidi.py) signs in, starts, signs out, and shows a
    read-only key's AccessDeniedException.

Usage: test_console_auth.py --statecraftd PATH [--console-dir DIR] [--screenshots DIR] [-k NAME]
Exit 0 = all passed."""

import argparse
import json
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import harness  # noqa: E402
from webdriver import Browser  # noqa: E402

import boto3  # noqa: E402
import botocore.config  # noqa: E402

REGION = "eu-central-1"
ACCOUNT = "123456789012"
ROLE = "arn:aws:iam::%s:role/console-test" % ACCOUNT
ADMIN = ("AKIDCONSOLEADMIN0001", "console-admin-secret-0123456789abcdefgh")
READER = ("AKIDCONSOLEREADER002", "console-reader-secret-0123456789abcdefg")
INSECURE_HOST = "statecraft-console.test"  # mapped to 127.0.0.1: not a secure context

CONFIG = """
auth:
  mode: sigv4
  keys:
    - {access_key_id: %s, secret_access_key: %s, permissions: full}
    - {access_key_id: %s, secret_access_key: %s, permissions: read-only}
""" % (ADMIN + READER)

PASS_DEF = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"got.$": "$.x"}, "End": True}}})

# Records what the page sends (URL, headers, body) so the test can prove the
# secret never leaves the browser.
RECORD_FETCH = """
window.__sent = [];
const orig = window.fetch;
window.fetch = async (input, init) => {
  const r = new Request(input, init);
  const body = await r.clone().text();
  window.__sent.push(r.url + '\\n' + [...r.headers].map(h => h.join(': ')).join('\\n') + '\\n' + body);
  return orig(r);
};
"""


def quote(s):
    return urllib.parse.quote(s, safe="")


class Suite:
    def __init__(self, args):
        self.args = args
        self.passed = 0
        self.failed = 0

    def start_node(self):
        self.port = harness.free_port()
        self.tmp = tempfile.mkdtemp(prefix="statecraft-console-auth-")
        self.node_log = os.path.join(self.tmp, "node.log")
        config = os.path.join(self.tmp, "statecraft.yaml")
        with open(config, "w") as f:
            f.write(CONFIG)
        cmd = [self.args.statecraftd, "--port", str(self.port), "--config", config, "--region", REGION,
               "--account-id", ACCOUNT, "--log-level", "warn"]
        if self.args.console_dir:
            cmd += ["--console-dir", self.args.console_dir]
        self.node = subprocess.Popen(cmd, stdout=open(self.node_log, "wb"), stderr=subprocess.STDOUT)
        err = harness.wait_for_port(self.node, self.port, 30)
        if err:
            raise RuntimeError("statecraftd " + err + "\n" + harness.tail(self.node_log))
        self.url = "http://127.0.0.1:%d/" % self.port
        self.sfn = boto3.client("stepfunctions", endpoint_url=self.url.rstrip("/"), region_name=REGION,
                                aws_access_key_id=ADMIN[0], aws_secret_access_key=ADMIN[1],
                                config=botocore.config.Config(retries={"max_attempts": 0}))

    def make_certificate(self):
        """A self-signed certificate for localhost, and the browser flag that
        trusts its key (chromium's --ignore-certificate-errors-spki-list)."""
        self.cert = os.path.join(self.tmp, "cert.pem")
        self.key = os.path.join(self.tmp, "key.pem")
        subprocess.run([shutil.which("openssl") or "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", self.key, "-out", self.cert, "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost"], check=True, capture_output=True)
        der = subprocess.run(["openssl", "x509", "-in", self.cert, "-noout", "-pubkey"], check=True,
                             capture_output=True).stdout
        der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=der, check=True,
                             capture_output=True).stdout
        return "--ignore-certificate-errors-spki-list=" + base64.b64encode(hashlib.sha256(der).digest()).decode()

    def shot(self, name):
        if self.args.screenshots:
            os.makedirs(self.args.screenshots, exist_ok=True)
            time.sleep(0.3)
            self.b.screenshot(os.path.join(self.args.screenshots, name))

    def fresh(self, fragment=""):
        """The page as a new tab would open it: no keys held."""
        self.b.open(self.url)
        self.b.js("sessionStorage.clear(); localStorage.clear();")
        self.open(fragment)

    def open(self, fragment):
        self.b.open("about:blank")  # a new document: a hash change alone would not reload the page
        self.b.open(self.url + fragment)
        self.b.wait("return document.querySelector('.view[data-ready]') !== null", 20, "the view to load")

    def sign_in(self, key, secret, region=None):
        self.b.wait("return document.querySelector('#signin-button') !== null", 10, "the sign-in form")
        self.b.js("document.querySelector('#signin-akid').value = arguments[0];"
                  "document.querySelector('#signin-secret').value = arguments[1];"
                  "if (arguments[2]) document.querySelector('#signin-region').value = arguments[2];",
                  key, secret, region or "")
        self.b.click("#signin-button")

    def error_text(self, where, what, timeout=10):
        return self.b.wait("const e = document.querySelector(arguments[0] + ' .error');"
                           "return e ? e.textContent : null", timeout, what, where)

    # -- the tests ---------------------------------------------------------
    def test_info_route(self):
        with urllib.request.urlopen(self.url + "console/info.json", timeout=10) as r:
            assert r.headers["Content-Type"] == "application/json", r.headers["Content-Type"]
            assert json.loads(r.read()) == {"auth": "sigv4", "region": REGION}
        # The API itself still refuses an unsigned call.
        req = urllib.request.Request(self.url, data=b"{}", method="POST", headers={
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions.ListStateMachines"})
        try:
            urllib.request.urlopen(req, timeout=10)
            raise AssertionError("an unsigned call was served")
        except urllib.error.HTTPError as e:
            assert "MissingAuthenticationTokenException" in e.read().decode(), e

    def test_full_key_lists_starts_and_describes(self):
        m = self.sfn.create_state_machine(name="signed-start", roleArn=ROLE, definition=PASS_DEF)["stateMachineArn"]
        self.fresh()
        self.b.js(RECORD_FETCH)
        assert self.b.js("return document.querySelector('#machines') === null"), "machines shown before sign-in"
        assert self.b.js("return document.querySelector('#signin-region').value") == REGION
        assert self.b.js("return document.querySelector('#signin-insecure') === null")
        self.shot("signin.png")
        self.sign_in(*ADMIN)
        self.b.wait("return [...document.querySelectorAll('#machines a')].some(a => a.textContent === 'signed-start')",
                    10, "the machine list, signed")
        assert ADMIN[0] in self.b.js("return document.querySelector('#signed-in-as').textContent")
        # Start from the page, then the execution's page (DescribeExecution).
        self.b.open(self.url + "#/machine/%s/start" % quote(m))
        self.b.wait("return document.querySelector('#start-button') !== null", 10, "the start form")
        self.b.js("document.querySelector('#start-input').value = arguments[0]", json.dumps({"x": 5}))
        self.b.type("#start-name", "signed-1")
        self.b.click("#start-button")
        self.b.wait("const s = document.querySelector('#exec-status'); return s && s.dataset.status === 'SUCCEEDED'",
                    15, "the started execution SUCCEEDED")
        assert json.loads(self.b.js("return document.querySelector('#exec-output').textContent")) == {"got": 5}
        arn = m.replace(":stateMachine:", ":execution:") + ":signed-1"
        assert self.sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"
        # The keys: this tab's sessionStorage only; every request signed, none
        # carrying the secret.
        held = json.loads(self.b.js("return sessionStorage.getItem('statecraft.credentials')"))
        assert held == {"accessKeyId": ADMIN[0], "secretAccessKey": ADMIN[1], "region": REGION}, held
        assert self.b.js("return localStorage.length") == 0
        sent = self.b.js("return window.__sent")
        api = [s for s in sent if "x-amz-target" in s.lower()]
        assert len(api) >= 3, sent
        for s in sent:
            assert ADMIN[1] not in s, "the secret was sent: " + s
        for s in api:
            assert "AWS4-HMAC-SHA256 Credential=%s/" % ADMIN[0] in s and "/%s/states/aws4_request" % REGION in s, s
        # A reload keeps the sign-in (same tab); the executions tab lists it.
        self.open("#/machine/%s/executions" % quote(m))
        self.b.wait("return [...document.querySelectorAll('#executions a')].some(a => a.textContent === 'signed-1')",
                    10, "the execution listed after a reload")
        self.shot("signed-in.png")

    def test_wrong_secret_is_refused(self):
        self.fresh()
        self.sign_in(ADMIN[0], "not-the-secret")
        text = self.error_text("#signin-message", "the refusal")
        assert text.startswith("InvalidSignatureException: The request signature we calculated does not match"), text
        self.shot("signin-wrong-secret.png")
        assert self.b.js("return sessionStorage.getItem('statecraft.credentials')") is None
        assert self.b.js("return document.querySelector('#machines') === null")
        self.b.js("document.querySelector('#signin-akid').value = 'AKIDNOSUCHKEY0000000'")
        self.b.click("#signin-button")
        self.b.wait("const e = document.querySelector('#signin-message .error');"
                    "return e && e.textContent.startsWith('UnrecognizedClientException: The security token included"
                    " in the request is invalid')", 10, "UnrecognizedClientException")
        # The right secret then signs in from the same form.
        self.b.js("document.querySelector('#signin-akid').value = arguments[0];"
                  "document.querySelector('#signin-secret').value = arguments[1]", *ADMIN)
        self.b.click("#signin-button")
        self.b.wait("return document.querySelector('#machines') !== null", 10, "signed in after a retry")

    def test_read_only_key_browses_but_cannot_start(self):
        m = self.sfn.create_state_machine(name="read-only-view", roleArn=ROLE, definition=PASS_DEF)["stateMachineArn"]
        self.sfn.start_execution(stateMachineArn=m, name="seen-by-reader")
        self.fresh("#/machine/%s/executions" % quote(m))
        self.sign_in(*READER)
        self.b.wait("return [...document.querySelectorAll('#executions a')].some(a => a.textContent === 'seen-by-reader')",
                    10, "the reader sees the executions")
        self.b.open(self.url + "#/machine/%s/start" % quote(m))
        self.b.wait("return document.querySelector('#start-button') !== null", 10, "the start form")
        self.b.click("#start-button")
        text = self.error_text(".view", "the AccessDeniedException")
        assert text == ("AccessDeniedException: User: arn:aws:iam::%s:user/%s is not authorized to perform: "
                        "states:StartExecution because no identity-based policy allows the states:StartExecution "
                        "action" % (ACCOUNT, READER[0])), text
        self.shot("read-only-start.png")
        assert len(self.sfn.list_executions(stateMachineArn=m)["executions"]) == 1
        # The page still works: back to the list.
        self.b.open(self.url + "#/")
        self.b.wait("return [...document.querySelectorAll('#machines a')].some(a => a.textContent === 'read-only-view')",
                    10, "the list again")

    def test_region_is_the_signing_scope(self):
        self.sfn.create_state_machine(name="in-frankfurt", roleArn=ROLE, definition=PASS_DEF)
        self.fresh()
        self.sign_in(ADMIN[0], ADMIN[1], "eu-west-1")
        self.b.wait("const t = document.querySelector('#machines'); return t && t.textContent.includes('No state machines')",
                    10, "eu-west-1's empty namespace")
        assert "eu-west-1" in self.b.js("return document.querySelector('#signed-in-as').textContent")

    def test_sign_out(self):
        self.fresh()
        self.sign_in(*ADMIN)
        self.b.wait("return document.querySelector('#machines') !== null", 10, "signed in")
        self.b.click("#signout")
        self.b.wait("return document.querySelector('#signin-button') !== null", 10, "the sign-in form again")
        assert self.b.js("return sessionStorage.getItem('statecraft.credentials')") is None
        assert self.b.js("return document.querySelector('#signout') === null")
        # Another page of the console asks for keys too.
        self.open("#/activities")
        assert self.b.js("return document.querySelector('#signin-button') !== null")

    def test_keys_that_stopped_working_ask_again(self):
        # Keys held by the tab that the node no longer knows (removed from
        # its config): the page asks for keys again and says why.
        self.fresh()
        self.b.js("sessionStorage.setItem('statecraft.credentials', arguments[0])",
                  json.dumps({"accessKeyId": "AKIDREMOVEDKEY000000", "secretAccessKey": "x", "region": REGION}))
        self.open("#/activities")
        text = self.error_text("#signin-message", "the reason to sign in again")
        assert text.startswith("UnrecognizedClientException:"), text
        assert self.b.js("return sessionStorage.getItem('statecraft.credentials')") is None

    def test_insecure_context_is_explained(self):
        # The same node under a name that is neither localhost nor HTTPS.
        self.b.open("http://%s:%d/" % (INSECURE_HOST, self.port))
        text = self.b.wait("const e = document.querySelector('#signin-insecure'); return e ? e.textContent : null",
                           10, "the secure-context message")
        assert "not a secure context" in text and "HTTPS" in text, text
        assert self.b.js("return document.querySelector('#signin-button').disabled") is True

    def test_https(self):
        port = harness.free_port()
        log = os.path.join(self.tmp, "node-tls.log")
        node = subprocess.Popen([self.args.statecraftd, "--port", str(port), "--config",
                                 os.path.join(self.tmp, "statecraft.yaml"), "--region", REGION, "--log-level", "warn",
                                 "--tls-cert", self.cert, "--tls-key", self.key]
                                + (["--console-dir", self.args.console_dir] if self.args.console_dir else []),
                                stdout=open(log, "wb"), stderr=subprocess.STDOUT)
        try:
            err = harness.wait_for_port(node, port, 30)
            if err:
                raise RuntimeError("statecraftd (TLS) " + err + "\n" + harness.tail(log))
            url = "https://localhost:%d/" % port
            self.b.open(url)
            self.b.wait("return document.querySelector('#signin-button') !== null", 10, "the sign-in over HTTPS")
            assert self.b.js("return window.isSecureContext && document.querySelector('#signin-insecure') === null")
            self.sign_in(*ADMIN)
            self.b.wait("const t = document.querySelector('#machines'); return t && t.textContent.includes('No state machines')",
                        10, "the (new node's empty) list over HTTPS")
        finally:
            node.terminate()
            try:
                node.wait(10)
            except subprocess.TimeoutExpired:
                node.kill()

    def test_firefox_signs_in(self):
        # Firefox's WebCrypto and fetch sign as well: a signed Start, and a
        # read-only key's refusal.
        from bidi import Firefox
        m = self.sfn.create_state_machine(name="ff-signed", roleArn=ROLE, definition=PASS_DEF)["stateMachineArn"]
        ff = Firefox()
        try:
            ff.open(self.url + "#/machine/%s/start" % quote(m))
            ff.wait("return document.querySelector('#signin-button') !== null", 20, "the sign-in in Firefox")
            fill = ("document.querySelector('#signin-akid').value = %s;"
                    "document.querySelector('#signin-secret').value = %s;"
                    "document.querySelector('#signin').requestSubmit(); return true;")
            ff.js(fill % (json.dumps(ADMIN[0]), json.dumps(ADMIN[1])))
            ff.wait("return document.querySelector('#start-button') !== null", 10, "the start form, signed in")
            ff.js("document.querySelector('#start-name').value = 'from-firefox';"
                  "document.querySelector('#start-input').value = '{\"x\": 1}';"
                  "document.querySelector('#start-button').click(); return true;")
            ff.wait("const s = document.querySelector('#exec-status'); return s && s.dataset.status === 'SUCCEEDED'",
                    15, "the execution started from Firefox SUCCEEDED")
            assert self.sfn.describe_execution(
                executionArn=m.replace(":stateMachine:", ":execution:") + ":from-firefox")["status"] == "SUCCEEDED"
            ff.js("document.querySelector('#signout').click(); return true;")
            ff.wait("return document.querySelector('#signin-button') !== null", 10, "signed out in Firefox")
            ff.js(fill % (json.dumps(READER[0]), json.dumps(READER[1])))
            ff.wait("return document.querySelector('#signout') !== null", 10, "the reader signed in")
            ff.open(self.url + "#/machine/%s/start" % quote(m))
            ff.wait("return document.querySelector('#start-button') !== null", 10, "the start form")
            ff.js("document.querySelector('#start-button').click(); return true;")
            text = ff.wait("const e = document.querySelector('.view .error'); return e ? e.textContent : null", 10,
                           "the AccessDeniedException in Firefox")
            assert text.startswith("AccessDeniedException: User: arn:aws:iam::%s:user/%s" % (ACCOUNT, READER[0])), text
            print("     (Firefox %s)" % ff.version)
        except Exception:
            print("     Firefox's page: %r" % ff.js("return document.querySelector('#app').innerText.slice(0, 600)"))
            raise
        finally:
            ff.close()

    def run(self):
        self.start_node()
        try:
            self.b = Browser(extra_args=["--host-resolver-rules=MAP %s 127.0.0.1" % INSECURE_HOST,
                                         self.make_certificate()])
        except Exception:
            self.node.terminate()
            raise
        try:
            order = ["test_info_route", "test_full_key_lists_starts_and_describes", "test_wrong_secret_is_refused",
                     "test_read_only_key_browses_but_cannot_start", "test_region_is_the_signing_scope",
                     "test_sign_out", "test_keys_that_stopped_working_ask_again", "test_insecure_context_is_explained",
                     "test_https", "test_firefox_signs_in"]
            tests = sorted((t for t in dir(self) if t.startswith("test_")),
                           key=lambda t: order.index(t) if t in order else 99)
            for t in tests:
                if self.args.k and self.args.k not in t:
                    continue
                t0 = time.monotonic()
                try:
                    getattr(self, t)()
                    self.passed += 1
                    print("ok   %s (%.1fs)" % (t, time.monotonic() - t0), flush=True)
                except Exception:
                    self.failed += 1
                    print("FAIL %s" % t, flush=True)
                    traceback.print_exc()
                    try:
                        self.b.screenshot(os.path.join(self.tmp, t + ".png"))
                        print("     screenshot: %s" % os.path.join(self.tmp, t + ".png"))
                    except Exception:
                        pass
        finally:
            self.b.close()
            self.node.terminate()
            try:
                self.node.wait(10)
            except subprocess.TimeoutExpired:
                self.node.kill()
        if self.failed:
            print("node log:\n" + harness.tail(self.node_log, 30))
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--statecraftd", required=True)
    p.add_argument("--console-dir", default="")
    p.add_argument("--screenshots", default="", help="save the screenshots here (docs/console)")
    p.add_argument("-k", default="", help="run only the tests whose name contains this")
    args = p.parse_args()
    return Suite(args).run()


if __name__ == "__main__":
    sys.exit(main())
