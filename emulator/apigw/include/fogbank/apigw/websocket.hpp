#pragma once
// The WebSocket runtime: what happens when a client connects to `ws://host:port/ws/<api-id>/<stage>`,
// sends a message, or goes away. The HTTP front end owns the socket and calls in here; this
// side looks the API up, runs its routes' Lambda functions through the in-process client
// ("lambda", "Invoke", RequestResponse: the same path as any other caller), and answers through
// the connection registry.
//
//   connect():  $connect's REQUEST authorizer, if the route has one, admits or refuses first
//               (authorizer.hpp in src/: 401, 403 or 500); then $connect's function (if the route has one)
//               decides: a 2xx statusCode accepts, any other status refuses the upgrade with that status; no
//               $connect route, or one without an integration, accepts (AWS's behaviour).
//   message():  route selection; the route's function gets a MESSAGE event; a two-way route's
//               handler `body` goes back to the caller; no route and no $default: AWS's
//               Forbidden frame.
//   closed():   the connection leaves the registry and $disconnect's function runs (also on
//               DeleteConnection and the timeouts, through the registry's disconnect handler).
//
// Thread-safety: every member may be called from any thread. Completions run on the thread that
// finishes the Lambda invocation (the caller's for in-process handlers).

#include "fogbank/apigw/connections.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fogbank::core {
class clock;
}
namespace fogbank::dispatch {
class client;
}

namespace fogbank::apigw {

class service;
struct websocket_api;
struct websocket_route;
class authorizer_cache;
struct upgrade_request;

// One WebSocket upgrade request, as the HTTP front end read it.
struct upgrade {
  std::string api_id;
  std::string stage;
  std::string domain_name;  // what events give as requestContext.domainName (the Host header)
  std::string source_ip;
  std::vector<std::pair<std::string, std::string>> headers;  // as sent
  std::string query;                                         // raw, without '?'
  bool tls = false;
  std::string port;  // the port the client connected to
};

// How an upgrade ends.
struct connect_outcome {
  bool accepted = false;
  std::string connection_id;  // when accepted
  int status = 200;           // when refused: the HTTP status to answer with
  std::string body;           // when refused: the body to answer with
};

class websocket_gateway {
 public:
  // All references must outlive the gateway. Installs the registry's disconnect handler.
  websocket_gateway(const service& apis, connection_registry& connections, const dispatch::client& client,
                    core::clock& clock);
  ~websocket_gateway();
  websocket_gateway(const websocket_gateway&) = delete;
  websocket_gateway& operator=(const websocket_gateway&) = delete;

  // Runs $connect for `request`. `link` is the socket the connection uses once accepted: it is
  // registered before `done` runs, not before, so a post from $connect's own handler answers
  // GoneException (as AWS is reported to: the connection is not open yet; unconfirmed). `done`
  // runs exactly once, now or when the function answers.
  void connect(upgrade request, std::weak_ptr<connection_link> link,
               std::function<void(connect_outcome)> done);

  // A message from connection `connection_id` (text, or binary when `binary`). Ignored for a
  // connection no longer registered.
  void message(std::string_view connection_id, std::string data, bool binary);

  // The client closed (`code`, `reason` from its close frame; 1005 when it sent none) or the
  // socket dropped (1006).
  void closed(std::string_view connection_id, int code, std::string reason);

 private:
  void on_disconnect(const connection_record& record, const disconnect_info& info);
  // $connect's REQUEST authorizer (authorizer.hpp): `admitted` runs with the record carrying
  // requestContext.authorizer when the function allows; else `done` refuses (401, 403, 500).
  void authorize(const websocket_api& api, const websocket_route& route, const upgrade_request& wire,
                 connection_record record, std::function<void(connection_record)> admitted,
                 std::function<void(connect_outcome)> done);
  // Invokes `function_arn` with `event`; `done` receives the parsed proxy response, or nullopt
  // when the invocation failed (an error, a function error, a payload that is not JSON).
  void invoke(const std::string& function_arn, const std::string& region, const std::string& account_id,
              const nlohmann::json& event, std::function<void(std::optional<nlohmann::json>)> done);

  const service& apis_;
  connection_registry& connections_;
  const dispatch::client& client_;
  core::clock& clock_;
  // $connect authorizers' answers within their AuthorizerResultTtlInSeconds (authorizer_cache.hpp).
  std::unique_ptr<authorizer_cache> authorizer_cache_;
};

}  // namespace fogbank::apigw
