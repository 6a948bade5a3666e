#pragma once
// The AWS query protocol as SQS speaks it (what boto3 1.26, AWS CLI 2.9 and the JS SDK v2 send):
// a form-encoded POST `Action=SendMessage&Version=2012-11-05&QueueUrl=...&MessageBody=...` to `/`
// or to the queue's own URL path `/<account>/<name>` (which then stands in for QueueUrl), or the
// same parameters in a GET's query string. Answers are XML (query_codec); errors are
// <ErrorResponse> documents with the query code ("AWS.SimpleQueueService.NonExistentQueue").
//
// Signatures are not checked: the credential scope only supplies the region.

#include "call.hpp"
#include "query_model.hpp"
#include "wire.hpp"

#include "fogbank/dispatch/registry.hpp"

#include <optional>
#include <string_view>

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

  // Whether `req` speaks the query protocol: a POST with a form body, or a GET carrying Action.
  static bool accepts(const request& req) noexcept;

  // Answers one request: the response now, or nullopt when the service answers later through a
  // reply taken from `channel`. Never throws anything but std::bad_alloc.
  std::optional<response> handle(const request& req, const reply_to& to, reply_channel& channel) const;

  const dispatch::service_row* row() const noexcept { return service_.row; }

  static constexpr std::string_view content_type = "text/xml";

 private:
  query_service service_;
};

}  // namespace fogbank::http
