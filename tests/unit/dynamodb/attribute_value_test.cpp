// AttributeValue validation, equality, ordering, base64 and item size
// (emulator/dynamodb/src/attribute_value.cpp). Where each message comes from is documented
// next to it in the implementation.

#include "attribute_value.hpp"

#include "fogbank/core/aws_error.hpp"
#include "fogbank/core/decimal.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <variant>
#include <vector>

namespace fogbank::dynamodb {
namespace {

using core::error_code;

// Runs `f` and checks it throws an aws_error of `code` with exactly `message`.
void expect_error(const std::function<void()>& f, error_code code, const std::string& message) {
  try {
    f();
    ADD_FAILURE() << "expected " << core::describe(code).name << ": " << message;
  } catch (const core::aws_error& e) {
    EXPECT_EQ(e.code(), code) << e.message();
    EXPECT_EQ(e.message(), message);
  }
}

void expect_invalid(const json& value, const std::string& message) {
  expect_error([&] { validate_value(value); }, error_code::validation, message);
}

void expect_unreadable(const json& value, const std::string& message) {
  expect_error([&] { validate_value(value); }, error_code::serialization, message);
}

// The message decimal::parse gives for `text`; validate_value passes it through unchanged.
std::string number_message(const std::string& text) {
  auto parsed = core::decimal::parse(text);
  EXPECT_TRUE(std::holds_alternative<std::string>(parsed)) << text << " should not parse";
  return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : std::string();
}

core::decimal dec(const std::string& text) {
  return std::get<core::decimal>(core::decimal::parse(text));
}

// `levels` maps wrapped around a string leaf: the leaf sits at level levels + 1.
json nested_maps(int levels) {
  json value = {{"S", "leaf"}};
  for (int i = 0; i < levels; ++i) value = json{{"M", {{"n", value}}}};
  return value;
}

const std::string empty_value =
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
const std::string nesting =
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond "
    "supported limit";

// ---- Validation: accepted values ---------------------------------------------------------------

TEST(AttributeValueValidate, AcceptsEveryType) {
  for (const auto& value : {
           json{{"S", "text"}},
           json{{"N", "-12.5e3"}},
           json{{"B", "YWJj"}},
           json{{"BOOL", false}},
           json{{"NULL", true}},
           json{{"M", {{"a", {{"S", "x"}}}, {"b", {{"N", "1"}}}}}},
           json{{"L", {{{"S", "x"}}, {{"L", json::array()}}}}},
           json{{"SS", {"a", "b"}}},
           json{{"NS", {"1", "2.5", "-3"}}},
           json{{"BS", {"YQ==", "Yg=="}}},
       }) {
    EXPECT_NO_THROW(validate_value(value)) << value.dump();
  }
}

TEST(AttributeValueValidate, AcceptsEmptyStringsBinariesAndDocuments) {
  // Empty S and B are allowed outside keys since May 2020, also inside sets; empty L and M always.
  for (const auto& value : {
           json{{"S", ""}},
           json{{"B", ""}},
           json{{"SS", {""}}},
           json{{"BS", {"", "YQ=="}}},
           json{{"L", json::array()}},
           json{{"M", json::object()}},
       }) {
    EXPECT_NO_THROW(validate_value(value)) << value.dump();
  }
}

TEST(AttributeValueValidate, IgnoresUnknownAndNullMembers) {
  // The deserializer drops members it does not know and members whose value is null.
  EXPECT_NO_THROW(validate_value(json{{"S", "a"}, {"X", 1}}));
  EXPECT_NO_THROW(validate_value(json{{"S", "a"}, {"N", nullptr}}));
}

// ---- Validation: ValidationException -----------------------------------------------------------

TEST(AttributeValueValidate, RejectsEmptyValue) {
  expect_invalid(json::object(), empty_value);
  expect_invalid(json{{"s", "lower-case type"}}, empty_value);
  expect_invalid(json{{"S", nullptr}}, empty_value);
  expect_invalid(nullptr, empty_value);
}

TEST(AttributeValueValidate, RejectsSeveralTypes) {
  expect_invalid(json{{"S", "a"}, {"N", "1"}},
                 "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
                 "supported datatypes");
}

TEST(AttributeValueValidate, MemberErrorsComeBeforeTheTypeCount) {
  expect_invalid(json{{"S", "a"}, {"NULL", false}},
                 "One or more parameter values were invalid: Null attribute value types must have the value "
                 "of true");
}

TEST(AttributeValueValidate, RejectsNullFalse) {
  expect_invalid(json{{"NULL", false}},
                 "One or more parameter values were invalid: Null attribute value types must have the value "
                 "of true");
}

TEST(AttributeValueValidate, RejectsEmptySets) {
  // The double spaces are DynamoDB's.
  expect_invalid(json{{"SS", json::array()}},
                 "One or more parameter values were invalid: An string set  may not be empty");
  expect_invalid(json{{"NS", json::array()}},
                 "One or more parameter values were invalid: An number set  may not be empty");
  expect_invalid(json{{"BS", json::array()}},
                 "One or more parameter values were invalid: Binary sets should not be empty");
}

TEST(AttributeValueValidate, RejectsDuplicateStrings) {
  expect_invalid(
      json{{"SS", {"a", "b", "a"}}},
      "One or more parameter values were invalid: Input collection [a, b, a] contains duplicates.");
}

TEST(AttributeValueValidate, RejectsNumericallyDuplicateNumbers) {
  expect_invalid(json{{"NS", {"1", "1.0"}}}, "Input collection contains duplicates");
  expect_invalid(json{{"NS", {"100", "1e2"}}}, "Input collection contains duplicates");
}

TEST(AttributeValueValidate, RejectsDuplicateBinaries) {
  expect_invalid(
      json{{"BS", {"Yg==", "Yg=="}}},
      "One or more parameter values were invalid: Input collection [Yg==, Yg==]of type BS contains "
      "duplicates.");
  expect_invalid(json{{"BS", {"", ""}}},
                 "One or more parameter values were invalid: Input collection [, ]of type BS contains "
                 "duplicates.");
}

TEST(AttributeValueValidate, RejectsNullSetMembers) {
  expect_invalid(json{{"SS", {"a", nullptr}}},
                 "One or more parameter values were invalid: An string set may not have a empty string as a "
                 "member");
  expect_invalid(json{{"NS", {"1", nullptr}}}, "The parameter cannot be converted to a numeric value");
  expect_invalid(
      json{{"BS", {nullptr}}},
      "One or more parameter values were invalid: Binary sets may not contain null or empty values");
}

TEST(AttributeValueValidate, PassesNumberErrorsThrough) {
  // The wording belongs to core::decimal; these check it reaches the client unchanged.
  for (const std::string text : {"", "abc", "1e126", "1e-131", "123456789012345678901234567890123456789"}) {
    expect_invalid(json{{"N", text}}, number_message(text));
    expect_invalid(json{{"NS", {"1", text}}}, number_message(text));
  }
}

TEST(AttributeValueValidate, NumberErrorsComeBeforeDuplicates) {
  expect_invalid(json{{"NS", {"1", "1", "x"}}}, number_message("x"));
}

TEST(AttributeValueValidate, ChecksNestedValues) {
  expect_invalid(json{{"M", {{"a", json::object()}}}}, empty_value);
  expect_invalid(json{{"L", {json::object()}}}, empty_value);
  expect_invalid(json{{"L", {nullptr}}}, empty_value);
  expect_invalid(json{{"L", {{{"M", {{"b", {{"SS", json::array()}}}}}}}}},
                 "One or more parameter values were invalid: An string set  may not be empty");
  expect_invalid(json{{"M", {{"a", {{"NULL", false}}}}}},
                 "One or more parameter values were invalid: Null attribute value types must have the value "
                 "of true");
}

TEST(AttributeValueValidate, AcceptsThirtyTwoLevelsOfNesting) {
  // 31 maps put the leaf at level 32, DynamoDB's limit; 32 maps put it at 33.
  EXPECT_NO_THROW(validate_value(nested_maps(31)));
  expect_invalid(nested_maps(32), nesting);
}

TEST(AttributeValueValidate, CountsListsAsLevelsToo) {
  json value = {{"NULL", true}};
  for (int i = 0; i < 31; ++i) value = i % 2 == 0 ? json{{"L", {value}}} : json{{"M", {{"k", value}}}};
  EXPECT_NO_THROW(validate_value(value));
  expect_invalid(json{{"L", {value}}}, nesting);
  // An empty document at level 33 is as deep as a leaf there.
  json empty_list = {{"L", json::array()}};
  for (int i = 0; i < 32; ++i) empty_list = json{{"L", {empty_list}}};
  expect_invalid(empty_list, nesting);
}

// ---- Validation: SerializationException --------------------------------------------------------
// DynamoDB's deserializer's wording today (dynalite's test/helpers.js assertType 'AttrStruct').

TEST(AttributeValueValidate, RejectsWrongJsonTypesForStrings) {
  expect_unreadable(json{{"S", 1}}, "NUMBER_VALUE cannot be converted to String");
  expect_unreadable(json{{"N", 5}}, "NUMBER_VALUE cannot be converted to String");
  expect_unreadable(json{{"N", 1.5}}, "DECIMAL_VALUE cannot be converted to String");
  expect_unreadable(json{{"S", true}}, "TRUE_VALUE cannot be converted to String");
  expect_unreadable(json{{"S", json::array()}}, "Unrecognized collection type class java.lang.String");
  expect_unreadable(json{{"S", json::object()}}, "Start of structure or map found where not expected");
  expect_unreadable(json{{"SS", {1}}}, "NUMBER_VALUE cannot be converted to String");
  expect_unreadable(json{{"NS", {true}}}, "TRUE_VALUE cannot be converted to String");
}

TEST(AttributeValueValidate, RejectsWrongJsonTypesForBinaries) {
  expect_unreadable(json{{"B", 1}}, "only base-64-encoded strings are convertible to bytes");
  expect_unreadable(json{{"B", false}}, "only base-64-encoded strings are convertible to bytes");
  expect_unreadable(json{{"B", json::array()}}, "Unrecognized collection type class java.nio.ByteBuffer");
  expect_unreadable(json{{"BS", {json::object()}}}, "Start of structure or map found where not expected");
}

TEST(AttributeValueValidate, RejectsWrongJsonTypesForBooleans) {
  // No text reads as a boolean here, not even "true".
  expect_unreadable(json{{"BOOL", "maybe"}}, "Unexpected token received from parser");
  expect_unreadable(json{{"NULL", "true"}}, "Unexpected token received from parser");
  expect_unreadable(json{{"BOOL", 1}}, "NUMBER_VALUE cannot be converted to Boolean");
  expect_unreadable(json{{"BOOL", 34.56}}, "DECIMAL_VALUE cannot be converted to Boolean");
  expect_unreadable(json{{"NULL", json::array()}}, "Unrecognized collection type class java.lang.Boolean");
}

TEST(AttributeValueValidate, RejectsWrongJsonTypesForDocumentsAndSets) {
  expect_unreadable(json{{"L", "x"}}, "Unexpected field type");
  expect_unreadable(json{{"SS", "a"}}, "Unexpected field type");
  expect_unreadable(json{{"NS", 1}}, "Unexpected field type");
  expect_unreadable(json{{"BS", json::object()}}, "Start of structure or map found where not expected");
  expect_unreadable(json{{"M", "x"}}, "Unexpected field type");
  expect_unreadable(json{{"M", json::array()}},
                    "Unrecognized collection type java.util.Map<java.lang.String, "
                    "com.amazonaws.dynamodb.v20120810.AttributeValue>");
  expect_unreadable(json{{"M", {{"a", 5}}}}, "Unexpected value type in payload");
  expect_unreadable(json{{"L", {json::array()}}},
                    "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue");
}

TEST(AttributeValueValidate, RejectsAValueThatIsNotAnObject) {
  expect_unreadable(json("x"), "Unexpected value type in payload");
  expect_unreadable(json(3), "Unexpected value type in payload");
  expect_unreadable(json::array(),
                    "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue");
}

TEST(AttributeValueValidate, RejectsBadBase64) {
  expect_unreadable(json{{"B", "abc"}},
                    "Base64 encoded length is expected a multiple of 4 bytes but found: 3");
  // A character outside the alphabet (today's wording not on record; deserializer.cpp).
  expect_unreadable(json{{"B", "ab$="}}, "Invalid Base64 character: '$'");
  expect_unreadable(json{{"B", "ab-_"}}, "Invalid Base64 character: '-'");
  expect_unreadable(json{{"B", "ab\xC3\xA9"}}, "Invalid Base64 character: '\xC3\xA9'");
  // Padding in the wrong place, and bits a padded quad does not use ("YR==" is not how any byte
  // encodes): dynalite's '=+/=' and '+/+='.
  expect_unreadable(json{{"B", "=+/="}}, "Invalid last non-pad Base64 character dectected");
  expect_unreadable(json{{"B", "+/+="}}, "Invalid last non-pad Base64 character dectected");
  expect_unreadable(json{{"B", "a=bc"}}, "Invalid last non-pad Base64 character dectected");
  expect_unreadable(json{{"B", "YR=="}}, "Invalid last non-pad Base64 character dectected");
  expect_unreadable(json{{"B", "A==="}}, "Invalid last non-pad Base64 character dectected");
  expect_unreadable(json{{"BS", {"YQ==", "Yg"}}},
                    "Base64 encoded length is expected a multiple of 4 bytes but found: 2");
}

TEST(AttributeValueValidate, ShapesAreCheckedBeforeValidation) {
  // DynamoDB deserializes the whole request before validating it.
  expect_unreadable(json{{"L", {{{"NULL", false}}, {{"S", 1}}}}},
                    "NUMBER_VALUE cannot be converted to String");
}

TEST(AttributeValueValidate, ValidatesItems) {
  EXPECT_NO_THROW(validate_item(json{{"id", {{"S", "1"}}}, {"n", {{"N", "2"}}}}));
  EXPECT_NO_THROW(validate_item(json::object()));
  expect_error(
      [] {
        validate_item(json{{"id", {{"S", "1"}}}, {"bad", {{"NULL", false}}}});
      },
      error_code::validation,
      "One or more parameter values were invalid: Null attribute value types must have the value of "
      "true");
  expect_error(
      [] {
        validate_item(json{{"a", {{"NULL", false}}}, {"b", {{"S", 1}}}});
      },
      error_code::serialization, "NUMBER_VALUE cannot be converted to String");
  expect_error(
      [] {
        validate_item(json{{"a", "x"}});
      },
      error_code::serialization, "Unexpected value type in payload");
  expect_error([] { validate_item(json("x")); }, error_code::serialization, "Unexpected field type");
  expect_error([] { validate_item(json::array()); }, error_code::serialization,
               "Unrecognized collection type java.util.Map<java.lang.String, "
               "com.amazonaws.dynamodb.v20120810.AttributeValue>");
}

// ---- Types and numbers -------------------------------------------------------------------------

TEST(AttributeValueTypes, NamesRoundTrip) {
  for (const auto type : {value_type::S, value_type::N, value_type::B, value_type::BOOL, value_type::NUL,
                          value_type::M, value_type::L, value_type::SS, value_type::NS, value_type::BS}) {
    EXPECT_EQ(type_from_name(type_name(type)), type);
  }
  EXPECT_EQ(type_name(value_type::NUL), "NULL");
  EXPECT_EQ(type_from_name("NULL"), value_type::NUL);
  EXPECT_EQ(type_from_name("NUL"), std::nullopt);
  EXPECT_EQ(type_from_name("s"), std::nullopt);
}

TEST(AttributeValueTypes, TypeOf) {
  EXPECT_EQ(type_of(json{{"SS", {"a"}}}), value_type::SS);
  EXPECT_EQ(type_of(json{{"NULL", true}}), value_type::NUL);
  EXPECT_EQ(type_of(json{{"X", 1}, {"M", json::object()}}), value_type::M);
}

TEST(AttributeValueNumber, ReadsAndWritesNumbers) {
  EXPECT_EQ(number_of(json{{"N", "1.50"}}), dec("1.5"));
  EXPECT_EQ(make_number(dec("1.5e3")), (json{{"N", dec("1500").to_string()}}));
  EXPECT_EQ(make_number(dec("-0.25")), (json{{"N", "-0.25"}}));
  expect_error([] { number_of(json{{"N", "x"}}); }, error_code::validation, number_message("x"));
}

// ---- Equality ----------------------------------------------------------------------------------

TEST(AttributeValueEqual, ComparesNumbersNumerically) {
  EXPECT_TRUE(values_equal(json{{"N", "1.0"}}, json{{"N", "1"}}));
  EXPECT_TRUE(values_equal(json{{"N", "1e2"}}, json{{"N", "100"}}));
  EXPECT_TRUE(values_equal(json{{"N", "-0"}}, json{{"N", "0"}}));
  EXPECT_FALSE(values_equal(json{{"N", "1"}}, json{{"N", "1.000001"}}));
}

TEST(AttributeValueEqual, ComparesScalars) {
  EXPECT_TRUE(values_equal(json{{"S", "a"}}, json{{"S", "a"}}));
  EXPECT_FALSE(values_equal(json{{"S", "a"}}, json{{"S", "A"}}));
  EXPECT_TRUE(values_equal(json{{"B", "YWJj"}}, json{{"B", "YWJj"}}));
  EXPECT_FALSE(values_equal(json{{"B", "YQ=="}}, json{{"B", "Yg=="}}));
  EXPECT_TRUE(values_equal(json{{"BOOL", true}}, json{{"BOOL", true}}));
  EXPECT_FALSE(values_equal(json{{"BOOL", true}}, json{{"BOOL", false}}));
  EXPECT_TRUE(values_equal(json{{"NULL", true}}, json{{"NULL", true}}));
}

TEST(AttributeValueEqual, DifferentTypesAreNeverEqual) {
  EXPECT_FALSE(values_equal(json{{"S", "1"}}, json{{"N", "1"}}));
  EXPECT_FALSE(values_equal(json{{"SS", {"a"}}}, json{{"L", {{{"S", "a"}}}}}));
  EXPECT_FALSE(values_equal(json{{"B", ""}}, json{{"S", ""}}));
}

TEST(AttributeValueEqual, ComparesSetsWithoutOrder) {
  EXPECT_TRUE(values_equal(json{{"SS", {"a", "b"}}}, json{{"SS", {"b", "a"}}}));
  EXPECT_FALSE(values_equal(json{{"SS", {"a", "b"}}}, json{{"SS", {"a"}}}));
  EXPECT_TRUE(values_equal(json{{"NS", {"1", "2.0"}}}, json{{"NS", {"2", "1.00"}}}));
  EXPECT_FALSE(values_equal(json{{"NS", {"1", "2"}}}, json{{"NS", {"1", "3"}}}));
  EXPECT_TRUE(values_equal(json{{"BS", {"YQ==", "Yg=="}}}, json{{"BS", {"Yg==", "YQ=="}}}));
  EXPECT_FALSE(values_equal(json{{"BS", {"YQ=="}}}, json{{"BS", {"Yg=="}}}));
}

TEST(AttributeValueEqual, ComparesListsInOrder) {
  const json ab = {{"L", {{{"S", "a"}}, {{"N", "1"}}}}};
  EXPECT_TRUE(values_equal(ab, json{{"L", {{{"S", "a"}}, {{"N", "1.0"}}}}}));
  EXPECT_FALSE(values_equal(ab, json{{"L", {{{"N", "1"}}, {{"S", "a"}}}}}));
  EXPECT_FALSE(values_equal(ab, json{{"L", {{{"S", "a"}}}}}));
  EXPECT_TRUE(values_equal(json{{"L", json::array()}}, json{{"L", json::array()}}));
}

TEST(AttributeValueEqual, ComparesMapsMemberByMember) {
  const json m = {{"M", {{"a", {{"N", "1"}}}, {"b", {{"L", {{{"SS", {"x", "y"}}}}}}}}}};
  EXPECT_TRUE(values_equal(m, json{{"M", {{"b", {{"L", {{{"SS", {"y", "x"}}}}}}}, {"a", {{"N", "1.0"}}}}}}));
  EXPECT_FALSE(values_equal(m, json{{"M", {{"a", {{"N", "1"}}}}}}));
  EXPECT_FALSE(values_equal(m, json{{"M", {{"a", {{"N", "1"}}}, {"c", {{"L", {{{"SS", {"x", "y"}}}}}}}}}}));
  EXPECT_TRUE(values_equal(json{{"M", json::object()}}, json{{"M", json::object()}}));
}

// ---- Ordering ----------------------------------------------------------------------------------

TEST(AttributeValueCompare, OrdersStringsByUtf8Bytes) {
  EXPECT_EQ(compare_scalars(json{{"S", "a"}}, json{{"S", "b"}}), -1);
  EXPECT_EQ(compare_scalars(json{{"S", "b"}}, json{{"S", "a"}}), 1);
  EXPECT_EQ(compare_scalars(json{{"S", "a"}}, json{{"S", "a"}}), 0);
  EXPECT_EQ(compare_scalars(json{{"S", "Z"}}, json{{"S", "a"}}), -1);  // ASCII, not case-folded
  EXPECT_EQ(compare_scalars(json{{"S", "ab"}}, json{{"S", "abc"}}), -1);
  EXPECT_EQ(compare_scalars(json{{"S", ""}}, json{{"S", "a"}}), -1);
  // "é" is C3 A9: above every ASCII byte when bytes are unsigned.
  EXPECT_EQ(compare_scalars(json{{"S", "\xC3\xA9"}}, json{{"S", "z"}}), 1);
}

TEST(AttributeValueCompare, OrdersNumbersNumerically) {
  EXPECT_EQ(compare_scalars(json{{"N", "2"}}, json{{"N", "10"}}), -1);  // not text order
  EXPECT_EQ(compare_scalars(json{{"N", "-1"}}, json{{"N", "0.5"}}), -1);
  EXPECT_EQ(compare_scalars(json{{"N", "-10"}}, json{{"N", "-9"}}), -1);
  EXPECT_EQ(compare_scalars(json{{"N", "1.0"}}, json{{"N", "1"}}), 0);
  EXPECT_EQ(compare_scalars(json{{"N", "1E-130"}}, json{{"N", "0"}}), 1);
}

TEST(AttributeValueCompare, OrdersBinariesByUnsignedBytes) {
  // "/w==" is FF and "AA==" is 00: as text "/" sorts before "A", as bytes FF is after 00.
  EXPECT_EQ(compare_scalars(json{{"B", "/w=="}}, json{{"B", "AA=="}}), 1);
  EXPECT_EQ(compare_scalars(json{{"B", "AA=="}}, json{{"B", "AAA="}}), -1);  // 00 < 00 00
  EXPECT_EQ(compare_scalars(json{{"B", "YWJj"}}, json{{"B", "YWJj"}}), 0);
  EXPECT_EQ(compare_scalars(json{{"B", ""}}, json{{"B", "AA=="}}), -1);
}

TEST(AttributeValueCompare, OnlyComparesScalarsOfOneType) {
  EXPECT_EQ(compare_scalars(json{{"S", "1"}}, json{{"N", "1"}}), std::nullopt);
  EXPECT_EQ(compare_scalars(json{{"BOOL", true}}, json{{"BOOL", false}}), std::nullopt);
  EXPECT_EQ(compare_scalars(json{{"NULL", true}}, json{{"NULL", true}}), std::nullopt);
  EXPECT_EQ(compare_scalars(json{{"SS", {"a"}}}, json{{"SS", {"a"}}}), std::nullopt);
  EXPECT_EQ(compare_scalars(json{{"L", json::array()}}, json{{"L", json::array()}}), std::nullopt);
}

// ---- base64 ------------------------------------------------------------------------------------

// B and BS use core's canonical base64 (tests/unit/core/encoding_test.cpp): DynamoDB refuses
// every other encoding of the same bytes.
TEST(AttributeValueBase64, RejectsMalformedText) {
  for (const std::string_view text : {
           "Zg=",         // length not a multiple of 4
           "Zg",          // unpadded
           "Zg=a",        // data after padding
           "Zg==Zg==",    // padding before the end
           "Z===",        // three padding characters
           "====",        // nothing but padding
           "Zh==",        // unused bits set: not the canonical encoding of any byte
           "Zm9=",        // the same with one padding character
           "Zm-_",        // URL-safe alphabet
           "Zm 9",        // whitespace
           "Zm9\n",       // newline
           "Zm\xC3\xA9",  // non-ASCII
       }) {
    EXPECT_EQ(base64_decode(text), std::nullopt) << text;
  }
}

// ---- Sizes -------------------------------------------------------------------------------------
// Expected sizes are worked out by hand from the rules cited in attribute_value.cpp: S = UTF-8
// bytes; N = base-100 digit pairs (aligned on the decimal point, from the first to the last
// non-zero pair) + 1, + 1 if negative, at most 21, zero = 1; B = decoded bytes; BOOL/NULL = 1;
// L/M = 3 + per element (1 + element, + key bytes for M); sets = sum of members.

TEST(AttributeValueSize, Strings) {
  EXPECT_EQ(value_size(json{{"S", ""}}), 0u);
  EXPECT_EQ(value_size(json{{"S", "abc"}}), 3u);
  EXPECT_EQ(value_size(json{{"S", "\xC3\xA9"}}), 2u);      // é
  EXPECT_EQ(value_size(json{{"S", "\xE2\x82\xAC"}}), 3u);  // €
}

// Numbers in DynamoDB's own plain notation are sized from their text, others by parsing them:
// both ways must agree on every number. "e0" makes the same number take the parsing way.
TEST(AttributeValueSize, CanonicalNumbersSizeAsTheirParsedForm) {
  std::mt19937_64 random(20261201);
  const auto digits = [&](std::size_t count, bool nonzero_first, bool nonzero_last) {
    std::string out;
    for (std::size_t i = 0; i < count; ++i) {
      const bool edge = (i == 0 && nonzero_first) || (i + 1 == count && nonzero_last);
      out.push_back(static_cast<char>('0' + (edge ? 1 + random() % 9 : random() % 10)));
    }
    return out;
  };
  int fast = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::size_t integer_digits = random() % 24;
    const std::size_t fraction_digits = random() % 24;
    std::string text = random() % 3 == 0 ? "-" : "";
    text += integer_digits == 0 ? "0" : digits(integer_digits, true, false);
    if (fraction_digits > 0) text += "." + digits(fraction_digits, false, true);
    const std::size_t expected = value_size(json{{"N", text + "e0"}});
    EXPECT_EQ(value_size(json{{"N", text}}), expected) << text;
    EXPECT_EQ(value_size(json{{"NS", {text}}}), expected) << text;
    if (expected > 0) ++fast;
  }
  // Zero, the sign of zero, and numbers that are not in plain notation take the parsing way.
  for (const std::string text : {"0", "-0", "0.0", "00", "1.50", "-0.000", "012", "0.10"}) {
    EXPECT_EQ(value_size(json{{"N", text}}), value_size(json{{"N", text + "e0"}})) << text;
  }
  EXPECT_GT(fast, 15000);  // most drawn numbers are valid (39+ significant digits are not)
}

// normalize_numbers keeps a number already in canonical form without parsing it: what it leaves
// must be what parsing and printing give, for canonical texts and for every other spelling.
TEST(NormalizeNumbers, EveryNumberEndsAsItsParsedForm) {
  std::mt19937_64 random(20261202);
  const auto digits = [&](std::size_t count) {
    std::string out;
    for (std::size_t i = 0; i < count; ++i) out.push_back(static_cast<char>('0' + random() % 10));
    return out;
  };
  const auto parsed_form = [](const std::string& text) {
    auto parsed = core::decimal::parse(text);
    return std::get<core::decimal>(parsed).to_string();
  };
  std::vector<std::string> texts{"0",     "-0", "0.0", "00",  "1.50", "-0.000", "012",    "0.10", "1e3",
                                 "-1E-2", "1.", ".5",  "-.5", "+7",   "10",     "-10.01", "5.0e1"};
  for (int i = 0; i < 20000; ++i) {
    std::string text = random() % 3 == 0 ? "-" : "";
    text += digits(1 + random() % 22);
    if (random() % 2 == 0) text += "." + digits(1 + random() % 22);
    if (random() % 8 == 0) text += "e" + std::to_string(static_cast<int>(random() % 20) - 10);
    texts.push_back(std::move(text));
  }
  int kept = 0;
  for (const std::string& text : texts) {
    if (!std::holds_alternative<core::decimal>(core::decimal::parse(text)))
      continue;  // not a number DynamoDB takes
    json item{{"n", {{"N", text}}}, {"s", {{"NS", {text}}}}};
    normalize_numbers(item);
    const std::string expected = parsed_form(text);
    EXPECT_EQ(item["n"]["N"], expected) << text;
    EXPECT_EQ(item["s"]["NS"][0], expected) << text;
    if (expected == text) ++kept;
  }
  EXPECT_GT(kept, 5000);  // the random texts include many canonical ones
}

TEST(AttributeValueSize, Numbers) {
  EXPECT_EQ(value_size(json{{"N", "0"}}), 1u);
  EXPECT_EQ(value_size(json{{"N", "1"}}), 2u);     // 01 -> 1 pair + 1
  EXPECT_EQ(value_size(json{{"N", "12"}}), 2u);    // 12
  EXPECT_EQ(value_size(json{{"N", "123"}}), 3u);   // 01 23
  EXPECT_EQ(value_size(json{{"N", "-123"}}), 4u);  // 01 23, + 1 for the sign
  EXPECT_EQ(value_size(json{{"N", "100"}}), 2u);   // 01 [00]: trailing zero pairs are free
  EXPECT_EQ(value_size(json{{"N", "1000"}}), 2u);  // 10 [00]
  EXPECT_EQ(value_size(json{{"N", "1e100"}}), 2u);
  EXPECT_EQ(value_size(json{{"N", "1.5"}}), 3u);     // 01 . 50
  EXPECT_EQ(value_size(json{{"N", "0.5"}}), 2u);     // . 50
  EXPECT_EQ(value_size(json{{"N", "0.05"}}), 2u);    // . 05
  EXPECT_EQ(value_size(json{{"N", "0.005"}}), 2u);   // . [00] 50: leading zero pairs are free
  EXPECT_EQ(value_size(json{{"N", "1.0001"}}), 4u);  // 01 . 00 01: inner zero pairs count
  EXPECT_EQ(value_size(json{{"N", "1E-130"}}), 2u);
  EXPECT_EQ(value_size(json{{"N", "-1E-130"}}), 3u);
  // 38 nines: 19 pairs + 1; negative: + 1 more.
  const std::string nines(38, '9');
  EXPECT_EQ(value_size(json{{"N", nines}}), 20u);
  EXPECT_EQ(value_size(json{{"N", "-" + nines}}), 21u);
  // 38 digits straddling the point take 20 pairs (01 . 23 45 ... 78 + padding): 21, and the
  // negative one is capped at 21.
  const std::string straddling = "1." + std::string("2345678901234567890123456789012345678");
  EXPECT_EQ(value_size(json{{"N", straddling}}), 21u);
  EXPECT_EQ(value_size(json{{"N", "-" + straddling}}), 21u);
}

TEST(AttributeValueSize, BinaryBooleanNull) {
  EXPECT_EQ(value_size(json{{"B", ""}}), 0u);
  EXPECT_EQ(value_size(json{{"B", "YQ=="}}), 1u);
  EXPECT_EQ(value_size(json{{"B", "YWI="}}), 2u);
  EXPECT_EQ(value_size(json{{"B", "YWJj"}}), 3u);
  EXPECT_EQ(value_size(json{{"BOOL", false}}), 1u);
  EXPECT_EQ(value_size(json{{"NULL", true}}), 1u);
}

TEST(AttributeValueSize, Sets) {
  EXPECT_EQ(value_size(json{{"SS", {"a", "bc"}}}), 3u);       // 1 + 2
  EXPECT_EQ(value_size(json{{"NS", {"1", "-1"}}}), 5u);       // 2 + 3
  EXPECT_EQ(value_size(json{{"BS", {"YQ==", "YWI="}}}), 3u);  // 1 + 2
}

TEST(AttributeValueSize, Documents) {
  EXPECT_EQ(value_size(json{{"L", json::array()}}), 3u);
  EXPECT_EQ(value_size(json{{"M", json::object()}}), 3u);
  // 3 + (1 + "a":1) + (1 + N 1:2)
  EXPECT_EQ(value_size(json{{"L", {{{"S", "a"}}, {{"N", "1"}}}}}), 8u);
  // 3 + (1 + key "ab":2 + "xyz":3)
  EXPECT_EQ(value_size(json{{"M", {{"ab", {{"S", "xyz"}}}}}}), 9u);
  // Outer L: 3 + (1 + inner M); inner M: 3 + (1 + key "k":1 + BOOL:1) = 6; total 10.
  EXPECT_EQ(value_size(json{{"L", {{{"M", {{"k", {{"BOOL", true}}}}}}}}}), 10u);
}

TEST(AttributeValueSize, Items) {
  EXPECT_EQ(item_size(json::object()), 0u);
  EXPECT_EQ(item_size(json{{"\xC3\xA9", {{"BOOL", true}}}}), 3u);  // name é: 2 bytes, BOOL: 1
  // dynamodb-calculator's sample item:
  //   id              2 + "f0ba8d6c" 8                              = 10
  //   fullName        8 + "Zac Charles" 11                          = 19
  //   someData        8 + "this text is base64-encoded" 27 bytes    = 35
  //   favouriteNumber 15 + -1E-130: 1 pair + 1 + 1 (negative)       = 18
  //   foods           5 + "pizza" 5 + "burger" 6                    = 16
  const json item = {
      {"id", {{"S", "f0ba8d6c"}}},
      {"fullName", {{"S", "Zac Charles"}}},
      {"someData", {{"B", "dGhpcyB0ZXh0IGlzIGJhc2U2NC1lbmNvZGVk"}}},
      {"favouriteNumber", {{"N", "-1E-130"}}},
      {"foods", {{"SS", {"pizza", "burger"}}}},
  };
  EXPECT_EQ(item_size(item), 98u);
}

// ---- Walks over values that were never validated (issue 6, finding 3) ---------------------------
// Every recursive walk stops at the nesting limit instead of following the value down, so a value
// that skipped validation (or an item an update made too deep) cannot exhaust the stack.

// `levels` maps around a leaf, built by moving (not copying) each level into the next.
json deeply_nested(int levels) {
  json value = {{"N", "1"}};
  for (int i = 0; i < levels; ++i) {
    json wrapper = json::object();
    wrapper["M"]["n"] = std::move(value);
    value = std::move(wrapper);
  }
  return value;
}

TEST(AttributeValueWalks, StopAtTheNestingLimit) {
  json deep = deeply_nested(1000);
  EXPECT_FALSE(values_equal(deep, deep));
  EXPECT_TRUE(values_equal(nested_maps(31), nested_maps(31)));
  try {
    value_size(deep);
    ADD_FAILURE() << "value_size of a value 1,001 levels deep did not throw";
  } catch (const core::aws_error& e) {
    EXPECT_EQ(e.message(), nesting);
  }
  json item = json::object();
  item["a"] = std::move(deep);
  try {
    normalize_numbers(item);
    ADD_FAILURE() << "normalize_numbers of a value 1,001 levels deep did not throw";
  } catch (const core::aws_error& e) {
    EXPECT_EQ(e.message(), nesting);
  }
}

TEST(AttributeValueWalks, CheckItemNestingAllowsThirtyTwoLevels) {
  EXPECT_NO_THROW(check_item_nesting(json{{"a", nested_maps(31)}, {"b", {{"S", "x"}}}}));
  try {
    check_item_nesting(json{{"a", {{"S", "x"}}}, {"b", nested_maps(32)}});
    ADD_FAILURE() << "an attribute 33 levels deep passed";
  } catch (const core::aws_error& e) {
    EXPECT_EQ(e.code(), core::error_code::validation);
    EXPECT_EQ(e.message(), nesting);
  }
}

}  // namespace
}  // namespace fogbank::dynamodb
