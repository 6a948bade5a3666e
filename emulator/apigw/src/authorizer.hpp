#pragma once
// Lambda authorizers at run time: which identity sources a request lacks, the REQUEST authorizer
// event of a WebSocket $connect, and what the function's answer (an IAM policy) decides. Pure
// functions: the gateway invokes the function and passes the Invoke result in.
//
// AWS's behaviour, from the developer guide ("Control access to WebSocket APIs with AWS Lambda
// REQUEST authorizers", "Output from an API Gateway Lambda authorizer", "Use API Gateway Lambda
// authorizers"):
//   - a request missing an identity source is refused with 401 Unauthorized before the function
//     is invoked;
//   - the function answers {"principalId", "policyDocument": {"Statement": [{"Action",
//     "Effect", "Resource"}]}, "context"?}; an Allow on the methodArn (and no Deny) admits the
//     request, anything else is 403 Forbidden;
//   - a function that fails with the error message "Unauthorized" answers 401; any other failure
//     or a malformed answer (no principalId, a context value that is not a string, number or
//     boolean) answers 500 (unconfirmed for WebSocket APIs, which document no status).
//   - the integration then sees requestContext.authorizer = the context's members plus
//     principalId.

#include "fogbank/core/service.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fogbank::apigw {

// An authorizer's answer nests no deeper than this before fogbank reads it (policies nest 3-4
// levels; core::max_request_nesting is the general bound).
inline constexpr int max_authorizer_answer_nesting = 32;
// Statements in one policy fogbank evaluates (unconfirmed: IAM bounds a policy by size, 10 KB
// for a role's inline policy; more statements than this are refused as malformed).
inline constexpr std::size_t max_policy_statements = 256;

// "arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<route>": a WebSocket route's
// methodArn ("In the case of $connect, methodArn ends with "$connect"").
std::string websocket_method_arn(std::string_view region, std::string_view account_id,
                                 std::string_view api_id, std::string_view stage, std::string_view route_key);

// The first of `sources` ("route.request.header.<name>" matched case-insensitively,
// "route.request.querystring.<name>") that the request lacks or carries empty; empty when every
// one is there. Other sources (context., stageVariables.) are never missing.
std::string missing_identity_source(const std::vector<std::string>& sources,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    std::string_view query);

// The value the request gives identity source `source` ("route.request.header.<name>", the first
// header of that name matched case-insensitively; "route.request.querystring.<name>", the first
// such parameter, URL-decoded). Empty when it lacks one; other sources are read as empty.
std::string identity_source_value(std::string_view source,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  std::string_view query);

// The REQUEST authorizer event for `connect_event` (the $connect event the integration would
// get): its headers, query parameters and requestContext, with "type": "REQUEST" and
// "methodArn".
nlohmann::json request_authorizer_event(const nlohmann::json& connect_event, std::string_view method_arn);

struct authorizer_decision {
  int status = 500;  // 200 admits; 401, 403 or 500 refuse
  // When admitted: requestContext.authorizer (context members and principalId).
  nlohmann::json authorizer;
};

// What the authorizer function's Invoke result decides for `method_arn`. Never throws.
authorizer_decision decide(const core::call_result& invoked, std::string_view method_arn) noexcept;

// IAM's resource match: '*' any run of characters, '?' any one character. Iterative (no
// recursion), linear in the product of the lengths at worst.
bool arn_matches(std::string_view pattern, std::string_view arn) noexcept;

}  // namespace fogbank::apigw
