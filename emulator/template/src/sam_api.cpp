// SAM's REST APIs, as samtranslator makes them (model/api/api_generator.py,
// model/eventsources/push.py, Api event): a function's `Events: {X: {Type: Api, Properties:
// {Path, Method, RestApiId?, Auth?}}}` becomes a method of the AWS::Serverless::Api its RestApiId
// names, or of the implicit `ServerlessRestApi` (stage `Prod`) when it names none; each API
// becomes AWS::ApiGateway::RestApi with a Resource per path segment, a Method per event (an
// AWS_PROXY integration to the function), a Cognito Authorizer per `Auth.Authorizers` entry with
// a UserPoolArn (DefaultAuthorizer applied to methods without their own Auth), a Deployment and
// a Stage.
//
// The generated logical ids are fogbank's own (SAM's carry hashes): `<Api>` for the API,
// `<Api>Resource<Path>` for resources, `<Function><Event>Method`, `<Api><Name>Authorizer`,
// `<Api>Deployment` and `<Api><StageName>Stage`.

#include "sam.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace fogbank::templates {
namespace {

constexpr std::string_view implicit_api = "ServerlessRestApi";
constexpr std::string_view implicit_stage = "Prod";

// What AWS::Serverless::Api properties fogbank turns into resources; others are refused.
const std::set<std::string> api_properties = {"Name",
                                              "StageName",
                                              "Auth",
                                              "Variables",
                                              "Description",
                                              "Tags",
                                              "OpenApiVersion",
                                              "EndpointConfiguration",
                                              "Cors",
                                              "TracingEnabled",
                                              "BinaryMediaTypes"};

struct api_state {
  std::string logical_id;
  std::string pointer;  // where errors about it are reported
  json properties = json::object();
  std::map<std::string, std::string> resources;  // path -> logical id
  std::vector<std::string> methods;
};

std::string alnum_of(std::string_view path) {
  std::string out;
  bool upper = true;
  for (const char c : path) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    } else {
      upper = true;
    }
  }
  return out.empty() ? "Root" : out;
}

// The logical id of the API an event names: RestApiId as `!Ref X` or the plain name X.
std::string api_of(const template_source& source, const recorded_event& event) {
  if (!event.properties.contains("RestApiId")) return std::string(implicit_api);
  const json& id = event.properties["RestApiId"];
  if (id.is_string()) return id.get<std::string>();
  if (id.is_object() && id.contains("Ref") && id["Ref"].is_string()) return id["Ref"].get<std::string>();
  fail_at(source, child_path(child_path(event.pointer, "Properties"), "RestApiId"),
          "RestApiId must be a Ref to an AWS::Serverless::Api of this template");
}

std::string string_at(const template_source& source, const json& properties, const std::string& key,
                      const std::string& pointer) {
  if (!properties.contains(key) || !properties[key].is_string()) {
    fail_at(source, child_path(pointer, key), "an Api event needs " + key + " (a string)");
  }
  return properties[key].get<std::string>();
}

}  // namespace

