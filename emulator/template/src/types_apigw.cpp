// AWS::ApiGatewayV2::Api, Route, Integration, RouteResponse, Stage and Deployment: WebSocket and
// HTTP APIs through the apigatewayv2 control plane (CreateX, or UpdateX for what differs from the last
// load). A CloudFormation property is the API member of the same name with its first letter in
// lower case ("RouteSelectionExpression" -> "routeSelectionExpression"; botocore apigatewayv2
// 2018-11-29).
//
// Ref and Fn::GetAtt as the CloudFormation Template Reference documents them ("Return values" of
// aws-resource-apigatewayv2-{api,route,integration,routeresponse,stage,deployment}):
//   Api:           Ref = the API id;             GetAtt ApiId, ApiEndpoint
//   Route:         Ref = the route id;           GetAtt RouteId
//   Integration:   Ref = the integration id;     GetAtt IntegrationId
//   RouteResponse: Ref = the route response id;  GetAtt RouteResponseId
//   Stage:         Ref = the stage name
//   Deployment:    Ref = the deployment id;      GetAtt DeploymentId
//   Authorizer:    Ref = the authorizer id;      GetAtt AuthorizerId
// Every id is API Gateway's to give, so these are tokens until the resource exists; the last
// load's ids are recorded, so a reload on the same data directory finds the API again.

#include "resource_type.hpp"

