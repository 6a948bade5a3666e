// apigatewayv2 authorizers (authorizer_control.hpp). Wording marked unconfirmed is fogbank's own.

#include "authorizer_control.hpp"

#include "control_http.hpp"
#include "ids.hpp"

namespace fogbank::apigw::control {
namespace {

// A WebSocket REQUEST authorizer's identity sources ("route.request.header.Auth",
// "route.request.querystring.token", developer guide "Control access to WebSocket APIs with AWS
// Lambda REQUEST authorizers"); an HTTP API's ("$request.header.Authorization" for JWT
// authorizers, API reference "Authorizer": identitySource). stageVariables and context sources
// are accepted and never missing (fogbank checks only request members).
bool valid_identity_source(std::string_view source, bool http) {
  if (http) {
    return (source.starts_with("$request.header.") && source.size() > 16) ||
           (source.starts_with("$request.querystring.") && source.size() > 21) ||
           source.starts_with("$context.") || source.starts_with("$stageVariables.");
  }
  return (source.starts_with("route.request.header.") && source.size() > 21) ||
         (source.starts_with("route.request.querystring.") && source.size() > 26) ||
         source.starts_with("context.") || source.starts_with("stageVariables.");
}

json& authorizer_of(api_record& record, const json& request) {
  const std::string id = required_string(request, "authorizerId", max_name_length);
  json* found = find_by(record.authorizers, "authorizerId", id);
  if (found == nullptr) not_found("Invalid Authorizer identifier specified " + id);  // moto's wording
  return *found;
}

void apply_authorizer_members(json& authorizer, const json& request, bool http) {
  if (auto v = optional_string(request, "name", max_name_length)) {
    if (v->empty()) bad_request("Invalid input: name must not be empty");  // unconfirmed
    authorizer["name"] = *v;
  }
  if (auto v = optional_string(request, "authorizerType", 16)) {
    if (*v != "REQUEST" && *v != "JWT")
      bad_request("Invalid authorizer type specified: " + *v +
                  ". Must be one of [REQUEST, JWT]");  // unconfirmed
    authorizer["authorizerType"] = *v;
  }
  if (auto v = optional_string(request, "authorizerUri", max_uri_length)) {
    if (!function_arn_of(*v))
      bad_request("Invalid authorizer URI specified: " + *v + ". It names a Lambda function");  // unconfirmed
    authorizer["authorizerUri"] = *v;
  }
  if (const auto it = request.find("identitySource"); it != request.end() && !it->is_null()) {
    if (!it->is_array() || it->size() > max_identity_sources)
      bad_request("Invalid input: identitySource must be a list of at most " +
                  std::to_string(max_identity_sources) + " strings");  // unconfirmed
    for (const json& source : *it) {
      if (!source.is_string() || !valid_identity_source(source.get_ref<const std::string&>(), http))
        bad_request("Invalid identity source specified: " +
                    (source.is_string() ? source.get<std::string>() : source.dump()));  // unconfirmed
    }
    authorizer["identitySource"] = *it;
  }
  if (auto v = optional_string(request, "identityValidationExpression", max_uri_length))
    authorizer["identityValidationExpression"] = *v;
  if (auto v = optional_string(request, "authorizerCredentialsArn", max_uri_length))
    authorizer["authorizerCredentialsArn"] = *v;
  if (auto v = optional_string(request, "authorizerPayloadFormatVersion", 8)) {
    if (*v != "1.0" && *v != "2.0")
      bad_request("Invalid authorizer payload format version specified: " + *v);  // unconfirmed
    authorizer["authorizerPayloadFormatVersion"] = *v;
  }
  if (auto v = optional_bool(request, "enableSimpleResponses")) authorizer["enableSimpleResponses"] = *v;
  if (const auto it = request.find("authorizerResultTtlInSeconds"); it != request.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0 ||
        it->get<std::int64_t>() > max_authorizer_ttl_seconds)
      bad_request("Invalid input: authorizerResultTtlInSeconds must be between 0 and 3600");  // unconfirmed
    authorizer["authorizerResultTtlInSeconds"] = it->get<std::int64_t>();
  }
  if (const auto it = request.find("jwtConfiguration"); it != request.end() && !it->is_null()) {
    if (!it->is_object()) bad_request("Invalid input: jwtConfiguration must be an object");  // unconfirmed
    json config = json::object();
    if (auto issuer = optional_string(*it, "issuer", max_uri_length)) config["issuer"] = *issuer;
    if (const auto audience = it->find("audience"); audience != it->end() && !audience->is_null()) {
      if (!audience->is_array()) bad_request("Invalid input: jwtConfiguration.audience must be a list");
      for (const json& a : *audience)
        if (!a.is_string()) bad_request("Invalid input: jwtConfiguration.audience must be a list of strings");
      config["audience"] = *audience;
    }
    authorizer["jwtConfiguration"] = std::move(config);
  }
}

// What must hold once members are applied: the kinds fogbank runs, with what they need.
void check_authorizer(const json& authorizer, bool http) {
  const std::string type = authorizer.value("authorizerType", "");
  const bool has_sources = authorizer.contains("identitySource") && !authorizer["identitySource"].empty();
  if (type == "REQUEST") {
    if (http)
      bad_request(
          "fogbank runs Lambda REQUEST authorizers on WebSocket APIs only; HTTP APIs take JWT authorizers");
    if (!authorizer.contains("authorizerUri"))
      bad_request("Invalid input: authorizerUri is required for a REQUEST authorizer");  // unconfirmed
    if (!has_sources)
      bad_request("Invalid input: identitySource is required for a REQUEST authorizer");  // unconfirmed
  } else {
    // "JWT: Uses JSON Web Tokens. Supported only for HTTP APIs." (API reference, authorizerType)
    if (!http) bad_request("Invalid authorizer type specified: JWT. Supported only for HTTP APIs");
    if (!authorizer.contains("jwtConfiguration") || !authorizer["jwtConfiguration"].contains("issuer"))
      bad_request("Invalid input: jwtConfiguration.issuer is required for a JWT authorizer");  // unconfirmed
    if (!has_sources)
      bad_request("Invalid input: identitySource is required for a JWT authorizer");  // unconfirmed
  }
}

}  // namespace

