// The apigateway (v1) control plane for REST APIs. Wording of errors: AWS's where it is known
// (cited), else marked unconfirmed; moto (moto/apigateway/exceptions.py) mirrors AWS's messages
// for the common ones.

#include "fogbank/apigw/rest_api.hpp"

#include "control_plane.hpp"
#include "ids.hpp"
#include "rest_records.hpp"

#include "fogbank/core/ids.hpp"
#include "fogbank/storage/database.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

namespace fogbank::apigw {

using control::bad_request;
using control::conflict;
using control::find_by;
using control::not_found;
using control::optional_string;
using control::optional_string_map;
using control::required_string;
using rest::api_record;
using json = nlohmann::json;

namespace {

// meta: "apigw-rest/<api id>" -> the API's record (rest::to_storage).
constexpr std::string_view meta_prefix = "apigw-rest/";

constexpr core::error_funnel funnel{core::error_code::apigw_bad_request,
                                    "Invalid request body",  // unconfirmed
                                    "API Gateway"};

constexpr std::size_t max_name_length = 1024;  // unconfirmed: the model gives no bound
constexpr std::size_t max_id_length = 128;
constexpr std::size_t max_description_length = 1024;
constexpr std::size_t max_uri_length = 2048;
constexpr std::size_t max_path_part_length = 1024;  // unconfirmed
// A resource tree deeper than this is refused: paths of API Gateway REST APIs are far shorter in
// practice, and matching walks the tree (unconfirmed: AWS's own bound is not documented).
constexpr std::size_t max_resource_depth = 64;
// AWS's paging: "The maximum number of returned results per page. The default value is 25 and
// the maximum value is 500." (API reference, GetRestApis limit).
constexpr std::int64_t default_page_size = 25;
constexpr std::int64_t max_page_size = 500;

constexpr std::string_view http_methods[] = {"ANY",     "DELETE", "GET",  "HEAD",
                                             "OPTIONS", "PATCH",  "POST", "PUT"};

// Ids of resources, deployments and authorizers: 6 characters of [a-z0-9], as AWS's ("mg6x8l",
// "us4z18" in captured events). The root resource's id is 10 characters like an API's.
std::string short_id(core::id_generator& ids) {
  constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  for (int i = 0; i < 6; ++i) out += alphabet[ids.next() % alphabet.size()];
  return out;
}

std::int64_t epoch_seconds(core::time_point at) {
  return std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
}

json page(const json& items, const json& request) {
  std::int64_t size = default_page_size;
  if (const auto it = request.find("limit"); it != request.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1 || it->get<std::int64_t>() > max_page_size)
      bad_request("Invalid input: limit must be between 1 and 500");  // unconfirmed
    size = it->get<std::int64_t>();
  }
  std::size_t start = 0;
  if (std::optional<std::string> position = optional_string(request, "position", 64)) {
    try {
      start = std::stoul(*position);
    } catch (const std::exception&) {
      bad_request("Invalid position parameter");  // unconfirmed
    }
    if (start > items.size()) bad_request("Invalid position parameter");
  }
  json out = {{"item", json::array()}};
  const std::size_t end = std::min(items.size(), start + static_cast<std::size_t>(size));
  for (std::size_t i = start; i < end; ++i) out["item"].push_back(items[i]);
  if (end < items.size()) out["position"] = std::to_string(end);
  return out;
}

std::string checked_http_method(const json& request) {
  std::string method = required_string(request, "http_method", 16);
  std::transform(method.begin(), method.end(), method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (std::find(std::begin(http_methods), std::end(http_methods), method) == std::end(http_methods)) {
    // unconfirmed wording
    bad_request("Invalid HttpMethod specified. Valid options are ANY,DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT");
  }
  return method;
}

bool is_variable(std::string_view part) {
  return part.size() >= 2 && part.front() == '{' && part.back() == '}';
}

void check_path_part(std::string_view part) {
  // A path part is a literal segment, "{name}" or "{name+}" (API Gateway's developer guide, "Set
  // up a proxy integration with a proxy resource"). Wording unconfirmed.
  const auto literal_ok = [](std::string_view s) {
    if (s.empty()) return false;
    return std::all_of(s.begin(), s.end(), [](unsigned char c) {
      return std::isalnum(c) ||
             std::string_view("-._~:@!$&'()*,;=%").find(static_cast<char>(c)) != std::string_view::npos;
    });
  };
  if (is_variable(part)) {
    std::string_view name = part.substr(1, part.size() - 2);
    if (name.ends_with('+')) name.remove_suffix(1);
    const bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
      return std::isalnum(c) || c == '_' || c == '-' || c == '.';
    });
    if (ok) return;
  } else if (literal_ok(part)) {
    return;
  }
  bad_request(
      "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an "
      "optional plus sign before the closing brace.");  // AWS's wording as moto records it
}

