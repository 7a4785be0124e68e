"""`arn:aws:states:::aws-sdk:sfn:<action>`: Step Functions calling its own
API as an AWS SDK integration (the node calls itself in-process), and what
the integration layer records around it (TaskSubmitFailed, TimeoutSeconds
and HeartbeatSeconds on integrations), with boto3.

AWS's SDK integrations take the request members in the SDK's PascalCase
(Parameters/Arguments), answer with PascalCase members and ISO-8601
timestamps, and fail with "Sfn.<Name>Exception" and the cause
"<message> (Service: Sfn, Status Code: 400, Request ID: <id>) (SDK Attempt
Count: 1)". An action Step Functions does not have is refused when the
definition is validated.
"""

import json
import re
import time

from common import (E2ETestCase, REGION, ROLE_ARN, dumps, event_types, full_history, uname,
                    wait_for_status)

SDK = "arn:aws:states:::aws-sdk:sfn:"
SE = "arn:aws:states:::states:startExecution"
ISO = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$"
CAUSE = (r" \(Service: Sfn, Status Code: 400, Request ID: [0-9a-f-]+\) "
         r"\(SDK Attempt Count: 1\)$")
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}


def one_task(resource, params=None, jsonata=False, **fields):
    st = {"Type": "Task", "Resource": resource, "End": True}
    if params is not None:
        st["Arguments" if jsonata else "Parameters"] = params
    st.update(fields)
    d = {"StartAt": "T", "States": {"T": st}}
    if jsonata:
        d["QueryLanguage"] = "JSONata"
    return d


def details(events, type_):
    key = type_[0].lower() + type_[1:] + "EventDetails"
    return [e[key] for e in events if e["type"] == type_]


