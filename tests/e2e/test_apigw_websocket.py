"""API Gateway WebSocket APIs end to end: the apigatewayv2 control plane through boto3 and the
AWS CLI, Debian's python3-websockets client at ws://127.0.0.1:PORT/ws/<api-id>/<stage> (the
ApiEndpoint CreateApi answers, plus the stage, as on AWS), and boto3's apigatewaymanagementapi
client posting to, getting and deleting connections (GoneException 410 after the close).

Error codes and statuses are botocore's apigatewayv2 and apigatewaymanagementapi models'.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_apigw_websocket
"""

import asyncio
import http.client
import io
import json
import time
import unittest
import urllib.parse
import zipfile

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials
import websockets
from botocore.exceptions import ClientError

from fogbank_harness import ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, FogbankTestCase, unique_name

# Every network wait here is bounded.
RECV_TIMEOUT = 10
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"


# A Python handler (a worker process on the machine's python3, with Debian's boto3) that pushes
# back through @connections at the address its event gives, as WebSocket handlers do on AWS. It
# says http:// where AWS handlers say https://: this file tests the plain-HTTP path; fogbank also
# answers https:// on the same port, and unchanged handlers posting to https:// + domainName (with
# the CA fogbank makes the workers trust) are tests/e2e/test_tls.py's.
PYTHON_PUSH_BACK = """
import boto3

def handler(event, context):
    rc = event["requestContext"]
    client = boto3.client("apigatewaymanagementapi", region_name="us-east-1",
                          endpoint_url="http://" + rc["domainName"] + "/" + rc["stage"])
    client.post_to_connection(ConnectionId=rc["connectionId"], Data=("py:" + event["body"]).encode())
    return {"statusCode": 200}
"""


