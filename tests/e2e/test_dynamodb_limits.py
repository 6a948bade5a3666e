"""Limits DynamoDB enforces that fogbank used to let through (issue 11), through boto3.

Sources of the wording asserted here:
- "Size limit exceeded for Index Key <name> Actual Size: <n> bytes Max Size: 2048 bytes
  IndexName: <index>": real DynamoDB, quoted in architect/dynalite#35 and
  wellcomecollection/platform#2285. The 1024-byte form for an index sort key follows the same
  pattern (unconfirmed against AWS).
- A GSI backfill leaves out the items whose key value the index cannot hold and carries on
  (DynamoDB developer guide, "Detecting and correcting index key violations").
- "The aggregate size of the items in the transaction cannot exceed 4 MB": the limit as the
  TransactWriteItems API reference states it; DynamoDB's own message is unconfirmed.
- "1 validation error detected: Attribute name is too large, must be less than 65536 bytes":
  measured against AWS in ExtendDB/extenddb#365; 65535 bytes is the longest name accepted
  (ScyllaDB Alternator's test_limit_attribute_length_nonkey_*, run against AWS).
- A Query's ExclusiveStartKey outside what the query reads: "The provided starting key is outside
  query boundaries based on provided conditions" without a sort key condition, "The provided
  starting key does not match the range key predicate" with one (dynalite's query.js, pinned
  against DynamoDB).
- Key attribute names over 255 bytes: the model's KeySchemaAttributeName (max 255), refused with
  the request validator's constraint message (Alternator's test_limit_attribute_length_key_bad).
"""

import unittest

from fogbank_harness import FogbankTestCase

VALIDATION = "ValidationException"


def index_key_too_long(name, size, limit, index):
    return ("One or more parameter values were invalid: Size limit exceeded for Index Key "
            f"{name} Actual Size: {size} bytes Max Size: {limit} bytes IndexName: {index}")


class IndexKeySizeTest(FogbankTestCase):

    def create_indexed_table(self):
        return self.create_table(
            range_key=("sk", "S"), attributes=[("g", "S"), ("h", "S")],
            GlobalSecondaryIndexes=[{
                "IndexName": "byG",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                              {"AttributeName": "h", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}}])

    def test_gsi_key_values_over_the_limits_are_refused(self):
        table = self.create_indexed_table()
        key = {"pk": {"S": "p"}, "sk": {"S": "s"}}
        self.ddb.put_item(TableName=table, Item={**key, "g": {"S": "g" * 2048},
                                                 "h": {"S": "h" * 1024}})
        self.assert_client_error(
            lambda: self.ddb.put_item(TableName=table, Item={**key, "g": {"S": "g" * 2049},
                                                             "h": {"S": "h"}}),
            VALIDATION, index_key_too_long("g", 2049, 2048, "byG"))
        self.assert_client_error(
            lambda: self.ddb.update_item(
                TableName=table, Key=key, UpdateExpression="SET h = :h",
                ExpressionAttributeValues={":h": {"S": "h" * 1025}}),
            VALIDATION, index_key_too_long("h", 1025, 1024, "byG"))
        # Nothing changed: the first item is still there, and indexed.
        item = self.ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
        self.assertEqual(len(item["g"]["S"]), 2048)
        self.assertEqual(self.ddb.scan(TableName=table, IndexName="byG")["Count"], 1)

    def test_backfill_leaves_out_items_the_index_cannot_hold(self):
        table = self.create_table()
        self.ddb.put_item(TableName=table, Item={"pk": {"S": "fits"}, "v": {"S": "v" * 2048}})
        self.ddb.put_item(TableName=table, Item={"pk": {"S": "long"}, "v": {"S": "v" * 2049}})
        self.ddb.update_table(
            TableName=table,
            AttributeDefinitions=[{"AttributeName": "v", "AttributeType": "S"}],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": "byV",
                "KeySchema": [{"AttributeName": "v", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}}}])
        self.ddb.get_waiter("table_exists").wait(TableName=table)
        indexed = self.ddb.scan(TableName=table, IndexName="byV")["Items"]
        self.assertEqual([item["pk"]["S"] for item in indexed], ["fits"])
        self.assertEqual(self.ddb.scan(TableName=table, ConsistentRead=True)["Count"], 2)


