#pragma once
// The AWS JSON protocol (awsJson1_0) as DynamoDB's front door speaks it: a POST whose
// `X-Amz-Target: <Prefix>.<Operation>` names the operation and whose body is the request
// object. The dispatch registry's rows map target prefixes to services, so DynamoDB Streams
// (`DynamoDBStreams_20120810.`) and SQS's JSON protocol (`AmazonSQS.`) plug in as rows.
//
// Checks run in DynamoDB's order (dynalite's index.js, tested against live DynamoDB):
// content type, JSON syntax, target, authentication, empty body, then the service.

#include "call.hpp"
#include "wire.hpp"

#include "fogbank/core/aws_error.hpp"
#include "fogbank/dispatch/registry.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace fogbank::http {

class aws_json_front {
 public:
  // `services` must outlive the front.
  explicit aws_json_front(const dispatch::registry& services);

  // Answers one POST request: the response now, or nullopt when the service answers later
  // through a reply taken from `channel`. Never throws anything but std::bad_alloc.
  std::optional<response> handle(const request& req, const reply_to& to, reply_channel& channel) const;

  // The service the request's X-Amz-Target names, or nullptr.
  const dispatch::service_row* service_for(const request& req) const noexcept;

  // The error body for `error` raised by a service whose errors live in `error_namespace`:
  // {"__type":"<namespace>#<Name>","message":"..."} plus the error's extra members, with the
  // namespace and the spelling of "message" that DynamoDB uses for that error type.
  static std::string error_body(const core::aws_error& error, std::string_view error_namespace);
  // The body of a Coral protocol error (not a service's: no catalog row), e.g. a refused
  // signature: {"__type":"com.amazon.coral.service#<name>","message":"<message>"}.
  static std::string protocol_error_body(std::string_view name, std::string_view message);

  // The 200 answer carrying `body` (an empty body for an operation without output): the response
  // every successful call gets. Public for the benchmarks (bench/http_bench.cpp).
  static response success_response(const reply_to& to, std::string_view content_type,
                                   const nlohmann::json& body, bool no_output = false);

  // The response content type DynamoDB uses for a request with `request_content_type`.
  static std::string_view response_content_type(std::string_view request_content_type) noexcept;

 private:
  static response error_response(const dispatch::service_row& service, const core::aws_error& error,
                                 const reply_to& to, std::string_view content_type);
  std::optional<response> call(const dispatch::service_row& service, std::string_view operation,
                               const nlohmann::json& body, const core::call_context& context,
                               const reply_to& to, std::string_view content_type,
                               reply_channel& channel) const;
  const dispatch::service_row* find(std::string_view target, std::string_view& operation) const noexcept;

  const dispatch::registry& services_;
};

}  // namespace fogbank::http
