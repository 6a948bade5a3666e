// decode_msgpack against json::from_msgpack: on seeded random values of item-like shapes (and
// around every MessagePack length and integer boundary), the same value with the same value type
// at every node; on malformed bytes (every truncation, forged lengths, nesting, trailing bytes,
// 0xc1, bin/ext) a msgpack_error, never a crash or an out-of-bounds read (run under ASan too).
// append_stored_json and stored_item_size against what they stand for, core::append_json and
// item_size of the decoded value: the same text and size, or a refusal, never anything else.

#include "item_codec.hpp"
#include "attribute_value.hpp"
#include "json_identical.hpp"
#include "service_impl.hpp"

#include "fogbank/core/aws_error.hpp"
#include "fogbank/core/json_text.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace fogbank::dynamodb {
namespace {

using nlohmann::json;

std::string codec_bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

// Both decoders read `bytes` to identical values.
void expect_same_decoding(const std::string& bytes) {
  const json expected = json::from_msgpack(bytes.begin(), bytes.end());
  json actual;
  ASSERT_NO_THROW(actual = decode_msgpack(bytes)) << json::to_msgpack(expected).size();
  EXPECT_TRUE(test_support::json_identical(actual, expected)) << actual.dump() << "\n  vs\n"
                                                              << expected.dump();
}

msgpack_refusal refusal_of(const std::string& bytes) {
  try {
    static_cast<void>(decode_msgpack(bytes));
  } catch (const msgpack_error& e) {
    return e.why();
  }
  ADD_FAILURE() << "decoded, expected a refusal";
  return msgpack_refusal::malformed;
}

// Lengths at every MessagePack boundary: fixstr/str8 (31/32), str8/str16 (255/256), str16/str32
// (65535/65536), and for containers fixarray/fixmap (15/16) and 16/32-bit counts.
const std::vector<std::size_t> string_lengths{0, 1, 5, 31, 32, 33, 255, 256, 65535, 65536};

// Integers around every boundary of positive/negative fixint, int8-64 and uint8-64.
std::vector<std::int64_t> codec_signed_boundaries() {
  std::vector<std::int64_t> out;
  const std::int64_t edges[] = {0,
                                127,
                                255,
                                65535,
                                4294967295LL,
                                -32,
                                -128,
                                -32768,
                                -2147483648LL,
                                std::numeric_limits<std::int64_t>::max(),
                                std::numeric_limits<std::int64_t>::min()};
  for (std::int64_t edge : edges) {
    for (std::int64_t delta : {-1, 0, 1}) {
      if ((delta > 0 && edge == std::numeric_limits<std::int64_t>::max()) ||
          (delta < 0 && edge == std::numeric_limits<std::int64_t>::min()))
        continue;
      out.push_back(edge + delta);
    }
  }
  return out;
}

class random_item_source {
 public:
  explicit random_item_source(std::uint64_t seed) : rng_(seed) {}

  json value(int depth) {
    const auto pick = rng_() % (depth >= 6 ? 6 : 9);
    switch (pick) {
      case 0:
        return nullptr;
      case 1:
        return rng_() % 2 == 0;
      case 2:
        return text();
      case 3:
        return integer();
      case 4:
        return floating();
      case 5:
        return text();
      case 6:
      case 7:
        return map(depth);
      default:
        return list(depth);
    }
  }

  // An item: attribute names to DynamoDB-like values.
  json item() {
    json out = json::object();
    const auto members = rng_() % 8;
    for (std::size_t i = 0; i < members; ++i) {
      json attribute;
      switch (rng_() % 4) {
        case 0:
          attribute = {{"S", text()}};
          break;
        case 1:
          attribute = {{"N", std::to_string(static_cast<std::int64_t>(rng_()))}};
          break;
        case 2:
          attribute = {{"M", map(1)}};
          break;
        default:
          attribute = {{"L", list(1)}};
          break;
      }
      out[text(32)] = std::move(attribute);
    }
    return out;
  }

