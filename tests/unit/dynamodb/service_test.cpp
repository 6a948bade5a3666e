// The DynamoDB service through its one entry point, dispatch(), on a real RocksDB (in memory,
// or on disk for the persistence tests). These pin behaviour that is awkward to reach from an
// AWS client: paging boundaries, index maintenance on every kind of write, atomicity.

#include "fogbank/dynamodb/service.hpp"
#include "fogbank/core/clock.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/core/json_text.hpp"
#include "fogbank/core/service.hpp"
#include "fogbank/storage/database.hpp"

#include "service_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

namespace fogbank::dynamodb {
namespace {

using nlohmann::json;
using test::N;
using test::S;

class ServiceTest : public test::service_fixture {
 protected:
  // pk (S) + sk (N), GSI byStatus on (status S, sk N) with ALL projection.
  void create_orders_table() {
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
             {"KeySchema",
              {{{"AttributeName", "state"}, {"KeyType", "HASH"}},
               {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}}},
             {"Projection", {{"ProjectionType", "ALL"}}}}}}});
  }

  void put(const json& item) { call("PutItem", {{"TableName", "orders"}, {"Item", item}}); }

  std::vector<std::string> query_sort_keys(json request) {
    std::vector<std::string> keys;
    for (int page = 0; page < 100; ++page) {
      json response = call("Query", request);
      for (const auto& item : response["Items"]) keys.push_back(item["sk"]["N"].get<std::string>());
      if (!response.contains("LastEvaluatedKey")) return keys;
      request["ExclusiveStartKey"] = response["LastEvaluatedKey"];
    }
    ADD_FAILURE() << "query did not finish in 100 pages";
    return keys;
  }
};

TEST_F(ServiceTest, UnknownOperationIsRejected) {
  EXPECT_EQ(error_of("CancelStatement", json::object()), "UnknownOperationException: ");
}

TEST_F(ServiceTest, CreateDescribeListDelete) {
  create_orders_table();
  json described = call("DescribeTable", {{"TableName", "orders"}})["Table"];
  EXPECT_EQ(described["TableStatus"], "ACTIVE");
  EXPECT_EQ(described["TableArn"], "arn:aws:dynamodb:us-east-1:000000000000:table/orders");
  EXPECT_EQ(described["GlobalSecondaryIndexes"][0]["IndexArn"],
            "arn:aws:dynamodb:us-east-1:000000000000:table/orders/index/byState");
  EXPECT_EQ(
      error_of("CreateTable", {{"TableName", "orders"},
                               {"BillingMode", "PAY_PER_REQUEST"},
                               {"AttributeDefinitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
                               {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}}}),
      "ResourceInUseException: Table already exists: orders");
  EXPECT_EQ(call("ListTables", json::object())["TableNames"], json::array({"orders"}));
  call("DeleteTable", {{"TableName", "orders"}});
  EXPECT_EQ(error_of("DescribeTable", {{"TableName", "orders"}}),
            "ResourceNotFoundException: Requested resource not found: Table: orders not found");
}

TEST_F(ServiceTest, ListTablesPaginates) {
  for (const char* name : {"ccc", "aaa", "bbb", "ddd"}) {
    call("CreateTable", {{"TableName", name},
                         {"BillingMode", "PAY_PER_REQUEST"},
                         {"AttributeDefinitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
                         {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}}});
  }
  json first = call("ListTables", {{"Limit", 3}});
  EXPECT_EQ(first["TableNames"], json::array({"aaa", "bbb", "ccc"}));
  EXPECT_EQ(first["LastEvaluatedTableName"], "ccc");
  json second = call("ListTables", {{"Limit", 3}, {"ExclusiveStartTableName", "ccc"}});
  EXPECT_EQ(second["TableNames"], json::array({"ddd"}));
  EXPECT_FALSE(second.contains("LastEvaluatedTableName"));
}

TEST_F(ServiceTest, QueryPagesVisitEveryItemOnceInBothDirections) {
  create_orders_table();
  for (int i = 0; i < 25; ++i)
    put({{"pk", S("p")}, {"sk", N(std::to_string(i * 10 - 100))}, {"state", S("open")}});
  put({{"pk", S("other")}, {"sk", N("1")}});

  std::vector<std::string> expected;
  for (int i = 0; i < 25; ++i) expected.push_back(std::to_string(i * 10 - 100));
  json request{{"TableName", "orders"},
               {"KeyConditionExpression", "pk = :p"},
               {"ExpressionAttributeValues", {{":p", S("p")}}},
               {"Limit", 7}};
  EXPECT_EQ(query_sort_keys(request), expected);

  request["ScanIndexForward"] = false;
  std::reverse(expected.begin(), expected.end());
  EXPECT_EQ(query_sort_keys(request), expected);
}

