// Every ValidationException the expression parsers raise, with DynamoDB's exact wording, and
// the order in which DynamoDB reports several problems in one expression.

#include "error_text.hpp"
#include "expressions.hpp"

#include "fogbank/core/aws_error.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace fogbank::dynamodb {
namespace {

const json& values() {
  static const json v = json::parse(R"({
    ":v": {"S": "x"}, ":s": {"S": "x"}, ":n": {"N": "1"}, ":five": {"N": "5"}, ":twenty": {"N": "20"},
    ":b": {"B": "AQ=="}, ":bool": {"BOOL": true}, ":null": {"NULL": true}, ":l": {"L": []},
    ":m": {"M": {}}, ":ss": {"SS": ["a"]}, ":ns": {"NS": ["1"]}, ":bad_type": {"S": "X"}
  })");
  return v;
}

std::string condition_error(std::string_view text, const json& names = json(),
                            std::string_view parameter = "ConditionExpression") {
  return validation_message_of([&] {
    expression_attributes attributes(names.is_null() ? nullptr : &names, &values());
    parse_condition(text, attributes, parameter);
  });
}

std::string update_error(std::string_view text, const json& names = json()) {
  return validation_message_of([&] {
    expression_attributes attributes(names.is_null() ? nullptr : &names, &values());
    parse_update(text, attributes);
  });
}

// ---- Syntax errors ---------------------------------------------------------------------------

