// The REST API runtime: one HTTP request -> resource and method -> authorizer -> the method's
// Lambda function through the in-process client ("lambda", "Invoke", RequestResponse: the path
// the WebSocket runtime takes) -> the proxy response mapped back, or API Gateway's own error.

#include "fogbank/apigw/rest_api.hpp"

#include "ids.hpp"
#include "jwt.hpp"
#include "rest_authorizer.hpp"
#include "rest_records.hpp"

#include "events.hpp"

#include "fogbank/core/encoding.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/core/json_limits.hpp"
#include "fogbank/core/log.hpp"
#include "fogbank/core/scheduler.hpp"
#include "fogbank/dispatch/client.hpp"

#include <atomic>
#include <cctype>
#include <memory>
#include <mutex>
#include <optional>

namespace fogbank::apigw {
namespace {

using json = nlohmann::json;

// A proxy response nests no deeper than this before fogbank reads it (core::max_request_nesting).
constexpr int max_response_nesting = 128;

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

// Runs `done` once: the first of the function's answer and the integration timeout wins.
struct once {
  explicit once(std::function<void(rest_response)> f) : done(std::move(f)) {}
  std::atomic<bool> fired{false};
  std::function<void(rest_response)> done;
  std::mutex mutex;
  std::optional<core::scheduler::entry_id> timer;

