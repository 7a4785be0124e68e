#!/usr/bin/env python3
"""Cluster token secrets: three statecraftd nodes on one Redis with DEFAULT
settings (no --task-token-secret) share the secret the first one stored in
Redis; tokens survive restarts; rotation and retirement; a node given
another secret refuses to start.

    python3 tests/cluster/secrets.py \\
        --statecraftd build/tools/statecraftd/statecraftd \\
        --statecraft build/tools/statecraft/statecraft [--keep]

Steps (each check can fail; the script exits 1 on the first failure):
1. redis-server on a free port; nodes n1, n2, n3 without a secret flag.
   `statecraft secrets list` shows exactly one secret, and every node signs
   with it (the key id inside its tokens).
2. Task tokens across nodes: for each ordered pair of nodes (A, B), a task
   handed out by A (GetActivityTask) gets SendTaskHeartbeat accepted by the
   two other nodes and SendTaskSuccess by B; the execution SUCCEEDS. A
   token with one character changed is InvalidToken on every node.
3. Page tokens across nodes: ListStateMachines and ListExecutions nextToken
   from one node continue the listing on each other node.
4. Restarts: a task token and a page token handed out before n1 is killed
   with -9 and started again, then before all three nodes are stopped and
   started again, still work (on every node); the stored secret is the
   same one.
5. Mismatch: a node started with another --task-token-secret exits
   non-zero, saying the secret is not the cluster's (with the key ids) and
   what to do. A node started with the cluster's secret (made so with
   `statecraft secrets rotate --secret-file`) starts and its tokens work on
   the others.
6. Rotation: after `statecraft secrets rotate`, every node signs with the
   new key id (within a few heartbeats, no restart), and tokens and page
   tokens signed before still work. After `statecraft secrets retire`, the
   old task token and page token are InvalidToken on every node, while new
   ones work. Retiring the newest is refused.
7. On an empty keyspace (another Redis DB), a node started with a
   --task-token-secret stores that secret as the cluster's: a second node
   without the flag accepts its tokens.
Finally every node is stopped with SIGTERM and must exit 0.
"""

import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Redis, check, free_port, log, tail, wait_for_port  # noqa: E402
from harness import Failed as Failure  # noqa: E402

try:
    import boto3
    import botocore.config
    import botocore.exceptions
except ImportError:  # pragma: no cover
    print("secrets.py: boto3 is required", file=sys.stderr)
    sys.exit(2)

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = "arn:aws:iam::%s:role/statecraft" % ACCOUNT
HEARTBEAT = 0.5
START = time.monotonic()


class Node:
    def __init__(self, node_id, binary, redis_url, tmp, secret=None):
        self.id = node_id
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(tmp, "%s.log" % node_id)
        self.cmd = [binary, "--node-id", node_id, "--bind", "127.0.0.1", "--port", str(self.port),
                    "--redis", redis_url, "--heartbeat-seconds", str(HEARTBEAT),
                    "--lease-ttl-seconds", "2", "--activity-poll-timeout", "1",
                    "--idle-actor-seconds", "0.5", "--log-level", "info"]
        if secret is not None:
            self.cmd += ["--task-token-secret", secret]
        self.tmp = tmp
        self.proc = None
        self._client = None

    def start(self):
        logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.cmd, stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.tmp)
        logf.close()
        return wait_for_port(self.proc, self.port, 40)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        """SIGTERM; the exit status."""
        if not self.alive():
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "hung"

    @property
    def sfn(self):
        if self._client is None:
            cfg = botocore.config.Config(region_name=REGION, connect_timeout=3, read_timeout=15,
                                         retries={"max_attempts": 1})
            self._client = boto3.session.Session().client(
                "stepfunctions", endpoint_url=self.url, config=cfg,
                aws_access_key_id="test", aws_secret_access_key="test")
        return self._client


def error_code(fn, *args, **kw):
    """None when the call succeeds, else the AWS error code."""
    try:
        fn(*args, **kw)
        return None
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]


