// The ceiling for the HTTP benchmarks (bench/http_vs_dynalite.sh): a bare Boost.Beast
// HTTP/1.1 server that reads each request whole and answers it with one fixed JSON body,
// keep-alive, on a thread pool over one io_context -- the same shape as fogbank's server,
// minus everything fogbank does between reading the request and writing the response.
//
//   beast_baseline [--port N] [--threads N]
//
// Listens on 127.0.0.1 only (port 0 = any free port) and, once listening, prints one line:
//   baseline listening on http://127.0.0.1:PORT
// Runs until SIGINT or SIGTERM.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// About the size and shape of a GetItem answer for the benchmark's seed items.
constexpr std::string_view fixed_body =
    R"({"Item":{"pk":{"S":"user#0042"},"sk":{"N":"7"},"name":{"S":"name-42-7"},)"
    R"("score":{"N":"427"},"active":{"BOOL":true},)"
    R"("payload":{"S":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}})";

class session : public std::enable_shared_from_this<session> {
 public:
  explicit session(tcp::socket&& socket) : stream_(std::move(socket)) {}

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

 private:
  void do_read() {
    request_ = {};
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    auto res = std::make_shared<http::response<http::string_body>>(http::status::ok, request_.version());
    res->set(http::field::server, "beast-baseline");
    res->set(http::field::content_type, "application/x-amz-json-1.0");
    res->keep_alive(request_.keep_alive());
    res->body().assign(fixed_body);
    res->prepare_payload();
    response_ = res;
    http::async_write(stream_, *res, [self = shared_from_this()](beast::error_code wec, std::size_t) {
      self->on_write(wec);
    });
  }

  void on_write(beast::error_code ec) {
    const bool keep = response_ && response_->keep_alive();
    response_.reset();
    if (ec) return;
    if (!keep) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    do_read();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::shared_ptr<http::response<http::string_body>> response_;
};

class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(net::io_context& ioc, tcp::endpoint endpoint) : ioc_(ioc), acceptor_(net::make_strand(ioc)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }

  void run() { do_accept(); }

 private:
  void do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
                             if (!ec) {
                               s.set_option(tcp::no_delay(true), ec);
                               std::make_shared<session>(std::move(s))->run();
                             }
                             if (self->acceptor_.is_open()) self->do_accept();
                           });
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
};

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 0;
  int threads = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--port" && i + 1 < argc) {
      port = static_cast<unsigned short>(std::atoi(argv[++i]));
    } else if (arg == "--threads" && i + 1 < argc) {
      threads = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: %s [--port N] [--threads N]\n", argv[0]);
      return 2;
    }
  }

  net::io_context ioc(threads);
  auto l = std::make_shared<listener>(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  l->run();

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&ioc](beast::error_code, int) { ioc.stop(); });

  std::printf("baseline listening on http://127.0.0.1:%u\n", static_cast<unsigned>(l->port()));
  std::fflush(stdout);

  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads - 1));
  for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}
