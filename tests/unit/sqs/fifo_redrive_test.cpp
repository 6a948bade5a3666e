// FIFO queues (ordering, group blocking, deduplication, sequence numbers) and dead-letter
// redrive, including StartMessageMoveTask (emulator/sqs/src/ops_send.cpp, ops_receive.cpp,
// ops_move_tasks.cpp).

#include "sqs_fixture.hpp"

namespace fogbank::sqs {
namespace {

using namespace std::chrono_literals;

class fifo_test : public sqs_test {
 protected:
  std::string create_fifo(const std::string& name, json attributes = json::object()) {
    attributes["FifoQueue"] = "true";
    return create(name, attributes);
  }
  json send_group(const std::string& url, const std::string& body, const std::string& group,
                  const std::string& dedup = "") {
    json extra{{"MessageGroupId", group}, {"MessageDeduplicationId", dedup.empty() ? body : dedup}};
    return send(url, body, extra);
  }
};

TEST_F(fifo_test, send_requirements) {
  const std::string url = create_fifo("f.fifo");
  fails("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}, {"MessageDeduplicationId", "d"}},
        error_code::missing_parameter, "The request must contain the parameter MessageGroupId.");
  fails("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}, {"MessageGroupId", "g"}},
        error_code::invalid_parameter_value,
        "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided "
        "explicitly");
  fails("SendMessage",
        {{"QueueUrl", url},
         {"MessageBody", "x"},
         {"MessageGroupId", "g"},
         {"MessageDeduplicationId", "d"},
         {"DelaySeconds", 5}},
        error_code::invalid_parameter_value,
        "Value 5 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not "
        "valid for "
        "this queue type.");
  fails("SendMessage",
        {{"QueueUrl", url}, {"MessageBody", "x"}, {"MessageGroupId", "g g"}, {"MessageDeduplicationId", "d"}},
        error_code::invalid_parameter_value,
        "Value g g for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include "
        "alphanumeric and "
        "punctuation characters. 1 to 128 in length.");
}

TEST_F(fifo_test, order_and_sequence_numbers) {
  const std::string url = create_fifo("f.fifo");
  json first = send_group(url, "1", "g");
  json second = send_group(url, "2", "g");
  ASSERT_TRUE(first.contains("SequenceNumber"));
  EXPECT_EQ(first["SequenceNumber"].get<std::string>().size(), 20u);
  EXPECT_LT(first["SequenceNumber"].get<std::string>(), second["SequenceNumber"].get<std::string>());
  json got = receive(url, {{"MaxNumberOfMessages", 10}, {"AttributeNames", {"All"}}});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]["Body"], "1");
  EXPECT_EQ(got[1]["Body"], "2");
  EXPECT_EQ(got[0]["Attributes"]["MessageGroupId"], "g");
  EXPECT_EQ(got[0]["Attributes"]["MessageDeduplicationId"], "1");
  EXPECT_EQ(got[0]["Attributes"]["SequenceNumber"], first["SequenceNumber"]);
}

TEST_F(fifo_test, group_blocked_while_in_flight) {
  const std::string url = create_fifo("f.fifo", {{"VisibilityTimeout", "10"}});
  send_group(url, "a1", "a");
  send_group(url, "a2", "a");
  send_group(url, "b1", "b");
  json first = receive(url);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0]["Body"], "a1");
  json second = receive(url);  // group a is blocked: b comes next
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0]["Body"], "b1");
  EXPECT_TRUE(receive(url).empty());
  advance(10s);  // a1 visible again and still first in its group
  json again = receive(url, {{"MaxNumberOfMessages", 10}});
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again[0]["Body"], "a1");
  EXPECT_EQ(again[1]["Body"], "a2");
  EXPECT_EQ(again[2]["Body"], "b1");
  // The handle of the earlier receive has expired in a FIFO queue; the newest one deletes.
  const std::string stale = first[0]["ReceiptHandle"];
  fails(
      "DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", stale}}, error_code::invalid_parameter_value,
      "Value " + stale + " for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.");
  ok("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", again[0]["ReceiptHandle"]}});
}

TEST_F(fifo_test, deduplication_window) {
  const std::string url = create_fifo("f.fifo", {{"ContentBasedDeduplication", "true"}});
  json first = send(url, "same", {{"MessageGroupId", "g"}});
  advance(4min);
  json duplicate = send(url, "same", {{"MessageGroupId", "g"}});
  EXPECT_EQ(duplicate["MessageId"], first["MessageId"]);
  EXPECT_EQ(duplicate["SequenceNumber"], first["SequenceNumber"]);
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "1");
  advance(1min);
  json fresh = send(url, "same", {{"MessageGroupId", "g"}});
  EXPECT_NE(fresh["MessageId"], first["MessageId"]);
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "2");
  // Content-based id is the SHA-256 of the body (hashlib.sha256(b"same").hexdigest()).
  json got = receive(url, {{"AttributeNames", {"MessageDeduplicationId"}}});
  EXPECT_EQ(got[0]["Attributes"]["MessageDeduplicationId"],
            "0967115f2813a3541eaef77de9d9d5773f1c0c04314b0bbfe4ff3b3b1c55b5d5");
}

