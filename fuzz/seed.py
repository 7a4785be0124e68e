#!/usr/bin/env python3
"""Builds the seed inputs and dictionaries of the libFuzzer targets.

    fuzz/seed.py --out build-fuzz [--targets json_reader,asl_parse,...]

writes, for every target T:

    <out>/seeds/T/<sha1>   one seed per file, in the target's input format
    <out>/dicts/T.dict     the libFuzzer dictionary for T (fuzz/*.dict combined)

Seeds come from the project's own cases:
  * tests/golden/<group>/<case>/ (definition.asl.json, input.json, tasks.json);
  * ../shared/conformance/cases/<category>/*.json (real AWS executions:
    a definition and execution inputs), skipped when that folder is absent;
  * the handwritten seeds below.
Targets that take several inputs get them joined with NUL bytes, the form
fuzz/common.hpp splits ("definition\\0input\\0tasks", "path\\0document\\0value").
The seed folders are rewritten on every run (the corpus libFuzzer grows is
kept apart, in <out>/corpus/T); nothing here goes into git.
"""

import argparse
import hashlib
import json
import pathlib
import re
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FUZZ = ROOT / "fuzz"
GOLDEN = ROOT / "tests" / "golden"
CONFORMANCE = ROOT / ".." / "shared" / "conformance" / "cases"
JSONATA_SUITE = ROOT / ".." / "shared" / "jsonata-suite"

TARGETS = ["json_reader", "asl_parse", "jsonpath", "intrinsics", "payload", "execution",
           "http_request", "jsonata"]

# Which fuzz/*.dict files make up each target's dictionary.
DICTS = {
    "json_reader": ["json"],
    "asl_parse": ["json", "asl", "jsonpath", "intrinsics"],
    "jsonpath": ["jsonpath", "json"],
    "intrinsics": ["intrinsics", "jsonpath", "json"],
    "payload": ["intrinsics", "jsonpath", "json"],
    "execution": ["asl", "jsonpath", "intrinsics", "json"],
    "http_request": ["http", "json", "asl"],
    "jsonata": ["jsonata", "json"],
}

# Seeds larger than this are left out (libFuzzer would cut them at the
# target's -max_len anyway; fuzz/run.sh uses the same figures).
MAX_LEN = {
    "json_reader": 16384, "asl_parse": 16384, "jsonpath": 4096, "intrinsics": 4096,
    "payload": 8192, "execution": 16384, "http_request": 16384, "jsonata": 4096,
}

SEP = b"\0"

CONTEXT = {
    "Execution": {
        "Id": "arn:aws:states:us-east-1:123456789012:execution:fuzz:run",
        "Input": {"a": 1}, "Name": "run", "RoleArn": "arn:aws:iam::123456789012:role/fuzz",
        "StartTime": "2023-11-14T22:13:20.000Z",
    },
    "State": {"EnteredTime": "2023-11-14T22:13:20.000Z", "Name": "S", "RetryCount": 0},
    "StateMachine": {"Id": "arn:aws:states:us-east-1:123456789012:stateMachine:fuzz", "Name": "fuzz"},
    "Map": {"Item": {"Index": 0, "Value": {"x": 1}}},
    "Task": {"Token": "t0k3n"},
}

