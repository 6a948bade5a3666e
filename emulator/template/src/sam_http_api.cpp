#include "sam_http_api.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace fogbank::templates {
namespace {

constexpr std::string_view implicit_api = "ServerlessHttpApi";

// AWS::Serverless::HttpApi properties: copied to the Api, copied to the stage, or refused.
const std::set<std::string> api_properties = {"Name", "Description", "CorsConfiguration",
                                              "DisableExecuteApiEndpoint", "Tags"};
const std::set<std::string> stage_properties = {"StageVariables", "DefaultRouteSettings", "RouteSettings",
                                                "AccessLogSettings"};
const std::set<std::string> ignored_properties = {"StageName", "FailOnWarnings", "PropagateTags"};
const std::set<std::string> refused_properties = {"DefinitionBody", "DefinitionUri", "Auth", "Domain"};
const std::set<std::string> event_properties = {
    "ApiId", "Method", "Path", "PayloadFormatVersion", "TimeoutInMillis", "Auth", "RouteSettings"};

// The stage's logical id as samtranslator names it.
std::string stage_logical_id(const std::string& api, const std::string& stage) {
  if (stage == "$default") return api + "ApiGatewayDefaultStage";
  // samtranslator hashes names that are not alphanumeric; fogbank keeps the letters and digits.
  std::string kept;
  for (const char c : stage)
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) kept += c;
  return api + kept + "Stage";
}

void add(json& resources, std::vector<std::string>& order, template_source& source,
         const std::string& logical_id, json resource, const std::string& pointer) {
  if (resources.contains(logical_id)) {
    fail_at(source, pointer,
            "SAM generates a resource named '" + logical_id + "', which the template already has");
  }
  resources[logical_id] = std::move(resource);
  order.push_back(logical_id);
  source.locations.alias(child_path("/Resources", logical_id), pointer);
}

// The Api and stage of an HTTP API declared as `properties` (or the implicit one, with none).
void translate_api(template_source& source, json& resources, std::vector<std::string>& order,
                   const std::string& logical_id, const json& properties, const std::string& pointer) {
  json api = {{"ProtocolType", "HTTP"},
              {"Name", properties.contains("Name") ? properties["Name"] : json{{"Ref", "AWS::StackName"}}}};
  json stage = {{"ApiId", {{"Ref", logical_id}}}, {"AutoDeploy", true}};
  for (const auto& [key, value] : properties.items()) {
    const std::string at = child_path(child_path(pointer, "Properties"), key);
    if (refused_properties.contains(key)) {
      fail_at(source, at,
              "fogbank does not translate " + key +
                  " of AWS::Serverless::HttpApi (routes come from HttpApi events)");
    }
    // YAML gives a plain `true` as text; JSON templates as a boolean.
    const bool cors_flag = value.is_boolean() || value == "true" || value == "false";
    if (key == "CorsConfiguration" && cors_flag) {
      // samtranslator: `true` allows every origin (AllowOrigins ['*']) and sets nothing else.
      if (value == true || value == "true") api["CorsConfiguration"] = {{"AllowOrigins", json::array({"*"})}};
    } else if (key == "Tags") {
      api["Tags"] = value;
      stage["Tags"] = value;
    } else if (api_properties.contains(key)) {
      api[key] = value;
    } else if (stage_properties.contains(key)) {
      stage[key] = value;
    } else if (!ignored_properties.contains(key)) {
      fail_at(source, at, "property " + key + " not defined for resource of type AWS::Serverless::HttpApi");
    }
  }
  const json stage_name = properties.value("StageName", json("$default"));
  if (!stage_name.is_string())
    fail_at(source, child_path(child_path(pointer, "Properties"), "StageName"), "must be a string");
  stage["StageName"] = stage_name;
  resources[logical_id] = {{"Type", "AWS::ApiGatewayV2::Api"}, {"Properties", std::move(api)}};
  add(resources, order, source, stage_logical_id(logical_id, stage_name.get<std::string>()),
      {{"Type", "AWS::ApiGatewayV2::Stage"}, {"Properties", std::move(stage)}}, pointer);
}

