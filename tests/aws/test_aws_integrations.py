"""Task integrations against moto's server and the tests' Lambda server
(tests/aws/run.py starts them and the node)."""

import json
import os
import subprocess
import sys
import time
import urllib.request

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
sys.path.insert(0, os.path.dirname(HERE))
from common import E2ETestCase, full_history, uname, wait_for_status  # noqa: E402
from harness import free_port, wait_for_port  # noqa: E402

MOTO = os.environ.get("AWS_TEST_MOTO", "")
LAMBDA = os.environ.get("AWS_TEST_LAMBDA", "")
ACCOUNT = "123456789012"


def aws(service):
    return boto3.client(service, endpoint_url=MOTO, region_name="us-east-1")


def lambda_control(method, path, body=None):
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    if isinstance(body, str):
        data = body.encode()
    req = urllib.request.Request(LAMBDA + path, data=data, method=method)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def task(resource, params, **extra):
    d = {"Type": "Task", "Resource": resource, "Parameters": params, "End": True}
    d.update(extra)
    return d


class AwsTestCase(E2ETestCase):
    def run_machine(self, states, start, input_obj=None, timeout=20):
        sm, _ = self.create_sm({"StartAt": start, "States": states})
        arn, d = self.run_to_end(sm, input_obj or {}, timeout=timeout)
        return arn, d

    def succeeded(self, d):
        self.assertEqual(d["status"], "SUCCEEDED", d.get("error", "") + " " + d.get("cause", ""))
        return json.loads(d["output"])


class SqsTest(AwsTestCase):
    def test_send_message_delivers_the_body_as_json_text(self):
        sqs = aws("sqs")
        url = sqs.create_queue(QueueName=uname("q"))["QueueUrl"]
        _, d = self.run_machine({"S": task("arn:aws:states:::sqs:sendMessage",
                                           {"QueueUrl": url, "MessageBody": {"order.$": "$.order"}})},
                                "S", {"order": 42})
        out = self.succeeded(d)
        self.assertIn("MessageId", out)
        self.assertIn("MD5OfMessageBody", out)
        self.assertEqual(out["SdkHttpMetadata"]["HttpStatusCode"], 200)
        msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
        self.assertEqual(json.loads(msgs[0]["Body"]), {"order": 42})
        self.assertEqual(msgs[0]["MessageId"], out["MessageId"])

    def test_wait_for_task_token_through_a_queue(self):
        sqs = aws("sqs")
        url = sqs.create_queue(QueueName=uname("q"))["QueueUrl"]
        sm, _ = self.create_sm({"StartAt": "S", "States": {"S": task(
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            {"QueueUrl": url, "MessageBody": {"token.$": "$$.Task.Token", "n.$": "$.n"}})}})
        arn = self.start(sm, {"n": 7})
        msgs = []
        deadline = time.time() + 15
        while not msgs and time.time() < deadline:
            msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
        body = json.loads(msgs[0]["Body"])
        self.assertEqual(body["n"], 7)
        self.sfn.send_task_success(taskToken=body["token"], output=json.dumps({"done": body["n"]}))
        d = wait_for_status(self.sfn, arn, timeout=15)
        self.assertEqual(self.succeeded(d), {"done": 7})
        types = [e["type"] for e in full_history(self.sfn, arn)]
        self.assertIn("TaskSubmitted", types)

    def test_missing_queue_is_an_sqs_error_the_machine_can_catch(self):
        _, d = self.run_machine({
            "S": task("arn:aws:states:::sqs:sendMessage",
                      {"QueueUrl": MOTO + "/" + ACCOUNT + "/does-not-exist", "MessageBody": "x"},
                      Catch=[{"ErrorEquals": ["States.ALL"], "Next": "C"}]),
            "C": {"Type": "Pass", "End": True}}, "S")
        err = self.succeeded(d)
        self.assertTrue(err["Error"].startswith("SQS."), err)
        self.assertIn("Service: AmazonSQS", err["Cause"])


