"""The AWS JSON 1.0 wire protocol, exercised with raw HTTP (http.client and
sockets) rather than botocore."""

import http.client
import json
import socket
import threading
import time
import unittest

from common import (CONTENT_TYPE, E2ETestCase, PASS_DEF, ROLE_ARN, client, host_port, post,
                    post_json, raw_socket, run_threads, sm_arn, uname, wait_for_status)


class HttpReader:
    """Reads successive HTTP/1.1 responses from a raw socket (keeps any bytes
    that belong to the next response)."""

    def __init__(self, sock, timeout=15):
        sock.settimeout(timeout)
        self.f = sock.makefile("rb")

    def read(self):
        """Return (status, headers, body); raise ConnectionError if the peer
        closes before a status line."""
        line = self.f.readline()
        if not line:
            raise ConnectionError("connection closed before a response status line")
        status = int(line.split()[1])
        headers = {}
        while True:
            ln = self.f.readline()
            if not ln:
                raise ConnectionError("connection closed inside the response header")
            ln = ln.decode("iso-8859-1").rstrip("\r\n")
            if not ln:
                break
            k, _, v = ln.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        body = self.f.read(n) if n else b""
        return status, headers, body


def read_http_response(sock, timeout=15):
    return HttpReader(sock, timeout).read()


AUTH = ("Authorization: AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/states/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=%s\r\n"
        "X-Amz-Date: 20240101T000000Z\r\n" % ("0" * 64))


def request_bytes(target, body, host=None, extra=""):
    h, p = host_port()
    return ("POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nX-Amz-Target: AWSStepFunctions.%s\r\n"
            "%sContent-Length: %d\r\n%s\r\n"
            % (host or "%s:%d" % (h, p), CONTENT_TYPE, target, AUTH, len(body), extra)).encode() + body


class Errors(E2ETestCase):

    def test_unknown_operation(self):
        r = post("AWSStepFunctions.NoSuchOperation", b"{}")
        self.assertRawError(r, "UnknownOperationException")
        self.assertIn("x-amzn-errortype", r.headers)
        code = r.headers["x-amzn-errortype"].split(":")[0].split("#")[-1]
        self.assertEqual(code, "UnknownOperationException")

    def test_unknown_service_prefix(self):
        r = post("DynamoDB_20120810.ListTables", b"{}")
        self.assertRawError(r, "UnknownOperationException")

    def test_missing_target_header(self):
        r = post(None, b"{}")
        self.assertGreaterEqual(r.status, 400, r)
        self.assertLess(r.status, 500, r)
        self.assertIn("__type", r.json())

    def test_malformed_json(self):
        for body in [b"{", b"{\"name\": }", b"not json at all", b"\xff\xfe\x00garbage"]:
            with self.subTest(body=body):
                r = post("ListStateMachines", body)
                self.assertRawError(r, "SerializationException")

    def test_wrong_member_type(self):
        # AWS (Coral) answers a type mismatch such as a number where a string
        # belongs with HTTP 400 SerializationException ("NUMBER_VALUE cannot
        # be converted to String"); ValidationException is accepted as well.
        for body in [{"name": 123, "definition": json.dumps(PASS_DEF), "roleArn": ROLE_ARN},
                     {"name": ["x"], "definition": json.dumps(PASS_DEF), "roleArn": ROLE_ARN},
                     {"name": uname("t"), "definition": {"StartAt": "x"}, "roleArn": ROLE_ARN}]:
            with self.subTest(body=body):
                r = post_json("CreateStateMachine", body)
                self.assertEqual(r.status, 400, r)
                self.assertIn(r.error_type(), ("SerializationException", "ValidationException"))
        r = post_json("ListStateMachines", {"maxResults": "ten"})
        self.assertEqual(r.status, 400, r)
        self.assertIn(r.error_type(), ("SerializationException", "ValidationException"))

    def test_body_not_an_object(self):
        for body in [b"[]", b"42", b"\"str\""]:
            with self.subTest(body=body):
                r = post("ListStateMachines", body)
                self.assertEqual(r.status, 400, r)
                self.assertIn(r.error_type(), ("SerializationException", "ValidationException"))

    def test_missing_required_member(self):
        # Coral validation: "1 validation error detected: Value null at
        # 'stateMachineArn' failed to satisfy constraint: Member must not be null".
        r = post_json("DescribeStateMachine", {})
        body = self.assertRawError(r, "ValidationException")
        self.assertIn("stateMachineArn", body.get("message", body.get("Message", "")))
        r = post_json("StartExecution", {"name": "x"})
        self.assertRawError(r, "ValidationException")
        r = post_json("CreateStateMachine", {"name": uname("t"), "definition": json.dumps(PASS_DEF)})
        self.assertRawError(r, "ValidationException")

    def test_out_of_range_max_results(self):
        r = post_json("ListStateMachines", {"maxResults": 1001})
        self.assertRawError(r, "ValidationException")
        r = post_json("ListStateMachines", {"maxResults": -1})
        self.assertRawError(r, "ValidationException")

    def test_unknown_members_are_ignored(self):
        r = post_json("ListStateMachines", {"someFutureField": {"a": 1}})
        self.assertEqual(r.status, 200, r)
        self.assertIn("stateMachines", r.json())

    def test_modelled_error_body(self):
        r = post_json("DescribeStateMachine", {"stateMachineArn": sm_arn(uname("missing"))})
        body = self.assertRawError(r, "StateMachineDoesNotExist")
        self.assertIsInstance(body.get("message"), str)
        self.assertTrue(r.headers.get("content-type", "").startswith(CONTENT_TYPE), r.headers)
        self.assertIn("x-amzn-requestid", r.headers)


