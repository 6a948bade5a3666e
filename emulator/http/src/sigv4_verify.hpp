#pragma once
// Verifying AWS Signature Version 4, for `fogbank serve --credentials KEY:SECRET` (off by
// default: then sigv4.hpp's shape check is all a request gets). fogbank recomputes the signature
// the way the client computed it and compares.
//
// Sources: AWS's "Create a canonical request" and "Signature Version 4 signing process" pages
// (docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html), and botocore's auth.py
// (SigV4Auth.canonical_request, SigV4QueryAuth), which is exactly what boto3 and the aws CLI do:
//
//   CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
//                      SignedHeaders \n PayloadHash
//   StringToSign     = "AWS4-HMAC-SHA256" \n Timestamp \n Date/Region/Service/aws4_request \n
//                      hex(SHA256(CanonicalRequest))
//   SigningKey       = HMAC(HMAC(HMAC(HMAC("AWS4" + Secret, Date), Region), Service), "aws4_request")
//   Signature        = hex(HMAC(SigningKey, StringToSign))
//
// Pure functions but verify(), which reads only the request and the time it is given.

#include "sigv4.hpp"
#include "wire.hpp"

#include "fogbank/core/clock.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace fogbank::http::sigv4 {

// Access key id -> secret access key.
using key_ring = std::map<std::string, std::string, std::less<>>;

// SHA-256 of `bytes`, lower-case hex.
std::string sha256_hex(std::string_view bytes);

// The canonical URI of a path as it came on the wire (still percent-encoded): dot segments and
// empty segments removed, then every byte but the unreserved ones and '/' percent-encoded again.
// Services other than S3 encode twice (AWS: "each path segment must be URI-encoded twice");
// botocore's _normalize_url_path quotes the already quoted path. "" is "/".
std::string canonical_uri(std::string_view raw_path);

// The canonical query string: every parameter name and value decoded, re-encoded with RFC 3986's
// unreserved characters kept, and sorted by name then value; X-Amz-Signature left out when
// `presigned` (AWS: the canonical query of a presigned URL is all parameters but the signature).
std::string canonical_query(std::string_view raw_query, bool presigned);

// "AWS4-HMAC-SHA256\n<timestamp>\n<scope>\n<hex sha256 of canonical request>"; `scope` is
// "date/region/service/aws4_request".
std::string string_to_sign(std::string_view timestamp, std::string_view scope,
                           std::string_view canonical_request);

// The hex signature of `to_sign` by `secret` in `scope`'s date, region and service.
std::string signature(std::string_view secret, const credential_scope& scope, std::string_view to_sign);

// "20240101T000000Z" <-> a time point; nullopt when not of that form.
std::optional<core::time_point> parse_timestamp(std::string_view text);
std::string format_timestamp(core::time_point at);

// How far the signing time may be from the server's, either way: 15 minutes, as the messages of
// DynamoDB (aws-sdk-js#254) and SQS (aws-sdk-php#642) say ("... (20150619T102213Z - 15 min.)"),
// and SQS's Common Errors page (RequestExpired: "more than 15 minutes after the date stamp").
inline constexpr std::chrono::minutes allowed_skew{15};

struct verdict {
  enum class outcome {
    ok,
    missing,      // no signature at all (check() said so)
    incomplete,   // a signature lacking parts (check() said so), or an X-Amz-Expires out of range
    invalid,      // check() refused the shape (both a header and query parameters, a bad region)
    unknown_key,  // the access key id is not on the key ring
    mismatch,     // the signature is not the one the secret makes
    expired,      // signed more than allowed_skew ago (or a presigned URL past its X-Amz-Expires)
    not_yet,      // signed more than allowed_skew in the future
  };
  outcome result = outcome::ok;
  // The error message for every outcome but ok and mismatch (which has one fixed message per
  // service): check()'s, or "Signature expired: ..." / "Signature not yet current: ...".
  std::string message;
  // What fogbank computed, for a mismatch: SQS quotes both in its message.
  std::string canonical_request;
  std::string string_to_sign;
};

// Verifies `req` signed in the Authorization header or by presigned-URL query parameters.
// `payload_hash` is the SHA-256 (hex) of the body as it came on the wire, before any
// Content-Encoding was undone. `now` is the server clock's time.
verdict verify(const request& req, std::string_view payload_hash, const key_ring& keys, core::time_point now);

// The fixed message of a mismatch, as DynamoDB and SQS word it.
inline constexpr std::string_view mismatch_message =
    "The request signature we calculated does not match the signature you provided. Check your AWS "
    "Secret Access Key and signing method. Consult the service documentation for details.";
// The message of an unknown access key, as DynamoDB, SQS and Lambda word it.
inline constexpr std::string_view unknown_key_message =
    "The security token included in the request is invalid.";

}  // namespace fogbank::http::sigv4
