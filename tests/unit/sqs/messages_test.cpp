// Standard-queue messages (emulator/sqs/src/ops_send.cpp, ops_receive.cpp): send, receive,
// delete, visibility, delays, long polls, retention, batches, MD5s.

#include "sqs_fixture.hpp"

#include "fogbank/core/encoding.hpp"

namespace fogbank::sqs {
namespace {

using namespace std::chrono_literals;

// Expected digests computed with /usr/bin/python3: hashlib.md5(b"hello"), and the message
// attribute digest with the algorithm of the SQS developer guide ("Calculating the MD5 message
// digest for message attributes": sorted names, 4-byte big-endian length prefixes, transport
// byte 1 for String/Number and 2 for Binary) over {attr1: String "value1", bin: Binary 01 02,
// num: Number "42"} and over {AWSTraceHeader: String "Root=1-5759e988-bd862e3fe1be46a994272793"}.
constexpr const char* md5_hello = "5d41402abc4b2a76b9719d911017c592";
constexpr const char* md5_three_attributes = "ec73fec6f33ebc93694fd1a7feec80dc";
constexpr const char* md5_attr1_only = "3bc3f392bdd1097ba0b434f65d468d2e";
constexpr const char* md5_trace_header = "62a56dd927315f2b2e12832b84617ea5";

const json three_attributes = {
    {"attr1", {{"DataType", "String"}, {"StringValue", "value1"}}},
    {"bin", {{"DataType", "Binary"}, {"BinaryValue", "AQI="}}},
    {"num", {{"DataType", "Number"}, {"StringValue", "42"}}},
};

TEST_F(sqs_test, send_receive_delete) {
  const std::string url = create("q");
  json sent = send(url, "hello");
  EXPECT_EQ(sent["MD5OfMessageBody"], md5_hello);
  EXPECT_FALSE(sent.contains("MD5OfMessageAttributes"));
  EXPECT_FALSE(sent.contains("SequenceNumber"));
  json messages = receive(url);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["MessageId"], sent["MessageId"]);
  EXPECT_EQ(messages[0]["Body"], "hello");
  EXPECT_EQ(messages[0]["MD5OfBody"], md5_hello);
  EXPECT_FALSE(messages[0].contains("Attributes"));
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesNotVisible"), "1");
  EXPECT_TRUE(receive(url).empty());
  ok("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", messages[0]["ReceiptHandle"]}});
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesNotVisible"), "0");
  // Deleting again is not an error.
  ok("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", messages[0]["ReceiptHandle"]}});
}

TEST_F(sqs_test, message_attribute_digests) {
  const std::string url = create("q");
  json sent =
      send(url, "hello",
           {{"MessageAttributes", three_attributes},
            {"MessageSystemAttributes",
             {{"AWSTraceHeader",
               {{"DataType", "String"}, {"StringValue", "Root=1-5759e988-bd862e3fe1be46a994272793"}}}}}});
  EXPECT_EQ(sent["MD5OfMessageAttributes"], md5_three_attributes);
  EXPECT_EQ(sent["MD5OfMessageSystemAttributes"], md5_trace_header);
  json all = receive(
      url, {{"MessageAttributeNames", {"All"}}, {"VisibilityTimeout", 0}, {"AttributeNames", {"All"}}});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["MessageAttributes"], three_attributes);
  EXPECT_EQ(all[0]["MD5OfMessageAttributes"], md5_three_attributes);
  EXPECT_EQ(all[0]["Attributes"]["AWSTraceHeader"], "Root=1-5759e988-bd862e3fe1be46a994272793");
  json some = receive(url, {{"MessageAttributeNames", {"attr1"}}, {"VisibilityTimeout", 0}});
  EXPECT_EQ(some[0]["MessageAttributes"].size(), 1u);
  EXPECT_EQ(some[0]["MD5OfMessageAttributes"], md5_attr1_only);
  json prefixed = receive(url, {{"MessageAttributeNames", {"att.*", "nu.*"}}, {"VisibilityTimeout", 0}});
  EXPECT_FALSE(prefixed[0].contains("MessageAttributes"));
  json none = receive(url);
  EXPECT_FALSE(none[0].contains("MessageAttributes"));
  EXPECT_FALSE(none[0].contains("MD5OfMessageAttributes"));
}

