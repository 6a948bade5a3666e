#include "fogbank/core/json_text.hpp"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace fogbank::core {
namespace {

using json = nlohmann::json;

using text_writer = json_writer;

// ---- Strings ----------------------------------------------------------------------------------

constexpr std::uint64_t every_byte(std::uint8_t byte) {
  return 0x0101010101010101ULL * byte;
}

// Eight bytes from `p`, the first in the lowest byte, on any byte order: the flag arithmetic
// below relies on borrows running from earlier bytes into later ones.
inline std::uint64_t load_little_endian(const unsigned char* p) noexcept {
  std::uint64_t word;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&word, p, sizeof word);
  } else {
    word = 0;
    for (int i = 7; i >= 0; --i) word = (word << 8) | p[i];
  }
  return word;
}

// The high bit of each byte of `word` that a JSON string cannot carry as it is, or that starts
// UTF-8 to check: control bytes (< 0x20), '"', '\\', and every byte >= 0x80. The classic SWAR
// tests ("has a byte less than n", "has a zero byte"): a byte that qualifies sets its flag, and a
// borrow out of it may set false flags in later bytes, never in earlier ones, so the lowest flag
// is always a byte that qualifies, and a word without flags has none.
inline std::uint64_t special_bytes(std::uint64_t word) noexcept {
  const std::uint64_t control = word - every_byte(0x20);
  const std::uint64_t quote = word ^ every_byte('"');
  const std::uint64_t backslash = word ^ every_byte('\\');
  // '"' and '\\' have their high bit clear, so ~word stands for ~quote and ~backslash.
  return (((control | (quote - every_byte(1)) | (backslash - every_byte(1))) & ~word) | word) &
         every_byte(0x80);
}

// The lowest flagged byte's index in a word from special_bytes (not 0).
inline std::size_t first_flag(std::uint64_t flags) noexcept {
  return static_cast<std::size_t>(std::countr_zero(flags)) / 8;
}

inline bool is_special(unsigned char c) noexcept {
  return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

// The first byte in [p, end) that is special (as special_bytes), or end.
inline const unsigned char* find_special(const unsigned char* p, const unsigned char* end) noexcept {
  while (end - p >= 8) {
    const std::uint64_t flags = special_bytes(load_little_endian(p));
    if (flags != 0) return p + first_flag(flags);
    p += 8;
  }
  while (p != end && !is_special(*p)) ++p;
  return p;
}

// Where a byte >= 0x80 at `p` leads (`left` bytes, at least one, remain from p on): a well-formed
// UTF-8 sequence of `length` bytes (Unicode's table 3-7: no overlong forms, no surrogates, nothing
// past U+10FFFF), or, when not `valid`, the maximal subpart of an ill-formed one that nlohmann's
// decoder rejects as a whole: `length` bytes that one U+FFFD replaces. Its DFA rejects a byte that
// cannot start a sequence on its own (1 byte), and otherwise rejects at the first byte that cannot
// continue the sequence, which it reads again as a start (the bytes before it); a sequence cut
// short by the end of the string is replaced whole.
struct utf8_step {
  std::size_t length;
  bool valid;
};

inline utf8_step next_sequence(const unsigned char* p, std::size_t left) noexcept {
  const unsigned lead = p[0];
  std::size_t need;
  unsigned low = 0x80;  // the second byte's range; later bytes are always 80..BF
  unsigned high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong below U+0800
    if (lead == 0xED) high = 0x9F;  // surrogates D800..DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 4;
    if (lead == 0xF0) low = 0x90;   // overlong below U+10000
    if (lead == 0xF4) high = 0x8F;  // past U+10FFFF
  } else {
    return {1, false};  // 80..C1 (continuations, overlong two-byte leads), F5..FF
  }
  for (std::size_t k = 1; k < need; ++k) {
    if (k == left) return {k, false};
    const unsigned byte = p[k];
    if (byte < low || byte > high) return {k, false};
    low = 0x80;
    high = 0xBF;
  }
  return {need, true};
}

