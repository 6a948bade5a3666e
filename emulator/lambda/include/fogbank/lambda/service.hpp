#pragma once
// The Lambda service: functions (the control plane), Invoke, and asynchronous invocations, behind
// the one call path. It takes and gives the shapes of botocore's lambda 2015-03-31 model, with
// blobs in base64 as every JSON shape carries them: CreateFunction's Code.ZipFile, and Invoke's
// Payload in both directions. The HTTP front end's REST-JSON codec puts Payload on the wire raw;
// in-process callers decode it themselves.
//
// Functions are kept in RocksDB (column `lambda`) and their code in the code directory: a zip is
// unpacked there, and a local directory (Code {"S3Bucket": "hot-reload", "S3Key": "/abs/path"}, a
// fogbank extension LocalStack also has) is used in place. Functions run in runtime hosts: per
// invocation the first host whose runs() accepts the function. Asynchronous invocations (Event)
// are kept in RocksDB too, and run as scheduler entries with Lambda's retries, event age limit,
// dead-letter queue and destinations (SQS, through the in-process client).
//
// Event source mappings (SQS queues and DynamoDB streams) read their sources through the
// in-process client, in scheduler entries: an entry runs when the source may have something
// (a message was sent, a stream record written, a batching window or a visibility timeout
// ended), not on a polling period, so on a manual clock the same scenario gives the same
// invocations at the same instants.

#include "fogbank/core/service.hpp"
#include "fogbank/lambda/runtime_host.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

namespace fogbank::lambda {

class service_impl;

struct service_options {
  // Where unpacked code lives (a `lambda` subdirectory is made in it). Must exist.
  std::filesystem::path code_root;
  // Concurrent invocations per function without reserved concurrency (`--lambda-concurrency`).
  int default_concurrency = 10;
  // Invocations run on the caller's thread and complete before the call that starts them returns
  // (a manual clock): whoever moves the clock then waits for each handler, so the clock stands
  // still while one runs and invocations run one at a time.
  bool wait_for_invocations = false;
  // The hosts functions run in, asked in order.
  std::vector<std::shared_ptr<runtime_host>> hosts;
  // How stream mappings hear of new records: calls `wake` (from a scheduler entry) after each
  // stream record of table `table_name` commits, until unsubscribed with the returned id. The
  // emulator binds these to dynamodb::service::subscribe_stream. Empty: stream mappings read
  // only when created, enabled or retried.
  std::function<std::uint64_t(const std::string& table_name, std::function<void()> wake)> subscribe_stream;
  std::function<void(std::uint64_t)> unsubscribe_stream;
};

class service final : public core::service {
 public:
  // All references must outlive the service. Functions and pending asynchronous invocations are
  // read back from `db` here (throws std::runtime_error if what is stored cannot be read);
  // pending invocations are scheduled again. `request_ids` gives invocation request ids for
  // callers that bring none, apart from the resource ids of `ids`.
  service(storage::database& db, core::clock& clock, core::scheduler& scheduler, core::id_generator& ids,
          core::id_generator& request_ids, const dispatch::client& client, service_options options);
  ~service() override;
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  // Runs one Lambda operation ("CreateFunction", "Invoke", ...) and calls `done` exactly once.
  // Every operation but a RequestResponse Invoke completes before call() returns; an Invoke
  // completes when its host does (before call() returns for the in-process C++ host, and for any
  // host when options.wait_for_invocations or !context.may_defer). Errors (ResourceNotFoundException,
  // InvalidParameterValueException, TooManyRequestsException, ...) carry Lambda's wording; an
  // operation fogbank does not emulate answers UnknownOperationException. Thread-safe.
  void call(std::string_view operation, const nlohmann::json& request, const core::call_context& context,
            core::call_completion done) override;

  // {"functions": <count>}.
  nlohmann::json health() const override;

  // The last invocation logs of every function (START ... REPORT, what the handlers wrote), up
  // to a bound per function: {"<region>/<name>": "<log text>", ...}. Thread-safe.
  nlohmann::json recent_logs() const;

  // Per function since the start, as CloudWatch's AWS/Lambda metrics of the same names count them
  // (Developer Guide, "Types of metrics for Lambda functions": "Invocations aren't recorded if the
  // invocation request is throttled"; Throttles, "the number of invocation requests that are
  // throttled"): {"<region>/<name>": {"Invocations": n, "Throttles": n}, ...}. An invocation is
  // counted when it takes a concurrency slot; a throttle when none is free, whichever way it came
  // (Invoke, an asynchronous event's attempt, an event source mapping's batch: each retry counts
  // again, unconfirmed against CloudWatch for mappings). Thread-safe.
  nlohmann::json metrics() const;

  // How many invocations hold a concurrency slot right now (synchronous, asynchronous and event
  // source mappings' alike): what GET /_fogbank/idle reports. Thread-safe.
  int invocations_in_flight() const;

  // Wraps the SQS service so that SQS mappings hear of messages as they are sent: the wrapper
  // passes every call on unchanged and, after a SendMessage(Batch) or
  // ChangeMessageVisibility(Batch) succeeds, wakes the mappings of that queue. The emulator
  // registers the wrapper in SQS's place. `sqs` must outlive the wrapper; the wrapper may
  // outlive this service (it then only passes calls on).
  std::unique_ptr<core::service> watch_sqs(core::service& sqs);

 private:
  std::unique_ptr<service_impl> impl_;
};

}  // namespace fogbank::lambda
