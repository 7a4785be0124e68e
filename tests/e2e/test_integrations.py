"""Task states that call a service integration: the integration layer and
`arn:aws:states:::states:startExecution` in its four patterns
(request-response, .sync, .sync:2, .waitForTaskToken), with boto3.

What AWS records (TaskScheduled/TaskStarted/TaskSubmitted/TaskSucceeded/
TaskFailed/TaskTimedOut with resourceType "states" and resource
"startExecution[.sync[:2]|.waitForTaskToken]") is the spec.
"""

import json
import time

import botocore.exceptions

from common import E2ETestCase, REGION, event_types, full_history, wait_for_status

SE = "arn:aws:states:::states:startExecution"

CHILD_PASS = {"StartAt": "P", "States": {"P": {
    "Type": "Pass", "Parameters": {"got.$": "$"}, "End": True}}}
CHILD_FAIL = {"StartAt": "F", "States": {"F": {
    "Type": "Fail", "Error": "ChildError", "Cause": "child failed"}}}
CHILD_WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}


def parent_def(resource, child_arn, extra_input=None, **task):
    inp = {"value.$": "$.value",
           "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"}
    inp.update(extra_input or {})
    st = {"Type": "Task", "Resource": resource,
          "Parameters": {"StateMachineArn": child_arn, "Input": inp}, "End": True}
    st.update(task)
    return {"StartAt": "Call", "States": {"Call": st}}


def details(events, type_):
    key = type_[0].lower() + type_[1:] + "EventDetails"
    return [e[key] for e in events if e["type"] == type_]


