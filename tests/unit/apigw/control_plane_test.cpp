// The apigatewayv2 control plane for WebSocket APIs, through the in-process client. Shapes from
// botocore's apigatewayv2 2018-11-29 model (wire names: locationName).

#include "apigw_fixture.hpp"

#include <filesystem>
#include <regex>

namespace fogbank::apigw {
namespace {

TEST_F(apigw_test, create_api_answers_the_model_shape_with_a_ws_endpoint_to_this_server) {
  const json api = ok("CreateApi", {{"name", "chat"},
                                    {"protocolType", "WEBSOCKET"},
                                    {"routeSelectionExpression", "$request.body.action"},
                                    {"description", "d"},
                                    {"tags", {{"team", "a"}}}});
  const std::string id = api.value("apiId", "");
  EXPECT_TRUE(std::regex_match(id, std::regex("[a-z0-9]{10}"))) << id;
  EXPECT_EQ(api.value("apiEndpoint", ""), "ws://127.0.0.1:4566/ws/" + id);
  EXPECT_EQ(api.value("name", ""), "chat");
  EXPECT_EQ(api.value("protocolType", ""), "WEBSOCKET");
  EXPECT_EQ(api.value("routeSelectionExpression", ""), "$request.body.action");
  EXPECT_EQ(api.value("apiKeySelectionExpression", ""), "$request.header.x-api-key");
  EXPECT_EQ(api.value("description", ""), "d");
  EXPECT_EQ(api["tags"], (json{{"team", "a"}}));
  // The manual clock starts at 1'700'000'000 s: 2023-11-14T22:13:20Z.
  EXPECT_EQ(api.value("createdDate", ""), "2023-11-14T22:13:20Z");

  const json got = ok("GetApi", {{"apiId", id}});
  EXPECT_EQ(got, api);
  const json all = ok("GetApis", json::object());
  ASSERT_EQ(all["items"].size(), 1u) << all.dump();
  EXPECT_EQ(all["items"][0], api);
  EXPECT_FALSE(all.contains("nextToken"));
}

TEST_F(apigw_test, api_endpoint_follows_the_address_the_caller_used) {
  EXPECT_EQ(service::api_endpoint("https://localhost:4566", "abc"), "wss://localhost:4566/ws/abc");
  EXPECT_EQ(service::api_endpoint("http://127.0.0.1:9/", "abc"), "ws://127.0.0.1:9/ws/abc");
  EXPECT_EQ(service::api_endpoint("", "abc"), "ws://localhost:4566/ws/abc");
}

TEST_F(apigw_test, create_api_refuses_bad_input_and_stores_nothing) {
  // moto's wording (moto/apigatewayv2/exceptions.py UnknownProtocol).
  EXPECT_EQ(fails("CreateApi",
                  {{"name", "x"}, {"protocolType", "GRPC"}, {"routeSelectionExpression", "$request.body.a"}},
                  error_code::apigw_bad_request),
            "Invalid protocol specified. Must be one of [HTTP, WEBSOCKET]");
  fails("CreateApi", {{"protocolType", "WEBSOCKET"}, {"routeSelectionExpression", "$request.body.a"}},
        error_code::apigw_bad_request);
  fails("CreateApi", {{"name", "x"}, {"protocolType", "WEBSOCKET"}}, error_code::apigw_bad_request);
  fails("CreateApi", {{"name", "x"}, {"protocolType", "WEBSOCKET"}, {"routeSelectionExpression", "action"}},
        error_code::apigw_bad_request);
  fails("CreateApi",
        {{"name", std::string(129, 'n')},
         {"protocolType", "WEBSOCKET"},
         {"routeSelectionExpression", "$request.body.a"}},
        error_code::apigw_bad_request);
  fails("CreateApi",
        {{"name", 5}, {"protocolType", "WEBSOCKET"}, {"routeSelectionExpression", "$request.body.a"}},
        error_code::apigw_bad_request);
  fails("CreateApi",
        {{"name", "x"}, {"protocolType", "HTTP"}, {"routeSelectionExpression", "$request.body.a"}},
        error_code::apigw_bad_request);
  fails("CreateApi", json::array(), error_code::serialization);
  EXPECT_EQ(ok("GetApis", json::object())["items"].size(), 0u);
}

TEST_F(apigw_test, unknown_ids_are_not_found) {
  EXPECT_EQ(fails("GetApi", {{"apiId", "nosuchapi0"}}, error_code::apigw_not_found),
            "Invalid API identifier specified nosuchapi0");
  fails("DeleteApi", {{"apiId", "nosuchapi0"}}, error_code::apigw_not_found);
  fails("GetRoutes", {{"apiId", "nosuchapi0"}}, error_code::apigw_not_found);
  const std::string api = create_api();
  EXPECT_EQ(fails("GetRoute", {{"apiId", api}, {"routeId", "zzz"}}, error_code::apigw_not_found),
            "Invalid Route identifier specified zzz");
  fails("DeleteRoute", {{"apiId", api}, {"routeId", "zzz"}}, error_code::apigw_not_found);
  fails("GetIntegration", {{"apiId", api}, {"integrationId", "zzz"}}, error_code::apigw_not_found);
  fails("GetStage", {{"apiId", api}, {"stageName", "zzz"}}, error_code::apigw_not_found);
}

TEST_F(apigw_test, an_api_is_visible_from_its_own_region_only) {
  const std::string api = create_api();
  core::call_context elsewhere = emulator_->client().default_context();
  elsewhere.region = "eu-west-1";
  const core::call_result r = emulator_->client().call("apigatewayv2", "GetApi", {{"apiId", api}}, elsewhere);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code(), error_code::apigw_not_found);
  EXPECT_EQ(
      emulator_->client().call("apigatewayv2", "GetApis", json::object(), elsewhere).body["items"].size(),
      0u);
}

TEST_F(apigw_test, routes_integrations_stages_and_deployments) {
  const std::string api = create_api();
  const std::string arn = "arn:aws:lambda:us-east-1:000000000000:function:chat";
  const json integration = ok("CreateIntegration", {{"apiId", api},
                                                    {"integrationType", "AWS_PROXY"},
                                                    {"integrationUri",
                                                     "arn:aws:apigateway:us-east-1:lambda:path/"
                                                     "2015-03-31/functions/" +
                                                         arn + "/invocations"}});
  const std::string integration_id = integration.value("integrationId", "");
  EXPECT_TRUE(std::regex_match(integration_id, std::regex("[a-z0-9]{7}"))) << integration_id;
  EXPECT_EQ(integration.value("integrationType", ""), "AWS_PROXY");
  EXPECT_EQ(integration.value("payloadFormatVersion", ""), "1.0");
  EXPECT_EQ(integration.value("timeoutInMillis", 0), 29000);

  const json connect =
      ok("CreateRoute",
         {{"apiId", api}, {"routeKey", "$connect"}, {"target", "integrations/" + integration_id}});
  EXPECT_EQ(connect.value("routeKey", ""), "$connect");
  EXPECT_EQ(connect.value("target", ""), "integrations/" + integration_id);
  EXPECT_EQ(connect.value("authorizationType", ""), "NONE");
  EXPECT_EQ(connect.value("apiKeyRequired", true), false);
  const json send = ok("CreateRoute", {{"apiId", api},
                                       {"routeKey", "send"},
                                       {"target", "integrations/" + integration_id},
                                       {"routeResponseSelectionExpression", "$default"}});
  ok("CreateRoute", {{"apiId", api}, {"routeKey", "$default"}});
  EXPECT_EQ(ok("GetRoutes", {{"apiId", api}})["items"].size(), 3u);
  EXPECT_EQ(ok("GetRoute", {{"apiId", api}, {"routeId", send.value("routeId", "")}}), send);

  // A route key is taken once per API (ConflictException, 409).
  fails("CreateRoute", {{"apiId", api}, {"routeKey", "send"}}, error_code::apigw_conflict);
  // A target must be one of this API's integrations.
  fails("CreateRoute", {{"apiId", api}, {"routeKey", "other"}, {"target", "integrations/nope"}},
        error_code::apigw_bad_request);
  fails("CreateRoute", {{"apiId", api}, {"routeKey", "$weird"}}, error_code::apigw_bad_request);
  fails("CreateRoute",
        {{"apiId", api}, {"routeKey", "x"}, {"routeResponseSelectionExpression", "$request.body.x"}},
        error_code::apigw_bad_request);

  const json stage = ok("CreateStage", {{"apiId", api}, {"stageName", "dev"}});
  EXPECT_EQ(stage.value("stageName", ""), "dev");
  EXPECT_EQ(stage["defaultRouteSettings"].value("loggingLevel", ""), "OFF");
  fails("CreateStage", {{"apiId", api}, {"stageName", "dev"}}, error_code::apigw_conflict);
  fails("CreateStage", {{"apiId", api}, {"stageName", "a/b"}}, error_code::apigw_bad_request);
  const json deployment = ok("CreateDeployment", {{"apiId", api}, {"stageName", "dev"}});
  EXPECT_EQ(deployment.value("deploymentStatus", ""), "DEPLOYED");
  EXPECT_EQ(ok("GetStage", {{"apiId", api}, {"stageName", "dev"}}).value("deploymentId", ""),
            deployment.value("deploymentId", ""));
  EXPECT_EQ(ok("GetDeployments", {{"apiId", api}})["items"].size(), 1u);
  fails("CreateDeployment", {{"apiId", api}, {"stageName", "prod"}}, error_code::apigw_not_found);

  // What the WebSocket runtime reads.
  const std::shared_ptr<const websocket_api> runtime = emulator_->apigw().find_websocket_api(api);
  ASSERT_NE(runtime, nullptr);
  EXPECT_EQ(runtime->route_selection_expression, "$request.body.action");
  EXPECT_TRUE(runtime->has_stage("dev"));
  EXPECT_FALSE(runtime->has_stage("prod"));
  ASSERT_NE(runtime->find_route("$connect"), nullptr);
  EXPECT_EQ(runtime->find_route("$connect")->function_arn, arn);
  EXPECT_TRUE(runtime->find_route("send")->two_way);
  EXPECT_EQ(runtime->find_route("$default")->function_arn, "");
  EXPECT_EQ(runtime->find_route("nope"), nullptr);

  // An integration a route targets stays; routes and stages delete.
  fails("DeleteIntegration", {{"apiId", api}, {"integrationId", integration_id}}, error_code::apigw_conflict);
  ok("DeleteRoute", {{"apiId", api}, {"routeId", send.value("routeId", "")}});
  EXPECT_EQ(ok("GetRoutes", {{"apiId", api}})["items"].size(), 2u);
  ok("DeleteStage", {{"apiId", api}, {"stageName", "dev"}});
  EXPECT_EQ(ok("GetStages", {{"apiId", api}})["items"].size(), 0u);
  ok("DeleteApi", {{"apiId", api}});
  fails("GetApi", {{"apiId", api}}, error_code::apigw_not_found);
  EXPECT_EQ(emulator_->apigw().find_websocket_api(api), nullptr);
}

TEST_F(apigw_test, integrations_invoke_lambda_functions_only) {
  const std::string api = create_api();
  // A plain function ARN is taken as well as API Gateway's invocation URI.
  ok("CreateIntegration", {{"apiId", api},
                           {"integrationType", "AWS_PROXY"},
                           {"integrationUri", "arn:aws:lambda:us-east-1:000000000000:function:f:live"}});
  fails("CreateIntegration", {{"apiId", api}, {"integrationType", "AWS_PROXY"}, {"integrationUri", "f"}},
        error_code::apigw_bad_request);
  fails("CreateIntegration",
        {{"apiId", api}, {"integrationType", "HTTP_PROXY"}, {"integrationUri", "http://x"}},
        error_code::apigw_bad_request);
  fails("CreateIntegration",
        {{"apiId", api},
         {"integrationType", "AWS_PROXY"},
         {"integrationUri", "arn:aws:lambda:us-east-1:000000000000:function:f"},
         {"timeoutInMillis", 30000}},
        error_code::apigw_bad_request);
  EXPECT_EQ(ok("GetIntegrations", {{"apiId", api}})["items"].size(), 1u);
}

TEST_F(apigw_test, lists_page_with_max_results_and_next_token) {
  const std::string api = create_api();
  for (const char* key : {"a", "b", "c"}) ok("CreateRoute", {{"apiId", api}, {"routeKey", key}});
  const json first = ok("GetRoutes", {{"apiId", api}, {"maxResults", "2"}});
  ASSERT_EQ(first["items"].size(), 2u);
  ASSERT_TRUE(first.contains("nextToken"));
  const json second =
      ok("GetRoutes", {{"apiId", api}, {"maxResults", "2"}, {"nextToken", first["nextToken"]}});
  ASSERT_EQ(second["items"].size(), 1u);
  EXPECT_EQ(second["items"][0].value("routeKey", ""), "c");
  EXPECT_FALSE(second.contains("nextToken"));
  fails("GetRoutes", {{"apiId", api}, {"maxResults", "x"}}, error_code::apigw_bad_request);
  fails("GetRoutes", {{"apiId", api}, {"nextToken", "99"}}, error_code::apigw_bad_request);
}

TEST_F(apigw_test, apis_survive_a_restart_on_their_data_directory) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("fogbank-apigw-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
       std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  std::filesystem::remove_all(dir);
  open(dir.string());
  const std::string api = create_api("kept");
  ok("CreateRoute", {{"apiId", api}, {"routeKey", "$default"}});
  ok("CreateStage", {{"apiId", api}, {"stageName", "prod"}});
  open(dir.string());
  EXPECT_EQ(ok("GetApi", {{"apiId", api}}).value("name", ""), "kept");
  EXPECT_EQ(ok("GetRoutes", {{"apiId", api}})["items"].size(), 1u);
  EXPECT_TRUE(emulator_->apigw().find_websocket_api(api)->has_stage("prod"));
  EXPECT_EQ(emulator_->health().value("apis", 0), 1);
  emulator_.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fogbank::apigw
