"""DynamoDB through the AWS CLI v2 (/usr/bin/aws) only: the operations the other e2e files do not
drive through the CLI.

Covered: update-table (billing mode changes both ways, adding a GSI with --attribute-definitions
and --global-secondary-index-updates, querying it with `query --index-name`, deleting it),
tag-resource / untag-resource / list-tags-of-resource, batch-write-item and batch-get-item with
`--request-items file://...`, transact-write-items (success and a cancelled transaction),
transact-get-items, describe-endpoints, describe-limits, and `scan --select COUNT` /
`query --select COUNT` (which the CLI pages through by itself, summing Count and ScannedCount).

Expectations come from the AWS CLI command reference and the DynamoDB API reference:
- CLI v2 exits 254 when the service answered with an error and prints
  "An error occurred (<Code>) when calling the <Operation> operation: <message>" to stderr.
- TransactWriteItems cancellation: "Transaction cancelled, please refer cancellation reasons for
  specific reasons [None, ConditionalCheckFailed]" (see test_dynamodb_batch_transact.py).
- TransactGetItems answers one ItemResponse per request, in request order; an item that does not
  exist gives an ItemResponse without `Item`.
- DescribeLimits: the default account quotas (80,000 / 40,000 capacity units); DescribeEndpoints:
  `dynamodb.<region>.amazonaws.com` with CachePeriodInMinutes 1440.
- Querying an index the table does not have: ValidationException "The table does not have the
  specified index: <name>".
"""

import json
import os
import tempfile
import time
import unittest

from fogbank_harness import REGION, FogbankTestCase, table_arn, unique_name

CLI_SERVICE_ERROR = 254
INDEX_WAIT = 15.0


def s(v):
    return {"S": v}


def n(v):
    return {"N": str(v)}


