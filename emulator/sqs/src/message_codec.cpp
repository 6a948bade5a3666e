#include "message_codec.hpp"

#include "message_format.hpp"

#include <cstdint>

namespace fogbank::sqs {
namespace {

// MessagePack as nlohmann's binary_writer writes it (write_msgpack): non-negative integers of
// either signedness as positive fixint, uint8, uint16, uint32 or uint64; negative ones as
// negative fixint, int8 ... int64; strings as fixstr, str8, str16 or str32; maps of up to 15
// members as fixmap, then map16.
class msgpack_writer {
 public:
  explicit msgpack_writer(std::string& out) : out_(out) {}

  void map_header(std::size_t members) {
    if (members <= 15) {
      byte(0x80 | members);
    } else {
      byte(0xDE);
      big_endian(members, 2);
    }
  }

  void unsigned_integer(std::uint64_t value) {
    if (value < 128) {
      byte(value);
    } else if (value <= 0xFF) {
      byte(0xCC);
      big_endian(value, 1);
    } else if (value <= 0xFFFF) {
      byte(0xCD);
      big_endian(value, 2);
    } else if (value <= 0xFFFF'FFFF) {
      byte(0xCE);
      big_endian(value, 4);
    } else {
      byte(0xCF);
      big_endian(value, 8);
    }
  }

  void integer(std::int64_t value) {
    if (value >= 0) {
      unsigned_integer(static_cast<std::uint64_t>(value));
      return;
    }
    const auto bits = static_cast<std::uint64_t>(value);  // two's complement, as nlohmann writes it
    if (value >= -32) {
      byte(bits);
    } else if (value >= INT8_MIN) {
      byte(0xD0);
      big_endian(bits, 1);
    } else if (value >= INT16_MIN) {
      byte(0xD1);
      big_endian(bits, 2);
    } else if (value >= INT32_MIN) {
      byte(0xD2);
      big_endian(bits, 4);
    } else {
      byte(0xD3);
      big_endian(bits, 8);
    }
  }

  void string(std::string_view text) {
    const std::size_t n = text.size();
    if (n <= 31) {
      byte(0xA0 | n);
    } else if (n <= 0xFF) {
      byte(0xD9);
      big_endian(n, 1);
    } else if (n <= 0xFFFF) {
      byte(0xDA);
      big_endian(n, 2);
    } else {
      // Longer than 4 GiB cannot happen: a message is at most 1 MiB (max_message_bytes).
      byte(0xDB);
      big_endian(n, 4);
    }
    out_.append(text);
  }

  // A JSON value (the message attribute maps): the empty map, which almost every message has,
  // directly; anything else through nlohmann, which appends to the string.
  void value(const json& j) {
    if (j.is_object() && j.empty()) {
      byte(0x80);
    } else {
      json::to_msgpack(j, out_);
    }
  }

 private:
  void byte(std::uint64_t value) { out_.push_back(static_cast<char>(value & 0xFF)); }
  void big_endian(std::uint64_t value, int bytes) {
    for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) byte(value >> shift);
  }

  std::string& out_;
};

// What every member but the two attribute maps takes at most beyond its text: a one-byte key,
// a string's five-byte header or an integer's nine bytes.
constexpr std::size_t message_overhead = 3 + 16 * 1 + 8 * 5 + 6 * 9;

}  // namespace

std::string encode_stored_message(const message& m) {
  std::string out;
  out.reserve(message_overhead + m.body.size() + m.id.size() + m.group_id.size() + m.dedup_id.size() +
              m.sequence_number.size() + m.sender_id.size() + m.dead_letter_source_arn.size() +
              m.receipt_handle.size() + 2);
  msgpack_writer w(out);
  w.map_header(16);
  // Members in key order, as a json object (a std::map) holds them.
  w.string("a");
  w.value(m.attributes);
  w.string("b");
  w.string(m.body);
  w.string("c");
  w.integer(m.receive_count);
  w.string("d");
  w.string(m.dedup_id);
  w.string("f");
  w.integer(m.first_receive_ms);
  w.string("g");
  w.string(m.group_id);
  w.string("h");
  w.string(m.receipt_handle);
  w.string("i");
  w.string(m.id);
  w.string("l");
  w.string(m.dead_letter_source_arn);
  w.string("n");
  w.string(m.sequence_number);
  w.string("r");
  w.integer(m.last_receive_ms);
  w.string("s");
  w.unsigned_integer(m.seq);
  w.string("t");
  w.integer(m.sent_ms);
  w.string("u");
  w.string(m.sender_id);
  w.string("v");
  w.integer(m.visible_at_ms);
  w.string("y");
  w.value(m.system_attributes);
  return out;
}

message decode_stored_message(std::string_view bytes) {
  const json j = json::from_msgpack(bytes.begin(), bytes.end());
  message m;
  m.seq = j.at("s").get<std::uint64_t>();
  m.id = j.at("i").get<std::string>();
  m.body = j.at("b").get<std::string>();
  m.attributes = j.at("a");
  m.system_attributes = j.at("y");
  m.group_id = j.at("g").get<std::string>();
  m.dedup_id = j.at("d").get<std::string>();
  m.sequence_number = j.at("n").get<std::string>();
  m.sender_id = j.at("u").get<std::string>();
  m.dead_letter_source_arn = j.at("l").get<std::string>();
  m.sent_ms = j.at("t").get<std::int64_t>();
  m.visible_at_ms = j.at("v").get<std::int64_t>();
  m.first_receive_ms = j.at("f").get<std::int64_t>();
  m.last_receive_ms = j.at("r").get<std::int64_t>();
  m.receive_count = j.at("c").get<std::int64_t>();
  m.receipt_handle = j.at("h").get<std::string>();
  m.md5_body = md5_hex(m.body);
  return m;
}

std::string encode_dedup_record(const dedup_record& r) {
  std::string out;
  out.reserve(3 + 4 + 3 * 5 + 9 + r.group_id.size() + r.message_id.size() + r.sequence_number.size());
  msgpack_writer w(out);
  w.map_header(4);
  w.string("g");
  w.string(r.group_id);
  w.string("i");
  w.string(r.message_id);
  w.string("n");
  w.string(r.sequence_number);
  w.string("x");
  w.integer(r.expires_ms);
  return out;
}

dedup_record decode_dedup_record(std::string_view bytes) {
  const json j = json::from_msgpack(bytes.begin(), bytes.end());
  return dedup_record{j.at("i").get<std::string>(), j.at("n").get<std::string>(),
                      j.at("g").get<std::string>(), j.at("x").get<std::int64_t>()};
}

}  // namespace fogbank::sqs
