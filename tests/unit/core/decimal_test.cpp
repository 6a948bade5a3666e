#include "fogbank/core/decimal.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace fogbank::core {
namespace {

// DynamoDB's messages (see decimal.cpp for their sources).
const std::string not_numeric = "The parameter cannot be converted to a numeric value";
const std::string overflow =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
const std::string underflow =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";
const std::string too_precise = "Attempting to store more than 38 significant digits in a Number";

decimal num(std::string_view text) {
  auto parsed = decimal::parse(text);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    ADD_FAILURE() << "parse(\"" << text << "\") failed: " << *error;
    return {};
  }
  return std::get<decimal>(parsed);
}

std::string parse_error(std::string_view text) {
  auto parsed = decimal::parse(text);
  if (auto* error = std::get_if<std::string>(&parsed)) return *error;
  return "(accepted as " + std::get<decimal>(parsed).to_string() + ")";
}

std::string result_text(const std::variant<decimal, std::string>& r) {
  if (const auto* d = std::get_if<decimal>(&r)) return d->to_string();
  return "error: " + std::get<std::string>(r);
}

std::string sum(std::string_view a, std::string_view b) {
  return result_text(decimal::add(num(a), num(b)));
}
std::string difference(std::string_view a, std::string_view b) {
  return result_text(decimal::subtract(num(a), num(b)));
}

std::string ordered(const decimal& d) {
  std::string out;
  d.append_ordered_bytes(out);
  return out;
}

