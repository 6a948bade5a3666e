"""DynamoDB Query and Scan end to end: key conditions, ordering, paging, filters, Select, GSIs and
LSIs (sparse), parallel scan, the 1 MB page limit, and the AWS CLI's own pagination.

Error messages: "Consistent reads are not supported on global secondary indexes" and "Query
condition missed key schema element: pk" are from dynalite's test/query.js, recorded against
real DynamoDB. Others that could not be confirmed are checked by code and status only.
"""

import unittest

from fogbank_harness import FogbankTestCase, unique_name

N_ITEMS = 20
MAX_PAGES = 1000


def sk_list(items):
    return [int(i["sk"]["N"]) for i in items]


class QueryScanTest(FogbankTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ddb = cls.ddb
        cls.table = unique_name("qs")
        ddb.create_table(
            TableName=cls.table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"},
                                  {"AttributeName": "g", "AttributeType": "S"},
                                  {"AttributeName": "l", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            GlobalSecondaryIndexes=[
                {"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                                    {"AttributeName": "sk", "KeyType": "RANGE"}],
                 "Projection": {"ProjectionType": "KEYS_ONLY"}},
                {"IndexName": "by_g_inc", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                 "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]}},
            ],
            LocalSecondaryIndexes=[
                {"IndexName": "by_l", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                    {"AttributeName": "l", "KeyType": "RANGE"}],
                 "Projection": {"ProjectionType": "ALL"}},
            ])
        # Partition "A": sk 1..20, v = 10*sk, every item has `odd`/`even` only for sk <= 10
        # (sparse GSI), and `l` only for multiples of 3 (sparse LSI).
        for sk in range(1, N_ITEMS + 1):
            item = {"pk": {"S": "A"}, "sk": {"N": str(sk)}, "v": {"N": str(10 * sk)},
                    "other": {"S": f"o{sk}"}}
            if sk <= 10:
                item["g"] = {"S": "even" if sk % 2 == 0 else "odd"}
            if sk % 3 == 0:
                item["l"] = {"S": f"x{sk:02d}"}
            ddb.put_item(TableName=cls.table, Item=item)
        # Another partition that queries on "A" must never see.
        for sk in range(1, 4):
            ddb.put_item(TableName=cls.table, Item={"pk": {"S": "B"}, "sk": {"N": str(sk)},
                                                     "g": {"S": "even"}})

    def query(self, cond, values, **kw):
        return self.ddb.query(TableName=self.table, KeyConditionExpression=cond,
                              ExpressionAttributeValues=values, **kw)

    # ---- key conditions ----------------------------------------------------------------------

    def test_every_key_condition(self):
        A = {":p": {"S": "A"}}
        cases = [
            ("pk = :p", {}, list(range(1, 21))),
            ("pk = :p AND sk = :a", {":a": {"N": "5"}}, [5]),
            ("pk = :p AND sk < :a", {":a": {"N": "5"}}, [1, 2, 3, 4]),
            ("pk = :p AND sk <= :a", {":a": {"N": "5"}}, [1, 2, 3, 4, 5]),
            ("pk = :p AND sk > :a", {":a": {"N": "15"}}, [16, 17, 18, 19, 20]),
            ("pk = :p AND sk >= :a", {":a": {"N": "15"}}, [15, 16, 17, 18, 19, 20]),
            ("pk = :p AND sk BETWEEN :a AND :b", {":a": {"N": "5"}, ":b": {"N": "8"}},
             [5, 6, 7, 8]),
            ("sk BETWEEN :a AND :b AND pk = :p", {":a": {"N": "9"}, ":b": {"N": "11"}},
             [9, 10, 11]),
            ("pk = :p AND sk > :a", {":a": {"N": "2.5"}}, list(range(3, 21))),
        ]
        for cond, extra, expected in cases:
            with self.subTest(cond=cond):
                resp = self.query(cond, dict(A, **extra))
                self.assertEqual(sk_list(resp["Items"]), expected)
                self.assertEqual(resp["Count"], len(expected))
                self.assertEqual(resp["ScannedCount"], len(expected))
                self.assertNotIn("LastEvaluatedKey", resp)

    def test_begins_with_on_lsi_sparse(self):
        resp = self.query("pk = :p AND begins_with(l, :x)",
                          {":p": {"S": "A"}, ":x": {"S": "x1"}}, IndexName="by_l")
        self.assertEqual([i["l"]["S"] for i in resp["Items"]], ["x12", "x15", "x18"])
        # ALL projection: the whole item comes back.
        self.assertEqual(resp["Items"][0]["other"], {"S": "o12"})
        # Sparse: only items that have `l` are in the LSI.
        resp = self.query("pk = :p", {":p": {"S": "A"}}, IndexName="by_l")
        self.assertEqual([i["l"]["S"] for i in resp["Items"]],
                         ["x03", "x06", "x09", "x12", "x15", "x18"])
        # LSIs allow consistent reads.
        resp = self.query("pk = :p", {":p": {"S": "A"}}, IndexName="by_l", ConsistentRead=True)
        self.assertEqual(resp["Count"], 6)

    def test_numeric_order_and_reverse(self):
        resp = self.query("pk = :p", {":p": {"S": "A"}})
        self.assertEqual(sk_list(resp["Items"]), list(range(1, 21)))  # 2 before 10: numeric
        resp = self.query("pk = :p", {":p": {"S": "A"}}, ScanIndexForward=False)
        self.assertEqual(sk_list(resp["Items"]), list(range(20, 0, -1)))
        resp = self.query("pk = :p AND sk <= :a", {":p": {"S": "A"}, ":a": {"N": "10"}},
                          ScanIndexForward=False, Limit=3)
        self.assertEqual(sk_list(resp["Items"]), [10, 9, 8])
        self.assertEqual(resp["LastEvaluatedKey"], {"pk": {"S": "A"}, "sk": {"N": "8"}})

    # ---- paging ------------------------------------------------------------------------------

    def page_all(self, call, **kw):
        items, pages, start = [], 0, None
        while True:
            args = dict(kw)
            if start:
                args["ExclusiveStartKey"] = start
            resp = call(**args)
            pages += 1
            items += resp["Items"]
            start = resp.get("LastEvaluatedKey")
            if not start:
                return items, pages
            self.assertLess(pages, MAX_PAGES, "paging does not terminate")

    def test_limit_and_exclusive_start_key(self):
        for forward in (True, False):
            with self.subTest(forward=forward):
                items, pages = self.page_all(
                    self.ddb.query, TableName=self.table, KeyConditionExpression="pk = :p",
                    ExpressionAttributeValues={":p": {"S": "A"}}, Limit=3,
                    ScanIndexForward=forward)
                expected = list(range(1, 21)) if forward else list(range(20, 0, -1))
                self.assertEqual(sk_list(items), expected)
                # Six full pages of 3 carry a LastEvaluatedKey; the seventh has 2 and none.
                self.assertEqual(pages, 7)
        first = self.query("pk = :p", {":p": {"S": "A"}}, Limit=3)
        self.assertEqual(first["Count"], 3)
        self.assertEqual(first["LastEvaluatedKey"], {"pk": {"S": "A"}, "sk": {"N": "3"}})
        nxt = self.query("pk = :p", {":p": {"S": "A"}}, Limit=3,
                         ExclusiveStartKey=first["LastEvaluatedKey"])
        self.assertEqual(sk_list(nxt["Items"]), [4, 5, 6])

    def test_boto3_paginator(self):
        pages = self.ddb.get_paginator("query").paginate(
            TableName=self.table, KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "A"}}, PaginationConfig={"PageSize": 4})
        items, n = [], 0
        for page in pages:
            n += 1
            self.assertLessEqual(len(page["Items"]), 4)
            items += page["Items"]
            self.assertLess(n, MAX_PAGES)
        self.assertEqual(sk_list(items), list(range(1, 21)))

        scanned = []
        for page in self.ddb.get_paginator("scan").paginate(
                TableName=self.table, PaginationConfig={"PageSize": 5}):
            scanned += page["Items"]
            self.assertLess(len(scanned), 10 * N_ITEMS)
        self.assertEqual(len(scanned), N_ITEMS + 3)

    def test_filter_applies_after_limit(self):
        # v = 10*sk; among sk 1..5 only sk 4 and 5 have v > 35.
        resp = self.query("pk = :p", {":p": {"S": "A"}, ":x": {"N": "35"}},
                          FilterExpression="v > :x", Limit=5)
        self.assertEqual(sk_list(resp["Items"]), [4, 5])
        self.assertEqual(resp["Count"], 2)
        self.assertEqual(resp["ScannedCount"], 5)
        self.assertEqual(resp["LastEvaluatedKey"], {"pk": {"S": "A"}, "sk": {"N": "5"}})
        # A page can be empty and still carry a LastEvaluatedKey.
        resp = self.query("pk = :p", {":p": {"S": "A"}, ":x": {"N": "1000"}},
                          FilterExpression="v > :x", Limit=4)
        self.assertEqual(resp["Items"], [])
        self.assertEqual(resp["Count"], 0)
        self.assertEqual(resp["ScannedCount"], 4)
        self.assertIn("LastEvaluatedKey", resp)
        # Scan too.
        resp = self.ddb.scan(TableName=self.table, FilterExpression="pk = :b",
                             ExpressionAttributeValues={":b": {"S": "B"}})
        self.assertEqual(resp["Count"], 3)
        self.assertEqual(resp["ScannedCount"], N_ITEMS + 3)

    def test_select(self):
        resp = self.query("pk = :p", {":p": {"S": "A"}}, Select="COUNT")
        self.assertEqual(resp["Count"], 20)
        self.assertNotIn("Items", resp)
        resp = self.query("pk = :p AND sk < :a", {":p": {"S": "A"}, ":a": {"N": "3"}},
                          Select="SPECIFIC_ATTRIBUTES", ProjectionExpression="sk, v")
        self.assertEqual(resp["Items"], [{"sk": {"N": "1"}, "v": {"N": "10"}},
                                         {"sk": {"N": "2"}, "v": {"N": "20"}}])
        resp = self.query("pk = :p AND sk < :a", {":p": {"S": "A"}, ":a": {"N": "2"}},
                          ProjectionExpression="#o", ExpressionAttributeNames={"#o": "other"})
        self.assertEqual(resp["Items"], [{"other": {"S": "o1"}}])
        resp = self.query("g = :g", {":g": {"S": "odd"}}, IndexName="by_g",
                          Select="ALL_PROJECTED_ATTRIBUTES")
        for item in resp["Items"]:
            self.assertEqual(set(item), {"pk", "sk", "g"})
        resp = self.ddb.scan(TableName=self.table, Select="COUNT")
        self.assertEqual(resp["Count"], N_ITEMS + 3)
        self.assertNotIn("Items", resp)

    def test_select_specific_attributes_without_projection(self):
        # Code and status only: wording not confirmed.
        self.assert_client_error(
            lambda: self.query("pk = :p", {":p": {"S": "A"}}, Select="SPECIFIC_ATTRIBUTES"),
            "ValidationException")

    # ---- indexes -----------------------------------------------------------------------------

    def test_gsi_query_sparse_and_keys_only(self):
        resp = self.query("g = :g", {":g": {"S": "even"}}, IndexName="by_g")
        # Partition A's even sk <= 10 and partition B's three items; sorted by sk within g.
        got = [(i["pk"]["S"], int(i["sk"]["N"])) for i in resp["Items"]]
        sks = [t[1] for t in got]
        self.assertEqual(sks, sorted(sks), "GSI results must be in index sort key order")
        self.assertEqual(sorted(got), [("A", 2), ("A", 4), ("A", 6), ("A", 8), ("A", 10),
                                       ("B", 1), ("B", 2), ("B", 3)])
        for item in resp["Items"]:
            self.assertEqual(set(item), {"pk", "sk", "g"})  # KEYS_ONLY
        # Items without g (sk 11..20) are absent: sparse index.
        resp = self.query("g = :g", {":g": {"S": "odd"}}, IndexName="by_g")
        self.assertEqual(sk_list(resp["Items"]), [1, 3, 5, 7, 9])
        # INCLUDE projection brings v but not other.
        resp = self.query("g = :g", {":g": {"S": "odd"}}, IndexName="by_g_inc")
        for item in resp["Items"]:
            self.assertIn("v", item)
            self.assertNotIn("other", item)
        # Paging through a GSI: the LastEvaluatedKey carries index and table keys.
        resp = self.query("g = :g AND sk > :z", {":g": {"S": "even"}, ":z": {"N": "0"}},
                          IndexName="by_g", Limit=2)
        self.assertEqual(set(resp["LastEvaluatedKey"]), {"g", "pk", "sk"})
        items, _ = self.page_all(self.ddb.query, TableName=self.table, IndexName="by_g",
                                 KeyConditionExpression="g = :g",
                                 ExpressionAttributeValues={":g": {"S": "even"}}, Limit=2)
        self.assertEqual(len(items), 8)

    def test_gsi_updates_follow_item_changes(self):
        key = {"pk": {"S": "A"}, "sk": {"N": "15"}}
        self.ddb.update_item(TableName=self.table, Key=key, UpdateExpression="SET g = :g",
                             ExpressionAttributeValues={":g": {"S": "moved"}})
        try:
            resp = self.query("g = :g", {":g": {"S": "moved"}}, IndexName="by_g")
            self.assertEqual(sk_list(resp["Items"]), [15])
        finally:
            self.ddb.update_item(TableName=self.table, Key=key, UpdateExpression="REMOVE g")
        resp = self.query("g = :g", {":g": {"S": "moved"}}, IndexName="by_g")
        self.assertEqual(resp["Items"], [])

    def test_consistent_read_on_gsi_refused(self):
        self.assert_client_error(
            lambda: self.query("g = :g", {":g": {"S": "odd"}}, IndexName="by_g",
                               ConsistentRead=True),
            "ValidationException", "Consistent reads are not supported on global secondary indexes")
        self.assert_client_error(
            lambda: self.ddb.scan(TableName=self.table, IndexName="by_g", ConsistentRead=True),
            "ValidationException", "Consistent reads are not supported on global secondary indexes")

    def test_key_condition_errors(self):
        self.assert_client_error(
            lambda: self.query("sk = :a", {":a": {"N": "1"}}), "ValidationException",
            "Query condition missed key schema element: pk")
        # Wording not confirmed: code and status only.
        self.assert_client_error(
            lambda: self.query("pk = :p AND other = :o", {":p": {"S": "A"}, ":o": {"S": "o1"}}),
            "ValidationException")
        self.assert_client_error(
            lambda: self.query("pk = :p", {":p": {"S": "A"}}, IndexName="nope"),
            "ValidationException", "The table does not have the specified index: nope")

    # ---- Scan --------------------------------------------------------------------------------

    def test_parallel_scan_covers_every_item_once(self):
        table = self.create_table()
        for i in range(60):
            self.ddb.put_item(TableName=table, Item={"pk": {"S": f"item-{i:03d}"},
                                                     "n": {"N": str(i)}})
        seen = []
        for segment in range(4):
            items, _ = self.page_all(self.ddb.scan, TableName=table, Segment=segment,
                                     TotalSegments=4, Limit=7)
            seen += [i["pk"]["S"] for i in items]
        self.assertEqual(len(seen), 60, "an item was missed or returned twice")
        self.assertEqual(sorted(seen), [f"item-{i:03d}" for i in range(60)])

        items, _ = self.page_all(self.ddb.scan, TableName=table, Limit=11)
        self.assertEqual(len(items), 60)
        # TotalSegments=1 is a plain scan.
        items, _ = self.page_all(self.ddb.scan, TableName=table, Segment=0, TotalSegments=1)
        self.assertEqual(len(items), 60)

    def test_scan_segment_validation(self):
        # Wording not confirmed: code and status only.
        loose = self.server.client(validate=False)
        self.assert_client_error(
            lambda: loose.scan(TableName=self.table, Segment=4, TotalSegments=4),
            "ValidationException")
        self.assert_client_error(
            lambda: loose.scan(TableName=self.table, Segment=1), "ValidationException")

    def test_one_megabyte_page_limit(self):
        table = self.create_table(range_key=("sk", "N"))
        blob = "x" * (40 * 1024)
        for i in range(40):
            self.ddb.put_item(TableName=table, Item={"pk": {"S": "big"}, "sk": {"N": str(i)},
                                                     "blob": {"S": blob}})
        for op, kw in (("scan", {}),
                       ("query", {"KeyConditionExpression": "pk = :p",
                                  "ExpressionAttributeValues": {":p": {"S": "big"}}})):
            with self.subTest(op=op):
                call = getattr(self.ddb, op)
                first = call(TableName=table, **kw)
                self.assertIn("LastEvaluatedKey", first, "a 1.6 MB result must be split")
                # Each item is about 40,970 bytes (names plus values): 25 of them are 1,024,3xx
                # bytes, under 1 MiB, and the page ends with the 26th, which takes the data read
                # past 1 MiB.
                self.assertEqual(first["Count"], 26)
                self.assertEqual(first["LastEvaluatedKey"], {"pk": {"S": "big"}, "sk": {"N": "25"}})
                items, pages = self.page_all(call, TableName=table, **kw)
                self.assertEqual(pages, 2)
                self.assertEqual(sorted(int(i["sk"]["N"]) for i in items), list(range(40)))
                # Select COUNT is bounded by the same 1 MB of data read.
                counted = call(TableName=table, Select="COUNT", **kw)
                self.assertEqual(counted["Count"], 26)
                self.assertIn("LastEvaluatedKey", counted)

    # ---- AWS CLI -----------------------------------------------------------------------------

    def test_cli_query_and_scan_paginate(self):
        rc, out, err = self.server.aws(
            "dynamodb", "query", "--table-name", self.table,
            "--key-condition-expression", "pk = :p",
            "--expression-attribute-values", '{":p": {"S": "A"}}', "--page-size", "3")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["Count"], 20)
        self.assertEqual(sk_list(out["Items"]), list(range(1, 21)))
        self.assertNotIn("LastEvaluatedKey", out)

        rc, out, err = self.server.aws(
            "dynamodb", "query", "--table-name", self.table, "--index-name", "by_g",
            "--key-condition-expression", "g = :g", "--no-scan-index-forward",
            "--expression-attribute-values", '{":g": {"S": "odd"}}')
        self.assertEqual(rc, 0, err)
        self.assertEqual(sk_list(out["Items"]), [9, 7, 5, 3, 1])
        self.assertEqual(out["Count"], 5)

        rc, out, err = self.server.aws("dynamodb", "scan", "--table-name", self.table,
                                       "--page-size", "4")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["Count"], N_ITEMS + 3)
        self.assertEqual(len(out["Items"]), N_ITEMS + 3)

        rc, out, err = self.server.aws("dynamodb", "scan", "--table-name", self.table,
                                       "--max-items", "5")
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(out["Items"]), 5)
        self.assertIn("NextToken", out)

        rc, out, err = self.server.aws(
            "dynamodb", "query", "--table-name", self.table, "--index-name", "by_g",
            "--consistent-read", "--key-condition-expression", "g = :g",
            "--expression-attribute-values", '{":g": {"S": "odd"}}')
        self.assertEqual(rc, 254, (out, err))
        self.assertIn("ValidationException", err)
        self.assertIn("Consistent reads are not supported on global secondary indexes", err)


if __name__ == "__main__":
    unittest.main()
