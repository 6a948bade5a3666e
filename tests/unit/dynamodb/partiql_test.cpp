// PartiQL: the parser on its own (statements, errors, the depth limit), then ExecuteStatement,
// BatchExecuteStatement and ExecuteTransaction through the service. Messages are DynamoDB's as
// cited in partiql.hpp.

#include "partiql.hpp"
#include "fogbank/core/aws_error.hpp"
#include "partiql_translate.hpp"

#include "service_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace fogbank::dynamodb {
namespace {

using nlohmann::json;
using test::N;
using test::S;

std::string parse_error(const std::string& text) {
  try {
    partiql::parse(text);
  } catch (const core::aws_error& error) {
    return std::string(error.name()) + ": " + error.message();
  }
  return "no error";
}

const std::string malformed = "ValidationException: Statement wasn't well formed, can't be processed: ";

TEST(PartiqlParser, SelectWithProjectionIndexAndWhere) {
  const partiql::statement s = partiql::parse(
      "select a, \"b\".c[2], d['k'] FROM \"orders\".\"byState\" WHERE pk = ? AND (x > 1 OR NOT y IS MISSING) "
      "-- trailing comment\n;");
  EXPECT_EQ(s.kind, partiql::statement_kind::select);
  EXPECT_EQ(s.table, "orders");
  ASSERT_TRUE(s.index);
  EXPECT_EQ(*s.index, "byState");
  ASSERT_EQ(s.projection.size(), 3u);
  EXPECT_EQ(partiql::result_label(s.projection[1]), "c[2]");
  EXPECT_EQ(partiql::result_label(s.projection[2]), "k");
  EXPECT_EQ(s.parameter_count, 1u);
  ASSERT_TRUE(s.where);
  EXPECT_EQ(s.where->kind, partiql::node_kind::conjunction);
}

TEST(PartiqlParser, InsertUpdateDelete) {
  const partiql::statement insert = partiql::parse(
      "INSERT INTO t VALUE {'pk': 'a', 'n': -1.5e3, 'l': [1, ?], 'm': {'x': null}, 's': <<'a','b'>>}");
  EXPECT_EQ(insert.kind, partiql::statement_kind::insert);
  EXPECT_EQ(insert.item->keys.size(), 5u);
  EXPECT_EQ(insert.parameter_count, 1u);
  const partiql::statement update = partiql::parse(
      "UPDATE t SET a = a + 1, b.c = 'x' REMOVE d SET e = list_append(e, [1]) WHERE pk = 'k' "
      "RETURNING ALL NEW *");
  EXPECT_EQ(update.assignments.size(), 4u);
  EXPECT_TRUE(update.assignments[2].remove);
  EXPECT_EQ(update.returning, "ALL NEW");
  const partiql::statement remove = partiql::parse("DELETE FROM \"t\" WHERE pk = 'k'");
  EXPECT_EQ(remove.kind, partiql::statement_kind::remove);
}

TEST(PartiqlParser, Errors) {
  // nubo-db/dynoxide#149 (confirmed against DynamoDB): a statement that is no DML.
  EXPECT_EQ(parse_error("CREATE TABLE t"), malformed + "Expected data manipulation");
  EXPECT_EQ(parse_error("SELECT * FROM t WHERE"), malformed + "Unexpected end of statement");
  EXPECT_EQ(parse_error("SELECT * FROM t WHERE pad = 1"), malformed + "Unexpected keyword");
  EXPECT_EQ(parse_error("SELECT * FROM t; SELECT * FROM t"), malformed + "Unexpected keyword");
  EXPECT_EQ(parse_error("SELECT * FROM t WHERE a = 'open"), malformed + "Unterminated string");
  EXPECT_EQ(parse_error("SELECT * FROM t LIMIT 1"), "ValidationException: Unsupported clause: LIMIT");
  EXPECT_EQ(
      parse_error("SELECT *, a FROM t"),
      "ValidationException: Other attributes should not be present in the projection when '*' is used.");
  EXPECT_EQ(parse_error("INSERT INTO t VALUES {'a': 1}")
                .rfind("ValidationException: Unsupported operation: Inserting", 0),
            0u);
  EXPECT_EQ(parse_error("UPDATE t ADD a 1 WHERE pk = 'x'"),
            "ValidationException: Only SET and REMOVE are supported in update expressions at this time");
  EXPECT_EQ(parse_error("DELETE FROM t WHERE pk = 'x' RETURNING ALL NEW *"),
            "ValidationException: Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is "
            "allowed in DELETE statements.");
  EXPECT_EQ(parse_error("INSERT INTO t VALUE {'a': 1} RETURNING ALL OLD *"),
            "ValidationException: RETURNING is not supported in INSERT");
  EXPECT_EQ(parse_error("UPDATE t.i SET a = 1 WHERE pk = 'x'"),
            "ValidationException: FROM clause may only contain a single table name in data manipulation "
            "statements");
  EXPECT_EQ(parse_error(""),
            "ValidationException: 1 validation error detected: Value '' at 'statement' failed to "
            "satisfy constraint: Member must have length greater than or equal to 1");
  EXPECT_NE(parse_error(std::string(8193, ' ')).find("Member must have length less than or equal to 8192"),
            std::string::npos);
}

TEST(PartiqlParser, NestingIsBounded) {
  // Past max_depth: a clear error, not a stack overflow.
  const int deep = partiql::max_depth + 10;
  EXPECT_EQ(parse_error("SELECT * FROM t WHERE " + std::string(deep, '(') + "a = 1" + std::string(deep, ')')),
            malformed + "Expression nested too deeply");
  EXPECT_EQ(parse_error("INSERT INTO t VALUE " + std::string(deep, '[') + std::string(deep, ']')),
            malformed + "Expression nested too deeply");
  std::string nots = "SELECT * FROM t WHERE ";
  for (int i = 0; i < deep; ++i) nots += "NOT ";
  EXPECT_EQ(parse_error(nots + "a = 1"), malformed + "Expression nested too deeply");
  std::string sum = "UPDATE t SET a = 1";
  for (int i = 0; i < deep; ++i) sum += " + 1";
  EXPECT_EQ(parse_error(sum + " WHERE pk = 'x'"), malformed + "Expression nested too deeply");
  // Long AND chains are flat, so they are not limited by depth.
  std::string chain = "SELECT * FROM t WHERE a = 1";
  for (int i = 0; i < 500; ++i) chain += " AND a = 1";
  EXPECT_EQ(parse_error(chain), "no error");
}

class PartiqlTest : public test::service_fixture {
 protected:
  void SetUp() override {
    service_fixture::SetUp();
    call("CreateTable",
         {{"TableName", "orders"},
          {"BillingMode", "PAY_PER_REQUEST"},
          {"AttributeDefinitions",
           {{{"AttributeName", "pk"}, {"AttributeType", "S"}},
            {{"AttributeName", "sk"}, {"AttributeType", "N"}},
            {{"AttributeName", "state"}, {"AttributeType", "S"}}}},
          {"KeySchema",
           {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}, {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}}},
          {"GlobalSecondaryIndexes",
           {{{"IndexName", "byState"},
             {"KeySchema", {{{"AttributeName", "state"}, {"KeyType", "HASH"}}}},
             {"Projection", {{"ProjectionType", "ALL"}}}}}}});
  }
  json run(const std::string& statement, json parameters = nullptr, json extra = json::object()) {
    extra["Statement"] = statement;
    if (!parameters.is_null()) extra["Parameters"] = std::move(parameters);
    return call("ExecuteStatement", extra);
  }
  std::string run_error(const std::string& statement, json parameters = nullptr) {
    json request{{"Statement", statement}};
    if (!parameters.is_null()) request["Parameters"] = std::move(parameters);
    return error_of("ExecuteStatement", request);
  }
  json get(const std::string& pk, int sk) {
    return call("GetItem",
                {{"TableName", "orders"}, {"Key", {{"pk", S(pk)}, {"sk", N(std::to_string(sk))}}}});
  }
};

