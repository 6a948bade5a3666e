"""API Gateway authorizers end to end: a WebSocket API whose $connect is behind a Lambda REQUEST
authorizer (handlers/cpp/token_authorizer.cpp), created with boto3's apigatewayv2 client and
reached with Python `websockets`; a REST API whose method is behind a Lambda TOKEN authorizer (a
Python function) or REQUEST authorizer (the C++ one), created with boto3's apigateway client and
called over HTTP. AWS's behaviour: developer guide, "Control access to WebSocket APIs with AWS
Lambda REQUEST authorizers" and "Use API Gateway Lambda authorizers" (identity sources missing:
401; the policy's Deny: 403; the context and principalId in requestContext.authorizer)."""

import asyncio
import io
import json
import time
import unittest
import zipfile

import websockets

from fogbank_harness import ACCOUNT, REGION, FogbankTestCase, unique_name

RECV_TIMEOUT = 10  # every network wait here is bounded
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"


def package():
    """A deployment package for a C++ handler compiled into fogbank: the Handler names the code."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
    return buf.getvalue()


def invocation_uri(function_arn):
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


class WebSocketRequestAuthorizerTest(FogbankTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.v2 = cls.server.client(service="apigatewayv2")
        cls.lam = cls.server.client(service="lambda")

    def function(self, handler):
        name = unique_name("auth")
        created = self.lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE,
                                           Handler=handler, Code={"ZipFile": package()}, Timeout=20)
        return name, created["FunctionArn"]

    def route(self, api_id, key, handler, **extra):
        name, arn = self.function(handler)
        integration = self.v2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                                  IntegrationUri=invocation_uri(arn))
        self.v2.create_route(ApiId=api_id, RouteKey=key, Target="integrations/" + integration["IntegrationId"],
                             **extra)
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

    def protected_api(self):
        api = self.v2.create_api(Name="ws-auth", ProtocolType="WEBSOCKET",
                                 RouteSelectionExpression="$request.body.action")
        self.v2.create_stage(ApiId=api["ApiId"], StageName="dev")
        _, authorizer_arn = self.function("token_authorizer.handler")
        authorizer = self.v2.create_authorizer(ApiId=api["ApiId"], Name="tokens", AuthorizerType="REQUEST",
                                               AuthorizerUri=invocation_uri(authorizer_arn),
                                               IdentitySource=["route.request.querystring.token"])
        self.assertEqual(self.v2.get_authorizer(ApiId=api["ApiId"], AuthorizerId=authorizer["AuthorizerId"])
                         ["IdentitySource"], ["route.request.querystring.token"])
        self.route(api["ApiId"], "$connect", "echo.handler", AuthorizationType="CUSTOM",
                   AuthorizerId=authorizer["AuthorizerId"])
        default = self.route(api["ApiId"], "$default", "echo.handler")
        return api, default

    def refused_status(self, url):
        async def scenario():
            with self.assertRaises(websockets.exceptions.InvalidStatusCode) as caught:
                async with websockets.connect(url, open_timeout=RECV_TIMEOUT):
                    pass
            return caught.exception.status_code
        return asyncio.run(scenario())

    def test_connections_without_a_token_or_with_a_denied_one_are_refused(self):
        api, _ = self.protected_api()
        url = api["ApiEndpoint"] + "/dev"
        self.assertEqual(self.refused_status(url), 401, "no identity source: 401 Unauthorized")
        self.assertEqual(self.refused_status(url + "?token=nonsense"), 401, "the function throws Unauthorized")
        self.assertEqual(self.refused_status(url + "?token=deny"), 403, "the policy denies: 403 Forbidden")

    def test_an_allowed_connection_carries_the_authorizer_context_into_its_messages(self):
        api, default = self.protected_api()

        async def scenario():
            async with websockets.connect(api["ApiEndpoint"] + "/dev?token=allow", open_timeout=RECV_TIMEOUT) as ws:
                await ws.send("hello")
                await asyncio.sleep(0)  # the message is handled by the server; its log shows it

        asyncio.run(scenario())
        log = self.logged(default, '"eventType":"MESSAGE"')
        self.assertIn("echo: ", log)
        event = json.loads(log[log.index("echo: ") + 6:].splitlines()[0])
        self.assertEqual(event["requestContext"].get("authorizer"),
                         {"user": "alice", "level": 3, "admin": False, "principalId": "user-allow"})


# A TOKEN authorizer as the developer guide writes one, in Python: Allow or Deny by the token.
PY_TOKEN_AUTHORIZER = """
def handler(event, context):
    token = event.get("authorizationToken", "")
    if token not in ("allow", "deny"):
        raise Exception("Unauthorized")
    return {"principalId": "user-" + token,
            "policyDocument": {"Version": "2012-10-17", "Statement": [{
                "Action": "execute-api:Invoke", "Effect": "Allow" if token == "allow" else "Deny",
                "Resource": event["methodArn"]}]},
            "context": {"tier": "gold", "event_type": event.get("type", "")}}
