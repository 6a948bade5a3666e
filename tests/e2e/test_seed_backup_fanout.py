"""The backup fan-out of seed 000 (fixtures/backup_fanout/template.yaml, Node.js handlers on the
AWS SDK for JavaScript v3 in handlers/backup_fanout/node), brought up by `fogbank serve --template`.

Python `websockets` clients connect at the WebSocketURL output with `?userId=...`; a POST to the
HTTP API's `/backups` enqueues a job; the worker backs the publication's posts up one at a time to
the commit sink (a conditional head-of-branch write) and pushes `n/m done` to each connection of
the user over https:// @connections, deleting a connection that answers 410. Two backups of one
publication at once end as one line of commits, each job's posts in order. A job for an unknown
publication ends in the dead-letter queue after maxReceiveCount receives (that test shortens the
queue's visibility timeout while it runs, so the redeliveries happen within it).

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_seed_backup_fanout
"""

import asyncio
import json
import os
import re
import time
import unittest
import urllib.error
import urllib.request

import websockets

from fogbank_harness import FogbankServer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TEMPLATE = os.path.join(ROOT, "fixtures", "backup_fanout", "template.yaml")
STACK = "backup-fanout"
# Real time: Node.js handlers start worker processes (cold starts included). Every wait is
# bounded and ends as soon as what it waits for is there.
DEADLINE_SECONDS = 60
# The template's own timeouts (the worker's 30 s, the queue's 180 s) hold for every test but the
# poison job's: a job that outlived a short visibility timeout (25 commits in a cold Node.js
# worker on a loaded machine can take seconds) would be received again and back up twice. The
# poison job's redeliveries come after the visibility timeout, in real time, so that test sets
# this one on the queue while it runs (the event source mapping reads it at every poll, as
# Lambda's poller takes the queue's).
POISON_VISIBILITY_TIMEOUT_SECONDS = 2
MAX_RECEIVE_COUNT = 2

POSTS = {
    "pub-1": [("001-hello", "Hello, world"), ("002-serverless", "Going serverless"),
              ("003-backups", "Backing up your posts")],
    "pub-2": [("001-first", "First"), ("002-second", "Second")],
}


