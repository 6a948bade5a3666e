// WebSocket REQUEST authorizers on $connect, with handlers/cpp/token_authorizer.cpp as the
// authorizer function (in process; on the manual clock every step completes before it returns),
// and the pure parts of authorizer.hpp (policy decisions, identity sources, ARN matching).
// AWS's behaviour: developer guide, "Control access to WebSocket APIs with AWS Lambda REQUEST
// authorizers" and "Output from an API Gateway Lambda authorizer".

#include "apigw_fixture.hpp"

#include "../lambda/lambda_fixture.hpp"
#include "authorizer.hpp"
#include "authorizer_cache.hpp"

#include "fogbank/apigw/websocket.hpp"
#include "fogbank/core/encoding.hpp"
#include "fogbank/lambda/handler.hpp"

#include <chrono>
#include <stdexcept>
#include <vector>

namespace fogbank::apigw {
namespace {

std::vector<json>& authorized_events() {
  static std::vector<json> events;
  return events;
}

json record_event(const json& event, lambda::context&) {
  authorized_events().push_back(event);
  return {{"statusCode", 200}};
}

FOGBANK_LAMBDA_HANDLER("authorizer_test.record", record_event);

// An authorizer that counts its invocations: Allow for ?token=allow, Deny for ?token=deny, the
// "Unauthorized" failure (401) for anything else.
int& counted_calls() {
  static int calls = 0;
  return calls;
}
json counting_authorizer(const json& event, lambda::context&) {
  ++counted_calls();
  const std::string token = event.value("queryStringParameters", json::object()).value("token", "");
  if (token != "allow" && token != "deny") throw std::runtime_error("Unauthorized");
  return {{"principalId", "user-" + token},
          {"policyDocument",
           {{"Version", "2012-10-17"},
            {"Statement",
             {{{"Action", "execute-api:Invoke"},
               {"Effect", token == "allow" ? "Allow" : "Deny"},
               {"Resource", event.value("methodArn", "")}}}}}},
          {"context", {{"call", counted_calls()}}}};
}
FOGBANK_LAMBDA_HANDLER("authorizer_test.counting", counting_authorizer);

struct null_link final : connection_link {
  bool send(std::string, bool) override { return true; }
  void close(std::uint16_t, std::string) override {}
};

class websocket_authorizer_test : public apigw_test {
 protected:
  void SetUp() override {
    apigw_test::SetUp();
    authorized_events().clear();
    counted_calls() = 0;
    api_ = create_api();
    ok("CreateStage", {{"apiId", api_}, {"stageName", "dev"}});
  }

  std::string function(const std::string& handler) {
    const json f = ok("CreateFunction",
                      {{"FunctionName", "fn-" + std::to_string(functions_++)},
                       {"Runtime", "provided.al2023"},
                       {"Handler", handler},
                       {"Role", lambda::role_arn},
                       {"Code", {{"ZipFile", lambda::small_zip_base64}}}},
                      "lambda");
    return f.value("FunctionArn", "");
  }

  std::string integration(const std::string& handler) {
    const json i =
        ok("CreateIntegration",
           {{"apiId", api_}, {"integrationType", "AWS_PROXY"}, {"integrationUri", function(handler)}});
    return "integrations/" + i.value("integrationId", "");
  }

  // $connect behind the authorizer `handler` with `sources` (and AuthorizerResultTtlInSeconds
  // `ttl` unless null); $default and $disconnect record events.
  void protect(const json& sources, const json& ttl = nullptr,
               const std::string& handler = "token_authorizer.handler") {
    json request = {{"apiId", api_},
                    {"name", "tokens"},
                    {"authorizerType", "REQUEST"},
                    {"authorizerUri", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" +
                                          function(handler) + "/invocations"},
                    {"identitySource", sources}};
    if (!ttl.is_null()) request["authorizerResultTtlInSeconds"] = ttl;
    const json authorizer = ok("CreateAuthorizer", request);
    authorizer_id_ = authorizer.value("authorizerId", "");
    ok("CreateRoute", {{"apiId", api_},
                       {"routeKey", "$connect"},
                       {"authorizationType", "CUSTOM"},
                       {"authorizerId", authorizer_id_},
                       {"target", integration("authorizer_test.record")}});
    ok("CreateRoute",
       {{"apiId", api_}, {"routeKey", "$default"}, {"target", integration("authorizer_test.record")}});
    ok("CreateRoute",
       {{"apiId", api_}, {"routeKey", "$disconnect"}, {"target", integration("authorizer_test.record")}});
  }

