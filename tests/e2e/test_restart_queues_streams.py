"""Durability of queues and stream records: with --data-dir, kill -9 and a restart lose nothing.

- SQS: every acknowledged message is still there; messages that were in flight at the kill become
  visible again once their visibility timeout (counted from the receive) has passed, and not
  before; their receipt handles still work.
- DynamoDB Streams: every record written before the kill is still readable from TRIM_HORIZON,
  in order, and records written after the restart continue the sequence.
"""

import shutil
import tempfile
import time
import unittest

from fogbank_harness import FogbankServer, unique_name

MESSAGES = 40
IN_FLIGHT = 10  # received with the queue's short timeout, and as many again with a long one
VISIBILITY = 3  # seconds: the queue's timeout, which the test waits out after the restart
HIDDEN_FOR = 600  # seconds: a timeout no run of this test outlasts


class RestartQueuesAndStreamsTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fogbank-e2e-restart-")
        self.server = FogbankServer(data_dir=self.dir)
        self.server.start()

    def tearDown(self):
        try:
            if self.server.running():
                self.server.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def queue_counts(self, sqs, url):
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return (int(attributes["ApproximateNumberOfMessages"]),
                int(attributes["ApproximateNumberOfMessagesNotVisible"]))

    def test_messages_survive_kill_and_in_flight_ones_come_back(self):
        sqs = self.server.client(service="sqs")
        name = unique_name("durable")
        url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": str(VISIBILITY)})["QueueUrl"]
        bodies = {f"message {i}" for i in range(MESSAGES)}
        for body in sorted(bodies):
            sqs.send_message(QueueUrl=url, MessageBody=body)
        hidden = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=IN_FLIGHT,
                                     VisibilityTimeout=HIDDEN_FOR)["Messages"]
        short = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=IN_FLIGHT)["Messages"]
        received_at = time.monotonic()
        self.assertEqual((len(hidden), len(short)), (IN_FLIGHT, IN_FLIGHT))
        self.assertEqual(self.queue_counts(sqs, url), (MESSAGES - 2 * IN_FLIGHT, 2 * IN_FLIGHT))

        self.server.kill_9()
        self.server.start()
        sqs = self.server.client(service="sqs")
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]

        # Once the queue's timeout has passed, the short ones are back; the others are still in
        # flight, however long the restart took.
        time.sleep(max(0.0, VISIBILITY - (time.monotonic() - received_at)) + 0.5)
        self.assertEqual(self.queue_counts(sqs, url), (MESSAGES - IN_FLIGHT, IN_FLIGHT))
        seen = []
        for _ in range(MESSAGES):  # bounded: each pass receives at least one message or stops
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                break
            for message in batch:
                seen.append(message["Body"])
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        self.assertEqual(sorted(seen), sorted(bodies - {m["Body"] for m in hidden}))

        # The receipt handles from before the kill still work.
        for message in hidden:
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                          VisibilityTimeout=0)
        back = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual(sorted(m["MessageId"] for m in back), sorted(m["MessageId"] for m in hidden))
        for message in back:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        self.assertEqual(self.queue_counts(sqs, url), (0, 0))

    def test_stream_records_survive_kill(self):
        ddb = self.server.client()
        table = unique_name("streamed")
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        for i in range(20):
            ddb.put_item(TableName=table, Item={"pk": {"S": f"k{i}"}, "n": {"N": str(i)}})
        ddb.update_item(TableName=table, Key={"pk": {"S": "k1"}}, UpdateExpression="SET n = :v",
                        ExpressionAttributeValues={":v": {"N": "100"}})
        ddb.delete_item(TableName=table, Key={"pk": {"S": "k2"}})

        self.server.kill_9()
        self.server.start()
        ddb = self.server.client()
        ddb.put_item(TableName=table, Item={"pk": {"S": "after"}})
        streams = self.server.client(service="dynamodbstreams")
        arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = []
        for _ in range(20):  # bounded paging
            page = streams.get_records(ShardIterator=iterator, Limit=100)
            records += page["Records"]
            iterator = page.get("NextShardIterator")
            if not page["Records"] or iterator is None:
                break
        events = [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records]
        expected = [("INSERT", f"k{i}") for i in range(20)] + [("MODIFY", "k1"), ("REMOVE", "k2"), ("INSERT", "after")]
        self.assertEqual(events, expected)
        numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
        self.assertEqual(numbers, sorted(set(numbers)), "sequence numbers must strictly increase across the restart")
        self.assertEqual(records[20]["dynamodb"]["OldImage"]["n"], {"N": "1"})
        self.assertEqual(records[20]["dynamodb"]["NewImage"]["n"], {"N": "100"})


if __name__ == "__main__":
    unittest.main()
