"""`fogbank run scenarios/` (issue 9): every bundled scenario passes, and two runs with the same
seed write the same transcript byte for byte, for the apps in C++ (vote sessions, the visitor
counter's C++ twin), Node.js (the visitor counter on the SDK v2, the backup fan-out and the chat on
the SDK v3: worker processes with the service clock and seeded randomness) and Python (the
single-table design on boto3, behind its HTTP API). A changed seed changes ids and not outcomes; a file with `variants:`
reports each variant; a failing scenario makes the command exit 1 with the step, its file:line and
a diff, and --junit records it.

`fogbank run` starts no server of its own for the user to reach (only a loopback port for its
handlers' SDKs), so this test runs the command rather than the harness's `fogbank serve`.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_scenarios_run
"""

import json
import os
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ElementTree

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCENARIOS = os.path.join(ROOT, "scenarios")
TIMEOUT = 300  # seconds: a hang fails the test instead of stalling ctest
# Functions are named <stack>-<logical id>-<suffix>, the stack after the template's folder.
SINGLE_TABLE_PREFIX = "single-table-ApiFunction-"
CHAT_PREFIX = "chat-AddMessageFunction-"


def fogbank():
    path = os.environ.get("FOGBANK_BIN")
    if not path:
        raise RuntimeError("FOGBANK_BIN is not set: point it at the built `fogbank` executable")
    return path


