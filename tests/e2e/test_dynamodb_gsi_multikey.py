"""DynamoDB GSIs with multi-attribute keys (November 2025), driven through boto3 1.26.

What AWS does, and where it is written down:
- "Multi-attribute keys allow you to create Global Secondary Index (GSI) partition and sort keys
  composed of up to four attributes each" (developer guide, GSI.DesignPattern.MultiAttributeKeys;
  the SDK changelogs: "Extended Global Secondary Index (GSI) composite keys to support up to 8
  attributes"). Only GSIs: tables and LSIs keep one HASH and at most one RANGE element.
- KeySchema lists every HASH element, then every RANGE element; DescribeTable gives them back so.
- A Query gives every partition key attribute an equality, and sort key attributes left to right
  without a gap, equalities on all but the last given, which may take a range condition; an item
  lacking any key attribute is not in the index; LastEvaluatedKey holds every index key attribute
  and the table key. Pinned against AWS by moto's test_dynamodb_multi_attribute_gsi.py
  (aws_verified, which also shows a skipped sort key attribute named in the message and legacy
  KeyConditions accepted) and ScyllaDB's test_gsi_composite_keys.py (error types only).
- Wordings: a sort key condition out of order gets DynamoDB Local 3.3.1's message ("RANGE key
  attributes X must have equality conditions specified in the query because a condition is
  present on key attribute Y", as floci-io/floci#2471 records it); partition key violations reuse
  DynamoDB's single-attribute ones ("Query condition missed key schema element: X", "Query key
  condition not supported"); schema violations have fogbank's own wording. All unconfirmed
  against AWS itself, so the schema tests check the type and a fragment.

Debian's botocore 1.29 predates the feature, but its client-side validation checks no maximum list
length, so the validated boto3 client sends a GSI KeySchema of up to eight elements unchanged.
"""

import json
import re
import time
import unittest

from fogbank_harness import FogbankTestCase, unique_name

VALIDATION = "ValidationException"
# DynamoDB Local 3.3.1's wording (floci-io/floci#2471 matches it); AWS names the skipped attribute.
ORDER_MESSAGE = ("RANGE key attributes round must have equality conditions specified in the query because a "
                 "condition is present on key attribute bracket")


def element(name, key_type):
    return {"AttributeName": name, "KeyType": key_type}


INDEX_SCHEMA = [element("tournament", "HASH"), element("region", "HASH"),
                element("round", "RANGE"), element("bracket", "RANGE")]
INDEX_DEFINITIONS = [{"AttributeName": "tournament", "AttributeType": "S"},
                     {"AttributeName": "region", "AttributeType": "S"},
                     {"AttributeName": "round", "AttributeType": "N"},
                     {"AttributeName": "bracket", "AttributeType": "S"}]
NAMES = {"#r": "region", "#n": "round"}


def match(pk, tournament="WINTER", region="EU", round_=None, bracket=None):
    item = {"pk": {"S": pk}, "tournament": {"S": tournament}, "region": {"S": region}}
    if round_ is not None:
        item["round"] = {"N": round_}
    if bracket is not None:
        item["bracket"] = {"S": bracket}
    return item


MATCHES = [match("m1", round_="2", bracket="UPPER"), match("m2", round_="1", bracket="LOWER"),
           match("m3", round_="10", bracket="LOWER"), match("m4", round_="1", bracket="UPPER"),
           match("m5", round_="3"),  # no bracket: not indexed
           match("m6", region="US", round_="1", bracket="UPPER")]


