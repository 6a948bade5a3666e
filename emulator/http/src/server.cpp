#include "fogbank/http/server.hpp"

#include "io_threads.hpp"
#include "log.hpp"
#include "router.hpp"
#include "session.hpp"
#include "ws_session.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <vector>

namespace fogbank::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {

// The TLS context of a certificate and key (PEM files), or nullopt (with `*error`) when they
// cannot be used.
std::optional<net::ssl::context> make_tls_context(const std::string& certificate_file,
                                                  const std::string& key_file, std::string* error) {
  net::ssl::context ctx(net::ssl::context::tls_server);
  // TLS 1.2 and 1.3 only: what every current SDK speaks.
  ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                  net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                  net::ssl::context::single_dh_use);
  beast::error_code ec;
  ctx.use_certificate_chain_file(certificate_file, ec);
  if (ec) {
    if (error != nullptr) *error = "cannot use the TLS certificate " + certificate_file + ": " + ec.message();
    return std::nullopt;
  }
  ctx.use_private_key_file(key_file, net::ssl::context::pem, ec);
  if (ec) {
    if (error != nullptr) *error = "cannot use the TLS key " + key_file + ": " + ec.message();
    return std::nullopt;
  }
  if (::SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    if (error != nullptr)
      *error = "the TLS key " + key_file + " does not match the certificate " + certificate_file;
    return std::nullopt;
  }
  return ctx;
}

// The text of a PEM file, or nullopt when it cannot be read or is empty.
std::optional<std::string> read_pem(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream pem;
  pem << in.rdbuf();
  if (!in || pem.str().empty()) return std::nullopt;
  return pem.str();
}

// The server's TLS: a context made at start from the files given (server_options::
// tls_certificate_file), or on the first TLS handshake from the files tls_on_demand makes; and
// the CA certificate GET /_fogbank/tls/ca.pem answers, made on the first such request. Thread-safe.
class tls_source {
 public:
  explicit tls_source(const server_options& options)
      : options_(options),
        on_demand_(options.tls_on_demand && options.tls_certificate_file.empty() &&
                   options.tls_key_file.empty()) {}

  // Makes the context from the files given; false (with `*error`) when they cannot be used. Call
  // before the server's threads start.
  bool start(std::string* error) {
    if (!options_.tls_certificate_file.empty() || !options_.tls_key_file.empty()) {
      context_ = make_tls_context(options_.tls_certificate_file, options_.tls_key_file, error);
      if (!context_) return false;
    }
    if (!options_.tls_ca_file.empty()) {
      ca_pem_ = read_pem(options_.tls_ca_file);
      if (!ca_pem_) {
        if (error != nullptr) *error = "cannot read the CA certificate " + options_.tls_ca_file;
        return false;
      }
    }
    return true;
  }

  // Whether the server has TLS at all (made or to be made), and a CA to serve.
  bool has_context() const { return on_demand_ || context_.has_value(); }
  bool has_ca() const { return on_demand_ || ca_pem_.has_value(); }

  // The context; null when it cannot be made (the reason is logged, and the next call tries again).
  net::ssl::context* context() {
    if (!on_demand_) return context_ ? &*context_ : nullptr;  // made by start(), not changed since
    const std::lock_guard lock(mutex_);
    if (!context_) {
      std::string error;
      try {
        const tls_files files = options_.tls_on_demand();
        context_ = make_tls_context(files.certificate.string(), files.key.string(), &error);
      } catch (const std::exception& e) {
        error = e.what();
      }
      if (!context_) {
        log_error("TLS: " + error);
        return nullptr;
      }
    }
    return &*context_;
  }

  // The CA certificate (PEM); empty when it cannot be had (the reason is logged, and the next call
  // tries again).
  std::string ca_certificate() {
    if (!on_demand_) return ca_pem_.value_or("");  // read by start(), not changed since
    const std::lock_guard lock(mutex_);
    if (!ca_pem_) {
      try {
        const tls_files files = options_.tls_on_demand();
        ca_pem_ = read_pem(files.ca_certificate.string());
        if (!ca_pem_) log_error("TLS: cannot read the CA certificate " + files.ca_certificate.string());
      } catch (const std::exception& e) {
        log_error(std::string("TLS: ") + e.what());
      }
    }
    return ca_pem_.value_or("");
  }

 private:
  const server_options& options_;
  const bool on_demand_;
  std::mutex mutex_;
  std::optional<net::ssl::context> context_;  // on demand: guarded by mutex_
  std::optional<std::string> ca_pem_;         // on demand: guarded by mutex_
};

