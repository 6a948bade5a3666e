#include "rest_records.hpp"

#include "control_plane.hpp"
#include "events.hpp"
#include "utf8.hpp"

#include "fogbank/core/encoding.hpp"

#include <algorithm>
#include <cctype>

namespace fogbank::apigw::rest {
namespace {

std::int64_t epoch_millis(core::time_point at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const std::size_t slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

bool is_variable(std::string_view part) {
  return part.size() >= 2 && part.front() == '{' && part.back() == '}';
}
bool is_greedy(std::string_view part) {
  return is_variable(part) && part.size() >= 3 && part[part.size() - 2] == '+';
}
std::string variable_name(std::string_view part) {
  std::string_view name = part.substr(1, part.size() - 2);
  if (name.ends_with('+')) name.remove_suffix(1);
  return std::string(name);
}

// How well a resource's part fits a segment: 3 literal, 2 {var}, 1 {proxy+}, 0 not at all.
int fit(std::string_view part, std::string_view segment) {
  if (is_greedy(part)) return 1;
  if (is_variable(part)) return segment.empty() ? 0 : 2;
  return part == segment ? 3 : 0;
}

// The single- and multi-value maps of `pairs` (last value wins in the single one); both null when
// there are none, as REST APIs send them.
void add_value_maps(json& event, const std::vector<std::pair<std::string, std::string>>& pairs,
                    const char* single_member, const char* multi_member) {
  if (pairs.empty()) {
    event[single_member] = nullptr;
    event[multi_member] = nullptr;
    return;
  }
  json single = json::object();
  json multi = json::object();
  for (const auto& [name, value] : pairs) {
    single[name] = value;
    multi[name].push_back(value);
  }
  event[single_member] = std::move(single);
  event[multi_member] = std::move(multi);
}

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::string_view header_value(const rest_request& request, std::string_view name) {
  for (const auto& [n, v] : request.headers) {
    if (same_name(n, name)) return v;
  }
  return {};
}

}  // namespace

json to_storage(const api_record& record) {
  return {{"region", record.region},
          {"account", record.account_id},
          {"api", record.api},
          {"resources", record.resources},
          {"authorizers", record.authorizers},
          {"deployments", record.deployments},
          {"stages", record.stages}};
}

api_record from_storage(const json& stored) {
  api_record out;
  out.region = stored.at("region").get<std::string>();
  out.account_id = stored.at("account").get<std::string>();
  out.api = stored.at("api");
  out.resources = stored.at("resources");
  out.authorizers = stored.at("authorizers");
  out.deployments = stored.at("deployments");
  out.stages = stored.at("stages");
  return out;
}

rest_api_view make_view(std::string_view api_id, const api_record& record) {
  rest_api_view view;
  view.api_id = std::string(api_id);
  view.region = record.region;
  view.account_id = record.account_id;
  for (const json& r : record.resources) {
    rest_resource resource;
    resource.id = r.value("id", "");
    resource.path = r.value("path", "/");
    resource.parts = split_path(resource.path);
    const json methods = r.value("resourceMethods", json::object());
    for (const auto& [name, m] : methods.items()) {
      rest_method method;
      method.http_method = name;
      method.authorization_type = m.value("authorizationType", "NONE");
      method.authorizer_id = m.value("authorizerId", "");
      if (const auto it = m.find("methodIntegration"); it != m.end() && it->is_object()) {
        method.has_integration = true;
        if (it->value("type", "") == "AWS_PROXY") {
          method.function_arn = control::function_arn_of(it->value("uri", "")).value_or("");
        }
        method.timeout = std::chrono::milliseconds(it->value("timeoutInMillis", 29'000));
      }
      resource.methods.push_back(std::move(method));
    }
    view.resources.push_back(std::move(resource));
  }
  for (const json& a : record.authorizers) {
    rest_authorizer authorizer;
    authorizer.id = a.value("id", "");
    authorizer.type = a.value("type", "");
    // "method.request.header.Authorization" -> "Authorization".
    constexpr std::string_view header_prefix = "method.request.header.";
    const std::string source = a.value("identitySource", "");
    authorizer.identity_header = source.starts_with(header_prefix) ? source.substr(header_prefix.size())
                                                                   : std::string("Authorization");
    for (const json& arn : a.value("providerARNs", json::array())) {
      if (arn.is_string()) authorizer.provider_arns.push_back(arn.get<std::string>());
    }
    authorizer.function_arn = control::function_arn_of(a.value("authorizerUri", "")).value_or("");
    // "a comma-separated string of one or more mapping expressions" (API reference, identitySource).
    for (std::string_view rest = source; !rest.empty();) {
      const std::size_t comma = rest.find(',');
      std::string_view part = rest.substr(0, comma);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
      if (!part.empty()) authorizer.identity_sources.emplace_back(part);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    view.authorizers.push_back(std::move(authorizer));
  }
  for (const json& s : record.stages) {
    view.stages.emplace(s.value("stageName", ""), s.value("variables", json::object()));
  }
  return view;
}

std::optional<match> match_resource(const rest_api_view& api, std::string_view method,
                                    std::string_view path) {
  std::vector<std::string> segments;
  for (const std::string& raw : split_path(path)) segments.push_back(core::url_decode(raw));
  const rest_resource* best = nullptr;
  std::vector<int> best_score;
  for (const rest_resource& resource : api.resources) {
    std::vector<int> score;
    bool ok = true;
    std::size_t i = 0;
    for (; i < resource.parts.size(); ++i) {
      const std::string& part = resource.parts[i];
      if (is_greedy(part)) {
        // {proxy+} takes one segment or more, and must be the last part.
        ok = i < segments.size() && i + 1 == resource.parts.size();
        score.push_back(1);
        i = segments.size();
        break;
      }
      if (i >= segments.size()) {
        ok = false;
        break;
      }
      const int f = fit(part, segments[i]);
      if (f == 0) {
        ok = false;
        break;
      }
      score.push_back(f);
    }
    if (!ok || i != segments.size()) continue;
    // Lexicographic: the first level where two resources differ decides (a literal there wins).
    if (best == nullptr || score > best_score) {
      best = &resource;
      best_score = std::move(score);
    }
  }
  if (best == nullptr) return std::nullopt;
  match out;
  out.resource = best;
  for (const rest_method& m : best->methods) {
    if (m.http_method == method) out.method = &m;
  }
  if (out.method == nullptr) {
    for (const rest_method& m : best->methods) {
      if (m.http_method == "ANY") out.method = &m;
    }
  }
  json params = json::object();
  for (std::size_t i = 0; i < best->parts.size(); ++i) {
    const std::string& part = best->parts[i];
    if (is_greedy(part)) {
      std::string rest;
      for (std::size_t j = i; j < segments.size(); ++j) rest += (j == i ? "" : "/") + segments[j];
      params[variable_name(part)] = rest;
    } else if (is_variable(part)) {
      params[variable_name(part)] = segments[i];
    }
  }
  if (!params.empty()) out.path_parameters = std::move(params);
  return out;
}

json proxy_event(const rest_request& request, const rest_api_view& api, const match& found,
                 const event_context& context) {
  std::vector<std::pair<std::string, std::string>> headers = request.headers;
  const auto has = [&](std::string_view name) {
    return std::any_of(headers.begin(), headers.end(),
                       [&](const auto& h) { return same_name(h.first, name); });
  };
  // API Gateway adds these before the integration sees the request.
  if (!has("X-Forwarded-For")) headers.emplace_back("X-Forwarded-For", request.source_ip);
  if (!has("X-Forwarded-Port") && !request.port.empty())
    headers.emplace_back("X-Forwarded-Port", request.port);
  if (!has("X-Forwarded-Proto")) headers.emplace_back("X-Forwarded-Proto", request.tls ? "https" : "http");

  const std::string path = core::url_decode(request.path);
  const std::string domain_prefix = request.domain_name.substr(0, request.domain_name.find('.'));
  const std::string_view user_agent = header_value(request, "User-Agent");
  json identity = {{"cognitoIdentityPoolId", nullptr},
                   {"accountId", nullptr},
                   {"cognitoIdentityId", nullptr},
                   {"caller", nullptr},
                   {"sourceIp", request.source_ip},
                   {"principalOrgId", nullptr},
                   {"accessKey", nullptr},
                   {"cognitoAuthenticationType", nullptr},
                   {"cognitoAuthenticationProvider", nullptr},
                   {"userArn", nullptr},
                   {"userAgent", user_agent.empty() ? json(nullptr) : json(user_agent)},
                   {"user", nullptr}};
  json request_context = {{"resourceId", found.resource->id},
                          {"resourcePath", found.resource->path},
                          {"httpMethod", request.method},
                          {"extendedRequestId", context.extended_request_id},
                          {"requestTime", format_request_time(context.at)},
                          {"path", "/" + request.stage + path},
                          {"accountId", api.account_id},
                          {"protocol", "HTTP/1.1"},
                          {"stage", request.stage},
                          {"domainPrefix", domain_prefix},
                          {"requestTimeEpoch", epoch_millis(context.at)},
                          {"requestId", context.request_id},
                          {"identity", std::move(identity)},
                          {"domainName", request.domain_name},
                          {"apiId", api.api_id}};
  if (!context.authorizer.is_null()) request_context["authorizer"] = context.authorizer;

  json event = {{"resource", found.resource->path}, {"path", path}, {"httpMethod", request.method}};
  add_value_maps(event, headers, "headers", "multiValueHeaders");
  add_value_maps(event, core::query_pairs(request.query), "queryStringParameters",
                 "multiValueQueryStringParameters");
  event["pathParameters"] = found.path_parameters;
  event["stageVariables"] = context.stage_variables.is_object() && !context.stage_variables.empty()
                                ? context.stage_variables
                                : json(nullptr);
  event["requestContext"] = std::move(request_context);
  if (request.body.empty()) {
    event["body"] = nullptr;
    event["isBase64Encoded"] = false;
  } else if (valid_utf8(request.body)) {
    event["body"] = request.body;
    event["isBase64Encoded"] = false;
  } else {
    // A binary body reaches the function base64-encoded (unconfirmed without binaryMediaTypes).
    event["body"] = core::base64_encode(request.body);
    event["isBase64Encoded"] = true;
  }
  return event;
}

std::optional<rest_response> map_proxy_response(const json& response) {
  if (!response.is_object()) return std::nullopt;
  rest_response out;
  // A missing or null statusCode is a malformed proxy response (502), not an implied 200: the
  // function "must return output according to" {isBase64Encoded, statusCode, headers, body}
  // (knowledge center, "How do I resolve HTTP 502 'Malformed Lambda proxy response' errors from
  // API Gateway REST APIs?"). HTTP API payload 2.0 is the one that guesses a 200.
  const auto code = response.find("statusCode");
  if (code == response.end() || code->is_null()) return std::nullopt;
  if (code->is_number_integer()) {
    out.status = code->get<int>();
  } else if (code->is_string()) {
    // A numeric string ("200") is accepted. Unconfirmed: AWS documents statusCode as an
    // integer, and only user reports (e.g. github.com/vincentsarago/lambda-proxy/issues/59)
    // say a string works, so it stays accepted rather than refused without evidence.
    try {
      std::size_t used = 0;
      out.status = std::stoi(code->get<std::string>(), &used);
      if (used != code->get_ref<const std::string&>().size()) return std::nullopt;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  if (out.status < 100 || out.status > 599) return std::nullopt;
  const auto scalar_text = [](const json& v) -> std::optional<std::string> {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number() || v.is_boolean()) return v.dump();
    return std::nullopt;
  };
  if (const auto it = response.find("headers"); it != response.end() && !it->is_null()) {
    if (!it->is_object()) return std::nullopt;
    for (const auto& [name, value] : it->items()) {
      std::optional<std::string> text = scalar_text(value);
      if (!text) return std::nullopt;
      out.headers.emplace_back(name, std::move(*text));
    }
  }
  if (const auto it = response.find("multiValueHeaders"); it != response.end() && !it->is_null()) {
    if (!it->is_object()) return std::nullopt;
    for (const auto& [key, values] : it->items()) {
      if (!values.is_array()) return std::nullopt;
      const std::string name = key;  // a copy: lambdas cannot capture a structured binding (clang 14)
      // multiValueHeaders and headers merge; a name in both takes the multi-value list
      // (developer guide: "If you specify values for both headers and multiValueHeaders, API
      // Gateway merges them into a single list").
      out.headers.erase(std::remove_if(out.headers.begin(), out.headers.end(),
                                       [&](const auto& h) { return same_name(h.first, name); }),
                        out.headers.end());
      for (const json& value : values) {
        std::optional<std::string> text = scalar_text(value);
        if (!text) return std::nullopt;
        out.headers.emplace_back(name, std::move(*text));
      }
    }
  }
  bool base64 = false;
  if (const auto it = response.find("isBase64Encoded"); it != response.end() && !it->is_null()) {
    if (!it->is_boolean()) return std::nullopt;
    base64 = it->get<bool>();
  }
  if (const auto it = response.find("body"); it != response.end() && !it->is_null()) {
    if (!it->is_string()) return std::nullopt;
    if (base64) {
      std::optional<std::string> bytes = core::base64_decode_lenient(it->get<std::string>());
      if (!bytes) return std::nullopt;
      out.body = std::move(*bytes);
    } else {
      out.body = it->get<std::string>();
    }
  }
  const bool has_type = std::any_of(out.headers.begin(), out.headers.end(),
                                    [](const auto& h) { return same_name(h.first, "Content-Type"); });
  // REST APIs answer application/json when the function names no type.
  if (!has_type) out.headers.emplace_back("Content-Type", "application/json");
  return out;
}

rest_response gateway_error(int status, std::string_view error_type, std::string_view body) {
  rest_response out;
  out.status = status;
  out.headers = {{"Content-Type", "application/json"}, {"x-amzn-ErrorType", std::string(error_type)}};
  out.body = std::string(body);
  return out;
}

// Bodies byte for byte as API Gateway sends them (its default gateway responses; the spacing
// differs between them on AWS too).
rest_response missing_authentication_token() {
  return gateway_error(403, "MissingAuthenticationTokenException",
                       R"({"message":"Missing Authentication Token"})");
}
rest_response internal_server_error() {
  return gateway_error(502, "InternalServerErrorException", R"({"message": "Internal server error"})");
}
rest_response endpoint_timed_out() {
  return gateway_error(504, "InternalServerErrorException", R"({"message": "Endpoint request timed out"})");
}
rest_response unauthorized() {
  return gateway_error(401, "UnauthorizedException", R"({"message":"Unauthorized"})");
}
rest_response token_expired() {
  // A Cognito authorizer's answer to an expired token, as users report it (unconfirmed in AWS's
  // documentation).
  return gateway_error(401, "UnauthorizedException", R"({"message":"The incoming token has expired"})");
}
rest_response forbidden() {
  return gateway_error(403, "AccessDeniedException", R"({"message":"Forbidden"})");
}

}  // namespace fogbank::apigw::rest
