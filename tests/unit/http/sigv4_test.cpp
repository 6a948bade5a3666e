// The SigV4 header check against hostile headers (issue 6: nothing a client sends may crash or
// hang the server). The HTTP parser bounds a header block to 64 KiB; within that, the check
// must give the right outcome whatever the shape, and every message that quotes the request
// must stay valid UTF-8 (a JSON error body is built from it).

#include "sigv4.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fogbank::http::sigv4 {
namespace {

using outcome = check_result::outcome;

// The size of header block fogbank's parser accepts (server_options::header_limit).
constexpr std::size_t header_limit = 64 * 1024;

check_result check_header(const std::string& authorization, bool has_date = true) {
  signed_request request;
  request.authorization = authorization;
  request.has_date = has_date;
  return check(request);
}

std::string repeat(std::string_view piece, std::size_t total) {
  std::string out;
  while (out.size() + piece.size() <= total) out += piece;
  return out;
}

// Serializing strictly throws on invalid UTF-8: the message must never make it throw.
void expect_valid_utf8(const std::string& message) {
  EXPECT_NO_THROW((void)nlohmann::json(message).dump())
      << "message is not valid UTF-8: " << message.substr(0, 200);
}

TEST(Sigv4, AcceptsAWellFormedHeader) {
  const check_result r = check_header(
      "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, "
      "Signature=abc");
  EXPECT_EQ(r.result, outcome::ok) << r.message;
  EXPECT_EQ(r.scope.region, "eu-west-1");
  EXPECT_EQ(r.scope.access_key_id, "AKID");
}

TEST(Sigv4, ThousandsOfEmptyParametersAreIncompleteAndQuotedWhole) {
  // "a=b," sixteen thousand times: every required parameter is missing.
  const std::string header = "AWS4-HMAC-SHA256 " + repeat("a=b,", header_limit - 100);
  const check_result r = check_header(header);
  EXPECT_EQ(r.result, outcome::incomplete);
  const std::string tail = "Authorization=" + header;
  ASSERT_GE(r.message.size(), tail.size());
  EXPECT_EQ(r.message.substr(r.message.size() - tail.size()), tail);
}

TEST(Sigv4, SeparatorsAndEqualSignsOnlyAreIncomplete) {
  for (const std::string_view piece : {",", " ", "=", ", =", "==,,  "}) {
    const check_result r = check_header("AWS4-HMAC-SHA256 " + repeat(piece, header_limit - 100));
    EXPECT_EQ(r.result, outcome::incomplete) << "piece '" << piece << "'";
  }
}

TEST(Sigv4, RepeatedParametersTakeTheFirstOccurrence) {
  const std::string header =
      "AWS4-HMAC-SHA256 " +
      repeat("Credential=AKID/20240101/us-west-2/dynamodb/aws4_request, ", header_limit / 2) +
      "Credential=OTHER/20240101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, "
      "Signature=abc";
  const check_result r = check_header(header);
  EXPECT_EQ(r.result, outcome::ok) << r.message.substr(0, 200);
  EXPECT_EQ(r.scope.access_key_id, "AKID");
  EXPECT_EQ(r.scope.region, "us-west-2");
}

TEST(Sigv4, ACredentialOfManySlashesIsIncomplete) {
  const std::string credential = repeat("a/", header_limit - 200);
  const check_result r =
      check_header("AWS4-HMAC-SHA256 Credential=" + credential + "x, SignedHeaders=host, Signature=abc");
  EXPECT_EQ(r.result, outcome::incomplete);
  EXPECT_NE(r.message.find("Credential must have exactly 5 slash-delimited elements"), std::string::npos);
}

TEST(Sigv4, MessagesQuotingInvalidUtf8StayValidUtf8) {
  // Found by hand against fogbank before this check existed: an incomplete header holding a
  // 0xFF byte made the error body unserializable, and the client got a 500.
  const check_result incomplete = check_header("AWS4-HMAC-SHA256 Credential=\xff\xfe\xc0\xaf");
  EXPECT_EQ(incomplete.result, outcome::incomplete);
  expect_valid_utf8(incomplete.message);
  EXPECT_NE(incomplete.message.find("Authorization=AWS4-HMAC-SHA256 Credential=\xEF\xBF\xBD"),
            std::string::npos)
      << incomplete.message;

  const check_result bad_credential =
      check_header("AWS4-HMAC-SHA256 Credential=a/\xe2\x82/c, SignedHeaders=host, Signature=abc");
  EXPECT_EQ(bad_credential.result, outcome::incomplete);
  expect_valid_utf8(bad_credential.message);
}

TEST(Sigv4, RegionsNoRegionCanHaveAreInvalid) {
  const auto with_region = [](const std::string& region) {
    return check_header("AWS4-HMAC-SHA256 Credential=AKID/20240101/" + region +
                        "/dynamodb/aws4_request, SignedHeaders=host, Signature=abc");
  };
  // What AWS and local setups use.
  for (const std::string& region :
       std::vector<std::string>{"us-east-1", "us-gov-west-1", "local", "localhost", "fakeRegion", "ddb_local",
                                std::string(64, 'r')}) {
    const check_result r = with_region(region);
    EXPECT_EQ(r.result, outcome::ok) << region << ": " << r.message;
    EXPECT_EQ(r.scope.region, region);
  }
  // Found by hand: a region of invalid UTF-8 made CreateTable answer a SerializationException
  // quoting the JSON library; a 60,000-character region went into the table's ARN.
  for (const std::string& region : {std::string("\xff\xfe"), std::string(65, 'r'), std::string("us.east-1"),
                                    std::string("a'b"), std::string("a\"b"), std::string("a<b>")}) {
    const check_result r = with_region(region);
    EXPECT_EQ(r.result, outcome::invalid) << region;
    expect_valid_utf8(r.message);
    EXPECT_EQ(r.message.rfind("Credential should be scoped to a valid region, not '", 0), 0u) << r.message;
    EXPECT_EQ(r.message.substr(r.message.size() - 3), "'. ") << r.message;
  }
  // The presigned form is checked the same way.
  signed_request presigned;
  presigned.query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240101%2F%FF%2Fdynamodb%2Faws4_request&"
      "X-Amz-Signature=abc&X-Amz-SignedHeaders=host&X-Amz-Date=20240101T000000Z";
  const check_result r = check(presigned);
  EXPECT_EQ(r.result, outcome::invalid);
  expect_valid_utf8(r.message);
}

TEST(Sigv4, AnEmptyRegionIsLeftToTheCaller) {
  // The fronts use their default region for an empty one, as before.
  const check_result r = check_header(
      "AWS4-HMAC-SHA256 Credential=AKID/20240101//dynamodb/aws4_request, SignedHeaders=host, Signature=a");
  EXPECT_EQ(r.result, outcome::ok) << r.message;
  EXPECT_EQ(r.scope.region, "");
}

TEST(Sigv4, AQueryStringOfThousandsOfParametersIsChecked) {
  signed_request request;
  const std::string query = repeat("X-Amz-Algorithm=x&", header_limit - 100);
  request.query = query;
  const check_result r = check(request);
  EXPECT_EQ(r.result, outcome::incomplete);
  EXPECT_NE(r.message.find("'X-Amz-Credential'"), std::string::npos) << r.message;
  // Escapes cut short at the end of the text: core's url_decode keeps them (encoding_test.cpp).
}

TEST(Sigv4, PrintableKeepsValidUtf8AndReplacesTheRest) {
  EXPECT_EQ(printable("plain ascii"), "plain ascii");
  EXPECT_EQ(printable("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
            "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");  // é € 😀
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(printable("\xff"), fffd);
  EXPECT_EQ(printable("\xc0\xaf"), fffd + fffd);                        // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), fffd + fffd + fffd);             // a UTF-16 surrogate
  EXPECT_EQ(printable("\xf4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // past U+10FFFF
  EXPECT_EQ(printable("a\xe2\x82"), "a" + fffd + fffd);                 // cut short
  EXPECT_EQ(printable(std::string("\0x", 2)), std::string("\0x", 2));
}

}  // namespace
}  // namespace fogbank::http::sigv4
