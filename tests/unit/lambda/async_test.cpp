// Asynchronous invocations (InvocationType Event) on a manual clock: the first attempt at once,
// Lambda's two retries one minute and then two minutes later, MaximumRetryAttempts, the event age
// limit, and the OnSuccess / OnFailure records and the dead-letter message (SQS, through the
// in-process client). Every attempt is a scheduler entry, so the clock decides when each runs.

#include "lambda_fixture.hpp"

#include "fogbank/lambda/handler.hpp"

#include <vector>

namespace fogbank::lambda {
namespace {

using namespace std::chrono_literals;

// Attempts seen by test.flaky, as (service time in ms since the test's start, event id).
struct attempt {
  std::int64_t at_ms;
  std::string id;
};
std::vector<attempt>* attempts = nullptr;
const core::clock* attempt_clock = nullptr;
std::int64_t start_ms = 0;

// Fails the first `fail` attempts of every event (by the number of attempts seen so far).
json flaky(const json& event, context& ctx) {
  attempts->push_back({attempt_clock->epoch_millis() - start_ms, event.value("id", "")});
  const int failures = event.value("fail", 0);
  int seen = 0;
  for (const attempt& a : *attempts) seen += a.id == event.value("id", "") ? 1 : 0;
  if (seen <= failures) throw std::runtime_error("attempt " + std::to_string(seen) + " fails");
  ctx.log("attempt " + std::to_string(seen) + " succeeds");
  return {{"ok", seen}};
}
FOGBANK_LAMBDA_HANDLER("test.flaky", flaky);

class async_invoke : public lambda_test {
 protected:
  void SetUp() override {
    lambda_test::SetUp();
    attempts = &seen_;
    attempt_clock = &clock();
    start_ms = clock().epoch_millis();
  }
  void TearDown() override { attempts = nullptr; }

  void send_event(const std::string& function, const json& event) {
    EXPECT_EQ(ok("Invoke", {{"FunctionName", function},
                            {"InvocationType", "Event"},
                            {"Payload", core::base64_encode(event.dump())}}),
              (json{{"StatusCode", 202}}));
  }
  std::vector<std::int64_t> times_of(const std::string& id) const {
    std::vector<std::int64_t> out;
    for (const attempt& a : seen_)
      if (a.id == id) out.push_back(a.at_ms);
    return out;
  }