class DynamoDbTest(AwsTestCase):
    def make_table(self):
        name = uname("tbl")
        aws("dynamodb").create_table(
            TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST")
        return name

    def test_put_then_get_item(self):
        table = self.make_table()
        _, d = self.run_machine({
            "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                    "Parameters": {"TableName": table,
                                   "Item": {"id": {"S.$": "$.id"}, "n": {"N": "5"}}},
                    "ResultPath": "$.put", "Next": "Get"},
            "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                    "Parameters": {"TableName": table, "Key": {"id": {"S.$": "$.id"}}},
                    "ResultSelector": {"item.$": "$.Item"}, "End": True}}, "Put", {"id": "a1"})
        self.assertEqual(self.succeeded(d), {"item": {"id": {"S": "a1"}, "n": {"N": "5"}}})
        got = aws("dynamodb").get_item(TableName=table, Key={"id": {"S": "a1"}})["Item"]
        self.assertEqual(got["n"], {"N": "5"})

    def test_update_and_delete_item(self):
        table = self.make_table()
        aws("dynamodb").put_item(TableName=table, Item={"id": {"S": "x"}, "n": {"N": "1"}})
        _, d = self.run_machine({
            "U": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
                  "Parameters": {"TableName": table, "Key": {"id": {"S": "x"}},
                                 "UpdateExpression": "SET n = n + :one",
                                 "ExpressionAttributeValues": {":one": {"N": "1"}},
                                 "ReturnValues": "UPDATED_NEW"},
                  "ResultPath": "$.u", "Next": "D"},
            "D": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:deleteItem",
                  "Parameters": {"TableName": table, "Key": {"id": {"S": "x"}}},
                  "ResultPath": None, "End": True}}, "U")
        out = self.succeeded(d)
        self.assertEqual(out["u"]["Attributes"], {"n": {"N": "2"}})
        self.assertNotIn("Item", aws("dynamodb").get_item(TableName=table, Key={"id": {"S": "x"}}))

    def test_conditional_check_failed_names_as_aws_does(self):
        table = self.make_table()
        aws("dynamodb").put_item(TableName=table, Item={"id": {"S": "dup"}})
        params = {"TableName": table, "Item": {"id": {"S": "dup"}},
                  "ConditionExpression": "attribute_not_exists(id)"}
        _, d = self.run_machine({
            "Opt": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                    "Parameters": params, "Next": "Sdk", "ResultPath": "$.opt",
                    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.opt", "Next": "Sdk"}]},
            "Sdk": task("arn:aws:states:::aws-sdk:dynamodb:putItem", params,
                        Catch=[{"ErrorEquals": ["DynamoDb.ConditionalCheckFailedException"],
                                "ResultPath": "$.sdk", "Next": "C"}]),
            "C": {"Type": "Pass", "End": True}}, "Opt")
        out = self.succeeded(d)
        self.assertEqual(out["opt"]["Error"], "DynamoDB.ConditionalCheckFailedException")
        self.assertIn("Error Code: ConditionalCheckFailedException", out["opt"]["Cause"])
        self.assertEqual(out["sdk"]["Error"], "DynamoDb.ConditionalCheckFailedException")
        self.assertIn("(Service: DynamoDb, Status Code: 400", out["sdk"]["Cause"])

    def test_aws_sdk_json_service_call(self):
        table = self.make_table()
        _, d = self.run_machine({"D": task("arn:aws:states:::aws-sdk:dynamodb:describeTable",
                                           {"TableName": table})}, "D")
        self.assertEqual(self.succeeded(d)["Table"]["TableName"], table)


