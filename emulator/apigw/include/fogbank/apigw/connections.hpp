#pragma once
// WebSocket connections: the registry of open connections with their idle and lifetime
// timeouts, and the @connections management API (apigatewaymanagementapi: PostToConnection,
// GetConnection, DeleteConnection) over it.
//
// The socket itself belongs to the HTTP front end, which implements connection_link for each
// WebSocket it accepts. The registry keeps only weak references to links, as Beast's chat-multi
// example keeps its sessions: a post to a connection whose socket is gone is a GoneException,
// never a crash or a write to a dead session.
//
// Timeouts run on the service clock as scheduler entries (a manual clock in tests and
// scenarios), never on a timer of their own.

#include "fogbank/core/clock.hpp"
#include "fogbank/core/service.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace fogbank::core {
class id_generator;
class scheduler;
}  // namespace fogbank::core

namespace fogbank::apigw {

// AWS's limits for WebSocket APIs ("Amazon API Gateway quotas for configuring and running a
// WebSocket API"): 128 KB messages (PostToConnection's Data included), 32 KB frames, 10 minutes
// idle, 2 hours per connection.
inline constexpr std::size_t max_message_bytes = 128 * 1024;
inline constexpr std::size_t max_frame_bytes = 32 * 1024;
inline constexpr std::chrono::minutes default_idle_timeout{10};
inline constexpr std::chrono::hours default_max_lifetime{2};

// The socket side of one connection, implemented by the HTTP front end's WebSocket session.
class connection_link {
 public:
  virtual ~connection_link() = default;
  // Queues one message to the client, as a binary frame if `binary`, else text. Never blocks on
  // the network. False when the socket is already closed. Thread-safe.
  virtual bool send(std::string data, bool binary) = 0;
  // Starts closing the socket with close `code` and `reason`. Idempotent. Thread-safe.
  virtual void close(std::uint16_t code, std::string reason) = 0;
};

// What is known of a connection: set at $connect, lastActiveAt moved by traffic.
struct connection_record {
  std::string connection_id;
  std::string api_id;
  std::string stage;
  std::string domain_name;  // what $connect's event gave as requestContext.domainName
  std::string source_ip;
  std::string user_agent;  // empty when the client sent none
  core::time_point connected_at;
  core::time_point last_active_at;
  // requestContext.authorizer of every event of the connection: what $connect's authorizer
  // allowed it with (its context and principalId); null without an authorizer.
  nlohmann::json authorizer;
};

// Why a connection ended, with the close status and reason $disconnect reports.
struct disconnect_info {
  enum class cause { client_close, dropped, deleted, idle_timeout, lifetime_limit, unsupported_data };
  cause why = cause::client_close;
  int status_code = 1000;
  std::string reason;
};

struct connection_timeouts {
  std::chrono::nanoseconds idle = default_idle_timeout;
  std::chrono::nanoseconds max_lifetime = default_max_lifetime;
};

class connection_registry {
 public:
  // Runs once for each connection that ends, after it has left the registry: the runtime's
  // $disconnect. Called on the thread that ended it (a session's, a management call's, or the
  // scheduler's for timeouts), without the registry's lock held.
  using disconnect_handler = std::function<void(const connection_record&, const disconnect_info&)>;

  // All references must outlive the registry.
  connection_registry(core::clock& clock, core::scheduler& scheduler, core::id_generator& ids,
                      connection_timeouts timeouts = {});
  ~connection_registry();
  connection_registry(const connection_registry&) = delete;
  connection_registry& operator=(const connection_registry&) = delete;

  // Set-up, before any connection: what runs when one ends.
  void set_disconnect_handler(disconnect_handler handler);

  // A fresh connection id in AWS's 16-character form (`$connect`'s event needs it before the
  // connection is accepted). Thread-safe.
  std::string new_connection_id();
  // A fresh request or message id in the same form. Thread-safe.
  std::string new_event_id();

  // Registers an accepted connection (connected_at and last_active_at set from the clock) and
  // schedules its idle and lifetime timeouts. Thread-safe.
  void add(connection_record record, std::weak_ptr<connection_link> link);

  // The connection `id`, or nullopt. Thread-safe.
  std::optional<connection_record> find(std::string_view id) const;
  std::size_t size() const;

  // A message from the client arrived: lastActiveAt moves to now, and so does the idle deadline.
  // False for an unknown id. Thread-safe.
  bool touch(std::string_view id);

  // Sends `data` to connection `id`. False (GoneException) when the id is unknown or its socket
  // has closed. A post does not move lastActiveAt: AWS's idle timeout counts client traffic
  // (unconfirmed). Thread-safe.
  bool post(std::string_view id, std::string data, bool binary);

  // The server ends connection `id` (DeleteConnection, a timeout): it leaves the registry, its
  // socket is closed with `info`'s status, and the disconnect handler runs. False when the id is
  // unknown (already gone). Thread-safe.
  bool end(std::string_view id, const disconnect_info& info);

  // The client closed or the socket dropped: the connection leaves the registry and the
  // disconnect handler runs. A no-op for an id already gone, so a DeleteConnection and the close
  // it causes fire $disconnect once. Thread-safe.
  void closed(std::string_view id, const disconnect_info& info);

 private:
  struct entry;
  // Removes `id` and returns what the disconnect handler needs, or nullopt.
  std::optional<std::pair<connection_record, std::shared_ptr<connection_link>>> take(std::string_view id);
  void schedule_idle_check(const std::string& id, core::time_point at);
  void on_idle_check(const std::string& id);

  core::clock& clock_;
  core::scheduler& scheduler_;
  core::id_generator& ids_;
  connection_timeouts timeouts_;
  disconnect_handler on_disconnect_;
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<entry>, std::less<>> connections_;
};

// The @connections management API as a service ("apigatewaymanagementapi"). Requests are the
// REST-JSON decoding of botocore's apigatewaymanagementapi model: {"connectionId": ..., "Data":
// <base64>} for PostToConnection (the URI label by its wire name, the payload blob under its
// member name), {"connectionId": ...} for GetConnection and DeleteConnection. GetConnection
// answers {"connectedAt", "identity": {"sourceIp", "userAgent"}, "lastActiveAt"}.
//
// Errors: GoneException (410) for an unknown or closed connection, PayloadTooLargeException (413)
// for Data over 128 KB, BadRequestException for a request without connectionId or Data.
class connections_service final : public core::service {
 public:
  explicit connections_service(connection_registry& connections);

  // PostToConnection, GetConnection, DeleteConnection; `done` runs before call() returns.
  // Thread-safe.
  void call(std::string_view operation, const nlohmann::json& request, const core::call_context& context,
            core::call_completion done) override;

  // {"websocket_connections": <count>}. Thread-safe.
  nlohmann::json health() const override;

 private:
  connection_registry& connections_;
};

}  // namespace fogbank::apigw
