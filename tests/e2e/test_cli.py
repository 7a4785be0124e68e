"""The AWS CLI (`aws stepfunctions ... --endpoint-url`) against the node."""

import datetime
import json
import os
import shutil
import subprocess
import threading
import unittest

from common import (E2ETestCase, ROLE_ARN, activity_task_def, client, endpoint, exec_arn,
                    poll_task, sm_arn, uname, wait_for_status)

AWS = shutil.which("aws")


def cli_env():
    env = dict(os.environ)
    env.update({
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_RETRY_MODE": "standard",
        "AWS_PAGER": "",
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_SESSION_TOKEN", None)
    return env


@unittest.skipIf(AWS is None, "aws CLI not installed")
class Cli(E2ETestCase):

    def aws(self, *args, check=True):
        cmd = [AWS, "stepfunctions", *args, "--endpoint-url", endpoint(), "--region", "us-east-1",
               "--output", "json"]
        p = subprocess.run(cmd, env=cli_env(), capture_output=True, text=True, timeout=60)
        if check:
            self.assertEqual(p.returncode, 0, "aws %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr))
            return json.loads(p.stdout) if p.stdout.strip() else {}
        return p

    def test_create_start_describe(self):
        name = uname("cli")
        definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass",
                                                                   "Parameters": {"greet.$": "$.who",
                                                                                  "fixed": 1},
                                                                   "End": True}}})
        created = self.aws("create-state-machine", "--name", name, "--definition", definition,
                           "--role-arn", ROLE_ARN)
        self.addCleanup(self._quiet, self.sfn.delete_state_machine, stateMachineArn=sm_arn(name))
        self.assertEqual(created["stateMachineArn"], sm_arn(name))
        # CLI v1 prints the wire value (epoch seconds) by default, v2 ISO 8601.
        cd = created["creationDate"]
        if isinstance(cd, str):
            datetime.datetime.fromisoformat(cd)
        else:
            self.assertIsInstance(cd, (int, float))

        described = self.aws("describe-state-machine", "--state-machine-arn", sm_arn(name))
        self.assertEqual(described["definition"], definition)
        self.assertEqual(described["status"], "ACTIVE")

        started = self.aws("start-execution", "--state-machine-arn", sm_arn(name), "--name", "clirun",
                           "--input", json.dumps({"who": "cli"}))
        self.assertEqual(started["executionArn"], exec_arn(name, "clirun"))
        wait_for_status(self.sfn, started["executionArn"])
        d = self.aws("describe-execution", "--execution-arn", started["executionArn"])
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), {"greet": "cli", "fixed": 1})
        self.assertEqual(d["name"], "clirun")

        listed = self.aws("list-executions", "--state-machine-arn", sm_arn(name))
        self.assertEqual([e["name"] for e in listed["executions"]], ["clirun"])

    def test_activity_worker_completes_cli_execution(self):
        act_name = uname("cliact")
        act = self.aws("create-activity", "--name", act_name)["activityArn"]
        self.addCleanup(self._quiet, self.sfn.delete_activity, activityArn=act)
        name = uname("clitask")
        self.aws("create-state-machine", "--name", name, "--definition", json.dumps(activity_task_def(act)),
                 "--role-arn", ROLE_ARN)
        self.addCleanup(self._quiet, self.sfn.delete_state_machine, stateMachineArn=sm_arn(name))

        done = {}

        def worker():
            c = client()
            t = poll_task(c, act, worker="boto3-worker", timeout=20)
            inp = json.loads(t["input"])
            c.send_task_success(taskToken=t["taskToken"], output=json.dumps({"doubled": inp["n"] * 2}))
            done["ok"] = True

        th = threading.Thread(target=worker, daemon=True)
        th.start()
        ex = self.aws("start-execution", "--state-machine-arn", sm_arn(name),
                      "--input", json.dumps({"n": 21}))["executionArn"]
        th.join(25)
        self.assertTrue(done.get("ok"), "worker did not complete the task")
        wait_for_status(self.sfn, ex)
        d = self.aws("describe-execution", "--execution-arn", ex)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), {"doubled": 42})

        hist = self.aws("get-execution-history", "--execution-arn", ex)
        self.assertEqual([e["type"] for e in hist["events"]],
                         ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted",
                          "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded"])
        self.assertEqual([e["id"] for e in hist["events"]], list(range(1, 8)))
        self.assertEqual(hist["events"][3]["activityStartedEventDetails"], {"workerName": "boto3-worker"})

    def test_history_from_cli(self):
        name = uname("clihist")
        definition = {"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Choice", "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "C"}],
                  "Default": "D"},
            "C": {"Type": "Succeed"},
            "D": {"Type": "Fail", "Error": "No", "Cause": "go was false"}}}
        arn = self.sfn.create_state_machine(name=name, definition=json.dumps(definition),
                                            roleArn=ROLE_ARN)["stateMachineArn"]
        self.addCleanup(self._quiet, self.sfn.delete_state_machine, stateMachineArn=arn)
        ex = self.aws("start-execution", "--state-machine-arn", arn, "--input", '{"go": true}')["executionArn"]
        wait_for_status(self.sfn, ex)
        hist = self.aws("get-execution-history", "--execution-arn", ex)
        self.assertEqual([(e["id"], e["previousEventId"], e["type"]) for e in hist["events"]], [
            (1, 0, "ExecutionStarted"),
            (2, 0, "PassStateEntered"),
            (3, 2, "PassStateExited"),
            (4, 3, "ChoiceStateEntered"),
            (5, 4, "ChoiceStateExited"),
            (6, 5, "SucceedStateEntered"),
            (7, 6, "SucceedStateExited"),
            (8, 7, "ExecutionSucceeded"),
        ])
        rev = self.aws("get-execution-history", "--execution-arn", ex, "--reverse-order")
        self.assertEqual([e["id"] for e in rev["events"]], list(range(8, 0, -1)))

        ex2 = self.aws("start-execution", "--state-machine-arn", arn, "--input", '{"go": false}')["executionArn"]
        wait_for_status(self.sfn, ex2)
        d = self.aws("describe-execution", "--execution-arn", ex2)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual((d["error"], d["cause"]), ("No", "go was false"))

    def test_error_exit_code_and_message(self):
        missing = exec_arn(uname("nosm"), "noexec")
        p = self.aws("describe-execution", "--execution-arn", missing, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ExecutionDoesNotExist", p.stderr)
        self.assertIn("DescribeExecution", p.stderr)
        self.assertEqual(p.stdout.strip(), "")

    def test_invalid_definition_from_cli(self):
        p = self.aws("create-state-machine", "--name", uname("clibad"), "--definition", '{"StartAt": 1}',
                     "--role-arn", ROLE_ARN, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("InvalidDefinition", p.stderr)

    def test_versions_and_aliases_from_cli(self):
        name = uname("cliver")
        definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
        created = self.aws("create-state-machine", "--name", name, "--definition", definition,
                           "--role-arn", ROLE_ARN, "--publish", "--version-description", "first")
        self.addCleanup(self._quiet, self.sfn.delete_state_machine, stateMachineArn=sm_arn(name))
        self.assertEqual(created["stateMachineVersionArn"], sm_arn(name) + ":1")
        published = self.aws("publish-state-machine-version", "--state-machine-arn", sm_arn(name))
        self.assertEqual(published["stateMachineVersionArn"], sm_arn(name) + ":1")
        versions = self.aws("list-state-machine-versions", "--state-machine-arn", sm_arn(name))
        self.assertEqual([v["stateMachineVersionArn"] for v in versions["stateMachineVersions"]],
                         [sm_arn(name) + ":1"])
        alias = self.aws("create-state-machine-alias", "--name", "prod", "--routing-configuration",
                         json.dumps([{"stateMachineVersionArn": sm_arn(name) + ":1", "weight": 100}]))
        self.assertEqual(alias["stateMachineAliasArn"], sm_arn(name) + ":prod")
        described = self.aws("describe-state-machine-alias", "--state-machine-alias-arn",
                             sm_arn(name) + ":prod")
        self.assertEqual(described["routingConfiguration"][0]["weight"], 100)
        started = self.aws("start-execution", "--state-machine-arn", sm_arn(name) + ":prod")
        self.assertEqual(wait_for_status(self.sfn, started["executionArn"])["status"], "SUCCEEDED")
        p = self.aws("delete-state-machine-version", "--state-machine-version-arn",
                     sm_arn(name) + ":1", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ConflictException", p.stderr)


if __name__ == "__main__":
    unittest.main()
