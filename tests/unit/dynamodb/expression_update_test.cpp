// Applying UpdateExpressions: SET (values, copies, arithmetic, list_append, if_not_exists,
// nested paths, list elements), REMOVE (with index shifting), ADD and DELETE on numbers and
// sets, and the run-time errors.

#include "error_text.hpp"
#include "expressions.hpp"

#include "fogbank/core/aws_error.hpp"

#include <gtest/gtest.h>

namespace fogbank::dynamodb {
namespace {

// Applies `text` to a copy of `item` and returns the result.
json updated(std::string_view text, const json& item, const json& values = json(),
             const json& names = json()) {
  expression_attributes attributes(names.is_null() ? nullptr : &names, values.is_null() ? nullptr : &values);
  const auto u = parse_update(text, attributes);
  json copy = item;
  apply(*u, copy);
  return copy;
}

std::string apply_error(std::string_view text, const json& item, const json& values = json()) {
  try {
    updated(text, item, values);
  } catch (const core::aws_error& e) {
    EXPECT_EQ(e.code(), core::error_code::validation);
    return e.message();
  }
  return "<no error>";
}

constexpr const char* missing_attribute =
    "The provided expression refers to an attribute that does not exist in the item";
constexpr const char* wrong_type = "An operand in the update expression has an incorrect data type";
constexpr const char* invalid_path =
    "The document path provided in the update expression is invalid for update";

TEST(ExpressionUpdate, SetValues) {
  EXPECT_EQ(updated("SET a = :v, b = :v", j(R"({"k": {"S": "1"}})"), j(R"({":v": {"N": "4"}})")),
            j(R"({"k": {"S": "1"}, "a": {"N": "4"}, "b": {"N": "4"}})"));
  EXPECT_EQ(updated("set a = :v", j(R"({"a": {"S": "old"}})"), j(R"({":v": {"L": []}})")),
            j(R"({"a": {"L": []}})"));
  EXPECT_EQ(updated("SET #odd = :v", json::object(), j(R"({":v": {"S": "x"}})"), j(R"({"#odd": "a.b"})")),
            j(R"({"a.b": {"S": "x"}})"));
}

TEST(ExpressionUpdate, SetCopiesReadTheItemBeforeTheUpdate) {
  const json item = j(R"({"a": {"S": "hello"}})");
  EXPECT_EQ(updated("SET b = a", item), j(R"({"a": {"S": "hello"}, "b": {"S": "hello"}})"));
  EXPECT_EQ(apply_error("SET c = z", item), missing_attribute);
  EXPECT_EQ(apply_error("SET c = z", json::object()), missing_attribute);
  // "SET x = :v, y = x" does not see the new x (alternator test_update_expression_set_copy).
  EXPECT_EQ(apply_error("SET x = :v, y = x", item, j(R"({":v": {"N": "4"}})")), missing_attribute);
  EXPECT_EQ(updated("SET a = b, b = a", j(R"({"a": {"N": "1"}, "b": {"N": "2"}})")),
            j(R"({"a": {"N": "2"}, "b": {"N": "1"}})"));
}

TEST(ExpressionUpdate, Arithmetic) {
  const json item = j(R"({"n": {"N": "0.1"}, "s": {"S": "x"}})");
  const json values = j(R"({":a": {"N": "0.2"}, ":big": {"N": "12345678901234567890123456789012345678"}})");
  EXPECT_EQ(updated("SET n = n + :a", item, values)["n"],
            j(R"({"N": "0.3"})"));  // exact, not binary floating point
  EXPECT_EQ(updated("SET n = n - :a", item, values)["n"], j(R"({"N": "-0.1"})"));
  EXPECT_EQ(updated("SET m = :a - n", item, values)["m"], j(R"({"N": "0.1"})"));
  EXPECT_EQ(updated("SET m = :big + :big", item, values)["m"],
            j(R"({"N": "24691357802469135780246913578024691356"})"));
  EXPECT_EQ(updated("SET m = (n + :a)", item, values)["m"], j(R"({"N": "0.3"})"));
  EXPECT_EQ(apply_error("SET n = s + :a", item, values), wrong_type);
  EXPECT_EQ(apply_error("SET n = absent + :a", item, values), missing_attribute);
  EXPECT_EQ(updated("SET n = if_not_exists(absent, :a) + :a", item, values)["n"], j(R"({"N": "0.4"})"));
}

TEST(ExpressionUpdate, ArithmeticErrorsComeFromDecimal) {
  const json item = j(R"({"n": {"N": "9.9999999999999999999999999999999999999E+125"}})");
  const json values = j(R"({":one": {"N": "1E+125"}, ":tiny": {"N": "1E-129"}, ":one_digit": {"N": "1"}})");
  EXPECT_EQ(apply_error("SET n = n + :one", item, values),
            "Number overflow. Attempting to store a number with magnitude larger than supported range");
  // Whatever core::decimal reports for an unrepresentable result is the message, verbatim.
  const auto sum = core::decimal::add(number_of(values[":one_digit"]), number_of(values[":tiny"]));
  ASSERT_TRUE(std::holds_alternative<std::string>(sum));
  EXPECT_EQ(apply_error("SET n = :one_digit + :tiny", item, values), std::get<std::string>(sum));
  const auto difference =
      core::decimal::subtract(number_of(values[":tiny"]), number_of(values[":one_digit"]));
  ASSERT_TRUE(std::holds_alternative<std::string>(difference));
  EXPECT_EQ(apply_error("SET n = :tiny - :one_digit", item, values), std::get<std::string>(difference));
}

TEST(ExpressionUpdate, ListAppendAndIfNotExists) {
  const json item = j(R"({"l": {"L": [{"N": "1"}]}, "s": {"S": "x"}})");
  const json values = j(R"({":l": {"L": [{"N": "2"}, {"N": "3"}]}, ":z": {"N": "0"}, ":empty": {"L": []}})");
  EXPECT_EQ(updated("SET l = list_append(l, :l)", item, values)["l"],
            j(R"({"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]})"));
  EXPECT_EQ(updated("SET l = list_append(:l, l)", item, values)["l"],
            j(R"({"L": [{"N": "2"}, {"N": "3"}, {"N": "1"}]})"));
  EXPECT_EQ(updated("SET m = list_append(if_not_exists(m, :empty), :l)", item, values)["m"],
            j(R"({"L": [{"N": "2"}, {"N": "3"}]})"));
  EXPECT_EQ(apply_error("SET l = list_append(s, :l)", item, values), wrong_type);
  EXPECT_EQ(apply_error("SET l = list_append(absent, :l)", item, values), missing_attribute);
  EXPECT_EQ(updated("SET d = if_not_exists(d, :z)", item, values)["d"], j(R"({"N": "0"})"));
  EXPECT_EQ(updated("SET s = if_not_exists(s, :z)", item, values)["s"], j(R"({"S": "x"})"));
}

TEST(ExpressionUpdate, SetNestedPaths) {
  const json item = j(
      R"({"a": {"M": {"b": {"N": "3"}, "c": {"L": [{"S": "hi"}, {"M": {"x": {"L": [{"N": "3"}, {"N": "5"}]}}}]}}}})");
  const json values = j(R"({":v": {"N": "9"}})");
  EXPECT_EQ(
      updated("SET a.c[1].#n[1] = :v", item, values, j(R"({"#n": "x"})"))["a"]["M"]["c"]["L"][1]["M"]["x"],
      j(R"({"L": [{"N": "3"}, {"N": "9"}]})"));
  EXPECT_EQ(updated("SET a.d = :v", item, values)["a"]["M"]["d"], values[":v"]);
  EXPECT_EQ(updated("SET a.b = :v", item, values)["a"]["M"]["b"], values[":v"]);
  EXPECT_EQ(updated("SET z = a.c[1].x[0]", item, values)["z"], j(R"({"N": "3"})"));
}

TEST(ExpressionUpdate, SetListElements) {
  const json item = j(R"({"a": {"L": [{"S": "one"}, {"S": "two"}, {"S": "three"}]}})");
  const json values =
      j(R"({":v": {"S": "hello"}, ":a1": {"S": "a1"}, ":a2": {"S": "a2"}, ":a3": {"S": "a3"}})");
  EXPECT_EQ(updated("SET a[1] = :v", item, values)["a"],
            j(R"({"L": [{"S": "one"}, {"S": "hello"}, {"S": "three"}]})"));
  // Past the end appends; several appends land in index order (developer guide, and
  // alternator test_nested_attribute_update_array_out_of_bounds).
  EXPECT_EQ(
      updated("SET a[84] = :a1, a[37] = :a2, a[17] = :a3", item, values)["a"],
      j(R"({"L": [{"S": "one"}, {"S": "two"}, {"S": "three"}, {"S": "a3"}, {"S": "a2"}, {"S": "a1"}]})"));
}

TEST(ExpressionUpdate, SetThroughAMissingOrWrongParentFails) {
  const json item = j(R"({"a": {"S": "hello"}, "b": {"L": [{"S": "hi"}]}})");
  const json values = j(R"({":v": {"N": "7"}})");
  EXPECT_EQ(apply_error("SET a.c = :v", item, values), invalid_path);
  EXPECT_EQ(apply_error("SET b.c = :v", item, values), invalid_path);
  EXPECT_EQ(apply_error("SET c.c = :v", item, values), invalid_path);
  EXPECT_EQ(apply_error("SET a[0] = :v", item, values), invalid_path);
  EXPECT_EQ(apply_error("SET c[0] = :v", item, values), invalid_path);
  EXPECT_EQ(apply_error("SET c.c = :v", json::object(), values), invalid_path);
}

TEST(ExpressionUpdate, Remove) {
  const json item =
      j(R"({"k": {"S": "1"}, "a": {"S": "x"}, "m": {"M": {"b": {"N": "1"}, "c": {"N": "2"}}}})");
  EXPECT_EQ(updated("REMOVE a, m.b", item), j(R"({"k": {"S": "1"}, "m": {"M": {"c": {"N": "2"}}}})"));
  EXPECT_EQ(updated("REMOVE absent, m.absent", item), item);
  EXPECT_EQ(updated("REMOVE m.b, m.c", item)["m"], j(R"({"M": {}})"));  // maps may be empty
  EXPECT_EQ(apply_error("REMOVE a.c", item), invalid_path);
  EXPECT_EQ(apply_error("REMOVE q.c", item), invalid_path);
  EXPECT_EQ(apply_error("REMOVE a[0]", item), invalid_path);
  // ... but on an item that does not exist, DynamoDB ignores them.
  EXPECT_EQ(updated("REMOVE x.y, z[0]", json::object()), json::object());
}

TEST(ExpressionUpdate, RemoveListElementsShiftsLaterElements) {
  const json item = j(R"({"a": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}, {"N": "3"}]}})");
  EXPECT_EQ(updated("REMOVE a[1]", item)["a"], j(R"({"L": [{"N": "0"}, {"N": "2"}, {"N": "3"}]})"));
  // Indexes name positions in the list as it was, whatever order they are written in.
  EXPECT_EQ(updated("REMOVE a[0], a[2]", item)["a"], j(R"({"L": [{"N": "1"}, {"N": "3"}]})"));
  EXPECT_EQ(updated("REMOVE a[2], a[0]", item)["a"], j(R"({"L": [{"N": "1"}, {"N": "3"}]})"));
  EXPECT_EQ(updated("REMOVE a[17]", item), item);
  EXPECT_EQ(updated("REMOVE a[0], a[1], a[2], a[3]", item)["a"], j(R"({"L": []})"));
}

TEST(ExpressionUpdate, RemoveAndSetInOneListUseOriginalIndexes) {
  // alternator test_update_expression_nested_remove_list_item_original_number.
  const json item =
      j(R"({"a": {"L": [{"N": "2"}, {"N": "3"}, {"N": "4"}, {"N": "5"}, {"N": "6"}, {"N": "7"}]}})");
  const json values = j(R"({":v": {"N": "17"}})");
  const json expected = j(R"({"L": [{"N": "2"}, {"N": "4"}, {"N": "17"}, {"N": "6"}, {"N": "7"}]})");
  EXPECT_EQ(updated("REMOVE a[1] SET a[3] = :v", item, values)["a"], expected);
  EXPECT_EQ(updated("SET a[3] = :v REMOVE a[1]", item, values)["a"], expected);
}

TEST(ExpressionUpdate, AddNumbers) {
  const json item = j(R"({"n": {"N": "3"}, "s": {"S": "hi"}, "m": {"M": {}}})");
  const json values = j(R"({":four": {"N": "4"}, ":tenth": {"N": "-0.1"}})");
  EXPECT_EQ(updated("ADD n :four", item, values)["n"], j(R"({"N": "7"})"));
  EXPECT_EQ(updated("ADD n :tenth", item, values)["n"], j(R"({"N": "2.9"})"));
  EXPECT_EQ(updated("ADD fresh :four", item, values)["fresh"], j(R"({"N": "4"})"));
  EXPECT_EQ(updated("ADD fresh :four", json::object(), values), j(R"({"fresh": {"N": "4"}})"));
  EXPECT_EQ(updated("ADD m.x :four", item, values)["m"], j(R"({"M": {"x": {"N": "4"}}})"));
  EXPECT_EQ(apply_error("ADD s :four", item, values), wrong_type);
}

TEST(ExpressionUpdate, AddSets) {
  const json item = j(
      R"({"ss": {"SS": ["dog", "cat"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AQ=="]}, "l": {"L": []}})");
  const json values =
      j(R"({":ss": {"SS": ["cat", "pig"]}, ":ns": {"NS": ["2.0", "3"]}, ":bs": {"BS": ["Ag=="]}})");
  EXPECT_EQ(updated("ADD ss :ss", item, values)["ss"], j(R"({"SS": ["dog", "cat", "pig"]})"));
  EXPECT_EQ(updated("ADD ns :ns", item, values)["ns"],
            j(R"({"NS": ["1", "2", "3"]})"));  // 2.0 is already there
  EXPECT_EQ(updated("ADD bs :bs", item, values)["bs"], j(R"({"BS": ["AQ==", "Ag=="]})"));
  EXPECT_EQ(updated("ADD fresh :ss", item, values)["fresh"], values[":ss"]);
  EXPECT_EQ(apply_error("ADD ss :ns", item, values), wrong_type);
  EXPECT_EQ(apply_error("ADD l :ss", item, values), wrong_type);
}

TEST(ExpressionUpdate, DeleteFromSets) {
  const json item = j(
      R"({"k": {"S": "1"}, "ss": {"SS": ["dog", "cat", "mouse"]}, "ns": {"NS": ["1", "2"]}, "s": {"S": "x"}})");
  const json values =
      j(R"({":cm": {"SS": ["cat", "mouse"]}, ":pig": {"SS": ["pig"]}, ":all": {"SS": ["dog", "cat", "mouse"]},
                             ":n": {"NS": ["1.0"]}, ":ns": {"NS": ["1", "2"]}})");
  EXPECT_EQ(updated("DELETE ss :cm", item, values)["ss"], j(R"({"SS": ["dog"]})"));
  EXPECT_EQ(updated("DELETE ss :pig", item, values)["ss"], item["ss"]);
  EXPECT_EQ(updated("DELETE ns :n", item, values)["ns"], j(R"({"NS": ["2"]})"));
  // Removing every element removes the attribute: sets cannot be empty.
  EXPECT_EQ(updated("DELETE ss :all, ns :ns", item, values), j(R"({"k": {"S": "1"}, "s": {"S": "x"}})"));
  EXPECT_EQ(updated("DELETE absent :pig", item, values), item);
  EXPECT_EQ(apply_error("DELETE ss :n", item, values), wrong_type);
  EXPECT_EQ(apply_error("DELETE s :pig", item, values), wrong_type);
}

TEST(ExpressionUpdate, AllClausesTogether) {
  const json item =
      j(R"({"k": {"S": "1"}, "a": {"N": "1"}, "gone": {"S": "x"}, "tags": {"SS": ["x", "y"]}})");
  const json values = j(R"({":one": {"N": "1"}, ":y": {"SS": ["y"]}, ":s": {"S": "v"}})");
  EXPECT_EQ(updated("SET b = :s REMOVE gone ADD a :one DELETE tags :y", item, values),
            j(R"({"k": {"S": "1"}, "a": {"N": "2"}, "b": {"S": "v"}, "tags": {"SS": ["x"]}})"));
}

TEST(ExpressionUpdate, UpdatedPaths) {
  const json values = j(R"({":v": {"S": "x"}, ":n": {"N": "1"}})");
  const json names = j(R"({"#x": "x y"})");
  expression_attributes attributes(&names, &values);
  const auto u = parse_update("REMOVE r[2] SET a.b = :v, #x = :v ADD n :n", attributes);
  const auto& paths = updated_paths(*u);
  ASSERT_EQ(paths.size(), 4u);
  EXPECT_EQ(to_string(paths[0]), "r[2]");
  EXPECT_EQ(to_string(paths[1]), "a.b");
  EXPECT_EQ(paths[2], (attribute_path{path_element{"x y", std::nullopt}}));
  EXPECT_EQ(to_string(paths[3]), "n");
}

}  // namespace
}  // namespace fogbank::dynamodb
