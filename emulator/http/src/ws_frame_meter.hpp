#pragma once
// The sizes of the WebSocket frames a client sends, read from the bytes as they arrive (RFC 6455
// section 5.2's header: 2 bytes, then a 16- or 64-bit extended length, then a 4-byte mask key),
// because Beast limits messages but has no per-frame limit, and API Gateway has one: 32 KB a
// frame ("Quotas for configuring and running a WebSocket API in API Gateway": a larger frame
// closes the connection with 1009). No recursion, constant memory: a hostile byte stream only
// makes the numbers large.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace fogbank::http {

class ws_frame_meter {
 public:
  // The next `size` bytes the client sent, from the first byte of its first frame on.
  void feed(const unsigned char* data, std::size_t size) {
    while (size > 0) {
      if (payload_left_ > 0) {
        const std::uint64_t skip = std::min<std::uint64_t>(payload_left_, size);
        payload_left_ -= skip;
        data += skip;
        size -= static_cast<std::size_t>(skip);
        continue;
      }
      header_[have_++] = *data++;
      --size;
      if (have_ == 2) need_ = header_size();
      if (have_ == need_) end_header();
    }
  }

  // The largest payload of any frame whose header has been read whole.
  std::uint64_t largest() const noexcept { return largest_; }

 private:
  // Bytes of the header begun in header_ (its first 2 known).
  std::size_t header_size() const noexcept {
    const unsigned length7 = header_[1] & 0x7fu;
    const bool masked = (header_[1] & 0x80u) != 0;
    return 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + (masked ? 4 : 0);
  }

  void end_header() noexcept {
    const unsigned length7 = header_[1] & 0x7fu;
    std::uint64_t length = length7;
    const std::size_t extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
    if (extended > 0) {
      length = 0;
      for (std::size_t i = 0; i < extended; ++i) length = (length << 8) | header_[2 + i];
    }
    largest_ = std::max(largest_, length);
    payload_left_ = length;
    have_ = 0;
    need_ = 2;
  }

  // The longest header: 2 bytes, a 64-bit length and a mask key.
  std::array<unsigned char, 14> header_{};
  std::size_t have_ = 0;
  std::size_t need_ = 2;
  std::uint64_t payload_left_ = 0;
  std::uint64_t largest_ = 0;
};

}  // namespace fogbank::http
