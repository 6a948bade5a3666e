// Legacy parameters translated into expressions: the generated text, and above all its behaviour
// once parsed and evaluated by the expression engine (every ComparisonOperator on present,
// mismatched and absent attributes; every AttributeUpdates action), and each validation error
// with DynamoDB's wording.

#include "legacy_parameters.hpp"
#include "error_text.hpp"

#include "expressions.hpp"
#include "fogbank/core/aws_error.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace fogbank::dynamodb {
namespace {

constexpr std::string_view invalid = "One or more parameter values were invalid: ";

const json& sample_item() {
  static const json item = json::parse(R"({
    "s": {"S": "hello"},
    "n": {"N": "10"},
    "b": {"B": "aGVsbG8="},
    "t": {"BOOL": true},
    "z": {"NULL": true},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2"]},
    "l": {"L": [{"S": "x"}, {"N": "3"}]},
    "m": {"M": {"k": {"S": "v"}}},
    "a.b": {"S": "dotted"},
    "name": {"S": "reserved"}
  })");
  return item;
}

translated_expression must(std::optional<translated_expression> translated) {
  if (!translated) ADD_FAILURE() << "no translation";
  return translated.value_or(translated_expression{});
}

// Parses `t` as a condition with the engine and evaluates it on `item`; every generated
// placeholder must be used.
bool holds(const translated_expression& t, const json& item = sample_item()) {
  expression_attributes attributes(&t.names, t.values.empty() ? nullptr : &t.values);
  const auto parsed = parse_condition(t.text, attributes, "ConditionExpression");
  attributes.check_all_used();
  return evaluate(*parsed, item);
}

// The error a call throws, as "<type>: <message>".
std::string validation(std::string_view message) {
  return "ValidationException: " + std::string(message);
}
std::string invalid_parameter(std::string_view detail) {
  return validation(std::string(invalid) + std::string(detail));
}

// ---- Expected ----------------------------------------------------------------------------------

// A single Expected condition on `attribute`.
bool expected_holds(std::string_view attribute, std::string_view condition,
                    const json& item = sample_item()) {
  const json request = {{"Expected", {{std::string(attribute), json::parse(condition)}}}};
  return holds(must(translate_expected(request)), item);
}

bool compare(std::string_view attribute, std::string_view op, std::string_view values) {
  return expected_holds(attribute, R"({"ComparisonOperator": ")" + std::string(op) +
                                       R"(", "AttributeValueList": )" + std::string(values) + "}");
}