 private:
  std::string text(std::size_t max_random = 300) {
    // Mostly short; one in forty at a MessagePack boundary (the long ones are most of the time).
    const std::size_t length =
        rng_() % 40 == 0 ? string_lengths[rng_() % string_lengths.size()] : rng_() % max_random;
    // Random bytes (MessagePack strings are bytes: neither decoder checks UTF-8); long ones
    // mostly one byte, which keeps the test fast at -O0.
    std::string out(length, static_cast<char>(rng_() % 256));
    for (std::size_t i = 0; i < std::min<std::size_t>(length, 300); ++i) {
      out[rng_() % length] = static_cast<char>(rng_() % 256);
    }
    return out;
  }

  json integer() {
    static const std::vector<std::int64_t> boundaries = codec_signed_boundaries();
    switch (rng_() % 4) {
      case 0:
        return boundaries[rng_() % boundaries.size()];  // number_integer
      case 1: {
        // number_unsigned, up to the uint64 extremes.
        const std::uint64_t edges[] = {0,
                                       127,
                                       128,
                                       255,
                                       256,
                                       65535,
                                       65536,
                                       4294967295u,
                                       4294967296u,
                                       std::numeric_limits<std::uint64_t>::max(),
                                       std::numeric_limits<std::uint64_t>::max() - 1,
                                       std::uint64_t{1} << 63};
        return edges[rng_() % std::size(edges)];
      }
      case 2:
        return static_cast<std::int64_t>(rng_());
      default:
        return static_cast<std::uint64_t>(rng_());
    }
  }

  json floating() {
    const double specials[] = {0.0,
                               -0.0,
                               1.5,
                               -2.25,
                               0.1,
                               1e308,
                               -1e-308,
                               5e-324,
                               3.4028234663852886e38,
                               std::numeric_limits<double>::infinity(),
                               -std::numeric_limits<double>::infinity(),
                               std::numeric_limits<double>::quiet_NaN(),
                               static_cast<double>(std::numeric_limits<float>::denorm_min())};
    if (rng_() % 3 == 0) return specials[rng_() % std::size(specials)];
    const auto d = std::bit_cast<double>(static_cast<std::uint64_t>(rng_()));
    // Every other one float-representable, which to_msgpack writes as float 32 (narrowed only
    // within float's range, where the conversion is defined).
    const bool narrow = rng_() % 2 == 0 && std::abs(d) <= std::numeric_limits<float>::max();
    return narrow ? static_cast<double>(static_cast<float>(d)) : d;
  }

  json map(int depth) {
    json out = json::object();
    const auto members = rng_() % 10 == 0 ? 14 + rng_() % 4 : rng_() % 6;
    for (std::size_t i = 0; i < members; ++i) out[text(40)] = value(depth + 1);
    return out;
  }

  json list(int depth) {
    json out = json::array();
    const auto elements = rng_() % 10 == 0 ? 14 + rng_() % 4 : rng_() % 6;
    for (std::size_t i = 0; i < elements; ++i) out.push_back(value(depth + 1));
    return out;
  }

