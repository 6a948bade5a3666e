// The HTTP session's deadlines (session.hpp, set_deadline): an idle keep-alive connection closes
// after idle_timeout, a request that stops halfway is dropped after io_timeout without an
// answer, and neither deadline touches a connection that is busy or a call that takes longer
// than both (the session keeps one timer that it re-arms lazily: these hold it to the deadlines
// it replaced, Beast's per-operation ones). A real server on a loopback port with short
// timeouts, and raw sockets as clients.

#include "fogbank/core/ids.hpp"
#include "fogbank/dispatch/registry.hpp"
#include "fogbank/http/server.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

// A namespace of its own: the unity build puts this file beside others with the same helpers.
namespace fogbank::http::deadline_test {
namespace {

namespace net = boost::asio;
using nlohmann::json;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

constexpr auto idle_timeout = 400ms;
constexpr auto io_timeout = 250ms;
// Only turns a hang into a failure.
constexpr auto hang_guard = std::chrono::seconds(30);

// "Echo" answers at once; "Sleep" holds its I/O thread for longer than both timeouts.
class timing_service final : public core::service {
 public:
  void call(std::string_view operation, const json&, const core::call_context&,
            core::call_completion done) override {
    if (operation == "Sleep") std::this_thread::sleep_for(idle_timeout + io_timeout);
    done(core::call_result{json{{"answered", std::string(operation)}}, std::nullopt});
  }
  json health() const override { return json::object(); }
};

std::string call_request(std::string_view operation) {
  const std::string body = "{}";
  return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\n"
         "X-Amz-Target: Timing_20240101." +
         std::string(operation) +
         "\r\nX-Amz-Date: 20240101T000000Z\r\n"
         "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/timing/aws4_request, "
         "SignedHeaders=host, Signature=0123456789abcdef\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A client on a plain socket: writes bytes, reads what comes until a whole response or the end.
class raw_client {
 public:
  explicit raw_client(std::uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(net::ip::address_v4::loopback(), port));
  }

  void send(const std::string& bytes) { net::write(socket_, net::buffer(bytes)); }

  // Reads until `received_` holds a response whose body ends with "}" (the service's answers are
  // small JSON objects), the server closes, or the hang guard passes. The response's text, or ""
  // if the connection closed first.
  std::string response() {
    const auto give_up = std::chrono::steady_clock::now() + hang_guard;
    while (std::chrono::steady_clock::now() < give_up) {
      if (const auto end = received_.find("}"); end != std::string::npos) {
        std::string out = received_.substr(0, end + 1);
        received_.erase(0, end + 1);
        return out;
      }
      if (!read_some(give_up)) return "";
    }
    return "";
  }

  // Waits for the server to close the connection; the time it took, or nullopt if it did not
  // close within the hang guard. Bytes that arrive meanwhile are kept in `received_`.
  std::optional<std::chrono::steady_clock::duration> time_until_closed() {
    const auto start = std::chrono::steady_clock::now();
    const auto give_up = start + hang_guard;
    while (read_some(give_up)) {
    }
    if (std::chrono::steady_clock::now() >= give_up) return std::nullopt;
    return std::chrono::steady_clock::now() - start;
  }

  const std::string& received() const { return received_; }

 private:
  // One read: false once the connection is closed (or the guard passed).
  bool read_some(std::chrono::steady_clock::time_point give_up) {
    std::array<char, 4096> chunk{};
    bool open = true;
    bool done = false;
    socket_.async_read_some(net::buffer(chunk), [&](boost::system::error_code ec, std::size_t n) {
      received_.append(chunk.data(), n);
      open = !ec;
      done = true;
    });
    ioc_.restart();
    ioc_.run_until(give_up);
    if (!done) {
      socket_.cancel();
      ioc_.restart();
      ioc_.run();
      return false;
    }
    return open;
  }

  net::io_context ioc_;
  tcp::socket socket_;
  std::string received_;
};

class SessionDeadlineTest : public ::testing::Test {
 protected:
  SessionDeadlineTest() {
    registry_.add({.name = "timing",
                   .target_prefix = "Timing_20240101.",
                   .error_namespace = "com.example.timing",
                   .request_ids = dispatch::request_id_style::upper_alnum_52,
                   .service = &service_});
  }
  void SetUp() override {
    server_options options;
    options.port = 0;
    options.threads = 2;
    options.idle_timeout = idle_timeout;
    options.io_timeout = io_timeout;
    server_ = std::make_unique<server>(options, registry_);
    std::string error;
    ASSERT_TRUE(server_->start(&error)) << error;
  }
  void TearDown() override { server_->stop(); }

