"""Mock files in Step Functions Local's MockConfigFile format (--mock-config).

A node of its own is started with the example mock file of AWS's Step
Functions Local documentation (LambdaSQSIntegration: HappyPath, RetryPath,
HybridPath), unchanged, and the state machine that documentation runs with
it. Executions started on `<stateMachineArn>#<TestCase>` take their Task
results from the file and call nothing (the node cannot call Lambda or SQS:
without a mock those Tasks fail). The file is then rewritten (the node
reloads it) and broken (the node reports where and keeps the last good one).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import boto3
import botocore.config
import botocore.exceptions

from common import ROLE_ARN, uname

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import free_port, tail, wait_for_port  # noqa: E402

# AWS's example mock file (Step Functions Local, "Configuration file for
# mocked service integrations"), unchanged.
AWS_MOCK_FILE = {
    "StateMachines": {
        "LambdaSQSIntegration": {
            "TestCases": {
                "HappyPath": {"LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess"},
                "RetryPath": {"LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess"},
                "HybridPath": {"LambdaState": "MockedLambdaSuccess"},
            }
        }
    },
    "MockedResponses": {
        "MockedLambdaSuccess": {
            "0": {"Return": {"StatusCode": 200,
                             "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}}
        },
        "LambdaMockedResourceNotReady": {
            "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException",
                            "Cause": "Lambda resource is not ready."}}
        },
        "MockedSQSSuccess": {
            "0": {"Return": {"MD5OfMessageBody": "3bcb6e8e-7h85-4375-b0bc-1a59812c6e51",
                             "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}}
        },
        "MockedLambdaRetry": {
            "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException",
                            "Cause": "Lambda resource is not ready."}},
            "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "Lambda timed out."}},
            "3": {"Return": {"StatusCode": 200,
                             "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}},
        },
    },
}

# The state machine AWS's documentation runs with that file.
LAMBDA_SQS = {
    "Comment": "This state machine is called: LambdaSQSIntegration",
    "StartAt": "LambdaState",
    "States": {
        "LambdaState": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"Payload.$": "$", "FunctionName": "HelloWorldFunction"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3,
                       "BackoffRate": 2}],
            "Next": "SQSState",
        },
        "SQSState": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/myQueue",
                           "MessageBody.$": "$"},
            "End": True,
        },
    },
}

SQS_RETURN = AWS_MOCK_FILE["MockedResponses"]["MockedSQSSuccess"]["0"]["Return"]


def extra_file():
    """The AWS example plus the responses of our own (Map, activity)."""
    f = json.loads(json.dumps(AWS_MOCK_FILE))
    f["MockedResponses"]["Counted"] = {
        "0-1": {"Return": {"n": "first-two"}},
        "2": {"Return": {"n": "third"}},
    }
    f["MockedResponses"]["ActDone"] = {"0": {"Return": {"from": "mock", "x": 1}}}
    return f


class MockConfig(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        binary = os.environ.get("STATECRAFT_BIN")
        if not binary:
            raise unittest.SkipTest("STATECRAFT_BIN is not set; run via tests/e2e/run.py")
        cls.tmp = tempfile.mkdtemp(prefix="statecraft-e2e-mock-")
        cls.mock_path = os.path.join(cls.tmp, "MockConfigFile.json")
        with open(cls.mock_path, "w") as f:
            json.dump(AWS_MOCK_FILE, f)
        cls.log = os.path.join(cls.tmp, "statecraftd.log")
        port = free_port()
        with open(cls.log, "wb") as log:
            cls.proc = subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--time-scale", "100",
                 "--mock-config", cls.mock_path],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cls.tmp)
        problem = wait_for_port(cls.proc, port, 20)
        if problem:
            raise RuntimeError("mock node %s\n%s" % (problem, tail(cls.log)))
        cls.sfn = boto3.client(
            "stepfunctions", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
            config=botocore.config.Config(retries={"total_max_attempts": 1},
                                          inject_host_prefix=False))
        cls.machine = cls.sfn.create_state_machine(
            name="LambdaSQSIntegration", definition=json.dumps(LAMBDA_SQS),
            roleArn=ROLE_ARN)["stateMachineArn"]

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        try:
            cls.proc.wait(10)
        except subprocess.TimeoutExpired:
            cls.proc.kill()

    # helpers
    def run_case(self, machine, case, inp="{}", timeout=20):
        arn = self.sfn.start_execution(stateMachineArn=machine + ("#" + case if case else ""),
                                       name=uname("m"), input=inp)["executionArn"]
        deadline = time.monotonic() + timeout
        while True:
            d = self.sfn.describe_execution(executionArn=arn)
            if d["status"] != "RUNNING":
                return d, self.history(arn)
            self.assertLess(time.monotonic(), deadline, "still running: %s" % arn)
            time.sleep(0.05)

    def history(self, arn):
        events, token = [], None
        while True:
            kw = {"executionArn": arn, "maxResults": 1000}
            if token:
                kw["nextToken"] = token
            r = self.sfn.get_execution_history(**kw)
            events += r["events"]
            token = r.get("nextToken")
            if not token:
                return events

    def rewrite(self, content):
        before = os.stat(self.mock_path).st_mtime_ns
        with open(self.mock_path, "w") as f:
            f.write(content if isinstance(content, str) else json.dumps(content))
        # A new mtime even on a coarse clock.
        os.utime(self.mock_path, ns=(before + 2_000_000_000, before + 2_000_000_000))

    def wait_log(self, text, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.log, errors="replace") as f:
                log = f.read()
            if text in log:
                return log
            time.sleep(0.1)
        self.fail("%r not in the node's log:\n%s" % (text, tail(self.log)))

    # tests
    def test_1_happy_path_calls_nothing(self):
        d, events = self.run_case(self.machine, "HappyPath", '{"hello":"world"}')
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), SQS_RETURN)
        # The execution is of the machine: no test case in its ARNs.
        self.assertEqual(d["stateMachineArn"], self.machine)
        self.assertTrue(d["executionArn"].startswith(
            self.machine.replace(":stateMachine:", ":execution:") + ":"), d["executionArn"])
        types = [e["type"] for e in events]
        self.assertEqual(types, [
            "ExecutionStarted",
            "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
            "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
            "ExecutionSucceeded"])
        sched = [e["taskScheduledEventDetails"] for e in events if e["type"] == "TaskScheduled"]
        self.assertEqual((sched[0]["resourceType"], sched[0]["resource"]), ("lambda", "invoke"))
        self.assertEqual(json.loads(sched[0]["parameters"]),
                         {"Payload": {"hello": "world"}, "FunctionName": "HelloWorldFunction"})
        self.assertEqual((sched[1]["resourceType"], sched[1]["resource"]), ("sqs", "sendMessage"))
        ok = [e["taskSucceededEventDetails"] for e in events if e["type"] == "TaskSucceeded"]
        self.assertEqual(json.loads(ok[0]["output"]),
                         AWS_MOCK_FILE["MockedResponses"]["MockedLambdaSuccess"]["0"]["Return"])
        # The SQS task got the Lambda mock's Return as its input.
        self.assertEqual(json.loads(sched[1]["parameters"])["MessageBody"],
                         AWS_MOCK_FILE["MockedResponses"]["MockedLambdaSuccess"]["0"]["Return"])

    def test_2_retry_path_throws_through_the_ranges(self):
        d, events = self.run_case(self.machine, "RetryPath")
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), SQS_RETURN)
        failed = [e["taskFailedEventDetails"] for e in events if e["type"] == "TaskFailed"]
        self.assertEqual([(f["error"], f["cause"]) for f in failed], [
            ("Lambda.ResourceNotReadyException", "Lambda resource is not ready."),
            ("Lambda.TimeoutException", "Lambda timed out."),
            ("Lambda.TimeoutException", "Lambda timed out.")])
        self.assertEqual(sum(e["type"] == "TaskScheduled" for e in events), 5)  # 4 Lambda + SQS

    def test_3_hybrid_path_calls_the_unmocked_state(self):
        # SQSState is not mocked: the node calls it for real, and it cannot
        # call SQS, so the task fails.
        d, events = self.run_case(self.machine, "HybridPath")
        self.assertEqual(d["status"], "FAILED", d)
        types = [e["type"] for e in events]
        self.assertEqual(types.count("TaskSucceeded"), 1)  # the mocked Lambda
        self.assertIn("TaskStartFailed", types)

    def test_4_without_a_test_case_nothing_is_mocked(self):
        d, _ = self.run_case(self.machine, None)
        self.assertEqual(d["status"], "FAILED", d)
        self.assertEqual(d["error"], "States.Runtime")

    def test_5_unknown_test_case_is_refused(self):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sfn.start_execution(stateMachineArn=self.machine + "#NoSuchCase")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")

    def test_6_reload_map_iterations_activity_then_broken_file(self):
        self.sfn.create_activity(name="none")
        extra = self.machine.replace("LambdaSQSIntegration", "MockExtra2")
        self.sfn.create_state_machine(name="MockExtra2", roleArn=ROLE_ARN, definition=json.dumps({
            "StartAt": "M", "States": {
                "M": {"Type": "Map", "MaxConcurrency": 1, "Next": "Act", "ResultPath": "$.mapped",
                      "ItemsPath": "$.items",
                      "ItemProcessor": {"StartAt": "Work", "States": {"Work": {
                          "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                          "ResultSelector": {"got.$": "$.n"}, "End": True}}}},
                "Act": {"Type": "Task",
                        "Resource": "arn:aws:states:us-east-1:123456789012:activity:none",
                        "ResultPath": "$.act", "End": True}}}))
        f = extra_file()
        f["StateMachines"]["MockExtra2"] = {"TestCases": {"Both": {"Work": "Counted",
                                                                   "Act": "ActDone"}}}
        self.rewrite(f)
        deadline = time.monotonic() + 10
        while True:
            try:
                d, events = self.run_case(extra, "Both", '{"items":[1,2,3]}')
                break
            except botocore.exceptions.ClientError as e:
                self.assertEqual(e.response["Error"]["Code"], "ValidationException")
                self.assertLess(time.monotonic(), deadline, "the new file was not loaded")
                time.sleep(0.2)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertEqual(out["mapped"], [{"got": "first-two"}, {"got": "first-two"},
                                         {"got": "third"}])
        self.assertEqual(out["act"], {"from": "mock", "x": 1})
        types = [e["type"] for e in events]
        for t in ("ActivityScheduled", "ActivityStarted", "ActivitySucceeded"):
            self.assertIn(t, types)

        # Broken: reported with where, and the last good file stays.
        broken = extra_file()
        broken["MockedResponses"]["Counted"]["5-4"] = {"Return": 1}
        broken["MockedResponses"]["ActDone"]["0"] = {"Throw": {"Error": 7}}
        broken["StateMachines"]["MockExtra2"] = {"TestCases": {"Both": {"Work": "Nope"}}}
        self.rewrite(broken)
        log = self.wait_log("is broken; keeping the last good one")
        self.assertIn('$.MockedResponses.Counted["5-4"]', log)
        self.assertIn("$.MockedResponses.ActDone[\"0\"].Throw.Error: must be a string", log)
        self.assertIn("$.StateMachines.MockExtra2.TestCases.Both.Work", log)
        d, _ = self.run_case(extra, "Both", '{"items":[1]}')
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"])["act"], {"from": "mock", "x": 1})

        # Not JSON at all: the same.
        self.rewrite('{"StateMachines": ')
        self.wait_log("not valid JSON")
        d, _ = self.run_case(extra, "Both", '{"items":[1]}')
        self.assertEqual(d["status"], "SUCCEEDED", d)


REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.environ.get("STATECRAFT_CLI") or os.path.join(REPO, "build", "tools", "statecraft",
                                                       "statecraft")


@unittest.skipUnless(os.access(CLI, os.X_OK), "statecraft binary not built: %s" % CLI)
class RunWithMockFile(unittest.TestCase):
    """`statecraft run --mock-config FILE --test-case NAME`: the same AWS
    example, in-process, the state machine named after the definition file."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="statecraft-cli-mock-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.mock = os.path.join(self.dir, "MockConfigFile.json")
        with open(self.mock, "w") as f:
            json.dump(AWS_MOCK_FILE, f)
        self.flow = os.path.join(self.dir, "LambdaSQSIntegration.asl.json")
        with open(self.flow, "w") as f:
            json.dump(LAMBDA_SQS, f)

    def run_cli(self, *args, env=None, code=None):
        p = subprocess.run([CLI, "run", self.flow, "--json", *args], capture_output=True,
                           text=True, timeout=60, env=env)
        if code is not None:
            self.assertEqual(p.returncode, code, p.stderr + p.stdout)
        return p

    def test_test_cases_of_the_aws_example(self):
        p = self.run_cli("--mock-config", self.mock, "--test-case", "HappyPath",
                         "--input", '{"hello":"world"}', code=0)
        r = json.loads(p.stdout)
        self.assertEqual((r["status"], r["output"]), ("SUCCEEDED", SQS_RETURN))
        # RetryPath: three throws (ranges "0", "1-2"), then the Return of "3";
        # the back-offs (2, 4, 8 s) pass on the virtual clock.
        r = json.loads(self.run_cli("--mock-config", self.mock, "--test-case", "RetryPath",
                                    code=0).stdout)
        self.assertEqual(r["status"], "SUCCEEDED")
        failed = [e["taskFailedEventDetails"]["error"] for e in r["events"]
                  if e["type"] == "TaskFailed"]
        self.assertEqual(failed, ["Lambda.ResourceNotReadyException", "Lambda.TimeoutException",
                                  "Lambda.TimeoutException"])
        # HybridPath: SQSState is not mocked and cannot be called in-process.
        r = json.loads(self.run_cli("--mock-config", self.mock, "--test-case", "HybridPath",
                                    code=1).stdout)
        self.assertEqual((r["status"], r["error"]), ("FAILED", "States.Runtime"))
        self.assertIn("TaskStartFailed", [e["type"] for e in r["events"]])
        # SFN_MOCK_CONFIG names the file when --mock-config is not given.
        env = dict(os.environ, SFN_MOCK_CONFIG=self.mock)
        r = json.loads(self.run_cli("--test-case", "HappyPath", env=env, code=0).stdout)
        self.assertEqual(r["status"], "SUCCEEDED")

    def test_usage_errors(self):
        p = self.run_cli("--mock-config", self.mock, "--test-case", "NoSuchCase", code=2)
        self.assertIn("no test case 'NoSuchCase' for the state machine 'LambdaSQSIntegration'",
                      p.stderr)
        self.run_cli("--mock-config", self.mock, code=2)
        broken = os.path.join(self.dir, "broken.json")
        with open(broken, "w") as f:
            json.dump({"StateMachines": {}, "MockedResponses": {"X": {"5-4": {"Return": 1}}}}, f)
        p = self.run_cli("--mock-config", broken, "--test-case", "HappyPath", code=2)
        self.assertIn('$.MockedResponses.X["5-4"]', p.stderr)


