"""A Task's Credentials (literal, RoleArn.$, JSONata expression) and
TestState's roleArn, assumed through moto's STS on a node with
`aws.assume_role: always`; the identity the call was signed with is checked
with moto's GetCallerIdentity (moto knows which role an access key was
issued for)."""

import json
import os
import subprocess
import sys
import tempfile

import boto3
import botocore.config

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from common import full_history, uname, wait_for_status  # noqa: E402
from harness import free_port, wait_for_port  # noqa: E402
import test_aws_integrations as base  # noqa: E402  (a module: its TestCases are not collected twice)

ACCOUNT, MOTO, task = base.ACCOUNT, base.MOTO, base.task


def caller_arn(access_key):
    sts = boto3.client("sts", endpoint_url=MOTO, region_name="us-east-1", aws_access_key_id=access_key,
                       aws_secret_access_key="unused", aws_session_token="unused")
    return sts.get_caller_identity()["Arn"]


class TaskCredentialsTest(base.AwsTestCase):
    register = base.LambdaTest.register
    invocations = base.LambdaTest.invocations

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="statecraft-taskcreds-")
        cfg = os.path.join(cls.tmp, "statecraft.yaml")
        with open(cfg, "w") as f:
            f.write("aws:\n  assume_role: always\n")
        port = free_port()
        cls.node = subprocess.Popen([os.environ["STATECRAFT_BIN"], "--port", str(port), "--log-level", "warn",
                                     "--config", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        problem = wait_for_port(cls.node, port, 20)
        if problem:
            raise RuntimeError("node " + problem)
        cls.node_sfn = boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:%d" % port,
                                    region_name="us-east-1",  # TestState's sync- host prefix off
                                    config=botocore.config.Config(inject_host_prefix=False))

    @classmethod
    def tearDownClass(cls):
        cls.node.terminate()
        cls.node.wait()
        super().tearDownClass()

    def run_on_node(self, definition, input_obj):
        sm = self.node_sfn.create_state_machine(name=uname("sm"), roleArn="arn:aws:iam::%s:role/machine" % ACCOUNT,
                                                definition=json.dumps(definition))
        arn = self.node_sfn.start_execution(stateMachineArn=sm["stateMachineArn"],
                                            input=json.dumps(input_obj))["executionArn"]
        return arn, wait_for_status(self.node_sfn, arn, timeout=30)

    def test_jsonata_credentials_expression_is_assumed_and_recorded(self):
        fn = uname("fn")
        self.register(fn)
        _, d = self.run_on_node({"QueryLanguage": "JSONata", "StartAt": "L", "States": {"L": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": fn, "Payload": {"n": 3}},
            "Credentials": {"RoleArn": "{% 'arn:aws:iam::' & $states.input.account & ':role/' & $states.input.role %}"},
            "End": True}}}, {"account": "210987654321", "role": "cross-account"})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        inv = self.invocations(fn)
        self.assertEqual(len(inv), 1)
        self.assertEqual(caller_arn(inv[0]["accessKey"]),
                         "arn:aws:sts::210987654321:assumed-role/cross-account/statecraft")
        events = full_history(self.node_sfn, d["executionArn"])
        sched = [e for e in events if e["type"] == "TaskScheduled"][0]["taskScheduledEventDetails"]
        self.assertEqual(sched["taskCredentials"], {"roleArn": "arn:aws:iam::210987654321:role/cross-account"})

    def test_credentials_that_do_not_resolve_fail_the_state(self):
        _, d = self.run_on_node({"QueryLanguage": "JSONata", "StartAt": "L", "States": {"L": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": "f", "Payload": {}},
            "Credentials": {"RoleArn": "{% $states.input.missing %}"}, "End": True}}}, {})
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.QueryEvaluationError")
        _, d = self.run_on_node({"StartAt": "L", "States": {"L": task(
            "arn:aws:states:::lambda:invoke", {"FunctionName": "f", "Payload": {}},
            Credentials={"RoleArn.$": "$.missing"})}}, {})
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.Runtime")
        self.assertIn("'RoleArn.$' could not be found", d["cause"])

    def test_jsonata_credentials_without_role_arn_is_invalid(self):
        with self.assertRaises(self.node_sfn.exceptions.InvalidDefinition):
            self.node_sfn.create_state_machine(
                name=uname("sm"), roleArn="arn:aws:iam::%s:role/machine" % ACCOUNT,
                definition=json.dumps({"QueryLanguage": "JSONata", "StartAt": "L", "States": {"L": {
                    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Arguments": {"FunctionName": "f"}, "Credentials": {}, "End": True}}}))

    def test_test_state_assumes_its_role_arn(self):
        fn = uname("fn")
        self.register(fn)
        role = "arn:aws:iam::%s:role/test-state-role" % ACCOUNT
        r = self.node_sfn.test_state(definition=json.dumps(task(
            "arn:aws:states:::lambda:invoke", {"FunctionName": fn, "Payload": {"n": 5}})),
            roleArn=role, input="{}")
        self.assertEqual(r["status"], "SUCCEEDED", r)
        self.assertEqual(json.loads(r["output"])["Payload"], {"doubled": 10})
        inv = self.invocations(fn)
        self.assertEqual(caller_arn(inv[0]["accessKey"]),
                         "arn:aws:sts::%s:assumed-role/test-state-role/statecraft" % ACCOUNT)

    def test_test_state_assumes_the_task_credentials_role(self):
        fn = uname("fn")
        self.register(fn)
        st = {"Type": "Task", "QueryLanguage": "JSONata", "Resource": "arn:aws:states:::lambda:invoke",
              "Arguments": {"FunctionName": fn, "Payload": {"n": 1}},
              "Credentials": {"RoleArn": "{% 'arn:aws:iam::210987654321:role/' & $states.input.role %}"},
              "End": True}
        r = self.node_sfn.test_state(definition=json.dumps(st), roleArn="arn:aws:iam::%s:role/exec" % ACCOUNT,
                                     input=json.dumps({"role": "from-task"}))
        self.assertEqual(r["status"], "SUCCEEDED", r)
        inv = self.invocations(fn)
        self.assertEqual(caller_arn(inv[0]["accessKey"]),
                         "arn:aws:sts::210987654321:assumed-role/from-task/statecraft")
        st["Credentials"] = {"RoleArn": "{% $states.input.role %}"}
        r = self.node_sfn.test_state(definition=json.dumps(st), roleArn="arn:aws:iam::%s:role/exec" % ACCOUNT,
                                     input=json.dumps({"role": 5}))
        self.assertEqual((r["status"], r["error"]), ("FAILED", "States.QueryEvaluationError"))
        self.assertEqual(len(self.invocations(fn)), 1)  # not called
