// SQS through both protocol fronts, against a fake service: the JSON protocol's errors with the
// x-amzn-query-error header of awsQueryCompatible services, the query protocol's XML and queue-URL
// paths, and calls answered later (long polls), including the answer of a server that stops.

#include "aws_json.hpp"
#include "aws_query.hpp"
#include "call.hpp"
#include "query_model.hpp"

#include "fogbank/core/ids.hpp"
#include "fogbank/dispatch/registry.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace fogbank::http {
namespace {

using nlohmann::json;

// Records the deferred reply a front takes and what reaches the session's side of it.
class fake_channel final : public reply_channel {
 public:
  std::shared_ptr<deferred_reply> defer() override {
    reply = std::make_shared<deferred_reply>([this](response res) {
      std::lock_guard lock(mutex);
      delivered.push_back(std::move(res));
    });
    return reply;
  }
  std::size_t delivered_count() {
    std::lock_guard lock(mutex);
    return delivered.size();
  }

  std::shared_ptr<deferred_reply> reply;
  std::mutex mutex;
  std::vector<response> delivered;
};

// A fake SQS behind the registry's "sqs" row (the fronts are under test, not the service): answers
// at once, fails, or keeps the completion to answer later.
struct fake_sqs final : core::service {
  fake_sqs() {
    registry.add({.name = "sqs",
                  .target_prefix = "AmazonSQS.",
                  .error_namespace = "com.amazonaws.sqs",
                  .query_compatible = true,
                  .query_protocol = true,
                  .request_ids = dispatch::request_id_style::uuid,
                  .service = this});
  }
  void call(std::string_view operation, const json& request, const core::call_context& context,
            core::call_completion done) override {
    last_operation = std::string(operation);
    last_request = request;
    last_context = context;
    behaviour(request, done);
  }
  json health() const override { return json::object(); }
  query_service query() const { return query_service{&query_model::sqs(), registry.find("sqs"), &registry}; }

