// Control-plane operations: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable and
// tagging. Tables are ACTIVE as soon as CreateTable returns: test suites that create and drop
// tables per test should not wait for a CREATING state that means nothing locally.

#include "attribute_value.hpp"
#include "fogbank/storage/key_encoding.hpp"
#include "item_keys.hpp"
#include "request.hpp"
#include "service_impl.hpp"
#include "table_update.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace fogbank::dynamodb {
namespace {

using core::aws_error;
using core::error_code;
using core::throw_validation;

// The table name inside a DynamoDB table ARN (…:table/<name>[/index/…]), or throws as DynamoDB
// does for a malformed ARN.
std::string table_name_from_arn(const std::string& arn) {
  const std::string marker = ":table/";
  auto at = arn.find(marker);
  if (arn.rfind("arn:", 0) != 0 || at == std::string::npos) {
    throw_validation("Invalid TableArn: Invalid ResourceArn provided as input " + arn);
  }
  std::string name = arn.substr(at + marker.size());
  return name.substr(0, name.find('/'));
}

std::string index_prefix(std::uint32_t index_id) {
  std::string prefix;
  storage::key::append_u32(prefix, index_id);
  return prefix;
}

}  // namespace

json service_impl::create_table(const json& request, const request_context& context) {
  table_info parsed = parse_create_table(request);
  // The name's lock: a second CreateTable of the same name waits, then finds it taken.
  const table_locks::held lock = table_locks_.lock(parsed.name);
  if (find_table_or_null(parsed.name)) {
    throw aws_error(error_code::resource_in_use, "Table already exists: " + parsed.name);
  }
  auto table = std::make_shared<table_info>(std::move(parsed));
  table->id = allocate_id();
  for (auto& index : table->indexes) index.id = allocate_id();
  table->table_id = ids_.uuid();
  table->creation_time = clock_.epoch_seconds();
  storage::write_batch batch;
  std::shared_ptr<stream_info> stream;
  if (!table->stream_specification.is_null()) stream = open_stream(batch, *table, context);
  stage_table(batch, *table);
  // Counters from zero (table_usage.hpp), written with the definition.
  batch.put(storage::column::meta, usage_key(table->id), usage_text({}));
  for (const auto& index : table->indexes)
    batch.put(storage::column::meta, usage_key(index.id), usage_text({}));
  commit(batch);
  usage_.set(table->id, {});
  for (const auto& index : table->indexes) usage_.set(index.id, {});
  json description = describe(*table, describe_for(context));
  if (stream) publish_stream(std::move(stream));
  publish_table(std::move(table));
  return {{"TableDescription", description}};
}

json service_impl::describe_table(const json& request, const request_context& context) {
  validate_table_name(request.contains("TableName") ? request["TableName"] : json(), "tableName");
  auto table = find_table_for_control(request["TableName"].get<std::string>());
  describe_context described = describe_for(context);
  const usage counted = table_usage(*table);
  described.item_count = counted.count;
  described.size_bytes = counted.bytes;
  json description = describe(*table, described);
  // Index item counts and sizes, from their counters too.
  for (const char* kind : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"}) {
    if (!description.contains(kind)) continue;
    for (auto& index_description : description[kind]) {
      const index_info* index = table->find_index(index_description["IndexName"].get<std::string>());
      const usage entries = index_usage(*index);
      index_description["ItemCount"] = entries.count;
      index_description["IndexSizeBytes"] = entries.bytes;
    }
  }
  return {{"Table", description}};
}

json service_impl::list_tables(const json& request, const request_context&) {
  std::int64_t limit = 100;
  if (const std::optional<std::int64_t> value = optional_integer(request, "Limit")) {
    limit = *value;
    if (limit < 1) {
      throw_validation(constraint_message("\'" + std::to_string(limit) + "\'", "limit",
                                          "Member must have value greater than or equal to 1"));
    }
    if (limit > 100) {
      throw_validation(constraint_message("\'" + std::to_string(limit) + "\'", "limit",
                                          "Member must have value less than or equal to 100"));
    }
  }
  const std::string start = optional_string(request, "ExclusiveStartTableName");
  json names = json::array();
  json response = json::object();
  std::shared_lock lock(catalog_mutex_);
  auto it = start.empty() ? tables_.begin() : tables_.upper_bound(start);
  for (; it != tables_.end(); ++it) {
    if (static_cast<std::int64_t>(names.size()) == limit) {
      response["LastEvaluatedTableName"] = names.back();
      break;
    }
    names.push_back(it->first);
  }
  response["TableNames"] = std::move(names);
  return response;
}

