// Attribute name lengths DynamoDB enforces (issue 11): any attribute name is at most 65535 bytes,
// a key attribute name (table or index) at most 255.

#include "service_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace fogbank::dynamodb {
namespace {

using nlohmann::json;
using test::S;

// Measured against AWS in ExtendDB/extenddb#365 (PutItem, top-level and nested names); 65535 is
// the longest name accepted (ScyllaDB Alternator's test_limit_attribute_length_nonkey_*).
constexpr const char* name_too_large =
    "ValidationException: 1 validation error detected: Attribute name is too large, must be less than 65536 "
    "bytes";

json names_key(const std::string& name, const char* type) {
  return {{"AttributeName", name}, {"KeyType", type}};
}
json names_definition(const std::string& name) {
  return {{"AttributeName", name}, {"AttributeType", "S"}};
}

class NameLimitsTest : public test::service_fixture {
 protected:
  void SetUp() override {
    service_fixture::SetUp();
    call("CreateTable", {{"TableName", "tbl"},
                         {"BillingMode", "PAY_PER_REQUEST"},
                         {"AttributeDefinitions", {names_definition("pk")}},
                         {"KeySchema", {names_key("pk", "HASH")}}});
  }
  json item_with(const std::string& name, const json& value) { return {{"pk", S("k")}, {name, value}}; }
};

TEST_F(NameLimitsTest, AttributeNamesOver65535BytesAreRefused) {
  const std::string longest(65535, 'n');
  const std::string too_long(65536, 'n');
  EXPECT_EQ(error_of("PutItem", {{"TableName", "tbl"}, {"Item", item_with(longest, S("v"))}}), "no error");
  EXPECT_EQ(error_of("PutItem", {{"TableName", "tbl"}, {"Item", item_with(too_long, S("v"))}}),
            name_too_large);
  // A key of a map, at any depth.
  const json nested{{"M", {{"inner", {{"M", {{too_long, S("v")}}}}}}}};
  EXPECT_EQ(error_of("PutItem", {{"TableName", "tbl"}, {"Item", item_with("doc", nested)}}), name_too_large);
  EXPECT_EQ(error_of("UpdateItem", {{"TableName", "tbl"},
                                    {"Key", {{"pk", S("k")}}},
                                    {"UpdateExpression", "SET doc = :v"},
                                    {"ExpressionAttributeValues", {{":v", nested}}}}),
            name_too_large);
  // A name ExpressionAttributeNames maps to (the message's end assumed, see expressions.cpp).
  EXPECT_EQ(error_of("UpdateItem", {{"TableName", "tbl"},
                                    {"Key", {{"pk", S("k")}}},
                                    {"UpdateExpression", "SET #n = :v"},
                                    {"ExpressionAttributeNames", {{"#n", too_long}}},
                                    {"ExpressionAttributeValues", {{":v", S("v")}}}}),
            name_too_large);
  // Nothing was written but the first item.
  const json stored = call("GetItem", {{"TableName", "tbl"}, {"Key", {{"pk", S("k")}}}})["Item"];
  EXPECT_EQ(stored, item_with(longest, S("v")));
}

// KeySchemaAttributeName in the service model: 1 to 255 bytes, for tables and indexes alike, and
// checked before the schema's consistency (ScyllaDB Alternator's test_limit_attribute_length_key_*
// and test_limit_attribute_length_gsi_lsi_*, against AWS).
TEST_F(NameLimitsTest, KeyAttributeNamesOver255BytesAreRefused) {
  const std::string longest(255, 'k');
  const std::string too_long(256, 'k');
  EXPECT_EQ(error_of("CreateTable", {{"TableName", "long_key"},
                                     {"BillingMode", "PAY_PER_REQUEST"},
                                     {"AttributeDefinitions", {names_definition(longest)}},
                                     {"KeySchema", {names_key(longest, "HASH")}}}),
            "no error");
  EXPECT_EQ(
      error_of("CreateTable", {{"TableName", "too_long_key"},
                               {"BillingMode", "PAY_PER_REQUEST"},
                               {"AttributeDefinitions", {names_definition("a"), names_definition(too_long)}},
                               {"KeySchema", {names_key("a", "HASH")}}}),
      "ValidationException: 1 validation error detected: Value '" + too_long +
          "' at 'attributeDefinitions.2.member.attributeName' failed to satisfy constraint: Member must "
          "have length less than or equal to 255");
  // Incoherent: the long name is defined nowhere, yet its length is what is reported.
  EXPECT_EQ(
      error_of("CreateTable", {{"TableName", "too_long_key"},
                               {"BillingMode", "PAY_PER_REQUEST"},
                               {"AttributeDefinitions", {names_definition("a")}},
                               {"KeySchema", {names_key("a", "HASH"), names_key(too_long, "RANGE")}}}),
      "ValidationException: 1 validation error detected: Value '" + too_long +
          "' at 'keySchema.2.member.attributeName' failed to satisfy constraint: Member must have length "
          "less than or equal to 255");
  const std::string gsi_error =
      error_of("UpdateTable", {{"TableName", "tbl"},
                               {"AttributeDefinitions", {names_definition("g")}},
                               {"GlobalSecondaryIndexUpdates",
                                {{{"Create",
                                   {{"IndexName", "byG"},
                                    {"KeySchema", {names_key(too_long, "HASH")}},
                                    {"Projection", {{"ProjectionType", "ALL"}}}}}}}}});
  // Coral's member path: a list element is "<list>.<n>.member", a structure's member ".<name>".
  EXPECT_NE(
      gsi_error.find("' at 'globalSecondaryIndexUpdates.1.member.create.keySchema.1.member.attributeName' "
                     "failed to satisfy constraint: Member must have length less than or equal to 255"),
      std::string::npos)
      << gsi_error.substr(gsi_error.size() - 200);
  EXPECT_FALSE(call("DescribeTable", {{"TableName", "tbl"}})["Table"].contains("GlobalSecondaryIndexes"));
}

}  // namespace
}  // namespace fogbank::dynamodb
