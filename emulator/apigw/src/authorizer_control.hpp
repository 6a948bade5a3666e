#pragma once
// apigatewayv2 authorizers: CreateAuthorizer, GetAuthorizer(s), UpdateAuthorizer,
// DeleteAuthorizer over one API's record, and the route members that name an authorizer
// (authorizationType CUSTOM / JWT, authorizerId, authorizationScopes). Members by botocore
// apigatewayv2 2018-11-29's wire names ("authorizerType", "authorizerUri", "identitySource",
// "jwtConfiguration": {"audience", "issuer"}, "authorizerResultTtlInSeconds", ...).
//
// What fogbank runs: REQUEST authorizers (a Lambda function) of WebSocket APIs on $connect, and
// JWT authorizers of HTTP APIs. Everything else is refused with BadRequestException rather than
// stored and silently ignored. The functions throw BadRequestException / NotFoundException /
// ConflictException and change nothing then.

#include "control_plane.hpp"

namespace fogbank::core {
class id_generator;
}

namespace fogbank::apigw::control {

// The most identity sources one authorizer names (unconfirmed: AWS documents none; a bound keeps
// the check per connect small).
inline constexpr std::size_t max_identity_sources = 16;
// AWS's bound on authorizerResultTtlInSeconds (botocore: IntegerWithLengthBetween0And3600).
inline constexpr std::int64_t max_authorizer_ttl_seconds = 3600;

json create_authorizer(api_record& record, const json& request, core::id_generator& ids);
const json& get_authorizer(const api_record& record, const json& request);
json update_authorizer(api_record& record, const json& request);
// ConflictException while a route names it.
void delete_authorizer(api_record& record, const json& request);

// Applies a route's authorizationType / authorizerId / authorizationScopes from `request` to
// `route` (of `record`'s API) and checks that they fit together once applied.
void apply_route_authorization(json& route, const json& request, const api_record& record);

}  // namespace fogbank::apigw::control
