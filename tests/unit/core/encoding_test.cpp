// The one base64 and the one URL decoder: round trips, the canonical rules DynamoDB's blobs follow,
// the lenient rules of Java's decoder that SQS follows, and form decoding.

#include "fogbank/core/encoding.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace fogbank::core {
namespace {

TEST(Base64, EncodesRfc4648TestVectors) {
  // RFC 4648, section 10.
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(Base64, RoundTripsEveryLengthAndByte) {
  std::mt19937 random(1);
  for (std::size_t length = 0; length < 70; ++length) {
    std::string bytes(length, '\0');
    for (char& c : bytes) c = static_cast<char>(random() & 0xFF);
    const std::string text = base64_encode(bytes);
    EXPECT_EQ(base64_decode(text), bytes) << text;
    EXPECT_EQ(base64_decode_lenient(text), bytes) << text;
  }
}

TEST(Base64, CanonicalDecodingRefusesEverythingElse) {
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm8"), std::nullopt);   // unpadded
  EXPECT_EQ(base64_decode("Zm9="), std::nullopt);  // unused bits set: a second encoding of "fo"
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zh=="), std::nullopt);  // unused bits set
  EXPECT_EQ(base64_decode("Z==="), std::nullopt);  // three pads
  EXPECT_EQ(base64_decode("===="), std::nullopt);
  EXPECT_EQ(base64_decode("Zg==Zg=="), std::nullopt);  // padding inside
  EXPECT_EQ(base64_decode("Zm 9v"), std::nullopt);
  EXPECT_EQ(base64_decode("Zm-v"), std::nullopt);  // the URL-safe alphabet is another encoding
  EXPECT_EQ(base64_decode(""), "");
}

TEST(Base64, LenientDecodingFollowsJavasBasicDecoder) {
  EXPECT_EQ(base64_decode_lenient("Zm8"), "fo");  // padding optional
  EXPECT_EQ(base64_decode_lenient("Zg"), "f");
  EXPECT_EQ(base64_decode_lenient("Zm9="), "fo");           // unused bits ignored
  EXPECT_EQ(base64_decode_lenient("Z"), std::nullopt);      // not a byte
  EXPECT_EQ(base64_decode_lenient("Zm8=="), std::nullopt);  // padding past the quad
  EXPECT_EQ(base64_decode_lenient("Zg=Zg="), std::nullopt);
  EXPECT_EQ(base64_decode_lenient("Zm*v"), std::nullopt);
}

TEST(UrlDecode, DecodesPlusAndEscapesAndKeepsMalformedOnes) {
  EXPECT_EQ(url_decode("a+b%20c"), "a b c");
  EXPECT_EQ(url_decode("%2F%2f"), "//");
  EXPECT_EQ(url_decode("100%"), "100%");
  EXPECT_EQ(url_decode("%4"), "%4");
  EXPECT_EQ(url_decode("a%4"), "a%4");
  EXPECT_EQ(url_decode("%"), "%");
  EXPECT_EQ(url_decode("%zz%41"), "%zzA");
  EXPECT_EQ(url_decode("%00"), std::string(1, '\0'));
  EXPECT_EQ(url_decode(""), "");
}

TEST(encoding, query_pairs_are_decoded_in_order_with_repeats_and_bare_names) {
  using pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(query_pairs("a=1&b=x+y&a=%32&flag&&=v&c="),
            (pairs{{"a", "1"}, {"b", "x y"}, {"a", "2"}, {"flag", ""}, {"", "v"}, {"c", ""}}));
  EXPECT_EQ(query_pairs(""), pairs{});
  EXPECT_EQ(query_pairs("&&"), pairs{});
}

TEST(XmlEscape, EscapesMarkupAndReplacesForbiddenControlCharacters) {
  EXPECT_EQ(xml_escape(R"(<a href="x">&</a>)"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(xml_escape(std::string("tab\tnl\ncr\rbell\x07nul") + '\0'), "tab\tnl\ncr\rbell?nul?");
  EXPECT_EQ(xml_escape("caf\xc3\xa9 'single'"), "caf\xc3\xa9 'single'");
}

TEST(UrlEncode, KeepsUnreservedCharactersAndEscapesEveryOtherByte) {
  EXPECT_EQ(url_encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(url_encode("a b/c?d=e&f+g%"), "a%20b%2Fc%3Fd%3De%26f%2Bg%25");
  EXPECT_EQ(url_encode("caf\xC3\xA9"), "caf%C3%A9");  // UTF-8 bytes, upper-case hex
  EXPECT_EQ(url_encode(std::string("\0\xFF", 2)), "%00%FF");
  EXPECT_EQ(url_encode(""), "");
  // url_decode reads back what url_encode writes.
  EXPECT_EQ(url_decode(url_encode("x y+z%2F/\xE2\x82\xAC")), "x y+z%2F/\xE2\x82\xAC");
}

}  // namespace
}  // namespace fogbank::core
