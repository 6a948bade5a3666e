#include "fogbank/core/decimal.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <optional>
#include <utility>

namespace fogbank::core {
namespace {

// DynamoDB's messages, verbatim. Sources: DynamoDB Local's ErrorFactory (INVALID_NUMERIC_VALUE,
// NUMBER_OVERFLOW, NUMBER_UNDERFLOW, NUMBER_EXCEEDING_PRECISION) and dynalite's
// validations/index.js checkNum(), whose tests (test/getItem.js) were recorded against DynamoDB.

// dynalite checkNum() and test/getItem.js "key has empty numeric type": an empty string gets
// the bare message, with no ": <text>" suffix.
constexpr std::string_view not_numeric_message = "The parameter cannot be converted to a numeric value";
// dynalite checkNum() and test/getItem.js "key has incorrect numeric type" ({N: 'b'}):
// unparsable text is echoed after a colon.
constexpr std::string_view not_numeric_prefix = "The parameter cannot be converted to a numeric value: ";
// DynamoDB Local ErrorFactory.NUMBER_OVERFLOW; dynalite test/getItem.js ({N: '1e126'}).
constexpr std::string_view overflow_message =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
// DynamoDB Local ErrorFactory.NUMBER_UNDERFLOW; dynalite test/getItem.js ({N: '1e-131'}).
constexpr std::string_view underflow_message =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";
// DynamoDB Local ErrorFactory.NUMBER_EXCEEDING_PRECISION; dynalite test/getItem.js
// ({N: '123456789012345678901234567890123456789'}).
constexpr std::string_view precision_message =
    "Attempting to store more than 38 significant digits in a Number";

// With value = 0.d1d2... * 10^exponent_, the largest magnitude 9.99..E+125 has exponent_ 126
// and the smallest 1E-130 has exponent_ -129.
constexpr std::int64_t max_exponent = 126;
constexpr std::int64_t min_exponent = -129;

// Parsed exponents are clamped here: far beyond the storable range in either direction, yet
// small enough that adding a text length (< 2^40) cannot overflow an int64. "0e1000" is valid
// in DynamoDB (ScyllaDB's test_invalid_numbers), so huge exponents must not be an error per se.
constexpr std::int64_t exponent_clamp = std::int64_t{1} << 40;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Ordered-bytes layout (see append_ordered_bytes).
constexpr unsigned char tag_negative = 0x01;
constexpr unsigned char tag_zero = 0x02;
constexpr unsigned char tag_positive = 0x03;
constexpr unsigned char digits_terminator = 0x00;
// exponent_ + bias fills exactly one byte: [-129, 126] -> [0, 255].
constexpr std::int64_t exponent_bias = 129;
static_assert(min_exponent + exponent_bias == 0 && max_exponent + exponent_bias == 255);

// The DynamoDB message for a non-zero number of `digit_count` significant digits and the
// given point exponent, or nullopt if it can be stored. dynalite's checkNum() tests magnitude
// before precision, so a 39-digit number that is also too large reports overflow.
std::optional<std::string> range_error(std::int64_t exponent, std::size_t digit_count) {
  if (exponent > max_exponent) return std::string(overflow_message);
  if (exponent < min_exponent) return std::string(underflow_message);
  if (digit_count > static_cast<std::size_t>(decimal::max_significant_digits))
    return std::string(precision_message);
  return std::nullopt;
}

}  // namespace

std::variant<decimal, std::string> decimal::parse(std::string_view text) {
  if (text.empty()) return std::string(not_numeric_message);
  auto invalid = [&] { return std::string(not_numeric_prefix) + std::string(text); };

  // The grammar of Java's BigDecimal(String), which DynamoDB accepts: [+-] digits [. digits]
  // [eE [+-] digits], with digits on at least one side of the point ("1.", ".5" are fine;
  // ".", "e5", " 1" are not). ScyllaDB's test_invalid_numbers pins "+3", ".123", "0001.23",
  // "1e+5" as accepted and "NaN", "Infinity", " 1", "1 " as rejected.
  std::size_t pos = 0;
  bool negative = false;
  if (text[pos] == '+' || text[pos] == '-') {
    negative = text[pos] == '-';
    ++pos;
  }
  const std::size_t int_begin = pos;
  while (pos < text.size() && is_digit(text[pos])) ++pos;
  const std::size_t int_end = pos;
  std::size_t frac_begin = pos;
  std::size_t frac_end = pos;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    frac_begin = pos;
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    frac_end = pos;
  }
  if (int_end == int_begin && frac_end == frac_begin) return invalid();
  std::int64_t exponent = 0;
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    bool exponent_negative = false;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      exponent_negative = text[pos] == '-';
      ++pos;
    }
    const std::size_t exp_begin = pos;
    while (pos < text.size() && is_digit(text[pos])) {
      if (exponent < exponent_clamp) exponent = exponent * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == exp_begin) return invalid();
    exponent = std::min(exponent, exponent_clamp);
    if (exponent_negative) exponent = -exponent;
  }
  if (pos != text.size()) return invalid();

  // All mantissa digits in order; the decimal point sits after the integer part.
  std::string all(text.substr(int_begin, int_end - int_begin));
  all.append(text.substr(frac_begin, frac_end - frac_begin));
  const std::size_t first = all.find_first_not_of('0');
  if (first == std::string::npos) return decimal{};  // any zero, including "-0.000e99"
  const std::size_t last = all.find_last_not_of('0');

  decimal result;
  result.negative_ = negative;
  result.digits_ = all.substr(first, last - first + 1);
  const std::int64_t point_exponent =
      static_cast<std::int64_t>(int_end - int_begin) - static_cast<std::int64_t>(first) + exponent;
  if (auto error = range_error(point_exponent, result.digits_.size())) return std::move(*error);
  result.exponent_ = static_cast<std::int32_t>(point_exponent);
  return result;
}

