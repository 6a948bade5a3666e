#pragma once
// The DynamoDB Streams API (target prefix "DynamoDBStreams_20120810."): ListStreams,
// DescribeStream, GetShardIterator and GetRecords over the stream records the DynamoDB service
// writes beside its items. A second entry point with the same contract as service::dispatch, so
// the HTTP front end wires it as one more row of its target table.
//
// Each stream has one shard. Records are kept for 24 hours of service time; a stream outlives
// its disabling (or its table) by as long, as DISABLED with a closed shard. Shard iterators are
// opaque strings good for 15 minutes of service time.

#include "fogbank/core/aws_error.hpp"
#include "fogbank/dynamodb/service.hpp"

#include <nlohmann/json.hpp>

#include <string_view>

namespace fogbank::dynamodb {

class streams_service {
 public:
  // `dynamodb` must outlive this object.
  explicit streams_service(service& dynamodb);

  // Runs one DynamoDB Streams operation (`operation` is the name after
  // "DynamoDBStreams_20120810.", e.g. "GetRecords") and returns the response body. Throws
  // core::aws_error: ValidationException for a malformed request, ResourceNotFoundException for
  // an unknown stream or shard, ExpiredIteratorException for an iterator older than 15 minutes,
  // TrimmedDataAccessException for a position before the trim horizon,
  // UnknownOperationException for an operation DynamoDB Streams does not have, and
  // InternalServerError for storage failures. Thread-safe.
  nlohmann::json dispatch(std::string_view operation, const nlohmann::json& request,
                          const request_context& context = {});

 private:
  service& dynamodb_;
};

}  // namespace fogbank::dynamodb