json method_summary(const json& resource, bool embed) {
  json out = resource;
  if (!embed && out.contains("resourceMethods")) {
    // Without embed=methods, GetResources lists each method by name only (unconfirmed).
    json names = json::object();
    for (const auto& [name, method] : out["resourceMethods"].items()) names[name] = json::object();
    out["resourceMethods"] = std::move(names);
  }
  return out;
}

bool wants_methods(const json& request) {
  const auto it = request.find("embed");
  if (it == request.end() || !it->is_array()) return false;
  return std::any_of(it->begin(), it->end(), [](const json& v) { return v.is_string() && v == "methods"; });
}

}  // namespace

struct rest_api_service::impl {
  using operation = json (impl::*)(const json&, const core::call_context&);
  static const operation* find_operation(std::string_view name);

  impl(storage::database& database, core::clock& service_clock, core::id_generator& id_source)
      : db(database), clock(service_clock), ids(id_source) {}

  storage::database& db;
  core::clock& clock;
  core::id_generator& ids;
  mutable std::mutex mutex;
  std::map<std::string, api_record, std::less<>> apis;
  mutable std::map<std::string, std::shared_ptr<const rest_api_view>, std::less<>> runtime;
  std::string endpoint;

  void load() {
    storage::scan_range range;
    range.lower = std::string(meta_prefix);
    range.upper = std::string(meta_prefix.substr(0, meta_prefix.size() - 1)) + char('/' + 1);
    auto it = db.scan(storage::column::meta, range);
    for (; it->valid(); it->next()) {
      apis.emplace(std::string(it->key().substr(meta_prefix.size())),
                   rest::from_storage(json::parse(it->value())));
    }
    if (const storage::status s = it->state(); !s.is_ok()) {
      throw std::runtime_error("cannot read API Gateway's REST APIs: " + s.message());
    }
  }

  void store(const std::string& id, api_record record) {
    storage::write_batch batch;
    batch.put(storage::column::meta, std::string(meta_prefix) + id, rest::to_storage(record).dump());
    if (const storage::status s = db.write(batch); !s.is_ok()) {
      throw core::aws_error(core::error_code::internal_failure, "storage failure: " + s.message());
    }
    apis.insert_or_assign(id, std::move(record));
    runtime.erase(id);
  }

  // The API the request's restapi_id names, visible from the caller's region and account.
  api_record& api_of(const json& request, const core::call_context& context, std::string* id) {
    *id = required_string(request, "restapi_id", max_id_length);
    const auto it = apis.find(*id);
    if (it == apis.end() || it->second.region != context.region ||
        it->second.account_id != context.account_id) {
      not_found("Invalid API identifier specified " + context.account_id + ":" + *id);  // AWS's wording
    }
    return it->second;
  }

  static json& resource_of(api_record& record, const json& request, std::string_view member = "resource_id") {
    const std::string id = required_string(request, member, max_id_length);
    json* resource = find_by(record.resources, "id", id);
    if (resource == nullptr) not_found("Invalid Resource identifier specified");  // AWS's wording
    return *resource;
  }

  static json& method_of(json& resource, const std::string& method) {
    auto methods = resource.find("resourceMethods");
    if (methods == resource.end() || !methods->contains(method))
      not_found("Invalid Method identifier specified");  // AWS's wording
    return (*methods)[method];
  }

  // ---- REST APIs ---------------------------------------------------------------------------------

