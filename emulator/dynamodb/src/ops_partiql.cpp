// ExecuteStatement, BatchExecuteStatement and ExecuteTransaction: each statement is parsed
// (partiql.hpp), translated into the request of an item operation (partiql_translate.hpp) and
// run by that operation, so validation, conditions, locking, index upkeep, stream records and
// TTL are exactly those of GetItem, Query, Scan, PutItem, UpdateItem, DeleteItem,
// TransactGetItems and TransactWriteItems.

#include "fogbank/core/encoding.hpp"
#include "partiql.hpp"
#include "partiql_translate.hpp"
#include "request.hpp"
#include "service_impl.hpp"

#include <cstdint>
#include <cstdio>
#include <map>
#include <set>

namespace fogbank::dynamodb {
namespace {

using core::aws_error;
using core::error_code;
using core::throw_validation;

// botocore's DynamoDB model: PartiQLBatchRequest 1-25 statements, ParameterizedStatements (of a
// transaction) 1-100.
constexpr std::size_t max_batch_statements = 25;
constexpr std::size_t max_transaction_statements = 100;

// The Parameters member: absent, or an array of 1 or more AttributeValues
// (PreparedStatementParameters, min 1).
json parameters_of(const json& request, std::string_view member) {
  const json* parameters = find_member(request, "Parameters");
  if (!parameters) return nullptr;
  if (!parameters->is_array()) throw aws_error(error_code::serialization, "Unexpected value type in payload");
  if (parameters->empty()) {
    throw_validation(
        constraint_message("'[]'", member, "Member must have length greater than or equal to 1"));
  }
  return *parameters;
}

// A statement's fingerprint in its NextToken: FNV-1a of the statement text, so that a token is
// refused for another statement (DynamoDB Local recordings: "The provided starting key is
// invalid").
std::string fingerprint(std::string_view text) {
  std::uint64_t hash = 1469598103934665603ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(hash));
  return out;
}

std::string encode_token(std::string_view statement_text, const json& last_key) {
  return core::base64_encode(json{{"s", fingerprint(statement_text)}, {"k", last_key}}.dump());
}

json decode_token(std::string_view statement_text, const std::string& token) {
  std::optional<std::string> bytes = core::base64_decode(token);
  json decoded = bytes ? json::parse(*bytes, nullptr, false) : json();
  if (!decoded.is_object() || !decoded.contains("s") || !decoded.contains("k") || !decoded["k"].is_object()) {
    throw_validation("Invalid NextToken");  // DynamoDB Local recordings
  }
  if (decoded["s"] != fingerprint(statement_text)) throw_validation("The provided starting key is invalid");
  return decoded["k"];
}

// The Code of a BatchExecuteStatement Error (botocore: BatchStatementErrorCodeEnum).
std::string batch_error_code(const aws_error& error) {
  switch (error.code()) {
    case error_code::conditional_check_failed:
      return "ConditionalCheckFailed";
    case error_code::duplicate_item:
      return "DuplicateItem";
    case error_code::resource_not_found:
      return "ResourceNotFound";
    case error_code::transaction_conflict:
      return "TransactionConflict";
    case error_code::item_collection_size_limit:
      return "ItemCollectionSizeLimitExceeded";
    case error_code::provisioned_throughput_exceeded:
      return "ProvisionedThroughputExceeded";
    case error_code::internal_failure:
      return "InternalServerError";
    default:
      return "ValidationError";
  }
}

[[noreturn]] void throw_duplicate() {
  // DynamoDB Local's DUPLICATE_ITEM_IN_TABLE, and its recordings: "insert a key that exists".
  throw aws_error(error_code::duplicate_item, "Duplicate primary key exists in table");
}

// The context of an operation a statement runs and whose answer it reads (projects, pages):
// the items must come back as values, not as spliced text (call_context::renders_text).
request_context reading_answers(const request_context& context) {
  request_context inner = context;
  inner.renders_text = false;
  return inner;
}

}  // namespace

