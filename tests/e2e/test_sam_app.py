"""A SAM application brought up whole by `fogbank serve --template` and driven the way its users
drive it on AWS: fixtures/templates/sam_app/template.yaml declares a table with a stream, a
SimpleTable, a queue, a Node.js function (AWS SDK for JavaScript v3) fed by the queue and a Python
function (boto3) fed by the table's stream, with Globals and a parameter. A message sent with boto3
becomes an order written by the Node.js handler, whose stream record becomes an audit row written
by the Python handler — each function in a worker process, each step an event source mapping.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_sam_app
"""

import json
import os
import time
import unittest

from fogbank_harness import FogbankServer, side_by_side

TEMPLATE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "templates",
                                        "sam_app", "template.yaml"))
# Real time: the handlers run in real worker processes. Bounded, and the loop ends as soon as the
# rows are there.
DEADLINE_SECONDS = 60


class SamAppTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = FogbankServer(extra_args=["--template", TEMPLATE, "--parameter", "Stage=e2e"])
        cls.server.start()
        cls.dynamodb = cls.server.client()
        cls.sqs = cls.server.client(service="sqs")
        cls.lam = cls.server.client(service="lambda")

    @classmethod
    def tearDownClass(cls):
        for client in (cls.dynamodb, cls.sqs, cls.lam):
            client.close()
        cls.server.stop()

    def wait_for_items(self, table, count):
        deadline = time.monotonic() + DEADLINE_SECONDS
        while True:
            items = self.dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
            if len(items) >= count or time.monotonic() > deadline:
                return sorted(items, key=lambda item: item["id"]["S"])
            time.sleep(0.05)

    def test_the_template_declares_the_functions_and_their_mappings(self):
        functions = {f["FunctionName"]: f for f in self.lam.list_functions()["Functions"]}
        runtimes = sorted((f["Runtime"], f["Handler"], f["Timeout"]) for f in functions.values())
        self.assertEqual(runtimes, [("nodejs20.x", "take_order.handler", 20), ("python3.11", "audit.handler", 20)])
        for f in functions.values():
            self.assertEqual(f["Environment"]["Variables"],
                             {"ORDERS_TABLE": "sam-orders-e2e", "AUDIT_TABLE": "sam-audit-e2e"})
        mappings = self.lam.list_event_source_mappings()["EventSourceMappings"]
        sources = sorted((m["EventSourceArn"].split(":")[2], m["BatchSize"], m["State"]) for m in mappings)
        self.assertEqual(sources, [("dynamodb", 10, "Enabled"), ("sqs", 5, "Enabled")])

    def test_a_message_becomes_an_order_and_the_order_an_audit_row(self):
        url = self.sqs.get_queue_url(QueueName="sam-incoming-e2e")["QueueUrl"]
        for i, amount in enumerate([12, 30, 7]):
            self.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"id": f"order-{i}", "amount": amount}))

        orders = self.wait_for_items("sam-orders-e2e", 3)
        expected_orders = [{"id": {"S": f"order-{i}"}, "amount": {"N": str(a)}, "source": {"S": "aws:sqs"}}
                           for i, a in enumerate([12, 30, 7])]
        self.assertEqual(orders, expected_orders, side_by_side([("orders", expected_orders, orders)]))

        audit = self.wait_for_items("sam-audit-e2e", 3)
        audit_function = next(f["FunctionName"] for f in self.lam.list_functions()["Functions"]
                              if f["Runtime"].startswith("python"))
        expected_audit = [{"id": {"S": f"order-{i}"}, "event": {"S": "INSERT"}, "amount": {"S": str(a)},
                           "by": {"S": audit_function}} for i, a in enumerate([12, 30, 7])]
        self.assertEqual(audit, expected_audit, side_by_side([("audit rows", expected_audit, audit)]))
        # Every message was consumed: deleted after its batch succeeded.
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
        self.assertEqual(attributes["Attributes"],
                         {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"})


if __name__ == "__main__":
    unittest.main()