  std::mt19937_64 rng_;
};

TEST(ItemCodecTest, RandomValuesDecodeAsFromMsgpack) {
  random_item_source source(20261201);
  for (int i = 0; i < 2000; ++i) {
    const json value = i % 2 == 0 ? source.item() : source.value(0);
    std::string bytes;
    json::to_msgpack(value, bytes);
    SCOPED_TRACE(i);
    expect_same_decoding(bytes);
    if (HasFailure()) return;
  }
}

// append_msgpack writes the bytes json::to_msgpack writes, after what the string held: on random
// values of every type and around every length and integer boundary, binary values included.
void expect_encoded_as_to_msgpack(const json& value) {
  const std::vector<std::uint8_t> reference = json::to_msgpack(value);
  const std::string expected = "held" + std::string(reference.begin(), reference.end());
  std::string actual = "held";
  append_msgpack(actual, value);
  EXPECT_TRUE(actual == expected)
      << "append_msgpack wrote " << actual.size() - 4 << " bytes, to_msgpack " << reference.size()
      << ", first difference at byte "
      << std::mismatch(actual.begin(), actual.end(), expected.begin(), expected.end()).first - actual.begin();
}

TEST(ItemCodecTest, AppendMsgpackWritesWhatToMsgpackWrites) {
  random_item_source source(20261203);
  for (int i = 0; i < 3000; ++i) {
    SCOPED_TRACE(i);
    expect_encoded_as_to_msgpack(i % 2 == 0 ? source.item() : source.value(0));
    if (HasFailure()) return;
  }
  for (std::size_t length : string_lengths) {
    SCOPED_TRACE(length);
    expect_encoded_as_to_msgpack(std::string(length, 'x'));
    expect_encoded_as_to_msgpack(json{{std::string(length, 'k'), "v"}});
  }
  for (std::size_t count : {0, 15, 16, 65535, 65536}) {
    SCOPED_TRACE(count);
    expect_encoded_as_to_msgpack(json(std::vector<std::string>(count, "e")));
    json map = json::object();
    for (std::size_t i = 0; i < count; ++i) map[std::to_string(i)] = true;
    expect_encoded_as_to_msgpack(map);
  }
  for (std::int64_t n : codec_signed_boundaries())
    expect_encoded_as_to_msgpack(json::array({n, false, nullptr}));
  expect_encoded_as_to_msgpack(json{{"b", json::binary({1, 2, 3})}, {"t", json::binary({4}, 7)}, {"f", 0.5}});
}

TEST(ItemCodecTest, ScalarsAtEveryBoundaryKeepTheirType) {
  for (std::int64_t n : codec_signed_boundaries()) {
    SCOPED_TRACE(n);
    std::string bytes;
    json::to_msgpack(json(n), bytes);
    expect_same_decoding(bytes);
    if (n >= 0) {
      bytes.clear();
      json::to_msgpack(json(static_cast<std::uint64_t>(n)), bytes);
      expect_same_decoding(bytes);
    }
  }
  std::string bytes;
  json::to_msgpack(json(std::numeric_limits<std::uint64_t>::max()), bytes);
  expect_same_decoding(bytes);
  // A positive number_integer comes back number_unsigned (to_msgpack writes it unsigned), a
  // negative one number_integer.
  bytes.clear();
  json::to_msgpack(json(std::int64_t{5}), bytes);
  EXPECT_EQ(decode_msgpack(bytes).type(), json::value_t::number_unsigned);
  bytes.clear();
  json::to_msgpack(json(std::int64_t{-5}), bytes);
  EXPECT_EQ(decode_msgpack(bytes).type(), json::value_t::number_integer);
}

TEST(ItemCodecTest, StringsAndContainersAtEveryLengthBoundary) {
  for (std::size_t length : string_lengths) {
    SCOPED_TRACE(length);
    std::string bytes;
    json::to_msgpack(json(std::string(length, 'x')), bytes);
    expect_same_decoding(bytes);
    // As a key, too.
    bytes.clear();
    json::to_msgpack(json{{std::string(length, 'k'), 1}}, bytes);
    expect_same_decoding(bytes);
  }
  for (std::size_t count : {0, 15, 16, 65535, 65536}) {
    SCOPED_TRACE(count);
    std::string bytes;
    json::to_msgpack(json(std::vector<int>(count, 1)), bytes);
    expect_same_decoding(bytes);
    json map = json::object();
    for (std::size_t i = 0; i < count; ++i) map[std::to_string(i)] = nullptr;
    bytes.clear();
    json::to_msgpack(map, bytes);
    expect_same_decoding(bytes);
  }
}

// Encodings to_msgpack never writes but from_msgpack reads: wide encodings of small numbers,
// signed encodings of positive ones, str8 for short text, members out of order, repeated keys.
TEST(ItemCodecTest, NonCanonicalEncodingsDecodeAsFromMsgpack) {
  const std::vector<std::string> cases{
      codec_bytes({0xcf, 0, 0, 0, 0, 0, 0, 0, 1}),
      codec_bytes({0xd0, 0x05}),
      codec_bytes({0xd3, 0, 0, 0, 0, 0, 0, 0, 7}),
      codec_bytes({0xd9, 0x01, 'a'}),
      codec_bytes({0xdb, 0, 0, 0, 0}),
      codec_bytes({0xdd, 0, 0, 0, 0}),
      codec_bytes({0xde, 0, 1, 0xa1, 'a', 0xc0}),
      codec_bytes({0xca, 0x3f, 0xc0, 0, 0}),
      codec_bytes({0x83, 0xa1, 'b', 0x01, 0xa1, 'a', 0x02, 0xa1, 'c', 0x03}),
      codec_bytes({0x83, 0xa1, 'a', 0x01, 0xa1, 'b', 0x02, 0xa1, 'a', 0x91, 0x03}),
      codec_bytes({0x82, 0xa1, 'a', 0x81, 0xa1, 'x', 0x01, 0xa1, 'a', 0xc3}),
      codec_bytes({0x81, 0xda, 0, 1, 'k', 0x90}),
  };
  for (const std::string& bytes : cases) {
    SCOPED_TRACE(testing::PrintToString(bytes));
    expect_same_decoding(bytes);
  }
  EXPECT_EQ(decode_msgpack(codec_bytes({0xd0, 0x05})).type(), json::value_t::number_integer);
  EXPECT_EQ(decode_msgpack(codec_bytes({0x82, 0xa1, 'a', 0x01, 0xa1, 'a', 0x02})), json({{"a", 2}}));
}

TEST(ItemCodecTest, EveryTruncationIsRefused) {
  random_item_source source(7);
  int checked = 0;
  while (checked < 200) {
    const json value = source.value(0);
    std::string bytes;
    json::to_msgpack(value, bytes);
    if (bytes.size() > 4096) continue;
    ++checked;
    for (std::size_t length = 0; length < bytes.size(); ++length) {
      EXPECT_EQ(refusal_of(bytes.substr(0, length)), msgpack_refusal::malformed) << length;
    }
  }
}

TEST(ItemCodecTest, TrailingBytesAreRefused) {
  std::string bytes;
  json::to_msgpack(json{{"a", {1, 2, "x"}}}, bytes);
  EXPECT_EQ(refusal_of(bytes + '\xc0'), msgpack_refusal::malformed);
  EXPECT_EQ(refusal_of(bytes + bytes), msgpack_refusal::malformed);
  EXPECT_EQ(refusal_of(codec_bytes({0xc0, 0x00})), msgpack_refusal::malformed);
}

TEST(ItemCodecTest, ForgedLengthsAreRefusedWithoutReadingOrAllocatingThem) {
  const std::vector<std::string> cases{
      codec_bytes({0xdb, 0xff, 0xff, 0xff, 0xff, 'a'}),
      codec_bytes({0xda, 0xff, 0xff}),
      codec_bytes({0xd9, 0x02, 'a'}),
      codec_bytes({0xa5, 'a', 'b'}),
      codec_bytes({0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0}),
      codec_bytes({0xdf, 0xff, 0xff, 0xff, 0xff, 0xa0, 0xc0}),
      codec_bytes({0xdc, 0xff, 0xff, 0xc0}),
      codec_bytes({0xde, 0x00, 0x02, 0xa0, 0xc0, 0xa0}),
      // A map member needs two bytes: one member claimed in one byte.
      codec_bytes({0x81, 0xa0}),
      // A key whose length runs past the end, and one that leaves nothing for its value.
      codec_bytes({0x81, 0xdb, 0x7f, 0xff, 0xff, 0xff, 'k', 0xc0}),
      codec_bytes({0x81, 0xa1, 'k'}),
      // Nested arrays, each claiming as many elements as bytes remain: together they would
      // reserve far more than the input.
      codec_bytes({0xdd, 0, 0, 0, 3, 0xdd, 0, 0, 0, 2, 0xc0, 0xc0}),
  };
  for (const std::string& bytes : cases) {
    SCOPED_TRACE(testing::PrintToString(bytes));
    EXPECT_EQ(refusal_of(bytes), msgpack_refusal::malformed);
    json ignored;
    EXPECT_ANY_THROW(ignored = json::from_msgpack(bytes.begin(), bytes.end()));
  }
  // A chain of array32 headers, each claiming every byte after it: refused at the second header,
  // which would need more than what the first one still owes.
  std::string chain;
  for (int i = 0; i < 100; ++i) chain += codec_bytes({0xdd, 0, 0, 0x01, 0xf4});
  chain += std::string(500, '\xc0');
  EXPECT_EQ(refusal_of(chain), msgpack_refusal::malformed);
}

TEST(ItemCodecTest, NestingIsBoundedByMaxStoredNesting) {
  const auto nested_arrays = [](int levels) {
    return std::string(static_cast<std::size_t>(levels), '\x91') + '\xc0';
  };
  const auto nested_maps = [](int levels) {
    std::string out;
    for (int i = 0; i < levels; ++i) out += codec_bytes({0x81, 0xa1, 'a'});
    return out + '\xc0';
  };
  expect_same_decoding(nested_arrays(max_stored_nesting));
  expect_same_decoding(nested_maps(max_stored_nesting));
  EXPECT_EQ(refusal_of(nested_arrays(max_stored_nesting + 1)), msgpack_refusal::too_deep);
  EXPECT_EQ(refusal_of(nested_maps(max_stored_nesting + 1)), msgpack_refusal::too_deep);
  EXPECT_EQ(refusal_of(nested_arrays(100000)), msgpack_refusal::too_deep);
  // The deepest item DynamoDB accepts (32 levels of M) decodes.
  json item = {{"S", "leaf"}};
  for (int i = 1; i < 32; ++i) item = {{"M", {{"a", item}}}};
  item = {{"pk", item}};
  std::string bytes;
  json::to_msgpack(item, bytes);
  expect_same_decoding(bytes);
}

TEST(ItemCodecTest, ReservedByteAndNonStringKeysAreRefused) {
  EXPECT_EQ(refusal_of(codec_bytes({0xc1})), msgpack_refusal::malformed);
  EXPECT_EQ(refusal_of(codec_bytes({0x92, 0xc0, 0xc1})), msgpack_refusal::malformed);
  EXPECT_EQ(refusal_of(codec_bytes({0x81, 0xc1, 0xc0})), msgpack_refusal::malformed);
  EXPECT_EQ(refusal_of(codec_bytes({0x81, 0xa1, 'a', 0xc1})), msgpack_refusal::malformed);
  EXPECT_EQ(refusal_of(codec_bytes({0x81, 0x01, 0x02})), msgpack_refusal::malformed);
  EXPECT_EQ(refusal_of(codec_bytes({0x81, 0x90, 0x02})), msgpack_refusal::malformed);
  for (const std::string& bytes : {codec_bytes({0xc1}), codec_bytes({0x81, 0x01, 0x02})}) {
    json ignored;
    EXPECT_ANY_THROW(ignored = json::from_msgpack(bytes.begin(), bytes.end()));
  }
}

// from_msgpack reads bin and ext as json binary values; fogbank never stores one (items come
// from JSON text), so they are refused as such.
TEST(ItemCodecTest, BinaryAndExtensionValuesAreRefused) {
  for (const std::string& bytes :
       {codec_bytes({0xc4, 0x01, 'x'}), codec_bytes({0xc5, 0, 0}), codec_bytes({0xc6, 0, 0, 0, 0}),
        codec_bytes({0xc7, 0x01, 0x05, 'x'}), codec_bytes({0xc8, 0, 0, 0x05}),
        codec_bytes({0xc9, 0, 0, 0, 0, 0x05}), codec_bytes({0xd4, 0x01, 'x'}),
        codec_bytes({0xd5, 0x01, 'x', 'y'}), codec_bytes({0xd6, 0x01, 1, 2, 3, 4}),
        codec_bytes({0xd7, 0x01, 1, 2, 3, 4, 5, 6, 7, 8}),
        codec_bytes({0xd8, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8}),
        codec_bytes({0x91, 0xc4, 0x00})}) {
    SCOPED_TRACE(testing::PrintToString(bytes));
    EXPECT_EQ(refusal_of(bytes), msgpack_refusal::unsupported);
    EXPECT_TRUE(json::from_msgpack(bytes.begin(), bytes.end()).is_binary() ||
                json::from_msgpack(bytes.begin(), bytes.end())[0].is_binary());
  }
}

// Random byte flips in valid encodings: either both decoders refuse, or both read the same value
// (fogbank's refusing a bin/ext value from_msgpack reads).
TEST(ItemCodecTest, CorruptedBytesDecodeAsFromMsgpackOrAreRefused) {
  random_item_source source(99);
  std::mt19937_64 rng(5);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes;
    json::to_msgpack(source.value(0), bytes);
    if (bytes.empty() || bytes.size() > 4096) continue;
    for (int flips = 0; flips < 3; ++flips) {
      bytes[rng() % bytes.size()] = static_cast<char>(rng() % 256);
    }
    bool reference_ok = true;
    json reference;
    try {
      reference = json::from_msgpack(bytes.begin(), bytes.end());
    } catch (const json::exception&) {
      reference_ok = false;
    }
    try {
      const json actual = decode_msgpack(bytes);
      ASSERT_TRUE(reference_ok) << testing::PrintToString(bytes);
      ASSERT_TRUE(test_support::json_identical(actual, reference)) << testing::PrintToString(bytes);
    } catch (const msgpack_error& e) {
      if (reference_ok) {
        ASSERT_EQ(e.why(), msgpack_refusal::unsupported) << testing::PrintToString(bytes);
      }
    }
  }
}

