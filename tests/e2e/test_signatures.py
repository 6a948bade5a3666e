"""Signature Version 4 verification: `fogbank serve --credentials KEY:SECRET` (issue 11).

With --credentials, only requests signed by a configured key are served: boto3 and the AWS CLI
with the right key work (DynamoDB over JSON, SQS over the query protocol as boto3 1.26 and CLI
2.9 speak it, Lambda's REST API, a presigned SQS URL fetched with urllib); an unknown key and a
wrong secret get AWS's errors and change nothing. Without --credentials any key is accepted,
as before.

AWS's answers, as recorded:
- DynamoDB: 400 UnrecognizedClientException "The security token included in the request is
  invalid."; 400 InvalidSignatureException "The request signature we calculated does not match
  ..."; "Signature expired: A is now earlier than B (C - 15 min.)" (aws-sdk-js#254).
- SQS (query protocol): 403 InvalidClientTokenId and MissingAuthenticationToken (SQS API
  Reference, Common Errors); 403 SignatureDoesNotMatch, Sender, for a wrong signature (boto#1573)
  and an expired one (aws-sdk-php#642).
- Lambda: 403 UnrecognizedClientException / InvalidSignatureException (x-amzn-ErrorType).
"""

import datetime
import gzip
import json
import re
import unittest
import urllib.error
import urllib.request
from unittest import mock

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from fogbank_harness import (ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, FogbankServer, FogbankTestCase,
                             assert_client_error, make_zip, unique_name)

SECOND_KEY = ("AKIDSECONDTEAM", "second-team-secret")
STRANGER = ("AKIDSTRANGER", SECRET_KEY)  # a key the server does not know
WRONG_SECRET = (ACCESS_KEY, "not-the-secret")

UNKNOWN_KEY_MESSAGE = "The security token included in the request is invalid."
MISMATCH_MESSAGE = ("The request signature we calculated does not match the signature you provided. "
                    "Check your AWS Secret Access Key and signing method. Consult the service "
                    "documentation for details.")


# A handler that writes through the SDK in its runtime (Debian's boto3), with the credentials
# Lambda hands it in its environment.
PYTHON_WRITER = """
import boto3
def handler(event, context):
    boto3.client("dynamodb").put_item(TableName=event["table"], Item={"pk": {"S": "from handler"}})
    return {"ok": True}
"""


