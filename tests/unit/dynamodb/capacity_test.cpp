// ReturnConsumedCapacity (capacity.hpp): units per operation as the developer guide computes
// them, on tables with and without indexes. Item sizes: attribute names plus values in UTF-8
// bytes ("Item sizes and formats"); each test says how it arrives at its numbers.

#include "capacity.hpp"
#include "service_fixture.hpp"

#include <string>

namespace fogbank::dynamodb::test {
namespace {

// An item of exactly `bytes` bytes: pk (2) + its value + "data" (4) + the padding.
json sized_item(const std::string& pk, std::size_t bytes) {
  return {{"pk", S(pk)}, {"data", S(std::string(bytes - 2 - pk.size() - 4, 'x'))}};
}

class CapacityTest : public service_fixture {
 protected:
  // pk (S); with `index`, a GSI "by_g" on g (S) projecting KEYS_ONLY.
  std::string create(bool index) {
    json request{{"TableName", "tbl"},
                 {"BillingMode", "PAY_PER_REQUEST"},
                 {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}},
                 {"AttributeDefinitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}}};
    if (index) {
      request["AttributeDefinitions"].push_back({{"AttributeName", "g"}, {"AttributeType", "S"}});
      request["GlobalSecondaryIndexes"] = {{{"IndexName", "by_g"},
                                            {"KeySchema", {{{"AttributeName", "g"}, {"KeyType", "HASH"}}}},
                                            {"Projection", {{"ProjectionType", "KEYS_ONLY"}}}}};
    }
    call("CreateTable", request);
    return "tbl";
  }
  json put(const json& item, const std::string& mode = "INDEXES") {
    return call("PutItem",
                {{"TableName", "tbl"}, {"Item", item}, {"ReturnConsumedCapacity", mode}})["ConsumedCapacity"];
  }
};

TEST_F(CapacityTest, ReadsRoundUpTo4KbAndHalveWhenEventuallyConsistent) {
  create(false);
  call("PutItem", {{"TableName", "tbl"}, {"Item", sized_item("a", 4096)}});
  call("PutItem", {{"TableName", "tbl"}, {"Item", sized_item("b", 4097)}});
  auto get = [&](const std::string& pk, bool consistent) {
    return call("GetItem", {{"TableName", "tbl"},
                            {"Key", {{"pk", S(pk)}}},
                            {"ConsistentRead", consistent},
                            {"ReturnConsumedCapacity", "TOTAL"}})["ConsumedCapacity"];
  };
  EXPECT_EQ(get("a", true), json({{"TableName", "tbl"}, {"CapacityUnits", 1.0}}));
  EXPECT_EQ(get("a", false)["CapacityUnits"], 0.5);
  EXPECT_EQ(get("b", true)["CapacityUnits"], 2.0);  // 4097 bytes: two 4 KB units
  EXPECT_EQ(get("b", false)["CapacityUnits"], 1.0);
  EXPECT_EQ(get("missing", false)["CapacityUnits"], 0.5);  // a miss reads an empty item
}

TEST_F(CapacityTest, BatchGetRoundsEachItemQueryRoundsThePage) {
  call("CreateTable",
       {{"TableName", "qtb"},
        {"BillingMode", "PAY_PER_REQUEST"},
        {"KeySchema",
         {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}, {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}}},
        {"AttributeDefinitions",
         {{{"AttributeName", "pk"}, {"AttributeType", "S"}},
          {{"AttributeName", "sk"}, {"AttributeType", "S"}}}}});
  // Three items of 1500 bytes: pk (2+1) + sk (2+1) + data (4) + 1490.
  json keys = json::array();
  for (const char* sk : {"1", "2", "3"}) {
    call("PutItem", {{"TableName", "qtb"},
                     {"Item", {{"pk", S("p")}, {"sk", S(sk)}, {"data", S(std::string(1490, 'x'))}}}});
    keys.push_back({{"pk", S("p")}, {"sk", S(sk)}});
  }
  keys.push_back({{"pk", S("p")}, {"sk", S("missing")}});
  // BatchGetItem: 4 reads of at most 4 KB, eventually consistent: 4 x 0.5.
  const json batch = call(
      "BatchGetItem", {{"RequestItems", {{"qtb", {{"Keys", keys}}}}}, {"ReturnConsumedCapacity", "TOTAL"}});
  EXPECT_EQ(batch["ConsumedCapacity"], json::array({{{"TableName", "qtb"}, {"CapacityUnits", 2.0}}}));
  // Query: 4500 bytes read, one rounding for the page: 2 units of 4 KB, halved. The filter
  // drops everything, but what was read is charged.
  const json query = call("Query", {{"TableName", "qtb"},
                                    {"KeyConditionExpression", "pk = :p"},
                                    {"FilterExpression", "attribute_exists(nothing)"},
                                    {"ExpressionAttributeValues", {{":p", S("p")}}},
                                    {"ReturnConsumedCapacity", "TOTAL"}});
  EXPECT_EQ(query["Count"], 0);
  EXPECT_EQ(query["ConsumedCapacity"]["CapacityUnits"], 1.0);
}

TEST_F(CapacityTest, WritesChargeTheLargerItemAndEachIndexEntryTheyTouch) {
  create(true);
  // 2009 bytes: pk (2+1) + g (1+1) + data (4+2000): 2 units; the KEYS_ONLY entry (pk, g) 5
  // bytes: 1 unit.
  json item = {{"pk", S("a")}, {"g", S("x")}, {"data", S(std::string(2000, 'd'))}};
  EXPECT_EQ(put(item), json({{"TableName", "tbl"},
                             {"CapacityUnits", 3.0},
                             {"Table", {{"CapacityUnits", 2.0}}},
                             {"GlobalSecondaryIndexes", {{"by_g", {{"CapacityUnits", 1.0}}}}}}));
  // The same item again changes no index entry: the table only.
  EXPECT_EQ(put(item, "TOTAL"), json({{"TableName", "tbl"}, {"CapacityUnits", 2.0}}));
  json other = item;
  other["pk"] = S("c");
  EXPECT_EQ(put(other, "TOTAL"), json({{"TableName", "tbl"}, {"CapacityUnits", 3.0}}));
  // A change the index does not project: the table only.
  item["data"] = S("short");
  EXPECT_EQ(put(item),
            json({{"TableName", "tbl"}, {"CapacityUnits", 2.0}, {"Table", {{"CapacityUnits", 2.0}}}}));
  // The index key changes: a delete and a put there.
  const json moved = call("UpdateItem", {{"TableName", "tbl"},
                                         {"Key", {{"pk", S("a")}}},
                                         {"UpdateExpression", "SET g = :g"},
                                         {"ExpressionAttributeValues", {{":g", S("y")}}},
                                         {"ReturnConsumedCapacity", "INDEXES"}});
  EXPECT_EQ(moved["ConsumedCapacity"]["GlobalSecondaryIndexes"]["by_g"]["CapacityUnits"], 2.0);
  EXPECT_EQ(moved["ConsumedCapacity"]["CapacityUnits"], 3.0);
  // Out of the index: one delete there.
  const json removed = call(
      "DeleteItem", {{"TableName", "tbl"}, {"Key", {{"pk", S("a")}}}, {"ReturnConsumedCapacity", "INDEXES"}});
  EXPECT_EQ(removed["ConsumedCapacity"]["GlobalSecondaryIndexes"]["by_g"]["CapacityUnits"], 1.0);
  // An item without g is not in the sparse index.
  EXPECT_EQ(put({{"pk", S("b")}}),
            json({{"TableName", "tbl"}, {"CapacityUnits", 1.0}, {"Table", {{"CapacityUnits", 1.0}}}}));
}

TEST_F(CapacityTest, TransactionsChargeDoubleAndReportReadOrWriteUnits) {
  create(true);
  // 5120 bytes: 5 write units, twice; the index entry (pk, g: 6 bytes) 1, twice.
  json item = sized_item("ab", 5120 - 2);
  item["g"] = S("z");  // + 1 + 1 bytes: 5120 in all
  const json written =
      call("TransactWriteItems", {{"TransactItems", {{{"Put", {{"TableName", "tbl"}, {"Item", item}}}}}},
                                  {"ReturnConsumedCapacity", "INDEXES"}});
  EXPECT_EQ(written["ConsumedCapacity"],
            json::array({{{"TableName", "tbl"},
                          {"CapacityUnits", 12.0},
                          {"WriteCapacityUnits", 12.0},
                          {"Table", {{"CapacityUnits", 10.0}, {"WriteCapacityUnits", 10.0}}},
                          {"GlobalSecondaryIndexes",
                           {{"by_g", {{"CapacityUnits", 2.0}, {"WriteCapacityUnits", 2.0}}}}}}}));
  // Two strongly consistent reads of 2 units each, and 2 x 1 for a missing item.
  const json read =
      call("TransactGetItems", {{"TransactItems",
                                 {{{"Get", {{"TableName", "tbl"}, {"Key", {{"pk", S("ab")}}}}}},
                                  {{"Get", {{"TableName", "tbl"}, {"Key", {{"pk", S("no")}}}}}}}},
                                {"ReturnConsumedCapacity", "TOTAL"}});
  EXPECT_EQ(read["ConsumedCapacity"],
            json::array({{{"TableName", "tbl"}, {"CapacityUnits", 6.0}, {"ReadCapacityUnits", 6.0}}}));
  // Without ReturnConsumedCapacity, nothing.
  EXPECT_FALSE(call("TransactGetItems",
                    {{"TransactItems", {{{"Get", {{"TableName", "tbl"}, {"Key", {{"pk", S("ab")}}}}}}}}})
                   .contains("ConsumedCapacity"));
}

TEST_F(CapacityTest, TransactionReplayedByTokenReportsReadUnits) {
  create(false);
  const json request{{"TransactItems", {{{"Put", {{"TableName", "tbl"}, {"Item", sized_item("r", 1500)}}}}}},
                     {"ClientRequestToken", "token-1"},
                     {"ReturnConsumedCapacity", "TOTAL"}};
  // 1500 bytes: 2 write units, twice.
  EXPECT_EQ(call("TransactWriteItems", request)["ConsumedCapacity"],
            json::array({{{"TableName", "tbl"}, {"CapacityUnits", 4.0}, {"WriteCapacityUnits", 4.0}}}));
  // The same request again is not applied again; it reports reading rather than writing.
  EXPECT_EQ(call("TransactWriteItems", request)["ConsumedCapacity"],
            json::array({{{"TableName", "tbl"}, {"CapacityUnits", 4.0}, {"ReadCapacityUnits", 4.0}}}));
}

TEST_F(CapacityTest, BatchWriteChargesPerItemWithTheOldItemsSize) {
  create(false);
  call("PutItem", {{"TableName", "tbl"}, {"Item", sized_item("old", 1500)}});
  // A small put over a 1500-byte item: 2 units; a delete of nothing: 1; a 3000-byte put: 3.
  const json out = call("BatchWriteItem", {{"RequestItems",
                                            {{"tbl",
                                              {{{"PutRequest", {{"Item", {{"pk", S("old")}}}}}},
                                               {{"DeleteRequest", {{"Key", {{"pk", S("none")}}}}}},
                                               {{"PutRequest", {{"Item", sized_item("new", 3000)}}}}}}}},
                                           {"ReturnConsumedCapacity", "TOTAL"}});
  EXPECT_EQ(out["ConsumedCapacity"], json::array({{{"TableName", "tbl"}, {"CapacityUnits", 6.0}}}));
}

TEST_F(CapacityTest, InvalidModeIsRefusedBeforeAnythingIsWritten) {
  create(false);
  EXPECT_NE(error_of("PutItem",
                     {{"TableName", "tbl"}, {"Item", {{"pk", S("a")}}}, {"ReturnConsumedCapacity", "ALL"}}),
            "no error");
  EXPECT_FALSE(call("GetItem", {{"TableName", "tbl"}, {"Key", {{"pk", S("a")}}}}).contains("Item"));
}

}  // namespace
}  // namespace fogbank::dynamodb::test
