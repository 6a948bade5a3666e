// Persistence: queues, messages and receive state survive closing the service and the database
// and opening them again from disk (emulator/sqs/src/service.cpp).

#include "fogbank/dispatch/client.hpp"
#include "fogbank/main/emulator.hpp"
#include "fogbank/sqs/service.hpp"

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

}  // namespace
}  // namespace fogbank::sqs
