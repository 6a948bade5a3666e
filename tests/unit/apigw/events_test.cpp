// The WebSocket proxy events, member by member against events captured from AWS (sources in
// src/events.hpp): the 2025 captures' member sets, with the values fogbank gives.

#include "events.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

namespace fogbank::apigw {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const core::time_point connected{std::chrono::milliseconds{1'742'085'982'306}};  // the capture's connectedAt

connection_record record() {
  connection_record r;
  r.connection_id = "Kf2bqd9WywMCEng=";
  r.api_id = "st9ayyxbo0";
  r.stage = "production";
  r.domain_name = "127.0.0.1:4566";
  r.source_ip = "127.0.0.1";
  r.user_agent = "Mozilla/5.0";
  r.connected_at = connected;
  r.last_active_at = connected;
  return r;
}

std::set<std::string> keys(const json& object) {
  std::set<std::string> out;
  for (const auto& [key, value] : object.items()) out.insert(key);
  return out;
}

// requestContext's members in every 2025 capture.
const std::set<std::string> common_context = {
    "routeKey",    "eventType",        "extendedRequestId", "requestTime", "messageDirection", "stage",
    "connectedAt", "requestTimeEpoch", "identity",          "requestId",   "domainName",       "connectionId",
    "apiId"};

TEST(websocket_events, request_time_has_aws_s_form) {
  // The 2025 CONNECT capture: connectedAt 1742085982306, requestTime "16/Mar/2025:00:46:22 +0000".
  EXPECT_EQ(format_request_time(connected), "16/Mar/2025:00:46:22 +0000");
  EXPECT_EQ(format_request_time(core::time_point{std::chrono::seconds{1'607'854'667}}),
            "13/Dec/2020:10:17:47 +0000");
}

TEST(websocket_events, connect_event_matches_the_captured_shape) {
  upgrade_request request;
  request.headers = {{"Host", "127.0.0.1:4566"},
                     {"Sec-WebSocket-Key", "X/MA+DSRXZ8WnITjBpxm3g=="},
                     {"Sec-WebSocket-Version", "13"},
                     {"User-Agent", "Mozilla/5.0"},
                     {"X-Custom", "a"},
                     {"X-Custom", "b"}};
  request.query = "token=abc%20d&room=1&room=2";
  request.forwarded_port = "4566";
  const json event = connect_event(record(), request, "Kf2dGGnuywMFdFA=", connected);

  EXPECT_EQ(keys(event),
            (std::set<std::string>{"headers", "multiValueHeaders", "queryStringParameters",
                                   "multiValueQueryStringParameters", "requestContext", "isBase64Encoded"}));
  EXPECT_EQ(event["isBase64Encoded"], false);
  EXPECT_EQ(event["headers"]["Sec-WebSocket-Version"], "13");
  EXPECT_EQ(event["headers"]["X-Custom"], "b");
  EXPECT_EQ(event["multiValueHeaders"]["X-Custom"], (json{"a", "b"}));
  EXPECT_EQ(event["headers"]["X-Forwarded-For"], "127.0.0.1");
  EXPECT_EQ(event["headers"]["X-Forwarded-Port"], "4566");
  EXPECT_EQ(event["headers"]["X-Forwarded-Proto"], "http");
  EXPECT_EQ(event["multiValueHeaders"]["Host"], (json{"127.0.0.1:4566"}));
  EXPECT_EQ(event["queryStringParameters"], (json{{"token", "abc d"}, {"room", "2"}}));
  EXPECT_EQ(event["multiValueQueryStringParameters"], (json{{"token", {"abc d"}}, {"room", {"1", "2"}}}));

  const json& context = event["requestContext"];
  EXPECT_EQ(keys(context), common_context);
  EXPECT_EQ(context["routeKey"], "$connect");
  EXPECT_EQ(context["eventType"], "CONNECT");
  EXPECT_EQ(context["messageDirection"], "IN");
  EXPECT_EQ(context["requestId"], "Kf2dGGnuywMFdFA=");
  EXPECT_EQ(context["extendedRequestId"], "Kf2dGGnuywMFdFA=");
  EXPECT_EQ(context["requestTime"], "16/Mar/2025:00:46:22 +0000");
  EXPECT_EQ(context["connectedAt"], 1'742'085'982'306);
  EXPECT_EQ(context["requestTimeEpoch"], 1'742'085'982'306);
  EXPECT_EQ(context["stage"], "production");
  EXPECT_EQ(context["domainName"], "127.0.0.1:4566");
  EXPECT_EQ(context["connectionId"], "Kf2bqd9WywMCEng=");
  EXPECT_EQ(context["apiId"], "st9ayyxbo0");
  EXPECT_EQ(context["identity"], (json{{"userAgent", "Mozilla/5.0"}, {"sourceIp", "127.0.0.1"}}));
}

TEST(websocket_events, connect_without_a_query_string_has_no_query_members) {
  upgrade_request request;
  request.headers = {{"X-Forwarded-For", "10.0.0.1"}};
  connection_record r = record();
  r.user_agent.clear();
  const json event = connect_event(r, request, "id", connected);
  EXPECT_FALSE(event.contains("queryStringParameters"));
  EXPECT_FALSE(event.contains("multiValueQueryStringParameters"));
  // A client's own X-Forwarded-For stays (a proxy in front of fogbank).
  EXPECT_EQ(event["multiValueHeaders"]["X-Forwarded-For"], (json{"10.0.0.1"}));
  // No User-Agent header: null, as in the 2020 capture of a wscat client.
  EXPECT_TRUE(event["requestContext"]["identity"]["userAgent"].is_null());
}

TEST(websocket_events, message_event_matches_the_captured_shape) {
  const json event =
      message_event(record(), "sendmessage", "Kf2dGd9lywMCEng=", "Kf2dGGnuywMFdFA=", connected + 467ms,
                    R"({"action":"sendmessage"})", false);
  EXPECT_EQ(keys(event), (std::set<std::string>{"requestContext", "body", "isBase64Encoded"}));
  EXPECT_EQ(event["body"], R"({"action":"sendmessage"})");
  EXPECT_EQ(event["isBase64Encoded"], false);
  std::set<std::string> expected = common_context;
  expected.insert("messageId");
  const json& context = event["requestContext"];
  EXPECT_EQ(keys(context), expected);
  EXPECT_EQ(context["eventType"], "MESSAGE");
  EXPECT_EQ(context["routeKey"], "sendmessage");
  EXPECT_EQ(context["messageId"], "Kf2dGd9lywMCEng=");
  EXPECT_EQ(context["connectedAt"], 1'742'085'982'306);
  EXPECT_EQ(context["requestTimeEpoch"], 1'742'085'982'773);

  const json binary =
      message_event(record(), "$default", "m", "r", connected, std::string("\x00\xff", 2), true);
  EXPECT_EQ(binary["body"], "AP8=");
  EXPECT_EQ(binary["isBase64Encoded"], true);
}

TEST(websocket_events, disconnect_event_matches_the_captured_shape) {
  const json event =
      disconnect_event(record(), {disconnect_info::cause::client_close, 1001, ""}, "r", connected + 16483ms);
  EXPECT_EQ(keys(event),
            (std::set<std::string>{"headers", "multiValueHeaders", "requestContext", "isBase64Encoded"}));
  EXPECT_EQ(event["headers"], (json{{"Host", "127.0.0.1:4566"},
                                    {"x-api-key", ""},
                                    {"X-Forwarded-For", "127.0.0.1"},
                                    {"x-restapi", ""}}));
  EXPECT_EQ(event["multiValueHeaders"]["x-restapi"], (json{""}));
  std::set<std::string> expected = common_context;
  expected.insert("disconnectStatusCode");
  expected.insert("disconnectReason");
  const json& context = event["requestContext"];
  EXPECT_EQ(keys(context), expected);
  EXPECT_EQ(context["eventType"], "DISCONNECT");
  EXPECT_EQ(context["routeKey"], "$disconnect");
  EXPECT_EQ(context["disconnectStatusCode"], 1001);
  EXPECT_EQ(context["disconnectReason"], "");
  EXPECT_EQ(context["requestTime"], "16/Mar/2025:00:46:38 +0000");
  EXPECT_EQ(context["requestTimeEpoch"], 1'742'085'998'789);
}

// Found by the apigw_route fuzz target (fuzz/findings/apigw_route/crash-c8dfc0fe...): client
// bytes that are not UTF-8 made the payload's serialization throw (type_error 316) instead of
// reaching the function.
TEST(websocket_events, payloads_carry_bytes_that_are_not_utf8_as_replacement_characters) {
  const std::string message_payload = event_payload(
      message_event(record(), "$default", "m", "r", connected, std::string("\xff\xfe", 2), false));
  EXPECT_EQ(json::parse(message_payload).value("body", ""), "\xef\xbf\xbd\xef\xbf\xbd") << message_payload;
  upgrade_request upgrade;
  upgrade.headers = {{"Host", "127.0.0.1:4566"}, {"X-Name", "caf\xe9"}};
  upgrade.query = "name=caf\xe9";
  const std::string connect_payload = event_payload(connect_event(record(), upgrade, "r", connected));
  const json parsed = json::parse(connect_payload);
  EXPECT_EQ(parsed["headers"].value("X-Name", ""), "caf\xef\xbf\xbd") << connect_payload;
  EXPECT_EQ(parsed["queryStringParameters"].value("name", ""), "caf\xef\xbf\xbd") << connect_payload;
}

}  // namespace
}  // namespace fogbank::apigw
