"""Lambda event source mappings against a real `fogbank serve`, through the AWS CLI
(/usr/bin/aws, CLI 2.9) and boto3, with the C++ handler records.store compiled into fogbank.

Covers: create/get/list/update/delete-event-source-mapping with the CLI (Lambda's shapes and
errors); SQS -> function with ReportBatchItemFailures (the succeeded messages deleted, the failed
one left in flight), and a message that keeps failing moved to the queue's dead-letter queue by
its RedrivePolicy; a DynamoDB stream -> function from TRIM_HORIZON, in write order, and a poison
record isolated by BisectBatchOnFunctionError and sent to the OnFailure queue; and a mapping
that survives a restart on a data directory.

Delivery is asynchronous on a real clock (a scheduler entry right after the send or write), so
the tests wait for its effect with a bounded deadline, never for a fixed time.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_lambda_event_sources
"""

import io
import json
import tempfile
import time
import unittest
import zipfile

from fogbank_harness import ACCOUNT, REGION, FogbankServer, FogbankTestCase, unique_name

ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"
CLI_SERVICE_ERROR = 254
DELIVERY_DEADLINE = 10.0  # seconds; delivery takes milliseconds, this only bounds a failure


def package():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("README", "C++ handlers are compiled into fogbank\n")
    return buf.getvalue()


def queue_arn(name):
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


class EventSourceMixin:
    def make_consumer(self, lam, table):
        name = unique_name("consumer")
        lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE,
                            Handler="records.store", Code={"ZipFile": package()},
                            Environment={"Variables": {"TABLE_NAME": table}})
        return name

    def wait_for_items(self, ddb, table, count):
        """Scans `table` until it holds `count` items (bounded by DELIVERY_DEADLINE)."""
        deadline = time.monotonic() + DELIVERY_DEADLINE
        items = []
        while time.monotonic() < deadline:
            items = ddb.scan(TableName=table, ConsistentRead=True)["Items"]
            if len(items) >= count:
                return items
            time.sleep(0.02)
        self.fail(f"expected {count} items in {table} within {DELIVERY_DEADLINE} s, found {len(items)}: {items}")


