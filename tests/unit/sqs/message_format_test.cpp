// Digests, base64 and character rules (emulator/sqs/src/message_format.cpp).

#include "message_format.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fogbank::sqs {
namespace {

TEST(sqs_message_format, digests) {
  // Values from /usr/bin/python3: hashlib.md5(b"").hexdigest(), hashlib.sha256(b"hello").hexdigest().
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(sha256_hex("hello"), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(message_attributes_md5(json::object()), "");
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
