#include "item_writes.hpp"

#include "attribute_value.hpp"
#include "expression_tree.hpp"
#include "item_keys.hpp"
#include "request.hpp"
#include "request_expressions.hpp"

namespace fogbank::dynamodb {
namespace {

using core::aws_error;
using core::error_code;
using core::throw_validation;

bool touches_key(const table_info& table, const attribute_path& path) {
  return !path.empty() && !path.front().index && table.is_key_attribute(path.front().name);
}

// SET of an index key attribute to a value of another type, known only from the item (SET c = e,
// if_not_exists, list_append): DynamoDB words it apart from a literal of the wrong type, which
// validate_item_keys reports as "Type mismatch for Index Key ..." (dynalite's actions/updateItem.js
// and test/updateItem.js 'should return ValidationException if trying to update existing index',
// pinned against DynamoDB).
void check_index_keys_set_from_item(const table_info& table, const update& u, const json& item) {
  for (const update_action& action : u.actions) {
    if (action.what != update_action::kind::set || action.path.size() != 1) continue;
    const set_value& value = action.value;
    if (value.what != set_value::kind::single || value.left.what == operand::kind::value) continue;
    const std::string& name = action.path.front().name;
    const auto it = item.find(name);
    const auto type = table.attribute_types.find(name);
    if (it == item.end() || type == table.attribute_types.end() || it->contains(type->second)) continue;
    for (const auto& index : table.indexes) {
      if (index.keys.uses(name))
        throw_validation(
            "The update expression attempted to update the secondary index key to unsupported type");
    }
  }
}

}  // namespace

write_request parse_write(const service_impl& service, write_kind kind, const json& request,
                          const std::string* table_name) {
  write_request write;
  write.kind = kind;
  if (table_name != nullptr) {
    validate_table_name(json(*table_name), "tableName");
  } else {
    validate_table_name(request.contains("TableName") ? request["TableName"] : json(), "tableName");
  }
  // What needs no table is checked before the table is looked up, as DynamoDB does for a table
  // that does not exist (dynalite's putItem.js, updateItem.js and deleteItem.js, pinned against
  // DynamoDB, and their validations/*.js): a put's item, its values and then its size; a key's
  // values; the expressions, their grammar and their placeholders.
  const json* put_item = nullptr;
  const json* key_request = nullptr;
  if (kind == write_kind::put) {
    put_item = &required_object(request, "Item", "item");
    validate_item(*put_item);  // before the copy: the depth of what is copied is then bounded
    write.item_bytes = item_size(*put_item);
    if (write.item_bytes > max_item_bytes)
      throw_validation("Item size has exceeded the maximum allowed size");
  } else {
    key_request = &required_object(request, "Key", "key");
    validate_item(*key_request);
  }
  request_expressions expressions(request, kind == write_kind::update ? expression_operation::update
                                                                      : expression_operation::put_or_delete);
  expression_attributes& attributes = expressions.attributes();
  if (expressions.condition()) {
    write.condition_expression = parse_condition(*expressions.condition(), attributes, "ConditionExpression");
  } else if (kind == write_kind::check) {
    throw_validation(null_member_message("transactItems.1.member.conditionCheck.conditionExpression"));
  }
  if (kind == write_kind::update && expressions.update()) {
    write.update_expression = parse_update(*expressions.update(), attributes);
  }
  attributes.check_all_used();

  write.table =
      service.find_table(table_name != nullptr ? *table_name : request["TableName"].get<std::string>());
  const table_info& table = *write.table;
  if (put_item != nullptr) {
    validate_item_keys(table, *put_item);
    write.item = *put_item;
    write.key = key_of(table, write.item);
  } else {
    write.key = validate_key(table, *key_request, key_wording::write, key_values::validated);
  }
  write.storage_key = item_storage_key(table, write.key);
  if (write.update_expression) {
    for (const auto& path : updated_paths(*write.update_expression)) {
      if (touches_key(table, path)) {
        throw_validation("One or more parameter values were invalid: Cannot update attribute " +
                         path.front().name + ". This attribute is part of the key");
      }
    }
  }
  write.return_old_on_failure =
      optional_enum(request, "ReturnValuesOnConditionCheckFailure", "returnValuesOnConditionCheckFailure",
                    {"ALL_OLD", "NONE"}, "NONE") == "ALL_OLD";
  return write;
}

json item_as_stored(const write_request& write) {
  json item = write.item;
  normalize_numbers(item);
  return item;
}

write_result evaluate_write(const write_request& write, const table_info& table, std::optional<json> old_item,
                            std::optional<json> stored_put) {
  static const json no_item = json::object();
  if (write.condition_expression && !evaluate(*write.condition_expression, old_item ? *old_item : no_item)) {
    json extra = nullptr;
    if (write.return_old_on_failure && old_item) extra = {{"Item", std::move(*old_item)}};
    throw aws_error(error_code::conditional_check_failed, "The conditional request failed", std::move(extra));
  }
  write_result result;
  switch (write.kind) {
    case write_kind::put:
      // parse_write checked the item against write.table; a newer definition may index more.
      if (&table != write.table.get()) validate_item_keys(table, write.item);
      result.new_item = stored_put ? std::move(*stored_put) : item_as_stored(write);
      break;
    case write_kind::remove:
      break;
    case write_kind::check:
      result.new_item = old_item;
      break;
    case write_kind::update: {
      json item = old_item ? *old_item : write.key;
      if (write.update_expression) apply(*write.update_expression, item);
      // An update that only takes attributes away (REMOVE, DELETE; AttributeUpdates' DELETE) does
      // not create a missing item: nothing is written, no stream record, no ALL_NEW attributes.
      // An empty update or any SET/ADD does create it. (ScyllaDB Alternator's
      // test_update_item_non_existent, pinned against DynamoDB.)
      if (!old_item && write.update_expression && only_removes(*write.update_expression)) break;
      if (write.update_expression) check_index_keys_set_from_item(table, *write.update_expression, item);
      // Each value was valid, but SET a.b.c = :v can nest one deeper than the limit allows.
      check_item_nesting(item);
      validate_item_keys(table, item);
      if (item_size(item) > max_item_bytes)
        throw_validation("Item size to update has exceeded the maximum allowed size");
      // DynamoDB stores numbers in canonical form: "0012.50" comes back as "12.5".
      normalize_numbers(item);
      result.new_item = std::move(item);
      break;
    }
  }
  result.old_item = std::move(old_item);
  return result;
}

}  // namespace fogbank::dynamodb