class EventSourceMappingTest(FogbankTestCase, EventSourceMixin):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lam = cls.server.client(service="lambda")
        cls.sqs = cls.server.client(service="sqs")

    def cli(self, *args):
        code, out, err = self.server.aws("lambda", *args)
        self.assertEqual(code, 0, f"aws lambda {' '.join(map(str, args))} exited {code}:\n{err}")
        return out if out != "" else {}

    def test_cli_create_get_list_update_delete(self):
        table = self.create_table()
        queue = unique_name("jobs")
        self.sqs.create_queue(QueueName=queue)
        fn = self.make_consumer(self.lam, table)
        created = self.cli("create-event-source-mapping", "--function-name", fn, "--event-source-arn",
                           queue_arn(queue), "--batch-size", "5")
        self.assertEqual(created["State"], "Creating")
        self.assertEqual(created["StateTransitionReason"], "USER_INITIATED")
        self.assertEqual(created["BatchSize"], 5)
        self.assertEqual(created["EventSourceArn"], queue_arn(queue))
        self.assertIn("LastModified", created)
        uuid = created["UUID"]
        self.assertEqual(self.cli("get-event-source-mapping", "--uuid", uuid)["State"], "Enabled")
        listed = self.cli("list-event-source-mappings", "--function-name", fn)["EventSourceMappings"]
        self.assertEqual([m["UUID"] for m in listed], [uuid])
        updated = self.cli("update-event-source-mapping", "--uuid", uuid, "--no-enabled")
        self.assertEqual(updated["State"], "Disabling")
        self.assertEqual(self.cli("delete-event-source-mapping", "--uuid", uuid)["State"], "Deleting")
        code, _, err = self.server.aws("lambda", "get-event-source-mapping", "--uuid", uuid)
        self.assertEqual(code, CLI_SERVICE_ERROR, err)
        self.assertIn("(ResourceNotFoundException)", err)

        code, _, err = self.server.aws("lambda", "create-event-source-mapping", "--function-name", fn,
                                       "--event-source-arn", queue_arn(queue), "--batch-size", "11")
        self.assertEqual(code, CLI_SERVICE_ERROR, err)
        self.assertIn("(InvalidParameterValueException)", err)
        self.assertIn("Maximum batch window in seconds must be greater than 0 if maximum batch size is "
                      "greater than 10", err)

    def test_sqs_messages_reach_the_function_with_partial_batch_failures(self):
        table = self.create_table()
        url = self.sqs.create_queue(QueueName=unique_name("jobs"))["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        fn = self.make_consumer(self.lam, table)
        self.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn,
                                             FunctionResponseTypes=["ReportBatchItemFailures"])
        sent = [self.sqs.send_message(QueueUrl=url, MessageBody=body)["MessageId"]
                for body in ("first", "fail-me", "second")]
        items = self.wait_for_items(self.ddb, table, 2)
        self.assertEqual(sorted(i["pk"]["S"] for i in items), sorted([sent[0], sent[2]]))
        self.assertEqual({i["source"]["S"] for i in items}, {"aws:sqs"})
        # The failed message stays in flight until its visibility timeout; the others are deleted.
        deadline = time.monotonic() + DELIVERY_DEADLINE
        counts = {}
        while time.monotonic() < deadline:
            counts = self.sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                              "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            if counts == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "1"}:
                break
            time.sleep(0.02)
        self.assertEqual(counts, {"ApproximateNumberOfMessages": "0",
                                  "ApproximateNumberOfMessagesNotVisible": "1"})

    def test_stream_records_reach_the_function_in_order(self):
        source = self.create_table(StreamSpecification={"StreamEnabled": True,
                                                        "StreamViewType": "NEW_AND_OLD_IMAGES"})
        stream_arn = self.ddb.describe_table(TableName=source)["Table"]["LatestStreamArn"]
        sink = self.create_table()
        fn = self.make_consumer(self.lam, sink)
        self.ddb.put_item(TableName=source, Item={"pk": {"S": "a"}})
        created = self.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=stream_arn,
                                                       StartingPosition="TRIM_HORIZON", BatchSize=2)
        self.assertEqual(created["StartingPosition"], "TRIM_HORIZON")
        self.assertEqual(created["StateTransitionReason"], "User action")
        self.ddb.put_item(TableName=source, Item={"pk": {"S": "b"}})
        self.ddb.put_item(TableName=source, Item={"pk": {"S": "b"}, "v": {"N": "2"}})
        self.ddb.delete_item(TableName=source, Key={"pk": {"S": "a"}})
        items = self.wait_for_items(self.ddb, sink, 4)
        # Sequence numbers order the records; the stream's order is the write order.
        ordered = sorted(items, key=lambda i: int(i["pk"]["S"]))
        self.assertEqual([(i["event"]["S"], i["key"]["S"]) for i in ordered],
                         [("INSERT", "a"), ("INSERT", "b"), ("MODIFY", "b"), ("REMOVE", "a")])

    def wait_for(self, what, check):
        deadline = time.monotonic() + DELIVERY_DEADLINE
        value = None
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(0.05)
        self.fail(f"{what} within {DELIVERY_DEADLINE} s (last: {value!r})")

    def test_a_failing_message_ends_in_the_queues_dead_letter_queue(self):
        table = self.create_table()
        dlq = self.sqs.create_queue(QueueName=unique_name("dlq"))["QueueUrl"]
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = self.sqs.create_queue(
            QueueName=unique_name("jobs"),
            Attributes={"VisibilityTimeout": "1",
                        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})})["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        fn = self.make_consumer(self.lam, table)
        self.lam.update_function_configuration(FunctionName=fn, Timeout=1)
        self.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn,
                                             FunctionResponseTypes=["ReportBatchItemFailures"])
        self.sqs.send_message(QueueUrl=url, MessageBody="ok")
        failing = self.sqs.send_message(QueueUrl=url, MessageBody="fail-always")["MessageId"]
        # Received twice (at once, then after the 1 s visibility timeout), then moved by SQS.
        moved = self.wait_for("the failing message in the dead-letter queue", lambda: self.sqs.receive_message(
            QueueUrl=dlq, AttributeNames=["All"]).get("Messages"))
        self.assertEqual([m["MessageId"] for m in moved], [failing])
        self.assertEqual(moved[0]["Body"], "fail-always")
        self.assertEqual(len(self.wait_for_items(self.ddb, table, 1)), 1)

    def test_a_poison_record_is_isolated_by_bisect_and_sent_to_on_failure(self):
        source = self.create_table(StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        stream_arn = self.ddb.describe_table(TableName=source)["Table"]["LatestStreamArn"]
        sink = self.create_table()
        failures = self.sqs.create_queue(QueueName=unique_name("stream-failures"))["QueueUrl"]
        fn = self.make_consumer(self.lam, sink)
        for key in ("a", "b", "poison", "d"):
            self.ddb.put_item(TableName=source, Item={"pk": {"S": key}})
        self.lam.create_event_source_mapping(
            FunctionName=fn, EventSourceArn=stream_arn, StartingPosition="TRIM_HORIZON", BatchSize=4,
            BisectBatchOnFunctionError=True, MaximumRetryAttempts=0,
            DestinationConfig={"OnFailure": {"Destination": queue_arn(failures.rsplit("/", 1)[1])}})
        records = self.wait_for("the OnFailure record", lambda: self.sqs.receive_message(
            QueueUrl=failures).get("Messages"))
        info = json.loads(records[0]["Body"])["DDBStreamBatchInfo"]
        self.assertEqual(info["batchSize"], 1)
        self.assertEqual(info["streamArn"], stream_arn)
        items = self.wait_for_items(self.ddb, sink, 3)
        self.assertEqual(sorted(i["key"]["S"] for i in items), ["a", "b", "d"])
        self.assertNotIn(info["startSequenceNumber"], [i["pk"]["S"] for i in items])


class EventSourceMappingRestartTest(unittest.TestCase, EventSourceMixin):
    """A mapping made before a restart on a data directory still delivers after it."""

    def test_mapping_survives_a_restart(self):
        with tempfile.TemporaryDirectory(prefix="fogbank-esm-") as data_dir:
            with FogbankServer(data_dir=data_dir) as server:
                ddb, lam, sqs = server.client(), server.client(service="lambda"), server.client(service="sqs")
                table = unique_name("sink")
                ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                                 AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
                url = sqs.create_queue(QueueName="restart-jobs")["QueueUrl"]
                fn = self.make_consumer(lam, table)
                lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=queue_arn("restart-jobs"))
                server.stop()
                server.start()
                ddb, lam, sqs = server.client(), server.client(service="lambda"), server.client(service="sqs")
                self.assertEqual(len(lam.list_event_source_mappings(FunctionName=fn)["EventSourceMappings"]), 1)
                sqs.send_message(QueueUrl=url, MessageBody="after the restart")
                items = self.wait_for_items(ddb, table, 1)
                self.assertEqual(items[0]["body"]["S"], "after the restart")


if __name__ == "__main__":
    unittest.main()
