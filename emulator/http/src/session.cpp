#include "session.hpp"

#include "content_coding.hpp"
#include "http_api_front.hpp"
#include "io_threads.hpp"
#include "log.hpp"
#include "ws_session.hpp"

#include "fogbank/core/http_date.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <limits>

namespace fogbank::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {

// After refusing a request whose body is not read (413, malformed HTTP), the rest of what the
// client sends is read and thrown away before closing: closing a socket with unread data resets
// the connection, and the client could lose the response. Bounded in time and bytes.
constexpr std::chrono::seconds drain_timeout{5};
constexpr std::size_t drain_chunk = 64 * 1024;
// How long a TLS connection's close_notify exchange may take before the socket just closes.
constexpr std::chrono::seconds tls_shutdown_timeout{2};

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

// The Date header's text for `at`: formatted once a second on each I/O thread, not once a
// response (gmtime_r and snprintf were 2% of a GetItem's CPU under load).
const std::string& http_date_text(core::time_point at) {
  thread_local std::int64_t formatted_second = std::numeric_limits<std::int64_t>::min();
  thread_local std::string text;
  const std::int64_t second = std::chrono::floor<std::chrono::seconds>(at.time_since_epoch()).count();
  if (second != formatted_second) {
    text = core::format_http_date(at);
    formatted_second = second;
  }
  return text;
}

// The response's status line and header fields, as Beast's serializer lays them out
// (boost/beast/http/impl/fields.hpp, basic_fields::writer): "HTTP/X.Y ### reason\r\n", each
// field as "Name: value\r\n" in the order it was inserted, and an empty line.
void append_head(const response& res, std::string& out) {
  const unsigned version = res.version();
  const unsigned code = res.result_int();
  const char start[] = {'H',
                        'T',
                        'T',
                        'P',
                        '/',
                        static_cast<char>('0' + version / 10),
                        '.',
                        static_cast<char>('0' + version % 10),
                        ' ',
                        static_cast<char>('0' + code / 100),
                        static_cast<char>('0' + (code / 10) % 10),
                        static_cast<char>('0' + code % 10),
                        ' '};
  out.append(start, sizeof start);
  out.append(sv(res.reason()));
  out.append("\r\n");
  for (const auto& field : res) {
    out.append(sv(field.name_string()));
    out.append(": ");
    out.append(sv(field.value()));
    out.append("\r\n");
  }
  out.append("\r\n");
}

}  // namespace

// ---- session_registry ---------------------------------------------------------------------------

bool session_registry::add(const std::shared_ptr<session>& s) {
  std::lock_guard lock(mutex_);
  if (closing_) return false;
  sessions_.emplace(s.get(), s);
  return true;
}

bool session_registry::add(const std::shared_ptr<ws_session>& s) {
  std::lock_guard lock(mutex_);
  if (closing_) return false;
  websockets_.emplace(s.get(), s);
  return true;
}

void session_registry::remove(const session* s) noexcept {
  std::lock_guard lock(mutex_);
  sessions_.erase(s);
  if (sessions_.empty() && websockets_.empty()) empty_.notify_all();
}

void session_registry::remove(const ws_session* s) noexcept {
  std::lock_guard lock(mutex_);
  websockets_.erase(s);
  if (sessions_.empty() && websockets_.empty()) empty_.notify_all();
}

session_registry::live session_registry::close() {
  std::lock_guard lock(mutex_);
  closing_ = true;
  live out;
  for (auto& [key, weak] : sessions_) {
    if (auto s = weak.lock()) out.sessions.push_back(std::move(s));
  }
  for (auto& [key, weak] : websockets_) {
    if (auto s = weak.lock()) out.websockets.push_back(std::move(s));
  }
  return out;
}

bool session_registry::wait_empty(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return empty_.wait_for(lock, timeout, [this] { return sessions_.empty() && websockets_.empty(); });
}

// ---- session ------------------------------------------------------------------------------------

session::session(flex_stream&& stream, beast::flat_buffer&& buffer, router& router,
                 session_registry& registry, const server_options& options)
    : stream_(std::move(stream)),
      executor_(stream_.get_executor()),
      buffer_(std::move(buffer)),
      router_(router),
      registry_(registry),
      options_(options),
      deadline_timer_(executor_) {}

session::~session() {
  registry_.remove(this);
}

void session::run() {
  if (!registry_.add(shared_from_this())) {
    // Accepted while the server was stopping.
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return;
  }
  // The socket was accepted onto a strand: start there, so every handler of this session runs on it.
  net::dispatch(executor_, beast::bind_front_handler(&session::do_read, shared_from_this()));
}

void session::shutdown() {
  net::post(executor_, beast::bind_front_handler(&session::on_shutdown, shared_from_this()));
}

