#!/usr/bin/env python3
"""Run the statecraftd robustness tests (tests/robustness/test_*.py).

    python3 tests/robustness/run.py --statecraftd build/tools/statecraftd/statecraftd \
        [--with-redis] [-k PATTERN] [--keep-logs]

Unlike tests/e2e/run.py, every test starts the node(s) it needs (several
findings need their own flags or config, and one kills its node); with
--with-redis each node gets a redis-server of its own on a free loopback
port. Logs go to a temporary directory, removed after a clean run unless
--keep-logs. Exit status: 0 when everything passed, 1 otherwise.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statecraftd", required=True, help="path to the statecraftd binary")
    ap.add_argument("--with-redis", action="store_true",
                    help="run every node on a redis-server of its own")
    ap.add_argument("-k", dest="patterns", action="append", default=[],
                    help="only run tests matching this pattern (unittest -k semantics; repeatable)")
    ap.add_argument("--keep-logs", action="store_true", help="keep the node logs and print where")
    args = ap.parse_args()

    binary = os.path.abspath(args.statecraftd)
    if not os.access(binary, os.X_OK):
        print("run.py: %s is not an executable file" % binary, file=sys.stderr)
        return 2
    if args.with_redis and not shutil.which("redis-server"):
        print("run.py: --with-redis needs redis-server on the PATH", file=sys.stderr)
        return 2

    tmp = tempfile.mkdtemp(prefix="statecraft-robust-")
    os.environ["STATECRAFTD"] = binary
    os.environ["ROBUST_STORE"] = "redis" if args.with_redis else "memory"
    os.environ["ROBUST_TMP"] = tmp
    # Keep boto3 away from any real AWS configuration on the machine.
    os.environ["AWS_ACCESS_KEY_ID"] = "test"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "test"
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(k, None)
    os.environ["AWS_CONFIG_FILE"] = os.path.join(tmp, "aws-config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(tmp, "aws-credentials")
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

    print("run.py: store %s, binary %s, logs under %s"
          % (os.environ["ROBUST_STORE"], binary, tmp), flush=True)
    sys.path.insert(0, HERE)
    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = [p if "*" in p else "*%s*" % p for p in args.patterns]
    suite = loader.discover(start_dir=HERE, pattern="test_*.py", top_level_dir=HERE)
    started = time.monotonic()
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    ok = result.wasSuccessful()
    print("run.py: %d tests in %.1fs on %s; failures=%d errors=%d skipped=%d"
          % (result.testsRun, time.monotonic() - started, os.environ["ROBUST_STORE"],
             len(result.failures), len(result.errors), len(result.skipped)))
    if ok and not args.keep_logs:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print("run.py: node logs kept under %s" % tmp)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
