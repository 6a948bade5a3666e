// Event source mappings from DynamoDB Streams on a manual clock: StartingPosition TRIM_HORIZON
// and LATEST, delivery at the instant a record is written, BatchSize and in-order delivery per
// shard, retries until MaximumRetryAttempts and the OnFailure record, a poison record isolated by
// BisectBatchOnFunctionError, ReportBatchItemFailures checkpoints, and Lambda's DynamoDB record
// shape.

#include "lambda_fixture.hpp"

#include "fogbank/lambda/handler.hpp"

#include <vector>

namespace fogbank::lambda {
namespace {

using namespace std::chrono_literals;

struct stream_seen {
  std::int64_t at_ms;
  json event;
};
std::vector<stream_seen>* stream_batches = nullptr;
const core::clock* stream_clock = nullptr;
std::int64_t stream_start_ms = 0;
// Keys test.stream reports as failed once each (ReportBatchItemFailures), then accepts.
std::set<std::string>* fail_once = nullptr;

std::string key_of(const json& record) {
  return record["dynamodb"]["Keys"]["pk"].value("S", "");
}

// Throws on a record whose key is "poison"; reports the first record whose key is in fail_once.
json stream_handler(const json& event, context&) {
  stream_batches->push_back({stream_clock->epoch_millis() - stream_start_ms, event});
  for (const json& record : event["Records"]) {
    if (key_of(record) == "poison") throw std::runtime_error("poison record");
    if (fail_once != nullptr && fail_once->erase(key_of(record)) != 0) {
      return {{"batchItemFailures", {{{"itemIdentifier", record["dynamodb"]["SequenceNumber"]}}}}};
    }
  }
  return json::object();
}
FOGBANK_LAMBDA_HANDLER("test.stream", stream_handler);

class stream_mapping : public lambda_test {
 protected:
  void SetUp() override {
    lambda_test::SetUp();
    stream_batches = &seen_;
    stream_clock = &clock();
    stream_start_ms = clock().epoch_millis();
    fail_once = &fail_once_;
    create("consumer", "test.stream");
    stream_arn_ =
        ok("dynamodb", "CreateTable",
           {{"TableName", "orders"},
            {"AttributeDefinitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
            {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}},
            {"BillingMode", "PAY_PER_REQUEST"},
            {"StreamSpecification",
             {{"StreamEnabled", true}, {"StreamViewType", "NEW_AND_OLD_IMAGES"}}}})["TableDescription"]
            .value("LatestStreamArn", "");
    ASSERT_FALSE(stream_arn_.empty());
  }
  void TearDown() override {
    stream_batches = nullptr;
    fail_once = nullptr;
  }

  json map(json extra = json::object()) {
    extra["EventSourceArn"] = stream_arn_;
    extra["FunctionName"] = "consumer";
    if (!extra.contains("StartingPosition")) extra["StartingPosition"] = "TRIM_HORIZON";
    return ok("CreateEventSourceMapping", extra);
  }
  void put(const std::string& key) {
    ok("dynamodb", "PutItem", {{"TableName", "orders"}, {"Item", {{"pk", {{"S", key}}}}}});
  }
  // The keys of each batch seen.
  std::vector<std::vector<std::string>> keys() const {
    std::vector<std::vector<std::string>> out;
    for (const stream_seen& b : seen_) {
      out.emplace_back();
      for (const json& r : b.event["Records"]) out.back().push_back(key_of(r));
    }
    return out;
  }

