#pragma once
// The AWS REST-JSON protocol's codec, driven by a rest_model: the inverse of botocore's
// RestJSONSerializer and the counterpart of its RestJSONParser. A request's route (method and
// path) names the operation; its URI labels, query parameters, headers and body become the JSON
// object the service takes; the service's JSON answer becomes a status, headers and a body:
//
//   POST /2015-03-31/functions/f%3A1/invocations?Qualifier=%24LATEST  X-Amz-Log-Type: Tail  {"a":1}
//     -> Invoke {"FunctionName": "f:1", "Qualifier": "$LATEST", "LogType": "Tail", "Payload": "eyJhIjoxfQ=="}
//   {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": "e30="}
//     -> 200, X-Amz-Function-Error: Unhandled, body {}
//
// Pure functions over the request and JSON: no I/O, no service.

#include "rest_model.hpp"
#include "wire.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fogbank::http::rest_codec {

// The operation a request addresses, and the decoded values of its URI labels by label name.
struct route {
  const rest_model::operation* op = nullptr;
  std::map<std::string, std::string, std::less<>> labels;
};

// The route of `method` and `target` (path and query as sent), or nullopt when no operation of
// `model` has it. Literal segments must match exactly, a label takes one non-empty segment
// (percent-decoded; '+' is a plus), a trailing slash on either side is ignored (older models
// spell some routes with one), and literal query parameters of the template must be present.
// Where two routes match, the one with more literal parts wins.
std::optional<route> match(const rest_model::service_model& model, std::string_view method,
                           std::string_view target);

// A request the protocol itself refuses (the service never sees it): the error's name, as the
// model spells it, and message.
struct protocol_error {
  std::string name;
  std::string message;
};

// The input object of `matched.op` from `req`: URI labels, query parameters and headers bound to
// members, converted to the member's type (a value that does not convert stays a string, for the
// service to refuse as it refuses a wrongly typed member from any caller); a blob payload as
// base64; the JSON body's members. Throws protocol_error (the model's malformed-body error) for a
// body that is not a JSON object or nests deeper than core::max_request_nesting.
nlohmann::json decode_request(const rest_model::service_model& model, const route& matched,
                              const request& req);

// An answer as it goes on the wire.
struct encoded {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The answer to a successful call of `op` whose response object is `result`: the status from a
// member bound to it (Invoke's StatusCode) or the operation's success status; members bound to
// headers as headers; a blob payload as the raw body; the remaining members as the JSON body
// (none for a 204, or when the output has no body members).
encoded encode_response(const rest_model::operation& op, const nlohmann::json& result);

// The answer to an error: `x-amzn-ErrorType: <name>` (botocore reads the code from it first), the
// status, and the body {"Type": "User" (4xx) or "Service" (5xx), "message" or "Message" (as the
// model spells that error's member): ...} plus `extra`'s members, those the model binds to
// headers going out as headers (TooManyRequestsException's Retry-After).
encoded encode_error(const rest_model::service_model& model, std::string_view name, int status,
                     std::string_view message, const nlohmann::json& extra);

}  // namespace fogbank::http::rest_codec
