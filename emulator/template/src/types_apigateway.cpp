// AWS::ApiGateway::RestApi, Resource, Method (with its Integration), Authorizer, Deployment and
// Stage: REST APIs through the apigateway (v1) control plane, whose requests take URI members
// by their wire names ("restapi_id", "resource_id", "http_method"; fogbank/apigw/rest_api.hpp).
// A CloudFormation property is the API member of the same name with its first letter in lower
// case ("PathPart" -> "pathPart"); the few exceptions are spelled out below.
//
// Ref and Fn::GetAtt as the CloudFormation Template Reference documents them ("Return values" of
// aws-resource-apigateway-{restapi,resource,method,authorizer,deployment,stage}):
//   RestApi:    Ref = the API id;         GetAtt RestApiId, RootResourceId
//   Resource:   Ref = the resource id;    GetAtt ResourceId
//   Method:     Ref = the method's id (fogbank: "<resource id> <HTTP method>")
//   Authorizer: Ref = the authorizer id;  GetAtt AuthorizerId
//   Deployment: Ref = the deployment id;  GetAtt DeploymentId
//   Stage:      Ref = the stage name
// A resource that exists (the last load's id, found again) is kept as it is: fogbank does not
// update REST API resources in place; a changed template needs a fresh data directory.

#include "resource_type.hpp"

#include "deferred.hpp"

#include <cctype>
#include <functional>

