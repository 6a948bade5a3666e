#pragma once
// A parsed PartiQL statement, bound to its parameters and its table's key schema, as the typed
// request of the item operation that runs it: every attribute name becomes an
// ExpressionAttributeNames placeholder (#n0, ...) and every literal or parameter an
// ExpressionAttributeValues placeholder (:v0, ...), so the existing expression parser, evaluator
// and validation see an ordinary request. Pure: reads nothing but its arguments.

#include "partiql.hpp"
#include "table_model.hpp"

#include <string>
#include <vector>

namespace fogbank::dynamodb::partiql {

// Throws DynamoDB's "Number of parameters in request and statement don't match." when
// `parameters` (an array, or null when absent) holds fewer than the statement uses (more are
// accepted, as DynamoDB Local does).
void check_parameter_count(const statement& statement, const json& parameters);

// A SELECT as a Query (an equality on the partition key of the table or index read, with an
// optional sort-key condition) or else a Scan, with the rest of WHERE as its FilterExpression.
// The request has TableName, IndexName and the expression members; paging and consistency
// members are the caller's.
struct read_plan {
  std::string operation;  // "Query" or "Scan"
  json request;
};
read_plan plan_select(const statement& statement, const json& parameters, const table_info& table);

// A SELECT naming the table's whole primary key by equalities and nothing else: the Key of
// the item it reads. Throws ValidationException with `message` otherwise (the wording differs
// between batches and transactions).
json plan_key_read(const statement& statement, const json& parameters, const table_info& table,
                   const std::string& message);

// INSERT, UPDATE, DELETE or EXISTS as the members of PutItem, UpdateItem, DeleteItem or a
// ConditionCheck: TableName, Item or Key, UpdateExpression, ConditionExpression and the
// placeholders. INSERT is a put conditional on the key not existing (the caller answers its
// failure as DuplicateItemException), UPDATE an update conditional on the item existing (and on
// the rest of WHERE), DELETE a delete conditional on the rest of WHERE if the item exists.
struct write_plan {
  std::string operation;  // "PutItem", "UpdateItem", "DeleteItem" or "ConditionCheck"
  json request;
};
write_plan plan_write(const statement& statement, const json& parameters, const table_info& table);

// The value of `path` in `item` (a map of AttributeValues), or null.
json value_at(const json& item, const path& path);
// SELECT's projection of `item`: each listed path under its result_label, or the whole item
// for SELECT *.
json project_result(const statement& statement, const json& item);

}  // namespace fogbank::dynamodb::partiql
