#include "runtime_api.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <charconv>

namespace fogbank::workers {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {

// Runtime API requests are a method, a path and a few Lambda-Runtime-* headers.
constexpr std::uint32_t header_limit = 64 * 1024;
// After a refused body, the rest of what the runtime sends is read and thrown away before closing
// (closing with unread data resets the connection, and the runtime could lose the 413): at most
// this long and this much.
constexpr std::chrono::seconds drain_timeout{10};
constexpr std::size_t drain_cap = 256 * 1024 * 1024;
constexpr std::size_t drain_chunk = 64 * 1024;

}  // namespace

// ---- api_connection -------------------------------------------------------------------------------

api_connection::api_connection(tcp::socket&& socket, std::weak_ptr<api_handler> handler,
                               std::size_t body_limit)
    : stream_(std::move(socket)), handler_(std::move(handler)), body_limit_(body_limit) {}

void api_connection::start() {
  do_read();
}

void api_connection::do_read() {
  if (closed_) return;
  parser_.emplace();
  parser_->header_limit(header_limit);
  parser_->body_limit(body_limit_);
  stream_.expires_never();
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&api_connection::on_header, shared_from_this()));
}

void api_connection::on_header(beast::error_code ec, std::size_t) {
  if (closed_) return;
  if (ec == bhttp::error::body_limit) {
    // Content-Length over the limit: refused at the header, before any of the body is read.
    draining_ = true;
    auto handler = handler_.lock();
    if (!handler) return close();
    // Not parser_->content_length(): Beast stops at the Content-Length field before the header is
    // done, where that accessor asserts (and reads a half-made parser without asserts). The field,
    // when Beast has stored it, says the same.
    std::optional<std::uint64_t> length;
    const auto field = parser_->get()[bhttp::field::content_length];
    std::uint64_t value = 0;
    if (const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
        error == std::errc{} && end == field.data() + field.size() && !field.empty()) {
      length = value;
    }
    return handler->on_body_too_large(shared_from_this(), parser_->get(), length);
  }
  if (ec) return close();
  if (beast::iequals(parser_->get()[bhttp::field::expect], "100-continue")) {
    // curl waits for the go-ahead before sending a body over 1 KiB.
    continue_.emplace(bhttp::status::continue_, parser_->get().version());
    return bhttp::async_write(
        stream_, *continue_,
        beast::bind_front_handler(&api_connection::on_continue_sent, shared_from_this()));
  }
  do_read_body();
}

void api_connection::on_continue_sent(beast::error_code ec, std::size_t) {
  continue_.reset();
  if (ec || closed_) return close();
  do_read_body();
}

void api_connection::do_read_body() {
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&api_connection::on_body, shared_from_this()));
}

void api_connection::on_body(beast::error_code ec, std::size_t) {
  if (closed_) return;
  auto handler = handler_.lock();
  if (!handler) return close();
  if (ec == bhttp::error::body_limit) {
    // A chunked body that grew past the limit.
    draining_ = true;
    return handler->on_body_too_large(shared_from_this(), parser_->get(), std::nullopt);
  }
  if (ec) return close();
  api_request request = parser_->release();
  parser_.reset();
  handler->on_request(shared_from_this(), std::move(request));
}

void api_connection::reply(api_response response) {
  if (closed_) return;
  if (draining_) response.keep_alive(false);
  response.prepare_payload();
  response_.emplace(std::move(response));
  const bool keep_alive = response_->keep_alive();
  bhttp::async_write(stream_, *response_,
                     beast::bind_front_handler(&api_connection::on_write, shared_from_this(), keep_alive));
}

void api_connection::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  response_.reset();
  if (ec || closed_) return close();
  if (draining_) return do_drain();
  if (!keep_alive) return close();
  do_read();
}

void api_connection::do_drain() {
  if (drain_.empty()) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    drain_.resize(drain_chunk);
    stream_.expires_after(drain_timeout);
  }
  stream_.async_read_some(net::buffer(drain_),
                          beast::bind_front_handler(&api_connection::on_drain, shared_from_this()));
}

void api_connection::on_drain(beast::error_code ec, std::size_t bytes) {
  drained_ += bytes;
  if (ec || closed_ || drained_ > drain_cap) return close();
  do_drain();
}

void api_connection::close() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
}

// ---- runtime_api ----------------------------------------------------------------------------------

runtime_api::runtime_api(strand executor, std::weak_ptr<api_handler> handler, std::size_t body_limit)
    : strand_(executor),
      acceptor_(executor),
      retry_(executor),
      handler_(std::move(handler)),
      body_limit_(body_limit) {}

bool runtime_api::open(std::string* error) {
  beast::error_code ec;
  const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), 0);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (!ec) port_ = acceptor_.local_endpoint(ec).port();
  if (ec) {
    if (error != nullptr) *error = "cannot listen on 127.0.0.1 for a Runtime API: " + ec.message();
    return false;
  }
  return true;
}

void runtime_api::start() {
  do_accept();
}

void runtime_api::do_accept() {
  if (closed_) return;
  acceptor_.async_accept(strand_, beast::bind_front_handler(&runtime_api::on_accept, shared_from_this()));
}

void runtime_api::on_accept(beast::error_code ec, tcp::socket socket) {
  if (closed_ || ec == net::error::operation_aborted) return;
  if (!ec) {
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto connection = std::make_shared<api_connection>(std::move(socket), handler_, body_limit_);
    // Forget connections that have ended, so that a runtime reconnecting for every request does
    // not grow the list.
    std::erase_if(connections_, [](const std::weak_ptr<api_connection>& c) {
      auto live = c.lock();
      return !live || live->closed();
    });
    connections_.push_back(connection);
    connection->start();
  }
  if (!ec) return do_accept();
  // Out of file descriptors and the like: wait a little rather than spin.
  retry_.expires_after(std::chrono::milliseconds(100));
  retry_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
    if (!wait_ec) self->do_accept();
  });
}

void runtime_api::close() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
  for (auto& weak : connections_) {
    if (auto connection = weak.lock()) connection->close();
  }
  connections_.clear();
}

}  // namespace fogbank::workers
