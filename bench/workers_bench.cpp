// Lambda worker processes (emulator/workers): the round trip of a warm invocation per runtime --
// host to worker over its Runtime API and back, for a handler that returns its event -- and a
// cold start per runtime (a new revision each iteration: spawn, bootstrap, handler module load,
// first invocation). Real `node`, `/usr/bin/python3` and a `provided` bootstrap written in Python.
// Numbers in bench/README.md; a separate executable because it needs fogbank_workers (Boost).

#include "fogbank/workers/worker_host.hpp"

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>

namespace {

using namespace fogbank;
using namespace std::chrono_literals;

constexpr auto outcome_wait = 60s;

constexpr const char* provided_bootstrap = R"py(#!/usr/bin/python3
import http.client, os
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
c = http.client.HTTPConnection(host, int(port))
while True:
    c.request("GET", "/2018-06-01/runtime/invocation/next")
    r = c.getresponse()
    body = r.read()
    c.request("POST", "/2018-06-01/runtime/invocation/" + r.getheader("Lambda-Runtime-Aws-Request-Id") + "/response", body)
    c.getresponse().read()
)py";

// A code directory with an echo handler for every runtime, and one host over it.
struct bench_functions {
  bench_functions() {
    root = std::filesystem::temp_directory_path() / ("fogbank-workers-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root / "code");
    std::ofstream(root / "code" / "index.js") << "exports.handler = async (event) => event;\n";
    std::ofstream(root / "code" / "app.py") << "def handler(event, context):\n    return event\n";
    std::ofstream(root / "code" / "bootstrap") << provided_bootstrap;
    std::filesystem::permissions(root / "code" / "bootstrap", std::filesystem::perms::owner_exec,
                                 std::filesystem::perm_options::add);
    workers::worker_host_options options;
    options.runtime_dir = root / "runtime";
    options.default_concurrency = 1;
    options.log = [](std::string_view) {};
    host = workers::make_worker_host(options);
  }
  ~bench_functions() {
    host.reset();
    std::error_code ignored;
    std::filesystem::remove_all(root, ignored);
  }

  lambda::function_config config(const std::string& runtime, const std::string& handler) {
    lambda::function_config c;
    c.name = runtime;
    c.arn = "arn:aws:lambda:us-east-1:000000000000:function:" + runtime;
    c.runtime = runtime;
    c.handler = handler;
    c.code_dir = root / "code";
    c.timeout = 30s;
    c.revision = "0";
    return c;
  }

  // Invokes and waits; false (with the state's error set) if it did not succeed.
  bool invoke(benchmark::State& state, const lambda::function_config& config) {
    lambda::invocation call;
    call.request_id = "bench-" + std::to_string(++requests);
    call.payload = R"({"order":"o-1","items":[1,2,3]})";
    auto promise = std::make_shared<std::promise<lambda::invocation_outcome>>();
    auto future = promise->get_future();
    host->invoke(config, std::move(call),
                 [promise](lambda::invocation_outcome o) { promise->set_value(std::move(o)); });
    if (future.wait_for(outcome_wait) != std::future_status::ready) {
      state.SkipWithError("no answer");
      return false;
    }
    const auto outcome = future.get();
    if (outcome.kind != lambda::outcome_kind::success) {
      state.SkipWithError(("invocation failed: " + outcome.payload).c_str());
      return false;
    }
    return true;
  }

  std::filesystem::path root;
  std::unique_ptr<lambda::runtime_host> host;
  std::uint64_t requests = 0;
};

void warm_invoke(benchmark::State& state, const char* runtime, const char* handler) {
  bench_functions functions;
  const auto config = functions.config(runtime, handler);
  if (!functions.invoke(state, config)) return;  // the cold start, not measured
  for (auto _ : state) {
    if (!functions.invoke(state, config)) return;
  }
}

void cold_start(benchmark::State& state, const char* runtime, const char* handler) {
  bench_functions functions;
  auto config = functions.config(runtime, handler);
  int revision = 0;
  for (auto _ : state) {
    config.revision = std::to_string(++revision);  // the previous worker is stopped, a new one started
    if (!functions.invoke(state, config)) return;
  }
}

BENCHMARK_CAPTURE(warm_invoke, node, "nodejs20.x", "index.handler")
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(warm_invoke, python, "python3.11", "app.handler")
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(warm_invoke, provided, "provided.al2023", "x")
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(cold_start, node, "nodejs20.x", "index.handler")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(cold_start, python, "python3.11", "app.handler")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(cold_start, provided, "provided.al2023", "x")->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