TEST_F(sqs_test, system_attributes_on_receive) {
  const std::string url = create("q");
  send(url, "x");
  advance(2s);
  json first = receive(url, {{"MessageSystemAttributeNames", {"All"}}, {"VisibilityTimeout", 1}});
  json attributes = first[0]["Attributes"];
  EXPECT_EQ(attributes["SentTimestamp"], "1700000000000");
  EXPECT_EQ(attributes["ApproximateFirstReceiveTimestamp"], "1700000002000");
  EXPECT_EQ(attributes["ApproximateReceiveCount"], "1");
  EXPECT_EQ(attributes["SenderId"], "000000000000");
  EXPECT_FALSE(attributes.contains("SequenceNumber"));
  advance(1s);
  json second = receive(url, {{"AttributeNames", {"ApproximateReceiveCount"}}});
  EXPECT_EQ(second[0]["Attributes"], json({{"ApproximateReceiveCount", "2"}}));
  EXPECT_NE(second[0]["ReceiptHandle"], first[0]["ReceiptHandle"]);
}

TEST_F(sqs_test, send_errors) {
  const std::string url = create("q", {{"MaximumMessageSize", "1024"}});
  fails("SendMessage", {{"QueueUrl", url}}, error_code::missing_parameter,
        "The request must contain the parameter MessageBody.");
  fails("SendMessage", {{"QueueUrl", url}, {"MessageBody", ""}}, error_code::missing_parameter,
        "The request must contain the parameter MessageBody.");
  fails("SendMessage", {{"QueueUrl", url}, {"MessageBody", std::string("a\x01")}},
        error_code::invalid_message_contents,
        "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to "
        "#xFFFD | "
        "#x10000 to #x10FFFF");
  send(url, "tab\tnew\nline\r \xF0\x9F\x98\x80");  // U+1F600 is allowed
  fails("SendMessage", {{"QueueUrl", url}, {"MessageBody", std::string(1025, 'a')}},
        error_code::invalid_parameter_value,
        "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.");
  send(url, std::string(1024, 'a'));
  // Attributes count towards the size: name + type + value.
  fails("SendMessage",
        {{"QueueUrl", url},
         {"MessageBody", std::string(1000, 'a')},
         {"MessageAttributes", {{"k", {{"DataType", "String"}, {"StringValue", std::string(20, 'v')}}}}}},
        error_code::invalid_parameter_value,
        "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.");
  fails("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}, {"DelaySeconds", 901}},
        error_code::invalid_parameter_value,
        "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.");
  fails("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}, {"MessageDeduplicationId", "d"}},
        error_code::invalid_parameter_value,
        "Value d for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter "
        "that is "
        "not valid for this queue type.");
  fails("SendMessage",
        {{"QueueUrl", url},
         {"MessageBody", "x"},
         {"MessageAttributes", {{"n", {{"DataType", "Number"}, {"StringValue", "abc"}}}}}},
        error_code::invalid_parameter_value,
        "Can't cast the value of message (user) attribute 'n' to a number.");
  fails("SendMessage",
        {{"QueueUrl", url},
         {"MessageBody", "x"},
         {"MessageAttributes", {{"s", {{"DataType", "String"}, {"StringValue", ""}}}}}},
        error_code::invalid_parameter_value,
        "The message attribute 's' must contain non-empty message attribute value for message attribute type "
        "'String'.");
  fails("SendMessage",
        {{"QueueUrl", url},
         {"MessageBody", "x"},
         {"MessageAttributes", {{"s", {{"DataType", "Text"}, {"StringValue", "v"}}}}}},
        error_code::invalid_parameter_value,
        "The type of message (user) attribute 's' is invalid. You must use only the following supported type "
        "prefixes: Binary, Number, String.");
  json eleven = json::object();
  for (int i = 0; i < 11; ++i)
    eleven["a" + std::to_string(i)] = {{"DataType", "String"}, {"StringValue", "v"}};
  fails("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}, {"MessageAttributes", eleven}},
        error_code::invalid_parameter_value,
        "Number of message attributes [11] exceeds the allowed maximum [10].");
}

