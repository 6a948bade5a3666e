#include "fogbank/apigw/service.hpp"

#include "authorizer_control.hpp"
#include "control_http.hpp"
#include "control_plane.hpp"
#include "ids.hpp"
#include "route_selection.hpp"

#include "fogbank/core/ids.hpp"
#include "fogbank/storage/database.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace fogbank::apigw {

using namespace control;

namespace {

// Storage layout. meta: "apigw-api/<api id>" -> the API's record (to_storage).
constexpr std::string_view meta_prefix = "apigw-api/";

// Failures no operation classified (core::run_funneled): a member of the wrong JSON type that
// got past the checks is the client's fault.
constexpr core::error_funnel funnel{core::error_code::apigw_bad_request,
                                    "Invalid request body",  // unconfirmed
                                    "API Gateway"};

bool valid_stage_name(std::string_view name) {
  // Stage names go into ws://.../ws/<api-id>/<stage> and into @connections callback URLs:
  // letters, digits, '-' and '_' as the console allows (unconfirmed for the API itself).
  if (name.empty() || name.size() > max_stage_name_length) return false;
  for (const char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

struct service::impl {
  using operation = json (impl::*)(const json&, const core::call_context&);
  // The handler of `name`, or nullptr.
  static const operation* find_operation(std::string_view name);

  impl(storage::database& database, core::clock& service_clock, core::id_generator& id_source)
      : db(database), clock(service_clock), ids(id_source) {}

  storage::database& db;
  core::clock& clock;
  core::id_generator& ids;
  mutable std::mutex mutex;
  std::map<std::string, api_record, std::less<>> apis;  // by API id
  // What the WebSocket runtime reads of each API (routes with their functions, the parsed
  // selection expression), built on first use and dropped whenever the API's record changes
  // (store, delete_api): messages read it without copying routes or parsing per message.
  mutable std::map<std::string, std::shared_ptr<const websocket_api>, std::less<>> runtime;
  // The same for HTTP APIs (find_http_api), dropped alike.
  mutable std::map<std::string, std::shared_ptr<const http_api>, std::less<>> http_runtime;
  // The server's own endpoint once known (set_endpoint): the invoke URLs health() lists.
  std::string endpoint;

  void load() {
    storage::scan_range range;
    range.lower = std::string(meta_prefix);
    range.upper = std::string(meta_prefix.substr(0, meta_prefix.size() - 1)) + char('/' + 1);
    auto it = db.scan(storage::column::meta, range);
    for (; it->valid(); it->next()) {
      const std::string id(it->key().substr(meta_prefix.size()));
      apis.emplace(id, from_storage(json::parse(it->value())));
    }
    if (const storage::status s = it->state(); !s.is_ok()) {
      throw std::runtime_error("cannot read API Gateway's APIs: " + s.message());
    }
  }

  // Writes `record` as API `id`'s, then keeps it. Nothing changes when the write fails.
  void store(const std::string& id, api_record record) {
    storage::write_batch batch;
    batch.put(storage::column::meta, std::string(meta_prefix) + id, to_storage(record).dump());
    if (const storage::status s = db.write(batch); !s.is_ok()) {
      throw core::aws_error(core::error_code::internal_failure, "storage failure: " + s.message());
    }
    apis.insert_or_assign(id, std::move(record));
    runtime.erase(id);
    http_runtime.erase(id);
  }

  // Writes `record` and answers `item` (the updated element, in its wire shape).
  json store_and_answer(const std::string& id, api_record record, json item) {
    store(id, std::move(record));
    return item;
  }

  // The API the request's apiId names, visible from the caller's region and account.
  const api_record& api_of(const json& request, const core::call_context& context, std::string* id) const {
    *id = required_string(request, "apiId", max_name_length);
    const auto it = apis.find(*id);
    if (it == apis.end() || it->second.region != context.region ||
        it->second.account_id != context.account_id) {
      not_found("Invalid API identifier specified " + *id);  // moto's wording (apigatewayv2/exceptions.py)
    }
    return it->second;
  }

  json with_endpoint(const json& api, const core::call_context& context) const {
    json out = api;
    const std::string id = api.at("apiId").get<std::string>();
    out["apiEndpoint"] =
        is_http(api) ? http_api_endpoint(context.endpoint, id) : service::api_endpoint(context.endpoint, id);
    return out;
  }

  // ---- APIs ----------------------------------------------------------------------------------

  json create_api(const json& request, const core::call_context& context) {
    const std::string name = required_string(request, "name", max_name_length);
    const std::string protocol = required_string(request, "protocolType", 16);
    if (protocol != "WEBSOCKET" && protocol != "HTTP") {
      bad_request("Invalid protocol specified. Must be one of [HTTP, WEBSOCKET]");  // moto's wording
    }
    if (protocol == "HTTP") return create_http_api(name, request, context);
    required_string(request, "routeSelectionExpression", max_uri_length);
    json api = {{"apiId", ""},
                {"apiKeySelectionExpression", "$request.header.x-api-key"},
                {"createdDate", iso_timestamp(clock.now())},
                {"disableExecuteApiEndpoint", false},
                {"name", name},
                {"protocolType", protocol},
                {"routeSelectionExpression", ""}};
    apply_api_members(api, request);
    if (auto v = optional_string_map(request, "tags")) api["tags"] = *v;

    return store_new_api(std::move(api), context, [](api_record&) {});
  }

  // Stores a new API under an id no other API has, after `complete` has added what else its
  // record holds (an HTTP API's quick-create routes), and answers it as CreateApi does.
  template <typename Complete>
  json store_new_api(json api, const core::call_context& context, Complete complete) {
    std::lock_guard lock(mutex);
    std::string id = new_api_id(ids);
    while (apis.contains(id)) id = new_api_id(ids);
    api["apiId"] = id;
    api_record record;
    record.region = context.region;
    record.account_id = context.account_id;
    record.api = api;
    complete(record);
    store(id, std::move(record));
    return with_endpoint(api, context);
  }

  json create_http_api(const std::string& name, const json& request, const core::call_context& context) {
    const std::string now = iso_timestamp(clock.now());
    json api = new_http_api(request, now);
    api["name"] = name;
    if (auto v = optional_string_map(request, "tags")) api["tags"] = *v;
    return store_new_api(std::move(api), context,
                         [&](api_record& record) { quick_create(record, request, ids, now); });
  }

  json get_api(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string id;
    return with_endpoint(api_of(request, context, &id).api, context);
  }

  json get_apis(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    json items = json::array();
    for (const auto& [id, record] : apis) {
      if (record.region == context.region && record.account_id == context.account_id) {
        items.push_back(with_endpoint(record.api, context));
      }
    }
    return page(items, request);
  }

  json update_api(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string id;
    api_record record = api_of(request, context, &id);
    if (is_http(record.api)) {
      for (const char* quick : {"routeKey", "target", "credentialsArn"}) {
        if (request.contains(quick) && !request[quick].is_null())
          bad_request(std::string(quick) +
                      " can be given only when the API is created (quick create)");  // unconfirmed
      }
      apply_http_api_members(record.api, request);
    } else {
      apply_api_members(record.api, request);
    }
    const json api = record.api;
    store(id, std::move(record));
    return with_endpoint(api, context);
  }

  json delete_api(const json& request, const core::call_context& context) {
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
    http_runtime.erase(id);
    return json::object();
  }

  // ---- routes --------------------------------------------------------------------------------

  json create_route(const json& request, const core::call_context& context) {
    const std::string key = required_string(request, "routeKey", max_route_key_length);
    json route = {
        {"apiKeyRequired", false}, {"authorizationType", "NONE"}, {"routeId", ""}, {"routeKey", key}};

    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    apply_route_members(route, request, record);
    std::string id = new_resource_id(ids);
    while (find_by(record.routes, "routeId", id) != nullptr) id = new_resource_id(ids);
    route["routeId"] = id;
    record.routes.push_back(route);
    store(api_id, std::move(record));
    return route;
  }

  json get_route(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    const api_record& record = api_of(request, context, &api_id);
    const std::string id = required_string(request, "routeId", max_name_length);
    const json* route = find_by(record.routes, "routeId", id);
    if (route == nullptr) not_found("Invalid Route identifier specified " + id);  // moto's wording
    return *route;
  }

  json get_routes(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    return page(api_of(request, context, &api_id).routes, request);
  }

  json update_route(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    json& route = route_of(record, request);
    json updated = route;
    apply_route_members(updated, request, record);
    route = updated;
    return store_and_answer(api_id, std::move(record), std::move(updated));
  }

  static json& route_of(api_record& record, const json& request) {
    const std::string id = required_string(request, "routeId", max_name_length);
    json* route = find_by(record.routes, "routeId", id);
    if (route == nullptr) not_found("Invalid Route identifier specified " + id);  // moto's wording
    return *route;
  }

  json delete_route(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    json* route = &route_of(record, request);
    const std::string id = route->value("routeId", "");
    record.routes.erase(record.routes.begin() + (route - &record.routes[0]));
    // Its route responses go with it.
    json kept = json::array();
    for (json& response : record.route_responses) {
      if (response.value("routeId", "") != id) kept.push_back(std::move(response));
    }
    record.route_responses = std::move(kept);
    store(api_id, std::move(record));
    return json::object();
  }

  // ---- integrations --------------------------------------------------------------------------

  json create_integration(const json& request, const core::call_context& context) {
    const std::string type = required_string(request, "integrationType", 16);
    const std::string uri = required_string(request, "integrationUri", max_uri_length);
    json integration = {
        {"connectionType", "INTERNET"},     {"integrationId", ""},   {"integrationMethod", "POST"},
        {"integrationType", type},          {"integrationUri", uri}, {"payloadFormatVersion", "1.0"},
        {"timeoutInMillis", max_timeout_ms}};

    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    const bool http = is_http(record.api);
    if (http) {
      integration["timeoutInMillis"] = max_http_timeout_ms;
      // "If you create a Lambda integration by using the AWS CLI, AWS CloudFormation, or an SDK, you
      // must specify a payloadFormatVersion" (developer guide; the wording here is unconfirmed).
      if (!request.contains("payloadFormatVersion") || request["payloadFormatVersion"].is_null())
        bad_request(
            "Invalid input: payloadFormatVersion is required for an HTTP API's AWS_PROXY integration");
    }
    apply_integration_members(integration, request, http);
    std::string id = new_resource_id(ids);
    while (find_by(record.integrations, "integrationId", id) != nullptr) id = new_resource_id(ids);
    integration["integrationId"] = id;
    record.integrations.push_back(integration);
    store(api_id, std::move(record));
    return integration;
  }

  json get_integration(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    const api_record& record = api_of(request, context, &api_id);
    const std::string id = required_string(request, "integrationId", max_name_length);
    const json* integration = find_by(record.integrations, "integrationId", id);
    if (integration == nullptr)
      not_found("Invalid Integration identifier specified " + id);  // moto's wording
    return *integration;
  }

  json get_integrations(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    return page(api_of(request, context, &api_id).integrations, request);
  }

  json update_integration(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    const std::string id = required_string(request, "integrationId", max_name_length);
    json* integration = find_by(record.integrations, "integrationId", id);
    if (integration == nullptr) not_found("Invalid Integration identifier specified " + id);
    json updated = *integration;
    apply_integration_members(updated, request, is_http(record.api));
    *integration = updated;
    return store_and_answer(api_id, std::move(record), std::move(updated));
  }

  json delete_integration(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    const std::string id = required_string(request, "integrationId", max_name_length);
    json* integration = find_by(record.integrations, "integrationId", id);
    if (integration == nullptr) not_found("Invalid Integration identifier specified " + id);
    if (find_by(record.routes, "target", "integrations/" + id) != nullptr) {
      conflict("Integration " + id + " is the target of a route and cannot be deleted");  // unconfirmed
    }
    record.integrations.erase(record.integrations.begin() + (integration - &record.integrations[0]));
    store(api_id, std::move(record));
    return json::object();
  }

  // ---- stages and deployments ----------------------------------------------------------------

  json create_stage(const json& request, const core::call_context& context) {
    const std::string name = required_string(request, "stageName", max_stage_name_length);
    // HTTP APIs have a `$default` stage, served at the API's root.
    if (!valid_stage_name(name) && name != "$default") {
      bad_request("Invalid stage name specified: " + name +
                  ". Stage names contain only letters, digits, '-' and '_'");  // unconfirmed
    }
    const std::string now = iso_timestamp(clock.now());
    // defaultRouteSettings as a WebSocket stage reports them (moto's models.py, after AWS).
    json stage = {{"createdDate", now},
                  {"defaultRouteSettings",
                   {{"dataTraceEnabled", false}, {"detailedMetricsEnabled", false}, {"loggingLevel", "OFF"}}},
                  {"lastUpdatedDate", now},
                  {"routeSettings", json::object()},
                  {"stageName", name},
                  {"stageVariables", json::object()},
                  {"tags", json::object()}};
    if (auto v = optional_string_map(request, "tags")) stage["tags"] = *v;

    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    if (find_by(record.stages, "stageName", name) != nullptr)
      conflict("Stage " + name + " already exists");  // unconfirmed
    if (name == "$default" && !is_http(record.api))
      bad_request(
          "Invalid stage name specified: $default. Only HTTP APIs have a $default stage");  // unconfirmed
    if (is_http(record.api)) stage["defaultRouteSettings"] = {{"detailedMetricsEnabled", false}};
    apply_stage_members(stage, request, record);
    record.stages.push_back(stage);
    store(api_id, std::move(record));
    return stage;
  }

  json get_stage(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    const api_record& record = api_of(request, context, &api_id);
    const std::string name = required_string(request, "stageName", max_stage_name_length);
    const json* stage = find_by(record.stages, "stageName", name);
    if (stage == nullptr) not_found("Invalid stage identifier specified " + name);  // unconfirmed
    return *stage;
  }

  json get_stages(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    return page(api_of(request, context, &api_id).stages, request);
  }

  json update_stage(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    const std::string name = required_string(request, "stageName", max_stage_name_length);
    json* stage = find_by(record.stages, "stageName", name);
    if (stage == nullptr) not_found("Invalid stage identifier specified " + name);  // unconfirmed
    json updated = *stage;
    apply_stage_members(updated, request, record);
    updated["lastUpdatedDate"] = iso_timestamp(clock.now());
    *stage = updated;
    return store_and_answer(api_id, std::move(record), std::move(updated));
  }

  json delete_stage(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    const std::string name = required_string(request, "stageName", max_stage_name_length);
    json* stage = find_by(record.stages, "stageName", name);
    if (stage == nullptr) not_found("Invalid stage identifier specified " + name);
    record.stages.erase(record.stages.begin() + (stage - &record.stages[0]));
    store(api_id, std::move(record));
    return json::object();
  }

  // Accepted and recorded: fogbank serves an API's current routes at once, with or without a
  // deployment (there is no snapshot of the routes to deploy).
  json create_deployment(const json& request, const core::call_context& context) {
    const std::optional<std::string> description =
        optional_string(request, "description", max_description_length);
    const std::optional<std::string> stage_name =
        optional_string(request, "stageName", max_stage_name_length);
    const std::string now = iso_timestamp(clock.now());

    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    json* stage = nullptr;
    if (stage_name) {
      stage = find_by(record.stages, "stageName", *stage_name);
      if (stage == nullptr) not_found("Invalid stage identifier specified " + *stage_name);  // unconfirmed
    }
    std::string id = new_resource_id(ids);
    while (find_by(record.deployments, "deploymentId", id) != nullptr) id = new_resource_id(ids);
    json deployment = {{"autoDeployed", false},
                       {"createdDate", now},
                       {"deploymentId", id},
                       {"deploymentStatus", "DEPLOYED"}};
    if (description) deployment["description"] = *description;
    if (stage != nullptr) {
      (*stage)["deploymentId"] = id;
      (*stage)["lastUpdatedDate"] = now;
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

  static json& deployment_of(api_record& record, const json& request) {
    const std::string id = required_string(request, "deploymentId", max_name_length);
    json* deployment = find_by(record.deployments, "deploymentId", id);
    if (deployment == nullptr) not_found("Invalid Deployment identifier specified " + id);  // unconfirmed
    return *deployment;
  }

  json get_deployment(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    return deployment_of(record, request);
  }

  json update_deployment(const json& request, const core::call_context& context) {
    const std::optional<std::string> description =
        optional_string(request, "description", max_description_length);
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    json& deployment = deployment_of(record, request);
    if (description) deployment["description"] = *description;
    const json updated = deployment;
    return store_and_answer(api_id, std::move(record), updated);
  }

  json delete_deployment(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    json* deployment = &deployment_of(record, request);
    const std::string id = deployment->value("deploymentId", "");
    // A stage's deployment cannot go from under it: API Gateway (REST APIs) answers "Active
    // stages pointing to this deployment must be moved or deleted" (unconfirmed for
    // apigatewayv2).
    if (find_by(record.stages, "deploymentId", id) != nullptr) {
      bad_request("Active stages pointing to this deployment must be moved or deleted");
    }
    record.deployments.erase(record.deployments.begin() + (deployment - &record.deployments[0]));
    store(api_id, std::move(record));
    return json::object();
  }

  // ---- authorizers (authorizer_control.cpp) -------------------------------------------------

  json create_authorizer(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    json out = control::create_authorizer(record, request, ids);
    return store_and_answer(api_id, std::move(record), std::move(out));
  }
  json get_authorizer(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    return control::get_authorizer(api_of(request, context, &api_id), request);
  }
  json get_authorizers(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    return page(api_of(request, context, &api_id).authorizers, request);
  }
  json update_authorizer(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    json out = control::update_authorizer(record, request);
    return store_and_answer(api_id, std::move(record), std::move(out));
  }
  json delete_authorizer(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    control::delete_authorizer(record, request);
    return store_and_answer(api_id, std::move(record), json::object());
  }

  // ---- route responses -----------------------------------------------------------------------
  // Recorded and answered; the runtime sends a two-way route's handler body back whether or not
  // the route has a $default route response (fogbank does not check models).

  // Route response `id` of route `route_id`, or not found.
  static json& route_response_of(api_record& record, const std::string& route_id, const json& request) {
    const std::string id = required_string(request, "routeResponseId", max_name_length);
    for (json& response : record.route_responses) {
      if (response.value("routeId", "") == route_id && response.value("routeResponseId", "") == id) {
        return response;
      }
    }
    not_found("Invalid RouteResponse identifier specified " + id);  // unconfirmed
  }

  static json without_route_id(json response) {
    response.erase("routeId");
    return response;
  }

  json create_route_response(const json& request, const core::call_context& context) {
    const std::string key = required_string(request, "routeResponseKey", max_route_key_length);
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    const std::string route_id = route_of(record, request).value("routeId", "");
    json response = {{"routeResponseKey", key}};
    apply_route_response_members(response, request);
    for (const json& other : record.route_responses) {
      if (other.value("routeId", "") == route_id && other.value("routeResponseKey", "") == key) {
        conflict("Route response with key " + key + " already exists for this route");  // unconfirmed
      }
    }
    std::string id = new_resource_id(ids);
    while (find_by(record.route_responses, "routeResponseId", id) != nullptr) id = new_resource_id(ids);
    response["routeResponseId"] = id;
    json stored = response;
    stored["routeId"] = route_id;
    record.route_responses.push_back(std::move(stored));
    return store_and_answer(api_id, std::move(record), std::move(response));
  }

  json get_route_response(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    const std::string route_id = route_of(record, request).value("routeId", "");
    return without_route_id(route_response_of(record, route_id, request));
  }

  json get_route_responses(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    const std::string route_id = route_of(record, request).value("routeId", "");
    json items = json::array();
    for (const json& response : record.route_responses) {
      if (response.value("routeId", "") == route_id) items.push_back(without_route_id(response));
    }
    return page(items, request);
  }

  json update_route_response(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    const std::string route_id = route_of(record, request).value("routeId", "");
    json& response = route_response_of(record, route_id, request);
    json updated = response;
    apply_route_response_members(updated, request);
    response = updated;
    return store_and_answer(api_id, std::move(record), without_route_id(std::move(updated)));
  }

  json delete_route_response(const json& request, const core::call_context& context) {
    std::lock_guard lock(mutex);
    std::string api_id;
    api_record record = api_of(request, context, &api_id);
    const std::string route_id = route_of(record, request).value("routeId", "");
    json* response = &route_response_of(record, route_id, request);
    record.route_responses.erase(record.route_responses.begin() + (response - &record.route_responses[0]));
    store(api_id, std::move(record));
    return json::object();
  }
};

const service::impl::operation* service::impl::find_operation(std::string_view name) {
  static constexpr auto operations = core::make_operation_table<operation>({
      {"CreateApi", &impl::create_api},
      {"CreateAuthorizer", &impl::create_authorizer},
      {"CreateDeployment", &impl::create_deployment},
      {"CreateIntegration", &impl::create_integration},
      {"CreateRoute", &impl::create_route},
      {"CreateRouteResponse", &impl::create_route_response},
      {"CreateStage", &impl::create_stage},
      {"DeleteApi", &impl::delete_api},
      {"DeleteAuthorizer", &impl::delete_authorizer},
      {"DeleteDeployment", &impl::delete_deployment},
      {"DeleteIntegration", &impl::delete_integration},
      {"DeleteRoute", &impl::delete_route},
      {"DeleteRouteResponse", &impl::delete_route_response},
      {"DeleteStage", &impl::delete_stage},
      {"GetApi", &impl::get_api},
      {"GetApis", &impl::get_apis},
      {"GetAuthorizer", &impl::get_authorizer},
      {"GetAuthorizers", &impl::get_authorizers},
      {"GetDeployment", &impl::get_deployment},
      {"GetDeployments", &impl::get_deployments},
      {"GetIntegration", &impl::get_integration},
      {"GetIntegrations", &impl::get_integrations},
      {"GetRoute", &impl::get_route},
      {"GetRouteResponse", &impl::get_route_response},
      {"GetRouteResponses", &impl::get_route_responses},
      {"GetRoutes", &impl::get_routes},
      {"GetStage", &impl::get_stage},
      {"GetStages", &impl::get_stages},
      {"UpdateApi", &impl::update_api},
      {"UpdateAuthorizer", &impl::update_authorizer},
      {"UpdateDeployment", &impl::update_deployment},
      {"UpdateIntegration", &impl::update_integration},
      {"UpdateRoute", &impl::update_route},
      {"UpdateRouteResponse", &impl::update_route_response},
      {"UpdateStage", &impl::update_stage},
  });
  static_assert(operations.sorted(), "operations must be sorted by name");
  return operations.find(name);
}

const websocket_route* websocket_api::find_route(std::string_view key) const noexcept {
  for (const websocket_route& route : routes) {
    if (route.route_key == key) return &route;
  }
  return nullptr;
}

bool websocket_api::has_stage(std::string_view name) const noexcept {
  for (const std::string& stage : stages) {
    if (stage == name) return true;
  }
  return false;
}

service::service(storage::database& db, core::clock& clock, core::id_generator& ids)
    : impl_(std::make_unique<impl>(db, clock, ids)) {
  impl_->load();
}

service::~service() = default;

void service::call(std::string_view operation, const nlohmann::json& request,
                   const core::call_context& context, core::call_completion done) {
  const impl::operation* handler = impl::find_operation(operation);
  if (handler == nullptr) {
    core::call_result out;
    out.error.emplace(core::error_code::unknown_operation,
                      "fogbank's apigatewayv2 does not implement " + std::string(operation));
    done(std::move(out));
    return;
  }
  done(core::run_funneled(funnel, operation, [&]() -> json {
    core::require_request_object(request);
    return (impl_.get()->*(*handler))(request, context);
  }));
}

nlohmann::json service::health() const {
  std::size_t count = 0;
  {
    std::lock_guard lock(impl_->mutex);
    count = impl_->apis.size();
  }
  return {{"apis", count}, {"invokeUrls", invoke_urls()}};
}

std::shared_ptr<const websocket_api> service::find_websocket_api(std::string_view api_id) const {
  std::lock_guard lock(impl_->mutex);
  if (const auto cached = impl_->runtime.find(api_id); cached != impl_->runtime.end()) return cached->second;
  const auto it = impl_->apis.find(api_id);
  if (it == impl_->apis.end()) return nullptr;
  const api_record& record = it->second;
  auto out = std::make_shared<websocket_api>();
  out->api_id = std::string(api_id);
  out->region = record.region;
  out->account_id = record.account_id;
  out->route_selection_expression = record.api.value("routeSelectionExpression", "");
  out->selection = parse_route_selection(out->route_selection_expression);
  for (const json& stage : record.stages) out->stages.push_back(stage.value("stageName", ""));
  for (const json& route : record.routes) {
    websocket_route r;
    r.route_id = route.value("routeId", "");
    r.route_key = route.value("routeKey", "");
    r.two_way = route.contains("routeResponseSelectionExpression");
    if (route.value("authorizationType", "") == "CUSTOM") {
      if (const json* a = find_by(record.authorizers, "authorizerId", route.value("authorizerId", ""))) {
        r.authorizer_function_arn = function_arn_of(a->value("authorizerUri", "")).value_or("");
        r.authorizer_id = a->value("authorizerId", "");
        // authorizer_cache.hpp: a missing TTL is 0 (unconfirmed).
        r.authorizer_ttl = std::chrono::seconds(a->value("authorizerResultTtlInSeconds", std::int64_t{0}));
        for (const json& source : a->value("identitySource", json::array()))
          r.identity_sources.push_back(source);
      }
    }
    const std::string target = route.value("target", "");
    constexpr std::string_view prefix = "integrations/";
    if (target.starts_with(prefix)) {
      const json* integration = find_by(record.integrations, "integrationId", target.substr(prefix.size()));
      if (integration != nullptr) {
        r.function_arn = function_arn_of(integration->value("integrationUri", "")).value_or("");
      }
    }
    out->routes.push_back(std::move(r));
  }
  std::shared_ptr<const websocket_api> built = std::move(out);
  impl_->runtime.emplace(std::string(api_id), built);
  return built;
}

std::shared_ptr<const http_api> service::find_http_api(std::string_view api_id) const {
  std::lock_guard lock(impl_->mutex);
  if (const auto cached = impl_->http_runtime.find(api_id); cached != impl_->http_runtime.end())
    return cached->second;
  const auto it = impl_->apis.find(api_id);
  if (it == impl_->apis.end() || !is_http(it->second.api)) return nullptr;
  std::shared_ptr<const http_api> built = build_http_api(std::string(api_id), it->second);
  impl_->http_runtime.emplace(std::string(api_id), built);
  return built;
}

void service::set_endpoint(std::string endpoint) {
  std::lock_guard lock(impl_->mutex);
  impl_->endpoint = std::move(endpoint);
}

std::vector<std::string> service::invoke_urls() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<std::string> out;
  for (const auto& [id, record] : impl_->apis) {
    const bool http = is_http(record.api);
    const std::string base =
        http ? http_api_endpoint(impl_->endpoint, id) : service::api_endpoint(impl_->endpoint, id);
    for (const json& stage : record.stages) {
      const std::string name = stage.value("stageName", "");
      // The $default stage is the API's root (HTTP APIs).
      out.push_back(name == "$default" ? base : base + "/" + name);
    }
  }
  return out;
}

std::string service::api_endpoint(std::string_view endpoint, std::string_view api_id) {
  std::string_view rest = endpoint.empty() ? std::string_view("http://localhost:4566") : endpoint;
  std::string scheme = "ws://";
  if (rest.starts_with("https://")) {
    scheme = "wss://";
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  }
  while (rest.ends_with('/')) rest.remove_suffix(1);
  return scheme + std::string(rest) + "/ws/" + std::string(api_id);
}

}  // namespace fogbank::apigw
