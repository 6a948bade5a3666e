// Hot paths of the DynamoDB service, in process: expression parse and evaluate, and PutItem,
// GetItem and Query through the in-process client on RocksDB in memory. Over-the-wire load against a peer
// is bench/http_vs_dynalite.sh.

#include "bench_emulator.hpp"
#include "expressions.hpp"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <string>

namespace {

using nlohmann::json;
using namespace fogbank;

const json item_values{{":status", {{"S", "open"}}}, {":min", {{"N", "10"}}}, {":tags", {{"S", "red"}}}};
const json item_names{{"#s", "status"}, {"#o", "owner"}};  // both are reserved words
const std::string condition_text =
    "#s = :status AND (score >= :min OR contains(tags, :tags)) AND attribute_exists(#o.id)";

json sample_item() {
  return {{"pk", {{"S", "user#1"}}},
          {"sk", {{"N", "42"}}},
          {"status", {{"S", "open"}}},
          {"score", {{"N", "12.5"}}},
          {"tags", {{"SS", {"blue", "red"}}}},
          {"owner", {{"M", {{"id", {{"S", "u-1"}}}, {"name", {{"S", "Ann"}}}}}}}};
}

void BM_ParseCondition(benchmark::State& state) {
  for (auto _ : state) {
    dynamodb::expression_attributes attributes(&item_names, &item_values);
    auto parsed = dynamodb::parse_condition(condition_text, attributes, "ConditionExpression");
    benchmark::DoNotOptimize(parsed);
  }
}
BENCHMARK(BM_ParseCondition);

void BM_EvaluateCondition(benchmark::State& state) {
  dynamodb::expression_attributes attributes(&item_names, &item_values);
  auto parsed = dynamodb::parse_condition(condition_text, attributes, "ConditionExpression");
  const json item = sample_item();
  for (auto _ : state) benchmark::DoNotOptimize(dynamodb::evaluate(*parsed, item));
}
BENCHMARK(BM_EvaluateCondition);

void BM_ApplyUpdate(benchmark::State& state) {
  const json values{{":one", {{"N", "1"}}}, {":s", {{"S", "closed"}}}};
  const json names{{"#s", "status"}};
  dynamodb::expression_attributes attributes(&names, &values);
  auto parsed = dynamodb::parse_update("SET #s = :s ADD score :one", attributes);
  const json item = sample_item();
  for (auto _ : state) {
    json copy = item;
    dynamodb::apply(*parsed, copy);
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_ApplyUpdate);

// The emulator on an in-memory RocksDB with one table (pk S, sk N) holding `items` items in 10
// partitions.
struct fixture {
  explicit fixture(int items) {
    fogbank::bench::must(*emulator, "dynamodb", "CreateTable",
                         {{"TableName", "bench"},
                          {"BillingMode", "PAY_PER_REQUEST"},
                          {"AttributeDefinitions",
                           {{{"AttributeName", "pk"}, {"AttributeType", "S"}},
                            {{"AttributeName", "sk"}, {"AttributeType", "N"}}}},
                          {"KeySchema",
                           {{{"AttributeName", "pk"}, {"KeyType", "HASH"}},
                            {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}}}});
    for (int i = 0; i < items; ++i) fogbank::bench::must(*emulator, "dynamodb", "PutItem", put_request(i));
  }
  static json put_request(int i) {
    json item = sample_item();
    item["pk"] = {{"S", "user#" + std::to_string(i % 10)}};
    item["sk"] = {{"N", std::to_string(i)}};
    return {{"TableName", "bench"}, {"Item", item}};
  }
  core::call_result call(std::string_view operation, const json& request) const {
    return emulator->client().call("dynamodb", operation, request);
  }
  std::unique_ptr<fogbank::emulator> emulator = fogbank::bench::open_emulator(/*manual_clock=*/false);
};

void BM_PutItem(benchmark::State& state) {
  fixture f(0);
  int i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.call("PutItem", fixture::put_request(i++ % 10000)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PutItem);

void BM_GetItem(benchmark::State& state) {
  fixture f(1000);
  int i = 0;
  for (auto _ : state) {
    const int n = i++ % 1000;
    json request{
        {"TableName", "bench"},
        {"Key", {{"pk", {{"S", "user#" + std::to_string(n % 10)}}}, {"sk", {{"N", std::to_string(n)}}}}}};
    benchmark::DoNotOptimize(f.call("GetItem", request));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetItem);

void BM_Query(benchmark::State& state) {
  fixture f(1000);
  int i = 0;
  for (auto _ : state) {
    json request{{"TableName", "bench"},
                 {"KeyConditionExpression", "pk = :p AND sk BETWEEN :a AND :b"},
                 {"ExpressionAttributeValues",
                  {{":p", {{"S", "user#" + std::to_string(i++ % 10)}}},
                   {":a", {{"N", "100"}}},
                   {":b", {{"N", "300"}}}}}};
    benchmark::DoNotOptimize(f.call("Query", request));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Query);

}  // namespace
