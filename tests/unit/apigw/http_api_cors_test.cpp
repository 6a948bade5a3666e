// CORS of HTTP APIs (developer guide, "Configuring CORS for an HTTP API"): preflights answered by
// API Gateway, the configured headers on responses, the integration's own CORS headers ignored.

#include "cors.hpp"

#include "fogbank/apigw/http_api.hpp"

#include <gtest/gtest.h>

namespace fogbank::apigw {
namespace {

using json = nlohmann::json;

cors_configuration config(const json& cors) {
  std::optional<cors_configuration> out = cors_from(json{{"corsConfiguration", cors}});
  EXPECT_TRUE(out.has_value());
  return out.value_or(cors_configuration{});
}

const header_list preflight_headers = {{"Origin", "https://app.example.com"},
                                       {"Access-Control-Request-Method", "PUT"},
                                       {"Access-Control-Request-Headers", "content-type,x-token"}};

TEST(http_api_cors, a_preflight_from_an_allowed_origin_gets_the_configured_headers) {
  const cors_configuration cors = config({{"allowOrigins", {"https://app.example.com"}},
                                          {"allowMethods", {"GET", "PUT"}},
                                          {"allowHeaders", {"content-type", "x-token"}},
                                          {"maxAge", 300},
                                          {"allowCredentials", true}});
  ASSERT_TRUE(is_preflight("OPTIONS", preflight_headers));
  const http_api_response r = preflight_response(cors, preflight_headers);
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(header_value(r.headers, "access-control-allow-origin"), "https://app.example.com");
  EXPECT_EQ(header_value(r.headers, "access-control-allow-methods"), "GET,PUT");
  EXPECT_EQ(header_value(r.headers, "access-control-allow-headers"), "content-type,x-token");
  EXPECT_EQ(header_value(r.headers, "access-control-max-age"), "300");
  EXPECT_EQ(header_value(r.headers, "access-control-allow-credentials"), "true");
  EXPECT_TRUE(r.body.empty());
}

TEST(http_api_cors, wildcards_allow_any_origin_and_echo_what_was_asked) {
  const cors_configuration cors =
      config({{"allowOrigins", {"*"}}, {"allowMethods", {"*"}}, {"allowHeaders", {"*"}}});
  const http_api_response r = preflight_response(cors, preflight_headers);
  EXPECT_EQ(header_value(r.headers, "access-control-allow-origin"), "*");
  EXPECT_EQ(header_value(r.headers, "access-control-allow-methods"), "PUT");
  EXPECT_EQ(header_value(r.headers, "access-control-allow-headers"), "content-type,x-token");
  EXPECT_FALSE(header_value(r.headers, "access-control-max-age"));
}

TEST(http_api_cors, a_preflight_from_another_origin_gets_no_cors_headers) {
  const cors_configuration cors =
      config({{"allowOrigins", {"https://other.example.com"}}, {"allowMethods", {"*"}}});
  const http_api_response r = preflight_response(cors, preflight_headers);
  EXPECT_EQ(r.status, 204);
  EXPECT_FALSE(header_value(r.headers, "access-control-allow-origin"));
}

TEST(http_api_cors, only_options_with_origin_and_request_method_is_a_preflight) {
  EXPECT_FALSE(is_preflight("OPTIONS", {{"Origin", "https://a"}}));
  EXPECT_FALSE(is_preflight("GET", preflight_headers));
}

TEST(http_api_cors, responses_carry_the_configured_headers_instead_of_the_integrations) {
  const cors_configuration cors =
      config({{"allowOrigins", {"https://app.example.com"}}, {"exposeHeaders", {"x-total", "date"}}});
  http_api_response r;
  r.headers = {{"Access-Control-Allow-Origin", "https://evil.example.com"}, {"content-type", "text/plain"}};
  add_cors_headers(cors, {{"origin", "https://app.example.com"}}, r);
  EXPECT_EQ(header_value(r.headers, "access-control-allow-origin"), "https://app.example.com");
  EXPECT_EQ(header_value(r.headers, "access-control-expose-headers"), "x-total,date");
  EXPECT_EQ(header_value(r.headers, "content-type"), "text/plain");
  std::size_t origins = 0;
  for (const auto& [name, value] : r.headers)
    origins += name == "access-control-allow-origin" || name == "Access-Control-Allow-Origin";
  EXPECT_EQ(origins, 1u);
  // Without Origin, nothing changes.
  http_api_response plain;
  plain.headers = {{"content-type", "text/plain"}};
  add_cors_headers(cors, {}, plain);
  EXPECT_EQ(plain.headers.size(), 1u);
}

}  // namespace
}  // namespace fogbank::apigw
