"""API Gateway WebSocket APIs through Node.js clients: the `ws` package (apigw_ws_js/ws_test.mjs)
and `wscat`, both from apigw_ws_js/package-lock.json through `npm ci`, which scripts/dev.sh runs
before the tests (never this test). They connect with a query string that $connect checks, are
refused by $connect (403), send routed messages (a two-way route's answer, a push back through
@connections from the handler, AWS's Forbidden frame for an unrouted message) and disconnect
($disconnect runs; the connection is then gone: GoneException 410). The AWS SDK for JavaScript
v3's ApiGatewayManagementApiClient (apigw_ws_js/management_test.mjs) gets a `ws` client's
connection, deletes it (the client sees the close) and posts to it afterwards (GoneException).
Without node or the packages
the tests fail under CI=true and are skipped, with the reason, elsewhere.

The route handlers are Python functions (worker processes on the machine's python3; boto3 from
Debian for the push).

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_apigw_ws_node
"""

import io
import json
import os
import queue
import shutil
import subprocess
import threading
import time
import unittest
import zipfile

import boto3
import botocore.config
from botocore.exceptions import ClientError

from fogbank_harness import ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, FogbankTestCase, client_missing, unique_name

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apigw_ws_js")
WS_DIR = os.path.join(JS_DIR, "node_modules", "ws")
WSCAT = os.path.join(JS_DIR, "node_modules", "wscat", "bin", "wscat")
# The AWS SDK for JavaScript v3 that fogbank's Node.js workers load (npm ci there, scripts/dev.sh).
SDK_V3_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "emulator",
                                           "workers", "node_sdk", "node_modules"))
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"
# Every wait here is bounded: a server that never answers fails the test instead of hanging it.
WAIT = 60

# The API's functions. $connect admits ?token=let-me-in and refuses anything else with 403 (its
# status becomes the upgrade's answer, as on AWS); `send` is two-way; `push` answers through
# @connections at the address its event gives, as handlers do on AWS.
HANDLERS = """
import json
import boto3

def connect(event, context):
    query = event.get("queryStringParameters") or {}
    print("connect: " + json.dumps(query, sort_keys=True))
    if query.get("token") != "let-me-in":
        return {"statusCode": 403, "body": "no token"}
    return {"statusCode": 200}

def send(event, context):
    rc = event["requestContext"]
    return {"statusCode": 200,
            "body": json.dumps({"echo": json.loads(event["body"])["text"], "connectionId": rc["connectionId"]})}

def push(event, context):
    rc = event["requestContext"]
    client = boto3.client("apigatewaymanagementapi", region_name="us-east-1",
                          endpoint_url="http://" + rc["domainName"] + "/" + rc["stage"])
    client.post_to_connection(ConnectionId=rc["connectionId"],
                              Data=("pushed:" + json.loads(event["body"])["text"]).encode())
    return {"statusCode": 200}

def disconnect(event, context):
    rc = event["requestContext"]
    print("disconnect: " + json.dumps({"connectionId": rc["connectionId"], "eventType": rc["eventType"],
                                       "status": rc.get("disconnectStatusCode")}, sort_keys=True))
    return {"statusCode": 200}
"""


