// The REST-JSON codec against Lambda's route table: routes, requests decoded the way botocore's
// RestJSONSerializer encodes them (members in the URI, query, headers, raw or JSON body), answers
// encoded the way its RestJSONParser reads them (status, headers, raw payload, error shapes).

#include "rest_codec.hpp"
#include "rest_model.hpp"

#include "fogbank/core/encoding.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fogbank::http {
namespace {

using nlohmann::json;

const rest_model::service_model& lambda = rest_model::lambda();

std::string operation_of(std::string_view method, std::string_view target) {
  const auto found = rest_codec::match(lambda, method, target);
  return found ? std::string(found->op->name) : std::string("(none)");
}

json decode(bhttp::verb method, std::string_view target, std::string body = "",
            std::initializer_list<std::pair<std::string_view, std::string_view>> headers = {}) {
  request req{method, std::string(target), 11};
  for (const auto& [name, value] : headers) req.set(bsv(name), bsv(value));
  req.body() = std::move(body);
  req.prepare_payload();
  const auto found = rest_codec::match(lambda, sv(req.method_string()), target);
  EXPECT_TRUE(found) << target;
  return found ? rest_codec::decode_request(lambda, *found, req) : json();
}

const rest_model::operation& rest_op(std::string_view name) {
  for (const auto& o : lambda.operations) {
    if (o.name == name) return o;
  }
  throw std::logic_error("no operation " + std::string(name));
}

std::string header(const rest_codec::encoded& answer, std::string_view name) {
  for (const auto& [key, value] : answer.headers) {
    if (key == name) return value;
  }
  return "(absent)";
}

TEST(RestRoutes, MethodAndPathNameTheOperation) {
  EXPECT_EQ(operation_of("POST", "/2015-03-31/functions"), "CreateFunction");
  EXPECT_EQ(operation_of("GET", "/2015-03-31/functions/"), "ListFunctions");
  // The Debian model spells ListFunctions with a trailing slash; newer SDKs send none.
  EXPECT_EQ(operation_of("GET", "/2015-03-31/functions?MaxItems=2"), "ListFunctions");
  EXPECT_EQ(operation_of("GET", "/2015-03-31/functions/orders"), "GetFunction");
  EXPECT_EQ(operation_of("GET", "/2015-03-31/functions/orders/configuration"), "GetFunctionConfiguration");
  EXPECT_EQ(operation_of("DELETE", "/2015-03-31/functions/orders"), "DeleteFunction");
  EXPECT_EQ(operation_of("POST", "/2015-03-31/functions/orders/invocations"), "Invoke");
  EXPECT_EQ(operation_of("PUT", "/2017-10-31/functions/orders/concurrency"), "PutFunctionConcurrency");
  EXPECT_EQ(operation_of("GET", "/2019-09-30/functions/orders/concurrency"), "GetFunctionConcurrency");
  EXPECT_EQ(operation_of("DELETE", "/2015-03-31/functions/orders/policy/sid-1"), "RemovePermission");
  // A literal query parameter of the template tells two routes on one path apart.
  EXPECT_EQ(operation_of("GET", "/2018-10-31/layers?find=LayerVersion&Arn=x"), "GetLayerVersionByArn");
  EXPECT_EQ(operation_of("GET", "/2018-10-31/layers"), "ListLayers");
}

TEST(RestRoutes, OtherRequestsAreNotRouted) {
  EXPECT_EQ(operation_of("GET", "/"), "(none)");
  EXPECT_EQ(operation_of("POST", "/"), "(none)");
  EXPECT_EQ(operation_of("PATCH", "/2015-03-31/functions/orders"), "(none)");
  EXPECT_EQ(operation_of("GET", "/2015-03-31/functions//configuration"), "(none)");
  EXPECT_EQ(operation_of("GET", "/2015-03-31/functions/a/b/c/d"), "(none)");
  EXPECT_EQ(operation_of("GET", "/000000000000/queue"), "(none)");
}

TEST(RestRequests, LabelsAreDecodedFromThePath) {
  // botocore percent-encodes the colons of an ARN in the path.
  const json input =
      decode(bhttp::verb::post,
             "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af%3A1/"
             "invocations?Qualifier=%24LATEST");
  EXPECT_EQ(input, (json{{"FunctionName", "arn:aws:lambda:us-east-1:000000000000:function:f:1"},
                         {"Qualifier", "$LATEST"}}));
}

TEST(RestRequests, InvokeTakesHeadersAndTheRawBodyAsPayload) {
  const json input = decode(
      bhttp::verb::post, "/2015-03-31/functions/f/invocations", R"({"a": 1})",
      {{"X-Amz-Invocation-Type", "Event"}, {"X-Amz-Log-Type", "Tail"}, {"X-Amz-Client-Context", "e30="}});
  EXPECT_EQ(input, (json{{"FunctionName", "f"},
                         {"InvocationType", "Event"},
                         {"LogType", "Tail"},
                         {"ClientContext", "e30="},
                         {"Payload", core::base64_encode(R"({"a": 1})")}}));
  // No body: no Payload member at all.
  EXPECT_EQ(decode(bhttp::verb::post, "/2015-03-31/functions/f/invocations"), (json{{"FunctionName", "f"}}));
}

TEST(RestRequests, JsonBodyMembersJoinTheBoundOnes) {
  const json input = decode(bhttp::verb::put, "/2015-03-31/functions/f/configuration",
                            R"({"Timeout": 30, "Environment": {"Variables": {"A": "1"}}})");
  EXPECT_EQ(input,
            (json{{"FunctionName", "f"}, {"Timeout", 30}, {"Environment", {{"Variables", {{"A", "1"}}}}}}));
}

TEST(RestRequests, QueryValuesTakeTheirMembersTypes) {
  EXPECT_EQ(decode(bhttp::verb::get, "/2015-03-31/functions/?MaxItems=5&Marker=abc%3D"),
            (json{{"MaxItems", 5}, {"Marker", "abc="}}));
  // Text that is not a number stays text: the service refuses it as it refuses any wrong type.
  EXPECT_EQ(decode(bhttp::verb::get, "/2015-03-31/functions/?MaxItems=five"), (json{{"MaxItems", "five"}}));
  EXPECT_EQ(decode(bhttp::verb::delete_, "/2017-03-31/tags/arn%3Ax?tagKeys=a&tagKeys=b"),
            (json{{"Resource", "arn:x"}, {"TagKeys", {"a", "b"}}}));
}

TEST(RestRequests, BodiesThatAreNotJsonObjectsAreRefusedAsLambdaRefusesThem) {
  const std::string deep = std::string(200, '[') + std::string(200, ']');
  for (const std::string& body : {std::string("{"), std::string("[1]"), std::string("not json"), deep}) {
    try {
      decode(bhttp::verb::post, "/2015-03-31/functions", body);
      ADD_FAILURE() << "accepted " << body;
    } catch (const rest_codec::protocol_error& e) {
      EXPECT_EQ(e.name, "InvalidRequestContentException") << body;
      EXPECT_EQ(e.message.rfind("Could not parse request body into json: ", 0), 0u) << e.message;
    }
  }
}

TEST(RestResponses, InvokeSetsStatusHeadersAndARawBody) {
  const rest_codec::encoded answer = rest_codec::encode_response(
      rest_op("Invoke"), json{{"StatusCode", 200},
                              {"FunctionError", "Unhandled"},
                              {"LogResult", "U1RBUlQ="},
                              {"ExecutedVersion", "$LATEST"},
                              {"Payload", core::base64_encode(R"({"errorType":"Boom"})")}});
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(header(answer, "X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(header(answer, "X-Amz-Log-Result"), "U1RBUlQ=");
  EXPECT_EQ(header(answer, "X-Amz-Executed-Version"), "$LATEST");
  EXPECT_EQ(answer.body, R"({"errorType":"Boom"})");

  const rest_codec::encoded event = rest_codec::encode_response(rest_op("Invoke"), json{{"StatusCode", 202}});
  EXPECT_EQ(event.status, 202);
  EXPECT_EQ(event.body, "");
}

TEST(RestResponses, StatusesComeFromTheModel) {
  EXPECT_EQ(rest_codec::encode_response(rest_op("CreateFunction"), json{{"FunctionName", "f"}}).status, 201);
  EXPECT_EQ(rest_codec::encode_response(rest_op("CreateFunction"), json{{"FunctionName", "f"}}).body,
            R"({"FunctionName":"f"})");
  const rest_codec::encoded deleted = rest_codec::encode_response(rest_op("DeleteFunction"), json::object());
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(deleted.body, "");
  EXPECT_EQ(rest_codec::encode_response(rest_op("GetFunctionConcurrency"), json::object()).body, "{}");
}

TEST(RestErrors, NameInTheHeaderAndTheMessageSpelledAsTheModelSpellsIt) {
  const rest_codec::encoded missing =
      rest_codec::encode_error(lambda, "ResourceNotFoundException", 404, "Function not found: x", json());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(header(missing, "x-amzn-ErrorType"), "ResourceNotFoundException");
  EXPECT_EQ(missing.body, R"({"Message":"Function not found: x","Type":"User"})");

  const rest_codec::encoded invalid =
      rest_codec::encode_error(lambda, "InvalidParameterValueException", 400, "bad", json());
  EXPECT_EQ(invalid.body, R"({"Type":"User","message":"bad"})");

  const rest_codec::encoded service =
      rest_codec::encode_error(lambda, "ServiceException", 500, "oops", json());
  EXPECT_EQ(service.body, R"({"Message":"oops","Type":"Service"})");
}

TEST(RestErrors, MembersTheModelBindsToHeadersGoOutAsHeaders) {
  const rest_codec::encoded throttled = rest_codec::encode_error(
      lambda, "TooManyRequestsException", 429, "Rate Exceeded.",
      json{{"Reason", "ReservedFunctionConcurrentInvocationLimitExceeded"}, {"retryAfterSeconds", "1"}});
  EXPECT_EQ(header(throttled, "Retry-After"), "1");
  EXPECT_EQ(
      throttled.body,
      R"({"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."})");
}

}  // namespace
}  // namespace fogbank::http
