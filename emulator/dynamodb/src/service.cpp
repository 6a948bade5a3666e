#include "fogbank/dynamodb/service.hpp"

namespace fogbank::dynamodb {

struct service::impl {};

service::service(storage::database&, core::clock&, core::id_generator&) : impl_(std::make_unique<impl>()) {}
service::~service() = default;

nlohmann::json service::dispatch(std::string_view operation, const nlohmann::json&, const request_context&) {
  throw core::aws_error(core::error_code::unknown_operation, "Unknown operation " + std::string(operation));
}

std::size_t service::table_count() const { return 0; }

}  // namespace fogbank::dynamodb
