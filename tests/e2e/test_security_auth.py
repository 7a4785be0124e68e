"""SigV4 authentication with permissions (issue 18). The node runs with
`auth: {mode: sigv4, keys: [...]}`: every request must carry a valid AWS
Signature Version 4 made with a configured key, or it is refused with AWS's
error and status (HTTP 400): no signature → MissingAuthenticationTokenException,
an unknown access key → UnrecognizedClientException, a wrong secret →
InvalidSignatureException, a request time more than 5 minutes from the
node's → InvalidSignatureException "Signature expired: ...", a malformed
Authorization header → IncompleteSignatureException. Permissions: a
`read-only` key may call Describe*/List*/Get* (not GetActivityTask), a
`worker` key GetActivityTask and SendTask* only; anything else →
AccessDeniedException. Each key's `account` is the account its ARNs carry.
Checked with boto3, the AWS CLI and the JavaScript SDK v3."""

import datetime
import http.client
import json
import unittest

import botocore.exceptions

from common import PASS_DEF, ROLE_ARN, dumps, uname
from secnode import Node, js_call, sigv4_authorization

ADMIN = ("AKIDADMINEXAMPLE0001", "admin-secret-0123456789abcdefghijklmn")
READER = ("AKIDREADEREXAMPLE002", "reader-secret-0123456789abcdefghijkl")
WORKER = ("AKIDWORKEREXAMPLE003", "worker-secret-0123456789abcdefghijkl")
OTHER = ("AKIDOTHERACCOUNT0004", "other-secret-0123456789abcdefghijklm")
OTHER_ACCOUNT = "111122223333"
NODE_ACCOUNT = "123456789012"

CONFIG = """
auth:
  mode: sigv4
  keys:
    - {access_key_id: %s, secret_access_key: %s, permissions: full}
    - {access_key_id: %s, secret_access_key: %s, permissions: read-only}
    - {access_key_id: %s, secret_access_key: %s, permissions: worker}
    - {access_key_id: %s, secret_access_key: %s, permissions: full, account: "%s"}
""" % (ADMIN + READER + WORKER + OTHER + (OTHER_ACCOUNT,))



def raw_signed(port, target, body, key, secret, amz_date, region="us-east-1",
               authorization=None):
    """A request signed by hand (for times botocore would not use)."""
    host = "127.0.0.1:%d" % port
    payload = body.encode()
    headers = {"content-type": "application/x-amz-json-1.0", "host": host,
               "x-amz-date": amz_date, "x-amz-target": "AWSStepFunctions." + target}
    if authorization is None:
        authorization = sigv4_authorization("POST", "/", headers, payload, key, secret, amz_date, region)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    send = {"Content-Type": headers["content-type"], "X-Amz-Date": amz_date,
            "X-Amz-Target": headers["x-amz-target"], "Host": host}
    if authorization:
        send["Authorization"] = authorization
    conn.request("POST", "/", body=payload, headers=send)
    r = conn.getresponse()
    out = (r.status, json.loads(r.read() or b"{}"))
    conn.close()
    return out


def amz(dt):
    return dt.strftime("%Y%m%dT%H%M%SZ")


