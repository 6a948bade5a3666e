"""SQS under hostile input (issue 6, findings 3, 4, 5 and 9), over both wire protocols.

Each request below once ended the process (SIGSEGV in a recursive dump() or copy of JSON nested
100,000 to 1,000,000 deep inside a string attribute) or was accepted when AWS refuses it. Now
each is answered with AWS's error, changes nothing, and the server keeps serving (and exits 0 at
the end, which the harness checks).

Query protocol: Debian's boto3 1.26 (/usr/bin/python3) and raw form posts for bytes boto3 will
not send. JSON protocol: raw SigV4-signed requests with `X-Amz-Target: AmazonSQS.<Op>`.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_sqs_hostile
"""

import http.client
import json
import unittest
import urllib.parse

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from fogbank_harness import ACCESS_KEY, REGION, SECRET_KEY, FogbankTestCase, unique_name

# AWS's answers (sources in emulator/sqs/src: queue_attributes.cpp, message_format.cpp, ops_queues.cpp).
NOT_A_JSON_MAP = "Redrive policy is not a valid JSON map."
INVALID_POLICY = "Invalid value for the parameter Policy."
INVALID_CHARACTERS = ("Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | "
                      "#xE000 to #xFFFD | #x10000 to #x10FFFF")
JSON_ERROR_PREFIX = "com.amazonaws.sqs#"


def nested(depth):
    return "[" * depth + "]" * depth


def deep_policy(depth):
    return '{"Version":"2012-10-17","Statement":' + nested(depth) + "}"


def redrive_invalid(value, reason=NOT_A_JSON_MAP):
    return f"Value {value} for parameter RedrivePolicy is invalid. Reason: {reason}"


