#pragma once
// Building blocks for storage keys: encodings whose unsigned lexicographic (memcmp) order is
// the order of the values they encode, and which are prefix-free (no encoding is a proper
// prefix of another encoding of the same kind). Because of both properties, concatenating
// encodings of the fields of a tuple yields keys that sort like the tuples, field by field.
//
// All functions are pure and thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

namespace fogbank::storage::key {

// Appends `value` as 4 / 8 bytes, big-endian.
void append_u32(std::string& out, std::uint32_t value);
void append_u64(std::string& out, std::uint64_t value);

// Reads what append_u32 / append_u64 wrote from the front of `in`, advancing `in` past it.
// False (and `in` untouched) if `in` is too short.
bool read_u32(std::string_view& in, std::uint32_t& value);
bool read_u64(std::string_view& in, std::uint64_t& value);

// Appends an arbitrary byte string: each 0x00 becomes 0x00 0xFF, every other byte is copied,
// and 0x00 0x01 terminates it. Encodings compare like the raw bytes and are prefix-free.
void append_bytes(std::string& out, std::string_view bytes);

// Reads what append_bytes wrote from the front of `in` into `out`, advancing `in` past the
// terminator. False (and `in` untouched) on a missing terminator or an invalid escape.
bool read_bytes(std::string_view& in, std::string& out);

// The smallest string greater than every string that starts with `prefix`: the exclusive
// upper bound of a prefix scan. Empty when there is none (`prefix` empty or all 0xFF bytes),
// meaning "scan to the end".
std::string prefix_successor(std::string_view prefix);

}  // namespace fogbank::storage::key
