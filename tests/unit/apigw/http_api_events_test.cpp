// Payload format 2.0 (and 1.0) events of HTTP APIs and the reading of function answers, compared
// with the developer guide's "Working with AWS Lambda proxy integrations for HTTP APIs" (its 2.0
// example event, member by member, and its table of inferred responses).

#include "http_api_events.hpp"
#include "cors.hpp"

#include "fogbank/core/clock.hpp"

#include <gtest/gtest.h>

namespace fogbank::apigw {
namespace {

using json = nlohmann::json;

// 2020-03-04T19:03:58.390Z, the example's timeEpoch 1583348638390.
const core::time_point example_time{std::chrono::milliseconds(1583348638390)};

// The request behind the developer guide's 2.0 example.
http_api_request example_request() {
  http_api_request r;
  r.api_id = "api-id";
  r.path = "/my/path";
  r.query = "parameter1=value1&parameter1=value2&parameter2=value";
  r.method = "POST";
  r.headers = {{"Header1", "value1"},          {"Header2", "value1"},         {"Header2", "value2"},
               {"Cookie", "cookie1; cookie2"}, {"User-Agent", "agent"},       {"X-Forwarded-For", "IP"},
               {"X-Forwarded-Port", "443"},    {"X-Forwarded-Proto", "https"}};
  r.body = "Hello from Lambda";
  r.source_ip = "IP";
  r.domain_name = "id.execute-api.us-east-1.amazonaws.com";
  return r;
}

json example_event(const http_api_request& request, const json& stage_variables) {
  http_event_context c;
  c.account_id = "123456789012";
  c.stage = "$default";
  c.route_key = "$default";
  c.resource = "/my/path";
  c.path_parameters = {{"parameter1", "value1"}};
  c.stage_variables = &stage_variables;
  c.request_id = "id";
  c.at = example_time;
  return payload_v2_event(request, c);
}

TEST(http_api_events, the_v2_event_matches_the_developer_guides_example_member_by_member) {
  const json variables = {{"stageVariable1", "value1"}, {"stageVariable2", "value2"}};
  const json event = example_event(example_request(), variables);
  // The guide's example, without `authentication` (mutual TLS) and `authorizer` (no authorizer
  // runs here), with the header names lowercase as the guide's text says they are, and its
  // `time` to the same instant as its timeEpoch (the example's two disagree).
  const json expected = json::parse(R"({
    "version": "2.0",
    "routeKey": "$default",
    "rawPath": "/my/path",
    "rawQueryString": "parameter1=value1&parameter1=value2&parameter2=value",
    "cookies": ["cookie1", "cookie2"],
    "headers": {"header1": "value1", "header2": "value1,value2", "user-agent": "agent",
                "x-forwarded-for": "IP", "x-forwarded-port": "443", "x-forwarded-proto": "https"},
    "queryStringParameters": {"parameter1": "value1,value2", "parameter2": "value"},
    "requestContext": {
      "accountId": "123456789012",
      "apiId": "api-id",
      "domainName": "id.execute-api.us-east-1.amazonaws.com",
      "domainPrefix": "id",
      "http": {"method": "POST", "path": "/my/path", "protocol": "HTTP/1.1", "sourceIp": "IP", "userAgent": "agent"},
      "requestId": "id",
      "routeKey": "$default",
      "stage": "$default",
      "time": "04/Mar/2020:19:03:58 +0000",
      "timeEpoch": 1583348638390
    },
    "body": "Hello from Lambda",
    "pathParameters": {"parameter1": "value1"},
    "isBase64Encoded": false,
    "stageVariables": {"stageVariable1": "value1", "stageVariable2": "value2"}
  })");
  for (const auto& [member, value] : expected.items()) {
    ASSERT_TRUE(event.contains(member)) << "missing " << member << " in " << event.dump(2);
    EXPECT_EQ(event[member], value) << member << "\nexpected " << value.dump() << "\nactual   "
                                    << event[member].dump();
  }
  for (const auto& [member, value] : event.items()) {
    EXPECT_TRUE(expected.contains(member)) << "unexpected member " << member << ": " << value.dump();
  }
}

TEST(http_api_events, members_without_content_are_left_out) {
  http_api_request r;
  r.api_id = "a1";
  r.path = "/";
  r.method = "GET";
  r.source_ip = "127.0.0.1";
  r.port = "4566";
  r.domain_name = "127.0.0.1:4566";
  const json event = example_event(r, json::object());
  for (const char* absent : {"cookies", "queryStringParameters", "body", "stageVariables"})
    EXPECT_FALSE(event.contains(absent)) << absent << ": " << event.dump();
  EXPECT_EQ(event["rawQueryString"], "");
  EXPECT_EQ(event["isBase64Encoded"], false);
  EXPECT_EQ(event["headers"]["x-forwarded-proto"], "http");
  EXPECT_EQ(event["headers"]["x-forwarded-port"], "4566");
  EXPECT_EQ(event["requestContext"]["domainPrefix"], "127");
  EXPECT_EQ(event["requestContext"]["http"]["userAgent"], "");
}

TEST(http_api_events, a_binary_body_goes_as_base64) {
  http_api_request r = example_request();
  r.body = std::string("\xff\x00\x01", 3);
  const json event = example_event(r, json::object());
  EXPECT_EQ(event["isBase64Encoded"], true);
  EXPECT_EQ(event["body"], "/wAB");
}

TEST(http_api_events, a_v2_answer_without_status_code_is_the_body_as_aws_infers_it) {
  // The guide's table: "Hello from Lambda!" and {"message": "Hello from Lambda!"}.
  const auto text = response_from_v2(json("Hello from Lambda!"));
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 200);
  EXPECT_EQ(text->body, "Hello from Lambda!");
  EXPECT_EQ(header_value(text->headers, "content-type"), "application/json");
  const auto object = response_from_v2(json{{"message", "Hello from Lambda!"}});
  ASSERT_TRUE(object);
  EXPECT_EQ(object->status, 200);
  EXPECT_EQ(json::parse(object->body), (json{{"message", "Hello from Lambda!"}}));
}