def outputs(server, stack):
    """The template's outputs, from the lines the loader writes to stderr."""
    found = {}
    for line in server.stderr().splitlines():
        m = re.match(r"^fogbank: " + re.escape(stack) + r": output (\w+) = (.*)$", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


class BackupFanoutTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = FogbankServer(extra_args=[
            "--template", TEMPLATE,
            "--parameter", f"MaxReceiveCount={MAX_RECEIVE_COUNT}"])
        cls.server.start()
        cls.dynamodb = cls.server.client()
        cls.sqs = cls.server.client(service="sqs")
        cls.out = outputs(cls.server, STACK)
        for publication, posts in POSTS.items():
            for post_id, title in posts:
                cls.dynamodb.put_item(TableName=cls.out["PostsTableName"], Item={
                    "publicationId": {"S": publication}, "postId": {"S": post_id},
                    "title": {"S": title}, "content": {"S": f"the text of {post_id}"}})

    @classmethod
    def tearDownClass(cls):
        cls.dynamodb.close()
        cls.sqs.close()
        cls.server.stop()

    def post_backup(self, body):
        request = urllib.request.Request(self.out["HttpApiURL"] + "/backups", data=json.dumps(body).encode(),
                                         headers={"content-type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=DEADLINE_SECONDS) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    async def connect(self, user):
        return await websockets.connect(self.out["WebSocketURL"] + "?userId=" + user,
                                        open_timeout=DEADLINE_SECONDS)

    async def frames(self, ws, n):
        return [json.loads(await asyncio.wait_for(ws.recv(), DEADLINE_SECONDS)) for _ in range(n)]

    def connections_of(self, user):
        items = self.dynamodb.query(TableName=self.out["ConnectionsTableName"], IndexName="byUserId",
                                    KeyConditionExpression="userId = :u",
                                    ExpressionAttributeValues={":u": {"S": user}})["Items"]
        return {item["connectionId"]["S"]: item for item in items}

    def wait_for(self, read, predicate, what):
        deadline = time.monotonic() + DEADLINE_SECONDS
        while True:
            value = read()
            if predicate(value):
                return value
            if time.monotonic() > deadline:
                self.fail(f"expected {what}; have {value!r}")
            time.sleep(0.05)

    def branch(self, publication):
        items = self.dynamodb.query(TableName=self.out["CommitsTableName"], ConsistentRead=True,
                                    KeyConditionExpression="branch = :b",
                                    ExpressionAttributeValues={":b": {"S": publication}})["Items"]
        return items

    def assert_one_line(self, commits):
        """seq 1..n with no gap, each commit made on the one before it, the head ref on the last."""
        head, *rest = commits
        self.assertEqual([int(c["seq"]["N"]) for c in rest], list(range(1, len(rest) + 1)))
        parents = [c["parent"]["S"] for c in rest]
        self.assertEqual(parents, [""] + [c["commitId"]["S"] for c in rest[:-1]])
        self.assertEqual(head["head"], {"N": str(len(rest))})
        self.assertEqual(head["headCommit"], rest[-1]["commitId"])

    def test_outputs_say_how_to_try_it(self):
        self.assertRegex(self.out["WebSocketURL"], r"^ws://127\.0\.0\.1:\d+/ws/[a-z0-9]{10}/prod$")
        self.assertRegex(self.out["HttpApiURL"], r"^http://127\.0\.0\.1:\d+/http/[a-z0-9]{10}$")
        self.assertIn(self.out["WebSocketURL"] + "?userId=ann", self.out["TryIt"])
        self.assertIn(self.out["HttpApiURL"] + "/backups", self.out["TryIt"])

    def test_a_request_without_a_user_is_refused(self):
        status, body = self.post_backup({"publicationId": "pub-1"})
        self.assertEqual((status, body), (400, {"message": "publicationId and userId are required strings"}))

    def test_the_users_clients_get_progress_in_order_and_a_stale_connection_is_deleted(self):
        async def scenario():
            tab = await self.connect("ann")
            phone = await self.connect("ann")
            try:
                live = self.wait_for(lambda: self.connections_of("ann"), lambda c: len(c) == 2,
                                     "ann's two connections stored by $connect")
                # A connection of ann's whose $disconnect never came: it answers 410 Gone.
                stale = dict(next(iter(live.values())), connectionId={"S": "stale-connection"})
                self.dynamodb.put_item(TableName=self.out["ConnectionsTableName"], Item=stale)

                status, body = self.post_backup({"publicationId": "pub-1", "userId": "ann"})
                self.assertEqual((status, body["queued"]), (200, True), body)

                expected = [{"publicationId": "pub-1", "postId": post_id, "status": "backed-up",
                             "progress": f"{n}/3 done"} for n, (post_id, _) in enumerate(POSTS["pub-1"], 1)]
                self.assertEqual(await self.frames(tab, 3), expected)
                self.assertEqual(await self.frames(phone, 3), expected)
                self.wait_for(lambda: set(self.connections_of("ann")), lambda ids: ids == set(live),
                              "the stale connection deleted on 410, ann's live ones kept")
            finally:
                await tab.close()
                await phone.close()

        asyncio.run(scenario())
        commits = self.branch("pub-1")
        self.assert_one_line(commits)
        self.assertEqual([c["postId"]["S"] for c in commits[1:]], [p for p, _ in POSTS["pub-1"]])
        results = self.dynamodb.query(TableName=self.out["ResultsTableName"], ConsistentRead=True,
                                      KeyConditionExpression="publicationId = :p",
                                      ExpressionAttributeValues={":p": {"S": "pub-1"}})["Items"]
        self.assertEqual([(r["postId"]["S"], r["status"]["S"], r["seq"]["N"]) for r in results],
                         [("001-hello", "backed-up", "1"), ("002-serverless", "backed-up", "2"),
                          ("003-backups", "backed-up", "3")])

    def test_two_backups_at_once_commit_one_after_the_other(self):
        async def scenario():
            carol = await self.connect("carol")
            dave = await self.connect("dave")
            try:
                self.wait_for(lambda: len(self.connections_of("carol")) + len(self.connections_of("dave")),
                              lambda n: n == 2, "carol's and dave's connections stored")
                for user in ("carol", "dave"):
                    status, body = self.post_backup({"publicationId": "pub-2", "userId": user})
                    self.assertEqual(status, 200, body)
                for ws in (carol, dave):
                    got = [f["progress"] for f in await self.frames(ws, 2)]
                    self.assertEqual(got, ["1/2 done", "2/2 done"])
            finally:
                await carol.close()
                await dave.close()

        asyncio.run(scenario())
        commits = self.branch("pub-2")
        # Both jobs' commits in one line (a commit refused for a moved head was made again on top
        # of it), each job's posts in their order: 001-first is never behind 002-second in count.
        self.assert_one_line(commits)
        posts = [c["postId"]["S"] for c in commits[1:]]
        self.assertEqual(sorted(posts), ["001-first", "001-first", "002-second", "002-second"], posts)
        for i in range(1, len(posts) + 1):
            prefix = posts[:i]
            self.assertGreaterEqual(prefix.count("001-first"), prefix.count("002-second"), posts)

    def test_racing_workers_are_refused_and_commit_again_on_top(self):
        """The worker's retry path for real: jobs of one publication sent together run in worker
        processes at once (the queue's event source mapping has batches in flight up to the
        function's concurrency), so one's commit goes in between the other's read of the head and
        its commit, which the sink refuses; the refused worker logs it, reads the head again and
        commits on top. Rounds of two jobs until a refusal is logged (a race no round is sure to
        have; in practice the first), then: the branch is one line with every post of every job."""
        publication, posts = "pub-race", [f"{n:03}-post" for n in range(1, 26)]
        for post in posts:
            self.dynamodb.put_item(TableName=self.out["PostsTableName"], Item={
                "publicationId": {"S": publication}, "postId": {"S": post}, "title": {"S": post}})
        worker = next(stack["resources"] for stack in self.server.http("GET", "/_fogbank/stacks")[1]["stacks"]
                      if stack["name"] == STACK)
        worker = next(r["physical_id"] for r in worker if r["logical_id"] == "WorkerFunction")
        _, journal, _ = self.server.http("GET", "/_fogbank/lambda/invocations")
        start = journal["total"]
        queue_url = self.out["BackupQueueUrl"]
        refused, jobs = [], 0
        for _ in range(3):
            body = json.dumps({"publicationId": publication, "userId": "racer"})
            sent = self.sqs.send_message_batch(QueueUrl=queue_url, Entries=[
                {"Id": "a", "MessageBody": body}, {"Id": "b", "MessageBody": body}])
            self.assertEqual(len(sent["Successful"]), 2, sent)
            jobs += 2
            self.wait_for(lambda: len(self.branch(publication)) - 1, lambda n, want=jobs * len(posts): n == want,
                          f"{jobs * len(posts)} commits")
            # What the worker logged (its console.log lines, kept by the server per function).
            _, logs, _ = self.server.http("GET", "/_fogbank/lambda/logs")
            text = "".join(log for key, log in logs["logs"].items() if key.endswith("/" + worker))
            refused = [line for line in text.splitlines() if " on pub-race@" in line and " refused " in line]
            if refused:
                break
        self.assertTrue(refused, "no commit was refused in 3 rounds of two racing jobs")
        # Each refusal names a head that had moved past the parent it committed on.
        for line in refused:
            m = re.search(r"commit of (\d{3}-post) on pub-race@(\d+) refused \(head is at (\d+)\); "
                          r"committing again on top of it \(attempt (\d+)\)", line)
            self.assertIsNotNone(m, line)
            self.assertGreater(int(m.group(3)), int(m.group(2)), line)
        self.assert_one_line(self.branch(publication))
        committed = [c["postId"]["S"] for c in self.branch(publication)[1:]]
        self.assertEqual(sorted(committed), sorted(posts * jobs))
        _, journal, _ = self.server.http("GET", "/_fogbank/lambda/invocations")
        mine = [i for i in journal["invocations"] if i["index"] >= start and i["function"] == worker]
        self.assertEqual(len(mine), jobs, mine)
        self.assertTrue(all(i["outcome"] == "success" for i in mine), mine)

    def test_a_poison_job_ends_in_the_dead_letter_queue(self):
        queue_url = self.out["BackupQueueUrl"]
        visibility = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"])
        self.addCleanup(self.sqs.set_queue_attributes, QueueUrl=queue_url, Attributes=visibility["Attributes"])
        self.sqs.set_queue_attributes(QueueUrl=queue_url,
                                      Attributes={"VisibilityTimeout": str(POISON_VISIBILITY_TIMEOUT_SECONDS)})
        status, _ = self.post_backup({"publicationId": "no-such-publication", "userId": "ann"})
        self.assertEqual(status, 200)

        def depth(url):
            attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            return (int(attributes["ApproximateNumberOfMessages"]),
                    int(attributes["ApproximateNumberOfMessagesNotVisible"]))

        # maxReceiveCount receives, a visibility timeout after each failure, then the redrive.
        self.wait_for(lambda: depth(self.out["DeadLetterQueueUrl"]), lambda d: d == (1, 0),
                      "the job in the dead-letter queue")
        self.assertEqual(depth(self.out["BackupQueueUrl"]), (0, 0))
        messages = self.sqs.receive_message(QueueUrl=self.out["DeadLetterQueueUrl"],
                                            AttributeNames=["ApproximateReceiveCount"])["Messages"]
        self.assertEqual([json.loads(m["Body"]) for m in messages],
                         [{"publicationId": "no-such-publication", "userId": "ann"}])
        self.assertEqual(self.branch("no-such-publication"), [])


if __name__ == "__main__":
    unittest.main()
