#pragma once
// The DynamoDB service: every operation behind one entry point that takes and returns
// DynamoDB's own JSON shapes. The HTTP front end, in-process handler clients and the scenario
// runner all call dispatch(), so validation, limits and errors are the same for each.

#include "fogbank/core/aws_error.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace fogbank::core {
class clock;
class id_generator;
class scheduler;
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

  // ---- DynamoDB Streams, in process ----
  // Every stream record of table `table_name` whose write commits after this call is handed to
  // `on_record`, in sequence-number order, exactly once, in the shape of a record of a Lambda
  // DynamoDB event: GetRecords' Record plus "eventSourceARN", userIdentity (TTL deletions only)
  // as {"type": "Service", "principalId": "dynamodb.amazonaws.com"}. Records are only produced
  // while the table has a stream enabled; the subscription follows the table by name across
  // stream (and table) re-creation. Returns an id for unsubscribe_stream.
  //
  // Threading: `on_record` runs on a thread that called into this service (dispatch,
  // expire_now, or a TTL sweep on the scheduler), after the write's batch is durable and after
  // the service's write lock is released, and never on two threads at once. It may call back
  // into the service, including writes; records those produce are delivered after it returns,
  // on the same thread. It must not block for long: the writer that delivers it waits. An
  // exception it throws is caught and dropped. Thread-safe.
  using stream_callback = std::function<void(const nlohmann::json& record)>;
  std::uint64_t subscribe_stream(std::string_view table_name, stream_callback on_record);
  // Stops a subscription. After it returns, the callback is not called again (unless it is
  // running right now on another thread). False if `subscription` is unknown. Thread-safe.
  bool unsubscribe_stream(std::uint64_t subscription);

  // ---- Time to Live ----
  // Deletes, now, every item whose table has TTL enabled and whose TTL attribute is a Number
  // of epoch seconds before the service clock's now (and at most five years before it), with
  // its index entries and a REMOVE stream record carrying the TTL userIdentity. Also trims
  // stream records past the 24-hour retention. Returns the number of items deleted.
  // Thread-safe.
  std::size_t expire_now();
  // Runs expire_now() every `interval` of service time as scheduler entries (no thread of its
  // own): on a manual clock, advance the clock and call scheduler.run_due(). Calling it again
  // replaces the previous schedule. `scheduler` must outlive this service.
  void start_ttl_sweeper(core::scheduler& scheduler, std::chrono::milliseconds interval);

 private:
  friend class streams_service;
  std::unique_ptr<service_impl> impl_;
};

}  // namespace fogbank::dynamodb
