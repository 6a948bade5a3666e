// TLS and plain HTTP on the server's one port, against the real server (port 0) with Beast's own
// clients: https:// and http:// requests side by side, wss:// beside ws://, clients that send
// garbage, stall or hang up during the handshake, fogbank's certificates (generated once, reused,
// renewed under the same CA), and WebSocket clients told 1001 (Going Away) when the server stops.

#include "fogbank/apigw/connections.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/http/server.hpp"
#include "fogbank/http/tls_files.hpp"
#include "fogbank/main/emulator.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

namespace fogbank {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using json = nlohmann::json;
namespace fs = std::filesystem;

const core::time_point start_time{std::chrono::seconds{1'700'000'000}};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A fresh directory for one test's certificates.
fs::path scratch(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("fogbank-tls-test-" + name);
  fs::remove_all(dir);
  return dir;
}

// A client socket that gives up reading after 30 s, so that a server that never answers fails
// the test instead of hanging it (the server's own deadlines are far shorter).
void bounded_reads(tcp::socket& socket) {
  timeval limit{30, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
}

class tls : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch(::testing::UnitTest::GetInstance()->current_test_info()->name());
    // The clients below check the dates against the machine's time: the certificates are made at
    // the real clock's now (core's), not at the manual clock's 2023.
    files_ = http::ensure_tls_files(dir_, core::real_clock{}.now());
    emulator_options options;
    options.manual_clock = true;
    options.seed = 5;
    std::string error;
    emulator_ = emulator::open(options, &error);
    ASSERT_TRUE(emulator_) << error;
    start_server();
    client_tls_.load_verify_file(files_.ca_certificate.string());
    client_tls_.set_verify_mode(ssl::verify_peer);

    const core::call_result api =
        emulator_->client().call("apigatewayv2", "CreateApi",
                                 {{"name", "ws"},
                                  {"protocolType", "WEBSOCKET"},
                                  {"routeSelectionExpression", "$request.body.action"}});
    ASSERT_TRUE(api.ok());
    api_ = api.body.value("apiId", "");
    ASSERT_TRUE(emulator_->client()
                    .call("apigatewayv2", "CreateStage", {{"apiId", api_}, {"stageName", "dev"}})
                    .ok());
  }
  void TearDown() override {
    if (server_) server_->stop();
    fs::remove_all(dir_);
  }

  void start_server() {
    http::server_options options;
    options.port = 0;
    options.threads = 2;
    options.websocket = &emulator_->websocket_gateway();
    options.tls_certificate_file = files_.certificate.string();
    options.tls_key_file = files_.key.string();
    options.tls_ca_file = files_.ca_certificate.string();
    options.tls_handshake_timeout = std::chrono::milliseconds(300);
    options.shutdown_grace = std::chrono::seconds(5);
    server_ = std::make_unique<http::server>(options, emulator_->services());
    std::string error;
    ASSERT_TRUE(server_->start(&error)) << error;
    host_ = "127.0.0.1:" + std::to_string(server_->port());
  }

  tcp::endpoint endpoint() const { return {net::ip::make_address("127.0.0.1"), server_->port()}; }

  bhttp::request<bhttp::string_body> make_request(bhttp::verb verb, const std::string& target,
                                                  std::string body = "") {
    bhttp::request<bhttp::string_body> req{verb, target, 11};
    req.set(bhttp::field::host, host_);
    // Signatures are not checked; a request must carry one (MissingAuthenticationToken otherwise).
    req.set("X-Amz-Date", "20240101T000000Z");
    req.set(bhttp::field::authorization,
            "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, "
            "Signature=0123456789abcdef");
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
  }

  template <class Stream>
  bhttp::response<bhttp::string_body> exchange(Stream& stream,
                                               const bhttp::request<bhttp::string_body>& req) {
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buffer, res);
    return res;
  }

  // A verified TLS connection, its handshake done (verification of 127.0.0.1 against the SANs).
  std::unique_ptr<beast::ssl_stream<tcp::socket>> connect_tls() {
    auto stream = std::make_unique<beast::ssl_stream<tcp::socket>>(ioc_, client_tls_);
    stream->next_layer().connect(endpoint());
    bounded_reads(stream->next_layer());
    stream->set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    stream->handshake(ssl::stream_base::client);
    return stream;
  }

  net::io_context ioc_;
  ssl::context client_tls_{ssl::context::tls_client};
  fs::path dir_;
  http::tls_files files_;
  std::unique_ptr<emulator> emulator_;
  std::unique_ptr<http::server> server_;
  std::string host_;
  std::string api_;
};

TEST_F(tls, https_and_plain_http_share_the_port) {
  auto secure = connect_tls();
  tcp::socket plain(ioc_);
  plain.connect(endpoint());
  bounded_reads(plain);
  // Interleaved on two live connections, twice each: both stay open (keep-alive).
  for (int round = 0; round < 2; ++round) {
    const auto over_tls = exchange(*secure, make_request(bhttp::verb::get, "/_fogbank/health"));
    EXPECT_EQ(over_tls.result(), bhttp::status::ok) << over_tls.body();
    EXPECT_EQ(json::parse(over_tls.body()).value("status", ""), "running");
    const auto over_tcp = exchange(plain, make_request(bhttp::verb::get, "/_fogbank/health"));
    EXPECT_EQ(over_tcp.result(), bhttp::status::ok) << over_tcp.body();
  }
  // An AWS JSON call (DynamoDB) over TLS.
  auto list = make_request(bhttp::verb::post, "/", "{}");
  list.set("X-Amz-Target", "DynamoDB_20120810.ListTables");
  list.set(bhttp::field::content_type, "application/x-amz-json-1.0");
  const auto tables = exchange(*secure, list);
  EXPECT_EQ(tables.result(), bhttp::status::ok) << tables.body();
  EXPECT_TRUE(json::parse(tables.body()).contains("TableNames")) << tables.body();
}

TEST_F(tls, a_client_that_never_answers_close_notify_is_let_go_after_the_close_timeout) {
  auto secure = connect_tls();
  auto req = make_request(bhttp::verb::get, "/_fogbank/health");
  req.keep_alive(false);  // the server closes after answering: its close_notify, then it waits for ours
  const auto res = exchange(*secure, req);
  EXPECT_EQ(res.result(), bhttp::status::ok);
  // This client never sends close_notify and keeps its socket open. The server waits for it only
  // so long (2 s), then closes the socket: the TCP reads end with EOF, not with the client's own
  // 30 s read limit (bounded_reads).
  const auto start = std::chrono::steady_clock::now();
  std::array<char, 4096> bytes{};
  beast::error_code ec;
  while (!ec) secure->next_layer().read_some(net::buffer(bytes), ec);
  EXPECT_EQ(ec, net::error::eof) << ec.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST_F(tls, the_ca_certificate_is_served) {
  auto secure = connect_tls();
  const auto res = exchange(*secure, make_request(bhttp::verb::get, "/_fogbank/tls/ca.pem"));
  EXPECT_EQ(res.result(), bhttp::status::ok);
  EXPECT_EQ(res.body(), read_file(files_.ca_certificate));
  EXPECT_EQ(res[bhttp::field::content_type], "application/x-pem-file");
}

TEST_F(tls, api_endpoints_say_wss_to_https_callers_and_ws_to_plain_ones) {
  const std::string body =
      R"({"name":"e","protocolType":"WEBSOCKET","routeSelectionExpression":"$request.body.action"})";
  auto secure = connect_tls();
  const auto over_tls = exchange(*secure, make_request(bhttp::verb::post, "/v2/apis", body));
  ASSERT_EQ(over_tls.result(), bhttp::status::created) << over_tls.body();
  const json created = json::parse(over_tls.body());
  EXPECT_EQ(created.value("apiEndpoint", ""), "wss://" + host_ + "/ws/" + created.value("apiId", ""));

  tcp::socket plain(ioc_);
  plain.connect(endpoint());
  bounded_reads(plain);
  const auto over_tcp = exchange(plain, make_request(bhttp::verb::post, "/v2/apis", body));
  ASSERT_EQ(over_tcp.result(), bhttp::status::created) << over_tcp.body();
  const json plain_created = json::parse(over_tcp.body());
  EXPECT_EQ(plain_created.value("apiEndpoint", ""),
            "ws://" + host_ + "/ws/" + plain_created.value("apiId", ""));
}

// Reads until the server closes the connection; true when it did (end of stream or reset), false
// when the client's own 30 s limit ran out first.
bool server_closes(tcp::socket& socket) {
  char sink[512];
  beast::error_code ec;
  while (!ec) socket.read_some(net::buffer(sink), ec);
  return ec != net::error::would_block && ec != net::error::try_again;
}

TEST_F(tls, broken_handshakes_cost_nothing_lasting) {
  {
    // A TLS record header and then garbage: the handshake fails and the server hangs up.
    tcp::socket garbage(ioc_);
    garbage.connect(endpoint());
    bounded_reads(garbage);
    net::write(garbage, net::buffer(std::string("\x16\x03\x01\x00\x05garbagegarbagegarbage", 26)));
    EXPECT_TRUE(server_closes(garbage));
  }
  {
    // The first byte of a handshake, then nothing: the handshake timeout (300 ms here) ends it.
    tcp::socket stalled(ioc_);
    stalled.connect(endpoint());
    bounded_reads(stalled);
    net::write(stalled, net::buffer(std::string("\x16\x03\x01", 3)));
    EXPECT_TRUE(server_closes(stalled));
  }
  {
    // Hanging up halfway through the handshake, and before saying anything.
    tcp::socket quitter(ioc_);
    quitter.connect(endpoint());
    net::write(quitter, net::buffer(std::string("\x16\x03", 2)));
    quitter.close();
    tcp::socket silent(ioc_);
    silent.connect(endpoint());
    silent.close();
  }
  {
    // A client that does not trust the certificate gives up during the handshake.
    ssl::context untrusting(ssl::context::tls_client);
    untrusting.set_verify_mode(ssl::verify_peer);
    beast::ssl_stream<tcp::socket> stream(ioc_, untrusting);
    stream.next_layer().connect(endpoint());
    beast::error_code ec;
    stream.handshake(ssl::stream_base::client, ec);
    EXPECT_TRUE(ec) << "a certificate no one trusts was accepted";
  }
  // Plain garbage is still answered as HTTP answers it.
  tcp::socket plain_garbage(ioc_);
  plain_garbage.connect(endpoint());
  bounded_reads(plain_garbage);
  net::write(plain_garbage, net::buffer(std::string("NOT HTTP AT ALL\r\n\r\n")));
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> refused;
  bhttp::read(plain_garbage, buffer, refused);
  EXPECT_EQ(refused.result(), bhttp::status::bad_request);

  // And the server goes on serving both kinds.
  auto secure = connect_tls();
  EXPECT_EQ(exchange(*secure, make_request(bhttp::verb::get, "/_fogbank/health")).result(),
            bhttp::status::ok);
  tcp::socket plain(ioc_);
  plain.connect(endpoint());
  bounded_reads(plain);
  EXPECT_EQ(exchange(plain, make_request(bhttp::verb::get, "/_fogbank/health")).result(), bhttp::status::ok);
}

TEST_F(tls, wss_and_ws_reach_the_same_api_and_are_told_1001_on_stop) {
  websocket::stream<beast::ssl_stream<tcp::socket>> secure(ioc_, client_tls_);
  secure.next_layer().next_layer().connect(endpoint());
  bounded_reads(secure.next_layer().next_layer());
  secure.next_layer().set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  secure.next_layer().handshake(ssl::stream_base::client);
  secure.handshake(host_, "/ws/" + api_ + "/dev");

  websocket::stream<tcp::socket> plain(ioc_);
  plain.next_layer().connect(endpoint());
  bounded_reads(plain.next_layer());
  plain.handshake(host_, "/ws/" + api_ + "/dev");

  // Both are open connections of the API: an unrouted message gets AWS's Forbidden frame.
  beast::flat_buffer buffer;
  secure.write(net::buffer(std::string("{}")));
  secure.read(buffer);
  EXPECT_EQ(json::parse(beast::buffers_to_string(buffer.data())).value("message", ""), "Forbidden");
  buffer.clear();
  plain.write(net::buffer(std::string("{}")));
  plain.read(buffer);
  EXPECT_EQ(json::parse(beast::buffers_to_string(buffer.data())).value("message", ""), "Forbidden");
  buffer.clear();

  // stop() waits (up to the grace period) for the clients to answer the close frames, so it runs
  // on its own thread while the clients read.
  std::thread stopper([this] { server_->stop(); });
  beast::error_code ec;
  secure.read(buffer, ec);
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(secure.reason().code, websocket::close_code::going_away);
  plain.read(buffer, ec);
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(plain.reason().code, websocket::close_code::going_away);
  stopper.join();
  EXPECT_EQ(emulator_->websocket_connections().size(), 0u);
}

// ---- the certificates ---------------------------------------------------------------------------

std::unique_ptr<X509, decltype(&X509_free)> load_first_certificate(const fs::path& path) {
  std::unique_ptr<BIO, decltype(&BIO_free)> in(BIO_new_file(path.c_str(), "r"), &BIO_free);
  return {in ? PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr) : nullptr, &X509_free};
}

TEST(tls_files, are_made_once_and_reused_across_restarts) {
  const fs::path dir = scratch("reuse");
  const http::tls_files first = http::ensure_tls_files(dir, start_time);
  const std::string ca = read_file(first.ca_certificate);
  const std::string server = read_file(first.certificate);
  const std::string key = read_file(first.key);
  ASSERT_FALSE(ca.empty());
  ASSERT_FALSE(server.empty());
  EXPECT_EQ(fs::status(first.key).permissions() & fs::perms::group_all, fs::perms::none);
  EXPECT_EQ(fs::status(first.key).permissions() & fs::perms::others_all, fs::perms::none);

  // A second start a day later finds them and changes nothing.
  const http::tls_files second = http::ensure_tls_files(dir, start_time + std::chrono::hours(24));
  EXPECT_EQ(read_file(second.ca_certificate), ca);
  EXPECT_EQ(read_file(second.certificate), server);
  EXPECT_EQ(read_file(second.key), key);
  fs::remove_all(dir);
}

TEST(tls_files, the_server_certificate_is_renewed_under_the_same_ca) {
  const fs::path dir = scratch("renew");
  const http::tls_files first = http::ensure_tls_files(dir, start_time);
  const std::string ca = read_file(first.ca_certificate);
  const std::string server = read_file(first.certificate);
  // 380 days on, the 397-day certificate is within 30 days of its end.
  const http::tls_files later = http::ensure_tls_files(dir, start_time + std::chrono::hours(24 * 380));
  EXPECT_EQ(read_file(later.ca_certificate), ca);
  EXPECT_NE(read_file(later.certificate), server);
  const auto ca_cert = load_first_certificate(later.ca_certificate);
  const auto renewed = load_first_certificate(later.certificate);
  ASSERT_TRUE(ca_cert && renewed);
  EXPECT_EQ(X509_check_issued(ca_cert.get(), renewed.get()), X509_V_OK);
  fs::remove_all(dir);
}

// Two processes started on one fresh data directory (fogbank serve reads or makes its TLS files on
// a thread of their own while the database opens, so before RocksDB's lock could refuse the
// second): the second waits on the directory's lock and then reads the first's files, instead of
// making a CA of its own over them. Here the test plays the first process: it holds the lock
// while ensure_tls_files runs on a thread, writes a complete set of files, and lets go.
TEST(tls_files, a_second_maker_waits_for_the_first_and_reads_its_files) {
  const fs::path made_elsewhere = scratch("lock-source");
  const http::tls_files source = http::ensure_tls_files(made_elsewhere, start_time);
  const fs::path dir = scratch("lock");
  fs::create_directories(dir);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);

