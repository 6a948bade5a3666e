#pragma once
// One connection's byte stream, plain TCP or TLS over it: what the HTTP session and the WebSocket
// session read and write, so that each is one class whichever the client chose (fogbank answers
// both on its one port; server.cpp decides with Beast's detect_ssl, as Beast's flex server
// example does). It meets Asio's AsyncReadStream and AsyncWriteStream for completion handlers
// (the only tokens the sessions use), its lowest layer is the beast::tcp_stream that carries the
// deadlines, and the WebSocket teardown hooks below let beast::websocket::stream run over it.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <utility>
#include <variant>

namespace fogbank::http {

class flex_stream {
 public:
  using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  using executor_type = boost::beast::tcp_stream::executor_type;

  explicit flex_stream(boost::beast::tcp_stream&& plain) : stream_(std::move(plain)) {}
  explicit flex_stream(tls_stream&& tls) : stream_(std::move(tls)) {}

  bool is_tls() const noexcept { return std::holds_alternative<tls_stream>(stream_); }
  // Only when is_tls().
  tls_stream& tls() { return std::get<tls_stream>(stream_); }

  // The TCP stream underneath: its socket and its deadlines (expires_after) apply to TLS too.
  boost::beast::tcp_stream& next_layer() noexcept {
    return std::visit(
        [](auto& s) -> boost::beast::tcp_stream& {
          if constexpr (std::is_same_v<std::decay_t<decltype(s)>, tls_stream>) {
            return s.next_layer();
          } else {
            return s;
          }
        },
        stream_);
  }
  boost::asio::ip::tcp::socket& socket() noexcept { return next_layer().socket(); }

  executor_type get_executor() noexcept { return next_layer().get_executor(); }

  template <class MutableBufferSequence, class ReadHandler>
  void async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
    std::visit([&](auto& s) { s.async_read_some(buffers, std::forward<ReadHandler>(handler)); }, stream_);
  }

  template <class ConstBufferSequence, class WriteHandler>
  void async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
    std::visit([&](auto& s) { s.async_write_some(buffers, std::forward<WriteHandler>(handler)); }, stream_);
  }

 private:
  std::variant<boost::beast::tcp_stream, tls_stream> stream_;
};

// beast::websocket::stream<flex_stream> finds these by argument-dependent lookup: they end the
// connection as the layer underneath would (TLS: close_notify, then the socket).
inline void teardown(boost::beast::role_type role, flex_stream& stream, boost::beast::error_code& ec) {
  using boost::beast::websocket::teardown;
  if (stream.is_tls()) return teardown(role, stream.tls(), ec);
  teardown(role, stream.next_layer(), ec);
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, flex_stream& stream, TeardownHandler&& handler) {
  using boost::beast::websocket::async_teardown;
  if (stream.is_tls()) return async_teardown(role, stream.tls(), std::forward<TeardownHandler>(handler));
  async_teardown(role, stream.next_layer(), std::forward<TeardownHandler>(handler));
}

}  // namespace fogbank::http
