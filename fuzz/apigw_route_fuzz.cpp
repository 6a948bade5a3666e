// API Gateway WebSocket route selection: a client's message (arbitrary bytes, deep JSON, huge
// numbers, invalid UTF-8) routed by a RouteSelectionExpression, both through the pure functions
// (route_selection.hpp) and through the gateway's message path on a manual-clock emulator whose
// routes have no functions; the events a message and an upgrade become are serialized as the
// gateway sends them to Lambda (events.hpp, event_payload).
//
// Oracles: nothing throws but an AWS error; UpdateApi accepts exactly the expressions
// parse_route_selection accepts that are UTF-8 text; the gateway answers a text message with AWS's
// Forbidden frame exactly when select_route finds no route (no route here has a function, so
// nothing else is sent), and a binary frame by closing the connection with 1003 (the harness then
// connects again).
//
// Input: one selector byte (bit 0: the text up to the first '\n' is a new RouteSelectionExpression
// for the API, set through UpdateApi; bit 1: a binary frame; bit 2: the API without a $default
// route), then the message.

#include "events.hpp"
#include "route_selection.hpp"
#include "utf8.hpp"

#include "fogbank/apigw/connections.hpp"
#include "fogbank/apigw/websocket.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/main/emulator.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace fogbank;
using json = nlohmann::json;

constexpr std::string_view default_expression = "$request.body.action";

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "%s\n", what.c_str());
  std::abort();
}

struct recording_link final : apigw::connection_link {
  std::vector<std::string> sent;
  std::vector<std::uint16_t> closes;
  bool send(std::string data, bool) override {
    sent.push_back(std::move(data));
    return true;
  }
  void close(std::uint16_t code, std::string) override { closes.push_back(code); }
};

struct api_under_test {
  std::string id;
  std::string connection_id;
  std::shared_ptr<recording_link> link = std::make_shared<recording_link>();
};

struct harness {
  harness() {
    emulator_options options;
    options.manual_clock = true;
    options.seed = 7;
    std::string error;
    emulator = emulator::open(options, &error);
    if (!emulator) fail("cannot open an emulator in memory: " + error);
    emulator->set_endpoint("http://127.0.0.1:4566");
    with_default = make_api({"$default", "x", "join", "1", "true", "a.b"});
    without_default = make_api({"x", "join", "1", "true", "a.b"});
  }

  json must(std::string_view operation, const json& request) {
    core::call_result result = emulator->client().call("apigatewayv2", operation, request);
    if (result.error) fail(std::string(operation) + " failed: " + result.error->message());
    return result.body;
  }

  api_under_test make_api(const std::vector<std::string>& keys) {
    api_under_test api;
    api.id = must("CreateApi", {{"name", "fuzz"},
                                {"protocolType", "WEBSOCKET"},
                                {"routeSelectionExpression", default_expression}})
                 .value("apiId", "");
    must("CreateStage", {{"apiId", api.id}, {"stageName", "dev"}});
    for (const std::string& key : keys) must("CreateRoute", {{"apiId", api.id}, {"routeKey", key}});
    connect(api);
    return api;
  }

  // Opens a new connection to `api` (its first, or after a binary frame closed the last).
  void connect(api_under_test& api) {
    api.link = std::make_shared<recording_link>();
    api.connection_id.clear();
    apigw::upgrade request;
    request.api_id = api.id;
    request.stage = "dev";
    request.domain_name = "127.0.0.1:4566";
    request.source_ip = "127.0.0.1";
    emulator->websocket_gateway().connect(request, api.link, [&](apigw::connect_outcome outcome) {
      if (!outcome.accepted) fail("the fuzz API refused its connection");
      api.connection_id = outcome.connection_id;
    });
    if (api.connection_id.empty()) fail("connect did not complete");
  }

