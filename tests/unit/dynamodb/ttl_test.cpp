// Time to Live on a manual clock: UpdateTimeToLive / DescribeTimeToLive and their errors, which
// items a sweep deletes (and which it leaves), index maintenance, the REMOVE stream records with
// the TTL userIdentity, and the periodic sweeper driven by the scheduler's run_due().

#include "fogbank/core/clock.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/core/scheduler.hpp"
#include "fogbank/dynamodb/service.hpp"
#include "fogbank/dynamodb/streams.hpp"
#include "fogbank/storage/database.hpp"

#include "service_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>

namespace fogbank::dynamodb {
namespace {

using nlohmann::json;
using test::N;
using test::S;

// The manual clock starts at 1'700'000'000 epoch seconds.
constexpr long long start_seconds = 1'700'000'000;

class TtlTest : public test::service_fixture {
 protected:
  // Table "sessions": pk (S), GSI byUser on user (S), stream NEW_AND_OLD_IMAGES, TTL on "expires".
  void create_sessions(bool enable_ttl = true) {
    call("CreateTable",
         {{"TableName", "sessions"},
          {"BillingMode", "PAY_PER_REQUEST"},
          {"AttributeDefinitions",
           {{{"AttributeName", "pk"}, {"AttributeType", "S"}},
            {{"AttributeName", "user"}, {"AttributeType", "S"}}}},
          {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}},
          {"GlobalSecondaryIndexes",
           {{{"IndexName", "byUser"},
             {"KeySchema", {{{"AttributeName", "user"}, {"KeyType", "HASH"}}}},
             {"Projection", {{"ProjectionType", "ALL"}}}}}},
          {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", "NEW_AND_OLD_IMAGES"}}}});
    if (enable_ttl) {
      call("UpdateTimeToLive",
           {{"TableName", "sessions"},
            {"TimeToLiveSpecification", {{"AttributeName", "expires"}, {"Enabled", true}}}});
    }
  }
  void put(const std::string& pk, const json& expires) {
    json item{{"pk", S(pk)}, {"user", S("u1")}};
    if (!expires.is_null()) item["expires"] = expires;
    call("PutItem", {{"TableName", "sessions"}, {"Item", item}});
  }
  std::set<std::string> remaining() {
    std::set<std::string> keys;
    const json response = call("Scan", {{"TableName", "sessions"}});
    for (const auto& item : response["Items"]) keys.insert(item["pk"]["S"]);
    return keys;
  }
  std::size_t index_count() {
    return call("Query", {{"TableName", "sessions"},
                          {"IndexName", "byUser"},
                          {"KeyConditionExpression", "#u = :u"},
                          {"ExpressionAttributeNames", {{"#u", "user"}}},
                          {"ExpressionAttributeValues", {{":u", S("u1")}}}})["Count"]
        .get<std::size_t>();
  }
  json stream_records() {
    const std::string arn = call("DescribeTable", {{"TableName", "sessions"}})["Table"]["LatestStreamArn"];
    const std::string shard =
        streams("DescribeStream", {{"StreamArn", arn}})["StreamDescription"]["Shards"][0]["ShardId"];
    const std::string it = streams(
        "GetShardIterator",
        {{"StreamArn", arn}, {"ShardId", shard}, {"ShardIteratorType", "TRIM_HORIZON"}})["ShardIterator"];
    return streams("GetRecords", {{"ShardIterator", it}})["Records"];
  }
};

TEST_F(TtlTest, DescribeAndUpdateTimeToLive) {
  create_sessions(false);
  EXPECT_EQ(call("DescribeTimeToLive", {{"TableName", "sessions"}}),
            (json{{"TimeToLiveDescription", {{"TimeToLiveStatus", "DISABLED"}}}}));
  EXPECT_EQ(error_of("UpdateTimeToLive",
                     {{"TableName", "sessions"},
                      {"TimeToLiveSpecification", {{"AttributeName", "expires"}, {"Enabled", false}}}}),
            "ValidationException: TimeToLive is already disabled");
  json enabled = call("UpdateTimeToLive",
                      {{"TableName", "sessions"},
                       {"TimeToLiveSpecification", {{"AttributeName", "expires"}, {"Enabled", true}}}});
  EXPECT_EQ(enabled, (json{{"TimeToLiveSpecification", {{"AttributeName", "expires"}, {"Enabled", true}}}}));
  EXPECT_EQ(
      call("DescribeTimeToLive", {{"TableName", "sessions"}}),
      (json{{"TimeToLiveDescription", {{"TimeToLiveStatus", "ENABLED"}, {"AttributeName", "expires"}}}}));
  // Not idempotent, and the attribute changes only through a disable.
  for (const char* attribute : {"expires", "other"}) {
    EXPECT_EQ(error_of("UpdateTimeToLive",
                       {{"TableName", "sessions"},
                        {"TimeToLiveSpecification", {{"AttributeName", attribute}, {"Enabled", true}}}}),
              "ValidationException: TimeToLive is already enabled");
  }
  call("UpdateTimeToLive", {{"TableName", "sessions"},
                            {"TimeToLiveSpecification", {{"AttributeName", "expires"}, {"Enabled", false}}}});
  EXPECT_EQ(
      call("DescribeTimeToLive", {{"TableName", "sessions"}})["TimeToLiveDescription"]["TimeToLiveStatus"],
      "DISABLED");
}

TEST_F(TtlTest, RequestValidation) {
  create_sessions(false);
  EXPECT_EQ(
      error_of("UpdateTimeToLive", {{"TableName", "sessions"}}),
      "ValidationException: 1 validation error detected: Value null at 'timeToLiveSpecification' failed to "
      "satisfy constraint: Member must not be null");
  EXPECT_EQ(error_of("UpdateTimeToLive",
                     {{"TableName", "sessions"}, {"TimeToLiveSpecification", {{"Enabled", true}}}}),
            "ValidationException: 1 validation error detected: Value null at "
            "'timeToLiveSpecification.attributeName' "
            "failed to satisfy constraint: Member must not be null");
  EXPECT_EQ(error_of("UpdateTimeToLive", {{"TableName", "sessions"},
                                          {"TimeToLiveSpecification", {{"AttributeName", "expires"}}}}),
            "ValidationException: 1 validation error detected: Value null at "
            "'timeToLiveSpecification.enabled' failed "
            "to satisfy constraint: Member must not be null");
  EXPECT_EQ(
      error_of("UpdateTimeToLive", {{"TableName", "sessions"},
                                    {"TimeToLiveSpecification", {{"AttributeName", ""}, {"Enabled", true}}}}),
      "ValidationException: 1 validation error detected: Value '' at 'timeToLiveSpecification.attributeName' "
      "failed to satisfy constraint: Member must have length greater than or equal to 1");
  EXPECT_EQ(error_of("DescribeTimeToLive", {{"TableName", "nope"}}),
            "ResourceNotFoundException: Requested resource not found: Table: nope not found");
  EXPECT_EQ(error_of("UpdateTimeToLive",
                     {{"TableName", "nope"},
                      {"TimeToLiveSpecification", {{"AttributeName", "expires"}, {"Enabled", true}}}}),
            "ResourceNotFoundException: Requested resource not found: Table: nope not found");
}

TEST_F(TtlTest, ExpireNowDeletesOnlyExpiredNumbers) {
  create_sessions();
  const auto past = std::to_string(start_seconds - 10);
  put("expired", N(past));
  put("expired-fraction", N(std::to_string(start_seconds - 1) + ".5"));
  put("now", N(std::to_string(start_seconds)));  // not *before* now
  put("future", N(std::to_string(start_seconds + 60)));
  put("string", S(past));  // not a Number: never expires
  put("absent", nullptr);
  put("ancient", N(std::to_string(start_seconds - 6LL * 365 * 24 * 3600)));  // > 5 years ago: ignored
  put("millis", N(std::to_string(start_seconds * 1000)));                    // milliseconds: far future
  ASSERT_EQ(index_count(), 8u);

  EXPECT_EQ(dynamodb().expire_now(), 2u);
  EXPECT_EQ(remaining(), (std::set<std::string>{"now", "future", "string", "absent", "ancient", "millis"}));
  EXPECT_EQ(index_count(), 6u);  // index entries go with the items

  advance(std::chrono::seconds(61));
  EXPECT_EQ(dynamodb().expire_now(), 2u);
  EXPECT_EQ(remaining(), (std::set<std::string>{"string", "absent", "ancient", "millis"}));
  EXPECT_EQ(dynamodb().expire_now(), 0u);
}

TEST_F(TtlTest, DeletionsWriteRemoveRecordsWithTheTtlIdentity) {
  create_sessions();
  put("gone", N(std::to_string(start_seconds - 1)));
  call("DeleteItem", {{"TableName", "sessions"}, {"Key", {{"pk", S("nobody")}}}});
  std::vector<json> delivered;
  dynamodb().subscribe_stream("sessions", [&](const json& record) { delivered.push_back(record); });
  EXPECT_EQ(dynamodb().expire_now(), 1u);
  EXPECT_TRUE(delivered.empty());  // delivered by the scheduler, not by the sweep itself
  run_until_idle();

  json records = stream_records();
  ASSERT_EQ(records.size(), 2u);
  const json& removed = records[1];
  EXPECT_EQ(removed["eventName"], "REMOVE");
  EXPECT_EQ(removed["userIdentity"], (json{{"PrincipalId", "dynamodb.amazonaws.com"}, {"Type", "Service"}}));
  EXPECT_EQ(removed["dynamodb"]["Keys"], (json{{"pk", S("gone")}}));
  EXPECT_EQ(removed["dynamodb"]["OldImage"]["expires"], N(std::to_string(start_seconds - 1)));
  EXPECT_FALSE(records[0].contains("userIdentity"));  // a client's write

  // Subscribers get the Lambda event's spelling.
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0]["userIdentity"],
            (json{{"type", "Service"}, {"principalId", "dynamodb.amazonaws.com"}}));
}

TEST_F(TtlTest, DisabledTtlExpiresNothing) {
  create_sessions();
  put("expired", N(std::to_string(start_seconds - 10)));
  call("UpdateTimeToLive", {{"TableName", "sessions"},
                            {"TimeToLiveSpecification", {{"AttributeName", "expires"}, {"Enabled", false}}}});
  EXPECT_EQ(dynamodb().expire_now(), 0u);
  EXPECT_EQ(remaining(), (std::set<std::string>{"expired"}));
}

TEST_F(TtlTest, SweeperRunsOnTheSchedulerClock) {
  create_sessions();
  dynamodb().start_ttl_sweeper(std::chrono::minutes(1));
  put("soon", N(std::to_string(start_seconds + 90)));
  EXPECT_EQ(scheduler().pending(), 1u);

  EXPECT_EQ(advance(std::chrono::minutes(1)), 1u);  // swept at +60 s: not yet expired
  EXPECT_EQ(remaining(), (std::set<std::string>{"soon"}));
  EXPECT_EQ(advance(std::chrono::minutes(1)), 1u);  // +120 s: gone
  EXPECT_TRUE(remaining().empty());
  EXPECT_EQ(scheduler().pending(), 1u);  // and the next sweep is scheduled

  dynamodb().start_ttl_sweeper(std::chrono::hours(1));  // replaces the schedule
  EXPECT_EQ(scheduler().pending(), 1u);
  EXPECT_EQ(advance(std::chrono::minutes(59)), 0u);
  EXPECT_EQ(advance(std::chrono::minutes(1)), 1u);
}

TEST_F(TtlTest, TtlSettingSurvivesReopen) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("fogbank-ttl-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  open(dir.string());
  create_sessions();
  put("expired", N(std::to_string(start_seconds - 10)));
  open(dir.string());
  EXPECT_EQ(call("DescribeTimeToLive", {{"TableName", "sessions"}})["TimeToLiveDescription"]["AttributeName"],
            "expires");
  EXPECT_EQ(dynamodb().expire_now(), 1u);
  emulator_.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fogbank::dynamodb
