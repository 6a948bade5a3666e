// What Lambda keeps across a restart on a data directory: functions with their unpacked code,
// asynchronous invocations not yet run, and event source mappings with their stream checkpoints
// (a restarted mapping goes on after the last record it handled, not from the start).

#include "lambda_fixture.hpp"

#include "fogbank/lambda/handler.hpp"

#include <unistd.h>

#include <filesystem>
#include <vector>

namespace fogbank::lambda {
namespace {

namespace fs = std::filesystem;

std::vector<std::string>* persisted_seen = nullptr;

json remember(const json& event, context&) {
  if (event.contains("Records")) {
    for (const json& r : event["Records"])
      persisted_seen->push_back(r["dynamodb"]["Keys"]["pk"].value("S", ""));
  } else {
    persisted_seen->push_back(event.value("id", ""));
  }
  return json::object();
}
FOGBANK_LAMBDA_HANDLER("test.remember", remember);

class persistence : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fogbank-lambda-persistence-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    persisted_seen = &seen_;
    open();
  }
  void TearDown() override {
    emulator_.reset();
    persisted_seen = nullptr;
    fs::remove_all(dir_);
  }
  void open() {
    emulator_.reset();
    emulator_options options;
    options.manual_clock = true;
    options.seed = 5;
    options.data_dir = dir_.string();
    std::string error;
    emulator_ = emulator::open(options, &error);
    ASSERT_TRUE(emulator_) << error;
  }
  json ok(const std::string& service, const std::string& operation, const json& request) {
    core::call_result r = emulator_->client().call(service, operation, request);
    EXPECT_FALSE(r.error.has_value()) << operation << ": " << (r.error ? r.error->message() : "");
    return r.body;
  }

  fs::path dir_;
  std::unique_ptr<emulator> emulator_;
  std::vector<std::string> seen_;
};

TEST_F(persistence, FunctionsPendingEventsAndStreamCheckpointsSurviveARestart) {
  ok("lambda", "CreateFunction",
     {{"FunctionName", "keeper"},
      {"Runtime", "provided.al2023"},
      {"Handler", "test.remember"},
      {"Role", role_arn},
      {"Code", {{"ZipFile", small_zip_base64}}}});
  const std::string stream =
      ok("dynamodb", "CreateTable",
         {{"TableName", "tab"},
          {"AttributeDefinitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
          {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}},
          {"BillingMode", "PAY_PER_REQUEST"},
          {"StreamSpecification",
           {{"StreamEnabled", true}, {"StreamViewType", "KEYS_ONLY"}}}})["TableDescription"]
          .value("LatestStreamArn", "");
  ok("lambda", "CreateEventSourceMapping",
     {{"FunctionName", "keeper"}, {"EventSourceArn", stream}, {"StartingPosition", "TRIM_HORIZON"}});
  ok("dynamodb", "PutItem", {{"TableName", "tab"}, {"Item", {{"pk", {{"S", "before"}}}}}});
  emulator_->run_until_idle();
  EXPECT_EQ(seen_, (std::vector<std::string>{"before"}));
  // Queued, not yet run (nothing moves the scheduler before the restart).
  ok("lambda", "Invoke",
     {{"FunctionName", "keeper"},
      {"InvocationType", "Event"},
      {"Payload", core::base64_encode(R"({"id":"queued"})")}});
  const std::string location = ok("lambda", "GetFunction", {{"FunctionName", "keeper"}})["Code"]["Location"];

  open();
  EXPECT_TRUE(fs::exists(fs::path(location.substr(7)) / "lib" / "data.txt")) << location;
  EXPECT_EQ(ok("lambda", "GetFunctionConfiguration", {{"FunctionName", "keeper"}})["CodeSha256"],
            small_zip_sha256);
  emulator_->run_until_idle();
  ok("dynamodb", "PutItem", {{"TableName", "tab"}, {"Item", {{"pk", {{"S", "after"}}}}}});
  emulator_->run_until_idle();
  // The queued event ran once; the stream went on from its checkpoint ("before" not again).
  EXPECT_EQ(seen_, (std::vector<std::string>{"before", "queued", "after"}));
}

}  // namespace
}  // namespace fogbank::lambda
