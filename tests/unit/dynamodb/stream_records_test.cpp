// Stream records as every kind of write produces them, under each StreamViewType: what a record
// holds, when there is none (unchanged item, missing item, failed condition, cancelled
// transaction), sequence numbers (increasing, and surviving a reopen of an on-disk database),
// and the stream's life across UpdateTable and DeleteTable. Read back through the Streams API.

#include "attribute_value.hpp"
#include "fogbank/core/clock.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/dynamodb/service.hpp"
#include "fogbank/dynamodb/streams.hpp"
#include "fogbank/storage/database.hpp"

#include "service_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

namespace fogbank::dynamodb {
namespace {

using nlohmann::json;
using test::N;
using test::S;

class StreamRecordsTest : public test::service_fixture {
 protected:
  // pk (S) + sk (N) with GSI byState (state S), and a stream of `view_type` ("" for none).
  void create_table(const std::string& name, const std::string& view_type) {
    json request{
        {"TableName", name},
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
           {"Projection", {{"ProjectionType", "ALL"}}}}}}};
    if (!view_type.empty())
      request["StreamSpecification"] = {{"StreamEnabled", true}, {"StreamViewType", view_type}};
    call("CreateTable", request);
  }

  std::string latest_stream_arn(const std::string& table) {
    return call("DescribeTable", {{"TableName", table}})["Table"]["LatestStreamArn"].get<std::string>();
  }

  // Every record of the stream `arn`, from its trim horizon to now.
  json records_of_stream(const std::string& arn) {
    json description = streams("DescribeStream", {{"StreamArn", arn}})["StreamDescription"];
    std::string shard = description["Shards"][0]["ShardId"];
    json iterator = streams(
        "GetShardIterator",
        {{"StreamArn", arn}, {"ShardId", shard}, {"ShardIteratorType", "TRIM_HORIZON"}})["ShardIterator"];
    json all = json::array();
    for (int page = 0; page < 1000 && iterator.is_string(); ++page) {
      json response = streams("GetRecords", {{"ShardIterator", iterator}});
      for (auto& record : response["Records"]) all.push_back(record);
      if (response["Records"].empty()) break;
      iterator = response.value("NextShardIterator", json());
    }
    return all;
  }
  json records(const std::string& table = "orders") { return records_of_stream(latest_stream_arn(table)); }

  std::vector<std::string> event_names(const json& list) {
    std::vector<std::string> names;
    for (const auto& record : list) names.push_back(record["eventName"]);
    return names;
  }
};

// ---- every write kind under every view type -------------------------------------------------

class StreamViewTypes : public StreamRecordsTest, public ::testing::WithParamInterface<const char*> {
 protected:
  bool has_new() const {
    return std::string(GetParam()) == "NEW_IMAGE" || std::string(GetParam()) == "NEW_AND_OLD_IMAGES";
  }
  bool has_old() const {
    return std::string(GetParam()) == "OLD_IMAGE" || std::string(GetParam()) == "NEW_AND_OLD_IMAGES";
  }

  // Checks the images of `record` against what GetParam() promises.
  void expect_images(const json& record, const json& old_item, const json& new_item) {
    const json& body = record["dynamodb"];
    EXPECT_EQ(body["StreamViewType"], GetParam());
    if (has_new() && !new_item.is_null()) {
      EXPECT_EQ(body["NewImage"], new_item);
    } else {
      EXPECT_FALSE(body.contains("NewImage")) << body.dump();
    }
    if (has_old() && !old_item.is_null()) {
      EXPECT_EQ(body["OldImage"], old_item);
    } else {
      EXPECT_FALSE(body.contains("OldImage")) << body.dump();
    }
  }
};

