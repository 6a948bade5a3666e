"""API Gateway REST APIs end to end: a REST API built with boto3's `apigateway` client (the v1
control plane: CreateRestApi, CreateResource, PutMethod, PutIntegration, CreateAuthorizer,
CreateDeployment, ...), a Node.js handler behind a Lambda proxy integration and a Cognito
user-pool authorizer, called with curl at http://127.0.0.1:PORT/rest/<api-id>/<stage>/<path> and
at the host form <api-id>.execute-api.localhost:PORT/<stage>/<path>, with and without a bearer
token (a JWT this test makes: fogbank decodes its claims and does not check its signature).

Error bodies are API Gateway's default gateway responses: 403 {"message":"Missing Authentication
Token"} for an unknown resource or method, 401 {"message":"Unauthorized"} without a token, 502
{"message": "Internal server error"} for a handler that throws or answers a malformed proxy
response (one without a statusCode included), 504 {"message": "Endpoint request
timed out"} after the integration's timeoutInMillis.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_apigw_rest_api
"""

import base64
import json
import os
import subprocess
import tempfile
import textwrap
import unittest

from fogbank_harness import ACCOUNT, REGION, FogbankServer, FogbankTestCase, make_zip, unique_name

ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"
USER_POOL_ARN = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_Chat0001"
CURL_TIMEOUT = 30

# The chat seed's style: the user comes from the Cognito authorizer's claims, 403 without one.
NODE_CHAT = """
exports.handler = async (event) => {
  const claims = (event.requestContext.authorizer || {}).claims || {};
  const user = claims["cognito:username"];
  if (!user) {
    return { statusCode: 403, body: JSON.stringify({ message: "who are you?" }) };
  }
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json", "X-Handler": "node" },
    multiValueHeaders: { "Set-Cookie": ["a=1", "b=2"] },
    body: JSON.stringify({
      user,
      email: claims.email,
      resource: event.resource,
      path: event.path,
      httpMethod: event.httpMethod,
      pathParameters: event.pathParameters,
      query: event.queryStringParameters,
      multiQuery: event.multiValueQueryStringParameters,
      stage: event.requestContext.stage,
      apiId: event.requestContext.apiId,
      resourcePath: event.requestContext.resourcePath,
      body: event.body,
      isBase64Encoded: event.isBase64Encoded,
      requestId: event.requestContext.requestId,
    }),
  };
};
"""

NODE_PUBLIC = """
exports.handler = async (event) => ({
  statusCode: "201",
  body: JSON.stringify({ path: event.path, proxy: (event.pathParameters || {}).proxy || null,
                         authorizer: event.requestContext.authorizer || null }),
});
"""

NODE_THROWS = """
exports.handler = async () => { throw new Error("boom"); };
"""

NODE_MALFORMED = """
exports.handler = async () => ({ statusCode: 200, body: { not: "a string" } });
"""

# No statusCode: AWS's REST API answers 502 "Malformed Lambda proxy response" (it implies no 200).
NODE_NO_STATUS = """
exports.handler = async () => ({ body: "x" });
"""

NODE_SLOW = """
exports.handler = async () => {
  await new Promise((resolve) => setTimeout(resolve, 4000));
  return { statusCode: 200, body: "late" };
};
"""


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(claims, header=None):
    """An unsigned-looking JWT (alg HS256, a signature of zeros): fogbank checks no signature."""
    header = header or {"alg": "HS256", "typ": "JWT"}
    return ".".join([b64url(json.dumps(header).encode()), b64url(json.dumps(claims).encode()),
                     b64url(b"\0" * 32)])


def chat_token(user="alice", exp=4102444800):  # 2100-01-01
    return make_jwt({"sub": "8f0c1a2e-0000-4000-8000-000000000001", "cognito:username": user,
                     "email": f"{user}@example.com", "token_use": "id", "exp": exp,
                     "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_Chat0001"})