void session::on_shutdown() {
  stopping_ = true;
  switch (phase_) {
    case phase::reading_header:
    case phase::reading_body:
      // Idle between requests, or part of a request in: nothing has reached a service yet, so
      // nothing is owed. Close now rather than wait for the rest (issue 6, finding 8: a
      // half-sent request used to hold the exit for the whole grace period).
      return abort_read();
    case phase::dispatching:
      // A long poll would hold shutdown for up to 20 s: answer it now with an empty receive. Its
      // response arrives through on_response like any other. (A call answered synchronously is
      // never seen here: it runs on this strand from start to response.)
      if (pending_) pending_->abandon();
      return;
    case phase::writing:
      // on_write closes once the response is out.
      return;
    case phase::draining:
      // Swallowing a refused body is a courtesy that shutdown does not wait for; the refusal
      // itself, if still being written, goes out first (on_write).
      if (!response_) stream_.next_layer().cancel();
      return;
    case phase::closed:
      return;
  }
}

void session::abort_read() {
  // Cancelling alone is not enough: a composed read (Beast's async_read) between two reads of
  // the socket has nothing pending to cancel, and would go on to wait for more. Shutting the
  // receive side down makes every later read of an empty socket end at once (end of stream),
  // while a request already received whole is still read, served and answered.
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_receive, ignored);
  stream_.next_layer().cancel();
}

void session::do_read() {
  phase_ = phase::reading_header;
  // Told to stop before the first read started.
  if (stopping_) return do_close();
  parser_.emplace();
  // Where the request goes is known only once its header is in: the header is read with the
  // largest limit of any service, and on_read_header narrows it.
  body_limit_ = router_.max_body_limit(options_.body_limit);
  parser_->body_limit(body_limit_);
  parser_->header_limit(options_.header_limit);
  set_deadline(options_.idle_timeout);
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&session::on_read_header, shared_from_this()));
}

void session::on_read_header(beast::error_code ec, std::size_t) {
  // A read that completed just as its deadline closed the socket is not served.
  if (ec || timed_out_) return on_read_failed(ec);
  const auto& header = parser_->get();
  body_limit_ = router_.body_limit(header, options_.body_limit);
  if (const auto length = parser_->content_length(); length && *length > body_limit_) {
    // Refused before any of the body is read (or a 100-continue asked for).
    return on_read_failed(bhttp::error::body_limit);
  }
  // A chunked body is counted against the request's own limit as it arrives.
  parser_->body_limit(body_limit_);
  if (beast::iequals(bsv(header_value(header, bhttp::field::expect)), "100-continue")) {
    // A client that waits for the go-ahead has sent no body: when stopping, nothing is owed.
    if (stopping_) return do_close();
    // The client waits for a go-ahead before sending the body (curl and the Java SDK do this
    // for large bodies). An oversized body never gets here: the parser already refused it.
    continue_.emplace(bhttp::status::continue_, header.version());
    set_deadline(options_.io_timeout);
    return bhttp::async_write(stream_, *continue_,
                              beast::bind_front_handler(&session::on_continue_sent, shared_from_this()));
  }
  do_read_body();
}

void session::on_continue_sent(beast::error_code ec, std::size_t) {
  continue_.reset();
  if (ec || stopping_) return do_close();
  do_read_body();
}

void session::do_read_body() {
  phase_ = phase::reading_body;
  // Nearly every request arrives whole in the read that brought its header. Its body is then
  // parsed here, as Beast's async_read would parse it, but without the trip through the strand
  // that async_read takes to complete when it has nothing to wait for.
  if (const std::optional<beast::error_code> ec = parse_buffered_body()) return on_read_body(*ec, 0);
  set_deadline(options_.io_timeout);
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&session::on_read_body, shared_from_this()));
}

std::optional<beast::error_code> session::parse_buffered_body() {
  parser_->eager(true);
  beast::error_code ec;
  while (!parser_->is_done() && buffer_.size() > 0) {
    const std::size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == bhttp::error::need_more) return std::nullopt;  // the rest is still on its way
    if (ec) return ec;                                       // as async_read would report it
    if (used == 0) break;
  }
  if (parser_->is_done()) return beast::error_code{};
  return std::nullopt;
}