json service_impl::run_partiql_write(const partiql::statement& statement, const json& parameters,
                                     const json& options, const request_context& context) {
  const table_ptr table = find_table(statement.table);
  partiql::write_plan plan = partiql::plan_write(statement, parameters, *table);
  for (const char* member : {"ReturnConsumedCapacity", "ReturnValuesOnConditionCheckFailure"}) {
    if (const json* value = find_member(options, member)) plan.request[member] = *value;
  }
  if (statement.returning == "ALL OLD") plan.request["ReturnValues"] = "ALL_OLD";
  if (statement.returning == "ALL NEW") plan.request["ReturnValues"] = "ALL_NEW";
  if (statement.returning == "MODIFIED OLD") plan.request["ReturnValues"] = "UPDATED_OLD";
  if (statement.returning == "MODIFIED NEW") plan.request["ReturnValues"] = "UPDATED_NEW";
  json result;
  if (plan.operation == "PutItem") {
    try {
      result = put_item(plan.request, context);
    } catch (const aws_error& error) {
      if (error.code() == error_code::conditional_check_failed) throw_duplicate();
      throw;
    }
  } else if (plan.operation == "UpdateItem") {
    result = update_item(plan.request, context);
  } else if (plan.operation == "DeleteItem") {
    result = delete_item(plan.request, context);
  } else {
    throw_validation("EXISTS can only be used in ExecuteTransaction write requests.");
  }
  // Writes answer an empty Items list, or the item RETURNING asks for (DynamoDB Local recordings).
  json response{{"Items", json::array()}};
  if (result.contains("Attributes")) response["Items"].push_back(result["Attributes"]);
  if (result.contains("ConsumedCapacity")) response["ConsumedCapacity"] = result["ConsumedCapacity"];
  return response;
}

json service_impl::execute_statement(const json& request, const request_context& context) {
  const std::string& text = required_string(request, "Statement", "statement");
  const json parameters = parameters_of(request, "parameters");
  const std::optional<std::int64_t> limit = optional_integer(request, "Limit");
  if (limit && *limit < 1) {
    throw_validation(constraint_message("'" + std::to_string(*limit) + "'", "limit",
                                        "Member must have value greater than or equal to 1"));
  }
  const std::string next_token = optional_string(request, "NextToken");
  const std::optional<bool> consistent = optional_boolean(request, "ConsistentRead");
  const partiql::statement statement = partiql::parse(text);
  partiql::check_parameter_count(statement, parameters);
  if (!statement.is_read()) return run_partiql_write(statement, parameters, request, context);

  const table_ptr table = find_table(statement.table);
  // Two projected paths under one name cannot both be answered (DynamoDB Local recordings).
  std::set<std::string> labels;
  for (const auto& path : statement.projection) {
    const std::string label = partiql::result_label(path);
    if (!labels.insert(label).second) throw_validation("Duplicate identifiers in select clause: " + label);
  }
  partiql::read_plan plan = partiql::plan_select(statement, parameters, *table);
  if (limit) plan.request["Limit"] = *limit;
  if (consistent) plan.request["ConsistentRead"] = *consistent;
  if (const json* capacity = find_member(request, "ReturnConsumedCapacity")) {
    plan.request["ReturnConsumedCapacity"] = *capacity;
  }
  if (!next_token.empty()) plan.request["ExclusiveStartKey"] = decode_token(text, next_token);
  json result = plan.operation == "Query" ? query(plan.request, reading_answers(context))
                                          : scan(plan.request, reading_answers(context));
  json items = json::array();
  for (const auto& item : result["Items"]) items.push_back(partiql::project_result(statement, item));
  json response{{"Items", std::move(items)}};
  if (result.contains("LastEvaluatedKey"))
    response["NextToken"] = encode_token(text, result["LastEvaluatedKey"]);
  if (result.contains("ConsumedCapacity")) response["ConsumedCapacity"] = result["ConsumedCapacity"];
  return response;
}

