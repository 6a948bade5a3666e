// Templates deployed into a real emulator: tables and queues as the template says, and a second
// load on a restarted emulator with a data directory updating what changed and keeping the data.

#include "emulator_calls.hpp"
#include "template_fixture.hpp"

#include "fogbank/dispatch/client.hpp"
#include "fogbank/main/emulator.hpp"

#include <string>

namespace fogbank::templates::testing {
namespace {

const std::string app_v1 = R"(AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String, Default: dev}
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "orders-${Stage}"
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
        - {AttributeName: sk, AttributeType: S}
        - {AttributeName: user, AttributeType: S}
        - {AttributeName: when, AttributeType: N}
      KeySchema:
        - {AttributeName: pk, KeyType: HASH}
        - {AttributeName: sk, KeyType: RANGE}
      GlobalSecondaryIndexes:
        - IndexName: byUser
          KeySchema: [{AttributeName: user, KeyType: HASH}]
          Projection: {ProjectionType: KEYS_ONLY}
      LocalSecondaryIndexes:
        - IndexName: byWhen
          KeySchema: [{AttributeName: pk, KeyType: HASH}, {AttributeName: when, KeyType: RANGE}]
          Projection: {ProjectionType: ALL}
      StreamSpecification: {StreamViewType: NEW_IMAGE}
      Tags: [{Key: stage, Value: !Ref Stage}]
  DeadLetters:
    Type: AWS::SQS::Queue
  Work:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 45
      RedrivePolicy: {deadLetterTargetArn: !GetAtt DeadLetters.Arn, maxReceiveCount: 3}
      Tags: [{Key: stage, Value: !Ref Stage}]
  Ordered:
    Type: AWS::SQS::Queue
    Properties: {FifoQueue: true, ContentBasedDeduplication: true}
  WorkPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Work]
      PolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: "*", Action: "sqs:SendMessage", Resource: !GetAtt Work.Arn}]
  Role: {Type: AWS::IAM::Role}
Outputs:
  WorkUrl: {Value: !Ref Work}
  StreamArn: {Value: !GetAtt Orders.StreamArn}
  RoleArn: {Value: !GetAtt Role.Arn}
)";

class TemplateDeploy : public ::testing::Test {
 protected:
  load_result load(const emulator& e, const std::string& text, load_options options = {}) {
    const auto file = dir.write("app.yaml", text);
    if (options.state_dir.empty()) options.state_dir = state_dir;
    return deploy(e.client(), read_template(file), options);
  }

  std::string queue_url(const emulator& e, const std::string& name) {
    return must(e, "sqs", "GetQueueUrl", {{"QueueName", name}})["QueueUrl"];
  }

  json queue_attributes(const emulator& e, const std::string& url) {
    return must(e, "sqs", "GetQueueAttributes",
                {{"QueueUrl", url}, {"AttributeNames", {"All"}}})["Attributes"];
  }

  static const resource_outcome& outcome(const load_result& result, const std::string& logical_id) {
    for (const resource_outcome& r : result.resources) {
      if (r.logical_id == logical_id) return r;
    }
    ADD_FAILURE() << "no outcome for " << logical_id;
    static const resource_outcome none;
    return none;
  }

  temp_dir dir;
  std::filesystem::path state_dir;
};

