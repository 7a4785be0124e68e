"""TestState of unmocked Tasks that call AWS services: as on AWS, the service
is called (here moto's and the tests' Lambda server, through the node's AWS
client and its endpoint/credential resolution) and the answer goes through
the state's data flow, Retry and Catch like a mock would. boto3's
test_state against the node (tests/aws/run.py starts everything)."""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_aws_integrations as base  # noqa: E402  (a module: its TestCases are not collected twice)

ROLE = "arn:aws:iam::%s:role/test-state" % base.ACCOUNT
aws, uname = base.aws, base.uname


class TestStateCallsAwsTest(base.AwsTestCase):
    register = base.LambdaTest.register
    invocations = base.LambdaTest.invocations

    def make_table(self):
        name = uname("tbl")
        aws("dynamodb").create_table(
            TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST")
        return name

    def run_test_state(self, state, input_obj, **kw):
        return self.sfn.test_state(definition=json.dumps(state), roleArn=ROLE, input=json.dumps(input_obj), **kw)

    def test_dynamodb_put_is_made_and_debug_shows_the_data_flow(self):
        table = self.make_table()
        st = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
              "Parameters": {"TableName": table, "Item": {"id": {"S.$": "$.id"}}},
              "ResultSelector": {"status.$": "$.SdkHttpMetadata.HttpStatusCode"},
              "ResultPath": "$.put", "Next": "After"}
        r = self.run_test_state(st, {"id": "ts-1"}, inspectionLevel="DEBUG")
        self.assertEqual(r["status"], "SUCCEEDED", r)
        self.assertEqual(r["nextState"], "After")
        self.assertEqual(json.loads(r["output"]), {"id": "ts-1", "put": {"status": 200}})
        insp = r["inspectionData"]
        self.assertEqual(json.loads(insp["afterParameters"]), {"TableName": table, "Item": {"id": {"S": "ts-1"}}})
        self.assertIn("SdkHttpMetadata", json.loads(insp["result"]))
        self.assertEqual(json.loads(insp["afterResultSelector"]), {"status": 200})
        got = aws("dynamodb").get_item(TableName=table, Key={"id": {"S": "ts-1"}})
        self.assertEqual(got["Item"]["id"], {"S": "ts-1"})  # really written

    def test_service_error_is_the_state_error_and_catch_sees_it(self):
        st = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
              "Parameters": {"TableName": uname("missing"), "Key": {"id": {"S": "x"}}}, "End": True}
        r = self.run_test_state(st, {})
        self.assertEqual(r["status"], "FAILED")
        self.assertEqual(r["error"], "DynamoDB.ResourceNotFoundException")
        self.assertIn("Status Code: 400", r["cause"])
        st["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}]
        r = self.run_test_state(st, {})
        self.assertEqual(r["status"], "CAUGHT_ERROR")
        self.assertEqual(r["nextState"], "Handler")
        st.pop("Catch")
        st["Retry"] = [{"ErrorEquals": ["DynamoDB.ResourceNotFoundException"], "MaxAttempts": 2}]
        self.assertEqual(self.run_test_state(st, {})["status"], "RETRIABLE")

    def test_sqs_send_in_jsonata(self):
        url = aws("sqs").create_queue(QueueName=uname("q"))["QueueUrl"]
        st = {"Type": "Task", "QueryLanguage": "JSONata", "Resource": "arn:aws:states:::sqs:sendMessage",
              "Arguments": {"QueueUrl": url, "MessageBody": "{% $states.input.body %}"},
              "Output": "{% $states.result.MessageId %}", "End": True}
        r = self.run_test_state(st, {"body": {"hello": "world"}}, inspectionLevel="DEBUG")
        self.assertEqual(r["status"], "SUCCEEDED", r)
        msgs = aws("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
        self.assertEqual(json.loads(msgs[0]["Body"]), {"hello": "world"})
        self.assertEqual(json.loads(r["output"]), msgs[0]["MessageId"])
        self.assertEqual(json.loads(r["inspectionData"]["afterArguments"]),
                         {"QueueUrl": url, "MessageBody": {"hello": "world"}})

    def test_lambda_invoke_and_function_error(self):
        fn = uname("fn")
        self.register(fn)
        st = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
              "Parameters": {"FunctionName": fn, "Payload.$": "$"}, "OutputPath": "$.Payload", "End": True}
        r = self.run_test_state(st, {"n": 4})
        self.assertEqual(r["status"], "SUCCEEDED", r)
        self.assertEqual(json.loads(r["output"]), {"doubled": 8})
        self.assertEqual(len(self.invocations(fn)), 1)
        r = self.run_test_state(st, {"fail": True})
        self.assertEqual(r["status"], "FAILED")
        self.assertEqual(r["error"], "ValueError")

    def test_mock_still_wins_over_calling(self):
        fn = uname("fn")
        self.register(fn)
        st = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
              "Parameters": {"FunctionName": fn, "Payload.$": "$"}, "End": True}
        r = self.sfn.test_state(definition=json.dumps(st), input="{}",
                                mock={"result": json.dumps({"Payload": 1}), "fieldValidationMode": "NONE"})
        self.assertEqual(json.loads(r["output"]), {"Payload": 1})
        self.assertEqual(self.invocations(fn), [])
