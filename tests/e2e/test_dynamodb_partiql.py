"""DynamoDB PartiQL (ExecuteStatement, BatchExecuteStatement, ExecuteTransaction) through boto3
and the AWS CLI (`aws dynamodb execute-statement`).

Expected behaviour, with sources:
- INSERT is not an upsert: DuplicateItemException "Duplicate primary key exists in table"
  (DynamoDB Local's ValidationExceptionMessages.DUPLICATE_ITEM_IN_TABLE; recordings of
  DynamoDB Local 3.2/3.3: "insert a key that exists").
- A nested path is answered under its last part (`m.l[1]` -> `l[1]`); UPDATE of a missing item
  is ConditionalCheckFailedException, DELETE of a missing item succeeds; writes answer
  `{"Items": []}`; Limit counts items read; a NextToken of another statement is refused
  (DynamoDB Local recordings).
- Parse errors: ValidationException "Statement wasn't well formed, can't be processed: ..."
  (nubo-db/dynoxide#149, confirmed against DynamoDB).
- "Number of parameters in request and statement don't match." (moto's and DynamoDB Local's
  tests); "Where clause does not contain a mandatory equality on all key attributes" (DynamoDB
  Local).
- BatchExecuteStatement answers per statement, an Error {Code, Message} in place of a failed
  one (botocore: BatchStatementResponse, BatchStatementErrorCodeEnum).
- ExecuteTransaction is all or nothing: TransactionCanceledException with CancellationReasons,
  DuplicateItem for an INSERT of an existing key (ql-reference.multiplestatements.transactions).
- Writes made through PartiQL reach the table's stream like any other write.
"""

import time
import unittest

from fogbank_harness import FogbankTestCase, unique_name

CLI_SERVICE_ERROR = 254
MALFORMED = "Statement wasn't well formed, can't be processed: "


def s(v):
    return {"S": v}


def n(v):
    return {"N": str(v)}


