#pragma once
// The expressions of one request in expression form, whether the request used the expression
// parameters or the legacy ones (translated by legacy_parameters.hpp), so that every operation
// parses and evaluates one kind of thing.

#include "expressions.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::dynamodb {

// The operations that take expressions, for what each takes: its expression members (in the
// order DynamoDB's messages list them) and its legacy filter member.
enum class expression_operation {
  put_or_delete,  // PutItem, DeleteItem, ConditionCheck: ConditionExpression
  update,         // UpdateItem: UpdateExpression, ConditionExpression
  get,            // GetItem, BatchGetItem, TransactGetItems: ProjectionExpression
  query,          // FilterExpression, KeyConditionExpression, ProjectionExpression; QueryFilter
  scan,           // FilterExpression, ProjectionExpression; ScanFilter
};

class request_expressions {
 public:
  // Reads ConditionExpression, UpdateExpression, FilterExpression, KeyConditionExpression and
  // ProjectionExpression of `request`, or translates Expected, AttributeUpdates, the filter
  // member (QueryFilter, ScanFilter), KeyConditions and AttributesToGet
  // (`attributes_to_get_member` names it in messages).
  // Throws ValidationException when a request mixes both kinds, or gives
  // ExpressionAttributeNames or ExpressionAttributeValues without an expression of `operation`
  // to use them, as DynamoDB does. `request` must outlive this object.
  // `max_key_conditions` bounds the legacy KeyConditions (more than 2 only for a Query of a GSI
  // with multi-attribute keys).
  request_expressions(const json& request, expression_operation operation,
                      std::string_view attributes_to_get_member = "attributesToGet",
                      std::size_t max_key_conditions = 2);
  request_expressions(const request_expressions&) = delete;
  request_expressions& operator=(const request_expressions&) = delete;

  // The placeholders every expression of the request shares; check_all_used() after parsing.
  expression_attributes& attributes() { return *attributes_; }

  const std::optional<std::string>& condition() const { return condition_; }
  const std::optional<std::string>& update() const { return update_; }
  const std::optional<std::string>& filter() const { return filter_; }
  const std::optional<std::string>& key_condition() const { return key_condition_; }
  const std::optional<std::string>& projection() const { return projection_; }
  // A Query's legacy KeyConditions whose operator cannot be a key condition (NULL, NOT_NULL, NE,
  // CONTAINS, NOT_CONTAINS, IN): not in key_condition(), for the Query to refuse in DynamoDB's
  // order. Other operations refuse them at once.
  const std::vector<std::string>& unindexable_key_conditions() const { return unindexable_key_conditions_; }

 private:
  json owned_names_;
  json owned_values_;
  std::optional<std::string> condition_, update_, filter_, key_condition_, projection_;
  std::optional<expression_attributes> attributes_;
  std::vector<std::string> unindexable_key_conditions_;
};

}  // namespace fogbank::dynamodb
