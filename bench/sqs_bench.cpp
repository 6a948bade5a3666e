// SQS and DynamoDB Streams hot paths, in process: SendMessage, ReceiveMessage + DeleteMessage and
// SendMessageBatch through the in-process client, and the delivery rate of DynamoDB stream records
// (PutItem on a NEW_AND_OLD_IMAGES table, one subscribe_stream subscriber counting records, the
// scheduler run after each put), all on RocksDB in memory. Time is a manual clock that never
// moves, so no visibility timeout, delay or retention falls due while a benchmark runs.
// Over-the-wire load is bench/sqs_http.sh.

#include "bench_emulator.hpp"
#include "fogbank/dynamodb/service.hpp"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace {

using nlohmann::json;
using namespace fogbank;

// A 64-character body: about what a small event message carries.
const std::string message_body(64, 'm');

// The emulator on an in-memory RocksDB with one standard queue "bench".
struct sqs_fixture {
  sqs_fixture() {
    queue_url = fogbank::bench::must(*emulator, "sqs", "CreateQueue", {{"QueueName", "bench"}})
                    .at("QueueUrl")
                    .get<std::string>();
  }
  core::call_result call(std::string_view operation, const json& request) const {
    return emulator->client().call("sqs", operation, request);
  }

  // Stops the benchmark with a message if `r` is an error; returns whether it was fine.
  static bool ok(benchmark::State& state, const core::call_result& r, const char* operation) {
    if (!r.error) return true;
    state.SkipWithError((std::string(operation) + " failed: " + r.error->what()).c_str());
    return false;
  }

  std::unique_ptr<fogbank::emulator> emulator = fogbank::bench::open_emulator(/*manual_clock=*/true);
  std::string queue_url;
};

