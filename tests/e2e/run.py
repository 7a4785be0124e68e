#!/usr/bin/env python3
"""Run the statecraftd end-to-end suite.

    python3 tests/e2e/run.py --statecraftd build/tools/statecraftd/statecraftd [-k PATTERN]

Starts one node on a free loopback port (with --with-redis: on a redis-server
the script starts on another free port, appendonly yes), runs every tests/e2e/test_*.py with
unittest against it (boto3, the AWS CLI and raw HTTP), then stops the node
with SIGTERM and requires a clean exit (status 0 within 10 s).
Exit status: 0 when everything passed, 1 otherwise.
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
sys.dont_write_bytecode = True  # keep tests/e2e free of __pycache__
sys.path.insert(0, os.path.dirname(HERE))
from harness import Redis, RedisCluster, free_port, tail, wait_for_port  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statecraftd", required=True, help="path to the statecraftd binary")
    ap.add_argument("-k", dest="patterns", action="append", default=[],
                    help="only run tests matching this pattern (unittest -k semantics; repeatable)")
    ap.add_argument("--keep-log", action="store_true", help="print the log location and keep it")
    ap.add_argument("--with-redis", action="store_true",
                    help="start a redis-server on a free loopback port and run the node on it")
    ap.add_argument("--with-redis-cluster", type=int, metavar="MASTERS", default=0,
                    help="start a Redis Cluster of MASTERS masters on free loopback ports and run "
                         "the node on it (redis+cluster://)")
    ap.add_argument("--redis-url", metavar="URL",
                    help="run the node on this (running) Redis: redis://, redis+sentinel:// or "
                         "redis+cluster:// (tests/cluster/redis_cluster.py)")
    args = ap.parse_args()

    binary = os.path.abspath(args.statecraftd)
    if not os.access(binary, os.X_OK):
        print("run.py: %s is not an executable file" % binary, file=sys.stderr)
        return 2

    tmp = tempfile.mkdtemp(prefix="statecraft-e2e-")
    log_path = os.path.join(tmp, "statecraftd.log")
    port = free_port()
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1",
           "--activity-poll-timeout", "2", "--idle-actor-seconds", "0.3", "--io-threads", os.environ.get("E2E_IO_THREADS", "2"),
           "--log-level", "warn"]
    redis = None
    if args.with_redis:
        redis = Redis(tmp)
        try:
            redis.start(10)
        except RuntimeError as e:
            print("run.py: %s" % e, file=sys.stderr)
            return 1
        cmd += ["--redis", redis.url]
        os.environ["E2E_WITH_REDIS"] = "1"  # for tests that start a node of their own
    elif args.with_redis_cluster:
        redis = RedisCluster(tmp, masters=args.with_redis_cluster)
        try:
            redis.start()
        except RuntimeError as e:
            print("run.py: %s" % e, file=sys.stderr)
            redis.stop()
            return 1
        cmd += ["--redis", redis.url]
    elif args.redis_url:
        cmd += ["--redis", args.redis_url]
    print("run.py: starting %s (log %s)" % (" ".join(cmd), log_path), flush=True)
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            cwd=tmp)

    problem = wait_for_port(proc, port, 20)
    if problem:
        print("run.py: node %s\n--- node log tail ---\n%s" % (problem, tail(log_path, 80)), file=sys.stderr)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if redis is not None:
            redis.stop()
        return 1

    os.environ["STATECRAFT_ENDPOINT"] = "http://127.0.0.1:%d" % port
    os.environ["STATECRAFT_BIN"] = binary
    # Keep boto3 / the CLI away from any real AWS configuration on the machine.
    os.environ["AWS_ACCESS_KEY_ID"] = "test"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "test"
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ["AWS_CONFIG_FILE"] = os.path.join(tmp, "aws-config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(tmp, "aws-credentials")
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    os.environ["AWS_PAGER"] = ""

    sys.path.insert(0, HERE)
    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = [p if "*" in p else "*%s*" % p for p in args.patterns]
    suite = loader.discover(start_dir=HERE, pattern="test_*.py", top_level_dir=HERE)
    started = time.monotonic()
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    elapsed = time.monotonic() - started
    ok = result.wasSuccessful()

    # Shut the node down and require a clean exit.
    shutdown_ok = True
    if proc.poll() is not None:
        print("run.py: FAIL: node died during the run with status %s" % proc.returncode, file=sys.stderr)
        shutdown_ok = False
    else:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
            if rc != 0:
                print("run.py: FAIL: node exited with status %s after SIGTERM" % rc, file=sys.stderr)
                shutdown_ok = False
        except subprocess.TimeoutExpired:
            print("run.py: FAIL: node did not exit within 10s of SIGTERM; killing it", file=sys.stderr)
            proc.kill()
            proc.wait()
            shutdown_ok = False
    log.close()
    if redis is not None:
        redis.stop()

    ok = ok and shutdown_ok
    print("run.py: %d tests in %.1fs; failures=%d errors=%d skipped=%d; clean shutdown: %s"
          % (result.testsRun, elapsed, len(result.failures), len(result.errors),
             len(result.skipped), "yes" if shutdown_ok else "NO"))
    if not ok:
        print("--- node log tail (%s) ---\n%s" % (log_path, tail(log_path, 80)))
    elif args.keep_log:
        print("run.py: node log kept at %s" % log_path)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