// The escape of an ASCII byte that needs one (a control byte, '"' or '\\'), as dump() writes it.
inline void write_escape(text_writer& out, unsigned char c) {
  out.reserve(6);
  out.put_unchecked('\\');
  switch (c) {
    case '\b':
      out.put_unchecked('b');
      return;
    case '\t':
      out.put_unchecked('t');
      return;
    case '\n':
      out.put_unchecked('n');
      return;
    case '\f':
      out.put_unchecked('f');
      return;
    case '\r':
      out.put_unchecked('r');
      return;
    case '"':
      out.put_unchecked('"');
      return;
    case '\\':
      out.put_unchecked('\\');
      return;
    default: {
      static constexpr char hex[] = "0123456789abcdef";
      const char escape[5] = {'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
      out.write_unchecked(escape, sizeof escape);
      return;
    }
  }
}

// `text` as a JSON string, quotes included.
void write_string(text_writer& out, std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = p + text.size();
  const auto* run = p;  // the start of the bytes not yet written, all of them fine as they are
  const auto flush_run = [&](const unsigned char* to) {
    out.write(reinterpret_cast<const char*>(run), static_cast<std::size_t>(to - run));
  };
  out.put('"');
  for (;;) {
    p = find_special(p, end);
    if (p == end) break;
    if (*p < 0x80) {
      flush_run(p);
      write_escape(out, *p);
      run = ++p;
      continue;
    }
    // Non-ASCII text tends to come in runs (whole words of a script): stay here until ASCII.
    do {
      const utf8_step step = next_sequence(p, static_cast<std::size_t>(end - p));
      if (!step.valid) {
        flush_run(p);
        out.write("\xEF\xBF\xBD", 3);
        run = p + step.length;
      }
      p += step.length;
    } while (p != end && *p >= 0x80);
  }
  flush_run(end);
  out.put('"');
}

// ---- Scalars ----------------------------------------------------------------------------------

template <typename Integer>
void write_integer(text_writer& out, Integer value) {
  out.reserve(20);  // the longest: -9223372036854775808, 18446744073709551615
  char buffer[20];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.write_unchecked(buffer, static_cast<std::size_t>(result.ptr - buffer));
}

// dump() formats IEEE doubles with nlohmann::detail::to_chars (Grisu2, shortest round trip, "1.0"
// for integral values), in a 64-byte buffer; anything else would take its snprintf branch.
static_assert(std::is_same_v<json::number_float_t, double> && std::numeric_limits<double>::is_iec559 &&
              std::numeric_limits<double>::digits == 53);

void write_float(text_writer& out, double value) {
  if (!std::isfinite(value)) {
    out.write("null", 4);
    return;
  }
  std::array<char, 64> buffer;
  const char* const end = nlohmann::detail::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.write(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
}

void write_binary(text_writer& out, const json::binary_t& binary) {
  if (binary.has_subtype() && binary.subtype() == spliced_text_subtype) {
    // An empty vector's data() may be null, which memcpy must not be given even for no bytes.
    if (!binary.empty()) out.write(reinterpret_cast<const char*>(binary.data()), binary.size());
    return;
  }
  out.write("{\"bytes\":[", 10);
  bool first = true;
  for (const std::uint8_t byte : binary) {
    if (!first) out.put(',');
    first = false;
    write_integer(out, static_cast<unsigned>(byte));
  }
  out.write("],\"subtype\":", 12);
  if (binary.has_subtype()) {
    write_integer(out, binary.subtype());
    out.put('}');
  } else {
    out.write("null}", 5);
  }
}

// ---- The walk ---------------------------------------------------------------------------------

// An open object or array: its members and the next one to write.
struct open_container {
  const json::object_t* object;  // null for an array
  json::object_t::const_iterator next_member;
  const json::array_t* array;
  json::array_t::const_iterator next_element;
};

// The open containers, innermost last: the first levels in place, deeper ones on the heap.
class open_stack {
 public:
  bool empty() const noexcept { return size_ == 0; }
  open_container& top() noexcept { return size_ <= local_.size() ? local_[size_ - 1] : spill_.back(); }
  void push(const open_container& container) {
    if (size_ < local_.size()) {
      local_[size_] = container;
    } else {
      spill_.push_back(container);
    }
    ++size_;
  }
  void pop() noexcept {
    if (size_ > local_.size()) spill_.pop_back();
    --size_;
  }

 private:
  std::array<open_container, 32> local_;
  std::vector<open_container> spill_;
  std::size_t size_ = 0;
};

inline void write_key(text_writer& out, const std::string& key) {
  write_string(out, key);
  out.put(':');
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  text_writer writer(out);
  write_string(writer, text);
  writer.flush();
}

void append_json(std::string& out, const json& value) {
  text_writer writer(out);
  open_stack open;
  const json* current = &value;
  for (;;) {
    // Write `current`; a container that has members is opened and its first member is next.
    switch (current->type()) {
      case json::value_t::object: {
        const auto& object = *current->get_ptr<const json::object_t*>();
        if (object.empty()) {
          writer.write("{}", 2);
          break;
        }
        writer.put('{');
        const auto first = object.begin();
        write_key(writer, first->first);
        open.push({&object, std::next(first), nullptr, {}});
        current = &first->second;
        continue;
      }
      case json::value_t::array: {
        const auto& array = *current->get_ptr<const json::array_t*>();
        if (array.empty()) {
          writer.write("[]", 2);
          break;
        }
        writer.put('[');
        open.push({nullptr, {}, &array, array.begin() + 1});
        current = &array.front();
        continue;
      }
      case json::value_t::string:
        write_string(writer, *current->get_ptr<const json::string_t*>());
        break;
      case json::value_t::boolean:
        if (*current->get_ptr<const json::boolean_t*>()) {
          writer.write("true", 4);
        } else {
          writer.write("false", 5);
        }
        break;
      case json::value_t::number_integer:
        write_integer(writer, *current->get_ptr<const json::number_integer_t*>());
        break;
      case json::value_t::number_unsigned:
        write_integer(writer, *current->get_ptr<const json::number_unsigned_t*>());
        break;
      case json::value_t::number_float:
        write_float(writer, *current->get_ptr<const json::number_float_t*>());
        break;
      case json::value_t::binary:
        write_binary(writer, *current->get_ptr<const json::binary_t*>());
        break;
      case json::value_t::discarded:
        writer.write("<discarded>", 11);
        break;
      case json::value_t::null:
      default:
        writer.write("null", 4);
        break;
    }
    // `current` is written: move to the next member of the innermost open container, closing
    // every container that has none left.
    for (;;) {
      if (open.empty()) {
        writer.flush();
        return;
      }
      open_container& top = open.top();
      if (top.object != nullptr) {
        if (top.next_member != top.object->end()) {
          writer.put(',');
          write_key(writer, top.next_member->first);
          current = &top.next_member->second;
          ++top.next_member;
          break;
        }
        writer.put('}');
      } else {
        if (top.next_element != top.array->end()) {
          writer.put(',');
          current = &*top.next_element;
          ++top.next_element;
          break;
        }
        writer.put(']');
      }
      open.pop();
    }
  }
}

void json_writer::write_string(std::string_view text) {
  fogbank::core::write_string(*this, text);
}

void json_writer::write_integer(std::int64_t value) {
  fogbank::core::write_integer(*this, value);
}

void json_writer::write_integer(std::uint64_t value) {
  fogbank::core::write_integer(*this, value);
}

void json_writer::write_float(double value) {
  fogbank::core::write_float(*this, value);
}

json spliced_text(std::string_view text) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  return json::binary(json::binary_t::container_type(bytes, bytes + text.size()), spliced_text_subtype);
}

std::string to_json_text(const json& value) {
  std::string out;
  append_json(out, value);
  return out;
}

}  // namespace fogbank::core
