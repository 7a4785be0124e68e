#!/usr/bin/env python3
"""Semantic fuzzing of statecraftd through its AWS-JSON API.

    python3 tests/robustness/semantic_fuzz.py --statecraftd PATH [--with-redis]
        [--seed N ...] [--random-seed] [--seconds N] [--max-rss-mb 1500] [--out DIR]
        [--keep-going] [--avoid-known] [--time-scale 1000]
    python3 tests/robustness/semantic_fuzz.py --statecraftd PATH --replay FILE

Starts a node (memory store, or --with-redis a redis-server of its own),
then until --seconds pass: generates a state machine (random state types,
Parallel/Map nesting, Choice loops, Catch/Retry, InputPath / Parameters /
ResultSelector / ResultPath / OutputPath with random JSONPath -- `..`, `[*]`,
filters, slices -- intrinsic functions with random arguments, Wait with random
Seconds/Timestamp) or mutates one from its corpus, and an input (deep
nesting, big strings, unicode, numbers at the edges); runs CreateStateMachine,
StartExecution or StartSyncExecution (EXPRESS and STANDARD),
DescribeExecution and GetExecutionHistory (paged), and TestState on one of
the machine's states (with a mock where it needs one).

After every request it checks: the node process is alive, the answer is not
a 5xx and arrived, the body is UTF-8 JSON shaped like the AWS model (an error
has a __type the operation can return and a string message), and the node's
RSS is under --max-rss-mb. Histories are checked for consecutive ids, valid
previousEventId and a terminal event matching the status. At the end every
STANDARD execution must be terminal or stop (StopExecution -> ABORTED).

On a violation it writes a reproducer (definition, input, the requests of the
case with their answers, node log tail) to --out and exits 1 (with
--keep-going it restarts a dead node, records each distinct violation once
and goes on). --replay FILE re-sends a reproducer's requests to a fresh node.
The seed is printed; the same seed generates the same cases.
Standard library plus botocore (for the API model) only.
"""

import argparse
import collections
import http.client
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import botocore.session  # noqa: E402

from common import Node, RssWatch, CONTENT_TYPE, ROLE_ARN, yaml_text  # noqa: E402,F401

TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
GENERIC_ERRORS = {"ValidationException", "SerializationException", "UnknownOperationException",
                  "InvalidAction", "MissingAction", "AccessDeniedException", "ThrottlingException",
                  "RequestEntityTooLargeException", "InvalidParameterValue",
                  "InvalidParameterCombination", "MissingParameter", "IncompleteSignature",
                  "InvalidClientTokenId", "UnrecognizedClientException"}

# ---------------------------------------------------------------------------
# the AWS model (botocore): response shapes and the errors each operation has

_MODEL = botocore.session.get_session().get_service_model("stepfunctions")