// An ExclusiveStartKey outside what the query reads is refused (dynalite's query.js, pinned
// against DynamoDB): the sort key against its condition first, then the partition.
TEST_F(ServiceTest, QueryStartKeyMustLieInTheQueriedRange) {
  create_orders_table();
  for (int i = 0; i < 5; ++i) put({{"pk", S("p")}, {"sk", N(std::to_string(i))}, {"state", S("open")}});
  auto query = [&](const json& condition_values, const std::string& condition, const json& start,
                   const std::string& index = "") {
    json request{{"TableName", "orders"},
                 {"KeyConditionExpression", condition},
                 {"ExpressionAttributeValues", condition_values},
                 {"ExclusiveStartKey", start}};
    if (!index.empty()) {
      request["IndexName"] = index;
      request["ExpressionAttributeNames"] = {{"#st", "state"}};  // STATE is a reserved word
    }
    return error_of("Query", request);
  };
  const json p = {{":p", S("p")}};
  const json p_above_1 = {{":p", S("p")}, {":s", N("1")}};
  EXPECT_EQ(query(p, "pk = :p", {{"pk", S("p")}, {"sk", N("2")}}), "no error");
  EXPECT_EQ(query(p, "pk = :p", {{"pk", S("q")}, {"sk", N("2")}}),
            "ValidationException: The provided starting key is outside query boundaries based on provided "
            "conditions");
  EXPECT_EQ(query(p_above_1, "pk = :p AND sk > :s", {{"pk", S("p")}, {"sk", N("3")}}), "no error");
  EXPECT_EQ(query(p_above_1, "pk = :p AND sk > :s", {{"pk", S("p")}, {"sk", N("1")}}),
            "ValidationException: The provided starting key does not match the range key predicate");
  EXPECT_EQ(query(p_above_1, "pk = :p AND sk > :s", {{"pk", S("q")}, {"sk", N("1")}}),
            "ValidationException: The provided starting key does not match the range key predicate");
  EXPECT_EQ(query(p_above_1, "pk = :p AND sk > :s", {{"pk", S("q")}, {"sk", N("3")}}),
            "ValidationException: The query can return at most one row and cannot be restarted");
  // A malformed key is refused, whatever the range. One without every key attribute gets the bare
  // message (dynalite's query.js 'should return ValidationException if range in ExclusiveStartKey
  // is invalid', pinned against DynamoDB; corpus case query_start_key_missing_sort_key).
  EXPECT_EQ(query(p, "pk = :p", {{"pk", S("p")}}),
            "ValidationException: The provided starting key is invalid");
  // On an index, the index's keys are checked; the table's are the rest of the position.
  const json open = {{":s", S("open")}};
  EXPECT_EQ(query(open, "#st = :s", {{"state", S("open")}, {"pk", S("zzz")}, {"sk", N("2")}}, "byState"),
            "no error");
  EXPECT_EQ(query(open, "#st = :s", {{"state", S("shut")}, {"pk", S("p")}, {"sk", N("2")}}, "byState"),
            "ValidationException: The provided starting key is outside query boundaries based on provided "
            "conditions");
}

TEST_F(ServiceTest, LimitEqualToRemainingItemsStillReturnsLastEvaluatedKey) {
  create_orders_table();
  for (int i = 0; i < 3; ++i) put({{"pk", S("p")}, {"sk", N(std::to_string(i))}});
  json response = call("Query", {{"TableName", "orders"},
                                 {"KeyConditionExpression", "pk = :p"},
                                 {"ExpressionAttributeValues", {{":p", S("p")}}},
                                 {"Limit", 3}});
  ASSERT_EQ(response["Count"], 3);
  ASSERT_TRUE(response.contains("LastEvaluatedKey"));
  json next = call("Query", {{"TableName", "orders"},
                             {"KeyConditionExpression", "pk = :p"},
                             {"ExpressionAttributeValues", {{":p", S("p")}}},
                             {"ExclusiveStartKey", response["LastEvaluatedKey"]}});
  EXPECT_EQ(next["Count"], 0);
  EXPECT_FALSE(next.contains("LastEvaluatedKey"));
}

