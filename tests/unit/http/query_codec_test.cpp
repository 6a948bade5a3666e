// The query protocol's codec against what boto3 1.26 / AWS CLI 2.9 put on the wire (form
// parameters as botocore's QuerySerializer writes them) and what their QueryParser reads back.

#include "query_codec.hpp"
#include "query_model.hpp"

#include <gtest/gtest.h>

namespace fogbank::http {
namespace {

using nlohmann::json;
using query_codec::params;

const query_model::operation& op(std::string_view name) {
  const query_model::operation* found = query_model::sqs().find(name);
  EXPECT_NE(found, nullptr) << name;
  return *found;
}

json decode(std::string_view operation, std::string_view form_text) {
  params form;
  query_codec::parse_form(form_text, form);
  return query_codec::decode_request(query_model::sqs(), op(operation), form);
}

std::string encode(std::string_view operation, const json& result) {
  return query_codec::encode_response(query_model::sqs(), op(operation), result, "req-1");
}

std::string wrap(std::string_view operation, std::string_view result_xml) {
  std::string out = "<?xml version=\"1.0\"?><" + std::string(operation) +
                    "Response xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">";
  out += result_xml;
  out += "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></" + std::string(operation) +
         "Response>";
  return out;
}

TEST(QueryModel, KnowsEverySqsOperationOfTheQueryProtocol) {
  const auto& model = query_model::sqs();
  EXPECT_EQ(model.api_version, "2012-11-05");
  EXPECT_EQ(model.xml_namespace, "http://queue.amazonaws.com/doc/2012-11-05/");
  EXPECT_EQ(model.operations.size(), 20u);
  for (const auto name : {"CreateQueue", "SendMessageBatch", "ReceiveMessage", "UntagQueue", "PurgeQueue"})
    EXPECT_NE(model.find(name), nullptr) << name;
  EXPECT_EQ(model.find("StartMessageMoveTask"), nullptr);  // JSON protocol only
  EXPECT_EQ(model.find("sendmessage"), nullptr);
}

TEST(QueryForm, DecodesEscapesPlusAndEmptyValues) {
  params form;
  query_codec::parse_form("Action=SendMessage&MessageBody=a+b%26c%3D%0D%0A&Empty=&Flag&&X=%zz", form);
  EXPECT_EQ(form.at("Action"), "SendMessage");
  EXPECT_EQ(form.at("MessageBody"), "a b&c=\r\n");
  EXPECT_EQ(form.at("Empty"), "");
  EXPECT_EQ(form.at("Flag"), "");
  EXPECT_EQ(form.at("X"), "%zz");
}

TEST(QueryDecode, CreateQueueAttributesAndTags) {
  const json request = decode("CreateQueue",
                              "Action=CreateQueue&Version=2012-11-05&QueueName=orders.fifo"
                              "&Attribute.1.Name=FifoQueue&Attribute.1.Value=true"
                              "&Attribute.2.Name=VisibilityTimeout&Attribute.2.Value=45"
                              "&Tag.1.Key=team&Tag.1.Value=payments");
  EXPECT_EQ(request, json::parse(R"({"QueueName": "orders.fifo",
                                     "Attributes": {"FifoQueue": "true", "VisibilityTimeout": "45"},
                                     "tags": {"team": "payments"}})"));
}

TEST(QueryDecode, SendMessageWithMessageAttributesAndNumbers) {
  const json request = decode("SendMessage",
                              "Action=SendMessage&QueueUrl=http%3A%2F%2Flocalhost%3A4566%2F000000000000%2Fq"
                              "&MessageBody=hi&DelaySeconds=5"
                              "&MessageAttribute.1.Name=color&MessageAttribute.1.Value.DataType=String"
                              "&MessageAttribute.1.Value.StringValue=red"
                              "&MessageAttribute.2.Name=blob&MessageAttribute.2.Value.DataType=Binary"
                              "&MessageAttribute.2.Value.BinaryValue=AAE%3D"
                              "&MessageSystemAttribute.1.Name=AWSTraceHeader"
                              "&MessageSystemAttribute.1.Value.DataType=String"
                              "&MessageSystemAttribute.1.Value.StringValue=Root%3D1");
  EXPECT_EQ(request, json::parse(R"({
      "QueueUrl": "http://localhost:4566/000000000000/q", "MessageBody": "hi", "DelaySeconds": 5,
      "MessageAttributes": {"color": {"DataType": "String", "StringValue": "red"},
                            "blob": {"DataType": "Binary", "BinaryValue": "AAE="}},
      "MessageSystemAttributes": {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1"}}})"));
}

TEST(QueryDecode, BatchEntriesInIndexOrderPastNine) {
  std::string form = "Action=SendMessageBatch&QueueUrl=u";
  for (int i = 1; i <= 10; ++i) {
    form += "&SendMessageBatchRequestEntry." + std::to_string(i) + ".Id=m" + std::to_string(i);
    form += "&SendMessageBatchRequestEntry." + std::to_string(i) + ".MessageBody=b" + std::to_string(i);
  }
  form += "&SendMessageBatchRequestEntry.3.MessageGroupId=g&SendMessageBatchRequestEntry.3.DelaySeconds=2";
  const json request = decode("SendMessageBatch", form);
  ASSERT_EQ(request["Entries"].size(), 10u);
  EXPECT_EQ(request["Entries"][0], json::parse(R"({"Id": "m1", "MessageBody": "b1"})"));
  EXPECT_EQ(request["Entries"][2],
            json::parse(R"({"Id": "m3", "MessageBody": "b3", "MessageGroupId": "g", "DelaySeconds": 2})"));
  EXPECT_EQ(request["Entries"][9]["Id"], "m10");
}

TEST(QueryDecode, FlattenedListsTakeTheElementName) {
  EXPECT_EQ(
      decode("ReceiveMessage",
             "QueueUrl=u&AttributeName.1=All&MessageAttributeName.1=color&MessageAttributeName.2=size"
             "&MaxNumberOfMessages=10&WaitTimeSeconds=20&VisibilityTimeout=0"),
      json::parse(R"({"QueueUrl": "u", "AttributeNames": ["All"], "MessageAttributeNames": ["color", "size"],
                            "MaxNumberOfMessages": 10, "WaitTimeSeconds": 20, "VisibilityTimeout": 0})"));
  EXPECT_EQ(decode("UntagQueue", "QueueUrl=u&TagKey.1=a&TagKey.2=b"),
            json::parse(R"({"QueueUrl": "u", "TagKeys": ["a", "b"]})"));
  EXPECT_EQ(decode("DeleteMessageBatch",
                   "QueueUrl=u&DeleteMessageBatchRequestEntry.1.Id=x&DeleteMessageBatchRequestEntry.1."
                   "ReceiptHandle=r"),
            json::parse(R"({"QueueUrl": "u", "Entries": [{"Id": "x", "ReceiptHandle": "r"}]})"));
  // botocore sends an empty list as the bare member name.
  EXPECT_EQ(decode("GetQueueAttributes", "QueueUrl=u&AttributeNames="),
            json::parse(R"({"QueueUrl": "u", "AttributeNames": []})"));
}

TEST(QueryDecode, AbsentMembersStayAbsentAndUnknownParametersAreIgnored) {
  EXPECT_EQ(decode("ListQueues", "Action=ListQueues&Version=2012-11-05&X-Amz-Date=1"), json::object());
}

TEST(QueryDecode, NonIntegerIsInvalidParameterValue) {
  try {
    decode("ReceiveMessage", "QueueUrl=u&MaxNumberOfMessages=ten");
    FAIL() << "expected an error";
  } catch (const core::aws_error& e) {
    EXPECT_EQ(e.code(), core::error_code::invalid_parameter_value);
    EXPECT_EQ(e.message(),
              "Value ten for parameter MaxNumberOfMessages is invalid. Reason: Must be an integer.");
  }
}

TEST(QueryEncode, ReceiveMessageFlattensMessagesAndTheirMaps) {
  const json result = json::parse(R"({"Messages": [{
      "MessageId": "id-1", "ReceiptHandle": "rh", "MD5OfBody": "md5", "Body": "a<b>&\r\n",
      "Attributes": {"SenderId": "000000000000"},
      "MD5OfMessageAttributes": "mma",
      "MessageAttributes": {"color": {"DataType": "String", "StringValue": "red"},
                            "blob": {"DataType": "Binary", "BinaryValue": "AAE="}}}]})");
  EXPECT_EQ(encode("ReceiveMessage", result),
            wrap("ReceiveMessage",
                 "<ReceiveMessageResult><Message><MessageId>id-1</MessageId><ReceiptHandle>rh</ReceiptHandle>"
                 "<MD5OfBody>md5</MD5OfBody><Body>a&lt;b&gt;&amp;&#xD;\n</Body>"
                 "<Attribute><Name>SenderId</Name><Value>000000000000</Value></Attribute>"
                 "<MD5OfMessageAttributes>mma</MD5OfMessageAttributes>"
                 "<MessageAttribute><Name>blob</Name><Value><BinaryValue>AAE=</BinaryValue>"
                 "<DataType>Binary</DataType></Value></MessageAttribute>"
                 "<MessageAttribute><Name>color</Name><Value><StringValue>red</StringValue>"
                 "<DataType>String</DataType></Value></MessageAttribute>"
                 "</Message></ReceiveMessageResult>"));
  EXPECT_EQ(encode("ReceiveMessage", json::object()),
            wrap("ReceiveMessage", "<ReceiveMessageResult></ReceiveMessageResult>"));
}

