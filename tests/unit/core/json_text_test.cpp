#include "fogbank/core/json_text.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

// The oracle is nlohmann's own dump with the arguments every response body used:
// dump(-1, ' ', false, error_handler_t::replace). Every check compares bytes.
namespace fogbank::core::json_text_test {
namespace {

using json = nlohmann::json;

std::string oracle(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// `bytes` readable in a failure message: printable ASCII as it is, everything else as \xNN.
std::string printable(std::string_view bytes) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string shown;
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F && byte != '\\') {
      shown.push_back(c);
    } else {
      shown += "\\x";
      shown.push_back(hex[byte >> 4]);
      shown.push_back(hex[byte & 0xF]);
    }
  }
  return shown;
}

// Expected and actual side by side around their first difference.
std::string mismatch(const std::string& expected, const std::string& actual) {
  std::size_t at = 0;
  while (at < expected.size() && at < actual.size() && expected[at] == actual[at]) ++at;
  const std::size_t from = at > 40 ? at - 40 : 0;
  return "first difference at byte " + std::to_string(at) + " (sizes " + std::to_string(expected.size()) +
         " expected, " + std::to_string(actual.size()) + " actual)\n  expected: ..." +
         printable(std::string_view(expected).substr(from, 100)) + "\n  actual:   ..." +
         printable(std::string_view(actual).substr(from, 100));
}

::testing::AssertionResult same_as_dump(const json& value) {
  const std::string expected = oracle(value);
  const std::string actual = to_json_text(value);
  if (expected == actual) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << mismatch(expected, actual);
}

// A string value checked on its own, inside an array, as an object key, and through
// append_json_string.
::testing::AssertionResult string_same_as_dump(const std::string& text) {
  if (auto result = same_as_dump(json(text)); !result) return result << "\n  input: " << printable(text);
  if (auto result = same_as_dump(json::array({1, text, "x"})); !result)
    return result << "\n  input (in an array): " << printable(text);
  if (auto result = same_as_dump(json::object({{text, text}, {"k", 1}})); !result)
    return result << "\n  input (as a key): " << printable(text);
  std::string appended = "prefix";
  append_json_string(appended, text);
  const std::string expected = "prefix" + oracle(json(text));
  if (appended != expected)
    return ::testing::AssertionFailure()
           << "append_json_string: " << mismatch(expected, appended) << "\n  input: " << printable(text);
  return ::testing::AssertionSuccess();
}

// ---- Random inputs ----------------------------------------------------------------------------

std::string utf8(std::uint32_t code_point) {
  std::string out;
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
  return out;
}

class generator {
 public:
  explicit generator(std::uint64_t seed) : random_(seed) {}

  std::uint64_t below(std::uint64_t n) {
    return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(random_);
  }
  bool one_in(std::uint64_t n) { return below(n) == 0; }
  std::uint64_t bits() { return random_(); }

  // A string made of pieces of one of several kinds, so that runs of clean ASCII, escapes,
  // good and bad UTF-8 meet at every offset within an 8-byte word.
  std::string text() {
    std::size_t pieces = below(12);
    if (one_in(20)) pieces = 50 + below(400);
    std::string out;
    for (std::size_t i = 0; i < pieces; ++i) out += piece();
    return out;
  }

  json document(int depth_left) {
    // Containers half the time while depth is left, so that documents grow deep and wide.
    const std::uint64_t kind = depth_left > 0 && one_in(2) ? below(2) : 2 + below(10);
    switch (kind) {
      case 0: {
        json object = json::object();
        const std::uint64_t members = one_in(25) ? below(30) : below(5);
        for (std::uint64_t i = 0; i < members; ++i) object[text()] = document(depth_left - 1);
        return object;
      }
      case 1: {
        json array = json::array();
        const std::uint64_t elements = one_in(25) ? below(30) : below(5);
        for (std::uint64_t i = 0; i < elements; ++i) array.push_back(document(depth_left - 1));
        return array;
      }
      case 2:
      case 3:
      case 4:
        return text();
      case 5:
        return number_integer();
      case 6:
        return number_unsigned();
      case 7:
      case 8:
        return number_float();
      case 9:
        return one_in(2);
      case 10:
        return nullptr;
      default: {
        json::binary_t::container_type bytes(below(one_in(5) ? 300 : 8));
        for (auto& byte : bytes) byte = static_cast<std::uint8_t>(bits());
        if (one_in(2)) return json::binary(std::move(bytes));
        return json::binary(std::move(bytes),
                            one_in(3) ? std::numeric_limits<std::uint64_t>::max() : below(300));
      }
    }
  }

