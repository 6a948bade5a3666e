// AWS::ApiGatewayV2::* and AWS::Lambda::Permission deployed into a real emulator: a WebSocket API
// with its routes, integrations (both IntegrationUri forms), a route response, a deployment and a
// stage; Ref and Fn::GetAtt as CloudFormation documents them; a reload after a restart on the same
// data directory keeps the API and updates what changed; bad properties are errors at their line.

#include "emulator_calls.hpp"
#include "template_fixture.hpp"

#include "fogbank/apigw/service.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/main/emulator.hpp"

#include <string>

namespace fogbank::templates::testing {
namespace {

// The chat seed's API in miniature. ROUTE_KEY is replaced to test updates.
const std::string chat = R"(Resources:
  Handler:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: chat
      Role: arn:aws:iam::000000000000:role/r
      Runtime: nodejs20.x
      Handler: index.handler
      Code: {S3Bucket: hot-reload, S3Key: CODE}
  Chat:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: chat
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: "$request.body.action"
      ApiKeySelectionExpression: "$request.header.x-api-key"
      Description: the chat
  ConnectIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Chat
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Handler.Arn}/invocations"
  SendIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Chat
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt Handler.Arn
      TimeoutInMillis: "5000"
  ConnectRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Chat
      RouteKey: $connect
      AuthorizationType: NONE
      Target: !Join ["/", [integrations, !Ref ConnectIntegration]]
  SendRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Chat
      RouteKey: ROUTE_KEY
      Target: !Sub "integrations/${SendIntegration}"
      RouteResponseSelectionExpression: $default
  SendResponse:
    Type: AWS::ApiGatewayV2::RouteResponse
    Properties:
      ApiId: !Ref Chat
      RouteId: !Ref SendRoute
      RouteResponseKey: $default
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Handler
      Principal: apigateway.amazonaws.com
  Deployment:
    Type: AWS::ApiGatewayV2::Deployment
    DependsOn: [ConnectRoute, SendRoute]
    Properties:
      ApiId: !Ref Chat
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref Chat
      StageName: dev
      DeploymentId: !Ref Deployment
      DefaultRouteSettings: {DataTraceEnabled: false, LoggingLevel: "OFF"}
Outputs:
  ApiId: {Value: !Ref Chat}
  ApiIdAttribute: {Value: !GetAtt Chat.ApiId}
  Endpoint: {Value: !GetAtt Chat.ApiEndpoint}
  ConnectRouteId: {Value: !Ref ConnectRoute}
  SendRouteId: {Value: !GetAtt SendRoute.RouteId}
  SendIntegrationId: {Value: !GetAtt SendIntegration.IntegrationId}
  ResponseId: {Value: !Ref SendResponse}
  DeploymentId: {Value: !GetAtt Deployment.DeploymentId}
  StageName: {Value: !Ref Stage}
)";

class TemplateApigw : public ::testing::Test {
 protected:
  std::string text(const std::string& route_key = "sendmessage") const {
    std::string out = chat;
    out.replace(out.find("CODE"), 4, (dir.path() / "code").string());
    out.replace(out.find("ROUTE_KEY"), 9, route_key);
    return out;
  }

  load_result load(const emulator& e, const std::string& template_text) {
    std::filesystem::create_directories(dir.path() / "code");
    load_options options;
    options.state_dir = dir.path() / "data";
    return deploy(e.client(), read_template(dir.write("app.yaml", template_text)), options);
  }

  static std::string output(const load_result& result, const std::string& name) {
    for (const auto& [key, value] : result.outputs) {
      if (key == name) return value;
    }
    ADD_FAILURE() << "no output " << name;
    return "";
  }

  static resource_action action(const load_result& result, const std::string& logical_id) {
    for (const resource_outcome& r : result.resources) {
      if (r.logical_id == logical_id) return r.action;
    }
    ADD_FAILURE() << "no outcome for " << logical_id;
    return resource_action::ignored;
  }

