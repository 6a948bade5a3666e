#pragma once
// DynamoDB's legacy (pre-expression) request parameters, rewritten as expression text over
// generated placeholders so that one engine (expressions.hpp) evaluates both forms:
//   Expected + ConditionalOperator     -> ConditionExpression   (PutItem, UpdateItem, DeleteItem)
//   QueryFilter / ScanFilter + ConditionalOperator -> FilterExpression (Query, Scan)
//   KeyConditions                      -> KeyConditionExpression (Query)
//   AttributeUpdates                   -> UpdateExpression      (UpdateItem)
//   AttributesToGet                    -> ProjectionExpression  (GetItem, BatchGetItem, Query, Scan)
//
// Each translation validates its parameter first and throws core::aws_error with DynamoDB's
// wording for it (ValidationException, or SerializationException for a member of the wrong JSON
// type), so an invalid legacy parameter never reaches the expression parser and its different
// messages. Each uses its own placeholder prefixes (#e/:e, #f/:f, #k/:k, #u/:u, #p), so the
// names and values of several translations of one request merge without clashes
// (`names.update(t.names)`). Attribute names always go through placeholders: legacy parameters
// allow reserved words and names such as "a.b", which name one top-level attribute.
//
// Not checked here (the caller does, as it needs the request as a whole or the table): mixing
// legacy and expression parameters ("Can not use both expression and non-expression
// parameters..."), key attributes in AttributeUpdates, and the key schema of KeyConditions.
// All functions are pure and thread-safe.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::dynamodb {

using json = nlohmann::json;

// A legacy parameter rewritten as an expression over generated placeholders.
struct translated_expression {
  std::string text;              // e.g. "#e0 = :e0 AND attribute_not_exists(#e1)"
  json names = json::object();   // {"#e0": "a", ...}; never empty
  json values = json::object();  // {":e0": {"S": "x"}, ...}; may be empty (e.g. NULL, REMOVE,
                                 // AttributesToGet): pass null, not {}, to expression_attributes
};

// `Expected` (+ `ConditionalOperator`, default AND) as a ConditionExpression. nullopt when
// Expected is absent or empty (an empty Expected imposes no condition). Throws ValidationException
// for an invalid entry (e.g. "One or more parameter values were invalid: Value cannot be used when
// Exists is false for Attribute: a") or for ConditionalOperator without Expected, or with a
// single entry.
std::optional<translated_expression> translate_expected(const json& request);

// `QueryFilter` or `ScanFilter` (`member` names which) + `ConditionalOperator` as a
// FilterExpression. nullopt when the member is absent or empty.
std::optional<translated_expression> translate_filter(const json& request, std::string_view member);

// `KeyConditions` as a KeyConditionExpression (terms joined by AND). nullopt when absent. Throws
// "Conditions can be of length 1 or 2 only" and, for NULL, NOT_NULL, NE, CONTAINS, NOT_CONTAINS
// and IN, "Attempted conditional constraint is not an indexable operation". Which term is the
// hash key is left to the caller, as for a parsed KeyConditionExpression. `max_conditions` is
// more than 2 for a GSI with multi-attribute keys, whose every key attribute may take one.
// With `unindexable` given, those entries are not refused but named there (in request order)
// and left out of the expression (nullopt when none is left), for a Query to refuse them in
// DynamoDB's order, after its table, index and key checks (dynalite's actions/query.js).
std::optional<translated_expression> translate_key_conditions(
    const json& request, std::size_t max_conditions = 2, std::vector<std::string>* unindexable = nullptr);

// `AttributeUpdates` as an UpdateExpression: PUT (the default Action) -> SET, DELETE without
// Value -> REMOVE, DELETE with a set -> DELETE, ADD of a number or set -> ADD, ADD of a list ->
// SET #a = list_append(if_not_exists(#a, :empty), :v). nullopt when absent or empty.
std::optional<translated_expression> translate_attribute_updates(const json& request);

// `AttributesToGet` as a ProjectionExpression ("#p0, #p1"). nullopt when absent. `member_path`
// is the member as DynamoDB names it in a constraint message: "attributesToGet", or for
// BatchGetItem (where `request` is one table's KeysAndAttributes)
// "requestItems.<table>.member.attributesToGet".
std::optional<translated_expression> translate_attributes_to_get(
    const json& request, std::string_view member_path = "attributesToGet");

}  // namespace fogbank::dynamodb
