#pragma once
// Reading request members with SQS's own errors. The HTTP codecs hand over the JSON protocol's
// shapes, but the query protocol carries every scalar as text, so integers arrive either as JSON
// numbers or as numeric strings; both are accepted here.

#include "fogbank/core/aws_error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::sqs {

using json = nlohmann::json;

[[noreturn]] void fail(core::error_code code, std::string message);

// "The request must contain the parameter <name>." (MissingParameter): AWS's wording for any
// absent required member.
[[noreturn]] void fail_missing(std::string_view name);

// "Value <value> for parameter <name> is invalid. Reason: <reason>" (InvalidParameterValue).
[[noreturn]] void fail_invalid_value(std::string_view name, std::string_view value, std::string_view reason);

// A required string member; MissingParameter when absent or null. An empty string counts as
// absent for names and URLs, as in AWS.
std::string required_string(const json& request, const char* name);
std::optional<std::string> optional_string(const json& request, const char* name);

// An optional integer member given as a number or as decimal text.
std::optional<std::int64_t> optional_int(const json& request, const char* name);
// Parses decimal text as AWS does for attribute values: an optional sign and digits only.
std::optional<std::int64_t> parse_int(std::string_view text);

// A list of strings (absent -> empty). A single string is taken as a one-element list.
std::vector<std::string> string_list(const json& request, const char* name);
// How many entries string_list would return, without reading them (it fails the same way).
std::size_t list_size(const json& request, const char* name);
// The same list sorted, each name once, for lookups with contains(): a client may send a list as
// long as its request, and what is done with it under the service's lock must not grow with it.
std::vector<std::string> string_set(const json& request, const char* name);
bool contains(const std::vector<std::string>& set, std::string_view name);

// A map of string to string (absent -> empty object). Non-string values are rendered as text.
std::vector<std::pair<std::string, std::string>> string_map(const json& request, const char* name);
// The first `max_entries` entries of that map (in key order), the rest not read.
std::vector<std::pair<std::string, std::string>> string_map(const json& request, const char* name,
                                                            std::size_t max_entries);
// A scalar member's value as text, as the maps and lists above read it (JSON text for anything
// else).
std::string scalar_text(const json& value);

}  // namespace fogbank::sqs