json service_impl::delete_table(const json& request, const request_context& context) {
  validate_table_name(request.contains("TableName") ? request["TableName"] : json(), "tableName");
  // Erasing a table takes as long as the table is large; only its own writers wait for it.
  const table_locks::held lock = table_locks_.lock(request["TableName"].get<std::string>());
  auto table = find_table_for_control(request["TableName"].get<std::string>());
  if (table->deletion_protection) {
    throw_validation(
        "Resource cannot be deleted as it is currently protected against deletion. Disable deletion "
        "protection first.");
  }
  describe_context described = describe_for(context);
  const usage counted = table_usage(*table);
  described.item_count = counted.count;
  described.size_bytes = counted.bytes;
  described.status = "DELETING";
  json description = describe(*table, described);

  storage::write_batch batch;
  erase_prefix(db_, batch, storage::column::items, table_prefix(table->id));
  batch.erase(storage::column::meta, usage_key(table->id));
  for (const auto& index : table->indexes) {
    erase_prefix(db_, batch, storage::column::index_entries, index_prefix(index.id));
    batch.erase(storage::column::meta, usage_key(index.id));
  }
  batch.erase(storage::column::meta, "table/" + table->name);
  // The stream outlives its table: readable, DISABLED, for the retention period.
  std::shared_ptr<stream_info> stream;
  if (table->stream_id != 0) stream = close_stream(batch, *table);
  commit(batch);
  if (stream) publish_stream(std::move(stream));
  {
    std::unique_lock catalog_lock(catalog_mutex_);
    tables_.erase(table->name);
  }
  usage_.erase(table->id);
  for (const auto& index : table->indexes) usage_.erase(index.id);
  return {{"TableDescription", description}};
}

json service_impl::update_table(const json& request, const request_context& context) {
  validate_table_name(request.contains("TableName") ? request["TableName"] : json(), "tableName");
  // Everything the request alone decides, before the lock: its work grows with the request.
  const table_update update = parse_update_table(request);

  // The backfill of a new index takes as long as the table is large; only the table's own
  // writers wait for it (they must: a write it did not see would be missing from the index).
  const table_locks::held lock = table_locks_.lock(request["TableName"].get<std::string>());
  const table_ptr current = find_table_for_control(request["TableName"].get<std::string>());
  auto table = std::make_shared<table_info>(apply_update(*current, update));
  std::vector<const index_info*> created;
  for (auto& index : table->indexes) {
    if (index.id != 0) continue;
    index.id = allocate_id();
    created.push_back(&index);
  }

  // Backfill new indexes and drop deleted ones in the same batch as the new definition: the
  // index is complete (ACTIVE) as soon as UpdateTable returns.
  storage::write_batch batch;
  std::vector<std::uint32_t> dropped;
  for (const auto& index : current->indexes) {
    const bool kept = std::any_of(table->indexes.begin(), table->indexes.end(),
                                  [&](const index_info& other) { return other.id == index.id; });
    if (kept) continue;
    erase_prefix(db_, batch, storage::column::index_entries, index_prefix(index.id));
    batch.erase(storage::column::meta, usage_key(index.id));
    dropped.push_back(index.id);
  }
  // The new indexes' counters, counted by their backfill.
  std::vector<usage> backfilled(created.size());
  if (!created.empty()) {
    storage::scan_range range;
    range.lower = table_prefix(table->id);
    range.upper = table_prefix(table->id + 1);
    const auto it = db_.scan(storage::column::items, range);
    for (; it->valid(); it->next()) {
      json item = decode_item(it->value());
      for (std::size_t i = 0; i < created.size(); ++i) {
        const index_info& index = *created[i];
        if (auto key = index_storage_key(*table, index, item)) {
          json entry = project_for_index(*table, index, item);
          backfilled[i].count += 1;
          backfilled[i].bytes += static_cast<std::int64_t>(item_size(entry));
          batch.put(storage::column::index_entries, *key, encode_item(entry));
        }
      }
    }
    check_iteration(*it);  // a partial backfill is never committed
  }
  for (std::size_t i = 0; i < created.size(); ++i) {
    batch.put(storage::column::meta, usage_key(created[i]->id), usage_text(backfilled[i]));
  }
  std::shared_ptr<stream_info> stream;
  if (update.stream_enabled && *update.stream_enabled) {
    stream = open_stream(batch, *table, context);
  } else if (update.stream_enabled) {
    stream = close_stream(batch, *table);
    table->stream_id = 0;
  }
  stage_table(batch, *table);
  commit(batch);
  for (const std::uint32_t id : dropped) usage_.erase(id);
  for (std::size_t i = 0; i < created.size(); ++i) usage_.set(created[i]->id, backfilled[i]);
  describe_context described = describe_for(context);
  const usage counted = table_usage(*table);
  described.item_count = counted.count;
  described.size_bytes = counted.bytes;
  json description = describe(*table, described);
  if (stream) publish_stream(std::move(stream));
  publish_table(std::move(table));
  return {{"TableDescription", description}};
}