def key_id_of(token):
    """The key id (hex) inside a task token or a page token."""
    sig = token.split(".")[1]
    raw = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    return raw[:4].hex()


def tampered(token):
    i = token.index(".") + 3
    c = "A" if token[i] != "A" else "B"
    return token[:i] + c + token[i + 1:]


class Cluster:
    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        self.redis = Redis(tmp)
        self.nodes = []
        self.strays = []  # nodes expected to refuse to start
        self.machine = None
        self.activity = None
        self.seq = 0

    def cli(self, *argv, ok=True):
        p = subprocess.run([self.args.statecraft] + list(argv), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
        out, err = p.stdout.decode(), p.stderr.decode()
        if ok and p.returncode != 0:
            raise Failure("statecraft %s: exit %d: %s%s" % (" ".join(argv), p.returncode, out, err))
        return p.returncode, out, err

    def secret_ids(self):
        _, out, _ = self.cli("secrets", "list", "--redis", self.redis.url)
        return [line.split()[0] for line in out.splitlines()[1:] if line.strip()]

    def start_node(self, node_id, secret=None, url=None):
        n = Node(node_id, self.args.statecraftd, url or self.redis.url, self.tmp, secret)
        problem = n.start()
        if problem:
            raise Failure("node %s %s:\n%s" % (node_id, problem, tail(n.log_path)))
        self.nodes.append(n)
        return n

    def setup(self):
        s = self.nodes[0].sfn
        self.activity = s.create_activity(name="secrets-act")["activityArn"]
        definition = {"StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": self.activity, "End": True}}}
        self.machine = s.create_state_machine(
            name="secrets-machine", definition=json.dumps(definition),
            roleArn=ROLE)["stateMachineArn"]
        for i in range(3):
            s.create_state_machine(name="secrets-extra-%d" % i, roleArn=ROLE,
                                   definition=json.dumps({"StartAt": "P", "States": {
                                       "P": {"Type": "Pass", "End": True}}}))

    def start_execution(self, node):
        self.seq += 1
        name = "e%d" % self.seq
        arn = node.sfn.start_execution(stateMachineArn=self.machine, name=name,
                                       input=json.dumps({"n": self.seq}))["executionArn"]
        return arn

    def take_task(self, node, timeout=20):
        """A task token handed out by `node` (GetActivityTask)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = node.sfn.get_activity_task(activityArn=self.activity, workerName="w-" + node.id)
            if r.get("taskToken"):
                return r["taskToken"], json.loads(r["input"])
        raise Failure("%s handed out no task within %ss" % (node.id, timeout))

    def new_task(self, start_on, take_on):
        """(execution ARN, token) of a fresh task: started on `start_on`,
        handed out by `take_on` (the queue is shared: the task taken may be
        another pending one; the ARN is the one the token names)."""
        self.start_execution(start_on)
        token, inp = self.take_task(take_on)
        return token, inp

    def wait_status(self, node, arn, status, timeout=20):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = node.sfn.describe_execution(executionArn=arn)["status"]
            if last == status:
                return
            time.sleep(0.1)
        raise Failure("%s is %s, not %s, after %ss" % (arn, last, status, timeout))

    def arn_of(self, inp):
        return "arn:aws:states:%s:%s:execution:secrets-machine:e%d" % (REGION, ACCOUNT, inp["n"])

    def page_tokens(self, node):
        """(ListStateMachines nextToken, ListExecutions nextToken) from `node`."""
        sm = node.sfn.list_state_machines(maxResults=1)
        check("nextToken" in sm, "ListStateMachines(maxResults=1) on %s: no nextToken" % node.id)
        ex = node.sfn.list_executions(stateMachineArn=self.machine, maxResults=1)
        check("nextToken" in ex, "ListExecutions(maxResults=1) on %s: no nextToken" % node.id)
        return sm["nextToken"], ex["nextToken"]

    def page_errors(self, node, tokens):
        sm, ex = tokens
        return (error_code(node.sfn.list_state_machines, maxResults=1, nextToken=sm),
                error_code(node.sfn.list_executions, stateMachineArn=self.machine, maxResults=1,
                           nextToken=ex))

    def signing_ids(self):
        """The key id each live node signs with (a fresh page token from each)."""
        return {n.id: key_id_of(n.sfn.list_state_machines(maxResults=1)["nextToken"])
                for n in self.nodes if n.alive()}

    def stored_secret(self):
        return self.redis.command("GET", "sc:{g}:secrets")


def run(c):
    args, tmp = c.args, c.tmp
    c.redis.start()
    url = c.redis.url
    log("redis on %s" % url)

    # 1. Three nodes, default settings.
    n1, n2, n3 = (c.start_node(i) for i in ("n1", "n2", "n3"))
    nodes = [n1, n2, n3]
    ids = c.secret_ids()
    check(len(ids) == 1, "expected one cluster secret, `secrets list` shows %s" % ids)
    first_id = ids[0]
    c.setup()
    signing = c.signing_ids()
    check(set(signing.values()) == {first_id},
          "every node must sign with the cluster's secret %s: %s" % (first_id, signing))
    created = [n.id for n in nodes if "stored in Redis by this node" in open(n.log_path).read()]
    check(len(created) == 1, "exactly one node must have stored the secret, got %s" % created)
    log("1. one secret %s (stored by %s), every node signs with it" % (first_id, created[0]))

    # 2. Task tokens across nodes.
    for a in nodes:
        for b in nodes:
            if a is b:
                continue
            token, inp = c.new_task(a, a)
            check(key_id_of(token) == first_id, "token from %s has key id %s" %
                  (a.id, key_id_of(token)))
            for other in nodes:
                if other is not a:
                    code = error_code(other.sfn.send_task_heartbeat, taskToken=token)
                    check(code is None, "SendTaskHeartbeat of %s's token on %s: %s" %
                          (a.id, other.id, code))
            bad = tampered(token)
            for other in nodes:
                code = error_code(other.sfn.send_task_success, taskToken=bad, output="{}")
                check(code == "InvalidToken", "tampered token on %s: %s" % (other.id, code))
            code = error_code(b.sfn.send_task_success, taskToken=token,
                              output=json.dumps({"by": b.id}))
            check(code is None, "SendTaskSuccess of %s's token on %s: %s" % (a.id, b.id, code))
            c.wait_status(b, c.arn_of(inp), "SUCCEEDED")
    log("2. task tokens handed out by each node answered on each other node")

    # 3. Page tokens across nodes.
    for a in nodes:
        tokens = c.page_tokens(a)
        for b in nodes:
            errs = c.page_errors(b, tokens)
            check(errs == (None, None), "page tokens of %s on %s: %s" % (a.id, b.id, errs))
        bad = (tampered(tokens[0]), tampered(tokens[1]))
        errs = c.page_errors(a, bad)
        check(errs == ("InvalidToken", "InvalidToken"), "tampered page tokens: %s" % (errs,))
    log("3. page tokens of each node continue listings on each other node")

    # 4. Restarts.
    held, held_inp = c.new_task(n1, n1)
    held_pages = c.page_tokens(n1)
    stored_before = c.stored_secret()
    n1.kill9()
    problem = n1.start()
    check(problem is None, "n1 did not restart: %s" % problem)
    for n in nodes:
        code = error_code(n.sfn.send_task_heartbeat, taskToken=held)
        check(code is None, "after n1's restart, SendTaskHeartbeat of its token on %s: %s" %
              (n.id, code))
        check(c.page_errors(n, held_pages) == (None, None),
              "after n1's restart, its page tokens on %s: %s" % (n.id, c.page_errors(n, held_pages)))
    log("4a. n1 killed -9 and restarted: its earlier task and page tokens still work")
    for n in nodes:
        st = n.stop()
        check(st == 0, "%s exit status on SIGTERM: %s" % (n.id, st))
    for n in nodes:
        problem = n.start()
        check(problem is None, "%s did not restart: %s" % (n.id, problem))
    check(c.stored_secret() == stored_before, "the stored secret changed across restarts")
    check(c.secret_ids() == [first_id], "secrets after restarts: %s" % c.secret_ids())
    for n in nodes:
        check(c.page_errors(n, held_pages) == (None, None),
              "after restarting all, n1's page tokens on %s: %s" % (n.id, c.page_errors(n, held_pages)))
    code = error_code(n2.sfn.send_task_success, taskToken=held, output="{}")
    check(code is None, "after restarting all, SendTaskSuccess of n1's old token on n2: %s" % code)
    c.wait_status(n3, c.arn_of(held_inp), "SUCCEEDED")
    log("4b. all three restarted: the same secret; earlier tokens still work")

    # 5. Mismatch, and the cluster's own secret.
    bad = Node("bad", args.statecraftd, url, tmp, secret="not-the-cluster-secret-0123")
    c.strays.append(bad)
    problem = bad.start()
    try:
        bad.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        bad.kill9()
        raise Failure("a node with another secret kept running: %s" % problem)
    text = open(bad.log_path).read()
    check(bad.proc.returncode != 0, "a node with another secret exited 0")
    for want in ("is not one of the cluster's", first_id, "without a task token secret",
                 "statecraft secrets rotate"):
        check(want in text, "the refusal must mention %r:\n%s" % (want, text))
    log("5a. a node with another secret refused: %s" % text.strip().splitlines()[-1][:160])
    chosen = "operator-chosen-secret-0001"
    secret_file = os.path.join(tmp, "chosen.txt")
    with open(secret_file, "w") as f:
        f.write(chosen + "\n")
    c.cli("secrets", "rotate", "--redis", url, "--secret-file", secret_file)
    ids = c.secret_ids()
    check(len(ids) == 2 and ids[1] == first_id, "after rotating to a chosen secret: %s" % ids)
    chosen_id = ids[0]
    n4 = c.start_node("n4", secret=chosen)
    token, inp = c.new_task(n4, n4)
    check(key_id_of(token) == chosen_id, "n4 signs with %s, not %s" % (key_id_of(token), chosen_id))
    code = error_code(n1.sfn.send_task_success, taskToken=token, output="{}")
    check(code is None, "n4's token (configured secret) on n1: %s" % code)
    c.wait_status(n2, c.arn_of(inp), "SUCCEEDED")
    log("5b. a node given the cluster's secret starts; its tokens work on the others")

    # 6. Rotation and retirement, no restart.
    old_token, old_inp = c.new_task(n2, n2)
    old_pages = c.page_tokens(n3)
    old_id = key_id_of(old_token)
    c.cli("secrets", "rotate", "--redis", url)
    ids = c.secret_ids()
    check(len(ids) == 3 and ids[1:] == [chosen_id, first_id], "after rotate: %s" % ids)
    new_id = ids[0]
    deadline = time.monotonic() + 10 * HEARTBEAT + 5
    while True:
        signing = c.signing_ids()
        if set(signing.values()) == {new_id}:
            break
        check(time.monotonic() < deadline,
              "nodes still sign with old secrets after rotation: %s (new %s)" % (signing, new_id))
        time.sleep(0.1)
    log("6a. rotated to %s: every node signs with it, no restart" % new_id)
    new_token, new_inp = c.new_task(n3, n1)
    check(key_id_of(new_token) == new_id, "a new task token has key id %s" % key_id_of(new_token))
    for n in c.nodes:
        code = error_code(n.sfn.send_task_heartbeat, taskToken=old_token)
        check(code is None, "token signed before the rotation, on %s: %s" % (n.id, code))
        errs = c.page_errors(n, old_pages)
        check(errs == (None, None), "page tokens from before the rotation on %s: %s" % (n.id, errs))
    log("6b. tokens signed before the rotation still verify on every node")
    rc, _, err = c.cli("secrets", "retire", "--redis", url, "--key-id", new_id, ok=False)
    check(rc == 1 and "newest" in err, "retiring the newest must be refused: %d %s" % (rc, err))
    c.cli("secrets", "retire", "--redis", url)
    check(c.secret_ids() == [new_id], "after retire: %s" % c.secret_ids())
    deadline = time.monotonic() + 10 * HEARTBEAT + 5
    while True:
        codes = {n.id: error_code(n.sfn.send_task_heartbeat, taskToken=old_token) for n in c.nodes}
        pages = {n.id: c.page_errors(n, old_pages) for n in c.nodes}
        if (set(codes.values()) == {"InvalidToken"} and
                set(pages.values()) == {("InvalidToken", "InvalidToken")}):
            break
        check(time.monotonic() < deadline,
              "old tokens after retire: task %s, page %s" % (codes, pages))
        time.sleep(0.1)
    log("6c. retired %s and %s: their task and page tokens are InvalidToken on every node" %
        (old_id, first_id))
    for n in c.nodes:
        code = error_code(n.sfn.send_task_heartbeat, taskToken=new_token)
        check(code is None, "new token after retire on %s: %s" % (n.id, code))
    code = error_code(n2.sfn.send_task_success, taskToken=new_token, output="{}")
    check(code is None, "SendTaskSuccess of the new token: %s" % code)
    c.wait_status(n1, c.arn_of(new_inp), "SUCCEEDED")
    log("6d. new tokens work after the retirement")

    # 7. A configured secret on an empty keyspace becomes the cluster's.
    db_url = url + "/3"
    first = c.start_node("d1", secret="configured-first-secret-42", url=db_url)
    second = c.start_node("d2", url=db_url)
    act = first.sfn.create_activity(name="db3-act")["activityArn"]
    m = first.sfn.create_state_machine(
        name="db3", roleArn=ROLE, definition=json.dumps(
            {"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": act, "End": True}}})
    )["stateMachineArn"]
    arn = first.sfn.start_execution(stateMachineArn=m, name="x")["executionArn"]
    deadline = time.monotonic() + 20
    token = None
    while token is None and time.monotonic() < deadline:
        token = second.sfn.get_activity_task(activityArn=act).get("taskToken") or None
    check(token is not None, "no task on the DB 3 cluster")
    check(key_id_of(token) != new_id, "the DB 3 cluster shares the DB 0 secret")
    code = error_code(first.sfn.send_task_success, taskToken=token, output="{}")
    check(code is None, "d2's token on d1 (configured secret stored as the cluster's): %s" % code)
    c.wait_status(second, arn, "SUCCEEDED")
    rc, out, _ = c.cli("secrets", "list", "--redis", db_url)
    check(len(out.splitlines()) == 2, "DB 3 secrets: %s" % out)
    stray = Node("d3", args.statecraftd, db_url, tmp, secret="another-secret-for-db3-0")
    c.strays.append(stray)
    stray.start()
    try:
        stray.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        stray.kill9()
        raise Failure("d3 with another secret kept running")
    check(stray.proc.returncode != 0, "d3 with another secret exited 0")
    log("7. a configured secret on an empty keyspace became the cluster's")

    for n in c.nodes:
        st = n.stop()
        check(st == 0, "%s exit status on SIGTERM: %s" % (n.id, st))
    log("all nodes stopped cleanly")
    return c


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--statecraftd", required=True)
    ap.add_argument("--statecraft", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    args.statecraftd = os.path.abspath(args.statecraftd)
    args.statecraft = os.path.abspath(args.statecraft)
    if not shutil.which("redis-server"):
        print("secrets.py: redis-server not found", file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="sc-secrets-")
    c = Cluster(args, tmp)
    status = 0
    try:
        run(c)
        log("PASS")
    except Failure as e:
        log("FAIL: %s" % e)
        status = 1
        for name in sorted(os.listdir(tmp)):
            if name.endswith(".log"):
                print("--- %s" % name)
                print(tail(os.path.join(tmp, name), 30))
    finally:
        for n in c.nodes + c.strays:
            if n.alive():
                n.kill9()
        c.redis.stop()
        if status == 0 and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("logs kept in %s" % tmp)
    return status


if __name__ == "__main__":
    sys.exit(main())