json service_impl::batch_execute_statement(const json& request, const request_context& context) {
  const json* statements = find_member(request, "Statements");
  if (!statements) throw_validation(null_member_message("statements"));
  if (!statements->is_array()) throw aws_error(error_code::serialization, "Unexpected value type in payload");
  if (statements->empty() || statements->size() > max_batch_statements) {
    throw_validation(constraint_message("'" + statements->dump() + "'", "statements",
                                        statements->empty()
                                            ? "Member must have length greater than or equal to 1"
                                            : "Member must have length less than or equal to 25"));
  }
  // Parsed first: a batch holds reads only or writes only ("The entire batch must consist of
  // either read statements or write statements", ql-reference.multiplestatements.batching).
  struct entry {
    std::optional<partiql::statement> statement;
    json parameters;
    const json* body = nullptr;
    std::optional<aws_error> error;
  };
  std::vector<entry> entries;
  bool reads = false;
  bool writes = false;
  for (std::size_t i = 0; i < statements->size(); ++i) {
    const json& body = (*statements)[i];
    if (!body.is_object()) throw aws_error(error_code::serialization, "Unexpected value type in payload");
    const std::string member = "statements." + std::to_string(i + 1) + ".member";
    entry e;
    e.body = &body;
    const std::string& text = required_string(body, "Statement", member + ".statement");
    e.parameters = parameters_of(body, member + ".parameters");
    try {
      e.statement = partiql::parse(text);
      partiql::check_parameter_count(*e.statement, e.parameters);
      (e.statement->is_read() ? reads : writes) = true;
    } catch (const aws_error& error) {
      if (error.code() != error_code::validation) throw;
      e.error = error;
    }
    entries.push_back(std::move(e));
  }
  if (reads && writes) {
    // unconfirmed: worded as ExecuteTransaction's message for the same mix (recorded).
    throw_validation(
        "BatchExecuteStatement API does not support both read and write operations in the same request.");
  }
  json responses = json::array();
  for (auto& e : entries) {
    json response = json::object();
    try {
      if (e.error) throw *e.error;
      const partiql::statement& statement = *e.statement;
      response["TableName"] = statement.table;
      if (statement.is_read()) {
        const table_ptr table = find_table(statement.table);
        if (statement.index) throw_validation("This operation is not supported on an index");
        json get{
            {"TableName", table->name},
            {"Key", partiql::plan_key_read(statement, e.parameters, *table,
                                           "Select statements within BatchExecuteStatement must specify the "
                                           "primary key in the where clause.")}};  // unconfirmed
        if (const json* consistent = find_member(*e.body, "ConsistentRead"))
          get["ConsistentRead"] = *consistent;
        json result = get_item(get, reading_answers(context));
        if (result.contains("Item")) response["Item"] = partiql::project_result(statement, result["Item"]);
      } else {
        run_partiql_write(statement, e.parameters, *e.body, context);
      }
    } catch (const aws_error& error) {
      json failure{{"Code", batch_error_code(error)}, {"Message", error.message()}};
      if (error.extra().is_object() && error.extra().contains("Item"))
        failure["Item"] = error.extra()["Item"];
      response["Error"] = std::move(failure);
    }
    responses.push_back(std::move(response));
  }
  return {{"Responses", std::move(responses)}};
}

