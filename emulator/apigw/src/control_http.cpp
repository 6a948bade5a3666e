#include "control_http.hpp"

#include "ids.hpp"

#include "fogbank/core/ids.hpp"

namespace fogbank::apigw::control {
namespace {

// CorsConfiguration (botocore: Cors, with CorsHeaderList/CorsOriginList/CorsMethodList of
// strings, MaxAge an IntegerWithLengthBetweenMinus1And86400, AllowCredentials a boolean).
constexpr std::int64_t max_cors_age = 86'400;
constexpr std::size_t max_cors_list = 100;  // unconfirmed: the model gives no list length

json cors_of(const json& value) {
  if (!value.is_object()) bad_request("Invalid input: corsConfiguration must be an object");  // unconfirmed
  json out = json::object();
  for (const char* list : {"allowHeaders", "allowMethods", "allowOrigins", "exposeHeaders"}) {
    const auto it = value.find(list);
    if (it == value.end() || it->is_null()) continue;
    if (!it->is_array() || it->size() > max_cors_list)
      bad_request(std::string("Invalid input: corsConfiguration.") + list + " must be a list of strings");
    for (const json& item : *it) {
      if (!item.is_string() || item.get_ref<const std::string&>().empty())
        bad_request(std::string("Invalid input: corsConfiguration.") + list + " must be a list of strings");
    }
    out[list] = *it;
  }
  if (const auto it = value.find("maxAge"); it != value.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < -1 || it->get<std::int64_t>() > max_cors_age)
      bad_request("Invalid input: corsConfiguration.maxAge must be between -1 and 86400");
    out["maxAge"] = *it;
  }
  if (const auto it = value.find("allowCredentials"); it != value.end() && !it->is_null()) {
    if (!it->is_boolean()) bad_request("Invalid input: corsConfiguration.allowCredentials must be a boolean");
    out["allowCredentials"] = *it;
  }
  // AWS: "allow-credentials cannot be used with a wildcard origin" (unconfirmed wording).
  if (out.value("allowCredentials", false) && out.contains("allowOrigins")) {
    for (const json& origin : out["allowOrigins"]) {
      if (origin == "*")
        bad_request("Invalid CORS configuration: allowCredentials cannot be used with the wildcard origin *");
    }
  }
  return out;
}

}  // namespace

bool is_http(const json& api) {
  return api.value("protocolType", "") == "HTTP";
}

json new_http_api(const json& request, const std::string& created) {
  json api = {{"apiId", ""},
              {"apiKeySelectionExpression", "$request.header.x-api-key"},
              {"createdDate", created},
              {"disableExecuteApiEndpoint", false},
              {"name", ""},
              {"protocolType", "HTTP"},
              {"routeSelectionExpression", std::string(http_route_selection)}};
  if (auto key = optional_string(request, "routeKey", max_route_key_length)) {
    if (!request.contains("target") || request["target"].is_null())
      bad_request("Invalid input: routeKey is supported only with target (quick create)");  // unconfirmed
    check_http_route_key(*key);
  }
  if (auto target = optional_string(request, "target", max_uri_length)) {
    if (!function_arn_of(*target)) {
      bad_request("Invalid target specified: " + *target +
                  ". fogbank's quick create integrates a Lambda function ARN");  // unconfirmed
    }
  }
  optional_string(request, "credentialsArn", max_uri_length);  // accepted: IAM is not enforced
  apply_http_api_members(api, request);
  return api;
}

void apply_http_api_members(json& api, const json& request) {
  if (auto v = optional_string(request, "routeSelectionExpression", max_uri_length)) {
    if (*v != http_route_selection) {
      bad_request("Invalid route selection expression specified: " + *v + ". HTTP APIs take " +
                  std::string(http_route_selection));  // unconfirmed
    }
  }
  if (auto it = request.find("corsConfiguration"); it != request.end() && !it->is_null()) {
    api["corsConfiguration"] = cors_of(*it);
  }
  // The rest is what WebSocket APIs take too; their HTTP-only check is skipped for HTTP APIs.
  json shared = request;
  for (const char* member :
       {"corsConfiguration", "credentialsArn", "routeKey", "target", "routeSelectionExpression"})
    shared.erase(member);
  apply_api_members(api, shared);
}

