"""aws-sdk:<service>:<action> for rest-json services (here Lambda's API),
driven by botocore's models, against moto (on a node whose Lambda endpoint
is moto's, not the tests' Invoke server)."""

import io
import json
import os
import subprocess
import sys
import zipfile

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from common import uname, wait_for_status  # noqa: E402
from harness import free_port, wait_for_port  # noqa: E402
import test_aws_integrations as base  # noqa: E402  (a module: its TestCases are not collected twice)

ACCOUNT, MOTO, task, aws = base.ACCOUNT, base.MOTO, base.task, base.aws


class SdkRestJsonTest(base.AwsTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL_LAMBDA"}
        port = free_port()
        cls.node = subprocess.Popen([os.environ["STATECRAFT_BIN"], "--port", str(port), "--log-level", "warn"],
                                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        problem = wait_for_port(cls.node, port, 20)
        if problem:
            raise RuntimeError("node " + problem)
        cls.node_sfn = boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:%d" % port,
                                    region_name="us-east-1")

    @classmethod
    def tearDownClass(cls):
        cls.node.terminate()
        cls.node.wait()
        super().tearDownClass()

    def run_on_node(self, states, start):
        sm = self.node_sfn.create_state_machine(name=uname("sm"), roleArn="arn:aws:iam::%s:role/r" % ACCOUNT,
                                                definition=json.dumps({"StartAt": start, "States": states}))
        arn = self.node_sfn.start_execution(stateMachineArn=sm["stateMachineArn"])["executionArn"]
        return wait_for_status(self.node_sfn, arn, timeout=30)

    def make_function(self):
        iam = aws("iam")
        role = iam.create_role(RoleName=uname("role"), AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("index.py", "def handler(e, c):\n    return e\n")
        name = uname("fn")
        aws("lambda").create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="index.handler",
                                      Code={"ZipFile": buf.getvalue()}, Tags={"team": "core"})
        return name

    def test_list_and_get_functions(self):
        name = self.make_function()
        d = self.run_on_node({
            "List": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:lambda:listFunctions",
                     "Parameters": {"MaxItems": 50}, "ResultPath": "$.list", "Next": "Get"},
            "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:lambda:getFunction",
                    "Parameters": {"FunctionName": name}, "ResultPath": "$.get", "End": True}}, "List")
        out = self.succeeded(d)
        self.assertIn(name, [f["FunctionName"] for f in out["list"]["Functions"]])
        self.assertEqual(out["get"]["Configuration"]["FunctionName"], name)
        self.assertEqual(out["get"]["Tags"], {"team": "core"})

    def test_missing_function_is_named_as_aws_names_it(self):
        d = self.run_on_node({"G": task("arn:aws:states:::aws-sdk:lambda:getFunction",
                                        {"FunctionName": uname("none")})}, "G")
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "Lambda.ResourceNotFoundException")

    def test_missing_uri_label_fails_before_sending(self):
        d = self.run_on_node({"G": task("arn:aws:states:::aws-sdk:lambda:getFunction", {})}, "G")
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.Runtime")
        self.assertIn("'FunctionName' is required by GetFunction", d["cause"])