  json create_rest_api(const json& request, const core::call_context& context) {
    const std::string name = required_string(request, "name", max_name_length);
    json api = {{"name", name},
                {"createdDate", epoch_seconds(clock.now())},
                {"apiKeySource", "HEADER"},
                {"endpointConfiguration", {{"types", json::array({"EDGE"})}}},
                {"disableExecuteApiEndpoint", false}};
    if (auto v = optional_string(request, "description", max_description_length)) api["description"] = *v;
    if (auto v = optional_string(request, "version", max_name_length)) api["version"] = *v;
    if (auto v = optional_string_map(request, "tags")) api["tags"] = *v;
    if (auto v = control::optional_bool(request, "disableExecuteApiEndpoint"))
      api["disableExecuteApiEndpoint"] = *v;
    if (const auto it = request.find("endpointConfiguration"); it != request.end() && it->is_object())
      api["endpointConfiguration"] = *it;
    if (const auto it = request.find("binaryMediaTypes"); it != request.end() && it->is_array())
      api["binaryMediaTypes"] = *it;

    std::lock_guard lock(mutex);
    std::string id = new_api_id(ids);
    while (apis.contains(id)) id = new_api_id(ids);
    const std::string root_id = new_api_id(ids);
    api["id"] = id;
    api["rootResourceId"] = root_id;
    api_record record;
    record.region = context.region;
    record.account_id = context.account_id;
    record.api = api;
    record.resources.push_back({{"id", root_id}, {"path", "/"}});
    store(id, std::move(record));
    return api;
  }

  json get_rest_api(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string id;
    return api_of(request, context, &id).api;
  }

  json get_rest_apis(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    json items = json::array();
    for (const auto& [id, record] : apis) {
      if (record.region == context.region && record.account_id == context.account_id)
        items.push_back(record.api);
    }
    return page(items, request);
  }

  json delete_rest_api(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string id;
    api_of(request, context, &id);
    storage::write_batch batch;
    batch.erase(storage::column::meta, std::string(meta_prefix) + id);
    if (const storage::status s = db.write(batch); !s.is_ok()) {
      throw core::aws_error(core::error_code::internal_failure, "storage failure: " + s.message());
    }
    apis.erase(id);
    runtime.erase(id);
    return json::object();
  }

  // ---- resources ---------------------------------------------------------------------------------

  json get_resources(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string id;
    const api_record& record = api_of(request, context, &id);
    const bool embed = wants_methods(request);
    json items = json::array();
    for (const json& resource : record.resources) items.push_back(method_summary(resource, embed));
    return page(items, request);
  }

  json get_resource(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string id;
    api_record& record = api_of(request, context, &id);
    return method_summary(resource_of(record, request), wants_methods(request));
  }

  json create_resource(const json& request, const core::call_context& context) {
    const std::string part = required_string(request, "pathPart", max_path_part_length);
    check_path_part(part);
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    const json parent = resource_of(record, request, "parent_id");
    const std::string parent_id = parent.at("id").get<std::string>();
    const std::string parent_path = parent.at("path").get<std::string>();
    if (parent.value("pathPart", "").ends_with("+}")) {
      bad_request("Cannot create a child of a resource with a greedy path variable: " +
                  parent_path);  // unconfirmed
    }
    const auto depth = static_cast<std::size_t>(std::count(parent_path.begin(), parent_path.end(), '/'));
    if (depth >= max_resource_depth) bad_request("Resource path is too deep");  // fogbank's own limit
    for (const json& sibling : record.resources) {
      if (sibling.value("parentId", "") != parent_id) continue;
      const std::string other = sibling.value("pathPart", "");
      if (other == part) {
        conflict("Another resource with the same parent already has this name: " + part);  // AWS's wording
      }
      if (is_variable(other) && is_variable(part)) {
        // AWS's wording (as users report it).
        bad_request("A sibling (" + other +
                    ") of this resource already has a variable path part -- only one is "
                    "allowed");
      }
    }
    std::string id = short_id(ids);
    while (find_by(record.resources, "id", id) != nullptr) id = short_id(ids);
    json resource = {{"id", id},
                     {"parentId", parent_id},
                     {"pathPart", part},
                     {"path", (parent_path == "/" ? "" : parent_path) + "/" + part}};
    record.resources.push_back(resource);
    store(api_id, std::move(record));
    return resource;
  }

