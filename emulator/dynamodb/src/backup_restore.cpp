// RestoreTableFromBackup: a new table with the backup's key schema, indexes, billing and items.
//
// As on AWS ("Backup and restore: how it works", DynamoDB developer guide), the restored table
// does not carry the source's tags, stream, TTL or point-in-time recovery settings, nor its
// deletion protection; the overrides of botocore's RestoreTableFromBackupInput (billing mode,
// throughput, GSIs, LSIs) replace what the backup has. SSESpecificationOverride is accepted and
// changes nothing (fogbank emulates no encryption).

#include "attribute_value.hpp"
#include "backup.hpp"
#include "item_keys.hpp"
#include "request.hpp"
#include "service_impl.hpp"
#include "sync_point.hpp"

#include <algorithm>

namespace fogbank::dynamodb {
namespace {

using core::aws_error;
using core::error_code;
using core::throw_validation;

constexpr std::string_view invalid = "One or more parameter values were invalid: ";

// The restored table's definition: the backup's, with the request's overrides applied. Throws
// ValidationException for an override that does not fit the backup.
table_info restored_definition(const backup_info& backup, const json& request) {
  table_info table = backup.table;
  std::vector<attribute_definition> definitions;
  for (const auto& [name, type] : table.attribute_types) definitions.push_back({name, type});

  const json* throughput = find_member(request, "ProvisionedThroughputOverride");
  if (find_member(request, "BillingModeOverride")) {
    table.billing_mode = optional_enum(request, "BillingModeOverride", "billingModeOverride",
                                       {"PROVISIONED", "PAY_PER_REQUEST"}, "PROVISIONED");
  }
  if (table.billing_mode == "PAY_PER_REQUEST") {
    if (throughput) {
      // CreateTable's wording for the same mistake (dynalite's validations/createTable.js).
      throw_validation(
          std::string(invalid) +
          "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is "
          "PAY_PER_REQUEST");
    }
    table.provisioned_throughput = nullptr;
  } else if (throughput) {
    table.provisioned_throughput = parse_throughput(*throughput, "provisionedThroughputOverride");
  } else if (table.provisioned_throughput.is_null()) {
    throw_validation(
        std::string(invalid) +
        "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
  }

  std::vector<index_info> locals;
  std::vector<index_info> globals;
  for (const index_info& index : table.indexes) (index.global ? globals : locals).push_back(index);
  if (const json* overrides = find_member(request, "LocalSecondaryIndexOverride")) {
    if (!overrides->is_array())
      throw aws_error(error_code::serialization, "Unexpected value type in payload");
    // LSIs cannot be made after the table is: the override keeps some of the backup's.
    std::vector<index_info> kept;
    for (const json& entry : *overrides) {
      const std::string name = entry.is_object() ? entry.value("IndexName", "") : "";
      const auto found = std::find_if(locals.begin(), locals.end(),
                                      [&](const index_info& index) { return index.name == name; });
      if (found == locals.end()) {
        // unconfirmed wording
        throw_validation(std::string(invalid) +
                         "LocalSecondaryIndexOverride names an index the backup does not have: " + name);
      }
      kept.push_back(*found);
    }
    locals = std::move(kept);
  }
  if (const json* overrides = find_member(request, "GlobalSecondaryIndexOverride")) {
    if (!overrides->is_array())
      throw aws_error(error_code::serialization, "Unexpected value type in payload");
    globals.clear();
    for (const json& entry : *overrides) {
      // Keys must be among the backup's attribute definitions (the request cannot add any).
      globals.push_back(parse_global_index(entry, table, definitions));
      if (std::count_if(globals.begin(), globals.end(),
                        [&](const index_info& index) { return index.name == globals.back().name; }) > 1) {
        throw_validation(std::string(invalid) + "Duplicate index name: " + globals.back().name);
      }
    }
  } else {
    for (index_info& index : globals) {
      if (table.billing_mode == "PAY_PER_REQUEST") {
        index.provisioned_throughput = nullptr;
      } else if (index.provisioned_throughput.is_null()) {
        // An on-demand backup restored as provisioned: its indexes take the table's throughput
        // (fogbank's choice; AWS's behaviour here is unconfirmed).
        index.provisioned_throughput = table.provisioned_throughput;
      }
    }
  }
  table.indexes = std::move(locals);
  table.indexes.insert(table.indexes.end(), globals.begin(), globals.end());
  check_projected_attributes(table);

  // DynamoDB keeps only the attribute definitions some key uses.
  const std::vector<std::string> used = table.all_key_attributes();
  std::erase_if(table.attribute_types, [&](const auto& entry) {
    return std::find(used.begin(), used.end(), entry.first) == used.end();
  });

  table.stream_specification = nullptr;
  table.stream_label.clear();
  table.stream_id = 0;
  table.ttl_enabled = false;
  table.ttl_attribute.clear();
  table.tags = json::array();
  table.deletion_protection = false;
  return table;
}

}  // namespace

json service_impl::restore_table_from_backup(const json& request, const request_context& context) {
  validate_table_name(find_member(request, "TargetTableName") ? request["TargetTableName"] : json(),
                      "targetTableName");
  const std::string target = request["TargetTableName"].get<std::string>();
  const std::string arn = required_string(request, "BackupArn", "backupArn");

  std::shared_ptr<const backup_info> backup;
  std::multiset<std::string, std::less<>>::iterator marked;
  {
    std::lock_guard lock(backups_->mutex);
    const auto found = backups_->by_arn.find(arn);
    if (found == backups_->by_arn.end()) {
      throw aws_error(error_code::backup_not_found, "Backup not found: " + arn);  // moto's wording
    }
    backup = found->second;
    // DeleteBackup waits for no restore: it answers BackupInUseException while this one reads.
    marked = backups_->restoring.insert(arn);
  }
  struct unmark {
    backup_catalog& catalog;
    std::multiset<std::string, std::less<>>::iterator at;
    ~unmark() {
      std::lock_guard lock(catalog.mutex);
      catalog.restoring.erase(at);
    }
  } const guard{*backups_, marked};

  auto table = std::make_shared<table_info>(restored_definition(*backup, request));
  table->name = target;
  // The name's lock, as CreateTable takes it: a CreateTable of the same name waits, then finds it taken.
  const table_locks::held lock = table_locks_.lock(target);
  if (find_table_or_null(target)) {
    throw aws_error(error_code::table_already_exists, "Table already exists: " + target);  // moto's wording
  }
  sync_point("backup:restoring", target);
  table->id = allocate_id();
  for (auto& index : table->indexes) index.id = allocate_id();
  table->table_id = ids_.uuid();
  table->creation_time = clock_.epoch_seconds();
  table->restore_summary = {{"SourceBackupArn", backup->arn},
                            {"SourceTableArn", backup->table_arn},
                            {"RestoreDateTime", table->creation_time},
                            {"RestoreInProgress", false}};

  // The backup's items never change, so no snapshot is needed to read them all at once.
  item_batch batch;
  describe_context described = describe_for(context);
  storage::scan_range range;
  range.lower = table_prefix(backup->storage_id);
  range.upper = table_prefix(backup->storage_id + 1);
  const auto it = db_.scan(storage::column::items, range);
  for (; it->valid(); it->next()) {
    const json item = decode_item(it->value());
    stage_item_change(batch, *table, nullptr, &item);
    ++described.item_count;
    described.size_bytes += static_cast<std::int64_t>(item_size(item));
  }
  check_iteration(*it);  // a partial restore is never committed
  // The new table's counters (table_usage.hpp) start from what its items add up to, as
  // CreateTable's start from zero; an index no item has an entry in stays at zero.
  std::vector<std::uint32_t> counted_ids{table->id};
  for (const auto& index : table->indexes) counted_ids.push_back(index.id);
  for (const std::uint32_t id : counted_ids) {
    batch.storage.put(storage::column::meta, usage_key(id), usage_text(batch.usage[id]));
  }
  const usage_delta restored_usage = std::move(batch.usage);
  batch.usage.clear();
  stage_table(batch.storage, *table);
  commit(batch);
  for (const std::uint32_t id : counted_ids) usage_.set(id, restored_usage.at(id));
  json description = describe(*table, described);
  publish_table(std::move(table));
  return {{"TableDescription", std::move(description)}};
}

}  // namespace fogbank::dynamodb
