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
