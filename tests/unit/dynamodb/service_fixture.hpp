#pragma once
// The fixture the DynamoDB service tests share: the service and its Streams API over a real
// RocksDB (in memory, or on disk for persistence tests), on a manual clock with seeded ids.

#include "fogbank/core/clock.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/dynamodb/service.hpp"
#include "fogbank/dynamodb/streams.hpp"
#include "fogbank/storage/database.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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
  void SetUp() override { open(storage::open_options{.in_memory = true}); }

  // (Re)opens the database and the services over it, closing any earlier ones first.
  void open(const storage::open_options& options) {
    streams_.reset();
    service_.reset();
    db_.reset();
    std::string error;
    db_ = storage::database::open(options, &error);
    ASSERT_TRUE(db_) << error;
    service_ = std::make_unique<service>(*db_, clock_, ids_);
    streams_ = std::make_unique<streams_service>(*service_);
  }

  json call(const std::string& operation, const json& request) {
    return service_->dispatch(operation, request);
  }
  json streams(const std::string& operation, const json& request) {
    return streams_->dispatch(operation, request);
  }

  // The error a DynamoDB call raises: "<Type>: <message>", or "no error".
  std::string error_of(const std::string& operation, const json& request) {
    try {
      call(operation, request);
    } catch (const core::aws_error& e) {
      return std::string(e.name()) + ": " + e.message();
    }
    return "no error";
  }

  core::manual_clock clock_;
  core::id_generator ids_{42};
  std::unique_ptr<storage::database> db_;
  std::unique_ptr<service> service_;
  std::unique_ptr<streams_service> streams_;
};

}  // namespace fogbank::dynamodb::test
