#pragma once
// Reading the stored form of items and stream records: MessagePack as nlohmann::json::to_msgpack
// writes it (the encoder stays nlohmann's), decoded straight into nlohmann::json. It replaces
// json::from_msgpack on the read path, which reads strings a byte at a time through its SAX
// machinery (bench/README.md, "The hot paths one by one"), and bounds what a corrupt value can
// cost: depth, lengths and allocations.
//
// Thread-safety: pure functions; safe from any thread.

#include "fogbank/core/json_limits.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fogbank::dynamodb {

// How deep containers may nest in stored bytes, counted as core::nesting_within counts ("{}" is
// one level, a scalar none). Everything fogbank stores came from requests within
// core::max_request_nesting: an item is at most 1 + 2 x max_attribute_nesting = 65 levels, and a
// stream record holds its images 2 levels down (67). Deeper bytes are corrupt, and the bound
// keeps the decoder's recursion (one frame per level) and any later copy, comparison or dump() of
// the value off the end of the stack.
inline constexpr int max_stored_nesting = core::max_request_nesting;

// Why decode_msgpack refused its input.
enum class msgpack_refusal {
  malformed,    // truncated, trailing bytes, a length past the end, 0xc1, a map key not a string
  too_deep,     // containers nested deeper than max_stored_nesting
  unsupported,  // bin and ext values: to_msgpack writes them only for json binary values, which
                // fogbank never stores
};

class msgpack_error : public std::runtime_error {
 public:
  msgpack_error(msgpack_refusal why, const std::string& what) : std::runtime_error(what), why_(why) {}
  msgpack_refusal why() const noexcept { return why_; }

 private:
  msgpack_refusal why_;
};

// Appends to `out` exactly the bytes json::to_msgpack(value) writes, written straight into it:
// nlohmann's writer goes through a virtual call per byte (5.6k instructions for a PutItem's item
// against 2.5k here; bench/README.md, "Eighth pass"). Strings, booleans, null and the containers
// are written here, numbers and binary values by nlohmann. Recursive, like to_msgpack: callers
// pass values whose nesting a request's limits bounded.
void append_msgpack(std::string& out, const nlohmann::json& value);

// `bytes` as exactly one MessagePack value, decoded to the value json::from_msgpack(bytes) gives,
// member for member and with the same value types: positive fixint and uint 8-64 are
// number_unsigned, negative fixint and int 8-64 number_integer (even when positive), float 32 and
// 64 number_float; duplicate map keys keep the last value. Throws msgpack_error for anything it
// refuses: everything from_msgpack refuses, plus bin/ext values and nesting past
// max_stored_nesting. Never reads outside `bytes`, and allocates in proportion to bytes.size()
// whatever the lengths inside claim.
[[nodiscard]] nlohmann::json decode_msgpack(std::string_view bytes);

// ---- Answers written from the stored bytes ----
// A GetItem, Query or Scan answer is mostly its items' text. Decoding an item into a json value
// only to write that value out again was most of the work of a Query (bench/README.md, "Items
// written from their bytes"); these two read what the answer needs straight from the bytes.

// Appends to `out` exactly the text core::append_json(out, decode_msgpack(bytes)) would, and
// returns true; or returns false with `out` as it was. False for everything decode_msgpack
// refuses, and for maps whose keys are not in strictly increasing byte order (decode_msgpack
// sorts them and keeps the last of a repeated key; to_msgpack writes a json object's keys in
// order, so no stored item has such a map).
[[nodiscard]] bool append_stored_json(std::string& out, std::string_view bytes);

// item_size(decode_msgpack(bytes)) for the bytes of a well-formed item (every item fogbank
// stores: a map from attribute names, in increasing order, to AttributeValues of one member
// each); nullopt, never a different size, for bytes it does not read as such, which the caller
// decodes instead.
[[nodiscard]] std::optional<std::size_t> stored_item_size(std::string_view bytes);

}  // namespace fogbank::dynamodb
