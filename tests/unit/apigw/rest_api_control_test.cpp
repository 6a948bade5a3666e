// The apigateway (v1) control plane through the in-process client, and the REST API runtime with
// C++ handlers in the Lambda service's in-process host (on the manual clock each invocation
// completes before the call that starts it returns).

#include "apigw_fixture.hpp"

#include "../lambda/lambda_fixture.hpp"  // the small deployment package

#include "fogbank/apigw/rest_api.hpp"
#include "fogbank/core/encoding.hpp"
#include "fogbank/lambda/handler.hpp"

#include <chrono>
#include <stdexcept>

namespace fogbank::apigw {
namespace {

json rest_echo(const json& event, lambda::context&) {
  return {{"statusCode", 200}, {"headers", {{"Content-Type", "application/json"}}}, {"body", event.dump()}};
}
json rest_fail(const json&, lambda::context&) {
  throw std::runtime_error("handler failed");
}
// A function that takes `rest_slow_for` of service time: it moves the manual clock from inside the
// handler, so the integration timer (on the same scheduler) fires meanwhile if it is due.
emulator* rest_running = nullptr;
std::chrono::milliseconds rest_slow_for{0};
json rest_slow(const json&, lambda::context&) {
  if (rest_running) rest_running->advance(rest_slow_for);
  return {{"statusCode", 200}, {"body", "in time"}};
}
FOGBANK_LAMBDA_HANDLER("apigw_test.rest_echo", rest_echo);
FOGBANK_LAMBDA_HANDLER("apigw_test.rest_fail", rest_fail);
FOGBANK_LAMBDA_HANDLER("apigw_test.rest_slow", rest_slow);

std::string b64url(const std::string& bytes) {
  std::string out = core::base64_encode(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

class rest_api_test : public apigw_test {
 protected:
  void SetUp() override {
    apigw_test::SetUp();
    rest_running = emulator_.get();
  }
  void TearDown() override { rest_running = nullptr; }

  json rest_ok(const std::string& operation, const json& request) {
    return ok(operation, request, "apigateway");
  }
  std::string rest_fails(const std::string& operation, const json& request, error_code code) {
    return fails(operation, request, code, "apigateway");
  }

  std::string function_uri(const std::string& handler) {
    const json function = ok("CreateFunction",
                             {{"FunctionName", "rest-fn-" + std::to_string(functions_++)},
                              {"Runtime", "provided.al2023"},
                              {"Handler", handler},
                              {"Role", lambda::role_arn},
                              {"Code", {{"ZipFile", lambda::small_zip_base64}}},
                              {"Timeout", 60}},  // past API Gateway's 29 s: its timeout is the one seen
                             "lambda");
    return "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" +
           function.value("FunctionArn", "") + "/invocations";
  }

  // An API with GET /items/{id} (Cognito), ANY /fail, GET /slow (no timeoutInMillis given),
  // deployed to "dev".
  void build() {
    const json api = rest_ok("CreateRestApi", {{"name", "shop"}});
    api_ = api.value("id", "");
    const std::string root = api.value("rootResourceId", "");
    const std::string authorizer =
        rest_ok("CreateAuthorizer", {{"restapi_id", api_},
                                     {"name", "users"},
                                     {"type", "COGNITO_USER_POOLS"},
                                     {"providerARNs", {"arn:aws:cognito-idp:pool"}},
                                     {"identitySource", "method.request.header.Authorization"}})
            .value("id", "");
    const std::string items =
        rest_ok("CreateResource", {{"restapi_id", api_}, {"parent_id", root}, {"pathPart", "items"}})
            .value("id", "");
    const std::string item =
        rest_ok("CreateResource", {{"restapi_id", api_}, {"parent_id", items}, {"pathPart", "{id}"}})
            .value("id", "");
    rest_ok("PutMethod", {{"restapi_id", api_},
                          {"resource_id", item},
                          {"http_method", "GET"},
                          {"authorizationType", "COGNITO_USER_POOLS"},
                          {"authorizerId", authorizer}});
    rest_ok("PutIntegration", {{"restapi_id", api_},
                               {"resource_id", item},
                               {"http_method", "GET"},
                               {"type", "AWS_PROXY"},
                               {"httpMethod", "POST"},
                               {"uri", function_uri("apigw_test.rest_echo")}});
    const std::string fail =
        rest_ok("CreateResource", {{"restapi_id", api_}, {"parent_id", root}, {"pathPart", "fail"}})
            .value("id", "");
    rest_ok(
        "PutMethod",
        {{"restapi_id", api_}, {"resource_id", fail}, {"http_method", "ANY"}, {"authorizationType", "NONE"}});
    rest_ok("PutIntegration", {{"restapi_id", api_},
                               {"resource_id", fail},
                               {"http_method", "ANY"},
                               {"type", "AWS_PROXY"},
                               {"httpMethod", "POST"},
                               {"uri", function_uri("apigw_test.rest_fail")}});
    slow_ = rest_ok("CreateResource", {{"restapi_id", api_}, {"parent_id", root}, {"pathPart", "slow"}})
                .value("id", "");
    rest_ok("PutMethod", {{"restapi_id", api_},
                          {"resource_id", slow_},
                          {"http_method", "GET"},
                          {"authorizationType", "NONE"}});
    rest_ok("PutIntegration", {{"restapi_id", api_},
                               {"resource_id", slow_},
                               {"http_method", "GET"},
                               {"type", "AWS_PROXY"},
                               {"httpMethod", "POST"},
                               {"uri", function_uri("apigw_test.rest_slow")}});
    rest_ok("CreateDeployment", {{"restapi_id", api_}, {"stageName", "dev"}});
  }

  rest_response invoke(const std::string& method, const std::string& path,
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
    rest_request request;
    request.api_id = api_;
    request.stage = "dev";
    request.method = method;
    request.path = path;
    request.headers = std::move(headers);
    request.domain_name = "127.0.0.1:4566";
    request.source_ip = "127.0.0.1";
    std::optional<rest_response> out;
    emulator_->rest_gateway().handle(request, [&](rest_response r) { out = std::move(r); });
    EXPECT_TRUE(out.has_value()) << method << " " << path << " did not complete";
    return out.value_or(rest_response{});
  }

  std::string api_;
  std::string slow_;
  int functions_ = 0;
};

TEST_F(rest_api_test, create_rest_api_makes_a_root_resource_and_lists_in_item) {
  const json api = rest_ok("CreateRestApi", {{"name", "a"}, {"description", "d"}});
  EXPECT_EQ(api.value("id", "").size(), 10u);
  EXPECT_TRUE(api["createdDate"].is_number_integer());
  const json resources = rest_ok("GetResources", {{"restapi_id", api["id"]}});
  ASSERT_EQ(resources["item"].size(), 1u);
  EXPECT_EQ(resources["item"][0], json({{"id", api["rootResourceId"]}, {"path", "/"}}));
  const json apis = rest_ok("GetRestApis", json::object());
  ASSERT_EQ(apis["item"].size(), 1u);
  EXPECT_EQ(apis["item"][0]["name"], "a");
}

TEST_F(rest_api_test, resources_refuse_duplicates_and_two_variables_under_one_parent) {
  const json api = rest_ok("CreateRestApi", {{"name", "a"}});
  const json at = {{"restapi_id", api["id"]}, {"parent_id", api["rootResourceId"]}};
  json request = at;
  request["pathPart"] = "{id}";
  rest_ok("CreateResource", request);
  EXPECT_EQ(rest_fails("CreateResource", request, error_code::apigw_conflict),
            "Another resource with the same parent already has this name: {id}");
  request["pathPart"] = "{other}";
  rest_fails("CreateResource", request, error_code::apigw_bad_request);
  request["pathPart"] = "a b";
  rest_fails("CreateResource", request, error_code::apigw_bad_request);
}

TEST_F(rest_api_test, unknown_ids_are_not_found_and_nothing_changes) {
  EXPECT_EQ(rest_fails("GetRestApi", {{"restapi_id", "nosuchapi0"}}, error_code::apigw_not_found),
            "Invalid API identifier specified 000000000000:nosuchapi0");
  const json api = rest_ok("CreateRestApi", {{"name", "a"}});
  rest_fails("PutMethod",
             {{"restapi_id", api["id"]},
              {"resource_id", "nope"},
              {"http_method", "GET"},
              {"authorizationType", "NONE"}},
             error_code::apigw_not_found);
  rest_fails("PutMethod",
             {{"restapi_id", api["id"]},
              {"resource_id", api["rootResourceId"]},
              {"http_method", "FETCH"},
              {"authorizationType", "NONE"}},
             error_code::apigw_bad_request);
  rest_fails("PutMethod",
             {{"restapi_id", api["id"]},
              {"resource_id", api["rootResourceId"]},
              {"http_method", "GET"},
              {"authorizationType", "COGNITO_USER_POOLS"},
              {"authorizerId", "missing"}},
             error_code::apigw_bad_request);
  EXPECT_FALSE(rest_ok("GetResources", {{"restapi_id", api["id"]}})["item"][0].contains("resourceMethods"));
}

TEST_F(rest_api_test, rest_apis_survive_a_restart) {
  char dir[] = "/tmp/fogbank-rest-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  open(dir);
  const std::string id = rest_ok("CreateRestApi", {{"name", "kept"}}).value("id", "");
  open(dir);
  EXPECT_EQ(rest_ok("GetRestApi", {{"restapi_id", id}}).value("name", ""), "kept");
  emulator_.reset();
  std::filesystem::remove_all(dir);
}

TEST_F(rest_api_test, a_token_reaches_the_function_as_string_claims) {
  build();
  const std::string token = b64url(R"({"alg":"none"})") + "." +
                            b64url(R"({"cognito:username":"alice","exp":4102444800,"email_verified":true})") +
                            ".";
  const rest_response r = invoke("GET", "/items/7", {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json event = json::parse(r.body);
  EXPECT_EQ(event["pathParameters"], json({{"id", "7"}}));
  EXPECT_EQ(event["resource"], "/items/{id}");
  const json claims = event["requestContext"]["authorizer"]["claims"];
  EXPECT_EQ(claims["cognito:username"], "alice");
  EXPECT_EQ(claims["email_verified"], "true");
  EXPECT_EQ(claims["exp"], "Fri Jan 01 00:00:00 UTC 2100");
}

TEST_F(rest_api_test, the_authorizer_answers_401_without_a_valid_token) {
  build();
  EXPECT_EQ(invoke("GET", "/items/7").status, 401);
  EXPECT_EQ(invoke("GET", "/items/7", {{"Authorization", "Bearer garbage"}}).body,
            R"({"message":"Unauthorized"})");
  const std::string expired = b64url("{}") + "." + b64url(R"({"exp":1000})") + ".";
  const rest_response r = invoke("GET", "/items/7", {{"authorization", expired}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, R"({"message":"The incoming token has expired"})");
}

TEST_F(rest_api_test, unknown_routes_and_failing_handlers_get_api_gateways_errors) {
  build();
  EXPECT_EQ(invoke("GET", "/nothing").status, 403);
  EXPECT_EQ(invoke("POST", "/items/7").body, R"({"message":"Missing Authentication Token"})");
  const rest_response failed = invoke("PATCH", "/fail");
  EXPECT_EQ(failed.status, 502);
  EXPECT_EQ(failed.body, R"({"message": "Internal server error"})");
}

// REST APIs' default integration timeout is 29 seconds ("Maximum integration timeout: 50
// milliseconds - 29 seconds", API Gateway quotas for REST APIs); a function still running then
// gets 504 {"message": "Endpoint request timed out"}, and its late answer is dropped.
TEST_F(rest_api_test, the_default_integration_timeout_is_29_seconds_on_the_service_clock) {
  build();
  const json integration =
      rest_ok("GetIntegration", {{"restapi_id", api_}, {"resource_id", slow_}, {"http_method", "GET"}});
  EXPECT_EQ(integration["timeoutInMillis"], 29'000);

  rest_slow_for = std::chrono::milliseconds(28'999);
  const rest_response in_time = invoke("GET", "/slow");
  EXPECT_EQ(in_time.status, 200) << in_time.body;
  EXPECT_EQ(in_time.body, "in time");

  rest_slow_for = std::chrono::milliseconds(29'000);
  const rest_response late = invoke("GET", "/slow");
  EXPECT_EQ(late.status, 504);
  EXPECT_EQ(late.body, R"({"message": "Endpoint request timed out"})");
}

TEST_F(rest_api_test, health_lists_each_stages_invoke_url) {
  build();
  const json health = emulator_->rest_apis().health();
  EXPECT_EQ(health["restApiUrls"], json::array({"http://127.0.0.1:4566/rest/" + api_ + "/dev/"}));
}

}  // namespace
}  // namespace fogbank::apigw