json service_impl::tag_resource(const json& request, const request_context&) {
  const std::string& arn = required_string(request, "ResourceArn", "resourceArn");
  const json* tags = find_member(request, "Tags");
  if (!tags) throw_validation(null_member_message("tags"));
  // The request's tags are read (and their count checked) before the lock; under it, the work is
  // bounded by the 50 tags a table can hold.
  const std::vector<tag> added = parse_tags(*tags);
  const std::string name = table_name_from_arn(arn);

  const table_locks::held lock = table_locks_.lock(name);
  auto table = std::make_shared<table_info>(*find_table(name));
  std::vector<tag> merged = tags_of(*table);
  std::map<std::string, std::size_t, std::less<>> position;
  for (std::size_t i = 0; i < merged.size(); ++i) position.emplace(merged[i].key, i);
  for (const auto& [key, value] : added) {
    if (const auto it = position.find(key); it != position.end()) {
      merged[it->second].value = value;
    } else {
      position.emplace(key, merged.size());
      merged.push_back({key, value});
    }
  }
  if (merged.size() > max_tags) throw_too_many_tags();
  table->tags = tags_json(merged);
  storage::write_batch batch;
  stage_table(batch, *table);
  commit(batch);
  publish_table(std::move(table));
  return json::object();
}

json service_impl::untag_resource(const json& request, const request_context&) {
  const std::string& arn = required_string(request, "ResourceArn", "resourceArn");
  const json* keys = find_member(request, "TagKeys");
  if (!keys) throw_validation(null_member_message("tagKeys"));
  if (!keys->is_array()) throw aws_error(error_code::serialization, "Unexpected value type in payload");
  std::set<std::string, std::less<>> removed;
  for (std::size_t i = 0; i < keys->size(); ++i) {
    const json& key = (*keys)[i];
    if (!key.is_string()) throw aws_error(error_code::serialization, "Unexpected value type in payload");
    const auto& text = key.get_ref<const std::string&>();
    // TagKeyString: 1-128 characters (UTF-8 continuation bytes are not characters).
    const auto characters = std::count_if(
        text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
    if (characters < 1 || characters > 128) {
      throw_validation(constraint_message("'" + text + "'", "tagKeys." + std::to_string(i + 1) + ".member",
                                          text.empty()
                                              ? "Member must have length greater than or equal to 1"
                                              : "Member must have length less than or equal to 128"));
    }
    removed.insert(text);
  }
  const std::string name = table_name_from_arn(arn);

  const table_locks::held lock = table_locks_.lock(name);
  auto table = std::make_shared<table_info>(*find_table(name));
  std::vector<tag> kept;
  for (auto& entry : tags_of(*table)) {
    if (!removed.contains(entry.key)) kept.push_back(std::move(entry));
  }
  table->tags = tags_json(kept);
  storage::write_batch batch;
  stage_table(batch, *table);
  commit(batch);
  publish_table(std::move(table));
  return json::object();
}

json service_impl::list_tags_of_resource(const json& request, const request_context&) {
  const std::string& arn = required_string(request, "ResourceArn", "resourceArn");
  auto table = find_table(table_name_from_arn(arn));
  return {{"Tags", table->tags}};
}

json service_impl::describe_endpoints(const json&, const request_context& context) {
  return {{"Endpoints", json::array({{{"Address", "dynamodb." + context.region + ".amazonaws.com"},
                                      {"CachePeriodInMinutes", 1440}}})}};
}

json service_impl::describe_limits(const json&, const request_context&) {
  // DynamoDB's default account quotas.
  return {{"AccountMaxReadCapacityUnits", 80000},
          {"AccountMaxWriteCapacityUnits", 80000},
          {"TableMaxReadCapacityUnits", 40000},
          {"TableMaxWriteCapacityUnits", 40000}};
}

}  // namespace fogbank::dynamodb
