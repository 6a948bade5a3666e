#pragma once
// C++ handlers, run in fogbank's own process. A team writes
//
//   nlohmann::json handle(const nlohmann::json& event, fogbank::lambda::context& ctx);
//   FOGBANK_LAMBDA_HANDLER("counter.connect", handle);
//
// compiles it into fogbank (handlers/cpp/), and declares a function with Runtime
// `provided.al2023` (or `provided.al2`) whose Handler is "counter.connect". The handler gets
// Lambda's event shapes and returns Lambda's response shapes; it reaches every emulated service
// through ctx.aws(), the same in-process client the rest of fogbank uses, so it calls DynamoDB,
// SQS or the API Gateway management API exactly as over HTTP.

#include "fogbank/core/clock.hpp"
#include "fogbank/core/service.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace fogbank::dispatch {
class client;
}

namespace fogbank::lambda {

// What a C++ handler knows of its invocation (Lambda's context object).
class context {
 public:
  // `clock` is the service clock the deadline is on: remaining_time() reads it, so that a handler
  // on the wall clock sees its time run down while one on a manual clock (which stands still while
  // a handler runs) does not. The pointers must outlive the context.
  context(std::string function_name, std::string function_version, std::string invoked_function_arn,
          int memory_limit_mb, std::string request_id, std::chrono::system_clock::time_point deadline,
          const core::clock* clock, const std::map<std::string, std::string>* environment,
          const dispatch::client* aws, std::string* log);

  const std::string& function_name() const noexcept { return function_name_; }
  const std::string& function_version() const noexcept { return function_version_; }
  const std::string& invoked_function_arn() const noexcept { return invoked_function_arn_; }
  int memory_limit_mb() const noexcept { return memory_limit_mb_; }
  const std::string& request_id() const noexcept { return request_id_; }

  // Time left before the deadline on the service clock (negative once it has passed).
  std::chrono::milliseconds remaining_time() const noexcept;
  // The function's environment variable `name`, as Lambda would set it, or nullopt.
  std::optional<std::string> env(std::string_view name) const;
  // Appends a line to this invocation's log (what console.log / print do in other runtimes).
  void log(std::string_view line) const;

  // The in-process client: every emulated service, on the same call path as HTTP.
  const dispatch::client& aws() const noexcept { return *aws_; }
  // Shorthand: calls `operation` of `service` and returns its result (never throws).
  core::call_result call(std::string_view service, std::string_view operation,
                         const nlohmann::json& request) const;

 private:
  std::string function_name_;
  std::string function_version_;
  std::string invoked_function_arn_;
  int memory_limit_mb_;
  std::string request_id_;
  std::chrono::system_clock::time_point deadline_;
  const core::clock* clock_;
  const std::map<std::string, std::string>* environment_;
  const dispatch::client* aws_;
  std::string* log_;
};

// A C++ handler: Lambda's (event, context) -> response. Throwing fails the invocation with
// Lambda's error payload ({"errorType": <exception type>, "errorMessage": what()}).
using handler_function = nlohmann::json (*)(const nlohmann::json& event, context& ctx);

// The handler registered as `name`, or nullptr.
handler_function find_handler(std::string_view name) noexcept;

// Registers `function` as `name` during static initialization (use the macro). Registering one
// name twice keeps the first and reports the second on stderr.
struct handler_registration {
  handler_registration(std::string_view name, handler_function function) noexcept;
};

}  // namespace fogbank::lambda

#define FOGBANK_LAMBDA_HANDLER_CONCAT_(a, b) a##b
#define FOGBANK_LAMBDA_HANDLER_NAME_(id) FOGBANK_LAMBDA_HANDLER_CONCAT_(fogbank_lambda_handler_, id)
// Registers `function` under `name` (a string literal), e.g. FOGBANK_LAMBDA_HANDLER("counter.connect",
// handle). Named by __COUNTER__, not __LINE__: unique even when source files are compiled together
// (the unit tests' unity build).
#define FOGBANK_LAMBDA_HANDLER(name, function)                                                     \
  static const ::fogbank::lambda::handler_registration FOGBANK_LAMBDA_HANDLER_NAME_(__COUNTER__) { \
    name, function                                                                                 \
  }
