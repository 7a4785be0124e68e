#!/usr/bin/env python3
"""AWS service integrations against implementations nobody here wrote.

    python3 tests/aws/run.py --statecraftd build/tools/statecraftd/statecraftd [-k PATTERN]

Starts moto's server (SQS, SNS, DynamoDB, S3, EventBridge) and the tests'
Lambda-Invoke-compatible server (tests/aws/lambda_server.py: moto's Lambda
needs docker) on free loopback ports, then one statecraftd configured only
through the environment the AWS SDKs read (plus small Distributed Map
window settings in a config file): AWS_ENDPOINT_URL (moto),
AWS_ENDPOINT_URL_LAMBDA (the Lambda server), AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY, AWS_REGION. Then runs tests/aws/test_*.py (boto3
against both the node and moto). Exit status 0 when every test passed and
the node shut down cleanly.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
from harness import Moto, free_port, tail, wait_for_port  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--statecraftd", required=True)
    ap.add_argument("-k", dest="patterns", action="append", default=[])
    args = ap.parse_args()
    try:
        import moto  # noqa: F401
        import boto3  # noqa: F401
    except ImportError as e:
        print("run.py: skipped: %s (scripts/setup.sh installs moto and boto3)" % e)
        return 77

    binary = os.path.abspath(args.statecraftd)
    tmp = tempfile.mkdtemp(prefix="statecraft-aws-")
    procs = []
    try:
        return run(args, binary, tmp, procs)
    finally:
        for p in procs:  # whatever happened, nothing is left running
            if p.poll() is None:
                p.kill()
                p.wait()


def run(args, binary, tmp, procs):
    moto_srv = Moto(tmp)
    moto_srv.start()
    procs.append(moto_srv.proc)
    lam_port = free_port()
    lam_log = open(os.path.join(tmp, "lambda.log"), "wb")
    lam = subprocess.Popen([sys.executable, os.path.join(HERE, "lambda_server.py"), "--port", str(lam_port)],
                           stdout=lam_log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    procs.append(lam)
    problem = wait_for_port(lam, lam_port, 20)
    if problem:
        print("run.py: lambda server %s" % problem, file=sys.stderr)
        return 1

    # The test process and the node see the same AWS environment; the node
    # is configured by nothing else.
    os.environ.update({
        "AWS_ACCESS_KEY_ID": "AKIDSTATECRAFTTEST",
        "AWS_SECRET_ACCESS_KEY": "statecraft-test-secret",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": moto_srv.url,
        "AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:%d" % lam_port,
        "AWS_CONFIG_FILE": os.path.join(tmp, "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(tmp, "aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    })
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(k, None)

    port = free_port()
    log_path = os.path.join(tmp, "statecraftd.log")
    # Small Distributed Map windows and results files, so that the S3
    # streaming (tests/aws/test_aws_map_s3.py) goes through many of them.
    conf = os.path.join(tmp, "statecraft.yaml")
    with open(conf, "w") as f:
        f.write("aws:\n  map_window_items: 16\n  map_read_bytes: 4096\n  map_result_file_bytes: 65536\n")
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--idle-actor-seconds", "0.3",
           "--log-level", "warn", "--config", conf]
    print("run.py: moto at %s, lambda at %d, node: %s (log %s)" % (moto_srv.url, lam_port, " ".join(cmd), log_path),
          flush=True)
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    procs.append(proc)
    problem = wait_for_port(proc, port, 20)
    if problem:
        print("run.py: node %s\n%s" % (problem, tail(log_path, 80)), file=sys.stderr)
        return 1
    os.environ["STATECRAFT_ENDPOINT"] = "http://127.0.0.1:%d" % port
    os.environ["STATECRAFT_BIN"] = binary
    os.environ["AWS_TEST_MOTO"] = moto_srv.url
    os.environ["AWS_TEST_LAMBDA"] = "http://127.0.0.1:%d" % lam_port

    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = [p if "*" in p else "*%s*" % p for p in args.patterns]
    suite = loader.discover(start_dir=HERE, pattern="test_*.py", top_level_dir=HERE)
    started = time.monotonic()
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    elapsed = time.monotonic() - started

    shutdown_ok = proc.poll() is None
    if shutdown_ok:
        proc.send_signal(signal.SIGTERM)
        try:
            shutdown_ok = proc.wait(timeout=10) == 0
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            shutdown_ok = False
    lam.terminate()
    lam.wait()
    moto_srv.stop()
    ok = result.wasSuccessful() and shutdown_ok
    print("run.py: %d tests in %.1fs; failures=%d errors=%d; clean shutdown: %s"
          % (result.testsRun, elapsed, len(result.failures), len(result.errors), "yes" if shutdown_ok else "NO"))
    if not ok:
        print("--- node log tail (%s) ---\n%s" % (log_path, tail(log_path, 80)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