TEST_F(ServiceTest, SortKeyConditionsSelectTheRightRange) {
  create_orders_table();
  for (int i = -5; i <= 5; ++i) put({{"pk", S("p")}, {"sk", N(std::to_string(i))}});
  auto keys = [&](const std::string& condition, json values) {
    values[":p"] = S("p");
    return query_sort_keys({{"TableName", "orders"},
                            {"KeyConditionExpression", "pk = :p AND " + condition},
                            {"ExpressionAttributeValues", values}});
  };
  using list = std::vector<std::string>;
  EXPECT_EQ(keys("sk = :v", {{":v", N("2.0")}}), (list{"2"}));
  EXPECT_EQ(keys("sk < :v", {{":v", N("-3")}}), (list{"-5", "-4"}));
  EXPECT_EQ(keys("sk <= :v", {{":v", N("-3")}}), (list{"-5", "-4", "-3"}));
  EXPECT_EQ(keys("sk > :v", {{":v", N("3")}}), (list{"4", "5"}));
  EXPECT_EQ(keys("sk >= :v", {{":v", N("3")}}), (list{"3", "4", "5"}));
  EXPECT_EQ(keys("sk BETWEEN :a AND :b", {{":a", N("-1")}, {":b", N("1")}}), (list{"-1", "0", "1"}));
  EXPECT_EQ(keys("sk > :v", {{":v", N("0.5")}}), (list{"1", "2", "3", "4", "5"}));
}

TEST_F(ServiceTest, BeginsWithOnStringSortKeys) {
  call("CreateTable",
       {{"TableName", "things"},
        {"BillingMode", "PAY_PER_REQUEST"},
        {"AttributeDefinitions",
         {{{"AttributeName", "id"}, {"AttributeType", "S"}},
          {{"AttributeName", "sk"}, {"AttributeType", "S"}}}},
        {"KeySchema",
         {{{"AttributeName", "id"}, {"KeyType", "HASH"}}, {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}}}});
  // "todo\0x": a prefix match must compare bytes, not stop at the NUL.
  const std::string with_nul("todo\0x", 6);
  for (const std::string& sk : {std::string("todo#1"), std::string("todo#2"), std::string("todo"),
                                std::string("tod"), std::string("user#1"), with_nul}) {
    call("PutItem", {{"TableName", "things"}, {"Item", {{"id", S("u1")}, {"sk", S(sk)}}}});
  }
  json response = call("Query", {{"TableName", "things"},
                                 {"KeyConditionExpression", "id = :id AND begins_with(sk, :prefix)"},
                                 {"ExpressionAttributeValues", {{":id", S("u1")}, {":prefix", S("todo")}}}});
  std::vector<std::string> found;
  for (const auto& item : response["Items"]) found.push_back(item["sk"]["S"].get<std::string>());
  EXPECT_EQ(found, (std::vector<std::string>{"todo", with_nul, "todo#1", "todo#2"}));
}

TEST_F(ServiceTest, FilterAppliesAfterLimit) {
  create_orders_table();
  for (int i = 0; i < 10; ++i) {
    put({{"pk", S("p")}, {"sk", N(std::to_string(i))}, {"even", {{"BOOL", i % 2 == 0}}}});
  }
  json response = call("Query", {{"TableName", "orders"},
                                 {"KeyConditionExpression", "pk = :p"},
                                 {"FilterExpression", "even = :t"},
                                 {"ExpressionAttributeValues", {{":p", S("p")}, {":t", {{"BOOL", true}}}}},
                                 {"Limit", 5}});
  EXPECT_EQ(response["ScannedCount"], 5);
  EXPECT_EQ(response["Count"], 3);  // 0, 2, 4
  EXPECT_EQ(response["LastEvaluatedKey"], json({{"pk", S("p")}, {"sk", N("4")}}));
}

