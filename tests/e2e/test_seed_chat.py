"""The chat of seed 002 (ChatScape), brought up by `fogbank serve --template
fixtures/chat/template.yaml`: six Node.js functions on the AWS SDK for JavaScript v3
(handlers/chat/node) behind a REST API whose methods use a Cognito user-pool authorizer.

The test is a client of the API as the seed's frontend is: it mints its own ID tokens (HS256 with a
key of its own, or unsigned as the template's TryIt line does; fogbank decodes a token's claims
without checking its signature) and calls every route with urllib (and the TryIt line with curl).
What the functions stored is read back over DynamoDB's API, with Query on the tables' GSIs.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_seed_chat
"""

import base64
import hashlib
import hmac
import itertools
import json
import os
import re
import shlex
import subprocess
import unittest
import urllib.error
import urllib.parse
import urllib.request

from fogbank_harness import FogbankServer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TEMPLATE = os.path.join(ROOT, "fixtures", "chat", "template.yaml")
STACK = "chat"
# A request's bound: a Node.js function's first call starts its worker (a cold start); API
# Gateway's own integration timeout is 29 s.
REQUEST_TIMEOUT = 60
ROUTES = [("POST", "add-contact"), ("GET", "get-contacts"), ("POST", "block-contact"),
          ("POST", "report-contact"), ("POST", "add-message"), ("GET", "get-messages")]
# Not the user pool's key: fogbank does not check signatures, and on AWS no minted token works.
SIGNING_KEY = b"chat-test-key"
_users = itertools.count(1)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def mint(claims, signed=True):
    """A compact JWS with `claims`: HS256 with the test's key, or unsigned (alg none)."""
    header = {"alg": "HS256" if signed else "none", "typ": "JWT"}
    head = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    signature = hmac.new(SIGNING_KEY, head.encode(), hashlib.sha256).digest() if signed else b""
    return head + "." + b64url(signature)


def user_token(username):
    """An ID token as Cognito issues one for `username` (the claims the functions read, and some)."""
    return mint({"sub": f"sub-{username}", "cognito:username": username, "email": username,
                 "token_use": "id", "aud": "chat-client"})


def new_user(name):
    """A username no other test uses (the tests share one server), an email address as in the seed."""
    return f"{name}{next(_users)}@example.com"


def outputs(server):
    """The template's outputs, from the lines the loader writes to stderr, and the local forms of
    those that name an execute-api URL (a URL "reaches fogbank at", a line with one "as")."""
    found, local = {}, {}
    for line in server.stderr().splitlines():
        m = re.match(r"^fogbank: " + STACK + r": output (\w+) = (.*)$", line)
        if m:
            found[m.group(1)] = m.group(2)
        m = re.match(r"^fogbank: " + STACK + r": output (\w+) reaches fogbank (?:at|as) (.*)$", line)
        if m:
            local[m.group(1)] = m.group(2)
    return found, local