class SqsHostileTest(FogbankTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sqs = cls.server.client(service="sqs")

    # ---- wire helpers ----------------------------------------------------------------------

    def json_call(self, operation, payload):
        """A signed JSON-protocol request. Returns (status, body, headers)."""
        return self.server.raw(operation, payload, target_prefix="AmazonSQS")

    def json_bytes(self, operation, body):
        """A signed JSON-protocol request whose body is the given bytes (which json.dumps cannot
        produce, e.g. ill-formed UTF-8). Returns (status, parsed body)."""
        req = botocore.awsrequest.AWSRequest(method="POST", url=self.server.endpoint + "/", data=body, headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": f"AmazonSQS.{operation}",
        })
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY), "sqs",
                                REGION).add_auth(req)
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        try:
            conn.request("POST", "/", body=body, headers=dict(req.headers.items()))
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read() or b"null")
        finally:
            conn.close()

    def form(self, params):
        """A raw query-protocol POST (values may be bytes). Returns (status, body text)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        try:
            conn.request("POST", "/", body=urllib.parse.urlencode({"Version": "2012-11-05", **params}),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
            resp = conn.getresponse()
            return resp.status, resp.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def assert_json_error(self, response, code, message):
        return self.assert_raw_error(response, code, message, 400)

    def assert_form_error(self, response, code, message):
        status, body = response
        expected = f"<Code>{code}</Code><Message>{message}</Message>"
        self.assertEqual(status, 400, body[:2000])
        self.assertIn(expected, body, f"expected {expected!r} in\n{body[:2000]}")

    # ---- state helpers ---------------------------------------------------------------------

    def new_queue(self, prefix="q", **attributes):
        name = unique_name(prefix)
        return name, self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]

    def all_attributes(self, url):
        return self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]

    def assert_no_queue(self, name):
        self.assert_client_error(lambda: self.sqs.get_queue_url(QueueName=name),
                                 "AWS.SimpleQueueService.NonExistentQueue", None, 400)

    def assert_serving(self):
        """The process is alive and answers a normal request on a fresh connection."""
        self.assertTrue(self.server.running(), "fogbank exited:\n" + self.server.stderr())
        name, url = self.new_queue("alive")
        self.sqs.send_message(QueueUrl=url, MessageBody="still here")
        got = self.sqs.receive_message(QueueUrl=url).get("Messages", [])
        self.assertEqual([m["Body"] for m in got], ["still here"])
        self.sqs.delete_queue(QueueUrl=url)

    # ---- finding 3: RedrivePolicy with 100,000 nested brackets -----------------------------

    def test_redrive_policy_of_100000_brackets_over_the_query_protocol(self):
        _, dlq = self.new_queue("dlq")
        _, url = self.new_queue("src")
        before = self.all_attributes(url)
        policy = nested(100_000)
        self.assert_client_error(
            lambda: self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": policy}),
            "InvalidParameterValue", redrive_invalid(policy))
        name = unique_name("other")
        self.assert_client_error(
            lambda: self.sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": policy}),
            "InvalidParameterValue", redrive_invalid(policy))
        # The crash itself was a deep maxReceiveCount, dumped into the error message.
        arn = self.all_attributes(dlq)["QueueArn"]
        deep_count = '{"deadLetterTargetArn":"' + arn + '","maxReceiveCount":' + nested(100_000) + "}"
        self.assert_client_error(
            lambda: self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": deep_count}),
            "InvalidParameterValue", redrive_invalid(deep_count))
        self.assertEqual(self.all_attributes(url), before)
        self.assert_no_queue(name)
        self.assert_serving()

    def test_redrive_policy_of_100000_brackets_over_the_json_protocol(self):
        _, dlq = self.new_queue("dlq")
        _, url = self.new_queue("src")
        before = self.all_attributes(url)
        policy = nested(100_000)
        self.assert_json_error(
            self.json_call("SetQueueAttributes", {"QueueUrl": url, "Attributes": {"RedrivePolicy": policy}}),
            "InvalidParameterValue", redrive_invalid(policy))
        name = unique_name("other")
        self.assert_json_error(
            self.json_call("CreateQueue", {"QueueName": name, "Attributes": {"RedrivePolicy": policy}}),
            "InvalidParameterValue", redrive_invalid(policy))
        arn = self.all_attributes(dlq)["QueueArn"]
        deep_count = '{"deadLetterTargetArn":"' + arn + '","maxReceiveCount":' + nested(100_000) + "}"
        self.assert_json_error(
            self.json_call("SetQueueAttributes", {"QueueUrl": url, "Attributes": {"RedrivePolicy": deep_count}}),
            "InvalidParameterValue", redrive_invalid(deep_count))
        self.assertEqual(self.all_attributes(url), before)
        self.assert_no_queue(name)
        self.assert_serving()

    # ---- findings 4 and 5: deep Policy, then AddPermission / RemovePermission ----------------

    def check_deep_policy_then_permissions(self, set_policy, add_permission, remove_permission):
        _, url = self.new_queue("shared")
        before = self.all_attributes(url)
        for depth in (60_000, 1_000_000):
            set_policy(url, deep_policy(depth))
        self.assertEqual(self.all_attributes(url), before)
        # Finding 5's second step answers as for any queue without that label ...
        remove_permission(url, "never-added")
        # ... and finding 4's works as on a queue without a policy.
        add_permission(url, "allow-send")
        policy = json.loads(self.all_attributes(url)["Policy"])
        self.assertEqual([s["Sid"] for s in policy["Statement"]], ["allow-send"])
        self.sqs.remove_permission(QueueUrl=url, Label="allow-send")
        self.assertNotIn("Policy", self.all_attributes(url))
        self.assert_serving()

    def test_deep_policy_then_permissions_over_the_query_protocol(self):
        def set_policy(url, policy):
            self.assert_client_error(
                lambda: self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy}),
                "InvalidAttributeValue", INVALID_POLICY)

        def add_permission(url, label):
            self.sqs.add_permission(QueueUrl=url, Label=label, AWSAccountIds=["111122223333"],
                                    Actions=["SendMessage"])

        def remove_permission(url, label):
            self.assert_client_error(
                lambda: self.sqs.remove_permission(QueueUrl=url, Label=label), "InvalidParameterValue",
                f"Value {label} for parameter Label is invalid. Reason: can't find label.")

        self.check_deep_policy_then_permissions(set_policy, add_permission, remove_permission)
        name = unique_name("other")
        self.assert_client_error(
            lambda: self.sqs.create_queue(QueueName=name, Attributes={"Policy": deep_policy(60_000)}),
            "InvalidAttributeValue", INVALID_POLICY)
        self.assert_no_queue(name)

    def test_deep_policy_then_permissions_over_the_json_protocol(self):
        def set_policy(url, policy):
            self.assert_json_error(
                self.json_call("SetQueueAttributes", {"QueueUrl": url, "Attributes": {"Policy": policy}}),
                "InvalidAttributeValue", INVALID_POLICY)

        def add_permission(url, label):
            status, body, _ = self.json_call("AddPermission", {
                "QueueUrl": url, "Label": label, "AWSAccountIds": ["111122223333"], "Actions": ["SendMessage"]})
            self.assertEqual(status, 200, body)

        def remove_permission(url, label):
            self.assert_json_error(
                self.json_call("RemovePermission", {"QueueUrl": url, "Label": label}), "InvalidParameterValue",
                f"Value {label} for parameter Label is invalid. Reason: can't find label.")

        self.check_deep_policy_then_permissions(set_policy, add_permission, remove_permission)
        name = unique_name("other")
        self.assert_json_error(
            self.json_call("CreateQueue", {"QueueName": name, "Attributes": {"Policy": deep_policy(60_000)}}),
            "InvalidAttributeValue", INVALID_POLICY)
        self.assert_no_queue(name)

    # ---- finding 9: an overlong UTF-8 sequence in a MessageBody ----------------------------

    def test_overlong_utf8_body_over_the_query_protocol(self):
        _, url = self.new_queue("utf8")
        # C0 AF is '/' in two bytes, E0 80 AF in three; C1 BF is an overlong DEL.
        for body in (b"a\xc0\xaf", b"\xe0\x80\xaf", b"\xc1\xbf", b"\xed\xa0\x80"):
            self.assert_form_error(self.form({"Action": "SendMessage", "QueueUrl": url, "MessageBody": body}),
                                   "InvalidMessageContents", INVALID_CHARACTERS)
        self.assertEqual(self.all_attributes(url)["ApproximateNumberOfMessages"], "0")
        # The shortest form of the same character is an ordinary message.
        status, text = self.form({"Action": "SendMessage", "QueueUrl": url, "MessageBody": b"a/\xf0\x9f\x98\x80"})
        self.assertEqual(status, 200, text)
        got = self.sqs.receive_message(QueueUrl=url)["Messages"]
        self.assertEqual([m["Body"] for m in got], ["a/\U0001F600"])
        self.assert_serving()

    def test_overlong_utf8_body_over_the_json_protocol(self):
        _, url = self.new_queue("utf8")
        # JSON text must be UTF-8: the body is refused before it is an SQS request at all.
        status, body = self.json_bytes(
            "SendMessage", b'{"QueueUrl": "' + url.encode() + b'", "MessageBody": "a\xc0\xaf"}')
        self.assertEqual((status, body), (400, {"__type": "com.amazon.coral.service#SerializationException"}))
        # What JSON can carry, a character outside SQS's set, is InvalidMessageContents.
        self.assert_json_error(self.json_call("SendMessage", {"QueueUrl": url, "MessageBody": "a\ufffe"}),
                               "InvalidMessageContents", INVALID_CHARACTERS)
        self.assertEqual(self.all_attributes(url)["ApproximateNumberOfMessages"], "0")
        self.assert_serving()

    # ---- finding 9: a Number message attribute 1e999999 ------------------------------------

    NUMBERS_REFUSED = ("1e999999", "-1e999999", "1e-999999", "1e127", "1e-129", "1" * 39)

    def number_attribute(self, value):
        return {"n": {"DataType": "Number", "StringValue": value}}

    def test_number_attribute_out_of_range_over_the_query_protocol(self):
        _, url = self.new_queue("numbers")
        for value in self.NUMBERS_REFUSED:
            self.assert_client_error(
                lambda: self.sqs.send_message(QueueUrl=url, MessageBody="x",
                                              MessageAttributes=self.number_attribute(value)),
                "InvalidParameterValue", "Can't cast the value of message (user) attribute 'n' to a number.")
        self.assertEqual(self.all_attributes(url)["ApproximateNumberOfMessages"], "0")
        # The bounds themselves are numbers (boto3 checks the attribute MD5 of the answer).
        for value in ("1e126", "-1e-128", "9" * 38):
            self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=self.number_attribute(value))
        self.assertEqual(self.all_attributes(url)["ApproximateNumberOfMessages"], "3")
        self.assert_serving()

    def test_number_attribute_out_of_range_over_the_json_protocol(self):
        _, url = self.new_queue("numbers")
        for value in self.NUMBERS_REFUSED:
            self.assert_json_error(
                self.json_call("SendMessage", {"QueueUrl": url, "MessageBody": "x",
                                               "MessageAttributes": self.number_attribute(value)}),
                "InvalidParameterValue", "Can't cast the value of message (user) attribute 'n' to a number.")
        status, body, _ = self.json_call("SendMessageBatch", {"QueueUrl": url, "Entries": [
            {"Id": "bad", "MessageBody": "x", "MessageAttributes": self.number_attribute("1e999999")},
            {"Id": "good", "MessageBody": "x", "MessageAttributes": self.number_attribute("1e126")}]})
        self.assertEqual(status, 200, body)
        self.assertEqual([e["Id"] for e in body["Successful"]], ["good"])
        self.assertEqual([(e["Id"], e["Code"]) for e in body["Failed"]], [("bad", "InvalidParameterValue")])
        self.assertEqual(self.all_attributes(url)["ApproximateNumberOfMessages"], "1")
        self.assert_serving()

    # ---- finding 9: CreateQueue with 100,000 tags ------------------------------------------

    def test_too_many_tags_over_the_query_protocol(self):
        name = unique_name("tags")
        params = {"Action": "CreateQueue", "QueueName": name}
        for i in range(1, 100_001):
            params[f"Tag.{i}.Key"] = f"k{i}"
            params[f"Tag.{i}.Value"] = "v"
        self.assert_form_error(self.form(params), "InvalidParameterValue", f"Too many tags added for queue {name}.")
        fifty_one = {f"k{i}": "v" for i in range(51)}
        self.assert_client_error(lambda: self.sqs.create_queue(QueueName=name, tags=fifty_one),
                                 "InvalidParameterValue", f"Too many tags added for queue {name}.")
        self.assert_no_queue(name)
        url = self.sqs.create_queue(QueueName=name, tags={"team": "a"})["QueueUrl"]
        self.assert_client_error(lambda: self.sqs.tag_queue(QueueUrl=url, Tags=fifty_one),
                                 "InvalidParameterValue", f"Too many tags added for queue {name}.")
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"team": "a"})
        self.assert_serving()

    def test_too_many_tags_over_the_json_protocol(self):
        name = unique_name("tags")
        many = {f"k{i}": "v" for i in range(100_000)}
        self.assert_json_error(self.json_call("CreateQueue", {"QueueName": name, "tags": many}),
                               "InvalidParameterValue", f"Too many tags added for queue {name}.")
        self.assert_no_queue(name)
        status, body, _ = self.json_call("CreateQueue", {"QueueName": name, "tags": {"team": "a"}})
        self.assertEqual(status, 200, body)
        self.assert_json_error(self.json_call("TagQueue", {"QueueUrl": body["QueueUrl"], "Tags": many}),
                               "InvalidParameterValue", f"Too many tags added for queue {name}.")
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=body["QueueUrl"])["Tags"], {"team": "a"})
        self.assert_serving()


if __name__ == "__main__":
    unittest.main()
