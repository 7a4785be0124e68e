"""HTTPS answers of any size: an answer larger than one TLS record (16 KB)
arrives whole (a DescribeStateMachine of a 25 KB definition, a 200 KB
one, a GetExecutionHistory page of a long execution), and so does the web
console's largest file. Before the fix the head arrived and the body never
did (api/http_server.cpp wrote head and body as two buffers)."""

import json
import os
import shutil
import ssl
import tempfile
import time
import unittest
import urllib.request

from common import ROLE_ARN, uname
from secnode import Node
from test_security_tls import OPENSSL, make_certificate


def big_definition(states, comment_bytes):
    s = {"S%d" % i: {"Type": "Pass", "Comment": "x" * comment_bytes, "Next": "S%d" % (i + 1)}
         for i in range(states)}
    s["S%d" % states] = {"Type": "Succeed"}
    return json.dumps({"StartAt": "S0", "States": s})


class TlsLargeAnswers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if OPENSSL is None:
            raise unittest.SkipTest("the openssl CLI is not installed")
        cls.certdir = tempfile.mkdtemp(prefix="statecraft-e2e-tls-large-")
        cls.cert, cls.key = make_certificate(cls.certdir)
        cls.node = Node(["--tls-cert", cls.cert, "--tls-key", cls.key], tls=True, name="tls-large")
        cls.sfn = cls.node.client(verify=cls.cert, read_timeout=10)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        shutil.rmtree(cls.certdir, ignore_errors=True)

    def test_large_api_answers(self):
        for states, comment in ((100, 200), (400, 480)):
            d = big_definition(states, comment)
            arn = self.sfn.create_state_machine(name=uname("tls-big"), definition=d,
                                                roleArn=ROLE_ARN)["stateMachineArn"]
            got = self.sfn.describe_state_machine(stateMachineArn=arn)["definition"]
            self.assertEqual(json.loads(got), json.loads(d))
        ex = self.sfn.start_execution(stateMachineArn=arn, input=json.dumps({"pad": "y" * 2000}))["executionArn"]
        deadline = time.monotonic() + 20
        while self.sfn.describe_execution(executionArn=ex)["status"] == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.1)
        events = self.sfn.get_execution_history(executionArn=ex, maxResults=1000)["events"]
        self.assertEqual(len(events), 2 * 401 + 2)  # started, entered+exited per state, succeeded

    def test_large_console_file(self):
        dist = os.path.join(os.path.dirname(__file__), "..", "..", "console", "dist", "app.js")
        if not os.path.exists(dist):
            self.skipTest("the console is not built (scripts/setup.sh)")
        ctx = ssl.create_default_context(cafile=self.cert)
        with urllib.request.urlopen(self.node.url + "/console/app.js", timeout=10, context=ctx) as r:
            body = r.read()
        self.assertGreater(len(body), 16 * 1024)
        self.assertEqual(len(body), int(r.headers["Content-Length"]))


if __name__ == "__main__":
    unittest.main()
