"""The core item flow through a second boto3 generation.

Debian's /usr/bin/python3 carries boto3 1.26 (the other e2e tests use it). The `python3` on PATH
may carry a much newer boto3 (1.4x), whose botocore knows newer parameters and parses modeled
error fields (ReturnValuesOnConditionCheckFailure's Item, CancellationReasons). This test runs a
small script under that interpreter. When that interpreter is missing, is Debian's own, or has
no boto3, the test fails under CI=true (a fresh machine of this project's kind has the pyenv
Python 3.11 with boto3 1.43 first on PATH) and is skipped, with the reason, elsewhere.
"""

import json
import os
import shutil
import subprocess
import textwrap
import unittest

from fogbank_harness import ACCESS_KEY, SECRET_KEY, FogbankTestCase, client_missing, unique_name

SCRIPT = textwrap.dedent(r'''
    import json, sys
    import boto3, botocore
    from botocore.config import Config
    from botocore.exceptions import ClientError

    endpoint, table = sys.argv[1], sys.argv[2]
    ddb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint,
                       aws_access_key_id=sys.argv[3], aws_secret_access_key=sys.argv[4],
                       config=Config(retries={"max_attempts": 1}, read_timeout=60))
    failures = []
    def check(what, expected, actual):
        if expected != actual:
            failures.append({"check": what, "expected": expected, "actual": actual})

    ddb.create_table(TableName=table,
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "N"}],
                     BillingMode="PAY_PER_REQUEST")
    check("status", "ACTIVE", ddb.describe_table(TableName=table)["Table"]["TableStatus"])
    for i in range(5):
        ddb.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"N": str(i)},
                                            "b": {"B": bytes([i])}, "ss": {"SS": ["a"]}})
    got = ddb.get_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"N": "3"}})["Item"]
    check("get", {"pk": {"S": "p"}, "sk": {"N": "3"}, "b": {"B": "Aw=="}, "ss": {"SS": ["a"]}},
          {k: ({"B": __import__("base64").b64encode(v["B"]).decode()} if "B" in v else v)
           for k, v in got.items()})
    q = ddb.query(TableName=table, KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
                  ExpressionAttributeValues={":p": {"S": "p"}, ":a": {"N": "1"}, ":b": {"N": "3"}},
                  ScanIndexForward=False)
    check("query", ["3", "2", "1"], [i["sk"]["N"] for i in q["Items"]])
    u = ddb.update_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"N": "0"}},
                        UpdateExpression="ADD c :one SET ss = :ss",
                        ExpressionAttributeValues={":one": {"N": "1"}, ":ss": {"SS": ["z"]}},
                        ReturnValues="UPDATED_NEW")
    check("update", {"c": {"N": "1"}, "ss": {"SS": ["z"]}}, u["Attributes"])
    try:
        ddb.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"N": "0"}},
                     ConditionExpression="attribute_not_exists(pk)",
                     ReturnValuesOnConditionCheckFailure="ALL_OLD")
        failures.append({"check": "conditional put", "expected": "error", "actual": "success"})
    except ClientError as e:
        check("ccf code", "ConditionalCheckFailedException", e.response["Error"]["Code"])
        check("ccf message", "The conditional request failed", e.response["Error"]["Message"])
        check("ccf item", "1", e.response.get("Item", {}).get("c", {}).get("N"))
    try:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "t"}, "sk": {"N": "1"}}}},
            {"ConditionCheck": {"TableName": table, "Key": {"pk": {"S": "p"}, "sk": {"N": "1"}},
                                "ConditionExpression": "attribute_not_exists(pk)"}}])
        failures.append({"check": "transaction", "expected": "error", "actual": "success"})
    except ClientError as e:
        check("tce code", "TransactionCanceledException", e.response["Error"]["Code"])
        check("tce reasons", ["None", "ConditionalCheckFailed"],
              [r.get("Code") for r in e.response.get("CancellationReasons", [])])
    d = ddb.delete_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"N": "4"}},
                        ReturnValues="ALL_OLD")
    check("delete", "4", d["Attributes"]["sk"]["N"])
    check("gone", False, "Item" in ddb.get_item(TableName=table,
                                                Key={"pk": {"S": "p"}, "sk": {"N": "4"}}))
    ddb.delete_table(TableName=table)
    print(json.dumps({"boto3": boto3.__version__, "failures": failures}))
''')


def newer_python():
    """The python3 on PATH, if it is not Debian's /usr/bin/python3 and has boto3."""
    candidate = shutil.which("python3")
    if candidate is None:
        return None, "no python3 on PATH"
    if os.path.realpath(candidate) == os.path.realpath("/usr/bin/python3"):
        return None, f"python3 on PATH ({candidate}) is Debian's own interpreter"
    probe = subprocess.run([candidate, "-c", "import boto3; print(boto3.__version__)"],
                           capture_output=True, timeout=60)
    if probe.returncode != 0:
        return None, f"{candidate} has no boto3: {probe.stderr.decode()[-300:]}"
    return candidate, probe.stdout.decode().strip()


class NewerBoto3Test(FogbankTestCase):

    def test_core_flow_with_newer_boto3(self):
        python, info = newer_python()
        if python is None:
            client_missing(self, f"no second boto3 generation to test with: {info}")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
        proc = subprocess.run(
            [python, "-c", SCRIPT, self.server.endpoint, unique_name("newboto"), ACCESS_KEY,
             SECRET_KEY], capture_output=True, env=env, timeout=300)
        self.assertEqual(proc.returncode, 0,
                         f"script failed under {python} (boto3 {info}):\n{proc.stderr.decode()}")
        result = json.loads(proc.stdout.decode().strip().splitlines()[-1])
        self.assertEqual(result["failures"], [], f"under boto3 {result['boto3']}")


if __name__ == "__main__":
    unittest.main()
