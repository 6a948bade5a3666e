#include "item_codec.hpp"

#include "attribute_value.hpp"

#include "fogbank/core/json_text.hpp"

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

// The bounds every walk over stored bytes keeps: nothing is read past the end, containers nest at
// most max_stored_nesting deep, and what the counts inside claim is paid for in bytes before
// anything is allocated for it.
class msgpack_reader {
 public:
  explicit msgpack_reader(std::string_view bytes)
      : begin_(bytes.data()), pos_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  void expect_end() const {
    if (pos_ != end_) fail(msgpack_refusal::malformed, "bytes after the value");
  }

 protected:
  // The tag of the next value, not taken.
  std::uint8_t peek() {
    const auto tag = static_cast<std::uint8_t>(*take(1));
    --pos_;
    return tag;
  }

  // A map key: to_msgpack writes only strings there.
  std::string_view read_key() {
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
    return {take(length), length};
  }

  // The next value if it is a string (its text), or nothing taken.
  std::optional<std::string_view> read_string_if_any() {
    const std::uint8_t tag = peek();
    if ((tag >= 0xa0 && tag <= 0xbf) || (tag >= 0xd9 && tag <= 0xdb)) return read_key();
    return std::nullopt;
  }

  // The element count of the array at the cursor, or nothing taken if it is not an array.
  std::optional<std::size_t> read_array_header(int depth) {
    return read_container_header(0x90, 0xdc, min_array_element_bytes, depth);
  }

  // The member count of the map at the cursor, or nothing taken if it is not a map.
  std::optional<std::size_t> read_map_header(int depth) {
    return read_container_header(0x80, 0xde, min_map_member_bytes, depth);
  }

  // Before each element of a container whose header was read: its share of what was promised.
  void next_array_element() { owed_ -= min_array_element_bytes; }
  void next_map_member() { owed_ -= min_map_member_bytes; }

  // Passes over one value, checked as decode_msgpack would read it.
  void skip_value(int depth) {
    if (const auto count = read_array_header(depth)) {
      for (std::size_t i = 0; i < *count; ++i) {
        next_array_element();
        skip_value(depth + 1);
      }
      return;
    }
    if (const auto count = read_map_header(depth)) {
      for (std::size_t i = 0; i < *count; ++i) {
        next_map_member();
        read_key();
        skip_value(depth + 1);
      }
      return;
    }
    if (read_string_if_any()) return;
    const auto tag = static_cast<std::uint8_t>(*take(1));
    if (tag <= 0x7f || tag >= 0xe0 || tag == 0xc0 || tag == 0xc2 || tag == 0xc3) return;
    switch (tag) {
      case 0xca:
      case 0xce:
      case 0xd2:
        take(4);
        return;
      case 0xcb:
      case 0xcf:
      case 0xd3:
        take(8);
        return;
      case 0xcc:
      case 0xd0:
        take(1);
        return;
      case 0xcd:
      case 0xd1:
        take(2);
        return;
      default:
        refuse_tag(tag);
    }
  }

  // A tag no value of fogbank's can have.
  [[noreturn]] void refuse_tag(std::uint8_t tag) const {
    if (tag == 0xc1) fail(msgpack_refusal::malformed, "the reserved byte 0xc1");
    fail(msgpack_refusal::unsupported, "a bin or ext value, which fogbank never stores");
  }

  // A container header: the fix form's tags are `fix` to fix + 15 (the count in the low bits),
  // the 16- and 32-bit counts' tags `wide` and wide + 1.
  std::optional<std::size_t> read_container_header(std::uint8_t fix, std::uint8_t wide, std::size_t each,
                                                   int depth) {
    const std::uint8_t tag = peek();
    std::size_t count = 0;
    if ((tag & 0xf0u) == fix) {
      take(1);
      count = tag & 0x0fu;
    } else if (tag == wide || tag == wide + 1) {
      take(1);
      count = tag == wide ? read_be<std::uint16_t>() : read_be<std::uint32_t>();
    } else {
      return std::nullopt;
    }
    enter(depth);
    promise(count, each);
    return count;
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

// Decodes into nlohmann::json, depth first, in the order from_msgpack reads the bytes.
class msgpack_cursor : public msgpack_reader {
 public:
  using msgpack_reader::msgpack_reader;

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
      default:  // bin/ext, and 0xc1
        refuse_tag(tag);
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
      next_array_element();
      read_value(elements.emplace_back(), depth + 1);
    }
  }

