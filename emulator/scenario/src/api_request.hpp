#pragma once
// `request:` steps: one request to an API Gateway REST API or HTTP API, and the expectations on
// its response. In process the request goes to the emulator's rest_gateway or
// http_api_gateway, the same objects the HTTP server hands `/rest/...` and `/http/...` to (the
// same events, authorizers and error answers); with --endpoint it goes over a real socket to
// `/rest/<id>/<stage>/<path>` or `/http/<id>[/<stage>]/<path>` of the running server.
//
// Thread-safety: an api_requests is used by the runner's one thread.

#include "model.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace YAML {
class Node;
}

namespace fogbank {
class emulator;
}

namespace fogbank::scenario {

class live_endpoint;
class transcript;

namespace detail {
class reader;
}

// Reads a request step: `body` is the value under `request:`, `item` the step (for `expect` and
// `match`). Throws load_error naming the node at fault.
step_action read_request(const detail::reader& r, const YAML::Node& item, const YAML::Node& body);

// A response as a step's result: {"status", "headers", "body"}, header names in lower case
// (a repeated header's values joined with ", "), the body as JSON when it parses as an object
// or a list, else as text.
json response_value(int status, const std::vector<std::pair<std::string, std::string>>& headers,
                    const std::string& body);

// Why `response` (a response_value) does not meet `expected`, with the expected and actual
// values as a diff; nullopt when it does.
std::optional<std::string> response_mismatch(const response_expectation& expected, const json& response);

class api_requests {
 public:
  // In process: `services` set, `live` null; with --endpoint the other way round. `domain` is
  // what in-process requests name as their Host (requestContext.domainName).
  api_requests(transcript& log, emulator* services, live_endpoint* live, std::string domain);
  ~api_requests();
  api_requests(const api_requests&) = delete;
  api_requests& operator=(const api_requests&) = delete;

  // Sends the step's request (its `{{captures}}` substituted, `api` resolved through
  // `physical_ids`), writes "request" and "response" to the transcript, and returns the
  // response_value. Throws std::runtime_error saying what did not match or did not complete.
  json perform(const request_step& step, const std::map<std::string, json>& captures,
               const std::map<std::string, std::string>& physical_ids);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace fogbank::scenario
