#include "sigv4_verify.hpp"

#include "fogbank/core/encoding.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <utility>
#include <vector>

namespace fogbank::http::sigv4 {
namespace {

using namespace std::chrono;

// The longest X-Amz-Expires AWS accepts: seven days (AWS's "Authenticating Requests: Using Query
// Parameters": "The minimum value you can set is 1, and the maximum is 604800").
constexpr std::int64_t max_expires_seconds = 604800;

std::string hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0xF];
  }
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &size);
  return std::string(reinterpret_cast<const char*>(out.data()), size);
}

// Trimall: leading and trailing blanks removed, runs of blanks inside made one space (botocore's
// _header_value: ' '.join(value.split())).
std::string trim_all(std::string_view value) {
  std::string out;
  bool blank = false;
  for (const char c : trim(value)) {
    if (c == ' ' || c == '\t') {
      blank = true;
      continue;
    }
    if (blank) out += ' ';
    blank = false;
    out += c;
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return out;
}

// The canonical headers block (each "name:value\n", in SignedHeaders' order, which the client
// sorted) of the headers named in `signed_headers` ("host;x-amz-date"). Repeated headers join
// with ',' (botocore: ','.join of get_all). nullopt when a signed header is not in the request:
// the client cannot have signed it as sent.
std::optional<std::string> canonical_headers(const request& req, std::string_view signed_headers) {
  std::string out;
  while (!signed_headers.empty()) {
    const auto semi = signed_headers.find(';');
    const std::string name = lower(signed_headers.substr(0, semi));
    signed_headers = semi == std::string_view::npos ? std::string_view{} : signed_headers.substr(semi + 1);
    if (name.empty()) continue;
    std::string value;
    bool found = false;
    const auto range = req.equal_range(bsv(name));
    for (auto it = range.first; it != range.second; ++it) {
      if (found) value += ',';
      value += trim_all(sv(it->value()));
      found = true;
    }
    if (!found) return std::nullopt;
    out += name;
    out += ':';
    out += value;
    out += '\n';
  }
  return out;
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::string_view query_of(std::string_view target) {
  const auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

// "Tue, 01 Dec 2026 04:20:00 GMT" (the Date header a client may sign instead of X-Amz-Date).
std::optional<core::time_point> parse_http_date(std::string_view text) {
  static constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::string copy(text);
  char weekday[4] = {};
  char month[4] = {};
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (std::sscanf(copy.c_str(), "%3s %d %3s %d %d:%d:%d GMT", weekday, &day, month, &year, &hour, &minute,
                  &second) != 7) {
    return std::nullopt;
  }
  const auto m = std::find(months.begin(), months.end(), std::string_view(month));
  if (m == months.end()) return std::nullopt;
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%04d%02d%02dT%02d%02d%02dZ", year,
                static_cast<int>(m - months.begin()) + 1, day, hour, minute, second);
  return parse_timestamp(stamp);
}

verdict refusal(verdict::outcome outcome, std::string message) {
  verdict v;
  v.result = outcome;
  v.message = std::move(message);
  return v;
}

// The signing time against the server's: within allowed_skew either way, and for a presigned
// URL not past its X-Amz-Expires. Messages as DynamoDB and SQS word them (aws-sdk-js#254,
// aws-sdk-php#642); the presigned form's is fogbank's (unconfirmed against AWS).
std::optional<verdict> check_time(std::string_view timestamp, core::time_point signed_at,
                                  core::time_point now, std::optional<std::int64_t> expires) {
  const std::string stamp(timestamp);
  if (signed_at > now + allowed_skew) {
    return refusal(verdict::outcome::not_yet,
                   "Signature not yet current: " + stamp + " is still later than " +
                       format_timestamp(now + allowed_skew) + " (" + format_timestamp(now) + " + 15 min.)");
  }
  if (expires) {
    if (signed_at + seconds(*expires) < now) {
      return refusal(verdict::outcome::expired, "Signature expired: " + stamp + " is now earlier than " +
                                                    format_timestamp(now - seconds(*expires)) + " (" +
                                                    format_timestamp(now) + " - " + std::to_string(*expires) +
                                                    " sec.)");
    }
    return std::nullopt;
  }
  if (signed_at < now - allowed_skew) {
    return refusal(verdict::outcome::expired, "Signature expired: " + stamp + " is now earlier than " +
                                                  format_timestamp(now - allowed_skew) + " (" +
                                                  format_timestamp(now) + " - 15 min.)");
  }
  return std::nullopt;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest.data());
  return hex(digest.data(), digest.size());
}

std::string canonical_uri(std::string_view raw_path) {
  // botocore's remove_dot_segments (utils.py): RFC 3986 5.2.4, and empty segments dropped
  // ("AWS services require consecutive slashes to be removed"); a trailing slash is kept.
  std::vector<std::string_view> segments;
  std::string_view rest = raw_path;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(segment);
  }
  std::string out = "/";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out += '/';
    out += core::url_encode(segments[i]);
  }
  if (!segments.empty() && raw_path.size() > 1 && raw_path.back() == '/') out += '/';
  return out;
}