#include "deferred.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace fogbank::templates {
namespace {

const std::set<std::string> no_properties;

// Members of nested settings whose CloudFormation names are the API's with a capital letter
// (RouteSettings, AccessLogSettings, ParameterConstraints), by their types in botocore's model.
// Map keys (route keys, parameter names) are left as they are.
const std::set<std::string> nested_booleans = {"DataTraceEnabled", "DetailedMetricsEnabled", "Required"};
const std::set<std::string> nested_integers = {"ThrottlingBurstLimit"};
const std::set<std::string> nested_numbers = {"ThrottlingRateLimit"};
const std::set<std::string> nested_strings = {"LoggingLevel", "DestinationArn", "Format"};
// RouteSettings is a map of route keys to settings: two levels under the property, and one more
// would be a value; deeper is not a settings object and is refused.
constexpr int max_settings_depth = 4;

std::string wire_name(const std::string& property) {
  std::string out = property;
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

// A Double of the model (ThrottlingRateLimit): templates may write it as text.
double number_of(const plan_context& c, const json& value, const std::string& pointer) {
  if (value.is_number()) return value.get<double>();
  const std::string text = string_property(c, value, pointer);
  char* end = nullptr;
  const double parsed = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(parsed)) {
    fail_at(c.source, pointer, "must be a number, got " + value.dump());
  }
  return parsed;
}

json wire_settings(const plan_context& c, const json& value, const std::string& pointer, int depth) {
  if (depth > max_settings_depth) fail_at(c.source, pointer, "nests deeper than API Gateway's settings do");
  if (!value.is_object()) return value;
  json out = json::object();
  for (const auto& [key, member] : value.items()) {
    const std::string at = child_path(pointer, key);
    if (nested_booleans.contains(key)) {
      out[wire_name(key)] = bool_property(c, member, at);
    } else if (nested_integers.contains(key)) {
      out[wire_name(key)] = int_property(c, member, at);
    } else if (nested_numbers.contains(key)) {
      out[wire_name(key)] = number_of(c, member, at);
    } else if (nested_strings.contains(key)) {
      out[wire_name(key)] = string_property(c, member, at);
    } else {
      out[key] = wire_settings(c, member, at, depth + 1);
    }
  }
  return out;
}

// CorsConfiguration (HTTP APIs): its members in the wire shape (AllowOrigins -> allowOrigins, ...).
json cors_of(const plan_context& c, const json& value, const std::string& pointer) {
  if (!value.is_object()) fail_at(c.source, pointer, "CorsConfiguration must be a mapping");
  json out = json::object();
  for (const auto& [key, member] : value.items()) {
    const std::string at = child_path(pointer, key);
    if (key == "AllowCredentials") {
      out["allowCredentials"] = bool_property(c, member, at);
    } else if (key == "MaxAge") {
      out["maxAge"] = int_property(c, member, at);
    } else if (key == "AllowOrigins" || key == "AllowMethods" || key == "AllowHeaders" ||
               key == "ExposeHeaders") {
      if (!member.is_array()) fail_at(c.source, at, "must be a list of strings");
      json list = json::array();
      for (std::size_t i = 0; i < member.size(); ++i)
        list.push_back(string_property(c, member[i], child_path(at, std::to_string(i))));
      out[wire_name(key)] = std::move(list);
    } else {
      fail_at(c.source, at, "is not a property of CorsConfiguration");
    }
  }
  return out;
}

// A list of strings (IdentitySource, AuthorizationScopes, JwtConfiguration's Audience).
json string_list(const plan_context& c, const json& value, const std::string& pointer) {
  if (!value.is_array()) fail_at(c.source, pointer, "must be a list of strings");
  json list = json::array();
  for (std::size_t i = 0; i < value.size(); ++i)
    list.push_back(string_property(c, value[i], child_path(pointer, std::to_string(i))));
  return list;
}

// An authorizer's JwtConfiguration: {Audience: [...], Issuer} -> {"audience", "issuer"}.
json jwt_configuration_of(const plan_context& c, const json& value, const std::string& pointer) {
  if (!value.is_object()) fail_at(c.source, pointer, "JwtConfiguration must be a mapping");
  json out = json::object();
  for (const auto& [key, member] : value.items()) {
    const std::string at = child_path(pointer, key);
    if (key == "Audience") {
      out["audience"] = string_list(c, member, at);
    } else if (key == "Issuer") {
      out["issuer"] = string_property(c, member, at);
    } else {
      fail_at(c.source, at, "is not a property of JwtConfiguration");
    }
  }
  return out;
}

// ApiGatewayV2's Tags: a map ({Key: Value}), or CloudFormation's list of {Key, Value}.
json tags_of(const plan_context& c, const json& value, const std::string& pointer) {
  if (value.is_array()) return tag_map(c, value, pointer);
  if (!value.is_object()) fail_at(c.source, pointer, "Tags is a map of strings");
  json out = json::object();
  for (const auto& [key, tag] : value.items()) out[key] = string_property(c, tag, child_path(pointer, key));
  return out;
}

// How each type's properties become its Create request, and what identifies it.
struct type_spec {
  std::string type_name;
  std::set<std::string> properties;
  std::set<std::string> required;
  std::set<std::string> booleans;
  std::set<std::string> integers;
  std::set<std::string> objects;     // JSON objects, settings members renamed
  std::string noun;                  // "Route": CreateRoute, GetRoute, UpdateRoute, DeleteRoute
  std::string id_member;             // "routeId"
  std::string id_attribute;          // "RouteId"; empty when Ref is a name the template gives (Stage)
  std::vector<std::string> parents;  // members besides the id that Get/Update/Delete take
};

json create_request(const plan_context& c, const planned_resource& r, const type_spec& spec) {
  const json& p = r.properties;
  for (const std::string& required : spec.required) {
    if (!p.contains(required)) fail_at(c.source, r.pointer, spec.type_name + " needs " + required);
  }
  json request = json::object();
  for (const auto& [key, value] : p.items()) {
    const std::string at = property_path(r, key);
    if (spec.booleans.contains(key)) {
      request[wire_name(key)] = bool_property(c, value, at);
    } else if (spec.integers.contains(key)) {
      request[wire_name(key)] = int_property(c, value, at);
    } else if (key == "Tags") {
      request["tags"] = tags_of(c, value, at);
    } else if (key == "CorsConfiguration") {
      request["corsConfiguration"] = cors_of(c, value, at);
    } else if (key == "IdentitySource" || key == "AuthorizationScopes") {
      request[wire_name(key)] = string_list(c, value, at);
    } else if (key == "JwtConfiguration") {
      request["jwtConfiguration"] = jwt_configuration_of(c, value, at);
    } else if (spec.objects.contains(key)) {
      if (!value.is_object()) fail_at(c.source, at, "must be a JSON object, got " + value.dump());
      json settings = wire_settings(c, value, at, 0);
      // StageVariables are strings to API Gateway; templates may write numbers.
      if (key == "StageVariables") {
        for (auto& [name, variable] : settings.items())
          variable = string_property(c, variable, child_path(at, name));
      }
      request[wire_name(key)] = std::move(settings);
    } else {
      request[wire_name(key)] = string_property(c, value, at);
    }
  }
  return request;
}

// The request naming the existing resource `id` (Get/Delete), from the create request's parents.
json identity(const type_spec& spec, const json& create, const std::string& id) {
  json out = {{spec.id_member, id}};
  for (const std::string& parent : spec.parents) out[parent] = create.value(parent, "");
  return out;
}

class apigw_type final : public resource_type {
 public:
  explicit apigw_type(type_spec spec) : spec_(std::move(spec)) {}

