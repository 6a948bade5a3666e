// `request:` steps: the loader's reading and errors (file:line:column), the matching of a
// response, and requests to a REST API and an HTTP API in process, through the same gateways the
// HTTP server uses (a C++ handler, handlers/cpp echo.handler, behind both).

#include "api_request.hpp"
#include "load_error_of.hpp"
#include "model.hpp"

#include "fogbank/main/temporary_directory.hpp"
#include "fogbank/scenario/runner.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace fogbank::scenario {
namespace {

TEST(ScenarioRequest, TheLoaderReadsEveryField) {
  const scenario s = load_text(R"(steps:
  - request:
      api: ChatApi
      stage: test
      method: post
      path: /add-contact
      query: {a: 1, b: [x, y]}
      headers: {Authorization: Bearer t}
      body: {name: Bob}
    expect: {status: 201, headers: {Content-Type: application/json}, body: {name: Bob}}
    match: exact
    capture: {id: /body/id}
  - request: {api: ThingsApi, path: /things, query: "ids=a,b", body: plain text}
)",
                               "s.yaml");
  ASSERT_EQ(s.steps.size(), 2u);
  EXPECT_EQ(s.steps[0].kind, "request");
  const auto& full = std::get<request_step>(s.steps[0].action);
  EXPECT_EQ(full.api, "ChatApi");
  EXPECT_EQ(full.stage, "test");
  EXPECT_EQ(full.method, "POST");
  EXPECT_EQ(full.path, "/add-contact");
  EXPECT_EQ(full.query, json::parse(R"({"a": 1, "b": ["x", "y"]})"));
  EXPECT_EQ(full.headers, (json{{"Authorization", "Bearer t"}}));
  EXPECT_EQ(full.body, (json{{"name", "Bob"}}));
  EXPECT_EQ(full.expect.status, 201);
  EXPECT_EQ(full.expect.headers, (json{{"Content-Type", "application/json"}}));
  ASSERT_TRUE(full.expect.body.has_value());
  EXPECT_EQ(full.expect.body->mode, match_mode::exact);
  EXPECT_EQ(s.steps[0].captures, (std::vector<std::pair<std::string, std::string>>{{"id", "/body/id"}}));
  const auto& bare = std::get<request_step>(s.steps[1].action);
  EXPECT_EQ(bare.method, "GET");
  EXPECT_EQ(bare.stage, "");
  EXPECT_EQ(bare.query, json("ids=a,b"));
  EXPECT_EQ(bare.body, json("plain text"));
  EXPECT_FALSE(bare.expect.status.has_value());
  EXPECT_FALSE(bare.expect.body.has_value());
}

TEST(ScenarioRequest, LoaderErrorsNameLineColumnAndWhatWasExpected) {
  struct bad_case {
    const char* text;
    int line;
    int column;
    const char* message;
  };
  const bad_case cases[] = {
      {"steps:\n  - request: /things\n", 2, 14, "expected a request step's body {api, stage, method"},
      {"steps:\n  - request: {stage: test}\n", 2, 14, "missing 'api'"},
      {"steps:\n  - request: {api: A, stag: test}\n", 2, 23, "unknown key 'stag' in a request step"},
      {"steps:\n  - request: {api: A, method: FETCH}\n", 2, 31, "expected an HTTP method (GET, POST"},
      {"steps:\n  - request: {api: A, path: things}\n", 2, 29, "expected a path starting with '/'"},
      {"steps:\n  - request: {api: A, path: \"/t?x=1\"}\n", 2, 29, "the query string goes in 'query'"},
      {"steps:\n  - request: {api: A, query: {a: {b: 1}}}\n", 2, 34, "for query parameter a"},
      {"steps:\n  - request: {api: A, headers: [x]}\n", 2, 32,
       "expected headers (names to values) (a mapping), found a list"},
      {"steps:\n  - request: {api: A, headers: {\"a b\": x}}\n", 2, 33, "expected a header name"},
      {"steps:\n  - request: {api: A}\n    expect: {status: 99}\n", 3, 22,
       "an HTTP status between 100 and 599"},
      {"steps:\n  - request: {api: A}\n    expect: {code: 200}\n", 3, 14,
       "unknown key 'code' in the expected response"},
      {"steps:\n  - request: {api: A}\n    expect: {}\n", 3, 13,
       "expected at least one of status, headers, body"},
      {"steps:\n  - request: {api: A}\n    expect: {status: 200}\n    match: exact\n", 4, 12,
       "'match' applies to the expected body"},
      {"steps:\n  - request: {api: A}\n    expect: {body: {}}\n    match: most\n", 4, 12,
       "expected 'subset' or 'exact', found 'most'"},
      {"steps:\n  - request: {api: A}\n    expect_error: x\n", 3, 5,
       "unknown key 'expect_error' in a request step"},
  };
  for (const bad_case& c : cases) {
    const load_error e = error_of(c.text);
    EXPECT_EQ(e.where().line, c.line) << c.text << "\n" << e.what();
    EXPECT_EQ(e.where().column, c.column) << c.text << "\n" << e.what();
    EXPECT_NE(e.message().find(c.message), std::string::npos)
        << c.text << "\nexpected: " << c.message << "\nactual: " << e.what();
  }
}

