// Limits DynamoDB enforces on secondary indexes and transactions (issue 11): key values an index
// cannot hold (refused on write, left out by a backfill) and the 4 MB transaction, through the
// service as every caller reaches it.

#include "service_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace fogbank::dynamodb {
namespace {

using nlohmann::json;
using test::N;
using test::S;

json limits_key(const std::string& name, const char* type) {
  return {{"AttributeName", name}, {"KeyType", type}};
}
json limits_definition(const std::string& name, const char* type) {
  return {{"AttributeName", name}, {"AttributeType", type}};
}

class IndexLimitsTest : public test::service_fixture {
 protected:
  // pk/sk (S, S); GSI byG on (g, h), LSI byL on (pk, l); all S.
  void SetUp() override {
    service_fixture::SetUp();
    call("CreateTable",
         {{"TableName", "tbl"},
          {"BillingMode", "PAY_PER_REQUEST"},
          {"AttributeDefinitions",
           {limits_definition("pk", "S"), limits_definition("sk", "S"), limits_definition("g", "S"),
            limits_definition("h", "S"), limits_definition("l", "S")}},
          {"KeySchema", {limits_key("pk", "HASH"), limits_key("sk", "RANGE")}},
          {"GlobalSecondaryIndexes",
           {{{"IndexName", "byG"},
             {"KeySchema", {limits_key("g", "HASH"), limits_key("h", "RANGE")}},
             {"Projection", {{"ProjectionType", "ALL"}}}}}},
          {"LocalSecondaryIndexes",
           {{{"IndexName", "byL"},
             {"KeySchema", {limits_key("pk", "HASH"), limits_key("l", "RANGE")}},
             {"Projection", {{"ProjectionType", "KEYS_ONLY"}}}}}}});
  }

