// Payload format 1.0 of HTTP APIs, apart from REST APIs' own proxy events (which the REST API code
// builds): the developer guide's 1.0 example for HTTP APIs, member by member.

#include "http_api_events.hpp"

#include "fogbank/core/encoding.hpp"

#include "cors.hpp"
#include "events.hpp"

#include <chrono>

namespace fogbank::apigw {
namespace {

using json = nlohmann::json;

// Single- and multi-value maps of `pairs`; the single-value one keeps the last value.
std::pair<json, json> value_maps(const std::vector<std::pair<std::string, std::string>>& pairs) {
  json single = json::object();
  json multi = json::object();
  for (const auto& [name, value] : pairs) {
    single[name] = value;
    if (!multi.contains(name)) multi[name] = json::array();
    multi[name].push_back(value);
  }
  return {std::move(single), std::move(multi)};
}

}  // namespace

json payload_v1_event(const http_api_request& request, const http_event_context& context) {
  auto [headers, multi_headers] = value_maps(http_events::forwarded_headers(request));
  json event = {{"version", "1.0"},
                {"resource", context.resource},
                {"path", request.path},
                {"httpMethod", request.method},
                {"headers", std::move(headers)},
                {"multiValueHeaders", std::move(multi_headers)}};
  if (request.query.empty()) {
    event["queryStringParameters"] = nullptr;
    event["multiValueQueryStringParameters"] = nullptr;
  } else {
    auto [query, multi_query] = value_maps(core::query_pairs(request.query));
    event["queryStringParameters"] = std::move(query);
    event["multiValueQueryStringParameters"] = std::move(multi_query);
  }
  const std::string user_agent = header_value(request.headers, "User-Agent").value_or("");
  const std::size_t prefix_end = request.domain_name.find_first_of(".:");
  const std::int64_t epoch =
      std::chrono::duration_cast<std::chrono::milliseconds>(context.at.time_since_epoch()).count();
  json identity = {{"accessKey", nullptr},
                   {"accountId", nullptr},
                   {"caller", nullptr},
                   {"cognitoAuthenticationProvider", nullptr},
                   {"cognitoAuthenticationType", nullptr},
                   {"cognitoIdentityId", nullptr},
                   {"cognitoIdentityPoolId", nullptr},
                   {"principalOrgId", nullptr},
                   {"sourceIp", request.source_ip},
                   {"user", nullptr},
                   {"userAgent", user_agent},
                   {"userArn", nullptr}};
  event["requestContext"] = {
      {"accountId", context.account_id},
      {"apiId", request.api_id},
      {"authorizer", context.authorizer != nullptr ? json((*context.authorizer)["jwt"])
                                                   : json{{"claims", nullptr}, {"scopes", nullptr}}},
      {"domainName", request.domain_name},
      {"domainPrefix", request.domain_name.substr(0, prefix_end)},
      {"extendedRequestId", context.request_id},
      {"httpMethod", request.method},
      {"identity", std::move(identity)},
      {"path", request.path},
      {"protocol", request.protocol},
      {"requestId", context.request_id},
      {"requestTime", format_request_time(context.at)},
      {"requestTimeEpoch", epoch},
      {"resourceId", context.route_key},
      {"resourcePath", context.resource},
      {"stage", context.stage}};
  if (context.path_parameters.empty()) {
    event["pathParameters"] = nullptr;
  } else {
    json parameters = json::object();
    for (const auto& [name, value] : context.path_parameters) parameters[name] = value;
    event["pathParameters"] = std::move(parameters);
  }
  const bool has_variables = context.stage_variables != nullptr && context.stage_variables->is_object() &&
                             !context.stage_variables->empty();
  event["stageVariables"] = has_variables ? *context.stage_variables : json(nullptr);
  auto [body, base64] = http_events::event_body(request);
  event["body"] = request.body.empty() ? json(nullptr) : json(std::move(body));
  event["isBase64Encoded"] = base64;
  return event;
}

std::optional<http_api_response> response_from_v1(const json& result) {
  // "API Gateway doesn't make assumptions of the response and returns a 500 error."
  if (!result.is_object() || !result.contains("statusCode")) return std::nullopt;
  const json& status = result["statusCode"];
  if (!status.is_number_integer()) return std::nullopt;
  const auto code = status.get<std::int64_t>();
  if (code < 100 || code > 599) return std::nullopt;
  http_api_response out;
  out.status = static_cast<int>(code);
  std::vector<std::string> multi_names;
  if (const auto multi = result.find("multiValueHeaders"); multi != result.end() && !multi->is_null()) {
    if (!multi->is_object()) return std::nullopt;
    for (const auto& [name, values] : multi->items()) {
      if (!values.is_array()) return std::nullopt;
      for (const json& value : values) {
        std::optional<std::string> text = http_events::header_text(value);
        if (!text) return std::nullopt;
        out.headers.emplace_back(name, std::move(*text));
      }
      multi_names.push_back(name);
    }
  }
  if (const auto headers = result.find("headers"); headers != result.end() && !headers->is_null()) {
    if (!headers->is_object()) return std::nullopt;
    for (const auto& [name, value] : headers->items()) {
      std::optional<std::string> text = http_events::header_text(value);
      if (!text) return std::nullopt;
      // A header in both maps goes out once, from multiValueHeaders (unconfirmed).
      bool listed = false;
      for (const std::string& n : multi_names) listed = listed || n == name;
      if (!listed) out.headers.emplace_back(name, std::move(*text));
    }
  }
  std::optional<std::string> body = http_events::answer_body(result);
  if (!body) return std::nullopt;
  out.body = std::move(*body);
  return out;
}

}  // namespace fogbank::apigw