class SnsTest(AwsTestCase):
    def test_publish_reaches_a_subscribed_queue(self):
        sns, sqs = aws("sns"), aws("sqs")
        topic = sns.create_topic(Name=uname("t"))["TopicArn"]
        url = sqs.create_queue(QueueName=uname("q"))["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn,
                      Attributes={"RawMessageDelivery": "true"})
        _, d = self.run_machine({"P": task("arn:aws:states:::sns:publish",
                                           {"TopicArn": topic, "Message": {"hello.$": "$.who"},
                                            "MessageAttributes": {"kind": {"DataType": "String",
                                                                           "StringValue": "greeting"}}})},
                                "P", {"who": "world"})
        out = self.succeeded(d)
        self.assertIn("MessageId", out)
        msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"]
        self.assertEqual(json.loads(msgs[0]["Body"]), {"hello": "world"})


class EventBridgeTest(AwsTestCase):
    def test_put_events_reaches_a_rule_target(self):
        ev, sqs = aws("events"), aws("sqs")
        url = sqs.create_queue(QueueName=uname("q"))["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        rule = uname("r")
        ev.put_rule(Name=rule, EventPattern=json.dumps({"source": ["statecraft.test"]}))
        ev.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": qarn}])
        _, d = self.run_machine({"E": task("arn:aws:states:::events:putEvents",
                                           {"Entries": [{"Source": "statecraft.test", "DetailType": "t",
                                                         "Detail": {"n.$": "$.n"}}]})}, "E", {"n": 3})
        out = self.succeeded(d)
        self.assertEqual(out["FailedEntryCount"], 0)
        self.assertEqual(len(out["Entries"]), 1)
        msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"]
        self.assertEqual(json.loads(msgs[0]["Body"])["detail"], {"n": 3})


HANDLER = """
def handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"doubled": event["n"] * 2}
"""


class LambdaTest(AwsTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        lambda_control("PUT", "/_test/credentials", {"AccessKeyId": os.environ["AWS_ACCESS_KEY_ID"],
                                                      "SecretAccessKey": os.environ["AWS_SECRET_ACCESS_KEY"]})

    def register(self, name):
        lambda_control("PUT", "/_test/functions/" + name, HANDLER)

    def invocations(self, name):
        return [i for i in lambda_control("GET", "/_test/invocations") if i["name"] == name]

    def test_invoke_returns_payload_and_the_request_is_validly_signed(self):
        fn = uname("fn")
        self.register(fn)
        _, d = self.run_machine({"L": task("arn:aws:states:::lambda:invoke",
                                           {"FunctionName": fn, "Payload": {"n.$": "$.n"}})}, "L", {"n": 21})
        out = self.succeeded(d)
        self.assertEqual(out["Payload"], {"doubled": 42})
        self.assertEqual(out["StatusCode"], 200)
        self.assertEqual(out["ExecutedVersion"], "$LATEST")
        inv = self.invocations(fn)
        self.assertEqual(len(inv), 1)
        self.assertEqual(inv[0]["signature"], "ok")  # botocore's signer agrees

    def test_function_error_is_its_error_type(self):
        fn = uname("fn")
        self.register(fn)
        _, d = self.run_machine({"L": task("arn:aws:states:::lambda:invoke",
                                           {"FunctionName": fn, "Payload": {"fail": True}},
                                           Catch=[{"ErrorEquals": ["ValueError"], "Next": "C"}]),
                                 "C": {"Type": "Pass", "End": True}}, "L")
        out = self.succeeded(d)
        self.assertEqual(out["Error"], "ValueError")
        self.assertEqual(json.loads(out["Cause"])["errorMessage"], "asked to fail")

    def test_invoke_retried_on_lambda_service_exception(self):
        fn = uname("fn")
        self.register(fn)
        # Three faults: the node's own attempts (aws.max_attempts, 3) all
        # fail, so the Task fails with Lambda.ServiceException and the
        # state's Retry runs it again.
        lambda_control("PUT", "/_test/faults/" + fn, {"count": 3, "status": 500, "type": "ServiceException"})
        arn, d = self.run_machine({"L": task(
            "arn:aws:states:::lambda:invoke", {"FunctionName": fn, "Payload": {"n": 5}},
            Retry=[{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 1, "MaxAttempts": 2}])},
            "L", timeout=30)
        self.assertEqual(self.succeeded(d)["Payload"], {"doubled": 10})
        events = full_history(self.sfn, arn)
        failed = [e for e in events if e["type"] == "TaskFailed"]
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed[0]["taskFailedEventDetails"]["error"], "Lambda.ServiceException")
        self.assertEqual(len([e for e in events if e["type"] == "TaskSucceeded"]), 1)
        self.assertEqual(len(self.invocations(fn)), 4)

    def test_legacy_function_arn_resource(self):
        fn = uname("fn")
        self.register(fn)
        resource = "arn:aws:lambda:us-east-1:%s:function:%s" % (ACCOUNT, fn)
        arn, d = self.run_machine({"L": {"Type": "Task", "End": True, "Resource": resource}}, "L", {"n": 4})
        self.assertEqual(self.succeeded(d), {"doubled": 8})
        events = full_history(self.sfn, arn)
        types = [e["type"] for e in events]
        self.assertEqual(types[2:5], ["LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded"])
        sched = events[2]["lambdaFunctionScheduledEventDetails"]
        self.assertEqual(sched["resource"], resource)
        self.assertEqual(json.loads(sched["input"]), {"n": 4})
        self.assertEqual(json.loads(events[4]["lambdaFunctionSucceededEventDetails"]["output"]), {"doubled": 8})
        # A failing function: LambdaFunctionFailed with its errorType.
        arn, d = self.run_machine({"L": {"Type": "Task", "End": True, "Resource": resource}}, "L", {"fail": True})
        self.assertEqual(d["error"], "ValueError")
        failed = [e for e in full_history(self.sfn, arn) if e["type"] == "LambdaFunctionFailed"]
        self.assertEqual(failed[0]["lambdaFunctionFailedEventDetails"]["error"], "ValueError")

    def test_unknown_function(self):
        _, d = self.run_machine({"L": task("arn:aws:states:::lambda:invoke", {"FunctionName": uname("nofn")})},
                                "L")
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "Lambda.ResourceNotFoundException")


