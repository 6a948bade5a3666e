#include "ws_session.hpp"

#include "io_threads.hpp"
#include "log.hpp"
#include "session.hpp"

#include "fogbank/apigw/websocket.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <chrono>
#include <string_view>
#include <utility>

namespace fogbank::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

constexpr std::string_view path_prefix = "/ws/";
constexpr std::string_view host_marker = ".execute-api.";
// How long the client gets to complete the handshake once $connect has accepted it.
constexpr std::chrono::seconds handshake_timeout{30};
// The close reason for a frame over apigw::max_frame_bytes (AWS's wording unconfirmed).
constexpr std::string_view frame_too_big_reason = "Frame too big";

struct api_target {
  std::string api_id;
  std::string stage;
  std::string query;
};

// The API, stage and query an upgrade addresses, or nullopt.
std::optional<api_target> target_of(const request& req) {
  std::string_view target(req.target().data(), req.target().size());
  api_target out;
  if (const std::size_t q = target.find('?'); q != std::string_view::npos) {
    out.query = std::string(target.substr(q + 1));
    target = target.substr(0, q);
  }
  if (target.starts_with(path_prefix)) {
    target.remove_prefix(path_prefix.size());
    const std::size_t slash = target.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    out.api_id = std::string(target.substr(0, slash));
    out.stage = std::string(target.substr(slash + 1));
  } else {
    // AWS's host form: <api-id>.execute-api.localhost:4566/<stage>
    const std::string_view host(req[bhttp::field::host].data(), req[bhttp::field::host].size());
    const std::size_t marker = host.find(host_marker);
    if (marker == std::string_view::npos || marker == 0 || !target.starts_with('/')) return std::nullopt;
    out.api_id = std::string(host.substr(0, marker));
    out.stage = std::string(target.substr(1));
  }
  while (!out.stage.empty() && out.stage.back() == '/') out.stage.pop_back();
  if (out.api_id.empty() || out.stage.empty() || out.stage.find('/') != std::string::npos)
    return std::nullopt;
  return out;
}

}  // namespace

bool is_api_upgrade(const request& req) {
  return websocket::is_upgrade(req) && target_of(req).has_value();
}

void start_websocket_session(flex_stream&& stream, request&& req, apigw::websocket_gateway& gateway,
                             session_registry& registry) {
  auto s = std::make_shared<ws_session>(std::move(stream), gateway, registry);
  if (!registry.add(s)) return;  // the server is stopping: the socket closes with `s`
  s->run(std::move(req));
}

ws_session::ws_session(flex_stream&& stream, apigw::websocket_gateway& gateway, session_registry& registry)
    : ws_(std::move(stream)), gateway_(gateway), registry_(registry) {}

ws_session::~ws_session() {
  registry_.remove(this);
  // A session that ends without its close reaching the gateway (the server stopping): the
  // connection dropped.
  if (!connection_id_.empty() && !reported_) gateway_.closed(connection_id_, 1006, "");
}

void ws_session::run(request&& req) {
  upgrade_ = std::move(req);
  const std::optional<api_target> target = target_of(upgrade_);
  apigw::upgrade u;
  u.api_id = target->api_id;
  u.stage = target->stage;
  u.query = target->query;
  u.domain_name = std::string(upgrade_[bhttp::field::host]);
  u.tls = ws_.next_layer().is_tls();
  beast::error_code ec;
  const auto remote = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
  u.source_ip = ec ? std::string() : remote.address().to_string();
  const auto local = beast::get_lowest_layer(ws_).socket().local_endpoint(ec);
  u.port = ec ? std::string() : std::to_string(local.port());
  for (const auto& field : upgrade_)
    u.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  // The HTTP session's deadline no longer applies: the WebSocket stream keeps its own.
  beast::get_lowest_layer(ws_).expires_never();
  // $connect's function may run here, on this I/O thread: marked as a call, as HTTP requests are
  // (io_threads.hpp), so a slow one does not hold other connections up.
  const io_threads::call_scope in_call;
  gateway_.connect(
      std::move(u), weak_from_this(), [self = shared_from_this()](apigw::connect_outcome outcome) {
        // Any thread: the session's state belongs to its strand.
        net::post(self->ws_.get_executor(),
                  [self, outcome = std::move(outcome)]() mutable { self->on_outcome(std::move(outcome)); });
      });
}

