// The registry of C++ handlers and the context they receive.

#include "fogbank/core/log.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/lambda/handler.hpp"

#include <map>
#include <mutex>
#include <string>

namespace fogbank::lambda {
namespace {

// Filled during static initialization, before main; read afterwards. A function-local static so
// that registrations in any translation unit find it constructed.
std::map<std::string, handler_function, std::less<>>& registry() {
  static std::map<std::string, handler_function, std::less<>> handlers;
  return handlers;
}

}  // namespace

handler_registration::handler_registration(std::string_view name, handler_function function) noexcept {
  try {
    if (!registry().emplace(std::string(name), function).second) {
      core::log_error("C++ handler '" + std::string(name) + "' is registered twice; the first one is used");
    }
  } catch (...) {
    core::log_error("cannot register a C++ handler: out of memory");
  }
}

handler_function find_handler(std::string_view name) noexcept {
  const auto& handlers = registry();
  auto it = handlers.find(name);
  return it == handlers.end() ? nullptr : it->second;
}

context::context(std::string function_name, std::string function_version, std::string invoked_function_arn,
                 int memory_limit_mb, std::string request_id, std::chrono::system_clock::time_point deadline,
                 const core::clock* clock, const std::map<std::string, std::string>* environment,
                 const dispatch::client* aws, std::string* log)
    : function_name_(std::move(function_name)),
      function_version_(std::move(function_version)),
      invoked_function_arn_(std::move(invoked_function_arn)),
      memory_limit_mb_(memory_limit_mb),
      request_id_(std::move(request_id)),
      deadline_(deadline),
      clock_(clock),
      environment_(environment),
      aws_(aws),
      log_(log) {}

std::chrono::milliseconds context::remaining_time() const noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - clock_->now());
}

std::optional<std::string> context::env(std::string_view name) const {
  auto it = environment_->find(std::string(name));
  if (it == environment_->end()) return std::nullopt;
  return it->second;
}

void context::log(std::string_view line) const {
  log_->append(line);
  if (line.empty() || line.back() != '\n') log_->push_back('\n');
}

core::call_result context::call(std::string_view service, std::string_view operation,
                                const nlohmann::json& request) const {
  return aws_->call(service, operation, request);
}

}  // namespace fogbank::lambda
