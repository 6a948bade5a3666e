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
// - binary values as {"bytes":[1,2],"subtype":null} (or the subtype's number), except spliced
//   text (below), which is written as the bytes it holds;
// - a discarded value as <discarded>, as dump() does (not JSON; never in a parsed value).
//
// Depth: the walk is iterative (an explicit stack on the heap past the first few dozen levels),
// so any value, however deeply nested, is written without recursion.
//
// Thread-safety: pure functions; safe from any thread on values no thread is modifying.

#include <nlohmann/json.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

// ---- Text made piece by piece ----
// Writes JSON text at the end of a std::string through a small buffer: what append_json writes
// with, public for text made from something other than a json value (a stored DynamoDB item,
// written from its bytes). std::string's append and push_back are out-of-line calls with a
// capacity check each, which cost more than the copying itself for the short pieces JSON is made
// of (punctuation, keys, short strings, escapes). Long pieces go straight to the string. The
// string grows by append() alone, as it would without the buffer. Nothing reaches the string
// before flush(), which the writer's user calls after the last write (not a destructor: appending
// can throw).
class json_writer {
 public:
  explicit json_writer(std::string& out) noexcept : out_(out) {}
  json_writer(const json_writer&) = delete;
  json_writer& operator=(const json_writer&) = delete;

  // Text as it is: punctuation, literals.
  void put(char c) {
    reserve(1);
    put_unchecked(c);
  }
  void write(const char* bytes, std::size_t size) {
    if (size <= buffer_size - used_) {
      write_unchecked(bytes, size);
      return;
    }
    flush();
    if (size < buffer_size / 2) {
      write_unchecked(bytes, size);
    } else {
      out_.append(bytes, size);
    }
  }
  void write(std::string_view text) { write(text.data(), text.size()); }

  // Values as append_json writes them: a string quoted, escaped and with invalid UTF-8
  // replaced; integers in decimal; a double in nlohmann's shortest round-trip form (null for NaN
  // and infinities).
  void write_string(std::string_view text);
  void write_integer(std::int64_t value);
  void write_integer(std::uint64_t value);
  void write_float(double value);

  // Appends what the buffer holds to the string.
  void flush() {
    out_.append(buffer_.data(), used_);
    used_ = 0;
  }

  // For the writing functions: room for `bytes` (at most buffer_size) more before the next
  // *_unchecked calls.
  void reserve(std::size_t bytes) {
    if (buffer_size - used_ < bytes) flush();
  }
  void put_unchecked(char c) noexcept { buffer_[used_++] = c; }
  void write_unchecked(const char* bytes, std::size_t size) noexcept {
    std::memcpy(buffer_.data() + used_, bytes, size);
    used_ += size;
  }

 private:
  static constexpr std::size_t buffer_size = 1024;

  std::string& out_;
  std::size_t used_ = 0;
  std::array<char, buffer_size> buffer_;
};

// ---- Spliced text ----
// A value whose text was written before the response was built (a stored DynamoDB item written
// straight from its stored bytes, without building the value: bench/README.md) travels in the
// response as a binary value of this subtype holding that text, and append_json writes those bytes
// as they are where dump() would write {"bytes":[...],"subtype":...}. So only a caller that turns
// the response into text with append_json may be handed one: core::call_context::renders_text.
inline constexpr std::uint64_t spliced_text_subtype = 0x6a736f6e74657874;  // "jsontext"

// A value append_json writes as `text`, which must be exactly one JSON value as append_json writes
// it (nothing checks it here).
nlohmann::json spliced_text(std::string_view text);

// Appends `text` as one JSON string, quotes included, escaped and with invalid UTF-8 replaced
// as above: the same bytes as append_json(out, nlohmann::json(std::string(text))), without
// making the json value.
void append_json_string(std::string& out, std::string_view text);

}  // namespace fogbank::core