TEST_F(TemplateDeploy, TablesAndQueuesAreMadeAsTheTemplateSays) {
  auto e = open_emulator();
  const load_result result = load(*e, app_v1);
  EXPECT_EQ(result.stack_name, "app");
  for (const char* id : {"Orders", "DeadLetters", "Work", "Ordered", "WorkPolicy"}) {
    EXPECT_EQ(outcome(result, id).action, resource_action::created) << id;
  }
  EXPECT_EQ(outcome(result, "Role").action, resource_action::ignored);

  const json table = must(*e, "dynamodb", "DescribeTable", {{"TableName", "orders-dev"}})["Table"];
  EXPECT_EQ(
      table["KeySchema"],
      json::parse(R"([{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}])"));
  EXPECT_EQ(table["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST");
  EXPECT_EQ(table["GlobalSecondaryIndexes"][0]["IndexName"], "byUser");
  EXPECT_EQ(table["GlobalSecondaryIndexes"][0]["Projection"]["ProjectionType"], "KEYS_ONLY");
  EXPECT_EQ(table["LocalSecondaryIndexes"][0]["IndexName"], "byWhen");
  EXPECT_EQ(table["StreamSpecification"], json({{"StreamEnabled", true}, {"StreamViewType", "NEW_IMAGE"}}));
  const json tags = must(*e, "dynamodb", "ListTagsOfResource", {{"ResourceArn", table["TableArn"]}})["Tags"];
  EXPECT_EQ(tags, json::parse(R"([{"Key":"stage","Value":"dev"}])"));

  // Queues without a QueueName get CloudFormation's <stack>-<logicalId>-<random> names.
  const std::string dead_name =
      outcome(result, "DeadLetters")
          .physical_id.substr(outcome(result, "DeadLetters").physical_id.rfind('/') + 1);
  EXPECT_EQ(dead_name.rfind("app-DeadLetters-", 0), 0u) << dead_name;
  const std::string work_url = outcome(result, "Work").physical_id;
  const json work = queue_attributes(*e, work_url);
  EXPECT_EQ(work["VisibilityTimeout"], "45");
  EXPECT_EQ(json::parse(work["RedrivePolicy"].get<std::string>()),
            json({{"deadLetterTargetArn", "arn:aws:sqs:us-east-1:000000000000:" + dead_name},
                  {"maxReceiveCount", 3}}));
  EXPECT_EQ(json::parse(work["Policy"].get<std::string>())["Statement"][0]["Action"], "sqs:SendMessage");
  EXPECT_EQ(must(*e, "sqs", "ListQueueTags", {{"QueueUrl", work_url}})["Tags"], json({{"stage", "dev"}}));
  const std::string ordered_url = outcome(result, "Ordered").physical_id;
  EXPECT_EQ(ordered_url.substr(ordered_url.size() - 5), ".fifo");
  EXPECT_EQ(queue_attributes(*e, ordered_url)["ContentBasedDeduplication"], "true");

  ASSERT_EQ(result.outputs.size(), 3u);
  EXPECT_EQ(result.outputs[0], (std::pair<std::string, std::string>{"WorkUrl", work_url}));
  EXPECT_EQ(result.outputs[1].second, table["LatestStreamArn"]);
  EXPECT_EQ(result.outputs[2].second,
            "arn:aws:iam::000000000000:role/" + outcome(result, "Role").physical_id);

  const std::vector<std::string> lines = describe(result);
  EXPECT_EQ(lines.front(), "app: created Orders (AWS::DynamoDB::Table) orders-dev");
  EXPECT_EQ(lines.back(), "app: output RoleArn = " + result.outputs[2].second);
}

TEST_F(TemplateDeploy, GeneratedNamesFollowTheSeed) {
  const std::string text = "Resources:\n  Jobs: {Type: AWS::SQS::Queue}\n";
  auto first = open_emulator();
  auto second = open_emulator();
  load_options seeded;
  seeded.seed = 42;
  const std::string name = load(*first, text, seeded).resources[0].physical_id;
  EXPECT_EQ(load(*second, text, seeded).resources[0].physical_id, name);
  auto third = open_emulator();
  seeded.seed = 43;
  EXPECT_NE(load(*third, text, seeded).resources[0].physical_id, name);
}

TEST_F(TemplateDeploy, ALambdaFunctionIsCreatedThroughTheLambdaService) {
  auto e = open_emulator();
  const std::filesystem::path code = dir.path() / "code";
  std::filesystem::create_directories(code);
  load(*e,
       "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      FunctionName: orders\n"
       "      Role: arn:aws:iam::000000000000:role/r\n"
       "      Code: {S3Bucket: hot-reload, S3Key: " +
           code.string() +
           "}\n      Runtime: nodejs20.x\n      Handler: index.handler\n      Timeout: 7\n"
           "      Environment: {Variables: {TABLE: orders}}\n");
  const json function = must(*e, "lambda", "GetFunctionConfiguration", {{"FunctionName", "orders"}});
  EXPECT_EQ(function.value("Runtime", ""), "nodejs20.x");
  EXPECT_EQ(function.value("Handler", ""), "index.handler");
  EXPECT_EQ(function.value("Timeout", 0), 7);
  EXPECT_EQ(function["Environment"]["Variables"].value("TABLE", ""), "orders");
}

TEST_F(TemplateDeploy, LambdasRefusalIsReportedAtTheFunction) {
  auto e = open_emulator();
  std::filesystem::create_directories(dir.path() / "code");
  const template_error error = error_of([&] {
    load(*e,
         "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: "
         "arn:aws:iam::000000000000:role/r\n"
         "      Code: {S3Bucket: hot-reload, S3Key: " +
             (dir.path() / "code").string() +
             "}\n      Runtime: nodejs20.x\n      Handler: index.handler\n      Timeout: 901\n");
  });
  EXPECT_EQ(error.line(), 2);
  EXPECT_EQ(error.resource(), "Fn");
  EXPECT_EQ(error.property(), "CreateFunction");
  EXPECT_EQ(error.reason(),
            "ValidationException: 1 validation error detected: Value 901 at 'timeout' failed to satisfy "
            "constraint: Member must have value less than or equal to 900");
}

TEST_F(TemplateDeploy, AServiceRefusalIsReportedAtTheResource) {
  auto e = open_emulator();
  const template_error error = error_of([&] {
    load(*e, "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      DelaySeconds: 9000\n");
  });
  EXPECT_EQ(error.line(), 2);
  EXPECT_EQ(error.resource(), "Q");
  EXPECT_EQ(error.property(), "CreateQueue");
  EXPECT_EQ(error.reason(), "InvalidAttributeValue: Invalid value for the parameter DelaySeconds.");
}

// A load that fails part way changes nothing: what it created before the failure is deleted
// again (as CloudFormation rolls back a failed creation) and the record stays as it was.
TEST_F(TemplateDeploy, AFailedLoadDeletesWhatItCreatedBeforeTheFailure) {
  state_dir = dir.path() / "data";
  auto e = open_emulator(state_dir.string());
  const template_error error = error_of([&] {
    load(*e, R"(Resources:
  Jobs: {Type: AWS::SQS::Queue, Properties: {QueueName: jobs}}
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: orders
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      BillingMode: PAY_PER_REQUEST
  Late:
    Type: AWS::SQS::Queue
    DependsOn: [Jobs, Orders]
    Properties: {DelaySeconds: 9000}
)");
  });
  EXPECT_EQ(error.resource(), "Late");
  EXPECT_EQ(error.property(), "CreateQueue");
  EXPECT_EQ(error.reason(),
            "InvalidAttributeValue: Invalid value for the parameter DelaySeconds. (the 2 resources this load "
            "created before it were deleted again)");
  EXPECT_EQ(must(*e, "dynamodb", "ListTables", json::object())["TableNames"], json::array());
  EXPECT_FALSE(must(*e, "sqs", "ListQueues", json::object()).contains("QueueUrls"));
  const stack_state record = stack_state::load(state_dir, "app");
  EXPECT_TRUE(record.logical_ids().empty());
}

// PointInTimeRecoverySpecification (AWS::DynamoDB::Table) goes to UpdateContinuousBackups on
// creation, and a reload that changes it turns recovery on or off.
TEST_F(TemplateDeploy, PointInTimeRecoveryIsSetAsDeclared) {
  auto e = open_emulator();
  const auto recovery_status = [&] {
    return must(*e, "dynamodb", "DescribeContinuousBackups",
                {{"TableName", "backed"}})["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
                                          ["PointInTimeRecoveryStatus"];
  };
  const std::string text = R"(
Resources:
  Backed:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: backed
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      BillingMode: PAY_PER_REQUEST
      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}
)";
  EXPECT_EQ(outcome(load(*e, text), "Backed").action, resource_action::created);
  EXPECT_EQ(recovery_status(), "ENABLED");
  EXPECT_EQ(outcome(load(*e, text), "Backed").action, resource_action::unchanged);
  std::string off = text;
  off.replace(off.find("true}"), 4, "false");
  const load_result second = load(*e, off);
  EXPECT_EQ(outcome(second, "Backed").notes, (std::vector<std::string>{"PointInTimeRecoverySpecification"}));
  EXPECT_EQ(recovery_status(), "DISABLED");
}