 private:
  std::string piece() {
    switch (below(10)) {
      case 0: {  // clean ASCII, sometimes long
        std::string out(one_in(4) ? below(64) : below(9), 'a');
        for (auto& c : out) c = static_cast<char>(0x20 + below(0x60));  // 0x20..0x7F, '"' and '\\' too
        return out;
      }
      case 1:  // any single byte
        return std::string(1, static_cast<char>(below(256)));
      case 2: {  // a control byte, a quote, a backslash or DEL
        static constexpr char specials[] = {'\0',   '\b',   '\t', '\n', '\f',  '\r',
                                            '\x1F', '\x01', '"',  '\\', '\x7F'};
        return std::string(1, specials[below(sizeof specials)]);
      }
      case 3:  // a valid code point of any length
        return utf8(valid_code_point());
      case 4: {  // a valid multi-byte code point cut short
        std::string out = utf8(valid_code_point() | 0x80);
        if (out.size() > 1) out.resize(1 + below(out.size() - 1));
        return out;
      }
      case 5: {  // overlong forms
        const std::uint32_t code_point = static_cast<std::uint32_t>(below(0x10000));
        if (one_in(3)) return {static_cast<char>(0xC0 | below(2)), static_cast<char>(0x80 | below(64))};
        if (one_in(2))
          return {'\xE0', static_cast<char>(0x80 | (code_point >> 6 & 0x1F)),
                  static_cast<char>(0x80 | (code_point & 0x3F))};
        return {'\xF0', static_cast<char>(0x80 | below(16)), static_cast<char>(0x80 | below(64)),
                static_cast<char>(0x80 | below(64))};
      }
      case 6: {  // surrogates, encoded as if they were code points, alone or paired
        std::string out = utf8(0xD800 + static_cast<std::uint32_t>(below(0x800)));
        if (one_in(2)) out += utf8(0xDC00 + static_cast<std::uint32_t>(below(0x400)));
        return out;
      }
      case 7: {  // past U+10FFFF, and the leads F5..FF
        if (one_in(2)) return utf8(0x110000 + static_cast<std::uint32_t>(below(0x1FFFFF - 0x110000)));
        return {static_cast<char>(0xF5 + below(11)), static_cast<char>(0x80 | below(64))};
      }
      case 8: {  // stray continuation bytes
        std::string out(1 + below(4), '\x80');
        for (auto& c : out) c = static_cast<char>(0x80 | below(64));
        return out;
      }
      default: {  // random bytes, mostly high ones
        std::string out(below(8), '\0');
        for (auto& c : out) c = static_cast<char>(one_in(4) ? below(256) : 0x80 + below(128));
        return out;
      }
    }
  }

  std::uint32_t valid_code_point() {
    switch (below(4)) {
      case 0:
        return static_cast<std::uint32_t>(below(0x80));
      case 1:
        return static_cast<std::uint32_t>(0x80 + below(0x800 - 0x80));
      case 2: {
        std::uint32_t code_point = static_cast<std::uint32_t>(0x800 + below(0x10000 - 0x800));
        if (code_point >= 0xD800 && code_point <= 0xDFFF) code_point += 0x800;
        return code_point;
      }
      default:
        return static_cast<std::uint32_t>(0x10000 + below(0x110000 - 0x10000));
    }
  }

  std::int64_t number_integer() {
    static constexpr std::int64_t edges[] = {0,
                                             1,
                                             -1,
                                             9,
                                             10,
                                             -10,
                                             99,
                                             100,
                                             12345,
                                             -12345,
                                             std::numeric_limits<std::int64_t>::min(),
                                             std::numeric_limits<std::int64_t>::max()};
    if (one_in(3)) return edges[below(std::size(edges))];
    return static_cast<std::int64_t>(bits() >> below(64));
  }

