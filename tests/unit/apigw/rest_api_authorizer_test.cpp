// REST API Lambda authorizers (TOKEN and REQUEST) at run time, with C++ authorizer functions in
// process (on the manual clock each invocation completes before the call that starts it returns).
// AWS's behaviour: developer guide, "Input to an API Gateway Lambda authorizer" and "Output from an
// API Gateway Lambda authorizer" (rest_authorizer.hpp).

#include "apigw_fixture.hpp"

#include "../lambda/lambda_fixture.hpp"  // the small deployment package

#include "fogbank/apigw/rest_api.hpp"
#include "fogbank/lambda/handler.hpp"

#include <stdexcept>
#include <vector>

namespace fogbank::apigw {
namespace {

std::vector<json>& authorizer_events() {
  static std::vector<json> events;
  return events;
}

// Allow for "allow", Deny for "deny", a malformed answer for "broken", "Unauthorized" otherwise;
// the token is the TOKEN event's authorizationToken or the REQUEST event's `token` query parameter.
json policy_for(const std::string& token, const json& event) {
  if (token == "broken") return {{"no", "principal"}};
  if (token != "allow" && token != "deny") throw std::runtime_error("Unauthorized");
  return {{"principalId", "user-" + token},
          {"policyDocument",
           {{"Version", "2012-10-17"},
            {"Statement",
             {{{"Action", "execute-api:Invoke"},
               {"Effect", token == "allow" ? "Allow" : "Deny"},
               {"Resource", event.value("methodArn", "")}}}}}},
          {"context", {{"tier", "gold"}, {"level", 3}}}};
}
json token_authorizer(const json& event, lambda::context&) {
  authorizer_events().push_back(event);
  return policy_for(event.value("authorizationToken", ""), event);
}
json request_authorizer(const json& event, lambda::context&) {
  authorizer_events().push_back(event);
  return policy_for(event.value("queryStringParameters", json::object()).value("token", ""), event);
}
json echo_event(const json& event, lambda::context&) {
  return {{"statusCode", 200}, {"body", event.dump()}};
}
FOGBANK_LAMBDA_HANDLER("rest_authorizer_test.token", token_authorizer);
FOGBANK_LAMBDA_HANDLER("rest_authorizer_test.request", request_authorizer);
FOGBANK_LAMBDA_HANDLER("rest_authorizer_test.echo", echo_event);

class rest_authorizer_test : public apigw_test {
 protected:
  void SetUp() override {
    apigw_test::SetUp();
    authorizer_events().clear();
  }

  std::string function_uri(const std::string& handler) {
    const json function = ok("CreateFunction",
                             {{"FunctionName", "fn-" + std::to_string(functions_++)},
                              {"Runtime", "provided.al2023"},
                              {"Handler", handler},
                              {"Role", lambda::role_arn},
                              {"Code", {{"ZipFile", lambda::small_zip_base64}}}},
                             "lambda");
    return "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" +
           function.value("FunctionArn", "") + "/invocations";
  }

  // GET /items/{id} behind a Lambda authorizer of `type` ("TOKEN": header Auth; "REQUEST": query
  // parameter token and header X-Tenant), deployed to "dev".
  void build(const std::string& type) {
    const json api = ok("CreateRestApi", {{"name", "shop"}}, "apigateway");
    api_ = api.value("id", "");
    const bool token = type == "TOKEN";
    const std::string authorizer =
        ok("CreateAuthorizer",
           {{"restapi_id", api_},
            {"name", "lambda"},
            {"type", type},
            {"authorizerUri",
             function_uri(token ? "rest_authorizer_test.token" : "rest_authorizer_test.request")},
            {"identitySource", token ? "method.request.header.Auth"
                                     : "method.request.querystring.token, method.request.header.X-Tenant"}},
           "apigateway")
            .value("id", "");
    const auto resource = [&](const std::string& parent, const std::string& part) {
      return ok("CreateResource", {{"restapi_id", api_}, {"parent_id", parent}, {"pathPart", part}},
                "apigateway")
          .value("id", "");
    };
    const std::string item = resource(resource(api.value("rootResourceId", ""), "items"), "{id}");
    ok("PutMethod",
       {{"restapi_id", api_},
        {"resource_id", item},
        {"http_method", "GET"},
        {"authorizationType", "CUSTOM"},
        {"authorizerId", authorizer}},
       "apigateway");
    ok("PutIntegration",
       {{"restapi_id", api_},
        {"resource_id", item},
        {"http_method", "GET"},
        {"type", "AWS_PROXY"},
        {"httpMethod", "POST"},
        {"uri", function_uri("rest_authorizer_test.echo")}},
       "apigateway");
    ok("CreateDeployment", {{"restapi_id", api_}, {"stageName", "dev"}}, "apigateway");
  }