class TemplateReload : public TemplateDeploy {
 protected:
  void SetUp() override { state_dir = dir.path() / "data"; }
  std::string data() const { return state_dir.string(); }
};

TEST_F(TemplateReload, ASecondLoadAfterARestartKeepsNamesAndData) {
  std::string work_url;
  {
    auto e = open_emulator(data(), 1);
    const load_result first = load(*e, app_v1);
    work_url = outcome(first, "Work").physical_id;
    must(*e, "dynamodb", "PutItem",
         json::parse(R"({"TableName": "orders-dev", "Item": {"pk": {"S": "a"}, "sk": {"S": "1"}}})"));
    must(*e, "sqs", "SendMessage", {{"QueueUrl", work_url}, {"MessageBody", "kept"}});
  }
  // Another seed would generate other names: the record keeps the first ones.
  auto e = open_emulator(data(), 2);
  const load_result second = load(*e, app_v1);
  for (const resource_outcome& r : second.resources) {
    if (r.type != "AWS::IAM::Role") {
      EXPECT_EQ(r.action, resource_action::unchanged) << r.logical_id;
    }
  }
  EXPECT_EQ(outcome(second, "Work").physical_id, work_url);
  EXPECT_EQ(must(*e, "dynamodb", "Scan", {{"TableName", "orders-dev"}})["Count"], 1);
  EXPECT_EQ(queue_attributes(*e, work_url)["ApproximateNumberOfMessages"], "1");
}

