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
    error_type{error_code::duplicate_item, "DuplicateItemException", 400},
    error_type{error_code::transaction_canceled, "TransactionCanceledException", 400},
    error_type{error_code::transaction_conflict, "TransactionConflictException", 400},
    error_type{error_code::transaction_in_progress, "TransactionInProgressException", 400},
    error_type{error_code::idempotent_parameter_mismatch, "IdempotentParameterMismatchException", 400},
    error_type{error_code::item_collection_size_limit, "ItemCollectionSizeLimitExceededException", 400},
    error_type{error_code::limit_exceeded, "LimitExceededException", 400},
    error_type{error_code::provisioned_throughput_exceeded, "ProvisionedThroughputExceededException", 400},
    error_type{error_code::table_not_found, "TableNotFoundException", 400},
    error_type{error_code::table_already_exists, "TableAlreadyExistsException", 400},
    error_type{error_code::backup_not_found, "BackupNotFoundException", 400},
    error_type{error_code::backup_in_use, "BackupInUseException", 400},
    error_type{error_code::expired_iterator, "ExpiredIteratorException", 400},
    error_type{error_code::trimmed_data_access, "TrimmedDataAccessException", 400},
    // SQS: names, statuses and query codes from botocore's SQS models (query and JSON protocols).
    error_type{error_code::queue_does_not_exist, "QueueDoesNotExist", 400,
               "AWS.SimpleQueueService.NonExistentQueue"},
    error_type{error_code::queue_name_exists, "QueueNameExists", 400, "QueueAlreadyExists"},
    error_type{error_code::queue_deleted_recently, "QueueDeletedRecently", 400,
               "AWS.SimpleQueueService.QueueDeletedRecently"},
    error_type{error_code::purge_queue_in_progress, "PurgeQueueInProgress", 403,
               "AWS.SimpleQueueService.PurgeQueueInProgress"},
    error_type{error_code::over_limit, "OverLimit", 403},
    error_type{error_code::receipt_handle_is_invalid, "ReceiptHandleIsInvalid", 400},
    error_type{error_code::message_not_inflight, "MessageNotInflight", 400,
               "AWS.SimpleQueueService.MessageNotInflight"},
    error_type{error_code::batch_entry_ids_not_distinct, "BatchEntryIdsNotDistinct", 400,
               "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"},
    error_type{error_code::batch_request_too_long, "BatchRequestTooLong", 400,
               "AWS.SimpleQueueService.BatchRequestTooLong"},
    error_type{error_code::empty_batch_request, "EmptyBatchRequest", 400,
               "AWS.SimpleQueueService.EmptyBatchRequest"},
    error_type{error_code::invalid_batch_entry_id, "InvalidBatchEntryId", 400,
               "AWS.SimpleQueueService.InvalidBatchEntryId"},
    error_type{error_code::too_many_entries_in_batch_request, "TooManyEntriesInBatchRequest", 400,
               "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"},
    error_type{error_code::invalid_attribute_name, "InvalidAttributeName", 400},
    error_type{error_code::invalid_attribute_value, "InvalidAttributeValue", 400},
    error_type{error_code::invalid_message_contents, "InvalidMessageContents", 400},
    error_type{error_code::invalid_id_format, "InvalidIdFormat", 400},
    error_type{error_code::unsupported_operation, "UnsupportedOperation", 400,
               "AWS.SimpleQueueService.UnsupportedOperation"},
    error_type{error_code::invalid_parameter_value, "InvalidParameterValue", 400},
    error_type{error_code::missing_parameter, "MissingParameter", 400},
    error_type{error_code::invalid_address, "InvalidAddress", 404},
    error_type{error_code::invalid_security, "InvalidSecurity", 403},
    // Lambda: names and statuses from botocore's lambda 2015-03-31 model, except the 413, whose
    // name on the wire is RequestEntityTooLargeException in every AWS answer on record ("6291478
    // byte payload is too large for the RequestResponse invocation type (limit 6291456 bytes)",
    // "Request must be smaller than 70167211 bytes for the CreateFunction operation"), not the
    // model's RequestTooLargeException.
    error_type{error_code::lambda_invalid_parameter_value, "InvalidParameterValueException", 400},
    error_type{error_code::lambda_resource_not_found, "ResourceNotFoundException", 404},
    error_type{error_code::lambda_resource_conflict, "ResourceConflictException", 409},
    error_type{error_code::lambda_precondition_failed, "PreconditionFailedException", 412},
    error_type{error_code::lambda_request_too_large, "RequestEntityTooLargeException", 413},
    error_type{error_code::lambda_invalid_request_content, "InvalidRequestContentException", 400},
    error_type{error_code::lambda_too_many_requests, "TooManyRequestsException", 429},
    error_type{error_code::lambda_service, "ServiceException", 500},
    // API Gateway: names and statuses from botocore's apigatewayv2 and apigatewaymanagementapi
    // 2018-11-29 models.
    error_type{error_code::apigw_not_found, "NotFoundException", 404},
    error_type{error_code::apigw_bad_request, "BadRequestException", 400},
    error_type{error_code::apigw_conflict, "ConflictException", 409},
    error_type{error_code::apigw_forbidden, "ForbiddenException", 403},
    error_type{error_code::apigw_gone, "GoneException", 410},
    error_type{error_code::apigw_payload_too_large, "PayloadTooLargeException", 413},
    // SNS: shape names (the JSON protocol's __type), statuses and query codes from botocore's sns
    // 2010-03-31 model (the shape, error.httpStatusCode, error.code). ValidationError and
    // InvalidAction are the query protocol's own errors, with no shape in the model.
    error_type{error_code::sns_not_found, "NotFoundException", 404, "NotFound"},
    error_type{error_code::sns_invalid_parameter, "InvalidParameterException", 400, "InvalidParameter"},
    error_type{error_code::sns_parameter_value_invalid, "InvalidParameterValueException", 400,
               "ParameterValueInvalid"},
    error_type{error_code::sns_validation_error, "ValidationError", 400},
    error_type{error_code::sns_invalid_action, "InvalidAction", 400},
    error_type{error_code::sns_resource_not_found, "ResourceNotFoundException", 404, "ResourceNotFound"},
    error_type{error_code::sns_too_many_entries_in_batch, "TooManyEntriesInBatchRequestException", 400,
               "TooManyEntriesInBatchRequest"},
    error_type{error_code::sns_batch_entry_ids_not_distinct, "BatchEntryIdsNotDistinctException", 400,
               "BatchEntryIdsNotDistinct"},
    error_type{error_code::sns_batch_request_too_long, "BatchRequestTooLongException", 400,
               "BatchRequestTooLong"},
    error_type{error_code::sns_empty_batch_request, "EmptyBatchRequestException", 400, "EmptyBatchRequest"},
    error_type{error_code::sns_invalid_batch_entry_id, "InvalidBatchEntryIdException", 400,
               "InvalidBatchEntryId"},
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