  void read_map(json& out, std::size_t count, int depth) {
    enter(depth);
    promise(count, min_map_member_bytes);
    out = json::object();
    auto& members = *out.get_ptr<json::object_t*>();
    for (std::size_t i = 0; i < count; ++i) {
      next_map_member();
      // to_msgpack writes members in the map's order, so the end is the right hint and each
      // insertion is constant time. A repeated key keeps its place and takes the later value, as
      // from_msgpack's operator[] does.
      auto member = members.try_emplace(members.end(), std::string(read_key()));
      read_value(member->second, depth + 1);
    }
  }
};

// Thrown inside the walks below for bytes decode_msgpack reads but that they do not take: they
// answer "not this way" and the caller decodes the bytes instead.
struct not_plain {};

// A reader for the walks that take only maps whose keys come in strictly increasing byte order, as
// to_msgpack writes a json object's: decode_msgpack sorts and de-duplicates keys (a std::map), so
// a walk that follows the bytes' order agrees with it only on such maps.
class ordered_map_reader : public msgpack_reader {
 public:
  using msgpack_reader::msgpack_reader;

 protected:
  // The next member's key of a map whose header was read, `previous` the one before it (empty
  // for the first member); not_plain if it does not come after it.
  std::string_view next_ordered_key(std::size_t member, std::string_view& previous) {
    next_map_member();
    const std::string_view key = read_key();
    if (member > 0 && !(previous < key)) throw not_plain{};
    previous = key;
    return key;
  }
};

// Writes the JSON text of the value at the cursor, as core::append_json writes the value
// decode_msgpack makes of it.
class json_text_writer : public ordered_map_reader {
 public:
  json_text_writer(std::string_view bytes, core::json_writer& out) : ordered_map_reader(bytes), out_(out) {}

  void write_value(int depth) {
    if (const auto count = read_array_header(depth)) {
      out_.put('[');
      for (std::size_t i = 0; i < *count; ++i) {
        if (i > 0) out_.put(',');
        next_array_element();
        write_value(depth + 1);
      }
      out_.put(']');
      return;
    }
    if (const auto count = read_map_header(depth)) {
      out_.put('{');
      std::string_view previous;
      for (std::size_t i = 0; i < *count; ++i) {
        if (i > 0) out_.put(',');
        out_.write_string(next_ordered_key(i, previous));
        out_.put(':');
        write_value(depth + 1);
      }
      out_.put('}');
      return;
    }
    if (const auto text = read_string_if_any()) {
      out_.write_string(*text);
      return;
    }
    write_scalar(static_cast<std::uint8_t>(*take(1)));
  }

 private:
  void write_scalar(std::uint8_t tag) {
    if (tag <= 0x7f) return out_.write_integer(std::uint64_t{tag});
    if (tag >= 0xe0) return out_.write_integer(std::int64_t{static_cast<std::int8_t>(tag)});
    switch (tag) {
      case 0xc0:
        return out_.write("null");
      case 0xc2:
        return out_.write("false");
      case 0xc3:
        return out_.write("true");
      case 0xca:
        return out_.write_float(std::bit_cast<float>(read_be<std::uint32_t>()));
      case 0xcb:
        return out_.write_float(std::bit_cast<double>(read_be<std::uint64_t>()));
      case 0xcc:
        return out_.write_integer(std::uint64_t{read_be<std::uint8_t>()});
      case 0xcd:
        return out_.write_integer(std::uint64_t{read_be<std::uint16_t>()});
      case 0xce:
        return out_.write_integer(std::uint64_t{read_be<std::uint32_t>()});
      case 0xcf:
        return out_.write_integer(read_be<std::uint64_t>());
      case 0xd0:
        return out_.write_integer(std::int64_t{static_cast<std::int8_t>(read_be<std::uint8_t>())});
      case 0xd1:
        return out_.write_integer(std::int64_t{static_cast<std::int16_t>(read_be<std::uint16_t>())});
      case 0xd2:
        return out_.write_integer(std::int64_t{static_cast<std::int32_t>(read_be<std::uint32_t>())});
      case 0xd3:
        return out_.write_integer(static_cast<std::int64_t>(read_be<std::uint64_t>()));
      default:
        refuse_tag(tag);
    }
  }

