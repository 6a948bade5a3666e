// ProjectionExpression and KeyConditionExpression: parsing, projection of items (nested paths,
// list compaction, merging), and each rejection with DynamoDB's wording.

#include "error_text.hpp"
#include "expressions.hpp"

#include "fogbank/core/aws_error.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace fogbank::dynamodb {
namespace {

json projected(std::string_view text, const json& item, const json& names = json()) {
  expression_attributes attributes(names.is_null() ? nullptr : &names, nullptr);
  return project(parse_projection(text, attributes), item);
}

std::string projection_error(std::string_view text, const json& names = json()) {
  return validation_message_of([&] {
    expression_attributes attributes(names.is_null() ? nullptr : &names, nullptr);
    parse_projection(text, attributes);
  });
}

const json& item() {
  static const json value = j(R"({
    "a": {"S": "x"},
    "b": {"M": {"c": {"N": "1"}, "d": {"N": "2"}, "e": {"N": "3"}}},
    "l": {"L": [{"S": "l0"}, {"M": {"x": {"N": "1"}, "y": {"N": "2"}, "z": {"N": "3"}}}, {"S": "l2"}, {"S": "l3"}]},
    "odd name": {"S": "y"}
  })");
  return value;
}

TEST(ExpressionProjection, TopLevelAttributes) {
  EXPECT_EQ(projected("a", item()), j(R"({"a": {"S": "x"}})"));
  EXPECT_EQ(projected("a, b", item()),
            j(R"({"a": {"S": "x"}, "b": {"M": {"c": {"N": "1"}, "d": {"N": "2"}, "e": {"N": "3"}}}})"));
  EXPECT_EQ(projected("#n", item(), j(R"({"#n": "odd name"})")), j(R"({"odd name": {"S": "y"}})"));
  // Attributes the item lacks are left out.
  EXPECT_EQ(projected("a, absent, b.absent, l[9]", item()), j(R"({"a": {"S": "x"}})"));
  EXPECT_EQ(projected("absent", item()), json::object());
}

TEST(ExpressionProjection, NestedMembersMerge) {
  EXPECT_EQ(projected("b.c, b.e", item()), j(R"({"b": {"M": {"c": {"N": "1"}, "e": {"N": "3"}}}})"));
  EXPECT_EQ(projected("b.c", item()), j(R"({"b": {"M": {"c": {"N": "1"}}}})"));
}

TEST(ExpressionProjection, ListElementsAreCompactedInIndexOrder) {
  EXPECT_EQ(projected("l[3], l[1].y, l[1].x", item()),
            j(R"({"l": {"L": [{"M": {"x": {"N": "1"}, "y": {"N": "2"}}}, {"S": "l3"}]}})"));
  EXPECT_EQ(projected("l[2]", item()), j(R"({"l": {"L": [{"S": "l2"}]}})"));
  EXPECT_EQ(projected("l[0], l[7]", item()), j(R"({"l": {"L": [{"S": "l0"}]}})"));
}

TEST(ExpressionProjection, ParsedPaths) {
  expression_attributes attributes(nullptr, nullptr);
  const auto p = parse_projection(" a ,b.c[2] . d", attributes);
  ASSERT_EQ(p.paths.size(), 2u);
  EXPECT_EQ(to_string(p.paths[0]), "a");
  EXPECT_EQ(to_string(p.paths[1]), "b.c[2].d");
}

TEST(ExpressionProjection, Errors) {
  EXPECT_EQ(projection_error("a, a.b"),
            "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or "
            "rewrite one of "
            "these paths; path one: [a], path two: [a, b]");
  EXPECT_EQ(projection_error("a.b, a"),
            "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or "
            "rewrite one of "
            "these paths; path one: [a, b], path two: [a]");
  EXPECT_EQ(projection_error("a[0], a.b"),
            "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or "
            "rewrite one of "
            "these paths; path one: [a, [0]], path two: [a, b]");
  EXPECT_EQ(projection_error("a, name"),
            "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name");
  EXPECT_EQ(
      projection_error("a, #b"),
      "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; "
      "attribute name: #b");
  EXPECT_EQ(projection_error("a,"),
            "Invalid ProjectionExpression: Syntax error; token: \"<EOF>\", near: \",\"");
  EXPECT_EQ(projection_error("a b"),
            "Invalid ProjectionExpression: Syntax error; token: \"b\", near: \"a b\"");
  EXPECT_EQ(projection_error("!!!"),
            "Invalid ProjectionExpression: Syntax error; token: \"!\", near: \"!!\"");
  EXPECT_EQ(projection_error(""), "Invalid ProjectionExpression: The expression can not be empty;");
  EXPECT_EQ(projection_error("a, b, c.d, e[1]"), "<no error>");
}

// ---- Key conditions --------------------------------------------------------------------------

const json& key_values() {
  static const json values =
      j(R"({":h": {"S": "h"}, ":a": {"N": "1"}, ":b": {"N": "2"}, ":p": {"S": "pre"}})");
  return values;
}

key_condition key(std::string_view text, const json& names = json()) {
  expression_attributes attributes(names.is_null() ? nullptr : &names, &key_values());
  return parse_key_condition(text, attributes);
}

std::string key_error(std::string_view text) {
  return validation_message_of([&] { key(text); });
}

TEST(ExpressionKeyCondition, HashKeyOnly) {
  const auto k = key("pk = :h");
  ASSERT_EQ(k.terms.size(), 1u);
  EXPECT_EQ(k.terms[0].attribute, "pk");
  EXPECT_EQ(k.terms[0].comparison, key_condition::op::eq);
  EXPECT_EQ(k.terms[0].value, key_values()[":h"]);
  EXPECT_TRUE(k.terms[0].value2.is_null());
}

TEST(ExpressionKeyCondition, SortKeyComparisons) {
  struct row {
    const char* text;
    key_condition::op op;
  };
  for (const row& r : {row{"sk = :a", key_condition::op::eq}, row{"sk < :a", key_condition::op::lt},
                       row{"sk <= :a", key_condition::op::le}, row{"sk > :a", key_condition::op::gt},
                       row{"sk >= :a", key_condition::op::ge}}) {
    const auto k = key(std::string("pk = :h AND ") + r.text);
    ASSERT_EQ(k.terms.size(), 2u) << r.text;
    EXPECT_EQ(k.terms[1].attribute, "sk") << r.text;
    EXPECT_EQ(k.terms[1].comparison, r.op) << r.text;
    EXPECT_EQ(k.terms[1].value, key_values()[":a"]) << r.text;
  }
}

TEST(ExpressionKeyCondition, ValueFirstFlipsTheComparison) {
  EXPECT_EQ(key(":a < sk AND pk = :h").terms[0].comparison, key_condition::op::gt);
  EXPECT_EQ(key(":a >= sk AND pk = :h").terms[0].comparison, key_condition::op::le);
  EXPECT_EQ(key(":h = pk").terms[0].comparison, key_condition::op::eq);
}

TEST(ExpressionKeyCondition, BetweenAndBeginsWith) {
  const auto between = key("#pk = :h and #sk between :a and :b", j(R"({"#pk": "pk", "#sk": "sk"})"));
  ASSERT_EQ(between.terms.size(), 2u);
  EXPECT_EQ(between.terms[1].attribute, "sk");
  EXPECT_EQ(between.terms[1].comparison, key_condition::op::between);
  EXPECT_EQ(between.terms[1].value, key_values()[":a"]);
  EXPECT_EQ(between.terms[1].value2, key_values()[":b"]);

  const auto prefix = key("begins_with(sk, :p) AND pk = :h");
  ASSERT_EQ(prefix.terms.size(), 2u);
  EXPECT_EQ(prefix.terms[0].attribute, "sk");
  EXPECT_EQ(prefix.terms[0].comparison, key_condition::op::begins_with);
  EXPECT_EQ(prefix.terms[0].value, key_values()[":p"]);
  EXPECT_EQ(key("(pk = :h) AND (begins_with(sk, :p))").terms.size(), 2u);
}

TEST(ExpressionKeyCondition, Errors) {
  EXPECT_EQ(key_error("pk = :h OR sk = :a"), "Invalid operator used in KeyConditionExpression: OR");
  EXPECT_EQ(key_error("NOT pk = :h"), "Invalid operator used in KeyConditionExpression: NOT");
  EXPECT_EQ(key_error("pk = :h AND sk IN (:a, :b)"), "Invalid operator used in KeyConditionExpression: IN");
  EXPECT_EQ(key_error("pk <> :h"), "Invalid operator used in KeyConditionExpression: <>");
  EXPECT_EQ(key_error("pk = :h AND attribute_exists(sk)"),
            "Invalid operator used in KeyConditionExpression: attribute_exists");
  EXPECT_EQ(key_error("pk = :h AND contains(sk, :p)"),
            "Invalid operator used in KeyConditionExpression: contains");
  EXPECT_EQ(key_error("pk = :h AND size(sk) = :a"),
            "KeyConditionExpressions cannot contain nested operations");
  EXPECT_EQ(key_error("pk.x = :h"), "KeyConditionExpressions cannot have conditions on nested attributes");
  EXPECT_EQ(key_error("pk = sk"),
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition");
  EXPECT_EQ(key_error(":h = :p"), "Invalid condition in KeyConditionExpression: No key attribute specified");
  EXPECT_EQ(key_error("pk = :h AND pk = :p"),
            "KeyConditionExpressions must only contain one condition per key");
  EXPECT_EQ(key_error("pk = :h AND :a BETWEEN sk AND :b"),
            "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as "
            "its first "
            "operand");
  EXPECT_EQ(
      key_error("pk = :h AND begins_with(:p, sk)"),
      "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its "
      "first operand");
  EXPECT_EQ(key_error("pk = :h AND sk = :a AND third = :b"), "Conditions can be of length 1 or 2 only");
  // The condition grammar's own errors carry the KeyConditionExpression prefix.
  EXPECT_EQ(key_error("pk = :h AND"),
            "Invalid KeyConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\"");
  EXPECT_EQ(key_error("status = :h"),
            "Invalid KeyConditionExpression: Attribute name is a reserved keyword; reserved keyword: status");
  EXPECT_EQ(
      key_error("pk = :undefined"),
      "Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; "
      "attribute value: :undefined");
  EXPECT_EQ(
      key_error("pk = :h AND sk BETWEEN :b AND :a"),
      "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal "
      "to "
      "lower bound; lower bound operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {N:1}");
}

}  // namespace
}  // namespace fogbank::dynamodb
