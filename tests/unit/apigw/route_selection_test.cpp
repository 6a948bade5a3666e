// Route selection by RouteSelectionExpression (AWS developer guide, "Working with routes for
// WebSocket APIs": non-JSON and unmatched messages go to $default; without one, the caller gets
// {"message": "Forbidden", "connectionId": ..., "requestId": ...}).

#include "route_selection.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace fogbank::apigw {
namespace {

selection_expression parse(std::string_view text) {
  std::optional<selection_expression> e = parse_route_selection(text);
  EXPECT_TRUE(e.has_value()) << text;
  return e.value_or(selection_expression{});
}

TEST(route_selection, parses_both_spellings_of_a_body_path) {
  EXPECT_EQ(parse("$request.body.action").body_path, (std::vector<std::string>{"action"}));
  EXPECT_EQ(parse("${request.body.action}").body_path, (std::vector<std::string>{"action"}));
  EXPECT_EQ(parse("$request.body.message.type").body_path, (std::vector<std::string>{"message", "type"}));
}

TEST(route_selection, refuses_what_is_not_a_body_path) {
  for (const char* bad :
       {"", "action", "$request.body", "$request.body.", "$request.body.a..b", "$request.header.x",
        "${request.body.action", "$request.body.a b", "$context.routeKey"}) {
    EXPECT_FALSE(parse_route_selection(bad).has_value()) << bad;
  }
  std::string deep = "$request.body.a";
  for (std::size_t i = 1; i < max_selection_path; ++i) deep += ".a";
  EXPECT_TRUE(parse_route_selection(deep).has_value());
  EXPECT_FALSE(parse_route_selection(deep + ".a").has_value());
}

TEST(route_selection, evaluates_the_member_the_path_names) {
  const selection_expression action = parse("$request.body.action");
  EXPECT_EQ(evaluate_route_selection(action, R"({"action":"send","x":1})", false), "send");
  EXPECT_EQ(evaluate_route_selection(parse("$request.body.m.t"), R"({"m":{"t":"join"}})", false), "join");
  // Numbers and booleans select by their JSON text (route_selection.hpp; unconfirmed against AWS).
  EXPECT_EQ(evaluate_route_selection(action, R"({"action":7})", false), "7");
  EXPECT_EQ(evaluate_route_selection(action, R"({"action":-3})", false), "-3");
  EXPECT_EQ(evaluate_route_selection(action, R"({"action":7.5})", false), "7.5");
  EXPECT_EQ(evaluate_route_selection(action, R"({"action":7.0})", false), "7.0");
  EXPECT_EQ(evaluate_route_selection(action, R"({"action":1e2})", false), "100.0");
  EXPECT_EQ(evaluate_route_selection(action, R"({"action":true})", false), "true");
  EXPECT_EQ(evaluate_route_selection(action, R"({"action":false})", false), "false");
  EXPECT_EQ(evaluate_route_selection(parse("$request.body.m.t"), R"({"m":{"t":2}})", false), "2");
  // An empty string is a value (it matches no route key, which cannot be empty).
  EXPECT_EQ(evaluate_route_selection(action, R"({"action":""})", false), "");
  // Null, objects and arrays select nothing, nor does a path through a non-object.
  for (const char* none : {R"({"other":"send"})", R"({"action":null})", R"({"action":{"a":1}})",
                           R"({"action":{}})", R"({"action":[]})", R"({"action":["send"]})", R"(["send"])",
                           R"("send")", "7", "null", "send", "", "{"}) {
    EXPECT_FALSE(evaluate_route_selection(action, none, false).has_value()) << none;
  }
  // A path member is an object member: it does not index into an array.
  EXPECT_FALSE(
      evaluate_route_selection(parse("$request.body.m.t"), R"({"m":[{"t":"join"}]})", false).has_value());
  EXPECT_FALSE(evaluate_route_selection(parse("$request.body.m.0"), R"({"m":["join"]})", false).has_value());
  // A binary frame is never JSON to the router.
  EXPECT_FALSE(evaluate_route_selection(action, R"({"action":"send"})", true).has_value());
}

TEST(route_selection, a_message_nested_past_the_limit_is_not_json) {
  std::string deep(static_cast<std::size_t>(max_message_nesting), '[');
  deep = R"({"action":"send","x":)" + deep + std::string(static_cast<std::size_t>(max_message_nesting), ']') +
         "}";
  EXPECT_FALSE(evaluate_route_selection(parse("$request.body.action"), deep, false).has_value());
}

TEST(route_selection, selects_the_matching_route_else_default_else_nothing) {
  const selection_expression action = parse("$request.body.action");
  std::set<std::string, std::less<>> routes{"send", "$default", "$connect"};
  const auto has = [&](std::string_view key) { return routes.find(key) != routes.end(); };
  EXPECT_EQ(select_route(action, R"({"action":"send"})", false, has), "send");
  EXPECT_EQ(select_route(action, R"({"action":"other"})", false, has), "$default");
  EXPECT_EQ(select_route(action, "not json", false, has), "$default");
  EXPECT_EQ(select_route(action, R"({"action":"send"})", true, has), "$default");
  // A body cannot name a reserved route.
  EXPECT_EQ(select_route(action, R"({"action":"$connect"})", false, has), "$default");
  // Non-string values: a scalar selects the route its text names, anything else $default.
  routes.insert({"7", "true"});
  EXPECT_EQ(select_route(action, R"({"action":7})", false, has), "7");
  EXPECT_EQ(select_route(action, R"({"action":"7"})", false, has), "7");
  EXPECT_EQ(select_route(action, R"({"action":true})", false, has), "true");
  EXPECT_EQ(select_route(action, R"({"action":8})", false, has), "$default");
  for (const char* other : {R"({"action":null})", R"({"action":{"send":1}})", R"({"action":["send"]})"})
    EXPECT_EQ(select_route(action, other, false, has), "$default") << other;
  routes.erase("7");
  routes.erase("true");
  routes.erase("$default");
  EXPECT_EQ(select_route(action, R"({"action":"send"})", false, has), "send");
  EXPECT_FALSE(select_route(action, R"({"action":"other"})", false, has).has_value());
  EXPECT_FALSE(select_route(action, "not json", false, has).has_value());
}

// Byte for byte as wscat shows AWS's frames (aws-samples/simple-websockets-chat-app#42 and others):
// a space after the first colon and after each comma, none after the other colons.
TEST(route_selection, forbidden_frame_is_aws_s) {
  EXPECT_EQ(forbidden_frame("Kf2bqd9WywMCEng=", "Kf2dGGnuywMFdFA="),
            R"({"message": "Forbidden", "connectionId":"Kf2bqd9WywMCEng=", "requestId":"Kf2dGGnuywMFdFA="})");
  EXPECT_EQ(
      error_frame("Internal server error", "VNRUSeldSwMCIRQ=", "VNRXVFJOywMF3-Q="),
      R"({"message": "Internal server error", "connectionId":"VNRUSeldSwMCIRQ=", "requestId":"VNRXVFJOywMF3-Q="})");
}

}  // namespace
}  // namespace fogbank::apigw