TEST_F(TemplateReload, WhatChangedIsUpdatedAndTheDataStays) {
  std::string work_url;
  {
    auto e = open_emulator(data(), 1);
    work_url = outcome(load(*e, app_v1), "Work").physical_id;
    must(
        *e, "dynamodb", "PutItem",
        json::parse(
            R"({"TableName": "orders-dev", "Item": {"pk": {"S": "a"}, "sk": {"S": "1"}, "user": {"S": "u"}}})"));
    must(*e, "sqs", "SendMessage", {{"QueueUrl", work_url}, {"MessageBody", "kept"}});
  }
  std::string v2 = app_v1;
  const auto edit = [&](const std::string& from, const std::string& to) {
    const auto at = v2.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    v2.replace(at, from.size(), to);
  };
  edit("      VisibilityTimeout: 45\n", "      VisibilityTimeout: 90\n      DelaySeconds: 2\n");
  edit("      Tags: [{Key: stage, Value: !Ref Stage}]\n  DeadLetters:",
       "      Tags: [{Key: team, Value: core}]\n      TimeToLiveSpecification: {AttributeName: expires, "
       "Enabled: true}\n  DeadLetters:");
  edit("StreamViewType: NEW_IMAGE", "StreamViewType: NEW_AND_OLD_IMAGES");
  edit("          Projection: {ProjectionType: KEYS_ONLY}\n",
       "          Projection: {ProjectionType: KEYS_ONLY}\n        - IndexName: byWhenGlobal\n"
       "          KeySchema: [{AttributeName: when, KeyType: HASH}]\n          Projection: {ProjectionType: "
       "ALL}\n");
  edit("  Role: {Type: AWS::IAM::Role}\n", "");
  edit("  RoleArn: {Value: !GetAtt Role.Arn}\n", "");

  auto e = open_emulator(data(), 1);
  const load_result second = load(*e, v2);
  const resource_outcome& orders = outcome(second, "Orders");
  EXPECT_EQ(orders.action, resource_action::updated);
  EXPECT_EQ(orders.notes,
            (std::vector<std::string>{"GlobalSecondaryIndexes: created byWhenGlobal", "StreamSpecification",
                                      "TimeToLiveSpecification", "Tags"}));
  const resource_outcome& work = outcome(second, "Work");
  EXPECT_EQ(work.action, resource_action::updated);
  EXPECT_EQ(work.notes, (std::vector<std::string>{"DelaySeconds", "VisibilityTimeout"}));
  EXPECT_EQ(outcome(second, "DeadLetters").action, resource_action::unchanged);
  EXPECT_EQ(outcome(second, "WorkPolicy").action, resource_action::unchanged);
  ASSERT_EQ(second.notes.size(), 1u);
  EXPECT_NE(second.notes[0].find("Role ("), std::string::npos);
  EXPECT_NE(second.notes[0].find("is no longer in the template: left in place"), std::string::npos);

  const json table = must(*e, "dynamodb", "DescribeTable", {{"TableName", "orders-dev"}})["Table"];
  EXPECT_EQ(table["GlobalSecondaryIndexes"].size(), 2u);
  EXPECT_EQ(table["StreamSpecification"]["StreamViewType"], "NEW_AND_OLD_IMAGES");
  EXPECT_EQ(second.outputs[1].second, table["LatestStreamArn"]);
  EXPECT_EQ(
      must(*e, "dynamodb", "DescribeTimeToLive", {{"TableName", "orders-dev"}})["TimeToLiveDescription"],
      json({{"TimeToLiveStatus", "ENABLED"}, {"AttributeName", "expires"}}));
  // Tags the last load set and this one does not are gone; the new ones are there.
  EXPECT_EQ(must(*e, "dynamodb", "ListTagsOfResource", {{"ResourceArn", table["TableArn"]}})["Tags"],
            json::parse(R"([{"Key":"team","Value":"core"}])"));
  EXPECT_EQ(must(*e, "dynamodb", "Scan", {{"TableName", "orders-dev"}})["Count"], 1);
  const json attributes = queue_attributes(*e, work_url);
  EXPECT_EQ(attributes["VisibilityTimeout"], "90");
  EXPECT_EQ(attributes["DelaySeconds"], "2");
  EXPECT_EQ(attributes["ApproximateNumberOfMessages"], "1");

  // Dropping a setting puts it back to its default.
  std::string v3 = v2;
  v3.replace(v3.find("      DelaySeconds: 2\n"), 22, "");
  const load_result third = load(*e, v3);
  EXPECT_EQ(outcome(third, "Work").notes, (std::vector<std::string>{"DelaySeconds"}));
  EXPECT_EQ(queue_attributes(*e, work_url)["DelaySeconds"], "0");
}