void session::on_read_body(beast::error_code ec, std::size_t) {
  if (ec || timed_out_) return on_read_failed(ec);
  phase_ = phase::dispatching;
  clear_deadline();
  // The request outlives the parser: a deferred answer may still read it (nothing else touches
  // it until on_response).
  request_.emplace(parser_->release());
  parser_.reset();
  gzip_response_ = false;  // until decode_request_body() finds the client takes gzip
  if (options_.websocket != nullptr && is_api_upgrade(*request_)) {
    // A WebSocket client of an API: its socket belongs to a ws_session from now on.
    phase_ = phase::closed;
    // A shutdown() racing with the handover finds phase closed and leaves stream_ alone.
    return start_websocket_session(std::move(stream_), std::move(*request_), *options_.websocket, registry_);
  }
  std::optional<response> res;
  {
    // The call runs here, on this I/O thread; if it takes long, the monitor adds a thread so
    // that other connections and the health endpoint are still served (io_threads.hpp).
    const io_threads::call_scope in_call;
    std::optional<apigw::http_api_request> api_call;
    if (options_.http_apis != nullptr) api_call = http_api_call_of(*request_, *options_.http_apis);
    if (api_call) {
      // A call to an API Gateway HTTP API (http_api_front.hpp).
      beast::error_code socket_error;
      const auto remote = stream_.socket().remote_endpoint(socket_error);
      api_call->source_ip = socket_error ? std::string() : remote.address().to_string();
      const auto local = stream_.socket().local_endpoint(socket_error);
      api_call->port = socket_error ? std::string() : std::to_string(local.port());
      api_call->tls = stream_.is_tls();
      res = serve_http_api(std::move(*api_call), *request_, *this, *options_.http_apis);
    } else {
      // Before the body is decoded: the signature covers the bytes as sent (gzip included).
      // Nothing is computed when the server has no credentials.
      const std::optional<sigv4::verdict> signature = router_.verify(*request_);
      if (const std::optional<bhttp::status> refused = decode_request_body()) {
        res = router_.bad_request(*refused);
      } else {
        res = router_.handle(*request_, *this, stream_.is_tls(), signature ? &*signature : nullptr);
      }
    }
  }
  if (!res) {
    // Answered later, through the reply taken from defer(); at once if the server is stopping.
    if (stopping_ && pending_) pending_->abandon();
    return;
  }
  on_response(std::move(*res));
}

std::shared_ptr<deferred_reply> session::defer() {
  pending_ = std::make_shared<deferred_reply>([self = shared_from_this()](response res) {
    // Any thread: the session's state belongs to its strand.
    net::post(self->executor_, [self, res = std::move(res)]() mutable { self->on_response(std::move(res)); });
  });
  return pending_;
}

void session::on_response(response res) {
  pending_.reset();
  request_.reset();
  if (stopping_) res.keep_alive(false);
  if (gzip_response_) compress_response(res);
  do_write(std::move(res));
}

std::optional<bhttp::status> session::decode_request_body() {
  gzip_response_ = accepts_gzip(header_value(*request_, bhttp::field::accept_encoding));
  const std::optional<std::string_view> coding = find_header(*request_, bhttp::field::content_encoding);
  if (!coding) return std::nullopt;
  switch (decode_body(*coding, request_->body(), body_limit_)) {
    case decode_status::ok:
      break;
    case decode_status::unsupported:
      return bhttp::status::unsupported_media_type;
    case decode_status::malformed:
      return bhttp::status::bad_request;
    case decode_status::too_large:
      return bhttp::status::payload_too_large;
  }
  // The services see the body as if it had been sent plain.
  request_->erase(bhttp::field::content_encoding);
  request_->prepare_payload();
  return std::nullopt;
}

void session::compress_response(response& res) const {
  // Small bodies go out plain: DynamoDB "does not GZip the content" of small responses
  // (aws-amplify/aws-sdk-ios#201); the threshold is fogbank's.
  constexpr std::size_t min_gzip_bytes = 1024;
  if (res.body().size() < min_gzip_bytes || res.find(bhttp::field::content_encoding) != res.end()) return;
  res.body() = gzip(res.body());
  res.set(bhttp::field::content_encoding, "gzip");
  res.set(bhttp::field::vary, "Accept-Encoding");
  // DynamoDB's CRC32 is of the body as sent, after gzip (smithy-lang/smithy-kotlin#158).
  if (res.find("x-amz-crc32") != res.end()) res.set("x-amz-crc32", crc32_decimal(res.body()));
  res.prepare_payload();
}

void session::on_read_failed(beast::error_code ec) {
  if (timed_out_ || ec == bhttp::error::partial_message) {
    // The client went quiet or hung up halfway through a request: nobody to answer.
    phase_ = phase::closed;
    return;
  }
  if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted) return do_close();
  if (ec == bhttp::error::body_limit) {
    response res = router_.too_large(parser_->get(), body_limit_);
    phase_ = phase::draining;
    return do_write(std::move(res));
  }
  if (ec == bhttp::error::header_limit) {
    phase_ = phase::draining;
    // A request line that alone runs past the limit has a target too long to parse: 414 (RFC
    // 9112, section 3); otherwise the header fields are too large: 431 (RFC 6585). The parser
    // hands over the method and target as soon as it has read the whole request line.
    const bool request_line_read = !parser_->get().target().empty();
    return do_write(router_.bad_request(request_line_read ? bhttp::status::request_header_fields_too_large
                                                          : bhttp::status::uri_too_long));
  }
  if (is_parse_error(ec)) {
    phase_ = phase::draining;
    return do_write(router_.bad_request(bhttp::status::bad_request));
  }
  // Connection reset and the like: nothing to answer. The socket closes with the session.
  phase_ = phase::closed;
}

