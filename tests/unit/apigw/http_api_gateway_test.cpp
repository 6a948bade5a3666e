// HTTP APIs end to end inside the process: the apigatewayv2 control plane for ProtocolType HTTP,
// then calls through the gateway to C++ handlers run by the Lambda service (on the manual clock
// each call completes before handle() returns).

#include "apigw_fixture.hpp"

#include "../lambda/lambda_fixture.hpp"  // the small deployment package

#include "cors.hpp"
#include "fogbank/apigw/http_api.hpp"
#include "fogbank/lambda/handler.hpp"

#include <stdexcept>

namespace fogbank::apigw {
namespace {

std::vector<json>& http_seen() {
  static std::vector<json> events;
  return events;
}

json on_http_echo(const json& event, lambda::context&) {
  http_seen().push_back(event);
  return {
      {"statusCode", 200},
      {"headers", {{"content-type", "application/json"}, {"access-control-allow-origin", "https://evil"}}},
      {"cookies", {"seen=1"}},
      // value(): a payload 1.0 event has no routeKey (operator[] on a const object's missing key
      // is undefined behaviour; the ASan build's assertions stop on it).
      {"body", json{{"routeKey", event.value("routeKey", "")}}.dump()}};
}

json on_http_plain(const json&, lambda::context&) {
  return {{"hello", "world"}};
}

json on_http_fail(const json&, lambda::context&) {
  throw std::runtime_error("handler failed");
}

json on_http_malformed(const json&, lambda::context&) {
  return {{"statusCode", "not a number"}};
}

// The emulator of the running test, for the handler below that lets service time pass.
emulator* running_emulator = nullptr;

// A function that takes 31 s of service time: the 30-second integration timeout fires meanwhile
// (the manual clock's scheduler runs it from inside the handler), and its answer comes too late.
json on_http_slow(const json&, lambda::context&) {
  running_emulator->advance(std::chrono::seconds(31));
  return {{"statusCode", 200}, {"body", "too late"}};
}

FOGBANK_LAMBDA_HANDLER("http_api_test.echo", on_http_echo);
FOGBANK_LAMBDA_HANDLER("http_api_test.slow", on_http_slow);
FOGBANK_LAMBDA_HANDLER("http_api_test.plain", on_http_plain);
FOGBANK_LAMBDA_HANDLER("http_api_test.fail", on_http_fail);
FOGBANK_LAMBDA_HANDLER("http_api_test.malformed", on_http_malformed);

class http_api_gateway_test : public apigw_test {
 protected:
  void SetUp() override {
    apigw_test::SetUp();
    http_seen().clear();
    running_emulator = emulator_.get();
  }
  void TearDown() override { running_emulator = nullptr; }

  std::string function(const std::string& handler) {
    const std::string name = "http-fn-" + std::to_string(functions_++);
    return ok("CreateFunction",
              {{"FunctionName", name},
               {"Runtime", "provided.al2023"},
               {"Handler", handler},
               {"Role", lambda::role_arn},
               {"Code", {{"ZipFile", lambda::small_zip_base64}}},
               {"Timeout", 60}},  // past API Gateway's 30 s, so that its timeout is the one seen
              "lambda")
        .value("FunctionArn", "");
  }

  std::string http_api(const json& extra = json::object()) {
    json request = {{"name", "contacts"}, {"protocolType", "HTTP"}};
    request.update(extra);
    return ok("CreateApi", request).value("apiId", "");
  }

  void route(const std::string& api, const std::string& key, const std::string& handler,
             const std::string& format = "2.0") {
    const json integration = ok("CreateIntegration", {{"apiId", api},
                                                      {"integrationType", "AWS_PROXY"},
                                                      {"integrationUri", function(handler)},
                                                      {"payloadFormatVersion", format}});
    ok("CreateRoute", {{"apiId", api},
                       {"routeKey", key},
                       {"target", "integrations/" + integration.value("integrationId", "")}});
  }

  http_api_response call_api(const std::string& api, const std::string& method, const std::string& path,
                             const std::string& query = "",
                             std::vector<std::pair<std::string, std::string>> headers = {}) {
    http_api_request r;
    r.api_id = api;
    r.method = method;
    r.path = path;
    r.query = query;
    r.headers = std::move(headers);
    r.headers.emplace_back("Host", "127.0.0.1:4566");
    r.domain_name = "127.0.0.1:4566";
    r.source_ip = "127.0.0.1";
    std::optional<http_api_response> out;
    emulator_->http_api_gateway().handle(r, [&](http_api_response a) { out = std::move(a); });
    EXPECT_TRUE(out.has_value()) << method << " " << path << " did not complete";
    return out.value_or(http_api_response{});
  }