  connect_outcome connect(const std::string& query,
                          std::vector<std::pair<std::string, std::string>> headers = {}) {
    upgrade u;
    u.api_id = api_;
    u.stage = "dev";
    u.domain_name = "127.0.0.1:4566";
    u.source_ip = "127.0.0.1";
    u.headers = std::move(headers);
    u.headers.emplace_back("Host", "127.0.0.1:4566");
    u.query = query;
    std::optional<connect_outcome> out;
    emulator_->websocket_gateway().connect(u, link_, [&](connect_outcome o) { out = std::move(o); });
    EXPECT_TRUE(out.has_value()) << "$connect did not complete";
    return out.value_or(connect_outcome{});
  }

  std::string api_;
  std::string authorizer_id_;
  int functions_ = 0;
  std::shared_ptr<null_link> link_ = std::make_shared<null_link>();
};

TEST_F(websocket_authorizer_test, control_plane_creates_gets_updates_and_deletes_authorizers) {
  protect({"route.request.querystring.token"});
  const json got = ok("GetAuthorizer", {{"apiId", api_}, {"authorizerId", authorizer_id_}});
  EXPECT_EQ(got.value("authorizerType", ""), "REQUEST");
  EXPECT_EQ(got["identitySource"], json({"route.request.querystring.token"}));
  EXPECT_EQ(ok("GetAuthorizers", {{"apiId", api_}})["items"].size(), 1u);
  const json updated = ok(
      "UpdateAuthorizer",
      {{"apiId", api_}, {"authorizerId", authorizer_id_}, {"identitySource", {"route.request.header.Auth"}}});
  EXPECT_EQ(updated["identitySource"], json({"route.request.header.Auth"}));
  // A route still names it.
  fails("DeleteAuthorizer", {{"apiId", api_}, {"authorizerId", authorizer_id_}}, error_code::apigw_conflict);
  // JWT authorizers belong to HTTP APIs; CUSTOM only on $connect.
  fails("CreateAuthorizer",
        {{"apiId", api_},
         {"name", "jwt"},
         {"authorizerType", "JWT"},
         {"identitySource", {"route.request.header.Auth"}},
         {"jwtConfiguration", {{"issuer", "https://issuer"}}}},
        error_code::apigw_bad_request);
  fails("CreateRoute",
        {{"apiId", api_},
         {"routeKey", "send"},
         {"authorizationType", "CUSTOM"},
         {"authorizerId", authorizer_id_}},
        error_code::apigw_bad_request);
  fails("GetAuthorizer", {{"apiId", api_}, {"authorizerId", "nope123"}}, error_code::apigw_not_found);
}

TEST_F(websocket_authorizer_test, missing_identity_source_is_401_without_invoking) {
  protect({"route.request.querystring.token"});
  const connect_outcome out = connect("other=1");
  EXPECT_FALSE(out.accepted);
  EXPECT_EQ(out.status, 401);
  EXPECT_EQ(out.body, R"({"message":"Unauthorized"})");
  EXPECT_TRUE(authorized_events().empty());
}

TEST_F(websocket_authorizer_test, deny_is_403_unauthorized_error_401_malformed_answer_500) {
  protect({"route.request.querystring.token"});
  EXPECT_EQ(connect("token=deny").status, 403);
  EXPECT_EQ(connect("token=wrong").status, 401);
  EXPECT_EQ(connect("token=broken").status, 500);
  EXPECT_TRUE(authorized_events().empty()) << "$connect ran for a refused connection";
  EXPECT_EQ(emulator_->websocket_connections().size(), 0u);
}

TEST_F(websocket_authorizer_test, allow_passes_context_and_principal_to_every_event_of_the_connection) {
  protect({"route.request.header.Auth"});
  const connect_outcome out = connect("", {{"Auth", "allow"}});
  ASSERT_TRUE(out.accepted) << "status " << out.status << " body " << out.body;
  emulator_->websocket_gateway().message(out.connection_id, "hello", false);
  emulator_->websocket_gateway().closed(out.connection_id, 1000, "bye");
  ASSERT_EQ(authorized_events().size(), 3u);
  const json expected = {{"user", "alice"}, {"level", 3}, {"admin", false}, {"principalId", "user-allow"}};
  for (const json& event : authorized_events()) {
    EXPECT_EQ(event["requestContext"].value("authorizer", json()), expected)
        << event["requestContext"].value("eventType", "");
  }
}

// authorizer_cache.hpp: "If a client specifies the same parameters in identity sources within the
// configured TTL, API Gateway uses the cached authorizer result, rather than invoking your Lambda
// function" (developer guide, HTTP API Lambda authorizers, "Caching authorizer responses").
TEST_F(websocket_authorizer_test, answers_are_cached_by_identity_sources_for_the_ttl) {
  protect({"route.request.querystring.token"}, 300, "authorizer_test.counting");
  const connect_outcome first = connect("token=allow");
  ASSERT_TRUE(first.accepted) << "status " << first.status << " body " << first.body;
  EXPECT_EQ(counted_calls(), 1);
  // Other query parameters are no part of the key.
  ASSERT_TRUE(connect("token=allow&room=2").accepted);
  emulator_->advance(std::chrono::seconds(299));
  const connect_outcome cached = connect("token=allow");
  ASSERT_TRUE(cached.accepted);
  EXPECT_EQ(counted_calls(), 1) << "the authorizer ran again within its TTL";
  // The cached answer's context is what the connection's events carry.
  EXPECT_EQ(authorized_events().back()["requestContext"]["authorizer"],
            json({{"call", 1}, {"principalId", "user-allow"}}));

  emulator_->advance(std::chrono::seconds(1));  // 300 s after the first answer: expired
  ASSERT_TRUE(connect("token=allow").accepted);
  EXPECT_EQ(counted_calls(), 2) << "the authorizer did not run again after its TTL";
  EXPECT_EQ(authorized_events().back()["requestContext"]["authorizer"].value("call", 0), 2);

  // A Deny is cached as well; another identity is another key.
  EXPECT_EQ(connect("token=deny").status, 403);
  EXPECT_EQ(connect("token=deny").status, 403);
  EXPECT_EQ(counted_calls(), 3);
  // A failure ("Unauthorized", 401) is not kept: the function is asked every time.
  EXPECT_EQ(connect("token=nope").status, 401);
  EXPECT_EQ(connect("token=nope").status, 401);
  EXPECT_EQ(counted_calls(), 5);
}

TEST_F(websocket_authorizer_test, a_ttl_of_zero_or_none_runs_the_authorizer_every_time) {
  protect({"route.request.querystring.token"}, 0, "authorizer_test.counting");
  ASSERT_TRUE(connect("token=allow").accepted);
  ASSERT_TRUE(connect("token=allow").accepted);
  EXPECT_EQ(counted_calls(), 2) << "AuthorizerResultTtlInSeconds 0 disables caching";
}

TEST_F(websocket_authorizer_test, without_a_ttl_nothing_is_cached) {
  protect({"route.request.querystring.token"}, nullptr, "authorizer_test.counting");
  ASSERT_TRUE(connect("token=allow").accepted);
  ASSERT_TRUE(connect("token=allow").accepted);
  EXPECT_EQ(counted_calls(), 2) << "a missing TTL is read as 0 (unconfirmed)";
}

TEST(authorizer_cache_key, identity_values_in_order_and_unambiguous) {
  const std::vector<std::string> sources = {"route.request.header.Auth", "route.request.querystring.t"};
  const auto key = [&](std::vector<std::pair<std::string, std::string>> headers, std::string_view query) {
    return authorizer_cache_key("api", "auth", "dev", sources, headers, query);
  };
  EXPECT_EQ(key({{"auth", "x"}}, "t=1"), key({{"AUTH", "x"}, {"Other", "y"}}, "u=2&t=1"));
  EXPECT_NE(key({{"Auth", "x"}}, "t=1"), key({{"Auth", "x"}}, "t=2"));
  // Length-prefixed parts: "ab" + "c" is not "a" + "bc".
  EXPECT_NE(key({{"Auth", "ab"}}, "t=c"), key({{"Auth", "a"}}, "t=bc"));
  // URL-decoded query values.
  EXPECT_EQ(key({{"Auth", "x"}}, "t=a%20b"), key({{"Auth", "x"}}, "t=a b"));
  EXPECT_NE(authorizer_cache_key("api", "auth", "dev", sources, {{"Auth", "x"}}, "t=1"),
            authorizer_cache_key("api", "auth", "prod", sources, {{"Auth", "x"}}, "t=1"));
  EXPECT_FALSE(authorizer_cache_key("api", "auth", "dev", {}, {{"Auth", "x"}}, "").has_value());
}

TEST(authorizer_cache, expires_on_the_service_clock_and_stays_bounded) {
  core::manual_clock clock;
  authorizer_cache cache(clock);
  authorizer_decision allow;
  allow.status = 200;
  allow.authorizer = {{"principalId", "p"}};
  cache.store("k", allow, std::chrono::seconds(10));
  ASSERT_TRUE(cache.find("k").has_value());
  EXPECT_EQ(cache.find("k")->authorizer, allow.authorizer);
  clock.advance(std::chrono::seconds(10));
  EXPECT_FALSE(cache.find("k").has_value());
  // Nothing kept for a TTL of 0 or for a failure.
  cache.store("zero", allow, std::chrono::seconds(0));
  authorizer_decision failed;
  failed.status = 500;
  cache.store("failed", failed, std::chrono::seconds(10));
  EXPECT_EQ(cache.size(), 0u);
  for (std::size_t i = 0; i <= max_cached_authorizations; ++i)
    cache.store("k" + std::to_string(i), allow, std::chrono::seconds(100 + static_cast<int>(i)));
  EXPECT_EQ(cache.size(), max_cached_authorizations);
  // The entry that expired first made room.
  EXPECT_FALSE(cache.find("k0").has_value());
  EXPECT_TRUE(cache.find("k" + std::to_string(max_cached_authorizations)).has_value());
}

TEST(authorizer_policy, allow_deny_and_wildcards_on_the_method_arn) {
  const std::string arn = websocket_method_arn("us-east-1", "123456789012", "abc", "dev", "$connect");
  EXPECT_EQ(arn, "arn:aws:execute-api:us-east-1:123456789012:abc/dev/$connect");
  const auto answer = [](const json& body) {
    core::call_result r;
    r.body = {{"Payload", core::base64_encode(body.dump())}};
    return r;
  };
  const auto statement = [](const char* effect, const json& resource) {
    return json{{"Effect", effect}, {"Action", "execute-api:Invoke"}, {"Resource", resource}};
  };
  EXPECT_EQ(decide(answer({{"principalId", "p"},
                           {"policyDocument",
                            {{"Statement", {statement("Allow", "arn:aws:execute-api:*:*:abc/*")}}}}}),
                   arn)
                .status,
            200);
  // An explicit Deny wins; an Allow of another resource allows nothing.
  EXPECT_EQ(
      decide(answer({{"principalId", "p"},
                     {"policyDocument",
                      {{"Statement", {statement("Allow", "*"), statement("Deny", json::array({arn}))}}}}}),
             arn)
          .status,
      403);
  EXPECT_EQ(decide(answer({{"principalId", "p"},
                           {"policyDocument",
                            {{"Statement", statement("Allow", "arn:aws:execute-api:*:*:other/*")}}}}),
                   arn)
                .status,
            403);
  // A context value that is an object is a malformed answer.
  EXPECT_EQ(decide(answer({{"principalId", "p"},
                           {"policyDocument", {{"Statement", statement("Allow", "*")}}},
                           {"context", {{"nested", {{"a", 1}}}}}}),
                   arn)
                .status,
            500);
  EXPECT_TRUE(arn_matches("a?c*", "abcdef"));
  EXPECT_FALSE(arn_matches("a?c", "abcd"));
}

TEST(authorizer_identity, header_and_query_sources) {
  const std::vector<std::pair<std::string, std::string>> headers = {{"Auth", "x"}, {"Empty", ""}};
  EXPECT_EQ(
      missing_identity_source({"route.request.header.auth", "route.request.querystring.t"}, headers, "t=1"),
      "");
  EXPECT_EQ(missing_identity_source({"route.request.header.Empty"}, headers, ""),
            "route.request.header.Empty");
  EXPECT_EQ(missing_identity_source({"route.request.querystring.t"}, headers, "t="),
            "route.request.querystring.t");
}

}  // namespace
}  // namespace fogbank::apigw
