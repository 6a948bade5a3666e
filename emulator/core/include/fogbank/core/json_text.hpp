#pragma once
// JSON text for response bodies: the same bytes as nlohmann's
//
//   value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
//
// (compact, no ASCII escaping of non-ASCII text, invalid UTF-8 replaced by U+FFFD), written
// faster. nlohmann's serializer walks every string byte by byte through a UTF-8 decoder; this
// writer skips eight bytes at a time over text that needs no escape and copies each clean run
// with one append, which is most of what a Scan or Query answer is.
//
// What the text is, exactly as dump() writes it:
// - objects in their member order (std::map's: keys sorted bytewise), no whitespace;
// - strings: '"', '\\' and the control bytes \b \f \n \r \t escaped as such, the other bytes
//   below 0x20 as \u00xx (lower-case hex); 0x7F and well-formed UTF-8 as they are; each
//   ill-formed UTF-8 sequence replaced by U+FFFD (EF BF BD) the way nlohmann's replace handler
//   does it: one U+FFFD per maximal subpart of an ill-formed sequence (a byte that cannot start a
//   sequence is one; a valid start followed by a byte that cannot continue it is one, and the
//   byte that broke it is read again as a start; a sequence cut short by the end of the string is
//   one);
// - integers in decimal; floats by nlohmann's own shortest round-trip formatting (its to_chars:
//   "1.0", "-0.0", "1e+308"), NaN and infinities as null;
// - binary values as {"bytes":[1,2],"subtype":null} (or the subtype's number);
// - a discarded value as <discarded>, as dump() does (not JSON; never in a parsed value).
//
// Depth: the walk is iterative (an explicit stack on the heap past the first few dozen levels),
// so any value, however deeply nested, is written without recursion.
//
// Thread-safety: pure functions; safe from any thread on values no thread is modifying.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace fogbank::core {

// Appends `value`'s JSON text (as above) to `out`. Throws only std::bad_alloc (or
// std::length_error); `out` then holds a prefix of the text after what it held before.
void append_json(std::string& out, const nlohmann::json& value);

// `value`'s JSON text (as above) in a new string.
std::string to_json_text(const nlohmann::json& value);

// An ordered_json would silently convert to a json and come out with its members sorted: its
// text is ordered_json::dump's to make.
void append_json(std::string& out, const nlohmann::ordered_json& value) = delete;
std::string to_json_text(const nlohmann::ordered_json& value) = delete;

// Appends `text` as one JSON string, quotes included, escaped and with invalid UTF-8 replaced
// as above: the same bytes as append_json(out, nlohmann::json(std::string(text))), without
// making the json value.
void append_json_string(std::string& out, std::string_view text);

}  // namespace fogbank::core
