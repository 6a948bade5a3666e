#pragma once
// The one emulator over an in-memory database on a manual clock, and helpers that call API
// Gateway's services through the in-process client.

#include "fogbank/apigw/connections.hpp"
#include "fogbank/apigw/service.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/main/emulator.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fogbank::apigw {

using json = nlohmann::json;
using core::error_code;

class apigw_test : public ::testing::Test {
 protected:
  void SetUp() override { open(); }

  void open(const std::string& data_dir = "") {
    emulator_.reset();
    emulator_options options;
    options.manual_clock = true;
    options.seed = 7;
    options.data_dir = data_dir;
    std::string error;
    emulator_ = emulator::open(options, &error);
    ASSERT_TRUE(emulator_) << error;
    emulator_->set_endpoint("http://127.0.0.1:4566");
  }

  core::call_result call(const std::string& operation, const json& request,
                         const std::string& service = "apigatewayv2") {
    return emulator_->client().call(service, operation, request);
  }

  json ok(const std::string& operation, const json& request, const std::string& service = "apigatewayv2") {
    core::call_result r = call(operation, request, service);
    EXPECT_FALSE(r.error.has_value())
        << operation << ": " << (r.error ? std::string(r.error->name()) + ": " + r.error->message() : "");
    return r.body;
  }

  // Runs `operation` and expects the error `code`; returns its message.
  std::string fails(const std::string& operation, const json& request, error_code code,
                    const std::string& service = "apigatewayv2") {
    core::call_result r = call(operation, request, service);
    if (!r.error) {
      ADD_FAILURE() << operation << " succeeded: " << r.body.dump();
      return "";
    }
    EXPECT_EQ(r.error->code(), code) << r.error->name() << ": " << r.error->message();
    return r.error->message();
  }

  std::string create_api(const std::string& name = "chat",
                         const std::string& expression = "$request.body.action") {
    return ok("CreateApi",
              {{"name", name}, {"protocolType", "WEBSOCKET"}, {"routeSelectionExpression", expression}})
        .value("apiId", "");
  }

  std::unique_ptr<emulator> emulator_;
};

// A WebSocket connection that keeps what API Gateway sends it and the close codes it is given.
struct recording_link final : connection_link {
  std::vector<std::string> sent;
  std::vector<std::uint16_t> closes;
  bool send(std::string data, bool) override {
    sent.push_back(std::move(data));
    return true;
  }
  void close(std::uint16_t code, std::string) override { closes.push_back(code); }
};

}  // namespace fogbank::apigw
