// Requests as large as a client likes, answered as before while the work done under the
// service's lock stays bounded (issue 6: no lock is held across work that grows with the
// request). Lists of names are read before the lock into sorted sets (and still reported in
// request order when they are wrong); sizes and counts are checked before what they bound.
// These tests pin the answers; what they cost is measured by bench/isolation.sh.

#include "sqs_fixture.hpp"

#include <string>

namespace fogbank::sqs {
namespace {

using core::error_code;

class bounds_test : public sqs_test {};

TEST_F(bounds_test, receive_with_a_hundred_thousand_attribute_names_selects_what_they_name) {
  const std::string url = create("q");
  send(url, "body",
       {{"MessageAttributes",
         {{"order.id", {{"DataType", "String"}, {"StringValue", "7"}}},
          {"order.total", {{"DataType", "Number"}, {"StringValue", "12.5"}}},
          {"trace", {{"DataType", "String"}, {"StringValue", "t"}}},
          {"other", {{"DataType", "String"}, {"StringValue", "o"}}}}}});
  json message_names = json::array();
  json system_names = json::array();
  for (int i = 0; i < 100'000; ++i) {
    message_names.push_back("absent-" + std::to_string(i));
    system_names.push_back(i % 2 == 0 ? "SentTimestamp" : "NotAnAttribute");
  }
  message_names.push_back("order.*");  // a prefix pattern
  message_names.push_back("trace");    // an exact name
  message_names.push_back("trace");
  const json messages =
      receive(url, {{"MessageAttributeNames", message_names}, {"AttributeNames", system_names}});
  ASSERT_EQ(messages.size(), 1u);
  const json& m = messages[0];
  EXPECT_EQ(m["MessageAttributes"].size(), 3u) << m.dump();
  EXPECT_TRUE(m["MessageAttributes"].contains("order.id"));
  EXPECT_TRUE(m["MessageAttributes"].contains("order.total"));
  EXPECT_TRUE(m["MessageAttributes"].contains("trace"));
  EXPECT_EQ(m["Attributes"].size(), 1u) << m.dump();
  EXPECT_TRUE(m["Attributes"].contains("SentTimestamp"));
}

TEST_F(bounds_test, get_queue_attributes_reads_a_long_list_once_and_reports_the_first_unknown_name) {
  const std::string url = create("q");
  json names = json::array();
  for (int i = 0; i < 100'000; ++i) names.push_back(i % 2 == 0 ? "VisibilityTimeout" : "DelaySeconds");
  const json answer = ok("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", names}});
  EXPECT_EQ(answer["Attributes"], (json{{"DelaySeconds", "0"}, {"VisibilityTimeout", "30"}}));
  // The first unknown name in request order, not in sorted order.
  names.push_back("Zebra");
  names.push_back("Aardvark");
  fails("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", names}},
        error_code::invalid_attribute_name, "Unknown Attribute Zebra.");
  // A queue that does not exist is still reported before the names.
  fails("GetQueueAttributes", {{"QueueUrl", url + "-gone"}, {"AttributeNames", names}},
        error_code::queue_does_not_exist, "The specified queue does not exist.");
}

