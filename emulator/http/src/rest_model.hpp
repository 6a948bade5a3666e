#pragma once
// The shapes of an AWS REST-JSON service, as the REST-JSON codec needs them: each operation's
// route (method and URI template), which of its input and output members travel in the URI, the
// query string, headers or the status line rather than the JSON body, which member (if any) is
// the whole body, and each modeled error's status and the spelling of its message member.
// Nested members are not described: inside the body the service takes and gives the JSON
// protocol's shapes as they are. The tables are generated from botocore's models by
// tools/gen_rest_json_model.py (<service>_rest_model.cpp); nothing here is specific to one service.

#include <span>
#include <string_view>

namespace fogbank::http::rest_model {

// The type of a member outside the body: what its text converts to in the request object, and
// what the response's value is written from.
enum class kind : unsigned char { string, integer, long_integer, boolean, string_list, blob, structure };

// Where a member travels when it is not in the JSON body (botocore's `location`).
enum class location : unsigned char { uri, querystring, header, status_code };

struct bound_member {
  std::string_view name;       // the member: "FunctionName"
  location where;              // uri, querystring, header or status_code
  std::string_view wire_name;  // URI label, query key or header name ("X-Amz-Invocation-Type")
  kind type;
};

// One direction of an operation (its input or its output).
struct message_shape {
  std::span<const bound_member> bound;
  // The member that is the whole body (botocore's `payload`), or empty. A blob or string payload
  // is the raw bytes of the body (base64 in the JSON object the service sees, as blobs are in
  // every JSON shape); a structure payload is the JSON body itself.
  std::string_view payload;
  kind payload_type = kind::blob;
  // Whether other members travel in a JSON body.
  bool has_body_members = false;
};

struct operation {
  std::string_view name;    // "Invoke"
  std::string_view method;  // "POST"
  // The path template, labels in braces: "/2015-03-31/functions/{FunctionName}/invocations". A
  // label ending in '+' ("{Key+}") takes the rest of the path, slashes included.
  std::string_view path;
  // Literal query parameters the route requires ("find=LayerVersion"), or empty.
  std::string_view query;
  // The status of a success when no output member sets it (the model's responseCode, else 200).
  int success_status;
  message_shape input;
  message_shape output;
};

// A modeled error: its HTTP status, how its message member is spelled ("message" or "Message":
// Lambda differs from error to error and clients that read the body see it), and its members
// that travel as headers (TooManyRequestsException's Retry-After).
struct error_shape {
  std::string_view name;
  int status;
  std::string_view message_member;
  std::span<const bound_member> bound;
};

struct service_model {
  std::string_view api_version;  // "2015-03-31"
  std::span<const operation> operations;
  std::span<const error_shape> errors;  // sorted by name
  // How the service refuses a body that is not JSON: the error's name and the start of its
  // message (the parser's complaint follows it).
  std::string_view malformed_body_error;
  std::string_view malformed_body_message;
  // How it refuses a body over its size limit: the error's name, and the message before and
  // after the limit and before and after the operation's name ("Request must be smaller than " N
  // " bytes for the " Op " operation").
  std::string_view too_large_error;
  std::string_view too_large_before_limit;
  std::string_view too_large_before_operation;
  std::string_view too_large_after_operation;

  // The modeled error called `name`, or nullptr.
  const error_shape* find_error(std::string_view name) const noexcept;
};

// Lambda 2015-03-31, from botocore's REST-JSON model (lambda_rest_model.cpp, generated).
const service_model& lambda();

// API Gateway's control plane and its @connections API, 2018-11-29 (apigatewayv2_rest_model.cpp
// and apigatewaymanagementapi_rest_model.cpp, generated). Their URI and query members are named
// by their wire names ("apiId"), as the services take them.
const service_model& apigatewayv2();
const service_model& apigatewaymanagementapi();
// API Gateway's REST API control plane, 2015-07-09 (apigateway_rest_model.cpp, generated); URI
// and query members by their wire names ("restapi_id"), as the service takes them.
const service_model& apigateway();

// The model of the service a dispatch registry row names ("lambda"), or nullptr if fogbank has
// none for it.
inline const service_model* for_service(std::string_view name) noexcept {
  if (name == "lambda") return &lambda();
  if (name == "apigatewayv2") return &apigatewayv2();
  if (name == "apigatewaymanagementapi") return &apigatewaymanagementapi();
  if (name == "apigateway") return &apigateway();
  return nullptr;
}

}  // namespace fogbank::http::rest_model