namespace fogbank::templates {
namespace {

enum class kind { rest_api, resource, method, authorizer, deployment, stage };

const std::set<std::string> none;

std::string wire_name(const std::string& property) {
  std::string out = property;
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

json string_map(const plan_context& c, const json& value, const std::string& pointer) {
  if (!value.is_object()) fail_at(c.source, pointer, "must be a map of strings, got " + value.dump());
  json out = json::object();
  for (const auto& [key, item] : value.items()) out[key] = string_property(c, item, child_path(pointer, key));
  return out;
}

json string_list(const plan_context& c, const json& value, const std::string& pointer) {
  if (!value.is_array()) fail_at(c.source, pointer, "must be a list of strings, got " + value.dump());
  json out = json::array();
  for (std::size_t i = 0; i < value.size(); ++i)
    out.push_back(string_property(c, value[i], child_path(pointer, i)));
  return out;
}

struct spec {
  std::string type_name;
  kind what;
  std::set<std::string> properties;
  std::set<std::string> unemulated;
  std::set<std::string> required;
  std::set<std::string> booleans;
  std::set<std::string> integers;
  std::set<std::string> maps;   // maps of strings
  std::set<std::string> lists;  // lists of strings
  std::string id_attribute;     // the GetAtt naming its id; empty for Method and Stage
};

// The properties of `r` that `s` maps one to one, as a request.
json simple_request(const plan_context& c, const planned_resource& r, const spec& s,
                    const std::set<std::string>& skip = {}) {
  json out = json::object();
  for (const std::string& required : s.required) {
    if (!r.properties.contains(required)) fail_at(c.source, r.pointer, s.type_name + " needs " + required);
  }
  for (const auto& [key, value] : r.properties.items()) {
    if (skip.contains(key) || s.unemulated.contains(key)) continue;
    const std::string at = property_path(r, key);
    if (key == "RestApiId") {
      out["restapi_id"] = string_property(c, value, at);
    } else if (s.booleans.contains(key)) {
      out[wire_name(key)] = bool_property(c, value, at);
    } else if (s.integers.contains(key)) {
      out[wire_name(key)] = int_property(c, value, at);
    } else if (key == "Tags") {
      out["tags"] = value.is_array() ? json(tag_map(c, value, at)) : string_map(c, value, at);
    } else if (s.maps.contains(key)) {
      out[wire_name(key)] = string_map(c, value, at);
    } else if (s.lists.contains(key)) {
      out[wire_name(key)] = string_list(c, value, at);
    } else {
      out[wire_name(key)] = string_property(c, value, at);
    }
  }
  return out;
}

class rest_type final : public resource_type {
 public:
  explicit rest_type(spec s) : spec_(std::move(s)) {}

  std::string_view type_name() const override { return spec_.type_name; }
  const std::set<std::string>& supported() const override { return spec_.properties; }
  const std::set<std::string>& accepted_unemulated() const override { return spec_.unemulated; }

  void plan(const plan_context& c, planned_resource& r) const override {
    switch (spec_.what) {
      case kind::rest_api: {
        json request = simple_request(c, r, spec_, {"Name"});
        request["name"] = r.properties.contains("Name")
                              ? string_property(c, r.properties["Name"], property_path(r, "Name"))
                              : r.logical_id;  // SAM's APIs carry a Name; others may not (unconfirmed)
        if (request.contains("apiKeySourceType")) request["apiKeySource"] = request["apiKeySourceType"];
        request.erase("apiKeySourceType");
        r.create.push_back({"apigateway", "CreateRestApi", request});
        r.attributes["RootResourceId"] = deferred_token(r.logical_id, "RootResourceId");
        break;
      }
      case kind::resource: {
        json request = simple_request(c, r, spec_, {"ParentId"});
        request["parent_id"] = string_property(c, r.properties["ParentId"], property_path(r, "ParentId"));
        r.create.push_back({"apigateway", "CreateResource", request});
        break;
      }
      case kind::authorizer:
        r.create.push_back({"apigateway", "CreateAuthorizer", simple_request(c, r, spec_)});
        break;
      case kind::deployment:
        r.create.push_back({"apigateway", "CreateDeployment", simple_request(c, r, spec_)});
        break;
      case kind::stage:
        r.create.push_back({"apigateway", "CreateStage", simple_request(c, r, spec_)});
        break;
      case kind::method:
        plan_method(c, r);
        break;
    }
    if (spec_.what == kind::stage) {
      r.physical_id = r.create.front().request.value("stageName", "");
    } else {
      r.physical_id = deferred_token(r.logical_id, "Ref");
      if (!spec_.id_attribute.empty()) r.attributes[spec_.id_attribute] = r.physical_id;
    }
    r.attributes["Ref"] = r.physical_id;
  }

  ensure_result ensure(resource_calls& calls, const planned_resource& r,
                       const recorded_resource* previous) const override {
    ensure_result out;
    const json& first = r.create.front().request;
    std::string id = spec_.what == kind::stage ? r.physical_id : "";
    if (id.empty() && previous != nullptr && !has_deferred(previous->physical_id)) id = previous->physical_id;
    if (!id.empty()) {
      if (std::optional<json> found = calls.find("apigateway", get_operation(), get_request(first, id),
                                                 core::error_code::apigw_not_found)) {
        record(*found, first, id, out);
        out.action = resource_action::unchanged;
        return out;
      }
    }
    // The first call's answer names the resource (PutIntegration after PutMethod adds nothing).
    json answer;
    for (std::size_t i = 0; i < r.create.size(); ++i) {
      json answered = calls.must(r.create[i]);
      if (i == 0) answer = std::move(answered);
    }
    record(answer, first, "", out);
    out.action = resource_action::created;
    return out;
  }

  std::vector<planned_call> delete_calls(const ensure_result& done) const override {
    const auto api = done.deferred.find("restapi_id");
    if (api == done.deferred.end()) return {};
    switch (spec_.what) {
      case kind::rest_api:
        return {{"apigateway", "DeleteRestApi", {{"restapi_id", done.physical_id}}}};
      case kind::resource:
        return {{"apigateway",
                 "DeleteResource",
                 {{"restapi_id", api->second}, {"resource_id", done.physical_id}}}};
      case kind::authorizer:
        return {{"apigateway",
                 "DeleteAuthorizer",
                 {{"restapi_id", api->second}, {"authorizer_id", done.physical_id}}}};
      case kind::stage:
        return {
            {"apigateway", "DeleteStage", {{"restapi_id", api->second}, {"stage_name", done.physical_id}}}};
      case kind::method: {
        const std::size_t space = done.physical_id.find(' ');
        if (space == std::string::npos) return {};
        return {{"apigateway",
                 "DeleteMethod",
                 {{"restapi_id", api->second},
                  {"resource_id", done.physical_id.substr(0, space)},
                  {"http_method", done.physical_id.substr(space + 1)}}}};
      }
      case kind::deployment:
        return {};  // a deployment goes with its API (DeleteDeployment is not implemented)
    }
    return {};
  }

 private:
  void plan_method(const plan_context& c, planned_resource& r) const {
    json method =
        simple_request(c, r, spec_, {"Integration", "HttpMethod", "ResourceId", "AuthorizationType"});
    method["resource_id"] = string_property(c, r.properties["ResourceId"], property_path(r, "ResourceId"));
    method["http_method"] = string_property(c, r.properties["HttpMethod"], property_path(r, "HttpMethod"));
    method["authorizationType"] =
        r.properties.contains("AuthorizationType")
            ? string_property(c, r.properties["AuthorizationType"], property_path(r, "AuthorizationType"))
            : std::string("NONE");
    r.create.push_back({"apigateway", "PutMethod", method});
    if (!r.properties.contains("Integration")) return;
    const json& integration = r.properties["Integration"];
    const std::string at = property_path(r, "Integration");
    if (!integration.is_object()) fail_at(c.source, at, "Integration must be an object");
    json request = {{"restapi_id", method["restapi_id"]},
                    {"resource_id", method["resource_id"]},
                    {"http_method", method["http_method"]}};
    for (const auto& [key, value] : integration.items()) {
      const std::string p = child_path(at, key);
      if (key == "Type" || key == "Uri" || key == "PassthroughBehavior" || key == "ContentHandling" ||
          key == "Credentials" || key == "ConnectionType") {
        request[wire_name(key)] = string_property(c, value, p);
      } else if (key == "IntegrationHttpMethod") {
        request["httpMethod"] = string_property(c, value, p);  // the wire name of integrationHttpMethod
      } else if (key == "TimeoutInMillis") {
        request["timeoutInMillis"] = int_property(c, value, p);
      } else if (key == "RequestTemplates" || key == "RequestParameters") {
        request[wire_name(key)] = string_map(c, value, p);
      } else {
        r.notes.push_back("Integration." + key + " accepted, not emulated");
      }
    }
    r.create.push_back({"apigateway", "PutIntegration", request});
  }

  std::string get_operation() const {
    switch (spec_.what) {
      case kind::rest_api:
        return "GetRestApi";
      case kind::resource:
        return "GetResource";
      case kind::method:
        return "GetMethod";
      case kind::authorizer:
        return "GetAuthorizer";
      case kind::deployment:
        return "GetDeployments";
      case kind::stage:
        return "GetStage";
    }
    return "";
  }

  json get_request(const json& create, const std::string& id) const {
    const json api = create.value("restapi_id", "");
    switch (spec_.what) {
      case kind::rest_api:
        return {{"restapi_id", id}};
      case kind::resource:
        return {{"restapi_id", api}, {"resource_id", id}};
      case kind::method: {
        const std::size_t space = id.find(' ');
        return {{"restapi_id", api},
                {"resource_id", id.substr(0, space)},
                {"http_method", space == std::string::npos ? "" : id.substr(space + 1)}};
      }
      case kind::authorizer:
        return {{"restapi_id", api}, {"authorizer_id", id}};
      case kind::deployment:
        return {{"restapi_id", api}};  // the API's existence stands for its deployment's
      case kind::stage:
        return {{"restapi_id", api}, {"stage_name", id}};
    }
    return json::object();
  }

  void record(const json& answer, const json& create, const std::string& found_id, ensure_result& out) const {
    switch (spec_.what) {
      case kind::rest_api:
        out.physical_id = answer.value("id", "");
        out.deferred["RootResourceId"] = answer.value("rootResourceId", "");
        out.deferred["restapi_id"] = out.physical_id;
        break;
      case kind::method:
        out.physical_id = found_id.empty()
                              ? create.value("resource_id", "") + " " + create.value("http_method", "")
                              : found_id;
        break;
      case kind::stage:
        out.physical_id = create.value("stageName", "");
        break;
      case kind::deployment:
        out.physical_id = found_id.empty() ? answer.value("id", "") : found_id;
        break;
      default:
        out.physical_id = answer.value("id", "");
        break;
    }
    out.deferred["Ref"] = out.physical_id;
    if (!spec_.id_attribute.empty()) out.deferred[spec_.id_attribute] = out.physical_id;
    if (spec_.what != kind::rest_api) out.deferred["restapi_id"] = create.value("restapi_id", "");
  }

  spec spec_;
};

}  // namespace

const resource_type& apigateway_rest_api_type() {
  static const rest_type type(
      {"AWS::ApiGateway::RestApi",
       kind::rest_api,
       {"Name", "Description", "Version", "EndpointConfiguration", "BinaryMediaTypes", "Tags",
        "DisableExecuteApiEndpoint", "ApiKeySourceType", "MinimumCompressionSize", "Policy", "Body",
        "BodyS3Location", "FailOnWarnings", "Mode", "Parameters", "CloneFrom"},
       {"EndpointConfiguration", "MinimumCompressionSize", "Policy", "Body", "BodyS3Location",
        "FailOnWarnings", "Mode", "Parameters", "CloneFrom"},
       {},
       {"DisableExecuteApiEndpoint"},
       {},
       {},
       {"BinaryMediaTypes"},
       "RestApiId"});
  return type;
}

const resource_type& apigateway_resource_type() {
  static const rest_type type({"AWS::ApiGateway::Resource",
                               kind::resource,
                               {"RestApiId", "ParentId", "PathPart"},
                               {},
                               {"RestApiId", "ParentId", "PathPart"},
                               {},
                               {},
                               {},
                               {},
                               "ResourceId"});
  return type;
}

const resource_type& apigateway_method_type() {
  static const rest_type type(
      {"AWS::ApiGateway::Method",
       kind::method,
       {"RestApiId", "ResourceId", "HttpMethod", "AuthorizationType", "AuthorizerId", "ApiKeyRequired",
        "OperationName", "AuthorizationScopes", "Integration", "MethodResponses", "RequestParameters",
        "RequestModels", "RequestValidatorId"},
       {"MethodResponses", "RequestParameters", "RequestModels", "RequestValidatorId"},
       {"RestApiId", "ResourceId", "HttpMethod"},
       {"ApiKeyRequired"},
       {},
       {},
       {"AuthorizationScopes"},
       ""});
  return type;
}

const resource_type& apigateway_authorizer_type() {
  static const rest_type type(
      {"AWS::ApiGateway::Authorizer",
       kind::authorizer,
       {"RestApiId", "Name", "Type", "ProviderARNs", "IdentitySource", "AuthorizerUri",
        "AuthorizerCredentials", "AuthorizerResultTtlInSeconds", "IdentityValidationExpression", "AuthType"},
       {"AuthorizerCredentials"},
       {"RestApiId", "Name", "Type"},
       {},
       {"AuthorizerResultTtlInSeconds"},
       {},
       {"ProviderARNs"},
       "AuthorizerId"});
  return type;
}

const resource_type& apigateway_deployment_type() {
  static const rest_type type(
      {"AWS::ApiGateway::Deployment",
       kind::deployment,
       {"RestApiId", "StageName", "Description", "StageDescription", "DeploymentCanarySettings"},
       {"StageDescription", "DeploymentCanarySettings"},
       {"RestApiId"},
       {},
       {},
       {},
       {},
       "DeploymentId"});
  return type;
}

const resource_type& apigateway_stage_type() {
  static const rest_type type(
      {"AWS::ApiGateway::Stage",
       kind::stage,
       {"RestApiId", "StageName", "DeploymentId", "Description", "Variables", "Tags", "TracingEnabled",
        "MethodSettings", "AccessLogSetting", "CacheClusterEnabled", "CacheClusterSize", "CanarySetting",
        "ClientCertificateId", "DocumentationVersion"},
       {"MethodSettings", "AccessLogSetting", "CacheClusterSize", "CanarySetting", "ClientCertificateId",
        "DocumentationVersion"},
       {"RestApiId", "StageName", "DeploymentId"},
       {"TracingEnabled", "CacheClusterEnabled"},
       {},
       {"Variables"},
       {},
       ""});
  return type;
}

}  // namespace fogbank::templates
