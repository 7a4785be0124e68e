"""How long the console's execution page takes on a long history: an inline
Map over N items (two Pass states each: 6 events per item), opened in
headless Chromium (tests/console/webdriver.py) until every state is coloured.
Prints the API's own time to read the whole history for comparison.

Usage: bench/console/long_history.py --statecraftd build/tools/statecraftd/statecraftd
       [--items 2000] [--console-dir console/dist] [--runs 3]"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "console"))
import harness  # noqa: E402
from webdriver import Browser  # noqa: E402


def api(c, op, body):
    c.request("POST", "/", json.dumps(body), {"X-Amz-Target": "AWSStepFunctions." + op,
                                              "Content-Type": "application/x-amz-json-1.0"})
    return json.loads(c.getresponse().read())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--statecraftd", required=True)
    p.add_argument("--console-dir", default="")
    p.add_argument("--items", type=int, default=2000)
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()
    port = harness.free_port()
    cmd = [a.statecraftd, "--port", str(port), "--log-level", "warn"]
    if a.console_dir:
        cmd += ["--console-dir", a.console_dir]
    node = subprocess.Popen(cmd)
    try:
        harness.wait_for_port(node, port, 30)
        c = http.client.HTTPConnection("127.0.0.1", port)
        d = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "End": True, "ItemProcessor": {
            "StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "Q"}, "Q": {"Type": "Pass", "End": True}}}}}}
        m = api(c, "CreateStateMachine", {"name": "long", "roleArn": "arn:aws:iam::123456789012:role/r",
                                          "definition": json.dumps(d)})["stateMachineArn"]
        ex = api(c, "StartExecution", {"stateMachineArn": m, "input": json.dumps({"items": list(range(a.items))})})["executionArn"]
        while api(c, "DescribeExecution", {"executionArn": ex})["status"] == "RUNNING":
            time.sleep(0.2)
        t = time.monotonic()
        n, tok = 0, None
        while True:
            r = api(c, "GetExecutionHistory", dict(executionArn=ex, maxResults=1000, **({"nextToken": tok} if tok else {})))
            n += len(r["events"])
            tok = r.get("nextToken")
            if not tok:
                break
        print("%d events; the API reads them all in %.2f s" % (n, time.monotonic() - t))
        b = Browser()
        try:
            for i in range(a.runs):
                b.open("about:blank")
                t = time.monotonic()
                b.open("http://127.0.0.1:%d/#/execution/%s" % (port, urllib.parse.quote(ex, safe="")))
                b.wait("const g = document.querySelector('g[data-state=\"Q\"]'); return g && g.classList.contains('o-succeeded')", 120)
                print("  page ready, every state coloured: %.2f s (in the page: %s ms)" % (
                    time.monotonic() - t, b.js("return document.querySelector('.view').dataset.ready")))
        finally:
            b.close()
    finally:
        node.terminate()
        node.wait(10)


if __name__ == "__main__":
    main()
