"""Walks botocore's Step Functions service model shape by shape against a
running node, so that a field or a request rule no test covers shows up.

* Which operations the node serves is asked of the node itself (an unknown
  operation answers UnknownOperationException). Operations it does not
  serve are printed as "not served", not failed.
* Outputs: one scenario calls every served operation with raw HTTP and
  records each answer. Every member of every output shape (nested
  structures, list items and map values included) must appear in some
  recorded answer, or be in OUTPUT_ALLOWLIST below with the reason it
  cannot appear here. A served operation the scenario never called fails
  the test: a newly served operation must come with its scenario step.
  Every answer must also match its shape (no unknown members, required
  members present, wire types right).
* Inputs: every constraint of every input member (required, min/max
  length, pattern, enum, integer range, list length; nested members too)
  is violated once, alone, and must answer ValidationException in Coral's
  wording ("1 validation error detected: Value ... at 'member' failed to
  satisfy constraint: ..."); a member of the wrong JSON type must answer
  SerializationException. Exceptions are in CONSTRAINT_ALLOWLIST with
  their reason.
"""

import fnmatch
import json
import re
import sys
import unittest

from common import (ACCOUNT, REGION, ROLE_ARN, activity_arn, post_json, service_model,
                    shape_errors, sm_arn, uname, wait_for_status, client)

MODEL = service_model()
LOG_GROUP = "arn:aws:logs:%s:%s:log-group:statecraft-e2e:*" % (REGION, ACCOUNT)
KMS_KEY = "arn:aws:kms:%s:%s:key/1234abcd-12ab-34cd-56ef-1234567890ab" % (REGION, ACCOUNT)

# Output members that no scenario on this node can produce, with why.
# Keys are fnmatch patterns over "<Operation>.<member>[.<member>…]" ("[]" for
# a list item, "{}" for a map value).
OUTPUT_ALLOWLIST = {
    # Distributed Map labels (DescribeStateMachine on a labelled ARN is not
    # served yet) and itemCount (AWS documents it for ItemReader runs).
    "DescribeStateMachine.label": "only on a Distributed Map label ARN (Map Runs)",
    "ListExecutions.executions[].itemCount": "only for Map Run child executions",
    # No recording of a failed Map Run from AWS is at hand: Statecraft
    # records MapRunFailed without details.
    "GetExecutionHistory.events[].mapRunFailedEventDetails*": "MapRunFailed recorded without details (unverified)",
    # Task resources other than activities come with the AWS service
    # integrations issue; Lambda ARNs as resources likewise.
    "GetExecutionHistory.events[].taskScheduledEventDetails*": "service integration tasks (later issue)",
    "GetExecutionHistory.events[].taskStartFailedEventDetails*": "service integration tasks (later issue)",
    "GetExecutionHistory.events[].taskSubmitFailedEventDetails*": "service integration tasks (later issue)",
    "GetExecutionHistory.events[].taskSubmittedEventDetails*": "service integration tasks (later issue)",
    "GetExecutionHistory.events[].taskStartedEventDetails*": "service integration tasks (later issue)",
    "GetExecutionHistory.events[].taskSucceededEventDetails*": "service integration tasks (later issue)",
    "GetExecutionHistory.events[].taskFailedEventDetails*": "service integration tasks (later issue)",
    "GetExecutionHistory.events[].taskTimedOutEventDetails*": "service integration tasks (later issue)",
    "GetExecutionHistory.events[].lambdaFunction*": "Lambda Task resources (service integrations issue)",
    # Timeouts: AWS records the error States.Timeout without a cause (the
    # activity case is in the conformance recordings).
    "GetExecutionHistory.events[].activityTimedOutEventDetails.cause": "AWS gives no cause for a timeout",
    "GetExecutionHistory.events[].executionTimedOutEventDetails.cause": "AWS gives no cause for a timeout",
    # Activity events and fields this scenario does not bring about.
    # TestState: an HTTP Task's request and response at TRACE (no HTTP Task
    # yet), and ItemsPointer (a JSON file read by an ItemReader).
    "TestState.inspectionData.request*": "HTTP Task only (HTTP Tasks come with the integrations issue)",
    "TestState.inspectionData.response*": "HTTP Task only (HTTP Tasks come with the integrations issue)",
    "TestState.inspectionData.afterItemsPointer": "ItemsPointer reads a JSON file through an ItemReader (S3)",
    "GetExecutionHistory.events[].activityScheduleFailedEventDetails*":
        "Statecraft never fails to schedule an activity task (no IAM, no KMS); when AWS emits "
        "ActivityScheduleFailed has not been recorded",
}

# Input constraints not enforced, with why. Keys: (operation, member path, kind).
_TOO_BIG = ("a definition of 1,048,577 characters cannot be sent: the request exceeds the 1 MB "
            "request quota first (HTTP 413 here; AWS's request size limit too)")
