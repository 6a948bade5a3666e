// `request:` steps (api_request.hpp): reading them, sending them in process or over a socket,
// and matching their responses.

#include "api_request.hpp"
#include "fogbank/core/encoding.hpp"

#include "live.hpp"
#include "match.hpp"
#include "reader.hpp"
#include "transcript.hpp"

#include "fogbank/apigw/http_api.hpp"
#include "fogbank/apigw/rest_api.hpp"
#include "fogbank/main/emulator.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>

namespace fogbank::scenario {
namespace {

using detail::reader;

// The methods API Gateway routes (a REST API's ANY stands for these; HTTP APIs take the same).
const std::set<std::string> http_methods = {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"};

// The port in-process requests claim to have reached (X-Forwarded-Port in the events): the fixed
// port of the transcript's localhost:4566, whatever port the runner's own server has.
constexpr const char* in_process_port = "4566";

// Headers of the connection rather than of the answer: the server adds them (with --endpoint)
// and the gateway does not, so a step's result leaves them out in both modes alike.
const std::set<std::string> connection_headers = {"connection", "content-length", "date",
                                                  "keep-alive", "server",         "transfer-encoding"};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// An HTTP token (RFC 9110 5.6.2): what a header name may hold.
bool is_token(const std::string& text) {
  static const std::string specials = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || specials.find(static_cast<char>(c)) != std::string::npos;
  });
}

// What may go into a request line or a header value as it is: no controls, no CR/LF.
bool printable(const std::string& text, bool allow_space) {
  return std::all_of(text.begin(), text.end(), [allow_space](unsigned char c) {
    return c >= 0x21 ? c != 0x7f : allow_space && (c == ' ' || c == '\t');
  });
}

std::string scalar_text(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

json read_headers(const reader& r, const YAML::Node& node, const std::string& what) {
  r.require_map(node, what + " (names to values)");
  json out = json::object();
  for (const auto& entry : node) {
    const std::string name = r.string(entry.first, "a header name");
    if (!is_token(name))
      r.fail(entry.first, "expected a header name (letters, digits, -), found '" + name + "'");
    const std::string value = r.string(entry.second, "a header value (a string)");
    if (!printable(value, true)) r.fail(entry.second, "expected a header value without line breaks");
    out[name] = value;
  }
  return out;
}

response_expectation read_expect(const reader& r, const YAML::Node& item) {
  response_expectation out;
  const YAML::Node expect = item["expect"];
  const YAML::Node mode = item["match"];
  if (!expect) {
    if (mode) r.fail(mode, "'match' applies to the expected body, which this step does not have");
    return out;
  }
  r.require_map(expect, "the expected response {status, headers, body}");
  r.only_keys(expect, {"status", "headers", "body"}, "the expected response");
  if (expect.size() == 0) r.fail(expect, "expected at least one of status, headers, body");
  if (const YAML::Node status = expect["status"]) {
    const json code = r.value(status);
    if (!code.is_number_integer() || code.get<int>() < 100 || code.get<int>() > 599)
      r.fail(status, "expected an HTTP status between 100 and 599");
    out.status = code.get<int>();
  }
  if (const YAML::Node headers = expect["headers"])
    out.headers = read_headers(r, headers, "expected headers");
  if (const YAML::Node body = expect["body"]) {
    out.body = expectation{r.value(body), match_mode::subset};
    if (mode) out.body->mode = detail::read_mode(r, mode);
  } else if (mode) {
    r.fail(mode, "'match' applies to the expected body, which this step does not have");
  }
  return out;
}

// A body as it goes out: a string as it is, anything else as compact JSON.
std::string body_text(const json& body) {
  return body.is_string() ? body.get<std::string>() : body.dump();
}

std::string query_text(const json& query) {
  if (query.is_string()) return query.get<std::string>();
  std::string out;
  for (const auto& [key, value] : query.items()) {
    const json values = value.is_array() ? value : json::array({value});
    for (const json& one : values)
      out += (out.empty() ? "" : "&") + core::url_encode(key) + "=" + core::url_encode(scalar_text(one));
  }
  return out;
}

// The body as a step's result and a failure show it: JSON when it parses as an object or a list.
json body_value(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() || !parsed.is_structured() ? json(text) : parsed;
}

std::optional<std::string> body_mismatch(const expectation& expected, const json& actual) {
  if (expected.value.is_structured()) {
    if (!actual.is_structured())
      return "/body: expected a JSON " + std::string(expected.value.is_object() ? "object" : "list") +
             ", found the text " + actual.dump();
    if (auto why = mismatch(expected.value, actual, expected.mode)) return "/body" + *why;
    return std::nullopt;
  }
  // Text (or a number, true, ...) against the body's text.
  const std::string text = actual.is_string() ? actual.get<std::string>() : actual.dump();
  const std::string wanted = scalar_text(expected.value);
  if (text == wanted) return std::nullopt;
  return "/body: expected " + json(wanted).dump() + ", found " + json(text).dump();
}

bool is_http_api_type(const std::string& type) {
  return type == "AWS::Serverless::HttpApi" || type == "AWS::ApiGatewayV2::Api";
}

}  // namespace

step_action read_request(const reader& r, const YAML::Node& item, const YAML::Node& body) {
  r.require_map(body, "a request step's body {api, stage, method, path, query, headers, body}");
  r.only_keys(body, {"api", "stage", "method", "path", "query", "headers", "body"}, "a request step");
  request_step out;
  out.api = r.required_string(body, "api", "the API's logical id in a template, or its API id");
  if (body["stage"]) out.stage = r.required_string(body, "stage", "the stage's name");
  if (const YAML::Node method = body["method"]) {
    out.method = r.string(method, "an HTTP method");
    std::transform(out.method.begin(), out.method.end(), out.method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (!http_methods.contains(out.method)) {
      r.fail(method, "expected an HTTP method (GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS), found '" +
                         method.Scalar() + "'");
    }
  }
  if (const YAML::Node path = body["path"]) {
    out.path = r.string(path, "a path such as /pets/7");
    if (out.path.empty() || out.path.front() != '/')
      r.fail(path, "expected a path starting with '/', found '" + out.path + "'");
    if (!printable(out.path, false) || out.path.find_first_of("?#") != std::string::npos)
      r.fail(path, "expected a path without spaces, '?' or '#' (the query string goes in 'query')");
  }
  if (const YAML::Node query = body["query"]) {
    if (query.IsScalar()) {
      out.query = r.string(query, "a query string");
      if (!printable(out.query.get<std::string>(), false) ||
          out.query.get<std::string>().find('#') != std::string::npos)
        r.fail(query, "expected a query string without spaces or '#' (or a mapping of parameters)");
    } else {
      r.require_map(query, "a query string (text, or a mapping of parameters)");
      out.query = r.value(query);
      for (const auto& [key, value] : out.query.items()) {
        const bool scalars = value.is_array() ? std::none_of(value.begin(), value.end(),
                                                             [](const json& v) { return v.is_structured(); })
                                              : !value.is_object();
        if (!scalars)
          r.fail(query[key], "expected a scalar value, or a list of them, for query parameter " + key);
      }
    }
  }
  if (const YAML::Node headers = body["headers"]) out.headers = read_headers(r, headers, "headers");
  if (const YAML::Node payload = body["body"]) out.body = r.value(payload);
  out.expect = read_expect(r, item);
  return out;
}

json response_value(int status, const std::vector<std::pair<std::string, std::string>>& headers,
                    const std::string& body) {
  json names = json::object();
  for (const auto& [name, value] : headers) {
    const std::string key = lower(name);
    if (connection_headers.contains(key)) continue;
    if (names.contains(key)) {
      names[key] = names[key].get<std::string>() + ", " + value;
    } else {
      names[key] = value;
    }
  }
  return {{"status", status}, {"headers", names}, {"body", body_value(body)}};
}

std::optional<std::string> response_mismatch(const response_expectation& expected, const json& response) {
  const int status = response.value("status", 0);
  const json& headers = response.at("headers");
  std::optional<std::string> why;
  if (expected.status && *expected.status != status) {
    why = "/status: expected " + std::to_string(*expected.status) + ", found " + std::to_string(status);
  } else if (!expected.status && (status < 200 || status > 299)) {
    why = "/status: expected a 2xx answer, found " + std::to_string(status);
  }
  json wanted_headers = json::object();
  for (const auto& [name, value] : expected.headers.items()) wanted_headers[lower(name)] = value;
  if (!why) {
    for (const auto& [name, value] : wanted_headers.items()) {
      const auto it = headers.find(name);
      if (it == headers.end()) {
        why = "/headers/" + name + ": expected " + value.dump() + ", but there is no such header";
      } else if (*it != value) {
        why = "/headers/" + name + ": expected " + value.dump() + ", found " + it->dump();
      }
      if (why) break;
    }
  }
  if (!why && expected.body) why = body_mismatch(*expected.body, response.at("body"));
  if (!why) return std::nullopt;
  // The diff: what was expected against the same parts of the answer (a status that differs shows
  // the whole answer: its body usually says why).
  json wanted = json::object();
  json actual = json::object();
  const bool whole = why->starts_with("/status");
  if (expected.status || whole) wanted["status"] = expected.status ? json(*expected.status) : json("2xx");
  actual["status"] = status;
  if (!wanted_headers.empty()) {
    wanted["headers"] = wanted_headers;
    actual["headers"] = whole ? headers : relevant_part(wanted_headers, headers, match_mode::subset);
  } else if (whole) {
    actual["headers"] = headers;
  }
  if (expected.body) {
    wanted["body"] = expected.body->value;
    actual["body"] = whole ? response.at("body")
                           : relevant_part(expected.body->value, response.at("body"), expected.body->mode);
  } else if (whole) {
    actual["body"] = response.at("body");
  }
  return "the response does not match: " + *why + "\n" + diff(wanted, actual);
}

struct api_requests::impl {
  transcript& log;
  emulator* services;
  live_endpoint* live;
  std::string domain;
  // With --endpoint: the APIs the server's templates made that are HTTP APIs (by physical id),
  // read from GET /_fogbank/stacks at the first request.
  std::optional<std::set<std::string>> live_http_apis;

  bool is_http_api(const std::string& api_id) {
    if (services != nullptr) return services->http_api_gateway().is_http_api(api_id);
    if (!live_http_apis) {
      live_http_apis.emplace();
      for (const json& stack : live->get_json("/_fogbank/stacks").value("stacks", json::array())) {
        for (const json& resource : stack.value("resources", json::array())) {
          if (is_http_api_type(resource.value("type", "")))
            live_http_apis->insert(resource.value("physical_id", ""));
        }
      }
    }
    return live_http_apis->contains(api_id);
  }
};

api_requests::api_requests(transcript& log, emulator* services, live_endpoint* live, std::string domain)
    : impl_(std::make_unique<impl>(impl{log, services, live, std::move(domain), std::nullopt})) {}

api_requests::~api_requests() = default;

json api_requests::perform(const request_step& step, const std::map<std::string, json>& captures,
                           const std::map<std::string, std::string>& physical_ids) {
  const std::string given = substitute(step.api, captures);
  const auto logical = physical_ids.find(given);
  const std::string api_id = logical == physical_ids.end() ? given : logical->second;
  const std::string stage = substitute(step.stage, captures);
  const std::string path = substitute(step.path, captures);
  const std::string query = query_text(substitute(step.query, captures));
  const json header_values = substitute(step.headers, captures);
  std::vector<std::pair<std::string, std::string>> headers;
  bool has_host = false;
  bool has_type = false;
  for (const auto& [name, value] : header_values.items()) {
    has_host = has_host || lower(name) == "host";
    has_type = has_type || lower(name) == "content-type";
    headers.emplace_back(name, scalar_text(value));
  }
  std::string body;
  if (step.body) {
    const json value = substitute(*step.body, captures);
    body = body_text(value);
    // A body written as YAML data is JSON; say so unless the step says otherwise.
    if (!value.is_string() && !has_type) headers.emplace_back("Content-Type", "application/json");
  }
  const bool http_api = impl_->is_http_api(api_id);
  if (!http_api && stage.empty())
    throw std::runtime_error("a request to the REST API " + api_id + " needs a stage");
  // What the gateway sees as the path: a REST API's after its stage, an HTTP API's with its stage.
  const std::string api_path = http_api && !stage.empty() ? "/" + stage + path : path;

  json request_event = {{"event", "request"}, {"api", given},   {"api_id", api_id}, {"method", step.method},
                        {"path", path},       {"query", query}, {"body", body}};
  if (!stage.empty()) request_event["stage"] = stage;
  json header_object = json::object();
  for (const auto& [name, value] : headers) header_object[name] = value;
  request_event["headers"] = header_object;
  impl_->log.write(std::move(request_event));

  int status = 0;
  std::vector<std::pair<std::string, std::string>> response_headers;
  std::string response_body;
  if (impl_->live != nullptr) {
    const std::string target =
        (http_api ? "/http/" + core::url_encode(api_id) + api_path
                  : "/rest/" + core::url_encode(api_id) + "/" + core::url_encode(stage) + path) +
        (query.empty() ? "" : "?" + query);
    const auto [code, text] = impl_->live->request(step.method, target, headers, body, &response_headers);
    status = code;
    response_body = text;
  } else {
    // The request as the HTTP front end would have read it off a socket: its Host (the
    // runner's server, which handlers reach) and, with a body, its Content-Length first.
    if (!has_host) headers.insert(headers.begin(), {"Host", impl_->domain});
    if (!body.empty()) headers.emplace_back("Content-Length", std::to_string(body.size()));
    // The gateway answers before handle() returns on a manual clock (every invocation completes
    // before the call that starts it returns); the state outlives a late answer all the same.
    struct answer {
      std::mutex mutex;
      std::optional<std::tuple<int, std::vector<std::pair<std::string, std::string>>, std::string>> value;
    };
    auto got = std::make_shared<answer>();
    if (http_api) {
      apigw::http_api_request request;
      request.api_id = api_id;
      request.path = api_path;
      request.query = query;
      request.method = step.method;
      request.headers = headers;
      request.body = body;
      request.source_ip = "127.0.0.1";
      request.domain_name = impl_->domain;
      request.port = in_process_port;
      impl_->services->http_api_gateway().handle(std::move(request), [got](apigw::http_api_response r) {
        std::lock_guard lock(got->mutex);
        got->value.emplace(r.status, std::move(r.headers), std::move(r.body));
      });
    } else {
      apigw::rest_request request;
      request.api_id = api_id;
      request.stage = stage;
      request.path = path;
      request.query = query;
      request.method = step.method;
      request.headers = headers;
      request.body = body;
      request.source_ip = "127.0.0.1";
      request.domain_name = impl_->domain;
      request.port = in_process_port;
      impl_->services->rest_gateway().handle(std::move(request), [got](apigw::rest_response r) {
        // As the HTTP front end answers it: API Gateway's request id in x-amzn-RequestId.
        if (!r.request_id.empty()) r.headers.emplace_back("x-amzn-RequestId", r.request_id);
        std::lock_guard lock(got->mutex);
        got->value.emplace(r.status, std::move(r.headers), std::move(r.body));
      });
    }
    std::lock_guard lock(got->mutex);
    if (!got->value)
      throw std::runtime_error("the request did not complete (a handler still running on a manual clock)");
    std::tie(status, response_headers, response_body) = std::move(*got->value);
  }
  json result = response_value(status, response_headers, response_body);
  json response_event = result;
  response_event["event"] = "response";
  impl_->log.write(std::move(response_event));

  response_expectation expected = step.expect;
  expected.headers = substitute(expected.headers, captures);
  if (expected.body) expected.body->value = substitute(expected.body->value, captures);
  if (const auto why = response_mismatch(expected, result)) throw std::runtime_error(*why);
  return result;
}

}  // namespace fogbank::scenario