TEST_F(sqs_test, visibility_timeout_expiry) {
  const std::string url = create("q", {{"VisibilityTimeout", "10"}});
  send(url, "x");
  json first = receive(url);
  ASSERT_EQ(first.size(), 1u);
  advance(9s);
  EXPECT_TRUE(receive(url).empty());
  advance(1s);
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "1");
  json again = receive(url, {{"VisibilityTimeout", 5}});
  ASSERT_EQ(again.size(), 1u);
  advance(5s);
  EXPECT_EQ(receive(url).size(), 1u);
}

TEST_F(sqs_test, change_message_visibility) {
  const std::string url = create("q");
  send(url, "x");
  json m = receive(url);
  const std::string handle = m[0]["ReceiptHandle"];
  ok("ChangeMessageVisibility", {{"QueueUrl", url}, {"ReceiptHandle", handle}, {"VisibilityTimeout", 0}});
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "1");
  fails("ChangeMessageVisibility", {{"QueueUrl", url}, {"ReceiptHandle", handle}, {"VisibilityTimeout", 10}},
        error_code::message_not_inflight, "The message referred to isn't in flight.");
  json again = receive(url);
  const std::string newer = again[0]["ReceiptHandle"];
  ok("ChangeMessageVisibility", {{"QueueUrl", url}, {"ReceiptHandle", newer}, {"VisibilityTimeout", 100}});
  advance(99s);
  EXPECT_TRUE(receive(url).empty());
  fails("ChangeMessageVisibility",
        {{"QueueUrl", url}, {"ReceiptHandle", newer}, {"VisibilityTimeout", 43200}},
        error_code::invalid_parameter_value,
        "Value 43200 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the "
        "message is "
        "beyond the limit [43200 seconds].");
  fails("ChangeMessageVisibility",
        {{"QueueUrl", url}, {"ReceiptHandle", "garbage"}, {"VisibilityTimeout", 1}},
        error_code::receipt_handle_is_invalid,
        "The input receipt handle \"garbage\" is not a valid receipt handle.");
  fails("ChangeMessageVisibility", {{"QueueUrl", url}, {"ReceiptHandle", newer}},
        error_code::missing_parameter, "The request must contain the parameter VisibilityTimeout.");
  ok("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", newer}});
  fails("ChangeMessageVisibility", {{"QueueUrl", url}, {"ReceiptHandle", newer}, {"VisibilityTimeout", 1}},
        error_code::invalid_parameter_value,
        "Value " + newer +
            " for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for "
            "visibility timeout change.");
}

TEST_F(sqs_test, delete_with_bad_or_stale_handles) {
  const std::string url = create("q", {{"VisibilityTimeout", "1"}});
  const std::string other = create("other");
  fails("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", "nope"}},
        error_code::receipt_handle_is_invalid,
        "The input receipt handle \"nope\" is not a valid receipt handle.");
  fails("DeleteMessage", {{"QueueUrl", url}}, error_code::missing_parameter,
        "The request must contain the parameter ReceiptHandle.");
  send(other, "o");
  const std::string foreign = receive(other)[0]["ReceiptHandle"];
  fails("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", foreign}},
        error_code::receipt_handle_is_invalid,
        "The receipt handle \"" + foreign + "\" is not valid for this queue.");
  // A standard queue accepts an older handle of a re-received message.
  send(url, "x");
  const std::string old_handle = receive(url)[0]["ReceiptHandle"];
  advance(1s);
  ASSERT_EQ(receive(url).size(), 1u);
  ok("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", old_handle}});
  advance(1s);
  EXPECT_TRUE(receive(url).empty());
}