class EndpointErrorTest(AwsTestCase):
    def test_unreachable_endpoint_names_the_endpoint_and_its_source(self):
        """A node whose AWS_ENDPOINT_URL nobody listens on: the Task fails
        (never hangs) with the SDK's client error naming the endpoint."""
        port, dead = free_port(), free_port()
        env = dict(os.environ, AWS_ENDPOINT_URL="http://127.0.0.1:%d" % dead)
        proc = subprocess.Popen([os.environ["STATECRAFT_BIN"], "--port", str(port), "--log-level", "warn"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.terminate)
        self.assertIsNone(wait_for_port(proc, port, 20))
        sfn = boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1")
        sm = sfn.create_state_machine(
            name=uname("sm"), roleArn="arn:aws:iam::%s:role/r" % ACCOUNT,
            definition=json.dumps({"StartAt": "S", "States": {"S": task(
                "arn:aws:states:::sqs:sendMessage", {"QueueUrl": "http://x/q", "MessageBody": "m"})}}))
        arn = sfn.start_execution(stateMachineArn=sm["stateMachineArn"])["executionArn"]
        d = wait_for_status(sfn, arn, timeout=30)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "SQS.SdkClientException")
        self.assertIn("127.0.0.1:%d" % dead, d["cause"])
        self.assertIn("AWS_ENDPOINT_URL", d["cause"])