CONSTRAINT_ALLOWLIST = {
    ("CreateStateMachine", "definition", "max"): _TOO_BIG,
    ("UpdateStateMachine", "definition", "max"): _TOO_BIG,
    ("ValidateStateMachineDefinition", "definition", "max"): _TOO_BIG,
    ("TestState", "definition", "max"): _TOO_BIG,
}

# A valid request per operation: each violation changes one member of it.
# Its resources need not exist (Coral validation runs first).
def base_requests(name):
    sm = sm_arn(name)
    ex = "arn:aws:states:%s:%s:execution:%s:e1" % (REGION, ACCOUNT, name)
    act = activity_arn(name)
    enc = {"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": KMS_KEY, "kmsDataKeyReusePeriodSeconds": 300}
    logging = {"level": "ALL", "includeExecutionData": True,
               "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": LOG_GROUP}}]}
    tags = [{"key": "k", "value": "v"}]
    route = [{"stateMachineVersionArn": sm + ":1", "weight": 100}]
    definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    return {
        "CreateActivity": {"name": name, "tags": tags, "encryptionConfiguration": enc},
        "CreateStateMachine": {"name": name, "definition": definition, "roleArn": ROLE_ARN,
                               "type": "STANDARD", "loggingConfiguration": logging, "tags": tags,
                               "tracingConfiguration": {"enabled": True}, "publish": True,
                               "versionDescription": "d", "encryptionConfiguration": enc},
        "CreateStateMachineAlias": {"description": "d", "name": "live", "routingConfiguration": route},
        "DeleteActivity": {"activityArn": act},
        "DeleteStateMachine": {"stateMachineArn": sm},
        "DeleteStateMachineAlias": {"stateMachineAliasArn": sm + ":live"},
        "DeleteStateMachineVersion": {"stateMachineVersionArn": sm + ":1"},
        "DescribeActivity": {"activityArn": act},
        "DescribeExecution": {"executionArn": ex, "includedData": "ALL_DATA"},
        "DescribeMapRun": {"mapRunArn": "arn:aws:states:%s:%s:mapRun:model-walk/m:r" % (REGION, ACCOUNT)},
        "DescribeStateMachine": {"stateMachineArn": sm, "includedData": "ALL_DATA"},
        "DescribeStateMachineAlias": {"stateMachineAliasArn": sm + ":live"},
        "DescribeStateMachineForExecution": {"executionArn": ex, "includedData": "ALL_DATA"},
        "GetActivityTask": {"activityArn": act, "workerName": "w"},
        "GetExecutionHistory": {"executionArn": ex, "maxResults": 10, "reverseOrder": False,
                                "includeExecutionData": True},
        "ListActivities": {"maxResults": 10},
        "ListExecutions": {"stateMachineArn": sm, "statusFilter": "RUNNING", "maxResults": 10},
        "ListMapRuns": {"executionArn": ex, "maxResults": 10},
        "ListStateMachineAliases": {"stateMachineArn": sm, "maxResults": 10},
        "ListStateMachineVersions": {"stateMachineArn": sm, "maxResults": 10},
        "ListStateMachines": {"maxResults": 10},
        "ListTagsForResource": {"resourceArn": sm},
        "PublishStateMachineVersion": {"stateMachineArn": sm, "description": "d"},
        "RedriveExecution": {"executionArn": ex, "clientToken": "tok"},
        "SendTaskFailure": {"taskToken": "t", "error": "E", "cause": "c"},
        "SendTaskHeartbeat": {"taskToken": "t"},
        "SendTaskSuccess": {"taskToken": "t", "output": "{}"},
        "StartExecution": {"stateMachineArn": sm, "name": "e1", "input": "{}", "traceHeader": "Root=1"},
        "StartSyncExecution": {"stateMachineArn": sm, "name": "e1", "input": "{}", "traceHeader": "Root=1",
                               "includedData": "ALL_DATA"},
        "StopExecution": {"executionArn": ex, "error": "E", "cause": "c"},
        "TagResource": {"resourceArn": sm, "tags": tags},
        "TestState": {"definition": definition, "roleArn": ROLE_ARN},
        "UntagResource": {"resourceArn": sm, "tagKeys": ["k"]},
        "UpdateMapRun": {"mapRunArn": "arn:aws:states:%s:%s:mapRun:model-walk/m:r" % (REGION, ACCOUNT),
                         "maxConcurrency": 1},
        "UpdateStateMachine": {"stateMachineArn": sm, "definition": definition, "roleArn": ROLE_ARN,
                               "loggingConfiguration": logging, "tracingConfiguration": {"enabled": True},
                               "publish": True, "versionDescription": "d", "encryptionConfiguration": enc},
        "UpdateStateMachineAlias": {"stateMachineAliasArn": sm + ":live", "description": "d",
                                    "routingConfiguration": route},
        "ValidateStateMachineDefinition": {"definition": definition, "type": "STANDARD",
                                           "severity": "ERROR", "maxResults": 10},
    }


