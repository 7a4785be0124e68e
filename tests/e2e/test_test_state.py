"""TestState (AWS's November 2025 version) through boto3: one state run once,
with mocks, variables, a Context object and state configuration, nothing
stored.

Every state type at every inspection level (INFO: no inspectionData; DEBUG
and TRACE: exactly the fields AWS reports for that state), mocked success,
error, retry and catch, a whole definition with stateName, variables in and
out, both query languages, and the bad requests. Also the `sync-` host
prefix the SDKs add to TestState (the operation's endpoint hostPrefix), and
`statecraft test-state` answering the same JSON offline.
"""

import json
import os
import socket
import subprocess
import time
import unittest
import urllib.parse

import boto3
import botocore.config
import botocore.exceptions

from common import E2ETestCase, ROLE_ARN, client, dumps, endpoint, post, post_json

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.environ.get("STATECRAFT_CLI") or os.path.join(REPO, "build", "tools", "statecraft", "statecraft")

LEVELS = ("INFO", "DEBUG", "TRACE")

PASS = {"Type": "Pass", "Next": "After"}
IO_PASS = {"Type": "Pass", "InputPath": "$.initialData",
           "Parameters": {"staticValue": "some value", "inputValue.$": "$.fieldFromInput"},
           "ResultPath": "$.modifiedData", "Next": "After"}
RESULT_PASS = {"Type": "Pass", "InputPath": "$.Value", "Result": {"resultKey": "result value"},
               "ResultPath": "$.r", "End": True}
IO_INPUT = {"initialData": {"fieldFromInput": "value from input", "otherField": "other"},
            "unrelatedData": {"someOtherField": 1234}}
CHOICE = {"Type": "Choice", "InputPath": "$.data",
          "Choices": [{"Variable": "$.value", "NumericGreaterThanEquals": 20, "Next": "Twenties"}],
          "Default": "Other"}
WAIT = {"Type": "Wait", "Seconds": 3600, "InputPath": "$.keep", "Next": "Done"}
SUCCEED = {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}
FAIL = {"Type": "Fail", "Error": "SomeFailure", "Cause": "This state raises 'SomeFailure'."}
LAMBDA = "arn:aws:states:::lambda:invoke"
TASK = {"Type": "Task", "Resource": LAMBDA, "InputPath": "$.req",
        "Parameters": {"FunctionName": "f", "Payload.$": "$"},
        "ResultSelector": {"body.$": "$.Payload"}, "ResultPath": "$.res", "Next": "After"}
