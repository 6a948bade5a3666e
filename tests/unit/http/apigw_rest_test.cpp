// API Gateway's REST-JSON route tables (generated from botocore's apigatewayv2 and
// apigatewaymanagementapi 2018-11-29 models): requests decode into the wire-shaped objects the
// apigw services take, URI members under their wire names; @connections also under a stage, as
// handlers address it (https://<domainName>/<stage>/@connections/{id}); errors keep the wire's
// "message" member.

#include "rest_codec.hpp"
#include "rest_model.hpp"

#include "fogbank/core/encoding.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fogbank::http {
namespace {

using nlohmann::json;

json decode(const rest_model::service_model& model, bhttp::verb method, std::string_view target,
            std::string body = "") {
  request req{method, std::string(target), 11};
  req.body() = std::move(body);
  req.prepare_payload();
  const auto found = rest_codec::match(model, sv(req.method_string()), target);
  EXPECT_TRUE(found) << target;
  if (!found) return json();
  json out = rest_codec::decode_request(model, *found, req);
  out["(operation)"] = std::string(found->op->name);
  return out;
}

TEST(ApigwRestRoutes, ControlPlaneMembersKeepTheirWireNames) {
  const auto& v2 = rest_model::apigatewayv2();
  EXPECT_EQ(decode(v2, bhttp::verb::post, "/v2/apis", R"({"name":"n","protocolType":"WEBSOCKET"})"),
            (json{{"(operation)", "CreateApi"}, {"name", "n"}, {"protocolType", "WEBSOCKET"}}));
  EXPECT_EQ(decode(v2, bhttp::verb::get, "/v2/apis/abc/routes?maxResults=2"),
            (json{{"(operation)", "GetRoutes"}, {"apiId", "abc"}, {"maxResults", "2"}}));
  EXPECT_EQ(decode(v2, bhttp::verb::delete_, "/v2/apis/abc/stages/dev"),
            (json{{"(operation)", "DeleteStage"}, {"apiId", "abc"}, {"stageName", "dev"}}));
  const rest_model::error_shape* not_found = v2.find_error("NotFoundException");
  ASSERT_NE(not_found, nullptr);
  EXPECT_EQ(not_found->status, 404);
  EXPECT_EQ(not_found->message_member, "message");
}

TEST(ApigwRestRoutes, ConnectionsAnswerAtTheRootAndUnderAStage) {
  const auto& management = rest_model::apigatewaymanagementapi();
  // AWS's ids end in '=', which callers send percent-encoded.
  EXPECT_EQ(decode(management, bhttp::verb::post, "/@connections/Kf2bqd9WywMCEng%3D", "hi"),
            (json{{"(operation)", "PostToConnection"},
                  {"connectionId", "Kf2bqd9WywMCEng="},
                  {"Data", core::base64_encode("hi")}}));
  EXPECT_EQ(decode(management, bhttp::verb::get, "/dev/@connections/Kf2bqd9WywMCEng%3D"),
            (json{{"(operation)", "GetConnection"}, {"stage", "dev"}, {"connectionId", "Kf2bqd9WywMCEng="}}));
  EXPECT_EQ(decode(management, bhttp::verb::delete_, "/prod/@connections/x")["(operation)"],
            "DeleteConnection");
  EXPECT_FALSE(rest_codec::match(management, "POST", "/a/b/@connections/x").has_value());
  EXPECT_EQ(management.find_error("GoneException")->status, 410);
  EXPECT_EQ(management.find_error("PayloadTooLargeException")->status, 413);
}

}  // namespace
}  // namespace fogbank::http
