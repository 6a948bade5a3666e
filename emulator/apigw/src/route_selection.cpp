#include "route_selection.hpp"

#include "fogbank/core/json_limits.hpp"

namespace fogbank::apigw {
namespace {

constexpr std::string_view dollar_prefix = "$request.body.";
constexpr std::string_view brace_prefix = "${request.body.";

}  // namespace

std::optional<selection_expression> parse_route_selection(std::string_view text) {
  std::string_view path;
  if (text.starts_with(brace_prefix) && text.ends_with('}')) {
    path = text.substr(brace_prefix.size(), text.size() - brace_prefix.size() - 1);
  } else if (text.starts_with(dollar_prefix)) {
    path = text.substr(dollar_prefix.size());
  } else {
    return std::nullopt;
  }
  selection_expression out;
  while (true) {
    const std::size_t dot = path.find('.');
    const std::string_view member = path.substr(0, dot);
    if (member.empty() || member.find_first_of("${} ") != std::string_view::npos) return std::nullopt;
    if (out.body_path.size() == max_selection_path) return std::nullopt;
    out.body_path.emplace_back(member);
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  return out;
}

std::optional<std::string> evaluate_route_selection(const selection_expression& expression,
                                                    std::string_view message, bool binary) {
  if (binary) return std::nullopt;
  std::optional<nlohmann::json> parsed = core::parse_json_within(message, max_message_nesting);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  const nlohmann::json* at = &*parsed;
  for (const std::string& member : expression.body_path) {
    if (!at->is_object()) return std::nullopt;
    const auto it = at->find(member);
    if (it == at->end()) return std::nullopt;
    at = &*it;
  }
  if (at->is_string()) return at->get<std::string>();
  if (at->is_number() || at->is_boolean()) return at->dump();
  return std::nullopt;
}

std::optional<std::string> select_route(const selection_expression& expression, std::string_view message,
                                        bool binary, const std::function<bool(std::string_view)>& has_route) {
  if (std::optional<std::string> value = evaluate_route_selection(expression, message, binary)) {
    // A message cannot select a reserved route by naming it ("$connect" in its body): those run
    // only on their own events. (unconfirmed: AWS documents no such message reaching them.)
    if (!value->starts_with('$') && has_route(*value)) return value;
  }
  if (has_route("$default")) return std::string("$default");
  return std::nullopt;
}

std::string error_frame(std::string_view message, std::string_view connection_id,
                        std::string_view request_id) {
  // AWS's spacing, which no JSON serializer reproduces: a space after the first colon and after
  // each comma, none after the other colons (`{"message": "Forbidden", "connectionId":"XDmE...=",
  // "requestId":"XDmG...="}` as wscat shows it in many READMEs).
  return "{\"message\": " + nlohmann::json(message).dump() +
         ", \"connectionId\":" + nlohmann::json(connection_id).dump() +
         ", \"requestId\":" + nlohmann::json(request_id).dump() + "}";
}

std::string forbidden_frame(std::string_view connection_id, std::string_view request_id) {
  return error_frame("Forbidden", connection_id, request_id);
}

}  // namespace fogbank::apigw