std::string canonical_query(std::string_view raw_query, bool presigned) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (auto& [name, value] : core::query_pairs(raw_query)) {
    if (presigned && name == "X-Amz-Signature") continue;
    pairs.emplace_back(core::url_encode(name), core::url_encode(value));
  }
  // Sorted by encoded name, then value (botocore's _canonical_query_string_params).
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string string_to_sign(std::string_view timestamp, std::string_view scope,
                           std::string_view canonical_request) {
  std::string out = "AWS4-HMAC-SHA256\n";
  out += timestamp;
  out += '\n';
  out += scope;
  out += '\n';
  out += sha256_hex(canonical_request);
  return out;
}

std::string signature(std::string_view secret, const credential_scope& scope, std::string_view to_sign) {
  std::string key = hmac("AWS4" + std::string(secret), scope.date);
  key = hmac(key, scope.region);
  key = hmac(key, scope.service);
  key = hmac(key, scope.terminator);
  const std::string mac = hmac(key, to_sign);
  return hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

std::optional<core::time_point> parse_timestamp(std::string_view text) {
  // YYYYMMDD'T'HHMMSS'Z' (botocore's SIGV4_TIMESTAMP).
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  const auto number = [&](std::size_t at, std::size_t length, int& out) {
    const char* first = text.data() + at;
    const auto [end, ec] = std::from_chars(first, first + length, out);
    return ec == std::errc{} && end == first + length;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!number(0, 4, year) || !number(4, 2, month) || !number(6, 2, day) || !number(9, 2, hour) ||
      !number(11, 2, minute) || !number(13, 2, second)) {
    return std::nullopt;
  }
  const year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  return sys_days{date} + hours{hour} + minutes{minute} + seconds{second};
}

std::string format_timestamp(core::time_point at) {
  const auto day = floor<days>(at);
  const year_month_day date{day};
  const hh_mm_ss time{floor<seconds>(at - day)};
  char out[32];
  std::snprintf(out, sizeof out, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return out;
}

verdict verify(const request& req, std::string_view payload_hash, const key_ring& keys,
               core::time_point now) {
  const std::string_view target = sv(req.target());
  const std::string_view raw_query = query_of(target);

  // The shape first, with the messages DynamoDB gives (sigv4.cpp).
  signed_request shape;
  shape.authorization = find_header(req, bhttp::field::authorization);
  shape.query = raw_query;
  shape.has_date =
      find_header(req, "X-Amz-Date").has_value() || find_header(req, bhttp::field::date).has_value();
  check_result checked = check(shape);
  switch (checked.result) {
    case check_result::outcome::ok:
      break;
    case check_result::outcome::missing:
      return refusal(verdict::outcome::missing, std::move(checked.message));
    case check_result::outcome::incomplete:
      return refusal(verdict::outcome::incomplete, std::move(checked.message));
    case check_result::outcome::invalid:
      return refusal(verdict::outcome::invalid, std::move(checked.message));
  }
  const credential_scope& scope = checked.scope;

  // Then the key: an unknown one is refused before anything is computed, as AWS does (its error
  // names the key, not the signature).
  const auto secret = keys.find(scope.access_key_id);
  if (secret == keys.end()) return refusal(verdict::outcome::unknown_key, std::string(unknown_key_message));

  const bool presigned = !shape.authorization || shape.authorization->empty();
  std::string timestamp;
  std::string signed_headers;
  std::string given_signature;
  std::optional<std::int64_t> expires;
  std::optional<core::time_point> signed_at;
  if (presigned) {
    const parameters params = query_parameters(raw_query);
    timestamp = params.at("X-Amz-Date");
    signed_headers = params.at("X-Amz-SignedHeaders");
    given_signature = params.at("X-Amz-Signature");
    std::int64_t seconds_valid = 0;
    const auto expires_param = params.find("X-Amz-Expires");
    const std::string text = expires_param == params.end() ? std::string() : expires_param->second;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds_valid);
    // AWS requires X-Amz-Expires on a presigned URL; the wording is fogbank's (unconfirmed).
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || seconds_valid < 1 ||
        seconds_valid > max_expires_seconds) {
      return refusal(
          verdict::outcome::incomplete,
          "X-Amz-Expires must be a whole number of seconds from 1 to 604800, got '" + printable(text) + "'");
    }
    expires = seconds_valid;
    signed_at = parse_timestamp(timestamp);
  } else {
    const parameters params = authorization_parameters(*shape.authorization);
    signed_headers = params.at("SignedHeaders");
    given_signature = params.at("Signature");
    if (const std::optional<std::string_view> date = find_header(req, "X-Amz-Date")) {
      timestamp = std::string(*date);
      signed_at = parse_timestamp(timestamp);
    } else {
      // SigV4 allows the Date header in X-Amz-Date's place; the string to sign then carries the
      // ISO 8601 form of that date (AWS: "the date ... in ISO 8601 basic format").
      signed_at = parse_http_date(header_value(req, bhttp::field::date));
      if (signed_at) timestamp = format_timestamp(*signed_at);
    }
  }
  // A date that does not parse cannot be what the client signed with: AWS answers it as a
  // signature that does not match (unconfirmed: its exact message is not on record).
  if (!signed_at) return refusal(verdict::outcome::mismatch, std::string(mismatch_message));
  if (auto late = check_time(timestamp, *signed_at, now, expires)) return std::move(*late);

  // The payload hash: x-amz-content-sha256 when the client sent one (botocore's
  // canonical_request uses the header's value as is; UNSIGNED-PAYLOAD leaves the body out of the
  // signature), else the hash of the body as sent. A header that names another body than the
  // one that came does not match (S3 calls this XAmzContentSHA256Mismatch; for the services here
  // fogbank answers it as a signature mismatch, unconfirmed).
  std::string payload(payload_hash);
  if (const std::optional<std::string_view> content_hash = find_header(req, "x-amz-content-sha256")) {
    const std::string claimed = lower(trim(*content_hash));
    if (claimed != "unsigned-payload" && claimed != payload) {
      return refusal(verdict::outcome::mismatch, std::string(mismatch_message));
    }
    payload = std::string(trim(*content_hash));
  }

  const std::optional<std::string> headers = canonical_headers(req, signed_headers);
  if (!headers) return refusal(verdict::outcome::mismatch, std::string(mismatch_message));
  std::string canonical = std::string(sv(req.method_string()));
  canonical += '\n';
  canonical += canonical_uri(path_of(target));
  canonical += '\n';
  canonical += canonical_query(raw_query, presigned);
  canonical += '\n';
  canonical += *headers;
  canonical += '\n';
  canonical += lower(signed_headers);
  canonical += '\n';
  canonical += payload;

  const std::string scope_text =
      scope.date + "/" + scope.region + "/" + scope.service + "/" + scope.terminator;
  verdict result;
  result.string_to_sign = string_to_sign(timestamp, scope_text, canonical);
  const std::string expected = signature(secret->second, scope, result.string_to_sign);
  const std::string given = lower(given_signature);
  // Compared in constant time, so that the answer's timing says nothing about the right one.
  if (given.size() != expected.size() || CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) {
    result.result = verdict::outcome::mismatch;
    result.message = std::string(mismatch_message);
    result.canonical_request = std::move(canonical);
    return result;
  }
  result.string_to_sign.clear();
  return result;
}

}  // namespace fogbank::http::sigv4
