#pragma once
// A service over an in-memory database on a manual clock, with helpers that check outcomes.

#include "fogbank/core/clock.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/core/scheduler.hpp"
#include "fogbank/sqs/service.hpp"
#include "fogbank/storage/database.hpp"

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
    std::string error;
    db_ = storage::database::open({.in_memory = true}, &error);
    ASSERT_TRUE(db_) << error;
    service_ = std::make_unique<service>(*db_, clock_, scheduler_, ids_);
  }

  // Runs `operation` and expects success.
  json ok(const std::string& operation, const json& request) {
    result r = service_->call(operation, request);
    EXPECT_FALSE(r.error.has_value())
        << operation << ": " << (r.error ? std::string(r.error->name()) + ": " + r.error->message() : "");
    return r.body;
  }

  // Runs `operation` and expects the error `code` with exactly `message`.
  void fails(const std::string& operation, const json& request, error_code code, const std::string& message) {
    result r = service_->call(operation, request);
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

  void advance(std::chrono::milliseconds by) {
    clock_.advance(by);
    scheduler_.run_due();
  }

  std::string arn(const std::string& name) { return "arn:aws:sqs:us-east-1:000000000000:" + name; }

  core::manual_clock clock_;
  core::scheduler scheduler_{clock_};
  core::id_generator ids_{42};
  std::unique_ptr<storage::database> db_;
  std::unique_ptr<service> service_;
};

}  // namespace fogbank::sqs
