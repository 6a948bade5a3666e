#include "ids.hpp"

#include "fogbank/core/ids.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace fogbank::apigw {
namespace {

constexpr std::string_view lower_alnum = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view base64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string lower_alnum_id(core::id_generator& ids, std::size_t length) {
  std::string out;
  out.reserve(length);
  for (std::size_t i = 0; i < length; ++i) out += lower_alnum[ids.next() % lower_alnum.size()];
  return out;
}

}  // namespace

std::string new_api_id(core::id_generator& ids) {
  return lower_alnum_id(ids, 10);
}

std::string new_resource_id(core::id_generator& ids) {
  return lower_alnum_id(ids, 7);
}

std::string new_event_id(core::id_generator& ids) {
  constexpr std::size_t byte_count = 11;
  std::array<std::uint8_t, byte_count + 1> bytes{};  // one zero byte of padding for the last group
  const std::uint64_t a = ids.next();
  const std::uint64_t b = ids.next();
  for (std::size_t i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(a >> (8 * i));
  for (std::size_t i = 8; i < byte_count; ++i) bytes[i] = static_cast<std::uint8_t>(b >> (8 * (i - 8)));
  std::string out;
  out.reserve(16);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t group =
        (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out += base64url[(group >> 18) & 63];
    out += base64url[(group >> 12) & 63];
    out += base64url[(group >> 6) & 63];
    out += base64url[group & 63];
  }
  // 11 bytes are 88 bits: 15 characters (the last carrying 4 bits) and one '=' of padding.
  out.back() = '=';
  return out;
}

}  // namespace fogbank::apigw
