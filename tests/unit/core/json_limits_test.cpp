#include "fogbank/core/json_limits.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fogbank::core {
namespace {

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(nesting_within, counts_objects_and_arrays_but_not_scalars) {
  EXPECT_TRUE(nesting_within("", 0));
  EXPECT_TRUE(nesting_within("\"text\"", 0));
  EXPECT_TRUE(nesting_within("12", 0));
  EXPECT_FALSE(nesting_within("{}", 0));
  EXPECT_TRUE(nesting_within("{}", 1));
  EXPECT_TRUE(nesting_within(R"({"a":[1,{"b":2}],"c":{}})", 3));
  EXPECT_FALSE(nesting_within(R"({"a":[1,{"b":2}],"c":{}})", 2));
}

TEST(nesting_within, the_limit_is_inclusive) {
  EXPECT_TRUE(nesting_within(nested_arrays(32), 32));
  EXPECT_FALSE(nesting_within(nested_arrays(33), 32));
}

TEST(nesting_within, ignores_brackets_inside_strings_and_escaped_quotes) {
  EXPECT_TRUE(nesting_within(R"(["[[[[{{{{"])", 1));
  // The escaped quote does not end the string, so the brackets after it are still text.
  EXPECT_TRUE(nesting_within(R"(["\"[[[["])", 1));
  // An escaped backslash does end the escape: the quote after it closes the string.
  EXPECT_FALSE(nesting_within(R"(["\\", [[]]])", 2));
  EXPECT_TRUE(nesting_within(R"(["\\", [[]]])", 3));
}

TEST(nesting_within, scans_a_million_levels_without_recursing) {
  const std::string deep = nested_arrays(1'000'000);
  EXPECT_FALSE(nesting_within(deep, 128));
  EXPECT_TRUE(nesting_within(deep, 1'000'000));
}

TEST(parse_json_within, parses_what_fits) {
  auto value = parse_json_within(R"( {"a": [1, 2, {"b": "[[["}]} )", 3);
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ((*value)["a"][2]["b"], "[[[");
  EXPECT_EQ(value->dump(), R"({"a":[1,2,{"b":"[[["}]})");
}

TEST(parse_json_within, refuses_what_nests_too_deep_before_parsing_it) {
  EXPECT_FALSE(parse_json_within(nested_arrays(33), 32).has_value());
  EXPECT_TRUE(parse_json_within(nested_arrays(32), 32).has_value());
  // The shape behind SQS findings 3 to 5: 100,000 and 1,000,000 levels, answered without
  // building (or later dumping) the value.
  EXPECT_FALSE(parse_json_within(nested_arrays(100'000), 32).has_value());
  EXPECT_FALSE(parse_json_within(std::string(1'000'000, '['), 32).has_value());
  EXPECT_FALSE(parse_json_within(R"({"maxReceiveCount":)" + nested_arrays(100'000) + "}", 32).has_value());
}

TEST(parse_json_within, refuses_invalid_json_without_throwing) {
  for (const char* text : {"", "{", "}", "{}]", "[}", "{\"a\":}", "[1,]", "nul", "\"open", "{} {}",
                           "1e999999", "\"\xC0\xAF\"", "[\"\\ud800\"]"}) {
    EXPECT_FALSE(parse_json_within(text, 32).has_value()) << text;
  }
}

TEST(parse_json_within, stray_closers_cannot_buy_extra_depth) {
  // A closer with nothing open lowers the scanner's count, but the text is invalid there and the
  // parser stops before reaching the openers that follow.
  const std::string text = std::string(10, ']') + nested_arrays(40);
  EXPECT_TRUE(nesting_within(text, 32));
  EXPECT_FALSE(parse_json_within(text, 32).has_value());
}

}  // namespace
}  // namespace fogbank::core

namespace fogbank::core {
namespace {

TEST(DepthWithin, CountsLevelsAsNestingWithinDoes) {
  EXPECT_TRUE(depth_within(nlohmann::json(5), 0));
  EXPECT_TRUE(depth_within(nlohmann::json::object(), 1));
  EXPECT_FALSE(depth_within(nlohmann::json::object(), 0));
  const auto parsed = nlohmann::json::parse(R"({"a":[1,{"b":[]}],"c":{}})");
  EXPECT_TRUE(depth_within(parsed, 4));
  EXPECT_FALSE(depth_within(parsed, 3));
  EXPECT_EQ(nesting_within(parsed.dump(), 4), true);
  EXPECT_EQ(nesting_within(parsed.dump(), 3), false);
}

TEST(DepthWithin, WalksAValueFarDeeperThanTheStackWithoutRecursing) {
  nlohmann::json deep = nlohmann::json::array();
  for (int i = 0; i < 1'000'000; ++i) deep = nlohmann::json::array({std::move(deep)});
  EXPECT_FALSE(depth_within(deep, 128));
  EXPECT_TRUE(depth_within(deep, 2'000'000));
}

}  // namespace
}  // namespace fogbank::core
