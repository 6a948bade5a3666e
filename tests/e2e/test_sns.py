"""SNS end to end: topics, subscriptions and Publish over the query protocol (botocore's sns
model lists no other), with Debian's boto3 1.26, the newer boto3 of the `python3` on PATH (the
same cases, re-run there) and the AWS CLI 2.9; deliveries to SQS (the envelope, raw delivery, a
filter policy, a FIFO topic) and to a compiled-in C++ Lambda handler (echo.handler logs the SNS
event it receives; its log is read at /_fogbank/lambda/logs).

Expected wordings are AWS's as LocalStack's AWS-recorded snapshots show them
(tests/aws/services/sns/test_sns.snapshot.json).

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_sns
"""

import json
import os
import shutil
import subprocess
import sys
import time
import unittest

from fogbank_harness import ACCOUNT, REGION, FogbankTestCase, client_missing, make_zip, unique_name

CHILD_ENV = "FOGBANK_SNS_NEWER_BOTO3_CHILD"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"
WAIT_SECONDS = 20          # bound on waiting for an asynchronous delivery
CLI_SERVICE_ERROR = 254    # the CLI's exit code when the service answered with an error


def queue_arn(name):
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


class SnsCases:
    """Cases for any boto3: self.sns and self.sqs are clients of the running server."""

    def new_topic(self, prefix="t", **extra):
        return self.sns.create_topic(Name=unique_name(prefix), **extra)["TopicArn"]

    def new_queue(self, prefix="q", **extra):
        name = unique_name(prefix)
        if extra.get("Attributes", {}).get("FifoQueue") == "true":
            name += ".fifo"
        return name, self.sqs.create_queue(QueueName=name, **extra)["QueueUrl"]

    def receive(self, url, count=1):
        """At least `count` messages of the queue (long polls, bounded)."""
        out = []
        deadline = time.monotonic() + WAIT_SECONDS
        while len(out) < count and time.monotonic() < deadline:
            got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                           MessageAttributeNames=["All"], AttributeNames=["All"])
            out.extend(got.get("Messages", []))
        return out

    def test_publish_reaches_the_queue_in_the_sns_envelope(self):
        topic = self.new_topic()
        name, url = self.new_queue()
        sub = self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn(name))["SubscriptionArn"]
        self.assertTrue(sub.startswith(topic + ":"), sub)
        published = self.sns.publish(TopicArn=topic, Message="hello", Subject="greeting",
                                     MessageAttributes={"n": {"DataType": "Number", "StringValue": "42"}})
        messages = self.receive(url)
        self.assertEqual(len(messages), 1, messages)
        body = messages[0]["Body"]
        envelope = json.loads(body)
        self.assertEqual(list(envelope), ["Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp",
                                          "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL",
                                          "MessageAttributes"])
        self.assertEqual(envelope["Type"], "Notification")
        self.assertEqual(envelope["MessageId"], published["MessageId"])
        self.assertEqual(envelope["TopicArn"], topic)
        self.assertEqual(envelope["Message"], "hello")
        self.assertEqual(envelope["Subject"], "greeting")
        self.assertRegex(envelope["Timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(envelope["MessageAttributes"], {"n": {"Type": "Number", "Value": "42"}})
        self.assertTrue(envelope["UnsubscribeURL"].endswith("?Action=Unsubscribe&SubscriptionArn=" + sub))

    def test_raw_delivery_and_a_filter_policy(self):
        topic = self.new_topic()
        name, url = self.new_queue()
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn(name), Attributes={
            "RawMessageDelivery": "true",
            "FilterPolicy": json.dumps({"color": ["red", {"prefix": "bl"}]}),
        })
        for message, color in [("green one", "green"), ("red one", "red"), ("blue one", "blue")]:
            self.sns.publish(TopicArn=topic, Message=message,
                             MessageAttributes={"color": {"DataType": "String", "StringValue": color}})
        messages = self.receive(url, 2)
        self.assertEqual(sorted(m["Body"] for m in messages), ["blue one", "red one"])
        for m in messages:
            self.assertEqual(m["MessageAttributes"]["color"]["DataType"], "String")

    def test_fifo_topic_to_fifo_queue(self):
        topic = self.sns.create_topic(Name=unique_name("f") + ".fifo",
                                      Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
        name, url = self.new_queue("fq", Attributes={"FifoQueue": "true"})
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn(name),
                           Attributes={"RawMessageDelivery": "true"})
        first = self.sns.publish(TopicArn=topic, Message="one", MessageGroupId="g")
        self.assertEqual(len(first["SequenceNumber"]), 20, first)
        again = self.sns.publish(TopicArn=topic, Message="one", MessageGroupId="g")
        self.assertEqual((again["MessageId"], again["SequenceNumber"]), (first["MessageId"], first["SequenceNumber"]))
        batch = self.sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
            {"Id": "a", "Message": "two", "MessageGroupId": "g"},
            {"Id": "b", "Message": "three", "MessageGroupId": "g"}])
        self.assertEqual([e["Id"] for e in batch["Successful"]], ["a", "b"])
        bodies = []
        deadline = time.monotonic() + WAIT_SECONDS
        while len(bodies) < 3 and time.monotonic() < deadline:
            for m in self.receive(url):
                bodies.append(m["Body"])
                self.assertEqual(m["Attributes"]["MessageGroupId"], "g")
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        self.assertEqual(bodies, ["one", "two", "three"])

    def test_errors(self):
        from botocore.exceptions import ClientError
        topic = self.new_topic()
        cases = [
            (lambda: self.sns.get_topic_attributes(TopicArn=topic + "x"), "NotFound", "Topic does not exist", 404),
            (lambda: self.sns.publish(TopicArn=topic, Message="m", Subject=""), "InvalidParameter",
             "Invalid parameter: Subject", 400),
            (lambda: self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="not-an-arn"), "InvalidParameter",
             "Invalid parameter: SQS endpoint ARN", 400),
            (lambda: self.sns.publish(TopicArn=topic, Message="m", MessageAttributes={
                "a": {"DataType": "String", "StringValue": ""}}), "ParameterValueInvalid",
             "The message attribute 'a' must contain non-empty message attribute value for message attribute type "
             "'String'.", 400),
        ]
        for call, code, message, status in cases:
            with self.assertRaises(ClientError) as caught:
                call()
            error = caught.exception.response
            self.assertEqual((error["Error"]["Code"], error["Error"]["Message"],
                              error["ResponseMetadata"]["HTTPStatusCode"]), (code, message, status))

    def test_topics_and_subscriptions_listed(self):
        topic = self.new_topic(Tags=[{"Key": "team", "Value": "a"}])
        name, _ = self.new_queue()
        sub = self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn(name))["SubscriptionArn"]
        self.assertIn({"TopicArn": topic}, self.sns.list_topics()["Topics"])
        listed = self.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        self.assertEqual(listed, [{"SubscriptionArn": sub, "Owner": ACCOUNT, "Protocol": "sqs",
                                   "Endpoint": queue_arn(name), "TopicArn": topic}])
        self.assertEqual(self.sns.list_tags_for_resource(ResourceArn=topic)["Tags"], [{"Key": "team", "Value": "a"}])
        attributes = self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
        self.assertEqual(attributes["PendingConfirmation"], "false")
        self.sns.unsubscribe(SubscriptionArn=sub)
        self.assertEqual(self.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"], [])
        self.sns.delete_topic(TopicArn=topic)
        self.assertNotIn({"TopicArn": topic}, self.sns.list_topics()["Topics"])


class SnsTest(SnsCases, FogbankTestCase):
    """The cases with the interpreter running this module (ctest: Debian's boto3 1.26), and the
    CLI and Lambda cases."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sns = cls.server.client(service="sns")
        cls.sqs = cls.server.client(service="sqs")
        cls.lam = cls.server.client(service="lambda")

    def test_cli_topic_subscribe_publish_receive(self):
        code, out, err = self.server.aws("sns", "create-topic", "--name", unique_name("cli"))
        self.assertEqual(code, 0, err)
        topic = out["TopicArn"]
        name = unique_name("cliq")
        code, out, err = self.server.aws("sqs", "create-queue", "--queue-name", name)
        self.assertEqual(code, 0, err)
        url = out["QueueUrl"]
        code, out, err = self.server.aws("sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs",
                                         "--notification-endpoint", queue_arn(name),
                                         "--attributes", json.dumps({"RawMessageDelivery": "true"}))
        self.assertEqual(code, 0, err)
        code, out, err = self.server.aws("sns", "publish", "--topic-arn", topic, "--message", "from the cli")
        self.assertEqual(code, 0, err)
        self.assertIn("MessageId", out)
        bodies = [m["Body"] for m in self.receive(url)]
        self.assertEqual(bodies, ["from the cli"])
        code, out, err = self.server.aws("sns", "get-topic-attributes", "--topic-arn", topic)
        self.assertEqual((code, out["Attributes"]["SubscriptionsConfirmed"]), (0, "1"), err)
        code, out, err = self.server.aws("sns", "get-topic-attributes", "--topic-arn", topic + "-missing")
        self.assertEqual(code, CLI_SERVICE_ERROR)
        self.assertIn("(NotFound)", err)
        self.assertIn("Topic does not exist", err)

    def test_sqs_keeps_its_own_actions_beside_sns(self):
        # AddPermission is an action of both services: the credential scope picks the service.
        _, url = self.new_queue()
        self.sqs.add_permission(QueueUrl=url, Label="l", AWSAccountIds=[ACCOUNT], Actions=["SendMessage"])
        topic = self.new_topic()
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as caught:
            self.sns.add_permission(TopicArn=topic, Label="l", AWSAccountId=[ACCOUNT], ActionName=["Publish"])
        self.assertEqual(caught.exception.response["Error"]["Code"], "InvalidAction")

    def test_lambda_subscription_receives_the_sns_event(self):
        name = unique_name("snsfn")
        function = self.lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE,
                                            Handler="echo.handler", Code={"ZipFile": make_zip({"bootstrap": "x"})})
        topic = self.new_topic()
        sub = self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function["FunctionArn"])["SubscriptionArn"]
        published = self.sns.publish(TopicArn=topic, Message="to the function")
        deadline = time.monotonic() + WAIT_SECONDS
        log = ""
        while '"aws:sns"' not in log and time.monotonic() < deadline:
            _, logs, _ = self.server.http("GET", "/_fogbank/lambda/logs")
            log = logs["logs"].get(f"{REGION}/{name}", "")
            time.sleep(0.05)
        self.assertIn("echo: ", log)
        event = json.loads(log[log.index("echo: ") + 6:].splitlines()[0])
        record = event["Records"][0]
        self.assertEqual(record["EventSource"], "aws:sns")
        self.assertEqual(record["EventSubscriptionArn"], sub)
        self.assertEqual(record["Sns"]["MessageId"], published["MessageId"])
        self.assertEqual(record["Sns"]["Message"], "to the function")
        self.assertEqual(record["Sns"]["TopicArn"], topic)
        self.assertIsNone(record["Sns"]["Subject"])


def sns_json_client(server, model_dir):
    """A boto3 SNS client that speaks AWS JSON 1.0: botocore's own sns model with its protocol
    switched the way AWS switched SQS's (protocol json, targetPrefix SNS_20100331,
    awsQueryCompatible), loaded from `model_dir` ahead of botocore's data."""
    import boto3
    import botocore.config
    import botocore.loaders
    import botocore.session
    model = botocore.loaders.Loader().load_service_model("sns", "service-2")
    version = model["metadata"]["apiVersion"]
    model["metadata"].update({"protocol": "json", "protocols": ["json"], "jsonVersion": "1.0",
                              "targetPrefix": "SNS_20100331", "awsQueryCompatible": {}})
    folder = os.path.join(model_dir, "sns", version)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "service-2.json"), "w") as out:
        json.dump(model, out)
    session = botocore.session.Session()
    session.get_component("data_loader").search_paths.insert(0, model_dir)
    return boto3.session.Session(botocore_session=session).client(
        "sns", region_name=REGION, endpoint_url=server.endpoint, aws_access_key_id="test",
        aws_secret_access_key="test", config=botocore.config.Config(retries={"max_attempts": 1}))