TEST(QueryEncode, ListsMapsAndBatches) {
  EXPECT_EQ(encode("ListQueues", json::parse(R"({"QueueUrls": ["u1", "u2"]})")),
            wrap("ListQueues",
                 "<ListQueuesResult><QueueUrl>u1</QueueUrl><QueueUrl>u2</QueueUrl></ListQueuesResult>"));
  EXPECT_EQ(encode("GetQueueAttributes", json::parse(R"({"Attributes": {"DelaySeconds": "0"}})")),
            wrap("GetQueueAttributes",
                 "<GetQueueAttributesResult><Attribute><Name>DelaySeconds</Name>"
                 "<Value>0</Value></Attribute></GetQueueAttributesResult>"));
  EXPECT_EQ(
      encode("ListQueueTags", json::parse(R"({"Tags": {"team": "a&b"}})")),
      wrap("ListQueueTags",
           "<ListQueueTagsResult><Tag><Key>team</Key><Value>a&amp;b</Value></Tag></ListQueueTagsResult>"));
  EXPECT_EQ(
      encode("ListDeadLetterSourceQueues", json::parse(R"({"queueUrls": ["s"]})")),
      wrap("ListDeadLetterSourceQueues",
           "<ListDeadLetterSourceQueuesResult><QueueUrl>s</QueueUrl></ListDeadLetterSourceQueuesResult>"));
  EXPECT_EQ(encode("SendMessageBatch", json::parse(R"({
                "Successful": [{"Id": "a", "MessageId": "m", "MD5OfMessageBody": "x"}],
                "Failed": [{"Id": "b", "SenderFault": true, "Code": "InvalidParameterValue", "Message": "no"}]})")),
            wrap("SendMessageBatch",
                 "<SendMessageBatchResult><SendMessageBatchResultEntry><Id>a</Id><MessageId>m</MessageId>"
                 "<MD5OfMessageBody>x</MD5OfMessageBody></SendMessageBatchResultEntry>"
                 "<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault>"
                 "<Code>InvalidParameterValue</Code><Message>no</Message></BatchResultErrorEntry>"
                 "</SendMessageBatchResult>"));
}

