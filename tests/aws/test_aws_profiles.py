"""Credentials from shared-config profiles, as the AWS SDKs resolve them,
against moto's STS: a role_arn chain (source_profile -> role -> role, with
role_session_name, external_id, duration_seconds) selected by AWS_PROFILE,
and credential_process (run once while its credentials are valid).

Each test starts its own node whose environment has no AWS_ACCESS_KEY_ID:
only the profile gives it credentials."""

import json
import os
import subprocess
import sys
import tempfile

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from common import uname, wait_for_status  # noqa: E402
from harness import free_port, wait_for_port  # noqa: E402
import test_aws_integrations as base  # noqa: E402  (a module: its TestCases are not collected twice)

ACCOUNT, MOTO, task = base.ACCOUNT, base.MOTO, base.task


def caller_arn(access_key):
    """What moto's STS says the identity of `access_key` is (moto looks
    the assumed role up by the access key id)."""
    sts = boto3.client("sts", endpoint_url=MOTO, region_name="us-east-1", aws_access_key_id=access_key,
                       aws_secret_access_key="unused", aws_session_token="unused")
    return sts.get_caller_identity()["Arn"]


class ProfileCredentialsTest(base.AwsTestCase):
    register = base.LambdaTest.register
    invocations = base.LambdaTest.invocations

    def start_node(self, config, credentials, profile):
        tmp = tempfile.mkdtemp(prefix="statecraft-profiles-")
        cfg_path, creds_path = os.path.join(tmp, "config"), os.path.join(tmp, "credentials")
        with open(cfg_path, "w") as f:
            f.write(config)
        with open(creds_path, "w") as f:
            f.write(credentials)
        env = {k: v for k, v in os.environ.items()
               if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}
        env.update({"AWS_CONFIG_FILE": cfg_path, "AWS_SHARED_CREDENTIALS_FILE": creds_path,
                    "AWS_PROFILE": profile})
        port = free_port()
        proc = subprocess.Popen([os.environ["STATECRAFT_BIN"], "--port", str(port), "--log-level", "warn"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.terminate)
        self.assertIsNone(wait_for_port(proc, port, 20))
        return tmp, boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:%d" % port,
                                 region_name="us-east-1")

    def invoke(self, sfn, fn, n=1):
        sm = sfn.create_state_machine(
            name=uname("sm"), roleArn="arn:aws:iam::%s:role/r" % ACCOUNT,
            definition=json.dumps({"StartAt": "L", "States": {"L": task(
                "arn:aws:states:::lambda:invoke", {"FunctionName": fn, "Payload": {"n": n}})}}))
        arn = sfn.start_execution(stateMachineArn=sm["stateMachineArn"])["executionArn"]
        return wait_for_status(sfn, arn, timeout=30)

    def test_role_chain_of_aws_profile_is_assumed_through_sts(self):
        config = """[profile middle]
role_arn = arn:aws:iam::%(a)s:role/middle
source_profile = src

[profile chained]
role_arn = arn:aws:iam::%(a)s:role/final
source_profile = middle
role_session_name = statecraft-e2e
external_id = ext-42
duration_seconds = 900
""" % {"a": ACCOUNT}
        credentials = "[src]\naws_access_key_id = AKIDSOURCEPROFILE\naws_secret_access_key = srcsecret\n"
        _, sfn = self.start_node(config, credentials, "chained")
        fn = uname("fn")
        self.register(fn)
        for n in (1, 2):
            d = self.invoke(sfn, fn, n)
            self.assertEqual(d["status"], "SUCCEEDED", d)
        inv = self.invocations(fn)
        self.assertEqual(len(inv), 2)
        key = inv[0]["accessKey"]
        self.assertNotEqual(key, "AKIDSOURCEPROFILE")
        self.assertTrue(inv[0]["sessionToken"])
        self.assertEqual(inv[1]["accessKey"], key)  # kept until shortly before it expires
        self.assertEqual(caller_arn(key), "arn:aws:sts::%s:assumed-role/final/statecraft-e2e" % ACCOUNT)

    def test_role_chain_loop_fails_the_task_saying_so(self):
        config = """[profile a]
role_arn = arn:aws:iam::%(a)s:role/a
source_profile = b
[profile b]
role_arn = arn:aws:iam::%(a)s:role/b
source_profile = a
""" % {"a": ACCOUNT}
        _, sfn = self.start_node(config, "", "a")
        d = self.invoke(sfn, uname("fn"))
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "Lambda.SdkClientException")
        self.assertIn("Infinite loop in credential configuration detected: a -> b -> a", d["cause"])

    def test_credential_process_runs_once_and_is_a_role_source(self):
        tmp = tempfile.mkdtemp(prefix="statecraft-proc-")
        script = os.path.join(tmp, "creds.py")
        count = os.path.join(tmp, "count")
        with open(script, "w") as f:
            f.write("import json, sys\n"
                    "open(sys.argv[1], 'a').write('x')\n"
                    "print(json.dumps({'Version': 1, 'AccessKeyId': 'AKIDFROMPROCESS',\n"
                    "                  'SecretAccessKey': 'procsecret', 'SessionToken': 'proctoken',\n"
                    "                  'Expiration': '2099-01-01T00:00:00Z'}))\n")
        config = """[profile proc]
credential_process = %(py)s "%(script)s" "%(count)s"
[profile proc-role]
role_arn = arn:aws:iam::%(a)s:role/from-process
source_profile = proc
role_session_name = proc-session
""" % {"py": sys.executable, "script": script, "count": count, "a": ACCOUNT}
        _, sfn = self.start_node(config, "", "proc")
        fn = uname("fn")
        self.register(fn)
        for n in (1, 2):
            self.assertEqual(self.invoke(sfn, fn, n)["status"], "SUCCEEDED")
        inv = self.invocations(fn)
        self.assertEqual([i["accessKey"] for i in inv], ["AKIDFROMPROCESS"] * 2)
        self.assertEqual(inv[0]["sessionToken"], "proctoken")
        with open(count) as f:
            self.assertEqual(f.read(), "x")  # run once while its credentials are valid

        _, sfn = self.start_node(config, "", "proc-role")
        fn2 = uname("fn")
        self.register(fn2)
        self.assertEqual(self.invoke(sfn, fn2)["status"], "SUCCEEDED")
        key = self.invocations(fn2)[0]["accessKey"]
        self.assertEqual(caller_arn(key), "arn:aws:sts::%s:assumed-role/from-process/proc-session" % ACCOUNT)
