"""API Gateway HTTP APIs driven as their users drive them on AWS: built with boto3's
apigatewayv2 client (CreateApi ProtocolType HTTP, integrations with payload format 2.0, routes,
stages) and declared in a SAM template (AWS::Serverless::HttpApi and `Events: Type: HttpApi`,
including the implicit API), with a Python and a Node.js handler in worker processes, then called
with `curl` at http://127.0.0.1:PORT/http/<api-id>/[<stage>/]<path> and in the host form
<api-id>.execute-api.localhost:PORT/<path>: path parameters, query strings, cookies, a POST body,
the 2.0 response inference, 404 for no route, 500 for a handler that throws, and CORS preflights
answered by API Gateway.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_apigw_http_api
"""

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
import urllib.parse

from fogbank_harness import ACCOUNT, FogbankServer, make_zip, unique_name

ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"
CURL = shutil.which("curl") or "/usr/bin/curl"
# Real time: the first call of each function starts a worker process. Every wait is bounded.
CURL_TIMEOUT_SECONDS = 60

PYTHON_HANDLER = """
import json

def handler(event, context):
    if event["rawPath"].endswith("/boom"):
        raise RuntimeError("boom")
    summary = {
        "handler": "python",
        "routeKey": event["routeKey"],
        "rawPath": event["rawPath"],
        "rawQueryString": event["rawQueryString"],
        "pathParameters": event.get("pathParameters"),
        "queryStringParameters": event.get("queryStringParameters"),
        "cookies": event.get("cookies"),
        "body": event.get("body"),
        "stage": event["requestContext"]["stage"],
        "method": event["requestContext"]["http"]["method"],
        "version": event["version"],
    }
    return {"statusCode": 200, "headers": {"content-type": "application/json", "x-handler": "python"},
            "cookies": ["visited=yes; Path=/"], "body": json.dumps(summary)}
"""

# A Node.js handler answering a plain object: API Gateway infers 200 and application/json.
NODE_HANDLER = """
exports.handler = async (event) => ({
  handler: 'node',
  routeKey: event.routeKey,
  id: event.pathParameters && event.pathParameters.id,
  body: event.body,
  stage: event.requestContext.stage,
});
"""

SAM_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  ContactsApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration:
        AllowOrigins: ["https://app.example.com"]
        AllowMethods: [GET, POST]
        AllowHeaders: [content-type]
        MaxAge: 300
  ListContacts:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      CodeUri: py/
      Events:
        List:
          Type: HttpApi
          Properties:
            ApiId: !Ref ContactsApi
            Path: /contacts/{id}
            Method: get
  PostMessage:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: js/
      Events:
        Post:
          Type: HttpApi
          Properties:
            Path: /messages/{id}
            Method: post
Outputs:
  ContactsUrl:
    Value: !GetAtt ContactsApi.ApiEndpoint
  ImplicitUrl:
    Value: !GetAtt ServerlessHttpApi.ApiEndpoint