  std::uint64_t number_unsigned() {
    if (one_in(4)) return std::numeric_limits<std::uint64_t>::max() - below(3);
    return bits() >> below(64);
  }

  double number_float() {
    static const double edges[] = {0.0,
                                   -0.0,
                                   1.0,
                                   -1.5,
                                   0.1,
                                   1e308,
                                   -1e308,
                                   1e21,
                                   1e-7,
                                   123456789012345678.0,
                                   std::numeric_limits<double>::max(),
                                   std::numeric_limits<double>::lowest(),
                                   std::numeric_limits<double>::min(),
                                   std::numeric_limits<double>::denorm_min(),
                                   -std::numeric_limits<double>::denorm_min(),
                                   std::numeric_limits<double>::epsilon(),
                                   std::numeric_limits<double>::infinity(),
                                   -std::numeric_limits<double>::infinity(),
                                   std::numeric_limits<double>::quiet_NaN(),
                                   -std::numeric_limits<double>::quiet_NaN()};
    switch (below(4)) {
      case 0:
        return edges[below(std::size(edges))];
      case 1:
        return std::bit_cast<double>(bits());  // any bit pattern: denormals, NaNs too
      case 2:
        return static_cast<double>(static_cast<std::int64_t>(bits() >> below(64))) / 1000.0;
      default:
        return std::uniform_real_distribution<double>(-1e6, 1e6)(random_);
    }
  }

  std::mt19937_64 random_;
};

// Bytes whose UTF-8 roles differ: ASCII (clean, escaped, DEL), continuation ranges that the
// special leads split (80..8F, 90..9F, A0..BF), and every kind of lead.
constexpr unsigned char interesting_bytes[] = {0x00, 0x0A, 0x1F, 0x22, 0x41, 0x5C, 0x7F, 0x80, 0x8F,
                                               0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
                                               0xE1, 0xED, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF};

// ---- Tests ------------------------------------------------------------------------------------

TEST(json_text, scalars_and_empty_containers) {
  EXPECT_EQ(to_json_text(json(nullptr)), "null");
  EXPECT_EQ(to_json_text(json(true)), "true");
  EXPECT_EQ(to_json_text(json(false)), "false");
  EXPECT_EQ(to_json_text(json::object()), "{}");
  EXPECT_EQ(to_json_text(json::array()), "[]");
  EXPECT_EQ(to_json_text(json("")), "\"\"");
  EXPECT_EQ(to_json_text(json::parse(R"({"b":[1,{},[]],"a":{"c":null}})")),
            R"({"a":{"c":null},"b":[1,{},[]]})");
  for (const json& value : {json(nullptr), json(true), json(false), json::object(), json::array(), json("")})
    EXPECT_TRUE(same_as_dump(value));
}

TEST(json_text, numbers_as_dump_writes_them) {
  const std::vector<std::pair<json, std::string>> cases = {
      {json(0), "0"},
      {json(-1), "-1"},
      {json(std::numeric_limits<std::int64_t>::min()), "-9223372036854775808"},
      {json(std::numeric_limits<std::int64_t>::max()), "9223372036854775807"},
      {json(std::numeric_limits<std::uint64_t>::max()), "18446744073709551615"},
      {json(0u), "0"},
      {json(0.0), "0.0"},
      {json(-0.0), "-0.0"},
      {json(1.0), "1.0"},
      {json(0.1), "0.1"},
      {json(1e308), "1e+308"},
      {json(5e-324), "5e-324"},
      {json(2.2250738585072014e-308), "2.2250738585072014e-308"},
      {json(std::numeric_limits<double>::quiet_NaN()), "null"},
      {json(std::numeric_limits<double>::infinity()), "null"},
      {json(-std::numeric_limits<double>::infinity()), "null"},
  };
  for (const auto& [value, text] : cases) {
    EXPECT_EQ(to_json_text(value), text);
    EXPECT_TRUE(same_as_dump(value)) << text;
  }
}

