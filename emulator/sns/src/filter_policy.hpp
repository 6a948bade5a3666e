#pragma once
// SNS subscription filter policies (the SNS developer guide's "Amazon SNS message filtering"):
// attribute-based (FilterPolicyScope MessageAttributes, the default: keys are message attribute
// names) and payload-based (MessageBody: keys name properties of the message, a JSON object, and
// may nest). A policy is a JSON object whose leaves are arrays of conditions; a message passes when
// every key matches one of its conditions ("$or": [policies] takes any one of several).
//
// Conditions: exact values (string, number, true/false, null), {"prefix": s}, {"suffix": s},
// {"equals-ignore-case": s}, {"anything-but": value | [values] | {"prefix": s}},
// {"numeric": [op, n(, op, n)]} with = < <= > >=, {"exists": true|false}, {"cidr": "a.b.c.d/n"}.
//
// Why not emulator/lambda's filter_pattern: Lambda's event filtering is the EventBridge language
// with Lambda's one wording for every refusal ("Invalid filter pattern definition."), while SNS
// words each refusal its own way ("FilterPolicy: suffix match pattern must be a string") and has
// its own limits (5 keys, 150 combinations), its own attribute typing (Number, String.Array) and
// keys with dots that match nested properties. The matchers are alike; the parsers are not.
//
// Pure functions; thread-safe.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace fogbank::sns::filter {

// A FilterPolicy attribute is at most 256 KB (the attribute's value limit); policies nest no
// deeper than this (AWS's complexity limit refuses deep policies long before; the bound is for the
// recursion here).
inline constexpr std::size_t max_policy_bytes = 256 * 1024;
inline constexpr int max_policy_depth = 32;
// "A filter policy can have a maximum of five attribute names" and "the total combination of
// values must not exceed 150" (the developer guide's "Filter policy constraints").
inline constexpr std::size_t max_keys = 5;
inline constexpr std::size_t max_combinations = 150;
// A payload is filtered as JSON up to this nesting (deeper: it does not match).
inline constexpr int max_payload_depth = 64;

enum class scope { message_attributes, message_body };

// Parses and checks `text`. Throws aws_error InvalidParameter whose message is `prefix` followed by
// SNS's reason, e.g. prefix "Invalid parameter: Attributes Reason: " (Subscribe) or
// "Invalid parameter: " (SetSubscriptionAttributes) + "FilterPolicy: Filter policy can not have
// more than 5 keys". An empty text or "{}" is no policy: returns null.
nlohmann::json parse(std::string_view text, scope s, std::string_view prefix);

// Whether a message passes `policy` (as parse() returned it; null passes everything).
// `attributes`: the Publish request's MessageAttributes (name -> {DataType, StringValue|BinaryValue}).
bool matches_attributes(const nlohmann::json& policy, const nlohmann::json& attributes);
// `message`: the message as published; a payload policy passes only a JSON object.
bool matches_body(const nlohmann::json& policy, std::string_view message);

}  // namespace fogbank::sns::filter
