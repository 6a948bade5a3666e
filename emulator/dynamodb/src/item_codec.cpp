#include "item_codec.hpp"

#include <bit>
#include <cstdint>
#include <utility>

namespace fogbank::dynamodb {
namespace {

using json = nlohmann::json;

// The least a container's element can occupy: an array element is at least its tag byte; a map
// member a key (a fixstr is one byte) and a value.
constexpr std::size_t min_array_element_bytes = 1;
constexpr std::size_t min_map_member_bytes = 2;

// One pass over the bytes, depth first, in the order from_msgpack reads them.
class msgpack_cursor {
 public:
  explicit msgpack_cursor(std::string_view bytes)
      : begin_(bytes.data()), pos_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  // `out` (null) becomes the value at the cursor; `depth` is the number of containers around it.
  void read_value(json& out, int depth) {
    const auto tag = static_cast<std::uint8_t>(*take(1));
    if (tag <= 0x7f) {
      out = json::number_unsigned_t{tag};
    } else if (tag >= 0xe0) {
      out = json::number_integer_t{static_cast<std::int8_t>(tag)};
    } else if (tag >= 0xa0 && tag <= 0xbf) {
      read_string(out, tag & 0x1fu);
    } else if (tag >= 0x90 && tag <= 0x9f) {
      read_array(out, tag & 0x0fu, depth);
    } else if (tag <= 0x8f) {
      read_map(out, tag & 0x0fu, depth);
    } else {
      read_tagged(out, tag, depth);
    }
  }

  void expect_end() const {
    if (pos_ != end_) fail(msgpack_refusal::malformed, "bytes after the value");
  }

 private:
  // The tags between 0xc0 and 0xdf: nil, booleans, bin/ext, numbers with a payload, str/array/map
  // with a length.
  void read_tagged(json& out, std::uint8_t tag, int depth) {
    switch (tag) {
      case 0xc0:
        out = nullptr;
        return;
      case 0xc2:
        out = false;
        return;
      case 0xc3:
        out = true;
        return;
      // from_msgpack widens a float 32 to double, as the cast does.
      case 0xca:
        out = json::number_float_t{std::bit_cast<float>(read_be<std::uint32_t>())};
        return;
      case 0xcb:
        out = json::number_float_t{std::bit_cast<double>(read_be<std::uint64_t>())};
        return;
      case 0xcc:
        out = json::number_unsigned_t{read_be<std::uint8_t>()};
        return;
      case 0xcd:
        out = json::number_unsigned_t{read_be<std::uint16_t>()};
        return;
      case 0xce:
        out = json::number_unsigned_t{read_be<std::uint32_t>()};
        return;
      case 0xcf:
        out = json::number_unsigned_t{read_be<std::uint64_t>()};
        return;
      // Signed encodings stay number_integer even for values >= 0, as from_msgpack has it.
      case 0xd0:
        out = json::number_integer_t{static_cast<std::int8_t>(read_be<std::uint8_t>())};
        return;
      case 0xd1:
        out = json::number_integer_t{static_cast<std::int16_t>(read_be<std::uint16_t>())};
        return;
      case 0xd2:
        out = json::number_integer_t{static_cast<std::int32_t>(read_be<std::uint32_t>())};
        return;
      case 0xd3:
        out = json::number_integer_t{static_cast<std::int64_t>(read_be<std::uint64_t>())};
        return;
      case 0xd9:
        read_string(out, read_be<std::uint8_t>());
        return;
      case 0xda:
        read_string(out, read_be<std::uint16_t>());
        return;
      case 0xdb:
        read_string(out, read_be<std::uint32_t>());
        return;
      case 0xdc:
        read_array(out, read_be<std::uint16_t>(), depth);
        return;
      case 0xdd:
        read_array(out, read_be<std::uint32_t>(), depth);
        return;
      case 0xde:
        read_map(out, read_be<std::uint16_t>(), depth);
        return;
      case 0xdf:
        read_map(out, read_be<std::uint32_t>(), depth);
        return;
      case 0xc4:
      case 0xc5:
      case 0xc6:  // bin 8/16/32
      case 0xc7:
      case 0xc8:
      case 0xc9:  // ext 8/16/32
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:  // fixext 1-16
        fail(msgpack_refusal::unsupported, "a bin or ext value, which fogbank never stores");
      default:  // 0xc1, "never used" in the MessagePack specification
        fail(msgpack_refusal::malformed, "the reserved byte 0xc1");
    }
  }

