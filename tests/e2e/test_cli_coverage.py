"""Every served operation and every modelled error through the AWS CLI.

One scenario (set up with boto3) creates what the operations need: activities
with pending, running, stopped and timed-out tasks, state machines with a
version and aliases, one being deleted, an EXPRESS machine, a FAILED execution
to redrive and a running Distributed Map (a Map Run). CASES then lists, per
operation, one successful call and one call per modelled error
(botocore's `operations[op]["errors"]`); each is made with the real AWS CLI
(`aws stepfunctions <op> --endpoint-url ...`, its exit status and the error
code it prints on stderr checked) and each error case with boto3 as well.

Speed: starting the CLI costs ~0.5 s of CPU per process, so the calls run in
one Python process through the CLI's own entry point (awscli.clidriver, what
the `aws` script runs), one call after the other with the same argv the shell
would pass; a few are also run through the `aws` executable itself, in
parallel, and must give the same exit status and error.

test_every_modelled_error_is_covered walks the service model: for every
operation the node serves (asked of the node: an unknown operation answers
UnknownOperationException), each modelled error must be produced by a case
here, be covered by a named boto3 test elsewhere (COVERED_ELSEWHERE), or be
listed in NOT_ON_STATECRAFT (cannot occur here, with why) or GAPS (AWS would
return it, Statecraft does not; with why). A newly served operation or a new
modelled error makes it fail until it is added to one of them.
"""

import contextlib
import importlib
import inspect
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import unittest

import botocore.exceptions

from common import (ACCOUNT, PASS_DEF, REGION, ROLE_ARN, WAIT_DEF, activity_task_def, client, dumps,
                    endpoint, exec_arn, post_json, service_model, sm_arn, uname, wait_for_status)

AWS = shutil.which("aws")
MODEL = service_model()

_KMS = ("no KMS: Statecraft never calls AWS KMS (a customer-managed key is stored and echoed, "
        "never used), so KMS cannot deny, throttle or find the key disabled")
_CONCURRENT = ("AWS documents ConflictException for concurrent DeleteStateMachineVersion, "
               "PublishStateMachineVersion or UpdateStateMachine(publish=true) requests racing "
               "on one state machine; Statecraft has no detection of such races (each request is "
               "checked against the state it reads), and no test could produce the race "
               "deterministically")

# (operation, error) that cannot occur on Statecraft, with why.
NOT_ON_STATECRAFT = {}
for _op, _errs in {
    "CreateActivity": ("KmsAccessDeniedException", "KmsThrottlingException"),
    "CreateStateMachine": ("KmsAccessDeniedException", "KmsThrottlingException"),
    "UpdateStateMachine": ("KmsAccessDeniedException", "KmsThrottlingException"),
    "DescribeExecution": ("KmsAccessDeniedException", "KmsInvalidStateException", "KmsThrottlingException"),
    "DescribeStateMachine": ("KmsAccessDeniedException", "KmsInvalidStateException", "KmsThrottlingException"),
    "DescribeStateMachineForExecution": ("KmsAccessDeniedException", "KmsInvalidStateException",
                                         "KmsThrottlingException"),
    "GetActivityTask": ("KmsAccessDeniedException", "KmsInvalidStateException", "KmsThrottlingException"),
    "GetExecutionHistory": ("KmsAccessDeniedException", "KmsInvalidStateException", "KmsThrottlingException"),
    "SendTaskFailure": ("KmsAccessDeniedException", "KmsInvalidStateException", "KmsThrottlingException"),
    "SendTaskSuccess": ("KmsAccessDeniedException", "KmsInvalidStateException", "KmsThrottlingException"),
    "StartExecution": ("KmsAccessDeniedException", "KmsInvalidStateException", "KmsThrottlingException"),
    "StartSyncExecution": ("KmsAccessDeniedException", "KmsInvalidStateException", "KmsThrottlingException"),
    "StopExecution": ("KmsAccessDeniedException", "KmsInvalidStateException", "KmsThrottlingException"),
}.items():
    for _e in _errs:
        NOT_ON_STATECRAFT[(_op, _e)] = _KMS
NOT_ON_STATECRAFT.update({
    ("CreateStateMachineAlias", "InvalidName"):
        "the alias name's length and pattern constraints are checked first and answer "
        "ValidationException in Coral's wording (as recorded from AWS in "
        "test_aliases.Validation.test_names); no name passing them is refused",
    ("CreateStateMachineAlias", "InvalidArn"):
        "a routing entry that is not a version ARN answers ValidationException ('Routing "
        "configuration must contain state machine version ARNs', AWS's wording, see "
        "test_aliases.Validation.test_routing_configurations); the request has no other ARN",
    ("DeleteStateMachineAlias", "ResourceNotFound"):
        "deleting an alias that does not exist succeeds (idempotent, see "
        "test_aliases.Lifecycle.test_create_describe_update_delete), and the request names no other resource",
})

# (operation, error) AWS returns and Statecraft does not, with why.
GAPS = {
    ("CreateStateMachine", "InvalidTracingConfiguration"):
        "never answered: tracingConfiguration has one boolean member, a non-boolean is a "
        "SerializationException and {} is taken as enabled=false; when AWS answers "
        "InvalidTracingConfiguration instead has not been recorded",
    ("UpdateStateMachine", "InvalidTracingConfiguration"):
        "never answered: see CreateStateMachine",
    ("CreateStateMachine", "StateMachineTypeNotSupported"):
        "never answered: an unknown type is a ValidationException (enum constraint), and when "
        "AWS answers StateMachineTypeNotSupported to CreateStateMachine is neither documented "
        "nor recorded",
    ("UpdateStateMachineAlias", "StateMachineDeleting"):
        "Statecraft removes a state machine's aliases when DeleteStateMachine is accepted, so "
        "no alias of a DELETING machine is left to update (the answer is ResourceNotFound); "
        "AWS's answer for this case is unrecorded",
    ("CreateStateMachine", "ConflictException"): _CONCURRENT,
    ("UpdateStateMachine", "ConflictException"): _CONCURRENT,
    ("DeleteStateMachineAlias", "ConflictException"): _CONCURRENT,
    ("UpdateStateMachineAlias", "ConflictException"): _CONCURRENT,
}

