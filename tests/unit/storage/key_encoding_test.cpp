#include "fogbank/storage/key_encoding.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace fogbank::storage::key {
namespace {

std::string encode(std::string_view raw) {
  std::string out;
  append_bytes(out, raw);
  return out;
}

int sign(int c) {
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// Random strings over a small alphabet rich in 0x00, 0x01 and 0xFF, so that shared prefixes,
// escapes and terminator collisions are common.
std::string random_bytes(std::mt19937_64& rng) {
  static constexpr char alphabet[] = {'\x00', '\x01', '\x02', 'a', '\x7F', '\x80', '\xFE', '\xFF'};
  std::uniform_int_distribution<int> length(0, 6);
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(alphabet) - 1);
  std::string s;
  const int n = length(rng);
  for (int i = 0; i < n; ++i) s.push_back(alphabet[pick(rng)]);
  return s;
}

TEST(key_integers, are_big_endian_and_round_trip) {
  std::string out;
  append_u32(out, 0x01020304u);
  append_u64(out, 0x05060708090A0B0Cull);
  EXPECT_EQ(out, std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C"));
  std::string_view in = out;
  std::uint32_t a = 0;
  std::uint64_t b = 0;
  ASSERT_TRUE(read_u32(in, a));
  ASSERT_TRUE(read_u64(in, b));
  EXPECT_EQ(a, 0x01020304u);
  EXPECT_EQ(b, 0x05060708090A0B0Cull);
  EXPECT_TRUE(in.empty());
  std::string_view short_input = "abc";
  EXPECT_FALSE(read_u32(short_input, a));
  EXPECT_EQ(short_input, "abc");
}

TEST(key_integers, order_like_numbers) {
  std::mt19937_64 rng(7);
  std::vector<std::uint64_t> values{
      0, 1, 255, 256, std::numeric_limits<std::uint32_t>::max(), std::numeric_limits<std::uint64_t>::max()};
  for (int i = 0; i < 1000; ++i) values.push_back(rng() >> (rng() % 64));
  for (std::size_t i = 0; i + 1 < values.size(); ++i) {
    std::string x;
    std::string y;
    append_u64(x, values[i]);
    append_u64(y, values[i + 1]);
    EXPECT_EQ(sign(x.compare(y)), values[i] < values[i + 1] ? -1 : (values[i] > values[i + 1] ? 1 : 0));
    std::string_view in = x;
    std::uint64_t back = 0;
    ASSERT_TRUE(read_u64(in, back));
    EXPECT_EQ(back, values[i]);
  }
}

TEST(key_bytes, escapes_zero_and_terminates) {
  EXPECT_EQ(encode(""), std::string("\x00\x01", 2));
  EXPECT_EQ(encode("ab"), std::string("ab\x00\x01", 4));
  EXPECT_EQ(encode(std::string("a\x00", 2)), std::string("a\x00\xFF\x00\x01", 5));
}

TEST(key_bytes, rejects_malformed_input) {
  std::string out;
  for (const std::string& bad : {std::string(), std::string("abc"), std::string("a\x00", 2),
                                 std::string("a\x00\x02", 3), std::string("a\x00\xFF", 3)}) {
    std::string_view in = bad;
    EXPECT_FALSE(read_bytes(in, out)) << testing::PrintToString(bad);
    EXPECT_EQ(in.size(), bad.size());
  }
}

TEST(key_bytes, preserve_order_are_prefix_free_and_round_trip) {
  std::mt19937_64 rng(42);
  std::vector<std::string> raw;
  for (int i = 0; i < 2000; ++i) raw.push_back(random_bytes(rng));
  for (const auto& r : raw) {
    const std::string e = encode(r);
    std::string with_tail = e + "\x01tail";
    std::string_view in = with_tail;
    std::string back;
    ASSERT_TRUE(read_bytes(in, back));
    EXPECT_EQ(back, r);
    EXPECT_EQ(in, "\x01tail");
  }
  std::uniform_int_distribution<std::size_t> pick(0, raw.size() - 1);
  for (int trial = 0; trial < 20000; ++trial) {
    const std::string& a = raw[pick(rng)];
    const std::string& b = raw[pick(rng)];
    const std::string ea = encode(a);
    const std::string eb = encode(b);
    ASSERT_EQ(sign(ea.compare(eb)), sign(a.compare(b)))
        << testing::PrintToString(a) << " vs " << testing::PrintToString(b);
    if (a != b) {
      ASSERT_NE(eb.compare(0, ea.size(), ea), 0) << "encoding of a is a prefix of b's";
    }
  }
}

TEST(key_bytes, tuples_order_field_by_field) {
  std::mt19937_64 rng(99);
  std::vector<std::pair<std::string, std::string>> tuples;
  for (int i = 0; i < 1000; ++i) tuples.emplace_back(random_bytes(rng), random_bytes(rng));
  auto encode_tuple = [](const std::pair<std::string, std::string>& t) {
    std::string out;
    append_bytes(out, t.first);
    append_bytes(out, t.second);
    return out;
  };
  std::uniform_int_distribution<std::size_t> pick(0, tuples.size() - 1);
  for (int trial = 0; trial < 20000; ++trial) {
    const auto& a = tuples[pick(rng)];
    const auto& b = tuples[pick(rng)];
    const int expected = a < b ? -1 : (b < a ? 1 : 0);
    ASSERT_EQ(sign(encode_tuple(a).compare(encode_tuple(b))), expected)
        << testing::PrintToString(a) << " vs " << testing::PrintToString(b);
  }
  // And they decode field by field.
  std::string key = encode_tuple({std::string("x\x00", 2), "y"});
  append_u32(key, 7);
  std::string_view in = key;
  std::string first;
  std::string second;
  std::uint32_t n = 0;
  ASSERT_TRUE(read_bytes(in, first));
  ASSERT_TRUE(read_bytes(in, second));
  ASSERT_TRUE(read_u32(in, n));
  EXPECT_EQ(first, std::string("x\x00", 2));
  EXPECT_EQ(second, "y");
  EXPECT_EQ(n, 7u);
  EXPECT_TRUE(in.empty());
}

TEST(key_prefix_successor, bounds_prefix_scans) {
  EXPECT_EQ(prefix_successor("abc"), "abd");
  EXPECT_EQ(prefix_successor(std::string("a\xFF\xFF", 3)), "b");
  EXPECT_EQ(prefix_successor(std::string("a\x00", 2)), std::string("a\x01", 2));
  EXPECT_EQ(prefix_successor(""), "");
  EXPECT_EQ(prefix_successor(std::string("\xFF\xFF", 2)), "");

  // Property: every extension of the prefix sorts below the successor, and the successor
  // itself does not start with the prefix.
  std::mt19937_64 rng(5);
  for (int i = 0; i < 2000; ++i) {
    const std::string prefix = random_bytes(rng);
    const std::string successor = prefix_successor(prefix);
    if (successor.empty()) {
      EXPECT_EQ(prefix.find_first_not_of('\xFF'), std::string::npos) << testing::PrintToString(prefix);
      continue;
    }
    EXPECT_GT(successor, prefix);
    EXPECT_NE(successor.compare(0, prefix.size(), prefix), 0);
    for (int j = 0; j < 10; ++j) {
      const std::string extended = prefix + random_bytes(rng);
      EXPECT_LT(extended, successor) << testing::PrintToString(extended);
    }
  }
}

}  // namespace
}  // namespace fogbank::storage::key
