// A write that storage refuses answers InternalServerError and leaves the queue as it was
// (issue 6, "a failed read answers InternalServerError and changes nothing"): the operations
// that change a queue's definition write a changed copy first and apply it only afterwards.

#include "fogbank/dispatch/client.hpp"
#include "fogbank/main/emulator.hpp"
#include "fogbank/sqs/service.hpp"
#include "fogbank/storage/database.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace fogbank::sqs {
namespace {

using json = nlohmann::json;

// An in-memory database whose writes can be made to fail, as a full or broken disk would.
class failing_database : public storage::database {
 public:
  explicit failing_database(std::unique_ptr<storage::database> inner) : inner_(std::move(inner)) {}
  storage::status get(storage::column c, std::string_view key, std::string* value,
                      const storage::snapshot* at) const override {
    return inner_->get(c, key, value, at);
  }
  storage::status write(storage::write_batch& batch) override {
    if (fail_writes) return storage::status::error(storage::status::kind::io_error, "disk full");
    return inner_->write(batch);
  }
  std::unique_ptr<storage::iterator> scan(storage::column c, const storage::scan_range& range,
                                          const storage::snapshot* at) const override {
    return inner_->scan(c, range, at);
  }
  std::unique_ptr<storage::snapshot> take_snapshot() const override { return inner_->take_snapshot(); }

  bool fail_writes = false;

 private:
  std::unique_ptr<storage::database> inner_;
};

class storage_failure_test : public ::testing::Test {
 protected:
  void SetUp() override {
    emulator_options options;
    options.manual_clock = true;
    options.seed = 42;
    options.wrap_storage =
        [this](std::unique_ptr<storage::database> inner) -> std::unique_ptr<storage::database> {
      auto wrapped = std::make_unique<failing_database>(std::move(inner));
      db_ = wrapped.get();
      return wrapped;
    };
    std::string error;
    emulator_ = emulator::open(options, &error);
    ASSERT_TRUE(emulator_) << error;
    url_ = ok("CreateQueue", {{"QueueName", "q"}, {"tags", {{"team", "a"}}}})["QueueUrl"];
  }

  result call(const std::string& operation, const json& request) {
    return emulator_->client().call("sqs", operation, request);
  }

  json ok(const std::string& operation, const json& request) {
    result r = call(operation, request);
    EXPECT_FALSE(r.error.has_value()) << operation << ": " << (r.error ? r.error->message() : "");
    return r.body;
  }

  // Runs `operation` with writes failing: it must answer InternalServerError and change nothing
  // that GetQueueAttributes or ListQueueTags show.
  void fails_to_write(const std::string& operation, json request) {
    const json attributes_before = state();
    request["QueueUrl"] = url_;
    db_->fail_writes = true;
    result r = call(operation, request);
    db_->fail_writes = false;
    ASSERT_TRUE(r.error.has_value()) << operation << " succeeded: " << r.body.dump();
    EXPECT_EQ(r.error->name(), "InternalServerError") << r.error->message();
    EXPECT_EQ(state(), attributes_before) << operation;
  }

  json state() {
    return json{{"attributes", ok("GetQueueAttributes", {{"QueueUrl", url_}, {"AttributeNames", {"All"}}})},
                {"tags", ok("ListQueueTags", {{"QueueUrl", url_}})}};
  }

  failing_database* db_ = nullptr;  // owned by the emulator
  std::unique_ptr<emulator> emulator_;
  std::string url_;
};

TEST_F(storage_failure_test, set_queue_attributes) {
  emulator_->advance(std::chrono::seconds(5));  // LastModifiedTimestamp would move
  fails_to_write("SetQueueAttributes",
                 {{"Attributes", {{"VisibilityTimeout", "99"}, {"DelaySeconds", "5"}}}});
  // The typed settings did not move either: a send is visible at once (no 5 s delay).
  ok("SendMessage", {{"QueueUrl", url_}, {"MessageBody", "x"}});
  EXPECT_EQ(ok("ReceiveMessage", {{"QueueUrl", url_}}).value("Messages", json::array()).size(), 1u);
}

TEST_F(storage_failure_test, tags) {
  fails_to_write("TagQueue", {{"Tags", {{"env", "dev"}}}});
  fails_to_write("UntagQueue", {{"TagKeys", {"team"}}});
}

TEST_F(storage_failure_test, permissions) {
  const json add = {{"Label", "l1"}, {"AWSAccountIds", {"111122223333"}}, {"Actions", {"SendMessage"}}};
  fails_to_write("AddPermission", add);
  json request = add;
  request["QueueUrl"] = url_;
  ok("AddPermission", request);
  fails_to_write("RemovePermission", {{"Label", "l1"}});
}

TEST_F(storage_failure_test, create_queue_adds_no_queue) {
  db_->fail_writes = true;
  result r = call("CreateQueue", {{"QueueName", "other"}});
  db_->fail_writes = false;
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->name(), "InternalServerError");
  EXPECT_EQ(emulator_->sqs().queue_count(), 1u);
}

}  // namespace
}  // namespace fogbank::sqs