class GsiMultikeyTest(FogbankTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.table = unique_name("matches")
        cls.ddb.create_table(
            TableName=cls.table, BillingMode="PAY_PER_REQUEST",
            KeySchema=[element("pk", "HASH")],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}] + INDEX_DEFINITIONS,
            GlobalSecondaryIndexes=[{"IndexName": "byRound", "KeySchema": INDEX_SCHEMA,
                                     "Projection": {"ProjectionType": "ALL"}}])
        for item in MATCHES:
            cls.ddb.put_item(TableName=cls.table, Item=item)

    def query(self, condition, values, **extra):
        names = {k: v for k, v in NAMES.items() if k in condition}
        args = dict(TableName=self.table, IndexName="byRound", KeyConditionExpression=condition,
                    ExpressionAttributeValues=values, **extra)
        if names:
            args["ExpressionAttributeNames"] = names
        return self.ddb.query(**args)

    @staticmethod
    def pks(response):
        return [item["pk"]["S"] for item in response["Items"]]

    EU = {":t": {"S": "WINTER"}, ":r": {"S": "EU"}}

    def test_describe_table_lists_every_key_element(self):
        table = self.ddb.describe_table(TableName=self.table)["Table"]
        index = table["GlobalSecondaryIndexes"][0]
        self.assertEqual(index["KeySchema"], INDEX_SCHEMA)
        self.assertEqual(index["IndexStatus"], "ACTIVE")

    def test_query_orders_by_each_sort_attribute_in_turn(self):
        # round is a Number (10 after 2); m5 lacks bracket and m6 is another partition.
        response = self.query("tournament = :t AND #r = :r", self.EU)
        self.assertEqual(self.pks(response), ["m2", "m4", "m1", "m3"])
        response = self.query("tournament = :t AND #r = :r", self.EU, ScanIndexForward=False)
        self.assertEqual(self.pks(response), ["m3", "m1", "m4", "m2"])

    def test_sort_conditions_left_to_right(self):
        values = dict(self.EU, **{":n": {"N": "1"}, ":b": {"S": "M"}})
        response = self.query("tournament = :t AND #r = :r AND #n = :n AND bracket > :b", values)
        self.assertEqual(self.pks(response), ["m4"])
        values = dict(self.EU, **{":lo": {"N": "2"}, ":hi": {"N": "10"}})
        response = self.query("tournament = :t AND #r = :r AND #n BETWEEN :lo AND :hi", values)
        self.assertEqual(self.pks(response), ["m1", "m3"])

    def test_query_rules_for_a_multi_attribute_key(self):
        self.assert_client_error(
            lambda: self.query("tournament = :t", {":t": {"S": "WINTER"}}), VALIDATION,
            "Query condition missed key schema element: region")
        self.assert_client_error(
            lambda: self.query("tournament = :t AND #r >= :r", self.EU), VALIDATION,
            "Query key condition not supported")
        gap = dict(self.EU, **{":b": {"S": "UPPER"}})
        # A skipped sort key attribute is named, as AWS names it (moto, aws_verified).
        self.assert_client_error(
            lambda: self.query("tournament = :t AND #r = :r AND bracket = :b", gap), VALIDATION,
            ORDER_MESSAGE)
        early = dict(gap, **{":n": {"N": "1"}})
        self.assert_client_error(
            lambda: self.query("tournament = :t AND #r = :r AND #n > :n AND bracket = :b", early),
            VALIDATION, ORDER_MESSAGE)
        # Legacy KeyConditions obey the same rule.
        self.assert_client_error(
            lambda: self.ddb.query(TableName=self.table, IndexName="byRound", KeyConditions={
                "tournament": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "WINTER"}]},
                "region": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "EU"}]},
                "bracket": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "UPPER"}]}}),
            VALIDATION, ORDER_MESSAGE)

    def test_pages_carry_every_index_key_attribute(self):
        seen, start, keys = [], None, []
        while True:
            extra = {"Limit": 3}
            if start:
                extra["ExclusiveStartKey"] = start
            response = self.query("tournament = :t AND #r = :r", self.EU, **extra)
            seen += self.pks(response)
            start = response.get("LastEvaluatedKey")
            if not start:
                break
            keys.append(start)
        self.assertEqual(seen, ["m2", "m4", "m1", "m3"])
        self.assertEqual(keys, [{"pk": {"S": "m1"}, "tournament": {"S": "WINTER"}, "region": {"S": "EU"},
                                 "round": {"N": "2"}, "bracket": {"S": "UPPER"}}])

    def test_writes_move_items_in_and_out(self):
        table = unique_name("moves")
        self.ddb.create_table(
            TableName=table, BillingMode="PAY_PER_REQUEST", KeySchema=[element("pk", "HASH")],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}] + INDEX_DEFINITIONS,
            GlobalSecondaryIndexes=[{"IndexName": "byRound", "KeySchema": INDEX_SCHEMA,
                                     "Projection": {"ProjectionType": "KEYS_ONLY"}}])
        self.ddb.put_item(TableName=table, Item=match("x", round_="1"))

        def found():
            return [i["pk"]["S"] for i in self.ddb.query(
                TableName=table, IndexName="byRound", KeyConditionExpression="tournament = :t AND #r = :r",
                ExpressionAttributeNames={"#r": "region"}, ExpressionAttributeValues=self.EU)["Items"]]
        self.assertEqual(found(), [])
        self.ddb.update_item(TableName=table, Key={"pk": {"S": "x"}}, UpdateExpression="SET bracket = :b",
                             ExpressionAttributeValues={":b": {"S": "UPPER"}})
        self.assertEqual(found(), ["x"])
        self.ddb.update_item(TableName=table, Key={"pk": {"S": "x"}}, UpdateExpression="REMOVE tournament")
        self.assertEqual(found(), [])
        self.assert_client_error(
            lambda: self.ddb.put_item(TableName=table, Item={"pk": {"S": "y"}, "round": {"S": "one"}}),
            VALIDATION, re.compile("Type mismatch for Index Key round"))

    def test_update_table_backfills(self):
        table = self.create_table()
        for item in MATCHES:
            self.ddb.put_item(TableName=table, Item=item)
        self.ddb.update_table(
            TableName=table, AttributeDefinitions=INDEX_DEFINITIONS,
            GlobalSecondaryIndexUpdates=[{"Create": {"IndexName": "byRound", "KeySchema": INDEX_SCHEMA,
                                                     "Projection": {"ProjectionType": "ALL"}}}])
        for _ in range(100):
            index = self.ddb.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"][0]
            if index["IndexStatus"] == "ACTIVE":
                break
            time.sleep(0.1)
        self.assertEqual(index["KeySchema"], INDEX_SCHEMA)
        response = self.ddb.query(TableName=table, IndexName="byRound",
                                  KeyConditionExpression="tournament = :t AND #r = :r",
                                  ExpressionAttributeNames={"#r": "region"}, ExpressionAttributeValues=self.EU)
        self.assertEqual(self.pks(response), ["m2", "m4", "m1", "m3"])

    def test_schema_limits(self):
        def create(schema, names):
            return self.ddb.create_table(
                TableName=unique_name("wide"), BillingMode="PAY_PER_REQUEST", KeySchema=[element("pk", "HASH")],
                AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ["pk"] + names],
                GlobalSecondaryIndexes=[{"IndexName": "wideIndex", "KeySchema": schema,
                                         "Projection": {"ProjectionType": "ALL"}}])
        hashes = ["h1", "h2", "h3", "h4", "h5"]
        ranges = ["r1", "r2", "r3", "r4", "r5"]
        eight = [element(n, "HASH") for n in hashes[:4]] + [element(n, "RANGE") for n in ranges[:4]]
        created = create(eight, hashes[:4] + ranges[:4])["TableDescription"]
        self.assertEqual(created["GlobalSecondaryIndexes"][0]["KeySchema"], eight)
        self.assert_client_error(lambda: create([element(n, "HASH") for n in hashes], hashes), VALIDATION,
                                 re.compile("at most 4 HASH"))
        self.assert_client_error(
            lambda: create([element("h1", "HASH"), element("r1", "RANGE"), element("h2", "HASH")],
                           ["h1", "r1", "h2"]), VALIDATION, re.compile("cannot follow a RANGE"))
        # Tables keep one HASH and at most one RANGE element.
        self.assert_client_error(
            lambda: self.ddb.create_table(
                TableName=unique_name("flat"), BillingMode="PAY_PER_REQUEST",
                KeySchema=[element("a", "HASH"), element("b", "HASH")],
                AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"},
                                      {"AttributeName": "b", "AttributeType": "S"}]),
            VALIDATION, "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")

    def test_legacy_key_conditions(self):
        response = self.ddb.query(TableName=self.table, IndexName="byRound", KeyConditions={
            "tournament": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "WINTER"}]},
            "region": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "EU"}]},
            "round": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "2"}]},
        })
        self.assertEqual(self.pks(response), ["m1", "m3"])

    def test_json_wire_create(self):
        # The same request on the JSON wire, as a newer SDK sends it.
        name = unique_name("wire")
        status, body, _ = self.server.raw("CreateTable", {
            "TableName": name, "BillingMode": "PAY_PER_REQUEST", "KeySchema": [element("pk", "HASH")],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}] + INDEX_DEFINITIONS,
            "GlobalSecondaryIndexes": [{"IndexName": "byRound", "KeySchema": INDEX_SCHEMA,
                                        "Projection": {"ProjectionType": "ALL"}}]})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["TableDescription"]["GlobalSecondaryIndexes"][0]["KeySchema"], INDEX_SCHEMA)

    def test_through_the_aws_cli(self):
        # The AWS CLI (Debian's 2.9, which like boto3 1.26 checks no maximum list length): a table
        # whose GSI has two partition and two sort key attributes, written and queried through
        # it, with what DescribeTable and Query print.
        name = unique_name("cli")

        def cli(*args):
            code, out, err = self.server.aws("dynamodb", *args)
            self.assertEqual(code, 0, f"aws dynamodb {args[0]} exited {code}: {err}")
            return out

        created = cli("create-table", "--table-name", name, "--billing-mode", "PAY_PER_REQUEST",
                      "--key-schema", json.dumps([element("pk", "HASH")]),
                      "--attribute-definitions",
                      json.dumps([{"AttributeName": "pk", "AttributeType": "S"}] + INDEX_DEFINITIONS),
                      "--global-secondary-indexes",
                      json.dumps([{"IndexName": "byRound", "KeySchema": INDEX_SCHEMA,
                                   "Projection": {"ProjectionType": "ALL"}}]))
        self.assertEqual(created["TableDescription"]["GlobalSecondaryIndexes"][0]["KeySchema"], INDEX_SCHEMA)
        for item in MATCHES:
            cli("put-item", "--table-name", name, "--item", json.dumps(item))
        described = cli("describe-table", "--table-name", name)["Table"]["GlobalSecondaryIndexes"][0]
        self.assertEqual((described["KeySchema"], described["ItemCount"]), (INDEX_SCHEMA, 5))
        found = cli("query", "--table-name", name, "--index-name", "byRound",
                    "--key-condition-expression", "tournament = :t AND #r = :r AND #n >= :n",
                    "--expression-attribute-names", json.dumps(NAMES),
                    "--expression-attribute-values",
                    json.dumps(dict(self.EU, **{":n": {"N": "2"}})))
        self.assertEqual([item["pk"]["S"] for item in found["Items"]], ["m1", "m3"])
        code, _, err = self.server.aws("dynamodb", "query", "--table-name", name, "--index-name", "byRound",
                                       "--key-condition-expression", "tournament = :t",
                                       "--expression-attribute-values", json.dumps({":t": {"S": "WINTER"}}))
        self.assertEqual(code, 254, err)
        self.assertIn("Query condition missed key schema element: region", err)


if __name__ == "__main__":
    unittest.main()