// A caller that only writes answers out (the HTTP front: call_context::renders_text) gets GetItem,
// Query and Scan items as text written from their bytes; the text must be the plain answer's,
// byte for byte, for every kind of read, and the reads that look at their items (projections,
// filters, segments, PartiQL) must go on answering values.
TEST_F(ServiceTest, AnswersForTextAreThePlainAnswersText) {
  create_orders_table();
  put({{"pk", S("a")}, {"sk", N("1")}, {"state", S("open")}, {"n", N("-12.50")}, {"b", {{"B", "AAEC"}}}});
  put({{"pk", S("a")}, {"sk", N("2")}, {"state", S("open")}, {"l", {{"L", {S("x\n\"y"), N("1")}}}}});
  put({{"pk", S("a")},
       {"sk", N("3")},
       {"m", {{"M", {{"z", {{"NULL", true}}}, {"a", {{"BOOL", false}}}}}}},
       {"ss", {{"SS", {"b", "a"}}}},
       {"text", S("caf\xc3\xa9 \x01")}});
  core::call_context for_text;
  for_text.renders_text = true;
  const json key = {{"pk", S("a")}, {"sk", N("1")}};
  const json query = {{"TableName", "orders"},
                      {"KeyConditionExpression", "pk = :p"},
                      {"ExpressionAttributeValues", {{":p", S("a")}}},
                      {"ReturnConsumedCapacity", "INDEXES"}};
  auto with = [](json request, const json& more) {
    request.merge_patch(more);
    return request;
  };
  const json third = {{"pk", S("a")}, {"sk", N("3")}};
  const json missing = {{"pk", S("none")}, {"sk", N("1")}};
  json batch_get = {{"ReturnConsumedCapacity", "TOTAL"}};
  batch_get["RequestItems"]["orders"]["Keys"] = json::array({key, third, missing});
  json batch_get_projected;
  batch_get_projected["RequestItems"]["orders"] = {{"Keys", json::array({key})},
                                                   {"ProjectionExpression", "sk"}};
  struct read {
    std::string operation;
    json request;
    const char* spliced;  // the member holding spliced items, or null where none may be
  };
  const std::vector<read> reads = {
      {"GetItem", {{"TableName", "orders"}, {"Key", key}, {"ReturnConsumedCapacity", "TOTAL"}}, "Item"},
      {"GetItem", {{"TableName", "orders"}, {"Key", key}, {"ProjectionExpression", "n"}}, nullptr},
      {"GetItem", {{"TableName", "orders"}, {"Key", {{"pk", S("none")}, {"sk", N("1")}}}}, nullptr},
      {"Query", query, "Items"},
      {"Query", with(query, {{"Limit", 2}, {"ScanIndexForward", false}}), "Items"},
      {"Query", with(query, {{"FilterExpression", "attribute_exists(l)"}}), nullptr},
      {"Query", with(query, {{"Select", "COUNT"}}), nullptr},
      {"Query",
       {{"TableName", "orders"},
        {"IndexName", "byState"},
        {"KeyConditionExpression", "#s = :s"},
        {"ExpressionAttributeNames", {{"#s", "state"}}},
        {"ExpressionAttributeValues", {{":s", S("open")}}}},
       "Items"},
      {"Scan", {{"TableName", "orders"}, {"ReturnConsumedCapacity", "TOTAL"}}, "Items"},
      {"Scan", {{"TableName", "orders"}, {"ProjectionExpression", "pk, m.z"}}, nullptr},
      {"Scan", {{"TableName", "orders"}, {"Segment", 0}, {"TotalSegments", 1}}, nullptr},
      {"ExecuteStatement", {{"Statement", "SELECT n FROM orders WHERE pk = 'a'"}}, nullptr},
      {"BatchGetItem", batch_get, "Responses"},
      {"BatchGetItem", batch_get_projected, nullptr},
      {"BatchExecuteStatement",
       {{"Statements", {{{"Statement", "SELECT sk FROM orders WHERE pk = 'a' AND sk = 2"}}}}},
       nullptr},
  };
  for (const read& r : reads) {
    SCOPED_TRACE(r.operation + " " + core::to_json_text(r.request));
    const json plain = call(r.operation, r.request);
    core::call_result result = emulator_->client().call("dynamodb", r.operation, r.request, for_text);
    ASSERT_FALSE(result.error) << result.error->message();
    EXPECT_EQ(core::to_json_text(result.body), core::to_json_text(plain));
    // Whether the items came as spliced text: every one where the read may splice, none elsewhere.
    bool any_spliced = false;
    bool all_spliced = true;
    auto look = [&](const json& item) {
      const bool spliced = item.is_binary() && item.get_binary().subtype() == core::spliced_text_subtype;
      any_spliced = any_spliced || spliced;
      all_spliced = all_spliced && spliced;
    };
    // An Item on its own; Items as one text, the whole list; BatchGetItem's list of each table.
    if (result.body.contains("Item")) look(result.body["Item"]);
    if (r.operation == "BatchGetItem") {
      for (const json& found : result.body["Responses"]) {
        look(found);
        if (found.is_array()) {
          for (const json& item : found) look(item);
        }
      }
    }
    if (result.body.contains("Items")) {
      look(result.body["Items"]);
      if (result.body["Items"].is_array()) {
        for (const json& item : result.body["Items"]) look(item);
      }
    }
    if (r.spliced != nullptr) {
      EXPECT_TRUE(all_spliced && any_spliced);
    } else {
      EXPECT_FALSE(any_spliced);
    }
  }
}

