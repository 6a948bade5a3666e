// The model-driven request checks (request_validation.hpp): JSON types first, then every member
// constraint together, before any table is looked up. Wordings: dynalite's test/helpers.js and
// test/*.js (pinned against DynamoDB); the cases with their sources also live in
// tests/corpus/dynamodb/request_shapes.json.

#include "request_validation.hpp"
#include "request_model.hpp"
#include "service_fixture.hpp"
#include "service_impl.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace fogbank::dynamodb {
namespace {

using nlohmann::json;

// "<Type>: <message>" of what validate_request_shape throws, or "no error".
std::string shape_error_of(const std::string& operation, const json& request) {
  try {
    validate_request_shape(request_model::dynamodb_model(), operation, request);
  } catch (const core::aws_error& e) {
    return std::string(e.name()) + ": " + e.message();
  }
  return "no error";
}

json hash_table_request(const std::string& name) {
  return {{"TableName", name},
          {"BillingMode", "PAY_PER_REQUEST"},
          {"AttributeDefinitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
          {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}}};
}

TEST(RequestModelTest, KnowsEveryOperationTheServiceServes) {
  const auto& model = request_model::dynamodb_model();
  EXPECT_EQ(model.operations.size(), service_impl::operation_count());
  for (const auto& operation : model.operations) {
    EXPECT_NE(service_impl::find_operation(operation.name), nullptr) << operation.name;
  }
  EXPECT_EQ(model.find_operation("NoSuchOperation"), nullptr);
}

TEST(RequestModelTest, TableNamesKeepDynamoDbsRules) {
  // TableArn in today's model; fogbank checks it as TableName (gen_request_model.py says why).
  const auto& model = request_model::dynamodb_model();
  const auto& query = model.at(model.find_operation("Query")->input);
  const auto& table_name = model.at(query.members[4].shape);
  ASSERT_EQ(query.members[4].name, "TableName");
  EXPECT_TRUE(query.members[4].required);
  EXPECT_EQ(table_name.min, 3);
  EXPECT_EQ(table_name.max, 255);
  EXPECT_EQ(table_name.pattern, request_model::pattern_kind::table_name);
}

TEST(RequestValidationTest, ATypeErrorWinsOverEveryViolation) {
  // TableName is missing and Limit below 1, but a boolean where a list belongs is the
  // deserializer's, which runs first.
  EXPECT_EQ(shape_error_of("Query", {{"Limit", 0}, {"AttributesToGet", true}}),
            "SerializationException: Unexpected field type");
}

TEST(RequestValidationTest, TheWordingDependsOnWhereTheValueSits) {
  // A structure as a member ("FieldStruct") and as a list element ("ValueStruct").
  EXPECT_EQ(shape_error_of("CreateTable", {{"TableName", "abc"}, {"ProvisionedThroughput", 5}}),
            "SerializationException: Unexpected field type");
  EXPECT_EQ(shape_error_of("CreateTable", {{"TableName", "abc"}, {"KeySchema", {5}}}),
            "SerializationException: Unexpected value type in payload");
  EXPECT_EQ(shape_error_of("CreateTable", {{"TableName", "abc"}, {"KeySchema", {json::array()}}}),
            "SerializationException: Unrecognized collection type class "
            "com.amazonaws.dynamodb.v20120810.KeySchemaElement");
  // A list as a map's value is an erased generic type in DynamoDB's Java front end.
  EXPECT_NE(shape_error_of("BatchWriteItem", {{"RequestItems", {{"abc", 5}}}})
                .find("ParameterizedTypeImpl cannot be cast to class java.lang.Class"),
            std::string::npos);
  EXPECT_EQ(shape_error_of("BatchWriteItem", {{"RequestItems", json::array()}}),
            "SerializationException: Unrecognized collection type java.util.Map<java.lang.String, "
            "java.util.List<com.amazonaws.dynamodb.v20120810.WriteRequest>>");
  // Scalars: the JSON token the parser met.
  EXPECT_EQ(shape_error_of("GetItem", {{"TableName", false}}),
            "SerializationException: FALSE_VALUE cannot be converted to String");
  EXPECT_EQ(shape_error_of("Scan", {{"TableName", "abc"}, {"Segment", "1"}}),
            "SerializationException: STRING_VALUE cannot be converted to Integer");
  EXPECT_EQ(shape_error_of("Scan", {{"TableName", "abc"}, {"ConsistentRead", 1.5}}),
            "SerializationException: DECIMAL_VALUE cannot be converted to Boolean");
  EXPECT_EQ(shape_error_of("Scan", {{"TableName", "abc"}, {"ConsistentRead", "maybe"}}),
            "SerializationException: Unexpected token received from parser");
  EXPECT_EQ(shape_error_of("Scan", {{"TableName", "abc"}, {"ConsistentRead", "true"}}), "no error");
}

TEST(RequestValidationTest, ViolationsAreReportedTogetherWithTheirPaths) {
  EXPECT_EQ(shape_error_of("Query", {{"TableName", "a;"}}),
            "ValidationException: 2 validation errors detected: Value 'a;' at 'tableName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value 'a;' at "
            "'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3");
  // List elements are "<list>.<n>.member", a structure's members ".<name>".
  EXPECT_EQ(shape_error_of("CreateTable",
                           {{"TableName", "abc"},
                            {"AttributeDefinitions", {{{"AttributeName", "a"}, {"AttributeType", "X"}}}},
                            {"KeySchema", {{{"AttributeName", "a"}}}}}),
            "ValidationException: 2 validation errors detected: Value 'X' at "
            "'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy "
            "enum value set: [B, N, S]; Value null at 'keySchema.1.member.keyType' failed to satisfy "
            "constraint: Member must not be null");
  // A map's keys, once at the map with all of their constraints (dynalite's test/batchWriteItem.js),
  // and a structure as a map's value.
  EXPECT_EQ(
      shape_error_of("BatchGetItem", {{"RequestItems", {{"ab", {{"Keys", json::array()}}}}}}),
      "ValidationException: 2 validation errors detected: Value '{\"ab\":{\"Keys\":[]}}' at 'requestItems' "
      "failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than "
      "or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular "
      "expression pattern: [a-zA-Z0-9_.-]+]; Value '[]' at 'requestItems.ab.member.keys' failed to satisfy "
      "constraint: Member must have length greater than or equal to 1");
}

TEST(RequestValidationTest, AttributeValueTypesComeBeforeEveryViolation) {
  // The table name is too short, but a number where S's string belongs is the deserializer's.
  EXPECT_EQ(shape_error_of("PutItem", {{"TableName", "ab"}, {"Item", {{"k", {{"S", 1}}}}}}),
            "SerializationException: NUMBER_VALUE cannot be converted to String");
  EXPECT_EQ(shape_error_of("Query",
                           {{"TableName", "ab"},
                            {"KeyConditions",
                             {{"k", {{"ComparisonOperator", "EQ"}, {"AttributeValueList", {{{"N", 5}}}}}}}}}),
            "SerializationException: NUMBER_VALUE cannot be converted to String");
  // Nesting past DynamoDB's limit is not a type error: it waits for the operation's checks.
  json deep = {{"NULL", true}};
  for (int i = 0; i < 40; ++i) deep = {{"L", {deep}}};
  EXPECT_EQ(shape_error_of("PutItem", {{"TableName", "abc"}, {"Item", {{"k", deep}}}}), "no error");
}

TEST(RequestValidationTest, AtMostTenViolationsAreListed) {
  json definitions = json::array();
  for (int i = 0; i < 15; ++i) definitions.push_back(json::object());
  const std::string error =
      shape_error_of("CreateTable", {{"TableName", "abc"}, {"AttributeDefinitions", definitions}});
  EXPECT_EQ(error.rfind("ValidationException: 10 validation errors detected: ", 0), 0u) << error;
  EXPECT_NE(error.find("'attributeDefinitions.5.member.attributeType'"), std::string::npos) << error;
  EXPECT_EQ(error.find("'attributeDefinitions.6.member"), std::string::npos) << error;
}

TEST(RequestValidationTest, NumbersAreComparedWhateverTheirJsonRepresentation) {
  // nlohmann reads non-negative integers as unsigned: 0 must still be below a minimum of 1.
  EXPECT_EQ(
      shape_error_of("Scan", {{"TableName", "abc"}, {"TotalSegments", 0}, {"Segment", 0}}),
      "ValidationException: 1 validation error detected: Value '0' at 'totalSegments' failed to satisfy "
      "constraint: Member must have value greater than or equal to 1");
  EXPECT_EQ(shape_error_of("Scan", {{"TableName", "abc"}, {"TotalSegments", 1000001}, {"Segment", 0}}),
            "ValidationException: 1 validation error detected: Value '1000001' at 'totalSegments' failed to "
            "satisfy constraint: Member must have value less than or equal to 1000000");
  EXPECT_EQ(shape_error_of("Scan", {{"TableName", "abc"}, {"TotalSegments", 2}, {"Segment", 1}}), "no error");
}

TEST(RequestValidationTest, LengthsCountUtf16UnitsAsDynamoDbsJavaDoes) {
  // A tag key of at most 128: 127 letters and one character outside the BMP are 128 characters
  // but 129 UTF-16 units, one too many.
  EXPECT_EQ(
      shape_error_of("TagResource",
                     {{"ResourceArn", "arn:aws:dynamodb:us-east-1:000000000000:table/abc"},
                      {"Tags", {{{"Key", std::string(127, 'k') + "\xF0\x9F\x98\x80"}, {"Value", "v"}}}}}),
      "ValidationException: 1 validation error detected: Value '" + std::string(127, 'k') +
          "\xF0\x9F\x98\x80' at 'tags.1.member.key' failed to satisfy constraint: Member must have length "
          "less than or equal to 128");
}

class RequestValidationServiceTest : public test::service_fixture {};

// DynamoDB Streams' four operations, each served and each checked against its own model.
TEST_F(RequestValidationServiceTest, StreamsRequestsAreCheckedAgainstTheStreamsModel) {
  const auto& model = request_model::streams_model();
  ASSERT_EQ(model.operations.size(), 4u);
  for (const auto& operation : model.operations) {
    const core::call_result result =
        emulator_->client().call("dynamodbstreams", std::string(operation.name), json::object());
    // ListStreams needs nothing; the others answer their missing members, not an unknown operation.
    if (result.error) {
      EXPECT_NE(result.error->name(), "UnknownOperationException") << operation.name;
    }
    EXPECT_EQ(!result.error, operation.name == "ListStreams") << operation.name;
  }
  const core::call_result described =
      emulator_->client().call("dynamodbstreams", "GetShardIterator",
                               {{"StreamArn", "short"}, {"ShardId", "s"}, {"ShardIteratorType", "NEWEST"}});
  ASSERT_TRUE(described.error);
  // In the order dynalite's validations/getShardIterator.js keeps (tools/dynamodb_orders.json).
  EXPECT_EQ(
      described.error->message(),
      "3 validation errors detected: Value 's' at 'shardId' failed to satisfy constraint: Member must have "
      "length greater than or equal to 28; Value 'NEWEST' at 'shardIteratorType' failed to satisfy "
      "constraint: Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, "
      "AFTER_SEQUENCE_NUMBER]; Value 'short' at 'streamArn' failed to satisfy constraint: Member must have "
      "length greater than or equal to 37");
}

TEST_F(RequestValidationServiceTest, AnInvalidRequestToAMissingTableIsAValidationError) {
  // dynalite test/query.js 'should return ValidationException for long IndexName' (no such table).
  const std::string error =
      error_of("Query", {{"TableName", "missing"}, {"IndexName", std::string(256, 'i')}});
  EXPECT_EQ(error.rfind("ValidationException: 1 validation error detected: Value 'iii", 0), 0u) << error;
  EXPECT_EQ(error_of("Query", {{"TableName", "missing"},
                               {"KeyConditionExpression", "pk = :v"},
                               {"ExpressionAttributeValues", {{":v", {{"S", "k"}}}}}}),
            "ResourceNotFoundException: Requested resource not found");
}

// What the checks take, the operations read the same way: booleans spelled as text, a fraction
// for an integer (rounded down, as the deserializer does).
TEST_F(RequestValidationServiceTest, ValuesTheChecksTakeTheOperationsReadAlike) {
  json request = hash_table_request("texts");
  request["StreamSpecification"] = {{"StreamEnabled", "TRUE"}, {"StreamViewType", "KEYS_ONLY"}};
  EXPECT_EQ(error_of("CreateTable", request), "no error");
  EXPECT_EQ(call("DescribeTable", {{"TableName", "texts"}})["Table"]["StreamSpecification"]["StreamEnabled"],
            true);
  EXPECT_EQ(error_of("UpdateTimeToLive",
                     {{"TableName", "texts"},
                      {"TimeToLiveSpecification", {{"Enabled", "yes"}, {"AttributeName", "ttl"}}}}),
            "no error");
  EXPECT_EQ(call("DescribeTimeToLive", {{"TableName", "texts"}})["TimeToLiveDescription"]["TimeToLiveStatus"],
            "ENABLED");
  for (int i = 0; i < 3; ++i)
    call("PutItem", {{"TableName", "texts"}, {"Item", {{"pk", {{"S", std::to_string(i)}}}}}});
  EXPECT_EQ(call("Scan", {{"TableName", "texts"}, {"Limit", 2.7}})["Count"], 2);
}

TEST_F(RequestValidationServiceTest, ARefusedRequestChangesNothing) {
  json request = hash_table_request("made");
  request["ProvisionedThroughput"] = {{"ReadCapacityUnits", 0}, {"WriteCapacityUnits", 1}};
  request["BillingMode"] = "PROVISIONED";
  EXPECT_EQ(error_of("CreateTable", request),
            "ValidationException: 1 validation error detected: Value '0' at "
            "'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value "
            "greater than or equal to 1");
  EXPECT_EQ(call("ListTables", json::object())["TableNames"], json::array());
  EXPECT_EQ(error_of("CreateTable", hash_table_request("made")), "no error");
}

}  // namespace
}  // namespace fogbank::dynamodb