TEST(LegacyExpected, TextAndPlaceholders) {
  const json request = json::parse(R"({"Expected": {"a": {"Value": {"S": "x"}}, "b": {"Exists": false}}})");
  const auto t = must(translate_expected(request));
  EXPECT_EQ(t.text, "#e0 = :e0 AND attribute_not_exists(#e1)");
  EXPECT_EQ(t.names, json::parse(R"({"#e0": "a", "#e1": "b"})"));
  EXPECT_EQ(t.values, json::parse(R"({":e0": {"S": "x"}})"));
}

TEST(LegacyExpected, AbsentOrEmptyMeansNoCondition) {
  EXPECT_FALSE(translate_expected(json::object()));
  EXPECT_FALSE(translate_expected(json::parse(R"({"Expected": null})")));
  EXPECT_FALSE(translate_expected(json::parse(R"({"Expected": {}})")));
}

TEST(LegacyExpected, ValueAndExists) {
  EXPECT_TRUE(expected_holds("s", R"({"Value": {"S": "hello"}})"));
  EXPECT_FALSE(expected_holds("s", R"({"Value": {"S": "other"}})"));
  EXPECT_FALSE(expected_holds("missing", R"({"Value": {"S": "hello"}})"));
  EXPECT_TRUE(expected_holds("n", R"({"Value": {"N": "10.0"}, "Exists": true})"));
  EXPECT_FALSE(expected_holds("n", R"({"Value": {"N": "11"}, "Exists": true})"));
  EXPECT_TRUE(expected_holds("missing", R"({"Exists": false})"));
  EXPECT_FALSE(expected_holds("s", R"({"Exists": false})"));
  EXPECT_FALSE(expected_holds("z", R"({"Exists": false})"));  // a NULL-typed attribute exists
  EXPECT_TRUE(expected_holds("l", R"({"Value": {"L": [{"S": "x"}, {"N": "3"}]}})"));
  EXPECT_TRUE(expected_holds("s", R"({"Value": {"S": "hello"}, "Exists": "TRUE"})"));  // coral reads "TRUE"
  // Absent item: only "does not exist" conditions hold.
  EXPECT_TRUE(expected_holds("s", R"({"Exists": false})", json::object()));
  EXPECT_FALSE(expected_holds("s", R"({"Value": {"S": "hello"}})", json::object()));
}

TEST(LegacyExpected, Equality) {
  EXPECT_TRUE(compare("n", "EQ", R"([{"N": "10"}])"));
  EXPECT_FALSE(compare("n", "EQ", R"([{"N": "11"}])"));
  EXPECT_FALSE(compare("n", "EQ", R"([{"S": "10"}])"));  // different types never match
  EXPECT_FALSE(compare("missing", "EQ", R"([{"N": "10"}])"));
  EXPECT_TRUE(compare("ss", "EQ", R"([{"SS": ["b", "a"]}])"));  // sets regardless of order
  EXPECT_TRUE(compare("b", "EQ", R"([{"B": "aGVsbG8="}])"));
}

TEST(LegacyExpected, NotEqualIsTrueForMissingAttributes) {
  EXPECT_TRUE(compare("n", "NE", R"([{"N": "11"}])"));
  EXPECT_FALSE(compare("n", "NE", R"([{"N": "10"}])"));
  EXPECT_TRUE(compare("n", "NE", R"([{"S": "10"}])"));  // a different type is "not equal"
  EXPECT_TRUE(compare("missing", "NE", R"([{"N": "10"}])"));
  EXPECT_FALSE(compare("ns", "NE", R"([{"NS": ["2", "1"]}])"));
}

TEST(LegacyExpected, Ordering) {
  EXPECT_TRUE(compare("n", "LE", R"([{"N": "10"}])"));
  EXPECT_FALSE(compare("n", "LE", R"([{"N": "9"}])"));
  EXPECT_TRUE(compare("n", "LT", R"([{"N": "11"}])"));
  EXPECT_FALSE(compare("n", "LT", R"([{"N": "10"}])"));
  EXPECT_TRUE(compare("n", "GE", R"([{"N": "10"}])"));
  EXPECT_FALSE(compare("n", "GE", R"([{"N": "11"}])"));
  EXPECT_TRUE(compare("n", "GT", R"([{"N": "9.5"}])"));
  EXPECT_FALSE(compare("n", "GT", R"([{"N": "10"}])"));
  EXPECT_TRUE(compare("s", "GT", R"([{"S": "abc"}])"));
  EXPECT_TRUE(compare("s", "LT", R"([{"S": "world"}])"));
  EXPECT_TRUE(compare("b", "LT", R"([{"B": "aQ=="}])"));  // "hello" < "i" bytewise
  // Missing attributes and other types are never ordered.
  for (std::string_view op : {"LE", "LT", "GE", "GT"}) {
    EXPECT_FALSE(compare("missing", op, R"([{"N": "10"}])")) << op;
    EXPECT_FALSE(compare("s", op, R"([{"N": "10"}])")) << op;
    EXPECT_FALSE(compare("ns", op, R"([{"N": "1"}])")) << op;
  }
}

TEST(LegacyExpected, NullAndNotNull) {
  EXPECT_TRUE(compare("s", "NOT_NULL", "[]"));
  EXPECT_TRUE(compare("z", "NOT_NULL", "[]"));  // tests existence, not the NULL type
  EXPECT_FALSE(compare("missing", "NOT_NULL", "[]"));
  EXPECT_TRUE(compare("missing", "NULL", "[]"));
  EXPECT_FALSE(compare("z", "NULL", "[]"));
  EXPECT_TRUE(expected_holds("missing", R"({"ComparisonOperator": "NULL"})"));  // no list at all
  EXPECT_TRUE(expected_holds("s", R"({"ComparisonOperator": "NOT_NULL"})"));
}

TEST(LegacyExpected, Contains) {
  EXPECT_TRUE(compare("s", "CONTAINS", R"([{"S": "ell"}])"));
  EXPECT_FALSE(compare("s", "CONTAINS", R"([{"S": "dog"}])"));
  EXPECT_TRUE(compare("ss", "CONTAINS", R"([{"S": "a"}])"));
  EXPECT_TRUE(compare("ns", "CONTAINS", R"([{"N": "2"}])"));
  EXPECT_TRUE(compare("l", "CONTAINS", R"([{"N": "3"}])"));     // lists too
  EXPECT_TRUE(compare("b", "CONTAINS", R"([{"B": "ZWxs"}])"));  // "ell"
  EXPECT_FALSE(compare("s", "CONTAINS", R"([{"N": "1"}])"));
  EXPECT_FALSE(compare("missing", "CONTAINS", R"([{"S": "a"}])"));
}

TEST(LegacyExpected, NotContainsIsFalseForMissingAttributes) {
  EXPECT_TRUE(compare("s", "NOT_CONTAINS", R"([{"S": "dog"}])"));
  EXPECT_FALSE(compare("s", "NOT_CONTAINS", R"([{"S": "ell"}])"));
  EXPECT_TRUE(compare("s", "NOT_CONTAINS", R"([{"N": "1"}])"));
  EXPECT_FALSE(compare("ss", "NOT_CONTAINS", R"([{"S": "a"}])"));
  EXPECT_TRUE(compare("ns", "NOT_CONTAINS", R"([{"N": "7"}])"));
  EXPECT_FALSE(compare("l", "NOT_CONTAINS", R"([{"S": "x"}])"));
  EXPECT_FALSE(compare("missing", "NOT_CONTAINS", R"([{"S": "a"}])"));
  EXPECT_FALSE(compare("missing", "CONTAINS", R"([{"S": "a"}])"));  // both false when absent
}

TEST(LegacyExpected, BeginsWith) {
  EXPECT_TRUE(compare("s", "BEGINS_WITH", R"([{"S": "he"}])"));
  EXPECT_FALSE(compare("s", "BEGINS_WITH", R"([{"S": "lo"}])"));
  EXPECT_TRUE(compare("b", "BEGINS_WITH", R"([{"B": "aGU="}])"));  // "he"
  EXPECT_FALSE(compare("n", "BEGINS_WITH", R"([{"S": "1"}])"));
  EXPECT_FALSE(compare("missing", "BEGINS_WITH", R"([{"S": "he"}])"));
}

TEST(LegacyExpected, In) {
  EXPECT_TRUE(compare("n", "IN", R"([{"N": "5"}, {"N": "10"}])"));
  EXPECT_FALSE(compare("n", "IN", R"([{"N": "5"}])"));
  EXPECT_FALSE(compare("ss", "IN", R"([{"S": "a"}])"));  // IN does not look inside sets
  EXPECT_FALSE(compare("missing", "IN", R"([{"N": "10"}])"));
}

TEST(LegacyExpected, Between) {
  EXPECT_TRUE(compare("n", "BETWEEN", R"([{"N": "5"}, {"N": "10"}])"));  // inclusive
  EXPECT_TRUE(compare("n", "BETWEEN", R"([{"N": "10"}, {"N": "20"}])"));
  EXPECT_FALSE(compare("n", "BETWEEN", R"([{"N": "11"}, {"N": "20"}])"));
  EXPECT_TRUE(compare("s", "BETWEEN", R"([{"S": "a"}, {"S": "z"}])"));
  EXPECT_FALSE(compare("s", "BETWEEN", R"([{"N": "1"}, {"N": "2"}])"));
  EXPECT_FALSE(compare("missing", "BETWEEN", R"([{"N": "0"}, {"N": "100"}])"));
}

TEST(LegacyExpected, ValueWithComparisonOperator) {
  // With a ComparisonOperator, Value stands for a one-entry AttributeValueList.
  EXPECT_TRUE(expected_holds("n", R"({"ComparisonOperator": "GT", "Value": {"N": "5"}})"));
  EXPECT_FALSE(expected_holds("n", R"({"ComparisonOperator": "LT", "Value": {"N": "5"}})"));
}

TEST(LegacyExpected, AttributeNamesAreLiteral) {
  // Reserved words and dots are fine: "a.b" names one top-level attribute.
  EXPECT_TRUE(expected_holds("a.b", R"({"Value": {"S": "dotted"}})"));
  EXPECT_TRUE(expected_holds("name", R"({"Value": {"S": "reserved"}})"));
  EXPECT_TRUE(expected_holds("m.k", R"({"Exists": false})"));  // not the nested path m.k
}

TEST(LegacyExpected, ConditionalOperator) {
  const json three = json::parse(R"({
    "n": {"Value": {"N": "10"}},
    "s": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "nope"}]},
    "missing": {"Exists": false}})");
  json request = {{"Expected", three}};
  EXPECT_FALSE(holds(must(translate_expected(request))));  // AND by default
  request["ConditionalOperator"] = "AND";
  EXPECT_FALSE(holds(must(translate_expected(request))));
  request["ConditionalOperator"] = "OR";
  const auto t = must(translate_expected(request));
  EXPECT_EQ(t.text, "attribute_not_exists(#e0) OR #e1 = :e0 OR #e2 = :e1");
  EXPECT_TRUE(holds(t));
  EXPECT_FALSE(holds(t, json::parse(R"({"n": {"N": "1"}, "missing": {"S": "x"}})")));
  // NOT_CONTAINS's own AND stays grouped under OR.
  const json mixed = json::parse(R"({"ConditionalOperator": "OR", "Expected": {
    "missing": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "a"}]},
    "s": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "ell"}]}}})");
  EXPECT_FALSE(holds(must(translate_expected(mixed))));
}