TEST(ItemCodecTest, DecodeItemReportsUnreadableBytesAsInternalFailure) {
  try {
    decode_item(codec_bytes({0x81, 0xa1, 'a'}));
    FAIL() << "decoded a truncated item";
  } catch (const core::aws_error& e) {
    EXPECT_EQ(e.code(), core::error_code::internal_failure);
    EXPECT_STREQ(e.what(), "Internal server error: unreadable stored item");
  }
  const json item = {{"pk", {{"S", "a"}}}, {"n", {{"N", "1"}}}};
  EXPECT_EQ(decode_item(encode_item(item)), item);
}

// ---- Answers written from the bytes ----

// Items as DynamoDB holds them: every type, numbers canonical or not (stored ones are canonical;
// stored_item_size must still count any text as number_text_size does), sets, nested documents.
class typed_item_source {
 public:
  explicit typed_item_source(std::uint64_t seed) : rng_(seed) {}

  json item() {
    json out = json::object();
    const auto members = rng_() % 10;
    for (std::size_t i = 0; i < members; ++i) out[text(12)] = value(1);
    return out;
  }

 private:
  json value(int level) {
    switch (rng_() % (level >= 5 ? 8 : 10)) {
      case 0:
        return {{"S", text(80)}};
      case 1:
        return {{"N", number()}};
      case 2:
        return {{"B", base64()}};
      case 3:
        return {{"BOOL", rng_() % 2 == 0}};
      case 4:
        return {{"NULL", true}};
      case 5:
        return {{"SS", set_of([this] { return text(20); })}};
      case 6:
        return {{"NS", set_of([this] { return number(); })}};
      case 7:
        return {{"BS", set_of([this] { return base64(); })}};
      case 8: {
        json list = json::array();
        for (auto n = rng_() % 5; n > 0; --n) list.push_back(value(level + 1));
        return {{"L", std::move(list)}};
      }
      default: {
        json map = json::object();
        for (auto n = rng_() % 5; n > 0; --n) map[text(8)] = value(level + 1);
        return {{"M", std::move(map)}};
      }
    }
  }

