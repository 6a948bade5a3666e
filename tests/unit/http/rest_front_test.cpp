// The REST-JSON front through the router, against a fake Lambda behind a registry row flagged
// rest_protocol: routing by method and path next to the other protocols, the call it makes, the
// answer it encodes (now or later), its own refusals, and the per-service body limit.

#include "call.hpp"
#include "router.hpp"

#include "fogbank/core/encoding.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/dispatch/registry.hpp"

#include <gtest/gtest.h>

namespace fogbank::http {
namespace {

using nlohmann::json;

class recording_channel final : public reply_channel {
 public:
  std::shared_ptr<deferred_reply> defer() override {
    reply = std::make_shared<deferred_reply>([this](response res) { delivered.push_back(std::move(res)); });
    return reply;
  }
  std::shared_ptr<deferred_reply> reply;
  std::vector<response> delivered;
};

constexpr std::size_t lambda_limit = 70'167'211;

struct fake_lambda final : core::service {
  fake_lambda() {
    registry.add({.name = "lambda",
                  .rest_protocol = true,
                  .max_request_bytes = lambda_limit,
                  .request_ids = dispatch::request_id_style::uuid,
                  .service = this});
  }
  void call(std::string_view operation, const json& request, const core::call_context& context,
            core::call_completion done) override {
    last_operation = std::string(operation);
    last_request = request;
    last_context = context;
    behaviour(done);
  }
  json health() const override { return json::object(); }

  std::string last_operation;
  json last_request;
  core::call_context last_context;
  core::call_completion held;
  std::function<void(core::call_completion&)> behaviour = [](core::call_completion& done) {
    done(core::call_result{
        json{{"StatusCode", 200}, {"ExecutedVersion", "$LATEST"}, {"Payload", "eyJvayI6MX0="}},
        std::nullopt});
  };
  core::id_generator ids{1};
  dispatch::registry registry{ids};
};

request invoke_request(std::string body) {
  request req{bhttp::verb::post, "/2015-03-31/functions/orders/invocations?Qualifier=%24LATEST", 11};
  req.set(bhttp::field::host, "localhost:4566");
  req.set(bhttp::field::authorization,
          "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/lambda/aws4_request, SignedHeaders=host, "
          "Signature=0");
  req.set("X-Amz-Log-Type", "Tail");
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

TEST(RestFront, RoutesAnInvokeAndEncodesItsAnswer) {
  fake_lambda lambda;
  router r(lambda.registry);
  recording_channel channel;

  const auto res = r.handle(invoke_request(R"({"a":1})"), channel);

  ASSERT_TRUE(res);
  EXPECT_EQ(lambda.last_operation, "Invoke");
  EXPECT_EQ(lambda.last_request, (json{{"FunctionName", "orders"},
                                       {"Qualifier", "$LATEST"},
                                       {"LogType", "Tail"},
                                       {"Payload", core::base64_encode(R"({"a":1})")}}));
  EXPECT_EQ(lambda.last_context.region, "eu-west-1");
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_EQ(res->body(), R"({"ok":1})");
  EXPECT_EQ((*res)["X-Amz-Executed-Version"], "$LATEST");
  // Lambda's request ids are UUIDs.
  EXPECT_EQ((*res)["x-amzn-RequestId"].size(), 36u);
}

TEST(RestFront, AnswersLaterWhenTheServiceDoes) {
  fake_lambda lambda;
  lambda.behaviour = [&](core::call_completion& done) { lambda.held = std::move(done); };
  router r(lambda.registry);
  recording_channel channel;

  EXPECT_FALSE(r.handle(invoke_request("{}"), channel));
  ASSERT_TRUE(lambda.held);
  lambda.held(core::call_result{
      json(), core::aws_error(core::error_code::lambda_resource_not_found, "Function not found: x")});
  ASSERT_EQ(channel.delivered.size(), 1u);
  EXPECT_EQ(channel.delivered[0].result_int(), 404);
  EXPECT_EQ(channel.delivered[0]["x-amzn-ErrorType"], "ResourceNotFoundException");
  EXPECT_EQ(channel.delivered[0].body(), R"({"Message":"Function not found: x","Type":"User"})");
}

TEST(RestFront, RefusesABodyThatIsNotJsonWithoutCallingTheService) {
  fake_lambda lambda;
  router r(lambda.registry);
  recording_channel channel;
  request req{bhttp::verb::post, "/2015-03-31/functions", 11};
  req.body() = "{not json";
  req.prepare_payload();

  const auto res = r.handle(req, channel);

  ASSERT_TRUE(res);
  EXPECT_EQ(lambda.last_operation, "");
  EXPECT_EQ(res->result_int(), 400);
  EXPECT_EQ((*res)["x-amzn-ErrorType"], "InvalidRequestContentException");
}

TEST(RestFront, OtherProtocolsKeepTheirRequests) {
  fake_lambda lambda;
  router r(lambda.registry);
  recording_channel channel;
  // Not a Lambda route: the JSON front answers as DynamoDB would (no such target here).
  request req{bhttp::verb::post, "/", 11};
  req.set("X-Amz-Target", "DynamoDB_20120810.ListTables");
  req.set(bhttp::field::content_type, "application/x-amz-json-1.0");
  req.body() = "{}";
  req.prepare_payload();
  const auto res = r.handle(req, channel);
  ASSERT_TRUE(res);
  EXPECT_EQ(lambda.last_operation, "");
  EXPECT_EQ(res->result_int(), 400);
  EXPECT_NE(res->body().find("UnknownOperationException"), std::string::npos) << res->body();
}

TEST(RestFront, BodyLimitsArePerService) {
  fake_lambda lambda;
  router r(lambda.registry);
  constexpr std::size_t server_limit = 16 * 1024 * 1024;
  EXPECT_EQ(r.max_body_limit(server_limit), lambda_limit);
  EXPECT_EQ(r.body_limit(invoke_request(""), server_limit), lambda_limit);
  request other{bhttp::verb::post, "/", 11};
  EXPECT_EQ(r.body_limit(other, server_limit), server_limit);

  request create{bhttp::verb::post, "/2015-03-31/functions", 11};
  const response res = r.too_large(create, lambda_limit);
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_EQ(res["x-amzn-ErrorType"], "RequestEntityTooLargeException");
  EXPECT_EQ(json::parse(res.body())["message"],
            "Request must be smaller than 70167211 bytes for the CreateFunction operation");
  EXPECT_FALSE(res.keep_alive());
}

}  // namespace
}  // namespace fogbank::http
