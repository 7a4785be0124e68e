"""A statecraftd node of its own for the security tests (test_security_*.py):
started with extra flags and an optional YAML config, on Redis when the suite
runs with --with-redis; plus boto3 / AWS CLI / JS SDK clients for any region,
keys and CA bundle."""

import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

import boto3
import botocore.config

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Redis, free_port, tail, wait_for_port  # noqa: E402

AWS = shutil.which("aws")
HERE = os.path.dirname(os.path.abspath(__file__))


class Node:
    def __init__(self, args=(), config=None, tls=None, name="sec"):
        binary = os.environ.get("STATECRAFT_BIN")
        if not binary:
            raise unittest.SkipTest("STATECRAFT_BIN is not set; run via tests/e2e/run.py")
        self.binary = binary
        self.tmp = tempfile.mkdtemp(prefix="statecraft-e2e-%s-" % name)
        self.redis = None
        self.port = free_port()
        cmd = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--log-level", "warn",
               "--activity-poll-timeout", "2"]
        if config is not None:
            path = os.path.join(self.tmp, "statecraft.yaml")
            with open(path, "w") as f:
                f.write(config)
            cmd += ["--config", path]
        cmd += list(args)
        if os.environ.get("E2E_WITH_REDIS"):
            self.redis = Redis(self.tmp)
            self.redis.start(10)
            cmd += ["--redis", self.redis.url]
        self.log = os.path.join(self.tmp, "statecraftd.log")
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=self.tmp)
        problem = wait_for_port(self.proc, self.port, 20)
        if problem:
            log = tail(self.log)
            self.stop()
            raise RuntimeError("node %s\n%s" % (problem, log))
        scheme = "https" if tls else "http"
        host = "localhost" if tls else "127.0.0.1"
        self.url = "%s://%s:%d" % (scheme, host, self.port)

    def stop(self):
        p = self.proc
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if self.redis is not None:
            self.redis.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def client(self, region="us-east-1", key="test", secret="test", verify=None, read_timeout=30):
        cfg = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                     inject_host_prefix=False, connect_timeout=5,
                                     read_timeout=read_timeout)
        return boto3.client("stepfunctions", endpoint_url=self.url, region_name=region,
                            aws_access_key_id=key, aws_secret_access_key=secret,
                            verify=verify, config=cfg)

    def cli(self, *args, region="us-east-1", key="test", secret="test", ca_bundle=None):
        """Runs `aws stepfunctions ARGS` against the node: (exit status, stdout, stderr)."""
        if AWS is None:
            raise unittest.SkipTest("the AWS CLI is not installed")
        env = dict(os.environ)
        env.update({"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
                    "AWS_DEFAULT_REGION": region, "AWS_MAX_ATTEMPTS": "1", "AWS_PAGER": "",
                    "AWS_EC2_METADATA_DISABLED": "true"})
        for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CA_BUNDLE"):
            env.pop(k, None)
        cmd = [AWS, "stepfunctions", *args, "--endpoint-url", self.url, "--output", "json"]
        if ca_bundle:
            cmd += ["--ca-bundle", ca_bundle]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr


def js_call(operation, params, endpoint, region="us-east-1", key="test", secret="test"):
    """One call through the JavaScript SDK v3 (tests/e2e/js/call.js)."""
    import test_js_sdks  # the npm-installed SDKs, shared with that suite

    path, reason = test_js_sdks.node_modules()
    if path is None:
        raise unittest.SkipTest(reason)
    options = {"endpoint": endpoint, "hostPrefix": "off", "region": region,
               "credentials": {"accessKeyId": key, "secretAccessKey": secret}}
    env = dict(os.environ, NODE_PATH=path, NODE_NO_WARNINGS="1")
    p = subprocess.run([test_js_sdks.NODE, os.path.join(HERE, "js", "call.js"), "v3",
                        json.dumps(options), operation, json.dumps(params)],
                       capture_output=True, text=True, timeout=60, env=env)
    if p.returncode != 0:
        raise AssertionError("call.js exited %d:\n%s%s" % (p.returncode, p.stdout, p.stderr))
    return json.loads(p.stdout.strip().splitlines()[-1])


def sigv4_authorization(method, path, headers, payload, key, secret, amz_date, region="us-east-1"):
    """The Authorization header of a request signed by hand (SigV4, service
    states, an empty query string): `headers` are the lower-case headers it
    signs, all of them."""
    signed = ";".join(sorted(headers))
    creq = "\n".join([method, path, "", "".join("%s:%s\n" % (k, headers[k]) for k in sorted(headers)),
                      signed, hashlib.sha256(payload).hexdigest()])
    scope = "%s/%s/states/aws4_request" % (amz_date[:8], region)
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (amz_date[:8], region, "states", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    return "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (key, scope, signed, sig)