class Auth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(config=CONFIG, name="auth")
        cls.admin = cls.node.client(key=ADMIN[0], secret=ADMIN[1])
        cls.reader = cls.node.client(key=READER[0], secret=READER[1])
        cls.worker = cls.node.client(key=WORKER[0], secret=WORKER[1])
        cls.machine = cls.admin.create_state_machine(
            name=uname("auth"), definition=dumps(PASS_DEF), roleArn=ROLE_ARN)["stateMachineArn"]

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def error(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        e = cm.exception.response
        return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]

    # --- boto3 ---------------------------------------------------------

    def test_right_key_works(self):
        ex = self.admin.start_execution(stateMachineArn=self.machine)["executionArn"]
        self.assertIn(":%s:" % NODE_ACCOUNT, ex)
        self.admin.describe_execution(executionArn=ex)

    def test_wrong_secret(self):
        bad = self.node.client(key=ADMIN[0], secret="not-the-secret")
        code, msg, status = self.error(bad.list_state_machines)
        self.assertEqual((code, status), ("InvalidSignatureException", 400))
        self.assertIn("The request signature we calculated does not match", msg)

    def test_unknown_key(self):
        bad = self.node.client(key="AKIDUNKNOWN000000000", secret="x")
        code, msg, status = self.error(bad.list_state_machines)
        self.assertEqual((code, status), ("UnrecognizedClientException", 400))
        self.assertEqual(msg, "The security token included in the request is invalid.")

    def test_no_signature(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.node.port, timeout=10)
        conn.request("POST", "/", body="{}", headers={
            "X-Amz-Target": "AWSStepFunctions.ListStateMachines",
            "Content-Type": "application/x-amz-json-1.0"})
        r = conn.getresponse()
        body = json.loads(r.read())
        conn.close()
        self.assertEqual(r.status, 400)
        self.assertEqual(r.getheader("x-amzn-ErrorType"), "MissingAuthenticationTokenException")
        self.assertEqual(body["message"], "Missing Authentication Token")

    def test_request_time_too_far_from_the_node(self):
        old = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
        status, body = raw_signed(self.node.port, "ListStateMachines", "{}", ADMIN[0], ADMIN[1],
                                  amz(old))
        self.assertEqual(status, 400)
        self.assertTrue(body["__type"].endswith("#InvalidSignatureException"), body)
        self.assertTrue(body["message"].startswith("Signature expired: %s is now earlier than "
                                                   % amz(old)), body)
        self.assertTrue(body["message"].endswith(" - 5 min.)"), body)
        future = datetime.datetime.utcnow() + datetime.timedelta(minutes=20)
        status, body = raw_signed(self.node.port, "ListStateMachines", "{}", ADMIN[0], ADMIN[1],
                                  amz(future))
        self.assertEqual(status, 400)
        self.assertIn("Signature not yet current: %s is still later than" % amz(future),
                      body["message"])
        # The same hand-made signature at the current time is accepted.
        status, body = raw_signed(self.node.port, "ListStateMachines", "{}", ADMIN[0], ADMIN[1],
                                  amz(datetime.datetime.utcnow()))
        self.assertEqual(status, 200, body)

    def test_incomplete_signature(self):
        now = amz(datetime.datetime.utcnow())
        status, body = raw_signed(self.node.port, "ListStateMachines", "{}", ADMIN[0], ADMIN[1],
                                  now, authorization="AWS4-HMAC-SHA256 Credential=%s/%s/us-east-1"
                                  "/states/aws4_request" % (ADMIN[0], now[:8]))
        self.assertEqual(status, 400)
        self.assertTrue(body["__type"].endswith("#IncompleteSignatureException"), body)
        self.assertIn("Authorization header requires 'Signature' parameter.", body["message"])
        self.assertIn("Authorization header requires 'SignedHeaders' parameter.", body["message"])

    def test_signed_header_missing_from_the_request(self):
        now = amz(datetime.datetime.utcnow())
        status, body = raw_signed(
            self.node.port, "ListStateMachines", "{}", ADMIN[0], ADMIN[1], now,
            authorization="AWS4-HMAC-SHA256 Credential=%s/%s/us-east-1/states/aws4_request, "
            "SignedHeaders=host;x-amz-date;x-amz-meta-gone, Signature=00" % (ADMIN[0], now[:8]))
        self.assertEqual(status, 400)
        self.assertEqual(body["message"], "'x-amz-meta-gone' is named as a SignedHeader, but it "
                                          "does not exist in the HTTP request.")

    def test_read_only_key(self):
        self.reader.list_state_machines()
        self.reader.describe_state_machine(stateMachineArn=self.machine)
        self.reader.list_executions(stateMachineArn=self.machine)
        for fn, kw in ((self.reader.start_execution, {"stateMachineArn": self.machine}),
                       (self.reader.create_activity, {"name": uname("ro")}),
                       (self.reader.delete_state_machine, {"stateMachineArn": self.machine})):
            code, msg, status = self.error(fn, **kw)
            self.assertEqual((code, status), ("AccessDeniedException", 400))
            self.assertIn("is not authorized to perform: states:", msg)
        self.assertEqual(self.admin.describe_state_machine(
            stateMachineArn=self.machine)["status"], "ACTIVE")

    def test_worker_key(self):
        act = self.admin.create_activity(name=uname("w"))["activityArn"]
        definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": act,
                                                        "End": True}}}
        sm = self.admin.create_state_machine(name=uname("w"), definition=dumps(definition),
                                             roleArn=ROLE_ARN)["stateMachineArn"]
        ex = self.admin.start_execution(stateMachineArn=sm, input='{"n": 1}')["executionArn"]
        task = self.worker.get_activity_task(activityArn=act)
        self.assertIn("taskToken", task)
        self.worker.send_task_heartbeat(taskToken=task["taskToken"])
        self.worker.send_task_success(taskToken=task["taskToken"], output='{"done": true}')
        for fn, kw in ((self.worker.list_state_machines, {}),
                       (self.worker.describe_execution, {"executionArn": ex}),
                       (self.worker.start_execution, {"stateMachineArn": sm})):
            code, _, status = self.error(fn, **kw)
            self.assertEqual((code, status), ("AccessDeniedException", 400))

    def test_key_account(self):
        other = self.node.client(key=OTHER[0], secret=OTHER[1], region="eu-central-1")
        name = uname("acct")
        arn = other.create_state_machine(name=name, definition=dumps(PASS_DEF),
                                         roleArn=ROLE_ARN)["stateMachineArn"]
        self.assertEqual(arn, "arn:aws:states:eu-central-1:%s:stateMachine:%s" % (OTHER_ACCOUNT, name))
        other.describe_state_machine(stateMachineArn=arn)
        # The node's account (same Region) does not see it.
        admin_eu = self.node.client(key=ADMIN[0], secret=ADMIN[1], region="eu-central-1")
        code, _, _ = self.error(admin_eu.describe_state_machine, stateMachineArn=arn)
        self.assertEqual(code, "StateMachineDoesNotExist")
        self.assertNotIn(arn, [m["stateMachineArn"] for m in
                               admin_eu.list_state_machines()["stateMachines"]])

    # --- AWS CLI ---------------------------------------------------------

    def cli_code(self, key, *args):
        code, out, err = self.node.cli(*args, key=key[0], secret=key[1])
        return code, out, err

    def test_aws_cli(self):
        code, out, err = self.cli_code(ADMIN, "list-state-machines")
        self.assertEqual(code, 0, err)
        self.assertIn(self.machine, out)
        code, _, err = self.cli_code((ADMIN[0], "wrong"), "list-state-machines")
        self.assertNotEqual(code, 0)
        self.assertIn("(InvalidSignatureException)", err)
        code, _, err = self.cli_code(("AKIDUNKNOWN000000000", "x"), "list-state-machines")
        self.assertIn("(UnrecognizedClientException)", err)
        code, _, err = self.cli_code(READER, "describe-state-machine", "--state-machine-arn",
                                     self.machine)
        self.assertEqual(code, 0, err)
        code, _, err = self.cli_code(READER, "start-execution", "--state-machine-arn", self.machine)
        self.assertIn("(AccessDeniedException)", err)
        code, _, err = self.cli_code(WORKER, "list-state-machines")
        self.assertIn("(AccessDeniedException)", err)

    # --- JavaScript SDK v3 -------------------------------------------------

    def js(self, key, operation, params, region="us-east-1"):
        return js_call(operation, params, self.node.url, region=region, key=key[0], secret=key[1])

    def test_js_sdk_v3(self):
        a = self.js(ADMIN, "DescribeStateMachine", {"stateMachineArn": self.machine})
        self.assertTrue(a["ok"], a)
        a = self.js((ADMIN[0], "wrong"), "ListStateMachines", {})
        self.assertFalse(a["ok"])
        self.assertEqual((a["error"]["name"], a["error"]["status"]), ("InvalidSignatureException", 400))
        a = self.js(("AKIDUNKNOWN000000000", "x"), "ListStateMachines", {})
        self.assertEqual(a["error"]["name"], "UnrecognizedClientException")
        a = self.js(READER, "ListStateMachines", {})
        self.assertTrue(a["ok"], a)
        a = self.js(READER, "StartExecution", {"stateMachineArn": self.machine})
        self.assertEqual(a["error"]["name"], "AccessDeniedException")
        a = self.js(WORKER, "SendTaskHeartbeat", {"taskToken": "not-a-token"})
        self.assertEqual(a["error"]["name"], "InvalidToken")  # allowed, then refused by the token
        a = self.js(WORKER, "DescribeStateMachine", {"stateMachineArn": self.machine})
        self.assertEqual(a["error"]["name"], "AccessDeniedException")


if __name__ == "__main__":
    unittest.main()
