// Hot paths of the DynamoDB service, in process: expression parse and evaluate (condition, filter,
// update), and PutItem,
// GetItem and Query through the in-process client on RocksDB in memory. Over-the-wire load against a peer
// is bench/http_vs_dynalite.sh.

#include "dynamodb_items.hpp"
#include "expressions.hpp"
#include "fogbank/storage/database.hpp"
#include "request_expressions.hpp"
#include "request_validation.hpp"

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

using bench::sample_item;

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

// The baseline of BM_ApplyUpdate: the copy of the item it makes before each apply.
void BM_ApplyUpdate_ItemCopy(benchmark::State& state) {
  const json item = sample_item();
  for (auto _ : state) {
    json copy = item;
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_ApplyUpdate_ItemCopy);

void BM_ParseUpdate(benchmark::State& state) {
  const json values{{":one", {{"N", "1"}}}, {":s", {{"S", "closed"}}}};
  const json names{{"#s", "status"}};
  for (auto _ : state) {
    dynamodb::expression_attributes attributes(&names, &values);
    benchmark::DoNotOptimize(dynamodb::parse_update("SET #s = :s ADD score :one", attributes));
  }
}
BENCHMARK(BM_ParseUpdate);

// What a conditional write spends on its ConditionExpression per request, as ops_items and
// write_apply do it: the request's expressions read, the condition parsed, every placeholder
// checked as used, the condition evaluated on the stored item.
void BM_ConditionRequest(benchmark::State& state) {
  const json request{{"TableName", "bench"},
                     {"Item", sample_item()},
                     {"ConditionExpression", condition_text},
                     {"ExpressionAttributeNames", item_names},
                     {"ExpressionAttributeValues", item_values}};
  const json stored = sample_item();
  for (auto _ : state) {
    dynamodb::request_expressions expressions(request, dynamodb::expression_operation::put_or_delete);
    auto parsed =
        dynamodb::parse_condition(*expressions.condition(), expressions.attributes(), "ConditionExpression");
    expressions.attributes().check_all_used();
    benchmark::DoNotOptimize(dynamodb::evaluate(*parsed, stored));
  }
}
BENCHMARK(BM_ConditionRequest);

// A Query's or Scan's FilterExpression on one item that has `range(0)` attributes besides the
// sample's: the per-item cost of a filter, and how attribute lookup grows with the item.
void BM_EvaluateFilter(benchmark::State& state) {
  json item = sample_item();
  for (int i = 0; i < state.range(0); ++i) item["a" + std::to_string(1000 + i)] = {{"N", std::to_string(i)}};
  const json names{{"#s", "status"}};
  const json values{{":status", {{"S", "open"}}}, {":min", {{"N", "10"}}}};
  dynamodb::expression_attributes attributes(&names, &values);
  auto parsed = dynamodb::parse_condition("#s = :status AND score >= :min", attributes, "FilterExpression");
  for (auto _ : state) benchmark::DoNotOptimize(dynamodb::evaluate(*parsed, item));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EvaluateFilter)->Arg(0)->Arg(32)->Arg(256);

using fixture = bench::dynamodb_table;

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

// The Query of BM_Query and BM_QueryAfterOverwrites: 20 items of partition i % 10.
json query_request(int i) {
  return {
      {"TableName", "bench"},
      {"KeyConditionExpression", "pk = :p AND sk BETWEEN :a AND :b"},
      {"ExpressionAttributeValues",
       {{":p", {{"S", "user#" + std::to_string(i % 10)}}}, {":a", {{"N", "100"}}}, {":b", {{"N", "300"}}}}}};
}

void BM_Query(benchmark::State& state) {
  fixture f(1000);
  int i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.call("Query", query_request(i++)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Query);

// BM_Query after every item was overwritten range(0) times: RocksDB's memtable keeps each version
// until it is flushed, and a Query's iterator steps over them (bench/README.md, "Query after
// writes": over HTTP a Query right after 5 s of PutItem on the same keys ran at a third of its rate).
// The service flushes after flush_after_superseded_items overwrites; range(1) = 1 flushes what is
// left, for comparison.
void BM_QueryAfterOverwrites(benchmark::State& state) {
  fixture f(1000);
  for (int round = 1; round <= state.range(0); ++round) {
    for (int n = 0; n < 1000; ++n) {
      json request = fixture::put_request(n);
      request["Item"]["round"] = {{"N", std::to_string(round)}};
      if (!f.call("PutItem", request).ok()) {
        state.SkipWithError("an overwrite failed");
        return;
      }
    }
  }
  if (state.range(1) != 0) (void)f.emulator->database().flush(storage::column::items, true);
  int i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.call("Query", query_request(i++)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_QueryAfterOverwrites)->Args({0, 0})->Args({48, 0})->Args({48, 1});

// The model-driven shape checks every request meets before its operation (request_validation.hpp),
// alone: set beside BM_GetItem and BM_PutItem (which include them) they give their share of a call.
void BM_ValidateGetItemShape(benchmark::State& state) {
  const json request{{"TableName", "bench"},
                     {"Key", {{"pk", {{"S", "user#1"}}}, {"sk", {{"N", "17"}}}}},
                     {"ProjectionExpression", "pk, sk, #s"},
                     {"ExpressionAttributeNames", {{"#s", "status"}}}};
  for (auto _ : state)
    dynamodb::validate_request_shape(dynamodb::request_model::dynamodb_model(), "GetItem", request);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValidateGetItemShape);

void BM_ValidatePutItemShape(benchmark::State& state) {
  const json request = fixture::put_request(17);
  for (auto _ : state)
    dynamodb::validate_request_shape(dynamodb::request_model::dynamodb_model(), "PutItem", request);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValidatePutItemShape);

}  // namespace
