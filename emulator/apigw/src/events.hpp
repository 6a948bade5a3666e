#pragma once
// The Lambda proxy events of a WebSocket API: CONNECT ($connect), MESSAGE (every routed message)
// and DISCONNECT ($disconnect), in AWS's shapes. Pure functions over what the connection and the
// frame carried: no clock reads, no ids drawn (the caller passes both), so a seeded run builds the
// same events byte for byte.
//
// Shapes, member by member, from events captured from AWS and published (third-party, raw JSON):
//   - CONNECT, MESSAGE, DISCONNECT (2025): github.com, a WebSocket handler's fixture file
//     (connectEvent, defaultEvent, disconnectEvent; ids masked by its author);
//   - CONNECT (2020): gist.github.com/noid11/4aa8933d0b5cdbcc09d377c5d65d28c1;
//   - MESSAGE (2020): a game server's handler comment ("Example contents of the `event` param").
// The 2020 captures add members that are always null for a Lambda proxy caller
// (identity.cognitoIdentityPoolId, identity.user, ..., and messageId/disconnect* on CONNECT);
// fogbank follows the 2025 shape, which leaves them out.

#include "fogbank/apigw/connections.hpp"
#include "fogbank/core/clock.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fogbank::apigw {

// What the WebSocket upgrade request carried, as the HTTP front end read it.
struct upgrade_request {
  std::vector<std::pair<std::string, std::string>> headers;  // as sent, in order
  std::string query;                                         // the raw query string, without '?'
  std::string forwarded_proto = "http";                      // X-Forwarded-Proto: "http", or "https" over TLS
  std::string forwarded_port;  // X-Forwarded-Port: the port the client connected to
};

// requestTime's form: "13/Dec/2020:10:17:47 +0000" (always UTC).
std::string format_request_time(core::time_point at);

// The $connect event. `connection.connected_at` is the time of the upgrade; `request_id` is also
// the extendedRequestId (as in every capture). Headers as sent plus X-Forwarded-For/-Port/-Proto
// where the client sent none; `headers` keeps the last value of a repeated header,
// `multiValueHeaders` all of them; query parameters likewise, both members absent without a
// query string.
nlohmann::json connect_event(const connection_record& connection, const upgrade_request& request,
                             std::string_view request_id, core::time_point at);

// A MESSAGE event for the message `data` routed to `route_key`. A binary message's body is base64
// with isBase64Encoded true.
nlohmann::json message_event(const connection_record& connection, std::string_view route_key,
                             std::string_view message_id, std::string_view request_id, core::time_point at,
                             std::string_view data, bool binary);

// The $disconnect event, with disconnectStatusCode and disconnectReason from `info`. Its headers
// are the few AWS sends on $disconnect (Host, X-Forwarded-For, and empty x-api-key and
// x-restapi), not the upgrade's.
nlohmann::json disconnect_event(const connection_record& connection, const disconnect_info& info,
                                std::string_view request_id, core::time_point at);

// The Invoke payload of `event`: its JSON text, any byte sequence that is not UTF-8 (a header
// value, a query string, a text message from an in-process caller) as U+FFFD. Never throws for
// client bytes.
std::string event_payload(const nlohmann::json& event);

}  // namespace fogbank::apigw
