#pragma once
// API Gateway's id shapes, drawn from a seeded core::id_generator so that a seeded run hands out
// the same ids every time.

#include <string>

namespace fogbank::core {
class id_generator;
}

namespace fogbank::apigw {

// An API id: 10 characters of [a-z0-9], as in `https://<api-id>.execute-api...`.
std::string new_api_id(core::id_generator& ids);

// A route, integration, stage deployment or authorizer id: 7 characters of [a-z0-9]
// (unconfirmed: AWS's are short lowercase alphanumerics of varying length).
std::string new_resource_id(core::id_generator& ids);

// A connection id, request id or message id in AWS's 16-character form: 11 bytes in base64
// with the URL-safe alphabet, so always ending in '=' (captured AWS ids: "Kf2bqd9WywMCEng=",
// "Gto47d9-DoECGqg="). The '=' makes callers URL-encode it in @connections paths, as on AWS.
std::string new_event_id(core::id_generator& ids);

}  // namespace fogbank::apigw