def zipped(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def find_node(package_path):
    """(node path, None) when node and the package are installed, else (None, why not)."""
    node = shutil.which("node")
    if node is None:
        return None, "node is not installed (scripts/dev.sh installs Debian's nodejs and npm)"
    if not os.path.exists(package_path):
        return None, (f"{package_path} is missing: run `npm ci` in {JS_DIR} "
                      "(scripts/dev.sh test does, before the tests)")
    return node, None


class Wscat:
    """wscat running with `args`, its output lines read as they come (bounded waits)."""

    def __init__(self, node, args):
        self.proc = subprocess.Popen([node, WSCAT, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.decode("utf-8", "replace"))
        self.lines.put(None)

    def until_line(self, needle):
        """The lines up to the first containing `needle` (or all of them if wscat ends first, or
        none comes within WAIT); then stdin is closed, which ends wscat."""
        seen = []
        try:
            while not any(needle in line for line in seen):
                line = self.lines.get(timeout=WAIT)
                if line is None:
                    break
                seen.append(line)
        except queue.Empty:
            pass
        return seen + self.close()

    def until_exit(self):
        """Every line, once wscat has exited by itself (bounded: stdin is closed after WAIT)."""
        seen = []
        try:
            while (line := self.lines.get(timeout=WAIT)) is not None:
                seen.append(line)
        except queue.Empty:
            pass
        return seen + self.close()

    def close(self):
        """Closes stdin, waits for the exit; any lines still unread."""
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait(timeout=WAIT)
        self.reader.join(timeout=WAIT)
        rest = []
        while not self.lines.empty():
            line = self.lines.get()
            if line is not None:
                rest.append(line)
        return rest


class ApiGatewayWebSocketNodeTest(FogbankTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.v2 = cls.server.client(service="apigatewayv2")
        cls.lam = cls.server.client(service="lambda")
        cls.manager = boto3.session.Session().client(
            "apigatewaymanagementapi", region_name=REGION, endpoint_url=cls.server.endpoint,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            config=botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))

    @classmethod
    def tearDownClass(cls):
        for client in (cls.v2, cls.lam, cls.manager):
            client.close()
        super().tearDownClass()

    def create_api(self):
        """A WebSocket API with stage dev and the routes above; (api, {route key: function})."""
        api = self.v2.create_api(Name="ws-node", ProtocolType="WEBSOCKET",
                                 RouteSelectionExpression="$request.body.action")
        self.v2.create_stage(ApiId=api["ApiId"], StageName="dev")
        code = zipped({"app.py": HANDLERS})
        functions = {}
        for key, handler in [("$connect", "connect"), ("send", "send"), ("push", "push"),
                             ("$disconnect", "disconnect")]:
            name = unique_name("wsnode")
            function = self.lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE,
                                                Handler="app." + handler, Code={"ZipFile": code}, Timeout=20)
            uri = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                   f"{function['FunctionArn']}/invocations")
            integration = self.v2.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY",
                                                     IntegrationUri=uri)
            extra = {"RouteResponseSelectionExpression": "$default"} if key == "send" else {}
            self.v2.create_route(ApiId=api["ApiId"], RouteKey=key,
                                 Target="integrations/" + integration["IntegrationId"], **extra)
            functions[key] = name
        return api, functions

    def logged(self, name, needle):
        """The function's recent log once it contains `needle` (bounded wait)."""
        deadline = time.monotonic() + WAIT
        while True:
            _, logs, _ = self.server.http("GET", "/_fogbank/lambda/logs")
            log = logs["logs"].get(f"{REGION}/{name}", "")
            if needle in log or time.monotonic() > deadline:
                return log
            time.sleep(0.05)

    def assert_gone(self, connection_id):
        """GetConnection answers GoneException (410) once the close has reached the server."""
        deadline = time.monotonic() + WAIT
        while True:
            try:
                self.manager.get_connection(ConnectionId=connection_id)
            except ClientError as e:
                self.assertEqual(e.response["Error"]["Code"], "GoneException")
                self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 410)
                return
            if time.monotonic() > deadline:
                self.fail(f"connection {connection_id} still there {WAIT} s after its close")
            time.sleep(0.05)

    def test_ws_client_connects_sends_receives_a_push_is_refused_and_disconnects(self):
        node, why = find_node(WS_DIR)
        if node is None:
            client_missing(self, f"no Node.js ws client to test with: {why}")
        api, functions = self.create_api()
        endpoint = api["ApiEndpoint"] + "/dev"
        proc = subprocess.run([node, "ws_test.mjs", endpoint], cwd=JS_DIR, capture_output=True, timeout=180)
        out = proc.stdout.decode("utf-8", "replace").strip().splitlines()
        self.assertTrue(out, f"no output from node:\n{proc.stderr.decode()[-4000:]}")
        result = json.loads(out[-1])
        self.assertNotIn("error", result, result.get("error"))
        self.assertEqual(result["refused"]["status"], 403)
        self.assertEqual(result["refused_wrong_token"]["status"], 403)
        connection_id = result["two_way"]["connectionId"]
        self.assertEqual(len(connection_id), 16, result["two_way"])
        self.assertEqual(result["two_way"], {"echo": "hi", "connectionId": connection_id})
        self.assertEqual(result["pushed"], "pushed:hello")
        self.assertEqual(result["unrouted"]["message"], "Forbidden")
        self.assertEqual(result["unrouted"]["connectionId"], connection_id)
        # The server answers the client's close with the same status (RFC 6455 5.5.1).
        self.assertEqual(result["closed"]["code"], 1000)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode()[-4000:])

        # The query string reached $connect.
        wanted = 'connect: {"room": "blue", "token": "let-me-in"}'
        self.assertIn(wanted, self.logged(functions["$connect"], wanted))
        # The close ran $disconnect with the client's status, and the connection is gone.
        wanted = ('disconnect: {"connectionId": "%s", "eventType": "DISCONNECT", "status": 1000}'
                  % connection_id)
        self.assertIn(wanted, self.logged(functions["$disconnect"], wanted))
        self.assert_gone(connection_id)

    def test_the_sdk_v3_client_gets_and_deletes_a_connection_then_posts_are_gone(self):
        node, why = find_node(WS_DIR)
        if node is None:
            client_missing(self, f"no Node.js ws client to test with: {why}")
        if not os.path.exists(os.path.join(SDK_V3_DIR, "@aws-sdk", "client-apigatewaymanagementapi")):
            client_missing(self, f"no AWS SDK for JavaScript v3 in {SDK_V3_DIR}: run `npm ci` there "
                                 "(scripts/dev.sh does)")
        api, functions = self.create_api()
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_REGION=REGION)
        before_ms = time.time() * 1000
        proc = subprocess.run([node, "management_test.mjs", api["ApiEndpoint"] + "/dev",
                               self.server.endpoint + "/dev", SDK_V3_DIR],
                              cwd=JS_DIR, env=env, capture_output=True, timeout=180)
        after_ms = time.time() * 1000
        out = proc.stdout.decode("utf-8", "replace").strip().splitlines()
        self.assertTrue(out, f"no output from node:\n{proc.stderr.decode()[-4000:]}")
        result = json.loads(out[-1])
        self.assertNotIn("error", result, result.get("error"))
        connection_id = result["connectionId"]
        self.assertEqual(len(connection_id), 16, result)

        # GetConnection: the SDK parsed ConnectedAt and LastActiveAt as dates (the service clock
        # is the real one here, at whole-second precision on the wire), and the client's identity.
        got = result["got"]
        self.assertEqual(got["status"], 200)
        self.assertLessEqual(before_ms - 1000, got["connectedAt"])
        self.assertLessEqual(got["connectedAt"], got["lastActiveAt"])
        self.assertLessEqual(got["lastActiveAt"], after_ms)
        self.assertEqual(got["sourceIp"], "127.0.0.1")
        self.assertEqual(got["userAgent"], "management-test/1.0")

        # DeleteConnection: 204 No Content (the API reference's DeleteConnection answers no body),
        # the socket closed by the server, $disconnect run, and a post afterwards is GoneException.
        self.assertEqual(result["deleted"]["status"], 204)
        self.assertEqual(result["closed"]["code"], 1000)
        self.assertEqual(result["post_after_delete"], {"name": "GoneException", "isGone": True, "status": 410})
        wanted = '"connectionId": "%s", "eventType": "DISCONNECT"' % connection_id
        self.assertIn(wanted, self.logged(functions["$disconnect"], wanted))
        self.assertEqual(proc.returncode, 0, proc.stderr.decode()[-4000:])

    def test_wscat_is_refused_then_connects_and_receives_a_push(self):
        node, why = find_node(WSCAT)
        if node is None:
            client_missing(self, f"no wscat to test with: {why}")
        api, _ = self.create_api()
        endpoint = api["ApiEndpoint"] + "/dev"

        # Refused: wscat prints the status and exits non-zero. Its stdin stays open meanwhile:
        # wscat quits as soon as stdin closes.
        refused = Wscat(node, ["-c", endpoint])
        said = refused.until_exit()
        self.assertNotEqual(refused.proc.returncode, 0, said)
        self.assertIn("Unexpected server response: 403", "".join(said))

        # -x sends once connected, -w -1 keeps the connection open until stdin closes.
        accepted = Wscat(node, ["-c", endpoint + "?token=let-me-in",
                                "-x", json.dumps({"action": "push", "text": "from-wscat"}), "-w", "-1"])
        seen = accepted.until_line("pushed:from-wscat")
        self.assertTrue(any("pushed:from-wscat" in line for line in seen),
                        f"expected the push in wscat's output, got {seen!r}")
        self.assertEqual(accepted.proc.returncode, 0, seen)


if __name__ == "__main__":
    unittest.main()
