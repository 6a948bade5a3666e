#include "control_plane.hpp"

#include "utf8.hpp"

#include <charconv>

namespace fogbank::apigw::control {

json to_storage(const api_record& record) {
  return {{"region", record.region},
          {"account", record.account_id},
          {"api", record.api},
          {"routes", record.routes},
          {"integrations", record.integrations},
          {"stages", record.stages},
          {"deployments", record.deployments},
          {"routeResponses", record.route_responses},
          {"authorizers", record.authorizers}};
}

api_record from_storage(const json& stored) {
  api_record out;
  out.region = stored.at("region").get<std::string>();
  out.account_id = stored.at("account").get<std::string>();
  out.api = stored.at("api");
  out.routes = stored.at("routes");
  out.integrations = stored.at("integrations");
  out.stages = stored.at("stages");
  out.deployments = stored.at("deployments");
  // Records written before route responses existed have none.
  out.route_responses = stored.value("routeResponses", json::array());
  out.authorizers = stored.value("authorizers", json::array());
  return out;
}

void bad_request(std::string message) {
  throw core::aws_error(core::error_code::apigw_bad_request, std::move(message));
}
void not_found(std::string message) {
  throw core::aws_error(core::error_code::apigw_not_found, std::move(message));
}
void conflict(std::string message) {
  throw core::aws_error(core::error_code::apigw_conflict, std::move(message));
}

// The wording of the input errors below is fogbank's own (unconfirmed): botocore checks types,
// required members and lengths before sending, so AWS's own messages for them are rarely seen.
std::optional<std::string> optional_string(const json& request, std::string_view member,
                                           std::size_t max_length) {
  const auto it = request.find(member);
  if (it == request.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) bad_request("Invalid input: " + std::string(member) + " must be a string");
  std::string value = it->get<std::string>();
  // Found by the apigw_route fuzz target: such a string reached storage, whose serialization
  // refused it with the generic "Invalid request body". In-process callers can send any bytes
  // (the HTTP front end's JSON parser refuses them first).
  if (!valid_utf8(value)) bad_request("Invalid input: " + std::string(member) + " must be UTF-8 text");
  if (value.size() > max_length) {
    bad_request("Invalid input: " + std::string(member) + " must be at most " + std::to_string(max_length) +
                " characters long");
  }
  return value;
}

std::string required_string(const json& request, std::string_view member, std::size_t max_length) {
  std::optional<std::string> value = optional_string(request, member, max_length);
  if (!value || value->empty()) bad_request("Invalid input: " + std::string(member) + " is required");
  return std::move(*value);
}

std::optional<bool> optional_bool(const json& request, std::string_view member) {
  const auto it = request.find(member);
  if (it == request.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) bad_request("Invalid input: " + std::string(member) + " must be a boolean");
  return it->get<bool>();
}

std::optional<json> optional_string_map(const json& request, std::string_view member) {
  const auto it = request.find(member);
  if (it == request.end() || it->is_null()) return std::nullopt;
  if (!it->is_object()) bad_request("Invalid input: " + std::string(member) + " must be a map of strings");
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string() || !valid_utf8(key) || !valid_utf8(value.get_ref<const std::string&>()))
      bad_request("Invalid input: " + std::string(member) + " must be a map of UTF-8 strings");
  }
  return *it;
}

std::string iso_timestamp(core::time_point at) {
  // "YYYY-MM-DDTHH:MM:SS.mmm" -> to the second, with the zone AWS gives.
  return core::format_iso8601_millis(at).substr(0, 19) + "Z";
}

json page(const json& items, const json& request) {
  std::size_t size = max_page_size;
  if (std::optional<std::string> text = optional_string(request, "maxResults", 16)) {
    std::size_t parsed = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), parsed);
    if (ec != std::errc() || end != text->data() + text->size() || parsed == 0) {
      bad_request("Invalid input: maxResults must be a positive number");
    }
    size = std::min(parsed, max_page_size);
  }
  std::size_t start = 0;
  if (std::optional<std::string> token = optional_string(request, "nextToken", 64)) {
    const auto [end, ec] = std::from_chars(token->data(), token->data() + token->size(), start);
    if (ec != std::errc() || end != token->data() + token->size() || start > items.size()) {
      bad_request("Invalid input: nextToken is not valid");
    }
  }
  json out = {{"items", json::array()}};
  for (std::size_t i = start; i < items.size() && i < start + size; ++i) out["items"].push_back(items[i]);
  if (start + size < items.size()) out["nextToken"] = std::to_string(start + size);
  return out;
}

std::optional<std::string> function_arn_of(std::string_view uri) {
  constexpr std::string_view invocation_prefix = "arn:aws:apigateway:";
  constexpr std::string_view functions_marker = ":lambda:path/2015-03-31/functions/";
  constexpr std::string_view invocation_suffix = "/invocations";
  if (uri.starts_with(invocation_prefix)) {
    const std::size_t marker = uri.find(functions_marker);
    if (marker == std::string_view::npos || !uri.ends_with(invocation_suffix)) return std::nullopt;
    const std::size_t start = marker + functions_marker.size();
    if (start + invocation_suffix.size() > uri.size()) return std::nullopt;
    uri = uri.substr(start, uri.size() - start - invocation_suffix.size());
  }
  // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
  constexpr std::string_view lambda_prefix = "arn:aws:lambda:";
  if (!uri.starts_with(lambda_prefix)) return std::nullopt;
  const std::size_t function = uri.find(":function:");
  if (function == std::string_view::npos || function + 10 == uri.size()) return std::nullopt;
  return std::string(uri);
}

json* find_by(json& items, std::string_view id_member, std::string_view id) {
  for (json& item : items) {
    const auto it = item.find(id_member);
    if (it != item.end() && it->is_string() && it->get_ref<const std::string&>() == id) return &item;
  }
  return nullptr;
}

const json* find_by(const json& items, std::string_view id_member, std::string_view id) {
  return find_by(const_cast<json&>(items), id_member, id);
}

}  // namespace fogbank::apigw::control
