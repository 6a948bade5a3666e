// JWT claim decoding (emulator/apigw/src/jwt.hpp): compact JWS parts, base64url, the depth
// limit, `exp` against the service clock, and the claims as API Gateway's Cognito authorizer
// hands them to a REST API (strings).

#include "jwt.hpp"

#include "fogbank/core/encoding.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fogbank::apigw::jwt {
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

std::string token(const json& claims, const std::string& signature = "c2ln") {
  return b64url(R"({"alg":"HS256","typ":"JWT"})") + "." + b64url(claims.dump()) + "." + signature;
}

const core::time_point now{std::chrono::seconds{1'700'000'000}};

TEST(jwt, decodes_the_claims_of_a_token_that_has_not_expired) {
  const decoded d = decode(token({{"cognito:username", "alice"}, {"exp", 1'700'000'100}}), now);
  ASSERT_EQ(d.result, outcome::ok);
  EXPECT_EQ(d.claims.value("cognito:username", ""), "alice");
  EXPECT_EQ(d.header.value("alg", ""), "HS256");
}

TEST(jwt, an_unsigned_token_with_an_empty_signature_decodes) {
  EXPECT_EQ(decode(token({{"sub", "x"}}, ""), now).result, outcome::ok);
}

TEST(jwt, exp_at_or_before_the_clock_is_expired) {
  EXPECT_EQ(decode(token({{"exp", 1'700'000'000}}), now).result, outcome::expired);
  EXPECT_EQ(decode(token({{"exp", 1'600'000'000}}), now).result, outcome::expired);
  EXPECT_EQ(decode(token({{"exp", 1'700'000'001}}), now).result, outcome::ok);
}

TEST(jwt, a_non_numeric_exp_is_malformed) {
  EXPECT_EQ(decode(token({{"exp", "tomorrow"}}), now).result, outcome::malformed);
}

TEST(jwt, garbled_tokens_are_malformed) {
  const std::string good = token({{"sub", "x"}});
  for (const std::string& bad :
       {std::string(""), std::string("abc"), std::string("a.b"), good + ".extra", std::string("..."),
        std::string("!!!.e30.sig"), b64url("[1]") + "." + b64url("{}") + ".x",  // header not an object
        b64url("{}") + "." + b64url("not json") + ".x", b64url("{}") + "." + b64url("{}") + ".s+g",
        b64url("{}") + "." + b64url("\xff\xfe") + ".x"}) {
    EXPECT_EQ(decode(bad, now).result, outcome::malformed) << "token: " << bad;
  }
}

TEST(jwt, claims_nested_past_the_limit_are_refused_before_parsing) {
  std::string deep;
  for (int i = 0; i < max_nesting + 1; ++i) deep += R"({"a":)";
  deep += "1";
  for (int i = 0; i < max_nesting + 1; ++i) deep += "}";
  EXPECT_EQ(decode(b64url("{}") + "." + b64url(deep) + ".x", now).result, outcome::malformed);
}

TEST(jwt, a_token_over_the_length_limit_is_refused) {
  const std::string big = token({{"pad", std::string(max_token_length, 'x')}});
  EXPECT_EQ(decode(big, now).result, outcome::malformed);
}

TEST(jwt, bearer_prefix_is_optional_and_case_insensitive) {
  EXPECT_EQ(bearer_token("Bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(bearer_token("bearer   abc "), "abc");
  EXPECT_EQ(bearer_token("abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(bearer_token("Bearer "), "Bearer");  // no token after it: taken as the token, which fails
  EXPECT_EQ(bearer_token(""), "");
}

TEST(jwt, claims_become_strings_as_api_gateway_gives_them) {
  const json claims = {{"sub", "8f0c"},        {"email_verified", true},
                       {"exp", 1'583'349'317}, {"iat", 1'583'345'717},
                       {"custom:n", 42},       {"cognito:groups", json::array({"admins", "users"})},
                       {"nested", {{"a", 1}}}};
  const json out = claims_as_strings(claims);
  const json expected = {{"sub", "8f0c"},
                         {"email_verified", "true"},
                         {"exp", "Wed Mar 04 19:15:17 UTC 2020"},
                         {"iat", "Wed Mar 04 18:15:17 UTC 2020"},
                         {"custom:n", "42"},
                         {"cognito:groups", "admins,users"},
                         {"nested", R"({"a":1})"}};
  EXPECT_EQ(out, expected) << "expected " << expected.dump() << "\n  actual " << out.dump();
}

TEST(jwt, a_time_claim_out_of_range_stays_a_number_text) {
  EXPECT_EQ(claims_as_strings({{"exp", 1e300}}).value("exp", ""), "1e+300");
}

}  // namespace
}  // namespace fogbank::apigw::jwt
