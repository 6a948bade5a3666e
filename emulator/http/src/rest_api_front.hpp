#pragma once
// Requests to API Gateway REST APIs (their invoke URLs), handed to apigw::rest_gateway:
//
//   http://host:port/rest/<api-id>/<stage>/<path>[?query]
//   http://<api-id>.execute-api.localhost:port/<stage>/<path>[?query]   (AWS's host form; only
//       for an <api-id> that names a REST API, so that other APIs' host-form requests, such as
//       the @connections API of a WebSocket API, go where they went before)

#include "call.hpp"
#include "wire.hpp"

#include <optional>

namespace fogbank::apigw {
class rest_gateway;
}

namespace fogbank::http {

// Whether `req` addresses a REST API through `gateway`. Never throws.
bool is_rest_api_request(const request& req, const apigw::rest_gateway& gateway) noexcept;

// Answers `req` (which is_rest_api_request accepted): now, or later through `channel`.
std::optional<response> handle_rest_api(const request& req, const reply_to& to, reply_channel& channel,
                                        const apigw::rest_gateway& gateway);

}  // namespace fogbank::http
