// Event source mappings from SQS on a manual clock: the control plane (Create, Get, List, Update,
// Delete and their errors), delivery at the instant a message is sent, BatchSize and
// MaximumBatchingWindowInSeconds, failed batches back after the visibility timeout and moved by
// the queue's own RedrivePolicy, ReportBatchItemFailures, Lambda's SQS record shape, and the same
// invocations for the same scenario.

#include "lambda_fixture.hpp"

#include "fogbank/lambda/handler.hpp"

#include <vector>

namespace fogbank::lambda {
namespace {

using namespace std::chrono_literals;

// What test.batch saw: each invocation's event and the service time (ms since the test began).
struct batch_seen {
  std::int64_t at_ms;
  json event;
};
std::vector<batch_seen>* batches = nullptr;
const core::clock* batch_clock = nullptr;
std::int64_t batch_start_ms = 0;

// Throws if a record's body is "throw"; lists records whose body starts with "fail" as
// batchItemFailures.
json batch_handler(const json& event, context&) {
  batches->push_back({batch_clock->epoch_millis() - batch_start_ms, event});
  json failures = json::array();
  for (const json& record : event["Records"]) {
    const std::string body = record.value("body", "");
    if (body == "throw") throw std::runtime_error("a poison message");
    if (body.rfind("fail", 0) == 0) failures.push_back({{"itemIdentifier", record["messageId"]}});
  }
  return {{"batchItemFailures", failures}};
}
FOGBANK_LAMBDA_HANDLER("test.batch", batch_handler);

class sqs_mapping : public lambda_test {
 protected:
  void SetUp() override {
    lambda_test::SetUp();
    batches = &seen_;
    batch_clock = &clock();
    batch_start_ms = clock().epoch_millis();
    create("consumer", "test.batch");
  }
  void TearDown() override { batches = nullptr; }