class PartiqlTest(FogbankTestCase):

    def setUp(self):
        self.table = self.create_table(
            range_key=("sk", "N"), attributes=[("state", "S")],
            GlobalSecondaryIndexes=[{"IndexName": "byState",
                                     "KeySchema": [{"AttributeName": "state", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})

    def run_statement(self, statement, parameters=None, **extra):
        args = {"Statement": statement, **extra}
        if parameters is not None:
            args["Parameters"] = parameters
        return self.ddb.execute_statement(**args)

    def item(self, pk, sk):
        return self.ddb.get_item(TableName=self.table, Key={"pk": s(pk), "sk": n(sk)}).get("Item")

    def test_insert_select_update_delete(self):
        t = self.table
        resp = self.run_statement(f"INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'sk': 1, 'state': 'open', "
                                  f"'m': {{'l': [10, 20]}}}}")
        self.assertEqual(resp["Items"], [])
        self.run_statement(f"INSERT INTO \"{t}\" VALUE {{'pk': ?, 'sk': ?, 'state': 'shut'}}",
                           [s("a"), n(2)])
        self.assert_client_error(
            lambda: self.run_statement(f"INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'sk': 1}}"),
            "DuplicateItemException", "Duplicate primary key exists in table")

        items = self.run_statement(f"SELECT * FROM \"{t}\" WHERE pk = ?", [s("a")])["Items"]
        self.assertEqual([i["sk"] for i in items], [n(1), n(2)])
        projected = self.run_statement(
            f"SELECT m.l[1], state FROM \"{t}\" WHERE pk = 'a' AND sk = 1")["Items"]
        self.assertEqual(projected, [{"l[1]": n(20), "state": s("open")}])
        by_index = self.run_statement(
            f"SELECT sk FROM \"{t}\".\"byState\" WHERE state = 'shut'")["Items"]
        self.assertEqual(by_index, [{"sk": n(2)}])
        filtered = self.run_statement(
            f"SELECT sk FROM \"{t}\" WHERE begins_with(state, 'op') OR sk BETWEEN 5 AND 9")["Items"]
        self.assertEqual(filtered, [{"sk": n(1)}])

        self.run_statement(f"UPDATE \"{t}\" SET n = 5, m.l[0] = m.l[0] + 1 REMOVE state "
                           f"WHERE pk = 'a' AND sk = 1")
        item = self.item("a", 1)
        self.assertEqual(item["n"], n(5))
        self.assertEqual(item["m"]["M"]["l"]["L"][0], n(11))
        self.assertNotIn("state", item)
        self.assert_client_error(
            lambda: self.run_statement(f"UPDATE \"{t}\" SET n = 1 WHERE pk = 'nobody' AND sk = 1"),
            "ConditionalCheckFailedException", "The conditional request failed")
        self.assertIsNone(self.item("nobody", 1))

        self.assertEqual(self.run_statement(
            f"DELETE FROM \"{t}\" WHERE pk = 'nobody' AND sk = 1")["Items"], [])
        self.run_statement(f"DELETE FROM \"{t}\" WHERE pk = 'a' AND sk = 1")
        self.assertIsNone(self.item("a", 1))

        # The stream saw every write: two inserts, the update, the delete.
        streams = self.server.client(service="dynamodbstreams")
        arn = self.ddb.describe_table(TableName=t)["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        events = [r["eventName"] for r in streams.get_records(ShardIterator=iterator)["Records"]]
        self.assertEqual(events, ["INSERT", "INSERT", "MODIFY", "REMOVE"])

    def test_errors(self):
        t = self.table
        self.assert_client_error(lambda: self.run_statement("SELEKT * FROM x"),
                                 "ValidationException", MALFORMED + "Expected data manipulation")
        self.assert_client_error(lambda: self.run_statement(f"SELECT * FROM \"{t}\" WHERE pk = ?"),
                                 "ValidationException",
                                 "Number of parameters in request and statement don't match.")
        self.assert_client_error(
            lambda: self.run_statement(f"UPDATE \"{t}\" SET x = 1 WHERE pk = 'a'"),
            "ValidationException",
            "Where clause does not contain a mandatory equality on all key attributes")
        self.assert_client_error(lambda: self.run_statement("SELECT * FROM \"nosuch\""),
                                 "ResourceNotFoundException")

    def test_paging(self):
        t = self.table
        for i in range(5):
            self.run_statement(f"INSERT INTO \"{t}\" VALUE {{'pk': 'p', 'sk': ?}}", [n(i)])
        statement = f"SELECT sk FROM \"{t}\" WHERE pk = 'p'"
        seen, token, pages = [], None, 0
        while pages < 10:
            extra = {"Limit": 2}
            if token:
                extra["NextToken"] = token
            resp = self.run_statement(statement, **extra)
            pages += 1
            seen += [i["sk"]["N"] for i in resp["Items"]]
            token = resp.get("NextToken")
            if not token:
                break
        self.assertEqual(seen, ["0", "1", "2", "3", "4"])
        self.assertGreaterEqual(pages, 3)

    def test_batch_execute_statement(self):
        t = self.table
        resp = self.ddb.batch_execute_statement(Statements=[
            {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'b', 'sk': 1}}"},
            {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'b', 'sk': 1}}"},
            {"Statement": f"UPDATE \"{t}\" SET x = ? WHERE pk = 'b' AND sk = 2", "Parameters": [n(1)]},
        ])["Responses"]
        self.assertEqual(len(resp), 3)
        self.assertNotIn("Error", resp[0])
        self.assertEqual(resp[1]["Error"]["Code"], "DuplicateItem")
        self.assertEqual(resp[1]["Error"]["Message"], "Duplicate primary key exists in table")
        self.assertEqual(resp[2]["Error"]["Code"], "ConditionalCheckFailed")
        reads = self.ddb.batch_execute_statement(Statements=[
            {"Statement": f"SELECT * FROM \"{t}\" WHERE pk = 'b' AND sk = 1"},
            {"Statement": f"SELECT * FROM \"{t}\" WHERE pk = 'b' AND sk = 2"},
        ])["Responses"]
        self.assertEqual(reads[0]["Item"], {"pk": s("b"), "sk": n(1)})
        self.assertNotIn("Item", reads[1])

    def test_execute_transaction(self):
        t = self.table
        self.run_statement(f"INSERT INTO \"{t}\" VALUE {{'pk': 't', 'sk': 1, 'n': 1}}")
        err = self.assert_client_error(
            lambda: self.ddb.execute_transaction(TransactStatements=[
                {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 't', 'sk': 2}}"},
                {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 't', 'sk': 1}}"},
            ]),
            "TransactionCanceledException")
        reasons = [r["Code"] for r in err.response["CancellationReasons"]]
        self.assertEqual(reasons, ["None", "DuplicateItem"])
        self.assertIsNone(self.item("t", 2))
        self.ddb.execute_transaction(TransactStatements=[
            {"Statement": f"EXISTS(SELECT * FROM \"{t}\" WHERE pk = 't' AND sk = 1 AND n = 1)"},
            {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 't', 'sk': 2}}"},
        ])
        self.assertIsNotNone(self.item("t", 2))
        reads = self.ddb.execute_transaction(TransactStatements=[
            {"Statement": f"SELECT n FROM \"{t}\" WHERE pk = 't' AND sk = 1"},
            {"Statement": f"SELECT * FROM \"{t}\" WHERE pk = 't' AND sk = 9"},
        ])["Responses"]
        self.assertEqual(reads, [{"Item": {"n": n(1)}}, {}])

    def test_aws_cli_execute_statement(self):
        t = self.table
        rc, out, err = self.server.aws(
            "dynamodb", "execute-statement", "--statement",
            f"INSERT INTO \"{t}\" VALUE {{'pk': 'cli', 'sk': 1, 'v': 'x'}}")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.server.aws(
            "dynamodb", "execute-statement", "--statement",
            f"SELECT v FROM \"{t}\" WHERE pk = ? AND sk = ?",
            "--parameters", '[{"S": "cli"}, {"N": "1"}]')
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["Items"], [{"v": {"S": "x"}}])
        rc, out, err = self.server.aws(
            "dynamodb", "execute-statement", "--statement",
            f"INSERT INTO \"{t}\" VALUE {{'pk': 'cli', 'sk': 1}}")
        self.assertEqual(rc, CLI_SERVICE_ERROR, out)
        self.assertIn("An error occurred (DuplicateItemException)", err)


if __name__ == "__main__":
    unittest.main()
