"""SQS over the query protocol: Debian's boto3 1.26 (/usr/bin/python3) and AWS CLI 2.9 (/usr/bin/aws).

Both speak SQS as `Action=...&Version=2012-11-05` form posts and parse XML answers. boto3 checks
the MD5 of every body and message-attribute set it sends and receives, so a wrong MD5 fails
here. `SqsCases` holds the protocol-independent cases; test_sqs_json.py runs the same cases
through boto3 1.4x, which speaks the JSON protocol.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_sqs_query
"""

import http.client
import json
import threading
import time
import unittest
import urllib.parse

from fogbank_harness import FogbankTestCase, unique_name

MISSING_QUEUE = "AWS.SimpleQueueService.NonExistentQueue"
MISSING_QUEUE_MESSAGE = "The specified queue does not exist."


class SqsCases:
    """Cases every SQS client must pass, whatever protocol it speaks. Needs self.sqs (a boto3
    SQS client) and self.server (a FogbankServer)."""

    expected_content_type = None

    def new_queue(self, prefix="q", fifo=False, **attributes):
        name = unique_name(prefix).replace(".", "-") + (".fifo" if fifo else "")
        if fifo:
            attributes["FifoQueue"] = "true"
        resp = self.sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})
        return name, resp["QueueUrl"]

    def receive(self, url, **kwargs):
        return self.sqs.receive_message(QueueUrl=url, **kwargs).get("Messages", [])

    # ---- queues ----------------------------------------------------------------------------

    def test_wire_protocol(self):
        resp = self.sqs.list_queues()
        headers = resp["ResponseMetadata"]["HTTPHeaders"]
        self.assertEqual(headers["content-type"], self.expected_content_type)
        self.assertRegex(resp["ResponseMetadata"]["RequestId"],
                         r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

    def test_create_get_url_list_delete(self):
        name, url = self.new_queue("lifecycle")
        self.assertEqual(url, f"{self.server.endpoint}/000000000000/{name}")
        self.assertEqual(self.sqs.get_queue_url(QueueName=name)["QueueUrl"], url)
        # Creating it again with the same attributes is idempotent.
        self.assertEqual(self.sqs.create_queue(QueueName=name)["QueueUrl"], url)
        self.assertIn(url, self.sqs.list_queues(QueueNamePrefix=name)["QueueUrls"])
        self.assertNotIn("QueueUrls", self.sqs.list_queues(QueueNamePrefix="no-such-prefix-"))
        self.sqs.delete_queue(QueueUrl=url)
        self.assert_client_error(lambda: self.sqs.get_queue_url(QueueName=name), MISSING_QUEUE,
                                 MISSING_QUEUE_MESSAGE, 400)

    def test_queue_attributes(self):
        name, url = self.new_queue("attrs", VisibilityTimeout=45, DelaySeconds=0)
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["VisibilityTimeout"], "45")
        self.assertEqual(attrs["ApproximateNumberOfMessages"], "0")
        self.assertEqual(attrs["QueueArn"], f"arn:aws:sqs:us-east-1:000000000000:{name}")
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "10",
                                                                "MaximumMessageSize": "2048"})
        got = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout",
                                                                           "MaximumMessageSize"])
        self.assertEqual(got["Attributes"], {"VisibilityTimeout": "10", "MaximumMessageSize": "2048"})
        self.assert_client_error(
            lambda: self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "99999"}),
            "InvalidAttributeValue", "Invalid value for the parameter VisibilityTimeout.", 400)

    def test_create_with_different_attributes_is_refused(self):
        name, _ = self.new_queue("exists", VisibilityTimeout=30)
        self.assert_client_error(
            lambda: self.sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "31"}),
            "QueueAlreadyExists",
            "A queue already exists with the same name and a different value for attribute VisibilityTimeout",
            400)

    def test_tags(self):
        name = unique_name("tags")
        url = self.sqs.create_queue(QueueName=name, tags={"team": "payments"})["QueueUrl"]
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"team": "payments"})
        self.sqs.tag_queue(QueueUrl=url, Tags={"env": "test", "team": "orders"})
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"team": "orders", "env": "test"})
        self.sqs.untag_queue(QueueUrl=url, TagKeys=["team", "env"])
        self.assertNotIn("Tags", self.sqs.list_queue_tags(QueueUrl=url))

    # ---- messages --------------------------------------------------------------------------

    def test_send_receive_delete_with_attributes(self):
        _, url = self.new_queue("msgs")
        body = "héllo\r\nwörld <&> \t 🙂"
        sent = self.sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes={
            "color": {"DataType": "String", "StringValue": "red"},
            "count": {"DataType": "Number", "StringValue": "42"},
            "raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
        })
        self.assertIn("MD5OfMessageAttributes", sent)
        msgs = self.receive(url, AttributeNames=["All"], MessageAttributeNames=["All"])
        self.assertEqual(len(msgs), 1)
        m = msgs[0]
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["Body"], body)
        self.assertEqual(m["MessageAttributes"]["color"], {"DataType": "String", "StringValue": "red"})
        self.assertEqual(m["MessageAttributes"]["count"], {"DataType": "Number", "StringValue": "42"})
        self.assertEqual(m["MessageAttributes"]["raw"], {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"})
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "1")
        self.assertIn("SentTimestamp", m["Attributes"])
        # In flight: not visible to a second receive.
        self.assertEqual(self.receive(url), [])
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["ApproximateNumberOfMessages"], "0")
        self.assertEqual(attrs["ApproximateNumberOfMessagesNotVisible"], "0")

    def test_selected_message_attributes_only(self):
        _, url = self.new_queue("select")
        self.sqs.send_message(QueueUrl=url, MessageBody="b", MessageAttributes={
            "a": {"DataType": "String", "StringValue": "1"},
            "b": {"DataType": "String", "StringValue": "2"}})
        m = self.receive(url, MessageAttributeNames=["b"])[0]
        self.assertEqual(list(m["MessageAttributes"]), ["b"])

    def test_batches(self):
        _, url = self.new_queue("batch")
        resp = self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "one"},
            {"Id": "b", "MessageBody": "two", "MessageAttributes": {
                "k": {"DataType": "String", "StringValue": "v"}}},
            {"Id": "c", "MessageBody": "three"},
        ])
        self.assertEqual(sorted(e["Id"] for e in resp["Successful"]), ["a", "b", "c"])
        self.assertEqual(resp.get("Failed", []), [])
        msgs = self.receive(url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        self.assertEqual(sorted(m["Body"] for m in msgs), ["one", "three", "two"])
        changed = self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": f"e{i}", "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 60}
            for i, m in enumerate(msgs)])
        self.assertEqual(len(changed["Successful"]), 3)
        deleted = self.sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)] + [
            {"Id": "bogus", "ReceiptHandle": "not-a-handle"}])
        self.assertEqual(sorted(e["Id"] for e in deleted["Successful"]), ["d0", "d1", "d2"])
        self.assertEqual([(e["Id"], e["Code"], e["SenderFault"]) for e in deleted["Failed"]],
                         [("bogus", "ReceiptHandleIsInvalid", True)])

    def test_batch_errors(self):
        _, url = self.new_queue("batcherr")
        self.assert_client_error(
            lambda: self.sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": "x", "MessageBody": "1"}, {"Id": "x", "MessageBody": "2"}]),
            "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id x repeated.", 400)
        self.assert_client_error(
            lambda: self.sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": f"i{i}", "MessageBody": "b"} for i in range(11)]),
            "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
            "Maximum number of entries per request are 10. You have sent 11.", 400)

    def test_change_visibility(self):
        _, url = self.new_queue("vis")
        self.sqs.send_message(QueueUrl=url, MessageBody="again")
        first = self.receive(url, VisibilityTimeout=60)
        self.assertEqual(len(first), 1)
        self.assertEqual(self.receive(url), [])
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"],
                                           VisibilityTimeout=0)
        second = self.receive(url, AttributeNames=["ApproximateReceiveCount"])
        self.assertEqual(len(second), 1)
        self.assertEqual(second[0]["Attributes"]["ApproximateReceiveCount"], "2")

    def test_long_poll_returns_when_a_message_arrives(self):
        _, url = self.new_queue("poll")
        sender = self.new_client()

        def send_later():
            time.sleep(1.0)
            sender.send_message(QueueUrl=url, MessageBody="wake up")

        thread = threading.Thread(target=send_later)
        start = time.monotonic()
        thread.start()
        try:
            msgs = self.receive(url, WaitTimeSeconds=15)
        finally:
            thread.join()
        elapsed = time.monotonic() - start
        self.assertEqual([m["Body"] for m in msgs], ["wake up"])
        self.assertGreaterEqual(elapsed, 0.9)
        self.assertLess(elapsed, 8, "the long poll waited for its deadline instead of the message")

    def test_long_poll_ends_empty_at_its_deadline(self):
        _, url = self.new_queue("pollempty")
        start = time.monotonic()
        self.assertEqual(self.receive(url, WaitTimeSeconds=1), [])
        elapsed = time.monotonic() - start
        self.assertGreaterEqual(elapsed, 0.9)
        self.assertLess(elapsed, 5)

    def test_dead_letter_redrive(self):
        _, dlq_url = self.new_queue("dlq")
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        _, src_url = self.new_queue("src", RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"}))
        self.assertEqual(self.sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"], [src_url])
        self.sqs.send_message(QueueUrl=src_url, MessageBody="poison")
        first = self.receive(src_url)
        self.assertEqual(len(first), 1)
        self.sqs.change_message_visibility(QueueUrl=src_url, ReceiptHandle=first[0]["ReceiptHandle"],
                                           VisibilityTimeout=0)
        # Received once already: the next receive moves it to the dead-letter queue instead.
        self.assertEqual(self.receive(src_url), [])
        moved = self.receive(dlq_url)
        self.assertEqual([m["Body"] for m in moved], ["poison"])

    def test_fifo_order_and_deduplication(self):
        _, url = self.new_queue("fifo", fifo=True, ContentBasedDeduplication="true")
        ids = []
        for i in range(5):
            resp = self.sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageGroupId="g")
            self.assertIn("SequenceNumber", resp)
            ids.append(resp["MessageId"])
        again = self.sqs.send_message(QueueUrl=url, MessageBody="m0", MessageGroupId="g")
        self.assertEqual(again["MessageId"], ids[0], "a duplicate within 5 minutes is not enqueued again")
        explicit = self.sqs.send_message(QueueUrl=url, MessageBody="other", MessageGroupId="h",
                                         MessageDeduplicationId="d1")
        self.assertEqual(self.sqs.send_message(QueueUrl=url, MessageBody="different", MessageGroupId="h",
                                               MessageDeduplicationId="d1")["MessageId"],
                         explicit["MessageId"])
        msgs = self.receive(url, MaxNumberOfMessages=10, AttributeNames=["All"])
        group_g = [m["Body"] for m in msgs if m["Attributes"]["MessageGroupId"] == "g"]
        self.assertEqual(group_g, [f"m{i}" for i in range(5)])
        self.assertEqual(len(msgs), 6)
        self.assert_client_error(
            lambda: self.sqs.send_message(QueueUrl=url, MessageBody="x"), "MissingParameter",
            "The request must contain the parameter MessageGroupId.", 400)

    def test_purge(self):
        _, url = self.new_queue("purge")
        for i in range(3):
            self.sqs.send_message(QueueUrl=url, MessageBody=str(i))
        self.sqs.purge_queue(QueueUrl=url)
        self.assertEqual(self.receive(url), [])
        self.assert_client_error(lambda: self.sqs.purge_queue(QueueUrl=url),
                                 "AWS.SimpleQueueService.PurgeQueueInProgress",
                                 __import__("re").compile(r"^Only one PurgeQueue operation on .* is allowed "
                                                          r"every 60 seconds\.$"), 403)

    def test_error_paths(self):
        missing = f"{self.server.endpoint}/000000000000/{unique_name('missing')}"
        self.assert_client_error(lambda: self.sqs.send_message(QueueUrl=missing, MessageBody="x"),
                                 MISSING_QUEUE, MISSING_QUEUE_MESSAGE, 400)
        self.assert_client_error(lambda: self.receive(missing), MISSING_QUEUE, MISSING_QUEUE_MESSAGE, 400)
        _, url = self.new_queue("errs")
        self.assert_client_error(
            lambda: self.sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage"),
            "ReceiptHandleIsInvalid", 'The input receipt handle "garbage" is not a valid receipt handle.', 400)
        self.assert_client_error(
            lambda: self.receive(url, MaxNumberOfMessages=11), "InvalidParameterValue",
            __import__("re").compile(r"^Value 11 for parameter MaxNumberOfMessages is invalid\."), 400)


class SqsQueryTest(SqsCases, FogbankTestCase):
    """The cases through boto3 1.26 (query protocol)."""

    expected_content_type = "text/xml"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sqs = cls.server.client(service="sqs")

    def new_client(self):
        return self.server.client(service="sqs")

    def form(self, path, params):
        """A raw, unsigned query-protocol POST. Returns (status, body text)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            conn.request("POST", path, body=urllib.parse.urlencode(params),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
            resp = conn.getresponse()
            return resp.status, resp.read().decode()
        finally:
            conn.close()

    def test_queue_url_path_stands_in_for_queue_url(self):
        name, url = self.new_queue("bypath")
        path = urllib.parse.urlparse(url).path
        status, body = self.form(path, {"Action": "SendMessage", "Version": "2012-11-05", "MessageBody": "p"})
        self.assertEqual(status, 200, body)
        self.assertIn("<SendMessageResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">", body)
        self.assertIn("<MD5OfMessageBody>83878c91171338902e0fe0fb97a8c47a</MD5OfMessageBody>", body)
        self.assertEqual([m["Body"] for m in self.receive(url)], ["p"])

    def test_error_document(self):
        status, body = self.form("/", {"Action": "GetQueueUrl", "QueueName": "nope-" + unique_name()})
        self.assertEqual(status, 400)
        self.assertRegex(body, r"<ErrorResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"
                               r"<Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>"
                               r"<Message>The specified queue does not exist.</Message><Detail/></Error>"
                               r"<RequestId>[0-9a-f-]{36}</RequestId></ErrorResponse>")
        status, body = self.form("/", {"Action": "Fly"})
        self.assertEqual(status, 400)
        self.assertIn("<Code>InvalidAction</Code>", body)

    def test_health_counts_queues(self):
        def health():
            status, body, _ = self.server.http("GET", "/_fogbank/health")
            self.assertEqual(status, 200, body)
            return body

        before = health()["queues"]
        _, url = self.new_queue("health")
        after = health()
        self.assertEqual(after["services"].get("sqs"), "running")
        self.assertEqual(after["queues"], before + 1)
        self.sqs.delete_queue(QueueUrl=url)
        self.assertEqual(health()["queues"], before)


class SqsCliTest(FogbankTestCase):
    """AWS CLI 2.9 (query protocol)."""

    def cli(self, *args):
        code, out, err = self.server.aws("sqs", *args)
        self.assertEqual(code, 0, f"aws sqs {' '.join(map(str, args))} failed:\n{err}")
        return out

    def test_cli_round_trip(self):
        name = unique_name("cli")
        url = self.cli("create-queue", "--queue-name", name,
                       "--attributes", "VisibilityTimeout=20")["QueueUrl"]
        self.assertEqual(self.cli("get-queue-url", "--queue-name", name)["QueueUrl"], url)
        self.assertIn(url, self.cli("list-queues", "--queue-name-prefix", name)["QueueUrls"])
        sent = self.cli("send-message", "--queue-url", url, "--message-body", "from the cli",
                        "--message-attributes", '{"k":{"DataType":"String","StringValue":"v"}}')
        self.assertIn("MessageId", sent)
        batch = self.cli("send-message-batch", "--queue-url", url, "--entries",
                         json.dumps([{"Id": "1", "MessageBody": "b1"}, {"Id": "2", "MessageBody": "b2"}]))
        self.assertEqual(len(batch["Successful"]), 2)
        got = self.cli("receive-message", "--queue-url", url, "--max-number-of-messages", "10",
                       "--message-attribute-names", "All", "--attribute-names", "All")
        self.assertEqual(sorted(m["Body"] for m in got["Messages"]), ["b1", "b2", "from the cli"])
        for m in got["Messages"]:
            self.cli("delete-message", "--queue-url", url, "--receipt-handle", m["ReceiptHandle"])
        attrs = self.cli("get-queue-attributes", "--queue-url", url, "--attribute-names", "All")["Attributes"]
        self.assertEqual(attrs["VisibilityTimeout"], "20")
        self.assertEqual(attrs["ApproximateNumberOfMessagesNotVisible"], "0")
        self.cli("tag-queue", "--queue-url", url, "--tags", "team=a")
        self.assertEqual(self.cli("list-queue-tags", "--queue-url", url)["Tags"], {"team": "a"})
        self.cli("purge-queue", "--queue-url", url)
        self.cli("delete-queue", "--queue-url", url)
        code, _, err = self.server.aws("sqs", "get-queue-url", "--queue-name", name)
        self.assertEqual(code, 254, err)
        self.assertIn("AWS.SimpleQueueService.NonExistentQueue", err)
        self.assertIn("The specified queue does not exist.", err)


class SqsShutdownTest(unittest.TestCase):
    """SIGTERM answers a pending long poll at once instead of waiting out its 20 s."""

    def test_sigterm_does_not_wait_for_long_polls(self):
        from fogbank_harness import FogbankServer
        server = FogbankServer().start()
        try:
            sqs = server.client(service="sqs")
            url = sqs.create_queue(QueueName=unique_name("shutdown"))["QueueUrl"]
            result = {}

            def poll():
                try:
                    result["messages"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20).get("Messages", [])
                except Exception as e:  # noqa: BLE001 - reported below
                    result["error"] = e

            thread = threading.Thread(target=poll)
            thread.start()
            time.sleep(1.0)
            start = time.monotonic()
            server.stop()  # requires exit status 0 within STOP_TIMEOUT
            elapsed = time.monotonic() - start
            thread.join(timeout=10)
            self.assertLess(elapsed, 5, "shutdown waited for the long poll")
            self.assertEqual(result, {"messages": []})
        finally:
            if server.running():
                server.kill_9()


if __name__ == "__main__":
    unittest.main()
