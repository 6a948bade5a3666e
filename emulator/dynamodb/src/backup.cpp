#include "backup.hpp"

#include "fogbank/storage/key_encoding.hpp"
#include "item_keys.hpp"

#include <algorithm>
#include <cstdio>

namespace fogbank::dynamodb {
namespace {

json throughput_of(const json& throughput) {
  if (throughput.is_null()) return {{"ReadCapacityUnits", 0}, {"WriteCapacityUnits", 0}};
  return {{"ReadCapacityUnits", throughput.at("ReadCapacityUnits")},
          {"WriteCapacityUnits", throughput.at("WriteCapacityUnits")}};
}

double seconds(std::int64_t millis) {
  return static_cast<double>(millis) / 1000.0;
}

}  // namespace

std::string backup_key(const std::string& arn) {
  return std::string(backup_key_prefix) + arn;
}

std::string recovery_key(const table_info& table) {
  return "pitr/" + table.table_id;
}

std::string make_backup_arn(const std::string& table_arn, std::int64_t created_ms, std::uint32_t suffix) {
  char tail[32];
  std::snprintf(tail, sizeof tail, "%014lld-%08x", static_cast<long long>(created_ms),
                static_cast<unsigned>(suffix));
  return table_arn + "/backup/" + tail;
}

json backup_to_storage_json(const backup_info& backup) {
  return {{"arn", backup.arn},
          {"name", backup.name},
          {"created_ms", backup.created_ms},
          {"storage_id", backup.storage_id},
          {"table_arn", backup.table_arn},
          {"table", to_storage_json(backup.table)},
          {"item_count", backup.item_count},
          {"size_bytes", backup.size_bytes}};
}

backup_info backup_from_storage_json(const json& stored) {
  backup_info backup;
  backup.arn = stored.at("arn").get<std::string>();
  backup.name = stored.at("name").get<std::string>();
  backup.created_ms = stored.at("created_ms").get<std::int64_t>();
  backup.storage_id = stored.at("storage_id").get<std::uint32_t>();
  backup.table_arn = stored.at("table_arn").get<std::string>();
  backup.table = from_storage_json(stored.at("table"));
  backup.item_count = stored.at("item_count").get<std::int64_t>();
  backup.size_bytes = stored.at("size_bytes").get<std::int64_t>();
  return backup;
}

json backup_details(const backup_info& backup) {
  return {{"BackupArn", backup.arn},
          {"BackupName", backup.name},
          {"BackupSizeBytes", backup.size_bytes},
          {"BackupStatus", "AVAILABLE"},
          {"BackupType", "USER"},
          {"BackupCreationDateTime", seconds(backup.created_ms)}};
}

json backup_summary(const backup_info& backup) {
  return {{"TableName", backup.table.name},      {"TableId", backup.table.table_id},
          {"TableArn", backup.table_arn},        {"BackupArn", backup.arn},
          {"BackupName", backup.name},           {"BackupCreationDateTime", seconds(backup.created_ms)},
          {"BackupStatus", "AVAILABLE"},         {"BackupType", "USER"},
          {"BackupSizeBytes", backup.size_bytes}};
}

json backup_description(const backup_info& backup, const char* status) {
  const table_info& table = backup.table;
  json details = backup_details(backup);
  details["BackupStatus"] = status;
  json source{{"TableName", table.name},
              {"TableId", table.table_id},
              {"TableArn", backup.table_arn},
              {"TableSizeBytes", backup.size_bytes},
              {"KeySchema", key_schema_json(table.keys)},
              {"TableCreationDateTime", table.creation_time},
              {"ProvisionedThroughput", throughput_of(table.provisioned_throughput)},
              {"ItemCount", backup.item_count},
              {"BillingMode", table.billing_mode}};
  json features = json::object();
  json globals = json::array();
  json locals = json::array();
  for (const index_info& index : table.indexes) {
    // The index's Projection as DescribeTable renders it.
    table_info alone;
    alone.indexes.push_back(index);
    const json described = describe(alone, {});
    const json& rendered = described[index.global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes"][0];
    json info{{"IndexName", index.name},
              {"KeySchema", key_schema_json(index.keys)},
              {"Projection", rendered["Projection"]}};
    if (index.global) {
      info["ProvisionedThroughput"] = throughput_of(index.provisioned_throughput);
      globals.push_back(std::move(info));
    } else {
      locals.push_back(std::move(info));
    }
  }
  if (!globals.empty()) features["GlobalSecondaryIndexes"] = std::move(globals);
  if (!locals.empty()) features["LocalSecondaryIndexes"] = std::move(locals);
  if (!table.stream_specification.is_null()) features["StreamDescription"] = table.stream_specification;
  if (table.ttl_enabled) {
    features["TimeToLiveDescription"] = {{"TimeToLiveStatus", "ENABLED"},
                                         {"AttributeName", table.ttl_attribute}};
  }
  return {{"BackupDetails", std::move(details)},
          {"SourceTableDetails", std::move(source)},
          {"SourceTableFeatureDetails", std::move(features)}};
}

void service_impl::load_backups() {
  auto catalog = std::make_shared<backup_catalog>();
  storage::scan_range range;
  range.lower = std::string(backup_key_prefix);
  range.upper = storage::key::prefix_successor(range.lower);
  std::uint32_t next_id = next_id_.load();
  const auto it = db_.scan(storage::column::meta, range);
  for (; it->valid(); it->next()) {
    auto backup = std::make_shared<backup_info>(backup_from_storage_json(json::parse(it->value())));
    // A backup's copied items live under its own storage id: no table may be given that id.
    next_id = std::max(next_id, backup->storage_id + 1);
    catalog->by_arn[backup->arn] = std::move(backup);
  }
  check_iteration(*it);
  next_id_ = next_id;
  backups_ = std::move(catalog);
}

}  // namespace fogbank::dynamodb