  int functions_ = 0;
};

TEST_F(http_api_gateway_test, create_api_http_answers_aws_defaults_and_an_http_endpoint) {
  const json api = ok("CreateApi", {{"name", "contacts"}, {"protocolType", "HTTP"}});
  EXPECT_EQ(api["protocolType"], "HTTP");
  EXPECT_EQ(api["routeSelectionExpression"], "${request.method} ${request.path}");
  EXPECT_EQ(api["apiEndpoint"], "http://127.0.0.1:4566/http/" + api["apiId"].get<std::string>());
  const std::string message =
      fails("CreateApi",
            {{"name", "x"}, {"protocolType", "HTTP"}, {"routeSelectionExpression", "$request.body.action"}},
            error_code::apigw_bad_request);
  EXPECT_NE(message.find("${request.method} ${request.path}"), std::string::npos) << message;
}

TEST_F(http_api_gateway_test, route_keys_are_checked_for_http_apis) {
  const std::string api = http_api();
  ok("CreateRoute", {{"apiId", api}, {"routeKey", "GET /contacts"}});
  ok("CreateRoute", {{"apiId", api}, {"routeKey", "$default"}});
  ok("CreateRoute", {{"apiId", api}, {"routeKey", "ANY /{proxy+}"}});
  for (const char* bad : {"$connect", "GET", "GET /a/", "FETCH /a", "GET /{proxy+}/x"})
    fails("CreateRoute", {{"apiId", api}, {"routeKey", bad}}, error_code::apigw_bad_request);
  fails("CreateRoute", {{"apiId", api}, {"routeKey", "GET /contacts"}}, error_code::apigw_conflict);
}

TEST_F(http_api_gateway_test, integrations_take_payload_format_2_0_and_need_one) {
  const std::string api = http_api();
  const std::string arn = function("http_api_test.echo");
  fails("CreateIntegration", {{"apiId", api}, {"integrationType", "AWS_PROXY"}, {"integrationUri", arn}},
        error_code::apigw_bad_request);
  fails("CreateIntegration",
        {{"apiId", api},
         {"integrationType", "AWS_PROXY"},
         {"integrationUri", arn},
         {"payloadFormatVersion", "3.0"}},
        error_code::apigw_bad_request);
  const json integration = ok("CreateIntegration", {{"apiId", api},
                                                    {"integrationType", "AWS_PROXY"},
                                                    {"integrationUri", arn},
                                                    {"payloadFormatVersion", "2.0"}});
  EXPECT_EQ(integration["payloadFormatVersion"], "2.0");
  EXPECT_EQ(integration["timeoutInMillis"], 30000);
  fails("CreateIntegration",
        {{"apiId", api},
         {"integrationType", "AWS_PROXY"},
         {"integrationUri", arn},
         {"payloadFormatVersion", "2.0"},
         {"timeoutInMillis", 30001}},
        error_code::apigw_bad_request);
}

TEST_F(http_api_gateway_test,
       quick_create_makes_an_integration_a_default_route_and_an_auto_deployed_default_stage) {
  const std::string arn = function("http_api_test.plain");
  const std::string api = http_api({{"target", arn}});
  const json routes = ok("GetRoutes", {{"apiId", api}})["items"];
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0]["routeKey"], "$default");
  const json stages = ok("GetStages", {{"apiId", api}})["items"];
  ASSERT_EQ(stages.size(), 1u);
  EXPECT_EQ(stages[0]["stageName"], "$default");
  EXPECT_EQ(stages[0]["autoDeploy"], true);
  const json integrations = ok("GetIntegrations", {{"apiId", api}})["items"];
  ASSERT_EQ(integrations.size(), 1u);
  EXPECT_EQ(integrations[0]["payloadFormatVersion"], "2.0");
  // A result without statusCode: 200, application/json, the result as the body.
  const http_api_response r = call_api(api, "GET", "/anything/at/all");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body), (json{{"hello", "world"}}));
  EXPECT_EQ(header_value(r.headers, "content-type"), "application/json");
}