def signed_json(server, target, payload, credentials=(ACCESS_KEY, SECRET_KEY), when=None, gzipped=False,
                service="dynamodb"):
    """POST a JSON-protocol request (DynamoDB's by default) signed by botocore's own SigV4Auth, at
    `when` (a UTC datetime; default now), its body gzipped when asked (the signature then covers
    the gzip bytes, as sent). Returns (status, parsed body, lower-cased headers)."""
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target}
    if gzipped:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    req = botocore.awsrequest.AWSRequest(method="POST", url=server.endpoint + "/", data=body, headers=headers)
    signer = botocore.auth.SigV4Auth(botocore.credentials.Credentials(*credentials), service, REGION)
    if when is None:
        signer.add_auth(req)
    else:
        # botocore takes the signing time from datetime.datetime.utcnow(): the client's clock is
        # what is moved, not fogbank's.
        class fixed(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return when
        with mock.patch.object(botocore.auth.datetime, "datetime", fixed):
            signer.add_auth(req)
    status, data, headers = server.post_signed(req, timeout=30)
    return status, json.loads(data), headers


class ClosingClients:
    def client_for(self, **options):
        """A boto3 client of the server, closed when the test ends."""
        client = self.server.client(**options)
        self.addCleanup(client.close)
        return client


def xml_code(body):
    match = re.search(rb"<Code>([^<]*)</Code>", body)
    return match.group(1).decode() if match else None


class SignaturesRequired(ClosingClients, FogbankTestCase):
    """A server started with two key pairs."""

    @classmethod
    def setUpClass(cls):
        cls.server = FogbankServer(extra_args=[
            "--credentials", f"{ACCESS_KEY}:{SECRET_KEY}",
            "--credentials", f"{SECOND_KEY[0]}:{SECOND_KEY[1]}",
        ]).start()
        cls.ddb = cls.server.client()
        cls.sqs = cls.server.client(service="sqs")

    @classmethod
    def tearDownClass(cls):
        cls.sqs.close()
        super().tearDownClass()

    # ---- DynamoDB ----------------------------------------------------------------------------

    def test_dynamodb_with_either_key(self):
        table = self.create_table()
        self.ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"S": "first team"}})
        second = self.client_for(credentials=SECOND_KEY)
        second.put_item(TableName=table, Item={"pk": {"S": "b"}, "v": {"S": "second team"}})
        self.assertEqual(second.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"]["v"], {"S": "first team"})
        self.assertEqual(self.ddb.get_item(TableName=table, Key={"pk": {"S": "b"}})["Item"]["v"], {"S": "second team"})

    def test_dynamodb_unknown_key_is_refused_and_changes_nothing(self):
        table = self.create_table()
        stranger = self.client_for(credentials=STRANGER)
        self.assert_client_error(
            lambda: stranger.put_item(TableName=table, Item={"pk": {"S": "x"}}),
            "UnrecognizedClientException", UNKNOWN_KEY_MESSAGE, 400)
        stranger_table = unique_name("stranger")
        self.assert_client_error(
            lambda: stranger.create_table(
                TableName=stranger_table, BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}]),
            "UnrecognizedClientException", UNKNOWN_KEY_MESSAGE, 400)
        self.assert_client_error(lambda: stranger.get_item(TableName=table, Key={"pk": {"S": "x"}}),
                                 "UnrecognizedClientException", UNKNOWN_KEY_MESSAGE, 400)
        self.assertEqual(self.ddb.scan(TableName=table)["Count"], 0)
        self.assertNotIn(stranger_table, self.ddb.list_tables()["TableNames"])

    def test_dynamodb_wrong_secret_is_refused_and_changes_nothing(self):
        table = self.create_table()
        self.ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
        impostor = self.client_for(credentials=WRONG_SECRET)
        self.assert_client_error(
            lambda: impostor.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "2"}}),
            "InvalidSignatureException", MISMATCH_MESSAGE, 400)
        self.assert_client_error(lambda: impostor.delete_table(TableName=table),
                                 "InvalidSignatureException", MISMATCH_MESSAGE, 400)
        item = self.ddb.get_item(TableName=table, Key={"pk": {"S": "a"}}, ConsistentRead=True)["Item"]
        self.assertEqual(item["v"], {"N": "1"})
        self.assertEqual(self.ddb.describe_table(TableName=table)["Table"]["TableStatus"], "ACTIVE")

    def test_dynamodb_signature_out_of_the_15_minute_window(self):
        table = self.create_table()
        now = datetime.datetime.utcnow()
        put = {"TableName": table, "Item": {"pk": {"S": "late"}}}
        # Within the window either way: served.
        for skew in (-14, 14):
            status, body, _ = signed_json(self.server, "DynamoDB_20120810.PutItem", put,
                                       when=now + datetime.timedelta(minutes=skew))
            self.assertEqual(status, 200, body)
        self.ddb.delete_item(TableName=table, Key={"pk": {"S": "late"}})

        old = now - datetime.timedelta(minutes=16)
        status, body, _ = signed_json(self.server, "DynamoDB_20120810.PutItem", put, when=old)
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "com.amazon.coral.service#InvalidSignatureException")
        self.assertRegex(body["message"], r"^Signature expired: " + old.strftime("%Y%m%dT%H%M%SZ") +
                         r" is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$")

        future = now + datetime.timedelta(minutes=16)
        status, body, _ = signed_json(self.server, "DynamoDB_20120810.PutItem", put, when=future)
        self.assertEqual(status, 400)
        self.assertRegex(body["message"], r"^Signature not yet current: " + future.strftime("%Y%m%dT%H%M%SZ") +
                         r" is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$")
        self.assertNotIn("Item", self.ddb.get_item(TableName=table, Key={"pk": {"S": "late"}}, ConsistentRead=True))

    def test_gzipped_body_is_verified_as_sent(self):
        table = self.create_table()
        put = {"TableName": table, "Item": {"pk": {"S": "zipped"}}}
        status, body, _ = signed_json(self.server, "DynamoDB_20120810.PutItem", put, gzipped=True)
        self.assertEqual(status, 200, body)
        self.assertIn("Item", self.ddb.get_item(TableName=table, Key={"pk": {"S": "zipped"}}, ConsistentRead=True))
        status, body, _ = signed_json(self.server, "DynamoDB_20120810.PutItem", put, credentials=WRONG_SECRET,
                                   gzipped=True)
        self.assertEqual((status, body["__type"]), (400, "com.amazon.coral.service#InvalidSignatureException"))

    def test_unsigned_dynamodb_request_is_refused_as_before(self):
        status, body, _ = self.server.http(
            "POST", "/", json.dumps({"TableName": "anything"}).encode(),
            {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.DescribeTable"})
        self.assertEqual((status, body["__type"]),
                         (400, "com.amazon.coral.service#MissingAuthenticationTokenException"))

    def test_fogbank_endpoints_stay_open(self):
        status, body, _ = self.server.http("GET", "/_fogbank/health")
        self.assertEqual((status, body["status"]), (200, "running"))

    # ---- SQS, query protocol -----------------------------------------------------------------

    def test_sqs_with_the_right_key(self):
        self.assertEqual(self.sqs.meta.service_model.protocol, "query")
        url = self.sqs.create_queue(QueueName=unique_name("signed"))["QueueUrl"]
        self.sqs.send_message(QueueUrl=url, MessageBody="hello")
        second = self.client_for(service="sqs", credentials=SECOND_KEY)
        messages = second.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
        self.assertEqual([m["Body"] for m in messages], ["hello"])

    def test_sqs_unknown_key_and_wrong_secret_are_refused_and_change_nothing(self):
        url = self.sqs.create_queue(QueueName=unique_name("guarded"))["QueueUrl"]
        stranger = self.client_for(service="sqs", credentials=STRANGER)
        error = assert_client_error(self, lambda: stranger.send_message(QueueUrl=url, MessageBody="stray"),
                                    "InvalidClientTokenId", UNKNOWN_KEY_MESSAGE, 403)
        self.assertEqual(error.response["Error"]["Type"], "Sender")
        stray_queue = unique_name("stray")
        assert_client_error(self, lambda: stranger.create_queue(QueueName=stray_queue),
                            "InvalidClientTokenId", UNKNOWN_KEY_MESSAGE, 403)

        impostor = self.client_for(service="sqs", credentials=WRONG_SECRET)
        error = assert_client_error(self, lambda: impostor.send_message(QueueUrl=url, MessageBody="stray"),
                                    "SignatureDoesNotMatch", re.compile("^" + re.escape(MISMATCH_MESSAGE)), 403)
        self.assertEqual(error.response["Error"]["Type"], "Sender")
        # Like SQS, the message says what the server computed, for debugging a signer.
        self.assertIn("The String-to-Sign should have been", error.response["Error"]["Message"])
        assert_client_error(self, lambda: impostor.delete_queue(QueueUrl=url),
                            "SignatureDoesNotMatch", re.compile("^" + re.escape(MISMATCH_MESSAGE)), 403)

        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        self.assertEqual(attributes["Attributes"]["ApproximateNumberOfMessages"], "0")
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0))
        self.assertFalse(any(u.endswith("/" + stray_queue) for u in self.sqs.list_queues().get("QueueUrls", [])))

    def test_sqs_json_protocol(self):
        # SQS as current SDKs speak it (JSON, query-compatible): the query protocol's codes go in
        # x-amzn-query-error, where the SDKs read them.
        url = self.sqs.create_queue(QueueName=unique_name("json"))["QueueUrl"]
        send = {"QueueUrl": url, "MessageBody": "over json"}
        status, body, _ = signed_json(self.server, "AmazonSQS.SendMessage", send, service="sqs")
        self.assertEqual(status, 200, body)
        for credentials, code in ((STRANGER, "InvalidClientTokenId"), (WRONG_SECRET, "SignatureDoesNotMatch")):
            status, body, headers = signed_json(self.server, "AmazonSQS.SendMessage", send, credentials=credentials,
                                                service="sqs")
            self.assertEqual((status, headers.get("x-amzn-query-error")), (403, code + ";Sender"), body)
        messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
        self.assertEqual([m["Body"] for m in messages], ["over json"])

    def test_sns_query_protocol(self):
        sns = self.client_for(service="sns")
        arn = sns.create_topic(Name=unique_name("signed"))["TopicArn"]
        stranger = self.client_for(service="sns", credentials=STRANGER)
        assert_client_error(self, lambda: stranger.delete_topic(TopicArn=arn),
                            "InvalidClientTokenId", UNKNOWN_KEY_MESSAGE, 403)
        impostor = self.client_for(service="sns", credentials=WRONG_SECRET)
        assert_client_error(self, lambda: impostor.delete_topic(TopicArn=arn),
                            "SignatureDoesNotMatch", re.compile("^" + re.escape(MISMATCH_MESSAGE)), 403)
        self.assertIn(arn, [t["TopicArn"] for t in sns.list_topics()["Topics"]])

    def test_unsigned_sqs_query_request_is_refused(self):
        status, body, _ = self.server.http("POST", "/", b"Action=ListQueues&Version=2012-11-05",
                                           {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 403)
        self.assertIn("<Code>MissingAuthenticationToken</Code>", body)

    def test_presigned_sqs_url(self):
        url = self.sqs.create_queue(QueueName=unique_name("presigned"))["QueueUrl"]
        presigned = self.sqs.generate_presigned_url(
            "send_message", Params={"QueueUrl": url, "MessageBody": "by url"}, ExpiresIn=300, HttpMethod="GET")
        self.assertIn("X-Amz-Signature=", presigned)
        with urllib.request.urlopen(presigned, timeout=30) as resp:
            self.assertEqual(resp.status, 200)
            self.assertIn(b"<SendMessageResponse", resp.read())
        messages = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
        self.assertEqual([m["Body"] for m in messages], ["by url"])
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])

        # The same URL with another body, and one presigned with a wrong secret: refused.
        tampered = presigned.replace("MessageBody=by%20url", "MessageBody=forged")
        self.assertNotEqual(tampered, presigned)
        impostor = self.client_for(service="sqs", credentials=WRONG_SECRET)
        forged = impostor.generate_presigned_url(
            "send_message", Params={"QueueUrl": url, "MessageBody": "forged"}, ExpiresIn=300, HttpMethod="GET")
        for bad in (tampered, forged):
            with self.assertRaises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(bad, timeout=30)
            self.assertEqual(refused.exception.code, 403)
            self.assertEqual(xml_code(refused.exception.read()), "SignatureDoesNotMatch")
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0))

    # ---- Lambda (REST-JSON) ------------------------------------------------------------------

    def test_lambda_rest_api(self):
        lam = self.client_for(service="lambda")
        self.assertIn("Functions", lam.list_functions())
        stranger = self.client_for(service="lambda", credentials=STRANGER)
        assert_client_error(self, stranger.list_functions, "UnrecognizedClientException", UNKNOWN_KEY_MESSAGE, 403)
        impostor = self.client_for(service="lambda", credentials=WRONG_SECRET)
        assert_client_error(self, impostor.list_functions, "InvalidSignatureException", MISMATCH_MESSAGE, 403)

    def test_api_gateway_management_apis(self):
        # Routed through the same REST-JSON front as Lambda, and refused alike.
        for service, call in (("apigatewayv2", "get_apis"), ("apigateway", "get_rest_apis")):
            getattr(self.client_for(service=service), call)()
            stranger = self.client_for(service=service, credentials=STRANGER)
            assert_client_error(self, getattr(stranger, call), "UnrecognizedClientException", UNKNOWN_KEY_MESSAGE, 403)
            impostor = self.client_for(service=service, credentials=WRONG_SECRET)
            assert_client_error(self, getattr(impostor, call), "InvalidSignatureException", MISMATCH_MESSAGE, 403)

    def test_lambda_handler_calls_back_with_the_first_key(self):
        table = self.create_table()
        lam = self.client_for(service="lambda")
        name = unique_name("writer")
        lam.create_function(FunctionName=name, Runtime="python3.11", Handler="app.handler",
                            Role=f"arn:aws:iam::{ACCOUNT}:role/lambda-role", Timeout=30,
                            Code={"ZipFile": make_zip({"app.py": PYTHON_WRITER})})
        answer = lam.invoke(FunctionName=name, Payload=json.dumps({"table": table}).encode())
        payload = json.loads(answer["Payload"].read())
        self.assertNotIn("FunctionError", answer, payload)
        self.assertIn("Item", self.ddb.get_item(TableName=table, Key={"pk": {"S": "from handler"}},
                                                ConsistentRead=True))

    # ---- the AWS CLI -------------------------------------------------------------------------

    def test_aws_cli(self):
        table = self.create_table()
        rc, _, err = self.server.aws("dynamodb", "put-item", "--table-name", table,
                                     "--item", json.dumps({"pk": {"S": "cli"}}))
        self.assertEqual(rc, 0, err)
        rc, out, err = self.server.aws("dynamodb", "get-item", "--table-name", table,
                                       "--key", json.dumps({"pk": {"S": "cli"}}))
        self.assertEqual((rc, out["Item"]["pk"]), (0, {"S": "cli"}), err)

        for credentials, code in ((STRANGER, "UnrecognizedClientException"), (WRONG_SECRET, "InvalidSignatureException")):
            rc, _, err = self.server.aws("dynamodb", "delete-item", "--table-name", table,
                                         "--key", json.dumps({"pk": {"S": "cli"}}), credentials=credentials)
            self.assertNotEqual(rc, 0)
            self.assertIn(f"({code})", err)
        self.assertIn("Item", self.ddb.get_item(TableName=table, Key={"pk": {"S": "cli"}}, ConsistentRead=True))

        url = self.sqs.create_queue(QueueName=unique_name("cli"))["QueueUrl"]
        rc, out, err = self.server.aws("sqs", "send-message", "--queue-url", url, "--message-body", "from cli")
        self.assertEqual(rc, 0, err)
        for credentials, code in ((STRANGER, "InvalidClientTokenId"), (WRONG_SECRET, "SignatureDoesNotMatch")):
            rc, _, err = self.server.aws("sqs", "purge-queue", "--queue-url", url, credentials=credentials)
            self.assertNotEqual(rc, 0)
            self.assertIn(f"({code})", err)
        messages = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
        self.assertEqual([m["Body"] for m in messages], ["from cli"])


