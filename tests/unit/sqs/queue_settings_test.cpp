// Typed queue attributes (emulator/sqs/src/queue_attributes.cpp): parsed once when set, read on
// every send and receive; GetQueueAttributes still answers the normalized text.

#include "queue_attributes.hpp"
#include "sqs_fixture.hpp"

#include <string>

namespace fogbank::sqs {
namespace {

using namespace std::chrono_literals;

TEST(sqs_queue_settings, defaults_parse_to_aws_defaults) {
  const queue_settings standard = parse_settings(default_attributes(false));
  EXPECT_EQ(standard.delay_seconds, 0);
  EXPECT_EQ(standard.maximum_message_size, 1'048'576);
  EXPECT_EQ(standard.retention_seconds, 345'600);
  EXPECT_EQ(standard.receive_wait_seconds, 0);
  EXPECT_EQ(standard.visibility_timeout_seconds, 30);
  EXPECT_FALSE(standard.content_based_deduplication);
  EXPECT_FALSE(standard.deduplicate_per_group);
  EXPECT_FALSE(standard.redrive.has_value());
  const queue_settings fifo = parse_settings(default_attributes(true));
  EXPECT_FALSE(fifo.content_based_deduplication);
  EXPECT_FALSE(fifo.deduplicate_per_group);
}

TEST(sqs_queue_settings, update_attributes_keeps_text_and_types_in_step) {
  queue q;
  q.update_attributes(default_attributes(true));
  q.update_attributes(
      {{"VisibilityTimeout", "45"},
       {"DelaySeconds", "7"},
       {"ContentBasedDeduplication", "true"},
       {"DeduplicationScope", "messageGroup"},
       {"RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:r:1:d","maxReceiveCount":4})"}});
  EXPECT_EQ(q.attributes.at("VisibilityTimeout"), "45");
  EXPECT_EQ(q.settings.visibility_timeout_seconds, 45);
  EXPECT_EQ(q.settings.delay_seconds, 7);
  EXPECT_TRUE(q.settings.content_based_deduplication);
  EXPECT_TRUE(q.settings.deduplicate_per_group);
  ASSERT_TRUE(q.settings.redrive.has_value());
  EXPECT_EQ(q.settings.redrive->dead_letter_target_arn, "arn:aws:sqs:r:1:d");
  EXPECT_EQ(q.settings.redrive->max_receive_count, 4);
  // An empty RedrivePolicy removes it (SetQueueAttributes).
  q.update_attributes({{"RedrivePolicy", ""}});
  EXPECT_FALSE(q.settings.redrive.has_value());
  EXPECT_EQ(q.settings.visibility_timeout_seconds, 45);
}

TEST(sqs_queue_settings, stored_values_that_no_longer_parse_keep_defaults) {
  // Data written before a rule existed (a deep RedrivePolicy, a non-number) must load.
  const queue_settings s = parse_settings({{"VisibilityTimeout", "soon"},
                                           {"RedrivePolicy", std::string(100'000, '[')},
                                           {"MessageRetentionPeriod", "60"}});
  EXPECT_EQ(s.visibility_timeout_seconds, 30);
  EXPECT_FALSE(s.redrive.has_value());
  EXPECT_EQ(s.retention_seconds, 60);
}

TEST(sqs_queue_settings, parse_redrive_policy_accepts_only_complete_policies) {
  auto policy = parse_redrive_policy(R"({"deadLetterTargetArn":"a","maxReceiveCount":"3"})");
  ASSERT_TRUE(policy.has_value());
  EXPECT_EQ(policy->max_receive_count, 3);
  EXPECT_FALSE(parse_redrive_policy(R"({"maxReceiveCount":3})"));
  EXPECT_FALSE(parse_redrive_policy(R"({"deadLetterTargetArn":"a","maxReceiveCount":0})"));
  EXPECT_FALSE(parse_redrive_policy(R"({"deadLetterTargetArn":1,"maxReceiveCount":3})"));
  EXPECT_FALSE(parse_redrive_policy("[]"));
  EXPECT_FALSE(parse_redrive_policy(std::string(1'000'000, '{')));
}

TEST_F(sqs_test, get_queue_attributes_answers_the_normalized_text_as_before) {
  create("dlq");
  const std::string url = create(
      "src", {{"RedrivePolicy", R"({"maxReceiveCount":"3", "deadLetterTargetArn":")" + arn("dlq") + "\"}"},
              {"VisibilityTimeout", "+0045"},
              {"SqsManagedSseEnabled", "FALSE"}});
  EXPECT_EQ(attribute(url, "RedrivePolicy"),
            R"({"deadLetterTargetArn":")" + arn("dlq") + R"(","maxReceiveCount":3})");
  EXPECT_EQ(attribute(url, "VisibilityTimeout"), "45");
  EXPECT_EQ(attribute(url, "SqsManagedSseEnabled"), "false");
}

TEST_F(sqs_test, settings_changed_by_set_queue_attributes_apply_to_the_next_send_and_receive) {
  const std::string url = create("q");
  ok("SetQueueAttributes",
     {{"QueueUrl", url}, {"Attributes", {{"DelaySeconds", "10"}, {"VisibilityTimeout", "5"}}}});
  send(url, "late");
  EXPECT_TRUE(receive(url).empty());
  advance(10s);
  ASSERT_EQ(receive(url).size(), 1u);
  EXPECT_TRUE(receive(url).empty());  // in flight for 5 s
  advance(5s);
  EXPECT_EQ(receive(url).size(), 1u);
}

}  // namespace
}  // namespace fogbank::sqs