"""


def curl(url, method="GET", headers=None, data=None):
    """(status, {lowercase header: [values]}, body) of one request made by curl."""
    args = [CURL, "-sS", "-i", "-X", method, "--max-time", str(CURL_TIMEOUT_SECONDS)]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    if data is not None:
        args += ["--data-binary", data]
    args.append(url)
    out = subprocess.run(args, capture_output=True, timeout=CURL_TIMEOUT_SECONDS + 10, check=True).stdout
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    found = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        found.setdefault(name.strip().lower(), []).append(value.strip())
    return status, found, body.decode()


class HttpApiChecks:
    """Calls shared by the boto3-built API and the SAM one. `self.base` is the API's endpoint."""

    def test_a_route_with_a_path_parameter_query_and_cookies_reaches_the_python_handler(self):
        status, headers, body = curl(self.base + "/contacts/ann%20b?tag=a&tag=b&q=x%20y",
                                     headers={"Cookie": "session=s1; theme=dark"})
        self.assertEqual(status, 200, body)
        seen = json.loads(body)
        expected = {"handler": "python", "routeKey": "GET /contacts/{id}", "rawPath": "/contacts/ann%20b",
                    "rawQueryString": "tag=a&tag=b&q=x%20y", "pathParameters": {"id": "ann b"},
                    "queryStringParameters": {"tag": "a,b", "q": "x y"}, "cookies": ["session=s1", "theme=dark"],
                    "body": None, "stage": "$default", "method": "GET", "version": "2.0"}
        self.assertEqual(seen, expected)
        self.assertEqual(headers.get("set-cookie"), ["visited=yes; Path=/"])
        self.assertEqual(headers.get("x-handler"), ["python"])
        self.assertEqual(len(headers.get("apigw-requestid", [])), 1, headers)

    def test_a_post_body_reaches_the_node_handler_and_a_plain_object_answers_200_json(self):
        status, headers, body = curl(self.messages_base + "/messages/42", method="POST",
                                     headers={"content-type": "application/json"}, data='{"text":"hi"}')
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("content-type"), ["application/json"])
        self.assertEqual(json.loads(body), {"handler": "node", "routeKey": "POST /messages/{id}", "id": "42",
                                            "body": '{"text":"hi"}', "stage": "$default"})

    def test_no_route_answers_404_not_found(self):
        status, _, body = curl(self.base + "/no/such/route")
        self.assertEqual((status, json.loads(body)), (404, {"message": "Not Found"}))
        status, _, body = curl(self.base + "/contacts/7", method="DELETE")
        self.assertEqual((status, json.loads(body)), (404, {"message": "Not Found"}))

    def test_the_host_form_reaches_the_same_api(self):
        host = f"{self.api_id}.execute-api.localhost:{self.server.port}"
        status, _, body = curl(f"http://127.0.0.1:{self.server.port}/contacts/9", headers={"Host": host})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["pathParameters"], {"id": "9"})

    def test_a_cors_preflight_is_answered_by_api_gateway(self):
        status, headers, body = curl(self.base + "/contacts/1", method="OPTIONS",
                                     headers={"Origin": "https://app.example.com",
                                              "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": "content-type"})
        self.assertEqual((status, body), (204, ""))
        self.assertEqual(headers.get("access-control-allow-origin"), ["https://app.example.com"])
        self.assertEqual(headers.get("access-control-allow-methods"), ["GET,POST"])
        self.assertEqual(headers.get("access-control-allow-headers"), ["content-type"])
        self.assertEqual(headers.get("access-control-max-age"), ["300"])
        # An actual request from that origin carries the configured origin.
        status, headers, _ = curl(self.base + "/contacts/1", headers={"Origin": "https://app.example.com"})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("access-control-allow-origin"), ["https://app.example.com"])

    def test_health_lists_the_invoke_url(self):
        status, _, body = curl(f"http://127.0.0.1:{self.server.port}/_fogbank/health")
        self.assertEqual(status, 200)
        self.assertIn(self.base, json.loads(body)["invokeUrls"], body)


