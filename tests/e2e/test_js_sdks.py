"""The AWS SDKs for JavaScript, v2 (`aws-sdk`) and v3 (`@aws-sdk/client-sfn`),
against the node, with the settings the README gives (section Clients).

Each call runs tests/e2e/js/call.js in node with the SDKs that
tests/e2e/js/install.sh put in a cache folder (scripts/setup.sh runs it; this
module runs it too when the set-up was skipped). The tests are skipped, with
the reason, only when node is missing or npm cannot install the SDKs.
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest
import urllib.parse

from common import E2ETestCase, PASS_DEF, dumps, endpoint, sm_arn, uname

HERE = os.path.dirname(os.path.abspath(__file__))
JS = os.path.join(HERE, "js")
NODE = shutil.which("node")
_MODULES = None  # node_modules path, or the reason they are unavailable


def node_modules():
    global _MODULES
    if _MODULES is None:
        if NODE is None:
            _MODULES = (None, "node is not installed")
        else:
            p = subprocess.run([os.path.join(JS, "install.sh")], capture_output=True, text=True,
                               timeout=360)
            if p.returncode == 0:
                _MODULES = (p.stdout.strip().splitlines()[-1], None)
            else:
                lines = p.stderr.strip().splitlines() or ["(no output)"]
                _MODULES = (None, "the AWS SDKs for JavaScript could not be installed with npm: %s"
                                  % " / ".join(dict.fromkeys([lines[0], lines[-1]])))
    return _MODULES


def setUpModule():
    path, reason = node_modules()
    if path is None:
        raise unittest.SkipTest(reason)


def call(sdk, operation, params=None, env=None, **options):
    """Runs one operation through SDK "v2" or "v3"; returns call.js's answer.
    `env`: more environment variables for node."""
    options.setdefault("endpoint", endpoint())
    env = dict(os.environ, NODE_PATH=node_modules()[0], NODE_NO_WARNINGS="1", **(env or {}))
    p = subprocess.run([NODE, os.path.join(JS, "call.js"), sdk, json.dumps(options), operation,
                        json.dumps(params or {})],
                       capture_output=True, text=True, timeout=60, env=env)
    if p.returncode != 0 or not p.stdout.strip():
        raise AssertionError("call.js %s %s exited %d:\n%s%s"
                             % (sdk, operation, p.returncode, p.stdout, p.stderr))
    return json.loads(p.stdout.strip().splitlines()[-1])


EXPRESS_DEF = {
    "StartAt": "Add",
    "States": {"Add": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"},
                       "End": True}},
}
FAIL_DEF = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "on purpose"}}}


class _Sdk:
    """The checks, for one SDK (SDK = "v2" or "v3")."""
    SDK = None

    def call(self, operation, params=None, env=None, **options):
        return call(self.SDK, operation, params, env, **options)

    def ok(self, answer):
        self.assertTrue(answer["ok"], answer)
        self.assertEqual(answer["status"], 200, answer)
        return answer["result"]

    def express(self, definition=EXPRESS_DEF):
        return self.create_sm(definition, sm_type="EXPRESS")[0]

    def test_start_sync_execution_with_the_readme_setting(self):
        # v2: hostPrefixEnabled: false; v3: disableHostPrefix: true.
        sm = self.express()
        answer = self.call("StartSyncExecution", {"stateMachineArn": sm, "name": "js-sync",
                                                  "input": dumps({"a": 2, "b": 3})},
                           hostPrefix="off")
        r = self.ok(answer)
        self.assertEqual(r["status"], "SUCCEEDED", r)
        self.assertEqual(json.loads(r["output"]), {"sum": 5})
        self.assertEqual(r["stateMachineArn"], sm)
        self.assertEqual(answer["sentHost"], urllib.parse.urlparse(endpoint()).netloc, answer)
        # arn:aws:states:REGION:ACCOUNT:express:MACHINE:NAME:ID
        self.assertTrue(r["executionArn"].startswith(sm.replace(":stateMachine:", ":express:")
                                                      + ":js-sync:"), r)
        self.assertIn("billingDetails", r)
        # Dates arrive parsed (and serialized back as ISO strings by call.js).
        self.assertRegex(r["startDate"], r"^\d{4}-\d\d-\d\dT")

    def test_start_sync_execution_failed_execution(self):
        sm = self.express(FAIL_DEF)
        r = self.ok(self.call("StartSyncExecution", {"stateMachineArn": sm}, hostPrefix="off"))
        self.assertEqual(r["status"], "FAILED", r)
        self.assertEqual((r["error"], r["cause"]), ("Boom", "on purpose"))

    def test_start_sync_execution_default_prefixes_the_host(self):
        # With the defaults the SDK sends StartSyncExecution to
        # sync-127.0.0.1, a name that does not resolve: the call never
        # reaches the node. (Documented in the README; this pins it.)
        sm = self.express()
        e = self.call("StartSyncExecution", {"stateMachineArn": sm})
        self.assertFalse(e["ok"], e)
        self.assertEqual(e["error"]["hostname"], "sync-" + urllib.parse.urlparse(endpoint()).hostname,
                         e)
        self.assertEqual(e["error"]["code"], self.UNRESOLVED_CODE, e)

    def test_environment_and_config_file_do_not_apply(self):
        # botocore's AWS_DISABLE_HOST_PREFIX_INJECTION and the config file's
        # disable_host_prefix_injection are not read by these SDKs (the
        # README says so): the prefix stays.
        sm = self.express()
        d = tempfile.mkdtemp(prefix="statecraft-aws-config-")
        self.addCleanup(shutil.rmtree, d, True)
        cfg = os.path.join(d, "config")
        with open(cfg, "w") as f:
            f.write("[default]\ndisable_host_prefix_injection = true\n")
        e = self.call("StartSyncExecution", {"stateMachineArn": sm},
                      env={"AWS_DISABLE_HOST_PREFIX_INJECTION": "true", "AWS_CONFIG_FILE": cfg,
                           "AWS_SDK_LOAD_CONFIG": "1"})
        self.assertFalse(e["ok"], e)
        self.assertEqual(e["error"]["code"], self.UNRESOLVED_CODE, e)

    def test_default_prefix_with_the_name_resolved(self):
        # The README's other way: keep the default and make sync-<host>
        # resolve (a hosts-file line; here the script answers the look-up).
        # The request then reaches the node with "Host: sync-localhost:PORT".
        sm = self.express()
        port = urllib.parse.urlparse(endpoint()).port
        answer = self.call("StartSyncExecution", {"stateMachineArn": sm, "input": '{"a":1,"b":1}'},
                           endpoint="http://localhost:%d" % port,
                           resolve={"sync-localhost": "127.0.0.1", "localhost": "127.0.0.1"})
        r = self.ok(answer)
        self.assertEqual(r["status"], "SUCCEEDED", r)
        self.assertEqual(json.loads(r["output"]), {"sum": 2})
        self.assertEqual(answer["sentHost"], "sync-localhost:%d" % port, answer)

    def test_start_and_describe_execution(self):
        # StartExecution has no host prefix: the defaults work.
        sm, _ = self.create_sm(PASS_DEF)
        r = self.ok(self.call("StartExecution", {"stateMachineArn": sm, "input": '{"k":1}'}))
        arn = r["executionArn"]
        self.assertRegex(r["startDate"], r"^\d{4}-\d\d-\d\dT")
        d = self.ok(self.call("DescribeExecution", {"executionArn": arn}))
        self.assertEqual(d["executionArn"], arn)
        self.assertEqual(d["stateMachineArn"], sm)
        self.assertIn(d["status"], ("RUNNING", "SUCCEEDED"))
        self.assertEqual(json.loads(d["input"]), {"k": 1})
        if d["status"] == "RUNNING":
            d = self.ok(self.call("DescribeExecution", {"executionArn": arn}))
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), {"ok": True})

    def test_state_machine_does_not_exist(self):
        e = self.call("StartExecution", {"stateMachineArn": sm_arn(uname("missing"))})
        self.assertFalse(e["ok"], e)
        err = e["error"]
        self.assertEqual((err["name"], err["status"]), ("StateMachineDoesNotExist", 400), err)
        if self.SDK == "v2":
            self.assertEqual(err["code"], "StateMachineDoesNotExist", err)
        self.assertIn("State Machine Does Not Exist", err["message"])
        self.assertEqual(err["typed"], self.SDK == "v3", err)
        if self.SDK == "v3":
            self.assertEqual(err["fault"], "client", err)

    def test_validation_exception(self):
        e = self.call("DescribeExecution", {"executionArn": "not-an-arn"})
        self.assertFalse(e["ok"], e)
        err = e["error"]
        self.assertEqual((err["name"], err["status"]), ("InvalidArn", 400), err)
        self.assertIn("Invalid Arn", err["message"])
        self.assertEqual(err["typed"], self.SDK == "v3", err)


class JsSdkV2(_Sdk, E2ETestCase):
    SDK = "v2"
    UNRESOLVED_CODE = "UnknownEndpoint"  # v2 wraps ENOTFOUND


class JsSdkV3(_Sdk, E2ETestCase):
    SDK = "v3"
    UNRESOLVED_CODE = "ENOTFOUND"
