#pragma once
// One item write — PutItem, UpdateItem, DeleteItem, or a ConditionCheck — parsed and validated
// before anything is read, then evaluated against the item's current state. Single-item
// operations, BatchWriteItem and TransactWriteItems all go through here, so validation and
// errors are the same for each.

#include "expressions.hpp"
#include "service_impl.hpp"

#include <optional>
#include <string>

namespace fogbank::dynamodb {

enum class write_kind { put, update, remove, check };

struct write_request {
  write_kind kind = write_kind::put;
  table_ptr table;
  json key;                                               // the primary key attributes
  std::string storage_key;                                // where the item lives
  json item;                                              // put: the item to store
  std::shared_ptr<const condition> condition_expression;  // null when absent
  std::shared_ptr<const update> update_expression;        // update: null for a key-only upsert
  bool return_old_on_failure = false;                     // ReturnValuesOnConditionCheckFailure = ALL_OLD
};

// Parses one write from a request shaped like PutItem/UpdateItem/DeleteItem (or the Put, Update,
// Delete, ConditionCheck members of TransactWriteItems, or a BatchWriteItem PutRequest or
// DeleteRequest, whose table is `table_name` rather than a member). Validates the table, key or
// item, expressions and their placeholders; copies nothing from the request before it is
// validated. Throws ValidationException / ResourceNotFoundException.
write_request parse_write(const service_impl& service, write_kind kind, const json& request,
                          const std::string* table_name = nullptr);

struct write_result {
  std::optional<json> old_item;
  std::optional<json> new_item;  // nullopt when the item is deleted (or absent and unchanged)
};

// Evaluates the condition against `old_item` and computes the new state. Throws
// ConditionalCheckFailedException ("The conditional request failed", with the old item as
// `Item` when asked) or ValidationException for run-time expression errors and size limits.
write_result evaluate_write(const write_request& write, const std::optional<json>& old_item);

// The ConsumedCapacity member for `units` of capacity on `table`, or null when the request did
// not ask for it (ReturnConsumedCapacity absent or NONE).
json consumed_capacity(const json& request, const table_info& table, double units);
// Write capacity units for writing an item of `bytes` (1 per KB, rounded up, at least 1) and read
// capacity units for reading `bytes` (1 per 4 KB, halved for eventually consistent reads).
double write_units(std::size_t bytes);
double read_units(std::size_t bytes, bool consistent);

}  // namespace fogbank::dynamodb