class Boto3HttpApiTest(HttpApiChecks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = FogbankServer().start()
        cls.v2 = cls.server.client(service="apigatewayv2")
        cls.lam = cls.server.client(service="lambda")
        python_arn = cls.function("python3.11", "app.handler", {"app.py": PYTHON_HANDLER})
        node_arn = cls.function("nodejs20.x", "index.handler", {"index.js": NODE_HANDLER})
        api = cls.v2.create_api(Name=unique_name("contacts"), ProtocolType="HTTP",
                                CorsConfiguration={"AllowOrigins": ["https://app.example.com"],
                                                   "AllowMethods": ["GET", "POST"],
                                                   "AllowHeaders": ["content-type"], "MaxAge": 300})
        cls.api_id = api["ApiId"]
        cls.endpoint = api["ApiEndpoint"]
        for key, arn in (("GET /contacts/{id}", python_arn), ("GET /contacts/{id}/boom", python_arn),
                         ("POST /messages/{id}", node_arn)):
            integration = cls.v2.create_integration(
                ApiId=cls.api_id, IntegrationType="AWS_PROXY", PayloadFormatVersion="2.0",
                IntegrationUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations")
            cls.v2.create_route(ApiId=cls.api_id, RouteKey=key, Target="integrations/" + integration["IntegrationId"])
        cls.v2.create_stage(ApiId=cls.api_id, StageName="$default", AutoDeploy=True)
        cls.v2.create_stage(ApiId=cls.api_id, StageName="prod")
        cls.base = cls.endpoint
        cls.messages_base = cls.endpoint

    @classmethod
    def function(cls, runtime, handler, files):
        name = unique_name("http")
        return cls.lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                                       Code={"ZipFile": make_zip(files)}, Timeout=20)["FunctionArn"]

    @classmethod
    def tearDownClass(cls):
        cls.v2.close()
        cls.lam.close()
        cls.server.stop()

    def test_create_api_answers_an_http_endpoint_on_this_server(self):
        self.assertEqual(self.endpoint, f"http://127.0.0.1:{self.server.port}/http/{self.api_id}")
        api = self.v2.get_api(ApiId=self.api_id)
        self.assertEqual((api["ProtocolType"], api["RouteSelectionExpression"]),
                         ("HTTP", "${request.method} ${request.path}"))
        self.assertEqual(api["CorsConfiguration"]["AllowOrigins"], ["https://app.example.com"])

    def test_route_keys_are_checked(self):
        for bad in ("GET", "FETCH /x", "GET /x/", "GET /{proxy+}/x"):
            with self.assertRaises(self.v2.exceptions.BadRequestException, msg=bad):
                self.v2.create_route(ApiId=self.api_id, RouteKey=bad)

    def test_a_named_stage_is_the_first_segment_and_rawpath_keeps_it(self):
        status, _, body = curl(self.base + "/prod/contacts/5")
        self.assertEqual(status, 200, body)
        seen = json.loads(body)
        self.assertEqual((seen["stage"], seen["rawPath"], seen["pathParameters"]),
                         ("prod", "/prod/contacts/5", {"id": "5"}))

    def test_a_handler_that_throws_answers_500(self):
        status, _, body = curl(self.base + "/contacts/1/boom")
        self.assertEqual((status, json.loads(body)), (500, {"message": "Internal Server Error"}))

    def test_quick_create_serves_every_path_at_once(self):
        node_arn = self.function("nodejs20.x", "index.handler", {"index.js": NODE_HANDLER})
        api = self.v2.create_api(Name=unique_name("quick"), ProtocolType="HTTP", Target=node_arn)
        status, _, body = curl(api["ApiEndpoint"] + "/any/path/at/all", method="PUT", data="x")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["routeKey"], "$default")


