#include "fogbank/apigw/http_api.hpp"

#include "events.hpp"
#include "http_api_events.hpp"
#include "http_api_model.hpp"
#include "ids.hpp"

#include "fogbank/apigw/service.hpp"
#include "fogbank/core/encoding.hpp"
#include "fogbank/core/json_limits.hpp"
#include "fogbank/core/log.hpp"
#include "fogbank/core/scheduler.hpp"
#include "fogbank/dispatch/client.hpp"

#include <atomic>
#include <mutex>
#include <utility>

namespace fogbank::apigw {
namespace {

using json = nlohmann::json;

// A function's answer nests no deeper than this before fogbank reads it (core::max_request_nesting).
constexpr int max_response_nesting = 128;

// API Gateway's answers for HTTP APIs (each with {"message": ...}):
//   - no API, stage or route: 404 "Not Found" (REST APIs answer 403 "Missing Authentication
//     Token" instead; HTTP APIs do not);
//   - a function that fails or answers a malformed response: 500 "Internal Server Error";
//   - the integration timeout passing: 503 "Service Unavailable" (a public API behind API
//     Gateway documents this answer after 30 s: docs.v2.api.ourbranch.com/timeouts; unconfirmed
//     against AWS's own pages).
http_api_response not_found() {
  return error_response(404, "Not Found");
}
http_api_response internal_error() {
  return error_response(500, "Internal Server Error");
}
http_api_response unavailable() {
  return error_response(503, "Service Unavailable");
}

// The stage a request's path addresses, and the path after it.
struct stage_target {
  const http_api_stage* stage = nullptr;
  std::string route_path;
};

stage_target stage_of(const http_api& api, const std::string& path) {
  stage_target out;
  // A first segment naming a stage selects it ("/prod/pets" -> prod, "/pets").
  if (path.size() > 1) {
    const std::size_t end = path.find('/', 1);
    const std::string first = path.substr(1, end == std::string::npos ? std::string::npos : end - 1);
    if (first != "$default") {
      if (const http_api_stage* stage = api.find_stage(first)) {
        out.stage = stage;
        out.route_path = end == std::string::npos ? "/" : path.substr(end);
        return out;
      }
    }
  }
  out.stage = api.find_stage("$default");
  out.route_path = path.empty() ? "/" : path;
  return out;
}

// Ends one request once: the function's answer and the timeout race for it.
struct pending_request {
  std::function<void(http_api_response)> done;
  std::optional<cors_configuration> cors;
  std::vector<std::pair<std::string, std::string>> request_headers;
  std::string request_id;
  std::atomic<bool> finished{false};
  std::mutex mutex;
  core::scheduler::entry_id timer{};
  bool timer_set = false;

  // True for the one caller that gets to answer.
  bool claim() { return !finished.exchange(true); }