  std::string put_error(json item) {
    item["pk"] = S("p");
    item["sk"] = S("s");
    return error_of("PutItem", {{"TableName", "tbl"}, {"Item", item}});
  }
  json scan_index(const std::string& index) {
    return call("Scan", {{"TableName", "tbl"}, {"IndexName", index}})["Items"];
  }
  json get(const std::string& pk, const std::string& sk) {
    return call("GetItem", {{"TableName", "tbl"}, {"Key", {{"pk", S(pk)}, {"sk", S(sk)}}}});
  }
};

// DynamoDB's wording as users quote it from AWS (dynalite issue 35, wellcomecollection/platform
// issue 2285): "... Size limit exceeded for Index Key c Actual Size: 43398 bytes Max Size: 2048
// bytes IndexName: index4". The 1024-byte form for an index sort key follows the same pattern
// (unconfirmed against AWS).
TEST_F(IndexLimitsTest, AGsiPartitionKeyOver2048BytesIsRefused) {
  EXPECT_EQ(put_error({{"g", S(std::string(2048, 'g'))}, {"h", S("h")}}), "no error");
  EXPECT_EQ(
      put_error({{"g", S(std::string(2049, 'g'))}}),
      "ValidationException: One or more parameter values were invalid: Size limit exceeded for Index Key g "
      "Actual Size: 2049 bytes Max Size: 2048 bytes IndexName: byG");
  // The refused write changed nothing: the 2048-byte value is still the one stored and indexed.
  EXPECT_EQ(get("p", "s")["Item"]["g"]["S"].get<std::string>().size(), 2048u);
  EXPECT_EQ(scan_index("byG").size(), 1u);
}

TEST_F(IndexLimitsTest, IndexSortKeysOver1024BytesAreRefused) {
  EXPECT_EQ(put_error({{"g", S("g")}, {"h", S(std::string(1024, 'h'))}}), "no error");
  EXPECT_EQ(
      put_error({{"g", S("g")}, {"h", S(std::string(1025, 'h'))}}),
      "ValidationException: One or more parameter values were invalid: Size limit exceeded for Index Key h "
      "Actual Size: 1025 bytes Max Size: 1024 bytes IndexName: byG");
  // An LSI sort key of 1024 bytes beside a table sort key of 1024 bytes is accepted: the limit is
  // per key, not "aggregated" (ScyllaDB Alternator's test_limit_sort_key_len_lsi, against AWS).
  EXPECT_EQ(
      error_of(
          "PutItem",
          {{"TableName", "tbl"},
           {"Item", {{"pk", S("p")}, {"sk", S(std::string(1024, 's'))}, {"l", S(std::string(1024, 'l'))}}}}),
      "no error");
  EXPECT_EQ(
      put_error({{"l", S(std::string(1025, 'l'))}}),
      "ValidationException: One or more parameter values were invalid: Size limit exceeded for Index Key l "
      "Actual Size: 1025 bytes Max Size: 1024 bytes IndexName: byL");
}

TEST_F(IndexLimitsTest, SizesCountUtf8Bytes) {
  // 683 three-byte characters: 2049 bytes, though only 683 characters.
  std::string wide;
  for (int i = 0; i < 683; ++i) wide += "\xe2\x82\xac";
  EXPECT_EQ(
      put_error({{"g", S(wide)}}),
      "ValidationException: One or more parameter values were invalid: Size limit exceeded for Index Key g "
      "Actual Size: 2049 bytes Max Size: 2048 bytes IndexName: byG");
}

TEST_F(IndexLimitsTest, UpdatesBatchesAndTransactionsAreRefusedToo) {
  const std::string message =
      "ValidationException: One or more parameter values were invalid: Size limit exceeded for Index Key g "
      "Actual Size: 2049 bytes Max Size: 2048 bytes IndexName: byG";
  const json too_long = S(std::string(2049, 'g'));
  EXPECT_EQ(error_of("UpdateItem", {{"TableName", "tbl"},
                                    {"Key", {{"pk", S("p")}, {"sk", S("s")}}},
                                    {"UpdateExpression", "SET g = :g"},
                                    {"ExpressionAttributeValues", {{":g", too_long}}}}),
            message);
  const json item{{"pk", S("p")}, {"sk", S("s")}, {"g", too_long}};
  EXPECT_EQ(error_of("BatchWriteItem", {{"RequestItems", {{"tbl", {{{"PutRequest", {{"Item", item}}}}}}}}}),
            message);
  EXPECT_EQ(error_of("TransactWriteItems",
                     {{"TransactItems", {{{"Put", {{"TableName", "tbl"}, {"Item", item}}}}}}}),
            message);
  EXPECT_FALSE(get("p", "s").contains("Item"));
}

// A backfill does not fail on an item an index cannot hold: the item stays in the table and the
// index has no entry for it ("Detecting and correcting index key violations", DynamoDB developer
// guide, GSI.OnlineOps.ViolationDetection: too long, empty, or of another type). Once the index
// exists, writes that would violate it are refused.
TEST_F(IndexLimitsTest, ABackfillLeavesOutItemsTheIndexCannotHold) {
  auto put = [&](const std::string& sk, const json& v) {
    call("PutItem", {{"TableName", "tbl"}, {"Item", {{"pk", S("p")}, {"sk", S(sk)}, {"v", v}}}});
  };
  put("fits", S(std::string(2048, 'v')));
  put("long", S(std::string(2049, 'v')));
  put("empty", S(""));
  put("number", N("1"));
  call("UpdateTable", {{"TableName", "tbl"},
                       {"AttributeDefinitions", {limits_definition("v", "S")}},
                       {"GlobalSecondaryIndexUpdates",
                        {{{"Create",
                           {{"IndexName", "byV"},
                            {"KeySchema", {limits_key("v", "HASH")}},
                            {"Projection", {{"ProjectionType", "KEYS_ONLY"}}}}}}}}});
  const json indexed = scan_index("byV");
  ASSERT_EQ(indexed.size(), 1u);
  EXPECT_EQ(indexed[0]["sk"], S("fits"));
  for (const char* sk : {"long", "empty", "number"}) EXPECT_TRUE(get("p", sk).contains("Item")) << sk;

  // The left-out items can be rewritten within the limit, or deleted, like any other.
  call("UpdateItem", {{"TableName", "tbl"},
                      {"Key", {{"pk", S("p")}, {"sk", S("long")}}},
                      {"UpdateExpression", "SET v = :v"},
                      {"ExpressionAttributeValues", {{":v", S("short")}}}});
  call("DeleteItem", {{"TableName", "tbl"}, {"Key", {{"pk", S("p")}, {"sk", S("empty")}}}});
  EXPECT_EQ(scan_index("byV").size(), 2u);
  EXPECT_EQ(
      error_of("UpdateItem", {{"TableName", "tbl"},
                              {"Key", {{"pk", S("p")}, {"sk", S("long")}}},
                              {"UpdateExpression", "SET v = :v"},
                              {"ExpressionAttributeValues", {{":v", S(std::string(2049, 'v'))}}}}),
      "ValidationException: One or more parameter values were invalid: Size limit exceeded for Index Key v "
      "Actual Size: 2049 bytes Max Size: 2048 bytes IndexName: byV");
  EXPECT_EQ(get("p", "long")["Item"]["v"], S("short"));
}

// "The aggregate size of the items in the transaction cannot exceed 4 MB" (API_TransactWriteItems):
// ten items of almost 400 KB fit, eleven do not. The message quotes the API reference (DynamoDB's
// own wording unconfirmed).
TEST_F(IndexLimitsTest, ATransactionOver4MegabytesIsRefused) {
  auto puts = [](int count) {
    json actions = json::array();
    for (int i = 0; i < count; ++i) {
      json item{{"pk", S("p")}, {"sk", S(std::to_string(i))}, {"v", S(std::string(400 * 1024 - 100, 'v'))}};
      actions.push_back({{"Put", {{"TableName", "tbl"}, {"Item", item}}}});
    }
    return json{{"TransactItems", actions}};
  };
  EXPECT_EQ(error_of("TransactWriteItems", puts(11)),
            "ValidationException: The aggregate size of the items in the transaction cannot exceed 4 MB");
  EXPECT_EQ(call("Scan", {{"TableName", "tbl"}})["Count"], 0);
  EXPECT_EQ(error_of("TransactWriteItems", puts(10)), "no error");
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(get("p", std::to_string(i)).contains("Item")) << i;
}

// Updates count with the items they leave: eleven small updates of items of almost 400 KB are
// over 4 MB once applied, though the request is tiny; ten are not.
TEST_F(IndexLimitsTest, ATransactionsUpdatesCountWithTheItemsTheyLeave) {
  for (int i = 0; i < 11; ++i) {
    call("PutItem",
         {{"TableName", "tbl"},
          {"Item",
           {{"pk", S("p")}, {"sk", S(std::to_string(i))}, {"v", S(std::string(400 * 1024 - 100, 'v'))}}}});
  }
  auto updates = [](int count) {
    json actions = json::array();
    for (int i = 0; i < count; ++i) {
      actions.push_back({{"Update",
                          {{"TableName", "tbl"},
                           {"Key", {{"pk", S("p")}, {"sk", S(std::to_string(i))}}},
                           {"UpdateExpression", "SET n = :n"},
                           {"ExpressionAttributeValues", {{":n", N("1")}}}}}});
    }
    return json{{"TransactItems", actions}};
  };
  EXPECT_EQ(error_of("TransactWriteItems", updates(11)),
            "ValidationException: The aggregate size of the items in the transaction cannot exceed 4 MB");
  for (int i = 0; i < 11; ++i) EXPECT_FALSE(get("p", std::to_string(i))["Item"].contains("n")) << i;
  EXPECT_EQ(error_of("TransactWriteItems", updates(10)), "no error");
  for (int i = 0; i < 10; ++i) EXPECT_EQ(get("p", std::to_string(i))["Item"]["n"], N("1")) << i;
}

// Both captured against AWS in ack-api-quirks' DynamoDB message catalogue; the second also
// quoted in scylladb/scylladb#13870.
TEST_F(IndexLimitsTest, DuplicateProjectedAttributesAndDefinitionsAreRefused) {
  auto create = [&](const json& definitions, const json& non_key) {
    return error_of("CreateTable",
                    {{"TableName", "other"},
                     {"BillingMode", "PAY_PER_REQUEST"},
                     {"AttributeDefinitions", definitions},
                     {"KeySchema", {limits_key("pk", "HASH")}},
                     {"GlobalSecondaryIndexes",
                      {{{"IndexName", "byG"},
                        {"KeySchema", {limits_key("g", "HASH")}},
                        {"Projection", {{"ProjectionType", "INCLUDE"}, {"NonKeyAttributes", non_key}}}}}}});
  };
  const json definitions{limits_definition("pk", "S"), limits_definition("g", "S")};
  EXPECT_EQ(create(definitions, {"a", "b", "a"}),
            "ValidationException: One or more parameter values were invalid: Duplicate element in "
            "NonKeyAttributes: a");
  json twice = definitions;
  twice.push_back({{"AttributeName", "g"}, {"AttributeType", "N"}});
  EXPECT_EQ(create(twice, {"a"}), "ValidationException: Attribute Name is duplicated: g");
  // The same through UpdateTable: nothing is created.
  EXPECT_EQ(
      error_of("UpdateTable",
               {{"TableName", "tbl"},
                {"AttributeDefinitions", {limits_definition("x", "S")}},
                {"GlobalSecondaryIndexUpdates",
                 {{{"Create",
                    {{"IndexName", "byX"},
                     {"KeySchema", {limits_key("x", "HASH")}},
                     {"Projection", {{"ProjectionType", "INCLUDE"}, {"NonKeyAttributes", {"c", "c"}}}}}}}}}}),
      "ValidationException: One or more parameter values were invalid: Duplicate element in "
      "NonKeyAttributes: c");
  EXPECT_EQ(create(definitions, {"a", "b"}), "no error");
  EXPECT_EQ(call("DescribeTable", {{"TableName", "tbl"}})["Table"]["GlobalSecondaryIndexes"].size(), 1u);
}

// A Query's filter may not read a key attribute of the table or index it queries (those go in
// the key condition); DynamoDB names the first in key schema order (dynalite's query.js, pinned
// against DynamoDB). Other attributes, paths inside them and Scans are fine.
TEST_F(IndexLimitsTest, AQueryFilterMayNotReadTheQueriedKey) {
  auto query = [&](const std::string& filter, const std::string& index = "") {
    json request{{"TableName", "tbl"},
                 {"KeyConditionExpression", index == "byG" ? "g = :k" : "pk = :k"},
                 {"FilterExpression", filter},
                 {"ExpressionAttributeNames", {{"#x", "sk"}}},
                 {"ExpressionAttributeValues", {{":k", S("p")}, {":v", S("v")}, {":n", N("1")}}}};
    if (!index.empty()) request["IndexName"] = index;
    if (filter.find("#x") == std::string::npos) request.erase("ExpressionAttributeNames");
    if (filter.find(":v") == std::string::npos) request["ExpressionAttributeValues"].erase(":v");
    if (filter.find(":n") == std::string::npos) request["ExpressionAttributeValues"].erase(":n");
    return error_of("Query", request);
  };
  const std::string refused =
      "ValidationException: Filter Expression can only contain non-primary key attributes: "
      "Primary key attribute: ";
  EXPECT_EQ(query("sk = :v"), refused + "sk");
  EXPECT_EQ(query("g = :v AND attribute_exists(sk) AND pk = :v"), refused + "pk");
  EXPECT_EQ(query("size(#x.part[0]) > :n"), refused + "sk");
  EXPECT_EQ(query("NOT (l = :v OR begins_with(sk, :v))"), refused + "sk");
  EXPECT_EQ(query("g = :v AND h = :v"), "no error");
  // An index's own key, not the table's, is what its Query may not filter on.
  EXPECT_EQ(query("sk = :v AND pk = :v", "byG"), "no error");
  EXPECT_EQ(query("h = :v", "byG"), refused + "h");
  EXPECT_EQ(query("l = :v", "byL"), refused + "l");
  EXPECT_EQ(query("sk = :v", "byL"), "no error");
  // The legacy QueryFilter is named as such.
  EXPECT_EQ(
      error_of("Query",
               {{"TableName", "tbl"},
                {"KeyConditions", {{"pk", {{"ComparisonOperator", "EQ"}, {"AttributeValueList", {S("p")}}}}}},
                {"QueryFilter", {{"sk", {{"ComparisonOperator", "EQ"}, {"AttributeValueList", {S("v")}}}}}}}),
      "ValidationException: QueryFilter can only contain non-primary key attributes: Primary key "
      "attribute: sk");
  EXPECT_EQ(error_of("Scan", {{"TableName", "tbl"},
                              {"FilterExpression", "pk = :v AND sk = :v"},
                              {"ExpressionAttributeValues", {{":v", S("v")}}}}),
            "no error");
}

}  // namespace
}  // namespace fogbank::dynamodb
