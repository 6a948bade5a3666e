#include "fogbank/apigw/websocket.hpp"

#include "authorizer.hpp"
#include "authorizer_cache.hpp"
#include "events.hpp"
#include "route_selection.hpp"

#include "fogbank/apigw/service.hpp"
#include "fogbank/core/encoding.hpp"
#include "fogbank/core/json_limits.hpp"
#include "fogbank/core/log.hpp"
#include "fogbank/dispatch/client.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace fogbank::apigw {
namespace {

using json = nlohmann::json;

// A proxy response nests no deeper than this before fogbank reads it (core::max_request_nesting).
constexpr int max_response_nesting = 128;

// The frame AWS sends a caller whose message's integration failed, byte for byte as wscat shows
// it (aws-samples/simple-websockets-chat-app#42, nearst/laconia#41, middyjs/middy#1219).
std::string internal_error_frame(std::string_view connection_id, std::string_view request_id) {
  return error_frame("Internal server error", connection_id, request_id);
}

// The refusal of an upgrade to an API or stage that does not exist (unconfirmed: AWS's hosts do
// not resolve for an unknown API; an unknown stage answers 403 there).
connect_outcome refused(int status, std::string message) {
  connect_outcome out;
  out.status = status;
  out.body = json{{"message", std::move(message)}}.dump();
  return out;
}

// An authorizer's decision: the refusal it makes, or `record` admitted with
// requestContext.authorizer.
void apply_decision(authorizer_decision decision, connection_record record,
                    const std::function<void(connection_record)>& admitted,
                    const std::function<void(connect_outcome)>& done) {
  if (decision.status != 200) {
    done(refused(decision.status, decision.status == 401   ? "Unauthorized"
                                  : decision.status == 403 ? "Forbidden"
                                                           : "Internal server error"));
    return;
  }
  record.authorizer = std::move(decision.authorizer);
  admitted(std::move(record));
}

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

int status_of(const std::optional<json>& response) {
  // A handler that answers without a statusCode (or returns nothing) is taken as accepting
  // (unconfirmed).
  if (!response || !response->is_object()) return 200;
  const auto it = response->find("statusCode");
  if (it == response->end()) return 200;
  if (it->is_number_integer()) return it->get<int>();
  if (it->is_string()) {
    try {
      return std::stoi(it->get<std::string>());
    } catch (const std::exception&) {
      return 502;
    }
  }
  return 502;
}

}  // namespace

websocket_gateway::websocket_gateway(const service& apis, connection_registry& connections,
                                     const dispatch::client& client, core::clock& clock)
    : apis_(apis),
      connections_(connections),
      client_(client),
      clock_(clock),
      authorizer_cache_(std::make_unique<authorizer_cache>(clock)) {
  connections_.set_disconnect_handler(
      [this](const connection_record& record, const disconnect_info& info) { on_disconnect(record, info); });
}

websocket_gateway::~websocket_gateway() = default;

void websocket_gateway::invoke(const std::string& function_arn, const std::string& region,
                               const std::string& account_id, const json& event,
                               std::function<void(std::optional<json>)> done) {
  core::call_context context = client_.default_context();
  context.region = region;
  context.account_id = account_id;
  const json request = {{"FunctionName", function_arn},
                        {"InvocationType", "RequestResponse"},
                        {"Payload", core::base64_encode(event_payload(event))}};
  client_.call("lambda", "Invoke", request, context, [done = std::move(done)](core::call_result result) {
    if (!result.ok()) {
      core::log_error("API Gateway: invoking the integration failed: " + std::string(result.error->name()) +
                      ": " + result.error->message());
      done(std::nullopt);
      return;
    }
    if (result.body.contains("FunctionError")) {
      done(std::nullopt);
      return;
    }
    std::optional<std::string> payload = core::base64_decode_lenient(result.body.value("Payload", ""));
    if (!payload) {
      done(std::nullopt);
      return;
    }
    // An empty payload (a handler returning nothing) is a null response, not a failure.
    if (payload->empty()) {
      done(json(nullptr));
      return;
    }
    done(core::parse_json_within(*payload, max_response_nesting));
  });
}

void websocket_gateway::connect(upgrade request, std::weak_ptr<connection_link> link,
                                std::function<void(connect_outcome)> done) {
  const std::shared_ptr<const websocket_api> api = apis_.find_websocket_api(request.api_id);
  if (!api) {
    done(refused(404, "Not Found"));
    return;
  }
  if (!api->has_stage(request.stage)) {
    done(refused(403, "Forbidden"));
    return;
  }
  connection_record record;
  record.connection_id = connections_.new_connection_id();
  record.api_id = request.api_id;
  record.stage = request.stage;
  record.domain_name = request.domain_name;
  record.source_ip = request.source_ip;
  for (const auto& [name, value] : request.headers) {
    if (same_name(name, "User-Agent")) record.user_agent = value;
  }
  record.connected_at = clock_.now();
  record.last_active_at = record.connected_at;

  const auto accept = [this, link, done](connection_record accepted) {
    connect_outcome out;
    out.accepted = true;
    out.connection_id = accepted.connection_id;
    connections_.add(std::move(accepted), link);
    done(std::move(out));
  };

  const websocket_route* route = api->find_route("$connect");
  upgrade_request wire;
  wire.headers = std::move(request.headers);
  wire.query = std::move(request.query);
  wire.forwarded_proto = request.tls ? "https" : "http";
  wire.forwarded_port = request.port;
  // $connect's integration, once the authorizer (if any) admitted `admitted`.
  auto integrate = [this, api, route, wire, accept, done](connection_record admitted) {
    if (route == nullptr || route->function_arn.empty()) {
      accept(std::move(admitted));
      return;
    }
    const json event = connect_event(admitted, wire, connections_.new_event_id(), clock_.now());
    invoke(route->function_arn, api->region, api->account_id, event,
           [accept, done, admitted](std::optional<json> response) mutable {
             if (!response) {
               // An integration that fails refuses the upgrade as API Gateway answers integration
               // failures: 502 (unconfirmed for $connect).
               done(refused(502, "Internal server error"));
               return;
             }
             const int status = status_of(response);
             if (status >= 200 && status < 300) {
               accept(std::move(admitted));
               return;
             }
             connect_outcome out;
             out.status = status;
             if (response->is_object() && response->contains("body") && (*response)["body"].is_string()) {
               out.body = (*response)["body"].get<std::string>();
             }
             done(std::move(out));
           });
  };
  if (route == nullptr || route->authorizer_function_arn.empty()) {
    integrate(std::move(record));
    return;
  }
  authorize(*api, *route, wire, std::move(record), std::move(integrate), std::move(done));
}