std::string decimal::to_string() const {
  if (is_zero()) return "0";
  std::string out;
  const auto count = static_cast<std::int64_t>(digits_.size());
  out.reserve(digits_.size() + static_cast<std::size_t>(std::abs(exponent_)) + 3);
  if (negative_) out.push_back('-');
  if (exponent_ <= 0) {
    out.append("0.");
    out.append(static_cast<std::size_t>(-exponent_), '0');
    out.append(digits_);
  } else if (exponent_ >= count) {
    out.append(digits_);
    out.append(static_cast<std::size_t>(exponent_ - count), '0');
  } else {
    out.append(digits_, 0, static_cast<std::size_t>(exponent_));
    out.push_back('.');
    out.append(digits_, static_cast<std::size_t>(exponent_));
  }
  return out;
}

std::variant<decimal, std::string> decimal::add(const decimal& a, const decimal& b) {
  if (a.is_zero()) return b;
  if (b.is_zero()) return a;

  // Line both magnitudes up as digit strings spanning [low, high) powers of ten. Inputs are in
  // range, so the span is at most ~300 digits and the sum is exact.
  auto low_of = [](const decimal& d) {
    return static_cast<std::int64_t>(d.exponent_) - static_cast<std::int64_t>(d.digits_.size());
  };
  const std::int64_t high = std::max(a.exponent_, b.exponent_);
  const std::int64_t low = std::min(low_of(a), low_of(b));
  const auto width = static_cast<std::size_t>(high - low);
  auto aligned = [&](const decimal& d) {
    std::string s(width, '0');
    s.replace(static_cast<std::size_t>(high - d.exponent_), d.digits_.size(), d.digits_);
    return s;
  };
  std::string x = aligned(a);
  std::string y = aligned(b);

  bool negative = a.negative_;
  std::string sum(width + 1, '0');  // one extra leading place for a carry
  if (a.negative_ == b.negative_) {
    int carry = 0;
    for (std::size_t i = width; i-- > 0;) {
      const int d = (x[i] - '0') + (y[i] - '0') + carry;
      sum[i + 1] = static_cast<char>('0' + d % 10);
      carry = d / 10;
    }
    sum[0] = static_cast<char>('0' + carry);
  } else {
    // Subtract the smaller magnitude from the larger; equal-width strings compare numerically.
    if (x < y) {
      std::swap(x, y);
      negative = b.negative_;
    }
    int borrow = 0;
    for (std::size_t i = width; i-- > 0;) {
      int d = (x[i] - '0') - (y[i] - '0') - borrow;
      borrow = d < 0 ? 1 : 0;
      if (d < 0) d += 10;
      sum[i + 1] = static_cast<char>('0' + d);
    }
  }

  const std::size_t first = sum.find_first_not_of('0');
  if (first == std::string::npos) return decimal{};  // x - x
  const std::size_t last = sum.find_last_not_of('0');
  decimal result;
  result.negative_ = negative;
  result.digits_ = sum.substr(first, last - first + 1);
  // sum[0] is the 10^high place.
  const std::int64_t exponent = high + 1 - static_cast<std::int64_t>(first);
  if (exponent > max_exponent) return std::string(overflow_message);
  if (exponent < min_exponent) return std::string(underflow_message);
  if (result.digits_.size() > static_cast<std::size_t>(max_significant_digits)) {
    // An exact result that needs more than 38 digits (1E+50 + 1) is refused by DynamoDB with
    // the overflow message, not the precision one: ScyllaDB observed this against DynamoDB in
    // test/alternator/test_number.py, test_update_expression_plus_imprecise.
    return std::string(overflow_message);
  }
  result.exponent_ = static_cast<std::int32_t>(exponent);
  return result;
}

