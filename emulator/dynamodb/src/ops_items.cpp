// PutItem, GetItem, UpdateItem and DeleteItem.

#include "attribute_value.hpp"
#include "expressions.hpp"
#include "fogbank/core/json_text.hpp"
#include "item_collections.hpp"
#include "item_keys.hpp"
#include "item_writes.hpp"
#include "request.hpp"
#include "request_expressions.hpp"
#include "service_impl.hpp"

namespace fogbank::dynamodb {
namespace {

using core::throw_validation;

// Applies one write (apply_writes): read, condition, compute, one atomic batch.
write_result execute(service_impl& service, write_request& write) {
  std::vector<write_request> writes;
  writes.push_back(std::move(write));
  write_result result = std::move(apply_writes(service, writes, write_failure::raise).front());
  write = std::move(writes.front());
  return result;
}

void add_capacity(json& response, capacity_mode mode, const table_info& table, const write_result& result) {
  // Units are counted only for a response that reports them (their item sizes were 2% of a PutItem).
  if (mode == capacity_mode::none) return;
  const json* old_item = result.old_item ? &*result.old_item : nullptr;
  const json* new_item = result.new_item ? &*result.new_item : nullptr;
  json capacity = capacity_json(mode, table.name, write_capacity(table, old_item, new_item));
  if (!capacity.is_null()) response["ConsumedCapacity"] = std::move(capacity);
}

// ItemCollectionMetrics for a write that asked for them, on a table with item collections
// (LSIs): "If the table does not have any local secondary indexes, this information is not
// returned in the response" (API_PutItem, ItemCollectionMetrics).
void add_collection_metrics(json& response, const service_impl& service, bool wanted,
                            const write_request& write) {
  if (wanted && has_item_collections(*write.table))
    response["ItemCollectionMetrics"] = item_collection_metrics(service, *write.table, write.key);
}

}  // namespace

json service_impl::put_item(const json& request, const request_context&) {
  const std::string return_values =
      optional_enum(request, "ReturnValues", "returnValues",
                    {"ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"}, "NONE");
  if (return_values != "NONE" && return_values != "ALL_OLD")
    throw_validation("ReturnValues can only be ALL_OLD or NONE");
  write_request write = parse_write(*this, write_kind::put, request);
  const capacity_mode mode = capacity_mode_of(request);
  const bool metrics = item_collection_metrics_wanted(request);
  write.caller_reads_old_item = return_values == "ALL_OLD" || mode != capacity_mode::none;
  write_result result = execute(*this, write);
  json response = json::object();
  if (return_values == "ALL_OLD" && result.old_item) response["Attributes"] = *result.old_item;
  add_capacity(response, mode, *write.table, result);
  add_collection_metrics(response, *this, metrics, write);
  return response;
}

json service_impl::delete_item(const json& request, const request_context&) {
  const std::string return_values =
      optional_enum(request, "ReturnValues", "returnValues",
                    {"ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"}, "NONE");
  if (return_values != "NONE" && return_values != "ALL_OLD")
    throw_validation("ReturnValues can only be ALL_OLD or NONE");
  write_request write = parse_write(*this, write_kind::remove, request);
  const capacity_mode mode = capacity_mode_of(request);
  const bool metrics = item_collection_metrics_wanted(request);
  write_result result = execute(*this, write);
  json response = json::object();
  if (return_values == "ALL_OLD" && result.old_item) response["Attributes"] = *result.old_item;
  add_capacity(response, mode, *write.table, result);
  add_collection_metrics(response, *this, metrics, write);
  return response;
}

json service_impl::update_item(const json& request, const request_context&) {
  const std::string return_values =
      optional_enum(request, "ReturnValues", "returnValues",
                    {"ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"}, "NONE");
  write_request write = parse_write(*this, write_kind::update, request);
  const capacity_mode mode = capacity_mode_of(request);
  const bool metrics = item_collection_metrics_wanted(request);
  write_result result = execute(*this, write);
  json response = json::object();
  json attributes = nullptr;
  if (return_values == "ALL_OLD" && result.old_item) {
    attributes = *result.old_item;
  } else if (return_values == "ALL_NEW" && result.new_item) {
    attributes = *result.new_item;
  } else if ((return_values == "UPDATED_OLD" || return_values == "UPDATED_NEW") && write.update_expression) {
    static const json no_item = json::object();
    const std::optional<json>& source = return_values == "UPDATED_OLD" ? result.old_item : result.new_item;
    attributes = project(projection{updated_paths(*write.update_expression)}, source ? *source : no_item);
  }
  if (attributes.is_object() && !attributes.empty()) response["Attributes"] = std::move(attributes);
  add_capacity(response, mode, *write.table, result);
  add_collection_metrics(response, *this, metrics, write);
  return response;
}

json service_impl::get_item(const json& request, const request_context& context) {
  validate_table_name(request.contains("TableName") ? request["TableName"] : json(), "tableName");
  // The key's values and the projection first: DynamoDB checks them for a table that does not
  // exist (dynalite's getItem.js and validations/getItem.js, pinned against DynamoDB).
  const json& key_request = required_object(request, "Key", "key");
  validate_item(key_request);
  request_expressions expressions(request, expression_operation::get);
  std::optional<projection> wanted;
  if (expressions.projection())
    wanted = parse_projection(*expressions.projection(), expressions.attributes());
  expressions.attributes().check_all_used();
  auto table = find_table(request["TableName"].get<std::string>());
  const json& key = validate_key(*table, key_request, key_wording::get, key_values::validated);
  const bool consistent = boolean_member(request, "ConsistentRead", false);
  const capacity_mode mode = capacity_mode_of(request);

  const std::optional<std::string> bytes = read_item_bytes(item_storage_key(*table, key));
  json response = json::object();
  // A missing item costs what an empty one does: 1 unit, or 0.5 (Alternator's
  // test_missing_get_item, pinned against DynamoDB). Sized only when the caller asked for the
  // capacity: the size walk was 2% of a GetItem's CPU over HTTP.
  std::size_t size = 0;
  if (bytes && !wanted && context.renders_text) {
    std::string text;
    size = append_item_text(text, *bytes, mode != capacity_mode::none);
    response["Item"] = core::spliced_text(text);
  } else if (bytes) {
    json item = decode_item(*bytes);
    // Sized before the item moves into the response (copying it cost 12-16 % of a GetItem).
    if (mode != capacity_mode::none) size = item_size(item);
    response["Item"] = wanted ? project(*wanted, item) : std::move(item);
  }
  if (mode != capacity_mode::none) {
    table_capacity usage;
    usage.table = read_units(size, consistent);
    response["ConsumedCapacity"] = capacity_json(mode, table->name, usage);
  }
  return response;
}

}  // namespace fogbank::dynamodb
