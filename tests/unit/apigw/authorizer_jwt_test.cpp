// HTTP API JWT authorizers (authorizer_jwt.hpp): the workflow of the developer guide's "Control
// access to HTTP APIs with JWT authorizers in API Gateway" (token present, decodes, not expired,
// issuer, audience or client_id, scopes) and the 401 www-authenticate reasons of "Troubleshooting
// issues with HTTP API JWT authorizers".

#include "authorizer_jwt.hpp"

#include "fogbank/core/encoding.hpp"

#include <gtest/gtest.h>

namespace fogbank::apigw {
namespace {

using json = nlohmann::json;

std::string b64url(const std::string& bytes) {
  std::string out = core::base64_encode(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::string token(const json& claims) {
  return b64url(R"({"alg":"RS256","typ":"JWT"})") + "." + b64url(claims.dump()) + ".c2ln";
}

const core::time_point now{std::chrono::seconds{1'700'000'000}};
const std::string issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool";

http_jwt_authorizer authorizer(std::vector<std::string> scopes = {}) {
  return {{"$request.header.Authorization"}, issuer, {"client-a", "client-b"}, std::move(scopes)};
}

json good_claims() {
  return {{"iss", issuer},
          {"aud", "client-b"},
          {"sub", "u-1"},
          {"exp", 1'700'000'100},
          {"cognito:groups", {"admin", "ops"}}};
}

jwt_decision check(const http_jwt_authorizer& a, const std::string& header_value) {
  return authorize_jwt(a, {{"authorization", header_value}}, "", now);
}

TEST(jwt_authorizer, a_valid_token_passes_its_claims_as_strings_and_its_scopes) {
  json claims = good_claims();
  claims["scope"] = "read write";
  const jwt_decision d = check(authorizer(), "Bearer " + token(claims));
  ASSERT_EQ(d.status, 200) << d.www_authenticate;
  const json& jwt = d.authorizer["jwt"];
  EXPECT_EQ(jwt["claims"]["sub"], "u-1");
  EXPECT_EQ(jwt["claims"]["exp"], "1700000100");
  EXPECT_EQ(jwt["claims"]["cognito:groups"], "[admin ops]");
  EXPECT_EQ(jwt["scopes"], json({"read", "write"}));
}

TEST(jwt_authorizer, missing_garbled_and_expired_tokens_are_401) {
  const jwt_decision missing = authorize_jwt(authorizer(), {}, "", now);
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(check(authorizer(), "Bearer not.a.token").status, 401);
  json expired = good_claims();
  expired["exp"] = 1'600'000'000;
  const jwt_decision d = check(authorizer(), token(expired));
  EXPECT_EQ(d.status, 401);
  EXPECT_NE(d.www_authenticate.find("invalid_token"), std::string::npos) << d.www_authenticate;
}

TEST(jwt_authorizer, issuer_or_audience_mismatch_is_401_and_client_id_stands_in_for_aud) {
  json other_issuer = good_claims();
  other_issuer["iss"] = "https://elsewhere";
  EXPECT_EQ(check(authorizer(), token(other_issuer)).status, 401);
  json other_audience = good_claims();
  other_audience["aud"] = "client-z";
  const jwt_decision d = check(authorizer(), token(other_audience));
  EXPECT_EQ(d.status, 401);
  EXPECT_NE(d.www_authenticate.find("the token does not have a valid audience"), std::string::npos);
  // "API Gateway validates client_id only if aud is not present."
  json access_token = good_claims();
  access_token.erase("aud");
  access_token["client_id"] = "client-a";
  EXPECT_EQ(check(authorizer(), token(access_token)).status, 200);
  access_token["aud"] = "client-z";
  EXPECT_EQ(check(authorizer(), token(access_token)).status, 401);
}

TEST(jwt_authorizer, a_route_with_scopes_needs_one_of_them) {
  json claims = good_claims();
  claims["scope"] = "read";
  EXPECT_EQ(check(authorizer({"write", "read"}), token(claims)).status, 200);
  EXPECT_EQ(check(authorizer({"admin"}), token(claims)).status, 403);
}

}  // namespace
}  // namespace fogbank::apigw
