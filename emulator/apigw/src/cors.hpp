#pragma once
// CORS for HTTP APIs, as the developer guide's "Configuring CORS for an HTTP API" describes it:
// with a CorsConfiguration, API Gateway answers preflight OPTIONS requests itself (whether or not
// an OPTIONS route exists) and adds the configured headers to the integration's responses,
// ignoring any CORS headers the integration returns. Pure functions.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fogbank::apigw {

struct http_api_response;

struct cors_configuration {
  std::vector<std::string> allow_origins;
  std::vector<std::string> allow_methods;
  std::vector<std::string> allow_headers;
  std::vector<std::string> expose_headers;
  std::optional<long long> max_age;
  bool allow_credentials = false;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

// The API's corsConfiguration member (wire shape), or nullopt when absent or null.
std::optional<cors_configuration> cors_from(const nlohmann::json& api);

// The value of header `name` (any case) in `headers`, or nullopt.
std::optional<std::string> header_value(const header_list& headers, std::string_view name);

// Whether a request is a CORS preflight: OPTIONS with Origin and Access-Control-Request-Method.
bool is_preflight(std::string_view method, const header_list& headers);

// API Gateway's answer to a preflight: 204 with the configured CORS headers when the origin is
// allowed (without them when it is not; unconfirmed). The browser compares the method and
// headers it asked for with those allowed.
http_api_response preflight_response(const cors_configuration& cors, const header_list& request_headers);

// Replaces `response`'s CORS headers by the configured ones for a request from an allowed
// Origin; leaves a request without Origin alone.
void add_cors_headers(const cors_configuration& cors, const header_list& request_headers,
                      http_api_response& response);

}  // namespace fogbank::apigw
