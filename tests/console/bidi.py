"""A minimal WebDriver BiDi client over the standard library, for Firefox
(Debian's firefox-esr), which speaks BiDi itself over a WebSocket
(--remote-debugging-port): no geckodriver. A small WebSocket client (RFC
6455: masked text frames out, unmasked frames in, pings answered) and the
few commands the console tests use: navigate, evaluate, screenshot."""

import base64
import json
import os

import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import harness  # noqa: E402


class BidiError(Exception):
    pass


class WebSocket:
    def __init__(self, host, port, path, timeout=30):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, host, port, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise BidiError("the WebSocket handshake was refused")
            head += chunk
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status:
            raise BidiError("WebSocket handshake: " + status.decode("latin-1"))
        self.buf = head.split(b"\r\n\r\n", 1)[1]

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise BidiError("the WebSocket closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send_frame(self, opcode, payload):
        head = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send(self, text):
        self._send_frame(1, text.encode())

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            opcode = b0 & 0x0F
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 9:  # ping
                self._send_frame(10, data)
                continue
            if opcode == 8:
                raise BidiError("the WebSocket was closed by the browser")
            if opcode in (0, 1, 2):
                message += data
                if b0 & 0x80:
                    return message.decode()

    def close(self):
        try:
            self._send_frame(8, b"")
        except OSError:
            pass
        self.sock.close()


class Firefox:
    def __init__(self, width=1400, height=950):
        self.bin = shutil.which("firefox-esr") or shutil.which("firefox")
        if not self.bin:
            raise BidiError("firefox-esr is not installed (scripts/setup.sh installs it)")
        self.port = harness.free_port()
        self.profile = tempfile.mkdtemp(prefix="statecraft-firefox-")
        self.log_path = os.path.join(self.profile, "firefox.log")
        self.log = open(self.log_path, "wb")
        env = dict(os.environ, MOZ_HEADLESS="1")
        self.proc = subprocess.Popen([self.bin, "--headless", "--no-remote", "--profile", self.profile,
                                      "--remote-debugging-port", str(self.port),
                                      "--width", str(width), "--height", str(height), "about:blank"],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        err = harness.wait_for_port(self.proc, self.port, 60)
        if err:
            raise BidiError("firefox " + err + "\n" + harness.tail(self.log_path))
        self.ws = None
        for _ in range(50):
            try:
                self.ws = WebSocket("127.0.0.1", self.port, "/session")
                break
            except (BidiError, OSError):
                time.sleep(0.2)
        if self.ws is None:
            raise BidiError("no WebDriver BiDi endpoint\n" + harness.tail(self.log_path))
        self.next_id = 0
        self.version = self.cmd("session.new", {"capabilities": {}})["capabilities"].get("browserVersion")
        self.context = self.cmd("browsingContext.getTree", {})["contexts"][0]["context"]
        self.cmd("browsingContext.setViewport", {"context": self.context,
                                                  "viewport": {"width": width, "height": height}})

    def cmd(self, method, params, timeout=60):
        self.next_id += 1
        mine = self.next_id
        self.ws.sock.settimeout(timeout)
        self.ws.send(json.dumps({"id": mine, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") != mine:
                continue  # an event
            if msg.get("type") == "error" or "error" in msg and msg.get("type") != "success":
                raise BidiError("%s: %s %s" % (method, msg.get("error"), msg.get("message")))
            return msg["result"]

    def open(self, url):
        self.cmd("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    def js(self, expression):
        """The value of a JavaScript expression (JSON-able results only)."""
        r = self.cmd("script.evaluate", {"expression": "JSON.stringify((() => { %s })())" % expression,
                                         "target": {"context": self.context}, "awaitPromise": True})
        if r.get("type") == "exception":
            raise BidiError("script: " + json.dumps(r.get("exceptionDetails", {}))[:500])
        v = r["result"].get("value")
        return None if v is None else json.loads(v)

    def wait(self, expression, timeout=20, what=None):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.js(expression)
                if last:
                    return last
            except BidiError as e:
                last = str(e)
            time.sleep(0.2)
        raise AssertionError("timed out waiting for %s (last: %r)" % (what or expression, last))

    def screenshot(self, path):
        r = self.cmd("browsingContext.captureScreenshot", {"context": self.context})
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def close(self):
        try:
            self.cmd("session.end", {}, timeout=10)
        except Exception:
            pass
        if self.ws:
            self.ws.close()
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


