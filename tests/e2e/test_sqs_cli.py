"""SQS through the AWS CLI only (/usr/bin/aws, CLI 2.9, which speaks SQS's query protocol).

Every `aws sqs` command the CLI has, with its exit code and the JSON it prints: queues (create with
attributes and tags, idempotent re-create, refusal on different attributes, get-queue-url,
list-queues paging, attributes and their message counts, delete), messages (attributes and their
MD5s, delay, batches, receive options, long polling, visibility, purge), permissions, tags,
dead-letter queues (redrive, source listing; CLI 2.9 has no move-task commands, test_sqs_js.py
covers those), FIFO queues, and error paths (exit 254 with the AWS error code in stderr).

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_sqs_cli
"""

import base64
import hashlib
import json
import struct
import tempfile
import threading
import time
import unittest

from fogbank_harness import ACCOUNT, REGION, FogbankTestCase, unique_name

# The query protocol's code (botocore's QueueDoesNotExist shape has it as its awsQueryError code).
MISSING_QUEUE_CODE = "AWS.SimpleQueueService.NonExistentQueue"
MISSING_QUEUE_MESSAGE = "The specified queue does not exist."
CLI_SERVICE_ERROR = 254   # the service answered with an error


def md5_hex(text):
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def md5_of_message_attributes(attributes):
    """The MD5OfMessageAttributes SQS computes, from the CLI's JSON form of the attributes
    (binary values base64-encoded)."""
    def encoded(data):
        return struct.pack(">I", len(data)) + data

    out = b""
    for name in sorted(attributes):
        attr = attributes[name]
        out += encoded(name.encode()) + encoded(attr["DataType"].encode())
        if "StringValue" in attr:
            out += b"\x01" + encoded(attr["StringValue"].encode())
        else:
            out += b"\x02" + encoded(base64.b64decode(attr["BinaryValue"]))
    return hashlib.md5(out).hexdigest()