TEST_F(PartiqlTest, InsertSelectUpdateDelete) {
  EXPECT_EQ(run("INSERT INTO orders VALUE {'pk': 'a', 'sk': 1, 'state': 'open', 'm': {'l': [10, 20]}}"),
            json({{"Items", json::array()}}));
  run("INSERT INTO \"orders\" VALUE {'pk': ?, 'sk': ?, 'state': 'shut', 'tags': <<'x', 'y'>>}",
      json::array({S("a"), N("2")}));
  // Not an upsert (DynamoDB Local's DUPLICATE_ITEM_IN_TABLE).
  EXPECT_EQ(run_error("INSERT INTO orders VALUE {'pk': 'a', 'sk': 1}"),
            "DuplicateItemException: Duplicate primary key exists in table");

  json all = run("SELECT * FROM orders WHERE pk = 'a'");
  ASSERT_EQ(all["Items"].size(), 2u) << all.dump();
  EXPECT_EQ(all["Items"][1]["tags"], json({{"SS", {"x", "y"}}}));
  // Nested paths come back under their last part (DynamoDB Local recordings).
  json projected = run("SELECT m.l[1], state FROM orders WHERE pk = 'a' AND sk = 1");
  EXPECT_EQ(projected["Items"], json::array({{{"l[1]", N("20")}, {"state", S("open")}}})) << projected.dump();
  EXPECT_EQ(run("SELECT sk FROM orders WHERE pk = 'a' AND sk BETWEEN 2 AND 5")["Items"],
            json::array({{{"sk", N("2")}}}));
  EXPECT_EQ(run("SELECT sk FROM orders WHERE begins_with(state, 'sh')")["Items"],
            json::array({{{"sk", N("2")}}}));
  EXPECT_EQ(run("SELECT sk FROM orders WHERE m IS MISSING AND contains(tags, 'y')")["Items"],
            json::array({{{"sk", N("2")}}}));
  EXPECT_EQ(run("SELECT sk FROM orders WHERE sk IN [1, 7] OR size(tags) > 5")["Items"],
            json::array({{{"sk", N("1")}}}));
  EXPECT_EQ(run("SELECT sk FROM \"orders\".\"byState\" WHERE state = 'shut'")["Items"],
            json::array({{{"sk", N("2")}}}));
  EXPECT_EQ(run("SELECT sk FROM orders WHERE attribute_type(m, 'M')")["Items"],
            json::array({{{"sk", N("1")}}}));

  run("UPDATE orders SET n = 5, m.l[0] = m.l[0] + 1 REMOVE state WHERE pk = 'a' AND sk = 1");
  json item = get("a", 1)["Item"];
  EXPECT_EQ(item["n"], N("5"));
  EXPECT_EQ(item["m"]["M"]["l"]["L"][0], N("11"));
  EXPECT_FALSE(item.contains("state"));
  json returned = run(
      "UPDATE orders SET tags = set_add(tags, <<'z'>>) WHERE pk = 'a' AND sk = 2 RETURNING MODIFIED NEW *");
  EXPECT_EQ(returned["Items"], json::array({{{"tags", {{"SS", {"x", "y", "z"}}}}}})) << returned.dump();
  // An UPDATE of a missing item, and one whose extra condition fails.
  EXPECT_EQ(run_error("UPDATE orders SET n = 1 WHERE pk = 'zz' AND sk = 1"),
            "ConditionalCheckFailedException: The conditional request failed");
  EXPECT_EQ(run_error("UPDATE orders SET n = 1 WHERE pk = 'a' AND sk = 1 AND n = 6"),
            "ConditionalCheckFailedException: The conditional request failed");
  EXPECT_FALSE(get("zz", 1).contains("Item"));

  EXPECT_EQ(run_error("DELETE FROM orders WHERE pk = 'a' AND sk = 1 AND n = 6"),
            "ConditionalCheckFailedException: The conditional request failed");
  EXPECT_EQ(run("DELETE FROM orders WHERE pk = 'missing' AND sk = 1 AND n = 6"),
            json({{"Items", json::array()}}));
  json old = run("DELETE FROM orders WHERE pk = 'a' AND sk = 1 RETURNING ALL OLD *");
  EXPECT_EQ(old["Items"][0]["n"], N("5"));
  EXPECT_FALSE(get("a", 1).contains("Item"));
}

