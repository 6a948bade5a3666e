// Condition and filter evaluation: every comparison operator, BETWEEN, IN, the logical
// operators and their precedence, every function, nested paths, and type mismatches.

#include "expressions.hpp"

#include <gtest/gtest.h>

namespace fogbank::dynamodb {
namespace {

const json& sample_item() {
  static const json item = json::parse(R"({
    "s": {"S": "hello"},
    "n": {"N": "10"},
    "b": {"B": "AQID"},
    "t": {"BOOL": true},
    "z": {"NULL": true},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.5"]},
    "bs": {"BS": ["AQ=="]},
    "l": {"L": [{"S": "x"}, {"N": "3"}]},
    "m": {"M": {"k": {"S": "v"}, "deep": {"L": [{"M": {"x": {"N": "1"}}}]}}},
    "status": {"S": "on"}
  })");
  return item;
}

const json& sample_values() {
  static const json values = json::parse(R"({
    ":hello": {"S": "hello"}, ":other": {"S": "other"}, ":world": {"S": "world"}, ":he": {"S": "he"},
    ":ell": {"S": "ell"}, ":a": {"S": "a"}, ":x": {"S": "x"}, ":v": {"S": "v"}, ":on": {"S": "on"},
    ":one": {"N": "1"}, ":two": {"N": "2"}, ":three": {"N": "3"}, ":five": {"N": "5"}, ":ten": {"N": "10"},
    ":ten_point_zero": {"N": "10.0"}, ":twenty": {"N": "20"}, ":thirty": {"N": "30"}, ":two_point_five": {"N": "2.50"},
    ":true": {"BOOL": true}, ":false": {"BOOL": false}, ":null": {"NULL": true},
    ":bin": {"B": "AQID"}, ":binprefix": {"B": "AQI="}, ":binbig": {"B": "AgA="}, ":binpart": {"B": "AgM="},
    ":bin1": {"B": "AQ=="},
    ":typeS": {"S": "S"}, ":typeN": {"S": "N"}, ":typeSS": {"S": "SS"}, ":typeNULL": {"S": "NULL"},
    ":typeM": {"S": "M"}, ":typeL": {"S": "L"},
    ":list": {"L": [{"S": "x"}, {"N": "3"}]}, ":map": {"M": {"k": {"S": "v"}}},
    ":set": {"SS": ["b", "a"]}
  })");
  return values;
}

// Evaluates `text` against `item`, with only the placeholders the expression uses supplied.
bool eval(std::string_view text, const json& item = sample_item(), const json& names = json()) {
  const json& all_values = sample_values();
  expression_attributes attributes(names.is_null() ? nullptr : &names, &all_values);
  const auto parsed = parse_condition(text, attributes, "ConditionExpression");
  return evaluate(*parsed, item);
}

TEST(ExpressionEvaluate, Equality) {
  EXPECT_TRUE(eval("s = :hello"));
  EXPECT_FALSE(eval("s = :other"));
  EXPECT_TRUE(eval("n = :ten_point_zero"));  // numbers compare numerically
  EXPECT_FALSE(eval("n = :hello"));          // different types are never equal
  EXPECT_TRUE(eval(":hello = s"));
  EXPECT_TRUE(eval("l = :list"));
  EXPECT_TRUE(eval("ss = :set"));  // sets compare regardless of order
  EXPECT_FALSE(eval("absent = :ten"));
}

TEST(ExpressionEvaluate, Inequality) {
  EXPECT_FALSE(eval("s <> :hello"));
  EXPECT_TRUE(eval("s <> :other"));
  EXPECT_TRUE(eval("n <> :hello"));
  EXPECT_TRUE(eval("absent <> :ten"));
}

TEST(ExpressionEvaluate, Ordering) {
  EXPECT_TRUE(eval("n < :twenty"));
  EXPECT_FALSE(eval("n < :ten"));
  EXPECT_TRUE(eval("n <= :ten"));
  EXPECT_FALSE(eval("n <= :five"));
  EXPECT_TRUE(eval("n > :five"));
  EXPECT_FALSE(eval("n > :ten"));
  EXPECT_TRUE(eval("n >= :ten"));
  EXPECT_FALSE(eval("n >= :twenty"));
  EXPECT_TRUE(eval("s < :world"));
  EXPECT_TRUE(eval("s > :he"));
  EXPECT_TRUE(eval("b < :binbig"));
  EXPECT_FALSE(eval("b > :binbig"));
}