  std::string last_operation;
  json last_request;
  core::call_context last_context;
  core::call_completion held;
  std::function<void(const json&, core::call_completion&)> behaviour = [](const json&,
                                                                          core::call_completion& done) {
    done(core::call_result{json{{"QueueUrl", "http://h/000000000000/q"}}, std::nullopt});
  };
  core::id_generator ids{1};
  dispatch::registry registry{ids};
};

request json_request(std::string_view target, std::string body) {
  request req{bhttp::verb::post, "/", 11};
  req.set(bhttp::field::host, "localhost:4566");
  req.set(bhttp::field::content_type, "application/x-amz-json-1.0");
  req.set("X-Amz-Target", bsv(target));
  req.set(bhttp::field::authorization,
          "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/sqs/aws4_request, SignedHeaders=host, "
          "Signature=x");
  req.set("X-Amz-Date", "20240101T000000Z");
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

request form_request(std::string_view target, std::string body) {
  request req{bhttp::verb::post, bsv(target), 11};
  req.set(bhttp::field::host, "127.0.0.1:9999");
  req.set(bhttp::field::content_type, "application/x-www-form-urlencoded; charset=utf-8");
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

reply_to to(std::string id = "rid") {
  reply_to r;
  r.request_id = std::move(id);
  return r;
}

aws_json_front sqs_json_front(fake_sqs& sqs) {
  return aws_json_front(sqs.registry);
}

TEST(DeferredReply, CompletedBeforeTakenIsAnsweredAtOnce) {
  int sink_calls = 0;
  deferred_reply reply([&](response) { ++sink_calls; });
  reply.complete(response{bhttp::status::ok, 11});
  reply.complete(response{bhttp::status::bad_request, 11});  // dropped: the first one wins
  const auto res = reply.take_if_ready();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::ok);
  EXPECT_EQ(sink_calls, 0);
}

TEST(DeferredReply, CompletedAfterTakenGoesToTheSinkOnce) {
  int sink_calls = 0;
  deferred_reply reply([&](response res) {
    ++sink_calls;
    EXPECT_EQ(res.result(), bhttp::status::ok);
  });
  EXPECT_FALSE(reply.take_if_ready());
  reply.set_fallback([] { return response{bhttp::status::ok, 11}; });
  std::thread other([&] { reply.complete(response{bhttp::status::ok, 11}); });
  other.join();
  reply.abandon();  // already answered: nothing more
  EXPECT_EQ(sink_calls, 1);
}

TEST(DeferredReply, AbandonAnswersWithTheFallbackAndDropsTheLateAnswer) {
  std::vector<bhttp::status> seen;
  deferred_reply reply([&](response res) { seen.push_back(res.result()); });
  EXPECT_FALSE(reply.take_if_ready());
  reply.set_fallback([] { return response{bhttp::status::accepted, 11}; });
  reply.abandon();
  reply.complete(response{bhttp::status::ok, 11});
  EXPECT_EQ(seen, std::vector<bhttp::status>{bhttp::status::accepted});
}

TEST(SqsJsonFront, AnswersAtOnceWithTheEndpointAndRegionOfTheCall) {
  fake_sqs sqs;
  const aws_json_front front = sqs_json_front(sqs);
  fake_channel channel;
  const auto res = front.handle(json_request("AmazonSQS.CreateQueue", R"({"QueueName":"q"})"), to(), channel);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::ok);
  EXPECT_EQ(json::parse(res->body()), json::parse(R"({"QueueUrl":"http://h/000000000000/q"})"));
  EXPECT_EQ(sv((*res)[bhttp::field::content_type]), "application/x-amz-json-1.0");
  EXPECT_EQ(res->find("x-amzn-query-error"), res->end());
  EXPECT_EQ(sqs.last_operation, "CreateQueue");
  EXPECT_EQ(sqs.last_context.endpoint, "http://localhost:4566");
  EXPECT_EQ(sqs.last_context.region, "eu-west-1");
  EXPECT_EQ(channel.delivered_count(), 0u);
}

TEST(SqsJsonFront, ErrorsCarryTheQueryErrorHeader) {
  fake_sqs sqs;
  sqs.behaviour = [](const json&, core::call_completion& done) {
    done(core::call_result{json::object(), core::aws_error(core::error_code::queue_does_not_exist,
                                                           "The specified queue does not exist.")});
  };
  const aws_json_front front = sqs_json_front(sqs);
  fake_channel channel;
  const auto res =
      front.handle(json_request("AmazonSQS.GetQueueUrl", R"({"QueueName":"nope"})"), to(), channel);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::bad_request);
  EXPECT_EQ(json::parse(res->body()), json::parse(R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist",
                            "message":"The specified queue does not exist."})"));
  EXPECT_EQ(sv((*res)["x-amzn-query-error"]), "AWS.SimpleQueueService.NonExistentQueue;Sender");

  sqs.behaviour = [](const json&, core::call_completion& done) {
    done(core::call_result{json::object(),
                           core::aws_error(core::error_code::purge_queue_in_progress, "busy")});
  };
  const auto purge = front.handle(json_request("AmazonSQS.PurgeQueue", R"({"QueueUrl":"u"})"), to(), channel);
  ASSERT_TRUE(purge);
  EXPECT_EQ(purge->result(), bhttp::status::forbidden);
  EXPECT_EQ(sv((*purge)["x-amzn-query-error"]), "AWS.SimpleQueueService.PurgeQueueInProgress;Sender");

  sqs.behaviour = [](const json&, core::call_completion& done) {
    done(
        core::call_result{json::object(), core::aws_error(core::error_code::invalid_parameter_value, "bad")});
  };
  const auto invalid = front.handle(json_request("AmazonSQS.SendMessage", R"({})"), to(), channel);
  ASSERT_TRUE(invalid);
  EXPECT_EQ(sv((*invalid)["x-amzn-query-error"]), "InvalidParameterValue;Sender");
}

TEST(SqsJsonFront, LongPollIsAnsweredLaterFromAnotherThread) {
  fake_sqs sqs;
  sqs.behaviour = [&sqs](const json&, core::call_completion& done) { sqs.held = std::move(done); };
  const aws_json_front front = sqs_json_front(sqs);
  fake_channel channel;
  const auto res = front.handle(
      json_request("AmazonSQS.ReceiveMessage", R"({"QueueUrl":"u","WaitTimeSeconds":20})"), to(), channel);
  EXPECT_FALSE(res);
  ASSERT_TRUE(sqs.held);
  std::thread sender([&] {
    sqs.held(core::call_result{json{{"Messages", json::array({{{"Body", "b"}}})}}, std::nullopt});
  });
  sender.join();
  ASSERT_EQ(channel.delivered_count(), 1u);
  EXPECT_EQ(json::parse(channel.delivered[0].body())["Messages"][0]["Body"], "b");
  EXPECT_EQ(sv(channel.delivered[0]["x-amzn-RequestId"]), "rid");
}

TEST(SqsJsonFront, AbandonedLongPollIsAnEmptyReceive) {
  fake_sqs sqs;
  sqs.behaviour = [&sqs](const json&, core::call_completion& done) { sqs.held = std::move(done); };
  const aws_json_front front = sqs_json_front(sqs);
  fake_channel channel;
  EXPECT_FALSE(front.handle(json_request("AmazonSQS.ReceiveMessage", R"({"QueueUrl":"u"})"), to(), channel));
  channel.reply->abandon();
  ASSERT_EQ(channel.delivered_count(), 1u);
  EXPECT_EQ(channel.delivered[0].result(), bhttp::status::ok);
  EXPECT_EQ(channel.delivered[0].body(), "{}");
  sqs.held(core::call_result{});  // the service's own answer, after shutdown: dropped
  EXPECT_EQ(channel.delivered_count(), 1u);
}

TEST(SqsQueryFront, AcceptsFormPostsAndGetsWithAction) {
  EXPECT_TRUE(aws_query_front::accepts(form_request("/", "Action=ListQueues")));
  request get{bhttp::verb::get, "/?Action=ListQueues&Version=2012-11-05", 11};
  EXPECT_TRUE(aws_query_front::accepts(get));
  request json_post = json_request("AmazonSQS.ListQueues", "{}");
  EXPECT_FALSE(aws_query_front::accepts(json_post));
  request health{bhttp::verb::get, "/_fogbank/health", 11};
  EXPECT_FALSE(aws_query_front::accepts(health));
}

TEST(SqsQueryFront, DecodesDispatchesAndEncodes) {
  fake_sqs sqs;
  sqs.behaviour = [](const json&, core::call_completion& done) {
    done(core::call_result{json{{"MessageId", "m"}, {"MD5OfMessageBody", "x"}}, std::nullopt});
  };
  const aws_query_front front(sqs.query());
  fake_channel channel;
  const auto res = front.handle(
      form_request("/",
                   "Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2Fh%2F1%2Fq&MessageBody=hi"),
      to("rid-2"), channel);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::ok);
  EXPECT_EQ(sv((*res)[bhttp::field::content_type]), "text/xml");
  EXPECT_EQ(
      res->body(),
      "<?xml version=\"1.0\"?><SendMessageResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"
      "<SendMessageResult><MD5OfMessageBody>x</MD5OfMessageBody><MessageId>m</MessageId>"
      "</SendMessageResult><ResponseMetadata><RequestId>rid-2</RequestId></ResponseMetadata>"
      "</SendMessageResponse>");
  EXPECT_EQ(sqs.last_operation, "SendMessage");
  EXPECT_EQ(sqs.last_request, json::parse(R"({"QueueUrl":"http://h/1/q","MessageBody":"hi"})"));
  EXPECT_EQ(sqs.last_context.endpoint, "http://127.0.0.1:9999");
}

TEST(SqsQueryFront, QueueUrlComesFromThePathWhenLeftOut) {
  fake_sqs sqs;
  const aws_query_front front(sqs.query());
  fake_channel channel;
  ASSERT_TRUE(front.handle(form_request("/000000000000/orders", "Action=PurgeQueue"), to(), channel));
  EXPECT_EQ(sqs.last_request, json::parse(R"({"QueueUrl":"http://127.0.0.1:9999/000000000000/orders"})"));
  // A QueueUrl given explicitly wins over the path.
  ASSERT_TRUE(
      front.handle(form_request("/000000000000/orders", "Action=PurgeQueue&QueueUrl=x"), to(), channel));
  EXPECT_EQ(sqs.last_request, json::parse(R"({"QueueUrl":"x"})"));
}

TEST(SqsQueryFront, ErrorsAreErrorResponseDocuments) {
  fake_sqs sqs;
  sqs.behaviour = [](const json&, core::call_completion& done) {
    done(core::call_result{json::object(), core::aws_error(core::error_code::queue_name_exists,
                                                           "A queue already exists with the same name "
                                                           "and a different value for attribute X")});
  };
  const aws_query_front front(sqs.query());
  fake_channel channel;
  const auto res = front.handle(form_request("/", "Action=CreateQueue&QueueName=q"), to("r"), channel);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::bad_request);
  EXPECT_NE(
      res->body().find("<Error><Type>Sender</Type><Code>QueueAlreadyExists</Code><Message>A queue already "
                       "exists with the same name and a different value for attribute X</Message><Detail/>"
                       "</Error><RequestId>r</RequestId></ErrorResponse>"),
      std::string::npos)
      << res->body();

  const auto bad_int =
      front.handle(form_request("/", "Action=ReceiveMessage&QueueUrl=u&WaitTimeSeconds=x"), to(), channel);
  ASSERT_TRUE(bad_int);
  EXPECT_EQ(bad_int->result(), bhttp::status::bad_request);
  EXPECT_NE(bad_int->body().find("<Code>InvalidParameterValue</Code>"), std::string::npos);

  const auto unknown = front.handle(form_request("/", "Action=FlyAway"), to(), channel);
  ASSERT_TRUE(unknown);
  EXPECT_NE(
      unknown->body().find("<Code>InvalidAction</Code><Message>The action FlyAway is not valid for this "
                           "web service.</Message>"),
      std::string::npos);
  const auto missing = front.handle(form_request("/", "Version=2012-11-05"), to(), channel);
  ASSERT_TRUE(missing);
  EXPECT_NE(missing->body().find("<Code>MissingAction</Code>"), std::string::npos);
}

TEST(SqsQueryFront, AbandonedLongPollIsAnEmptyReceiveResult) {
  fake_sqs sqs;
  sqs.behaviour = [&sqs](const json&, core::call_completion& done) { sqs.held = std::move(done); };
  const aws_query_front front(sqs.query());
  fake_channel channel;
  EXPECT_FALSE(front.handle(form_request("/", "Action=ReceiveMessage&QueueUrl=u&WaitTimeSeconds=20"), to("r"),
                            channel));
  channel.reply->abandon();
  ASSERT_EQ(channel.delivered_count(), 1u);
  EXPECT_EQ(
      channel.delivered[0].body(),
      "<?xml version=\"1.0\"?><ReceiveMessageResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"
      "<ReceiveMessageResult></ReceiveMessageResult><ResponseMetadata><RequestId>r</RequestId>"
      "</ResponseMetadata></ReceiveMessageResponse>");
}

}  // namespace
}  // namespace fogbank::http
