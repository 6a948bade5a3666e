// On-demand backups and point-in-time recovery settings: each operation and its errors (shapes
// and error types from botocore's dynamodb 2012-08-10 model; messages moto's, unconfirmed),
// a restored table equal to its source (items, indexes, key schema), overrides, paging, a
// backup that stays consistent while its table changes, and backups kept across a restart.
#include "fogbank/core/aws_error.hpp"
#include "service_fixture.hpp"
#include "sync_point.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <chrono>
#include <filesystem>
#include <string>

namespace fogbank::dynamodb {
namespace {

using nlohmann::json;
using test::N;
using test::S;

class BackupTest : public test::service_fixture {
 protected:
  // pk (S) + sk (N), an LSI on lsk and a GSI on g; `items` items.
  void make_table(const std::string& name, int items) {
    call("CreateTable",
         {{"TableName", name},
          {"BillingMode", "PAY_PER_REQUEST"},
          {"AttributeDefinitions",
           {{{"AttributeName", "pk"}, {"AttributeType", "S"}},
            {{"AttributeName", "sk"}, {"AttributeType", "N"}},
            {{"AttributeName", "lsk"}, {"AttributeType", "S"}},
            {{"AttributeName", "g"}, {"AttributeType", "S"}}}},
          {"KeySchema",
           {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}, {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}}},
          {"LocalSecondaryIndexes",
           {{{"IndexName", "by_lsk"},
             {"KeySchema",
              {{{"AttributeName", "pk"}, {"KeyType", "HASH"}},
               {{"AttributeName", "lsk"}, {"KeyType", "RANGE"}}}},
             {"Projection", {{"ProjectionType", "KEYS_ONLY"}}}}}},
          {"GlobalSecondaryIndexes",
           {{{"IndexName", "by_g"},
             {"KeySchema", {{{"AttributeName", "g"}, {"KeyType", "HASH"}}}},
             {"Projection", {{"ProjectionType", "ALL"}}}}}},
          {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", "NEW_IMAGE"}}},
          {"Tags", {{{"Key", "team"}, {"Value", "a"}}}}});
    for (int i = 0; i < items; ++i) put(name, i);
  }
  void put(const std::string& table, int i) {
    call("PutItem", {{"TableName", table},
                     {"Item",
                      {{"pk", S("p" + std::to_string(i % 3))},
                       {"sk", N(std::to_string(i))},
                       {"lsk", S("l" + std::to_string(i))},
                       {"g", S(i % 2 ? "odd" : "even")},
                       {"data", S(std::string(static_cast<std::size_t>(i), 'x'))}}}});
  }
  std::string backup(const std::string& table, const std::string& name) {
    return call("CreateBackup", {{"TableName", table}, {"BackupName", name}})["BackupDetails"]["BackupArn"];
  }
  json scan(const std::string& table, const std::string& index = "") {
    json request{{"TableName", table}};
    if (!index.empty()) request["IndexName"] = index;
    json items = call("Scan", request)["Items"];
    std::sort(items.begin(), items.end(), [](const json& a, const json& b) { return a.dump() < b.dump(); });
    return items;
  }
};

TEST_F(BackupTest, CreateBackupDescribesTheBackupAsAwsDoes) {
  make_table("src", 5);
  const json details =
      call("CreateBackup", {{"TableName", "src"}, {"BackupName", "nightly"}})["BackupDetails"];
  const std::string arn = details["BackupArn"];
  // arn:aws:dynamodb:<region>:<account>:table/<t>/backup/<14-digit ms>-<8 hex>
  const std::string prefix = "arn:aws:dynamodb:us-east-1:000000000000:table/src/backup/";
  ASSERT_EQ(arn.rfind(prefix, 0), 0u) << arn;
  const std::string tail = arn.substr(prefix.size());
  ASSERT_EQ(tail.size(), 23u) << tail;
  EXPECT_EQ(tail.find_first_not_of("0123456789"), 14u) << tail;
  EXPECT_EQ(tail[14], '-') << tail;
  EXPECT_EQ(tail.find_first_not_of("0123456789abcdef", 15), std::string::npos) << tail;
  EXPECT_EQ(details["BackupName"], "nightly");
  EXPECT_EQ(details["BackupStatus"], "AVAILABLE");
  EXPECT_EQ(details["BackupType"], "USER");
  EXPECT_GT(details["BackupSizeBytes"].get<std::int64_t>(), 0);
  EXPECT_DOUBLE_EQ(details["BackupCreationDateTime"].get<double>(), std::stod(tail.substr(0, 14)) / 1000.0);

  const json description = call("DescribeBackup", {{"BackupArn", arn}})["BackupDescription"];
  EXPECT_EQ(description["BackupDetails"], details);
  const json& source = description["SourceTableDetails"];
  const json table = call("DescribeTable", {{"TableName", "src"}})["Table"];
  EXPECT_EQ(source["TableName"], "src");
  EXPECT_EQ(source["TableId"], table["TableId"]);
  EXPECT_EQ(source["TableArn"], table["TableArn"]);
  EXPECT_EQ(source["KeySchema"], table["KeySchema"]);
  EXPECT_EQ(source["ItemCount"], 5);
  EXPECT_EQ(source["BillingMode"], "PAY_PER_REQUEST");
  EXPECT_EQ(source["TableCreationDateTime"], table["CreationDateTime"]);
  const json& features = description["SourceTableFeatureDetails"];
  EXPECT_EQ(features["GlobalSecondaryIndexes"][0]["IndexName"], "by_g");
  EXPECT_EQ(features["LocalSecondaryIndexes"][0]["Projection"]["ProjectionType"], "KEYS_ONLY");
  EXPECT_EQ(features["StreamDescription"]["StreamViewType"], "NEW_IMAGE");
}

TEST_F(BackupTest, ErrorsOfEachOperation) {
  make_table("src", 1);
  EXPECT_EQ(error_of("CreateBackup", {{"TableName", "nope"}, {"BackupName", "bak1"}}),
            "TableNotFoundException: Table not found: nope");
  EXPECT_EQ(error_of("CreateBackup", {{"TableName", "src"}}),
            "ValidationException: 1 validation error detected: Value null at 'backupName' failed to satisfy "
            "constraint: Member must not be null");
  EXPECT_EQ(error_of("CreateBackup", {{"TableName", "src"}, {"BackupName", "a b"}}),
            "ValidationException: 1 validation error detected: Value 'a b' at 'backupName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  const std::string missing =
      "arn:aws:dynamodb:us-east-1:000000000000:table/src/backup/01234567890123-deadbeef";
  EXPECT_EQ(error_of("DescribeBackup", {{"BackupArn", missing}}),
            "BackupNotFoundException: Backup not found: " + missing);
  EXPECT_EQ(error_of("DeleteBackup", {{"BackupArn", missing}}),
            "BackupNotFoundException: Backup not found: " + missing);
  EXPECT_EQ(error_of("RestoreTableFromBackup", {{"TargetTableName", "dst"}, {"BackupArn", missing}}),
            "BackupNotFoundException: Backup not found: " + missing);
  EXPECT_EQ(
      error_of("DescribeBackup", {{"BackupArn", "arn:short"}}),
      "ValidationException: 1 validation error detected: Value 'arn:short' at 'backupArn' failed to satisfy "
      "constraint: Member must have length greater than or equal to 37");
  const std::string arn = backup("src", "bak1");
  EXPECT_EQ(error_of("RestoreTableFromBackup", {{"TargetTableName", "src"}, {"BackupArn", arn}}),
            "TableAlreadyExistsException: Table already exists: src");
  EXPECT_EQ(
      error_of("RestoreTableFromBackup", {{"BackupArn", arn}}),
      "ValidationException: 1 validation error detected: Value null at 'targetTableName' failed to satisfy "
      "constraint: Member must not be null");
  EXPECT_EQ(
      error_of("ListBackups", {{"Limit", 0}}),
      "ValidationException: 1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
      "Member must have value greater than or equal to 1");
  EXPECT_EQ(error_of("ListBackups", {{"BackupType", "OTHER"}}).rfind("ValidationException: ", 0), 0u);
  EXPECT_EQ(error_of("DescribeContinuousBackups", {{"TableName", "nope"}}),
            "TableNotFoundException: Table not found: nope");
  EXPECT_EQ(error_of("UpdateContinuousBackups",
                     {{"TableName", "nope"},
                      {"PointInTimeRecoverySpecification", {{"PointInTimeRecoveryEnabled", true}}}}),
            "TableNotFoundException: Table not found: nope");
  EXPECT_EQ(
      error_of("UpdateContinuousBackups", {{"TableName", "src"}}),
      "ValidationException: 1 validation error detected: Value null at 'pointInTimeRecoverySpecification' "
      "failed to satisfy constraint: Member must not be null");
  EXPECT_EQ(error_of("UpdateContinuousBackups",
                     {{"TableName", "src"}, {"PointInTimeRecoverySpecification", json::object()}}),
            "ValidationException: 1 validation error detected: Value null at "
            "'pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled' failed to satisfy constraint: "
            "Member must "
            "not be null");
  // A failed restore made no table.
  EXPECT_EQ(call("ListTables", json::object())["TableNames"], json::array({"src"}));
}

TEST_F(BackupTest, RestoredTableEqualsItsSourceAtBackupTime) {
  make_table("src", 12);
  const std::string arn = backup("src", "bak1");
  const json items = scan("src");
  const json by_g = scan("src", "by_g");
  const json by_lsk = scan("src", "by_lsk");
  // Changes after the backup are not in it.
  put("src", 40);
  call("DeleteItem", {{"TableName", "src"}, {"Key", {{"pk", S("p0")}, {"sk", N("0")}}}});

  const json restored =
      call("RestoreTableFromBackup", {{"TargetTableName", "dst"}, {"BackupArn", arn}})["TableDescription"];
  EXPECT_EQ(restored["TableName"], "dst");
  EXPECT_EQ(restored["TableStatus"], "ACTIVE");
  EXPECT_EQ(restored["ItemCount"], 12);
  EXPECT_EQ(restored["RestoreSummary"]["SourceBackupArn"], arn);
  EXPECT_EQ(restored["RestoreSummary"]["SourceTableArn"],
            "arn:aws:dynamodb:us-east-1:000000000000:table/src");
  EXPECT_EQ(restored["RestoreSummary"]["RestoreInProgress"], false);
  // Not restored, as on AWS: stream, tags.
  EXPECT_FALSE(restored.contains("StreamSpecification")) << restored.dump();
  EXPECT_EQ(call("ListTagsOfResource", {{"ResourceArn", restored["TableArn"]}})["Tags"], json::array());

  const json source = call("DescribeTable", {{"TableName", "src"}})["Table"];
  const json table = call("DescribeTable", {{"TableName", "dst"}})["Table"];
  EXPECT_EQ(table["RestoreSummary"], restored["RestoreSummary"]);
  EXPECT_EQ(table["KeySchema"], source["KeySchema"]);
  EXPECT_EQ(table["AttributeDefinitions"], source["AttributeDefinitions"]);
  EXPECT_EQ(table["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST");
  EXPECT_NE(table["TableId"], source["TableId"]);
  EXPECT_EQ(table["LocalSecondaryIndexes"][0]["ItemCount"], 12);
  EXPECT_EQ(table["GlobalSecondaryIndexes"][0]["ItemCount"], 12);
  EXPECT_EQ(scan("dst"), items);
  EXPECT_EQ(scan("dst", "by_g"), by_g);
  EXPECT_EQ(scan("dst", "by_lsk"), by_lsk);
  // The restored table is a table like any other; the source and the backup are untouched.
  put("dst", 50);
  EXPECT_EQ(call("Query", {{"TableName", "dst"},
                           {"IndexName", "by_g"},
                           {"KeyConditionExpression", "g = :g"},
                           {"ExpressionAttributeValues", {{":g", S("even")}}}})["Count"],
            7);
  EXPECT_EQ(
      call("DescribeBackup", {{"BackupArn", arn}})["BackupDescription"]["SourceTableDetails"]["ItemCount"],
      12);
}

TEST_F(BackupTest, BackupOutlivesItsTableAndDeleteRemovesIt) {
  make_table("src", 3);
  const std::string arn = backup("src", "bak1");
  call("DeleteTable", {{"TableName", "src"}});
  call("RestoreTableFromBackup", {{"TargetTableName", "src"}, {"BackupArn", arn}});
  EXPECT_EQ(scan("src").size(), 3u);
  const json deleted = call("DeleteBackup", {{"BackupArn", arn}})["BackupDescription"];
  EXPECT_EQ(deleted["BackupDetails"]["BackupStatus"], "DELETED");
  EXPECT_EQ(error_of("DescribeBackup", {{"BackupArn", arn}}),
            "BackupNotFoundException: Backup not found: " + arn);
  EXPECT_EQ(call("ListBackups", json::object())["BackupSummaries"], json::array());
  EXPECT_EQ(scan("src").size(), 3u);  // the restored table keeps its items
}

TEST_F(BackupTest, RestoreOverrides) {
  make_table("src", 4);
  const std::string arn = backup("src", "bak1");
  const json restored =
      call("RestoreTableFromBackup",
           {{"TargetTableName", "dst"},
            {"BackupArn", arn},
            {"BillingModeOverride", "PROVISIONED"},
            {"ProvisionedThroughputOverride", {{"ReadCapacityUnits", 3}, {"WriteCapacityUnits", 4}}},
            {"GlobalSecondaryIndexOverride", json::array()},
            {"LocalSecondaryIndexOverride", json::array()},
            {"SSESpecificationOverride", {{"Enabled", true}}}})["TableDescription"];
  EXPECT_FALSE(restored.contains("GlobalSecondaryIndexes")) << restored.dump();
  EXPECT_FALSE(restored.contains("LocalSecondaryIndexes")) << restored.dump();
  EXPECT_EQ(restored["ProvisionedThroughput"]["ReadCapacityUnits"], 3);
  EXPECT_EQ(restored["ProvisionedThroughput"]["WriteCapacityUnits"], 4);
  EXPECT_FALSE(restored.contains("BillingModeSummary"));
  // Only the key schema's definitions remain.
  EXPECT_EQ(restored["AttributeDefinitions"].size(), 2u) << restored["AttributeDefinitions"].dump();
  EXPECT_EQ(scan("dst").size(), 4u);

  EXPECT_EQ(error_of("RestoreTableFromBackup", {{"TargetTableName", "dst2"},
                                                {"BackupArn", arn},
                                                {"ProvisionedThroughputOverride",
                                                 {{"ReadCapacityUnits", 3}, {"WriteCapacityUnits", 4}}}}),
            "ValidationException: One or more parameter values were invalid: Neither ReadCapacityUnits nor "
            "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
  EXPECT_EQ(
      error_of("RestoreTableFromBackup", {{"TargetTableName", "dst2"},
                                          {"BackupArn", arn},
                                          {"GlobalSecondaryIndexOverride",
                                           {{{"IndexName", "by_x"},
                                             {"KeySchema", {{{"AttributeName", "x"}, {"KeyType", "HASH"}}}},
                                             {"Projection", {{"ProjectionType", "ALL"}}}}}}})
          .rfind("ValidationException: One or more parameter values were invalid: Some index key attributes "
                 "are not defined",
                 0),
      0u);
  EXPECT_EQ(error_of("DescribeTable", {{"TableName", "dst2"}}).rfind("ResourceNotFoundException", 0), 0u);
}

TEST_F(BackupTest, ListBackupsFiltersAndPages) {
  make_table("tb1", 1);
  make_table("tb2", 1);
  std::vector<std::string> arns;
  for (int i = 0; i < 5; ++i) {
    arns.push_back(backup(i % 2 ? "tb2" : "tb1", "bak" + std::to_string(i)));
    advance(std::chrono::seconds(10));
  }
  const auto listed_arns = [](const json& response) {
    std::vector<std::string> out;
    for (const auto& summary : response["BackupSummaries"]) out.push_back(summary["BackupArn"]);
    return out;
  };
  const json all = call("ListBackups", json::object());
  EXPECT_EQ(listed_arns(all), arns);
  EXPECT_FALSE(all.contains("LastEvaluatedBackupArn"));
  EXPECT_EQ(all["BackupSummaries"][1]["TableName"], "tb2");
  EXPECT_EQ(all["BackupSummaries"][1]["BackupName"], "bak1");
  EXPECT_EQ(all["BackupSummaries"][1]["BackupStatus"], "AVAILABLE");

  EXPECT_EQ(listed_arns(call("ListBackups", {{"TableName", "tb2"}})),
            (std::vector<std::string>{arns[1], arns[3]}));
  EXPECT_EQ(listed_arns(call("ListBackups", {{"BackupType", "SYSTEM"}})), std::vector<std::string>{});
  EXPECT_EQ(listed_arns(call("ListBackups", {{"BackupType", "USER"}})).size(), 5u);
  // Lower bound inclusive, upper bound exclusive (API_ListBackups).
  const double second = all["BackupSummaries"][1]["BackupCreationDateTime"];
  const double fourth = all["BackupSummaries"][3]["BackupCreationDateTime"];
  EXPECT_EQ(
      listed_arns(call("ListBackups", {{"TimeRangeLowerBound", second}, {"TimeRangeUpperBound", fourth}})),
      (std::vector<std::string>{arns[1], arns[2]}));

  std::vector<std::string> paged;
  json request{{"Limit", 2}};
  for (int page = 0; page < 5; ++page) {
    const json response = call("ListBackups", request);
    for (const auto& arn : listed_arns(response)) paged.push_back(arn);
    if (!response.contains("LastEvaluatedBackupArn")) break;
    EXPECT_EQ(response["LastEvaluatedBackupArn"], paged.back());
    request["ExclusiveStartBackupArn"] = response["LastEvaluatedBackupArn"];
  }
  EXPECT_EQ(paged, arns);
}

TEST_F(BackupTest, ContinuousBackupsSettings) {
  make_table("src", 1);
  const json off = call("DescribeContinuousBackups", {{"TableName", "src"}})["ContinuousBackupsDescription"];
  EXPECT_EQ(off["ContinuousBackupsStatus"], "ENABLED");
  EXPECT_EQ(off["PointInTimeRecoveryDescription"], json({{"PointInTimeRecoveryStatus", "DISABLED"}}));

  const double enabled_at = std::chrono::duration<double>(now().time_since_epoch()).count();
  const json on = call("UpdateContinuousBackups",
                       {{"TableName", "src"},
                        {"PointInTimeRecoverySpecification",
                         {{"PointInTimeRecoveryEnabled", true}}}})["ContinuousBackupsDescription"];
  EXPECT_EQ(on["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"], "ENABLED");
  EXPECT_EQ(on["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"], 35);
  EXPECT_NEAR(on["PointInTimeRecoveryDescription"]["EarliestRestorableDateTime"].get<double>(), enabled_at,
              0.001);
  advance(std::chrono::hours(1));
  const json later =
      call("DescribeContinuousBackups", {{"TableName", "src"}})["ContinuousBackupsDescription"];
  EXPECT_NEAR(later["PointInTimeRecoveryDescription"]["EarliestRestorableDateTime"].get<double>(), enabled_at,
              0.001);
  // LatestRestorableDateTime is five minutes behind the clock.
  EXPECT_NEAR(later["PointInTimeRecoveryDescription"]["LatestRestorableDateTime"].get<double>(),
              enabled_at + 3600 - 300, 0.001);

  call("UpdateContinuousBackups",
       {{"TableName", "src"}, {"PointInTimeRecoverySpecification", {{"PointInTimeRecoveryEnabled", false}}}});
  EXPECT_EQ(call("DescribeContinuousBackups",
                 {{"TableName", "src"}})["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
                                        ["PointInTimeRecoveryStatus"],
            "DISABLED");
  // A table made again under the same name starts without the setting.
  call("UpdateContinuousBackups",
       {{"TableName", "src"}, {"PointInTimeRecoverySpecification", {{"PointInTimeRecoveryEnabled", true}}}});
  call("DeleteTable", {{"TableName", "src"}});
  make_table("src", 0);
  EXPECT_EQ(call("DescribeContinuousBackups",
                 {{"TableName", "src"}})["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
                                        ["PointInTimeRecoveryStatus"],
            "DISABLED");
}

// BackupInUseException: "another ongoing conflicting backup control plane operation on the
// table" (botocore's model). Held at the sync points, the conflicting call runs in between.
TEST_F(BackupTest, ConflictingBackupOperationsAreInUse) {
  make_table("src", 2);
  const std::string first = backup("src", "bak1");
  std::string during_restore;
  std::string during_backup;
  set_sync_point_callback([&](std::string_view point, std::string_view) {
    if (point == "backup:restoring") during_restore = error_of("DeleteBackup", {{"BackupArn", first}});
    if (point == "backup:copying")
      during_backup = error_of("CreateBackup", {{"TableName", "src"}, {"BackupName", "bak3"}});
  });
  call("RestoreTableFromBackup", {{"TargetTableName", "dst"}, {"BackupArn", first}});
  backup("src", "bak2");
  set_sync_point_callback(nullptr);
  EXPECT_EQ(during_restore, "BackupInUseException: Backup is being restored: " + first);
  EXPECT_EQ(during_backup, "BackupInUseException: A backup of table src is already being created");
  EXPECT_EQ(call("ListBackups", json::object())["BackupSummaries"].size(), 2u);
  call("DeleteBackup", {{"BackupArn", first}});  // free again afterwards
}

TEST_F(BackupTest, BackupsAndSettingsSurviveARestart) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("fogbank-backup-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  open(dir.string());
  make_table("src", 6);
  const std::string arn = backup("src", "bak1");
  call("UpdateContinuousBackups",
       {{"TableName", "src"}, {"PointInTimeRecoverySpecification", {{"PointInTimeRecoveryEnabled", true}}}});
  const json described = call("DescribeBackup", {{"BackupArn", arn}});
  const json items = scan("src");
  call("DeleteTable", {{"TableName", "src"}});

  open(dir.string());
  EXPECT_EQ(call("DescribeBackup", {{"BackupArn", arn}}), described);
  // A table made after the restart gets a storage id of its own, not the backup's.
  make_table("other", 2);
  call("RestoreTableFromBackup", {{"TargetTableName", "src"}, {"BackupArn", arn}});
  EXPECT_EQ(scan("src"), items);
  EXPECT_EQ(scan("other").size(), 2u);
  emulator_.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fogbank::dynamodb