class Responses(E2ETestCase):

    def test_success_headers(self):
        r = post_json("ListStateMachines", {})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers.get("content-type", "").startswith(CONTENT_TYPE), r.headers)
        self.assertTrue(r.headers.get("x-amzn-requestid"), r.headers)
        self.assertEqual(int(r.headers["content-length"]), len(r.body))

    def test_request_ids_are_unique(self):
        ids = {post_json("ListActivities", {}).headers.get("x-amzn-requestid") for _ in range(5)}
        self.assertEqual(len(ids), 5)

    def test_raw_shapes_match_model(self):
        name = uname("raw")
        r = post_json("CreateStateMachine", {"name": name, "definition": json.dumps(PASS_DEF),
                                             "roleArn": ROLE_ARN})
        self.assertEqual(r.status, 200, r)
        self.assertShape(r.json(), "CreateStateMachineOutput")
        arn = r.json()["stateMachineArn"]
        self.addCleanup(self._quiet, self.sfn.delete_state_machine, stateMachineArn=arn)

        r = post_json("DescribeStateMachine", {"stateMachineArn": arn})
        self.assertShape(r.json(), "DescribeStateMachineOutput")
        r = post_json("ListStateMachines", {"maxResults": 5})
        self.assertShape(r.json(), "ListStateMachinesOutput")

        r = post_json("StartExecution", {"stateMachineArn": arn, "input": "{\"x\": 1}"})
        self.assertShape(r.json(), "StartExecutionOutput")
        ex = r.json()["executionArn"]
        wait_for_status(self.sfn, ex)
        r = post_json("DescribeExecution", {"executionArn": ex})
        self.assertShape(r.json(), "DescribeExecutionOutput")
        r = post_json("GetExecutionHistory", {"executionArn": ex})
        self.assertShape(r.json(), "GetExecutionHistoryOutput")
        r = post_json("ListExecutions", {"stateMachineArn": arn})
        self.assertShape(r.json(), "ListExecutionsOutput")
        r = post_json("DescribeStateMachineForExecution", {"executionArn": ex})
        self.assertShape(r.json(), "DescribeStateMachineForExecutionOutput")
        r = post_json("ListTagsForResource", {"resourceArn": arn})
        self.assertShape(r.json(), "ListTagsForResourceOutput")

        act = uname("rawact")
        r = post_json("CreateActivity", {"name": act})
        self.assertShape(r.json(), "CreateActivityOutput")
        act_arn = r.json()["activityArn"]
        self.addCleanup(self._quiet, self.sfn.delete_activity, activityArn=act_arn)
        r = post_json("DescribeActivity", {"activityArn": act_arn})
        self.assertShape(r.json(), "DescribeActivityOutput")
        r = post_json("ListActivities", {})
        self.assertShape(r.json(), "ListActivitiesOutput")

    def test_timestamps_are_epoch_seconds(self):
        before = time.time()
        r = post_json("CreateActivity", {"name": uname("ts")})
        after = time.time()
        body = r.json()
        self.addCleanup(self._quiet, self.sfn.delete_activity, activityArn=body["activityArn"])
        ts = body["creationDate"]
        self.assertIsInstance(ts, (int, float))
        self.assertGreaterEqual(ts, before - 2)
        self.assertLessEqual(ts, after + 2)

    def test_empty_result_bodies(self):
        # Operations with an empty output structure answer "{}".
        r = post_json("DeleteStateMachine", {"stateMachineArn": sm_arn(uname("none"))})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {})

    def test_sync_host_prefix_accepted(self):
        h, p = host_port()
        name = uname("syncraw")
        arn = self.sfn.create_state_machine(name=name, definition=json.dumps(PASS_DEF), roleArn=ROLE_ARN,
                                            type="EXPRESS")["stateMachineArn"]
        self.addCleanup(self._quiet, self.sfn.delete_state_machine, stateMachineArn=arn)
        r = post_json("StartSyncExecution", {"stateMachineArn": arn, "input": "{}"},
                      host="sync-%s:%d" % (h, p))
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(body["status"], "SUCCEEDED")
        self.assertEqual(json.loads(body["output"]), {"ok": True})
        self.assertShape(body, "StartSyncExecutionOutput")

    def test_any_host_header_accepted(self):
        for host in ["states.us-east-1.amazonaws.com", "example.invalid:443", "localhost"]:
            with self.subTest(host=host):
                r = post_json("ListActivities", {}, host=host)
                self.assertEqual(r.status, 200, r)


