#include "fogbank/dispatch/registry.hpp"

#include "fogbank/core/ids.hpp"

#include <utility>

namespace fogbank::dispatch {

registry::registry(core::id_generator& request_ids) : request_ids_(request_ids) {}

void registry::add(service_row row) {
  services_.push_back(std::move(row));
}

void registry::add_admin(admin_action action) {
  admin_actions_.push_back(std::move(action));
}

const service_row* registry::find(std::string_view name) const noexcept {
  for (const service_row& row : services_) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

std::string registry::new_request_id(request_id_style style) const {
  switch (style) {
    case request_id_style::upper_alnum_52:
      return request_ids_.upper_alnum(52);
    case request_id_style::uuid:
      return request_ids_.uuid();
  }
  return request_ids_.uuid();
}

void registry::call(const service_row& row, std::string_view operation, const nlohmann::json& request,
                    const core::call_context& context, core::call_completion done) const {
  row.service->call(operation, request, context, std::move(done));
}

nlohmann::json registry::health() const {
  nlohmann::json body = {{"services", nlohmann::json::object()}};
  for (const service_row& row : services_) {
    body["services"][row.name] = "running";
    const nlohmann::json counts = row.service->health();
    for (const auto& [key, value] : counts.items()) body[key] = value;
  }
  return body;
}

}  // namespace fogbank::dispatch