  template <typename Make>
  json set_of(Make make) {
    json out = json::array();
    for (auto n = 1 + rng_() % 4; n > 0; --n) out.push_back(make());
    return out;
  }

  std::string number() {
    static const char* const texts[] = {"0",
                                        "-0",
                                        "1",
                                        "-1",
                                        "10",
                                        "100",
                                        "0.5",
                                        "1.5",
                                        "1.50",
                                        "007",
                                        "1e3",
                                        "-2.5E-3",
                                        "123456789012345678901234567890",
                                        "0.0001",
                                        "9.9e125",
                                        "-1e-130",
                                        "abc",
                                        ""};
    if (rng_() % 2 == 0) return texts[rng_() % std::size(texts)];
    return std::to_string(static_cast<std::int64_t>(rng_()) >> (rng_() % 60));
  }

  std::string base64() { return core::base64_encode(text(30)); }

  // Any bytes, control and invalid UTF-8 ones included: the text writer escapes and replaces them.
  std::string text(std::size_t max_length) {
    std::string out(rng_() % max_length, ' ');
    for (char& c : out) c = static_cast<char>(rng_() % 4 == 0 ? rng_() % 256 : 'a' + rng_() % 26);
    return out;
  }

  std::mt19937_64 rng_;
};

// What the two answer from `bytes`, checked against the decoded value; `always` says they must
// not refuse (bytes to_msgpack wrote for an item).
void expect_answers_as_decoded(const std::string& bytes, bool always) {
  std::optional<json> decoded;
  try {
    decoded = decode_msgpack(bytes);
  } catch (const msgpack_error&) {
  }
  const std::string before = "[1,";
  std::string text = before;
  const bool written = append_stored_json(text, bytes);
  const std::optional<std::size_t> size = stored_item_size(bytes);
  if (!decoded) {
    EXPECT_FALSE(written);
    EXPECT_FALSE(size.has_value());
  }
  if (!written) {
    EXPECT_EQ(text, before);
  } else {
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(text, before + core::to_json_text(*decoded));
  }
  std::optional<std::size_t> expected_size;
  if (decoded) {
    try {
      expected_size = item_size(*decoded);
    } catch (const core::aws_error&) {  // nested too deep: stored_item_size must refuse
    }
  }
  if (size) {
    ASSERT_TRUE(expected_size.has_value());
    EXPECT_EQ(*size, *expected_size);
  }
  if (always) {
    EXPECT_TRUE(written);
    EXPECT_TRUE(size.has_value());
  }
}