def curl(url, method="GET", headers=None, body=None):
    """(status, body text, lower-cased headers) of one curl request."""
    cmd = ["curl", "-sS", "-i", "--max-time", str(CURL_TIMEOUT), "-X", method]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    if body is not None:
        cmd += ["--data-binary", body]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, timeout=CURL_TIMEOUT + 10, check=True).stdout.decode()
    head, _, text = out.partition("\r\n\r\n")
    lines = head.split("\r\n")
    status = int(lines[0].split()[1])
    response_headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        value = value.strip()
        response_headers[key] = response_headers[key] + ", " + value if key in response_headers else value
    return status, text, response_headers


class RestApiTestBase(FogbankTestCase):
    def assert_gateway_error(self, got, status, body):
        self.assertEqual((got[0], got[1]), (status, body),
                         f"expected {status} {body}, got {got[0]} {got[1]} (headers {got[2]})")


class RestApiBoto3Test(RestApiTestBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.apigw = cls.server.client(service="apigateway")
        cls.lam = cls.server.client(service="lambda")

    @classmethod
    def tearDownClass(cls):
        for client in (cls.apigw, cls.lam):
            client.close()
        super().tearDownClass()

    def function(self, code, timeout=10):
        name = unique_name("rest")
        arn = self.lam.create_function(FunctionName=name, Runtime="nodejs18.x", Role=ROLE, Handler="index.handler",
                                       Timeout=timeout, Code={"ZipFile": make_zip({"index.js": code})})["FunctionArn"]
        return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"

    def method(self, api, resource, http_method, uri, authorizer=None, timeout_ms=None):
        if authorizer:
            self.apigw.put_method(restApiId=api, resourceId=resource, httpMethod=http_method,
                                  authorizationType="COGNITO_USER_POOLS", authorizerId=authorizer)
        else:
            self.apigw.put_method(restApiId=api, resourceId=resource, httpMethod=http_method,
                                  authorizationType="NONE")
        extra = {"timeoutInMillis": timeout_ms} if timeout_ms else {}
        self.apigw.put_integration(restApiId=api, resourceId=resource, httpMethod=http_method, type="AWS_PROXY",
                                   integrationHttpMethod="POST", uri=uri, **extra)

    def build_api(self):
        """The chat API: GET|POST /messages/{id} behind the Cognito authorizer, ANY /public/{proxy+}
        open, /fail (throws), /malformed, /nostatus, /slow (1 s integration timeout), deployed to `prod`."""
        api = self.apigw.create_rest_api(name=unique_name("chat"))
        api_id = api["id"]
        resources = self.apigw.get_resources(restApiId=api_id)["items"]
        self.assertEqual([r["path"] for r in resources], ["/"])
        root = resources[0]["id"]
        # rootResourceId is in the answer, but botocore 1.29's RestApi shape does not know it yet.
        self.assertIn(api.get("rootResourceId", root), (root,))
        authorizer = self.apigw.create_authorizer(
            restApiId=api_id, name="chat-users", type="COGNITO_USER_POOLS", providerARNs=[USER_POOL_ARN],
            identitySource="method.request.header.Authorization")
        messages = self.apigw.create_resource(restApiId=api_id, parentId=root, pathPart="messages")["id"]
        message = self.apigw.create_resource(restApiId=api_id, parentId=messages, pathPart="{id}")
        self.assertEqual(message["path"], "/messages/{id}")
        chat = self.function(NODE_CHAT)
        self.method(api_id, message["id"], "GET", chat, authorizer=authorizer["id"])
        self.method(api_id, message["id"], "POST", chat, authorizer=authorizer["id"])
        public = self.apigw.create_resource(restApiId=api_id, parentId=root, pathPart="public")["id"]
        proxy = self.apigw.create_resource(restApiId=api_id, parentId=public, pathPart="{proxy+}")["id"]
        self.method(api_id, proxy, "ANY", self.function(NODE_PUBLIC))
        for part, code, timeout_ms in (("fail", NODE_THROWS, None), ("malformed", NODE_MALFORMED, None),
                                       ("nostatus", NODE_NO_STATUS, None), ("slow", NODE_SLOW, 1000)):
            rid = self.apigw.create_resource(restApiId=api_id, parentId=root, pathPart=part)["id"]
            self.method(api_id, rid, "GET", self.function(code), timeout_ms=timeout_ms)
        deployment = self.apigw.create_deployment(restApiId=api_id, stageName="prod")
        self.assertIn("id", deployment)
        return api_id

    @classmethod
    def api(cls):
        return cls._api

    def setUp(self):
        if not hasattr(type(self), "_api"):
            type(self)._api = self.build_api()
        self.url = f"{self.server.endpoint}/rest/{self._api}/prod"

    # ---- control plane -------------------------------------------------------------------------

    def test_control_plane_lists_what_was_built(self):
        api_id = self._api
        self.assertIn(api_id, [a["id"] for a in self.apigw.get_rest_apis()["items"]])
        self.assertEqual(len(api_id), 10)
        paths = sorted(r["path"] for r in self.apigw.get_resources(restApiId=api_id, embed=["methods"])["items"])
        self.assertEqual(paths, ["/", "/fail", "/malformed", "/messages", "/messages/{id}", "/nostatus",
                                 "/public", "/public/{proxy+}", "/slow"])
        stages = self.apigw.get_stages(restApiId=api_id)["item"]
        self.assertEqual([s["stageName"] for s in stages], ["prod"])
        authorizers = self.apigw.get_authorizers(restApiId=api_id)["items"]
        self.assertEqual([(a["type"], a["providerARNs"]) for a in authorizers],
                         [("COGNITO_USER_POOLS", [USER_POOL_ARN])])
        resource = next(r for r in self.apigw.get_resources(restApiId=api_id)["items"]
                        if r["path"] == "/messages/{id}")
        method = self.apigw.get_method(restApiId=api_id, resourceId=resource["id"], httpMethod="GET")
        self.assertEqual((method["authorizationType"], method["authorizerId"]),
                         ("COGNITO_USER_POOLS", authorizers[0]["id"]))
        self.assertEqual(method["methodIntegration"]["type"], "AWS_PROXY")
        integration = self.apigw.get_integration(restApiId=api_id, resourceId=resource["id"], httpMethod="GET")
        self.assertEqual(integration["httpMethod"], "POST")

    def test_control_plane_errors_are_apigateways(self):
        with self.assertRaises(self.apigw.exceptions.NotFoundException):
            self.apigw.get_rest_api(restApiId="nosuchapi0")
        api_id = self.apigw.create_rest_api(name=unique_name("errors"))["id"]
        root = self.apigw.get_resources(restApiId=api_id)["items"][0]["id"]
        self.apigw.create_resource(restApiId=api_id, parentId=root, pathPart="a")
        with self.assertRaises(self.apigw.exceptions.ConflictException):
            self.apigw.create_resource(restApiId=api_id, parentId=root, pathPart="a")
        with self.assertRaises(self.apigw.exceptions.BadRequestException) as caught:
            self.apigw.create_deployment(restApiId=api_id, stageName="prod")
        self.assertEqual(caught.exception.response["Error"]["Message"], "The REST API doesn't contain any methods")
        with self.assertRaises(self.apigw.exceptions.NotFoundException):
            self.apigw.get_method(restApiId=api_id, resourceId=root, httpMethod="GET")
        self.apigw.delete_rest_api(restApiId=api_id)
        self.assertNotIn(api_id, [a["id"] for a in self.apigw.get_rest_apis()["items"]])

    def test_the_cli_lists_rest_apis(self):
        code, out, err = self.server.aws("apigateway", "get-rest-apis")
        self.assertEqual(code, 0, err)
        self.assertIn(self._api, [a["id"] for a in out["items"]])
        code, out, err = self.server.aws("apigateway", "get-resources", "--rest-api-id", self._api)
        self.assertEqual(code, 0, err)
        self.assertIn("/messages/{id}", [r["path"] for r in out["items"]])

    # ---- invocation ----------------------------------------------------------------------------

    def test_a_token_reaches_the_handler_as_cognito_claims(self):
        status, body, headers = curl(f"{self.url}/messages/42?x=1&x=2&y=3",
                                     headers={"Authorization": "Bearer " + chat_token()})
        self.assertEqual(status, 200, body)
        got = json.loads(body)
        # API Gateway answers the event's requestId (a UUID) in x-amzn-RequestId.
        self.assertEqual(got.pop("requestId"), headers.get("x-amzn-requestid"))
        self.assertRegex(headers.get("x-amzn-requestid", ""), r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-")
        self.assertEqual(got, {
            "user": "alice", "email": "alice@example.com", "resource": "/messages/{id}", "path": "/messages/42",
            "httpMethod": "GET", "pathParameters": {"id": "42"}, "query": {"x": "2", "y": "3"},
            "multiQuery": {"x": ["1", "2"], "y": ["3"]}, "stage": "prod", "apiId": self._api,
            "resourcePath": "/messages/{id}", "body": None, "isBase64Encoded": False})
        self.assertEqual(headers.get("x-handler"), "node")
        self.assertEqual(headers.get("set-cookie"), "a=1, b=2")

    def test_a_bare_token_and_a_post_body_work_too(self):
        status, body, _ = curl(f"{self.url}/messages/7", method="POST", body='{"text":"hi"}',
                               headers={"Authorization": chat_token("bob"), "Content-Type": "application/json"})
        self.assertEqual(status, 200, body)
        got = json.loads(body)
        self.assertEqual((got["user"], got["httpMethod"], got["body"]), ("bob", "POST", '{"text":"hi"}'))

    def test_the_host_form_reaches_the_same_api(self):
        status, body, _ = curl(f"http://127.0.0.1:{self.server.port}/prod/messages/1",
                               headers={"Host": f"{self._api}.execute-api.localhost:{self.server.port}",
                                        "Authorization": chat_token()})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["path"], "/messages/1")

    def test_no_token_is_401_and_a_garbled_or_expired_one_too(self):
        self.assert_gateway_error(curl(f"{self.url}/messages/42"), 401, '{"message":"Unauthorized"}')
        self.assert_gateway_error(curl(f"{self.url}/messages/42", headers={"Authorization": "Bearer not.a.jwt"}),
                                  401, '{"message":"Unauthorized"}')
        self.assert_gateway_error(curl(f"{self.url}/messages/42",
                                       headers={"Authorization": chat_token(exp=1_000_000_000)}),
                                  401, '{"message":"The incoming token has expired"}')

    def test_a_token_without_the_username_is_the_handlers_403(self):
        token = make_jwt({"sub": "x", "exp": 4102444800})
        status, body, _ = curl(f"{self.url}/messages/42", headers={"Authorization": token})
        self.assertEqual((status, json.loads(body)), (403, {"message": "who are you?"}))

    def test_a_greedy_proxy_with_any_takes_every_method_and_depth(self):
        status, body, _ = curl(f"{self.url}/public/a/b/c", method="DELETE")
        self.assertEqual(status, 201, body)
        self.assertEqual(json.loads(body), {"path": "/public/a/b/c", "proxy": "a/b/c", "authorizer": None})

    def test_an_unknown_resource_or_method_is_missing_authentication_token(self):
        expected = (403, '{"message":"Missing Authentication Token"}')
        self.assert_gateway_error(curl(f"{self.url}/nowhere"), *expected)
        self.assert_gateway_error(curl(f"{self.url}/messages/1", method="DELETE"), *expected)
        self.assert_gateway_error(curl(f"{self.url}/"), *expected)
        status, _, headers = curl(f"{self.url}/nowhere")
        self.assertEqual(headers.get("x-amzn-errortype"), "MissingAuthenticationTokenException")

    def test_a_throwing_or_malformed_handler_is_502(self):
        self.assert_gateway_error(curl(f"{self.url}/fail"), 502, '{"message": "Internal server error"}')
        self.assert_gateway_error(curl(f"{self.url}/malformed"), 502, '{"message": "Internal server error"}')
        self.assert_gateway_error(curl(f"{self.url}/nostatus"), 502, '{"message": "Internal server error"}')

    def test_a_handler_slower_than_the_integration_timeout_is_504(self):
        self.assert_gateway_error(curl(f"{self.url}/slow"), 504, '{"message": "Endpoint request timed out"}')

    def test_health_lists_the_invoke_url(self):
        status, body, _ = self.server.http("GET", "/_fogbank/health")
        self.assertEqual(status, 200)
        urls = body["restApiUrls"]
        self.assertIn(f"{self.server.endpoint}/rest/{self._api}/prod/", urls)


SAM_TEMPLATE = textwrap.dedent("""\
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Resources:
      ChatApi:
        Type: AWS::Serverless::Api
        Properties:
          StageName: Prod
          Auth:
            DefaultAuthorizer: CognitoAuthorizer
            Authorizers:
              CognitoAuthorizer:
                UserPoolArn: {pool}
      MessagesFunction:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: nodejs18.x
          Handler: index.handler
          CodeUri: ./chat
          Events:
            GetMessage:
              Type: Api
              Properties:
                RestApiId: !Ref ChatApi
                Path: /messages/{{id}}
                Method: get
      HelloFunction:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: nodejs18.x
          Handler: index.handler
          CodeUri: ./public
          Events:
            Hello:
              Type: Api
              Properties:
                Path: /hello/{{proxy+}}
                Method: any
    Outputs:
      ChatUrl:
        Value: !Sub "https://${{ChatApi}}.execute-api.${{AWS::Region}}.amazonaws.com/Prod/"
      HelloUrl:
        Value: !Sub "https://${{ServerlessRestApi}}.execute-api.${{AWS::Region}}.amazonaws.com/Prod/"
    """).format(pool=USER_POOL_ARN)


class RestApiSamTest(RestApiTestBase):
    """The same API from a SAM template: an explicit AWS::Serverless::Api with a Cognito
    DefaultAuthorizer, and the implicit ServerlessRestApi of a function's `Events: Type: Api`."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        for name, code in (("chat", NODE_CHAT), ("public", NODE_PUBLIC)):
            os.makedirs(os.path.join(cls.dir.name, name))
            with open(os.path.join(cls.dir.name, name, "index.js"), "w") as f:
                f.write(code)
        template = os.path.join(cls.dir.name, "chat.yaml")
        with open(template, "w") as f:
            f.write(SAM_TEMPLATE)
        cls.server = FogbankServer(extra_args=["--template", template]).start()
        cls.ddb = cls.server.client()
        cls.apigw = cls.server.client(service="apigateway")

    @classmethod
    def tearDownClass(cls):
        cls.apigw.close()
        super().tearDownClass()
        cls.dir.cleanup()

    def apis(self):
        return {a["name"]: a["id"] for a in self.apigw.get_rest_apis()["items"]}

    def test_the_template_makes_two_rest_apis_with_a_prod_stage(self):
        apis = self.apis()
        self.assertEqual(len(apis), 2, apis)
        for api_id in apis.values():
            self.assertEqual([s["stageName"] for s in self.apigw.get_stages(restApiId=api_id)["item"]], ["Prod"])

    def test_the_default_cognito_authorizer_guards_the_explicit_api(self):
        chat = next(i for n, i in self.apis().items() if "ChatApi" in n)
        url = f"{self.server.endpoint}/rest/{chat}/Prod/messages/9"
        self.assert_gateway_error(curl(url), 401, '{"message":"Unauthorized"}')
        status, body, _ = curl(url, headers={"Authorization": "Bearer " + chat_token("carol")})
        self.assertEqual(status, 200, body)
        self.assertEqual((json.loads(body)["user"], json.loads(body)["pathParameters"]), ("carol", {"id": "9"}))

    def test_the_implicit_api_serves_the_function_events(self):
        hello = next(i for n, i in self.apis().items() if "ChatApi" not in n)
        status, body, _ = curl(f"{self.server.endpoint}/rest/{hello}/Prod/hello/x/y", method="PUT")
        self.assertEqual(status, 201, body)
        self.assertEqual(json.loads(body)["proxy"], "x/y")

    def test_the_outputs_name_urls_that_reach_fogbank(self):
        err = self.server.stderr()
        hello = next(i for n, i in self.apis().items() if "ChatApi" not in n)
        self.assertIn(f"{self.server.endpoint}/rest/{hello}/Prod/", err)


if __name__ == "__main__":
    unittest.main()
