"""https:// and wss:// on fogbank's one port, end to end: boto3 (Debian's, botocore 1.29) with
`verify=<ca.pem>` against each protocol front, the AWS CLI with --ca-bundle, Python's websockets
client over wss:// trusting the CA, and -- what TLS is here for -- unchanged Node.js handlers on a
WebSocket API's route posting back through @connections at `https://` + requestContext.domainName
+ `/` + stage, with the AWS SDK for JavaScript v3 and v2 (v2 adds the https:// itself). The worker
processes trust fogbank's CA through NODE_EXTRA_CA_CERTS and AWS_CA_BUNDLE, set by fogbank.

Also: the CA made in <data-dir>/tls is the same after a restart; in memory it lives in a temporary
directory that is gone after exit; WebSocket clients are closed with 1001 (Going Away) when the
server stops.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_tls
"""

import asyncio
import http.client
import io
import json
import os
import re
import ssl
import subprocess
import tempfile
import unittest
import zipfile

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials
import websockets

from fogbank_harness import (ACCESS_KEY, ACCOUNT, AWS_CLI, CLI_TIMEOUT, REGION, SECRET_KEY, FogbankServer,
                             FogbankTestCase, unique_name)

HERE = os.path.dirname(os.path.abspath(__file__))
# aws-sdk v2 (npm ci in tests/unit/workers/node_packages): a v2 handler brings it in its own
# node_modules, as on Lambda, whose Node.js 18+ runtimes no longer carry it.
SDK_V2_MODULES = os.path.join(HERE, "..", "unit", "workers", "node_packages", "node_modules")
RECV_TIMEOUT = 10
# A cold worker process (node or python) starts on the first message: a longer, still bounded wait.
COLD_TIMEOUT = 60
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"
CA_LOG_RE = re.compile(r"clients trust the CA in (\S+)")

# The seeds' handlers, unchanged: the callback URL is built from the event.
NODE_SDK_V3 = """
const { ApiGatewayManagementApiClient, PostToConnectionCommand } = require('@aws-sdk/client-apigatewaymanagementapi');

exports.handler = async (event) => {
  const { domainName, stage, connectionId } = event.requestContext;
  const client = new ApiGatewayManagementApiClient({ endpoint: `https://${domainName}/${stage}` });
  await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'v3:' + event.body }));
  return { statusCode: 200 };
};
"""

NODE_SDK_V2 = """
const AWS = require('aws-sdk');

exports.handler = async (event) => {
  const { domainName, stage, connectionId } = event.requestContext;
  const api = new AWS.ApiGatewayManagementApi({ apiVersion: '2018-11-29', endpoint: domainName + '/' + stage });
  await api.postToConnection({ ConnectionId: connectionId, Data: 'v2:' + event.body }).promise();
  return { statusCode: 200 };
};
"""

PYTHON_BOTO3 = """
import boto3

def handler(event, context):
    rc = event["requestContext"]
    client = boto3.client("apigatewaymanagementapi", endpoint_url="https://" + rc["domainName"] + "/" + rc["stage"])
    client.post_to_connection(ConnectionId=rc["connectionId"], Data=("py:" + event["body"]).encode())
    return {"statusCode": 200}
"""


def zipped(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def fetch_ca(server):
    """The CA certificate, from fogbank's own endpoint over plain HTTP."""
    status, pem, headers = server.http("GET", "/_fogbank/tls/ca.pem")
    if status != 200:
        raise AssertionError(f"GET /_fogbank/tls/ca.pem: expected 200, got {status}: {pem!r}")
    return pem, headers


def https_client(server, ca_file, service):
    return boto3.session.Session().client(
        service, region_name=REGION, endpoint_url=f"https://127.0.0.1:{server.port}", verify=ca_file,
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        config=botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60))


