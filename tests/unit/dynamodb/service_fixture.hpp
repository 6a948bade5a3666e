#pragma once
// The fixture the DynamoDB service tests share: the one emulator (the composition root), over a
// real RocksDB in memory (or on disk for persistence tests), on a manual clock with seeded ids.
// Calls go through the in-process client, the path every in-process caller takes.

#include "fogbank/core/scheduler.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/dynamodb/service.hpp"
#include "fogbank/main/emulator.hpp"
#include "fogbank/storage/database.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace fogbank::dynamodb::test {

using nlohmann::json;

inline json S(const std::string& value) {
  return {{"S", value}};
}
inline json N(const std::string& value) {
  return {{"N", value}};
}

class service_fixture : public ::testing::Test {
 protected:
  void SetUp() override { open(""); }

  // (Re)opens the emulator over `data_dir` (empty: in memory), closing any earlier one first.
  // The clock carries on from where the earlier one stood. `wrap_storage` may put a database
  // that fails on demand under the services (emulator_options::wrap_storage).
  void open(const std::string& data_dir,
            std::function<std::unique_ptr<storage::database>(std::unique_ptr<storage::database>)>
                wrap_storage = {}) {
    emulator_options options;
    options.data_dir = data_dir;
    options.wrap_storage = std::move(wrap_storage);
    options.manual_clock = true;
    options.seed = 42;
    if (emulator_) options.clock_start = emulator_->clock().now();
    emulator_.reset();
    std::string error;
    emulator_ = emulator::open(options, &error);
    ASSERT_TRUE(emulator_) << error;
  }

  // A DynamoDB call through the in-process client; throws the aws_error it answers with.
  json call(const std::string& operation, const json& request) {
    return checked("dynamodb", operation, request);
  }
  json streams(const std::string& operation, const json& request) {
    return checked("dynamodbstreams", operation, request);
  }

  // The error a DynamoDB call raises: "<Type>: <message>", or "no error".
  std::string error_of(const std::string& operation, const json& request) {
    core::call_result result = emulator_->client().call("dynamodb", operation, request);
    if (!result.error) return "no error";
    return std::string(result.error->name()) + ": " + result.error->message();
  }

  service& dynamodb() { return emulator_->dynamodb(); }
  core::scheduler& scheduler() { return emulator_->scheduler(); }
  core::time_point now() { return emulator_->clock().now(); }
  // Runs what is due now: stream deliveries of the writes made so far.
  std::size_t run_until_idle() { return emulator_->run_until_idle(); }
  // Moves the manual clock, running what falls due on the way.
  std::size_t advance(std::chrono::nanoseconds by) { return emulator_->advance(by); }

  std::unique_ptr<emulator> emulator_;

 private:
  json checked(const std::string& service, const std::string& operation, const json& request) {
    core::call_result result = emulator_->client().call(service, operation, request);
    if (result.error) throw *result.error;
    return std::move(result.body);
  }
};

}  // namespace fogbank::dynamodb::test