TEST(StoredAnswersTest, ItemsWriteAndSizeAsTheirDecodedValue) {
  typed_item_source source(20261202);
  for (int i = 0; i < 3000; ++i) {
    const json item = source.item();
    SCOPED_TRACE(core::to_json_text(item));
    expect_answers_as_decoded(encode_item(item), true);
    if (HasFailure()) return;
  }
}

// Any value to_msgpack writes (floats, integers of every width, nulls, non-items): the same text
// as the decoded value's; a size only where item_size would give the same one.
TEST(StoredAnswersTest, AnyValueWritesAsItsDecodedText) {
  random_item_source source(7);
  for (int i = 0; i < 2000; ++i) {
    const json value = i % 2 == 0 ? source.item() : source.value(0);
    std::string bytes;
    json::to_msgpack(value, bytes);
    SCOPED_TRACE(i);
    std::string text;
    ASSERT_TRUE(append_stored_json(text, bytes));
    EXPECT_EQ(text, core::to_json_text(decode_msgpack(bytes)));
    expect_answers_as_decoded(bytes, false);
    if (HasFailure()) return;
  }
}

TEST(StoredAnswersTest, CorruptedBytesAnswerAsDecodedOrRefuse) {
  typed_item_source source(11);
  std::mt19937_64 rng(12);
  for (int i = 0; i < 3000; ++i) {
    std::string bytes = encode_item(source.item());
    if (bytes.empty()) continue;
    for (int flips = 0; flips < 2; ++flips) bytes[rng() % bytes.size()] = static_cast<char>(rng() % 256);
    SCOPED_TRACE(testing::PrintToString(bytes));
    expect_answers_as_decoded(bytes, false);
    if (HasFailure()) return;
  }
  // Every truncation of one item.
  const std::string whole = encode_item(source.item());
  for (std::size_t length = 0; length < whole.size(); ++length) {
    expect_answers_as_decoded(whole.substr(0, length), false);
  }
}

