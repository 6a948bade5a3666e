// The connection registry (timeouts on the manual clock) and the @connections management API
// (botocore's apigatewaymanagementapi model: GoneException 410, PayloadTooLargeException 413).

#include "apigw_fixture.hpp"

#include "fogbank/core/encoding.hpp"
#include "fogbank/core/scheduler.hpp"

#include <chrono>
#include <vector>

namespace fogbank::apigw {
namespace {

using namespace std::chrono_literals;

// The HTTP front end's side of a connection, as the registry sees it.
struct frame_recording_link final : connection_link {
  struct frame {
    std::string data;
    bool binary;
  };
  std::vector<frame> sent;
  std::vector<std::pair<std::uint16_t, std::string>> closes;
  bool open = true;

  bool send(std::string data, bool binary) override {
    if (!open) return false;
    sent.push_back({std::move(data), binary});
    return true;
  }
  void close(std::uint16_t code, std::string reason) override {
    open = false;
    closes.emplace_back(code, std::move(reason));
  }
};

class connections_test : public apigw_test {
 protected:
  void SetUp() override {
    apigw_test::SetUp();
    registry().set_disconnect_handler([this](const connection_record& r, const disconnect_info& info) {
      disconnects.push_back({r, info});
    });
  }

  connection_registry& registry() { return emulator_->websocket_connections(); }

  // Opens a connection with a fresh link; returns its id.
  std::string connect(std::shared_ptr<frame_recording_link>& link) {
    link = std::make_shared<frame_recording_link>();
    connection_record r;
    r.connection_id = registry().new_connection_id();
    r.api_id = "abcdefghij";
    r.stage = "dev";
    r.domain_name = "127.0.0.1:4566";
    r.source_ip = "127.0.0.1";
    r.user_agent = "test-agent";
    registry().add(r, link);
    return r.connection_id;
  }

  json post(const std::string& id, const std::string& data) {
    return {{"connectionId", id}, {"Data", core::base64_encode(data)}};
  }

