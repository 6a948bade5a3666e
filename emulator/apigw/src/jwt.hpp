#pragma once
// JWT claim decoding for authorizers (API Gateway's Cognito user-pool authorizer on REST APIs, and
// any JWT authorizer that wants the same): a compact JWS (RFC 7515 section 7.1,
// "header.payload.signature", each part base64url without padding) is split, its header and
// payload decoded and parsed as JSON objects with a depth limit, and `exp` (RFC 7519 section
// 4.1.4, seconds since the epoch) checked against the service clock.
//
// The signature is NOT verified: fogbank trusts the token's claims, which is what local
// development needs (tokens minted by a test, or copied from a real user pool). README's API
// Gateway section says so. Pure functions; thread-safe; linear in the token's length.

#include "fogbank/core/clock.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace fogbank::apigw::jwt {

// Larger tokens are refused unread: Cognito's ID tokens are a few KB, and API Gateway caps a
// request's headers at 10 KB ("API Gateway quotas for REST APIs": total header size).
inline constexpr std::size_t max_token_length = 10 * 1024;
// The header and payload objects nest no deeper than this (claims are flat in practice: Cognito
// nests nothing; a little room for custom claims). Checked before parsing.
inline constexpr int max_nesting = 16;

enum class outcome {
  ok,
  malformed,  // not three base64url parts, not JSON objects, a non-numeric exp, too long or deep
  expired,    // exp at or before the clock's time
};

struct decoded {
  outcome result = outcome::malformed;
  nlohmann::json header;  // objects when result is ok or expired
  nlohmann::json claims;
};

// Decodes `token` and checks its `exp` (absent: never expires) against `now`. Never throws for
// any input.
decoded decode(std::string_view token, core::time_point now) noexcept;

// The token in an Authorization header value: the value itself, or what follows "Bearer "
// (case-insensitive), trimmed. API Gateway's Cognito authorizer takes the bare token; the
// "Bearer " form is accepted as well, as clients commonly send it.
std::string_view bearer_token(std::string_view header_value) noexcept;

// The claims as API Gateway's Cognito authorizer hands them to a REST API's integration
// (requestContext.authorizer.claims): every value a string. Strings as they are; numbers and
// booleans as their JSON text, except that the time claims exp, iat and auth_time become Java's
// Date form "Wed Mar 11 19:07:43 UTC 2020", as in events captured from AWS; arrays joined with
// ',' (cognito:groups, unconfirmed); objects as their JSON text.
nlohmann::json claims_as_strings(const nlohmann::json& claims);

// Decodes base64url text (RFC 4648 section 5, padding optional); nullopt for any other character.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace fogbank::apigw::jwt
