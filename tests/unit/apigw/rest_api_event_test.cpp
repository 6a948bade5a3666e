// REST API resource matching, the payload format 1.0 event and the proxy response mapping
// (emulator/apigw/src/rest_records.hpp), as pure functions.

#include "rest_records.hpp"

#include <gtest/gtest.h>

#include <set>

namespace fogbank::apigw::rest {
namespace {

rest_resource resource(const std::string& id, const std::string& path, std::vector<std::string> methods) {
  rest_resource r;
  r.id = id;
  r.path = path;
  std::string_view rest = path;
  while (!rest.empty()) {
    rest.remove_prefix(1);
    const std::size_t slash = rest.find('/');
    if (!rest.substr(0, slash).empty()) r.parts.emplace_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash);
  }
  for (std::string& m : methods) {
    rest_method method;
    method.http_method = std::move(m);
    r.methods.push_back(std::move(method));
  }
  return r;
}

rest_api_view api() {
  rest_api_view v;
  v.api_id = "abcdefghij";
  v.account_id = "123456789012";
  v.region = "us-east-1";
  v.resources = {resource("root", "/", {}),
                 resource("pets", "/pets", {"GET"}),
                 resource("pet", "/pets/{id}", {"GET", "ANY"}),
                 resource("mine", "/pets/mine", {"GET"}),
                 resource("toys", "/pets/{id}/toys", {"POST"}),
                 resource("proxy", "/{proxy+}", {"ANY"}),
                 resource("my", "/my/path", {"GET"})};
  return v;
}

std::string matched(const rest_api_view& v, std::string_view method, std::string_view path) {
  const std::optional<match> m = match_resource(v, method, path);
  if (!m) return "none";
  return m->resource->id + (m->method ? " " + m->method->http_method : " -");
}

TEST(rest_api_match, a_literal_part_wins_over_a_variable_which_wins_over_a_greedy_proxy) {
  const rest_api_view v = api();
  EXPECT_EQ(matched(v, "GET", "/pets/mine"), "mine GET");
  EXPECT_EQ(matched(v, "GET", "/pets/42"), "pet GET");
  EXPECT_EQ(matched(v, "POST", "/pets/42/toys"), "toys POST");
  EXPECT_EQ(matched(v, "GET", "/pets"), "pets GET");
  EXPECT_EQ(matched(v, "GET", "/cats/1/2"), "proxy ANY");
  EXPECT_EQ(matched(v, "GET", "/pets/42/toys/9"), "proxy ANY");
}

TEST(rest_api_match, the_requests_method_wins_over_any) {
  const rest_api_view v = api();
  EXPECT_EQ(matched(v, "GET", "/pets/1"), "pet GET");
  EXPECT_EQ(matched(v, "DELETE", "/pets/1"), "pet ANY");
  // A resource without the method (and no ANY) matches with no method: Missing Authentication Token.
  EXPECT_EQ(matched(v, "DELETE", "/pets/mine"), "mine -");
}

TEST(rest_api_match, the_root_needs_a_method_of_its_own_and_proxy_needs_a_segment) {
  const rest_api_view v = api();
  EXPECT_EQ(matched(v, "GET", "/"), "root -");
}

TEST(rest_api_match, path_parameters_are_decoded_and_a_greedy_one_keeps_its_slashes) {
  const rest_api_view v = api();
  EXPECT_EQ(match_resource(v, "GET", "/pets/a%20b")->path_parameters, json({{"id", "a b"}}));
  EXPECT_EQ(match_resource(v, "GET", "/x/y/z")->path_parameters, json({{"proxy", "x/y/z"}}));
  EXPECT_TRUE(match_resource(v, "GET", "/pets")->path_parameters.is_null());
}

// The developer guide's example event for a REST API ("Input format of a Lambda function for
// proxy integration", REST API payload), with the values fogbank cannot know (ids, times) taken
// from what the test passes; clientCert (mutual TLS only) left out.
const json documented = json::parse(R"({
  "resource": "/my/path",
  "path": "/my/path",
  "httpMethod": "GET",
  "headers": {"header1": "value1", "header2": "value2"},
  "multiValueHeaders": {"header1": ["value1"], "header2": ["value1", "value2"]},
  "queryStringParameters": {"parameter1": "value2", "parameter2": "value"},
  "multiValueQueryStringParameters": {"parameter1": ["value1", "value2"], "parameter2": ["value"]},
  "requestContext": {
    "accountId": "123456789012",
    "apiId": "abcdefghij",
    "authorizer": {"claims": {"cognito:username": "alice"}, "scopes": null},
    "domainName": "abcdefghij.execute-api.localhost:4566",
    "domainPrefix": "abcdefghij",
    "extendedRequestId": "request-id",
    "httpMethod": "GET",
    "identity": {
      "accessKey": null, "accountId": null, "caller": null, "cognitoAuthenticationProvider": null,
      "cognitoAuthenticationType": null, "cognitoIdentityId": null, "cognitoIdentityPoolId": null,
      "principalOrgId": null, "sourceIp": "192.0.2.1", "user": null, "userAgent": "user-agent", "userArn": null
    },
    "path": "/prod/my/path",
    "protocol": "HTTP/1.1",
    "requestId": "id=",
    "requestTime": "04/Mar/2020:19:15:17 +0000",
    "requestTimeEpoch": 1583349317135,
    "resourceId": "my",
    "resourcePath": "/my/path",
    "stage": "prod"
  },
  "pathParameters": null,
  "stageVariables": null,
  "body": "Hello from Lambda!",
  "isBase64Encoded": false
})");