  std::string data() const { return (dir.path() / "data").string(); }

  temp_dir dir;
};

TEST_F(TemplateApigw, AWebSocketApiIsMadeAsTheTemplateSays) {
  auto e = open_emulator();
  const load_result result = load(*e, text());
  for (const char* id : {"Chat", "ConnectIntegration", "SendIntegration", "ConnectRoute", "SendRoute",
                         "SendResponse", "Invoke", "Deployment", "Stage"}) {
    EXPECT_EQ(action(result, id), resource_action::created) << id;
  }
  const std::string api = output(result, "ApiId");
  ASSERT_EQ(api.size(), 10u) << api;
  EXPECT_EQ(output(result, "ApiIdAttribute"), api);
  EXPECT_EQ(output(result, "Endpoint"), "ws://localhost:4566/ws/" + api);
  EXPECT_EQ(output(result, "StageName"), "dev");

  const json got = must(*e, "apigatewayv2", "GetApi", {{"apiId", api}});
  EXPECT_EQ(got.value("name", ""), "chat");
  EXPECT_EQ(got.value("description", ""), "the chat");
  EXPECT_EQ(got.value("routeSelectionExpression", ""), "$request.body.action");

  const std::string send_integration = output(result, "SendIntegrationId");
  const json integration =
      must(*e, "apigatewayv2", "GetIntegration", {{"apiId", api}, {"integrationId", send_integration}});
  EXPECT_EQ(integration.value("integrationUri", ""), "arn:aws:lambda:us-east-1:000000000000:function:chat");
  EXPECT_EQ(integration.value("timeoutInMillis", 0), 5000);

  const json send =
      must(*e, "apigatewayv2", "GetRoute", {{"apiId", api}, {"routeId", output(result, "SendRouteId")}});
  EXPECT_EQ(send.value("routeKey", ""), "sendmessage");
  EXPECT_EQ(send.value("target", ""), "integrations/" + send_integration);
  EXPECT_EQ(send.value("routeResponseSelectionExpression", ""), "$default");
  const json connect =
      must(*e, "apigatewayv2", "GetRoute", {{"apiId", api}, {"routeId", output(result, "ConnectRouteId")}});
  EXPECT_EQ(connect.value("routeKey", ""), "$connect");

  const json responses = must(*e, "apigatewayv2", "GetRouteResponses",
                              {{"apiId", api}, {"routeId", output(result, "SendRouteId")}});
  ASSERT_EQ(responses["items"].size(), 1u);
  EXPECT_EQ(responses["items"][0].value("routeResponseId", ""), output(result, "ResponseId"));

  const json stage = must(*e, "apigatewayv2", "GetStage", {{"apiId", api}, {"stageName", "dev"}});
  EXPECT_EQ(stage.value("deploymentId", ""), output(result, "DeploymentId"));
  EXPECT_EQ(stage["defaultRouteSettings"], json({{"dataTraceEnabled", false}, {"loggingLevel", "OFF"}}));

  // The runtime routes to the function through both URI forms.
  const auto runtime = e->apigw().find_websocket_api(api);
  ASSERT_NE(runtime, nullptr);
  EXPECT_EQ(runtime->find_route("$connect")->function_arn,
            "arn:aws:lambda:us-east-1:000000000000:function:chat");
  EXPECT_TRUE(runtime->find_route("sendmessage")->two_way);
  EXPECT_TRUE(runtime->has_stage("dev"));

  // The permission is a statement of the function's policy.
  const json policy =
      json::parse(must(*e, "lambda", "GetPolicy", {{"FunctionName", "chat"}}).value("Policy", "{}"));
  ASSERT_EQ(policy["Statement"].size(), 1u);
  EXPECT_EQ(policy["Statement"][0]["Principal"], json({{"Service", "apigateway.amazonaws.com"}}));
}

