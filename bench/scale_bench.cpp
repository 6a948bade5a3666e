// Cost against the size of the data (issue 10, "cost that does not grow with the data"):
// GetItem, Query and DescribeTable on a table of 1k, 100k and 1M items, and a receive + delete
// round of 10 messages on a standard, a FIFO and a redrive queue holding 1k, 100k and 1M
// messages, all in process on RocksDB in memory. DynamoDB's and SQS's costs for these do not
// grow with the table or the backlog, so fogbank's should not either.
//
// Only the 1k cases run by default (CI's smoke run included): filling a million items takes
// tens of seconds. `FOGBANK_BENCH_LARGE=1` adds the 100k and 1M cases (bench/README.md).

#include "bench_emulator.hpp"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

using nlohmann::json;
using namespace fogbank;

std::vector<int> sizes() {
  const char* large = std::getenv("FOGBANK_BENCH_LARGE");
  if (large != nullptr && std::string(large) == "1") return {1000, 100000, 1000000};
  return {1000};
}

// ---- DynamoDB ----------------------------------------------------------------------------------

// Partitions of this many items (sk 0..99), so a Query of sk 0..9 answers 10 items at every size.
constexpr int items_per_partition = 100;
// BatchWriteItem's limit.
constexpr int batch_items = 25;

json table_item(int i) {
  return {{"pk", {{"S", "user#" + std::to_string(i / items_per_partition)}}},
          {"sk", {{"N", std::to_string(i % items_per_partition)}}},
          {"grp", {{"S", "g" + std::to_string(i % 1000)}}},
          {"status", {{"S", "open"}}},
          {"score", {{"N", std::to_string(i % 977)}}},
          {"payload", {{"S", std::string(64, 'p')}}}};
}

// A table (pk S, sk N) with a KEYS_ONLY GSI on grp, filled with `items` items by BatchWriteItem.
struct table_fixture {
  explicit table_fixture(int items_in_table) : items(items_in_table) {
    bench::must(
        *emulator, "dynamodb", "CreateTable",
        {{"TableName", "scale"},
         {"BillingMode", "PAY_PER_REQUEST"},
         {"AttributeDefinitions",
          {{{"AttributeName", "pk"}, {"AttributeType", "S"}},
           {{"AttributeName", "sk"}, {"AttributeType", "N"}},
           {{"AttributeName", "grp"}, {"AttributeType", "S"}}}},
         {"KeySchema",
          {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}, {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}}},
         {"GlobalSecondaryIndexes",
          {{{"IndexName", "byGroup"},
            {"KeySchema", {{{"AttributeName", "grp"}, {"KeyType", "HASH"}}}},
            {"Projection", {{"ProjectionType", "KEYS_ONLY"}}}}}}});
    for (int start = 0; start < items; start += batch_items) {
      json requests = json::array();
      for (int i = start; i < std::min(items, start + batch_items); ++i)
        requests.push_back({{"PutRequest", {{"Item", table_item(i)}}}});
      bench::must(*emulator, "dynamodb", "BatchWriteItem", {{"RequestItems", {{"scale", requests}}}});
    }
  }
  core::call_result call(std::string_view operation, const json& request) const {
    return emulator->client().call("dynamodb", operation, request);
  }
  int items;
  std::unique_ptr<fogbank::emulator> emulator = bench::open_emulator(/*manual_clock=*/true);
};

// One table at a time, kept between the benchmarks of its size (they run size by size). The last
// one is left to the process's exit: destroyed during static destruction, it would meet
// RocksDB's own statics already gone.
table_fixture& table_of(int items) {
  static table_fixture* current = nullptr;
  if (current == nullptr || current->items != items) {
    delete current;
    current = nullptr;
    current = new table_fixture(items);
  }
  return *current;
}

bool ok(benchmark::State& state, const core::call_result& r, const char* operation) {
  if (!r.error) return true;
  state.SkipWithError((std::string(operation) + " failed: " + r.error->what()).c_str());
  return false;
}

