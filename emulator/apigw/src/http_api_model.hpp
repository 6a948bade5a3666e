#pragma once
// What the HTTP API runtime needs of an API, copied out of the control plane's record under its
// lock (service::find_http_api) and shared until the API changes.

#include "authorizer_jwt.hpp"
#include "cors.hpp"
#include "http_routes.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::apigw {

struct http_api_route {
  std::string route_id;
  std::string route_key;
  http_route_key parsed;
  // The Lambda function its AWS_PROXY integration invokes; empty without an integration.
  std::string function_arn;
  std::string payload_format_version = "2.0";
  std::chrono::milliseconds timeout{30'000};
  // The route's JWT authorizer (authorizationType JWT), checked before the integration runs.
  std::optional<http_jwt_authorizer> jwt;
};

struct http_api_stage {
  std::string name;
  nlohmann::json stage_variables = nlohmann::json::object();
};

struct http_api {
  std::string api_id;
  std::string region;
  std::string account_id;
  std::vector<http_api_stage> stages;
  std::vector<http_api_route> routes;
  std::vector<http_route_key> keys;  // routes[i].parsed, for match_http_route
  std::optional<cors_configuration> cors;

  const http_api_stage* find_stage(std::string_view name) const noexcept {
    for (const http_api_stage& stage : stages) {
      if (stage.name == name) return &stage;
    }
    return nullptr;
  }
};

}  // namespace fogbank::apigw