void check_http_route_key(const std::string& key) {
  std::string error;
  if (!parse_http_route_key(key, &error)) bad_request(std::move(error));
}

void quick_create(api_record& record, const json& request, core::id_generator& ids, const std::string& now) {
  const std::optional<std::string> target = optional_string(request, "target", max_uri_length);
  if (!target) return;
  const std::string integration_id = new_resource_id(ids);
  record.integrations.push_back({{"connectionType", "INTERNET"},
                                 {"integrationId", integration_id},
                                 {"integrationMethod", "POST"},
                                 {"integrationType", "AWS_PROXY"},
                                 {"integrationUri", *target},
                                 {"payloadFormatVersion", "2.0"},
                                 {"timeoutInMillis", max_http_timeout_ms}});
  const std::string route_key =
      optional_string(request, "routeKey", max_route_key_length).value_or("$default");
  record.routes.push_back({{"apiKeyRequired", false},
                           {"authorizationType", "NONE"},
                           {"routeId", new_resource_id(ids)},
                           {"routeKey", route_key},
                           {"target", "integrations/" + integration_id}});
  record.stages.push_back({{"autoDeploy", true},
                           {"createdDate", now},
                           {"defaultRouteSettings", {{"detailedMetricsEnabled", false}}},
                           {"lastUpdatedDate", now},
                           {"routeSettings", json::object()},
                           {"stageName", "$default"},
                           {"stageVariables", json::object()},
                           {"tags", json::object()}});
}

std::shared_ptr<const http_api> build_http_api(const std::string& api_id, const api_record& record) {
  auto out = std::make_shared<http_api>();
  out->api_id = api_id;
  out->region = record.region;
  out->account_id = record.account_id;
  out->cors = cors_from(record.api);
  for (const json& stage : record.stages) {
    http_api_stage s;
    s.name = stage.value("stageName", "");
    s.stage_variables = stage.value("stageVariables", json::object());
    out->stages.push_back(std::move(s));
  }
  for (const json& route : record.routes) {
    http_api_route r;
    r.route_id = route.value("routeId", "");
    r.route_key = route.value("routeKey", "");
    std::string ignored;
    std::optional<http_route_key> parsed = parse_http_route_key(r.route_key, &ignored);
    if (!parsed) continue;  // stored before validation existed; never matched
    r.parsed = std::move(*parsed);
    const std::string target = route.value("target", "");
    constexpr std::string_view prefix = "integrations/";
    if (target.starts_with(prefix)) {
      const json* integration = find_by(record.integrations, "integrationId", target.substr(prefix.size()));
      if (integration != nullptr) {
        r.function_arn = function_arn_of(integration->value("integrationUri", "")).value_or("");
        r.payload_format_version = integration->value("payloadFormatVersion", "2.0");
        r.timeout = std::chrono::milliseconds(integration->value("timeoutInMillis", max_http_timeout_ms));
      }
    }
    if (route.value("authorizationType", "") == "JWT") {
      if (const json* a = find_by(record.authorizers, "authorizerId", route.value("authorizerId", ""))) {
        http_jwt_authorizer jwt;
        for (const json& s : a->value("identitySource", json::array())) jwt.identity_sources.push_back(s);
        const json config = a->value("jwtConfiguration", json::object());
        jwt.issuer = config.value("issuer", "");
        for (const json& aud : config.value("audience", json::array())) jwt.audience.push_back(aud);
        for (const json& s : route.value("authorizationScopes", json::array())) jwt.route_scopes.push_back(s);
        r.jwt = std::move(jwt);
      }
    }
    out->keys.push_back(r.parsed);
    out->routes.push_back(std::move(r));
  }
  return out;
}

std::string http_api_endpoint(std::string_view endpoint, std::string_view api_id) {
  std::string_view rest = endpoint.empty() ? std::string_view("http://localhost:4566") : endpoint;
  while (rest.ends_with('/')) rest.remove_suffix(1);
  if (!rest.starts_with("http://") && !rest.starts_with("https://"))
    return "http://" + std::string(rest) + "/http/" + std::string(api_id);
  return std::string(rest) + "/http/" + std::string(api_id);
}

}  // namespace fogbank::apigw::control
