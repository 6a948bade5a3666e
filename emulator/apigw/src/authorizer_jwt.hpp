#pragma once
// HTTP API JWT authorizers at run time (developer guide, "Control access to HTTP APIs with JWT
// authorizers in API Gateway" and "Troubleshooting issues with HTTP API JWT authorizers"):
//   1. the identity source ($request.header.Authorization, "Bearer " optional) must carry a token;
//   2. the token must decode (jwt.hpp: signatures are NOT verified locally) and not be expired;
//   3. its `iss` must equal the authorizer's issuer;
//   4. its `aud` (or `client_id` when there is no `aud`) must match one of the audiences;
//   5. when the route has authorizationScopes, the token's `scope` (space-separated) or `scp`
//      must hold at least one of them.
// 1-4 failing answer 401 {"message":"Unauthorized"} with a www-authenticate header naming the
// reason; 5 failing answers 403 {"message":"Forbidden"} (unconfirmed: the guide says only that
// the token "must include at least one of the route's scopes").

#include "fogbank/core/clock.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace fogbank::apigw {

// A route's JWT authorizer, as the runtime needs it (http_api_model.hpp).
struct http_jwt_authorizer {
  std::vector<std::string> identity_sources;  // "$request.header.Authorization", ...
  std::string issuer;
  std::vector<std::string> audience;
  std::vector<std::string> route_scopes;  // the route's authorizationScopes
};

struct jwt_decision {
  int status = 401;              // 200: authorized
  std::string www_authenticate;  // with 401/403: the header's value
  nlohmann::json authorizer;     // with 200: {"jwt": {"claims": {...}, "scopes": [...] | null}}
};

// Checks the request's token against `authorizer` at `now`. Never throws.
jwt_decision authorize_jwt(const http_jwt_authorizer& authorizer,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           std::string_view query, core::time_point now) noexcept;

}  // namespace fogbank::apigw
