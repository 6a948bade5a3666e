#pragma once
// The Lambda proxy events of an HTTP API and the reading of the function's answer, payload
// formats 2.0 (http_api_events.cpp) and 1.0 (http_api_events_v1.cpp), as the developer guide's
// "Working with AWS Lambda proxy integrations for HTTP APIs" shows them. Pure functions: the
// caller passes the request id and the time, so a seeded run builds the same events.

#include "fogbank/apigw/http_api.hpp"
#include "fogbank/core/clock.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fogbank::apigw {

// What an event is built from besides the request.
struct http_event_context {
  std::string_view account_id;
  std::string_view stage;      // "$default" or the stage's name
  std::string_view route_key;  // the matched route's key ("GET /pets/{id}", "$default")
  // 1.0's `resource`: the route's path ("/pets/{id}"), or the request's own path for $default.
  std::string_view resource;
  std::vector<std::pair<std::string, std::string>> path_parameters;
  const nlohmann::json* stage_variables = nullptr;  // an object; empty means none
  std::string_view request_id;
  core::time_point at;
  // requestContext.authorizer from a JWT authorizer ({"jwt": {"claims", "scopes"}}), or nullptr.
  const nlohmann::json* authorizer = nullptr;
};

// The payload format 2.0 event. Header names lowercase, repeated headers comma-joined; Cookie
// headers become `cookies` (one entry per cookie) and leave `headers`; query parameters
// URL-decoded and comma-joined; `queryStringParameters`, `pathParameters`, `stageVariables`,
// `cookies` and `body` absent when there are none. A body that is not UTF-8 text goes as base64
// with isBase64Encoded true.
nlohmann::json payload_v2_event(const http_api_request& request, const http_event_context& context);

// The payload format 1.0 event (REST API's proxy event with "version": "1.0").
nlohmann::json payload_v1_event(const http_api_request& request, const http_event_context& context);

// The HTTP response a 2.0 function answer gives, or nullopt when it is malformed (API Gateway
// then answers 500). `result` is the function's return value as JSON. A result without
// statusCode is the body itself ("Hello" -> Hello, {"a":1} -> {"a":1}), 200, application/json.
std::optional<http_api_response> response_from_v2(const nlohmann::json& result);

// The same for 1.0, where statusCode is required (nothing is inferred).
std::optional<http_api_response> response_from_v1(const nlohmann::json& result);

// API Gateway's own error answers: {"message": `message`} with `status`.
http_api_response error_response(int status, std::string_view message);

}  // namespace fogbank::apigw

namespace fogbank::apigw::http_events {
// Shared by both formats (and core::query_pairs, for the query string).
// The request's body as the event carries it: {text, false}, or {base64, true} for a body that
// is not UTF-8 text or whose Content-Type is a binary one.
std::pair<std::string, bool> event_body(const http_api_request& request);
// The headers with X-Forwarded-For/-Port/-Proto added where the client sent none (API Gateway
// adds them; so does the WebSocket side).
std::vector<std::pair<std::string, std::string>> forwarded_headers(const http_api_request& request);
// A header value of a response: strings as they are, numbers and booleans as their JSON text;
// nullopt for anything else.
std::optional<std::string> header_text(const nlohmann::json& value);
// The body of a structured answer: nullopt when `body` is neither absent, null nor a string, or
// isBase64Encoded is set and it is not base64.
std::optional<std::string> answer_body(const nlohmann::json& result);
}  // namespace fogbank::apigw::http_events
