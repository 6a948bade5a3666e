#pragma once
// WebSocket connections to API Gateway WebSocket APIs. An HTTP session whose request is a
// WebSocket upgrade to `ws://host:port/ws/<api-id>/<stage>[?query]` (or, in AWS's host form,
// `ws://<api-id>.execute-api.localhost:port/<stage>`) hands its socket to a ws_session, which
// asks the apigw gateway to run $connect, then accepts the upgrade (101) or answers the status
// $connect gave, and relays messages both ways.
//
// Shaped like Boost.Beast's chat-multi example (boost-1.74.0): one session per connection kept
// alive by shared_from_this, its own strand, one outstanding write with a queue behind it; the
// gateway's registry holds it by weak_ptr (apigw::connection_link), so a post to a closed
// connection is a GoneException, never a write to a dead session.
//
// Limits (AWS's WebSocket quotas): messages up to 128 KB (fragments reassembled; a larger one
// closes the connection with 1009, Beast's message_too_big), frames up to 32 KB (a message with a
// larger frame is dropped and the connection closed with 1009: Beast has no per-frame limit, so
// ws_frame_meter reads the frame headers as they arrive). Pings are answered with pongs by Beast.
// Frames to the client are Beast's, 4 KB at most (its default write buffer), within AWS's limit.

#include "flex_stream.hpp"
#include "wire.hpp"

#include "fogbank/apigw/connections.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace fogbank::apigw {
class websocket_gateway;
struct connect_outcome;
}  // namespace fogbank::apigw

namespace fogbank::http {

class session_registry;

// Whether `req` is a WebSocket upgrade that addresses an API: a path under /ws/, or a Host of the
// form <api-id>.execute-api.<anything>.
bool is_api_upgrade(const request& req);

// Takes over `stream` (an HTTP session's connection, plain or TLS, on its strand) for the upgrade
// `req`.
// `registry` must outlive the session; a registry that is closing (the server stopping) refuses
// it, and the connection just closes.
void start_websocket_session(flex_stream&& stream, request&& req, apigw::websocket_gateway& gateway,
                             session_registry& registry);

class ws_session final : public std::enable_shared_from_this<ws_session>, public apigw::connection_link {
 public:
  ws_session(flex_stream&& stream, apigw::websocket_gateway& gateway, session_registry& registry);
  ~ws_session() override;

  // Runs $connect for `req`, then accepts or refuses it.
  void run(request&& req);

  // apigw::connection_link: any thread.
  bool send(std::string data, bool binary) override;
  void close(std::uint16_t code, std::string reason) override;

  // The server is stopping: an open connection is closed with 1001 (Going Away) and the gateway
  // told so ($disconnect); one still in $connect or its handshake is dropped. Thread-safe.
  void going_away();

 private:
  void on_outcome(apigw::connect_outcome outcome);
  void on_accept(boost::beast::error_code ec);
  void on_refused(boost::beast::error_code ec, std::size_t bytes);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void do_close(std::uint16_t code, std::string reason, bool after_queued = true);
  void on_close(boost::beast::error_code ec);
  void on_going_away();
  // Tells the gateway the connection ended (once).
  void report_closed(int code, std::string reason);

  struct outgoing {
    std::string data;
    bool binary;
  };

  boost::beast::websocket::stream<flex_stream> ws_;
  boost::beast::flat_buffer buffer_;
  ws_frame_meter frame_meter_;  // the client's frames, once accepted (strand only)
  apigw::websocket_gateway& gateway_;
  session_registry& registry_;
  request upgrade_;
  std::optional<response> refusal_;
  std::string connection_id_;   // once accepted
  std::deque<outgoing> queue_;  // strand only; front() is being written while writing_
  bool writing_ = false;
  bool open_ = false;  // accepted and not closing
  bool reported_ = false;
  bool stopping_ = false;            // going_away() came (strand only)
  std::atomic<bool> closed_{false};  // no more sends accepted
  // A close the gateway asked for while frames were still queued: sent once they are written, so
  // that a post made before DeleteConnection still arrives (strand only).
  std::optional<std::pair<std::uint16_t, std::string>> pending_close_;
  bool closing_ = false;  // do_close() ran: frames posted after it are dropped (strand only)
};

}  // namespace fogbank::http
