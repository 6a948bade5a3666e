#pragma once
// Event filtering for event source mappings (FilterCriteria): Lambda's filter patterns, the
// EventBridge pattern language (the developer guide's "Lambda event filtering"). A pattern is a
// JSON object whose leaves are arrays of matchers; a record passes when every field the pattern
// names matches one of its matchers (and, for an array in the record, when any element does).
//
// Matchers: exact values (string, number, true/false, null, ""), {"prefix": s} (also
// {"prefix": {"equals-ignore-case": s}}), {"suffix": s}, {"equals-ignore-case": s},
// {"wildcard": "a*b"}, {"anything-but": value | [values] | {"prefix": s}},
// {"numeric": [op, n(, op, n)]} with = < <= > >=, {"exists": true|false}, and "$or": [patterns].
// Anything else is refused when the mapping is made: "Invalid filter pattern definition." (the
// recorded AWS answer). Pure functions; thread-safe.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace fogbank::lambda::filter {

// A filter's Pattern is at most 4096 characters (the model's Pattern shape).
inline constexpr std::size_t max_pattern_bytes = 4096;
// "FilterCriteria: up to 5 filters" by default (the developer guide's quotas).
inline constexpr std::size_t max_filters = 5;
// Patterns nest objects; deeper than this is refused before anything recurses over it.
inline constexpr int max_pattern_depth = 32;

// Parses and checks a pattern. Throws aws_error InvalidParameterValueException "Invalid filter
// pattern definition." for anything that is not a valid pattern.
nlohmann::json parse(const std::string& pattern);

// Whether `record` (the record as filtered: SQS with its body parsed when it is JSON) matches
// `pattern` (as parse() returned it).
bool matches(const nlohmann::json& pattern, const nlohmann::json& record);

// Whether an SQS record passes any of `patterns` (none: every record passes), with the SQS body
// rule: a JSON body is filtered as JSON, a plain body as a string; a pattern that treats the body
// the other way drops the message. eventSource, eventSourceARN and awsRegion cannot be filtered on.
bool sqs_passes(const std::vector<nlohmann::json>& patterns, const nlohmann::json& record);
// Whether a DynamoDB stream record passes any of `patterns` (none: every record passes).
bool stream_passes(const std::vector<nlohmann::json>& patterns, const nlohmann::json& record);

}  // namespace fogbank::lambda::filter
