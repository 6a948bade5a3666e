#pragma once
// The AWS REST-JSON protocol's front: Lambda's API (`POST /2015-03-31/functions`, `POST
// /2015-03-31/functions/{FunctionName}/invocations`, ...) and any other registry row flagged
// rest_protocol. The route (method and path) names the service and operation; rest_codec decodes
// the request into the service's JSON object and encodes its answer. Errors carry their name in
// `x-amzn-ErrorType`, where botocore and the other SDKs read it.
//
// Signatures are verified by the router when the server has credentials (refuse()); here the
// credential scope only supplies the region.

#include "call.hpp"
#include "rest_codec.hpp"
#include "rest_model.hpp"
#include "wire.hpp"

#include "fogbank/dispatch/registry.hpp"

#include <cstddef>
#include <optional>
#include <vector>

namespace fogbank::http {

class rest_json_front {
 public:
  // Takes the registry's rows flagged rest_protocol; throws std::logic_error for one that has no
  // route table. `services` must outlive the front.
  explicit rest_json_front(const dispatch::registry& services);

  // What a request addresses: the service's row and model, and the route within it.
  struct target {
    const dispatch::service_row* row = nullptr;
    const rest_model::service_model* model = nullptr;
    rest_codec::route route;
  };
  // The REST-JSON operation `req`'s method and path name (only its header is read), or nullopt.
  std::optional<target> find(const request& req) const;

  // Answers one request: the response now, or nullopt when the service answers later through a
  // reply taken from `channel` (an Invoke whose handler runs in a worker process). Never throws
  // anything but std::bad_alloc.
  std::optional<response> handle(const request& req, const reply_to& to, reply_channel& channel) const;

  // The answer to a request whose body is over `limit` bytes: the service's 413, naming the
  // operation (Lambda: "Request must be smaller than 70167211 bytes for the CreateFunction
  // operation").
  response too_large(const target& found, const reply_to& to, std::size_t limit) const;

  // A request refused before it reaches a service (its signature): error `name` with `status`
  // and `message` in the REST-JSON shape of the service `req` is for. `req` must be one find()
  // routes.
  response refuse(const request& req, const reply_to& to, std::string_view name, int status,
                  std::string_view message) const;

  // The body limit of the row `found` names, or `fallback` when it sets none.
  static std::size_t body_limit(const target& found, std::size_t fallback) noexcept;
  // The largest body limit any REST-JSON row sets (0 when none does).
  std::size_t max_body_limit() const noexcept;

 private:
  struct service {
    const dispatch::service_row* row;
    const rest_model::service_model* model;
  };
  const dispatch::registry& services_;
  std::vector<service> rows_;
};

}  // namespace fogbank::http