TEST_F(sqs_test, receive_parameter_errors) {
  const std::string url = create("q");
  fails("ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 11}},
        error_code::invalid_parameter_value,
        "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if "
        "provided.");
  fails(
      "ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 0}}, error_code::invalid_parameter_value,
      "Value 0 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.");
  fails("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 21}}, error_code::invalid_parameter_value,
        "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.");
  fails("ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", "ten"}},
        error_code::invalid_parameter_value,
        "Value ten for parameter MaxNumberOfMessages is invalid. Reason: Must be an integer.");
  fails("ReceiveMessage", {{"QueueUrl", url + "x"}}, error_code::queue_does_not_exist,
        "The specified queue does not exist.");
}

TEST_F(sqs_test, receive_up_to_max_in_order) {
  const std::string url = create("q");
  for (int i = 0; i < 12; ++i) send(url, "m" + std::to_string(i));
  json batch = receive(url, {{"MaxNumberOfMessages", "10"}});  // query-protocol text is accepted
  ASSERT_EQ(batch.size(), 10u);
  EXPECT_EQ(batch[0]["Body"], "m0");
  EXPECT_EQ(receive(url, {{"MaxNumberOfMessages", 10}}).size(), 2u);
}

TEST_F(sqs_test, delays_per_queue_and_per_message) {
  const std::string url = create("q", {{"DelaySeconds", "10"}});
  send(url, "queue-delay");
  send(url, "own-delay", {{"DelaySeconds", 2}});
  send(url, "no-delay", {{"DelaySeconds", 0}});
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesDelayed"), "2");
  json now = receive(url, {{"MaxNumberOfMessages", 10}});
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0]["Body"], "no-delay");
  advance(2s);
  EXPECT_EQ(receive(url, {{"MaxNumberOfMessages", 10}})[0]["Body"], "own-delay");
  advance(8s);
  EXPECT_EQ(receive(url, {{"MaxNumberOfMessages", 10}})[0]["Body"], "queue-delay");
}

TEST_F(sqs_test, long_poll_completes_on_send_once) {
  const std::string url = create("q");
  int calls = 0;
  result got;
  call_async("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 20}}, [&](result r) {
    ++calls;
    got = std::move(r);
  });
  EXPECT_EQ(calls, 0);
  advance(5s);
  EXPECT_EQ(calls, 0);
  send(url, "wake");
  EXPECT_EQ(calls, 0);  // the answer is a scheduler entry of its own
  run_until_idle();
  ASSERT_EQ(calls, 1);
  ASSERT_FALSE(got.error);
  EXPECT_EQ(got.body["Messages"][0]["Body"], "wake");
  advance(30s);
  EXPECT_EQ(calls, 1);
}

TEST_F(sqs_test, long_poll_times_out_empty_once) {
  const std::string url = create("q", {{"ReceiveMessageWaitTimeSeconds", "3"}});
  int calls = 0;
  result got;
  call_async("ReceiveMessage", {{"QueueUrl", url}}, [&](result r) {
    ++calls;
    got = std::move(r);
  });
  advance(2999ms);
  EXPECT_EQ(calls, 0);
  advance(1ms);
  ASSERT_EQ(calls, 1);
  EXPECT_FALSE(got.error);
  EXPECT_EQ(got.body, json::object());
  send(url, "late");
  EXPECT_EQ(calls, 1);
  // WaitTimeSeconds 0 overrides the queue default: answers at once.
  call_async("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 0}}, [&](result) { ++calls; });
  EXPECT_EQ(calls, 2);
}

TEST_F(sqs_test, long_poll_completes_when_a_delay_or_visibility_timeout_ends) {
  const std::string url = create("q", {{"VisibilityTimeout", "4"}});
  send(url, "x", {{"DelaySeconds", 2}});
  std::vector<result> results;
  call_async("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 10}},
             [&](result r) { results.push_back(std::move(r)); });
  advance(2s);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].body["Messages"][0]["Body"], "x");
  call_async("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 10}},
             [&](result r) { results.push_back(std::move(r)); });
  advance(4s);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].body["Messages"][0]["Body"], "x");
}