  core::json_writer& out_;
};

// Sums what item_size counts, over the bytes. It takes well-formed stored items, which is every
// item fogbank stores (validated before it was written): a map of attribute names, in increasing
// order, each to a map of one type name. Anything item_size would read in a way this does not
// follow (several members in a value, a set or list that is not an array, nesting past the
// attribute limit, where item_size throws) is not_plain.
class item_size_reader : public ordered_map_reader {
 public:
  using ordered_map_reader::ordered_map_reader;

  std::size_t item_size() {
    const auto count = read_map_header(0);
    if (!count) throw not_plain{};
    std::size_t size = 0;
    std::string_view previous;
    for (std::size_t i = 0; i < *count; ++i) {
      size += next_ordered_key(i, previous).size();  // the key, then its value: two statements
      size += value_size(1, 1);
    }
    return size;
  }

 private:
  static constexpr std::size_t document_overhead = 3;
  static constexpr std::size_t element_overhead = 1;

  // value_size_at(value, level), with the value `depth` containers down.
  std::size_t value_size(std::size_t level, int depth) {
    if (level > max_attribute_nesting) throw not_plain{};
    const auto members = read_map_header(depth);
    if (!members) {  // not an AttributeValue: no type, no size
      skip_value(depth);
      return 0;
    }
    if (*members == 0) return 0;
    if (*members > 1) throw not_plain{};
    next_map_member();
    const std::optional<value_type> type = type_from_name(read_key());
    if (!type || peek() == 0xc0) {  // an unknown type, or a null body: no type found
      skip_value(depth + 1);
      return 0;
    }
    switch (*type) {
      case value_type::S:
        return string_size(depth + 1, [](std::string_view text) { return text.size(); });
      case value_type::N:
        return string_size(depth + 1, [](std::string_view text) { return number_text_size(text); });
      case value_type::B:
        return string_size(depth + 1, [](std::string_view text) { return binary_text_size(text); });
      case value_type::BOOL:
      case value_type::NUL:
        skip_value(depth + 1);
        return 1;
      case value_type::SS:
        return set_size(depth + 1, [](std::string_view text) { return text.size(); });
      case value_type::NS:
        return set_size(depth + 1, [](std::string_view text) { return number_text_size(text); });
      case value_type::BS:
        return set_size(depth + 1, [](std::string_view text) { return binary_text_size(text); });
      case value_type::L: {
        const auto count = read_array_header(depth + 1);
        if (!count) throw not_plain{};
        std::size_t size = document_overhead;
        for (std::size_t i = 0; i < *count; ++i) {
          next_array_element();
          size += value_size(level + 1, depth + 2) + element_overhead;
        }
        return size;
      }
      case value_type::M: {
        const auto count = read_map_header(depth + 1);
        if (!count) throw not_plain{};
        std::size_t size = document_overhead;
        std::string_view previous;
        for (std::size_t i = 0; i < *count; ++i) {
          size += next_ordered_key(i, previous).size();
          size += value_size(level + 1, depth + 2) + element_overhead;
        }
        return size;
      }
    }
    throw not_plain{};
  }

  // A scalar's size: `of` its text, or 0 for a body that is not a string.
  template <typename SizeOf>
  std::size_t string_size(int depth, SizeOf of) {
    if (const auto text = read_string_if_any()) return of(*text);
    skip_value(depth);
    return 0;
  }

  // A set's size: the sum over its members, each as string_size.
  template <typename SizeOf>
  std::size_t set_size(int depth, SizeOf of) {
    const auto count = read_array_header(depth);
    if (!count) throw not_plain{};
    std::size_t size = 0;
    for (std::size_t i = 0; i < *count; ++i) {
      next_array_element();
      size += string_size(depth + 1, of);
    }
    return size;
  }
};

