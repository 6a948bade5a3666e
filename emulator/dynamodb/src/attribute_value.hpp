#pragma once
// DynamoDB's AttributeValue in its wire form: a JSON object with exactly one member whose
// name is the type ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"). An item is a
// JSON object from attribute names to AttributeValues. Binary values (B, BS) hold base64 text
// as on the wire.

#include "fogbank/core/decimal.hpp"
#include "fogbank/core/encoding.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fogbank::dynamodb {

using json = nlohmann::json;

// The members of `value` when it is an object, none otherwise: what the loops over an attribute
// value's or an item's members walk. nlohmann's items() constructs a std::string at every step
// (its proxy keeps an array index as text), 1,400 instructions of every GetItem's validation.
inline const json::object_t& members_of(const json& value) {
  static const json::object_t none;
  return value.is_object() ? value.get_ref<const json::object_t&>() : none;
}
inline json::object_t& members_of(json& value) {
  static json::object_t none;
  return value.is_object() ? value.get_ref<json::object_t&>() : none;
}

enum class value_type { S, N, B, BOOL, NUL, M, L, SS, NS, BS };

// DynamoDB accepts a leaf at level 32 and rejects one at level 33, counting a top-level
// attribute value as level 1 (captured against AWS in nubo-db/dynoxide#110). validate_value
// enforces it before it recurses; every other recursive walk below stops at it too, so no value
// can exhaust the stack, validated or not.
inline constexpr std::size_t max_attribute_nesting = 32;

// Attribute names, at the top of an item or as keys of a map at any depth, are at most 65535
// bytes: 65536 is refused (ScyllaDB Alternator's test_limit_attribute_length_nonkey_bad, against
// AWS; the message measured against AWS in ExtendDB/extenddb#365).
inline constexpr std::size_t max_attribute_name_bytes = 65535;
inline constexpr std::string_view attribute_name_too_large_message =
    "1 validation error detected: Attribute name is too large, must be less than 65536 bytes";
// Throws DynamoDB's ValidationException when `name` is longer than max_attribute_name_bytes.
void check_attribute_name(const std::string& name);

// The type of a valid AttributeValue (must have passed validate_value).
value_type type_of(const json& value);
// The wire name of a type: "S", "N", ..., "NULL", ...
std::string_view type_name(value_type type);
// The type named `name` ("S", "NULL", ...), or nullopt.
std::optional<value_type> type_from_name(std::string_view name);

// Checks that `value` is a well-formed AttributeValue, recursively: exactly one type member,
// strings are strings, numbers parse as DynamoDB numbers, binary is valid base64, sets are
// non-empty with no duplicates, NULL is true, BOOL is a boolean. Throws
// core::aws_error(ValidationException) with DynamoDB's wording otherwise.
void validate_value(const json& value);
// The deserializer's part of validate_value alone: throws SerializationException
// (deserializer.hpp) if a member of `value`, at any depth, has the wrong JSON type; nothing
// else (nesting and the values themselves are validate_value's). For request_validation.hpp,
// which reports every type error before any constraint.
void check_value_types(const json& value);
// Checks every attribute of an item (a JSON object) with validate_value.
void validate_item(const json& item);
// Throws ValidationException "Nesting Levels have exceeded supported limits: ..." if any
// attribute of `item` nests deeper than max_attribute_nesting: for items built from valid parts
// that may together nest too deep (UpdateItem's SET a.b.c = :deep_value).
void check_item_nesting(const json& item);

// Rewrites every number in an item (N, NS, and inside M and L) in DynamoDB's canonical text
// ("0012.50" -> "12.5", "1e3" -> "1000"), as DynamoDB stores and returns them. The item must
// have passed validate_item.
void normalize_numbers(json& item);

// Equality as DynamoDB compares values in conditions: numbers numerically ("1.0" == "1"),
// sets regardless of order, maps and lists member by member. Values nested deeper than
// max_attribute_nesting compare unequal (they cannot be valid).
bool values_equal(const json& a, const json& b);

// Order of two values of the same scalar type (S by UTF-8 bytes, N numerically, B by
// unsigned bytes): negative, zero or positive. nullopt if types differ or are not S/N/B.
std::optional<int> compare_scalars(const json& a, const json& b);

// The number of an N value (valid N assumed).
core::decimal number_of(const json& value);
// An N value holding `number` in DynamoDB's canonical text.
json make_number(const core::decimal& number);

// B and BS hold canonical base64 (core's one implementation).
using core::base64_decode;
using core::base64_encode;

// Size of an attribute value in bytes as DynamoDB counts it toward the 400 KB item limit
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
// strings by UTF-8 length, numbers by significant digits, binary by decoded length,
// 1 byte for BOOL/NULL, 3 bytes of overhead plus contents for M and L, and so on. Throws the
// nesting ValidationException for a value nested deeper than max_attribute_nesting.
std::size_t value_size(const json& value);
// Size of an item: for each attribute, the UTF-8 length of its name plus value_size.
std::size_t item_size(const json& item);
// What value_size counts for the body of an N (0 for text that is not a number), and of a B: its
// base64 text's decoded length, not checked for being base64.
std::size_t number_text_size(std::string_view text);
std::size_t binary_text_size(std::string_view text);

}  // namespace fogbank::dynamodb
