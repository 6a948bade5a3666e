// Legacy conditions are translated under the expression limits (issue 6, finding 2): a ScanFilter
// of 40,000 conditions or an Expected of 100,000 used to build expression text past any limit
// and overflow the stack in the recursive evaluator. Now the operator count is checked before
// anything is translated, with the message the translated expression would get, and the
// translations that stay large (AttributeUpdates, AttributesToGet) are handled in linear time.

#include "error_text.hpp"
#include "legacy_parameters.hpp"

#include "expressions.hpp"
#include "fogbank/core/aws_error.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace fogbank::dynamodb {
namespace {

// {"a0": entry, "a1": entry, ...}
json conditions(std::size_t count, const json& entry) {
  json out = json::object();
  for (std::size_t i = 0; i < count; ++i) out["a" + std::to_string(i)] = entry;
  return out;
}

const json eq = json::parse(R"({"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]})");

// Translates, parses and evaluates a condition on an item where every a<i> is 1.
std::string evaluate_translation(const translated_expression& t, std::string_view parameter, bool* result) {
  return error_of([&] {
    expression_attributes attributes(&t.names, t.values.empty() ? nullptr : &t.values);
    const auto parsed = parse_condition(t.text, attributes, parameter);
    attributes.check_all_used();
    json item = json::object();
    for (const auto& [placeholder, name] : t.names.items()) item[name.get<std::string>()] = json{{"N", "1"}};
    *result = evaluate(*parsed, item);
  });
}

const std::string too_many_operators = "The expression contains too many operators; operator count: 301";

TEST(LegacyLimits, FilterConditionsShareTheOperatorQuota) {
  // 150 EQs joined by 149 ANDs: 299 operators, translated, parsed and evaluated.
  const auto allowed = translate_filter({{"ScanFilter", conditions(150, eq)}}, "ScanFilter");
  ASSERT_TRUE(allowed);
  bool result = false;
  EXPECT_EQ(evaluate_translation(*allowed, "FilterExpression", &result), "no error");
  EXPECT_TRUE(result);
  // One more: 301.
  EXPECT_EQ(error_of([] {
              translate_filter({{"ScanFilter", conditions(151, eq)}}, "ScanFilter");
            }),
            "ValidationException: Invalid FilterExpression: " + too_many_operators);
  EXPECT_EQ(error_of([] {
              translate_filter({{"QueryFilter", conditions(151, eq)}}, "QueryFilter");
            }),
            "ValidationException: Invalid FilterExpression: " + too_many_operators);
}

TEST(LegacyLimits, FortyThousandFilterConditionsAreRefusedBeforeTranslation) {
  EXPECT_EQ(error_of([] {
              translate_filter({{"ScanFilter", conditions(40000, eq)}, {"ConditionalOperator", "OR"}},
                               "ScanFilter");
            }),
            "ValidationException: Invalid FilterExpression: " + too_many_operators);
}

TEST(LegacyLimits, AHundredThousandExpectedEntriesAreRefusedBeforeTranslation) {
  EXPECT_EQ(error_of([] {
              translate_expected({{"Expected", conditions(100000, json::parse(R"({"Exists": false})"))}});
            }),
            "ValidationException: Invalid ConditionExpression: " + too_many_operators);
}

TEST(LegacyLimits, FunctionsCostNothingButTheJoinersCount) {
  // Exists: false is attribute_not_exists(): 301 of them need 300 ANDs, exactly the quota.
  const json absent = json::parse(R"({"Exists": false})");
  const auto allowed = translate_expected({{"Expected", conditions(301, absent)}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(error_of([&] {
              expression_attributes attributes(&allowed->names, nullptr);
              parse_condition(allowed->text, attributes, "ConditionExpression");
            }),
            "no error");
  EXPECT_EQ(error_of([&] {
              translate_expected({{"Expected", conditions(302, absent)}});
            }),
            "ValidationException: Invalid ConditionExpression: " + too_many_operators);
  // NOT_CONTAINS is written with AND and NOT: 100 of them and 99 joiners make 299.
  const json not_contains =
      json::parse(R"({"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "x"}]})");
  EXPECT_EQ(error_of([&] {
              translate_filter({{"ScanFilter", conditions(100, not_contains)}}, "ScanFilter");
            }),
            "no error");
  EXPECT_EQ(error_of([&] {
              translate_filter({{"ScanFilter", conditions(101, not_contains)}}, "ScanFilter");
            }),
            "ValidationException: Invalid FilterExpression: " + too_many_operators);
}

