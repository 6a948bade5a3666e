#include "fogbank/core/aws_error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>
#include <utility>

namespace fogbank::core {
namespace {

// The last enumerator; a new error_code goes before the end of the enum and this bound moves
// with it (aws_error.cpp's static_asserts fail first if it is forgotten there).
constexpr auto last_code = last_error_code;

TEST(aws_error_catalog, every_code_has_a_row) {
  // A name appears twice only where two services have errors of that name with different
  // statuses (ResourceNotFoundException: DynamoDB's 400, Lambda's 404) or different query
  // codes (SNS's NotFoundException is NotFound over the query protocol; API Gateway's has none).
  std::set<std::tuple<std::string_view, int, std::string_view>> names;
  for (int i = 0; i <= static_cast<int>(last_code); ++i) {
    const auto code = static_cast<error_code>(i);
    const error_type& row = describe(code);
    EXPECT_EQ(row.code, code) << i;
    EXPECT_FALSE(row.name.empty()) << i;
    EXPECT_TRUE(row.http_status >= 400 && row.http_status <= 599) << row.name << " " << row.http_status;
    EXPECT_TRUE(names.insert({row.name, row.http_status, row.query_code}).second)
        << "duplicate row " << row.name;
  }
}

TEST(aws_error_catalog, spot_checks) {
  EXPECT_EQ(describe(error_code::validation).name, "ValidationException");
  EXPECT_EQ(describe(error_code::validation).http_status, 400);
  EXPECT_EQ(describe(error_code::resource_not_found).name, "ResourceNotFoundException");
  EXPECT_EQ(describe(error_code::conditional_check_failed).name, "ConditionalCheckFailedException");
  EXPECT_EQ(describe(error_code::request_too_large).http_status, 413);
  EXPECT_EQ(describe(error_code::internal_failure).name, "InternalServerError");
  EXPECT_EQ(describe(error_code::internal_failure).http_status, 500);
  EXPECT_EQ(describe(error_code::unknown_operation).name, "UnknownOperationException");
  EXPECT_EQ(describe(error_code::lambda_resource_not_found).name, "ResourceNotFoundException");
  EXPECT_EQ(describe(error_code::lambda_resource_not_found).http_status, 404);
  EXPECT_EQ(describe(error_code::lambda_too_many_requests).http_status, 429);
}

// Statuses from botocore's apigatewayv2 and apigatewaymanagementapi models (error.httpStatusCode).
TEST(aws_error_catalog, api_gateway_rows_follow_botocore) {
  EXPECT_EQ(describe(error_code::apigw_not_found).name, "NotFoundException");
  EXPECT_EQ(describe(error_code::apigw_not_found).http_status, 404);
  EXPECT_EQ(describe(error_code::apigw_bad_request).http_status, 400);
  EXPECT_EQ(describe(error_code::apigw_conflict).http_status, 409);
  EXPECT_EQ(describe(error_code::apigw_forbidden).http_status, 403);
  EXPECT_EQ(describe(error_code::apigw_gone).name, "GoneException");
  EXPECT_EQ(describe(error_code::apigw_gone).http_status, 410);
  EXPECT_EQ(describe(error_code::apigw_payload_too_large).name, "PayloadTooLargeException");
  EXPECT_EQ(describe(error_code::apigw_payload_too_large).http_status, 413);
}

// Codes and statuses from botocore's sns 2010-03-31 model; the query protocol sends query_code
// where there is one, else the name.
TEST(aws_error_catalog, sns_rows_follow_botocore) {
  EXPECT_EQ(describe(error_code::sns_not_found).name, "NotFoundException");
  EXPECT_EQ(describe(error_code::sns_not_found).query_code, "NotFound");
  EXPECT_EQ(describe(error_code::sns_not_found).http_status, 404);
  EXPECT_EQ(describe(error_code::sns_invalid_parameter).name, "InvalidParameterException");
  EXPECT_EQ(describe(error_code::sns_invalid_parameter).query_code, "InvalidParameter");
  EXPECT_EQ(describe(error_code::sns_parameter_value_invalid).name, "InvalidParameterValueException");
  EXPECT_EQ(describe(error_code::sns_parameter_value_invalid).query_code, "ParameterValueInvalid");
  EXPECT_EQ(describe(error_code::sns_resource_not_found).query_code, "ResourceNotFound");
  EXPECT_EQ(describe(error_code::sns_resource_not_found).http_status, 404);
  EXPECT_EQ(describe(error_code::sns_too_many_entries_in_batch).query_code, "TooManyEntriesInBatchRequest");
  EXPECT_EQ(describe(error_code::sns_batch_request_too_long).query_code, "BatchRequestTooLong");
}

TEST(aws_error, carries_its_catalog_row_and_message) {
  const aws_error e(error_code::transaction_canceled, "Transaction cancelled",
                    {{"CancellationReasons", nullptr}});
  EXPECT_EQ(e.code(), error_code::transaction_canceled);
  EXPECT_EQ(e.name(), "TransactionCanceledException");
  EXPECT_EQ(e.http_status(), 400);
  EXPECT_EQ(e.message(), "Transaction cancelled");
  EXPECT_TRUE(e.extra().contains("CancellationReasons"));
}

TEST(aws_error, throw_validation_throws_a_validation_exception) {
  try {
    throw_validation("bad input");
    FAIL() << "throw_validation returned";
  } catch (const aws_error& e) {
    EXPECT_EQ(e.code(), error_code::validation);
    EXPECT_EQ(e.message(), "bad input");
  }
}

}  // namespace
}  // namespace fogbank::core
