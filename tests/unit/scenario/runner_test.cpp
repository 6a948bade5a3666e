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

// expect_queue, expect_invocations, expect_logs and `data:` (issue 9), on the same app.
constexpr const char* new_steps = R"(name: queue depths, invocations, logs and fixture data
templates: [template.yaml]
data:
  - table: Results
    items: [{pk: plain, n: 3, ok: true, tags: [a, 1]}, {pk: {S: aws-shape}, n: {N: "4"}}]
  - table: "{{Ref.Results}}"
    file: items.json
steps:
  - call: {service: dynamodb, action: GetItem, input: {TableName: results, Key: {pk: {S: plain}}}}
    expect: {Item: {pk: {S: plain}, n: {N: "3"}, ok: {BOOL: true}, tags: {L: [{S: a}, {N: "1"}]}}}
    match: exact
  - call: {service: dynamodb, action: GetItem, input: {TableName: results, Key: {pk: {S: aws-shape}}}}
    expect: {Item: {n: {N: "4"}}}
  - call: {service: dynamodb, action: GetItem, input: {TableName: results, Key: {pk: {S: from-file}}}}
    expect: {Item: {nested: {M: {x: {"NULL": true}}}}}
  - call: {service: sqs, action: SendMessage, input: {QueueUrl: "{{QueueUrl}}", MessageBody: hello, DelaySeconds: 5}}
  - expect_queue: {queue: jobs, visible: 0, delayed: 1}
  - expect_invocations: {function: Store, count: 0}
  - advance: 5s
  - expect_queue: {queue: Jobs, visible: 0, in_flight: 0, delayed: 0}
    capture: {visible: /visible}
  - expect_invocations: {function: Store, events: [{Records: [{body: hello}]}], errors: 0}
    capture: {outcome: /0/outcome}
  - expect_invocations: {count: 1}   # every function, since the start: its own count
  - expect_logs: {function: Store, contains: ["stored 1 records", "START RequestId"]}
)";

TEST_F(scenario_runner_test, QueueInvocationLogExpectationsAndFixtureData) {
  write("items.json", R"([{"pk": "from-file", "nested": {"x": null}}])");
  const auto file = write("steps.yaml", new_steps);
  std::string transcript;
  const scenario_result r = run(file, &transcript);
  ASSERT_TRUE(r.passed) << r.failure << "\n" << transcript;
  // The fixture went in through PutItem before the first step.
  const auto calls = events(transcript, "call");
  ASSERT_GE(calls.size(), 3u);
  EXPECT_EQ(calls[0].value("action", ""), "PutItem");
  EXPECT_EQ(calls[2]["input"].value("TableName", ""), "results");
}

TEST_F(scenario_runner_test, NewExpectationsFailWithExpectedAndActual) {
  const auto queue = write("queue.yaml", R"(templates: [template.yaml]
steps:
  - call: {service: sqs, action: SendMessage, input: {QueueUrl: "{{QueueUrl}}", MessageBody: x, DelaySeconds: 9}}
  - expect_queue: {queue: jobs, delayed: 0}
)");
  std::string transcript;
  scenario_result r = run(queue, &transcript);
  ASSERT_FALSE(r.passed);
  EXPECT_NE(r.failure.find("the queue jobs does not match: /delayed: expected 0, found 1"), std::string::npos)
      << r.failure;
  const auto invocations = write("invocations.yaml", R"(templates: [template.yaml]
steps:
  - call: {service: sqs, action: SendMessage, input: {QueueUrl: "{{QueueUrl}}", MessageBody: x}}
  - settle
  - expect_invocations: {function: Store, count: 2}
)");
  r = run(invocations, &transcript);
  ASSERT_FALSE(r.passed);
  EXPECT_NE(r.failure.find("the invocations of "), std::string::npos) << r.failure;
  EXPECT_NE(r.failure.find(": expected 2, found 1:"), std::string::npos) << r.failure;
  const auto logs = write("logs.yaml", R"(templates: [template.yaml]
steps:
  - call: {service: sqs, action: SendMessage, input: {QueueUrl: "{{QueueUrl}}", MessageBody: x}}
  - settle
  - expect_logs: {function: Store, contains: "stored 7 records"}
)");
  r = run(logs, &transcript);
  ASSERT_FALSE(r.passed);
  EXPECT_NE(r.failure.find("do not contain \"stored 7 records\"; they are:"), std::string::npos) << r.failure;
  EXPECT_NE(r.failure.find("stored 1 records"), std::string::npos) << r.failure;
  const auto data = write("data.yaml", R"(data: [{table: nowhere, items: [{pk: a}]}]
steps: []
)");
  r = run(data, &transcript);
  ASSERT_FALSE(r.passed);
  EXPECT_NE(r.failure.find("data at " + data.string() +
                           ":1:8: PutItem into nowhere failed: ResourceNotFoundException"),
            std::string::npos)
      << r.failure;
}