TEST(json_text, binary_and_discarded_as_dump_writes_them) {
  EXPECT_EQ(to_json_text(json::binary({})), R"({"bytes":[],"subtype":null})");
  EXPECT_EQ(to_json_text(json::binary({0, 1, 255}, 42)), R"({"bytes":[0,1,255],"subtype":42})");
  EXPECT_TRUE(same_as_dump(json::binary({7, 8}, std::numeric_limits<std::uint64_t>::max())));
  EXPECT_TRUE(same_as_dump(json::array({json::binary({1}), json::binary({}, 0)})));
  EXPECT_EQ(to_json_text(json(json::value_t::discarded)), "<discarded>");
  EXPECT_TRUE(same_as_dump(json(json::value_t::discarded)));
}

// Spliced text is written as the bytes it holds, wherever it sits; a binary of another subtype,
// even one byte off, as dump() writes it.
TEST(json_text, spliced_text_is_written_as_it_is) {
  const json item = spliced_text(R"({"a":{"S":"x"}})");
  EXPECT_EQ(to_json_text(item), R"({"a":{"S":"x"}})");
  json response = {{"Count", 2}, {"Items", json::array({item, spliced_text("[]")})}, {"Item", item}};
  EXPECT_EQ(to_json_text(response), R"({"Count":2,"Item":{"a":{"S":"x"}},"Items":[{"a":{"S":"x"}},[]]})");
  std::string out = "prefix ";
  append_json(out, spliced_text(""));
  EXPECT_EQ(out, "prefix ");
  EXPECT_TRUE(same_as_dump(json::binary({'[', ']'}, spliced_text_subtype - 1)));
  EXPECT_TRUE(same_as_dump(json::binary({'[', ']'})));
}

