// core::id_generator: the shapes of its ids, their determinism, and that the hand-written
// formatting (uuid's hex, upper_alnum's ten characters per draw) says what the plain way says.

#include "fogbank/core/ids.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <regex>
#include <string>

// A namespace of its own: the unity build puts this file beside others with the same helpers.
namespace fogbank::core::ids_test {
namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

// What uuid() must say for two draws: RFC 4122 version 4 and variant bits, printf's layout.
std::string uuid_of(std::uint64_t high, std::uint64_t low) {
  high = (high & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  low = (low & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xFFFF), static_cast<unsigned>(high & 0xFFFF),
                static_cast<unsigned>(low >> 48), static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text;
}

TEST(IdGenerator, UuidIsPrintfsLayoutOfTwoDraws) {
  for (std::uint64_t seed : {0ULL, 1ULL, 42ULL, 0xFFFFFFFFFFFFFFFFULL}) {
    id_generator ids(seed);
    id_generator draws(seed);
    for (int i = 0; i < 1000; ++i) {
      const std::uint64_t high = draws.next();
      const std::uint64_t low = draws.next();
      const std::string expected = uuid_of(high, low);
      const std::string actual = ids.uuid();
      ASSERT_EQ(actual, expected) << "seed " << seed << ", uuid " << i;
    }
  }
  EXPECT_TRUE(
      std::regex_match(id_generator(7).uuid(),
                       std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
}

TEST(IdGenerator, UpperAlnumIsTenBase36DigitsOfEachDraw) {
  id_generator ids(11);
  id_generator draws(11);
  for (int i = 0; i < 200; ++i) {
    const std::string id = ids.upper_alnum(52);
    std::string expected;
    std::uint64_t bits = 0;
    for (std::size_t k = 0; k < 52; ++k) {
      if (k % 10 == 0) bits = draws.next();
      expected += alphabet[bits % 36];
      bits /= 36;
    }
    ASSERT_EQ(id, expected) << "id " << i;
  }
}

TEST(IdGenerator, UpperAlnumUsesEveryCharacterAlikeAndRepeatsPerSeed) {
  id_generator ids(3);
  std::array<int, 36> counts{};
  constexpr int ids_made = 10'000;
  constexpr std::size_t length = 52;
  for (int i = 0; i < ids_made; ++i) {
    const std::string id = ids.upper_alnum(length);
    ASSERT_EQ(id.size(), length) << id;
    for (const char c : id) {
      // A character outside [0-9A-Z] fails here (a regex per id took 24 s under ASan).
      const std::size_t index = alphabet.find(c);
      ASSERT_NE(index, std::string_view::npos) << id;
      ++counts[index];
    }
  }
  // 520,000 characters: 14,444 of each expected; a skewed digit (e.g. the last of each draw
  // taking fewer values) would be far outside 5 %.
  const double expected = static_cast<double>(ids_made) * length / 36;
  for (std::size_t c = 0; c < counts.size(); ++c) {
    EXPECT_NEAR(counts[c], expected, expected * 0.05) << "character " << alphabet[c];
  }
  EXPECT_EQ(id_generator(5).upper_alnum(52), id_generator(5).upper_alnum(52));
  EXPECT_NE(id_generator(5).upper_alnum(52), id_generator(6).upper_alnum(52));
}

}  // namespace
}  // namespace fogbank::core::ids_test