TEST(ExpressionErrors, SyntaxErrorAtEndNamesEofAndThePreviousToken) {
  // Real DynamoDB's answer, recorded by the LowVoltage exploration tests.
  EXPECT_EQ(condition_error("foo"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"foo\"");
  EXPECT_EQ(condition_error("a = :v AND"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\"");
  EXPECT_EQ(condition_error("a <"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"<\"");
}

TEST(ExpressionErrors, SyntaxErrorNearSpansPreviousThroughNextToken) {
  // aws/aws-cdk#7591, from DynamoDB: a lone ':' is no token.
  EXPECT_EQ(update_error("ADD hits : incr"),
            "Invalid UpdateExpression: Syntax error; token: \":\", near: \"hits : incr\"");
  // nubo-db/dynoxide#12, from DynamoDB's conformance run.
  EXPECT_EQ(update_error("INVALID SYNTAX HERE"),
            "Invalid UpdateExpression: Syntax error; token: \"INVALID\", near: \"INVALID SYNTAX\"");
  // alternator test_update_expression_name_token: names may not start with '_'.
  EXPECT_EQ(update_error("SET _123 = :v"),
            "Invalid UpdateExpression: Syntax error; token: \"_\", near: \"SET _123\"");
}

TEST(ExpressionErrors, MoreSyntaxErrors) {
  EXPECT_EQ(condition_error("a = :v b = :v"),
            "Invalid ConditionExpression: Syntax error; token: \"b\", near: \":v b =\"");
  EXPECT_EQ(condition_error("a AND b = :v"),
            "Invalid ConditionExpression: Syntax error; token: \"AND\", near: \"a AND b\"");
  EXPECT_EQ(condition_error("a IN ()"),
            "Invalid ConditionExpression: Syntax error; token: \")\", near: \"()\"");
  EXPECT_EQ(condition_error("a BETWEEN :n OR :five"),
            "Invalid ConditionExpression: Syntax error; token: \"OR\", near: \":n OR :five\"");
  EXPECT_EQ(condition_error("(a = :v) = :v"),
            "Invalid ConditionExpression: Syntax error; token: \"=\", near: \") = :v\"");
  EXPECT_EQ(condition_error("a = AND"),
            "Invalid ConditionExpression: Syntax error; token: \"AND\", near: \"= AND\"");
  EXPECT_EQ(condition_error("a == :v"),
            "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"== :v\"");
  EXPECT_EQ(condition_error("a = !v"),
            "Invalid ConditionExpression: Syntax error; token: \"!\", near: \"= !v\"");
  EXPECT_EQ(update_error("SET a[:v] = :v"),
            "Invalid UpdateExpression: Syntax error; token: \":v\", near: \"[:v]\"");
  EXPECT_EQ(update_error("SET a = :v,"),
            "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \",\"");
  EXPECT_EQ(update_error("SET a :v"),
            "Invalid UpdateExpression: Syntax error; token: \":v\", near: \"a :v\"");
  EXPECT_EQ(update_error("REMOVE a = :v"),
            "Invalid UpdateExpression: Syntax error; token: \"=\", near: \"a = :v\"");
  EXPECT_EQ(update_error("ADD a b"), "Invalid UpdateExpression: Syntax error; token: \"b\", near: \"a b\"");
  EXPECT_EQ(update_error("SET a = (:n + :n) + :n"),
            "Invalid UpdateExpression: Syntax error; token: \"+\", near: \") + :n\"");
  EXPECT_EQ(update_error("   "), "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"\"");
}

TEST(ExpressionErrors, EmptyExpression) {
  EXPECT_EQ(condition_error(""), "Invalid ConditionExpression: The expression can not be empty;");
  EXPECT_EQ(update_error(""), "Invalid UpdateExpression: The expression can not be empty;");
  EXPECT_EQ(condition_error("", json(), "FilterExpression"),
            "Invalid FilterExpression: The expression can not be empty;");
}

// ---- Reserved words and placeholders ---------------------------------------------------------

TEST(ExpressionErrors, ReservedWordAsBareName) {
  EXPECT_EQ(condition_error("status = :v"),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status");
  EXPECT_EQ(condition_error("a.Name = :v", json(), "FilterExpression"),
            "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: Name");
  EXPECT_EQ(update_error("SET a = :v, total = :n"),
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: total");
  // Through a placeholder the same name is fine, and function names are not attribute names.
  EXPECT_EQ(condition_error("#s = :v AND size(a) = :n", json{{"#s", "status"}}), "<no error>");
  // Words from every part of the list, including DynamoDB's misspellings.
  for (const char* word : {"ABORT", "zone", "Flattern", "INNTER", "loged", "ttl", "Year"}) {
    EXPECT_EQ(condition_error(std::string(word) + " = :v"),
              "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: " +
                  std::string(word));
  }
  for (const char* word : {"abortion", "statuses", "zones", "a"}) {
    EXPECT_EQ(condition_error(std::string(word) + " = :v"), "<no error>") << word;
  }
}

TEST(ExpressionErrors, UndefinedPlaceholders) {
  EXPECT_EQ(condition_error("a = :missing_value"),
            "Invalid ConditionExpression: An expression attribute value used in expression is not defined; "
            "attribute value: :missing_value");
  EXPECT_EQ(
      condition_error("#n = :v"),
      "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; "
      "attribute name: #n");
  // The prefix is confirmed for updates by nubo-db/dynoxide#13 and
  // awslabs/fhir-works-on-aws-persistence-ddb#142.
  EXPECT_EQ(update_error("SET a = :x"),
            "Invalid UpdateExpression: An expression attribute value used in expression is not defined; "
            "attribute value: :x");
  EXPECT_EQ(
      update_error("SET #subscriptionStatus = :v"),
      "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; "
      "attribute name: #subscriptionStatus");
}

TEST(ExpressionErrors, ReservedWordIsReportedBeforeUndefinedPlaceholder) {
  EXPECT_EQ(condition_error("a = :missing_value AND status = :v"),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status");
  EXPECT_EQ(update_error("SET a = :x, status = :v"),
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status");
}

TEST(ExpressionErrors, SyntaxErrorIsReportedBeforeEverythingElse) {
  EXPECT_EQ(condition_error("status = :missing_value AND"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\"");
}

// ---- Functions -------------------------------------------------------------------------------

TEST(ExpressionErrors, FunctionMisuse) {
  EXPECT_EQ(condition_error("size(a)"),
            "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; "
            "function: size");
  EXPECT_EQ(condition_error("begins_with(a, :s) = :bool"),
            "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; "
            "function: begins_with");
  EXPECT_EQ(condition_error("a IN (:v, attribute_exists(b))"),
            "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; "
            "function: attribute_exists");
  EXPECT_EQ(condition_error("foo(a)"), "Invalid ConditionExpression: Invalid function name; function: foo");
  EXPECT_EQ(condition_error("BEGINS_WITH(a, :s)"),
            "Invalid ConditionExpression: Invalid function name; function: BEGINS_WITH");
  EXPECT_EQ(condition_error("list_append(a, :l) = :l"),
            "Invalid ConditionExpression: The function is not allowed in a condition expression; function: "
            "list_append");
}

TEST(ExpressionErrors, FunctionOperands) {
  EXPECT_EQ(condition_error("begins_with(a)"),
            "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or "
            "function: begins_with, number of operands: 1");
  EXPECT_EQ(condition_error("attribute_exists(a, b)"),
            "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or "
            "function: attribute_exists, number of operands: 2");
  EXPECT_EQ(
      condition_error("attribute_exists(:v)"),
      "Invalid ConditionExpression: Operator or function requires a document path; operator or function: "
      "attribute_exists");
  EXPECT_EQ(
      condition_error("attribute_not_exists(:v)"),
      "Invalid ConditionExpression: Operator or function requires a document path; operator or function: "
      "attribute_not_exists");
  EXPECT_EQ(
      condition_error("begins_with(a, :n)"),
      "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: "
      "begins_with, operand type: N");
  EXPECT_EQ(
      condition_error("size(:bool) = :n"),
      "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: "
      "size, operand type: BOOL");
  EXPECT_EQ(
      condition_error("attribute_type(a, :n)"),
      "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: "
      "attribute_type, operand type: N");
  EXPECT_EQ(condition_error("attribute_type(a, :bad_type)"),
            "Invalid ConditionExpression: Invalid attribute type name found; type: X, valid types: "
            "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
  EXPECT_EQ(
      condition_error("contains(a, a)"),
      "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this "
      "operator or function; operator: contains, first operand: [a]");
}

// ---- Operators -------------------------------------------------------------------------------

TEST(ExpressionErrors, OperandsMustBeDistinct) {
  EXPECT_EQ(
      condition_error("a.b[1] = a.b[1]"),
      "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this "
      "operator or function; operator: =, first operand: [a, b, [1]]");
  EXPECT_EQ(
      condition_error("#x < a", json{{"#x", "a"}}),
      "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this "
      "operator or function; operator: <, first operand: [a]");
}

// Within one condition an undefined placeholder outranks an operand count, which outranks a
// distinct-operand problem, which outranks a function's operand type; across conditions the first
// condition with any of them decides (dynalite's conditionParser.pegjs checkConditionErrors; its
// scan.js 'functions with attr values instead of paths', pinned against DynamoDB).
TEST(ExpressionErrors, TheFirstConditionWithAProblemDecides) {
  const std::string needs_path =
      "Invalid ConditionExpression: Operator or function requires a document path; operator or function: "
      "attribute_exists";
  const std::string distinct =
      "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this "
      "operator or function; operator: =, first operand: [a]";
  EXPECT_EQ(condition_error("attribute_exists(:v) AND a = a"), needs_path);
  EXPECT_EQ(condition_error("a = a AND attribute_exists(:v)"), distinct);
  EXPECT_EQ(condition_error("(attribute_exists(:v)) OR (a = a)"), needs_path);
  EXPECT_EQ(condition_error("b = :v AND (a = a OR attribute_exists(:v))"), distinct);
  // In one condition, the kinds' order: distinct before the operand type.
  EXPECT_EQ(condition_error("begins_with(a, a) AND begins_with(b, :n)"),
            "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for "
            "this operator or function; operator: begins_with, first operand: [a]");
  // An undefined placeholder in a later condition does not outrank an earlier condition's problem.
  EXPECT_EQ(condition_error("attribute_exists(:v) AND a = :undefined"), needs_path);
  EXPECT_EQ(condition_error("a = :undefined AND attribute_exists(:v)"),
            "Invalid ConditionExpression: An expression attribute value used in expression is not defined; "
            "attribute value: :undefined");
}

TEST(ExpressionErrors, BetweenBounds) {
  EXPECT_EQ(
      condition_error("a BETWEEN :twenty AND :five"),
      "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to "
      "lower bound; lower bound operand: AttributeValue: {N:20}, upper bound operand: AttributeValue: {N:5}");
  EXPECT_EQ(
      condition_error("a BETWEEN :n AND :s"),
      "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; "
      "lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:x}");
  EXPECT_EQ(condition_error("a BETWEEN :five AND :twenty"), "<no error>");
}

TEST(ExpressionErrors, InAcceptsAtMostOneHundredOperands) {
  json many = json::object();
  std::string list;
  for (int i = 0; i < 101; ++i) {
    const std::string key = ":v" + std::to_string(i);
    many[key] = json{{"N", std::to_string(i)}};
    if (i > 0) list += ", ";
    list += key;
  }
  auto in_error = [&](std::size_t count) {
    std::string text = "a IN (";
    for (std::size_t i = 0; i < count; ++i) text += (i > 0 ? ", :v" : ":v") + std::to_string(i);
    text += ")";
    return validation_message_of([&] {
      expression_attributes attributes(nullptr, &many);
      parse_condition(text, attributes, "FilterExpression");
    });
  };
  EXPECT_EQ(in_error(100), "<no error>");
  // Wording from a DynamoDB answer quoted in reapit/foundations#8255.
  EXPECT_EQ(in_error(101),
            "Invalid FilterExpression: The IN operator is provided with too many operands; number of "
            "operands: 101");
}

TEST(ExpressionErrors, RedundantParentheses) {
  EXPECT_EQ(condition_error("((a = :v))"),
            "Invalid ConditionExpression: The expression has redundant parentheses;");
  EXPECT_EQ(condition_error("((a)) = :v"),
            "Invalid ConditionExpression: The expression has redundant parentheses;");
  EXPECT_EQ(condition_error("(a = :v) AND ((b = :v) OR c = :v)"), "<no error>");
}

// ---- Update expressions ----------------------------------------------------------------------

TEST(ExpressionErrors, SectionsAtMostOnce) {
  EXPECT_EQ(update_error("SET a = :v SET b = :v"),
            "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;");
  EXPECT_EQ(
      update_error("remove a ADD n :n REMOVE b"),
      "Invalid UpdateExpression: The \"REMOVE\" section can only be used once in an update expression;");
  EXPECT_EQ(update_error("ADD n :n ADD m :n"),
            "Invalid UpdateExpression: The \"ADD\" section can only be used once in an update expression;");
  EXPECT_EQ(
      update_error("DELETE s :ss DELETE t :ss"),
      "Invalid UpdateExpression: The \"DELETE\" section can only be used once in an update expression;");
}

TEST(ExpressionErrors, OverlappingAndConflictingPaths) {
  EXPECT_EQ(
      update_error("SET a = :v, a.b = :v"),
      "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of "
      "these paths; path one: [a], path two: [a, b]");
  // HENNGE/aiodynamo#2, from DynamoDB.
  EXPECT_EQ(
      update_error("SET f = :v REMOVE f"),
      "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of "
      "these paths; path one: [f], path two: [f]");
  EXPECT_EQ(
      update_error("REMOVE a.b[2].c ADD a.b[2] :n"),
      "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of "
      "these paths; path one: [a, b, [2], c], path two: [a, b, [2]]");
  EXPECT_EQ(
      update_error("SET a[1] = :v, a.b = :v"),
      "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of "
      "these paths; path one: [a, [1]], path two: [a, b]");
  EXPECT_EQ(
      update_error("SET a[1] = :v, a[2] = :v, a.b.c = :v, a.c = :v"),
      "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of "
      "these paths; path one: [a, [1]], path two: [a, b, c]");
  // Right-hand sides are not targets.
  EXPECT_EQ(update_error("SET a = a, b = a.c"), "<no error>");
}

TEST(ExpressionErrors, AddAndDeleteOperandTypes) {
  // The ADD wording is quoted from DynamoDB in alternator's test_update_expression_add_numbers.
  EXPECT_EQ(
      update_error("ADD a :s"),
      "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand "
      "type: STRING");
  EXPECT_EQ(
      update_error("ADD a :l"),
      "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand "
      "type: LIST");
  EXPECT_EQ(
      update_error("ADD a :m"),
      "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand "
      "type: MAP");
  EXPECT_EQ(
      update_error("ADD a :bool"),
      "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand "
      "type: BOOLEAN");
  EXPECT_EQ(
      update_error("ADD a :b"),
      "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand "
      "type: BINARY");
  EXPECT_EQ(
      update_error("DELETE a :n"),
      "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand "
      "type: NUMBER");
  EXPECT_EQ(
      update_error("DELETE a :null"),
      "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand "
      "type: NULL");
  EXPECT_EQ(update_error("ADD a :n, b :ss, c :ns DELETE d :ss"), "<no error>");
}

TEST(ExpressionErrors, UpdateFunctions) {
  EXPECT_EQ(
      update_error("SET a = list_append(a, :s)"),
      "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: "
      "list_append, operand type: S");
  EXPECT_EQ(
      update_error("SET a = a + :s"),
      "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, "
      "operand type: S");
  EXPECT_EQ(
      update_error("SET a = :l - a"),
      "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: -, "
      "operand type: L");
  EXPECT_EQ(update_error("SET a = if_not_exists(:v, :v)"),
            "Invalid UpdateExpression: Operator or function requires a document path; operator or function: "
            "if_not_exists");
  EXPECT_EQ(update_error("SET a = if_not_exists(a)"),
            "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or "
            "function: if_not_exists, number of operands: 1");
  EXPECT_EQ(update_error("SET a = foo(a)"), "Invalid UpdateExpression: Invalid function name; function: foo");
  EXPECT_EQ(update_error("SET a = size(b)"),
            "Invalid UpdateExpression: The function is not allowed in an update expression; function: size");
  EXPECT_EQ(update_error("SET a = list_append(if_not_exists(a, :l), :l), b = (:n + b)"), "<no error>");
}

// ---- ExpressionAttributeNames / ExpressionAttributeValues ------------------------------------

std::string attributes_error(const json& names, const json& values_map) {
  return validation_message_of([&] { expression_attributes attributes(&names, &values_map); });
}

TEST(ExpressionErrors, MalformedAttributeMaps) {
  EXPECT_EQ(attributes_error(json::object(), json()), "ExpressionAttributeNames must not be empty");
  EXPECT_EQ(attributes_error(json(), json::object()), "ExpressionAttributeValues must not be empty");
  EXPECT_EQ(attributes_error(json{{"x", "a"}}, json()),
            "ExpressionAttributeNames contains invalid key: Syntax error; key: \"x\"");
  // 4ossiblellc/dynamodb-update-expression#13, from DynamoDB.
  EXPECT_EQ(attributes_error(json{{"#sryLiyD8D-", "a"}}, json()),
            "ExpressionAttributeNames contains invalid key: Syntax error; key: \"#sryLiyD8D-\"");
  EXPECT_EQ(attributes_error(json{{"#", "a"}}, json()),
            "ExpressionAttributeNames contains invalid key: Syntax error; key: \"#\"");
  // As DynamoDB answers it (applications match on "... Empty attribute name for key #DE").
  EXPECT_EQ(attributes_error(json{{"#DE", ""}}, json()),
            "ExpressionAttributeNames contains invalid value: Empty attribute name for key #DE");
  EXPECT_EQ(attributes_error(json(), json{{"v", {{"S", "a"}}}}),
            "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\"");
  EXPECT_EQ(
      attributes_error(json(), json{{":v", json::object()}}),
      "ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, must contain "
      "exactly one of the supported datatypes for key :v");
  EXPECT_EQ(attributes_error(json{{"#a_1", "x"}}, json{{":B_2", {{"S", "a"}}}}), "<no error>");
}

TEST(ExpressionErrors, UnusedPlaceholders) {
  const json names = {{"#a", "a"}, {"#b", "b"}, {"#c", "c"}};
  const json vals = {{":x", {{"S", "1"}}}, {":y", {{"S", "2"}}}};
  {
    expression_attributes attributes(&names, &vals);
    parse_condition("#a = :x", attributes, "ConditionExpression");
    EXPECT_EQ(validation_message_of([&] { attributes.check_all_used(); }),
              "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b, #c}");
  }
  {
    expression_attributes attributes(&names, &vals);
    parse_condition("#a = :x", attributes, "ConditionExpression");
    parse_update("SET #b = #c", attributes);
    EXPECT_EQ(validation_message_of([&] { attributes.check_all_used(); }),
              "Value provided in ExpressionAttributeValues unused in expressions: keys: {:y}");
  }
  {
    // Placeholders used by any expression of the request count, projections included.
    expression_attributes attributes(&names, &vals);
    parse_condition("#a IN (:x, :y)", attributes, "FilterExpression");
    parse_projection("#b, #c.d", attributes);
    EXPECT_EQ(validation_message_of([&] { attributes.check_all_used(); }), "<no error>");
  }
  {
    expression_attributes attributes(nullptr, nullptr);
    EXPECT_EQ(validation_message_of([&] { attributes.check_all_used(); }), "<no error>");
  }
}

TEST(ExpressionErrors, ThrowingLookups) {
  const json names = {{"#a", "a"}};
  expression_attributes attributes(&names, nullptr);
  EXPECT_EQ(attributes.name("#a", "ProjectionExpression"), "a");
  EXPECT_EQ(
      validation_message_of([&] { attributes.name("#b", "ProjectionExpression"); }),
      "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; "
      "attribute name: #b");
  EXPECT_EQ(
      validation_message_of([&] { attributes.value(":b", "FilterExpression"); }),
      "Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute "
      "value: :b");
}

}  // namespace
}  // namespace fogbank::dynamodb
