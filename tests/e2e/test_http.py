"""The HTTP front end of `fogbank serve`, driven over real sockets with the standard library only.

Pins the wire behaviour DynamoDB's own front door has (as recorded by dynalite's connection tests
against live DynamoDB): error `__type`s and bodies for requests that never reach an operation,
the x-amz-crc32 and x-amzn-RequestId headers, keep-alive, the 16 MiB body limit, and that the
server survives garbage and shuts down cleanly on SIGTERM.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_http
"""

import email.utils
import http.client
import json
import os
import re
import selectors
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import zlib

FOGBANK_BIN = os.environ.get("FOGBANK_BIN", "fogbank")
LISTENING = re.compile(r"^fogbank listening on http://(?P<host>[^\s]+):(?P<port>\d+)$")

AMZ_JSON = "application/x-amz-json-1.0"
BODY_LIMIT = 16 * 1024 * 1024

# A signature fogbank accepts (any credentials are accepted; only the shape is checked).
SIGNED = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=0123456789abcdef",
    "X-Amz-Date": "20240101T000000Z",
}

# Bodies (and their CRC32s) that DynamoDB sends byte for byte (dynalite test/connection.js).
UNKNOWN_OPERATION = {"__type": "com.amazon.coral.service#UnknownOperationException"}
UNKNOWN_OPERATION_CRC = 1368724161
SERIALIZATION = {"__type": "com.amazon.coral.service#SerializationException"}
SERIALIZATION_CRC = 3948637019
MISSING_AUTH = {
    "__type": "com.amazon.coral.service#MissingAuthenticationTokenException",
    "message": "Request is missing Authentication Token",
}
MISSING_AUTH_CRC = 2088342776


