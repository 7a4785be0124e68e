"""How fast the console's executions list is at 100,000 executions.

Starts a node (memory store), starts N executions of a one-Pass machine over
keep-alive HTTP (4 threads), then times, in headless Chromium (Debian's,
through tests/console/webdriver.py), the console's executions tab: the first
page of 50, the next page (nextToken), the status filter, a name filter
scanning pages of 1,000 (the console's budget: 20 pages per click) and an
exact name (one DescribeExecution). Also times the API calls alone.

Usage: bench/console/list_executions.py --statecraftd build/tools/statecraftd/statecraftd
       [--executions 100000] [--console-dir console/dist]"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "console"))
import harness  # noqa: E402
from webdriver import Browser  # noqa: E402


def api(conn, op, body):
    conn.request("POST", "/", json.dumps(body), {"Content-Type": "application/x-amz-json-1.0",
                                                  "X-Amz-Target": "AWSStepFunctions." + op})
    r = conn.getresponse()
    data = json.loads(r.read() or b"{}")
    if r.status != 200:
        raise RuntimeError("%s: %s" % (op, data))
    return data


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--statecraftd", required=True)
    p.add_argument("--console-dir", default="")
    p.add_argument("--executions", type=int, default=100000)
    a = p.parse_args()
    port = harness.free_port()
    log = tempfile.mktemp(prefix="statecraft-console-bench-", suffix=".log")
    cmd = [a.statecraftd, "--port", str(port), "--log-level", "warn"]
    if a.console_dir:
        cmd += ["--console-dir", a.console_dir]
    node = subprocess.Popen(cmd, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    try:
        err = harness.wait_for_port(node, port, 30)
        if err:
            raise SystemExit("statecraftd " + err)
        c = http.client.HTTPConnection("127.0.0.1", port)
        m = api(c, "CreateStateMachine", {"name": "many", "roleArn": "arn:aws:iam::123456789012:role/r",
                                           "definition": json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})})["stateMachineArn"]
        t0 = time.monotonic()
        n = a.executions

        def starter(k):
            cc = http.client.HTTPConnection("127.0.0.1", port)
            for i in range(k, n, 4):
                api(cc, "StartExecution", {"stateMachineArn": m, "name": "run-%06d" % i})
        ts = [threading.Thread(target=starter, args=(k,)) for k in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        print("started %d executions in %.1f s" % (n, time.monotonic() - t0))

        def timed(label, f, reps=5):
            best = 1e9
            for _ in range(reps):
                t = time.monotonic()
                f()
                best = min(best, time.monotonic() - t)
            print("  API %-52s %7.1f ms" % (label, best * 1000))
        timed("ListExecutions maxResults=50", lambda: api(c, "ListExecutions", {"stateMachineArn": m, "maxResults": 50}))
        tok = api(c, "ListExecutions", {"stateMachineArn": m, "maxResults": 1000})["nextToken"]
        timed("ListExecutions maxResults=50 after a nextToken", lambda: api(c, "ListExecutions", {"stateMachineArn": m, "maxResults": 50, "nextToken": tok}))
        timed("ListExecutions statusFilter=SUCCEEDED maxResults=50", lambda: api(c, "ListExecutions", {"stateMachineArn": m, "maxResults": 50, "statusFilter": "SUCCEEDED"}))
        timed("ListExecutions statusFilter=FAILED (none) maxResults=50", lambda: api(c, "ListExecutions", {"stateMachineArn": m, "maxResults": 50, "statusFilter": "FAILED"}))
        timed("ListExecutions maxResults=1000", lambda: api(c, "ListExecutions", {"stateMachineArn": m, "maxResults": 1000}))
        ex = m.replace(":stateMachine:", ":execution:") + ":run-%06d" % (n // 2)
        timed("DescribeExecution (exact name)", lambda: api(c, "DescribeExecution", {"executionArn": ex}))

        b = Browser()
        try:
            url = "http://127.0.0.1:%d/#/machine/%s/executions" % (port, urllib.parse.quote(m, safe=""))
            rows = "return document.querySelectorAll('#executions tbody tr a').length"

            def browser(label, action, check):
                t = time.monotonic()
                action()
                b.wait(check, 120, label)
                print("  browser %-48s %7.1f ms" % (label, (time.monotonic() - t) * 1000))
            browser("open the executions tab (first 50)", lambda: b.open(url), rows + " === 50")
            b.open("about:blank")
            browser("open it again (warm cache)", lambda: b.open(url), rows + " === 50")
            first = b.js("return document.querySelector('#executions tbody tr a').textContent")
            browser("next page (nextToken)", lambda: b.click("#next-page"),
                    "const a = document.querySelector('#executions tbody tr a'); return a && a.textContent !== %s" % json.dumps(first))
            browser("name filter 'run-0999' (scans 20 pages of 1,000)", lambda: b.type("#filter-name", "run-0999"),
                    "return document.querySelector('#page-info').textContent.includes('scanned')")
            print("    " + b.js("return document.querySelector('#page-info').textContent") +
                  ", rows: %d" % b.js(rows))
            b.js("document.querySelector('#filter-name').value = ''")
            name = "run-%06d" % (n // 2)
            browser("exact name %s" % name, lambda: b.js(
                "const i = document.querySelector('#filter-name'); i.value = arguments[0]; i.dispatchEvent(new Event('input'));", name),
                "return [...document.querySelectorAll('#executions tbody tr a')].some(a => a.textContent === %s)" % json.dumps(name))
        finally:
            b.close()
    finally:
        node.terminate()
        node.wait(10)


if __name__ == "__main__":
    main()
