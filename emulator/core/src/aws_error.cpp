#include "fogbank/core/aws_error.hpp"

#include <array>

namespace fogbank::core {
namespace {

// One row per error type, in enum order (checked below and by tests/unit/core).
constexpr std::array catalog{
    error_type{error_code::validation, "ValidationException", 400},
    error_type{error_code::serialization, "SerializationException", 400},
    error_type{error_code::unknown_operation, "UnknownOperationException", 400},
    error_type{error_code::missing_authentication, "MissingAuthenticationTokenException", 400},
    error_type{error_code::access_denied, "AccessDeniedException", 400},
    error_type{error_code::request_too_large, "RequestEntityTooLarge", 413},
    error_type{error_code::internal_failure, "InternalServerError", 500},
    error_type{error_code::resource_not_found, "ResourceNotFoundException", 400},
    error_type{error_code::resource_in_use, "ResourceInUseException", 400},
    error_type{error_code::conditional_check_failed, "ConditionalCheckFailedException", 400},
    error_type{error_code::transaction_canceled, "TransactionCanceledException", 400},
    error_type{error_code::transaction_conflict, "TransactionConflictException", 400},
    error_type{error_code::transaction_in_progress, "TransactionInProgressException", 400},
    error_type{error_code::idempotent_parameter_mismatch, "IdempotentParameterMismatchException", 400},
    error_type{error_code::item_collection_size_limit, "ItemCollectionSizeLimitExceededException", 400},
    error_type{error_code::limit_exceeded, "LimitExceededException", 400},
    error_type{error_code::provisioned_throughput_exceeded, "ProvisionedThroughputExceededException", 400},
    error_type{error_code::expired_iterator, "ExpiredIteratorException", 400},
    error_type{error_code::trimmed_data_access, "TrimmedDataAccessException", 400},
};

constexpr bool catalog_in_enum_order() {
  for (std::size_t i = 0; i < catalog.size(); ++i) {
    if (static_cast<std::size_t>(catalog[i].code) != i) return false;
  }
  return true;
}
static_assert(catalog_in_enum_order(), "catalog rows must follow error_code order");
static_assert(static_cast<std::size_t>(last_error_code) + 1 == catalog.size(),
              "every error_code needs a catalog row");

}  // namespace

const error_type& describe(error_code code) noexcept {
  return catalog[static_cast<std::size_t>(code)];
}

void throw_validation(std::string message) {
  throw aws_error(error_code::validation, std::move(message));
}

}  // namespace fogbank::core