  json delete_resource(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    const json& resource = resource_of(record, request);
    if (!resource.contains("parentId")) bad_request("Cannot delete root resource");  // unconfirmed
    // The resource and everything under it.
    std::set<std::string> gone = {resource.at("id").get<std::string>()};
    for (bool grew = true; grew;) {
      grew = false;
      for (const json& r : record.resources) {
        if (gone.contains(r.value("parentId", "")) && gone.insert(r.at("id").get<std::string>()).second)
          grew = true;
      }
    }
    json kept = json::array();
    for (json& r : record.resources) {
      if (!gone.contains(r.at("id").get<std::string>())) kept.push_back(std::move(r));
    }
    record.resources = std::move(kept);
    store(api_id, std::move(record));
    return json::object();
  }

  // ---- methods and integrations ------------------------------------------------------------------

  json put_method(const json& request, const core::call_context& context) {
    const std::string method = checked_http_method(request);
    const std::string type = required_string(request, "authorizationType", 32);
    if (type != "NONE" && type != "AWS_IAM" && type != "CUSTOM" && type != "COGNITO_USER_POOLS") {
      bad_request("Invalid authorization type specified: " + type);  // unconfirmed
    }
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    json out = {{"httpMethod", method}, {"authorizationType", type}, {"apiKeyRequired", false}};
    if (auto v = control::optional_bool(request, "apiKeyRequired")) out["apiKeyRequired"] = *v;
    if (auto v = optional_string(request, "operationName", max_name_length)) out["operationName"] = *v;
    if (const auto it = request.find("authorizationScopes"); it != request.end() && it->is_array())
      out["authorizationScopes"] = *it;
    const std::optional<std::string> authorizer = optional_string(request, "authorizerId", max_id_length);
    if (type == "CUSTOM" || type == "COGNITO_USER_POOLS") {
      if (!authorizer || find_by(record.authorizers, "id", *authorizer) == nullptr) {
        // unconfirmed wording
        bad_request("Invalid authorizer ID specified. Setting the authorization type to " + type +
                    " requires a valid authorizer.");
      }
    }
    if (authorizer) out["authorizerId"] = *authorizer;
    json& resource = resource_of(record, request);
    if (resource.contains("resourceMethods") && resource["resourceMethods"].contains(method)) {
      conflict("Method already exists for this resource");  // AWS's wording
    }
    resource["resourceMethods"][method] = out;
    store(api_id, std::move(record));
    return out;
  }

  json get_method(const json& request, const core::call_context& context) {
    const std::string method = checked_http_method(request);
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record& record = api_of(request, context, &api_id);
    return method_of(resource_of(record, request), method);
  }

  json delete_method(const json& request, const core::call_context& context) {
    const std::string method = checked_http_method(request);
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    json& resource = resource_of(record, request);
    method_of(resource, method);
    resource["resourceMethods"].erase(method);
    if (resource["resourceMethods"].empty()) resource.erase("resourceMethods");
    store(api_id, std::move(record));
    return json::object();
  }

