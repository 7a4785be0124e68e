#!/usr/bin/env python3
"""A Distributed Map streaming from and to S3 (moto) across kill -9 of the
node (Redis store): items read in windows of 16, results written in small
files as they come; the node dies mid-run and starts again.

    python3 tests/durability/map_stream_restart.py \\
        --statecraftd build/tools/statecraftd/statecraftd

Checks: after the restart the Map goes on from its stored window, cursor
and result buffer (an S3 call in flight is made again); the parent
SUCCEEDED; the result files hold every item exactly once; DescribeMapRun's
total, succeeded and resultsWritten are the item count. Exit status 0 when
every check passed, 1 otherwise (77: moto or boto3 missing)."""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

import common
from harness import Moto  # noqa: E402

ITEMS = 60


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--statecraftd", required=True)
    args = ap.parse_args()
    try:
        import moto  # noqa: F401
    except ImportError:
        print("map_stream_restart: skipped (moto not installed)")
        return 77
    tmp = tempfile.mkdtemp(prefix="statecraft-mapstream-")
    mt = Moto(tmp)
    mt.start()
    os.environ.update({"AWS_ACCESS_KEY_ID": "AKIDSTREAM", "AWS_SECRET_ACCESS_KEY": "stream",
                       "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": mt.url,
                       "AWS_EC2_METADATA_DISABLED": "true",
                       "AWS_CONFIG_FILE": os.path.join(tmp, "none"),
                       "AWS_SHARED_CREDENTIALS_FILE": os.path.join(tmp, "none")})
    conf = os.path.join(tmp, "stream.yaml")
    with open(conf, "w") as f:
        f.write("aws:\n  map_window_items: 16\n  map_read_bytes: 4096\n  map_result_file_bytes: 256\n")
    redis = common.Redis(tmp)
    redis.start()
    node = common.Node(os.path.abspath(args.statecraftd), tmp, redis.port,
                       extra=["--activity-poll-timeout", "1", "--config", conf])
    ok = False
    try:
        import boto3
        s3 = boto3.client("s3", endpoint_url=mt.url, region_name="us-east-1")
        s3.create_bucket(Bucket="stream")
        s3.put_object(Bucket="stream", Key="in.jsonl",
                      Body="\n".join(json.dumps({"n": i}) for i in range(ITEMS)) + "\n")
        node.start()
        sfn = common.boto(node.port)
        act = sfn.create_activity(name="stream-act")["activityArn"]
        definition = {"StartAt": "M", "States": {"M": {
            "Type": "Map", "MaxConcurrency": 4,
            "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSONL"},
                           "Parameters": {"Bucket": "stream", "Key": "in.jsonl"}},
            "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                             "Parameters": {"Bucket": "stream", "Prefix": "out"}},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                              "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": act, "End": True}}},
            "End": True}}}
        sm = sfn.create_state_machine(name="stream", definition=json.dumps(definition),
                                      roleArn=common.ROLE_ARN)["stateMachineArn"]
        arn = sfn.start_execution(stateMachineArn=sm, input="{}")["executionArn"]

        def answer(limit):
            done = 0
            while done < limit:
                t = sfn.get_activity_task(activityArn=act, workerName="w")
                if not t.get("taskToken"):
                    if sfn.describe_execution(executionArn=arn)["status"] != "RUNNING":
                        return done
                    continue
                sfn.send_task_success(taskToken=t["taskToken"], output=json.dumps({"ok": json.loads(t["input"])}))
                done += 1
            return done

        answer(25)
        time.sleep(0.3)
        common.log("kill -9 after 25 answers")
        node.kill9()
        node.start()
        sfn = common.boto(node.port)
        answer(10 * ITEMS)
        deadline = time.monotonic() + 30
        while True:
            d = sfn.describe_execution(executionArn=arn)
            if d["status"] != "RUNNING" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert d["status"] == "SUCCEEDED", d
        out = json.loads(d["output"])
        manifest = json.loads(s3.get_object(Bucket="stream", Key=out["ResultWriterDetails"]["Key"])["Body"].read())
        seen = []
        for f in manifest["ResultFiles"]["SUCCEEDED"]:
            for r in json.loads(s3.get_object(Bucket="stream", Key=f["Key"])["Body"].read()):
                assert r["Status"] == "SUCCEEDED", r
                assert json.loads(r["Output"]) == {"ok": json.loads(r["Input"])}, r
                seen.append(json.loads(r["Input"])["n"])
        assert sorted(seen) == list(range(ITEMS)), sorted(seen)
        assert len(manifest["ResultFiles"]["SUCCEEDED"]) > 3, manifest
        c = sfn.describe_map_run(mapRunArn=out["MapRunArn"])["itemCounts"]
        assert (c["total"], c["succeeded"], c["resultsWritten"]) == (ITEMS, ITEMS, ITEMS), c
        common.log("map stream restart: OK (%d result files)" % len(manifest["ResultFiles"]["SUCCEEDED"]))
        ok = True
    except AssertionError as e:
        print("FAILED: %s" % e)
        print(common.tail(node.log_path, 60) if getattr(node, "log_path", None) else "")
    finally:
        try:
            node.kill9()
        except Exception:
            pass
        redis.stop()
        mt.stop()
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