def zipped(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def package():
    """A deployment package for the C++ handlers compiled into fogbank (handlers/cpp/): its
    contents do not matter, the Handler names the code."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
    return buf.getvalue()


class ApiGatewayWebSocketTest(FogbankTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.v2 = cls.server.client(service="apigatewayv2")
        cls.lam = cls.server.client(service="lambda")
        cls.managers = {}

    @classmethod
    def tearDownClass(cls):
        for client in [cls.v2, cls.lam, *cls.managers.values()]:
            if hasattr(client, "close"):
                client.close()
        super().tearDownClass()

    def management(self, stage=None):
        """boto3's @connections client, at the server's root or (as handlers build it from their
        event) at /<stage>."""
        if stage not in self.managers:
            self.managers[stage] = self.new_management_client(stage)
        return self.managers[stage]

    def new_management_client(self, stage):
        return boto3.session.Session().client(
            "apigatewaymanagementapi", region_name=REGION,
            endpoint_url=self.server.endpoint + (f"/{stage}" if stage else ""),
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            config=botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))

    def create_api(self, stage="dev"):
        api = self.v2.create_api(Name="ws", ProtocolType="WEBSOCKET",
                                 RouteSelectionExpression="$request.body.action")
        self.v2.create_stage(ApiId=api["ApiId"], StageName=stage)
        return api

    # ---- control plane ---------------------------------------------------------------------

    def test_create_api_answers_a_ws_endpoint_that_reaches_this_server(self):
        api = self.v2.create_api(Name="chat", ProtocolType="WEBSOCKET",
                                 RouteSelectionExpression="$request.body.action")
        self.assertRegex(api["ApiId"], r"^[a-z0-9]{10}$")
        self.assertEqual(api["ApiEndpoint"], f"ws://127.0.0.1:{self.server.port}/ws/{api['ApiId']}")
        self.assertEqual(api["ProtocolType"], "WEBSOCKET")
        self.assertEqual(api["RouteSelectionExpression"], "$request.body.action")
        got = self.v2.get_api(ApiId=api["ApiId"])
        self.assertEqual(got["Name"], "chat")
        self.assertIn(api["ApiId"], [a["ApiId"] for a in self.v2.get_apis()["Items"]])

    def test_routes_integrations_stages_and_deployments(self):
        api = self.create_api()
        arn = "arn:aws:lambda:us-east-1:000000000000:function:chat"
        integration = self.v2.create_integration(
            ApiId=api["ApiId"], IntegrationType="AWS_PROXY",
            IntegrationUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations")
        route = self.v2.create_route(ApiId=api["ApiId"], RouteKey="send",
                                     Target="integrations/" + integration["IntegrationId"])
        self.assertEqual(route["RouteKey"], "send")
        self.assertEqual([r["RouteKey"] for r in self.v2.get_routes(ApiId=api["ApiId"])["Items"]], ["send"])
        self.assertEqual(len(self.v2.get_integrations(ApiId=api["ApiId"])["Items"]), 1)
        deployment = self.v2.create_deployment(ApiId=api["ApiId"], StageName="dev")
        self.assertEqual(deployment["DeploymentStatus"], "DEPLOYED")
        stages = self.v2.get_stages(ApiId=api["ApiId"])["Items"]
        self.assertEqual([(s["StageName"], s.get("DeploymentId")) for s in stages],
                         [("dev", deployment["DeploymentId"])])
        self.v2.delete_route(ApiId=api["ApiId"], RouteId=route["RouteId"])
        self.assertEqual(self.v2.get_routes(ApiId=api["ApiId"])["Items"], [])

    def test_errors_have_apigatewayv2_s_codes_and_statuses(self):
        api = self.create_api()
        cases = [
            (lambda: self.v2.get_api(ApiId="nosuchapi0"), "NotFoundException", 404),
            (lambda: self.v2.create_stage(ApiId=api["ApiId"], StageName="dev"), "ConflictException", 409),
            (lambda: self.v2.create_route(ApiId=api["ApiId"], RouteKey="x", Target="integrations/nope"),
             "BadRequestException", 400),
        ]
        for call, code, status in cases:
            with self.subTest(code=code):
                with self.assertRaises(ClientError) as caught:
                    call()
                self.assertEqual(caught.exception.response["Error"]["Code"], code)
                self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], status)
        self.v2.delete_api(ApiId=api["ApiId"])
        with self.assertRaises(ClientError) as caught:
            self.v2.get_api(ApiId=api["ApiId"])
        self.assertEqual(caught.exception.response["Error"]["Code"], "NotFoundException")

    def test_the_aws_cli_creates_and_lists_apis(self):
        rc, created, err = self.server.aws("apigatewayv2", "create-api", "--name", "cli", "--protocol-type",
                                           "WEBSOCKET", "--route-selection-expression", "$request.body.action")
        self.assertEqual(rc, 0, err)
        self.assertEqual(created["ApiEndpoint"], f"ws://127.0.0.1:{self.server.port}/ws/{created['ApiId']}")
        rc, listed, err = self.server.aws("apigatewayv2", "get-apis")
        self.assertEqual(rc, 0, err)
        self.assertIn(created["ApiId"], [a["ApiId"] for a in listed["Items"]])
        rc, _, err = self.server.aws("apigatewayv2", "get-api", "--api-id", "nosuchapi0")
        self.assertNotEqual(rc, 0)
        self.assertIn("NotFoundException", err)

    # ---- WebSocket clients -----------------------------------------------------------------

    def test_a_client_connects_sends_receives_posts_and_is_gone_after_close(self):
        api = self.create_api()
        url = api["ApiEndpoint"] + "/dev?room=1"
        gone_client = self.management()

        async def scenario():
            async with websockets.connect(url) as ws:
                # The client offers permessage-deflate (websockets does by default); the server
                # takes no extension, so every frame travels as the client wrote it.
                self.assertEqual(ws.extensions, [])
                self.assertNotIn("Sec-WebSocket-Extensions", ws.response_headers)
                # No route takes the message and there is no $default: AWS's Forbidden frame.
                await ws.send(json.dumps({"action": "nope"}))
                frame = json.loads(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT))
                self.assertEqual(frame["message"], "Forbidden")
                connection_id = frame["connectionId"]
                self.assertRegex(connection_id, r"^[A-Za-z0-9_-]{15}=$")
                # @connections through boto3, with and without the stage in the endpoint.
                self.management().post_to_connection(ConnectionId=connection_id, Data=b"pushed")
                self.assertEqual(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT), "pushed")
                self.management("dev").post_to_connection(ConnectionId=connection_id, Data=b"again")
                self.assertEqual(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT), "again")
                info = self.management().get_connection(ConnectionId=connection_id)
                self.assertEqual(info["Identity"]["SourceIp"], "127.0.0.1")
                return connection_id

        connection_id = asyncio.run(scenario())
        # The client closed: posting is GoneException (410) once the server has seen the close.
        self.assert_gone(gone_client, connection_id)

    def assert_gone(self, client, connection_id):
        """Posting to `connection_id` answers GoneException (410), once the server has seen the
        close (bounded wait: the close reaches the server after the client's close returns)."""
        deadline = time.monotonic() + RECV_TIMEOUT
        while True:
            try:
                client.post_to_connection(ConnectionId=connection_id, Data=b"x")
            except ClientError as e:
                self.assertEqual(e.response["Error"]["Code"], "GoneException")
                self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 410)
                return
            self.assertLess(time.monotonic(), deadline, "the connection was never gone")
            time.sleep(0.05)

    def test_delete_connection_closes_the_client(self):
        api = self.create_api()

        async def scenario():
            async with websockets.connect(api["ApiEndpoint"] + "/dev") as ws:
                await ws.send("not json")
                connection_id = json.loads(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT))["connectionId"]
                self.management().delete_connection(ConnectionId=connection_id)
                with self.assertRaises(websockets.exceptions.ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), RECV_TIMEOUT)
                self.assertEqual(ws.close_code, 1000)
                return connection_id

        connection_id = asyncio.run(scenario())
        self.assert_gone(self.management(), connection_id)

    def test_post_over_128_kb_is_payload_too_large(self):
        api = self.create_api()

        async def scenario():
            async with websockets.connect(api["ApiEndpoint"] + "/dev") as ws:
                await ws.send("x")
                connection_id = json.loads(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT))["connectionId"]
                with self.assertRaises(ClientError) as caught:
                    self.management().post_to_connection(ConnectionId=connection_id, Data=b"a" * (128 * 1024 + 1))
                self.assertEqual(caught.exception.response["Error"]["Code"], "PayloadTooLargeException")
                self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 413)

        asyncio.run(scenario())

    def test_upgrades_to_an_unknown_stage_are_refused(self):
        api = self.create_api()

        async def scenario():
            with self.assertRaises(websockets.exceptions.InvalidStatusCode) as caught:
                async with websockets.connect(api["ApiEndpoint"] + "/prod"):
                    pass
            self.assertEqual(caught.exception.status_code, 403)

        asyncio.run(scenario())

    # ---- routes to Lambda functions (fogbank's compiled-in C++ handlers) ------------------------

    def route_to(self, api, key, handler, runtime="provided.al2023", code=None):
        """A function running `handler` and route `key` of `api` to it (AWS_PROXY)."""
        name = unique_name("ws")
        function = self.lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                                            Code={"ZipFile": code or package()}, Timeout=20)
        uri = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
               f"{function['FunctionArn']}/invocations")
        integration = self.v2.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY", IntegrationUri=uri)
        self.v2.create_route(ApiId=api["ApiId"], RouteKey=key, Target="integrations/" + integration["IntegrationId"])
        return name

    def logged(self, name, needle):
        """The function's recent log once it contains `needle` (bounded wait)."""
        deadline = time.monotonic() + RECV_TIMEOUT
        while True:
            _, logs, _ = self.server.http("GET", "/_fogbank/lambda/logs")
            log = logs["logs"].get(f"{REGION}/{name}", "")
            if needle in log or time.monotonic() > deadline:
                return log
            time.sleep(0.05)

    def test_connect_and_disconnect_events_reach_the_function(self):
        api = self.create_api()
        # echo.handler answers without a statusCode: the upgrade is accepted.
        connect = self.route_to(api, "$connect", "echo.handler")
        disconnect = self.route_to(api, "$disconnect", "echo.handler")

        async def scenario():
            async with websockets.connect(api["ApiEndpoint"] + "/dev?room=blue&room=red") as ws:
                await ws.send("x")
                return json.loads(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT))["connectionId"]

        connection_id = asyncio.run(scenario())
        log = self.logged(connect, '"eventType":"CONNECT"')
        event = json.loads(log[log.index("echo: ") + 6:].splitlines()[0])
        self.assertEqual(event["requestContext"]["connectionId"], connection_id)
        self.assertEqual(event["requestContext"]["routeKey"], "$connect")
        self.assertEqual(event["requestContext"]["apiId"], api["ApiId"])
        self.assertEqual(event["requestContext"]["stage"], "dev")
        self.assertEqual(event["requestContext"]["domainName"], f"127.0.0.1:{self.server.port}")
        self.assertEqual(event["multiValueQueryStringParameters"], {"room": ["blue", "red"]})
        self.assertEqual(event["queryStringParameters"], {"room": "red"})
        log = self.logged(disconnect, '"eventType":"DISCONNECT"')
        event = json.loads(log[log.index("echo: ") + 6:].splitlines()[0])
        self.assertEqual(event["requestContext"]["connectionId"], connection_id)
        self.assertEqual(event["requestContext"]["disconnectStatusCode"], 1000)

    def test_a_failing_connect_function_refuses_the_upgrade(self):
        api = self.create_api()
        self.route_to(api, "$connect", "fail.handler")

        async def scenario():
            with self.assertRaises(websockets.exceptions.InvalidStatusCode) as caught:
                async with websockets.connect(api["ApiEndpoint"] + "/dev"):
                    pass
            self.assertEqual(caught.exception.status_code, 502)

        asyncio.run(scenario())

    def test_a_failing_message_function_answers_the_internal_error_frame(self):
        api = self.create_api()
        message = self.route_to(api, "$default", "fail.handler")

        async def scenario():
            async with websockets.connect(api["ApiEndpoint"] + "/dev") as ws:
                await ws.send("anything")
                frame = json.loads(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT))
                self.assertEqual(frame["message"], "Internal server error")

        asyncio.run(scenario())
        self.assertIn("failing:", self.logged(message, "failing:"))

    def test_a_dropped_socket_runs_disconnect_with_1006(self):
        api = self.create_api()
        disconnect = self.route_to(api, "$disconnect", "echo.handler")

        async def scenario():
            ws = await websockets.connect(api["ApiEndpoint"] + "/dev")
            await ws.send("x")
            connection_id = json.loads(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT))["connectionId"]
            # The TCP connection ends without a close frame.
            ws.transport.abort()
            await asyncio.wait_for(ws.wait_closed(), RECV_TIMEOUT)
            return connection_id

        connection_id = asyncio.run(scenario())
        log = self.logged(disconnect, connection_id)
        event = json.loads(log[log.index("echo: ") + 6:].splitlines()[0])
        self.assertEqual(event["requestContext"]["connectionId"], connection_id)
        # RFC 6455 7.4.1: 1006 is the status a close without a close frame is reported with;
        # AWS's $disconnect carries it for a dropped client (unconfirmed beyond the RFC).
        self.assertEqual(event["requestContext"]["disconnectStatusCode"], 1006)

    def signed(self, method, path, host=None, body=b""):
        """A SigV4-signed request to this server (service execute-api), optionally with another
        Host header (the AWS host form). Returns (status, body bytes, lower-cased headers)."""
        host = host or f"127.0.0.1:{self.server.port}"
        req = botocore.awsrequest.AWSRequest(method=method, url=f"http://{host}{path}", data=body)
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY), "execute-api",
                                REGION).add_auth(req)
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=RECV_TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=dict(req.headers.items()))
            resp = conn.getresponse()
            return resp.status, resp.read(), {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()

    def test_connections_through_the_host_form_and_delete_s_204_on_the_wire(self):
        api = self.create_api()
        host = f"{api['ApiId']}.execute-api.localhost:{self.server.port}"

        async def scenario():
            async with websockets.connect(api["ApiEndpoint"] + "/dev") as ws:
                await ws.send("x")
                connection_id = json.loads(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT))["connectionId"]
                path = "/dev/@connections/" + urllib.parse.quote(connection_id, safe="")
                # The management API at the API's own host (what AWS handlers reach as
                # https://<api-id>.execute-api.<region>.amazonaws.com/<stage>).
                status, body, _ = self.signed("POST", path, host=host, body=b"via the host form")
                self.assertEqual(status, 200, body)
                self.assertEqual(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT), "via the host form")
                status, body, _ = self.signed("GET", path, host=host)
                self.assertEqual(status, 200, body)
                self.assertEqual(json.loads(body)["identity"]["sourceIp"], "127.0.0.1")
                # DeleteConnection answers 204 No Content (the botocore model's responseCode) with
                # no body; the socket is closed, and a second delete finds nothing: 410.
                status, body, _ = self.signed("DELETE", path)
                self.assertEqual((status, body), (204, b""))
                with self.assertRaises(websockets.exceptions.ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), RECV_TIMEOUT)
                status, body, headers = self.signed("DELETE", path, host=host)
                self.assertEqual(status, 410, body)
                self.assertEqual(headers.get("x-amzn-errortype"), "GoneException")

        asyncio.run(scenario())

    def test_health_lists_the_websocket_stages_invoke_urls(self):
        api = self.create_api()
        self.v2.create_stage(ApiId=api["ApiId"], StageName="prod")
        status, body, _ = self.server.http("GET", "/_fogbank/health")
        self.assertEqual(status, 200)
        for stage in ("dev", "prod"):
            self.assertIn(f"ws://127.0.0.1:{self.server.port}/ws/{api['ApiId']}/{stage}", body["invokeUrls"], body)

    def test_a_python_handler_pushes_back_through_connections(self):
        api = self.create_api()
        self.route_to(api, "$default", "app.handler", runtime="python3.11",
                      code=zipped({"app.py": PYTHON_PUSH_BACK}))

        async def scenario():
            async with websockets.connect(api["ApiEndpoint"] + "/dev") as ws:
                await ws.send("hello")
                # A cold worker process starts first: a longer (still bounded) wait.
                self.assertEqual(await asyncio.wait_for(ws.recv(), 60), "py:hello")

        asyncio.run(scenario())


if __name__ == "__main__":
    unittest.main()
