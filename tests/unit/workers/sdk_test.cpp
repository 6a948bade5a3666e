// Handlers that use the AWS SDKs reach a real fogbank (the emulator and its HTTP server on a
// loopback port) without a line of their code naming it: SDK for JavaScript v3 through
// AWS_ENDPOINT_URL and fogbank's copy of it (found by an ES module's imports too), v2 (aws-sdk,
// which ignores AWS_ENDPOINT_URL) and Debian's boto3 1.26 (botocore 1.29, which does too) through
// the bootstraps.

#include "worker_fixture.hpp"

#include "fogbank/dispatch/client.hpp"
#include "fogbank/http/server.hpp"
#include "fogbank/main/emulator.hpp"

namespace fogbank::workers::testing {
namespace {

class sdk : public worker_test {
 protected:
  void SetUp() override {
    worker_test::SetUp();
    std::string error;
    emulator_ = emulator::open(emulator_options{.seed = 3}, &error);
    ASSERT_TRUE(emulator_) << error;
    emulator_->start();
    http::server_options server_options;
    server_options.port = 0;
    server_ = std::make_unique<http::server>(server_options, emulator_->services());
    ASSERT_TRUE(server_->start(&error)) << error;
    options_.endpoint_url = "http://127.0.0.1:" + std::to_string(server_->port());
    emulator_->set_endpoint(options_.endpoint_url);

    const auto& aws = emulator_->client();
    const auto table =
        aws.call("dynamodb", "CreateTable",
                 {{"TableName", "orders"},
                  {"KeySchema", {{{"AttributeName", "id"}, {"KeyType", "HASH"}}}},
                  {"AttributeDefinitions", {{{"AttributeName", "id"}, {"AttributeType", "S"}}}},
                  {"BillingMode", "PAY_PER_REQUEST"}});
    ASSERT_TRUE(table.ok()) << table.error->message();
    const auto queue = aws.call("sqs", "CreateQueue", {{"QueueName", "events"}});
    ASSERT_TRUE(queue.ok()) << queue.error->message();
    queue_url_ = queue.body["QueueUrl"];
  }

  void TearDown() override {
    host_.reset();
    if (server_) server_->stop();
    server_.reset();
    emulator_.reset();
    worker_test::TearDown();
  }

  // What the handler wrote: the item's `sdk` attribute and the message's body.
  void expect_written(const std::string& id, const std::string& sdk_name) {
    const auto& aws = emulator_->client();
    const auto item =
        aws.call("dynamodb", "GetItem", {{"TableName", "orders"}, {"Key", {{"id", {{"S", id}}}}}});
    ASSERT_TRUE(item.ok()) << item.error->message();
    EXPECT_EQ(item.body["Item"]["sdk"], (json{{"S", sdk_name}})) << item.body.dump();
    const auto received =
        aws.call("sqs", "ReceiveMessage", {{"QueueUrl", queue_url_}, {"MaxNumberOfMessages", 10}});
    ASSERT_TRUE(received.ok()) << received.error->message();
    ASSERT_EQ(received.body["Messages"].size(), 1u) << received.body.dump();
    EXPECT_EQ(json::parse(received.body["Messages"][0]["Body"].get<std::string>()), (json{{"id", id}}));
  }

  std::string event(const std::string& id) { return json{{"id", id}, {"queueUrl", queue_url_}}.dump(); }

  std::unique_ptr<emulator> emulator_;
  std::unique_ptr<http::server> server_;
  std::string queue_url_;
};

TEST_F(sdk, NodeHandlerWithSdkV3FromAnEsModule) {
  ASSERT_FALSE(default_node_modules().empty())
      << "fogbank's SDK folder is missing: npm ci in emulator/workers/node_sdk (scripts/dev.sh does)";
  write("index.mjs", R"js(
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const sqs = new SQSClient({});
export const handler = async (event) => {
  await ddb.send(new PutCommand({ TableName: 'orders', Item: { id: event.id, sdk: 'v3' } }));
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl: event.queueUrl, MessageBody: JSON.stringify({ id: event.id }) }));
  return { messageId: sent.MessageId };
};
)js");
  const auto outcome = invoke(function("nodejs20.x", "index.handler", 20s), event("o-v3"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  EXPECT_TRUE(parsed(outcome)["messageId"].is_string()) << outcome.payload;
  expect_written("o-v3", "v3");
}

TEST_F(sdk, NodeHandlerWithSdkV2) {
  ASSERT_TRUE(std::filesystem::is_directory(test_node_modules() / "aws-sdk"))
      << "aws-sdk v2 is missing: npm ci in tests/unit/workers/node_packages (scripts/dev.sh does)";
  write("index.js", R"js(
const AWS = require('aws-sdk');
const ddb = new AWS.DynamoDB.DocumentClient();
const sqs = new AWS.SQS();
exports.handler = async (event) => {
  await ddb.put({ TableName: 'orders', Item: { id: event.id, sdk: 'v2' } }).promise();
  const sent = await sqs.sendMessage({ QueueUrl: event.queueUrl, MessageBody: JSON.stringify({ id: event.id }) }).promise();
  return { messageId: sent.MessageId, endpoint: ddb.service.endpoint.href };
};
)js");
  const auto outcome = invoke(function("nodejs20.x", "index.handler", 20s), event("o-v2"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  EXPECT_EQ(parsed(outcome)["endpoint"], options_.endpoint_url + "/") << outcome.payload;
  expect_written("o-v2", "v2");
}

TEST_F(sdk, PythonHandlerWithDebiansBoto3) {
  write("app.py", R"py(
import json
import boto3
import botocore
dynamodb = boto3.resource("dynamodb")
sqs = boto3.client("sqs")
def handler(event, context):
    dynamodb.Table("orders").put_item(Item={"id": event["id"], "sdk": "boto3"})
    sent = sqs.send_message(QueueUrl=event["queueUrl"], MessageBody=json.dumps({"id": event["id"]}))
    return {"messageId": sent["MessageId"], "endpoint": sqs.meta.endpoint_url, "botocore": botocore.__version__}
)py");
  const auto outcome = invoke(function("python3.11", "app.handler", 20s), event("o-py"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  const json result = parsed(outcome);
  EXPECT_EQ(result["endpoint"], options_.endpoint_url) << outcome.payload;
  // The case this covers: a botocore that does not read AWS_ENDPOINT_URL itself (Debian's 1.29).
  EXPECT_EQ(result["botocore"].get<std::string>().rfind("1.29.", 0), 0u) << outcome.payload;
  expect_written("o-py", "boto3");
}

}  // namespace
}  // namespace fogbank::workers::testing