TEST_F(fifo_test, receive_request_attempt_id_replays) {
  const std::string url = create_fifo("f.fifo");
  send_group(url, "1", "g");
  json first = receive(url, {{"ReceiveRequestAttemptId", "try-1"}});
  json retry = receive(url, {{"ReceiveRequestAttemptId", "try-1"}});
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0]["ReceiptHandle"], first[0]["ReceiptHandle"]);
}

TEST_F(sqs_test, redrive_after_max_receive_count) {
  const std::string dlq = create("dlq");
  const std::string source = create(
      "src", {{"VisibilityTimeout", "1"},
              {"RedrivePolicy", json{{"deadLetterTargetArn", arn("dlq")}, {"maxReceiveCount", "2"}}.dump()}});
  EXPECT_EQ(attribute(source, "RedrivePolicy"),
            R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":2})");
  const std::string id = send(source, "poison")["MessageId"];
  EXPECT_EQ(receive(source).size(), 1u);
  advance(1s);
  EXPECT_EQ(receive(source).size(), 1u);
  advance(1s);
  EXPECT_TRUE(receive(source).empty());  // the third receive moves it instead
  EXPECT_EQ(attribute(source, "ApproximateNumberOfMessages"), "0");
  json moved = receive(dlq, {{"AttributeNames", {"All"}}});
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0]["MessageId"], id);
  EXPECT_EQ(moved[0]["Attributes"]["ApproximateReceiveCount"], "1");
  EXPECT_EQ(moved[0]["Attributes"]["DeadLetterQueueSourceArn"], arn("src"));
  EXPECT_EQ(ok("ListDeadLetterSourceQueues", {{"QueueUrl", dlq}})["queueUrls"], json::array({source}));
}

TEST_F(sqs_test, redrive_policy_errors) {
  const std::string fifo = create("d.fifo", {{"FifoQueue", "true"}});
  const std::string url = create("src");
  const std::string missing = json{{"deadLetterTargetArn", arn("nope")}, {"maxReceiveCount", 1}}.dump();
  fails("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"RedrivePolicy", missing}}}},
        error_code::invalid_parameter_value,
        "Value " + missing +
            " for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.");
  const std::string other_kind = json{{"deadLetterTargetArn", arn("d.fifo")}, {"maxReceiveCount", 1}}.dump();
  fails("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"RedrivePolicy", other_kind}}}},
        error_code::invalid_parameter_value,
        "Value " + other_kind +
            " for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue "
            "as the "
            "source.");
  create("dlq");
  const std::string zero = json{{"deadLetterTargetArn", arn("dlq")}, {"maxReceiveCount", 0}}.dump();
  fails("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"RedrivePolicy", zero}}}},
        error_code::invalid_parameter_value,
        "Value " + zero +
            " for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: 0, valid "
            "values are "
            "from 1 to 1000 both inclusive.");
  const std::string good = json{{"deadLetterTargetArn", arn("dlq")}, {"maxReceiveCount", 5}}.dump();
  ok("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"RedrivePolicy", good}}}});
  ok("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"RedrivePolicy", ""}}}});
  EXPECT_EQ(attribute(url, "RedrivePolicy"), "");
  (void)fifo;
}

TEST_F(sqs_test, message_move_task_returns_messages_to_their_source) {
  const std::string dlq = create("dlq");
  const std::string source = create(
      "src", {{"VisibilityTimeout", "0"},
              {"RedrivePolicy", json{{"deadLetterTargetArn", arn("dlq")}, {"maxReceiveCount", "1"}}.dump()}});
  send(source, "m");
  EXPECT_EQ(receive(source).size(), 1u);
  EXPECT_TRUE(receive(source).empty());
  EXPECT_EQ(attribute(dlq, "ApproximateNumberOfMessages"), "1");
  fails("StartMessageMoveTask", {{"SourceArn", arn("src")}}, error_code::invalid_parameter_value,
        "Source queue must be configured as a Dead Letter Queue.");
  fails("StartMessageMoveTask", {{"SourceArn", arn("none")}}, error_code::resource_not_found,
        "The resource that you specified for the SourceArn parameter doesn't exist.");
  json started = ok("StartMessageMoveTask", {{"SourceArn", arn("dlq")}});
  ASSERT_TRUE(started.contains("TaskHandle"));
  EXPECT_EQ(attribute(dlq, "ApproximateNumberOfMessages"), "0");
  EXPECT_EQ(attribute(source, "ApproximateNumberOfMessages"), "1");
  json tasks = ok("ListMessageMoveTasks", {{"SourceArn", arn("dlq")}})["Results"];
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0]["Status"], "COMPLETED");
  EXPECT_EQ(tasks[0]["ApproximateNumberOfMessagesMoved"], 1);
  fails("CancelMessageMoveTask", {{"TaskHandle", started["TaskHandle"]}}, error_code::invalid_parameter_value,
        "Only active tasks can be cancelled.");
}

}  // namespace
}  // namespace fogbank::sqs