TEST(LegacyExpected, Errors) {
  const auto expect = [](std::string_view condition) {
    return error_of([&] { translate_expected({{"Expected", {{"a", json::parse(condition)}}}}); });
  };
  EXPECT_EQ(expect(R"({"Exists": true})"),
            invalid_parameter("Value must be provided when Exists is true for Attribute: a"));
  EXPECT_EQ(expect("{}"), invalid_parameter("Value must be provided when Exists is null for Attribute: a"));
  EXPECT_EQ(expect("null"), invalid_parameter("Value must be provided when Exists is null for Attribute: a"));
  EXPECT_EQ(expect(R"({"Exists": false, "Value": {"S": "a"}})"),
            invalid_parameter("Value cannot be used when Exists is false for Attribute: a"));
  EXPECT_EQ(expect(R"({"Exists": true, "ComparisonOperator": "LT"})"),
            invalid_parameter("Exists and ComparisonOperator cannot be used together for Attribute: a"));
  EXPECT_EQ(expect(R"({"Exists": false, "ComparisonOperator": "EQ", "AttributeValueList": [{"N": "3"}]})"),
            invalid_parameter("Exists and ComparisonOperator cannot be used together for Attribute: a"));
  EXPECT_EQ(
      expect(R"({"Value": {"S": "a"}, "ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]})"),
      invalid_parameter("Value and AttributeValueList cannot be used together for Attribute: a"));
  EXPECT_EQ(
      expect(R"({"AttributeValueList": []})"),
      invalid_parameter("AttributeValueList can only be used with a ComparisonOperator for Attribute: a"));
  EXPECT_EQ(
      expect(R"({"Exists": true, "AttributeValueList": [{"S": "a"}]})"),
      invalid_parameter("AttributeValueList can only be used with a ComparisonOperator for Attribute: a"));
  EXPECT_EQ(expect(R"({"ComparisonOperator": "LT"})"),
            invalid_parameter(
                "Value or AttributeValueList must be used with ComparisonOperator: LT for Attribute: a"));
  EXPECT_EQ(expect(R"({"ComparisonOperator": "EQ", "AttributeValueList": []})"),
            invalid_parameter("Invalid number of argument(s) for the EQ ComparisonOperator"));
  EXPECT_EQ(expect(R"({"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "2"}, {"N": "3"}]})"),
            invalid_parameter("Invalid number of argument(s) for the EQ ComparisonOperator"));
  EXPECT_EQ(expect(R"({"ComparisonOperator": "NULL", "AttributeValueList": [{"S": "a"}]})"),
            invalid_parameter("Invalid number of argument(s) for the NULL ComparisonOperator"));
  EXPECT_EQ(expect(R"({"ComparisonOperator": "NOT_NULL", "Value": {"S": "a"}})"),
            invalid_parameter("Invalid number of argument(s) for the NOT_NULL ComparisonOperator"));
  EXPECT_EQ(expect(R"({"ComparisonOperator": "IN", "AttributeValueList": []})"),
            invalid_parameter("Invalid number of argument(s) for the IN ComparisonOperator"));
  EXPECT_EQ(expect(R"({"ComparisonOperator": "BETWEEN", "Value": {"N": "1"}})"),
            invalid_parameter("Invalid number of argument(s) for the BETWEEN ComparisonOperator"));
  EXPECT_EQ(expect(R"({"ComparisonOperator": "IN", "AttributeValueList": [{"N": "3"}, {"S": "dog"}]})"),
            invalid_parameter("AttributeValues inside AttributeValueList must be of same type"));
  EXPECT_EQ(expect(R"({"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"N": "3"}]})"),
            invalid_parameter("ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"));
  EXPECT_EQ(expect(R"({"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"L": [{"N": "1"}]}]})"),
            invalid_parameter("ComparisonOperator CONTAINS is not valid for L AttributeValue type"));
  EXPECT_EQ(expect(R"({"ComparisonOperator": "IN", "AttributeValueList": [{"L": []}, {"L": []}]})"),
            invalid_parameter("ComparisonOperator IN is not valid for L AttributeValue type"));
  EXPECT_EQ(expect(R"({"ComparisonOperator": "EQ", "AttributeValueList": [{"BOOL": true}]})"),
            invalid_parameter("ComparisonOperator EQ is not valid for BOOL AttributeValue type"));
  EXPECT_EQ(expect(R"({"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "4"}, {"N": "3"}]})"),
            validation("The BETWEEN condition was provided a range where the lower bound is greater than the "
                       "upper bound"));
  EXPECT_EQ(
      expect(R"({"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"S": "dog"}, {"S": "aardvark"}]})"),
      validation("The BETWEEN condition was provided a range where the lower bound is greater than the upper "
                 "bound"));
  EXPECT_EQ(
      expect(R"({"ComparisonOperator": "LIKE", "AttributeValueList": [{"S": "a"}]})"),
      validation(
          "1 validation error detected: Value 'LIKE' at 'expected.a.member.comparisonOperator' failed to "
          "satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, "
          "GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"));
  // Values are validated as any AttributeValue is.
  EXPECT_EQ(expect(R"({"Value": {"S": "a", "N": "1"}})").rfind("ValidationException: ", 0), 0U);
  EXPECT_EQ(
      expect(R"({"ComparisonOperator": "EQ", "AttributeValueList": [{}]})").rfind("ValidationException: ", 0),
      0U);
  EXPECT_EQ(expect(R"({"Exists": 1, "Value": {"S": "a"}})"),
            "SerializationException: NUMBER_VALUE cannot be converted to Boolean");
  EXPECT_EQ(error_of([] {
              translate_expected({{"Expected", "a"}});
            }),
            "SerializationException: Unexpected field type");
}

