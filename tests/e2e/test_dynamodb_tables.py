"""DynamoDB control plane end to end: CreateTable, DescribeTable, ListTables, UpdateTable,
DeleteTable and tagging, through boto3 (Debian's 1.26) and the AWS CLI.

Error messages are AWS's own wording, as recorded against real DynamoDB by dynalite's test suite
(architect/dynalite test/createTable.js) and as quoted by users of real DynamoDB in public issue
threads (e.g. "Requested resource not found: Table: <name> not found" for DescribeTable and
DeleteTable, "Table already exists: <name>"). Where the wording could not be confirmed the test
checks only the error code and HTTP status and says so.
"""

import datetime
import time
import unittest
import uuid

from fogbank_harness import FogbankTestCase, table_arn, unique_name

POLL_LIMIT_S = 10.0
POLL_STEP_S = 0.05


def key_schema(hash_name, range_name=None):
    ks = [{"AttributeName": hash_name, "KeyType": "HASH"}]
    if range_name:
        ks.append({"AttributeName": range_name, "KeyType": "RANGE"})
    return ks


def attr_defs(**types):
    return [{"AttributeName": k, "AttributeType": v} for k, v in types.items()]


class TablesTest(FogbankTestCase):

    def wait_for(self, predicate, what):
        """Poll predicate() (bounded: POLL_LIMIT_S) until it returns a truthy value."""
        deadline = time.monotonic() + POLL_LIMIT_S
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail(f"timed out after {POLL_LIMIT_S} s waiting for {what}")
            time.sleep(POLL_STEP_S)

    def describe(self, name):
        return self.ddb.describe_table(TableName=name)["Table"]

    # ---- CreateTable / DescribeTable ---------------------------------------------------------

    def test_create_hash_table_provisioned_and_describe(self):
        name = unique_name("hash")
        before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
        resp = self.ddb.create_table(
            TableName=name,
            KeySchema=key_schema("pk"),
            AttributeDefinitions=attr_defs(pk="S"),
            ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
        )
        desc = resp["TableDescription"]
        self.assertEqual(desc["TableName"], name)
        # AWS answers CREATING; fogbank creates a table in the call, so it is ACTIVE at once
        # (emulator/dynamodb/src/ops_tables.cpp).
        self.assertEqual(desc["TableStatus"], "ACTIVE")
        self.assertEqual(desc["KeySchema"], key_schema("pk"))
        self.assertEqual(desc["AttributeDefinitions"], attr_defs(pk="S"))
        self.assertEqual(desc["TableArn"], table_arn(name))

        table = self.describe(name)
        self.assertEqual(table["TableName"], name)
        self.assertEqual(table["TableStatus"], "ACTIVE")
        self.assertEqual(table["KeySchema"], key_schema("pk"))
        self.assertEqual(table["AttributeDefinitions"], attr_defs(pk="S"))
        self.assertEqual(table["ItemCount"], 0)
        self.assertEqual(table["TableSizeBytes"], 0)
        self.assertEqual(table["TableArn"],
                         f"arn:aws:dynamodb:us-east-1:000000000000:table/{name}")
        self.assertEqual(table["ProvisionedThroughput"]["ReadCapacityUnits"], 5)
        self.assertEqual(table["ProvisionedThroughput"]["WriteCapacityUnits"], 7)
        self.assertEqual(table["ProvisionedThroughput"]["NumberOfDecreasesToday"], 0)
        # TableId is a UUID in real DynamoDB.
        self.assertIn("TableId", table)
        uuid.UUID(table["TableId"])
        created = table["CreationDateTime"]
        self.assertIsInstance(created, datetime.datetime)
        self.assertGreaterEqual(created, before)
        self.assertLessEqual(created, datetime.datetime.now(datetime.timezone.utc)
                             + datetime.timedelta(seconds=5))
        self.assertNotIn("GlobalSecondaryIndexes", table)
        self.assertNotIn("LocalSecondaryIndexes", table)
        # A PROVISIONED table created without BillingMode has no BillingModeSummary on AWS
        # (gravitational/teleport#29557 handles exactly that in real DescribeTable answers).
        self.assertNotIn("BillingModeSummary", table)

    def test_create_hash_range_pay_per_request(self):
        name = unique_name("range")
        self.ddb.create_table(
            TableName=name,
            KeySchema=key_schema("pk", "sk"),
            AttributeDefinitions=attr_defs(pk="S", sk="N"),
            BillingMode="PAY_PER_REQUEST",
        )
        table = self.describe(name)
        self.assertEqual(table["TableStatus"], "ACTIVE")
        self.assertEqual(table["KeySchema"], key_schema("pk", "sk"))
        self.assertEqual(sorted(table["AttributeDefinitions"], key=lambda d: d["AttributeName"]),
                         attr_defs(pk="S", sk="N"))
        self.assertEqual(table["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
        # On-demand tables report zero provisioned capacity.
        self.assertEqual(table["ProvisionedThroughput"]["ReadCapacityUnits"], 0)
        self.assertEqual(table["ProvisionedThroughput"]["WriteCapacityUnits"], 0)

    def test_create_with_gsis_and_lsi_all_projection_types(self):
        name = unique_name("idx")
        self.ddb.create_table(
            TableName=name,
            KeySchema=key_schema("pk", "sk"),
            AttributeDefinitions=attr_defs(pk="S", sk="S", g1="S", g2="N", l1="N"),
            BillingMode="PAY_PER_REQUEST",
            GlobalSecondaryIndexes=[
                {"IndexName": "gsi_all", "KeySchema": key_schema("g1", "sk"),
                 "Projection": {"ProjectionType": "ALL"}},
                {"IndexName": "gsi_keys", "KeySchema": key_schema("g2"),
                 "Projection": {"ProjectionType": "KEYS_ONLY"}},
                {"IndexName": "gsi_include", "KeySchema": key_schema("g1", "g2"),
                 "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x", "y"]}},
            ],
            LocalSecondaryIndexes=[
                {"IndexName": "lsi_include", "KeySchema": key_schema("pk", "l1"),
                 "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["z"]}},
            ],
        )
        table = self.describe(name)
        gsis = {g["IndexName"]: g for g in table["GlobalSecondaryIndexes"]}
        self.assertEqual(set(gsis), {"gsi_all", "gsi_keys", "gsi_include"})
        for index_name, g in gsis.items():
            self.assertEqual(g["IndexStatus"], "ACTIVE", index_name)
            self.assertEqual(g["IndexArn"], f"{table_arn(name)}/index/{index_name}")
            self.assertEqual(g["ItemCount"], 0)
            self.assertEqual(g["IndexSizeBytes"], 0)
        self.assertEqual(gsis["gsi_all"]["KeySchema"], key_schema("g1", "sk"))
        self.assertEqual(gsis["gsi_all"]["Projection"], {"ProjectionType": "ALL"})
        self.assertEqual(gsis["gsi_keys"]["KeySchema"], key_schema("g2"))
        self.assertEqual(gsis["gsi_keys"]["Projection"], {"ProjectionType": "KEYS_ONLY"})
        self.assertEqual(gsis["gsi_include"]["Projection"]["ProjectionType"], "INCLUDE")
        self.assertEqual(sorted(gsis["gsi_include"]["Projection"]["NonKeyAttributes"]),
                         ["x", "y"])

        lsis = table["LocalSecondaryIndexes"]
        self.assertEqual(len(lsis), 1)
        lsi = lsis[0]
        self.assertEqual(lsi["IndexName"], "lsi_include")
        self.assertEqual(lsi["KeySchema"], key_schema("pk", "l1"))
        self.assertEqual(lsi["Projection"], {"ProjectionType": "INCLUDE",
                                             "NonKeyAttributes": ["z"]})
        self.assertEqual(lsi["IndexArn"], f"{table_arn(name)}/index/lsi_include")

    def test_create_provisioned_gsi_echoes_throughput(self):
        name = unique_name("pgsi")
        self.ddb.create_table(
            TableName=name,
            KeySchema=key_schema("pk"),
            AttributeDefinitions=attr_defs(pk="S", g="S"),
            ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
            GlobalSecondaryIndexes=[{
                "IndexName": "by_g", "KeySchema": key_schema("g"),
                "Projection": {"ProjectionType": "ALL"},
                "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 1},
            }],
        )
        gsi = self.describe(name)["GlobalSecondaryIndexes"][0]
        self.assertEqual(gsi["ProvisionedThroughput"]["ReadCapacityUnits"], 2)
        self.assertEqual(gsi["ProvisionedThroughput"]["WriteCapacityUnits"], 1)

    def test_stream_specification_echoed(self):
        name = unique_name("stream")
        resp = self.ddb.create_table(
            TableName=name,
            KeySchema=key_schema("pk"),
            AttributeDefinitions=attr_defs(pk="S"),
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        for desc in (resp["TableDescription"], self.describe(name)):
            self.assertEqual(desc["StreamSpecification"],
                             {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
            self.assertTrue(desc["LatestStreamArn"].startswith(table_arn(name) + "/stream/"),
                            desc["LatestStreamArn"])
            self.assertTrue(desc["LatestStreamArn"].endswith("/stream/" + desc["LatestStreamLabel"]))

    def test_item_count_after_writes(self):
        # AWS refreshes ItemCount/TableSizeBytes about every six hours; fogbank keeps them exact.
        # Item size is the UTF-8 length of each attribute name plus its value (AWS "Item sizes"):
        # pk + k0 (4) and v + 10 x's (11), 15 bytes an item.
        name = self.create_table()
        for i in range(3):
            self.ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "v": {"S": "x" * 10}})
        # Overwriting and deleting keep the numbers exact too.
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "k0"}, "v": {"S": "x" * 10}})
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "gone"}})
        self.ddb.delete_item(TableName=name, Key={"pk": {"S": "gone"}})
        table = self.describe(name)
        self.assertEqual((table["ItemCount"], table["TableSizeBytes"]), (3, 45))

    # ---- ListTables --------------------------------------------------------------------------

    def test_list_tables_pagination(self):
        prefix = unique_name("list")
        mine = sorted(f"{prefix}-{i}" for i in range(5))
        for n in mine:
            self.create_table(name=n)

        seen, pages, start = [], 0, None
        while True:
            kwargs = {"Limit": 2}
            if start:
                kwargs["ExclusiveStartTableName"] = start
            resp = self.ddb.list_tables(**kwargs)
            pages += 1
            seen += resp["TableNames"]
            start = resp.get("LastEvaluatedTableName")
            if not start:
                self.assertLessEqual(len(resp["TableNames"]), 2)
                break
            self.assertEqual(len(resp["TableNames"]), 2, "only the last page may be short")
            self.assertEqual(start, resp["TableNames"][-1])
            self.assertLess(pages, 1000, "ListTables pagination does not terminate")
        self.assertEqual(seen, sorted(seen), "ListTables must return names in order")
        self.assertEqual(len(seen), len(set(seen)), "a table name appeared on two pages")
        for n in mine:
            self.assertIn(n, seen)

        # ExclusiveStartTableName starts strictly after the given name.
        resp = self.ddb.list_tables(ExclusiveStartTableName=mine[1], Limit=3)
        self.assertEqual(resp["TableNames"][:3], mine[2:5])

        full = self.ddb.list_tables()["TableNames"]
        self.assertEqual(full, sorted(full))
        for n in mine:
            self.assertIn(n, full)

    def test_list_tables_limit_validation(self):
        # Limit must be 1..100 (AWS API reference, ListTables).
        self.assert_client_error(
            lambda: self.ddb.list_tables(Limit=101), "ValidationException",
            "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
            "Member must have value less than or equal to 100")

    # ---- UpdateTable -------------------------------------------------------------------------

    def test_update_table_add_gsi_backfills_then_delete(self):
        name = self.create_table(attributes=[])
        for i in range(6):
            item = {"pk": {"S": f"p{i}"}, "n": {"N": str(i)}}
            if i % 2 == 0:
                item["color"] = {"S": "red" if i < 4 else "blue"}
            self.ddb.put_item(TableName=name, Item=item)

        resp = self.ddb.update_table(
            TableName=name,
            AttributeDefinitions=attr_defs(pk="S", color="S"),
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": "by_color", "KeySchema": key_schema("color"),
                "Projection": {"ProjectionType": "ALL"},
            }}],
        )
        self.assertEqual(resp["TableDescription"]["TableName"], name)

        def index_active():
            for g in self.describe(name).get("GlobalSecondaryIndexes", []):
                if g["IndexName"] == "by_color" and g["IndexStatus"] == "ACTIVE" \
                        and not g.get("Backfilling", False):
                    return g
            return None

        gsi = self.wait_for(index_active, "by_color to become ACTIVE")
        self.assertEqual(gsi["IndexArn"], f"{table_arn(name)}/index/by_color")

        red = self.ddb.query(TableName=name, IndexName="by_color",
                             KeyConditionExpression="color = :c",
                             ExpressionAttributeValues={":c": {"S": "red"}})
        self.assertEqual(sorted(i["pk"]["S"] for i in red["Items"]), ["p0", "p2"])
        blue = self.ddb.query(TableName=name, IndexName="by_color",
                              KeyConditionExpression="color = :c",
                              ExpressionAttributeValues={":c": {"S": "blue"}})
        self.assertEqual([i["pk"]["S"] for i in blue["Items"]], ["p4"])
        self.assertEqual(blue["Items"][0]["n"], {"N": "4"})

        # New writes after the backfill are indexed too.
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "p9"}, "color": {"S": "blue"}})
        blue = self.ddb.query(TableName=name, IndexName="by_color",
                              KeyConditionExpression="color = :c",
                              ExpressionAttributeValues={":c": {"S": "blue"}})
        self.assertEqual(sorted(i["pk"]["S"] for i in blue["Items"]), ["p4", "p9"])

        self.ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[
            {"Delete": {"IndexName": "by_color"}}])
        self.wait_for(lambda: not any(g["IndexName"] == "by_color"
                                      for g in self.describe(name).get("GlobalSecondaryIndexes", [])),
                      "by_color to disappear")
        # dynalite test/query.js (recorded against DynamoDB): querying an index the table does
        # not have.
        self.assert_client_error(
            lambda: self.ddb.query(TableName=name, IndexName="by_color",
                                   KeyConditionExpression="color = :c",
                                   ExpressionAttributeValues={":c": {"S": "red"}}),
            "ValidationException", "The table does not have the specified index: by_color")

    def test_update_table_missing_table(self):
        missing = unique_name("missing")
        self.assert_client_error(
            lambda: self.ddb.update_table(TableName=missing, BillingMode="PAY_PER_REQUEST"),
            "ResourceNotFoundException",
            f"Requested resource not found: Table: {missing} not found")

    # ---- DeleteTable -------------------------------------------------------------------------

    def test_delete_table(self):
        name = self.create_table()
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
        resp = self.ddb.delete_table(TableName=name)
        self.assertEqual(resp["TableDescription"]["TableName"], name)
        self.assertEqual(resp["TableDescription"]["TableStatus"], "DELETING")

        def gone():
            return name not in self.ddb.list_tables()["TableNames"]
        self.wait_for(gone, f"{name} to leave ListTables")
        self.assert_client_error(
            lambda: self.ddb.describe_table(TableName=name), "ResourceNotFoundException",
            f"Requested resource not found: Table: {name} not found")
        # Data-plane operations on a missing table answer the short form.
        self.assert_client_error(
            lambda: self.ddb.get_item(TableName=name, Key={"pk": {"S": "a"}}),
            "ResourceNotFoundException", "Requested resource not found")
        # The name can be reused, and the new table is empty.
        self.create_table(name=name)
        self.assertNotIn("Item", self.ddb.get_item(TableName=name, Key={"pk": {"S": "a"}}))

    def test_delete_missing_table(self):
        missing = unique_name("missing")
        self.assert_client_error(
            lambda: self.ddb.delete_table(TableName=missing), "ResourceNotFoundException",
            f"Requested resource not found: Table: {missing} not found")

    # ---- Tags --------------------------------------------------------------------------------

    def test_tag_untag_list_tags(self):
        name = self.create_table(Tags=[{"Key": "team", "Value": "core"}])
        arn = table_arn(name)
        tags = self.ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]
        self.assertEqual(tags, [{"Key": "team", "Value": "core"}])

        self.ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "test"},
                                                     {"Key": "team", "Value": "edge"}])
        tags = self.ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags),
                         [("env", "test"), ("team", "edge")])

        self.ddb.untag_resource(ResourceArn=arn, TagKeys=["team"])
        tags = self.ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]
        self.assertEqual(tags, [{"Key": "env", "Value": "test"}])

    def test_tag_missing_table(self):
        # Message not confirmed against real DynamoDB: code and status only.
        arn = table_arn(unique_name("missing"))
        self.assert_client_error(
            lambda: self.ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "b"}]),
            "ResourceNotFoundException")

    # ---- Errors ------------------------------------------------------------------------------

    def test_duplicate_create_is_resource_in_use(self):
        name = self.create_table()
        self.assert_client_error(
            lambda: self.create_table(name=name), "ResourceInUseException",
            f"Table already exists: {name}")

    def test_describe_missing_table(self):
        missing = unique_name("missing")
        self.assert_client_error(
            lambda: self.ddb.describe_table(TableName=missing), "ResourceNotFoundException",
            f"Requested resource not found: Table: {missing} not found")

    def test_put_item_missing_table(self):
        self.assert_client_error(
            lambda: self.ddb.put_item(TableName=unique_name("missing"), Item={"pk": {"S": "a"}}),
            "ResourceNotFoundException", "Requested resource not found")

    def test_missing_key_schema(self):
        loose = self.server.client(validate=False)
        self.assert_client_error(
            lambda: loose.create_table(TableName=unique_name(), AttributeDefinitions=attr_defs(pk="S"),
                                       BillingMode="PAY_PER_REQUEST"),
            "ValidationException",
            "1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: "
            "Member must not be null")

    def test_key_attribute_not_defined(self):
        self.assert_client_error(
            lambda: self.ddb.create_table(TableName=unique_name(), KeySchema=key_schema("a"),
                                          AttributeDefinitions=attr_defs(b="S"),
                                          BillingMode="PAY_PER_REQUEST"),
            "ValidationException",
            "One or more parameter values were invalid: Some index key attributes are not defined "
            "in AttributeDefinitions. Keys: [a], AttributeDefinitions: [b]")

    def test_extra_attribute_definition(self):
        self.assert_client_error(
            lambda: self.ddb.create_table(TableName=unique_name(), KeySchema=key_schema("a"),
                                          AttributeDefinitions=attr_defs(a="S", b="S"),
                                          BillingMode="PAY_PER_REQUEST"),
            "ValidationException",
            "One or more parameter values were invalid: Number of attributes in KeySchema does "
            "not exactly match number of attributes defined in AttributeDefinitions")

    def test_invalid_key_schema_order(self):
        self.assert_client_error(
            lambda: self.ddb.create_table(
                TableName=unique_name(),
                KeySchema=[{"AttributeName": "a", "KeyType": "RANGE"},
                           {"AttributeName": "b", "KeyType": "HASH"}],
                AttributeDefinitions=attr_defs(a="S", b="S"), BillingMode="PAY_PER_REQUEST"),
            "ValidationException",
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type")

    def test_invalid_table_name_characters(self):
        self.assert_client_error(
            lambda: self.ddb.create_table(TableName="bad;name", KeySchema=key_schema("a"),
                                          AttributeDefinitions=attr_defs(a="S"),
                                          BillingMode="PAY_PER_REQUEST"),
            "ValidationException",
            "1 validation error detected: Value 'bad;name' at 'tableName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")

    def test_table_name_too_short(self):
        # Wording differs between sources for a too-short name: code and status only.
        loose = self.server.client(validate=False)
        self.assert_client_error(
            lambda: loose.create_table(TableName="ab", KeySchema=key_schema("a"),
                                       AttributeDefinitions=attr_defs(a="S"),
                                       BillingMode="PAY_PER_REQUEST"),
            "ValidationException")

    def test_lsi_on_hash_only_table(self):
        self.assert_client_error(
            lambda: self.ddb.create_table(
                TableName=unique_name(), KeySchema=key_schema("a"),
                AttributeDefinitions=attr_defs(a="S", b="S"), BillingMode="PAY_PER_REQUEST",
                LocalSecondaryIndexes=[{"IndexName": "lsi", "KeySchema": key_schema("a", "b"),
                                        "Projection": {"ProjectionType": "ALL"}}]),
            "ValidationException",
            "One or more parameter values were invalid: Table KeySchema does not have a range key, "
            "which is required when specifying a LocalSecondaryIndex")

    # ---- AWS CLI -----------------------------------------------------------------------------

    def test_cli_table_lifecycle(self):
        name = unique_name("cli")
        rc, out, err = self.server.aws(
            "dynamodb", "create-table", "--table-name", name,
            "--attribute-definitions", "AttributeName=pk,AttributeType=S",
            "AttributeName=sk,AttributeType=N",
            "--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE",
            "--billing-mode", "PAY_PER_REQUEST")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["TableDescription"]["TableName"], name)
        self.assertEqual(out["TableDescription"]["KeySchema"], key_schema("pk", "sk"))

        rc, out, err = self.server.aws("dynamodb", "describe-table", "--table-name", name)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["Table"]["TableStatus"], "ACTIVE")
        self.assertEqual(out["Table"]["TableArn"], table_arn(name))
        self.assertEqual(out["Table"]["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")

        rc, out, err = self.server.aws("dynamodb", "list-tables")
        self.assertEqual(rc, 0, err)
        self.assertIn(name, out["TableNames"])

        # The CLI pages through ListTables by itself; a page size of 1 must still give all.
        rc, paged, err = self.server.aws("dynamodb", "list-tables", "--page-size", "1")
        self.assertEqual(rc, 0, err)
        self.assertEqual(paged["TableNames"], out["TableNames"])

        rc, out, err = self.server.aws("dynamodb", "delete-table", "--table-name", name)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["TableDescription"]["TableName"], name)

        rc, out, err = self.server.aws("dynamodb", "describe-table", "--table-name", name)
        # AWS CLI v2: exit status 254 when the service answered with an error.
        self.assertEqual(rc, 254, (out, err))
        self.assertIn("ResourceNotFoundException", err)
        self.assertIn(f"Requested resource not found: Table: {name} not found", err)

    def test_cli_duplicate_create_error(self):
        name = self.create_table()
        rc, out, err = self.server.aws(
            "dynamodb", "create-table", "--table-name", name,
            "--attribute-definitions", "AttributeName=pk,AttributeType=S",
            "--key-schema", "AttributeName=pk,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST")
        self.assertEqual(rc, 254, (out, err))
        self.assertIn("An error occurred (ResourceInUseException) when calling the CreateTable "
                      "operation", err)


class RegionTest(FogbankTestCase):
    def test_region_comes_from_the_credential_scope(self):
        # Any SigV4 credentials are accepted; the region of the signature's credential scope is
        # the region of the request, and so of the ARNs the service hands out.
        client = self.server.client(region="eu-west-1")
        name = unique_name("region")
        arn = client.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        )["TableDescription"]["TableArn"]
        self.assertEqual(arn, f"arn:aws:dynamodb:eu-west-1:000000000000:table/{name}")
        described = self.server.client(region="ap-southeast-2").describe_table(TableName=name)["Table"]
        self.assertEqual(described["TableArn"], f"arn:aws:dynamodb:ap-southeast-2:000000000000:table/{name}")


if __name__ == "__main__":
    unittest.main()