# Handwritten seeds: corners the recorded cases do not reach. Each is a
# list of parts, joined with NUL.
HANDWRITTEN = {
    "json_reader": [
        ['{"a":[1,-0,0.5,1e308,-1e-308,123456789012345678901,"\\u00e9\\ud83d\\ude00",true,false,null]}'],
        ['[' * 40 + ']' * 40],
        ['"\\u0000\\"\\\\\\/\\b\\f\\n\\r\\t"'],
        ["0e68"], ["0." + "0" * 30 + "1"], ["-9223372036854775808"], ["18446744073709551616"],
    ],
    "asl_parse": [
        ['{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"A","States":'
         '{"A":{"Type":"Pass","End":true}}}],"Retry":[{"ErrorEquals":["States.ALL"],'
         '"MaxAttempts":2,"BackoffRate":1.5,"MaxDelaySeconds":3,"JitterStrategy":"FULL"}],'
         '"Catch":[{"ErrorEquals":["States.ALL"],"Next":"F","ResultPath":"$.err"}],"Next":"C"},'
         '"C":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.a","NumericGreaterThan":1},'
         '{"Not":{"Variable":"$.b","IsPresent":true}}],"Next":"W"}],"Default":"F"},'
         '"W":{"Type":"Wait","TimestampPath":"$.t","Next":"S"},"S":{"Type":"Succeed"},'
         '"F":{"Type":"Fail","ErrorPath":"States.Format(\'{}\', $.e)","Cause":"c"}}}'],
        ['{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,'
         '"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},'
         '"StartAt":"T","States":{"T":{"Type":"Task","Resource":'
         '"arn:aws:states:us-east-1:123456789012:activity:a","TimeoutSeconds":5,'
         '"HeartbeatSeconds":2,"End":true}}},"ToleratedFailurePercentage":50,'
         '"ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},"End":true}}}'],
    ],
    "jsonpath": [
        ["$.a[?(@.b > 1 && @.c == 'x' || !(@.d))].e", '{"a":[{"b":2,"c":"x","e":1},{"d":true}]}',
         "7"],
        ["$..book[-1:]['title','price']", '{"store":{"book":[{"title":"t","price":1}]}}', "{}"],
        ["$['a b'][0][1:3:2]", '{"a b":[[1,2,3,4]]}', '"v"'],
        ["$.x.y.z", "{}", '{"deep":[1]}'],
        ["$[*]..[0,1]", "[[1,[2,3]],[4]]", "null"],
        ["$$.Execution.Input", "{}", "1"],
        ["$var.field[2]", "{}", "1"],
    ],
    "intrinsics": [
        ["States.Format('{} and \\{\\} {}', $.a, States.ArrayLength($.b))", '{"a":"x","b":[1,2]}'],
        ["States.ArrayPartition(States.ArrayRange(1, 20, 3), 4)", "{}"],
        ["States.Hash(States.JsonToString($), 'SHA-256')", '{"k":[1.5,null]}'],
        ["States.Base64Decode(States.Base64Encode('\\'q\\'x'))", "{}"],
        ["States.MathRandom(1, 1000, 42)", "{}"],
        ["States.StringSplit($.s, ', ')", '{"s":"a, b,,c"}'],
        ["States.JsonMerge($.a, $.b, false)", '{"a":{"x":1},"b":{"y":2}}'],
        ["States.ArrayGetItem(States.ArrayUnique($.l), $.i)", '{"l":[1,1,2],"i":1}'],
        ["States.MathAdd($$.Map.Item.Index, -1.5)", "{}", json.dumps(CONTEXT)],
        ["States.Array($x.y, $v, States.UUID())", "{}", "{}", '{"x":{"y":1},"v":"w"}'],
        ["States.StringToJson(' {\"a\": [1]} ')", "{}"],
        ["States.ArrayContains($.a, $.b)", '{"a":[{"k":1},"true"],"b":true}'],
    ],
    "payload": [
        ['{"a.$":"$.x","b":{"c.$":"States.Array($.x, 1)","d":[{"e.$":"$$.State.Name"}]},'
         '"f.$":"$v.w","g":"lit"}', '{"x":[1,2]}', json.dumps(CONTEXT), '{"v":{"w":true}}'],
        ['[{"a.$":"$..x"},{"b.$":"$.missing"}]', '{"x":1}'],
        ['{"a.$":"$", "a":1}', '{"y":2}'],
    ],
    "execution": [
        ['{"StartAt":"T","States":{"T":{"Type":"Task","Resource":'
         '"arn:aws:states:us-east-1:123456789012:activity:a","HeartbeatSeconds":1,'
         '"TimeoutSeconds":3,"Retry":[{"ErrorEquals":["States.Timeout"],"MaxAttempts":2}],'
         '"Catch":[{"ErrorEquals":["States.ALL"],"Next":"F"}],"End":true},'
         '"F":{"Type":"Fail","Error":"E","Cause":"C"}}}',
         '{"a":1}', '[{"never":true},{"heartbeats":2,"output":{"r":1}}]', "\x06\x03"],
        ['{"StartAt":"L","States":{"L":{"Type":"Pass","ResultPath":"$.n","Next":"W"},'
         '"W":{"Type":"Wait","Seconds":5,"Next":"L"}}}', "{}", "[]", "\x02\x10"],
        ['{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,'
         '"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},'
         '"ResultSelector":{"n.$":"States.ArrayLength($)"},"End":true}}}',
         '{"items":[1,2,3]}', "[]"],
        ['{"StartAt":"P","TimeoutSeconds":2,"States":{"P":{"Type":"Parallel","Branches":['
         '{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":10,"End":true}}},'
         '{"StartAt":"B","States":{"B":{"Type":"Fail","Error":"X"}}}],"End":true}}}',
         "{}", "[]"],
    ],
}

