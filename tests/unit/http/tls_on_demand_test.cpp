// fogbank's own TLS files made on first need (server_options::tls_on_demand, lazy_tls_files): not
// at start, once when two TLS clients come at once, on GET /_fogbank/tls/ca.pem too, and tried
// again after a failure.

#include "fogbank/http/server.hpp"
#include "fogbank/http/tls_files.hpp"
#include "fogbank/main/emulator.hpp"

#include <gtest/gtest.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <sys/socket.h>
#include <sys/time.h>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fogbank::tls_on_demand_test {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class tls_on_demand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("fogbank-tls-on-demand-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    // Each time the files are made, lazy_tls_files asks the time once.
    files_ = std::make_shared<http::lazy_tls_files>(dir_, [this] {
      ++made_;
      return core::real_clock{}.now();
    });
    emulator_options options;
    options.manual_clock = true;
    std::string error;
    emulator_ = emulator::open(options, &error);
    ASSERT_TRUE(emulator_) << error;
    http::server_options server_options;
    server_options.port = 0;
    server_options.threads = 2;
    server_options.tls_on_demand = [this] {
      if (fail_next_) {
        fail_next_ = false;
        throw std::runtime_error("cannot make the certificates (as the test asks)");
      }
      return files_->files();
    };
    server_ = std::make_unique<http::server>(server_options, emulator_->services());
    ASSERT_TRUE(server_->start(&error)) << error;
  }
  void TearDown() override {
    if (server_) server_->stop();
    fs::remove_all(dir_);
  }

  tcp::endpoint endpoint() const { return {net::ip::make_address("127.0.0.1"), server_->port()}; }

  static void bounded_reads(tcp::socket& socket) {
    timeval limit{30, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  }

  bhttp::response<bhttp::string_body> plain_get(const std::string& target) {
    net::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(endpoint());
    bounded_reads(socket);
    bhttp::request<bhttp::string_body> req{bhttp::verb::get, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    bhttp::write(socket, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(socket, buffer, res);
    return res;
  }

  // GET /_fogbank/health over TLS, the server's certificate checked against `ca` (not checked when
  // empty); the status, or an exception when the handshake fails.
  bhttp::status tls_health(const fs::path& ca = {}) {
    net::io_context ioc;
    ssl::context context(ssl::context::tls_client);
    if (!ca.empty()) {
      context.load_verify_file(ca.string());
      context.set_verify_mode(ssl::verify_peer);
    }
    beast::ssl_stream<tcp::socket> stream(ioc, context);
    stream.next_layer().connect(endpoint());
    bounded_reads(stream.next_layer());
    if (!ca.empty()) stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    stream.handshake(ssl::stream_base::client);
    bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/_fogbank/health", 11};
    req.set(bhttp::field::host, "127.0.0.1");
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buffer, res);
    return res.result();
  }

  fs::path dir_;
  std::shared_ptr<http::lazy_tls_files> files_;
  std::atomic<int> made_{0};
  std::atomic<bool> fail_next_{false};
  std::unique_ptr<emulator> emulator_;
  std::unique_ptr<http::server> server_;
};

TEST_F(tls_on_demand, nothing_is_made_before_the_first_need) {
  EXPECT_EQ(plain_get("/_fogbank/health").result(), bhttp::status::ok);
  EXPECT_EQ(made_, 0);
  EXPECT_FALSE(fs::exists(dir_));
}

TEST_F(tls_on_demand, the_first_tls_clients_make_them_once) {
  std::vector<std::thread> clients;
  std::atomic<int> answered{0};
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&] {
      if (tls_health() == bhttp::status::ok) ++answered;
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(answered, 4);
  EXPECT_EQ(made_, 1);
  // And the certificate is the one the CA made.
  EXPECT_EQ(tls_health(files_->names().ca_certificate), bhttp::status::ok);
  EXPECT_EQ(made_, 1);
}

TEST_F(tls_on_demand, the_ca_is_served_from_the_first_request_for_it) {
  const auto res = plain_get("/_fogbank/tls/ca.pem");
  EXPECT_EQ(res.result(), bhttp::status::ok);
  EXPECT_EQ(res.body(), read_file(files_->names().ca_certificate));
  EXPECT_EQ(made_, 1);
  EXPECT_EQ(tls_health(files_->names().ca_certificate), bhttp::status::ok);
  EXPECT_EQ(made_, 1);
}

TEST_F(tls_on_demand, a_failure_is_tried_again_on_the_next_need) {
  fail_next_ = true;
  EXPECT_THROW(tls_health(), boost::system::system_error);
  fail_next_ = true;
  EXPECT_EQ(plain_get("/_fogbank/tls/ca.pem").result(), bhttp::status::internal_server_error);
  EXPECT_EQ(made_, 0);
  EXPECT_EQ(plain_get("/_fogbank/tls/ca.pem").result(), bhttp::status::ok);
  EXPECT_EQ(tls_health(files_->names().ca_certificate), bhttp::status::ok);
  EXPECT_EQ(made_, 1);
}

}  // namespace
}  // namespace fogbank::tls_on_demand_test