  std::vector<attempt> seen_;
};

TEST_F(async_invoke, AFailingEventIsRetriedTwiceAMinuteAndTwoMinutesApartThenGoesToOnFailureAndTheDLQ) {
  const std::string failures = create_queue("failures");
  const std::string dlq = create_queue("dlq");
  create("flaky", "test.flaky", {{"DeadLetterConfig", {{"TargetArn", queue_arn("dlq")}}}});
  ok("PutFunctionEventInvokeConfig",
     {{"FunctionName", "flaky"},
      {"DestinationConfig", {{"OnFailure", {{"Destination", queue_arn("failures")}}}}}});

  send_event("flaky", {{"id", "e1"}, {"fail", 5}});
  // Nothing runs until the scheduler does.
  EXPECT_TRUE(seen_.empty());
  emulator_->run_until_idle();
  EXPECT_EQ(times_of("e1"), (std::vector<std::int64_t>{0}));
  advance(59s);
  EXPECT_EQ(times_of("e1").size(), 1u);
  advance(1s);
  EXPECT_EQ(times_of("e1"), (std::vector<std::int64_t>{0, 60'000}));
  advance(119s);
  EXPECT_EQ(times_of("e1").size(), 2u);
  advance(1s);
  EXPECT_EQ(times_of("e1"), (std::vector<std::int64_t>{0, 60'000, 180'000}));
  advance(1h);
  EXPECT_EQ(times_of("e1").size(), 3u) << "no attempt after the second retry";

  const json records = receive_all(failures);
  ASSERT_EQ(records.size(), 1u) << records.dump();
  const json record = json::parse(records[0]["Body"].get<std::string>());
  EXPECT_EQ(record["version"], "1.0");
  EXPECT_EQ(record["requestContext"]["condition"], "RetriesExhausted");
  EXPECT_EQ(record["requestContext"]["approximateInvokeCount"], 3);
  EXPECT_EQ(record["requestContext"]["functionArn"], function_arn("flaky") + ":$LATEST");
  EXPECT_EQ(record["requestPayload"], (json{{"id", "e1"}, {"fail", 5}}));
  EXPECT_EQ(record["responseContext"]["functionError"], "Unhandled");
  EXPECT_EQ(record["responsePayload"]["errorMessage"], "attempt 3 fails");

  const json dead = receive_all(dlq);
  ASSERT_EQ(dead.size(), 1u) << dead.dump();
  EXPECT_EQ(json::parse(dead[0]["Body"].get<std::string>()), (json{{"id", "e1"}, {"fail", 5}}));
  EXPECT_EQ(dead[0]["MessageAttributes"]["ErrorMessage"]["StringValue"], "attempt 3 fails");
  EXPECT_EQ(dead[0]["MessageAttributes"]["RequestID"]["StringValue"], record["requestContext"]["requestId"]);
}

TEST_F(async_invoke, ASuccessfulRetryGoesToOnSuccess) {
  const std::string successes = create_queue("successes");
  create("flaky", "test.flaky");
  ok("PutFunctionEventInvokeConfig",
     {{"FunctionName", "flaky"},
      {"DestinationConfig", {{"OnSuccess", {{"Destination", queue_arn("successes")}}}}}});
  send_event("flaky", {{"id", "e2"}, {"fail", 1}});
  advance(2min);
  EXPECT_EQ(times_of("e2"), (std::vector<std::int64_t>{0, 60'000}));
  const json records = receive_all(successes);
  ASSERT_EQ(records.size(), 1u) << records.dump();
  const json record = json::parse(records[0]["Body"].get<std::string>());
  EXPECT_EQ(record["requestContext"]["condition"], "Success");
  EXPECT_EQ(record["requestContext"]["approximateInvokeCount"], 2);
  EXPECT_EQ(record["responsePayload"], (json{{"ok", 2}}));
}

TEST_F(async_invoke, MaximumRetryAttemptsZeroMeansOneAttempt) {
  const std::string failures = create_queue("failures");
  create("flaky", "test.flaky");
  ok("PutFunctionEventInvokeConfig",
     {{"FunctionName", "flaky"},
      {"MaximumRetryAttempts", 0},
      {"DestinationConfig", {{"OnFailure", {{"Destination", queue_arn("failures")}}}}}});
  send_event("flaky", {{"id", "e3"}, {"fail", 5}});
  advance(10min);
  EXPECT_EQ(times_of("e3"), (std::vector<std::int64_t>{0}));
  EXPECT_EQ(receive_all(failures).size(), 1u);
  fails("PutFunctionEventInvokeConfig", {{"FunctionName", "flaky"}, {"MaximumRetryAttempts", 3}},
        error_code::validation,
        "1 validation error detected: Value 3 at 'maximumRetryAttempts' failed to satisfy constraint: Member "
        "must "
        "have value less than or equal to 2");
}

TEST_F(async_invoke, AnEventOlderThanMaximumEventAgeIsDropped) {
  const std::string failures = create_queue("failures");
  create("flaky", "test.flaky");
  ok("PutFunctionEventInvokeConfig",
     {{"FunctionName", "flaky"},
      {"MaximumEventAgeInSeconds", 90},
      {"DestinationConfig", {{"OnFailure", {{"Destination", queue_arn("failures")}}}}}});
  send_event("flaky", {{"id", "e4"}, {"fail", 5}});
  advance(10min);
  // Attempts at 0 and 60 s; the second retry would be at 180 s, past the 90 s age.
  EXPECT_EQ(times_of("e4"), (std::vector<std::int64_t>{0, 60'000}));
  const json records = receive_all(failures);
  ASSERT_EQ(records.size(), 1u) << records.dump();
  EXPECT_EQ(json::parse(records[0]["Body"].get<std::string>())["requestContext"]["condition"],
            "EventAgeExceeded");
}

TEST_F(async_invoke, TheSameScenarioGivesTheSameAttemptsAndRecords) {
  auto run = [](const std::uint64_t seed) {
    emulator_options options;
    options.manual_clock = true;
    options.seed = seed;
    std::string error;
    auto services = emulator::open(options, &error);
    EXPECT_TRUE(services) << error;
    std::vector<attempt> seen;
    attempts = &seen;
    attempt_clock = &services->clock();
    start_ms = services->clock().epoch_millis();
    const auto& client = services->client();
    const std::string queue =
        client.call("sqs", "CreateQueue", {{"QueueName", "out"}}).body.value("QueueUrl", "");
    client.call("lambda", "CreateFunction",
                {{"FunctionName", "flaky"},
                 {"Runtime", "provided.al2023"},
                 {"Handler", "test.flaky"},
                 {"Role", role_arn},
                 {"Code", {{"ZipFile", small_zip_base64}}}});
    client.call("lambda", "PutFunctionEventInvokeConfig",
                {{"FunctionName", "flaky"},
                 {"DestinationConfig", {{"OnFailure", {{"Destination", queue_arn("out")}}}}}});
    for (int i = 0; i < 3; ++i) {
      client.call(
          "lambda", "Invoke",
          {{"FunctionName", "flaky"},
           {"InvocationType", "Event"},
           {"Payload", core::base64_encode(json{{"id", "e" + std::to_string(i)}, {"fail", 2 * i}}.dump())}});
    }
    services->advance(10min);
    std::string transcript;
    for (const attempt& a : seen) transcript += std::to_string(a.at_ms) + " " + a.id + "\n";
    transcript +=
        client.call("sqs", "ReceiveMessage", {{"QueueUrl", queue}, {"MaxNumberOfMessages", 10}}).body.dump();
    attempts = nullptr;
    return transcript;
  };
  const std::string first = run(7);
  EXPECT_EQ(first, run(7));
  EXPECT_NE(first.find("RetriesExhausted"), std::string::npos) << first;
}

}  // namespace
}  // namespace fogbank::lambda