  std::atomic<bool> done{false};
  std::thread second([&] {
    http::ensure_tls_files(dir, start_time);
    done = true;
  });
  // Making the files takes milliseconds: a maker that did not wait would be done by now.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(done) << "ensure_tls_files did not wait for the directory's lock";
  for (const auto& entry : fs::directory_iterator(made_elsewhere))
    fs::copy_file(entry.path(), dir / entry.path().filename(), fs::copy_options::overwrite_existing);
  ::close(fd);  // lets go of the lock
  second.join();

  const http::tls_files names = http::tls_file_names(dir);
  EXPECT_EQ(read_file(names.ca_certificate), read_file(source.ca_certificate));
  EXPECT_EQ(read_file(names.certificate), read_file(source.certificate));
  EXPECT_EQ(read_file(names.key), read_file(source.key));
  fs::remove_all(dir);
  fs::remove_all(made_elsewhere);
}

TEST(tls_files, dates_come_from_the_clock_given_and_names_cover_local_hosts) {
  const fs::path dir = scratch("names");
  const http::tls_files files = http::ensure_tls_files(dir, start_time);
  const auto cert = load_first_certificate(files.certificate);
  ASSERT_TRUE(cert);
  // Valid at the service time given (2023-11-14), not after 397 days (and an hour) from it.
  std::time_t at = std::chrono::system_clock::to_time_t(start_time);
  EXPECT_LT(X509_cmp_time(X509_get0_notBefore(cert.get()), &at), 0);
  EXPECT_GT(X509_cmp_time(X509_get0_notAfter(cert.get()), &at), 0);
  std::time_t beyond = at + 398L * 24 * 3600;
  EXPECT_LT(X509_cmp_time(X509_get0_notAfter(cert.get()), &beyond), 0);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "a1b2c3d4e5.execute-api.localhost", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_host(cert.get(), "example.com", 0, 0, nullptr), 1);
  fs::remove_all(dir);
}

TEST_F(tls, a_restarted_server_on_the_same_files_is_trusted_by_the_same_clients) {
  server_->stop();
  const std::string before = read_file(files_.ca_certificate);
  files_ = http::ensure_tls_files(dir_, core::real_clock{}.now());
  EXPECT_EQ(read_file(files_.ca_certificate), before);
  start_server();
  auto secure = connect_tls();  // client_tls_ trusts the CA read before the restart
  EXPECT_EQ(exchange(*secure, make_request(bhttp::verb::get, "/_fogbank/health")).result(),
            bhttp::status::ok);
}

TEST(tls_server, a_certificate_that_cannot_be_read_fails_start) {
  http::server_options options;
  options.port = 0;
  options.tls_certificate_file = "/nonexistent/server.pem";
  options.tls_key_file = "/nonexistent/server-key.pem";
  emulator_options eopts;
  eopts.manual_clock = true;
  std::string error;
  auto emu = emulator::open(eopts, &error);
  ASSERT_TRUE(emu) << error;
  http::server server(options, emu->services());
  EXPECT_FALSE(server.start(&error));
  EXPECT_NE(error.find("/nonexistent/server.pem"), std::string::npos) << error;
}

}  // namespace
}  // namespace fogbank
