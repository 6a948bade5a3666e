// Queue operations (emulator/sqs/src/ops_queues.cpp, queue_attributes.cpp): creation rules,
// idempotency, lookup, listing, attributes, tags, purge. Messages are AWS's where known; where
// each comes from is noted beside it in the implementation.

#include "sqs_fixture.hpp"

namespace fogbank::sqs {
namespace {

using namespace std::chrono_literals;

TEST_F(sqs_test, create_queue_returns_url_and_is_idempotent) {
  const std::string url = create("orders");
  EXPECT_EQ(url, "http://localhost:4566/000000000000/orders");
  EXPECT_EQ(create("orders"), url);
  EXPECT_EQ(
      ok("CreateQueue", {{"QueueName", "orders"}, {"Attributes", {{"VisibilityTimeout", "30"}}}})["QueueUrl"],
      url);
  fails("CreateQueue", {{"QueueName", "orders"}, {"Attributes", {{"VisibilityTimeout", "31"}}}},
        error_code::queue_name_exists,
        "A queue already exists with the same name and a different value for attribute VisibilityTimeout");
  EXPECT_EQ(sqs().queue_count(), 1u);
}

TEST_F(sqs_test, create_queue_name_rules) {
  fails("CreateQueue", json::object(), error_code::missing_parameter,
        "The request must contain the parameter QueueName.");
  const std::string standard =
      "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length";
  fails("CreateQueue", {{"QueueName", "bad name"}}, error_code::invalid_parameter_value, standard);
  fails("CreateQueue", {{"QueueName", std::string(81, 'a')}}, error_code::invalid_parameter_value, standard);
  fails("CreateQueue", {{"QueueName", "plain.fifo"}}, error_code::invalid_parameter_value, standard);
  const std::string fifo =
      "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end "
      "with "
      ".fifo suffix and be 1 to 80 in length.";
  fails("CreateQueue", {{"QueueName", "nofifo"}, {"Attributes", {{"FifoQueue", "true"}}}},
        error_code::invalid_parameter_value, fifo);
  fails("CreateQueue",
        {{"QueueName", std::string(76, 'a') + ".fifo"}, {"Attributes", {{"FifoQueue", "true"}}}},
        error_code::invalid_parameter_value, fifo);
  create(std::string(75, 'a') + ".fifo", {{"FifoQueue", "true"}});
  create(std::string(80, 'b'));
}

TEST_F(sqs_test, create_queue_validates_attributes) {
  fails("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"VisibilityTimeout", "43201"}}}},
        error_code::invalid_attribute_value, "Invalid value for the parameter VisibilityTimeout.");
  fails("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"DelaySeconds", "x"}}}},
        error_code::invalid_attribute_value, "Invalid value for the parameter DelaySeconds.");
  fails("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"MessageRetentionPeriod", "59"}}}},
        error_code::invalid_attribute_value, "Invalid value for the parameter MessageRetentionPeriod.");
  fails("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"MaximumMessageSize", "1048577"}}}},
        error_code::invalid_attribute_value, "Invalid value for the parameter MaximumMessageSize.");
  fails("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"Bogus", "1"}}}},
        error_code::invalid_attribute_name, "Unknown Attribute Bogus.");
  fails("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"QueueArn", "x"}}}},
        error_code::invalid_attribute_name, "Unknown Attribute QueueArn.");
  fails("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"ContentBasedDeduplication", "true"}}}},
        error_code::invalid_attribute_name, "Unknown Attribute ContentBasedDeduplication.");
  EXPECT_EQ(sqs().queue_count(), 0u);
}

TEST_F(sqs_test, get_queue_url_and_missing_queue) {
  const std::string url = create("q1");
  EXPECT_EQ(ok("GetQueueUrl", {{"QueueName", "q1"}})["QueueUrl"], url);
  fails("GetQueueUrl", {{"QueueName", "nope"}}, error_code::queue_does_not_exist,
        "The specified queue does not exist.");
  fails("GetQueueAttributes", {{"QueueUrl", "http://localhost:4566/000000000000/nope"}},
        error_code::queue_does_not_exist, "The specified queue does not exist.");
  // Any host works: the account and name are the last two path segments.
  ok("GetQueueAttributes", {{"QueueUrl", "http://sqs.us-east-1.example:9/000000000000/q1"}});
}

TEST_F(sqs_test, list_queues_prefix_and_pages) {
  for (auto name : {"b", "a1", "a2", "a3"}) create(name);
  auto all = ok("ListQueues", json::object())["QueueUrls"];
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0], "http://localhost:4566/000000000000/a1");
  EXPECT_EQ(ok("ListQueues", {{"QueueNamePrefix", "a"}})["QueueUrls"].size(), 3u);
  EXPECT_FALSE(ok("ListQueues", {{"QueueNamePrefix", "zz"}}).contains("QueueUrls"));
  json page = ok("ListQueues", {{"MaxResults", 3}});
  ASSERT_EQ(page["QueueUrls"].size(), 3u);
  ASSERT_TRUE(page.contains("NextToken"));
  json rest = ok("ListQueues", {{"MaxResults", 3}, {"NextToken", page["NextToken"]}});
  ASSERT_EQ(rest["QueueUrls"].size(), 1u);
  EXPECT_EQ(rest["QueueUrls"][0], "http://localhost:4566/000000000000/b");
  EXPECT_FALSE(rest.contains("NextToken"));
  fails("ListQueues", {{"MaxResults", 0}}, error_code::invalid_parameter_value,
        "Value 0 for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and "
        "1000.");
}

