// WebSocket clients of API Gateway APIs against the real server (port 0), with Beast's own
// WebSocket client: the upgrade at ws://127.0.0.1:PORT/ws/<api-id>/<stage> and in AWS's host
// form, refusals, AWS's Forbidden frame, @connections posts and deletes reaching the socket, the
// 128 KB message limit (close 1009) and client closes. No Lambda function runs here: the API's
// routes have no integrations.

#include "fogbank/apigw/connections.hpp"
#include "fogbank/core/encoding.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/dispatch/registry.hpp"
#include "fogbank/http/server.hpp"
#include "fogbank/main/emulator.hpp"

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace fogbank {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using json = nlohmann::json;

class websocket_session : public ::testing::Test {
 protected:
  void SetUp() override {
    emulator_options options;
    options.manual_clock = true;
    options.seed = 3;
    std::string error;
    emulator_ = emulator::open(options, &error);
    ASSERT_TRUE(emulator_) << error;
    http::server_options server_options;
    server_options.port = 0;
    server_options.threads = 2;
    server_options.websocket = &emulator_->websocket_gateway();
    server_ = std::make_unique<http::server>(server_options, emulator_->services());
    ASSERT_TRUE(server_->start(&error)) << error;
    host_ = "127.0.0.1:" + std::to_string(server_->port());

    api_ = call("apigatewayv2", "CreateApi",
                {{"name", "ws"},
                 {"protocolType", "WEBSOCKET"},
                 {"routeSelectionExpression", "$request.body.action"}})
               .value("apiId", "");
    call("apigatewayv2", "CreateStage", {{"apiId", api_}, {"stageName", "dev"}});
    call("apigatewayv2", "CreateRoute", {{"apiId", api_}, {"routeKey", "join"}});
  }
  void TearDown() override { server_->stop(); }

  json call(const std::string& service, const std::string& operation, const json& request) {
    core::call_result r = emulator_->client().call(service, operation, request);
    EXPECT_TRUE(r.ok()) << operation << ": " << (r.error ? r.error->message() : "");
    return r.body;
  }

  using client = websocket::stream<net::ip::tcp::socket>;

  // Opens a client on `target` (with Host `host`, this server's by default).
  std::unique_ptr<client> open(const std::string& target, beast::error_code& ec, std::string host = "") {
    auto ws = std::make_unique<client>(ioc_);
    ws->next_layer().connect({net::ip::make_address("127.0.0.1"), server_->port()});
    ws->handshake(host.empty() ? host_ : host, target, ec);
    return ws;
  }

  std::string read(client& ws) {
    beast::flat_buffer buffer;
    ws.read(buffer);
    return beast::buffers_to_string(buffer.data());
  }

  // Waits (bounded) until the server has seen every connection end.
  bool all_closed() {
    for (int i = 0; i < 500; ++i) {
      if (emulator_->websocket_connections().size() == 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  net::io_context ioc_;
  std::unique_ptr<emulator> emulator_;
  std::unique_ptr<http::server> server_;
  std::string host_;
  std::string api_;
};

TEST_F(websocket_session, unrouted_messages_get_the_forbidden_frame_and_posts_arrive) {
  beast::error_code ec;
  auto ws = open("/ws/" + api_ + "/dev?token=abc", ec);
  ASSERT_FALSE(ec) << ec.message();
  ws->write(net::buffer(std::string(R"({"action":"nope"})")));
  const json frame = json::parse(read(*ws));
  EXPECT_EQ(frame.value("message", ""), "Forbidden");
  const std::string id = frame.value("connectionId", "");
  ASSERT_EQ(id.size(), 16u) << frame.dump();

  const json connection = call("apigatewaymanagementapi", "GetConnection", {{"connectionId", id}});
  EXPECT_EQ(connection["identity"].value("sourceIp", ""), "127.0.0.1");

  call("apigatewaymanagementapi", "PostToConnection",
       {{"connectionId", id}, {"Data", core::base64_encode("hi")}});
  EXPECT_EQ(read(*ws), "hi");
  EXPECT_TRUE(ws->got_text());

  // DeleteConnection closes the socket.
  call("apigatewaymanagementapi", "DeleteConnection", {{"connectionId", id}});
  beast::flat_buffer buffer;
  ws->read(buffer, ec);
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(ws->reason().code, websocket::close_code::normal);
  EXPECT_TRUE(all_closed());
}

// A post made before DeleteConnection is written before the close frame (a kicked voter of the
// vote sessions seed is told, then closed).
TEST_F(websocket_session, a_post_made_before_delete_connection_arrives_before_the_close) {
  beast::error_code ec;
  auto ws = open("/ws/" + api_ + "/dev", ec);
  ASSERT_FALSE(ec) << ec.message();
  ws->write(net::buffer(std::string(R"({"action":"nope"})")));
  const std::string id = json::parse(read(*ws)).value("connectionId", "");
  // Frames large enough that the close comes while they are still being written.
  const auto frame = [](int i) { return std::to_string(i) + std::string(60000, 'x'); };
  for (int i = 0; i < 8; ++i) {
    call("apigatewaymanagementapi", "PostToConnection",
         {{"connectionId", id}, {"Data", core::base64_encode(frame(i))}});
  }
  call("apigatewaymanagementapi", "DeleteConnection", {{"connectionId", id}});
  for (int i = 0; i < 8; ++i) EXPECT_EQ(read(*ws), frame(i)) << "frame " << i;
  beast::flat_buffer buffer;
  ws->read(buffer, ec);
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(ws->reason().code, websocket::close_code::normal);
  EXPECT_TRUE(all_closed());
}

// API Gateway refuses binary frames and disconnects the client with 1003 (developer guide,
// "Binary media types for WebSocket APIs").
TEST_F(websocket_session, a_binary_frame_is_answered_with_close_1003) {
  beast::error_code ec;
  auto ws = open("/ws/" + api_ + "/dev", ec);
  ASSERT_FALSE(ec) << ec.message();
  ws->binary(true);
  ws->write(net::buffer(std::string(R"({"action":"join"})")));
  beast::flat_buffer buffer;
  ws->read(buffer, ec);
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(ws->reason().code, websocket::close_code::unknown_data);
  EXPECT_TRUE(all_closed());
}

TEST_F(websocket_session, the_host_form_reaches_the_same_api) {
  beast::error_code ec;
  auto ws = open("/dev", ec, api_ + ".execute-api.localhost:" + std::to_string(server_->port()));
  ASSERT_FALSE(ec) << ec.message();
  ws->write(net::buffer(std::string("x")));
  EXPECT_EQ(json::parse(read(*ws)).value("message", ""), "Forbidden");
  ws->close(websocket::close_code::normal);
  EXPECT_TRUE(all_closed());
}

TEST_F(websocket_session, upgrades_to_unknown_stages_and_apis_are_refused) {
  // Beast's client keeps a refused handshake's response to itself: read it as plain HTTP.
  const auto refusal = [&](const std::string& target) {
    net::ip::tcp::socket socket(ioc_);
    socket.connect({net::ip::make_address("127.0.0.1"), server_->port()});
    beast::http::request<beast::http::empty_body> req{beast::http::verb::get, target, 11};
    req.set(beast::http::field::host, host_);
    req.set(beast::http::field::upgrade, "websocket");
    req.set(beast::http::field::connection, "Upgrade");
    req.set(beast::http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    req.set(beast::http::field::sec_websocket_version, "13");
    beast::http::write(socket, req);
    beast::flat_buffer buffer;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(socket, buffer, res);
    return res;
  };
  const auto no_stage = refusal("/ws/" + api_ + "/prod");
  EXPECT_EQ(no_stage.result_int(), 403);
  EXPECT_EQ(no_stage.body(), R"({"message":"Forbidden"})");
  EXPECT_EQ(refusal("/ws/nosuchapi0/dev").result_int(), 404);
  // Beast's client sees a refused handshake.
  beast::error_code ec;
  open("/ws/" + api_ + "/prod", ec);
  EXPECT_EQ(ec, websocket::error::upgrade_declined) << ec.message();
  EXPECT_EQ(emulator_->websocket_connections().size(), 0u);
}

TEST_F(websocket_session, a_message_over_128_kb_closes_with_1009) {
  beast::error_code ec;
  auto ws = open("/ws/" + api_ + "/dev", ec);
  ASSERT_FALSE(ec) << ec.message();
  // Exactly 128 KB is taken (and answered: not JSON, no $default).
  ws->write(net::buffer(std::string(apigw::max_message_bytes, 'a')));
  EXPECT_EQ(json::parse(read(*ws)).value("message", ""), "Forbidden");
  // In fragments, one byte more is refused.
  ws->auto_fragment(true);
  ws->write_buffer_bytes(8192);
  ws->write(net::buffer(std::string(apigw::max_message_bytes + 1, 'a')), ec);
  beast::flat_buffer buffer;
  ws->read(buffer, ec);
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(ws->reason().code, websocket::close_code::too_big);
  EXPECT_TRUE(all_closed());
}

// AWS's 32 KB frame quota ("Quotas for configuring and running a WebSocket API in API Gateway":
// a message over 32 KB must come in frames of 32 KB or less; a larger frame closes the
// connection with code 1009).
TEST_F(websocket_session, a_frame_over_32_kb_closes_with_1009) {
  beast::error_code ec;
  auto ws = open("/ws/" + api_ + "/dev", ec);
  ASSERT_FALSE(ec) << ec.message();
  // One frame of exactly 32 KB, then 100 KB in frames of 32 KB: taken (not JSON, no $default).
  ws->auto_fragment(false);
  ws->write(net::buffer(std::string(apigw::max_frame_bytes, 'a')));
  EXPECT_EQ(json::parse(read(*ws)).value("message", ""), "Forbidden");
  ws->auto_fragment(true);
  ws->write_buffer_bytes(apigw::max_frame_bytes);
  ws->write(net::buffer(std::string(100 * 1024, 'a')));
  EXPECT_EQ(json::parse(read(*ws)).value("message", ""), "Forbidden");
  // One frame of 32 KB + 1 byte: the connection closes with 1009.
  ws->auto_fragment(false);
  ws->write(net::buffer(std::string(apigw::max_frame_bytes + 1, 'a')), ec);
  beast::flat_buffer buffer;
  ws->read(buffer, ec);
  EXPECT_EQ(ec, websocket::error::closed) << ec.message() << " " << beast::buffers_to_string(buffer.data());
  EXPECT_EQ(ws->reason().code, websocket::close_code::too_big);
  EXPECT_TRUE(all_closed());
}

TEST_F(websocket_session, pings_are_answered) {
  beast::error_code ec;
  auto ws = open("/ws/" + api_ + "/dev", ec);
  ASSERT_FALSE(ec) << ec.message();
  bool pong = false;
  ws->control_callback([&](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::pong) pong = true;
  });
  ws->ping({});
  ws->write(net::buffer(std::string("x")));  // the Forbidden answer follows the pong
  read(*ws);
  EXPECT_TRUE(pong);
  ws->close(websocket::close_code::going_away);
  EXPECT_TRUE(all_closed());
}

}  // namespace
}  // namespace fogbank
