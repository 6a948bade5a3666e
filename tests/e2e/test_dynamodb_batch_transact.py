"""DynamoDB BatchWriteItem, BatchGetItem, TransactWriteItems and TransactGetItems end to end.

Error messages:
- "Provided list of item keys contains duplicates" and the 25-item BatchWriteItem constraint
  message: dynalite test/batchWriteItem.js and test/batchGetItem.js, recorded against DynamoDB.
- "Too many items requested for the BatchGetItem call": the AWS API reference for BatchGetItem.
- "Transaction request cannot include multiple operations on one item": quoted from real
  DynamoDB in issue threads (moto, dynantic, minidyn).
- "Transaction cancelled, please refer cancellation reasons for specific reasons [None,
  ConditionalCheckFailed]" and the CancellationReasons shape ({"Code": "None"} /
  {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}): real response
  bodies quoted in aws-sdk-js #2464, PynamoDB #1144, erlcloud #607, boto3 #2657.
"""

import re
import unittest

from fogbank_harness import FogbankTestCase, unique_name

DUPLICATES = "Provided list of item keys contains duplicates"
TCE = "TransactionCanceledException"


def cancel_message(codes):
    return ("Transaction cancelled, please refer cancellation reasons for specific reasons ["
            + ", ".join(codes) + "]")