TEST_F(sqs_test, delete_queue) {
  const std::string url = create("gone");
  send(url, "x");
  ok("DeleteQueue", {{"QueueUrl", url}});
  fails("DeleteQueue", {{"QueueUrl", url}}, error_code::queue_does_not_exist,
        "The specified queue does not exist.");
  const std::string again = create("gone");
  EXPECT_EQ(attribute(again, "ApproximateNumberOfMessages"), "0");
}

TEST_F(sqs_test, get_queue_attributes_all) {
  const std::string url = create("attrs");
  json attributes = ok("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {"All"}}})["Attributes"];
  EXPECT_EQ(attributes["QueueArn"], arn("attrs"));
  EXPECT_EQ(attributes["VisibilityTimeout"], "30");
  EXPECT_EQ(attributes["MaximumMessageSize"], "1048576");
  EXPECT_EQ(attributes["MessageRetentionPeriod"], "345600");
  EXPECT_EQ(attributes["DelaySeconds"], "0");
  EXPECT_EQ(attributes["ReceiveMessageWaitTimeSeconds"], "0");
  EXPECT_EQ(attributes["ApproximateNumberOfMessages"], "0");
  EXPECT_EQ(attributes["ApproximateNumberOfMessagesNotVisible"], "0");
  EXPECT_EQ(attributes["ApproximateNumberOfMessagesDelayed"], "0");
  EXPECT_EQ(attributes["CreatedTimestamp"], "1700000000");
  EXPECT_EQ(attributes["LastModifiedTimestamp"], "1700000000");
  EXPECT_EQ(attributes["SqsManagedSseEnabled"], "true");
  EXPECT_FALSE(attributes.contains("FifoQueue"));
  EXPECT_FALSE(attributes.contains("RedrivePolicy"));
  EXPECT_EQ(ok("GetQueueAttributes", {{"QueueUrl", url}}), json::object());
  fails("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {"Nope"}}},
        error_code::invalid_attribute_name, "Unknown Attribute Nope.");

  const std::string fifo = create("attrs.fifo", {{"FifoQueue", "true"}});
  json fifo_attributes =
      ok("GetQueueAttributes", {{"QueueUrl", fifo}, {"AttributeNames", {"All"}}})["Attributes"];
  EXPECT_EQ(fifo_attributes["FifoQueue"], "true");
  EXPECT_EQ(fifo_attributes["ContentBasedDeduplication"], "false");
  EXPECT_EQ(fifo_attributes["DeduplicationScope"], "queue");
  EXPECT_EQ(fifo_attributes["FifoThroughputLimit"], "perQueue");
}

TEST_F(sqs_test, set_queue_attributes) {
  const std::string url = create("settable");
  advance(5s);
  ok("SetQueueAttributes",
     {{"QueueUrl", url}, {"Attributes", {{"VisibilityTimeout", "60"}, {"DelaySeconds", "5"}}}});
  EXPECT_EQ(attribute(url, "VisibilityTimeout"), "60");
  EXPECT_EQ(attribute(url, "DelaySeconds"), "5");
  EXPECT_EQ(attribute(url, "LastModifiedTimestamp"), "1700000005");
  fails("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"ReceiveMessageWaitTimeSeconds", "21"}}}},
        error_code::invalid_attribute_value,
        "Invalid value for the parameter ReceiveMessageWaitTimeSeconds.");
  fails("SetQueueAttributes", {{"QueueUrl", url}}, error_code::missing_parameter,
        "The request must contain the parameter Attributes.");
  fails("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"FifoQueue", "true"}}}},
        error_code::invalid_attribute_value,
        "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.");
}

TEST_F(sqs_test, tags) {
  const std::string url = ok("CreateQueue", {{"QueueName", "tagged"}, {"tags", {{"team", "a"}}}})["QueueUrl"];
  EXPECT_EQ(ok("ListQueueTags", {{"QueueUrl", url}})["Tags"], json({{"team", "a"}}));
  ok("TagQueue", {{"QueueUrl", url}, {"Tags", {{"env", "dev"}, {"team", "b"}}}});
  EXPECT_EQ(ok("ListQueueTags", {{"QueueUrl", url}})["Tags"], json({{"env", "dev"}, {"team", "b"}}));
  ok("UntagQueue", {{"QueueUrl", url}, {"TagKeys", {"env", "team"}}});
  EXPECT_EQ(ok("ListQueueTags", {{"QueueUrl", url}}), json::object());
  fails("TagQueue", {{"QueueUrl", url}}, error_code::missing_parameter,
        "The request must contain the parameter Tags.");
}

TEST_F(sqs_test, purge_queue_once_a_minute) {
  const std::string url = create("purged");
  send(url, "a");
  send(url, "b");
  ok("PurgeQueue", {{"QueueUrl", url}});
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "0");
  fails("PurgeQueue", {{"QueueUrl", url}}, error_code::purge_queue_in_progress,
        "Only one PurgeQueue operation on purged is allowed every 60 seconds.");
  advance(60s);
  ok("PurgeQueue", {{"QueueUrl", url}});
}

TEST_F(sqs_test, permissions_edit_the_policy) {
  const std::string url = create("shared");
  ok("AddPermission",
     {{"QueueUrl", url}, {"Label", "l1"}, {"AWSAccountIds", {"111122223333"}}, {"Actions", {"SendMessage"}}});
  json policy = json::parse(attribute(url, "Policy"));
  EXPECT_EQ(policy["Statement"][0]["Action"], "SQS:SendMessage");
  fails(
      "AddPermission",
      {{"QueueUrl", url}, {"Label", "l1"}, {"AWSAccountIds", {"111122223333"}}, {"Actions", {"SendMessage"}}},
      error_code::invalid_parameter_value,
      "Value l1 for parameter Label is invalid. Reason: Already exists.");
  ok("RemovePermission", {{"QueueUrl", url}, {"Label", "l1"}});
  EXPECT_EQ(attribute(url, "Policy"), "");
}

TEST_F(sqs_test, unknown_operation) {
  fails("Frobnicate", json::object(), error_code::unsupported_operation,
        "The action Frobnicate is not valid for this endpoint.");
}

}  // namespace
}  // namespace fogbank::sqs
