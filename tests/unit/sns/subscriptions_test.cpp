// Subscriptions: Subscribe (sqs and lambda confirmed at once, idempotent, validation),
// Unsubscribe, the listings and the subscription attributes. Expected wordings are AWS's as
// LocalStack's AWS-recorded snapshots show them (tests/aws/services/sns/test_sns.snapshot.json).

#include "sns_fixture.hpp"

namespace fogbank::sns {
namespace {

TEST_F(sns_test, sqs_subscription_is_confirmed_at_once) {
  const std::string arn = topic("t");
  queue("q");
  const std::string sub = subscribe(arn, "sqs", queue_arn("q"));
  EXPECT_TRUE(sub.starts_with(arn + ":")) << sub;
  const json attributes = ok("GetSubscriptionAttributes", {{"SubscriptionArn", sub}})["Attributes"];
  EXPECT_EQ(attributes["PendingConfirmation"], "false");
  EXPECT_EQ(attributes["ConfirmationWasAuthenticated"], "true");
  EXPECT_EQ(attributes["Protocol"], "sqs");
  EXPECT_EQ(attributes["Endpoint"], queue_arn("q"));
  EXPECT_EQ(attributes["RawMessageDelivery"], "false");
  EXPECT_EQ(attributes["TopicArn"], arn);
  EXPECT_EQ(attributes["Owner"], "000000000000");
  EXPECT_FALSE(attributes.contains("FilterPolicyScope")) << attributes.dump();
}

TEST_F(sns_test, subscribe_is_idempotent_unless_attributes_differ) {
  const std::string arn = topic("t");
  const std::string sub = subscribe(arn, "sqs", queue_arn("q"), {{"RawMessageDelivery", "true"}});
  EXPECT_EQ(subscribe(arn, "sqs", queue_arn("q"), {{"RawMessageDelivery", "true"}}), sub);
  EXPECT_EQ(subscribe(arn, "sqs", queue_arn("q")), sub);
  fails("Subscribe",
        {{"TopicArn", arn},
         {"Protocol", "sqs"},
         {"Endpoint", queue_arn("q")},
         {"Attributes", {{"RawMessageDelivery", "false"}}}},
        error_code::sns_invalid_parameter,
        "Invalid parameter: Attributes Reason: Subscription already exists with different attributes");
}

TEST_F(sns_test, subscribe_validation) {
  const std::string arn = topic("t");
  fails("Subscribe", {{"TopicArn", arn}, {"Protocol", "test-protocol"}, {"Endpoint", "x"}},
        error_code::sns_invalid_parameter,
        "Invalid parameter: Amazon SNS does not support this protocol string: test-protocol");
  fails("Subscribe",
        {{"TopicArn", arn}, {"Protocol", "sqs"}, {"Endpoint", "http://localhost:4566/000000000000/q"}},
        error_code::sns_invalid_parameter, "Invalid parameter: SQS endpoint ARN");
  fails("Subscribe", {{"TopicArn", topic_arn("none")}, {"Protocol", "sqs"}, {"Endpoint", queue_arn("q")}},
        error_code::sns_not_found, "Topic does not exist");
  fails("Subscribe", {{"TopicArn", arn}, {"Protocol", "sqs"}, {"Endpoint", queue_arn("q.fifo")}},
        error_code::sns_invalid_parameter,
        "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to "
        "standard SNS "
        "topics");
  fails("Subscribe",
        {{"TopicArn", arn},
         {"Protocol", "sqs"},
         {"Endpoint", queue_arn("q")},
         {"Attributes", {{"RawMessageDelivery", "wrongvalue"}}}},
        error_code::sns_invalid_parameter,
        "Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [wrongvalue]. Must be true "
        "or false.");
  fails("Subscribe",
        {{"TopicArn", arn},
         {"Protocol", "sqs"},
         {"Endpoint", queue_arn("q")},
         {"Attributes", {{"FilterPolicy", "{\"a\": \"b\"}"}}}},
        error_code::sns_invalid_parameter,
        "Invalid parameter: Attributes Reason: FilterPolicy: \"a\" must be an object or an array");
  EXPECT_EQ(ok("ListSubscriptions", json::object())["Subscriptions"], json::array());
}

TEST_F(sns_test, http_subscription_waits_for_a_confirmation) {
  const std::string arn = topic("t");
  EXPECT_EQ(ok("Subscribe", {{"TopicArn", arn},
                             {"Protocol", "https"},
                             {"Endpoint", "https://example.com/hook"}})["SubscriptionArn"],
            "pending confirmation");
  const json listed = ok("ListSubscriptionsByTopic", {{"TopicArn", arn}})["Subscriptions"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["SubscriptionArn"], "PendingConfirmation");
  EXPECT_EQ(ok("GetTopicAttributes", {{"TopicArn", arn}})["Attributes"]["SubscriptionsPending"], "1");
  const std::string returned = ok("Subscribe", {{"TopicArn", arn},
                                                {"Protocol", "https"},
                                                {"Endpoint", "https://example.com/hook"},
                                                {"ReturnSubscriptionArn", true}})["SubscriptionArn"];
  EXPECT_TRUE(returned.starts_with(arn + ":")) << returned;
}

TEST_F(sns_test, unsubscribe) {
  const std::string arn = topic("t");
  const std::string sub = subscribe(arn, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:f");
  ok("Unsubscribe", {{"SubscriptionArn", sub}});
  ok("Unsubscribe", {{"SubscriptionArn", sub}});  // recorded: unsubscribing twice succeeds
  EXPECT_EQ(ok("GetTopicAttributes", {{"TopicArn", arn}})["Attributes"]["SubscriptionsDeleted"], "1");
  fails("GetSubscriptionAttributes", {{"SubscriptionArn", sub}}, error_code::sns_not_found,
        "Subscription does not exist");
  // Recorded: test_unsubscribe_wrong_arn_format.
  fails("Unsubscribe", {{"SubscriptionArn", "randomstring"}}, error_code::sns_invalid_parameter,
        "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1");
  fails("Unsubscribe", {{"SubscriptionArn", arn}}, error_code::sns_invalid_parameter,
        "Invalid parameter: SubscriptionId");
  fails("Unsubscribe", json::object(), error_code::sns_invalid_parameter,
        "Invalid parameter: SubscriptionArn Reason: no value for required parameter");
}

TEST_F(sns_test, list_subscriptions_pages_by_100) {
  const std::string arn = topic("t");
  for (int i = 0; i < 105; ++i) subscribe(arn, "sqs", queue_arn("q" + std::to_string(i)));
  const json first = ok("ListSubscriptionsByTopic", {{"TopicArn", arn}});
  ASSERT_EQ(first["Subscriptions"].size(), 100u);
  const json second = ok("ListSubscriptionsByTopic", {{"TopicArn", arn}, {"NextToken", first["NextToken"]}});
  EXPECT_EQ(second["Subscriptions"].size(), 5u);
  EXPECT_EQ(ok("ListSubscriptions", json::object())["Subscriptions"].size(), 100u);
  fails("ListSubscriptionsByTopic", {{"TopicArn", topic_arn("none")}}, error_code::sns_not_found,
        "Topic does not exist");
}

TEST_F(sns_test, set_subscription_attributes) {
  const std::string arn = topic("t");
  const std::string sub = subscribe(arn, "sqs", queue_arn("q"));
  ok("SetSubscriptionAttributes",
     {{"SubscriptionArn", sub}, {"AttributeName", "RawMessageDelivery"}, {"AttributeValue", "TRUE"}});
  ok("SetSubscriptionAttributes", {{"SubscriptionArn", sub},
                                   {"AttributeName", "FilterPolicy"},
                                   {"AttributeValue", R"({"attr": ["match-this"]})"}});
  json attributes = ok("GetSubscriptionAttributes", {{"SubscriptionArn", sub}})["Attributes"];
  EXPECT_EQ(attributes["RawMessageDelivery"], "true");
  EXPECT_EQ(json::parse(attributes["FilterPolicy"].get<std::string>()),
            json::parse(R"({"attr": ["match-this"]})"));
  EXPECT_EQ(attributes["FilterPolicyScope"], "MessageAttributes");
  // Recorded: test_validate_set_sub_attributes, test_set_subscription_filter_policy_scope.
  fails("SetSubscriptionAttributes",
        {{"SubscriptionArn", sub}, {"AttributeName", "Fake"}, {"AttributeValue", "x"}},
        error_code::sns_invalid_parameter, "Invalid parameter: AttributeName");
  fails("SetSubscriptionAttributes",
        {{"SubscriptionArn", sub}, {"AttributeName", "RawMessageDelivery"}, {"AttributeValue", "test-ValUe"}},
        error_code::sns_invalid_parameter,
        "Invalid parameter: RawMessageDelivery: Invalid value [test-ValUe]. Must be true or false.");
  fails("SetSubscriptionAttributes",
        {{"SubscriptionArn", sub}, {"AttributeName", "FilterPolicyScope"}, {"AttributeValue", "RandomValue"}},
        error_code::sns_invalid_parameter,
        "Invalid parameter: FilterPolicyScope: Invalid value [RandomValue]. Please use either MessageBody or "
        "MessageAttributes");
  fails("SetSubscriptionAttributes",
        {{"SubscriptionArn", sub},
         {"AttributeName", "RedrivePolicy"},
         {"AttributeValue", R"({"deadLetterTargetArn": "fake"})"}},
        error_code::sns_invalid_parameter,
        "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn");
  fails("SetSubscriptionAttributes",
        {{"SubscriptionArn", arn + ":00000000-0000-0000-0000-000000000000"},
         {"AttributeName", "RawMessageDelivery"},
         {"AttributeValue", "true"}},
        error_code::sns_not_found, "Subscription does not exist");
  // A nested policy needs the MessageBody scope (recorded wording).
  fails("SetSubscriptionAttributes",
        {{"SubscriptionArn", sub},
         {"AttributeName", "FilterPolicy"},
         {"AttributeValue", R"({"object": {"key": [{"prefix": "auto-"}]}})"}},
        error_code::sns_invalid_parameter,
        "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy");
  ok("SetSubscriptionAttributes",
     {{"SubscriptionArn", sub}, {"AttributeName", "FilterPolicyScope"}, {"AttributeValue", "MessageBody"}});
  ok("SetSubscriptionAttributes", {{"SubscriptionArn", sub},
                                   {"AttributeName", "FilterPolicy"},
                                   {"AttributeValue", R"({"object": {"key": [{"prefix": "auto-"}]}})"}});
  // An empty policy removes it, and the scope goes out of sight with it.
  ok("SetSubscriptionAttributes",
     {{"SubscriptionArn", sub}, {"AttributeName", "FilterPolicy"}, {"AttributeValue", ""}});
  attributes = ok("GetSubscriptionAttributes", {{"SubscriptionArn", sub}})["Attributes"];
  EXPECT_FALSE(attributes.contains("FilterPolicy")) << attributes.dump();
  EXPECT_FALSE(attributes.contains("FilterPolicyScope")) << attributes.dump();
}

}  // namespace
}  // namespace fogbank::sns
