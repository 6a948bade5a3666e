// AWS::ApiGatewayV2::Authorizer (CloudFormation Template Reference,
// aws-resource-apigatewayv2-authorizer: Ref = the authorizer id; GetAtt AuthorizerId) and a
// $connect route behind it (AuthorizationType CUSTOM, AuthorizerId !Ref).

#include "template_fixture.hpp"

#include "fogbank/apigw/service.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/main/emulator.hpp"

#include <string>

namespace fogbank::templates::testing {
namespace {

const std::string guarded = R"(Resources:
  Authorize:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: authorize
      Role: arn:aws:iam::000000000000:role/r
      Runtime: provided.al2023
      Handler: token_authorizer.handler
      Code: {S3Bucket: hot-reload, S3Key: CODE}
  Chat:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: chat
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: "$request.body.action"
  Tokens:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Chat
      Name: tokens
      AuthorizerType: REQUEST
      AuthorizerUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Authorize.Arn}/invocations"
      IdentitySource: [route.request.querystring.token]
  ConnectRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Chat
      RouteKey: $connect
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref Tokens
Outputs:
  ApiId: {Value: !Ref Chat}
  AuthorizerId: {Value: !GetAtt Tokens.AuthorizerId}
)";

TEST(TemplateApigwAuthorizer, ARouteIsGuardedByTheAuthorizerTheTemplateDeclares) {
  temp_dir dir;
  std::filesystem::create_directories(dir.path() / "code");
  std::string text = guarded;
  text.replace(text.find("CODE"), 4, (dir.path() / "code").string());
  emulator_options options;
  options.manual_clock = true;
  options.seed = 1;
  std::string error;
  auto e = emulator::open(options, &error);
  ASSERT_TRUE(e) << error;
  load_options load;
  load.state_dir = dir.path() / "data";
  const load_result result = deploy(e->client(), read_template(dir.write("app.yaml", text)), load);
  std::string api, authorizer;
  for (const auto& [key, value] : result.outputs) {
    if (key == "ApiId") api = value;
    if (key == "AuthorizerId") authorizer = value;
  }
  ASSERT_EQ(api.size(), 10u) << api;
  const core::call_result got =
      e->client().call("apigatewayv2", "GetAuthorizer", {{"apiId", api}, {"authorizerId", authorizer}});
  ASSERT_FALSE(got.error) << got.error->message();
  EXPECT_EQ(got.body["identitySource"], json::array({"route.request.querystring.token"}));
  const auto runtime = e->apigw().find_websocket_api(api);
  ASSERT_NE(runtime, nullptr);
  EXPECT_EQ(runtime->find_route("$connect")->authorizer_function_arn,
            "arn:aws:lambda:us-east-1:000000000000:function:authorize");
}

}  // namespace
}  // namespace fogbank::templates::testing