class SignaturesOffByDefault(ClosingClients, FogbankTestCase):
    """Without --credentials any key and any secret are accepted, as before issue 11."""

    def test_any_key_is_accepted(self):
        for credentials in (STRANGER, WRONG_SECRET, (ACCESS_KEY, SECRET_KEY)):
            ddb = self.client_for(credentials=credentials)
            table = self.create_table(client=ddb)
            ddb.put_item(TableName=table, Item={"pk": {"S": "a"}})
            self.assertIn("Item", ddb.get_item(TableName=table, Key={"pk": {"S": "a"}}))
            sqs = self.client_for(service="sqs", credentials=credentials)
            url = sqs.create_queue(QueueName=unique_name("open"))["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody="m")
            self.assertEqual(len(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]), 1)
        rc, _, err = self.server.aws("sqs", "list-queues", credentials=STRANGER)
        self.assertEqual(rc, 0, err)

    def test_expired_signature_is_accepted(self):
        table = self.create_table()
        old = datetime.datetime.utcnow() - datetime.timedelta(hours=2)
        status, body, _ = signed_json(self.server, "DynamoDB_20120810.PutItem",
                                   {"TableName": table, "Item": {"pk": {"S": "old"}}}, when=old)
        self.assertEqual(status, 200, body)


if __name__ == "__main__":
    unittest.main()
