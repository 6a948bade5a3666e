#pragma once
// The one catalog of AWS error types that fogbank answers with, and the exception that carries
// one through a service's dispatch. Codecs turn an aws_error into the wire shape of their
// protocol (JSON `__type` + `message`, or the SQS query protocol's XML).

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace fogbank::core {

// Every error type fogbank can answer with. Each has exactly one row in the catalog
// (aws_error.cpp) giving its wire name and HTTP status.
enum class error_code {
  // Shared by the JSON protocols.
  validation,              // ValidationException, 400
  serialization,           // SerializationException, 400
  unknown_operation,       // UnknownOperationException, 400
  missing_authentication,  // MissingAuthenticationTokenException, 400
  access_denied,           // AccessDeniedException, 400
  request_too_large,       // RequestEntityTooLarge, 413
  internal_failure,        // InternalServerError, 500
  // DynamoDB.
  resource_not_found,               // ResourceNotFoundException, 400
  resource_in_use,                  // ResourceInUseException, 400
  conditional_check_failed,         // ConditionalCheckFailedException, 400
  duplicate_item,                   // DuplicateItemException, 400 (PartiQL INSERT)
  transaction_canceled,             // TransactionCanceledException, 400
  transaction_conflict,             // TransactionConflictException, 400
  transaction_in_progress,          // TransactionInProgressException, 400
  idempotent_parameter_mismatch,    // IdempotentParameterMismatchException, 400
  item_collection_size_limit,       // ItemCollectionSizeLimitExceededException, 400
  limit_exceeded,                   // LimitExceededException, 400
  provisioned_throughput_exceeded,  // ProvisionedThroughputExceededException, 400
  // DynamoDB backups (botocore's dynamodb 2012-08-10 model; client errors, 400 as all of DynamoDB's).
  table_not_found,       // TableNotFoundException, 400
  table_already_exists,  // TableAlreadyExistsException, 400
  backup_not_found,      // BackupNotFoundException, 400
  backup_in_use,         // BackupInUseException, 400
  // DynamoDB Streams.
  expired_iterator,     // ExpiredIteratorException, 400
  trimmed_data_access,  // TrimmedDataAccessException, 400
  // SQS (names as in the JSON protocol's __type; query-protocol codes in the catalog).
  queue_does_not_exist,               // QueueDoesNotExist, 400
  queue_name_exists,                  // QueueNameExists, 400
  queue_deleted_recently,             // QueueDeletedRecently, 400
  purge_queue_in_progress,            // PurgeQueueInProgress, 403
  over_limit,                         // OverLimit, 403
  receipt_handle_is_invalid,          // ReceiptHandleIsInvalid, 400
  message_not_inflight,               // MessageNotInflight, 400
  batch_entry_ids_not_distinct,       // BatchEntryIdsNotDistinct, 400
  batch_request_too_long,             // BatchRequestTooLong, 400
  empty_batch_request,                // EmptyBatchRequest, 400
  invalid_batch_entry_id,             // InvalidBatchEntryId, 400
  too_many_entries_in_batch_request,  // TooManyEntriesInBatchRequest, 400
  invalid_attribute_name,             // InvalidAttributeName, 400
  invalid_attribute_value,            // InvalidAttributeValue, 400
  invalid_message_contents,           // InvalidMessageContents, 400
  invalid_id_format,                  // InvalidIdFormat, 400
  unsupported_operation,              // UnsupportedOperation, 400
  invalid_parameter_value,            // InvalidParameterValue, 400
  missing_parameter,                  // MissingParameter, 400
  invalid_address,                    // InvalidAddress, 404
  invalid_security,                   // InvalidSecurity, 403
  // Lambda (REST-JSON: the name goes out in x-amzn-ErrorType). Statuses from botocore's lambda
  // model; two names are shared with DynamoDB's errors of other statuses.
  lambda_invalid_parameter_value,  // InvalidParameterValueException, 400
  lambda_resource_not_found,       // ResourceNotFoundException, 404
  lambda_resource_conflict,        // ResourceConflictException, 409
  lambda_precondition_failed,      // PreconditionFailedException, 412
  lambda_request_too_large,        // RequestEntityTooLargeException, 413
  lambda_invalid_request_content,  // InvalidRequestContentException, 400
  lambda_too_many_requests,        // TooManyRequestsException, 429
  lambda_service,                  // ServiceException, 500
  // API Gateway (REST-JSON: apigatewayv2 and apigatewaymanagementapi). Names and statuses from
  // botocore's apigatewayv2 and apigatewaymanagementapi 2018-11-29 models.
  apigw_not_found,          // NotFoundException, 404
  apigw_bad_request,        // BadRequestException, 400
  apigw_conflict,           // ConflictException, 409
  apigw_forbidden,          // ForbiddenException, 403
  apigw_gone,               // GoneException, 410
  apigw_payload_too_large,  // PayloadTooLargeException, 413
  // SNS: the name is the model's shape name (the JSON protocol's __type), the query protocol's
  // code is query_code where it differs. From botocore's sns 2010-03-31 model.
  sns_not_found,                     // NotFoundException (NotFound), 404
  sns_invalid_parameter,             // InvalidParameterException (InvalidParameter), 400
  sns_parameter_value_invalid,       // InvalidParameterValueException (ParameterValueInvalid), 400
  sns_validation_error,              // ValidationError, 400
  sns_invalid_action,                // InvalidAction, 400
  sns_resource_not_found,            // ResourceNotFoundException (ResourceNotFound), 404
  sns_too_many_entries_in_batch,     // TooManyEntriesInBatchRequest, 400
  sns_batch_entry_ids_not_distinct,  // BatchEntryIdsNotDistinct, 400
  sns_batch_request_too_long,        // BatchRequestTooLong, 400
  sns_empty_batch_request,           // EmptyBatchRequest, 400
  sns_invalid_batch_entry_id,        // InvalidBatchEntryId, 400
};
// The last enumerator: a new error_code goes before the closing brace and this moves with it.
inline constexpr error_code last_error_code = error_code::sns_invalid_batch_entry_id;

struct error_type {
  error_code code;
  std::string_view name;  // the short wire name, e.g. "ValidationException"
  int http_status;
  // The code the SQS query protocol (and the JSON protocol's x-amzn-query-error header) uses
  // where it differs from `name`, e.g. "AWS.SimpleQueueService.NonExistentQueue"; else empty.
  std::string_view query_code = {};
};

// The catalog row for `code`. Never fails: every enumerator has a row (pinned by a test).
const error_type& describe(error_code code) noexcept;

// An AWS error: a type from the catalog, the message the client sees, and optional extra
// top-level fields of the error body (e.g. `CancellationReasons`, or `Item` for
// ReturnValuesOnConditionCheckFailure).
class aws_error : public std::runtime_error {
 public:
  // std::runtime_error copies the message whatever it is given, so it is taken by reference.
  aws_error(error_code code, const std::string& message, nlohmann::json extra = nullptr)
      : std::runtime_error(message), code_(code), extra_(std::move(extra)) {}

  error_code code() const noexcept { return code_; }
  std::string_view name() const noexcept { return describe(code_).name; }
  int http_status() const noexcept { return describe(code_).http_status; }
  std::string message() const { return what(); }
  const nlohmann::json& extra() const noexcept { return extra_; }

 private:
  error_code code_;
  nlohmann::json extra_;
};

// Shorthand for the most common error of all.
[[noreturn]] void throw_validation(std::string message);

}  // namespace fogbank::core
