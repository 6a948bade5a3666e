"""Node.js and Python functions on a real `fogbank serve`, created and invoked the way a user does
it: boto3 and the AWS CLI (/usr/bin/aws, CLI 2.9) against Lambda's API, code from a zip or from a
local directory (the hot-reload extension), run by the machine's own `node` and `python3` in
worker processes that talk to fogbank's Lambda Runtime API.

Covers: a Node.js handler (ES module) with the AWS SDK for JavaScript v3 that fogbank provides
without bundling, writing DynamoDB and sending to SQS; the same with the SDK v2 from the project's
own node_modules; a Python handler with Debian's boto3; batches in flight at once for an SQS
mapping's MaximumConcurrency and a DynamoDB stream mapping's ParallelizationFactor; `aws lambda
invoke` of a Node.js function; a handler that throws (Lambda's error payload and X-Amz-Function-Error: Unhandled), one past its
timeout (Sandbox.Timedout, the worker replaced), one whose process exits (Runtime.ExitError); and
that the server keeps serving after each.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_lambda_workers
"""

import base64
import json
import os
import tempfile
import time
import unittest

from fogbank_harness import ACCOUNT, FogbankTestCase, make_zip, unique_name

ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"
HERE = os.path.dirname(os.path.abspath(__file__))
# aws-sdk v2, installed by `npm ci` there (scripts/dev.sh): handlers of the SDK v2 bring it in
# their own node_modules, as on Lambda (where the Node.js 18+ runtimes no longer carry it).
SDK_V2_MODULES = os.path.join(HERE, "..", "unit", "workers", "node_packages", "node_modules")

NODE_SDK_V3 = """
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const sqs = new SQSClient({});
export const handler = async (event, context) => {
  await ddb.send(new PutCommand({ TableName: event.table, Item: { id: event.id, sdk: 'v3',
                                                                   fn: context.functionName } }));
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl: event.queueUrl,
                                                       MessageBody: JSON.stringify({ id: event.id }) }));
  return { messageId: sent.MessageId, region: process.env.AWS_REGION };
};
"""

NODE_SDK_V2 = """
const AWS = require('aws-sdk');
const ddb = new AWS.DynamoDB.DocumentClient();
const sqs = new AWS.SQS();
exports.handler = async (event) => {
  await ddb.put({ TableName: event.table, Item: { id: event.id, sdk: 'v2' } }).promise();
  const sent = await sqs.sendMessage({ QueueUrl: event.queueUrl,
                                       MessageBody: JSON.stringify({ id: event.id }) }).promise();
  return { messageId: sent.MessageId };
};
"""

PYTHON_BOTO3 = """
import json
import boto3
table_resource = boto3.resource("dynamodb")
sqs = boto3.client("sqs")
def handler(event, context):
    table_resource.Table(event["table"]).put_item(Item={"id": event["id"], "sdk": "boto3",
                                                        "fn": context.function_name})
    sent = sqs.send_message(QueueUrl=event["queueUrl"], MessageBody=json.dumps({"id": event["id"]}))
    return {"messageId": sent["MessageId"]}
"""

# Counts batches inside the handler in a DynamoDB item ("inside") and keeps the most seen at once
# ("peak"). The first batch waits (at most 10 s) for a second one to come in beside it, so that a
# mapping that allows two batches at once shows two, and one that allows one shows one.
PYTHON_CONCURRENCY = """
import os, time
import boto3
ddb = boto3.client("dynamodb")
TABLE = os.environ["TABLE"]

def count(key, by):
    out = ddb.update_item(TableName=TABLE, Key={"id": {"S": key}}, UpdateExpression="ADD n :by",
                          ExpressionAttributeValues={":by": {"N": str(by)}}, ReturnValues="UPDATED_NEW")
    return int(out["Attributes"]["n"]["N"])

def read(key):
    item = ddb.get_item(TableName=TABLE, Key={"id": {"S": key}}, ConsistentRead=True).get("Item")
    return int(item["n"]["N"]) if item else 0

def note_peak(now):
    try:
        ddb.update_item(TableName=TABLE, Key={"id": {"S": "peak"}}, UpdateExpression="SET n = :now",
                        ConditionExpression="attribute_not_exists(n) OR n < :now",
                        ExpressionAttributeValues={":now": {"N": str(now)}})
    except ddb.exceptions.ConditionalCheckFailedException:
        pass

def handler(event, context):
    now = count("inside", 1)
    note_peak(now)
    deadline = time.monotonic() + 10
    while now < 2 and read("peak") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
        now = read("inside")
        note_peak(now)
    count("inside", -1)
    count("done", len(event["Records"]))
    return {}
"""

