#pragma once
// The HTTP API runtime: what happens when a client calls a route of an HTTP API
// (`http://host:port/http/<api-id>/<stage>/<path>`, `.../http/<api-id>/<path>` for the `$default`
// stage, or the host form `<api-id>.execute-api.localhost:port/<stage>/<path>`). The HTTP front
// end reads the request and calls in here; this side finds the stage and the route, answers CORS
// preflights, runs the route's Lambda function through the in-process client ("lambda", "Invoke",
// RequestResponse: the same path as any other caller) with a payload format 2.0 (or 1.0) event,
// and turns its result into the HTTP response.
//
// Errors as API Gateway's HTTP APIs give them: 404 {"message":"Not Found"} for no API, stage or
// route; 500 {"message":"Internal Server Error"} for a function that fails or answers a malformed
// response; 503 {"message":"Service Unavailable"} when the integration's timeout (30 s at most)
// passes first, on the service clock.
//
// Thread-safety: every member may be called from any thread. `done` runs on the thread that
// finishes the invocation (the caller's for in-process handlers), or the scheduler's on timeout.

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fogbank::core {
class clock;
class id_generator;
class scheduler;
}  // namespace fogbank::core
namespace fogbank::dispatch {
class client;
}

namespace fogbank::apigw {

class service;

// One request to an HTTP API, as the front end read it.
struct http_api_request {
  std::string api_id;
  // The path after the API (and, in the /http/ form, after the API id), as sent, starting with
  // '/': "/prod/pets/7" or "/pets/7". The stage is resolved from it: a first segment that names
  // a stage of the API selects that stage, anything else goes to the `$default` stage.
  std::string path;
  std::string query;  // raw, without '?'
  std::string method;
  std::vector<std::pair<std::string, std::string>> headers;  // as sent, in order
  std::string body;
  std::string source_ip;
  std::string domain_name;  // the Host header
  std::string protocol = "HTTP/1.1";
  bool tls = false;
  std::string port;  // the port the client connected to
};

struct http_api_response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class http_api_gateway {
 public:
  // All references must outlive the gateway.
  http_api_gateway(const service& apis, const dispatch::client& client, core::clock& clock,
                   core::scheduler& scheduler, core::id_generator& ids);
  http_api_gateway(const http_api_gateway&) = delete;
  http_api_gateway& operator=(const http_api_gateway&) = delete;

  // Whether `api_id` names an HTTP API (the host form sends only those here).
  bool is_http_api(std::string_view api_id) const;

  // Answers `request`; `done` runs exactly once, now or later.
  void handle(http_api_request request, std::function<void(http_api_response)> done);

 private:
  const service& apis_;
  const dispatch::client& client_;
  core::clock& clock_;
  core::scheduler& scheduler_;
  core::id_generator& ids_;
};

}  // namespace fogbank::apigw