TEST(LegacyExpected, ConditionalOperatorErrors) {
  const auto with = [](std::string_view request) {
    return error_of([&] { translate_expected(json::parse(request)); });
  };
  EXPECT_EQ(with(R"({"ConditionalOperator": "OR"})"),
            validation("ConditionalOperator cannot be used without Filter or Expected"));
  EXPECT_EQ(with(R"({"ConditionalOperator": "AND", "Expected": {}})"),
            validation("ConditionalOperator cannot be used without Filter or Expected"));
  EXPECT_EQ(
      with(R"({"ConditionalOperator": "OR", "Expected": {"a": {"Exists": false}}})"),
      validation("ConditionalOperator can only be used when Filter or Expected has two or more elements"));
  EXPECT_EQ(
      with(R"({"ConditionalOperator": "XOR", "Expected": {"a": {"Exists": false}, "b": {"Exists": false}}})"),
      validation("1 validation error detected: Value 'XOR' at 'conditionalOperator' failed to satisfy "
                 "constraint: Member must satisfy enum value set: [OR, AND]"));
}

// ---- QueryFilter / ScanFilter ------------------------------------------------------------------

TEST(LegacyFilter, TextAndBehaviour) {
  const json request = json::parse(R"({"ConditionalOperator": "OR", "ScanFilter": {
    "s": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "hello"}]},
    "missing": {"ComparisonOperator": "NOT_NULL"}}})");
  const auto t = must(translate_filter(request, "ScanFilter"));
  EXPECT_EQ(t.text, "attribute_exists(#f0) OR #f1 = :f0");
  EXPECT_EQ(t.names, json::parse(R"({"#f0": "missing", "#f1": "s"})"));
  EXPECT_TRUE(holds(t));
  EXPECT_FALSE(holds(t, json::parse(R"({"s": {"S": "other"}})")));

  json and_request = request;
  and_request.erase("ConditionalOperator");
  EXPECT_FALSE(holds(must(translate_filter(and_request, "ScanFilter"))));
  EXPECT_TRUE(holds(must(translate_filter(and_request, "ScanFilter")),
                    json::parse(R"({"s": {"S": "hello"}, "missing": {"N": "1"}})")));
}

TEST(LegacyFilter, EveryOperatorOnAMissingAttribute) {
  // The legacy truth table for an attribute the item lacks: only NE and NULL hold.
  const std::vector<std::pair<std::string, std::string>> cases = {{"EQ", R"([{"S": "a"}])"},
                                                                  {"NE", R"([{"S": "a"}])"},
                                                                  {"LE", R"([{"S": "a"}])"},
                                                                  {"LT", R"([{"S": "a"}])"},
                                                                  {"GE", R"([{"S": "a"}])"},
                                                                  {"GT", R"([{"S": "a"}])"},
                                                                  {"NOT_NULL", "[]"},
                                                                  {"NULL", "[]"},
                                                                  {"CONTAINS", R"([{"S": "a"}])"},
                                                                  {"NOT_CONTAINS", R"([{"S": "a"}])"},
                                                                  {"BEGINS_WITH", R"([{"S": "a"}])"},
                                                                  {"IN", R"([{"S": "a"}])"},
                                                                  {"BETWEEN", R"([{"S": "a"}, {"S": "b"}])"}};
  for (const auto& [op, values] : cases) {
    const json request = {
        {"QueryFilter",
         {{"missing", {{"ComparisonOperator", op}, {"AttributeValueList", json::parse(values)}}}}}};
    EXPECT_EQ(holds(must(translate_filter(request, "QueryFilter"))), op == "NE" || op == "NULL") << op;
  }
}

TEST(LegacyFilter, AbsentOrEmpty) {
  EXPECT_FALSE(translate_filter(json::object(), "ScanFilter"));
  EXPECT_FALSE(translate_filter(json::parse(R"({"ScanFilter": {}})"), "ScanFilter"));
}

TEST(LegacyFilter, Errors) {
  const auto scan = [](std::string_view request) {
    return error_of([&] { translate_filter(json::parse(request), "ScanFilter"); });
  };
  EXPECT_EQ(
      scan(R"({"ScanFilter": {"a": {}}})"),
      validation(
          "1 validation error detected: Value null at 'scanFilter.a.member.comparisonOperator' failed to "
          "satisfy constraint: Member must not be null"));
  EXPECT_EQ(
      error_of([] {
        translate_filter(json::parse(R"({"QueryFilter": {"a": {"ComparisonOperator": ""}}})"), "QueryFilter");
      }),
      validation(
          "1 validation error detected: Value '' at 'queryFilter.a.member.comparisonOperator' failed to "
          "satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, "
          "EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"));
  // A filter has no Value: EQ without a list is a count error, not Expected's "Value or ...".
  EXPECT_EQ(
      scan(R"({"ScanFilter": {"a": {"ComparisonOperator": "EQ"}, "b": {"ComparisonOperator": "NULL"}}})"),
      invalid_parameter("Invalid number of argument(s) for the EQ ComparisonOperator"));
  EXPECT_EQ(
      scan(
          R"({"ScanFilter": {"a": {"ComparisonOperator": "NOT_NULL", "AttributeValueList": [{"S": "a"}]}}})"),
      invalid_parameter("Invalid number of argument(s) for the NOT_NULL ComparisonOperator"));
  EXPECT_EQ(
      scan(R"({"ScanFilter": {"a": {"ComparisonOperator": "LE", "AttributeValueList": [{"SS": ["a"]}]}}})"),
      invalid_parameter("ComparisonOperator LE is not valid for SS AttributeValue type"));
  EXPECT_EQ(
      scan(
          R"({"ScanFilter": {"a": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"NS": ["1"]}]}}})"),
      invalid_parameter("ComparisonOperator CONTAINS is not valid for NS AttributeValue type"));
  EXPECT_EQ(
      scan(R"({"ScanFilter": {"a": {"ComparisonOperator": "GT", "AttributeValueList": [{"NULL": true}]}}})"),
      invalid_parameter("ComparisonOperator GT is not valid for NULL AttributeValue type"));
  EXPECT_EQ(
      scan(
          R"({"ScanFilter": {"a": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"N": "1"}]}}})"),
      invalid_parameter("ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"));
  EXPECT_EQ(scan(R"({"ScanFilter": {"a": {"ComparisonOperator": "EQ", "AttributeValueList": [{"M": {}}]}}})"),
            invalid_parameter("ComparisonOperator EQ is not valid for M AttributeValue type"));
  EXPECT_EQ(scan(R"({"ConditionalOperator": "OR"})"),
            validation("ConditionalOperator cannot be used without Filter or Expected"));
  EXPECT_EQ(
      scan(R"({"ConditionalOperator": "AND", "ScanFilter": {"a": {"ComparisonOperator": "NULL"}}})"),
      validation("ConditionalOperator can only be used when Filter or Expected has two or more elements"));
  EXPECT_EQ(scan(R"({"ScanFilter": {"a": {"ComparisonOperator": "EQ", "AttributeValueList": {"S": "a"}}}})"),
            "SerializationException: Start of structure or map found where not expected");
}

// ---- KeyConditions -----------------------------------------------------------------------------

key_condition parse_key(const translated_expression& t) {
  expression_attributes attributes(&t.names, t.values.empty() ? nullptr : &t.values);
  auto parsed = parse_key_condition(t.text, attributes);
  attributes.check_all_used();
  return parsed;
}

TEST(LegacyKeyConditions, TextAndParsedTerms) {
  const json request = json::parse(R"({"KeyConditions": {
    "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]},
    "sk": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"N": "5"}]}}})");
  const auto t = must(translate_key_conditions(request));
  EXPECT_EQ(t.text, "#k0 = :k0 AND #k1 BETWEEN :k1 AND :k2");
  const auto parsed = parse_key(t);
  ASSERT_EQ(parsed.terms.size(), 2U);
  EXPECT_EQ(parsed.terms[0].attribute, "pk");
  EXPECT_EQ(parsed.terms[0].comparison, key_condition::op::eq);
  EXPECT_EQ(parsed.terms[0].value, json::parse(R"({"S": "p"})"));
  EXPECT_EQ(parsed.terms[1].attribute, "sk");
  EXPECT_EQ(parsed.terms[1].comparison, key_condition::op::between);
  EXPECT_EQ(parsed.terms[1].value2, json::parse(R"({"N": "5"})"));
}

