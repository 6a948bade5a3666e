#pragma once
// The DynamoDB Streams API (target prefix "DynamoDBStreams_20120810."): ListStreams,
// DescribeStream, GetShardIterator and GetRecords over the stream records the DynamoDB service
// writes beside its items: a second core::service over the same data, one more row of the
// dispatch registry.
//
// Each stream has one shard. Records are kept for 24 hours of service time; a stream outlives
// its disabling (or its table) by as long, as DISABLED with a closed shard. Shard iterators are
// opaque strings good for 15 minutes of service time.

#include "fogbank/core/service.hpp"
#include "fogbank/dynamodb/service.hpp"

#include <nlohmann/json.hpp>

#include <string_view>

namespace fogbank::dynamodb {

class streams_service final : public core::service {
 public:
  // `dynamodb` must outlive this object.
  explicit streams_service(dynamodb::service& dynamodb);

  // Runs one DynamoDB Streams operation (`operation` is the name after
  // "DynamoDBStreams_20120810.", e.g. "GetRecords"); `done` receives the response body before
  // call() returns. Errors: ValidationException for a malformed request,
  // ResourceNotFoundException for an unknown stream or shard, ExpiredIteratorException for an
  // iterator older than 15 minutes, TrimmedDataAccessException for a position before the trim
  // horizon, UnknownOperationException for an operation DynamoDB Streams does not have, and
  // InternalServerError for storage failures. Thread-safe.
  void call(std::string_view operation, const nlohmann::json& request, const core::call_context& context,
            core::call_completion done) override;

  // Nothing of its own: the streams are counted with their tables.
  nlohmann::json health() const override { return nlohmann::json::object(); }

 private:
  dynamodb::service& dynamodb_;
};

}  // namespace fogbank::dynamodb
