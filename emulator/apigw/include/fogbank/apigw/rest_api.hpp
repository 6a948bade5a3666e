#pragma once
// API Gateway REST APIs (v1): the `apigateway` control plane and the runtime that serves an API's
// resources and methods over HTTP through Lambda proxy integrations.
//
// The control plane (rest_api_service, registered as "apigateway") takes and gives the REST-JSON
// wire shapes of botocore's apigateway 2015-07-09 model: members bound to the URI and query
// string under their wire names ("restapi_id", "resource_id", "http_method", "parent_id",
// "stage_name", "authorizer_id", "position", "limit"), body members as the model spells them on
// the wire (PutIntegration's integration method is "httpMethod"; list answers hold "item").
// Timestamps are epoch seconds (the model's default for REST-JSON). Errors: NotFoundException,
// BadRequestException, ConflictException.
//
// Stored in the `meta` column, one record per REST API with its resources, authorizers,
// deployments and stages ("apigw-rest/<id>"), read back at construction.
//
// The runtime (rest_gateway) answers `http://host:port/rest/<api-id>/<stage>/<path>` and the host
// form `<api-id>.execute-api.localhost:port/<stage>/<path>`: it matches a resource as API Gateway
// does (a literal part over `{var}` over `{proxy+}`; the request's method over ANY), runs the
// Cognito user-pool authorizer locally (jwt.hpp: claims decoded, `exp` checked, signature not),
// invokes the method's AWS_PROXY function with a payload format 1.0 event and maps its proxy
// response back. Deployments are recorded; a stage serves the API's current methods.

#include "fogbank/core/service.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fogbank::core {
class clock;
class id_generator;
class scheduler;
}  // namespace fogbank::core
namespace fogbank::storage {
class database;
}
namespace fogbank::dispatch {
class client;
}

namespace fogbank::apigw {

// A method of a resource as the runtime sees it.
struct rest_method {
  std::string http_method;         // "GET", ..., or "ANY"
  std::string authorization_type;  // "NONE", "COGNITO_USER_POOLS", "AWS_IAM", "CUSTOM"
  std::string authorizer_id;
  // The function an AWS_PROXY integration invokes; empty without one (or another type).
  std::string function_arn;
  bool has_integration = false;
  std::chrono::milliseconds timeout{29'000};
};

struct rest_resource {
  std::string id;
  std::string path;                // "/pets/{id}"
  std::vector<std::string> parts;  // {"pets", "{id}"}; empty for "/"
  std::vector<rest_method> methods;
};

struct rest_authorizer {
  std::string id;
  std::string type;  // "COGNITO_USER_POOLS", "TOKEN", "REQUEST"
  // The header the token comes from ("Authorization" for method.request.header.Authorization).
  std::string identity_header;
  std::vector<std::string> provider_arns;
  // TOKEN and REQUEST (Lambda) authorizers: the function's ARN (empty when authorizerUri names
  // none) and the identity sources ("method.request.header.X", "method.request.querystring.Y").
  std::string function_arn;
  std::vector<std::string> identity_sources;
};

// What the runtime needs of a REST API, copied out under the service's lock; never changes.
struct rest_api_view {
  std::string api_id;
  std::string region;
  std::string account_id;
  std::vector<rest_resource> resources;
  std::vector<rest_authorizer> authorizers;
  // Stage name -> its variables (a JSON object of strings).
  std::map<std::string, nlohmann::json, std::less<>> stages;

  const rest_authorizer* find_authorizer(std::string_view id) const noexcept;
};

class rest_api_service final : public core::service {
 public:
  // All references must outlive the service. Throws std::runtime_error when the stored APIs
  // cannot be read back.
  rest_api_service(storage::database& db, core::clock& clock, core::id_generator& ids);
  ~rest_api_service() override;
  rest_api_service(const rest_api_service&) = delete;
  rest_api_service& operator=(const rest_api_service&) = delete;

  // Runs one apigateway operation (CreateRestApi, GetRestApis, GetRestApi, DeleteRestApi,
  // GetResources, GetResource, CreateResource, DeleteResource, PutMethod, GetMethod, DeleteMethod,
  // PutIntegration, GetIntegration, CreateDeployment, GetDeployments, CreateStage, GetStages,
  // GetStage, DeleteStage, CreateAuthorizer, GetAuthorizers, GetAuthorizer, DeleteAuthorizer) and
  // calls `done` before returning. Thread-safe.
  void call(std::string_view operation, const nlohmann::json& request, const core::call_context& context,
            core::call_completion done) override;

  // {"restApis": <count>, "restApiUrls": ["http://.../rest/<id>/<stage>/", ...]} for the default
  // endpoint. Thread-safe.
  nlohmann::json health() const override;

  // The REST API `api_id`, or nullptr. Shared until the API changes. Thread-safe.
  std::shared_ptr<const rest_api_view> find_rest_api(std::string_view api_id) const;

  // The invoke URL of stage `stage` of API `api_id` for a caller that addressed `endpoint`
  // ("http://host:port", empty for "http://localhost:4566"): "http://host:port/rest/<id>/<stage>/".
  static std::string invoke_url(std::string_view endpoint, std::string_view api_id, std::string_view stage);

  // The endpoint health() writes its URLs for (the server's, once known). Thread-safe.
  void set_endpoint(std::string endpoint);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// One HTTP request to a REST API, as the HTTP front end read it.
struct rest_request {
  std::string api_id;
  std::string stage;
  std::string path;  // after the stage, raw (percent-encoded), starting with '/'
  std::string method;
  std::vector<std::pair<std::string, std::string>> headers;  // as sent, in order
  std::string query;                                         // raw, without '?'
  std::string body;
  std::string source_ip;
  std::string domain_name;  // the Host header
  bool tls = false;
  std::string port;
};

struct rest_response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The requestId the function's event carried (a UUID), which API Gateway also answers in
  // x-amzn-RequestId; empty when the request never reached a function.
  std::string request_id;
};

class rest_gateway {
 public:
  // API Gateway's integration timeout for REST APIs: 29 seconds ("Amazon API Gateway quotas:
  // Integration timeout 50 milliseconds - 29 seconds").
  static constexpr std::chrono::milliseconds default_timeout{29'000};

  // All references must outlive the gateway.
  rest_gateway(const rest_api_service& apis, const dispatch::client& client, core::clock& clock,
               core::scheduler& scheduler, core::id_generator& ids);
  rest_gateway(const rest_gateway&) = delete;
  rest_gateway& operator=(const rest_gateway&) = delete;

  // Whether `api_id` names a REST API (the HTTP front end routes the host form by it).
  bool serves(std::string_view api_id) const;

  // Answers `request`: `done` runs exactly once, now or when the function answers (or the
  // integration times out on the scheduler). Thread-safe.
  void handle(rest_request request, std::function<void(rest_response)> done) const;

 private:
  const rest_api_service& apis_;
  const dispatch::client& client_;
  core::clock& clock_;
  core::scheduler& scheduler_;
  core::id_generator& ids_;
};

}  // namespace fogbank::apigw
