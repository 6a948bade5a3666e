#pragma once
// Message content rules and digests: body characters, message attributes, MD5s as the SDKs
// verify them, SHA-256 for content-based deduplication, base64 for binary attribute values.
// All functions are pure and thread-safe.

#include "fogbank/core/encoding.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fogbank::sqs {

using json = nlohmann::json;

// Lower-case hex digests.
std::string md5_hex(std::string_view bytes);
std::string sha256_hex(std::string_view bytes);

// Base64 as SQS reads it, Java's decoder (padding optional): core's one implementation.
using core::base64_encode;
inline std::optional<std::string> base64_decode(std::string_view text) {
  return core::base64_decode_lenient(text);
}

// Throws InvalidMessageContents unless every character of `body` (UTF-8) is one SQS allows:
// #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.
void check_body_characters(std::string_view body);
// True if `text` is valid UTF-8 made only of those characters.
bool has_only_allowed_characters(std::string_view text);

// Quotas: at most 10 message attributes (SQS developer guide, "Amazon SQS message quotas").
inline constexpr std::size_t max_message_attributes = 10;

// Validates a MessageAttributes (or MessageSystemAttributes) map — names, data types, values,
// at most 10 entries — throwing InvalidParameterValue with AWS's wording. Returns the bytes it
// counts towards the message size: every name, data type and value.
std::size_t check_message_attributes(const json& attributes);
// What check_message_attributes would count at least, read without validating or copying
// anything (binary values count 0: their decoded size is known only once decoded), so that a
// message too large for its queue is refused before any of it is scanned. 0 for a map that
// check_message_attributes refuses by its shape or entry count.
std::size_t minimum_attributes_size(const json& attributes);

// MD5 over message attributes as the SQS developer guide specifies ("Calculating the MD5 message
// digest for message attributes"): names sorted; for each, the 4-byte big-endian length and bytes
// of the name and of the data type, a transport byte (1 = String/Number, 2 = Binary) and the
// length-prefixed value (binary values decoded from base64). Empty string for an empty map.
std::string message_attributes_md5(const json& attributes);

// The subset of `attributes` that a receive asking for `names` gets: "All" or ".*" selects
// everything, "prefix.*" everything starting with "prefix.", anything else that exact name.
// `names` is sorted, each once (string_set): the work is bounded by the message's attributes
// (at most 10) and the lengths of their names, however many names the receive asked for.
json select_message_attributes(const json& attributes, const std::vector<std::string>& names);

}  // namespace fogbank::sqs