TEST_F(bounds_test, untag_with_a_hundred_thousand_keys_removes_the_tags_named) {
  const std::string url = create("q");
  ok("TagQueue", {{"QueueUrl", url}, {"Tags", {{"keep", "1"}, {"drop", "2"}, {"also-drop", "3"}}}});
  json keys = json::array();
  for (int i = 0; i < 100'000; ++i) keys.push_back("absent-" + std::to_string(i));
  keys.push_back("drop");
  keys.push_back("also-drop");
  ok("UntagQueue", {{"QueueUrl", url}, {"TagKeys", keys}});
  EXPECT_EQ(ok("ListQueueTags", {{"QueueUrl", url}})["Tags"], (json{{"keep", "1"}}));
  fails("UntagQueue", {{"QueueUrl", url}, {"TagKeys", {{"not", "a list"}}}},
        error_code::invalid_parameter_value, "The parameter TagKeys must be a list.");
}

TEST_F(bounds_test, a_message_too_large_for_its_queue_is_refused_before_its_characters_are_read) {
  const std::string url = create("q", {{"MaximumMessageSize", "1024"}});
  // Too large and full of characters SQS refuses: the size is what is reported.
  const std::string body(2048, '\x01');
  fails("SendMessage", {{"QueueUrl", url}, {"MessageBody", body}}, error_code::invalid_parameter_value,
        "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.");
  // Within the size, the characters are.
  fails("SendMessage", {{"QueueUrl", url}, {"MessageBody", std::string(16, '\x01')}},
        error_code::invalid_message_contents,
        "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to "
        "#xFFFD | #x10000 to #x10FFFF");
  // String attribute values count towards it before they are read.
  fails("SendMessage",
        {{"QueueUrl", url},
         {"MessageBody", "b"},
         {"MessageAttributes",
          {{"big", {{"DataType", "String"}, {"StringValue", std::string(2048, '\x01')}}}}}},
        error_code::invalid_parameter_value,
        "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.");
}

TEST_F(bounds_test, a_batch_entry_with_too_many_attributes_fails_alone) {
  const std::string url = create("q");
  json attributes = json::object();
  for (int i = 0; i < 5'000; ++i)
    attributes["a" + std::to_string(i)] = {{"DataType", "String"}, {"StringValue", "v"}};
  const json answer =
      ok("SendMessageBatch", {{"QueueUrl", url},
                              {"Entries",
                               {{{"Id", "many"}, {"MessageBody", "x"}, {"MessageAttributes", attributes}},
                                {{"Id", "fine"}, {"MessageBody", "y"}}}}});
  ASSERT_EQ(answer["Successful"].size(), 1u) << answer.dump();
  EXPECT_EQ(answer["Successful"][0]["Id"], "fine");
  ASSERT_EQ(answer["Failed"].size(), 1u) << answer.dump();
  EXPECT_EQ(answer["Failed"][0]["Message"],
            "Number of message attributes [5000] exceeds the allowed maximum [10].");
}

TEST_F(bounds_test, an_attribute_map_of_thousands_of_entries_reports_the_error_it_did_before) {
  json attributes = json::object();
  for (int i = 0; i < 10'000; ++i) attributes["Bogus" + std::to_string(10'000 + i)] = "1";
  // The first entry in key order is the first that is wrong.
  fails("CreateQueue", {{"QueueName", "q"}, {"Attributes", attributes}}, error_code::invalid_attribute_name,
        "Unknown Attribute Bogus10000.");
  // FifoQueue is read wherever it sorts.
  attributes["FifoQueue"] = "perhaps";
  fails("CreateQueue", {{"QueueName", "q"}, {"Attributes", attributes}}, error_code::invalid_attribute_value,
        "Invalid value for the parameter FifoQueue.");
  const std::string url = create("q");
  attributes["FifoQueue"] = "true";
  fails("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", attributes}},
        error_code::invalid_attribute_value,
        "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.");
  // An attribute value longer than any valid one is refused before it is read.
  fails("SetQueueAttributes",
        {{"QueueUrl", url}, {"Attributes", {{"KmsMasterKeyId", std::string(20'000, 'k')}}}},
        error_code::invalid_attribute_value, "Invalid value for the parameter KmsMasterKeyId.");
}

TEST_F(bounds_test, add_permission_counts_its_lists_before_reading_them) {
  const std::string url = create("q");
  json actions = json::array();
  for (int i = 0; i < 10'000; ++i) actions.push_back("SendMessage");
  fails("AddPermission",
        {{"QueueUrl", url}, {"Label", "l"}, {"AWSAccountIds", {"123456789012"}}, {"Actions", actions}},
        error_code::over_limit, "10000 Actions were found, maximum allowed is 7.");
}

TEST_F(bounds_test, a_receipt_handle_longer_than_any_fogbank_issues_is_refused_unread) {
  const std::string url = create("q");
  const std::string handle(4096, 'A');  // valid base64, but not a handle
  fails("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", handle}},
        error_code::receipt_handle_is_invalid,
        "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
}

}  // namespace
}  // namespace fogbank::sqs
