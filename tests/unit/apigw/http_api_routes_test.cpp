// HTTP API route keys and route matching (developer guide, "Working with routes for HTTP APIs":
// greedy variables, ANY, $default, and the most specific route winning).

#include "http_routes.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fogbank::apigw {
namespace {

std::vector<http_route_key> keys(const std::vector<std::string>& texts) {
  std::vector<http_route_key> out;
  for (const std::string& text : texts) {
    std::string error;
    std::optional<http_route_key> key = parse_http_route_key(text, &error);
    EXPECT_TRUE(key.has_value()) << text << ": " << error;
    if (key) out.push_back(std::move(*key));
  }
  return out;
}

// The key of the route `method path` takes among `routes`, or "none".
std::string route_for(const std::vector<std::string>& routes, std::string_view method,
                      std::string_view path) {
  const std::optional<http_route_match> match = match_http_route(keys(routes), method, path);
  return match ? routes[match->index] : "none";
}

TEST(http_routes, parses_the_route_key_forms_aws_documents) {
  std::string error;
  const auto key = parse_http_route_key("POST /messages/{id}", &error);
  ASSERT_TRUE(key) << error;
  EXPECT_EQ(key->method, "POST");
  ASSERT_EQ(key->segments.size(), 2u);
  EXPECT_EQ(key->segments[0].type, http_route_key::kind::literal);
  EXPECT_EQ(key->segments[1].type, http_route_key::kind::variable);
  EXPECT_EQ(key->segments[1].text, "id");
  const auto greedy = parse_http_route_key("ANY /{proxy+}", &error);
  ASSERT_TRUE(greedy) << error;
  EXPECT_EQ(greedy->segments[0].type, http_route_key::kind::greedy);
  EXPECT_EQ(greedy->segments[0].text, "proxy");
  EXPECT_TRUE(parse_http_route_key("$default", &error)->is_default);
  EXPECT_TRUE(parse_http_route_key("GET /", &error)->segments.empty());
}

TEST(http_routes, refuses_malformed_route_keys) {
  for (const char* bad : {"", "GET", "GET/contacts", "get /contacts", "FETCH /contacts", "GET contacts",
                          "GET /contacts/", "GET //x", "GET /{proxy+}/more", "GET /{}", "GET /{a}/{a}",
                          "GET /a{b}", "GET /{a b}", "$connect", "GET /a b"}) {
    std::string error;
    EXPECT_FALSE(parse_http_route_key(bad, &error).has_value()) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
  std::string error;
  parse_http_route_key("GET /x/{proxy+}/y", &error);
  EXPECT_EQ(error, "One or more path parts appear to be invalid: GET /x/{proxy+}/y");
}

TEST(http_routes, the_most_specific_route_wins) {
  // The developer guide's example set.
  const std::vector<std::string> routes = {"$default", "ANY /{proxy+}", "GET /pets/{proxy+}",
                                           "GET /pets/dog/{id}", "GET /pets/dog/1"};
  EXPECT_EQ(route_for(routes, "GET", "/pets/dog/1"), "GET /pets/dog/1");
  EXPECT_EQ(route_for(routes, "GET", "/pets/dog/2"), "GET /pets/dog/{id}");
  EXPECT_EQ(route_for(routes, "GET", "/pets/cat/1"), "GET /pets/{proxy+}");
  EXPECT_EQ(route_for(routes, "POST", "/pets/dog/1"), "ANY /{proxy+}");
  EXPECT_EQ(route_for(routes, "GET", "/"), "$default");
}

TEST(http_routes, a_method_specific_route_wins_over_any_for_the_same_path) {
  const std::vector<std::string> routes = {"ANY /contacts", "GET /contacts"};
  EXPECT_EQ(route_for(routes, "GET", "/contacts"), "GET /contacts");
  EXPECT_EQ(route_for(routes, "DELETE", "/contacts"), "ANY /contacts");
}

TEST(http_routes, without_default_an_unmatched_request_has_no_route) {
  const std::vector<std::string> routes = {"GET /contacts", "POST /messages/{id}"};
  EXPECT_EQ(route_for(routes, "GET", "/messages/7"), "none");
  EXPECT_EQ(route_for(routes, "POST", "/messages"), "none");
  EXPECT_EQ(route_for(routes, "POST", "/messages/7/extra"), "none");
  EXPECT_EQ(route_for(routes, "GET", "/contacts/"), "none");
}

TEST(http_routes, path_parameters_are_decoded_and_greedy_ones_keep_their_slashes) {
  const auto routes = keys({"GET /files/{owner}/{path+}"});
  const auto match = match_http_route(routes, "GET", "/files/ann%20b/a/b%2Fc.txt");
  ASSERT_TRUE(match);
  ASSERT_EQ(match->path_parameters.size(), 2u);
  EXPECT_EQ(match->path_parameters[0], (std::pair<std::string, std::string>{"owner", "ann b"}));
  EXPECT_EQ(match->path_parameters[1], (std::pair<std::string, std::string>{"path", "a/b/c.txt"}));
  // A greedy variable needs one segment at least.
  EXPECT_FALSE(match_http_route(keys({"ANY /{proxy+}"}), "GET", "/"));
}

TEST(http_routes, a_path_deeper_than_the_limit_matches_only_default) {
  std::string deep;
  for (std::size_t i = 0; i <= max_route_segments; ++i) deep += "/a";
  EXPECT_EQ(route_for({"ANY /{proxy+}", "$default"}, "GET", deep), "$default");
  EXPECT_EQ(route_for({"ANY /{proxy+}"}, "GET", "no-slash"), "none");
}

}  // namespace
}  // namespace fogbank::apigw
