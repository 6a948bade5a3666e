"""DynamoDB Streams end to end: boto3's `dynamodbstreams` client and `aws dynamodbstreams` read
the records that DynamoDB writes (PutItem, UpdateItem, DeleteItem, BatchWriteItem,
TransactWriteItems), across UpdateTable stream changes and a restart.
"""

import datetime
import re
import shutil
import tempfile
import unittest

from fogbank_harness import FogbankServer, FogbankTestCase, unique_name

SEQUENCE_RE = re.compile(r"^[0-9]{21,40}$")


def read_all(streams_client, arn):
    """Every record of the stream's one shard, from TRIM_HORIZON to the current end."""
    shard = streams_client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams_client.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                                 ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = []
    for _ in range(100):
        resp = streams_client.get_records(ShardIterator=iterator, Limit=2)
        records += resp["Records"]
        iterator = resp.get("NextShardIterator")
        if not resp["Records"] or not iterator:
            break
    return records


class StreamsTest(FogbankTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.streams = cls.server.client(service="dynamodbstreams")

    def stream_table(self, view_type="NEW_AND_OLD_IMAGES"):
        name = self.create_table(range_key=("sk", "N"), StreamSpecification={
            "StreamEnabled": True, "StreamViewType": view_type})
        arn = self.ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        return name, arn

    def test_every_write_kind_is_recorded_in_order(self):
        name, arn = self.stream_table()
        key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
        self.ddb.put_item(TableName=name, Item={**key, "n": {"N": "1"}})
        self.ddb.put_item(TableName=name, Item={**key, "n": {"N": "1"}})  # unchanged: no record
        self.ddb.update_item(TableName=name, Key=key, UpdateExpression="SET n = n + :one",
                             ExpressionAttributeValues={":one": {"N": "1"}})
        # A failed condition writes nothing, so it leaves no record.
        self.assert_client_error(
            lambda: self.ddb.delete_item(TableName=name, Key=key,
                                         ConditionExpression="attribute_not_exists(pk)"),
            "ConditionalCheckFailedException", "The conditional request failed")
        self.ddb.delete_item(TableName=name, Key=key)
        self.ddb.batch_write_item(RequestItems={name: [
            {"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"N": "1"}}}},
            {"PutRequest": {"Item": {"pk": {"S": "c"}, "sk": {"N": "1"}}}}]})
        self.ddb.transact_write_items(TransactItems=[
            {"Delete": {"TableName": name, "Key": {"pk": {"S": "b"}, "sk": {"N": "1"}}}},
            {"Put": {"TableName": name, "Item": {"pk": {"S": "d"}, "sk": {"N": "1"}}}}])

        records = read_all(self.streams, arn)
        self.assertEqual([r["eventName"] for r in records],
                         ["INSERT", "MODIFY", "REMOVE", "INSERT", "INSERT", "REMOVE", "INSERT"])
        sequences = [r["dynamodb"]["SequenceNumber"] for r in records]
        for number in sequences:
            self.assertRegex(number, SEQUENCE_RE)
        self.assertEqual(sequences, sorted(sequences, key=int))
        self.assertEqual(len(set(sequences)), len(sequences))
        modify = records[1]
        self.assertEqual(modify["eventSource"], "aws:dynamodb")
        self.assertEqual(modify["eventVersion"], "1.1")
        self.assertEqual(modify["awsRegion"], "us-east-1")
        self.assertEqual(modify["dynamodb"]["Keys"], key)
        self.assertEqual(modify["dynamodb"]["OldImage"], {**key, "n": {"N": "1"}})
        self.assertEqual(modify["dynamodb"]["NewImage"], {**key, "n": {"N": "2"}})
        self.assertEqual(modify["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES")
        self.assertGreater(modify["dynamodb"]["SizeBytes"], 0)
        created = modify["dynamodb"]["ApproximateCreationDateTime"]
        self.assertIsInstance(created, datetime.datetime)
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((now - created).total_seconds()), 300)
        self.assertNotIn("NewImage", records[2]["dynamodb"])

    def test_list_and_describe_streams(self):
        name, arn = self.stream_table("KEYS_ONLY")
        listed = self.streams.list_streams(TableName=name)["Streams"]
        self.assertEqual(len(listed), 1)
        self.assertEqual(listed[0]["StreamArn"], arn)
        self.assertEqual(listed[0]["TableName"], name)
        desc = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]
        self.assertEqual(desc["StreamStatus"], "ENABLED")
        self.assertEqual(desc["StreamViewType"], "KEYS_ONLY")
        self.assertEqual(desc["TableName"], name)
        self.assertEqual(desc["KeySchema"], [{"AttributeName": "pk", "KeyType": "HASH"},
                                             {"AttributeName": "sk", "KeyType": "RANGE"}])
        self.assertEqual(desc["StreamLabel"], arn.rsplit("/", 1)[1])
        self.assertEqual(len(desc["Shards"]), 1)
        shard = desc["Shards"][0]
        self.assertTrue(shard["ShardId"].startswith("shardId-"), shard)
        self.assertRegex(shard["SequenceNumberRange"]["StartingSequenceNumber"], SEQUENCE_RE)
        self.assertNotIn("EndingSequenceNumber", shard["SequenceNumberRange"])

    def test_iterator_types(self):
        name, arn = self.stream_table("NEW_IMAGE")
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        for pk in "abc":
            self.ddb.put_item(TableName=name, Item={"pk": {"S": pk}, "sk": {"N": "1"}})
        latest = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                                 ShardIteratorType="LATEST")["ShardIterator"]
        records = read_all(self.streams, arn)
        second = records[1]["dynamodb"]["SequenceNumber"]

        def keys(iterator):
            return [r["dynamodb"]["Keys"]["pk"]["S"]
                    for r in self.streams.get_records(ShardIterator=iterator)["Records"]]

        at = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard, SequenceNumber=second,
                                             ShardIteratorType="AT_SEQUENCE_NUMBER")["ShardIterator"]
        after = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard, SequenceNumber=second,
                                                ShardIteratorType="AFTER_SEQUENCE_NUMBER")["ShardIterator"]
        self.assertEqual(keys(at), ["b", "c"])
        self.assertEqual(keys(after), ["c"])
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "d"}, "sk": {"N": "1"}})
        self.assertEqual(keys(latest), ["d"])

    def test_errors(self):
        name, arn = self.stream_table()
        missing = arn.replace(f"table/{name}/", "table/no-such-table/")
        self.assert_client_error(lambda: self.streams.describe_stream(StreamArn=missing),
                                 "ResourceNotFoundException",
                                 f"Requested resource not found: Stream: {missing} not found")
        self.assert_client_error(lambda: self.streams.get_records(ShardIterator="not-an-iterator"),
                                 "ValidationException")
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        self.assert_client_error(
            lambda: self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                                    ShardIteratorType="AT_SEQUENCE_NUMBER"),
            "ValidationException")

    def test_disable_then_enable_makes_a_new_stream(self):
        name, first = self.stream_table("KEYS_ONLY")
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "1"}})
        self.assert_client_error(
            lambda: self.ddb.update_table(TableName=name, StreamSpecification={
                "StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}),
            "ValidationException", f"Table already has an enabled stream: TableName: {name}")
        self.ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
        old = self.streams.describe_stream(StreamArn=first)["StreamDescription"]
        self.assertEqual(old["StreamStatus"], "DISABLED")
        self.assertIn("EndingSequenceNumber", old["Shards"][0]["SequenceNumberRange"])
        self.ddb.update_table(TableName=name, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        second = self.ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        self.assertNotEqual(first, second)
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "b"}, "sk": {"N": "1"}})
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(self.streams, first)], ["a"])
        new_records = read_all(self.streams, second)
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in new_records], ["b"])
        self.assertEqual(new_records[0]["dynamodb"]["NewImage"], {"pk": {"S": "b"}, "sk": {"N": "1"}})

    def test_aws_cli(self):
        name, arn = self.stream_table("NEW_IMAGE")
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "cli"}, "sk": {"N": "1"}})
        code, out, err = self.server.aws("dynamodbstreams", "list-streams", "--table-name", name)
        self.assertEqual(code, 0, err)
        self.assertEqual([s["StreamArn"] for s in out["Streams"]], [arn])
        code, out, err = self.server.aws("dynamodbstreams", "describe-stream", "--stream-arn", arn)
        self.assertEqual(code, 0, err)
        shard = out["StreamDescription"]["Shards"][0]["ShardId"]
        code, out, err = self.server.aws("dynamodbstreams", "get-shard-iterator", "--stream-arn", arn,
                                         "--shard-id", shard, "--shard-iterator-type", "TRIM_HORIZON")
        self.assertEqual(code, 0, err)
        code, out, err = self.server.aws("dynamodbstreams", "get-records",
                                         "--shard-iterator", out["ShardIterator"])
        self.assertEqual(code, 0, err)
        self.assertEqual([r["eventName"] for r in out["Records"]], ["INSERT"])
        self.assertEqual(out["Records"][0]["dynamodb"]["NewImage"]["pk"], {"S": "cli"})
        self.assertIn("NextShardIterator", out)


class StreamsRestartTest(unittest.TestCase):
    """With --data-dir, stream records and sequence numbers survive a restart."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fogbank-e2e-streams-")
        self.server = FogbankServer(data_dir=self.dir).start()

    def tearDown(self):
        try:
            if self.server.running():
                self.server.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def test_records_survive_restart(self):
        streams = self.server.client(service="dynamodbstreams")
        ddb = self.server.client()
        name = unique_name("streams-restart")
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        for i in range(3):
            ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}})
        before = [r["dynamodb"]["SequenceNumber"] for r in read_all(streams, arn)]
        self.assertEqual(len(before), 3)

        self.server.restart()
        streams = self.server.client(service="dynamodbstreams")
        ddb = self.server.client()
        ddb.put_item(TableName=name, Item={"pk": {"S": "after"}})
        after = [r["dynamodb"]["SequenceNumber"] for r in read_all(streams, arn)]
        self.assertEqual(after[:3], before)
        self.assertEqual(len(after), 4)
        self.assertGreater(int(after[3]), int(before[-1]))


if __name__ == "__main__":
    unittest.main()