// Looks at a new connection's first bytes: a TLS handshake record gets TLS (when the server has a
// certificate), anything else plain HTTP; then hands it to a session. As in Beast's flex server
// example (boost-1.74.0, example/advanced/server-flex): whatever was read to decide goes on to
// the handshake (as its first input) or to the session. Everything here is asynchronous
// and under a deadline: a client that stalls, sends garbage or hangs up holds no thread, and
// costs only this object until its deadline.
class detector : public std::enable_shared_from_this<detector> {
 public:
  detector(connection_socket&& socket, tls_source* tls, router& router, session_registry& registry,
           const server_options& options)
      : tcp_(std::move(socket)), tls_source_(tls), router_(router), registry_(registry), options_(options) {}

  void run() {
    // A client that opens a connection and says nothing yet is an idle keep-alive one.
    tcp_.expires_after(options_.idle_timeout);
    tcp_.async_read_some(buffer_.prepare(first_read_bytes),
                         beast::bind_front_handler(&detector::on_first_bytes, shared_from_this()));
  }

 private:
  // What the first read takes at most: a TLS ClientHello fits, and whatever else arrives stays in
  // the buffer for the session.
  static constexpr std::size_t first_read_bytes = 4096;

  void on_first_bytes(beast::error_code ec, std::size_t bytes) {
    if (ec) return;  // closed or silent: the socket closes with this object
    buffer_.commit(bytes);
    // From the first byte on, a TLS client has the handshake timeout to finish: one that stalls
    // mid-record (detect_ssl waits for a whole record header) or mid-handshake is dropped then.
    tcp_.expires_after(options_.tls_handshake_timeout);
    beast::async_detect_ssl(tcp_, buffer_,
                            beast::bind_front_handler(&detector::on_detect, shared_from_this()));
  }

  void on_detect(beast::error_code ec, bool is_tls) {
    if (ec) return;  // closed or stalled before a record header came: nothing to answer
    net::ssl::context* context = is_tls && tls_source_ != nullptr ? tls_source_->context() : nullptr;
    if (context == nullptr) {
      // Plain HTTP, or TLS to a server without a certificate (the session answers its bytes
      // with 400, as it would any other garbage).
      return start(flex_stream(std::move(tcp_)));
    }
    tls_.emplace(std::move(tcp_), *context);
    beast::get_lowest_layer(*tls_).expires_after(options_.tls_handshake_timeout);
    tls_->async_handshake(net::ssl::stream_base::server, buffer_.data(),
                          beast::bind_front_handler(&detector::on_handshake, shared_from_this()));
  }

  void on_handshake(beast::error_code ec, std::size_t used) {
    if (ec) return;  // not TLS after all, timed out or refused: nothing to answer
    buffer_.consume(used);
    start(flex_stream(std::move(*tls_)));
  }

  void start(flex_stream&& stream) {
    stream.next_layer().expires_never();
    std::make_shared<session>(std::move(stream), std::move(buffer_), router_, registry_, options_)->run();
  }

  tcp_stream tcp_;
  std::optional<flex_stream::tls_stream> tls_;
  beast::flat_buffer buffer_;
  tls_source* tls_source_;
  router& router_;
  session_registry& registry_;
  const server_options& options_;
};

// Accepts connections and starts a session on its own strand for each.
class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(net::io_context& ioc, tls_source* tls, router& router, session_registry& registry,
           const server_options& options)
      : ioc_(ioc),
        tls_(tls),
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

  void on_accept(beast::error_code ec, connection_socket socket) {
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
    std::make_shared<detector>(std::move(socket), tls_, router_, registry_, options_)->run();
    do_accept();
  }

  net::io_context& ioc_;
  tls_source* tls_;
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
  // The time signatures are checked against when options.clock is null.
  const core::real_clock wall_clock;
  tls_source tls{options};
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
  if (!impl_->tls.start(error)) {
    impl_->stopped = true;
    return false;
  }
  if (impl_->tls.has_ca())
    impl_->router_.set_ca_certificate([tls = &impl_->tls] { return tls->ca_certificate(); });
  impl_->router_.set_rest_gateway(impl_->options.rest_api);
  if (!impl_->options.credentials.empty()) {
    impl_->router_.verify_signatures(&impl_->options.credentials,
                                     impl_->options.clock ? impl_->options.clock : &impl_->wall_clock);
  }
  impl_->accept = std::make_shared<listener>(impl_->ioc, impl_->tls.has_context() ? &impl_->tls : nullptr,
                                             impl_->router_, impl_->registry, impl_->options);
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
  {
    // Held only while they are told: the wait below is for them to go.
    const session_registry::live live = impl_->registry.close();
    // WebSocket clients are told the server is going away (1001, RFC 6455 section 7.4.1) and get
    // the grace period to answer the close frame.
    for (const auto& s : live.websockets) s->going_away();
    for (const auto& s : live.sessions) s->shutdown();
  }
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
