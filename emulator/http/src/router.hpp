#pragma once
// Turns one HTTP request into one response: picks the protocol front (or fogbank's own
// endpoints) by method, path and headers. Knows nothing about sockets; the session calls it.
//
//   GET  /_fogbank/health                     -> health of every registered service
//   GET  /_fogbank/tls/ca.pem                 -> the CA certificate clients trust for https://
//   the registry's admin actions              -> e.g. POST /_fogbank/dynamodb/expire
//   POST with X-Amz-Target                    -> AWS JSON protocol (the row with that prefix)
//   a route of a REST-JSON row (Lambda's)     -> AWS REST-JSON protocol
//   POST form-encoded, or GET with Action=    -> AWS query protocol (the rows that speak it: SQS,
//                                                SNS; aws_query_front picks one per request)
//   any other POST                            -> the JSON front, which refuses it as DynamoDB does

#include "aws_json.hpp"
#include "aws_query.hpp"
#include "call.hpp"
#include "rest_json.hpp"
#include "sigv4_verify.hpp"
#include "wire.hpp"

#include "fogbank/dispatch/registry.hpp"
#include "fogbank/http/server.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace fogbank::apigw {
class rest_gateway;
}

namespace fogbank::http {

class router {
 public:
  // `services` must outlive the router.
  explicit router(const dispatch::registry& services);

  // The answer to a complete request: now, or nullopt when it comes later through a reply
  // taken from `channel` (an SQS long poll). Never throws: anything unexpected is a 500.
  // `tls`: the request came over TLS (URLs handed back say https://). Thread-safe.
  // `signature`: verify()'s verdict on the request, when the router verifies signatures; a
  // refusal is answered with the service's error and the call never reaches the service.
  std::optional<response> handle(const request& req, reply_channel& channel, bool tls = false,
                                 const sigv4::verdict* signature = nullptr) noexcept;

  // Verifies signatures from now on: every AWS API request must be signed by one of `keys`,
  // within 15 minutes of `clock`'s time. Not thread-safe: call before the server's threads start.
  // Both must outlive the router.
  void verify_signatures(const sigv4::key_ring* keys, const core::clock* clock) {
    keys_ = keys;
    clock_ = clock;
  }
  // The verdict on `req`'s signature, or nullopt when there is nothing to verify (no keys, or a
  // request to fogbank's own endpoints or an API's invoke URL). To be called on the request as it
  // came, before its body is decoded: the signature covers the bytes as sent. Never throws.
  std::optional<sigv4::verdict> verify(const request& req) const noexcept;

  // The answer to a request whose body exceeds the limit; `header` holds what was parsed.
  // `limit` is the limit it exceeded (see body_limit).
  response too_large(const request& header, std::size_t limit) noexcept;

  // The body limit of the request whose header is `header`: the limit of the REST-JSON service
  // it goes to, where that service sets one, else `fallback` (the server's). Never throws.
  std::size_t body_limit(const request& header, std::size_t fallback) const noexcept;
  // The largest limit body_limit() can answer for any request, given the server's `fallback`:
  // what a request's header is read with before it is known where the request goes.
  std::size_t max_body_limit(std::size_t fallback) const noexcept;

  // What gives the CA certificate (PEM) GET /_fogbank/tls/ca.pem answers with, called for each
  // such request from any thread (empty: 500); until set, that path is unknown. Not thread-safe:
  // call before the server's threads start.
  void set_ca_certificate(std::function<std::string()> pem) { ca_pem_ = std::move(pem); }

  // Where requests to REST APIs' invoke URLs go (rest_api_front.hpp); until set, nowhere. Not
  // thread-safe: call before the server's threads start.
  void set_rest_gateway(const apigw::rest_gateway* gateway) { rest_api_ = gateway; }

  // The answer to bytes that are not HTTP/1.1 (or headers over the limit).
  response bad_request(bhttp::status status) noexcept;

 private:
  enum class front { health, tls_ca, admin, json, rest, query, rest_api, not_found };

  front front_for(const request& req) const noexcept;
  // The registry's admin action at the request's method and path, or nullptr.
  const dispatch::admin_action* admin_action_for(const request& req) const noexcept;
  // The request id style of the service the request goes to (DynamoDB's when none).
  dispatch::request_id_style id_style_for(const request& req, front f) const noexcept;
  response health(const reply_to& to) const;
  response admin(const request& req, const reply_to& to) const;
  // The answer to a request whose signature `signature` refuses, in the protocol of front `f`.
  response refuse(const request& req, front f, const reply_to& to, const sigv4::verdict& signature) const;

  const dispatch::registry& services_;
  aws_json_front json_;
  rest_json_front rest_;
  std::optional<aws_query_front> query_;
  std::function<std::string()> ca_pem_;
  const apigw::rest_gateway* rest_api_ = nullptr;
  const sigv4::key_ring* keys_ = nullptr;  // null: signatures are not verified
  const core::clock* clock_ = nullptr;
};

}  // namespace fogbank::http