TEST_F(ServiceTest, GlobalIndexFollowsEveryKindOfWrite) {
  create_orders_table();
  auto on_index = [&](const std::string& state) {
    json response = call("Query", {{"TableName", "orders"},
                                   {"IndexName", "byState"},
                                   {"KeyConditionExpression", "#s = :s"},
                                   {"ExpressionAttributeNames", {{"#s", "state"}}},
                                   {"ExpressionAttributeValues", {{":s", S(state)}}}});
    return response["Count"].get<int>();
  };
  put({{"pk", S("a")}, {"sk", N("1")}, {"state", S("open")}});
  put({{"pk", S("b")}, {"sk", N("1")}});  // sparse: not on the index
  EXPECT_EQ(on_index("open"), 1);

  call("UpdateItem", {{"TableName", "orders"},
                      {"Key", {{"pk", S("a")}, {"sk", N("1")}}},
                      {"UpdateExpression", "SET #s = :s"},
                      {"ExpressionAttributeNames", {{"#s", "state"}}},
                      {"ExpressionAttributeValues", {{":s", S("closed")}}}});
  EXPECT_EQ(on_index("open"), 0);
  EXPECT_EQ(on_index("closed"), 1);

  call("UpdateItem", {{"TableName", "orders"},
                      {"Key", {{"pk", S("b")}, {"sk", N("1")}}},
                      {"UpdateExpression", "SET #s = :s"},
                      {"ExpressionAttributeNames", {{"#s", "state"}}},
                      {"ExpressionAttributeValues", {{":s", S("closed")}}}});
  EXPECT_EQ(on_index("closed"), 2);

  call("DeleteItem", {{"TableName", "orders"}, {"Key", {{"pk", S("a")}, {"sk", N("1")}}}});
  EXPECT_EQ(on_index("closed"), 1);
  EXPECT_EQ(
      error_of("PutItem",
               {{"TableName", "orders"}, {"Item", {{"pk", S("c")}, {"sk", N("1")}, {"state", N("3")}}}}),
      "ValidationException: One or more parameter values were invalid: Type mismatch for Index Key state "
      "Expected: S Actual: N IndexName: byState");
}

TEST_F(ServiceTest, UpdateTableBackfillsANewIndex) {
  create_orders_table();
  for (int i = 0; i < 4; ++i)
    put({{"pk", S("p")}, {"sk", N(std::to_string(i))}, {"owner", S(i < 3 ? "ann" : "bob")}});
  call("UpdateTable", {{"TableName", "orders"},
                       {"AttributeDefinitions", {{{"AttributeName", "owner"}, {"AttributeType", "S"}}}},
                       {"GlobalSecondaryIndexUpdates",
                        {{{"Create",
                           {{"IndexName", "byOwner"},
                            {"KeySchema", {{{"AttributeName", "owner"}, {"KeyType", "HASH"}}}},
                            {"Projection", {{"ProjectionType", "KEYS_ONLY"}}}}}}}}});
  json response = call("Query", {{"TableName", "orders"},
                                 {"IndexName", "byOwner"},
                                 {"KeyConditionExpression", "#o = :o"},
                                 {"ExpressionAttributeNames", {{"#o", "owner"}}},
                                 {"ExpressionAttributeValues", {{":o", S("ann")}}}});
  EXPECT_EQ(response["Count"], 3);
  // KEYS_ONLY: the table key and the index key, nothing else.
  EXPECT_EQ(response["Items"][0].size(), 3u);
}

