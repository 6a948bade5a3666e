"""`fogbank run --endpoint URL` (issue 9): the bundled scenarios pass against a started
`fogbank serve` over real sockets (HTTP for calls, WebSocket for clients, the server's real
clock), with the server loading the scenarios' templates (--template, --parameter) and the
runner resolving their logical ids and Outputs through GET /_fogbank/stacks. Also the endpoints
that mode uses (GET /_fogbank/idle, /_fogbank/stacks, /_fogbank/lambda/invocations, the
X-Fogbank-Connection-Id upgrade header, checked through the runner), the step kinds over the wire,
and what a server without the template says.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_scenarios_endpoint
"""

import os
import subprocess
import tempfile
import unittest

import yaml

from fogbank_harness import FogbankServer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCENARIOS = os.path.join(ROOT, "scenarios")
CHAT_TEMPLATE = os.path.join(ROOT, "fixtures", "templates", "websocket_chat", "template.yaml")
TIMEOUT = 300  # seconds: a hang fails the test instead of stalling ctest


def bundled_server_args():
    """--template for every template the bundled scenarios name (once each, in first-use order),
    --parameter for their parameters."""
    templates, parameters = [], {}
    for name in sorted(os.listdir(SCENARIOS)):
        if not name.endswith((".yaml", ".yml")):
            continue
        with open(os.path.join(SCENARIOS, name)) as f:
            scenario = yaml.safe_load(f)
        for variant in [scenario] + scenario.get("variants", []):
            for template in variant.get("templates", []):
                path = os.path.normpath(os.path.join(SCENARIOS, template))
                if path not in templates:
                    templates.append(path)
            for key, value in variant.get("parameters", {}).items():
                # One server for every scenario: they must agree on each parameter they set.
                if parameters.setdefault(key, value) != value:
                    raise AssertionError(f"{name} sets {key}={value}, another scenario {parameters[key]}")
    args = []
    for path in templates:
        args += ["--template", path]
    for key, value in parameters.items():
        args += ["--parameter", f"{key}={value}"]
    return args


