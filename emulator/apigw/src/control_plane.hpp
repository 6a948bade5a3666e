#pragma once
// The control plane's records and request helpers, shared by its operation files.

#include "fogbank/apigw/service.hpp"
#include "fogbank/core/aws_error.hpp"
#include "fogbank/core/clock.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fogbank::apigw::control {

using json = nlohmann::json;

// Lengths from botocore's apigatewayv2 model (the shapes' names say them:
// StringWithLengthBetween1And128, ...Between0And1024, UriWithLengthBetween1And2048).
inline constexpr std::size_t max_name_length = 128;
inline constexpr std::size_t max_description_length = 1024;
inline constexpr std::size_t max_version_length = 64;
inline constexpr std::size_t max_uri_length = 2048;
inline constexpr std::size_t max_target_length = 128;
inline constexpr std::size_t max_stage_name_length = 128;
// SelectionKey has no length in the model; AWS's quota page gives none either (unconfirmed). A
// bound keeps stored records small.
inline constexpr std::size_t max_route_key_length = 1024;
// AWS's WebSocket integration timeout: 50 ms to 29 seconds ("Amazon API Gateway quotas for
// configuring and running a WebSocket API"); the model's shape allows up to 30000.
inline constexpr std::int64_t min_timeout_ms = 50;
inline constexpr std::int64_t max_timeout_ms = 29'000;
// GetApis and friends: the most items one page holds (unconfirmed; AWS documents maxResults as a
// string without a bound).
inline constexpr std::size_t max_page_size = 500;

// One API and everything under it, in the wire shapes GetX answers with (apiEndpoint aside: it
// depends on the caller's endpoint and is added on the way out).
struct api_record {
  std::string region;
  std::string account_id;
  json api = json::object();
  json routes = json::array();
  json integrations = json::array();
  json stages = json::array();
  json deployments = json::array();
  // Route responses of every route, each with the "routeId" it belongs to (stripped on the way
  // out: AWS's RouteResponse shape has no such member).
  json route_responses = json::array();
  // Authorizers (authorizer_control.cpp), in their wire shape.
  json authorizers = json::array();
};

json to_storage(const api_record& record);
api_record from_storage(const json& stored);

[[noreturn]] void bad_request(std::string message);
[[noreturn]] void not_found(std::string message);
[[noreturn]] void conflict(std::string message);

// `member` of `request`: nullopt when absent or null; BadRequestException when it is not a
// string or longer than `max_length` (`min_length` for required members).
std::optional<std::string> optional_string(const json& request, std::string_view member,
                                           std::size_t max_length);
std::string required_string(const json& request, std::string_view member, std::size_t max_length);
std::optional<bool> optional_bool(const json& request, std::string_view member);
// A map of strings (tags, stageVariables); nullopt when absent.
std::optional<json> optional_string_map(const json& request, std::string_view member);

// `at` as the model's __timestampIso8601, to the second: "2024-01-15T10:30:45Z".
std::string iso_timestamp(core::time_point at);

// The page of `items` that `request`'s maxResults and nextToken name, as {"items": [...],
// "nextToken"?: ...}.
json page(const json& items, const json& request);

// The Lambda function ARN an AWS_PROXY integrationUri names: a function ARN itself
// ("arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]"), or API Gateway's invocation
// URI around one ("arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations",
// what the console, CDK and SAM write). nullopt for anything else.
std::optional<std::string> function_arn_of(std::string_view uri);

// ---- members shared by Create* and Update* (control_members.cpp) ----------------------------
// Each applies the members `request` carries to `target` (an API, route, integration or stage in
// its wire shape), checking them as AWS does; absent members leave `target` as it is. They throw
// BadRequestException / ConflictException / NotFoundException and change nothing then (callers
// apply to a copy).

void apply_api_members(json& api, const json& request);
// `record` is the API the route belongs to (route keys are unique in it; targets name its
// integrations).
void apply_route_members(json& route, const json& request, const api_record& record);
// `http`: the integration belongs to an HTTP API (payload formats 1.0 and 2.0, 30 s timeout).
void apply_integration_members(json& integration, const json& request, bool http);
void apply_stage_members(json& stage, const json& request, const api_record& record);
// A route response's members (routeResponseKey, modelSelectionExpression, responseModels,
// responseParameters).
void apply_route_response_members(json& response, const json& request);

// The element of `items` whose `id_member` is `id`, or nullptr.
json* find_by(json& items, std::string_view id_member, std::string_view id);
const json* find_by(const json& items, std::string_view id_member, std::string_view id);

}  // namespace fogbank::apigw::control
