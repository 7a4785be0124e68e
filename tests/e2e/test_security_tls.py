"""The HTTPS listener (--tls-cert FILE --tls-key FILE, or api.tls_cert_file /
api.tls_key_file in the config file). The test makes a self-signed
certificate for localhost and 127.0.0.1 with the openssl CLI and talks to the
node through boto3 (verify= that certificate) and the AWS CLI (--ca-bundle).
A client that does not trust the certificate, or that speaks plain HTTP to
the HTTPS port, gets no answer."""

import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

import botocore.exceptions

from common import PASS_DEF, ROLE_ARN, dumps, uname
from secnode import Node

OPENSSL = shutil.which("openssl")


def make_certificate(directory, cn="localhost"):
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=" + cn,
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class Tls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if OPENSSL is None:
            raise unittest.SkipTest("the openssl CLI is not installed")
        cls.certdir = tempfile.mkdtemp(prefix="statecraft-e2e-tls-")
        cls.cert, cls.key = make_certificate(cls.certdir)
        cls.node = Node(["--tls-cert", cls.cert, "--tls-key", cls.key], tls=True, name="tls")
        cls.sfn = cls.node.client(verify=cls.cert)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        shutil.rmtree(cls.certdir, ignore_errors=True)

    def test_boto3_over_https(self):
        self.assertTrue(self.node.url.startswith("https://"))
        arn = self.sfn.create_state_machine(name=uname("tls"), definition=dumps(PASS_DEF),
                                            roleArn=ROLE_ARN)["stateMachineArn"]
        ex = self.sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
        deadline = time.monotonic() + 10
        while True:
            d = self.sfn.describe_execution(executionArn=ex)
            if d["status"] != "RUNNING" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(d["output"], '{"ok":true}')
        names = [m["stateMachineArn"] for m in self.sfn.list_state_machines()["stateMachines"]]
        self.assertIn(arn, names)

    def test_activity_worker_over_https(self):
        act = self.sfn.create_activity(name=uname("tlsact"))["activityArn"]
        definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": act,
                                                        "End": True}}}
        sm = self.sfn.create_state_machine(name=uname("tlsact"), definition=dumps(definition),
                                           roleArn=ROLE_ARN)["stateMachineArn"]
        ex = self.sfn.start_execution(stateMachineArn=sm, input='{"x": 1}')["executionArn"]
        task = self.sfn.get_activity_task(activityArn=act)  # a long poll over TLS
        self.assertEqual(json.loads(task["input"]), {"x": 1})
        self.sfn.send_task_success(taskToken=task["taskToken"], output='{"y": 2}')
        deadline = time.monotonic() + 10
        while self.sfn.describe_execution(executionArn=ex)["status"] == "RUNNING":
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.assertEqual(json.loads(self.sfn.describe_execution(executionArn=ex)["output"]), {"y": 2})
        # An empty poll (nothing queued) answers {} after the node's 2 s poll timeout.
        self.assertNotIn("taskToken", self.sfn.get_activity_task(activityArn=act))

    def test_aws_cli_with_ca_bundle(self):
        name = uname("tlscli")
        code, out, err = self.node.cli("create-state-machine", "--name", name, "--definition",
                                       dumps(PASS_DEF), "--role-arn", ROLE_ARN,
                                       ca_bundle=self.cert)
        self.assertEqual(code, 0, err)
        self.assertIn(":stateMachine:" + name, out)
        code, out, err = self.node.cli("list-state-machines", ca_bundle=self.cert)
        self.assertEqual(code, 0, err)
        self.assertIn(name, out)

    def test_untrusted_certificate_is_refused(self):
        # The system's CAs do not know the self-signed certificate.
        plain = self.node.client(verify=True)
        with self.assertRaises(botocore.exceptions.SSLError):
            plain.list_state_machines()
        code, _, err = self.node.cli("list-state-machines")
        self.assertNotEqual(code, 0)
        self.assertIn("SSL", err)

    def test_negotiates_tls_1_2_or_later(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(self.cert)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        with socket.create_connection(("127.0.0.1", self.node.port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                self.assertIn(s.version(), ("TLSv1.2", "TLSv1.3"))

    def test_plain_http_gets_no_answer(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.node.port, timeout=5)
        with self.assertRaises((http.client.HTTPException, OSError)):
            conn.request("POST", "/", body="{}", headers={
                "X-Amz-Target": "AWSStepFunctions.ListStateMachines",
                "Content-Type": "application/x-amz-json-1.0"})
            conn.getresponse().read()
        conn.close()


class TlsFromConfigFile(unittest.TestCase):
    def test_config_file_keys(self):
        if OPENSSL is None:
            raise unittest.SkipTest("the openssl CLI is not installed")
        d = tempfile.mkdtemp(prefix="statecraft-e2e-tls-")
        try:
            cert, key = make_certificate(d)
            node = Node(config="api:\n  tls_cert_file: %s\n  tls_key_file: %s\n" % (cert, key),
                        tls=True, name="tlscfg")
            try:
                sfn = node.client(verify=cert)
                self.assertIn("stateMachines", sfn.list_state_machines())
            finally:
                node.stop()
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_key_not_matching_the_certificate_refuses_to_start(self):
        if OPENSSL is None:
            raise unittest.SkipTest("the openssl CLI is not installed")
        d = tempfile.mkdtemp(prefix="statecraft-e2e-tls-")
        try:
            os.mkdir(os.path.join(d, "a"))
            os.mkdir(os.path.join(d, "b"))
            cert, _ = make_certificate(os.path.join(d, "a"))
            _, other_key = make_certificate(os.path.join(d, "b"))
            with self.assertRaises(RuntimeError) as cm:
                Node(["--tls-cert", cert, "--tls-key", other_key], tls=True, name="tlsbad")
            self.assertIn("mismatch", str(cm.exception))
            # Only one of the two: refused at once, with the flag names.
            p = subprocess.run([os.environ["STATECRAFT_BIN"], "--tls-cert", cert],
                               capture_output=True, text=True, timeout=20)
            self.assertEqual(p.returncode, 2)
            self.assertIn("--tls-key", p.stderr)
        finally:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
