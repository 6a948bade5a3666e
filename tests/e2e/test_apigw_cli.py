"""API Gateway APIs built end to end with the AWS CLI (Debian's /usr/bin/aws, v2), as a script
would: `aws lambda create-function` for the code, then `aws apigatewayv2` (create-api for a
WebSocket and an HTTP API, create-integration, create-authorizer, create-route,
create-route-response, create-stage, create-deployment; get-routes, get-integrations,
get-authorizers, get-stages) and `aws apigateway` (create-rest-api, get-resources, create-resource,
put-method, put-integration, create-deployment, get-stages). Each API is then used for real: a
Python `websockets` client through the WebSocket API's $connect authorizer and a two-way route, and
HTTP requests through the HTTP API and the REST API, all reaching the Python functions made above.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_apigw_cli
"""

import asyncio
import io
import json
import os
import tempfile
import unittest
import urllib.error
import urllib.request
import zipfile

import websockets
import websockets.exceptions

from fogbank_harness import ACCOUNT, REGION, FogbankTestCase, unique_name

ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"
# A cold worker process starts on the first request: a longer, still bounded wait.
WAIT = 60

# One module, three entry points: a REQUEST authorizer (Allow for ?token=let-me-in, 401 for no or
# another token, as the developer guide's authorizers do by raising "Unauthorized"), a WebSocket
# route that answers what it was sent, and a REST / HTTP API proxy handler.
HANDLERS = """
import json

def authorize(event, context):
    token = (event.get("queryStringParameters") or {}).get("token")
    if token != "let-me-in":
        raise Exception("Unauthorized")
    return {"principalId": "cli-user",
            "policyDocument": {"Version": "2012-10-17", "Statement": [{
                "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}]},
            "context": {"who": "cli"}}

def echo(event, context):
    rc = event["requestContext"]
    return {"statusCode": 200, "body": json.dumps({"echo": json.loads(event["body"])["text"],
                                                   "routeKey": rc["routeKey"],
                                                   "who": (rc.get("authorizer") or {}).get("who")})}

def http(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"version": event.get("version", "1.0"),
                                "path": event.get("rawPath") or event.get("path"),
                                "resource": event.get("resource") or event.get("routeKey"),
                                "pathParameters": event.get("pathParameters")})}
"""


def get(url):
    """(status, parsed JSON body) of a GET; error statuses too."""
    try:
        with urllib.request.urlopen(url, timeout=WAIT) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