class SfnSdkIntegration(E2ETestCase):

    def run_task(self, definition, input_obj=None, timeout=15):
        sm, _ = self.create_sm(definition)
        arn, d = self.run_to_end(sm, input_obj or {}, timeout=timeout)
        return arn, d

    def test_describe_execution_pascal_case_and_iso_dates(self):
        child, _ = self.create_sm(PASS)
        carn, cd = self.run_to_end(child, {"a": 1})
        self.assertEqual(cd["status"], "SUCCEEDED")
        arn, d = self.run_task(one_task(SDK + "describeExecution",
                                        {"ExecutionArn.$": "$.arn"}), {"arn": carn})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertEqual(out["ExecutionArn"], carn)
        self.assertEqual(out["Status"], "SUCCEEDED")
        self.assertEqual(json.loads(out["Input"]), {"a": 1})
        self.assertEqual(out["InputDetails"], {"Included": True})
        self.assertRegex(out["StartDate"], ISO)
        self.assertRegex(out["StopDate"], ISO)
        self.assertNotIn("executionArn", out)
        ev = full_history(self.sfn, arn)
        self.assertEqual(event_types(ev), [
            "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
            "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"])
        sched = details(ev, "TaskScheduled")[0]
        self.assertEqual((sched["resourceType"], sched["resource"], sched["region"]),
                         ("aws-sdk:sfn", "describeExecution", REGION))

    def test_create_tag_list_and_delete_through_the_sdk(self):
        """Nested request members (Tags: [{Key, Value}]) and a JSON
        Definition given as an object; the results as the SDK returns them."""
        name = uname("sdk")
        definition = {"StartAt": "Create", "States": {
            "Create": {"Type": "Task", "Resource": SDK + "createStateMachine",
                       "Parameters": {"Name": name, "RoleArn": ROLE_ARN, "Definition": PASS,
                                      "Tags": [{"Key": "team", "Value": "core"}]},
                       "ResultPath": "$.created", "Next": "Tags"},
            "Tags": {"Type": "Task", "Resource": SDK + "listTagsForResource",
                     "Parameters": {"ResourceArn.$": "$.created.StateMachineArn"},
                     "ResultPath": "$.tags", "Next": "Describe"},
            "Describe": {"Type": "Task", "Resource": SDK + "describeStateMachine",
                         "Parameters": {"StateMachineArn.$": "$.created.StateMachineArn"},
                         "ResultSelector": {"Name.$": "$.Name", "Type.$": "$.Type",
                                            "Definition.$": "$.Definition",
                                            "CreationDate.$": "$.CreationDate"},
                         "ResultPath": "$.described", "Next": "List"},
            "List": {"Type": "Task", "Resource": SDK + "listStateMachines",
                     "Parameters": {"MaxResults": 1000},
                     "ResultSelector": {"Names.$": "$.StateMachines[*].Name"},
                     "ResultPath": "$.listed", "Next": "Delete"},
            "Delete": {"Type": "Task", "Resource": SDK + "deleteStateMachine",
                       "Parameters": {"StateMachineArn.$": "$.created.StateMachineArn"},
                       "ResultPath": "$.deleted", "End": True}}}
        _, d = self.run_task(definition)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        created = out["created"]
        self.assertEqual(sorted(created), ["CreationDate", "StateMachineArn"])
        self.assertRegex(created["CreationDate"], ISO)
        self.assertTrue(created["StateMachineArn"].endswith(":stateMachine:" + name))
        self.assertEqual(out["tags"], {"Tags": [{"Key": "team", "Value": "core"}]})
        self.assertEqual(out["described"]["Name"], name)
        self.assertEqual(out["described"]["Type"], "STANDARD")
        self.assertEqual(json.loads(out["described"]["Definition"]), PASS)
        self.assertIn(name, out["listed"]["Names"])
        self.assertEqual(out["deleted"], {})
        with self.assertRaises(Exception):
            self.sfn.describe_state_machine(stateMachineArn=created["StateMachineArn"])

    def test_jsonata_start_execution_with_object_input(self):
        child, _ = self.create_sm(PASS)
        _, d = self.run_task(one_task(SDK + "startExecution",
                                      {"StateMachineArn": child,
                                       "Input": {"amount": "{% $states.input.n %}"}},
                                      jsonata=True), {"n": 12})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertEqual(sorted(out), ["ExecutionArn", "StartDate"])
        self.assertRegex(out["StartDate"], ISO)
        cd = wait_for_status(self.sfn, out["ExecutionArn"])
        self.assertEqual(json.loads(cd["input"]), {"amount": 12})

    def test_errors_are_sdk_exceptions_with_aws_cause(self):
        missing = "arn:aws:states:%s:123456789012:execution:nope:%s" % (REGION, uname("x"))
        arn, d = self.run_task(one_task(SDK + "describeExecution", {"ExecutionArn": missing}))
        self.assertEqual((d["status"], d["error"]), ("FAILED", "Sfn.ExecutionDoesNotExistException"))
        self.assertRegex(d["cause"], "^Execution Does Not Exist: '%s'" % re.escape(missing) + CAUSE)
        failed = details(full_history(self.sfn, arn), "TaskFailed")[0]
        self.assertEqual((failed["resourceType"], failed["resource"]),
                         ("aws-sdk:sfn", "describeExecution"))
        # A constraint violation: Coral's wording inside the SDK's cause.
        _, d = self.run_task(one_task(SDK + "startExecution", {"Name": "x"}))
        self.assertEqual(d["error"], "Sfn.ValidationException")
        self.assertRegex(d["cause"], r"^1 validation error detected: Value null at "
                                     r"'stateMachineArn' failed to satisfy constraint: Member "
                                     r"must not be null" + CAUSE)
        # Caught like any task error.
        _, d = self.run_task({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": SDK + "describeStateMachine",
                  "Parameters": {"StateMachineArn": "arn:aws:states:%s:123456789012:"
                                                    "stateMachine:%s" % (REGION, uname("no"))},
                  "Catch": [{"ErrorEquals": ["Sfn.StateMachineDoesNotExistException"],
                             "Next": "Caught"}], "End": True},
            "Caught": {"Type": "Pass", "End": True}}})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"])["Error"], "Sfn.StateMachineDoesNotExistException")

    def test_unknown_action_is_refused_at_definition_time(self):
        for resource in (SDK + "describeNothing", SDK + "startExecution.sync",
                         "arn:aws:states:::states:describeExecution"):
            with self.subTest(resource=resource):
                err = self.assertErrorCode(
                    "InvalidDefinition", self.sfn.create_state_machine, name=uname("bad"),
                    definition=dumps(one_task(resource, {})), roleArn=ROLE_ARN)
                self.assertIn("SCHEMA_VALIDATION_FAILED: The resource provided %s is not "
                              "recognized. The value is not a valid resource ARN, or the "
                              "resource is not available in this region. at /States/T/Resource"
                              % resource, str(err))
                v = self.sfn.validate_state_machine_definition(
                    definition=dumps(one_task(resource, {}, jsonata=True)))
                self.assertEqual(v["result"], "FAIL")
                self.assertEqual(v["diagnostics"][0]["location"], "/States/T/Resource")
        # Services judged at run time stay accepted.
        self.create_sm(one_task("arn:aws:states:::lambda:invoke", {"FunctionName": "f"}))

    def test_wait_for_task_token_through_the_sdk(self):
        """aws-sdk:sfn:startExecution.waitForTaskToken: TaskSubmitted with the
        call's answer, then the child's SendTaskSuccess ends the task."""
        child, _ = self.create_sm({"StartAt": "Answer", "States": {"Answer": {
            "Type": "Task", "Resource": SDK + "sendTaskSuccess",
            "Parameters": {"TaskToken.$": "$.token", "Output": "{\"from\":\"child\"}"},
            "End": True}}})
        arn, d = self.run_task(one_task(
            SDK + "startExecution.waitForTaskToken",
            {"StateMachineArn": child, "Input": {"token.$": "$$.Task.Token"}}), timeout=20)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), {"from": "child"})
        ev = full_history(self.sfn, arn)
        self.assertIn("TaskSubmitted", event_types(ev))
        sub = json.loads(details(ev, "TaskSubmitted")[0]["output"])
        self.assertEqual(sorted(sub), ["ExecutionArn", "StartDate"])

    def test_task_submit_failed(self):
        """A `.sync` or `.waitForTaskToken` call that fails to submit:
        TaskSubmitFailed (as AWS records a failed submitJob.sync)."""
        missing = "arn:aws:states:%s:123456789012:stateMachine:%s" % (REGION, uname("no"))
        for resource in (SE + ".sync", SE + ".waitForTaskToken",
                         SDK + "startExecution.waitForTaskToken"):
            with self.subTest(resource=resource):
                arn, d = self.run_task(one_task(resource, {"StateMachineArn": missing}))
                self.assertEqual(d["status"], "FAILED")
                ev = full_history(self.sfn, arn)
                self.assertEqual(event_types(ev), [
                    "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
                    "TaskSubmitFailed", "ExecutionFailed"])
                f = details(ev, "TaskSubmitFailed")[0]
                self.assertEqual(f["resource"], resource.rsplit(":", 1)[1]
                                 if resource.startswith(SDK) else resource.split("states:")[-1])
                self.assertEqual(f["error"], d["error"])
                self.assertIn(d["error"], ("StepFunctions.StateMachineDoesNotExistException",
                                           "Sfn.StateMachineDoesNotExistException"))

    def test_timeout_and_heartbeat_on_integrations(self):
        child, _ = self.create_sm(WAIT)
        # TimeoutSeconds on a .sync job: States.Timeout, and the child is stopped.
        arn, d = self.run_task(one_task(SE + ".sync", {"StateMachineArn": child},
                                        TimeoutSeconds=1))
        self.assertEqual((d["status"], d["error"]), ("FAILED", "States.Timeout"))
        ev = full_history(self.sfn, arn)
        self.assertEqual(details(ev, "TaskScheduled")[0]["timeoutInSeconds"], 1)
        self.assertIn("TaskTimedOut", event_types(ev))
        child_arn = json.loads(details(ev, "TaskSubmitted")[0]["output"])["ExecutionArn"]
        self.assertEqual(wait_for_status(self.sfn, child_arn)["status"], "ABORTED")
        # HeartbeatSeconds on an aws-sdk callback: States.HeartbeatTimeout.
        arn, d = self.run_task(one_task(SDK + "startExecution.waitForTaskToken",
                                        {"StateMachineArn": child,
                                         "Input": {"t.$": "$$.Task.Token"}},
                                        HeartbeatSeconds=1, TimeoutSeconds=30))
        self.assertEqual((d["status"], d["error"]), ("FAILED", "States.HeartbeatTimeout"))
        sched = details(full_history(self.sfn, arn), "TaskScheduled")[0]
        self.assertEqual((sched["heartbeatInSeconds"], sched["timeoutInSeconds"]), (1, 30))
        # TimeoutSeconds on a request-response call that answers at once: no effect.
        _, d = self.run_task(one_task(SDK + "listActivities", {}, TimeoutSeconds=5))
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertIn("Activities", json.loads(d["output"]))


    def test_test_state_calls_unmocked_sfn_tasks(self):
        """TestState of an unmocked states:startExecution or aws-sdk:sfn Task
        makes the call, as AWS's TestState does, and runs the state's data
        flow over its answer; errors reach Catch."""
        child, _ = self.create_sm(PASS)
        state = {"Type": "Task", "Resource": SE,
                 "Parameters": {"StateMachineArn": child, "Input": {"v.$": "$.v"}},
                 "ResultSelector": {"arn.$": "$.ExecutionArn"}, "End": True}
        r = self.sfn.test_state(definition=dumps(state), roleArn=ROLE_ARN,
                                input=dumps({"v": 5}), inspectionLevel="DEBUG")
        self.assertEqual(r["status"], "SUCCEEDED", r)
        started = json.loads(r["output"])["arn"]
        self.assertTrue(started.startswith(child.replace(":stateMachine:", ":execution:")))
        self.assertEqual(json.loads(wait_for_status(self.sfn, started)["input"]), {"v": 5})
        self.assertEqual(json.loads(r["inspectionData"]["afterParameters"]),
                         {"StateMachineArn": child, "Input": {"v": 5}})
        # aws-sdk:sfn, JSONata.
        r = self.sfn.test_state(definition=dumps({
            "Type": "Task", "QueryLanguage": "JSONata", "Resource": SDK + "describeExecution",
            "Arguments": {"ExecutionArn": "{% $states.input.arn %}"},
            "Output": "{% $states.result.Status %}", "End": True}),
            roleArn=ROLE_ARN, input=dumps({"arn": started}))
        self.assertEqual((r["status"], json.loads(r["output"])), ("SUCCEEDED", "SUCCEEDED"))
        # An error of the call, caught.
        r = self.sfn.test_state(definition=dumps({
            "Type": "Task", "Resource": SDK + "describeExecution",
            "Parameters": {"ExecutionArn": started + "-nope"},
            "Catch": [{"ErrorEquals": ["Sfn.ExecutionDoesNotExistException"], "Next": "X"}],
            "End": True}), roleArn=ROLE_ARN)
        self.assertEqual((r["status"], r["error"], r["nextState"]),
                         ("CAUGHT_ERROR", "Sfn.ExecutionDoesNotExistException", "X"))
        self.assertRegex(r["cause"], "^Execution Does Not Exist: " + ".*" + CAUSE)
        # Callback and .sync patterns still need a mock, as do services the
        # node does not call (AWS services are called: tests/aws/test_aws_test_state.py).
        for resource in (SE + ".sync", SDK + "describeExecution.waitForTaskToken",
                         "arn:aws:states:::ecs:runTask"):
            with self.subTest(resource=resource):
                self.assertErrorCode("ValidationException", self.sfn.test_state,
                                     definition=dumps({"Type": "Task", "Resource": resource,
                                                       "Parameters": {}, "End": True}),
                                     roleArn=ROLE_ARN)


if __name__ == "__main__":
    import unittest
    unittest.main()