  struct ended {
    connection_record record;
    disconnect_info info;
  };
  std::vector<ended> disconnects;
  static constexpr const char* management = "apigatewaymanagementapi";
};

TEST_F(connections_test, get_connection_reports_times_and_identity) {
  std::shared_ptr<frame_recording_link> link;
  const std::string id = connect(link);
  emulator_->advance(1500ms);
  ASSERT_TRUE(registry().touch(id));
  const json got = ok("GetConnection", {{"connectionId", id}}, management);
  EXPECT_EQ(got.value("connectedAt", ""), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(got.value("lastActiveAt", ""), "2023-11-14T22:13:21.500Z");
  EXPECT_EQ(got["identity"], (json{{"sourceIp", "127.0.0.1"}, {"userAgent", "test-agent"}}));
  EXPECT_EQ(emulator_->health().value("websocket_connections", 0), 1);
}

TEST_F(connections_test, post_to_connection_delivers_text_or_binary) {
  std::shared_ptr<frame_recording_link> link;
  const std::string id = connect(link);
  ok("PostToConnection", post(id, R"({"hello":"world"})"), management);
  ok("PostToConnection", post(id, std::string("\xff\x00\x01", 3)), management);
  ASSERT_EQ(link->sent.size(), 2u);
  EXPECT_EQ(link->sent[0].data, R"({"hello":"world"})");
  EXPECT_FALSE(link->sent[0].binary);
  EXPECT_EQ(link->sent[1].data, std::string("\xff\x00\x01", 3));
  EXPECT_TRUE(link->sent[1].binary);
}

TEST_F(connections_test, post_over_128_kb_is_payload_too_large) {
  std::shared_ptr<frame_recording_link> link;
  const std::string id = connect(link);
  ok("PostToConnection", post(id, std::string(max_message_bytes, 'a')), management);
  fails("PostToConnection", post(id, std::string(max_message_bytes + 1, 'a')),
        error_code::apigw_payload_too_large, management);
  fails("PostToConnection", post(id, std::string(10 * max_message_bytes, 'a')),
        error_code::apigw_payload_too_large, management);
  EXPECT_EQ(link->sent.size(), 1u);
  fails("PostToConnection", {{"connectionId", id}}, error_code::apigw_bad_request, management);
  fails("PostToConnection", {{"connectionId", id}, {"Data", "!!!"}}, error_code::apigw_bad_request,
        management);
}

TEST_F(connections_test, unknown_and_closed_connections_are_gone) {
  fails("PostToConnection", post("Kf2bqd9WywMCEng=", "x"), error_code::apigw_gone, management);
  fails("GetConnection", {{"connectionId", "Kf2bqd9WywMCEng="}}, error_code::apigw_gone, management);
  fails("DeleteConnection", {{"connectionId", "Kf2bqd9WywMCEng="}}, error_code::apigw_gone, management);
  // A socket that went away before the registry heard of it: the post finds no session.
  std::shared_ptr<frame_recording_link> link;
  const std::string id = connect(link);
  link.reset();
  fails("PostToConnection", post(id, "x"), error_code::apigw_gone, management);
  fails("Nope", {{"connectionId", id}}, error_code::unknown_operation, management);
}

TEST_F(connections_test, delete_connection_closes_the_socket_and_fires_disconnect_once) {
  std::shared_ptr<frame_recording_link> link;
  const std::string id = connect(link);
  ok("DeleteConnection", {{"connectionId", id}}, management);
  ASSERT_EQ(link->closes.size(), 1u);
  EXPECT_EQ(link->closes[0].first, 1000);
  ASSERT_EQ(disconnects.size(), 1u);
  EXPECT_EQ(disconnects[0].record.connection_id, id);
  EXPECT_EQ(disconnects[0].info.why, disconnect_info::cause::deleted);
  // The close the delete caused reaches the registry too: no second $disconnect.
  registry().closed(id, {disconnect_info::cause::client_close, 1000, ""});
  EXPECT_EQ(disconnects.size(), 1u);
  fails("GetConnection", {{"connectionId", id}}, error_code::apigw_gone, management);
  fails("DeleteConnection", {{"connectionId", id}}, error_code::apigw_gone, management);
  EXPECT_EQ(registry().size(), 0u);
}

TEST_F(connections_test, a_client_close_ends_the_connection) {
  std::shared_ptr<frame_recording_link> link;
  const std::string id = connect(link);
  registry().closed(id, {disconnect_info::cause::client_close, 1001, "bye"});
  ASSERT_EQ(disconnects.size(), 1u);
  EXPECT_EQ(disconnects[0].info.status_code, 1001);
  EXPECT_EQ(disconnects[0].info.reason, "bye");
  EXPECT_TRUE(link->closes.empty());  // the client closed it already
  fails("PostToConnection", post(id, "x"), error_code::apigw_gone, management);
}

TEST_F(connections_test, idle_connections_end_after_ten_minutes_without_client_traffic) {
  std::shared_ptr<frame_recording_link> link;
  const std::string id = connect(link);
  emulator_->advance(9min);
  ASSERT_TRUE(registry().touch(id));
  // Posts are server traffic: they do not keep a connection alive.
  ok("PostToConnection", post(id, "x"), management);
  emulator_->advance(9min + 59s);
  EXPECT_TRUE(registry().find(id).has_value());
  EXPECT_TRUE(disconnects.empty());
  emulator_->advance(1s);
  EXPECT_FALSE(registry().find(id).has_value());
  ASSERT_EQ(disconnects.size(), 1u);
  EXPECT_EQ(disconnects[0].info.why, disconnect_info::cause::idle_timeout);
  ASSERT_EQ(link->closes.size(), 1u);
  EXPECT_EQ(link->closes[0].first, 1001);
}

TEST_F(connections_test, every_connection_ends_two_hours_after_it_opened) {
  std::shared_ptr<frame_recording_link> link;
  const std::string id = connect(link);
  for (int i = 0; i < 23; ++i) {
    emulator_->advance(5min);
    ASSERT_TRUE(registry().touch(id)) << i;
  }
  emulator_->advance(4min + 59s);  // 1:59:59
  EXPECT_TRUE(registry().find(id).has_value());
  emulator_->advance(1s);
  EXPECT_FALSE(registry().find(id).has_value());
  ASSERT_EQ(disconnects.size(), 1u);
  EXPECT_EQ(disconnects[0].info.why, disconnect_info::cause::lifetime_limit);
  // Nothing of it is left on the scheduler.
  EXPECT_EQ(emulator_->scheduler().pending(), 0u);
}

TEST_F(connections_test, timeouts_are_configurable) {
  emulator_.reset();
  emulator_options options;
  options.manual_clock = true;
  options.websocket_idle_timeout = 30s;
  options.websocket_max_lifetime = 1min;
  std::string error;
  emulator_ = emulator::open(options, &error);
  ASSERT_TRUE(emulator_) << error;
  registry().set_disconnect_handler([this](const connection_record& r, const disconnect_info& info) {
    disconnects.push_back({r, info});
  });
  std::shared_ptr<frame_recording_link> a;
  std::shared_ptr<frame_recording_link> b;
  const std::string idle = connect(a);
  const std::string busy = connect(b);
  emulator_->advance(20s);
  registry().touch(busy);
  emulator_->advance(10s);
  EXPECT_FALSE(registry().find(idle).has_value());
  EXPECT_TRUE(registry().find(busy).has_value());
  emulator_->advance(15s);  // 0:45
  registry().touch(busy);
  emulator_->advance(14s);
  EXPECT_TRUE(registry().find(busy).has_value());
  emulator_->advance(1s);  // one minute after it opened
  EXPECT_FALSE(registry().find(busy).has_value());
  ASSERT_EQ(disconnects.size(), 2u);
  EXPECT_EQ(disconnects[1].info.why, disconnect_info::cause::lifetime_limit);
}

}  // namespace
}  // namespace fogbank::apigw