TEST(ExpressionEvaluate, OrderingOfMismatchedOrUnorderedTypesIsFalse) {
  EXPECT_FALSE(eval("n < :hello"));
  EXPECT_FALSE(eval("n > :hello"));
  EXPECT_FALSE(eval("t < :true"));
  EXPECT_FALSE(eval("t >= :true"));
  EXPECT_FALSE(eval("l <= :list"));
  EXPECT_FALSE(eval("absent < :ten"));
}

TEST(ExpressionEvaluate, Between) {
  EXPECT_TRUE(eval("n BETWEEN :five AND :twenty"));
  EXPECT_TRUE(eval("n BETWEEN :ten AND :ten"));
  EXPECT_FALSE(eval("n BETWEEN :twenty AND :thirty"));
  EXPECT_FALSE(eval("s BETWEEN :five AND :twenty"));
  EXPECT_TRUE(eval("s BETWEEN :he AND :world"));
  EXPECT_FALSE(eval("absent BETWEEN :five AND :twenty"));
}

TEST(ExpressionEvaluate, In) {
  EXPECT_TRUE(eval("n IN (:five, :ten)"));
  EXPECT_FALSE(eval("n IN (:five, :twenty)"));
  EXPECT_TRUE(eval("s IN (:hello)"));
  EXPECT_FALSE(eval("absent IN (:hello, :ten)"));
}

TEST(ExpressionEvaluate, LogicalOperators) {
  EXPECT_TRUE(eval("s = :hello AND n = :ten"));
  EXPECT_FALSE(eval("s = :hello AND n = :five"));
  EXPECT_TRUE(eval("s = :other OR n = :ten"));
  EXPECT_FALSE(eval("s = :other OR n = :five"));
  EXPECT_TRUE(eval("NOT s = :other"));
  EXPECT_FALSE(eval("NOT s = :hello"));
  EXPECT_TRUE(eval("NOT NOT s = :hello"));
}

TEST(ExpressionEvaluate, AndBindsTighterThanOr) {
  // true OR (false AND false); left-to-right would give (true OR false) AND false.
  EXPECT_TRUE(eval("n = :ten OR n = :five AND s = :other"));
  EXPECT_TRUE(eval("n = :five AND s = :other OR n = :ten"));
  EXPECT_FALSE(eval("(n = :ten OR n = :five) AND s = :other"));
}

TEST(ExpressionEvaluate, NotBindsTighterThanAnd) {
  // (NOT false) AND false; NOT over the conjunction would be true.
  EXPECT_FALSE(eval("NOT n = :five AND s = :other"));
  EXPECT_TRUE(eval("NOT (n = :five AND s = :other)"));
}

TEST(ExpressionEvaluate, KeywordsAreCaseInsensitive) {
  EXPECT_TRUE(eval("n = :ten and not s = :other"));
  EXPECT_TRUE(eval("n between :five aNd :twenty"));
  EXPECT_TRUE(eval("n in (:ten) Or s = :other"));
}

TEST(ExpressionEvaluate, AttributeExists) {
  EXPECT_TRUE(eval("attribute_exists(s)"));
  EXPECT_FALSE(eval("attribute_exists(absent)"));
  EXPECT_TRUE(eval("attribute_exists(m.deep[0].x)"));
  EXPECT_FALSE(eval("attribute_exists(m.deep[1])"));
  EXPECT_FALSE(eval("attribute_not_exists(s)"));
  EXPECT_TRUE(eval("attribute_not_exists(absent)"));
  EXPECT_TRUE(eval("attribute_not_exists(s)", json::object()));  // an item that does not exist
}

TEST(ExpressionEvaluate, AttributeType) {
  EXPECT_TRUE(eval("attribute_type(s, :typeS)"));
  EXPECT_FALSE(eval("attribute_type(s, :typeN)"));
  EXPECT_TRUE(eval("attribute_type(ss, :typeSS)"));
  EXPECT_TRUE(eval("attribute_type(z, :typeNULL)"));
  EXPECT_TRUE(eval("attribute_type(m, :typeM)"));
  EXPECT_TRUE(eval("attribute_type(l, :typeL)"));
  EXPECT_FALSE(eval("attribute_type(absent, :typeS)"));
}

