// The DynamoDB Streams API over a manual clock: ListStreams paging, DescribeStream's shape,
// every iterator type, GetRecords paging, iterator expiry after 15 minutes, the 24-hour trim
// horizon, errors; and in-process subscriptions (delivery order, re-entrant writes, unsubscribe).

#include "fogbank/core/clock.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/dynamodb/service.hpp"
#include "fogbank/dynamodb/streams.hpp"
#include "fogbank/storage/database.hpp"

#include "service_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fogbank::dynamodb {
namespace {

using nlohmann::json;
using test::N;
using test::S;

class StreamApiTest : public test::service_fixture {
 protected:
  std::string streams_error(const std::string& operation, const json& request) {
    try {
      streams(operation, request);
    } catch (const core::aws_error& e) {
      return std::string(e.name()) + ": " + e.message();
    }
    return "no error";
  }

  // A table keyed by pk (S) with a NEW_IMAGE stream (or none); returns its stream ARN.
  std::string create_table(const std::string& name, bool stream = true) {
    json request{{"TableName", name},
                 {"BillingMode", "PAY_PER_REQUEST"},
                 {"AttributeDefinitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
                 {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}}};
    if (stream) request["StreamSpecification"] = {{"StreamEnabled", true}, {"StreamViewType", "NEW_IMAGE"}};
    json description = call("CreateTable", request)["TableDescription"];
    return description.value("LatestStreamArn", std::string());
  }
  void put(const std::string& table, const std::string& pk) {
    call("PutItem", {{"TableName", table}, {"Item", {{"pk", S(pk)}}}});
  }
  std::string shard_of(const std::string& arn) {
    return streams("DescribeStream", {{"StreamArn", arn}})["StreamDescription"]["Shards"][0]["ShardId"];
  }
  std::string iterator(const std::string& arn, const std::string& type, const std::string& sequence = "") {
    json request{{"StreamArn", arn}, {"ShardId", shard_of(arn)}, {"ShardIteratorType", type}};
    if (!sequence.empty()) request["SequenceNumber"] = sequence;
    return streams("GetShardIterator", request)["ShardIterator"];
  }
  static std::vector<std::string> keys(const json& response) {
    std::vector<std::string> out;
    for (const auto& record : response["Records"]) out.push_back(record["dynamodb"]["Keys"]["pk"]["S"]);
    return out;
  }
};

TEST_F(StreamApiTest, UnknownOperationAndMalformedRequests) {
  EXPECT_EQ(streams_error("ListTables", json::object()), "UnknownOperationException: ");
  EXPECT_EQ(
      streams_error("GetRecords", json::object()),
      "ValidationException: 1 validation error detected: Value null at 'shardIterator' failed to satisfy "
      "constraint: Member must not be null");
  EXPECT_EQ(streams_error("GetRecords", {{"ShardIterator", "garbage"}}),
            "ValidationException: Invalid ShardIterator");
  EXPECT_EQ(streams_error("DescribeStream",
                          {{"StreamArn", "arn:aws:dynamodb:us-east-1:000000000000:table/x/stream/1"}}),
            "ResourceNotFoundException: Requested resource not found: Stream: "
            "arn:aws:dynamodb:us-east-1:000000000000:table/x/stream/1 not found");
  const std::string arn = create_table("orders");
  EXPECT_EQ(
      streams_error("GetShardIterator",
                    {{"StreamArn", arn}, {"ShardId", shard_of(arn)}, {"ShardIteratorType", "OLDEST"}}),
      "ValidationException: 1 validation error detected: Value 'OLDEST' at 'shardIteratorType' failed to "
      "satisfy constraint: Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, "
      "AFTER_SEQUENCE_NUMBER]");
  EXPECT_EQ(streams_error("GetRecords", {{"ShardIterator", iterator(arn, "LATEST")}, {"Limit", 1001}})
                .substr(0, 20),
            "ValidationException:");
}

TEST_F(StreamApiTest, ListStreamsFiltersAndPages) {
  const std::string a = create_table("aaa");
  const std::string b = create_table("bbb");
  const std::string c = create_table("ccc");
  create_table("plain", false);
  json first = streams("ListStreams", {{"Limit", 2}});
  ASSERT_EQ(first["Streams"].size(), 2u);
  EXPECT_EQ(first["Streams"][0],
            (json{{"StreamArn", a}, {"TableName", "aaa"}, {"StreamLabel", a.substr(a.rfind('/') + 1)}}));
  EXPECT_EQ(first["Streams"][1]["StreamArn"], b);
  EXPECT_EQ(first["LastEvaluatedStreamArn"], b);
  json second = streams("ListStreams", {{"Limit", 2}, {"ExclusiveStartStreamArn", b}});
  ASSERT_EQ(second["Streams"].size(), 1u);
  EXPECT_EQ(second["Streams"][0]["StreamArn"], c);
  EXPECT_FALSE(second.contains("LastEvaluatedStreamArn"));
  json filtered = streams("ListStreams", {{"TableName", "bbb"}});
  ASSERT_EQ(filtered["Streams"].size(), 1u);
  EXPECT_EQ(filtered["Streams"][0]["StreamArn"], b);
}

TEST_F(StreamApiTest, DescribeStreamShape) {
  const std::string arn = create_table("orders");
  json description = streams("DescribeStream", {{"StreamArn", arn}})["StreamDescription"];
  EXPECT_EQ(description["StreamArn"], arn);
  EXPECT_EQ(description["StreamLabel"], "2023-11-14T22:13:20.000");  // the manual clock's start
  EXPECT_EQ(description["StreamStatus"], "ENABLED");
  EXPECT_EQ(description["StreamViewType"], "NEW_IMAGE");
  EXPECT_EQ(description["TableName"], "orders");
  EXPECT_EQ(description["CreationRequestDateTime"], 1'700'000'000.0);
  EXPECT_EQ(description["KeySchema"], (json::array({{{"AttributeName", "pk"}, {"KeyType", "HASH"}}})));
  ASSERT_EQ(description["Shards"].size(), 1u);
  const json& shard = description["Shards"][0];
  EXPECT_EQ(shard["ShardId"].get<std::string>().rfind("shardId-", 0), 0u);
  EXPECT_GE(shard["ShardId"].get<std::string>().size(), 28u);
  EXPECT_EQ(shard["SequenceNumberRange"]["StartingSequenceNumber"].get<std::string>().size(), 21u);
  EXPECT_FALSE(shard["SequenceNumberRange"].contains("EndingSequenceNumber"));
}

// ShardFilter (API_streams_ShardFilter): CHILD_SHARDS of a shard. A stream's one shard never
// splits, so it has no children; paging with ExclusiveStartShardId and Limit; unknown streams.
TEST_F(StreamApiTest, DescribeStreamShardFilterAndPaging) {
  const std::string arn = create_table("orders");
  const std::string shard = shard_of(arn);
  const auto shards = [&](json request) {
    request["StreamArn"] = arn;
    return streams("DescribeStream", request)["StreamDescription"]["Shards"];
  };
  EXPECT_EQ(shards({{"ShardFilter", {{"Type", "CHILD_SHARDS"}, {"ShardId", shard}}}}), json::array());
  EXPECT_EQ(shards({{"Limit", 1}}).size(), 1u);
  EXPECT_EQ(shards({{"ExclusiveStartShardId", shard}}), json::array());
  // An id that sorts before the shard's (an older shard) starts before it.
  EXPECT_EQ(shards({{"ExclusiveStartShardId", "shardId-00000000000000000000-00000000"}}).size(), 1u);
  EXPECT_EQ(
      streams_error("DescribeStream",
                    {{"StreamArn", arn}, {"ShardFilter", {{"Type", "PARENT"}, {"ShardId", shard}}}}),
      "ValidationException: 1 validation error detected: Value 'PARENT' at 'shardFilter.type' failed to "
      "satisfy constraint: Member must satisfy enum value set: [CHILD_SHARDS]");
  EXPECT_EQ(
      streams_error("DescribeStream",
                    {{"StreamArn", arn}, {"ShardFilter", {{"Type", "CHILD_SHARDS"}, {"ShardId", "short"}}}}),
      "ValidationException: 1 validation error detected: Value 'short' at 'shardFilter.shardId' failed to "
      "satisfy constraint: Member must have length greater than or equal to 28");
  EXPECT_EQ(
      streams_error("DescribeStream", {{"StreamArn", arn}, {"ExclusiveStartShardId", "short"}}),
      "ValidationException: 1 validation error detected: Value 'short' at 'exclusiveStartShardId' failed to "
      "satisfy constraint: Member must have length greater than or equal to 28");
  const std::string unknown = arn.substr(0, arn.rfind('/') + 1) + "2000-01-01T00:00:00.000";
  EXPECT_EQ(streams_error("DescribeStream", {{"StreamArn", unknown}}),
            "ResourceNotFoundException: Requested resource not found: Stream: " + unknown + " not found");
  EXPECT_EQ(streams_error("GetShardIterator", {{"StreamArn", arn},
                                               {"ShardId", "shardId-00000000000000000000-00000000"},
                                               {"ShardIteratorType", "LATEST"}}),
            "ResourceNotFoundException: Requested resource not found: Shard does not exist");
}

TEST_F(StreamApiTest, IteratorTypesAndPaging) {
  const std::string arn = create_table("orders");
  for (const char* pk : {"a", "b", "c", "d", "e"}) put("orders", pk);
  const std::string latest = iterator(arn, "LATEST");

  // TRIM_HORIZON, two at a time.
  std::vector<std::string> seen;
  std::vector<std::string> sequences;
  json position = iterator(arn, "TRIM_HORIZON");
  for (int page = 0; page < 10; ++page) {
    json response = streams("GetRecords", {{"ShardIterator", position}, {"Limit", 2}});
    EXPECT_LE(response["Records"].size(), 2u);
    for (const auto& record : response["Records"]) sequences.push_back(record["dynamodb"]["SequenceNumber"]);
    for (auto& key : keys(response)) seen.push_back(key);
    ASSERT_TRUE(response.contains("NextShardIterator"));  // an open shard always has a next iterator
    position = response["NextShardIterator"];
    if (response["Records"].empty()) break;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  ASSERT_EQ(sequences.size(), 5u);

  // AT and AFTER a sequence number.
  EXPECT_EQ(
      keys(streams("GetRecords", {{"ShardIterator", iterator(arn, "AT_SEQUENCE_NUMBER", sequences[2])}})),
      (std::vector<std::string>{"c", "d", "e"}));
  EXPECT_EQ(
      keys(streams("GetRecords", {{"ShardIterator", iterator(arn, "AFTER_SEQUENCE_NUMBER", sequences[2])}})),
      (std::vector<std::string>{"d", "e"}));

  // LATEST sees only what comes after it was issued; the exhausted TRIM_HORIZON page iterator too.
  put("orders", "f");
  EXPECT_EQ(keys(streams("GetRecords", {{"ShardIterator", latest}})), (std::vector<std::string>{"f"}));
  EXPECT_EQ(keys(streams("GetRecords", {{"ShardIterator", position}})), (std::vector<std::string>{"f"}));
}

TEST_F(StreamApiTest, ClosedShardEndsWithoutNextIterator) {
  const std::string arn = create_table("orders");
  put("orders", "a");
  put("orders", "b");
  call("UpdateTable", {{"TableName", "orders"}, {"StreamSpecification", {{"StreamEnabled", false}}}});
  json response = streams("GetRecords", {{"ShardIterator", iterator(arn, "TRIM_HORIZON")}, {"Limit", 1}});
  EXPECT_EQ(keys(response), (std::vector<std::string>{"a"}));
  ASSERT_TRUE(response.contains("NextShardIterator"));  // more to read
  json last = streams("GetRecords", {{"ShardIterator", response["NextShardIterator"]}});
  EXPECT_EQ(keys(last), (std::vector<std::string>{"b"}));
  EXPECT_FALSE(last.contains("NextShardIterator"));  // read to the end of a closed shard
  json empty = streams("GetRecords", {{"ShardIterator", iterator(arn, "LATEST")}});
  EXPECT_TRUE(empty["Records"].empty());
  EXPECT_FALSE(empty.contains("NextShardIterator"));
}

TEST_F(StreamApiTest, IteratorsExpireAfterFifteenMinutes) {
  const std::string arn = create_table("orders");
  put("orders", "a");
  const std::string it = iterator(arn, "TRIM_HORIZON");
  advance(std::chrono::minutes(15));
  json response = streams("GetRecords", {{"ShardIterator", it}});  // exactly 15 minutes: still good
  EXPECT_EQ(keys(response), (std::vector<std::string>{"a"}));
  advance(std::chrono::milliseconds(1));
  EXPECT_EQ(streams_error("GetRecords", {{"ShardIterator", it}}),
            "ExpiredIteratorException: Shard iterator has expired");
  // The NextShardIterator was issued at the later read: it has its own 15 minutes.
  EXPECT_TRUE(streams("GetRecords", {{"ShardIterator", response["NextShardIterator"]}})["Records"].empty());
}

TEST_F(StreamApiTest, RecordsAreTrimmedAfterTwentyFourHours) {
  const std::string arn = create_table("orders");
  put("orders", "old");
  const std::string old_sequence =
      streams("GetRecords",
              {{"ShardIterator", iterator(arn, "TRIM_HORIZON")}})["Records"][0]["dynamodb"]["SequenceNumber"];
  advance(std::chrono::hours(12));
  put("orders", "new");
  advance(std::chrono::hours(12) - std::chrono::seconds(10));
  const std::string early = iterator(arn, "TRIM_HORIZON");  // still points before "old"
  advance(std::chrono::seconds(10));                        // "old" is now 24 hours old

  EXPECT_EQ(keys(streams("GetRecords", {{"ShardIterator", iterator(arn, "TRIM_HORIZON")}})),
            (std::vector<std::string>{"new"}));
  EXPECT_EQ(streams_error("GetRecords", {{"ShardIterator", early}}),
            "TrimmedDataAccessException: The data you are trying to access has been trimmed");
  EXPECT_EQ(streams_error("GetShardIterator", {{"StreamArn", arn},
                                               {"ShardId", shard_of(arn)},
                                               {"ShardIteratorType", "AT_SEQUENCE_NUMBER"},
                                               {"SequenceNumber", old_sequence}}),
            "TrimmedDataAccessException: The data you are trying to access has been trimmed");
  EXPECT_EQ(dynamodb().expire_now(), 0u);  // the sweep trims too; nothing left to trim
}

TEST_F(StreamApiTest, SubscribersGetRecordsInOrderAfterCommit) {
  create_table("orders");
  create_table("audit");
  std::vector<json> delivered;
  std::vector<std::string> audit_seen;
  std::uint64_t subscription = dynamodb().subscribe_stream("orders", [&](const json& record) {
    // Committed before delivery: the item is readable from inside the callback.
    json item = call("GetItem", {{"TableName", "orders"}, {"Key", record["dynamodb"]["Keys"]}});
    EXPECT_EQ(item.contains("Item"), record["eventName"] != "REMOVE");
    delivered.push_back(record);
    // A re-entrant write: its record is delivered after this one returns.
    put("audit", record["dynamodb"]["SequenceNumber"]);
  });
  dynamodb().subscribe_stream(
      "audit", [&](const json& record) { audit_seen.push_back(record["dynamodb"]["Keys"]["pk"]["S"]); });

  // Deliveries are scheduler entries: nothing arrives until the scheduler runs.
  put("orders", "a");
  EXPECT_TRUE(delivered.empty());
  run_until_idle();
  EXPECT_EQ(delivered.size(), 1u);
  call("BatchWriteItem", {{"RequestItems",
                           {{"orders", json::array({{{"PutRequest", {{"Item", {{"pk", S("b")}}}}}},
                                                    {{"PutRequest", {{"Item", {{"pk", S("c")}}}}}}})}}}});
  run_until_idle();
  call(
      "TransactWriteItems",
      {{"TransactItems", json::array({{{"Delete", {{"TableName", "orders"}, {"Key", {{"pk", S("a")}}}}}}})}});
  run_until_idle();
  ASSERT_EQ(delivered.size(), 4u);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < delivered.size(); ++i) {
    names.push_back(delivered[i]["eventName"]);
    EXPECT_EQ(
        delivered[i]["eventSourceARN"].get<std::string>().find(":table/orders/stream/") != std::string::npos,
        true);
    if (i > 0) {
      EXPECT_LT(delivered[i - 1]["dynamodb"]["SequenceNumber"], delivered[i]["dynamodb"]["SequenceNumber"]);
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"INSERT", "INSERT", "INSERT", "REMOVE"}));
  ASSERT_EQ(audit_seen.size(), 4u);
  EXPECT_EQ(audit_seen[0], delivered[0]["dynamodb"]["SequenceNumber"]);

  EXPECT_TRUE(dynamodb().unsubscribe_stream(subscription));
  EXPECT_FALSE(dynamodb().unsubscribe_stream(subscription));
  put("orders", "z");
  run_until_idle();
  EXPECT_EQ(delivered.size(), 4u);
}

TEST_F(StreamApiTest, AThrowingSubscriberIsReportedAndLaterRecordsStillArrive) {
  create_table("orders");
  std::vector<std::string> seen;
  dynamodb().subscribe_stream("orders", [&](const json& record) {
    const std::string key = record["dynamodb"]["Keys"]["pk"]["S"];
    seen.push_back(key);
    if (key == "poison") throw std::runtime_error("cannot handle poison");
  });
  put("orders", "a");
  put("orders", "poison");
  put("orders", "b");
  run_until_idle();
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "poison", "b"}));
  EXPECT_EQ(dynamodb().health()["stream_subscriber_errors"], 1);

  put("orders", "c");
  run_until_idle();
  EXPECT_EQ(seen.back(), "c");
  EXPECT_EQ(dynamodb().health()["stream_subscriber_errors"], 1);
}

TEST_F(StreamApiTest, ConcurrentWritersDeliverInSequenceOrder) {
  create_table("orders");
  std::mutex mutex;
  std::vector<std::string> sequences;
  dynamodb().subscribe_stream("orders", [&](const json& record) {
    std::lock_guard lock(mutex);
    sequences.push_back(record["dynamodb"]["SequenceNumber"]);
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 50; ++i) put("orders", std::to_string(w) + "-" + std::to_string(i));
    });
  }
  for (auto& writer : writers) writer.join();
  run_until_idle();
  ASSERT_EQ(sequences.size(), 200u);
  EXPECT_TRUE(std::is_sorted(sequences.begin(), sequences.end()));
}

}  // namespace
}  // namespace fogbank::dynamodb
