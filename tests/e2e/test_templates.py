"""`fogbank serve --template`: resources declared in CloudFormation templates (YAML and JSON),
checked through boto3 as any client sees them; template errors that stop the server with
file:line; and a restart on a data directory that updates what changed and keeps the data.

The templates are fixtures/templates/orders.yaml (tables, a work queue whose dead-letter queue
comes through Fn::GetAtt, a FIFO queue, parameters, a mapping, a condition, outputs),
settings.json and broken.yaml.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from fogbank_harness import ACCOUNT, REGION, STOP_TIMEOUT, FogbankServer, fogbank_bin

FIXTURES = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "templates"))
ORDERS = os.path.join(FIXTURES, "orders.yaml")
SETTINGS = os.path.join(FIXTURES, "settings.json")
BROKEN = os.path.join(FIXTURES, "broken.yaml")


def template_lines(server):
    """The lines the template loader wrote to stderr (without the "fogbank: " prefix)."""
    return [line[len("fogbank: "):] for line in server.stderr().splitlines()
            if line.startswith("fogbank: orders: ") or line.startswith("fogbank: settings: ")]


def serve_and_fail(*args):
    """Runs `fogbank serve` that must exit by itself; returns (status, stdout, stderr)."""
    proc = subprocess.run([fogbank_bin(), "serve", "--in-memory", "--port", "0", *args],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=STOP_TIMEOUT)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


class TemplateResourcesTest(unittest.TestCase):
    """One server with orders.yaml (Stage=test) and settings.json."""

    @classmethod
    def setUpClass(cls):
        cls.server = FogbankServer(extra_args=["--template", ORDERS, "--template", SETTINGS,
                                               "--parameter", "Stage=test"])
        cls.server.start()
        cls.dynamodb = cls.server.client()
        cls.sqs = cls.server.client(service="sqs")

    @classmethod
    def tearDownClass(cls):
        cls.dynamodb.close()
        cls.sqs.close()
        cls.server.stop()

    def outputs(self):
        found = {}
        for line in template_lines(self.server):
            m = re.match(r"^(\w+): output (\w+) = (.*)$", line)
            if m:
                found[m.group(2)] = m.group(3)
        return found

    def test_table_with_index_stream_ttl_and_tags(self):
        table = self.dynamodb.describe_table(TableName="orders-test")["Table"]
        self.assertEqual(table["KeySchema"], [{"AttributeName": "orderId", "KeyType": "HASH"}])
        self.assertEqual(table["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
        self.assertEqual([i["IndexName"] for i in table["GlobalSecondaryIndexes"]], ["byCustomer"])
        self.assertEqual(table["GlobalSecondaryIndexes"][0]["KeySchema"],
                         [{"AttributeName": "customerId", "KeyType": "HASH"},
                          {"AttributeName": "createdAt", "KeyType": "RANGE"}])
        self.assertEqual(table["StreamSpecification"],
                         {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        ttl = self.dynamodb.describe_time_to_live(TableName="orders-test")["TimeToLiveDescription"]
        self.assertEqual(ttl, {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"})
        tags = self.dynamodb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]
        self.assertEqual(tags, [{"Key": "stage", "Value": "test"}])
        self.assertEqual(self.outputs()["OrdersStream"], table["LatestStreamArn"])

    def test_table_with_a_generated_name_and_provisioned_throughput(self):
        name = self.outputs()["SessionsTable"]
        self.assertRegex(name, r"^orders-Sessions-[A-Z0-9]{12}$")
        table = self.dynamodb.describe_table(TableName=name)["Table"]
        self.assertEqual(table["ProvisionedThroughput"]["ReadCapacityUnits"], 5)
        self.assertEqual(table["ProvisionedThroughput"]["WriteCapacityUnits"], 5)

    def test_work_queue_redrives_to_its_dead_letter_queue(self):
        url = self.sqs.get_queue_url(QueueName="orders-work-test")["QueueUrl"]
        self.assertEqual(self.outputs()["WorkQueueUrl"], url)
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attributes["VisibilityTimeout"], "45")
        redrive = json.loads(attributes["RedrivePolicy"])
        self.assertEqual(redrive["deadLetterTargetArn"],
                         f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-work-dlq-test")
        # maxReceiveCount came from the Mappings entry of Stage=test.
        self.assertEqual(int(redrive["maxReceiveCount"]), 3)
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"stage": "test"})
        dlq = self.sqs.get_queue_url(QueueName="orders-work-dlq-test")["QueueUrl"]
        dlq_attributes = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["MessageRetentionPeriod"])
        self.assertEqual(dlq_attributes["Attributes"]["MessageRetentionPeriod"], "1209600")

    def test_messages_reach_the_dead_letter_queue_after_max_receive_count(self):
        url = self.sqs.get_queue_url(QueueName="orders-work-test")["QueueUrl"]
        dlq = self.sqs.get_queue_url(QueueName="orders-work-dlq-test")["QueueUrl"]
        self.sqs.send_message(QueueUrl=url, MessageBody="poison")
        for _ in range(3):
            received = self.sqs.receive_message(QueueUrl=url, VisibilityTimeout=0, WaitTimeSeconds=1)
            self.assertEqual([m["Body"] for m in received.get("Messages", [])], ["poison"])
        # The fourth receive finds the message moved.
        self.assertEqual(self.sqs.receive_message(QueueUrl=url, VisibilityTimeout=0).get("Messages", []), [])
        moved = self.sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1)["Messages"]
        self.assertEqual([m["Body"] for m in moved], ["poison"])

    def test_fifo_queue_gets_a_generated_fifo_name(self):
        name = self.outputs()["EventsQueueName"]
        self.assertRegex(name, r"^orders-Events-[A-Z0-9]{12}\.fifo$")
        url = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attributes["FifoQueue"], "true")
        self.assertEqual(attributes["ContentBasedDeduplication"], "true")

    def test_conditions_and_ignored_types_are_reported(self):
        lines = template_lines(self.server)
        self.assertIn("orders: skipped ProdAlarms (AWS::SQS::Queue): its Condition is false", lines)
        self.assertTrue(any(re.match(r"^orders: ignored WorkerRole \(AWS::IAM::Role\) orders-WorkerRole-\w+: "
                                     r"not emulated by fogbank$", line) for line in lines), lines)
        self.assertIn("orders: created Orders (AWS::DynamoDB::Table) orders-test", lines)
        queues = self.sqs.list_queues().get("QueueUrls", [])
        self.assertFalse([q for q in queues if "ProdAlarms" in q], queues)

    def test_json_template(self):
        table = self.dynamodb.describe_table(TableName=f"settings-{REGION}")["Table"]
        self.assertEqual(table["KeySchema"], [{"AttributeName": "key", "KeyType": "HASH"}])
        self.assertIn(f"settings: output SettingsArn = {table['TableArn']}", template_lines(self.server))


class TemplateErrorsTest(unittest.TestCase):

    def test_an_unsupported_property_stops_the_server_with_file_and_line(self):
        status, stdout, stderr = serve_and_fail("--template", BROKEN)
        self.assertEqual(status, 1, stderr)
        self.assertEqual(stdout, "", "no listening line for a server that does not start")
        self.assertIn(f"fogbank: {BROKEN}:10: Orders: KinesisStreamSpecification: is not a property of "
                      "AWS::DynamoDB::Table that fogbank supports", stderr)

    def test_a_value_outside_allowed_values(self):
        status, _, stderr = serve_and_fail("--template", ORDERS, "--parameter", "Stage=qa")
        self.assertEqual(status, 1, stderr)
        self.assertIn(f"{ORDERS}:8: Parameters: Stage: Parameter 'Stage' must be one of AllowedValues", stderr)

    def test_a_parameter_no_template_declares(self):
        status, _, stderr = serve_and_fail("--template", SETTINGS, "--parameter", "Stage=test")
        self.assertEqual(status, 1, stderr)
        self.assertIn("--parameter: Parameters: [Stage] do not exist in the template", stderr)

    def test_a_missing_file(self):
        status, _, stderr = serve_and_fail("--template", os.path.join(FIXTURES, "nothing.yaml"))
        self.assertEqual(status, 1, stderr)
        self.assertIn("nothing.yaml: cannot read the template", stderr)

    def test_parameter_usage(self):
        status, _, stderr = serve_and_fail("--parameter", "novalue")
        self.assertEqual(status, 2, stderr)
        self.assertIn("--parameter: expected KEY=VALUE", stderr)


class TemplateRestartTest(unittest.TestCase):
    """A data directory: the second start with the template keeps everything; a changed
    template updates the queue in place, with its messages."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fogbank-e2e-templates-")
        self.template = os.path.join(self.dir, "orders.yaml")
        shutil.copy(ORDERS, self.template)
        self.server = None

    def tearDown(self):
        try:
            if self.server is not None and self.server.running():
                self.server.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def start(self):
        self.server = FogbankServer(data_dir=os.path.join(self.dir, "data"),
                                    extra_args=["--template", self.template])
        self.server.start()
        return self.server

    def test_restart_keeps_data_and_applies_changes(self):
        server = self.start()
        dynamodb = server.client()
        sqs = server.client(service="sqs")
        dynamodb.put_item(TableName="orders-dev", Item={"orderId": {"S": "o-1"}})
        url = sqs.get_queue_url(QueueName="orders-work-dev")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="kept")
        sessions = [l for l in template_lines(server) if "Sessions" in l and "created" in l]
        self.assertEqual(len(sessions), 1, template_lines(server))
        dynamodb.close()
        sqs.close()
        server.stop()

        # Same template: nothing to do; generated names are the ones made before, even though
        # each start has its own random seed.
        server = self.start()
        lines = template_lines(server)
        self.assertIn("orders: unchanged Orders (AWS::DynamoDB::Table) orders-dev", lines)
        self.assertIn(sessions[0].replace("created", "unchanged"), lines)
        dynamodb = server.client()
        self.assertEqual(dynamodb.get_item(TableName="orders-dev", Key={"orderId": {"S": "o-1"}})["Item"],
                         {"orderId": {"S": "o-1"}})
        dynamodb.close()
        server.stop()

        # A changed template: the queue is updated in place and keeps its message.
        with open(self.template) as f:
            text = f.read()
        with open(self.template, "w") as f:
            f.write(text.replace("    Default: 45\n", "    Default: 120\n"))
        server = self.start()
        lines = template_lines(server)
        self.assertTrue(any(l.startswith("orders: updated Work (AWS::SQS::Queue)") and l.endswith(": VisibilityTimeout")
                            for l in lines), lines)
        sqs = server.client(service="sqs")
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout",
                                                                            "ApproximateNumberOfMessages"])
        self.assertEqual(attributes["Attributes"], {"VisibilityTimeout": "120", "ApproximateNumberOfMessages": "1"})
        sqs.close()


if __name__ == "__main__":
    unittest.main()