void BM_SqsSendMessage(benchmark::State& state) {
  sqs_fixture f;
  const json request{{"QueueUrl", f.queue_url}, {"MessageBody", message_body}};
  for (auto _ : state) {
    auto r = f.call("SendMessage", request);
    if (!sqs_fixture::ok(state, r, "SendMessage")) break;
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SqsSendMessage);

// 10 entries per call; items are messages, not calls.
void BM_SqsSendMessageBatch(benchmark::State& state) {
  sqs_fixture f;
  json entries = json::array();
  for (int i = 0; i < 10; ++i)
    entries.push_back({{"Id", "m" + std::to_string(i)}, {"MessageBody", message_body}});
  const json request{{"QueueUrl", f.queue_url}, {"Entries", entries}};
  for (auto _ : state) {
    auto r = f.call("SendMessageBatch", request);
    if (!sqs_fixture::ok(state, r, "SendMessageBatch")) break;
    if (r.body.value("Successful", json::array()).size() != 10) {
      state.SkipWithError("SendMessageBatch did not send all 10 entries");
      break;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * 10);
}
BENCHMARK(BM_SqsSendMessageBatch);

// ReceiveMessage of up to `range(0)` messages, then DeleteMessage of each one received; items are
// messages received and deleted. The queue is refilled (timer paused) with SendMessageBatch
// whenever it runs out, so every timed receive finds messages.
void BM_SqsReceiveDelete(benchmark::State& state) {
  sqs_fixture f;
  const int max_messages = static_cast<int>(state.range(0));
  json entries = json::array();
  for (int i = 0; i < 10; ++i)
    entries.push_back({{"Id", "m" + std::to_string(i)}, {"MessageBody", message_body}});
  const json send_batch{{"QueueUrl", f.queue_url}, {"Entries", entries}};
  const json receive{
      {"QueueUrl", f.queue_url}, {"MaxNumberOfMessages", max_messages}, {"VisibilityTimeout", 60}};
  constexpr int refill_batches = 50;  // 500 messages at a time
  int available = 0;
  std::int64_t processed = 0;
  for (auto _ : state) {
    if (available < max_messages) {
      state.PauseTiming();
      for (int i = 0; i < refill_batches; ++i) f.call("SendMessageBatch", send_batch);
      available += refill_batches * 10;
      state.ResumeTiming();
    }
    auto r = f.call("ReceiveMessage", receive);
    if (!sqs_fixture::ok(state, r, "ReceiveMessage")) break;
    auto messages = r.body.find("Messages");
    if (messages == r.body.end() || messages->empty()) {
      state.SkipWithError("ReceiveMessage returned no message from a filled queue");
      break;
    }
    for (const auto& m : *messages) {
      auto d = f.call("DeleteMessage", {{"QueueUrl", f.queue_url}, {"ReceiptHandle", m.at("ReceiptHandle")}});
      if (!sqs_fixture::ok(state, d, "DeleteMessage")) break;
    }
    available -= static_cast<int>(messages->size());
    processed += static_cast<std::int64_t>(messages->size());
  }
  state.SetItemsProcessed(processed);
}
BENCHMARK(BM_SqsReceiveDelete)->Arg(1)->Arg(10);

// PutItem on a table with a NEW_AND_OLD_IMAGES stream and one in-process subscriber; items are
// stream records the subscriber received (one per PutItem: INSERT for a new key, MODIFY after).
void BM_DynamoStreamDelivery(benchmark::State& state) {
  auto emulator = fogbank::bench::open_emulator(/*manual_clock=*/true);
  dynamodb::service& dynamo = emulator->dynamodb();
  fogbank::bench::must(
      *emulator, "dynamodb", "CreateTable",
      {{"TableName", "streamed"},
       {"BillingMode", "PAY_PER_REQUEST"},
       {"AttributeDefinitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
       {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}},
       {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", "NEW_AND_OLD_IMAGES"}}}});
  std::atomic<std::int64_t> records{0};
  std::atomic<std::int64_t> with_images{0};
  const auto subscription = dynamo.subscribe_stream("streamed", [&](const json& record) {
    records.fetch_add(1, std::memory_order_relaxed);
    if (record.at("dynamodb").contains("NewImage")) with_images.fetch_add(1, std::memory_order_relaxed);
  });
  std::int64_t puts = 0;
  for (auto _ : state) {
    json request{{"TableName", "streamed"},
                 {"Item",
                  {{"pk", {{"S", "key#" + std::to_string(puts % 1000)}}},
                   {"n", {{"N", std::to_string(puts)}}},
                   {"payload", {{"S", message_body}}}}}};
    benchmark::DoNotOptimize(emulator->client().call("dynamodb", "PutItem", request));
    emulator->run_until_idle();  // the delivery entry the put posted
    ++puts;
  }
  dynamo.unsubscribe_stream(subscription);
  // Each put's record was delivered by the scheduler run after it: every put must have produced
  // exactly one record with its new image by now.
  if (records.load() != puts || with_images.load() != puts) {
    state.SkipWithError(("expected " + std::to_string(puts) + " stream records with NewImage, got " +
                         std::to_string(records.load()) + " (" + std::to_string(with_images.load()) +
                         " with NewImage)")
                            .c_str());
  }
  state.SetItemsProcessed(records.load());
  state.counters["records_per_put"] =
      benchmark::Counter(puts > 0 ? static_cast<double>(records.load()) / static_cast<double>(puts) : 0.0);
}
BENCHMARK(BM_DynamoStreamDelivery);

// The same PutItem without a stream, for the cost streams add.
void BM_DynamoPutNoStream(benchmark::State& state) {
  auto emulator = fogbank::bench::open_emulator(/*manual_clock=*/true);
  fogbank::bench::must(*emulator, "dynamodb", "CreateTable",
                       {{"TableName", "plain"},
                        {"BillingMode", "PAY_PER_REQUEST"},
                        {"AttributeDefinitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
                        {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}}});
  std::int64_t puts = 0;
  for (auto _ : state) {
    json request{{"TableName", "plain"},
                 {"Item",
                  {{"pk", {{"S", "key#" + std::to_string(puts % 1000)}}},
                   {"n", {{"N", std::to_string(puts)}}},
                   {"payload", {{"S", message_body}}}}}};
    benchmark::DoNotOptimize(emulator->client().call("dynamodb", "PutItem", request));
    ++puts;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DynamoPutNoStream);

}  // namespace
