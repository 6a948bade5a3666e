#pragma once
// REST API Lambda authorizers (AWS::ApiGateway::Authorizer Type TOKEN or REQUEST): the event the
// function gets and what its answer means for the request. Pure functions; rest_gateway.cpp
// invokes the function. The policy itself is decided as for WebSocket APIs (authorizer.hpp).
//
// AWS's behaviour (developer guide, "Use API Gateway Lambda authorizers", "Input to an API Gateway
// Lambda authorizer", "Output from an API Gateway Lambda authorizer"):
//   - TOKEN: the event is {"type": "TOKEN", "authorizationToken": <the identity source header>,
//     "methodArn": ...}; a request without the header (or with it empty) is 401 Unauthorized before
//     the function runs;
//   - REQUEST: the event carries the request (type "REQUEST", methodArn, resource, path,
//     httpMethod, headers, multiValueHeaders, queryStringParameters,
//     multiValueQueryStringParameters, pathParameters, stageVariables, requestContext); a request
//     missing one of its identity sources is 401 before the function runs;
//   - methodArn is "arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>";
//   - the function failing with "Unauthorized" is 401 {"message":"Unauthorized"}; a Deny (or no
//     Allow of the methodArn) is 403 {"Message":"User is not authorized to access this resource
//     with an explicit deny"}; any other failure or a malformed answer is 500
//     AuthorizerConfigurationException {"message": null} (unconfirmed wording: as users report it);
//   - the integration then sees requestContext.authorizer = the context's members, principalId and
//     integrationLatency.
// Not done: caching (authorizerResultTtlInSeconds is stored but every request runs the function)
// and identityValidationExpression.

#include "authorizer.hpp"

#include "fogbank/apigw/rest_api.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace fogbank::apigw::rest {

std::string method_arn(const rest_api_view& api, std::string_view stage, std::string_view http_method,
                       std::string_view path);

// The event for `authorizer` on `request` (whose proxy event is `proxy_event`), or nullopt when the
// request lacks an identity source (401 without invoking).
std::optional<nlohmann::json> authorizer_event(const rest_authorizer& authorizer, const rest_request& request,
                                               const nlohmann::json& proxy_event,
                                               const std::string& method_arn);

// The refusal for a decision that is not 200.
rest_response refusal(const authorizer_decision& decision);

}  // namespace fogbank::apigw::rest
