// The WebSocket runtime with real Lambda functions: C++ handlers registered here run in the
// Lambda service's in-process host, invoked through the in-process client ("lambda", "Invoke",
// RequestResponse) exactly as the gateway invokes any function. On the manual clock each
// invocation completes before the call that starts it returns, so every step below is complete
// when it returns.

#include "apigw_fixture.hpp"

#include "../lambda/lambda_fixture.hpp"  // the small deployment package

#include "fogbank/apigw/websocket.hpp"
#include "fogbank/core/encoding.hpp"
#include "fogbank/lambda/handler.hpp"

#include <chrono>
#include <stdexcept>
#include <vector>

namespace fogbank::apigw {
namespace {

using namespace std::chrono_literals;

// The events the handlers below received, in order (the test's thread runs them).
std::vector<json>& seen() {
  static std::vector<json> events;
  return events;
}

// $connect: admits clients with ?token=let-me-in, refuses others with 401.
json on_connect(const json& event, lambda::context&) {
  seen().push_back(event);
  const json query = event.value("queryStringParameters", json::object());
  if (query.value("token", "") != "let-me-in") return {{"statusCode", 401}, {"body", "no token"}};
  return {{"statusCode", 200}};
}

// A message route: pushes back through @connections, as handlers do on AWS, and answers a body.
json on_message(const json& event, lambda::context& ctx) {
  seen().push_back(event);
  const std::string id = event["requestContext"]["connectionId"];
  const core::call_result posted =
      ctx.call("apigatewaymanagementapi", "PostToConnection",
               {{"connectionId", id}, {"Data", core::base64_encode("pushed:" + event.value("body", ""))}});
  if (!posted.ok()) throw std::runtime_error("post failed: " + posted.error->message());
  return {{"statusCode", 200}, {"body", "echo:" + event.value("body", "")}};
}

json on_disconnect(const json& event, lambda::context&) {
  seen().push_back(event);
  return {{"statusCode", 200}};
}

json on_fail(const json&, lambda::context&) {
  throw std::runtime_error("handler failed");
}

FOGBANK_LAMBDA_HANDLER("apigw_test.connect", on_connect);
FOGBANK_LAMBDA_HANDLER("apigw_test.message", on_message);
FOGBANK_LAMBDA_HANDLER("apigw_test.disconnect", on_disconnect);
FOGBANK_LAMBDA_HANDLER("apigw_test.fail", on_fail);

class websocket_lambda_test : public apigw_test {
 protected:
  void SetUp() override {
    apigw_test::SetUp();
    seen().clear();
    api_ = create_api();
    ok("CreateStage", {{"apiId", api_}, {"stageName", "dev"}});
  }

