// The members of APIs, routes, integrations, stages and route responses, as Create* and Update*
// both take them (botocore apigatewayv2 2018-11-29: UpdateX's input is CreateX's with every
// member optional). Wording marked unconfirmed is fogbank's own.

#include "authorizer_control.hpp"
#include "control_http.hpp"
#include "control_plane.hpp"
#include "route_selection.hpp"

namespace fogbank::apigw::control {
namespace {

// The API key selection expressions API Gateway knows (developer guide, "API key selection
// expressions" of WebSocket APIs).
bool valid_api_key_selection(std::string_view expression) {
  return expression == "$request.header.x-api-key" || expression == "$context.authorizer.usageIdentifierKey";
}

// A JSON object member (requestModels, routeSettings, ...), taken as it is; nullopt when absent.
std::optional<json> optional_object(const json& request, std::string_view member) {
  const auto it = request.find(member);
  if (it == request.end() || it->is_null()) return std::nullopt;
  if (!it->is_object())
    bad_request("Invalid input: " + std::string(member) + " must be an object");  // unconfirmed
  return *it;
}

}  // namespace

void apply_api_members(json& api, const json& request) {
  // Quick-create and CORS members belong to HTTP APIs (API reference, UpdateApi: "Supported only
  // for HTTP APIs").
  for (const char* http_only : {"corsConfiguration", "credentialsArn", "routeKey", "target"}) {
    if (request.contains(http_only) && !request[http_only].is_null()) {
      bad_request(std::string(http_only) + " is supported only for HTTP APIs");  // unconfirmed
    }
  }
  if (auto v = optional_string(request, "name", max_name_length)) {
    if (v->empty()) bad_request("Invalid input: name must not be empty");  // unconfirmed
    api["name"] = *v;
  }
  if (auto v = optional_string(request, "routeSelectionExpression", max_uri_length)) {
    if (!parse_route_selection(*v)) {
      bad_request("Invalid route selection expression specified: " + *v +
                  ". fogbank supports $request.body.<path>");  // unconfirmed
    }
    api["routeSelectionExpression"] = *v;
  }
  if (auto v = optional_string(request, "apiKeySelectionExpression", max_uri_length)) {
    if (!valid_api_key_selection(*v)) {
      bad_request(
          "Invalid API key selection expression specified: " + *v +
          ". Must be $request.header.x-api-key or $context.authorizer.usageIdentifierKey");  // unconfirmed
    }
    api["apiKeySelectionExpression"] = *v;
  }
  if (auto v = optional_string(request, "description", max_description_length)) api["description"] = *v;
  if (auto v = optional_string(request, "version", max_version_length)) api["version"] = *v;
  if (auto v = optional_bool(request, "disableSchemaValidation")) api["disableSchemaValidation"] = *v;
  if (auto v = optional_bool(request, "disableExecuteApiEndpoint")) api["disableExecuteApiEndpoint"] = *v;
}

void apply_route_members(json& route, const json& request, const api_record& record) {
  if (auto key = optional_string(request, "routeKey", max_route_key_length)) {
    if (key->empty()) bad_request("Invalid input: routeKey is required");
    if (is_http(record.api)) {
      check_http_route_key(*key);
    } else if (key->starts_with('$') && *key != "$connect" && *key != "$disconnect" && *key != "$default") {
      bad_request("Invalid route key specified: " + *key +
                  ". Reserved keys are $connect, $disconnect and $default");  // unconfirmed
    }
    const json* taken = find_by(record.routes, "routeKey", *key);
    if (taken != nullptr && taken->value("routeId", "") != route.value("routeId", "")) {
      conflict("Route with key " + *key + " already exists for this API");  // unconfirmed
    }
    route["routeKey"] = *key;
  }
  if (auto v = optional_bool(request, "apiKeyRequired")) route["apiKeyRequired"] = *v;
  apply_route_authorization(route, request, record);
  if (auto v = optional_string(request, "operationName", 64)) route["operationName"] = *v;
  if (auto v = optional_string(request, "routeResponseSelectionExpression", max_uri_length)) {
    // WebSocket APIs take only "$default" here (AWS developer guide, "Set up a route response
    // for a WebSocket API").
    if (*v != "$default") bad_request("Invalid route response selection expression specified: " + *v);
    route["routeResponseSelectionExpression"] = *v;
  }
  if (auto v = optional_string(request, "modelSelectionExpression", max_uri_length)) {
    route["modelSelectionExpression"] = *v;
  }
  for (const char* map_member : {"requestModels", "requestParameters"}) {
    if (auto v = optional_object(request, map_member)) route[map_member] = *v;
  }
  if (auto target = optional_string(request, "target", max_target_length)) {
    constexpr std::string_view prefix = "integrations/";
    if (!target->starts_with(prefix) || find_by(record.integrations, "integrationId",
                                                std::string_view(*target).substr(prefix.size())) == nullptr) {
      bad_request("Invalid target specified: " + *target +
                  ". Must be integrations/<integration id> of this API");  // unconfirmed
    }
    route["target"] = *target;
  }
}

void apply_integration_members(json& integration, const json& request, bool http) {
  if (auto type = optional_string(request, "integrationType", 16)) {
    if (*type != "AWS_PROXY") {
      if (*type == "AWS" || *type == "HTTP" || *type == "HTTP_PROXY" || *type == "MOCK") {
        bad_request("fogbank runs AWS_PROXY integrations (Lambda proxy) only; " + *type +
                    " is not supported");
      }
      bad_request("Invalid integration type specified: " + *type +
                  ". Must be one of [AWS, AWS_PROXY, HTTP, HTTP_PROXY, MOCK]");  // unconfirmed
    }
    integration["integrationType"] = *type;
  }
  if (auto uri = optional_string(request, "integrationUri", max_uri_length)) {
    if (!function_arn_of(*uri)) {
      bad_request("Invalid integration URI specified: " + *uri +
                  ". An AWS_PROXY integration names a Lambda function ARN");  // unconfirmed
    }
    integration["integrationUri"] = *uri;
  }
  if (auto v = optional_string(request, "description", max_description_length))
    integration["description"] = *v;
  if (auto v = optional_string(request, "integrationMethod", 64)) integration["integrationMethod"] = *v;
  if (auto v = optional_string(request, "contentHandlingStrategy", 32)) {
    if (*v != "CONVERT_TO_BINARY" && *v != "CONVERT_TO_TEXT") {
      bad_request("Invalid content handling strategy specified: " + *v);  // unconfirmed
    }
    integration["contentHandlingStrategy"] = *v;
  }
  if (auto v = optional_string(request, "payloadFormatVersion", 64)) {
    // WebSocket APIs speak payload format 1.0 only; HTTP APIs 1.0 and 2.0.
    if (http && *v != "1.0" && *v != "2.0") {
      bad_request("Invalid payload format version specified: " + *v + ". Must be 1.0 or 2.0");  // unconfirmed
    }
    if (!http && *v != "1.0")
      bad_request("Invalid payload format version specified: " + *v + ". Must be 1.0");
    integration["payloadFormatVersion"] = *v;
  }
  if (auto it = request.find("timeoutInMillis"); it != request.end() && !it->is_null()) {
    const std::int64_t max_ms = http ? max_http_timeout_ms : max_timeout_ms;
    if (!it->is_number_integer() || it->get<std::int64_t>() < min_timeout_ms ||
        it->get<std::int64_t>() > max_ms) {
      bad_request("Invalid input: timeoutInMillis must be between " + std::to_string(min_timeout_ms) +
                  " and " + std::to_string(max_ms));  // unconfirmed
    }
    integration["timeoutInMillis"] = it->get<std::int64_t>();
  }
}

void apply_stage_members(json& stage, const json& request, const api_record& record) {
  if (auto v = optional_bool(request, "autoDeploy")) stage["autoDeploy"] = *v;
  if (auto v = optional_string(request, "description", max_description_length)) stage["description"] = *v;
  if (auto v = optional_string_map(request, "stageVariables")) stage["stageVariables"] = *v;
  for (const char* object_member : {"accessLogSettings", "defaultRouteSettings", "routeSettings"}) {
    if (auto v = optional_object(request, object_member)) stage[object_member] = *v;
  }
  if (auto v = optional_string(request, "clientCertificateId", max_name_length))
    stage["clientCertificateId"] = *v;
  if (auto deployment = optional_string(request, "deploymentId", max_name_length)) {
    if (find_by(record.deployments, "deploymentId", *deployment) == nullptr) {
      not_found("Invalid Deployment identifier specified " + *deployment);  // unconfirmed
    }
    stage["deploymentId"] = *deployment;
  }
}

void apply_route_response_members(json& response, const json& request) {
  if (auto key = optional_string(request, "routeResponseKey", max_route_key_length)) {
    // "$default" is the only route response key WebSocket APIs support (developer guide, "Set up
    // a route response for a WebSocket API").
    if (*key != "$default") {
      bad_request("Invalid route response key specified: " + *key + ". Must be $default");  // unconfirmed
    }
    response["routeResponseKey"] = *key;
  }
  if (auto v = optional_string(request, "modelSelectionExpression", max_uri_length)) {
    response["modelSelectionExpression"] = *v;
  }
  for (const char* object_member : {"responseModels", "responseParameters"}) {
    if (auto v = optional_object(request, object_member)) response[object_member] = *v;
  }
}

}  // namespace fogbank::apigw::control
