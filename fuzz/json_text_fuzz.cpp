// core::json_text (emulator/core/include/fogbank/core/json_text.hpp) against its oracle, nlohmann's
// dump(-1, ' ', false, error_handler_t::replace): the two must write the same bytes for every value.
// Aborts with both texts printed when they differ.
//
// Input: a first byte choosing how the rest becomes a value (its value modulo 3):
//   0: the rest is one string (any bytes: invalid UTF-8, controls, quotes);
//   1: the rest is JSON text, parsed (within core::max_request_nesting) as requests are;
//   2: the rest is a little program that builds a value, one operation per byte (below), so that
//      strings with any bytes, keys, numbers from raw bit patterns and binary values meet inside
//      nested objects and arrays (at most 64 levels, which nlohmann's recursive dump can take).

#include "fogbank/core/json_limits.hpp"
#include "fogbank/core/json_text.hpp"

#include <nlohmann/json.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using json = nlohmann::json;

class reader {
 public:
  reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool done() const { return at_ == size_; }
  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  std::uint64_t word() {
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value = value << 8 | byte();
    return value;
  }
  std::string text() {
    const std::size_t length = std::min<std::size_t>(byte(), size_ - at_);
    std::string out(reinterpret_cast<const char*>(data_ + at_), length);
    at_ += length;
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

// Adds `value` to the innermost open container (to an object under the pending key).
void add(std::vector<json>& open, std::string& key, json value) {
  json& top = open.back();
  if (top.is_object()) {
    top[key] = std::move(value);
  } else {
    top.push_back(std::move(value));
  }
}

json build(reader& in) {
  std::vector<json> open;
  open.emplace_back(json::array());
  std::string key;
  while (!in.done()) {
    switch (in.byte() % 11) {
      case 0:
        if (open.size() < 64) open.emplace_back(json::object());
        break;
      case 1:
        if (open.size() < 64) open.emplace_back(json::array());
        break;
      case 2:
        if (open.size() > 1) {
          json closed = std::move(open.back());
          open.pop_back();
          add(open, key, std::move(closed));
        }
        break;
      case 3:
        add(open, key, in.text());
        break;
      case 4:
        add(open, key, static_cast<std::int64_t>(in.word()));
        break;
      case 5:
        add(open, key, in.word());
        break;
      case 6:
        add(open, key, std::bit_cast<double>(in.word()));
        break;
      case 7:
        add(open, key, (in.byte() & 1) != 0);
        break;
      case 8:
        add(open, key, nullptr);
        break;
      case 9: {
        const std::string bytes = in.text();
        json::binary_t::container_type content(bytes.begin(), bytes.end());
        const std::uint8_t subtype = in.byte();
        add(open, key,
            subtype % 2 == 0 ? json::binary(std::move(content)) : json::binary(std::move(content), subtype));
        break;
      }
      default:
        key = in.text();
        break;
    }
  }
  while (open.size() > 1) {
    json closed = std::move(open.back());
    open.pop_back();
    add(open, key, std::move(closed));
  }
  return std::move(open.back());
}

void check(const json& value) {
  const std::string expected = value.dump(-1, ' ', false, json::error_handler_t::replace);
  const std::string actual = fogbank::core::to_json_text(value);
  std::string appended = "x";
  fogbank::core::append_json(appended, value);
  if (actual == expected && appended == "x" + expected) return;
  std::fprintf(stderr, "json_text differs from dump\nexpected (%zu bytes): %s\nactual (%zu bytes):   %s\n",
               expected.size(), expected.c_str(), actual.size(), actual.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {
      check(json(std::string(rest)));
      std::string appended;
      fogbank::core::append_json_string(appended, rest);
      if (appended != json(std::string(rest)).dump(-1, ' ', false, json::error_handler_t::replace))
        std::abort();
      break;
    }
    case 1:
      if (auto parsed = fogbank::core::parse_json_within(rest, fogbank::core::max_request_nesting))
        check(*parsed);
      break;
    default: {
      reader in(data + 1, size - 1);
      check(build(in));
      break;
    }
  }
  return 0;
}