# ---------------------------------------------------------------------------
# Model walking.

def model_paths(shape, prefix, out, seen=()):
    """Every member path below `shape` (structures, list items, map values)."""
    if shape.name in seen or len(seen) > 10:
        return
    seen = seen + (shape.name,)
    t = shape.type_name
    if t == "structure":
        for k, s in shape.members.items():
            p = prefix + "." + k
            out.append(p)
            model_paths(s, p, out, seen)
    elif t == "list":
        model_paths(shape.member, prefix + "[]", out, seen)
    elif t == "map":
        model_paths(shape.value, prefix + "{}", out, seen)


def present_paths(value, shape, prefix, out, depth=0):
    if value is None or depth > 12:
        return
    out.add(prefix)
    t = shape.type_name
    if t == "structure" and isinstance(value, dict):
        for k, v in value.items():
            if k in shape.members:
                present_paths(v, shape.members[k], prefix + "." + k, out, depth + 1)
    elif t == "list" and isinstance(value, list):
        for v in value:
            present_paths(v, shape.member, prefix + "[]", out, depth + 1)
    elif t == "map" and isinstance(value, dict):
        for v in value.values():
            present_paths(v, shape.value, prefix + "{}", out, depth + 1)


def matching_pattern(path):
    for pat in OUTPUT_ALLOWLIST:
        if fnmatch.fnmatchcase(path, pat):
            return pat
    return None


def allowed(path, table):
    for pat, why in table.items():
        if fnmatch.fnmatchcase(path, pat):
            return why
    return None


def served_operations():
    served, not_served = [], []
    for op in MODEL.operation_names:
        r = post_json(op, {})
        if r.status == 400 and r.error_type() == "UnknownOperationException":
            not_served.append(op)
        else:
            served.append(op)
    return served, not_served


# ---------------------------------------------------------------------------
# Input constraints.

def coral_member(path):
    """'tags[].key' → 'tags.1.member.key' (Coral's way of naming it)."""
    return path.replace("[].", ".1.member.").replace("[]", "")


def set_path(body, path, value):
    """Sets the member at `path` in a copy of `body`; list items get the
    base's first item (or a fresh object) with the change applied."""
    body = json.loads(json.dumps(body))
    parts = re.split(r"\.", path)
    cur = body
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        is_list = part.endswith("[]")
        name = part[:-2] if is_list else part
        if is_list:
            lst = cur.get(name) or []
            if last:
                cur[name] = [value]
                return body
            item = lst[0] if lst and isinstance(lst[0], dict) else {}
            cur[name] = [item]
            cur = item
        elif last:
            if value is _ABSENT:
                cur.pop(name, None)
            else:
                cur[name] = value
        else:
            cur = cur.setdefault(name, {})
    return body


_ABSENT = object()


def violating_string_for_pattern(pattern):
    py = pattern.replace(r"\p{ASCII}", r"\x00-\x7f")
    if py == r"\x00-\x7f*":
        py = r"[\x00-\x7f]*"
    rx = re.compile(py)
    for cand in ("123", "a b", "é", "!x!", "\u0001", ""):
        if not rx.fullmatch(cand):
            return cand
    return None