"""
# The integration answers what reached it: requestContext.authorizer.
PY_ECHO_AUTHORIZER = """
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}
"""


def python_package(code):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", code)
    return buf.getvalue()


class RestApiLambdaAuthorizerTest(FogbankTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.apigw = cls.server.client(service="apigateway")
        cls.lam = cls.server.client(service="lambda")

    def function_uri(self, **config):
        arn = self.lam.create_function(FunctionName=unique_name("rest-auth"), Role=ROLE, Timeout=20,
                                       **config)["FunctionArn"]
        return invocation_uri(arn)

    def python_uri(self, code):
        return self.function_uri(Runtime="python3.11", Handler="app.handler", Code={"ZipFile": python_package(code)})

    def protected_api(self, authorizer_type, identity_source, authorizer_uri):
        """GET /items behind a Lambda authorizer, deployed to dev; its URL."""
        api = self.apigw.create_rest_api(name="rest-auth")["id"]
        root = self.apigw.get_resources(restApiId=api)["items"][0]["id"]
        items = self.apigw.create_resource(restApiId=api, parentId=root, pathPart="items")["id"]
        authorizer = self.apigw.create_authorizer(restApiId=api, name="lambda", type=authorizer_type,
                                                  authorizerUri=authorizer_uri, identitySource=identity_source)
        self.apigw.put_method(restApiId=api, resourceId=items, httpMethod="GET", authorizationType="CUSTOM",
                              authorizerId=authorizer["id"])
        self.apigw.put_integration(restApiId=api, resourceId=items, httpMethod="GET", type="AWS_PROXY",
                                   integrationHttpMethod="POST", uri=self.python_uri(PY_ECHO_AUTHORIZER))
        self.apigw.create_deployment(restApiId=api, stageName="dev")
        return f"/rest/{api}/dev/items"

    def get(self, path, headers=None):
        status, body, _ = self.server.http("GET", path, headers=headers or {})
        return status, body

    def test_a_token_authorizer_admits_refuses_and_passes_its_context(self):
        path = self.protected_api("TOKEN", "method.request.header.Auth", self.python_uri(PY_TOKEN_AUTHORIZER))
        self.assertEqual(self.get(path), (401, {"message": "Unauthorized"}), "no token: 401 before the function")
        self.assertEqual(self.get(path, {"Auth": "nonsense"}), (401, {"message": "Unauthorized"}))
        self.assertEqual(self.get(path, {"Auth": "deny"}),
                         (403, {"Message": "User is not authorized to access this resource with an explicit deny"}))
        status, body = self.get(path, {"Auth": "allow"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {"tier": "gold", "event_type": "TOKEN", "principalId": "user-allow",
                                "integrationLatency": 0})

    def test_a_request_authorizer_reads_the_query_string(self):
        uri = self.function_uri(Runtime="provided.al2023", Handler="token_authorizer.handler",
                                Code={"ZipFile": package()})
        path = self.protected_api("REQUEST", "method.request.querystring.token", uri)
        self.assertEqual(self.get(path)[0], 401, "no token parameter: 401 before the function")
        self.assertEqual(self.get(path + "?token=deny")[0], 403)
        self.assertEqual(self.get(path + "?token=broken")[0], 500, "a malformed answer")
        status, body = self.get(path + "?token=allow")
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {"user": "alice", "level": 3, "admin": False, "principalId": "user-allow",
                                "integrationLatency": 0})


if __name__ == "__main__":
    unittest.main()