// The decoder sorts a map's keys and keeps the last of a repeated one; text written in the bytes'
// order would differ, so such bytes are left to it.
TEST(StoredAnswersTest, KeysOutOfOrderOrRepeatedAreLeftToTheDecoder) {
  // {"b": {"S": "x"}, "a": {"S": "y"}} and {"a": {"S": "x"}, "a": {"S": "y"}}
  for (const std::string& bytes :
       {codec_bytes({0x82, 0xa1, 'b', 0x81, 0xa1, 'S', 0xa1, 'x', 0xa1, 'a', 0x81, 0xa1, 'S', 0xa1, 'y'}),
        codec_bytes({0x82, 0xa1, 'a', 0x81, 0xa1, 'S', 0xa1, 'x', 0xa1, 'a', 0x81, 0xa1, 'S', 0xa1, 'y'})}) {
    std::string text = "kept";
    EXPECT_FALSE(append_stored_json(text, bytes));
    EXPECT_EQ(text, "kept");
    EXPECT_FALSE(stored_item_size(bytes).has_value());
    expect_answers_as_decoded(bytes, false);
  }
}

// append_item_text, what the answers use: the quick way where it can, the decoder where it cannot,
// the same text and size either way; unreadable bytes are the internal failure decode_item reports.
TEST(StoredAnswersTest, ItemTextIsTheDecodedItemsEitherWay) {
  const json item = {{"a", {{"S", "x"}}}, {"b", {{"N", "12.5"}}}};
  const std::string in_order = encode_item(item);
  // The same item with its attributes the other way round: only the decoder reads it.
  const std::string reversed = codec_bytes(
      {0x82, 0xa1, 'b', 0x81, 0xa1, 'N', 0xa4, '1', '2', '.', '5', 0xa1, 'a', 0x81, 0xa1, 'S', 0xa1, 'x'});
  ASSERT_EQ(decode_msgpack(reversed), item);
  std::string unused;
  ASSERT_FALSE(append_stored_json(unused, reversed));
  for (const std::string& bytes : {in_order, reversed}) {
    std::string text = "[";
    EXPECT_EQ(append_item_text(text, bytes, true), item_size(item));
    EXPECT_EQ(text, "[" + core::to_json_text(item));
    text.clear();
    EXPECT_EQ(append_item_text(text, bytes, false), 0u);
    EXPECT_EQ(text, core::to_json_text(item));
  }
  std::string text;
  EXPECT_THROW(append_item_text(text, in_order.substr(0, 5), true), core::aws_error);
}