# (operation, error) covered by a boto3 test in another file and not repeated
# through the CLI here (too slow to set up), as "module.Class.test".
COVERED_ELSEWHERE = {
    ("PublishStateMachineVersion", "ServiceQuotaExceededException"):
        "test_versions.Publish.test_quota_of_1000_versions",
    ("UpdateStateMachine", "ServiceQuotaExceededException"):
        "test_versions.Publish.test_quota_of_1000_versions",
    # On a node of its own with small limits (--state-machine-limit 3,
    # --activity-limit 2, --activity-poller-limit 2): the shared node has
    # AWS's defaults, which CASES cannot reach.
    ("CreateStateMachine", "StateMachineLimitExceeded"):
        "test_quotas.Quotas.test_create_state_machine_past_the_limit",
    ("CreateActivity", "ActivityLimitExceeded"):
        "test_quotas.Quotas.test_create_activity_past_the_limit",
    ("GetActivityTask", "ActivityWorkerLimitExceeded"):
        "test_quotas.Quotas.test_get_activity_task_past_the_poller_limit",
    # --open-execution-limit 2 on a node of its own (memory store; on Redis
    # the open executions quota is not enforced yet, docs/compatibility.md).
    ("StartExecution", "ExecutionLimitExceeded"):
        "test_security_quotas.OpenExecutions.test_start_and_redrive_past_the_limit",
    ("RedriveExecution", "ExecutionLimitExceeded"):
        "test_security_quotas.OpenExecutions.test_start_and_redrive_past_the_limit",
}

LOG_GROUP = "arn:aws:logs:%s:%s:log-group:statecraft-e2e:*" % (REGION, ACCOUNT)
CMK = {"type": "CUSTOMER_MANAGED_KMS_KEY"}


def cli_env():
    env = dict(os.environ)
    env.update({
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": REGION,
        "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard", "AWS_PAGER": "",
        "AWS_EC2_METADATA_DISABLED": "true",
        # StartSyncExecution's "sync-" host prefix (see README).
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
    })
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        env.pop(k, None)
    return env