class ScenariosRun(unittest.TestCase):
    # Every bundled scenario under the default seed, run once for the class: two tests compare it
    # with another run (the same seed, another seed), and each run takes a while under ASan.
    default_seed_run = None

    @classmethod
    def tearDownClass(cls):
        cls.default_seed_run = None

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def default_seed_transcript(self):
        if ScenariosRun.default_seed_run is None:
            ScenariosRun.default_seed_run = self.transcript("default_seed.jsonl")
        return ScenariosRun.default_seed_run

    def run_fogbank(self, *args):
        return subprocess.run([fogbank(), "run", *args], capture_output=True, text=True, timeout=TIMEOUT,
                              cwd=ROOT, check=False)

    def transcript(self, name, *args):
        path = os.path.join(self.dir.name, name)
        result = self.run_fogbank("scenarios/", "--transcript", path, *args)
        self.assertEqual(result.returncode, 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        with open(path, "rb") as f:
            return f.read(), result.stdout

    def test_bundled_scenarios_pass_with_identical_transcripts(self):
        first, stdout = self.default_seed_transcript()
        second, _ = self.transcript("second.jsonl")
        for name in ["chat over WebSocket", "single-table design", "vote sessions", "vote sessions, a kicked voter",
                     "visitor counter [nodejs]", "visitor counter [cpp]", "backup fan-out",
                     "backup fan-out, a poison message ends in the dead-letter queue"]:
            self.assertIn(f"PASS {name} (", stdout)
        self.assertRegex(stdout, r"(?m)^\d+ passed, 0 failed$")
        self.assertGreater(len(first), 0)
        if first != second:
            a, b = first.decode().splitlines(), second.decode().splitlines()
            line = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            self.fail(f"transcripts differ at line {line + 1}:\n{a[line] if line < len(a) else '<end>'}\n"
                      f"{b[line] if line < len(b) else '<end>'}")
        events = [json.loads(line) for line in first.decode().splitlines()]
        # The apps' handlers ran: C++ in process (vote sessions, the visitor counter's twin), Node.js
        # in workers (the visitor counter, the backup fan-out, both chats), Python in a worker (the
        # single-table design, reached through its HTTP API's requests).
        functions = {event["function"] for event in events if event["event"] == "invoke"}
        for prefix in ["vote-sessions-", "visitor-counter-cpp-", "visitor-counter-StreamFunction", "backup-fanout-",
                       "websocket-chat-", SINGLE_TABLE_PREFIX, CHAT_PREFIX]:
            self.assertTrue(any(f.startswith(prefix) for f in functions), f"{prefix} in {sorted(functions)}")
        kinds = {event["event"] for event in events}
        self.assertTrue({"scenario", "template", "step", "connect", "send", "frame", "invoke", "result", "call",
                         "passed"} <= kinds, kinds)

    def test_another_seed_changes_ids_not_outcomes(self):
        first, first_stdout = self.default_seed_transcript()
        other, stdout = self.transcript("seed2.jsonl", "--seed", "12345")
        self.assertRegex(stdout, r"(?m)^\d+ passed, 0 failed$")
        events = lambda text: [json.loads(line) for line in text.decode().splitlines()]  # noqa: E731
        ids = lambda text: [e.get("connection_id") for e in events(text) if e["event"] == "connect"]  # noqa: E731
        self.assertEqual(len(ids(first)), len(ids(other)))
        self.assertNotEqual(ids(first), ids(other))
        # The same outcomes: each scenario's result, each step, each invocation's outcome, who
        # received how many frames.
        results = lambda out: [line.rsplit(" ", 1)[0] for line in out.splitlines()  # noqa: E731
                               if line.startswith(("PASS ", "FAIL "))]
        self.assertEqual(results(first_stdout), results(stdout))
        outline = lambda text: [(e["event"], e.get("kind"), e.get("client"), e.get("outcome"), e.get("accepted"))  # noqa: E731
                                for e in events(text) if e["event"] in ("step", "result", "frame", "connect",
                                                                          "closed_by_server", "passed")]
        a, b = outline(first), outline(other)
        self.assertEqual(len(a), len(b))
        self.assertEqual([x for x in a if x[0] != "result"], [x for x in b if x[0] != "result"])
        self.assertEqual(sorted(x for x in a if x[0] == "result"), sorted(x for x in b if x[0] == "result"))

    def test_a_handlers_first_sdk_error_is_sent_once(self):
        """Responses are dated by the manual clock the handler's clock is frozen at. Dated by the
        wall clock, the AWS SDK for JavaScript v3 saw a skew of years on a worker's first response,
        corrected its clock and retried that response when it was an error: the handler's
        conditional write below went out twice ("after 2 attempt(s)")."""
        code = os.path.join(self.dir.name, "code")
        os.mkdir(code)
        with open(os.path.join(code, "index.js"), "w") as f:
            f.write("const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');\n"
                    "const client = new DynamoDBClient({});\n"
                    "exports.handler = async () => {\n"
                    "  try {\n"
                    "    await client.send(new PutItemCommand({ TableName: process.env.TABLE,\n"
                    "      Item: { pk: { S: 'only-if-there' } }, ConditionExpression: 'attribute_exists(pk)' }));\n"
                    "    return { written: true };\n"
                    "  } catch (e) {\n"
                    "    console.log(`${e.name} after ${e.$metadata.attempts} attempt(s)`);\n"
                    "    return { error: e.name };\n"
                    "  }\n"
                    "};\n")
        with open(os.path.join(self.dir.name, "template.yaml"), "w") as f:
            f.write("Transform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n"
                    "  Table:\n"
                    "    Type: AWS::DynamoDB::Table\n"
                    "    Properties:\n"
                    "      BillingMode: PAY_PER_REQUEST\n"
                    "      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]\n"
                    "      KeySchema: [{AttributeName: pk, KeyType: HASH}]\n"
                    "  WriterFunction:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties: {Runtime: nodejs20.x, Handler: index.handler, CodeUri: ./code,\n"
                    "                 Environment: {Variables: {TABLE: !Ref Table}}}\n")
        scenario = os.path.join(self.dir.name, "first_error.yaml")
        with open(scenario, "w") as f:
            f.write("name: a handler's first SDK error\n"
                    "templates: [template.yaml]\n"
                    "steps:\n"
                    "  - call: {service: lambda, action: Invoke, input: {FunctionName: \"{{Ref.WriterFunction}}\"}}\n"
                    "  - expect_logs: {function: WriterFunction,\n"
                    "                  contains: [\"ConditionalCheckFailedException after 1 attempt(s)\"]}\n")
        result = self.run_fogbank(scenario)
        self.assertEqual(result.returncode, 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        self.assertIn("PASS a handler's first SDK error", result.stdout)

    def test_a_failing_scenario_exits_1_with_a_diff_and_a_junit_report(self):
        bad = os.path.join(self.dir.name, "bad.yaml")
        with open(bad, "w") as f:
            f.write("name: wrong table count\n"
                    "steps:\n"
                    "  - call: {service: dynamodb, action: ListTables, input: {}}\n"
                    "    expect: {TableNames: [missing]}\n")
        junit = os.path.join(self.dir.name, "junit.xml")
        result = self.run_fogbank(bad, "--junit", junit)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("FAIL wrong table count", result.stdout)
        self.assertIn(f"step 1 (call) at {bad}:3:5:", result.stdout)
        self.assertIn("/TableNames: expected 1 elements, found 0", result.stdout)
        self.assertIn("--- expected\n+++ actual\n", result.stdout)
        suite = ElementTree.parse(junit).getroot().find("testsuite")
        self.assertEqual(suite.get("failures"), "1")
        self.assertEqual(suite.find("testcase").get("name"), "wrong table count")

    def test_a_malformed_scenario_names_line_and_column(self):
        bad = os.path.join(self.dir.name, "malformed.yaml")
        with open(bad, "w") as f:
            f.write("steps:\n  - advance: later\n")
        result = self.run_fogbank(bad)
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"{bad}:2:14: expected a duration such as 30s", result.stdout)

    def test_bad_usage_exits_2(self):
        self.assertEqual(self.run_fogbank().returncode, 2)
        self.assertEqual(self.run_fogbank("scenarios/", "--seed", "x").returncode, 2)


if __name__ == "__main__":
    unittest.main()
