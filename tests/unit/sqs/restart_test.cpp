// Persistence: queues, messages and receive state survive closing the service and the database
// and opening them again from disk (emulator/sqs/src/service.cpp).

#include "fogbank/dispatch/client.hpp"
#include "fogbank/main/emulator.hpp"
#include "fogbank/sqs/service.hpp"
#include "fogbank/storage/database.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace fogbank::sqs {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

class restart_test : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/fogbank-sqs-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    open();
  }
  void TearDown() override {
    close();
    std::filesystem::remove_all(dir_);
  }
  // Opens the emulator on the data directory, the clock where the last one left it.
  void open() {
    emulator_options options;
    options.data_dir = dir_;
    options.manual_clock = true;
    options.clock_start = now_;
    options.seed = 7;
    std::string error;
    emulator_ = emulator::open(options, &error);
    ASSERT_TRUE(emulator_) << error;
  }
  void close() {
    if (emulator_) now_ = emulator_->clock().now();
    emulator_.reset();
  }
  json ok(const std::string& operation, const json& request) {
    result r = emulator_->client().call("sqs", operation, request);
    EXPECT_FALSE(r.error.has_value()) << operation << ": " << (r.error ? r.error->message() : "");
    return r.body;
  }
  json receive(const std::string& url) {
    return ok("ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 10}})
        .value("Messages", json::array());
  }

  std::string dir_;
  core::time_point now_ = core::time_point{std::chrono::seconds{1'700'000'000}};
  std::unique_ptr<emulator> emulator_;
};

TEST_F(restart_test, messages_survive_and_in_flight_ones_reappear) {
  const std::string url = ok(
      "CreateQueue", {{"QueueName", "durable"}, {"Attributes", {{"VisibilityTimeout", "30"}}}})["QueueUrl"];
  const std::string fifo =
      ok("CreateQueue",
         {{"QueueName", "durable.fifo"},
          {"Attributes", {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}}}})["QueueUrl"];
  ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "in-flight"}});
  json held = receive(url);
  ASSERT_EQ(held.size(), 1u);
  ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "waiting"}});
  json first = ok("SendMessage", {{"QueueUrl", fifo}, {"MessageBody", "once"}, {"MessageGroupId", "g"}});

  close();
  now_ += 10s;
  open();

  EXPECT_EQ(emulator_->sqs().queue_count(), 2u);
  json now = receive(url);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0]["Body"], "waiting");
  emulator_->advance(20s);
  json back = receive(url);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0]["Body"], "in-flight");
  EXPECT_EQ(back[0]["MessageId"], held[0]["MessageId"]);
  // The stale handle from before the restart still deletes on a standard queue.
  ok("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", held[0]["ReceiptHandle"]}});

  // FIFO deduplication and sequence numbers carry over.
  json again = ok("SendMessage", {{"QueueUrl", fifo}, {"MessageBody", "once"}, {"MessageGroupId", "g"}});
  EXPECT_EQ(again["MessageId"], first["MessageId"]);
  json next = ok("SendMessage", {{"QueueUrl", fifo}, {"MessageBody", "twice"}, {"MessageGroupId", "g"}});
  EXPECT_GT(next["SequenceNumber"].get<std::string>(), first["SequenceNumber"].get<std::string>());
}

TEST_F(restart_test, deleted_queue_stays_deleted) {
  const std::string url = ok("CreateQueue", {{"QueueName", "temp"}})["QueueUrl"];
  ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}});
  ok("DeleteQueue", {{"QueueUrl", url}});
  close();
  open();
  EXPECT_EQ(emulator_->sqs().queue_count(), 0u);
  ok("CreateQueue", {{"QueueName", "temp"}});
  EXPECT_TRUE(receive(url).empty());
}

TEST_F(restart_test, typed_settings_are_parsed_again_on_load) {
  ok("CreateQueue", {{"QueueName", "dlq"}});
  const std::string url =
      ok("CreateQueue",
         {{"QueueName", "src"},
          {"Attributes",
           {{"VisibilityTimeout", "0"},
            {"RedrivePolicy",
             R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":1})"}}}})
          ["QueueUrl"];
  ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}});
  close();
  open();
  // VisibilityTimeout 0 and maxReceiveCount 1 came back from storage: the first receive takes
  // the message, the second moves it to the dead-letter queue instead.
  EXPECT_EQ(receive(url).size(), 1u);
  EXPECT_TRUE(receive(url).empty());
  const std::string dlq = ok("GetQueueUrl", {{"QueueName", "dlq"}})["QueueUrl"];
  EXPECT_EQ(receive(dlq).size(), 1u);
}

TEST_F(restart_test, a_stored_policy_past_the_nesting_bound_loads_and_is_never_dumped) {
  // A Policy 60,000 levels deep, as SetQueueAttributes accepted it before the bound existed
  // (issue 6, finding 4): written into the queue's stored definition directly.
  const std::string url = ok("CreateQueue", {{"QueueName", "old"}})["QueueUrl"];
  close();
  {
    std::string error;
    auto db =
        storage::database::open({.path = dir_ + "/rocksdb"}, &error);  // the emulator keeps RocksDB there
    ASSERT_TRUE(db) << error;
    const std::string key = "sqs-queue/us-east-1/000000000000/old";
    std::string stored;
    ASSERT_TRUE(db->get(storage::column::meta, key, &stored).is_ok());
    json definition = json::parse(stored);
    definition["attributes"]["Policy"] =
        R"({"Statement":)" + std::string(60'000, '[') + std::string(60'000, ']') + "}";
    storage::write_batch batch;
    batch.put(storage::column::meta, key, definition.dump());
    ASSERT_TRUE(db->write(batch).is_ok());
  }
  open();
  result missing = emulator_->client().call("sqs", "RemovePermission", {{"QueueUrl", url}, {"Label", "l1"}});
  ASSERT_TRUE(missing.error.has_value());
  EXPECT_EQ(missing.error->message(), "Value l1 for parameter Label is invalid. Reason: can't find label.");
  // AddPermission starts a new document in place of the one it cannot read.
  ok("AddPermission",
     {{"QueueUrl", url}, {"Label", "l1"}, {"AWSAccountIds", {"111122223333"}}, {"Actions", {"SendMessage"}}});
  const json attributes = ok("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {"Policy"}}});
  const json policy = json::parse(attributes["Attributes"]["Policy"].get<std::string>());
  ASSERT_EQ(policy["Statement"].size(), 1u);
  EXPECT_EQ(policy["Statement"][0]["Sid"], "l1");
}

}  // namespace
}  // namespace fogbank::sqs
