"""JSONata state machines and workflow variables through the API (boto3):
what AWS's console writes by default must run as on AWS."""

import json
import unittest

from common import (E2ETestCase, activity_task_def, event_types, full_history, poll_task,
                    wait_for_status)


def jsonata(states, start=None, **top):
    d = {"QueryLanguage": "JSONata", "StartAt": start or next(iter(states)), "States": states}
    d.update(top)
    return d


class JsonataStates(E2ETestCase):

    def test_pass_output_and_variables(self):
        sm, _ = self.create_sm(jsonata({
            "A": {"Type": "Pass", "Assign": {"name": "{% $states.input.who %}", "n": 2},
                  "Output": {"greeting": "{% 'Hello ' & $states.input.who & '!' %}"},
                  "Next": "B"},
            "B": {"Type": "Pass", "Assign": {"n": "{% $n * 21 %}", "old": "{% $n %}"},
                  "Output": {"name": "{% $name %}", "n": "{% $n %}",
                             "items": ["{% $uppercase($name) %}", 1]},
                  "End": True}}))
        arn, d = self.run_to_end(sm, {"who": "ada"})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertJsonEqual(d["output"], {"name": "ada", "n": 2, "items": ["ADA", 1]})
        ev = full_history(self.sfn, arn)
        exited = [e["stateExitedEventDetails"] for e in ev if e["type"] == "PassStateExited"]
        self.assertEqual(json.loads(exited[0]["output"]), {"greeting": "Hello ada!"})
        self.assertEqual(exited[0]["assignedVariables"], {"name": '"ada"', "n": "2"})
        self.assertEqual(exited[1]["assignedVariables"], {"n": "42", "old": "2"})
        self.assertEqual(exited[1]["assignedVariablesDetails"], {"truncated": False})

    def test_map_over_1000_items_with_item_selector(self):
        sm, _ = self.create_sm(jsonata({
            "Fan": {"Type": "Map", "Items": "{% $states.input.items %}", "MaxConcurrency": 50,
                    "ItemSelector": {"v": "{% $states.context.Map.Item.Value %}",
                                     "i": "{% $states.context.Map.Item.Index %}",
                                     "f": "{% $states.input.factor %}"},
                    "ItemProcessor": {"StartAt": "M", "States": {
                        "M": {"Type": "Pass", "Output": "{% $states.input.v * $states.input.f + $states.input.i %}",
                              "End": True}}},
                    "Output": {"sum": "{% $sum($states.result) %}",
                               "count": "{% $count($states.result) %}"},
                    "End": True}}))
        items = list(range(1000))
        arn, d = self.run_to_end(sm, {"items": items, "factor": 3}, timeout=60)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertJsonEqual(d["output"], {"sum": sum(v * 3 + v for v in items), "count": 1000})

    def test_choice_condition_and_rule_assign(self):
        sm, _ = self.create_sm(jsonata({
            "C": {"Type": "Choice", "Assign": {"route": "default"},
                  "Choices": [{"Condition": "{% $states.input.v > 10 %}", "Next": "Big",
                               "Assign": {"route": "big"}}],
                  "Default": "Small"},
            "Big": {"Type": "Pass", "Output": {"route": "{% $route %}"}, "End": True},
            "Small": {"Type": "Pass", "Output": {"route": "{% $route %}"}, "End": True}}))
        _, d = self.run_to_end(sm, {"v": 11})
        self.assertJsonEqual(d["output"], {"route": "big"})
        _, d = self.run_to_end(sm, {"v": 1})
        self.assertJsonEqual(d["output"], {"route": "default"})

    def test_activity_task_with_arguments_output_and_catch(self):
        act, _ = self.create_activity()
        sm, _ = self.create_sm(jsonata({
            "T": {"Type": "Task", "Resource": act, "Arguments": {"x": "{% $states.input.x + 1 %}"},
                  "Output": {"got": "{% $states.result.y %}", "in": "{% $states.input.x %}"},
                  "Assign": {"last": "{% $states.result.y %}"},
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught",
                             "Output": {"err": "{% $states.errorOutput.Error %}"},
                             "Assign": {"failed": True}}],
                  "End": True},
            "Caught": {"Type": "Pass", "Output": {"err": "{% $states.input.err %}",
                                                  "failed": "{% $failed %}"}, "End": True}}))
        arn = self.start(sm, {"x": 1})
        task = poll_task(self.sfn, act)
        token = task["taskToken"]
        self.assertEqual(json.loads(task["input"]), {"x": 2})
        self.sfn.send_task_success(taskToken=token, output=json.dumps({"y": "ok"}))
        d = wait_for_status(self.sfn, arn)
        self.assertJsonEqual(d["output"], {"got": "ok", "in": 1})
        arn = self.start(sm, {"x": 5})
        token = poll_task(self.sfn, act)["taskToken"]
        self.sfn.send_task_failure(taskToken=token, error="Boom", cause="bad")
        d = wait_for_status(self.sfn, arn)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertJsonEqual(d["output"], {"err": "Boom", "failed": True})

    def test_query_evaluation_error_and_evaluation_failed_event(self):
        sm, _ = self.create_sm(jsonata({
            "P": {"Type": "Pass", "Output": {"r": "{% $nothing %}"}, "End": True}}))
        arn, d = self.run_to_end(sm, {})
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.QueryEvaluationError")
        self.assertEqual(d["cause"],
                         "An error occurred while executing the state 'P' (entered at the event "
                         "id #2). The JSONata expression '$nothing' specified for the field "
                         "'Output/r' returned nothing (undefined).")
        ev = full_history(self.sfn, arn)
        self.assertEqual(event_types(ev), ["ExecutionStarted", "PassStateEntered",
                                           "EvaluationFailed", "ExecutionFailed"])
        det = ev[2]["evaluationFailedEventDetails"]
        self.assertEqual((det["location"], det["state"], det["error"]),
                         ("Output/r", "P", "States.QueryEvaluationError"))
        self.assertEqual(ev[2]["previousEventId"], 0)

    def test_jsonata_error_code_in_cause_and_catchable(self):
        sm, _ = self.create_sm(jsonata({
            "P": {"Type": "Pass", "Output": "{% $sum('a') %}", "End": True}}))
        _, d = self.run_to_end(sm, {})
        self.assertEqual(d["error"], "States.QueryEvaluationError")
        self.assertTrue(d["cause"].endswith(
            "The JSONata expression '$sum('a')' specified for the field 'Output' threw an error "
            "during evaluation. T0412: Argument 1 of function \"sum\" must be an array of "
            "\"numbers\""), d["cause"])

    def test_invalid_expression_is_refused_at_create(self):
        with self.assertRaises(self.sfn.exceptions.InvalidDefinition) as cm:
            self.sfn.create_state_machine(
                name="bad-jsonata", roleArn="arn:aws:iam::123456789012:role/r",
                definition=json.dumps(jsonata({"P": {"Type": "Pass", "Output": "{% 1 + %}",
                                                     "End": True}})))
        self.assertIn("INVALID_JSONATA_EXPRESSION", str(cm.exception))
        r = self.sfn.validate_state_machine_definition(definition=json.dumps(jsonata({
            "P": {"Type": "Pass", "InputPath": "$.a", "Output": "{% $states.result %}",
                  "End": True}})))
        self.assertEqual(r["result"], "FAIL")
        codes = sorted(x["code"] for x in r["diagnostics"])
        self.assertEqual(codes, ["SCHEMA_VALIDATION_FAILED", "UNSUPPORTED_JSONATA_EXPRESSION"])

    def test_random_and_uuid_come_from_the_execution(self):
        sm, _ = self.create_sm(jsonata({
            "P": {"Type": "Pass", "Output": {"r": "{% $random() %}", "u": "{% $uuid() %}",
                                             "seeded": "{% $random(42) %}",
                                             "p": "{% $partition([1,2,3,4,5], 2) %}",
                                             "h": "{% $hash('abc', 'SHA-256') %}"},
                  "End": True}}))
        _, d = self.run_to_end(sm, {})
        out = json.loads(d["output"])
        self.assertTrue(0 <= out["r"] < 1)
        self.assertRegex(out["u"], r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertEqual(out["seeded"], 0.7275636800328681)
        self.assertEqual(out["p"], [[1, 2], [3, 4], [5]])
        self.assertEqual(out["h"], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")


class JsonPathVariables(E2ETestCase):

    def test_assign_and_read_in_paths_parameters_and_choice(self):
        sm, _ = self.create_sm({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Result": {"x": 5}, "Assign": {"x.$": "$.x", "lit": "$.not.a.path"},
                  "Next": "C"},
            "C": {"Type": "Choice", "Choices": [{"Variable": "$x", "NumericGreaterThan": 3,
                                                 "Next": "B", "Assign": {"big": True}}],
                  "Default": "B"},
            "B": {"Type": "Pass", "Parameters": {"x.$": "$x", "lit.$": "$lit", "big.$": "$big",
                                                 "sum.$": "States.MathAdd($x, 1)"},
                  "End": True}}})
        arn, d = self.run_to_end(sm, {})
        self.assertJsonEqual(d["output"], {"x": 5, "lit": "$.not.a.path", "big": True, "sum": 6})
        ev = full_history(self.sfn, arn)
        self.assertEqual(ev[2]["stateExitedEventDetails"]["assignedVariables"],
                         {"x": "5", "lit": '"$.not.a.path"'})

    def test_branches_read_outer_variables(self):
        sm, _ = self.create_sm({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": {"base": 10}, "Next": "P"},
            "P": {"Type": "Parallel", "End": True, "Branches": [
                {"StartAt": "B", "States": {"B": {"Type": "Pass", "Parameters": {"v.$": "$base"},
                                                  "End": True}}},
                {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items",
                    "ItemProcessor": {"StartAt": "I", "States": {
                        "I": {"Type": "Pass", "Parameters": {"s.$": "States.MathAdd($, $base)"},
                              "End": True}}}, "End": True}}}]}}})
        _, d = self.run_to_end(sm, {"items": [1, 2]})
        self.assertJsonEqual(d["output"], [{"v": 10}, [{"s": 11}, {"s": 12}]])


if __name__ == "__main__":
    unittest.main()