TEST_F(PartiqlTest, ExecutionErrors) {
  EXPECT_EQ(run_error("SELECT * FROM orders WHERE pk = ?"),
            "ValidationException: Number of parameters in request and statement don't match.");
  EXPECT_EQ(run_error("SELECT * FROM nosuch"), "ResourceNotFoundException: Requested resource not found");
  EXPECT_EQ(run_error("UPDATE orders SET n = 1 WHERE pk = 'a'"),
            "ValidationException: Where clause does not contain a mandatory equality on all key attributes");
  EXPECT_EQ(run_error("DELETE FROM orders WHERE pk = 'a' OR sk = 1"),
            "ValidationException: Where clause does not contain a mandatory equality on all key attributes");
  EXPECT_EQ(run_error("INSERT INTO orders VALUE {'pk': 'a'}"),
            "ValidationException: Key attribute should be present in the item: Key sk");
  EXPECT_EQ(
      run_error("INSERT INTO orders VALUE {'pk': 'a', 'sk': 'one'}"),
      "ValidationException: Key attribute's data type should match its data type in table's schema: Key sk");
  EXPECT_EQ(run_error("SELECT a.b, c.b FROM orders"),
            "ValidationException: Duplicate identifiers in select clause: b");
  EXPECT_EQ(run_error("SELECT * FROM orders WHERE a = MISSING"),
            "ValidationException: MISSING must be compared using IS operator");
  EXPECT_EQ(run_error("SELECT * FROM orders WHERE nope(a)"),
            "ValidationException: Unrecognized function: nope");
  // A call without arguments is refused, never translated into an expression the expression
  // language cannot parse (fuzz/findings/partiql/crash-52c69a47...).
  EXPECT_EQ(
      run_error("SELECT * FROM orders WHERE pk = 'a' AND NOT (x IS MISSING OR size( ) > 2)"),
      "ValidationException: Incorrect number of operands for operator or function; operator or function: "
      "size, number of operands: 0");
  EXPECT_EQ(
      run_error("UPDATE orders SET l = list_append() WHERE pk = 'a' AND sk = 1"),
      "ValidationException: Incorrect number of operands for operator or function; operator or function: "
      "list_append, number of operands: 0");
  EXPECT_EQ(run_error("INSERT INTO orders VALUE {'pk': 'a', 'sk': 1, 's': <<'a', 1>>}"),
            "ValidationException: Unsupported data type in Bag. DynamoDB only supports either numbers or "
            "strings in "
            "bags");
  EXPECT_EQ(run_error("EXISTS(SELECT * FROM orders WHERE pk = 'a' AND sk = 1 AND x = 1)"),
            "ValidationException: EXISTS can only be used in ExecuteTransaction write requests.");
  EXPECT_EQ(
      error_of("ExecuteStatement", {{"Statement", "SELECT * FROM orders"}, {"Limit", 0}}),
      "ValidationException: 1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
      "Member must have value greater than or equal to 1");
  EXPECT_EQ(error_of("ExecuteStatement", {{"Statement", "SELECT * FROM orders"}, {"NextToken", "bogus"}}),
            "ValidationException: Invalid NextToken");
}