TEST(ScenarioRequest, AResponseIsStatusLowerCaseHeadersAndABodyAsJsonOrText) {
  const json r = response_value(
      201,
      {{"Content-Type", "application/json"}, {"Set-Cookie", "a=1"}, {"set-cookie", "b=2"}, {"Date", "today"}},
      R"({"id": "x"})");
  EXPECT_EQ(r, json::parse(R"({"status": 201, "headers": {"content-type": "application/json",
                                "set-cookie": "a=1, b=2"}, "body": {"id": "x"}})"));
  EXPECT_EQ(response_value(200, {}, "42").at("body"), json("42"));
  EXPECT_EQ(response_value(200, {}, "[1]").at("body"), json::array({1}));
  EXPECT_EQ(response_value(200, {}, "not json").at("body"), json("not json"));
}

TEST(ScenarioRequest, ResponsesMatchStatusHeadersAndBody) {
  const json r = response_value(403, {{"Content-Type", "application/json"}},
                                R"({"message": "missing namespace", "extra": 1})");
  response_expectation e;
  e.status = 403;
  e.headers = {{"CONTENT-TYPE", "application/json"}};
  e.body = expectation{{{"message", "missing namespace"}}, match_mode::subset};
  EXPECT_EQ(response_mismatch(e, r), std::nullopt);

  e.body->mode = match_mode::exact;
  auto why = response_mismatch(e, r);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("the response does not match: /body"), std::string::npos) << *why;
  EXPECT_NE(why->find("extra"), std::string::npos) << *why;

  e.body->mode = match_mode::subset;
  e.status = 200;
  why = response_mismatch(e, r);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("/status: expected 200, found 403"), std::string::npos) << *why;
  // A status that differs shows the whole answer, whose body says why.
  EXPECT_NE(why->find("\"extra\": 1"), std::string::npos) << *why;

  e.status.reset();
  why = response_mismatch(e, r);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("/status: expected a 2xx answer, found 403"), std::string::npos) << *why;

  e.status = 403;
  e.headers = {{"x-amzn-ErrorType", "UnauthorizedException"}};
  why = response_mismatch(e, r);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(
      why->find("/headers/x-amzn-errortype: expected \"UnauthorizedException\", but there is no such header"),
      std::string::npos)
      << *why;
  e.headers = {{"content-type", "text/plain"}};
  why = response_mismatch(e, r);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("/headers/content-type: expected \"text/plain\", found \"application/json\""),
            std::string::npos)
      << *why;

  // A text body against text; a JSON expectation against text fails saying so.
  e.headers = json::object();
  const json text = response_value(403, {}, "Forbidden");
  e.body = expectation{"Forbidden", match_mode::subset};
  EXPECT_EQ(response_mismatch(e, text), std::nullopt);
  e.body = expectation{{{"message", "Forbidden"}}, match_mode::subset};
  why = response_mismatch(e, text);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("/body: expected a JSON object, found the text \"Forbidden\""), std::string::npos)
      << *why;
}

// A REST API behind a Cognito authorizer whose method runs fail.handler (a function error: API
// Gateway's 502), and an HTTP API whose route runs echo.handler; both C++ handlers in process.
constexpr const char* api_template = R"(Transform: AWS::Serverless-2016-10-31
Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Rest:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev
      Auth:
        DefaultAuthorizer: Users
        Authorizers: {Users: {UserPoolArn: !GetAtt Pool.Arn}}
  Http: {Type: AWS::Serverless::HttpApi}
  Fail:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: fail.handler
      CodeUri: .
      Events:
        RestGet: {Type: Api, Properties: {RestApiId: !Ref Rest, Path: /fail, Method: get}}
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: echo.handler
      CodeUri: .
      Events:
        HttpGet: {Type: HttpApi, Properties: {ApiId: !Ref Http, Path: "/echo/{id}", Method: get}}
)";