class TransactionSizeTest(FogbankTestCase):

    def test_a_transaction_over_4_megabytes_is_refused(self):
        table = self.create_table()

        def puts(count):
            return [{"Put": {"TableName": table,
                             "Item": {"pk": {"S": str(i)}, "v": {"S": "v" * (400 * 1024 - 100)}}}}
                    for i in range(count)]

        self.assert_client_error(
            lambda: self.ddb.transact_write_items(TransactItems=puts(11)), VALIDATION,
            "The aggregate size of the items in the transaction cannot exceed 4 MB")
        self.assertEqual(self.ddb.scan(TableName=table, Select="COUNT")["Count"], 0)
        self.ddb.transact_write_items(TransactItems=puts(10))
        self.assertIn("Item", self.ddb.get_item(TableName=table, Key={"pk": {"S": "9"}}))


class AttributeNameLengthTest(FogbankTestCase):

    def test_attribute_names_over_65535_bytes_are_refused(self):
        table = self.create_table()
        longest, too_long = "n" * 65535, "n" * 65536
        self.ddb.put_item(TableName=table, Item={"pk": {"S": "k"}, longest: {"S": "v"}})
        self.assert_client_error(
            lambda: self.ddb.put_item(TableName=table,
                                      Item={"pk": {"S": "k"}, too_long: {"S": "v"}}),
            VALIDATION,
            "1 validation error detected: Attribute name is too large, must be less than 65536 bytes")
        item = self.ddb.get_item(TableName=table, Key={"pk": {"S": "k"}}, ConsistentRead=True)
        self.assertEqual(set(item["Item"]), {"pk", longest})

    def test_key_attribute_names_over_255_bytes_are_refused(self):
        too_long = "k" * 256
        # Both members are KeySchemaAttributeName (1..255): both violations in one message.
        self.assert_client_error(
            lambda: self.create_table(hash_key=(too_long, "S")), VALIDATION,
            f"2 validation errors detected: Value '{too_long}' at "
            "'attributeDefinitions.1.member.attributeName' failed to satisfy constraint: "
            f"Member must have length less than or equal to 255; Value '{too_long}' at "
            "'keySchema.1.member.attributeName' failed to satisfy constraint: "
            "Member must have length less than or equal to 255")
        self.create_table(hash_key=("k" * 255, "S"))


class QueryStartKeyTest(FogbankTestCase):

    def test_a_start_key_outside_the_query_is_refused(self):
        table = self.create_table(range_key=("sk", "N"))
        for sk in range(3):
            self.ddb.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"N": str(sk)}})

        def query(condition, values, start):
            return lambda: self.ddb.query(TableName=table, KeyConditionExpression=condition,
                                          ExpressionAttributeValues=values, ExclusiveStartKey=start)

        p = {":p": {"S": "p"}}
        other_partition = {"pk": {"S": "q"}, "sk": {"N": "1"}}
        self.assert_client_error(
            query("pk = :p", p, other_partition), VALIDATION,
            "The provided starting key is outside query boundaries based on provided conditions")
        self.assert_client_error(
            query("pk = :p AND sk > :s", {**p, ":s": {"N": "1"}},
                  {"pk": {"S": "p"}, "sk": {"N": "0"}}), VALIDATION,
            "The provided starting key does not match the range key predicate")
        # A start key inside the range resumes after it.
        items = query("pk = :p AND sk > :s", {**p, ":s": {"N": "0"}},
                      {"pk": {"S": "p"}, "sk": {"N": "1"}})()["Items"]
        self.assertEqual([item["sk"]["N"] for item in items], ["2"])


if __name__ == "__main__":
    unittest.main()
