// Lambda in process: what an Invoke of a C++ handler costs on top of calling the handler itself,
// and how long a message sent or an item written takes to reach the first line of a handler
// behind an event source mapping (LocalStack polls every 1-10 s; fogbank posts a scheduler entry).
//
//   BM_CppHandlerCalledDirectly   the baseline: the registered handler function called with a
//                                 context built by hand (no service, no JSON payload round trip)
//   BM_InvokeCppInProcess         Invoke (RequestResponse) through the in-process client: the
//                                 payload decoded and parsed, the invocation logged, the result
//                                 serialised and encoded, as every caller of Lambda sees it
//   BM_SqsSendMessage_baseline    SendMessage alone on the real clock, for the delivery ratios
//   BM_SqsMessageToHandler        SendMessage, then wait until the handler of an SQS mapping
//                                 (BatchSize 1, no batching window) has started on that message
//   BM_PutItemToHandler           PutItem on a streamed table, then wait until the handler of a
//                                 stream mapping (BatchSize 1, LATEST) has started on its record
//
// The delivery benchmarks run on the real clock (the scheduler's own thread delivers) and time
// wall-clock per message; everything is RocksDB in memory. Every invocation writes Lambda's
// START/END/REPORT lines to the server log (stderr), as `fogbank serve` does: run with 2>/dev/null.

#include "bench_emulator.hpp"
#include "fogbank/core/encoding.hpp"
#include "fogbank/lambda/handler.hpp"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace {

using nlohmann::json;
using namespace fogbank;

const json small_event = {{"order", "o-1"}, {"amount", 42}, {"items", {"a", "b"}}};

// The handler every benchmark runs: notes that it started (first line), then answers with the
// event, as echo-style handlers do.
struct started_counter {
  std::mutex mutex;
  std::condition_variable changed;
  std::int64_t started = 0;

  void note() {
    {
      std::lock_guard lock(mutex);
      ++started;
    }
    changed.notify_all();
  }
  // Waits (at most `limit`) until `started` reaches `count`; false if it did not.
  bool wait_for(std::int64_t count, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, limit, [&] { return started >= count; });
  }
};
started_counter handler_starts;

json bench_handler(const json& event, lambda::context&) {
  handler_starts.note();
  return event;
}
FOGBANK_LAMBDA_HANDLER("bench.handler", bench_handler);

// A 240-byte package; in-process functions only need Handler to name a registered handler.
constexpr const char* package_base64 =
    "UEsDBBQAAAAAAAAAIVgvOtrpEgAAABIAAAAJAAAAYm9vdHN0cmFwIyEvYmluL3NoCmVjaG8gaGkKUEsDBBQAAAAAAAAAIVggMDo2BgAA"
    "AAYAAAAMAAAAbGliL2RhdGEudHh0aGVsbG8KUEsBAhQDFAAAAAAAAAAhWC862ukSAAAAEgAAAAkAAAAAAAAAAAAAAO2BAAAAAGJvb3Rz"
    "dHJhcFBLAQIUAxQAAAAAAAAAIVggMDo2BgAAAAYAAAAMAAAAAAAAAAAAAACkgTkAAABsaWIvZGF0YS50eHRQSwUGAAAAAAIAAgBxAAAA"
    "aQAAAAAA";

void create_function(const emulator& e, const std::string& name) {
  bench::must(e, "lambda", "CreateFunction",
              {{"FunctionName", name},
               {"Runtime", "provided.al2023"},
               {"Handler", "bench.handler"},
               {"Role", "arn:aws:iam::000000000000:role/bench"},
               {"Code", {{"ZipFile", package_base64}}}});
}

bool ok(benchmark::State& state, const core::call_result& r, const char* operation) {
  if (!r.error) return true;
  state.SkipWithError((std::string(operation) + " failed: " + r.error->what()).c_str());
  return false;
}

