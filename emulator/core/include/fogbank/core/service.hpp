#pragma once
// The one call path: every emulated AWS service (DynamoDB, DynamoDB Streams, SQS; later Lambda
// and API Gateway's management API) implements `service`. A call is an operation name, a request
// in the AWS JSON shape of that operation, one call context, and one completion that receives the
// response or an aws_error. The HTTP front end decodes a wire protocol into such a call; in-process
// callers (handlers, templates, scenarios, event source mappings) make the same call through
// dispatch::client. Validation, limits and errors are therefore the same for every caller.

#include "fogbank/core/aws_error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace fogbank::core {

// Who is calling: what the caller says it is. Its signature was verified only when the server
// was given credentials (`fogbank serve --credentials`).
struct caller_identity {
  // The access key id of the SigV4 credential, or empty (in-process callers).
  std::string access_key_id;
};

// Everything an operation may need to know about its call besides the request itself.
struct call_context {
  std::string region = "us-east-1";         // HTTP: from the SigV4 credential scope
  std::string account_id = "000000000000";  // every caller is the one local account
  // "scheme://host[:port]" the caller addressed, for URLs handed back (SQS QueueUrls). Empty
  // means the service's default, "http://localhost:4566".
  std::string endpoint;
  // The id of this call as the caller reports it (HTTP: x-amzn-RequestId). May be empty.
  std::string request_id;
  caller_identity caller;
  // Whether the operation may complete after call() returns. A caller that cannot wait (one on
  // the scheduler's thread, or on a manual clock where nothing else moves time) sets it false:
  // an SQS long poll then answers at once with what is there, as a poll with no wait would.
  bool may_defer = true;
  // Whether the caller does nothing with a response but turn it into JSON text with
  // core::append_json (the HTTP front of the JSON protocol). An operation may then hand back parts
  // of it as spliced text (core::spliced_text, json_text.hpp): DynamoDB's GetItem, Query and Scan
  // write stored items straight from their bytes. Every other caller gets plain values.
  bool renders_text = false;
};

// What a call answered: a response object, or an AWS error (then `body` is empty).
struct call_result {
  nlohmann::json body = nlohmann::json::object();
  std::optional<aws_error> error;

  bool ok() const noexcept { return !error.has_value(); }
};

// Receives a call's result exactly once, on whichever thread completes the call.
using call_completion = std::function<void(call_result)>;

class service {
 public:
  virtual ~service() = default;

  // Runs one operation (`operation` is the name after the target prefix, e.g. "PutItem") and
  // calls `done` exactly once. Synchronous operations call it before call() returns; an
  // operation that waits (an SQS long poll) calls it later, from the thread that ends the wait
  // (a sender's, or the scheduler's). Never throws: every failure, including an unknown
  // operation, arrives as call_result::error. Thread-safe.
  virtual void call(std::string_view operation, const nlohmann::json& request, const call_context& context,
                    call_completion done) = 0;

  // What the health endpoint shows of this service: a JSON object of counts (e.g. {"tables": 3}).
  // Thread-safe.
  virtual nlohmann::json health() const = 0;
};

// ---- helpers for implementations ------------------------------------------------------------

// One operation of a service: its name and its handler (all of a service's handlers share one
// signature).
template <typename Handler>
struct operation_row {
  std::string_view name;
  Handler handler;
};

// A service's operations, sorted by name for lookup. Build it with make_operation_table and
// check `sorted()` in a static_assert beside it.
template <typename Handler, std::size_t N>
struct operation_table {
  std::array<operation_row<Handler>, N> rows;

  constexpr bool sorted() const {
    return std::is_sorted(
        rows.begin(), rows.end(),
        [](const operation_row<Handler>& a, const operation_row<Handler>& b) { return a.name < b.name; });
  }
  // The handler of `name`, or nullptr.
  constexpr const Handler* find(std::string_view name) const {
    auto it =
        std::lower_bound(rows.begin(), rows.end(), name,
                         [](const operation_row<Handler>& r, std::string_view n) { return r.name < n; });
    return it != rows.end() && it->name == name ? &it->handler : nullptr;
  }
};

template <typename Handler, std::size_t N>
constexpr operation_table<Handler, N> make_operation_table(const operation_row<Handler> (&rows)[N]) {
  operation_table<Handler, N> table{};
  for (std::size_t i = 0; i < N; ++i) table.rows[i] = rows[i];
  return table;
}

// Throws SerializationException unless `request` is a JSON object, worded as Coral (the front of
// every AWS JSON-protocol service) words it when it reads a body as the operation's input
// structure: "Start of list found where not expected" for an array, no message for a scalar.
void require_request_object(const nlohmann::json& request);

// How a service answers the failures its own code did not classify.
struct error_funnel {
  // A member of the wrong JSON type that got past validation (a json::type_error and friends):
  // the client's fault. DynamoDB: SerializationException; SQS: InvalidParameterValue.
  error_code malformed_request = error_code::serialization;
  std::string_view malformed_message;
  // Shown in the log line of an unexpected exception, e.g. "DynamoDB".
  std::string_view service_name;
};

// Runs `operation` (returning the response body) and turns whatever it throws into a result: an
// aws_error as it is; a JSON library error as `funnel.malformed_request` with
// `funnel.malformed_message` (never the library's own text); anything else InternalServerError,
// logged with the operation's name. std::bad_alloc included: one request must not end the process.
call_result run_funneled(const error_funnel& funnel, std::string_view operation,
                         const std::function<nlohmann::json()>& run) noexcept;

}  // namespace fogbank::core
