#include "cors.hpp"

#include "fogbank/apigw/http_api.hpp"

#include <algorithm>
#include <cctype>

namespace fogbank::apigw {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::vector<std::string> strings_of(const nlohmann::json& cors, const char* member) {
  std::vector<std::string> out;
  const auto it = cors.find(member);
  if (it == cors.end() || !it->is_array()) return out;
  for (const auto& value : *it) {
    if (value.is_string()) out.push_back(value.get<std::string>());
  }
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& item) { return same_name(item, value); });
}

std::string joined(const std::vector<std::string>& list) {
  std::string out;
  for (const std::string& item : list) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

// The Access-Control-Allow-Origin value for `origin`, or nullopt when it is not allowed. With
// credentials a browser refuses "*", so the origin itself is echoed then (unconfirmed).
std::optional<std::string> allowed_origin(const cors_configuration& cors, std::string_view origin) {
  if (contains(cors.allow_origins, "*"))
    return cors.allow_credentials ? std::string(origin) : std::string("*");
  if (contains(cors.allow_origins, origin)) return std::string(origin);
  return std::nullopt;
}

void erase_cors_headers(header_list& headers) {
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [](const auto& h) {
                                 std::string lower = h.first;
                                 for (char& c : lower)
                                   c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                                 return lower.starts_with("access-control-");
                               }),
                headers.end());
}

}  // namespace

std::optional<cors_configuration> cors_from(const nlohmann::json& api) {
  const auto it = api.find("corsConfiguration");
  if (it == api.end() || !it->is_object()) return std::nullopt;
  cors_configuration out;
  out.allow_origins = strings_of(*it, "allowOrigins");
  out.allow_methods = strings_of(*it, "allowMethods");
  out.allow_headers = strings_of(*it, "allowHeaders");
  out.expose_headers = strings_of(*it, "exposeHeaders");
  if (const auto age = it->find("maxAge"); age != it->end() && age->is_number_integer())
    out.max_age = age->get<long long>();
  if (const auto cred = it->find("allowCredentials"); cred != it->end() && cred->is_boolean())
    out.allow_credentials = cred->get<bool>();
  return out;
}

std::optional<std::string> header_value(const header_list& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (same_name(key, name)) return value;
  }
  return std::nullopt;
}

bool is_preflight(std::string_view method, const header_list& headers) {
  return method == "OPTIONS" && header_value(headers, "Origin") &&
         header_value(headers, "Access-Control-Request-Method");
}

http_api_response preflight_response(const cors_configuration& cors, const header_list& request_headers) {
  http_api_response out;
  out.status = 204;
  const std::string origin = header_value(request_headers, "Origin").value_or("");
  const std::string method = header_value(request_headers, "Access-Control-Request-Method").value_or("");
  const std::optional<std::string> allow_origin = allowed_origin(cors, origin);
  if (!allow_origin) return out;
  out.headers.emplace_back("access-control-allow-origin", *allow_origin);
  // "*" allows whatever was asked for: echo it (browsers refuse "*" with credentials). Without
  // allowMethods (SAM's `CorsConfiguration: true` sets only AllowOrigins) none is named, and the
  // browser allows the simple methods only (unconfirmed).
  if (contains(cors.allow_methods, "*")) {
    out.headers.emplace_back("access-control-allow-methods", method);
  } else if (!cors.allow_methods.empty()) {
    out.headers.emplace_back("access-control-allow-methods", joined(cors.allow_methods));
  }
  const std::optional<std::string> asked = header_value(request_headers, "Access-Control-Request-Headers");
  if (contains(cors.allow_headers, "*")) {
    if (asked) out.headers.emplace_back("access-control-allow-headers", *asked);
  } else if (!cors.allow_headers.empty()) {
    out.headers.emplace_back("access-control-allow-headers", joined(cors.allow_headers));
  }
  if (cors.max_age) out.headers.emplace_back("access-control-max-age", std::to_string(*cors.max_age));
  if (cors.allow_credentials) out.headers.emplace_back("access-control-allow-credentials", "true");
  return out;
}

void add_cors_headers(const cors_configuration& cors, const header_list& request_headers,
                      http_api_response& response) {
  const std::optional<std::string> origin = header_value(request_headers, "Origin");
  if (!origin) return;
  // "API Gateway ignores CORS headers returned from your backend integration."
  erase_cors_headers(response.headers);
  const std::optional<std::string> allow_origin = allowed_origin(cors, *origin);
  if (!allow_origin) return;
  response.headers.emplace_back("access-control-allow-origin", *allow_origin);
  if (cors.allow_credentials) response.headers.emplace_back("access-control-allow-credentials", "true");
  if (!cors.expose_headers.empty())
    response.headers.emplace_back("access-control-expose-headers", joined(cors.expose_headers));
}

}  // namespace fogbank::apigw