  std::string_view type_name() const override { return spec_.type_name; }
  const std::set<std::string>& supported() const override { return spec_.properties; }
  const std::set<std::string>& accepted_unemulated() const override { return no_properties; }

  void plan(const plan_context& c, planned_resource& r) const override {
    json request = create_request(c, r, spec_);
    if (spec_.noun == "Api") {
      const std::string protocol = request.value("protocolType", "");
      if (protocol != "WEBSOCKET" && protocol != "HTTP") {
        fail_at(c.source, property_path(r, "ProtocolType"), "must be WEBSOCKET or HTTP, got " + protocol);
      }
      if (protocol == "WEBSOCKET" && !request.contains("routeSelectionExpression")) {
        fail_at(c.source, r.pointer, "a WEBSOCKET API needs RouteSelectionExpression");
      }
    }
    r.create.push_back({"apigatewayv2", "Create" + spec_.noun, request});
    if (spec_.id_attribute.empty()) {
      // A stage: its name is its Ref.
      r.physical_id = request.value(spec_.id_member, "");
    } else {
      r.physical_id = deferred_token(r.logical_id, spec_.id_attribute);
      r.attributes[spec_.id_attribute] = r.physical_id;
    }
    r.attributes["Ref"] = r.physical_id;
    if (spec_.noun == "Api") r.attributes["ApiEndpoint"] = deferred_token(r.logical_id, "ApiEndpoint");
  }

  std::vector<planned_call> delete_calls(const ensure_result& done) const override {
    json request = {{spec_.id_member, done.physical_id}};
    for (const std::string& parent : spec_.parents) {
      const auto it = done.deferred.find(parent);
      if (it != done.deferred.end()) request[parent] = it->second;
    }
    return {{"apigatewayv2", "Delete" + spec_.noun, request}};
  }

  ensure_result ensure(resource_calls& calls, const planned_resource& r,
                       const recorded_resource* previous) const override {
    ensure_result out;
    const json& desired = r.create.front().request;
    // The id to look for: a stage's name, or what the last load recorded.
    std::string id = spec_.id_attribute.empty() ? r.physical_id : "";
    if (id.empty() && previous != nullptr && !has_deferred(previous->physical_id)) id = previous->physical_id;
    std::optional<json> existing;
    if (!id.empty()) {
      existing = calls.find("apigatewayv2", "Get" + spec_.noun, identity(spec_, desired, id),
                            core::error_code::apigw_not_found);
    }
    if (!existing) {
      record(calls.must(r.create.front()), desired, out);
      out.action = resource_action::created;
      return out;
    }
    record(*existing, desired, out);
    // What the last load asked for is what the resource has, unless changed by other means;
    // anything the template now says differently is updated in place.
    const json before = previous != nullptr ? previous->request : json();
    if (before != desired) {
      json update = desired;
      update.erase("tags");  // UpdateX takes no tags (TagResource would); left as they are
      update.merge_patch(identity(spec_, desired, out.physical_id));
      record(calls.must("apigatewayv2", "Update" + spec_.noun, update), desired, out);
      out.notes.push_back("updated");
    }
    out.action = out.notes.empty() ? resource_action::unchanged : resource_action::updated;
    return out;
  }

 private:
  void record(const json& answered, const json& desired, ensure_result& out) const {
    out.physical_id = answered.value(spec_.id_member, "");
    if (!spec_.id_attribute.empty()) out.deferred[spec_.id_attribute] = out.physical_id;
    if (spec_.noun == "Api") out.deferred["ApiEndpoint"] = answered.value("apiEndpoint", "");
    // Kept for delete_calls (no attribute of the type names them, so no template can read them).
    for (const std::string& parent : spec_.parents) out.deferred[parent] = desired.value(parent, "");
  }