// The API an event names: Ref of an AWS::Serverless::HttpApi of the template, or the implicit one.
std::string api_of(const template_source& source, const json& resources, const recorded_event& event) {
  if (!event.properties.contains("ApiId")) return std::string(implicit_api);
  const json& id = event.properties["ApiId"];
  const std::string at = child_path(child_path(event.pointer, "Properties"), "ApiId");
  if (!id.is_object() || !id.contains("Ref") || !id["Ref"].is_string()) {
    fail_at(source, at, "ApiId must be a Ref to an AWS::Serverless::HttpApi of this template");
  }
  const std::string name = id["Ref"].get<std::string>();
  if (!resources.contains(name) || resources[name].value("Type", "") != "AWS::ApiGatewayV2::Api") {
    fail_at(source, at, "ApiId must be a Ref to an AWS::Serverless::HttpApi of this template");
  }
  return name;
}

}  // namespace

void translate_http_apis(template_source& source, std::vector<std::string>& order,
                         std::vector<recorded_event>& events) {
  json& resources = source.root["Resources"];
  const std::vector<std::string> declared = order;
  for (const std::string& logical_id : declared) {
    if (!resources.contains(logical_id)) continue;
    json& resource = resources[logical_id];
    if (!resource.is_object() || resource.value("Type", "") != "AWS::Serverless::HttpApi") continue;
    const json properties = resource.value("Properties", json::object());
    const std::string pointer = child_path("/Resources", logical_id);
    if (!properties.is_object()) fail_at(source, child_path(pointer, "Properties"), "must be a mapping");
    translate_api(source, resources, order, logical_id, properties, pointer);
  }

  std::vector<recorded_event> kept;
  for (recorded_event& event : events) {
    if (event.type != "HttpApi") {
      kept.push_back(std::move(event));
      continue;
    }
    const std::string properties_at = child_path(event.pointer, "Properties");
    for (const auto& [key, value] : event.properties.items()) {
      if (!event_properties.contains(key)) {
        fail_at(source, child_path(properties_at, key),
                "property " + key + " not defined for event of type HttpApi");
      }
      if (key == "Auth") {
        fail_at(source, child_path(properties_at, key), "fogbank does not run HttpApi authorizers yet");
      }
    }
    const std::string api = api_of(source, resources, event);
    if (api == implicit_api && !resources.contains(std::string(implicit_api))) {
      translate_api(source, resources, order, api, json::object(), event.pointer);
      order.push_back(api);
      source.locations.alias(child_path("/Resources", api), event.pointer);
    }
    // The route key: "$default" without Path and Method (samtranslator's default route), else
    // the method in capitals ("any" -> ANY) and the path.
    std::string route_key = "$default";
    const bool has_path = event.properties.contains("Path");
    const bool has_method = event.properties.contains("Method");
    if (has_path || has_method) {
      const json path = event.properties.value("Path", json("/"));
      const json method = event.properties.value("Method", json("ANY"));
      if (!path.is_string() || !method.is_string())
        fail_at(source, properties_at, "Path and Method must be strings");
      std::string m = method.get<std::string>();
      for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      route_key = m + " " + path.get<std::string>();
    }
    const std::string base = event.function + event.name;
    json integration = {
        {"ApiId", {{"Ref", api}}},
        {"IntegrationType", "AWS_PROXY"},
        {"IntegrationUri", {{"Fn::GetAtt", json::array({event.function, "Arn"})}}},
        {"PayloadFormatVersion", event.properties.value("PayloadFormatVersion", json("2.0"))}};
    if (event.properties.contains("TimeoutInMillis"))
      integration["TimeoutInMillis"] = event.properties["TimeoutInMillis"];
    add(resources, order, source, base + "Integration",
        {{"Type", "AWS::ApiGatewayV2::Integration"}, {"Properties", std::move(integration)}}, event.pointer);
    add(resources, order, source, base + "Route",
        {{"Type", "AWS::ApiGatewayV2::Route"},
         {"Properties",
          {{"ApiId", {{"Ref", api}}},
           {"RouteKey", route_key},
           {"Target",
            {{"Fn::Join",
              json::array({"", json::array({"integrations/", {{"Ref", base + "Integration"}}})})}}}}}},
        event.pointer);
    add(resources, order, source, base + "Permission",
        {{"Type", "AWS::Lambda::Permission"},
         {"Properties",
          {{"Action", "lambda:InvokeFunction"},
           {"FunctionName", {{"Ref", event.function}}},
           {"Principal", "apigateway.amazonaws.com"}}}},
        event.pointer);
  }
  events = std::move(kept);
}

}  // namespace fogbank::templates