TEST(rest_api_event, matches_the_documented_example_field_by_field) {
  const rest_api_view v = api();
  rest_request request;
  request.api_id = v.api_id;
  request.stage = "prod";
  request.path = "/my/path";
  request.method = "GET";
  // header2 twice: the single-value map keeps the last, as REST APIs do.
  request.headers = {{"header1", "value1"},
                     {"header2", "value1"},
                     {"header2", "value2"},
                     {"User-Agent", "user-agent"},
                     {"X-Forwarded-For", "192.0.2.1"},
                     {"X-Forwarded-Port", "4566"},
                     {"X-Forwarded-Proto", "http"}};
  request.query = "parameter1=value1&parameter1=value2&parameter2=value";
  request.body = "Hello from Lambda!";
  request.source_ip = "192.0.2.1";
  request.domain_name = "abcdefghij.execute-api.localhost:4566";
  request.port = "4566";
  event_context context;
  context.request_id = "id=";
  context.extended_request_id = "request-id";
  context.at = core::time_point{std::chrono::milliseconds{1'583'349'317'135}};
  context.stage_variables = json::object();
  context.authorizer = {{"claims", {{"cognito:username", "alice"}}}, {"scopes", nullptr}};
  const std::optional<match> found = match_resource(v, "GET", "/my/path");
  ASSERT_TRUE(found.has_value());
  json event = proxy_event(request, v, *found, context);

  // Headers fogbank adds or the test sent beyond the example's.
  for (const char* extra : {"User-Agent", "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto"}) {
    EXPECT_TRUE(event["headers"].contains(extra)) << extra;
    event["headers"].erase(extra);
    event["multiValueHeaders"].erase(extra);
  }
  std::set<std::string> keys;
  for (const auto& [key, value] : documented.items()) keys.insert(key);
  for (const auto& [key, value] : event.items()) keys.insert(key);
  for (const std::string& key : keys) {
    if (key == "requestContext") continue;
    EXPECT_EQ(event.value(key, json("<absent>")), documented.value(key, json("<absent>")))
        << "member " << key;
  }
  const json& got = event["requestContext"];
  const json& want = documented["requestContext"];
  std::set<std::string> context_keys;
  for (const auto& [key, value] : want.items()) context_keys.insert(key);
  for (const auto& [key, value] : got.items()) context_keys.insert(key);
  for (const std::string& key : context_keys) {
    EXPECT_EQ(got.value(key, json("<absent>")), want.value(key, json("<absent>")))
        << "requestContext." << key;
  }
}

TEST(rest_api_event, absent_headers_and_query_are_null_and_a_binary_body_is_base64) {
  const rest_api_view v = api();
  rest_request request;
  request.stage = "prod";
  request.path = "/pets";
  request.method = "GET";
  request.body = std::string("\xff\x00\x01", 3);
  event_context context;
  const json event = proxy_event(request, v, *match_resource(v, "GET", "/pets"), context);
  EXPECT_TRUE(event["queryStringParameters"].is_null());
  EXPECT_TRUE(event["multiValueQueryStringParameters"].is_null());
  EXPECT_EQ(event["body"], "/wAB");
  EXPECT_EQ(event["isBase64Encoded"], true);
  EXPECT_FALSE(event["requestContext"].contains("authorizer"));
}

TEST(rest_api_response, maps_status_headers_multi_value_headers_and_body) {
  const auto out = map_proxy_response({{"statusCode", "201"},
                                       {"headers", {{"X-One", "1"}, {"Set-Cookie", "dropped"}}},
                                       {"multiValueHeaders", {{"Set-Cookie", {"a=1", "b=2"}}}},
                                       {"body", "aGk="},
                                       {"isBase64Encoded", true}});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->status, 201);
  EXPECT_EQ(out->body, "hi");
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"X-One", "1"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}, {"Content-Type", "application/json"}};
  EXPECT_EQ(out->headers, headers);
}

// AWS answers 502 "Malformed Lambda proxy response" to a REST proxy response without a
// statusCode; it does not imply 200 (that guess is HTTP API payload 2.0's).
TEST(rest_api_response, no_status_code_and_malformed_responses_are_refused) {
  EXPECT_EQ(map_proxy_response({{"statusCode", 204}})->status, 204);
  for (const json& bad :
       {json::object(), json{{"body", "x"}}, json{{"statusCode", nullptr}, {"body", "x"}}, json("text"),
        json::array(), json{{"statusCode", "abc"}}, json{{"statusCode", 99}}, json{{"statusCode", true}},
        json{{"body", json::object()}}, json{{"headers", "x"}}, json{{"headers", {{"a", json::array()}}}},
        json{{"multiValueHeaders", {{"a", "b"}}}}, json{{"isBase64Encoded", "yes"}}}) {
    EXPECT_FALSE(map_proxy_response(bad).has_value()) << bad.dump();
  }
}

TEST(rest_api_response, gateway_errors_are_api_gateways_bodies) {
  EXPECT_EQ(missing_authentication_token().body, R"({"message":"Missing Authentication Token"})");
  EXPECT_EQ(missing_authentication_token().status, 403);
  EXPECT_EQ(internal_server_error().status, 502);
  EXPECT_EQ(internal_server_error().body, R"({"message": "Internal server error"})");
  EXPECT_EQ(endpoint_timed_out().status, 504);
  EXPECT_EQ(unauthorized().body, R"({"message":"Unauthorized"})");
  EXPECT_EQ(unauthorized().status, 401);
}

}  // namespace
}  // namespace fogbank::apigw::rest
