#include "fogbank/http/server.hpp"

#include "io_threads.hpp"
#include "log.hpp"
#include "router.hpp"
#include "session.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include <algorithm>
#include <optional>
#include <vector>

namespace fogbank::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {

// Accepts connections and starts a session on its own strand for each.
class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(net::io_context& ioc, router& router, session_registry& registry, const server_options& options)
      : ioc_(ioc),
        acceptor_(net::make_strand(ioc)),
        retry_(acceptor_.get_executor()),
        router_(router),
        registry_(registry),
        options_(options) {}

  // Opens, binds and listens on `endpoint`. Not thread-safe: call before the threads start.
  bool open(const tcp::endpoint& endpoint, std::string* error) {
    beast::error_code ec;
    const auto fail = [&](const char* what) {
      if (error != nullptr)
        *error = std::string(what) + " " + endpoint.address().to_string() + ":" +
                 std::to_string(endpoint.port()) + ": " + ec.message();
      return false;
    };
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) return fail("cannot open a socket for");
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (ec) return fail("cannot set SO_REUSEADDR on");
    acceptor_.bind(endpoint, ec);
    if (ec) return fail("cannot bind");
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return fail("cannot listen on");
    return true;
  }

  std::uint16_t port() const {
    beast::error_code ec;
    return acceptor_.local_endpoint(ec).port();
  }

  void run() {
    net::dispatch(acceptor_.get_executor(),
                  beast::bind_front_handler(&listener::do_accept, shared_from_this()));
  }

  // Stops accepting. Thread-safe.
  void close() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->closed_ = true;
      self->acceptor_.close(ignored);
      self->retry_.cancel();
    });
  }

 private:
  void do_accept() {
    if (closed_) return;
    // Each connection gets its own strand.
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&listener::on_accept, shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || closed_) return;
    if (ec) {
      // Out of file descriptors and the like: wait a little rather than spin.
      log_error("accept: " + ec.message());
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec) self->do_accept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<session>(std::move(socket), router_, registry_, options_)->run();
    do_accept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  router& router_;
  session_registry& registry_;
  const server_options& options_;
  bool closed_ = false;
};

}  // namespace

struct server::impl {
  impl(server_options opts, const dispatch::registry& services)
      : options(std::move(opts)),
        router_(services),
        // Never 1: that hint lets Asio keep handlers on the thread that posted them, where a
        // long call would hold them up (the threads here are more than one at times).
        ioc(std::max({2, options.threads, options.max_threads})),
        threads(ioc, options.threads, options.max_threads) {}

  // Destruction order matters: the threads, then the io_context (and any session it still
  // owns) go first, while the registry and router its sessions refer to are still alive.
  server_options options;
  router router_;
  session_registry registry;
  net::io_context ioc;
  io_threads threads;
  // Keeps run() going while nothing is pending on a socket: a session waiting for a long poll's
  // answer has no operation in the io_context, and the answer is posted to it later.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::shared_ptr<listener> accept;
  bool started = false;
  bool stopped = false;
};

server::server(server_options options, const dispatch::registry& services)
    : impl_(std::make_unique<impl>(std::move(options), services)) {}

server::~server() {
  stop();
}

bool server::start(std::string* error) {
  if (impl_->started) {
    if (error != nullptr) *error = "server already started";
    return false;
  }
  impl_->started = true;

  beast::error_code ec;
  tcp::resolver resolver(impl_->ioc);
  const auto endpoints = resolver.resolve(impl_->options.host, std::to_string(impl_->options.port),
                                          tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    if (error != nullptr)
      *error = "cannot resolve host '" + impl_->options.host + "': " + (ec ? ec.message() : "no address");
    impl_->stopped = true;
    return false;
  }
  // "localhost" resolves to 127.0.0.1 and ::1: prefer IPv4, which is what clients given
  // "localhost" or 127.0.0.1 in an endpoint URL try first.
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  for (const auto& entry : endpoints) {
    if (entry.endpoint().address().is_v4()) {
      endpoint = entry.endpoint();
      break;
    }
  }
  impl_->accept = std::make_shared<listener>(impl_->ioc, impl_->router_, impl_->registry, impl_->options);
  if (!impl_->accept->open(endpoint, error)) {
    impl_->stopped = true;
    return false;
  }
  impl_->accept->run();
  impl_->work.emplace(impl_->ioc.get_executor());

  impl_->threads.start();
  return true;
}

std::uint16_t server::port() const noexcept {
  return impl_->accept ? impl_->accept->port() : 0;
}

void server::stop() {
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;

  impl_->accept->close();
  for (const auto& s : impl_->registry.close()) s->shutdown();
  if (!impl_->registry.wait_empty(impl_->options.shutdown_grace)) {
    log_error("shutdown: connections still busy after the grace period are dropped");
  }
  // With the acceptor closed and the sessions gone, run() is out of work and returns on its
  // own; stop() also cuts off whatever outlived the grace period.
  impl_->work.reset();
  impl_->ioc.stop();
  // A call still running past the grace period finishes (a call cannot be cut off); its answer
  // goes nowhere.
  impl_->threads.join();
}

}  // namespace fogbank::http
