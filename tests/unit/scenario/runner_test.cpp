// The runner on a small app: an SQS queue feeding a C++ in-process handler (handlers/cpp
// records.store) that writes each message to a DynamoDB table with a stream. Two runs with one
// seed give the same transcript byte for byte; another seed gives other ids and the same outcome.

#include "fogbank/scenario/runner.hpp"
#include "fogbank/main/temporary_directory.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace fogbank::scenario {
namespace {

constexpr const char* app_template = R"(Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs: {Type: AWS::SQS::Queue, Properties: {QueueName: jobs}}
  Results:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: results
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Store:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: records.store
      CodeUri: .
      Environment: {Variables: {TABLE_NAME: !Ref Results}}
      Events:
        Queue: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 1}}
Outputs:
  QueueUrl: {Value: !Ref Jobs}
)";

constexpr const char* passing = R"(name: queue to table
templates: [template.yaml]
seed: 1
steps:
  - call: {service: sqs, action: SendMessage, input: {QueueUrl: "{{QueueUrl}}", MessageBody: hello}}
    capture: {message_id: /MessageId}
  - settle
  - call:
      service: dynamodb
      action: GetItem
      input: {TableName: "{{Ref.Results}}", Key: {pk: {S: "{{message_id}}"}}}
    expect: {Item: {pk: {S: "{{message_id}}"}, body: {S: hello}, source: {S: "aws:sqs"}}}
  - advance: 30s
  - call:
      service: sqs
      action: GetQueueAttributes
      input: {QueueUrl: "{{QueueUrl}}", AttributeNames: [ApproximateNumberOfMessages]}
    expect: {Attributes: {ApproximateNumberOfMessages: "0"}}
  - call: {service: dynamodb, action: DescribeTable, input: {TableName: nope}}
    expect_error: {type: ResourceNotFoundException}
)";

constexpr const char* failing = R"(name: wrong body
templates: [template.yaml]
steps:
  - call: {service: sqs, action: SendMessage, input: {QueueUrl: "{{QueueUrl}}", MessageBody: hello}}
    capture: {message_id: /MessageId}
  - settle
  - call:
      service: dynamodb
      action: GetItem
      input: {TableName: results, Key: {pk: {S: "{{message_id}}"}}}
    expect: {Item: {body: {S: goodbye}}}
)";

class scenario_runner_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(dir_.make("fogbank-scenario-test-", "the scenario", &error)) << error;
    write("template.yaml", app_template);
  }

  std::filesystem::path write(const std::string& name, const std::string& text) {
    const auto path = dir_.path() / name;
    std::ofstream(path) << text;
    return path;
  }

  // Runs `file` and returns its result, the transcript in `*transcript`.
  scenario_result run(const std::filesystem::path& file, std::string* transcript,
                      std::optional<std::uint64_t> seed = std::nullopt) {
    std::ostringstream out;
    run_options options;
    options.seed = seed;
    options.transcript = &out;
    scenario_result result = run_file(file, options);
    *transcript = out.str();
    return result;
  }

  temporary_directory dir_;
};

std::vector<nlohmann::json> events(const std::string& transcript, const std::string& kind) {
  std::vector<nlohmann::json> out;
  std::istringstream in(transcript);
  for (std::string line; std::getline(in, line);) {
    nlohmann::json event = nlohmann::json::parse(line);
    if (event.value("event", "") == kind) out.push_back(std::move(event));
  }
  return out;
}

TEST_F(scenario_runner_test, SameSeedSameTranscriptByteForByte) {
  const auto file = write("ok.yaml", passing);
  std::string first;
  std::string second;
  const scenario_result a = run(file, &first);
  ASSERT_TRUE(a.passed) << a.failure;
  EXPECT_EQ(a.name, "queue to table");
  const scenario_result b = run(file, &second);
  ASSERT_TRUE(b.passed) << b.failure;
  EXPECT_EQ(first, second);
  // What it recorded: the handler's invocation with its SQS event, the stream record of its write,
  // the clock move.
  const auto invocations = events(first, "invoke");
  ASSERT_EQ(invocations.size(), 1u) << first;
  EXPECT_EQ(invocations[0]["payload"]["Records"][0].value("body", ""), "hello");
  const auto results = events(first, "result");
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].value("outcome", ""), "success");
  const auto records = events(first, "stream_record");
  ASSERT_EQ(records.size(), 1u) << first;
  EXPECT_EQ(records[0]["record"].value("eventName", ""), "INSERT");
  EXPECT_EQ(events(first, "passed").size(), 1u);
  const auto last_call = events(first, "call").back();
  EXPECT_EQ(last_call["error"].value("type", ""), "ResourceNotFoundException");
  EXPECT_EQ(last_call.value("t", -1), 30'000);
}

