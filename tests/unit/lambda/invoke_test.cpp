// Invoke of C++ handlers in process: RequestResponse, DryRun, Event (202), LogType Tail; a handler
// that reaches DynamoDB and SQS through its context's client; a handler that throws (Lambda's
// Unhandled function error); one that runs past its Timeout; payload limits; a function no host
// runs. The bundled handlers of handlers/cpp/ (echo.handler, orders.put, fail.handler) are linked in.

#include "lambda_fixture.hpp"

#include "fogbank/lambda/handler.hpp"

namespace fogbank::lambda {
namespace {

using namespace std::chrono_literals;

// The manual clock of the running test, for handlers that move it (the clock stands still while a
// handler runs unless the handler itself moves it).
core::manual_clock* test_clock = nullptr;

json sleeps(const json& event, context& ctx) {
  test_clock->advance(std::chrono::milliseconds(event.value("ms", 0)));
  return {{"remaining_ms", ctx.remaining_time().count()}};
}
FOGBANK_LAMBDA_HANDLER("test.sleeps", sleeps);

class invoke_test : public lambda_test {
 protected:
  void SetUp() override {
    lambda_test::SetUp();
    test_clock = &clock();
  }
  void TearDown() override { test_clock = nullptr; }
};

TEST_F(invoke_test, RequestResponseAnswersTheHandlersResponseAndItsContext) {
  create("echo", "echo.handler", {{"Environment", {{"Variables", {{"GREETING", "hello"}}}}}, {"Timeout", 5}});
  const json out = invoke("echo", {{"a", 1}});
  EXPECT_EQ(out["StatusCode"], 200);
  EXPECT_EQ(out["ExecutedVersion"], "$LATEST");
  EXPECT_FALSE(out.contains("FunctionError")) << out.dump();
  const json response = json::parse(out["payload"].get<std::string>());
  EXPECT_EQ(response["event"], (json{{"a", 1}}));
  EXPECT_EQ(response["function_name"], "echo");
  EXPECT_EQ(response["function_arn"], function_arn("echo"));
  EXPECT_EQ(response["greeting"], "hello");
  EXPECT_EQ(response["memory_limit_mb"], 128);
  // The clock stands still while the handler runs: all of the Timeout is left.
  EXPECT_EQ(response["remaining_ms"], 5000);
  EXPECT_EQ(response["request_id"].get<std::string>().size(), 36u) << response.dump();
}

TEST_F(invoke_test, NoPayloadIsAnEmptyObject) {
  create("echo", "echo.handler");
  const json out = ok("Invoke", {{"FunctionName", "echo"}});
  const std::string payload = core::base64_decode_lenient(out["Payload"].get<std::string>()).value_or("");
  EXPECT_EQ(json::parse(payload)["event"], json::object());
}

TEST_F(invoke_test, DryRunAndEventAnswerWithoutRunningNow) {
  create("echo", "echo.handler");
  EXPECT_EQ(ok("Invoke", {{"FunctionName", "echo"}, {"InvocationType", "DryRun"}}),
            (json{{"StatusCode", 204}}));
  EXPECT_EQ(ok("Invoke", {{"FunctionName", "echo"}, {"InvocationType", "Event"}}),
            (json{{"StatusCode", 202}}));
  // The event ran as a scheduler entry due at once; its log is kept.
  emulator_->run_until_idle();
  const std::string log = emulator_->lambda().recent_logs()["us-east-1/echo"].get<std::string>();
  EXPECT_NE(log.find("echo: {}"), std::string::npos) << log;
}

TEST_F(invoke_test, TailReturnsTheLogWithStartEndAndReport) {
  create("echo", "echo.handler");
  const json out = invoke("echo", {{"k", "v"}}, {{"LogType", "Tail"}});
  const std::string log = core::base64_decode_lenient(out["LogResult"].get<std::string>()).value_or("");
  const std::string id = json::parse(out["payload"].get<std::string>())["request_id"];
  // On a manual clock durations read 0.00 ms and bill 1 ms (research D13), so the log is exact.
  EXPECT_EQ(log,
            "START RequestId: " + id + " Version: $LATEST\necho: {\"k\":\"v\"}\nEND RequestId: " + id +
                "\nREPORT RequestId: " + id +
                "\tDuration: 0.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 0 MB\t\n");
}

TEST_F(invoke_test, AHandlerWritesDynamoDBAndSendsToSQSThroughTheClient) {
  create_table("orders");
  const std::string queue = create_queue("order-events");
  create("orders", "orders.put",
         {{"Environment", {{"Variables", {{"TABLE_NAME", "orders"}, {"QUEUE_URL", queue}}}}}});
  const json out = invoke("orders", {{"id", "o-1"}, {"amount", 12}});
  ASSERT_FALSE(out.contains("FunctionError")) << out["payload"];
  EXPECT_EQ(json::parse(out["payload"].get<std::string>()), (json{{"stored", "o-1"}}));

  const json item = ok("dynamodb", "GetItem", {{"TableName", "orders"}, {"Key", {{"pk", {{"S", "o-1"}}}}}});
  EXPECT_EQ(item["Item"]["amount"], (json{{"N", "12"}})) << item.dump();
  const json messages = receive_all(queue);
  ASSERT_EQ(messages.size(), 1u) << messages.dump();
  EXPECT_EQ(messages[0]["Body"], R"({"order":"o-1"})");
}

TEST_F(invoke_test, AFailedCallInsideTheHandlerFailsTheInvocation) {
  create("orders", "orders.put", {{"Environment", {{"Variables", {{"TABLE_NAME", "missing"}}}}}});
  const json out = invoke("orders", {{"id", "o-1"}});
  EXPECT_EQ(out["FunctionError"], "Unhandled");
  const json error = json::parse(out["payload"].get<std::string>());
  EXPECT_EQ(error["errorMessage"], "PutItem failed: ResourceNotFoundException: Requested resource not found");
}

TEST_F(invoke_test, AHandlerThatThrowsIsAnUnhandledFunctionError) {
  create("fail", "fail.handler");
  const json out = invoke("fail", {{"reason", "out of stock"}});
  // HTTP 200 with X-Amz-Function-Error: Unhandled, and the runtime's error shape
  // {errorMessage, errorType, stackTrace} (the Runtime API's ErrorRequest).
  EXPECT_EQ(out["StatusCode"], 200);
  EXPECT_EQ(out["FunctionError"], "Unhandled");
  EXPECT_EQ(json::parse(out["payload"].get<std::string>()), (json{{"errorMessage", "out of stock"},
                                                                  {"errorType", "std::runtime_error"},
                                                                  {"stackTrace", json::array()}}));
}

TEST_F(invoke_test, AHandlerPastItsTimeoutIsSandboxTimedout) {
  create("slow", "test.sleeps", {{"Timeout", 3}});
  const json in_time = invoke("slow", {{"ms", 2500}});
  EXPECT_FALSE(in_time.contains("FunctionError")) << in_time.dump();
  EXPECT_EQ(json::parse(in_time["payload"].get<std::string>())["remaining_ms"], 500);

  const json out = invoke("slow", {{"ms", 3500}}, {{"LogType", "Tail"}});
  EXPECT_EQ(out["FunctionError"], "Unhandled");
  const json error = json::parse(out["payload"].get<std::string>());
  EXPECT_EQ(error["errorType"], "Sandbox.Timedout");
  const std::string message = error["errorMessage"];
  // "RequestId: <id> Error: Task timed out after 3.00 seconds" (research D4).
  EXPECT_EQ(message.rfind("RequestId: ", 0), 0u) << message;
  EXPECT_EQ(message.substr(message.size() - 41), " Error: Task timed out after 3.00 seconds") << message;
  const std::string log = core::base64_decode_lenient(out["LogResult"].get<std::string>()).value_or("");
  EXPECT_NE(log.find("Duration: 3500.00 ms\tBilled Duration: 3500 ms"), std::string::npos) << log;
  EXPECT_NE(log.find("Status: timeout"), std::string::npos) << log;
}

TEST_F(invoke_test, AFunctionNoHostRunsFailsWithRuntimeInvalidEntrypoint) {
  create("node", "index.handler", {{"Runtime", "nodejs20.x"}});
  create("unregistered", "no.such.handler");
  for (const std::string name : {"node", "unregistered"}) {
    const json out = invoke(name, json::object());
    EXPECT_EQ(out["FunctionError"], "Unhandled") << name;
    EXPECT_EQ(json::parse(out["payload"].get<std::string>())["errorType"], "Runtime.InvalidEntrypoint")
        << name;
  }
}

TEST_F(invoke_test, PayloadsAreCheckedBeforeAnyHandlerRuns) {
  create("echo", "echo.handler");
  // Recorded: "6291478 byte payload is too large for the RequestResponse invocation type (limit 6291456
  // bytes)".
  const std::string big = "\"" + std::string(6'291'456, 'x') + "\"";
  fails("Invoke", {{"FunctionName", "echo"}, {"Payload", core::base64_encode(big)}},
        error_code::lambda_request_too_large,
        "6291458 byte payload is too large for the RequestResponse invocation type (limit 6291456 bytes)");
  const std::string async_big = "\"" + std::string(1'048'576, 'x') + "\"";
  fails("Invoke",
        {{"FunctionName", "echo"}, {"InvocationType", "Event"}, {"Payload", core::base64_encode(async_big)}},
        error_code::lambda_request_too_large,
        "1048578 byte payload is too large for the Event invocation type (limit 1048576 bytes)");
  const core::call_result not_json =
      call("Invoke", {{"FunctionName", "echo"}, {"Payload", core::base64_encode("{not json")}});
  ASSERT_TRUE(not_json.error);
  EXPECT_EQ(not_json.error->code(), error_code::lambda_invalid_request_content);
  fails("Invoke", {{"FunctionName", "echo"}, {"InvocationType", "Later"}}, error_code::validation,
        "1 validation error detected: Value 'Later' at 'invocationType' failed to satisfy constraint: Member "
        "must "
        "satisfy enum value set: [Event, RequestResponse, DryRun]");
  EXPECT_EQ(emulator_->lambda().recent_logs(), json::object()) << "a handler ran";
}

TEST_F(invoke_test, ReservedConcurrencyZeroThrottles) {
  create("echo", "echo.handler");
  ok("PutFunctionConcurrency", {{"FunctionName", "echo"}, {"ReservedConcurrentExecutions", 0}});
  const core::call_result r = call("Invoke", {{"FunctionName", "echo"}});
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code(), error_code::lambda_too_many_requests);
  EXPECT_EQ(r.error->message(), "Rate Exceeded.");
}

TEST_F(invoke_test, MetricsCountInvocationsAndThrottles) {
  create("echo", "echo.handler");
  ok("Invoke", {{"FunctionName", "echo"}});
  ok("Invoke", {{"FunctionName", "echo"}});
  ok("PutFunctionConcurrency", {{"FunctionName", "echo"}, {"ReservedConcurrentExecutions", 0}});
  ASSERT_TRUE(call("Invoke", {{"FunctionName", "echo"}}).error);
  // A throttled request is no invocation (CloudWatch's Invocations and Throttles).
  const json metrics = emulator_->lambda().metrics();
  ASSERT_EQ(metrics.size(), 1u) << metrics.dump();
  EXPECT_EQ(metrics.begin().value(), (json{{"Invocations", 2}, {"Throttles", 1}}));
  EXPECT_TRUE(metrics.begin().key().ends_with("/echo")) << metrics.dump();
}

}  // namespace
}  // namespace fogbank::lambda
