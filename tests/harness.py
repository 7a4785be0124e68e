"""Process helpers shared by the Python test drivers (tests/e2e/run.py,
tests/durability/, tests/cluster/failover.py): free loopback ports, waiting
for a process to listen, log tails, and a real redis-server in a temporary
directory. Standard library only."""

import os
import signal
import socket
import subprocess
import time


def free_port():
    """A loopback TCP port nobody listens on (the kernel's choice)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(proc, port, timeout):
    """None once `port` accepts connections; otherwise what went wrong
    (`proc` exited, or the timeout passed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return "exited early with status %s" % proc.returncode
        if port_open(port):
            return None
        time.sleep(0.05)
    return "did not accept connections on port %d within %ds" % (port, timeout)


def tail(path, lines=60):
    """The last `lines` lines of a log file, as text."""
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace").splitlines()
    except OSError as e:
        return "(no log: %s)" % e
    return "\n".join(data[-lines:])


class Redis:
    """redis-server on a free loopback port with appendonly yes in
    `workdir`; restartable on the same port and directory (it then loads its
    AOF). Each start logs to `workdir/<log_name>-<n>.log`."""

    def __init__(self, workdir, port=None, fsync="everysec", log_name="redis"):
        self.dir = workdir
        self.port = port or free_port()
        self.fsync = fsync
        self.log_name = log_name
        self.proc = None
        self.starts = 0

    @property
    def url(self):
        return "redis://127.0.0.1:%d" % self.port

    def log_path(self):
        return os.path.join(self.dir, "%s-%d.log" % (self.log_name, self.starts))

    def start(self, timeout=20):
        self.starts += 1
        logf = open(self.log_path(), "wb")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", self.dir, "--appendonly", "yes", "--appendfsync", self.fsync,
             "--save", "", "--protected-mode", "no"],
            stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        logf.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("redis-server exited with %s:\n%s" % (
                    self.proc.returncode, tail(self.log_path())))
            if self.ping():
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer PING within %ss" % timeout)

    def ping(self):
        """True when Redis answers PING with PONG (not while LOADING)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def command(self, *args):
        """One command, raw reply bytes (for small diagnostics only)."""
        req = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            req += b"$%d\r\n%s\r\n" % (len(a), a)
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(req)
            time.sleep(0.05)
            return s.recv(1 << 20)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig=signal.SIGKILL):
        if self.alive():
            self.proc.send_signal(sig)
            if sig in (signal.SIGKILL, signal.SIGTERM):
                self.proc.wait()

    def stop(self):
        if self.alive():
            try:
                self.proc.send_signal(signal.SIGCONT)  # in case a test stopped it
            except OSError:
                pass
            self.proc.kill()
            self.proc.wait()


def free_cluster_port():
    """A loopback port P for a Redis Cluster node: P and its cluster bus port
    P + 10000 both free, P <= 55535 (Redis refuses higher ones)."""
    import random
    for _ in range(200):
        p = random.randint(20000, 55000)
        ok = True
        for q in (p, p + 10000):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind(("127.0.0.1", q))
            except OSError:
                ok = False
            finally:
                s.close()
        if ok:
            return p
    raise RuntimeError("no free port pair for a Redis Cluster node")


class RedisCluster:
    """A Redis Cluster on loopback: `masters` redis-server processes in
    cluster mode (plus `replicas` replicas per master), each on a free port
    with its own directory under `workdir`, joined with
    `redis-cli --cluster create ... --cluster-yes` (slots spread evenly).
    `node_timeout` (ms) is cluster-node-timeout: how soon a dead master's
    replica takes over. No persistence (replicas keep the data)."""

    def __init__(self, workdir, masters=3, replicas=0, node_timeout=1000, extra_args=()):
        self.dir = workdir
        self.node_timeout = node_timeout
        self.extra_args = list(extra_args)
        self.nodes = []  # Redis-like records: port, proc, dir
        for _ in range(masters * (1 + replicas)):
            self.nodes.append({"port": free_cluster_port(), "proc": None})
        self.masters_n = masters
        self.replicas_n = replicas

    @property
    def ports(self):
        return [n["port"] for n in self.nodes]

    @property
    def url(self):
        return "redis+cluster://" + ",".join("127.0.0.1:%d" % p for p in self.ports[:self.masters_n])

    def log_path(self, port):
        return os.path.join(self.dir, "redis-cluster-%d.log" % port)

    def start_node(self, node):
        d = os.path.join(self.dir, "rc-%d" % node["port"])
        os.makedirs(d, exist_ok=True)
        logf = open(self.log_path(node["port"]), "ab")
        node["proc"] = subprocess.Popen(
            ["redis-server", "--port", str(node["port"]), "--bind", "127.0.0.1",
             "--dir", d, "--cluster-enabled", "yes",
             "--cluster-config-file", "nodes.conf",
             "--cluster-node-timeout", str(self.node_timeout),
             "--appendonly", "no", "--save", "", "--protected-mode", "no"] + self.extra_args,
            stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        logf.close()

    def start(self, timeout=30):
        for n in self.nodes:
            self.start_node(n)
        deadline = time.monotonic() + timeout
        for n in self.nodes:
            while not self.ping(n["port"]):
                if n["proc"].poll() is not None:
                    raise RuntimeError("redis-server (cluster) exited:\n" + tail(self.log_path(n["port"])))
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server (cluster) did not answer PING")
                time.sleep(0.05)
        cmd = ["redis-cli", "--cluster", "create"] + ["127.0.0.1:%d" % p for p in self.ports] + \
              ["--cluster-replicas", str(self.replicas_n), "--cluster-yes"]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError("redis-cli --cluster create failed:\n" + r.stdout.decode("utf-8", "replace"))
        self.wait_ok(timeout=max(1, deadline - time.monotonic()))
        # Replicas: until each has synced with its master (WAIT counts only those).
        while self.replicas_n:
            ups = [b"master_link_status:up" in self.cli(n["port"], "INFO", "replication", check=False)
                   for n in self.nodes if b"role:slave" in self.cli(n["port"], "INFO", "replication",
                                                                    check=False)]
            if len(ups) == self.masters_n * self.replicas_n and all(ups):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("Redis Cluster replicas did not sync within %ss" % timeout)
            time.sleep(0.1)

    def wait_ok(self, timeout=30, ports=None):
        """Until every (live) node reports cluster_state:ok and agrees on
        the slots (every slot covered)."""
        deadline = time.monotonic() + timeout
        ports = ports or [n["port"] for n in self.nodes if self.alive(n)]
        while time.monotonic() < deadline:
            if all(b"cluster_state:ok" in self.cli(p, "CLUSTER", "INFO", check=False) for p in ports):
                return
            time.sleep(0.1)
        raise RuntimeError("Redis Cluster not ok within %ss" % timeout)

    def cli(self, port, *args, check=True):
        """redis-cli -p PORT ARGS; stdout bytes."""
        r = subprocess.run(["redis-cli", "-p", str(port)] + [str(a) for a in args],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        if check and r.returncode != 0:
            raise RuntimeError("redis-cli %s: %s" % (" ".join(map(str, args)), r.stdout))
        return r.stdout

    def ping(self, port):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def alive(self, node):
        return node["proc"] is not None and node["proc"].poll() is None

    def topology(self, port=None):
        """[(id, "host:port", role, master_id, slots_text)] from CLUSTER NODES."""
        port = port or next(n["port"] for n in self.nodes if self.alive(n))
        out = []
        for line in self.cli(port, "CLUSTER", "NODES").decode().splitlines():
            f = line.split()
            if len(f) < 8:
                continue
            role = "master" if "master" in f[2] else "replica"
            out.append((f[0], f[1].split("@")[0], role, f[3], " ".join(f[8:]), "fail" in f[2]))
        return out

    def master_ports(self):
        return [int(t[1].rsplit(":", 1)[1]) for t in self.topology() if t[2] == "master" and not t[5]]

    def node(self, port):
        return next(n for n in self.nodes if n["port"] == port)

    def kill(self, port, sig=signal.SIGKILL):
        n = self.node(port)
        if self.alive(n):
            n["proc"].send_signal(sig)
            n["proc"].wait()

    def restart(self, port, timeout=30):
        """Starts a killed node again (same port and directory: it rejoins
        with its nodes.conf, a failed-over master as a replica of its
        successor) and waits until it answers and, as a replica, has synced."""
        n = self.node(port)
        self.start_node(n)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = self.cli(port, "INFO", "replication", check=False)
            if b"role:master" in info or b"master_link_status:up" in info:
                return
            time.sleep(0.1)
        raise RuntimeError("restarted Redis Cluster node %d did not come back" % port)

    def slot_of(self, key):
        port = next(n["port"] for n in self.nodes if self.alive(n))
        return int(self.cli(port, "CLUSTER", "KEYSLOT", key).strip())

    def port_of_slot(self, slot):
        """The port of the master serving `slot` (CLUSTER SLOTS via the CLI)."""
        for t in self.topology():
            if t[2] != "master" or t[5]:
                continue
            for rng in t[4].split():
                if rng.startswith("["):
                    continue
                a, _, b = rng.partition("-")
                if int(a) <= slot <= int(b or a):
                    return int(t[1].rsplit(":", 1)[1])
        return None

    def stop(self):
        for n in self.nodes:
            if self.alive(n):
                try:
                    n["proc"].send_signal(signal.SIGCONT)
                except OSError:
                    pass
                n["proc"].kill()
                n["proc"].wait()


class Moto:
    """moto's server (`python3 -m moto.server`, installed by scripts/setup.sh)
    on a free loopback port: SQS, SNS, DynamoDB, S3, EventBridge, STS... on
    one endpoint (it routes by the SigV4 scope's service). `reset()` forgets
    every resource."""

    def __init__(self, workdir, port=None):
        self.port = port or free_port()
        self.log_path = os.path.join(workdir, "moto.log")
        self.proc = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self, timeout=60):
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            ["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        problem = wait_for_port(self.proc, self.port, timeout)
        if problem:
            raise RuntimeError("moto server %s\n%s" % (problem, tail(self.log_path)))

    def reset(self):
        import urllib.request
        urllib.request.urlopen(urllib.request.Request(self.url + "/moto-api/reset", method="POST")).read()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- Shared by the cluster drivers (tests/cluster/*.py) ----------------------

START = time.monotonic()


def log(msg):
    """A progress line stamped with the seconds since the driver started."""
    print("[%6.1fs] %s" % (time.monotonic() - START, msg), flush=True)


class Failed(Exception):
    """A failed check of a cluster driver."""


def check(cond, msg):
    if not cond:
        raise Failed(msg)


def shard_of(arn, shards=64):
    """cluster/keys.hpp's shard_of: 64-bit FNV-1a of the ARN, mod the count."""
    h = 14695981039346656037
    for c in arn.encode():
        h ^= c
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h % shards


def lease_owner(redis, arn, shards=64):
    """The node id holding the lease of `arn`'s shard ("" = none)."""
    raw = redis.command("GET", "sc:{%d}:lease" % shard_of(arn, shards))
    # "$<len>\r\n<node>:<epoch>\r\n"
    text = raw.split(b"\r\n")[1].decode() if raw.startswith(b"$") else ""
    return text.rsplit(":", 1)[0]


def sfn_client(url, region="us-east-1", read_timeout=15, pool=4, total_attempts=2):
    """A boto3 Step Functions client making at most `total_attempts` tries of
    a call (the drivers count failures themselves)."""
    import boto3
    import botocore.config
    cfg = botocore.config.Config(region_name=region, connect_timeout=3, read_timeout=read_timeout,
                                 retries={"total_max_attempts": total_attempts, "mode": "standard"},
                                 max_pool_connections=pool)
    return boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x").client(
        "stepfunctions", endpoint_url=url, config=cfg)
