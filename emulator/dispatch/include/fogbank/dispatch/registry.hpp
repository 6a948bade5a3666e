#pragma once
// The services fogbank serves, one row each, and the one call path into them. A row is all the
// HTTP front end knows of a service (its target prefix, error namespace and protocols); the
// in-process client (client.hpp) finds services here by name. Both call through registry::call.

#include "fogbank/core/service.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::core {
class id_generator;
}

namespace fogbank::dispatch {

// The shape of a service's request ids (x-amzn-RequestId).
enum class request_id_style {
  // 52 characters of [0-9A-Z]: DynamoDB's (dynalite's tests match /^[0-9A-Z]{52}$/ against
  // live responses).
  upper_alnum_52,
  // An RFC 4122 UUID: SQS's.
  uuid,
};

struct service_row {
  // The name in-process callers use: "dynamodb", "dynamodbstreams", "sqs" (the AWS CLI's names).
  std::string name;
  // The AWS JSON protocol: the X-Amz-Target prefix ("DynamoDB_20120810."; the operation is what
  // follows it) and the __type namespace of the service's own errors.
  std::string target_prefix;
  std::string error_namespace;
  // awsQueryCompatible services (SQS) also give each error as the query protocol would, in
  // `x-amzn-query-error: <query code>;<Sender|Receiver>`.
  bool query_compatible = false;
  // Also served over the AWS query protocol (form-encoded `Action=...`, XML answers), with the
  // wire model the HTTP front end keeps under this row's name.
  bool query_protocol = false;
  // Served over the AWS REST-JSON protocol (the operation named by method and path, members in
  // the URI, query string, headers and body), with the route table the HTTP front end keeps
  // under this row's name.
  bool rest_protocol = false;
  // The largest request body this service takes over REST-JSON, where it differs from the
  // server's own limit (Lambda's CreateFunction takes up to 70167211 bytes); 0 = the server's.
  std::size_t max_request_bytes = 0;
  request_id_style request_ids = request_id_style::upper_alnum_52;
  // Operations without an output shape in the service's model: over the JSON protocol their
  // success is an empty body, not "{}" (DynamoDB's TagResource and UntagResource).
  std::vector<std::string> operations_without_output;
  core::service* service = nullptr;
};

// One of fogbank's own endpoints, e.g. POST /_fogbank/dynamodb/expire: runs `run` and answers its
// JSON object with 200.
struct admin_action {
  std::string method;  // "GET" or "POST"
  std::string path;    // "/_fogbank/dynamodb/expire"
  std::function<nlohmann::json()> run;
};

class registry {
 public:
  // `request_ids` is the id stream request ids come from, apart from the one resource ids
  // (tables, queues, messages, stream records) come from: however many requests a client sends,
  // the resources of a seeded run keep their ids. It must outlive the registry.
  explicit registry(core::id_generator& request_ids);
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  // Set-up, before any call: not thread-safe. Each service must outlive the registry.
  void add(service_row row);
  void add_admin(admin_action action);

  // The row of the service called `name`, or nullptr. Thread-safe.
  const service_row* find(std::string_view name) const noexcept;
  const std::vector<service_row>& services() const noexcept { return services_; }
  const std::vector<admin_action>& admin_actions() const noexcept { return admin_actions_; }

  // A fresh request id in `style`. Thread-safe.
  std::string new_request_id(request_id_style style) const;

  // The one call path: runs `operation` of `row`'s service with `context` and calls `done`
  // exactly once (see core::service::call). Never throws. Thread-safe.
  void call(const service_row& row, std::string_view operation, const nlohmann::json& request,
            const core::call_context& context, core::call_completion done) const;

  // {"services": {"<name>": "running", ...}, ...each service's own health members}. Thread-safe.
  nlohmann::json health() const;

 private:
  core::id_generator& request_ids_;
  std::vector<service_row> services_;
  std::vector<admin_action> admin_actions_;
};

}  // namespace fogbank::dispatch
