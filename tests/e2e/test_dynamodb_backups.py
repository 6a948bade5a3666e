"""DynamoDB on-demand backups and point-in-time recovery settings through boto3 and the AWS CLI:
CreateBackup, DescribeBackup, ListBackups, DeleteBackup, RestoreTableFromBackup,
DescribeContinuousBackups, UpdateContinuousBackups, their errors, and backups kept across a
restart with a data directory. Shapes and error types are botocore's dynamodb model; messages
follow moto (unconfirmed against AWS).
"""

import re
import shutil
import tempfile
import unittest

from fogbank_harness import FogbankServer, FogbankTestCase, unique_name

BACKUP_ARN_RE = re.compile(
    r"^arn:aws:dynamodb:[a-z0-9-]+:[0-9]{12}:table/(?P<table>[^/]+)/backup/[0-9]{14}-[0-9a-f]{8}$")


def sorted_items(items):
    return sorted(items, key=lambda item: (item["pk"]["S"], item["sk"]["N"]))


def scan_all(client, table, **extra):
    items, request = [], {"TableName": table, **extra}
    while True:
        response = client.scan(**request)
        items += response["Items"]
        if "LastEvaluatedKey" not in response:
            return items
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


class BackupsTest(FogbankTestCase):

    def source_table(self, items=8):
        name = self.create_table(
            range_key=("sk", "N"), attributes=[("g", "S")],
            GlobalSecondaryIndexes=[{"IndexName": "by_g",
                                     "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}])
        for i in range(items):
            self.ddb.put_item(TableName=name, Item={
                "pk": {"S": f"p{i % 3}"}, "sk": {"N": str(i)}, "g": {"S": "even" if i % 2 == 0 else "odd"},
                "blob": {"B": bytes([i]) * 10}, "nested": {"M": {"l": {"L": [{"N": str(i)}]}}}})
        return name

    def test_backup_and_restore_with_boto3(self):
        source = self.source_table()
        details = self.ddb.create_backup(TableName=source, BackupName="nightly")["BackupDetails"]
        match = BACKUP_ARN_RE.match(details["BackupArn"])
        self.assertIsNotNone(match, details["BackupArn"])
        self.assertEqual(match.group("table"), source)
        self.assertEqual((details["BackupName"], details["BackupStatus"], details["BackupType"]),
                         ("nightly", "AVAILABLE", "USER"))
        arn = details["BackupArn"]
        before = sorted_items(scan_all(self.ddb, source))
        self.ddb.put_item(TableName=source, Item={"pk": {"S": "late"}, "sk": {"N": "1"}, "g": {"S": "x"}})

        description = self.ddb.describe_backup(BackupArn=arn)["BackupDescription"]
        self.assertEqual(description["SourceTableDetails"]["TableName"], source)
        self.assertEqual(description["SourceTableDetails"]["ItemCount"], 8)
        self.assertEqual(description["SourceTableFeatureDetails"]["GlobalSecondaryIndexes"][0]["IndexName"],
                         "by_g")

        target = unique_name("restored")
        restored = self.ddb.restore_table_from_backup(TargetTableName=target, BackupArn=arn)["TableDescription"]
        self.assertEqual(restored["TableName"], target)
        self.assertEqual(restored["RestoreSummary"]["SourceBackupArn"], arn)
        self.assertFalse(restored["RestoreSummary"]["RestoreInProgress"])
        table = self.ddb.describe_table(TableName=target)["Table"]
        self.assertEqual(table["TableStatus"], "ACTIVE")
        self.assertEqual(table["RestoreSummary"]["SourceTableArn"],
                         self.ddb.describe_table(TableName=source)["Table"]["TableArn"])
        self.assertEqual(sorted_items(scan_all(self.ddb, target)), before)
        self.assertEqual(sorted_items(scan_all(self.ddb, target, IndexName="by_g")),
                         before)
        odd = self.ddb.query(TableName=target, IndexName="by_g", KeyConditionExpression="g = :g",
                             ExpressionAttributeValues={":g": {"S": "odd"}})
        self.assertEqual(odd["Count"], 4)

        summaries = self.ddb.list_backups(TableName=source)["BackupSummaries"]
        self.assertEqual([s["BackupArn"] for s in summaries], [arn])
        deleted = self.ddb.delete_backup(BackupArn=arn)["BackupDescription"]
        self.assertEqual(deleted["BackupDetails"]["BackupStatus"], "DELETED")
        self.assertEqual(self.ddb.list_backups(TableName=source)["BackupSummaries"], [])

    def test_errors(self):
        source = self.source_table(items=1)
        self.assert_client_error(lambda: self.ddb.create_backup(TableName="no_such_table", BackupName="bak"),
                                 "TableNotFoundException", "Table not found: no_such_table")
        missing = f"arn:aws:dynamodb:us-east-1:000000000000:table/{source}/backup/01700000000000-0badc0de"
        self.assert_client_error(lambda: self.ddb.describe_backup(BackupArn=missing),
                                 "BackupNotFoundException", f"Backup not found: {missing}")
        self.assert_client_error(lambda: self.ddb.delete_backup(BackupArn=missing),
                                 "BackupNotFoundException", f"Backup not found: {missing}")
        self.assert_client_error(
            lambda: self.ddb.restore_table_from_backup(TargetTableName="x_restored", BackupArn=missing),
            "BackupNotFoundException", f"Backup not found: {missing}")
        arn = self.ddb.create_backup(TableName=source, BackupName="bak1")["BackupDetails"]["BackupArn"]
        self.assert_client_error(
            lambda: self.ddb.restore_table_from_backup(TargetTableName=source, BackupArn=arn),
            "TableAlreadyExistsException", f"Table already exists: {source}")
        self.assert_client_error(
            lambda: self.ddb.describe_continuous_backups(TableName="no_such_table"),
            "TableNotFoundException", "Table not found: no_such_table")

    def test_list_backups_pages(self):
        source = self.source_table(items=1)
        arns = [self.ddb.create_backup(TableName=source, BackupName=f"bak{i}")["BackupDetails"]["BackupArn"]
                for i in range(5)]
        paged, request = [], {"TableName": source, "Limit": 2}
        for _ in range(5):
            response = self.ddb.list_backups(**request)
            paged += [s["BackupArn"] for s in response["BackupSummaries"]]
            if "LastEvaluatedBackupArn" not in response:
                break
            request["ExclusiveStartBackupArn"] = response["LastEvaluatedBackupArn"]
        self.assertEqual(sorted(paged), sorted(arns))
        self.assertEqual(len(paged), 5)
        self.assertEqual(self.ddb.list_backups(TableName=source, BackupType="SYSTEM")["BackupSummaries"], [])

    def test_point_in_time_recovery_settings(self):
        source = self.source_table(items=0)
        off = self.ddb.describe_continuous_backups(TableName=source)["ContinuousBackupsDescription"]
        self.assertEqual(off["ContinuousBackupsStatus"], "ENABLED")
        self.assertEqual(off["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"], "DISABLED")
        on = self.ddb.update_continuous_backups(
            TableName=source, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        pitr = on["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        self.assertEqual(pitr["PointInTimeRecoveryStatus"], "ENABLED")
        self.assertIn("EarliestRestorableDateTime", pitr)
        self.assertEqual(self.ddb.describe_continuous_backups(TableName=source)["ContinuousBackupsDescription"]
                         ["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"], "ENABLED")

    def test_aws_cli_create_backup_and_restore(self):
        source = self.source_table(items=3)
        code, out, err = self.server.aws("dynamodb", "create-backup", "--table-name", source,
                                         "--backup-name", "from-cli")
        self.assertEqual(code, 0, err)
        arn = out["BackupDetails"]["BackupArn"]
        self.assertRegex(arn, BACKUP_ARN_RE)
        target = unique_name("cli_restored")
        code, out, err = self.server.aws("dynamodb", "restore-table-from-backup",
                                         "--target-table-name", target, "--backup-arn", arn)
        self.assertEqual(code, 0, err)
        self.assertEqual(out["TableDescription"]["TableName"], target)
        self.assertEqual(len(scan_all(self.ddb, target)), 3)
        code, out, err = self.server.aws("dynamodb", "list-backups", "--table-name", source)
        self.assertEqual(code, 0, err)
        self.assertEqual([s["BackupArn"] for s in out["BackupSummaries"]], [arn])
        code, out, err = self.server.aws("dynamodb", "describe-backup", "--backup-arn", arn + "0")
        self.assertNotEqual(code, 0)
        self.assertIn("BackupNotFoundException", err)


class BackupsRestartTest(unittest.TestCase):
    """A backup taken with a data directory is there after a clean restart and after kill -9."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fogbank-e2e-backups-")
        self.server = FogbankServer(data_dir=self.dir)
        self.server.start()

    def tearDown(self):
        if self.server.running():
            self.server.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_backups_survive_restarts(self):
        ddb = self.server.client()
        name = unique_name()
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        for i in range(20):
            ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "n": {"N": str(i)}})
        arn = ddb.create_backup(TableName=name, BackupName="durable")["BackupDetails"]["BackupArn"]
        described = ddb.describe_backup(BackupArn=arn)["BackupDescription"]
        ddb.delete_table(TableName=name)

        self.server.kill_9()
        self.server.start()
        ddb = self.server.client()
        self.assertEqual(ddb.describe_backup(BackupArn=arn)["BackupDescription"], described)
        self.server.restart()
        ddb = self.server.client()
        ddb.restore_table_from_backup(TargetTableName=name, BackupArn=arn)
        items = scan_all(ddb, name)
        self.assertEqual(sorted(int(item["n"]["N"]) for item in items), list(range(20)))


if __name__ == "__main__":
    unittest.main()
