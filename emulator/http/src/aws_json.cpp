#include "aws_json.hpp"

#include "fogbank/core/json_limits.hpp"
#include "fogbank/core/json_text.hpp"
#include "log.hpp"
#include "sigv4.hpp"

#include <algorithm>
#include <cstddef>
#include <exception>
#include <optional>

namespace fogbank::http {
namespace {

using core::error_code;

// Coral (the framework in front of every JSON-protocol AWS service) raises protocol errors in
// its own namespaces; only errors of the service itself use the service's namespace.
constexpr std::string_view coral_service = "com.amazon.coral.service";
constexpr std::string_view coral_validate = "com.amazon.coral.validate";

struct wire_shape {
  std::string_view type_namespace;
  // "message" or "Message": DynamoDB is not consistent, and the SDKs read both, but clients
  // that parse bodies themselves (and transcripts) see the difference.
  std::string_view message_member;
};

// Every catalog error, mapped to how DynamoDB spells it on the wire. Exhaustive on purpose:
// a new error_code does not compile (-Werror=switch) until it has a row here.
wire_shape shape_of(error_code code, std::string_view service_namespace) noexcept {
  switch (code) {
    case error_code::validation:
      // {"__type":"com.amazon.coral.validate#ValidationException","message":"..."}
      return {coral_validate, "message"};
    case error_code::serialization:
      // Type errors: {"__type":"com.amazon.coral.service#SerializationException","Message":"..."}
      // (dynalite validations/index.js, checkTypes).
      return {coral_service, "Message"};
    case error_code::unknown_operation:
    case error_code::missing_authentication:
    case error_code::request_too_large:
      return {coral_service, "message"};
    case error_code::access_denied:
      // Captured DynamoDB responses carry a capitalised "Message" for this one.
      return {coral_service, "Message"};
    case error_code::transaction_canceled:
      // {"__type":"...#TransactionCanceledException","Message":"Transaction cancelled, please
      // refer cancellation reasons for specific reasons [...]","CancellationReasons":[...]}
      return {service_namespace, "Message"};
    case error_code::internal_failure:
    case error_code::resource_not_found:
    case error_code::resource_in_use:
    case error_code::conditional_check_failed:
    case error_code::duplicate_item:
    case error_code::transaction_conflict:
    case error_code::transaction_in_progress:
    case error_code::idempotent_parameter_mismatch:
    case error_code::item_collection_size_limit:
    case error_code::limit_exceeded:
    case error_code::provisioned_throughput_exceeded:
    case error_code::table_not_found:
    case error_code::table_already_exists:
    case error_code::backup_not_found:
    case error_code::backup_in_use:
    case error_code::expired_iterator:
    case error_code::trimmed_data_access:
    case error_code::queue_does_not_exist:
    case error_code::queue_name_exists:
    case error_code::queue_deleted_recently:
    case error_code::purge_queue_in_progress:
    case error_code::over_limit:
    case error_code::receipt_handle_is_invalid:
    case error_code::message_not_inflight:
    case error_code::batch_entry_ids_not_distinct:
    case error_code::batch_request_too_long:
    case error_code::empty_batch_request:
    case error_code::invalid_batch_entry_id:
    case error_code::too_many_entries_in_batch_request:
    case error_code::invalid_attribute_name:
    case error_code::invalid_attribute_value:
    case error_code::invalid_message_contents:
    case error_code::invalid_id_format:
    case error_code::unsupported_operation:
    case error_code::invalid_parameter_value:
    case error_code::missing_parameter:
    case error_code::invalid_address:
    case error_code::invalid_security:
    // Lambda's errors go out through the REST-JSON front; its wire shapes are in the generated
    // model. Were one to reach this front, it would go out like any other service error.
    case error_code::lambda_invalid_parameter_value:
    case error_code::lambda_resource_not_found:
    case error_code::lambda_resource_conflict:
    case error_code::lambda_precondition_failed:
    case error_code::lambda_request_too_large:
    case error_code::lambda_invalid_request_content:
    case error_code::lambda_too_many_requests:
    case error_code::lambda_service:
    // API Gateway's errors belong to REST-JSON services; were one to reach this front, it would
    // go out like any other service error.
    case error_code::apigw_not_found:
    case error_code::apigw_bad_request:
    case error_code::apigw_conflict:
    case error_code::apigw_forbidden:
    case error_code::apigw_gone:
    case error_code::apigw_payload_too_large:
    // SNS over the JSON protocol: a service error like SQS's, `message` in the body and the query
    // code in x-amzn-query-error (the row is query-compatible).
    case error_code::sns_not_found:
    case error_code::sns_invalid_parameter:
    case error_code::sns_parameter_value_invalid:
    case error_code::sns_validation_error:
    case error_code::sns_invalid_action:
    case error_code::sns_resource_not_found:
    case error_code::sns_too_many_entries_in_batch:
    case error_code::sns_batch_entry_ids_not_distinct:
    case error_code::sns_batch_request_too_long:
    case error_code::sns_empty_batch_request:
    case error_code::sns_invalid_batch_entry_id:
      return {service_namespace, "message"};
  }
  return {service_namespace, "message"};
}

// A Coral protocol error that is not a service error (and so not in core's catalog).
std::string coral_error_body(std::string_view name, std::string_view message) {
  nlohmann::json body = {{"__type", std::string(coral_service) + "#" + std::string(name)}};
  if (!message.empty()) body["message"] = message;
  // Replace, not throw: SigV4 messages quote the client's Authorization header, any bytes in it.
  return core::to_json_text(body);
}

std::string dump(const nlohmann::json& value) {
  // Replace rather than throw on invalid UTF-8: a response must always be producible.
  return core::to_json_text(value);
}

}  // namespace

aws_json_front::aws_json_front(const dispatch::registry& services) : services_(services) {}

std::string aws_json_front::protocol_error_body(std::string_view name, std::string_view message) {
  return coral_error_body(name, message);
}

response aws_json_front::success_response(const reply_to& to, std::string_view content_type,
                                          const nlohmann::json& body, bool no_output) {
  return make_response(to, bhttp::status::ok, content_type, no_output ? std::string() : dump(body));
}

std::string_view aws_json_front::response_content_type(std::string_view request_content_type) noexcept {
  return media_type(request_content_type) == amz_json_1_0 ? amz_json_1_0 : plain_json;
}

std::string aws_json_front::error_body(const core::aws_error& error, std::string_view error_namespace) {
  const wire_shape shape = shape_of(error.code(), error_namespace);
  nlohmann::json body = {{"__type", std::string(shape.type_namespace) + "#" + std::string(error.name())}};
  // DynamoDB sends UnknownOperationException bare; a message the service attached is for logs.
  const std::string message = error.message();
  if (error.code() != error_code::unknown_operation && !message.empty()) {
    body[std::string(shape.message_member)] = message;
  }
  if (error.extra().is_object()) {
    for (const auto& [key, value] : error.extra().items()) {
      if (key != "__type") body[key] = value;
    }
  }
  return dump(body);
}

const dispatch::service_row* aws_json_front::find(std::string_view target,
                                                  std::string_view& operation) const noexcept {
  for (const dispatch::service_row& service : services_.services()) {
    if (!service.target_prefix.empty() && target.size() > service.target_prefix.size() &&
        target.substr(0, service.target_prefix.size()) == service.target_prefix) {
      operation = target.substr(service.target_prefix.size());
      // "DynamoDB_20120810.A.B" has three parts: DynamoDB rejects it as an unknown operation.
      if (operation.find('.') != std::string_view::npos) return nullptr;
      return &service;
    }
  }
  return nullptr;
}

const dispatch::service_row* aws_json_front::service_for(const request& req) const noexcept {
  std::string_view operation;
  return find(header_value(req, "X-Amz-Target"), operation);
}

std::optional<response> aws_json_front::handle(const request& req, const reply_to& to,
                                               reply_channel& channel) const {
  const std::string_view request_type = media_type(header_value(req, bhttp::field::content_type));
  const std::string& text = req.body();

  // A body in anything but JSON is not an API call at all: DynamoDB answers 404 with this exact
  // XML body (dynalite test/connection.js, "should return 404 if body but incorrect content-type").
  if (!text.empty() && request_type != plain_json && request_type != amz_json_1_0) {
    response res = make_response(to, bhttp::status::not_found, "", "<UnknownOperationException/>\n");
    res.erase(bhttp::field::content_type);
    return res;
  }
  const std::string_view content_type = response_content_type(request_type);
  const auto answer = [&](bhttp::status status, std::string body) {
    return make_response(to, status, content_type, std::move(body));
  };

  nlohmann::json body;
  if (!text.empty()) {
    // Checked before parsing, so that nothing downstream recurses over a hostile document; the
    // in-process client holds requests to the same bound (core::max_request_nesting).
    if (!core::nesting_within(text, core::max_request_nesting)) {
      return answer(
          bhttp::status::bad_request,
          error_body(core::aws_error(error_code::validation, "Nesting Levels have exceeded supported limits"),
                     ""));
    }
    std::optional<nlohmann::json> parsed = core::parse_json_checked(text, core::max_request_nesting);
    if (!parsed) return answer(bhttp::status::bad_request, coral_error_body("SerializationException", ""));
    body = std::move(*parsed);
  }

  std::string_view operation;
  const dispatch::service_row* service = find(header_value(req, "X-Amz-Target"), operation);
  if (service == nullptr)
    return answer(bhttp::status::bad_request, coral_error_body("UnknownOperationException", ""));

  sigv4::signed_request signed_req;
  signed_req.authorization = find_header(req, bhttp::field::authorization);
  const std::string_view target = sv(req.target());
  if (const auto q = target.find('?'); q != std::string_view::npos) signed_req.query = target.substr(q + 1);
  signed_req.has_date =
      find_header(req, "X-Amz-Date").has_value() || find_header(req, bhttp::field::date).has_value();
  sigv4::check_result auth = sigv4::check(signed_req);
  switch (auth.result) {
    case sigv4::check_result::outcome::ok:
      break;
    case sigv4::check_result::outcome::missing:
      return answer(bhttp::status::bad_request,
                    coral_error_body("MissingAuthenticationTokenException", auth.message));
    case sigv4::check_result::outcome::incomplete:
      return answer(bhttp::status::bad_request,
                    coral_error_body("IncompleteSignatureException", auth.message));
    case sigv4::check_result::outcome::invalid:
      return answer(bhttp::status::bad_request, coral_error_body("InvalidSignatureException", auth.message));
  }

  // An empty body passes the JSON check above but is still not a request object.
  if (text.empty()) return answer(bhttp::status::bad_request, coral_error_body("SerializationException", ""));
  // A body that is JSON but not an object goes on to the service, which answers it as it answers
  // an in-process caller (core::require_request_object).

  core::call_context context;
  if (!auth.scope.region.empty()) context.region = std::move(auth.scope.region);
  context.caller.access_key_id = std::move(auth.scope.access_key_id);
  context.request_id = to.request_id;
  context.endpoint = endpoint_of(req, to, "http://localhost:4566");
  // success_response only writes the result out with core::append_json.
  context.renders_text = true;
  return call(*service, operation, body, context, to, content_type, channel);
}

response aws_json_front::error_response(const dispatch::service_row& service, const core::aws_error& error,
                                        const reply_to& to, std::string_view content_type) {
  response res = make_response(to, static_cast<bhttp::status>(error.http_status()), content_type,
                               error_body(error, service.error_namespace));
  if (service.query_compatible) {
    const core::error_type& row = core::describe(error.code());
    const std::string_view code = row.query_code.empty() ? row.name : row.query_code;
    const std::string_view fault = error.http_status() >= 500 ? "Receiver" : "Sender";
    res.set("x-amzn-query-error", std::string(code) + ";" + std::string(fault));
  }
  return res;
}

std::optional<response> aws_json_front::call(const dispatch::service_row& service, std::string_view operation,
                                             const nlohmann::json& body, const core::call_context& context,
                                             const reply_to& to, std::string_view content_type,
                                             reply_channel& channel) const {
  std::shared_ptr<deferred_reply> reply = channel.defer();
  // Only a long poll outlives its call(); a server that stops meanwhile answers it with the
  // empty receive the poll would have ended with.
  reply->set_fallback(
      [to, content_type] { return make_response(to, bhttp::status::ok, content_type, "{}"); });
  // The completion may outlive this front (a long poll the service still holds at shutdown): it
  // keeps what it needs. Registry rows live as long as the services.
  const bool no_output =
      std::find(service.operations_without_output.begin(), service.operations_without_output.end(),
                operation) != service.operations_without_output.end();
  services_.call(service, operation, body, context,
                 [reply, to, content_type, no_output, &service](core::call_result result) {
                   // Runs on whichever thread completes the call (this one, for all but a long poll); builds
                   // the response there and leaves the writing to the session's strand.
                   try {
                     if (result.error) {
                       reply->complete(error_response(service, *result.error, to, content_type));
                       return;
                     }
                     reply->complete(success_response(to, content_type, result.body, no_output));
                   } catch (...) {
                     reply->complete(make_response(
                         to, bhttp::status::internal_server_error, content_type,
                         error_body(core::aws_error(error_code::internal_failure, "Internal server error"),
                                    service.error_namespace)));
                   }
                 });
  return reply->take_if_ready();
}

}  // namespace fogbank::http
