#pragma once
// The in-process client: `client.call("dynamodb", "PutItem", request)` takes the same path as a
// request over HTTP (registry::call), so validation, limits and errors are identical, with no
// Boost.Beast on the link line. For C++ handlers, template loading, scenarios and event source
// mappings.

#include "fogbank/core/service.hpp"
#include "fogbank/dispatch/registry.hpp"

#include <nlohmann/json.hpp>

#include <string_view>

namespace fogbank::core {
class scheduler;
}

namespace fogbank::dispatch {

class client {
 public:
  // `can_wait`: whether a synchronous call may block until an answer that comes later (an SQS
  // long poll) arrives. True on a real clock, where the scheduler's thread and other clients move
  // things along; false on a manual clock, where nothing would. Both references must outlive the
  // client.
  client(const registry& services, const core::scheduler& scheduler, bool can_wait);

  // The context of calls made without one (region, account, endpoint). Set-up only.
  void set_default_context(core::call_context context) { default_context_ = std::move(context); }
  const core::call_context& default_context() const noexcept { return default_context_; }

  // Asynchronous: `done` receives the result exactly once, now or later (see core::service::call).
  // An unknown `service` answers UnknownOperationException; a request nested deeper than
  // core::max_request_nesting answers ValidationException, as over HTTP. Never throws.
  // Thread-safe.
  void call(std::string_view service, std::string_view operation, const nlohmann::json& request,
            const core::call_context& context, core::call_completion done) const;

  // Synchronous: the result, once there is one. Where the client cannot wait (a manual clock,
  // or a call from a scheduler task), operations that would wait answer at once instead (a long
  // poll returns what is there), so this never blocks on work that only the caller could move.
  // Never throws. Thread-safe.
  core::call_result call(std::string_view service, std::string_view operation,
                         const nlohmann::json& request) const;
  core::call_result call(std::string_view service, std::string_view operation, const nlohmann::json& request,
                         const core::call_context& context) const;

 private:
  const registry& services_;
  const core::scheduler& scheduler_;
  bool can_wait_;
  core::call_context default_context_;
};

}  // namespace fogbank::dispatch