void BM_CppHandlerCalledDirectly(benchmark::State& state) {
  const lambda::handler_function handler = lambda::find_handler("bench.handler");
  auto emulator = bench::open_emulator(/*manual_clock=*/true);
  const std::map<std::string, std::string> environment;
  std::string log;
  for (auto _ : state) {
    lambda::context ctx("bench", "$LATEST", "arn:aws:lambda:us-east-1:000000000000:function:bench", 128,
                        "00000000-0000-0000-0000-000000000000",
                        emulator->clock().now() + std::chrono::seconds(3), &emulator->clock(), &environment,
                        &emulator->client(), &log);
    benchmark::DoNotOptimize(handler(small_event, ctx));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CppHandlerCalledDirectly);

void BM_InvokeCppInProcess(benchmark::State& state) {
  auto emulator = bench::open_emulator(/*manual_clock=*/true);
  create_function(*emulator, "bench");
  const json request{{"FunctionName", "bench"}, {"Payload", core::base64_encode(small_event.dump())}};
  for (auto _ : state) {
    core::call_result r = emulator->client().call("lambda", "Invoke", request);
    if (!ok(state, r, "Invoke")) break;
    if (r.body.contains("FunctionError")) {
      state.SkipWithError(("the handler failed: " + r.body.dump()).c_str());
      break;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InvokeCppInProcess);

// How long a delivery may take before the benchmark gives up (a broken mapping, not a slow one).
constexpr std::chrono::seconds delivery_limit{10};

// Times `write(i)` (a call that must succeed, answered as `operation`) followed by the wait for
// the mapped handler to start on what it wrote.
template <typename Write>
void time_deliveries(benchmark::State& state, const char* operation, Write write) {
  std::int64_t expected = 0;
  {
    std::lock_guard lock(handler_starts.mutex);
    expected = handler_starts.started;
  }
  std::int64_t i = 0;
  for (auto _ : state) {
    if (!ok(state, write(i++), operation)) break;
    if (!handler_starts.wait_for(++expected, delivery_limit)) {
      state.SkipWithError((std::string("the handler did not start within 10 s of ") + operation).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

std::string create_queue(const emulator& e, const std::string& name) {
  return bench::must(e, "sqs", "CreateQueue", {{"QueueName", name}}).at("QueueUrl").get<std::string>();
}

void BM_SqsSendMessage_baseline(benchmark::State& state) {
  auto emulator = bench::open_emulator(/*manual_clock=*/false);
  emulator->start();
  const json request{{"QueueUrl", create_queue(*emulator, "plain")}, {"MessageBody", small_event.dump()}};
  for (auto _ : state) {
    core::call_result r = emulator->client().call("sqs", "SendMessage", request);
    if (!ok(state, r, "SendMessage")) break;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SqsSendMessage_baseline)->UseRealTime();

void BM_SqsMessageToHandler(benchmark::State& state) {
  auto emulator = bench::open_emulator(/*manual_clock=*/false);
  emulator->start();  // the scheduler's thread delivers
  create_function(*emulator, "consumer");
  const std::string url = create_queue(*emulator, "jobs");
  bench::must(*emulator, "lambda", "CreateEventSourceMapping",
              {{"FunctionName", "consumer"},
               {"EventSourceArn", "arn:aws:sqs:us-east-1:000000000000:jobs"},
               {"BatchSize", 1}});
  const json request{{"QueueUrl", url}, {"MessageBody", small_event.dump()}};
  time_deliveries(state, "SendMessage",
                  [&](std::int64_t) { return emulator->client().call("sqs", "SendMessage", request); });
}
BENCHMARK(BM_SqsMessageToHandler)->UseRealTime();

void BM_PutItemToHandler(benchmark::State& state) {
  auto emulator = bench::open_emulator(/*manual_clock=*/false);
  emulator->start();  // the scheduler's thread delivers
  create_function(*emulator, "projector");
  const json table = bench::must(
      *emulator, "dynamodb", "CreateTable",
      {{"TableName", "orders"},
       {"BillingMode", "PAY_PER_REQUEST"},
       {"AttributeDefinitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
       {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}},
       {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", "NEW_AND_OLD_IMAGES"}}}});
  bench::must(*emulator, "lambda", "CreateEventSourceMapping",
              {{"FunctionName", "projector"},
               {"EventSourceArn", table.at("TableDescription").at("LatestStreamArn")},
               {"StartingPosition", "LATEST"},
               {"BatchSize", 1}});
  time_deliveries(state, "PutItem", [&](std::int64_t i) {
    // A new value every time: rewriting an item unchanged writes no stream record, as in DynamoDB.
    return emulator->client().call(
        "dynamodb", "PutItem",
        {{"TableName", "orders"},
         {"Item",
          {{"pk", {{"S", "order#" + std::to_string(i % 1000)}}}, {"amount", {{"N", std::to_string(i)}}}}}});
  });
}
BENCHMARK(BM_PutItemToHandler)->UseRealTime();

}  // namespace