std::variant<decimal, std::string> decimal::subtract(const decimal& a, const decimal& b) {
  decimal negated = b;
  if (!negated.is_zero()) negated.negative_ = !negated.negative_;
  return add(a, negated);
}

std::strong_ordering decimal::operator<=>(const decimal& other) const noexcept {
  auto sign = [](const decimal& d) { return d.is_zero() ? 0 : (d.negative_ ? -1 : 1); };
  const int s = sign(*this);
  const int t = sign(other);
  if (s != t || s == 0) return s <=> t;
  // Same sign, both non-zero: compare magnitudes, then flip for negatives. Canonical digit
  // strings (no trailing zeros) compare as fractions 0.d1d2... by plain lexicographic order.
  std::strong_ordering magnitude = exponent_ <=> other.exponent_;
  if (magnitude == 0) {
    const int c = digits_.compare(other.digits_);
    magnitude = c <=> 0;
  }
  return s > 0 ? magnitude : 0 <=> magnitude;
}

void decimal::append_ordered_bytes(std::string& out) const {
  // Layout: sign tag, then (non-zero only) the biased exponent byte, then the digits two per
  // byte as 1 + (10*d1 + d2) in [1, 100] (an odd count is padded with a 0 digit), then a 0x00
  // terminator. The terminator sorts below every digit byte, so 0.12 < 0.123 and no encoding
  // is a prefix of another. For negatives every byte after the tag is complemented, which
  // reverses the order of magnitudes.
  if (is_zero()) {
    out.push_back(static_cast<char>(tag_zero));
    return;
  }
  const unsigned char flip = negative_ ? 0xFF : 0x00;
  out.push_back(static_cast<char>(negative_ ? tag_negative : tag_positive));
  out.push_back(static_cast<char>(static_cast<unsigned char>(exponent_ + exponent_bias) ^ flip));
  for (std::size_t i = 0; i < digits_.size(); i += 2) {
    const int hi = digits_[i] - '0';
    const int lo = i + 1 < digits_.size() ? digits_[i + 1] - '0' : 0;
    out.push_back(static_cast<char>(static_cast<unsigned char>(1 + hi * 10 + lo) ^ flip));
  }
  out.push_back(static_cast<char>(digits_terminator ^ flip));
}

bool decimal::read_ordered_bytes(std::string_view& in, decimal& out) {
  std::string_view rest = in;
  if (rest.empty()) return false;
  const auto tag = static_cast<unsigned char>(rest.front());
  rest.remove_prefix(1);
  if (tag == tag_zero) {
    out = decimal{};
    in = rest;
    return true;
  }
  if (tag != tag_negative && tag != tag_positive) return false;
  const unsigned char flip = tag == tag_negative ? 0xFF : 0x00;
  if (rest.empty()) return false;
  const std::int64_t exponent =
      static_cast<std::int64_t>(static_cast<unsigned char>(rest.front()) ^ flip) - exponent_bias;
  rest.remove_prefix(1);

  decimal result;
  result.negative_ = tag == tag_negative;
  result.exponent_ = static_cast<std::int32_t>(exponent);
  for (;;) {
    if (rest.empty()) return false;
    const auto byte = static_cast<unsigned char>(static_cast<unsigned char>(rest.front()) ^ flip);
    rest.remove_prefix(1);
    if (byte == digits_terminator) break;
    if (byte > 100) return false;
    const int pair = byte - 1;
    result.digits_.push_back(static_cast<char>('0' + pair / 10));
    result.digits_.push_back(static_cast<char>('0' + pair % 10));
    if (result.digits_.size() > static_cast<std::size_t>(max_significant_digits) + 1) return false;
  }
  // Only the padding digit may be a trailing zero; anything else is not what we wrote.
  if (!result.digits_.empty() && result.digits_.back() == '0') result.digits_.pop_back();
  if (result.digits_.empty() || result.digits_.front() == '0' || result.digits_.back() == '0') return false;
  if (range_error(exponent, result.digits_.size())) return false;
  out = std::move(result);
  in = rest;
  return true;
}

}  // namespace fogbank::core