  timing_service service_;
  core::id_generator ids_{7};
  dispatch::registry registry_{ids_};
  std::unique_ptr<server> server_;
};

TEST_F(SessionDeadlineTest, AnIdleKeepAliveConnectionClosesAfterTheIdleTimeout) {
  raw_client client(server_->port());
  client.send(call_request("Echo"));
  const std::string first = client.response();
  ASSERT_NE(first.find(R"({"answered":"Echo"})"), std::string::npos) << first;
  // Between requests the session waits for the next one: idle_timeout, not io_timeout.
  const auto closed_after = client.time_until_closed();
  ASSERT_TRUE(closed_after) << "the idle connection was never closed";
  // The server's clock starts a little before the client's: 100 ms of slack, still past the
  // io timeout (250 ms).
  EXPECT_GE(*closed_after, idle_timeout - 100ms) << "closed before the idle timeout (at the io timeout?)";
  EXPECT_EQ(client.received(), "") << "bytes after the response on an idle connection";
}

TEST_F(SessionDeadlineTest, ARequestThatStopsHalfwayIsDroppedAfterTheIoTimeoutWithoutAnAnswer) {
  raw_client client(server_->port());
  // Warm the connection up first, so that the half-sent request is read by the session (not by
  // the first-bytes detector, which has its own deadline).
  client.send(call_request("Echo"));
  ASSERT_NE(client.response().find("Echo"), std::string::npos);
  std::string half = call_request("Echo");
  half.resize(half.size() - 1);  // the body's last byte never comes
  client.send(half);
  const auto closed_after = client.time_until_closed();
  ASSERT_TRUE(closed_after) << "a request stalled halfway held its connection open";
  EXPECT_GE(*closed_after, io_timeout - 100ms);
  EXPECT_LT(*closed_after, idle_timeout + io_timeout) << "the io timeout did not end the stalled read";
  EXPECT_EQ(client.received(), "") << "a half-received request was answered";
}

TEST_F(SessionDeadlineTest, ABusyConnectionOutlivesManyTimeouts) {
  raw_client client(server_->port());
  // Requests 100 ms apart for 8 idle timeouts: every deadline is moved before it comes.
  const auto until = std::chrono::steady_clock::now() + 8 * idle_timeout;
  int answered = 0;
  while (std::chrono::steady_clock::now() < until) {
    client.send(call_request("Echo"));
    const std::string res = client.response();
    ASSERT_NE(res.find(R"({"answered":"Echo"})"), std::string::npos)
        << "request " << answered << " on a busy connection got: " << res;
    ++answered;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_GE(answered, 10);
}

TEST_F(SessionDeadlineTest, ACallLongerThanBothTimeoutsIsAnswered) {
  raw_client client(server_->port());
  client.send(call_request("Sleep"));
  const std::string res = client.response();
  EXPECT_NE(res.find(R"({"answered":"Sleep"})"), std::string::npos)
      << "a call taking longer than the io and idle timeouts lost its answer: " << res;
  // And the connection still serves the next request.
  client.send(call_request("Echo"));
  EXPECT_NE(client.response().find(R"({"answered":"Echo"})"), std::string::npos);
}

}  // namespace
}  // namespace fogbank::http::deadline_test
