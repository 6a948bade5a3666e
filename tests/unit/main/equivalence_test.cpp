// One call path: the same requests sent over HTTP (the JSON protocol, and SQS's query protocol)
// and through the in-process client give the same bodies and the same errors.
//
// Two emulators with one seed and one manual clock receive the same sequence of calls, one through
// a real server on a loopback port, the other through dispatch::client. Every response of the
// first must be exactly what the HTTP codecs make of the second's result.

#include "aws_json.hpp"
#include "query_codec.hpp"
#include "query_model.hpp"

#include "fogbank/dispatch/client.hpp"
#include "fogbank/http/server.hpp"
#include "fogbank/main/emulator.hpp"

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace fogbank {
namespace {

using nlohmann::json;
namespace net = boost::asio;
namespace bhttp = boost::beast::http;

constexpr std::string_view authorization =
    "AWS4-HMAC-SHA256 Credential=AKIDTEST/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, "
    "Signature=0";

std::unique_ptr<emulator> open_manual() {
  emulator_options options;
  options.manual_clock = true;
  options.seed = 11;
  std::string error;
  auto opened = emulator::open(options, &error);
  EXPECT_TRUE(opened) << error;
  return opened;
}

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

class equivalence : public ::testing::Test {
 protected:
  void SetUp() override {
    served_ = open_manual();
    local_ = open_manual();
    http::server_options options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    server_ = std::make_unique<http::server>(options, served_->services());
    std::string error;
    ASSERT_TRUE(server_->start(&error)) << error;
    host_ = "127.0.0.1:" + std::to_string(server_->port());
    // Queue URLs name the endpoint the caller addressed: the same one on both sides.
    local_->set_endpoint("http://" + host_);
  }
  void TearDown() override { server_->stop(); }

  bhttp::response<bhttp::string_body> send(bhttp::request<bhttp::string_body> req) {
    net::io_context ioc;
    net::ip::tcp::socket socket(ioc);
    socket.connect({net::ip::make_address("127.0.0.1"), server_->port()});
    req.set(bhttp::field::host, host_);
    req.set(bhttp::field::authorization, std::string(authorization));
    req.set("X-Amz-Date", "20240101T000000Z");
    req.prepare_payload();
    bhttp::write(socket, req);
    boost::beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(socket, buffer, res);
    return res;
  }

  // One JSON-protocol call both ways; returns the in-process result.
  core::call_result same_json(std::string_view service, std::string_view operation, const json& request) {
    const dispatch::service_row& row = *local_->services().find(service);
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/", 11};
    req.set(bhttp::field::content_type, "application/x-amz-json-1.0");
    req.set("X-Amz-Target", row.target_prefix + std::string(operation));
    req.body() = request.dump();
    const auto res = send(std::move(req));

    core::call_result result = local_->client().call(service, operation, request);
    if (result.error) {
      EXPECT_EQ(res.result_int(), result.error->http_status()) << operation;
      EXPECT_EQ(res.body(), http::aws_json_front::error_body(*result.error, row.error_namespace))
          << operation;
    } else {
      EXPECT_EQ(res.result_int(), 200) << operation << ": " << res.body();
      EXPECT_EQ(res.body(), dump(result.body)) << operation;
    }
    return result;
  }

  // One query-protocol SQS call both ways, from its form parameters.
  core::call_result same_query(const std::string& form) {
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/", 11};
    req.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
    req.body() = form;
    const auto res = send(std::move(req));
    const std::string request_id(res["x-amzn-RequestId"]);

    http::query_codec::params params;
    http::query_codec::parse_form(form, params);
    const auto& model = http::query_model::sqs();
    const http::query_model::operation* op = model.find(params.at("Action"));
    EXPECT_NE(op, nullptr) << form;
    const json request = http::query_codec::decode_request(model, *op, params);
    core::call_result result = local_->client().call("sqs", op->name, request);
    if (result.error) {
      EXPECT_EQ(res.result_int(), result.error->http_status()) << form;
      EXPECT_EQ(res.body(), http::query_codec::encode_error(
                                model.xml_namespace, http::query_codec::error_code_of(*result.error),
                                result.error->message(),
                                http::query_codec::fault_of(result.error->http_status()), request_id))
          << form;
    } else {
      EXPECT_EQ(res.result_int(), 200) << form << ": " << res.body();
      EXPECT_EQ(res.body(), http::query_codec::encode_response(model, *op, result.body, request_id)) << form;
    }
    return result;
  }

  std::unique_ptr<emulator> served_;
  std::unique_ptr<emulator> local_;
  std::unique_ptr<http::server> server_;
  std::string host_;
};

json table_request() {
  return {{"TableName", "orders"},
          {"BillingMode", "PAY_PER_REQUEST"},
          {"AttributeDefinitions",
           {{{"AttributeName", "pk"}, {"AttributeType", "S"}},
            {{"AttributeName", "sk"}, {"AttributeType", "N"}}}},
          {"KeySchema",
           {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}, {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}}},
          {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", "NEW_AND_OLD_IMAGES"}}}};
}

TEST_F(equivalence, DynamoDbAndItsStreams) {
  EXPECT_TRUE(same_json("dynamodb", "CreateTable", table_request()).ok());
  EXPECT_EQ(same_json("dynamodb", "CreateTable", table_request()).error->name(), "ResourceInUseException");
  for (int i = 0; i < 3; ++i) {
    same_json("dynamodb", "PutItem",
              {{"TableName", "orders"},
               {"Item", {{"pk", {{"S", "p"}}}, {"sk", {{"N", std::to_string(i)}}}, {"v", {{"N", "1.50"}}}}}});
  }
  same_json("dynamodb", "GetItem",
            {{"TableName", "orders"}, {"Key", {{"pk", {{"S", "p"}}}, {"sk", {{"N", "1"}}}}}});
  same_json("dynamodb", "Query",
            {{"TableName", "orders"},
             {"KeyConditionExpression", "pk = :p AND sk > :s"},
             {"ExpressionAttributeValues", {{":p", {{"S", "p"}}}, {":s", {{"N", "0"}}}}},
             {"Limit", 1}});
  same_json("dynamodb", "UpdateItem",
            {{"TableName", "orders"},
             {"Key", {{"pk", {{"S", "p"}}}, {"sk", {{"N", "2"}}}}},
             {"UpdateExpression", "ADD v :one"},
             {"ExpressionAttributeValues", {{":one", {{"N", "1"}}}}},
             {"ReturnValues", "ALL_NEW"}});
  EXPECT_EQ(same_json("dynamodb", "PutItem",
                      {{"TableName", "orders"},
                       {"Item", {{"pk", {{"S", "p"}}}, {"sk", {{"N", "0"}}}}},
                       {"ConditionExpression", "attribute_not_exists(pk)"},
                       {"ReturnValuesOnConditionCheckFailure", "ALL_OLD"}})
                .error->name(),
            "ConditionalCheckFailedException");
  EXPECT_EQ(same_json("dynamodb", "TransactWriteItems",
                      {{"TransactItems",
                        {{{"ConditionCheck",
                           {{"TableName", "orders"},
                            {"Key", {{"pk", {{"S", "p"}}}, {"sk", {{"N", "9"}}}}},
                            {"ConditionExpression", "attribute_exists(pk)"}}}}}}})
                .error->name(),
            "TransactionCanceledException");
  EXPECT_EQ(same_json("dynamodb", "Query", {{"TableName", "orders"}, {"KeyConditionExpression", "pk = :p"}})
                .error->name(),
            "ValidationException");
  EXPECT_EQ(same_json("dynamodb", "DescribeTable", {{"TableName", "nosuch"}}).error->name(),
            "ResourceNotFoundException");
  EXPECT_EQ(same_json("dynamodb", "GetItem", json::array({1})).error->name(), "SerializationException");
  EXPECT_EQ(same_json("dynamodb", "GetItem", json(7)).error->name(), "SerializationException");
  // DynamoDB's deserializer: "TRUE_VALUE cannot be converted to String".
  EXPECT_EQ(same_json("dynamodb", "GetItem", {{"TableName", true}}).error->name(), "SerializationException");
  EXPECT_EQ(same_json("dynamodb", "CancelStatement", json::object()).error->name(),
            "UnknownOperationException");
  same_json("dynamodb", "DescribeTable", {{"TableName", "orders"}});

  const std::string arn =
      same_json("dynamodbstreams", "ListStreams", json::object()).body["Streams"][0]["StreamArn"];
  const json description = same_json("dynamodbstreams", "DescribeStream", {{"StreamArn", arn}}).body;
  const std::string iterator =
      same_json("dynamodbstreams", "GetShardIterator",
                {{"StreamArn", arn},
                 {"ShardId", description["StreamDescription"]["Shards"][0]["ShardId"]},
                 {"ShardIteratorType", "TRIM_HORIZON"}})
          .body["ShardIterator"];
  EXPECT_EQ(same_json("dynamodbstreams", "GetRecords", {{"ShardIterator", iterator}}).body["Records"].size(),
            4u);
  EXPECT_EQ(same_json("dynamodbstreams", "GetRecords", {{"ShardIterator", "nonsense"}}).error->name(),
            "ValidationException");
}

TEST_F(equivalence, SqsOverTheJsonProtocol) {
  const std::string url = same_json("sqs", "CreateQueue", {{"QueueName", "jobs"}}).body["QueueUrl"];
  same_json("sqs", "SendMessage",
            {{"QueueUrl", url},
             {"MessageBody", "hello"},
             {"MessageAttributes", {{"kind", {{"DataType", "String"}, {"StringValue", "greeting"}}}}}});
  const json received =
      same_json("sqs", "ReceiveMessage",
                {{"QueueUrl", url}, {"MessageAttributeNames", {"All"}}, {"AttributeNames", {"All"}}})
          .body;
  ASSERT_EQ(received["Messages"].size(), 1u);
  same_json("sqs", "GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {"All"}}});
  same_json("sqs", "DeleteMessage",
            {{"QueueUrl", url}, {"ReceiptHandle", received["Messages"][0]["ReceiptHandle"]}});
  EXPECT_EQ(
      same_json("sqs", "SendMessage", {{"QueueUrl", url + "-missing"}, {"MessageBody", "x"}}).error->name(),
      "QueueDoesNotExist");
  EXPECT_EQ(same_json("sqs", "ChangeMessageVisibility", {{"QueueUrl", url}, {"ReceiptHandle", "bogus"}})
                .error->name(),
            "MissingParameter");
  EXPECT_EQ(same_json("sqs", "ListQueues", json::array()).error->name(), "SerializationException");
  EXPECT_EQ(same_json("sqs", "Frobnicate", json::object()).error->name(), "UnsupportedOperation");
}

TEST_F(equivalence, SqsOverTheQueryProtocol) {
  const std::string url = same_query(
                              "Action=CreateQueue&QueueName=jobs&Attribute.1.Name=DelaySeconds&"
                              "Attribute.1.Value=0")
                              .body["QueueUrl"];
  same_query("Action=SendMessage&QueueUrl=" + url + "&MessageBody=hello+there");
  const json received = same_query("Action=ReceiveMessage&QueueUrl=" + url + "&AttributeName.1=All").body;
  ASSERT_EQ(received["Messages"].size(), 1u);
  same_query("Action=GetQueueAttributes&QueueUrl=" + url + "&AttributeName.1=All");
  same_query("Action=ListQueues");
  EXPECT_EQ(same_query("Action=GetQueueUrl&QueueName=missing").error->name(), "QueueDoesNotExist");
  EXPECT_EQ(same_query("Action=CreateQueue&QueueName=bad%20name").error->name(), "InvalidParameterValue");
}

}  // namespace
}  // namespace fogbank
