// parse_json_within's parser (emulator/core/src/json_parse.cpp) against nlohmann's, its oracle:
// the same value with the same types, or no value, for every input.

#include "fogbank/core/json_limits.hpp"
#include "json_identical.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::core {
namespace {

using json = nlohmann::json;

// What the oracle says: nlohmann's parse after the same nesting check.
std::optional<json> oracle(std::string_view text, int max_depth) {
  if (!nesting_within(text, max_depth)) return std::nullopt;
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

void expect_like_oracle(std::string_view text, int max_depth = 128) {
  const std::optional<json> expected = oracle(text, max_depth);
  const std::optional<json> actual = parse_json_within(text, max_depth);
  ASSERT_EQ(expected.has_value(), actual.has_value())
      << "text: " << json(std::string(text)).dump(-1, ' ', true, json::error_handler_t::replace)
      << "\nexpected: " << (expected ? expected->dump() : "no value")
      << "\nactual:   " << (actual ? actual->dump() : "no value");
  if (expected) {
    EXPECT_TRUE(test_support::json_identical(*expected, *actual))
        << "text: " << text << "\nexpected: " << expected->dump() << "\nactual:   " << actual->dump();
  }
}

TEST(JsonParse, ValuesAndTypesAsNlohmannHasThem) {
  for (
      const char* text : {
          "{}",
          "[]",
          "null",
          "true",
          "false",
          "0",
          "-0",
          "1",
          "-1",
          "0.5",
          "-0.0",
          "1e5",
          "1E+5",
          "1e-5",
          "18446744073709551615",
          "18446744073709551616",
          "-9223372036854775808",
          "-9223372036854775809",
          "123456789012345678901234567890",
          "1e308",
          "1e-400",
          "4.9e-324",
          "0.1",
          "3.141592653589793238462643",
          R"({"TableName":"t","Item":{"pk":{"S":"a"},"n":{"N":"1.50"},"b":{"BOOL":true},"l":{"L":[{"NULL":true}]}}})",
          R"({"a":1,"a":2})",
          R"({"b":1,"a":2,"b":[3]})",
          R"( { "a" : [ 1 , 2 ] } )",
          "\t\n\r [1]\r\n",
          R"("plain")",
          R"("\"\\\/\b\f\n\r\t")",
          R"("\u0000\u001f\u0041\u00e9\u20ac")",
          R"("\ud83d\ude00")",
          R"("\uD83D\uDE00")",
          "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
          "\"\x7f\"",
          R"({"k\u00e9y":"v"})",
          "\xEF\xBB\xBF{\"bom\":1}",
          "[1]\0",
          "{}\0garbage",
          "[[1,2],[3,[4,[5]]]]",
      }) {
    expect_like_oracle(text);
  }
  // NUL bytes inside the text (std::string, not C strings).
  expect_like_oracle(std::string("[1]\0[", 5));
  expect_like_oracle(std::string("{\"a\":\"x\0y\"}", 11));
}

TEST(JsonParse, RefusesWhatNlohmannRefuses) {
  for (const char* text : {
           "",
           " ",
           "{",
           "}",
           "[",
           "]",
           "[1,]",
           "{\"a\":1,}",
           "{\"a\" 1}",
           "{a:1}",
           "{'a':1}",
           "[1 2]",
           "01",
           "-",
           "+1",
           ".5",
           "1.",
           "1.e5",
           "1e",
           "1e+",
           "0x10",
           "NaN",
           "Infinity",
           "-Infinity",
           "1e400",
           "-1e400",
           "tru",
           "nul",
           "truex",
           "True",
           "\"open",
           "\"\\x\"",
           "\"\\u12\"",
           "\"\\u12G4\"",
           "\"\\ud83d\"",
           "\"\\ud83dx\"",
           "\"\\ud83d\\u0041\"",
           "\"\\ude00\"",
           "\"tab\there\"",
           "\"\x01\"",
           "\"\xc0\xaf\"",
           "\"\xc3\"",
           "\"\xe0\x80\xaf\"",
           "\"\xed\xa0\x80\"",
           "\"\xf4\x90\x80\x80\"",
           "\"\xf5\x80\x80\x80\"",
           "\"\x80\"",
           "\xEF\xBB{}",
           "\xEF{}",
           "{} {}",
           "[1]]",
           "{\"a\":1}}",
           "\"a\"\"b\"",
       }) {
    expect_like_oracle(text);
  }
}

TEST(JsonParse, KeepsToTheDepthLimit) {
  const auto nested = [](int levels) { return std::string(levels, '[') + std::string(levels, ']'); };
  expect_like_oracle(nested(32), 32);
  expect_like_oracle(nested(33), 32);
  EXPECT_FALSE(parse_json_within(std::string(1'000'000, '['), 128).has_value());
  EXPECT_FALSE(parse_json_within("{}" + std::string(1, '\0') + std::string(200, '['), 128).has_value());
}

// Random documents and random edits of them: every one parsed as the oracle parses it.
TEST(JsonParse, RandomDocumentsAndTheirMutationsMatchTheOracle) {
  std::mt19937_64 random(20261202);
  const std::vector<std::string> atoms = {"0",
                                          "-0",
                                          "7",
                                          "-12",
                                          "3.5",
                                          "1e3",
                                          "-2.5E-3",
                                          "18446744073709551616",
                                          "true",
                                          "false",
                                          "null",
                                          "\"\"",
                                          "\"s\"",
                                          "\"\\u00e9\\n\"",
                                          "\"\xc3\xa9\"",
                                          "\"\\ud83d\\ude00\"",
                                          "{}",
                                          "[]"};
  std::function<std::string(int)> document = [&](int depth) -> std::string {
    const auto pick = random() % 4;
    if (depth > 4 || pick == 0) return atoms[random() % atoms.size()];
    std::string out;
    const int count = static_cast<int>(random() % 4);
    if (pick == 1) {
      out = "[";
      for (int i = 0; i < count; ++i) out += (i ? "," : "") + document(depth + 1);
      return out + "]";
    }
    out = "{";
    for (int i = 0; i < count; ++i)
      out += std::string(i ? "," : "") + "\"k" + std::to_string(random() % 3) + "\":" + document(depth + 1);
    return out + "}";
  };
  const std::string alphabet =
      std::string("{}[]\",:\\ eE+-.0123456789tfnu\x01\x7f\xc3\xa9\xed\xf0\xbf") + '\0';
  for (int round = 0; round < 10'000; ++round) {
    std::string text = document(0);
    expect_like_oracle(text);
    // One to three edits: a byte replaced, inserted or removed.
    for (int edit = 0, edits = 1 + static_cast<int>(random() % 3); edit < edits && !text.empty(); ++edit) {
      const std::size_t at = random() % text.size();
      const char c = alphabet[random() % alphabet.size()];
      switch (random() % 3) {
        case 0:
          text[at] = c;
          break;
        case 1:
          text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        default:
          text.erase(at, 1);
      }
    }
    expect_like_oracle(text);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace fogbank::core