TEST(json_text, escapes_as_dump_does) {
  EXPECT_EQ(to_json_text(json(std::string("\"\\/\b\f\n\r\t\x01\x1f\x7f"))),
            "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"");
  EXPECT_EQ(to_json_text(json(std::string("a\0b", 3))), "\"a\\u0000b\"");
  EXPECT_EQ(to_json_text(json("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80")),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
}

TEST(json_text, replaces_invalid_utf8_as_dump_does) {
  // One U+FFFD per maximal subpart; the byte that broke a sequence is read again.
  const std::string fffd = "\xEF\xBF\xBD";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\x80", fffd},
      {"a\xFF"
       "b",
       "a" + fffd + "b"},
      {"\xC3", fffd},      // cut short at the end
      {"\xE2\x82", fffd},  // cut short at the end, two bytes
      {"\xE2\x82"
       "a",
       fffd + "a"},                                     // broken by ASCII, which is kept
      {"\xE2\x82\xE2\x82\xAC", fffd + "\xE2\x82\xAC"},  // broken by a new lead, which is read again
      {"\xC0\xAF", fffd + fffd},                        // overlong: C0 cannot start anything
      {"\xE0\x80\xAF", fffd + fffd + fffd},             // overlong: E0 80 is rejected at 80
      {"\xED\xA0\x80", fffd + fffd + fffd},             // a surrogate
      {"\xF4\x90\x80\x80", fffd + fffd + fffd + fffd},  // past U+10FFFF
      {"\xF0\x9F\x98", fffd},                           // a four-byte sequence cut short
      {"\xF0\x9F\x98"
       "\"",
       fffd + "\\\""},  // ... and broken by a quote, escaped
  };
  for (const auto& [input, replaced] : cases) {
    EXPECT_EQ(to_json_text(json(input)), "\"" + replaced + "\"") << printable(input);
    EXPECT_TRUE(string_same_as_dump(input));
  }
}

TEST(json_text, every_single_byte_at_every_offset_within_a_word) {
  for (int byte = 0; byte < 256; ++byte) {
    for (std::size_t before = 0; before <= 17; ++before) {
      for (std::size_t after : {0, 1, 7, 8, 9}) {
        const std::string text = std::string(before, 'x') + static_cast<char>(byte) + std::string(after, 'y');
        ASSERT_TRUE(string_same_as_dump(text)) << "byte " << byte << " after " << before;
      }
    }
  }
}

TEST(json_text, every_two_byte_string) {
  for (int first = 0; first < 256; ++first) {
    for (int second = 0; second < 256; ++second) {
      const std::string text = {static_cast<char>(first), static_cast<char>(second)};
      ASSERT_TRUE(same_as_dump(json(text))) << "input: " << printable(text);
    }
  }
}

TEST(json_text, every_four_byte_string_of_interesting_bytes) {
  // 26^4 strings: every way a sequence can start, continue, break and end within four bytes,
  // placed across two 8-byte words that the fast path reads whole (the tail after the last whole
  // word is read byte by byte, which the tests above reach).
  const std::string prefix = "12345";
  std::string text = prefix + "abcd" + "67890123";
  for (const unsigned char a : interesting_bytes) {
    for (const unsigned char b : interesting_bytes) {
      for (const unsigned char c : interesting_bytes) {
        for (const unsigned char d : interesting_bytes) {
          text[prefix.size()] = static_cast<char>(a);
          text[prefix.size() + 1] = static_cast<char>(b);
          text[prefix.size() + 2] = static_cast<char>(c);
          text[prefix.size() + 3] = static_cast<char>(d);
          ASSERT_TRUE(same_as_dump(json(text))) << "input: " << printable(text);
        }
      }
    }
  }
}

TEST(json_text, random_strings_match_dump) {
  generator random(20261124);
  for (int i = 0; i < 20000; ++i) {
    const std::string text = random.text();
    ASSERT_TRUE(string_same_as_dump(text)) << "string " << i;
  }
}

TEST(json_text, random_documents_match_dump) {
  // What the generator reached, so that a change to it cannot quietly stop testing something.
  int with_replacement = 0;
  int with_control_escape = 0;
  int over_10_kb = 0;
  for (std::uint64_t seed = 1; seed <= 3000; ++seed) {
    generator random(seed);
    const json document = random.document(static_cast<int>(random.below(9)));
    ASSERT_TRUE(same_as_dump(document)) << "seed " << seed;
    const std::string text = oracle(document);
    with_replacement += text.find("\xEF\xBF\xBD") != std::string::npos;
    with_control_escape += text.find("\\u00") != std::string::npos;
    over_10_kb += text.size() > 10'000;
  }
  EXPECT_GT(with_replacement, 1000);
  EXPECT_GT(with_control_escape, 500);
  EXPECT_GT(over_10_kb, 50);
}

TEST(json_text, pieces_around_the_writers_buffer_edges) {
  // The writer gathers short pieces in a 1 KB buffer and appends pieces of 512 bytes or more
  // directly: strings of every length near those edges, after text that fills it to near them.
  std::vector<std::size_t> lengths;
  for (const std::size_t edge : {0, 512, 1024, 2048}) {
    for (std::size_t length = edge > 4 ? edge - 4 : 0; length <= edge + 4; ++length)
      lengths.push_back(length);
  }
  for (const std::size_t first : lengths) {
    for (const std::size_t second : lengths) {
      const json value =
          json::array({std::string(first, 'x'), std::string(second, 'y') + "\n\xC3\xA9\xFF", 7});
      ASSERT_TRUE(same_as_dump(value)) << first << " then " << second;
    }
  }
}

TEST(json_text, appends_after_what_the_string_holds) {
  std::string out = "[";
  append_json(out, json::parse(R"({"a":[1,2.5,"x"]})"));
  append_json(out, json("y"));
  EXPECT_EQ(out, R"([{"a":[1,2.5,"x"]}"y")");
}

TEST(json_text, deep_values_match_dump) {
  // Past the walk's in-place levels (32) into its heap stack, and deeper than any request.
  for (const int depth : {31, 32, 33, 64, 200, 2000}) {
    json value = "leaf";
    for (int level = 0; level < depth; ++level) {
      json outer = level % 2 == 0 ? json::array({1}) : json::object({{"k", 2}});
      if (level % 2 == 0) {
        outer.push_back(std::move(value));
      } else {
        outer["z"] = std::move(value);
      }
      value = std::move(outer);
    }
    EXPECT_TRUE(same_as_dump(value)) << "depth " << depth;
  }
}

TEST(json_text, writes_a_million_levels_without_recursing) {
  // nlohmann's dump would recurse a million times here; the walk does not.
  constexpr std::size_t depth = 1'000'000;
  json value = json::array();
  for (std::size_t level = 1; level < depth; ++level) {
    json outer = json::array();
    outer.push_back(std::move(value));
    value = std::move(outer);
  }
  EXPECT_EQ(to_json_text(value), std::string(depth, '[') + std::string(depth, ']'));
}

}  // namespace
}  // namespace fogbank::core::json_text_test
