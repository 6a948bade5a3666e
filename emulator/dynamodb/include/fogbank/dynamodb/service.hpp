#pragma once
// The DynamoDB service: every operation behind core::service's one entry point, in DynamoDB's own
// JSON shapes. The HTTP front end, in-process handler clients and the scenario runner all reach it
// through the dispatch registry, so validation, limits and errors are the same for each.

#include "fogbank/core/service.hpp"

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
using request_context = core::call_context;

class service final : public core::service {
 public:
  // `db`, `clock`, `scheduler` and `ids` must outlive the service. Stream deliveries and TTL
  // sweeps run as entries of `scheduler`.
  service(storage::database& db, core::clock& clock, core::scheduler& scheduler, core::id_generator& ids);
  ~service() override;
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  // Runs one DynamoDB operation (`operation` is the name after "DynamoDB_20120810.", e.g.
  // "PutItem") on a request body in DynamoDB's JSON shape; `done` receives the response body
  // before call() returns. Errors a client can cause arrive as ValidationException,
  // ResourceNotFoundException, ConditionalCheckFailedException, ..., UnknownOperationException for
  // an operation fogbank does not know; InternalServerError only for storage failures.
  // Thread-safe.
  void call(std::string_view operation, const nlohmann::json& request, const core::call_context& context,
            core::call_completion done) override;

  // {"tables": <count>, "stream_subscriber_errors": <count of callbacks that threw>}.
  nlohmann::json health() const override;

  // Number of tables.
  std::size_t table_count() const;

  // ---- DynamoDB Streams, in process ----
  // Every stream record of table `table_name` whose write commits after this call is handed to
  // `on_record`, in sequence-number order, exactly once, in the shape of a record of a Lambda
  // DynamoDB event: GetRecords' Record plus "eventSourceARN", userIdentity (TTL deletions only)
  // as {"type": "Service", "principalId": "dynamodb.amazonaws.com"}. Records are only produced
  // while the table has a stream enabled; the subscription follows the table by name across
  // stream (and table) re-creation. Returns an id for unsubscribe_stream.
  //
  // Threading: records are delivered by a scheduler entry posted when their write commits, so
  // `on_record` runs after the write's call has returned: on the scheduler's thread on a real
  // clock, inside scheduler::run_due() on a manual one, never on two threads at once. It may call
  // back into the service, including writes; records those produce are delivered by a later
  // entry. An exception it throws is logged with the table, shard and sequence number and counted
  // in health(); later records are still delivered. Thread-safe.
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
  // Runs expire_now() every `interval` of service time as entries of the service's scheduler (no
  // thread of its own): on a manual clock, advance the clock and run the scheduler. Calling it
  // again replaces the previous schedule.
  void start_ttl_sweeper(std::chrono::milliseconds interval);

 private:
  friend class streams_service;
  std::unique_ptr<service_impl> impl_;
};

}  // namespace fogbank::dynamodb
