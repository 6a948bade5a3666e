#pragma once
// The AWS query protocol as SQS and SNS speak it (what boto3 1.26, AWS CLI 2.9 and the JS SDK v2 send):
// a form-encoded POST `Action=SendMessage&Version=2012-11-05&QueueUrl=...&MessageBody=...` to `/`
// or to the queue's own URL path `/<account>/<name>` (which then stands in for QueueUrl), or the
// same parameters in a GET's query string. Answers are XML (query_codec); errors are
// <ErrorResponse> documents with the query code ("AWS.SimpleQueueService.NonExistentQueue").
//
// Signatures are verified by the router, and only when the server has credentials (refuse()
// answers a refused one); here the credential scope only supplies the region, and the service
// where more than one speaks the protocol on the one port.

#include "call.hpp"
#include "query_model.hpp"
#include "wire.hpp"

#include "fogbank/dispatch/registry.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace fogbank::http {

// One service reachable through the query protocol: its wire model and its registry row.
struct query_service {
  const query_model::service_model* model = nullptr;
  const dispatch::service_row* row = nullptr;
  const dispatch::registry* registry = nullptr;
};

class aws_query_front {
 public:
  explicit aws_query_front(query_service service);
  // Several services on the query protocol (SQS and SNS both have AddPermission): a request goes
  // to the service its SigV4 credential scope names ("…/us-east-1/sns/aws4_request"), else to the
  // one whose API version its Version parameter gives, else to the first whose model has its
  // Action, else to the first. `services` must not be empty.
  explicit aws_query_front(std::vector<query_service> services);

  // Whether `req` speaks the query protocol: a POST with a form body, or a GET carrying Action.
  static bool accepts(const request& req) noexcept;

  // Answers one request: the response now, or nullopt when the service answers later through a
  // reply taken from `channel`. Never throws anything but std::bad_alloc.
  std::optional<response> handle(const request& req, const reply_to& to, reply_channel& channel) const;

  // A request refused before it reaches a service (its signature): `code` and `message` in the
  // XML error of the service the request is for, a Sender fault.
  response refuse(const request& req, const reply_to& to, bhttp::status status, std::string_view code,
                  std::string_view message) const;

  // The first service's row (every query service answers with UUID request ids).
  const dispatch::service_row* row() const noexcept { return services_.front().row; }

  static constexpr std::string_view content_type = "text/xml";

 private:
  const query_service& service_for(std::string_view scope_service, const std::string* version,
                                   const std::string* action) const noexcept;

  std::vector<query_service> services_;
};

}  // namespace fogbank::http
