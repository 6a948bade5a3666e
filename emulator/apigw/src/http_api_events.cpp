#include "http_api_events.hpp"

#include "cors.hpp"
#include "events.hpp"
#include "utf8.hpp"

#include "fogbank/core/encoding.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

namespace fogbank::apigw {
namespace {

using json = nlohmann::json;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

// "Header" values joined by commas in the order sent, in a map keyed by `key_of(name)`.
template <typename KeyOf>
json comma_joined(const std::vector<std::pair<std::string, std::string>>& pairs, KeyOf key_of) {
  json out = json::object();
  for (const auto& [name, value] : pairs) {
    const std::string key = key_of(name);
    if (out.contains(key)) {
      out[key] = out[key].get<std::string>() + "," + value;
    } else {
      out[key] = value;
    }
  }
  return out;
}

std::string domain_prefix(std::string_view domain) {
  const std::size_t end = domain.find_first_of(".:");
  return std::string(domain.substr(0, end));
}

std::int64_t epoch_millis(core::time_point at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

}  // namespace

namespace http_events {

std::pair<std::string, bool> event_body(const http_api_request& request) {
  // API Gateway base64-encodes bodies it does not take for text (unconfirmed: its exact list of
  // text media types is not published; these are the binary families).
  const std::string type = lower(header_value(request.headers, "Content-Type").value_or(""));
  const bool binary_type = type.starts_with("application/octet-stream") || type.starts_with("image/") ||
                           type.starts_with("audio/") || type.starts_with("video/") ||
                           type.starts_with("application/zip") || type.starts_with("application/pdf");
  if (binary_type || !valid_utf8(request.body)) return {core::base64_encode(request.body), true};
  return {request.body, false};
}

std::vector<std::pair<std::string, std::string>> forwarded_headers(const http_api_request& request) {
  std::vector<std::pair<std::string, std::string>> out = request.headers;
  if (!header_value(out, "X-Forwarded-For")) out.emplace_back("X-Forwarded-For", request.source_ip);
  if (!header_value(out, "X-Forwarded-Port") && !request.port.empty())
    out.emplace_back("X-Forwarded-Port", request.port);
  if (!header_value(out, "X-Forwarded-Proto"))
    out.emplace_back("X-Forwarded-Proto", request.tls ? "https" : "http");
  return out;
}

std::optional<std::string> header_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  return std::nullopt;
}

std::optional<std::string> answer_body(const json& result) {
  const auto body = result.find("body");
  if (body == result.end() || body->is_null()) return std::string();
  // unconfirmed: a body that is not a string is taken as malformed.
  if (!body->is_string()) return std::nullopt;
  const auto base64 = result.find("isBase64Encoded");
  if (base64 != result.end() && base64->is_boolean() && base64->get<bool>()) {
    return core::base64_decode(body->get<std::string>());
  }
  return body->get<std::string>();
}

}  // namespace http_events

json payload_v2_event(const http_api_request& request, const http_event_context& context) {
  std::vector<std::pair<std::string, std::string>> headers;
  json cookies = json::array();
  for (const auto& [name, value] : http_events::forwarded_headers(request)) {
    if (lower(name) != "cookie") {
      headers.emplace_back(name, value);
      continue;
    }
    // One entry per cookie, as captured events show them ("cookies": ["a=1", "b=2"]).
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t semi = rest.find(';');
      std::string cookie = trimmed(rest.substr(0, semi));
      if (!cookie.empty()) cookies.push_back(std::move(cookie));
      if (semi == std::string_view::npos) break;
      rest.remove_prefix(semi + 1);
    }
  }
  // rawPath and http.path carry the stage for a named stage ("/prod/pets"), as on AWS.
  const std::string& raw_path = request.path;
  json event = {{"version", "2.0"},
                {"routeKey", context.route_key},
                {"rawPath", raw_path},
                {"rawQueryString", request.query}};
  if (!cookies.empty()) event["cookies"] = std::move(cookies);
  event["headers"] = comma_joined(headers, lower);
  if (!request.query.empty()) {
    event["queryStringParameters"] =
        comma_joined(core::query_pairs(request.query), [](const std::string& n) { return n; });
  }
  const std::string user_agent = header_value(request.headers, "User-Agent").value_or("");
  event["requestContext"] = {{"accountId", context.account_id},
                             {"apiId", request.api_id},
                             {"domainName", request.domain_name},
                             {"domainPrefix", domain_prefix(request.domain_name)},
                             {"http",
                              {{"method", request.method},
                               {"path", raw_path},
                               {"protocol", request.protocol},
                               {"sourceIp", request.source_ip},
                               {"userAgent", user_agent}}},
                             {"requestId", context.request_id},
                             {"routeKey", context.route_key},
                             {"stage", context.stage},
                             {"time", format_request_time(context.at)},
                             {"timeEpoch", epoch_millis(context.at)}};
  if (context.authorizer != nullptr) event["requestContext"]["authorizer"] = *context.authorizer;
  auto [body, base64] = http_events::event_body(request);
  if (!request.body.empty()) event["body"] = std::move(body);
  if (!context.path_parameters.empty()) {
    json parameters = json::object();
    for (const auto& [name, value] : context.path_parameters) parameters[name] = value;
    event["pathParameters"] = std::move(parameters);
  }
  event["isBase64Encoded"] = base64;
  if (context.stage_variables != nullptr && context.stage_variables->is_object() &&
      !context.stage_variables->empty()) {
    event["stageVariables"] = *context.stage_variables;
  }
  return event;
}

std::optional<http_api_response> response_from_v2(const json& result) {
  http_api_response out;
  if (!result.is_object() || !result.contains("statusCode")) {
    // "If your Lambda function returns valid JSON and doesn't return a statusCode": 200,
    // application/json, the result as the body (a string as itself).
    out.headers.emplace_back("content-type", "application/json");
    out.body = result.is_string() ? result.get<std::string>() : result.dump();
    return out;
  }
  const json& status = result["statusCode"];
  if (!status.is_number_integer()) return std::nullopt;  // unconfirmed: "200" as text is refused
  const auto code = status.get<std::int64_t>();
  if (code < 100 || code > 599) return std::nullopt;
  out.status = static_cast<int>(code);
  if (const auto headers = result.find("headers"); headers != result.end() && !headers->is_null()) {
    if (!headers->is_object()) return std::nullopt;
    for (const auto& [name, value] : headers->items()) {
      std::optional<std::string> text = http_events::header_text(value);
      if (!text) return std::nullopt;
      out.headers.emplace_back(name, std::move(*text));
    }
  }
  if (const auto cookies = result.find("cookies"); cookies != result.end() && !cookies->is_null()) {
    if (!cookies->is_array()) return std::nullopt;
    // "In the response to the client, each cookie becomes a set-cookie header."
    for (const json& cookie : *cookies) {
      if (!cookie.is_string()) return std::nullopt;
      out.headers.emplace_back("set-cookie", cookie.get<std::string>());
    }
  }
  std::optional<std::string> body = http_events::answer_body(result);
  if (!body) return std::nullopt;
  out.body = std::move(*body);
  return out;
}

http_api_response error_response(int status, std::string_view message) {
  http_api_response out;
  out.status = status;
  out.headers.emplace_back("content-type", "application/json");
  out.body = json{{"message", message}}.dump();
  return out;
}

}  // namespace fogbank::apigw
