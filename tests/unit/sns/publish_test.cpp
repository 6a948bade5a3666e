// Publish and PublishBatch on a manual clock: the SQS envelope and raw delivery, message
// attribute validation, MessageStructure json, filter policies deciding delivery, FIFO topics
// (ordering, deduplication, a FIFO queue's group and deduplication ids), Lambda's SNS event
// (seen by a C++ handler registered here), dead-letter queues, and what survives a reopen.
// Every delivery is a scheduler entry: nothing arrives until the test runs what is due.

#include "../lambda/lambda_fixture.hpp"
#include "sns_fixture.hpp"

#include "fogbank/lambda/handler.hpp"

#include <filesystem>
#include <vector>

namespace fogbank::sns {
namespace {

std::vector<json>* seen_events = nullptr;

json capture(const json& event, lambda::context&) {
  if (seen_events != nullptr) seen_events->push_back(event);
  return nullptr;
}
FOGBANK_LAMBDA_HANDLER("test.sns_capture", capture);

class publish_test : public sns_test {
 protected:
  void SetUp() override {
    sns_test::SetUp();
    seen_events = &events_;
  }
  void TearDown() override { seen_events = nullptr; }

  // A topic with one SQS subscription; returns the queue's URL.
  std::string wire(const std::string& topic_name, const std::string& queue_name,
                   const json& attributes = json::object(), const json& queue_attributes = json::object()) {
    const std::string arn = topic(topic_name);
    const std::string url = queue(queue_name, queue_attributes);
    subscribe(arn, "sqs", queue_arn(queue_name), attributes);
    return url;
  }

