#pragma once
// One worker's Lambda Runtime API listener: an HTTP/1.1 server on 127.0.0.1:<ephemeral port> that
// reads requests and hands them to the worker, which answers them now or, for a long-polling
// /runtime/invocation/next, when an invocation arrives. Shaped like emulator/http's sessions
// (Beast's advanced_server example): connections owned by shared_ptr through their pending
// operations, do_x/on_x pairs, one outstanding write. Everything runs on the worker's strand, so
// neither the listener nor its connections lock anything.
//
// No read timeout: /next legitimately waits for as long as the worker is idle, and only the worker
// itself connects. The worker closes the listener and its connections when it stops.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fogbank::workers {

namespace bhttp = boost::beast::http;
using strand = boost::asio::strand<boost::asio::io_context::executor_type>;
using api_request = bhttp::request<bhttp::string_body>;
using api_response = bhttp::response<bhttp::string_body>;

class api_connection;

// What a worker does with the requests of its runtime. Called on the worker's strand.
class api_handler {
 public:
  // A whole request. The handler calls from->reply() exactly once, now or later.
  virtual void on_request(const std::shared_ptr<api_connection>& from, api_request request) = 0;
  // A request whose body is larger than `body_limit`: `header` has no body; `size` is its
  // Content-Length if it had one. The handler replies (413); the connection then reads and
  // discards the rest of the body and closes.
  virtual void on_body_too_large(const std::shared_ptr<api_connection>& from, const api_request& header,
                                 std::optional<std::uint64_t> size) = 0;

 protected:
  ~api_handler() = default;
};

class api_connection : public std::enable_shared_from_this<api_connection> {
 public:
  api_connection(boost::asio::ip::tcp::socket&& socket, std::weak_ptr<api_handler> handler,
                 std::size_t body_limit);

  void start();
  // Answers the request being served. On the strand.
  void reply(api_response response);
  // Closes the socket; a request being served is never answered. On the strand.
  void close();
  bool closed() const noexcept { return closed_; }

 private:
  void do_read();
  void on_header(boost::beast::error_code ec, std::size_t bytes);
  void on_continue_sent(boost::beast::error_code ec, std::size_t bytes);
  void do_read_body();
  void on_body(boost::beast::error_code ec, std::size_t bytes);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  void do_drain();
  void on_drain(boost::beast::error_code ec, std::size_t bytes);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  std::optional<api_response> response_;
  std::weak_ptr<api_handler> handler_;
  std::size_t body_limit_;
  std::vector<char> drain_;
  std::size_t drained_ = 0;
  bool draining_ = false;
  bool closed_ = false;
};

class runtime_api : public std::enable_shared_from_this<runtime_api> {
 public:
  // `body_limit`: the largest request body read (a larger one gets on_body_too_large).
  runtime_api(strand executor, std::weak_ptr<api_handler> handler, std::size_t body_limit);

  // Binds 127.0.0.1 on an ephemeral port and listens. Call before start().
  bool open(std::string* error);
  std::uint16_t port() const noexcept { return port_; }
  // Accepts connections. On the strand.
  void start();
  // Stops accepting and closes every connection. On the strand. Idempotent.
  void close();

 private:
  void do_accept();
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

  strand strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;
  std::weak_ptr<api_handler> handler_;
  std::size_t body_limit_;
  std::vector<std::weak_ptr<api_connection>> connections_;
  std::uint16_t port_ = 0;
  bool closed_ = false;
};

}  // namespace fogbank::workers
