"""Under a fixed seed, the ids fogbank hands out depend on the requests that make resources, and on
nothing else (issue 6: request ids come from their own id stream).

`fogbank serve --seed 7 --in-memory` is started twice and sent the same sequence of requests:
tables with streams, item writes, queues (standard and FIFO), sends, receives and stream reads.
The second run also has health calls (`GET /_fogbank/health`) and failing requests (bad JSON,
missing tables and queues, a failed condition, an invalid parameter) between every two steps.
Table ids and ARNs, stream ARNs and labels, shard ids, queue URLs and ARNs, message ids, FIFO
sequence numbers, receipt handles, stream record eventIDs and sequence numbers must be identical.

A control test sends the same requests twice without the extra traffic: it shows that the runs
are comparable at all, so that a difference in the other test is the extra traffic's doing.

Stream labels (and so stream ARNs) and the first part of shard ids are the stream's creation time
on the server's clock, as on AWS (a label looks like 2024-01-01T00:00:00.000). `fogbank serve`
runs on the real clock, so two runs cannot agree on them: both tests compare them with that time
masked (and check that it is such a time), and compare everything else about them exactly.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_seed_determinism
"""

import re
import unittest

from botocore.exceptions import ClientError

from fogbank_harness import ACCOUNT, FogbankServer

SEED = "7"
LABEL_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}")
SHARD_RE = re.compile(r"^shardId-(\d{20})-([0-9a-f]{8})$")


def mask_clock(field, value):
    """The value with the server-clock part of a stream label, stream ARN or shard id masked.
    Raises AssertionError if that part is not the time it should be."""
    if field.endswith("StreamLabel"):
        if not LABEL_RE.fullmatch(value):
            raise AssertionError(f"{field}: {value!r} is not a stream label (a creation time)")
        return "<creation time>"
    if field.endswith("StreamArn"):
        head, sep, label = value.rpartition("/stream/")
        if not sep or not LABEL_RE.fullmatch(label):
            raise AssertionError(f"{field}: {value!r} does not end in /stream/<creation time>")
        return f"{head}/stream/<creation time>"
    if field.endswith(".ShardId"):
        m = SHARD_RE.match(value)
        if not m:
            raise AssertionError(f"{field}: {value!r} is not shardId-<20 digits>-<8 hex digits>")
        return f"shardId-<creation time>-{m.group(2)}"
    return value


class Transcript:
    """The ids one run handed out, in the order it got them: [(field, value)]."""

    def __init__(self):
        self.rows = []

    def add(self, field, value):
        self.rows.append((field, mask_clock(field, value)))


class Noise:
    """Extra traffic between two steps: a health call and one failing request, in turn."""

    def __init__(self, test, server, ddb, sqs):
        self.test, self.server, self.ddb, self.sqs = test, server, ddb, sqs
        self.turn = 0

    def __call__(self):
        status, body, _ = self.server.http("GET", "/_fogbank/health")
        self.test.assertEqual(status, 200, body)
        failing = [
            lambda: self.server.raw("PutItem", "not json"),
            lambda: self.ddb.describe_table(TableName="no-such-table"),
            # A condition that fails (or a table not created yet): nothing is written.
            lambda: self.ddb.put_item(TableName="seed-orders", Item={"pk": {"S": "never"}},
                                      ConditionExpression="attribute_exists(pk)"),
            lambda: self.sqs.get_queue_url(QueueName="no-such-queue"),
            lambda: self.sqs.send_message(QueueUrl=f"{self.server.endpoint}/{ACCOUNT}/no-such-queue",
                                          MessageBody="x"),
            lambda: self.sqs.receive_message(QueueUrl=f"{self.server.endpoint}/{ACCOUNT}/seed-jobs",
                                             MaxNumberOfMessages=11),
        ]
        call = failing[self.turn % len(failing)]
        self.turn += 1
        try:
            result = call()
        except ClientError:
            return
        # raw() answers instead of raising.
        status = result[0] if isinstance(result, tuple) else 200
        self.test.assertEqual(status, 400, f"extra request {self.turn} was meant to fail: {result!r}")