  std::string stream_arn_;
  std::vector<stream_seen> seen_;
  std::set<std::string> fail_once_;
};

using key_batches = std::vector<std::vector<std::string>>;

TEST_F(stream_mapping, CreateAnswersLambdasStreamShapeAndChecksItsMembers) {
  const json created = map();
  // Recorded DynamoDB create response (research §6.1).
  EXPECT_EQ(created["State"], "Creating");
  EXPECT_EQ(created["StateTransitionReason"], "User action");
  EXPECT_EQ(created["BatchSize"], 100);
  EXPECT_EQ(created["StartingPosition"], "TRIM_HORIZON");
  EXPECT_EQ(created["MaximumRetryAttempts"], -1);
  EXPECT_EQ(created["MaximumRecordAgeInSeconds"], -1);
  EXPECT_EQ(created["BisectBatchOnFunctionError"], false);
  EXPECT_EQ(created["ParallelizationFactor"], 1);
  EXPECT_EQ(created["DestinationConfig"], (json{{"OnFailure", json::object()}}));
  EXPECT_EQ(created["LastProcessingResult"], "No records processed");
  EXPECT_EQ(created["FunctionResponseTypes"], json::array());

  fails(
      "CreateEventSourceMapping",
      {{"EventSourceArn", stream_arn_}, {"FunctionName", "consumer"}, {"StartingPosition", "AT_TIMESTAMP"}},
      error_code::validation,
      "1 validation error detected: Value 'AT_TIMESTAMP' at 'startingPosition' failed to satisfy constraint: "
      "Member must satisfy enum value set: [TRIM_HORIZON, LATEST]");
  fails("CreateEventSourceMapping",
        {{"EventSourceArn", stream_arn_},
         {"FunctionName", "consumer"},
         {"StartingPosition", "LATEST"},
         {"MaximumRetryAttempts", 10001}},
        error_code::validation,
        "1 validation error detected: Value 10001 at 'maximumRetryAttempts' failed to satisfy constraint: "
        "Member "
        "must have value less than or equal to 10000");
  // AWS answers a missing StartingPosition in the validation form, as InvalidParameterValue
  // (winglang/wing#7178), and an unknown stream with its ARN alone.
  fails("CreateEventSourceMapping", {{"EventSourceArn", stream_arn_}, {"FunctionName", "consumer"}},
        error_code::lambda_invalid_parameter_value,
        "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member "
        "must "
        "not be null.");
  const std::string missing_stream =
      stream_arn_.substr(0, stream_arn_.rfind('/') + 1) + "2000-01-01T00:00:00.000";
  fails("CreateEventSourceMapping",
        {{"EventSourceArn", missing_stream}, {"FunctionName", "consumer"}, {"StartingPosition", "LATEST"}},
        error_code::lambda_invalid_parameter_value, "Stream not found: " + missing_stream);
  // ScalingConfig is for Amazon SQS only (API_ScalingConfig); the wording is unconfirmed.
  fails("CreateEventSourceMapping",
        {{"EventSourceArn", stream_arn_},
         {"FunctionName", "consumer"},
         {"StartingPosition", "LATEST"},
         {"ScalingConfig", {{"MaximumConcurrency", 2}}}},
        error_code::lambda_invalid_parameter_value, "Unsupported ScalingConfig for DynamoDB event sources");
  // Recorded (research §6.1).
  fails("CreateEventSourceMapping",
        {{"EventSourceArn", stream_arn_}, {"FunctionName", "consumer"}, {"StartingPosition", "LATEST"}},
        error_code::lambda_resource_conflict,
        "The event source arn (\" " + stream_arn_ +
            " \") and function (\" consumer \") provided mapping already "
            "exists. Please update or delete the existing mapping with UUID " +
            created["UUID"].get<std::string>());
}

TEST_F(stream_mapping, TrimHorizonReadsEverythingInOrderThenEachWriteAtItsInstant) {
  for (const std::string key : {"a", "b", "c"}) put(key);
  map({{"BatchSize", 2}});
  emulator_->run_until_idle();
  EXPECT_EQ(keys(), (key_batches{{"a", "b"}, {"c"}}));
  const json record = seen_[0].event["Records"][0];
  // Lambda's DynamoDB record: GetRecords' record plus eventSourceARN (research §7.2).
  EXPECT_EQ(record["eventName"], "INSERT");
  EXPECT_EQ(record["eventSource"], "aws:dynamodb");
  EXPECT_EQ(record["eventSourceARN"], stream_arn_);
  EXPECT_EQ(record["awsRegion"], "us-east-1");
  EXPECT_EQ(record["dynamodb"]["NewImage"], (json{{"pk", {{"S", "a"}}}}));
  EXPECT_EQ(record["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES");

  advance(5s);
  put("d");
  emulator_->run_until_idle();
  EXPECT_EQ(keys(), (key_batches{{"a", "b"}, {"c"}, {"d"}}));
  EXPECT_EQ(seen_.back().at_ms, 5000);
  EXPECT_EQ(ok("GetEventSourceMapping",
               {{"UUID", ok("ListEventSourceMappings",
                            json::object())["EventSourceMappings"][0]["UUID"]}})["LastProcessingResult"],
            "OK");
}

TEST_F(stream_mapping, LatestSkipsWhatWasWrittenBefore) {
  put("old");
  map({{"StartingPosition", "LATEST"}});
  emulator_->run_until_idle();
  EXPECT_TRUE(seen_.empty());
  put("new");
  emulator_->run_until_idle();
  EXPECT_EQ(keys(), (key_batches{{"new"}}));
}

TEST_F(stream_mapping, AFailedBatchIsRetriedUntilMaximumRetryAttemptsThenGoesToOnFailure) {
  const std::string failures = create_queue("stream-failures");
  put("poison");
  put("after");
  map({{"BatchSize", 1},
       {"MaximumRetryAttempts", 2},
       {"DestinationConfig", {{"OnFailure", {{"Destination", queue_arn("stream-failures")}}}}}});
  advance(1min);
  // Three attempts of the poison record (the first and two retries, 1 s and then 2 s apart), then on.
  EXPECT_EQ(keys(), (key_batches{{"poison"}, {"poison"}, {"poison"}, {"after"}}));
  EXPECT_EQ(seen_[1].at_ms, 1000);
  EXPECT_EQ(seen_[2].at_ms, 3000);
  const json records = receive_all(failures);
  ASSERT_EQ(records.size(), 1u) << records.dump();
  const json record = json::parse(records[0]["Body"].get<std::string>());
  EXPECT_EQ(record["requestContext"]["condition"], "RetryAttemptsExhausted");
  EXPECT_EQ(record["requestContext"]["approximateInvokeCount"], 3);
  EXPECT_EQ(record["requestContext"]["functionArn"], function_arn("consumer"));
  EXPECT_EQ(record["responseContext"]["functionError"], "Unhandled");
  const json& info = record["DDBStreamBatchInfo"];
  EXPECT_EQ(info["batchSize"], 1);
  EXPECT_EQ(info["streamArn"], stream_arn_);
  EXPECT_EQ(info["startSequenceNumber"], seen_[0].event["Records"][0]["dynamodb"]["SequenceNumber"]);
  EXPECT_EQ(info["endSequenceNumber"], info["startSequenceNumber"]);
  EXPECT_FALSE(info["shardId"].get<std::string>().empty());
}

TEST_F(stream_mapping, ARecordOlderThanMaximumRecordAgeIsGivenUpOn) {
  const std::string failures = create_queue("stream-failures");
  put("poison");
  put("after");
  map({{"BatchSize", 1},
       {"MaximumRecordAgeInSeconds", 60},
       {"DestinationConfig", {{"OnFailure", {{"Destination", queue_arn("stream-failures")}}}}}});
  advance(10min);
  // Retries 1, 2, 4, ... 32 s apart (attempts at 0, 1, 3, 7, 15, 31, 63 s); after the one at
  // 63 s the record is older than 60 s.
  std::vector<std::int64_t> poison_at;
  for (const stream_seen& b : seen_)
    if (key_of(b.event["Records"][0]) == "poison") poison_at.push_back(b.at_ms);
  EXPECT_EQ(poison_at, (std::vector<std::int64_t>{0, 1000, 3000, 7000, 15000, 31000, 63000}));
  EXPECT_EQ(keys().back(), std::vector<std::string>{"after"});
  const json records = receive_all(failures);
  ASSERT_EQ(records.size(), 1u) << records.dump();
  const json body = json::parse(records[0]["Body"].get<std::string>());
  EXPECT_EQ(body["requestContext"]["condition"], "RecordAgeExceeded");
  // Given up for its age, not after an invocation's answer: no responseContext, as on AWS.
  EXPECT_FALSE(body.contains("responseContext")) << body.dump();
}

TEST_F(stream_mapping, NewRecordsDoNotHurryTheRetryOfAFailedBatch) {
  put("poison");
  map({{"BatchSize", 1}, {"MaximumRetryAttempts", 1}});
  emulator_->run_until_idle();
  ASSERT_EQ(seen_.size(), 1u);
  advance(std::chrono::milliseconds(500));
  put("later");
  emulator_->run_until_idle();
  EXPECT_EQ(seen_.size(), 1u) << "retried at 500 ms, before its backoff";
  advance(std::chrono::milliseconds(500));
  EXPECT_EQ(keys(), (key_batches{{"poison"}, {"poison"}, {"later"}}));
  EXPECT_EQ(seen_[1].at_ms, 1000);
}

TEST_F(stream_mapping, BisectIsolatesAPoisonRecord) {
  const std::string failures = create_queue("stream-failures");
  for (const std::string key : {"a", "b", "poison", "d"}) put(key);
  map({{"BatchSize", 4},
       {"BisectBatchOnFunctionError", true},
       {"MaximumRetryAttempts", 0},
       {"DestinationConfig", {{"OnFailure", {{"Destination", queue_arn("stream-failures")}}}}}});
  advance(1min);
  EXPECT_EQ(keys(), (key_batches{{"a", "b", "poison", "d"}, {"a", "b"}, {"poison", "d"}, {"poison"}, {"d"}}));
  const json records = receive_all(failures);
  ASSERT_EQ(records.size(), 1u) << records.dump();
  const json info = json::parse(records[0]["Body"].get<std::string>())["DDBStreamBatchInfo"];
  EXPECT_EQ(info["batchSize"], 1);
  EXPECT_EQ(info["startSequenceNumber"], seen_[3].event["Records"][0]["dynamodb"]["SequenceNumber"]);
}

TEST_F(stream_mapping, ReportBatchItemFailuresRetriesFromTheLowestFailedRecord) {
  for (const std::string key : {"a", "b", "c"}) put(key);
  fail_once_ = {"b"};
  map({{"FunctionResponseTypes", {"ReportBatchItemFailures"}}});
  advance(10s);
  EXPECT_EQ(keys(), (key_batches{{"a", "b", "c"}, {"b", "c"}}));
}

TEST_F(stream_mapping, FilterCriteriaSkipsWhatNoFilterMatches) {
  map({{"FilterCriteria",
        {{"Filters",
          {{{"Pattern",
             R"({"eventName": ["INSERT"], "dynamodb": {"Keys": {"pk": {"S": [{"prefix": "keep"}]}}}})"}}}}}}});
  put("keep-1");
  put("drop-1");
  put("keep-1");  // a MODIFY: filtered out
  put("keep-2");
  emulator_->run_until_idle();
  EXPECT_EQ(keys(), (key_batches{{"keep-1", "keep-2"}}));
  put("drop-2");
  emulator_->run_until_idle();
  EXPECT_EQ(keys().size(), 1u) << "a batch with nothing left after filtering invokes nothing";
}

TEST_F(stream_mapping, ManyWritesArriveInOrderExactlyOnce) {
  map({{"BatchSize", 7}});
  std::vector<std::string> written;
  for (int i = 0; i < 40; ++i) {
    written.push_back("k" + std::to_string(i));
    put(written.back());
    if (i % 9 == 0) emulator_->run_until_idle();
  }
  emulator_->run_until_idle();
  std::vector<std::string> delivered;
  std::string last_sequence;
  for (const stream_seen& b : seen_) {
    EXPECT_LE(b.event["Records"].size(), 7u);
    for (const json& r : b.event["Records"]) {
      delivered.push_back(key_of(r));
      const std::string sequence = r["dynamodb"]["SequenceNumber"];
      EXPECT_TRUE(last_sequence.empty() || sequence.size() > last_sequence.size() ||
                  (sequence.size() == last_sequence.size() && sequence > last_sequence))
          << last_sequence << " then " << sequence;
      last_sequence = sequence;
    }
  }
  EXPECT_EQ(delivered, written);
}

}  // namespace
}  // namespace fogbank::lambda
