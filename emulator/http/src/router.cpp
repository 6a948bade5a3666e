#include "router.hpp"

#include "log.hpp"

#include "fogbank/core/ids.hpp"
#include "fogbank/dynamodb/service.hpp"
#include "fogbank/dynamodb/streams.hpp"
#include "fogbank/sqs/service.hpp"

#include <nlohmann/json.hpp>

#include <exception>

namespace fogbank::http {
namespace {

constexpr std::string_view health_path = "/_fogbank/health";
// Runs the DynamoDB TTL sweep now, so that tests never wait for the periodic one.
constexpr std::string_view expire_path = "/_fogbank/dynamodb/expire";

constexpr std::string_view sqs_target_prefix = "AmazonSQS.";

// SQS through either protocol: the call in the JSON protocol's shapes, answered now or, for a
// long poll, later.
async_dispatch sqs_dispatch(sqs::service* sqs) {
  return [sqs](std::string_view operation, const nlohmann::json& request, const call_context& call,
               call_done done) {
    sqs::request_context context;
    context.region = call.region;
    context.account_id = call.account_id;
    context.endpoint = call.endpoint;
    sqs->dispatch(operation, request, context, [done = std::move(done)](sqs::result outcome) {
      done(call_result{std::move(outcome.body), std::move(outcome.error)});
    });
  };
}

// A synchronous dispatch into DynamoDB or DynamoDB Streams, which share the request context.
template <typename Service>
auto dynamodb_dispatch(Service* service) {
  return [service](std::string_view operation, const nlohmann::json& body, const call_context& call) {
    dynamodb::request_context context;
    context.region = call.region;
    context.account_id = call.account_id;
    return service->dispatch(operation, body, context);
  };
}

std::vector<json_service> json_services(const backends& services) {
  std::vector<json_service> table;
  if (services.dynamodb != nullptr) {
    table.push_back(
        {"DynamoDB_20120810.", "com.amazonaws.dynamodb.v20120810", dynamodb_dispatch(services.dynamodb)});
  }
  if (services.sqs != nullptr) {
    json_service sqs;
    sqs.target_prefix = std::string(sqs_target_prefix);
    sqs.error_namespace = "com.amazonaws.sqs";
    sqs.dispatch_async = sqs_dispatch(services.sqs);
    sqs.query_compatible = true;
    table.push_back(std::move(sqs));
  }
  if (services.dynamodb_streams != nullptr) {
    table.push_back({"DynamoDBStreams_20120810.", "com.amazonaws.dynamodb.v20120810",
                     dynamodb_dispatch(services.dynamodb_streams)});
  }
  return table;
}

std::optional<aws_query_front> query_front(const backends& services) {
  if (services.sqs == nullptr) return std::nullopt;
  return aws_query_front(query_service{&query_model::sqs(), sqs_dispatch(services.sqs)});
}

std::string_view path_of(std::string_view target) noexcept {
  return target.substr(0, target.find('?'));
}

std::string json_message(std::string_view type, std::string_view message) {
  return nlohmann::json{{"__type", type}, {"message", message}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

router::router(backends services)
    : services_(services), json_(json_services(services)), query_(query_front(services)) {}

std::string router::new_request_id(bool sqs) const {
  if (services_.ids == nullptr) return sqs ? "00000000-0000-0000-0000-000000000000" : std::string(52, '0');
  // SQS's request ids are UUIDs. DynamoDB's are 52 characters of [0-9A-Z] (dynalite's tests
  // match /^[0-9A-Z]{52}$/ against live responses).
  return sqs ? services_.ids->uuid() : services_.ids->upper_alnum(52);
}

router::front router::front_for(const request& req) const noexcept {
  const std::string_view path = path_of(sv(req.target()));
  if (req.method() == bhttp::verb::get && path == health_path) return front::health;
  if (req.method() == bhttp::verb::post && path == expire_path && services_.dynamodb != nullptr)
    return front::expire;
  // X-Amz-Target names a JSON-protocol operation whatever the body looks like.
  if (req.method() == bhttp::verb::post && req.find("X-Amz-Target") != req.end()) return front::json;
  if (query_ && aws_query_front::accepts(req)) return front::query;
  // DynamoDB ignores the path and answers any other POST with its own errors.
  if (req.method() == bhttp::verb::post) return front::json;
  return front::not_found;
}

bool router::is_sqs(const request& req, front f) const noexcept {
  if (f == front::query) return true;
  if (f != front::json) return false;
  const std::string_view target = sv(req["X-Amz-Target"]);
  return target.substr(0, sqs_target_prefix.size()) == sqs_target_prefix;
}

response router::health(const reply_to& to) const {
  nlohmann::json body = {{"status", "running"},
                         {"version", std::string(fogbank_version)},
                         {"services", nlohmann::json::object()}};
  if (services_.dynamodb != nullptr) {
    body["services"]["dynamodb"] = "running";
    body["tables"] = services_.dynamodb->table_count();
  }
  if (services_.sqs != nullptr) {
    body["services"]["sqs"] = "running";
    body["queues"] = services_.sqs->queue_count();
  }
  return make_response(to, bhttp::status::ok, plain_json, body.dump());
}

response router::expire(const reply_to& to) const {
  const nlohmann::json body = {{"expired", services_.dynamodb->expire_now()}};
  return make_response(to, bhttp::status::ok, plain_json, body.dump());
}

std::optional<response> router::handle(const request& req, reply_channel& channel) noexcept {
  try {
    const front f = front_for(req);
    const reply_to to = reply_to_of(req, new_request_id(is_sqs(req, f)));
    if (to.cors && req.method() == bhttp::verb::options) {
      // CORS preflight, answered as DynamoDB answers it (browser SDKs send these).
      response res = make_response(to, bhttp::status::ok, "", "");
      res.erase(bhttp::field::content_type);
      if (auto it = req.find(bhttp::field::access_control_request_headers); it != req.end()) {
        res.set(bhttp::field::access_control_allow_headers, it->value());
      }
      if (auto it = req.find(bhttp::field::access_control_request_method); it != req.end()) {
        res.set(bhttp::field::access_control_allow_methods, it->value());
      }
      res.set(bhttp::field::access_control_max_age, "172800");
      return res;
    }
    switch (f) {
      case front::health:
        return health(to);
      case front::expire:
        return expire(to);
      case front::json:
        return json_.handle(req, to, channel);
      case front::query:
        return query_->handle(req, to, channel);
      case front::not_found:
        break;
    }
    return make_response(
        to, bhttp::status::not_found, plain_json,
        json_message("NotFound", "fogbank has no resource " + std::string(sv(req.method_string())) + " " +
                                     std::string(path_of(sv(req.target())))));
  } catch (const std::exception& e) {
    log_error(std::string("internal error answering a request: ") + e.what());
  } catch (...) {
    log_error("internal error answering a request: unknown exception");
  }
  return bad_request(bhttp::status::internal_server_error);
}

response router::too_large(const request& header) noexcept {
  try {
    reply_to to = reply_to_of(header, new_request_id(false));
    to.keep_alive = false;  // the rest of the body is never read: the connection must close
    const std::string_view content_type =
        aws_json_front::response_content_type(sv(header[bhttp::field::content_type]));
    return make_response(
        to, bhttp::status::payload_too_large, content_type,
        aws_json_front::error_body(
            core::aws_error(core::error_code::request_too_large, "Request entity too large"), ""));
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
    res.set("x-amzn-RequestId", new_request_id(false));
  } catch (...) {
  }
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

}  // namespace fogbank::http