ROLE = "arn:aws:iam::123456789012:role/fuzz"
SM_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:fuzz"
EXEC_ARN = "arn:aws:states:us-east-1:123456789012:execution:fuzz:run"
ACT_ARN = "arn:aws:states:us-east-1:123456789012:activity:work"

HTTP_BODIES = [
    ("ListStateMachines", {"maxResults": 10, "nextToken": "bm90LWEtdG9rZW4.c20"}),
    ("DescribeStateMachine", {"stateMachineArn": SM_ARN}),
    ("UpdateStateMachine", {"stateMachineArn": SM_ARN, "roleArn": ROLE,
                            "loggingConfiguration": {"level": "ALL", "includeExecutionData": True,
                                                     "destinations": [{"x": 1}]},
                            "tracingConfiguration": {"enabled": True}}),
    ("DeleteStateMachine", {"stateMachineArn": SM_ARN}),
    ("DescribeStateMachineForExecution", {"executionArn": EXEC_ARN}),
    ("CreateActivity", {"name": "work", "tags": [{"key": "k", "value": "v"}]}),
    ("DescribeActivity", {"activityArn": ACT_ARN}),
    ("DeleteActivity", {"activityArn": ACT_ARN}),
    ("ListActivities", {}),
    ("StopExecution", {"executionArn": EXEC_ARN, "error": "E", "cause": "C"}),
    ("DescribeExecution", {"executionArn": EXEC_ARN}),
    ("ListExecutions", {"stateMachineArn": SM_ARN, "statusFilter": "RUNNING", "maxResults": 5}),
    ("GetExecutionHistory", {"executionArn": EXEC_ARN, "reverseOrder": True,
                             "includeExecutionData": False, "nextToken": "abc.aGlzdA"}),
    ("GetActivityTask", {"activityArn": ACT_ARN, "workerName": "w"}),
    ("SendTaskSuccess", {"taskToken": "djF8MXxhcm4.AAAA", "output": '{"ok":true}'}),
    ("SendTaskFailure", {"taskToken": "djF8MXxhcm4.AAAA", "error": "E", "cause": "C"}),
    ("SendTaskHeartbeat", {"taskToken": "djF8MXxhcm4.AAAA"}),
    ("TagResource", {"resourceArn": SM_ARN, "tags": [{"key": "a", "value": "b"}]}),
    ("UntagResource", {"resourceArn": ACT_ARN, "tagKeys": ["a"]}),
    ("ListTagsForResource", {"resourceArn": SM_ARN}),
    ("PublishStateMachineVersion", {"stateMachineArn": SM_ARN, "revisionId": "r", "description": "d"}),
    ("ListStateMachineVersions", {"stateMachineArn": SM_ARN, "maxResults": 2}),
    ("DeleteStateMachineVersion", {"stateMachineVersionArn": SM_ARN + ":1"}),
    ("CreateStateMachineAlias", {"name": "prod", "description": "d", "routingConfiguration": [
        {"stateMachineVersionArn": SM_ARN + ":1", "weight": 60},
        {"stateMachineVersionArn": SM_ARN + ":2", "weight": 40}]}),
    ("DescribeStateMachineAlias", {"stateMachineAliasArn": SM_ARN + ":prod"}),
    ("UpdateStateMachineAlias", {"stateMachineAliasArn": SM_ARN + ":prod", "routingConfiguration": [
        {"stateMachineVersionArn": SM_ARN + ":2", "weight": 100}]}),
    ("DeleteStateMachineAlias", {"stateMachineAliasArn": SM_ARN + ":prod"}),
    ("ListStateMachineAliases", {"stateMachineArn": SM_ARN + ":1", "nextToken": "abc.c21h"}),
    ("StartExecution", {"stateMachineArn": SM_ARN + ":prod"}),
]


