#pragma once
// DynamoDB's Number: an exact decimal with at most 38 significant digits and a magnitude
// between 1E-130 and 9.9999999999999999999999999999999999999E+125 (or zero).
// Arithmetic is exact; a result that does not fit is an error, never a rounding.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace fogbank::core {

class decimal {
 public:
  static constexpr int max_significant_digits = 38;

  // Zero.
  decimal() = default;

  // Parses DynamoDB number text ("12", "-0.5", "1.5e3", "+7", "1E-130"). On failure returns the
  // exact ValidationException message DynamoDB uses for it (for example for too many
  // significant digits, a magnitude out of range, or text that is not a number).
  static std::variant<decimal, std::string> parse(std::string_view text);

  // The text DynamoDB returns for this number: no exponent, no leading or trailing
  // zeros ("1.50" -> "1.5", "1e3" -> "1000", "-0" -> "0", "0.000" -> "0").
  std::string to_string() const;

  // Exact sum and difference. On a result DynamoDB cannot store returns DynamoDB's message
  // for it (overflow, underflow, or more than 38 significant digits).
  static std::variant<decimal, std::string> add(const decimal& a, const decimal& b);
  static std::variant<decimal, std::string> subtract(const decimal& a, const decimal& b);

  bool is_zero() const noexcept { return digits_.empty(); }
  bool is_negative() const noexcept { return negative_; }

  // Numeric order: -1 < -0.5 < 0 < 1E-130 < 2.
  std::strong_ordering operator<=>(const decimal& other) const noexcept;
  bool operator==(const decimal& other) const noexcept = default;

  // Appends a byte string whose unsigned lexicographic order equals numeric order and which
  // is prefix-free (no encoding is a proper prefix of another), for storage keys.
  void append_ordered_bytes(std::string& out) const;
  // Reads back what append_ordered_bytes wrote, advancing `in` past it. False on bad input.
  static bool read_ordered_bytes(std::string_view& in, decimal& out);

 private:
  // Value = (negative_ ? -1 : 1) * 0.d1d2d3... * 10^exponent_, with digits_ holding the
  // significant decimal digits as characters '0'..'9', no leading or trailing zeros.
  // Zero is digits_ empty, negative_ false, exponent_ 0: one representation per value,
  // so the defaulted operator== is numeric equality.
  bool negative_ = false;
  std::int32_t exponent_ = 0;
  std::string digits_;
};

}  // namespace fogbank::core