  rest_response get(const std::string& path_and_query,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    rest_request request;
    request.api_id = api_;
    request.stage = "dev";
    request.method = "GET";
    const std::size_t q = path_and_query.find('?');
    request.path = path_and_query.substr(0, q);
    if (q != std::string::npos) request.query = path_and_query.substr(q + 1);
    request.headers = std::move(headers);
    request.domain_name = "127.0.0.1:4566";
    request.source_ip = "127.0.0.1";
    std::optional<rest_response> out;
    emulator_->rest_gateway().handle(request, [&](rest_response r) { out = std::move(r); });
    EXPECT_TRUE(out.has_value()) << path_and_query << " did not complete";
    return out.value_or(rest_response{});
  }

  std::string method_arn() const {
    return "arn:aws:execute-api:us-east-1:000000000000:" + api_ + "/dev/GET/items/42";
  }

  std::string api_;
  int functions_ = 0;
};

TEST_F(rest_authorizer_test, token_authorizer_gets_aws_s_event_and_passes_its_context_on) {
  build("TOKEN");
  const rest_response r = get("/items/42", {{"Auth", "allow"}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(authorizer_events().size(), 1u);
  // The documented TOKEN input, member for member.
  EXPECT_EQ(authorizer_events()[0],
            json({{"type", "TOKEN"}, {"authorizationToken", "allow"}, {"methodArn", method_arn()}}));
  const json event = json::parse(r.body);
  EXPECT_EQ(event["requestContext"]["authorizer"],
            json({{"principalId", "user-allow"}, {"tier", "gold"}, {"level", 3}, {"integrationLatency", 0}}));
}

TEST_F(rest_authorizer_test, token_authorizer_refusals_401_403_500) {
  build("TOKEN");
  // No header (or an empty one): 401 before the function runs.
  rest_response r = get("/items/42");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, R"({"message":"Unauthorized"})");
  EXPECT_EQ(get("/items/42", {{"Auth", ""}}).status, 401);
  EXPECT_TRUE(authorizer_events().empty()) << "the authorizer ran without its identity source";
  r = get("/items/42", {{"Auth", "wrong"}});
  EXPECT_EQ(r.status, 401) << r.body;
  r = get("/items/42", {{"Auth", "deny"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"Message":"User is not authorized to access this resource with an explicit deny"})");
  r = get("/items/42", {{"Auth", "broken"}});
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"message": null})");
  EXPECT_EQ(authorizer_events().size(), 3u);
}

TEST_F(rest_authorizer_test, request_authorizer_needs_every_identity_source_and_gets_the_request) {
  build("REQUEST");
  EXPECT_EQ(get("/items/42?token=allow").status, 401) << "X-Tenant is an identity source";
  EXPECT_EQ(get("/items/42", {{"X-Tenant", "t1"}}).status, 401) << "token is an identity source";
  EXPECT_TRUE(authorizer_events().empty());
  const rest_response r = get("/items/42?token=allow", {{"X-Tenant", "t1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(authorizer_events().size(), 1u);
  const json& event = authorizer_events()[0];
  EXPECT_EQ(event["type"], "REQUEST");
  EXPECT_EQ(event["methodArn"], method_arn());
  EXPECT_EQ(event["resource"], "/items/{id}");
  EXPECT_EQ(event["path"], "/items/42");
  EXPECT_EQ(event["httpMethod"], "GET");
  EXPECT_EQ(event["headers"].value("X-Tenant", ""), "t1");
  EXPECT_EQ(event["queryStringParameters"], json({{"token", "allow"}}));
  EXPECT_EQ(event["pathParameters"], json({{"id", "42"}}));
  EXPECT_TRUE(event.contains("multiValueHeaders") && event.contains("multiValueQueryStringParameters") &&
              event.contains("stageVariables") && event.contains("requestContext"))
      << event.dump();
  EXPECT_FALSE(event.contains("body")) << "the REQUEST input carries no body";
  EXPECT_EQ(json::parse(r.body)["requestContext"]["authorizer"].value("principalId", ""), "user-allow");
  EXPECT_EQ(get("/items/42?token=deny", {{"X-Tenant", "t1"}}).status, 403);
}

}  // namespace
}  // namespace fogbank::apigw