# Counts the batches inside the handler at once (in a table of its own, not the streamed one) and
# waits until TARGET were inside together, or WAIT seconds: a peak below TARGET means no more
# batches could run beside this one.
PYTHON_STREAM_CONCURRENCY = """
import os, time
import boto3
ddb = boto3.client("dynamodb")
TABLE = os.environ["TABLE"]
TARGET = int(os.environ["TARGET"])
WAIT = float(os.environ["WAIT"])

def count(key, by):
    out = ddb.update_item(TableName=TABLE, Key={"id": {"S": key}}, UpdateExpression="ADD n :by",
                          ExpressionAttributeValues={":by": {"N": str(by)}}, ReturnValues="UPDATED_NEW")
    return int(out["Attributes"]["n"]["N"])

def read(key):
    item = ddb.get_item(TableName=TABLE, Key={"id": {"S": key}}, ConsistentRead=True).get("Item")
    return int(item["n"]["N"]) if item else 0

def note_peak(now):
    try:
        ddb.update_item(TableName=TABLE, Key={"id": {"S": "peak"}}, UpdateExpression="SET n = :now",
                        ConditionExpression="attribute_not_exists(n) OR n < :now",
                        ExpressionAttributeValues={":now": {"N": str(now)}})
    except ddb.exceptions.ConditionalCheckFailedException:
        pass

def handler(event, context):
    note_peak(count("inside", 1))
    deadline = time.monotonic() + WAIT
    while read("peak") < TARGET and time.monotonic() < deadline:
        time.sleep(0.05)
        note_peak(read("inside"))
    count("inside", -1)
    count("done", len(event["Records"]))
    return {}
"""

NODE_MISBEHAVING = """
exports.throws = async () => { throw new TypeError('no such order'); };
exports.exits = async () => { process.exit(3); };
exports.echo = async (event) => ({ echoed: event });
"""

PYTHON_SLOW = """
import time
def handler(event, context):
    time.sleep(30)
    return "too late"
def quick(event, context):
    return {"remaining_ms_positive": context.get_remaining_time_in_millis() > 0}
"""