constexpr const char* api_scenario = R"(name: api requests
templates: [template.yaml]
steps:
  - note: "an HTTP API answers the function's JSON (no statusCode) as a 200"
    request: {api: Http, path: /echo/7, query: {q: [a, b]}, headers: {X-Test: yes}}
    expect:
      status: 200
      body:
        event:
          version: "2.0"
          routeKey: "GET /echo/{id}"
          rawPath: /echo/7
          rawQueryString: q=a&q=b
          pathParameters: {id: "7"}
          headers: {x-test: "yes", host: localhost:4566}
    capture: {request_id: /body/event/requestContext/requestId}
  - note: "the REST API's authorizer refuses a request without a token"
    request: {api: Rest, stage: dev, path: /fail}
    expect: {status: 401, headers: {x-amzn-errortype: UnauthorizedException}, body: {message: Unauthorized}}
    match: exact
  - note: "with a token the function runs, with the token's claims; its error is API Gateway's 502"
    request: {api: Rest, stage: dev, path: /fail,
              headers: {Authorization: "Bearer eyJhbGciOiJub25lIn0.eyJjb2duaXRvOnVzZXJuYW1lIjoiYW5uIn0."}}
    expect: {status: 502, body: {message: Internal server error}}
  - expect_invocations:
      function: Fail
      count: 1
      events: [{resource: /fail, requestContext: {stage: dev, authorizer: {claims: {"cognito:username": ann}}}}]
  - note: "a route the REST API does not have"
    request: {api: Rest, stage: dev, method: DELETE, path: /fail}
    expect: {status: 403, body: {message: Missing Authentication Token}}
)";

class scenario_request_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(dir_.make("fogbank-scenario-request-", "the scenario", &error)) << error;
    write("template.yaml", api_template);
  }

  std::filesystem::path write(const std::string& name, const std::string& text) {
    const auto path = dir_.path() / name;
    std::ofstream(path) << text;
    return path;
  }

  scenario_result run(const std::filesystem::path& file, std::string* transcript) {
    std::ostringstream out;
    run_options options;
    options.transcript = &out;
    scenario_result result = run_file(file, options);
    *transcript = out.str();
    return result;
  }

  temporary_directory dir_;
};

TEST_F(scenario_request_test, RestAndHttpApisAnswerThroughTheirGatewaysWithTheSameTranscriptTwice) {
  const auto file = write("api.yaml", api_scenario);
  std::string first;
  const scenario_result r = run(file, &first);
  ASSERT_TRUE(r.passed) << r.failure << "\n" << first;
  std::string second;
  ASSERT_TRUE(run(file, &second).passed);
  EXPECT_EQ(first, second);
  int requests = 0;
  int responses = 0;
  std::istringstream in(first);
  for (std::string line; std::getline(in, line);) {
    const json event = json::parse(line);
    if (event.value("event", "") == "request") ++requests;
    if (event.value("event", "") == "response") {
      ++responses;
      if (responses == 2) {
        EXPECT_EQ(event.value("status", 0), 401) << line;
      }
    }
  }
  EXPECT_EQ(requests, 4);
  EXPECT_EQ(responses, 4);
}

TEST_F(scenario_request_test, AFailingRequestShowsTheStepAndTheDiff) {
  const auto file = write("bad.yaml", R"(templates: [template.yaml]
steps:
  - request: {api: Rest, stage: dev, path: /fail}
    expect: {status: 200}
)");
  std::string transcript;
  scenario_result r = run(file, &transcript);
  ASSERT_FALSE(r.passed);
  EXPECT_NE(r.failure.find("step 1 (request) at " + file.string() + ":3:5:"), std::string::npos) << r.failure;
  EXPECT_NE(r.failure.find("/status: expected 200, found 401"), std::string::npos) << r.failure;
  EXPECT_NE(r.failure.find("+     \"message\": \"Unauthorized\""), std::string::npos) << r.failure;
  const auto no_stage = write("no_stage.yaml", R"(templates: [template.yaml]
steps:
  - request: {api: Rest, path: /fail}
)");
  r = run(no_stage, &transcript);
  ASSERT_FALSE(r.passed);
  EXPECT_NE(r.failure.find("needs a stage"), std::string::npos) << r.failure;
}

}  // namespace
}  // namespace fogbank::scenario