  type_spec spec_;
};

const std::set<std::string> setting_objects = {"RequestModels",        "RequestParameters", "ResponseModels",
                                               "ResponseParameters",   "StageVariables",    "RouteSettings",
                                               "DefaultRouteSettings", "AccessLogSettings"};

}  // namespace

const resource_type& apigw_api_type() {
  static const apigw_type type(
      {"AWS::ApiGatewayV2::Api",
       {"Name", "ProtocolType", "RouteSelectionExpression", "Description", "ApiKeySelectionExpression",
        "DisableSchemaValidation", "DisableExecuteApiEndpoint", "Version", "Tags", "CorsConfiguration",
        "Target", "RouteKey", "CredentialsArn"},
       {"Name", "ProtocolType"},
       {"DisableSchemaValidation", "DisableExecuteApiEndpoint"},
       {},
       {},
       "Api",
       "apiId",
       "ApiId",
       {}});
  return type;
}

const resource_type& apigw_route_type() {
  static const apigw_type type(
      {"AWS::ApiGatewayV2::Route",
       {"ApiId", "RouteKey", "Target", "AuthorizationType", "AuthorizerId", "AuthorizationScopes",
        "ApiKeyRequired", "OperationName", "RouteResponseSelectionExpression", "ModelSelectionExpression",
        "RequestModels", "RequestParameters"},
       {"ApiId", "RouteKey"},
       {"ApiKeyRequired"},
       {},
       setting_objects,
       "Route",
       "routeId",
       "RouteId",
       {"apiId"}});
  return type;
}

const resource_type& apigw_integration_type() {
  static const apigw_type type(
      {"AWS::ApiGatewayV2::Integration",
       {"ApiId", "IntegrationType", "IntegrationUri", "IntegrationMethod", "Description",
        "ContentHandlingStrategy", "PayloadFormatVersion", "TimeoutInMillis"},
       {"ApiId", "IntegrationType"},
       {},
       {"TimeoutInMillis"},
       {},
       "Integration",
       "integrationId",
       "IntegrationId",
       {"apiId"}});
  return type;
}

const resource_type& apigw_route_response_type() {
  static const apigw_type type({"AWS::ApiGatewayV2::RouteResponse",
                                {"ApiId", "RouteId", "RouteResponseKey", "ModelSelectionExpression",
                                 "ResponseModels", "ResponseParameters"},
                                {"ApiId", "RouteId", "RouteResponseKey"},
                                {},
                                {},
                                setting_objects,
                                "RouteResponse",
                                "routeResponseId",
                                "RouteResponseId",
                                {"apiId", "routeId"}});
  return type;
}

const resource_type& apigw_stage_type() {
  static const apigw_type type(
      {"AWS::ApiGatewayV2::Stage",
       {"ApiId", "StageName", "DeploymentId", "AutoDeploy", "Description", "StageVariables",
        "DefaultRouteSettings", "RouteSettings", "AccessLogSettings", "Tags"},
       {"ApiId", "StageName"},
       {"AutoDeploy"},
       {},
       setting_objects,
       "Stage",
       "stageName",
       "",
       {"apiId"}});
  return type;
}

const resource_type& apigw_deployment_type() {
  static const apigw_type type({"AWS::ApiGatewayV2::Deployment",
                                {"ApiId", "StageName", "Description"},
                                {"ApiId"},
                                {},
                                {},
                                {},
                                "Deployment",
                                "deploymentId",
                                "DeploymentId",
                                {"apiId"}});
  return type;
}

const resource_type& apigw_authorizer_type() {
  static const apigw_type type(
      {"AWS::ApiGatewayV2::Authorizer",
       {"ApiId", "Name", "AuthorizerType", "AuthorizerUri", "IdentitySource", "IdentityValidationExpression",
        "AuthorizerCredentialsArn", "AuthorizerPayloadFormatVersion", "AuthorizerResultTtlInSeconds",
        "EnableSimpleResponses", "JwtConfiguration"},
       {"ApiId", "Name", "AuthorizerType"},
       {"EnableSimpleResponses"},
       {"AuthorizerResultTtlInSeconds"},
       {},
       "Authorizer",
       "authorizerId",
       "AuthorizerId",
       {"apiId"}});
  return type;
}

}  // namespace fogbank::templates
