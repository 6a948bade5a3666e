#pragma once
// What fogbank reads from an AWS Signature Version 4 request. Signatures are verified only when
// the server has credentials (sigv4_verify.hpp); otherwise any are accepted, but a request that is not signed
// at all, or whose signature is incomplete, is refused the way DynamoDB refuses it, so that a misconfigured
// client fails here as it would against AWS.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace fogbank::http::sigv4 {

using parameters = std::map<std::string, std::string, std::less<>>;

// Query parameters by decoded name (form decoding: '+' is a space); a name without '=' maps to
// "". A repeated name keeps its first value.
parameters query_parameters(std::string_view query);

// "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=f": the key=value
// parameters after the algorithm, separated by commas and/or spaces.
parameters authorization_parameters(std::string_view header);

// The credential scope of a signature: "AKID/20240101/us-east-1/dynamodb/aws4_request".
struct credential_scope {
  std::string access_key_id;
  std::string date;
  std::string region;
  std::string service;
  std::string terminator;
};

// Splits a credential scope. nullopt unless it has exactly five slash-separated elements
// (trailing slashes are ignored, as DynamoDB ignores them).
std::optional<credential_scope> parse_credential(std::string_view credential);

// The outcome of checking a request's authentication.
struct check_result {
  enum class outcome {
    ok,
    missing,     // MissingAuthenticationTokenException
    incomplete,  // IncompleteSignatureException
    invalid,     // InvalidSignatureException
  };
  outcome result = outcome::ok;
  // The error message for every outcome but ok (DynamoDB's wording).
  std::string message;
  // The signer's credential scope when result is ok.
  credential_scope scope;
};

// What the check needs from the request.
struct signed_request {
  std::optional<std::string_view> authorization;  // the Authorization header, if present
  std::string_view query;                         // the request target's query string, no '?'
  bool has_date = false;                          // an X-Amz-Date or Date header is present
};

// Checks the Authorization header, or the presigned-URL query parameters, as DynamoDB does
// before looking at the request body (order and messages follow dynalite's index.js, which was
// checked against live DynamoDB):
//   both header and X-Amz-Algorithm   -> invalid
//   neither, or a header not "AWS4-*" -> missing
//   missing Credential/Signature/SignedHeaders or date -> incomplete
//   a credential without 5 elements   -> incomplete
//   a region that no region name can be (not letters, digits, '-' and '_', or longer than 64)
//                                     -> invalid
// Messages that quote the request quote it as valid UTF-8 (see printable()). The work is linear
// in the size of the header and query string, which the HTTP parser bounds.
check_result check(const signed_request& request);

// `text` without leading and trailing blanks (spaces and tabs).
std::string_view trim(std::string_view text);

// `text` with every byte that does not start a valid UTF-8 sequence replaced by U+FFFD, so
// that an error message quoting client bytes can always be serialized as JSON.
std::string printable(std::string_view text);

}  // namespace fogbank::http::sigv4
