#pragma once
// The one emulator over an in-memory database (or a data directory) on a manual clock, and
// helpers that call SNS, SQS and Lambda through the in-process client.

#include "fogbank/core/encoding.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/main/emulator.hpp"
#include "fogbank/sns/service.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace fogbank::sns {

using json = nlohmann::json;
using core::error_code;

class sns_test : public ::testing::Test {
 protected:
  void SetUp() override { open(); }

  void open(const std::string& data_dir = "") {
    emulator_.reset();
    emulator_options options;
    options.manual_clock = true;
    options.seed = 42;
    options.data_dir = data_dir;
    std::string error;
    emulator_ = emulator::open(options, &error);
    ASSERT_TRUE(emulator_) << error;
  }

  core::call_result call(const std::string& service, const std::string& operation, const json& request) {
    return emulator_->client().call(service, operation, request);
  }

  json ok(const std::string& operation, const json& request, const std::string& service = "sns") {
    core::call_result r = call(service, operation, request);
    EXPECT_FALSE(r.error.has_value())
        << operation << ": " << (r.error ? std::string(r.error->name()) + ": " + r.error->message() : "");
    return r.body;
  }

  // Runs an SNS operation and expects the error `code` with exactly `message`.
  void fails(const std::string& operation, const json& request, error_code code, const std::string& message) {
    core::call_result r = call("sns", operation, request);
    ASSERT_TRUE(r.error.has_value()) << operation << " succeeded: " << r.body.dump();
    EXPECT_EQ(r.error->code(), code) << r.error->name() << ": " << r.error->message();
    EXPECT_EQ(r.error->message(), message);
  }

  std::string topic(const std::string& name, const json& attributes = json::object()) {
    json request{{"Name", name}};
    if (!attributes.empty()) request["Attributes"] = attributes;
    return ok("CreateTopic", request).value("TopicArn", "");
  }

  std::string queue(const std::string& name, const json& attributes = json::object()) {
    json request{{"QueueName", name}};
    if (!attributes.empty()) request["Attributes"] = attributes;
    return ok("CreateQueue", request, "sqs").value("QueueUrl", "");
  }

  std::string subscribe(const std::string& topic_arn, const std::string& protocol,
                        const std::string& endpoint, const json& attributes = json::object()) {
    json request{{"TopicArn", topic_arn}, {"Protocol", protocol}, {"Endpoint", endpoint}};
    if (!attributes.empty()) request["Attributes"] = attributes;
    return ok("Subscribe", request).value("SubscriptionArn", "");
  }

  json receive(const std::string& url) {
    return ok("ReceiveMessage",
              {{"QueueUrl", url},
               {"MaxNumberOfMessages", 10},
               {"MessageAttributeNames", {"All"}},
               {"AttributeNames", {"All"}}},
              "sqs")
        .value("Messages", json::array());
  }

  std::size_t run() { return emulator_->run_until_idle(); }

  static std::string queue_arn(const std::string& name) {
    return "arn:aws:sqs:us-east-1:000000000000:" + name;
  }
  static std::string topic_arn(const std::string& name) {
    return "arn:aws:sns:us-east-1:000000000000:" + name;
  }

  std::unique_ptr<emulator> emulator_;
};

}  // namespace fogbank::sns
