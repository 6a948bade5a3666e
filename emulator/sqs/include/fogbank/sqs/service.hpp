#pragma once
// The SQS service: every operation behind one entry point that takes and returns the JSON
// protocol's shapes (botocore's sqs model, protocol "json": `QueueUrl`, `MessageBody`,
// `Attributes` as a name->string map, `MessageAttributes` as name->{DataType, StringValue,
// BinaryValue (base64)}, ...). The HTTP front end decodes both wire protocols — the query protocol
// (form-encoded `Action=...`, XML replies) and the JSON protocol (`X-Amz-Target: AmazonSQS.<Op>`)
// — into this call; in-process handler clients call it directly.
//
// Timing (visibility timeouts, delays, retention, long polls, the FIFO deduplication window) runs
// on the service clock through the scheduler: no thread of the service sleeps.

#include "fogbank/core/aws_error.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
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

namespace fogbank::sqs {

class service_impl;

struct request_context {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  // Scheme, host and port the client addressed, for the QueueUrls the service hands out:
  // QueueUrl = endpoint + "/" + account_id + "/" + queue name.
  std::string endpoint = "http://localhost:4566";
};

// The outcome of one operation: a response body, or an AWS error.
struct result {
  nlohmann::json body = nlohmann::json::object();
  std::optional<core::aws_error> error;
};

class service {
 public:
  // All references must outlive the service. Queues and messages are read back from `db` here:
  // messages in flight at shutdown become visible when their timeout would have expired.
  service(storage::database& db, core::clock& clock, core::scheduler& scheduler, core::id_generator& ids);
  ~service();
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  using completion = std::function<void(result)>;

  // Runs one SQS operation (`operation` is the name after "AmazonSQS.", e.g. "SendMessage") and
  // calls `done` exactly once with its result. For every operation but a long-polling
  // ReceiveMessage, `done` runs before dispatch() returns. A ReceiveMessage with WaitTimeSeconds > 0
  // and no message available completes later — as soon as a message becomes available (a send,
  // a visibility timeout or delay expiring) or when the wait ends on the service clock — on
  // whichever thread makes that happen (a sender's, or the scheduler's). Errors (QueueDoesNotExist,
  // InvalidParameterValue, UnsupportedOperation for an unknown operation, ...) arrive in
  // result::error with AWS's wording. Never throws. Thread-safe.
  void dispatch(std::string_view operation, const nlohmann::json& request, const request_context& context,
                completion done);

  // Synchronous form for in-process callers and tests: waits for `done`. A long poll blocks the
  // caller, so on a virtual clock use dispatch() and drive the scheduler instead.
  result call(std::string_view operation, const nlohmann::json& request, const request_context& context = {});

  // Number of queues, for the health endpoint.
  std::size_t queue_count() const;

 private:
  std::unique_ptr<service_impl> impl_;
};

}  // namespace fogbank::sqs
