#pragma once
// Text encodings every wire format needs, implemented once: base64 (RFC 4648, the standard
// alphabet, as every AWS JSON and query protocol carries blobs), URL encoding and URL form decoding. Pure
// functions; thread-safe; linear in their input.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fogbank::core {

// Appends the low `digits` hex digits of `bits` (lower case, most significant first, zero-padded):
// printf's "%0<digits>llx" without printf.
void append_hex(std::string& out, std::uint64_t bits, int digits);

// `bytes` in base64 with padding.
std::string base64_encode(std::string_view bytes);

// The bytes of canonical base64 text, or nullopt: the length a multiple of 4, '=' only as the
// last one or two characters, and the bits a padded quad does not use zero, so that each byte
// string has exactly one encoding (DynamoDB's B and BS values; see dynamodb's deserializer.cpp for
// the errors it gives for each rule).
std::optional<std::string> base64_decode(std::string_view text);

// Whether `c` is one of base64's 64 data characters ('=' is padding, not data).
bool is_base64_digit(unsigned char c);

// The bytes of base64 text as Java's basic decoder reads it (what SQS and other services behind
// it accept): padding optional but, when present, completing the last quad; unused bits ignored;
// a last quad of one character refused.
std::optional<std::string> base64_decode_lenient(std::string_view text);

// One component of application/x-www-form-urlencoded text or a URL's query string: '+' is a
// space and %XX the byte XX; a '%' not followed by two hex digits stays as it is.
std::string url_decode(std::string_view text);

// `text` percent-encoded for a URL's path segment or query component: RFC 3986's unreserved
// characters (letters, digits, '-', '_', '.', '~') as they are, every other byte as %XX (upper
// case), as the AWS SDKs encode them.
std::string url_encode(std::string_view text);

// `text` for an XML or HTML attribute or element: '&', '<', '>' and '"' as entities, and each
// control character XML 1.0 forbids (all below 0x20 but tab, newline and carriage return) as
// '?'. For the reports fogbank writes (JUnit, the load run's page), not for AWS's wire formats.
std::string xml_escape(std::string_view text);

// The name=value pairs of a query string (without its '?'), decoded, in order: empty parts are
// skipped, and a part without '=' has an empty value. What API Gateway's events are made from.
std::vector<std::pair<std::string, std::string>> query_pairs(std::string_view query);

}  // namespace fogbank::core