TEST(LegacyKeyConditions, EverySortKeyOperator) {
  const std::vector<std::pair<std::string, key_condition::op>> cases = {
      {"EQ", key_condition::op::eq}, {"LE", key_condition::op::le},
      {"LT", key_condition::op::lt}, {"GE", key_condition::op::ge},
      {"GT", key_condition::op::gt}, {"BEGINS_WITH", key_condition::op::begins_with}};
  for (const auto& [op, expected] : cases) {
    const json request = {{"KeyConditions",
                           {{"pk", {{"ComparisonOperator", "EQ"}, {"AttributeValueList", {{{"S", "p"}}}}}},
                            {"sk", {{"ComparisonOperator", op}, {"AttributeValueList", {{{"S", "x"}}}}}}}}};
    const auto parsed = parse_key(must(translate_key_conditions(request)));
    ASSERT_EQ(parsed.terms.size(), 2U) << op;
    EXPECT_EQ(parsed.terms[1].attribute, "sk") << op;
    EXPECT_EQ(parsed.terms[1].comparison, expected) << op;
    EXPECT_EQ(parsed.terms[1].value, json::parse(R"({"S": "x"})")) << op;
  }
  // Reserved words as key names.
  const auto hash_only = parse_key(must(translate_key_conditions(json::parse(
      R"({"KeyConditions": {"name": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}}})"))));
  ASSERT_EQ(hash_only.terms.size(), 1U);
  EXPECT_EQ(hash_only.terms[0].attribute, "name");
  EXPECT_FALSE(translate_key_conditions(json::object()));
}