class ApiGatewayCliTest(FogbankTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.zip_path = os.path.join(cls.tmp.name, "handlers.zip")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("app.py", HANDLERS)
        with open(cls.zip_path, "wb") as f:
            f.write(buf.getvalue())

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
        super().tearDownClass()

    def cli(self, *args):
        """The CLI's JSON answer; the test fails with its stderr when it exits non-zero."""
        rc, out, err = self.server.aws(*args)
        self.assertEqual(rc, 0, f"aws {' '.join(args)} exited {rc}:\n{err}")
        return out

    def function(self, handler):
        """A Python function made with `aws lambda create-function`; its invocation URI."""
        created = self.cli("lambda", "create-function", "--function-name", unique_name("cli"),
                           "--runtime", "python3.11", "--role", ROLE, "--handler", "app." + handler,
                           "--timeout", "20", "--zip-file", f"fileb://{self.zip_path}")
        return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{created['FunctionArn']}/invocations"

    # ---- the executable --------------------------------------------------------------------------------

    def test_the_aws_executable_prints_what_the_forked_cli_prints(self):
        """The harness forks most commands from a process that imported the CLI once; /usr/bin/aws
        itself must give the same exit code, stdout and stderr (an answer and an error)."""
        for args in (("apigatewayv2", "get-apis"), ("apigatewayv2", "get-api", "--api-id", "nosuchapi0")):
            with self.subTest(command=args[1]):
                self.assertEqual(self.server.aws(*args, process=True), self.server.aws(*args))

    # ---- apigatewayv2: a WebSocket API -------------------------------------------------------------

    def test_a_websocket_api_built_with_the_cli_serves_a_client(self):
        api = self.cli("apigatewayv2", "create-api", "--name", unique_name("cliws"), "--protocol-type",
                       "WEBSOCKET", "--route-selection-expression", "$request.body.action")
        api_id = api["ApiId"]
        self.assertEqual(api["ApiEndpoint"], f"ws://127.0.0.1:{self.server.port}/ws/{api_id}")

        authorizer = self.cli("apigatewayv2", "create-authorizer", "--api-id", api_id, "--name", "tokens",
                              "--authorizer-type", "REQUEST", "--authorizer-uri", self.function("authorize"),
                              "--identity-source", "route.request.querystring.token")
        integration = self.cli("apigatewayv2", "create-integration", "--api-id", api_id,
                               "--integration-type", "AWS_PROXY", "--integration-uri", self.function("echo"))
        target = "integrations/" + integration["IntegrationId"]
        connect = self.cli("apigatewayv2", "create-route", "--api-id", api_id, "--route-key", "$connect",
                           "--authorization-type", "CUSTOM", "--authorizer-id", authorizer["AuthorizerId"])
        echo = self.cli("apigatewayv2", "create-route", "--api-id", api_id, "--route-key", "echo",
                        "--target", target, "--route-response-selection-expression", "$default")
        # A two-way route as the console and CLI guides make it: with a $default route response.
        self.cli("apigatewayv2", "create-route-response", "--api-id", api_id, "--route-id", echo["RouteId"],
                 "--route-response-key", "$default")
        self.cli("apigatewayv2", "create-stage", "--api-id", api_id, "--stage-name", "dev")
        deployment = self.cli("apigatewayv2", "create-deployment", "--api-id", api_id, "--stage-name", "dev")
        self.assertIn("DeploymentId", deployment)

        routes = self.cli("apigatewayv2", "get-routes", "--api-id", api_id)["Items"]
        self.assertEqual(sorted(r["RouteKey"] for r in routes), ["$connect", "echo"])
        by_key = {r["RouteKey"]: r for r in routes}
        self.assertEqual((by_key["$connect"]["AuthorizationType"], by_key["$connect"]["AuthorizerId"]),
                         ("CUSTOM", authorizer["AuthorizerId"]))
        self.assertEqual(by_key["$connect"]["RouteId"], connect["RouteId"])
        self.assertEqual(by_key["echo"]["Target"], target)
        integrations = self.cli("apigatewayv2", "get-integrations", "--api-id", api_id)["Items"]
        self.assertEqual([(i["IntegrationId"], i["IntegrationType"]) for i in integrations],
                         [(integration["IntegrationId"], "AWS_PROXY")])
        authorizers = self.cli("apigatewayv2", "get-authorizers", "--api-id", api_id)["Items"]
        self.assertEqual([a["IdentitySource"] for a in authorizers], [["route.request.querystring.token"]])
        stages = self.cli("apigatewayv2", "get-stages", "--api-id", api_id)["Items"]
        self.assertEqual([s["StageName"] for s in stages], ["dev"])
        self.assertEqual(stages[0].get("DeploymentId"), deployment["DeploymentId"])

        url = api["ApiEndpoint"] + "/dev"

        async def scenario():
            # No token: the authorizer refuses the upgrade (401 Unauthorized).
            with self.assertRaises(websockets.exceptions.InvalidStatusCode) as refused:
                async with websockets.connect(url, open_timeout=WAIT):
                    pass
            async with websockets.connect(url + "?token=let-me-in", open_timeout=WAIT) as ws:
                await ws.send(json.dumps({"action": "echo", "text": "built by the cli"}))
                answer = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
            return refused.exception.status_code, answer

        status, answer = asyncio.run(scenario())
        self.assertEqual(status, 401)
        self.assertEqual(answer, {"echo": "built by the cli", "routeKey": "echo", "who": "cli"})

    # ---- apigatewayv2: an HTTP API -----------------------------------------------------------------

    def test_an_http_api_built_with_the_cli_serves_requests(self):
        api = self.cli("apigatewayv2", "create-api", "--name", unique_name("clihttp"), "--protocol-type", "HTTP")
        api_id = api["ApiId"]
        self.assertEqual(api["ApiEndpoint"], f"http://127.0.0.1:{self.server.port}/http/{api_id}")
        integration = self.cli("apigatewayv2", "create-integration", "--api-id", api_id,
                               "--integration-type", "AWS_PROXY", "--integration-uri", self.function("http"),
                               "--payload-format-version", "2.0")
        self.cli("apigatewayv2", "create-route", "--api-id", api_id, "--route-key", "GET /hello/{name}",
                 "--target", "integrations/" + integration["IntegrationId"])
        self.cli("apigatewayv2", "create-stage", "--api-id", api_id, "--stage-name", "prod")
        self.cli("apigatewayv2", "create-deployment", "--api-id", api_id, "--stage-name", "prod")
        routes = self.cli("apigatewayv2", "get-routes", "--api-id", api_id)["Items"]
        self.assertEqual([r["RouteKey"] for r in routes], ["GET /hello/{name}"])
        integrations = self.cli("apigatewayv2", "get-integrations", "--api-id", api_id)["Items"]
        self.assertEqual([i["PayloadFormatVersion"] for i in integrations], ["2.0"])
        stages = self.cli("apigatewayv2", "get-stages", "--api-id", api_id)["Items"]
        self.assertEqual([s["StageName"] for s in stages], ["prod"])

        status, body = get(api["ApiEndpoint"] + "/prod/hello/cli")
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {"version": "2.0", "path": "/prod/hello/cli", "resource": "GET /hello/{name}",
                                "pathParameters": {"name": "cli"}})
        status, body = get(api["ApiEndpoint"] + "/prod/nowhere")
        self.assertEqual((status, body), (404, {"message": "Not Found"}))

    # ---- apigateway: a REST API --------------------------------------------------------------------

    def test_a_rest_api_built_with_the_cli_serves_requests(self):
        api = self.cli("apigateway", "create-rest-api", "--name", unique_name("clirest"))
        api_id = api["id"]
        resources = self.cli("apigateway", "get-resources", "--rest-api-id", api_id)["items"]
        self.assertEqual([r["path"] for r in resources], ["/"])
        root = resources[0]["id"]
        items = self.cli("apigateway", "create-resource", "--rest-api-id", api_id, "--parent-id", root,
                         "--path-part", "items")
        item = self.cli("apigateway", "create-resource", "--rest-api-id", api_id, "--parent-id", items["id"],
                        "--path-part", "{id}")
        self.assertEqual(item["path"], "/items/{id}")
        self.cli("apigateway", "put-method", "--rest-api-id", api_id, "--resource-id", item["id"],
                 "--http-method", "GET", "--authorization-type", "NONE")
        self.cli("apigateway", "put-integration", "--rest-api-id", api_id, "--resource-id", item["id"],
                 "--http-method", "GET", "--type", "AWS_PROXY", "--integration-http-method", "POST",
                 "--uri", self.function("http"))
        deployment = self.cli("apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "prod")
        stages = self.cli("apigateway", "get-stages", "--rest-api-id", api_id)["item"]
        self.assertEqual([(s["stageName"], s["deploymentId"]) for s in stages], [("prod", deployment["id"])])
        paths = sorted(r["path"] for r in self.cli("apigateway", "get-resources", "--rest-api-id", api_id)["items"])
        self.assertEqual(paths, ["/", "/items", "/items/{id}"])

        base = f"{self.server.endpoint}/rest/{api_id}/prod"
        status, body = get(base + "/items/7")
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {"version": "1.0", "path": "/items/7", "resource": "/items/{id}",
                                "pathParameters": {"id": "7"}})
        status, body = get(base + "/items")
        self.assertEqual((status, body), (403, {"message": "Missing Authentication Token"}))


if __name__ == "__main__":
    unittest.main()