class TlsTest(FogbankTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.TemporaryDirectory()
        pem, cls.ca_headers = fetch_ca(cls.server)
        cls.ca_pem = pem
        cls.ca_file = os.path.join(cls.tmp.name, "ca.pem")
        with open(cls.ca_file, "w") as f:
            f.write(pem)
        cls.clients = {}

    @classmethod
    def tearDownClass(cls):
        for client in cls.clients.values():
            client.close()
        super().tearDownClass()
        cls.tmp.cleanup()

    def https(self, service):
        if service not in self.clients:
            self.clients[service] = https_client(self.server, self.ca_file, service)
        return self.clients[service]

    # ---- the CA ------------------------------------------------------------------------------

    def test_the_ca_is_served_and_its_file_is_logged(self):
        self.assertTrue(self.ca_pem.startswith("-----BEGIN CERTIFICATE-----"), self.ca_pem[:80])
        self.assertEqual(self.ca_headers.get("content-type"), "application/x-pem-file")
        logged = CA_LOG_RE.search(self.server.stderr())
        self.assertIsNotNone(logged, self.server.stderr())
        with open(logged.group(1)) as f:
            self.assertEqual(f.read(), self.ca_pem)

    # ---- every front over https:// -----------------------------------------------------------

    def test_boto3_speaks_to_every_service_over_https(self):
        ddb = self.https("dynamodb")
        table = unique_name("tls")
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        ddb.put_item(TableName=table, Item={"pk": {"S": "a"}})
        self.assertEqual(ddb.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"], {"pk": {"S": "a"}})
        streams = self.https("dynamodbstreams").list_streams(TableName=table)["Streams"]
        self.assertEqual(len(streams), 1, streams)

        # SQS through boto3 1.26's query protocol: the QueueUrl handed back says https://.
        sqs = self.https("sqs")
        url = sqs.create_queue(QueueName=unique_name("tls"))["QueueUrl"]
        self.assertTrue(url.startswith(f"https://127.0.0.1:{self.server.port}/"), url)
        sqs.send_message(QueueUrl=url, MessageBody="over tls")
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
        self.assertEqual([m["Body"] for m in got], ["over tls"])

        self.assertIn("Functions", self.https("lambda").list_functions())

        api = self.https("apigatewayv2").create_api(Name="tls", ProtocolType="WEBSOCKET",
                                                     RouteSelectionExpression="$request.body.action")
        self.assertEqual(api["ApiEndpoint"], f"wss://127.0.0.1:{self.server.port}/ws/{api['ApiId']}")

    def test_sqs_json_protocol_over_https(self):
        # The JSON protocol, as current SDKs speak SQS (Debian's boto3 predates it): a raw request.
        body = json.dumps({"QueueName": unique_name("json")}).encode()
        url = f"https://127.0.0.1:{self.server.port}/"
        req = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body, headers={
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.CreateQueue"})
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY), "sqs",
                                REGION).add_auth(req)
        context = ssl.create_default_context(cafile=self.ca_file)
        conn = http.client.HTTPSConnection("127.0.0.1", self.server.port, context=context, timeout=30)
        try:
            conn.request("POST", "/", body=body, headers=dict(req.headers.items()))
            resp = conn.getresponse()
            body = json.loads(resp.read())
        finally:
            conn.close()
        self.assertEqual(resp.status, 200, body)
        self.assertTrue(body["QueueUrl"].startswith("https://"), body)

    def test_an_untrusting_client_is_refused_and_the_server_serves_on(self):
        context = ssl.create_default_context()  # the system's roots only
        conn = http.client.HTTPSConnection("127.0.0.1", self.server.port, context=context, timeout=30)
        with self.assertRaises(ssl.SSLCertVerificationError):
            conn.request("GET", "/_fogbank/health")
        conn.close()
        status, body, _ = self.server.http("GET", "/_fogbank/health")
        self.assertEqual((status, body["status"]), (200, "running"))

    def test_the_aws_cli_with_ca_bundle(self):
        cmd = [AWS_CLI, "--endpoint-url", f"https://127.0.0.1:{self.server.port}", "--ca-bundle", self.ca_file,
               "--region", REGION, "--output", "json", "dynamodb", "list-tables"]
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, env=self.server.cli_env(),
                              timeout=CLI_TIMEOUT)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode("utf-8", "replace"))
        self.assertIn("TableNames", json.loads(proc.stdout))

    # ---- WebSockets over wss:// and handlers posting back over https:// ----------------------------

    def create_api(self):
        v2 = self.https("apigatewayv2")
        api = v2.create_api(Name="tls", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action")
        v2.create_stage(ApiId=api["ApiId"], StageName="dev")
        return api

    def route_to(self, api, key, runtime, handler, code):
        name = unique_name("tls")
        function = self.https("lambda").create_function(FunctionName=name, Runtime=runtime, Role=ROLE,
                                                         Handler=handler, Code=code, Timeout=30)
        uri = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
               f"{function['FunctionArn']}/invocations")
        v2 = self.https("apigatewayv2")
        integration = v2.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY", IntegrationUri=uri)
        v2.create_route(ApiId=api["ApiId"], RouteKey=key, Target="integrations/" + integration["IntegrationId"])
        return name

    def push_back(self, api, message):
        """Sends `message` over wss:// and returns what the route's handler posts back."""
        context = ssl.create_default_context(cafile=self.ca_file)

        async def scenario():
            async with websockets.connect(api["ApiEndpoint"] + "/dev", ssl=context) as ws:
                await ws.send(message)
                return await asyncio.wait_for(ws.recv(), COLD_TIMEOUT)

        return asyncio.run(scenario())

    def assert_pushed(self, api, function, message, expected):
        got = self.push_back(api, message)
        if got != expected:
            _, logs, _ = self.server.http("GET", "/_fogbank/lambda/logs")
            self.fail(f"expected {expected!r}, got {got!r}\nfunction log:\n"
                      f"{logs['logs'].get(f'{REGION}/{function}', '')[-4000:]}")

    def test_wss_clients_reach_an_api_and_posts_over_https_reach_them(self):
        api = self.create_api()
        self.assertTrue(api["ApiEndpoint"].startswith("wss://"), api["ApiEndpoint"])
        context = ssl.create_default_context(cafile=self.ca_file)
        manager = https_client(self.server, self.ca_file, "apigatewaymanagementapi")

        async def scenario():
            async with websockets.connect(api["ApiEndpoint"] + "/dev", ssl=context) as ws:
                await ws.send("{}")  # no route, no $default: AWS's Forbidden frame names the connection
                frame = json.loads(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT))
                self.assertEqual(frame["message"], "Forbidden")
                await asyncio.to_thread(manager.post_to_connection, ConnectionId=frame["connectionId"],
                                        Data=b"over https")
                self.assertEqual(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT), "over https")
                got = await asyncio.to_thread(manager.get_connection, ConnectionId=frame["connectionId"])
                self.assertEqual(got["Identity"]["SourceIp"], "127.0.0.1")

        try:
            asyncio.run(scenario())
        finally:
            manager.close()

    def test_curl_reaches_an_http_api_route_over_https_with_the_ca(self):
        # A quick-created HTTP API on a compiled-in handler (echo.handler answers its event as
        # JSON without a statusCode: payload 2.0 takes that as a 200 body).
        function = self.https("lambda").create_function(
            FunctionName=unique_name("tls"), Runtime="provided.al2023", Role=ROLE, Handler="echo.handler",
            Code={"ZipFile": zipped({"bootstrap": "#!/bin/sh\n"})}, Timeout=30)
        api = self.https("apigatewayv2").create_api(Name="tls-http", ProtocolType="HTTP",
                                                     Target=function["FunctionArn"])
        self.assertTrue(api["ApiEndpoint"].startswith("https://"), api["ApiEndpoint"])
        url = api["ApiEndpoint"] + "/hello?via=curl"
        proc = subprocess.run(["curl", "-sS", "--max-time", "30", "--cacert", self.ca_file, url],
                              capture_output=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        event = json.loads(proc.stdout)["event"]
        self.assertEqual((event["rawPath"], event["rawQueryString"]), ("/hello", "via=curl"))
        # Without the CA, curl refuses the certificate (exit 60: peer certificate cannot be
        # authenticated with known CA certificates).
        proc = subprocess.run(["curl", "-sS", "--max-time", "30", url], capture_output=True, timeout=60)
        self.assertEqual(proc.returncode, 60, proc.stderr.decode())

    def test_a_node_handler_with_sdk_v3_posts_back_over_https(self):
        api = self.create_api()
        function = self.route_to(api, "$default", "nodejs20.x", "index.handler",
                                 {"ZipFile": zipped({"index.js": NODE_SDK_V3})})
        self.assert_pushed(api, function, "hello", "v3:hello")

    def test_a_node_handler_with_sdk_v2_posts_back_over_https(self):
        self.assertTrue(os.path.isdir(os.path.join(SDK_V2_MODULES, "aws-sdk")),
                        "aws-sdk v2 is missing: npm ci in tests/unit/workers/node_packages (scripts/dev.sh)")
        code_dir = os.path.join(self.tmp.name, unique_name("v2"))
        os.makedirs(code_dir)
        with open(os.path.join(code_dir, "index.js"), "w") as f:
            f.write(NODE_SDK_V2)
        os.symlink(os.path.abspath(SDK_V2_MODULES), os.path.join(code_dir, "node_modules"))
        api = self.create_api()
        function = self.route_to(api, "$default", "nodejs20.x", "index.handler",
                                 {"S3Bucket": "hot-reload", "S3Key": code_dir})
        self.assert_pushed(api, function, "hello", "v2:hello")

    def test_a_python_handler_with_boto3_posts_back_over_https(self):
        api = self.create_api()
        function = self.route_to(api, "$default", "python3.11", "app.handler",
                                 {"ZipFile": zipped({"app.py": PYTHON_BOTO3})})
        self.assert_pushed(api, function, "hello", "py:hello")


class TlsFilesTest(unittest.TestCase):
    """The CA's life: kept and reused on a data directory, gone with an in-memory server."""

    def test_the_ca_on_a_data_directory_survives_a_restart_and_stop_says_1001(self):
        with tempfile.TemporaryDirectory() as data_dir:
            server = FogbankServer(data_dir=data_dir).start()
            try:
                ca_file = os.path.join(data_dir, "tls", "ca.pem")
                with open(ca_file) as f:
                    ca = f.read()
                self.assertEqual(fetch_ca(server)[0], ca)
                v2 = https_client(server, ca_file, "apigatewayv2")
                api = v2.create_api(Name="t", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action")
                v2.create_stage(ApiId=api["ApiId"], StageName="dev")
                v2.close()
                context = ssl.create_default_context(cafile=ca_file)

                async def connected_through_a_stop(endpoint):
                    async with websockets.connect(endpoint + "/dev", ssl=context) as ws:
                        await ws.send("{}")
                        await asyncio.wait_for(ws.recv(), RECV_TIMEOUT)
                        # The client keeps reading (and answers the close frame) while the server stops.
                        stopping = asyncio.create_task(asyncio.to_thread(server.stop))
                        with self.assertRaises(websockets.exceptions.ConnectionClosed) as closed:
                            await asyncio.wait_for(ws.recv(), RECV_TIMEOUT)
                        await stopping
                        return closed.exception.code, closed.exception.reason

                code, reason = asyncio.run(connected_through_a_stop(api["ApiEndpoint"]))
                self.assertEqual((code, reason), (1001, "Going away"))

                server.start()
                with open(ca_file) as f:
                    self.assertEqual(f.read(), ca, "the CA changed across a restart")
                # A client that trusted the CA before the restart trusts the server after it.
                ddb = https_client(server, ca_file, "dynamodb")
                self.assertIn("TableNames", ddb.list_tables())
                ddb.close()
            finally:
                if server.running():
                    server.stop()

    def test_in_memory_the_ca_lives_in_a_temporary_directory_removed_at_exit(self):
        server = FogbankServer().start()
        try:
            logged = CA_LOG_RE.search(server.stderr())
            self.assertIsNotNone(logged, server.stderr())
            ca_file = logged.group(1)
            # In memory the certificates are made on first need, not at start: here, this request.
            self.assertFalse(os.path.exists(ca_file), ca_file)
            pem = fetch_ca(server)[0]
            with open(ca_file) as f:
                self.assertEqual(f.read(), pem)
        finally:
            server.stop()
        self.assertFalse(os.path.exists(os.path.dirname(ca_file)), os.path.dirname(ca_file))

    def test_own_certificate_and_key(self):
        # A certificate of fogbank's own making, from another data directory, given explicitly.
        with tempfile.TemporaryDirectory() as made, tempfile.TemporaryDirectory() as data_dir:
            maker = FogbankServer(data_dir=made).start()
            maker.stop()
            tls = os.path.join(made, "tls")
            server = FogbankServer(data_dir=data_dir, extra_args=[
                "--tls-cert", os.path.join(tls, "server.pem"), "--tls-key", os.path.join(tls, "server-key.pem"),
                "--tls-ca", os.path.join(tls, "ca.pem")]).start()
            try:
                self.assertFalse(os.path.exists(os.path.join(data_dir, "tls")), "made its own certificates anyway")
                ddb = https_client(server, os.path.join(tls, "ca.pem"), "dynamodb")
                self.assertIn("TableNames", ddb.list_tables())
                ddb.close()
            finally:
                server.stop()

    def test_a_key_without_a_certificate_is_a_usage_error(self):
        proc = subprocess.run([FogbankServer().command()[0], "serve", "--tls-key", "k.pem"], capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=30)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn(b"--tls-cert and --tls-key go together", proc.stderr)


if __name__ == "__main__":
    unittest.main()