  std::vector<json> events_;
};

TEST_F(publish_test, delivery_is_a_scheduler_entry_with_the_sns_envelope) {
  const std::string url = wire("t", "q");
  const json published =
      ok("Publish", {{"TopicArn", topic_arn("t")},
                     {"Message", "hello"},
                     {"Subject", "greeting"},
                     {"MessageAttributes", {{"n", {{"DataType", "Number"}, {"StringValue", "42"}}}}}});
  EXPECT_EQ(receive(url), json::array()) << "delivered on the publisher's thread";
  EXPECT_GE(run(), 1u);
  const json messages = receive(url);
  ASSERT_EQ(messages.size(), 1u);
  // Members in AWS's order (the recorded envelopes), so the body compares as text too.
  const std::string body = messages[0]["Body"];
  const json envelope = json::parse(body);
  const std::string sub = ok("ListSubscriptions", json::object())["Subscriptions"][0]["SubscriptionArn"];
  EXPECT_EQ(envelope["Type"], "Notification");
  EXPECT_EQ(envelope["MessageId"], published["MessageId"]);
  EXPECT_EQ(envelope["TopicArn"], topic_arn("t"));
  EXPECT_EQ(envelope["Subject"], "greeting");
  EXPECT_EQ(envelope["Message"], "hello");
  EXPECT_EQ(envelope["Timestamp"], "2023-11-14T22:13:20.000Z");  // the manual clock's start
  EXPECT_EQ(envelope["SignatureVersion"], "1");
  EXPECT_TRUE(envelope["Signature"].is_string());
  EXPECT_TRUE(
      envelope["SigningCertURL"].get<std::string>().starts_with("https://sns.us-east-1.amazonaws.com/"));
  EXPECT_EQ(envelope["UnsubscribeURL"], "http://localhost:4566/?Action=Unsubscribe&SubscriptionArn=" + sub);
  EXPECT_EQ(envelope["MessageAttributes"], json::parse(R"({"n": {"Type": "Number", "Value": "42"}})"));
  EXPECT_TRUE(body.starts_with(R"({"Type":"Notification","MessageId":)")) << body;
  EXPECT_LT(body.find("\"TopicArn\""), body.find("\"Subject\""));
  EXPECT_LT(body.find("\"Message\""), body.find("\"Timestamp\""));
  EXPECT_LT(body.find("\"UnsubscribeURL\""), body.find("\"MessageAttributes\""));
}

TEST_F(publish_test, raw_delivery_sends_the_message_and_its_attributes) {
  const std::string url = wire("t", "q", {{"RawMessageDelivery", "true"}});
  ok("Publish", {{"TopicArn", topic_arn("t")},
                 {"Message", "raw body"},
                 {"MessageAttributes",
                  {{"s", {{"DataType", "String"}, {"StringValue", "v"}}},
                   {"b", {{"DataType", "Binary"}, {"BinaryValue", "AgME"}}}}}});
  run();
  const json messages = receive(url);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["Body"], "raw body");
  EXPECT_EQ(messages[0]["MessageAttributes"]["s"],
            json::parse(R"({"DataType": "String", "StringValue": "v"})"));
  EXPECT_EQ(messages[0]["MessageAttributes"]["b"],
            json::parse(R"({"DataType": "Binary", "BinaryValue": "AgME"})"));
}

TEST_F(publish_test, message_validation) {
  topic("t");
  const std::string arn = topic_arn("t");
  fails("Publish", {{"TopicArn", arn}, {"Message", ""}}, error_code::sns_invalid_parameter,
        "Invalid parameter: Empty message");
  fails("Publish", {{"TopicArn", arn}, {"Message", "m"}, {"Subject", ""}}, error_code::sns_invalid_parameter,
        "Invalid parameter: Subject");
  fails("Publish", {{"TopicArn", arn}, {"Message", std::string(262'145, 'x')}},
        error_code::sns_invalid_parameter, "Invalid parameter: Message too long");
  fails("Publish", {{"TopicArn", topic_arn("none")}, {"Message", "m"}}, error_code::sns_not_found,
        "Topic does not exist");
  fails("Publish", {{"TopicArn", arn}, {"Message", "m"}, {"MessageDeduplicationId", "d"}},
        error_code::sns_invalid_parameter,
        "Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId "
        "parameter that is "
        "not valid for this topic type");
  // Recorded: test_empty_or_wrong_message_attributes.
  const auto attribute = [&](const json& attributes) {
    return json{{"TopicArn", arn}, {"Message", "m"}, {"MessageAttributes", attributes}};
  };
  fails("Publish", attribute({{"attr1", {{"DataType", "String"}, {"StringValue", ""}}}}),
        error_code::sns_parameter_value_invalid,
        "The message attribute 'attr1' must contain non-empty message attribute value for message attribute "
        "type 'String'.");
  fails("Publish", attribute({{"attr1", {{"DataType", "String"}, {"BinaryValue", "AgME"}}}}),
        error_code::sns_parameter_value_invalid,
        "The message attribute 'attr1' with type 'String' must use field 'String'.");
  fails("Publish", attribute({{"attr1", {{"DataType", "Binary"}, {"StringValue", "x"}}}}),
        error_code::sns_parameter_value_invalid,
        "The message attribute 'attr1' with type 'Binary' must use field 'Binary'.");
  fails("Publish", attribute({{"attr1", {{"DataType", "Other"}, {"StringValue", "x"}}}}),
        error_code::sns_parameter_value_invalid,
        "The message attribute 'attr1' has an invalid message attribute type, the set of supported type "
        "prefixes is "
        "Binary, Number, and String.");
  fails("Publish", attribute({{"attr1", {{"StringValue", "x"}}}}), error_code::sns_validation_error,
        "1 validation error detected: Value null at 'messageAttributes.attr1.member.dataType' failed to "
        "satisfy "
        "constraint: Member must not be null");
  fails("Publish", attribute({{"a^b", {{"DataType", "String"}, {"StringValue", "x"}}}}),
        error_code::sns_parameter_value_invalid,
        "Invalid non-alphanumeric character '#x5E' was found in the message attribute name. Can only include "
        "alphanumeric characters, hyphens, underscores, or dots.");
  fails("Publish", attribute({{".a", {{"DataType", "String"}, {"StringValue", "x"}}}}),
        error_code::sns_parameter_value_invalid,
        "Invalid message attribute name starting with character '.' was found.");
  fails("Publish", attribute({{"a..b", {{"DataType", "String"}, {"StringValue", "x"}}}}),
        error_code::sns_parameter_value_invalid,
        "Message attribute name can not have successive '.' character.");
}

TEST_F(publish_test, message_structure_json_picks_the_protocols_message) {
  const std::string url = wire("t", "q");
  fails("Publish",
        {{"TopicArn", topic_arn("t")}, {"Message", R"({"sqs": "x"})"}, {"MessageStructure", "json"}},
        error_code::sns_invalid_parameter,
        "Invalid parameter: Message Structure - No default entry in JSON message body");
  fails("Publish", {{"TopicArn", topic_arn("t")}, {"Message", "not json"}, {"MessageStructure", "json"}},
        error_code::sns_invalid_parameter,
        "Invalid parameter: Message Structure - JSON message body failed to parse");
  ok("Publish", {{"TopicArn", topic_arn("t")},
                 {"Message", R"({"default": "d", "sqs": "for sqs"})"},
                 {"MessageStructure", "json"}});
  ok("Publish", {{"TopicArn", topic_arn("t")},
                 {"Message", R"({"default": "d", "email": "e"})"},
                 {"MessageStructure", "json"}});
  run();
  const json messages = receive(url);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(json::parse(messages[0]["Body"].get<std::string>())["Message"], "for sqs");
  EXPECT_EQ(json::parse(messages[1]["Body"].get<std::string>())["Message"], "d");
}

TEST_F(publish_test, attribute_filter_policy_decides_delivery) {
  const std::string url =
      wire("t", "q", {{"FilterPolicy", R"({"attr1": [{"numeric": [">", 0, "<=", 100]}]})"}});
  const auto publish = [&](const std::string& message, const json& attributes) {
    json request{{"TopicArn", topic_arn("t")}, {"Message", message}};
    if (!attributes.empty()) request["MessageAttributes"] = attributes;
    ok("Publish", request);
  };
  publish("too big", {{"attr1", {{"DataType", "Number"}, {"StringValue", "111"}}}});
  publish("none", json::object());
  publish("fits", {{"attr1", {{"DataType", "Number"}, {"StringValue", "99.12"}}}});
  run();
  const json messages = receive(url);
  ASSERT_EQ(messages.size(), 1u) << messages.dump();
  EXPECT_EQ(json::parse(messages[0]["Body"].get<std::string>())["Message"], "fits");
}

TEST_F(publish_test, payload_filter_policy_decides_delivery) {
  const std::string url = wire("t", "q",
                               {{"FilterPolicyScope", "MessageBody"},
                                {"FilterPolicy", R"({"object": {"key": [{"prefix": "auto-"}]}})"},
                                {"RawMessageDelivery", "true"}});
  for (const char* message : {R"({"object": {"key": "auto-test"}})", R"({"object": {"key": "home"}})",
                              "auto-plain", R"({"object.key": "auto-dotted"})"}) {
    ok("Publish", {{"TopicArn", topic_arn("t")}, {"Message", message}});
  }
  run();
  const json messages = receive(url);
  ASSERT_EQ(messages.size(), 2u) << messages.dump();
  EXPECT_EQ(messages[0]["Body"], R"({"object": {"key": "auto-test"}})");
  EXPECT_EQ(messages[1]["Body"], R"({"object.key": "auto-dotted"})");
}

TEST_F(publish_test, fifo_topic_keeps_order_and_deduplicates) {
  const std::string arn = topic("jobs.fifo", {{"FifoTopic", "true"}, {"ContentBasedDeduplication", "true"}});
  const std::string url = queue("jobs.fifo", {{"FifoQueue", "true"}});
  subscribe(arn, "sqs", queue_arn("jobs.fifo"), {{"RawMessageDelivery", "true"}});
  fails("Publish", {{"TopicArn", arn}, {"Message", "m"}}, error_code::sns_invalid_parameter,
        "Invalid parameter: The MessageGroupId parameter is required for FIFO topics");
  const json first = ok("Publish", {{"TopicArn", arn}, {"Message", "Test"}, {"MessageGroupId", "g"}});
  EXPECT_EQ(first["SequenceNumber"].get<std::string>().size(), 20u);
  const json again = ok("Publish", {{"TopicArn", arn}, {"Message", "Test"}, {"MessageGroupId", "g"}});
  EXPECT_EQ(again, first) << "a duplicate answers the first message's id and sequence number";
  json entries = json::array();
  for (int i = 0; i < 5; ++i) {
    entries.push_back(
        {{"Id", "e" + std::to_string(i)}, {"Message", "m" + std::to_string(i)}, {"MessageGroupId", "g"}});
  }
  const json batch = ok("PublishBatch", {{"TopicArn", arn}, {"PublishBatchRequestEntries", entries}});
  ASSERT_EQ(batch["Successful"].size(), 5u);
  EXPECT_GT(batch["Successful"][0]["SequenceNumber"].get<std::string>(),
            first["SequenceNumber"].get<std::string>());
  run();
  std::vector<std::string> bodies;
  for (int round = 0; round < 6; ++round) {
    const json messages = receive(url);
    for (const json& m : messages) {
      bodies.push_back(m["Body"]);
      if (bodies.size() == 1) {
        // Content-based: the SHA-256 of the message (recorded for "Test").
        EXPECT_EQ(m["Attributes"]["MessageDeduplicationId"],
                  "532eaabd9574880dbf76b9b8cc00832c20a6ec113d682299550d7a6e0f345e25");
        EXPECT_EQ(m["Attributes"]["MessageGroupId"], "g");
      }
      ok("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", m["ReceiptHandle"]}}, "sqs");
    }
  }
  EXPECT_EQ(bodies, (std::vector<std::string>{"Test", "m0", "m1", "m2", "m3", "m4"}));
}

TEST_F(publish_test, fifo_envelope_has_a_sequence_number_and_no_signature) {
  const std::string arn = topic("f.fifo", {{"FifoTopic", "true"}});
  const std::string url = queue("plain");
  subscribe(arn, "sqs", queue_arn("plain"));
  fails("Publish", {{"TopicArn", arn}, {"Message", "m"}, {"MessageGroupId", "g"}},
        error_code::sns_invalid_parameter,
        "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId "
        "provided explicitly");
  const json published =
      ok("Publish",
         {{"TopicArn", arn}, {"Message", "m"}, {"MessageGroupId", "g"}, {"MessageDeduplicationId", "d"}});
  run();
  const json messages = receive(url);
  ASSERT_EQ(messages.size(), 1u);
  const json envelope = json::parse(messages[0]["Body"].get<std::string>());
  EXPECT_EQ(envelope["SequenceNumber"], published["SequenceNumber"]);
  EXPECT_FALSE(envelope.contains("Signature")) << envelope.dump();
}

TEST_F(publish_test, publish_batch_errors) {
  const std::string arn = topic("t");
  json eleven = json::array();
  for (int i = 0; i < 11; ++i) eleven.push_back({{"Id", std::to_string(i)}, {"Message", "m"}});
  fails("PublishBatch", {{"TopicArn", arn}, {"PublishBatchRequestEntries", eleven}},
        error_code::sns_too_many_entries_in_batch,
        "The batch request contains more entries than permissible.");
  fails("PublishBatch",
        {{"TopicArn", arn},
         {"PublishBatchRequestEntries", {{{"Id", "1"}, {"Message", "a"}}, {{"Id", "1"}, {"Message", "b"}}}}},
        error_code::sns_batch_entry_ids_not_distinct,
        "Two or more batch entries in the request have the same Id.");
  fails("PublishBatch",
        {{"TopicArn", arn},
         {"PublishBatchRequestEntries",
          {{{"Id", "1"}, {"Message", std::string(200'000, 'a')}},
           {{"Id", "2"}, {"Message", std::string(200'000, 'b')}}}}},
        error_code::sns_batch_request_too_long,
        "The length of all the messages put together is more than the limit.");
  fails("PublishBatch",
        {{"TopicArn", topic_arn("none")}, {"PublishBatchRequestEntries", {{{"Id", "1"}, {"Message", "a"}}}}},
        error_code::sns_not_found, "Topic does not exist");
}

TEST_F(publish_test, lambda_subscription_gets_lambdas_sns_event) {
  const std::string arn = topic("t");
  ok("CreateFunction",
     {{"FunctionName", "sink"},
      {"Handler", "test.sns_capture"},
      {"Runtime", "provided.al2023"},
      {"Role", lambda::role_arn},
      {"Code", {{"ZipFile", lambda::small_zip_base64}}}},
     "lambda");
  const std::string sub = subscribe(arn, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:sink");
  const json published =
      ok("Publish", {{"TopicArn", arn},
                     {"Message", "to lambda"},
                     {"MessageAttributes", {{"k", {{"DataType", "String"}, {"StringValue", "v"}}}}}});
  EXPECT_TRUE(events_.empty());
  emulator_->advance(std::chrono::seconds(1));
  ASSERT_EQ(events_.size(), 1u);
  const json& record = events_[0]["Records"][0];
  EXPECT_EQ(record["EventSource"], "aws:sns");
  EXPECT_EQ(record["EventVersion"], "1.0");
  EXPECT_EQ(record["EventSubscriptionArn"], sub);
  const json& sns = record["Sns"];
  EXPECT_EQ(sns["Type"], "Notification");
  EXPECT_EQ(sns["MessageId"], published["MessageId"]);
  EXPECT_EQ(sns["TopicArn"], arn);
  EXPECT_TRUE(sns["Subject"].is_null());
  EXPECT_EQ(sns["Message"], "to lambda");
  EXPECT_EQ(sns["SignatureVersion"], "1");
  EXPECT_TRUE(sns.contains("SigningCertUrl"));
  EXPECT_TRUE(sns["UnsubscribeUrl"].get<std::string>().ends_with(sub));
  EXPECT_EQ(sns["MessageAttributes"], json::parse(R"({"k": {"Type": "String", "Value": "v"}})"));
}

TEST_F(publish_test, refused_delivery_goes_to_the_dead_letter_queue) {
  const std::string arn = topic("t");
  const std::string dlq = queue("dlq");
  subscribe(arn, "sqs", queue_arn("missing"),
            {{"RedrivePolicy", json{{"deadLetterTargetArn", queue_arn("dlq")}}.dump()},
             {"RawMessageDelivery", "true"}});
  ok("Publish", {{"TopicArn", arn}, {"Message", "lost"}});
  run();
  const json messages = receive(dlq);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["Body"], "lost");
}

TEST_F(publish_test, topics_subscriptions_and_pending_deliveries_survive_a_reopen) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("fogbank-sns-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
       std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  std::filesystem::remove_all(dir);
  open(dir.string());
  const std::string url = wire("kept", "kq", {{"RawMessageDelivery", "true"}});
  ok("TagResource", {{"ResourceArn", topic_arn("kept")}, {"Tags", {{{"Key", "k"}, {"Value", "v"}}}}});
  ok("Publish", {{"TopicArn", topic_arn("kept")}, {"Message", "before the restart"}});
  // Reopened before the delivery ran: it is made after the restart.
  open(dir.string());
  EXPECT_EQ(ok("ListTopics", json::object())["Topics"], json::array({{{"TopicArn", topic_arn("kept")}}}));
  EXPECT_EQ(ok("ListSubscriptions", json::object())["Subscriptions"].size(), 1u);
  EXPECT_EQ(ok("ListTagsForResource", {{"ResourceArn", topic_arn("kept")}})["Tags"],
            json::parse(R"([{"Key":"k","Value":"v"}])"));
  run();
  const json messages = receive(url);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["Body"], "before the restart");
  // Delivered once: a further reopen has nothing pending.
  ok("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", messages[0]["ReceiptHandle"]}}, "sqs");
  open(dir.string());
  run();
  EXPECT_EQ(receive(url), json::array());
  emulator_.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fogbank::sns