TEST_P(StreamViewTypes, PutInsertOverwriteAndIdentical) {
  create_table("orders", GetParam());
  const json first{{"pk", S("a")}, {"sk", N("1")}, {"state", S("open")}, {"tags", {{"SS", {"x", "y"}}}}};
  const json second{{"pk", S("a")}, {"sk", N("1")}, {"state", S("shipped")}};
  call("PutItem", {{"TableName", "orders"}, {"Item", first}});
  advance(std::chrono::seconds(5));
  call("PutItem", {{"TableName", "orders"}, {"Item", second}});
  // The same item again, spelled differently: no change, no record.
  call("PutItem",
       {{"TableName", "orders"}, {"Item", {{"pk", S("a")}, {"sk", N("1.0")}, {"state", S("shipped")}}}});

  json list = records();
  ASSERT_EQ(list.size(), 2u) << list.dump(1);
  EXPECT_EQ(event_names(list), (std::vector<std::string>{"INSERT", "MODIFY"}));
  const json& insert = list[0];
  EXPECT_EQ(insert["eventVersion"], "1.1");
  EXPECT_EQ(insert["eventSource"], "aws:dynamodb");
  EXPECT_EQ(insert["awsRegion"], "us-east-1");
  EXPECT_TRUE(std::regex_match(insert["eventID"].get<std::string>(), std::regex("[0-9a-f]{32}")))
      << insert["eventID"];
  EXPECT_FALSE(insert.contains("userIdentity"));
  EXPECT_EQ(insert["dynamodb"]["Keys"], (json{{"pk", S("a")}, {"sk", N("1")}}));
  EXPECT_EQ(insert["dynamodb"]["ApproximateCreationDateTime"], 1'700'000'000);
  EXPECT_EQ(list[1]["dynamodb"]["ApproximateCreationDateTime"], 1'700'000'005);
  expect_images(insert, nullptr, first);
  expect_images(list[1], first, second);

  // SizeBytes: the keys plus whichever images the record carries.
  const std::size_t keys = item_size(json{{"pk", S("a")}, {"sk", N("1")}});
  EXPECT_EQ(insert["dynamodb"]["SizeBytes"], keys + (has_new() ? item_size(first) : 0));
  EXPECT_EQ(list[1]["dynamodb"]["SizeBytes"],
            keys + (has_new() ? item_size(second) : 0) + (has_old() ? item_size(first) : 0));
}

TEST_P(StreamViewTypes, UpdateItemInsertsAndModifies) {
  create_table("orders", GetParam());
  const json key{{"pk", S("u")}, {"sk", N("2")}};
  call("UpdateItem", {{"TableName", "orders"},
                      {"Key", key},
                      {"UpdateExpression", "SET n = :one"},
                      {"ExpressionAttributeValues", {{":one", N("1")}}}});
  call("UpdateItem", {{"TableName", "orders"},
                      {"Key", key},
                      {"UpdateExpression", "SET n = n + :one"},
                      {"ExpressionAttributeValues", {{":one", N("1")}}}});
  // Setting a value to what it already is changes nothing.
  call("UpdateItem", {{"TableName", "orders"},
                      {"Key", key},
                      {"UpdateExpression", "SET n = :two"},
                      {"ExpressionAttributeValues", {{":two", N("2")}}}});
  json list = records();
  ASSERT_EQ(event_names(list), (std::vector<std::string>{"INSERT", "MODIFY"})) << list.dump(1);
  json one = key;
  one["n"] = N("1");
  json two = key;
  two["n"] = N("2");
  expect_images(list[0], nullptr, one);
  expect_images(list[1], one, two);
}

TEST_P(StreamViewTypes, DeleteRemovesOnceAndFailedConditionsWriteNothing) {
  create_table("orders", GetParam());
  const json item{{"pk", S("d")}, {"sk", N("3")}, {"state", S("open")}};
  const json key{{"pk", S("d")}, {"sk", N("3")}};
  call("PutItem", {{"TableName", "orders"}, {"Item", item}});
  EXPECT_EQ(error_of("PutItem", {{"TableName", "orders"},
                                 {"Item", item},
                                 {"ConditionExpression", "attribute_not_exists(pk)"}}),
            "ConditionalCheckFailedException: The conditional request failed");
  EXPECT_EQ(error_of("DeleteItem", {{"TableName", "orders"},
                                    {"Key", key},
                                    {"ConditionExpression", "#s = :closed"},
                                    {"ExpressionAttributeNames", {{"#s", "state"}}},
                                    {"ExpressionAttributeValues", {{":closed", S("closed")}}}}),
            "ConditionalCheckFailedException: The conditional request failed");
  call("DeleteItem", {{"TableName", "orders"}, {"Key", key}});
  call("DeleteItem", {{"TableName", "orders"}, {"Key", key}});  // already gone: nothing to record
  json list = records();
  ASSERT_EQ(event_names(list), (std::vector<std::string>{"INSERT", "REMOVE"})) << list.dump(1);
  EXPECT_EQ(list[1]["dynamodb"]["Keys"], key);
  expect_images(list[1], item, nullptr);
}

TEST_P(StreamViewTypes, BatchWriteRecordsEachChangedItem) {
  create_table("orders", GetParam());
  call("PutItem", {{"TableName", "orders"}, {"Item", {{"pk", S("old")}, {"sk", N("1")}}}});
  auto put = [](const std::string& pk) {
    return json{{"PutRequest", {{"Item", {{"pk", S(pk)}, {"sk", N("1")}}}}}};
  };
  auto remove = [](const std::string& pk) {
    return json{{"DeleteRequest", {{"Key", {{"pk", S(pk)}, {"sk", N("1")}}}}}};
  };
  json requests = json::array({put("b1"), put("b2"), remove("old"), remove("missing")});
  call("BatchWriteItem", {{"RequestItems", {{"orders", requests}}}});
  json list = records();
  ASSERT_EQ(event_names(list), (std::vector<std::string>{"INSERT", "INSERT", "INSERT", "REMOVE"}))
      << list.dump(1);
  EXPECT_EQ(list[1]["dynamodb"]["Keys"]["pk"], S("b1"));
  EXPECT_EQ(list[2]["dynamodb"]["Keys"]["pk"], S("b2"));
  EXPECT_EQ(list[3]["dynamodb"]["Keys"]["pk"], S("old"));
}

TEST_P(StreamViewTypes, TransactionRecordsEachChangedItemOrNothing) {
  create_table("orders", GetParam());
  call("PutItem", {{"TableName", "orders"}, {"Item", {{"pk", S("t1")}, {"sk", N("1")}, {"n", N("1")}}}});
  call("PutItem", {{"TableName", "orders"}, {"Item", {{"pk", S("t2")}, {"sk", N("1")}}}});
  call("PutItem", {{"TableName", "orders"}, {"Item", {{"pk", S("check")}, {"sk", N("1")}}}});
  const std::size_t before = records().size();
  json actions =
      json::array({{{"Put", {{"TableName", "orders"}, {"Item", {{"pk", S("t3")}, {"sk", N("1")}}}}}},
                   {{"Update",
                     {{"TableName", "orders"},
                      {"Key", {{"pk", S("t1")}, {"sk", N("1")}}},
                      {"UpdateExpression", "SET n = n + :one"},
                      {"ExpressionAttributeValues", {{":one", N("1")}}}}}},
                   {{"Delete", {{"TableName", "orders"}, {"Key", {{"pk", S("t2")}, {"sk", N("1")}}}}}},
                   {{"ConditionCheck",
                     {{"TableName", "orders"},
                      {"Key", {{"pk", S("check")}, {"sk", N("1")}}},
                      {"ConditionExpression", "attribute_exists(pk)"}}}}});
  // Cancelled: the condition check fails, nothing is written and nothing recorded.
  json failing = actions;
  failing[3]["ConditionCheck"]["ConditionExpression"] = "attribute_not_exists(pk)";
  EXPECT_NE(error_of("TransactWriteItems", {{"TransactItems", failing}}).find("TransactionCanceledException"),
            std::string::npos);
  EXPECT_EQ(records().size(), before);

  call("TransactWriteItems", {{"TransactItems", actions}});
  json list = records();
  ASSERT_EQ(list.size(), before + 3) << list.dump(1);
  EXPECT_EQ(list[before]["eventName"], "INSERT");
  EXPECT_EQ(list[before + 1]["eventName"], "MODIFY");
  EXPECT_EQ(list[before + 2]["eventName"], "REMOVE");
  expect_images(list[before + 1], {{"pk", S("t1")}, {"sk", N("1")}, {"n", N("1")}},
                {{"pk", S("t1")}, {"sk", N("1")}, {"n", N("2")}});
}

INSTANTIATE_TEST_SUITE_P(AllViewTypes, StreamViewTypes,
                         ::testing::Values("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"));

// ---- sequence numbers ---------------------------------------------------------------------------

TEST_F(StreamRecordsTest, SequenceNumbersIncreaseAcrossTablesAndSurviveReopen) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("fogbank-stream-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  open(dir.string());
  create_table("orders", "KEYS_ONLY");
  create_table("other", "NEW_IMAGE");
  for (int i = 0; i < 5; ++i) {
    call("PutItem", {{"TableName", i % 2 ? "orders" : "other"},
                     {"Item", {{"pk", S("k" + std::to_string(i))}, {"sk", N("1")}}}});
  }
  std::vector<std::string> before;
  for (const char* table : {"orders", "other"}) {
    for (const auto& record : records(table)) before.push_back(record["dynamodb"]["SequenceNumber"]);
  }
  ASSERT_EQ(before.size(), 5u);
  std::sort(before.begin(), before.end());
  for (const auto& number : before) {
    EXPECT_TRUE(std::regex_match(number, std::regex("[0-9]{21,40}"))) << number;
  }
  EXPECT_EQ(std::adjacent_find(before.begin(), before.end()), before.end());

  // Reopen: the records are still there and the next number is above every earlier one.
  open(dir.string());
  json kept = records("orders");
  ASSERT_EQ(kept.size(), 2u);
  call("PutItem", {{"TableName", "orders"}, {"Item", {{"pk", S("after")}, {"sk", N("1")}}}});
  json list = records("orders");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_GT(list[2]["dynamodb"]["SequenceNumber"].get<std::string>(), before.back());
  emulator_.reset();
  std::filesystem::remove_all(dir);
}

TEST_F(StreamRecordsTest, TableWithoutStreamWritesNoRecords) {
  create_table("plain", "");
  call("PutItem", {{"TableName", "plain"}, {"Item", {{"pk", S("a")}, {"sk", N("1")}}}});
  EXPECT_EQ(streams("ListStreams", json::object())["Streams"], json::array());
  EXPECT_FALSE(call("DescribeTable", {{"TableName", "plain"}})["Table"].contains("LatestStreamArn"));
}

// An update that only takes attributes away does not create a missing item (ScyllaDB Alternator's
// test_update_item_non_existent, pinned against DynamoDB): no item, no ALL_NEW attributes, no
// stream record. An empty update, or one that also sets, does create it.
TEST_F(StreamRecordsTest, UpdateThatOnlyRemovesCreatesNoItemAndNoRecord) {
  create_table("orders", "NEW_AND_OLD_IMAGES");
  auto key = [](const std::string& pk) { return json{{"pk", S(pk)}, {"sk", N("1")}}; };
  auto exists = [&](const std::string& pk) {
    return call("GetItem", {{"TableName", "orders"}, {"Key", key(pk)}, {"ConsistentRead", true}})
        .contains("Item");
  };
  const json removed = call("UpdateItem", {{"TableName", "orders"},
                                           {"Key", key("remove")},
                                           {"UpdateExpression", "REMOVE a, b"},
                                           {"ReturnValues", "ALL_NEW"}});
  EXPECT_EQ(removed, json::object());
  EXPECT_FALSE(exists("remove"));
  call("UpdateItem", {{"TableName", "orders"},
                      {"Key", key("delete")},
                      {"UpdateExpression", "DELETE tags :t"},
                      {"ExpressionAttributeValues", {{":t", {{"SS", {"x"}}}}}},
                      {"ReturnValues", "UPDATED_NEW"}});
  EXPECT_FALSE(exists("delete"));
  call("UpdateItem", {{"TableName", "orders"},
                      {"Key", key("legacy")},
                      {"AttributeUpdates", {{"a", {{"Action", "DELETE"}}}}}});
  EXPECT_FALSE(exists("legacy"));
  EXPECT_EQ(records().size(), 0u) << records().dump();

  call("UpdateItem", {{"TableName", "orders"}, {"Key", key("empty")}, {"AttributeUpdates", json::object()}});
  EXPECT_TRUE(exists("empty"));
  const json created = call("UpdateItem", {{"TableName", "orders"},
                                           {"Key", key("mixed")},
                                           {"UpdateExpression", "SET a = :v REMOVE b"},
                                           {"ExpressionAttributeValues", {{":v", S("x")}}},
                                           {"ReturnValues", "ALL_NEW"}});
  EXPECT_EQ(created, json({{"Attributes", {{"pk", S("mixed")}, {"sk", N("1")}, {"a", S("x")}}}}));
  EXPECT_EQ(event_names(records()), (std::vector<std::string>{"INSERT", "INSERT"}));
  // On an item that exists, REMOVE is an ordinary MODIFY.
  call("UpdateItem", {{"TableName", "orders"}, {"Key", key("mixed")}, {"UpdateExpression", "REMOVE a"}});
  EXPECT_TRUE(exists("mixed"));
  EXPECT_EQ(event_names(records()), (std::vector<std::string>{"INSERT", "INSERT", "MODIFY"}));
}

// ---- the stream's life ------------------------------------------------------------------------

TEST_F(StreamRecordsTest, UpdateTableDisablesAndEnablesWithANewStream) {
  create_table("orders", "KEYS_ONLY");
  const std::string first_arn = latest_stream_arn("orders");
  call("PutItem", {{"TableName", "orders"}, {"Item", {{"pk", S("a")}, {"sk", N("1")}}}});

  // The view type cannot change in place (DDB-TABLE-050's recorded messages).
  EXPECT_EQ(error_of("UpdateTable",
                     {{"TableName", "orders"},
                      {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", "NEW_IMAGE"}}}}),
            "ValidationException: Table already has an enabled stream: TableName: orders");
  EXPECT_EQ(
      error_of("UpdateTable",
               {{"TableName", "orders"},
                {"StreamSpecification", {{"StreamEnabled", false}, {"StreamViewType", "NEW_IMAGE"}}}}),
      "ValidationException: One or more parameter values were invalid: If stream is being disabled, then "
      "UpdateViewType must not be specified");
  json disabled =
      call("UpdateTable", {{"TableName", "orders"}, {"StreamSpecification", {{"StreamEnabled", false}}}});
  EXPECT_FALSE(disabled["TableDescription"].contains("StreamSpecification"));
  EXPECT_EQ(disabled["TableDescription"]["LatestStreamArn"], first_arn);  // lingers after disable
  EXPECT_EQ(
      error_of("UpdateTable", {{"TableName", "orders"}, {"StreamSpecification", {{"StreamEnabled", false}}}}),
      "ValidationException: Table has no stream to disable: TableName: orders");

  // Writes while disabled are not recorded anywhere.
  call("PutItem", {{"TableName", "orders"}, {"Item", {{"pk", S("b")}, {"sk", N("1")}}}});
  json old_description = streams("DescribeStream", {{"StreamArn", first_arn}})["StreamDescription"];
  EXPECT_EQ(old_description["StreamStatus"], "DISABLED");
  json old_records = records_of_stream(first_arn);
  ASSERT_EQ(old_records.size(), 1u);
  EXPECT_EQ(old_description["Shards"][0]["SequenceNumberRange"]["EndingSequenceNumber"],
            old_records[0]["dynamodb"]["SequenceNumber"]);

  EXPECT_EQ(
      error_of("UpdateTable", {{"TableName", "orders"}, {"StreamSpecification", {{"StreamEnabled", true}}}}),
      "ValidationException: One or more parameter values were invalid: If stream is being enabled then "
      "UpdateViewType is required");
  // Re-enabled at the same instant: still a new label and ARN.
  call("UpdateTable",
       {{"TableName", "orders"},
        {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", "NEW_AND_OLD_IMAGES"}}}});
  const std::string second_arn = latest_stream_arn("orders");
  EXPECT_NE(second_arn, first_arn);
  call("PutItem", {{"TableName", "orders"}, {"Item", {{"pk", S("b")}, {"sk", N("1")}, {"v", N("2")}}}});
  json list = records_of_stream(second_arn);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["eventName"], "MODIFY");
  EXPECT_EQ(list[0]["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES");
  EXPECT_EQ(list[0]["dynamodb"]["OldImage"], (json{{"pk", S("b")}, {"sk", N("1")}}));
  EXPECT_EQ(streams("ListStreams", {{"TableName", "orders"}})["Streams"].size(), 2u);
}

TEST_F(StreamRecordsTest, StreamOutlivesItsTableForTheRetentionPeriod) {
  create_table("orders", "NEW_IMAGE");
  const std::string arn = latest_stream_arn("orders");
  call("PutItem", {{"TableName", "orders"}, {"Item", {{"pk", S("a")}, {"sk", N("1")}}}});
  call("DeleteTable", {{"TableName", "orders"}});
  json description = streams("DescribeStream", {{"StreamArn", arn}})["StreamDescription"];
  EXPECT_EQ(description["StreamStatus"], "DISABLED");
  EXPECT_EQ(records_of_stream(arn).size(), 1u);
  advance(std::chrono::hours(24));
  try {
    streams("DescribeStream", {{"StreamArn", arn}});
    ADD_FAILURE() << "stream still there after 24 hours";
  } catch (const core::aws_error& e) {
    EXPECT_EQ(e.name(), "ResourceNotFoundException");
    EXPECT_EQ(e.message(), "Requested resource not found: Stream: " + arn + " not found");
  }
}

}  // namespace
}  // namespace fogbank::dynamodb
