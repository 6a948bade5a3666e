#pragma once
// The one emulator over an in-memory database on a manual clock, and helpers that call Lambda
// (and the services its handlers and destinations reach) through the in-process client.

#include "fogbank/core/clock.hpp"
#include "fogbank/core/encoding.hpp"
#include "fogbank/core/scheduler.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/lambda/service.hpp"
#include "fogbank/main/emulator.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace fogbank::lambda {

using json = nlohmann::json;
using core::error_code;

// A deployment package: `bootstrap` (mode 0755, "#!/bin/sh\necho hi\n") and `lib/data.txt`
// ("hello\n"), stored uncompressed; made with Python's zipfile.
inline constexpr const char* small_zip_base64 =
    "UEsDBBQAAAAAAAAAIVgvOtrpEgAAABIAAAAJAAAAYm9vdHN0cmFwIyEvYmluL3NoCmVjaG8gaGkKUEsDBBQAAAAAAAAAIVggMDo2BgAA"
    "AAYA"
    "AAAMAAAAbGliL2RhdGEudHh0aGVsbG8KUEsBAhQDFAAAAAAAAAAhWC862ukSAAAAEgAAAAkAAAAAAAAAAAAAAO2BAAAAAGJvb3RzdHJh"
    "cFBL"
    "AQIUAxQAAAAAAAAAIVggMDo2BgAAAAYAAAAMAAAAAAAAAAAAAACkgTkAAABsaWIvZGF0YS50eHRQSwUGAAAAAAIAAgBxAAAAaQAAAAA"
    "A";
// base64(SHA-256(the package)), as `sha256sum` and Python's hashlib compute it.
inline constexpr const char* small_zip_sha256 = "SL7f9SKJDEnlLUw32gkHw2L+OuneHhZUWI0vKXVIWP4=";
inline constexpr int small_zip_size = 240;
// A package whose one entry, "../evil.txt", would land outside the function's directory.
inline constexpr const char* escaping_zip_base64 =
    "UEsDBBQAAAAAAAAAIViDFtyMAQAAAAEAAAALAAAALi4vZXZpbC50eHR4UEsBAhQDFAAAAAAAAAAhWIMW3IwBAAAAAQAAAAsAAAAAAAAA"
    "AAAA"
    "AKSBAAAAAC4uL2V2aWwudHh0UEsFBgAAAAABAAEAOQAAACoAAAAAAA==";

inline constexpr const char* role_arn = "arn:aws:iam::000000000000:role/lambda-role";

class lambda_test : public ::testing::Test {
 protected:
  void SetUp() override {
    emulator_options options;
    options.manual_clock = true;
    options.seed = 42;
    std::string error;
    emulator_ = emulator::open(options, &error);
    ASSERT_TRUE(emulator_) << error;
  }

  core::call_result call(const std::string& service, const std::string& operation, const json& request) {
    return emulator_->client().call(service, operation, request);
  }
  core::call_result call(const std::string& operation, const json& request) {
    return call("lambda", operation, request);
  }

  // Runs `operation` of `service` and expects success.
  json ok(const std::string& service, const std::string& operation, const json& request) {
    core::call_result r = call(service, operation, request);
    EXPECT_FALSE(r.error.has_value())
        << operation << ": " << (r.error ? std::string(r.error->name()) + ": " + r.error->message() : "");
    return r.body;
  }
  json ok(const std::string& operation, const json& request) { return ok("lambda", operation, request); }

  // Runs a Lambda operation and expects the error `code` with exactly `message`.
  void fails(const std::string& operation, const json& request, error_code code, const std::string& message) {
    core::call_result r = call(operation, request);
    ASSERT_TRUE(r.error.has_value()) << operation << " succeeded: " << r.body.dump();
    EXPECT_EQ(r.error->code(), code) << r.error->name() << ": " << r.error->message();
    EXPECT_EQ(r.error->message(), message);
  }

  // CreateFunction of a C++ handler (provided.al2023) from the small zip, with `extra` members.
  json create(const std::string& name, const std::string& handler, json extra = json::object()) {
    extra["FunctionName"] = name;
    extra["Handler"] = handler;
    if (!extra.contains("Runtime")) extra["Runtime"] = "provided.al2023";
    if (!extra.contains("Role")) extra["Role"] = role_arn;
    if (!extra.contains("Code")) extra["Code"] = {{"ZipFile", small_zip_base64}};
    return ok("CreateFunction", extra);
  }

  // Invoke with `event` as the payload; the response with Payload decoded into "payload" (text).
  json invoke(const std::string& name, const json& event, json extra = json::object()) {
    extra["FunctionName"] = name;
    extra["Payload"] = core::base64_encode(event.dump());
    json out = ok("Invoke", extra);
    if (out.contains("Payload")) {
      out["payload"] =
          core::base64_decode_lenient(out["Payload"].get<std::string>()).value_or("<not base64>");
    }
    return out;
  }

  std::string create_queue(const std::string& name) {
    return ok("sqs", "CreateQueue", {{"QueueName", name}}).value("QueueUrl", "");
  }
  json receive_all(const std::string& url) {
    return ok("sqs", "ReceiveMessage",
              {{"QueueUrl", url}, {"MaxNumberOfMessages", 10}, {"MessageAttributeNames", {"All"}}})
        .value("Messages", json::array());
  }
  void create_table(const std::string& name) {
    ok("dynamodb", "CreateTable",
       {{"TableName", name},
        {"AttributeDefinitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
        {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}},
        {"BillingMode", "PAY_PER_REQUEST"}});
  }

  void advance(std::chrono::milliseconds by) { emulator_->advance(by); }
  core::manual_clock& clock() { return static_cast<core::manual_clock&>(emulator_->clock()); }

  static std::string queue_arn(const std::string& name) {
    return "arn:aws:sqs:us-east-1:000000000000:" + name;
  }
  static std::string function_arn(const std::string& name) {
    return "arn:aws:lambda:us-east-1:000000000000:function:" + name;
  }

  std::unique_ptr<emulator> emulator_;
};

}  // namespace fogbank::lambda