class IntegrationTest(E2ETestCase):

    def child_of(self, parent_arn, events=None):
        events = events or full_history(self.sfn, parent_arn)
        for t in ("TaskSubmitted", "TaskSucceeded"):
            for d in details(events, t):
                return json.loads(d["output"])["ExecutionArn"]
        self.fail("no child in %s" % event_types(events))

    def wait_for_event(self, arn, type_, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            events = full_history(self.sfn, arn)
            if type_ in event_types(events):
                return events
            if time.monotonic() > deadline:
                self.fail("no %s in %s" % (type_, event_types(events)))
            time.sleep(0.05)

    # -- request-response -----------------------------------------------------
    def test_request_response_starts_child(self):
        child, _ = self.create_sm(CHILD_PASS)
        parent, _ = self.create_sm(parent_def(SE, child))
        arn, d = self.run_to_end(parent, {"value": 7})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertEqual(sorted(out), ["ExecutionArn", "StartDate"])
        self.assertTrue(out["ExecutionArn"].startswith(
            child.replace(":stateMachine:", ":execution:") + ":"))
        events = full_history(self.sfn, arn)
        self.assertEqual(event_types(events), [
            "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
            "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"])
        sched = details(events, "TaskScheduled")[0]
        self.assertEqual(sched["resourceType"], "states")
        self.assertEqual(sched["resource"], "startExecution")
        self.assertEqual(sched["region"], REGION)
        params = json.loads(sched["parameters"])
        self.assertEqual(params["StateMachineArn"], child)
        self.assertEqual(params["Input"]["value"], 7)
        self.assertNotIn("timeoutInSeconds", sched)
        self.assertEqual(details(events, "TaskStarted")[0],
                         {"resourceType": "states", "resource": "startExecution"})
        # The child ran with the Input as its input, the parent's id included.
        cd = wait_for_status(self.sfn, out["ExecutionArn"])
        self.assertEqual(cd["status"], "SUCCEEDED")
        child_in = json.loads(cd["input"])
        self.assertEqual(child_in, {"value": 7, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": arn})

    def test_missing_state_machine_fails_with_aws_error(self):
        missing = "arn:aws:states:%s:123456789012:stateMachine:nope-%d" % (REGION, time.time_ns())
        parent, _ = self.create_sm(parent_def(SE, missing))
        arn, d = self.run_to_end(parent, {"value": 1})
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "StepFunctions.StateMachineDoesNotExistException")
        self.assertTrue(d["cause"].startswith("State Machine Does Not Exist: '%s' (Service: "
                                              "AWSStepFunctions; Status Code: 400; Error Code: "
                                              "StateMachineDoesNotExist; Request ID: " % missing),
                        d["cause"])
        failed = details(full_history(self.sfn, arn), "TaskFailed")[0]
        self.assertEqual(failed["resource"], "startExecution")
        self.assertEqual(failed["error"], d["error"])

    def test_catch_and_result_path(self):
        missing = "arn:aws:states:%s:123456789012:stateMachine:nope-%d" % (REGION, time.time_ns())
        d = parent_def(SE, missing, Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err",
                                             "Next": "Done"}])
        del d["States"]["Call"]["End"]
        d["States"]["Call"]["Next"] = "Done"
        d["States"]["Done"] = {"Type": "Pass", "End": True}
        parent, _ = self.create_sm(d)
        _, r = self.run_to_end(parent, {"value": 1})
        self.assertEqual(r["status"], "SUCCEEDED")
        self.assertEqual(json.loads(r["output"])["err"]["Error"],
                         "StepFunctions.StateMachineDoesNotExistException")

    def test_unsupported_resource_still_fails_at_run_time(self):
        sm, _ = self.create_sm({"StartAt": "L", "States": {"L": {
            "Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync",
            "Parameters": {"JobName": "j"}, "End": True}}})
        _, d = self.run_to_end(sm, {})
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.Runtime")
        self.assertIn("does not support the resource 'arn:aws:states:::glue:startJobRun.sync'", d["cause"])

    # -- .sync / .sync:2 ------------------------------------------------------
    def test_sync_output_is_json_string(self):
        child, _ = self.create_sm(CHILD_PASS)
        parent, _ = self.create_sm(parent_def(SE + ".sync", child))
        arn, d = self.run_to_end(parent, {"value": 3}, timeout=20)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertEqual(out["Status"], "SUCCEEDED")
        self.assertIsInstance(out["Output"], str)
        self.assertEqual(json.loads(out["Output"])["got"]["value"], 3)
        self.assertIsInstance(out["Input"], str)
        self.assertEqual(out["StateMachineArn"], child)
        self.assertEqual(out["OutputDetails"], {"Included": True})
        events = full_history(self.sfn, arn)
        self.assertEqual(event_types(events), [
            "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
            "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"])
        sub = json.loads(details(events, "TaskSubmitted")[0]["output"])
        self.assertEqual(sub["ExecutionArn"], out["ExecutionArn"])
        self.assertEqual(details(events, "TaskSucceeded")[0]["resource"], "startExecution.sync")

    def test_sync2_output_is_json(self):
        child, _ = self.create_sm(CHILD_PASS)
        parent, _ = self.create_sm(parent_def(SE + ".sync:2", child))
        _, d = self.run_to_end(parent, {"value": 4}, timeout=20)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertEqual(out["Output"]["got"]["value"], 4)
        self.assertEqual(out["Input"]["value"], 4)

    def test_sync_child_failure_fails_task(self):
        child, _ = self.create_sm(CHILD_FAIL)
        parent, _ = self.create_sm(parent_def(SE + ".sync", child))
        arn, d = self.run_to_end(parent, {"value": 1}, timeout=20)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.TaskFailed")
        cause = json.loads(d["cause"])
        self.assertEqual(cause["Status"], "FAILED")
        self.assertEqual(cause["Error"], "ChildError")
        self.assertIn("TaskFailed", event_types(full_history(self.sfn, arn)))

    def test_stopping_parent_stops_sync_child(self):
        child, _ = self.create_sm(CHILD_WAIT)
        parent, _ = self.create_sm(parent_def(SE + ".sync", child))
        arn = self.start(parent, {"value": 1})
        events = self.wait_for_event(arn, "TaskSubmitted")
        child_arn = self.child_of(arn, events)
        self.assertEqual(self.sfn.describe_execution(executionArn=child_arn)["status"], "RUNNING")
        self.sfn.stop_execution(executionArn=arn)
        d = wait_for_status(self.sfn, child_arn, timeout=10)
        self.assertEqual(d["status"], "ABORTED")

    # -- .waitForTaskToken ----------------------------------------------------
    def start_callback(self, **task):
        child, _ = self.create_sm(CHILD_WAIT)
        parent, _ = self.create_sm(parent_def(
            SE + ".waitForTaskToken", child, {"token.$": "$$.Task.Token"}, **task))
        arn = self.start(parent, {"value": 5})
        events = self.wait_for_event(arn, "TaskSubmitted")
        child_arn = self.child_of(arn, events)
        token = json.loads(self.sfn.describe_execution(executionArn=child_arn)["input"])["token"]
        self.addCleanup(self._quiet, self.sfn.stop_execution, executionArn=child_arn)
        return arn, token, events

    def test_wait_for_task_token_success(self):
        arn, token, events = self.start_callback()
        sched = json.loads(details(events, "TaskScheduled")[0]["parameters"])
        self.assertEqual(sched["Input"]["token"], token)
        self.sfn.send_task_heartbeat(taskToken=token)
        self.sfn.send_task_success(taskToken=token, output=json.dumps({"done": True}))
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), {"done": True})
        self.assertEqual(event_types(full_history(self.sfn, arn)), [
            "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
            "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sfn.send_task_success(taskToken=token, output="{}")
        self.assertEqual(cm.exception.response["Error"]["Code"], "TaskDoesNotExist")

    def test_wait_for_task_token_failure(self):
        arn, token, _ = self.start_callback()
        self.sfn.send_task_failure(taskToken=token, error="Boom", cause="it broke")
        d = wait_for_status(self.sfn, arn)
        self.assertEqual((d["status"], d["error"], d["cause"]), ("FAILED", "Boom", "it broke"))
        failed = details(full_history(self.sfn, arn), "TaskFailed")[0]
        self.assertEqual(failed, {"resourceType": "states", "resource":
                                  "startExecution.waitForTaskToken",
                                  "error": "Boom", "cause": "it broke"})

    def test_wait_for_task_token_timeout(self):
        arn, token, events = self.start_callback(TimeoutSeconds=1)
        self.assertEqual(details(events, "TaskScheduled")[0]["timeoutInSeconds"], 1)
        d = wait_for_status(self.sfn, arn, timeout=10)
        self.assertEqual((d["status"], d["error"]), ("FAILED", "States.Timeout"))
        timed = details(full_history(self.sfn, arn), "TaskTimedOut")[0]
        self.assertEqual(timed["error"], "States.Timeout")
        self.assertEqual(timed["resource"], "startExecution.waitForTaskToken")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sfn.send_task_success(taskToken=token, output="{}")
        self.assertEqual(cm.exception.response["Error"]["Code"], "TaskTimedOut")

    def test_wait_for_task_token_heartbeat_timeout(self):
        arn, token, _ = self.start_callback(HeartbeatSeconds=1, TimeoutSeconds=60)
        d = wait_for_status(self.sfn, arn, timeout=10)
        self.assertEqual((d["status"], d["error"]), ("FAILED", "States.HeartbeatTimeout"))

    def test_jsonata_wait_for_task_token(self):
        child, _ = self.create_sm(CHILD_WAIT)
        parent, _ = self.create_sm({"QueryLanguage": "JSONata", "StartAt": "Call", "States": {
            "Call": {"Type": "Task", "Resource": SE + ".waitForTaskToken",
                     "Arguments": {"StateMachineArn": child,
                                   "Input": {"token": "{% $states.context.Task.Token %}",
                                             "v": "{% $states.input.value %}"}},
                     "Output": {"answer": "{% $states.result.n * 2 %}"},
                     "End": True}}})
        arn = self.start(parent, {"value": 9})
        events = self.wait_for_event(arn, "TaskSubmitted")
        child_arn = self.child_of(arn, events)
        self.addCleanup(self._quiet, self.sfn.stop_execution, executionArn=child_arn)
        child_in = json.loads(self.sfn.describe_execution(executionArn=child_arn)["input"])
        self.assertEqual(child_in["v"], 9)
        self.sfn.send_task_success(taskToken=child_in["token"], output='{"n": 21}')
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(json.loads(d["output"]), {"answer": 42})

    def test_child_answers_parent_through_aws_sdk_sfn(self):
        """A callback loop inside Step Functions: the child sends the parent's
        token back with aws-sdk:sfn:sendTaskSuccess; a bad token fails with
        the SDK's error."""
        child, _ = self.create_sm({"StartAt": "Answer", "States": {"Answer": {
            "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
            "Parameters": {"TaskToken.$": "$.token",
                           "Output.$": "States.JsonToString($.value)"},
            "End": True}}})
        parent, _ = self.create_sm(parent_def(
            SE + ".waitForTaskToken", child, {"token.$": "$$.Task.Token"}))
        arn, d = self.run_to_end(parent, {"value": {"deep": 1}}, timeout=20)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), {"deep": 1})
        child_arn = self.child_of(arn)
        cd = wait_for_status(self.sfn, child_arn)
        self.assertEqual(cd["status"], "SUCCEEDED")
        self.assertEqual(json.loads(cd["output"]), {})
        ev = full_history(self.sfn, child_arn)
        self.assertEqual(details(ev, "TaskScheduled")[0]["resourceType"], "aws-sdk:sfn")
        # A token that is no token: Sfn.InvalidTokenException, AWS's cause format.
        bad, _ = self.create_sm({"StartAt": "F", "States": {"F": {
            "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskFailure",
            "Parameters": {"TaskToken.$": "$.t"}, "End": True}}})
        _, bd = self.run_to_end(bad, {"t": "NoSuchTaskToken"})
        self.assertEqual((bd["status"], bd["error"]), ("FAILED", "Sfn.InvalidTokenException"))
        self.assertRegex(bd["cause"], r"^Invalid Token: 'Invalid token' \(Service: Sfn, Status "
                                      r"Code: 400, Request ID: [0-9a-f-]+\) \(SDK Attempt Count: 1\)$")

    def test_task_token_absent_outside_callback_tasks(self):
        child, _ = self.create_sm(CHILD_PASS)
        parent, _ = self.create_sm(parent_def(SE, child, {"token.$": "$$.Task.Token"}))
        _, d = self.run_to_end(parent, {"value": 1})
        self.assertEqual((d["status"], d["error"]), ("FAILED", "States.Runtime"))
