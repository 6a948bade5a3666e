"""DynamoDB through boto3: what writes that change nothing leave behind, ReturnConsumedCapacity
(exact units for items of chosen sizes, tables with and without indexes, transactions) and
ReturnItemCollectionMetrics.

Item sizes follow the developer guide's "Item sizes and formats": the UTF-8 bytes of each
attribute name plus its value (a string's UTF-8 bytes; a number about one byte per two
significant digits plus one). Each test says how it arrives at its numbers.
"""

import unittest

from fogbank_harness import FogbankTestCase


def S(value):
    return {"S": value}


class UpdateOfMissingItemTest(FogbankTestCase):
    """An UpdateItem that only takes attributes away from an item that does not exist creates
    nothing: ScyllaDB Alternator's test_update_item_non_existent (test/alternator/test_item.py),
    run against DynamoDB, shows REMOVE and AttributeUpdates DELETE leave no item, while an empty
    update or a SET creates one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.streams = cls.server.client(service="dynamodbstreams")

    def records(self, arn):
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                                   ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        return self.streams.get_records(ShardIterator=iterator)["Records"]

    def test_remove_on_missing_item_creates_nothing(self):
        name = self.create_table(StreamSpecification={"StreamEnabled": True,
                                                      "StreamViewType": "NEW_AND_OLD_IMAGES"})
        arn = self.ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        resp = self.ddb.update_item(TableName=name, Key={"pk": S("gone")}, UpdateExpression="REMOVE a, b",
                                    ReturnValues="ALL_NEW")
        self.assertNotIn("Attributes", resp)
        resp = self.ddb.update_item(TableName=name, Key={"pk": S("legacy")},
                                    AttributeUpdates={"a": {"Action": "DELETE"}}, ReturnValues="ALL_NEW")
        self.assertNotIn("Attributes", resp)
        self.assertNotIn("Item", self.ddb.get_item(TableName=name, Key={"pk": S("gone")}, ConsistentRead=True))
        self.assertNotIn("Item", self.ddb.get_item(TableName=name, Key={"pk": S("legacy")}, ConsistentRead=True))
        self.assertEqual(self.ddb.scan(TableName=name)["Count"], 0)
        self.assertEqual(self.records(arn), [])

        # A SET does create it, with one INSERT record.
        resp = self.ddb.update_item(TableName=name, Key={"pk": S("made")}, UpdateExpression="SET a = :v",
                                    ExpressionAttributeValues={":v": S("x")}, ReturnValues="ALL_NEW")
        self.assertEqual(resp["Attributes"], {"pk": S("made"), "a": S("x")})
        self.assertEqual([r["eventName"] for r in self.records(arn)], ["INSERT"])


if __name__ == "__main__":
    unittest.main()