class ScenariosAgainstAServer(unittest.TestCase):
    def start(self, args):
        server = FogbankServer(extra_args=args).start()
        self.addCleanup(server.stop)
        return server

    def run_fogbank(self, server, *paths):
        return subprocess.run([os.environ["FOGBANK_BIN"], "run", "--endpoint", server.endpoint, *paths],
                              capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT, check=False)

    def write(self, name, text):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        path = os.path.join(directory.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_bundled_scenarios_pass_against_a_started_server(self):
        server = self.start(bundled_server_args())
        status, idle, _ = server.http("GET", "/_fogbank/idle")
        self.assertEqual((status, idle), (200, {"idle": True, "due": False, "invocations_in_flight": 0}))
        status, stacks, _ = server.http("GET", "/_fogbank/stacks")
        self.assertEqual(status, 200)
        self.assertIn("websocket-chat", [stack["name"] for stack in stacks["stacks"]])
        # Twice: a scenario leaves the server as it found it.
        for _ in range(2):
            result = self.run_fogbank(server, "scenarios/")
            self.assertEqual(result.returncode, 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
            self.assertIn("PASS chat over WebSocket", result.stdout)
            self.assertRegex(result.stdout, r"(?m)^\d+ passed, 0 failed$")

    def test_queue_log_expectations_and_fixture_data_over_the_wire(self):
        server = self.start(["--template", CHAT_TEMPLATE])
        path = self.write("live.yaml", f"""name: new steps over the wire
templates: [{CHAT_TEMPLATE}]
data:
  - table: ConnectionsTable
    items: [{{connectionId: fixture, note: seeded}}]
steps:
  - call:
      service: dynamodb
      action: GetItem
      input: {{TableName: "{{{{ConnectionsTableName}}}}", Key: {{connectionId: {{S: fixture}}}}}}
    expect: {{Item: {{note: {{S: seeded}}}}}}
  - call: {{service: dynamodb, action: DeleteItem, input: {{TableName: "{{{{ConnectionsTableName}}}}", Key: {{connectionId: {{S: fixture}}}}}}}}
  - call: {{service: sqs, action: CreateQueue, input: {{QueueName: live-depths}}}}
    capture: {{queue: /QueueUrl}}
  - call: {{service: sqs, action: SendMessage, input: {{QueueUrl: "{{{{queue}}}}", MessageBody: x}}}}
  - expect_queue: {{queue: live-depths, visible: 1, in_flight: 0, delayed: 0}}
  - connect: {{client: nobody, api: no-such-api, stage: dev, expect_status: 404}}
  - connect: {{client: carol, api: ChatWebSocket, stage: dev}}
    capture: {{carol: /connection_id}}
  - send: {{client: carol, message: {{action: sendmessage, data: hi}}}}
  - expect_frames: {{client: carol, frames: [hi, Data sent.]}}
  - expect_invocations: {{function: SendMessageFunction, count: 1, errors: 0,
                          events: [{{requestContext: {{routeKey: sendmessage, connectionId: "{{{{carol}}}}"}}}}]}}
  - expect_invocations: {{function: SendMessageFunction, count: 0}}
  - expect_logs: {{function: SendMessageFunction, contains: START RequestId}}
  - disconnect: carol
  - expect_invocations: {{function: OnDisconnectFunction, count: 1, errors: 0}}
  - call: {{service: dynamodb, action: Scan, input: {{TableName: "{{{{ConnectionsTableName}}}}", Select: COUNT}}}}
    expect: {{Count: 0}}
""")
        result = self.run_fogbank(server, path)
        self.assertEqual(result.returncode, 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")

    def test_sns_calls_over_the_wire(self):
        # SNS over AWS JSON 1.0 (X-Amz-Target SNS_20100331.*): the same input, response and error
        # type as in process, so one scenario reads the same both ways. The same file in process: below.
        server = self.start([])
        path = self.write("sns.yaml", """name: sns calls
steps:
  - call: {service: sns, action: CreateTopic, input: {Name: live-topic}}
    capture: {topic: /TopicArn}
  - call: {service: sqs, action: CreateQueue, input: {QueueName: live-topic-queue}}
    capture: {queue: /QueueUrl}
  - call: {service: sqs, action: GetQueueAttributes, input: {QueueUrl: "{{queue}}", AttributeNames: [QueueArn]}}
    capture: {queue_arn: /Attributes/QueueArn}
  - call: {service: sns, action: Subscribe, input: {TopicArn: "{{topic}}", Protocol: sqs, Endpoint: "{{queue_arn}}",
                                                    Attributes: {RawMessageDelivery: "true"}}}
  - call:
      service: sns
      action: Publish
      input: {TopicArn: "{{topic}}", Message: hello, MessageAttributes: {k: {DataType: String, StringValue: v}}}
    capture: {message_id: /MessageId}
  - settle
  - expect_queue: {queue: live-topic-queue, visible: 1}
  - call: {service: sqs, action: ReceiveMessage, input: {QueueUrl: "{{queue}}", MessageAttributeNames: [All]}}
    expect: {Messages: [{Body: hello, MessageAttributes: {k: {DataType: String, StringValue: v}}}]}
  - call: {service: sns, action: Publish, input: {TopicArn: "arn:aws:sns:us-east-1:000000000000:no-such-topic", Message: x}}
    expect_error: {type: NotFoundException, message: Topic does not exist}
  - call: {service: sns, action: DeleteTopic, input: {TopicArn: "{{topic}}"}}
  - call: {service: sqs, action: DeleteQueue, input: {QueueUrl: "{{queue}}"}}
""")
        for args in (["--endpoint", server.endpoint], []):
            result = subprocess.run([os.environ["FOGBANK_BIN"], "run", *args, path], capture_output=True, text=True,
                                    timeout=TIMEOUT, cwd=ROOT, check=False)
            self.assertEqual(result.returncode, 0, f"{args}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}")
            self.assertIn("PASS sns calls", result.stdout)

    def test_what_a_live_server_cannot_do_fails_clearly(self):
        server = self.start(["--template", CHAT_TEMPLATE])
        lambda_call = self.write("lambda.yaml", "steps:\n  - call: {service: lambda, action: ListFunctions}\n")
        result = self.run_fogbank(server, lambda_call)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("with --endpoint, call steps reach only the services of AWS's JSON protocol", result.stdout)
        advance = self.write("advance.yaml", "steps:\n  - advance: 1h\n")
        result = self.run_fogbank(server, advance)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("advance waits in real time, at most 30s", result.stdout)

    def test_a_server_without_the_template_names_the_missing_stack(self):
        server = self.start([])
        result = self.run_fogbank(server, "scenarios/chat_websocket.yaml")
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("has no stack 'websocket-chat': start it with `fogbank serve --template", result.stdout)
        bad = subprocess.run([os.environ["FOGBANK_BIN"], "run", "--endpoint", "localhost:1", "scenarios/"],
                             capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT, check=False)
        self.assertEqual(bad.returncode, 2, bad.stdout + bad.stderr)
        self.assertIn("--endpoint: expected http://HOST:PORT", bad.stderr)
        seeded = subprocess.run([os.environ["FOGBANK_BIN"], "run", "--endpoint", server.endpoint, "--seed", "3",
                                 "scenarios/"], capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT, check=False)
        self.assertEqual(seeded.returncode, 2, seeded.stdout + seeded.stderr)
        self.assertIn("--seed applies to in-process runs; with --endpoint, start the server with --seed", seeded.stderr)


if __name__ == "__main__":
    unittest.main()
