"""Regions and accounts as clients expect (issue 18): the node serves the
Region of each request's SigV4 credential scope (the Authorization header's
Credential=AKID/DATE/REGION/states/aws4_request, read even though signatures
are not checked here), each Region its own namespace as on AWS: ARNs carry
that Region, and what one Region created is invisible from another (an ARN of
another Region names nothing). A request without a signature gets the node's
defaults (--region, --account-id). The node here runs with --region
ap-southeast-2 --account-id 210987654321, neither the clients' Region."""

import http.client
import json
import time
import unittest

import botocore.exceptions

from common import PASS_DEF, ROLE_ARN, dumps, uname
from secnode import Node, js_call

NODE_REGION = "ap-southeast-2"
NODE_ACCOUNT = "210987654321"


class Regions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(["--region", NODE_REGION, "--account-id", NODE_ACCOUNT], name="regions")
        cls.eu = cls.node.client(region="eu-central-1")
        cls.us = cls.node.client(region="us-east-1")

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def code(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        return cm.exception.response["Error"]["Code"]

    def wait_done(self, sfn, arn):
        deadline = time.monotonic() + 10
        while True:
            d = sfn.describe_execution(executionArn=arn)
            if d["status"] != "RUNNING" or time.monotonic() > deadline:
                return d
            time.sleep(0.05)

    def test_eu_client_creates_and_finds_its_state_machine_by_its_arn(self):
        name = uname("eu")
        arn = self.eu.create_state_machine(name=name, definition=dumps(PASS_DEF),
                                           roleArn=ROLE_ARN)["stateMachineArn"]
        self.assertEqual(arn, "arn:aws:states:eu-central-1:%s:stateMachine:%s" % (NODE_ACCOUNT, name))
        self.assertEqual(self.eu.describe_state_machine(stateMachineArn=arn)["name"], name)
        listed = [m["stateMachineArn"] for m in self.eu.list_state_machines()["stateMachines"]]
        self.assertIn(arn, listed)
        ex = self.eu.start_execution(stateMachineArn=arn)["executionArn"]
        self.assertTrue(ex.startswith("arn:aws:states:eu-central-1:%s:execution:%s:" %
                                      (NODE_ACCOUNT, name)), ex)
        self.assertEqual(self.wait_done(self.eu, ex)["status"], "SUCCEEDED")
        runs = self.eu.list_executions(stateMachineArn=arn)["executions"]
        self.assertEqual([r["executionArn"] for r in runs], [ex])

    def test_us_east_1_client_does_not_see_it(self):
        name = uname("euonly")
        arn = self.eu.create_state_machine(name=name, definition=dumps(PASS_DEF),
                                           roleArn=ROLE_ARN)["stateMachineArn"]
        ex = self.eu.start_execution(stateMachineArn=arn)["executionArn"]
        listed = [m["stateMachineArn"] for m in self.us.list_state_machines()["stateMachines"]]
        self.assertNotIn(arn, listed)
        self.assertFalse(any(":eu-central-1:" in a for a in listed), listed)
        self.assertEqual(self.code(self.us.describe_state_machine, stateMachineArn=arn),
                         "StateMachineDoesNotExist")
        self.assertEqual(self.code(self.us.start_execution, stateMachineArn=arn),
                         "StateMachineDoesNotExist")
        self.assertEqual(self.code(self.us.describe_execution, executionArn=ex),
                         "ExecutionDoesNotExist")
        self.assertEqual(self.code(self.us.list_executions, stateMachineArn=arn),
                         "StateMachineDoesNotExist")
        self.assertEqual(self.code(self.us.list_tags_for_resource, resourceArn=arn),
                         "ResourceNotFound")
        # A delete from the other Region does nothing (as for a missing machine).
        self.us.delete_state_machine(stateMachineArn=arn)
        self.assertEqual(self.eu.describe_state_machine(stateMachineArn=arn)["status"], "ACTIVE")

    def test_same_name_in_two_regions_is_two_machines(self):
        name = uname("both")
        a = self.eu.create_state_machine(name=name, definition=dumps(PASS_DEF),
                                         roleArn=ROLE_ARN)["stateMachineArn"]
        b = self.us.create_state_machine(name=name, definition=dumps({
            "StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 2, "End": True}}}),
            roleArn=ROLE_ARN)["stateMachineArn"]
        self.assertNotEqual(a, b)
        self.assertIn(":us-east-1:", b)
        self.assertIn('"ok"', self.eu.describe_state_machine(stateMachineArn=a)["definition"])
        self.assertIn('"Result": 2', self.us.describe_state_machine(stateMachineArn=b)["definition"]
                      .replace('"Result":2', '"Result": 2'))

    def test_activities_are_per_region(self):
        name = uname("act")
        arn = self.eu.create_activity(name=name)["activityArn"]
        self.assertEqual(arn, "arn:aws:states:eu-central-1:%s:activity:%s" % (NODE_ACCOUNT, name))
        self.assertNotIn(arn, [a["activityArn"] for a in self.us.list_activities()["activities"]])
        self.assertIn(arn, [a["activityArn"] for a in self.eu.list_activities()["activities"]])
        self.assertEqual(self.code(self.us.describe_activity, activityArn=arn),
                         "ActivityDoesNotExist")
        self.assertEqual(self.code(self.us.get_activity_task, activityArn=arn),
                         "ActivityDoesNotExist")

    def test_unsigned_request_gets_the_node_defaults(self):
        name = uname("unsigned")
        conn = http.client.HTTPConnection("127.0.0.1", self.node.port, timeout=10)
        conn.request("POST", "/", body=json.dumps({"name": name, "definition": dumps(PASS_DEF),
                                                   "roleArn": ROLE_ARN}),
                     headers={"X-Amz-Target": "AWSStepFunctions.CreateStateMachine",
                              "Content-Type": "application/x-amz-json-1.0"})
        r = conn.getresponse()
        body = json.loads(r.read())
        conn.close()
        self.assertEqual(r.status, 200, body)
        self.assertEqual(body["stateMachineArn"], "arn:aws:states:%s:%s:stateMachine:%s" %
                         (NODE_REGION, NODE_ACCOUNT, name))

    def test_aws_cli_region(self):
        name = uname("cli")
        code, out, err = self.node.cli("create-state-machine", "--name", name, "--definition",
                                       dumps(PASS_DEF), "--role-arn", ROLE_ARN,
                                       region="eu-central-1")
        self.assertEqual(code, 0, err)
        arn = json.loads(out)["stateMachineArn"]
        self.assertIn(":eu-central-1:", arn)
        code, out, err = self.node.cli("describe-state-machine", "--state-machine-arn", arn,
                                       region="us-east-1")
        self.assertNotEqual(code, 0)
        self.assertIn("(StateMachineDoesNotExist)", err)

    def test_js_sdk_v3_region(self):
        name = uname("js")
        a = js_call("CreateStateMachine", {"name": name, "definition": dumps(PASS_DEF),
                                           "roleArn": ROLE_ARN}, self.node.url,
                    region="eu-central-1")
        self.assertTrue(a["ok"], a)
        arn = a["result"]["stateMachineArn"]
        self.assertIn(":eu-central-1:", arn)
        b = js_call("DescribeStateMachine", {"stateMachineArn": arn}, self.node.url,
                    region="eu-central-1")
        self.assertTrue(b["ok"], b)
        c = js_call("DescribeStateMachine", {"stateMachineArn": arn}, self.node.url,
                    region="us-east-1")
        self.assertFalse(c["ok"])
        self.assertEqual(c["error"]["name"], "StateMachineDoesNotExist")


if __name__ == "__main__":
    unittest.main()