  void answer(http_api_response response) {
    if (cors) add_cors_headers(*cors, request_headers, response);
    response.headers.emplace_back("apigw-requestid", request_id);
    done(std::move(response));
  }
};

// The key a route has in 1.0's `resource`: its path, or the request's path for $default.
std::string resource_of(const http_api_route& route, const std::string& route_path) {
  if (route.parsed.is_default) return route_path;
  const std::size_t space = route.route_key.find(' ');
  return space == std::string::npos ? route_path : route.route_key.substr(space + 1);
}

}  // namespace

http_api_gateway::http_api_gateway(const service& apis, const dispatch::client& client, core::clock& clock,
                                   core::scheduler& scheduler, core::id_generator& ids)
    : apis_(apis), client_(client), clock_(clock), scheduler_(scheduler), ids_(ids) {}

bool http_api_gateway::is_http_api(std::string_view api_id) const {
  return apis_.find_http_api(api_id) != nullptr;
}

void http_api_gateway::handle(http_api_request request, std::function<void(http_api_response)> done) {
  auto pending = std::make_shared<pending_request>();
  pending->done = std::move(done);
  pending->request_id = new_event_id(ids_);
  const std::shared_ptr<const http_api> api = apis_.find_http_api(request.api_id);
  if (!api) {
    pending->claim();
    pending->answer(not_found());
    return;
  }
  pending->cors = api->cors;
  pending->request_headers = request.headers;
  if (request.path.empty()) request.path = "/";
  const stage_target target = stage_of(*api, request.path);
  if (target.stage == nullptr) {
    pending->claim();
    pending->answer(not_found());
    return;
  }
  // "If you configure CORS for an API, API Gateway automatically sends a response to preflight
  // OPTIONS requests, even if there isn't an OPTIONS route configured for your API."
  if (api->cors && is_preflight(request.method, request.headers)) {
    pending->claim();
    http_api_response response = preflight_response(*api->cors, request.headers);
    response.headers.emplace_back("apigw-requestid", pending->request_id);
    pending->done(std::move(response));
    return;
  }
  const std::optional<http_route_match> match =
      match_http_route(api->keys, request.method, target.route_path);
  // A route without an integration answers as no route does (unconfirmed).
  if (!match || api->routes[match->index].function_arn.empty()) {
    pending->claim();
    pending->answer(not_found());
    return;
  }
  const http_api_route& route = api->routes[match->index];
  const std::string resource = resource_of(route, target.route_path);
  http_event_context context;
  context.account_id = api->account_id;
  context.stage = target.stage->name;
  context.route_key = route.route_key;
  context.resource = resource;
  context.path_parameters = match->path_parameters;
  context.stage_variables = &target.stage->stage_variables;
  context.request_id = pending->request_id;
  context.at = clock_.now();
  jwt_decision authorized;
  if (route.jwt) {
    authorized = authorize_jwt(*route.jwt, request.headers, request.query, context.at);
    if (authorized.status != 200) {
      pending->claim();
      http_api_response refused =
          error_response(authorized.status, authorized.status == 401 ? "Unauthorized" : "Forbidden");
      refused.headers.emplace_back("www-authenticate", authorized.www_authenticate);
      pending->answer(std::move(refused));
      return;
    }
    context.authorizer = &authorized.authorizer;
  }
  const bool v1 = route.payload_format_version == "1.0";
  const json event = v1 ? payload_v1_event(request, context) : payload_v2_event(request, context);

  // The integration timeout, on the service clock: whichever of it and the function comes first
  // answers.
  {
    std::lock_guard lock(pending->mutex);
    pending->timer = scheduler_.schedule_after(route.timeout, [pending] {
      if (pending->claim()) pending->answer(unavailable());
    });
    pending->timer_set = true;
  }
  core::call_context call = client_.default_context();
  call.region = api->region;
  call.account_id = api->account_id;
  const json invoke = {{"FunctionName", route.function_arn},
                       {"InvocationType", "RequestResponse"},
                       {"Payload", core::base64_encode(event_payload(event))}};
  core::scheduler* scheduler = &scheduler_;
  client_.call("lambda", "Invoke", invoke, call, [pending, scheduler, v1](core::call_result result) {
    if (!pending->claim()) return;  // timed out already
    {
      std::lock_guard lock(pending->mutex);
      if (pending->timer_set) scheduler->cancel(pending->timer);
    }
    if (!result.ok()) {
      core::log_error("API Gateway: invoking the integration failed: " + std::string(result.error->name()) +
                      ": " + result.error->message());
      pending->answer(internal_error());
      return;
    }
    if (result.body.contains("FunctionError")) {
      pending->answer(internal_error());
      return;
    }
    const std::optional<std::string> payload = core::base64_decode_lenient(result.body.value("Payload", ""));
    if (!payload) {
      pending->answer(internal_error());
      return;
    }
    // A handler returning nothing answers "null" (an empty payload is read the same way).
    const std::optional<json> parsed = payload->empty()
                                           ? std::optional<json>(json(nullptr))
                                           : core::parse_json_within(*payload, max_response_nesting);
    if (!parsed) {
      pending->answer(internal_error());
      return;
    }
    std::optional<http_api_response> response = v1 ? response_from_v1(*parsed) : response_from_v2(*parsed);
    pending->answer(response ? std::move(*response) : internal_error());
  });
}

}  // namespace fogbank::apigw
