// The in-process host for C++ handlers (see cpp_host.hpp).

#include "fogbank/lambda/cpp_host.hpp"
#include "fogbank/core/json_text.hpp"

#include "fogbank/core/clock.hpp"
#include "fogbank/core/json_limits.hpp"
#include "fogbank/lambda/handler.hpp"
#include "fogbank/lambda/log_format.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <exception>
#include <memory>
#include <typeinfo>

namespace fogbank::lambda {
namespace {

using json = nlohmann::json;

// The event the handler gets is parsed within this depth: the Lambda service refuses deeper
// payloads before they get here (ops_invoke.cpp), so this only guards the host on its own.
constexpr int max_event_nesting = 512;

bool is_provided(const std::string& runtime) {
  return runtime == "provided.al2023" || runtime == "provided.al2";
}

// The demangled type of the exception being handled ("std::runtime_error"), or "unknown".
std::string current_exception_type() {
  const std::type_info* type = abi::__cxa_current_exception_type();
  if (type == nullptr) return "unknown";
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(type->name(), nullptr, nullptr, &status),
                                              std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(type->name());
}

// The error a runtime reports for a handler that threw, in the Runtime API's shape
// ({errorMessage, errorType, stackTrace}, as AWS's C++ runtime posts it). No stack trace: C++
// exceptions carry none.
std::string thrown_error_payload() {
  std::string message;
  try {
    throw;
  } catch (const std::exception& e) {
    message = e.what();
  } catch (...) {
  }
  return core::to_json_text(json{
      {"errorMessage", message}, {"errorType", current_exception_type()}, {"stackTrace", json::array()}});
}

// The environment Lambda sets for a function of an OS-only runtime, over the function's own
// variables (Lambda's win: the service refuses reserved names anyway).
std::map<std::string, std::string> lambda_environment(const function_config& config) {
  std::map<std::string, std::string> env = config.environment;
  env["_HANDLER"] = config.handler;
  env["AWS_REGION"] = config.region;
  env["AWS_DEFAULT_REGION"] = config.region;
  env["AWS_LAMBDA_FUNCTION_NAME"] = config.name;
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(config.memory_mb);
  env["AWS_LAMBDA_FUNCTION_VERSION"] = config.version;
  env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
  env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + config.name;
  env["LAMBDA_TASK_ROOT"] = config.code_dir.string();
  env["TZ"] = ":UTC";
  if (env.count("LANG") == 0) env["LANG"] = "en_US.UTF-8";
  return env;
}

class cpp_host final : public runtime_host {
 public:
  cpp_host(const core::clock& clock, const dispatch::client& client) : clock_(clock), client_(client) {}

  bool runs(const function_config& config) const override {
    return is_provided(config.runtime) && find_handler(config.handler) != nullptr;
  }

  void invoke(const function_config& config, invocation call,
              std::function<void(invocation_outcome)> done) override {
    invocation_outcome outcome;
    std::string handler_log;
    const core::time_point started = clock_.now();
    const handler_function handler = find_handler(config.handler);
    std::optional<json> event = core::parse_json_within(call.payload, max_event_nesting);
    if (handler == nullptr) {
      // Unregistered between runs() and now: cannot happen with handlers registered at start-up.
      outcome.kind = outcome_kind::init_error;
      outcome.payload = log_format::platform_error_payload(
          call.request_id, "Runtime.HandlerNotFound", "no C++ handler is registered as " + config.handler);
    } else if (!event) {
      outcome.kind = outcome_kind::function_error;
      outcome.payload = log_format::platform_error_payload(call.request_id, "Runtime.UnmarshalError",
                                                           "the event is not JSON within the nesting limit");
    } else {
      const std::map<std::string, std::string> environment = lambda_environment(config);
      context ctx(config.name, config.version, call.invoked_arn, config.memory_mb, call.request_id,
                  call.deadline, &clock_, &environment, &client_, &handler_log);
      try {
        const json response = handler(*event, ctx);
        outcome.payload = core::to_json_text(response);
      } catch (...) {
        outcome.kind = outcome_kind::function_error;
        outcome.payload = thrown_error_payload();
      }
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock_.now() - started);
    log_format::report report;
    report.duration = elapsed < std::chrono::microseconds(0) ? std::chrono::microseconds(0) : elapsed;
    report.memory_size_mb = config.memory_mb;
    // It ran to the end, but past its deadline: Lambda would have stopped it there.
    if (outcome.kind != outcome_kind::init_error && elapsed > config.timeout) {
      outcome.kind = outcome_kind::timeout;
      outcome.payload = log_format::timeout_payload(call.request_id, config.timeout);
      report.status = "timeout";
    }
    outcome.duration = report.duration;
    outcome.log = log_format::start_line(call.request_id, config.version) + handler_log +
                  log_format::end_line(call.request_id) + log_format::report_line(call.request_id, report);
    done(std::move(outcome));
  }

  // Nothing is kept warm between invocations.
  void retire(std::string_view) override {}

 private:
  const core::clock& clock_;
  const dispatch::client& client_;
};

}  // namespace

std::shared_ptr<runtime_host> make_cpp_host(const core::clock& clock, const dispatch::client& client) {
  return std::make_shared<cpp_host>(clock, client);
}

}  // namespace fogbank::lambda
