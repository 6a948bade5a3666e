#pragma once
// The control plane's HTTP API parts (ProtocolType HTTP): what differs from WebSocket APIs in
// CreateApi (quick create, CORS), route keys, integrations and stages, and the runtime view of an
// HTTP API (http_api_model.hpp). Members by botocore apigatewayv2 2018-11-29's wire names.

#include "control_plane.hpp"
#include "http_api_model.hpp"

#include <memory>

namespace fogbank::core {
class id_generator;
}

namespace fogbank::apigw::control {

// AWS's HTTP API integration timeout: 50 ms to 30 seconds, 30 by default ("Amazon API Gateway
// quotas for configuring and running an HTTP API").
inline constexpr std::int64_t max_http_timeout_ms = 30'000;
// The one route selection expression HTTP APIs have (API reference, Api: "For HTTP APIs, this
// value must be ${request.method} ${request.path}"); given by default.
inline constexpr std::string_view http_route_selection = "${request.method} ${request.path}";

bool is_http(const json& api);

// The API record CreateApi makes for ProtocolType HTTP (apiId still empty).
json new_http_api(const json& request, const std::string& created);

// The members UpdateApi may change on an HTTP API (CORS included; quick-create members refused).
void apply_http_api_members(json& api, const json& request);

// BadRequestException unless `key` is "$default" or "METHOD /path" (http_routes.hpp).
void check_http_route_key(const std::string& key);

// Quick create (CreateApi with `target`): an AWS_PROXY integration with payload format 2.0 to the
// target function, a route (`routeKey`, else "$default") to it, and the `$default` stage with
// autoDeploy, as the API reference describes ("Quick create produces an API with an integration,
// a default catch-all route, and a default stage which is configured to automatically deploy
// changes"). Ids are drawn from `ids`.
void quick_create(api_record& record, const json& request, core::id_generator& ids, const std::string& now);

// The runtime view of `record` (an HTTP API).
std::shared_ptr<const http_api> build_http_api(const std::string& api_id, const api_record& record);

// "http://host:port/http/<api-id>" for a caller that addressed `endpoint` ("https://" kept).
std::string http_api_endpoint(std::string_view endpoint, std::string_view api_id);

}  // namespace fogbank::apigw::control