TEST_F(ServiceTest, TransactionIsAllOrNothing) {
  create_orders_table();
  put({{"pk", S("a")}, {"sk", N("1")}, {"n", N("1")}});
  json request{{"TransactItems",
                {{{"Update",
                   {{"TableName", "orders"},
                    {"Key", {{"pk", S("a")}, {"sk", N("1")}}},
                    {"UpdateExpression", "SET n = n + :one"},
                    {"ExpressionAttributeValues", {{":one", N("1")}}}}}},
                 {{"ConditionCheck",
                   {{"TableName", "orders"},
                    {"Key", {{"pk", S("missing")}, {"sk", N("1")}}},
                    {"ConditionExpression", "attribute_exists(pk)"}}}}}}};
  try {
    call("TransactWriteItems", request);
    FAIL() << "expected TransactionCanceledException";
  } catch (const core::aws_error& e) {
    EXPECT_EQ(e.name(), "TransactionCanceledException");
    EXPECT_EQ(e.message(),
              "Transaction cancelled, please refer cancellation reasons for specific reasons [None, "
              "ConditionalCheckFailed]");
    EXPECT_EQ(e.extra()["CancellationReasons"][1]["Code"], "ConditionalCheckFailed");
  }
  json item = call("GetItem", {{"TableName", "orders"}, {"Key", {{"pk", S("a")}, {"sk", N("1")}}}})["Item"];
  EXPECT_EQ(item["n"], N("1"));
}

TEST_F(ServiceTest, ConditionFailureReturnsOldItemWhenAsked) {
  create_orders_table();
  put({{"pk", S("a")}, {"sk", N("1")}, {"v", S("old")}});
  try {
    call("PutItem", {{"TableName", "orders"},
                     {"Item", {{"pk", S("a")}, {"sk", N("1")}}},
                     {"ConditionExpression", "attribute_not_exists(pk)"},
                     {"ReturnValuesOnConditionCheckFailure", "ALL_OLD"}});
    FAIL() << "expected ConditionalCheckFailedException";
  } catch (const core::aws_error& e) {
    EXPECT_EQ(e.name(), "ConditionalCheckFailedException");
    EXPECT_EQ(e.extra()["Item"]["v"], S("old"));
  }
}

TEST_F(ServiceTest, KeyValidation) {
  create_orders_table();
  EXPECT_EQ(error_of("GetItem", {{"TableName", "orders"}, {"Key", {{"pk", S("a")}}}}),
            "ValidationException: The provided key element does not match the schema");
  EXPECT_EQ(error_of("PutItem", {{"TableName", "orders"}, {"Item", {{"pk", S("a")}}}}),
            "ValidationException: One or more parameter values were invalid: Missing the key sk in the item");
  EXPECT_EQ(error_of("PutItem", {{"TableName", "orders"}, {"Item", {{"pk", N("1")}, {"sk", N("1")}}}}),
            "ValidationException: One or more parameter values were invalid: Type mismatch for key pk "
            "expected: S actual: N");
  EXPECT_EQ(error_of("PutItem", {{"TableName", "orders"},
                                 {"Item", {{"pk", S(std::string(2049, 'x'))}, {"sk", N("1")}}}}),
            "ValidationException: One or more parameter values were invalid: Size of hashkey has exceeded "
            "the maximum size "
            "limit of2048 bytes");
  EXPECT_EQ(error_of("UpdateItem", {{"TableName", "orders"},
                                    {"Key", {{"pk", S("a")}, {"sk", N("1")}}},
                                    {"UpdateExpression", "SET pk = :v"},
                                    {"ExpressionAttributeValues", {{":v", S("b")}}}}),
            "ValidationException: One or more parameter values were invalid: Cannot update attribute pk. "
            "This attribute is "
            "part of the key");
}

TEST_F(ServiceTest, ItemSizeLimit) {
  create_orders_table();
  // 400 KB counts the attribute names too: this item is just over.
  json item{{"pk", S("a")}, {"sk", N("1")}, {"blob", S(std::string(400 * 1024 - 10, 'x'))}};
  EXPECT_EQ(error_of("PutItem", {{"TableName", "orders"}, {"Item", item}}),
            "ValidationException: Item size has exceeded the maximum allowed size");
  item["blob"] = S(std::string(400 * 1024 - 100, 'x'));
  EXPECT_EQ(error_of("PutItem", {{"TableName", "orders"}, {"Item", item}}), "no error");
}

