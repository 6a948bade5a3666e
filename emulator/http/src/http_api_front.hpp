#pragma once
// Calls to API Gateway HTTP APIs. A request goes to an HTTP API when its path is under
// `/http/<api-id>` (the rest of the path, stage first unless it is the `$default` stage, is the
// API's), or when its Host is AWS's `<api-id>.execute-api.<anything>` and that id names an HTTP
// API (a WebSocket API's host form keeps going to the upgrade and the @connections API). The
// apigw gateway answers; this side turns the Beast request into its shape and its answer back.

#include "call.hpp"
#include "wire.hpp"

#include "fogbank/apigw/http_api.hpp"

#include <optional>

namespace fogbank::http {

inline constexpr std::string_view http_api_prefix = "/http/";

// The HTTP API call `req` is, with api_id, path, query, method, headers, body and domain_name
// filled in (the connection's members are the caller's to fill), or nullopt when it is not one.
std::optional<apigw::http_api_request> http_api_call_of(const request& req,
                                                        const apigw::http_api_gateway& gateway);

// Has the gateway answer `call`: the response now, or nullopt when it comes through a reply taken
// from `channel`.
std::optional<response> serve_http_api(apigw::http_api_request call, const request& req,
                                       reply_channel& channel, apigw::http_api_gateway& gateway);

}  // namespace fogbank::http
