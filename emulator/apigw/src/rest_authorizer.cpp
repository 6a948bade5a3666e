#include "rest_authorizer.hpp"

#include "rest_records.hpp"

namespace fogbank::apigw::rest {
namespace {

using json = nlohmann::json;

// "method.request.header.X" -> "route.request.header.X", the spelling authorizer.hpp reads.
std::string as_route_source(std::string_view source) {
  constexpr std::string_view prefix = "method.request.";
  if (source.starts_with(prefix)) return "route.request." + std::string(source.substr(prefix.size()));
  return std::string(source);
}

}  // namespace

std::string method_arn(const rest_api_view& api, std::string_view stage, std::string_view http_method,
                       std::string_view path) {
  if (path.starts_with('/')) path.remove_prefix(1);
  std::string out = "arn:aws:execute-api:";
  out.append(api.region).append(":").append(api.account_id).append(":").append(api.api_id);
  out.append("/").append(stage).append("/").append(http_method).append("/").append(path);
  return out;
}

std::optional<json> authorizer_event(const rest_authorizer& authorizer, const rest_request& request,
                                     const json& proxy_event, const std::string& method_arn) {
  if (authorizer.type == "TOKEN") {
    const std::string token = identity_source_value("route.request.header." + authorizer.identity_header,
                                                    request.headers, request.query);
    if (token.empty()) return std::nullopt;
    return json{{"type", "TOKEN"}, {"authorizationToken", token}, {"methodArn", method_arn}};
  }
  std::vector<std::string> sources;
  for (const std::string& s : authorizer.identity_sources) sources.push_back(as_route_source(s));
  if (!missing_identity_source(sources, request.headers, request.query).empty()) return std::nullopt;
  json event = {{"type", "REQUEST"}, {"methodArn", method_arn}};
  for (const char* member :
       {"resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
        "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext"}) {
    if (const auto it = proxy_event.find(member); it != proxy_event.end()) event[member] = *it;
  }
  return event;
}

rest_response refusal(const authorizer_decision& decision) {
  if (decision.status == 401) return unauthorized();
  if (decision.status == 403) {
    return gateway_error(
        403, "AccessDeniedException",
        R"({"Message":"User is not authorized to access this resource with an explicit deny"})");
  }
  return gateway_error(500, "AuthorizerConfigurationException", R"({"message": null})");
}

}  // namespace fogbank::apigw::rest