json create_authorizer(api_record& record, const json& request, core::id_generator& ids) {
  const bool http = is_http(record.api);
  json authorizer = {{"authorizerId", ""},
                     {"name", required_string(request, "name", max_name_length)},
                     {"authorizerType", required_string(request, "authorizerType", 16)}};
  apply_authorizer_members(authorizer, request, http);
  check_authorizer(authorizer, http);
  std::string id = new_resource_id(ids);
  while (find_by(record.authorizers, "authorizerId", id) != nullptr) id = new_resource_id(ids);
  authorizer["authorizerId"] = id;
  record.authorizers.push_back(authorizer);
  return authorizer;
}

const json& get_authorizer(const api_record& record, const json& request) {
  return authorizer_of(const_cast<api_record&>(record), request);
}

json update_authorizer(api_record& record, const json& request) {
  json& authorizer = authorizer_of(record, request);
  json updated = authorizer;
  apply_authorizer_members(updated, request, is_http(record.api));
  check_authorizer(updated, is_http(record.api));
  authorizer = updated;
  return updated;
}

void delete_authorizer(api_record& record, const json& request) {
  json& authorizer = authorizer_of(record, request);
  const std::string id = authorizer.value("authorizerId", "");
  if (find_by(record.routes, "authorizerId", id) != nullptr)
    conflict("Authorizer " + id + " is used by a route and cannot be deleted");  // unconfirmed
  record.authorizers.erase(record.authorizers.begin() + (&authorizer - &record.authorizers[0]));
}

void apply_route_authorization(json& route, const json& request, const api_record& record) {
  const bool http = is_http(record.api);
  if (auto v = optional_string(request, "authorizationType", 16)) {
    if (*v != "NONE" && *v != "AWS_IAM" && *v != "CUSTOM" && *v != "JWT") {
      bad_request("Invalid authorization type specified: " + *v +
                  ". Must be one of [NONE, AWS_IAM, CUSTOM, JWT]");  // unconfirmed
    }
    route["authorizationType"] = *v;
  }
  if (auto v = optional_string(request, "authorizerId", max_name_length)) {
    if (find_by(record.authorizers, "authorizerId", *v) == nullptr)
      not_found("Invalid Authorizer identifier specified " + *v);  // moto's wording
    route["authorizerId"] = *v;
  }
  if (const auto it = request.find("authorizationScopes"); it != request.end() && !it->is_null()) {
    if (!it->is_array()) bad_request("Invalid input: authorizationScopes must be a list of strings");
    for (const json& s : *it)
      if (!s.is_string()) bad_request("Invalid input: authorizationScopes must be a list of strings");
    route["authorizationScopes"] = *it;
  }
  const std::string type = route.value("authorizationType", "NONE");
  if (type == "NONE" || type == "AWS_IAM") {
    route.erase("authorizerId");
    return;
  }
  const auto id = route.find("authorizerId");
  if (id == route.end())
    bad_request("Invalid input: authorizerId is required for authorizationType " + type);  // unconfirmed
  const json* authorizer = find_by(record.authorizers, "authorizerId", id->get<std::string>());
  const std::string expected = type == "CUSTOM" ? "REQUEST" : "JWT";
  if (authorizer == nullptr || authorizer->value("authorizerType", "") != expected)
    bad_request("Invalid input: authorizationType " + type + " needs a " + expected +
                " authorizer");  // unconfirmed
  // "You can only use a Lambda authorizer function for the $connect route." (developer guide,
  // "Control access to WebSocket APIs with AWS Lambda REQUEST authorizers")
  if (!http && route.value("routeKey", "") != "$connect")
    bad_request("Currently, authorization is restricted to the $connect route only");  // unconfirmed
  if (http && type == "CUSTOM") bad_request("fogbank runs JWT authorizers on HTTP APIs, not CUSTOM");
}

}  // namespace fogbank::apigw::control
