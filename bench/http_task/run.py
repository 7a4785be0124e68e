#!/usr/bin/env python3
"""HTTP Task throughput: one execution whose inline Map (MaxConcurrency 0)
makes N HTTP Task calls (GET, small JSON answer, an API_KEY connection) to a
local Python ThreadingHTTPServer (listen backlog raised to 512: the default
of 5 drops connections under concurrency). Prints calls/s from
StartExecution to the execution's end.

    python3 bench/http_task/run.py --statecraftd build/tools/statecraftd/statecraftd [--calls 500]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests"))
from harness import free_port, wait_for_port  # noqa: E402

import boto3  # noqa: E402
import botocore.config  # noqa: E402


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statecraftd", required=True)
    ap.add_argument("--calls", type=int, default=500)
    ap.add_argument("--max-concurrent-calls", type=int, default=64)
    args = ap.parse_args()
    ThreadingHTTPServer.request_queue_size = 512
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    tmp = tempfile.mkdtemp(prefix="statecraft-bench-http-")
    conn = "arn:aws:events:us-east-1:123456789012:connection/bench/1"
    cfg = os.path.join(tmp, "statecraft.yaml")
    with open(cfg, "w") as f:
        json.dump({"outbound": {"max_concurrent_calls": args.max_concurrent_calls},
                   "connections": [{"arn": conn, "authorization_type": "API_KEY",
                                    "api_key": {"name": "x-key", "value": "v"}}]}, f)
    port = free_port()
    node = subprocess.Popen([args.statecraftd, "--config", cfg, "--port", str(port), "--log-level", "warn"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        problem = wait_for_port(node, port, 20)
        if problem:
            sys.exit("node %s" % problem)
        sfn = boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1",
                           aws_access_key_id="t", aws_secret_access_key="t",
                           config=botocore.config.Config(retries={"max_attempts": 1}))
        task = {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {"ApiEndpoint": "http://127.0.0.1:%d/x" % srv.server_address[1], "Method": "GET",
                               "Authentication": {"ConnectionArn": conn}},
                "ResultSelector": {"s.$": "$.StatusCode"}, "End": True}
        definition = {"StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemsPath": "$.i", "MaxConcurrency": 0,
            "ItemProcessor": {"StartAt": "C", "States": {"C": task}}, "End": True}}}
        arn = sfn.create_state_machine(name="bench-http", roleArn="arn:aws:iam::123456789012:role/r",
                                       definition=json.dumps(definition))["stateMachineArn"]
        t0 = time.time()
        ex = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"i": list(range(args.calls))}))["executionArn"]
        while True:
            d = sfn.describe_execution(executionArn=ex)
            if d["status"] != "RUNNING":
                break
            time.sleep(0.01)
        dt = time.time() - t0
        print("status=%s calls=%d seconds=%.2f calls_per_s=%.0f" % (d["status"], args.calls, dt, args.calls / dt))
        return 0 if d["status"] == "SUCCEEDED" else 1
    finally:
        node.terminate()
        node.wait()
        srv.shutdown()


if __name__ == "__main__":
    sys.exit(main())