def http_request(op, body, extra_headers=(), chunked=False):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    head = [f"POST / HTTP/1.1", "Host: 127.0.0.1:8083",
            "Content-Type: application/x-amz-json-1.0", f"X-Amz-Target: AWSStepFunctions.{op}"]
    head += list(extra_headers)
    if chunked:
        head.append("Transfer-Encoding: chunked")
        payload = b"%x\r\n" % len(data) + data + b"\r\n0\r\n\r\n"
    else:
        head.append(f"Content-Length: {len(data)}")
        payload = data
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


def parts(*items):
    return SEP.join(i if isinstance(i, bytes) else i.encode() for i in items)


def walk(value):
    """Every JSON value inside `value` (itself first)."""
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)


def is_template(value):
    return isinstance(value, dict) and any(k.endswith(".$") for k in value)


class Cases:
    """(definition text, [inputs], tasks script or None) from golden and conformance."""

    def __init__(self):
        self.cases = []
        self.sources = []
        golden = sorted(GOLDEN.glob("*/*/definition.asl.json"))
        for d in golden:
            folder = d.parent
            inp = folder / "input.json"
            tasks = folder / "tasks.json"
            self.cases.append((d.read_text(), [inp.read_text() if inp.exists() else "{}"],
                               tasks.read_text() if tasks.exists() else None))
        self.sources.append(f"{len(golden)} golden cases")
        if CONFORMANCE.is_dir():
            files = sorted(CONFORMANCE.glob("*/*.json"))
            n = 0
            for f in files:
                try:
                    case = json.loads(f.read_text())
                    definition = json.dumps(case["definition"], indent=1)
                    inputs = [e.get("input", "{}") for e in case.get("executions", [])] or ["{}"]
                except (ValueError, KeyError, TypeError):
                    continue
                self.cases.append((definition, inputs, None))
                n += 1
            self.sources.append(f"{n} conformance cases")
        else:
            self.sources.append("no ../shared/conformance (skipped)")


