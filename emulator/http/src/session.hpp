#pragma once
// One HTTP/1.1 connection: reads a request, has the router answer it, writes the response, and
// again while the client keeps the connection alive. Shaped like the sessions of Boost.Beast's
// advanced_server example (boost-1.74.0): owned by shared_ptr through its pending operations,
// its own strand, do_x/on_x pairs, a body limit and a deadline on every read and write (kept
// by one lazily re-armed timer of the session's own, not by the stream: set_deadline). One
// request at a time: a pipelined request waits in the buffer until the previous response is
// written.
//
// The service call runs on the strand, on the I/O thread that read the request; a call that
// takes long holds that thread, and io_threads gives the io_context another one meanwhile.
//
// A request the router cannot answer at once (an SQS long poll) leaves the session in
// `dispatching` with no operation pending on the socket and no timer running; the deferred reply
// holds the session alive and posts the response back onto its strand (on_response), from
// whichever thread the service completes on. shutdown() abandons such a reply, which answers
// at once with the operation's empty result.

#include "call.hpp"
#include "flex_stream.hpp"
#include "router.hpp"
#include "wire.hpp"

#include "fogbank/http/server.hpp"

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace fogbank::http {

class session;
class ws_session;

// The sessions alive right now, HTTP and WebSocket, so that stop() can reach them. Thread-safe.
class session_registry {
 public:
  // False once closing: the session should not start.
  bool add(const std::shared_ptr<session>& s);
  bool add(const std::shared_ptr<ws_session>& s);
  void remove(const session* s) noexcept;
  void remove(const ws_session* s) noexcept;

  struct live {
    std::vector<std::shared_ptr<session>> sessions;
    std::vector<std::shared_ptr<ws_session>> websockets;
  };
  // Refuses new sessions from now on and returns the live ones.
  live close();
  // Waits until no session is left or `timeout` passes; true if none is left.
  bool wait_empty(std::chrono::milliseconds timeout);

 private:
  std::mutex mutex_;
  std::condition_variable empty_;
  std::unordered_map<const session*, std::weak_ptr<session>> sessions_;
  std::unordered_map<const ws_session*, std::weak_ptr<ws_session>> websockets_;
  bool closing_ = false;
};

class session : public std::enable_shared_from_this<session>, private reply_channel {
 public:
  // `stream` (plain or TLS, its handshake done) must have been accepted onto its own strand;
  // `buffer` holds what was read from it already (the bytes TLS detection looked at).
  session(flex_stream&& stream, boost::beast::flat_buffer&& buffer, router& router,
          session_registry& registry, const server_options& options);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // Starts reading requests.
  void run();
  // Asks the session to finish: a connection still reading a request (idle between requests,
  // or with part of one in) closes now; a request received whole is served and answered with
  // `Connection: close`; a deferred reply (a long poll) is abandoned, which answers it at once
  // with the operation's empty result. Thread-safe.
  void shutdown();

 private:
  enum class phase { reading_header, reading_body, dispatching, writing, draining, closed };

  // reply_channel: the reply for the request being dispatched. Called on the strand.
  std::shared_ptr<deferred_reply> defer() override;

  void do_read();
  void on_read_header(boost::beast::error_code ec, std::size_t bytes);
  void on_continue_sent(boost::beast::error_code ec, std::size_t bytes);
  void do_read_body();
  // The body from what is already in buffer_: the outcome async_read would complete with, or
  // nullopt when more must be read from the socket.
  std::optional<boost::beast::error_code> parse_buffered_body();
  void on_read_body(boost::beast::error_code ec, std::size_t bytes);
  void on_read_failed(boost::beast::error_code ec);
  void on_response(response res);
  void do_write(response res);
  void on_write(bool close, boost::beast::error_code ec, std::size_t bytes);
  // Undoes the request's Content-Encoding (content_coding.hpp) and notes whether the client
  // takes gzip; the status to refuse it with, if it cannot be decoded.
  std::optional<bhttp::status> decode_request_body();
  // Gzips the response's body for a client that accepts gzip.
  void compress_response(response& res) const;
  void do_drain();
  void on_drain(boost::beast::error_code ec, std::size_t bytes);
  void do_close();
  void on_tls_shutdown(boost::beast::error_code ec);
  void on_shutdown();
  void abort_read();

  // The deadline of the read or write that starts now: past it, the socket is closed and the
  // operation ends with timed_out_ set, as beast::tcp_stream's expires_after would end it. Lazy:
  // one timer per session, re-armed only when a deadline comes before the timer would fire
  // (a refused body's drain, a TLS close); otherwise the timer fires as armed, finds the
  // deadline moved, and waits again. A request costs no timer operation (arming and cancelling
  // Asio's timer on every read and write was 4-5% of a GetItem's CPU).
  void set_deadline(std::chrono::steady_clock::duration timeout);
  // No deadline while a service answers: an SQS long poll or a Lambda invoke takes its time.
  void clear_deadline() noexcept { deadline_ = std::chrono::steady_clock::time_point::max(); }
  void arm_deadline_timer(std::chrono::steady_clock::time_point at);
  // The longest the timer waits between looks at deadline_: no later than any io or idle
  // deadline set meanwhile can fall.
  std::chrono::steady_clock::duration timer_interval() const noexcept {
    return std::min(options_.idle_timeout, options_.io_timeout);
  }
  void on_deadline_timer(std::uint64_t generation, boost::beast::error_code ec);

  // Moves to a ws_session on a WebSocket upgrade: what may run after that (shutdown()) uses
  // executor_, never stream_.
  flex_stream stream_;
  flex_stream::executor_type executor_;
  boost::beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<request> request_;                              // while it is being dispatched
  std::shared_ptr<deferred_reply> pending_;                     // its reply, if deferred
  std::optional<response> response_;                            // the one outstanding write
  std::string head_;                                            // its status line and fields, as sent
  std::optional<bhttp::response<bhttp::empty_body>> continue_;  // "100 Continue", while it is written
  std::vector<char> drain_;
  std::size_t drained_ = 0;
  // The body limit of the request being read: the server's, or that of the REST-JSON service the
  // request goes to (known once its header is in).
  std::size_t body_limit_ = 0;
  router& router_;
  session_registry& registry_;
  const server_options& options_;
  boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                    boost::asio::wait_traits<std::chrono::steady_clock>,
                                    flex_stream::executor_type>
      deadline_timer_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  // When deadline_timer_ fires (max: not waiting), and the number of its latest wait: a wait
  // that was replaced, or had already completed when it was, is recognised by its number.
  std::chrono::steady_clock::time_point timer_at_ = std::chrono::steady_clock::time_point::max();
  std::uint64_t timer_generation_ = 0;
  bool timed_out_ = false;  // the deadline passed and closed the socket
  phase phase_ = phase::reading_header;
  bool stopping_ = false;
  bool gzip_response_ = false;  // the request being answered accepts a gzip response
};

}  // namespace fogbank::http