TEST(LegacyKeyConditions, Errors) {
  const auto query = [](std::string_view request) {
    return error_of([&] { translate_key_conditions(json::parse(request)); });
  };
  EXPECT_EQ(query(R"({"KeyConditions": {}})"), validation("Conditions can be of length 1 or 2 only"));
  EXPECT_EQ(query(R"({"KeyConditions": {"a": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
                                         "b": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
                                         "c": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}}})"),
            validation("Conditions can be of length 1 or 2 only"));
  // Argument checks come before the count of conditions (dynalite's query tests).
  EXPECT_EQ(
      query(R"({"KeyConditions": {"a": {"ComparisonOperator": "EQ"}, "b": {"ComparisonOperator": "NULL"},
                                         "c": {"ComparisonOperator": "NULL"}}})"),
      invalid_parameter("Invalid number of argument(s) for the EQ ComparisonOperator"));
  EXPECT_EQ(query(R"({"KeyConditions": {"a": {"ComparisonOperator": "BETWEEN",
                                               "AttributeValueList": [{"S": "a"}, {"S": "a"}, {"S": "a"}]}}})"),
            invalid_parameter("Invalid number of argument(s) for the BETWEEN ComparisonOperator"));
  EXPECT_EQ(
      query(
          R"({"KeyConditions": {"a": {"ComparisonOperator": "LE", "AttributeValueList": [{"SS": ["a"]}]}}})"),
      invalid_parameter("ComparisonOperator LE is not valid for SS AttributeValue type"));
  EXPECT_EQ(
      query(R"({"KeyConditions": {"a": {}}})"),
      validation(
          "1 validation error detected: Value null at 'keyConditions.a.member.comparisonOperator' failed "
          "to satisfy constraint: Member must not be null"));
  for (std::string_view condition :
       {R"({"ComparisonOperator": "NULL"})", R"({"ComparisonOperator": "NOT_NULL"})",
        R"({"ComparisonOperator": "NE", "AttributeValueList": [{"N": "1"}]})",
        R"({"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"S": "a"}]})",
        R"({"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "a"}]})",
        R"({"ComparisonOperator": "IN", "AttributeValueList": [{"S": "a"}]})"}) {
    EXPECT_EQ(error_of([&] {
                translate_key_conditions({{"KeyConditions", {{"a", json::parse(condition)}}}});
              }),
              validation("Attempted conditional constraint is not an indexable operation"))
        << condition;
  }
}