// Writes to_msgpack's encoding of values at the end of a string (append_msgpack).
class msgpack_writer {
 public:
  explicit msgpack_writer(std::string& out) : out_(out) {}

  void write(const json& value) {
    switch (value.type()) {
      case json::value_t::null:
        out_.push_back(static_cast<char>(0xc0));
        return;
      case json::value_t::boolean:
        out_.push_back(static_cast<char>(value.get_ref<const json::boolean_t&>() ? 0xc3 : 0xc2));
        return;
      case json::value_t::string:
        write_string(value.get_ref<const std::string&>());
        return;
      case json::value_t::array: {
        const auto& elements = value.get_ref<const json::array_t&>();
        write_header(elements.size(), 0x90, 15, 0xdc);
        for (const json& element : elements) write(element);
        return;
      }
      case json::value_t::object: {
        const auto& members = value.get_ref<const json::object_t&>();
        write_header(members.size(), 0x80, 15, 0xde);
        for (const auto& [name, member] : members) {
          write_string(name);
          write(member);
        }
        return;
      }
      default:  // numbers and binary values, which no stored item holds, as nlohmann writes them
        json::to_msgpack(value, out_);
        return;
    }
  }

 private:
  // fixstr up to 31 bytes, then str 8, str 16 and str 32, as to_msgpack chooses.
  void write_string(const std::string& text) {
    const std::size_t length = text.size();
    if (length <= 31) {
      out_.push_back(static_cast<char>(0xa0 | length));
    } else if (length <= 0xff) {
      out_.push_back(static_cast<char>(0xd9));
      out_.push_back(static_cast<char>(length));
    } else if (length <= 0xffff) {
      out_.push_back(static_cast<char>(0xda));
      write_be(static_cast<std::uint16_t>(length));
    } else {
      out_.push_back(static_cast<char>(0xdb));
      write_be(static_cast<std::uint32_t>(length));
    }
    out_.append(text);
  }

  // A container's header: fixarray/fixmap (`fix_tag` | count) up to `fix_max` members, then the
  // 16-bit form (`tag16`) and the 32-bit one (tag16 + 1).
  void write_header(std::size_t count, std::uint8_t fix_tag, std::size_t fix_max, std::uint8_t tag16) {
    if (count <= fix_max) {
      out_.push_back(static_cast<char>(fix_tag | count));
    } else if (count <= 0xffff) {
      out_.push_back(static_cast<char>(tag16));
      write_be(static_cast<std::uint16_t>(count));
    } else {
      out_.push_back(static_cast<char>(tag16 + 1));
      write_be(static_cast<std::uint32_t>(count));
    }
  }

  template <typename Unsigned>
  void write_be(Unsigned value) {
    for (int shift = 8 * (static_cast<int>(sizeof(Unsigned)) - 1); shift >= 0; shift -= 8)
      out_.push_back(static_cast<char>((value >> shift) & 0xffu));
  }

  std::string& out_;
};

}  // namespace

void append_msgpack(std::string& out, const json& value) {
  msgpack_writer(out).write(value);
}

json decode_msgpack(std::string_view bytes) {
  msgpack_cursor cursor(bytes);
  json value;
  cursor.read_value(value, 0);
  cursor.expect_end();
  return value;
}

bool append_stored_json(std::string& out, std::string_view bytes) {
  const std::size_t before = out.size();
  try {
    core::json_writer text(out);
    json_text_writer writer(bytes, text);
    writer.write_value(0);
    writer.expect_end();
    text.flush();
    return true;
  } catch (const not_plain&) {
  } catch (const msgpack_error&) {
  }
  out.resize(before);  // what the writer flushed before it stopped
  return false;
}

std::optional<std::size_t> stored_item_size(std::string_view bytes) {
  try {
    item_size_reader reader(bytes);
    const std::size_t size = reader.item_size();
    reader.expect_end();
    return size;
  } catch (const not_plain&) {
  } catch (const msgpack_error&) {
  }
  return std::nullopt;
}

}  // namespace fogbank::dynamodb