json service_impl::execute_transaction(const json& request, const request_context& context) {
  const json* statements = find_member(request, "TransactStatements");
  if (!statements) throw_validation(null_member_message("transactStatements"));
  if (!statements->is_array()) throw aws_error(error_code::serialization, "Unexpected value type in payload");
  if (statements->empty() || statements->size() > max_transaction_statements) {
    throw_validation(constraint_message("'" + statements->dump() + "'", "transactStatements",
                                        statements->empty()
                                            ? "Member must have length greater than or equal to 1"
                                            : "Member must have length less than or equal to 100"));
  }
  std::vector<partiql::statement> parsed;
  std::vector<json> parameters;
  bool reads = false;
  bool writes = false;
  for (std::size_t i = 0; i < statements->size(); ++i) {
    const json& body = (*statements)[i];
    if (!body.is_object()) throw aws_error(error_code::serialization, "Unexpected value type in payload");
    const std::string member = "transactStatements." + std::to_string(i + 1) + ".member";
    const std::string& text = required_string(body, "Statement", member + ".statement");
    parameters.push_back(parameters_of(body, member + ".parameters"));
    parsed.push_back(partiql::parse(text));
    partiql::check_parameter_count(parsed.back(), parameters.back());
    (parsed.back().is_read() ? reads : writes) = true;
    if (!parsed.back().returning.empty()) {
      throw_validation(
          "Unsupported operation in transaction.");  // unconfirmed: RETURNING is refused (recorded)
    }
  }
  if (reads && writes) {
    // DynamoDB Local recordings: "a transaction of a read and a write".
    throw_validation(
        "ExecuteTransaction API does not support both read and write operations in the same request.");
  }
  json transact{{"TransactItems", json::array()}};
  if (const json* capacity = find_member(request, "ReturnConsumedCapacity"))
    transact["ReturnConsumedCapacity"] = *capacity;
  if (reads) {
    for (std::size_t i = 0; i < parsed.size(); ++i) {
      const table_ptr table = find_table(parsed[i].table);
      if (parsed[i].index) throw_validation("Reads on indices are not supported within transactions.");
      json key =
          partiql::plan_key_read(parsed[i], parameters[i], *table,
                                 "Select statements within ExecuteTransaction must specify the primary key "
                                 "in the where clause.");
      transact["TransactItems"].push_back({{"Get", {{"TableName", table->name}, {"Key", std::move(key)}}}});
    }
    json result = transact_get_items(transact, context);
    json responses = json::array();
    for (std::size_t i = 0; i < parsed.size(); ++i) {
      const json& got = result["Responses"][i];
      json response = json::object();
      if (got.contains("Item")) response["Item"] = partiql::project_result(parsed[i], got["Item"]);
      responses.push_back(std::move(response));
    }
    json response{{"Responses", std::move(responses)}};
    if (result.contains("ConsumedCapacity")) response["ConsumedCapacity"] = result["ConsumedCapacity"];
    return response;
  }
  std::vector<bool> inserts;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    const table_ptr table = find_table(parsed[i].table);
    partiql::write_plan plan = partiql::plan_write(parsed[i], parameters[i], *table);
    static const std::map<std::string, std::string> members{{"PutItem", "Put"},
                                                            {"UpdateItem", "Update"},
                                                            {"DeleteItem", "Delete"},
                                                            {"ConditionCheck", "ConditionCheck"}};
    if (const json* value = find_member((*statements)[i], "ReturnValuesOnConditionCheckFailure")) {
      plan.request["ReturnValuesOnConditionCheckFailure"] = *value;
    }
    transact["TransactItems"].push_back({{members.at(plan.operation), std::move(plan.request)}});
    inserts.push_back(parsed[i].kind == partiql::statement_kind::insert);
  }
  if (const json* token = find_member(request, "ClientRequestToken")) transact["ClientRequestToken"] = *token;
  json result;
  try {
    result = transact_write_items(transact, context);
  } catch (const aws_error& error) {
    if (error.code() != error_code::transaction_canceled || !error.extra().contains("CancellationReasons"))
      throw;
    // An INSERT's failed condition is its key existing: DuplicateItem, as ExecuteStatement says.
    json reasons = error.extra()["CancellationReasons"];
    std::string codes;
    for (std::size_t i = 0; i < reasons.size() && i < inserts.size(); ++i) {
      if (inserts[i] && reasons[i].value("Code", "") == "ConditionalCheckFailed") {
        reasons[i] = {{"Code", "DuplicateItem"}, {"Message", "Duplicate primary key exists in table"}};
      }
    }
    for (const auto& reason : reasons) codes += (codes.empty() ? "" : ", ") + reason.value("Code", "None");
    throw aws_error(
        error_code::transaction_canceled,
        "Transaction cancelled, please refer cancellation reasons for specific reasons [" + codes + "]",
        {{"CancellationReasons", std::move(reasons)}});
  }
  json response = json::object();
  if (result.contains("ConsumedCapacity")) response["ConsumedCapacity"] = result["ConsumedCapacity"];
  return response;
}

}  // namespace fogbank::dynamodb
