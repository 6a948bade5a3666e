#pragma once
// What DynamoDB's request deserializer answers when a JSON value has the wrong type for its
// member, as SerializationException. It runs before any validation, so these come before every
// ValidationException. The wording is today's DynamoDB's, as dynalite's test/helpers.js
// (assertType, architect/dynalite main) pins it against DynamoDB; moto's aws_verified
// test_put_item__string_as_integer_value agrees ("NUMBER_VALUE cannot be converted to String").
//
// It depends on where the value sits: a structure, list or map that is a structure's member
// (a "field") is refused differently from one that is a list element or a map value (an
// "element": Java's erased generic types in DynamoDB's front end). Each function returns if
// `value` fits and throws core::aws_error (SerializationException) if not.

#include <nlohmann/json_fwd.hpp>

#include <string_view>

namespace fogbank::dynamodb::deserializer {

enum class position { field, element };

// A string member (S, N, TableName, ...).
void expect_string(const nlohmann::json& value);
// A number member; `java_type` is "Integer", "Long" or "Double" as DynamoDB names it.
void expect_number(const nlohmann::json& value, std::string_view java_type);
// A boolean member. `text_spellings`: the request members that also take the strings TRUE/FALSE,
// 1/0 and YES/NO in any case (request.hpp's optional_boolean); BOOL and NULL values take none.
void expect_boolean(const nlohmann::json& value, bool text_spellings);
// A blob member (B, BS elements): base64 text, with the deserializer's base64 checks.
void expect_blob(const nlohmann::json& value);
// A structure; `java_class` is its class name ("KeySchemaElement", "AttributeValue").
void expect_structure(const nlohmann::json& value, std::string_view java_class, position where);
// A list.
void expect_list(const nlohmann::json& value, position where);
// A map; `java_value_type` is the Java type of its values as DynamoDB prints it
// ("com.amazonaws.dynamodb.v20120810.AttributeValue", "java.lang.String").
void expect_map(const nlohmann::json& value, std::string_view java_value_type, position where);

}  // namespace fogbank::dynamodb::deserializer