class BrokenAtStart(unittest.TestCase):

    def test_a_broken_file_stops_the_node_with_each_problem(self):
        binary = os.environ.get("STATECRAFT_BIN")
        if not binary:
            raise unittest.SkipTest("STATECRAFT_BIN is not set")
        tmp = tempfile.mkdtemp(prefix="statecraft-e2e-mock-broken-")
        path = os.path.join(tmp, "mock.json")
        with open(path, "w") as f:
            json.dump({"StateMachines": {"A": {"TestCases": {"T": {"S": "Missing"}}}},
                       "MockedResponses": {"R": {"0": {"Return": 1}, "2": {"Return": 2}}}}, f)
        env = dict(os.environ, SFN_MOCK_CONFIG=path)
        p = subprocess.run([binary, "--port", str(free_port()), "--bind", "127.0.0.1"],
                           env=env, capture_output=True, text=True, timeout=30)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("$.StateMachines.A.TestCases.T.S", p.stderr)
        self.assertIn("$.MockedResponses.R", p.stderr)
        self.assertIn("invocation 1 is missing", p.stderr)


if __name__ == "__main__":
    unittest.main()


class DurableOnRedis(unittest.TestCase):
    """The test case is kept with the execution: a node killed with -9 in
    the middle of a mocked execution on Redis is restarted and the execution
    goes on with its mocks."""

    def start_node(self, port):
        log = open(self.log, "ab")
        return subprocess.Popen(
            [self.binary, "--port", str(port), "--bind", "127.0.0.1", "--redis", self.redis.url,
             "--mock-config", self.mock_path, "--idle-actor-seconds", "0.3"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.tmp)

    def test_kill_9_in_a_mocked_execution(self):
        from harness import Redis
        self.binary = os.environ.get("STATECRAFT_BIN")
        if not self.binary or not shutil.which("redis-server"):
            raise unittest.SkipTest("needs STATECRAFT_BIN and redis-server")
        self.tmp = tempfile.mkdtemp(prefix="statecraft-e2e-mock-redis-")
        self.log = os.path.join(self.tmp, "statecraftd.log")
        self.mock_path = os.path.join(self.tmp, "MockConfigFile.json")
        with open(self.mock_path, "w") as f:
            json.dump(AWS_MOCK_FILE, f)
        self.redis = Redis(self.tmp)
        self.redis.start(10)
        self.addCleanup(self.redis.stop)
        port = free_port()
        proc = self.start_node(port)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        self.assertFalse(wait_for_port(proc, port, 30), tail(self.log))
        sfn = boto3.client(
            "stepfunctions", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
            config=botocore.config.Config(retries={"total_max_attempts": 1},
                                          inject_host_prefix=False))
        d = json.loads(json.dumps(LAMBDA_SQS))
        # A Wait between the two mocked Tasks, to kill the node in.
        d["States"]["LambdaState"]["Next"] = "Pause"
        d["States"]["Pause"] = {"Type": "Wait", "Seconds": 2, "Next": "SQSState"}
        machine = sfn.create_state_machine(name="LambdaSQSIntegration", roleArn=ROLE_ARN,
                                           definition=json.dumps(d))["stateMachineArn"]
        arn = sfn.start_execution(stateMachineArn=machine + "#HappyPath")["executionArn"]
        time.sleep(0.5)
        self.assertEqual(sfn.describe_execution(executionArn=arn)["status"], "RUNNING")
        proc.kill()
        proc.wait(10)
        proc2 = self.start_node(port)
        self.addCleanup(lambda: proc2.poll() is None and proc2.kill())
        self.assertFalse(wait_for_port(proc2, port, 30), tail(self.log))
        deadline = time.monotonic() + 20
        while True:
            r = sfn.describe_execution(executionArn=arn)
            if r["status"] != "RUNNING":
                break
            self.assertLess(time.monotonic(), deadline, tail(self.log))
            time.sleep(0.1)
        self.assertEqual(r["status"], "SUCCEEDED", r)
        self.assertEqual(json.loads(r["output"]), SQS_RETURN)
        self.assertEqual(r["stateMachineArn"], machine)
        proc2.terminate()
        proc2.wait(10)