TEST_F(PartiqlTest, PagingWithLimitAndNextToken) {
  for (int i = 0; i < 5; ++i)
    run("INSERT INTO orders VALUE {'pk': 'p', 'sk': ?}", json::array({N(std::to_string(i))}));
  const std::string statement = "SELECT sk FROM orders WHERE pk = 'p' AND sk <> 3";
  std::vector<std::string> seen;
  json request{{"Statement", statement}, {"Limit", 2}};
  for (int page = 0; page < 10; ++page) {
    json response = call("ExecuteStatement", request);
    for (const auto& item : response["Items"]) seen.push_back(item["sk"]["N"]);
    if (!response.contains("NextToken")) break;
    request["NextToken"] = response["NextToken"];
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"0", "1", "2", "4"}));
  // A token of one statement is refused for another (DynamoDB Local recordings).
  json first = call("ExecuteStatement", {{"Statement", statement}, {"Limit", 1}});
  ASSERT_TRUE(first.contains("NextToken"));
  EXPECT_EQ(error_of("ExecuteStatement",
                     {{"Statement", "SELECT * FROM orders"}, {"NextToken", first["NextToken"]}}),
            "ValidationException: The provided starting key is invalid");
}

TEST_F(PartiqlTest, BatchExecuteStatement) {
  json writes =
      call("BatchExecuteStatement",
           {{"Statements",
             {{{"Statement", "INSERT INTO orders VALUE {'pk': 'b', 'sk': 1}"}},
              {{"Statement", "INSERT INTO orders VALUE {'pk': 'b', 'sk': 1}"}},
              {{"Statement", "UPDATE orders SET x = ? WHERE pk = 'b' AND sk = 2"}, {"Parameters", {N("1")}}},
              {{"Statement", "SELEKT"}}}}});
  ASSERT_EQ(writes["Responses"].size(), 4u) << writes.dump();
  EXPECT_EQ(writes["Responses"][0], json({{"TableName", "orders"}}));
  EXPECT_EQ(writes["Responses"][1]["Error"]["Code"], "DuplicateItem");
  EXPECT_EQ(writes["Responses"][2]["Error"]["Code"], "ConditionalCheckFailed");
  EXPECT_EQ(writes["Responses"][3]["Error"]["Code"], "ValidationError");
  json reads =
      call("BatchExecuteStatement", {{"Statements",
                                      {{{"Statement", "SELECT pk FROM orders WHERE pk = 'b' AND sk = 1"}},
                                       {{"Statement", "SELECT * FROM orders WHERE pk = 'b' AND sk = 9"}},
                                       {{"Statement", "SELECT * FROM orders WHERE pk = 'b'"}}}}});
  EXPECT_EQ(reads["Responses"][0], json({{"TableName", "orders"}, {"Item", {{"pk", S("b")}}}}));
  EXPECT_EQ(reads["Responses"][1], json({{"TableName", "orders"}}));
  EXPECT_EQ(reads["Responses"][2]["Error"]["Code"], "ValidationError");
  json too_many = {{"Statements", json::array()}};
  for (int i = 0; i < 26; ++i) too_many["Statements"].push_back({{"Statement", "SELECT * FROM orders"}});
  EXPECT_NE(
      error_of("BatchExecuteStatement", too_many).find("Member must have length less than or equal to 25"),
      std::string::npos);
}