  json map(const std::string& queue, json extra = json::object()) {
    extra["EventSourceArn"] = queue_arn(queue);
    extra["FunctionName"] = "consumer";
    return ok("CreateEventSourceMapping", extra);
  }
  void send(const std::string& url, const std::string& body) {
    ok("sqs", "SendMessage", {{"QueueUrl", url}, {"MessageBody", body}});
  }
  // The bodies of each batch seen, e.g. {{"a", "b"}, {"c"}}.
  std::vector<std::vector<std::string>> bodies() const {
    std::vector<std::vector<std::string>> out;
    for (const batch_seen& b : seen_) {
      out.emplace_back();
      for (const json& r : b.event["Records"]) out.back().push_back(r.value("body", ""));
    }
    return out;
  }
  std::string approximate(const std::string& url, const std::string& name) {
    return ok("sqs", "GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {name}}})["Attributes"]
        .value(name, "");
  }

  std::vector<batch_seen> seen_;
};

using strings = std::vector<std::vector<std::string>>;

TEST_F(sqs_mapping, CreateGetListUpdateDeleteAnswerLambdasShapes) {
  create_queue("jobs");
  const json created = map("jobs");
  // Recorded SQS create response (research §6.1).
  EXPECT_EQ(created["State"], "Creating");
  EXPECT_EQ(created["StateTransitionReason"], "USER_INITIATED");
  EXPECT_EQ(created["BatchSize"], 10);
  EXPECT_EQ(created["MaximumBatchingWindowInSeconds"], 0);
  EXPECT_EQ(created["FunctionResponseTypes"], json::array());
  EXPECT_EQ(created["FunctionArn"], function_arn("consumer"));
  EXPECT_EQ(created["EventSourceArn"], queue_arn("jobs"));
  EXPECT_FALSE(created.contains("StartingPosition")) << created.dump();
  const std::string uuid = created["UUID"];
  EXPECT_EQ(created["EventSourceMappingArn"],
            "arn:aws:lambda:us-east-1:000000000000:event-source-mapping:" + uuid);

  EXPECT_EQ(ok("GetEventSourceMapping", {{"UUID", uuid}})["State"], "Enabled");
  const json listed = ok("ListEventSourceMappings", {{"FunctionName", "consumer"}});
  ASSERT_EQ(listed["EventSourceMappings"].size(), 1u) << listed.dump();
  EXPECT_EQ(listed["EventSourceMappings"][0]["UUID"], uuid);
  EXPECT_EQ(ok("ListEventSourceMappings", {{"EventSourceArn", queue_arn("other")}})["EventSourceMappings"],
            json::array());

  const json disabled =
      ok("UpdateEventSourceMapping", {{"UUID", uuid}, {"Enabled", false}, {"BatchSize", 5}});
  EXPECT_EQ(disabled["State"], "Disabling");
  EXPECT_EQ(disabled["BatchSize"], 5);
  EXPECT_EQ(ok("GetEventSourceMapping", {{"UUID", uuid}})["State"], "Disabled");

  EXPECT_EQ(ok("DeleteEventSourceMapping", {{"UUID", uuid}})["State"], "Deleting");
  fails("GetEventSourceMapping", {{"UUID", uuid}}, error_code::lambda_resource_not_found,
        "The resource you requested does not exist.");
}

// ScalingConfig (Amazon SQS only; API_ScalingConfig): MaximumConcurrency 2-1000, shown back, kept
// across Update unless given, removed by an empty value.
TEST_F(sqs_mapping, ScalingConfigIsValidatedShownAndRemovedByAnEmptyValue) {
  create_queue("jobs");
  const json created = map("jobs", {{"ScalingConfig", {{"MaximumConcurrency", 2}}}});
  EXPECT_EQ(created["ScalingConfig"], json({{"MaximumConcurrency", 2}})) << created.dump();
  const std::string uuid = created["UUID"];
  EXPECT_EQ(ok("UpdateEventSourceMapping", {{"UUID", uuid}, {"BatchSize", 5}})["ScalingConfig"],
            json({{"MaximumConcurrency", 2}}));
  EXPECT_EQ(ok("UpdateEventSourceMapping",
               {{"UUID", uuid}, {"ScalingConfig", {{"MaximumConcurrency", 1000}}}})["ScalingConfig"],
            json({{"MaximumConcurrency", 1000}}));
  fails("UpdateEventSourceMapping", {{"UUID", uuid}, {"ScalingConfig", {{"MaximumConcurrency", 1}}}},
        error_code::validation,
        "1 validation error detected: Value 1 at 'scalingConfig.maximumConcurrency' failed to satisfy "
        "constraint: Member must have value greater than or equal to 2");
  fails("UpdateEventSourceMapping", {{"UUID", uuid}, {"ScalingConfig", {{"MaximumConcurrency", 1001}}}},
        error_code::validation,
        "1 validation error detected: Value 1001 at 'scalingConfig.maximumConcurrency' failed to satisfy "
        "constraint: Member must have value less than or equal to 1000");
  EXPECT_EQ(ok("GetEventSourceMapping", {{"UUID", uuid}})["ScalingConfig"],
            json({{"MaximumConcurrency", 1000}}));
  const json removed = ok("UpdateEventSourceMapping", {{"UUID", uuid}, {"ScalingConfig", json::object()}});
  EXPECT_FALSE(removed.contains("ScalingConfig")) << removed.dump();
}

TEST_F(sqs_mapping, BadMappingsAreRefusedWithLambdasErrors) {
  create_queue("jobs");
  const json base = {{"EventSourceArn", queue_arn("jobs")}, {"FunctionName", "consumer"}};
  auto with = [&](const json& extra) {
    json r = base;
    r.update(extra);
    return r;
  };
  // Recorded (research §6.1).
  fails("CreateEventSourceMapping", with({{"BatchSize", 11}}), error_code::lambda_invalid_parameter_value,
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10");
  fails("CreateEventSourceMapping", with({{"BatchSize", 10001}}), error_code::validation,
        "1 validation error detected: Value 10001 at 'batchSize' failed to satisfy constraint: Member must "
        "have "
        "value less than or equal to 10000");
  fails("CreateEventSourceMapping", with({{"MaximumBatchingWindowInSeconds", 301}}), error_code::validation,
        "1 validation error detected: Value 301 at 'maximumBatchingWindowInSeconds' failed to satisfy "
        "constraint: "
        "Member must have value less than or equal to 300");
  fails("CreateEventSourceMapping", with({{"FunctionName", "nobody"}}), error_code::lambda_resource_not_found,
        "Function not found: " + function_arn("nobody"));
  ok("UpdateFunctionConfiguration", {{"FunctionName", "consumer"}, {"Timeout", 60}});
  fails("CreateEventSourceMapping", base, error_code::lambda_invalid_parameter_value,
        "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds");
  ok("UpdateFunctionConfiguration", {{"FunctionName", "consumer"}, {"Timeout", 3}});
  const core::call_result missing =
      call("CreateEventSourceMapping", with({{"EventSourceArn", queue_arn("nope")}}));
  ASSERT_TRUE(missing.error);
  EXPECT_EQ(missing.error->code(), error_code::lambda_invalid_parameter_value);
  EXPECT_EQ(missing.error->message().rfind("Error occurred while ReceiveMessage. SQS Error Code: "
                                           "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: ",
                                           0),
            0u)
      << missing.error->message();
  const std::string uuid = map("jobs")["UUID"];
  // AWS's wording for queues (DataBiosphere/azul#3399, aws/chalice#2146).
  fails("CreateEventSourceMapping", base, error_code::lambda_resource_conflict,
        "An event source mapping with SQS arn (\" " + queue_arn("jobs") +
            " \") and function (\" consumer \") already exists. Please update or delete the existing mapping "
            "with UUID " +
            uuid);
  // LocalStack's test recorded against AWS.
  fails("CreateEventSourceMapping", with({{"StartingPosition", "LATEST"}}),
        error_code::lambda_invalid_parameter_value, "StartingPosition is not valid for SQS event sources.");
  ok("sqs", "CreateQueue", {{"QueueName", "jobs.fifo"}, {"Attributes", {{"FifoQueue", "true"}}}});
  fails("CreateEventSourceMapping",
        with({{"EventSourceArn", queue_arn("jobs.fifo")},
              {"BatchSize", 11},
              {"MaximumBatchingWindowInSeconds", 1}}),
        error_code::lambda_invalid_parameter_value,
        "Batch size for FIFO queues must be less than or equal to 10.");
  const std::string fifo_uuid = map("jobs.fifo")["UUID"];
  fails("UpdateEventSourceMapping",
        {{"UUID", fifo_uuid}, {"BatchSize", 11}, {"MaximumBatchingWindowInSeconds", 1}},
        error_code::lambda_invalid_parameter_value,
        "Batch size for FIFO queues must be less than or equal to 10.");
  ok("DeleteEventSourceMapping", {{"UUID", fifo_uuid}});
  // None of the refused ones was made.
  EXPECT_EQ(ok("ListEventSourceMappings", json::object())["EventSourceMappings"].size(), 1u);
}

TEST_F(sqs_mapping, AMessageIsDeliveredAtTheInstantItIsSentInLambdasRecordShape) {
  const std::string url = create_queue("jobs");
  map("jobs");
  emulator_->run_until_idle();
  EXPECT_TRUE(seen_.empty());
  ok("sqs", "SendMessage",
     {{"QueueUrl", url},
      {"MessageBody", "hello"},
      {"MessageAttributes", {{"kind", {{"DataType", "String"}, {"StringValue", "greeting"}}}}}});
  emulator_->run_until_idle();
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].at_ms, 0);
  const json record = seen_[0].event["Records"][0];
  EXPECT_EQ(record["body"], "hello");
  EXPECT_EQ(record["eventSource"], "aws:sqs");
  EXPECT_EQ(record["eventSourceARN"], queue_arn("jobs"));
  EXPECT_EQ(record["awsRegion"], "us-east-1");
  EXPECT_EQ(record["md5OfBody"], "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(record["attributes"]["ApproximateReceiveCount"], "1");
  EXPECT_TRUE(record["attributes"].contains("SentTimestamp")) << record.dump();
  EXPECT_EQ(record["messageAttributes"]["kind"], (json{{"stringValue", "greeting"},
                                                       {"stringListValues", json::array()},
                                                       {"binaryListValues", json::array()},
                                                       {"dataType", "String"}}));
  EXPECT_TRUE(record.contains("md5OfMessageAttributes")) << record.dump();
  EXPECT_EQ(record["messageId"].get<std::string>().size(), 36u);
  // A successful batch is deleted.
  EXPECT_EQ(approximate(url, "ApproximateNumberOfMessages"), "0");
  EXPECT_EQ(approximate(url, "ApproximateNumberOfMessagesNotVisible"), "0");
}

TEST_F(sqs_mapping, BatchSizeSplitsWhatIsWaiting) {
  const std::string url = create_queue("jobs");
  for (const std::string body : {"a", "b", "c", "d", "e"}) send(url, body);
  map("jobs", {{"BatchSize", 2}});
  emulator_->run_until_idle();
  EXPECT_EQ(bodies(), (strings{{"a", "b"}, {"c", "d"}, {"e"}}));
}

TEST_F(sqs_mapping, TheBatchingWindowWaitsForAFullBatchOrItsEnd) {
  const std::string url = create_queue("jobs");
  map("jobs", {{"BatchSize", 3}, {"MaximumBatchingWindowInSeconds", 5}});
  send(url, "a");
  emulator_->run_until_idle();
  advance(2s);
  send(url, "b");
  advance(2900ms);
  EXPECT_TRUE(seen_.empty()) << "delivered before the window ended";
  advance(100ms);
  EXPECT_EQ(bodies(), (strings{{"a", "b"}}));
  EXPECT_EQ(seen_[0].at_ms, 5000);
  // A full batch goes at once.
  for (const std::string body : {"c", "d", "e"}) send(url, body);
  emulator_->run_until_idle();
  EXPECT_EQ(bodies(), (strings{{"a", "b"}, {"c", "d", "e"}}));
  EXPECT_EQ(seen_[1].at_ms, 5000);
}

TEST_F(sqs_mapping, AFailedBatchComesBackAfterItsVisibilityTimeoutAndTheQueuesRedriveMovesIt) {
  create_queue("jobs-dlq");
  const std::string dlq = ok("sqs", "GetQueueUrl", {{"QueueName", "jobs-dlq"}})["QueueUrl"];
  const std::string redrive =
      json{{"deadLetterTargetArn", queue_arn("jobs-dlq")}, {"maxReceiveCount", 2}}.dump();
  const json attributes = {{"VisibilityTimeout", "10"}, {"RedrivePolicy", redrive}};
  const std::string url =
      ok("sqs", "CreateQueue", {{"QueueName", "jobs"}, {"Attributes", attributes}})["QueueUrl"];
  map("jobs");
  send(url, "throw");
  emulator_->run_until_idle();
  ASSERT_EQ(seen_.size(), 1u);
  advance(9999ms);
  EXPECT_EQ(seen_.size(), 1u) << "retried before the visibility timeout ended";
  advance(1ms);
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_[1].at_ms, 10'000);
  EXPECT_EQ(seen_[1].event["Records"][0]["attributes"]["ApproximateReceiveCount"], "2");
  // The third receive finds maxReceiveCount passed: SQS moves the message to the dead-letter queue.
  advance(10s);
  EXPECT_EQ(seen_.size(), 2u);
  const json dead = receive_all(dlq);
  ASSERT_EQ(dead.size(), 1u) << dead.dump();
  EXPECT_EQ(dead[0]["Body"], "throw");
}

TEST_F(sqs_mapping, ReportBatchItemFailuresKeepsOnlyTheListedMessages) {
  const std::string url = create_queue("jobs");
  for (const std::string body : {"ok-1", "fail-1", "ok-2"}) send(url, body);
  map("jobs", {{"FunctionResponseTypes", {"ReportBatchItemFailures"}}});
  emulator_->run_until_idle();
  EXPECT_EQ(bodies(), (strings{{"ok-1", "fail-1", "ok-2"}}));
  EXPECT_EQ(approximate(url, "ApproximateNumberOfMessagesNotVisible"), "1");
  advance(30s);
  EXPECT_EQ(bodies(), (strings{{"ok-1", "fail-1", "ok-2"}, {"fail-1"}}));
}

TEST_F(sqs_mapping, WithoutReportBatchItemFailuresTheResponseIsIgnored) {
  const std::string url = create_queue("jobs");
  for (const std::string body : {"ok-1", "fail-1"}) send(url, body);
  map("jobs");
  emulator_->run_until_idle();
  EXPECT_EQ(approximate(url, "ApproximateNumberOfMessagesNotVisible"), "0");
  EXPECT_EQ(approximate(url, "ApproximateNumberOfMessages"), "0");
}

TEST_F(sqs_mapping, DelayedMessagesAreDeliveredWhenTheirDelayEnds) {
  const std::string url =
      ok("sqs", "CreateQueue", {{"QueueName", "slow"}, {"Attributes", {{"DelaySeconds", "4"}}}})["QueueUrl"];
  const std::string fast = create_queue("fast");
  map("slow");
  map("fast");
  send(url, "queue-delay");
  ok("sqs", "SendMessage", {{"QueueUrl", fast}, {"MessageBody", "own-delay"}, {"DelaySeconds", 7}});
  advance(3999ms);
  EXPECT_TRUE(seen_.empty());
  advance(1ms);
  ASSERT_EQ(bodies(), (strings{{"queue-delay"}}));
  EXPECT_EQ(seen_[0].at_ms, 4000);
  advance(3s);
  ASSERT_EQ(bodies(), (strings{{"queue-delay"}, {"own-delay"}}));
  EXPECT_EQ(seen_[1].at_ms, 7000);
}

TEST_F(sqs_mapping, FifoMessagesOfAGroupArriveInOrder) {
  const std::string url =
      ok("sqs", "CreateQueue",
         {{"QueueName", "orders.fifo"},
          {"Attributes", {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}}}})["QueueUrl"];
  for (const auto& [group, body] : std::vector<std::pair<std::string, std::string>>{
           {"g1", "g1-1"}, {"g2", "g2-1"}, {"g1", "g1-2"}, {"g1", "g1-3"}, {"g2", "g2-2"}}) {
    ok("sqs", "SendMessage", {{"QueueUrl", url}, {"MessageBody", body}, {"MessageGroupId", group}});
  }
  map("orders.fifo", {{"BatchSize", 2}});
  emulator_->run_until_idle();
  std::map<std::string, std::vector<std::string>> by_group;
  for (const batch_seen& b : seen_) {
    for (const json& r : b.event["Records"]) {
      by_group[r["attributes"].value("MessageGroupId", "")].push_back(r.value("body", ""));
      EXPECT_TRUE(r["attributes"].contains("SequenceNumber")) << r.dump();
    }
  }
  EXPECT_EQ(by_group["g1"], (std::vector<std::string>{"g1-1", "g1-2", "g1-3"}));
  EXPECT_EQ(by_group["g2"], (std::vector<std::string>{"g2-1", "g2-2"}));
}

TEST_F(sqs_mapping, FilterCriteriaDeletesWhatNoFilterMatches) {
  const std::string url = create_queue("jobs");
  const json filters = {
      {"Filters",
       {{{"Pattern", R"({"body": {"kind": ["order"]}})"}}, {{"Pattern", R"({"body": ["ping"]})"}}}}};
  const json created = map("jobs", {{"FilterCriteria", filters}});
  EXPECT_EQ(created["FilterCriteria"], filters);
  for (const std::string body : {R"({"kind": "order", "id": 1})", R"({"kind": "refund"})", "ping", "pong"}) {
    send(url, body);
  }
  emulator_->run_until_idle();
  EXPECT_EQ(bodies(), (strings{{R"({"kind": "order", "id": 1})", "ping"}}));
  // The filtered-out messages are gone from the queue, not left to come back.
  EXPECT_EQ(approximate(url, "ApproximateNumberOfMessages"), "0");
  EXPECT_EQ(approximate(url, "ApproximateNumberOfMessagesNotVisible"), "0");
  fails("CreateEventSourceMapping",
        {{"EventSourceArn", queue_arn("jobs")},
         {"FunctionName", "consumer"},
         {"FilterCriteria", {{"Filters", {{{"Pattern", R"({"body": "not a list"})"}}}}}}},
        error_code::lambda_invalid_parameter_value, "Invalid filter pattern definition.");
}

TEST_F(sqs_mapping, LookingAgainForMessagesHeldElsewhereNeverMultiplies) {
  const std::string url = create_queue("jobs");
  send(url, "held");
  // Another consumer holds the only message for 100 s.
  ASSERT_EQ(ok("sqs", "ReceiveMessage", {{"QueueUrl", url}, {"VisibilityTimeout", 100}})["Messages"].size(),
            1u);
  const std::string uuid = map("jobs")["UUID"];
  emulator_->run_until_idle();
  const std::size_t pending = emulator_->scheduler().pending();
  for (int i = 0; i < 20; ++i) {
    ok("UpdateEventSourceMapping", {{"UUID", uuid}, {"BatchSize", 1 + i % 2}});  // each one wakes the mapping
    advance(1s);
  }
  EXPECT_LE(emulator_->scheduler().pending(), pending);
  // The mapping looks again every visibility timeout of the queue (30 s) while something is in
  // flight, so it finds the message within one of them after the other consumer's hold ends.
  advance(80s);
  EXPECT_TRUE(seen_.empty());
  advance(20s);
  EXPECT_EQ(bodies(), (strings{{"held"}}));
  EXPECT_EQ(seen_[0].at_ms, 120'000);
}

TEST_F(sqs_mapping, ADisabledMappingReadsNothingUntilEnabled) {
  const std::string url = create_queue("jobs");
  const std::string uuid = map("jobs", {{"Enabled", false}})["UUID"];
  send(url, "a");
  advance(1min);
  EXPECT_TRUE(seen_.empty());
  ok("UpdateEventSourceMapping", {{"UUID", uuid}, {"Enabled", true}});
  emulator_->run_until_idle();
  EXPECT_EQ(bodies(), (strings{{"a"}}));
}

TEST_F(sqs_mapping, TheSameScenarioGivesTheSameInvocations) {
  auto run = [](std::uint64_t seed) {
    emulator_options options;
    options.manual_clock = true;
    options.seed = seed;
    std::string error;
    auto services = emulator::open(options, &error);
    EXPECT_TRUE(services) << error;
    std::vector<batch_seen> seen;
    batches = &seen;
    batch_clock = &services->clock();
    batch_start_ms = services->clock().epoch_millis();
    const auto& client = services->client();
    const std::string url =
        client.call("sqs", "CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"VisibilityTimeout", "5"}}}})
            .body.value("QueueUrl", "");
    client.call("lambda", "CreateFunction",
                {{"FunctionName", "consumer"},
                 {"Runtime", "provided.al2023"},
                 {"Handler", "test.batch"},
                 {"Role", role_arn},
                 {"Code", {{"ZipFile", small_zip_base64}}}});
    client.call("lambda", "CreateEventSourceMapping",
                {{"EventSourceArn", queue_arn("q")},
                 {"FunctionName", "consumer"},
                 {"BatchSize", 2},
                 {"FunctionResponseTypes", {"ReportBatchItemFailures"}}});
    for (int i = 0; i < 7; ++i) {
      client.call("sqs", "SendMessage",
                  {{"QueueUrl", url}, {"MessageBody", (i % 3 == 0 ? "fail-" : "ok-") + std::to_string(i)}});
      services->advance(700ms);
    }
    services->advance(12s);
    std::string transcript;
    for (const batch_seen& b : seen) transcript += std::to_string(b.at_ms) + " " + b.event.dump() + "\n";
    batches = nullptr;
    return transcript;
  };
  const std::string first = run(11);
  EXPECT_EQ(first, run(11));
  EXPECT_NE(first.find("fail-3"), std::string::npos) << first;
}

}  // namespace
}  // namespace fogbank::lambda