  bool fire(rest_response response) {
    if (fired.exchange(true)) return false;
    done(std::move(response));
    return true;
  }
};

// The method's Lambda proxy integration for `request`, matched to `found` on `api`, with the
// event's `context`; `done` receives the answer or API Gateway's error.
void run_integration(const dispatch::client& client, core::scheduler& scheduler, const rest_api_view& api,
                     const rest::match& found, const rest_request& request,
                     const rest::event_context& context, std::function<void(rest_response)> done) {
  const rest_method& method = *found.method;
  if (!method.has_integration || method.function_arn.empty()) {
    // "Execution failed due to configuration error: No integration defined for method" (AWS's
    // execution log); the client sees 500 Internal server error. Integrations other than
    // AWS_PROXY to a Lambda function are not implemented and answer the same.
    done(rest::gateway_error(500, "InternalServerErrorException", R"({"message": "Internal server error"})"));
    return;
  }

  const json event = rest::proxy_event(request, api, found, context);
  core::call_context call = client.default_context();
  call.region = api.region;
  call.account_id = api.account_id;
  const json invoke = {{"FunctionName", method.function_arn},
                       {"InvocationType", "RequestResponse"},
                       {"Payload", core::base64_encode(event_payload(event))}};

  auto state =
      std::make_shared<once>([done = std::move(done), id = context.request_id](rest_response response) {
        response.request_id = id;
        done(std::move(response));
      });
  {
    // The integration timeout: a function still running then gets 504, as on AWS; its answer,
    // when it comes, goes nowhere.
    std::lock_guard lock(state->mutex);
    state->timer =
        scheduler.schedule_after(method.timeout, [state] { state->fire(rest::endpoint_timed_out()); });
  }
  client.call("lambda", "Invoke", invoke, call, [scheduler = &scheduler, state](core::call_result result) {
    {
      std::lock_guard lock(state->mutex);
      if (state->timer) scheduler->cancel(*state->timer);
    }
    if (!result.ok()) {
      core::log_error("API Gateway: invoking the integration failed: " + std::string(result.error->name()) +
                      ": " + result.error->message());
      // AWS answers 500 when Lambda refuses the invocation itself (unconfirmed wording).
      state->fire(rest::gateway_error(500, "InternalServerErrorException",
                                      R"({"message": "Internal server error"})"));
      return;
    }
    if (result.body.contains("FunctionError")) {
      state->fire(rest::internal_server_error());
      return;
    }
    const std::optional<std::string> payload = core::base64_decode_lenient(result.body.value("Payload", ""));
    std::optional<json> response;
    if (payload) response = core::parse_json_within(*payload, max_response_nesting);
    std::optional<rest_response> mapped;
    if (response) mapped = rest::map_proxy_response(*response);
    if (!mapped) {
      // "Execution failed due to configuration error: Malformed Lambda proxy response" -> 502.
      state->fire(rest::internal_server_error());
      return;
    }
    state->fire(std::move(*mapped));
  });
}

}  // namespace

rest_gateway::rest_gateway(const rest_api_service& apis, const dispatch::client& client, core::clock& clock,
                           core::scheduler& scheduler, core::id_generator& ids)
    : apis_(apis), client_(client), clock_(clock), scheduler_(scheduler), ids_(ids) {}

bool rest_gateway::serves(std::string_view api_id) const {
  return apis_.find_rest_api(api_id) != nullptr;
}

void rest_gateway::handle(rest_request request, std::function<void(rest_response)> done) const {
  const std::shared_ptr<const rest_api_view> api = apis_.find_rest_api(request.api_id);
  if (!api) {
    // AWS's host for an unknown API does not resolve; fogbank's path form answers 404.
    done(rest::gateway_error(404, "NotFoundException", R"({"message":"Not Found"})"));
    return;
  }
  const auto stage = api->stages.find(request.stage);
  if (stage == api->stages.end()) {
    // An undeployed stage: API Gateway answers 403 Forbidden there (unconfirmed wording).
    done(rest::forbidden());
    return;
  }
  if (request.path.empty()) request.path = "/";
  std::optional<rest::match> found = rest::match_resource(*api, request.method, request.path);
  if (!found || found->method == nullptr) {
    // An unknown resource or method: "Missing Authentication Token" (API Gateway's
    // MISSING_AUTHENTICATION_TOKEN gateway response, 403).
    done(rest::missing_authentication_token());
    return;
  }
  const rest_method& method = *found->method;

  rest::event_context context;
  context.request_id = ids_.uuid();
  context.extended_request_id = new_event_id(ids_);
  context.at = clock_.now();
  context.stage_variables = stage->second;

  if (method.authorization_type == "COGNITO_USER_POOLS") {
    const rest_authorizer* authorizer = api->find_authorizer(method.authorizer_id);
    std::string_view value;
    const std::string header = authorizer != nullptr ? authorizer->identity_header : "Authorization";
    for (const auto& [name, v] : request.headers) {
      if (same_name(name, header)) value = v;
    }
    const std::string_view token = jwt::bearer_token(value);
    if (token.empty()) {
      done(rest::unauthorized());
      return;
    }
    const jwt::decoded decoded = jwt::decode(token, context.at);
    if (decoded.result == jwt::outcome::expired) {
      done(rest::token_expired());
      return;
    }
    if (decoded.result != jwt::outcome::ok) {
      done(rest::unauthorized());
      return;
    }
    // As the developer guide's example event gives a Cognito method's authorizer: the claims, and
    // scopes (null for an ID token).
    context.authorizer = {{"claims", jwt::claims_as_strings(decoded.claims)}, {"scopes", nullptr}};
  }
  // AWS_IAM: requests are not signature-checked locally (as for every other fogbank service).

  // The method's integration, once any Lambda authorizer admitted the request.
  std::function<void(rest_response)> finish = std::move(done);
  const dispatch::client* client = &client_;
  core::scheduler* scheduler = &scheduler_;
  auto integrate = [client, scheduler, api, found = *found, request, finish](const rest::event_context& c) {
    run_integration(*client, *scheduler, *api, found, request, c, finish);
  };
  auto integrate_refused = [finish](rest_response refused) { finish(std::move(refused)); };
  if (method.authorization_type != "CUSTOM") {
    integrate(std::move(context));
    return;
  }
  const rest_authorizer* authorizer = api->find_authorizer(method.authorizer_id);
  if (authorizer == nullptr || authorizer->function_arn.empty() ||
      (authorizer->type != "TOKEN" && authorizer->type != "REQUEST")) {
    integrate_refused(rest::refusal(authorizer_decision{}));
    return;
  }

  rest::event_context admitted = context;
  const std::string arn = rest::method_arn(*api, request.stage, request.method, request.path);
  const std::optional<json> event =
      rest::authorizer_event(*authorizer, request, rest::proxy_event(request, *api, *found, context), arn);
  if (!event) {
    integrate_refused(rest::unauthorized());
    return;
  }
  core::call_context call = client_.default_context();
  call.region = api->region;
  call.account_id = api->account_id;
  const json invoke = {{"FunctionName", authorizer->function_arn},
                       {"InvocationType", "RequestResponse"},
                       {"Payload", core::base64_encode(event_payload(*event))}};
  client_.call("lambda", "Invoke", invoke, call,
               [arn, admitted, integrate, integrate_refused](core::call_result result) mutable {
                 authorizer_decision decision = decide(result, arn);
                 if (decision.status != 200) {
                   integrate_refused(rest::refusal(decision));
                   return;
                 }
                 // REST APIs add integrationLatency (the authorizer's time; 0 here, unconfirmed).
                 decision.authorizer["integrationLatency"] = 0;
                 admitted.authorizer = std::move(decision.authorizer);
                 integrate(admitted);
               });
}

}  // namespace fogbank::apigw
