// The arguments reader `fogbank serve`, `run` and `bench` share: values inline or next, numbers
// and their ranges, each mistake named.

#include "fogbank/core/command_line.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace fogbank::core {
namespace {

std::string usage_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const usage_error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(CommandLineTest, ValuesInlineOrNext) {
  const std::vector<std::string_view> list = {"--port", "80", "--seed=7", "file.yaml", "--flag", "--x="};
  arg_reader args(list);
  ASSERT_TRUE(args.next());
  EXPECT_EQ(args.name(), "--port");
  EXPECT_EQ(args.number(0, 65535), 80u);
  ASSERT_TRUE(args.next());
  EXPECT_EQ(args.name(), "--seed");
  EXPECT_EQ(args.given(), "--seed=7");
  EXPECT_EQ(args.value(), "7");
  ASSERT_TRUE(args.next());
  EXPECT_EQ(args.name(), "file.yaml");
  ASSERT_TRUE(args.next());
  EXPECT_EQ(args.name(), "--flag");
  args.no_value();
  ASSERT_TRUE(args.next());
  EXPECT_EQ(args.name(), "--x");
  EXPECT_EQ(args.value(), "");
  EXPECT_EQ(usage_message([&] { args.no_value(); }), "--x takes no value");
  EXPECT_FALSE(args.next());
}

TEST(CommandLineTest, MissingValueIsNamed) {
  const std::vector<std::string_view> list = {"--clients"};
  arg_reader args(list);
  ASSERT_TRUE(args.next());
  EXPECT_EQ(usage_message([&] { args.value(); }), "--clients needs a value");
}

TEST(CommandLineTest, NumbersAndRanges) {
  EXPECT_EQ(parse_unsigned("--n", "0", 0, 5), 0u);
  EXPECT_EQ(parse_unsigned("--n", "18446744073709551615", 0, std::numeric_limits<std::uint64_t>::max()),
            std::numeric_limits<std::uint64_t>::max());
  const std::vector<std::pair<std::function<void()>, std::string>> cases = {
      {[] { parse_unsigned("--n", "", 0, 5); }, "--n: expected a number, got ''"},
      {[] { parse_unsigned("--n", "-1", 0, 5); }, "--n: expected a number, got '-1'"},
      {[] { parse_unsigned("--n", "+1", 0, 5); }, "--n: expected a number, got '+1'"},
      {[] { parse_unsigned("--n", " 1", 0, 5); }, "--n: expected a number, got ' 1'"},
      {[] { parse_unsigned("--n", "6", 0, 5); }, "--n: 6 is out of range (at most 5)"},
      {[] { parse_unsigned("--n", "0", 1, 5); }, "--n: 0 is out of range (1 to 5)"},
      {[] { parse_unsigned("--n", "18446744073709551616", 0, std::numeric_limits<std::uint64_t>::max()); },
       "--n: 18446744073709551616 is out of range (at most 18446744073709551615)"},
      {[] { parse_unsigned("--lambda-concurrency", "1001", 1, max_lambda_concurrency); },
       "--lambda-concurrency: 1001 is out of range (1 to 1000)"},
  };
  for (const auto& [call, expected] : cases) EXPECT_EQ(usage_message(call), expected);
}

}  // namespace
}  // namespace fogbank::core