class LambdaWorkersTest(FogbankTestCase):
    """One server for the class; each test makes its own functions, table and queue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lam = cls.server.client(service="lambda")
        cls.sqs = cls.server.client(service="sqs")
        cls.ddb = cls.server.client()
        cls.tmp = tempfile.TemporaryDirectory(prefix="fogbank-workers-e2e-")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
        super().tearDownClass()

    # ---- helpers -------------------------------------------------------------------------------

    def create_function(self, runtime, handler, code, timeout=20):
        name = unique_name("fn")
        self.lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                                 Code=code, Timeout=timeout)
        return name

    def invoke(self, name, event):
        answer = self.lam.invoke(FunctionName=name, Payload=json.dumps(event).encode(), LogType="Tail")
        payload = json.loads(answer["Payload"].read())
        log = base64.b64decode(answer.get("LogResult", "")).decode("utf-8", "replace")
        return answer, payload, log

    def table_and_queue(self):
        table = unique_name("orders")
        self.ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        queue_url = self.sqs.create_queue(QueueName=unique_name("events"))["QueueUrl"]
        return table, queue_url

    def assert_written(self, table, queue_url, order_id, sdk, message_id):
        item = self.ddb.get_item(TableName=table, Key={"id": {"S": order_id}}).get("Item")
        self.assertIsNotNone(item, f"the handler's item {order_id} is not in {table}")
        self.assertEqual(item["sdk"], {"S": sdk})
        messages = self.sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", [])
        self.assertEqual([(m["MessageId"], json.loads(m["Body"])) for m in messages],
                         [(message_id, {"id": order_id})])

    def assert_still_serving(self, name):
        """The server, and a fresh worker of the same function, answer after a failure."""
        answer, payload, _ = self.invoke(name, {"after": "failure"})
        self.assertEqual((answer["StatusCode"], answer.get("FunctionError"), payload),
                         (200, None, {"echoed": {"after": "failure"}}))

    # ---- handlers that work ----------------------------------------------------------------------

    def test_node_esm_handler_with_sdk_v3_writes_dynamodb_and_sqs(self):
        table, queue_url = self.table_and_queue()
        name = self.create_function("nodejs20.x", "index.handler",
                                    {"ZipFile": make_zip({"index.mjs": NODE_SDK_V3})})
        answer, payload, log = self.invoke(name, {"id": "o-1", "table": table, "queueUrl": queue_url})
        self.assertEqual(answer["StatusCode"], 200)
        self.assertNotIn("FunctionError", answer, payload)
        self.assertEqual(payload["region"], "us-east-1")
        self.assert_written(table, queue_url, "o-1", "v3", payload["messageId"])
        item = self.ddb.get_item(TableName=table, Key={"id": {"S": "o-1"}})["Item"]
        self.assertEqual(item["fn"], {"S": name})
        self.assertIn("START RequestId: ", log)
        self.assertIn("REPORT RequestId: ", log)

    def test_node_handler_with_sdk_v2_from_its_own_node_modules(self):
        self.assertTrue(os.path.isdir(os.path.join(SDK_V2_MODULES, "aws-sdk")),
                        "aws-sdk v2 is missing: npm ci in tests/unit/workers/node_packages (scripts/dev.sh)")
        code_dir = os.path.join(self.tmp.name, unique_name("v2"))
        os.makedirs(code_dir)
        with open(os.path.join(code_dir, "index.js"), "w") as f:
            f.write(NODE_SDK_V2)
        os.symlink(os.path.abspath(SDK_V2_MODULES), os.path.join(code_dir, "node_modules"))
        table, queue_url = self.table_and_queue()
        name = self.create_function("nodejs20.x", "index.handler",
                                    {"S3Bucket": "hot-reload", "S3Key": code_dir})
        answer, payload, _ = self.invoke(name, {"id": "o-2", "table": table, "queueUrl": queue_url})
        self.assertNotIn("FunctionError", answer, payload)
        self.assert_written(table, queue_url, "o-2", "v2", payload["messageId"])

    def test_python_handler_with_debians_boto3(self):
        table, queue_url = self.table_and_queue()
        name = self.create_function("python3.11", "app.handler",
                                    {"ZipFile": make_zip({"app.py": PYTHON_BOTO3})})
        answer, payload, _ = self.invoke(name, {"id": "o-3", "table": table, "queueUrl": queue_url})
        self.assertNotIn("FunctionError", answer, payload)
        self.assert_written(table, queue_url, "o-3", "boto3", payload["messageId"])
        item = self.ddb.get_item(TableName=table, Key={"id": {"S": "o-3"}})["Item"]
        self.assertEqual(item["fn"], {"S": name})

    def test_sqs_mapping_runs_up_to_maximum_concurrency_batches_at_once(self):
        table = unique_name("concurrency")
        self.ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        queue_url = self.sqs.create_queue(QueueName=unique_name("work"),
                                          Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=queue_url,
                                                  AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        name = unique_name("fn")
        self.lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="app.handler",
                                 Code={"ZipFile": make_zip({"app.py": PYTHON_CONCURRENCY})}, Timeout=30,
                                 Environment={"Variables": {"TABLE": table}})
        # Debian's boto3 1.26 predates ScalingConfig; its CLI 2.9 has it.
        code, mapping, err = self.server.aws("lambda", "create-event-source-mapping", "--event-source-arn",
                                             queue_arn, "--function-name", name, "--batch-size", "1",
                                             "--scaling-config", "MaximumConcurrency=2")
        self.assertEqual(code, 0, err)
        self.assertEqual(mapping["ScalingConfig"], {"MaximumConcurrency": 2})
        messages = 6
        self.sqs.send_message_batch(QueueUrl=queue_url, Entries=[{"Id": str(i), "MessageBody": f"job {i}"}
                                                                 for i in range(messages)])

        def counter(key):
            item = self.ddb.get_item(TableName=table, Key={"id": {"S": key}}, ConsistentRead=True).get("Item")
            return int(item["n"]["N"]) if item else 0

        deadline = time.monotonic() + 90
        while counter("done") < messages and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(counter("done"), messages, "every message handled")
        # Two batches were inside the handler at once, and never more than ScalingConfig allows.
        self.assertEqual(counter("peak"), 2)
        self.assertEqual(counter("inside"), 0)

    def stream_batches_at_once(self, items, target, wait, factor=None):
        """The most batches of one shard's records inside the handler at once, for `items` items
        written once each to a streamed table whose mapping has BatchSize 1 and `factor`."""
        source = unique_name("source")
        self.ddb.create_table(TableName=source, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                              StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        stream_arn = self.ddb.describe_table(TableName=source)["Table"]["LatestStreamArn"]
        counters = unique_name("counters")
        self.ddb.create_table(TableName=counters, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        name = unique_name("fn")
        self.lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="app.handler",
                                 Code={"ZipFile": make_zip({"app.py": PYTHON_STREAM_CONCURRENCY})}, Timeout=30,
                                 Environment={"Variables": {"TABLE": counters, "TARGET": str(target),
                                                            "WAIT": str(wait)}})
        extra = {} if factor is None else {"ParallelizationFactor": factor}
        mapping = self.lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName=name,
                                                       StartingPosition="TRIM_HORIZON", BatchSize=1, **extra)
        self.assertEqual(mapping["ParallelizationFactor"], factor or 1)
        # Fixed keys: which batcher an item goes to is a hash of its key, the same in every run.
        for i in range(items):
            self.ddb.put_item(TableName=source, Item={"id": {"S": f"order-{i}"}})

        def counter(key):
            item = self.ddb.get_item(TableName=counters, Key={"id": {"S": key}}, ConsistentRead=True).get("Item")
            return int(item["n"]["N"]) if item else 0

        deadline = time.monotonic() + 90
        while counter("done") < items and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(counter("done"), items, "every record handled")
        self.assertEqual(counter("inside"), 0)
        return counter("peak")

    def test_stream_mapping_runs_parallelization_factor_batches_of_a_shard_at_once(self):
        # "The number of batches to process concurrently from each shard" (API_CreateEventSourceMapping).
        self.assertEqual(self.stream_batches_at_once(items=9, target=3, wait=5, factor=3), 3)

    def test_stream_mapping_without_parallelization_factor_runs_one_batch_at_a_time(self):
        # Each batch waits 1.5 s for a second one beside it, which never comes.
        self.assertEqual(self.stream_batches_at_once(items=3, target=2, wait=1.5), 1)

    def test_cli_invokes_a_node_function(self):
        name = self.create_function("nodejs20.x", "index.echo",
                                    {"ZipFile": make_zip({"index.js": NODE_MISBEHAVING})})
        out = os.path.join(self.tmp.name, unique_name("out") + ".json")
        code, result, err = self.server.aws("lambda", "invoke", "--function-name", name,
                                            "--cli-binary-format", "raw-in-base64-out",
                                            "--payload", '{"hello": "cli"}', out)
        self.assertEqual(code, 0, err)
        self.assertEqual(result["StatusCode"], 200)
        self.assertNotIn("FunctionError", result)
        with open(out) as f:
            self.assertEqual(json.load(f), {"echoed": {"hello": "cli"}})

    # ---- handlers that misbehave ---------------------------------------------------------------

    def test_a_throwing_node_handler_is_an_unhandled_function_error(self):
        code = {"ZipFile": make_zip({"index.js": NODE_MISBEHAVING})}
        name = self.create_function("nodejs20.x", "index.throws", code)
        answer, payload, _ = self.invoke(name, {})
        self.assertEqual((answer["StatusCode"], answer.get("FunctionError")), (200, "Unhandled"))
        self.assertEqual((payload["errorType"], payload["errorMessage"]), ("TypeError", "no such order"))
        self.assertIsInstance(payload["trace"], list)
        self.assert_still_serving(self.create_function("nodejs20.x", "index.echo", code))

    def test_a_node_process_that_exits_is_runtime_exit_error(self):
        code = {"ZipFile": make_zip({"index.js": NODE_MISBEHAVING})}
        name = self.create_function("nodejs20.x", "index.exits", code)
        answer, payload, _ = self.invoke(name, {})
        self.assertEqual((answer["StatusCode"], answer.get("FunctionError")), (200, "Unhandled"))
        self.assertEqual(payload["errorType"], "Runtime.ExitError")
        self.assertIn("exit status 3", payload["errorMessage"])
        self.assert_still_serving(self.create_function("nodejs20.x", "index.echo", code))

    def test_a_python_handler_past_its_timeout_is_sandbox_timedout(self):
        code = {"ZipFile": make_zip({"app.py": PYTHON_SLOW})}
        name = self.create_function("python3.11", "app.handler", code, timeout=1)
        answer, payload, _ = self.invoke(name, {})
        self.assertEqual((answer["StatusCode"], answer.get("FunctionError")), (200, "Unhandled"))
        self.assertEqual(payload["errorType"], "Sandbox.Timedout")
        self.assertTrue(payload["errorMessage"].endswith("Task timed out after 1.00 seconds"), payload)
        quick = self.create_function("python3.11", "app.quick", code)
        answer, payload, _ = self.invoke(quick, {})
        self.assertEqual((answer.get("FunctionError"), payload), (None, {"remaining_ms_positive": True}))


if __name__ == "__main__":
    unittest.main()