TEST_F(scenario_runner_test, AnotherSeedGivesOtherIdsAndTheSameOutcome) {
  const auto file = write("ok.yaml", passing);
  std::string first;
  std::string other;
  ASSERT_TRUE(run(file, &first).passed);
  const scenario_result r = run(file, &other, 99);
  ASSERT_TRUE(r.passed) << r.failure;
  const auto id = [](const std::string& transcript) {
    return events(transcript, "call").front()["response"].value("MessageId", "");
  };
  EXPECT_FALSE(id(first).empty());
  EXPECT_NE(id(first), id(other));
  EXPECT_EQ(events(first, "step").size(), events(other, "step").size());
}

TEST_F(scenario_runner_test, AFailureNamesTheStepItsLineAndShowsADiff) {
  const auto file = write("bad.yaml", failing);
  std::string transcript;
  const scenario_result r = run(file, &transcript);
  ASSERT_FALSE(r.passed);
  const std::string where = "step 3 (call) at " + file.string() + ":7:5:\n";
  EXPECT_EQ(r.failure.rfind(where, 0), 0u) << r.failure;
  EXPECT_NE(
      r.failure.find("the response does not match: /Item/body/S: expected \"goodbye\", found \"hello\"\n"
                     "--- expected\n+++ actual\n"),
      std::string::npos)
      << r.failure;
  EXPECT_NE(r.failure.find("+       \"S\": \"hello\"\n-       \"S\": \"goodbye\"\n"), std::string::npos)
      << r.failure;
  EXPECT_TRUE(events(transcript, "passed").empty());
}

TEST_F(scenario_runner_test, AMalformedFileFailsWithItsPosition) {
  const auto file = write("broken.yaml", "steps:\n  - advance: soon\n");
  std::string transcript;
  const scenario_result r = run(file, &transcript);
  ASSERT_FALSE(r.passed);
  EXPECT_EQ(r.failure.rfind(file.string() + ":2:14: expected a duration", 0), 0u) << r.failure;
}

TEST_F(scenario_runner_test, ClientsOfAnUnknownApiAndUnknownCapturesFailTheStep) {
  const auto file = write("clients.yaml", R"(steps:
  - send: {client: nobody, message: hi}
)");
  std::string transcript;
  scenario_result r = run(file, &transcript);
  EXPECT_NE(r.failure.find("client nobody is not connected"), std::string::npos) << r.failure;
  const auto capture = write("capture.yaml", R"(steps:
  - call: {service: dynamodb, action: ListTables, input: {ExclusiveStartTableName: "{{nothing}}"}}
)");
  r = run(capture, &transcript);
  EXPECT_NE(r.failure.find("unknown capture '{{nothing}}'"), std::string::npos) << r.failure;
}

TEST(ScenarioPaths, AFolderRunsItsYamlFilesSorted) {
  temporary_directory dir;
  std::string error;
  ASSERT_TRUE(dir.make("fogbank-scenario-paths-", "paths", &error)) << error;
  for (const char* name : {"b.yaml", "a.yml", "c.txt"}) std::ofstream(dir.path() / name) << "steps: []\n";
  EXPECT_EQ(expand_paths({dir.path()}),
            (std::vector<std::filesystem::path>{dir.path() / "a.yml", dir.path() / "b.yaml"}));
  EXPECT_THROW((void)expand_paths({dir.path() / "missing"}), std::runtime_error);
}

TEST(ScenarioJunit, OneTestcasePerScenarioWithTheFailureEscaped) {
  scenario_result ok;
  ok.file = "s/a.yaml";
  ok.name = "a";
  ok.passed = true;
  scenario_result bad;
  bad.file = "s/b.yaml";
  bad.name = "b <1>";
  bad.failure = "step 1 & \"2\"\nmore";
  const std::string xml = junit_report({ok, bad}, "fogbank run");
  EXPECT_NE(xml.find("<testsuite name=\"fogbank run\" tests=\"2\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"s\" name=\"a\" file=\"s/a.yaml\" time=\"0.000\"/>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("name=\"b &lt;1&gt;\""), std::string::npos) << xml;
  EXPECT_NE(
      xml.find("<failure message=\"step 1 &amp; &quot;2&quot;\">step 1 &amp; &quot;2&quot;\nmore</failure>"),
      std::string::npos)
      << xml;
}

}  // namespace
}  // namespace fogbank::scenario
