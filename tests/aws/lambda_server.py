"""A small Lambda-Invoke-compatible server for the tests (moto's Lambda needs
docker): POST /2015-03-31/functions/<name>/invocations runs the function's
Python handler in this process and answers as Lambda does.

    python3 tests/aws/lambda_server.py --port N

Control (the tests' side, not Lambda's API):
    PUT  /_test/functions/<name>   body: Python source defining handler(event, context)
    PUT  /_test/faults/<name>      body: {"count": N, "status": 500, "type": "ServiceException"}
                                   the next N invocations answer that error
    GET  /_test/invocations        every invocation seen: name, payload, headers,
                                   and whether its SigV4 signature checked out

Answers: 200 with the handler's result as JSON (X-Amz-Executed-Version);
a handler exception: 200 with X-Amz-Function-Error: Unhandled and
{"errorType","errorMessage","stackTrace"}; an unknown function: 404
ResourceNotFoundException; injected faults: the given status with
x-amzn-ErrorType. Each request's signature is recomputed with botocore's
SigV4 signer (an implementation nobody here wrote) and recorded.
"""

import argparse
import json
import threading
import traceback
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SECRETS = {}  # access key -> secret (the tests' credentials)
FUNCTIONS = {}
FAULTS = {}
INVOCATIONS = []
LOCK = threading.Lock()


def check_signature(method, path, headers, body):
    auth = headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "no SigV4 Authorization header"
    parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    akid, date, region, service, _ = parts["Credential"].split("/")
    signed = parts["SignedHeaders"].split(";")
    secret = SECRETS.get(akid)
    if secret is None:
        return "unknown access key %s" % akid
    url = "http://%s%s" % (headers.get("Host"), path)
    hdrs = {h: headers.get(h) for h in signed}
    req = AWSRequest(method=method, url=url, data=body, headers=hdrs)
    req.context["timestamp"] = headers.get("X-Amz-Date")
    signer = SigV4Auth(Credentials(akid, secret), service, region)
    creq = signer.canonical_request(req)
    sts = signer.string_to_sign(req, creq)
    expected = signer.signature(sts, req)
    if expected != parts["Signature"]:
        return "signature mismatch: botocore's canonical request was:\n" + creq
    return "ok"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, status, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        if self.path == "/_test/invocations":
            with LOCK:
                return self.answer(200, INVOCATIONS)
        self.answer(404, {"message": "no route"})

    def do_PUT(self):
        body = self.body()
        if self.path.startswith("/_test/functions/"):
            name = self.path[len("/_test/functions/"):]
            scope = {}
            exec(compile(body.decode(), name, "exec"), scope)
            with LOCK:
                FUNCTIONS[name] = scope["handler"]
            return self.answer(200, {})
        if self.path.startswith("/_test/faults/"):
            with LOCK:
                FAULTS[self.path[len("/_test/faults/"):]] = json.loads(body)
            return self.answer(200, {})
        if self.path == "/_test/credentials":
            c = json.loads(body)
            SECRETS[c["AccessKeyId"]] = c["SecretAccessKey"]
            return self.answer(200, {})
        self.answer(404, {"message": "no route"})

    def do_POST(self):
        body = self.body()
        path = self.path
        route = path.split("?", 1)[0]
        prefix, suffix = "/2015-03-31/functions/", "/invocations"
        if not (route.startswith(prefix) and route.endswith(suffix)):
            return self.answer(404, {"message": "no route"})
        name = urllib.parse.unquote(route[len(prefix):-len(suffix)])
        if name.startswith("arn:"):
            name = name.split(":")[6]  # arn:aws:lambda:region:account:function:NAME[:qualifier]
        signature = check_signature("POST", path, self.headers, body)
        with LOCK:
            cred = self.headers.get("Authorization", "").split("Credential=")[-1].split("/")[0]
            INVOCATIONS.append({"name": name, "payload": body.decode("utf-8", "replace"),
                                "accessKey": cred,
                                "sessionToken": self.headers.get("X-Amz-Security-Token"),
                                "invocationType": self.headers.get("X-Amz-Invocation-Type"),
                                "signature": signature})
            fault = FAULTS.get(name)
            if fault and fault.get("count", 0) > 0:
                fault["count"] -= 1
            else:
                fault = None
            fn = FUNCTIONS.get(name)
        if fault:
            return self.answer(fault.get("status", 500),
                               {"Type": "Service", "message": fault.get("message", "injected fault")},
                               {"x-amzn-ErrorType": fault.get("type", "ServiceException")})
        if fn is None:
            return self.answer(404, {"Type": "User", "message": "Function not found: " + name},
                               {"x-amzn-ErrorType": "ResourceNotFoundException"})
        event = json.loads(body) if body else None
        try:
            result = fn(event, None)
        except Exception as e:  # the function failed: Lambda answers 200 + X-Amz-Function-Error
            return self.answer(200, {"errorMessage": str(e), "errorType": type(e).__name__,
                                     "stackTrace": traceback.format_exc().splitlines()},
                               {"X-Amz-Function-Error": "Unhandled",
                                "X-Amz-Executed-Version": "$LATEST"})
        if self.headers.get("X-Amz-Invocation-Type") == "Event":
            return self.answer(202, b"")
        self.answer(200, result, {"X-Amz-Executed-Version": "$LATEST"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