TEST_F(http_api_gateway_test, a_named_stage_is_the_first_path_segment_and_default_is_the_root) {
  const std::string api = http_api();
  route(api, "GET /contacts/{id}", "http_api_test.echo");
  ok("CreateStage", {{"apiId", api}, {"stageName", "prod"}, {"stageVariables", {{"table", "t1"}}}});
  EXPECT_EQ(call_api(api, "GET", "/contacts/7").status, 404);  // no $default stage yet
  const http_api_response r = call_api(api, "GET", "/prod/contacts/7", "a=1&a=2", {{"Cookie", "c1=x; c2=y"}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(http_seen().size(), 1u);
  const json& event = http_seen().back();
  EXPECT_EQ(event["routeKey"], "GET /contacts/{id}");
  EXPECT_EQ(event["rawPath"], "/prod/contacts/7");
  EXPECT_EQ(event["requestContext"]["stage"], "prod");
  EXPECT_EQ(event["pathParameters"], (json{{"id", "7"}}));
  EXPECT_EQ(event["queryStringParameters"], (json{{"a", "1,2"}}));
  EXPECT_EQ(event["cookies"], (json{"c1=x", "c2=y"}));
  EXPECT_EQ(event["stageVariables"], (json{{"table", "t1"}}));
  EXPECT_EQ(header_value(r.headers, "set-cookie"), "seen=1");
  EXPECT_TRUE(header_value(r.headers, "apigw-requestid"));
  ok("CreateStage", {{"apiId", api}, {"stageName", "$default"}});
  EXPECT_EQ(call_api(api, "GET", "/contacts/8").status, 200);
  EXPECT_EQ(http_seen().back()["requestContext"]["stage"], "$default");
  EXPECT_EQ(http_seen().back()["rawPath"], "/contacts/8");
}

TEST_F(http_api_gateway_test, errors_are_api_gateways_for_http_apis) {
  const std::string api = http_api();
  ok("CreateStage", {{"apiId", api}, {"stageName", "$default"}});
  route(api, "GET /fail", "http_api_test.fail");
  route(api, "GET /malformed", "http_api_test.malformed");
  const http_api_response missing = call_api(api, "GET", "/nothing-here");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"message":"Not Found"})");
  const http_api_response failed = call_api(api, "GET", "/fail");
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(failed.body, R"({"message":"Internal Server Error"})");
  EXPECT_EQ(call_api(api, "GET", "/malformed").status, 500);
  EXPECT_EQ(call_api("nosuchapi0", "GET", "/").status, 404);
}

TEST_F(http_api_gateway_test, the_integration_timeout_answers_503_on_the_service_clock) {
  const std::string api = http_api();
  ok("CreateStage", {{"apiId", api}, {"stageName", "$default"}});
  route(api, "GET /slow", "http_api_test.slow");
  const http_api_response r = call_api(api, "GET", "/slow");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"message":"Service Unavailable"})");
}

TEST_F(http_api_gateway_test, cors_preflights_are_answered_without_the_function) {
  const std::string api = http_api({{"corsConfiguration",
                                     {{"allowOrigins", {"https://app.example.com"}},
                                      {"allowMethods", {"GET", "POST"}},
                                      {"allowHeaders", {"content-type"}},
                                      {"maxAge", 600}}}});
  ok("CreateStage", {{"apiId", api}, {"stageName", "$default"}});
  route(api, "ANY /{proxy+}", "http_api_test.echo");
  const http_api_response pre =
      call_api(api, "OPTIONS", "/contacts", "",
               {{"Origin", "https://app.example.com"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(header_value(pre.headers, "access-control-allow-origin"), "https://app.example.com");
  EXPECT_EQ(header_value(pre.headers, "access-control-max-age"), "600");
  EXPECT_TRUE(http_seen().empty()) << "the function ran for a preflight";
  const http_api_response r = call_api(api, "GET", "/contacts", "", {{"Origin", "https://app.example.com"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(header_value(r.headers, "access-control-allow-origin"), "https://app.example.com");
  fails("CreateApi", {{"name", "x"}, {"protocolType", "HTTP"}, {"corsConfiguration", {{"maxAge", 90000}}}},
        error_code::apigw_bad_request);
}

TEST_F(http_api_gateway_test, payload_format_1_0_sends_the_v1_event) {
  const std::string api = http_api();
  ok("CreateStage", {{"apiId", api}, {"stageName", "$default"}});
  route(api, "POST /messages/{id}", "http_api_test.echo", "1.0");
  EXPECT_EQ(call_api(api, "POST", "/messages/3").status, 200);
  ASSERT_EQ(http_seen().size(), 1u);
  EXPECT_EQ(http_seen().back()["version"], "1.0");
  EXPECT_EQ(http_seen().back()["resource"], "/messages/{id}");
  EXPECT_EQ(http_seen().back()["pathParameters"], (json{{"id", "3"}}));
}

TEST_F(http_api_gateway_test, health_lists_the_invoke_urls) {
  const std::string api = http_api();
  ok("CreateStage", {{"apiId", api}, {"stageName", "$default"}});
  ok("CreateStage", {{"apiId", api}, {"stageName", "prod"}});
  const json urls = emulator_->apigw().health()["invokeUrls"];
  EXPECT_EQ(urls, (json{"http://127.0.0.1:4566/http/" + api, "http://127.0.0.1:4566/http/" + api + "/prod"}));
}

}  // namespace
}  // namespace fogbank::apigw
