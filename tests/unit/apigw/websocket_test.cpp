// The WebSocket runtime's paths that run no Lambda function: upgrades to unknown APIs and
// stages, $connect without a route or integration, route selection without $default (AWS's
// Forbidden frame), routes without integrations, and closes.

#include "apigw_fixture.hpp"

#include "fogbank/apigw/websocket.hpp"

#include <vector>

namespace fogbank::apigw {
namespace {

class websocket_test : public apigw_test {
 protected:
  websocket_gateway& gateway() { return emulator_->websocket_gateway(); }

  upgrade to(const std::string& api, const std::string& stage) {
    upgrade u;
    u.api_id = api;
    u.stage = stage;
    u.domain_name = "127.0.0.1:4566";
    u.source_ip = "127.0.0.1";
    u.headers = {{"Host", "127.0.0.1:4566"}, {"user-agent", "test"}};
    u.port = "4566";
    return u;
  }

  connect_outcome connect(const upgrade& u, const std::shared_ptr<recording_link>& link) {
    std::optional<connect_outcome> out;
    gateway().connect(u, link, [&](connect_outcome o) { out = std::move(o); });
    EXPECT_TRUE(out.has_value()) << "connect did not complete";
    return out.value_or(connect_outcome{});
  }
};

TEST_F(websocket_test, upgrades_to_unknown_apis_and_stages_are_refused) {
  auto link = std::make_shared<recording_link>();
  const connect_outcome unknown = connect(to("nosuchapi0", "dev"), link);
  EXPECT_FALSE(unknown.accepted);
  EXPECT_EQ(unknown.status, 404);
  const std::string api = create_api();
  ok("CreateStage", {{"apiId", api}, {"stageName", "dev"}});
  const connect_outcome no_stage = connect(to(api, "prod"), link);
  EXPECT_FALSE(no_stage.accepted);
  EXPECT_EQ(no_stage.status, 403);
  EXPECT_EQ(emulator_->websocket_connections().size(), 0u);
}

TEST_F(websocket_test, connect_without_a_connect_integration_is_accepted) {
  const std::string api = create_api();
  ok("CreateStage", {{"apiId", api}, {"stageName", "dev"}});
  auto link = std::make_shared<recording_link>();
  const connect_outcome first = connect(to(api, "dev"), link);
  ASSERT_TRUE(first.accepted);
  EXPECT_EQ(first.connection_id.size(), 16u);
  const std::optional<connection_record> record =
      emulator_->websocket_connections().find(first.connection_id);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->user_agent, "test");
  EXPECT_EQ(record->stage, "dev");
  // A $connect route without an integration accepts as well.
  ok("CreateRoute", {{"apiId", api}, {"routeKey", "$connect"}});
  EXPECT_TRUE(connect(to(api, "dev"), link).accepted);
  EXPECT_EQ(emulator_->websocket_connections().size(), 2u);
}

TEST_F(websocket_test, an_unrouted_message_without_default_gets_the_forbidden_frame) {
  const std::string api = create_api();
  ok("CreateStage", {{"apiId", api}, {"stageName", "dev"}});
  ok("CreateRoute", {{"apiId", api}, {"routeKey", "join"}});
  auto link = std::make_shared<recording_link>();
  const std::string id = connect(to(api, "dev"), link).connection_id;
  gateway().message(id, R"({"action":"join"})", false);  // a route without integration: nothing
  EXPECT_TRUE(link->sent.empty());
  gateway().message(id, R"({"action":"leave"})", false);
  gateway().message(id, "not json", false);
  ASSERT_EQ(link->sent.size(), 2u);
  const json frame = json::parse(link->sent[0]);
  EXPECT_EQ(frame.value("message", ""), "Forbidden");
  EXPECT_EQ(frame.value("connectionId", ""), id);
  EXPECT_EQ(frame.value("requestId", "").size(), 16u);
  // With a $default route (no integration) the same messages go there quietly.
  ok("CreateRoute", {{"apiId", api}, {"routeKey", "$default"}});
  gateway().message(id, "not json", false);
  EXPECT_EQ(link->sent.size(), 2u);
}

TEST_F(websocket_test, a_message_counts_as_activity_and_a_close_ends_the_connection) {
  using namespace std::chrono_literals;
  const std::string api = create_api();
  ok("CreateStage", {{"apiId", api}, {"stageName", "dev"}});
  auto link = std::make_shared<recording_link>();
  const std::string id = connect(to(api, "dev"), link).connection_id;
  emulator_->advance(9min);
  gateway().message(id, "x", false);
  emulator_->advance(9min);
  EXPECT_TRUE(emulator_->websocket_connections().find(id).has_value());
  gateway().closed(id, 1000, "");
  EXPECT_FALSE(emulator_->websocket_connections().find(id).has_value());
  gateway().message(id, "x", false);  // after the close: ignored
  EXPECT_EQ(link->sent.size(), 1u);   // the Forbidden frame of the first message only
}

// The developer guide ("Binary media types for WebSocket APIs"): a binary frame is refused and
// the client disconnected with 1003; nothing is routed.
TEST_F(websocket_test, a_binary_frame_disconnects_the_client_with_1003) {
  const std::string api = create_api();
  ok("CreateStage", {{"apiId", api}, {"stageName", "dev"}});
  ok("CreateRoute", {{"apiId", api}, {"routeKey", "$default"}});
  auto link = std::make_shared<recording_link>();
  const std::string id = connect(to(api, "dev"), link).connection_id;
  gateway().message(id, std::string("\x00\xff", 2), true);
  EXPECT_EQ(link->closes, std::vector<std::uint16_t>{1003});
  EXPECT_TRUE(link->sent.empty());
  EXPECT_FALSE(emulator_->websocket_connections().find(id).has_value());
}

}  // namespace
}  // namespace fogbank::apigw
