#pragma once
// One connection's byte stream, plain TCP or TLS over it: what the HTTP session and the WebSocket
// session read and write, so that each is one class whichever the client chose (fogbank answers
// both on its one port; server.cpp decides with Beast's detect_ssl, as Beast's flex server
// example does). It meets Asio's AsyncReadStream and AsyncWriteStream for completion handlers
// (the only tokens the sessions use), its lowest layer is the beast::tcp_stream that carries the
// deadlines, and the WebSocket teardown hooks below let beast::websocket::stream run over it.

#include "ws_frame_meter.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <algorithm>
#include <utility>
#include <variant>

namespace fogbank::http {

// Every connection runs on its own strand of the server's io_context. The stream names that
// executor's type rather than Beast's default (tcp_stream, over the type-erased any_io_executor):
// copying and querying a type-erased executor on every operation was 7% of a GetItem's CPU.
using connection_executor = boost::asio::strand<boost::asio::io_context::executor_type>;
using connection_socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, connection_executor>;
using tcp_stream = boost::beast::basic_stream<boost::asio::ip::tcp, connection_executor>;

class flex_stream {
 public:
  using tls_stream = boost::beast::ssl_stream<tcp_stream>;
  using executor_type = connection_executor;

  explicit flex_stream(tcp_stream&& plain) : stream_(std::move(plain)) {}
  explicit flex_stream(tls_stream&& tls) : stream_(std::move(tls)) {}

  bool is_tls() const noexcept { return std::holds_alternative<tls_stream>(stream_); }
  // Only when is_tls().
  tls_stream& tls() { return std::get<tls_stream>(stream_); }

  // The TCP stream underneath: its socket and its deadlines (expires_after) apply to TLS too.
  tcp_stream& next_layer() noexcept {
    return std::visit(
        [](auto& s) -> tcp_stream& {
          if constexpr (std::is_same_v<std::decay_t<decltype(s)>, tls_stream>) {
            return s.next_layer();
          } else {
            return s;
          }
        },
        stream_);
  }
  connection_socket& socket() noexcept { return next_layer().socket(); }

  executor_type get_executor() noexcept { return next_layer().get_executor(); }

  // From now on every byte read is also given to `meter` (a WebSocket session's, once its
  // handshake is done), which must outlive the reads. Null stops it.
  void meter_frames(ws_frame_meter* meter) noexcept { meter_ = meter; }

  template <class MutableBufferSequence, class ReadHandler>
  void async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
    if (meter_ == nullptr) {
      std::visit([&](auto& s) { s.async_read_some(buffers, std::forward<ReadHandler>(handler)); }, stream_);
      return;
    }
    // The handler keeps its executor (the session's strand) when wrapped.
    auto executor = boost::asio::get_associated_executor(handler, get_executor());
    auto metered = boost::asio::bind_executor(
        executor, [meter = meter_, buffers, handler = std::forward<ReadHandler>(handler)](
                      boost::beast::error_code ec, std::size_t bytes) mutable {
          std::size_t left = bytes;
          for (auto it = boost::asio::buffer_sequence_begin(buffers);
               left > 0 && it != boost::asio::buffer_sequence_end(buffers); ++it) {
            const boost::asio::const_buffer b(*it);
            const std::size_t n = std::min(left, b.size());
            meter->feed(static_cast<const unsigned char*>(b.data()), n);
            left -= n;
          }
          std::move(handler)(ec, bytes);
        });
    std::visit([&](auto& s) { s.async_read_some(buffers, std::move(metered)); }, stream_);
  }

  template <class ConstBufferSequence, class WriteHandler>
  void async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
    std::visit([&](auto& s) { s.async_write_some(buffers, std::forward<WriteHandler>(handler)); }, stream_);
  }

 private:
  std::variant<tcp_stream, tls_stream> stream_;
  ws_frame_meter* meter_ = nullptr;
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