class SqsCliTest(FogbankTestCase):
    """One server for the class; each test makes its own queues."""

    # ---- helpers -------------------------------------------------------------------------------

    def cli(self, *args):
        """Run `aws sqs ARGS`; it must exit 0. Returns the parsed JSON ({} for no output)."""
        code, out, err = self.server.aws("sqs", *args)
        self.assertEqual(code, 0, f"aws sqs {' '.join(map(str, args))} exited {code}:\n{err}")
        return out if out != "" else {}

    def cli_error(self, error_code, *args, message=None):
        """Run `aws sqs ARGS`; it must exit 254 naming `error_code` (and `message`, if given)."""
        code, out, err = self.server.aws("sqs", *args)
        self.assertEqual(code, CLI_SERVICE_ERROR,
                         f"aws sqs {' '.join(map(str, args))}: expected exit 254, got {code}\n"
                         f"stdout: {out!r}\nstderr: {err}")
        self.assertIn(f"An error occurred ({error_code})", err)
        if message is not None:
            self.assertIn(message, err)
        return err

    def new_queue(self, prefix="cli", fifo=False, attributes=None, extra=()):
        name = unique_name(prefix) + (".fifo" if fifo else "")
        attributes = dict(attributes or {})
        if fifo:
            attributes["FifoQueue"] = "true"
        args = ["create-queue", "--queue-name", name]
        if attributes:
            args += ["--attributes", json.dumps({k: str(v) for k, v in attributes.items()})]
        url = self.cli(*args, *extra)["QueueUrl"]
        self.assertEqual(url, f"{self.server.endpoint}/{ACCOUNT}/{name}")
        return name, url

    def attributes(self, url, *names):
        return self.cli("get-queue-attributes", "--queue-url", url,
                        "--attribute-names", *(names or ("All",))).get("Attributes", {})

    def arn(self, url):
        return self.attributes(url, "QueueArn")["QueueArn"]

    def receive(self, url, *args):
        return self.cli("receive-message", "--queue-url", url, *args).get("Messages", [])

    def send(self, url, body, *args):
        return self.cli("send-message", "--queue-url", url, "--message-body", body, *args)

    def counts(self, url):
        attrs = self.attributes(url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                "ApproximateNumberOfMessagesDelayed")
        return (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"],
                attrs["ApproximateNumberOfMessagesDelayed"])

    # ---- queues --------------------------------------------------------------------------------

    def test_create_queue_with_attributes_and_tags(self):
        name, url = self.new_queue("create", attributes={
            "VisibilityTimeout": 45, "DelaySeconds": 2, "MaximumMessageSize": 4096,
            "MessageRetentionPeriod": 3600, "ReceiveMessageWaitTimeSeconds": 3},
            extra=("--tags", "team=payments,env=test"))
        attrs = self.attributes(url)
        for key, value in {"VisibilityTimeout": "45", "DelaySeconds": "2", "MaximumMessageSize": "4096",
                           "MessageRetentionPeriod": "3600", "ReceiveMessageWaitTimeSeconds": "3",
                           "ApproximateNumberOfMessages": "0",
                           "ApproximateNumberOfMessagesNotVisible": "0",
                           "ApproximateNumberOfMessagesDelayed": "0",
                           "QueueArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"}.items():
            self.assertEqual(attrs.get(key), value, f"attribute {key} in {attrs}")
        for key in ("CreatedTimestamp", "LastModifiedTimestamp"):
            self.assertRegex(attrs.get(key, ""), r"^\d{10}$", f"{key} is epoch seconds")
        self.assertEqual(self.cli("list-queue-tags", "--queue-url", url)["Tags"],
                         {"team": "payments", "env": "test"})

    def test_create_queue_shorthand_attributes_and_idempotent_recreate(self):
        name = unique_name("idem")
        url = self.cli("create-queue", "--queue-name", name,
                       "--attributes", "VisibilityTimeout=20,DelaySeconds=0")["QueueUrl"]
        # Same attributes (or none at all): the same queue, exit 0.
        again = self.cli("create-queue", "--queue-name", name, "--attributes", "VisibilityTimeout=20")
        self.assertEqual(again, {"QueueUrl": url})
        self.assertEqual(self.cli("create-queue", "--queue-name", name), {"QueueUrl": url})
        # A different value: refused, and the queue keeps its attribute.
        # QueueAlreadyExists is the query protocol's code for botocore's QueueNameExists shape.
        self.cli_error("QueueAlreadyExists", "create-queue", "--queue-name", name,
                       "--attributes", "VisibilityTimeout=21",
                       message="A queue already exists with the same name and a different value "
                               "for attribute VisibilityTimeout")
        self.assertEqual(self.attributes(url, "VisibilityTimeout"), {"VisibilityTimeout": "20"})

    def test_invalid_queue_names_and_attributes(self):
        self.cli_error("InvalidParameterValue", "create-queue", "--queue-name", "bad name!")
        self.cli_error("InvalidParameterValue", "create-queue", "--queue-name", "x" * 81)
        # A .fifo name without FifoQueue=true, and FifoQueue=true without the suffix.
        self.cli_error("InvalidParameterValue", "create-queue", "--queue-name", unique_name("nf") + ".fifo")
        # AWS's wording, as moto and other SQS emulators copy it.
        self.cli_error("InvalidParameterValue", "create-queue", "--queue-name", unique_name("nosuffix"),
                       "--attributes", "FifoQueue=true",
                       message="The name of a FIFO queue can only include alphanumeric characters, "
                               "hyphens, or underscores, must end with .fifo suffix and be 1 to 80 "
                               "in length.")
        self.cli_error("InvalidAttributeValue", "create-queue", "--queue-name", unique_name("badvis"),
                       "--attributes", "VisibilityTimeout=43201")
        self.cli_error("InvalidAttributeName", "create-queue", "--queue-name", unique_name("badattr"),
                       "--attributes", "NoSuchAttribute=1")

    def test_get_queue_url(self):
        name, url = self.new_queue("geturl")
        self.assertEqual(self.cli("get-queue-url", "--queue-name", name), {"QueueUrl": url})
        self.assertEqual(self.cli("get-queue-url", "--queue-name", name,
                                  "--queue-owner-aws-account-id", ACCOUNT), {"QueueUrl": url})
        err = self.cli_error(MISSING_QUEUE_CODE, "get-queue-url", "--queue-name", name + "-absent")
        self.assertIn(MISSING_QUEUE_MESSAGE, err)

    def test_list_queues_prefix_and_paging(self):
        prefix = unique_name("page")
        urls = sorted(self.new_queue(f"{prefix}-{i}")[1] for i in range(5))
        # Another prefix that must not show up.
        self.new_queue(unique_name("other"))
        self.assertEqual(sorted(self.cli("list-queues", "--queue-name-prefix", prefix)["QueueUrls"]), urls)
        # No match: the CLI prints nothing at all (no QueueUrls key).
        self.assertNotIn("QueueUrls", self.cli("list-queues", "--queue-name-prefix", "no-such-" + prefix))
        # Everything includes ours.
        everything = self.cli("list-queues")["QueueUrls"]
        self.assertTrue(set(urls) <= set(everything))
        # The CLI pages with MaxResults=2 / NextToken itself and joins the pages.
        self.assertEqual(sorted(self.cli("list-queues", "--queue-name-prefix", prefix,
                                         "--page-size", "2")["QueueUrls"]), urls)
        # --max-items stops early and hands back a token to continue from.
        seen = []
        first = self.cli("list-queues", "--queue-name-prefix", prefix, "--page-size", "2", "--max-items", "2")
        self.assertEqual(len(first["QueueUrls"]), 2)
        self.assertIn("NextToken", first)
        seen += first["QueueUrls"]
        token = first["NextToken"]
        pages = 1
        while token:
            page = self.cli("list-queues", "--queue-name-prefix", prefix, "--page-size", "2",
                            "--max-items", "2", "--starting-token", token)
            seen += page["QueueUrls"]
            token = page.get("NextToken")
            pages += 1
            self.assertLess(pages, 10, "paging does not end")
        self.assertEqual(sorted(seen), urls)
        self.assertEqual(len(seen), len(set(seen)), "a queue was listed twice across pages")
        self.assertEqual(pages, 3)
        # --no-paginate: one raw page of MaxResults queues, with the service's NextToken.
        # (the CLI refuses --page-size with --no-paginate; MaxResults goes in through --cli-input-json)
        raw = self.cli("list-queues", "--cli-input-json",
                       json.dumps({"QueueNamePrefix": prefix, "MaxResults": 3}), "--no-paginate")
        self.assertEqual(len(raw["QueueUrls"]), 3)
        self.assertIn("NextToken", raw)
        rest = self.cli("list-queues", "--cli-input-json", json.dumps(
            {"QueueNamePrefix": prefix, "MaxResults": 3, "NextToken": raw["NextToken"]}), "--no-paginate")
        self.assertEqual(len(rest["QueueUrls"]), 2)
        self.assertNotIn("NextToken", rest)
        self.assertEqual(sorted(raw["QueueUrls"] + rest["QueueUrls"]), urls)
        self.cli_error("InvalidParameterValue", "list-queues", "--page-size", "1001")

    def test_get_queue_attributes_counts(self):
        _, url = self.new_queue("counts")
        self.assertEqual(self.counts(url), ("0", "0", "0"))
        for i in range(3):
            self.send(url, f"m{i}")
        self.send(url, "later", "--delay-seconds", "60")
        self.assertEqual(self.counts(url), ("3", "0", "1"))
        got = self.receive(url, "--max-number-of-messages", "2")
        self.assertEqual(len(got), 2)
        self.assertEqual(self.counts(url), ("1", "2", "1"))
        self.cli("delete-message", "--queue-url", url, "--receipt-handle", got[0]["ReceiptHandle"])
        self.assertEqual(self.counts(url), ("1", "1", "1"))
        # Selected names only.
        self.assertEqual(set(self.attributes(url, "VisibilityTimeout", "DelaySeconds")),
                         {"VisibilityTimeout", "DelaySeconds"})
        self.cli_error("InvalidAttributeName", "get-queue-attributes", "--queue-url", url,
                       "--attribute-names", "NoSuchAttribute")

    def test_set_queue_attributes(self):
        _, url = self.new_queue("setattrs")
        self.assertEqual(self.cli("set-queue-attributes", "--queue-url", url, "--attributes",
                                  "VisibilityTimeout=10,MaximumMessageSize=2048,MessageRetentionPeriod=120"), {})
        self.assertEqual(self.attributes(url, "VisibilityTimeout", "MaximumMessageSize", "MessageRetentionPeriod"),
                         {"VisibilityTimeout": "10", "MaximumMessageSize": "2048",
                          "MessageRetentionPeriod": "120"})
        policy = {"Version": "2012-10-17", "Statement": [{
            "Sid": "all", "Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sqs:SendMessage",
            "Resource": self.arn(url)}]}
        self.cli("set-queue-attributes", "--queue-url", url, "--attributes",
                 json.dumps({"Policy": json.dumps(policy)}))
        self.assertEqual(json.loads(self.attributes(url, "Policy")["Policy"]), policy)
        self.cli_error("InvalidAttributeValue", "set-queue-attributes", "--queue-url", url,
                       "--attributes", "VisibilityTimeout=99999")
        self.cli_error("InvalidAttributeValue", "set-queue-attributes", "--queue-url", url,
                       "--attributes", "MaximumMessageSize=100")
        # The refused values changed nothing.
        self.assertEqual(self.attributes(url, "VisibilityTimeout", "MaximumMessageSize"),
                         {"VisibilityTimeout": "10", "MaximumMessageSize": "2048"})

    def test_delete_queue(self):
        name, url = self.new_queue("delete")
        self.send(url, "bye")
        self.assertEqual(self.cli("delete-queue", "--queue-url", url), {})
        self.cli_error(MISSING_QUEUE_CODE, "get-queue-url", "--queue-name", name)
        self.assertNotIn(url, self.cli("list-queues", "--queue-name-prefix", name).get("QueueUrls", []))
        self.cli_error(MISSING_QUEUE_CODE, "delete-queue", "--queue-url", url)

    # ---- messages ------------------------------------------------------------------------------

    def test_send_message_with_attributes_and_receive_all(self):
        _, url = self.new_queue("sendattrs")
        body = "héllo\nwörld <&> \"quoted\" 🙂"
        message_attributes = {
            "color": {"DataType": "String", "StringValue": "red"},
            "count": {"DataType": "Number", "StringValue": "42"},
            "raw": {"DataType": "Binary", "BinaryValue": base64.b64encode(b"\x00\x01\xff").decode()},
            "custom": {"DataType": "String.label", "StringValue": "x"},
        }
        sent = self.send(url, body, "--message-attributes", json.dumps(message_attributes))
        self.assertRegex(sent["MessageId"], r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        self.assertEqual(sent["MD5OfMessageBody"], md5_hex(body))
        self.assertEqual(sent["MD5OfMessageAttributes"], md5_of_message_attributes(message_attributes))
        before = int(time.time() * 1000)
        msgs = self.receive(url, "--attribute-names", "All", "--message-attribute-names", "All")
        self.assertEqual(len(msgs), 1)
        m = msgs[0]
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["Body"], body)
        self.assertEqual(m["MD5OfBody"], md5_hex(body))
        self.assertEqual(m["MD5OfMessageAttributes"], sent["MD5OfMessageAttributes"])
        self.assertEqual(m["MessageAttributes"], message_attributes)
        self.assertTrue(m["ReceiptHandle"])
        attrs = m["Attributes"]
        self.assertEqual(attrs["ApproximateReceiveCount"], "1")
        for key in ("SentTimestamp", "ApproximateFirstReceiveTimestamp"):
            self.assertRegex(attrs[key], r"^\d{13}$")
            self.assertLess(abs(int(attrs[key]) - before), 60_000, key)
        self.assertIn("SenderId", attrs)
        # Only the message attributes asked for; none without the option.
        self.cli("change-message-visibility", "--queue-url", url, "--receipt-handle", m["ReceiptHandle"],
                 "--visibility-timeout", "0")
        only = self.receive(url, "--message-attribute-names", "color", "count")
        self.assertEqual(only[0]["MessageAttributes"], {k: message_attributes[k] for k in ("color", "count")})
        self.assertNotIn("Attributes", only[0])
        self.cli("change-message-visibility", "--queue-url", url, "--receipt-handle", only[0]["ReceiptHandle"],
                 "--visibility-timeout", "0")
        bare = self.receive(url, "--attribute-names", "ApproximateReceiveCount")
        self.assertNotIn("MessageAttributes", bare[0])
        self.assertEqual(bare[0]["Attributes"], {"ApproximateReceiveCount": "3"})

    def test_send_message_delay(self):
        _, url = self.new_queue("delay")
        # 10 s: the two CLI calls before the long poll must fit in the delay on a loaded machine.
        self.send(url, "delayed", "--delay-seconds", "10")
        self.assertEqual(self.counts(url), ("0", "0", "1"))
        self.assertEqual(self.receive(url), [])
        # A long poll ends when the delay does, well before its own 20 s.
        start = time.monotonic()
        msgs = self.receive(url, "--wait-time-seconds", "20")
        elapsed = time.monotonic() - start
        self.assertEqual([m["Body"] for m in msgs], ["delayed"])
        self.assertLess(elapsed, 18, "the long poll did not end when the delayed message became visible")
        # Queue-level DelaySeconds applies to messages sent without their own.
        _, url2 = self.new_queue("qdelay", attributes={"DelaySeconds": 60})
        self.send(url2, "x")
        self.assertEqual(self.counts(url2), ("0", "0", "1"))
        self.send(url2, "now", "--delay-seconds", "0")
        self.assertEqual([m["Body"] for m in self.receive(url2)], ["now"])
        self.cli_error("InvalidParameterValue", "send-message", "--queue-url", url, "--message-body", "x",
                       "--delay-seconds", "901")

    def test_send_message_limits(self):
        _, url = self.new_queue("limits", attributes={"MaximumMessageSize": 1024})
        self.send(url, "a" * 1024)
        self.cli_error("InvalidParameterValue", "send-message", "--queue-url", url, "--message-body", "a" * 1025)
        # Characters outside the allowed set (#x9 | #xA | #xD | #x20 to #xD7FF | ...).
        self.cli_error("InvalidMessageContents", "send-message", "--queue-url", url,
                       "--message-body", "bell\x07")

    def test_send_message_batch(self):
        _, url = self.new_queue("sendbatch")
        entries = [
            {"Id": "a", "MessageBody": "one"},
            {"Id": "b", "MessageBody": "two", "MessageAttributes": {
                "k": {"DataType": "String", "StringValue": "v"}}},
            {"Id": "c", "MessageBody": "three", "DelaySeconds": 60},
        ]
        resp = self.cli("send-message-batch", "--queue-url", url, "--entries", json.dumps(entries))
        self.assertEqual(resp.get("Failed", []), [])
        by_id = {e["Id"]: e for e in resp["Successful"]}
        self.assertEqual(sorted(by_id), ["a", "b", "c"])
        for e in entries:
            self.assertEqual(by_id[e["Id"]]["MD5OfMessageBody"], md5_hex(e["MessageBody"]))
        self.assertEqual(by_id["b"]["MD5OfMessageAttributes"],
                         md5_of_message_attributes(entries[1]["MessageAttributes"]))
        self.assertNotIn("MD5OfMessageAttributes", by_id["a"])
        self.assertEqual(len({e["MessageId"] for e in resp["Successful"]}), 3)
        self.assertEqual(self.counts(url), ("2", "0", "1"))
        msgs = self.receive(url, "--max-number-of-messages", "10", "--message-attribute-names", "All")
        self.assertEqual(sorted(m["Body"] for m in msgs), ["one", "two"])
        two = next(m for m in msgs if m["Body"] == "two")
        self.assertEqual(two["MessageId"], by_id["b"]["MessageId"])
        self.assertEqual(two["MessageAttributes"], entries[1]["MessageAttributes"])
        # One bad entry fails on its own; the rest are sent.
        mixed = self.cli("send-message-batch", "--queue-url", url, "--entries", json.dumps([
            {"Id": "ok", "MessageBody": "fine"},
            {"Id": "bad", "MessageBody": "bell\x07"}]))
        self.assertEqual([e["Id"] for e in mixed["Successful"]], ["ok"])
        self.assertEqual([(e["Id"], e["SenderFault"]) for e in mixed["Failed"]], [("bad", True)])
        self.assertEqual(mixed["Failed"][0]["Code"], "InvalidMessageContents")

    def test_send_message_batch_errors(self):
        _, url = self.new_queue("batcherr")
        self.cli_error("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "send-message-batch",
                       "--queue-url", url, "--entries",
                       json.dumps([{"Id": "x", "MessageBody": "1"}, {"Id": "x", "MessageBody": "2"}]),
                       message="Id x repeated.")
        self.cli_error("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "send-message-batch",
                       "--queue-url", url, "--entries",
                       json.dumps([{"Id": f"i{i}", "MessageBody": "b"} for i in range(11)]))
        self.cli_error("AWS.SimpleQueueService.InvalidBatchEntryId", "send-message-batch",
                       "--queue-url", url, "--entries", json.dumps([{"Id": "no spaces", "MessageBody": "b"}]))
        # 2 x 600 KB > 1 MiB in total (through a file: too long for a command line).
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump([{"Id": f"i{i}", "MessageBody": "b" * 600_000} for i in range(2)], f)
            f.flush()
            self.cli_error("AWS.SimpleQueueService.BatchRequestTooLong", "send-message-batch",
                           "--queue-url", url, "--entries", f"file://{f.name}")
        # Nothing was sent by any of them.
        self.assertEqual(self.counts(url), ("0", "0", "0"))

    def test_receive_message_options(self):
        _, url = self.new_queue("recvopts", attributes={"VisibilityTimeout": 60})
        self.cli("send-message-batch", "--queue-url", url, "--entries",
                 json.dumps([{"Id": f"i{i}", "MessageBody": f"m{i}"} for i in range(5)]))
        self.assertEqual(len(self.receive(url, "--max-number-of-messages", "2")), 2)
        # The rest (at most 10 per call); the first two are in flight for the queue's 60 s.
        # (10 s, not 1: the next CLI call must start before they come back, on a loaded machine too.)
        rest = self.receive(url, "--max-number-of-messages", "10", "--visibility-timeout", "10")
        self.assertEqual(len(rest), 3)
        self.assertEqual(self.receive(url), [])
        # --visibility-timeout 10 overrides the queue's 60 s: they come back within a long poll.
        again = self.receive(url, "--max-number-of-messages", "10", "--wait-time-seconds", "20",
                             "--attribute-names", "ApproximateReceiveCount")
        self.assertTrue(again)
        self.assertTrue({m["MessageId"] for m in again} <= {m["MessageId"] for m in rest})
        self.assertEqual({m["Attributes"]["ApproximateReceiveCount"] for m in again}, {"2"})
        self.cli_error("InvalidParameterValue", "receive-message", "--queue-url", url,
                       "--max-number-of-messages", "11")
        self.cli_error("InvalidParameterValue", "receive-message", "--queue-url", url,
                       "--wait-time-seconds", "21")

    def test_long_poll_returns_when_a_message_arrives(self):
        _, url = self.new_queue("longpoll")
        self.assertEqual(self.counts(url), ("0", "0", "0"))
        sent = {}

        def send_later():
            time.sleep(1.0)
            sent["resp"] = self.server.aws("sqs", "send-message", "--queue-url", url, "--message-body", "wake up")

        thread = threading.Thread(target=send_later)
        start = time.monotonic()
        thread.start()
        try:
            msgs = self.receive(url, "--wait-time-seconds", "20")
        finally:
            thread.join()
        elapsed = time.monotonic() - start
        self.assertEqual(sent["resp"][0], 0, sent["resp"][2])
        self.assertEqual([m["Body"] for m in msgs], ["wake up"])
        self.assertLess(elapsed, 12, "the long poll waited for its deadline instead of the message")

    def test_long_poll_ends_empty_at_its_deadline(self):
        _, url = self.new_queue("pollempty")
        start = time.monotonic()
        self.assertEqual(self.cli("receive-message", "--queue-url", url, "--wait-time-seconds", "2"), {})
        self.assertGreaterEqual(time.monotonic() - start, 1.9)
        # The queue's ReceiveMessageWaitTimeSeconds applies when the call gives none.
        _, url2 = self.new_queue("pollqueue", attributes={"ReceiveMessageWaitTimeSeconds": 2})
        start = time.monotonic()
        self.assertEqual(self.receive(url2), [])
        self.assertGreaterEqual(time.monotonic() - start, 1.9)

    def test_delete_message(self):
        _, url = self.new_queue("delmsg")
        self.send(url, "x")
        m = self.receive(url)[0]
        self.assertEqual(self.cli("delete-message", "--queue-url", url, "--receipt-handle", m["ReceiptHandle"]),
                         {})
        self.assertEqual(self.counts(url), ("0", "0", "0"))
        # Deleting with a handle of a message already deleted succeeds (AWS: idempotent).
        self.cli("delete-message", "--queue-url", url, "--receipt-handle", m["ReceiptHandle"])
        err = self.cli_error("ReceiptHandleIsInvalid", "delete-message", "--queue-url", url,
                             "--receipt-handle", "garbage")
        self.assertIn('The input receipt handle "garbage" is not a valid receipt handle.', err)

    def test_delete_message_batch(self):
        _, url = self.new_queue("delbatch")
        self.cli("send-message-batch", "--queue-url", url, "--entries",
                 json.dumps([{"Id": f"i{i}", "MessageBody": f"m{i}"} for i in range(3)]))
        msgs = self.receive(url, "--max-number-of-messages", "10")
        self.assertEqual(len(msgs), 3)
        entries = [{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)]
        entries.append({"Id": "bogus", "ReceiptHandle": "not-a-handle"})
        resp = self.cli("delete-message-batch", "--queue-url", url, "--entries", json.dumps(entries))
        self.assertEqual(sorted(e["Id"] for e in resp["Successful"]), ["d0", "d1", "d2"])
        self.assertEqual([(e["Id"], e["Code"], e["SenderFault"]) for e in resp["Failed"]],
                         [("bogus", "ReceiptHandleIsInvalid", True)])
        self.assertEqual(self.counts(url), ("0", "0", "0"))
        self.cli_error("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "delete-message-batch",
                       "--queue-url", url, "--entries",
                       json.dumps([{"Id": "x", "ReceiptHandle": "a"}, {"Id": "x", "ReceiptHandle": "b"}]))

    def test_change_message_visibility(self):
        _, url = self.new_queue("chvis")
        self.send(url, "again")
        first = self.receive(url, "--visibility-timeout", "60")
        self.assertEqual(len(first), 1)
        self.assertEqual(self.receive(url), [])
        self.assertEqual(self.cli("change-message-visibility", "--queue-url", url, "--receipt-handle",
                                  first[0]["ReceiptHandle"], "--visibility-timeout", "0"), {})
        second = self.receive(url, "--attribute-names", "ApproximateReceiveCount", "--visibility-timeout", "60")
        self.assertEqual([m["Body"] for m in second], ["again"])
        self.assertEqual(second[0]["Attributes"]["ApproximateReceiveCount"], "2")
        self.cli_error("ReceiptHandleIsInvalid", "change-message-visibility", "--queue-url", url,
                       "--receipt-handle", "garbage", "--visibility-timeout", "0")
        self.cli_error("InvalidParameterValue", "change-message-visibility", "--queue-url", url,
                       "--receipt-handle", second[0]["ReceiptHandle"], "--visibility-timeout", "43201")

    def test_change_message_visibility_batch(self):
        _, url = self.new_queue("chvisbatch")
        self.cli("send-message-batch", "--queue-url", url, "--entries",
                 json.dumps([{"Id": f"i{i}", "MessageBody": f"m{i}"} for i in range(3)]))
        msgs = self.receive(url, "--max-number-of-messages", "10", "--visibility-timeout", "60")
        self.assertEqual(len(msgs), 3)
        entries = [{"Id": f"e{i}", "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                   for i, m in enumerate(msgs)]
        entries.append({"Id": "bogus", "ReceiptHandle": "not-a-handle", "VisibilityTimeout": 0})
        resp = self.cli("change-message-visibility-batch", "--queue-url", url, "--entries", json.dumps(entries))
        self.assertEqual(sorted(e["Id"] for e in resp["Successful"]), ["e0", "e1", "e2"])
        self.assertEqual([(e["Id"], e["Code"], e["SenderFault"]) for e in resp["Failed"]],
                         [("bogus", "ReceiptHandleIsInvalid", True)])
        # Visible again at once.
        self.assertEqual(self.counts(url), ("3", "0", "0"))
        self.assertEqual(len(self.receive(url, "--max-number-of-messages", "10")), 3)
        self.cli_error("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "change-message-visibility-batch",
                       "--queue-url", url, "--entries", json.dumps([
                           {"Id": "x", "ReceiptHandle": "a", "VisibilityTimeout": 1},
                           {"Id": "x", "ReceiptHandle": "b", "VisibilityTimeout": 1}]))

    def test_purge_queue(self):
        _, url = self.new_queue("purge")
        self.cli("send-message-batch", "--queue-url", url, "--entries",
                 json.dumps([{"Id": f"i{i}", "MessageBody": f"m{i}"} for i in range(3)]))
        self.receive(url)
        self.assertEqual(self.cli("purge-queue", "--queue-url", url), {})
        self.assertEqual(self.counts(url), ("0", "0", "0"))
        self.assertEqual(self.receive(url), [])
        self.cli_error("AWS.SimpleQueueService.PurgeQueueInProgress", "purge-queue", "--queue-url", url,
                       message="every 60 seconds")

    # ---- permissions and tags ------------------------------------------------------------------

    def test_add_and_remove_permission(self):
        _, url = self.new_queue("perm")
        self.assertEqual(self.cli("add-permission", "--queue-url", url, "--label", "allow-send",
                                  "--aws-account-ids", "111122223333", "--actions", "SendMessage",
                                  "ReceiveMessage"), {})
        policy = json.loads(self.attributes(url, "Policy")["Policy"])
        statements = {s["Sid"]: s for s in policy["Statement"]}
        self.assertIn("allow-send", statements)
        stmt = statements["allow-send"]
        self.assertEqual(stmt["Effect"], "Allow")
        self.assertEqual(stmt["Resource"], self.arn(url))
        actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
        self.assertEqual(sorted(actions), ["SQS:ReceiveMessage", "SQS:SendMessage"])
        self.cli_error("InvalidParameterValue", "add-permission", "--queue-url", url, "--label", "allow-send",
                       "--aws-account-ids", "111122223333", "--actions", "SendMessage")
        self.assertEqual(self.cli("remove-permission", "--queue-url", url, "--label", "allow-send"), {})
        remaining = self.attributes(url, "Policy").get("Policy")
        if remaining:
            self.assertNotIn("allow-send", [s["Sid"] for s in json.loads(remaining).get("Statement", [])])
        self.cli_error("InvalidParameterValue", "remove-permission", "--queue-url", url, "--label", "allow-send")

    def test_tags(self):
        _, url = self.new_queue("tags", extra=("--tags", "team=payments"))
        self.assertEqual(self.cli("list-queue-tags", "--queue-url", url), {"Tags": {"team": "payments"}})
        self.assertEqual(self.cli("tag-queue", "--queue-url", url, "--tags", "env=test,team=orders"), {})
        self.assertEqual(self.cli("list-queue-tags", "--queue-url", url)["Tags"], {"team": "orders", "env": "test"})
        self.assertEqual(self.cli("untag-queue", "--queue-url", url, "--tag-keys", "team"), {})
        self.assertEqual(self.cli("list-queue-tags", "--queue-url", url)["Tags"], {"env": "test"})
        self.cli("untag-queue", "--queue-url", url, "--tag-keys", "env", "never-set")
        self.assertNotIn("Tags", self.cli("list-queue-tags", "--queue-url", url))

    # ---- dead-letter queues --------------------------------------------------------------------

    def make_redrive_pair(self, prefix):
        _, dlq_url = self.new_queue(f"{prefix}-dlq")
        dlq_arn = self.arn(dlq_url)
        _, src_url = self.new_queue(f"{prefix}-src", attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})
        return src_url, dlq_url, dlq_arn

    def test_dead_letter_redrive(self):
        src_url, dlq_url, dlq_arn = self.make_redrive_pair("redrive")
        policy = json.loads(self.attributes(src_url, "RedrivePolicy")["RedrivePolicy"])
        self.assertEqual(policy["deadLetterTargetArn"], dlq_arn)
        self.assertEqual(int(policy["maxReceiveCount"]), 1)
        sent = self.send(src_url, "poison")
        first = self.receive(src_url)
        self.assertEqual([m["Body"] for m in first], ["poison"])
        self.cli("change-message-visibility", "--queue-url", src_url, "--receipt-handle",
                 first[0]["ReceiptHandle"], "--visibility-timeout", "0")
        # Received maxReceiveCount times already: the next receive moves it to the dead-letter queue.
        self.assertEqual(self.receive(src_url), [])
        self.assertEqual(self.counts(src_url), ("0", "0", "0"))
        moved = self.receive(dlq_url, "--attribute-names", "All")
        self.assertEqual([m["Body"] for m in moved], ["poison"])
        self.assertEqual(moved[0]["MessageId"], sent["MessageId"])
        self.assertEqual(moved[0]["Attributes"].get("DeadLetterQueueSourceArn"), self.arn(src_url))

    def test_list_dead_letter_source_queues(self):
        src_url, dlq_url, dlq_arn = self.make_redrive_pair("dlsrc")
        _, src2 = self.new_queue("dlsrc2", attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})})
        self.assertEqual(sorted(self.cli("list-dead-letter-source-queues", "--queue-url", dlq_url)["queueUrls"]),
                         sorted([src_url, src2]))
        paged = self.cli("list-dead-letter-source-queues", "--queue-url", dlq_url, "--page-size", "1")
        self.assertEqual(sorted(paged["queueUrls"]), sorted([src_url, src2]))
        first = self.cli("list-dead-letter-source-queues", "--queue-url", dlq_url, "--max-items", "1")
        self.assertEqual(len(first["queueUrls"]), 1)
        self.assertIn("NextToken", first)
        # A queue nobody redrives to has no sources.
        self.assertEqual(self.cli("list-dead-letter-source-queues", "--queue-url", src_url).get("queueUrls", []),
                         [])
        # Removing the policy removes the source.
        self.cli("set-queue-attributes", "--queue-url", src2, "--attributes", json.dumps({"RedrivePolicy": ""}))
        self.assertEqual(self.cli("list-dead-letter-source-queues", "--queue-url", dlq_url)["queueUrls"], [src_url])
        self.cli_error(MISSING_QUEUE_CODE, "list-dead-letter-source-queues", "--queue-url",
                       f"{self.server.endpoint}/{ACCOUNT}/{unique_name('absent')}")

    # ---- FIFO ----------------------------------------------------------------------------------

    def test_fifo_queue(self):
        name, url = self.new_queue("fifo", fifo=True, attributes={"ContentBasedDeduplication": "true"})
        attrs = self.attributes(url, "FifoQueue", "ContentBasedDeduplication")
        self.assertEqual(attrs, {"FifoQueue": "true", "ContentBasedDeduplication": "true"})
        ids = []
        seqs = []
        for i in range(5):
            resp = self.send(url, f"m{i}", "--message-group-id", "g")
            self.assertRegex(resp["SequenceNumber"], r"^\d+$")
            ids.append(resp["MessageId"])
            seqs.append(int(resp["SequenceNumber"]))
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(len(set(seqs)), 5)
        # Content-based deduplication: the same body within 5 minutes is accepted but not enqueued.
        self.assertEqual(self.send(url, "m0", "--message-group-id", "g")["MessageId"], ids[0])
        # An explicit deduplication id wins over the body.
        explicit = self.send(url, "other", "--message-group-id", "h", "--message-deduplication-id", "d1")
        self.assertEqual(self.send(url, "different", "--message-group-id", "h",
                                   "--message-deduplication-id", "d1")["MessageId"], explicit["MessageId"])
        self.assertEqual(self.counts(url), ("6", "0", "0"))
        # Order within a group; while a group has messages in flight, it gives out no more.
        first = self.receive(url, "--max-number-of-messages", "2", "--attribute-names", "All")
        got_g = [m for m in first if m["Attributes"]["MessageGroupId"] == "g"]
        if got_g:
            self.assertEqual([m["Body"] for m in got_g], [f"m{i}" for i in range(len(got_g))])
            for m in got_g:
                self.assertIn("SequenceNumber", m["Attributes"])
                self.assertIn("MessageDeduplicationId", m["Attributes"])
        rest = self.receive(url, "--max-number-of-messages", "10", "--attribute-names", "All")
        self.assertFalse(got_g and any(m["Attributes"]["MessageGroupId"] == "g" for m in rest),
                         "group g gave out messages while some of it was in flight")
        # Deleting what was received unlocks the group, which continues in order.
        for m in first + rest:
            self.cli("delete-message", "--queue-url", url, "--receipt-handle", m["ReceiptHandle"])
        bodies = [m["Body"] for m in first + rest if m["Attributes"]["MessageGroupId"] == "g"]
        for _ in range(6):
            if len(bodies) == 5:
                break
            more = self.receive(url, "--max-number-of-messages", "10", "--attribute-names", "MessageGroupId")
            self.assertTrue(more, f"group g stopped at {bodies}")
            for m in more:
                if m["Attributes"]["MessageGroupId"] == "g":
                    bodies.append(m["Body"])
                self.cli("delete-message", "--queue-url", url, "--receipt-handle", m["ReceiptHandle"])
        self.assertEqual(bodies, [f"m{i}" for i in range(5)])
        self.assertEqual(self.counts(url), ("0", "0", "0"))
        # Batches on a FIFO queue.
        batch = self.cli("send-message-batch", "--queue-url", url, "--entries", json.dumps([
            {"Id": "a", "MessageBody": "b1", "MessageGroupId": "k"},
            {"Id": "b", "MessageBody": "b2", "MessageGroupId": "k"}]))
        self.assertEqual(sorted(e["Id"] for e in batch["Successful"]), ["a", "b"])
        self.assertTrue(all("SequenceNumber" in e for e in batch["Successful"]))
        self.assertEqual([m["Body"] for m in self.receive(url, "--max-number-of-messages", "10")], ["b1", "b2"])
        # A FIFO queue needs a group id.
        self.cli_error("MissingParameter", "send-message", "--queue-url", url, "--message-body", "x",
                       message="MessageGroupId")

    def test_fifo_without_content_based_deduplication(self):
        _, url = self.new_queue("fifonodedup", fifo=True)
        self.cli_error("InvalidParameterValue", "send-message", "--queue-url", url, "--message-body", "x",
                       "--message-group-id", "g")
        self.send(url, "x", "--message-group-id", "g", "--message-deduplication-id", "one")
        self.send(url, "x", "--message-group-id", "g", "--message-deduplication-id", "two")
        self.assertEqual(self.counts(url), ("2", "0", "0"))
        # Per-message delays are not allowed on FIFO queues.
        self.cli_error("InvalidParameterValue", "send-message", "--queue-url", url, "--message-body", "y",
                       "--message-group-id", "g", "--message-deduplication-id", "three", "--delay-seconds", "5")

    # ---- errors --------------------------------------------------------------------------------

    def test_nonexistent_queue(self):
        missing = f"{self.server.endpoint}/{ACCOUNT}/{unique_name('missing')}"
        for args in (
            ("send-message", "--queue-url", missing, "--message-body", "x"),
            ("send-message-batch", "--queue-url", missing, "--entries", '[{"Id":"a","MessageBody":"x"}]'),
            ("receive-message", "--queue-url", missing),
            ("delete-message", "--queue-url", missing, "--receipt-handle", "h"),
            ("get-queue-attributes", "--queue-url", missing, "--attribute-names", "All"),
            ("set-queue-attributes", "--queue-url", missing, "--attributes", "VisibilityTimeout=1"),
            ("purge-queue", "--queue-url", missing),
            ("list-queue-tags", "--queue-url", missing),
            ("tag-queue", "--queue-url", missing, "--tags", "a=b"),
            ("change-message-visibility", "--queue-url", missing, "--receipt-handle", "h",
             "--visibility-timeout", "1"),
            ("delete-queue", "--queue-url", missing),
        ):
            with self.subTest(command=args[0]):
                err = self.cli_error(MISSING_QUEUE_CODE, *args)
                self.assertIn(MISSING_QUEUE_MESSAGE, err)

    # ---- the executable ------------------------------------------------------------------------

    def test_the_aws_executable_prints_what_the_forked_cli_prints(self):
        """The harness forks most commands from a process that imported the CLI once; /usr/bin/aws
        itself must give the same exit code, stdout and stderr (an answer and an error)."""
        _, url = self.new_queue("exe")
        missing = f"{self.server.endpoint}/{ACCOUNT}/{unique_name('missing')}"
        for args in (("get-queue-attributes", "--queue-url", url, "--attribute-names", "QueueArn", "DelaySeconds"),
                     ("purge-queue", "--queue-url", missing)):
            with self.subTest(command=args[0]):
                self.assertEqual(self.server.aws("sqs", *args, process=True), self.server.aws("sqs", *args))


if __name__ == "__main__":
    unittest.main()