TEST(LegacyLimits, InListsAreRefusedBeforeTheirValuesAreRead) {
  json list = json::array();
  for (int i = 0; i < 100; ++i) list.push_back({{"N", std::to_string(i)}});
  EXPECT_EQ(error_of([&] {
              translate_filter(
                  {{"ScanFilter", {{"a", {{"ComparisonOperator", "IN"}, {"AttributeValueList", list}}}}}},
                  "ScanFilter");
            }),
            "no error");
  // The 101st value is not even a valid AttributeValue: the count is checked first.
  list.push_back({{"N", "not a number"}});
  EXPECT_EQ(error_of([&] {
              translate_expected(
                  {{"Expected", {{"a", {{"ComparisonOperator", "IN"}, {"AttributeValueList", list}}}}}});
            }),
            "ValidationException: Invalid ConditionExpression: The IN operator is provided with too many "
            "operands; number of operands: 101");
}

TEST(LegacyLimits, KeyConditionsCheckEveryEntryThenTheCount) {
  const json three = conditions(3, eq);
  EXPECT_EQ(error_of([&] {
              translate_key_conditions({{"KeyConditions", three}});
            }),
            "ValidationException: Conditions can be of length 1 or 2 only");
  json with_bad_entry = three;
  with_bad_entry["a2"] = json::parse(R"({"ComparisonOperator": "EQ", "AttributeValueList": []})");
  EXPECT_EQ(
      error_of([&] {
        translate_key_conditions({{"KeyConditions", with_bad_entry}});
      }),
      "ValidationException: One or more parameter values were invalid: Invalid number of argument(s) for "
      "the EQ ComparisonOperator");
}

TEST(LegacyLimits, LargeAttributeUpdatesAndAttributesToGetStayCorrect) {
  // Twenty thousand attributes: the overlap check compares only paths under the same attribute,
  // so this is linear work; the result is every attribute set.
  json updates = json::object();
  json names = json::array();
  for (int i = 0; i < 20000; ++i) {
    updates["a" + std::to_string(i)] = {{"Action", "PUT"}, {"Value", {{"N", std::to_string(i)}}}};
    names.push_back("a" + std::to_string(i));
  }
  const auto update_text = translate_attribute_updates({{"AttributeUpdates", updates}});
  ASSERT_TRUE(update_text);
  json item = json::object();
  EXPECT_EQ(error_of([&] {
              expression_attributes attributes(&update_text->names, &update_text->values);
              apply(*parse_update(update_text->text, attributes), item);
              attributes.check_all_used();
            }),
            "no error");
  EXPECT_EQ(item.size(), 20000u);
  EXPECT_EQ(item["a19999"], json::parse(R"({"N": "19999"})"));

  const auto projection_text = translate_attributes_to_get({{"AttributesToGet", names}});
  ASSERT_TRUE(projection_text);
  expression_attributes attributes(&projection_text->names, nullptr);
  EXPECT_EQ(project(parse_projection(projection_text->text, attributes), item).size(), 20000u);
  names.push_back("a7");
  EXPECT_EQ(
      error_of([&] {
        translate_attributes_to_get({{"AttributesToGet", names}});
      }),
      "ValidationException: One or more parameter values were invalid: Duplicate value in attribute name: "
      "a7");
}

}  // namespace
}  // namespace fogbank::dynamodb
