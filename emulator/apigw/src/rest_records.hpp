#pragma once
// The REST API control plane's records and the pure pieces of its runtime: resource matching and
// the payload format 1.0 event, kept apart from the service so that tests reach them directly.

#include "fogbank/apigw/rest_api.hpp"
#include "fogbank/core/clock.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fogbank::apigw::rest {

using json = nlohmann::json;

// One REST API and everything under it, in the wire shapes GetX answers with.
struct api_record {
  std::string region;
  std::string account_id;
  json api = json::object();
  json resources = json::array();  // Resource shapes, each with its resourceMethods in full
  json authorizers = json::array();
  json deployments = json::array();
  json stages = json::array();
};

json to_storage(const api_record& record);
api_record from_storage(const json& stored);

// The runtime's view of `record` (the service caches it until the record changes).
rest_api_view make_view(std::string_view api_id, const api_record& record);

// ---- resource matching ------------------------------------------------------------------------

struct match {
  const rest_resource* resource = nullptr;
  const rest_method* method = nullptr;  // nullptr when the resource has no method for the request
  json path_parameters = nullptr;       // {"id": "42"} or null when there are none
};

// The resource and method serving `method` on `path` ("/pets/42", percent-decoded segments are
// compared; `path` as sent), as API Gateway picks them: at each level a literal part wins over a
// `{var}` part, which wins over `{proxy+}` (which takes the rest of the path, one segment at
// least); a method of the request's name wins over ANY. nullopt when no resource matches.
std::optional<match> match_resource(const rest_api_view& api, std::string_view method, std::string_view path);

// ---- the event and the response ------------------------------------------------------------

// What the event needs besides the request.
struct event_context {
  std::string request_id;           // a UUID, as AWS's REST requestIds are
  std::string extended_request_id;  // AWS's 16-character form
  core::time_point at;
  json stage_variables = nullptr;  // a JSON object, or null
  json authorizer = nullptr;       // {"claims": {...}} for a Cognito method, else null
};

// The Lambda proxy event, payload format 1.0, for `request` matched to `found` (the developer
// guide's "Input format of a Lambda function for proxy integration"): headers and query
// parameters keep the last value in the single-value maps and all of them in the multi-value
// ones, both null when absent; pathParameters and stageVariables null when empty; a body that is
// not UTF-8 goes base64 with isBase64Encoded true; body null without one.
json proxy_event(const rest_request& request, const rest_api_view& api, const match& found,
                 const event_context& context);

// The HTTP answer to a function's proxy response `response` (the developer guide's "Output format
// of a Lambda function for proxy integration"): statusCode (a number, or a numeric string;
// default 200), headers, multiValueHeaders, body (a string; base64 decoded when isBase64Encoded).
// nullopt for a malformed proxy response (not an object, a bad statusCode, a body that is not a
// string, headers that are not a map of strings), which API Gateway answers with 502.
std::optional<rest_response> map_proxy_response(const json& response);

// API Gateway's own answers ({"message": ...} bodies with x-amzn-ErrorType).
rest_response gateway_error(int status, std::string_view error_type, std::string_view body);
rest_response missing_authentication_token();
rest_response internal_server_error();
rest_response endpoint_timed_out();
rest_response unauthorized();
rest_response token_expired();
rest_response forbidden();

}  // namespace fogbank::apigw::rest