TEST(LegacyKeyConditions, UnindexableOnesAreNamedForTheQueryToRefuse) {
  std::vector<std::string> unindexable;
  const auto translated = translate_key_conditions(json::parse(R"({"KeyConditions": {
      "a": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]},
      "b": {"ComparisonOperator": "NOT_NULL"}}})"),
                                                   2, &unindexable);
  ASSERT_TRUE(translated.has_value());
  EXPECT_EQ(translated->text, "#k0 = :k0");
  EXPECT_EQ(unindexable, std::vector<std::string>{"b"});

  unindexable.clear();
  EXPECT_FALSE(
      translate_key_conditions(json::parse(R"({"KeyConditions": {"z": {"ComparisonOperator": "NULL"}}})"), 2,
                               &unindexable)
          .has_value());
  EXPECT_EQ(unindexable, std::vector<std::string>{"z"});
}

// ---- AttributeUpdates --------------------------------------------------------------------------

json updated(const translated_expression& t, json item) {
  expression_attributes attributes(&t.names, t.values.empty() ? nullptr : &t.values);
  const auto parsed = parse_update(t.text, attributes);
  attributes.check_all_used();
  apply(*parsed, item);
  return item;
}

const json& every_action() {
  static const json request = json::parse(R"({"AttributeUpdates": {
    "a": {"Value": {"N": "1"}},
    "b": {"Action": "DELETE"},
    "c": {"Action": "ADD", "Value": {"N": "2"}},
    "d": {"Action": "DELETE", "Value": {"SS": ["x"]}},
    "e": {"Action": "ADD", "Value": {"L": [{"S": "y"}]}},
    "f": {"Action": "PUT", "Value": {"S": "put"}}}})");
  return request;
}

TEST(LegacyAttributeUpdates, Text) {
  const auto t = must(translate_attribute_updates(every_action()));
  EXPECT_EQ(
      t.text,
      "SET #u0 = :u0, #u4 = list_append(if_not_exists(#u4, :u3), :u4), #u5 = :u5 REMOVE #u1 ADD #u2 :u1 "
      "DELETE #u3 :u2");
  EXPECT_EQ(t.values[":u3"], json::parse(R"({"L": []})"));
  EXPECT_EQ(t.names["#u4"], "e");
}

TEST(LegacyAttributeUpdates, EveryActionOnAnExistingItem) {
  const json before = json::parse(R"({
    "k": {"S": "key"}, "a": {"N": "5"}, "b": {"S": "gone"}, "c": {"N": "3"},
    "d": {"SS": ["x", "y"]}, "e": {"L": [{"S": "z"}]}, "f": {"N": "0"}})");
  EXPECT_EQ(updated(must(translate_attribute_updates(every_action())), before), json::parse(R"({
    "k": {"S": "key"}, "a": {"N": "1"}, "c": {"N": "5"},
    "d": {"SS": ["y"]}, "e": {"L": [{"S": "z"}, {"S": "y"}]}, "f": {"S": "put"}})"));
}

TEST(LegacyAttributeUpdates, EveryActionOnANewItem) {
  // ADD creates numbers, sets and lists; DELETE of an absent attribute does nothing.
  EXPECT_EQ(updated(must(translate_attribute_updates(every_action())), json::object()), json::parse(R"({
    "a": {"N": "1"}, "c": {"N": "2"}, "e": {"L": [{"S": "y"}]}, "f": {"S": "put"}})"));
}

TEST(LegacyAttributeUpdates, SetsAndNumbers) {
  const json request = json::parse(R"({"AttributeUpdates": {
    "ns": {"Action": "ADD", "Value": {"NS": ["3", "1"]}},
    "n": {"Action": "ADD", "Value": {"N": "-2.5"}},
    "ss": {"Action": "DELETE", "Value": {"SS": ["a", "b"]}}}})");
  const json after = updated(must(translate_attribute_updates(request)), sample_item());
  EXPECT_EQ(after["n"], json::parse(R"({"N": "7.5"})"));
  EXPECT_TRUE(values_equal(after["ns"], json::parse(R"({"NS": ["1", "2", "3"]})")));
  EXPECT_FALSE(after.contains("ss"));  // deleting every member removes the set
}

TEST(LegacyAttributeUpdates, AttributeNamesAreLiteral) {
  const json request = json::parse(R"({"AttributeUpdates": {
    "a.b": {"Value": {"S": "top"}}, "name": {"Action": "DELETE"}, "m.k": {"Value": {"S": "not nested"}}}})");
  const json after = updated(must(translate_attribute_updates(request)), sample_item());
  EXPECT_EQ(after["a.b"], json::parse(R"({"S": "top"})"));
  EXPECT_FALSE(after.contains("name"));
  EXPECT_EQ(after["m.k"], json::parse(R"({"S": "not nested"})"));
  EXPECT_EQ(after["m"], sample_item()["m"]);
}