TEST_F(TemplateApigw, AReloadAfterARestartKeepsTheApiAndUpdatesWhatChanged) {
  std::string api;
  std::string route;
  {
    auto e = open_emulator(data());
    const load_result first = load(*e, text());
    api = output(first, "ApiId");
    route = output(first, "SendRouteId");
  }
  {
    auto e = open_emulator(data());
    const load_result second = load(*e, text());
    for (const resource_outcome& r : second.resources) {
      if (r.type != "AWS::Lambda::Function") {
        EXPECT_EQ(r.action, resource_action::unchanged) << r.logical_id;
      }
    }
    EXPECT_EQ(output(second, "ApiId"), api);
    EXPECT_EQ(output(second, "SendRouteId"), route);
    EXPECT_EQ(must(*e, "apigatewayv2", "GetApis", json::object())["items"].size(), 1u);
  }
  auto e = open_emulator(data());
  const load_result third = load(*e, text("send"));
  EXPECT_EQ(action(third, "SendRoute"), resource_action::updated);
  EXPECT_EQ(action(third, "Chat"), resource_action::unchanged);
  EXPECT_EQ(output(third, "SendRouteId"), route);
  EXPECT_EQ(must(*e, "apigatewayv2", "GetRoute", {{"apiId", api}, {"routeId", route}}).value("routeKey", ""),
            "send");
  EXPECT_NE(e->apigw().find_websocket_api(api)->find_route("send"), nullptr);
  // One statement still: the permission was found, not added twice.
  const json policy =
      json::parse(must(*e, "lambda", "GetPolicy", {{"FunctionName", "chat"}}).value("Policy", "{}"));
  EXPECT_EQ(policy["Statement"].size(), 1u);
}

TEST_F(TemplateApigw, AFailedLoadDeletesTheApiItMade) {
  auto e = open_emulator();
  std::string broken = text();
  // A route key the control plane refuses, after the API and integrations exist.
  broken.replace(broken.find("RouteKey: $connect"), 18, "RouteKey: $connected");
  const template_error error = error_of([&] { load(*e, broken); });
  EXPECT_EQ(error.resource(), "ConnectRoute");
  EXPECT_NE(error.reason().find("BadRequestException: Invalid route key specified: $connected"),
            std::string::npos)
      << error.what();
  EXPECT_TRUE(must(*e, "apigatewayv2", "GetApis", json::object())["items"].empty());
}

TEST(TemplateApigwPlan, RefAndGetAttAreTokensUntilTheIdsExist) {
  const stack_plan plan = plan_text(R"(Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: a, ProtocolType: WEBSOCKET, RouteSelectionExpression: "$request.body.action"}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: prod, AutoDeploy: "true", StageVariables: {n: 1}}
)");
  const planned_resource& api = resource(plan, "Api");
  EXPECT_EQ(api.attributes.at("Ref"), "{{fogbank:Api.ApiId}}");
  EXPECT_EQ(api.attributes.at("ApiEndpoint"), "{{fogbank:Api.ApiEndpoint}}");
  ASSERT_EQ(api.create.size(), 1u);
  EXPECT_EQ(api.create[0].operation, "CreateApi");
  EXPECT_EQ(api.create[0].request, json({{"name", "a"},
                                         {"protocolType", "WEBSOCKET"},
                                         {"routeSelectionExpression", "$request.body.action"}}));
  const planned_resource& stage = resource(plan, "Stage");
  EXPECT_EQ(stage.attributes.at("Ref"), "prod");
  EXPECT_EQ(stage.create[0].request, json({{"apiId", "{{fogbank:Api.ApiId}}"},
                                           {"stageName", "prod"},
                                           {"autoDeploy", true},
                                           {"stageVariables", {{"n", "1"}}}}));
  EXPECT_EQ(stage.needs, (std::set<std::string>{"Api.ApiId"}));
}

