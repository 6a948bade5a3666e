// Digests, base64 and character rules (emulator/sqs/src/message_format.cpp).

#include "message_format.hpp"

#include "fogbank/core/aws_error.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace fogbank::sqs {
namespace {

TEST(sqs_message_format, digests) {
  // Values from /usr/bin/python3: hashlib.md5(b"").hexdigest(), hashlib.sha256(b"hello").hexdigest().
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(sha256_hex("hello"), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(message_attributes_md5(json::object()), "");
}

// Each thread reuses one digest context (message_format.cpp): switching between MD5 and SHA-256,
// inputs of any size one after the other, and several threads at once give the same digests.
TEST(sqs_message_format, digests_reuse_a_context) {
  const std::string large(100'000, 'x');
  const auto check = [&] {
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(md5_hex("hello"), "5d41402abc4b2a76b9719d911017c592");
      EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
      EXPECT_EQ(md5_hex(large), "d5816f35916d1d9482fb0f1ec201101d");
      EXPECT_EQ(md5_hex(std::string(64, 'm')), "214add07fe086a1fc38983a350506922");
      EXPECT_EQ(sha256_hex("hello"), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    }
  };
  check();
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back(check);
  for (auto& t : threads) t.join();
}

TEST(sqs_message_format, base64_round_trip) {
  for (const std::string& text :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\x00\xff\x10", 3)}) {
    EXPECT_EQ(base64_decode(base64_encode(text)), text);
  }
  EXPECT_EQ(base64_encode("\x01\x02"), "AQI=");
  EXPECT_FALSE(base64_decode("A*=="));
  EXPECT_FALSE(base64_decode("AQ=I"));
}

TEST(sqs_message_format, allowed_characters) {
  EXPECT_TRUE(has_only_allowed_characters("plain \t\r\n"));
  EXPECT_TRUE(has_only_allowed_characters("\xED\x9F\xBF"));      // U+D7FF
  EXPECT_TRUE(has_only_allowed_characters("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_FALSE(has_only_allowed_characters(std::string("\x00", 1)));
  EXPECT_FALSE(has_only_allowed_characters("\x0B"));
  EXPECT_FALSE(has_only_allowed_characters("\xEF\xBF\xBE"));  // U+FFFE
  EXPECT_FALSE(has_only_allowed_characters("\xC3"));          // truncated UTF-8
}

TEST(sqs_message_format, ill_formed_utf8_is_not_text) {
  // Overlong forms: '/' in two, three and four bytes, and DEL (U+007F) in two.
  EXPECT_FALSE(has_only_allowed_characters("\xC0\xAF"));
  EXPECT_FALSE(has_only_allowed_characters("\xE0\x80\xAF"));
  EXPECT_FALSE(has_only_allowed_characters("\xF0\x80\x80\xAF"));
  EXPECT_FALSE(has_only_allowed_characters("\xC1\xBF"));
  EXPECT_FALSE(has_only_allowed_characters("\xE0\x9F\xBF"));  // U+07FF in three bytes
  // Encoded surrogates and values past U+10FFFF.
  EXPECT_FALSE(has_only_allowed_characters("\xED\xA0\x80"));
  EXPECT_FALSE(has_only_allowed_characters("\xF4\x90\x80\x80"));
  EXPECT_FALSE(has_only_allowed_characters("\xF7\xBF\xBF\xBF"));
  // The shortest forms of the same neighbourhoods are fine.
  EXPECT_TRUE(has_only_allowed_characters("/\xC2\x80\xE0\xA0\x80\xF0\x90\x80\x80"));
}

// check_message_attributes on one Number attribute: the bytes it counts, or the error message.
std::string number_check(const std::string& value) {
  try {
    return std::to_string(
        check_message_attributes({{"n", {{"DataType", "Number"}, {"StringValue", value}}}}));
  } catch (const core::aws_error& e) {
    return e.message();
  }
}

TEST(sqs_message_format, numbers_hold_38_digits_between_1e_minus_128_and_1e126) {
  const std::string refused = "Can't cast the value of message (user) attribute 'n' to a number.";
  for (const std::string& value :
       {std::string("0"), std::string("-0.000"), std::string("0e999999"), std::string("1e126"),
        std::string("-1.000e126"), std::string("9.99e125"), std::string("1e-128"), std::string("-1E-128"),
        std::string("+12.5"), std::string(".5"), std::string("5."), std::string(38, '9'),
        std::string("1") + std::string(100, '0'), std::string("0.") + std::string(127, '0') + "1"}) {
    EXPECT_NE(number_check(value), refused) << value;
  }
  for (const std::string& value :
       {std::string("1e999999"), std::string("-1e999999"), std::string("1e-999999"), std::string("1.1e126"),
        std::string("1e127"), std::string("1e-129"), std::string("0.") + std::string(128, '0') + "1",
        std::string(39, '9'), std::string("1.") + std::string(37, '0') + "1", std::string("1e"),
        std::string("1e+"), std::string("."), std::string("-"), std::string("1.2.3"), std::string("0x10"),
        std::string("1e99999999999999999999999999")}) {
    EXPECT_EQ(number_check(value), refused) << value;
  }
}

TEST(sqs_message_format, select_message_attributes) {
  const json attributes = {{"a.x", {{"DataType", "String"}, {"StringValue", "1"}}},
                           {"b", {{"DataType", "String"}, {"StringValue", "2"}}}};
  EXPECT_EQ(select_message_attributes(attributes, {"All"}), attributes);
  EXPECT_EQ(select_message_attributes(attributes, {".*"}), attributes);
  EXPECT_EQ(select_message_attributes(attributes, {"a.*"}).size(), 1u);
  EXPECT_EQ(select_message_attributes(attributes, {"b"}).size(), 1u);
  EXPECT_TRUE(select_message_attributes(attributes, {}).empty());
}

}  // namespace
}  // namespace fogbank::sqs