TEST_F(sqs_test, delete_queue_ends_its_long_polls) {
  const std::string url = create("q");
  int calls = 0;
  call_async("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 20}}, [&](result) { ++calls; });
  ok("DeleteQueue", {{"QueueUrl", url}});
  run_until_idle();
  EXPECT_EQ(calls, 1);
  advance(30s);
  EXPECT_EQ(calls, 1);
}

TEST_F(sqs_test, retention_period_expires_messages) {
  const std::string url = create("q", {{"MessageRetentionPeriod", "60"}});
  send(url, "old");
  advance(30s);
  send(url, "newer");
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "2");
  advance(30s);
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "1");
  json left = receive(url, {{"MaxNumberOfMessages", 10}});
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["Body"], "newer");
  advance(30s);  // in flight, yet past retention: gone too
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesNotVisible"), "0");
}

TEST_F(sqs_test, send_message_batch) {
  const std::string url = create("q", {{"MaximumMessageSize", "1024"}});
  json out = ok("SendMessageBatch",
                {{"QueueUrl", url},
                 {"Entries",
                  {{{"Id", "a"}, {"MessageBody", "hello"}},
                   {{"Id", "b"}, {"MessageBody", std::string(2000, 'x')}},
                   {{"Id", "c"}, {"MessageBody", "hi"}, {"MessageAttributes", three_attributes}}}}});
  ASSERT_EQ(out["Successful"].size(), 2u);
  EXPECT_EQ(out["Successful"][0]["Id"], "a");
  EXPECT_EQ(out["Successful"][0]["MD5OfMessageBody"], md5_hello);
  EXPECT_EQ(out["Successful"][1]["MD5OfMessageAttributes"], md5_three_attributes);
  ASSERT_EQ(out["Failed"].size(), 1u);
  EXPECT_EQ(out["Failed"][0],
            json({{"Id", "b"},
                  {"SenderFault", true},
                  {"Code", "InvalidParameterValue"},
                  {"Message",
                   "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes."}}));
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "2");
}