TEST_F(PartiqlTest, ExecuteTransactionIsAllOrNothing) {
  run("INSERT INTO orders VALUE {'pk': 't', 'sk': 1, 'n': 1}");
  const std::string error =
      error_of("ExecuteTransaction", {{"TransactStatements",
                                       {{{"Statement", "INSERT INTO orders VALUE {'pk': 't', 'sk': 2}"}},
                                        {{"Statement", "INSERT INTO orders VALUE {'pk': 't', 'sk': 1}"}}}}});
  EXPECT_EQ(
      error,
      "TransactionCanceledException: Transaction cancelled, please refer cancellation reasons for specific "
      "reasons [None, DuplicateItem]");
  EXPECT_FALSE(get("t", 2).contains("Item"));
  EXPECT_EQ(
      error_of("ExecuteTransaction",
               {{"TransactStatements",
                 {{{"Statement", "EXISTS(SELECT * FROM orders WHERE pk = 't' AND sk = 1 AND n = 2)"}},
                  {{"Statement", "INSERT INTO orders VALUE {'pk': 't', 'sk': 5}"}}}}}),
      "TransactionCanceledException: Transaction cancelled, please refer cancellation reasons for specific "
      "reasons [ConditionalCheckFailed, None]");
  EXPECT_FALSE(get("t", 5).contains("Item"));
  call("ExecuteTransaction",
       {{"TransactStatements",
         {{{"Statement", "EXISTS(SELECT * FROM orders WHERE pk = 't' AND sk = 1 AND n = 1)"}},
          {{"Statement", "INSERT INTO orders VALUE {'pk': 't', 'sk': 2}"}}}}});
  EXPECT_TRUE(get("t", 2).contains("Item"));
  json reads =
      call("ExecuteTransaction", {{"TransactStatements",
                                   {{{"Statement", "SELECT n FROM orders WHERE pk = 't' AND sk = 1"}},
                                    {{"Statement", "SELECT * FROM orders WHERE pk = 't' AND sk = 9"}}}}});
  EXPECT_EQ(reads["Responses"], json::array({{{"Item", {{"n", N("1")}}}}, json::object()})) << reads.dump();
  EXPECT_EQ(
      error_of("ExecuteTransaction", {{"TransactStatements",
                                       {{{"Statement", "SELECT * FROM orders WHERE pk = 't' AND sk = 1"}},
                                        {{"Statement", "DELETE FROM orders WHERE pk = 't' AND sk = 1"}}}}}),
      "ValidationException: ExecuteTransaction API does not support both read and write operations in the "
      "same request.");
}

}  // namespace
}  // namespace fogbank::dynamodb
