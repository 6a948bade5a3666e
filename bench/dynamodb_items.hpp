#pragma once
// The DynamoDB data the benchmarks share: one table `bench` (pk S, sk N) and items of one shape
// (a string, a number, a string set and a map), optionally with a `payload` string of a chosen
// size. Every input is fixed, so that two runs, or two builds, measure the same work.

#include "bench_emulator.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace fogbank::bench {

// `bytes` characters of a fixed pattern (letters and digits, no escapes in JSON).
inline std::string payload_text(std::size_t bytes) {
  static constexpr std::string_view pattern = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  out.reserve(bytes);
  while (out.size() < bytes) out += pattern.substr(0, bytes - out.size());
  return out;
}

// The primary key of sample_item(n).
inline nlohmann::json key_of_item(int n) {
  return {{"pk", {{"S", "user#" + std::to_string(n % 10)}}}, {"sk", {{"N", std::to_string(n)}}}};
}

// The item the benchmarks write and read, with key (user#<n % 10>, n); with a `payload` attribute
// of `payload_bytes` characters unless 0.
inline nlohmann::json sample_item(int n = 42, std::size_t payload_bytes = 0) {
  nlohmann::json item = key_of_item(n);
  item["status"] = {{"S", "open"}};
  item["score"] = {{"N", "12.5"}};
  item["tags"] = {{"SS", {"blue", "red"}}};
  item["owner"] = {{"M", {{"id", {{"S", "u-1"}}}, {"name", {{"S", "Ann"}}}}}};
  if (payload_bytes > 0) item["payload"] = {{"S", payload_text(payload_bytes)}};
  return item;
}

// CreateTable of the table `bench`: hash key pk (S), range key sk (N), on demand.
inline nlohmann::json create_bench_table() {
  return {
      {"TableName", "bench"},
      {"BillingMode", "PAY_PER_REQUEST"},
      {"AttributeDefinitions",
       {{{"AttributeName", "pk"}, {"AttributeType", "S"}},
        {{"AttributeName", "sk"}, {"AttributeType", "N"}}}},
      {"KeySchema",
       {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}, {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}}}};
}

// The emulator on an in-memory RocksDB with the table `bench` holding `items` sample items
// (keys 0..items-1, so 10 partitions), each with a payload of `payload_bytes`.
struct dynamodb_table {
  explicit dynamodb_table(int items, std::size_t payload_bytes = 0) {
    must(*emulator, "dynamodb", "CreateTable", create_bench_table());
    for (int i = 0; i < items; ++i) must(*emulator, "dynamodb", "PutItem", put_request(i, payload_bytes));
  }
  static nlohmann::json put_request(int n, std::size_t payload_bytes = 0) {
    return {{"TableName", "bench"}, {"Item", sample_item(n, payload_bytes)}};
  }
  core::call_result call(std::string_view operation, const nlohmann::json& request) const {
    return emulator->client().call("dynamodb", operation, request);
  }
  std::unique_ptr<fogbank::emulator> emulator = open_emulator(/*manual_clock=*/false);
};

}  // namespace fogbank::bench
