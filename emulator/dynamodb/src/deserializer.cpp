#include "deserializer.hpp"

#include "fogbank/core/aws_error.hpp"
#include "fogbank/core/encoding.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <string>

namespace fogbank::dynamodb::deserializer {
namespace {

using nlohmann::json;

[[noreturn]] void refuse(std::string message) {
  throw core::aws_error(core::error_code::serialization, std::move(message));
}

constexpr std::string_view start_of_map = "Start of structure or map found where not expected";
constexpr std::string_view field_type = "Unexpected field type";
// Java's reflection, when a scalar sits where an erased generic list or map belongs.
constexpr std::string_view erased_generic_cast =
    "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class "
    "java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are "
    "in module java.base of loader 'bootstrap')";

// The JSON token the parser met where a scalar of another type belongs.
std::string_view token_name(const json& value) {
  if (value.is_boolean()) return value.get<bool>() ? "TRUE_VALUE" : "FALSE_VALUE";
  if (value.is_number_float()) return "DECIMAL_VALUE";
  if (value.is_number()) return "NUMBER_VALUE";
  return "STRING_VALUE";
}

// A list or an object where a scalar of Java class `java_class` belongs.
void refuse_collection(const json& value, std::string_view java_class) {
  if (value.is_array()) refuse("Unrecognized collection type class " + std::string(java_class));
  if (value.is_object()) refuse(std::string(start_of_map));
}

// The UTF-8 sequence starting at text[i], so an invalid non-ASCII character is quoted whole.
std::string_view utf8_char_at(std::string_view text, std::size_t i) {
  std::size_t end = i + 1;
  while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
  return text.substr(i, end - i);
}

}  // namespace

void expect_string(const json& value) {
  if (value.is_string()) return;
  refuse_collection(value, "java.lang.String");
  refuse(std::string(token_name(value)) + " cannot be converted to String");
}

void expect_number(const json& value, std::string_view java_type) {
  if (value.is_number()) return;
  refuse_collection(value, "java.lang." + std::string(java_type));
  refuse(std::string(token_name(value)) + " cannot be converted to " + std::string(java_type));
}

void expect_boolean(const json& value, bool text_spellings) {
  if (value.is_boolean()) return;
  refuse_collection(value, "java.lang.Boolean");
  if (value.is_string()) {
    if (text_spellings) {
      std::string text = value.get<std::string>();
      for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (text == "TRUE" || text == "1" || text == "YES" || text == "FALSE" || text == "0" || text == "NO")
        return;
    }
    refuse("Unexpected token received from parser");
  }
  refuse(std::string(token_name(value)) + " cannot be converted to Boolean");
}

void expect_blob(const json& value) {
  if (!value.is_string()) {
    refuse_collection(value, "java.nio.ByteBuffer");
    refuse("only base-64-encoded strings are convertible to bytes");
  }
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() % 4 != 0) {
    refuse("Base64 encoded length is expected a multiple of 4 bytes but found: " +
           std::to_string(text.size()));
  }
  // A character outside the alphabet: today's wording for it is not on record; this is the older
  // deserializer's without its "'<text>' can not be converted to a Blob: " prefix, which today's
  // messages dropped.
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c != '=' && !core::is_base64_digit(c)) {
      refuse("Invalid Base64 character: '" + std::string(utf8_char_at(text, i)) + "'");
    }
  }
  // Padding in the wrong place or non-zero padding bits; the typo "dectected" is DynamoDB's.
  if (!core::base64_decode(text)) refuse("Invalid last non-pad Base64 character dectected");
}

void expect_structure(const json& value, std::string_view java_class, position where) {
  if (value.is_object()) return;
  if (value.is_array()) {
    refuse("Unrecognized collection type class com.amazonaws.dynamodb.v20120810." + std::string(java_class));
  }
  refuse(where == position::field ? std::string(field_type)
                                  : std::string("Unexpected value type in payload"));
}

void expect_list(const json& value, position where) {
  if (value.is_array()) return;
  if (value.is_object()) refuse(std::string(start_of_map));
  refuse(where == position::field ? std::string(field_type) : std::string(erased_generic_cast));
}

void expect_map(const json& value, std::string_view java_value_type, position where) {
  if (value.is_object()) return;
  if (value.is_array()) {
    refuse("Unrecognized collection type java.util.Map<java.lang.String, " + std::string(java_value_type) +
           ">");
  }
  refuse(where == position::field ? std::string(field_type) : std::string(erased_generic_cast));
}

}  // namespace fogbank::dynamodb::deserializer