void websocket_gateway::authorize(const websocket_api& api, const websocket_route& route,
                                  const upgrade_request& wire, connection_record record,
                                  std::function<void(connection_record)> admitted,
                                  std::function<void(connect_outcome)> done) {
  // authorizer.hpp: a missing identity source is 401 before the function runs.
  if (!missing_identity_source(route.identity_sources, wire.headers, wire.query).empty()) {
    done(refused(401, "Unauthorized"));
    return;
  }
  std::optional<std::string> cache_key;
  if (route.authorizer_ttl > std::chrono::seconds::zero()) {
    cache_key = authorizer_cache_key(api.api_id, route.authorizer_id, record.stage, route.identity_sources,
                                     wire.headers, wire.query);
    if (cache_key) {
      if (std::optional<authorizer_decision> cached = authorizer_cache_->find(*cache_key)) {
        apply_decision(std::move(*cached), std::move(record), admitted, done);
        return;
      }
    }
  }
  const std::string method_arn =
      websocket_method_arn(api.region, api.account_id, api.api_id, record.stage, "$connect");
  const json event = request_authorizer_event(
      connect_event(record, wire, connections_.new_event_id(), clock_.now()), method_arn);
  core::call_context context = client_.default_context();
  context.region = api.region;
  context.account_id = api.account_id;
  const json invoke_request = {{"FunctionName", route.authorizer_function_arn},
                               {"InvocationType", "RequestResponse"},
                               {"Payload", core::base64_encode(event_payload(event))}};
  client_.call("lambda", "Invoke", invoke_request, context,
               [method_arn, cache = authorizer_cache_.get(), cache_key, ttl = route.authorizer_ttl,
                record = std::move(record), admitted = std::move(admitted),
                done = std::move(done)](core::call_result result) mutable {
                 authorizer_decision decision = decide(result, method_arn);
                 if (cache_key) cache->store(*cache_key, decision, ttl);
                 apply_decision(std::move(decision), std::move(record), admitted, done);
               });
}

void websocket_gateway::message(std::string_view connection_id, std::string data, bool binary) {
  if (binary) {
    // "API Gateway WebSocket APIs don't currently support binary frames in incoming message
    // payloads. If a client app sends a binary frame, API Gateway rejects it and disconnects the
    // client with code 1003." (developer guide, "Binary media types for WebSocket APIs")
    connections_.end(connection_id, {disconnect_info::cause::unsupported_data, 1003, ""});
    return;
  }
  if (!connections_.touch(connection_id)) return;
  const std::optional<connection_record> record = connections_.find(connection_id);
  if (!record) return;
  const std::shared_ptr<const websocket_api> api = apis_.find_websocket_api(record->api_id);
  const std::string request_id = connections_.new_event_id();
  std::optional<std::string> key;
  if (api && api->selection) {
    key = select_route(*api->selection, data, binary,
                       [&](std::string_view k) { return api->find_route(k) != nullptr; });
  }
  if (!key) {
    connections_.post(connection_id, forbidden_frame(connection_id, request_id), false);
    return;
  }
  const websocket_route* route = api->find_route(*key);
  // A route without an integration takes the message and does nothing with it.
  if (route->function_arn.empty()) return;
  const json event =
      message_event(*record, *key, connections_.new_event_id(), request_id, clock_.now(), data, binary);
  const bool two_way = route->two_way;
  invoke(route->function_arn, api->region, api->account_id, event,
         [this, id = std::string(connection_id), request_id, two_way](std::optional<json> response) {
           if (!response) {
             connections_.post(id, internal_error_frame(id, request_id), false);
             return;
           }
           if (!two_way || !response->is_object()) return;
           const auto body = response->find("body");
           if (body == response->end() || body->is_null()) return;
           // A body that is not a string goes back as its JSON text (unconfirmed).
           connections_.post(id, body->is_string() ? body->get<std::string>() : body->dump(), false);
         });
}

void websocket_gateway::closed(std::string_view connection_id, int code, std::string reason) {
  const disconnect_info::cause why =
      code == 1006 ? disconnect_info::cause::dropped : disconnect_info::cause::client_close;
  connections_.closed(connection_id, {why, code, std::move(reason)});
}

void websocket_gateway::on_disconnect(const connection_record& record, const disconnect_info& info) {
  const std::shared_ptr<const websocket_api> api = apis_.find_websocket_api(record.api_id);
  if (!api) return;
  const websocket_route* route = api->find_route("$disconnect");
  if (route == nullptr || route->function_arn.empty()) return;
  const json event = disconnect_event(record, info, connections_.new_event_id(), clock_.now());
  // $disconnect's answer goes nowhere: the socket is closed already.
  invoke(route->function_arn, api->region, api->account_id, event, [](std::optional<json>) {});
}

}  // namespace fogbank::apigw