void apply_sam_apis(template_source& source, std::vector<recorded_event>* events) {
  if (events == nullptr || !source.root.contains("Resources")) return;
  json& resources = source.root["Resources"];
  std::vector<std::string>& order = source.key_order["/Resources"];
  std::map<std::string, api_state> apis;
  for (const std::string& logical_id : std::vector<std::string>(order)) {
    if (!resources.contains(logical_id)) continue;
    const json& resource = resources[logical_id];
    if (!resource.is_object() || resource.value("Type", "") != "AWS::Serverless::Api") continue;
    api_state api;
    api.logical_id = logical_id;
    api.pointer = child_path("/Resources", logical_id);
    api.properties = resource.value("Properties", json::object());
    for (const auto& [key, value] : api.properties.items()) {
      if (!api_properties.contains(key)) {
        fail_at(source, child_path(child_path(api.pointer, "Properties"), key),
                "property " + key + " of AWS::Serverless::Api is not supported by fogbank");
      }
    }
    if (!api.properties.contains("StageName"))
      fail_at(source, api.pointer, "AWS::Serverless::Api needs StageName");  // SAM's own rule
    apis.emplace(logical_id, std::move(api));
  }

  std::vector<recorded_event> kept;
  std::vector<std::pair<std::string, json>> generated;  // logical id -> resource, in order
  const auto add = [&](const std::string& logical_id, json resource, const std::string& at) {
    if (resources.contains(logical_id)) {
      fail_at(source, at,
              "SAM generates a resource named '" + logical_id + "', which the template already has");
    }
    source.locations.alias(child_path("/Resources", logical_id), at);
    generated.emplace_back(logical_id, std::move(resource));
    resources[logical_id] = generated.back().second;
  };

  for (recorded_event& event : *events) {
    if (event.type != "Api") {
      kept.push_back(std::move(event));
      continue;
    }
    const std::string properties_at = child_path(event.pointer, "Properties");
    const std::string api_id = api_of(source, event);
    auto found = apis.find(api_id);
    if (found == apis.end()) {
      if (api_id != implicit_api) {
        fail_at(source, child_path(properties_at, "RestApiId"),
                "RestApiId names '" + api_id + "', which is no AWS::Serverless::Api of this template");
      }
      api_state implicit;
      implicit.logical_id = api_id;
      implicit.pointer = event.pointer;
      implicit.properties = {{"StageName", implicit_stage}};
      found = apis.emplace(api_id, std::move(implicit)).first;
    }
    api_state& api = found->second;
    const std::string path = string_at(source, event.properties, "Path", properties_at);
    std::string method = string_at(source, event.properties, "Method", properties_at);
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });

    // A resource per path segment, shared between events.
    json parent = {{"Fn::GetAtt", json::array({api.logical_id, "RootResourceId"})}};
    std::string so_far;
    std::size_t start = 0;
    while (start < path.size()) {
      std::size_t slash = path.find('/', start);
      if (slash == std::string::npos) slash = path.size();
      const std::string part = path.substr(start, slash - start);
      start = slash + 1;
      if (part.empty()) continue;
      so_far += "/" + part;
      auto existing = api.resources.find(so_far);
      if (existing == api.resources.end()) {
        std::string logical = api.logical_id + "Resource" + alnum_of(so_far);
        for (int n = 2; resources.contains(logical); ++n)
          logical = api.logical_id + "Resource" + alnum_of(so_far) + std::to_string(n);
        add(logical,
            {{"Type", "AWS::ApiGateway::Resource"},
             {"Properties",
              {{"RestApiId", {{"Ref", api.logical_id}}}, {"ParentId", parent}, {"PathPart", part}}}},
            event.pointer);
        existing = api.resources.emplace(so_far, logical).first;
      }
      parent = {{"Ref", existing->second}};
    }
    const json resource_id =
        so_far.empty() ? json{{"Fn::GetAtt", json::array({api.logical_id, "RootResourceId"})}} : parent;

    // Auth: the event's Authorizer, else the API's DefaultAuthorizer, else none.
    std::string authorizer;
    if (api.properties.contains("Auth") && api.properties["Auth"].is_object())
      authorizer = api.properties["Auth"].value("DefaultAuthorizer", "");
    if (event.properties.contains("Auth") && event.properties["Auth"].is_object())
      authorizer = event.properties["Auth"].value("Authorizer", authorizer);
    json method_properties = {
        {"RestApiId", {{"Ref", api.logical_id}}},
        {"ResourceId", resource_id},
        {"HttpMethod", method},
        {"AuthorizationType", "NONE"},
        {"Integration",
         {{"Type", "AWS_PROXY"},
          {"IntegrationHttpMethod", "POST"},
          {"Uri",
           {{"Fn::Sub", "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${" +
                            event.function + ".Arn}/invocations"}}}}}};
    if (!authorizer.empty() && authorizer != "NONE") {
      if (authorizer == "AWS_IAM") {
        method_properties["AuthorizationType"] = "AWS_IAM";
      } else {
        method_properties["AuthorizationType"] = "COGNITO_USER_POOLS";
        method_properties["AuthorizerId"] = {{"Ref", api.logical_id + authorizer + "Authorizer"}};
      }
    }
    const std::string method_id = event.function + event.name + "Method";
    add(method_id, {{"Type", "AWS::ApiGateway::Method"}, {"Properties", method_properties}}, event.pointer);
    api.methods.push_back(method_id);
  }
  *events = std::move(kept);

  for (auto& [logical_id, api] : apis) {
    const json& p = api.properties;
    json rest = {{"Name", p.value("Name", json(logical_id))}};
    for (const char* copied : {"Description", "BinaryMediaTypes"}) {
      if (p.contains(copied)) rest[copied] = p[copied];
    }
    const json rest_api = {{"Type", "AWS::ApiGateway::RestApi"}, {"Properties", rest}};
    if (resources.contains(logical_id)) {
      resources[logical_id] = rest_api;  // the AWS::Serverless::Api itself
    } else {
      add(logical_id, rest_api, api.pointer);
    }
    if (p.contains("Auth") && p["Auth"].is_object() && p["Auth"].contains("Authorizers")) {
      const std::string auth_at = child_path(child_path(api.pointer, "Properties"), "Auth");
      const json& authorizers = p["Auth"]["Authorizers"];
      if (!authorizers.is_object()) fail_at(source, child_path(auth_at, "Authorizers"), "must be a mapping");
      for (const auto& [name, authorizer] : authorizers.items()) {
        const std::string at = child_path(child_path(auth_at, "Authorizers"), name);
        if (!authorizer.is_object() || !authorizer.contains("UserPoolArn")) {
          fail_at(source, at, "fogbank runs Cognito authorizers (with a UserPoolArn) only");
        }
        const json pools = authorizer["UserPoolArn"].is_array() ? authorizer["UserPoolArn"]
                                                                : json::array({authorizer["UserPoolArn"]});
        std::string header = "Authorization";
        if (authorizer.contains("Identity") && authorizer["Identity"].is_object())
          header = authorizer["Identity"].value("Header", header);
        json authorizer_properties = {{"RestApiId", {{"Ref", logical_id}}},
                                      {"Name", name},
                                      {"Type", "COGNITO_USER_POOLS"},
                                      {"ProviderARNs", pools},
                                      {"IdentitySource", "method.request.header." + header}};
        add(logical_id + name + "Authorizer",
            {{"Type", "AWS::ApiGateway::Authorizer"}, {"Properties", std::move(authorizer_properties)}}, at);
      }
    }
    if (api.methods.empty()) continue;  // CreateDeployment refuses an API without methods
    const std::string deployment = logical_id + "Deployment";
    add(deployment,
        {{"Type", "AWS::ApiGateway::Deployment"},
         {"DependsOn", api.methods},
         {"Properties", {{"RestApiId", {{"Ref", logical_id}}}}}},
        api.pointer);
    json stage = {{"RestApiId", {{"Ref", logical_id}}},
                  {"DeploymentId", {{"Ref", deployment}}},
                  {"StageName", p["StageName"]}};
    if (p.contains("Variables")) stage["Variables"] = p["Variables"];
    const std::string stage_name = p["StageName"].is_string() ? p["StageName"].get<std::string>() : "";
    add(logical_id + alnum_of(stage_name) + "Stage",
        {{"Type", "AWS::ApiGateway::Stage"}, {"Properties", stage}}, api.pointer);
  }
  for (const auto& [logical_id, resource] : generated) {
    if (std::find(order.begin(), order.end(), logical_id) == order.end()) order.push_back(logical_id);
  }
}

}  // namespace fogbank::templates