def constraint_cases(op):
    """(member path, kind, bad value, expected constraint text or None for
    SerializationException) for every constraint of the operation's input."""
    shape = MODEL.operation_model(op).input_shape
    cases = []

    def walk(s, path, seen, top_required):
        if s.name in seen:
            return
        seen = seen + (s.name,)
        t = s.type_name
        md = s.metadata
        if t == "string":
            enum = getattr(s, "enum", None)
            if enum:
                cases.append((path, "enum", "NOT_IN_ENUM", ("enum", enum)))
            if md.get("min", 0) >= 1:
                cases.append((path, "min", "a" * (md["min"] - 1),
                              "Member must have length greater than or equal to %d" % md["min"]))
            if "max" in md and md["max"] < 2000000:
                cases.append((path, "max", "a" * (md["max"] + 1),
                              "Member must have length less than or equal to %d" % md["max"]))
            if "pattern" in md:
                bad = violating_string_for_pattern(md["pattern"])
                if bad is not None:
                    cases.append((path, "pattern", bad,
                                  "Member must satisfy regular expression pattern: %s" % md["pattern"]))
        elif t in ("integer", "long"):
            if "min" in md:
                cases.append((path, "min", md["min"] - 1,
                              "Member must have value greater than or equal to %d" % md["min"]))
            if "max" in md:
                cases.append((path, "max", md["max"] + 1,
                              "Member must have value less than or equal to %d" % md["max"]))
        elif t in ("float", "double"):
            if "min" in md:
                cases.append((path, "min", md["min"] - 1,
                              "Member must have value greater than or equal to %s" % md["min"]))
            if "max" in md:
                cases.append((path, "max", md["max"] + 1,
                              "Member must have value less than or equal to %s" % md["max"]))
        elif t == "list":
            if md.get("min", 0) >= 1:
                cases.append((path, "min", [], "Member must have length greater than or equal to %d" % md["min"]))
            walk(s.member, path + "[]", seen, False)
        elif t == "structure":
            for k, m in s.members.items():
                p = (path + "." + k) if path else k
                if k in s.required_members and path and "[]" not in path:
                    cases.append((p, "required", _ABSENT, "Member must not be null"))
                walk(m, p, seen, False)
        if path and "." not in path and "[]" not in path:
            wrong = {"string": 12345, "integer": "x", "long": "x", "float": "x", "boolean": "x",
                     "structure": "x", "list": "x", "map": "x", "timestamp": "x"}.get(t)
            if wrong is not None:
                cases.append((path, "type", wrong, None))

    for k in shape.required_members:
        cases.append((k, "required", _ABSENT, "Member must not be null"))
    walk(shape, "", (), True)
    return cases


VALIDATION_RX = re.compile(
    r"^1 validation error detected: Value (?P<value>.*) at '(?P<member>[^']+)' failed to satisfy "
    r"constraint: (?P<constraint>.*)$", re.S)


def check_constraint_message(msg, member, expected):
    m = VALIDATION_RX.match(msg or "")
    if not m:
        return "message not in Coral's wording: %r" % (msg or "")[:300]
    if m.group("member") != member:
        return "member %r, expected %r" % (m.group("member"), member)
    got = m.group("constraint")
    if isinstance(expected, tuple):  # enum: the set, in any order
        em = re.match(r"^Member must satisfy enum value set: \[(.*)\]$", got)
        if not em or set(x.strip() for x in em.group(1).split(",")) != set(expected[1]):
            return "constraint %r, expected the enum set %s" % (got, expected[1])
        return None
    if member.count(".") == 0 and "[]" not in member and got.startswith("Member must satisfy constraint: ["):
        got = got[len("Member must satisfy constraint: ["):-1]
    if expected not in got:
        return "constraint %r, expected %r" % (got, expected)
    return None


# ---------------------------------------------------------------------------
# The test.

