#include "router.hpp"

#include "log.hpp"

#include "fogbank/core/ids.hpp"
#include "fogbank/dynamodb/service.hpp"

#include <nlohmann/json.hpp>

#include <exception>

namespace fogbank::http {
namespace {

constexpr std::string_view health_path = "/_fogbank/health";

std::vector<json_service> json_services(const backends& services) {
  std::vector<json_service> table;
  if (services.dynamodb != nullptr) {
    dynamodb::service* dynamodb = services.dynamodb;
    table.push_back(
        {"DynamoDB_20120810.", "com.amazonaws.dynamodb.v20120810",
         [dynamodb](std::string_view operation, const nlohmann::json& body, const call_context& call) {
           dynamodb::request_context context;
           context.region = call.region;
           context.account_id = call.account_id;
           return dynamodb->dispatch(operation, body, context);
         }});
  }
  // Next rows: {"DynamoDBStreams_20120810.", "com.amazonaws.dynamodb.v20120810", streams},
  //            {"AmazonSQS.", "com.amazonaws.sqs", sqs}.
  return table;
}

std::string_view path_of(std::string_view target) noexcept {
  return target.substr(0, target.find('?'));
}

std::string json_message(std::string_view type, std::string_view message) {
  return nlohmann::json{{"__type", type}, {"message", message}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

router::router(backends services) : services_(services), json_(json_services(services)) {}

std::string router::new_request_id() const {
  // DynamoDB's request ids are 52 characters of [0-9A-Z] (dynalite's tests match
  // /^[0-9A-Z]{52}$/ against live responses).
  return services_.ids != nullptr ? services_.ids->upper_alnum(52) : std::string(52, '0');
}

response router::health(const request& req, std::string_view request_id) const {
  nlohmann::json body = {{"status", "running"},
                         {"version", std::string(fogbank_version)},
                         {"services", nlohmann::json::object()}};
  if (services_.dynamodb != nullptr) {
    body["services"]["dynamodb"] = "running";
    body["tables"] = services_.dynamodb->table_count();
  }
  return make_response(req, bhttp::status::ok, plain_json, body.dump(), request_id);
}

response router::route(const request& req, std::string_view request_id) const {
  const std::string_view path = path_of(sv(req.target()));
  if (req.method() == bhttp::verb::get && path == health_path) return health(req, request_id);
  if (req.method() == bhttp::verb::post) {
    // Every API call is a POST; which protocol it speaks is in its headers and body:
    //   X-Amz-Target            -> AWS JSON protocol (DynamoDB; later DynamoDB Streams, SQS JSON)
    //   form body with Action=  -> AWS query protocol (SQS; not yet)
    // DynamoDB ignores the path, so any path reaches the JSON front.
    return json_.handle(req, request_id);
  }
  return make_response(
      req, bhttp::status::not_found, plain_json,
      json_message("NotFound", "fogbank has no resource " + std::string(sv(req.method_string())) + " " +
                                   std::string(path)),
      request_id);
}

response router::handle(const request& req) noexcept {
  try {
    const std::string request_id = new_request_id();
    const bool cors = req.find(bhttp::field::origin) != req.end();
    if (cors && req.method() == bhttp::verb::options) {
      // CORS preflight, answered as DynamoDB answers it (browser SDKs send these).
      response res = make_response(req, bhttp::status::ok, "", "", request_id);
      res.erase(bhttp::field::content_type);
      res.set(bhttp::field::access_control_allow_origin, "*");
      if (auto it = req.find(bhttp::field::access_control_request_headers); it != req.end()) {
        res.set(bhttp::field::access_control_allow_headers, it->value());
      }
      if (auto it = req.find(bhttp::field::access_control_request_method); it != req.end()) {
        res.set(bhttp::field::access_control_allow_methods, it->value());
      }
      res.set(bhttp::field::access_control_max_age, "172800");
      res.set(bhttp::field::access_control_expose_headers, "x-amzn-RequestId,x-amz-crc32");
      return res;
    }
    response res = route(req, request_id);
    if (cors) {
      res.set(bhttp::field::access_control_allow_origin, "*");
      res.set(bhttp::field::access_control_expose_headers, "x-amzn-RequestId,x-amz-crc32");
    }
    return res;
  } catch (const std::exception& e) {
    log_error(std::string("internal error answering a request: ") + e.what());
  } catch (...) {
    log_error("internal error answering a request: unknown exception");
  }
  return bad_request(bhttp::status::internal_server_error);
}

response router::too_large(const request& header) noexcept {
  try {
    request bare;
    bare.version(header.version());
    bare.keep_alive(false);  // the rest of the body is never read: the connection must close
    const std::string_view content_type =
        aws_json_front::response_content_type(sv(header[bhttp::field::content_type]));
    return make_response(
        bare, bhttp::status::payload_too_large, content_type,
        aws_json_front::error_body(
            core::aws_error(core::error_code::request_too_large, "Request entity too large"), ""),
        new_request_id());
  } catch (...) {
    return bad_request(bhttp::status::payload_too_large);
  }
}

response router::bad_request(bhttp::status status) noexcept {
  std::string_view type = "BadRequest";
  if (status == bhttp::status::request_header_fields_too_large) type = "RequestHeaderFieldsTooLarge";
  if (status == bhttp::status::payload_too_large) type = "com.amazon.coral.service#RequestEntityTooLarge";
  if (status == bhttp::status::internal_server_error)
    type = "com.amazonaws.dynamodb.v20120810#InternalServerError";
  // The last resort of handle() too: whatever fails here, a bare status line still goes out.
  response res{status, 11};
  try {
    res.set(bhttp::field::server, "fogbank");
    res.set(bhttp::field::content_type, bsv(plain_json));
    res.body() = json_message(type, sv(bhttp::obsolete_reason(status)));
    res.set("x-amz-crc32", crc32_decimal(res.body()));
    res.set("x-amzn-RequestId", new_request_id());
  } catch (...) {
  }
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

}  // namespace fogbank::http
