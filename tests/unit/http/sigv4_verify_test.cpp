// Signature Version 4 verification (`fogbank serve --credentials`): the canonical request,
// string to sign and signature against AWS's published test vectors, and the time window on a
// manual clock.
//
// The vectors are from AWS's Signature Version 4 test suite (aws-sig-v4-test-suite, formerly at
// docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html; the same files are in
// awslabs/aws-c-auth and the SDKs' suite fixtures): credentials AKIDEXAMPLE /
// wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, region us-east-1, service "service", signed at
// 20150830T123600Z, host example.amazonaws.com.

#include "sigv4_verify.hpp"

#include "fogbank/core/clock.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fogbank::http::sigv4 {
namespace {

constexpr std::string_view suite_key = "AKIDEXAMPLE";
constexpr std::string_view suite_secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view suite_time = "20150830T123600Z";
constexpr std::string_view empty_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

key_ring suite_keys() {
  return key_ring{{std::string(suite_key), std::string(suite_secret)}};
}

core::time_point at(std::string_view stamp) {
  const auto parsed = parse_timestamp(stamp);
  EXPECT_TRUE(parsed.has_value()) << stamp;
  return parsed.value_or(core::time_point{});
}

// A request of the test suite: `target` on example.amazonaws.com, dated `date`, signed with
// `signature` over host and x-amz-date.
request suite_request(bhttp::verb method, std::string_view target, std::string_view signature,
                      std::string_view key = suite_key, std::string_view date = suite_time) {
  request req{method, bsv(target), 11};
  req.set(bhttp::field::host, "example.amazonaws.com");
  req.set("X-Amz-Date", bsv(date));
  req.set(bhttp::field::authorization,
          "AWS4-HMAC-SHA256 Credential=" + std::string(key) + "/" + std::string(date.substr(0, 8)) +
              "/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=" +
              std::string(signature));
  return req;
}

verdict verify_at(const request& req, std::string_view now, std::string_view payload_hash = empty_sha256) {
  return verify(req, payload_hash, suite_keys(), at(now));
}

TEST(Sigv4Verify, GetVanillaCanonicalRequestStringToSignAndSignature) {
  // get-vanilla.creq / .sts / .authz.
  const std::string creq =
      "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" +
      std::string(empty_sha256);
  const std::string sts =
      "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
      "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63";
  EXPECT_EQ(string_to_sign(suite_time, "20150830/us-east-1/service/aws4_request", creq), sts);
  const credential_scope scope{std::string(suite_key), "20150830", "us-east-1", "service", "aws4_request"};
  EXPECT_EQ(signature(suite_secret, scope, sts),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");

  const request good = suite_request(bhttp::verb::get, "/",
                                     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(verify_at(good, suite_time).result, verdict::outcome::ok);

  // One digit off: refused, and what fogbank computed is the suite's canonical request and
  // string to sign (what SQS quotes in its message).
  const request bad = suite_request(bhttp::verb::get, "/",
                                    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf30");
  const verdict refused = verify_at(bad, suite_time);
  EXPECT_EQ(refused.result, verdict::outcome::mismatch);
  EXPECT_EQ(refused.message, mismatch_message);
  EXPECT_EQ(refused.canonical_request, creq);
  EXPECT_EQ(refused.string_to_sign, sts);
}

TEST(Sigv4Verify, SuiteVectorsVerify) {
  struct vector {
    const char* name;
    bhttp::verb method;
    std::string target;
    const char* signature;
  };
  const vector vectors[] = {
      {"get-vanilla-query-order-key-case", bhttp::verb::get, "/?Param2=value2&Param1=value1",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"post-vanilla", bhttp::verb::post, "/",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      // The suite's request line carries the path as UTF-8; its canonical URI is /%E1%88%B4.
      {"get-utf8", bhttp::verb::get, "/\xE1\x88\xB4",
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"get-unreserved", bhttp::verb::get,
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
  };
  for (const vector& v : vectors) {
    EXPECT_EQ(verify_at(suite_request(v.method, v.target, v.signature), suite_time).result,
              verdict::outcome::ok)
        << v.name;
    // The same signature on another path is refused.
    EXPECT_EQ(verify_at(suite_request(v.method, v.target + "x", v.signature), suite_time).result,
              verdict::outcome::mismatch)
        << v.name;
  }
}

TEST(Sigv4Verify, CanonicalUriEncodesThePathAsSentOnceMore) {
  EXPECT_EQ(canonical_uri(""), "/");
  EXPECT_EQ(canonical_uri("/"), "/");
  // Services other than S3 encode the already encoded path again (botocore's
  // _normalize_url_path quotes the quoted path): a Lambda ARN's ':' is %3A on the wire.
  EXPECT_EQ(canonical_uri("/2015-03-31/functions/arn%3Aaws%3Alambda/invocations"),
            "/2015-03-31/functions/arn%253Aaws%253Alambda/invocations");
  // Dot segments and empty segments go (botocore's remove_dot_segments); a trailing slash stays.
  EXPECT_EQ(canonical_uri("/a/./b/../c//d/"), "/a/c/d/");
  EXPECT_EQ(canonical_uri("/000000000000/orders"), "/000000000000/orders");
}

TEST(Sigv4Verify, CanonicalQuerySortsAndReencodes) {
  EXPECT_EQ(canonical_query("", false), "");
  EXPECT_EQ(canonical_query("b=2&a=1&a=0", false), "a=0&a=1&b=2");
  // Decoded, then encoded with only the unreserved characters kept: spaces as %20, '/' as %2F.
  EXPECT_EQ(canonical_query("Message=a+b%2Fc&Name", false), "Message=a%20b%2Fc&Name=");
  EXPECT_EQ(canonical_query("X-Amz-Signature=abc&Action=List", false), "Action=List&X-Amz-Signature=abc");
  // A presigned URL's signature is not part of what it signs.
  EXPECT_EQ(canonical_query("X-Amz-Signature=abc&Action=List", true), "Action=List");
}

TEST(Sigv4Verify, UnknownKeyIsRefusedBeforeTheSignature) {
  const request req = suite_request(
      bhttp::verb::get, "/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", "AKIDOTHER");
  const verdict v = verify_at(req, suite_time);
  EXPECT_EQ(v.result, verdict::outcome::unknown_key);
  EXPECT_EQ(v.message, "The security token included in the request is invalid.");
}

TEST(Sigv4Verify, UnsignedAndIncompleteRequestsAreRefused) {
  request unsigned_req{bhttp::verb::get, "/", 11};
  unsigned_req.set(bhttp::field::host, "example.amazonaws.com");
  EXPECT_EQ(verify_at(unsigned_req, suite_time).result, verdict::outcome::missing);
  request no_signature = suite_request(bhttp::verb::get, "/", "");
  EXPECT_EQ(verify_at(no_signature, suite_time).result, verdict::outcome::incomplete);
}

TEST(Sigv4Verify, PayloadHashIsTheBodyAsSent) {
  request req = suite_request(bhttp::verb::post, "/",
                              "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
  EXPECT_EQ(verify_at(req, suite_time, empty_sha256).result, verdict::outcome::ok);
  // post-vanilla signed an empty body: any other body does not match.
  EXPECT_EQ(verify_at(req, suite_time, sha256_hex("{}")).result, verdict::outcome::mismatch);
  // An x-amz-content-sha256 that names another body than the one that came is refused even
  // before the signature is computed.
  req.set("x-amz-content-sha256", sha256_hex("{}"));
  EXPECT_EQ(verify_at(req, suite_time, empty_sha256).result, verdict::outcome::mismatch);
}

TEST(Sigv4Verify, Sha256OfKnownInputs) {
  EXPECT_EQ(sha256_hex(""), empty_sha256);
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sigv4Verify, TimestampsRoundTrip) {
  EXPECT_EQ(format_timestamp(at("20240229T235959Z")), "20240229T235959Z");
  EXPECT_FALSE(parse_timestamp("20240230T000000Z"));
  EXPECT_FALSE(parse_timestamp("2024-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_timestamp("20240101T000000"));
}

// The window is the server clock's (a manual clock here, as `fogbank serve` passes its service
// clock): 15 minutes either way, inclusive.
TEST(Sigv4Verify, SignaturesExpireFifteenMinutesEitherWayOfTheServerClock) {
  core::manual_clock clock(at("20240101T000000Z"));
  const request req = suite_request(bhttp::verb::get, "/", "00", suite_key, "20240101T000000Z");
  const auto check = [&] { return verify(req, empty_sha256, suite_keys(), clock.now()); };

  // Within the window the time is fine and the (wrong) signature is what is refused.
  clock.set(at("20240101T001500Z"));
  EXPECT_EQ(check().result, verdict::outcome::mismatch);
  clock.advance(std::chrono::seconds(1));
  verdict late = check();
  EXPECT_EQ(late.result, verdict::outcome::expired);
  EXPECT_EQ(late.message,
            "Signature expired: 20240101T000000Z is now earlier than 20240101T000001Z (20240101T001501Z - 15 "
            "min.)");
  clock.set(at("20240101T003100Z"));
  EXPECT_EQ(check().message,
            "Signature expired: 20240101T000000Z is now earlier than 20240101T001600Z (20240101T003100Z - 15 "
            "min.)");

  clock.set(at("20231231T234500Z"));
  EXPECT_EQ(check().result, verdict::outcome::mismatch);
  clock.advance(-std::chrono::seconds(1));
  verdict early = check();
  EXPECT_EQ(early.result, verdict::outcome::not_yet);
  EXPECT_EQ(
      early.message,
      "Signature not yet current: 20240101T000000Z is still later than 20231231T235959Z (20231231T234459Z + "
      "15 min.)");
}

TEST(Sigv4Verify, PresignedUrlsLastTheirExpires) {
  core::manual_clock clock(at("20240101T000000Z"));
  request req{
      bhttp::verb::get,
      "/?Action=ListQueues&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20240101%2Fus-"
      "east-1%2Fsqs%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&"
      "X-Amz-Signature=00",
      11};
  req.set(bhttp::field::host, "localhost:4566");
  const auto check = [&] { return verify(req, empty_sha256, suite_keys(), clock.now()); };
  clock.set(at("20240101T000500Z"));
  EXPECT_EQ(check().result, verdict::outcome::mismatch);
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(check().result, verdict::outcome::expired);

  request forever = req;
  forever.target(
      "/?Action=ListQueues&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20240101%2Fus-"
      "east-1%2Fsqs%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=604801&X-Amz-"
      "SignedHeaders=host&X-Amz-Signature=00");
  EXPECT_EQ(verify(forever, empty_sha256, suite_keys(), clock.now()).result, verdict::outcome::incomplete);
}

}  // namespace
}  // namespace fogbank::http::sigv4