def shape_problems(value, shape, path="$"):
    """Where a raw JSON value differs from a botocore shape: unknown or
    missing members, wrong JSON types, enum values off the list."""
    kind = shape.type_name
    out = []
    if kind == "structure":
        if not isinstance(value, dict):
            return ["%s: not an object" % path]
        out += ["%s: unknown member %s" % (path, k) for k in value if k not in shape.members]
        out += ["%s: missing %s" % (path, k) for k in shape.required_members if k not in value]
        for k, v in value.items():
            if k in shape.members and v is not None:
                out += shape_problems(v, shape.members[k], path + "." + k)
    elif kind == "list":
        if not isinstance(value, list):
            return ["%s: not an array" % path]
        for i, v in enumerate(value):
            out += shape_problems(v, shape.member, "%s[%d]" % (path, i))
    elif kind == "map":
        if not isinstance(value, dict):
            return ["%s: not an object" % path]
        for k, v in value.items():
            out += shape_problems(v, shape.value, "%s[%s]" % (path, k))
    elif kind == "string":
        if not isinstance(value, str):
            out.append("%s: not a string" % path)
        elif shape.enum and value not in shape.enum:
            out.append("%s: %r not one of %s" % (path, value, shape.enum))
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            out.append("%s: not an integer" % path)
    elif kind == "boolean":
        if not isinstance(value, bool):
            out.append("%s: not a boolean" % path)
    elif kind in ("timestamp", "float", "double"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            out.append("%s: not a number" % path)
    return out


def modelled_errors(op):
    return {s.name for s in _MODEL.operation_model(op).error_shapes} | GENERIC_ERRORS


# ---------------------------------------------------------------------------
# generation

KEYS = ["a", "b", "c", "x", "items", "n", "s", "v", "ü", "a b", "", "$", "a.b", "0"]
STRINGS = ["", "a", "hello", "ü", "日本語", "😀", "\U0001F600\u200d\U0001F4BB", "\u202etxet",
           "e\u0301", "a\u0000b", "quote\"s", "back\\slash", "{}", "{", "'", "\n\t", "\ud7ff",
           "States.Format('x')", "$.a", "1e3", "null", "true", "x" * 300]
NUMBERS = [0, -0.0, 1, -1, 2, 3, 7, 1000, 2 ** 31 - 1, 2 ** 31, -2 ** 31, 2 ** 53, 2 ** 53 + 1,
           2 ** 63 - 1, -2 ** 63, 2 ** 64, 10 ** 30, 1.5, -2.5, 0.1, 1e-7, 5e-324,
           1.7976931348623157e308, -1.7976931348623157e308, 1e21, 123456789.125]
INTRINSICS = ["States.Format", "States.StringToJson", "States.JsonToString", "States.Array",
              "States.ArrayPartition", "States.ArrayContains", "States.ArrayRange",
              "States.ArrayGetItem", "States.ArrayLength", "States.ArrayUnique",
              "States.Base64Encode", "States.Base64Decode", "States.Hash", "States.JsonMerge",
              "States.MathRandom", "States.MathAdd", "States.StringSplit", "States.UUID"]
# The intrinsics a Fail state's ErrorPath / CausePath may use.
STRING_INTRINSICS = ["States.Format", "States.JsonToString", "States.ArrayGetItem",
                     "States.Base64Encode", "States.Base64Decode", "States.Hash", "States.UUID"]
ERRORS = ["States.ALL", "States.TaskFailed", "States.Runtime", "States.Timeout",
          "States.DataLimitExceeded", "States.IntrinsicFailure", "States.Permissions",
          "States.BranchFailed", "States.NoChoiceMatched", "States.ParameterPathFailure",
          "States.ResultPathMatchFailure", "States.HeartbeatTimeout", "E", "Custom.Error", ""]
COMPARATORS = ["StringEquals", "StringLessThan", "StringGreaterThanEquals", "StringMatches",
               "NumericEquals", "NumericLessThan", "NumericGreaterThanEquals", "BooleanEquals",
               "TimestampEquals", "TimestampLessThan", "IsNull", "IsPresent", "IsNumeric",
               "IsString", "IsBoolean", "IsTimestamp", "StringEqualsPath", "NumericLessThanPath",
               "TimestampGreaterThanPath", "BooleanEqualsPath"]
TIMESTAMPS = ["2016-03-14T01:59:00Z", "1970-01-01T00:00:00Z", "2000-02-29T12:00:00.123Z",
              "2400-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
              "2024-13-01T00:00:00Z", "2024-01-01T00:00:00+05:30", "2024-01-01T00:00:00",
              "not a time", "2024-02-30T00:00:00Z", "2024-01-01T23:59:60Z"]


class Gen:
    """Random definitions, inputs and mutations from one RNG."""

    def __init__(self, rng, activity_arn, express_safe_waits=True, avoid_known=False):
        self.r = rng
        self.avoid_known = avoid_known
        self.activity = activity_arn
        self.express_safe = express_safe_waits
        self.names = 0
        self.bad_rate = 0.0

    # -- values ----------------------------------------------------------
    def chance(self, p):
        return self.r.random() < p

    def bad(self):
        """Whether to put something invalid in (rarely: most definitions
        should be valid so that they run)."""
        return self.r.random() < self.bad_rate

    def string(self):
        r = self.r
        k = r.random()
        if k < 0.5:
            return r.choice(STRINGS)
        if k < 0.8:
            return "".join(r.choice("abcxyz019 .$@[]{}'\"\\üß😀\u0000\t") for _ in range(r.randint(0, 12)))
        return "".join(chr(r.choice([r.randint(32, 126), r.randint(0xA0, 0xD7FF),
                                     r.randint(0xE000, 0xFFFD), r.randint(0x10000, 0x10FFFF)]))
                       for _ in range(r.randint(1, 40)))

    def scalar(self):
        k = self.r.random()
        if k < 0.35:
            return self.string()
        if k < 0.75:
            return self.r.choice(NUMBERS) if self.chance(0.6) else self.r.randint(-50, 50)
        if k < 0.9:
            return self.r.choice([True, False])
        return None

    def value(self, depth=0):
        r = self.r
        if depth > 4 or self.chance(0.35):
            return self.scalar()
        if self.chance(0.5):
            return {r.choice(KEYS): self.value(depth + 1) for _ in range(r.randint(0, 5))}
        return [self.value(depth + 1) for _ in range(r.randint(0, 5))]

    def input(self):
        """The execution input (a JSON value) -- mostly an object whose keys
        the generated paths use."""
        r = self.r
        k = r.random()
        if k < 0.08:  # deep nesting
            depth = r.choice([50, 100, 200, 300, 500, 600])
            v = self.scalar()
            for _ in range(depth):
                v = {"a": v} if self.chance(0.7) else [v]
            return {"a": v}
        if k < 0.14:  # a big string
            return {"s": r.choice(["x", "é", "😀", "ab\\\""]) * r.choice([1000, 20000, 60000]),
                    "a": self.value()}
        if k < 0.20:  # a wide array
            return {"items": [self.scalar() if self.chance(0.5) else {"a": i, "b": self.scalar()}
                              for i in range(r.choice([100, 1000, 3000]))]}
        if k < 0.25:
            return self.scalar()
        if k < 0.3:
            return [self.value(1) for _ in range(r.randint(0, 6))]
        v = {key: self.value(1) for key in r.sample(KEYS, r.randint(1, 6))}
        if self.chance(0.5):
            v["items"] = [self.value(2) for _ in range(r.randint(0, 8))]
        if self.chance(0.3):
            v["n"] = r.choice(NUMBERS)
        if self.chance(0.2):
            v["ts"] = r.choice(TIMESTAMPS)
        return v

    # -- JSONPath and intrinsics -------------------------------------------
    def key(self):
        return self.r.choice(KEYS[:8])

    def ref_segment(self):
        r = self.r
        k = r.random()
        if k < 0.6:
            return "." + self.key()
        if k < 0.8:
            return "['%s']" % r.choice(KEYS)
        return "[%d]" % r.choice([0, 1, 2, 99])

    def path(self, ref=False):
        """A JSONPath; with `ref`, a reference path (one node: no wildcards,
        filters, slices or unions) unless bad() says otherwise."""
        r = self.r
        if ref and not self.bad():
            return "$" + "".join(self.ref_segment() for _ in range(r.choice([0, 1, 1, 2, 3])))
        segs = ["$"]
        for _ in range(r.choice([0, 1, 1, 2, 2, 3, 4])):
            k = r.random() if self.bad() else r.random() * 0.93
            if k < 0.3:
                segs.append("." + self.key())
            elif k < 0.4:
                segs.append("['%s']" % self.r.choice(KEYS))
            elif k < 0.5:
                segs.append("[%d]" % r.choice([0, 1, 2, -1, -2, 99, 2 ** 31]))
            elif k < 0.58:
                segs.append("[*]")
            elif k < 0.66:
                segs.append(".." + r.choice([self.key(), "[*]", "*"]))
            elif k < 0.74:
                a, b = r.randint(-3, 3), r.randint(-3, 5)
                segs.append(r.choice(["[%d:%d]" % (a, b), "[%d:]" % a, "[:%d]" % b,
                                      "[%d:%d:%d]" % (a, b, r.choice([1, 2, -1] + [0] * self.bad()))]))
            elif k < 0.82:
                if self.bad():
                    op, operand = r.choice(["=~", "=="]), r.choice(["/a.*/", "[1]", "{}", "1e400"])
                else:
                    op = r.choice(["==", "!=", "<", "<=", ">", ">="])
                    operand = json.dumps(r.choice(NUMBERS[:20] + ["a", "x", "", "ü", True, None]))
                segs.append("[?(@.%s %s %s)]" % (self.key(), op, operand))
            elif k < 0.88:
                segs.append("[?(@.%s)]" % self.key())
            elif k < 0.93:
                segs.append("[%d,%d]" % (r.randint(0, 3), r.randint(-2, 3)))
            elif k < 0.96:
                segs.append(".length()")
            else:
                segs.append(r.choice([".*", "['a','b']", "[", "..", ".", "[?(@)]", "[-0]"]))
        p = "".join(segs)
        if self.bad():
            p = r.choice(["$$.Execution.Input", "$$.State.Name", "$$.Map.Item.Value",
                          "$$.Execution.Id", "$$", "a.b", "", "$$.Task.Token"])
        return p

    def ref_path(self):
        """A ResultPath (a reference path; sometimes not one)."""
        r = self.r
        if self.chance(0.15):
            return None
        if self.chance(0.7):
            return r.choice(["$", "$.a", "$.r", "$.a.b", "$.items", "$['x']", "$.n"])
        return self.path(ref=True)

    def literal_arg(self):
        r = self.r
        k = r.random()
        if k < 0.5:
            s = self.string().replace("\\", "\\\\").replace("'", "\\'").replace("{", "\\{") \
                .replace("}", "\\}")
            return "'%s'" % s
        if k < 0.85:
            return json.dumps(r.choice(NUMBERS + [r.randint(-5, 5), 1000, 10 ** 9]))
        return r.choice(["null", "true", "false", "'{}'", "'[1,2]'", "'{\"a\":1}'", "'SHA-256'",
                         "'MD5'", "'SHA-512'", "','"])

    def intrinsic(self, depth=0, names=INTRINSICS):
        r = self.r
        name = r.choice(names)
        n = {"States.UUID": 0, "States.MathRandom": r.choice([2, 3]), "States.ArrayRange": 3,
             "States.ArrayGetItem": 2, "States.ArrayPartition": 2, "States.ArrayContains": 2,
             "States.MathAdd": 2, "States.StringSplit": 2, "States.Hash": 2, "States.JsonMerge": 3,
             "States.Array": r.randint(0, 4), "States.Format": r.randint(1, 4)}.get(name, 1)
        if self.chance(0.1):
            n = r.randint(0, 5)
        args = []
        for i in range(n):
            k = r.random()
            if name == "States.Format" and i == 0 and self.chance(0.8):
                args.append("'%s'" % "".join(r.choice(["{}", "x", " ", "\\{", "\\'", "ü"])
                                             for _ in range(r.randint(0, 6))))
            elif name == "States.ArrayRange" and self.chance(0.7):
                args.append(str(r.choice([0, 1, -1, 5, 1000, 10 ** 6, 10 ** 9, 2 ** 40, 0.5])))
            elif k < 0.35:
                args.append(self.path(ref=not self.bad()))
            elif k < 0.45 and depth < 3:
                args.append(self.intrinsic(depth + 1))
            else:
                args.append(self.literal_arg())
        return "%s(%s)" % (name, ", ".join(args))

    def template(self, depth=0):
        """A Parameters / ResultSelector / ItemSelector payload template."""
        r = self.r
        out = {}
        for _ in range(r.randint(0, 4)):
            k = r.random()
            key = self.key() if self.chance(0.8) else self.string()[:10] or "k"
            if k < 0.35:
                out[key + ".$"] = self.path()
            elif k < 0.6:
                out[key + ".$"] = self.intrinsic()
            elif k < 0.75 and depth < 3:
                out[key] = self.template(depth + 1)
            elif k < 0.8:
                out[key] = [self.template(depth + 1) if depth < 2 else self.scalar()]
            else:
                out[key] = self.value(2)
        return out

    # -- states ------------------------------------------------------------
    def retry(self):
        r = self.r
        out = []
        for _ in range(r.randint(1, 3)):
            rule = {"ErrorEquals": self.error_list()}
            if self.chance(0.6):
                rule["IntervalSeconds"] = r.choice([1, 2, 5, 99999999] + ([0] if self.bad() else []))
            if self.chance(0.6):
                rule["MaxAttempts"] = r.choice([0, 1, 2, 3, 10, 99999999])
            if self.chance(0.4):
                rule["BackoffRate"] = r.choice([1, 1.5, 2.0, 1e9] + ([0.5] if self.bad() else []))
            if self.chance(0.2):
                rule["MaxDelaySeconds"] = r.choice([1, 5, 31622400])
            if self.chance(0.2):
                rule["JitterStrategy"] = r.choice(["FULL", "NONE"] + (["PARTIAL"] if self.bad() else []))
            out.append(rule)
        return self.all_last(out)

    def error_list(self):
        errs = self.r.sample(ERRORS, self.r.randint(1, 2))
        if "States.ALL" in errs and not self.bad():
            errs = ["States.ALL"]
        return errs

    def all_last(self, rules):
        """States.ALL (alone) only in the last rule, unless bad()."""
        if self.bad():
            return rules
        for rule in rules[:-1]:
            if "States.ALL" in rule["ErrorEquals"]:
                rule["ErrorEquals"] = ["States.TaskFailed"]
        return rules

    def catch(self, names):
        r = self.r
        out = []
        for _ in range(r.randint(1, 2)):
            c = {"ErrorEquals": self.error_list(), "Next": r.choice(names)}
            if self.chance(0.4):
                c["ResultPath"] = self.ref_path()
            out.append(c)
        return self.all_last(out)

    def choice_rule(self, depth=0):
        r = self.r
        if depth < 2 and self.chance(0.2):
            op = r.choice(["And", "Or", "Not"])
            if op == "Not":
                return {"Not": self.choice_rule(depth + 1)}
            return {op: [self.choice_rule(depth + 1) for _ in range(r.randint(1, 3))]}
        cmp = r.choice(COMPARATORS)
        rule = {"Variable": self.path(ref=True) if self.chance(0.5) else r.choice(
            ["$.n", "$.a", "$.s", "$.ts", "$.items[0]", "$.x", "$"])}
        if cmp.endswith("Path"):
            rule[cmp] = self.path(ref=True)
        elif cmp.startswith("Is"):
            rule[cmp] = r.choice([True, False, True])
        elif cmp.startswith("String"):
            rule[cmp] = self.string() if cmp != "StringMatches" else r.choice(
                ["*", "a*", "\\*", "**", "*x*y*", "a\\\\*"])
        elif cmp.startswith("Numeric"):
            rule[cmp] = r.choice(NUMBERS)
        elif cmp.startswith("Boolean"):
            rule[cmp] = r.choice([True, False])
        else:
            rule[cmp] = r.choice(TIMESTAMPS[:6] if not self.bad() else TIMESTAMPS)
        return rule

    def io_fields(self, st, kinds):
        if "InputPath" in kinds and self.chance(0.3):
            st["InputPath"] = self.path() if self.chance(0.9) else None
        if "OutputPath" in kinds and self.chance(0.25):
            st["OutputPath"] = self.path() if self.chance(0.9) else None
        if "ResultPath" in kinds and self.chance(0.35):
            st["ResultPath"] = self.ref_path()
        if "Parameters" in kinds and self.chance(0.35):
            st["Parameters"] = self.template()
        if "ResultSelector" in kinds and self.chance(0.25):
            st["ResultSelector"] = self.template()

    def wait_seconds(self, express):
        if express and self.express_safe:
            return self.r.choice([0, 1, 2, 3])
        return self.r.choice([0, 1, 2, 5, 60, 3600, 99999999])

    def state(self, kind, names, i, depth, express):
        r = self.r
        later = names[i + 1:]
        st = {"Type": kind}
        if self.chance(0.1):
            st["Comment"] = self.string()
        if kind == "Pass":
            self.io_fields(st, ("InputPath", "OutputPath", "ResultPath", "Parameters"))
            if self.chance(0.3):
                st["Result"] = self.value(1)
        elif kind == "Wait":
            k = r.random()
            if k < 0.5:
                st["Seconds"] = self.wait_seconds(express)
            elif k < 0.7:
                st["Timestamp"] = r.choice(TIMESTAMPS[:3]) if express and self.express_safe \
                    else r.choice(TIMESTAMPS if self.bad() else TIMESTAMPS[:6])
            elif k < 0.85:
                st["SecondsPath"] = r.choice(["$.n", "$.a", "$.wait"]) if self.chance(0.7) \
                    else self.path(ref=True)
            else:
                st["TimestampPath"] = r.choice(["$.ts", "$.s"]) if self.chance(0.7) \
                    else self.path(ref=True)
            self.io_fields(st, ("InputPath", "OutputPath"))
        elif kind == "Succeed":
            self.io_fields(st, ("InputPath", "OutputPath"))
        elif kind == "Fail":
            if self.chance(0.7):
                if self.chance(0.8):
                    st["Error"] = r.choice(ERRORS)
                else:
                    st["ErrorPath"] = self.path(ref=True) if self.chance(0.6) else self.intrinsic(
                        names=INTRINSICS if self.bad() else STRING_INTRINSICS)
            if self.chance(0.6):
                if self.chance(0.7):
                    st["Cause"] = self.string()
                else:
                    st["CausePath"] = self.path(ref=True) if self.chance(0.6) else self.intrinsic(
                        names=INTRINSICS if self.bad() else STRING_INTRINSICS)
        elif kind == "Choice":
            targets = names if self.chance(0.5) else (later or names)
            st["Choices"] = [dict(self.choice_rule(), Next=r.choice(targets))
                             for _ in range(r.randint(1, 3))]
            if later:  # keep the next state reachable
                st["Choices"][0]["Next"] = later[0]
            if self.chance(0.7):
                st["Default"] = r.choice(later or names)
            self.io_fields(st, ("InputPath", "OutputPath"))
        elif kind == "Task":
            st["Resource"] = self.activity
            st["TimeoutSeconds"] = r.choice([2, 5, 60])
            if self.chance(0.3):
                st["HeartbeatSeconds"] = 1
            self.io_fields(st, ("InputPath", "OutputPath", "ResultPath", "Parameters",
                                "ResultSelector"))
        elif kind == "Parallel":
            st["Branches"] = [self.machine(depth + 1, express) for _ in range(r.randint(1, 3))]
            self.io_fields(st, ("InputPath", "OutputPath", "ResultPath", "Parameters",
                                "ResultSelector"))
        elif kind == "Map":
            body = self.machine(depth + 1, express)
            if self.chance(0.5):
                body["ProcessorConfig"] = {"Mode": "INLINE"}
                st["ItemProcessor"] = body
            else:
                st["Iterator"] = body
            if self.chance(0.6):
                st["ItemsPath"] = r.choice(["$.items", "$", "$.a", "$.items[0]"]) \
                    if self.chance(0.7) else self.path(ref=True)
            if self.chance(0.4):
                st["MaxConcurrency"] = r.choice([0, 1, 2, 40])
            if self.chance(0.3):
                st["ItemSelector" if self.chance(0.5) else "Parameters"] = dict(
                    self.template(), **{"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"})
            self.io_fields(st, ("InputPath", "OutputPath", "ResultPath", "ResultSelector"))
        if kind in ("Task", "Parallel", "Map"):
            if self.chance(0.3):
                st["Retry"] = self.retry()
            if self.chance(0.35):
                st["Catch"] = self.catch(names)
        if kind in ("Pass", "Wait", "Task", "Parallel", "Map"):
            k = r.random()
            if later and (k < 0.8 or not self.bad()) and k < 0.9:
                # mostly the next state (so every state stays reachable)
                st["Next"] = later[0] if k < 0.7 else r.choice(later)
            elif k < 0.97:
                if later or (self.chance(0.15) and not self.avoid_known):
                    st["Next"] = r.choice(names[:i + 1])  # a loop back (or to itself)
                else:
                    st["End"] = True
            else:
                st["End"] = True
        return st

    def machine(self, depth=0, express=False):
        r = self.r
        if depth == 0:  # a quarter of the machines get invalid bits
            self.bad_rate = 0.0 if self.chance(0.75) else 0.05
        n = r.randint(1, 5 if depth == 0 else 3)
        self.names += 1
        names = ["S%d_%d" % (self.names, i) for i in range(n)]
        kinds = ["Pass", "Pass", "Wait", "Choice", "Succeed", "Fail"]
        if depth < 2:
            kinds += ["Parallel", "Map"]
        if not express:
            kinds.append("Task")
        states = {}
        for i, name in enumerate(names):
            kind = r.choice(kinds)
            if i == n - 1 and kind == "Choice" and self.chance(0.7):
                kind = "Succeed"
            if i < n - 1 and kind in ("Succeed", "Fail") and not self.bad():
                kind = "Pass"  # the states after it would be unreachable
            states[name] = self.state(kind, names, i, depth, express)
        m = {"StartAt": names[0], "States": states}
        if depth == 0 and self.chance(0.1):
            m["TimeoutSeconds"] = r.choice([1, 5, 100])
        return m

    # -- mutation ------------------------------------------------------------
    def all_states(self, m, out):
        for st in m.get("States", {}).values():
            out.append((m, st))
            for b in st.get("Branches", []) or []:
                self.all_states(b, out)
            for key in ("Iterator", "ItemProcessor"):
                if isinstance(st.get(key), dict):
                    self.all_states(st[key], out)
        return out

    def mutate(self, definition, express):
        """A copy of `definition` with one random change."""
        r = self.r
        m = json.loads(json.dumps(definition))
        states = self.all_states(m, [])
        if not states:
            return self.machine(0, express)
        owner, st = r.choice(states)
        k = r.random()
        names = list(owner["States"])
        if k < 0.3:
            field = r.choice(["InputPath", "OutputPath", "ResultPath", "Parameters",
                              "ResultSelector", "ItemsPath"])
            st[field] = {"InputPath": self.path, "OutputPath": self.path, "ItemsPath": self.path,
                         "ResultPath": self.ref_path, "Parameters": self.template,
                         "ResultSelector": self.template}[field]()
        elif k < 0.45:  # a loop back
            if "End" in st or "Next" in st:
                st.pop("End", None)
                st["Next"] = r.choice(names)
            elif st.get("Type") == "Choice":
                st["Default"] = r.choice(names)
        elif k < 0.55:  # wrap the whole machine in a Parallel branch
            m = {"StartAt": "Wrap", "States": {"Wrap": {"Type": "Parallel", "Branches": [m],
                                                        "End": True}}}
            if self.chance(0.5) and not self.avoid_known:
                m["States"]["Wrap"]["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "Wrap"}]
        elif k < 0.65:
            st["Retry"] = self.retry() if st.get("Type") in ("Task", "Parallel", "Map") else None
            if st["Retry"] is None:
                del st["Retry"]
        elif k < 0.75:
            st["Parameters"] = {"x.$": self.intrinsic(), "y": self.value(1)}
        elif k < 0.85 and st.get("Type") == "Wait":
            for f in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath"):
                st.pop(f, None)
            st["Timestamp"] = r.choice(TIMESTAMPS)
        else:
            name = r.choice(names)
            i = names.index(name)
            owner["States"][name] = self.state(r.choice(["Pass", "Choice", "Map", "Parallel",
                                                         "Wait", "Fail"]), names, i, 1, express)
        return m


# ---------------------------------------------------------------------------
# the API session with checks


class Violation(Exception):
    def __init__(self, kind, detail):
        super().__init__("%s: %s" % (kind, detail))
        self.kind = kind
        self.detail = detail


class Api:
    """Raw AWS-JSON requests over a keep-alive connection, each checked."""

    def __init__(self, node, max_rss_mb, timeout=30):
        self.node = node
        self.max_rss = max_rss_mb
        self.timeout = timeout
        self.conn = None
        self.log = []  # the requests of the current case
        self.last_bytes = 0
        self.requests = 0
        self.peak_rss = 0.0
        self.watch = None  # an RssWatch sampling between the requests too

    def _conn(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.node.port, timeout=self.timeout)
        return self.conn

    def reset(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def call(self, op, body, timeout=None):
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
        entry = {"op": op, "request": body}
        self.log.append(entry)
        self.requests += 1
        started = time.monotonic()
        conn = self._conn()
        conn.timeout = timeout or self.timeout
        if conn.sock is not None:
            conn.sock.settimeout(conn.timeout)
        try:
            conn.request("POST", "/", body=raw, headers={
                "Content-Type": CONTENT_TYPE, "X-Amz-Target": "AWSStepFunctions." + op})
            resp = conn.getresponse()
            data = resp.read()
            status = resp.status
            if resp.getheader("Connection", "").lower() == "close":
                self.reset()
        except (OSError, http.client.HTTPException) as e:
            self.reset()
            entry["answer"] = "no answer: %r" % e
            time.sleep(0.2)
            if not self.node.alive():
                raise Violation("node-died", "%s: node %s" % (op, self.node.exit_description()))
            raise Violation("no-answer", "%s: %r after %.1fs" % (op, e, time.monotonic() - started))
        entry["status"] = status
        entry["ms"] = round((time.monotonic() - started) * 1000)
        entry["bytes"] = len(data)
        self.last_bytes = len(data)
        try:
            text = data.decode("utf-8")
            doc = json.loads(text) if text else {}
        except (UnicodeDecodeError, ValueError) as e:
            entry["answer"] = repr(data[:2000])
            raise Violation("bad-json", "%s: HTTP %d body is not UTF-8 JSON (%s)" % (op, status, e))
        entry["answer"] = doc if len(data) < 4000 else (text[:4000] + "...")
        self.check_node(op)
        if status >= 500:
            raise Violation("5xx", "%s: HTTP %d %s" % (op, status, text[:500]))
        if status != 200:
            if status != 400:
                raise Violation("bad-status", "%s: HTTP %d %s" % (op, status, text[:500]))
            if not isinstance(doc, dict) or "__type" not in doc:
                raise Violation("bad-error", "%s: error without __type: %s" % (op, text[:500]))
            code = str(doc["__type"]).split("#")[-1]
            msg = doc.get("message", doc.get("Message"))
            if not isinstance(msg, str):
                raise Violation("bad-error", "%s: %s without a string message" % (op, code))
            if code not in modelled_errors(op):
                raise Violation("unmodelled-error", "%s: %s (%s)" % (op, code, msg[:300]))
            return None, code, msg
        probs = shape_problems(doc, _MODEL.operation_model(op).output_shape)
        if probs:
            raise Violation("bad-shape", "%s: %s" % (op, probs[:5]))
        return doc, None, None

    def check_node(self, op):
        if not self.node.alive():
            raise Violation("node-died", "after %s: node %s" % (op, self.node.exit_description()))
        rss = self.node.rss() or 0.0
        self.peak_rss = max(self.peak_rss, rss)
        if rss > self.max_rss:
            raise Violation("rss", "after %s: node RSS %.0f MB > %d MB" % (op, rss, self.max_rss))
        if self.watch is not None and self.watch.peak > self.max_rss:
            peak, self.watch.peak = self.watch.peak, 0.0
            raise Violation("rss", "during %s: node RSS reached %.0f MB > %d MB"
                            % (op, peak, self.max_rss))


def deterministic(definition):
    """Whether a definition must end the same every run: no Task, no context
    object, no random or time-dependent intrinsic, no timeouts, only short
    Waits by Seconds."""
    text = json.dumps(definition)
    if any(w in text for w in ('"Task"', "$$", "States.UUID", "States.MathRandom",
                               "TimeoutSeconds", "Timestamp", "SecondsPath")):
        return False
    stack = [definition]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if v.get("Type") == "Wait" and not (isinstance(v.get("Seconds"), int) and v["Seconds"] <= 5):
                return False
            if v.get("Type") == "Parallel" and len(v.get("Branches") or []) > 1:
                return False  # which failing branch is first may differ
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return True


def check_history(events, status):
    """Problems of a full history (ids, previousEventId, terminal event)."""
    out = []
    for i, e in enumerate(events):
        if e.get("id") != i + 1:
            out.append("event %d has id %r" % (i + 1, e.get("id")))
            break
        prev = e.get("previousEventId")
        if prev is not None and not (0 <= prev < e["id"]):
            out.append("event %d: previousEventId %r" % (e["id"], prev))
            break
    if events and events[0].get("type") != "ExecutionStarted":
        out.append("first event is %s" % events[0].get("type"))
    want = {"SUCCEEDED": "ExecutionSucceeded", "FAILED": "ExecutionFailed",
            "TIMED_OUT": "ExecutionTimedOut", "ABORTED": "ExecutionAborted"}.get(status)
    if want and events and events[-1].get("type") != want:
        out.append("status %s but last event %s" % (status, events[-1].get("type")))
    if status == "RUNNING" and events and events[-1].get("type") in (
            "ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"):
        out.append("status RUNNING but last event %s" % events[-1]["type"])
    return out


# ---------------------------------------------------------------------------
# the fuzzing loop


class Fuzzer:
    def __init__(self, args, node, seed, index=0):
        self.args = args
        self.node = node
        self.seed = seed
        self.index = index
        self.rng = random.Random(seed)
        self.api = Api(node, args.max_rss_mb)
        self.counter = 0
        self.corpus = []
        self.pending = []  # STANDARD executions not terminal yet
        self.stats = {"cases": 0, "invalid": 0, "executions": 0, "sync": 0, "standard": 0,
                      "express_async": 0, "statuses": {}, "errors": {},
                      "differential": 0, "test_state": 0}
        self.gen = None
        self.current = {"seed": self.seed, "case": "setup"}
        self.examples = {}  # one message per rejected-request kind
        # The cases before the current one: their executions may still run
        # (STANDARD, async EXPRESS) when a node-wide check (RSS, death) fails.
        self.recent = collections.deque(maxlen=6)

    def name(self, kind):
        self.counter += 1
        return "fz%d-%d-%s-%d" % (self.seed % 100000, self.index, kind, self.counter)

    def setup(self):
        act, _, _ = self.api.call("CreateActivity", {"name": self.name("act")})
        self.gen = Gen(self.rng, act["activityArn"], avoid_known=self.args.avoid_known)

    def count(self, bucket, key):
        self.stats[bucket][key] = self.stats[bucket].get(key, 0) + 1

    def case(self):
        """One case: a definition (new or mutated), an input, its requests."""
        g, r = self.gen, self.rng
        express = r.random() < 0.45
        if self.corpus and r.random() < 0.4:
            base_def, base_express = r.choice(self.corpus)
            express = base_express
            definition = g.mutate(base_def, express)
        else:
            definition = g.machine(0, express)
        if r.random() < 0.1 and not self.args.avoid_known:
            definition = {"StartAt": "L", "States": {
                "L": {"Type": "Parallel", "Branches": [definition],
                      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "L"}], "End": True}}}
        inp = g.input()
        if getattr(self, "current", None) and "definition" in self.current:
            self.recent.append({k: self.current[k] for k in ("case", "type", "definition", "input")})
        self.current = {"seed": self.seed, "case": self.stats["cases"],
                        "type": "EXPRESS" if express else "STANDARD",
                        "definition": definition, "input": inp}
        self.api.log = []
        self.stats["cases"] += 1
        sm, code, msg = self.api.call("CreateStateMachine", {
            "name": self.name("sm"), "definition": json.dumps(definition, ensure_ascii=False),
            "roleArn": ROLE_ARN, "type": "EXPRESS" if express else "STANDARD"})
        if sm is None:
            self.stats["invalid"] += 1
            self.count("errors", "CreateStateMachine:" + code)
            self.examples.setdefault("CreateStateMachine:" + code, msg[:200])
            return
        if len(self.corpus) < 300:
            self.corpus.append((definition, express))
        else:
            self.corpus[r.randrange(300)] = (definition, express)
        arn = sm["stateMachineArn"]
        text = json.dumps(inp, ensure_ascii=False)
        if express and r.random() < 0.8:
            res, code, msg = self.start_sync(arn, text)
            if res is None:
                self.count("errors", "StartSyncExecution:" + code)
                self.examples.setdefault("StartSyncExecution:" + code, msg[:200])
            else:
                self.stats["executions"] += 1
                self.stats["sync"] += 1
                self.count("statuses", res["status"] + (":" + res.get("error", "") if res.get("error") else ""))
                if res["status"] not in ("SUCCEEDED", "FAILED", "TIMED_OUT"):
                    raise Violation("sync-status", "StartSyncExecution status %s" % res["status"])
                self.check_output(res)
        else:
            res, code, msg = self.api.call("StartExecution", {"stateMachineArn": arn, "input": text})
            if res is None:
                self.count("errors", "StartExecution:" + code)
                self.examples.setdefault("StartExecution:" + code, msg[:200])
            elif express:
                self.stats["executions"] += 1
                self.stats["express_async"] += 1
            else:
                self.stats["executions"] += 1
                self.stats["standard"] += 1
                self.follow(res["executionArn"])
        if r.random() < 0.1:
            self.api.call("DeleteStateMachine", {"stateMachineArn": arn})
        if r.random() < self.args.differential and deterministic(definition):
            self.differential(definition, text)
        if r.random() < self.args.test_state:
            self.test_state(definition, text)

    def test_state(self, definition, text):
        """TestState on one state of the machine (any depth), with a mock
        where the state needs one, a random level and retry count: the
        answer must be consistent with its status."""
        g, r = self.gen, self.rng
        m, st = r.choice(g.all_states(definition, []))
        name = next(k for k, v in m["States"].items() if v is st)
        body = {"definition": json.dumps(definition, ensure_ascii=False), "stateName": name,
                "input": text, "roleArn": ROLE_ARN,
                "inspectionLevel": r.choice(["INFO", "DEBUG", "TRACE"])}
        if st.get("Type") in ("Task", "Parallel", "Map"):
            if r.random() < 0.5:
                body["mock"] = {"errorOutput": {"error": r.choice(["E", "States.TaskFailed", "States.ALL"]),
                                                "cause": "c"}}
            else:
                n = len(st.get("Branches") or []) if st.get("Type") == "Parallel" else 2
                body["mock"] = {"result": json.dumps([g.value() for _ in range(n)])
                                if st.get("Type") != "Task" or r.random() < 0.3 else json.dumps(g.value())}
        if r.random() < 0.3:
            body["stateConfiguration"] = {"retrierRetryCount": r.randint(0, 4)}
        if r.random() < 0.2:
            body["variables"] = json.dumps({"x": g.value()})
        self.stats["test_state"] += 1
        res, code, msg = self.api.call("TestState", body)
        if res is None:
            self.count("errors", "TestState:" + code)
            self.examples.setdefault("TestState:" + code, msg[:200])
            return
        status = res["status"]
        self.count("statuses", "TestState:" + status)
        has = lambda k: k in res  # noqa: E731
        consistent = {
            "SUCCEEDED": has("output") and not has("error"),
            "FAILED": not has("output") and not has("nextState"),
            "RETRIABLE": not has("output") and not has("nextState"),
            "CAUGHT_ERROR": has("output") and has("nextState"),
        }.get(status, False)
        if not consistent or (("inspectionData" in res) != (body["inspectionLevel"] != "INFO")):
            raise Violation("test-state", "TestState answer inconsistent with its status: %s"
                            % json.dumps(res)[:500])

    def start_sync(self, arn, text):
        # AWS ends an Express execution after 5 minutes (divided by the
        # node's --time-scale here), so the answer is due by then.
        limit = 300.0 / self.args.time_scale + 5
        try:
            return self.api.call("StartSyncExecution", {"stateMachineArn": arn, "input": text},
                                 timeout=limit)
        except Violation as v:
            if v.kind == "no-answer":
                raise Violation("express-too-long", "StartSyncExecution did not answer within "
                                "%.0f s (AWS ends Express executions after 5 min, %.1f s at "
                                "--time-scale %g)" % (limit, 300.0 / self.args.time_scale,
                                                      self.args.time_scale))
            raise

    def differential(self, definition, text):
        """The same definition and input as EXPRESS (StartSyncExecution) and
        as STANDARD must end the same: status, error, cause and output (the
        two run different code paths: Express builds no history)."""
        self.stats["differential"] += 1
        ends = {}
        for kind in ("EXPRESS", "STANDARD"):
            sm, code, _ = self.api.call("CreateStateMachine", {
                "name": self.name("diff"), "definition": json.dumps(definition, ensure_ascii=False),
                "roleArn": ROLE_ARN, "type": kind})
            if sm is None:
                return
            arn = sm["stateMachineArn"]
            if kind == "EXPRESS":
                res, code, _ = self.start_sync(arn, text)
            else:
                res, code, _ = self.api.call("StartExecution", {"stateMachineArn": arn, "input": text})
                if res is not None:
                    deadline = time.monotonic() + 3
                    while True:
                        res, _, _ = self.api.call("DescribeExecution",
                                                  {"executionArn": res["executionArn"]})
                        if res["status"] in TERMINAL:
                            break
                        if time.monotonic() > deadline:
                            self.pending.append(res["executionArn"])
                            return
                        time.sleep(0.02)
            if res is None:
                return
            ends[kind] = {k: res.get(k) for k in ("status", "error", "cause", "output")}
        if ends["EXPRESS"] != ends["STANDARD"]:
            diff = {k: (ends["EXPRESS"][k], ends["STANDARD"][k]) for k in ends["EXPRESS"]
                    if ends["EXPRESS"][k] != ends["STANDARD"][k]}
            raise Violation("express-standard-differ", "(express, standard): %s"
                            % json.dumps(diff, ensure_ascii=False)[:600])

    def check_output(self, res):
        out = res.get("output")
        if out is not None:
            try:
                json.loads(out)
            except ValueError:
                raise Violation("bad-output", "output is not JSON: %r" % out[:300])

    def follow(self, arn, wait=1.0):
        deadline = time.monotonic() + wait
        while True:
            d, _, _ = self.api.call("DescribeExecution", {"executionArn": arn})
            if d["status"] in TERMINAL or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        if d["status"] in TERMINAL:
            self.count("statuses", d["status"] + (":" + d["error"] if d.get("error") else ""))
            self.check_output(d)
        else:
            self.pending.append(arn)
        self.history(arn, d["status"], d)

    def history(self, arn, status, desc=None):
        r = self.rng
        events, token, pages, received = [], None, 0, 0
        last = None  # the event with the highest id, in full (the others slimmed)
        page = r.choice([0, 1, 7, 100, 1000])
        reverse = r.random() < 0.2
        data = r.random() < 0.7
        started = time.monotonic()
        while True:
            body = {"executionArn": arn, "includeExecutionData": data, "reverseOrder": reverse}
            if page:
                body["maxResults"] = page
            if token:
                body["nextToken"] = token
            h, _, _ = self.api.call("GetExecutionHistory", body)
            received += self.api.last_bytes
            for e in h["events"]:
                if last is None or e.get("id", 0) > last.get("id", 0):
                    last = e
                events.append({k: e.get(k) for k in ("id", "previousEventId", "type")})
            token = h.get("nextToken")
            pages += 1
            if pages == 20:
                page = 1000  # small pages: only the first few (a history may be 25,000 events)
            if not token or pages > 30000:
                break
            # 20 s, plus 1 s per 20 MB of answers (histories with big payloads)
            took = time.monotonic() - started
            if took > 20 + received / 20e6:
                raise Violation("slow-history", "paging %d events (%d pages, %.0f MB) took %.1f s"
                                % (len(events), pages, received / 1e6, took))
        if reverse:
            events.reverse()
        if status in TERMINAL and not token:
            probs = check_history(events, status)
            if probs:
                raise Violation("bad-history", "; ".join(probs[:3]))
            if desc is not None and last is not None:
                if status == "SUCCEEDED" and data:
                    got = last.get("executionSucceededEventDetails", {}).get("output")
                    if got != desc.get("output"):
                        raise Violation("history-mismatch", "DescribeExecution output %r, "
                                        "ExecutionSucceeded output %r"
                                        % (str(desc.get("output"))[:200], str(got)[:200]))
                if status == "FAILED":
                    det = last.get("executionFailedEventDetails", {})
                    if (det.get("error"), det.get("cause")) != (desc.get("error"), desc.get("cause")):
                        raise Violation("history-mismatch", "DescribeExecution error/cause %r, "
                                        "ExecutionFailed %r" % ((desc.get("error"), desc.get("cause")),
                                                                (det.get("error"), det.get("cause"))))

    def finish(self):
        """Every STANDARD execution is terminal, or stops."""
        self.api.log = []
        self.current = {"seed": self.seed, "case": "end-of-run stop check"}
        for arn in self.pending:
            d, _, _ = self.api.call("DescribeExecution", {"executionArn": arn})
            if d["status"] in TERMINAL:
                continue
            _, code, msg = self.api.call("StopExecution", {"executionArn": arn, "error": "fuzz.stop"})
            deadline = time.monotonic() + 5
            while True:
                d, _, _ = self.api.call("DescribeExecution", {"executionArn": arn})
                if d["status"] in TERMINAL:
                    break
                if time.monotonic() > deadline:
                    raise Violation("unstoppable", "%s still %s 5 s after StopExecution (%s)"
                                    % (arn, d["status"], code or "accepted"))
                time.sleep(0.05)
            self.history(arn, d["status"])

    def record(self, v, number):
        os.makedirs(self.args.out, exist_ok=True)
        path = os.path.join(self.args.out, "violation-seed%d-%d-%s.json"
                            % (self.seed, number, v.kind))
        rep = dict(self.current)
        rep.update(violation=v.kind, detail=v.detail, requests=self.api.log,
                   earlier_cases=list(self.recent) if v.kind in ("rss", "node-died") else [],
                   node_log_tail=self.node.log_tail(40),
                   node_cmd=" ".join(self.node.cmd()))
        with open(path, "w") as f:
            json.dump(rep, f, indent=1, ensure_ascii=False, default=str)
        return path


def start_node(args, tmp, redis=None):
    os.environ["STATECRAFTD"] = os.path.abspath(args.statecraftd)
    os.environ["ROBUST_TMP"] = tmp
    cfg = {"executions": {"history_event_limit": args.history_limit}}
    node = Node(name="fuzz", use_redis=args.with_redis, redis=redis, poll_timeout=1,
                config=cfg, args=["--time-scale", str(args.time_scale)])
    node.start()
    return node


def run(args):
    seeds = list(args.seed or [])
    if not seeds or args.random_seed:
        seeds.append(random.SystemRandom().randrange(1, 2 ** 31))
    status = 0
    for seed in seeds:
        args.seed = seed
        status = max(status, run_one(args))
    return status


def run_one(args):
    print("semantic_fuzz: seed %d (rerun with --seed %d%s), %ds, store %s, max RSS %d MB"
          % (args.seed, args.seed, " --threads %d" % args.threads if args.threads > 1 else "",
             args.seconds, "redis" if args.with_redis else "memory", args.max_rss_mb), flush=True)
    tmp = tempfile.mkdtemp(prefix="statecraft-fuzz-")
    node = start_node(args, tmp)
    try:
        return fuzz_on(args, node, tmp)
    finally:
        node.close()  # also when the harness itself fails


def fuzz_on(args, node, tmp):
    # Thread 0 uses the seed itself; the others seeds derived from it.
    fuzzers = [Fuzzer(args, node, args.seed if i == 0 else args.seed * 1000 + i, i)
               for i in range(args.threads)]
    violations = {}
    lock = threading.Lock()
    stop = threading.Event()
    state = {"status": 0, "restart": False}
    started = time.monotonic()
    deadline = started + args.seconds
    peak = 0.0

    def report(fz, v):
        key = v.kind + ":" + v.detail[:60]
        with lock:
            if key in violations:
                violations[key][1] += 1
                return
            path = fz.record(v, len(violations) + 1)
            violations[key] = [path, 1]
        print("semantic_fuzz: VIOLATION %s\n  reproducer: %s" % (v, path), flush=True)

    def work(fz):
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                fz.case()
                continue
            except Violation as v:
                if watch.killed_at:
                    v = Violation("rss", "node RSS passed %.0f MB (limit %d MB); killed it"
                                  % (watch.killed_at, args.max_rss_mb))
                report(fz, v)
                state["status"] = 1
                if not args.keep_going or not node.alive() or v.kind == "rss":
                    state["restart"] = True
                    stop.set()

    # A watchdog kills the node well before it can take the machine down.
    watch = RssWatch(node.pid, kill_above_mb=args.max_rss_mb * 1.3).__enter__()
    for fz in fuzzers:
        fz.api.watch = watch
        fz.setup()
    while time.monotonic() < deadline:
        stop.clear()
        threads = [threading.Thread(target=work, args=(fz,), daemon=True) for fz in fuzzers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if not args.keep_going or not state["restart"]:
            break
        # keep going on a fresh node (a dead or bloated one is replaced)
        state["restart"] = False
        peak = max(peak, watch.peak)
        watch.__exit__()
        node.stop(signal.SIGKILL)
        node.start()
        watch = RssWatch(node.pid, kill_above_mb=args.max_rss_mb * 1.3).__enter__()
        for fz in fuzzers:
            if not args.with_redis:
                fz.pending = []  # gone with the node
            fz.api.reset()
            fz.api.watch = watch
            fz.setup()
    elapsed = time.monotonic() - started
    if state["status"] == 0 or args.keep_going:
        for fz in fuzzers:
            try:
                if node.alive():
                    fz.finish()
            except Violation as v:
                report(fz, v)
                state["status"] = 1
    watch.__exit__()
    peak = max([peak, watch.peak] + [fz.api.peak_rss for fz in fuzzers])
    s = {k: sum(fz.stats[k] for fz in fuzzers) for k in fuzzers[0].stats
         if not isinstance(fuzzers[0].stats[k], dict)}
    for k in ("statuses", "errors"):
        s[k] = collections.Counter()
        for fz in fuzzers:
            s[k].update(fz.stats[k])
    requests = sum(fz.api.requests for fz in fuzzers)
    print("semantic_fuzz: %d cases in %.1fs (%d invalid definitions), %d executions "
          "(%.1f/s; %d sync express, %d async express, %d standard), %d requests (%.0f/s), "
          "peak RSS %.0f MB"
          % (s["cases"], elapsed, s["invalid"], s["executions"], s["executions"] / elapsed,
             s["sync"], s["express_async"], s["standard"], requests, requests / elapsed, peak))
    print("semantic_fuzz: outcomes: %s"
          % ", ".join("%s=%d" % kv for kv in s["statuses"].most_common(12)))
    print("semantic_fuzz: %d EXPRESS/STANDARD differential runs, %d TestState calls"
          % (s["differential"], s["test_state"]))
    print("semantic_fuzz: rejected requests: %s"
          % ", ".join("%s=%d" % kv for kv in s["errors"].most_common(8)))
    examples = {}
    for fz in fuzzers:
        examples.update(fz.examples)
    for key, msg in sorted(examples.items()):
        if not key.startswith("CreateStateMachine"):
            print("  e.g. %s: %s" % (key, msg))
    if violations:
        print("semantic_fuzz: %d distinct violation(s):" % len(violations))
        for key, (path, n) in violations.items():
            print("  %dx %s\n     %s" % (n, key, path))
    node.close()
    if state["status"] == 0:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print("semantic_fuzz: node logs under %s" % tmp)
    return state["status"]


def replay(args):
    """Send a reproducer's requests, in order, to a fresh node."""
    with open(args.replay) as f:
        rep = json.load(f)
    tmp = tempfile.mkdtemp(prefix="statecraft-fuzz-replay-")
    node = start_node(args, tmp)
    try:
        return replay_on(args, node, rep)
    finally:
        node.close()


def replay_on(args, node, rep):
    api = Api(node, args.max_rss_mb)
    # The activity the definitions name (created before the case).
    act = json.dumps(rep.get("definition", {})).split("activity:")
    if len(act) > 1:
        api.call("CreateActivity", {"name": act[1].split('"')[0]})
    status = 0
    for req in rep["requests"]:
        try:
            doc, code, msg = api.call(req["op"], req["request"])
            print("%s -> %s" % (req["op"], code or json.dumps(doc)[:300]))
        except Violation as v:
            print("%s -> VIOLATION %s" % (req["op"], v))
            status = 1
            break
    print("node %s" % node.exit_description())
    node.close()
    return status


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statecraftd", required=True)
    ap.add_argument("--with-redis", action="store_true")
    ap.add_argument("--seed", type=int, action="append",
                    help="RNG seed (repeatable: one run of --seconds per seed, each on a fresh "
                         "node; default: a random seed, printed)")
    ap.add_argument("--random-seed", action="store_true",
                    help="after the --seed runs, one more with a random seed (printed)")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--max-rss-mb", type=int, default=1500)
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "statecraft-fuzz-findings"),
                    help="directory for reproducers")
    ap.add_argument("--keep-going", action="store_true",
                    help="record each distinct violation and go on (restarting a dead node)")
    ap.add_argument("--time-scale", type=float, default=1000,
                    help="the node's --time-scale (Wait/Retry/timeouts run this much faster)")
    ap.add_argument("--history-limit", type=int, default=25000,
                    help="the node's executions.history_event_limit")
    ap.add_argument("--threads", type=int, default=1,
                    help="concurrent fuzzing clients (thread i > 0 uses seed*1000+i)")
    ap.add_argument("--differential", type=float, default=0.3,
                    help="share of deterministic cases also run as EXPRESS and STANDARD and "
                         "compared (default 0.3)")
    ap.add_argument("--test-state", type=float, default=0.3,
                    help="share of valid cases where one of the machine's states is also run "
                         "through TestState (default 0.3)")
    ap.add_argument("--avoid-known", action="store_true",
                    help="do not generate the shapes of already reported findings (a Parallel "
                         "whose Catch leads back to it; loops without a terminal state)")
    ap.add_argument("--replay", help="re-send the requests of a reproducer file to a fresh node")
    args = ap.parse_args()
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(k, None)
    if args.replay:
        return replay(args)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