  json put_integration(const json& request, const core::call_context& context) {
    const std::string method = checked_http_method(request);
    const std::string type = required_string(request, "type", 16);
    if (type != "HTTP" && type != "AWS" && type != "MOCK" && type != "HTTP_PROXY" && type != "AWS_PROXY") {
      bad_request("Invalid integration type specified: " + type);  // unconfirmed
    }
    const std::optional<std::string> uri = optional_string(request, "uri", max_uri_length);
    // The integration's own method travels as "httpMethod" in the body (integrationHttpMethod).
    const std::optional<std::string> target_method = optional_string(request, "httpMethod", 16);
    if (type != "MOCK") {
      if (!target_method || target_method->empty())
        bad_request("Enumeration value for HttpMethod must be non-empty");         // AWS's wording
      if (!uri || uri->empty()) bad_request("Invalid integration URI specified");  // unconfirmed
    }
    if (type == "AWS_PROXY" && !control::function_arn_of(*uri)) {
      bad_request(
          "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream "
          "invocations.");  // AWS's wording (as reported)
    }
    json integration = {{"type", type},
                        {"passthroughBehavior", "WHEN_NO_MATCH"},
                        {"timeoutInMillis", 29'000},
                        {"cacheKeyParameters", json::array()}};
    if (target_method) integration["httpMethod"] = *target_method;
    if (uri) integration["uri"] = *uri;
    if (auto v = optional_string(request, "passthroughBehavior", 32)) integration["passthroughBehavior"] = *v;
    if (auto v = optional_string(request, "credentials", max_uri_length)) integration["credentials"] = *v;
    if (auto v = optional_string(request, "contentHandling", 32)) integration["contentHandling"] = *v;
    if (auto v = optional_string_map(request, "requestTemplates")) integration["requestTemplates"] = *v;
    if (auto v = optional_string_map(request, "requestParameters")) integration["requestParameters"] = *v;
    if (const auto it = request.find("timeoutInMillis"); it != request.end() && !it->is_null()) {
      // "Integration timeout: 50 milliseconds - 29 seconds" (API Gateway quotas for REST APIs).
      if (!it->is_number_integer() || it->get<std::int64_t>() < 50 || it->get<std::int64_t>() > 29'000)
        bad_request("Timeout should be between 50 ms and 29000 ms");  // AWS's wording (as reported)
      integration["timeoutInMillis"] = *it;
    }
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    json& resource = resource_of(record, request);
    integration["cacheNamespace"] = resource.at("id");
    method_of(resource, method)["methodIntegration"] = integration;
    store(api_id, std::move(record));
    return integration;
  }

  json get_integration(const json& request, const core::call_context& context) {
    const std::string method = checked_http_method(request);
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record& record = api_of(request, context, &api_id);
    json& found = method_of(resource_of(record, request), method);
    if (!found.contains("methodIntegration"))
      not_found("No integration defined for method");  // AWS's wording
    return found["methodIntegration"];
  }

  // ---- deployments and stages --------------------------------------------------------------------

  json new_stage(const std::string& name, const std::string& deployment_id, const json& request,
                 std::string_view description_member) {
    const std::int64_t now = epoch_seconds(clock.now());
    json stage = {{"deploymentId", deployment_id},
                  {"stageName", name},
                  {"cacheClusterEnabled", false},
                  {"cacheClusterStatus", "NOT_AVAILABLE"},
                  {"methodSettings", json::object()},
                  {"tracingEnabled", false},
                  {"createdDate", now},
                  {"lastUpdatedDate", now}};
    if (auto v = optional_string(request, description_member, max_description_length))
      stage["description"] = *v;
    if (auto v = optional_string_map(request, "variables")) stage["variables"] = *v;
    if (auto v = optional_string_map(request, "tags")) stage["tags"] = *v;
    return stage;
  }

  static void check_stage_name(const std::string& name) {
    // Stage names go into URLs: letters, digits, '-' and '_' (AWS's console rule; the API's
    // wording is unconfirmed).
    const bool ok = !name.empty() && name.size() <= 128 &&
                    std::all_of(name.begin(), name.end(),
                                [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
    if (!ok) bad_request("Stage name only allows a-zA-Z0-9_");  // unconfirmed
  }

  json create_deployment(const json& request, const core::call_context& context) {
    const std::optional<std::string> stage_name = optional_string(request, "stageName", 128);
    if (stage_name) check_stage_name(*stage_name);
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    const bool any_method = std::any_of(record.resources.begin(), record.resources.end(),
                                        [](const json& r) { return r.contains("resourceMethods"); });
    if (!any_method) bad_request("The REST API doesn't contain any methods");  // AWS's wording
    std::string id = short_id(ids);
    while (find_by(record.deployments, "id", id) != nullptr) id = short_id(ids);
    json deployment = {{"id", id}, {"createdDate", epoch_seconds(clock.now())}};
    if (auto v = optional_string(request, "description", max_description_length))
      deployment["description"] = *v;
    if (stage_name) {
      if (json* stage = find_by(record.stages, "stageName", *stage_name)) {
        (*stage)["deploymentId"] = id;
        (*stage)["lastUpdatedDate"] = epoch_seconds(clock.now());
        if (auto v = optional_string_map(request, "variables")) (*stage)["variables"] = *v;
      } else {
        record.stages.push_back(new_stage(*stage_name, id, request, "stageDescription"));
      }
    }
    record.deployments.push_back(deployment);
    store(api_id, std::move(record));
    return deployment;
  }

  json get_deployments(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    return page(api_of(request, context, &api_id).deployments, request);
  }

  json create_stage(const json& request, const core::call_context& context) {
    const std::string name = required_string(request, "stageName", 128);
    check_stage_name(name);
    const std::string deployment_id = required_string(request, "deploymentId", max_id_length);
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    if (find_by(record.deployments, "id", deployment_id) == nullptr)
      not_found("Invalid Deployment identifier specified");  // AWS's wording
    if (find_by(record.stages, "stageName", name) != nullptr)
      conflict("Stage already exists");  // AWS's wording
    json stage = new_stage(name, deployment_id, request, "description");
    record.stages.push_back(stage);
    store(api_id, std::move(record));
    return stage;
  }

  json get_stages(const json& request, const core::call_context& context) {
    const std::optional<std::string> deployment = optional_string(request, "deploymentId", max_id_length);
    std::lock_guard lock(mutex);
    std::string api_id;
    json items = json::array();
    for (const json& stage : api_of(request, context, &api_id).stages) {
      if (!deployment || stage.value("deploymentId", "") == *deployment) items.push_back(stage);
    }
    return {{"item", std::move(items)}};
  }

  json get_stage(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record& record = api_of(request, context, &api_id);
    const std::string name = required_string(request, "stage_name", 128);
    const json* stage = find_by(record.stages, "stageName", name);
    if (stage == nullptr) not_found("Invalid Stage identifier specified");  // AWS's wording
    return *stage;
  }

  json delete_stage(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    const std::string name = required_string(request, "stage_name", 128);
    json* stage = find_by(record.stages, "stageName", name);
    if (stage == nullptr) not_found("Invalid Stage identifier specified");
    record.stages.erase(record.stages.begin() + (stage - &record.stages[0]));
    store(api_id, std::move(record));
    return json::object();
  }

  // ---- authorizers -------------------------------------------------------------------------------

  json create_authorizer(const json& request, const core::call_context& context) {
    const std::string name = required_string(request, "name", max_name_length);
    const std::string type = required_string(request, "type", 32);
    if (type != "TOKEN" && type != "REQUEST" && type != "COGNITO_USER_POOLS") {
      bad_request("Invalid authorizer type specified: " + type);  // unconfirmed
    }
    json authorizer = {{"name", name}, {"type", type}, {"authorizerResultTtlInSeconds", 300}};
    if (type == "COGNITO_USER_POOLS") {
      const auto it = request.find("providerARNs");
      if (it == request.end() || !it->is_array() || it->empty() ||
          !std::all_of(it->begin(), it->end(), [](const json& v) { return v.is_string(); })) {
        bad_request(
            "ProviderARNs need to be specified for COGNITO_USER_POOLS type authorizer.");  // unconfirmed
      }
      authorizer["providerARNs"] = *it;
      authorizer["authType"] = "cognito_user_pools";
    } else if (auto uri = optional_string(request, "authorizerUri", max_uri_length)) {
      authorizer["authorizerUri"] = *uri;
      authorizer["authType"] = "custom";
    }
    const std::optional<std::string> source = optional_string(request, "identitySource", max_uri_length);
    if (!source && type != "REQUEST") bad_request("Identity source is required");  // unconfirmed
    if (source) authorizer["identitySource"] = *source;
    if (auto v = optional_string(request, "identityValidationExpression", max_uri_length))
      authorizer["identityValidationExpression"] = *v;
    if (const auto it = request.find("authorizerResultTtlInSeconds");
        it != request.end() && it->is_number_integer())
      authorizer["authorizerResultTtlInSeconds"] = *it;
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    std::string id = short_id(ids);
    while (find_by(record.authorizers, "id", id) != nullptr) id = short_id(ids);
    authorizer["id"] = id;
    record.authorizers.push_back(authorizer);
    store(api_id, std::move(record));
    return authorizer;
  }

  json get_authorizers(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    return page(api_of(request, context, &api_id).authorizers, request);
  }

  json get_authorizer(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record& record = api_of(request, context, &api_id);
    const std::string id = required_string(request, "authorizer_id", max_id_length);
    const json* authorizer = find_by(record.authorizers, "id", id);
    if (authorizer == nullptr) not_found("Invalid Authorizer identifier specified");  // AWS's wording
    return *authorizer;
  }

  json delete_authorizer(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    const std::string id = required_string(request, "authorizer_id", max_id_length);
    json* authorizer = find_by(record.authorizers, "id", id);
    if (authorizer == nullptr) not_found("Invalid Authorizer identifier specified");
    for (const json& resource : record.resources) {
      const json methods = resource.value("resourceMethods", json::object());
      for (const auto& [name, method] : methods.items()) {
        if (method.value("authorizerId", "") == id)
          conflict("Cannot delete authorizer '" + id + "', is referenced in method: " + name + " " +
                   resource.value("path", ""));  // unconfirmed
      }
    }
    record.authorizers.erase(record.authorizers.begin() + (authorizer - &record.authorizers[0]));
    store(api_id, std::move(record));
    return json::object();
  }
};

const rest_api_service::impl::operation* rest_api_service::impl::find_operation(std::string_view name) {
  static constexpr auto operations = core::make_operation_table<operation>({
      {"CreateAuthorizer", &impl::create_authorizer},
      {"CreateDeployment", &impl::create_deployment},
      {"CreateResource", &impl::create_resource},
      {"CreateRestApi", &impl::create_rest_api},
      {"CreateStage", &impl::create_stage},
      {"DeleteAuthorizer", &impl::delete_authorizer},
      {"DeleteMethod", &impl::delete_method},
      {"DeleteResource", &impl::delete_resource},
      {"DeleteRestApi", &impl::delete_rest_api},
      {"DeleteStage", &impl::delete_stage},
      {"GetAuthorizer", &impl::get_authorizer},
      {"GetAuthorizers", &impl::get_authorizers},
      {"GetDeployments", &impl::get_deployments},
      {"GetIntegration", &impl::get_integration},
      {"GetMethod", &impl::get_method},
      {"GetResource", &impl::get_resource},
      {"GetResources", &impl::get_resources},
      {"GetRestApi", &impl::get_rest_api},
      {"GetRestApis", &impl::get_rest_apis},
      {"GetStage", &impl::get_stage},
      {"GetStages", &impl::get_stages},
      {"PutIntegration", &impl::put_integration},
      {"PutMethod", &impl::put_method},
  });
  static_assert(operations.sorted(), "operations must be sorted by name");
  return operations.find(name);
}

rest_api_service::rest_api_service(storage::database& db, core::clock& clock, core::id_generator& ids)
    : impl_(std::make_unique<impl>(db, clock, ids)) {
  impl_->load();
}

rest_api_service::~rest_api_service() = default;

void rest_api_service::call(std::string_view operation, const nlohmann::json& request,
                            const core::call_context& context, core::call_completion done) {
  const impl::operation* handler = impl::find_operation(operation);
  if (handler == nullptr) {
    core::call_result out;
    out.error.emplace(core::error_code::unknown_operation,
                      "fogbank's apigateway does not implement " + std::string(operation));
    done(std::move(out));
    return;
  }
  done(core::run_funneled(funnel, operation, [&]() -> json {
    core::require_request_object(request);
    return (impl_.get()->*(*handler))(request, context);
  }));
}

nlohmann::json rest_api_service::health() const {
  std::lock_guard lock(impl_->mutex);
  json urls = json::array();
  for (const auto& [id, record] : impl_->apis) {
    for (const json& stage : record.stages) {
      urls.push_back(invoke_url(impl_->endpoint, id, stage.value("stageName", "")));
    }
  }
  return {{"restApis", impl_->apis.size()}, {"restApiUrls", std::move(urls)}};
}

void rest_api_service::set_endpoint(std::string endpoint) {
  std::lock_guard lock(impl_->mutex);
  impl_->endpoint = std::move(endpoint);
}

std::shared_ptr<const rest_api_view> rest_api_service::find_rest_api(std::string_view api_id) const {
  std::lock_guard lock(impl_->mutex);
  if (const auto cached = impl_->runtime.find(api_id); cached != impl_->runtime.end()) return cached->second;
  const auto it = impl_->apis.find(api_id);
  if (it == impl_->apis.end()) return nullptr;
  auto built = std::make_shared<const rest_api_view>(rest::make_view(api_id, it->second));
  impl_->runtime.emplace(std::string(api_id), built);
  return built;
}

std::string rest_api_service::invoke_url(std::string_view endpoint, std::string_view api_id,
                                         std::string_view stage) {
  std::string_view base = endpoint.empty() ? std::string_view("http://localhost:4566") : endpoint;
  while (base.ends_with('/')) base.remove_suffix(1);
  return std::string(base) + "/rest/" + std::string(api_id) + "/" + std::string(stage) + "/";
}

const rest_authorizer* rest_api_view::find_authorizer(std::string_view id) const noexcept {
  for (const rest_authorizer& a : authorizers) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

}  // namespace fogbank::apigw
