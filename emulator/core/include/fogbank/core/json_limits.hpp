#pragma once
// Bounded JSON: a nesting check that reads text before anything parses it, and a parse that
// applies it. nlohmann::json parses and destroys values without recursion, but copying,
// comparing and dump() recurse once per level, so a value nested deeper than the stack allows
// ends the process. Every piece of JSON a client controls (request bodies, and JSON carried
// inside string members such as SQS's Policy and RedrivePolicy) goes through these first, and
// only what passes is ever copied or dump()ed.
//
// Thread-safety: pure functions; safe from any thread.

#include <nlohmann/json.hpp>

#include <optional>
#include <string_view>

namespace fogbank::core {

// The deepest request any AWS JSON protocol call needs: 32 levels of DynamoDB attribute values
// (two JSON levels each) inside a few levels of request structure. The HTTP front end checks
// request bodies against it before parsing; the in-process client checks requests built in
// process against it (depth_within) before calling.
inline constexpr int max_request_nesting = 128;

// True if no object or array in `text` opens more than `limit` levels deep ("{}" is one level,
// "[[]]" two, a bare scalar none). Brackets inside JSON strings do not count. A single pass
// over the bytes with no allocation; `text` need not be valid JSON: an invalid text is judged
// by its brackets alone, and whatever parses it afterwards rejects it.
bool nesting_within(std::string_view text, int limit) noexcept;

// `text` parsed as one JSON value (surrounding whitespace allowed), or nullopt if it is not
// valid JSON or nests deeper than `max_depth` (checked before parsing, as nesting_within).
// The value returned may be copied and dump()ed safely. Never throws on bad input. The parser is
// fogbank's own (json_parse.cpp, faster on request bodies); it gives what
// nlohmann::json::parse(text, nullptr, false) gives, types included.
std::optional<nlohmann::json> parse_json_within(std::string_view text, int max_depth);

// The same for a `text` that has already passed nesting_within(text, max_depth) (a caller that
// answers too deep a text with an error of its own), without scanning it a second time.
std::optional<nlohmann::json> parse_json_checked(std::string_view text, int max_depth);

// True if no object or array in the parsed `value` is more than `limit` levels deep, counted as
// nesting_within counts them. Iterative: safe on any value, however deep.
bool depth_within(const nlohmann::json& value, int limit) noexcept;

}  // namespace fogbank::core
