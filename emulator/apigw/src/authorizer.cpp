#include "authorizer.hpp"

#include "fogbank/core/encoding.hpp"
#include "fogbank/core/json_limits.hpp"

#include <algorithm>
#include <cctype>

namespace fogbank::apigw {
namespace {

using json = nlohmann::json;

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

bool has_query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    const std::size_t eq = part.find('=');
    if (eq != std::string_view::npos && eq + 1 < part.size() && core::url_decode(part.substr(0, eq)) == name)
      return true;
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

bool action_matches(const json& action) {
  const auto one = [](const json& a) {
    return a.is_string() && arn_matches(a.get_ref<const std::string&>(), "execute-api:Invoke");
  };
  if (action.is_array()) return std::any_of(action.begin(), action.end(), one);
  return one(action);
}

bool resource_matches(const json& resource, std::string_view method_arn) {
  const auto one = [&](const json& r) {
    return r.is_string() && arn_matches(r.get_ref<const std::string&>(), method_arn);
  };
  if (resource.is_array()) return std::any_of(resource.begin(), resource.end(), one);
  return one(resource);
}

authorizer_decision refuse(int status) {
  authorizer_decision out;
  out.status = status;
  return out;
}

authorizer_decision decide_answer(const json& answer, std::string_view method_arn) {
  if (!answer.is_object()) return refuse(500);
  const auto principal = answer.find("principalId");
  if (principal == answer.end() || !principal->is_string()) return refuse(500);
  const auto policy = answer.find("policyDocument");
  if (policy == answer.end() || !policy->is_object()) return refuse(500);
  json statements = policy->value("Statement", json());
  if (statements.is_object()) statements = json::array({statements});
  if (!statements.is_array() || statements.size() > max_policy_statements) return refuse(500);
  bool allowed = false;
  for (const json& statement : statements) {
    if (!statement.is_object()) return refuse(500);
    const std::string effect = statement.value("Effect", "");
    if (!action_matches(statement.value("Action", json())) ||
        !resource_matches(statement.value("Resource", json()), method_arn))
      continue;
    // An explicit Deny wins over any Allow (IAM's evaluation logic).
    if (effect == "Deny") return refuse(403);
    if (effect == "Allow") allowed = true;
  }
  if (!allowed) return refuse(403);
  json authorizer = json::object();
  if (const auto context = answer.find("context"); context != answer.end() && !context->is_null()) {
    if (!context->is_object()) return refuse(500);
    for (const auto& [key, value] : context->items()) {
      // "You can't set a JSON object or array as a valid value of any key in the context map"
      // (developer guide, "Output from an API Gateway Lambda authorizer").
      if (!value.is_string() && !value.is_number() && !value.is_boolean()) return refuse(500);
      authorizer[key] = value;
    }
  }
  authorizer["principalId"] = *principal;
  authorizer_decision out;
  out.status = 200;
  out.authorizer = std::move(authorizer);
  return out;
}

}  // namespace

std::string websocket_method_arn(std::string_view region, std::string_view account_id,
                                 std::string_view api_id, std::string_view stage,
                                 std::string_view route_key) {
  std::string out = "arn:aws:execute-api:";
  out.append(region).append(":").append(account_id).append(":").append(api_id);
  out.append("/").append(stage).append("/").append(route_key);
  return out;
}

std::string missing_identity_source(const std::vector<std::string>& sources,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    std::string_view query) {
  constexpr std::string_view header_prefix = "route.request.header.";
  constexpr std::string_view query_prefix = "route.request.querystring.";
  for (const std::string& source : sources) {
    const std::string_view s = source;
    if (s.starts_with(header_prefix)) {
      const std::string_view name = s.substr(header_prefix.size());
      const bool present = std::any_of(headers.begin(), headers.end(), [&](const auto& h) {
        return same_name(h.first, name) && !h.second.empty();
      });
      if (!present) return source;
    } else if (s.starts_with(query_prefix)) {
      if (!has_query_value(query, s.substr(query_prefix.size()))) return source;
    }
  }
  return {};
}

std::string identity_source_value(std::string_view source,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  std::string_view query) {
  constexpr std::string_view header_prefix = "route.request.header.";
  constexpr std::string_view query_prefix = "route.request.querystring.";
  if (source.starts_with(header_prefix)) {
    const std::string_view name = source.substr(header_prefix.size());
    for (const auto& [key, value] : headers) {
      if (same_name(key, name)) return value;
    }
  } else if (source.starts_with(query_prefix)) {
    const std::string_view name = source.substr(query_prefix.size());
    while (!query.empty()) {
      const std::size_t amp = query.find('&');
      const std::string_view part = query.substr(0, amp);
      const std::size_t eq = part.find('=');
      if (eq != std::string_view::npos && core::url_decode(part.substr(0, eq)) == name)
        return core::url_decode(part.substr(eq + 1));
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  return {};
}

json request_authorizer_event(const json& connect_event, std::string_view method_arn) {
  // The documented example's members: type, methodArn, headers, multiValueHeaders,
  // queryStringParameters, multiValueQueryStringParameters, stageVariables, requestContext.
  json event = {{"type", "REQUEST"}, {"methodArn", method_arn}};
  for (const char* member : {"headers", "multiValueHeaders", "queryStringParameters",
                             "multiValueQueryStringParameters", "requestContext"}) {
    if (const auto it = connect_event.find(member); it != connect_event.end()) event[member] = *it;
  }
  event["stageVariables"] = json::object();
  return event;
}

authorizer_decision decide(const core::call_result& invoked, std::string_view method_arn) noexcept {
  try {
    if (!invoked.ok()) return refuse(500);
    const std::optional<std::string> payload =
        core::base64_decode_lenient(invoked.body.value("Payload", std::string()));
    if (!payload) return refuse(500);
    const std::optional<json> answer = core::parse_json_within(*payload, max_authorizer_answer_nesting);
    if (invoked.body.contains("FunctionError")) {
      // `throw new Error("Unauthorized")` / `raise Exception("Unauthorized")`: 401, as the
      // developer guide's Lambda authorizer examples use it ("callback('Unauthorized')").
      if (answer && answer->is_object() && answer->value("errorMessage", json()) == "Unauthorized")
        return refuse(401);
      return refuse(500);
    }
    if (!answer) return refuse(500);
    return decide_answer(*answer, method_arn);
  } catch (const std::exception&) {
    return refuse(500);
  }
}

bool arn_matches(std::string_view pattern, std::string_view arn) noexcept {
  // The classic greedy wildcard match with one backtrack point.
  std::size_t p = 0, a = 0, star = std::string_view::npos, mark = 0;
  while (a < arn.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == arn[a])) {
      ++p;
      ++a;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = a;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      a = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace fogbank::apigw