class ServiceModelWalk(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.served, cls.not_served = served_operations()
        cls.observed = {}
        cls.shape_problems = []
        cls.sfn = client()

    def call(self, op, body):
        r = post_json(op, body)
        self.assertEqual(r.status, 200, "%s %s -> %r" % (op, json.dumps(body)[:300], r))
        data = r.json()
        self.observed.setdefault(op, []).append(data)
        errs = shape_errors(data, MODEL.operation_model(op).output_shape)
        if errs:
            self.shape_problems.append("%s: %s" % (op, errs))
        return data

    # -- the scenario: every served operation, with its optional members ----
    def scenario(self):
        c = self.call
        enc = {"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": KMS_KEY, "kmsDataKeyReusePeriodSeconds": 120}
        logging = {"level": "ALL", "includeExecutionData": True,
                   "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": LOG_GROUP}}]}
        tags = [{"key": "team", "value": "model"}]

        # Activities.
        act_name = uname("mw-act")
        act = c("CreateActivity", {"name": act_name, "tags": tags, "encryptionConfiguration": enc})["activityArn"]
        c("CreateActivity", {"name": uname("mw-act")})
        c("DescribeActivity", {"activityArn": act})
        c("ListActivities", {"maxResults": 1})
        c("TagResource", {"resourceArn": act, "tags": [{"key": "more", "value": "x"}]})
        c("ListTagsForResource", {"resourceArn": act})
        c("UntagResource", {"resourceArn": act, "tagKeys": ["more"]})

        # A machine that reads variables, with every configuration.
        definition = {
            "StartAt": "Set",
            "States": {
                "Set": {"Type": "Pass", "Assign": {"greeting": "hi", "n": 2}, "Next": "UseJsonPath"},
                "UseJsonPath": {"Type": "Pass", "Parameters": {"g.$": "$greeting", "s.$": "States.Format('{}', $n)"},
                                "Next": "UseJsonata"},
                "UseJsonata": {"Type": "Pass", "QueryLanguage": "JSONata",
                               "Output": "{% $greeting & $string($n) %}", "Next": "Work"},
                "Work": {"Type": "Task", "Resource": act, "HeartbeatSeconds": 60, "End": True},
            },
        }
        name = uname("mw-sm")
        r = c("CreateStateMachine", {"name": name, "definition": json.dumps(definition), "roleArn": ROLE_ARN,
                                     "loggingConfiguration": logging, "tracingConfiguration": {"enabled": True},
                                     "tags": tags, "publish": True, "versionDescription": "first",
                                     "encryptionConfiguration": enc})
        sm = r["stateMachineArn"]
        self.addCleanup(post_json, "DeleteStateMachine", {"stateMachineArn": sm})
        c("UpdateStateMachine", {"stateMachineArn": sm, "roleArn": ROLE_ARN + "2", "publish": True,
                                 "versionDescription": "second"})
        c("DescribeStateMachine", {"stateMachineArn": sm})
        c("DescribeStateMachine", {"stateMachineArn": sm + ":1", "includedData": "METADATA_ONLY"})
        c("DescribeStateMachine", {"stateMachineArn": sm + ":2"})
        c("UpdateStateMachine", {"stateMachineArn": sm, "roleArn": ROLE_ARN})
        c("PublishStateMachineVersion", {"stateMachineArn": sm, "description": "third"})
        c("ListStateMachineVersions", {"stateMachineArn": sm, "maxResults": 1})
        c("CreateStateMachineAlias", {"name": "live", "description": "d", "routingConfiguration": [
            {"stateMachineVersionArn": sm + ":1", "weight": 50}, {"stateMachineVersionArn": sm + ":2", "weight": 50}]})
        c("CreateStateMachineAlias", {"name": "other", "routingConfiguration": [
            {"stateMachineVersionArn": sm + ":3", "weight": 100}]})
        c("DescribeStateMachineAlias", {"stateMachineAliasArn": sm + ":live"})
        c("UpdateStateMachineAlias", {"stateMachineAliasArn": sm + ":other", "description": "x"})
        c("ListStateMachineAliases", {"stateMachineArn": sm, "maxResults": 1})

        # Executions: one through the alias finishing with SendTaskSuccess,
        # one failing with SendTaskFailure, one stopped.
        e1 = c("StartExecution", {"stateMachineArn": sm + ":live", "input": "{}", "traceHeader": "Root=1-abc"})
        task = c("GetActivityTask", {"activityArn": act, "workerName": "w"})
        self.assertTrue(task.get("taskToken"), task)
        c("SendTaskHeartbeat", {"taskToken": task["taskToken"]})
        c("SendTaskSuccess", {"taskToken": task["taskToken"], "output": "{\"done\":true}"})
        wait_for_status(self.sfn, e1["executionArn"])
        e2 = c("StartExecution", {"stateMachineArn": sm, "name": uname("e")})
        task = c("GetActivityTask", {"activityArn": act})
        c("SendTaskFailure", {"taskToken": task["taskToken"], "error": "Bad", "cause": "because"})
        wait_for_status(self.sfn, e2["executionArn"])
        e3 = c("StartExecution", {"stateMachineArn": sm})
        c("StopExecution", {"executionArn": e3["executionArn"], "error": "Stop", "cause": "now"})
        for e in (e1, e2, e3):
            c("DescribeExecution", {"executionArn": e["executionArn"]})
            c("GetExecutionHistory", {"executionArn": e["executionArn"], "maxResults": 3})
            c("GetExecutionHistory", {"executionArn": e["executionArn"]})
        c("DescribeExecution", {"executionArn": e1["executionArn"], "includedData": "METADATA_ONLY"})
        c("DescribeStateMachineForExecution", {"executionArn": e1["executionArn"]})
        c("ListExecutions", {"stateMachineArn": sm, "maxResults": 1})
        c("ListExecutions", {"stateMachineArn": sm})
        # Redrive the failed one: redriveDate, executionRedrivenEventDetails.
        c("RedriveExecution", {"executionArn": e2["executionArn"], "clientToken": "mw-redrive"})
        task = c("GetActivityTask", {"activityArn": act})
        c("SendTaskSuccess", {"taskToken": task["taskToken"], "output": "{}"})
        wait_for_status(self.sfn, e2["executionArn"])
        c("DescribeExecution", {"executionArn": e2["executionArn"]})
        c("ListExecutions", {"stateMachineArn": sm, "redriveFilter": "REDRIVEN"})
        c("GetExecutionHistory", {"executionArn": e2["executionArn"]})

        # Parallel, Map and Wait events.
        shapes = {"StartAt": "Par", "States": {
            "Par": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}],
                    "Next": "Map"},
            "Map": {"Type": "Map", "ItemsPath": "$$.Execution.Input.items",
                    "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
                    "Next": "Wait"},
            "Wait": {"Type": "Wait", "Seconds": 0, "Next": "Choice"},
            "Choice": {"Type": "Choice", "Choices": [{"Variable": "$[0]", "IsPresent": True, "Next": "Fail"}],
                       "Default": "Fail"},
            "Fail": {"Type": "Fail", "Error": "E", "Cause": "C"}}}
        sm2 = c("CreateStateMachine", {"name": uname("mw-shapes"), "definition": json.dumps(shapes),
                                       "roleArn": ROLE_ARN})["stateMachineArn"]
        self.addCleanup(post_json, "DeleteStateMachine", {"stateMachineArn": sm2})
        e4 = c("StartExecution", {"stateMachineArn": sm2, "input": "{\"items\":[1,2]}"})
        wait_for_status(self.sfn, e4["executionArn"])
        c("GetExecutionHistory", {"executionArn": e4["executionArn"]})

        # Failures of every kind, side by side: an activity and an execution
        # timing out, a Map iteration failing, a JSONata expression failing.
        fails = {
            "activity": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": act, "TimeoutSeconds": 1,
                                                          "End": True}}},
            "execution": {"TimeoutSeconds": 1, "StartAt": "W",
                          "States": {"W": {"Type": "Wait", "Seconds": 30, "End": True}}},
            "map": {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
                "StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "It", "Cause": "fails"}}}}}},
            "abort": {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
                "StartAt": "C", "States": {
                    "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 1, "Next": "F"}],
                          "Default": "W"},
                    "W": {"Type": "Wait", "Seconds": 30, "End": True},
                    "F": {"Type": "Fail", "Error": "It", "Cause": "fails"}}}}}},
            "jsonata": {"QueryLanguage": "JSONata", "StartAt": "P", "States": {
                "P": {"Type": "Pass", "Output": "{% $error('boom') %}", "End": True}}},
        }
        runs = []
        for key, d in fails.items():
            arn = c("CreateStateMachine", {"name": uname("mw-" + key), "definition": json.dumps(d),
                                           "roleArn": ROLE_ARN})["stateMachineArn"]
            self.addCleanup(post_json, "DeleteStateMachine", {"stateMachineArn": arn})
            runs.append(c("StartExecution", {"stateMachineArn": arn, "input": "[2, 1]"})["executionArn"])
        for ex in runs:
            wait_for_status(self.sfn, ex, timeout=15)
            c("GetExecutionHistory", {"executionArn": ex})

        # A Distributed Map: a Map Run (one child failing, tolerated), its
        # children, a second Map Run failing, and an update of a running one.
        dmap = {"StartAt": "M", "States": {"M": {
            "Type": "Map", "Label": "walk", "ToleratedFailureCount": 1, "MaxConcurrency": 2,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                              "StartAt": "C", "States": {
                                  "C": {"Type": "Choice", "Choices": [
                                      {"Variable": "$", "NumericEquals": 1, "Next": "F"},
                                      {"Variable": "$", "NumericEquals": 3, "Next": "T"}], "Default": "P"},
                                  "T": {"Type": "Task", "Resource": act, "End": True},
                                  "F": {"Type": "Fail", "Error": "It", "Cause": "fails"},
                                  "P": {"Type": "Pass", "End": True}}},
            "End": True}}}
        smd = c("CreateStateMachine", {"name": uname("mw-dmap"), "definition": json.dumps(dmap),
                                       "roleArn": ROLE_ARN})["stateMachineArn"]
        self.addCleanup(post_json, "DeleteStateMachine", {"stateMachineArn": smd})
        ed = c("StartExecution", {"stateMachineArn": smd, "input": "[0, 1, 2, 3]"})["executionArn"]
        task = c("GetActivityTask", {"activityArn": act, "workerName": "w"})
        run = c("ListMapRuns", {"executionArn": ed, "maxResults": 1})["mapRuns"][0]["mapRunArn"]
        c("UpdateMapRun", {"mapRunArn": run, "maxConcurrency": 3, "toleratedFailureCount": 2,
                           "toleratedFailurePercentage": 50})
        c("DescribeMapRun", {"mapRunArn": run})
        c("SendTaskSuccess", {"taskToken": task["taskToken"], "output": "{}"})
        wait_for_status(self.sfn, ed, timeout=15)
        c("DescribeMapRun", {"mapRunArn": run})
        c("GetExecutionHistory", {"executionArn": ed})
        kids = c("ListExecutions", {"mapRunArn": run, "maxResults": 10})["executions"]
        c("ListExecutions", {"mapRunArn": run, "statusFilter": "FAILED"})
        for k in kids[:2]:
            c("DescribeExecution", {"executionArn": k["executionArn"]})
            c("DescribeStateMachineForExecution", {"executionArn": k["executionArn"]})
            c("GetExecutionHistory", {"executionArn": k["executionArn"]})
        dfail = json.loads(json.dumps(dmap))
        del dfail["States"]["M"]["ToleratedFailureCount"]
        smf = c("CreateStateMachine", {"name": uname("mw-dmapf"), "definition": json.dumps(dfail),
                                       "roleArn": ROLE_ARN})["stateMachineArn"]
        self.addCleanup(post_json, "DeleteStateMachine", {"stateMachineArn": smf})
        ef = c("StartExecution", {"stateMachineArn": smf, "input": "[1]"})["executionArn"]
        wait_for_status(self.sfn, ef, timeout=15)
        c("GetExecutionHistory", {"executionArn": ef})
        # Its redrive redrives the Map Run (which fails again: a Fail state).
        c("RedriveExecution", {"executionArn": ef})
        wait_for_status(self.sfn, ef, timeout=15)
        c("GetExecutionHistory", {"executionArn": ef})
        runf = c("ListMapRuns", {"executionArn": ef})["mapRuns"][0]["mapRunArn"]
        c("DescribeMapRun", {"mapRunArn": runf})
        c("ListMapRuns", {"executionArn": ed})
        proc = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
        proc2 = dict(proc, StartAt="Q", States={"Q": {"Type": "Pass", "End": True}})
        two = {"StartAt": "A", "States": {"A": {"Type": "Map", "ItemProcessor": proc, "Next": "B"},
                                          "B": {"Type": "Map", "ItemProcessor": proc2, "End": True}}}
        sm2m = c("CreateStateMachine", {"name": uname("mw-dmap2"), "definition": json.dumps(two),
                                        "roleArn": ROLE_ARN})["stateMachineArn"]
        self.addCleanup(post_json, "DeleteStateMachine", {"stateMachineArn": sm2m})
        e2m = c("StartExecution", {"stateMachineArn": sm2m, "input": "[1]"})["executionArn"]
        wait_for_status(self.sfn, e2m, timeout=15)
        page = c("ListMapRuns", {"executionArn": e2m, "maxResults": 1})
        c("ListMapRuns", {"executionArn": e2m, "maxResults": 1, "nextToken": page["nextToken"]})

        # Express: success and failure.
        ok = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
        sm3 = c("CreateStateMachine", {"name": uname("mw-express"), "definition": json.dumps(ok),
                                       "roleArn": ROLE_ARN, "type": "EXPRESS"})["stateMachineArn"]
        self.addCleanup(post_json, "DeleteStateMachine", {"stateMachineArn": sm3})
        c("ListStateMachines", {"maxResults": 1})
        c("StartSyncExecution", {"stateMachineArn": sm3, "input": "{}", "traceHeader": "Root=1-x"})
        c("StartSyncExecution", {"stateMachineArn": sm3, "includedData": "METADATA_ONLY"})
        bad = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}}
        c("UpdateStateMachine", {"stateMachineArn": sm3, "definition": json.dumps(bad)})
        c("StartSyncExecution", {"stateMachineArn": sm3})

        # Validation with errors, warnings and truncation.
        warn = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "$.x",
                                                  "Parameters": {"a": "$.b"}, "Next": "Nowhere"}}}
        c("ValidateStateMachineDefinition", {"definition": json.dumps(warn), "severity": "WARNING",
                                             "maxResults": 1})
        c("ValidateStateMachineDefinition", {"definition": json.dumps(ok)})

        # TestState: every inspectionData member a mocked state reports.
        lam = "arn:aws:states:::lambda:invoke"
        items = {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}
        c("TestState", {"definition": json.dumps({"Type": "Pass", "InputPath": "$.a", "Parameters": {"b.$": "$.b"},
                                                  "Assign": {"v.$": "$.b"}, "Next": "N"}),
                        "roleArn": ROLE_ARN, "input": "{\"a\":{\"b\":1}}", "variables": "{\"w\":2}",
                        "inspectionLevel": "DEBUG"})
        c("TestState", {"definition": json.dumps({"Type": "Task", "QueryLanguage": "JSONata", "Resource": lam,
                                                  "Arguments": {"x": "{% $states.input %}"}, "End": True}),
                        "mock": {"result": "{\"ok\":true}", "fieldValidationMode": "NONE"},
                        "inspectionLevel": "TRACE", "context": "{\"Execution\":{\"Name\":\"n\"}}"})
        retry_task = {"Type": "Task", "Resource": lam, "End": True,
                      "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 1}],
                      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}]}
        for count in (0, 1):
            c("TestState", {"definition": json.dumps(retry_task), "inspectionLevel": "DEBUG",
                            "mock": {"errorOutput": {"error": "E", "cause": "c"}},
                            "stateConfiguration": {"retrierRetryCount": count}})
        c("TestState", {"definition": json.dumps({"Type": "Map", "ItemsPath": "$.xs", "ToleratedFailureCount": 1,
                                                  "ItemSelector": {"v.$": "$$.Map.Item.Value"},
                                                  "ItemProcessor": items, "End": True}),
                        "input": "{\"xs\":[1,2]}", "inspectionLevel": "DEBUG", "mock": {"result": "[1,2]"},
                        "stateConfiguration": {"mapIterationFailureCount": 1}})
        batched = {"Type": "Map", "ToleratedFailurePercentage": 50, "ItemBatcher": {"MaxItemsPerBatch": 2},
                   "ItemProcessor": dict(items, ProcessorConfig={"Mode": "DISTRIBUTED",
                                                                 "ExecutionType": "STANDARD"}),
                   "End": True}
        c("TestState", {"definition": json.dumps({"StartAt": "M", "States": {"M": batched}}), "stateName": "M",
                        "input": "[1,2,3]", "inspectionLevel": "DEBUG",
                        "mock": {"errorOutput": {"error": "E"}}, "stateConfiguration": {"errorCausedByState": "I"}})

        # Deletions.
        c("DeleteStateMachineAlias", {"stateMachineAliasArn": sm + ":other"})
        c("DeleteStateMachineVersion", {"stateMachineVersionArn": sm + ":3"})
        c("DeleteActivity", {"activityArn": act})
        c("DeleteStateMachine", {"stateMachineArn": sm2})

    def test_outputs_and_inputs_follow_the_model(self):
        print("\nservice model walk: %d operations in the model, %d served; not served: %s"
              % (len(MODEL.operation_names), len(self.served), ", ".join(self.not_served) or "none"),
              file=sys.stderr)
        self.scenario()
        problems = list(self.shape_problems)

        # Every served operation was called, every output member seen.
        allow_hits = {}
        for op in self.served:
            if op not in self.observed:
                problems.append("%s is served but the scenario never calls it (add a step)" % op)
                continue
            seen = set()
            out_shape = MODEL.operation_model(op).output_shape
            for data in self.observed[op]:
                present_paths(data, out_shape, op, seen)
            paths = []
            model_paths(out_shape, op, paths)
            for p in paths:
                why = allowed(p, OUTPUT_ALLOWLIST)
                if p not in seen and not why:
                    problems.append("%s: never in a response" % p)
                if why:
                    allow_hits.setdefault(matching_pattern(p), []).append(p in seen)

        # An allowlist entry whose members all appear now is stale: drop it.
        for pat in OUTPUT_ALLOWLIST:
            hits = allow_hits.get(pat)
            if hits is None:
                if pat.split(".")[0] in self.served:
                    problems.append("allowlist entry %r matches no member of the model" % pat)
            elif all(hits):
                problems.append("allowlist entry %r is stale: every member it names appears in a "
                                "response now" % pat)

        # Every input constraint of every served operation.
        walk_name = uname("mw-walk")
        bases = base_requests(walk_name)
        # A request whose violation went unnoticed may create something.
        self.addCleanup(post_json, "DeleteStateMachine", {"stateMachineArn": sm_arn(walk_name)})
        self.addCleanup(post_json, "DeleteActivity", {"activityArn": activity_arn(walk_name)})
        for op in self.served:
            if op not in bases:
                problems.append("%s is served but has no base request for the constraint walk" % op)
                continue
            for path, kind, bad, expected in constraint_cases(op):
                if allowed_case(op, path, kind):
                    continue
                body = set_path(bases[op], path, bad)
                where = "%s %s (%s)" % (op, path, kind)
                try:
                    r = post_json(op, body)
                except OSError as e:
                    problems.append("%s: no answer (%s)" % (where, e))
                    continue
                if expected is None:
                    if r.status != 400 or r.error_type() != "SerializationException":
                        problems.append("%s: wrong type answered %r" % (where, r))
                    continue
                if r.status != 400 or r.error_type() != "ValidationException":
                    problems.append("%s: expected ValidationException, got %r" % (where, r))
                    continue
                why = check_constraint_message(r.json().get("message"), coral_member(path), expected)
                if why:
                    problems.append("%s: %s" % (where, why))

        print("service model walk: %d output members allowlisted (not produced on this node):"
              % sum(len(v) for v in allow_hits.values()), file=sys.stderr)
        for pat, hits in sorted(allow_hits.items()):
            print("  %s (%d): %s" % (pat, len(hits), OUTPUT_ALLOWLIST[pat]), file=sys.stderr)
        if problems:
            self.fail("%d gaps against the service model:\n  " % len(problems) + "\n  ".join(problems))


def allowed_case(op, path, kind):
    return CONSTRAINT_ALLOWLIST.get((op, path, kind))


if __name__ == "__main__":
    unittest.main()
