"""The vote sessions of seed 001 (fixtures/vote_sessions/template.yaml, C++ handlers run in
process), brought up by `fogbank serve --template` and driven by Python `websockets` clients: a
controller and two voters. Every change goes through the SNS topic to the Lambda subscription that
pushes it to each connection of the session, so each step waits for the frames it causes (bounded)
before the next one.

Covered: the main flow (create, join, start, vote, stop revealing the votes, reset); a vote outside
an open round and a voter trying to control are refused with error frames and change nothing; a
kicked voter is told and its connection is closed, and the others hear of it.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_seed_vote_sessions
"""

import asyncio
import json
import os
import re
import unittest

import websockets

from fogbank_harness import FogbankServer

TEMPLATE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "vote_sessions",
                                        "template.yaml"))
DEADLINE_SECONDS = 30


def outputs(server):
    found = {}
    for line in server.stderr().splitlines():
        m = re.match(r"^fogbank: vote-sessions: output (\w+) = (.*)$", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


async def frame(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), DEADLINE_SECONDS))


async def send(ws, **body):
    await ws.send(json.dumps(body))


class VoteSessionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = FogbankServer(extra_args=["--template", TEMPLATE])
        cls.server.start()
        cls.dynamodb = cls.server.client()
        found = outputs(cls.server)
        cls.uri = found["WebSocketURL"]
        cls.sessions_table = found["SessionsTableName"]

    @classmethod
    def tearDownClass(cls):
        cls.dynamodb.close()
        cls.server.stop()

    def session(self, session_id):
        return self.dynamodb.get_item(TableName=self.sessions_table, Key={"sessionId": {"S": session_id}},
                                      ConsistentRead=True)["Item"]

    async def everyone_gets(self, clients, expected):
        for name, ws in clients.items():
            self.assertEqual(await frame(ws), expected, f"the frame {name} received")

    def test_a_session_from_creation_to_reset_with_refusals_and_a_kick(self):
        async def scenario():
            connect = lambda: websockets.connect(self.uri, open_timeout=DEADLINE_SECONDS)  # noqa: E731
            async with connect() as lead, connect() as ann, connect() as bob:
                await send(lead, action="create")
                created = await frame(lead)
                self.assertEqual(created["event"], "created", created)
                sid = created["sessionId"]

                await send(ann, action="join", sessionId=sid, name="ann")
                joined = await frame(lead)
                ann_id = joined.get("voter")
                self.assertEqual(joined, {"event": "joined", "sessionId": sid, "voter": ann_id, "name": "ann"})
                self.assertEqual(await frame(ann), joined)
                await send(bob, action="join", sessionId=sid, name="bob")
                joined = await frame(lead)
                bob_id = joined.get("voter")
                self.assertEqual(joined, {"event": "joined", "sessionId": sid, "voter": bob_id, "name": "bob"})
                await self.everyone_gets({"ann": ann, "bob": bob}, joined)

                # No vote before the round opens; only the controller controls.
                await send(ann, action="vote", value="5")
                self.assertEqual(await frame(ann), {
                    "event": "error", "action": "vote", "error": "VoteNotOpen",
                    "message": "votes are taken only while a vote is open"})
                await send(bob, action="start")
                self.assertEqual(await frame(bob), {
                    "event": "error", "action": "start", "error": "Forbidden",
                    "message": "only the session's controller may start the vote"})
                self.assertEqual(self.session(sid)["voting"], {"BOOL": False})
                self.assertEqual(self.session(sid)["votes"], {"M": {}})

                everyone = {"lead": lead, "ann": ann, "bob": bob}
                await send(lead, action="start")
                await self.everyone_gets(everyone, {"event": "started", "sessionId": sid, "round": 1})
                await send(ann, action="vote", value="5")
                await self.everyone_gets(everyone, {"event": "voted", "sessionId": sid, "voter": ann_id})
                await send(bob, action="vote", value="8")
                await self.everyone_gets(everyone, {"event": "voted", "sessionId": sid, "voter": bob_id})
                await send(ann, action="stop")
                self.assertEqual((await frame(ann))["error"], "Forbidden")
                await send(lead, action="stop")
                await self.everyone_gets(everyone, {"event": "stopped", "sessionId": sid, "round": 1,
                                                    "votes": {"ann": "5", "bob": "8"}})
                # The round is closed: a vote now is refused and changes nothing.
                await send(bob, action="vote", value="13")
                self.assertEqual((await frame(bob))["error"], "VoteNotOpen")
                self.assertEqual(self.session(sid)["votes"], {"M": {ann_id: {"S": "5"}, bob_id: {"S": "8"}}})

                # A voter cannot kick; the controller can, and the kicked voter is closed.
                await send(ann, action="kick", voter=bob_id)
                self.assertEqual((await frame(ann))["error"], "Forbidden")
                await send(lead, action="kick", voter=bob_id)
                self.assertEqual(await frame(bob), {"event": "kicked", "sessionId": sid, "voter": bob_id})
                with self.assertRaises(websockets.ConnectionClosed):
                    await asyncio.wait_for(bob.recv(), DEADLINE_SECONDS)
                self.assertEqual(bob.close_code, 1000)
                await self.everyone_gets({"lead": lead, "ann": ann},
                                         {"event": "kicked", "sessionId": sid, "voter": bob_id})
                self.assertEqual(self.session(sid)["votes"], {"M": {ann_id: {"S": "5"}}})

                await send(lead, action="reset")
                await self.everyone_gets({"lead": lead, "ann": ann}, {"event": "reset", "sessionId": sid})
                item = self.session(sid)
                self.assertEqual((item["voting"], item["votes"], item["round"]),
                                 ({"BOOL": False}, {"M": {}}, {"N": "1"}))

                await send(ann, action="dance")
                self.assertEqual((await frame(ann))["error"], "UnknownAction")

        asyncio.run(scenario())

    def test_joining_a_session_that_does_not_exist_is_refused(self):
        async def scenario():
            async with websockets.connect(self.uri, open_timeout=DEADLINE_SECONDS) as ws:
                await send(ws, action="join", sessionId="nope", name="eve")
                self.assertEqual(await frame(ws), {"event": "error", "action": "join", "error": "NoSuchSession",
                                                   "message": "there is no session nope"})
                await send(ws, action="join", name="eve")
                self.assertEqual(await frame(ws), {
                    "event": "error", "action": "join", "error": "BadRequest",
                    "message": "sessionId is required (a non-empty string)"})

        asyncio.run(scenario())


if __name__ == "__main__":
    unittest.main()