TEST(ExpressionEvaluate, BeginsWith) {
  EXPECT_TRUE(eval("begins_with(s, :he)"));
  EXPECT_FALSE(eval("begins_with(s, :ell)"));
  EXPECT_TRUE(eval("begins_with(b, :binprefix)"));
  EXPECT_FALSE(eval("begins_with(b, :binbig)"));
  EXPECT_FALSE(eval("begins_with(b, :he)"));  // binary never begins with a string
  EXPECT_FALSE(eval("begins_with(absent, :he)"));
}

TEST(ExpressionEvaluate, Contains) {
  EXPECT_TRUE(eval("contains(s, :ell)"));
  EXPECT_FALSE(eval("contains(s, :x)"));
  EXPECT_TRUE(eval("contains(ss, :a)"));
  EXPECT_FALSE(eval("contains(ss, :x)"));
  EXPECT_TRUE(eval("contains(ns, :two_point_five)"));  // numeric membership: 2.5 == 2.50
  EXPECT_FALSE(eval("contains(ns, :two)"));
  EXPECT_FALSE(eval("contains(ns, :a)"));
  EXPECT_TRUE(eval("contains(bs, :bin1)"));
  EXPECT_TRUE(eval("contains(b, :binpart)"));
  EXPECT_TRUE(eval("contains(l, :x)"));
  EXPECT_TRUE(eval("contains(l, :three)"));
  EXPECT_FALSE(eval("contains(l, :ten)"));
  EXPECT_FALSE(eval("contains(n, :ten)"));
  EXPECT_FALSE(eval("contains(absent, :x)"));
}

TEST(ExpressionEvaluate, Size) {
  EXPECT_TRUE(eval("size(s) = :five"));
  EXPECT_TRUE(eval("size(b) = :three"));
  EXPECT_TRUE(eval("size(ss) = :two"));
  EXPECT_TRUE(eval("size(ns) < :three"));
  EXPECT_TRUE(eval("size(l) = :two"));
  EXPECT_TRUE(eval("size(m) = :two"));
  EXPECT_TRUE(eval("size(m.deep) = :one"));
  EXPECT_TRUE(eval("size(s) > size(l)"));
  EXPECT_TRUE(eval("size(s) BETWEEN :one AND :ten"));
  EXPECT_TRUE(eval("size(l) IN (:one, :two)"));
  EXPECT_TRUE(eval("n > size(s)"));
  EXPECT_FALSE(eval("size(n) = :two"));  // numbers have no size
  EXPECT_FALSE(eval("size(absent) = :two"));
  EXPECT_FALSE(eval("size(s) = :hello"));
}

TEST(ExpressionEvaluate, NestedPathsAndNames) {
  EXPECT_TRUE(eval("m.k = :v"));
  EXPECT_TRUE(eval("m.deep[0].x = :one"));
  EXPECT_TRUE(eval("l[1] = :three"));
  EXPECT_FALSE(eval("l[5] = :three"));
  EXPECT_FALSE(eval("s.k = :v"));  // a path through a non-map is simply absent
  EXPECT_FALSE(eval("m[0] = :v"));
  const json names = {{"#m", "m"}, {"#d", "deep"}, {"#st", "status"}};
  EXPECT_TRUE(eval("#m.#d[0].x = :one", sample_item(), names));
  EXPECT_TRUE(eval("#st = :on", sample_item(), names));
}

TEST(ExpressionEvaluate, NamesMayHoldAnyCharacters) {
  const json item = json::parse(R"({"a.b": {"N": "1"}, "a": {"M": {"b": {"N": "2"}}}})");
  const json names = {{"#dotted", "a.b"}};
  EXPECT_TRUE(eval("#dotted = :one", item, names));  // a literal dot, not a nested path
  EXPECT_TRUE(eval("a.b = :two", item));
}

TEST(ExpressionEvaluate, ParenthesesAndWhitespace) {
  EXPECT_TRUE(eval("(s = :hello)"));
  EXPECT_TRUE(eval("(s) = (:hello)"));
  EXPECT_TRUE(eval("  s=:hello  AND(n>:five)"));
  EXPECT_TRUE(eval("\ts\n=\r\n:hello"));
}

TEST(ExpressionEvaluate, ComparingTwoPaths) {
  const json item = json::parse(R"({"a": {"N": "1"}, "b": {"N": "2"}, "c": {"N": "1.0"}})");
  EXPECT_TRUE(eval("a < b", item));
  EXPECT_TRUE(eval("a = c", item));
  EXPECT_FALSE(eval("a = b", item));
}

}  // namespace
}  // namespace fogbank::dynamodb
