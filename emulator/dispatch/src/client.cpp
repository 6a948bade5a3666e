#include "fogbank/dispatch/client.hpp"

#include "fogbank/core/json_limits.hpp"
#include "fogbank/core/scheduler.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>

namespace fogbank::dispatch {
namespace {

core::call_result no_such_service(std::string_view service) {
  core::call_result out;
  out.error.emplace(core::error_code::unknown_operation,
                    "fogbank serves no service named '" + std::string(service) + "'");
  return out;
}

// A request built in process may nest deeper than any wire request could (the HTTP front end
// refuses those bodies before parsing them): refused alike, before any service copies, compares
// or dumps it recursively.
std::optional<core::call_result> refuse_too_deep(const nlohmann::json& request) {
  if (core::depth_within(request, core::max_request_nesting)) return std::nullopt;
  core::call_result out;
  out.error.emplace(core::error_code::validation, "Nesting Levels have exceeded supported limits");
  return out;
}

}  // namespace

client::client(const registry& services, const core::scheduler& scheduler, bool can_wait)
    : services_(services), scheduler_(scheduler), can_wait_(can_wait) {}

void client::call(std::string_view service, std::string_view operation, const nlohmann::json& request,
                  const core::call_context& context, core::call_completion done) const {
  const service_row* row = services_.find(service);
  if (row == nullptr) {
    done(no_such_service(service));
    return;
  }
  if (auto refused = refuse_too_deep(request)) {
    done(std::move(*refused));
    return;
  }
  services_.call(*row, operation, request, context, std::move(done));
}

core::call_result client::call(std::string_view service, std::string_view operation,
                               const nlohmann::json& request) const {
  return call(service, operation, request, default_context_);
}

core::call_result client::call(std::string_view service, std::string_view operation,
                               const nlohmann::json& request, const core::call_context& context) const {
  const service_row* row = services_.find(service);
  if (row == nullptr) return no_such_service(service);
  if (auto refused = refuse_too_deep(request)) return std::move(*refused);

  // Where nothing may wait, the service answers before call() returns.
  const core::call_context* effective = &context;
  core::call_context now_only;
  if (context.may_defer && (!can_wait_ || scheduler_.in_task())) {
    now_only = context;
    now_only.may_defer = false;
    effective = &now_only;
  }

  // On this stack: the call returns only once the completion has run, whichever thread runs it.
  struct waiting {
    std::mutex mutex;
    std::condition_variable arrived;
    std::optional<core::call_result> result;
  } state;
  services_.call(*row, operation, request, *effective, [&state](core::call_result r) {
    std::lock_guard lock(state.mutex);
    state.result = std::move(r);
    state.arrived.notify_all();
  });
  // With may_defer false the result is already here (core::service's contract).
  std::unique_lock lock(state.mutex);
  state.arrived.wait(lock, [&] { return state.result.has_value(); });
  return std::move(*state.result);
}

}  // namespace fogbank::dispatch
