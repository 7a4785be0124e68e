"""The `statecraft` command-line tool: validate and run definitions without a server.

Runs the binary given by STATECRAFT_CLI (default <repo>/build/tools/statecraft/statecraft;
the tests are skipped when that default is not built) with subprocess; needs no node, so
it also runs on its own:

    python3 -m unittest tests/e2e/test_statecraft_cli.py -v
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI_FROM_ENV = bool(os.environ.get("STATECRAFT_CLI"))
CLI = os.environ.get("STATECRAFT_CLI") or os.path.join(REPO, "build", "tools", "statecraft", "statecraft")

ACTIVITY = "arn:aws:states:us-east-1:123456789012:activity:worker"

HELLO = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "hi", "End": True}}}

# Pass → Choice → (Wait an hour → Big) | Small
FLOW = {
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Parameters": {"n.$": "$.n", "tag": "start"}, "Next": "Big?"},
        "Big?": {"Type": "Choice",
                 "Choices": [{"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Pause"}],
                 "Default": "Small"},
        "Pause": {"Type": "Wait", "Seconds": 3600, "Next": "Big"},
        "Big": {"Type": "Pass", "Result": "big", "ResultPath": "$.size", "End": True},
        "Small": {"Type": "Pass", "Result": "small", "ResultPath": "$.size", "End": True},
    },
}

TASK = {"StartAt": "Work",
        "States": {"Work": {"Type": "Task", "Resource": ACTIVITY, "ResultPath": "$.result", "End": True}}}

MAP = {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "MaxConcurrency": 1,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Work",
                "States": {"Work": {"Type": "Task", "Resource": ACTIVITY, "End": True}},
            },
            "ResultPath": "$.squares",
            "End": True,
        }
    },
}

TYPE_MESSAGE = ("The field 'Type' should have one of these values: "
                "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]")


# Skipped when the default binary is not built; an explicit STATECRAFT_CLI
# that is not executable is an error (every test errors).
@unittest.skipUnless(CLI_FROM_ENV or os.access(CLI, os.X_OK), "statecraft binary not built: %s" % CLI)
class StatecraftCli(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not os.access(CLI, os.X_OK):
            raise AssertionError("STATECRAFT_CLI=%s is not an executable file" % CLI)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="statecraft-cli-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, name, content):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(content if isinstance(content, str) else json.dumps(content, indent=2))
        return path

    def cli(self, *args, stdin=None):
        return subprocess.run([CLI, *args], input=stdin, capture_output=True, text=True,
                              timeout=60, cwd=self.dir)

    def assertExit(self, p, code):
        self.assertEqual(p.returncode, code,
                         "exit %d, wanted %d\nstdout:\n%s\nstderr:\n%s"
                         % (p.returncode, code, p.stdout, p.stderr))

    def run_json(self, *args, code=0):
        p = self.cli("run", *args, "--json")
        self.assertExit(p, code)
        return json.loads(p.stdout)

    # ------------------------------------------------------------------
    # top level: help, version, usage errors

    def test_version(self):
        p = self.cli("--version")
        self.assertExit(p, 0)
        self.assertRegex(p.stdout, r"^statecraft \d+\.\d+\.\d+\n$")

    def test_help_lists_subcommands(self):
        for args in (["--help"], ["-h"], ["help"]):
            p = self.cli(*args)
            self.assertExit(p, 0)
            self.assertIn("usage: statecraft", p.stdout)
            for sub in ("validate", "run", "help"):
                self.assertRegex(p.stdout, r"\n  %s " % sub)

    def test_help_subcommand(self):
        for args in (["help", "run"], ["run", "--help"]):
            p = self.cli(*args)
            self.assertExit(p, 0)
            self.assertIn("usage: statecraft run FILE", p.stdout)
            for flag in ("--input", "--input-file", "--tasks", "--history", "--json", "--name"):
                self.assertIn(flag, p.stdout)
        p = self.cli("help", "validate")
        self.assertExit(p, 0)
        self.assertIn("usage: statecraft validate", p.stdout)

    def test_no_arguments_is_a_usage_error(self):
        p = self.cli()
        self.assertExit(p, 2)
        self.assertEqual(p.stdout, "")
        self.assertIn("usage: statecraft", p.stderr)

    def test_unknown_subcommand(self):
        p = self.cli("frobnicate")
        self.assertExit(p, 2)
        self.assertEqual(p.stdout, "")
        self.assertIn("unknown command 'frobnicate'", p.stderr)
        self.assertIn("usage: statecraft", p.stderr)
        p = self.cli("help", "frobnicate")
        self.assertExit(p, 2)

    def test_unknown_flags(self):
        hello = self.write("hello.asl.json", HELLO)
        for args in (["--frob"], ["validate", "--frob", hello], ["run", hello, "--frob"],
                     ["run", hello, "--input"], ["run", hello, "--history=yes"],
                     ["run", hello, "--input", "{}", "--input-file", hello],
                     ["run", hello, "--name", "a", "--name", "b"],
                     ["run", hello, hello], ["run"], ["validate"]):
            p = self.cli(*args)
            self.assertExit(p, 2)
            self.assertEqual(p.stdout, "", args)
            self.assertIn("usage: statecraft", p.stderr, args)

    # ------------------------------------------------------------------
    # validate

    def test_validate_valid(self):
        hello = self.write("hello.asl.json", HELLO)
        flow = self.write("flow.asl.json", FLOW)
        p = self.cli("validate", "hello.asl.json", "flow.asl.json")
        self.assertExit(p, 0)
        self.assertEqual(p.stdout, "hello.asl.json: OK\nflow.asl.json: OK\n")
        self.assertEqual(p.stderr, "")
        p = self.cli("validate", hello, flow)
        self.assertExit(p, 0)
        self.assertEqual(p.stdout, "%s: OK\n%s: OK\n" % (hello, flow))

    def test_validate_invalid_prints_aws_diagnostics(self):
        self.write("hello.asl.json", HELLO)
        self.write("bad.asl.json", {"StartAt": "A", "States": {"A": {"Type": "Pas", "End": True}}})
        self.write("next.asl.json", {"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "Nowhere"}, "B": {"Type": "Succeed"}}})
        p = self.cli("validate", "hello.asl.json", "bad.asl.json", "next.asl.json")
        self.assertExit(p, 1)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0], "hello.asl.json: OK")
        self.assertEqual(lines[1], "bad.asl.json: SCHEMA_VALIDATION_FAILED: %s at /States/A/Type"
                         % TYPE_MESSAGE)
        self.assertEqual(lines[2], "bad.asl.json: InvalidDefinition: Invalid State Machine Definition: "
                         "'SCHEMA_VALIDATION_FAILED: %s at /States/A/Type'" % TYPE_MESSAGE)
        self.assertIn("next.asl.json: MISSING_TRANSITION_TARGET: Missing 'Next' target: Nowhere "
                      "at /States/A/Next", lines)
        self.assertTrue(lines[-1].startswith(
            "next.asl.json: InvalidDefinition: Invalid State Machine Definition: '"), lines[-1])
        self.assertIn("MISSING_TRANSITION_TARGET: Missing 'Next' target: Nowhere at /States/A/Next",
                      lines[-1])

    def test_validate_knows_integrations(self):
        """Resources of the integrations: known ones pass, an action Step
        Functions does not have is refused as AWS refuses it."""
        def task(resource):
            return {"StartAt": "T", "States": {"T": {
                "Type": "Task", "Resource": resource, "Parameters": {}, "End": True}}}
        self.write("ok.asl.json", {"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                  "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:"
                                                    "stateMachine:x"}, "Next": "B"},
            "B": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:listExecutions",
                  "Parameters": {}, "Next": "C"},
            "C": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": "f"}, "End": True}}})
        self.write("bad.asl.json", task("arn:aws:states:::aws-sdk:sfn:listNothing"))
        p = self.cli("validate", "ok.asl.json", "bad.asl.json")
        self.assertExit(p, 1)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0], "ok.asl.json: OK")
        self.assertEqual(lines[1], "bad.asl.json: SCHEMA_VALIDATION_FAILED: The resource provided "
                         "arn:aws:states:::aws-sdk:sfn:listNothing is not recognized. The value "
                         "is not a valid resource ARN, or the resource is not available in this "
                         "region. at /States/T/Resource")

    def test_validate_syntax_error_stays_on_one_line_per_problem(self):
        self.write("broken.json", '{"StartAt": "A",\n "States": {')
        p = self.cli("validate", "broken.json")
        self.assertExit(p, 1)
        lines = p.stdout.splitlines()
        self.assertEqual(len(lines), 2, p.stdout)
        self.assertTrue(lines[0].startswith("broken.json: INVALID_JSON_DESCRIPTION: "), lines[0])
        self.assertTrue(lines[1].startswith(
            "broken.json: InvalidDefinition: Invalid State Machine Definition: "
            "'INVALID_JSON_DESCRIPTION: "), lines[1])

    def test_validate_unreadable_file(self):
        self.write("bad.asl.json", {"StartAt": "A", "States": {"A": {"Type": "Pas", "End": True}}})
        p = self.cli("validate", "missing.json", "bad.asl.json")
        self.assertExit(p, 2)  # unreadable wins over invalid
        self.assertIn("cannot read missing.json", p.stderr)
        self.assertIn("bad.asl.json: SCHEMA_VALIDATION_FAILED", p.stdout)
        p = self.cli("validate", self.dir)
        self.assertExit(p, 2)

    def test_validate_stdin(self):
        p = self.cli("validate", "-", stdin=json.dumps(HELLO))
        self.assertExit(p, 0)
        self.assertEqual(p.stdout, "<stdin>: OK\n")
        p = self.cli("validate", "-", stdin='{"StartAt": "A"}')
        self.assertExit(p, 1)
        self.assertIn("<stdin>: InvalidDefinition: Invalid State Machine Definition: '", p.stdout)
        p = self.cli("validate", "-", "-", stdin="{}")
        self.assertExit(p, 2)

    def test_validate_json(self):
        self.write("hello.asl.json", HELLO)
        self.write("bad.asl.json", {"StartAt": "A", "States": {"A": {"Type": "Pas", "End": True}}})
        p = self.cli("validate", "--json", "hello.asl.json", "bad.asl.json")
        self.assertExit(p, 1)
        r = json.loads(p.stdout)
        self.assertFalse(r["valid"])
        self.assertEqual([f["file"] for f in r["files"]], ["hello.asl.json", "bad.asl.json"])
        self.assertEqual(r["files"][0], {"file": "hello.asl.json", "valid": True, "diagnostics": []})
        bad = r["files"][1]
        self.assertFalse(bad["valid"])
        self.assertEqual(bad["diagnostics"], [{"code": "SCHEMA_VALIDATION_FAILED",
                                               "message": TYPE_MESSAGE,
                                               "location": "/States/A/Type"}])
        self.assertEqual(bad["message"], "Invalid State Machine Definition: "
                         "'SCHEMA_VALIDATION_FAILED: %s at /States/A/Type'" % TYPE_MESSAGE)
        p = self.cli("validate", "hello.asl.json", "--json")
        self.assertExit(p, 0)
        self.assertTrue(json.loads(p.stdout)["valid"])

    # ------------------------------------------------------------------
    # run: Pass, Choice, Wait

    def test_run_pass_choice_wait(self):
        self.write("flow.asl.json", FLOW)
        p = self.cli("run", "flow.asl.json", "--input", '{"n": 42}')
        self.assertExit(p, 0)
        self.assertEqual(p.stdout, 'status: SUCCEEDED\noutput: {"n":42,"tag":"start","size":"big"}\n')
        p = self.cli("run", "flow.asl.json", "--input={\"n\": 2}")
        self.assertExit(p, 0)
        self.assertEqual(p.stdout, 'status: SUCCEEDED\noutput: {"n":2,"tag":"start","size":"small"}\n')

    def test_run_default_input_and_input_file(self):
        self.write("hello.asl.json", HELLO)
        p = self.cli("run", "hello.asl.json")
        self.assertExit(p, 0)
        self.assertEqual(p.stdout, 'status: SUCCEEDED\noutput: "hi"\n')
        self.write("flow.asl.json", FLOW)
        self.write("in.json", '{\n  "n": 11\n}\n')
        p = self.cli("run", "flow.asl.json", "--input-file", "in.json")
        self.assertExit(p, 0)
        self.assertEqual(p.stdout, 'status: SUCCEEDED\noutput: {"n":11,"tag":"start","size":"big"}\n')
        p = self.cli("run", "flow.asl.json", "--input-file", "-", stdin='{"n": 1}')
        self.assertExit(p, 0)
        self.assertIn('"size":"small"', p.stdout)
        p = self.cli("run", "-", "--input", '{"n": 1}', stdin=json.dumps(FLOW))
        self.assertExit(p, 0)
        self.assertIn('"size":"small"', p.stdout)

    def test_run_wait_takes_no_real_time(self):
        self.write("flow.asl.json", FLOW)
        r = self.run_json("flow.asl.json", "--input", '{"n": 99}')
        ev = {e["type"]: e for e in r["events"]}
        self.assertAlmostEqual(ev["WaitStateExited"]["timestamp"] - ev["WaitStateEntered"]["timestamp"],
                               3600, places=3)

    def test_run_history_event_types_in_order(self):
        self.write("flow.asl.json", FLOW)
        p = self.cli("run", "flow.asl.json", "--input", '{"n": 42}', "--history")
        self.assertExit(p, 0)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[-2:], ["status: SUCCEEDED", 'output: {"n":42,"tag":"start","size":"big"}'])
        # One event per line, and the lines before the status form a JSON array.
        events = json.loads("\n".join(lines[:-2]))
        self.assertEqual(len(lines) - 2, len(events) + 2)
        self.assertEqual([e["type"] for e in events], [
            "ExecutionStarted",
            "PassStateEntered", "PassStateExited",
            "ChoiceStateEntered", "ChoiceStateExited",
            "WaitStateEntered", "WaitStateExited",
            "PassStateEntered", "PassStateExited",
            "ExecutionSucceeded",
        ])
        self.assertEqual([e["id"] for e in events], list(range(1, len(events) + 1)))
        self.assertEqual(events[0]["executionStartedEventDetails"]["input"], '{"n": 42}')
        self.assertEqual(json.loads(events[-1]["executionSucceededEventDetails"]["output"]),
                         {"n": 42, "tag": "start", "size": "big"})
        self.assertEqual([e["stateEnteredEventDetails"]["name"] for e in events
                          if e["type"].endswith("StateEntered")], ["Init", "Big?", "Pause", "Big"])

    def test_run_json(self):
        self.write("hello.asl.json", HELLO)
        r = self.run_json("hello.asl.json")
        self.assertEqual(set(r), {"status", "output", "error", "cause", "events"})
        self.assertEqual(r["status"], "SUCCEEDED")
        self.assertEqual(r["output"], "hi")
        self.assertIsNone(r["error"])
        self.assertIsNone(r["cause"])
        self.assertEqual([e["type"] for e in r["events"]],
                         ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"])

    def test_run_name_and_context(self):
        self.write("ctx.asl.json", {"StartAt": "C", "States": {"C": {
            "Type": "Pass", "End": True,
            "Parameters": {"exec.$": "$$.Execution.Name", "machine.$": "$$.StateMachine.Name",
                           "id.$": "$$.Execution.Id"}}}})
        r = self.run_json("ctx.asl.json", "--name", "my-run")
        self.assertEqual(r["output"], {
            "exec": "my-run", "machine": "ctx",
            "id": "arn:aws:states:us-east-1:123456789012:execution:ctx:my-run"})
        p = self.cli("run", "ctx.asl.json", "--name", "bad name")
        self.assertExit(p, 2)
        self.assertIn("Invalid Name", p.stderr)

    # ------------------------------------------------------------------
    # run: activity tasks answered by --tasks

    def test_run_task_success(self):
        self.write("task.asl.json", TASK)
        self.write("tasks.json", [{"output": {"ok": True}}])
        p = self.cli("run", "task.asl.json", "--input", '{"n": 1}', "--tasks", "tasks.json")
        self.assertExit(p, 0)
        self.assertEqual(p.stdout, 'status: SUCCEEDED\noutput: {"n":1,"result":{"ok":true}}\n')
        r = self.run_json("task.asl.json", "--tasks", "tasks.json")
        self.assertEqual([e["type"] for e in r["events"]], [
            "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted",
            "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded"])
        self.assertEqual(r["events"][2]["activityScheduledEventDetails"]["resource"], ACTIVITY)

    def test_run_task_failure(self):
        self.write("task.asl.json", TASK)
        self.write("tasks.json", [{"error": "Boom", "cause": "it broke"}])
        p = self.cli("run", "task.asl.json", "--tasks", "tasks.json")
        self.assertExit(p, 1)
        self.assertEqual(p.stdout, "status: FAILED\nerror: Boom\ncause: it broke\n")
        r = self.run_json("task.asl.json", "--tasks", "tasks.json", code=1)
        self.assertEqual((r["status"], r["output"], r["error"], r["cause"]),
                         ("FAILED", None, "Boom", "it broke"))
        self.assertEqual([e["type"] for e in r["events"]][-2:], ["ActivityFailed", "ExecutionFailed"])

    def test_run_task_failure_caught(self):
        self.write("catch.asl.json", {"StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": ACTIVITY, "Next": "Done",
                     "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.err", "Next": "Done"}]},
            "Done": {"Type": "Succeed"}}})
        self.write("tasks.json", [{"error": "Boom", "cause": "it broke"}])
        p = self.cli("run", "catch.asl.json", "--tasks", "tasks.json")
        self.assertExit(p, 0)
        self.assertEqual(p.stdout, 'status: SUCCEEDED\noutput: {"err":{"Error":"Boom","Cause":"it broke"}}\n')

    def test_run_task_unanswered_is_stuck(self):
        self.write("task.asl.json", TASK)
        p = self.cli("run", "task.asl.json")
        self.assertExit(p, 1)
        self.assertEqual(p.stdout, "status: RUNNING\n")
        self.assertIn("stuck", p.stderr)
        self.assertIn("'Work'", p.stderr)
        r = self.run_json("task.asl.json", code=1)
        self.assertEqual(r["status"], "RUNNING")
        self.assertIn("'Work'", r["problem"])

    def test_run_task_unanswered_times_out(self):
        self.write("timeout.asl.json", {"StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": ACTIVITY, "TimeoutSeconds": 30, "End": True}}})
        r = self.run_json("timeout.asl.json", code=1)
        self.assertEqual((r["status"], r["error"]), ("FAILED", "States.Timeout"))
        types = [e["type"] for e in r["events"]]
        self.assertEqual(types[-2:], ["ActivityTimedOut", "ExecutionFailed"])
        self.assertAlmostEqual(r["events"][-1]["timestamp"] - r["events"][0]["timestamp"], 30, places=3)

    def test_run_execution_timeout(self):
        self.write("slow.asl.json", {"TimeoutSeconds": 60, "StartAt": "W",
                                     "States": {"W": {"Type": "Wait", "Seconds": 120, "End": True}}})
        p = self.cli("run", "slow.asl.json")
        self.assertExit(p, 1)
        self.assertEqual(p.stdout.splitlines()[0], "status: TIMED_OUT")

    def test_run_map_with_tasks(self):
        self.write("map.asl.json", MAP)
        self.write("squares.json", [{"output": 1}, {"output": 4}, {"output": 9}])
        p = self.cli("run", "map.asl.json", "--input", '{"items": [1, 2, 3]}', "--tasks", "squares.json")
        self.assertExit(p, 0)
        self.assertEqual(p.stdout, 'status: SUCCEEDED\noutput: {"items":[1,2,3],"squares":[1,4,9]}\n')
        r = self.run_json("map.asl.json", "--input", '{"items": [1, 2, 3]}', "--tasks", "squares.json")
        types = [e["type"] for e in r["events"]]
        self.assertEqual(types[:3], ["ExecutionStarted", "MapStateEntered", "MapStateStarted"])
        self.assertEqual(types.count("MapIterationStarted"), 3)
        self.assertEqual(types.count("MapIterationSucceeded"), 3)
        self.assertEqual(types[-3:], ["MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"])
        # Each iteration's task got its item as input.
        inputs = [e["activityScheduledEventDetails"]["input"] for e in r["events"]
                  if e["type"] == "ActivityScheduled"]
        self.assertEqual(inputs, ["1", "2", "3"])

    def test_run_map_iteration_failure(self):
        self.write("map.asl.json", MAP)
        self.write("tasks.json", [{"output": 1}, {"error": "Bad", "cause": "item 2"}])
        p = self.cli("run", "map.asl.json", "--input", '{"items": [1, 2, 3]}', "--tasks", "tasks.json")
        self.assertExit(p, 1)
        self.assertEqual(p.stdout, "status: FAILED\nerror: Bad\ncause: item 2\n")

    def test_run_distributed_map_uses_outcomes(self):
        m = json.loads(json.dumps(MAP))
        m["States"]["Each"]["ItemProcessor"]["ProcessorConfig"] = {"Mode": "DISTRIBUTED",
                                                                    "ExecutionType": "STANDARD"}
        self.write("dmap.asl.json", m)
        self.write("squares.json", [{"output": 1}, {"output": 4}, {"output": 9}])
        p = self.cli("run", "dmap.asl.json", "--input", '{"items": [1, 2, 3]}', "--tasks", "squares.json")
        self.assertExit(p, 0)
        self.assertEqual(p.stdout, 'status: SUCCEEDED\noutput: {"items":[1,2,3],"squares":[1,4,9]}\n')
        self.assertNotIn("not used", p.stderr)

    def test_run_unused_outcomes_are_reported(self):
        self.write("task.asl.json", TASK)
        self.write("tasks.json", [{"output": 1}, {"output": 2}])
        p = self.cli("run", "task.asl.json", "--tasks", "tasks.json")
        self.assertExit(p, 0)
        self.assertIn("1 of 2 scripted task outcomes not used (the run scheduled 1 task)", p.stderr)

    # ------------------------------------------------------------------
    # run: bad definitions, input and scripts

    def test_run_invalid_definition(self):
        self.write("bad.asl.json", {"StartAt": "A", "States": {"A": {"Type": "Pas", "End": True}}})
        p = self.cli("run", "bad.asl.json")
        self.assertExit(p, 2)
        self.assertEqual(p.stdout, "")
        self.assertIn("bad.asl.json: SCHEMA_VALIDATION_FAILED: %s at /States/A/Type" % TYPE_MESSAGE,
                      p.stderr)
        self.assertIn("bad.asl.json: InvalidDefinition: Invalid State Machine Definition: '", p.stderr)

    def test_run_bad_input_and_script(self):
        self.write("task.asl.json", TASK)
        p = self.cli("run", "task.asl.json", "--input", '{"n":')
        self.assertExit(p, 2)
        self.assertIn("Invalid State Machine Execution Input", p.stderr)
        self.write("tasks.json", [{"outptu": 1}])
        p = self.cli("run", "task.asl.json", "--tasks", "tasks.json")
        self.assertExit(p, 2)
        self.assertIn("tasks.json", p.stderr)
        self.write("notarray.json", {"output": 1})
        p = self.cli("run", "task.asl.json", "--tasks", "notarray.json")
        self.assertExit(p, 2)
        p = self.cli("run", "task.asl.json", "--tasks", "missing.json")
        self.assertExit(p, 2)
        self.assertIn("missing.json", p.stderr)
        p = self.cli("run", "missing.asl.json")
        self.assertExit(p, 2)
        self.assertIn("cannot read missing.asl.json", p.stderr)


if __name__ == "__main__":
    unittest.main()