TEST(LegacyAttributeUpdates, AbsentOrEmpty) {
  EXPECT_FALSE(translate_attribute_updates(json::object()));
  EXPECT_FALSE(translate_attribute_updates(json::parse(R"({"AttributeUpdates": {}})")));
}

TEST(LegacyAttributeUpdates, Errors) {
  const auto update = [](std::string_view entry) {
    return error_of([&] {
      translate_attribute_updates({{"AttributeUpdates", {{"a", json::parse(entry)}}}});
    });
  };
  EXPECT_EQ(
      update(R"({"Action": "REPLACE", "Value": {"S": "x"}})"),
      validation(
          "1 validation error detected: Value 'REPLACE' at 'attributeUpdates.a.member.action' failed to "
          "satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"));
  EXPECT_EQ(update("{}"),
            invalid_parameter("Only DELETE action is allowed when no attribute value is specified"));
  EXPECT_EQ(update(R"({"Action": "ADD"})"),
            invalid_parameter("Only DELETE action is allowed when no attribute value is specified"));
  for (std::string_view type : {"S", "N", "B", "NULL", "BOOL", "M", "L"}) {
    json value;
    if (type == "S") value = {{"S", "1"}};
    if (type == "N") value = {{"N", "1"}};
    if (type == "B") value = {{"B", "Yg=="}};
    if (type == "NULL") value = {{"NULL", true}};
    if (type == "BOOL") value = {{"BOOL", true}};
    if (type == "M") value = {{"M", json::object()}};
    if (type == "L") value = {{"L", json::array()}};
    const json entry = {{"Action", "DELETE"}, {"Value", value}};
    EXPECT_EQ(
        update(entry.dump()),
        invalid_parameter("DELETE action with value is not supported for the type " + std::string(type)));
    if (type == "N" || type == "L") continue;
    const json add = {{"Action", "ADD"}, {"Value", value}};
    EXPECT_EQ(update(add.dump()),
              invalid_parameter("ADD action is not supported for the type " + std::string(type)));
  }
  EXPECT_EQ(update(R"({"Action": 1})"), "SerializationException: NUMBER_VALUE cannot be converted to String");
  EXPECT_EQ(update(R"({"Value": {"N": "x"}})").rfind("ValidationException: ", 0), 0U);
}

// ---- AttributesToGet ---------------------------------------------------------------------------

TEST(LegacyAttributesToGet, TextAndProjection) {
  const auto t = must(
      translate_attributes_to_get(json::parse(R"({"AttributesToGet": ["s", "name", "a.b", "missing"]})")));
  EXPECT_EQ(t.text, "#p0, #p1, #p2, #p3");
  EXPECT_EQ(t.names, json::parse(R"({"#p0": "s", "#p1": "name", "#p2": "a.b", "#p3": "missing"})"));
  EXPECT_TRUE(t.values.empty());
  expression_attributes attributes(&t.names, nullptr);
  const auto p = parse_projection(t.text, attributes);
  attributes.check_all_used();
  EXPECT_EQ(project(p, sample_item()),
            json::parse(R"({"s": {"S": "hello"}, "name": {"S": "reserved"}, "a.b": {"S": "dotted"}})"));
  EXPECT_FALSE(translate_attributes_to_get(json::object()));
}

TEST(LegacyAttributesToGet, Errors) {
  EXPECT_EQ(
      error_of([] { translate_attributes_to_get(json::parse(R"({"AttributesToGet": ["a", "b", "a"]})")); }),
      invalid_parameter("Duplicate value in attribute name: a"));
  EXPECT_EQ(
      error_of([] { translate_attributes_to_get(json::parse(R"({"AttributesToGet": []})")); }),
      validation("1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: "
                 "Member must have length greater than or equal to 1"));
  EXPECT_EQ(error_of([] {
              translate_attributes_to_get(json::parse(R"({"AttributesToGet": []})"),
                                          "requestItems.tbl.member.attributesToGet");
            }),
            validation(
                "1 validation error detected: Value '[]' at 'requestItems.tbl.member.attributesToGet' failed "
                "to satisfy constraint: Member must have length greater than or equal to 1"));
  EXPECT_EQ(error_of([] { translate_attributes_to_get(json::parse(R"({"AttributesToGet": "a"})")); }),
            "SerializationException: Unexpected field type");
}

// ---- Several translations in one request -------------------------------------------------------

TEST(LegacyMerge, PrefixesKeepPlaceholdersApart) {
  const json request = json::parse(R"({
    "Expected": {"n": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "10"}]}},
    "AttributeUpdates": {"n": {"Action": "ADD", "Value": {"N": "1"}}}})");
  const auto condition = must(translate_expected(request));
  const auto update_text = must(translate_attribute_updates(request));
  json names = condition.names;
  json values = condition.values;
  names.update(update_text.names);
  values.update(update_text.values);
  EXPECT_EQ(names.size(), 2U);
  EXPECT_EQ(values.size(), 2U);

  expression_attributes attributes(&names, &values);
  const auto parsed_condition = parse_condition(condition.text, attributes, "ConditionExpression");
  const auto parsed_update = parse_update(update_text.text, attributes);
  attributes.check_all_used();
  json item = sample_item();
  ASSERT_TRUE(evaluate(*parsed_condition, item));
  apply(*parsed_update, item);
  EXPECT_EQ(item["n"], json::parse(R"({"N": "11"})"));
}

}  // namespace
}  // namespace fogbank::dynamodb
