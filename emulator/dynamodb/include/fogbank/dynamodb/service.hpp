#pragma once
// The DynamoDB service: every operation behind one entry point that takes and returns
// DynamoDB's own JSON shapes. The HTTP front end, in-process handler clients and the scenario
// runner all call dispatch(), so validation, limits and errors are the same for each.

#include "fogbank/core/aws_error.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace fogbank::core {
class clock;
class id_generator;
}  // namespace fogbank::core
namespace fogbank::storage {
class database;
}

namespace fogbank::dynamodb {

class service_impl;

// Who is calling, as far as an operation needs to know (ARNs carry the region and account).
struct request_context {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
};

class service {
 public:
  // `db`, `clock` and `ids` must outlive the service.
  service(storage::database& db, core::clock& clock, core::id_generator& ids);
  ~service();
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  // Runs one DynamoDB operation (`operation` is the name after "DynamoDB_20120810.", e.g.
  // "PutItem") on a request body in DynamoDB's JSON shape and returns the response body.
  // Throws core::aws_error for every failure a client can cause: ValidationException,
  // ResourceNotFoundException, ConditionalCheckFailedException, UnknownOperationException
  // for an operation fogbank does not know, and so on; InternalServerError only for storage
  // failures. Thread-safe.
  nlohmann::json dispatch(std::string_view operation, const nlohmann::json& request,
                          const request_context& context = {});

  // Number of tables, for the health endpoint.
  std::size_t table_count() const;

 private:
  std::unique_ptr<service_impl> impl_;
};

}  // namespace fogbank::dynamodb
