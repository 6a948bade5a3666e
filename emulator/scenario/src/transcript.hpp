#pragma once
// The transcript of a run and the in-process pieces that feed it: WebSocket clients without
// sockets (a connection_link that keeps what it receives) and a runtime host wrapper that records
// each invocation with its event and result.

#include "model.hpp"

#include "fogbank/apigw/connections.hpp"
#include "fogbank/core/clock.hpp"
#include "fogbank/lambda/runtime_host.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace fogbank::scenario {

// Writes events as JSON lines: keys sorted, "t" the service time in milliseconds since the run's
// clock started. Handlers' SDK calls may arrive on a server thread while the driving thread waits
// for their invocation, so writes are serialized. Without a stream, writes nothing.
class transcript {
 public:
  explicit transcript(std::ostream* out) : out_(out) {}
  void start_clock(const core::clock& clock);
  // Writes `from` as `to` wherever it appears in a line (the server's host:port).
  void mask(std::string from, std::string to);
  void write(json event);

  // Every invocation recorded so far, in the order they completed: {function, event, outcome,
  // result, log}. Kept whether or not a stream is written (expect_invocations reads them).
  void record_invocation(json invocation);
  std::vector<json> invocations() const;

 private:
  std::vector<json> invocations_;
  std::ostream* out_;
  mutable std::mutex mutex_;
  const core::clock* clock_ = nullptr;
  core::time_point start_{};
  std::string mask_from_;
  std::string mask_to_;
};

// One scenario client's side of a WebSocket connection: what the gateway sends it is kept until
// an expect_frames takes it. Its transcript events are kept too and written when the step ends,
// client by client: a handler that posts to several connections at once (Promise.all) reaches
// them in an order only the network decides, while each client's own order is what it sees.
class client_link final : public apigw::connection_link {
 public:
  explicit client_link(std::string name) : name_(std::move(name)) {}

  bool send(std::string data, bool binary) override;
  void close(std::uint16_t code, std::string reason) override;

  // The frames received since the last take (text; binary frames as their bytes).
  std::vector<std::string> take_frames();
  // The close code when the server closed the connection.
  std::optional<int> closed_by_server() const;
  // The client itself closed or dropped: later sends to it fail (GoneException).
  void mark_closed();
  // The transcript events (frames, a close by the server) not yet written.
  std::vector<json> take_events();

 private:
  std::string name_;
  mutable std::mutex mutex_;
  std::vector<std::string> frames_;
  std::vector<json> events_;
  std::optional<int> server_close_;
  bool closed_ = false;
};

// A payload (an event, a result) as transcripts and journals show it: JSON when it parses, else
// the text.
json payload_value(const std::string& text);
// "success", "function_error", "timeout", "crashed", "init_error".
std::string outcome_name(lambda::outcome_kind kind);

// Records "invoke" (the event) and "result" (the outcome, the payload and the log) of every
// invocation the wrapped host runs.
std::shared_ptr<lambda::runtime_host> record_invocations(std::shared_ptr<lambda::runtime_host> host,
                                                         transcript& log);

}  // namespace fogbank::scenario