def scenario(test, server, clients, extra_traffic):
    """The requests both runs send, with Noise before each step if extra_traffic. Returns the
    Transcript."""
    ddb, streams, sqs = clients["ddb"], clients["streams"], clients["sqs"]
    out = Transcript()
    noise = Noise(test, server, ddb, sqs)

    def step():
        if extra_traffic:
            noise()

    # Tables with streams.
    step()
    ddb.create_table(TableName="seed-orders", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     StreamSpecification={"StreamEnabled": True,
                                          "StreamViewType": "NEW_AND_OLD_IMAGES"})
    step()
    ddb.create_table(TableName="seed-events", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "N"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}],
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    tables = ("seed-orders", "seed-events")
    for name in tables:
        step()
        table = ddb.describe_table(TableName=name)["Table"]
        for key in ("TableId", "TableArn", "LatestStreamArn", "LatestStreamLabel"):
            out.add(f"{name}.{key}", table[key])

    # Item writes, each of which makes a stream record.
    for i in range(3):
        step()
        ddb.put_item(TableName="seed-orders", Item={"pk": {"S": f"o{i}"}, "n": {"N": str(i)}})
    step()
    ddb.update_item(TableName="seed-orders", Key={"pk": {"S": "o1"}}, UpdateExpression="SET n = :n",
                    ExpressionAttributeValues={":n": {"N": "10"}})
    step()
    ddb.delete_item(TableName="seed-orders", Key={"pk": {"S": "o2"}})
    step()
    ddb.batch_write_item(RequestItems={"seed-events": [
        {"PutRequest": {"Item": {"pk": {"S": "e"}, "sk": {"N": str(i)}}}} for i in range(3)]})

    # Queues, sends and receives.
    urls = {}
    for name, attributes in (("seed-jobs", {}),
                             ("seed-jobs.fifo", {"FifoQueue": "true",
                                                 "ContentBasedDeduplication": "true"})):
        step()
        urls[name] = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        # The URL starts with the endpoint the client used, whose port differs between runs.
        test.assertTrue(urls[name].startswith(server.endpoint + "/"), urls[name])
        out.add(f"{name}.QueueUrl", "<endpoint>" + urls[name][len(server.endpoint):])
        step()
        out.add(f"{name}.QueueArn", sqs.get_queue_attributes(
            QueueUrl=urls[name], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
    for i in range(3):
        step()
        out.add(f"seed-jobs.send[{i}].MessageId",
                sqs.send_message(QueueUrl=urls["seed-jobs"], MessageBody=f"job {i}")["MessageId"])
    step()
    batch = sqs.send_message_batch(QueueUrl=urls["seed-jobs"], Entries=[
        {"Id": f"b{i}", "MessageBody": f"batch {i}"} for i in range(2)])
    for entry in sorted(batch["Successful"], key=lambda e: e["Id"]):
        out.add(f"seed-jobs.batch[{entry['Id']}].MessageId", entry["MessageId"])
    for i in range(2):
        step()
        sent = sqs.send_message(QueueUrl=urls["seed-jobs.fifo"], MessageBody=f"fifo {i}",
                                MessageGroupId="g")
        out.add(f"seed-jobs.fifo.send[{i}].MessageId", sent["MessageId"])
        out.add(f"seed-jobs.fifo.send[{i}].SequenceNumber", sent["SequenceNumber"])
    for name in ("seed-jobs", "seed-jobs.fifo"):
        step()
        received = sqs.receive_message(QueueUrl=urls[name], MaxNumberOfMessages=10,
                                       VisibilityTimeout=300).get("Messages", [])
        test.assertEqual(len(received), 5 if name == "seed-jobs" else 2, received)
        for m in sorted(received, key=lambda m: m["Body"]):
            out.add(f"{name}.receive[{m['Body']}].MessageId", m["MessageId"])
            out.add(f"{name}.receive[{m['Body']}].ReceiptHandle", m["ReceiptHandle"])

    # Stream records.
    for name in tables:
        step()
        arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        step()
        described = streams.describe_stream(StreamArn=arn)["StreamDescription"]
        out.add(f"{name}.StreamDescription.StreamArn", described["StreamArn"])
        out.add(f"{name}.StreamDescription.StreamLabel", described["StreamLabel"])
        shard = described["Shards"][0]
        out.add(f"{name}.ShardId", shard["ShardId"])
        out.add(f"{name}.StartingSequenceNumber",
                shard["SequenceNumberRange"]["StartingSequenceNumber"])
        step()
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        step()
        records = streams.get_records(ShardIterator=iterator)["Records"]
        test.assertEqual(len(records), 5 if name == "seed-orders" else 3, records)
        for i, record in enumerate(records):
            out.add(f"{name}.record[{i}].eventID", record["eventID"])
            out.add(f"{name}.record[{i}].SequenceNumber", record["dynamodb"]["SequenceNumber"])
    return out


def side_by_side(first, second, first_title, second_title):
    fields = [f for f, _ in first.rows]
    w0 = max(len("field"), *(len(f) for f in fields))
    w1 = max(len(first_title), *(len(str(v)) for _, v in first.rows))
    lines = [f"{'field':<{w0}}  {first_title:<{w1}}  {second_title}"]
    for (field, a), (_, b) in zip(first.rows, second.rows):
        mark = "" if a == b else "   <-- differs"
        lines.append(f"{field:<{w0}}  {str(a):<{w1}}  {b}{mark}")
    return "\n".join(lines)


class SeedDeterminismTest(unittest.TestCase):

    def run_once(self, extra_traffic):
        with FogbankServer(extra_args=["--seed", SEED]) as server:
            clients = {"ddb": server.client(), "streams": server.client(service="dynamodbstreams"),
                       "sqs": server.client(service="sqs")}
            try:
                return scenario(self, server, clients, extra_traffic)
            finally:
                for client in clients.values():
                    client.close()

    def assert_same_ids(self, first, second, first_title, second_title):
        self.assertEqual([f for f, _ in first.rows], [f for f, _ in second.rows],
                         "the two runs did not record the same fields")
        differing = [f for (f, a), (_, b) in zip(first.rows, second.rows) if a != b]
        if differing:
            self.fail(f"{len(differing)} of {len(first.rows)} ids differ under --seed {SEED} "
                      f"({', '.join(differing[:5])}{', ...' if len(differing) > 5 else ''}):\n"
                      + side_by_side(first, second, first_title, second_title))

    def test_same_requests_give_the_same_ids(self):
        # The control: nothing but the requests themselves.
        self.assert_same_ids(self.run_once(False), self.run_once(False), "first run", "second run")

    def test_health_calls_and_failing_requests_do_not_shift_ids(self):
        self.assert_same_ids(self.run_once(False), self.run_once(True),
                             "requests only", "with extra traffic")


if __name__ == "__main__":
    unittest.main()