  void read_string(json& out, std::size_t length) {
    const char* text = take(length);
    out = json::string_t(text, length);
  }

  void read_array(json& out, std::size_t count, int depth) {
    enter(depth);
    promise(count, min_array_element_bytes);
    out = json::array();
    auto& elements = *out.get_ptr<json::array_t*>();
    elements.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      owed_ -= min_array_element_bytes;
      read_value(elements.emplace_back(), depth + 1);
    }
  }

  void read_map(json& out, std::size_t count, int depth) {
    enter(depth);
    promise(count, min_map_member_bytes);
    out = json::object();
    auto& members = *out.get_ptr<json::object_t*>();
    for (std::size_t i = 0; i < count; ++i) {
      owed_ -= min_map_member_bytes;
      // to_msgpack writes members in the map's order, so the end is the right hint and each
      // insertion is constant time. A repeated key keeps its place and takes the later value, as
      // from_msgpack's operator[] does.
      auto member = members.try_emplace(members.end(), read_key());
      read_value(member->second, depth + 1);
    }
  }

  std::string read_key() {
    const auto tag = static_cast<std::uint8_t>(*take(1));
    std::size_t length = 0;
    if (tag >= 0xa0 && tag <= 0xbf) {
      length = tag & 0x1fu;
    } else if (tag == 0xd9) {
      length = read_be<std::uint8_t>();
    } else if (tag == 0xda) {
      length = read_be<std::uint16_t>();
    } else if (tag == 0xdb) {
      length = read_be<std::uint32_t>();
    } else {
      fail(msgpack_refusal::malformed, "a map key that is not a string");
    }
    const char* text = take(length);
    return std::string(text, length);
  }

  void enter(int depth) const {
    if (depth >= max_stored_nesting) fail(msgpack_refusal::too_deep, "containers nested too deep");
  }

  // A container of `count` elements of at least `each` bytes must fit in what is left; the bytes
  // are then owed until its elements are read. Owing them is what bounds allocation: the counts
  // of all open containers together never exceed the input's size, so neither do the reserve()s
  // they make, however the lengths are forged.
  void promise(std::size_t count, std::size_t each) {
    if (count > available() / each) fail(msgpack_refusal::malformed, "a count past the end");
    owed_ += count * each;
  }

  // The bytes the current value may still use: those after the cursor, less those the elements
  // after it in the enclosing containers need at the least. Never negative: every read is checked
  // against it.
  std::size_t available() const { return static_cast<std::size_t>(end_ - pos_) - owed_; }

  const char* take(std::size_t length) {
    if (length > available()) fail(msgpack_refusal::malformed, "a value past the end");
    const char* at = pos_;
    pos_ += length;
    return at;
  }

  // A big-endian unsigned integer of sizeof(T) bytes.
  template <typename T>
  T read_be() {
    const auto* bytes = reinterpret_cast<const unsigned char*>(take(sizeof(T)));
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) value = (value << 8) | bytes[i];
    return static_cast<T>(value);
  }

  [[noreturn]] void fail(msgpack_refusal why, const char* what) const {
    const auto offset = static_cast<std::size_t>(pos_ - begin_);
    throw msgpack_error(why, "unreadable MessagePack at byte " + std::to_string(offset) + ": " + what);
  }

  const char* begin_;
  const char* pos_;
  const char* end_;
  std::size_t owed_ = 0;
};

}  // namespace

json decode_msgpack(std::string_view bytes) {
  msgpack_cursor cursor(bytes);
  json value;
  cursor.read_value(value, 0);
  cursor.expect_end();
  return value;
}

}  // namespace fogbank::dynamodb
