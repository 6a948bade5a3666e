"""The visitor counter of seed 004, brought up by `fogbank serve --template` twice: Node.js on the
AWS SDK for JavaScript v2 (fixtures/visitor_counter/template.yaml, handlers/visitor_counter/node)
and C++ handlers run in process (fixtures/visitor_counter_cpp/template.yaml,
handlers/cpp/visitor_counter.cpp). The same test runs against both.

Python `websockets` clients connect at the template's WebSocketURL output. Each connection is
stored and counted by $connect; the count table's stream runs the handler that posts
{"count": n} to every stored connection. A client that drops is counted out by $disconnect. A
visitor whose $disconnect never came (its connection item written back, its count added back)
answers the next post with 410 Gone: the stream handler deletes it and counts it out, and the
count goes down again.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_seed_visitor_counter
"""

import asyncio
import json
import os
import re
import time
import unittest

import websockets

from fogbank_harness import FogbankServer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# Real time: Node.js handlers start worker processes (cold starts included). Every wait is
# bounded and ends as soon as what it waits for is there.
DEADLINE_SECONDS = 60


def outputs(server, stack):
    """The template's outputs, from the lines the loader writes to stderr."""
    found = {}
    for line in server.stderr().splitlines():
        m = re.match(r"^fogbank: " + re.escape(stack) + r": output (\w+) = (.*)$", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


class VisitorCounter:
    """The test, for a template (TEMPLATE, its stack STACK)."""

    TEMPLATE = None
    STACK = None

    @classmethod
    def setUpClass(cls):
        cls.server = FogbankServer(extra_args=["--template", cls.TEMPLATE])
        cls.server.start()
        cls.dynamodb = cls.server.client()
        found = outputs(cls.server, cls.STACK)
        cls.uri = found["WebSocketURL"]
        cls.connections_table = found["ConnectionIdsTableName"]
        cls.count_table = found["VisitorCountTableName"]
        cls.try_it = found.get("TryIt", "")

    @classmethod
    def tearDownClass(cls):
        cls.dynamodb.close()
        cls.server.stop()

    def stored(self):
        items = self.dynamodb.scan(TableName=self.connections_table, ConsistentRead=True)["Items"]
        return {item["connectionId"]["S"]: item for item in items}

    def wait_stored(self, predicate, what):
        deadline = time.monotonic() + DEADLINE_SECONDS
        while True:
            items = self.stored()
            if predicate(items):
                return items
            if time.monotonic() > deadline:
                self.fail(f"expected {what}; the connections table has {sorted(items)}")
            time.sleep(0.05)

    def count(self):
        item = self.dynamodb.get_item(TableName=self.count_table, Key={"id": {"S": "visitorCount"}},
                                      ConsistentRead=True).get("Item", {})
        return int(item.get("currentCount", {}).get("N", "0"))

    def wait_count(self, expected):
        deadline = time.monotonic() + DEADLINE_SECONDS
        while self.count() != expected and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.count(), expected)

    async def frames(self, ws, n):
        got = []
        for _ in range(n):
            got.append(json.loads(await asyncio.wait_for(ws.recv(), DEADLINE_SECONDS)))
        return got

    def test_the_start_up_output_says_how_to_try_it(self):
        self.assertEqual(self.try_it, "python3 -m websockets " + self.uri)
        self.assertRegex(self.uri, r"^ws://127\.0\.0\.1:\d+/ws/[a-z0-9]{10}/prod$")

    def test_each_visitor_gets_the_count_and_a_gone_connection_is_cleaned_up(self):
        async def scenario():
            async with websockets.connect(self.uri, open_timeout=DEADLINE_SECONDS) as alice:
                self.assertEqual(await self.frames(alice, 1), [{"count": 1}])
                (alice_id,) = self.stored()
                bob = await websockets.connect(self.uri, open_timeout=DEADLINE_SECONDS)
                self.assertEqual(await self.frames(alice, 1), [{"count": 2}])
                self.assertEqual(await self.frames(bob, 1), [{"count": 2}])
                stored = self.stored()
                (bob_id,) = set(stored) - {alice_id}
                bob_item = stored[bob_id]
                self.assertEqual(bob_item["stage"], {"S": "prod"}, bob_item)

                # Bob drops (no close frame): $disconnect deletes him and counts him out.
                bob.transport.abort()
                self.assertEqual(await self.frames(alice, 1), [{"count": 1}])
                self.wait_stored(lambda items: set(items) == {alice_id}, "bob's item deleted by $disconnect")

                # Bob as a visitor whose $disconnect never came: his item and his count back.
                self.dynamodb.put_item(TableName=self.connections_table, Item=bob_item)
                self.dynamodb.update_item(TableName=self.count_table, Key={"id": {"S": "visitorCount"}},
                                          UpdateExpression="ADD currentCount :inc",
                                          ExpressionAttributeValues={":inc": {"N": "1"}})
                # The post of 2 reaches alice; bob's answers 410, so his item goes and the count
                # goes down, which is posted too.
                self.assertEqual(await self.frames(alice, 2), [{"count": 2}, {"count": 1}])
                self.wait_stored(lambda items: set(items) == {alice_id}, "bob's item deleted on 410")
                self.assertEqual(self.count(), 1)
            self.wait_stored(lambda items: not items, "alice's item deleted by $disconnect")
            # $disconnect counts down after the delete.
            self.wait_count(0)

        asyncio.run(scenario())


class NodeVisitorCounterTest(VisitorCounter, unittest.TestCase):
    TEMPLATE = os.path.join(ROOT, "fixtures", "visitor_counter", "template.yaml")
    STACK = "visitor-counter"

    @classmethod
    def setUpClass(cls):
        sdk = os.path.join(ROOT, "handlers", "visitor_counter", "node", "node_modules", "aws-sdk")
        if not os.path.isdir(sdk):
            raise AssertionError(f"{sdk} is missing: npm ci in handlers/visitor_counter/node "
                                 "(scripts/dev.sh does)")
        super().setUpClass()


class CppVisitorCounterTest(VisitorCounter, unittest.TestCase):
    TEMPLATE = os.path.join(ROOT, "fixtures", "visitor_counter_cpp", "template.yaml")
    STACK = "visitor-counter-cpp"


if __name__ == "__main__":
    unittest.main()