  // A function running `handler`, and a route `key` to it through an AWS_PROXY integration.
  void route(const std::string& key, const std::string& handler, bool two_way = false) {
    const std::string name = "fn-" + std::to_string(functions_++);
    const json function = ok("CreateFunction",
                             {{"FunctionName", name},
                              {"Runtime", "provided.al2023"},
                              {"Handler", handler},
                              {"Role", lambda::role_arn},
                              {"Code", {{"ZipFile", lambda::small_zip_base64}}}},
                             "lambda");
    const std::string arn = function.value("FunctionArn", "");
    const json integration =
        ok("CreateIntegration",
           {{"apiId", api_},
            {"integrationType", "AWS_PROXY"},
            {"integrationUri",
             "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + arn + "/invocations"}});
    json request = {{"apiId", api_},
                    {"routeKey", key},
                    {"target", "integrations/" + integration.value("integrationId", "")}};
    if (two_way) request["routeResponseSelectionExpression"] = "$default";
    ok("CreateRoute", request);
  }

  connect_outcome connect(const std::string& query, const std::shared_ptr<recording_link>& link) {
    upgrade u;
    u.api_id = api_;
    u.stage = "dev";
    u.domain_name = "127.0.0.1:4566";
    u.source_ip = "127.0.0.1";
    u.headers = {{"Host", "127.0.0.1:4566"}};
    u.query = query;
    std::optional<connect_outcome> out;
    emulator_->websocket_gateway().connect(u, link, [&](connect_outcome o) { out = std::move(o); });
    EXPECT_TRUE(out.has_value()) << "$connect did not complete";
    return out.value_or(connect_outcome{});
  }

  std::string api_;
  int functions_ = 0;
};

TEST_F(websocket_lambda_test, connect_handler_admits_or_refuses_with_its_status) {
  route("$connect", "apigw_test.connect");
  auto link = std::make_shared<recording_link>();
  const connect_outcome refused = connect("token=wrong", link);
  EXPECT_FALSE(refused.accepted);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.body, "no token");
  const connect_outcome admitted = connect("token=let-me-in&x=1", link);
  ASSERT_TRUE(admitted.accepted);
  EXPECT_EQ(emulator_->websocket_connections().size(), 1u);
  ASSERT_EQ(seen().size(), 2u);
  const json& event = seen()[1];
  EXPECT_EQ(event["requestContext"].value("eventType", ""), "CONNECT");
  EXPECT_EQ(event["requestContext"].value("connectionId", ""), admitted.connection_id);
  EXPECT_EQ(event["requestContext"].value("apiId", ""), api_);
  EXPECT_EQ(event["requestContext"].value("stage", ""), "dev");
  EXPECT_EQ(event["multiValueQueryStringParameters"]["x"], (json{"1"}));
}

// Found by the apigw_route fuzz target: an upgrade with a header value that is not UTF-8 (HTTP
// allows such bytes) made serializing $connect's event throw out of the gateway; it reaches the
// handler with U+FFFD in its place.
TEST_F(websocket_lambda_test, a_header_that_is_not_utf8_reaches_connect_as_a_replacement_character) {
  route("$connect", "apigw_test.connect");
  auto link = std::make_shared<recording_link>();
  upgrade u;
  u.api_id = api_;
  u.stage = "dev";
  u.domain_name = "127.0.0.1:4566";
  u.headers = {{"Host", "127.0.0.1:4566"}, {"X-Name", "caf\xe9"}};
  u.query = "token=let-me-in";
  std::optional<connect_outcome> out;
  emulator_->websocket_gateway().connect(u, link, [&](connect_outcome o) { out = std::move(o); });
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(out->accepted) << out->status << " " << out->body;
  ASSERT_EQ(seen().size(), 1u);
  EXPECT_EQ(seen()[0]["headers"].value("X-Name", ""), "caf\xef\xbf\xbd");
}

TEST_F(websocket_lambda_test, a_failing_connect_handler_refuses_with_502) {
  route("$connect", "apigw_test.fail");
  auto link = std::make_shared<recording_link>();
  const connect_outcome out = connect("", link);
  EXPECT_FALSE(out.accepted);
  EXPECT_EQ(out.status, 502);
  EXPECT_EQ(emulator_->websocket_connections().size(), 0u);
}

TEST_F(websocket_lambda_test, routed_messages_run_their_function_and_two_way_routes_answer) {
  route("send", "apigw_test.message", /*two_way=*/true);
  route("$default", "apigw_test.message");
  auto link = std::make_shared<recording_link>();
  const std::string id = connect("", link).connection_id;
  emulator_->websocket_gateway().message(id, R"({"action":"send"})", false);
  ASSERT_EQ(link->sent.size(), 2u);
  EXPECT_EQ(link->sent[0], R"(pushed:{"action":"send"})");
  EXPECT_EQ(link->sent[1], R"(echo:{"action":"send"})");
  // $default is one-way: the push arrives, the answer's body does not.
  emulator_->websocket_gateway().message(id, "plain text", false);
  ASSERT_EQ(link->sent.size(), 3u);
  EXPECT_EQ(link->sent[2], "pushed:plain text");
  ASSERT_EQ(seen().size(), 2u);
  EXPECT_EQ(seen()[0]["requestContext"].value("routeKey", ""), "send");
  EXPECT_EQ(seen()[1]["requestContext"].value("routeKey", ""), "$default");
  EXPECT_EQ(seen()[1]["requestContext"].value("eventType", ""), "MESSAGE");
  EXPECT_EQ(seen()[1].value("body", ""), "plain text");
}

TEST_F(websocket_lambda_test, a_failing_message_handler_sends_the_internal_error_frame) {
  route("$default", "apigw_test.fail");
  auto link = std::make_shared<recording_link>();
  const std::string id = connect("", link).connection_id;
  emulator_->websocket_gateway().message(id, "x", false);
  ASSERT_EQ(link->sent.size(), 1u);
  const json frame = json::parse(link->sent[0]);
  EXPECT_EQ(frame.value("message", ""), "Internal server error");
  EXPECT_EQ(frame.value("connectionId", ""), id);
}

TEST_F(websocket_lambda_test, disconnect_runs_on_close_delete_and_timeout) {
  route("$disconnect", "apigw_test.disconnect");
  auto link = std::make_shared<recording_link>();
  const std::string closed = connect("", link).connection_id;
  const std::string deleted = connect("", link).connection_id;
  const std::string idle = connect("", link).connection_id;
  emulator_->websocket_gateway().closed(closed, 1001, "bye");
  ok("DeleteConnection", {{"connectionId", deleted}}, "apigatewaymanagementapi");
  emulator_->advance(10min);
  ASSERT_EQ(seen().size(), 3u);
  const auto context = [&](std::size_t i) { return seen()[i]["requestContext"]; };
  EXPECT_EQ(context(0).value("connectionId", ""), closed);
  EXPECT_EQ(context(0).value("eventType", ""), "DISCONNECT");
  EXPECT_EQ(context(0).value("disconnectStatusCode", 0), 1001);
  EXPECT_EQ(context(0).value("disconnectReason", ""), "bye");
  EXPECT_EQ(context(1).value("connectionId", ""), deleted);
  // As a $disconnect logged on AWS after DeleteConnection shows.
  EXPECT_EQ(context(1).value("disconnectStatusCode", 0), 1000);
  EXPECT_EQ(context(1).value("disconnectReason", ""), "Connection Closed Normally");
  EXPECT_EQ(context(2).value("connectionId", ""), idle);
  EXPECT_EQ(context(2).value("disconnectStatusCode", 0), 1001);
  EXPECT_EQ(emulator_->websocket_connections().size(), 0u);
}

}  // namespace
}  // namespace fogbank::apigw
