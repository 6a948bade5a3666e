// The limits every expression parser enforces before its stack or its work can run away (issue 6,
// findings 1 and 2): DynamoDB's 300-operator quota with its wording, the nesting limit on
// parentheses and function calls, the document-path depth, and a tree deep enough to reach the
// limits still evaluating correctly. Each hostile input here used to crash the server (stack
// overflow in parse_primary -> parse_or) or take seconds.

#include "error_text.hpp"
#include "expressions.hpp"

#include "fogbank/core/aws_error.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace fogbank::dynamodb {
namespace {

const json& limit_values() {
  static const json v = json::parse(R"({":v": {"N": "1"}, ":w": {"N": "2"}, ":s": {"S": "x"}})");
  return v;
}

std::string repeat(std::string_view text, std::size_t times) {
  std::string out;
  out.reserve(text.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += text;
  return out;
}

std::string condition_error(const std::string& text, std::string_view parameter = "ConditionExpression") {
  return error_of([&] {
    expression_attributes attributes(nullptr, &limit_values());
    parse_condition(text, attributes, parameter);
  });
}

std::string update_error(const std::string& text) {
  return error_of([&] {
    expression_attributes attributes(nullptr, &limit_values());
    parse_update(text, attributes);
  });
}

std::string limited_projection_error(const std::string& text) {
  return error_of([&] {
    expression_attributes attributes(nullptr, nullptr);
    parse_projection(text, attributes);
  });
}

std::string key_condition_error(const std::string& text) {
  return error_of([&] {
    expression_attributes attributes(nullptr, &limit_values());
    parse_key_condition(text, attributes);
  });
}

const std::string too_many_operators = "The expression contains too many operators; operator count: 301";

// ---- Operators -------------------------------------------------------------------------------

TEST(ExpressionLimits, ThreeHundredOperatorsAreAllowedAndTheNextIsRefused) {
  // 150 comparisons joined by 149 ORs: 299 operators; one more OR and comparison: 301.
  const std::string allowed = "a = :v" + repeat(" OR a = :v", 149);
  EXPECT_EQ(condition_error(allowed), "no error");
  const std::string refused = allowed + " OR a = :v";
  EXPECT_EQ(condition_error(refused),
            "ValidationException: Invalid ConditionExpression: " + too_many_operators);
  EXPECT_EQ(condition_error(refused, "FilterExpression"),
            "ValidationException: Invalid FilterExpression: " + too_many_operators);
}

TEST(ExpressionLimits, NestedOperatorsCountAsDynamoDbCountsThem) {
  // alternator test_deeply_nested_expression_2, run against DynamoDB: "a<b or (a<b or (...))"
  // 149 deep (299 operators) succeeds, 454 deep (909 operators) reports operator count 301.
  const std::string ok = "a < :v" + repeat(" or (a < :v", 149) + repeat(")", 149);
  EXPECT_EQ(condition_error(ok), "no error");
  const std::string deep = "a<b " + repeat("or (a<b ", 454) + repeat(")", 454);
  ASSERT_LT(deep.size(), 4096u);
  EXPECT_EQ(condition_error(deep), "ValidationException: Invalid ConditionExpression: " + too_many_operators);
}

TEST(ExpressionLimits, NotChainsAreBoundedByTheOperatorCount) {
  // alternator test_deeply_nested_expression_4: 1000 NOTs are rejected by DynamoDB.
  EXPECT_EQ(condition_error(repeat("NOT ", 299) + "a = :v"), "no error");
  EXPECT_EQ(condition_error(repeat("NOT ", 300) + "a = :v"),
            "ValidationException: Invalid ConditionExpression: " + too_many_operators);
  EXPECT_EQ(condition_error(repeat("not ", 1000) + "a < :v"),
            "ValidationException: Invalid ConditionExpression: " + too_many_operators);
}

TEST(ExpressionLimits, BetweenAndInCountOnce) {
  // 150 BETWEENs (each with its own AND) joined by 149 ANDs: 299 operators.
  EXPECT_EQ(condition_error("a BETWEEN :v AND :w" + repeat(" AND a BETWEEN :v AND :w", 149)), "no error");
  EXPECT_EQ(condition_error("a IN (:v, :w)" + repeat(" AND a IN (:v, :w)", 149)), "no error");
  EXPECT_EQ(condition_error("a IN (:v, :w)" + repeat(" AND a IN (:v, :w)", 150)),
            "ValidationException: Invalid ConditionExpression: " + too_many_operators);
}

TEST(ExpressionLimits, UpdateArithmeticCountsPlusAndMinus) {
  // SET x0 = a + :v, x1 = a + :v, ...: one operator per action.
  std::string allowed = "SET x0 = a + :v";
  for (int i = 1; i < 300; ++i) allowed += ", x" + std::to_string(i) + " = a - :v";
  EXPECT_EQ(update_error(allowed), "no error");
  EXPECT_EQ(update_error(allowed + ", y = a + :v"),
            "ValidationException: Invalid UpdateExpression: " + too_many_operators);
}

TEST(ExpressionLimits, KeyConditionsShareTheLimits) {
  EXPECT_EQ(key_condition_error(repeat("NOT ", 301) + "pk = :v"),
            "ValidationException: Invalid KeyConditionExpression: " + too_many_operators);
  EXPECT_EQ(key_condition_error(repeat("(", 4000) + "pk = :v"),
            "ValidationException: Invalid KeyConditionExpression: The expression has too many nested levels; "
            "nesting levels: 301");
}

// ---- Nesting ---------------------------------------------------------------------------------

TEST(ExpressionLimits, FourThousandOpenParenthesesAreRefusedNotACrash) {
  // The original finding: 3,000-4,000 '(' overflowed the stack.
  for (const char* parameter : {"ConditionExpression", "FilterExpression"}) {
    EXPECT_EQ(condition_error(repeat("(", 4000), parameter),
              std::string("ValidationException: Invalid ") + parameter +
                  ": The expression has too many nested levels; nesting levels: 301");
  }
  EXPECT_EQ(condition_error(repeat("(", 3000) + "a = :v" + repeat(")", 3000)),
            "ValidationException: Invalid ConditionExpression: The expression has too many nested levels; "
            "nesting levels: 301");
}

TEST(ExpressionLimits, ThreeHundredLevelsParseToTheirUsualAnswer) {
  // At the limit the parser finishes and reports what DynamoDB reports for such input.
  EXPECT_EQ(condition_error(repeat("(", 300) + "a = :v" + repeat(")", 300)),
            "ValidationException: Invalid ConditionExpression: The expression has redundant parentheses;");
  EXPECT_EQ(condition_error(repeat("(", 300) + "a = :v"),
            "ValidationException: Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \":v\"");
  // Two operators per level, 149 levels deep (299 operators), is an ordinary expression.
  EXPECT_EQ(condition_error(repeat("(a = :v AND ", 149) + "a = :v" + repeat(")", 149)), "no error");
}

TEST(ExpressionLimits, NestedFunctionCallsAndOperandParenthesesAreBounded) {
  // alternator test_deeply_nested_expression_5: a < size(size(...(b))) and a < f(f(...(b))).
  EXPECT_EQ(condition_error("a < " + repeat("size(", 680) + "b" + repeat(")", 680)),
            "ValidationException: Invalid ConditionExpression: The expression has too many nested levels; "
            "nesting levels: 301");
  EXPECT_EQ(condition_error("a < " + repeat("f(", 1355) + "b" + repeat(")", 1355)),
            "ValidationException: Invalid ConditionExpression: The expression has too many nested levels; "
            "nesting levels: 301");
  EXPECT_EQ(condition_error("a < " + repeat("(", 2000) + ":v" + repeat(")", 2000)),
            "ValidationException: Invalid ConditionExpression: The expression has too many nested levels; "
            "nesting levels: 301");
  EXPECT_EQ(update_error("SET a = " + repeat("(", 2000) + ":v" + repeat(")", 2000)),
            "ValidationException: Invalid UpdateExpression: The expression has too many nested levels; "
            "nesting levels: 301");
  EXPECT_EQ(update_error("SET a = " + repeat("if_not_exists(a, ", 1000) + ":v" + repeat(")", 1000)),
            "ValidationException: Invalid UpdateExpression: The expression has too many nested levels; "
            "nesting levels: 301");
  EXPECT_EQ(update_error("SET a = " + repeat("list_append(", 1000) + ":v" + repeat(", :v)", 1000)),
            "ValidationException: Invalid UpdateExpression: The expression has too many nested levels; "
            "nesting levels: 301");
}

// ---- Document paths --------------------------------------------------------------------------

TEST(ExpressionLimits, DocumentPathsHaveAtMostThirtyTwoDereferences) {
  // 32 dereferences (33 elements) are allowed, as the developer guide puts it.
  const std::string ok = "a" + repeat(".b", 31) + "[0]";
  EXPECT_EQ(limited_projection_error(ok), "no error");
  EXPECT_EQ(
      limited_projection_error(ok + ".c"),
      "ValidationException: Invalid ProjectionExpression: The document path exceeds the maximum depth of "
      "32; path depth: 33");
  EXPECT_EQ(
      condition_error("attribute_exists(" + repeat("a.", 2000) + "a)"),
      "ValidationException: Invalid ConditionExpression: The document path exceeds the maximum depth of "
      "32; path depth: 33");
  EXPECT_EQ(
      update_error("REMOVE a" + repeat("[0]", 1000)),
      "ValidationException: Invalid UpdateExpression: The document path exceeds the maximum depth of 32; "
      "path depth: 33");
}

TEST(ExpressionLimits, ListIndexesBeyondAnIntegerAreRefused) {
  // DynamoDB's answer to a[99999999999999] (scylladb/scylladb#25947, against AWS); the bound
  // between is a 32-bit int's (unconfirmed). An index past a list's end is not an error.
  EXPECT_EQ(limited_projection_error("a[2147483647]"), "no error");
  EXPECT_EQ(
      limited_projection_error("a[99999999999999]"),
      "ValidationException: Invalid ProjectionExpression: List index is not within the allowable range; "
      "index: [99999999999999]");
  EXPECT_EQ(
      limited_projection_error("a.b[2147483648]"),
      "ValidationException: Invalid ProjectionExpression: List index is not within the allowable range; "
      "index: [2147483648]");
  EXPECT_EQ(update_error("REMOVE a[" + repeat("9", 40) + "]"),
            "ValidationException: Invalid UpdateExpression: List index is not within the allowable range; "
            "index: [" +
                repeat("9", 40) + "]");
}

// ---- Evaluation at the limits ----------------------------------------------------------------

TEST(ExpressionLimits, TreesAtTheLimitsEvaluate) {
  const json item = json::parse(R"({"a": {"N": "1"}})");
  expression_attributes attributes(nullptr, &limit_values());
  // 150 ANDs nested to the right, 150 to the left, and 299 NOTs: the deepest trees the
  // operator count admits.
  const auto right = parse_condition(repeat("a = :v AND (", 149) + "a = :v" + repeat(")", 149), attributes,
                                     "ConditionExpression");
  EXPECT_TRUE(evaluate(*right, item));
  const auto left = parse_condition("a = :v" + repeat(" AND a = :v", 149), attributes, "ConditionExpression");
  EXPECT_TRUE(evaluate(*left, item));
  const auto nots = parse_condition(repeat("NOT ", 299) + "a = :w", attributes, "ConditionExpression");
  EXPECT_TRUE(evaluate(*nots, item));  // an odd number of NOTs around a false comparison
}

TEST(ExpressionLimits, ManyPlaceholdersAreTrackedAndUnusedOnesStillReported) {
  // Thousands of names and values (legacy parameters are translated into them) are looked up
  // in sets; the unused-placeholder check still lists exactly the unused ones.
  json names = json::object();
  json many_values = json::object();
  std::string projection;
  for (int i = 0; i < 5000; ++i) {
    names["#n" + std::to_string(i)] = "a" + std::to_string(i);
    if (!projection.empty()) projection += ",";
    if (i != 17) projection += "#n" + std::to_string(i);
  }
  many_values[":unused"] = json{{"S", "x"}};
  projection.erase(projection.find(",,"), 1);
  expression_attributes attributes(&names, &many_values);
  parse_projection(projection, attributes);
  EXPECT_EQ(
      error_of([&] { attributes.check_all_used(); }),
      "ValidationException: Value provided in ExpressionAttributeNames unused in expressions: keys: {#n17}");
}

}  // namespace
}  // namespace fogbank::dynamodb
