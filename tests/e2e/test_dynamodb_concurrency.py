"""DynamoDB under concurrent clients: counters are exact and conditional writes are exclusive.

8 threads, each with its own boto3 client (and so its own connection pool), against one server.
Every loop is bounded in count, and every thread is joined with a time limit.
"""

import threading
import unittest

from botocore.exceptions import ClientError

from fogbank_harness import FogbankTestCase

THREADS = 8
INCREMENTS = 500
JOIN_TIMEOUT_S = 300


class ConcurrencyTest(FogbankTestCase):

    def run_threads(self, target):
        errors, results = [], [None] * THREADS
        barrier = threading.Barrier(THREADS, timeout=30)

        def wrap(i):
            try:
                client = self.server.client()
                barrier.wait()
                results[i] = target(i, client)
            except BaseException as e:  # reported by the main thread
                errors.append((i, repr(e)))

        threads = [threading.Thread(target=wrap, args=(i,), daemon=True) for i in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(JOIN_TIMEOUT_S)
        self.assertFalse(any(t.is_alive() for t in threads), "a worker thread hung")
        self.assertEqual(errors, [])
        return results

    def test_atomic_counter(self):
        table = self.create_table()
        key = {"pk": {"S": "counter"}}

        def work(i, client):
            for _ in range(INCREMENTS):
                client.update_item(TableName=table, Key=key, UpdateExpression="ADD #c :one",
                                   ExpressionAttributeNames={"#c": "counter"},
                                   ExpressionAttributeValues={":one": {"N": "1"}})
            return INCREMENTS

        done = self.run_threads(work)
        self.assertEqual(sum(done), THREADS * INCREMENTS)
        item = self.ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
        self.assertEqual(item["counter"], {"N": str(THREADS * INCREMENTS)})

    def test_conditional_put_race(self):
        table = self.create_table()
        rounds = 20
        for r in range(rounds):
            key = f"race-{r}"

            def work(i, client, key=key):
                try:
                    client.put_item(TableName=table,
                                    Item={"pk": {"S": key}, "winner": {"N": str(i)}},
                                    ConditionExpression="attribute_not_exists(pk)")
                    return "won"
                except ClientError as e:
                    return e.response["Error"]["Code"]

            outcomes = self.run_threads(work)
            with self.subTest(round=r):
                self.assertEqual(outcomes.count("won"), 1, outcomes)
                self.assertEqual(outcomes.count("ConditionalCheckFailedException"), THREADS - 1,
                                 outcomes)
                winner = outcomes.index("won")
                item = self.ddb.get_item(TableName=table, Key={"pk": {"S": key}},
                                         ConsistentRead=True)["Item"]
                self.assertEqual(item["winner"], {"N": str(winner)})

    def test_concurrent_transactions_keep_total(self):
        # Transfers between two accounts in transactions: the total never changes.
        table = self.create_table()
        for acct in ("a", "b"):
            self.ddb.put_item(TableName=table, Item={"pk": {"S": acct}, "bal": {"N": "1000"}})

        def work(i, client):
            src, dst = ("a", "b") if i % 2 == 0 else ("b", "a")
            outcomes = {"ok": 0, "cancelled": 0}
            for _ in range(50):
                try:
                    client.transact_write_items(TransactItems=[
                        {"Update": {"TableName": table, "Key": {"pk": {"S": src}},
                                    "UpdateExpression": "SET bal = bal - :x",
                                    "ConditionExpression": "bal >= :x",
                                    "ExpressionAttributeValues": {":x": {"N": "7"}}}},
                        {"Update": {"TableName": table, "Key": {"pk": {"S": dst}},
                                    "UpdateExpression": "SET bal = bal + :x",
                                    "ExpressionAttributeValues": {":x": {"N": "7"}}}}])
                    outcomes["ok"] += 1
                except ClientError as e:
                    code = e.response["Error"]["Code"]
                    if code not in ("TransactionCanceledException", "TransactionConflictException"):
                        raise
                    outcomes["cancelled"] += 1
            return outcomes

        results = self.run_threads(work)
        for r in results:
            self.assertEqual(r["ok"] + r["cancelled"], 50, results)
        a_to_b = sum(r["ok"] for i, r in enumerate(results) if i % 2 == 0)
        b_to_a = sum(r["ok"] for i, r in enumerate(results) if i % 2 == 1)
        self.assertGreater(a_to_b + b_to_a, 0)
        # Every transfer that answered success moved 7, and no cancelled one moved anything.
        expected = {"a": 1000 - 7 * a_to_b + 7 * b_to_a, "b": 1000 - 7 * b_to_a + 7 * a_to_b}
        balances = {acct: int(self.ddb.get_item(TableName=table, Key={"pk": {"S": acct}},
                                                ConsistentRead=True)["Item"]["bal"]["N"])
                    for acct in ("a", "b")}
        self.assertEqual(balances, expected, f"transfers a->b {a_to_b}, b->a {b_to_a}")
        self.assertGreaterEqual(min(balances.values()), 0)


if __name__ == "__main__":
    unittest.main()
