#pragma once
// The AWS JSON protocol (awsJson1_0) as DynamoDB's front door speaks it: a POST whose
// `X-Amz-Target: <Prefix>.<Operation>` names the operation and whose body is the request
// object. One table maps target prefixes to services, so DynamoDB Streams
// (`DynamoDBStreams_20120810.`) and SQS's JSON protocol (`AmazonSQS.`) plug in as rows.
//
// Checks run in DynamoDB's order (dynalite's index.js, tested against live DynamoDB):
// content type, JSON syntax, target, authentication, empty body, then the service.

#include "call.hpp"
#include "wire.hpp"

#include "fogbank/core/aws_error.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::http {

// One service reachable through the JSON protocol.
struct json_service {
  // "DynamoDB_20120810.": the operation is what follows it.
  std::string target_prefix;
  // "com.amazonaws.dynamodb.v20120810": the __type prefix of the service's own errors.
  std::string error_namespace;
  // Runs one operation on the request object and returns the response object. Throws
  // core::aws_error for anything a client can cause; any other exception is answered with
  // 500 InternalServerError. For services that always answer at once (DynamoDB).
  std::function<nlohmann::json(std::string_view operation, const nlohmann::json& body, const call_context&)>
      dispatch;
  // Used instead of `dispatch` when set: for services that may answer later (SQS long polls).
  async_dispatch dispatch_async;
  // awsQueryCompatible services (SQS) also give each error as the query protocol would, in
  // `x-amzn-query-error: <query code>;<Sender|Receiver>`; the SDKs report that code
  // ("AWS.SimpleQueueService.NonExistentQueue") rather than the __type's.
  bool query_compatible = false;
};

class aws_json_front {
 public:
  explicit aws_json_front(std::vector<json_service> services);

  // Answers one POST request: the response now, or nullopt when the service answers later
  // through a reply taken from `channel`. Never throws anything but std::bad_alloc.
  std::optional<response> handle(const request& req, const reply_to& to, reply_channel& channel) const;

  // The service the request's X-Amz-Target names, or nullptr.
  const json_service* service_for(const request& req) const noexcept;

  // The error body for `error` raised by a service whose errors live in `error_namespace`:
  // {"__type":"<namespace>#<Name>","message":"..."} plus the error's extra members, with the
  // namespace and the spelling of "message" that DynamoDB uses for that error type.
  static std::string error_body(const core::aws_error& error, std::string_view error_namespace);

  // The response content type DynamoDB uses for a request with `request_content_type`.
  static std::string_view response_content_type(std::string_view request_content_type) noexcept;

 private:
  static response error_response(std::string_view error_namespace, bool query_compatible,
                                 const core::aws_error& error, const reply_to& to,
                                 std::string_view content_type);
  static std::optional<response> dispatch_later(const json_service& service, std::string_view operation,
                                                const nlohmann::json& body, const call_context& context,
                                                const reply_to& to, std::string_view content_type,
                                                reply_channel& channel);
  const json_service* find(std::string_view target, std::string_view& operation) const noexcept;

  std::vector<json_service> services_;
};

}  // namespace fogbank::http
