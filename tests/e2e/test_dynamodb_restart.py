"""Durability: with --data-dir, every acknowledged write survives kill -9 and a clean restart."""

import shutil
import tempfile
import unittest

from fogbank_harness import FogbankServer, unique_name

N = 200


class RestartTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fogbank-e2e-")
        self.server = FogbankServer(data_dir=self.dir)
        self.server.start()

    def tearDown(self):
        try:
            if self.server.running():
                self.server.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def write_workload(self, ddb, table):
        """Puts, updates and deletes; returns the expected final contents {pk: item}."""
        expected = {}
        for i in range(N):
            item = {"pk": {"S": f"k{i:03d}"}, "n": {"N": str(i)}, "s": {"S": "v" * (i % 50)},
                    "l": {"L": [{"N": str(i)}, {"S": "x"}]}}
            ddb.put_item(TableName=table, Item=item)
            expected[item["pk"]["S"]] = item
        for i in range(0, N, 3):
            pk = f"k{i:03d}"
            resp = ddb.update_item(TableName=table, Key={"pk": {"S": pk}},
                                   UpdateExpression="SET n = n + :k ADD tags :t",
                                   ExpressionAttributeValues={":k": {"N": "1000"},
                                                              ":t": {"SS": ["u"]}},
                                   ReturnValues="ALL_NEW")
            expected[pk] = resp["Attributes"]
        for i in range(0, N, 7):
            pk = f"k{i:03d}"
            ddb.delete_item(TableName=table, Key={"pk": {"S": pk}})
            expected.pop(pk)
        # A batch and a transaction too.
        ddb.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": {"pk": {"S": f"b{i}"}, "n": {"N": str(i)}}}} for i in range(20)]})
        for i in range(20):
            expected[f"b{i}"] = {"pk": {"S": f"b{i}"}, "n": {"N": str(i)}}
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "tx1"}, "n": {"N": "1"}}}},
            {"Delete": {"TableName": table, "Key": {"pk": {"S": "b0"}}}}])
        expected["tx1"] = {"pk": {"S": "tx1"}, "n": {"N": "1"}}
        expected.pop("b0")
        return expected

    def assert_contents(self, ddb, table, expected):
        got = {}
        start = None
        for _ in range(1000):
            kw = {"TableName": table, "ConsistentRead": True}
            if start:
                kw["ExclusiveStartKey"] = start
            resp = ddb.scan(**kw)
            for item in resp["Items"]:
                got[item["pk"]["S"]] = item
            start = resp.get("LastEvaluatedKey")
            if not start:
                break
        self.assertEqual(sorted(got), sorted(expected))
        for pk, item in expected.items():
            self.assertEqual(got[pk], item, pk)
            # And by key, not only through a scan.
            self.assertEqual(ddb.get_item(TableName=table, Key={"pk": {"S": pk}},
                                          ConsistentRead=True).get("Item"), item, pk)

    def create(self, ddb, table):
        ddb.create_table(
            TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "n", "AttributeType": "N"}],
            BillingMode="PAY_PER_REQUEST",
            GlobalSecondaryIndexes=[{"IndexName": "by_n",
                                     "KeySchema": [{"AttributeName": "n", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}])

    def test_kill_9_keeps_acknowledged_writes(self):
        ddb = self.server.client()
        table = unique_name("durable")
        self.create(ddb, table)
        expected = self.write_workload(ddb, table)
        self.server.kill_9()
        self.server.start()
        ddb = self.server.client()
        desc = ddb.describe_table(TableName=table)["Table"]
        self.assertEqual(desc["TableStatus"], "ACTIVE")
        self.assertEqual([g["IndexName"] for g in desc["GlobalSecondaryIndexes"]], ["by_n"])
        self.assert_contents(ddb, table, expected)
        # The index survived too.
        resp = ddb.query(TableName=table, IndexName="by_n", KeyConditionExpression="n = :n",
                         ExpressionAttributeValues={":n": {"N": "1003"}})
        self.assertEqual([i["pk"]["S"] for i in resp["Items"]], ["k003"])
        # And the server keeps working after recovery.
        ddb.put_item(TableName=table, Item={"pk": {"S": "after"}, "n": {"N": "5"}})
        self.assertIn("Item", ddb.get_item(TableName=table, Key={"pk": {"S": "after"}}))

    def test_clean_restart(self):
        ddb = self.server.client()
        table = unique_name("clean")
        self.create(ddb, table)
        expected = self.write_workload(ddb, table)
        self.server.stop()          # SIGTERM, exit status 0
        self.server.start()
        ddb = self.server.client()
        self.assertIn(table, ddb.list_tables()["TableNames"])
        self.assert_contents(ddb, table, expected)
        # A table deleted before a restart stays deleted.
        ddb.delete_table(TableName=table)
        self.server.restart()
        ddb = self.server.client()
        self.assertNotIn(table, ddb.list_tables()["TableNames"])


if __name__ == "__main__":
    unittest.main()