// Shapes item_size reads in ways stored_item_size does not follow: left to the decoder.
TEST(StoredAnswersTest, ShapesNoStoredItemHasAreLeftToTheDecoder) {
  json nested = {{"S", "deep"}};
  for (std::size_t level = 0; level < max_attribute_nesting; ++level) nested = {{"L", json::array({nested})}};
  const json items[] = {
      {{"a", {{"N", "1"}, {"S", "x"}}}},  // two types in one value
      {{"a", {{"M", "not a map"}}}},      // a document that is not one
      {{"a", {{"SS", "not a list"}}}},    // a set that is not one
      {{"a", std::move(nested)}},         // past the nesting limit: item_size throws
  };
  for (const json& item : items) {
    SCOPED_TRACE(item.dump());
    EXPECT_FALSE(stored_item_size(encode_item(item)).has_value());
    expect_answers_as_decoded(encode_item(item), false);
  }
  // Values with no type count nothing, as item_size counts them.
  const json untyped = {{"a", 1}, {"b", {{"X", "y"}}}, {"c", {{"S", nullptr}}}, {"d", json::object()}};
  EXPECT_EQ(stored_item_size(encode_item(untyped)), std::optional<std::size_t>(4));
  expect_answers_as_decoded(encode_item(untyped), true);
}

}  // namespace
}  // namespace fogbank::dynamodb
