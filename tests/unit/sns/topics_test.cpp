// Topics: CreateTopic (standard, FIFO, idempotent, conflicting), DeleteTopic, ListTopics paging,
// Get/SetTopicAttributes, tags, and the unsupported actions. Expected wordings are AWS's as
// LocalStack's AWS-recorded snapshots show them (tests/aws/services/sns/test_sns.snapshot.json).

#include "sns_fixture.hpp"

#include <vector>

namespace fogbank::sns {
namespace {

TEST_F(sns_test, create_topic_answers_its_arn_and_is_idempotent) {
  const std::string arn = topic("orders");
  EXPECT_EQ(arn, topic_arn("orders"));
  EXPECT_EQ(topic("orders"), arn);
  EXPECT_EQ(ok("ListTopics", json::object())["Topics"], json::array({{{"TopicArn", arn}}}));
}

TEST_F(sns_test, create_topic_refuses_bad_names) {
  // Recorded: test_create_topic_name_constraints.
  for (const std::string& name :
       std::vector<std::string>{"", "a:b", "a b", "x.fifo", std::string(257, 'a')}) {
    fails("CreateTopic", {{"Name", name}}, error_code::sns_invalid_parameter,
          "Invalid parameter: Topic Name");
  }
  EXPECT_EQ(topic(std::string(256, 'a')), topic_arn(std::string(256, 'a')));
}

TEST_F(sns_test, fifo_topic_attributes) {
  const std::string arn = topic("jobs.fifo", {{"FifoTopic", "true"}, {"ContentBasedDeduplication", "true"}});
  const json attributes = ok("GetTopicAttributes", {{"TopicArn", arn}})["Attributes"];
  EXPECT_EQ(attributes["FifoTopic"], "true");
  EXPECT_EQ(attributes["ContentBasedDeduplication"], "true");
  EXPECT_EQ(attributes["TopicArn"], arn);
  EXPECT_EQ(attributes["SubscriptionsConfirmed"], "0");
  EXPECT_EQ(attributes["Owner"], "000000000000");
  // A FIFO topic's name must end in .fifo.
  const core::call_result r =
      call("sns", "CreateTopic", {{"Name", "jobs"}, {"Attributes", {{"FifoTopic", "true"}}}});
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code(), error_code::sns_invalid_parameter);
}

TEST_F(sns_test, standard_topic_shows_no_fifo_attributes) {
  const std::string arn = topic("plain", {{"FifoTopic", "false"}, {"DisplayName", "Plain"}});
  const json attributes = ok("GetTopicAttributes", {{"TopicArn", arn}})["Attributes"];
  EXPECT_FALSE(attributes.contains("FifoTopic")) << attributes.dump();
  EXPECT_FALSE(attributes.contains("ContentBasedDeduplication")) << attributes.dump();
  EXPECT_EQ(attributes["DisplayName"], "Plain");
  EXPECT_TRUE(json::parse(attributes["Policy"].get<std::string>()).is_object());
  EXPECT_TRUE(json::parse(attributes["EffectiveDeliveryPolicy"].get<std::string>()).contains("http"));
}

TEST_F(sns_test, re_create_with_other_attributes_or_tags_is_refused) {
  ok("CreateTopic",
     {{"Name", "t"}, {"Attributes", {{"DisplayName", "one"}}}, {"Tags", {{{"Key", "k"}, {"Value", "v"}}}}});
  EXPECT_EQ(ok("CreateTopic", {{"Name", "t"}, {"Attributes", {{"DisplayName", "one"}}}})["TopicArn"],
            topic_arn("t"));
  fails("CreateTopic", {{"Name", "t"}, {"Attributes", {{"DisplayName", "two"}}}},
        error_code::sns_invalid_parameter,
        "Invalid parameter: Attributes Reason: Topic already exists with different attributes");
  fails("CreateTopic", {{"Name", "t"}, {"Tags", {{{"Key", "k"}, {"Value", "other"}}}}},
        error_code::sns_invalid_parameter,
        "Invalid parameter: Tags Reason: Topic already exists with different tags");
}

TEST_F(sns_test, missing_and_malformed_topics) {
  fails("GetTopicAttributes", {{"TopicArn", topic_arn("nope")}}, error_code::sns_not_found,
        "Topic does not exist");
  fails("GetTopicAttributes", {{"TopicArn", "nope"}}, error_code::sns_invalid_parameter,
        "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1");
  fails("Publish", {{"TopicArn", "arn:aws:sns"}, {"Message", "m"}}, error_code::sns_invalid_parameter,
        "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 3");
  // Recorded (test_cross_region_access): another region's topic.
  fails("GetTopicAttributes", {{"TopicArn", "arn:aws:sns:eu-west-1:000000000000:t"}},
        error_code::sns_invalid_parameter, "Invalid parameter: TopicArn");
}

TEST_F(sns_test, delete_topic_is_idempotent_and_takes_its_subscriptions) {
  const std::string arn = topic("gone");
  queue("q");
  subscribe(arn, "sqs", queue_arn("q"));
  ok("DeleteTopic", {{"TopicArn", arn}});
  ok("DeleteTopic", {{"TopicArn", arn}});
  EXPECT_EQ(ok("ListTopics", json::object())["Topics"], json::array());
  EXPECT_EQ(ok("ListSubscriptions", json::object())["Subscriptions"], json::array());
}

TEST_F(sns_test, list_topics_pages_by_100) {
  for (int i = 0; i < 130; ++i) topic("t" + std::to_string(1000 + i));
  const json first = ok("ListTopics", json::object());
  ASSERT_EQ(first["Topics"].size(), 100u);
  ASSERT_TRUE(first.contains("NextToken"));
  const json second = ok("ListTopics", {{"NextToken", first["NextToken"]}});
  EXPECT_EQ(second["Topics"].size(), 30u);
  EXPECT_FALSE(second.contains("NextToken"));
  EXPECT_EQ(second["Topics"][0]["TopicArn"], topic_arn("t1100"));
}

TEST_F(sns_test, set_topic_attributes) {
  const std::string arn = topic("attrs");
  ok("SetTopicAttributes",
     {{"TopicArn", arn}, {"AttributeName", "DisplayName"}, {"AttributeValue", "Shown"}});
  EXPECT_EQ(ok("GetTopicAttributes", {{"TopicArn", arn}})["Attributes"]["DisplayName"], "Shown");
  // Recorded: FifoTopic cannot change, and an unknown name is refused the same way.
  fails("SetTopicAttributes",
        {{"TopicArn", arn}, {"AttributeName", "FifoTopic"}, {"AttributeValue", "false"}},
        error_code::sns_invalid_parameter, "Invalid parameter: AttributeName");
  fails("SetTopicAttributes", {{"TopicArn", arn}, {"AttributeName", "Bogus"}, {"AttributeValue", "x"}},
        error_code::sns_invalid_parameter, "Invalid parameter: AttributeName");
}

TEST_F(sns_test, tags) {
  const std::string arn = topic("tagged");
  ok("TagResource",
     {{"ResourceArn", arn}, {"Tags", {{{"Key", "k1"}, {"Value", "v1"}}, {{"Key", "k2"}, {"Value", "v2"}}}}});
  EXPECT_EQ(ok("ListTagsForResource", {{"ResourceArn", arn}})["Tags"],
            json::parse(R"([{"Key":"k1","Value":"v1"},{"Key":"k2","Value":"v2"}])"));
  ok("UntagResource", {{"ResourceArn", arn}, {"TagKeys", {"k1"}}});
  ok("TagResource", {{"ResourceArn", arn}, {"Tags", {{{"Key", "k2"}, {"Value", "v2b"}}}}});
  EXPECT_EQ(ok("ListTagsForResource", {{"ResourceArn", arn}})["Tags"],
            json::parse(R"([{"Key":"k2","Value":"v2b"}])"));
  // Recorded (test_tags).
  fails("TagResource",
        {{"ResourceArn", arn}, {"Tags", {{{"Key", "k"}, {"Value", "1"}}, {{"Key", "k"}, {"Value", "2"}}}}},
        error_code::sns_invalid_parameter, "Invalid parameter: Duplicated keys are not allowed.");
  fails("ListTagsForResource", {{"ResourceArn", topic_arn("none")}}, error_code::sns_resource_not_found,
        "Resource does not exist");
}

TEST_F(sns_test, unsupported_actions_answer_invalid_action) {
  fails("CreatePlatformApplication", {{"Name", "a"}}, error_code::sns_invalid_action,
        "The action CreatePlatformApplication is not valid for this web service.");
  fails("GetSMSAttributes", json::object(), error_code::sns_invalid_action,
        "The action GetSMSAttributes is not valid for this web service.");
}

TEST_F(sns_test, health_counts_topics_and_subscriptions) {
  const std::string arn = topic("h");
  queue("hq");
  subscribe(arn, "sqs", queue_arn("hq"));
  const json health = emulator_->health();
  EXPECT_EQ(health["topics"], 1);
  EXPECT_EQ(health["subscriptions"], 1);
}

}  // namespace
}  // namespace fogbank::sns