class Robustness(E2ETestCase):

    def assertNodeServes(self):
        r = post_json("ListStateMachines", {"maxResults": 1})
        self.assertEqual(r.status, 200, "node no longer serving: %r" % r)

    def test_oversized_body_rejected(self):
        size = 64 * 1024 * 1024
        s = raw_socket()
        try:
            h, p = host_port()
            s.sendall(("POST / HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: %s\r\n"
                       "X-Amz-Target: AWSStepFunctions.CreateStateMachine\r\n%sContent-Length: %d\r\n\r\n"
                       % (h, p, CONTENT_TYPE, AUTH, size)).encode())
            stop = threading.Event()

            def sender():
                chunk = b"a" * 65536
                sent = 0
                try:
                    while sent < size and not stop.is_set():
                        s.sendall(chunk)
                        sent += len(chunk)
                except OSError:
                    pass

            th = threading.Thread(target=sender, daemon=True)
            th.start()
            try:
                status, headers, body = read_http_response(s, timeout=30)
            except (ConnectionError, OSError) as e:
                self.fail("no HTTP response to an oversized request: %s" % e)
            finally:
                stop.set()
            self.assertGreaterEqual(status, 400)
            self.assertLess(status, 500)
        finally:
            s.close()
        self.assertNodeServes()

    def test_garbage_bytes_then_close(self):
        for junk in [b"\x00\x01\x02\xff" * 100, b"GARBAGE / NOTHTTP\r\n\r\n", b"POST / HTTP/1.1\r\nContent-Le",
                     b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", b"\r\n" * 50]:
            with self.subTest(junk=junk[:20]):
                s = raw_socket()
                try:
                    s.sendall(junk)
                    s.shutdown(socket.SHUT_WR)
                    s.settimeout(5)
                    try:
                        while s.recv(4096):
                            pass
                    except OSError:
                        pass
                finally:
                    s.close()
                self.assertNodeServes()

    def test_abrupt_close_mid_body(self):
        s = raw_socket()
        req = request_bytes("ListStateMachines", b"{}" + b" " * 1000)
        s.sendall(req[:len(req) - 500])
        s.close()
        self.assertNodeServes()

    def test_idle_connection_does_not_block_others(self):
        idle = raw_socket()
        try:
            idle.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")  # never finished
            self.assertNodeServes()
        finally:
            idle.close()

    def test_request_sent_in_pieces(self):
        req = request_bytes("ListActivities", b"{}")
        s = raw_socket()
        try:
            for i in range(0, len(req), 7):
                s.sendall(req[i:i + 7])
                time.sleep(0.005)
            status, headers, body = read_http_response(s)
            self.assertEqual(status, 200)
            self.assertIn("activities", json.loads(body))
        finally:
            s.close()

    def test_pipelined_requests(self):
        req = request_bytes("ListActivities", b"{}")
        s = raw_socket()
        try:
            s.sendall(req + req + req)
            reader = HttpReader(s)
            for _ in range(3):
                status, headers, body = reader.read()
                self.assertEqual(status, 200)
                self.assertIn("activities", json.loads(body))
        finally:
            s.close()

    def test_keep_alive(self):
        h, p = host_port()
        conn = http.client.HTTPConnection(h, p, timeout=10)
        try:
            first_sock = None
            for i, (target, body) in enumerate([("ListStateMachines", b"{}"),
                                                ("NoSuchOperation", b"{}"),  # an error keeps the connection
                                                ("ListActivities", b"{}"),
                                                ("DescribeStateMachine", b"{}"),
                                                ("ListStateMachines", b"{\"maxResults\": 1}")]):
                hdrs = {"Content-Type": CONTENT_TYPE, "X-Amz-Target": "AWSStepFunctions." + target}
                for line in AUTH.strip().split("\r\n"):
                    k, _, v = line.partition(": ")
                    hdrs[k] = v
                conn.request("POST", "/", body=body, headers=hdrs)
                resp = conn.getresponse()
                data = resp.read()
                self.assertIn(resp.status, (200, 400), data)
                json.loads(data)
                self.assertNotEqual((resp.getheader("Connection") or "").lower(), "close",
                                    "server closed a keep-alive connection after %s" % target)
                if first_sock is None:
                    first_sock = conn.sock
                self.assertIsNotNone(conn.sock)
                self.assertIs(conn.sock, first_sock, "connection was not reused")
        finally:
            conn.close()

    def test_concurrent_connections(self):
        def work(i):
            c = client()
            name = uname("conc%d" % i)
            arn = c.create_activity(name=name)["activityArn"]
            try:
                for _ in range(5):
                    c.list_state_machines(maxResults=2)
                    self.assertEqual(c.describe_activity(activityArn=arn)["name"], name)
            finally:
                c.delete_activity(activityArn=arn)
            return arn

        arns = run_threads([lambda i=i: work(i) for i in range(16)], timeout=60)
        self.assertEqual(len(set(arns)), 16)
        self.assertNodeServes()

    def test_many_sequential_connections(self):
        for _ in range(100):
            r = post_json("ListActivities", {"maxResults": 1})
            self.assertEqual(r.status, 200)

    def test_lowercase_header_names(self):
        body = b"{}"
        h, p = host_port()
        req = ("POST / HTTP/1.1\r\nhost: %s:%d\r\ncontent-type: %s\r\nx-amz-target: "
               "AWSStepFunctions.ListActivities\r\n%scontent-length: %d\r\n\r\n"
               % (h, p, CONTENT_TYPE, AUTH.lower(), len(body))).encode() + body
        s = raw_socket()
        try:
            s.sendall(req)
            status, headers, data = read_http_response(s)
            self.assertEqual(status, 200, data)
        finally:
            s.close()

    def test_chunked_request_body(self):
        body = json.dumps({"maxResults": 1}).encode()
        h, p = host_port()
        head = ("POST / HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: %s\r\n"
                "X-Amz-Target: AWSStepFunctions.ListStateMachines\r\n%sTransfer-Encoding: chunked\r\n\r\n"
                % (h, p, CONTENT_TYPE, AUTH)).encode()
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 5]), body[i:i + 5]) for i in range(0, len(body), 5))
        s = raw_socket()
        try:
            s.sendall(head + chunks + b"0\r\n\r\n")
            status, headers, data = read_http_response(s)
            self.assertEqual(status, 200, data)
            self.assertIn("stateMachines", json.loads(data))
        finally:
            s.close()

    def test_expect_100_continue(self):
        # curl sends "Expect: 100-continue" for larger bodies and waits up to
        # 1 s for an interim response before sending the body anyway.
        body = json.dumps({"maxResults": 1}).encode()
        h, p = host_port()
        head = ("POST / HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: %s\r\n"
                "X-Amz-Target: AWSStepFunctions.ListStateMachines\r\n%sExpect: 100-continue\r\n"
                "Content-Length: %d\r\n\r\n" % (h, p, CONTENT_TYPE, AUTH, len(body))).encode()
        s = raw_socket()
        try:
            s.sendall(head)
            reader = HttpReader(s, timeout=1.0)
            status = None
            try:
                status, _, _ = reader.read()
            except (socket.timeout, TimeoutError):
                pass
            if status is not None:
                self.assertEqual(status, 100, "unexpected final response before the body was sent")
            s.settimeout(10)
            s.sendall(body)
            status, headers, data = HttpReader(s, timeout=10).read() if status is None else reader.read()
            self.assertEqual(status, 200, data)
        finally:
            s.close()

    def test_http_1_0_request(self):
        body = b"{}"
        s = raw_socket()
        try:
            s.sendall(("POST / HTTP/1.0\r\nContent-Type: %s\r\nX-Amz-Target: AWSStepFunctions.ListActivities\r\n"
                       "%sContent-Length: %d\r\n\r\n" % (CONTENT_TYPE, AUTH, len(body))).encode() + body)
            status, headers, data = read_http_response(s)
            self.assertEqual(status, 200, data)
            self.assertIn("activities", json.loads(data))
            # HTTP/1.0 without keep-alive: the server closes the connection.
            s.settimeout(5)
            self.assertEqual(s.recv(1), b"")
        finally:
            s.close()

    def test_get_request(self):
        h, p = host_port()
        conn = http.client.HTTPConnection(h, p, timeout=10)
        try:
            conn.request("GET", "/")
            resp = conn.getresponse()
            resp.read()
            self.assertGreaterEqual(resp.status, 200)
        finally:
            conn.close()
        self.assertNodeServes()


if __name__ == "__main__":
    unittest.main()