class ResourceErrorTest(AwsTestCase):
    def test_unknown_service_says_so(self):
        _, d = self.run_machine({"S": task("arn:aws:states:::aws-sdk:nosuchservice:doIt", {})}, "S")
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.Runtime")
        self.assertIn("unknown AWS service 'nosuchservice'", d["cause"])

    def test_unknown_action_says_so(self):
        _, d = self.run_machine({"S": task("arn:aws:states:::aws-sdk:s3:listEverything", {})}, "S")
        self.assertEqual(d["error"], "States.Runtime")
        self.assertIn("aws-sdk:s3 has no action 'listEverything'", d["cause"])

    def test_no_credentials_names_the_chain_and_the_endpoint(self):
        port = free_port()
        env = {k: v for k, v in os.environ.items()
               if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}
        proc = subprocess.Popen([os.environ["STATECRAFT_BIN"], "--port", str(port), "--log-level", "warn"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.terminate)
        self.assertIsNone(wait_for_port(proc, port, 20))
        sfn = boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1")
        sm = sfn.create_state_machine(
            name=uname("sm"), roleArn="arn:aws:iam::%s:role/r" % ACCOUNT,
            definition=json.dumps({"StartAt": "S", "States": {"S": task(
                "arn:aws:states:::dynamodb:getItem", {"TableName": "t", "Key": {}})}}))
        arn = sfn.start_execution(stateMachineArn=sm["stateMachineArn"])["executionArn"]
        d = wait_for_status(sfn, arn, timeout=30)
        self.assertEqual(d["error"], "DynamoDB.SdkClientException")
        self.assertIn("Unable to load AWS credentials", d["cause"])
        self.assertIn(MOTO, d["cause"])


class AssumeRoleTest(AwsTestCase):
    """aws.assume_role: always: the state machine's roleArn is assumed
    through moto's STS and the call is signed with the role's credentials."""

    register = LambdaTest.register
    invocations = LambdaTest.invocations

    def assuming_node(self):
        """A node of its own with `aws.assume_role: always`: its client."""
        port = free_port()
        cfg = os.path.join(os.environ.get("TMPDIR", "/tmp"), uname("statecraft-assume") + ".yaml")
        with open(cfg, "w") as f:
            f.write("aws:\n  assume_role: always\n")
        self.addCleanup(os.remove, cfg)
        proc = subprocess.Popen([os.environ["STATECRAFT_BIN"], "--port", str(port), "--log-level", "warn",
                                 "--config", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.terminate)
        self.assertIsNone(wait_for_port(proc, port, 20))
        return boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1")

    def test_role_of_the_state_machine_signs_the_call(self):
        sfn = self.assuming_node()
        fn = uname("fn")
        self.register(fn)
        role = "arn:aws:iam::%s:role/statecraft-test-role" % ACCOUNT
        sm = sfn.create_state_machine(
            name=uname("sm"), roleArn=role,
            definition=json.dumps({"StartAt": "L", "States": {"L": task(
                "arn:aws:states:::lambda:invoke", {"FunctionName": fn, "Payload": {"n": 1}})}}))
        arn = sfn.start_execution(stateMachineArn=sm["stateMachineArn"])["executionArn"]
        d = wait_for_status(sfn, arn, timeout=30)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        inv = self.invocations(fn)
        self.assertEqual(len(inv), 1)
        self.assertNotEqual(inv[0]["accessKey"], os.environ["AWS_ACCESS_KEY_ID"])
        self.assertTrue(inv[0]["sessionToken"])

    def test_task_credentials_role_is_assumed(self):
        """A Task's Credentials.RoleArn (here a path into the input) is the
        role assumed for its call."""
        sfn = self.assuming_node()
        fn = uname("fn")
        self.register(fn)
        sm = sfn.create_state_machine(
            name=uname("sm"), roleArn="arn:aws:iam::%s:role/machine-role" % ACCOUNT,
            definition=json.dumps({"StartAt": "L", "States": {"L": task(
                "arn:aws:states:::lambda:invoke", {"FunctionName": fn, "Payload": {"n": 2}},
                Credentials={"RoleArn.$": "$.role"})}}))
        arn = sfn.start_execution(stateMachineArn=sm["stateMachineArn"],
                                  input=json.dumps({"role": "arn:aws:iam::210987654321:role/other"}))["executionArn"]
        d = wait_for_status(sfn, arn, timeout=30)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        inv = self.invocations(fn)
        self.assertEqual(len(inv), 1)
        self.assertNotEqual(inv[0]["accessKey"], os.environ["AWS_ACCESS_KEY_ID"])