TEST(TemplateApigwPlan, BadPropertiesAreErrorsAtTheirLine) {
  struct row {
    std::string type;
    std::string properties;
    int line;
    std::string property;
    std::string reason;
  };
  const row rows[] = {
      {"Api", "{Name: a, ProtocolType: WEBSOCKET, RouteSelectionExpression: x, BodyS3Location: {}}", 4,
       "BodyS3Location", "is not a property of AWS::ApiGatewayV2::Api that fogbank supports"},
      {"Api", "{Name: a, ProtocolType: HTTP, CorsConfiguration: {AllowOrigin: [a]}}", 4,
       "CorsConfiguration.AllowOrigin", "is not a property of CorsConfiguration"},
      {"Api", "{Name: a, ProtocolType: GRPC}", 4, "ProtocolType", "must be WEBSOCKET or HTTP"},
      {"Api", "{Name: a, ProtocolType: WEBSOCKET}", 2, "", "needs RouteSelectionExpression"},
      {"Api", "{ProtocolType: WEBSOCKET}", 2, "", "AWS::ApiGatewayV2::Api needs Name"},
      {"Route", "{ApiId: x, RouteKey: a, RequestParameterz: z}", 4, "RequestParameterz",
       "is not a property of AWS::ApiGatewayV2::Route that fogbank supports"},
      {"Route", "{ApiId: x}", 2, "", "AWS::ApiGatewayV2::Route needs RouteKey"},
      {"Route", "{ApiId: x, RouteKey: a, ApiKeyRequired: maybe}", 4, "ApiKeyRequired",
       "must be true or false"},
      {"Route", "{ApiId: x, RouteKey: a, RequestParameters: [1]}", 4, "RequestParameters",
       "must be a JSON object"},
      // Settings are walked to their known depth and no further (max_settings_depth).
      {"Route", "{ApiId: x, RouteKey: a, RequestModels: {a: {b: {c: {d: {e: 1}}}}}}", 4,
       "RequestModels.a.b.c.d.e", "nests deeper than API Gateway's settings do"},
      {"Stage", "{ApiId: x, StageName: s, DefaultRouteSettings: {ThrottlingRateLimit: fast}}", 4,
       "DefaultRouteSettings.ThrottlingRateLimit", "must be a number"},
      {"Integration", "{ApiId: x, IntegrationType: AWS_PROXY, TimeoutInMillis: soon}", 4, "TimeoutInMillis",
       "must be a whole number"},
      {"Integration", "{ApiId: x, IntegrationType: AWS_PROXY, TlsConfig: {}}", 4, "TlsConfig",
       "is not a property of AWS::ApiGatewayV2::Integration that fogbank supports"},
      {"Stage", "{ApiId: x}", 2, "", "AWS::ApiGatewayV2::Stage needs StageName"},
      {"Stage", "{ApiId: x, StageName: s, AccessPolicyId: p}", 4, "AccessPolicyId",
       "is not a property of AWS::ApiGatewayV2::Stage that fogbank supports"},
      {"Deployment", "{ApiId: x, Stagename: s}", 4, "Stagename",
       "is not a property of AWS::ApiGatewayV2::Deployment that fogbank supports"},
      {"RouteResponse", "{ApiId: x, RouteId: r}", 2, "",
       "AWS::ApiGatewayV2::RouteResponse needs RouteResponseKey"},
  };
  for (const row& r : rows) {
    const template_error e = plan_error("Resources:\n  It:\n    Type: AWS::ApiGatewayV2::" + r.type +
                                        "\n    Properties: " + r.properties + "\n");
    EXPECT_EQ(e.resource(), "It") << e.what();
    EXPECT_EQ(e.property(), r.property) << e.what();
    EXPECT_NE(e.reason().find(r.reason), std::string::npos) << r.properties << " got: " << e.what();
    EXPECT_EQ(e.line(), r.line) << e.what();
  }
}

}  // namespace
}  // namespace fogbank::templates::testing
