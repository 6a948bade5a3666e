"""Lambda's API on the one port, driven by the AWS CLI (/usr/bin/aws, CLI 2.9) and boto3 against a
real `fogbank serve`, with the C++ handlers compiled into fogbank (handlers/cpp/: echo.handler,
orders.put, fail.handler).

Covers: create-function from a zip (CodeSha256 is base64 SHA-256 of the zip) and from a local
directory (the documented hot-reload extension), get/list/update/delete, `aws lambda wait
function-active-v2`, invoke with --cli-binary-format raw-in-base64-out (RequestResponse, Event,
DryRun, --log-type Tail), a handler that writes DynamoDB and sends to SQS, a handler that throws
(X-Amz-Function-Error: Unhandled and Lambda's error payload), and Lambda's REST-JSON errors
(x-amzn-ErrorType, status, message) for missing functions, conflicts and bad members. And the same
create and invoke with AWS CLI v1 (the `aws` on PATH of this project's machines: the pyenv
Python's awscli 1.x), which sends --payload as it is, with no --cli-binary-format.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_lambda_api
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from fogbank_harness import ACCOUNT, AWS_CLI, REGION, FogbankTestCase, client_missing, make_zip, unique_name

ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"
CLI_SERVICE_ERROR = 254  # the service answered with an error


CLI_V1_SERVICE_ERROR = 255  # CLI v1 exits 255 on any error


def cli_v1():
    """The AWS CLI v1 on PATH, or (None, why not)."""
    candidate = shutil.which("aws")
    if candidate is None:
        return None, "no aws on PATH"
    if os.path.realpath(candidate) == os.path.realpath(AWS_CLI):
        return None, f"aws on PATH ({candidate}) is Debian's CLI v2"
    probe = subprocess.run([candidate, "--version"], capture_output=True, timeout=60)
    version = (probe.stdout + probe.stderr).decode().strip()
    if probe.returncode != 0 or not version.startswith("aws-cli/1."):
        return None, f"{candidate} is not AWS CLI v1: {version[-300:]}"
    return candidate, version


def function_arn(name):
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


class LambdaApiTest(FogbankTestCase):
    """One server for the class; each test makes its own functions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lam = cls.server.client(service="lambda")
        cls.sqs = cls.server.client(service="sqs")
        cls.tmp = tempfile.TemporaryDirectory(prefix="fogbank-lambda-e2e-")
        cls.package = make_zip({"README": "C++ handlers are compiled into fogbank\n",
                                "bootstrap": "#!/bin/sh\nexit 1\n"})
        cls.package_path = os.path.join(cls.tmp.name, "package.zip")
        with open(cls.package_path, "wb") as f:
            f.write(cls.package)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
        super().tearDownClass()

    # ---- helpers -------------------------------------------------------------------------------

    def cli(self, *args):
        """Run `aws lambda ARGS`; it must exit 0. Returns the parsed JSON ({} for no output)."""
        code, out, err = self.server.aws("lambda", *args)
        self.assertEqual(code, 0, f"aws lambda {' '.join(map(str, args))} exited {code}:\n{err}")
        return out if out != "" else {}

    def cli_fails(self, *args, code="", message=""):
        """Run `aws lambda ARGS`; it must exit 254 naming the error code and message."""
        exit_code, out, err = self.server.aws("lambda", *args)
        self.assertEqual(exit_code, CLI_SERVICE_ERROR, f"exit {exit_code}, stdout {out!r}, stderr {err!r}")
        self.assertIn(f"({code})", err)
        self.assertIn(message, err)

    def create(self, name, handler, **extra):
        args = dict(FunctionName=name, Runtime="provided.al2023", Role=ROLE, Handler=handler,
                    Code={"ZipFile": self.package})
        args.update(extra)
        return self.lam.create_function(**args)

    def invoke_cli(self, name, payload, *extra):
        """`aws lambda invoke` with a JSON payload; returns (CLI output, the response file's text)."""
        out_file = os.path.join(self.tmp.name, unique_name("out") + ".json")
        out = self.cli("invoke", "--function-name", name, "--cli-binary-format", "raw-in-base64-out",
                       "--payload", json.dumps(payload), *extra, out_file)
        text = ""
        if os.path.exists(out_file):
            with open(out_file, "r", encoding="utf-8") as f:
                text = f.read()
        return out, text

    # ---- the control plane through the CLI -------------------------------------------------------

    def test_cli_create_get_list_update_delete(self):
        name = unique_name("fn")
        created = self.cli("create-function", "--function-name", name, "--runtime", "provided.al2023",
                           "--role", ROLE, "--handler", "echo.handler", "--zip-file",
                           f"fileb://{self.package_path}", "--timeout", "7",
                           "--environment", "Variables={GREETING=hello}")
        self.assertEqual(created["FunctionArn"], function_arn(name))
        self.assertEqual(created["CodeSha256"],
                         base64.b64encode(hashlib.sha256(self.package).digest()).decode())
        self.assertEqual(created["CodeSize"], len(self.package))
        self.assertEqual(created["Timeout"], 7)
        self.assertEqual(created["Environment"], {"Variables": {"GREETING": "hello"}})
        # The waiter polls GetFunction until State is Active (it would fail on Failed).
        self.cli("wait", "function-active-v2", "--function-name", name)

        got = self.cli("get-function", "--function-name", name)
        self.assertEqual(got["Configuration"]["State"], "Active")
        self.assertEqual(got["Configuration"]["Handler"], "echo.handler")
        conf = self.cli("get-function-configuration", "--function-name", function_arn(name))
        self.assertEqual(conf["RevisionId"], got["Configuration"]["RevisionId"])
        names = [f["FunctionName"] for f in self.cli("list-functions")["Functions"]]
        self.assertIn(name, names)

        updated = self.cli("update-function-configuration", "--function-name", name, "--timeout", "9",
                           "--memory-size", "256")
        self.assertEqual((updated["Timeout"], updated["MemorySize"]), (9, 256))
        self.cli("wait", "function-updated-v2", "--function-name", name)
        other = make_zip({"other.txt": "x"})
        code = self.cli("update-function-code", "--function-name", name, "--zip-file",
                        f"fileb://{self._write('other.zip', other)}")
        self.assertEqual(code["CodeSha256"], base64.b64encode(hashlib.sha256(other).digest()).decode())

        self.cli("delete-function", "--function-name", name)
        self.cli_fails("get-function", "--function-name", name, code="ResourceNotFoundException",
                       message=f"Function not found: {function_arn(name)}")

    def _write(self, name, data):
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_cli_errors(self):
        name = unique_name("fn")
        self.cli_fails("create-function", "--function-name", name, "--runtime", "provided.al2023",
                       "--role", ROLE, "--handler", "echo.handler", "--zip-file",
                       f"fileb://{self.package_path}", "--timeout", "901",
                       code="ValidationException",
                       message="Value 901 at 'timeout' failed to satisfy constraint: "
                               "Member must have value less than or equal to 900")
        self.cli_fails("create-function", "--function-name", name, "--runtime", "nodejs14.x",
                       "--role", ROLE, "--handler", "index.handler", "--zip-file",
                       f"fileb://{self.package_path}", code="InvalidParameterValueException",
                       message="The runtime parameter of nodejs14.x is no longer supported")
        self.cli_fails("invoke", "--function-name", name, os.path.join(self.tmp.name, "x.json"),
                       code="ResourceNotFoundException", message="Function not found")

    # ---- errors on the wire through boto3 -------------------------------------------------------

    def test_boto3_errors_carry_lambdas_status_and_type(self):
        name = unique_name("fn")
        self.assert_client_error(lambda: self.lam.get_function(FunctionName=name),
                                 "ResourceNotFoundException",
                                 f"Function not found: {function_arn(name)}", status=404)
        # (The CLI refuses a --zip-file that is not a zip itself, so this one goes through boto3.)
        self.assert_client_error(lambda: self.create(name, "echo.handler", Code={"ZipFile": b"not a zip"}),
                                 "InvalidParameterValueException",
                                 "Could not unzip uploaded file. Please check your file, then try to "
                                 "upload again.")
        self.create(name, "echo.handler")
        self.assert_client_error(lambda: self.create(name, "echo.handler"), "ResourceConflictException",
                                 f"Function already exist: {name}", status=409)
        self.assert_client_error(
            lambda: self.lam.update_function_configuration(
                FunctionName=name, Environment={"Variables": {"AWS_REGION": "x"}}),
            "InvalidParameterValueException",
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported for "
            "modification. Reserved keys used in this request: AWS_REGION")
        self.assert_client_error(
            lambda: self.lam.invoke(FunctionName=name, Payload=b"{not json"),
            "InvalidRequestContentException", None)
        self.assert_client_error(
            lambda: self.lam.invoke(FunctionName=name, Payload=b'"' + b"x" * 6291456 + b'"'),
            "RequestEntityTooLargeException",
            "6291458 byte payload is too large for the RequestResponse invocation type "
            "(limit 6291456 bytes)", status=413)
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
        self.assert_client_error(lambda: self.lam.invoke(FunctionName=name), "TooManyRequestsException",
                                 "Rate Exceeded.", status=429)

    # ---- AWS CLI v1 -------------------------------------------------------------------------------

    def test_cli_v1_create_and_invoke(self):
        aws, info = cli_v1()
        if aws is None:
            client_missing(self, f"no AWS CLI v1 to test with: {info}")

        def run(*args):
            proc = subprocess.run([aws, "--endpoint-url", self.server.endpoint, "--region", REGION,
                                   "--output", "json", "lambda", *map(str, args)],
                                  stdin=subprocess.DEVNULL, capture_output=True, env=self.server.cli_env(),
                                  timeout=120)
            return proc.returncode, proc.stdout.decode(), proc.stderr.decode()

        name = unique_name("v1")
        code, out, err = run("create-function", "--function-name", name, "--runtime", "provided.al2023",
                             "--handler", "echo.handler", "--role", ROLE,
                             "--zip-file", f"fileb://{self.package_path}")
        self.assertEqual(code, 0, f"{info}: create-function exited {code}:\n{err}")
        self.assertEqual(json.loads(out)["FunctionArn"], function_arn(name))
        out_file = os.path.join(self.tmp.name, unique_name("v1out") + ".json")
        # CLI v1 sends --payload as it is (v2 would take it for base64 without its format option).
        code, out, err = run("invoke", "--function-name", name, "--payload", '{"from": "cli v1"}',
                             "--log-type", "Tail", out_file)
        self.assertEqual(code, 0, f"invoke exited {code}:\n{err}")
        answer = json.loads(out)
        self.assertEqual(answer["StatusCode"], 200)
        self.assertNotIn("FunctionError", answer)
        with open(out_file, "r", encoding="utf-8") as f:
            response = json.load(f)
        self.assertEqual(response["event"], {"from": "cli v1"})
        self.assertIn(f"START RequestId: {response['request_id']}", base64.b64decode(answer["LogResult"]).decode())
        code, out, err = run("invoke", "--function-name", name, "--invocation-type", "Event",
                             "--payload", '{"n": 1}', out_file)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["StatusCode"], 202)
        code, out, err = run("invoke", "--function-name", unique_name("missing"), out_file)
        self.assertEqual(code, CLI_V1_SERVICE_ERROR, f"stdout {out!r}, stderr {err!r}")
        self.assertIn("(ResourceNotFoundException)", err)

    # ---- Invoke ---------------------------------------------------------------------------------

    def test_cli_invoke_request_response_with_tail(self):
        name = unique_name("echo")
        self.create(name, "echo.handler", Environment={"Variables": {"GREETING": "hi"}})
        out, text = self.invoke_cli(name, {"hello": "world"}, "--log-type", "Tail")
        self.assertEqual(out["StatusCode"], 200)
        self.assertNotIn("FunctionError", out)
        response = json.loads(text)
        self.assertEqual(response["event"], {"hello": "world"})
        self.assertEqual(response["function_name"], name)
        self.assertEqual(response["greeting"], "hi")
        self.assertGreater(response["remaining_ms"], 0)
        self.assertLessEqual(response["remaining_ms"], 3000)
        log = base64.b64decode(out["LogResult"]).decode()
        request_id = response["request_id"]
        self.assertTrue(log.startswith(f"START RequestId: {request_id} Version: $LATEST\n"), log)
        self.assertIn('echo: {"hello":"world"}\n', log)
        self.assertIn(f"END RequestId: {request_id}\n", log)
        self.assertIn(f"REPORT RequestId: {request_id}\tDuration: ", log)

    def test_cli_invoke_event_and_dry_run(self):
        name = unique_name("echo")
        self.create(name, "echo.handler")
        out, text = self.invoke_cli(name, {"n": 1}, "--invocation-type", "Event")
        self.assertEqual(out["StatusCode"], 202)
        self.assertEqual(text, "")
        out, _ = self.invoke_cli(name, {"n": 2}, "--invocation-type", "DryRun")
        self.assertEqual(out["StatusCode"], 204)
        # The Event invocation ran on the scheduler: its log is kept per function.
        deadline = time.monotonic() + 10
        log = ""
        while time.monotonic() < deadline:
            _, logs, _ = self.server.http("GET", "/_fogbank/lambda/logs")
            log = logs["logs"].get(f"{REGION}/{name}", "")
            if 'echo: {"n":1}' in log:
                break
            time.sleep(0.05)
        self.assertIn('echo: {"n":1}', log)
        self.assertNotIn('"n":2', log, "DryRun must not run the function")

    def test_boto3_handler_writes_dynamodb_and_sqs(self):
        table = self.create_table()
        queue = self.sqs.create_queue(QueueName=unique_name("orders"))["QueueUrl"]
        name = unique_name("orders")
        self.create(name, "orders.put", Environment={"Variables": {"TABLE_NAME": table, "QUEUE_URL": queue}})
        resp = self.lam.invoke(FunctionName=name, Payload=json.dumps({"id": "o-7", "amount": 3}).encode())
        self.assertEqual(resp["StatusCode"], 200)
        self.assertNotIn("FunctionError", resp)
        self.assertEqual(json.loads(resp["Payload"].read()), {"stored": "o-7"})
        item = self.ddb.get_item(TableName=table, Key={"pk": {"S": "o-7"}})["Item"]
        self.assertEqual(item["amount"], {"N": "3"})
        self.assertEqual(item["request_id"]["S"], resp["ResponseMetadata"]["RequestId"])
        messages = self.sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
        self.assertEqual([m["Body"] for m in messages], ['{"order":"o-7"}'])

    def test_boto3_handler_that_throws_is_unhandled(self):
        name = unique_name("fail")
        self.create(name, "fail.handler")
        resp = self.lam.invoke(FunctionName=name, Payload=b'{"reason": "no stock"}')
        self.assertEqual(resp["StatusCode"], 200)
        self.assertEqual(resp["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(resp["Payload"].read()),
                         {"errorMessage": "no stock", "errorType": "std::runtime_error", "stackTrace": []})
        # The CLI says so too, and still exits 0 (the call succeeded; the function failed).
        out, text = self.invoke_cli(name, {"reason": "cli"})
        self.assertEqual(out["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(text)["errorMessage"], "cli")

    def test_local_directory_code_is_used_in_place(self):
        code_dir = os.path.join(self.tmp.name, unique_name("code"))
        os.makedirs(code_dir)
        name = unique_name("local")
        created = self.lam.create_function(FunctionName=name, Runtime="provided.al2", Role=ROLE,
                                           Handler="echo.handler",
                                           Code={"S3Bucket": "hot-reload", "S3Key": code_dir})
        self.assertEqual(created["CodeSha256"], "hot-reloading-hash-not-available")
        got = self.lam.get_function(FunctionName=name)
        self.assertEqual(got["Code"]["Location"], f"Code location: {code_dir}")
        resp = self.lam.invoke(FunctionName=name, Payload=b"{}")
        self.assertNotIn("FunctionError", resp)
        self.lam.delete_function(FunctionName=name)
        self.assertTrue(os.path.isdir(code_dir), "deleting the function must leave the directory")


if __name__ == "__main__":
    unittest.main()