int memcmp_sign(const std::string& a, const std::string& b) {
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c < 0 ? -1 : 1;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

int order_sign(const decimal& a, const decimal& b) {
  const auto c = a <=> b;
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

const std::string thirty_eight_nines(38, '9');

TEST(decimal_parse, accepts_what_dynamodb_accepts) {
  // ScyllaDB's test_invalid_numbers lists these as accepted by DynamoDB.
  for (const char* text : {"3", "-7.1234", "-17e5", "-17.4E37", "+3", ".123", "0001.23", "1e+5", "0e1000"}) {
    EXPECT_TRUE(std::holds_alternative<decimal>(decimal::parse(text))) << text;
  }
  EXPECT_EQ(num("1.").to_string(), "1");
  EXPECT_EQ(num("-0").to_string(), "0");
  EXPECT_EQ(num("0e-99999999999999999999").to_string(), "0");
}

TEST(decimal_parse, rejects_text_that_is_not_a_number) {
  EXPECT_EQ(parse_error(""), not_numeric);
  for (const char* text :
       {"NaN", "Infinity", "-Infinity", "-NaN",  "dog",   "-dog",  " 1",  "1 ",  ".",    "-",   "+",
        "e5",  "1e",       "1e+",       "1.2.3", "1e2.5", "1e2e3", "--1", "+-1", "0x10", "1,5", "١"}) {
    EXPECT_EQ(parse_error(text), not_numeric + ": " + text) << text;
  }
}

TEST(decimal_parse, rejects_out_of_range_magnitudes) {
  EXPECT_EQ(parse_error("1e126"), overflow);
  EXPECT_EQ(parse_error("-1e126"), overflow);
  EXPECT_EQ(parse_error("11e125"), overflow);
  EXPECT_EQ(parse_error("1e99999999999999999999999"), overflow);
  EXPECT_EQ(parse_error("1e-131"), underflow);
  EXPECT_EQ(parse_error("-1e-131"), underflow);
  EXPECT_EQ(parse_error("0.9e-130"), underflow);
  EXPECT_EQ(parse_error("1e-99999999999999999999999"), underflow);
  // The edges themselves are storable.
  EXPECT_EQ(num("9." + thirty_eight_nines.substr(1) + "E+125").to_string(),
            thirty_eight_nines + std::string(88, '0'));
  EXPECT_EQ(num("1E-130").to_string(), "0." + std::string(129, '0') + "1");
  EXPECT_EQ(num("-1E-130").to_string(), "-0." + std::string(129, '0') + "1");
}

TEST(decimal_parse, counts_only_significant_digits) {
  EXPECT_EQ(parse_error("123456789012345678901234567890123456789"), too_precise);
  EXPECT_EQ(parse_error("-1.23456789012345678901234567890123456789"), too_precise);
  EXPECT_EQ(parse_error("3.14159265358979323846264338327950288419"), too_precise);
  // 38 significant digits surrounded by zeros is fine.
  const std::string digits38 = "31415926535897932384626433832795028841";
  EXPECT_EQ(num("000" + digits38 + "000").to_string(), digits38 + "000");
  EXPECT_EQ(num("0.000" + digits38 + "000").to_string(), "0.000" + digits38);
  EXPECT_EQ(num(digits38 + "e30").to_string(), digits38 + std::string(30, '0'));
  // Magnitude is checked before precision, as in dynalite's checkNum().
  EXPECT_EQ(parse_error("1234567890123456789012345678901234567891e200"), overflow);
}

TEST(decimal_to_string, is_canonical) {
  EXPECT_EQ(num("1E+2").to_string(), "100");
  EXPECT_EQ(num("1e3").to_string(), "1000");
  EXPECT_EQ(num("0.50").to_string(), "0.5");
  EXPECT_EQ(num("1.50").to_string(), "1.5");
  EXPECT_EQ(num("-0").to_string(), "0");
  EXPECT_EQ(num("0.000").to_string(), "0");
  EXPECT_EQ(num("+7").to_string(), "7");
  EXPECT_EQ(num("-007.0700").to_string(), "-7.07");
  EXPECT_EQ(num(".5").to_string(), "0.5");
  EXPECT_EQ(num("-1.5e-3").to_string(), "-0.0015");
  EXPECT_EQ(num("12345e-2").to_string(), "123.45");
  EXPECT_EQ(num("12345e-5").to_string(), "0.12345");
  EXPECT_EQ(num("12345e-6").to_string(), "0.012345");
  EXPECT_EQ(num("1.2345e4").to_string(), "12345");
  EXPECT_EQ(num("1.2345e5").to_string(), "123450");
}

TEST(decimal_arithmetic, is_exact) {
  EXPECT_EQ(sum("1", "10000000000000000000000"), "10000000000000000000001");
  EXPECT_EQ(difference("10000000000000000000000", "1"), "9999999999999999999999");
  EXPECT_EQ(sum("0.1", "0.2"), "0.3");
  EXPECT_EQ(difference("0.3", "0.1"), "0.2");
  EXPECT_EQ(difference("100000000000000000000.00000001", "1"), "99999999999999999999.00000001");
  EXPECT_EQ(sum("-5", "3"), "-2");
  EXPECT_EQ(sum("5", "-3"), "2");
  EXPECT_EQ(sum("-5", "-3"), "-8");
  EXPECT_EQ(difference("3", "5"), "-2");
  EXPECT_EQ(difference("-3", "-3"), "0");
  EXPECT_EQ(sum("1.5", "-1.5"), "0");
  EXPECT_EQ(sum("0", "-2.5"), "-2.5");
  EXPECT_EQ(difference("0", "2.5"), "-2.5");
  EXPECT_EQ(difference("2.5", "0"), "2.5");
  EXPECT_EQ(sum("0.05", "0.05"), "0.1");
  EXPECT_EQ(sum("1e-130", "1e-130"), "0." + std::string(129, '0') + "2");
}

TEST(decimal_arithmetic, carries_and_borrows_across_38_digits) {
  // 37 nines + 1 carries into a 38th place.
  EXPECT_EQ(sum(std::string(37, '9'), "1"), "1" + std::string(37, '0'));
  // 38 nines + 1 = 1E+38, a single significant digit.
  EXPECT_EQ(sum(thirty_eight_nines, "1"), "1" + std::string(38, '0'));
  EXPECT_EQ(difference("1" + std::string(38, '0'), "1"), thirty_eight_nines);
  EXPECT_EQ(sum("0." + thirty_eight_nines, "0." + std::string(37, '0') + "1"), "1");
  EXPECT_EQ(difference("1", "0." + std::string(37, '0') + "1"), "0." + thirty_eight_nines);
  EXPECT_EQ(sum("-" + thirty_eight_nines, "-1"), "-1" + std::string(38, '0'));
  // Borrow through a run of zeros.
  EXPECT_EQ(difference("1" + std::string(37, '0'), "1"), std::string(37, '9'));
}

TEST(decimal_arithmetic, refuses_results_dynamodb_cannot_store) {
  EXPECT_EQ(sum("9e125", "9e125"), "error: " + overflow);
  EXPECT_EQ(difference("9e125", "-9e125"), "error: " + overflow);
  EXPECT_EQ(sum("-9e125", "-9e125"), "error: " + overflow);
  EXPECT_EQ(sum("9." + thirty_eight_nines.substr(1) + "E+125", "1E+88"), "error: " + overflow);
  // An exact result with more than 38 digits: DynamoDB answers with the overflow message
  // (ScyllaDB, test_update_expression_plus_imprecise).
  EXPECT_EQ(sum("1e50", "1"), "error: " + overflow);
  EXPECT_EQ(difference("1e50", "1"), "error: " + overflow);
  EXPECT_EQ(sum(thirty_eight_nines, "0.1"), "error: " + overflow);
  // Cancellation down below 1E-130.
  EXPECT_EQ(difference("1.0000000000000000000000000000000000001e-130", "1e-130"), "error: " + underflow);
}

TEST(decimal_order, is_numeric) {
  const std::vector<std::string> ascending{"-9.9999999999999999999999999999999999999E+125",
                                           "-1e100",
                                           "-1000",
                                           "-999.5",
                                           "-1",
                                           "-0.5",
                                           "-0.05",
                                           "-1e-130",
                                           "0",
                                           "1e-130",
                                           "0.05",
                                           "0.1",
                                           "0.12",
                                           "0.123",
                                           "0.5",
                                           "1",
                                           "1.0000000000001",
                                           "2",
                                           "10",
                                           "99",
                                           "100",
                                           "1e100",
                                           "9.9999999999999999999999999999999999999E+125"};
  for (std::size_t i = 0; i < ascending.size(); ++i) {
    for (std::size_t j = 0; j < ascending.size(); ++j) {
      const decimal a = num(ascending[i]);
      const decimal b = num(ascending[j]);
      const int expected = i < j ? -1 : (i > j ? 1 : 0);
      EXPECT_EQ(order_sign(a, b), expected) << ascending[i] << " vs " << ascending[j];
      EXPECT_EQ(memcmp_sign(ordered(a), ordered(b)), expected) << ascending[i] << " vs " << ascending[j];
    }
  }
  EXPECT_EQ(num("1.50"), num("1.5"));
  EXPECT_EQ(num("-0"), num("0"));
  EXPECT_EQ(num("100"), num("1e2"));
}

TEST(decimal_ordered_bytes, rejects_garbage) {
  decimal out;
  for (const std::string& bad :
       {std::string(), std::string("\x00", 1), std::string("\x04"), std::string("\x03"),
        std::string("\x03\x81", 2), std::string("\x03\x81\x65\x00", 4),
        std::string("\x03\x81\x01\x00", 4) /* leading zero digit */,
        std::string("\x03\x81\x0B\x01\x00", 5) /* trailing zero pair */}) {
    std::string_view in = bad;
    EXPECT_FALSE(decimal::read_ordered_bytes(in, out)) << testing::PrintToString(bad);
    EXPECT_EQ(in.size(), bad.size());
  }
}

// A random storable decimal: 1..38 digits, any sign, exponent across the whole range.
decimal random_decimal(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> kind(0, 19);
  if (kind(rng) == 0) return {};
  std::uniform_int_distribution<int> length(1, decimal::max_significant_digits);
  std::uniform_int_distribution<int> digit(0, 9);
  std::string digits;
  const int n = length(rng);
  for (int i = 0; i < n; ++i) digits.push_back(static_cast<char>('0' + digit(rng)));
  digits[0] = static_cast<char>('1' + digit(rng) % 9);
  // Mostly a narrow band of exponents, so that many pairs share exponent and prefix digits.
  const bool narrow = kind(rng) < 14;
  std::uniform_int_distribution<int> exponent(narrow ? -3 : -130, narrow ? 3 : 125);
  std::string text = (kind(rng) < 10 ? "-0." : "0.") + digits + "e" + std::to_string(exponent(rng) + 1);
  auto parsed = decimal::parse(text);
  if (std::holds_alternative<std::string>(parsed)) return {};  // the rare out-of-range draw
  return std::get<decimal>(parsed);
}

TEST(decimal_ordered_bytes, memcmp_order_is_numeric_order_and_round_trips) {
  std::mt19937_64 rng(20240611);
  std::vector<decimal> values;
  for (int i = 0; i < 3000; ++i) values.push_back(random_decimal(rng));
  // Near-equal neighbours exercise the prefix and terminator cases.
  for (int i = 0; i < 300; ++i) {
    auto next = decimal::add(values[static_cast<std::size_t>(i)], num("1e-5"));
    if (auto* d = std::get_if<decimal>(&next)) values.push_back(*d);
  }

  std::vector<std::string> encoded;
  for (const auto& v : values) {
    std::string bytes = ordered(v);
    // Round trip, also when followed by other key bytes.
    std::string with_suffix = bytes + std::string(
                                          "\x00\xFF"
                                          "tail",
                                          6);
    std::string_view in = with_suffix;
    decimal back;
    ASSERT_TRUE(decimal::read_ordered_bytes(in, back)) << v.to_string();
    EXPECT_EQ(back, v);
    EXPECT_EQ(back.to_string(), v.to_string());
    EXPECT_EQ(in, std::string_view(with_suffix).substr(bytes.size()));
    encoded.push_back(std::move(bytes));
  }

  std::uniform_int_distribution<std::size_t> pick(0, values.size() - 1);
  for (int trial = 0; trial < 20000; ++trial) {
    const std::size_t i = pick(rng);
    const std::size_t j = trial % 4 == 0 ? i : pick(rng);
    ASSERT_EQ(memcmp_sign(encoded[i], encoded[j]), order_sign(values[i], values[j]))
        << values[i].to_string() << " vs " << values[j].to_string();
    // Prefix-free: a different value's encoding never starts with this one's.
    if (values[i] != values[j]) {
      ASSERT_NE(encoded[j].compare(0, encoded[i].size(), encoded[i]), 0)
          << values[i].to_string() << " is a prefix of " << values[j].to_string();
    }
  }
}

}  // namespace
}  // namespace fogbank::core
