#pragma once
// The one emulator over an in-memory database on a manual clock, and helpers that call SQS
// through the in-process client and check outcomes.

#include "fogbank/dispatch/client.hpp"
#include "fogbank/main/emulator.hpp"
#include "fogbank/sqs/service.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace fogbank::sqs {

using json = nlohmann::json;
using core::error_code;

class sqs_test : public ::testing::Test {
 protected:
  void SetUp() override {
    emulator_options options;
    options.manual_clock = true;
    options.seed = 42;
    std::string error;
    emulator_ = emulator::open(options, &error);
    ASSERT_TRUE(emulator_) << error;
  }

  result call(const std::string& operation, const json& request) {
    return emulator_->client().call("sqs", operation, request);
  }
  // Starts `operation`; `done` runs now or, for a long poll, when the scheduler completes it.
  void call_async(const std::string& operation, const json& request, core::call_completion done) {
    emulator_->client().call("sqs", operation, request, emulator_->client().default_context(),
                             std::move(done));
  }

  // Runs `operation` and expects success.
  json ok(const std::string& operation, const json& request) {
    result r = call(operation, request);
    EXPECT_FALSE(r.error.has_value())
        << operation << ": " << (r.error ? std::string(r.error->name()) + ": " + r.error->message() : "");
    return r.body;
  }

  // Runs `operation` and expects the error `code` with exactly `message`.
  void fails(const std::string& operation, const json& request, error_code code, const std::string& message) {
    result r = call(operation, request);
    ASSERT_TRUE(r.error.has_value()) << operation << " succeeded: " << r.body.dump();
    EXPECT_EQ(r.error->code(), code) << r.error->name() << ": " << r.error->message();
    EXPECT_EQ(r.error->message(), message);
  }

  std::string create(const std::string& name, const json& attributes = json::object()) {
    json request{{"QueueName", name}};
    if (!attributes.empty()) request["Attributes"] = attributes;
    return ok("CreateQueue", request).value("QueueUrl", "");
  }

  json send(const std::string& url, const std::string& body, json extra = json::object()) {
    extra["QueueUrl"] = url;
    extra["MessageBody"] = body;
    return ok("SendMessage", extra);
  }

  json receive(const std::string& url, json extra = json::object()) {
    extra["QueueUrl"] = url;
    return ok("ReceiveMessage", extra).value("Messages", json::array());
  }

  std::string attribute(const std::string& url, const std::string& name) {
    json attributes = ok("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {name}}});
    return attributes.contains("Attributes") ? attributes["Attributes"].value(name, "") : std::string();
  }

  // Moves the manual clock, running what falls due on the way.
  void advance(std::chrono::milliseconds by) { emulator_->advance(by); }
  // Runs what is due now (answers to long polls that a call has satisfied).
  void run_until_idle() { emulator_->run_until_idle(); }
  service& sqs() { return emulator_->sqs(); }

  std::string arn(const std::string& name) { return "arn:aws:sqs:us-east-1:000000000000:" + name; }

  std::unique_ptr<emulator> emulator_;
};

}  // namespace fogbank::sqs
