#pragma once
// Turns one HTTP request into one response: picks the protocol front (or fogbank's own
// endpoints) by method, path and headers. Knows nothing about sockets; the session calls it.

#include "aws_json.hpp"
#include "wire.hpp"

#include "fogbank/http/server.hpp"

#include <string>

namespace fogbank::http {

class router {
 public:
  // `services` must outlive the router.
  explicit router(backends services);

  // The answer to a complete request. Never throws: anything unexpected is a 500.
  // Thread-safe.
  response handle(const request& req) noexcept;

  // The answer to a request whose body exceeds the limit; `header` holds what was parsed.
  response too_large(const request& header) noexcept;

  // The answer to bytes that are not HTTP/1.1 (or headers over the limit).
  response bad_request(bhttp::status status) noexcept;

 private:
  response health(const request& req, std::string_view request_id) const;
  response route(const request& req, std::string_view request_id) const;
  std::string new_request_id() const;

  backends services_;
  aws_json_front json_;
};

}  // namespace fogbank::http
