// ReturnItemCollectionMetrics (item_collections.hpp): the collection a write touched, on tables
// with local secondary indexes only.

#include "item_collections.hpp"
#include "service_fixture.hpp"

#include <string>

namespace fogbank::dynamodb::test {
namespace {

class ItemCollectionsTest : public service_fixture {
 protected:
  // "lsi": pk/sk with an LSI on (pk, l); "plain": pk/sk without one.
  void SetUp() override {
    service_fixture::SetUp();
    json request{
        {"TableName", "lsi"},
        {"BillingMode", "PAY_PER_REQUEST"},
        {"KeySchema",
         {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}, {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}}},
        {"AttributeDefinitions",
         {{{"AttributeName", "pk"}, {"AttributeType", "S"}},
          {{"AttributeName", "sk"}, {"AttributeType", "S"}},
          {{"AttributeName", "l"}, {"AttributeType", "S"}}}},
        {"LocalSecondaryIndexes",
         {{{"IndexName", "by_l"},
           {"KeySchema",
            {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}, {{"AttributeName", "l"}, {"KeyType", "RANGE"}}}},
           {"Projection", {{"ProjectionType", "ALL"}}}}}}};
    call("CreateTable", request);
    request["TableName"] = "plain";
    request.erase("LocalSecondaryIndexes");
    request["AttributeDefinitions"].erase(2);
    call("CreateTable", request);
  }
  static json item(const std::string& pk, const std::string& sk) {
    return {{"pk", S(pk)}, {"sk", S(sk)}, {"l", S("x")}};
  }
  static json metrics(const std::string& pk) {
    return {{"ItemCollectionKey", {{"pk", S(pk)}}}, {"SizeEstimateRangeGB", {0.0, 1.0}}};
  }
};

TEST_F(ItemCollectionsTest, SingleWritesReportTheirCollectionOnLsiTablesOnly) {
  EXPECT_EQ(call("PutItem",
                 {{"TableName", "lsi"}, {"Item", item("a", "1")}, {"ReturnItemCollectionMetrics", "SIZE"}}),
            json({{"ItemCollectionMetrics", metrics("a")}}));
  EXPECT_EQ(call("UpdateItem", {{"TableName", "lsi"},
                                {"Key", {{"pk", S("a")}, {"sk", S("1")}}},
                                {"UpdateExpression", "SET m = :m"},
                                {"ExpressionAttributeValues", {{":m", S("v")}}},
                                {"ReturnItemCollectionMetrics", "SIZE"}}),
            json({{"ItemCollectionMetrics", metrics("a")}}));
  EXPECT_EQ(call("DeleteItem", {{"TableName", "lsi"},
                                {"Key", {{"pk", S("a")}, {"sk", S("1")}}},
                                {"ReturnItemCollectionMetrics", "SIZE"}}),
            json({{"ItemCollectionMetrics", metrics("a")}}));
  // NONE, or a table without LSIs: nothing.
  EXPECT_EQ(call("PutItem",
                 {{"TableName", "lsi"}, {"Item", item("a", "1")}, {"ReturnItemCollectionMetrics", "NONE"}}),
            json::object());
  EXPECT_EQ(call("PutItem",
                 {{"TableName", "plain"}, {"Item", item("a", "1")}, {"ReturnItemCollectionMetrics", "SIZE"}}),
            json::object());
  // Anything else is refused before the write.
  EXPECT_NE(
      error_of("PutItem",
               {{"TableName", "lsi"}, {"Item", item("b", "1")}, {"ReturnItemCollectionMetrics", "ALL"}}),
      "no error");
  EXPECT_FALSE(
      call("GetItem", {{"TableName", "lsi"}, {"Key", {{"pk", S("b")}, {"sk", S("1")}}}}).contains("Item"));
}

TEST_F(ItemCollectionsTest, BatchAndTransactionListEachCollectionOncePerTable) {
  const json batch = call("BatchWriteItem", {{"RequestItems",
                                              {{"lsi",
                                                {{{"PutRequest", {{"Item", item("a", "1")}}}},
                                                 {{"PutRequest", {{"Item", item("a", "2")}}}},
                                                 {{"PutRequest", {{"Item", item("b", "1")}}}}}},
                                               {"plain", {{{"PutRequest", {{"Item", item("a", "1")}}}}}}}},
                                             {"ReturnItemCollectionMetrics", "SIZE"}});
  EXPECT_EQ(batch["ItemCollectionMetrics"], json({{"lsi", {metrics("a"), metrics("b")}}}));
  const json transaction =
      call("TransactWriteItems", {{"TransactItems",
                                   {{{"Put", {{"TableName", "lsi"}, {"Item", item("c", "1")}}}},
                                    {{"ConditionCheck",
                                      {{"TableName", "lsi"},
                                       {"Key", {{"pk", S("a")}, {"sk", S("1")}}},
                                       {"ConditionExpression", "attribute_exists(pk)"}}}},
                                    {{"Put", {{"TableName", "plain"}, {"Item", item("c", "1")}}}}}},
                                  {"ReturnItemCollectionMetrics", "SIZE"}});
  // The ConditionCheck changes nothing: only c's collection.
  EXPECT_EQ(transaction, json({{"ItemCollectionMetrics", {{"lsi", {metrics("c")}}}}}));
  // Writes to tables without LSIs only: no member at all.
  EXPECT_EQ(
      call("BatchWriteItem", {{"RequestItems", {{"plain", {{{"PutRequest", {{"Item", item("z", "1")}}}}}}}},
                              {"ReturnItemCollectionMetrics", "SIZE"}}),
      json({{"UnprocessedItems", json::object()}}));
}

TEST(ItemCollectionSizeTest, RangeIsTheWholeGigabytesAroundTheSize) {
  EXPECT_EQ(size_estimate_range_gb(0), json({0.0, 1.0}));
  EXPECT_EQ(size_estimate_range_gb(1024ULL * 1024 * 1024 - 1), json({0.0, 1.0}));
  EXPECT_EQ(size_estimate_range_gb(1536ULL * 1024 * 1024), json({1.0, 2.0}));
}

}  // namespace
}  // namespace fogbank::dynamodb::test
