#!/usr/bin/env python3
"""Distributed Map streamed from and to S3 (moto's server): wall time,
items/s and the node's peak RSS for N-line CSVs.

    python3 bench/map_stream/run.py --statecraftd build/tools/statecraftd/statecraftd \
        --lines 100000 --lines 1000000 [--max-concurrency 1000]

For each size: a fresh moto server and a fresh node (memory store,
configured through AWS_ENDPOINT_URL only), a CSV of N lines
("id,name,score") uploaded with boto3, one Standard execution of a
Distributed Map (EXPRESS children, a Pass each; ItemReader getObject CSV;
ResultWriter to S3; --store redis: a Redis of its own), then: wall time from StartExecution to SUCCEEDED,
items/s, the node's VmHWM (peak RSS) and VmRSS from /proc/PID/status, the
result files written and the Map Run's counts. Prints one line per size
and a JSON summary at the end.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from harness import Moto, Redis, free_port, wait_for_port  # noqa: E402

import boto3  # noqa: E402


def status_kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def cpu_s(pid):
    """User + system CPU seconds of a process so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 1)


def one(binary, lines, maxc, tmp, store, result_file_bytes=0):
    moto = Moto(tmp)
    moto.start()
    redis = None
    extra = []
    if store == "redis":
        redis = Redis(tmp)
        redis.start()
        extra = ["--redis", redis.url]
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDBENCH", AWS_SECRET_ACCESS_KEY="bench",
               AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=moto.url,
               AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE=os.path.join(tmp, "none"), AWS_SHARED_CREDENTIALS_FILE=os.path.join(tmp, "none"))
    if result_file_bytes:
        conf = os.path.join(tmp, "bench.yaml")
        with open(conf, "w") as f:
            f.write("aws:\n  map_result_file_bytes: %d\n" % result_file_bytes)
        extra = extra + ["--config", conf]
    port = free_port()
    node = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--log-level", "warn"] + extra,
                            env=env, stdout=open(os.path.join(tmp, "node.log"), "wb"), stderr=subprocess.STDOUT)
    try:
        problem = wait_for_port(node, port, 20)
        if problem:
            raise RuntimeError("node " + problem)
        s3 = boto3.client("s3", endpoint_url=moto.url, region_name="us-east-1",
                          aws_access_key_id="AKIDBENCH", aws_secret_access_key="bench")
        sfn = boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1",
                           aws_access_key_id="AKIDBENCH", aws_secret_access_key="bench")
        s3.create_bucket(Bucket="bench")
        path = os.path.join(tmp, "data.csv")
        with open(path, "w") as f:
            f.write("id,name,score\n")
            for i in range(lines):
                f.write("%d,item %d,%d\n" % (i, i, i % 7))
        s3.upload_file(path, "bench", "in/data.csv")
        size = os.path.getsize(path)
        os.remove(path)
        definition = {"StartAt": "M", "States": {"M": {
            "Type": "Map", "MaxConcurrency": maxc,
            "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                           "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                           "Parameters": {"Bucket": "bench", "Key": "in/data.csv"}},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                              "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
            "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                             "Parameters": {"Bucket": "bench", "Prefix": "out"}},
            "End": True}}}
        sm = sfn.create_state_machine(name="bench", definition=json.dumps(definition),
                                      roleArn="arn:aws:iam::123456789012:role/bench")["stateMachineArn"]
        rss0 = status_kb(node.pid, "VmHWM")
        cpu0 = {"node": cpu_s(node.pid), "moto": cpu_s(moto.proc.pid),
                "redis": cpu_s(redis.proc.pid) if redis else 0}
        t0 = time.monotonic()
        arn = sfn.start_execution(stateMachineArn=sm, input="{}")["executionArn"]
        state_max = 0
        while True:
            if redis:  # the largest saved execution state (bytes) seen while it runs
                out = subprocess.run(["redis-cli", "-p", str(redis.port), "--raw", "eval",
                                      "local m=0 for _,k in ipairs(redis.call('keys','sc:*:state:*')) do "
                                      "local l=redis.call('strlen',k) if l>m then m=l end end return m", "0"],
                                     capture_output=True, text=True).stdout.strip()
                state_max = max(state_max, int(out or 0))
            d = sfn.describe_execution(executionArn=arn)
            if d["status"] != "RUNNING":
                break
            time.sleep(0.5)
        wall = time.monotonic() - t0
        if d["status"] != "SUCCEEDED":
            raise RuntimeError("execution %s: %s %s" % (d["status"], d.get("error"), d.get("cause")))
        cpu = {"node": round(cpu_s(node.pid) - cpu0["node"], 1),
               "moto": round(cpu_s(moto.proc.pid) - cpu0["moto"], 1),
               "redis": round(cpu_s(redis.proc.pid) - cpu0["redis"], 1) if redis else 0}
        out = json.loads(d["output"])
        run = sfn.describe_map_run(mapRunArn=out["MapRunArn"])
        manifest = json.loads(s3.get_object(Bucket="bench", Key=out["ResultWriterDetails"]["Key"])["Body"].read())
        r = {"store": store, "result_file_bytes": result_file_bytes or 1048576, "lines": lines, "csv_bytes": size, "max_concurrency": maxc, "wall_s": round(wall, 2),
             "items_per_s": round(lines / wall), "vm_hwm_kb": status_kb(node.pid, "VmHWM"),
             "vm_hwm_before_kb": rss0, "vm_rss_kb": status_kb(node.pid, "VmRSS"),
             "result_files": len(manifest["ResultFiles"]["SUCCEEDED"]),
             "max_saved_state_bytes": state_max, "cpu_s": cpu,
             "item_counts": run["itemCounts"]}
        print("store=%s lines=%d wall=%.1fs items/s=%d VmHWM=%d KiB (before %d) files=%d state<=%dB cpu=%s succeeded=%d"
              % (store, lines, wall, r["items_per_s"], r["vm_hwm_kb"], rss0, r["result_files"], state_max, cpu,
                 run["itemCounts"]["succeeded"]), flush=True)
        return r
    finally:
        if node.poll() is None:
            node.send_signal(signal.SIGTERM)
            try:
                node.wait(timeout=20)
            except subprocess.TimeoutExpired:
                node.kill()
        moto.stop()
        if redis:
            redis.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--statecraftd", required=True)
    ap.add_argument("--lines", type=int, action="append", default=[])
    ap.add_argument("--max-concurrency", type=int, default=1000)
    ap.add_argument("--store", choices=["memory", "redis"], default="memory",
                    help="memory: the node also holds every child execution's record; "
                         "redis: the records live in Redis")
    ap.add_argument("--result-file-bytes", type=int, default=0,
                    help="aws.map_result_file_bytes for the node (0: its default, 1 MiB)")
    args = ap.parse_args()
    sizes = args.lines or [100000, 1000000]
    out = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="statecraft-mapbench-") as tmp:
            out.append(one(os.path.abspath(args.statecraftd), n, args.max_concurrency, tmp, args.store,
                           args.result_file_bytes))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