class SamHttpApiTest(HttpApiChecks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        root = cls.tmp.name
        os.makedirs(os.path.join(root, "py"))
        os.makedirs(os.path.join(root, "js"))
        with open(os.path.join(root, "py", "app.py"), "w") as f:
            f.write(PYTHON_HANDLER)
        with open(os.path.join(root, "js", "index.js"), "w") as f:
            f.write(NODE_HANDLER)
        template = os.path.join(root, "template.yaml")
        with open(template, "w") as f:
            f.write(SAM_TEMPLATE)
        cls.server = FogbankServer(extra_args=["--template", template]).start()
        found = {}
        for line in cls.server.stderr().splitlines():
            m = re.match(r"^fogbank: [\w-]+: output (\w+) = (.*)$", line)
            if m:
                found[m.group(1)] = m.group(2)
        cls.outputs = found
        cls.base = found.get("ContactsUrl", "")
        cls.messages_base = found.get("ImplicitUrl", "")
        cls.api_id = cls.base.rsplit("/", 1)[-1]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tmp.cleanup()

    def test_start_up_prints_the_invoke_urls(self):
        printed = [line.split(": ", 2)[2] for line in self.server.stderr().splitlines()
                   if line.startswith("fogbank: API Gateway: ")]
        self.assertIn(self.base, printed)
        self.assertIn(self.messages_base, printed)

    def test_outputs_give_endpoints_on_this_server(self):
        prefix = f"http://127.0.0.1:{self.server.port}/http/"
        self.assertRegex(self.outputs.get("ContactsUrl", ""), "^" + re.escape(prefix) + "[a-z0-9]{10}$", self.outputs)
        self.assertRegex(self.outputs.get("ImplicitUrl", ""), "^" + re.escape(prefix) + "[a-z0-9]{10}$", self.outputs)
        self.assertNotEqual(self.outputs["ContactsUrl"], self.outputs["ImplicitUrl"])




def jwt_token(claims):
    """An unsigned-looking JWT: fogbank decodes claims without checking signatures (README)."""
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    return part({"alg": "RS256", "typ": "JWT"}) + "." + part(claims) + ".c2ln"


class JwtAuthorizerHttpApiTest(unittest.TestCase):
    """An HTTP API route behind a JWT authorizer (developer guide, "Control access to HTTP APIs
    with JWT authorizers in API Gateway"; 401 reasons from "Troubleshooting issues with HTTP API
    JWT authorizers"), called with curl; the in-process echo.handler answers its event."""

    ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example"
    FAR_FUTURE = 4102444800  # 2100-01-01: the server runs on the real clock

    @classmethod
    def setUpClass(cls):
        cls.server = FogbankServer().start()
        cls.v2 = cls.server.client(service="apigatewayv2")
        cls.lam = cls.server.client(service="lambda")
        arn = cls.lam.create_function(FunctionName=unique_name("jwt"), Runtime="provided.al2023", Role=ROLE,
                                      Handler="echo.handler", Code={"ZipFile": make_zip({"bootstrap": "#!/bin/sh\n"})},
                                      Timeout=20)["FunctionArn"]
        api = cls.v2.create_api(Name=unique_name("jwt-api"), ProtocolType="HTTP")
        cls.api_id = api["ApiId"]
        cls.base = api["ApiEndpoint"]
        authorizer = cls.v2.create_authorizer(ApiId=cls.api_id, Name="cognito", AuthorizerType="JWT",
                                              IdentitySource=["$request.header.Authorization"],
                                              JwtConfiguration={"Issuer": cls.ISSUER, "Audience": ["app-client"]})
        integration = cls.v2.create_integration(
            ApiId=cls.api_id, IntegrationType="AWS_PROXY", PayloadFormatVersion="2.0",
            IntegrationUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations")
        for key, scopes in (("GET /me", []), ("GET /admin", ["admin"])):
            cls.v2.create_route(ApiId=cls.api_id, RouteKey=key, Target="integrations/" + integration["IntegrationId"],
                                AuthorizationType="JWT", AuthorizerId=authorizer["AuthorizerId"],
                                AuthorizationScopes=scopes)
        cls.v2.create_stage(ApiId=cls.api_id, StageName="$default", AutoDeploy=True)

    @classmethod
    def tearDownClass(cls):
        cls.v2.close()
        cls.lam.close()
        cls.server.stop()

    def claims(self, **changes):
        out = {"iss": self.ISSUER, "aud": "app-client", "sub": "user-1", "cognito:username": "alice",
               "exp": self.FAR_FUTURE, "scope": "read"}
        out.update(changes)
        return {k: v for k, v in out.items() if v is not None}

    def test_a_valid_token_reaches_the_handler_with_its_claims(self):
        status, _, body = curl(self.base + "/me", headers={"Authorization": "Bearer " + jwt_token(self.claims())})
        self.assertEqual(status, 200, body)
        authorizer = json.loads(body)["event"]["requestContext"]["authorizer"]
        self.assertEqual(authorizer["jwt"]["claims"]["cognito:username"], "alice")
        self.assertEqual(authorizer["jwt"]["claims"]["exp"], str(self.FAR_FUTURE))
        self.assertEqual(authorizer["jwt"]["scopes"], ["read"])

    def test_missing_garbled_expired_and_mismatched_tokens_are_401_unauthorized(self):
        cases = {
            "missing": None,
            "garbled": "Bearer not-a-jwt",
            "expired": "Bearer " + jwt_token(self.claims(exp=1000000000)),
            "other issuer": "Bearer " + jwt_token(self.claims(iss="https://elsewhere.example.com")),
            "other audience": "Bearer " + jwt_token(self.claims(aud="someone-else")),
        }
        for case, value in cases.items():
            with self.subTest(case=case):
                status, headers, body = curl(self.base + "/me", headers={"Authorization": value} if value else None)
                self.assertEqual((status, json.loads(body)), (401, {"message": "Unauthorized"}))
                self.assertTrue(headers.get("www-authenticate", [""])[0].startswith("Bearer "), headers)

    def test_a_route_with_scopes_refuses_a_token_without_them(self):
        status, _, body = curl(self.base + "/admin", headers={"Authorization": jwt_token(self.claims())})
        self.assertEqual((status, json.loads(body)), (403, {"message": "Forbidden"}))
        status, _, body = curl(self.base + "/admin", headers={"Authorization": jwt_token(self.claims(scope="read admin"))})
        self.assertEqual(status, 200, body)


if __name__ == "__main__":
    unittest.main()
