"""DynamoDB Time to Live end to end: UpdateTimeToLive / DescribeTimeToLive through boto3 and the
AWS CLI, and expiry through fogbank's `POST /_fogbank/dynamodb/expire` (which runs a TTL sweep
now and answers {"expired": N}, the number of items it deleted across all tables): expired items
go, with their index entries, and leave REMOVE stream records carrying the TTL userIdentity.
"""

import time
import unittest

from fogbank_harness import FogbankTestCase

EXPIRE_PATH = "/_fogbank/dynamodb/expire"


class TimeToLiveTest(FogbankTestCase):

    def ttl_table(self, enable=True):
        name = self.create_table(attributes=[("user", "S")], GlobalSecondaryIndexes=[{
            "IndexName": "byUser",
            "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "OLD_IMAGE"})
        if enable:
            self.ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "AttributeName": "expires", "Enabled": True})
        return name

    def expire(self, expected):
        """POST the expire endpoint; it must answer 200 with the number of items it deleted."""
        status, body, _ = self.server.http("POST", EXPIRE_PATH, headers={"Content-Length": "0"})
        self.assertEqual((status, body), (200, {"expired": expected}))

    def test_describe_and_update(self):
        name = self.ttl_table(enable=False)
        self.assertEqual(self.ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "DISABLED"})
        resp = self.ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
            "AttributeName": "expires", "Enabled": True})
        self.assertEqual(resp["TimeToLiveSpecification"], {"AttributeName": "expires", "Enabled": True})
        self.assertEqual(self.ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"})
        self.assert_client_error(
            lambda: self.ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "AttributeName": "expires", "Enabled": True}),
            "ValidationException", "TimeToLive is already enabled")
        self.ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
            "AttributeName": "expires", "Enabled": False})
        self.assert_client_error(
            lambda: self.ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "AttributeName": "expires", "Enabled": False}),
            "ValidationException", "TimeToLive is already disabled")
        self.assert_client_error(lambda: self.ddb.describe_time_to_live(TableName="no-such-table"),
                                 "ResourceNotFoundException")

    def test_aws_cli(self):
        name = self.ttl_table(enable=False)
        code, out, err = self.server.aws("dynamodb", "update-time-to-live", "--table-name", name,
                                         "--time-to-live-specification",
                                         "Enabled=true,AttributeName=ttl")
        self.assertEqual(code, 0, err)
        self.assertEqual(out["TimeToLiveSpecification"], {"Enabled": True, "AttributeName": "ttl"})
        code, out, err = self.server.aws("dynamodb", "describe-time-to-live", "--table-name", name)
        self.assertEqual(code, 0, err)
        self.assertEqual(out["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"})

    def test_expire_deletes_expired_items_only(self):
        name = self.ttl_table()
        now = int(time.time())
        items = {
            "expired": {"N": str(now - 60)},
            "future": {"N": str(now + 3600)},
            "string": {"S": str(now - 60)},
            "ancient": {"N": str(now - 6 * 365 * 24 * 3600)},
            "absent": None,
        }
        for pk, expires in items.items():
            item = {"pk": {"S": pk}, "user": {"S": "u1"}}
            if expires is not None:
                item["expires"] = expires
            self.ddb.put_item(TableName=name, Item=item)
        # Only "expired" is due: "future" is not, a String is no TTL value, a time more than five
        # years in the past is ignored (AWS TTL docs), and the other tests' tables hold no
        # expired item under an enabled TTL.
        self.expire(1)
        left = {i["pk"]["S"] for i in self.ddb.scan(TableName=name, ConsistentRead=True)["Items"]}
        self.assertEqual(left, {"future", "string", "ancient", "absent"})
        by_user = self.ddb.query(TableName=name, IndexName="byUser",
                                 KeyConditionExpression="#u = :u",
                                 ExpressionAttributeNames={"#u": "user"},
                                 ExpressionAttributeValues={":u": {"S": "u1"}})
        self.assertEqual(by_user["Count"], 4)

        # The deletion is in the stream, marked as TTL's.
        streams = self.server.client(service="dynamodbstreams")
        arn = self.ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator)["Records"]
        removes = [r for r in records if r["eventName"] == "REMOVE"]
        self.assertEqual(len(removes), 1, records)
        self.assertEqual(removes[0]["dynamodb"]["Keys"], {"pk": {"S": "expired"}})
        self.assertEqual(removes[0]["dynamodb"]["OldImage"]["expires"], items["expired"])
        self.assertEqual(removes[0]["userIdentity"],
                         {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"})
        for record in records:
            if record["eventName"] != "REMOVE":
                self.assertNotIn("userIdentity", record)

    def test_disabled_ttl_expires_nothing(self):
        name = self.ttl_table(enable=False)
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "x"}, "user": {"S": "u"},
                                                 "expires": {"N": str(int(time.time()) - 60)}})
        self.expire(0)
        self.assertEqual(self.ddb.scan(TableName=name)["Count"], 1)


if __name__ == "__main__":
    unittest.main()