def seeds_for(target, cases):
    out = []
    for definition, inputs, tasks in cases.cases:
        try:
            parsed = json.loads(definition)
        except ValueError:
            parsed = None
        values = list(walk(parsed)) if parsed is not None else []
        strings = [v for v in values if isinstance(v, str)]
        inp = inputs[0]
        if target == "json_reader":
            out += [definition.encode()] + [i.encode() for i in inputs]
            if tasks:
                out.append(tasks.encode())
        elif target == "asl_parse":
            out.append(definition.encode())
        elif target == "jsonpath":
            for s in strings:
                if s.startswith("$") and not s.startswith("States."):
                    out.append(parts(s, inp, '{"written":[1]}'))
        elif target == "intrinsics":
            for s in strings:
                if s.startswith("States."):
                    out.append(parts(s, inp, json.dumps(CONTEXT), '{"v":1}'))
        elif target == "payload":
            for v in values:
                if is_template(v):
                    out.append(parts(json.dumps(v), inp, json.dumps(CONTEXT)))
        elif target == "execution":
            for i in inputs:
                out.append(parts(definition, i, tasks or "[]"))
        elif target == "http_request":
            out.append(http_request("CreateStateMachine", {
                "name": "fuzz", "definition": definition, "roleArn": ROLE, "type": "STANDARD"}))
            out.append(http_request("ValidateStateMachineDefinition", {"definition": definition}))
            for i in inputs:
                out.append(http_request("StartExecution", {
                    "stateMachineArn": SM_ARN, "name": "run", "input": i}))
    if target == "jsonata":
        out += jsonata_seeds(c[0] for c in cases.cases)
    for p in HANDWRITTEN.get(target, []):
        out.append(parts(*p))
    if target == "http_request":
        for op, body in HTTP_BODIES:
            out.append(http_request(op, body))
        # Keep-alive: two requests on one connection; chunked; odd shapes.
        out.append(http_request("ListActivities", {}) + http_request("DescribeActivity",
                                                                     {"activityArn": ACT_ARN}))
        out.append(http_request("StartSyncExecution", {"stateMachineArn": SM_ARN, "input": "[]"},
                                chunked=True))
        out.append(http_request("ListActivities", b"", ("Connection: close",)))
        out.append(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        out.append(http_request("Nope", {}) + b"garbage")
    return out


def jsonata_seeds(definitions):
    """"expression\0document" seeds for fuzz_jsonata: every case of the
    official JSONata suite (../shared/jsonata-suite, when present) with its
    input, and the {% ... %} expressions of the definitions."""
    out = []
    if JSONATA_SUITE.is_dir():
        datasets = {p.stem: p.read_text() for p in (JSONATA_SUITE / "datasets").glob("*.json")}
        for f in sorted((JSONATA_SUITE / "groups").glob("*/*.json")):
            try:
                spec = json.loads(f.read_text())
            except ValueError:
                continue
            for case in spec if isinstance(spec, list) else [spec]:
                expr = case.get("expr")
                if "expr-file" in case:
                    expr = (f.parent / case["expr-file"]).read_text()
                if not isinstance(expr, str):
                    continue
                if "data" in case:
                    doc = json.dumps(case["data"])
                else:
                    doc = datasets.get(case.get("dataset") or "", "")
                doc = doc if len(doc) < 3000 else ""
                out.append(parts(expr.encode("utf-8", "surrogatepass"), doc.encode("utf-8", "surrogatepass")))
    for definition in definitions:
        for m in re.finditer(r'\{%(.*?)%\}', definition):
            try:
                out.append(parts(json.loads('"%s"' % m.group(1)), '{"a":1}'))
            except ValueError:
                pass
    return out


def write_seeds(target, seeds, out_dir):
    folder = out_dir / "seeds" / target
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    kept = set()
    for s in seeds:
        if len(s) > MAX_LEN[target]:
            continue
        name = hashlib.sha1(s).hexdigest()
        if name in kept:
            continue
        kept.add(name)
        (folder / name).write_bytes(s)
    return len(kept)


def write_dict(target, out_dir):
    folder = out_dir / "dicts"
    folder.mkdir(parents=True, exist_ok=True)
    lines, seen = [], set()
    for name in DICTS[target]:
        for line in (FUZZ / f"{name}.dict").read_text().splitlines():
            entry = line.strip()
            if entry and not entry.startswith("#") and entry not in seen:
                seen.add(entry)
                lines.append(entry)
    (folder / f"{target}.dict").write_text("\n".join(lines) + "\n")
    return len(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "build-fuzz"), help="the fuzz build directory")
    ap.add_argument("--targets", default=",".join(TARGETS), help="comma-separated targets")
    args = ap.parse_args()
    out_dir = pathlib.Path(args.out)
    targets = [t for t in args.targets.split(",") if t]
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        sys.exit(f"seed.py: unknown target(s): {', '.join(unknown)} (known: {', '.join(TARGETS)})")
    cases = Cases()
    print(f"seed.py: from {', '.join(cases.sources)} and handwritten seeds")
    for t in targets:
        n = write_seeds(t, seeds_for(t, cases), out_dir)
        d = write_dict(t, out_dir)
        print(f"seed.py: {t}: {n} seeds, {d} dictionary entries")


if __name__ == "__main__":
    main()
