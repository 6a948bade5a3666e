#pragma once
// Expectations: JSON matching (subset or exact), frame lists (in order or as a set), `{{name}}`
// substitution, and the diff a failure prints.

#include "model.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fogbank::scenario {

// Whether `actual` satisfies `expected`. Subset: every key of an expected object is in the actual
// one and matches (extra actual keys are fine), arrays have the same length and match element by
// element, scalars are equal (numbers by value: 1 and 1.0 match). Exact: equal, number values
// compared the same way. On a mismatch returns the JSON pointer of the first difference and why
// ("/Item/name/S: expected \"bob\", found \"alice\"").
std::optional<std::string> mismatch(const json& expected, const json& actual, match_mode mode);

// Frames received as text: a frame that parses as JSON is matched as JSON when the expected
// frame is an object or an array, else compared as text. In order: the same count, frame i
// matches expected i. As a set: the same count, each expected frame matches a different received
// one. Returns why they do not match, or nullopt.
std::optional<std::string> frames_mismatch(const std::vector<json>& expected,
                                           const std::vector<std::string>& actual, bool in_order,
                                           match_mode mode);

// What a failure shows: `actual` reduced to the shape of `expected` where a subset match ignores
// the rest (keys an expected object does not name are left out), so the diff shows differences
// only.
json relevant_part(const json& expected, const json& actual, match_mode mode);

// A unified-style line diff of the two values pretty-printed (2-space indent, keys sorted):
// "--- expected", "+++ actual", then every line prefixed with ' ', '-' or '+'.
std::string diff(const json& expected, const json& actual);

// Replaces `{{name}}` in every string of `value` by the capture `name`. A string that is exactly
// one reference becomes the captured value itself (a number stays a number); inside other text
// a string capture is inserted as it is, anything else as compact JSON. Throws
// std::runtime_error naming an unknown capture.
json substitute(const json& value, const std::map<std::string, json>& captures);
std::string substitute(const std::string& text, const std::map<std::string, json>& captures);

}  // namespace fogbank::scenario
