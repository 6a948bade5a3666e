#include "fogbank/core/command_line.hpp"

#include <limits>

namespace fogbank::core {

std::uint64_t parse_unsigned(std::string_view option, std::string_view text, std::uint64_t min,
                             std::uint64_t max) {
  const std::string given(text);
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos)
    throw usage_error(std::string(option) + ": expected a number, got '" + given + "'");
  const std::string range =
      min == 0 ? "at most " + std::to_string(max) : std::to_string(min) + " to " + std::to_string(max);
  std::uint64_t value = 0;
  for (const char c : text) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    // Past 2^64 - 1 is past any max: out of range rather than wrapped.
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
      throw usage_error(std::string(option) + ": " + given + " is out of range (" + range + ")");
    value = value * 10 + digit;
  }
  if (value < min || value > max)
    throw usage_error(std::string(option) + ": " + given + " is out of range (" + range + ")");
  return value;
}

bool arg_reader::next() {
  if (started_) ++index_;
  started_ = true;
  if (index_ >= args_.size()) return false;
  given_ = name_ = args_[index_];
  has_inline_value_ = false;
  if (name_.substr(0, 2) == "--") {
    if (const auto eq = name_.find('='); eq != std::string_view::npos) {
      inline_value_ = name_.substr(eq + 1);
      has_inline_value_ = true;
      name_ = name_.substr(0, eq);
    }
  }
  return true;
}

std::string_view arg_reader::value() {
  if (has_inline_value_) return inline_value_;
  if (index_ + 1 >= args_.size()) throw usage_error(std::string(name_) + " needs a value");
  return args_[++index_];
}

void arg_reader::no_value() const {
  if (has_inline_value_) throw usage_error(std::string(name_) + " takes no value");
}

}  // namespace fogbank::core
