#pragma once
// The apigatewayv2 control plane, for WebSocket APIs: APIs, routes, integrations, stages and
// deployments, behind the one call path (core::service). Registered as "apigatewayv2".
//
// Request and response objects are the REST-JSON wire shapes of botocore's apigatewayv2
// 2018-11-29 model: every member by its wire name (`locationName`: "apiId", "name",
// "protocolType", "routeSelectionExpression", "items", ...), members bound to the URI ("apiId",
// "routeId", "stageName") and query string ("maxResults") included under their wire names. So the
// HTTP front end passes bodies through unchanged, and an in-process caller writes what the API
// reference documents.
//
// Errors (apigatewayv2's own): NotFoundException (unknown API, route, integration, stage),
// BadRequestException (invalid input), ConflictException (a route key or stage name taken).
//
// Stored in the `meta` column, one record per API with its routes, integrations, stages and
// deployments, and read back at construction.

#include "fogbank/core/service.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::core {
class clock;
class id_generator;
}  // namespace fogbank::core
namespace fogbank::storage {
class database;
}

namespace fogbank::apigw {

// A parsed route selection expression: the path of body members it selects
// ("$request.body.a.b" -> {"a", "b"}; route_selection.hpp parses and evaluates it).
struct selection_expression {
  std::vector<std::string> body_path;
};

// A route of a WebSocket API as the runtime sees it.
struct websocket_route {
  std::string route_id;
  std::string route_key;  // "$connect", "$disconnect", "$default" or a custom key
  // The ARN of the Lambda function its AWS_PROXY integration invokes; empty when the route has
  // no integration (AWS then accepts $connect and ignores messages).
  std::string function_arn;
  // A two-way route (RouteResponseSelectionExpression set): the handler's `body` goes back to the
  // caller.
  bool two_way = false;
  // $connect's REQUEST authorizer (authorizationType CUSTOM): its Lambda function's ARN (empty
  // without one) and identity sources ("route.request.header.Auth", ...).
  std::string authorizer_function_arn;
  std::vector<std::string> identity_sources;
  // The authorizer's id and its AuthorizerResultTtlInSeconds (0: its answers are not cached).
  std::string authorizer_id;
  std::chrono::seconds authorizer_ttl{0};
};

// What the WebSocket runtime needs of an API, copied out under the service's lock.
struct websocket_api {
  std::string api_id;
  std::string region;
  std::string account_id;
  std::string route_selection_expression;
  // The expression parsed; nullopt when it does not parse (messages then get the Forbidden frame).
  std::optional<selection_expression> selection;
  std::vector<std::string> stages;
  std::vector<websocket_route> routes;

  const websocket_route* find_route(std::string_view key) const noexcept;
  bool has_stage(std::string_view name) const noexcept;
};

// What the HTTP API runtime reads of an HTTP API (defined in the library's src/http_api_model.hpp).
struct http_api;

class service final : public core::service {
 public:
  // All references must outlive the service. Throws std::runtime_error when the stored APIs
  // cannot be read back.
  service(storage::database& db, core::clock& clock, core::id_generator& ids);
  ~service() override;
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  // Runs one apigatewayv2 operation (Create/Get/Update/Delete of Api, Route, RouteResponse,
  // Integration, Stage, Deployment and Authorizer; GetAuthorizers; GetApis, GetRoutes, GetRouteResponses,
  // GetIntegrations, GetStages, GetDeployments) and calls `done` before returning. An unknown operation
  // answers UnknownOperationException. Thread-safe.
  void call(std::string_view operation, const nlohmann::json& request, const core::call_context& context,
            core::call_completion done) override;

  // {"apis": <count>, "invokeUrls": [<the invoke URL of every stage of every API>]}. Thread-safe.
  nlohmann::json health() const override;

  // The WebSocket API `api_id`, or nullptr. Built once and shared until the API, its routes or
  // integrations change (any write to the API drops it), so each message costs one map lookup
  // under the lock. The object never changes: a caller holding it sees the API as it was.
  // Thread-safe.
  std::shared_ptr<const websocket_api> find_websocket_api(std::string_view api_id) const;

  // The HTTP API `api_id` (ProtocolType HTTP), or nullptr; cached like find_websocket_api.
  // Thread-safe.
  std::shared_ptr<const http_api> find_http_api(std::string_view api_id) const;

  // The server's endpoint ("http://127.0.0.1:4566"), once known: health() and invoke_urls() build
  // the APIs' URLs on it. Thread-safe.
  void set_endpoint(std::string endpoint);
  // The invoke URL of every stage of every API ("ws://.../ws/<id>/<stage>",
  // "http://.../http/<id>[/<stage>]"), in API id order. Thread-safe.
  std::vector<std::string> invoke_urls() const;

  // The ApiEndpoint of API `api_id` for a caller that addressed `endpoint` ("http://host:port",
  // empty for the default "http://localhost:4566"): "ws://host:port/ws/<api-id>" ("wss://" for
  // "https://"), to which clients append "/<stage>" as on AWS.
  static std::string api_endpoint(std::string_view endpoint, std::string_view api_id);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace fogbank::apigw
