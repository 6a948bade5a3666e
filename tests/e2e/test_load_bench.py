"""`fogbank bench` (issue 10): a scenario's client steps run by N virtual users over real sockets
against the server it starts in process. The counts in --json follow from the clients and
iterations (every step of every iteration of every user, and no error); captures are per user;
--compare prints the change per metric; bad usage exits 2 naming the option. No timing is
asserted: only counts.

`fogbank bench` starts its own server, so this test runs the command rather than the harness's
`fogbank serve`.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_load_bench
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from fogbank_harness import FogbankServer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LOAD = os.path.join(ROOT, "scenarios", "load")
TIMEOUT = 300  # seconds: a hang fails the test instead of stalling ctest
CLIENTS = 20
ITERATIONS = 3

# Every user writes its own item and reads it back through a capture; a conditional put of an
# item that exists must fail with the error the step expects.
CALLS = """
name: calls per user
templates: [%s]
steps:
  - call:
      service: dynamodb
      action: PutItem
      input: {TableName: "{{ConnectionIdsTableName}}", Item: {connectionId: {S: "vu-{{vu}}-{{iteration}}"}}}
  - call:
      service: dynamodb
      action: GetItem
      input: {TableName: "{{ConnectionIdsTableName}}", Key: {connectionId: {S: "vu-{{vu}}-{{iteration}}"}}}
    capture: {mine: /Item/connectionId/S}
  - call:
      service: dynamodb
      action: PutItem
      input:
        TableName: "{{ConnectionIdsTableName}}"
        Item: {connectionId: {S: "{{mine}}"}}
        ConditionExpression: attribute_not_exists(connectionId)
    expect_error: {type: ConditionalCheckFailedException}
  - expect_queue: {queue: nothing, visible: 0}
"""

# A WebSocket API whose every message runs a Python function that holds its invocation for 2 s:
# with --lambda-concurrency 1, of the users sending at once one is invoked and the others are
# throttled (TooManyRequestsException), which API Gateway answers with an "Internal server error"
# frame; with as much concurrency as users, none is.
SLOW_ROUTE_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  SlowApi:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: SlowApi, ProtocolType: WEBSOCKET, RouteSelectionExpression: "$request.body.action"}
  DefaultRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref SlowApi, RouteKey: $default, Target: !Sub "integrations/${SlowInteg}"}
  SlowInteg:
    Type: AWS::ApiGatewayV2::Integration
    Properties: {ApiId: !Ref SlowApi, IntegrationType: AWS_PROXY, IntegrationUri: !GetAtt SlowFunction.Arn}
  Deployment:
    Type: AWS::ApiGatewayV2::Deployment
    DependsOn: [DefaultRoute]
    Properties: {ApiId: !Ref SlowApi}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {StageName: load, DeploymentId: !Ref Deployment, ApiId: !Ref SlowApi}
  SlowFunction:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.11, Handler: app.handler, CodeUri: py/, Timeout: 30}
  SlowPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref SlowFunction
      Principal: apigateway.amazonaws.com
"""

SLOW_HANDLER = """
import time


def handler(event, context):
    time.sleep(2)
    return {"statusCode": 200}
"""

SLOW_ROUTE = """
name: a slow route
templates: [%s]
steps:
  - connect: {client: c, api: SlowApi, stage: load}
  - send: {client: c, message: {action: work, n: "{{vu}}"}}
  # Long enough for API Gateway's answer to a throttled send to arrive (at once, even on a slow
  # sanitizer build).
  - advance: 2s
  - disconnect: c
"""
THROTTLED = "Internal server error (route invocation failed or throttled)"


def fogbank():
    path = os.environ.get("FOGBANK_BIN")
    if not path:
        raise RuntimeError("FOGBANK_BIN is not set: point it at the built `fogbank` executable")
    return path


