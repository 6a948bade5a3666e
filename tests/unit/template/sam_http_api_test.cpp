// SAM's HTTP APIs (sam_http_api.hpp): AWS::Serverless::HttpApi and HttpApi events become
// AWS::ApiGatewayV2 resources with samtranslator's logical ids, the implicit ServerlessHttpApi
// when an event names no API.

#include "template_fixture.hpp"

#include <string>

namespace fogbank::templates::testing {
namespace {

class TemplateSamHttpApi : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(dir.path() / "src"); }
  read_text read(const std::string& text) {
    return read_text(sam_header + text, dir.path() / "template.yaml");
  }
  temp_dir dir;
};

const std::string function_with_events = R"(
  Contacts:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.11
      Events:
        List:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /contacts, Method: get}
        Fallback:
          Type: HttpApi
)";

TEST_F(TemplateSamHttpApi, HttpApiAndEventsBecomeApiGatewayV2Resources) {
  const stack_plan plan = plan_text(read(R"(Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: prod
      CorsConfiguration: true
      StageVariables: {table: t1}
)" + function_with_events));
  const planned_resource& api = resource(plan, "Api");
  EXPECT_EQ(api.type, "AWS::ApiGatewayV2::Api");
  EXPECT_EQ(api.create.at(0).request.value("protocolType", ""), "HTTP");
  EXPECT_EQ(api.create.at(0).request["corsConfiguration"], json({{"allowOrigins", {"*"}}}));
  const planned_resource& stage = resource(plan, "ApiprodStage");
  EXPECT_EQ(stage.create.at(0).request.value("stageName", ""), "prod");
  EXPECT_EQ(stage.create.at(0).request.value("autoDeploy", false), true);
  EXPECT_EQ(stage.create.at(0).request["stageVariables"], json({{"table", "t1"}}));
  const planned_resource& route = resource(plan, "ContactsListRoute");
  EXPECT_EQ(route.create.at(0).request.value("routeKey", ""), "GET /contacts");
  const planned_resource& integration = resource(plan, "ContactsListIntegration");
  EXPECT_EQ(integration.create.at(0).request.value("payloadFormatVersion", ""), "2.0");
  EXPECT_EQ(integration.create.at(0).request.value("integrationType", ""), "AWS_PROXY");
  EXPECT_EQ(resource(plan, "ContactsListPermission").type, "AWS::Lambda::Permission");
  // An event without ApiId, Path and Method: the $default route of the implicit API.
  EXPECT_EQ(resource(plan, "ServerlessHttpApi").type, "AWS::ApiGatewayV2::Api");
  EXPECT_EQ(
      resource(plan, "ServerlessHttpApiApiGatewayDefaultStage").create.at(0).request.value("stageName", ""),
      "$default");
  EXPECT_EQ(resource(plan, "ContactsFallbackRoute").create.at(0).request.value("routeKey", ""), "$default");
}

TEST_F(TemplateSamHttpApi, WhatFogbankDoesNotTranslateIsRefusedAtItsPlace) {
  const template_error body = error_of([&] {
    plan_text(read(R"(Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody: {openapi: "3.0"}
)"));
  });
  EXPECT_EQ(body.resource(), "Api") << body.what();
  EXPECT_NE(body.reason().find("DefinitionBody"), std::string::npos) << body.what();
  const template_error auth = error_of([&] {
    plan_text(read(R"(Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.11
      Events:
        Get:
          Type: HttpApi
          Properties: {Path: /a, Method: get, Auth: {Authorizer: jwt}}
)"));
  });
  EXPECT_NE(auth.reason().find("authorizers"), std::string::npos) << auth.what();
  const template_error api_id = error_of([&] {
    plan_text(read(R"(Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.11
      Events:
        Get:
          Type: HttpApi
          Properties: {ApiId: !Ref Nowhere, Path: /a, Method: get}
)"));
  });
  EXPECT_NE(api_id.reason().find("AWS::Serverless::HttpApi"), std::string::npos) << api_id.what();
}

}  // namespace
}  // namespace fogbank::templates::testing