class SnsJsonProtocolTest(SnsCases, FogbankTestCase):
    """The cases again with SNS over AWS JSON 1.0 (emulator/main/src/emulator.cpp says why)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        import tempfile
        cls.model_dir = tempfile.mkdtemp(prefix="fogbank-sns-json-")
        cls.sns = sns_json_client(cls.server, cls.model_dir)
        cls.sqs = cls.server.client(service="sqs")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.model_dir, ignore_errors=True)
        super().tearDownClass()

    def test_requests_go_out_as_json(self):
        seen = []
        self.sns.meta.events.register("before-send.sns.*", lambda request, **_: seen.append(request.headers))
        self.new_topic()
        text = {k: v.decode() if isinstance(v, bytes) else v for k, v in seen[0].items()}
        self.assertEqual(text["X-Amz-Target"], "SNS_20100331.CreateTopic")
        self.assertEqual(text["Content-Type"], "application/x-amz-json-1.0")

    def test_errors_carry_the_shape_and_the_query_code(self):
        status, body, headers = self.server.raw("GetTopicAttributes",
                                                {"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:missing"},
                                                target_prefix="SNS_20100331")
        self.assertEqual((status, body.get("__type")), (404, "com.amazonaws.sns#NotFoundException"), body)
        self.assertEqual(body.get("message"), "Topic does not exist")
        self.assertEqual(headers.get("x-amzn-query-error"), "NotFound;Sender")
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as caught:
            self.sns.get_topic_attributes(TopicArn=f"arn:aws:sns:{REGION}:{ACCOUNT}:missing")
        self.assertIn(caught.exception.response["Error"]["Code"], ("NotFound", "NotFoundException"))


if os.environ.get(CHILD_ENV) != "1":
    class SnsNewerBoto3Test(unittest.TestCase):
        """SnsCases again under the `python3` on PATH (a newer boto3), as test_sqs_json.py does."""

        def test_cases_with_newer_boto3(self):
            python = shutil.which("python3")
            if python is None or os.path.realpath(python) == os.path.realpath("/usr/bin/python3"):
                client_missing(self, f"no python3 on PATH other than Debian's ({python})")
            probe = subprocess.run([python, "-c", "import boto3; print(boto3.__version__)"], capture_output=True,
                                   timeout=60)
            if probe.returncode != 0:
                client_missing(self, f"{python} has no boto3")
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env.update({CHILD_ENV: "1", "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
            here = os.path.dirname(os.path.abspath(__file__))
            proc = subprocess.run([python, "-m", "unittest", "-v", "test_sns.SnsNewer"], cwd=here, env=env,
                                  capture_output=True, timeout=540)
            output = proc.stderr.decode("utf-8", "replace")
            sys.stderr.write(f"\n--- under {python} (boto3 {probe.stdout.decode().strip()}) ---\n{output}\n")
            self.assertEqual(proc.returncode, 0, output[-20000:])
else:
    class SnsNewer(SnsCases, FogbankTestCase):
        @classmethod
        def setUpClass(cls):
            super().setUpClass()
            cls.sns = cls.server.client(service="sns")
            cls.sqs = cls.server.client(service="sqs")


if __name__ == "__main__":
    unittest.main()
