#include "router.hpp"

#include "log.hpp"
#include "rest_api_front.hpp"

#include "fogbank/core/json_text.hpp"
#include "fogbank/core/version.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <vector>

namespace fogbank::http {
namespace {

constexpr std::string_view health_path = "/_fogbank/health";
constexpr std::string_view ca_path = "/_fogbank/tls/ca.pem";

std::optional<aws_query_front> query_front(const dispatch::registry& services) {
  std::vector<query_service> fronts;
  for (const dispatch::service_row& row : services.services()) {
    if (!row.query_protocol) continue;
    const query_model::service_model* model = query_model::for_service(row.name);
    if (model == nullptr) throw std::logic_error("no query-protocol model for service " + row.name);
    fronts.push_back(query_service{model, &row, &services});
  }
  if (fronts.empty()) return std::nullopt;
  return aws_query_front(std::move(fronts));
}

std::string_view path_of(std::string_view target) noexcept {
  return target.substr(0, target.find('?'));
}

// A POST that names a JSON-protocol operation in X-Amz-Target: the JSON front's whatever its path
// or body (front_for), so no REST route's body limit or error shape applies to it either.
bool is_json_protocol_call(const request& req) noexcept {
  return req.method() == bhttp::verb::post && find_header(req, "X-Amz-Target").has_value();
}

std::string json_message(std::string_view type, std::string_view message) {
  return core::to_json_text(nlohmann::json{{"__type", type}, {"message", message}});
}

}  // namespace

router::router(const dispatch::registry& services)
    : services_(services), json_(services), rest_(services), query_(query_front(services)) {}

const dispatch::admin_action* router::admin_action_for(const request& req) const noexcept {
  const std::string_view method = sv(req.method_string());
  const std::string_view path = path_of(sv(req.target()));
  for (const dispatch::admin_action& action : services_.admin_actions()) {
    if (action.method == method && action.path == path) return &action;
  }
  return nullptr;
}

router::front router::front_for(const request& req) const noexcept {
  const std::string_view path = path_of(sv(req.target()));
  if (req.method() == bhttp::verb::get && path == health_path) return front::health;
  if (req.method() == bhttp::verb::get && path == ca_path && ca_pem_) return front::tls_ca;
  if (admin_action_for(req) != nullptr) return front::admin;
  // A REST API's invoke URL (/rest/<id>/... or <id>.execute-api.<host>), before the AWS
  // protocols: its paths are the API's own.
  if (rest_api_ != nullptr && is_rest_api_request(req, *rest_api_)) return front::rest_api;
  // X-Amz-Target names a JSON-protocol operation whatever the body looks like.
  if (is_json_protocol_call(req)) return front::json;
  // A REST-JSON route is a method and a path of its own ("/2015-03-31/functions/..."): no other
  // protocol's request has it.
  try {
    if (rest_.find(req)) return front::rest;
  } catch (...) {
    // Out of memory matching a route: the request goes where it would have gone without one.
  }
  if (query_ && aws_query_front::accepts(req)) return front::query;
  // DynamoDB ignores the path and answers any other POST with its own errors.
  if (req.method() == bhttp::verb::post) return front::json;
  return front::not_found;
}

dispatch::request_id_style router::id_style_for(const request& req, front f) const noexcept {
  const dispatch::service_row* row = nullptr;
  if (f == front::query) row = query_->row();
  if (f == front::json) row = json_.service_for(req);
  if (f == front::rest) {
    try {
      if (auto found = rest_.find(req)) row = found->row;
    } catch (...) {
    }
  }
  // API Gateway's request ids are UUIDs.
  if (f == front::rest_api) return dispatch::request_id_style::uuid;
  return row != nullptr ? row->request_ids : dispatch::request_id_style::upper_alnum_52;
}

response router::refuse(const request& req, front f, const reply_to& to,
                        const sigv4::verdict& signature) const {
  using outcome = sigv4::verdict::outcome;
  const outcome result = signature.result;
  const std::string& message = signature.message;
  if (f == front::query) {
    // SQS's and SNS's Common Errors pages: InvalidClientTokenId 403, MissingAuthenticationToken
    // 403, IncompleteSignature 400; a signature that does not match, or is expired, is 403
    // SignatureDoesNotMatch (Sender), whose message quotes what the service computed (boto#1573,
    // aws-sdk-php#642).
    switch (result) {
      case outcome::unknown_key:
        return query_->refuse(req, to, bhttp::status::forbidden, "InvalidClientTokenId", message);
      case outcome::missing:
        return query_->refuse(req, to, bhttp::status::forbidden, "MissingAuthenticationToken", message);
      case outcome::incomplete:
        return query_->refuse(req, to, bhttp::status::bad_request, "IncompleteSignature", message);
      case outcome::mismatch:
        return query_->refuse(
            req, to, bhttp::status::forbidden, "SignatureDoesNotMatch",
            signature.canonical_request.empty()
                ? message
                : message + "\n\nThe Canonical String for this request should have been\n'" +
                      signature.canonical_request + "'\n\nThe String-to-Sign should have been\n'" +
                      signature.string_to_sign + "'\n");
      case outcome::invalid:  // unconfirmed: AWS's code for a malformed scope on the query protocol
      case outcome::expired:
      case outcome::not_yet:
      case outcome::ok:
        break;
    }
    return query_->refuse(req, to, bhttp::status::forbidden, "SignatureDoesNotMatch", message);
  }
  if (f == front::rest) {
    // Lambda's answers (403 and x-amzn-ErrorType; the API Gateway management APIs are assumed to
    // answer alike, unconfirmed).
    switch (result) {
      case outcome::unknown_key:
        return rest_.refuse(req, to, "UnrecognizedClientException", 403, message);
      case outcome::missing:
        return rest_.refuse(req, to, "MissingAuthenticationTokenException", 403,
                            "Missing Authentication Token");
      case outcome::incomplete:
        return rest_.refuse(req, to, "IncompleteSignatureException", 400, message);
      case outcome::mismatch:
      case outcome::invalid:
      case outcome::expired:
      case outcome::not_yet:
      case outcome::ok:
        break;
    }
    return rest_.refuse(req, to, "InvalidSignatureException", 403, message);
  }
  // The JSON protocol. DynamoDB: 400 UnrecognizedClientException or InvalidSignatureException
  // in Coral's namespace (aws-sdk-js#254 for the expired form). SQS and SNS over JSON answer with
  // the query protocol's codes in x-amzn-query-error, where the SDKs read them, and the query
  // protocol's 403 (the body's __type and the status are unconfirmed for JSON).
  const dispatch::service_row* service = json_.service_for(req);
  const bool query_compatible = service != nullptr && service->query_compatible;
  const bool unknown = result == outcome::unknown_key;
  response res =
      make_response(to, query_compatible ? bhttp::status::forbidden : bhttp::status::bad_request,
                    aws_json_front::response_content_type(header_value(req, bhttp::field::content_type)),
                    aws_json_front::protocol_error_body(
                        unknown ? "UnrecognizedClientException" : "InvalidSignatureException", message));
  if (query_compatible) {
    res.set("x-amzn-query-error", unknown ? "InvalidClientTokenId;Sender" : "SignatureDoesNotMatch;Sender");
  }
  return res;
}

response router::health(const reply_to& to) const {
  nlohmann::json body = services_.health();
  body["status"] = "running";
  body["version"] = std::string(core::fogbank_version);
  return make_response(to, bhttp::status::ok, plain_json, body.dump());
}

response router::admin(const request& req, const reply_to& to) const {
  const nlohmann::json body = admin_action_for(req)->run();
  return make_response(to, bhttp::status::ok, plain_json, body.dump());
}

std::optional<sigv4::verdict> router::verify(const request& req) const noexcept {
  if (keys_ == nullptr) return std::nullopt;
  try {
    const front f = front_for(req);
    if (f != front::json && f != front::rest && f != front::query) return std::nullopt;
    // A browser's CORS preflight carries no signature (handle() answers it before the fronts).
    if (req.method() == bhttp::verb::options && find_header(req, bhttp::field::origin).has_value())
      return std::nullopt;
    return sigv4::verify(req, sigv4::sha256_hex(req.body()), *keys_, clock_->now());
  } catch (...) {
    // Out of memory: refused as a signature that does not match, never let through.
    sigv4::verdict refused;
    refused.result = sigv4::verdict::outcome::mismatch;
    refused.message = std::string(sigv4::mismatch_message);
    return refused;
  }
}

std::optional<response> router::handle(const request& req, reply_channel& channel, bool tls,
                                       const sigv4::verdict* signature) noexcept {
  try {
    const front f = front_for(req);
    reply_to to = reply_to_of(req, services_.new_request_id(id_style_for(req, f)));
    to.tls = tls;
    // A REST API answers its own OPTIONS (its methods), as on AWS.
    if (to.cors && req.method() == bhttp::verb::options && f != front::rest_api) {
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
    if (signature != nullptr && signature->result != sigv4::verdict::outcome::ok) {
      // A JSON-protocol request without a complete signature is refused by the front itself,
      // with DynamoDB's messages, whether or not the server verifies signatures.
      const bool front_refuses =
          f == front::json && (signature->result == sigv4::verdict::outcome::missing ||
                               signature->result == sigv4::verdict::outcome::incomplete ||
                               signature->result == sigv4::verdict::outcome::invalid);
      if (!front_refuses) return refuse(req, f, to, *signature);
    }
    switch (f) {
      case front::health:
        return health(to);
      case front::tls_ca:
        // RFC 7468's PEM, as application/x-pem-file (what curl and browsers download it as). Made on
        // first need (server_options::tls_on_demand): empty when it cannot be, and the log says why.
        if (const std::string pem = ca_pem_(); !pem.empty())
          return make_response(to, bhttp::status::ok, "application/x-pem-file", pem);
        return bad_request(bhttp::status::internal_server_error);
      case front::admin:
        return admin(req, to);
      case front::json:
        return json_.handle(req, to, channel);
      case front::rest:
        return rest_.handle(req, to, channel);
      case front::query:
        return query_->handle(req, to, channel);
      case front::rest_api:
        return handle_rest_api(req, to, channel, *rest_api_);
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

std::size_t router::body_limit(const request& header, std::size_t fallback) const noexcept {
  // A POST naming a JSON-protocol operation goes to the JSON front whatever its path (front_for):
  // no REST route's limit applies, and matching the route table on every DynamoDB or SQS call
  // cost 8% of a GetItem's CPU under load (bench/README.md, "The front's fixed costs").
  if (is_json_protocol_call(header)) return fallback;
  try {
    if (auto found = rest_.find(header)) return rest_json_front::body_limit(*found, fallback);
  } catch (...) {
  }
  return fallback;
}

std::size_t router::max_body_limit(std::size_t fallback) const noexcept {
  return std::max(fallback, rest_.max_body_limit());
}

response router::too_large(const request& header, std::size_t limit) noexcept {
  try {
    // As body_limit: the JSON front's shape for a JSON-protocol call, whatever its path.
    if (auto found = is_json_protocol_call(header) ? std::nullopt : rest_.find(header)) {
      reply_to to = reply_to_of(header, services_.new_request_id(found->row->request_ids));
      to.keep_alive = false;  // the rest of the body is never read: the connection must close
      return rest_.too_large(*found, to, limit);
    }
    reply_to to = reply_to_of(header, services_.new_request_id(dispatch::request_id_style::upper_alnum_52));
    to.keep_alive = false;  // the rest of the body is never read: the connection must close
    const std::string_view content_type =
        aws_json_front::response_content_type(header_value(header, bhttp::field::content_type));
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
  if (status == bhttp::status::uri_too_long) type = "URITooLong";
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
    res.set("x-amzn-RequestId", services_.new_request_id(dispatch::request_id_style::upper_alnum_52));
  } catch (...) {
  }
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

}  // namespace fogbank::http
