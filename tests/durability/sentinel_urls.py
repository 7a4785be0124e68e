#!/usr/bin/env python3
"""redis+sentinel:// URLs that cannot work give a clear start-up error.

    python3 tests/durability/sentinel_urls.py --statecraftd build/tools/statecraftd/statecraftd

  * malformed URLs (no master name, no sentinel, a bad port, a password, an
    unknown scheme) are refused before anything starts: exit status 2 and a
    message naming --redis and the accepted forms;
  * a well-formed URL whose sentinel does not monitor the named master
    (a real sentinel on a free port, watching another name) stops the node
    at once with exit status 1 and a message naming the master;
  * the same URL with the right name starts the node (it found the master
    through the sentinel and answers ListStateMachines), and, with
    --statecraft, `statecraft cluster status` reads the cluster through it.
Exit 0 when every check passed, 1 otherwise, 2 when it cannot run.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Redis, free_port, port_open, wait_for_port, tail  # noqa: E402

MALFORMED = [
    "redis+sentinel://127.0.0.1:26379",           # no /MASTER
    "redis+sentinel://127.0.0.1:26379/",          # empty master name
    "redis+sentinel:///mymaster",                 # no sentinel
    "redis+sentinel://127.0.0.1:0/mymaster",      # port out of range
    "redis+sentinel://127.0.0.1:26379,:1/m",      # empty host
    "redis+sentinel://user:pw@127.0.0.1:26379/m",  # credentials
    "redis+sentinel://127.0.0.1:26379/m/x",       # bad DB
    "rediss+sentinel://127.0.0.1:26379/m",        # unknown scheme
]


def run(binary, url, port, timeout=40):
    p = subprocess.run([binary, "--port", str(port), "--bind", "127.0.0.1", "--redis", url,
                        "--log-level", "warn"], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statecraftd", required=True)
    ap.add_argument("--statecraft", help="also check `statecraft cluster status` on the URL")
    args = ap.parse_args()
    binary = os.path.abspath(args.statecraftd)
    if not os.access(binary, os.X_OK) or not shutil.which("redis-server"):
        print("sentinel_urls.py: needs %s and redis-server" % binary, file=sys.stderr)
        return 2
    failures = []
    port = free_port()
    for url in MALFORMED:
        status, err = run(binary, url, port)
        if status != 2 or "--redis" not in err or "redis+sentinel://HOST:PORT" not in err:
            failures.append("%s: exit %s, stderr %r" % (url, status, err.strip()))
        else:
            print("ok  %-48s -> exit 2: %s" % (url, err.strip().splitlines()[0][:90]))

    tmp = tempfile.mkdtemp(prefix="statecraft-sentinel-urls-")
    redis = Redis(tmp)
    sentinel = None
    node = None
    try:
        redis.start()
        sport = free_port()
        conf = os.path.join(tmp, "sentinel.conf")
        with open(conf, "w") as f:
            f.write("port %d\nbind 127.0.0.1\nprotected-mode no\ndir %s\n"
                    "sentinel monitor watched 127.0.0.1 %d 1\n" % (sport, tmp, redis.port))
        cmd = ["redis-sentinel", conf] if shutil.which("redis-sentinel") else \
            ["redis-server", conf, "--sentinel"]
        logf = open(os.path.join(tmp, "sentinel.log"), "wb")
        sentinel = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT)
        logf.close()
        err = wait_for_port(sentinel, sport, 20)
        if err:
            raise RuntimeError("sentinel " + err)

        url = "redis+sentinel://127.0.0.1:%d/other" % sport
        t0 = time.monotonic()
        status, err = run(binary, url, port)
        took = time.monotonic() - t0
        if status != 1 or "does not monitor a master named 'other'" not in err or took > 10:
            failures.append("%s: exit %s after %.1f s, stderr %r" % (url, status, took, err.strip()))
        else:
            print("ok  %-48s -> exit 1 in %.1f s: %s" % (url, took, err.strip()[:120]))

        url = "redis+sentinel://127.0.0.1:%d/watched" % sport
        logp = os.path.join(tmp, "node.log")
        logf = open(logp, "wb")
        node = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--redis",
                                 url], stdout=logf, stderr=subprocess.STDOUT)
        logf.close()
        err = wait_for_port(node, port, 30)
        if err:
            failures.append("%s: the node did not start: %s\n%s" % (url, err, tail(logp)))
        else:
            req = urllib.request.Request(
                "http://127.0.0.1:%d/" % port, data=b"{}", method="POST",
                headers={"Content-Type": "application/x-amz-json-1.0",
                         "X-Amz-Target": "AWSStepFunctions.ListStateMachines"})
            body = json.loads(urllib.request.urlopen(req, timeout=10).read())
            if "stateMachines" not in body:
                failures.append("%s: ListStateMachines answered %r" % (url, body))
            else:
                print("ok  %-48s -> serving (master found through the sentinel)" % url)
            if args.statecraft:
                p = subprocess.run([os.path.abspath(args.statecraft), "cluster", "status",
                                    "--redis", url], capture_output=True, text=True, timeout=30)
                if p.returncode != 0 or "node" not in p.stdout.lower():
                    failures.append("statecraft cluster status --redis %s: exit %s, %r %r" % (
                        url, p.returncode, p.stdout[-300:], p.stderr[-300:]))
                else:
                    print("ok  statecraft cluster status --redis %s: %s" % (
                        url, p.stdout.strip().splitlines()[0][:80]))
    except Exception as e:  # report, do not hide
        import traceback
        traceback.print_exc()
        failures.append("the test itself failed: %r" % e)
    finally:
        if node is not None and node.poll() is None:
            node.kill()
            node.wait()
        if sentinel is not None and sentinel.poll() is None:
            sentinel.kill()
            sentinel.wait()
        redis.stop()
    if failures:
        print("FAILED (logs in %s):" % tmp)
        for f in failures:
            print("  - " + f)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