TEST_F(TemplateReload, SettingsMadeByOtherMeansStayUnlessTheTemplateTakesThemBack) {
  const std::string plain = R"(Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: plain
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: k, AttributeType: S}, {AttributeName: g, AttributeType: S}]
      KeySchema: [{AttributeName: k, KeyType: HASH}]
)";
  const std::string with_index = plain + R"(      GlobalSecondaryIndexes:
        - IndexName: declared
          KeySchema: [{AttributeName: g, KeyType: HASH}]
          Projection: {ProjectionType: ALL}
)";
  auto e = open_emulator(data(), 1);
  load(*e, with_index);
  // By other means: another index, TTL and a stream.
  must(*e, "dynamodb", "UpdateTable", json::parse(R"({"TableName": "plain",
      "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
      "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "other", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                                  "Projection": {"ProjectionType": "KEYS_ONLY"}}}]})"));
  must(
      *e, "dynamodb", "UpdateTimeToLive",
      json::parse(
          R"({"TableName": "plain", "TimeToLiveSpecification": {"AttributeName": "ttl", "Enabled": true}})"));
  must(
      *e, "dynamodb", "UpdateTable",
      json::parse(
          R"({"TableName": "plain", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}})"));

  EXPECT_EQ(load(*e, with_index).resources[0].action, resource_action::unchanged);
  // The index the template made and no longer declares goes; the rest stays.
  const load_result dropped = load(*e, plain);
  EXPECT_EQ(dropped.resources[0].notes,
            (std::vector<std::string>{"GlobalSecondaryIndexes: deleted declared"}));
  const json table = must(*e, "dynamodb", "DescribeTable", {{"TableName", "plain"}})["Table"];
  ASSERT_EQ(table["GlobalSecondaryIndexes"].size(), 1u);
  EXPECT_EQ(table["GlobalSecondaryIndexes"][0]["IndexName"], "other");
  EXPECT_EQ(table["StreamSpecification"]["StreamEnabled"], true);
  EXPECT_EQ(must(*e, "dynamodb", "DescribeTimeToLive",
                 {{"TableName", "plain"}})["TimeToLiveDescription"]["TimeToLiveStatus"],
            "ENABLED");
}

TEST_F(TemplateReload, ChangesThatWouldReplaceAResourceAreRefused) {
  auto e = open_emulator(data(), 1);
  load(*e, app_v1);
  std::string keys = app_v1;
  keys.replace(keys.find("        - {AttributeName: sk, KeyType: RANGE}\n"), 46, "");
  keys.replace(keys.find("      LocalSecondaryIndexes:"),
               keys.find("      StreamSpecification") - keys.find("      LocalSecondaryIndexes:"), "");
  const template_error error = error_of([&] { load(*e, keys); });
  EXPECT_EQ(error.resource(), "Orders");
  EXPECT_EQ(error.property(), "KeySchema");
  EXPECT_EQ(error.line(), 15);
  EXPECT_NE(error.reason().find("CloudFormation would replace the table, dropping its items"),
            std::string::npos)
      << error.what();

  std::string fifo = app_v1;
  fifo.replace(fifo.find("{FifoQueue: true, ContentBasedDeduplication: true}"), 50,
               "{QueueName: " +
                   outcome(load(*e, app_v1), "Ordered")
                       .physical_id.substr(outcome(load(*e, app_v1), "Ordered").physical_id.rfind('/') + 1) +
                   "}");
  const template_error queue_error = error_of([&] { load(*e, fifo); });
  EXPECT_EQ(queue_error.resource(), "Ordered");
  EXPECT_EQ(queue_error.property(), "FifoQueue");
}

}  // namespace
}  // namespace fogbank::templates::testing
