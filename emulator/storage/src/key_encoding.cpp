#include "fogbank/storage/key_encoding.hpp"

#include <cstddef>
#include <utility>

namespace fogbank::storage::key {
namespace {

constexpr char escape = '\x00';
constexpr char escaped_zero = '\xFF';  // 0x00 0xFF: a zero byte inside the string
constexpr char terminator = '\x01';    // 0x00 0x01: end of string, sorts below 0x00 0xFF

template <typename T>
void append_big_endian(std::string& out, T value) {
  for (int shift = static_cast<int>(sizeof(T) * 8) - 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>(static_cast<unsigned char>(value >> shift)));
  }
}

template <typename T>
bool read_big_endian(std::string_view& in, T& value) {
  if (in.size() < sizeof(T)) return false;
  T result = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    result = static_cast<T>((result << 8) | static_cast<unsigned char>(in[i]));
  }
  value = result;
  in.remove_prefix(sizeof(T));
  return true;
}

}  // namespace

void append_u32(std::string& out, std::uint32_t value) {
  append_big_endian(out, value);
}
void append_u64(std::string& out, std::uint64_t value) {
  append_big_endian(out, value);
}
bool read_u32(std::string_view& in, std::uint32_t& value) {
  return read_big_endian(in, value);
}
bool read_u64(std::string_view& in, std::uint64_t& value) {
  return read_big_endian(in, value);
}

void append_bytes(std::string& out, std::string_view bytes) {
  out.reserve(out.size() + bytes.size() + 2);
  // Copy runs between zero bytes in one go; keys are mostly zero-free text.
  std::size_t start = 0;
  for (std::size_t zero = bytes.find(escape); zero != std::string_view::npos;
       zero = bytes.find(escape, start)) {
    out.append(bytes.substr(start, zero - start));
    out.push_back(escape);
    out.push_back(escaped_zero);
    start = zero + 1;
  }
  out.append(bytes.substr(start));
  out.push_back(escape);
  out.push_back(terminator);
}

bool read_bytes(std::string_view& in, std::string& out) {
  std::string result;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t zero = in.find(escape, pos);
    if (zero == std::string_view::npos || zero + 1 >= in.size()) return false;
    result.append(in.substr(pos, zero - pos));
    if (in[zero + 1] == terminator) {
      out = std::move(result);
      in.remove_prefix(zero + 2);
      return true;
    }
    if (in[zero + 1] != escaped_zero) return false;
    result.push_back(escape);
    pos = zero + 2;
  }
}

std::string prefix_successor(std::string_view prefix) {
  // Drop trailing 0xFF bytes (nothing follows them at that position), then bump the last byte.
  std::string result(prefix);
  while (!result.empty() && static_cast<unsigned char>(result.back()) == 0xFF) result.pop_back();
  if (result.empty()) return result;
  result.back() = static_cast<char>(static_cast<unsigned char>(result.back()) + 1);
  return result;
}

}  // namespace fogbank::storage::key
