// AWS::ApiGateway::* (REST APIs) deployed into a real emulator from plain CloudFormation: an API,
// a resource under RootResourceId, a Cognito authorizer, a method with its AWS_PROXY integration,
// a deployment and a stage; Ref and Fn::GetAtt as CloudFormation documents them; a reload on the
// same data directory finds everything again; an output naming the AWS invoke URL gets a note
// with the local one.

#include "template_fixture.hpp"

#include "fogbank/dispatch/client.hpp"
#include "fogbank/main/emulator.hpp"

#include "local_urls.hpp"

#include <string>

namespace fogbank::templates::testing {
namespace {

const std::string shop = R"(Resources:
  Handler:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: shop
      Role: arn:aws:iam::000000000000:role/r
      Runtime: nodejs20.x
      Handler: index.handler
      Code: {S3Bucket: hot-reload, S3Key: CODE}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: shop
  Items:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: items
  Users:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Api
      Name: users
      Type: COGNITO_USER_POOLS
      ProviderARNs: [arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_X]
      IdentitySource: method.request.header.Authorization
  GetItems:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Items
      HttpMethod: GET
      AuthorizationType: COGNITO_USER_POOLS
      AuthorizerId: !Ref Users
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Handler.Arn}/invocations"
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: GetItems
    Properties:
      RestApiId: !Ref Api
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      StageName: v1
      DeploymentId: !Ref Deployment
      Variables: {table: items}
Outputs:
  ApiId: {Value: !Ref Api}
  Url: {Value: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/v1/"}
)";

class TemplateApigateway : public ::testing::Test {
 protected:
  std::unique_ptr<emulator> open_emulator() {
    emulator_options options;
    options.manual_clock = true;
    options.data_dir = (dir.path() / "data").string();
    options.seed = 1;
    std::string error;
    auto opened = emulator::open(options, &error);
    EXPECT_TRUE(opened) << error;
    return opened;
  }

  load_result load(const emulator& e) {
    std::filesystem::create_directories(dir.path() / "code");
    std::string text = shop;
    text.replace(text.find("CODE"), 4, (dir.path() / "code").string());
    load_options options;
    options.state_dir = dir.path() / "data";
    return deploy(e.client(), read_template(dir.write("shop.yaml", text)), options);
  }

  static std::string output(const load_result& result, const std::string& name) {
    for (const auto& [key, value] : result.outputs) {
      if (key == name) return value;
    }
    ADD_FAILURE() << "no output " << name;
    return "";
  }

  temp_dir dir;
};

TEST_F(TemplateApigateway, a_rest_api_with_a_cognito_method_is_built_and_found_again) {
  std::string api;
  {
    auto e = open_emulator();
    const load_result result = load(*e);
    api = output(result, "ApiId");
    ASSERT_EQ(api.size(), 10u);
    const core::call_result resources =
        e->client().call("apigateway", "GetResources", {{"restapi_id", api}, {"embed", {"methods"}}});
    ASSERT_FALSE(resources.error);
    const json& items = resources.body["item"];
    ASSERT_EQ(items.size(), 2u) << items.dump();
    const json& method = items[1]["resourceMethods"]["GET"];
    EXPECT_EQ(items[1]["path"], "/items");
    EXPECT_EQ(method["authorizationType"], "COGNITO_USER_POOLS");
    EXPECT_EQ(method["methodIntegration"]["type"], "AWS_PROXY");
    EXPECT_EQ(method["methodIntegration"]["httpMethod"], "POST");
    const core::call_result stage =
        e->client().call("apigateway", "GetStage", {{"restapi_id", api}, {"stage_name", "v1"}});
    ASSERT_FALSE(stage.error);
    EXPECT_EQ(stage.body["variables"], json({{"table", "items"}}));
    bool noted = false;
    for (const std::string& note : result.notes)
      noted = noted || note.find("/rest/" + api + "/v1/") != std::string::npos;
    EXPECT_TRUE(noted) << "no note with the local URL";
  }
  auto e = open_emulator();
  const load_result again = load(*e);
  EXPECT_EQ(output(again, "ApiId"), api);
  for (const resource_outcome& r : again.resources) {
    if (r.type.starts_with("AWS::ApiGateway::")) {
      EXPECT_EQ(r.action, resource_action::unchanged) << r.logical_id;
    }
  }
}

// A try-it line (fixtures/chat/template.yaml's TryIt) gets its execute-api URLs made local.
TEST(local_command, rewrites_the_execute_api_urls_inside_a_line) {
  EXPECT_EQ(local_command("curl -H 'Authorization: Bearer a.b.' https://abc123defg.execute-api.us-east-1."
                          "amazonaws.com/test/get-contacts",
                          "http://127.0.0.1:9"),
            "curl -H 'Authorization: Bearer a.b.' http://127.0.0.1:9/rest/abc123defg/test/get-contacts");
  EXPECT_EQ(
      local_command("curl 'https://a1.execute-api.eu-west-1.amazonaws.com/Prod/x' https://example.com/y "
                    "https://b2.execute-api.eu-west-1.amazonaws.com/Prod/",
                    ""),
      "curl 'http://localhost:4566/rest/a1/Prod/x' https://example.com/y "
      "http://localhost:4566/rest/b2/Prod/");
  // The URL on its own is local_invoke_url's; a line without one is left alone.
  EXPECT_FALSE(local_command("https://abc123defg.execute-api.us-east-1.amazonaws.com/Prod/", ""));
  EXPECT_FALSE(local_command("curl https://example.com/Prod/", ""));
  EXPECT_FALSE(local_command("python3 -m websockets ws://127.0.0.1:4566/ws/abc/prod", ""));
}

TEST(local_invoke_url, rewrites_execute_api_urls_only) {
  EXPECT_EQ(
      local_invoke_url("https://abc123defg.execute-api.us-east-1.amazonaws.com/Prod/", "http://127.0.0.1:9"),
      "http://127.0.0.1:9/rest/abc123defg/Prod/");
  EXPECT_EQ(local_invoke_url("https://abc.execute-api.cn-north-1.amazonaws.com.cn/x", ""),
            "http://localhost:4566/rest/abc/x");
  EXPECT_FALSE(local_invoke_url("http://abc.execute-api.us-east-1.amazonaws.com/Prod/", ""));
  EXPECT_FALSE(local_invoke_url("https://example.com/Prod/", ""));
  EXPECT_FALSE(local_invoke_url("https://a.b.execute-api.us-east-1.amazonaws.com/", ""));
}

}  // namespace
}  // namespace fogbank::templates::testing