TEST(QueryEncode, OperationsWithoutOutputCarryOnlyMetadata) {
  EXPECT_EQ(encode("DeleteMessage", json::object()), wrap("DeleteMessage", ""));
  EXPECT_EQ(encode("PurgeQueue", json::object()), wrap("PurgeQueue", ""));
}

TEST(QueryEncode, MembersOutsideTheModelAreLeftOut) {
  EXPECT_EQ(encode("CreateQueue", json::parse(R"({"QueueUrl": "u", "Extra": 1})")),
            wrap("CreateQueue", "<CreateQueueResult><QueueUrl>u</QueueUrl></CreateQueueResult>"));
}

TEST(QueryError, UsesTheQueryCodeAndFault) {
  const core::aws_error missing(core::error_code::queue_does_not_exist,
                                "The specified queue does not exist.");
  EXPECT_EQ(query_codec::error_code_of(missing), "AWS.SimpleQueueService.NonExistentQueue");
  EXPECT_EQ(query_codec::error_code_of(core::aws_error(core::error_code::queue_name_exists, "")),
            "QueueAlreadyExists");
  EXPECT_EQ(query_codec::error_code_of(core::aws_error(core::error_code::invalid_parameter_value, "")),
            "InvalidParameterValue");
  EXPECT_EQ(query_codec::fault_of(400), "Sender");
  EXPECT_EQ(query_codec::fault_of(403), "Sender");
  EXPECT_EQ(query_codec::fault_of(500), "Receiver");
  EXPECT_EQ(query_codec::encode_error(query_model::sqs().xml_namespace, query_codec::error_code_of(missing),
                                      missing.message(), "Sender", "rid"),
            "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"
            "<Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>"
            "<Message>The specified queue does not exist.</Message><Detail/></Error>"
            "<RequestId>rid</RequestId></ErrorResponse>");
}

TEST(QueryEscape, ControlCharactersCannotBreakTheDocument) {
  std::string out;
  query_codec::append_escaped(out, std::string("a\x01\tb\"'", 6));
  EXPECT_EQ(out, "a\xEF\xBF\xBD\tb&quot;&apos;");
}

}  // namespace
}  // namespace fogbank::http