void ws_session::on_outcome(apigw::connect_outcome outcome) {
  if (stopping_) {
    // The server stopped while $connect ran: the upgrade is never answered.
    closed_ = true;
    if (outcome.accepted) {
      connection_id_ = std::move(outcome.connection_id);
      report_closed(1001, "Going away");
    }
    return;
  }
  if (!outcome.accepted) {
    closed_ = true;
    refusal_.emplace(static_cast<bhttp::status>(outcome.status), upgrade_.version());
    refusal_->set(bhttp::field::content_type, "application/json");
    refusal_->body() = std::move(outcome.body);
    refusal_->keep_alive(false);
    refusal_->prepare_payload();
    beast::get_lowest_layer(ws_).expires_after(handshake_timeout);
    return bhttp::async_write(ws_.next_layer(), *refusal_,
                              beast::bind_front_handler(&ws_session::on_refused, shared_from_this()));
  }
  connection_id_ = std::move(outcome.connection_id);
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = handshake_timeout;
  timeouts.idle_timeout = websocket::stream_base::none();  // the service's idle timeout applies
  timeouts.keep_alive_pings = false;
  ws_.set_option(timeouts);
  ws_.read_message_max(apigw::max_message_bytes);
  // fogbank's own header (AWS sends none): lets a test client such as `fogbank run --endpoint`
  // learn the connection id a handler sees, which API Gateway tells only the handlers.
  ws_.set_option(websocket::stream_base::decorator(
      [id = connection_id_](websocket::response_type& res) { res.set("X-Fogbank-Connection-Id", id); }));
  ws_.async_accept(upgrade_, beast::bind_front_handler(&ws_session::on_accept, shared_from_this()));
}

void ws_session::on_refused(beast::error_code, std::size_t) {
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
}

void ws_session::on_accept(beast::error_code ec) {
  if (ec) {
    closed_ = true;
    return report_closed(1006, "");
  }
  open_ = true;
  ws_.next_layer().meter_frames(&frame_meter_);
  if (!queue_.empty()) do_write();
  do_read();
}

void ws_session::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
}

void ws_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    open_ = false;
    closed_ = true;
    if (ec == websocket::error::closed) {
      return report_closed(ws_.reason().code == websocket::close_code::none ? 1005 : ws_.reason().code,
                           std::string(ws_.reason().reason.data(), ws_.reason().reason.size()));
    }
    if (ec == websocket::error::message_too_big) return report_closed(1009, "Message too big");
    return report_closed(1006, "");
  }
  if (frame_meter_.largest() > apigw::max_frame_bytes) {
    // A message with a frame over 32 KB: AWS closes the connection with 1009 (see the header).
    // The meter sees what Beast has read, which may run ahead of this message: a message just
    // before an oversized frame in the same read is dropped too (the connection closes anyway).
    buffer_.consume(buffer_.size());
    closed_ = true;
    report_closed(1009, std::string(frame_too_big_reason));
    return do_close(1009, std::string(frame_too_big_reason), false);
  }
  const bool binary = ws_.got_binary();
  std::string data = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  {
    const io_threads::call_scope in_call;  // the route's function may run here (see run())
    gateway_.message(connection_id_, std::move(data), binary);
  }
  do_read();
}

bool ws_session::send(std::string data, bool binary) {
  if (closed_) return false;
  net::post(ws_.get_executor(), [self = shared_from_this(), data = std::move(data), binary]() mutable {
    // Not closed_: a send accepted before close() was called is posted before the close, and
    // is written before the close frame.
    if (self->closing_) return;
    self->queue_.push_back({std::move(data), binary});
    if (self->open_ && !self->writing_) self->do_write();
  });
  return true;
}

void ws_session::do_write() {
  writing_ = true;
  ws_.binary(queue_.front().binary);
  ws_.async_write(net::buffer(queue_.front().data),
                  beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
}

void ws_session::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  queue_.pop_front();
  if (ec) return;  // the read side sees the failure and reports it
  if (open_ && !queue_.empty()) return do_write();
  if (pending_close_) {
    auto [code, reason] = std::move(*pending_close_);
    pending_close_.reset();
    do_close(code, std::move(reason));
  }
}

void ws_session::close(std::uint16_t code, std::string reason) {
  closed_ = true;
  net::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
    self->do_close(code, std::move(reason));
  });
}

void ws_session::do_close(std::uint16_t code, std::string reason, bool after_queued) {
  // The gateway ended this connection: it knows already.
  reported_ = true;
  closing_ = true;
  if (!open_) return;
  if (after_queued && (writing_ || !queue_.empty())) {
    pending_close_.emplace(code, std::move(reason));
    return;
  }
  open_ = false;
  ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                  beast::bind_front_handler(&ws_session::on_close, shared_from_this()));
}

void ws_session::on_close(beast::error_code) {}

void ws_session::going_away() {
  closed_ = true;
  net::post(ws_.get_executor(), beast::bind_front_handler(&ws_session::on_going_away, shared_from_this()));
}

void ws_session::on_going_away() {
  stopping_ = true;
  if (open_) {
    // $disconnect first, while the services are still there; then the close frame. The close
    // handshake is bounded by the stream's handshake timeout and by the server's grace period.
    report_closed(1001, "Going away");
    // Not after the queued frames: a client that does not read must not hold the stop up.
    return do_close(1001, "Going away", false);
  }
  // In $connect (on_outcome sees stopping_) or in the handshake (which fails on the closed
  // socket): nothing was accepted, nothing is owed.
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).cancel();
}

void ws_session::report_closed(int code, std::string reason) {
  if (reported_ || connection_id_.empty()) return;
  reported_ = true;
  gateway_.closed(connection_id_, code, std::move(reason));
}

}  // namespace fogbank::http