TEST(http_api_events, a_v2_answer_gives_status_headers_cookies_and_body) {
  const auto r = response_from_v2(json::parse(R"({"statusCode": 201, "headers": {"x-a": "1", "x-n": 2},
      "cookies": ["a=1; Path=/", "b=2"], "body": "aGk=", "isBase64Encoded": true})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "hi");
  EXPECT_EQ(header_value(r->headers, "x-a"), "1");
  EXPECT_EQ(header_value(r->headers, "x-n"), "2");
  std::vector<std::string> cookies;
  for (const auto& [name, value] : r->headers)
    if (name == "set-cookie") cookies.push_back(value);
  EXPECT_EQ(cookies, (std::vector<std::string>{"a=1; Path=/", "b=2"}));
}

TEST(http_api_events, malformed_v2_answers_are_refused) {
  for (const char* bad :
       {R"({"statusCode": "abc"})", R"({"statusCode": 99})", R"({"statusCode": 200, "headers": []})",
        R"({"statusCode": 200, "headers": {"a": {}}})", R"({"statusCode": 200, "cookies": "a=1"})",
        R"({"statusCode": 200, "body": {"a": 1}})",
        R"({"statusCode": 200, "body": "***", "isBase64Encoded": true})"}) {
    EXPECT_FALSE(response_from_v2(json::parse(bad))) << bad;
  }
}

TEST(http_api_events, v1_needs_a_status_code_and_builds_the_v1_event) {
  EXPECT_FALSE(response_from_v1(json("Hello")));
  const auto r = response_from_v1(
      json::parse(R"({"statusCode": 200, "multiValueHeaders": {"x": ["1", "2"]}, "body": "ok"})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->headers.size(), 2u);
  http_event_context c;
  c.account_id = "123456789012";
  c.stage = "$default";
  c.route_key = "GET /my/path";
  c.resource = "/my/path";
  c.request_id = "id";
  c.at = example_time;
  const json event = payload_v1_event(example_request(), c);
  EXPECT_EQ(event["version"], "1.0");
  EXPECT_EQ(event["resource"], "/my/path");
  EXPECT_EQ(event["httpMethod"], "POST");
  EXPECT_EQ(event["multiValueHeaders"]["Header2"], (json{"value1", "value2"}));
  EXPECT_EQ(event["multiValueQueryStringParameters"]["parameter1"], (json{"value1", "value2"}));
  EXPECT_EQ(event["requestContext"]["requestTimeEpoch"], 1583348638390);
  EXPECT_EQ(event["pathParameters"], nullptr);
  EXPECT_EQ(event["stageVariables"], nullptr);
}

}  // namespace
}  // namespace fogbank::apigw
