#pragma once
// Turns one HTTP request into one response: picks the protocol front (or fogbank's own
// endpoints) by method, path and headers. Knows nothing about sockets; the session calls it.
//
//   GET  /_fogbank/health                     -> health
//   POST /_fogbank/dynamodb/expire            -> run the DynamoDB TTL sweep now
//   POST with X-Amz-Target                    -> AWS JSON protocol (DynamoDB, SQS's AmazonSQS.*)
//   POST form-encoded, or GET with Action=    -> AWS query protocol (SQS)
//   any other POST                            -> the JSON front, which refuses it as DynamoDB does

#include "aws_json.hpp"
#include "aws_query.hpp"
#include "call.hpp"
#include "wire.hpp"

#include "fogbank/http/server.hpp"

#include <optional>
#include <string>

namespace fogbank::http {

class router {
 public:
  // `services` must outlive the router.
  explicit router(backends services);

  // The answer to a complete request: now, or nullopt when it comes later through a reply
  // taken from `channel` (an SQS long poll). Never throws: anything unexpected is a 500.
  // Thread-safe.
  std::optional<response> handle(const request& req, reply_channel& channel) noexcept;

  // The answer to a request whose body exceeds the limit; `header` holds what was parsed.
  response too_large(const request& header) noexcept;

  // The answer to bytes that are not HTTP/1.1 (or headers over the limit).
  response bad_request(bhttp::status status) noexcept;

 private:
  enum class front { health, expire, json, query, not_found };

  front front_for(const request& req) const noexcept;
  bool is_sqs(const request& req, front f) const noexcept;
  response health(const reply_to& to) const;
  response expire(const reply_to& to) const;
  std::string new_request_id(bool sqs) const;

  backends services_;
  aws_json_front json_;
  std::optional<aws_query_front> query_;
};

}  // namespace fogbank::http
