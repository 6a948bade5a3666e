"""SQS over the JSON protocol (awsJson1_0 with awsQueryCompatible), as current boto3 speaks it.

boto3 >= 1.31 sends `X-Amz-Target: AmazonSQS.<Op>` with a JSON body and reads error codes from
the `x-amzn-query-error` header, so its users see the same codes as with the query protocol
("AWS.SimpleQueueService.NonExistentQueue"). Debian's /usr/bin/python3 carries boto3 1.26, which
speaks the query protocol; the `python3` on PATH may carry a newer boto3.

Run under Debian's interpreter (as ctest does), this module re-runs itself under the `python3` on
PATH and runs there the same cases as test_sqs_query.py (SqsCases) plus a few JSON-only checks.
When that interpreter is missing, is Debian's own, or has no boto3 (or one too old to speak the
JSON protocol), the test fails under CI=true (a fresh machine of this project's kind has the
pyenv Python 3.11 with boto3 1.43 first on PATH) and is skipped, with the reason, elsewhere.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_sqs_json
"""

import os
import shutil
import subprocess
import sys
import unittest

CHILD_ENV = "FOGBANK_SQS_JSON_CHILD"


def newer_python():
    """The python3 on PATH, if it is not Debian's /usr/bin/python3 and has a JSON-protocol boto3."""
    candidate = shutil.which("python3")
    if candidate is None:
        return None, "no python3 on PATH"
    if os.path.realpath(candidate) == os.path.realpath("/usr/bin/python3"):
        return None, f"python3 on PATH ({candidate}) is Debian's own interpreter"
    probe = subprocess.run(
        [candidate, "-c", "import boto3, botocore.session as s; "
                          "print(boto3.__version__, s.get_session().get_service_model('sqs').protocol)"],
        capture_output=True, timeout=60)
    if probe.returncode != 0:
        return None, f"{candidate} has no boto3: {probe.stderr.decode()[-300:]}"
    version, protocol = probe.stdout.decode().split()
    if protocol != "json":
        return None, f"boto3 {version} under {candidate} speaks SQS's {protocol} protocol, not json"
    return candidate, version


if os.environ.get(CHILD_ENV) == "1":
    # ---- under the newer interpreter: the cases themselves ---------------------------------
    import json  # noqa: E402

    from fogbank_harness import FogbankTestCase, unique_name  # noqa: E402
    from test_sqs_query import SqsCases  # noqa: E402

    class SqsJsonTest(SqsCases, FogbankTestCase):
        """The shared cases through boto3 1.4x (JSON protocol)."""

        expected_content_type = "application/x-amz-json-1.0"

        @classmethod
        def setUpClass(cls):
            super().setUpClass()
            cls.sqs = cls.server.client(service="sqs")

        def new_client(self):
            return self.server.client(service="sqs")

        def test_errors_carry_the_query_error_header(self):
            try:
                self.sqs.get_queue_url(QueueName=unique_name("absent"))
                self.fail("expected QueueDoesNotExist")
            except self.sqs.exceptions.QueueDoesNotExist as e:
                headers = e.response["ResponseMetadata"]["HTTPHeaders"]
                self.assertEqual(headers["x-amzn-query-error"], "AWS.SimpleQueueService.NonExistentQueue;Sender")
                self.assertEqual(e.response["Error"]["Code"], "AWS.SimpleQueueService.NonExistentQueue")
                self.assertEqual(e.response["Error"]["QueryErrorCode"], "QueueDoesNotExist")

        def test_raw_error_body(self):
            status, body, headers = self.server.raw(
                "GetQueueUrl", {"QueueName": unique_name("absent")}, target_prefix="AmazonSQS")
            self.assertEqual(status, 400)
            self.assertEqual(body, {"__type": "com.amazonaws.sqs#QueueDoesNotExist",
                                    "message": "The specified queue does not exist."})
            self.assertEqual(headers["x-amzn-query-error"], "AWS.SimpleQueueService.NonExistentQueue;Sender")
            self.assertEqual(headers["content-type"], "application/x-amz-json-1.0")

        def test_system_attribute_names(self):
            _, url = self.new_queue("sysattrs")
            self.sqs.send_message(QueueUrl=url, MessageBody="b")
            msgs = self.sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["SentTimestamp"])
            self.assertEqual(list(msgs["Messages"][0]["Attributes"]), ["SentTimestamp"])

        def test_batch_result_json_shape(self):
            _, url = self.new_queue("jsonbatch")
            resp = self.sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": "a", "MessageBody": json.dumps({"k": [1, 2]})}])
            self.assertEqual([e["Id"] for e in resp["Successful"]], ["a"])
            self.assertEqual(json.loads(self.receive(url)[0]["Body"]), {"k": [1, 2]})

else:
    # ---- under Debian's interpreter: run the above under the newer one -------------------------
    from fogbank_harness import client_missing

    class SqsJsonProtocolTest(unittest.TestCase):

        def test_sqs_cases_with_newer_boto3(self):
            python, info = newer_python()
            if python is None:
                client_missing(self, f"no boto3 that speaks SQS's JSON protocol: {info}")
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env.update({CHILD_ENV: "1", "AWS_CONFIG_FILE": os.devnull,
                        "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
            here = os.path.dirname(os.path.abspath(__file__))
            proc = subprocess.run([python, "-m", "unittest", "-v", "test_sqs_json"], cwd=here, env=env,
                                  capture_output=True, timeout=540)
            output = proc.stderr.decode("utf-8", "replace")
            # The child's per-test lines, so that a ctest log shows what ran.
            sys.stderr.write(f"\n--- under {python} (boto3 {info}) ---\n{output}\n")
            self.assertEqual(proc.returncode, 0, f"cases failed under boto3 {info}:\n{output[-20000:]}")


if __name__ == "__main__":
    unittest.main()