class Fogbank:
    """One `fogbank serve --in-memory --port 0` process."""

    def __init__(self, *extra_args):
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [FOGBANK_BIN, "serve", "--in-memory", "--port", "0", *extra_args],
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )
        line = self._read_line(timeout=10)
        match = LISTENING.match(line)
        if not match:
            self.kill()
            raise AssertionError(f"unexpected first line from fogbank: {line!r}; stderr: {self.stderr_text()}")
        self.host = match["host"]
        self.port = int(match["port"])

    def _read_line(self, timeout):
        deadline = time.monotonic() + timeout
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        data = b""
        fd = self.process.stdout.fileno()
        while not data.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                raise AssertionError(f"fogbank did not print its listening line; stderr: {self.stderr_text()}")
            chunk = os.read(fd, 1)
            if not chunk:
                raise AssertionError(f"fogbank exited early ({self.process.wait()}); stderr: {self.stderr_text()}")
            data += chunk
        selector.close()
        return data.decode().rstrip("\n")

    def stderr_text(self):
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def connection(self, timeout=10):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def raw_socket(self, timeout=10):
        return socket.create_connection((self.host, self.port), timeout=timeout)

    def terminate(self, timeout=10):
        """SIGTERM, then the exit code (raises if it does not exit within `timeout`)."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.stderr.close()


def post(conn, body, target="DynamoDB_20120810.ListTables", content_type=AMZ_JSON, signed=True, headers=None):
    all_headers = {}
    if content_type is not None:
        all_headers["Content-Type"] = content_type
    if target is not None:
        all_headers["X-Amz-Target"] = target
    if signed:
        all_headers.update(SIGNED)
    all_headers.update(headers or {})
    if isinstance(body, str):
        body = body.encode()
    conn.request("POST", "/", body=body, headers=all_headers)
    response = conn.getresponse()
    return response, response.read()


def read_http_response(sock):
    """Reads one HTTP/1.1 response with a Content-Length from a raw socket: (status, headers, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before a full response header: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError("connection closed before the full response body")
        rest += chunk
    return status, headers, rest[:length], rest[length:]


class ServerTestCase(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = Fogbank("--seed", "42")

    @classmethod
    def tearDownClass(cls):
        code = cls.server.terminate()
        cls.server.kill()
        assert code == 0, f"fogbank exited with {code}"

    def connect(self, timeout=10):
        conn = self.server.connection(timeout=timeout)
        self.addCleanup(conn.close)
        return conn

    def raw(self, timeout=10):
        sock = self.server.raw_socket(timeout=timeout)
        self.addCleanup(sock.close)
        return sock

    def assert_aws_headers(self, response, body):
        request_id = response.getheader("x-amzn-RequestId")
        self.assertIsNotNone(request_id, "every response carries x-amzn-RequestId")
        self.assertRegex(request_id, r"^[0-9A-Z]{52}$", "DynamoDB request ids are 52 characters of [0-9A-Z]")
        crc = response.getheader("x-amz-crc32")
        self.assertIsNotNone(crc, "every response carries x-amz-crc32")
        self.assertEqual(int(crc), zlib.crc32(body), "x-amz-crc32 is the CRC32 of the body")
        self.assertEqual(int(response.getheader("Content-Length")), len(body))
        self.assert_date(response)

    def assert_date(self, response):
        # Every response is dated (RFC 9110's IMF-fixdate, as AWS's front ends send it), by the
        # server's clock: this server runs on the wall clock.
        date = response.getheader("Date")
        self.assertIsNotNone(date, "every response carries a Date")
        self.assertRegex(date, r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                               r"\d{4} \d\d:\d\d:\d\d GMT$")
        self.assertLess(abs(email.utils.parsedate_to_datetime(date).timestamp() - time.time()), 120, date)

    def assert_error(self, response, body, status, expected_body, expected_crc=None,
                     content_type=AMZ_JSON):
        self.assertEqual(response.status, status, body)
        self.assertEqual(json.loads(body), expected_body)
        self.assertEqual(response.getheader("Content-Type"), content_type)
        self.assert_aws_headers(response, body)
        if expected_crc is not None:
            self.assertEqual(int(response.getheader("x-amz-crc32")), expected_crc)


class HealthAndRouting(ServerTestCase):
    def test_health(self):
        conn = self.connect()
        conn.request("GET", "/_fogbank/health")
        response = conn.getresponse()
        body = response.read()
        self.assertEqual(response.status, 200)
        health = json.loads(body)
        self.assertEqual(health["status"], "running")
        self.assertEqual(health["services"],
                         {"apigateway": "running", "apigatewaymanagementapi": "running", "apigatewayv2": "running",
                          "dynamodb": "running",
                          "dynamodbstreams": "running", "lambda": "running", "sns": "running", "sqs": "running"})
        self.assertEqual(health["version"], "0.1.0")
        self.assertEqual(health["tables"], 0)
        self.assertEqual(health["queues"], 0)
        self.assertEqual(health["apis"], 0)
        self.assertEqual(health["websocket_connections"], 0)
        self.assertEqual((health["restApis"], health["restApiUrls"]), (0, []))
        self.assertEqual(health["stream_subscriber_errors"], 0)
        self.assertEqual(health["functions"], 0)
        self.assertEqual(health["topics"], 0)
        self.assertEqual(health["subscriptions"], 0)
        self.assert_aws_headers(response, body)

    def test_unknown_path_is_404_json(self):
        conn = self.connect()
        conn.request("GET", "/no/such/thing")
        response = conn.getresponse()
        body = response.read()
        self.assertEqual(response.status, 404)
        # fogbank's own answer: DynamoDB has no paths other than / to compare with.
        self.assertEqual(json.loads(body), {"__type": "NotFound",
                                            "message": "fogbank has no resource GET /no/such/thing"})
        self.assert_aws_headers(response, body)

    def test_signed_call_reaches_dynamodb(self):
        # ListTables on a server with no tables (this class creates none).
        conn = self.connect()
        response, body = post(conn, "{}")
        self.assertEqual(response.status, 200, body)
        self.assertEqual(json.loads(body), {"TableNames": []})
        self.assertEqual(response.getheader("Content-Type"), AMZ_JSON)
        self.assert_aws_headers(response, body)

    def test_request_ids_are_unique(self):
        conn = self.connect()
        ids = set()
        for _ in range(5):
            conn.request("GET", "/_fogbank/health")
            response = conn.getresponse()
            response.read()
            ids.add(response.getheader("x-amzn-RequestId"))
        self.assertEqual(len(ids), 5)


class ProtocolErrors(ServerTestCase):
    """Requests DynamoDB refuses before any operation runs."""

    def test_missing_target(self):
        response, body = post(self.connect(), "{}", target=None)
        self.assert_error(response, body, 400, UNKNOWN_OPERATION, UNKNOWN_OPERATION_CRC)

    def test_unknown_target_prefix(self):
        response, body = post(self.connect(), "{}", target="whatever")
        self.assert_error(response, body, 400, UNKNOWN_OPERATION, UNKNOWN_OPERATION_CRC)

    def test_unknown_operation(self):
        response, body = post(self.connect(), "{}", target="DynamoDB_20120810.ListTable")
        self.assert_error(response, body, 400, UNKNOWN_OPERATION, UNKNOWN_OPERATION_CRC)

    def test_malformed_json(self):
        response, body = post(self.connect(), "hi")
        self.assert_error(response, body, 400, SERIALIZATION, SERIALIZATION_CRC)

    def test_malformed_json_is_checked_before_target_and_auth(self):
        response, body = post(self.connect(), "{", target=None, signed=False)
        self.assert_error(response, body, 400, SERIALIZATION, SERIALIZATION_CRC)

    def test_body_not_an_object(self):
        # DynamoDB's JSON reader: a scalar is a SerializationException without a message, a list
        # says where it went wrong (the answer DynamoDB sends for a list where a structure belongs,
        # as dynalite's validation tests and DynamoDB client tests record it).
        for text in ('"text"', "12", "true", "null"):
            with self.subTest(body=text):
                response, body = post(self.connect(), text)
                self.assert_error(response, body, 400, SERIALIZATION, SERIALIZATION_CRC)
        response, body = post(self.connect(), "[1, 2]")
        self.assert_error(response, body, 400, {
            "__type": "com.amazon.coral.service#SerializationException",
            "Message": "Start of list found where not expected"})

    def test_empty_body(self):
        response, body = post(self.connect(), "")
        self.assert_error(response, body, 400, SERIALIZATION, SERIALIZATION_CRC)

    def test_missing_authentication(self):
        response, body = post(self.connect(), "{}", signed=False)
        self.assert_error(response, body, 400, MISSING_AUTH, MISSING_AUTH_CRC)

    def test_authorization_not_sigv4(self):
        response, body = post(self.connect(), "{}", signed=False, headers={"Authorization": "AWS4"})
        self.assert_error(response, body, 400, MISSING_AUTH, MISSING_AUTH_CRC)

    def test_incomplete_signature(self):
        response, body = post(self.connect(), "{}", signed=False, headers={"Authorization": "AWS4-"})
        self.assertEqual(response.status, 400)
        self.assertEqual(json.loads(body), {
            "__type": "com.amazon.coral.service#IncompleteSignatureException",
            "message": "Authorization header requires 'Credential' parameter. "
                       "Authorization header requires 'Signature' parameter. "
                       "Authorization header requires 'SignedHeaders' parameter. "
                       "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                       "Authorization=AWS4-",
        })
        self.assertEqual(int(response.getheader("x-amz-crc32")), 1828866742)

    def test_response_content_type_follows_request(self):
        # DynamoDB answers application/json requests in application/json.
        response, body = post(self.connect(), "hi", content_type="application/json")
        self.assert_error(response, body, 400, SERIALIZATION, SERIALIZATION_CRC, content_type="application/json")
        response, body = post(self.connect(), "{}", target=None, content_type="application/json; charset=utf-8")
        self.assert_error(response, body, 400, UNKNOWN_OPERATION, content_type="application/json")

    def test_body_in_other_content_type_is_404(self):
        response, body = post(self.connect(), "hi", content_type="text/plain")
        self.assertEqual(response.status, 404)
        self.assertEqual(body, b"<UnknownOperationException/>\n")
        self.assertEqual(int(response.getheader("x-amz-crc32")), 3552371480)
        self.assert_date(response)

    def test_oversized_body_is_413(self):
        conn = self.connect(timeout=60)
        response, body = post(conn, b"a" * (BODY_LIMIT + 1))
        self.assertEqual(response.status, 413)
        self.assertEqual(json.loads(body)["__type"], "com.amazon.coral.service#RequestEntityTooLarge")
        self.assert_aws_headers(response, body)
        conn.close()
        # And the server is fine afterwards.
        response, body = post(self.connect(), "hi")
        self.assertEqual(response.status, 400)

    def test_body_at_the_limit_is_read(self):
        conn = self.connect(timeout=60)
        response, body = post(conn, b"a" * BODY_LIMIT)
        self.assert_error(response, body, 400, SERIALIZATION, SERIALIZATION_CRC)

    def test_oversized_chunked_body_is_413(self):
        sock = self.raw(timeout=60)
        head = ("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n"
                "X-Amz-Target: DynamoDB_20120810.ListTables\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
        chunk = b"a" * (1024 * 1024)
        sock.sendall(head)
        try:
            for _ in range(BODY_LIMIT // len(chunk) + 2):
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may stop reading once it has answered
        status, headers, body, _ = read_http_response(sock)
        self.assertEqual(status, 413)
        self.assertEqual(int(headers["x-amz-crc32"]), zlib.crc32(body))
        sock.close()

    def test_cors(self):
        conn = self.connect()
        conn.request("OPTIONS", "/", headers={"Origin": "http://localhost:3000",
                                              "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": "x-amz-target"})
        response = conn.getresponse()
        response.read()
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Access-Control-Allow-Origin"), "*")
        self.assertEqual(response.getheader("Access-Control-Allow-Headers"), "x-amz-target")
        self.assertEqual(response.getheader("Access-Control-Allow-Methods"), "POST")


class ContentCodings(ServerTestCase):
    """gzip and deflate request bodies (Content-Encoding) and gzip responses for a client that
    sends Accept-Encoding: gzip, with DynamoDB's x-amz-crc32 over the compressed bytes
    (smithy-lang/smithy-kotlin#158)."""

    def test_gzip_and_deflate_request_bodies(self):
        for name, compress in (("gzip", _gzip), ("deflate", zlib.compress)):
            response, body = post(self.connect(), compress(b"{}"), headers={"Content-Encoding": name})
            self.assertEqual(response.status, 200, f"{name}: {body!r}")
            self.assertEqual(json.loads(body), {"TableNames": []}, name)

    def test_undecodable_bodies_are_refused(self):
        response, body = post(self.connect(), b"{}", headers={"Content-Encoding": "br"})
        self.assertEqual(response.status, 415, body)
        response, body = post(self.connect(), b"not gzip at all", headers={"Content-Encoding": "gzip"})
        self.assertEqual(response.status, 400, body)
        # 32 MiB of zeros gzip to about 32 KiB: inflating stops at the 16 MiB body limit.
        bomb = _gzip(b"\0" * (32 << 20))
        response, body = post(self.connect(), bomb, headers={"Content-Encoding": "gzip"})
        self.assertEqual(response.status, 413, body)

    def test_large_responses_are_gzipped_when_asked(self):
        # An answer long enough to pass the threshold: the error for a 2000-character table
        # name quotes the name.
        payload = json.dumps({"TableName": "x" * 2000})
        response, body = post(self.connect(), payload, target="DynamoDB_20120810.DescribeTable",
                              headers={"Accept-Encoding": "gzip"})
        self.assertEqual(response.getheader("Content-Encoding"), "gzip", body)
        self.assertEqual(int(response.getheader("x-amz-crc32")), zlib.crc32(body))
        decoded = json.loads(zlib.decompress(body, wbits=31))
        self.assertEqual(decoded["__type"], "com.amazon.coral.validate#ValidationException")
        # Without Accept-Encoding the same answer goes out plain.
        response, body = post(self.connect(), payload, target="DynamoDB_20120810.DescribeTable")
        self.assertIsNone(response.getheader("Content-Encoding"))
        self.assertEqual(json.loads(body)["__type"], decoded["__type"])


def _gzip(data):
    compressor = zlib.compressobj(wbits=31)
    return compressor.compress(data) + compressor.flush()


class Connections(ServerTestCase):
    def test_keep_alive(self):
        conn = self.connect()
        conn.request("GET", "/_fogbank/health")
        response = conn.getresponse()
        response.read()
        sock = conn.sock
        self.assertIsNotNone(sock, "the connection stays open after a response")
        for i in range(10):
            if i % 2:
                response, body = post(conn, "hi")
                self.assertEqual(response.status, 400)
            else:
                conn.request("GET", "/_fogbank/health")
                response = conn.getresponse()
                body = response.read()
                self.assertEqual(response.status, 200)
            self.assert_aws_headers(response, body)
            self.assertIs(conn.sock, sock, "all requests travel on the one connection")
        conn.close()

    def test_connection_close_is_honoured(self):
        sock = self.raw()
        sock.sendall(b"GET /_fogbank/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status, headers, _, rest = read_http_response(sock)
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("connection", "").lower(), "close")
        self.assertEqual(rest + sock.recv(100), b"", "the server closes the connection")
        sock.close()

    def test_pipelined_requests(self):
        sock = self.raw()
        one = b"GET /_fogbank/health HTTP/1.1\r\nHost: x\r\n\r\n"
        sock.sendall(one * 3)
        leftover = b""
        for _ in range(3):
            # read_http_response may read ahead: feed it what the previous call left over.
            if leftover:
                status, _, _, leftover = _parse_buffered(leftover, sock)
            else:
                status, _, _, leftover = read_http_response(sock)
            self.assertEqual(status, 200)
        sock.close()

    def test_expect_100_continue(self):
        sock = self.raw()
        body = b"hi"
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n"
                     b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
        interim = sock.recv(1024)
        self.assertTrue(interim.startswith(b"HTTP/1.1 100 Continue\r\n"), interim)
        sock.sendall(body)
        status, _, response_body, _ = read_http_response(sock)
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(response_body), SERIALIZATION)
        sock.close()

    def test_survives_garbage(self):
        # Each is answered with one error response, and the connection closes: 431 for a header
        # past the limit (RFC 6585), 414 for a request line past it (RFC 9112, section 3), 400 for
        # anything that is not HTTP/1.x (RFC 9112).
        bad_request = (400, {"__type": "BadRequest", "message": "Bad Request"})
        too_large = (431, {"__type": "RequestHeaderFieldsTooLarge",
                           "message": "Request Header Fields Too Large"})
        uri_too_long = (414, {"__type": "URITooLong", "message": "URI Too Long"})
        garbage = [
            (b"\x00\xff\xfe garbage \r\n\r\n", bad_request),
            (b"GET / HTTP/9.9\r\n\r\n", bad_request),
            (b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", bad_request),
            (b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", bad_request),
            (b"GET / HTTP/1.1\r\n" + b"X-Long: " + b"a" * 200_000 + b"\r\n\r\n", too_large),
            (b"GET /" + b"a" * 200_000 + b" HTTP/1.1\r\n\r\n", uri_too_long),
            (b"GET /?" + b"q=1&" * 50_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", uri_too_long),
            (b"\r\n" * 1000, bad_request),
        ]
        for data, (status, error) in garbage:
            with self.subTest(data=data[:40]):
                sock = self.raw()
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
                actual_status, headers, body, rest = read_http_response(sock)
                self.assertEqual((actual_status, json.loads(body)), (status, error))
                self.assertEqual(headers.get("connection", "").lower(), "close")
                self.assertEqual(int(headers["x-amz-crc32"]), zlib.crc32(body))
                self.assertEqual(rest + sock.recv(100), b"", "the server closes the connection")
                sock.close()
                # Another connection is answered normally.
                conn = self.connect()
                conn.request("GET", "/_fogbank/health")
                response = conn.getresponse()
                response.read()
                self.assertEqual(response.status, 200)

    def test_stalled_connections_do_not_block_others(self):
        # More silent connections than server threads: each session waits on its own.
        stalled = [self.raw() for _ in range(8)]
        stalled[0].sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        try:
            conn = self.connect(timeout=5)
            for _ in range(3):
                conn.request("GET", "/_fogbank/health")
                response = conn.getresponse()
                response.read()
                self.assertEqual(response.status, 200)
        finally:
            for sock in stalled:
                sock.close()


def _parse_buffered(data, sock):
    class _Prefixed:
        def __init__(self, prefix, inner):
            self.prefix, self.inner = prefix, inner

        def recv(self, n):
            if self.prefix:
                out, self.prefix = self.prefix, b""
                return out
            return self.inner.recv(n)

    return read_http_response(_Prefixed(data, sock))


class Lifecycle(unittest.TestCase):
    def test_sigterm_exits_zero_promptly(self):
        server = Fogbank()
        try:
            # An idle keep-alive connection must not hold the shutdown up.
            conn = server.connection()
            conn.request("GET", "/_fogbank/health")
            conn.getresponse().read()
            started = time.monotonic()
            self.assertEqual(server.terminate(timeout=10), 0)
            self.assertLess(time.monotonic() - started, 3.0)
            conn.close()
        finally:
            server.kill()

    def test_partial_request_is_closed_on_sigterm(self):
        # Half a body is not a request in flight: nothing has reached a service, so shutdown
        # closes the connection at once instead of waiting for the rest (issue 6, finding 8;
        # test_http_shutdown.py covers every other state a connection can be in).
        server = Fogbank()
        try:
            sock = server.raw_socket()
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n"
                         b"Content-Length: 10\r\n\r\nhihih")
            conn = server.connection()
            conn.request("GET", "/_fogbank/health")  # the server is up and has taken both
            conn.getresponse().read()
            started = time.monotonic()
            self.assertEqual(server.terminate(timeout=15), 0)
            # Well under the 10 s shutdown grace the half-sent request used to hold it for.
            self.assertLess(time.monotonic() - started, 5.0)
            sock.settimeout(10)
            try:
                rest = sock.recv(65536)
            except ConnectionResetError:
                rest = b""
            self.assertEqual(rest, b"", "no answer to a request that never arrived whole")
            sock.close()
            conn.close()
        finally:
            server.kill()

    def test_sigint_exits_zero(self):
        server = Fogbank()
        try:
            server.process.send_signal(signal.SIGINT)
            self.assertEqual(server.process.wait(timeout=10), 0)
        finally:
            server.kill()

    def test_listening_line_is_the_only_output(self):
        server = Fogbank()
        server.terminate()
        rest = server.process.stdout.read()
        server.kill()
        self.assertEqual(rest, b"")

    def test_port_in_use_fails(self):
        first = Fogbank()
        try:
            result = subprocess.run([FOGBANK_BIN, "serve", "--in-memory", "--port", str(first.port)],
                                    capture_output=True, timeout=10)
            self.assertEqual(result.returncode, 1)
            self.assertIn(b"bind", result.stderr)
        finally:
            first.terminate()
            first.kill()

    def test_data_dir_is_created(self):
        with tempfile.TemporaryDirectory() as parent:
            data_dir = os.path.join(parent, "nested", "data")
            process = subprocess.Popen([FOGBANK_BIN, "serve", "--port", "0", "--data-dir", data_dir],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                line = process.stdout.readline().decode()
                self.assertRegex(line, LISTENING)
                self.assertTrue(os.path.isdir(data_dir))
                process.send_signal(signal.SIGTERM)
                self.assertEqual(process.wait(timeout=10), 0)
            finally:
                if process.poll() is None:
                    process.kill()
                process.wait()
                process.stdout.close()
                process.stderr.close()


class CommandLine(unittest.TestCase):
    def run_fogbank(self, *args):
        return subprocess.run([FOGBANK_BIN, *args], capture_output=True, timeout=10)

    def test_help_lists_every_serve_option(self):
        result = self.run_fogbank("serve", "--help")
        self.assertEqual(result.returncode, 0)
        for option in ("--host", "--port", "--data-dir", "--in-memory", "--threads", "--seed", "--credentials",
                       "--help"):
            self.assertIn(option.encode(), result.stdout)

    def test_top_level_help(self):
        result = self.run_fogbank("--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn(b"serve", result.stdout)

    def test_version(self):
        result = self.run_fogbank("--version")
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stdout, b"fogbank 0.1.0\n")

    def test_bad_usage_exits_2(self):
        # Each names what is wrong on one line, then points at --help; nothing on stdout.
        cases = [
            (("serve", "--bogus"), "unknown option for serve: '--bogus'"),
            (("serve", "--port"), "--port needs a value"),
            (("serve", "--port", "70000"), "--port: 70000 is out of range (at most 65535)"),
            (("serve", "--port", "abc"), "--port: expected a number, got 'abc'"),
            (("serve", "--threads", "0"), "--threads: 0 is out of range (1 to 256)"),
            (("serve", "--seed", "-1"), "--seed: expected a number, got '-1'"),
            (("serve", "--in-memory", "--data-dir", "/tmp/x"),
             "--data-dir and --in-memory cannot be combined"),
            (("serve", "--credentials", "AKIDONLY"), "--credentials: expected KEY:SECRET"),
            (("serve", "--credentials", ":secret"), "--credentials: expected KEY:SECRET"),
            (("serve", "--credentials", "A:1", "--credentials=A:2"), "--credentials: access key A is given twice"),
            (("frobnicate",), "unknown command 'frobnicate'"),
        ]
        for args, why in cases:
            with self.subTest(args=args):
                result = self.run_fogbank(*args)
                self.assertEqual((result.returncode, result.stdout, result.stderr.decode()),
                                 (2, b"", f"fogbank: {why}\nRun 'fogbank --help' for usage.\n"))

    def test_no_command_prints_usage_and_exits_2(self):
        result = self.run_fogbank()
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertEqual(result.stdout, b"")
        self.assertIn(b"\nUsage:\n  fogbank serve [options]", result.stderr)


if __name__ == "__main__":
    unittest.main()
