// The control plane's Update* operations, GetDeployment / DeleteDeployment and route responses
// (botocore apigatewayv2 2018-11-29 shapes), and the runtime view of an API (find_websocket_api),
// which is cached per API and must show every change on the next message.

#include "apigw_fixture.hpp"

#include "fogbank/apigw/websocket.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <vector>

namespace fogbank::apigw {
namespace {

const std::string function_arn = "arn:aws:lambda:us-east-1:000000000000:function:chat";

class updates_test : public apigw_test {
 protected:
  std::string integration(const std::string& api, const std::string& arn = function_arn) {
    return ok("CreateIntegration",
              {{"apiId", api}, {"integrationType", "AWS_PROXY"}, {"integrationUri", arn}})
        .value("integrationId", "");
  }
  std::string route(const std::string& api, const std::string& key) {
    return ok("CreateRoute", {{"apiId", api}, {"routeKey", key}}).value("routeId", "");
  }
};

TEST_F(updates_test, update_api_changes_what_it_names_and_keeps_the_rest) {
  const std::string api = create_api();
  const json updated = ok("UpdateApi", {{"apiId", api},
                                        {"name", "chat-2"},
                                        {"description", "the chat"},
                                        {"routeSelectionExpression", "${request.body.kind}"}});
  EXPECT_EQ(updated.value("name", ""), "chat-2");
  EXPECT_EQ(updated.value("description", ""), "the chat");
  EXPECT_EQ(updated.value("routeSelectionExpression", ""), "${request.body.kind}");
  EXPECT_EQ(updated.value("protocolType", ""), "WEBSOCKET");
  EXPECT_EQ(updated.value("apiEndpoint", ""), "ws://127.0.0.1:4566/ws/" + api);
  EXPECT_EQ(ok("GetApi", {{"apiId", api}}), updated);
}

TEST_F(updates_test, update_api_refuses_bad_members_and_changes_nothing) {
  const std::string api = create_api();
  const json before = ok("GetApi", {{"apiId", api}});
  fails("UpdateApi", {{"apiId", api}, {"routeSelectionExpression", "$request.header.x"}},
        error_code::apigw_bad_request);
  fails("UpdateApi", {{"apiId", api}, {"apiKeySelectionExpression", "$request.body.key"}},
        error_code::apigw_bad_request);
  // Quick-create and CORS members belong to HTTP APIs (UpdateApi API reference).
  fails("UpdateApi", {{"apiId", api}, {"target", "integrations/x"}}, error_code::apigw_bad_request);
  fails("UpdateApi", {{"apiId", api}, {"name", 5}}, error_code::apigw_bad_request);
  // Found by the apigw_route fuzz target (fuzz/findings/apigw_route/crash-bd7ac649...): a string
  // that is not UTF-8 (an in-process caller can send one) got the generic "Invalid request body"
  // from storage; it is refused by name.
  EXPECT_EQ(fails("UpdateApi", {{"apiId", api}, {"routeSelectionExpression", "$request.body.caf\xe9"}},
                  error_code::apigw_bad_request),
            "Invalid input: routeSelectionExpression must be UTF-8 text");
  EXPECT_EQ(fails("CreateApi",
                  {{"name", "chat"},
                   {"protocolType", "WEBSOCKET"},
                   {"routeSelectionExpression", "$request.body.action"},
                   {"tags", {{"team", "caf\xe9"}}}},
                  error_code::apigw_bad_request),
            "Invalid input: tags must be a map of UTF-8 strings");
  EXPECT_EQ(fails("UpdateApi", {{"apiId", "nosuchapi0"}, {"name", "x"}}, error_code::apigw_not_found),
            "Invalid API identifier specified nosuchapi0");
  EXPECT_EQ(ok("GetApi", {{"apiId", api}}), before);
}

TEST_F(updates_test, update_route_changes_key_target_and_response_selection) {
  const std::string api = create_api();
  const std::string integration_id = integration(api);
  const std::string id = route(api, "join");
  route(api, "leave");
  const json updated = ok("UpdateRoute", {{"apiId", api},
                                          {"routeId", id},
                                          {"routeKey", "enter"},
                                          {"target", "integrations/" + integration_id},
                                          {"routeResponseSelectionExpression", "$default"}});
  EXPECT_EQ(updated.value("routeId", ""), id);
  EXPECT_EQ(updated.value("routeKey", ""), "enter");
  EXPECT_EQ(updated.value("target", ""), "integrations/" + integration_id);
  EXPECT_EQ(updated.value("routeResponseSelectionExpression", ""), "$default");
  EXPECT_EQ(ok("GetRoute", {{"apiId", api}, {"routeId", id}}), updated);
  // Its own key again is no conflict; another route's is.
  ok("UpdateRoute", {{"apiId", api}, {"routeId", id}, {"routeKey", "enter"}});
  fails("UpdateRoute", {{"apiId", api}, {"routeId", id}, {"routeKey", "leave"}}, error_code::apigw_conflict);
  fails("UpdateRoute", {{"apiId", api}, {"routeId", id}, {"target", "integrations/nope"}},
        error_code::apigw_bad_request);
  fails("UpdateRoute", {{"apiId", api}, {"routeId", id}, {"routeKey", "$connected"}},
        error_code::apigw_bad_request);
  EXPECT_EQ(fails("UpdateRoute", {{"apiId", api}, {"routeId", "nope123"}}, error_code::apigw_not_found),
            "Invalid Route identifier specified nope123");
  EXPECT_EQ(ok("GetRoute", {{"apiId", api}, {"routeId", id}}), updated);
}

TEST_F(updates_test, update_integration_and_its_errors) {
  const std::string api = create_api();
  const std::string id = integration(api);
  const std::string other = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" +
                            std::string("arn:aws:lambda:us-east-1:000000000000:function:other/invocations");
  const json updated =
      ok("UpdateIntegration",
         {{"apiId", api}, {"integrationId", id}, {"integrationUri", other}, {"timeoutInMillis", 500}});
  EXPECT_EQ(updated.value("integrationUri", ""), other);
  EXPECT_EQ(updated.value("timeoutInMillis", 0), 500);
  EXPECT_EQ(updated.value("integrationType", ""), "AWS_PROXY");
  fails("UpdateIntegration", {{"apiId", api}, {"integrationId", id}, {"integrationType", "HTTP"}},
        error_code::apigw_bad_request);
  fails("UpdateIntegration",
        {{"apiId", api}, {"integrationId", id}, {"integrationUri", "http://example.com"}},
        error_code::apigw_bad_request);
  fails("UpdateIntegration", {{"apiId", api}, {"integrationId", id}, {"timeoutInMillis", 30001}},
        error_code::apigw_bad_request);
  EXPECT_EQ(
      fails("UpdateIntegration", {{"apiId", api}, {"integrationId", "nope123"}}, error_code::apigw_not_found),
      "Invalid Integration identifier specified nope123");
  EXPECT_EQ(ok("GetIntegration", {{"apiId", api}, {"integrationId", id}}), updated);
}

TEST_F(updates_test, update_stage_and_deployments) {
  const std::string api = create_api();
  ok("CreateStage", {{"apiId", api}, {"stageName", "dev"}});
  emulator_->advance(std::chrono::seconds(5));
  const json deployment = ok("CreateDeployment", {{"apiId", api}, {"description", "first"}});
  const std::string deployment_id = deployment.value("deploymentId", "");
  EXPECT_EQ(ok("GetDeployment", {{"apiId", api}, {"deploymentId", deployment_id}}), deployment);

  const json stage = ok("UpdateStage", {{"apiId", api},
                                        {"stageName", "dev"},
                                        {"deploymentId", deployment_id},
                                        {"description", "development"},
                                        {"stageVariables", {{"table", "connections"}}}});
  EXPECT_EQ(stage.value("deploymentId", ""), deployment_id);
  EXPECT_EQ(stage.value("description", ""), "development");
  EXPECT_EQ(stage["stageVariables"], json({{"table", "connections"}}));
  EXPECT_NE(stage.value("lastUpdatedDate", ""), stage.value("createdDate", ""));
  EXPECT_EQ(ok("GetStage", {{"apiId", api}, {"stageName", "dev"}}), stage);
  fails("UpdateStage", {{"apiId", api}, {"stageName", "dev"}, {"deploymentId", "nope123"}},
        error_code::apigw_not_found);
  fails("UpdateStage", {{"apiId", api}, {"stageName", "prod"}}, error_code::apigw_not_found);

  // A deployment a stage points at stays (unconfirmed wording for apigatewayv2).
  fails("DeleteDeployment", {{"apiId", api}, {"deploymentId", deployment_id}}, error_code::apigw_bad_request);
  ok("DeleteStage", {{"apiId", api}, {"stageName", "dev"}});
  ok("DeleteDeployment", {{"apiId", api}, {"deploymentId", deployment_id}});
  fails("GetDeployment", {{"apiId", api}, {"deploymentId", deployment_id}}, error_code::apigw_not_found);
  fails("DeleteDeployment", {{"apiId", api}, {"deploymentId", deployment_id}}, error_code::apigw_not_found);
  EXPECT_TRUE(ok("GetDeployments", {{"apiId", api}})["items"].empty());
}

TEST_F(updates_test, route_responses_of_a_route) {
  const std::string api = create_api();
  const std::string id = route(api, "sendmessage");
  const json created =
      ok("CreateRouteResponse", {{"apiId", api}, {"routeId", id}, {"routeResponseKey", "$default"}});
  const std::string response_id = created.value("routeResponseId", "");
  EXPECT_EQ(response_id.size(), 7u);
  EXPECT_EQ(created, json({{"routeResponseId", response_id}, {"routeResponseKey", "$default"}}));
  // "$default" is the only key WebSocket route responses take; one per key.
  fails("CreateRouteResponse", {{"apiId", api}, {"routeId", id}, {"routeResponseKey", "$default"}},
        error_code::apigw_conflict);
  fails("CreateRouteResponse", {{"apiId", api}, {"routeId", id}, {"routeResponseKey", "ok"}},
        error_code::apigw_bad_request);
  fails("CreateRouteResponse", {{"apiId", api}, {"routeId", "nope123"}, {"routeResponseKey", "$default"}},
        error_code::apigw_not_found);
  EXPECT_EQ(ok("GetRouteResponse", {{"apiId", api}, {"routeId", id}, {"routeResponseId", response_id}}),
            created);
  const json updated = ok("UpdateRouteResponse", {{"apiId", api},
                                                  {"routeId", id},
                                                  {"routeResponseId", response_id},
                                                  {"modelSelectionExpression", "$request.body.kind"}});
  EXPECT_EQ(updated.value("modelSelectionExpression", ""), "$request.body.kind");
  EXPECT_EQ(ok("GetRouteResponses", {{"apiId", api}, {"routeId", id}})["items"], json::array({updated}));
  // Another route has none; deleting the route deletes its responses.
  const std::string other = route(api, "other");
  EXPECT_TRUE(ok("GetRouteResponses", {{"apiId", api}, {"routeId", other}})["items"].empty());
  ok("DeleteRouteResponse", {{"apiId", api}, {"routeId", id}, {"routeResponseId", response_id}});
  fails("GetRouteResponse", {{"apiId", api}, {"routeId", id}, {"routeResponseId", response_id}},
        error_code::apigw_not_found);
  ok("CreateRouteResponse", {{"apiId", api}, {"routeId", id}, {"routeResponseKey", "$default"}});
  ok("DeleteRoute", {{"apiId", api}, {"routeId", id}});
  const std::string again = route(api, "sendmessage");
  EXPECT_TRUE(ok("GetRouteResponses", {{"apiId", api}, {"routeId", again}})["items"].empty());
}

TEST_F(updates_test, updates_and_route_responses_survive_a_restart) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("fogbank-apigw-updates-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  open(dir.string());
  const std::string api = create_api();
  const std::string id = route(api, "join");
  ok("UpdateApi", {{"apiId", api}, {"description", "kept"}});
  ok("UpdateRoute", {{"apiId", api}, {"routeId", id}, {"routeKey", "enter"}});
  const json response =
      ok("CreateRouteResponse", {{"apiId", api}, {"routeId", id}, {"routeResponseKey", "$default"}});
  open(dir.string());
  EXPECT_EQ(ok("GetApi", {{"apiId", api}}).value("description", ""), "kept");
  EXPECT_EQ(ok("GetRoute", {{"apiId", api}, {"routeId", id}}).value("routeKey", ""), "enter");
  EXPECT_EQ(ok("GetRouteResponses", {{"apiId", api}, {"routeId", id}})["items"], json::array({response}));
  emulator_.reset();
  std::filesystem::remove_all(dir);
}

// The runtime's view is cached per API: every change to the API, its routes or its integrations
// shows in the next message's routing.
TEST_F(updates_test, a_change_takes_effect_on_the_next_message) {
  const std::string api = create_api();
  ok("CreateStage", {{"apiId", api}, {"stageName", "dev"}});
  const std::string join = route(api, "join");
  upgrade u;
  u.api_id = api;
  u.stage = "dev";
  u.domain_name = "127.0.0.1:4566";
  auto link = std::make_shared<recording_link>();
  std::string id;
  emulator_->websocket_gateway().connect(u, link, [&](connect_outcome o) { id = o.connection_id; });
  ASSERT_FALSE(id.empty());
  websocket_gateway& gateway = emulator_->websocket_gateway();
  const auto frames_after = [&](const std::string& message) {
    link->sent.clear();
    gateway.message(id, message, false);
    return link->sent.size();
  };

  EXPECT_EQ(frames_after(R"({"action":"join"})"), 0u) << "a route without an integration takes it";
  const auto first = emulator_->apigw().find_websocket_api(api);
  EXPECT_EQ(emulator_->apigw().find_websocket_api(api), first) << "unchanged: the same cached view";

  ok("UpdateRoute", {{"apiId", api}, {"routeId", join}, {"routeKey", "enter"}});
  EXPECT_EQ(frames_after(R"({"action":"join"})"), 1u) << "the old key no longer routes";
  EXPECT_EQ(frames_after(R"({"action":"enter"})"), 0u);

  ok("UpdateApi", {{"apiId", api}, {"routeSelectionExpression", "$request.body.kind"}});
  EXPECT_EQ(frames_after(R"({"action":"enter"})"), 1u) << "the old expression no longer selects";
  EXPECT_EQ(frames_after(R"({"kind":"enter"})"), 0u);

  const std::string integration_id = integration(api);
  ok("UpdateRoute", {{"apiId", api}, {"routeId", join}, {"target", "integrations/" + integration_id}});
  const auto view = emulator_->apigw().find_websocket_api(api);
  ASSERT_NE(view, nullptr);
  EXPECT_NE(view, first);
  EXPECT_EQ(view->find_route("enter")->function_arn, function_arn);
  const std::string other = "arn:aws:lambda:us-east-1:000000000000:function:other";
  ok("UpdateIntegration", {{"apiId", api}, {"integrationId", integration_id}, {"integrationUri", other}});
  EXPECT_EQ(emulator_->apigw().find_websocket_api(api)->find_route("enter")->function_arn, other);
  // The view a caller already holds does not change under it.
  EXPECT_EQ(view->find_route("enter")->function_arn, function_arn);

  ok("DeleteRoute", {{"apiId", api}, {"routeId", join}});
  EXPECT_EQ(frames_after(R"({"kind":"enter"})"), 1u);
  ok("DeleteApi", {{"apiId", api}});
  EXPECT_EQ(emulator_->apigw().find_websocket_api(api), nullptr);
}

}  // namespace
}  // namespace fogbank::apigw