TEST_F(ServiceTest, BatchWriteLimitAndDuplicates) {
  create_orders_table();
  json requests = json::array();
  for (int i = 0; i < 26; ++i)
    requests.push_back({{"PutRequest", {{"Item", {{"pk", S("p")}, {"sk", N(std::to_string(i))}}}}}});
  EXPECT_NE(
      error_of("BatchWriteItem", {{"RequestItems", {{"orders", requests}}}}).find("ValidationException"),
      std::string::npos);
  requests.erase(requests.begin() + 25);
  EXPECT_EQ(error_of("BatchWriteItem", {{"RequestItems", {{"orders", requests}}}}), "no error");
  EXPECT_EQ(call("Scan", {{"TableName", "orders"}, {"Select", "COUNT"}})["Count"], 25);
  json duplicate = json::array({requests[0], requests[0]});
  EXPECT_EQ(error_of("BatchWriteItem", {{"RequestItems", {{"orders", duplicate}}}}),
            "ValidationException: Provided list of item keys contains duplicates");
}

TEST_F(ServiceTest, ParallelScanSegmentsPartitionTheTable) {
  create_orders_table();
  for (int i = 0; i < 60; ++i) put({{"pk", S("p" + std::to_string(i))}, {"sk", N("0")}});
  std::set<std::string> seen;
  int total = 0;
  for (int segment = 0; segment < 4; ++segment) {
    json response = call("Scan", {{"TableName", "orders"}, {"Segment", segment}, {"TotalSegments", 4}});
    for (const auto& item : response["Items"]) seen.insert(item["pk"]["S"].get<std::string>());
    total += response["Count"].get<int>();
  }
  EXPECT_EQ(total, 60);
  EXPECT_EQ(seen.size(), 60u);
  // One without the other, and a segment past the last (dynalite's tests, pinned against DynamoDB).
  EXPECT_EQ(error_of("Scan", {{"TableName", "orders"}, {"Segment", 1}}),
            "ValidationException: The TotalSegments parameter is required but was not present in the request "
            "when Segment parameter is present");
  EXPECT_EQ(error_of("Scan", {{"TableName", "orders"}, {"TotalSegments", 4}}),
            "ValidationException: The Segment parameter is required but was not present in the request when "
            "parameter TotalSegments is present");
  EXPECT_EQ(error_of("Scan", {{"TableName", "orders"}, {"Segment", 4}, {"TotalSegments", 4}}),
            "ValidationException: The Segment parameter is zero-based and must be less than parameter "
            "TotalSegments: Segment: 4 is not less than TotalSegments: 4");
}

TEST_F(ServiceTest, ScanStopsAtOneMegabyte) {
  create_orders_table();
  for (int i = 0; i < 30; ++i)
    put({{"pk", S("p" + std::to_string(i))}, {"sk", N("0")}, {"blob", S(std::string(100 * 1024, 'x'))}});
  json first = call("Scan", {{"TableName", "orders"}});
  // 100 KB items: the page that reaches 1 MB holds 11 of them (10 make 1,000 KB < 1,024 KB).
  EXPECT_EQ(first["Count"], 11);
  ASSERT_TRUE(first.contains("LastEvaluatedKey"));
  json rest = call("Scan", {{"TableName", "orders"}, {"ExclusiveStartKey", first["LastEvaluatedKey"]}});
  json last = call("Scan", {{"TableName", "orders"}, {"ExclusiveStartKey", rest["LastEvaluatedKey"]}});
  EXPECT_EQ(first["Count"].get<int>() + rest["Count"].get<int>() + last["Count"].get<int>(), 30);
  EXPECT_FALSE(last.contains("LastEvaluatedKey"));
}

