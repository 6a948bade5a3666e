// The storage key of an item orders as DynamoDB orders its key values: S by UTF-8 bytes, N
// numerically, B by unsigned bytes. Checked on random values, pairwise.

#include "item_keys.hpp"
#include "attribute_value.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace fogbank::dynamodb {
namespace {

std::string random_bytes(std::mt19937_64& rng, bool utf8_safe) {
  std::string out(rng() % 12, '\0');
  for (char& c : out) {
    // Bias toward the escape-sensitive bytes 0x00 and 0xFF (binary) and toward a small alphabet so
    // that common prefixes are frequent.
    const auto pick = rng() % 6;
    if (utf8_safe) {
      c = static_cast<char>(pick == 0 ? 0x00 : 'a' + static_cast<int>(rng() % 4));
    } else {
      c = static_cast<char>(pick == 0 ? 0x00 : pick == 1 ? 0xFF : static_cast<int>(rng() % 256));
    }
  }
  return out;
}

std::string random_number(std::mt19937_64& rng) {
  std::string digits = std::to_string(rng() % 100000);
  const int exponent = static_cast<int>(rng() % 60) - 30;
  std::string text = (rng() % 2 ? "-" : "") + digits + "e" + std::to_string(exponent);
  return text;
}

json random_key_value(std::mt19937_64& rng, const std::string& type) {
  if (type == "S") return {{"S", random_bytes(rng, true)}};
  if (type == "B") return {{"B", base64_encode(random_bytes(rng, false))}};
  return {{"N", random_number(rng)}};
}

int sign(int v) {
  return (v > 0) - (v < 0);
}

class ItemKeyOrder : public ::testing::TestWithParam<std::string> {};

TEST_P(ItemKeyOrder, EncodedOrderEqualsDynamoDbOrder) {
  const std::string type = GetParam();
  std::mt19937_64 rng(20261123);
  for (int round = 0; round < 3000; ++round) {
    const json a = random_key_value(rng, type);
    const json b = random_key_value(rng, type);
    std::string ka;
    std::string kb;
    append_key_value(ka, a);
    append_key_value(kb, b);
    const int expected = sign(*compare_scalars(a, b));
    const int actual = sign(ka.compare(kb));
    ASSERT_EQ(expected, actual) << "a = " << a.dump() << ", b = " << b.dump();
  }
}

TEST_P(ItemKeyOrder, CompositeKeysOrderByHashThenRange) {
  const std::string type = GetParam();
  std::mt19937_64 rng(7);
  for (int round = 0; round < 2000; ++round) {
    const json h1 = random_key_value(rng, type), r1 = random_key_value(rng, type);
    const json h2 = random_key_value(rng, type), r2 = random_key_value(rng, type);
    std::string k1, k2;
    append_key_value(k1, h1);
    append_key_value(k1, r1);
    append_key_value(k2, h2);
    append_key_value(k2, r2);
    int expected = sign(*compare_scalars(h1, h2));
    if (expected == 0) expected = sign(*compare_scalars(r1, r2));
    ASSERT_EQ(expected, sign(k1.compare(k2))) << h1.dump() << r1.dump() << " vs " << h2.dump() << r2.dump();
  }
}

INSTANTIATE_TEST_SUITE_P(AllKeyTypes, ItemKeyOrder, ::testing::Values("S", "N", "B"));

TEST(ItemKeyPrefix, BeginsWithPrefixCoversExactlyTheValuesWithThatPrefix) {
  std::mt19937_64 rng(99);
  for (int round = 0; round < 2000; ++round) {
    const std::string prefix = random_bytes(rng, true);
    const std::string value = random_bytes(rng, true);
    std::string encoded;
    append_key_value(encoded, {{"S", value}});
    const std::string encoded_prefix = key_value_prefix({{"S", prefix}});
    const bool has_prefix = value.compare(0, prefix.size(), prefix) == 0;
    ASSERT_EQ(has_prefix, encoded.compare(0, encoded_prefix.size(), encoded_prefix) == 0)
        << "prefix '" << prefix << "' value '" << value << "'";
  }
}

}  // namespace
}  // namespace fogbank::dynamodb
