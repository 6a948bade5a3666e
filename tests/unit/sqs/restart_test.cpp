// Persistence: queues, messages and receive state survive closing the service and the database
// and opening them again from disk (emulator/sqs/src/service.cpp).

#include "fogbank/core/clock.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/core/scheduler.hpp"
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
  void open() {
    std::string error;
    db_ = storage::database::open({.path = dir_}, &error);
    ASSERT_TRUE(db_) << error;
    service_ = std::make_unique<service>(*db_, clock_, scheduler_, ids_);
  }
  void close() {
    service_.reset();
    db_.reset();
  }
  json ok(const std::string& operation, const json& request) {
    result r = service_->call(operation, request);
    EXPECT_FALSE(r.error.has_value()) << operation << ": " << (r.error ? r.error->message() : "");
    return r.body;
  }
  json receive(const std::string& url) {
    return ok("ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 10}})
        .value("Messages", json::array());
  }

  std::string dir_;
  core::manual_clock clock_;
  core::scheduler scheduler_{clock_};
  core::id_generator ids_{7};
  std::unique_ptr<storage::database> db_;
  std::unique_ptr<service> service_;
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
  clock_.advance(10s);
  open();

  EXPECT_EQ(service_->queue_count(), 2u);
  json now = receive(url);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0]["Body"], "waiting");
  clock_.advance(20s);
  scheduler_.run_due();
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
  EXPECT_EQ(service_->queue_count(), 0u);
  ok("CreateQueue", {{"QueueName", "temp"}});
  EXPECT_TRUE(receive(url).empty());
}

}  // namespace
}  // namespace fogbank::sqs
