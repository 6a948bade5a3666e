// Lambda's filter patterns (FilterCriteria), the EventBridge pattern language as the developer
// guide's "Lambda event filtering" gives it: each operator, the SQS body rule, and the patterns
// refused with "Invalid filter pattern definition.".

#include "filter_pattern.hpp"

#include "fogbank/core/aws_error.hpp"

#include <gtest/gtest.h>

namespace fogbank::lambda::filter {
namespace {

using json = nlohmann::json;

bool match(const std::string& pattern, const json& record) {
  return matches(parse(pattern), record);
}

TEST(FilterPattern, ExactValuesNullAndEmpty) {
  const json record = {{"name", "Alice"}, {"age", 30}, {"vip", true}, {"nick", nullptr}, {"last", ""}};
  EXPECT_TRUE(match(R"({"name": ["Alice"]})", record));
  EXPECT_FALSE(match(R"({"name": ["alice"]})", record));
  EXPECT_TRUE(match(R"({"name": ["Bob", "Alice"]})", record));
  EXPECT_TRUE(match(R"({"age": [30], "vip": [true]})", record));
  EXPECT_FALSE(match(R"({"age": [30], "vip": [false]})", record));
  EXPECT_TRUE(match(R"({"nick": [null]})", record));
  EXPECT_TRUE(match(R"({"last": [""]})", record));
  // Every field the pattern names must be there.
  EXPECT_FALSE(match(R"({"city": ["Paris"]})", record));
}

TEST(FilterPattern, NestedFieldsAndArrays) {
  const json record = {{"dynamodb", {{"NewImage", {{"status", {{"S", "open"}}}}}}}, {"tags", {"a", "b"}}};
  EXPECT_TRUE(match(R"({"dynamodb": {"NewImage": {"status": {"S": ["open"]}}}})", record));
  EXPECT_FALSE(match(R"({"dynamodb": {"NewImage": {"status": {"S": ["closed"]}}}})", record));
  // An array in the record matches when any element does.
  EXPECT_TRUE(match(R"({"tags": ["b"]})", record));
  EXPECT_FALSE(match(R"({"tags": ["c"]})", record));
}

TEST(FilterPattern, StringOperators) {
  const json record = {{"region", "us-east-1"}, {"file", "photo.PNG"}};
  EXPECT_TRUE(match(R"({"region": [{"prefix": "us-"}]})", record));
  EXPECT_FALSE(match(R"({"region": [{"prefix": "eu-"}]})", record));
  EXPECT_TRUE(match(R"({"region": [{"prefix": {"equals-ignore-case": "US-"}}]})", record));
  EXPECT_TRUE(match(R"({"file": [{"suffix": ".PNG"}]})", record));
  EXPECT_FALSE(match(R"({"file": [{"suffix": ".png"}]})", record));
  EXPECT_TRUE(match(R"({"file": [{"equals-ignore-case": "PHOTO.png"}]})", record));
  EXPECT_TRUE(match(R"({"region": [{"wildcard": "us-*-1"}]})", record));
  EXPECT_FALSE(match(R"({"region": [{"wildcard": "us-*-2"}]})", record));
}

TEST(FilterPattern, AnythingButNumericAndExists) {
  const json record = {{"weather", "Sunny"}, {"price", 15}, {"leaf", "x"}, {"inner", {{"a", 1}}}};
  EXPECT_TRUE(match(R"({"weather": [{"anything-but": "Raining"}]})", record));
  EXPECT_FALSE(match(R"({"weather": [{"anything-but": ["Sunny", "Raining"]}]})", record));
  EXPECT_TRUE(match(R"({"weather": [{"anything-but": {"prefix": "Rain"}}]})", record));
  EXPECT_TRUE(match(R"({"price": [{"numeric": [">", 10, "<=", 20]}]})", record));
  EXPECT_FALSE(match(R"({"price": [{"numeric": ["<", 10]}]})", record));
  EXPECT_TRUE(match(R"({"price": [{"numeric": ["=", 15]}]})", record));
  EXPECT_FALSE(match(R"({"weather": [{"numeric": [">", 0]}]})", record));
  EXPECT_TRUE(match(R"({"leaf": [{"exists": true}]})", record));
  EXPECT_TRUE(match(R"({"missing": [{"exists": false}]})", record));
  EXPECT_FALSE(match(R"({"leaf": [{"exists": false}]})", record));
  // exists applies to leaves: an object is not one.
  EXPECT_FALSE(match(R"({"inner": [{"exists": true}]})", record));
}

TEST(FilterPattern, OrOfPatterns) {
  const json record = {{"a", 1}, {"b", 2}};
  EXPECT_TRUE(match(R"({"$or": [{"a": [5]}, {"b": [2]}]})", record));
  EXPECT_FALSE(match(R"({"$or": [{"a": [5]}, {"b": [5]}]})", record));
}

TEST(FilterPattern, InvalidPatternsAreRefused) {
  for (const std::string pattern :
       {"", "not json", "[]", "{}", R"({"a": "x"})", R"({"a": []})", R"({"a": [{"unknown": 1}]})",
        R"({"a": [{"numeric": ["!=", 1]}]})", R"({"a": [{"prefix": 1}]})", R"({"$or": [{"a": [1]}]})",
        R"({"a": [{"anything-but": [1, "x"]}]})"}) {
    try {
      (void)parse(pattern);
      ADD_FAILURE() << "accepted: " << pattern;
    } catch (const core::aws_error& e) {
      EXPECT_EQ(e.code(), core::error_code::lambda_invalid_parameter_value) << pattern;
      EXPECT_EQ(e.message(), "Invalid filter pattern definition.") << pattern;
    }
  }
  // Deeper than the depth limit, refused before anything recurses over it.
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "{\"a\":";
  deep += "[1]";
  for (int i = 0; i < 40; ++i) deep += "}";
  EXPECT_THROW((void)parse(deep), core::aws_error);
  EXPECT_THROW((void)parse("{\"a\": [\"" + std::string(max_pattern_bytes, 'x') + "\"]}"), core::aws_error);
}

TEST(FilterPattern, TheSqsBodyRule) {
  const std::vector<json> json_body_pattern{parse(R"({"body": {"kind": ["order"]}})")};
  const std::vector<json> string_body_pattern{parse(R"({"body": ["hello"]})")};
  const json json_record = {{"body", R"({"kind": "order"})"}, {"eventSource", "aws:sqs"}};
  const json plain_record = {{"body", "hello"}, {"eventSource", "aws:sqs"}};
  EXPECT_TRUE(sqs_passes(json_body_pattern, json_record));
  EXPECT_FALSE(sqs_passes(json_body_pattern, plain_record))
      << "a plain body against a JSON pattern is dropped";
  EXPECT_TRUE(sqs_passes(string_body_pattern, plain_record));
  EXPECT_FALSE(sqs_passes(string_body_pattern, json_record))
      << "a JSON body against a string pattern is dropped";
  EXPECT_TRUE(sqs_passes({}, plain_record));
  // eventSource is added after filtering: it cannot be filtered on.
  EXPECT_FALSE(sqs_passes({parse(R"({"eventSource": ["aws:sqs"]})")}, plain_record));
}

}  // namespace
}  // namespace fogbank::lambda::filter