  std::unique_ptr<fogbank::emulator> emulator;
  api_under_test with_default;
  api_under_test without_default;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static harness h;
  if (size == 0) return 0;
  const std::uint8_t selector = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const bool binary = (selector & 2) != 0;
  api_under_test& api = (selector & 4) != 0 ? h.without_default : h.with_default;

  std::string expression(default_expression);
  if ((selector & 1) != 0) {
    const std::size_t newline = rest.find('\n');
    expression = std::string(rest.substr(0, newline));
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
  }
  const std::optional<apigw::selection_expression> parsed = apigw::parse_route_selection(expression);
  const core::call_result update = h.emulator->client().call(
      "apigatewayv2", "UpdateApi", {{"apiId", api.id}, {"routeSelectionExpression", expression}});
  if (update.error && update.error->code() != core::error_code::apigw_bad_request) {
    fail("UpdateApi answered " + std::string(update.error->name()) + ": " + update.error->message());
  }
  // An expression that parses is accepted when it is UTF-8 text; refused otherwise, by name.
  const bool acceptable = parsed.has_value() && apigw::valid_utf8(expression);
  if (acceptable == update.error.has_value()) {
    fail("UpdateApi and parse_route_selection disagree on the expression");
  }
  if (parsed && !acceptable &&
      update.error->message() != "Invalid input: routeSelectionExpression must be UTF-8 text") {
    fail("UpdateApi refused an expression that is not UTF-8 with: " + update.error->message());
  }
  // A refused expression leaves the API's as it was: put the default back, so that every input
  // starts from the same API.
  if (!acceptable) h.must("UpdateApi", {{"apiId", api.id}, {"routeSelectionExpression", default_expression}});
  const std::string message(rest);

  // The pure path, against the API's own routes.
  const std::shared_ptr<const apigw::websocket_api> runtime = h.emulator->apigw().find_websocket_api(api.id);
  if (!runtime ||
      runtime->route_selection_expression != (acceptable ? expression : std::string(default_expression))) {
    fail("the runtime view does not show the updated expression");
  }
  std::optional<std::string> key;
  if (runtime->selection) {
    (void)apigw::evaluate_route_selection(*runtime->selection, message, binary);
    key = apigw::select_route(*runtime->selection, message, binary,
                              [&](std::string_view k) { return runtime->find_route(k) != nullptr; });
  }

  const std::optional<apigw::connection_record> record =
      h.emulator->websocket_connections().find(api.connection_id);
  if (!record) fail("the connection is gone");

  // The gateway's path: the Forbidden frame exactly when no route takes a text message; a binary
  // frame closes the connection with 1003, as API Gateway does.
  api.link->sent.clear();
  h.emulator->websocket_gateway().message(api.connection_id, message, binary);
  if (binary) {
    if (!api.link->sent.empty() || api.link->closes != std::vector<std::uint16_t>{1003}) {
      fail("a binary frame got " + std::to_string(api.link->sent.size()) + " frames and " +
           std::to_string(api.link->closes.size()) + " closes instead of one close with 1003");
    }
    if (h.emulator->websocket_connections().find(api.connection_id))
      fail("a binary frame left the connection open");
    h.connect(api);
  } else {
    if (api.link->sent.size() != (key ? 0u : 1u)) {
      fail("the gateway sent " + std::to_string(api.link->sent.size()) + " frames for a message " +
           (key ? "routed to " + *key : std::string("without a route")));
    }
    if (!key && !json::accept(api.link->sent.front())) fail("the Forbidden frame is not JSON");
  }

  // The events this message and an upgrade carrying it in a header and the query string become.
  (void)apigw::event_payload(
      apigw::message_event(*record, key.value_or("$default"), "m", "r", core::time_point{}, message, binary));
  apigw::upgrade_request upgrade;
  upgrade.headers = {{"Host", "127.0.0.1:4566"}, {"X-Fuzz", message}};
  upgrade.query = message;
  (void)apigw::event_payload(apigw::connect_event(*record, upgrade, "r", core::time_point{}));
  return 0;
}
