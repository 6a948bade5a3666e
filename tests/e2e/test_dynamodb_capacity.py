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


def sized_item(pk, size):
    """An item of exactly `size` bytes: "pk" (2) + pk + "data" (4) + padding."""
    return {"pk": S(pk), "data": S("x" * (size - 2 - len(pk) - 4))}


class ConsumedCapacityTest(FogbankTestCase):
    """Exact units, per the developer guide: "Read/write capacity mode" (reads in 4 KB units,
    eventually consistent reads half, transactional reads and writes double; writes in 1 KB
    units) and "Item sizes and formats"; index writes per GSI.html's "Provisioned throughput
    considerations" (one write per entry put or deleted, two when its key changes)."""

    def get_units(self, table, pk, consistent):
        return self.ddb.get_item(TableName=table, Key={"pk": S(pk)}, ConsistentRead=consistent,
                                 ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]

    def test_single_item_reads_and_writes(self):
        table = self.create_table()
        # 5 KB = 5120 bytes: five 1 KB write units; two 4 KB read units, half of that eventually
        # consistent.
        resp = self.ddb.put_item(TableName=table, Item=sized_item("five", 5120), ReturnConsumedCapacity="TOTAL")
        self.assertEqual(resp["ConsumedCapacity"], {"TableName": table, "CapacityUnits": 5.0})
        self.assertEqual(self.get_units(table, "five", False), {"TableName": table, "CapacityUnits": 1.0})
        self.assertEqual(self.get_units(table, "five", True)["CapacityUnits"], 2.0)
        # Exactly 4 KB is one read unit; one byte more is two.
        self.ddb.put_item(TableName=table, Item=sized_item("four", 4096))
        self.ddb.put_item(TableName=table, Item=sized_item("more", 4097))
        self.assertEqual(self.get_units(table, "four", True)["CapacityUnits"], 1.0)
        self.assertEqual(self.get_units(table, "more", True)["CapacityUnits"], 2.0)
        self.assertEqual(self.get_units(table, "nothing", False)["CapacityUnits"], 0.5)
        # An update or delete is charged the larger of the old and new item: 5 units for the
        # 5120-byte item, though it shrinks to a few bytes.
        resp = self.ddb.update_item(TableName=table, Key={"pk": S("five")}, UpdateExpression="REMOVE #d",
                                    ExpressionAttributeNames={"#d": "data"}, ReturnConsumedCapacity="TOTAL")
        self.assertEqual(resp["ConsumedCapacity"]["CapacityUnits"], 5.0)
        resp = self.ddb.delete_item(TableName=table, Key={"pk": S("more")}, ReturnConsumedCapacity="TOTAL")
        self.assertEqual(resp["ConsumedCapacity"]["CapacityUnits"], 5.0)  # 4097 bytes: 5 KB units
        self.assertNotIn("ConsumedCapacity", self.ddb.put_item(TableName=table, Item={"pk": S("x")}))

    def test_number_sizes_count(self):
        table = self.create_table()
        # "pk" + "a" (3) + "n" (1) + "data" (4) = 8 bytes of names and key; 123456 takes 4 bytes
        # (three pairs of digits + 1), 1234567 takes 5 (four pairs, the first padded, + 1).
        padding = "x" * (1024 - 8 - 4)
        resp = self.ddb.put_item(TableName=table, Item={"pk": S("a"), "n": {"N": "123456"}, "data": S(padding)},
                                 ReturnConsumedCapacity="TOTAL")
        self.assertEqual(resp["ConsumedCapacity"]["CapacityUnits"], 1.0)  # 1024 bytes
        resp = self.ddb.put_item(TableName=table, Item={"pk": S("b"), "n": {"N": "1234567"}, "data": S(padding)},
                                 ReturnConsumedCapacity="TOTAL")
        self.assertEqual(resp["ConsumedCapacity"]["CapacityUnits"], 2.0)  # 1025 bytes

    def test_query_scan_and_batch_get(self):
        table = self.create_table(range_key=("sk", "S"))
        # Three items of 1500 bytes: "pk" + "p" (3) + "sk" + "1" (3) + "data" (4) + 1490.
        for sk in "123":
            self.ddb.put_item(TableName=table, Item={"pk": S("p"), "sk": S(sk), "data": S("x" * 1490)})
        # Query: the page's 4500 bytes rounded up once to two 4 KB units, halved; what the filter
        # drops was read all the same.
        resp = self.ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                              FilterExpression="attribute_exists(nothing)",
                              ExpressionAttributeValues={":p": S("p")}, ReturnConsumedCapacity="TOTAL")
        self.assertEqual((resp["Count"], resp["ScannedCount"]), (0, 3))
        self.assertEqual(resp["ConsumedCapacity"], {"TableName": table, "CapacityUnits": 1.0})
        resp = self.ddb.scan(TableName=table, ConsistentRead=True, ReturnConsumedCapacity="TOTAL")
        self.assertEqual(resp["ConsumedCapacity"]["CapacityUnits"], 2.0)
        # BatchGetItem: each item rounded up on its own (a missing one too): 4 x 0.5, or 4 x 1.
        keys = [{"pk": S("p"), "sk": S(sk)} for sk in ("1", "2", "3", "none")]
        resp = self.ddb.batch_get_item(RequestItems={table: {"Keys": keys}}, ReturnConsumedCapacity="TOTAL")
        self.assertEqual(resp["ConsumedCapacity"], [{"TableName": table, "CapacityUnits": 2.0}])
        resp = self.ddb.batch_get_item(RequestItems={table: {"Keys": keys, "ConsistentRead": True}},
                                       ReturnConsumedCapacity="INDEXES")
        self.assertEqual(resp["ConsumedCapacity"],
                         [{"TableName": table, "CapacityUnits": 4.0, "Table": {"CapacityUnits": 4.0}}])

    def test_indexes(self):
        table = self.create_table(attributes=[("g", "S")], GlobalSecondaryIndexes=[{
            "IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}}])
        # The item: "pk" + "a" (3) + "g" + "x" (2) + "data" (4) + 2000 = 2009 bytes, 2 units; its
        # KEYS_ONLY entry (pk, g) is 5 bytes, 1 unit.
        item = {"pk": S("a"), "g": S("x"), "data": S("d" * 2000)}
        resp = self.ddb.put_item(TableName=table, Item=item, ReturnConsumedCapacity="INDEXES")
        self.assertEqual(resp["ConsumedCapacity"], {
            "TableName": table, "CapacityUnits": 3.0, "Table": {"CapacityUnits": 2.0},
            "GlobalSecondaryIndexes": {"by_g": {"CapacityUnits": 1.0}}})
        # Moving the entry to another index key: a delete and a put in the index.
        resp = self.ddb.update_item(TableName=table, Key={"pk": S("a")}, UpdateExpression="SET g = :g",
                                    ExpressionAttributeValues={":g": S("y")}, ReturnConsumedCapacity="INDEXES")
        self.assertEqual(resp["ConsumedCapacity"]["GlobalSecondaryIndexes"], {"by_g": {"CapacityUnits": 2.0}})
        self.assertEqual(resp["ConsumedCapacity"]["CapacityUnits"], 4.0)
        # Querying the index reads its entries (5 bytes): half a unit, charged to the index.
        resp = self.ddb.query(TableName=table, IndexName="by_g", KeyConditionExpression="g = :g",
                              ExpressionAttributeValues={":g": S("y")}, ReturnConsumedCapacity="INDEXES")
        self.assertEqual(resp["ConsumedCapacity"]["CapacityUnits"], 0.5)
        self.assertEqual(resp["ConsumedCapacity"]["GlobalSecondaryIndexes"], {"by_g": {"CapacityUnits": 0.5}})

    def test_transactions(self):
        table = self.create_table()
        # 5120 bytes: 5 write units, doubled in a transaction; 2 read units, doubled.
        resp = self.ddb.transact_write_items(TransactItems=[{"Put": {"TableName": table,
                                                                     "Item": sized_item("t", 5120)}}],
                                             ReturnConsumedCapacity="TOTAL")
        self.assertEqual(resp["ConsumedCapacity"],
                         [{"TableName": table, "CapacityUnits": 10.0, "WriteCapacityUnits": 10.0}])
        resp = self.ddb.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": {"pk": S("t")}}}],
                                           ReturnConsumedCapacity="INDEXES")
        self.assertEqual(resp["ConsumedCapacity"], [{
            "TableName": table, "CapacityUnits": 4.0, "ReadCapacityUnits": 4.0,
            "Table": {"CapacityUnits": 4.0, "ReadCapacityUnits": 4.0}}])

    def test_lsi_write_capacity(self):
        # With an ALL projection the LSI entry is the item: 1012 bytes ("pk" + "p", "sk" + "1",
        # "l" + "z", "data" + 1000), one unit on the table and one on the index.
        table = self.create_table(range_key=("sk", "S"), attributes=[("l", "S")], LocalSecondaryIndexes=[{
            "IndexName": "by_l", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                               {"AttributeName": "l", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}])
        resp = self.ddb.put_item(TableName=table, Item={"pk": S("p"), "sk": S("1"), "l": S("z"), "data": S("x" * 1000)},
                                 ReturnConsumedCapacity="INDEXES")
        self.assertEqual(resp["ConsumedCapacity"], {
            "TableName": table, "CapacityUnits": 2.0, "Table": {"CapacityUnits": 1.0},
            "LocalSecondaryIndexes": {"by_l": {"CapacityUnits": 1.0}}})


class ItemCollectionMetricsTest(FogbankTestCase):
    """ReturnItemCollectionMetrics SIZE: the written item's collection (its partition key) and
    the whole gigabytes around its size, [0, 1] for a small one
    (paritysuite/dynamodb-conformance, itemCollectionMetrics.test.ts, measured on DynamoDB);
    nothing for a table without local secondary indexes."""

    def test_lsi_table_reports_collections_plain_table_does_not(self):
        lsi = self.create_table(range_key=("sk", "S"), attributes=[("l", "S")], LocalSecondaryIndexes=[{
            "IndexName": "by_l", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                               {"AttributeName": "l", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}}])
        plain = self.create_table(range_key=("sk", "S"))
        expected = {"ItemCollectionKey": {"pk": S("p")}, "SizeEstimateRangeGB": [0.0, 1.0]}
        item = {"pk": S("p"), "sk": S("1"), "l": S("x")}
        resp = self.ddb.put_item(TableName=lsi, Item=item, ReturnItemCollectionMetrics="SIZE")
        self.assertEqual(resp["ItemCollectionMetrics"], expected)
        resp = self.ddb.update_item(TableName=lsi, Key={"pk": S("p"), "sk": S("1")}, UpdateExpression="SET a = :a",
                                    ExpressionAttributeValues={":a": S("v")}, ReturnItemCollectionMetrics="SIZE")
        self.assertEqual(resp["ItemCollectionMetrics"], expected)
        resp = self.ddb.delete_item(TableName=lsi, Key={"pk": S("p"), "sk": S("1")}, ReturnItemCollectionMetrics="SIZE")
        self.assertEqual(resp["ItemCollectionMetrics"], expected)
        resp = self.ddb.put_item(TableName=plain, Item=item, ReturnItemCollectionMetrics="SIZE")
        self.assertNotIn("ItemCollectionMetrics", resp)

        resp = self.ddb.batch_write_item(RequestItems={
            lsi: [{"PutRequest": {"Item": item}}, {"PutRequest": {"Item": {**item, "sk": S("2")}}}],
            plain: [{"PutRequest": {"Item": item}}]}, ReturnItemCollectionMetrics="SIZE")
        self.assertEqual(resp["ItemCollectionMetrics"], {lsi: [expected]})
        resp = self.ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": lsi, "Item": {**item, "pk": S("q")}}},
            {"Put": {"TableName": plain, "Item": {**item, "pk": S("q")}}}], ReturnItemCollectionMetrics="SIZE")
        self.assertEqual(resp["ItemCollectionMetrics"],
                         {lsi: [{"ItemCollectionKey": {"pk": S("q")}, "SizeEstimateRangeGB": [0.0, 1.0]}]})


if __name__ == "__main__":
    unittest.main()