class DynamoDbCliTest(FogbankTestCase):

    # ---- helpers ------------------------------------------------------------------------------

    def aws(self, *args):
        return self.server.aws("dynamodb", *args)

    def ok(self, *args):
        """Run `aws dynamodb ARGS`, require exit 0, return the parsed stdout."""
        rc, out, err = self.aws(*args)
        self.assertEqual(rc, 0, f"aws dynamodb {' '.join(map(str, args))}\nstdout: {out!r}\n"
                                f"stderr: {err}")
        return out

    def fails(self, code, *args, message=None):
        """Run `aws dynamodb ARGS`, require exit 254 and `code` (and `message`) in stderr."""
        rc, out, err = self.aws(*args)
        self.assertEqual(rc, CLI_SERVICE_ERROR,
                         f"aws dynamodb {' '.join(map(str, args))}\nstdout: {out!r}\nstderr: {err}")
        self.assertIn(f"An error occurred ({code})", err)
        if message is not None:
            self.assertIn(message, err)
        return err

    def json_file(self, document):
        """Write `document` as JSON to a temp file removed after the test; return file://PATH."""
        fd, path = tempfile.mkstemp(prefix="fogbank-cli-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(document, f)
        self.addCleanup(os.unlink, path)
        return "file://" + path

    def cli_create_table(self, *extra, range_key=None, name=None):
        name = name or unique_name("cli")
        defs = ["AttributeName=pk,AttributeType=S"]
        schema = ["AttributeName=pk,KeyType=HASH"]
        if range_key:
            defs.append(f"AttributeName={range_key[0]},AttributeType={range_key[1]}")
            schema.append(f"AttributeName={range_key[0]},KeyType=RANGE")
        if not extra:
            extra = ("--billing-mode", "PAY_PER_REQUEST")
        out = self.ok("create-table", "--table-name", name, "--attribute-definitions", *defs,
                      "--key-schema", *schema, *extra)
        self.assertEqual(out["TableDescription"]["TableName"], name)
        return name

    def put(self, table, item):
        self.ok("put-item", "--table-name", table, "--item", json.dumps(item))

    def get(self, table, key):
        return self.ok("get-item", "--table-name", table, "--consistent-read",
                       "--key", json.dumps(key))

    def describe(self, table):
        return self.ok("describe-table", "--table-name", table)["Table"]

    def wait_for(self, table, predicate, what):
        """Poll describe-table (bounded) until predicate(Table) holds."""
        deadline = time.monotonic() + INDEX_WAIT
        while True:
            desc = self.describe(table)
            if predicate(desc):
                return desc
            if time.monotonic() > deadline:
                self.fail(f"{what} not reached within {INDEX_WAIT:.0f} s: {desc!r}")
            time.sleep(0.2)

    # ---- update-table: billing mode -----------------------------------------------------------

    def test_update_table_on_demand_to_provisioned(self):
        t = self.cli_create_table()
        self.assertEqual(self.describe(t)["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")

        out = self.ok("update-table", "--table-name", t, "--billing-mode", "PROVISIONED",
                      "--provisioned-throughput", "ReadCapacityUnits=7,WriteCapacityUnits=3")
        td = out["TableDescription"]
        self.assertEqual(td["TableName"], t)
        self.assertEqual(td["ProvisionedThroughput"]["ReadCapacityUnits"], 7)
        self.assertEqual(td["ProvisionedThroughput"]["WriteCapacityUnits"], 3)

        desc = self.wait_for(t, lambda d: d["TableStatus"] == "ACTIVE", "table ACTIVE")
        self.assertEqual(desc["ProvisionedThroughput"]["ReadCapacityUnits"], 7)
        self.assertEqual(desc["ProvisionedThroughput"]["WriteCapacityUnits"], 3)
        # A table switched from on-demand keeps a BillingModeSummary naming the new mode.
        self.assertEqual(desc.get("BillingModeSummary", {"BillingMode": "PROVISIONED"})
                         ["BillingMode"], "PROVISIONED")

    def test_update_table_provisioned_to_on_demand(self):
        t = self.cli_create_table("--provisioned-throughput",
                                  "ReadCapacityUnits=4,WriteCapacityUnits=2")
        desc = self.describe(t)
        self.assertEqual(desc["ProvisionedThroughput"]["ReadCapacityUnits"], 4)
        self.assertEqual(desc["ProvisionedThroughput"]["WriteCapacityUnits"], 2)

        out = self.ok("update-table", "--table-name", t, "--billing-mode", "PAY_PER_REQUEST")
        self.assertEqual(out["TableDescription"]["TableName"], t)
        self.assertEqual(out["TableDescription"]["BillingModeSummary"]["BillingMode"],
                         "PAY_PER_REQUEST")

        desc = self.wait_for(t, lambda d: d["TableStatus"] == "ACTIVE", "table ACTIVE")
        self.assertEqual(desc["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
        self.assertEqual(desc["ProvisionedThroughput"]["ReadCapacityUnits"], 0)
        self.assertEqual(desc["ProvisionedThroughput"]["WriteCapacityUnits"], 0)

    def test_update_table_missing_table(self):
        missing = unique_name("missing")
        self.fails("ResourceNotFoundException", "update-table", "--table-name", missing,
                   "--billing-mode", "PAY_PER_REQUEST",
                   message="when calling the UpdateTable operation")

    # ---- update-table: GSI create / query / delete --------------------------------------------

    def test_update_table_gsi_lifecycle(self):
        t = self.cli_create_table(range_key=("sk", "N"))
        # Items written before the index exists must be backfilled into it.
        for i in range(1, 7):
            item = {"pk": s("p1" if i <= 3 else "p2"), "sk": n(i), "v": s(f"v{i}")}
            if i != 6:  # one item without the index key: not in the index
                item["color"] = s("red" if i % 2 else "blue")
            self.put(t, item)

        gsi_create = [{"Create": {
            "IndexName": "by_color",
            "KeySchema": [{"AttributeName": "color", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        }}]
        out = self.ok("update-table", "--table-name", t,
                      "--attribute-definitions", "AttributeName=pk,AttributeType=S",
                      "AttributeName=sk,AttributeType=N", "AttributeName=color,AttributeType=S",
                      "--global-secondary-index-updates", json.dumps(gsi_create))
        td = out["TableDescription"]
        self.assertEqual(td["TableName"], t)
        self.assertEqual([g["IndexName"] for g in td["GlobalSecondaryIndexes"]], ["by_color"])
        self.assertIn({"AttributeName": "color", "AttributeType": "S"},
                      td["AttributeDefinitions"])

        desc = self.wait_for(
            t, lambda d: d["TableStatus"] == "ACTIVE" and all(
                g["IndexStatus"] == "ACTIVE" for g in d.get("GlobalSecondaryIndexes", [])),
            "index ACTIVE")
        gsis = desc["GlobalSecondaryIndexes"]
        self.assertEqual(len(gsis), 1)
        self.assertEqual(gsis[0]["IndexName"], "by_color")
        self.assertEqual(gsis[0]["KeySchema"],
                         [{"AttributeName": "color", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}])
        self.assertEqual(gsis[0]["Projection"], {"ProjectionType": "ALL"})
        self.assertEqual(gsis[0]["IndexArn"], table_arn(t) + "/index/by_color")

        out = self.ok("query", "--table-name", t, "--index-name", "by_color",
                      "--key-condition-expression", "color = :c",
                      "--expression-attribute-values", json.dumps({":c": s("red")}))
        self.assertEqual(out["Count"], 3)
        self.assertEqual([int(i["sk"]["N"]) for i in out["Items"]], [1, 3, 5])
        self.assertEqual([i["v"]["S"] for i in out["Items"]], ["v1", "v3", "v5"])
        self.assertEqual(out["Items"][0]["pk"], s("p1"))

        out = self.ok("query", "--table-name", t, "--index-name", "by_color",
                      "--key-condition-expression", "color = :c AND sk > :k",
                      "--expression-attribute-values", json.dumps({":c": s("blue"), ":k": n(2)}),
                      "--no-scan-index-forward")
        self.assertEqual([int(i["sk"]["N"]) for i in out["Items"]], [4])

        # A write after creation is maintained in the index.
        self.put(t, {"pk": s("p3"), "sk": n(7), "color": s("red")})
        out = self.ok("query", "--table-name", t, "--index-name", "by_color",
                      "--key-condition-expression", "color = :c",
                      "--expression-attribute-values", json.dumps({":c": s("red")}),
                      "--no-scan-index-forward")
        self.assertEqual([int(i["sk"]["N"]) for i in out["Items"]], [7, 5, 3, 1])

        # Scanning the index sees only the items that have the index key.
        out = self.ok("scan", "--table-name", t, "--index-name", "by_color")
        self.assertEqual(out["Count"], 6)
        self.assertEqual(sorted(int(i["sk"]["N"]) for i in out["Items"]), [1, 2, 3, 4, 5, 7])

        # Delete the index.
        out = self.ok("update-table", "--table-name", t, "--global-secondary-index-updates",
                      json.dumps([{"Delete": {"IndexName": "by_color"}}]))
        self.assertEqual(out["TableDescription"]["TableName"], t)
        desc = self.wait_for(t, lambda d: not d.get("GlobalSecondaryIndexes"), "index gone")
        self.assertEqual(desc["TableStatus"], "ACTIVE")
        self.assertIn({"AttributeName": "pk", "AttributeType": "S"}, desc["AttributeDefinitions"])

        self.fails("ValidationException", "query", "--table-name", t, "--index-name", "by_color",
                   "--key-condition-expression", "color = :c",
                   "--expression-attribute-values", json.dumps({":c": s("red")}),
                   message="The table does not have the specified index: by_color")
        # The base table is untouched.
        out = self.ok("query", "--table-name", t, "--key-condition-expression", "pk = :p",
                      "--expression-attribute-values", json.dumps({":p": s("p1")}))
        self.assertEqual([int(i["sk"]["N"]) for i in out["Items"]], [1, 2, 3])

    def test_update_table_gsi_key_without_attribute_definition(self):
        t = self.cli_create_table()
        gsi_create = [{"Create": {
            "IndexName": "by_x",
            "KeySchema": [{"AttributeName": "x", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }}]
        self.fails("ValidationException", "update-table", "--table-name", t,
                   "--attribute-definitions", "AttributeName=pk,AttributeType=S",
                   "--global-secondary-index-updates", json.dumps(gsi_create))
        self.assertFalse(self.describe(t).get("GlobalSecondaryIndexes"))

    def test_update_table_delete_missing_gsi(self):
        t = self.cli_create_table()
        self.fails("ResourceNotFoundException", "update-table", "--table-name", t,
                   "--global-secondary-index-updates",
                   json.dumps([{"Delete": {"IndexName": "nope"}}]))

    # ---- tags ---------------------------------------------------------------------------------

    def test_tags(self):
        t = self.cli_create_table()
        arn = self.describe(t)["TableArn"]
        self.assertEqual(arn, table_arn(t))

        out = self.ok("list-tags-of-resource", "--resource-arn", arn)
        self.assertEqual(out.get("Tags", []), [])

        rc, out, err = self.aws("tag-resource", "--resource-arn", arn, "--tags",
                                "Key=env,Value=test", "Key=team,Value=storage",
                                "Key=owner,Value=alice")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, "", "TagResource has no output")

        out = self.ok("list-tags-of-resource", "--resource-arn", arn)
        self.assertEqual(sorted((tg["Key"], tg["Value"]) for tg in out["Tags"]),
                         [("env", "test"), ("owner", "alice"), ("team", "storage")])

        # Re-tagging an existing key replaces its value.
        self.ok("tag-resource", "--resource-arn", arn, "--tags", "Key=env,Value=prod")
        out = self.ok("list-tags-of-resource", "--resource-arn", arn)
        self.assertEqual(sorted((tg["Key"], tg["Value"]) for tg in out["Tags"]),
                         [("env", "prod"), ("owner", "alice"), ("team", "storage")])

        rc, out, err = self.aws("untag-resource", "--resource-arn", arn,
                                "--tag-keys", "env", "owner", "not-there")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, "", "UntagResource has no output")
        out = self.ok("list-tags-of-resource", "--resource-arn", arn)
        self.assertEqual(out["Tags"], [{"Key": "team", "Value": "storage"}])

        self.ok("untag-resource", "--resource-arn", arn, "--tag-keys", "team")
        out = self.ok("list-tags-of-resource", "--resource-arn", arn)
        self.assertEqual(out.get("Tags", []), [])

    def test_tags_on_missing_table(self):
        arn = table_arn(unique_name("missing"))
        self.fails("ResourceNotFoundException", "list-tags-of-resource", "--resource-arn", arn)
        self.fails("ResourceNotFoundException", "tag-resource", "--resource-arn", arn,
                   "--tags", "Key=a,Value=b")
        self.fails("ResourceNotFoundException", "untag-resource", "--resource-arn", arn,
                   "--tag-keys", "a")

    # ---- batch-write-item / batch-get-item ----------------------------------------------------

    def test_batch_write_and_get(self):
        t1 = self.cli_create_table()
        t2 = self.cli_create_table(range_key=("sk", "N"))
        self.put(t1, {"pk": s("doomed"), "v": n(0)})

        request = {
            t1: [{"PutRequest": {"Item": {"pk": s(f"k{i}"), "v": n(i * 10)}}} for i in range(5)]
            + [{"DeleteRequest": {"Key": {"pk": s("doomed")}}}],
            t2: [{"PutRequest": {"Item": {"pk": s("a"), "sk": n(i), "tag": s(f"t{i}")}}}
                 for i in range(3)],
        }
        out = self.ok("batch-write-item", "--request-items", self.json_file(request))
        self.assertEqual(out.get("UnprocessedItems"), {})

        self.assertNotIn("Item", self.get(t1, {"pk": s("doomed")}))
        self.assertEqual(self.get(t1, {"pk": s("k3")})["Item"], {"pk": s("k3"), "v": n(30)})

        out = self.ok("scan", "--table-name", t1, "--select", "COUNT")
        self.assertEqual(out["Count"], 5)

        keys = {
            t1: {"Keys": [{"pk": s("k0")}, {"pk": s("k4")}, {"pk": s("absent")}],
                 "ConsistentRead": True},
            t2: {"Keys": [{"pk": s("a"), "sk": n(2)}, {"pk": s("a"), "sk": n(0)}],
                 "ProjectionExpression": "sk, #t",
                 "ExpressionAttributeNames": {"#t": "tag"}},
        }
        out = self.ok("batch-get-item", "--request-items", self.json_file(keys))
        self.assertEqual(out.get("UnprocessedKeys"), {})
        self.assertEqual(set(out["Responses"]), {t1, t2})
        got1 = sorted(out["Responses"][t1], key=lambda i: i["pk"]["S"])
        self.assertEqual(got1, [{"pk": s("k0"), "v": n(0)}, {"pk": s("k4"), "v": n(40)}])
        got2 = sorted(out["Responses"][t2], key=lambda i: int(i["sk"]["N"]))
        self.assertEqual(got2, [{"sk": n(0), "tag": s("t0")}, {"sk": n(2), "tag": s("t2")}])

    def test_batch_write_errors(self):
        t = self.cli_create_table()
        dup = {t: [{"PutRequest": {"Item": {"pk": s("same"), "v": n(1)}}},
                   {"PutRequest": {"Item": {"pk": s("same"), "v": n(2)}}}]}
        self.fails("ValidationException", "batch-write-item", "--request-items",
                   self.json_file(dup),
                   message="Provided list of item keys contains duplicates")

        too_many = {t: [{"PutRequest": {"Item": {"pk": s(f"k{i}")}}} for i in range(26)]}
        self.fails("ValidationException", "batch-write-item", "--request-items",
                   self.json_file(too_many))

        missing = unique_name("missing")
        self.fails("ResourceNotFoundException", "batch-write-item", "--request-items",
                   self.json_file({missing: [{"PutRequest": {"Item": {"pk": s("x")}}}]}))
        self.fails("ResourceNotFoundException", "batch-get-item", "--request-items",
                   self.json_file({missing: {"Keys": [{"pk": s("x")}]}}))

        # None of the rejected batches wrote anything.
        out = self.ok("scan", "--table-name", t, "--select", "COUNT")
        self.assertEqual(out["Count"], 0)

    # ---- transact-write-items / transact-get-items --------------------------------------------

    def test_transact_write_and_get(self):
        t = self.cli_create_table()
        self.put(t, {"pk": s("counter"), "n": n(10)})
        self.put(t, {"pk": s("gone"), "v": s("x")})
        self.put(t, {"pk": s("guard"), "state": s("open")})

        items = [
            {"Put": {"TableName": t, "Item": {"pk": s("new"), "v": s("hello")},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": t, "Key": {"pk": s("counter")},
                        "UpdateExpression": "SET n = n + :d",
                        "ExpressionAttributeValues": {":d": n(5)}}},
            {"Delete": {"TableName": t, "Key": {"pk": s("gone")}}},
            {"ConditionCheck": {"TableName": t, "Key": {"pk": s("guard")},
                                "ConditionExpression": "#s = :open",
                                "ExpressionAttributeNames": {"#s": "state"},
                                "ExpressionAttributeValues": {":open": s("open")}}},
        ]
        rc, out, err = self.aws("transact-write-items", "--transact-items",
                                self.json_file(items))
        self.assertEqual(rc, 0, err)
        # No ConsumedCapacity / ItemCollectionMetrics were asked for: the CLI prints nothing.
        self.assertEqual(out, "")

        get = [
            {"Get": {"TableName": t, "Key": {"pk": s("new")}}},
            {"Get": {"TableName": t, "Key": {"pk": s("counter")}}},
            {"Get": {"TableName": t, "Key": {"pk": s("gone")}}},
            {"Get": {"TableName": t, "Key": {"pk": s("guard")},
                     "ProjectionExpression": "#s", "ExpressionAttributeNames": {"#s": "state"}}},
        ]
        out = self.ok("transact-get-items", "--transact-items", json.dumps(get))
        responses = out["Responses"]
        self.assertEqual(len(responses), 4)
        self.assertEqual(responses[0]["Item"], {"pk": s("new"), "v": s("hello")})
        self.assertEqual(responses[1]["Item"], {"pk": s("counter"), "n": n(15)})
        self.assertNotIn("Item", responses[2])
        self.assertEqual(responses[3]["Item"], {"state": s("open")})

    def test_transact_write_cancelled(self):
        t = self.cli_create_table()
        self.put(t, {"pk": s("a"), "n": n(1)})
        self.put(t, {"pk": s("locked"), "state": s("closed")})

        items = [
            {"Put": {"TableName": t, "Item": {"pk": s("b"), "v": s("should-not-exist")}}},
            {"Update": {"TableName": t, "Key": {"pk": s("a")},
                        "UpdateExpression": "SET n = :n",
                        "ExpressionAttributeValues": {":n": n(99)}}},
            {"ConditionCheck": {"TableName": t, "Key": {"pk": s("locked")},
                                "ConditionExpression": "#s = :open",
                                "ExpressionAttributeNames": {"#s": "state"},
                                "ExpressionAttributeValues": {":open": s("open")}}},
        ]
        rc, out, err = self.aws("transact-write-items", "--transact-items",
                                self.json_file(items))
        self.assertEqual(rc, CLI_SERVICE_ERROR, (out, err))
        self.assertIn("TransactionCanceledException", err)
        self.assertIn("when calling the TransactWriteItems operation", err)
        self.assertIn("Transaction cancelled, please refer cancellation reasons for specific "
                      "reasons [None, None, ConditionalCheckFailed]", err)

        # Nothing was written.
        self.assertNotIn("Item", self.get(t, {"pk": s("b")}))
        self.assertEqual(self.get(t, {"pk": s("a")})["Item"], {"pk": s("a"), "n": n(1)})
        out = self.ok("scan", "--table-name", t, "--select", "COUNT")
        self.assertEqual(out["Count"], 2)

        # A transaction touching one item twice is a ValidationException, not a cancellation.
        twice = [{"Put": {"TableName": t, "Item": {"pk": s("a")}}},
                 {"Delete": {"TableName": t, "Key": {"pk": s("a")}}}]
        self.fails("ValidationException", "transact-write-items", "--transact-items",
                   self.json_file(twice),
                   message="Transaction request cannot include multiple operations on one item")
        self.assertEqual(self.get(t, {"pk": s("a")})["Item"], {"pk": s("a"), "n": n(1)})

    def test_transact_get_missing_table(self):
        missing = unique_name("missing")
        self.fails("ResourceNotFoundException", "transact-get-items", "--transact-items",
                   json.dumps([{"Get": {"TableName": missing, "Key": {"pk": s("x")}}}]))

    # ---- the executable ------------------------------------------------------------------------

    def test_the_aws_executable_prints_what_the_forked_cli_prints(self):
        """The harness forks most commands from a process that imported the CLI once; /usr/bin/aws
        itself must give the same exit code, stdout and stderr (an answer and an error)."""
        for args in (("describe-limits",), ("describe-table", "--table-name", unique_name("missing"))):
            with self.subTest(command=args[0]):
                self.assertEqual(self.server.aws("dynamodb", *args, process=True), self.aws(*args))

    # ---- describe-endpoints / describe-limits -------------------------------------------------

    def test_describe_endpoints(self):
        out = self.ok("describe-endpoints")
        self.assertEqual(out["Endpoints"], [{"Address": f"dynamodb.{REGION}.amazonaws.com",
                                             "CachePeriodInMinutes": 1440}])

    def test_describe_limits(self):
        out = self.ok("describe-limits")
        self.assertEqual(out, {
            "AccountMaxReadCapacityUnits": 80000,
            "AccountMaxWriteCapacityUnits": 80000,
            "TableMaxReadCapacityUnits": 40000,
            "TableMaxWriteCapacityUnits": 40000,
        })

    # ---- scan / query --select COUNT ----------------------------------------------------------

    def test_select_count(self):
        t = self.cli_create_table(range_key=("sk", "N"))
        request = {t: [{"PutRequest": {"Item": {"pk": s("A" if i < 12 else "B"), "sk": n(i),
                                                "even": {"BOOL": i % 2 == 0}}}}
                       for i in range(20)]}
        self.ok("batch-write-item", "--request-items", self.json_file(request))

        out = self.ok("scan", "--table-name", t, "--select", "COUNT")
        self.assertNotIn("Items", out)
        self.assertEqual(out["Count"], 20)
        self.assertEqual(out["ScannedCount"], 20)

        out = self.ok("scan", "--table-name", t, "--select", "COUNT",
                      "--filter-expression", "even = :t",
                      "--expression-attribute-values", json.dumps({":t": {"BOOL": True}}))
        self.assertNotIn("Items", out)
        self.assertEqual(out["Count"], 10)
        self.assertEqual(out["ScannedCount"], 20)

        # The CLI pages through by itself and sums Count and ScannedCount over the pages.
        out = self.ok("scan", "--table-name", t, "--select", "COUNT", "--page-size", "3",
                      "--filter-expression", "even = :t",
                      "--expression-attribute-values", json.dumps({":t": {"BOOL": True}}))
        self.assertEqual(out["Count"], 10)
        self.assertEqual(out["ScannedCount"], 20)

        out = self.ok("query", "--table-name", t, "--select", "COUNT",
                      "--key-condition-expression", "pk = :p",
                      "--expression-attribute-values", json.dumps({":p": s("A")}))
        self.assertNotIn("Items", out)
        self.assertEqual(out["Count"], 12)
        self.assertEqual(out["ScannedCount"], 12)

        out = self.ok("query", "--table-name", t, "--select", "COUNT",
                      "--key-condition-expression", "pk = :p AND sk >= :lo",
                      "--filter-expression", "even = :t",
                      "--expression-attribute-values",
                      json.dumps({":p": s("A"), ":lo": n(5), ":t": {"BOOL": True}}),
                      "--page-size", "2")
        # sk 5..11 in partition A: 7 read, of which 6, 8, 10 are even.
        self.assertEqual(out["Count"], 3)
        self.assertEqual(out["ScannedCount"], 7)

        out = self.ok("query", "--table-name", t, "--select", "COUNT",
                      "--key-condition-expression", "pk = :p",
                      "--expression-attribute-values", json.dumps({":p": s("nobody")}))
        self.assertEqual(out["Count"], 0)
        self.assertEqual(out["ScannedCount"], 0)

        # COUNT together with a projection is refused.
        self.fails("ValidationException", "scan", "--table-name", t, "--select", "COUNT",
                   "--projection-expression", "sk")


if __name__ == "__main__":
    unittest.main()