RETRY_TASK = {"Type": "Task", "Resource": LAMBDA, "Next": "After",
              "Retry": [{"ErrorEquals": ["Other"], "MaxAttempts": 5},
                        {"ErrorEquals": ["MockException"], "IntervalSeconds": 2, "BackoffRate": 3,
                         "MaxAttempts": 3}],
              "Catch": [{"ErrorEquals": ["Nope"], "Next": "Never"},
                        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Handler"}]}
PARALLEL = {"Type": "Parallel", "End": True, "ResultSelector": {"first.$": "$[0]"},
            "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                         {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}]}
MAP = {"Type": "Map", "ItemsPath": "$.Values", "MaxConcurrency": 2, "ToleratedFailureCount": 1,
       "ItemProcessor": {"StartAt": "HandleItem",
                         "States": {"HandleItem": {"Type": "Pass", "End": True}}},
       "Catch": [{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "Next": "HandleThreshold"}],
       "Next": "After"}
MAP_INPUT = {"Values": ["first", "second", "third"]}

FIELDS = {
    # state: the inspectionData members AWS reports at DEBUG and TRACE
    "pass": {"input", "afterInputPath", "afterParameters", "afterResultSelector", "afterResultPath"},
    "result_pass": {"input", "result", "afterResultSelector", "afterResultPath"},
    "choice": {"input", "afterInputPath"},
    "wait": {"input", "afterInputPath"},
    "succeed": {"input", "afterInputPath"},
    "fail": {"input"},
    "task": {"input", "afterInputPath", "afterParameters", "result", "afterResultSelector", "afterResultPath"},
    "map": {"input", "afterItemsPath", "maxConcurrency", "toleratedFailureCount"},
}


def loads(s):
    return json.loads(s) if s is not None else None


class TestStateTest(E2ETestCase):

    def ts(self, definition, level="DEBUG", **kw):
        args = {"definition": definition if isinstance(definition, str) else dumps(definition),
                "inspectionLevel": level}
        if "mock" not in kw:
            args["roleArn"] = ROLE_ARN
        for k, v in kw.items():
            if k in ("input", "variables", "context") and not isinstance(v, str):
                v = dumps(v)
            args[k] = v
        r = self.sfn.test_state(**args)
        r.pop("ResponseMetadata", None)
        return r

    def refused(self, code, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sfn.test_state(**kw)
        self.assertEqual(cm.exception.response["Error"]["Code"], code, cm.exception.response)
        return cm.exception.response["Error"]["Message"]

    def check_levels(self, definition, fields, expect, **kw):
        """The same test at the three levels: same answer, inspectionData only
        at DEBUG/TRACE, with exactly `fields`. Returns TRACE's inspectionData."""
        last = None
        for level in LEVELS:
            with self.subTest(level=level):
                r = self.ts(definition, level, **kw)
                insp = r.pop("inspectionData", None)
                got = {k: (loads(v) if k == "output" else v) for k, v in r.items()}
                self.assertEqual(got, expect)
                if level == "INFO":
                    self.assertIsNone(insp)
                else:
                    self.assertEqual(set(insp), fields, insp)
                    last = insp
        return last

    # -- every state type at every level --------------------------------------
    def test_pass(self):
        insp = self.check_levels(PASS, FIELDS["pass"],
                                 {"status": "SUCCEEDED", "output": {"Value": "HelloWorld"}, "nextState": "After"},
                                 input={"Value": "HelloWorld"})
        for k in FIELDS["pass"]:
            self.assertEqual(loads(insp[k]), {"Value": "HelloWorld"}, k)

    def test_pass_data_flow(self):
        out = dict(IO_INPUT, modifiedData={"staticValue": "some value", "inputValue": "value from input"})
        insp = self.check_levels(IO_PASS, FIELDS["pass"],
                                 {"status": "SUCCEEDED", "output": out, "nextState": "After"}, input=IO_INPUT)
        self.assertEqual(loads(insp["input"]), IO_INPUT)
        self.assertEqual(loads(insp["afterInputPath"]), IO_INPUT["initialData"])
        self.assertEqual(loads(insp["afterParameters"]), out["modifiedData"])
        self.assertEqual(loads(insp["afterResultSelector"]), out["modifiedData"])
        self.assertEqual(loads(insp["afterResultPath"]), out)

    def test_pass_with_result(self):
        out = {"Value": 1, "r": {"resultKey": "result value"}}
        insp = self.check_levels(RESULT_PASS, FIELDS["result_pass"], {"status": "SUCCEEDED", "output": out},
                                 input={"Value": 1})
        self.assertEqual(loads(insp["result"]), {"resultKey": "result value"})
        self.assertEqual(loads(insp["afterResultPath"]), out)

    def test_choice(self):
        inp = {"data": {"type": "Private", "value": 22}}
        # A Choice passes on its input after InputPath (and OutputPath).
        insp = self.check_levels(CHOICE, FIELDS["choice"],
                                 {"status": "SUCCEEDED", "output": inp["data"], "nextState": "Twenties"},
                                 input=inp)
        self.assertEqual(loads(insp["afterInputPath"]), inp["data"])
        r = self.ts(CHOICE, "INFO", input={"data": {"value": 3}})
        self.assertEqual(r["nextState"], "Other")
        no_default = dict(CHOICE)
        del no_default["Default"]
        r = self.ts(no_default, "INFO", input={"data": {"value": 3}})
        self.assertEqual((r["status"], r["error"]), ("FAILED", "States.NoChoiceMatched"))

    def test_wait_answers_without_waiting(self):
        t0 = time.monotonic()
        insp = self.check_levels(WAIT, FIELDS["wait"],
                                 {"status": "SUCCEEDED", "output": 1, "nextState": "Done"},
                                 input={"keep": 1, "x": 2})
        self.assertEqual(loads(insp["afterInputPath"]), 1)
        self.assertLess(time.monotonic() - t0, 10)

    def test_succeed(self):
        self.check_levels(SUCCEED, FIELDS["succeed"], {"status": "SUCCEEDED", "output": 7},
                          input={"a": {"b": 7}})

    def test_fail(self):
        insp = self.check_levels(FAIL, FIELDS["fail"],
                                 {"status": "FAILED", "error": "SomeFailure",
                                  "cause": "This state raises 'SomeFailure'."},
                                 input={"Value": "HelloWorld"})
        self.assertEqual(loads(insp["input"]), {"Value": "HelloWorld"})

    def test_task_mocked_result(self):
        inp = {"req": {"x": 1}, "keep": True}
        result = {"Payload": {"answer": 42}, "StatusCode": 200}
        out = {"req": {"x": 1}, "keep": True, "res": {"body": {"answer": 42}}}
        insp = self.check_levels(TASK, FIELDS["task"], {"status": "SUCCEEDED", "output": out, "nextState": "After"},
                                 input=inp, mock={"result": dumps(result)})
        self.assertEqual(loads(insp["afterInputPath"]), {"x": 1})
        self.assertEqual(loads(insp["afterParameters"]), {"FunctionName": "f", "Payload": {"x": 1}})
        self.assertEqual(loads(insp["result"]), result)
        self.assertEqual(loads(insp["afterResultSelector"]), {"body": {"answer": 42}})
        self.assertEqual(loads(insp["afterResultPath"]), out)

    def test_activity_task_mocked(self):
        act = {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:w", "End": True}
        r = self.ts(act, "INFO", mock={"result": "[1,2]"})
        self.assertEqual((r["status"], loads(r["output"])), ("SUCCEEDED", [1, 2]))

    # -- mocked errors: retry, catch, fail --------------------------------------
    def test_task_mocked_error_fails(self):
        for level in LEVELS:
            r = self.ts(TASK, level, input={"req": {}},
                        mock={"errorOutput": {"error": "MockException", "cause": "Mock cause."}})
            self.assertEqual((r["status"], r["error"], r["cause"]), ("FAILED", "MockException", "Mock cause."))
            self.assertNotIn("output", r)
            self.assertNotIn("nextState", r)
            if level != "INFO":
                self.assertEqual(set(r["inspectionData"]), {"input", "afterInputPath", "afterParameters"})

    def test_retry_is_retriable_with_the_back_off(self):
        err = {"errorOutput": {"error": "MockException", "cause": "c"}}
        for count, backoff in ((None, 2), (0, 2), (1, 6), (2, 18)):
            with self.subTest(retrierRetryCount=count):
                kw = {"mock": err}
                if count is not None:
                    kw["stateConfiguration"] = {"retrierRetryCount": count}
                r = self.ts(RETRY_TASK, "DEBUG", **kw)
                self.assertEqual((r["status"], r["error"], r["cause"]), ("RETRIABLE", "MockException", "c"))
                self.assertEqual(r["inspectionData"]["errorDetails"],
                                 {"retryIndex": 1, "retryBackoffIntervalSeconds": backoff})
                self.assertNotIn("nextState", r)
        r = self.ts(RETRY_TASK, "INFO", mock=err)
        self.assertEqual(r["status"], "RETRIABLE")
        self.assertNotIn("inspectionData", r)

    def test_retries_exhausted_are_caught(self):
        r = self.ts(RETRY_TASK, "TRACE", input={"a": 1}, mock={"errorOutput": {"error": "MockException", "cause": "c"}},
                    stateConfiguration={"retrierRetryCount": 3})
        self.assertEqual((r["status"], r["error"], r["cause"], r["nextState"]),
                         ("CAUGHT_ERROR", "MockException", "c", "Handler"))
        self.assertEqual(loads(r["output"]), {"a": 1, "err": {"Error": "MockException", "Cause": "c"}})
        self.assertEqual(r["inspectionData"]["errorDetails"], {"catchIndex": 1, "retryIndex": 1})
        # An error no retrier matches goes straight to the catcher.
        r = self.ts(RETRY_TASK, "DEBUG", mock={"errorOutput": {"error": "Nope"}})
        self.assertEqual((r["status"], r["nextState"], r["inspectionData"]["errorDetails"]),
                         ("CAUGHT_ERROR", "Never", {"catchIndex": 0}))
        self.assertNotIn("cause", r)
        self.assertEqual(loads(r["output"]), {"Error": "Nope"})

    def test_no_catcher_fails(self):
        t = dict(RETRY_TASK)
        del t["Catch"]
        r = self.ts(t, "DEBUG", mock={"errorOutput": {"error": "MockException", "cause": "c"}},
                    stateConfiguration={"retrierRetryCount": 9})
        self.assertEqual((r["status"], r["error"]), ("FAILED", "MockException"))
        # The retrier that matched, its attempts used up: no back-off (as AWS).
        self.assertEqual(r["inspectionData"]["errorDetails"], {"retryIndex": 1})
        r = self.ts(t, "DEBUG", mock={"errorOutput": {"error": "Unmatched"}})
        self.assertEqual(r["status"], "FAILED")
        self.assertNotIn("errorDetails", r["inspectionData"])

    # -- JSONata ------------------------------------------------------------------
    def test_jsonata_pass_and_variables(self):
        st = {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% {'sum': $states.input.a + $base} %}",
              "Assign": {"last": "{% $states.input.a %}"}, "Next": "N"}
        for level in LEVELS:
            r = self.ts(st, level, input={"a": 2}, variables={"base": 40, "other": "kept"})
            self.assertEqual((r["status"], loads(r["output"]), r["nextState"]), ("SUCCEEDED", {"sum": 42}, "N"))
            if level == "INFO":
                self.assertNotIn("inspectionData", r)
            else:
                self.assertEqual(set(r["inspectionData"]), {"input", "variables"})
                self.assertEqual(loads(r["inspectionData"]["variables"]), {"base": 40, "other": "kept", "last": 2})

    def test_jsonata_task_mocked(self):
        st = {"Type": "Task", "QueryLanguage": "JSONata", "Resource": LAMBDA,
              "Arguments": {"FunctionName": "f", "Payload": "{% $states.input.x %}"},
              "Output": "{% $states.result.Payload * 2 %}", "End": True}
        r = self.ts(st, "DEBUG", input={"x": 5}, mock={"result": dumps({"Payload": 21})})
        self.assertEqual((r["status"], loads(r["output"])), ("SUCCEEDED", 42))
        self.assertEqual(set(r["inspectionData"]), {"input", "afterArguments", "result"})
        self.assertEqual(loads(r["inspectionData"]["afterArguments"]), {"FunctionName": "f", "Payload": 5})
        # Catch with JSONata Output over $states.errorOutput.
        st["Catch"] = [{"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput.Error %}", "Next": "H"}]
        r = self.ts(st, "DEBUG", input={"x": 1}, mock={"errorOutput": {"error": "Boom", "cause": "x"}})
        self.assertEqual((r["status"], loads(r["output"]), r["nextState"]), ("CAUGHT_ERROR", "Boom", "H"))

    def test_jsonata_choice_and_fail(self):
        ch = {"Type": "Choice", "QueryLanguage": "JSONata",
              "Choices": [{"Condition": "{% $states.input.n > $limit %}", "Next": "Big"}], "Default": "Small"}
        self.assertEqual(self.ts(ch, "INFO", input={"n": 5}, variables={"limit": 3})["nextState"], "Big")
        self.assertEqual(self.ts(ch, "INFO", input={"n": 1}, variables={"limit": 3})["nextState"], "Small")
        f = {"Type": "Fail", "QueryLanguage": "JSONata", "Error": "{% 'E' & $states.input.code %}", "Cause": "c"}
        r = self.ts(f, "DEBUG", input={"code": "42"})
        self.assertEqual((r["status"], r["error"], r["cause"]), ("FAILED", "E42", "c"))
        bad = {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $error('boom') %}", "End": True}
        r = self.ts(bad, "INFO")
        self.assertEqual((r["status"], r["error"]), ("FAILED", "States.QueryEvaluationError"))

    def test_jsonata_every_state_type_at_every_level(self):
        ql = {"QueryLanguage": "JSONata"}
        items = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
        cases = [
            (dict(ql, Type="Pass", Output="{% $states.input.a %}", End=True), {}, 1, {"input"}),
            (dict(ql, Type="Wait", Seconds="{% $states.input.a * 3600 %}", Next="W"), {}, {"a": 1}, {"input"}),
            (dict(ql, Type="Succeed", Output="{% [$states.input.a] %}"), {}, [1], {"input"}),
            (dict(ql, Type="Choice", Choices=[{"Condition": "{% $states.input.a = 1 %}", "Next": "One",
                                               "Output": "{% 'one' %}"}]), {}, "one", {"input"}),
            (dict(ql, Type="Task", Resource=LAMBDA, Output="{% $states.result.r %}", End=True),
             {"mock": {"result": '{"r": 5}'}}, 5, {"input", "result"}),
            (dict(ql, Type="Parallel", Output="{% $states.result[1] %}", End=True,
                  Branches=[items, {"StartAt": "Q", "States": {"Q": {"Type": "Pass", "End": True}}}]),
             {"mock": {"result": "[3, 4]"}}, 4, {"input", "result"}),
            (dict(ql, Type="Map", Items="{% [1, 2] %}", Output="{% $sum($states.result) %}", End=True,
                  ItemProcessor=items),
             {"mock": {"result": "[3, 4]"}}, 7, {"input", "maxConcurrency"}),
        ]
        for st, kw, out, fields in cases:
            for level in LEVELS:
                with self.subTest(type=st["Type"], level=level):
                    r = self.ts(st, level, input={"a": 1}, **kw)
                    self.assertEqual((r["status"], loads(r["output"])), ("SUCCEEDED", out), r)
                    if level == "INFO":
                        self.assertNotIn("inspectionData", r)
                    else:
                        self.assertEqual(set(r["inspectionData"]), fields)
        fail = dict(ql, Type="Fail", Error="{% $states.input.e %}", Cause="{% 'c' %}")
        for level in LEVELS:
            r = self.ts(fail, level, input={"e": "Bad"})
            self.assertEqual((r["status"], r["error"], r["cause"]), ("FAILED", "Bad", "c"))

    def test_field_validation_mode(self):
        st = {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution",
              "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:t"},
              "ResultPath": "$.started", "End": True}
        good = {"ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:t:e", "StartDate": "2025-11-20"}
        r = self.ts(st, "INFO", mock={"result": dumps(good)})
        self.assertEqual(loads(r["output"]), {"started": good})
        msg = self.refused("ValidationException", definition=dumps(st), mock={"result": '{"executionArn": "x"}'})
        self.assertEqual(msg, "Mock result schema validation error: Required field 'ExecutionArn' is missing")
        r = self.ts(st, "INFO", mock={"result": '{"executionArn": "x"}', "fieldValidationMode": "PRESENT"})
        self.assertEqual(r["status"], "SUCCEEDED")
        msg = self.refused("ValidationException", definition=dumps(st),
                           mock={"result": dumps(dict(good, StartDate=5)), "fieldValidationMode": "PRESENT"})
        self.assertEqual(msg, "Mock result schema validation error: Field 'StartDate' must be a string")
        r = self.ts(st, "INFO", mock={"result": '{"StartDate": 5}', "fieldValidationMode": "NONE"})
        self.assertEqual(r["status"], "SUCCEEDED")

    # -- variables in and out (JSONPath) ---------------------------------------------
    def test_jsonpath_variables_in_and_out(self):
        st = {"Type": "Pass", "Parameters": {"greet.$": "States.Format('hi {}', $name)"},
              "Assign": {"count.$": "$count", "seen.$": "$.greet"}, "End": True}
        r = self.ts(st, "DEBUG", variables={"name": "Ann", "count": 3})
        self.assertEqual(loads(r["output"]), {"greet": "hi Ann"})
        self.assertEqual(loads(r["inspectionData"]["variables"]), {"name": "Ann", "count": 3, "seen": "hi Ann"})

    # -- a whole definition with stateName --------------------------------------------
    def test_whole_definition_with_state_name(self):
        machine = {"StartAt": "Loop", "States": {
            "Loop": {"Type": "Map", "Next": "State0", "ItemProcessor": {"StartAt": "Inner", "States": {
                "Inner": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": True}}}},
            "State0": {"Type": "Pass", "Result": {"Value": "HelloWorld"}, "Next": "State1"},
            "State1": {"Type": "Fail", "Error": "SomeFailure", "Cause": "because"}}}
        r = self.ts(machine, "INFO", stateName="State0")
        self.assertEqual((r["status"], loads(r["output"]), r["nextState"]),
                         ("SUCCEEDED", {"Value": "HelloWorld"}, "State1"))
        r = self.ts(machine, "DEBUG", stateName="State1")
        self.assertEqual((r["status"], r["error"], r["cause"]), ("FAILED", "SomeFailure", "because"))
        self.assertEqual(set(r["inspectionData"]), {"input"})
        r = self.ts(machine, "INFO", stateName="Inner", input="7")
        self.assertEqual(loads(r["output"]), {"v": 7})
        msg = self.refused("ValidationException", definition=dumps(machine), roleArn=ROLE_ARN, stateName="Nope")
        self.assertEqual(msg, "State not found in definition")
        self.refused("ValidationException", definition=dumps(machine), roleArn=ROLE_ARN)
        broken = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}}}
        msg = self.refused("InvalidDefinition", definition=dumps(broken), roleArn=ROLE_ARN, stateName="A")
        self.assertIn("MISSING_TRANSITION_TARGET", msg)

    # -- Parallel and Map with mocks ----------------------------------------------------
    def test_parallel_mocked(self):
        for level in LEVELS:
            r = self.ts(PARALLEL, level, input={"a": 1}, mock={"result": dumps([{"x": 1}, {"y": 2}])})
            self.assertEqual((r["status"], loads(r["output"])), ("SUCCEEDED", {"first": {"x": 1}}))
            if level != "INFO":
                self.assertEqual(set(r["inspectionData"]), FIELDS["task"])
                self.assertEqual(loads(r["inspectionData"]["result"]), [{"x": 1}, {"y": 2}])
                self.assertEqual(loads(r["inspectionData"]["afterResultSelector"]), {"first": {"x": 1}})
        msg = self.refused("ValidationException", definition=dumps(PARALLEL), mock={"result": "[1]"})
        self.assertEqual(msg, "Mocked result must contain the same number of items as number of Parallel branches.")
        msg = self.refused("ValidationException", definition=dumps(PARALLEL), mock={"result": "{}"})
        self.assertEqual(msg, "Mocked result must be an array.")
        msg = self.refused("InvalidDefinition", definition=dumps(PARALLEL), roleArn=ROLE_ARN)
        self.assertEqual(msg, "TestState API does not support Map or Parallel states. Supported state types "
                              "include: [Task, Wait, Pass, Succeed, Fail, Choice]")

    def test_map_mocked(self):
        insp = self.check_levels(MAP, FIELDS["map"],
                                 {"status": "SUCCEEDED", "output": [1, 1, 1], "nextState": "After"},
                                 input=MAP_INPUT, mock={"result": "[1, 1, 1]"})
        self.assertEqual(insp["maxConcurrency"], 2)
        self.assertEqual(insp["toleratedFailureCount"], 1)
        self.assertEqual(loads(insp["afterItemsPath"]), MAP_INPUT["Values"])
        # Failed iterations past the threshold: the Map's catcher.
        r = self.ts(MAP, "DEBUG", input=MAP_INPUT, mock={"result": "[0, 0, 1]"},
                    stateConfiguration={"mapIterationFailureCount": 2})
        self.assertEqual((r["status"], r["error"], r["cause"], r["nextState"]),
                         ("CAUGHT_ERROR", "States.ExceedToleratedFailureThreshold",
                          "The specified tolerated failure threshold was exceeded", "HandleThreshold"))
        self.assertEqual(r["inspectionData"]["errorDetails"], {"catchIndex": 0})
        r = self.ts(MAP, "INFO", input=MAP_INPUT, mock={"result": "[1, 1, 1]"},
                    stateConfiguration={"mapIterationFailureCount": 1})
        self.assertEqual(r["status"], "SUCCEEDED")
        # An iteration's error, mocked as coming from the Map's child state.
        r = self.ts(MAP, "DEBUG", input=MAP_INPUT,
                    mock={"errorOutput": {"error": "MockException", "cause": "Mock the error cause."}},
                    stateConfiguration={"errorCausedByState": "HandleItem"})
        self.assertEqual((r["status"], r["error"]), ("FAILED", "MockException"))
        self.refused("ValidationException", definition=dumps(MAP), input=dumps(MAP_INPUT),
                     mock={"errorOutput": {"error": "E"}}, stateConfiguration={"errorCausedByState": "Nope"})
        msg = self.refused("ValidationException", definition=dumps(MAP), input=dumps(MAP_INPUT),
                           mock={"result": "{}"})
        self.assertEqual(msg, "Mocked result must be an array.")
        self.refused("InvalidDefinition", definition=dumps(MAP), roleArn=ROLE_ARN)

    def test_map_item_selector_and_jsonata(self):
        m = {"Type": "Map", "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
             "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, "End": True}
        r = self.ts(m, "DEBUG", input=["a", "b"], mock={"result": "[]"})
        self.assertEqual(loads(r["inspectionData"]["afterItemSelector"]), [{"v": "a", "i": 0}, {"v": "b", "i": 1}])
        self.assertEqual(r["inspectionData"]["maxConcurrency"], 0)
        b = {"Type": "Map", "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"tag": "t"}},
             "ToleratedFailurePercentage": 40, "End": True,
             "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                               "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}
        r = self.ts(b, "TRACE", input=[1, 2, 3], mock={"result": "[1, 2]"})
        self.assertEqual(set(r["inspectionData"]), {"input", "afterItemBatcher", "maxConcurrency",
                                                    "toleratedFailurePercentage"})
        self.assertEqual(loads(r["inspectionData"]["afterItemBatcher"]),
                         [{"BatchInput": {"tag": "t"}, "Items": [1, 2]}, {"BatchInput": {"tag": "t"}, "Items": [3]}])
        self.assertEqual(r["inspectionData"]["toleratedFailurePercentage"], 40.0)
        r = self.ts(b, "INFO", input=[1, 2, 3], mock={"result": "[1, 2]"},
                    stateConfiguration={"mapIterationFailureCount": 2})
        self.assertEqual((r["status"], r["error"]), ("FAILED", "States.ExceedToleratedFailureThreshold"))
        j = {"Type": "Map", "QueryLanguage": "JSONata", "Items": "{% $states.input.xs %}", "MaxConcurrency": 3,
             "ItemSelector": {"v": "{% $states.context.Map.Item.Value * 10 %}"},
             "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
             "Output": "{% $count($states.result) %}", "End": True}
        r = self.ts(j, "DEBUG", input={"xs": [1, 2]}, mock={"result": "[5, 6]"})
        self.assertEqual((r["status"], loads(r["output"]), r["inspectionData"]["maxConcurrency"]),
                         ("SUCCEEDED", 2, 3))
        self.assertEqual(loads(r["inspectionData"]["afterItemSelector"]), [{"v": 10}, {"v": 20}])

    def test_distributed_map_with_item_reader_data(self):
        m = {"Type": "Map", "End": True, "MaxConcurrency": 1,
             "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                            "ReaderConfig": {"InputType": "JSON"},
                            "Parameters": {"Bucket.$": "$.Bucket", "Key.$": "$.Key"}},
             "ItemSelector": {"n.$": "$$.Map.Item.Value"},
             "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                               "StartAt": "Sq", "States": {"Sq": {"Type": "Pass", "End": True}}}}
        r = self.ts(m, "DEBUG", input={"Bucket": "b", "Key": "k"}, mock={"result": "[1, 4, 9]"},
                    stateConfiguration={"mapItemReaderData": "[1, 2, 3]"})
        self.assertEqual((r["status"], loads(r["output"])), ("SUCCEEDED", [1, 4, 9]))
        self.assertEqual(r["inspectionData"]["maxConcurrency"], 1)
        self.assertEqual(loads(r["inspectionData"]["afterItemSelector"]), [{"n": 1}, {"n": 2}, {"n": 3}])

    def test_callback_task_token(self):
        st = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
              "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}}, "End": True}
        r = self.ts(st, "DEBUG", mock={"result": '{"approved": true}'})
        self.assertEqual(loads(r["output"]), {"approved": True})
        self.assertTrue(loads(r["inspectionData"]["afterParameters"])["MessageBody"]["token"])

    # -- the Context object --------------------------------------------------------------
    def test_context_is_merged_over_the_generated_one(self):
        st = {"Type": "Task", "Resource": LAMBDA, "Parameters": {"name.$": "$$.Execution.Name",
                                                                  "state.$": "$$.State.Name",
                                                                  "token.$": "$$.Task.Token"},
              "ResultPath": None, "End": True}
        r = self.ts(st, "DEBUG", mock={"result": "{}"},
                    context={"Execution": {"Name": "my-exec"}, "Task": {"Token": "tok"}})
        self.assertEqual(loads(r["inspectionData"]["afterParameters"]),
                         {"name": "my-exec", "state": "StateName", "token": "tok"})
        self.refused("ValidationException", definition=dumps(PASS), roleArn=ROLE_ARN, context="{}")

    def test_no_role_needed_but_for_an_unmocked_task(self):
        st = {"Type": "Pass", "QueryLanguage": "JSONata", "End": True,
              "Output": {"ctx": "{% $states.context.Execution %}", "v": "{% $v %}"}}
        r = self.sfn.test_state(definition=dumps(st), input='{"a":1}', variables='{"v":2}',
                                inspectionLevel="DEBUG")
        out = loads(r["output"])
        self.assertEqual(out["v"], 2)
        self.assertIsNone(out["ctx"]["RoleArn"])
        self.assertEqual(out["ctx"]["Input"], {"a": 1})
        self.assertEqual(loads(r["inspectionData"]["variables"]), {"v": 2})

    # -- bad requests -------------------------------------------------------------------
    def test_bad_requests(self):
        d = dumps(PASS)
        msg = self.refused("InvalidDefinition", definition=dumps({"Type": "Pass"}), roleArn=ROLE_ARN)
        self.assertTrue(msg.startswith("Invalid State Machine Definition: '"), msg)
        self.refused("InvalidDefinition", definition=dumps({"Type": "Nope", "End": True}), roleArn=ROLE_ARN)
        self.refused("InvalidDefinition", definition="{not json", roleArn=ROLE_ARN)
        msg = self.refused("InvalidExecutionInput", definition=d, roleArn=ROLE_ARN, input="{bad")
        self.assertTrue(msg.startswith("Invalid State Machine Execution Input: '"), msg)
        for st in (PASS, FAIL, SUCCEED):
            for mock in ({"result": "{}"}, {"errorOutput": {"error": "E", "cause": "C"}}):
                msg = self.refused("ValidationException", definition=dumps(st), mock=mock)
                self.assertEqual(msg, "State type '%s' is not supported when a mock is specified" % st["Type"])
        msg = self.refused("ValidationException", definition=dumps(TASK),
                           mock={"result": "{}", "errorOutput": {"error": "E"}})
        self.assertEqual(msg, "A test mock should have only one of the following fields: [result, errorOutput].")
        msg = self.refused("ValidationException", definition=dumps(TASK), mock={"result": "{}"}, revealSecrets=True)
        self.assertEqual(msg, "TestState does not support RevealSecrets when a mock is specified.")
        self.refused("ValidationException", definition=dumps(TASK), mock={"result": "not JSON",
                                                                          "fieldValidationMode": "NONE"})
        # no mock, a resource Statecraft does not call (AWS services are called: tests/aws)
        self.refused("ValidationException", roleArn=ROLE_ARN, definition=dumps(
            {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask", "Parameters": {}, "End": True}))
        msg = self.refused("ValidationException", definition=dumps(TASK))  # no mock, no role
        self.assertEqual(msg, "RoleArn must be specified when testing a Task state")
        self.refused("InvalidArn", definition=d, roleArn="not-an-arn")
        self.refused("ValidationException", definition=d, roleArn=ROLE_ARN, variables="[1]")
        # Coral's member checks, on the wire.
        r = post_json("TestState", {"definition": d, "inspectionLevel": "LOUD"})
        self.assertEqual(r.error_type(), "ValidationException")
        self.assertIn("at 'inspectionLevel' failed to satisfy constraint: Member must satisfy enum value set",
                      r.json()["message"])
        r = post_json("TestState", {"definition": d, "stateConfiguration": {"retrierRetryCount": -1}})
        self.assertIn("at 'stateConfiguration.retrierRetryCount'", r.json()["message"])
        r = post_json("TestState", {"definition": d, "mock": {"fieldValidationMode": "LAX"}})
        self.assertIn("at 'mock.fieldValidationMode'", r.json()["message"])
        r = post_json("TestState", {"roleArn": ROLE_ARN})
        self.assertIn("Value null at 'definition' failed to satisfy constraint: Member must not be null",
                      r.json()["message"])


class TestStateHostPrefix(unittest.TestCase):
    """boto3 sends TestState to sync-<host>, as StartSyncExecution."""

    def test_default_client_uses_the_sync_host(self):
        port = urllib.parse.urlparse(endpoint()).port
        c = boto3.client("stepfunctions", endpoint_url="http://localhost:%d" % port, region_name="us-east-1",
                         aws_access_key_id="test", aws_secret_access_key="test",
                         config=botocore.config.Config(retries={"total_max_attempts": 1}))
        sent = []
        c.meta.events.register("before-send.states.TestState", lambda request, **kw: sent.append(request.url))
        real = socket.getaddrinfo

        def getaddrinfo(host, *args, **kw):
            return real("127.0.0.1" if host in ("sync-localhost", "localhost") else host, *args, **kw)

        socket.getaddrinfo = getaddrinfo
        try:
            r = c.test_state(definition=dumps(PASS), roleArn=ROLE_ARN, input='{"a":1}')
        finally:
            socket.getaddrinfo = real
        self.assertEqual(sent, ["http://sync-localhost:%d/" % port])
        self.assertEqual((r["status"], json.loads(r["output"])), ("SUCCEEDED", {"a": 1}))

    def test_raw_request_with_a_sync_host_header(self):
        h = urllib.parse.urlparse(endpoint()).netloc
        r = post("TestState", dumps({"definition": dumps(PASS), "roleArn": ROLE_ARN}), host="sync-" + h)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "SUCCEEDED")


@unittest.skipUnless(os.path.exists(CLI), "statecraft CLI not built")
class TestStateCli(unittest.TestCase):
    """`statecraft test-state` answers what the node answers."""

    def cli(self, definition, *args):
        p = subprocess.run([CLI, "test-state", "-"] + list(args), input=dumps(definition),
                           capture_output=True, text=True, timeout=30)
        return p.returncode, json.loads(p.stdout)

    def test_same_answer_as_the_node(self):
        sfn = client()
        cases = [
            (PASS, ["--input", '{"v":1}', "--inspection-level", "DEBUG"],
             dict(input='{"v":1}', inspectionLevel="DEBUG", roleArn=ROLE_ARN)),
            (RETRY_TASK, ["--mock-error", "MockException", "--mock-cause", "c", "--retrier-retry-count", "1",
                          "--inspection-level", "TRACE"],
             dict(mock={"errorOutput": {"error": "MockException", "cause": "c"}},
                  stateConfiguration={"retrierRetryCount": 1}, inspectionLevel="TRACE")),
            (RETRY_TASK, ["--mock-error", "MockException", "--retrier-retry-count", "3"],
             dict(mock={"errorOutput": {"error": "MockException"}}, stateConfiguration={"retrierRetryCount": 3})),
            (CHOICE, ["--input", '{"data":{"value":25}}'], dict(input='{"data":{"value":25}}', roleArn=ROLE_ARN)),
        ]
        for definition, args, kw in cases:
            rc, got = self.cli(definition, *args)
            want = sfn.test_state(definition=dumps(definition), **kw)
            want.pop("ResponseMetadata")
            self.assertEqual(got, want)
            self.assertEqual(rc, 0 if want["status"] == "SUCCEEDED" else 1)

    def test_request_file_same_as_the_aws_cli_against_the_node(self):
        # One request file for both: `aws stepfunctions test-state
        # --cli-input-json file://F` against the node, and `statecraft
        # test-state --request F` offline.
        import shutil
        import tempfile
        aws = shutil.which("aws")
        if aws is None:
            self.skipTest("aws CLI not installed")
        request = {"definition": dumps(RETRY_TASK), "input": '{"n": 1}', "inspectionLevel": "DEBUG",
                   "mock": {"errorOutput": {"error": "MockException", "cause": "c"}},
                   "stateConfiguration": {"retrierRetryCount": 2}}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(request, f)
        self.addCleanup(os.unlink, f.name)
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                   AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", AWS_DISABLE_HOST_PREFIX_INJECTION="true")
        env.pop("AWS_PROFILE", None)
        p = subprocess.run([aws, "stepfunctions", "test-state", "--cli-input-json", "file://" + f.name,
                            "--endpoint-url", endpoint(), "--output", "json"],
                           env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        from_node = json.loads(p.stdout)
        q = subprocess.run([CLI, "test-state", "--request", f.name], capture_output=True, text=True, timeout=30)
        self.assertEqual(q.returncode, 1, q.stderr)
        self.assertEqual(json.loads(q.stdout), from_node)
        self.assertEqual((from_node["status"], from_node["inspectionData"]["errorDetails"]),
                         ("RETRIABLE", {"retryIndex": 1, "retryBackoffIntervalSeconds": 18}))

    def test_whole_machine_and_refusals(self):
        machine = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}}
        rc, got = self.cli(machine, "--state-name", "A")
        self.assertEqual((rc, got["status"], got["nextState"]), (0, "SUCCEEDED", "B"))
        rc, got = self.cli(machine, "--state-name", "Z")
        self.assertEqual((rc, got["__type"]), (2, "ValidationException"))
        rc, got = self.cli(FAIL)
        self.assertEqual((rc, got["status"]), (1, "FAILED"))


if __name__ == "__main__":
    unittest.main()