class BatchTransactTest(FogbankTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.t1 = unique_name("bt1")
        cls.t2 = unique_name("bt2")
        for t in (cls.t1, cls.t2):
            cls.ddb.create_table(
                TableName=t, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST")

    def get(self, table, pk):
        return self.ddb.get_item(TableName=table, Key={"pk": {"S": pk}},
                                 ConsistentRead=True).get("Item")

    # ---- BatchWriteItem ----------------------------------------------------------------------

    def test_batch_write_25_then_get(self):
        prefix = unique_name("bw")
        requests = [{"PutRequest": {"Item": {"pk": {"S": f"{prefix}-{i}"}, "n": {"N": str(i)}}}}
                    for i in range(25)]
        resp = self.ddb.batch_write_item(RequestItems={self.t1: requests})
        self.assertEqual(resp["UnprocessedItems"], {})
        for i in (0, 12, 24):
            self.assertEqual(self.get(self.t1, f"{prefix}-{i}")["n"], {"N": str(i)})

        # Mixed puts and deletes across two tables.
        resp = self.ddb.batch_write_item(RequestItems={
            self.t1: [{"DeleteRequest": {"Key": {"pk": {"S": f"{prefix}-{i}"}}}} for i in range(10)],
            self.t2: [{"PutRequest": {"Item": {"pk": {"S": f"{prefix}-x"}}}}],
        })
        self.assertEqual(resp["UnprocessedItems"], {})
        self.assertIsNone(self.get(self.t1, f"{prefix}-0"))
        self.assertIsNone(self.get(self.t1, f"{prefix}-9"))
        self.assertIsNotNone(self.get(self.t1, f"{prefix}-10"))
        self.assertIsNotNone(self.get(self.t2, f"{prefix}-x"))

    def test_batch_write_26_rejected(self):
        prefix = unique_name("bw26")
        requests = [{"PutRequest": {"Item": {"pk": {"S": f"{prefix}-{i}"}}}} for i in range(26)]
        self.assert_client_error(
            lambda: self.ddb.batch_write_item(RequestItems={self.t1: requests}),
            "ValidationException",
            re.compile(r"^1 validation error detected: Value '\{.+\}' at 'requestItems' failed to "
                       r"satisfy constraint: Map value must satisfy constraint: \[Member must have "
                       r"length less than or equal to 25, Member must have length greater than or "
                       r"equal to 1\]$", re.S))
        self.assertIsNone(self.get(self.t1, f"{prefix}-0"), "nothing of a rejected batch is written")

    def test_batch_write_duplicates_and_missing_table(self):
        pk = unique_name("dup")
        self.assert_client_error(
            lambda: self.ddb.batch_write_item(RequestItems={self.t1: [
                {"PutRequest": {"Item": {"pk": {"S": pk}}}},
                {"DeleteRequest": {"Key": {"pk": {"S": pk}}}}]}),
            "ValidationException", DUPLICATES)
        self.assert_client_error(
            lambda: self.ddb.batch_write_item(RequestItems={unique_name("missing"): [
                {"PutRequest": {"Item": {"pk": {"S": pk}}}}]}),
            "ResourceNotFoundException", "Requested resource not found")
        self.assert_client_error(
            lambda: self.ddb.batch_write_item(RequestItems={self.t1: [
                {"PutRequest": {"Item": {"pk": {"N": "1"}}}}]}),
            "ValidationException", "The provided key element does not match the schema")

    # ---- BatchGetItem ------------------------------------------------------------------------

    def test_batch_get_100(self):
        prefix = unique_name("bg")
        for start in range(0, 100, 25):
            self.ddb.batch_write_item(RequestItems={self.t1: [
                {"PutRequest": {"Item": {"pk": {"S": f"{prefix}-{i}"}, "n": {"N": str(i)},
                                         "extra": {"S": "e"}}}}
                for i in range(start, start + 25)]})
        keys = [{"pk": {"S": f"{prefix}-{i}"}} for i in range(100)]
        resp = self.ddb.batch_get_item(RequestItems={self.t1: {"Keys": keys}})
        self.assertEqual(resp["UnprocessedKeys"], {})
        got = resp["Responses"][self.t1]
        self.assertEqual(sorted(int(i["n"]["N"]) for i in got), list(range(100)))

        # Missing keys are simply absent; projection applies; two tables at once.
        resp = self.ddb.batch_get_item(RequestItems={
            self.t1: {"Keys": [{"pk": {"S": f"{prefix}-1"}}, {"pk": {"S": f"{prefix}-none"}}],
                      "ProjectionExpression": "n", "ConsistentRead": True},
            self.t2: {"Keys": [{"pk": {"S": f"{prefix}-none"}}]},
        })
        self.assertEqual(resp["Responses"][self.t1], [{"n": {"N": "1"}}])
        self.assertEqual(resp["Responses"][self.t2], [])
        self.assertEqual(resp["UnprocessedKeys"], {})

    def test_batch_get_limits_and_duplicates(self):
        prefix = unique_name("bgl")
        self.assert_client_error(
            lambda: self.ddb.batch_get_item(RequestItems={
                self.t1: {"Keys": [{"pk": {"S": f"{prefix}-{i}"}} for i in range(60)]},
                self.t2: {"Keys": [{"pk": {"S": f"{prefix}-{i}"}} for i in range(41)]}}),
            "ValidationException", "Too many items requested for the BatchGetItem call")
        # 101 keys for one table trips the per-table list constraint first.
        self.assert_client_error(
            lambda: self.ddb.batch_get_item(RequestItems={
                self.t1: {"Keys": [{"pk": {"S": f"{prefix}-{i}"}} for i in range(101)]}}),
            "ValidationException",
            re.compile(r"Member must have length less than or equal to 100"))
        self.assert_client_error(
            lambda: self.ddb.batch_get_item(RequestItems={
                self.t1: {"Keys": [{"pk": {"S": "same"}}, {"pk": {"S": "same"}}]}}),
            "ValidationException", DUPLICATES)
        self.assert_client_error(
            lambda: self.ddb.batch_get_item(RequestItems={
                unique_name("missing"): {"Keys": [{"pk": {"S": "a"}}]}}),
            "ResourceNotFoundException", "Requested resource not found")

    # ---- TransactWriteItems ------------------------------------------------------------------

    def seed(self, prefix):
        self.ddb.put_item(TableName=self.t1, Item={"pk": {"S": f"{prefix}-acct"},
                                                   "balance": {"N": "100"}})
        self.ddb.put_item(TableName=self.t1, Item={"pk": {"S": f"{prefix}-old"}})
        self.ddb.put_item(TableName=self.t2, Item={"pk": {"S": f"{prefix}-gate"},
                                                   "open": {"BOOL": True}})

    def transfer(self, prefix, amount, gate_value=True):
        return [
            {"Put": {"TableName": self.t2, "Item": {"pk": {"S": f"{prefix}-audit"},
                                                    "amount": {"N": str(amount)}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": self.t1, "Key": {"pk": {"S": f"{prefix}-acct"}},
                        "UpdateExpression": "SET balance = balance - :a",
                        "ConditionExpression": "balance >= :a",
                        "ExpressionAttributeValues": {":a": {"N": str(amount)}}}},
            {"ConditionCheck": {"TableName": self.t2, "Key": {"pk": {"S": f"{prefix}-gate"}},
                                "ConditionExpression": "#o = :t",
                                "ExpressionAttributeNames": {"#o": "open"},
                                "ExpressionAttributeValues": {":t": {"BOOL": gate_value}}}},
            {"Delete": {"TableName": self.t1, "Key": {"pk": {"S": f"{prefix}-old"}}}},
        ]

    def test_transact_write_success(self):
        prefix = unique_name("tw")
        self.seed(prefix)
        self.ddb.transact_write_items(TransactItems=self.transfer(prefix, 30))
        self.assertEqual(self.get(self.t1, f"{prefix}-acct")["balance"], {"N": "70"})
        self.assertEqual(self.get(self.t2, f"{prefix}-audit")["amount"], {"N": "30"})
        self.assertIsNone(self.get(self.t1, f"{prefix}-old"))

    def test_transact_write_all_or_nothing(self):
        prefix = unique_name("twf")
        self.seed(prefix)
        # The ConditionCheck (third action) fails: nothing at all is written.
        err = self.assert_client_error(
            lambda: self.ddb.transact_write_items(TransactItems=self.transfer(prefix, 30, False)),
            TCE, cancel_message(["None", "None", "ConditionalCheckFailed", "None"]))
        # boto3 1.26 parses the modeled CancellationReasons into the error response.
        self.assertEqual([r["Code"] for r in err.response["CancellationReasons"]],
                         ["None", "None", "ConditionalCheckFailed", "None"])
        self.assertEqual(self.get(self.t1, f"{prefix}-acct")["balance"], {"N": "100"})
        self.assertIsNone(self.get(self.t2, f"{prefix}-audit"))
        self.assertIsNotNone(self.get(self.t1, f"{prefix}-old"))

        # The raw body carries CancellationReasons in order, with the failing one's message.
        body = self.assert_raw_error(
            self.server.raw("TransactWriteItems",
                            {"TransactItems": self.transfer(prefix, 500)}),
            TCE, cancel_message(["None", "ConditionalCheckFailed", "None", "None"]))
        self.assertEqual(body["CancellationReasons"], [
            {"Code": "None"},
            {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
            {"Code": "None"},
            {"Code": "None"},
        ])
        self.assertEqual(self.get(self.t1, f"{prefix}-acct")["balance"], {"N": "100"})
        self.assertIsNotNone(self.get(self.t1, f"{prefix}-old"))

    def test_transact_write_return_old_item_on_failure(self):
        prefix = unique_name("twr")
        self.seed(prefix)
        items = self.transfer(prefix, 500)
        items[1]["Update"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        body = self.assert_raw_error(
            self.server.raw("TransactWriteItems", {"TransactItems": items}),
            TCE, cancel_message(["None", "ConditionalCheckFailed", "None", "None"]))
        self.assertEqual(body["CancellationReasons"][1]["Item"],
                         {"pk": {"S": f"{prefix}-acct"}, "balance": {"N": "100"}})

    def test_client_request_token_idempotency(self):
        prefix = unique_name("tok")
        token = unique_name("token")
        items = [{"Update": {"TableName": self.t1, "Key": {"pk": {"S": f"{prefix}-ctr"}},
                             "UpdateExpression": "ADD n :one",
                             "ExpressionAttributeValues": {":one": {"N": "1"}}}}]
        self.ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
        self.ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
        self.assertEqual(self.get(self.t1, f"{prefix}-ctr")["n"], {"N": "1"},
                         "a repeated ClientRequestToken must not apply the transaction twice")
        # Without a token the same request applies again.
        self.ddb.transact_write_items(TransactItems=items)
        self.assertEqual(self.get(self.t1, f"{prefix}-ctr")["n"], {"N": "2"})
        # Same token, different request: code and status only (wording not confirmed).
        other = [{"Update": {"TableName": self.t1, "Key": {"pk": {"S": f"{prefix}-ctr"}},
                             "UpdateExpression": "ADD n :two",
                             "ExpressionAttributeValues": {":two": {"N": "2"}}}}]
        self.assert_client_error(
            lambda: self.ddb.transact_write_items(TransactItems=other, ClientRequestToken=token),
            "IdempotentParameterMismatchException")
        self.assertEqual(self.get(self.t1, f"{prefix}-ctr")["n"], {"N": "2"})

    def test_two_actions_on_one_item(self):
        pk = unique_name("same")
        self.assert_client_error(
            lambda: self.ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": self.t1, "Item": {"pk": {"S": pk}}}},
                {"ConditionCheck": {"TableName": self.t1, "Key": {"pk": {"S": pk}},
                                    "ConditionExpression": "attribute_not_exists(pk)"}}]),
            "ValidationException",
            "Transaction request cannot include multiple operations on one item")
        self.assertIsNone(self.get(self.t1, pk))

    def test_transact_write_limits(self):
        prefix = unique_name("twl")
        # 100 actions are allowed (the limit was raised from 25 to 100 in 2022).
        items = [{"Put": {"TableName": self.t1, "Item": {"pk": {"S": f"{prefix}-{i}"}}}}
                 for i in range(100)]
        self.ddb.transact_write_items(TransactItems=items)
        self.assertIsNotNone(self.get(self.t1, f"{prefix}-99"))
        items.append({"Put": {"TableName": self.t1, "Item": {"pk": {"S": f"{prefix}-100"}}}})
        self.assert_client_error(
            lambda: self.ddb.transact_write_items(TransactItems=items), "ValidationException",
            re.compile(r"Member must have length less than or equal to 100"))
        self.assertIsNone(self.get(self.t1, f"{prefix}-100"))
        self.assert_client_error(
            lambda: self.ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": unique_name("missing"), "Item": {"pk": {"S": "a"}}}}]),
            "ResourceNotFoundException", "Requested resource not found")

    # ---- TransactGetItems --------------------------------------------------------------------

    def test_transact_get_items(self):
        prefix = unique_name("tg")
        self.ddb.put_item(TableName=self.t1, Item={"pk": {"S": f"{prefix}-a"}, "v": {"N": "1"},
                                                   "w": {"S": "x"}})
        self.ddb.put_item(TableName=self.t2, Item={"pk": {"S": f"{prefix}-b"}, "v": {"N": "2"}})
        resp = self.ddb.transact_get_items(TransactItems=[
            {"Get": {"TableName": self.t1, "Key": {"pk": {"S": f"{prefix}-a"}}}},
            {"Get": {"TableName": self.t2, "Key": {"pk": {"S": f"{prefix}-missing"}}}},
            {"Get": {"TableName": self.t2, "Key": {"pk": {"S": f"{prefix}-b"}},
                     "ProjectionExpression": "v"}},
        ])
        r = resp["Responses"]
        self.assertEqual(len(r), 3)
        self.assertEqual(r[0]["Item"], {"pk": {"S": f"{prefix}-a"}, "v": {"N": "1"},
                                        "w": {"S": "x"}})
        self.assertNotIn("Item", r[1])
        self.assertEqual(r[2]["Item"], {"v": {"N": "2"}})

        self.assert_client_error(
            lambda: self.ddb.transact_get_items(TransactItems=[
                {"Get": {"TableName": self.t1, "Key": {"pk": {"S": f"{prefix}-a"}}}},
                {"Get": {"TableName": self.t1, "Key": {"pk": {"S": f"{prefix}-a"}}}}]),
            "ValidationException",
            "Transaction request cannot include multiple operations on one item")


if __name__ == "__main__":
    unittest.main()
