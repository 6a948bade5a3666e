#pragma once
// What a runtime host needs to know of a function to run it: its configuration as it stands at
// the invocation, and one invocation's input and outcome. The Lambda service owns functions (the
// control plane, persistence, code storage); runtime hosts only run them.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace fogbank::lambda {

// One function version's configuration, as the Lambda service hands it to a runtime host.
struct function_config {
  std::string name;  // "orders-handler"
  std::string arn;   // "arn:aws:lambda:us-east-1:000000000000:function:orders-handler"
  std::string version = "$LATEST";
  std::string runtime;             // "nodejs20.x", "python3.12", "provided.al2023"
  std::string handler;             // "index.handler", "app.lambda_handler", a registered C++ name
  std::filesystem::path code_dir;  // the unpacked zip, or the local directory used in place
  std::map<std::string, std::string> environment;  // Environment.Variables as the user set them
  std::chrono::milliseconds timeout{3000};
  int memory_mb = 128;
  // ReservedConcurrentExecutions: at most this many invocations of the function run at once (one
  // per worker). nullopt: the runtime host's default (`--lambda-concurrency`).
  std::optional<int> reserved_concurrency;
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  // Changes whenever code or configuration changes: warm workers of an older revision are not
  // reused (UpdateFunctionCode and UpdateFunctionConfiguration take effect on the next cold start).
  std::string revision;
};

// One invocation's input.
struct invocation {
  std::string request_id;      // Lambda-Runtime-Aws-Request-Id
  std::string payload;         // the event, as the caller sent it (JSON text for every AWS source)
  std::string invoked_arn;     // Lambda-Runtime-Invoked-Function-Arn (as invoked: name, version)
  std::string client_context;  // Lambda-Runtime-Client-Context (JSON text) or empty
  std::string trace_id;        // Lambda-Runtime-Trace-Id or empty
  // The service time at the start of the invocation and the deadline on the same clock. On a
  // manual clock the clock stands still while a handler runs: handlers read `service_time` as
  // their clock (Date.now(), time.time()) through fogbank's bootstraps.
  std::chrono::system_clock::time_point service_time;
  std::chrono::system_clock::time_point deadline;
  // Seed for the handler's randomness (Math.random, crypto.randomUUID, random, uuid.uuid4) when
  // the run is seeded; nullopt leaves it unseeded.
  std::optional<std::uint64_t> random_seed;
};

// How an invocation ended.
enum class outcome_kind {
  success,         // `payload` is the handler's response
  function_error,  // the handler threw or reported an error: `payload` is the runtime's error JSON
  timeout,         // Sandbox.Timedout: the worker was killed and will be replaced
  crashed,         // Runtime.ExitError: the worker exited (or was killed) before answering
  init_error,      // Runtime.ImportModuleError and friends: the handler could not be loaded
};

struct invocation_outcome {
  outcome_kind kind = outcome_kind::success;
  // The response, or the error JSON Lambda returns with X-Amz-Function-Error: Unhandled, e.g.
  // {"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error: Task timed out after 3.00
  // seconds"}.
  std::string payload;
  // This invocation's log: what the handler wrote, framed by START, END and REPORT lines.
  std::string log;
  // Measured in real time; a host on a manual clock reports zero (transcripts stay byte-stable).
  std::chrono::microseconds duration{0};
  std::optional<std::chrono::microseconds> init_duration;  // set on a cold start
};

}  // namespace fogbank::lambda
