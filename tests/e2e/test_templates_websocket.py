"""A WebSocket chat declared in a template and brought up by `fogbank serve --template`:
fixtures/templates/websocket_chat/template.yaml (AWS's simple-websockets-chat-app sample in
miniature) declares a DynamoDB connections table, Node.js functions (AWS SDK for JavaScript v3)
for $connect, $disconnect and `sendmessage`, and the API with its routes, integrations,
permissions, deployment and stage as AWS::ApiGatewayV2 resources.

Two Python `websockets` clients connect at the API's endpoint plus the stage (the template's
WebSocketURI output), one sends {"action": "sendmessage", "data": "hi"}, and both receive "hi",
posted by the Node.js handler through @connections; one disconnects and its item is gone from the
table. A restart on the same data directory keeps the API.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_templates_websocket
"""

import asyncio
import json
import os
import re
import shutil
import tempfile
import time
import unittest

import websockets

from fogbank_harness import FogbankServer

TEMPLATE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "templates",
                                        "websocket_chat", "template.yaml"))
TABLE = "chat-connections-e2e"
# Real time: the handlers run in Node.js worker processes (a cold start included). Every wait is
# bounded, and ends as soon as what it waits for is there.
DEADLINE_SECONDS = 60


def outputs(server):
    """The template's outputs, from the lines the loader wrote to stderr (the stack is named after
    the template's folder: websocket-chat)."""
    found = {}
    for line in server.stderr().splitlines():
        m = re.match(r"^fogbank: websocket-chat: output (\w+) = (.*)$", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


class WebSocketChatTemplateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = FogbankServer(extra_args=["--template", TEMPLATE, "--parameter", "StageName=e2e"])
        cls.server.start()
        cls.dynamodb = cls.server.client()
        cls.v2 = cls.server.client(service="apigatewayv2")

    @classmethod
    def tearDownClass(cls):
        cls.dynamodb.close()
        cls.v2.close()
        cls.server.stop()

    def connection_ids(self):
        items = self.dynamodb.scan(TableName=TABLE, ConsistentRead=True)["Items"]
        return sorted(item["connectionId"]["S"] for item in items)

    def wait_for_connections(self, count):
        deadline = time.monotonic() + DEADLINE_SECONDS
        while True:
            ids = self.connection_ids()
            if len(ids) == count or time.monotonic() > deadline:
                return ids
            time.sleep(0.05)

    def test_outputs_name_the_api_and_its_stage(self):
        found = outputs(self.server)
        api_id = found.get("ApiId", "")
        self.assertRegex(api_id, r"^[a-z0-9]{10}$", found)
        self.assertEqual(found.get("WebSocketURI"), f"ws://127.0.0.1:{self.server.port}/ws/{api_id}/e2e")
        self.assertEqual(found.get("ConnectionsTableName"), TABLE)
        routes = self.v2.get_routes(ApiId=api_id)["Items"]
        self.assertEqual(sorted(r["RouteKey"] for r in routes), ["$connect", "$disconnect", "sendmessage"])
        self.assertTrue(all(r["Target"].startswith("integrations/") for r in routes), routes)
        stage = self.v2.get_stage(ApiId=api_id, StageName="e2e")
        self.assertEqual(stage["Description"], "the chat's stage")
        self.assertEqual([d["DeploymentId"] for d in self.v2.get_deployments(ApiId=api_id)["Items"]],
                         [stage["DeploymentId"]])

    def test_start_up_prints_the_stages_ws_invoke_url(self):
        api_id = outputs(self.server).get("ApiId", "")
        printed = [line.split(": ", 2)[2] for line in self.server.stderr().splitlines()
                   if line.startswith("fogbank: API Gateway: ")]
        self.assertIn(f"ws://127.0.0.1:{self.server.port}/ws/{api_id}/e2e", printed)

    def test_a_message_reaches_both_clients_and_a_disconnect_removes_the_connection(self):
        uri = outputs(self.server)["WebSocketURI"]
        before = self.connection_ids()

        async def scenario():
            async with websockets.connect(uri, open_timeout=DEADLINE_SECONDS) as alice:
                async with websockets.connect(uri, open_timeout=DEADLINE_SECONDS) as bob:
                    # $connect stored both before the upgrades were accepted.
                    during = self.connection_ids()
                    await alice.send(json.dumps({"action": "sendmessage", "data": "hi"}))
                    got_alice = await asyncio.wait_for(alice.recv(), DEADLINE_SECONDS)
                    got_bob = await asyncio.wait_for(bob.recv(), DEADLINE_SECONDS)
                # bob is closed here; alice is still open.
                after_bob = self.wait_for_connections(len(before) + 1)
            return during, got_alice, got_bob, after_bob

        during, got_alice, got_bob, after_bob = asyncio.run(scenario())
        self.assertEqual(len(during), len(before) + 2, during)
        self.assertEqual(got_alice, "hi")
        self.assertEqual(got_bob, "hi")
        self.assertEqual(len(after_bob), len(before) + 1, f"expected bob's item gone, table has {after_bob}")
        self.assertTrue(set(after_bob) < set(during), (after_bob, during))
        self.assertEqual(self.wait_for_connections(len(before)), before)



class WebSocketChatTemplateRestartTest(unittest.TestCase):
    """A second load of the template on a restarted server with the same data directory finds the
    API it made (its own server: a restart changes the port)."""

    def test_a_restart_on_the_data_directory_keeps_the_api(self):
        data_dir = tempfile.mkdtemp(prefix="fogbank-ws-template-")
        self.addCleanup(shutil.rmtree, data_dir, True)
        server = FogbankServer(data_dir=data_dir, extra_args=["--template", TEMPLATE, "--parameter", "StageName=e2e"])
        server.start()
        self.addCleanup(lambda: server.stop() if server.running() else None)
        api_id = outputs(server)["ApiId"]
        server.restart()
        found = outputs(server)
        self.assertEqual(found["ApiId"], api_id)
        self.assertEqual(found["WebSocketURI"], f"ws://127.0.0.1:{server.port}/ws/{api_id}/e2e")
        v2 = server.client(service="apigatewayv2")
        self.addCleanup(v2.close)
        self.assertEqual([a["ApiId"] for a in v2.get_apis()["Items"]], [api_id])