def kebab(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def cli_argv(op, params):
    """The argv a shell user would type for `op` with `params` (boto3 form)."""
    argv = ["stepfunctions", kebab(op)]
    for k, v in params.items():
        # The CLI renames a member that clashes with a global option
        # (SendTaskSuccess's output is --task-output).
        flag = "--" + ("task-output" if k == "output" else kebab(k))
        if isinstance(v, bool):
            argv.append(flag if v else "--no-" + kebab(k))
        elif isinstance(v, (dict, list)):
            argv += [flag, json.dumps(v)]
        else:
            argv += [flag, str(v)]
    return argv + ["--endpoint-url", endpoint(), "--region", REGION, "--output", "json"]


# Runs argv lists through the CLI's entry point in one process.
_DRIVER = r"""
import contextlib, io, json, sys
from awscli.clidriver import create_clidriver
driver = create_clidriver()
res = []
for argv in json.load(sys.stdin):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = driver.main(argv)
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 2
    res.append([rc, out.getvalue(), err.getvalue()])
json.dump(res, sys.__stdout__)
"""


def _driver_python():
    """A Python that can import the CLI the `aws` command runs."""
    for py in (sys.executable, "python3"):
        if subprocess.run([py, "-c", "import awscli.clidriver"], capture_output=True).returncode == 0:
            return py
    return None


def run_cli_batch(argvs):
    py = _driver_python()
    if py is None:  # one `aws` process per call, in parallel
        return run_aws_executable(argvs)
    p = subprocess.run([py, "-c", _DRIVER], input=json.dumps(argvs), env=cli_env(),
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError("CLI driver failed: %s" % p.stderr[-2000:])
    return json.loads(p.stdout)


def run_aws_executable(argvs):
    res = [None] * len(argvs)

    def one(i):
        p = subprocess.run([AWS] + argvs[i], env=cli_env(), capture_output=True, text=True, timeout=60)
        res[i] = [p.returncode, p.stdout, p.stderr]

    ts = [threading.Thread(target=one, args=(i,)) for i in range(len(argvs))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(90)
    return res


def cli_major():
    import awscli
    return int(awscli.__version__.split(".")[0])


def served_operations():
    served = []
    for op in MODEL.operation_names:
        r = post_json(op, {})
        if not (r.status == 400 and r.error_type() == "UnknownOperationException"):
            served.append(op)
    return served


class Scenario:
    """Resources for CASES, made with boto3."""

    def __init__(self, sfn):
        self.sfn = sfn
        self.cleanups = []
        p = uname("cc")
        self.p = p
        c = sfn

        def act(suffix):
            arn = c.create_activity(name="%s-%s" % (p, suffix))["activityArn"]
            self.cleanups.append(lambda: c.delete_activity(activityArn=arn))
            return arn

        def machine(suffix, definition, **kw):
            arn = c.create_state_machine(name="%s-%s" % (p, suffix), definition=dumps(definition),
                                         roleArn=ROLE_ARN, **kw)["stateMachineArn"]
            self.cleanups.append(lambda: c.delete_state_machine(stateMachineArn=arn))
            return arn

        # Activities and task tokens.
        self.act = act("a")                      # idle: DescribeActivity, tags, ...
        self.act_get = act("get")                # one pending task for the CLI's GetActivityTask
        act_live = act("live")                   # tasks taken by boto3: live tokens
        act_stop = act("stop")                   # its execution is stopped: a dead token
        act_tmo = act("tmo")                     # task with TimeoutSeconds 1: a timed-out token
        self.act_del = act("del")                # DeleteActivity
        sm_get = machine("get", activity_task_def(self.act_get))
        sm_live = machine("live", activity_task_def(act_live))
        sm_stop = machine("stop", activity_task_def(act_stop))
        sm_tmo = machine("tmo", activity_task_def(act_tmo, TimeoutSeconds=1))
        self.running = []
        self.running.append(c.start_execution(stateMachineArn=sm_get)["executionArn"])
        live = [c.start_execution(stateMachineArn=sm_live)["executionArn"] for _ in range(2)]
        self.running += live
        stop_ex = c.start_execution(stateMachineArn=sm_stop)["executionArn"]
        tmo_ex = c.start_execution(stateMachineArn=sm_tmo)["executionArn"]
        self.token_live = [self.task(act_live) for _ in live]
        self.token_dead = self.task(act_stop)
        c.stop_execution(executionArn=stop_ex)
        self.token_tmo = self.task(act_tmo)

        # A state machine with version 1 and an alias on it; its revision
        # moves on after the version (a stale revisionId).
        self.sm = machine("sm", PASS_DEF, publish=True)
        self.v1 = self.sm + ":1"
        for result in ("r1", "r2"):
            u = c.update_state_machine(stateMachineArn=self.sm, definition=dumps(
                {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": True}}}))
            self.stale_revision = self.stale_revision if result == "r2" else u["revisionId"]
        c.create_state_machine_alias(name="live", routingConfiguration=[self.route(self.v1)])
        self.alias = self.sm + ":live"
        c.create_state_machine_alias(name="gone", routingConfiguration=[self.route(self.v1)])
        # A version and an alias for the CLI to delete.
        self.sm_del_parts = machine("dparts", PASS_DEF, publish=True)
        c.create_state_machine_alias(name="old", routingConfiguration=[self.route(self.sm_del_parts + ":1")])
        # 100 aliases: the quota.
        self.sm_full = machine("full", PASS_DEF, publish=True)
        for i in range(100):
            c.create_state_machine_alias(name="a%d" % i, routingConfiguration=[self.route(self.sm_full + ":1")])
        # Deleted with an execution running: DELETING.
        self.sm_deleting = machine("deleting", WAIT_DEF, publish=True)
        c.create_state_machine_alias(name="live", routingConfiguration=[self.route(self.sm_deleting + ":1")])
        self.running.append(c.start_execution(stateMachineArn=self.sm_deleting)["executionArn"])
        c.delete_state_machine(stateMachineArn=self.sm_deleting)
        # Express, to be deleted by the CLI, and a running one to stop.
        self.sm_express = machine("express", PASS_DEF, type="EXPRESS")
        self.sm_to_delete = machine("todelete", PASS_DEF)
        self.sm_wait = machine("wait", WAIT_DEF)
        self.to_stop = c.start_execution(stateMachineArn=self.sm_wait, name="to-stop")["executionArn"]
        self.running.append(self.to_stop)
        self.running_wait = c.start_execution(stateMachineArn=self.sm_wait, name="running")["executionArn"]
        self.running.append(self.running_wait)
        # Executions that ended: one SUCCEEDED, one FAILED (redrivable).
        self.succeeded = c.start_execution(stateMachineArn=self.sm, name="ok")["executionArn"]
        sm_fail = machine("fail", {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}})
        self.failed = c.start_execution(stateMachineArn=sm_fail)["executionArn"]
        # A running Distributed Map: a Map Run.
        sm_map = machine("map", {"StartAt": "M", "States": {"M": {
            "Type": "Map", "MaxConcurrency": 1, "End": True,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                              "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}}}})
        self.map_ex = c.start_execution(stateMachineArn=sm_map, input="[1, 2]")["executionArn"]
        self.running.append(self.map_ex)
        deadline = time.monotonic() + 10
        while True:
            runs = c.list_map_runs(executionArn=self.map_ex)["mapRuns"]
            if runs:
                self.map_run = runs[0]["mapRunArn"]
                break
            assert time.monotonic() < deadline, "no Map Run"
            time.sleep(0.05)
        self.missing_map_run = self.map_run[:-36] + "00000000-0000-4000-8000-000000000000"
        wait_for_status(c, self.succeeded)
        wait_for_status(c, self.failed)
        wait_for_status(c, tmo_ex, timeout=10)

    def task(self, act_arn):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            r = self.sfn.get_activity_task(activityArn=act_arn, workerName="setup")
            if r.get("taskToken"):
                return r["taskToken"]
        raise AssertionError("no task for %s" % act_arn)

    @staticmethod
    def route(version, weight=100):
        return {"stateMachineVersionArn": version, "weight": weight}

    def close(self):
        for ex in self.running:
            try:
                self.sfn.stop_execution(executionArn=ex)
            except Exception:
                pass
        for f in reversed(self.cleanups):
            try:
                f()
            except Exception:
                pass


def cases(s):
    """(operation, expected error code or None for success, boto3 params).
    Run in this order (the deletions come last)."""
    p = s.p
    missing_sm = sm_arn(p + "-missing")
    missing_ex = exec_arn(p + "-missing", "x")
    bad_token = "not-a-token"
    long_arn = s.sm + ":" + "x" * 2100  # past the ARN maximum (256, 2048 for versions): Coral ValidationException
    tags51 = [{"key": "k%d" % i, "value": "v"} for i in range(51)]
    pass2 = dumps({"StartAt": "Q", "States": {"Q": {"Type": "Pass", "End": True}}})
    return [
        # -- activities ---------------------------------------------------
        ("CreateActivity", None, {"name": p + "-new"}),
        ("CreateActivity", "InvalidName", {"name": "bad name"}),
        ("CreateActivity", "TooManyTags", {"name": p + "-tags", "tags": tags51}),
        ("CreateActivity", "InvalidEncryptionConfiguration", {"name": p + "-enc", "encryptionConfiguration": CMK}),
        ("CreateActivity", "ActivityAlreadyExists",
         {"name": p + "-a", "encryptionConfiguration": dict(CMK, kmsKeyId="alias/other")}),
        ("DescribeActivity", None, {"activityArn": s.act}),
        ("DescribeActivity", "ActivityDoesNotExist", {"activityArn": s.act + "-missing"}),
        ("DescribeActivity", "InvalidArn", {"activityArn": "not-an-arn"}),
        ("ListActivities", None, {"maxResults": 2}),
        ("ListActivities", "InvalidToken", {"nextToken": bad_token}),
        ("GetActivityTask", None, {"activityArn": s.act_get, "workerName": "cli"}),
        ("GetActivityTask", "ActivityDoesNotExist", {"activityArn": s.act + "-missing"}),
        ("GetActivityTask", "InvalidArn", {"activityArn": "not-an-arn"}),
        ("SendTaskHeartbeat", None, {"taskToken": s.token_live[0]}),
        ("SendTaskHeartbeat", "InvalidToken", {"taskToken": bad_token}),
        ("SendTaskHeartbeat", "TaskDoesNotExist", {"taskToken": s.token_dead}),
        ("SendTaskHeartbeat", "TaskTimedOut", {"taskToken": s.token_tmo}),
        ("SendTaskSuccess", "InvalidOutput", {"taskToken": s.token_live[0], "output": "{not json"}),
        ("SendTaskSuccess", None, {"taskToken": s.token_live[0], "output": '{"done": true}'}),
        ("SendTaskSuccess", "InvalidToken", {"taskToken": bad_token, "output": "{}"}),
        ("SendTaskSuccess", "TaskDoesNotExist", {"taskToken": s.token_dead, "output": "{}"}),
        ("SendTaskSuccess", "TaskTimedOut", {"taskToken": s.token_tmo, "output": "{}"}),
        ("SendTaskFailure", None, {"taskToken": s.token_live[1], "error": "E", "cause": "c"}),
        ("SendTaskFailure", "InvalidToken", {"taskToken": bad_token}),
        ("SendTaskFailure", "TaskDoesNotExist", {"taskToken": s.token_dead}),
        ("SendTaskFailure", "TaskTimedOut", {"taskToken": s.token_tmo}),
        # -- state machines ---------------------------------------------------
        ("CreateStateMachine", None, {"name": p + "-created", "definition": dumps(PASS_DEF), "roleArn": ROLE_ARN,
                                      "publish": True, "versionDescription": "v1"}),
        ("CreateStateMachine", "InvalidArn", {"name": p + "-x", "definition": dumps(PASS_DEF), "roleArn": "not-an-arn"}),
        ("CreateStateMachine", "InvalidDefinition", {"name": p + "-x", "definition": "{", "roleArn": ROLE_ARN}),
        ("CreateStateMachine", "InvalidName", {"name": "bad name", "definition": dumps(PASS_DEF), "roleArn": ROLE_ARN}),
        ("CreateStateMachine", "InvalidLoggingConfiguration",
         {"name": p + "-x", "definition": dumps(PASS_DEF), "roleArn": ROLE_ARN,
          "loggingConfiguration": {"level": "ALL", "destinations": []}}),
        ("CreateStateMachine", "StateMachineAlreadyExists", {"name": p + "-sm", "definition": pass2, "roleArn": ROLE_ARN}),
        ("CreateStateMachine", "StateMachineDeleting",
         {"name": p + "-deleting", "definition": dumps(WAIT_DEF), "roleArn": ROLE_ARN}),
        ("CreateStateMachine", "TooManyTags",
         {"name": p + "-x", "definition": dumps(PASS_DEF), "roleArn": ROLE_ARN, "tags": tags51}),
        ("CreateStateMachine", "ValidationException",
         {"name": p + "-x", "definition": dumps(PASS_DEF), "roleArn": ROLE_ARN, "versionDescription": "d"}),
        ("CreateStateMachine", "InvalidEncryptionConfiguration",
         {"name": p + "-x", "definition": dumps(PASS_DEF), "roleArn": ROLE_ARN, "encryptionConfiguration": CMK}),
        ("DescribeStateMachine", None, {"stateMachineArn": s.v1}),
        ("DescribeStateMachine", "InvalidArn", {"stateMachineArn": "not-an-arn"}),
        ("DescribeStateMachine", "StateMachineDoesNotExist", {"stateMachineArn": missing_sm}),
        ("UpdateStateMachine", None, {"stateMachineArn": s.sm_wait, "definition": dumps(WAIT_DEF),
                                      "tracingConfiguration": {"enabled": True}}),
        ("UpdateStateMachine", "InvalidArn", {"stateMachineArn": s.v1, "definition": pass2}),
        ("UpdateStateMachine", "InvalidDefinition", {"stateMachineArn": s.sm_wait, "definition": "{"}),
        ("UpdateStateMachine", "InvalidLoggingConfiguration",
         {"stateMachineArn": s.sm_wait, "loggingConfiguration": {"level": "ALL", "destinations": []}}),
        ("UpdateStateMachine", "MissingRequiredParameter", {"stateMachineArn": s.sm_wait}),
        ("UpdateStateMachine", "StateMachineDeleting", {"stateMachineArn": s.sm_deleting, "definition": pass2,
                                                        "publish": True}),
        ("UpdateStateMachine", "StateMachineDoesNotExist", {"stateMachineArn": missing_sm, "definition": pass2}),
        ("UpdateStateMachine", "ValidationException",
         {"stateMachineArn": s.sm_wait, "roleArn": ROLE_ARN, "versionDescription": "d"}),
        ("UpdateStateMachine", "InvalidEncryptionConfiguration",
         {"stateMachineArn": s.sm_wait, "encryptionConfiguration": CMK}),
        ("ListStateMachines", None, {"maxResults": 2}),
        ("ListStateMachines", "InvalidToken", {"nextToken": bad_token}),
        ("ValidateStateMachineDefinition", None, {"definition": dumps(PASS_DEF), "type": "STANDARD"}),
        ("ValidateStateMachineDefinition", "ValidationException", {"definition": dumps(PASS_DEF), "severity": "BOGUS"}),
        # -- versions -------------------------------------------------------
        ("PublishStateMachineVersion", None, {"stateMachineArn": s.sm, "description": "v2"}),
        ("PublishStateMachineVersion", "ValidationException", {"stateMachineArn": s.sm, "description": "d" * 257}),
        ("PublishStateMachineVersion", "StateMachineDeleting", {"stateMachineArn": s.sm_deleting}),
        ("PublishStateMachineVersion", "StateMachineDoesNotExist", {"stateMachineArn": missing_sm}),
        ("PublishStateMachineVersion", "ConflictException",
         {"stateMachineArn": s.sm, "revisionId": s.stale_revision}),
        ("PublishStateMachineVersion", "InvalidArn", {"stateMachineArn": s.v1}),
        ("ListStateMachineVersions", None, {"stateMachineArn": s.sm}),
        ("ListStateMachineVersions", "ValidationException", {"stateMachineArn": s.sm, "maxResults": 1001}),
        ("ListStateMachineVersions", "InvalidArn", {"stateMachineArn": s.v1}),
        ("ListStateMachineVersions", "InvalidToken", {"stateMachineArn": s.sm, "nextToken": bad_token}),
        # -- aliases ----------------------------------------------------------
        ("CreateStateMachineAlias", None, {"name": "beta", "routingConfiguration": [s.route(s.v1)]}),
        ("CreateStateMachineAlias", "ValidationException",
         {"name": "x", "routingConfiguration": [s.route(s.v1, 70), s.route(s.sm + ":2", 29)]}),
        ("CreateStateMachineAlias", "StateMachineDeleting",
         {"name": "x", "routingConfiguration": [s.route(s.sm_deleting + ":1")]}),
        ("CreateStateMachineAlias", "ResourceNotFound", {"name": "x", "routingConfiguration": [s.route(s.sm + ":99")]}),
        ("CreateStateMachineAlias", "ConflictException",
         {"name": "live", "description": "other", "routingConfiguration": [s.route(s.v1)]}),
        ("CreateStateMachineAlias", "ServiceQuotaExceededException",
         {"name": "more", "routingConfiguration": [s.route(s.sm_full + ":1")]}),
        ("DescribeStateMachineAlias", None, {"stateMachineAliasArn": s.alias}),
        ("DescribeStateMachineAlias", "ValidationException", {"stateMachineAliasArn": long_arn}),
        ("DescribeStateMachineAlias", "InvalidArn", {"stateMachineAliasArn": s.v1}),
        ("DescribeStateMachineAlias", "ResourceNotFound", {"stateMachineAliasArn": s.sm + ":nope"}),
        ("UpdateStateMachineAlias", None, {"stateMachineAliasArn": s.alias, "description": "updated"}),
        ("UpdateStateMachineAlias", "ValidationException", {"stateMachineAliasArn": s.alias}),
        ("UpdateStateMachineAlias", "InvalidArn", {"stateMachineAliasArn": s.v1, "description": "x"}),
        ("UpdateStateMachineAlias", "ResourceNotFound", {"stateMachineAliasArn": s.sm + ":nope", "description": "x"}),
        ("ListStateMachineAliases", None, {"stateMachineArn": s.sm}),
        ("ListStateMachineAliases", "InvalidArn", {"stateMachineArn": s.alias}),
        ("ListStateMachineAliases", "InvalidToken", {"stateMachineArn": s.sm, "nextToken": bad_token}),
        ("ListStateMachineAliases", "StateMachineDoesNotExist", {"stateMachineArn": missing_sm}),
        ("ListStateMachineAliases", "ResourceNotFound", {"stateMachineArn": s.sm + ":99"}),
        ("ListStateMachineAliases", "StateMachineDeleting", {"stateMachineArn": s.sm_deleting}),
        # -- executions -------------------------------------------------------
        ("StartExecution", None, {"stateMachineArn": s.alias, "input": "{}"}),
        ("StartExecution", "ExecutionAlreadyExists", {"stateMachineArn": s.sm_wait, "name": "running",
                                                      "input": '{"other": 1}'}),
        ("StartExecution", "InvalidArn", {"stateMachineArn": "not-an-arn"}),
        ("StartExecution", "InvalidExecutionInput", {"stateMachineArn": s.sm, "input": "{not json"}),
        ("StartExecution", "InvalidName", {"stateMachineArn": s.sm, "name": "bad name"}),
        ("StartExecution", "StateMachineDoesNotExist", {"stateMachineArn": missing_sm}),
        ("StartExecution", "StateMachineDeleting", {"stateMachineArn": s.sm_deleting}),
        ("StartExecution", "ValidationException", {"stateMachineArn": s.sm, "name": "e" * 81}),
        ("StartSyncExecution", None, {"stateMachineArn": s.sm_express, "input": '{"a": 1}'}),
        ("StartSyncExecution", "InvalidArn", {"stateMachineArn": "not-an-arn"}),
        ("StartSyncExecution", "InvalidExecutionInput", {"stateMachineArn": s.sm_express, "input": "{not json"}),
        ("StartSyncExecution", "InvalidName", {"stateMachineArn": s.sm_express, "name": "bad name"}),
        ("StartSyncExecution", "StateMachineDoesNotExist", {"stateMachineArn": missing_sm}),
        ("StartSyncExecution", "StateMachineTypeNotSupported", {"stateMachineArn": s.sm}),
        ("StartSyncExecution", "StateMachineDeleting", {"stateMachineArn": s.sm_deleting}),
        ("DescribeExecution", None, {"executionArn": s.succeeded}),
        ("DescribeExecution", "ExecutionDoesNotExist", {"executionArn": missing_ex}),
        ("DescribeExecution", "InvalidArn", {"executionArn": "not-an-arn"}),
        ("DescribeStateMachineForExecution", None, {"executionArn": s.succeeded}),
        ("DescribeStateMachineForExecution", "ExecutionDoesNotExist", {"executionArn": missing_ex}),
        ("DescribeStateMachineForExecution", "InvalidArn", {"executionArn": "not-an-arn"}),
        ("GetExecutionHistory", None, {"executionArn": s.succeeded, "reverseOrder": True}),
        ("GetExecutionHistory", "ExecutionDoesNotExist", {"executionArn": missing_ex}),
        ("GetExecutionHistory", "InvalidArn", {"executionArn": "not-an-arn"}),
        ("GetExecutionHistory", "InvalidToken", {"executionArn": s.succeeded, "nextToken": bad_token}),
        ("ListExecutions", None, {"stateMachineArn": s.sm, "statusFilter": "SUCCEEDED"}),
        ("ListExecutions", "InvalidArn", {"stateMachineArn": "not-an-arn"}),
        ("ListExecutions", "InvalidToken", {"stateMachineArn": s.sm, "nextToken": bad_token}),
        ("ListExecutions", "StateMachineDoesNotExist", {"stateMachineArn": missing_sm}),
        ("ListExecutions", "StateMachineTypeNotSupported", {"stateMachineArn": s.sm_express}),
        ("ListExecutions", "ValidationException", {}),
        ("ListExecutions", "ResourceNotFound", {"mapRunArn": s.missing_map_run}),
        ("StopExecution", None, {"executionArn": s.to_stop, "error": "E", "cause": "stopped by the CLI"}),
        ("StopExecution", "ExecutionDoesNotExist", {"executionArn": missing_ex}),
        ("StopExecution", "InvalidArn", {"executionArn": "not-an-arn"}),
        ("StopExecution", "ValidationException", {"executionArn": s.running_wait, "error": "e" * 257}),
        ("RedriveExecution", None, {"executionArn": s.failed}),
        ("RedriveExecution", "ExecutionDoesNotExist", {"executionArn": missing_ex}),
        ("RedriveExecution", "ExecutionNotRedrivable", {"executionArn": s.succeeded}),
        ("RedriveExecution", "InvalidArn", {"executionArn": "not-an-arn"}),
        ("RedriveExecution", "ValidationException", {"executionArn": s.failed, "clientToken": "has space"}),
        # -- Map Runs ---------------------------------------------------------
        ("ListMapRuns", None, {"executionArn": s.map_ex}),
        ("ListMapRuns", "ExecutionDoesNotExist", {"executionArn": missing_ex}),
        ("ListMapRuns", "InvalidArn", {"executionArn": "not-an-arn"}),
        ("ListMapRuns", "InvalidToken", {"executionArn": s.map_ex, "nextToken": bad_token}),
        ("DescribeMapRun", None, {"mapRunArn": s.map_run}),
        ("DescribeMapRun", "ResourceNotFound", {"mapRunArn": s.missing_map_run}),
        ("DescribeMapRun", "InvalidArn", {"mapRunArn": "not-an-arn"}),
        ("UpdateMapRun", None, {"mapRunArn": s.map_run, "maxConcurrency": 2, "toleratedFailureCount": 1}),
        ("UpdateMapRun", "ResourceNotFound", {"mapRunArn": s.missing_map_run, "maxConcurrency": 1}),
        ("UpdateMapRun", "InvalidArn", {"mapRunArn": "not-an-arn", "maxConcurrency": 1}),
        ("UpdateMapRun", "ValidationException", {"mapRunArn": s.map_run, "toleratedFailurePercentage": 100.5}),
        # -- tags ---------------------------------------------------------------
        ("TagResource", None, {"resourceArn": s.act, "tags": [{"key": "team", "value": "cli"}]}),
        ("TagResource", "InvalidArn", {"resourceArn": "not-an-arn", "tags": [{"key": "k", "value": "v"}]}),
        ("TagResource", "ResourceNotFound", {"resourceArn": missing_sm, "tags": [{"key": "k", "value": "v"}]}),
        ("TagResource", "TooManyTags", {"resourceArn": s.act, "tags": tags51}),
        ("ListTagsForResource", None, {"resourceArn": s.act}),
        ("ListTagsForResource", "InvalidArn", {"resourceArn": "not-an-arn"}),
        ("ListTagsForResource", "ResourceNotFound", {"resourceArn": missing_sm}),
        ("UntagResource", None, {"resourceArn": s.act, "tagKeys": ["team"]}),
        ("UntagResource", "InvalidArn", {"resourceArn": "not-an-arn", "tagKeys": ["k"]}),
        ("UntagResource", "ResourceNotFound", {"resourceArn": missing_sm, "tagKeys": ["k"]}),
        # -- TestState (served once TestState is added) ------------------------
        ("TestState", None, {"definition": dumps({"Type": "Pass", "End": True}), "roleArn": ROLE_ARN,
                             "input": '{"a": 1}'}),
        ("TestState", "InvalidDefinition", {"definition": dumps({"Type": "Nope"}), "roleArn": ROLE_ARN}),
        ("TestState", "InvalidArn", {"definition": dumps({"Type": "Pass", "End": True}), "roleArn": "not-an-arn"}),
        ("TestState", "InvalidExecutionInput", {"definition": dumps({"Type": "Pass", "End": True}),
                                                "roleArn": ROLE_ARN, "input": "{not json"}),
        ("TestState", "ValidationException", {"definition": dumps({"Type": "Pass", "End": True}),
                                              "roleArn": ROLE_ARN, "inspectionLevel": "BOGUS"}),
        # -- deletions ----------------------------------------------------------
        ("DeleteStateMachineVersion", "ConflictException", {"stateMachineVersionArn": s.v1}),
        ("DeleteStateMachineVersion", "ValidationException", {"stateMachineVersionArn": long_arn}),
        ("DeleteStateMachineVersion", "InvalidArn", {"stateMachineVersionArn": s.sm}),
        ("DeleteStateMachineAlias", None, {"stateMachineAliasArn": s.sm_del_parts + ":old"}),
        ("DeleteStateMachineVersion", None, {"stateMachineVersionArn": s.sm_del_parts + ":1"}),
        ("DeleteStateMachineAlias", "ValidationException", {"stateMachineAliasArn": long_arn}),
        ("DeleteStateMachineAlias", "InvalidArn", {"stateMachineAliasArn": s.sm}),
        ("DeleteStateMachine", None, {"stateMachineArn": s.sm_to_delete}),
        ("DeleteStateMachine", "InvalidArn", {"stateMachineArn": s.alias}),
        ("DeleteStateMachine", "ValidationException", {"stateMachineArn": long_arn}),
        ("DeleteActivity", None, {"activityArn": s.act_del}),
        ("DeleteActivity", "InvalidArn", {"activityArn": "not-an-arn"}),
    ]


@unittest.skipIf(AWS is None, "aws CLI not installed")
class CliCoverage(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        t0 = time.monotonic()
        cls.sfn = client()
        cls.served = served_operations()
        cls.scenario = Scenario(cls.sfn)
        cls.cases = [c for c in cases(cls.scenario) if c[0] in cls.served]
        t1 = time.monotonic()
        # One process, one call after the other: on a busy machine this beats
        # parallel processes (each pays the CLI's start-up again).
        cls.argvs = [cli_argv(op, params) for op, _, params in cls.cases]
        cls.results = run_cli_batch(cls.argvs)
        t2 = time.monotonic()
        # The same error calls through boto3.
        cls.boto3_codes = []
        for op, code, params in cls.cases:
            if code is None:
                cls.boto3_codes.append(None)
                continue
            fn = getattr(cls.sfn, _snake(op))
            try:
                fn(**params)
                cls.boto3_codes.append("(no error)")
            except botocore.exceptions.ClientError as e:
                cls.boto3_codes.append(e.response["Error"]["Code"])
        print("\ntest_cli_coverage: setup %.1fs, %d CLI calls %.1fs" % (t1 - t0, len(cls.argvs), t2 - t1),
              file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        cls.scenario.close()

    def test_cli_successes(self):
        bad = []
        for (op, code, params), (rc, out, err) in zip(self.cases, self.results):
            if code is not None:
                continue
            if rc != 0:
                bad.append("%s: exit %d: %s" % (op, rc, err.strip()[:300]))
                continue
            try:
                json.loads(out) if out.strip() else {}
            except ValueError:
                bad.append("%s: stdout is not JSON: %r" % (op, out[:200]))
        self.assertEqual(bad, [])

    def test_cli_success_outputs(self):
        by_op = {}
        for (op, code, params), (rc, out, err) in zip(self.cases, self.results):
            if code is None and rc == 0:
                by_op.setdefault(op, json.loads(out) if out.strip() else {})
        s = self.scenario
        self.assertEqual(by_op["GetActivityTask"]["input"], "{}")
        self.assertIn("taskToken", by_op["GetActivityTask"])
        self.assertEqual(by_op["DescribeStateMachine"]["stateMachineArn"], s.v1)
        self.assertEqual(by_op["PublishStateMachineVersion"]["stateMachineVersionArn"], s.sm + ":2")
        self.assertEqual(by_op["CreateStateMachineAlias"]["stateMachineAliasArn"], s.sm + ":beta")
        self.assertEqual(by_op["StartSyncExecution"]["status"], "SUCCEEDED")
        self.assertEqual(json.loads(by_op["StartSyncExecution"]["output"]), {"ok": True})
        self.assertEqual(by_op["DescribeExecution"]["status"], "SUCCEEDED")
        self.assertEqual([e["type"] for e in by_op["GetExecutionHistory"]["events"]][0], "ExecutionSucceeded")
        self.assertEqual(by_op["DescribeMapRun"]["mapRunArn"], s.map_run)
        self.assertEqual([r["mapRunArn"] for r in by_op["ListMapRuns"]["mapRuns"]], [s.map_run])
        self.assertEqual(by_op["ListTagsForResource"]["tags"], [{"key": "team", "value": "cli"}])
        self.assertIn("redriveDate", by_op["RedriveExecution"])
        self.assertEqual(by_op["ValidateStateMachineDefinition"]["result"], "OK")
        # and their effects
        d = self.sfn.describe_execution(executionArn=s.to_stop)
        self.assertEqual((d["status"], d.get("error"), d.get("cause")), ("ABORTED", "E", "stopped by the CLI"))
        m = self.sfn.describe_map_run(mapRunArn=s.map_run)
        self.assertEqual((m["maxConcurrency"], m["toleratedFailureCount"]), (2, 1))
        self.assertEqual(self.sfn.describe_state_machine_alias(stateMachineAliasArn=s.alias)["description"],
                         "updated")
        self.assertEqual(self.sfn.list_state_machine_versions(stateMachineArn=s.sm_del_parts)["stateMachineVersions"],
                         [])
        self.assertRaises(self.sfn.exceptions.StateMachineDoesNotExist, self.sfn.describe_state_machine,
                          stateMachineArn=s.sm_to_delete)
        self.assertRaises(self.sfn.exceptions.ActivityDoesNotExist, self.sfn.describe_activity,
                          activityArn=s.act_del)

    def test_cli_errors(self):
        want_rc = 255 if cli_major() == 1 else 254  # CLI v1 / v2 exit status for a service error
        bad = []
        for (op, code, params), (rc, out, err) in zip(self.cases, self.results):
            if code is None:
                continue
            needle = "An error occurred (%s) when calling the %s operation" % (code, op)
            if rc != want_rc or needle not in err:
                bad.append("%s/%s: exit %d, stderr %r" % (op, code, rc, err.strip()[:300]))
        self.assertEqual(bad, [])

    def test_boto3_errors(self):
        bad = ["%s: wanted %s, boto3 got %s" % (op, code, got)
               for (op, code, _), got in zip(self.cases, self.boto3_codes)
               if code is not None and got != code]
        self.assertEqual(bad, [])

    def test_aws_executable_agrees(self):
        """A sample run through the `aws` command itself gives the same exit
        status and error as through its entry point."""
        picks = [i for i, (op, code, _) in enumerate(self.cases)
                 if (op, code) in {("StartSyncExecution", None), ("ListMapRuns", "InvalidArn")}]
        self.assertEqual(len(picks), 2)
        got = run_aws_executable([self.argvs[i] for i in picks])
        for i, (rc, out, err) in zip(picks, got):
            want = self.results[i]
            self.assertEqual(rc, want[0], (self.cases[i][:2], err))
            code = self.cases[i][1]
            if code:
                self.assertIn("(%s)" % code, err)
            else:
                self.assertEqual(json.loads(out).keys(), json.loads(want[1]).keys())

    def test_every_modelled_error_is_covered(self):
        covered = {(op, code) for op, code, _ in self.cases}
        problems, listed = [], []
        for op in self.served:
            if (op, None) not in covered:
                problems.append("%s: no successful CLI call in CASES" % op)
            for err in [e.name for e in MODEL.operation_model(op).error_shapes]:
                key = (op, err)
                where = [k for k, t in (("CASES", covered), ("COVERED_ELSEWHERE", COVERED_ELSEWHERE),
                                        ("NOT_ON_STATECRAFT", NOT_ON_STATECRAFT), ("GAPS", GAPS)) if key in t]
                if not where:
                    problems.append("%s/%s: modelled error not covered by CASES, COVERED_ELSEWHERE, "
                                    "NOT_ON_STATECRAFT or GAPS" % key)
                elif len(where) > 1:
                    problems.append("%s/%s: listed in %s" % (op, err, " and ".join(where)))
                if key in COVERED_ELSEWHERE:
                    problems += self._check_elsewhere(key, COVERED_ELSEWHERE[key])
                if key in GAPS:
                    listed.append("GAP %s/%s: %s" % (op, err, GAPS[key]))
        # Nothing stale: every listed pair is a modelled error of its operation.
        for table in (COVERED_ELSEWHERE, NOT_ON_STATECRAFT, GAPS):
            for op, err in table:
                errs = [e.name for e in MODEL.operation_model(op).error_shapes] if op in MODEL.operation_names else []
                if err not in errs:
                    problems.append("%s/%s is listed but is not a modelled error of %s" % (op, err, op))
        for op, code, _ in cases(_NoScenario()):
            if code is not None and code not in [e.name for e in MODEL.operation_model(op).error_shapes] \
                    and code != "ValidationException":
                problems.append("CASES %s/%s is not a modelled error" % (op, code))
        if listed:
            print("\n" + "\n".join(listed), file=sys.stderr)
        self.assertEqual(problems, [])

    @staticmethod
    def _check_elsewhere(key, ref):
        module, cls, test = ref.split(".")
        try:
            fn = getattr(getattr(importlib.import_module(module), cls), test)
        except (ImportError, AttributeError):
            return ["%s/%s: %s does not exist" % (key[0], key[1], ref)]
        src = inspect.getsource(fn)
        if key[1] not in src or _snake(key[0]) not in src:
            return ["%s/%s: %s does not call %s expecting %s" % (key[0], key[1], ref, _snake(key[0]), key[1])]
        return []


class _NoScenario:
    """Stand-in to list CASES' (operation, error) pairs without resources."""

    p = "x"

    def __getattr__(self, name):
        if name == "token_live":
            return ["t", "t"]
        return "arn:aws:states:us-east-1:123456789012:stateMachine:x"

    @staticmethod
    def route(version, weight=100):
        return {"stateMachineVersionArn": version, "weight": weight}


def _snake(op):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower()


if __name__ == "__main__":
    unittest.main()
