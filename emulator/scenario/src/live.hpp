#pragma once
// `fogbank run --endpoint URL`: the runner's side of a running `fogbank serve`, over real sockets.
// Calls go over HTTP in AWS's JSON protocol (X-Amz-Target), WebSocket clients over real
// WebSocket connections, fogbank's own endpoints (/_fogbank/idle, /_fogbank/stacks) over plain
// GETs. Boost.Beast stays in live.cpp.
//
// Every network wait is bounded (io_bound): a server that stops answering fails the step with
// std::runtime_error instead of hanging the run.
//
// Thread-safety: one I/O thread of its own runs every socket; the calls below may come from any
// one thread at a time (the runner's).

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fogbank::scenario {

using json = nlohmann::json;

// Longest any one exchange with the server may take (connect, request, answer, a WebSocket close
// handshake): well above a handler's default Lambda timeout (3 s) and a cold Node.js start.
inline constexpr std::chrono::seconds io_bound{30};

struct live_call_result {
  int status = 0;
  json body;               // the response body (an object), or {} when it is empty
  std::string error_type;  // empty on success; the `__type` after its '#'
  std::string error_message;
};

struct live_upgrade {
  bool accepted = false;
  int status = 0;             // 101 when accepted, else the refusal's status
  std::string body;           // a refusal's body
  std::string connection_id;  // from fogbank's X-Fogbank-Connection-Id header
};

// One WebSocket client over a real connection: what it receives is kept until taken.
class live_socket {
 public:
  virtual ~live_socket() = default;
  // Sends a text frame and waits until it is written.
  virtual void send(const std::string& text) = 0;
  // A close handshake with `code` (waits for the server's close frame, up to io_bound).
  virtual void close(int code) = 0;
  // Closes the TCP connection without a close frame.
  virtual void drop() = 0;
  // Waits until at least `count` frames arrived since the last take (or the server closed the
  // connection, or `bound` passed), then returns every frame received since the last take.
  virtual std::vector<std::string> take_frames(std::size_t count, std::chrono::milliseconds bound) = 0;
  // The close code the server sent, once it closed the connection.
  virtual std::optional<int> closed_by_server() const = 0;
  // Waits until the server closed the connection (or `bound` passed): closed_by_server().
  virtual std::optional<int> wait_closed(std::chrono::milliseconds bound) = 0;
};

class live_endpoint {
 public:
  // `url`: "http://HOST:PORT" (a trailing '/' allowed). Throws std::runtime_error for anything
  // else, or a host that does not resolve.
  explicit live_endpoint(const std::string& url);
  ~live_endpoint();
  live_endpoint(const live_endpoint&) = delete;
  live_endpoint& operator=(const live_endpoint&) = delete;

  // "HOST:PORT", as clients name it in Host headers.
  const std::string& host_port() const noexcept;

  // An HTTP exchange: status and body (and the response's headers into `*response_headers`
  // when given). Throws std::runtime_error when the server cannot be reached or does not answer
  // within io_bound.
  std::pair<int, std::string> request(
      const std::string& method, const std::string& target,
      const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
      std::vector<std::pair<std::string, std::string>>* response_headers = nullptr);
  // GET of one of fogbank's own JSON endpoints; throws std::runtime_error unless it answers 200
  // with a JSON object.
  json get_json(const std::string& target);
  // An AWS call in the JSON protocol. Throws std::runtime_error for a service that has no JSON
  // protocol (only dynamodb, dynamodbstreams, sqs and sns have one here).
  live_call_result call(const std::string& service, const std::string& action, const json& input);
  // Opens a WebSocket connection to `target` ("/ws/<api-id>/<stage>?query") with `headers`
  // ("Host" among them replaces the default). nullptr when the upgrade was refused (`*outcome`
  // says how). Throws std::runtime_error when the server cannot be reached.
  std::shared_ptr<live_socket> connect(const std::string& target,
                                       const std::vector<std::pair<std::string, std::string>>& headers,
                                       live_upgrade* outcome);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace fogbank::scenario
