#pragma once
// The SNS service: topics (standard and FIFO), subscriptions and Publish/PublishBatch behind the
// one call path, in the shapes of botocore's sns 2010-03-31 model (protocol "query": the HTTP
// front end decodes `Action=Publish&...` into the same members, e.g. `Attributes` as a
// name->string map, `MessageAttributes` as name->{DataType, StringValue, BinaryValue (base64)},
// `Tags` as [{Key, Value}]).
//
// Topics and subscriptions are kept in RocksDB (column `meta`), as are the deliveries a Publish
// has accepted and not yet made: a server restarted on its data directory makes them then.
//
// Deliveries: each (message, subscription) pair that passes the subscription's filter policy is
// one scheduler entry, never run on the publisher's thread. Protocol `sqs` sends SNS's JSON
// envelope (or, with RawMessageDelivery, the message itself with its attributes as SQS message
// attributes) through the in-process client's SQS SendMessage; protocol `lambda` invokes the
// function asynchronously (InvocationType Event) with Lambda's SNS event. A delivery the endpoint
// refuses (no such queue or function) goes to the subscription's RedrivePolicy queue if it has
// one and is dropped otherwise; AWS's delivery retries are not emulated. Other protocols (http,
// https, email, email-json, sms, application, firehose) are accepted and listed, and never
// delivered to.

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
namespace fogbank::dispatch {
class client;
}

namespace fogbank::sns {

class service_impl;

class service final : public core::service {
 public:
  // All references must outlive the service. Topics, subscriptions and pending deliveries are
  // read back from `db` here (throws std::runtime_error if what is stored cannot be read); the
  // pending deliveries are scheduled again. Deliveries call SQS and Lambda through `client`.
  service(storage::database& db, core::clock& clock, core::scheduler& scheduler, core::id_generator& ids,
          const dispatch::client& client);
  ~service() override;
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  // Runs one SNS operation ("CreateTopic", "Publish", ...) and calls `done` exactly once, before
  // call() returns. Errors carry SNS's codes (query code in parentheses) and wording:
  // NotFoundException (NotFound: "Topic does not exist"), InvalidParameterException
  // (InvalidParameter: "Invalid parameter: ..."), InvalidParameterValueException
  // (ParameterValueInvalid: message attributes), the batch errors; an operation fogbank does not emulate
  // (SMS, platform applications, data protection) answers InvalidAction. Thread-safe; a handler called by a
  // delivery may call the service again.
  void call(std::string_view operation, const nlohmann::json& request, const core::call_context& context,
            core::call_completion done) override;

  // {"topics": <count>, "subscriptions": <count>}.
  nlohmann::json health() const override;

 private:
  std::unique_ptr<service_impl> impl_;
};

}  // namespace fogbank::sns
