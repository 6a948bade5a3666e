#pragma once
// The one composition root. An `emulator` owns the database, the clock, the scheduler, the id
// streams, every service and the registry that names them, wired once, here. `fogbank serve`, the
// test fixtures and the benchmarks all build one; nothing else constructs a service.
//
// Two ways to run it:
//   - real time (`fogbank serve`): start() runs the scheduler's thread; asynchronous work (stream
//     deliveries, long-poll answers, visibility timeouts, TTL sweeps) happens on it as it falls due;
//   - virtual time (tests, scenarios): a manual clock that moves only in advance(); run_until_idle()
//     and advance() run the scheduler's entries on the calling thread in (time, sequence) order.
//     Same calls, same seed: same results, byte for byte.

#include "fogbank/core/clock.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace fogbank::core {
class id_generator;
class scheduler;
}  // namespace fogbank::core
namespace fogbank::storage {
class database;
}
namespace fogbank::dynamodb {
class service;
class streams_service;
}  // namespace fogbank::dynamodb
namespace fogbank::sqs {
class service;
}
namespace fogbank::apigw {
class service;
class connection_registry;
class websocket_gateway;
class http_api_gateway;
class rest_api_service;
class rest_gateway;
}  // namespace fogbank::apigw
namespace fogbank::dispatch {
class registry;
class client;
}  // namespace fogbank::dispatch
namespace fogbank::lambda {
class runtime_host;
class service;
}  // namespace fogbank::lambda
namespace fogbank::sns {
class service;
}

namespace fogbank {

struct emulator_options {
  // Directory the data is kept in (created if missing; RocksDB lives in its `rocksdb`
  // subdirectory, Lambda's unpacked code in `lambda`). Empty: everything in memory (code in a
  // temporary directory), gone at exit.
  std::string data_dir;
  // A manual clock, starting at `clock_start`, instead of the wall clock.
  bool manual_clock = false;
  core::time_point clock_start = core::time_point{std::chrono::seconds{1'700'000'000}};
  // Seed of the id streams: resource ids (tables, queues, messages, stream records) and, apart
  // from them, request ids, so that traffic does not move the ids of resources.
  std::uint64_t seed = 0;
  // Time between DynamoDB TTL sweeps (service time); zero sweeps only when asked
  // (POST /_fogbank/dynamodb/expire).
  std::chrono::milliseconds ttl_interval{0};
  // Lambda: how many invocations of one function may run at once when it has no reserved
  // concurrency (`--lambda-concurrency`).
  int lambda_concurrency = 10;
  // Runtime hosts besides the in-process one for C++ handlers (which is always there, asked
  // first): e.g. the worker-process host for Node.js and Python. Asked in this order.
  std::vector<std::shared_ptr<lambda::runtime_host>> runtime_hosts;
  // WebSocket connections end after this long without a message from the client, and this long
  // after they opened, whatever the traffic (service time; AWS: 10 minutes and 2 hours).
  std::chrono::nanoseconds websocket_idle_timeout = std::chrono::minutes{10};
  std::chrono::nanoseconds websocket_max_lifetime = std::chrono::hours{2};
  // For tests of storage failures: receives the opened database and returns the one the services
  // use (a wrapper that fails on demand). Empty: the database as opened.
  std::function<std::unique_ptr<storage::database>(std::unique_ptr<storage::database>)> wrap_storage;
  // For scenario transcripts: receives each runtime host Lambda asks (the in-process C++ one, then
  // those of runtime_hosts) and returns the one it uses instead (a wrapper that records each
  // invocation). Empty: the hosts as they are.
  std::function<std::shared_ptr<lambda::runtime_host>(std::shared_ptr<lambda::runtime_host>)>
      wrap_runtime_host;
  // On a manual clock, whoever moves the clock waits for each Lambda invocation (the default).
  // False: invocations complete when their host says, for tests that hold them open to see what
  // runs at once (a runtime host of runtime_hosts that completes them later).
  bool lambda_waits_on_manual_clock = true;
};

class emulator {
 public:
  // Opens the storage and builds every service over it. nullptr with `*error` set when the data
  // directory cannot be created or the database cannot be opened or read.
  static std::unique_ptr<emulator> open(const emulator_options& options, std::string* error);
  // Stops the scheduler's thread (if started), then closes the services and the database.
  ~emulator();
  emulator(const emulator&) = delete;
  emulator& operator=(const emulator&) = delete;

  // Real clock: starts the scheduler's thread. stop() waits for a running task and stops it;
  // pending entries stay pending. Both idempotent; no-ops on a manual clock.
  void start();
  void stop();

  // Manual clock only (a real clock moves by itself: these then just run what is due).
  // run_until_idle(): runs every scheduler entry due now, including those they add for now.
  // advance(by): moves the clock forward by `by`, stopping at each entry's due time to run it
  // (and what falls due with it) with the clock reading that time, then runs what is due at the
  // end. Return how many entries ran. Call them from one thread at a time.
  std::size_t run_until_idle();
  std::size_t advance(std::chrono::nanoseconds by);

  // Where in-process calls say they are addressed (their QueueUrls), e.g. once the HTTP server
  // knows its port: "http://127.0.0.1:4566". Set-up only.
  void set_endpoint(const std::string& endpoint);

  bool has_manual_clock() const noexcept;
  core::clock& clock() noexcept;
  core::scheduler& scheduler() noexcept;
  storage::database& database() noexcept;
  dispatch::registry& services() noexcept;
  // The in-process client: every service by name, on the same path as HTTP.
  const dispatch::client& client() const noexcept;
  dynamodb::service& dynamodb() noexcept;
  dynamodb::streams_service& dynamodb_streams() noexcept;
  sqs::service& sqs() noexcept;
  lambda::service& lambda() noexcept;
  // API Gateway: the apigatewayv2 control plane and the open WebSocket connections.
  apigw::service& apigw() noexcept;
  apigw::connection_registry& websocket_connections() noexcept;
  // Where the HTTP front end reports WebSocket upgrades, messages and closes.
  apigw::websocket_gateway& websocket_gateway() noexcept;
  // Calls to HTTP APIs (the HTTP front end hands them here).
  apigw::http_api_gateway& http_api_gateway() noexcept;
  // API Gateway REST APIs: the `apigateway` control plane and the runtime behind their invoke URLs.
  apigw::rest_api_service& rest_apis() noexcept;
  apigw::rest_gateway& rest_gateway() noexcept;

  sns::service& sns() noexcept;

  // What GET /_fogbank/health shows of the services.
  nlohmann::json health() const;

 private:
  struct parts;
  explicit emulator(std::unique_ptr<parts> parts);
  std::unique_ptr<parts> parts_;
};

}  // namespace fogbank
