#pragma once
// Reading members of a DynamoDB request body, with DynamoDB's wording for what is missing or
// malformed. DynamoDB reports request-shape violations as
//   "1 validation error detected: Value <v> at '<member>' failed to satisfy constraint: <c>"
// where <member> is the camelCase path of the member (e.g. 'tableName', 'key').

#include "deserializer.hpp"
#include "fogbank/core/aws_error.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace fogbank::dynamodb {

using json = nlohmann::json;

inline std::string constraint_message(std::string_view value, std::string_view member,
                                      std::string_view constraint) {
  return "1 validation error detected: Value " + std::string(value) + " at '" + std::string(member) +
         "' failed to satisfy constraint: " + std::string(constraint);
}

// A member's name as DynamoDB's messages spell it: "TableName" is 'tableName'.
inline std::string lower_first(std::string_view member) {
  std::string out(member);
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

// TableName's and IndexName's pattern, [a-zA-Z0-9_.-]+.
inline bool matches_table_name_pattern(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                         c == '_' || c == '.' || c == '-';
    if (!allowed) return false;
  }
  return true;
}

// "Member must satisfy enum value set: [A, B]", the values in DynamoDB's order.
inline std::string enum_constraint(std::span<const std::string_view> values) {
  std::string set;
  for (auto value : values) {
    if (!set.empty()) set += ", ";
    set += value;
  }
  return "Member must satisfy enum value set: [" + set + "]";
}

inline std::string null_member_message(std::string_view member) {
  return constraint_message("null", member, "Member must not be null");
}

// The member `name` of `request` if present and not null, else nullptr.
inline const json* find_member(const json& request, std::string_view name) {
  auto it = request.find(name);
  if (it == request.end() || it->is_null()) return nullptr;
  return &*it;
}

// A required string member; `member` is its camelCase name for the message.
inline const std::string& required_string(const json& request, std::string_view name,
                                          std::string_view member) {
  const json* value = find_member(request, name);
  if (!value) core::throw_validation(null_member_message(member));
  deserializer::expect_string(*value);
  return value->get_ref<const std::string&>();
}

// A required JSON object member (e.g. Key, Item: maps of AttributeValues).
inline const json& required_object(const json& request, std::string_view name, std::string_view member) {
  const json* value = find_member(request, name);
  if (!value) core::throw_validation(null_member_message(member));
  deserializer::expect_map(*value, "com.amazonaws.dynamodb.v20120810.AttributeValue",
                           deserializer::position::field);
  return *value;
}

// An optional string member, or "" when absent.
inline std::string optional_string(const json& request, std::string_view name) {
  const json* value = find_member(request, name);
  if (!value) return {};
  deserializer::expect_string(*value);
  return value->get<std::string>();
}

// An optional boolean member (ConsistentRead, ScanIndexForward, ...), nullopt when absent.
// DynamoDB's deserializer also takes the strings TRUE/FALSE, 1/0 and YES/NO, in any case.
inline std::optional<bool> optional_boolean(const json& request, std::string_view name) {
  const json* value = find_member(request, name);
  if (value == nullptr) return std::nullopt;
  deserializer::expect_boolean(*value, true);
  if (value->is_boolean()) return value->get<bool>();
  const char first =
      static_cast<char>(std::toupper(static_cast<unsigned char>(value->get_ref<const std::string&>()[0])));
  return first == 'T' || first == '1' || first == 'Y';
}

inline bool boolean_member(const json& request, std::string_view name, bool fallback) {
  return optional_boolean(request, name).value_or(fallback);
}

// An optional integer member (Limit, Segment, ...), nullopt when absent; anything but a JSON
// integer is a SerializationException (wording as the other members of the wrong type here).
inline std::optional<std::int64_t> optional_integer(const json& request, std::string_view name) {
  const json* value = find_member(request, name);
  if (value == nullptr) return std::nullopt;
  deserializer::expect_number(*value, "Integer");
  // A fraction where an integer belongs is taken, rounded down, as the deserializer takes it
  // (dynalite's validations/index.js checkType: Math.floor for Integer and Long).
  if (value->is_number_float()) {
    const double floored = std::floor(value->get<double>());
    if (!(floored > static_cast<double>(std::numeric_limits<std::int64_t>::min()))) {
      return std::numeric_limits<std::int64_t>::min();
    }
    if (!(floored < static_cast<double>(std::numeric_limits<std::int64_t>::max()))) {
      return std::numeric_limits<std::int64_t>::max();
    }
    return static_cast<std::int64_t>(floored);
  }
  if (value->is_number_unsigned() &&
      value->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::numeric_limits<std::int64_t>::max();  // too large for any limit: saturate, never wrap
  }
  return value->get<std::int64_t>();
}

// An optional enum member: one of `allowed` (AWS lists the set in the message) or `fallback`.
inline std::string optional_enum(const json& request, std::string_view name, std::string_view member,
                                 std::initializer_list<std::string_view> allowed, std::string_view fallback) {
  std::string value = optional_string(request, name);
  if (value.empty()) return std::string(fallback);
  for (auto candidate : allowed) {
    if (candidate == value) return value;
  }
  core::throw_validation(constraint_message("'" + value + "'", member,
                                            enum_constraint(std::span(allowed.begin(), allowed.size()))));
}

}  // namespace fogbank::dynamodb
