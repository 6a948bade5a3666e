#include "events.hpp"

#include "fogbank/core/encoding.hpp"
#include "fogbank/core/json_text.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace fogbank::apigw {
namespace {

using json = nlohmann::json;

std::int64_t epoch_millis(core::time_point at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

json user_agent_of(const connection_record& connection) {
  return connection.user_agent.empty() ? json(nullptr) : json(connection.user_agent);
}

// The members every WebSocket event's requestContext has.
json request_context(const connection_record& connection, std::string_view route_key,
                     std::string_view event_type, std::string_view request_id, core::time_point at) {
  return {{"routeKey", route_key},
          {"eventType", event_type},
          {"extendedRequestId", request_id},
          {"requestTime", format_request_time(at)},
          {"messageDirection", "IN"},
          {"stage", connection.stage},
          {"connectedAt", epoch_millis(connection.connected_at)},
          {"requestTimeEpoch", epoch_millis(at)},
          {"identity", {{"userAgent", user_agent_of(connection)}, {"sourceIp", connection.source_ip}}},
          {"requestId", request_id},
          {"domainName", connection.domain_name},
          {"connectionId", connection.connection_id},
          {"apiId", connection.api_id}};
}

// requestContext of a connection's event, with `authorizer` when $connect's authorizer allowed
// the connection (AWS passes it on to MESSAGE and DISCONNECT as well: developer guide, "Control
// access to WebSocket APIs with AWS Lambda REQUEST authorizers", unconfirmed for DISCONNECT).
json request_context_of(const connection_record& connection, std::string_view route_key,
                        std::string_view event_type, std::string_view request_id, core::time_point at) {
  json out = request_context(connection, route_key, event_type, request_id, at);
  if (!connection.authorizer.is_null()) out["authorizer"] = connection.authorizer;
  return out;
}

// Single- and multi-value maps of `pairs`, the single-value one keeping the last value.
void add_value_maps(json& event, const std::vector<std::pair<std::string, std::string>>& pairs,
                    const char* single_member, const char* multi_member) {
  json single = json::object();
  json multi = json::object();
  for (const auto& [name, value] : pairs) {
    single[name] = value;
    if (!multi.contains(name)) multi[name] = json::array();
    multi[name].push_back(value);
  }
  event[single_member] = std::move(single);
  event[multi_member] = std::move(multi);
}

}  // namespace

std::string format_request_time(core::time_point at) {
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(at));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[96];  // room for any int fields: keeps -Wformat-truncation quiet
  std::snprintf(text, sizeof text, "%02d/%s/%04d:%02d:%02d:%02d +0000", utc.tm_mday, months[utc.tm_mon % 12],
                utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return text;
}

json connect_event(const connection_record& connection, const upgrade_request& request,
                   std::string_view request_id, core::time_point at) {
  std::vector<std::pair<std::string, std::string>> headers = request.headers;
  const auto has = [&](std::string_view name) {
    return std::any_of(headers.begin(), headers.end(),
                       [&](const auto& h) { return same_name(h.first, name); });
  };
  // API Gateway adds these before the integration sees the request (every capture has them).
  if (!has("X-Forwarded-For")) headers.emplace_back("X-Forwarded-For", connection.source_ip);
  if (!has("X-Forwarded-Port") && !request.forwarded_port.empty()) {
    headers.emplace_back("X-Forwarded-Port", request.forwarded_port);
  }
  if (!has("X-Forwarded-Proto")) headers.emplace_back("X-Forwarded-Proto", request.forwarded_proto);

  json event = json::object();
  add_value_maps(event, headers, "headers", "multiValueHeaders");
  const auto query = core::query_pairs(request.query);
  if (!query.empty())
    add_value_maps(event, query, "queryStringParameters", "multiValueQueryStringParameters");
  event["requestContext"] = request_context_of(connection, "$connect", "CONNECT", request_id, at);
  event["isBase64Encoded"] = false;
  return event;
}

json message_event(const connection_record& connection, std::string_view route_key,
                   std::string_view message_id, std::string_view request_id, core::time_point at,
                   std::string_view data, bool binary) {
  json context = request_context_of(connection, route_key, "MESSAGE", request_id, at);
  context["messageId"] = message_id;
  return {{"requestContext", std::move(context)},
          {"body", binary ? core::base64_encode(data) : std::string(data)},
          {"isBase64Encoded", binary}};
}

json disconnect_event(const connection_record& connection, const disconnect_info& info,
                      std::string_view request_id, core::time_point at) {
  const std::vector<std::pair<std::string, std::string>> headers = {{"Host", connection.domain_name},
                                                                    {"x-api-key", ""},
                                                                    {"X-Forwarded-For", connection.source_ip},
                                                                    {"x-restapi", ""}};
  json event = json::object();
  add_value_maps(event, headers, "headers", "multiValueHeaders");
  json context = request_context_of(connection, "$disconnect", "DISCONNECT", request_id, at);
  context["disconnectStatusCode"] = info.status_code;
  context["disconnectReason"] = info.reason;
  event["requestContext"] = std::move(context);
  event["isBase64Encoded"] = false;
  return event;
}

std::string event_payload(const json& event) {
  // Header values, query strings and (from callers other than the HTTP front end, which refuses
  // text frames that are not UTF-8) message bodies are client bytes: one that is not UTF-8 is
  // sent to the function as U+FFFD rather than failing the serialization (what AWS sends there
  // is unconfirmed). Found by the apigw_route fuzz target (fuzz/findings/README.md).
  return core::to_json_text(event);
}

}  // namespace fogbank::apigw
