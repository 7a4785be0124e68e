"""The web console in a real browser: Debian's chromium, headless, driven
through chromium-driver (tests/console/webdriver.py), against a real node
serving the built console (console/dist); the executions are worked with
boto3 as a worker would.

  * a running execution with an activity task: its state is blue (running);
    answered with boto3, it turns green and the execution SUCCEEDED;
  * a failed execution (a retry, a caught error, then an uncaught one): the
    failed state is red; clicking it shows its error and cause;
  * a definition with Choice, Parallel, Map, Catch and Retry renders, every
    state drawn, the nested ones inside their Parallel/Map box, the Choice
    edges labelled with their conditions;
  * the executions list: pages of 50 through nextToken, the status and name
    filters;
  * the definition editor: validation as you type (the node's diagnostics).

Usage: test_console.py --statecraftd PATH [--console-dir DIR] [--screenshots DIR]
Exit 0 = all passed."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import harness  # noqa: E402
from webdriver import Browser  # noqa: E402

import boto3  # noqa: E402
import botocore.config  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/console-test"

GRAPH_DEF = {
    "Comment": "Every state type, nested",
    "StartAt": "Route",
    "States": {
        "Route": {"Type": "Choice", "Choices": [
            {"Variable": "$.kind", "StringEquals": "fan-out", "Next": "FanOut"},
            {"And": [{"Variable": "$.n", "NumericGreaterThan": 10}, {"Variable": "$.items", "IsPresent": True}],
             "Next": "EachItem"}],
            "Default": "Nothing"},
        "FanOut": {"Type": "Parallel", "Next": "Pause", "Branches": [
            {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
            {"StartAt": "Right", "States": {
                "Right": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:console-act",
                          "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 2}], "End": True}}}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Broken"}]},
        "EachItem": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "Next": "Pause",
                     "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Item", "States": {
                         "Item": {"Type": "Pass", "Next": "ItemDone"},
                         "ItemDone": {"Type": "Succeed"}}}},
        "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
        "Nothing": {"Type": "Pass", "Next": "Done"},
        "Broken": {"Type": "Fail", "Error": "Broken", "Cause": "a branch failed"},
        "Done": {"Type": "Succeed"},
    },
}


def activity_def(activity_arn):
    return {"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": {"order": 42}, "Next": "Work"},
        "Work": {"Type": "Task", "Resource": activity_arn, "Next": "Finish"},
        "Finish": {"Type": "Pass", "End": True}}}


def failing_def(activity_arn):
    return {"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Next": "Call"},
        "Call": {"Type": "Task", "Resource": activity_arn, "Next": "Done",
                 "Retry": [{"ErrorEquals": ["Transient"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                 "Catch": [{"ErrorEquals": ["Recoverable"], "Next": "Recover"}]},
        "Recover": {"Type": "Pass", "Next": "Validate"},
        "Validate": {"Type": "Task", "Resource": activity_arn, "Next": "Done"},
        "Done": {"Type": "Succeed"}}}


class Suite:
    def __init__(self, args):
        self.args = args
        self.passed = 0
        self.failed = 0

    def start_node(self):
        self.port = harness.free_port()
        self.tmp = tempfile.mkdtemp(prefix="statecraft-console-")
        self.node_log = os.path.join(self.tmp, "node.log")
        cmd = [self.args.statecraftd, "--port", str(self.port), "--activity-poll-timeout", "2",
               "--time-scale", "10", "--log-level", "warn"]
        if self.args.console_dir:
            cmd += ["--console-dir", self.args.console_dir]
        self.node = subprocess.Popen(cmd, stdout=open(self.node_log, "wb"), stderr=subprocess.STDOUT)
        err = harness.wait_for_port(self.node, self.port, 30)
        if err:
            raise RuntimeError("statecraftd " + err + "\n" + harness.tail(self.node_log))
        self.url = "http://127.0.0.1:%d/" % self.port
        self.sfn = boto3.client("stepfunctions", endpoint_url=self.url.rstrip("/"), region_name="us-east-1",
                                aws_access_key_id="test", aws_secret_access_key="test",
                                config=botocore.config.Config(read_timeout=65, retries={"max_attempts": 0}))

    def shot(self, name):
        if self.args.screenshots:
            os.makedirs(self.args.screenshots, exist_ok=True)
            time.sleep(0.3)  # let the last repaint land
            self.b.screenshot(os.path.join(self.args.screenshots, name))

    def open(self, fragment):
        self.b.open(self.url + fragment)
        self.b.wait("return document.querySelector('.view[data-ready]') !== null", 20, "the view to load")

    def state_class(self, name):
        return self.b.js("const g = document.querySelector('g[data-state=\"' + arguments[0] + '\"]');"
                         "return g ? g.getAttribute('class') : null;", name)

    def wait_outcome(self, state, outcome, timeout=20):
        return self.b.wait("const g = document.querySelector('g[data-state=\"' + arguments[0] + '\"]');"
                           "return g && g.classList.contains('o-' + arguments[1]);",
                           timeout, "state %s to be %s" % (state, outcome), state, outcome)

    def take_task(self, activity_arn):
        for _ in range(20):
            t = self.sfn.get_activity_task(activityArn=activity_arn, workerName="console-test")
            if t.get("taskToken"):
                return t
        raise AssertionError("no activity task came")

    # -- the tests ---------------------------------------------------------
    def test_page_served(self):
        with urllib.request.urlopen(self.url, timeout=10) as r:
            body = r.read().decode()
            assert r.headers["Content-Type"].startswith("text/html"), r.headers["Content-Type"]
            assert "/console/app.js" in body
        with urllib.request.urlopen(self.url + "console/app.js", timeout=10) as r:
            assert r.headers["Content-Type"].startswith("text/javascript")
            assert len(r.read()) > 10000
        with urllib.request.urlopen(self.url + "console/elk-worker.min.js", timeout=10) as r:
            assert r.headers["Content-Type"].startswith("text/javascript")
        # Without auth: the page is told so (no sign-in) and its calls are unsigned.
        with urllib.request.urlopen(self.url + "console/info.json", timeout=10) as r:
            assert json.loads(r.read()) == {"auth": "none", "region": "us-east-1"}
        # POST / is still the API.
        assert "stateMachines" in self.sfn.list_state_machines()
        try:
            urllib.request.urlopen(self.url + "console/..%2Fpackage.json", timeout=10)
            raise AssertionError("a path outside the console folder was served")
        except urllib.error.HTTPError as e:
            assert e.code == 404

    def test_running_execution_turns_green(self):
        act = self.sfn.create_activity(name="console-act")["activityArn"]
        self.activity = act
        m = self.sfn.create_state_machine(name="orders", roleArn=ROLE, definition=json.dumps(activity_def(act)))
        ex = self.sfn.start_execution(stateMachineArn=m["stateMachineArn"], name="order-42",
                                      input=json.dumps({"customer": "ada"}))["executionArn"]
        self.open("#/execution/" + urllib_quote(ex))
        self.wait_outcome("Work", "running")
        self.wait_outcome("Prepare", "succeeded")
        assert self.b.js("return document.querySelector('#exec-status').dataset.status") == "RUNNING"
        self.shot("execution-running.png")
        # The activity's page: the task waits for a worker; once boto3 took
        # it, it is started by that worker, who is among the workers seen.
        self.open("#/activity/" + urllib_quote(act))
        self.b.wait("const r = document.querySelector('#waiting-tasks tr[data-execution=\"order-42\"] .task-status');"
                    "return r && r.textContent === 'waiting for a worker'", 15, "the waiting task")
        task = self.take_task(act)
        self.b.wait("const r = document.querySelector('#waiting-tasks tr[data-execution=\"order-42\"] .task-status');"
                    "return r && r.textContent.startsWith('started by console-test')", 15, "the started task")
        assert "console-test" in self.b.js("return [...document.querySelectorAll('#workers .worker')].map(w => w.textContent)")
        self.shot("activity.png")
        self.open("#/execution/" + urllib_quote(ex))
        self.wait_outcome("Work", "running")
        assert json.loads(task["input"]) == {"order": 42}
        self.sfn.send_task_success(taskToken=task["taskToken"], output=json.dumps({"shipped": True}))
        # The page polls: no reload.
        self.wait_outcome("Work", "succeeded")
        self.wait_outcome("Finish", "succeeded")
        self.b.wait("return document.querySelector('#exec-status').dataset.status === 'SUCCEEDED'", 20,
                    "the execution to be shown SUCCEEDED")
        # The step's output, from the history.
        self.b.click("g[data-state='Work'] rect")
        self.b.wait("return (document.querySelector('#state-details .state-output')||{}).textContent"
                    " && document.querySelector('#state-details .state-output').textContent.includes('shipped')",
                    10, "Work's output in the state panel")
        self.shot("execution-succeeded.png")

    def test_failed_state_shows_error_and_cause(self):
        act = self.sfn.create_activity(name="console-fail-act")["activityArn"]
        m = self.sfn.create_state_machine(name="payments", roleArn=ROLE, definition=json.dumps(failing_def(act)))
        ex = self.sfn.start_execution(stateMachineArn=m["stateMachineArn"], name="payment-7")["executionArn"]
        t = self.take_task(act)
        self.sfn.send_task_failure(taskToken=t["taskToken"], error="Transient", cause="try again")
        t = self.take_task(act)  # the retry
        self.sfn.send_task_failure(taskToken=t["taskToken"], error="Recoverable", cause="caught below")
        t = self.take_task(act)  # Validate
        self.sfn.send_task_failure(taskToken=t["taskToken"], error="Payment.Declined",
                                   cause="card 4242 declined: insufficient funds")
        for _ in range(100):
            if self.sfn.describe_execution(executionArn=ex)["status"] != "RUNNING":
                break
            time.sleep(0.1)
        self.open("#/execution/" + urllib_quote(ex))
        self.wait_outcome("Validate", "failed")
        self.wait_outcome("Call", "caught")
        self.wait_outcome("Recover", "succeeded")
        assert "o-" not in (self.state_class("Done") or ""), self.state_class("Done")
        assert self.b.js("return document.querySelector('#exec-status').dataset.status") == "FAILED"
        # Follow the failed state to its error and cause.
        self.b.click("g[data-state='Validate'] rect")
        text = self.b.wait("const d = document.querySelector('#state-details');"
                           "return d && d.textContent.includes('Payment.Declined') ? d.textContent : null",
                           10, "the failed state's error")
        assert "card 4242 declined: insufficient funds" in text, text
        # The execution's own error and the failing event in the history.
        assert "Payment.Declined" in self.b.js("return document.querySelector('#exec-error').textContent")
        assert self.b.js("return document.querySelectorAll('#history tr.ev-failure').length") >= 4
        assert self.b.js("return document.querySelector('#redrive') !== null")
        self.shot("execution-failed.png")
        # The caught state shows both its failures.
        self.b.click("g[data-state='Call'] rect")
        text = self.b.wait("const d = document.querySelector('#state-details');"
                           "return d && d.textContent.includes('Recoverable') ? d.textContent : null",
                           10, "Call's errors")
        assert "Transient" in text and "caught below" in text, text
        # Redrive from the page: Validate runs again; answered, it all succeeds.
        self.b.click("#redrive")
        self.b.wait("return document.querySelector('#exec-status').dataset.status === 'RUNNING'", 10,
                    "the redriven execution RUNNING")
        self.wait_outcome("Validate", "running")
        t = self.take_task(act)
        self.sfn.send_task_success(taskToken=t["taskToken"], output="{}")
        self.b.wait("return document.querySelector('#exec-status').dataset.status === 'SUCCEEDED'", 20,
                    "the redriven execution SUCCEEDED")
        self.wait_outcome("Done", "succeeded")
        self.wait_outcome("Validate", "retried")
        assert self.sfn.describe_execution(executionArn=ex)["redriveCount"] == 1

    def test_stop_from_the_page(self):
        act = self.sfn.create_activity(name="console-stop-act")["activityArn"]
        orders = self.sfn.create_state_machine(name="to-stop", roleArn=ROLE,
                                               definition=json.dumps(activity_def(act)))["stateMachineArn"]
        ex = self.sfn.start_execution(stateMachineArn=orders, name="order-43")["executionArn"]
        self.open("#/execution/" + urllib_quote(ex))
        self.wait_outcome("Work", "running")
        self.b.click("#stop")
        self.b.wait("return document.querySelector('#exec-status').dataset.status === 'ABORTED'", 10,
                    "the execution ABORTED")
        self.wait_outcome("Work", "aborted")
        assert self.sfn.describe_execution(executionArn=ex)["status"] == "ABORTED"

    def test_graph_renders_nested_states(self):
        m = self.sfn.create_state_machine(name="router", roleArn=ROLE, definition=json.dumps(GRAPH_DEF))
        self.open("#/machine/" + urllib_quote(m["stateMachineArn"]))
        self.b.wait("return document.querySelectorAll('svg.graph g[data-state]').length >= 11", 20,
                    "the graph")
        names = set(self.b.js("return [...document.querySelectorAll('svg.graph g[data-state]')].map(g => g.dataset.state)"))
        expected = {"Route", "FanOut", "Left", "Right", "EachItem", "Item", "ItemDone", "Pause", "Nothing",
                    "Broken", "Done"}
        assert expected <= names, names
        # Nested: the branch states inside FanOut's box, the processor inside EachItem's.
        inside = ("const box = n => document.querySelector('g[data-state=\"' + n + '\"] > rect').getBBox();"
                  "const a = box(arguments[0]), o = box(arguments[1]);"
                  "return a.x >= o.x && a.y >= o.y && a.x + a.width <= o.x + o.width && a.y + a.height <= o.y + o.height;")
        for inner, outer in (("Left", "FanOut"), ("Right", "FanOut"), ("Item", "EachItem"), ("ItemDone", "EachItem")):
            assert self.b.js(inside, inner, outer), "%s is not drawn inside %s" % (inner, outer)
        assert not self.b.js(inside, "Pause", "FanOut")
        labels = self.b.js("return [...document.querySelectorAll('svg.graph .edge text.label')].map(t => t.textContent)")
        assert '$.kind == "fan-out"' in labels, labels
        assert "Default" in labels, labels
        assert any(l.startswith("catch States.ALL") for l in labels), labels
        assert any(l.startswith("retry States.Timeout") for l in labels), labels
        assert any("$.n > 10" in l for l in labels), labels
        # Each edge's path is drawn.
        assert self.b.js("return document.querySelectorAll('svg.graph .edge path').length") >= 12
        self.shot("graph.png")
        # Clicking a state scrolls the definition text to it.
        assert self.b.js("return document.querySelector('pre.definition').scrollTop") == 0
        self.b.click("g[data-state='ItemDone'] rect")
        self.b.wait("return document.querySelector('pre.definition').scrollTop > 100", 5, "the text scrolled to ItemDone")

    def test_map_run_and_children(self):
        d = {"StartAt": "Fan", "States": {"Fan": {
            "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "End": True,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                              "StartAt": "Double", "States": {"Double": {"Type": "Pass", "End": True}}}}}}
        m = self.sfn.create_state_machine(name="batch", roleArn=ROLE, definition=json.dumps(d))["stateMachineArn"]
        ex = self.sfn.start_execution(stateMachineArn=m, name="batch-1",
                                      input=json.dumps({"items": [1, 2, 3, 4]}))["executionArn"]
        for _ in range(100):
            if self.sfn.describe_execution(executionArn=ex)["status"] != "RUNNING":
                break
            time.sleep(0.1)
        self.open("#/execution/" + urllib_quote(ex))
        self.wait_outcome("Fan", "succeeded")
        self.b.wait("return document.querySelector('#map-runs a')", 10, "the Map Run link")
        self.b.click("#map-runs a")
        self.b.wait("return document.querySelectorAll('#executions tbody tr a').length === 4", 10,
                    "the Map Run's 4 child executions")
        assert "SUCCEEDED 4" in self.b.js("return document.body.textContent").replace("\n", " ") or \
            self.b.js("return [...document.querySelectorAll('.count')].some(c => c.textContent === 'succeeded 4')"), \
            self.b.js("return [...document.querySelectorAll('.count')].map(c => c.textContent)")
        self.shot("map-run.png")
        # A child opens in the execution view, with its link back to the Map Run.
        self.b.click("#executions tbody tr a")
        self.b.wait("return document.querySelector('#exec-status') && document.body.textContent.includes('Map Run:')",
                    10, "a child execution")
        self.wait_outcome("Double", "succeeded")

    def test_executions_list_pages_and_filters(self):
        m = self.sfn.create_state_machine(name="many", roleArn=ROLE, definition=json.dumps(
            {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
        for i in range(120):
            self.sfn.start_execution(stateMachineArn=m, name="run-%03d" % i)
        self.open("#/machine/%s/executions" % urllib_quote(m))
        rows = "return [...document.querySelectorAll('#executions tbody tr a')].map(a => a.textContent)"
        first = self.b.wait(rows + ".filter(x => x)", 10, "the first page")
        assert len(first) == 50, len(first)
        self.b.click("#next-page")
        second = self.b.wait("const r = [...document.querySelectorAll('#executions tbody tr a')].map(a => a.textContent);"
                             "return r.length && r[0] !== arguments[0] ? r : null", 10, "the second page", first[0])
        assert len(second) == 50 and not set(first) & set(second), second
        self.b.click("#next-page")
        third = self.b.wait("const r = [...document.querySelectorAll('#executions tbody tr a')].map(a => a.textContent);"
                            "return r.length && r[0] !== arguments[0] ? r : null", 10, "the third page", second[0])
        assert len(third) == 20, len(third)
        assert set(first) | set(second) | set(third) == {"run-%03d" % i for i in range(120)}
        assert self.b.js("return document.querySelector('#next-page').disabled")
        # The name filter (and an exact name, looked up directly).
        self.b.type("#filter-name", "run-07")
        got = self.b.wait("const r = [...document.querySelectorAll('#executions tbody tr a')].map(a => a.textContent);"
                          "return r.length === 10 ? r : null", 10, "the name filter")
        assert all("run-07" in x for x in got), got
        self.shot("executions.png")
        # The status filter is the API's.
        self.b.js("const s = document.querySelector('#filter-status'); s.value = 'FAILED';"
                  "s.dispatchEvent(new Event('change'));")
        self.b.wait("return document.querySelector('#executions tbody').textContent.includes('No executions')", 10,
                    "no FAILED executions")
        # The time filter: nothing started after tomorrow; everything since yesterday.
        self.b.js("const s = document.querySelector('#filter-status'); s.value = '';"
                  "s.dispatchEvent(new Event('change'));"
                  "document.querySelector('#filter-name').value = '';"
                  "const f = document.querySelector('#filter-from');"
                  "f.value = new Date(Date.now() + 86400e3 - new Date().getTimezoneOffset() * 60e3).toISOString().slice(0, 19);"
                  "f.dispatchEvent(new Event('input'));")
        self.b.wait("return document.querySelector('#executions tbody').textContent.includes('No executions')", 10,
                    "no executions started tomorrow")
        self.b.js("const f = document.querySelector('#filter-from');"
                  "f.value = new Date(Date.now() - 86400e3 - new Date().getTimezoneOffset() * 60e3).toISOString().slice(0, 19);"
                  "f.dispatchEvent(new Event('input'));")
        self.b.wait("return document.querySelectorAll('#executions tbody tr a').length === 50", 10,
                    "50 executions started since yesterday")

    def test_start_from_the_page(self):
        d = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"got.$": "$.x"}, "End": True}}})
        std = self.sfn.create_state_machine(name="startme", roleArn=ROLE, definition=d)["stateMachineArn"]
        self.open("#/machine/%s/start" % urllib_quote(std))
        self.b.js("document.querySelector('#start-input').value = arguments[0]", json.dumps({"x": 41}))
        self.b.type("#start-name", "from-the-page")
        self.b.click("#start-button")
        self.b.wait("const s = document.querySelector('#exec-status'); return s && s.dataset.status === 'SUCCEEDED'",
                    10, "the started execution SUCCEEDED")
        assert json.loads(self.b.js("return document.querySelector('#exec-output').textContent")) == {"got": 41}
        arn = std.replace(":stateMachine:", ":execution:") + ":from-the-page"
        assert self.sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"
        ex = self.sfn.create_state_machine(name="startme-express", roleArn=ROLE, definition=d,
                                           type="EXPRESS")["stateMachineArn"]
        self.open("#/machine/%s/start" % urllib_quote(ex))
        self.b.js("document.querySelector('#start-input').value = arguments[0]", json.dumps({"x": 7}))
        self.b.click("#start-button")
        text = self.b.wait("const r = document.querySelector('#sync-result'); return r ? r.textContent : null", 10,
                           "the synchronous result")
        assert "SUCCEEDED" in text and '"got": 7' in text, text

    def test_answer_from_the_page(self):
        act = self.sfn.create_activity(name="console-answer-act")["activityArn"]
        m = self.sfn.create_state_machine(name="answered", roleArn=ROLE,
                                          definition=json.dumps(activity_def(act)))["stateMachineArn"]
        # Success: the activity's page takes the task (GetActivityTask from the
        # browser) and answers it (SendTaskSuccess).
        ex = self.sfn.start_execution(stateMachineArn=m, name="by-the-page")["executionArn"]
        self.open("#/activity/" + urllib_quote(act))
        self.b.click("#take-task")
        self.b.wait("const t = document.querySelector('.answer textarea.token'); return t && t.value.length > 20",
                    20, "the task's token in the form")
        self.b.js("document.querySelector('.answer .task-output').value = arguments[0]", json.dumps({"by": "page"}))
        self.b.click(".answer button.success")
        self.b.wait("return (document.querySelector('.answer-msg') || {}).textContent === 'SendTaskSuccess accepted'",
                    10, "SendTaskSuccess accepted")
        for _ in range(100):
            d = self.sfn.describe_execution(executionArn=ex)
            if d["status"] != "RUNNING":
                break
            time.sleep(0.1)
        assert d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"by": "page"}, d
        # Failure: a token boto3 took, pasted into the task-token page.
        ex = self.sfn.start_execution(stateMachineArn=m, name="failed-by-the-page")["executionArn"]
        token = self.take_task(act)["taskToken"]
        self.open("#/task-token")
        self.b.js("document.querySelector('.answer textarea.token').value = arguments[0];"
                  "document.querySelector('.answer .task-error').value = 'Rejected';"
                  "document.querySelector('.answer .task-cause').value = 'refused in the console';", token)
        self.b.click(".answer button.failure-b")
        self.b.wait("return (document.querySelector('.answer-msg') || {}).textContent === 'SendTaskFailure accepted'",
                    10, "SendTaskFailure accepted")
        for _ in range(100):
            d = self.sfn.describe_execution(executionArn=ex)
            if d["status"] != "RUNNING":
                break
            time.sleep(0.1)
        assert d["status"] == "FAILED" and d["error"] == "Rejected" and d["cause"] == "refused in the console", d

    def test_create_from_the_page(self):
        self.open("#/create")
        self.b.wait("return document.querySelector('.diagnostics .diag.OK')", 10, "the sample validated")
        self.b.type("#create-name", "made-in-the-console")
        self.b.click("#create-button")
        self.b.wait("return location.hash.startsWith('#/machine/') &&"
                    " document.querySelector('svg.graph g[data-state=\"Hello\"]') !== null", 10, "the new machine's graph")
        names = [m["name"] for m in self.sfn.list_state_machines()["stateMachines"]]
        assert "made-in-the-console" in names, names

    def test_versions_aliases_and_saving(self):
        d = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
        m = self.sfn.create_state_machine(name="versioned", roleArn=ROLE, definition=json.dumps(d),
                                          publish=True)["stateMachineArn"]
        d["States"]["A"]["Result"] = 2
        v2 = self.sfn.update_state_machine(stateMachineArn=m, definition=json.dumps(d),
                                           publish=True)["stateMachineVersionArn"]
        self.sfn.create_state_machine_alias(name="live", routingConfiguration=[
            {"stateMachineVersionArn": m + ":1", "weight": 70}, {"stateMachineVersionArn": v2, "weight": 30}])
        self.open("#/machine/%s/versions" % urllib_quote(m))
        got = self.b.wait("const r = [...document.querySelectorAll('#versions tbody a')].map(a => a.textContent);"
                          "return r.length ? r : null", 10, "the versions")
        assert got == ["versioned:2", "versioned:1"], got
        self.open("#/machine/%s/aliases" % urllib_quote(m))
        text = self.b.wait("const t = document.querySelector('#aliases tbody'); return t && t.textContent.includes('live') ? t.textContent : null",
                           10, "the alias")
        assert "versioned:1 70%" in text and "versioned:2 30%" in text, text
        # Save from the editor, publishing version 3.
        self.open("#/machine/%s/edit" % urllib_quote(m))
        self.b.wait("return document.querySelector('#diagnostics .diag.OK')", 10, "the first validation")
        d["States"]["A"]["Result"] = 3
        self.b.js("const t = document.querySelector('#definition-editor'); t.value = arguments[0];"
                  "t.dispatchEvent(new Event('input'));", json.dumps(d, indent=2))
        self.b.click("#publish")
        self.b.click("#save")
        self.b.wait("return document.body.textContent.includes('as versioned:3')", 10, "the saved version")
        got = self.sfn.describe_state_machine(stateMachineArn=m + ":3")
        assert json.loads(got["definition"])["States"]["A"]["Result"] == 3

    def test_editor_validates_as_you_type(self):
        m = self.sfn.create_state_machine(name="edited", roleArn=ROLE, definition=json.dumps(
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
        self.open("#/machine/%s/edit" % urllib_quote(m))
        self.b.wait("return document.querySelector('#diagnostics .diag.OK')", 10, "the first validation")
        bad = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}
        self.b.js("const t = document.querySelector('#definition-editor'); t.value = arguments[0];"
                  "t.dispatchEvent(new Event('input'));", json.dumps(bad, indent=2))
        text = self.b.wait("const d = document.querySelector('#diagnostics .diag.ERROR');"
                           "return d ? d.textContent : null", 10, "an error diagnostic")
        assert "Nowhere" in text, text
        self.shot("editor.png")
        jsonata = {"QueryLanguage": "JSONata", "StartAt": "A", "States": {
            "A": {"Type": "Pass", "Output": "{% $states.input.x + %}", "End": True}}}
        self.b.js("const t = document.querySelector('#definition-editor'); t.value = arguments[0];"
                  "t.dispatchEvent(new Event('input'));", json.dumps(jsonata))
        text = self.b.wait("const d = document.querySelector('#diagnostics .diag.ERROR');"
                           "return d && !d.textContent.includes('Nowhere') ? d.textContent : null", 10,
                           "a JSONata diagnostic")

    def test_firefox(self):
        """The same page in Firefox (Debian's firefox-esr, over WebDriver
        BiDi): the nested graph renders; an execution turns green live."""
        from bidi import Firefox
        ff = Firefox()
        try:
            m = self.sfn.create_state_machine(name="ff-router", roleArn=ROLE, definition=json.dumps(GRAPH_DEF))
            ff.open(self.url + "#/machine/" + urllib_quote(m["stateMachineArn"]))
            ff.wait("return document.querySelectorAll('svg.graph g[data-state]').length >= 11", 30, "the graph")
            labels = ff.js("return [...document.querySelectorAll('svg.graph .edge text.label')].map(t => t.textContent)")
            assert '$.kind == "fan-out"' in labels, labels
            assert ff.js("const a = document.querySelector('g[data-state=\"Left\"] > rect').getBBox(),"
                         " o = document.querySelector('g[data-state=\"FanOut\"] > rect').getBBox();"
                         "return a.x >= o.x && a.y >= o.y && a.x + a.width <= o.x + o.width;")
            if self.args.screenshots:
                ff.screenshot(os.path.join(self.args.screenshots, "firefox-graph.png"))
            act = self.sfn.create_activity(name="ff-act")["activityArn"]
            mm = self.sfn.create_state_machine(name="ff-orders", roleArn=ROLE,
                                               definition=json.dumps(activity_def(act)))["stateMachineArn"]
            ex = self.sfn.start_execution(stateMachineArn=mm, name="ff-1")["executionArn"]
            ff.open(self.url + "#/execution/" + urllib_quote(ex))
            ff.wait("const g = document.querySelector('g[data-state=\"Work\"]'); return g && g.classList.contains('o-running')",
                    20, "Work running")
            t = self.take_task(act)
            self.sfn.send_task_success(taskToken=t["taskToken"], output="{}")
            ff.wait("const g = document.querySelector('g[data-state=\"Work\"]'); return g && g.classList.contains('o-succeeded')",
                    20, "Work succeeded")
            ff.wait("return document.querySelector('#exec-status').dataset.status === 'SUCCEEDED'", 20, "SUCCEEDED")
            print("     (Firefox %s)" % ff.version)
        finally:
            ff.close()

    def run(self):
        self.start_node()
        try:
            self.b = Browser()
        except Exception:
            self.node.terminate()
            raise
        try:
            tests = [t for t in sorted(dir(self)) if t.startswith("test_")]
            order = ["test_page_served", "test_running_execution_turns_green",
                     "test_stop_from_the_page", "test_failed_state_shows_error_and_cause", "test_graph_renders_nested_states",
                     "test_map_run_and_children", "test_executions_list_pages_and_filters", "test_start_from_the_page", "test_answer_from_the_page", "test_create_from_the_page", "test_versions_aliases_and_saving", "test_editor_validates_as_you_type", "test_firefox"]
            tests.sort(key=lambda t: order.index(t) if t in order else 99)
            for t in tests:
                if self.args.k and self.args.k not in t:
                    continue
                t0 = time.monotonic()
                try:
                    getattr(self, t)()
                    self.passed += 1
                    print("ok   %s (%.1fs)" % (t, time.monotonic() - t0), flush=True)
                except Exception:
                    self.failed += 1
                    print("FAIL %s" % t, flush=True)
                    traceback.print_exc()
                    try:
                        os.makedirs(self.tmp, exist_ok=True)
                        self.b.screenshot(os.path.join(self.tmp, t + ".png"))
                        print("     screenshot: %s" % os.path.join(self.tmp, t + ".png"))
                    except Exception:
                        pass
        finally:
            self.b.close()
            self.node.terminate()
            try:
                self.node.wait(10)
            except subprocess.TimeoutExpired:
                self.node.kill()
        if self.failed:
            print("node log:\n" + harness.tail(self.node_log, 30))
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0


def urllib_quote(s):
    return urllib.parse.quote(s, safe="")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--statecraftd", required=True)
    p.add_argument("--console-dir", default="")
    p.add_argument("--screenshots", default="", help="save the screenshots here (docs/console)")
    p.add_argument("-k", default="", help="run only the tests whose name contains this")
    args = p.parse_args()
    return Suite(args).run()


if __name__ == "__main__":
    sys.exit(main())