TEST_F(sqs_test, batch_request_errors) {
  const std::string url = create("q");
  fails("SendMessageBatch", {{"QueueUrl", url}, {"Entries", json::array()}}, error_code::empty_batch_request,
        "There should be at least one SendMessageBatchRequestEntry in the request.");
  fails("SendMessageBatch", {{"QueueUrl", url}}, error_code::missing_parameter,
        "The request must contain the parameter Entries.");
  json eleven = json::array();
  for (int i = 0; i < 11; ++i) eleven.push_back({{"Id", std::to_string(i)}, {"MessageBody", "x"}});
  fails("SendMessageBatch", {{"QueueUrl", url}, {"Entries", eleven}},
        error_code::too_many_entries_in_batch_request,
        "Maximum number of entries per request are 10. You have sent 11.");
  fails("SendMessageBatch",
        {{"QueueUrl", url},
         {"Entries", {{{"Id", "a"}, {"MessageBody", "x"}}, {{"Id", "a"}, {"MessageBody", "y"}}}}},
        error_code::batch_entry_ids_not_distinct, "Id a repeated.");
  fails("SendMessageBatch", {{"QueueUrl", url}, {"Entries", {{{"Id", "a.b"}, {"MessageBody", "x"}}}}},
        error_code::invalid_batch_entry_id,
        "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at "
        "most 80 "
        "letters long.");
  json big = json::array();
  for (int i = 0; i < 2; ++i)
    big.push_back({{"Id", std::to_string(i)}, {"MessageBody", std::string(600'000, 'x')}});
  fails("SendMessageBatch", {{"QueueUrl", url}, {"Entries", big}}, error_code::batch_request_too_long,
        "Batch requests cannot be longer than 1048576 bytes. You have sent 1200000 bytes.");
  fails("DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", json::array()}},
        error_code::empty_batch_request,
        "There should be at least one DeleteMessageBatchRequestEntry in the request.");
  fails("ChangeMessageVisibilityBatch", {{"QueueUrl", url}, {"Entries", json::array()}},
        error_code::empty_batch_request,
        "There should be at least one ChangeMessageVisibilityBatchRequestEntry in the request.");
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "0");
}

TEST_F(sqs_test, delete_and_change_visibility_batches) {
  const std::string url = create("q");
  send(url, "a");
  send(url, "b");
  json got = receive(url, {{"MaxNumberOfMessages", 2}});
  ASSERT_EQ(got.size(), 2u);
  json changed = ok("ChangeMessageVisibilityBatch",
                    {{"QueueUrl", url},
                     {"Entries",
                      {{{"Id", "1"}, {"ReceiptHandle", got[0]["ReceiptHandle"]}, {"VisibilityTimeout", 0}},
                       {{"Id", "2"}, {"ReceiptHandle", "bad"}, {"VisibilityTimeout", 0}}}}});
  EXPECT_EQ(changed["Successful"], json::array({{{"Id", "1"}}}));
  EXPECT_EQ(changed["Failed"][0]["Code"], "ReceiptHandleIsInvalid");
  json deleted = ok("DeleteMessageBatch", {{"QueueUrl", url},
                                           {"Entries",
                                            {{{"Id", "x"}, {"ReceiptHandle", got[1]["ReceiptHandle"]}},
                                             {{"Id", "y"}, {"ReceiptHandle", "bad"}}}}});
  EXPECT_EQ(deleted["Successful"], json::array({{{"Id", "x"}}}));
  EXPECT_EQ(deleted["Failed"][0]["Id"], "y");
  EXPECT_EQ(deleted["Failed"][0]["SenderFault"], true);
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "1");
}

// A receipt handle is base64 of "fogbank-rh1|<queue ARN>|<message id>|<nonce: 16 hex digits>"
// (service.cpp, make_receipt_handle); on a manual clock with seed 42 its text is always the same
// (the literal is what the snprintf-based version gave, at 96bd64a).
TEST_F(sqs_test, receipt_handle_text) {
  const std::string url = create("q");
  const std::string id = send(url, "hello")["MessageId"];
  json messages = receive(url);
  ASSERT_EQ(messages.size(), 1u);
  const std::string handle = messages[0]["ReceiptHandle"];
  const auto text = core::base64_decode_lenient(handle);
  ASSERT_TRUE(text);
  const std::string prefix = "fogbank-rh1|" + arn("q") + "|" + id + "|";
  ASSERT_EQ(text->substr(0, prefix.size()), prefix);
  const std::string nonce = text->substr(prefix.size());
  EXPECT_EQ(nonce.size(), 16u);
  EXPECT_EQ(nonce.find_first_not_of("0123456789abcdef"), std::string::npos) << nonce;
  EXPECT_EQ(handle,
            "Zm9nYmFuay1yaDF8YXJuOmF3czpzcXM6dXMtZWFzdC0xOjAwMDAwMDAwMDAwMDpxfGEwOTlkMjBjLTk1YzktNDk1Mi05NTEz"
            "LTU5NmEzY2M2YWU2ZHw5NWMyM2Q3M2Y2YmM1ZjA2")
      << *text;
}

}  // namespace
}  // namespace fogbank::sqs
