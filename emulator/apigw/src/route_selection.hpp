#pragma once
// WebSocket route selection: a RouteSelectionExpression such as `$request.body.action` picks the
// route of each incoming message by a member of its JSON body. Pure functions: no service, no
// clock.
//
// AWS (developer guide, "Working with routes for WebSocket APIs"): the expression is evaluated
// against the message; a message that is not JSON, or whose selected value matches no route
// key, goes to `$default`; without a `$default` route the caller receives an error frame
// (forbidden_frame) and nothing runs.

#include "fogbank/apigw/service.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::apigw {

// The deepest member path an expression may name. AWS states no limit (unconfirmed); ours bounds
// the work per message and keeps a hostile expression from naming thousands of levels.
inline constexpr std::size_t max_selection_path = 32;

// Incoming messages are parsed with this nesting limit (core::max_request_nesting): deeper
// documents are treated as non-JSON and go to $default, never recursed over.
inline constexpr int max_message_nesting = 128;

// `text` as a route selection expression: `$request.body.<path>` or `${request.body.<path>}`,
// path members separated by '.', each non-empty. nullopt for anything else (CreateApi answers
// BadRequestException).
std::optional<selection_expression> parse_route_selection(std::string_view text);

// The value `expression` selects from `message`: a string member as it is, a number or boolean as
// its JSON text. nullopt when the message is binary, not a JSON object, nests deeper than
// max_message_nesting, or lacks the member, or the member is an object, array or null (the message
// then goes to $default).
//
// Non-string values (unconfirmed): AWS documents only that "the service will use the route whose
// routeKey exactly matches the evaluated value", that `.action` is "a JSONPath expression", and that
// selection expressions are string templates ("${request.body.version}-beta") whose evaluation
// produces a key, so a scalar is read as its text: {"action": 7} selects route "7", {"action": true}
// route "true", {"action": 7.0} route "7.0" (the text of the parsed number: 1e2 selects "100.0", as a
// Java double prints). No AWS page, issue or emulator test found says what a null, object or array
// selects; fogbank sends those to $default, as it does a missing member. serverless-offline
// (src/events/websocket/WebSocketClients.js, _getRoute: `typeof route !== 'string'`) sends every
// non-string to $default, numbers and booleans included: a known difference.
std::optional<std::string> evaluate_route_selection(const selection_expression& expression,
                                                    std::string_view message, bool binary);

// The route key a message runs: the selected value if a route has that key, else "$default" if
// there is such a route, else nullopt (answer forbidden_frame). `has_route` says whether the API
// has a route of the given key.
std::optional<std::string> select_route(const selection_expression& expression, std::string_view message,
                                        bool binary, const std::function<bool(std::string_view)>& has_route);

// The frame a caller receives when no route takes its message, as AWS sends it:
// {"message": "Forbidden", "connectionId": "...", "requestId": "..."}.
std::string forbidden_frame(std::string_view connection_id, std::string_view request_id);
// The frame API Gateway sends a client for a message it could not handle, e.g. "Forbidden" (no
// route) or "Internal server error" (the integration failed), with AWS's exact spacing.
std::string error_frame(std::string_view message, std::string_view connection_id,
                        std::string_view request_id);

}  // namespace fogbank::apigw