class ChatSeed(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = FogbankServer(extra_args=["--template", TEMPLATE])
        cls.server.start()
        cls.dynamodb = cls.server.client()
        cls.outputs, local = outputs(cls.server)
        cls.api_url = local["ApiURL"]
        cls.local_try_it = local.get("TryIt", "")
        cls.contacts_table = cls.outputs["ContactsTableName"]
        cls.messages_table = cls.outputs["MessagesTableName"]

    @classmethod
    def tearDownClass(cls):
        cls.dynamodb.close()
        cls.server.stop()

    def call(self, method, route, token=None, body=None, query=None, raw_body=None):
        """(status, parsed JSON body) of a request to the API's `route`."""
        url = self.api_url + route + ("?" + urllib.parse.urlencode(query) if query else "")
        data = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token is not None:
            request.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def expect(self, expected_status, method, route, **kwargs):
        status, body = self.call(method, route, **kwargs)
        self.assertEqual(status, expected_status, f"{method} /{route}: expected {expected_status}, got "
                                                  f"{status} {body}")
        return body

    def stored_messages(self, sender, recipient):
        """The messages table's items from `sender` to `recipient`, by the GSI compositeNamespace."""
        return self.dynamodb.query(
            TableName=self.messages_table, IndexName="compositeNamespace",
            KeyConditionExpression="compositeNamespace = :cn",
            ExpressionAttributeValues={":cn": {"S": f"{sender}:::{recipient}"}})["Items"]

    def test_the_start_up_output_says_how_to_try_it(self):
        aws_url = self.outputs["ApiURL"]
        self.assertRegex(aws_url, r"^https://[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com/test/$")
        self.assertRegex(self.api_url, r"^http://127\.0\.0\.1:\d+/rest/[a-z0-9]{10}/test/$")
        try_it = self.outputs["TryIt"]
        self.assertTrue(try_it.startswith("curl -H 'Authorization: Bearer "), try_it)
        self.assertTrue(try_it.endswith(" " + aws_url + "get-contacts"), try_it)
        # The line as the loader prints it for fogbank, as a user runs it: its unsigned token is
        # alice's, and she has no contacts yet.
        self.assertEqual(self.local_try_it, try_it.replace(aws_url, self.api_url))
        argv = shlex.split(self.local_try_it)
        done = subprocess.run(argv + ["-s", "-w", "\n%{http_code}"], capture_output=True, text=True,
                              timeout=REQUEST_TIMEOUT)
        self.assertEqual(done.returncode, 0, done.stderr)
        body, status = done.stdout.rsplit("\n", 1)
        self.assertEqual((status, json.loads(body)), ("200", []))

    def test_contacts_added_listed_reported_and_blocked(self):
        me, bob, eve = new_user("me"), new_user("bob"), new_user("eve")
        token = user_token(me)
        self.assertEqual(self.expect(200, "GET", "get-contacts", token=token), [])

        added = self.expect(201, "POST", "add-contact", token=token, body={"name": " Bob ", "email": bob})
        self.assertEqual({k: v for k, v in added.items() if k != "id"},
                         {"namespace": me, "name": "Bob", "email": bob, "blocked": False})
        self.assertRegex(added["id"], r"^[0-9a-f-]{36}$")
        self.assertEqual(self.expect(409, "POST", "add-contact", token=token, body={"name": "B", "email": bob}),
                         {"message": f"{bob} is already a contact"})
        self.assertEqual(self.expect(200, "GET", "get-contacts", token=token), [added])
        # Another user's list is their own.
        self.assertEqual(self.expect(200, "GET", "get-contacts", token=user_token(eve)), [])

        reported = self.expect(200, "POST", "report-contact", token=token,
                               body={"id": added["id"], "report": "spam"})
        self.assertEqual(reported, {**added, "report": "spam"})
        blocked = self.expect(200, "POST", "block-contact", token=token, body={"id": added["id"]})
        self.assertEqual(blocked, {**added, "report": "spam", "blocked": True})
        self.assertEqual(self.expect(200, "GET", "get-contacts", token=token), [blocked])

        # No one blocks or reports another user's contact, or one that does not exist.
        for route, body in [("block-contact", {"id": added["id"]}),
                            ("report-contact", {"id": added["id"], "report": "x"}),
                            ("block-contact", {"id": "no-such-contact"})]:
            self.assertEqual(self.expect(404, "POST", route, token=user_token(eve), body=body),
                             {"message": f"no contact {body['id']}"})

        # What the functions stored, by the GSI NamespaceIndex.
        items = self.dynamodb.query(TableName=self.contacts_table, IndexName="NamespaceIndex",
                                    KeyConditionExpression="#ns = :ns",
                                    ExpressionAttributeNames={"#ns": "namespace"},
                                    ExpressionAttributeValues={":ns": {"S": me}})["Items"]
        self.assertEqual(items, [{"id": {"S": added["id"]}, "namespace": {"S": me}, "name": {"S": "Bob"},
                                  "email": {"S": bob}, "blocked": {"BOOL": True}, "report": {"S": "spam"}}])

    def test_messages_come_back_in_date_order_for_the_two_users_only(self):
        ann, ben, cat = new_user("ann"), new_user("ben"), new_user("cat")
        sent = []
        for sender, recipient, text in [(ann, ben, "hi ben"), (ben, ann, "hi ann"), (ann, ben, "lunch?"),
                                        (ben, ann, "sure"), (cat, ann, "not in this conversation")]:
            message = self.expect(201, "POST", "add-message", token=user_token(sender),
                                  body={"recipientNamespace": recipient, "message": text})
            self.assertEqual((message["senderNamespace"], message["recipientNamespace"], message["message"],
                              message["compositeNamespace"]), (sender, recipient, text, f"{sender}:::{recipient}"))
            sent.append(message)
        # One written straight to the table with an earlier date: the order is the dates', not the
        # order of arrival.
        early = {"id": "early-1", "date": "2020-01-01T00:00:00.000Z", "compositeNamespace": f"{ben}:::{ann}",
                 "senderNamespace": ben, "recipientNamespace": ann, "message": "from the past"}
        self.dynamodb.put_item(TableName=self.messages_table, Item={k: {"S": v} for k, v in early.items()})

        conversation = sorted([early] + sent[:4], key=lambda m: (m["date"], m["id"]))
        self.assertEqual(conversation[0], early)
        got = self.expect(200, "GET", "get-messages", token=user_token(ann), query={"recipientNamespace": ben})
        self.assertEqual(got, [{**m, "them": m["senderNamespace"] == ben} for m in conversation])
        got = self.expect(200, "GET", "get-messages", token=user_token(ben), query={"recipientNamespace": ann})
        self.assertEqual(got, [{**m, "them": m["senderNamespace"] == ann} for m in conversation])
        self.assertEqual(self.expect(200, "GET", "get-messages", token=user_token(ann),
                                     query={"recipientNamespace": cat}), [{**sent[4], "them": True}])

    def test_a_blocked_contact_cannot_send(self):
        pam, tom = new_user("pam"), new_user("tom")
        contact = self.expect(201, "POST", "add-contact", token=user_token(pam), body={"name": "Tom", "email": tom})
        self.expect(201, "POST", "add-message", token=user_token(tom),
                    body={"recipientNamespace": pam, "message": "before"})
        self.expect(200, "POST", "block-contact", token=user_token(pam), body={"id": contact["id"]})
        self.assertEqual(self.expect(403, "POST", "add-message", token=user_token(tom),
                                     body={"recipientNamespace": pam, "message": "after"}),
                         {"message": f"{pam} does not accept messages from you"})
        self.assertEqual([m["message"]["S"] for m in self.stored_messages(tom, pam)], ["before"])
        # Pam still writes to Tom.
        self.expect(201, "POST", "add-message", token=user_token(pam),
                    body={"recipientNamespace": tom, "message": "bye"})

    def test_every_route_wants_a_token(self):
        # The Cognito authorizer answers before any function runs (README.md, "REST APIs").
        for method, route in ROUTES:
            for token in [None, "not-a-jwt"]:
                self.assertEqual(self.expect(401, method, route, token=token, body={} if method == "POST" else None),
                                 {"message": "Unauthorized"}, f"{method} /{route} with token {token}")

    def test_a_token_without_a_username_is_forbidden(self):
        token = mint({"sub": "f00", "email": "nobody@example.com", "token_use": "id"})
        for signed_token in [token, mint({"sub": "f00", "cognito:username": ""}, signed=False)]:
            for method, route in ROUTES:
                self.assertEqual(
                    self.expect(403, method, route, token=signed_token,
                                body={"id": "x", "name": "n", "email": "n@example.com", "report": "r",
                                      "recipientNamespace": "x", "message": "m"} if method == "POST" else None,
                                query={"recipientNamespace": "x"} if method == "GET" else None),
                    {"message": "missing namespace: the token has no cognito:username claim"},
                    f"{method} /{route}")

    def test_invalid_requests_get_400_and_store_nothing(self):
        me, you = new_user("val"), new_user("you")
        token = user_token(me)
        cases = [
            ("add-message", {"recipientNamespace": you, "message": "   "}, "message is empty"),
            ("add-message", {"recipientNamespace": you}, "message not provided"),
            ("add-message", {"recipientNamespace": you, "message": 7}, "message must be a string"),
            ("add-message", {"recipientNamespace": you, "message": "x" * 4001},
             "message is longer than 4000 characters"),
            ("add-message", {"message": "hi"}, "recipientNamespace not provided"),
            ("add-message", {"recipientNamespace": f"{you}:::{me}", "message": "hi"},
             'recipientNamespace contains the invalid string ":::"'),
            ("add-message", [you, "hi"], "invalid request body: a JSON object is required"),
            ("add-contact", {"name": "You", "email": "not-an-address"}, "email is not an email address"),
            ("add-contact", {"email": you}, "name not provided"),
            ("block-contact", {}, "id not provided"),
            ("report-contact", {"id": "x", "report": ""}, "report is empty"),
        ]
        for route, body, message in cases:
            self.assertEqual(self.expect(400, "POST", route, token=token, body=body), {"message": message},
                             f"/{route} {body}")
        self.assertEqual(self.expect(400, "POST", "add-message", token=token, raw_body=b"{not json"),
                         {"message": "invalid request body: not JSON"})
        self.assertEqual(self.expect(400, "GET", "get-messages", token=token),
                         {"message": "recipientNamespace not provided"})
        self.assertEqual(self.stored_messages(me, you), [])
        self.assertEqual(self.expect(200, "GET", "get-contacts", token=token), [])


def code_without_comments(text):
    """JavaScript source without its // and /* */ comments (strings here hold neither)."""
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", "", text, flags=re.S))


class ChatHandlersNeverScan(unittest.TestCase):
    """Issue 9: the chat "queries, never scans". Read from the handlers' code: every DynamoDB call
    is `documents.send(new <X>Command(...))`, and each X is a keyed operation (Query for reads);
    nothing names a Scan, or PartiQL (ExecuteStatement, which scans a table without a key
    condition)."""

    KEYED = {"Query", "Put", "Update", "Get", "Delete", "BatchGet", "BatchWrite", "TransactGet", "TransactWrite"}

    def test_the_handlers_send_keyed_commands_only(self):
        folder = os.path.join(ROOT, "handlers", "chat", "node")
        files = sorted(name for name in os.listdir(folder) if name.endswith((".js", ".mjs", ".cjs")))
        self.assertEqual(files, ["common.js", "contacts.js", "messages.js"])
        sent, sends = set(), 0
        for name in files:
            with open(os.path.join(folder, name)) as f:
                code = code_without_comments(f.read())
            with self.subTest(name):
                self.assertIsNone(re.search(r"(?i)scan|ExecuteStatement|executeStatement|PartiQL", code))
                sends += len(re.findall(r"\.send\(", code))
                commands = re.findall(r"\.send\(\s*new\s+(\w+)Command\(", code)
                # Every send names its command where it is made, so that the set below is complete.
                self.assertEqual(len(commands), len(re.findall(r"\.send\(", code)), code)
                sent.update(commands)
        self.assertGreater(sends, 0)
        self.assertIn("Query", sent)
        self.assertLessEqual(sent, self.KEYED)


if __name__ == "__main__":
    unittest.main()
