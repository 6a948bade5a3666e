// SNS and SQS behind one query-protocol front, against fake services: which service a request
// reaches (its SigV4 credential scope, else its Version, else its Action), SNS's XML namespace,
// and SNS's error codes (NotFound 404; the batch errors without SQS's prefix).

#include "aws_query.hpp"
#include "call.hpp"
#include "query_model.hpp"

#include "fogbank/core/ids.hpp"
#include "fogbank/dispatch/registry.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fogbank::http {
namespace {

using nlohmann::json;

class null_channel final : public reply_channel {
 public:
  std::shared_ptr<deferred_reply> defer() override {
    return std::make_shared<deferred_reply>([](response) {});
  }
};

// Records the calls it gets and answers with `answer`.
struct recorder final : core::service {
  void call(std::string_view operation, const json&, const core::call_context&,
            core::call_completion done) override {
    calls.emplace_back(operation);
    done(answer);
  }
  json health() const override { return json::object(); }
  std::vector<std::string> calls;
  core::call_result answer{json::object(), std::nullopt};
};

struct two_services {
  two_services() {
    registry.add({.name = "sqs",
                  .query_protocol = true,
                  .request_ids = dispatch::request_id_style::uuid,
                  .service = &sqs});
    registry.add({.name = "sns",
                  .query_protocol = true,
                  .request_ids = dispatch::request_id_style::uuid,
                  .service = &sns});
  }
  aws_query_front front() const {
    return aws_query_front(
        std::vector<query_service>{{&query_model::sqs(), registry.find("sqs"), &registry},
                                   {&query_model::sns(), registry.find("sns"), &registry}});
  }
  recorder sqs;
  recorder sns;
  core::id_generator ids{1};
  dispatch::registry registry{ids};
};

request form(std::string body, std::string_view scope_service = "") {
  request req{bhttp::verb::post, "/", 11};
  req.set(bhttp::field::host, "127.0.0.1:9999");
  req.set(bhttp::field::content_type, "application/x-www-form-urlencoded; charset=utf-8");
  if (!scope_service.empty()) {
    req.set(bhttp::field::authorization, "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/" +
                                             std::string(scope_service) +
                                             "/aws4_request, SignedHeaders=host, Signature=x");
    req.set("X-Amz-Date", "20240101T000000Z");
  }
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

reply_to a_reply() {
  reply_to r;
  r.request_id = "rid";
  return r;
}

TEST(SnsQueryFront, TheCredentialScopePicksTheService) {
  two_services s;
  null_channel channel;
  // AddPermission is an action of both services.
  ASSERT_TRUE(s.front().handle(form("Action=AddPermission&Label=l", "sns"), a_reply(), channel));
  ASSERT_TRUE(s.front().handle(form("Action=AddPermission&Label=l", "sqs"), a_reply(), channel));
  EXPECT_EQ(s.sns.calls, std::vector<std::string>{"AddPermission"});
  EXPECT_EQ(s.sqs.calls, std::vector<std::string>{"AddPermission"});
}

TEST(SnsQueryFront, UnsignedRequestsGoByVersionThenAction) {
  two_services s;
  null_channel channel;
  ASSERT_TRUE(s.front().handle(form("Action=AddPermission&Version=2010-03-31"), a_reply(), channel));
  ASSERT_TRUE(s.front().handle(form("Action=AddPermission&Version=2012-11-05"), a_reply(), channel));
  ASSERT_TRUE(s.front().handle(form("Action=Publish&Message=m"), a_reply(), channel));
  ASSERT_TRUE(s.front().handle(form("Action=SendMessage&MessageBody=m"), a_reply(), channel));
  EXPECT_EQ(s.sns.calls, (std::vector<std::string>{"AddPermission", "Publish"}));
  EXPECT_EQ(s.sqs.calls, (std::vector<std::string>{"AddPermission", "SendMessage"}));
}

TEST(SnsQueryFront, AnswersInSnsNamespace) {
  two_services s;
  s.sns.answer = core::call_result{json{{"MessageId", "m-1"}}, std::nullopt};
  null_channel channel;
  const auto res = s.front().handle(form("Action=Publish&TopicArn=t&Message=hi", "sns"), a_reply(), channel);
  ASSERT_TRUE(res);
  EXPECT_EQ(
      res->body(),
      "<?xml version=\"1.0\"?><PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">"
      "<PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>rid</RequestId>"
      "</ResponseMetadata></PublishResponse>");
}

TEST(SnsQueryFront, SnsErrorCodes) {
  two_services s;
  null_channel channel;
  s.sns.answer = core::call_result{json::object(),
                                   core::aws_error(core::error_code::sns_not_found, "Topic does not exist")};
  auto res = s.front().handle(form("Action=GetTopicAttributes&TopicArn=t", "sns"), a_reply(), channel);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::not_found);
  EXPECT_NE(res->body().find("<Code>NotFound</Code><Message>Topic does not exist</Message>"),
            std::string::npos)
      << res->body();
  s.sns.answer = core::call_result{
      json::object(), core::aws_error(core::error_code::sns_too_many_entries_in_batch,
                                      "The batch request contains more entries than permissible.")};
  res = s.front().handle(form("Action=PublishBatch&TopicArn=t", "sns"), a_reply(), channel);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::bad_request);
  EXPECT_NE(res->body().find("<Code>TooManyEntriesInBatchRequest</Code>"), std::string::npos) << res->body();
}

}  // namespace
}  // namespace fogbank::http