void session::do_write(response res) {
  // Every response carries a Date, as AWS's do (RFC 9110 makes it a MUST for an origin server
  // with a clock).
  static const core::real_clock wall_clock;
  res.set(bhttp::field::date, http_date_text((options_.clock ? options_.clock : &wall_clock)->now()));
  const bool draining = phase_ == phase::draining;
  if (!draining) phase_ = phase::writing;
  response_.emplace(std::move(res));
  set_deadline(options_.io_timeout);
  // One gather write of the header's text and the body: what Beast's async_write(message) sends,
  // without its serializer's layers of buffer views (9% of a GetItem's CPU beside the 15% of
  // sendmsg itself).
  head_.clear();
  append_head(*response_, head_);
  const std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(response_->body())};
  net::async_write(stream_, buffers,
                   beast::bind_front_handler(&session::on_write, shared_from_this(), response_->need_eof()));
}

void session::on_write(bool close, beast::error_code ec, std::size_t) {
  response_.reset();
  if (ec) {
    phase_ = phase::closed;
    return;
  }
  // A refused request's connection is drained before it closes, unless the server is stopping.
  if (phase_ == phase::draining && !stopping_) return do_drain();
  if (close || stopping_) return do_close();
  do_read();
}

void session::do_drain() {
  if (drain_.empty()) {
    // The response is out: tell the client nothing more is coming, then read until it is done.
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    drain_.resize(drain_chunk);
    set_deadline(drain_timeout);
  }
  stream_.async_read_some(net::buffer(drain_),
                          beast::bind_front_handler(&session::on_drain, shared_from_this()));
}

void session::on_drain(beast::error_code ec, std::size_t bytes) {
  drained_ += bytes;
  // Enough to swallow the refused body of a client that ignores the early response.
  const std::size_t cap = std::max<std::size_t>(4 * options_.body_limit, 64 * 1024 * 1024);
  if (ec || drained_ > cap) {
    phase_ = phase::closed;
    return;  // the socket closes with the session
  }
  do_drain();
}

void session::do_close() {
  phase_ = phase::closed;
  if (timed_out_) return;  // the deadline closed the socket already
  if (stream_.is_tls() && !stopping_) {
    // TLS ends with close_notify (Beast's flex server example does the same); bounded in time,
    // and skipped when stopping, which does not wait for it.
    set_deadline(tls_shutdown_timeout);
    return stream_.tls().async_shutdown(
        beast::bind_front_handler(&session::on_tls_shutdown, shared_from_this()));
  }
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

void session::on_tls_shutdown(beast::error_code) {
  // Whether the client answered close_notify or not, the socket closes with the session.
  clear_deadline();
}

void session::set_deadline(std::chrono::steady_clock::duration timeout) {
  const auto now = std::chrono::steady_clock::now();
  deadline_ = now + timeout;
  if (deadline_ < timer_at_) arm_deadline_timer(std::min(deadline_, now + timer_interval()));
}

void session::arm_deadline_timer(std::chrono::steady_clock::time_point at) {
  timer_at_ = at;
  deadline_timer_.expires_at(at);  // cancels the wait before, if any
  // A weak reference: an idle timer must not keep a finished session alive. The timer goes
  // with the session, which ends its wait.
  deadline_timer_.async_wait(
      [weak = weak_from_this(), generation = ++timer_generation_](beast::error_code ec) {
        if (const auto self = weak.lock()) self->on_deadline_timer(generation, ec);
      });
}

void session::on_deadline_timer(std::uint64_t generation, beast::error_code ec) {
  // A wait that was replaced ends cancelled, or (had it just completed) with a stale number.
  if (generation != timer_generation_ || ec == net::error::operation_aborted) return;
  timer_at_ = std::chrono::steady_clock::time_point::max();
  // Not the phase: a closing TLS connection is `closed` while its close_notify exchange still
  // runs under a deadline. (The WebSocket handover clears the deadline before it moves stream_.)
  if (deadline_ == std::chrono::steady_clock::time_point::max()) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < deadline_) return arm_deadline_timer(std::min(deadline_, now + timer_interval()));
  // Past the deadline: end whatever read or write is under way, as a stream deadline would.
  timed_out_ = true;
  beast::error_code ignored;
  stream_.socket().close(ignored);
}

}  // namespace fogbank::http
