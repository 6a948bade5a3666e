#pragma once
// The SQS service: every operation behind one entry point that takes and returns the JSON
// protocol's shapes (botocore's sqs model, protocol "json": `QueueUrl`, `MessageBody`,
// `Attributes` as a name->string map, `MessageAttributes` as name->{DataType, StringValue,
// BinaryValue (base64)}, ...). The HTTP front end decodes both wire protocols — the query protocol
// (form-encoded `Action=...`, XML replies) and the JSON protocol (`X-Amz-Target: AmazonSQS.<Op>`)
// — into this call; in-process callers reach it through the dispatch registry.
//
// Timing (visibility timeouts, delays, retention, long polls, the FIFO deduplication window) runs
// on the service clock through the scheduler: no thread of the service sleeps.

#include "fogbank/core/service.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string_view>

namespace fogbank::core {
class clock;
class id_generator;
class scheduler;
}  // namespace fogbank::core
namespace fogbank::storage {
class database;
}

namespace fogbank::sqs {

class service_impl;

// Who is calling: region and account pick the queue; `endpoint` is the scheme, host and port
// the client addressed, for the QueueUrls the service hands out (QueueUrl = endpoint + "/" +
// account_id + "/" + queue name; empty: "http://localhost:4566").
using request_context = core::call_context;
using result = core::call_result;

class service final : public core::service {
 public:
  // All references must outlive the service. Queues and messages are read back from `db` here:
  // messages in flight at shutdown become visible when their timeout would have expired.
  service(storage::database& db, core::clock& clock, core::scheduler& scheduler, core::id_generator& ids);
  ~service() override;
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  // Runs one SQS operation (`operation` is the name after "AmazonSQS.", e.g. "SendMessage") and
  // calls `done` exactly once with its result. For every operation but a long-polling
  // ReceiveMessage, `done` runs before call() returns. A ReceiveMessage with WaitTimeSeconds > 0
  // and no message available (and context.may_defer) completes later, as a scheduler entry: when
  // a message becomes available (a send, a visibility timeout or delay expiring) or the wait ends
  // on the service clock. Errors (QueueDoesNotExist, InvalidParameterValue, UnsupportedOperation
  // for an unknown operation, ...) arrive in result::error with AWS's wording. Thread-safe.
  void call(std::string_view operation, const nlohmann::json& request, const core::call_context& context,
            core::call_completion done) override;

  // {"queues": <count>}.
  nlohmann::json health() const override;

  // Number of queues.
  std::size_t queue_count() const;

 private:
  std::unique_ptr<service_impl> impl_;
};

}  // namespace fogbank::sqs