TEST_F(ServiceTest, LegacyParametersRunOnTheExpressionEngine) {
  create_orders_table();
  const json key{{"pk", S("a")}, {"sk", N("1")}};
  // Expected with Exists=false is attribute_not_exists: the first put wins, the second fails.
  json put{{"TableName", "orders"},
           {"Item", {{"pk", S("a")}, {"sk", N("1")}, {"n", N("1")}, {"tags", {{"SS", {"x"}}}}}},
           {"Expected", {{"pk", {{"Exists", false}}}}}};
  EXPECT_EQ(error_of("PutItem", put), "no error");
  EXPECT_EQ(error_of("PutItem", put), "ConditionalCheckFailedException: The conditional request failed");

  // AttributeUpdates ADD on a number and PUT of a reserved word ("status") need no placeholders.
  call("UpdateItem",
       {{"TableName", "orders"},
        {"Key", key},
        {"AttributeUpdates",
         {{"n", {{"Action", "ADD"}, {"Value", N("41")}}}, {"status", {{"Value", S("open")}}}}}});
  json item =
      call("GetItem", {{"TableName", "orders"}, {"Key", key}, {"AttributesToGet", {"n", "status"}}})["Item"];
  EXPECT_EQ(item, json({{"n", N("42")}, {"status", S("open")}}));

  put["Item"] = {{"pk", S("a")}, {"sk", N("2")}, {"n", N("7")}};
  put.erase("Expected");
  call("PutItem", put);
  // KeyConditions with a QueryFilter joined by OR.
  json response = call("Query", {{"TableName", "orders"},
                                 {"KeyConditions",
                                  {{"pk", {{"ComparisonOperator", "EQ"}, {"AttributeValueList", {S("a")}}}},
                                   {"sk", {{"ComparisonOperator", "GE"}, {"AttributeValueList", {N("1")}}}}}},
                                 {"QueryFilter",
                                  {{"n", {{"ComparisonOperator", "GT"}, {"AttributeValueList", {N("40")}}}},
                                   {"status", {{"ComparisonOperator", "NULL"}}}}},
                                 {"ConditionalOperator", "OR"}});
  EXPECT_EQ(response["ScannedCount"], 2);
  EXPECT_EQ(response["Count"], 2);  // sk 1 by n > 40, sk 2 by status absent
  response = call(
      "Query", {{"TableName", "orders"},
                {"KeyConditions", {{"pk", {{"ComparisonOperator", "EQ"}, {"AttributeValueList", {S("a")}}}}}},
                {"QueryFilter",
                 {{"n", {{"ComparisonOperator", "GT"}, {"AttributeValueList", {N("40")}}}},
                  {"status", {{"ComparisonOperator", "NULL"}}}}}});
  EXPECT_EQ(response["Count"], 0);  // AND: no item has both

  EXPECT_EQ(
      error_of(
          "GetItem",
          {{"TableName", "orders"}, {"Key", key}, {"AttributesToGet", {"n"}}, {"ProjectionExpression", "n"}}),
      "ValidationException: Can not use both expression and non-expression parameters in the same request: "
      "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}");
}

TEST_F(ServiceTest, ExpressionsAreLimitedTo4096Bytes) {
  create_orders_table();
  auto filter_of_size = [](std::size_t size) {
    std::string text = "attribute_exists(a)";
    while (text.size() + 24 <= size) text += " OR attribute_exists(a)";
    text += std::string(size - text.size(), ' ');
    return text;
  };
  EXPECT_EQ(error_of("Scan", {{"TableName", "orders"}, {"FilterExpression", filter_of_size(4096)}}),
            "no error");
  EXPECT_EQ(
      error_of("Scan", {{"TableName", "orders"}, {"FilterExpression", filter_of_size(4097)}}),
      "ValidationException: Invalid FilterExpression: Expression size has exceeded the maximum allowed size; "
      "expression size: 4097");
}

TEST_F(ServiceTest, DataSurvivesReopen) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("fogbank-service-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  open(dir.string());
  create_orders_table();
  put({{"pk", S("a")}, {"sk", N("1")}, {"state", S("open")}});
  open(dir.string());
  json item = call("GetItem", {{"TableName", "orders"}, {"Key", {{"pk", S("a")}, {"sk", N("1")}}}});
  EXPECT_EQ(item["Item"]["state"], S("open"));
  // Ids allocated after a restart must not collide with existing tables' ids.
  call("CreateTable", {{"TableName", "second"},
                       {"BillingMode", "PAY_PER_REQUEST"},
                       {"AttributeDefinitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
                       {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}}});
  EXPECT_EQ(call("Scan", {{"TableName", "second"}})["Count"], 0);
  EXPECT_EQ(call("Scan", {{"TableName", "orders"}})["Count"], 1);
  emulator_.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fogbank::dynamodb