void get_item_at(benchmark::State& state, int items) {
  table_fixture& f = table_of(items);
  std::uint64_t n = 0;
  for (auto _ : state) {
    const int i = static_cast<int>((n++ * 7919) % static_cast<std::uint64_t>(items));
    const json item = table_item(i);
    auto r = f.call("GetItem", {{"TableName", "scale"}, {"Key", {{"pk", item["pk"]}, {"sk", item["sk"]}}}});
    if (!ok(state, r, "GetItem")) break;
    if (!r.body.contains("Item")) {
      state.SkipWithError("GetItem found no item");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void query_at(benchmark::State& state, int items) {
  table_fixture& f = table_of(items);
  const int partitions = items / items_per_partition;
  int n = 0;
  for (auto _ : state) {
    auto r = f.call("Query", {{"TableName", "scale"},
                              {"KeyConditionExpression", "pk = :p AND sk BETWEEN :a AND :b"},
                              {"ExpressionAttributeValues",
                               {{":p", {{"S", "user#" + std::to_string(n++ % partitions)}}},
                                {":a", {{"N", "0"}}},
                                {":b", {{"N", "9"}}}}}});
    if (!ok(state, r, "Query")) break;
    if (r.body.value("Count", 0) != 10) {
      state.SkipWithError("Query did not answer 10 items");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void describe_table_at(benchmark::State& state, int items) {
  table_fixture& f = table_of(items);
  for (auto _ : state) {
    auto r = f.call("DescribeTable", {{"TableName", "scale"}});
    if (!ok(state, r, "DescribeTable")) break;
    const json& table = r.body["Table"];
    if (table.value("ItemCount", -1) != items ||
        table["GlobalSecondaryIndexes"][0].value("ItemCount", -1) != items) {
      state.SkipWithError(
          ("DescribeTable's ItemCount is not " + std::to_string(items) + ": " + table.dump()).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// ---- SQS ---------------------------------------------------------------------------------------

enum class queue_kind { standard, fifo, redrive };

const char* kind_name(queue_kind kind) {
  switch (kind) {
    case queue_kind::standard:
      return "standard";
    case queue_kind::fifo:
      return "fifo";
    case queue_kind::redrive:
      return "redrive";
  }
  return "?";
}

// FIFO messages are spread over this many message groups.
constexpr int fifo_groups = 100;

// A queue of `kind` holding `depth` messages (sent 10 at a time), on a manual clock that never
// moves: received messages stay in flight until deleted.
struct queue_fixture {
  queue_fixture(queue_kind queue, int messages) : kind(queue), depth(messages) {
    json attributes = json::object();
    std::string name = "scale";
    if (kind == queue_kind::fifo) {
      name += ".fifo";
      attributes["FifoQueue"] = "true";
    }
    if (kind == queue_kind::redrive) {
      const std::string dlq = bench::must(*emulator, "sqs", "CreateQueue", {{"QueueName", "scale-dlq"}})
                                  .at("QueueUrl")
                                  .get<std::string>();
      const std::string dlq_arn = bench::must(*emulator, "sqs", "GetQueueAttributes",
                                              {{"QueueUrl", dlq}, {"AttributeNames", {"QueueArn"}}})
                                      .at("Attributes")
                                      .at("QueueArn")
                                      .get<std::string>();
      attributes["RedrivePolicy"] = json{{"deadLetterTargetArn", dlq_arn}, {"maxReceiveCount", 5}}.dump();
    }
    queue_url =
        bench::must(*emulator, "sqs", "CreateQueue", {{"QueueName", name}, {"Attributes", attributes}})
            .at("QueueUrl")
            .get<std::string>();
    for (int sent = 0; sent < depth; sent += 10) send_batch();
  }
  void send_batch() {
    json entries = json::array();
    for (int i = 0; i < 10; ++i) {
      json entry{{"Id", "m" + std::to_string(i)}, {"MessageBody", std::string(64, 'm')}};
      if (kind == queue_kind::fifo) {
        entry["MessageGroupId"] = "group-" + std::to_string(next % fifo_groups);
        entry["MessageDeduplicationId"] = "d" + std::to_string(next);
      }
      ++next;
      entries.push_back(std::move(entry));
    }
    bench::must(*emulator, "sqs", "SendMessageBatch", {{"QueueUrl", queue_url}, {"Entries", entries}});
  }
  core::call_result call(std::string_view operation, const json& request) const {
    return emulator->client().call("sqs", operation, request);
  }
  queue_kind kind;
  int depth;
  std::uint64_t next = 0;
  std::unique_ptr<fogbank::emulator> emulator = bench::open_emulator(/*manual_clock=*/true);
  std::string queue_url;
};

// ReceiveMessage(10) then DeleteMessageBatch of what it received; 10 new messages are sent
// (timer paused) after each round, so the backlog stays at `depth`. Items are messages.
void receive_delete_at(benchmark::State& state, queue_kind kind, int depth) {
  queue_fixture f(kind, depth);
  const json receive{{"QueueUrl", f.queue_url}, {"MaxNumberOfMessages", 10}, {"VisibilityTimeout", 60}};
  std::int64_t processed = 0;
  for (auto _ : state) {
    auto r = f.call("ReceiveMessage", receive);
    if (!ok(state, r, "ReceiveMessage")) break;
    const json messages = r.body.value("Messages", json::array());
    if (messages.empty()) {
      state.SkipWithError("ReceiveMessage returned no message from a filled queue");
      break;
    }
    json entries = json::array();
    for (std::size_t i = 0; i < messages.size(); ++i)
      entries.push_back(
          {{"Id", "d" + std::to_string(i)}, {"ReceiptHandle", messages[i].at("ReceiptHandle")}});
    auto d = f.call("DeleteMessageBatch", {{"QueueUrl", f.queue_url}, {"Entries", entries}});
    if (!ok(state, d, "DeleteMessageBatch")) break;
    if (d.body.value("Successful", json::array()).size() != messages.size()) {
      state.SkipWithError("DeleteMessageBatch did not delete every message received");
      break;
    }
    processed += static_cast<std::int64_t>(messages.size());
    state.PauseTiming();
    for (std::size_t i = 0; i < messages.size(); i += 10) f.send_batch();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(processed);
}

// Registered at start, size by size (so each table is filled once for its three benchmarks).
[[maybe_unused]] const bool registered = [] {
  for (const int items : sizes()) {
    const std::string suffix = "/items:" + std::to_string(items);
    benchmark::RegisterBenchmark(("BM_ScaleGetItem" + suffix).c_str(), get_item_at, items);
    benchmark::RegisterBenchmark(("BM_ScaleQuery10" + suffix).c_str(), query_at, items);
    benchmark::RegisterBenchmark(("BM_ScaleDescribeTable" + suffix).c_str(), describe_table_at, items);
  }
  for (const int depth : sizes()) {
    for (const queue_kind kind : {queue_kind::standard, queue_kind::fifo, queue_kind::redrive}) {
      benchmark::RegisterBenchmark(
          ("BM_ScaleReceiveDelete10/" + std::string(kind_name(kind)) + "/messages:" + std::to_string(depth))
              .c_str(),
          receive_delete_at, kind, depth);
    }
  }
  return true;
}();

}  // namespace
