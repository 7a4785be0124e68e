"""A minimal W3C WebDriver client over the standard library (urllib), for
Debian's chromium-driver driving Debian's chromium headless. Only what the
console tests use: open a URL, run a script, click an element, take a
screenshot, wait for a condition."""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import harness  # noqa: E402


def find_binary(names):
    for n in names:
        p = shutil.which(n)
        if p:
            return p
    for p in ("/usr/bin/chromium", "/usr/lib/chromium/chromium"):
        if any(p.endswith(n) for n in names) and os.path.exists(p):
            return p
    return None


class WebDriverError(Exception):
    pass


class Browser:
    def __init__(self, width=1400, height=950, extra_args=()):
        self.driver_bin = find_binary(["chromedriver"])
        self.chrome_bin = find_binary(["chromium", "chromium-browser"])
        if not self.driver_bin or not self.chrome_bin:
            raise WebDriverError("chromium and chromium-driver are needed (scripts/setup.sh installs them)")
        self.port = harness.free_port()
        self.profile = tempfile.mkdtemp(prefix="statecraft-chromium-")
        self.log = open(os.path.join(self.profile, "chromedriver.log"), "wb")
        self.proc = subprocess.Popen([self.driver_bin, "--port=%d" % self.port],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        err = harness.wait_for_port(self.proc, self.port, 20)
        if err:
            raise WebDriverError("chromedriver " + err)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": self.chrome_bin,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=%d,%d" % (width, height), "--user-data-dir=" + self.profile,
                         "--no-first-run", "--no-default-browser-check", "--hide-scrollbars"] + list(extra_args),
            },
        }}}
        r = self._call("POST", "/session", caps, timeout=60)
        self.session = r["sessionId"] if "sessionId" in r else r["value"]["sessionId"]

    def _call(self, method, path, body=None, timeout=30):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            raise WebDriverError("%s %s: %s" % (method, path, e.read()[:2000].decode("utf-8", "replace")))

    def cmd(self, method, path, body=None, timeout=30):
        return self._call(method, "/session/%s%s" % (self.session, path), body, timeout)["value"]

    def open(self, url):
        self.cmd("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, css):
        v = self.cmd("POST", "/element", {"using": "css selector", "value": css})
        return next(iter(v.values()))

    def click(self, css):
        self.cmd("POST", "/element/%s/click" % self.find(css), {})

    def type(self, css, text):
        self.cmd("POST", "/element/%s/value" % self.find(css), {"text": text})

    def wait(self, script, timeout=20, what=None, *args):
        """Polls `script` (a JS function body returning a value) until truthy."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.js(script, *args)
            except WebDriverError as e:
                last = "error: %s" % e
            else:
                if last:
                    return last
            time.sleep(0.2)
        raise AssertionError("timed out waiting for %s (last: %r)" % (what or script, last))

    def screenshot(self, path):
        png = base64.b64decode(self.cmd("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)

    def close(self):
        try:
            self._call("DELETE", "/session/%s" % self.session, timeout=10)
        except Exception:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)
