// API Gateway HTTP APIs: the client bytes a call to an HTTP API carries — a route key given to
// CreateRoute, a method and path matched against routes, a query string and headers made into
// payload format 2.0 and 1.0 events, a function's answer read back, a CORS preflight — through
// the pure functions the gateway uses (http_routes.hpp, http_api_events.hpp, cors.hpp).
//
// Oracles: nothing throws; a route key parse_http_route_key accepts and whose path has no
// variables is the route a request with its own method and path takes among routes of its own
// and a catch-all; a match's index is in range; every event serializes (event_payload) to JSON
// that parses back; a 2.0 answer read back has a status between 100 and 599.
//
// Input: lines. 1: a route key; 2: a method; 3: a path with an optional '?query'; 4: a Cookie
// header value; the rest: the function's answer (JSON, or anything).

#include "cors.hpp"
#include "events.hpp"
#include "http_api_events.hpp"
#include "http_routes.hpp"

#include "fogbank/core/json_limits.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace fogbank;
using json = nlohmann::json;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "%s\n", what.c_str());
  std::abort();
}

std::string_view next_line(std::string_view& input) {
  const std::size_t end = input.find('\n');
  const std::string_view line = input.substr(0, end);
  input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
  return line;
}

void check_event(const json& event) {
  const std::string text = apigw::event_payload(event);
  if (!json::accept(text)) fail("an event does not serialize to JSON: " + text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string key(next_line(input));
  const std::string method(next_line(input));
  std::string_view target = next_line(input);
  const std::string cookie(next_line(input));
  const std::string answer(input);

  std::string path(target.substr(0, target.find('?')));
  const std::string query(target.find('?') == std::string_view::npos ? std::string_view()
                                                                     : target.substr(target.find('?') + 1));

  std::vector<apigw::http_route_key> routes;
  std::string error;
  const std::optional<apigw::http_route_key> parsed = apigw::parse_http_route_key(key, &error);
  if (!parsed && error.empty()) fail("a refused route key without a message: " + key);
  if (parsed) routes.push_back(*parsed);
  routes.push_back(*apigw::parse_http_route_key("ANY /{proxy+}", &error));
  routes.push_back(*apigw::parse_http_route_key("$default", &error));

  if (parsed && !parsed->is_default) {
    bool literal = true;
    for (const auto& s : parsed->segments)
      literal = literal && s.type == apigw::http_route_key::kind::literal;
    if (literal) {
      const std::size_t space = key.find(' ');
      const std::string own_method = parsed->method == "ANY" ? "GET" : parsed->method;
      const auto own = apigw::match_http_route(routes, own_method, key.substr(space + 1));
      if (!own || own->index != 0) fail("the route key '" + key + "' does not match its own path");
    }
  }

  const auto match = apigw::match_http_route(routes, method, path);
  if (!match) fail("no route although $default exists: " + path);
  if (match->index >= routes.size()) fail("a match past the routes");

  apigw::http_api_request request;
  request.api_id = "a1b2c3d4e5";
  request.path = path;
  request.query = query;
  request.method = method;
  request.headers = {{"Cookie", cookie}, {"Origin", cookie}, {"Access-Control-Request-Method", method}};
  request.body = answer;
  request.source_ip = "127.0.0.1";
  request.domain_name = cookie;
  const json variables = json::object();
  apigw::http_event_context context;
  context.account_id = "000000000000";
  context.stage = "$default";
  context.route_key = key;
  context.resource = path;
  context.path_parameters = match->path_parameters;
  context.stage_variables = &variables;
  context.request_id = "id";
  check_event(apigw::payload_v2_event(request, context));
  check_event(apigw::payload_v1_event(request, context));

  if (const std::optional<json> result = core::parse_json_within(answer, 128)) {
    if (const auto response = apigw::response_from_v2(*result)) {
      if (response->status < 100 || response->status > 599) fail("a status out of range");
      apigw::cors_configuration cors;
      cors.allow_origins = {"*", cookie};
      cors.allow_methods = {method};
      apigw::http_api_response copy = *response;
      apigw::add_cors_headers(cors, request.headers, copy);
      (void)apigw::preflight_response(cors, request.headers);
    }
    (void)apigw::response_from_v1(*result);
  }
  return 0;
}