class LoadBench(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def bench(self, *args):
        return subprocess.run([fogbank(), "bench", *args], capture_output=True, text=True, timeout=TIMEOUT,
                              cwd=ROOT, check=False)

    def bench_ok(self, *args):
        done = self.bench(*args)
        self.assertEqual(done.returncode, 0, f"stdout:\n{done.stdout}\nstderr (tail):\n{done.stderr[-3000:]}")
        return done

    def step(self, result, kind):
        self.assertIn(kind, result["steps"], json.dumps(result["steps"], indent=1)[:2000])
        return result["steps"][kind]

    def test_visitor_counter_counts_every_step_and_frame(self):
        out = self.path("visitors.json")
        # Users start spread over 2 s: all twenty connecting in the same instant are twenty
        # $connect invocations at once, over the function's concurrency of 10 (--lambda-concurrency),
        # and a throttled $connect is refused with 502 (seen in CI, on a slow sanitizer build).
        done = self.bench_ok(os.path.join(LOAD, "visitor_counter_cpp.yaml"), "--clients", str(CLIENTS),
                             "--iterations", str(ITERATIONS), "--ramp", "2s", "--json", out)
        with open(out) as f:
            result = json.load(f)
        runs = CLIENTS * ITERATIONS
        for kind in ("connect", "disconnect"):
            step = self.step(result, kind)
            self.assertEqual((step["count"], step["ok"], step["errors"]), (runs, runs, 0), kind)
            self.assertEqual(step["latency_us"]["count"], runs, kind)
        self.assertEqual(result["requests"], 2 * runs)
        self.assertEqual(result["errors"], 0)
        self.assertEqual(result["run"]["clients"], CLIENTS)
        self.assertEqual(result["run"]["iterations"], ITERATIONS)
        # Every connect and disconnect changes the count, which is posted to the connected
        # visitors: frames arrive and are attributed to them.
        self.assertGreater(result["e2e"]["frames"], 0, json.dumps(result["e2e"])[:500])
        self.assertEqual(result["e2e"]["latency_us"]["count"], result["e2e"]["frames"])
        # The table names each kind; the timeline sums to the requests.
        for kind in ("connect", "disconnect", "e2e: cause -> frame"):
            self.assertIn(kind, done.stdout)
        self.assertEqual(sum(s["requests"] for s in result["timeline"]), result["requests"])

    def test_calls_with_captures_and_expected_errors(self):
        scenario = self.path("calls.yaml")
        with open(scenario, "w") as f:
            f.write(CALLS % os.path.join(ROOT, "fixtures", "visitor_counter_cpp", "template.yaml"))
        first = self.path("first.json")
        done = self.bench_ok(scenario, "--clients", str(CLIENTS), "--iterations", str(ITERATIONS), "--json", first)
        with open(first) as f:
            result = json.load(f)
        runs = CLIENTS * ITERATIONS
        self.assertEqual(self.step(result, "call dynamodb.PutItem")["ok"], 2 * runs)
        self.assertEqual(self.step(result, "call dynamodb.GetItem")["ok"], runs)
        self.assertEqual(result["errors"], 0, done.stdout)
        self.assertIn("skipped under load: expect_queue", done.stdout)
        self.assertEqual(len(result["run"]["skipped_steps"]), 1)

        # The same run compared with the first: a row per step and metric.
        second = self.bench_ok(scenario, "--clients", "2", "--iterations", "1", "--compare", first)
        self.assertIn("compared with " + first, second.stdout)
        self.assertRegex(second.stdout, r"call dynamodb\.GetItem\s+p99_us\s+\d")

    def test_a_failing_step_counts_errors_by_type_and_exits_1(self):
        scenario = self.path("failing.yaml")
        with open(scenario, "w") as f:
            f.write("name: failing\nsteps:\n"
                    "  - call: {service: dynamodb, action: GetItem, input: {TableName: missing, Key: {k: {S: x}}}}\n"
                    "  - call: {service: dynamodb, action: ListTables, input: {}}\n")
        out = self.path("failing.json")
        done = self.bench(scenario, "--clients", "3", "--iterations", "2", "--json", out)
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr[-2000:])
        with open(out) as f:
            result = json.load(f)
        get = self.step(result, "call dynamodb.GetItem")
        self.assertEqual(get["errors_by_type"], {"ResourceNotFoundException": 6})
        # A failed step ends the user's iteration: the next step never ran.
        self.assertNotIn("call dynamodb.ListTables", result["steps"])
        self.assertIn("call dynamodb.GetItem: ResourceNotFoundException x6", done.stdout)

    def test_html_report_renders_its_charts_in_chromium(self):
        page = self.path("report.html")
        self.bench_ok(os.path.join(LOAD, "visitor_counter_cpp.yaml"), "--clients", "5", "--iterations", "2",
                      "--html", page)
        with open(page) as f:
            html = f.read()
        # Self-contained: nothing is fetched.
        self.assertNotRegex(html, r'(src|href)="(https?:)?//')
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        self.assertTrue(os.path.exists(chromium), "chromium is not installed (scripts/dev.sh installs it)")
        profile = tempfile.TemporaryDirectory()
        self.addCleanup(profile.cleanup)
        # The flags of /work/.library/env/machines/cpp.md: no sandbox as root, no background
        # connections on a closed network, a fresh profile.
        done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                               "--no-first-run", "--disable-background-networking", "--disable-component-update",
                               "--disable-sync", "--user-data-dir=" + profile.name, "--dump-dom",
                               "file://" + page], capture_output=True, text=True, timeout=TIMEOUT, check=False)
        self.assertEqual(done.returncode, 0, done.stderr[-2000:])
        dom = done.stdout
        # Histograms of connect, disconnect and e2e, then throughput, latency and errors over time.
        self.assertIn('data-charts="6"', dom, dom[-3000:])
        for chart in ("throughput", "latency", "errors"):
            self.assertRegex(dom, r'<svg[^>]*id="%s"[^>]*data-rendered="yes"' % chart)
        self.assertGreater(len(re.findall(r"<rect ", dom)), 3, "the histograms have bars")
        self.assertGreaterEqual(len(re.findall(r"<path d=\"M", dom)), 3, "the time series have lines")

    def test_throttled_route_invocations_are_errors(self):
        os.mkdir(self.path("py"))
        with open(self.path(os.path.join("py", "app.py")), "w") as f:
            f.write(SLOW_HANDLER)
        with open(self.path("template.yaml"), "w") as f:
            f.write(SLOW_ROUTE_TEMPLATE)
        scenario = self.path("slow.yaml")
        with open(scenario, "w") as f:
            f.write(SLOW_ROUTE % self.path("template.yaml"))
        users = 4

        # One invocation at a time: the sends that find the function busy were written, but API
        # Gateway answered them with its error frame, so they count as errors and the run fails.
        throttled = self.path("throttled.json")
        done = self.bench(scenario, "--clients", str(users), "--iterations", "1", "--lambda-concurrency", "1",
                          "--json", throttled)
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr[-2000:])
        with open(throttled) as f:
            result = json.load(f)
        self.assertEqual(result["run"]["lambda_concurrency"], 1)
        send = self.step(result, "send")
        self.assertEqual(send["count"], users)
        self.assertGreaterEqual(send["errors_by_type"].get(THROTTLED, 0), 1, json.dumps(send)[:1000])
        self.assertEqual(send["ok"] + send["errors"], users)
        self.assertEqual(result["errors"], send["errors"])
        self.assertIn(THROTTLED, done.stdout)
        self.assertIn("Lambda concurrency 1", done.stdout)
        # The server counted them too: every throttled send is one throttled invocation.
        (function, counts), = result["lambda"].items()
        self.assertIn("SlowFunction", function)
        self.assertEqual(counts["throttles"], send["errors"], json.dumps(result["lambda"]))
        self.assertEqual(counts["invocations"] + counts["throttles"], users)
        self.assertIn("throttled (TooManyRequestsException)", done.stdout)

        # As many invocations at once as users: none is throttled, no error.
        enough = self.path("enough.json")
        self.bench_ok(scenario, "--clients", str(users), "--iterations", "1", "--lambda-concurrency", str(users),
                      "--json", enough)
        with open(enough) as f:
            result = json.load(f)
        self.assertEqual(result["errors"], 0)
        self.assert_counts(result, {"connect": users, "send": users, "disconnect": users})
        self.assertEqual([(c["invocations"], c["throttles"]) for c in result["lambda"].values()], [(users, 0)])

    # The bundled profiles of scenarios/load at a tiny size: each step kind ran, for every user and
    # iteration, without an error.
    def profile(self, name, *args):
        out = self.path(name + ".json")
        done = self.bench_ok(os.path.join(LOAD, name + ".yaml"), *args, "--json", out)
        with open(out) as f:
            result = json.load(f)
        self.assertEqual(result["errors"], 0, done.stdout)
        return result

    def assert_counts(self, result, counts):
        for kind, count in counts.items():
            step = self.step(result, kind)
            self.assertEqual((step["count"], step["ok"], step["errors"]), (count, count, 0), kind)

    def test_vote_session_profile(self):
        result = self.profile("vote_session", "--clients", "3", "--iterations", "1")
        self.assert_counts(result, {"connect": 3, "send": 6, "disconnect": 3})
        # Each join, vote and leave is posted to the session's connections through the topic.
        self.assertGreater(result["e2e"]["frames"] + result["e2e"]["unattributed_frames"], 0,
                           json.dumps(result["e2e"])[:500])

    def test_backup_fanout_profile(self):
        # The profile with its watchers staying 4 s instead of 20 (the test's time), its paths made
        # absolute for the copy.
        with open(os.path.join(LOAD, "backup_fanout.yaml")) as f:
            text = f.read()
        for old, new in (("../../fixtures/", os.path.join(ROOT, "fixtures") + "/"),
                         ("file: data/", "file: " + os.path.join(LOAD, "data") + "/"),
                         ("advance: 3s", "advance: 1s"), ("advance: 20s", "advance: 4s")):
            self.assertIn(old, text)
            text = text.replace(old, new)
        scenario = self.path("backup_fanout.yaml")
        with open(scenario, "w") as f:
            f.write(text)
        out = self.path("backup_fanout.json")
        done = self.bench_ok(scenario, "--clients", "2", "--iterations", "1", "--json", out)
        with open(out) as f:
            result = json.load(f)
        self.assertEqual(result["errors"], 0, done.stdout)
        self.assert_counts(result, {"connect": 2, "call sqs.SendMessage": 2, "disconnect": 2})

    def test_chat_rest_profile_at_a_fixed_rate(self):
        result = self.profile("chat_rest", "--clients", "2", "--iterations", "2", "--rate", "20")
        self.assert_counts(result, {"request POST /add-message": 4, "request GET /get-contacts": 4})
        self.assertEqual(result["run"]["rate_per_second"], 20)

    def test_rate_paces_the_requests(self):
        # 20 fast calls at 20 a second take at least 19 intervals of 50 ms (without --rate, a few
        # milliseconds).
        scenario = self.path("paced.yaml")
        with open(scenario, "w") as f:
            f.write("name: paced\nsteps:\n  - call: {service: dynamodb, action: ListTables, input: {}}\n")
        out = self.path("paced.json")
        self.bench_ok(scenario, "--clients", "4", "--iterations", "5", "--rate", "20", "--json", out)
        with open(out) as f:
            result = json.load(f)
        self.assert_counts(result, {"call dynamodb.ListTables": 20})
        self.assertGreaterEqual(result["run"]["elapsed_seconds"], 0.95)

    def test_against_a_started_server(self):
        # --endpoint: a `fogbank serve` with the profile's template; the data goes into its table
        # and the votes land there, read back with boto3 after the run.
        template = os.path.join(ROOT, "fixtures", "vote_sessions", "template.yaml")
        server = FogbankServer(extra_args=["--template", template]).start()
        self.addCleanup(server.stop)
        out = self.path("endpoint.json")
        self.bench_ok(os.path.join(LOAD, "vote_session.yaml"), "--clients", "3", "--iterations", "1",
                      "--endpoint", server.endpoint, "--json", out)
        with open(out) as f:
            result = json.load(f)
        self.assertEqual(result["errors"], 0)
        self.assertEqual(result["run"]["endpoint"], server.endpoint)
        self.assert_counts(result, {"connect": 3, "send": 6, "disconnect": 3})
        # The running server's Lambda counts over the run (GET /_fogbank/lambda/metrics): every send
        # ran its route's function, none was throttled.
        self.assertGreaterEqual(sum(c["invocations"] for c in result["lambda"].values()), 6, result["lambda"])
        self.assertEqual([c["throttles"] for c in result["lambda"].values() if c["throttles"]], [])
        self.assertNotIn("lambda_concurrency", result["run"])
        dynamodb = server.client()
        table = next(t for t in dynamodb.list_tables()["TableNames"] if "SessionsTable" in t)
        session = dynamodb.get_item(TableName=table, Key={"sessionId": {"S": "load-session"}},
                                    ConsistentRead=True)["Item"]
        self.assertEqual(sorted(v["S"] for v in session["votes"]["M"].values()), ["v0", "v1", "v2"])

    def test_bad_usage_exits_2_naming_the_option(self):
        cases = [
            ([os.path.join(LOAD, "visitor_counter_cpp.yaml"), "--clients", "2"],
             "give exactly one of --duration and --iterations"),
            ([os.path.join(LOAD, "visitor_counter_cpp.yaml"), "--clients", "0", "--iterations", "1"],
             "--clients: 0 is out of range"),
            (["--clients", "2", "--iterations", "1"], "name a scenario file"),
            ([os.path.join(LOAD, "chat_rest.yaml"), "--clients", "2", "--iterations", "1", "--rate", "0"],
             "--rate: 0 is out of range"),
            ([os.path.join(LOAD, "visitor_counter_cpp.yaml"), "--clients", "2", "--iterations", "1",
              "--lambda-concurrency", "1001"], "--lambda-concurrency: 1001 is out of range (1 to 1000)"),
        ]
        for args, message in cases:
            done = self.bench(*args)
            self.assertEqual(done.returncode, 2, f"{args}: {done.stderr}")
            self.assertIn(message, done.stderr, args)
        missing = self.bench(self.path("nope.yaml"), "--clients", "1", "--iterations", "1")
        self.assertEqual(missing.returncode, 1, missing.stderr)
        self.assertIn("nope.yaml", missing.stderr)


if __name__ == "__main__":
    unittest.main()