// expect_stream_records (issue 9: expectations on stream records), read through DynamoDB Streams'
// API: the fixture's record first, then only what was written since the last look, also after
// the clock has moved past a shard iterator's 15 minutes.
constexpr const char* stream_steps = R"(templates: [template.yaml]
data: [{table: Results, items: [{pk: seeded}]}]
steps:
  - expect_stream_records:
      table: Results
      records: [{eventName: INSERT, eventSource: "aws:dynamodb", dynamodb: {Keys: {pk: {S: seeded}}, NewImage: {pk: {S: seeded}}}}]
  - expect_stream_records: {table: results, count: 0}
  - call: {service: sqs, action: SendMessage, input: {QueueUrl: "{{QueueUrl}}", MessageBody: hello}}
    capture: {message_id: /MessageId}
  - settle
  - call: {service: dynamodb, action: DeleteItem, input: {TableName: results, Key: {pk: {S: seeded}}}}
  - advance: 20m
  - expect_stream_records:
      table: "{{Ref.Results}}"
      records:
        - {eventName: INSERT, dynamodb: {NewImage: {pk: {S: "{{message_id}}"}, body: {S: hello}}}}
        - {eventName: REMOVE, dynamodb: {Keys: {pk: {S: seeded}}}}
    capture: {removed: /1/dynamodb/Keys/pk/S}
  - call: {service: dynamodb, action: PutItem, input: {TableName: results, Item: {pk: {S: "again-{{removed}}"}}}}
  - expect_stream_records: {table: Results, records: [{dynamodb: {Keys: {pk: {S: again-seeded}}}}]}
  - settle
)";

TEST_F(scenario_runner_test, StreamRecordsSinceTheLastLook) {
  const auto file = write("streams.yaml", stream_steps);
  std::string transcript;
  const scenario_result r = run(file, &transcript);
  ASSERT_TRUE(r.passed) << r.failure << "\n" << transcript;
  // The runner's own reads are not in the transcript; the records are, as stream_record events
  // (written as the table's subscriptions are delivered: the last one at the final settle, after
  // GetRecords had it already).
  for (const auto& call : events(transcript, "call")) EXPECT_NE(call.value("service", ""), "dynamodbstreams");
  EXPECT_EQ(events(transcript, "stream_record").size(), 4u) << transcript;
}

TEST_F(scenario_runner_test, StreamRecordExpectationsFailWithExpectedAndActual) {
  const auto count = write("count.yaml", R"(templates: [template.yaml]
steps:
  - call: {service: dynamodb, action: PutItem, input: {TableName: results, Item: {pk: {S: a}}}}
  - expect_stream_records: {table: Results, count: 2}
)");
  std::string transcript;
  scenario_result r = run(count, &transcript);
  ASSERT_FALSE(r.passed);
  EXPECT_NE(r.failure.find("the stream records of results: expected 2, found 1:"), std::string::npos)
      << r.failure;
  const auto records = write("records.yaml", R"(templates: [template.yaml]
steps:
  - call: {service: dynamodb, action: PutItem, input: {TableName: results, Item: {pk: {S: a}}}}
  - expect_stream_records: {table: Results, records: [{eventName: MODIFY}]}
)");
  r = run(records, &transcript);
  ASSERT_FALSE(r.passed);
  EXPECT_NE(r.failure.find("the stream records of results does not match: /0/eventName: expected \"MODIFY\", "
                           "found \"INSERT\""),
            std::string::npos)
      << r.failure;
  const auto no_stream = write("no_stream.yaml", R"(steps:
  - call:
      service: dynamodb
      action: CreateTable
      input: {TableName: plain, BillingMode: PAY_PER_REQUEST, AttributeDefinitions: [{AttributeName: k, AttributeType: S}],
              KeySchema: [{AttributeName: k, KeyType: HASH}]}
  - expect_stream_records: {table: plain, count: 0}
)");
  r = run(no_stream, &transcript);
  ASSERT_FALSE(r.passed);
  EXPECT_NE(r.failure.find("step 2 (expect_stream_records)"), std::string::npos) << r.failure;
  EXPECT_NE(r.failure.find("the table plain has no stream (StreamSpecification)"), std::string::npos)
      << r.failure;
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
