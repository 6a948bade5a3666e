// ws_frame_meter: frame sizes read from client frame headers (RFC 6455 5.2) in every length form,
// whole or split across reads, payloads skipped.

#include "ws_frame_meter.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace fogbank::http {
namespace {

// A masked client frame (FIN, text) with `length` payload bytes.
std::vector<unsigned char> frame(std::uint64_t length) {
  std::vector<unsigned char> out{0x81};
  if (length < 126) {
    out.push_back(static_cast<unsigned char>(0x80 | length));
  } else if (length <= 0xffff) {
    out.push_back(0x80 | 126);
    out.push_back(static_cast<unsigned char>(length >> 8));
    out.push_back(static_cast<unsigned char>(length));
  } else {
    out.push_back(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<unsigned char>(length >> shift));
  }
  for (int i = 0; i < 4; ++i) out.push_back(0x5a);  // the mask key
  out.insert(out.end(), static_cast<std::size_t>(length), 'x');
  return out;
}

TEST(ws_frame_meter, reads_the_7_16_and_64_bit_lengths) {
  for (const std::uint64_t length : {0u, 125u, 126u, 32768u, 32769u, 65535u, 65536u, 131072u}) {
    ws_frame_meter meter;
    const auto bytes = frame(length);
    meter.feed(bytes.data(), bytes.size());
    EXPECT_EQ(meter.largest(), length);
  }
}

TEST(ws_frame_meter, skips_payloads_and_keeps_the_largest_across_frames_split_anywhere) {
  std::vector<unsigned char> stream;
  for (const std::uint64_t length : {10u, 40000u, 300u, 7u}) {
    const auto f = frame(length);
    stream.insert(stream.end(), f.begin(), f.end());
  }
  // Payload bytes that look like headers (0x7f: a 64-bit length) must not be read as one.
  const auto tricky = frame(200);
  std::vector<unsigned char> with_tricky = stream;
  with_tricky.insert(with_tricky.end(), tricky.begin(), tricky.end());
  std::fill(with_tricky.end() - 200, with_tricky.end(), 0xff);
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{4096}, with_tricky.size()}) {
    ws_frame_meter meter;
    for (std::size_t at = 0; at < with_tricky.size(); at += chunk)
      meter.feed(with_tricky.data() + at, std::min(chunk, with_tricky.size() - at));
    EXPECT_EQ(meter.largest(), 40000u) << "chunks of " << chunk;
  }
}

TEST(ws_frame_meter, an_unmasked_frame_has_no_mask_key) {
  // 0x81 0x05 "hello": 5 bytes, then a second frame's header.
  const std::vector<unsigned char> bytes{0x81, 0x05, 'h', 'e', 'l', 'l', 'o', 0x81, 126, 0x80, 0x00};
  ws_frame_meter meter;
  meter.feed(bytes.data(), bytes.size());
  EXPECT_EQ(meter.largest(), 0x8000u);
}

}  // namespace
}  // namespace fogbank::http
